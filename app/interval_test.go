package app

import (
	"encoding/json"
	"html"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fsmon/fsmon/checks"
)

// TestIntervalsInAPIAndPage: the rates of a real run (real redis-server,
// Parquet written in a temp dir) carry the 95% Wilson interval that
// statsmodels gives for their counts (testdata/gen_fixture_intervals.py),
// in /api/v1/results, and the status page shows it beside the value.
func TestIntervalsInAPIAndPage(t *testing.T) {
	b, err := os.ReadFile("testdata/fixture_intervals.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Cases []struct {
			Check, Feature, Store string
			K, N                  int
			Lower, Upper          float64
		}
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	fx := newFixture(t, "")
	a := startApp(t, Options{ConfigFile: fx.config, FirstRunSpread: time.Millisecond})
	base := "http://" + a.Addr()
	var doc struct {
		Results []checks.Result `json:"results"`
	}
	waitFor(t, func() bool {
		doc.Results = nil
		if err := json.Unmarshal([]byte(get(t, base+"/api/v1/results")), &doc); err != nil {
			t.Fatal(err)
		}
		return len(doc.Results) > 0
	})
	page := html.UnescapeString(get(t, base+"/"))
	for _, c := range ref.Cases {
		r := find(t, doc.Results, c.Check, c.Feature, c.Store)
		if r.SampleSize == nil || *r.SampleSize != c.N || r.Value == nil || !near(*r.Value, float64(c.K)/float64(c.N)) {
			t.Errorf("%s %s %s: value %v of %v, want %d/%d", c.Check, c.Feature, c.Store, r.Value, r.SampleSize, c.K, c.N)
			continue
		}
		iv := r.Interval
		if iv == nil {
			t.Errorf("%s %s %s: no interval in the API", c.Check, c.Feature, c.Store)
			continue
		}
		if math.Abs(iv.Lower-c.Lower) > 1e-12 || math.Abs(iv.Upper-c.Upper) > 1e-12 || iv.Confidence != 0.95 || iv.Method != "wilson" {
			t.Errorf("%s %s %s: interval %+v, statsmodels [%v, %v]", c.Check, c.Feature, c.Store, *iv, c.Lower, c.Upper)
		}
		want := checks.Percent(*r.Value) + " (" + strings.TrimSuffix(checks.Percent(c.Lower), "%") + "–" + checks.Percent(c.Upper) + ")"
		if !strings.Contains(page, want) {
			t.Errorf("the status page lacks %q", want)
		}
	}
}
