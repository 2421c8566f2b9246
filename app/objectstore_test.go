package app

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/config"
	"github.com/fsmon/fsmon/feast"
	"github.com/fsmon/fsmon/feast/feasttest"
	"github.com/fsmon/fsmon/internal/gcstest"
	"github.com/fsmon/fsmon/internal/lockedbuf"
	"github.com/fsmon/fsmon/internal/mariadbtest"
	"github.com/fsmon/fsmon/internal/pgtest"
	"github.com/fsmon/fsmon/internal/pqwrite"
	"github.com/fsmon/fsmon/internal/redistest"
	"github.com/fsmon/fsmon/internal/s3test"
)

// feastObjectRepo writes one Feast view (driver_stats: 60 drivers in Redis
// and in two Parquet files, 6 of them null online) and returns a repo dir
// with the data under repo/data and a feature_store.yaml whose registry
// and file sources are under base ("data" for local disk, or an s3:// or
// gs:// URL where the caller uploads repo/data).
func feastObjectRepo(t *testing.T, redisAddr string, now time.Time, base string) string {
	t.Helper()
	repo := t.TempDir()
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
	defer rdb.Close()
	var rows []feasttest.Row
	var pq [2][][]any
	ts := now.Add(-20 * time.Minute)
	for id := int64(1); id <= 60; id++ {
		conv := feasttest.Double(float64(id) / 60)
		if id%10 == 0 {
			conv = feasttest.Null()
		}
		rows = append(rows, feasttest.Row{Entity: []feast.EntityValue{{Type: feast.Int64, Int: id}}, Event: ts,
			Values: []feasttest.Field{{Name: "conv_rate", Value: conv}, {Name: "trips", Value: feasttest.Int64(id % 7)}}})
		pq[id%2] = append(pq[id%2], []any{id, ts.Add(-time.Duration(id) * time.Second), float64(id) / 60, id % 7})
	}
	w := feasttest.Writer{Project: "ride", Version: 3}
	if err := w.Write(context.Background(), rdb, "driver_stats", []string{"driver_id"}, rows); err != nil {
		t.Fatal(err)
	}
	cols := []pqwrite.Column{{Name: "driver_id", Type: "int64"}, {Name: "event_timestamp", Type: "timestamp"},
		{Name: "conv_rate", Type: "float64", Optional: true}, {Name: "trips", Type: "int64"}}
	for i, p := range pq {
		if err := pqwrite.Write(filepath.Join(repo, "data", "driver_stats", fmt.Sprintf("part-%d.parquet", i)), cols, p); err != nil {
			t.Fatal(err)
		}
	}
	err := feasttest.WriteRegistry(filepath.Join(repo, "data", "registry.pb"), objectRepoView(base))
	if err != nil {
		t.Fatal(err)
	}
	fsy := fmt.Sprintf("project: ride\nregistry: ${FSMON_TEST_REGISTRY_BASE}/registry.pb\n"+
		"online_store:\n  type: redis\n  connection_string: \"%s\"\noffline_store:\n  type: file\n", redisAddr)
	if err := os.WriteFile(filepath.Join(repo, "feature_store.yaml"), []byte(fsy), 0o644); err != nil {
		t.Fatal(err)
	}
	return repo
}

// objectRepoView is the registry's view of feastObjectRepo, its file
// source under base.
func objectRepoView(base string) feasttest.RegistryView {
	return feasttest.RegistryView{View: feast.View{Name: "driver_stats", Project: "ride", JoinKeys: []string{"driver_id"},
		JoinKeyTypes: []feast.ValueType{feast.Int64}, TTL: 24 * time.Hour,
		Features: []feast.FeatureSpec{{Name: "conv_rate", Type: feast.Double}, {Name: "trips", Type: feast.Int64}},
		Source:   &feast.FileSource{Path: base + "/driver_stats", TimestampField: "event_timestamp"}}}
}

