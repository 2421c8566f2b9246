package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fsmon/fsmon/internal/redistest"
)

// The alert state must be writable where the daemon will run: validate
// fails (exit 2) when its directory is missing or not writable, and passes
// once it is.
func TestValidateAlertStateWritable(t *testing.T) {
	dir := t.TempDir()
	hook := filepath.Join(dir, "webhook")
	if err := os.WriteFile(hook, []byte("https://hooks.slack.invalid/services/T/B/X\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "state", "alerts.json")
	cfg := filepath.Join(dir, "fsmon.yaml")
	body := "online: {redis: {addr: 127.0.0.1:1}}\nslack: {webhook_url_file: " + hook + "}\nalerts: {state_file: " + state + "}\n" +
		"feature_views:\n  - name: v\n    project: p\n    entities: [id]\n    online: {layout: hash, key: \"v:{id}\", timestamp_field: ts}\n    features: [{name: f, type: int64}]\n"
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI("validate", "--config", cfg)
	if code != 2 || !strings.Contains(errOut, "alerts.state_file") || !strings.Contains(errOut, state) {
		t.Fatalf("missing state directory: exit %d, stderr %q", code, errOut)
	}
	if err := os.Mkdir(filepath.Dir(state), 0o755); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCLI("validate", "--config", cfg); code != 0 {
		t.Fatalf("writable state directory: exit %d\n%s%s", code, out, errOut)
	}
}

// TestValidateLive runs `fsmon validate --live` end to end against a real
// redis-server and Parquet files: every problem is one line FILE:LINE:COL:
// key: message on stderr, in file order, the webhook note on stdout, exit
// 2; with the mistakes fixed, exit 0.
func TestValidateLive(t *testing.T) {
	srv := redistest.Start(t)
	dir := store(t, srv.Addr)
	hook := filepath.Join(dir, "webhook")
	if err := os.WriteFile(hook, []byte("https://hooks.slack.invalid/services/T/B/X\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notadir"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "fsmon.yaml")
	write := func(key, tsColumn, state string) {
		body := fmt.Sprintf(`online:
  redis:
    addr: %s
    rate_limit: 0
slack:
  webhook_url_file: webhook
alerts:
  state_file: %s
feature_views:
  - name: healthy
    project: test
    entities: [id]
    online: {layout: hash, key: "%s", timestamp_field: ts}
    offline: {path: healthy/*.parquet, timestamp_column: %s}
    features: [{name: conv_rate, type: float64}]
`, srv.Addr, state, key, tsColumn)
		if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("helthy:{id}", "event_time", "notadir/alerts.json")
	code, out, errOut := runCLI("validate", "--live", "--config", cfg)
	if code != 2 {
		t.Fatalf("exit %d, want 2\n%s%s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
	want := []string{
		cfg + ":8:15: alerts.state_file: alert state " + dir + "/notadir/alerts.json is not writable: open " + dir + "/notadir/.alerts.json.check",
		cfg + `:13:33: feature_views[0].online.key: online.key "helthy:{id}" matches no key in Redis, which holds other keys`,
		cfg + `:14:58: feature_views[0].offline.timestamp_column: no timestamp column event_time in any of the 1 Parquet files of healthy/*.parquet`,
	}
	if len(lines) != len(want) {
		t.Fatalf("stderr has %d lines, want %d:\n%s", len(lines), len(want), errOut)
	}
	for i, w := range want {
		if i == 0 { // the probe file's name is random
			if !strings.HasPrefix(lines[i], w) || !strings.HasSuffix(lines[i], ": not a directory") {
				t.Errorf("line %d:\n got %s\nwant %s…: not a directory", i+1, lines[i], w)
			}
			continue
		}
		if lines[i] != w {
			t.Errorf("line %d:\n got %s\nwant %s", i+1, lines[i], w)
		}
	}
	note := cfg + ":6:21: slack.webhook_url_file: not checked live: checking an incoming webhook would post a message to its channel; only its form (an https:// URL) was checked\n"
	if out != note {
		t.Errorf("stdout:\n%s\nwant the webhook note:\n%s", out, note)
	}

	write("healthy:{id}", "ts", "alerts.json")
	if code, out, errOut := runCLI("validate", "--live", "--config", cfg); code != 0 || errOut != "" || !strings.HasSuffix(out, cfg+": OK (1 feature views, checked live)\n") {
		t.Fatalf("fixed config: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}
