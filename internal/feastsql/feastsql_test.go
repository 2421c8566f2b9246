package feastsql_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fsmon/fsmon/feast"
	"github.com/fsmon/fsmon/feast/feasttest"
	"github.com/fsmon/fsmon/internal/feastsql"
	"github.com/fsmon/fsmon/internal/pgtest"
)

const readerPassword = "s3cret-Reader-pw"

func view(name string, features ...string) feasttest.RegistryView {
	v := feast.View{Name: name, JoinKeys: []string{"driver_id"}, JoinKeyTypes: []feast.ValueType{feast.Int64}, TTL: time.Hour,
		Source:           &feast.FileSource{Path: "data/" + name, TimestampField: "event_timestamp"},
		LastMaterialized: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	for _, f := range features {
		v.Features = append(v.Features, feast.FeatureSpec{Name: f, Type: feast.Double})
	}
	return feasttest.RegistryView{View: v}
}

// views reads project's views from the registry bytes of a snapshot.
func views(t *testing.T, snap *feastsql.Snapshot, project string) map[string]feast.View {
	t.Helper()
	vs, err := feast.ParseRegistry(snap.Data, "sql", project, false)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]feast.View{}
	for _, v := range vs {
		m[v.Name] = v
	}
	return m
}

func names(m map[string]feast.View) string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return fmt.Sprint(len(out), " ", strings.Join(sortStrings(out), ","))
}

func sortStrings(s []string) []string {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s
}

// startRegistry starts PostgreSQL with a database feast holding Feast's
// registry tables, and a role fsmon that may only SELECT from them.
func startRegistry(t *testing.T) (*pgtest.Server, *sql.DB) {
	t.Helper()
	pg := pgtest.Start(t)
	pg.Exec(t, "postgres", "CREATE DATABASE feast")
	db := pg.DB(t, "feast")
	if err := feasttest.CreateSQLRegistry(context.Background(), db, "postgresql"); err != nil {
		t.Fatal(err)
	}
	var grants []string
	for _, tbl := range feastsql.Tables() {
		grants = append(grants, "GRANT SELECT ON "+tbl+" TO fsmon")
	}
	pg.Exec(t, "feast", append([]string{"CREATE ROLE fsmon LOGIN PASSWORD '" + readerPassword + "'"}, grants...)...)
	return pg, db
}

// checkRide checks the "ride" project that TestPostgresRegistry and
// TestMySQLRegistry apply: three views of three kinds, driver_stats read
// field by field, and the newest update at applied.
func checkRide(t *testing.T, snap *feastsql.Snapshot, applied time.Time) {
	t.Helper()
	vs := views(t, snap, "ride")
	if got := names(vs); got != "3 conv_plus,driver_stats,trips_stream" {
		t.Fatalf("views %s", got)
	}
	ds := vs["driver_stats"]
	if ds.Kind != feast.KindFeatureView || ds.Project != "ride" || len(ds.Features) != 2 || ds.Features[1].Name != "acc_rate" ||
		ds.Source == nil || ds.Source.Path != "data/driver_stats" || ds.JoinKeys[0] != "driver_id" || ds.TTL != time.Hour ||
		!ds.LastMaterialized.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("driver_stats read as %+v", ds)
	}
	if vs["trips_stream"].Kind != feast.KindStreamFeatureView || vs["conv_plus"].Kind != feast.KindOnDemandFeatureView {
		t.Errorf("kinds %s, %s", vs["trips_stream"].Kind, vs["conv_plus"].Kind)
	}
	if got := snap.Stamp.Latest.Unix(); got != applied.Unix() {
		t.Errorf("latest update %d, want %d", got, applied.Unix())
	}
}

