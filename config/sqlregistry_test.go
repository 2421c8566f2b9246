package config

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fsmon/fsmon/feast"
	"github.com/fsmon/fsmon/feast/feasttest"
)

// sqliteRepo makes a Feast repo whose registry is a SQLite SQL registry
// (registry_type: sql) holding driver_stats, and returns the repo's
// directory and the open database.
func sqliteRepo(t *testing.T) (string, *sql.DB) {
	t.Helper()
	repo := t.TempDir()
	if err := os.MkdirAll(filepath.Join(repo, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", filepath.Join(repo, "data", "registry.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	if err := feasttest.CreateSQLRegistry(ctx, db, "sqlite"); err != nil {
		t.Fatal(err)
	}
	v := feasttest.RegistryView{View: feast.View{Name: "driver_stats", JoinKeys: []string{"driver_id"}, JoinKeyTypes: []feast.ValueType{feast.Int64},
		Features: []feast.FeatureSpec{{Name: "conv_rate", Type: feast.Double}},
		Source:   &feast.FileSource{Path: "data/driver_stats", TimestampField: "event_timestamp"}}}
	if err := feasttest.ApplySQLRegistry(ctx, db, "ride", time.Now().Add(-time.Hour), v); err != nil {
		t.Fatal(err)
	}
	store := "project: ride\nregistry:\n  registry_type: sql\n  path: sqlite:///data/registry.db\nonline_store: {type: redis}\noffline_store: {type: file}\n"
	if err := os.WriteFile(filepath.Join(repo, "feature_store.yaml"), []byte(store), 0o600); err != nil {
		t.Fatal(err)
	}
	return repo, db
}

func TestDiscoverFeastSQLRegistry(t *testing.T) {
	repo, _ := sqliteRepo(t)
	c, err := Parse([]byte("feast: {repo: "+repo+"}\n"), filepath.Join(t.TempDir(), "fsmon.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Views) != 1 || c.Views[0].Name != "driver_stats" || c.Views[0].Project != "ride" ||
		c.Views[0].Offline == nil || filepath.Join(c.Offline.Parquet.Root, c.Views[0].Offline.Path) != filepath.Join(repo, "data", "driver_stats") {
		t.Fatalf("views %+v (offline %+v)", c.Views, c.Views[0].Offline)
	}
	if c.Feast.Project != "ride" || c.Feast.Registry != "sqlite:///data/registry.db" {
		t.Errorf("feast %+v", c.Feast)
	}
}

// TestSQLRegistryErrors: a registry that cannot be read is an error marked
// as the registry's (with the project), and the password of its URL is
// nowhere in it.
func TestSQLRegistryErrors(t *testing.T) {
	// A port nothing listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	t.Setenv("FSMON_TEST_REGISTRY_PW", "Pa55-w0rd-secret")
	for _, c := range []struct{ path, want string }{
		{"postgresql+psycopg://feast:${FSMON_TEST_REGISTRY_PW}@" + addr + "/feast", "postgresql+psycopg://feast:xxxxx@" + addr + "/feast"},
		{"mysql+pymysql://feast:${FSMON_TEST_REGISTRY_PW}@" + addr + "/feast?charset=utf8mb4", "mysql+pymysql://feast:xxxxx@" + addr + "/feast?charset=utf8mb4"},
		{"mariadb+mariadbconnector://feast:${FSMON_TEST_REGISTRY_PW}@" + addr + "/feast?ssl_mode=SOMETIMES", "mariadb+mariadbconnector://feast:xxxxx@" + addr + "/feast?ssl_mode=SOMETIMES"},
		{"sqlite:///nothing.db", "no such file"},
	} {
		repo := t.TempDir()
		store := "project: ride\nregistry:\n  registry_type: sql\n  path: " + c.path + "\nonline_store: {type: redis}\n"
		if err := os.WriteFile(filepath.Join(repo, "feature_store.yaml"), []byte(store), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Parse([]byte("feast: {repo: "+repo+"}\n"), filepath.Join(t.TempDir(), "fsmon.yaml"))
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "Pa55-w0rd-secret") {
			t.Errorf("%s: %v", c.path, err)
		}
		if e := RegistryFailure(err); e == nil || e.FeastProject != "ride" {
			t.Errorf("%s: not marked as the registry's: %#v", c.path, e)
		}
	}
	// A config mistake is not a registry failure.
	_, err = Parse([]byte("feast: {repo: x}\nbogus: 1\n"), filepath.Join(t.TempDir(), "fsmon.yaml"))
	var es *Errors
	if !errors.As(err, &es) {
		t.Fatalf("bad config: %v", err)
	}
	for _, e := range *es {
		if e.Registry && strings.Contains(e.Msg, "bogus") {
			t.Errorf("config mistake marked as a registry failure: %v", e)
		}
	}
}
