package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fsmon/fsmon/internal/lockedbuf"
	"github.com/fsmon/fsmon/internal/pqwrite"
	"github.com/fsmon/fsmon/internal/redistest"
)

// store writes two views whose verdicts are known: "healthy" (fresh, no
// nulls, every entity online, same values) and "nulls" (conv_rate null for
// 30 of 100 entities in both stores: null rate 0.3, crit).
func store(t *testing.T, redisAddr string) (dir string) {
	t.Helper()
	dir = t.TempDir()
	now := time.Now()
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
	defer rdb.Close()
	cols := []pqwrite.Column{{Name: "id", Type: "int64"}, {Name: "ts", Type: "timestamp"}, {Name: "conv_rate", Type: "float64", Optional: true}}
	for _, view := range []string{"healthy", "nulls"} {
		var rows [][]any
		for id := 1; id <= 100; id++ {
			v := any(float64(id%17) / 17)
			text := fmt.Sprint(v)
			if view == "nulls" && id <= 30 {
				v, text = nil, ""
			}
			ts := now.Add(-time.Duration(id) * time.Minute)
			rows = append(rows, []any{int64(id), ts, v})
			if err := rdb.HSet(context.Background(), fmt.Sprintf("%s:%d", view, id), "ts", fmt.Sprint(ts.Unix()), "conv_rate", text).Err(); err != nil {
				t.Fatal(err)
			}
		}
		if err := pqwrite.Write(filepath.Join(dir, view, "p.parquet"), cols, rows); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func writeConfig(t *testing.T, dir, redisAddr string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "interval: 1s\nonline:\n  redis:\n    addr: %s\n    rate_limit: 0\n    timeout: 2s\noffline:\n  parquet:\n    root: %s\nfeature_views:\n", redisAddr, dir)
	for _, v := range []string{"healthy", "nulls"} {
		fmt.Fprintf(&b, `  - name: %[1]s
    project: test
    entities: [id]
    ttl: 24h
    online: {layout: hash, key: "%[1]s:{id}", timestamp_field: ts}
    offline: {path: %[1]s/*.parquet, timestamp_column: ts}
    features: [{name: conv_rate, type: float64}]
`, v)
	}
	p := filepath.Join(dir, "fsmon.yaml")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func runCLI(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(context.Background(), args, &o, &e, nil)
	return code, o.String(), e.String()
}

func TestCheckExitCodes(t *testing.T) {
	srv := redistest.Start(t)
	dir := store(t, srv.Addr)
	cfg := writeConfig(t, dir, srv.Addr)

	if code, out, errOut := runCLI("check", "--config", cfg, "--only", "healthy"); code != 0 {
		t.Fatalf("healthy view: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ := runCLI("check", "--config", cfg)
	if code != 1 || !strings.Contains(out, "CRIT") || !strings.Contains(out, "30% of 100 sampled entities have no conv_rate online") {
		t.Fatalf("null view: exit %d\n%s", code, out)
	}
	report := filepath.Join(dir, "report.json")
	if code, _, _ := runCLI("check", "--config", cfg, "--format", "json", "--output", report, "--only", "nulls"); code != 1 {
		t.Fatalf("json: exit %d", code)
	}
	var rep struct {
		Status  string `json:"status"`
		Results []struct {
			Check, FeatureView, Feature, Store, Status string
			Value                                      *float64
		} `json:"results"`
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, b)
	}
	var found bool
	for _, r := range rep.Results {
		if r.Check == "null_rate" && r.Store == "online" {
			found = r.Value != nil && *r.Value == 0.3 && r.Status == "crit"
		}
	}
	if rep.Status != "crit" || !found {
		t.Fatalf("report: %s", b)
	}

	// Redis unreachable: the checks that need it cannot run (exit 3), the
	// offline results are still reported.
	srv.Stop()
	code, out, _ = runCLI("check", "--config", cfg, "--only", "healthy", "--format", "json")
	if code != 3 || !strings.Contains(out, `"status": "error"`) || !strings.Contains(out, `"store": "offline"`) {
		t.Fatalf("unreachable redis: exit %d\n%s", code, out)
	}
}

func TestUsageAndConfigErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("interval: soon\nsample_size: -3\nfeature_views: []\nbogus: 1\n"), 0o644)
	code, _, errOut := runCLI("validate", "--config", bad)
	if code != 2 || strings.Count(errOut, "bad.yaml:") < 3 || !strings.Contains(errOut, "bad.yaml:1:11:") {
		t.Fatalf("validate: exit %d\n%s", code, errOut)
	}
	if code, _, _ := runCLI("check", "--config", bad); code != 2 {
		t.Fatalf("check with a bad config: exit %d", code)
	}
	if code, _, _ := runCLI("check", "--fail-on", "sometimes"); code != 2 {
		t.Fatalf("bad --fail-on: exit %d", code)
	}
	if code, _, _ := runCLI("frobnicate"); code != 2 {
		t.Fatalf("unknown command: exit %d", code)
	}
	if code, out, _ := runCLI("version"); code != 0 || !strings.Contains(out, "fsmon, version") {
		t.Fatalf("version: %d %s", code, out)
	}
}

func TestServeReloadAndTerm(t *testing.T) {
	srv := redistest.Start(t)
	dir := store(t, srv.Addr)
	cfg := writeConfig(t, dir, srv.Addr)
	ctx, cancel := context.WithCancel(context.Background())
	hup := make(chan os.Signal, 1)
	var o, e lockedbuf.Buffer
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"serve", "--config", cfg, "--web.listen-address", "127.0.0.1:0"}, &o, &e, hup)
	}()
	waitLog(t, &e, "checked view")
	hup <- syscall.SIGHUP
	waitLog(t, &e, "config reloaded")
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exit %d\n%s", code, e.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func TestDemoStartsAndFindsProblems(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var o, e lockedbuf.Buffer
	done := make(chan int)
	go func() { done <- run(ctx, []string{"demo", "--web.listen-address", "127.0.0.1:0"}, &o, &e, nil) }()
	waitLog(t, &o, "Ctrl-C stops it")
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("demo exit %d\n%s", code, e.String())
	}
	out := o.String()
	// Each planted problem is found: stale, nulls, coverage, skew.
	for _, want := range []string{"freshness  rideshare/customer_profile", "null_rate  rideshare/driver_ratings", "coverage   rideshare/payment_risk", "skew       rideshare/zone_demand"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "driver_hourly_stats") && strings.Contains(out, "CRIT    freshness  rideshare/driver_hourly_stats") {
		t.Errorf("the healthy view is reported crit:\n%s", out)
	}
}

