package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// feastRepo makes a Feast repo whose registry is feast/testdata/registry.db
// (encoded with Feast's own protos; see feast/testdata/README.md).
func feastRepo(t *testing.T, storeYAML string) string {
	t.Helper()
	dir := t.TempDir()
	reg, err := os.ReadFile("../feast/testdata/registry.db")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "repo", "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "repo", "data", "registry.db"), reg, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "repo", "feature_store.yaml"), []byte(storeYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

const demoStore = `project: feast_demo
registry: data/registry.db
online_store:
  type: redis
  connection_string: "redis.internal:6380,db=2,password=from-repo,ssl=true"
`

func TestDiscoverFeast(t *testing.T) {
	dir := feastRepo(t, demoStore)
	cfgPath := filepath.Join(dir, "fsmon.yml")
	cfg := `feast:
  repo: repo
offline:
  parquet:
    root: repo/data
feature_views:
  - name: driver_hourly_stats
    project: feast_demo
    online: {layout: feast}
    sample_size: 500
    checks:
      null_rate: {warn: 0.2, crit: 0.3}
`
	c, err := Parse([]byte(cfg), cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]View{}
	var order []string
	for _, v := range c.Views {
		byName[v.Name] = v
		order = append(order, v.Name)
	}
	// The listed view first, then the discovered rest by name.
	if strings.Join(order, ",") != "driver_hourly_stats,driver_odfv,driver_stream,on_bigquery,txn_stats" {
		t.Fatalf("views %v", order)
	}
	d := byName["driver_hourly_stats"]
	if d.Source != "feast" || d.Online.Layout != LayoutFeast || d.Project != "feast_demo" || d.TTL != 24*time.Hour {
		t.Errorf("driver_hourly_stats %+v", d)
	}
	if strings.Join(d.Entities, ",") != "driver_id" || d.Feast == nil || strings.Join(d.Feast.JoinKeyTypes, ",") != "INT64" || d.Feast.KeyVersion != 3 || d.Feast.StoredName != "driver_hourly_stats" {
		t.Errorf("driver_hourly_stats feast part %+v %+v", d.Entities, d.Feast)
	}
	wantTypes := map[string]string{"conv_rate": "float32", "acc_rate": "float32", "avg_daily_trips": "int64", "tags": "other"}
	for _, f := range d.Features {
		if wantTypes[f.Name] != f.Type {
			t.Errorf("feature %s type %q, want %q", f.Name, f.Type, wantTypes[f.Name])
		}
	}
	if len(d.Features) != 4 || d.Feast.FeatureTypes["tags"] != "STRING_LIST" {
		t.Errorf("features %+v %v", d.Features, d.Feast.FeatureTypes)
	}
	if !d.Feast.LastMaterialized.Equal(time.Date(2024, 5, 2, 0, 0, 0, 500, time.UTC)) {
		t.Errorf("last materialized %v", d.Feast.LastMaterialized)
	}
	// Offline from the file source, relative to offline.parquet.root.
	if d.Offline == nil || d.Offline.Path != "driver_stats.parquet" || d.Offline.TimestampColumn != "event_timestamp" || d.Offline.Window != DefaultWindow {
		t.Errorf("offline %+v", d.Offline)
	}
	// The listed view's settings win; defaults fill the rest.
	if d.SampleSize != 500 || *d.Checks.NullRate.Warn != 0.2 || *d.Checks.Coverage.Warn != 0.99 || d.Checks.Freshness.Crit == nil || *d.Checks.Freshness.Crit != 86400 {
		t.Errorf("merged settings: sample %d checks %+v", d.SampleSize, d.Checks)
	}
	// A file source on S3 is the view's own location.
	if s := byName["driver_stream"]; s.Offline == nil || s.Offline.Path != "s3://bucket/clicks.parquet" || s.Offline.TimestampColumn != "event_ts" || s.Interval != DefaultInterval {
		t.Errorf("driver_stream %+v", s)
	}
	if x := byName["txn_stats"]; x.Offline == nil || filepath.Join(c.Offline.Parquet.Root, x.Offline.Path) != "/abs/txn.parquet" {
		t.Errorf("txn_stats offline %+v", x.Offline)
	}
	// Redis from the repo's connection_string.
	r := c.Online.Redis
	if r.Addr != "redis.internal:6380" || r.DB != 2 || !r.TLS || r.Cluster || r.RepoPassword != "from-repo" {
		t.Errorf("redis %+v", r)
	}
}

func TestDiscoverFeastKeepsConfiguredRedis(t *testing.T) {
	dir := feastRepo(t, demoStore)
	cfg := "feast: {repo: repo}\nonline:\n  redis: {addr: \"10.0.0.5:6379\"}\n"
	c, err := Parse([]byte(cfg), filepath.Join(dir, "fsmon.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Online.Redis.Addr != "10.0.0.5:6379" || c.Online.Redis.RepoPassword != "" || c.Online.Redis.DB != 0 {
		t.Errorf("redis %+v", c.Online.Redis)
	}
}

func TestDiscoverFeastVersioningAndKeyVersion(t *testing.T) {
	dir := feastRepo(t, "project: feast_demo\nregistry:\n  path: data/registry.db\n  enable_online_feature_view_versioning: true\nonline_store: {type: redis}\nentity_key_serialization_version: 2\n")
	c, err := Parse([]byte("feast: {repo: repo}\n"), filepath.Join(dir, "fsmon.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range c.Views {
		if v.Feast.KeyVersion != 2 {
			t.Errorf("%s key version %d, want 2", v.Name, v.Feast.KeyVersion)
		}
		if v.Name == "driver_hourly_stats" && v.Feast.StoredName != "driver_hourly_stats_v2" {
			t.Errorf("stored name %q", v.Feast.StoredName)
		}
	}
}

func TestDiscoverFeastErrors(t *testing.T) {
	cases := []struct{ store, cfg, want string }{
		{"project: feast_demo\nonline_store: {type: sqlite}\n", "feast: {repo: repo}\n", "feature_store.yaml"},
		{"project: nope\nonline_store: {type: redis}\n", "feast: {repo: repo}\n", "registry.db: no feature views of project \"nope\""},
		{"project: feast_demo\nregistry: hdfs://b/registry.db\nonline_store: {type: redis}\n", "feast: {repo: repo}\n", "registry on hdfs://"},
		{demoStore, "feast: {repo: repo}\nfeature_views:\n  - name: txn_stats\n    entities: [merchant_id]\n", "differ from the join keys"},
	}
	for _, c := range cases {
		dir := feastRepo(t, c.store)
		_, err := Parse([]byte(c.cfg), filepath.Join(dir, "fsmon.yml"))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("store %q cfg %q: err %v, want %q", c.store, c.cfg, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "from-repo") {
			t.Errorf("error shows the repo password: %v", err)
		}
	}
	dir := t.TempDir()
	_, err := Parse([]byte("feast: {repo: missing}\n"), filepath.Join(dir, "fsmon.yml"))
	if err == nil || !strings.Contains(err.Error(), "feature_store.yaml") {
		t.Errorf("missing repo: %v", err)
	}
}
