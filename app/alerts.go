package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fsmon/fsmon/alerts"
	"github.com/fsmon/fsmon/alerts/slack"
	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/config"
)

// alerter turns each view's results into notifications. It is nil-safe:
// without a notifier configured it does nothing.
type alerter struct {
	d   *alerts.Dispatcher
	log *slog.Logger
}

// newAlerter builds the alert pipeline of cfg; on reload the state is read
// back from the state file the previous pipeline saved after every cycle.
func newAlerter(cfg *config.Config, reg prometheus.Registerer, log *slog.Logger) (*alerter, error) {
	n, err := newNotifier(cfg, log)
	if err != nil || n == nil {
		return nil, err
	}
	path := cfg.Alerts.StateFile
	if path == "" {
		path = alerts.DefaultStatePath(cfg.File)
	}
	opts := alerts.Options{For: cfg.Alerts.For, RepeatInterval: cfg.Alerts.RepeatInterval}
	st, err := alerts.Open(path, opts)
	if err != nil {
		// A corrupt state file must not stop monitoring: start with no
		// alerts (one may be sent again) and say so.
		log.Error("alert state unreadable; starting with no alerts", "file", path, "err", err)
	}
	d, err := alerts.NewDispatcher(st, n, reg, log)
	if err != nil {
		return nil, err
	}
	return &alerter{d: d, log: log}, nil
}

// observe feeds one view's results to the alert pipeline.
func (a *alerter) observe(ctx context.Context, results []checks.Result, now time.Time) {
	if a == nil {
		return
	}
	// Delivery must not be cut short by the end of the check run's
	// context; it has its own deadline.
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	if err := a.d.Process(dctx, results, now); err != nil {
		a.log.Warn("alerts", "err", err)
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
