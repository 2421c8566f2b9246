package checks

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/fsmon/fsmon/config"
	"github.com/fsmon/fsmon/sample"
)

var now = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func f(v float64) *float64 { return &v }

func testView() config.View {
	return config.View{
		Name: "driver_hourly_stats", Project: "demo", Entities: []string{"driver_id"}, TTL: 24 * time.Hour,
		Offline:  &config.ViewOffline{Window: 7 * 24 * time.Hour},
		Features: []config.Feature{{Name: "conv_rate", Type: "float64"}, {Name: "city", Type: "string"}},
		Checks: config.Checks{
			Freshness:   config.Thresholds{Warn: f(7200), Crit: f(86400)},
			NullRate:    config.Thresholds{Warn: f(0.01), Crit: f(0.05)},
			Coverage:    config.Thresholds{Warn: f(0.99), Crit: f(0.95)},
			Consistency: config.Thresholds{Warn: f(0.999), Crit: f(0.99)},
			Skew:        config.Skew{PValue: 0.01, MinStatistic: 0.1, PSI: config.Thresholds{Warn: f(0.1), Crit: f(0.25)}},
		},
	}
}

// rows builds a sample; ts of -1 means "no event timestamp".
type row struct {
	entity string
	ts     time.Duration // age before now; <0 = none
	num    float64
	str    string
	null   sample.Null
}

func build(rows []row) *sample.Sample {
	s := &sample.Sample{Columns: map[string]*sample.Column{"conv_rate": {}, "city": {}}}
	for _, r := range rows {
		s.Entities = append(s.Entities, sample.Entity(r.entity))
		s.HasTime = append(s.HasTime, r.ts >= 0)
		s.Times = append(s.Times, now.Add(-r.ts).UnixNano())
		for _, c := range s.Columns {
			c.Num = append(c.Num, r.num)
			c.Str = append(c.Str, r.str)
			c.Nulls = append(c.Nulls, r.null)
		}
	}
	return s
}

func only(t *testing.T, rs []Result, feature, store string) Result {
	t.Helper()
	for _, r := range rs {
		if r.Feature == feature && r.Store == store {
			return r
		}
	}
	t.Fatalf("no result for feature %q store %q in %+v", feature, store, rs)
	return Result{}
}

func TestFreshness(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ages   []time.Duration
		want   float64
		status Status
	}{
		{"fresh", []time.Duration{3 * time.Hour, time.Hour, 5 * time.Hour}, 3600, OK},
		{"warn at the threshold", []time.Duration{2 * time.Hour, 4 * time.Hour}, 7200, Warn},
		{"crit", []time.Duration{25 * time.Hour, 30 * time.Hour}, 90000, Crit},
		// An entity without the view's timestamp is not in the population.
		{"entities without ts ignored", []time.Duration{-1, 30 * time.Hour}, 108000, Crit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rows []row
			for i, a := range tc.ages {
				rows = append(rows, row{entity: string(rune('a' + i)), ts: a})
			}
			in := &Input{View: testView(), Now: now, Online: build(rows),
				Footer: &sample.Footer{HasNewest: true, Newest: now.Add(-10 * time.Minute).UnixNano()}}
			r := Freshness(in)[0]
			if r.Value == nil || *r.Value != tc.want || r.Status != tc.status {
				t.Fatalf("got value %v status %v, want %v %v", r.Value, r.Status, tc.want, tc.status)
			}
			if lag := r.Details["online_lag_seconds"].(float64); lag != tc.want-600 {
				t.Errorf("online lag %v, want %v", lag, tc.want-600)
			}
		})
	}
}

func TestFreshnessErrors(t *testing.T) {
	in := &Input{View: testView(), Now: now, OnlineErr: errors.New("dial tcp 127.0.0.1:1: connection refused")}
	r := Freshness(in)[0]
	if r.Status != Error || !strings.Contains(r.Error, "connection refused") || r.Value != nil {
		t.Fatalf("unreachable store: got %+v", r)
	}
	in = &Input{View: testView(), Now: now, Online: build([]row{{entity: "a", ts: -1}})}
	if r := Freshness(in)[0]; r.Status != Error || r.Value != nil {
		t.Fatalf("no population: got %+v", r)
	}
}

