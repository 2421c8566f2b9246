package app

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fsmon/fsmon/alerts"
	"github.com/fsmon/fsmon/alerts/slack"
	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/config"
)

// alerter is one config generation's alert pipeline: the notifier of that
// config over the App's one alert State. It is nil-safe: without a
// notifier configured it does nothing.
//
// Decisions and delivery are apart: decide (State.Update or Retire) is
// fast and in memory, and the App calls it under its lock together with
// the generation check, so a run of a replaced config never decides;
// deliver queues what was decided for the App's delivery queue.
type alerter struct {
	d   *alerts.Dispatcher
	q   *alerts.Queue
	log *slog.Logger
}

func stateOptions(cfg *config.Config) alerts.Options {
	return alerts.Options{For: cfg.Alerts.For, RepeatInterval: cfg.Alerts.RepeatInterval}
}

// openState opens the App's alert state: once, at New. A corrupt state
// file must not stop monitoring: it starts with no alerts (one may be sent
// again) and says so.
func openState(cfg *config.Config, log *slog.Logger) *alerts.State {
	path := alerts.StatePath(cfg)
	st, err := alerts.Open(path, stateOptions(cfg))
	if err != nil {
		log.Error("alert state unreadable; starting with no alerts", "file", path, "err", err)
	}
	return st
}

// newAlerter builds the alert pipeline of cfg over the shared state st,
// delivering through q.
func newAlerter(cfg *config.Config, st *alerts.State, q *alerts.Queue, reg prometheus.Registerer, log *slog.Logger) (*alerter, error) {
	n, err := newNotifier(cfg, log)
	if err != nil || n == nil {
		return nil, err
	}
	d, err := alerts.NewDispatcher(st, n, reg, log)
	if err != nil {
		return nil, err
	}
	return &alerter{d: d, q: q, log: log}, nil
}

// decide applies one view's results to the state and returns what is to
// be delivered.
func (a *alerter) decide(results []checks.Result, now time.Time) []alerts.Notification {
	if a == nil {
		return nil
	}
	return a.d.State.Update(results, now)
}

// retire resolves the alerts of checks that no longer exist in cfg.
func (a *alerter) retire(cfg *config.Config, now time.Time) []alerts.Notification {
	if a == nil {
		return nil
	}
	return a.d.State.Retire(checkExists(cfg), now)
}

// deliver hands notes to the delivery queue and returns at once: the
// queue sends them in the background (retries and backoff included),
// records what was delivered and saves the state, so a dead or hanging
// notifier never holds a view's run.
func (a *alerter) deliver(notes []alerts.Notification) {
	if a == nil || len(notes) == 0 {
		return
	}
	a.q.Enqueue(a.d, notes)
}

// checkExists reports whether the check an alert follows still exists in
// cfg: its view is configured (same project and name), its feature is one
// of the view's features, and an offline store result has an offline
// store to come from.
func checkExists(cfg *config.Config) func(alerts.Key) bool {
	views := map[viewKey]*config.View{}
	for i := range cfg.Views {
		v := &cfg.Views[i]
		views[viewKey{v.Project, v.Name}] = v
	}
	return func(k alerts.Key) bool {
		v := views[viewKey{k.Project, k.FeatureView}]
		if v == nil {
			return false
		}
		if k.Store == checks.StoreOffline && v.Offline == nil {
			return false
		}
		if k.Feature == "" {
			return true
		}
		for _, f := range v.Features {
			if f.Name == k.Feature {
				return true
			}
		}
		return false
	}
}

// newNotifier returns the notifier the config asks for, or nil when none
// is configured.
func newNotifier(cfg *config.Config, log *slog.Logger) (alerts.Notifier, error) {
	if cfg.Slack == nil {
		return nil, nil
	}
	n, err := slack.NewFromConfig(cfg.Slack, log)
	if err != nil {
		return nil, fmt.Errorf("slack: %w", err)
	}
	return n, nil
}
