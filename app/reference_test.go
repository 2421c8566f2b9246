package app

import (
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/config"
	"github.com/fsmon/fsmon/feast"
	"github.com/fsmon/fsmon/feast/feasttest"
	"github.com/fsmon/fsmon/internal/pqwrite"
	"github.com/fsmon/fsmon/internal/redistest"
	"github.com/fsmon/fsmon/reference"
)

// drift14 is testdata/drift14.json.gz, written by testdata/gen_drift14.py:
// an offline store that drifted gradually for 14 days, the online store
// serving the newest distribution, and SciPy's statistics of the online
// sample against the pinned reference (days 0-6) and the rolling window.
type drift14 struct {
	Now  time.Time `json:"now"`
	Rows []struct {
		Day      int     `json:"day"`
		Hours    int     `json:"hours"`
		DriverID int64   `json:"driver_id"`
		ConvRate float64 `json:"conv_rate"`
		City     string  `json:"city"`
	} `json:"rows"`
	Online []struct {
		DriverID int64   `json:"driver_id"`
		ConvRate float64 `json:"conv_rate"`
		City     string  `json:"city"`
	} `json:"online"`
	Expected map[string]map[string]map[string]any `json:"expected"`
}

type driftFixture struct {
	data  drift14
	dir   string
	repo  string
	redis *redistest.Server
}

// rowTime places a row of day d (0 = oldest of 28) h hours before the end of
// its day, the last day ending at now.
func (d drift14) rowTime(day, hours int) time.Time {
	return d.Now.Add(-time.Duration(27-day)*24*time.Hour - time.Duration(hours)*time.Hour)
}

func newDriftFixture(t *testing.T) *driftFixture {
	t.Helper()
	f, err := os.Open("testdata/drift14.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	fx := &driftFixture{dir: t.TempDir(), redis: redistest.Start(t)}
	if err := json.NewDecoder(zr).Decode(&fx.data); err != nil {
		t.Fatal(err)
	}
	d := fx.data
	cols := func(prefix string) []pqwrite.Column {
		return []pqwrite.Column{{Name: "driver_id", Type: "int64"}, {Name: "event_timestamp", Type: "timestamp"},
			{Name: prefix + "conv_rate", Type: "float64", Optional: true}, {Name: prefix + "city", Type: "string", Optional: true}}
	}
	var all, train [][]any
	for _, r := range d.Rows {
		row := []any{r.DriverID, d.rowTime(r.Day, r.Hours), r.ConvRate, r.City}
		all = append(all, row)
		if r.Day <= 6 {
			train = append(train, row)
		}
	}
	for path, rows := range map[string][][]any{"offline/driver_stats/part-0.parquet": all, "train/v1.parquet": train} {
		if err := pqwrite.Write(filepath.Join(fx.dir, path), cols(""), rows); err != nil {
			t.Fatal(err)
		}
	}
	// A Feast saved dataset of the same rows, stored with full feature
	// names, registered in a feature repo's file registry.
	fx.repo = filepath.Join(fx.dir, "repo")
	if err := pqwrite.Write(filepath.Join(fx.repo, "data", "train_v1.parquet"), cols("driver_hourly_stats__"), train); err != nil {
		t.Fatal(err)
	}
	reg := filepath.Join(fx.repo, "data", "registry.db")
	// The registry also holds a view of its own (Feast discovery needs
	// one); the test checks the configured view only.
	other := feasttest.RegistryView{View: feast.View{Name: "unrelated", Project: "demo", JoinKeys: []string{"driver_id"},
		JoinKeyTypes: []feast.ValueType{feast.Int64}, Features: []feast.FeatureSpec{{Name: "x", Type: feast.Double}}}}
	if err := feasttest.WriteRegistry(reg, other); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(reg)
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, feasttest.SavedDataset("driver_train_v1", "demo", "data/train_v1.parquet",
		[]string{"driver_hourly_stats:conv_rate", "driver_hourly_stats:city"}, []string{"driver_id"}, true)...)
	if err := os.WriteFile(reg, b, 0o644); err != nil {
		t.Fatal(err)
	}
	fsy := fmt.Sprintf("project: demo\nregistry: data/registry.db\nonline_store:\n  type: redis\n  connection_string: \"%s\"\n", fx.redis.Addr)
	if err := os.WriteFile(filepath.Join(fx.repo, "feature_store.yaml"), []byte(fsy), 0o644); err != nil {
		t.Fatal(err)
	}

	rdb := redis.NewClient(&redis.Options{Addr: fx.redis.Addr})
	defer rdb.Close()
	ts := d.Now.Add(-30 * time.Minute).Unix()
	for _, o := range d.Online {
		err := rdb.HSet(context.Background(), fmt.Sprintf("fs:driver:%d", o.DriverID), "event_ts", ts,
			"conv_rate", strconv.FormatFloat(o.ConvRate, 'g', -1, 64), "city", o.City).Err()
		if err != nil {
			t.Fatal(err)
		}
	}
	return fx
}

