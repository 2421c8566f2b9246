package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fsmon/fsmon/feast"
	"github.com/fsmon/fsmon/feast/feasttest"
	"github.com/fsmon/fsmon/internal/redistest"
)

// TestFeastSQLRegistryServe runs the daemon on a Feast repo whose registry
// is in PostgreSQL: a view applied later is monitored without a restart
// (seen through last_updated_timestamp); the database going down keeps the
// views, and the registry metrics and the log say so until it is back; a
// wrong password is a clear error that does not print it.
func TestFeastSQLRegistryServe(t *testing.T) {
	srv := redistest.Start(t)
	view := func(name string) feasttest.RegistryView {
		return feasttest.RegistryView{View: feast.View{Name: name, JoinKeys: []string{"driver_id"},
			JoinKeyTypes: []feast.ValueType{feast.Int64}, Features: []feast.FeatureSpec{{Name: "trips", Type: feast.Int64}}}}
	}
	pg := sqlRegistry(t, "ride", view("first"))
	repo := t.TempDir()
	writeStore := func(password string) {
		t.Setenv("FSMON_TEST_PG_PASSWORD", password)
		fsy := fmt.Sprintf("project: ride\nregistry:\n  registry_type: sql\n  path: postgresql://fsmon:${FSMON_TEST_PG_PASSWORD}@127.0.0.1:%d/feast\n"+
			"online_store:\n  type: redis\n  connection_string: \"%s\"\n", pg.Port, srv.Addr)
		if err := os.WriteFile(filepath.Join(repo, "feature_store.yaml"), []byte(fsy), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfgPath := filepath.Join(t.TempDir(), "fsmon.yaml")
	if err := os.WriteFile(cfgPath, []byte("interval: 1s\nfeast: {repo: "+repo+", refresh: 1s}\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	const wrong = "Not-The-Password-42"
	writeStore(wrong)
	_, err := New(Options{ConfigFile: cfgPath, ListenAddress: "127.0.0.1:0"})
	if err == nil || strings.Contains(err.Error(), wrong) || !strings.Contains(err.Error(), "password authentication failed") ||
		!strings.Contains(err.Error(), "postgresql://fsmon:xxxxx@127.0.0.1") {
		t.Fatalf("wrong password: %v", err)
	}

	writeStore(registryPassword)
	log := &lockedBuffer{}
	a, err := New(Options{ConfigFile: cfgPath, ListenAddress: "127.0.0.1:0", FirstRunSpread: time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	defer a.Stop(context.Background())
	if n := len(a.Config().Views); n != 1 {
		t.Fatalf("%d views at start, want 1", n)
	}
	db := pg.DB(t, "feast")
	if err := feasttest.ApplySQLRegistry(context.Background(), db, "ride", time.Now(), view("second")); err != nil {
		t.Fatal(err)
	}
	db.Close()
	waitFor(t, func() bool { return len(a.Config().Views) == 2 })
	waitFor(t, func() bool {
		return strings.Contains(get(t, "http://"+a.Addr()+"/metrics"), `feature_view="second"`)
	})
	registryFailures(t, a, "ride", log, pg.Stop, func() { pg.Resume(t) })
	if strings.Contains(log.String(), registryPassword) {
		t.Errorf("the log prints the registry password")
	}
}
