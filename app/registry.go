package app

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/fsmon/fsmon/config"
	"github.com/fsmon/fsmon/metrics"
)

// registryMetrics say whether the Feast registry of feast.repo could be
// read at its last refresh (start, reload or the periodic refresh).
type registryMetrics struct {
	ok       *prometheus.GaugeVec
	failures *prometheus.CounterVec
	last     *prometheus.GaugeVec
}

func newRegistryMetrics(reg prometheus.Registerer) registryMetrics {
	m := registryMetrics{
		ok: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: metrics.FeastRegistryRefreshSuccess,
			Help: "Whether the last refresh of the Feast registry read it (1) or failed and kept the views of the last registry read (0)."}, []string{metrics.LabelProject}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: metrics.FeastRegistryRefreshFailures,
			Help: "Refreshes of the Feast registry (or feature_store.yaml) that could not read it."}, []string{metrics.LabelProject}),
		last: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: metrics.FeastRegistryLastSuccess,
			Help: "Unix time of the last refresh that read the Feast registry."}, []string{metrics.LabelProject}),
	}
	reg.MustRegister(m.ok, m.failures, m.last)
	return m
}

// observeRegistry records what loading the config (cfg, or err) said of the
// Feast registry: read, not read, or nothing (no feast.repo, or a config
// that failed before reaching the registry). The views in force stay when
// it could not be read; the log says so.
func (a *App) observeRegistry(cfg *config.Config, err error) {
	if err != nil {
		e := config.RegistryFailure(err)
		if e == nil {
			return
		}
		project := e.FeastProject
		running := a.Config()
		if project == "" && running != nil && running.Feast != nil {
			project = running.Feast.Project
		}
		a.registry.ok.WithLabelValues(project).Set(0)
		a.registry.failures.WithLabelValues(project).Inc()
		if unread(running) {
			a.log.Error("Feast registry cannot be read; its feature views are unknown until it is", "project", project, "err", e.Msg)
			return
		}
		a.log.Error("Feast registry cannot be read; keeping the views of the last registry read", "project", project, "err", e.Msg)
		return
	}
	if unread(cfg) {
		// Loaded without the registry (at start): no views to keep yet.
		p := cfg.Feast.Project
		a.registry.ok.WithLabelValues(p).Set(0)
		a.registry.failures.WithLabelValues(p).Inc()
		// last stays absent: it has never been read.
		a.log.Error("Feast registry cannot be read; its feature views are unknown until it is (retrying every feast.refresh)", "project", p, "repo", cfg.Feast.Repo, "err", cfg.Feast.Unread)
		return
	}
	if cfg == nil || cfg.Feast == nil || cfg.Feast.Project == "" {
		return
	}
	p := cfg.Feast.Project
	a.registry.ok.WithLabelValues(p).Set(1)
	a.registry.failures.WithLabelValues(p)
	a.registry.last.WithLabelValues(p).Set(float64(a.opts.Now().UnixNano()) / 1e9)
}
