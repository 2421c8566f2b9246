package slack

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/fsmon/fsmon/alerts"
	"github.com/fsmon/fsmon/checks"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var at = time.Date(2026, 11, 22, 14, 0, 0, 0, time.UTC)

func f64(v float64) *float64 { return &v }

func th(w, c float64) *checks.Threshold { return &checks.Threshold{Warn: f64(w), Crit: f64(c)} }

func alert(check, feature, store string, st checks.Status, since time.Duration, v *float64, t *checks.Threshold) alerts.Alert {
	return alerts.Alert{
		Key:    alerts.Key{Check: check, Project: "feast_demo", FeatureView: "driver_hourly_stats", Feature: feature, Store: store},
		Status: st, Since: at.Add(-since), Value: v, Threshold: t,
	}
}

// skewAlert is a numeric skew alert as checks.Skew and alerts.State make
// it: KS D is the value, each test carries its own thresholds.
func skewAlert() alerts.Alert {
	a := alert("skew", "trips_today", "", checks.Warn, 50*time.Hour, f64(0.31), th(0.1, 0.25))
	a.Tests = []checks.Test{
		{Test: "ks", Statistic: 0.31, PValue: f64(0.02), PValueAdjusted: f64(0.04), PValueThreshold: f64(0.01), Threshold: &checks.Threshold{Crit: f64(0.1)}},
		{Test: "psi", Statistic: 0.12, Threshold: th(0.1, 0.25)},
		{Test: "js", Statistic: 0.2},
	}
	return a
}

func goldenCases() map[string]alerts.Notification {
	leaky := alert("null_rate", "conv_rate", "online", checks.Crit, 2*time.Hour+5*time.Minute, f64(0.0423), th(0.01, 0.05))
	leaky.Message = "entity driver_id=1001 has conv_rate=0.4242 (must never reach Slack)"
	resolved := alert("freshness", "", "", checks.OK, 26*time.Hour, f64(300), th(7200, 90000))
	resolved.Resolved, resolved.SentStatus = true, checks.Crit
	return map[string]alerts.Notification{
		"firing": {
			Project: "feast_demo", FeatureView: "driver_hourly_stats", Severity: checks.Crit, At: at,
			Firing: []alerts.Alert{
				alert("coverage", "", "", checks.Warn, 10*time.Minute, f64(0.931), th(0.99, 0.95)),
				alert("freshness", "", "", checks.Crit, 3*time.Hour, f64(11520), th(7200, 90000)),
				leaky,
			},
			Escalated: []alerts.Alert{alert("consistency", "acc_rate", "", checks.Crit, 26*time.Hour, f64(0.985), th(0.999, 0.99))},
			Repeated:  []alerts.Alert{skewAlert()},
		},
		"resolved": {Project: "feast_demo", FeatureView: "driver_hourly_stats", Severity: checks.OK, At: at, Resolved: []alerts.Alert{resolved}},
		"error": {Project: "feast_demo", FeatureView: "driver_hourly_stats", Severity: checks.Error, At: at,
			Firing: []alerts.Alert{alert("freshness", "", "", checks.Error, 30*time.Minute, nil, nil)}},
	}
}

// TestRenderGolden compares the webhook payload of each case with
// testdata/NAME.golden.json; run with -update to rewrite them.
func TestRenderGolden(t *testing.T) {
	links := Links{Dashboard: "https://grafana.example.com/d/fsmon-view", Status: "https://fsmon.example.com/"}
	for name, n := range goldenCases() {
		t.Run(name, func(t *testing.T) {
			l := links
			if name == "resolved" {
				l = Links{}
			}
			text, blocks := Render(n, l)
			got, err := json.MarshalIndent(slackapi.WebhookMessage{Text: text, Blocks: &slackapi.Blocks{BlockSet: blocks}}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", name+".golden.json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				_ = os.WriteFile(path+".got", got, 0o644)
				t.Errorf("payload differs from %s (written %s.got; rerun with -update if intended)", path, path)
			}
			for _, bad := range []string{"1001", "0.4242", "must never"} {
				if bytes.Contains(got, []byte(bad)) {
					t.Errorf("payload contains %q from a result message", bad)
				}
			}
		})
	}
}

