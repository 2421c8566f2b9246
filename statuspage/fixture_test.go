package statuspage

import (
	"strings"
	"time"

	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/sample"
)

func ptr[T any](v T) *T { return &v }

var (
	fixtureNow     = time.Date(2026, 11, 22, 10, 5, 0, 0, time.UTC)
	fixtureUpdated = time.Date(2026, 11, 22, 10, 4, 30, 0, time.UTC)
)

// hist is a history of one point per 10 minutes ending at fixtureUpdated:
// statuses given by letters (o ok, w warn, c crit, e error: no value) and
// values rising from first to last.
func hist(statuses string, first, last float64) []checks.HistoryPoint {
	n := len(statuses)
	out := make([]checks.HistoryPoint, n)
	for i, c := range statuses {
		p := checks.HistoryPoint{At: fixtureUpdated.Add(-time.Duration(n-1-i) * 10 * time.Minute)}
		v := first + (last-first)*float64(i)/float64(max(n-1, 1))
		p.Value = &v
		switch c {
		case 'o':
			p.Status = checks.OK
		case 'w':
			p.Status = checks.Warn
		case 'c':
			p.Status = checks.Crit
		case 'e':
			p.Status, p.Value = checks.Error, nil
		}
		out[i] = p
	}
	return out
}

func th(warn, crit float64) *checks.Threshold {
	return &checks.Threshold{Warn: ptr(warn), Crit: ptr(crit)}
}

