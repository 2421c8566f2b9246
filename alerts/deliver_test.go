package alerts

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/fsmon/fsmon/checks"
)

// fakeNotifier answers each Notify call with the next scripted outcome.
type fakeNotifier struct {
	outcomes []outcome
	calls    []time.Time
	clock    *fakeClock
}

type outcome struct {
	retry bool
	err   error
}

var _ Notifier = (*fakeNotifier)(nil)

func (f *fakeNotifier) Name() string { return "fake" }

func (f *fakeNotifier) Notify(ctx context.Context, n Notification) (string, bool, error) {
	f.calls = append(f.calls, f.clock.now)
	if len(f.outcomes) == 0 {
		return "ref", false, nil
	}
	o := f.outcomes[0]
	f.outcomes = f.outcomes[1:]
	if o.err == nil {
		return "ref", false, nil
	}
	return "", o.retry, o.err
}

type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time { return c.now }
func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.now = c.now.Add(d)
	return ctx.Err()
}

func newTestDispatcher(t *testing.T, outcomes ...outcome) (*Dispatcher, *fakeNotifier, *fakeClock, *prometheus.Registry) {
	t.Helper()
	clock := &fakeClock{now: t0}
	n := &fakeNotifier{outcomes: outcomes, clock: clock}
	reg := prometheus.NewRegistry()
	d, err := NewDispatcher(mustOpen(t, "", Options{RepeatInterval: time.Hour}), n, reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	d.Now, d.Sleep = clock.Now, clock.Sleep
	d.Timeout = time.Minute
	return d, n, clock, reg
}

func gaps(calls []time.Time) []time.Duration {
	var out []time.Duration
	for i := 1; i < len(calls); i++ {
		out = append(out, calls[i].Sub(calls[i-1]))
	}
	return out
}

func counts(t *testing.T, reg *prometheus.Registry, success, failure int) {
	t.Helper()
	want := `# HELP fsmon_notifications_total Notifications delivered (success) or given up after retries (failure), by notifier.
# TYPE fsmon_notifications_total counter
fsmon_notifications_total{notifier="fake",result="failure"} ` + itoa(failure) + `
fsmon_notifications_total{notifier="fake",result="success"} ` + itoa(success) + `
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "fsmon_notifications_total"); err != nil {
		t.Error(err)
	}
}

func itoa(i int) string { return string(rune('0' + i)) }

var warnCycle = []checks.Result{res("coverage", "v", "", checks.Warn)}

func TestDeliverRetries(t *testing.T) {
	e500 := errors.New("HTTP 500")
	cases := []struct {
		name      string
		outcomes  []outcome
		wantGaps  []time.Duration
		wantErr   string // "" = delivered
		delivered bool
	}{
		{name: "first try", outcomes: nil, wantGaps: nil, delivered: true},
		{name: "5xx backs off exponentially",
			outcomes: []outcome{{true, e500}, {true, e500}, {true, e500}},
			wantGaps: []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}, delivered: true},
		{name: "retry-after longer than backoff is honoured",
			outcomes: []outcome{{true, &RetryAfterError{After: 7 * time.Second, Err: errors.New("429")}}, {true, e500}},
			wantGaps: []time.Duration{7 * time.Second, 2 * time.Second}, delivered: true},
		{name: "retry-after shorter than backoff waits the backoff",
			outcomes: []outcome{{true, e500}, {true, e500}, {true, &RetryAfterError{After: time.Second, Err: errors.New("429")}}},
			wantGaps: []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}, delivered: true},
		{name: "4xx is not retried",
			outcomes: []outcome{{false, errors.New("HTTP 400 invalid_payload")}},
			wantErr:  "notify fake of p/v: not retryable after 1 attempts: HTTP 400 invalid_payload"},
		{name: "deadline gives up",
			// 1+2+4+8+16 = 31s waited; the next wait of 30s would end past the 1m deadline
			outcomes: []outcome{{true, e500}, {true, e500}, {true, e500}, {true, e500}, {true, e500}, {true, e500}, {true, e500}},
			wantGaps: []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second},
			wantErr:  "notify fake of p/v: giving up after 6 attempts, next retry in 30s is past the deadline: HTTP 500"},
		{name: "retry-after past the deadline gives up at once",
			outcomes: []outcome{{true, &RetryAfterError{After: 2 * time.Minute, Err: errors.New("429")}}},
			wantErr:  "notify fake of p/v: giving up after 1 attempts, next retry in 2m0s is past the deadline: rate limited, retry after 2m0s: 429"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, n, _, reg := newTestDispatcher(t, c.outcomes...)
			err := d.Process(context.Background(), warnCycle, t0)
			if c.wantErr == "" && err != nil {
				t.Fatalf("Process: %v", err)
			}
			if c.wantErr != "" && (err == nil || err.Error() != c.wantErr) {
				t.Fatalf("Process error = %v\nwant %s", err, c.wantErr)
			}
			if got := gaps(n.calls); !equalDurations(got, c.wantGaps) {
				t.Errorf("waits between attempts = %v, want %v", got, c.wantGaps)
			}
			if c.delivered {
				counts(t, reg, 1, 0)
			} else {
				counts(t, reg, 0, 1)
			}
			// delivered: nothing new next cycle; failed: produced again
			again := d.State.Update(warnCycle, t0.Add(time.Minute))
			if c.delivered != (len(again) == 0) {
				t.Errorf("next cycle after delivered=%v: %s", c.delivered, summary(again))
			}
		})
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDeliverStopsOnCancel(t *testing.T) {
	d, n, _, reg := newTestDispatcher(t, outcome{true, errors.New("HTTP 503")})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := d.Process(ctx, warnCycle, t0)
	if err == nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("Process error = %v, want context.Canceled", err)
	}
	if len(n.calls) != 1 {
		t.Errorf("attempts = %d, want 1", len(n.calls))
	}
	counts(t, reg, 0, 1)
}

func TestNewDispatcherReusesRegisteredCounter(t *testing.T) {
	reg := prometheus.NewRegistry()
	s := mustOpen(t, "", Options{})
	n := &fakeNotifier{clock: &fakeClock{now: t0}}
	d1, err := NewDispatcher(s, n, reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	d1.Now = n.clock.Now
	if err := d1.Process(context.Background(), warnCycle, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := NewDispatcher(s, n, reg, nil); err != nil {
		t.Fatalf("second NewDispatcher on the same registry (reload): %v", err)
	}
	counts(t, reg, 1, 0)
}
