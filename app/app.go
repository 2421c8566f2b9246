// Package app is the fsmon daemon: it turns a config into stores, schedules
// every view's checks, renders results as metrics, alerts and a status page,
// and serves them over HTTP. It is the only package that sees the stores and
// the notifiers together. It touches no signals and no flags: cmd/fsmon
// drives it, and tests run it in process on 127.0.0.1:0.
package app

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net"
	"net/http"
	"reflect"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/exporter-toolkit/web"

	"github.com/fsmon/fsmon/alerts"
	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/config"
	"github.com/fsmon/fsmon/internal/buildinfo"
	"github.com/fsmon/fsmon/internal/panics"
	"github.com/fsmon/fsmon/metrics"
	"github.com/fsmon/fsmon/reference"
	"github.com/fsmon/fsmon/sample"
	"github.com/fsmon/fsmon/statuspage"
)

// Version describes the build, for fsmon_build_info and the status page.
type Version = buildinfo.Info

// Options configure an App.
type Options struct {
	// ConfigFile is loaded by New and again on every Reload.
	ConfigFile string
	// Config, when set, is used instead of loading ConfigFile (the demo
	// builds its config in code); Reload then reloads ConfigFile if set.
	Config *config.Config
	// ListenAddress is where the HTTP server listens (":9464";
	// "127.0.0.1:0" in tests).
	ListenAddress string
	// WebConfigFile is an exporter-toolkit web config (TLS, basic auth).
	// Start refuses a file that does not load.
	WebConfigFile string
	// EnableLifecycle turns on the mutating HTTP endpoints (POST
	// /-/reload), as Prometheus's --web.enable-lifecycle does; without it
	// they answer 403 Forbidden. Reload (SIGHUP) works either way.
	EnableLifecycle bool
	Logger          *slog.Logger
	// Shard, when not nil, overrides the config's sharding (--shard).
	Shard   *Shard
	Version Version
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// MaxConcurrent is how many views are checked at the same time
	// (DefaultMaxConcurrent when 0): with the sample size it bounds the
	// memory of serve (README, "Memory").
	MaxConcurrent int
	// MemoryBudget bounds the estimated memory (RunBytes) of the views
	// checked at the same time: a view whose estimate does not fit waits,
	// and one larger than the budget runs alone. 0 means half the Go
	// runtime's memory limit (--memory.limit), or no budget when there is
	// no limit; negative means no budget.
	MemoryBudget int64
	// panicHooks, set only by tests, inject panics on the goroutines the
	// stores start.
	panicHooks *panicHooks
	// runTimeout, set only by tests, is the deadline of every run in place
	// of its view's interval, so that a run stalled for a second on a
	// loaded machine does not end in deadline errors the test is not about.
	runTimeout time.Duration
	// FirstRunSpread bounds when a view's first run happens after start:
	// views are spread by a hash of their name over [0, min(interval,
	// FirstRunSpread)). Default 10s.
	FirstRunSpread time.Duration
}

// App is a running fsmon daemon.
type App struct {
	opts    Options
	shardMu sync.Mutex
	shard   shardState
	log     *slog.Logger
	reg     *prometheus.Registry
	metrics *metrics.Metrics
	reload  prometheus.Gauge
	reloads *prometheus.CounterVec
	// registry says how the Feast registry's refreshes go.
	registry registryMetrics

	// reloadMu serializes reloads, so a flood of them builds one set of
	// stores at a time.
	reloadMu sync.Mutex
	// registries remembers Feast registries read from object storage, so
	// that a refresh of an unchanged one costs a metadata request.
	registries *config.Registries

	mu      sync.Mutex
	cfg     *config.Config
	stores  *Stores
	sched   *scheduler
	results map[viewKey]viewState
	gen     int
	// draining are the schedulers of replaced configs whose runs in flight
	// are finishing; Stop waits for them too.
	draining map[*scheduler]bool

	ln     net.Listener
	srv    *http.Server
	served chan error
	// httpErr receives the HTTP server's error if it stops on its own.
	httpErr chan error
	// alertState is the one alert state of the daemon, opened at New and
	// handed to every config generation's alerter.
	alertState *alerts.State
	alerts     *alerter
	// queue delivers the notifications of every config generation.
	queue *alerts.Queue

	// savedAt is when the state file was last saved after a run (under
	// mu); saveFailed says the last save failed, so a failing one is
	// logged once, not after every run.
	savedAt    time.Time
	saveFailed bool

	// ready is set once every view has completed its first run.
	ready atomic.Bool
	// refs caches reference profiles across reloads.
	refs *reference.Cache

	stopRefresh context.CancelFunc
	refreshDone chan struct{}

	// page is the status page and API of the config in force (its web
	// keys: Grafana link, what may be shown of feature values); a.mu.
	page http.Handler
}

