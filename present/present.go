// Package present is the one presentation of a check result for people:
// the value formatted for what it measures, the thresholds of that very
// number with the direction in which it is bad, every skew statistic next
// to its own thresholds, and the message. The text report, the status page
// and Slack all render results through Of, so they cannot drift apart.
//
// It imports only checks: it is pure formatting, no I/O.
package present

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/fsmon/fsmon/checks"
)

// Stat is one number of a result with its own thresholds.
type Stat struct {
	// Name is what the number is: "null rate", "KS D", "adj. p", "PSI".
	Name string
	// Value is the number formatted for its kind.
	Value string
	// Threshold says when the number is bad, with the direction: "warn ≥
	// 1% · crit ≥ 5%", "< 0.01"; "" when the number is for information.
	Threshold string
	// Note is extra context: degrees of freedom, the normalized value, the
	// raw p-value.
	Note string
}

// String is "Name Value (Note; Threshold)", leaving out what is empty.
func (s Stat) String() string {
	out := s.Name + " " + s.Value
	var extra []string
	if s.Note != "" {
		extra = append(extra, s.Note)
	}
	if s.Threshold != "" {
		extra = append(extra, s.Threshold)
	}
	if len(extra) > 0 {
		out += " (" + strings.Join(extra, "; ") + ")"
	}
	return out
}

// Result is how a result is shown.
type Result struct {
	// Quantity names what Value measures: "age of the newest event",
	// "null rate", "coverage", "consistency", "skew".
	Quantity string
	// Value is the headline number formatted for its check ("3h 20m",
	// "5.6%"); for skew the statistics the verdict rests on ("KS D 0.31,
	// adj. p 3.6e-40, PSI 0.42"). "" when the result has no value.
	Value string
	// Interval is the 95% interval of a rate, in Value's unit without
	// repeating it twice: "1.4–3.0%". "" when the result has none.
	Interval string
	// Threshold is when Value is bad ("warn ≥ 1% · crit ≥ 5%"; for skew the
	// rule over its statistics). "" when there is none.
	Threshold string
	// Stats are every statistic of a skew result, each with its own
	// thresholds; nil for other checks.
	Stats []Stat
	// Message is the result's message, or the reason it could not run.
	Message string
}

// Of presents r.
func Of(r checks.Result) Result {
	p := Result{Quantity: quantity(r.Check), Message: r.Message}
	if r.Status == checks.Error && r.Error != "" {
		p.Message = r.Error
	}
	if r.Check == checks.KindSkew || r.Check == checks.KindDrift {
		skew(r, &p)
		return p
	}
	f, op := formatOf(r.Check)
	if r.Value != nil {
		p.Value = f(*r.Value)
	}
	if r.Interval != nil {
		p.Interval = IntervalText(*r.Interval)
	}
	p.Threshold = warnCrit(r.Threshold, op, f)
	return p
}

// ValueWithInterval is Value followed by the interval in parentheses:
// "2.1% (1.4–3.0%)"; Value alone when there is no interval.
func (p Result) ValueWithInterval() string {
	if p.Interval == "" || p.Value == "" {
		return p.Value
	}
	return p.Value + " (" + p.Interval + ")"
}

// IntervalText formats a rate's interval as "1.4–3.0%" (percentages with
// the precision of checks.Percent).
func IntervalText(iv checks.Interval) string {
	return strings.TrimSuffix(checks.Percent(iv.Lower), "%") + "–" + checks.Percent(iv.Upper)
}

func quantity(check string) string {
	switch check {
	case checks.KindFreshness:
		return "age of the newest event"
	case checks.KindNullRate:
		return "null rate"
	}
	return strings.ReplaceAll(check, "_", " ")
}

// formatOf returns how a check's values are formatted and the direction in
// which they are bad (docs/contract.md section 3).
func formatOf(check string) (func(float64) string, string) {
	switch check {
	case checks.KindFreshness:
		return checks.HumanDuration, "≥"
	case checks.KindNullRate:
		return checks.Percent, "≥"
	case checks.KindCoverage, checks.KindConsistency:
		return checks.Percent, "≤"
	}
	return Number, "≥"
}

// warnCrit is "warn OP W · crit OP C", or "" without thresholds.
func warnCrit(t *checks.Threshold, op string, f func(float64) string) string {
	if t == nil {
		return ""
	}
	var parts []string
	if t.Warn != nil {
		parts = append(parts, "warn "+op+" "+f(*t.Warn))
	}
	if t.Crit != nil {
		parts = append(parts, "crit "+op+" "+f(*t.Crit))
	}
	return strings.Join(parts, " · ")
}

