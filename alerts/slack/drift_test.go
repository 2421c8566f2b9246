package slack

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/fsmon/fsmon/alerts"
	"github.com/fsmon/fsmon/checks"
)

// TestDriftGroupedWithSkew: a feature with a pinned reference that is both
// skewed (against the reference) and drifted (against the rolling window),
// and another that drifted only, make one Slack message for the view, with
// one entry per check and feature, each with its own statistics.
func TestDriftGroupedWithSkew(t *testing.T) {
	st, err := alerts.Open("", alerts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res := func(check, feature string, s checks.Status, d, p, psi float64) checks.Result {
		return checks.Result{Check: check, Project: "feast_demo", FeatureView: "driver_hourly_stats", Feature: feature, Status: s, Value: f64(d),
			Tests: []checks.Test{
				{Test: "ks", Statistic: d, PValue: f64(p), PValueAdjusted: f64(p), PValueThreshold: f64(0.01), Threshold: &checks.Threshold{Crit: f64(0.1)}},
				{Test: "psi", Statistic: psi, Threshold: th(0.2, 0.4)},
			}}
	}
	notes := st.Update([]checks.Result{
		res(checks.KindSkew, "conv_rate", checks.Crit, 0.16, 2e-11, 0.3),
		res(checks.KindDrift, "conv_rate", checks.Crit, 0.31, 1e-9, 0.9),
		res(checks.KindDrift, "acc_rate", checks.Warn, 0.05, 0.2, 0.25),
		res(checks.KindSkew, "acc_rate", checks.OK, 0.02, 0.6, 0.01),
	}, at)
	if len(notes) != 1 {
		t.Fatalf("%d notifications, want one for the view", len(notes))
	}
	if n := notes[0]; len(n.Firing) != 3 || n.Severity != checks.Crit {
		t.Fatalf("firing %d (want 3: skew and drift of conv_rate, drift of acc_rate), severity %v", len(n.Firing), n.Severity)
	}
	text, blocks := Render(notes[0], Links{})
	b, _ := json.Marshal(blocks)
	s := string(b)
	for _, want := range []string{
		"*skew* of `conv_rate` — *crit*", "*drift* of `conv_rate` — *crit*", "*drift* of `acc_rate` — *warn*",
		"KS D 0.31, adj. p 1.00e-09, PSI 0.9", "KS D 0.16, adj. p 2.00e-11, PSI 0.3",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("message lacks %q:\n%s", want, s)
		}
	}
	if !strings.Contains(text, "3 new") {
		t.Errorf("text %q", text)
	}
}