type viewKey struct{ project, name string }

// viewState is what the status page shows of a view.
type viewState struct {
	results  []checks.Result
	lastRun  time.Time
	interval time.Duration
	running  bool
	// firstAt is when the view's first run is planned; kept across
	// reloads so that reloads do not postpone it.
	firstAt time.Time
}

// New loads the config and prepares the daemon; nothing runs until Start.
func New(opts Options) (*App, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.FirstRunSpread <= 0 {
		opts.FirstRunSpread = 10 * time.Second
	}
	cfg := opts.Config
	registries := &config.Registries{}
	if cfg == nil {
		var err error
		// A Feast registry that cannot be read yet does not stop the
		// daemon: it starts without the repo's views, says so, and the
		// refresh loop reads the registry again.
		if cfg, err = config.LoadPending(opts.ConfigFile, registries); err != nil {
			return nil, err
		}
	}
	a := &App{opts: opts, log: opts.Logger, reg: prometheus.NewRegistry(), results: map[viewKey]viewState{}, draining: map[*scheduler]bool{}, refs: newReferenceCache(cfg, opts.Logger), registries: registries}
	a.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a.metrics = metrics.New(a.reg, opts.Version)
	a.reload = prometheus.NewGauge(prometheus.GaugeOpts{Name: metrics.ConfigReloadSuccess, Help: "Whether the last configuration reload attempt was successful."})
	a.reloads = prometheus.NewCounterVec(prometheus.CounterOpts{Name: metrics.ConfigReloads, Help: "Configuration reloads (SIGHUP, /-/reload, Feast registry changes), by result."}, []string{metrics.LabelResult})
	a.reg.MustRegister(a.reload, a.reloads)
	a.registry = newRegistryMetrics(a.reg)
	a.observeRegistry(cfg, nil)
	a.reload.Set(1)
	a.reloads.WithLabelValues(metrics.ReloadSuccess)
	a.reloads.WithLabelValues(metrics.ReloadFailure)
	a.alertState = openState(cfg, a.log)
	q, err := alerts.NewQueue(0, a.reg, a.log)
	if err != nil {
		return nil, err
	}
	a.queue = q
	stores, al, err := a.prepare(cfg)
	if err != nil {
		q.Stop(context.Background())
		return nil, err
	}
	a.cfg, a.stores, a.alerts = cfg, stores, al
	a.page = a.pageFor(cfg)
	return a, nil
}

// pageFor builds the status page and API for cfg's web keys.
func (a *App) pageFor(cfg *config.Config) http.Handler {
	return statuspage.Handler(a.snapshot, statuspage.Options{
		Title: "fsmon", GrafanaURL: cfg.Web.GrafanaURL, Now: a.opts.Now,
		HideValues: cfg.Web.HideValues, TopCategories: cfg.Web.TopCategories, MinCategoryCount: cfg.Web.MinCategoryCount,
	})
}

// prepare builds the stores and the alert pipeline of cfg.
func (a *App) prepare(cfg *config.Config) (*Stores, *alerter, error) {
	a.keepOwnViews(cfg)
	stores, err := newStores(cfg, a.log, a.opts.panicHooks)
	if err != nil {
		return nil, nil, err
	}
	stores.refs = a.refs
	stores.registries = a.registries
	al, err := newAlerter(cfg, a.alertState, a.queue, a.reg, a.log)
	if err != nil {
		stores.Close()
		return nil, nil, err
	}
	return stores, al, nil
}

// unread says cfg's Feast registry could not be read when it was loaded
// (config.LoadPending), so its views are unknown.
func unread(cfg *config.Config) bool {
	return cfg != nil && cfg.Feast != nil && cfg.Feast.Unread != ""
}

// Registry is the registry /metrics serves.
func (a *App) Registry() *prometheus.Registry { return a.reg }