// TestRenderSays checks, independently of the golden files, that a message
// says what is wrong, how bad, since when and links, in hand-written words.
func TestRenderSays(t *testing.T) {
	text, blocks := Render(goldenCases()["firing"], Links{Dashboard: "https://g/d", Status: "https://s/"})
	b, _ := json.Marshal(blocks)
	s := string(b)
	for _, want := range []string{
		`:red_circle: driver_hourly_stats — CRIT`,
		`*null_rate* of ` + "`conv_rate`" + ` (online) — *crit*\nnull rate 4.23% · threshold warn ≥ 1% · crit ≥ 5%\nsince \u003c!date^1795348500^{date_short_pretty} {time}|2026-11-22 11:55 UTC\u003e (2h 5m)`,
		`age of the newest event 3h 12m · threshold warn ≥ 2h · crit ≥ 1d 1h`,
		`coverage 93.1% · threshold warn ≤ 99% · crit ≤ 95%`,
		`consistency 98.5% · threshold warn ≤ 99.9% · crit ≤ 99%`,
		// skew: KS D, its p-value and PSI, each against its own threshold
		`KS D 0.31, adj. p 0.04, PSI 0.12 · threshold crit KS D ≥ 0.1 and adj. p \u0026lt; 0.01 or PSI ≥ 0.25 · warn PSI ≥ 0.1`,
		`"url":"https://g/d"`, `"url":"https://s/"`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("blocks lack %s\n%s", want, s)
		}
	}
	if want := "CRIT driver_hourly_stats (feast_demo): 3 new, 1 escalated, 1 still firing"; text != want {
		t.Errorf("text = %q, want %q", text, want)
	}
}

func TestRenderCapsBlocks(t *testing.T) {
	n := alerts.Notification{Project: "p", FeatureView: "wide", Severity: checks.Warn, At: at}
	for i := 0; i < 60; i++ {
		n.Firing = append(n.Firing, alert("null_rate", "f"+string(rune('a'+i%26))+string(rune('a'+i/26)), "online", checks.Warn, time.Hour, f64(0.02), th(0.01, 0.05)))
	}
	_, blocks := Render(n, Links{Dashboard: "https://g/"})
	if len(blocks) > 50 {
		t.Errorf("%d blocks, Slack allows 50", len(blocks))
	}
	b, _ := json.Marshal(blocks)
	if !strings.Contains(string(b), "…and 20 more") {
		t.Errorf("no overflow line: %s", b)
	}
}

func TestFormats(t *testing.T) {
	for _, c := range []struct {
		sec  float64
		want string
	}{{0, "0s"}, {45, "45s"}, {90, "1m 30s"}, {7200, "2h"}, {10805, "3h"}, {11520, "3h 12m"}, {90000, "1d 1h"}, {-120, "-2m"}} {
		if got := checks.HumanDuration(c.sec); got != c.want {
			t.Errorf("humanDuration(%v) = %q, want %q", c.sec, got, c.want)
		}
	}
	for _, c := range []struct {
		v    float64
		want string
	}{{0.0423, "4.23%"}, {0.99, "99%"}, {0.999, "99.9%"}, {0.12345678, "12.35%"}, {1, "100%"}, {0, "0%"}} {
		if got := checks.Percent(c.v); got != c.want {
			t.Errorf("percent(%v) = %q, want %q", c.v, got, c.want)
		}
	}
	if got := esc("a<b>&c"); got != "a&lt;b&gt;&amp;c" {
		t.Errorf("esc = %q", got)
	}
}

// An alert whose check was removed from the config resolves saying so.
func TestRenderRemoved(t *testing.T) {
	a := alert("null_rate", "gone", "online", checks.OK, time.Hour, f64(0.2), th(0.01, 0.05))
	a.Resolved, a.Removed, a.SentStatus = true, true, checks.Crit
	text, blocks := Render(alerts.Notification{Project: "p", FeatureView: "v", Severity: checks.OK, At: at, Resolved: []alerts.Alert{a}}, Links{})
	b, _ := json.Marshal(blocks)
	if !strings.Contains(string(b), "*null_rate* of `gone` (online) — no longer checked (removed from the config)") || !strings.HasPrefix(text, "RESOLVED v") {
		t.Errorf("removed alert: %s\n%s", text, b)
	}
}
