package app

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fsmon/fsmon/feast"
	"github.com/fsmon/fsmon/feast/feasttest"
	"github.com/fsmon/fsmon/internal/lockedbuf"
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

	// A wrong password: the daemon starts without the repo's views and
	// logs why, without the password.
	const wrong = "Not-The-Password-42"
	writeStore(wrong)
	wlog := &lockedbuf.Buffer{}
	w, err := New(Options{ConfigFile: cfgPath, ListenAddress: "127.0.0.1:0", Logger: slog.New(slog.NewTextHandler(wlog, nil))})
	if err != nil {
		t.Fatalf("wrong password stops the daemon: %v", err)
	}
	if u := w.Config().Feast.Unread; len(w.Config().Views) != 0 || strings.Contains(u, wrong) || !strings.Contains(u, "password authentication failed") ||
		!strings.Contains(u, "postgresql://fsmon:xxxxx@127.0.0.1") {
		t.Errorf("wrong password: %d views, registry %q", len(w.Config().Views), u)
	}
	if l := wlog.String(); strings.Contains(l, wrong) || !strings.Contains(l, "password authentication failed") {
		t.Errorf("wrong password, log:\n%s", l)
	}
	w.Stop(context.Background())

	writeStore(registryPassword)
	log := &lockedbuf.Buffer{}
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

// TestServeRegistryUnreadableAtStart: the Feast registry (MariaDB) is down
// when the daemon starts. It starts anyway, ready, with none of the repo's
// views (a standalone view of the config runs), and says why in the
// registry metrics, the log, the status page and its JSON; once the
// database is up, the refresh reads the registry and the views are
// monitored.
func TestServeRegistryUnreadableAtStart(t *testing.T) {
	srv := redistest.Start(t)
	m := mariaDBRegistry(t, "ride", feasttest.RegistryView{View: feast.View{Name: "driver_stats", JoinKeys: []string{"driver_id"},
		JoinKeyTypes: []feast.ValueType{feast.Int64}, Features: []feast.FeatureSpec{{Name: "trips", Type: feast.Int64}}}})
	m.Stop()
	repo := t.TempDir()
	t.Setenv("FSMON_TEST_MYSQL_PASSWORD", registryPassword)
	fsy := fmt.Sprintf("project: ride\nregistry:\n  registry_type: sql\n  path: mysql+pymysql://fsmon:${FSMON_TEST_MYSQL_PASSWORD}@127.0.0.1:%d/feast?connect_timeout=2\n"+
		"online_store:\n  type: redis\n  connection_string: \"%s\"\n", m.Port, srv.Addr)
	if err := os.WriteFile(filepath.Join(repo, "feature_store.yaml"), []byte(fsy), 0o644); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(t.TempDir(), "fsmon.yaml")
	// driver_stats adjusts the Feast view (waits for the registry);
	// sessions is a view of its own (runs at once).
	cfg := fmt.Sprintf("interval: 1s\nfeast: {repo: %s, refresh: 1s}\nonline:\n  redis: {addr: %q}\nfeature_views:\n"+
		"  - name: driver_stats\n    sample_size: 50\n"+
		"  - name: sessions\n    entities: [user_id]\n    online: {key: \"session:{user_id}\", timestamp_field: ts}\n    features: [{name: clicks, type: int64}]\n", repo, srv.Addr)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	log := &lockedbuf.Buffer{}
	a, err := New(Options{ConfigFile: cfgPath, ListenAddress: "127.0.0.1:0", FirstRunSpread: time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(log, nil))})
	if err != nil {
		t.Fatalf("serve does not start with the registry down: %v", err)
	}
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	defer a.Stop(context.Background())
	if vs := a.Config().Views; len(vs) != 1 || vs[0].Name != "sessions" {
		t.Fatalf("views at start %+v, want sessions alone", vs)
	}
	base := "http://" + a.Addr()
	ok := `fsmon_feast_registry_last_refresh_successful{project="ride"}`
	failures := `fsmon_feast_registry_refresh_failures_total{project="ride"}`
	if v := metricValue(t, a, ok); v != 0 {
		t.Errorf("%s = %v with the registry down", ok, v)
	}
	waitFor(t, func() bool { return metricValue(t, a, failures) >= 2 }) // the refresh keeps trying
	if m := get(t, base+"/metrics"); strings.Contains(m, `fsmon_feast_registry_last_success_timestamp_seconds{project="ride"}`) {
		t.Errorf("a last-read time before any read")
	}
	if !strings.Contains(log.String(), "Feast registry cannot be read; its feature views are unknown until it is") {
		t.Errorf("log says nothing of the registry:\n%s", log.String())
	}
	if body := get(t, base+"/-/ready"); !strings.Contains(body, "Ready") {
		t.Errorf("/-/ready: %q", body)
	}
	status := ""
	problems := func() []string {
		var doc struct {
			Status   string   `json:"status"`
			Problems []string `json:"problems"`
		}
		if err := json.Unmarshal([]byte(get(t, base+"/api/v1/results")), &doc); err != nil {
			t.Fatal(err)
		}
		status = doc.Status
		return doc.Problems
	}
	if p := problems(); status != "error" || len(p) != 1 || !strings.HasPrefix(p[0], "The Feast registry of "+repo+" could not be read") || !strings.Contains(p[0], "mysql+pymysql://fsmon:xxxxx@127.0.0.1") {
		t.Errorf("/api/v1/results: status %q (want error: no view is checked), problems %q", status, p)
	}
	if page := get(t, base+"/"); !strings.Contains(page, "could not be read; its feature views are not monitored until it is") {
		t.Errorf("status page says nothing of the registry")
	}

	m.Resume(t)
	waitFor(t, func() bool { return metricValue(t, a, ok) == 1 })
	waitFor(t, func() bool { return len(a.Config().Views) == 2 })
	for _, v := range a.Config().Views {
		if v.Name == "driver_stats" && (v.SampleSize != 50 || v.Project != "ride") {
			t.Errorf("driver_stats %+v: the config's adjustment lost", v)
		}
	}
	waitFor(t, func() bool {
		return strings.Contains(get(t, base+"/metrics"), `feature_view="driver_stats"`)
	})
	if p := problems(); len(p) != 0 {
		t.Errorf("the problem stays after the registry was read: %q", p)
	}
	if strings.Contains(log.String(), registryPassword) {
		t.Errorf("the log prints the registry password")
	}
}
