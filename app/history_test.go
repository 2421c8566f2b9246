package app

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/config"
)

// apiResults reads /api/v1/results of a running App.
func apiResults(t *testing.T, a *App) []checks.Result {
	t.Helper()
	resp, err := http.Get("http://" + a.Addr() + "/api/v1/results")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Results []checks.Result `json:"results"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	return doc.Results
}

func coverageOf(rs []checks.Result) *checks.Result {
	for i := range rs {
		if rs[i].Check == checks.KindCoverage {
			return &rs[i]
		}
	}
	return nil
}

// TestHistoryAcrossRestart: the API carries since and history; a restart
// on the same state file keeps both (same status: same since, history
// continues); a status change resets since.
func TestHistoryAcrossRestart(t *testing.T) {
	fx := newFixture(t, "")
	start := func() *App {
		a, err := New(Options{ConfigFile: fx.config, ListenAddress: "127.0.0.1:0", FirstRunSpread: time.Millisecond, runTimeout: testRunTimeout})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Start(); err != nil {
			t.Fatal(err)
		}
		return a
	}
	// Coverage is 180/200 = 90%: crit under the default thresholds.
	a := start()
	var first checks.Result
	waitFor(t, func() bool {
		c := coverageOf(apiResults(t, a))
		if c == nil || len(c.History) < 2 {
			return false
		}
		first = *c
		return true
	})
	noRunErrors(t, a)
	if first.Status != checks.Crit || first.Since == nil || !first.Since.Equal(first.History[0].At) {
		t.Fatalf("coverage: status %s since %v, history %+v; want crit since its first run", first.Status, first.Since, first.History)
	}
	for _, p := range first.History {
		if p.Status != checks.Crit || p.Value == nil || !near(*p.Value, 0.9) {
			t.Errorf("history point %+v, want crit 0.9", p)
		}
	}
	if err := a.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(fx.dir, ".fsmon-alerts.json")
	b, err := os.ReadFile(state)
	if err != nil {
		t.Fatalf("no state file beside the config after Stop (no notifier configured): %v", err)
	}
	var f struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(b, &f); err != nil || f.Version != 2 {
		t.Fatalf("state file version %d (%v)", f.Version, err)
	}

	a = start()
	var second checks.Result
	waitFor(t, func() bool {
		c := coverageOf(apiResults(t, a))
		if c == nil || c.History[len(c.History)-1].At.Before(first.History[len(first.History)-1].At.Add(time.Millisecond)) {
			return false
		}
		second = *c
		return true
	})
	if second.Since == nil || !second.Since.Equal(*first.Since) {
		t.Errorf("since after restart = %v, want %v (same status)", second.Since, *first.Since)
	}
	if len(second.History) <= len(first.History) || !second.History[0].At.Equal(first.History[0].At) {
		t.Errorf("history after restart does not continue the one before: %d points from %v, before %d from %v",
			len(second.History), second.History[0].At, len(first.History), first.History[0].At)
	}

	// The 20 missing drivers arrive online: coverage 100%, ok, since reset.
	rdb := redis.NewClient(&redis.Options{Addr: fx.redis.Addr})
	defer rdb.Close()
	ts := fx.now.Add(-time.Hour)
	for id := 181; id <= 200; id++ {
		if err := rdb.HSet(context.Background(), fmt.Sprintf("fs:driver:%d", id), "event_ts", fmt.Sprint(ts.Unix()),
			"conv_rate", fmt.Sprint(float64(id)/200), "city", []string{"sf", "la"}[id%2]).Err(); err != nil {
			t.Fatal(err)
		}
	}
	var third checks.Result
	waitFor(t, func() bool {
		c := coverageOf(apiResults(t, a))
		if c == nil || c.Status != checks.OK {
			return false
		}
		third = *c
		return true
	})
	noRunErrors(t, a)
	last := third.History[len(third.History)-1]
	prev := third.History[len(third.History)-2]
	if third.Since == nil || !third.Since.Equal(last.At) || prev.Status != checks.Crit {
		t.Errorf("after recovery: since %v, last points %+v %+v; want since = the first ok run", third.Since, prev, last)
	}
	if err := a.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}

	// fsmon check reads the daemon's file (never writes it): its report
	// continues the history.
	cfg, err := config.Load(fx.config)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(state)
	log := slog.New(slog.DiscardHandler)
	rs, err := CheckOnce(context.Background(), cfg, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	rs = WithHistory(cfg, rs, log)
	c := coverageOf(rs)
	if c == nil || c.Since == nil || !c.Since.Equal(*third.Since) || len(c.History) <= len(third.History) ||
		!c.History[0].At.Equal(third.History[0].At) || c.History[len(c.History)-1].Status != checks.OK {
		t.Errorf("fsmon check: since %v history %+v; want since %v and the daemon's %d points and more", c.Since, c.History, *third.Since, len(third.History))
	}
	after, _ := os.ReadFile(state)
	if string(before) != string(after) {
		t.Error("fsmon check changed the state file")
	}
}