// fixture is a snapshot with every kind of result: a skewed numeric and a
// categorical feature with histograms, a stale view, a failing view, a view
// that has not run yet, and hostile text in names and categories.
func fixture() Snapshot {
	const proj = "feast_demo"
	dhs := "driver_hourly_stats"
	return Snapshot{
		UpdatedAt: fixtureUpdated,
		Version:   "0.1.0",
		Views: []ViewInfo{
			{Project: proj, Name: dhs, LastRun: fixtureUpdated.Add(-2 * time.Second), Interval: 5 * time.Minute},
			{Project: proj, Name: "customer_profile", LastRun: fixtureNow.Add(-3 * time.Minute), Interval: 5 * time.Minute, Running: true},
			{Project: proj, Name: "orders", LastRun: fixtureNow.Add(-90 * time.Second), Interval: time.Minute,
				Error: `scan "fs:order:*" on 127.0.0.1:6379: dial tcp 127.0.0.1:6379: connect: connection refused`},
			{Project: proj, Name: "zz_new_view", Interval: time.Hour},
		},
		Results: []checks.Result{
			{Check: checks.KindFreshness, Project: proj, FeatureView: dhs, Status: checks.OK, Value: ptr(754.0),
				Threshold: th(7200, 90000), Message: "newest online event 12m 34s ago",
				Details: map[string]any{
					"online_newest": "2026-11-22T09:52:26Z", "online_newest_seconds": 1795341146.0,
					"offline_newest": "2026-11-22T09:55:00Z", "offline_newest_seconds": 1795341300.0,
					"online_lag_seconds": 154.0,
				}},
			{Check: checks.KindNullRate, Project: proj, FeatureView: dhs, Feature: "conv_rate", Store: checks.StoreOnline,
				Status: checks.OK, Value: ptr(0.002), Threshold: th(0.01, 0.05), SampleSize: ptr(10000),
				Message: "0.2% of 10000 sampled entities have no conv_rate online"},
			{Check: checks.KindNullRate, Project: proj, FeatureView: dhs, Feature: "conv_rate", Store: checks.StoreOffline,
				Status: checks.OK, Value: ptr(0.0), Threshold: th(0.01, 0.05), SampleSize: ptr(10000)},
			{Check: checks.KindCoverage, Project: proj, FeatureView: dhs, Status: checks.Warn, Value: ptr(0.9875),
				Threshold: th(0.99, 0.95), SampleSize: ptr(8000),
				// statsmodels proportion_confint(7900, 8000, method="wilson")
				Interval: &checks.Interval{Lower: 0.984821, Upper: 0.989711, Confidence: 0.95, Method: "wilson"}},
			{Check: checks.KindConsistency, Project: proj, FeatureView: dhs, Feature: "conv_rate", Status: checks.OK,
				Value: ptr(0.99995), Threshold: th(0.999, 0.99), SampleSize: ptr(10000)},
			{Check: checks.KindSkew, Project: proj, FeatureView: dhs, Feature: "conv_rate", Status: checks.Crit,
				Value: ptr(0.31), Threshold: th(0.1, 0.25), OnlineN: ptr(10000), OfflineN: ptr(10000),
				Tests: []checks.Test{
					{Test: "ks", Statistic: 0.31, PValue: ptr(1.2e-40), PValueAdjusted: ptr(3.6e-40), PValueThreshold: ptr(0.01), Threshold: &checks.Threshold{Crit: ptr(0.1)}},
					{Test: "psi", Statistic: 0.42, Threshold: th(0.1, 0.25)},
					{Test: "js", Statistic: 0.21},
					{Test: "wasserstein", Statistic: 0.08, Normalized: ptr(0.35)},
				},
				Message:  "conv_rate online differs from the last 7d offline (KS D=0.31, PSI=0.42)",
				Warnings: []string{"ks: p-value is conservative: tied values"},
				// crit since two days before fixtureNow: the date is shown.
				Since:   ptr(time.Date(2026, 11, 20, 23, 45, 0, 0, time.UTC)),
				History: hist("cccccccccccccccccccccccc", 0.28, 0.31),
				Histogram: &checks.Histogram{
					Edges:   []float64{0.1, 0.2, 0.28, 0.35, 0.41, 0.48, 0.55, 0.63, 0.74},
					Offline: []float64{0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1},
					Online:  []float64{0.02, 0.03, 0.04, 0.06, 0.08, 0.1, 0.13, 0.16, 0.18, 0.2},
				}},
			{Check: checks.KindSkew, Project: proj, FeatureView: dhs, Feature: "city", Status: checks.Warn,
				Value: ptr(0.12), Threshold: th(0.1, 0.25), OnlineN: ptr(9990), OfflineN: ptr(10000),
				Tests: []checks.Test{
					{Test: "chi2", Statistic: 41.5, PValue: ptr(2.1e-6), PValueAdjusted: ptr(4.2e-6), DegreesOfFreedom: ptr(9), PValueThreshold: ptr(0.01)},
					{Test: "psi", Statistic: 0.14, Threshold: th(0.1, 0.25)},
					{Test: "js", Statistic: 0.09},
					{Test: "linf", Statistic: 0.12, Threshold: &checks.Threshold{Crit: ptr(0.1)}},
				},
				Warnings: []string{"2 categories seen online only"},
				Histogram: &checks.Histogram{
					Categories: []string{"Amsterdam", "Berlin", "<script>alert(1)</script>", "Lisboa", "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch",
						"Madrid", "Paris", "Roma", "Wien", "Zürich"},
					Offline: []float64{0.30, 0.20, 0.01, 0.10, 0.06, 0.10, 0.12, 0.04, 0.04, 0.03},
					Online:  []float64{0.11, 0.22, 0.09, 0.10, 0.06, 0.12, 0.15, 0.05, 0.05, 0.05},
				}},
			{Check: checks.KindSkew, Project: proj, FeatureView: dhs, Feature: "is_active", Status: checks.OK,
				Value: ptr(0.01), Threshold: th(0.1, 0.25), OnlineN: ptr(10000), OfflineN: ptr(10000),
				Tests: []checks.Test{{Test: "chi2", Statistic: 1.2, PValue: ptr(0.27), PValueAdjusted: ptr(0.27), DegreesOfFreedom: ptr(1), PValueThreshold: ptr(0.01)},
					{Test: "psi", Statistic: 0.001, Threshold: th(0.1, 0.25)}, {Test: "linf", Statistic: 0.01, Threshold: &checks.Threshold{Crit: ptr(0.1)}}},
				Histogram: &checks.Histogram{Categories: []string{"false", "true"}, Offline: []float64{0.4, 0.6}, Online: []float64{0.39, 0.61}}},
			{Check: checks.KindFreshness, Project: proj, FeatureView: "customer_profile", Status: checks.Crit, Value: ptr(26*3600 + 300.0),
				Threshold: th(7200, 90000), Message: "newest online event 1d 2h ago",
				// crit since 06:55, 3h 10m before fixtureNow; Feast's registry
				// says it materialized 5 minutes ago.
				At: fixtureUpdated, Since: ptr(fixtureNow.Add(-(3*time.Hour + 10*time.Minute))),
				History: hist("oooooowwwwcccccccccccccccccccc", 70000, 94000),
				Details: map[string]any{"feast_last_materialization": "2026-11-22T10:00:00Z", "feast_last_materialization_seconds": float64(fixtureNow.Add(-5 * time.Minute).Unix())},
				Reads: []checks.StoreRead{{Store: checks.StoreOffline, Reads: sample.Reads{Files: 3, FilesSkipped: 1, RowGroups: 4, RowGroupsPruned: 20},
					Problems: []sample.Problem{{Kind: sample.BadFile, Count: 1, Message: "file day=3/<bad>.parquet: not a Parquet file"}}}}},
			{Check: checks.KindNullRate, Project: proj, FeatureView: "customer_profile", Feature: "<b>age</b>", Store: checks.StoreOnline,
				Status: checks.Warn, Value: ptr(0.023), Threshold: th(0.01, 0.05), SampleSize: ptr(5000),
				Reads: []checks.StoreRead{{Store: checks.StoreOnline, Reads: sample.Reads{Keys: 5003, KeysSkipped: 3},
					Problems: []sample.Problem{
						{Kind: sample.KeyLayout, Count: 3, Message: "3 keys matched the SCAN pattern but not the view's key layout"},
						{Kind: sample.ScanBudget, Count: 1, Message: "key budget of 5000 reached after 5003 matching keys: the sample holds 5000 of the 10000 entities asked for"},
					}}}},
			{Check: checks.KindFreshness, Project: proj, FeatureView: "orders", Status: checks.Error,
				Error: `scan "fs:order:*" on 127.0.0.1:6379: dial tcp: connection refused <img src=x>`},
		},
	}
}

