package statuspage

import (
	"encoding/json"
	"encoding/xml"
	"html"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fsmon/fsmon/alerts/promrules"
	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/dashboards"
)

func TestSinceText(t *testing.T) {
	for _, c := range []struct {
		since *time.Time
		want  string
	}{
		// fixtureNow is 2026-11-22 10:05 UTC.
		{ptr(time.Date(2026, 11, 22, 6, 55, 0, 0, time.UTC)), "crit since 06:55 (3h 10m)"},
		{ptr(time.Date(2026, 11, 22, 10, 4, 30, 0, time.UTC)), "crit since 10:04 (30s)"},
		{ptr(time.Date(2026, 11, 20, 23, 45, 0, 0, time.UTC)), "crit since Nov 20 23:45 (1d 10h)"},
		{ptr(time.Date(2025, 12, 31, 23, 0, 0, 0, time.UTC)), "crit since 2025-12-31 23:00 (325d 11h)"},
		// a since in another zone is shown in UTC
		{ptr(time.Date(2026, 11, 22, 7, 55, 0, 0, time.FixedZone("CET", 3600))), "crit since 06:55 (3h 10m)"},
		{nil, ""},
	} {
		r := checks.Result{Status: checks.Crit, Since: c.since}
		if got := sinceText(r, fixtureNow); got != c.want {
			t.Errorf("since %v: %q, want %q", c.since, got, c.want)
		}
	}
}

// brokenLines returns the "status view check" of the list at the top.
func brokenLines(body string) []string {
	var out []string
	for _, part := range strings.Split(body, `<tr class="problem `)[1:] {
		st := part[:strings.Index(part, `"`)]
		a := part[strings.Index(part, `<a href="#`):]
		view := a[strings.Index(a, ">")+1 : strings.Index(a, "</a>")]
		rest := a[strings.Index(a, "</a> · ")+len("</a> · "):]
		check := strings.FieldsFunc(rest, func(r rune) bool { return r == ' ' || r == '<' })[0]
		out = append(out, st+" "+view+" "+check)
	}
	return out
}

