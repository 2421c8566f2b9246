package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// webhook is a Slack incoming webhook as documented: it answers 200 "ok"
// to a JSON payload and 400 "invalid_payload" to anything else. It keeps
// every request's body and the text of every message.
type webhook struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []string
	texts  []string
}

func newWebhook(t *testing.T) *webhook {
	w := &webhook{}
	w.Server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		var msg struct {
			Text string `json:"text"`
		}
		b, _ := io.ReadAll(r.Body)
		w.mu.Lock()
		w.bodies = append(w.bodies, string(b))
		w.mu.Unlock()
		if err := json.Unmarshal(b, &msg); err != nil || msg.Text == "" {
			http.Error(rw, "invalid_payload", http.StatusBadRequest)
			return
		}
		w.mu.Lock()
		w.texts = append(w.texts, msg.Text)
		w.mu.Unlock()
		fmt.Fprint(rw, "ok")
	}))
	t.Cleanup(w.Close)
	return w
}

// slackConfig writes url as a webhook file in dir and returns the config
// lines that send alerts there, with the alert state in dir.
func slackConfig(t *testing.T, dir, url string) string {
	t.Helper()
	hook := filepath.Join(dir, "webhook")
	if err := os.WriteFile(hook, []byte(url+"/services/T000/B000/XXXX\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("slack:\n  webhook_url_file: %s\nalerts:\n  state_file: %s\n", hook, filepath.Join(dir, "alerts.json"))
}

// requests returns the body of every request received, valid or not.
func (w *webhook) requests() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.bodies...)
}

func (w *webhook) messages() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.texts...)
}

// count returns how many messages contain every one of parts.
func (w *webhook) count(parts ...string) int {
	n := 0
	for _, m := range w.messages() {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(m, p)
		}
		if all {
			n++
		}
	}
	return n
}

// TestReloadResolvesRemovedViewOnce: a view whose alerts fired is removed
// from the config; the reload resolves its alerts in exactly one message,
// and neither later runs, a second reload nor a restart send anything
// about it again. The view that stays keeps its alert without a repeat.
func TestReloadResolvesRemovedViewOnce(t *testing.T) {
	hook := newWebhook(t)
	alertsCfg := slackConfig(t, t.TempDir(), hook.URL)
	// A copy of the fixture's view under another name: same data, same
	// problems (coverage 90%, null rate 5.6%).
	second := `  - name: driver_copy
    project: demo
    entities: [driver_id]
    ttl: 24h
    online: {layout: hash, key: "fs:driver:{driver_id}", timestamp_field: event_ts}
    offline: {path: driver_stats/*.parquet, timestamp_column: event_timestamp}
    features: [{name: conv_rate, type: float64}, {name: city, type: string}]
`
	fx := newFixture(t, "")
	fx.writeConfig(t, second+alertsCfg)
	start := func() *App {
		a, err := New(Options{ConfigFile: fx.config, ListenAddress: "127.0.0.1:0", FirstRunSpread: time.Millisecond, runTimeout: testRunTimeout})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Start(); err != nil {
			t.Fatal(err)
		}
		return a
	}
	a := start()
	waitFor(t, func() bool {
		return hook.count("driver_hourly_stats") == 1 && hook.count("driver_copy") == 1
	})

	fx.writeConfig(t, alertsCfg) // driver_copy removed
	if err := a.Reload(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return hook.count("RESOLVED", "driver_copy") == 1 })
	if err := a.Reload(); err != nil { // the same config again
		t.Fatal(err)
	}
	time.Sleep(2500 * time.Millisecond) // several runs of the remaining view
	noRunErrors(t, a)
	if err := a.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	a = start() // a restart on the same state file
	time.Sleep(1500 * time.Millisecond)
	noRunErrors(t, a)
	if err := a.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}

	msgs := hook.messages()
	if n := hook.count("driver_copy"); n != 2 {
		t.Errorf("%d messages about driver_copy, want 2 (fired, resolved): %q", n, msgs)
	}
	if n := hook.count("RESOLVED", "driver_copy"); n != 1 {
		t.Errorf("%d resolutions of driver_copy, want exactly 1: %q", n, msgs)
	}
	if n := hook.count("driver_hourly_stats"); n != 1 {
		t.Errorf("%d messages about driver_hourly_stats, want 1 (no repeat, no resolve): %q", n, msgs)
	}
}
