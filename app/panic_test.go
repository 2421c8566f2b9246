package app

import (
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/internal/pqwrite"
)

// TestServeSurvivesStorePanics: a panic on a goroutine a store starts (a
// Redis batch read, a Parquet file's share of the work) does not take
// serve down. The runs it hits report error results whose message names
// the recovered panic, the HTTP surface keeps answering, and once the
// panics stop the next runs succeed with the right values. Without the
// stores' recover the panic ends the test binary.
func TestServeSurvivesStorePanics(t *testing.T) {
	fx := newFixture(t, "")
	// A second (empty) file: the Parquet store spreads its work over
	// goroutines only when there is more than one file.
	cols := []pqwrite.Column{{Name: "driver_id", Type: "int64"}, {Name: "event_timestamp", Type: "timestamp"},
		{Name: "conv_rate", Type: "float64", Optional: true}, {Name: "city", Type: "string", Optional: true}}
	if err := pqwrite.Write(filepath.Join(fx.dir, "driver_stats", "part-1.parquet"), cols, nil); err != nil {
		t.Fatal(err)
	}
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("GOMAXPROCS 1: the Parquet store reads files one at a time, on the run's own goroutine")
	}
	var armed atomic.Bool
	armed.Store(true)
	var redisPanics, parquetPanics atomic.Int64
	hooks := &panicHooks{
		redis: func(where, _ string) {
			if armed.Load() && where == "fetch" {
				redisPanics.Add(1)
				var replies []string
				_ = replies[0] // index out of range, as a decoding bug would
			}
		},
		parquet: func(stage string) {
			if armed.Load() {
				parquetPanics.Add(1)
				panic("injected parquet panic in " + stage)
			}
		},
	}
	a := startApp(t, Options{ConfigFile: fx.config, FirstRunSpread: time.Millisecond, panicHooks: hooks})
	base := "http://" + a.Addr()

	errs := func(kind string) float64 { return a.metrics.Runs(kind, "error") }
	oks := func(kind string) float64 { return a.metrics.Runs(kind, "success") }
	// Two runs while every store goroutine panics: both stores' checks
	// report errors, run after run.
	waitFor(t, func() bool { return errs(checks.KindFreshness) >= 2 && errs(checks.KindNullRate) >= 2 })
	if redisPanics.Load() == 0 || parquetPanics.Load() == 0 {
		t.Fatalf("%d Redis and %d Parquet panics injected, want both", redisPanics.Load(), parquetPanics.Load())
	}
	if oks(checks.KindFreshness) != 0 {
		t.Errorf("freshness succeeded while every Redis batch read panicked")
	}
	body := get(t, base+"/api/v1/results")
	for _, want := range []string{"recovered panic: runtime error: index out of range [0] with length 0", "recovered panic: injected parquet panic"} {
		if !strings.Contains(body, want) {
			t.Errorf("/api/v1/results does not report %q:\n%.2000s", want, body)
		}
	}
	if code := status(t, base+"/-/healthy"); code != 200 {
		t.Errorf("/-/healthy: %d while stores panic", code)
	}

	// The panics stop: the following runs succeed, with the values the
	// fixture was built with.
	armed.Store(false)
	before := oks(checks.KindCoverage)
	waitFor(t, func() bool { return oks(checks.KindFreshness) > 0 && oks(checks.KindCoverage) > before })
	want := `
# HELP fsmon_feature_view_coverage_ratio Fraction of the offline sample's fresh entities that are served online.
# TYPE fsmon_feature_view_coverage_ratio gauge
fsmon_feature_view_coverage_ratio{feature_view="driver_hourly_stats",project="demo"} 0.9
# HELP fsmon_feature_view_sample_size Entities (online) or rows (offline) in the view's last sample.
# TYPE fsmon_feature_view_sample_size gauge
fsmon_feature_view_sample_size{feature_view="driver_hourly_stats",project="demo",store="offline"} 200
fsmon_feature_view_sample_size{feature_view="driver_hourly_stats",project="demo",store="online"} 180
`
	if err := testutil.GatherAndCompare(a.Registry(), strings.NewReader(want),
		"fsmon_feature_view_coverage_ratio", "fsmon_feature_view_sample_size"); err != nil {
		t.Error(err)
	}
}