func TestPostgresRegistry(t *testing.T) {
	ctx := context.Background()
	pg, db := startRegistry(t)
	applied := time.Now().Add(-time.Hour)
	sfv := view("trips_stream", "trips")
	sfv.Kind = feast.KindStreamFeatureView
	odfv := view("conv_plus", "conv_plus")
	odfv.Kind = feast.KindOnDemandFeatureView
	odfv.Source = nil
	if err := feasttest.ApplySQLRegistry(ctx, db, "ride", applied, view("driver_stats", "conv_rate", "acc_rate"), sfv, odfv); err != nil {
		t.Fatal(err)
	}
	// Another project's views are not ride's.
	if err := feasttest.ApplySQLRegistry(ctx, db, "other", applied, view("driver_stats", "x")); err != nil {
		t.Fatal(err)
	}

	for _, scheme := range []string{"postgresql", "postgresql+psycopg", "postgresql+psycopg2"} {
		t.Run(scheme, func(t *testing.T) {
			src, err := feastsql.Parse(pg.URL(scheme, "fsmon", readerPassword, "feast")+"?sslmode=disable", "/repo")
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(src.String(), readerPassword) || strings.Contains(fmt.Sprintf("%v %#v %+v", src, src, src), readerPassword) {
				t.Errorf("source prints its password: %v", src)
			}
			snap, err := feastsql.Read(ctx, src, "ride", nil, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			checkRide(t, snap, applied)
		})
	}
}

// testRefresh applies to db, a registry that src reads: an unchanged
// registry costs the stamp query and returns the last snapshot; an added,
// a changed (in the same second) and a deleted view are seen on the next
// read.
func testRefresh(t *testing.T, src feastsql.Source, db *sql.DB) {
	t.Helper()
	ctx := context.Background()
	if err := feasttest.ApplySQLRegistry(ctx, db, "ride", time.Now().Add(-time.Hour), view("driver_stats", "conv_rate")); err != nil {
		t.Fatal(err)
	}
	first, err := feastsql.Read(ctx, src, "ride", nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	again, err := feastsql.Read(ctx, src, "ride", first, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if again != first {
		t.Fatalf("unchanged registry read again: stamp %+v then %+v", first.Stamp, again.Stamp)
	}

	now := time.Now()
	if err := feasttest.ApplySQLRegistry(ctx, db, "ride", now, view("customer_stats", "spend")); err != nil {
		t.Fatal(err)
	}
	added, err := feastsql.Read(ctx, src, "ride", again, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got := names(views(t, added, "ride")); got != "2 customer_stats,driver_stats" {
		t.Fatalf("after adding customer_stats: %s", got)
	}
	// The same view changed within the same second: counts and the latest
	// timestamp are as they were, but the last read is too recent to trust
	// them.
	if err := feasttest.ApplySQLRegistry(ctx, db, "ride", now, view("customer_stats", "spend", "orders")); err != nil {
		t.Fatal(err)
	}
	changed, err := feastsql.Read(ctx, src, "ride", added, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if changed.Stamp != added.Stamp {
		t.Fatalf("the same-second change moved the stamp (%+v → %+v); the test no longer tests the margin", added.Stamp, changed.Stamp)
	}
	if n := len(views(t, changed, "ride")["customer_stats"].Features); n != 2 {
		t.Errorf("customer_stats has %d features after the same-second change, want 2", n)
	}
	if err := feasttest.DeleteSQLView(ctx, db, "ride", "driver_stats", now); err != nil {
		t.Fatal(err)
	}
	deleted, err := feastsql.Read(ctx, src, "ride", changed, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if got := names(views(t, deleted, "ride")); got != "1 customer_stats" {
		t.Fatalf("after deleting driver_stats: %s", got)
	}
}

// TestPostgresRefresh: testRefresh on PostgreSQL.
func TestPostgresRefresh(t *testing.T) {
	pg, db := startRegistry(t)
	src, err := feastsql.Parse(pg.URL("postgresql+psycopg", "fsmon", readerPassword, "feast"), "")
	if err != nil {
		t.Fatal(err)
	}
	testRefresh(t, src, db)
}

// TestPostgresErrors: a wrong password, missing grants, a database that is
// down: clear errors without the password, and recovery.
func TestPostgresErrors(t *testing.T) {
	ctx := context.Background()
	pg, db := startRegistry(t)
	if err := feasttest.ApplySQLRegistry(ctx, db, "ride", time.Now().Add(-time.Hour), view("driver_stats", "conv_rate")); err != nil {
		t.Fatal(err)
	}
	const wrong = "Wrong-Pass-123"
	src, err := feastsql.Parse(pg.URL("postgresql", "fsmon", wrong, "feast"), "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = feastsql.Read(ctx, src, "ride", nil, time.Now())
	if err == nil || strings.Contains(err.Error(), wrong) || !strings.Contains(err.Error(), "password authentication failed") ||
		!strings.Contains(err.Error(), "fsmon:xxxxx@127.0.0.1") {
		t.Errorf("wrong password: %v", err)
	}

	pg.Exec(t, "feast", "CREATE ROLE nogrants LOGIN PASSWORD 'nogrants-pw'")
	src, _ = feastsql.Parse(pg.URL("postgresql", "nogrants", "nogrants-pw", "feast"), "")
	_, err = feastsql.Read(ctx, src, "ride", nil, time.Now())
	if err == nil || !strings.Contains(err.Error(), "permission denied") || !strings.Contains(err.Error(), "fsmon needs SELECT on projects, feast_metadata, entities") {
		t.Errorf("no grants: %v", err)
	}

	pg.Exec(t, "postgres", "CREATE DATABASE empty", "GRANT CONNECT ON DATABASE empty TO fsmon")
	src, _ = feastsql.Parse(pg.URL("postgresql", "fsmon", readerPassword, "empty"), "")
	_, err = feastsql.Read(ctx, src, "ride", nil, time.Now())
	if err == nil || !strings.Contains(err.Error(), "does not exist") || !strings.Contains(err.Error(), "not a Feast SQL registry") {
		t.Errorf("no tables: %v", err)
	}

	src, _ = feastsql.Parse(pg.URL("postgresql", "fsmon", readerPassword, "feast"), "")
	last, err := feastsql.Read(ctx, src, "ride", nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	pg.Stop()
	if _, err := feastsql.Read(ctx, src, "ride", last, time.Now()); err == nil || strings.Contains(err.Error(), readerPassword) {
		t.Errorf("database down: %v", err)
	}
	pg.Resume(t)
	if got, err := feastsql.Read(ctx, src, "ride", last, time.Now()); err != nil || got != last {
		t.Errorf("after recovery: %v (same snapshot: %t)", err, got == last)
	}
}

// TestReadOnly: every statement fsmon sends runs in a read-only
// transaction, and is a SELECT (the server's own statement log says so).
func TestReadOnly(t *testing.T) {
	ctx := context.Background()
	pg, db := startRegistry(t)
	if err := feasttest.ApplySQLRegistry(ctx, db, "ride", time.Now().Add(-time.Hour), view("driver_stats", "conv_rate")); err != nil {
		t.Fatal(err)
	}
	pg.Exec(t, "postgres", "ALTER ROLE fsmon SET log_statement = 'all'")
	before := len(pg.Log(t))
	src, _ := feastsql.Parse(pg.URL("postgresql", "fsmon", readerPassword, "feast"), "")
	if _, err := feastsql.Read(ctx, src, "ride", nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	var stmts []string
	for _, line := range strings.Split(pg.Log(t)[before:], "\n") {
		if _, s, ok := strings.Cut(line, "LOG:  statement: "); ok {
			stmts = append(stmts, s)
		} else if _, s, ok := strings.Cut(line, "LOG:  execute "); ok {
			stmts = append(stmts, s[strings.Index(s, ":")+2:])
		}
	}
	if len(stmts) < 3 || !strings.HasPrefix(strings.ToLower(stmts[0]), "begin") || !strings.Contains(strings.ToLower(stmts[0]), "read only") {
		t.Fatalf("statements %q: want a read-only begin first", stmts)
	}
	for _, s := range stmts[1:] {
		if l := strings.ToLower(s); !strings.HasPrefix(l, "select") && l != "rollback" {
			t.Errorf("fsmon sent %q", s)
		}
	}
}

func TestSQLite(t *testing.T) {
	ctx := context.Background()
	repo := t.TempDir()
	path := filepath.Join(repo, "data", "registry.db")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := feasttest.CreateSQLRegistry(ctx, db, "sqlite"); err != nil {
		t.Fatal(err)
	}
	if err := feasttest.ApplySQLRegistry(ctx, db, "ride", time.Now().Add(-time.Hour), view("driver_stats", "conv_rate")); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"sqlite:///data/registry.db", "sqlite:///" + path, "sqlite+pysqlite:///data/registry.db"} {
		src, err := feastsql.Parse(u, repo)
		if err != nil {
			t.Fatal(err)
		}
		if src.Path != path {
			t.Errorf("%s: path %s, want %s", u, src.Path, path)
		}
		snap, err := feastsql.Read(ctx, src, "ride", nil, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if got := names(views(t, snap, "ride")); got != "1 driver_stats" {
			t.Errorf("%s: views %s", u, got)
		}
		again, err := feastsql.Read(ctx, src, "ride", snap, time.Now())
		if err != nil || again != snap {
			t.Errorf("%s: unchanged registry read again (%v)", u, err)
		}
	}
	if err := feasttest.ApplySQLRegistry(ctx, db, "ride", time.Now(), view("customer_stats", "spend")); err != nil {
		t.Fatal(err)
	}
	src, _ := feastsql.Parse("sqlite:///data/registry.db", repo)
	snap, err := feastsql.Read(ctx, src, "ride", nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got := names(views(t, snap, "ride")); got != "2 customer_stats,driver_stats" {
		t.Errorf("after adding customer_stats: %s", got)
	}

	missing, _ := feastsql.Parse("sqlite:///data/nothing.db", repo)
	if _, err := feastsql.Read(ctx, missing, "ride", nil, time.Now()); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := os.Stat(filepath.Join(repo, "data", "nothing.db")); err == nil {
		t.Error("reading a missing SQLite registry created it")
	}
	empty := filepath.Join(repo, "empty.db")
	edb, _ := sql.Open("sqlite", empty)
	if _, err := edb.Exec("CREATE TABLE x (y int)"); err != nil {
		t.Fatal(err)
	}
	edb.Close()
	src, _ = feastsql.Parse("sqlite:///empty.db", repo)
	if _, err := feastsql.Read(ctx, src, "ride", nil, time.Now()); err == nil || !strings.Contains(err.Error(), "not a Feast SQL registry") {
		t.Errorf("no tables: %v", err)
	}
}

func TestParse(t *testing.T) {
	for _, c := range []struct{ url, dialect, display, err string }{
		{"postgresql://feast:pw@db.internal:5432/feast", feastsql.Postgres, "postgresql://feast:xxxxx@db.internal:5432/feast", ""},
		{"postgresql+psycopg://feast:pw@db/feast?sslmode=require", feastsql.Postgres, "postgresql+psycopg://feast:xxxxx@db/feast?sslmode=require", ""},
		{"postgresql+psycopg2://feast@db/feast", feastsql.Postgres, "postgresql+psycopg2://feast@db/feast", ""},
		{"sqlite:///registry.db", feastsql.SQLite, "sqlite:///registry.db", ""},
		{"sqlite:////var/feast/registry.db", feastsql.SQLite, "sqlite:////var/feast/registry.db", ""},
		{"postgresql://db/feast?user=feast&password=pw", feastsql.Postgres, "postgresql://db/feast?user=feast&password=xxxxx", ""},
		{"sqlite://", "", "", "in-memory"},
		{"mysql+pymysql://feast:pw@db/feast?bogus=1", "", "", "mysql+pymysql://feast:xxxxx@db/feast?bogus=1: query parameter bogus"},
		{"snowflake://u:pw@acct/db", "", "", `dialect "snowflake"`},
		{"postgresql://feast:p%w@db/feast", "", "", "postgresql://xxxxx@db/feast"},
		{"postgresql:///feast", "", "", "no host"},
	} {
		src, err := feastsql.Parse(c.url, "/repo")
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) || strings.Contains(err.Error(), ":pw@") || strings.Contains(err.Error(), "p%w") {
				t.Errorf("%s: error %v, want one with %q and no password", c.url, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.url, err)
			continue
		}
		if src.Dialect != c.dialect || src.String() != c.display {
			t.Errorf("%s: %s %s, want %s %s", c.url, src.Dialect, src, c.dialect, c.display)
		}
	}
}

// BenchmarkPostgresRefresh compares a refresh of an unchanged registry of
// 200 feature views (the stamp query, connection included) with a full
// read of it.
func BenchmarkPostgresRefresh(b *testing.B) {
	ctx := context.Background()
	pg := pgtest.Start(b)
	pg.Exec(b, "postgres", "CREATE DATABASE feast")
	db := pg.DB(b, "feast")
	if err := feasttest.CreateSQLRegistry(ctx, db, "postgresql"); err != nil {
		b.Fatal(err)
	}
	var vs []feasttest.RegistryView
	for i := 0; i < 2000; i++ {
		vs = append(vs, view(fmt.Sprintf("view_%03d", i), "a", "b", "c", "d", "e"))
	}
	if err := feasttest.ApplySQLRegistry(ctx, db, "ride", time.Now().Add(-time.Hour), vs...); err != nil {
		b.Fatal(err)
	}
	src, _ := feastsql.Parse(pg.URL("postgresql", pgtest.SuperUser, pgtest.SuperPassword, "feast")+"?sslmode=disable", "")
	last, err := feastsql.Read(ctx, src, "ride", nil, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("registry bytes: %d", len(last.Data))
	for _, c := range []struct {
		name string
		last *feastsql.Snapshot
	}{{"full", nil}, {"unchanged", last}} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := feastsql.Read(ctx, src, "ride", c.last, time.Now()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