// Start listens and starts the scheduler. A web config file that does not
// load (missing, unparsable, bad certificates or users) is an error here,
// before anything listens.
func (a *App) Start() error {
	addr := a.opts.ListenAddress
	if addr == "" {
		addr = ":9464"
	}
	if err := web.Validate(a.opts.WebConfigFile); err != nil {
		return fmt.Errorf("web config %s: %w", a.opts.WebConfigFile, err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	a.ln = ln
	a.srv = &http.Server{Handler: a.handler(), ReadHeaderTimeout: 10 * time.Second}
	a.served, a.httpErr = make(chan error, 1), make(chan error, 1)
	webCfg := a.opts.WebConfigFile
	go func() {
		err := web.Serve(ln, a.srv, &web.FlagConfig{WebConfigFile: &webCfg}, a.log)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		if err != nil {
			a.httpErr <- fmt.Errorf("http server on %s: %w", ln.Addr(), err)
		}
		a.served <- err
	}()
	a.mu.Lock()
	a.startLocked()
	if len(a.cfg.Views) == 0 {
		// Nothing to run first (a Feast registry not read yet): the
		// daemon works and /metrics says what is wrong.
		a.ready.Store(true)
	}
	// Alerts of checks removed while fsmon was down resolve now.
	a.retireLocked()
	refresh := time.Duration(0)
	if a.cfg.Feast != nil && a.opts.ConfigFile != "" {
		refresh = a.cfg.Feast.Refresh
	}
	a.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	a.stopRefresh, a.refreshDone = cancel, make(chan struct{})
	go a.refreshLoop(ctx, refresh)
	return nil
}

// refreshLoop re-reads the config (and with it the Feast registry) every
// interval and applies it when the views changed, so views added with
// `feast apply` get monitored without a restart. Unchanged views keep
// running undisturbed.
func (a *App) refreshLoop(ctx context.Context, every time.Duration) {
	defer close(a.refreshDone)
	if every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cfg, err := config.LoadWith(a.opts.ConfigFile, a.registries)
		a.observeRegistry(cfg, err)
		if err != nil {
			if config.RegistryFailure(err) == nil {
				a.log.Warn("feast registry refresh: config does not load; keeping the running views", "err", err)
			}
			continue
		}
		if reflect.DeepEqual(cfg.Views, a.Config().Views) && !unread(a.Config()) {
			continue
		}
		a.log.Info("feast registry changed; reloading", "views", len(cfg.Views))
		_ = a.Reload()
	}
}

// Failed delivers the error of an HTTP server that stopped on its own
// (not by Stop): the daemon cannot serve and should exit.
func (a *App) Failed() <-chan error { return a.httpErr }

// Addr is the address the HTTP server listens on.
func (a *App) Addr() string {
	if a.ln == nil {
		return ""
	}
	return a.ln.Addr().String()
}

// Config returns the config in force.
func (a *App) Config() *config.Config {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cfg
}

// Reload loads the config file again. A config that does not load keeps
// the old one running and returns why.
func (a *App) Reload() error {
	if a.opts.ConfigFile == "" {
		a.reloads.WithLabelValues(metrics.ReloadFailure).Inc()
		return errors.New("no config file to reload")
	}
	a.reloadMu.Lock()
	defer a.reloadMu.Unlock()
	load := config.LoadWith
	if unread(a.Config()) {
		// No registry read yet: a config change applies all the same.
		load = config.LoadPending
	}
	cfg, err := load(a.opts.ConfigFile, a.registries)
	a.observeRegistry(cfg, err)
	var stores *Stores
	var al *alerter
	if err == nil {
		stores, al, err = a.prepare(cfg)
	}
	if err != nil {
		a.reload.Set(0)
		a.reloads.WithLabelValues(metrics.ReloadFailure).Inc()
		a.log.Error("config reload failed; keeping the running config", "file", a.opts.ConfigFile, "err", err)
		return fmt.Errorf("reload %s: %w", a.opts.ConfigFile, err)
	}
	a.swap(cfg, stores, al)
	a.reload.Set(1)
	a.reloads.WithLabelValues(metrics.ReloadSuccess).Inc()
	a.log.Info("config reloaded", "file", a.opts.ConfigFile, "views", len(cfg.Views))
	return nil
}

func (a *App) swap(cfg *config.Config, stores *Stores, al *alerter) {
	a.mu.Lock()
	old := a.sched
	oldStores := a.stores
	a.cfg, a.stores, a.alerts = cfg, stores, al
	a.page = a.pageFor(cfg)
	a.alertState.Reconfigure(alerts.StatePath(cfg), stateOptions(cfg))
	keep := map[viewKey]bool{}
	for _, v := range cfg.Views {
		keep[viewKey{v.Project, v.Name}] = true
	}
	for k := range a.results {
		if !keep[k] {
			delete(a.results, k)
			a.metrics.Forget(k.project, k.name)
		}
	}
	a.startLocked()
	// The new generation owns the alerts from here on: runs of the old
	// one decide only for views the new config has unchanged (runView
	// checks under a.mu), and alerts of checks the new config lacks
	// resolve once.
	a.retireLocked()
	// Runs of the old config in flight finish; their results count when
	// their view is unchanged. The old stores close after them.
	old.stop()
	a.draining[old] = true
	a.mu.Unlock()
	go func() {
		old.wait()
		oldStores.Close()
		a.mu.Lock()
		delete(a.draining, old)
		a.mu.Unlock()
	}()
}

// Stop stops scheduling, lets the running checks finish (until ctx ends),
// and shuts the HTTP server down.
func (a *App) Stop(ctx context.Context) error {
	if a.stopRefresh != nil {
		a.stopRefresh()
		<-a.refreshDone
	}
	a.mu.Lock()
	var scheds []*scheduler
	if a.sched != nil {
		scheds = append(scheds, a.sched)
	}
	for s := range a.draining {
		scheds = append(scheds, s)
	}
	a.mu.Unlock()
	for _, s := range scheds {
		s.stop()
	}
	done := make(chan struct{})
	go func() {
		for _, s := range scheds {
			s.wait()
		}
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		for _, s := range scheds {
			s.abort()
		}
		<-done
	}
	a.queue.Stop(ctx)
	a.saveState()
	var err error
	if a.srv != nil {
		err = a.srv.Shutdown(ctx)
		if serr := <-a.served; serr != nil && err == nil {
			err = serr
		}
	}
	a.mu.Lock()
	a.stores.Close()
	a.mu.Unlock()
	return err
}

// startLocked starts a scheduler for the current config; a.mu is held.
func (a *App) startLocked() {
	a.gen++
	gen := a.gen
	s := newScheduler(a.opts.MaxConcurrent, memoryBudget(a.opts.MemoryBudget))
	s.runTimeout = a.opts.runTimeout
	a.sched = s
	for _, v := range a.cfg.Views {
		v := v
		interval := v.Interval
		if interval <= 0 {
			interval = a.cfg.Interval
		}
		k := viewKey{v.Project, v.Name}
		st := a.results[k]
		st.interval = interval
		offset := viewOffset(k, interval)
		// A reload keeps the view's timing: the planned first run if it
		// has not run yet, its slot otherwise.
		now := time.Now()
		if st.firstAt.IsZero() {
			st.firstAt = now.Add(viewOffset(k, min(interval, a.opts.FirstRunSpread)))
		}
		first := nextSlot(now, interval, offset).Sub(now)
		if st.lastRun.IsZero() {
			first = max(0, st.firstAt.Sub(now))
		}
		a.results[k] = st
		s.every(first, interval, offset, RunBytes(v), func(ctx context.Context) { a.runView(ctx, gen, v) })
	}
}

// viewOffset is a view's place in [0, span), from a hash of its identity:
// views are spread over their interval so they do not all hit Redis at
// once. The first run after a start or reload uses the same hash over a
// short span (Options.FirstRunSpread) so results come quickly.
func viewOffset(k viewKey, span time.Duration) time.Duration {
	if span <= 0 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(k.project + "\x00" + k.name))
	return time.Duration(h.Sum64() % uint64(span))
}