func TestNullRate(t *testing.T) {
	// 20 entities in the population: 1 absent, 1 empty, 1 invalid; plus 5
	// entities outside the population that must not count.
	var rows []row
	for i := 0; i < 20; i++ {
		r := row{entity: string(rune('a' + i)), ts: time.Hour, num: 0.5, str: "x"}
		switch i {
		case 0:
			r.null = sample.Absent
		case 1:
			r.null = sample.Empty
		case 2:
			r.null = sample.Invalid
		}
		rows = append(rows, r)
	}
	for i := 0; i < 5; i++ {
		rows = append(rows, row{entity: string(rune('A' + i)), ts: -1, null: sample.Absent})
	}
	off := build([]row{{entity: "a", ts: time.Hour, null: sample.Empty}, {entity: "b", ts: time.Hour}, {entity: "c", ts: time.Hour}, {entity: "d", ts: time.Hour}})
	in := &Input{View: testView(), Now: now, Online: build(rows), Offline: off}
	rs := NullRate(in)
	if len(rs) != 4 {
		t.Fatalf("want 4 results (2 features × 2 stores), got %d", len(rs))
	}
	on := only(t, rs, "conv_rate", StoreOnline)
	if *on.Value != 0.1 || *on.SampleSize != 20 || on.Status != Crit {
		t.Errorf("online: value %v n %v status %v, want 0.1 20 crit", *on.Value, *on.SampleSize, on.Status)
	}
	if on.Details["absent"] != 1 || on.Details["empty"] != 1 || on.Details["invalid"] != 1 {
		t.Errorf("details %v", on.Details)
	}
	offr := only(t, rs, "conv_rate", StoreOffline)
	if *offr.Value != 0.25 || offr.Status != Crit {
		t.Errorf("offline: %v %v", *offr.Value, offr.Status)
	}
}

func TestCoverage(t *testing.T) {
	// Offline: entities a..e fresh (within the 24h ttl), f stale (30h).
	off := build([]row{{entity: "a", ts: time.Hour}, {entity: "a", ts: 40 * time.Hour}, {entity: "b", ts: 2 * time.Hour},
		{entity: "c", ts: time.Hour}, {entity: "d", ts: time.Hour}, {entity: "e", ts: time.Hour}, {entity: "f", ts: 30 * time.Hour}})
	q := []sample.Entity{"a", "b", "c", "d", "e"}
	// Online: a, b, c, d found; e has no timestamp (not in the population).
	covered := build([]row{{entity: "a", ts: time.Hour}, {entity: "b", ts: time.Hour}, {entity: "c", ts: time.Hour}, {entity: "d", ts: time.Hour}, {entity: "e", ts: -1}})
	in := &Input{View: testView(), Now: now, Online: build(nil), Offline: off, CoverageQuery: q, Covered: covered}
	r := Coverage(in)[0]
	if *r.Value != 0.8 || r.Status != Crit || *r.SampleSize != 5 {
		t.Fatalf("coverage %v status %v n %v, want 0.8 crit 5", *r.Value, r.Status, *r.SampleSize)
	}
	v := testView()
	v.Offline = nil
	if r := Coverage(&Input{View: v, Now: now}); !IsSkipped(r[0]) {
		t.Fatalf("no offline store: want skipped, got %+v", r[0])
	}
}

func TestConsistency(t *testing.T) {
	online := build([]row{
		{entity: "a", ts: time.Hour, num: 100, str: "sf"},
		{entity: "b", ts: time.Hour, num: 100.00005, str: "sf"}, // within 1e-6 relative
		{entity: "c", ts: time.Hour, num: 100.001, str: "la"},   // differs
		{entity: "d", ts: time.Hour, null: sample.Empty},        // both null: equal
		{entity: "e", ts: time.Hour, num: 1},                    // no offline row: not counted
		{entity: "f", ts: -1},                                   // not in population
	})
	asof := build([]row{
		{entity: "a", ts: 2 * time.Hour, num: 100, str: "sf"},
		{entity: "b", ts: 2 * time.Hour, num: 100, str: "sf"},
		{entity: "c", ts: 2 * time.Hour, num: 100, str: "sf"},
		{entity: "d", ts: 2 * time.Hour, null: sample.Empty},
		{entity: "e", ts: -1},
	})
	in := &Input{View: testView(), Now: now, Online: online, AsOfRows: []int{0, 1, 2, 3, 4}, AsOf: asof}
	rs := Consistency(in)
	num := only(t, rs, "conv_rate", "")
	if *num.SampleSize != 4 || *num.Value != 0.75 || num.Status != Crit {
		t.Errorf("conv_rate: n %v value %v status %v, want 4 0.75 crit", *num.SampleSize, *num.Value, num.Status)
	}
	cat := only(t, rs, "city", "")
	if *cat.Value != 0.75 {
		t.Errorf("city: %v, want 0.75", *cat.Value)
	}
}

