package statuspage

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/config"
	"github.com/fsmon/fsmon/sample"
)

// TestInsufficientResult renders a real insufficient result: checks.Run
// on a view of 20 online entities, 5 of them without conv_rate, against
// min_sample 100. The 25% null rate is above the crit threshold (5%), and
// the reader at 3 a.m. must see that it was not judged: the page is not
// crit, nothing is in the broken list, the row says "insufficient" with
// the sample size and min_sample, and ?status=insufficient finds it.
func TestInsufficientResult(t *testing.T) {
	crit, warn := 0.05, 0.01
	v := config.View{Name: "tiny_view", Project: "demo", Entities: []string{"driver_id"},
		Features: []config.Feature{{Name: "conv_rate", Type: "float64"}},
		Checks: config.Checks{
			Freshness: config.Thresholds{Warn: ptr(7200.0), Crit: ptr(86400.0)},
			NullRate:  config.Thresholds{Warn: &warn, Crit: &crit},
			MinSample: config.MinSample{NullRate: 100},
		}}
	s := &sample.Sample{Columns: map[string]*sample.Column{"conv_rate": {}}, Scanned: 20, Population: 20, Complete: true}
	for i := range 20 {
		s.Entities = append(s.Entities, sample.JoinEntity(string(rune('a'+i))))
		s.Times = append(s.Times, fixtureNow.Add(-time.Minute).UnixNano())
		s.HasTime = append(s.HasTime, true)
		c := s.Columns["conv_rate"]
		c.Num = append(c.Num, 0.5)
		c.Str = append(c.Str, "")
		null := sample.Present
		if i < 5 {
			null = sample.Absent
		}
		c.Nulls = append(c.Nulls, null)
	}
	var results []checks.Result
	for _, r := range checks.Run(&checks.Input{View: v, Now: fixtureNow, Online: s}) {
		if r.Check == checks.KindFreshness || (r.Check == checks.KindNullRate && r.Store == checks.StoreOnline) {
			results = append(results, r)
		}
	}
	if len(results) != 2 || results[1].Status != checks.Insufficient || results[1].Value == nil || *results[1].Value != 0.25 {
		t.Fatalf("checks.Run gave %+v, want ok freshness and an insufficient null rate of 0.25", results)
	}
	snap := Snapshot{UpdatedAt: fixtureUpdated, Version: "0.2.0",
		Views: []ViewInfo{{Project: "demo", Name: "tiny_view", LastRun: fixtureUpdated, Interval: 5 * time.Minute}}, Results: results}
	h := fixtureHandler(snap)
	body := get(t, h, http.MethodGet, "/").Body.String()
	if got := brokenLines(body); len(got) != 0 {
		t.Errorf("broken list %v, want empty: an insufficient result is not broken", got)
	}
	if strings.Contains(body, `class="view crit`) || strings.Contains(body, `class="crit"`) {
		t.Error("the page shows crit for a result that was not judged")
	}
	for _, w := range []string{`<h2>Nothing is broken</h2>`, `<span class="badge insufficient">INSUFFICIENT</span>`,
		`<a href="?status=insufficient">1 insufficient</a>`} {
		if !strings.Contains(body, w) {
			t.Errorf("the page lacks %q", w)
		}
	}
	i := strings.Index(body, `<tr class="insufficient">`)
	if i < 0 {
		t.Fatalf("no insufficient row in:\n%s", body)
	}
	row := body[i:]
	row = row[:strings.Index(row, "</tr>")]
	for _, w := range []string{"INSUFFICIENT", "null_rate", "conv_rate",
		// the value stays, with its interval: statsmodels
		// proportion_confint(5, 20, method="wilson") = (0.11186, 0.46870)
		"25% (11.19–46.87%)", "warn ≥ 1% · crit ≥ 5%",
		"insufficient sample: 20 values, fewer than min_sample 100; not judged", "min sample: 100"} {
		if !strings.Contains(row, w) {
			t.Errorf("the insufficient row lacks %q:\n%s", w, row)
		}
	}
	body = get(t, h, http.MethodGet, "/?status=insufficient").Body.String()
	if !strings.Contains(body, `<tr class="insufficient">`) || strings.Contains(body, `<tr class="ok">`) {
		t.Error("?status=insufficient does not show the insufficient row alone")
	}
}
