package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/fsmon/fsmon/checks"
)

func v(x float64) *float64 { return &x }

func TestExitCodeAndOverall(t *testing.T) {
	r := func(s checks.Status) checks.Result { return checks.Result{Status: s} }
	for _, tc := range []struct {
		name    string
		rs      []checks.Result
		failOn  checks.Status
		code    int
		overall checks.Status
	}{
		{"all ok", []checks.Result{r(checks.OK), r(checks.OK)}, checks.Crit, 0, checks.OK},
		{"warn below crit gate", []checks.Result{r(checks.OK), r(checks.Warn)}, checks.Crit, 0, checks.Warn},
		{"warn at warn gate", []checks.Result{r(checks.Warn)}, checks.Warn, 1, checks.Warn},
		{"crit", []checks.Result{r(checks.Crit)}, checks.Crit, 1, checks.Crit},
		{"error alone", []checks.Result{r(checks.OK), r(checks.Error)}, checks.Crit, 3, checks.Error},
		{"gate failure wins over error", []checks.Result{r(checks.Error), r(checks.Crit)}, checks.Crit, 1, checks.Crit},
		{"error outranks warn in status", []checks.Result{r(checks.Warn), r(checks.Error)}, checks.Crit, 3, checks.Error},
		{"no results", nil, checks.Crit, 0, checks.OK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ExitCode(tc.rs, tc.failOn); got != tc.code {
				t.Errorf("exit code %d, want %d", got, tc.code)
			}
			if got := Overall(tc.rs); got != tc.overall {
				t.Errorf("overall %v, want %v", got, tc.overall)
			}
		})
	}
}

func TestJSONShape(t *testing.T) {
	start := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	rs := []checks.Result{
		{Check: "skew", Project: "p", FeatureView: "v", Feature: "conv_rate", Status: checks.Crit, Value: v(0.31),
			OnlineN: new(int), Tests: []checks.Test{{Test: "ks", Statistic: 0.31, PValue: v(1.2e-40), PValueAdjusted: v(3.6e-40)}}},
		{Check: "freshness", Project: "p", FeatureView: "v", Status: checks.Error, Error: "online store: connection refused"},
		{Check: "null_rate", Project: "p", FeatureView: "v", Feature: "conv_rate", Store: "online", Status: checks.OK, Value: v(0.002),
			Threshold: &checks.Threshold{Warn: v(0.01), Crit: v(0.05)}, Interval: &checks.Interval{Lower: 0.001, Upper: 0.004, Confidence: 0.95, Method: "wilson"}},
	}
	var buf bytes.Buffer
	if err := New("0.1.0", start, start.Add(2*time.Second), rs).WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got["status"] != "crit" || got["version"] != "0.1.0" || got["started_at"] != "2026-11-22T10:00:00Z" || got["finished_at"] != "2026-11-22T10:00:02Z" {
		t.Fatalf("header: %v", got)
	}
	results := got["results"].([]any)
	// Sorted by view, then check in contract order: freshness, null_rate, skew.
	first := results[0].(map[string]any)
	if first["check"] != "freshness" || first["status"] != "error" {
		t.Fatalf("order: %v", results)
	}
	// View-level results omit feature fields rather than writing null, and
	// an uncomputable value is omitted.
	for _, k := range []string{"feature", "store", "value", "threshold", "tests"} {
		if _, ok := first[k]; ok {
			t.Errorf("freshness result has %q: %v", k, first)
		}
	}
	skew := results[2].(map[string]any)
	test := skew["tests"].([]any)[0].(map[string]any)
	if test["p_value_adjusted"] != 3.6e-40 || skew["online_n"] != 0.0 {
		t.Errorf("skew: %v", skew)
	}
	nr := results[1].(map[string]any)
	if th := nr["threshold"].(map[string]any); th["warn"] != 0.01 || th["crit"] != 0.05 {
		t.Errorf("threshold: %v", nr)
	}
	if iv, _ := nr["interval"].(map[string]any); iv["lower"] != 0.001 || iv["upper"] != 0.004 || iv["confidence"] != 0.95 || iv["method"] != "wilson" {
		t.Errorf("interval: %v", nr)
	}
	if _, ok := first["interval"]; ok {
		t.Errorf("a result without a rate has an interval: %v", first)
	}
}

func TestTextReport(t *testing.T) {
	start := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	rs := []checks.Result{
		{Check: "freshness", Project: "p", FeatureView: "v", Status: checks.OK, Value: v(4500), Threshold: &checks.Threshold{Crit: v(86400)}},
		{Check: "coverage", Project: "p", FeatureView: "v", Status: checks.Crit, Value: v(0.9), Threshold: &checks.Threshold{Warn: v(0.99), Crit: v(0.95)}, Message: "90.0% of 200 entities",
			Interval: &checks.Interval{Lower: 0.8506, Upper: 0.9346, Confidence: 0.95, Method: "wilson"}},
	}
	var buf bytes.Buffer
	if err := New("0.1.0", start, start.Add(1500*time.Millisecond), rs).WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if !strings.HasPrefix(lines[1], "CRIT") || !strings.Contains(lines[1], "90% (85.06–93.46%)") || !strings.Contains(lines[1], "warn ≤ 99% · crit ≤ 95%") {
		t.Errorf("worst first, formatted: %q", lines[1])
	}
	if !strings.Contains(lines[2], "1h 15m") || !strings.Contains(lines[2], "crit ≥ 1d") {
		t.Errorf("durations humanised: %q", lines[2])
	}
	if !strings.HasSuffix(out, "CRIT: 2 results (1 crit, 0 error, 0 warn, 1 ok) in 1.5s\n") {
		t.Errorf("summary: %q", out)
	}
}

// A skew line shows each statistic the verdict rests on and the rule over
// them: KS D is never shown against PSI's thresholds.
func TestTextReportSkew(t *testing.T) {
	start := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	rs := []checks.Result{{Check: "skew", Project: "p", FeatureView: "v", Feature: "conv_rate", Status: checks.Crit, Value: v(0.31),
		Threshold: &checks.Threshold{Warn: v(0.1), Crit: v(0.25)},
		Tests: []checks.Test{
			{Test: "ks", Statistic: 0.31, PValue: v(1.2e-40), PValueAdjusted: v(3.6e-40), PValueThreshold: v(0.01), Threshold: &checks.Threshold{Crit: v(0.1)}},
			{Test: "psi", Statistic: 0.05, Threshold: &checks.Threshold{Warn: v(0.1), Crit: v(0.25)}},
		}}}
	var buf bytes.Buffer
	if err := New("0.1.0", start, start, rs).WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	line := strings.Split(buf.String(), "\n")[1]
	for _, want := range []string{"KS D 0.31, adj. p 3.60e-40, PSI 0.05", "crit KS D ≥ 0.1 and adj. p < 0.01 or PSI ≥ 0.25 · warn PSI ≥ 0.1"} {
		if !strings.Contains(line, want) {
			t.Errorf("skew line lacks %q: %q", want, line)
		}
	}
	if strings.Contains(line, "psi warn") {
		t.Errorf("skew line shows PSI thresholds unlabelled: %q", line)
	}
}