func TestBrokenListFirst(t *testing.T) {
	body := get(t, fixtureHandler(fixture()), http.MethodGet, "/").Body.String()
	got := strings.Join(brokenLines(body), "\n")
	// Hand-sorted from the fixture: the 6 results that are not ok.
	want := strings.Join([]string{
		"crit customer_profile freshness", "crit driver_hourly_stats skew", "error orders freshness",
		"warn customer_profile null_rate", "warn driver_hourly_stats coverage", "warn driver_hourly_stats skew",
	}, "\n")
	if got != want {
		t.Errorf("broken list:\n%s\nwant:\n%s", got, want)
	}
	if strings.Index(body, `id="broken"`) > strings.Index(body, `<section class="view`) {
		t.Error("the broken list is not before the views")
	}
	for _, w := range []string{
		// value next to its own thresholds, and since when
		"1d 2h vs warn ≥ 2h · crit ≥ 1d 1h",
		"crit since 06:55 (3h 10m)",
		// a rate with its 95% interval
		"98.75% (98.48–98.97%) vs warn ≤ 99% · crit ≤ 95%",
		// skew: each statistic with its thresholds
		"KS D 0.31 (crit ≥ 0.1 with adj. p &lt; 0.01) · adj. p 3.60e-40 (raw 1.20e-40; &lt; 0.01) · PSI 0.42 (warn ≥ 0.1 · crit ≥ 0.25)",
		"crit since Nov 20 23:45 (1d 10h)",
		`<a href="#view-feast_demo.customer_profile">customer_profile</a>`,
		`<section class="view crit" id="view-feast_demo.customer_profile">`,
	} {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

func TestNothingBroken(t *testing.T) {
	snap := Snapshot{Results: []checks.Result{{Check: checks.KindCoverage, Project: "p", FeatureView: "v", Status: checks.OK}}}
	body := get(t, Handler(func() Snapshot { return snap }, Options{}), http.MethodGet, "/").Body.String()
	if !strings.Contains(body, "Nothing is broken") || strings.Contains(body, `class="problem`) {
		t.Error("an all-ok page does not say nothing is broken")
	}
}

func TestOKCollapsed(t *testing.T) {
	h := fixtureHandler(fixture())
	body := get(t, h, http.MethodGet, "/").Body.String()
	if n := strings.Count(body, `<details class="oks">`); n != 1 || strings.Contains(body, `<details class="oks" open>`) {
		t.Errorf("%d closed ok groups; want 1 (driver_hourly_stats) and none open", n)
	}
	if !strings.Contains(body, "<summary>5 ok</summary>") {
		t.Error(`no "5 ok" summary for driver_hourly_stats`)
	}
	// Asking for ok results opens them.
	body = get(t, h, http.MethodGet, "/?status=ok").Body.String()
	if !strings.Contains(body, `<details class="oks" open>`) {
		t.Error("?status=ok does not open the ok rows")
	}
}

func TestFilter(t *testing.T) {
	h := fixtureHandler(fixture())
	for _, c := range []struct {
		query  string
		broken []string
		views  []string
	}{
		{"status=crit", []string{"crit customer_profile freshness", "crit driver_hourly_stats skew"}, []string{"customer_profile", "driver_hourly_stats"}},
		{"status=crit,error", []string{"crit customer_profile freshness", "crit driver_hourly_stats skew", "error orders freshness"}, []string{"customer_profile", "driver_hourly_stats", "orders"}},
		{"status=crit&status=error", []string{"crit customer_profile freshness", "crit driver_hourly_stats skew", "error orders freshness"}, []string{"customer_profile", "driver_hourly_stats", "orders"}},
		{"view=orders", []string{"error orders freshness"}, []string{"orders"}},
		{"view=feast_demo/customer_profile&status=warn", []string{"warn customer_profile null_rate"}, []string{"customer_profile"}},
		{"status=ok", nil, []string{"driver_hourly_stats"}},
		{"status=problems&view=driver_hourly_stats", []string{"crit driver_hourly_stats skew", "warn driver_hourly_stats coverage", "warn driver_hourly_stats skew"}, []string{"driver_hourly_stats"}},
	} {
		rec := get(t, h, http.MethodGet, "/?"+c.query)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d", c.query, rec.Code)
		}
		body := rec.Body.String()
		if got := strings.Join(brokenLines(body), "|"); got != strings.Join(c.broken, "|") {
			t.Errorf("%s: broken %q, want %q", c.query, got, strings.Join(c.broken, "|"))
		}
		var views []string
		for _, part := range strings.Split(body, `<span class="vname">`)[1:] {
			views = append(views, strings.Fields(part)[0])
		}
		if strings.Join(views, "|") != strings.Join(c.views, "|") {
			t.Errorf("%s: views %q, want %q", c.query, views, c.views)
		}
		// The JSON twin honours the same filter.
		var doc struct {
			Results []checks.Result `json:"results"`
		}
		if err := json.Unmarshal(get(t, h, http.MethodGet, "/api/v1/results?"+c.query).Body.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		for _, r := range doc.Results {
			if !strings.Contains(c.query, "status=") {
				break
			}
			if !strings.Contains(c.query, r.Status.String()) && !(strings.Contains(c.query, "problems") && r.Status != checks.OK) {
				t.Errorf("%s: JSON has a %s result", c.query, r.Status)
			}
		}
	}
	// The filter form shows the current filter; the JSON link keeps it.
	body := get(t, h, http.MethodGet, "/?status=crit&view=orders").Body.String()
	for _, w := range []string{`<option value="crit" selected>crit</option>`, `<option value="feast_demo/orders" selected>orders (feast_demo)</option>`,
		`<a href="api/v1/results?status=crit&amp;view=orders">JSON</a>`, `<a href=".">clear</a>`, `Nothing broken matches the filter`} {
		if !strings.Contains(body, w) {
			t.Errorf("filtered page lacks %q", w)
		}
	}
	// A status the filter does not know is a clear 400.
	rec := get(t, h, http.MethodGet, "/?status=bad")
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `unknown status "bad"`) {
		t.Errorf("?status=bad: %d %s", rec.Code, rec.Body)
	}
	if rec := get(t, h, http.MethodGet, "/api/v1/results?status=bad"); rec.Code != http.StatusBadRequest {
		t.Errorf("JSON ?status=bad: %d", rec.Code)
	}
	// The JSON of one view has that view only.
	var doc struct {
		Results []checks.Result `json:"results"`
		Views   []jsonView      `json:"views"`
	}
	if err := json.Unmarshal(get(t, h, http.MethodGet, "/api/v1/results?view=orders").Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Results) != 1 || doc.Results[0].FeatureView != "orders" || len(doc.Views) != 1 || doc.Views[0].Name != "orders" {
		t.Errorf("JSON ?view=orders: %d results, views %+v", len(doc.Results), doc.Views)
	}
}

func TestMaterializationFlag(t *testing.T) {
	at := fixtureNow
	mk := func(age float64, st checks.Status, matAgo time.Duration) checks.Result {
		r := checks.Result{Check: checks.KindFreshness, Status: st, Value: &age, Threshold: th(7200, 90000), At: at,
			Details: map[string]any{"feast_last_materialization_seconds": float64(at.Add(-matAgo).Unix())}}
		return r
	}
	for _, c := range []struct {
		name string
		r    checks.Result
		want string // "" or a part of the flag
	}{
		{"record fresh, data stale", mk(94000, checks.Crit, 5*time.Minute), "materialized 5m ago (2026-11-22 10:00:00 UTC), but the newest event online is 1d 2h old"},
		{"both stale", mk(94000, checks.Crit, 30*time.Hour), ""},
		{"both fresh", mk(600, checks.OK, 10*time.Minute), ""},
		{"data fresh, record old", mk(600, checks.OK, 3*time.Hour), "the data online is fresh (10m old), but Feast's registry records no materialization since 2026-11-22 07:05:00 UTC (3h ago)"},
		{"no record", checks.Result{Check: checks.KindFreshness, Status: checks.Crit, Value: ptr(94000.0), Threshold: th(7200, 90000), At: at}, ""},
		{"not freshness", func() checks.Result {
			r := mk(94000, checks.Crit, time.Minute)
			r.Check = checks.KindCoverage
			return r
		}(), ""},
	} {
		got := materializationFlag(c.r)
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	// On the page: in the broken list and on the row, and in the JSON's
	// notes of the view.
	h := fixtureHandler(fixture())
	body := get(t, h, http.MethodGet, "/").Body.String()
	if n := strings.Count(body, "the record disagrees with the data"); n != 2 {
		t.Errorf("materialization flag shown %d times, want 2 (list and row)", n)
	}
	var doc struct {
		Views []jsonView `json:"views"`
	}
	if err := json.Unmarshal(get(t, h, http.MethodGet, "/api/v1/results").Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, v := range doc.Views {
		has := len(v.Notes) > 0 && strings.Contains(v.Notes[0], "the record disagrees with the data")
		if has != (v.Name == "customer_profile") {
			t.Errorf("view %s notes %q", v.Name, v.Notes)
		}
	}
}

func TestTiesOnce(t *testing.T) {
	ties := "ks: p-value is conservative: tied values"
	skew := func(feature string, st checks.Status, d, p float64) checks.Result {
		return checks.Result{Check: checks.KindSkew, Project: "p", FeatureView: "v", Feature: feature, Status: st, Value: &d,
			Warnings: []string{ties, "small sample"},
			Tests:    []checks.Test{{Test: "ks", Statistic: d, PValue: &p, PValueAdjusted: &p, PValueThreshold: ptr(0.01), Threshold: &checks.Threshold{Crit: ptr(0.1)}}}}
	}
	snap := Snapshot{Results: []checks.Result{
		skew("hidden_a", checks.OK, 0.2, 0.3),    // D reaches 0.1, p not significant: matters
		skew("hidden_b", checks.Warn, 0.15, 0.2), // same, warn on PSI
		skew("small", checks.OK, 0.05, 0.3),      // D below 0.1: does not matter
		skew("shown", checks.Crit, 0.3, 1e-9),    // already crit: does not matter
	}}
	body := get(t, Handler(func() Snapshot { return snap }, Options{}), http.MethodGet, "/").Body.String()
	if strings.Contains(body, ties) {
		t.Error("the raw tied-values warning is shown on a row")
	}
	if n := strings.Count(body, "Tied values in"); n != 1 || !strings.Contains(body, "Tied values in hidden_b, hidden_a:") {
		t.Errorf("tied-values note shown %d times, want once for hidden_b, hidden_a", n)
	}
	if n := strings.Count(body, "⚠ small sample"); n != 4 {
		t.Errorf("other warnings shown %d times, want on each of the 4 rows", n)
	}
}

func TestSparkline(t *testing.T) {
	v := func(x float64) *float64 { return &x }
	at := func(i int) time.Time { return fixtureNow.Add(time.Duration(i) * time.Minute) }
	r := checks.Result{Check: checks.KindNullRate, History: []checks.HistoryPoint{
		{At: at(0), Value: v(0.01), Status: checks.OK},
		{At: at(1), Value: v(0.02), Status: checks.OK},
		{At: at(2), Status: checks.Error},
		{At: at(3), Value: v(0.06), Status: checks.Crit},
		{At: at(4), Value: v(0.03), Status: checks.Warn},
	}}
	s := sparklineSVG(r)
	d := xml.NewDecoder(strings.NewReader(s))
	d.Strict = true
	for {
		if _, err := d.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("sparkline is not well-formed: %v\n%s", err, s)
		}
	}
	// One status cell per run in its colour, oldest first.
	for i, c := range []string{"#1a7f37", "#1a7f37", "#8250df", "#cf222e", "#b76e00"} {
		if strings.Count(s, `fill="`+c+`"/>`) < 1 {
			t.Errorf("cell %d colour %s missing", i, c)
		}
	}
	if n := strings.Count(s, "<rect "); n != 5 {
		t.Errorf("%d status cells, want 5", n)
	}
	// The line breaks at the run without a value: two segments. x runs from
	// 1 to 119 in steps of 29.5; y maps 0.01..0.06 onto 16..2.
	if !strings.Contains(s, `d="M1 16L30.5 13.2M89.5 2L119 10.4"`) {
		t.Errorf("sparkline path unexpected: %s", s)
	}
	if !strings.Contains(s, "null rate between 1% and 6%") || !strings.Contains(s, "last 5 runs from 2026-11-22 10:05:00 UTC to 2026-11-22 10:09:00 UTC") {
		t.Errorf("sparkline title unexpected: %s", s)
	}
	if sparklineSVG(checks.Result{History: r.History[:1]}) != "" {
		t.Error("a one-point history drew a sparkline")
	}
}

func TestGrafanaViewLink(t *testing.T) {
	for _, uid := range []string{dashboards.ViewUID, promrules.ViewDashboardUID} {
		if uid != viewDashboardUID {
			t.Fatalf("view dashboard UID %q here, %q in dashboards or the alert rules", viewDashboardUID, uid)
		}
	}
	if got, want := grafanaViewURL("http://g:3000/", "feast demo", "a&b"), "http://g:3000/d/fsmon-view/?var-feature_view=a%26b&var-project=feast+demo"; got != want {
		t.Errorf("link %q, want %q", got, want)
	}
	if grafanaViewURL("", "p", "v") != "" {
		t.Error("a link without web.grafana_url")
	}
	body := get(t, Handler(func() Snapshot { return fixture() }, Options{GrafanaURL: "http://g:3000", Now: func() time.Time { return fixtureNow }}), http.MethodGet, "/").Body.String()
	if !strings.Contains(body, `<a href="http://g:3000/d/fsmon-view/?var-feature_view=orders&amp;var-project=feast_demo">Grafana dashboard</a>`) {
		t.Error("page lacks the orders view's Grafana link")
	}
}

// TestDaemonProblem checks that a daemon problem (a Feast registry never
// read, so its views are not checked) makes the overall status error on
// the page and in the JSON, and that the page does not also say nothing is
// broken, even when every result it has is ok.
func TestDaemonProblem(t *testing.T) {
	const problem = "The Feast registry of /repo could not be read; its feature views are not monitored until it is: connection refused"
	for name, snap := range map[string]Snapshot{
		"no results": {Problems: []string{problem}},
		"ok results": {Problems: []string{problem}, Results: []checks.Result{{Check: checks.KindCoverage, Project: "p", FeatureView: "v", Status: checks.OK}}},
	} {
		h := Handler(func() Snapshot { return snap }, Options{})
		var doc struct {
			Status   string   `json:"status"`
			Problems []string `json:"problems"`
		}
		if err := json.Unmarshal(get(t, h, http.MethodGet, "/api/v1/results").Body.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Status != "error" || len(doc.Problems) != 1 {
			t.Errorf("%s: JSON status %q problems %q, want error and the problem", name, doc.Status, doc.Problems)
		}
		body := get(t, h, http.MethodGet, "/").Body.String()
		if !strings.Contains(body, html.EscapeString(problem)) {
			t.Errorf("%s: the page does not show the problem", name)
		}
		if strings.Contains(body, "Nothing is broken") {
			t.Errorf("%s: the page says nothing is broken beside a daemon problem", name)
		}
	}
}
