package app

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/fsmon/fsmon/alerts"
	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/config"
)

// CheckOnce runs every view of cfg (or those named in only) once and
// returns all results: the `fsmon check` pass. Views run two at a time,
// within serve's memory budget (half the runtime's memory limit).
// An entry of only is "project/view" or a view name, which selects the
// views of that name in every project.
func CheckOnce(ctx context.Context, cfg *config.Config, only []string, log *slog.Logger) ([]checks.Result, error) {
	views, err := selectViews(cfg.Views, only)
	if err != nil {
		return nil, err
	}
	stores, err := NewStores(cfg, log)
	if err != nil {
		return nil, err
	}
	defer stores.Close()
	out := make([][]checks.Result, len(views))
	// serve's admission: two views at a time, large ones alone.
	adm := newAdmission(DefaultMaxConcurrent, memoryBudget(0))
	var wg sync.WaitGroup
	for i, v := range views {
		wg.Add(1)
		go func() {
			defer wg.Done()
			adm.do(ctx, RunBytes(v), func(ctx context.Context) { out[i] = RunView(ctx, stores, v, time.Now()) })
		}()
	}
	wg.Wait()
	var all []checks.Result
	for _, rs := range out {
		all = append(all, rs...)
	}
	return all, nil
}

// selectViews returns the views named in only ("project/view" or "view"),
// each once, in config order; all of them when only is empty.
func selectViews(views []config.View, only []string) ([]config.View, error) {
	if len(only) == 0 {
		return views, nil
	}
	want := map[int]bool{}
	for _, n := range only {
		project, name, qualified := strings.Cut(n, "/")
		if !qualified {
			project, name = "", n
		}
		found := false
		for i, v := range views {
			if v.Name == name && (!qualified || v.Project == project) {
				want[i], found = true, true
			}
		}
		if !found {
			return nil, fmt.Errorf("--only: no feature view %q in the config", n)
		}
	}
	var out []config.View
	for i, v := range views {
		if want[i] {
			out = append(out, v)
		}
	}
	return out, nil
}

// WithHistory returns results with Since and History as `fsmon check`
// reports them: the history the daemon recorded in the alert state file of
// cfg (alerts.state_file, or the default beside the config file) followed
// by this pass. The file is only read, never written: a gate must not
// change the daemon's state, and two gates running at once must not race
// on it. Without a readable file, each result's history is this pass alone
// and its since is this pass's time.
func WithHistory(cfg *config.Config, results []checks.Result, log *slog.Logger) []checks.Result {
	path := alerts.StatePath(cfg)
	st, err := alerts.Open(path, alerts.Options{})
	if err != nil {
		log.Warn("alert state unreadable; since and history cover this pass only", "file", path, "err", err)
	}
	now := time.Now()
	st.Record(results, now)
	return st.Annotate(results)
}