// runView runs one view's checks and publishes the results unless the
// view was removed or changed meanwhile. A run does not start while a run
// of the same view (of a replaced config) is still going.
func (a *App) runView(ctx context.Context, gen int, v config.View) {
	k := viewKey{v.Project, v.Name}
	a.mu.Lock()
	if gen != a.gen {
		a.mu.Unlock()
		return
	}
	stores := a.stores
	st := a.results[k]
	if st.running {
		a.mu.Unlock()
		a.log.Debug("previous run of the view still going; skipping this slot", "project", v.Project, "feature_view", v.Name)
		return
	}
	st.running = true
	a.results[k] = st
	a.mu.Unlock()

	now := a.opts.Now()
	start := time.Now()
	results := RunView(ctx, stores, v, now)
	dur := time.Since(start)

	a.mu.Lock()
	if !a.currentLocked(v) {
		if st, ok := a.results[k]; ok {
			st.running = false
			a.results[k] = st
		}
		a.mu.Unlock()
		a.log.Debug("view changed during its run; results dropped", "project", v.Project, "feature_view", v.Name)
		return
	}
	st = a.results[k]
	st.results, st.lastRun, st.running = results, now, false
	a.results[k] = st
	if !a.ready.Load() && a.allRunLocked() {
		a.ready.Store(true)
	}
	a.alertState.Record(results, now)
	al := a.alerts
	notes := al.decide(results, now)
	save := time.Since(a.savedAt) >= historySaveEvery
	if save {
		a.savedAt = time.Now()
	}
	a.mu.Unlock()
	if save {
		a.saveState()
	}

	a.metrics.Observe(metrics.Run{Project: v.Project, FeatureView: v.Name, Results: results, At: now, Duration: dur})
	worst := checks.OK
	for _, r := range results {
		if r.Status.Severity() > worst.Severity() {
			worst = r.Status
		}
		if r.Status == checks.Error {
			a.log.Warn("check could not run", "check", r.Check, "project", v.Project, "feature_view", v.Name, "feature", r.Feature, "store", r.Store, "err", r.Error)
		}
	}
	a.log.Info("checked view", "project", v.Project, "feature_view", v.Name, "status", worst.String(), "results", len(results), "duration", dur)
	al.deliver(notes)
}

