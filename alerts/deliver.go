package alerts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/metrics"
)

// Notifier delivers one notification. It returns the reference of the
// message it sent (for later updates; "" when it has none), and on failure
// whether trying again may succeed. A rate-limited notifier wraps a
// *RetryAfterError in err to say how long to wait. Errors must not contain
// secrets (webhook URLs, tokens).
type Notifier interface {
	Name() string
	Notify(ctx context.Context, n Notification) (ref string, retry bool, err error)
}

// RetryAfterError says the peer asked to wait After before trying again
// (Slack's HTTP 429 with Retry-After).
type RetryAfterError struct {
	After time.Duration
	Err   error
}

// Error returns the wrapped error's text with the wait.
func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("rate limited, retry after %s: %v", e.After, e.Err)
}

// Unwrap returns the wrapped error.
func (e *RetryAfterError) Unwrap() error { return e.Err }

// Results of fsmon_notifications_total.
const (
	ResultSuccess = "success"
	ResultFailure = "failure"
)

// Dispatcher runs the pipeline of one notifier: Update, deliver with
// retries, MarkSent, Save. The exported fields may be changed before first
// use; tests pin Now and Sleep.
type Dispatcher struct {
	State    *State
	Notifier Notifier
	Logger   *slog.Logger
	// Timeout bounds the delivery of one notification, retries included
	// (default 1m); a shorter context deadline wins.
	Timeout time.Duration
	// MinBackoff and MaxBackoff bound the exponential wait between
	// attempts after 5xx and network errors (defaults 1s and 30s). A
	// Retry-After longer than the backoff is honoured.
	MinBackoff, MaxBackoff time.Duration
	// Now and Sleep are the clock; Sleep returns early with ctx's error.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error

	sent *prometheus.CounterVec
}

// NewDispatcher returns a Dispatcher delivering st's notifications through
// n, counting fsmon_notifications_total{notifier,result} in reg (which may
// be nil; a counter already registered by an earlier Dispatcher is reused).
func NewDispatcher(st *State, n Notifier, reg prometheus.Registerer, logger *slog.Logger) (*Dispatcher, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: metrics.Notifications,
		Help: "Notifications delivered (success) or given up after retries (failure), by notifier.",
	}, []string{metrics.LabelNotifier, metrics.LabelResult})
	if reg != nil {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				return nil, fmt.Errorf("register %s: %w", metrics.Notifications, err)
			}
			existing, ok := are.ExistingCollector.(*prometheus.CounterVec)
			if !ok {
				return nil, fmt.Errorf("register %s: %w", metrics.Notifications, err)
			}
			c = existing
		}
	}
	c.WithLabelValues(n.Name(), ResultSuccess)
	c.WithLabelValues(n.Name(), ResultFailure)
	return &Dispatcher{
		State: st, Notifier: n, Logger: logger,
		Timeout: time.Minute, MinBackoff: time.Second, MaxBackoff: 30 * time.Second,
		Now: time.Now, Sleep: sleep, sent: c,
	}, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Process runs one cycle: it updates the state with results at now,
// delivers the notifications, records what was delivered and saves the
// state. It returns the delivery and save errors joined; a notification
// that failed is produced again by the next cycle.
func (d *Dispatcher) Process(ctx context.Context, results []checks.Result, now time.Time) error {
	notes := d.State.Update(results, now)
	err := d.Deliver(ctx, notes)
	if serr := d.State.Save(); serr != nil {
		err = errors.Join(err, serr)
	}
	return err
}

// Deliver sends each notification, retrying as the notifier allows until
// the deadline, and marks the delivered ones sent in the State. It returns
// the failures joined.
func (d *Dispatcher) Deliver(ctx context.Context, notes []Notification) error {
	var errs []error
	for _, n := range notes {
		ref, err := d.deliver(ctx, n)
		if err != nil {
			d.State.MarkFailed(n)
			d.sent.WithLabelValues(d.Notifier.Name(), ResultFailure).Inc()
			d.Logger.Warn("notification not delivered", "notifier", d.Notifier.Name(),
				"project", n.Project, "feature_view", n.FeatureView, "err", err)
			errs = append(errs, err)
			continue
		}
		d.sent.WithLabelValues(d.Notifier.Name(), ResultSuccess).Inc()
		// LastSent is the cycle's time, the clock of Update's repeat_interval.
		d.State.MarkSent(n, ref, n.At)
	}
	return errors.Join(errs...)
}

func (d *Dispatcher) deliver(ctx context.Context, n Notification) (string, error) {
	deadline := d.Now().Add(d.Timeout)
	if dl, ok := ctx.Deadline(); ok {
		if alt := d.Now().Add(time.Until(dl)); alt.Before(deadline) {
			deadline = alt
		}
	}
	backoff := d.MinBackoff
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, deadline.Sub(d.Now()))
		ref, retry, err := d.Notifier.Notify(actx, n)
		cancel()
		if err == nil {
			return ref, nil
		}
		what := fmt.Sprintf("notify %s of %s/%s", d.Notifier.Name(), n.Project, n.FeatureView)
		if !retry {
			return "", fmt.Errorf("%s: not retryable after %d attempts: %w", what, attempt, err)
		}
		wait := backoff
		var ra *RetryAfterError
		if errors.As(err, &ra) && ra.After > wait {
			wait = ra.After
		}
		if d.Now().Add(wait).After(deadline) {
			return "", fmt.Errorf("%s: giving up after %d attempts, next retry in %s is past the deadline: %w", what, attempt, wait, err)
		}
		d.Logger.Debug("notification failed, retrying", "notifier", d.Notifier.Name(),
			"feature_view", n.FeatureView, "attempt", attempt, "wait", wait, "err", err)
		if serr := d.Sleep(ctx, wait); serr != nil {
			return "", fmt.Errorf("%s: canceled after %d attempts: %w", what, attempt, errors.Join(serr, err))
		}
		backoff = min(2*backoff, d.MaxBackoff)
	}
}