func TestSameValueFloat32RoundTrip(t *testing.T) {
	a := &sample.Column{Num: []float64{float64(float32(0.1234567))}, Nulls: []sample.Null{sample.Present}}
	b := &sample.Column{Num: []float64{0.1234567}, Nulls: []sample.Null{sample.Present}}
	if !sameValue(sample.Float64, a, 0, b, 0) {
		t.Error("a float32 round trip must compare equal")
	}
	one := &sample.Column{Num: []float64{0}, Nulls: []sample.Null{sample.Empty}}
	if sameValue(sample.Float64, one, 0, b, 0) {
		t.Error("one null is not equal")
	}
}

func TestDecideSkew(t *testing.T) {
	rule := testView().Checks.Skew
	mk := func(effect, p, psi float64) Result {
		return Result{Value: f(effect), Tests: []Test{{Test: "ks", Statistic: effect, PValue: f(p), PValueAdjusted: f(p)}, {Test: "psi", Statistic: psi}}}
	}
	for _, tc := range []struct {
		name           string
		effect, p, psi float64
		want           Status
	}{
		{"tiny p but small effect is not skew", 0.02, 1e-30, 0.01, OK},
		{"large effect but p above the level", 0.3, 0.05, 0.05, OK},
		{"both", 0.3, 1e-5, 0.05, Crit},
		{"psi warn", 0.05, 0.5, 0.12, Warn},
		{"psi crit alone", 0.05, 0.5, 0.3, Crit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := mk(tc.effect, tc.p, tc.psi)
			decideSkew(&r, rule)
			if r.Status != tc.want {
				t.Fatalf("got %v, want %v", r.Status, tc.want)
			}
		})
	}
}

func TestSkewShiftedNormals(t *testing.T) {
	// Offline: 0..999 (a uniform grid); online: the same shifted by 500.
	// Independent facts: KS D = 0.5 exactly (the ECDFs differ by 0.5 on
	// [500, 1000)), and categorical L∞ of {sf: 1} vs {sf: .5, la: .5} = 0.5.
	var on, off []row
	for i := 0; i < 1000; i++ {
		x := float64(i)
		city := "sf"
		if i%2 == 0 {
			city = "la"
		}
		off = append(off, row{entity: "o", ts: time.Hour, num: x, str: city})
		on = append(on, row{entity: "n", ts: time.Hour, num: x + 500, str: "sf"})
	}
	in := &Input{View: testView(), Now: now, Online: build(on), Offline: build(off)}
	rs := Skew(in)
	num := only(t, rs, "conv_rate", "")
	if math.Abs(*num.Value-0.5) > 1e-12 || num.Status != Crit {
		t.Fatalf("KS D %v status %v, want 0.5 crit", *num.Value, num.Status)
	}
	if num.Tests[0].PValueAdjusted == nil || *num.OnlineN != 1000 || *num.OfflineN != 1000 {
		t.Fatalf("tests %+v", num.Tests)
	}
	cat := only(t, rs, "city", "")
	if math.Abs(*cat.Value-0.5) > 1e-12 || cat.Status != Crit || cat.Tests[0].Test != "chi2" {
		t.Fatalf("categorical: %v %v %+v", *cat.Value, cat.Status, cat.Tests)
	}
	if num.Histogram == nil || len(num.Histogram.Online) != 10 || len(cat.Histogram.Categories) != 2 {
		t.Fatalf("histograms: %+v %+v", num.Histogram, cat.Histogram)
	}
}

func TestSkewIdenticalSamplesOK(t *testing.T) {
	var rows []row
	for i := 0; i < 500; i++ {
		rows = append(rows, row{entity: "e", ts: time.Hour, num: float64(i % 37), str: []string{"a", "b", "c"}[i%3]})
	}
	in := &Input{View: testView(), Now: now, Online: build(rows), Offline: build(rows)}
	for _, r := range Skew(in) {
		if r.Status != OK || *r.Value != 0 {
			t.Errorf("%s: identical samples gave %v value %v: %+v", r.Feature, r.Status, *r.Value, r.Tests)
		}
	}
}

func TestSkewLeavesOutInfinities(t *testing.T) {
	var on, off []row
	for i := 0; i < 100; i++ {
		off = append(off, row{entity: "o", ts: time.Hour, num: float64(i), str: "a"})
		on = append(on, row{entity: "n", ts: time.Hour, num: float64(i), str: "a"})
	}
	on[0].num = math.Inf(1)
	on[1].num = math.Inf(-1)
	in := &Input{View: testView(), Now: now, Online: build(on), Offline: build(off)}
	r := only(t, Skew(in), "conv_rate", "")
	if r.Status == Error || *r.OnlineN != 98 || len(r.Warnings) == 0 || !strings.Contains(r.Warnings[0], "2 infinite values") {
		t.Fatalf("got %+v", r)
	}
}