// historySaveEvery is how often, at most, a run saves the state file for
// the results' histories (the delivery queue saves it after every
// notification, and Stop at the end): a crash loses at most this much
// history, and many views do not write the file at every run.
const historySaveEvery = 30 * time.Second

// saveState saves the alert state file (alerts and result histories). A
// failure is logged at error level once, then at debug level until a save
// succeeds again: monitoring goes on without the file.
func (a *App) saveState() {
	err := a.alertState.Save()
	a.mu.Lock()
	failedBefore := a.saveFailed
	a.saveFailed = err != nil
	a.mu.Unlock()
	switch {
	case err != nil && !failedBefore:
		a.log.Error("alert state not saved; histories and alerts will not survive a restart", "err", err)
	case err != nil:
		a.log.Debug("alert state not saved", "err", err)
	case failedBefore:
		a.log.Info("alert state saved again", "file", a.alertState.Path())
	}
}

// allRunLocked reports whether every view of the config has completed a
// run; a.mu is held.
func (a *App) allRunLocked() bool {
	for _, v := range a.cfg.Views {
		if a.results[viewKey{v.Project, v.Name}].lastRun.IsZero() {
			return false
		}
	}
	return true
}

// currentLocked reports whether the config in force has view v unchanged;
// a.mu is held.
func (a *App) currentLocked(v config.View) bool {
	for i := range a.cfg.Views {
		c := &a.cfg.Views[i]
		if c.Project == v.Project && c.Name == v.Name {
			return reflect.DeepEqual(*c, v)
		}
	}
	return false
}

// retireLocked resolves the alerts of checks the current config lacks and
// delivers the resolutions in the background; a.mu is held.
func (a *App) retireLocked() {
	if unread(a.cfg) {
		// The registry's views are unknown, not removed: their alerts and
		// history stay until a config that knows them.
		return
	}
	a.alertState.PruneHistory(checkExists(a.cfg))
	al := a.alerts
	notes := al.retire(a.cfg, a.opts.Now())
	if len(notes) == 0 {
		return
	}
	al.deliver(notes)
}

// RunView samples a view's stores and runs every check on it.
// Each result's Duration is the time its check took: gathering the data
// it judges plus its own evaluation (stageTimes.of).
func RunView(ctx context.Context, s *Stores, v config.View, now time.Time) []checks.Result {
	on, off := s.ForView(v)
	return runChecks(ctx, v, on, off, now, s.References, s.log, s.ReplicasForView(v)...)
}

