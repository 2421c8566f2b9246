package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/feast"
	"github.com/fsmon/fsmon/feast/feasttest"
	"github.com/fsmon/fsmon/internal/lockedbuf"
	"github.com/fsmon/fsmon/internal/pqwrite"
	"github.com/fsmon/fsmon/internal/redistest"
)

// TestFeastRepoOnly monitors a Feast deployment from nothing but
// `feast: {repo: …}`. The repo, written the way Feast writes it, holds:
//
//   - driver_hourly_stats (INT64 join key): 50 drivers, 30 min old, conv_rate
//     null for 5 of them (empty Value) → null rate 0.1, coverage 1,
//     consistency 1; a STRING_LIST feature is presence-only;
//   - merchant_risk, compound key (merchant_id STRING, customer_id INT64),
//     stored under its versioned name merchant_risk_v2: 40 entities offline
//     (rows 3 days and 1 hour old), 30 of them online with the 3-day-old
//     row → stale (freshness crit with ttl 1d), coverage 30/40 = 0.75,
//     consistency 1 (as of the online time);
//   - a view of another project in the same registry, which must not be
//     reported.
func TestFeastRepoOnly(t *testing.T) {
	srv := redistest.Start(t)
	now := time.Now().UTC().Truncate(time.Microsecond)
	repo := t.TempDir()
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer rdb.Close()
	ctx := context.Background()
	w := feasttest.Writer{Project: "ride", Version: 3}

	// driver_hourly_stats
	var drows []feasttest.Row
	var dpq [][]any
	ts := now.Add(-30 * time.Minute)
	for id := int64(1); id <= 50; id++ {
		conv := feasttest.Float(float32(id) / 64)
		var convPQ any = float32(id) / 64
		if id <= 5 {
			conv, convPQ = feasttest.Null(), nil
		}
		drows = append(drows, feasttest.Row{Entity: []feast.EntityValue{{Type: feast.Int64, Int: id}}, Event: ts,
			Values: []feasttest.Field{{Name: "conv_rate", Value: conv}, {Name: "trips", Value: feasttest.Int64(id % 9)},
				{Name: "tags", Value: feasttest.Int64List(1, 2)}}})
		dpq = append(dpq, []any{id, ts, convPQ, id % 9})
	}
	if err := w.Write(ctx, rdb, "driver_hourly_stats", []string{"driver_id"}, drows); err != nil {
		t.Fatal(err)
	}
	err := pqwrite.Write(filepath.Join(repo, "data", "driver_stats.parquet"),
		[]pqwrite.Column{{Name: "driver_id", Type: "int64"}, {Name: "event_timestamp", Type: "timestamp"},
			{Name: "conv_rate", Type: "float32", Optional: true}, {Name: "trips", Type: "int64"}}, dpq)
	if err != nil {
		t.Fatal(err)
	}

	// merchant_risk, versioned and stale, 10 entities missing online.
	var mrows []feasttest.Row
	var mpq [][]any
	old, recent := now.Add(-72*time.Hour), now.Add(-time.Hour)
	for i := int64(0); i < 40; i++ {
		merchant := fmt.Sprintf("m_%d", i%7)
		score := float64(i) / 40
		mpq = append(mpq, []any{merchant, 1000 + i, old, score}, []any{merchant, 1000 + i, recent, score + 0.5})
		if i < 30 {
			mrows = append(mrows, feasttest.Row{
				Entity: []feast.EntityValue{{Type: feast.String, Str: merchant}, {Type: feast.Int64, Int: 1000 + i}},
				Event:  old, Values: []feasttest.Field{{Name: "risk_score", Value: feasttest.Double(score)}}})
		}
	}
	if err := w.Write(ctx, rdb, "merchant_risk_v2", []string{"merchant_id", "customer_id"}, mrows); err != nil {
		t.Fatal(err)
	}
	err = pqwrite.Write(filepath.Join(repo, "data", "merchant_risk", "part-0.parquet"),
		[]pqwrite.Column{{Name: "merchant_id", Type: "string"}, {Name: "customer_id", Type: "int64"},
			{Name: "event_timestamp", Type: "timestamp"}, {Name: "risk_score", Type: "float64"}}, mpq)
	if err != nil {
		t.Fatal(err)
	}

	err = feasttest.WriteRegistry(filepath.Join(repo, "data", "registry.db"),
		feasttest.RegistryView{View: feast.View{Name: "driver_hourly_stats", Project: "ride", JoinKeys: []string{"driver_id"},
			JoinKeyTypes: []feast.ValueType{feast.Int64}, TTL: 24 * time.Hour, LastMaterialized: now.Add(-time.Hour).Truncate(time.Second),
			Features: []feast.FeatureSpec{{Name: "conv_rate", Type: feast.Float}, {Name: "trips", Type: feast.Int64}, {Name: "tags", Type: feast.Int64List}},
			Source:   &feast.FileSource{Path: "data/driver_stats.parquet", TimestampField: "event_timestamp"}}},
		feasttest.RegistryView{Version: 2, View: feast.View{Name: "merchant_risk", Project: "ride", JoinKeys: []string{"merchant_id", "customer_id"},
			JoinKeyTypes: []feast.ValueType{feast.String, feast.Int64}, TTL: 24 * time.Hour,
			Features: []feast.FeatureSpec{{Name: "risk_score", Type: feast.Double}},
			Source:   &feast.FileSource{Path: "data/merchant_risk", TimestampField: "event_timestamp"}}},
		feasttest.RegistryView{View: feast.View{Name: "other_view", Project: "other_project", JoinKeys: []string{"driver_id"},
			JoinKeyTypes: []feast.ValueType{feast.Int64}, Features: []feast.FeatureSpec{{Name: "x", Type: feast.Int64}}}},
	)
	if err != nil {
		t.Fatal(err)
	}
	fsy := fmt.Sprintf("project: ride\nregistry:\n  path: data/registry.db\n  enable_online_feature_view_versioning: true\n"+
		"online_store:\n  type: redis\n  connection_string: \"%s\"\noffline_store:\n  type: file\n", srv.Addr)
	if err := os.WriteFile(filepath.Join(repo, "feature_store.yaml"), []byte(fsy), 0o644); err != nil {
		t.Fatal(err)
	}
	rs := checkRepo(t, repo, "")
	byView := map[string][]checks.Result{}
	for _, r := range rs {
		byView[r.FeatureView] = append(byView[r.FeatureView], r)
		if r.Feature == "tags" && r.Store == checks.StoreOffline {
			// The registry lists tags but the file source written here has
			// no such column: a config error naming the registry.
			if r.Status != checks.Error || !strings.Contains(r.Error, "registry.db: feature \"tags\": no column tags") {
				t.Errorf("tags offline: %v %q", r.Status, r.Error)
			}
			continue
		}
		if r.Status == checks.Error {
			t.Errorf("error result: %+v", r)
		}
	}
	if len(byView) != 2 || byView["other_view"] != nil || byView["merchant_risk_v2"] != nil {
		t.Fatalf("views reported: %v", keys(byView))
	}
	d := byView["driver_hourly_stats"]
	if f := find(t, d, checks.KindFreshness, "", ""); *f.Value < 1800 || *f.Value > 1900 || f.Status != checks.OK ||
		f.Details["feast_last_materialization_seconds"] == nil {
		t.Errorf("driver freshness: %+v", f)
	}
	if n := find(t, d, checks.KindNullRate, "conv_rate", checks.StoreOnline); !near(*n.Value, 0.1) || n.Details["empty"] != 5 {
		t.Errorf("driver online null rate: %+v", n)
	}
	if n := find(t, d, checks.KindNullRate, "tags", checks.StoreOnline); *n.Value != 0 {
		t.Errorf("presence-only list feature: %+v", n)
	}
	if c := find(t, d, checks.KindCoverage, "", ""); *c.Value != 1 {
		t.Errorf("driver coverage: %+v", c)
	}
	for _, f := range []string{"conv_rate", "trips"} {
		if c := find(t, d, checks.KindConsistency, f, ""); *c.Value != 1 || *c.SampleSize != 50 {
			t.Errorf("driver consistency %s: %+v", f, c)
		}
	}
	m := byView["merchant_risk"]
	if f := find(t, m, checks.KindFreshness, "", ""); f.Status != checks.Crit || *f.Value < 72*3600 {
		t.Errorf("merchant freshness: %+v", f)
	}
	if c := find(t, m, checks.KindCoverage, "", ""); !near(*c.Value, 0.75) {
		t.Errorf("merchant coverage: %+v", c)
	}
	if c := find(t, m, checks.KindConsistency, "risk_score", ""); *c.Value != 1 || *c.SampleSize != 30 {
		t.Errorf("merchant consistency: %+v", c)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestFeastRegistryRefresh adds a view to the registry of a running daemon
// (as `feast apply` would) and expects it monitored without a restart;
// then damages the registry file and expects the views kept, the failure
// in the registry metrics and the log, and recovery once it is whole.
func TestFeastRegistryRefresh(t *testing.T) {
	srv := redistest.Start(t)
	repo := t.TempDir()
	view := func(name string) feasttest.RegistryView {
		return feasttest.RegistryView{View: feast.View{Name: name, Project: "ride", JoinKeys: []string{"driver_id"},
			JoinKeyTypes: []feast.ValueType{feast.Int64}, Features: []feast.FeatureSpec{{Name: "trips", Type: feast.Int64}}}}
	}
	reg := filepath.Join(repo, "data", "registry.db")
	if err := os.MkdirAll(filepath.Dir(reg), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := feasttest.WriteRegistry(reg, view("first")); err != nil {
		t.Fatal(err)
	}
	fsy := fmt.Sprintf("project: ride\nregistry: data/registry.db\nonline_store:\n  type: redis\n  connection_string: \"%s\"\n", srv.Addr)
	if err := os.WriteFile(filepath.Join(repo, "feature_store.yaml"), []byte(fsy), 0o644); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(t.TempDir(), "fsmon.yaml")
	if err := os.WriteFile(cfgPath, []byte("interval: 1s\nfeast: {repo: "+repo+", refresh: 1s}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	log := &lockedbuf.Buffer{}
	a := startApp(t, Options{ConfigFile: cfgPath, FirstRunSpread: time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(log, nil))})
	if n := len(a.Config().Views); n != 1 {
		t.Fatalf("%d views at start, want 1", n)
	}
	if err := feasttest.WriteRegistry(reg, view("first"), view("second")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return len(a.Config().Views) == 2 })
	waitFor(t, func() bool {
		return strings.Contains(get(t, "http://"+a.Addr()+"/metrics"), `feature_view="second"`)
	})
	registryFailures(t, a, "ride", log, func() {
		if err := os.WriteFile(reg, []byte("\xff\xff not a registry"), 0o644); err != nil {
			t.Fatal(err)
		}
	}, func() {
		if err := feasttest.WriteRegistry(reg, view("first"), view("second")); err != nil {
			t.Fatal(err)
		}
	})
	if n := len(a.Config().Views); n != 2 {
		t.Errorf("%d views after the registry recovered, want 2", n)
	}
}

// metricValue is the value of the series (name and labels as exposed) in
// the /metrics of a, or -1 when it is absent.
func metricValue(t *testing.T, a *App, series string) float64 {
	t.Helper()
	for _, line := range strings.Split(get(t, "http://"+a.Addr()+"/metrics"), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return f
		}
	}
	return -1
}

// registryFailures checks a running daemon whose Feast registry (of
// project) refreshes every second: after breaking it (break_), the daemon
// keeps its views, says so in the registry metrics and the log, and after
// mending it (mend) says the registry is read again.
func registryFailures(t *testing.T, a *App, project string, log *lockedbuf.Buffer, break_, mend func()) {
	t.Helper()
	ok := fmt.Sprintf(`fsmon_feast_registry_last_refresh_successful{project=%q}`, project)
	failures := fmt.Sprintf(`fsmon_feast_registry_refresh_failures_total{project=%q}`, project)
	last := fmt.Sprintf(`fsmon_feast_registry_last_success_timestamp_seconds{project=%q}`, project)
	waitFor(t, func() bool { return metricValue(t, a, ok) == 1 })
	if n := metricValue(t, a, failures); n != 0 {
		t.Errorf("%s = %v before any failure", failures, n)
	}
	views := a.Config().Views
	before := metricValue(t, a, last)
	if before < float64(time.Now().Add(-time.Minute).Unix()) {
		t.Errorf("%s = %v, want a recent time", last, before)
	}
	break_()
	waitFor(t, func() bool { return metricValue(t, a, ok) == 0 })
	waitFor(t, func() bool { return metricValue(t, a, failures) >= 2 })
	if !reflect.DeepEqual(a.Config().Views, views) {
		t.Errorf("views changed while the registry could not be read")
	}
	stuck := metricValue(t, a, last)
	if !strings.Contains(log.String(), "Feast registry cannot be read; keeping the views of the last registry read") {
		t.Errorf("log says nothing of the registry:\n%s", log.String())
	}
	mend()
	waitFor(t, func() bool { return metricValue(t, a, ok) == 1 })
	if now := metricValue(t, a, last); now <= stuck {
		t.Errorf("%s = %v after recovery, was %v while failing", last, now, stuck)
	}
}
