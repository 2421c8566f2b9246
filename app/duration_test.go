package app

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/config"
	"github.com/fsmon/fsmon/sample"
)

// slowAsOf delays the as-of lookup of a real offline store.
type slowAsOf struct {
	sample.Offline
	delay time.Duration
}

func (s slowAsOf) AsOf(ctx context.Context, qs []sample.AsOf) (*sample.Sample, error) {
	time.Sleep(s.delay)
	return s.Offline.AsOf(ctx, qs)
}

// A slow as-of lookup is consistency's time, not freshness's: each check's
// duration covers the data it judges and its evaluation only. The lookup
// takes 2 s more than it would; every other check must have taken at least
// half of that less than consistency. Measured against consistency, whose
// time shares the online sample with the others, only a stall of a second
// outside the online sample could fail it on a loaded machine; with the
// whole run's duration on every check (the bug it guards against), each
// other check would take at least as long as consistency.
func TestCheckDurationsAreTheirOwn(t *testing.T) {
	fx := newFixture(t, "")
	cfg, err := config.Load(fx.config)
	if err != nil {
		t.Fatal(err)
	}
	stores, err := NewStores(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stores.Close()
	v := cfg.Views[0]
	on, off := stores.ForView(v)
	const delay = 2 * time.Second
	rs := runChecks(context.Background(), v, on, slowAsOf{off, delay}, time.Now(), nil, nil)
	took := map[string]time.Duration{}
	for _, r := range rs {
		if r.Duration <= 0 {
			t.Errorf("%s/%s: duration %v", r.Check, r.Feature, r.Duration)
		}
		took[r.Check] = r.Duration
	}
	cons := took[checks.KindConsistency]
	if cons < delay {
		t.Errorf("consistency took %v, want at least the %v as-of lookup", cons, delay)
	}
	for _, k := range []string{checks.KindFreshness, checks.KindNullRate, checks.KindCoverage, checks.KindSkew} {
		if took[k] > cons-delay/2 {
			t.Errorf("%s took %v, consistency %v: %s does not read as-of rows, want it at least %v shorter", k, took[k], cons, k, delay/2)
		}
	}
}

// /-/ready answers 503 until every view has completed its first run.
func TestReadyAfterFirstRun(t *testing.T) {
	fx := newFixture(t, "")
	b, err := os.ReadFile(fx.config)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fx.config, []byte(strings.Replace(string(b), "interval: 1s", "interval: 1h", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	// A first-run spread that puts the view's first run 1-3 s after start.
	k := viewKey{"demo", "driver_hourly_stats"}
	spread := 3 * time.Second
	for ; spread < time.Minute; spread += 7 * time.Millisecond {
		if off := viewOffset(k, spread); off >= time.Second && off <= 3*time.Second {
			break
		}
	}
	a := startApp(t, Options{ConfigFile: fx.config, FirstRunSpread: spread})
	url := "http://" + a.Addr() + "/-/ready"
	if code := status(t, url); code != http.StatusServiceUnavailable {
		t.Errorf("before the first run: /-/ready = %d, want 503", code)
	}
	if code := status(t, "http://"+a.Addr()+"/-/healthy"); code != 200 {
		t.Errorf("/-/healthy = %d while waiting for the first run", code)
	}
	waitFor(t, func() bool { return status(t, url) == http.StatusOK })
	if len(a.snapshot().Results) == 0 {
		t.Error("ready without results")
	}
}

func TestSelectViews(t *testing.T) {
	views := []config.View{{Project: "ride", Name: "drivers"}, {Project: "food", Name: "drivers"}, {Project: "ride", Name: "zones"}}
	names := func(vs []config.View) string {
		var out []string
		for _, v := range vs {
			out = append(out, v.Project+"/"+v.Name)
		}
		return strings.Join(out, ",")
	}
	for _, c := range []struct {
		only []string
		want string
	}{
		{nil, "ride/drivers,food/drivers,ride/zones"},
		{[]string{"food/drivers"}, "food/drivers"},
		{[]string{"drivers"}, "ride/drivers,food/drivers"},
		{[]string{"ride/zones", "ride/drivers", "zones"}, "ride/drivers,ride/zones"},
	} {
		got, err := selectViews(views, c.only)
		if err != nil || names(got) != c.want {
			t.Errorf("selectViews(%q) = %s, %v; want %s", c.only, names(got), err, c.want)
		}
	}
	for _, bad := range []string{"taxi/drivers", "food/zones", "nothing"} {
		if _, err := selectViews(views, []string{bad}); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("selectViews(%q): err %v, want one naming it", bad, err)
		}
	}
}