// testName is the display name of a skew test's statistic.
func testName(test string) string {
	switch test {
	case "ks":
		return "KS D"
	case "chi2":
		return "χ²"
	case "psi":
		return "PSI"
	case "js":
		return "JS"
	case "wasserstein":
		return "W₁"
	case "linf":
		return "L∞"
	}
	return test
}

// skew presents a skew result: each statistic with its own thresholds, and
// the decision rule (docs/contract.md section 3) as the headline threshold.
func skew(r checks.Result, p *Result) {
	var pTest *checks.Test // the test whose p-value decides: ks or chi2
	for i := range r.Tests {
		if r.Tests[i].PValue != nil {
			pTest = &r.Tests[i]
			break
		}
	}
	var alpha *float64
	if pTest != nil {
		alpha = pTest.PValueThreshold
	}
	effectRule := func(t checks.Test) string {
		if t.Threshold == nil || t.Threshold.Crit == nil {
			return ""
		}
		s := "crit ≥ " + Number(*t.Threshold.Crit)
		if alpha != nil {
			s += " with adj. p < " + Number(*alpha)
		}
		return s
	}
	var headline []string
	var effect, psi *checks.Test
	for i, t := range r.Tests {
		s := Stat{Name: testName(t.Test), Value: Number(t.Statistic)}
		switch t.Test {
		case "ks", "linf":
			s.Threshold = effectRule(t)
			effect = &r.Tests[i]
		case "psi":
			s.Threshold = warnCrit(t.Threshold, "≥", Number)
			psi = &r.Tests[i]
		}
		if t.DegreesOfFreedom != nil {
			s.Note = fmt.Sprintf("dof %d", *t.DegreesOfFreedom)
		}
		if t.Normalized != nil {
			s.Note = Number(*t.Normalized) + " σ"
		}
		p.Stats = append(p.Stats, s)
		if t.PValue != nil {
			ps := Stat{Name: "p", Value: Number(*t.PValue)}
			if t.PValueAdjusted != nil {
				ps = Stat{Name: "adj. p", Value: Number(*t.PValueAdjusted), Note: "raw " + Number(*t.PValue)}
				if t.PValueThreshold != nil {
					ps.Threshold = "< " + Number(*t.PValueThreshold)
				}
			}
			p.Stats = append(p.Stats, ps)
		}
	}
	// The headline: the statistics the verdict rests on.
	if effect == nil && r.Value != nil {
		// A result without tests (e.g. an alert recorded by an older
		// fsmon): its value is the effect size.
		headline = append(headline, "effect size "+Number(*r.Value))
	}
	for _, names := range [][]string{{"KS D", "L∞"}, {"adj. p", "p"}, {"PSI"}} {
		for _, s := range p.Stats {
			if slices.Contains(names, s.Name) {
				headline = append(headline, s.Name+" "+s.Value)
			}
		}
	}
	p.Value = strings.Join(headline, ", ")

	var crit []string
	if effect != nil {
		if rule := effect.Threshold; rule != nil && rule.Crit != nil && alpha != nil {
			crit = append(crit, testName(effect.Test)+" ≥ "+Number(*rule.Crit)+" and adj. p < "+Number(*alpha))
		}
	}
	psiT := r.Threshold // older results carry only psi's thresholds here
	if psi != nil && psi.Threshold != nil {
		psiT = psi.Threshold
	}
	var warn string
	if psiT != nil {
		if psiT.Crit != nil {
			crit = append(crit, "PSI ≥ "+Number(*psiT.Crit))
		}
		if psiT.Warn != nil {
			warn = "warn PSI ≥ " + Number(*psiT.Warn)
		}
	}
	var rule []string
	if len(crit) > 0 {
		rule = append(rule, "crit "+strings.Join(crit, " or "))
	}
	if warn != "" {
		rule = append(rule, warn)
	}
	p.Threshold = strings.Join(rule, " · ")
}

// Number formats a statistic with three significant digits: 0.31, 0.421,
// 1.2e-40, 1234.
func Number(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "n/a"
	}
	if x != 0 && (math.Abs(x) < 1e-3 || math.Abs(x) >= 1e6) {
		return strconv.FormatFloat(x, 'e', 2, 64)
	}
	if math.Abs(x) >= 1000 {
		return strconv.FormatFloat(x, 'f', 0, 64)
	}
	return strconv.FormatFloat(x, 'g', 3, 64)
}
