package app

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/config"
)

// CheckOnce runs every view of cfg (or those named in only) once and
// returns all results: the `fsmon check` pass. Views run two at a time.
func CheckOnce(ctx context.Context, cfg *config.Config, only []string, log *slog.Logger) ([]checks.Result, error) {
	views := cfg.Views
	if len(only) > 0 {
		byName := map[string]config.View{}
		for _, v := range cfg.Views {
			byName[v.Name] = v
		}
		views = nil
		for _, n := range only {
			v, ok := byName[n]
			if !ok {
				return nil, fmt.Errorf("--only: no feature view named %q in the config", n)
			}
			views = append(views, v)
		}
	}
	stores, err := NewStores(cfg, log)
	if err != nil {
		return nil, err
	}
	defer stores.Close()
	out := make([][]checks.Result, len(views))
	sem := make(chan struct{}, 2)
	var wg sync.WaitGroup
	for i, v := range views {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i] = RunView(ctx, stores, v, time.Now())
		}()
	}
	wg.Wait()
	var all []checks.Result
	for _, rs := range out {
		all = append(all, rs...)
	}
	return all, nil
}