// config returns a config whose view has the given reference section.
func (fx *driftFixture) config(t *testing.T, ref string) *config.Config {
	t.Helper()
	yml := fmt.Sprintf(`online: {redis: {addr: %s, rate_limit: 0}}
offline: {parquet: {root: %s}}
feast: {repo: %s}
feature_views:
  - name: driver_hourly_stats
    project: demo
    entities: [driver_id]
    online: {layout: hash, key: "fs:driver:{driver_id}", timestamp_field: event_ts}
    offline: {path: offline/driver_stats/*.parquet, timestamp_column: event_timestamp, window: 7d}
    features:
      - {name: conv_rate, type: float64}
      - {name: city, type: string}
%s`, fx.redis.Addr, fx.dir, fx.repo, ref)
	path := filepath.Join(fx.dir, "fsmon.yaml")
	if err := os.WriteFile(path, []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func (fx *driftFixture) run(t *testing.T, s *Stores, cfg *config.Config) []checks.Result {
	t.Helper()
	for _, v := range cfg.Views {
		if v.Name == "driver_hourly_stats" {
			return RunView(context.Background(), s, v, fx.data.Now)
		}
	}
	t.Fatal("no view driver_hourly_stats")
	return nil
}

func relClose(got, want float64) bool {
	return math.Abs(got-want) <= 1e-9*math.Max(math.Abs(want), 1e-300) || got == want
}

// checkAgainst compares the skew or drift results of both features with
// SciPy's values for the comparison named by which.
func checkAgainst(t *testing.T, rs []checks.Result, kind string, which map[string]map[string]any) {
	t.Helper()
	for _, feature := range []string{"conv_rate", "city"} {
		r := find(t, rs, kind, feature, "")
		want := which[feature]
		if r.Status.String() != want["status"] {
			t.Errorf("%s %s: status %s, want %s (%s; %s)", kind, feature, r.Status, want["status"], r.Message, r.Error)
			continue
		}
		tests := map[string]checks.Test{}
		for _, x := range r.Tests {
			tests[x.Test] = x
		}
		type pair struct {
			name      string
			got, want float64
		}
		var ps []pair
		if feature == "conv_rate" {
			ps = []pair{{"ks", tests["ks"].Statistic, want["ks"].(float64)}, {"ks p", *tests["ks"].PValue, want["ks_p"].(float64)},
				{"ks p adjusted", *tests["ks"].PValueAdjusted, want["ks_p_adjusted"].(float64)},
				{"psi", tests["psi"].Statistic, want["psi"].(float64)}, {"js", tests["js"].Statistic, want["js"].(float64)},
				{"wasserstein", tests["wasserstein"].Statistic, want["wasserstein"].(float64)},
				{"wasserstein normalized", *tests["wasserstein"].Normalized, want["wasserstein_normalized"].(float64)}}
		} else {
			ps = []pair{{"chi2", tests["chi2"].Statistic, want["chi2"].(float64)}, {"chi2 p", *tests["chi2"].PValue, want["chi2_p"].(float64)},
				{"chi2 p adjusted", *tests["chi2"].PValueAdjusted, want["chi2_p_adjusted"].(float64)},
				{"psi", tests["psi"].Statistic, want["psi"].(float64)}, {"js", tests["js"].Statistic, want["js"].(float64)},
				{"linf", tests["linf"].Statistic, want["linf"].(float64)}}
		}
		ps = append(ps, pair{"reference n", float64(*r.OfflineN), want["n_ref"].(float64)})
		for _, p := range ps {
			if !relClose(p.got, p.want) {
				t.Errorf("%s %s: %s = %v, SciPy %v", kind, feature, p.name, p.got, p.want)
			}
		}
	}
}

// TestPinnedReferenceCatchesSlowDrift is the proof of issue 11: the offline
// store drifted gradually for 14 days. Skew against the rolling 7-day window
// stays silent; skew against the pinned reference (days 0-6) is crit, in
// each form of reference, with statistics equal to SciPy's; and the rolling
// window keeps running beside it as drift, with SciPy's statistics too.
func TestPinnedReferenceCatchesSlowDrift(t *testing.T) {
	fx := newDriftFixture(t)
	exp := fx.data.Expected

	// Without a reference, skew is the rolling window: silent.
	cfg := fx.config(t, "")
	s, err := NewStores(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rs := fx.run(t, s, cfg)
	checkAgainst(t, rs, checks.KindSkew, exp["rolling"])
	for _, r := range rs {
		if r.Check == checks.KindDrift {
			t.Errorf("drift result without a reference: %+v", r)
		}
	}

	// The profile form is made by `fsmon profile` from the training file
	// (the reservoir holds the whole reference, so it is exact).
	prof := filepath.Join(fx.dir, "profiles", "v1.fsprof")
	if err := os.MkdirAll(filepath.Dir(prof), 0o755); err != nil {
		t.Fatal(err)
	}
	p, err := BuildProfile(context.Background(), cfg, ProfileOptions{View: "driver_hourly_stats",
		Reference: &config.Reference{Path: "train/v1.parquet", TimestampColumn: "event_timestamp", SampleSize: 1 << 20, Reservoir: 1 << 20}, Label: "model v1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := reference.WriteFile(prof, p); err != nil {
		t.Fatal(err)
	}

	from := fx.data.Now.Add(-28 * 24 * time.Hour).Format(time.RFC3339)
	to := fx.data.Now.Add(-21 * 24 * time.Hour).Format(time.RFC3339)
	forms := map[string]string{
		config.ReferenceRange:        fmt.Sprintf("{from: %q, to: %q, label: model v1}", from, to),
		config.ReferencePath:         `{path: train/v1.parquet, label: model v1}`,
		config.ReferenceSavedDataset: `{saved_dataset: driver_train_v1}`,
		config.ReferenceProfile:      fmt.Sprintf("{profile: %s}", prof),
	}
	for kind, ref := range forms {
		t.Run(kind, func(t *testing.T) {
			cfg := fx.config(t, "    reference: "+ref+"\n")
			s, err := NewStores(cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			rs := fx.run(t, s, cfg)
			checkAgainst(t, rs, checks.KindSkew, exp["reference"])
			checkAgainst(t, rs, checks.KindDrift, exp["rolling"])
			r := find(t, rs, checks.KindSkew, "conv_rate", "")
			if r.Reference == nil || r.Reference.Kind != kind || r.Reference.Version == "" {
				t.Errorf("reference info = %+v", r.Reference)
			} else if kind != config.ReferenceSavedDataset && r.Reference.Label != "model v1" {
				t.Errorf("reference label = %q", r.Reference.Label)
			}
		})
	}
}

// TestReferenceReadOnce checks that a reference is read once and served
// from the cache while its source is unchanged, and read again when it
// changes.
func TestReferenceReadOnce(t *testing.T) {
	fx := newDriftFixture(t)
	cfg := fx.config(t, "    reference: {path: train/v1.parquet}\n")
	s, err := NewStores(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := 0; i < 3; i++ {
		fx.run(t, s, cfg)
	}
	if n := s.refs.Builds(); n != 1 {
		t.Fatalf("reference read %d times in 3 runs, want 1", n)
	}
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(filepath.Join(fx.dir, "train", "v1.parquet"), later, later); err != nil {
		t.Fatal(err)
	}
	fx.run(t, s, cfg)
	if n := s.refs.Builds(); n != 2 {
		t.Fatalf("after the source changed: %d reads, want 2", n)
	}
	// A reference that cannot be read is an error on its features' skew
	// results only; the rest of the view is still checked.
	if err := os.Remove(filepath.Join(fx.dir, "train", "v1.parquet")); err != nil {
		t.Fatal(err)
	}
	rs := fx.run(t, s, cfg)
	if r := find(t, rs, checks.KindSkew, "conv_rate", ""); r.Status != checks.Error {
		t.Errorf("skew with a missing reference: %s %s", r.Status, r.Message)
	}
	if r := find(t, rs, checks.KindDrift, "conv_rate", ""); r.Status == checks.Error {
		t.Errorf("drift failed with the reference: %s", r.Error)
	}
	if r := find(t, rs, checks.KindFreshness, "", ""); r.Status == checks.Error {
		t.Errorf("freshness failed with the reference: %s", r.Error)
	}
}

// TestSavedDatasetInSQLRegistry: a reference saved_dataset is looked up in
// a SQL registry (SQLite here, the same tables as PostgreSQL) as in a file
// one, and gives SciPy's statistics.
func TestSavedDatasetInSQLRegistry(t *testing.T) {
	fx := newDriftFixture(t)
	ctx := context.Background()
	db, err := sql.Open("sqlite", filepath.Join(fx.repo, "data", "registry.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := feasttest.CreateSQLRegistry(ctx, db, "sqlite"); err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-time.Hour)
	other := feasttest.RegistryView{View: feast.View{Name: "unrelated", JoinKeys: []string{"driver_id"},
		JoinKeyTypes: []feast.ValueType{feast.Int64}, Features: []feast.FeatureSpec{{Name: "x", Type: feast.Double}}}}
	if err := feasttest.ApplySQLRegistry(ctx, db, "demo", at, other); err != nil {
		t.Fatal(err)
	}
	ds := feasttest.SavedDatasetProto("driver_train_v1", "demo", "data/train_v1.parquet",
		[]string{"driver_hourly_stats:conv_rate", "driver_hourly_stats:city"}, []string{"driver_id"}, true)
	if err := feasttest.ApplySQLSavedDataset(ctx, db, "demo", "driver_train_v1", at, ds); err != nil {
		t.Fatal(err)
	}
	// Only the SQL registry holds the dataset.
	if err := os.Remove(filepath.Join(fx.repo, "data", "registry.db")); err != nil {
		t.Fatal(err)
	}
	fsy := fmt.Sprintf("project: demo\nregistry:\n  registry_type: sql\n  path: sqlite:///data/registry.sqlite\nonline_store:\n  type: redis\n  connection_string: \"%s\"\n", fx.redis.Addr)
	if err := os.WriteFile(filepath.Join(fx.repo, "feature_store.yaml"), []byte(fsy), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := fx.config(t, "    reference: {saved_dataset: driver_train_v1}\n")
	s, err := NewStores(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rs := fx.run(t, s, cfg)
	checkAgainst(t, rs, checks.KindSkew, fx.data.Expected["reference"])
	if r := find(t, rs, checks.KindSkew, "conv_rate", ""); r.Reference == nil || r.Reference.Kind != config.ReferenceSavedDataset {
		t.Errorf("reference info = %+v", r.Reference)
	}
}

// TestReferenceCachedAcrossChecks: two `fsmon check` processes (two Stores
// of one config): the second reads the pinned raw reference's profile from
// the state directory, never its data. Between them the reference file is
// overwritten with garbage of the same size and mtime (its identity
// unchanged), so a read of it would fail the skew results; they are equal
// to the first run's instead.
func TestReferenceCachedAcrossChecks(t *testing.T) {
	fx := newDriftFixture(t)
	cfg := fx.config(t, "    reference: {path: train/v1.parquet}\n")
	runOnce := func() ([]checks.Result, *Stores) {
		s, err := NewStores(cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		return fx.run(t, s, cfg), s
	}
	first, s1 := runOnce()
	if s1.refs.Builds() != 1 || s1.refs.Loads() != 0 {
		t.Fatalf("first check: %d builds, %d loads", s1.refs.Builds(), s1.refs.Loads())
	}
	if files, _ := filepath.Glob(filepath.Join(ReferenceCacheDir(cfg), "*.fsprof")); len(files) != 1 {
		t.Fatalf("cache files in %s: %v", ReferenceCacheDir(cfg), files)
	}
	ref := filepath.Join(fx.dir, "train", "v1.parquet")
	st, err := os.Stat(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ref, make([]byte, st.Size()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(ref, st.ModTime(), st.ModTime()); err != nil {
		t.Fatal(err)
	}
	second, s2 := runOnce()
	if s2.refs.Builds() != 0 || s2.refs.Loads() != 1 {
		t.Fatalf("second check: %d builds, %d loads, want 0, 1", s2.refs.Builds(), s2.refs.Loads())
	}
	for _, f := range []string{"conv_rate", "city"} {
		a, b := find(t, first, checks.KindSkew, f, ""), find(t, second, checks.KindSkew, f, "")
		if b.Status == checks.Error || a.Status != b.Status || len(a.Tests) != len(b.Tests) || a.Tests[0].Statistic != b.Tests[0].Statistic {
			t.Errorf("skew of %s: first %s %v, second %s %v (%s)", f, a.Status, a.Tests, b.Status, b.Tests, b.Error)
		}
	}
}