// threeAM is the page at 3 a.m.: 8 feature views with 62 results, 55 ok
// and 7 broken (3 crit, 2 error, 2 warn) in three views that sort in the
// middle and at the end, every result with 24 runs of history.
func threeAM() Snapshot {
	const proj = "shop"
	type spec struct {
		check, feature, store string
	}
	full := []spec{
		{checks.KindFreshness, "", ""}, {checks.KindNullRate, "amount", checks.StoreOnline}, {checks.KindNullRate, "amount", checks.StoreOffline},
		{checks.KindCoverage, "", ""}, {checks.KindConsistency, "amount", ""}, {checks.KindSkew, "amount", ""},
		{checks.KindNullRate, "country", checks.StoreOnline}, {checks.KindSkew, "country", ""},
	}
	// view → check/feature → status; everything else is ok.
	bad := map[string]checks.Status{
		"view_c freshness":               checks.Crit,
		"view_c coverage":                checks.Crit,
		"view_f skew amount":             checks.Crit,
		"view_f consistency amount":      checks.Error,
		"view_h freshness":               checks.Error,
		"view_c null_rate amount online": checks.Warn,
		"view_f skew country":            checks.Warn,
	}
	snap := Snapshot{UpdatedAt: fixtureUpdated, Version: "0.1.0"}
	for i, view := range []string{"view_a", "view_b", "view_c", "view_d", "view_e", "view_f", "view_g", "view_h"} {
		snap.Views = append(snap.Views, ViewInfo{Project: proj, Name: view, LastRun: fixtureUpdated, Interval: 10 * time.Minute})
		specs := full
		if i == 1 || i == 6 { // two views without the offline null rate: 6×8 + 2×7 = 62
			specs = append(append([]spec(nil), full[:2]...), full[3:]...)
		}
		for _, s := range specs {
			st, ok := bad[strings.TrimSpace(view+" "+s.check+" "+s.feature+" "+s.store)]
			if !ok {
				st = checks.OK
			}
			r := checks.Result{Check: s.check, Project: proj, FeatureView: view, Feature: s.feature, Store: s.store, Status: st, At: fixtureUpdated}
			letters := strings.Repeat("o", 24)
			since := fixtureUpdated.Add(-230 * time.Minute)
			if st != checks.OK {
				letters = strings.Repeat("o", 5) + strings.Repeat(st.String()[:1], 19)
				since = fixtureNow.Add(-(3*time.Hour + 10*time.Minute))
			}
			switch s.check {
			case checks.KindFreshness:
				r.Value, r.Threshold = ptr(600.0), th(7200, 90000)
				if st != checks.OK {
					r.Value = ptr(100000.0)
				}
				r.History = hist(letters, 500, *r.Value)
			case checks.KindNullRate:
				r.Value, r.Threshold, r.SampleSize = ptr(0.001), th(0.01, 0.05), ptr(10000)
				if st != checks.OK {
					r.Value = ptr(0.023)
				}
				r.History = hist(letters, 0.001, *r.Value)
			case checks.KindCoverage:
				r.Value, r.Threshold, r.SampleSize = ptr(0.999), th(0.99, 0.95), ptr(8000)
				if st != checks.OK {
					r.Value = ptr(0.81)
				}
				r.History = hist(letters, 0.999, *r.Value)
			case checks.KindConsistency:
				r.Value, r.Threshold, r.SampleSize = ptr(0.9999), th(0.999, 0.99), ptr(10000)
				r.History = hist(letters, 0.9999, 0.9999)
			case checks.KindSkew:
				d := 0.02
				if st == checks.Crit {
					d = 0.31
				} else if st == checks.Warn {
					d = 0.12
				}
				r.Value, r.Threshold, r.OnlineN, r.OfflineN = ptr(d), th(0.1, 0.25), ptr(10000), ptr(10000)
				r.Tests = []checks.Test{
					{Test: "ks", Statistic: d, PValue: ptr(0.5), PValueAdjusted: ptr(0.5), PValueThreshold: ptr(0.01), Threshold: &checks.Threshold{Crit: ptr(0.1)}},
					{Test: "psi", Statistic: d, Threshold: th(0.1, 0.25)},
				}
				r.Warnings = []string{"ks: p-value is conservative: tied values"}
				r.History = hist(letters, 0.02, d)
			}
			if st == checks.Error {
				r.Value, r.Threshold, r.Tests, r.Warnings = nil, nil, nil, nil
				r.Error = "read " + view + ": connection refused"
			}
			r.Since = ptr(since)
			snap.Results = append(snap.Results, r)
		}
	}
	return snap
}