// checkRepo runs one check pass over the repo with an fsmon config of
// feast: {repo} plus extra.
func checkRepo(t *testing.T, repo, extra string) []checks.Result {
	t.Helper()
	cfgPath := filepath.Join(t.TempDir(), "fsmon.yaml")
	if err := os.WriteFile(cfgPath, []byte("feast: {repo: "+repo+"}\n"+extra), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := CheckOnce(context.Background(), cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// sameResults compares two passes over the same data: same checks, same
// statuses and values (freshness within the seconds between the passes).
func sameResults(t *testing.T, local, remote []checks.Result) {
	t.Helper()
	key := func(r checks.Result) string {
		return strings.Join([]string{r.FeatureView, r.Check, r.Feature, r.Store}, "/")
	}
	byKey := func(rs []checks.Result) map[string]checks.Result {
		m := map[string]checks.Result{}
		for _, r := range rs {
			m[key(r)] = r
		}
		return m
	}
	l, r := byKey(local), byKey(remote)
	var names []string
	for k := range l {
		names = append(names, k)
	}
	sort.Strings(names)
	if len(l) != len(r) || len(l) == 0 {
		t.Fatalf("local checks %v, remote %d checks", names, len(r))
	}
	for _, k := range names {
		a, b := l[k], r[k]
		if a.Status == checks.Error || b.Status != a.Status {
			t.Errorf("%s: local %s %q %q, remote %s %q %q", k, a.Status, a.Message, a.Error, b.Status, b.Message, b.Error)
			continue
		}
		if (a.Value == nil) != (b.Value == nil) {
			t.Errorf("%s: local value %v, remote %v", k, a.Value, b.Value)
			continue
		}
		tol := 1e-12
		if a.Check == checks.KindFreshness {
			tol = 30
		}
		if a.Value != nil && math.Abs(*a.Value-*b.Value) > tol {
			t.Errorf("%s: local value %v, remote %v", k, *a.Value, *b.Value)
		}
	}
}

// TestFeastOnObjectStorage monitors a Feast repo whose registry and file
// sources are on GCS (the emulator) and on S3 (SeaweedFS) with nothing but
// feast: {repo} and endpoint settings, and wants the results of the same
// data on local disk.
func TestFeastOnObjectStorage(t *testing.T) {
	srv := redistest.Start(t)
	now := time.Now().UTC().Truncate(time.Second)
	t.Setenv("FSMON_TEST_REGISTRY_BASE", "data")
	local := checkRepo(t, feastObjectRepo(t, srv.Addr, now, "data"), "")

	t.Run("gcs", func(t *testing.T) {
		gcs := gcstest.Start(t)
		gcs.Bucket(t, "feast-prod")
		repo := feastObjectRepo(t, srv.Addr, now, "gs://feast-prod/ride")
		gcs.PutDir(t, "feast-prod", "ride", filepath.Join(repo, "data"))
		os.RemoveAll(filepath.Join(repo, "data")) // only the bucket holds the data
		t.Setenv("FSMON_TEST_REGISTRY_BASE", "gs://feast-prod/ride")
		t.Setenv("STORAGE_EMULATOR_HOST", strings.TrimPrefix(strings.TrimSuffix(gcs.Endpoint(), "/storage/v1/"), "http://"))
		sameResults(t, local, checkRepo(t, repo, ""))
	})
	t.Run("s3", func(t *testing.T) {
		s3 := s3test.Start(t)
		s3.Bucket(t, "feast-prod")
		repo := feastObjectRepo(t, srv.Addr, now, "s3://feast-prod/ride")
		s3.PutDir(t, "feast-prod", "ride", filepath.Join(repo, "data"))
		os.RemoveAll(filepath.Join(repo, "data"))
		t.Setenv("FSMON_TEST_REGISTRY_BASE", "s3://feast-prod/ride")
		t.Setenv("AWS_ACCESS_KEY_ID", s3test.AccessKey)
		t.Setenv("AWS_SECRET_ACCESS_KEY", s3test.SecretKey)
		t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
		t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
		t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
		sameResults(t, local, checkRepo(t, repo, fmt.Sprintf("offline:\n  parquet:\n    s3: {endpoint: %q, region: us-east-1, path_style: true}\n", s3.Endpoint)))
	})
	// The registry in PostgreSQL (registry_type: sql, the password from
	// the environment), the file sources on S3.
	t.Run("postgres+s3", func(t *testing.T) {
		s3 := s3test.Start(t)
		s3.Bucket(t, "feast-sql")
		repo := feastObjectRepo(t, srv.Addr, now, "s3://feast-sql/ride")
		s3.PutDir(t, "feast-sql", "ride", filepath.Join(repo, "data"))
		os.RemoveAll(filepath.Join(repo, "data"))
		pg := sqlRegistry(t, "ride", objectRepoView("s3://feast-sql/ride"))
		t.Setenv("FSMON_TEST_PG_PASSWORD", registryPassword)
		fsy := fmt.Sprintf("project: ride\nregistry:\n  registry_type: sql\n  path: postgresql+psycopg://fsmon:${FSMON_TEST_PG_PASSWORD}@127.0.0.1:%d/feast\n"+
			"online_store:\n  type: redis\n  connection_string: \"%s\"\noffline_store:\n  type: file\n", pg.Port, srv.Addr)
		if err := os.WriteFile(filepath.Join(repo, "feature_store.yaml"), []byte(fsy), 0o644); err != nil {
			t.Fatal(err)
		}
		s3Env(t)
		sameResults(t, local, checkRepo(t, repo, fmt.Sprintf("offline:\n  parquet:\n    s3: {endpoint: %q, region: us-east-1, path_style: true}\n", s3.Endpoint)))
	})
	// The registry in MariaDB (registry_type: sql, a mysql+pymysql URL,
	// the password from the environment), the file sources on local disk.
	t.Run("mariadb", func(t *testing.T) {
		repo := feastObjectRepo(t, srv.Addr, now, "data")
		os.Remove(filepath.Join(repo, "data", "registry.pb")) // only the database holds the registry
		m := mariaDBRegistry(t, "ride", objectRepoView("data"))
		t.Setenv("FSMON_TEST_MYSQL_PASSWORD", registryPassword)
		fsy := fmt.Sprintf("project: ride\nregistry:\n  registry_type: sql\n  path: mysql+pymysql://fsmon:${FSMON_TEST_MYSQL_PASSWORD}@127.0.0.1:%d/feast?charset=utf8mb4\n"+
			"online_store:\n  type: redis\n  connection_string: \"%s\"\noffline_store:\n  type: file\n", m.Port, srv.Addr)
		if err := os.WriteFile(filepath.Join(repo, "feature_store.yaml"), []byte(fsy), 0o644); err != nil {
			t.Fatal(err)
		}
		sameResults(t, local, checkRepo(t, repo, ""))
	})
}

// mariaDBRegistry starts MariaDB with Feast's registry tables (MySQL
// dialect) in database feast holding views of project, and a user fsmon
// (password registryPassword) granted SELECT on the tables fsmon reads,
// as the README says to grant. The views are applied an hour ago.
func mariaDBRegistry(t *testing.T, project string, views ...feasttest.RegistryView) *mariadbtest.Server {
	t.Helper()
	m := mariadbtest.Start(t)
	m.Exec(t, "", "CREATE DATABASE feast")
	db := m.DB(t, "feast")
	ctx := context.Background()
	if err := feasttest.CreateSQLRegistry(ctx, db, "mysql"); err != nil {
		t.Fatal(err)
	}
	stmts := []string{"CREATE USER 'fsmon'@'%' IDENTIFIED BY '" + registryPassword + "'"}
	for _, tbl := range []string{"projects", "feast_metadata", "entities", "data_sources", "feature_views", "stream_feature_views", "on_demand_feature_views", "saved_datasets"} {
		stmts = append(stmts, "GRANT SELECT ON feast."+tbl+" TO 'fsmon'@'%'")
	}
	m.Exec(t, "", stmts...)
	if err := feasttest.ApplySQLRegistry(ctx, db, project, time.Now().Add(-time.Hour), views...); err != nil {
		t.Fatal(err)
	}
	return m
}

// s3Env points the AWS SDK at the test server's identity and nothing else.
func s3Env(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", s3test.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", s3test.SecretKey)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
}

// registryPassword is the password of the role fsmon reads a test SQL
// registry as (a test value).
const registryPassword = "fsmon-Registry-pw"

// sqlRegistry starts PostgreSQL with Feast's registry tables in database
// feast holding views of project, and a role fsmon (password
// registryPassword) granted SELECT on the tables fsmon reads, as the README
// says to grant. The views are applied an hour ago.
func sqlRegistry(t *testing.T, project string, views ...feasttest.RegistryView) *pgtest.Server {
	t.Helper()
	pg := pgtest.Start(t)
	pg.Exec(t, "postgres", "CREATE DATABASE feast")
	db := pg.DB(t, "feast")
	ctx := context.Background()
	if err := feasttest.CreateSQLRegistry(ctx, db, "postgresql"); err != nil {
		t.Fatal(err)
	}
	pg.Exec(t, "feast", "CREATE ROLE fsmon LOGIN PASSWORD '"+registryPassword+"'",
		"GRANT SELECT ON projects, feast_metadata, entities, data_sources, feature_views, stream_feature_views, on_demand_feature_views, saved_datasets TO fsmon")
	if err := feasttest.ApplySQLRegistry(ctx, db, project, time.Now().Add(-time.Hour), views...); err != nil {
		t.Fatal(err)
	}
	return pg
}

// TestFeastObjectRegistryFailure: a registry on S3 that turns unreadable
// (a damaged object) keeps the daemon's views, and the registry metrics and
// the log say so until a good registry is back.
func TestFeastObjectRegistryFailure(t *testing.T) {
	srv := redistest.Start(t)
	s3 := s3test.Start(t)
	s3.Bucket(t, "feast-fail")
	repo := feastObjectRepo(t, srv.Addr, time.Now().UTC(), "s3://feast-fail/ride")
	good, err := os.ReadFile(filepath.Join(repo, "data", "registry.pb"))
	if err != nil {
		t.Fatal(err)
	}
	s3.PutDir(t, "feast-fail", "ride", filepath.Join(repo, "data"))
	os.RemoveAll(filepath.Join(repo, "data"))
	t.Setenv("FSMON_TEST_REGISTRY_BASE", "s3://feast-fail/ride")
	s3Env(t)
	cfgPath := filepath.Join(t.TempDir(), "fsmon.yaml")
	cfg := fmt.Sprintf("interval: 1s\nfeast: {repo: %s, refresh: 1s}\noffline:\n  parquet:\n    s3: {endpoint: %q, region: us-east-1, path_style: true}\n", repo, s3.Endpoint)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	log := &lockedbuf.Buffer{}
	a := startApp(t, Options{ConfigFile: cfgPath, FirstRunSpread: time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(log, nil))})
	registryFailures(t, a, "ride", log,
		func() { s3.Put(t, "feast-fail", "ride/registry.pb", []byte("\xff\xff damaged")) },
		func() { s3.Put(t, "feast-fail", "ride/registry.pb", good) })
	if n := len(a.Config().Views); n != 1 {
		t.Errorf("%d views after recovery, want 1", n)
	}
}
