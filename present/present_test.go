package present

import (
	"strings"
	"testing"

	"github.com/fsmon/fsmon/checks"
)

func f(v float64) *float64 { return &v }
func i(v int) *int         { return &v }

func TestOfNonSkew(t *testing.T) {
	for _, c := range []struct {
		r                    checks.Result
		value, thr, quantity string
	}{
		{checks.Result{Check: checks.KindFreshness, Value: f(12000), Threshold: &checks.Threshold{Warn: f(7200), Crit: f(90000)}},
			"3h 20m", "warn ≥ 2h · crit ≥ 1d 1h", "age of the newest event"},
		{checks.Result{Check: checks.KindNullRate, Value: f(0.0556), Threshold: &checks.Threshold{Warn: f(0.01), Crit: f(0.05)}},
			"5.56%", "warn ≥ 1% · crit ≥ 5%", "null rate"},
		{checks.Result{Check: checks.KindCoverage, Value: f(0.9), Threshold: &checks.Threshold{Warn: f(0.99), Crit: f(0.95)}},
			"90%", "warn ≤ 99% · crit ≤ 95%", "coverage"},
		{checks.Result{Check: checks.KindConsistency, Value: f(1), Threshold: &checks.Threshold{Crit: f(0.99)}},
			"100%", "crit ≤ 99%", "consistency"},
		{checks.Result{Check: checks.KindCoverage}, "", "", "coverage"},
	} {
		p := Of(c.r)
		if p.Value != c.value || p.Threshold != c.thr || p.Quantity != c.quantity || p.Stats != nil {
			t.Errorf("%s: got %+v, want value %q threshold %q quantity %q", c.r.Check, p, c.value, c.thr, c.quantity)
		}
	}
	e := Of(checks.Result{Check: checks.KindCoverage, Status: checks.Error, Error: "redis: connection refused", Message: "coverage could not run: redis: connection refused"})
	if e.Message != "redis: connection refused" {
		t.Errorf("error message: %q", e.Message)
	}
}

// A numeric skew result shows KS D with min_statistic and the p-value
// level, the adjusted p-value with its level, and PSI with PSI's
// thresholds: never KS D next to PSI's thresholds.
func TestOfSkewNumeric(t *testing.T) {
	r := checks.Result{Check: checks.KindSkew, Status: checks.Crit, Value: f(0.31),
		Threshold: &checks.Threshold{Warn: f(0.1), Crit: f(0.25)},
		Tests: []checks.Test{
			{Test: "ks", Statistic: 0.31, PValue: f(1.2e-40), PValueAdjusted: f(3.6e-40), PValueThreshold: f(0.01), Threshold: &checks.Threshold{Crit: f(0.1)}},
			{Test: "psi", Statistic: 0.42, Threshold: &checks.Threshold{Warn: f(0.1), Crit: f(0.25)}},
			{Test: "js", Statistic: 0.21},
			{Test: "wasserstein", Statistic: 0.08, Normalized: f(0.35)},
		}}
	p := Of(r)
	if want := "KS D 0.31, adj. p 3.60e-40, PSI 0.42"; p.Value != want {
		t.Errorf("value %q, want %q", p.Value, want)
	}
	if want := "crit KS D ≥ 0.1 and adj. p < 0.01 or PSI ≥ 0.25 · warn PSI ≥ 0.1"; p.Threshold != want {
		t.Errorf("threshold %q, want %q", p.Threshold, want)
	}
	var got []string
	for _, s := range p.Stats {
		got = append(got, s.String())
	}
	want := []string{
		"KS D 0.31 (crit ≥ 0.1 with adj. p < 0.01)",
		"adj. p 3.60e-40 (raw 1.20e-40; < 0.01)",
		"PSI 0.42 (warn ≥ 0.1 · crit ≥ 0.25)",
		"JS 0.21",
		"W₁ 0.08 (0.35 σ)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("stats:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestOfSkewCategorical(t *testing.T) {
	r := checks.Result{Check: checks.KindSkew, Status: checks.Warn, Value: f(0.12),
		Tests: []checks.Test{
			{Test: "chi2", Statistic: 41.5, PValue: f(0.02), PValueAdjusted: f(0.04), PValueThreshold: f(0.01), DegreesOfFreedom: i(9)},
			{Test: "psi", Statistic: 0.15, Threshold: &checks.Threshold{Warn: f(0.1), Crit: f(0.25)}},
			{Test: "js", Statistic: 0.2},
			{Test: "linf", Statistic: 0.12, Threshold: &checks.Threshold{Crit: f(0.1)}},
		}}
	p := Of(r)
	if want := "L∞ 0.12, adj. p 0.04, PSI 0.15"; p.Value != want {
		t.Errorf("value %q, want %q", p.Value, want)
	}
	if want := "crit L∞ ≥ 0.1 and adj. p < 0.01 or PSI ≥ 0.25 · warn PSI ≥ 0.1"; p.Threshold != want {
		t.Errorf("threshold %q, want %q", p.Threshold, want)
	}
	if got := p.Stats[0].String(); got != "χ² 41.5 (dof 9)" {
		t.Errorf("chi2 stat %q", got)
	}
	if got := p.Stats[len(p.Stats)-1].String(); got != "L∞ 0.12 (crit ≥ 0.1 with adj. p < 0.01)" {
		t.Errorf("linf stat %q", got)
	}
}

// An alert saved by an older fsmon has a skew value and PSI thresholds but
// no tests: the thresholds are labelled PSI, the value effect size.
func TestOfSkewWithoutTests(t *testing.T) {
	p := Of(checks.Result{Check: checks.KindSkew, Value: f(0.31), Threshold: &checks.Threshold{Warn: f(0.1), Crit: f(0.25)}})
	if p.Value != "effect size 0.31" || p.Threshold != "crit PSI ≥ 0.25 · warn PSI ≥ 0.1" {
		t.Errorf("got %+v", p)
	}
}

func TestNumber(t *testing.T) {
	for _, c := range []struct {
		in   float64
		want string
	}{{0.31, "0.31"}, {0.4213, "0.421"}, {1.2e-40, "1.20e-40"}, {41.5, "41.5"}, {0, "0"}, {1234, "1234"}, {2.5e6, "2.50e+06"}} {
		if got := Number(c.in); got != c.want {
			t.Errorf("Number(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

// A rate shows its 95% interval beside the value: "2.1% (1.4–3.0%)".
func TestValueWithInterval(t *testing.T) {
	r := checks.Result{Check: checks.KindNullRate, Value: f(0.021), SampleSize: i(1000),
		Interval: &checks.Interval{Lower: 0.014, Upper: 0.030, Confidence: 0.95, Method: "wilson"}}
	p := Of(r)
	if p.Value != "2.1%" || p.Interval != "1.4–3%" || p.ValueWithInterval() != "2.1% (1.4–3%)" {
		t.Errorf("got value %q interval %q, with interval %q", p.Value, p.Interval, p.ValueWithInterval())
	}
	r.Value, r.Interval = f(0), &checks.Interval{Lower: 0, Upper: 0.5615}
	if got := Of(r).ValueWithInterval(); got != "0% (0–56.15%)" {
		t.Errorf("0 of 3: %q", got)
	}
	r.Interval = nil
	if got := Of(r).ValueWithInterval(); got != "0%" {
		t.Errorf("without interval: %q", got)
	}
}