// TestCheckRegistryUnreadable: a Feast registry that cannot be read (here
// a registry file not written yet) is not a config error: check exits 3
// (no check ran, a retry may work) naming the registry; validate still
// reports it; a config mistake beside it is still exit 2.
func TestCheckRegistryUnreadable(t *testing.T) {
	repo := t.TempDir()
	if err := os.WriteFile(filepath.Join(repo, "feature_store.yaml"), []byte("project: ride\nregistry: data/registry.db\nonline_store: {type: redis}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	reg := filepath.Join(repo, "data", "registry.db")
	cfg := filepath.Join(t.TempDir(), "fsmon.yaml")
	if err := os.WriteFile(cfg, []byte("feast: {repo: "+repo+"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI("check", "--config", cfg)
	if code != 3 || !strings.Contains(errOut, "Feast registry: open "+reg) || !strings.Contains(errOut, "the Feast registry could not be read; no check ran") {
		t.Errorf("check: exit %d\n%s", code, errOut)
	}
	code, _, errOut = runCLI("validate", "--config", cfg)
	if code != 2 || !strings.Contains(errOut, "Feast registry: open "+reg) {
		t.Errorf("validate: exit %d\n%s", code, errOut)
	}
	if err := os.WriteFile(cfg, []byte("feast: {repo: "+repo+"}\nbogus: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCLI("check", "--config", cfg); code != 2 || !strings.Contains(errOut, "bogus") {
		t.Errorf("check with a config mistake too: exit %d\n%s", code, errOut)
	}
}
