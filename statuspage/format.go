package statuspage

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/present"
)

// num formats a statistic with three significant digits (present.Number).
func num(x float64) string { return present.Number(x) }

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

// orDash shows an absent value as a dash.
func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// orNone shows the absence of thresholds.
func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// statsText lists a skew result's statistics, each with its own
// thresholds: "KS D 0.31 (crit ≥ 0.1 with adj. p < 0.01)", "adj. p
// 3.60e-40 (raw 1.20e-40; < 0.01)", "PSI 0.42 (warn ≥ 0.1 · crit ≥ 0.25)".
func statsText(p present.Result) []string {
	var out []string
	for _, s := range p.Stats {
		out = append(out, s.String())
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