func TestNullRateInvalidValuesWarn(t *testing.T) {
	// No nulls at all, but 1 of 200 values does not parse: the rate stays 0
	// and the result is lifted to warn so that someone looks.
	var rows []row
	for i := 0; i < 200; i++ {
		r := row{entity: fmt.Sprint(i), ts: time.Hour, num: 1, str: "x"}
		if i == 7 {
			r.null = sample.Invalid
		}
		rows = append(rows, r)
	}
	v := testView()
	v.Offline = nil
	r := only(t, NullRate(&Input{View: v, Now: now, Online: build(rows)}), "conv_rate", StoreOnline)
	if *r.Value != 0 || r.Status != Warn || r.Details["invalid"] != 1 {
		t.Fatalf("got value %v status %v details %v", *r.Value, r.Status, r.Details)
	}
}

func TestBiasedSampleLiftsResultsToWarn(t *testing.T) {
	// Identical, healthy stores: every result is ok until the offline
	// sample reports a skipped file.
	var rows []row
	for i := 0; i < 200; i++ {
		rows = append(rows, row{entity: fmt.Sprint(i), ts: time.Hour, num: float64(i % 17), str: []string{"a", "b"}[i%2]})
	}
	mk := func() *Input {
		in := &Input{View: testView(), Now: now, Online: build(rows), Offline: build(rows)}
		in.Online.Reads = sample.Reads{Keys: 200}
		in.Offline.Reads = sample.Reads{Files: 3, RowGroups: 3}
		return in
	}
	for _, r := range Run(mk()) {
		if r.Status != OK && !IsSkipped(r) && r.Check != KindCoverage && r.Check != KindConsistency {
			t.Fatalf("healthy input: %s %s %s is %v: %s", r.Check, r.Feature, r.Store, r.Status, r.Message)
		}
	}

	in := mk()
	bad := sample.Problem{Kind: sample.BadFile, Count: 1, Message: "file v/b.parquet: not a Parquet file"}
	info := sample.Problem{Kind: sample.MissingColumn, Count: 1, Message: "file v/c.parquet has no column city"}
	in.Offline.Problems = []sample.Problem{info, bad}
	in.Offline.Reads.FilesSkipped = 1
	rs := Run(in)

	skew := only(t, ofKind(rs, KindSkew), "conv_rate", "")
	if skew.Status != Warn || !strings.Contains(skew.Message, "incomplete sample: offline bad_file: file v/b.parquet") {
		t.Errorf("skew on a sample with a skipped file: %v %q, want warn with the reason", skew.Status, skew.Message)
	}
	want := []StoreRead{
		{Store: StoreOnline, Reads: sample.Reads{Keys: 200}},
		{Store: StoreOffline, Reads: sample.Reads{Files: 3, FilesSkipped: 1, RowGroups: 3}, Problems: []sample.Problem{info, bad}},
	}
	if fmt.Sprint(skew.Reads) != fmt.Sprint(want) {
		t.Errorf("skew reads\n got %+v\nwant %+v", skew.Reads, want)
	}
	if r := only(t, rs, "conv_rate", StoreOffline); r.Status != Warn || len(r.Reads) != 1 || r.Reads[0].Store != StoreOffline {
		t.Errorf("offline null rate: %v reads %+v, want warn from the offline read", r.Status, r.Reads)
	}
	// The online sample is not biased by an offline file.
	if r := only(t, rs, "conv_rate", StoreOnline); r.Status != OK || len(r.Reads) != 1 || r.Reads[0].Store != StoreOnline {
		t.Errorf("online null rate: %v reads %+v, want ok from the online read only", r.Status, r.Reads)
	}
	// A problem that leaves no data out stays informational.
	in = mk()
	in.Offline.Problems = []sample.Problem{info}
	if r := only(t, Run(in), "conv_rate", StoreOffline); r.Status != OK || len(r.Reads[0].Problems) != 1 {
		t.Errorf("missing column in one file: %v %+v, want ok with the problem listed", r.Status, r.Reads)
	}
	// A crit stays crit.
	in = mk()
	in.Online.Problems = []sample.Problem{{Kind: sample.ScanBudget, Count: 1, Message: "key budget of 10 reached"}}
	for i := range 50 {
		in.Online.Columns["conv_rate"].Nulls[i] = sample.Empty
	}
	if r := only(t, Run(in), "conv_rate", StoreOnline); r.Status != Crit || !strings.Contains(r.Message, "online scan_budget: key budget of 10 reached") {
		t.Errorf("crit on a budget-limited sample: %v %q", r.Status, r.Message)
	}
}

func ofKind(rs []Result, kind string) []Result {
	var out []Result
	for _, r := range rs {
		if r.Check == kind {
			out = append(out, r)
		}
	}
	return out
}