// runChecks collects a view's samples and runs every check kind on them. A
// panic in a store read (on the caller's goroutine or one the store
// spawned) or in a check is recovered (PanicError) and becomes error
// results: the daemon keeps running and `fsmon check` exits 3. The stack
// goes to the debug log. reps are the view's replica stores
// (online.replicas).
func runChecks(ctx context.Context, v config.View, on sample.Online, off sample.Offline, now time.Time, refs func(context.Context, config.View) map[string]*checks.Ref, log *slog.Logger, reps ...NamedOnline) []checks.Result {
	return runChecksWith(ctx, v, on, off, now, refs, checks.RunKind, log, reps...)
}

func runChecksWith(ctx context.Context, v config.View, on sample.Online, off sample.Offline, now time.Time, refs func(context.Context, config.View) map[string]*checks.Ref, run func(*checks.Input, string) []checks.Result, log *slog.Logger, reps ...NamedOnline) []checks.Result {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	in, times := collectTimed(ctx, v, on, off, now, reps)
	if refs != nil {
		in.References = refs(ctx, v)
	}
	for _, err := range []error{in.OnlineErr, in.FooterErr, in.OfflineErr, in.CoveredErr, in.AsOfErr} {
		logPanic(log, v, err)
	}
	var out []checks.Result
	for _, k := range checks.Kinds() {
		start := time.Now()
		rs, perr := runKindGuarded(in, k, run)
		if perr != nil {
			logPanic(log, v, perr)
		}
		d := times.of(k) + time.Since(start)
		for i := range rs {
			rs[i].Duration = d
		}
		out = append(out, rs...)
	}
	return out
}

// logPanic writes the stack of a recovered panic in err, if any and not
// logged where it was recovered, to the debug log; the error itself is in
// the results.
func logPanic(log *slog.Logger, v config.View, err error) {
	if pe := panics.Unlogged(err); pe != nil {
		log.Debug("recovered panic", "project", v.Project, "feature_view", v.Name, "err", err, "stack", string(pe.Stack))
		pe.Logged = true
	}
}

// snapshot is what the status page renders.
func (a *App) snapshot() statuspage.Snapshot {
	a.mu.Lock()
	defer a.mu.Unlock()
	snap := statuspage.Snapshot{Version: a.opts.Version.Version, Shard: a.shardSummary()}
	if unread(a.cfg) {
		snap.Problems = append(snap.Problems, "The Feast registry of "+a.cfg.Feast.Repo+" could not be read; its feature views are not monitored until it is: "+a.cfg.Feast.Unread)
	}
	keys := make([]viewKey, 0, len(a.results))
	for k := range a.results {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].project != keys[j].project {
			return keys[i].project < keys[j].project
		}
		return keys[i].name < keys[j].name
	})
	for _, k := range keys {
		st := a.results[k]
		if st.lastRun.After(snap.UpdatedAt) {
			snap.UpdatedAt = st.lastRun
		}
		snap.Results = append(snap.Results, a.alertState.Annotate(st.results)...)
		snap.Views = append(snap.Views, statuspage.ViewInfo{Project: k.project, Name: k.name, LastRun: st.lastRun, Interval: st.interval, Running: st.running})
	}
	return snap
}

func (a *App) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v1/shard", a.serveShard)
	mux.Handle("/metrics", promhttp.HandlerFor(a.reg, promhttp.HandlerOpts{Registry: a.reg}))
	mux.HandleFunc("/-/healthy", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "Healthy")
	})
	mux.HandleFunc("/-/ready", func(w http.ResponseWriter, _ *http.Request) {
		// Ready once every view has been checked: before that /metrics
		// and the status page have no results to show.
		if !a.ready.Load() {
			http.Error(w, "Not ready: the first run of every feature view has not completed", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "Ready")
	})
	mux.HandleFunc("/-/reload", func(w http.ResponseWriter, r *http.Request) {
		if !a.opts.EnableLifecycle {
			http.Error(w, "Lifecycle API is not enabled (start fsmon with --web.enable-lifecycle).", http.StatusForbidden)
			return
		}
		if r.Method != http.MethodPost && r.Method != http.MethodPut {
			w.Header().Set("Allow", "POST, PUT")
			http.Error(w, "reload needs POST or PUT", http.StatusMethodNotAllowed)
			return
		}
		if err := a.Reload(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintln(w, "Reloaded")
	})
	// The page of the config in force: a reload that changes web.* keys
	// applies to the next request.
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		page := a.page
		a.mu.Unlock()
		page.ServeHTTP(w, r)
	}))
	return mux
}
