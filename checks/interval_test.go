package checks

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"
	"time"

	"github.com/fsmon/fsmon/sample"
)

// rateInput is an input whose check counts k of n rows: k nulls of n
// online entities (null_rate), k of n fresh offline entities served online
// (coverage), k of n online values equal to the offline one (consistency).
func rateInput(check string, k, n int) *Input {
	var on, asof, covered []row
	var q []sample.Entity
	var asofRows []int
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("e%d", i)
		switch check {
		case KindNullRate:
			r := row{entity: id, ts: time.Hour, num: 1, str: "x"}
			if i < k {
				r.null = sample.Absent
			}
			on = append(on, r)
		case KindCoverage:
			q = append(q, sample.Entity(id))
			ts := time.Duration(-1)
			if i < k {
				ts = time.Hour
			}
			covered = append(covered, row{entity: id, ts: ts})
		case KindConsistency:
			on = append(on, row{entity: id, ts: time.Hour, num: 1, str: "x"})
			v, s := 2.0, "y"
			if i < k {
				v, s = 1, "x"
			}
			asof = append(asof, row{entity: id, ts: 2 * time.Hour, num: v, str: s})
			asofRows = append(asofRows, i)
		}
	}
	in := &Input{View: testView(), Now: now, Online: build(on), Offline: build(nil)}
	switch check {
	case KindCoverage:
		in.CoverageQuery, in.Covered = q, build(covered)
	case KindConsistency:
		in.AsOf, in.AsOfRows = build(asof), asofRows
	}
	return in
}

// TestRateIntervalsStatsmodels checks the intervals that null_rate,
// coverage and consistency results carry against statsmodels'
// proportion_confint(method="wilson") (testdata/gen_rate_intervals.py),
// including 0/n, n/n, small and large n.
func TestRateIntervalsStatsmodels(t *testing.T) {
	b, err := os.ReadFile("testdata/rate_intervals.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Cases []struct {
			Check        string
			K, N         int
			Lower, Upper float64
		}
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Cases) < 10 {
		t.Fatalf("only %d reference cases", len(ref.Cases))
	}
	for _, c := range ref.Cases {
		t.Run(fmt.Sprintf("%s_%d_of_%d", c.Check, c.K, c.N), func(t *testing.T) {
			rs := RunKind(rateInput(c.Check, c.K, c.N), c.Check)
			r := rs[0]
			if c.Check != KindCoverage {
				r = only(t, rs, "conv_rate", storeOf(c.Check))
			}
			if r.Value == nil || *r.SampleSize != c.N || math.Abs(*r.Value-float64(c.K)/float64(c.N)) > 1e-15 {
				t.Fatalf("value %v of n %v, want %d/%d", r.Value, r.SampleSize, c.K, c.N)
			}
			iv := r.Interval
			if iv == nil {
				t.Fatalf("no interval on %+v", r)
			}
			if iv.Confidence != 0.95 || iv.Method != "wilson" {
				t.Errorf("interval %+v: want confidence 0.95, method wilson", *iv)
			}
			for _, p := range [][2]float64{{iv.Lower, c.Lower}, {iv.Upper, c.Upper}} {
				if math.Abs(p[0]-p[1]) > 1e-12 {
					t.Errorf("interval [%v, %v], statsmodels [%v, %v]", iv.Lower, iv.Upper, c.Lower, c.Upper)
				}
			}
			if iv.Lower > *r.Value || iv.Upper < *r.Value {
				t.Errorf("value %v outside its interval %+v", *r.Value, *iv)
			}
		})
	}
}

func storeOf(check string) string {
	if check == KindNullRate {
		return StoreOnline
	}
	return ""
}

// TestIntervalsOnlyOnRates: freshness and skew values are no proportions
// and carry no interval; an error result carries none either.
func TestIntervalsOnlyOnRates(t *testing.T) {
	in := rateInput(KindNullRate, 1, 10)
	for _, r := range Run(in) {
		if r.Interval != nil && r.Check != KindNullRate && r.Check != KindCoverage && r.Check != KindConsistency {
			t.Errorf("%s result has an interval %+v", r.Check, *r.Interval)
		}
		if r.Interval != nil && r.Status == Error {
			t.Errorf("error result %s has an interval", r.Check)
		}
	}
}
