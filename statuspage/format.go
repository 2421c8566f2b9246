package statuspage

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fsmon/fsmon/checks"
)

// num formats a statistic with three significant digits: 0.31, 0.421,
// 1.2e-40, 1234.
func num(x float64) string {
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

// count formats an integer with thousands separators: 10,000.
func count(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// valueText is the value column of a result, formatted for its check.
func valueText(r checks.Result) string {
	if r.Value == nil {
		return "—"
	}
	v := *r.Value
	switch r.Check {
	case checks.KindFreshness:
		return checks.HumanDuration(v)
	case checks.KindNullRate, checks.KindCoverage, checks.KindConsistency:
		return checks.Percent(v)
	case checks.KindSkew:
		if isCategorical(r) {
			return "L∞ " + num(v)
		}
		return "D " + num(v)
	}
	return num(v)
}

// isCategorical tells a categorical skew result (chi2/linf or a histogram
// with categories) from a numeric one.
func isCategorical(r checks.Result) bool {
	if r.Histogram != nil && len(r.Histogram.Categories) > 0 {
		return true
	}
	for _, t := range r.Tests {
		if t.Test == "chi2" || t.Test == "linf" {
			return true
		}
	}
	return false
}

// thresholdText shows the thresholds with the direction in which a value is
// bad (CONTRACT section 3).
func thresholdText(r checks.Result) string {
	if r.Threshold == nil || (r.Threshold.Warn == nil && r.Threshold.Crit == nil) {
		return "none"
	}
	op, f, prefix := "≥", num, ""
	switch r.Check {
	case checks.KindFreshness:
		f = checks.HumanDuration
	case checks.KindNullRate:
		f = checks.Percent
	case checks.KindCoverage, checks.KindConsistency:
		op, f = "≤", checks.Percent
	case checks.KindSkew:
		prefix = "PSI "
	}
	var parts []string
	if r.Threshold.Warn != nil {
		parts = append(parts, "warn "+op+" "+f(*r.Threshold.Warn))
	}
	if r.Threshold.Crit != nil {
		parts = append(parts, "crit "+op+" "+f(*r.Threshold.Crit))
	}
	return prefix + strings.Join(parts, " · ")
}

// testNames are the display names of the skew tests.
func testName(t string) string {
	switch t {
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
	return t
}

// testsText lists a skew result's statistics: "KS D 0.31, p 1.2e-40 (adj.
// 3.6e-40)", "PSI 0.42", ...
func testsText(r checks.Result) []string {
	var out []string
	for _, t := range r.Tests {
		s := testName(t.Test) + " " + num(t.Statistic)
		if t.DegreesOfFreedom != nil {
			s += fmt.Sprintf(" (dof %d)", *t.DegreesOfFreedom)
		}
		if t.Normalized != nil {
			s += " (" + num(*t.Normalized) + " σ)"
		}
		if t.PValue != nil {
			s += ", p " + num(*t.PValue)
			if t.PValueAdjusted != nil {
				s += " (adj. " + num(*t.PValueAdjusted) + ")"
			}
		}
		out = append(out, s)
	}
	return out
}

// samplesText says how many values a result rests on.
func samplesText(r checks.Result) string {
	switch {
	case r.OnlineN != nil && r.OfflineN != nil:
		return "n online " + count(*r.OnlineN) + " · offline " + count(*r.OfflineN)
	case r.SampleSize != nil:
		return "sample " + count(*r.SampleSize)
	}
	return ""
}

// detailsText renders a result's Details map, sorted by key. Keys ending
// in _seconds are durations (shown without the suffix) unless the map also
// holds the key without the suffix: then they are the Unix-time twin of a
// timestamp and are left out. Keys ending in _ratio are ratios; RFC 3339
// strings are shown as UTC times.
func detailsText(d map[string]any) []string {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		label := k
		var s string
		switch v := d[k].(type) {
		case float64:
			s = numDetail(k, v)
		case float32:
			s = numDetail(k, float64(v))
		case int:
			s = numDetail(k, float64(v))
		case int64:
			s = numDetail(k, float64(v))
		case time.Time:
			s = v.UTC().Format(timeLayout)
		case time.Duration:
			s = checks.HumanDuration(v.Seconds())
		case string:
			s = v
			if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
				s = t.UTC().Format(timeLayout)
			}
		case bool:
			s = strconv.FormatBool(v)
		default:
			s = fmt.Sprint(v)
		}
		if base, ok := strings.CutSuffix(k, "_seconds"); ok {
			if _, twin := d[base]; twin {
				continue
			}
			label = base
		}
		out = append(out, strings.ReplaceAll(label, "_", " ")+": "+s)
	}
	return out
}

// timeLayout is how the page shows times.
const timeLayout = "2006-01-02 15:04:05 UTC"

// ago formats how long before now t was: "30s ago", "in 5s" for a future
// time, "never" for the zero time.
func ago(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t).Seconds()
	if d < 0 {
		return "in " + checks.HumanDuration(-d)
	}
	return checks.HumanDuration(math.Floor(d)) + " ago"
}

// numDetail formats a numeric detail by its key's suffix.
func numDetail(key string, v float64) string {
	switch {
	case strings.HasSuffix(key, "_seconds"):
		return checks.HumanDuration(v)
	case strings.HasSuffix(key, "_ratio"):
		return checks.Percent(v)
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return count(int(v))
	}
	return num(v)
}
