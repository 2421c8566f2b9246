package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
