package statuspage

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fsmon/fsmon/checks"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func fixtureHandler(snap Snapshot) http.Handler {
	return Handler(func() Snapshot { return snap }, Options{
		Title:      "fsmon",
		GrafanaURL: "http://grafana.example:3000/dashboards/f/fsmon",
		Now:        func() time.Time { return fixtureNow },
	})
}

func get(t *testing.T, h http.Handler, method, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec
}

func TestGoldenHTML(t *testing.T) {
	rec := get(t, fixtureHandler(fixture()), http.MethodGet, "/")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET / = %d: %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	golden := filepath.Join("testdata", "page.golden.html")
	if *update {
		if err := os.WriteFile(golden, rec.Body.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read golden (run go test -update once): %v", err)
	}
	if got := rec.Body.String(); got != string(want) {
		t.Errorf("page differs from %s (run go test ./statuspage -update and review the diff)\n%s", golden, firstDiff(got, string(want)))
	}
}

func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return "line " + itoa(i+1) + ":\n got: " + gl + "\nwant: " + wl
		}
	}
	return ""
}

func itoa(i int) string { return count(i) }

// TestPageContent checks, independently of the golden file, that the page
// says what the fixture means: formatted values, thresholds and errors.
func TestPageContent(t *testing.T) {
	body := get(t, fixtureHandler(fixture()), http.MethodGet, "/").Body.String()
	if strings.Contains(body, "newest seconds") {
		t.Error("page shows the Unix-time twin of a timestamp detail")
	}
	for _, want := range []string{
		"<title>CRIT · fsmon</title>",
		"12m 34s",                  // freshness 754 s
		"warn ≥ 2h · crit ≥ 1d 1h", // 7200 s and 90000 s
		"1d 2h",                    // 26 h 5 m stale view, two largest units
		"0.2%",                     // null rate 0.002
		"98.75%",                   // coverage 0.9875
		"warn ≤ 99% · crit ≤ 95%",
		"99.995%", // consistency 0.99995 needs three decimals
		// skew: the statistics the verdict rests on, and the rule over them
		"KS D 0.31, adj. p 3.60e-40, PSI 0.42",
		"L∞ 0.12, adj. p 4.20e-06, PSI 0.14",
		"crit KS D ≥ 0.1 and adj. p &lt; 0.01 or PSI ≥ 0.25 · warn PSI ≥ 0.1",
		// each statistic next to its own thresholds
		"KS D 0.31 (crit ≥ 0.1 with adj. p &lt; 0.01)",
		"adj. p 3.60e-40 (raw 1.20e-40; &lt; 0.01)",
		"PSI 0.42 (warn ≥ 0.1 · crit ≥ 0.25)", "JS 0.21", "W₁ 0.08 (0.35 σ)", "χ² 41.5 (dof 9)",
		"L∞ 0.12 (crit ≥ 0.1 with adj. p &lt; 0.01)",
		"n online 10,000 · offline 10,000",
		"connection refused &lt;img src=x&gt;",
		"Last run failed:",
		"running…",
		"11 results in 4 feature views",
		"updated 2026-11-22 10:04:30 UTC (30s ago)",
		`href="http://grafana.example:3000/dashboards/f/fsmon"`,
		"2 categories seen online only",
		"offline newest: 2026-11-22 09:55:00 UTC",
		"online lag: 2m 34s",
		"online newest: 2026-11-22 09:52:26 UTC",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func TestJSONTwin(t *testing.T) {
	snap := fixture()
	rec := get(t, fixtureHandler(snap), http.MethodGet, "/api/v1/results")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /api/v1/results = %d", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	raw := rec.Body.Bytes()
	var doc struct {
		Status    string          `json:"status"`
		UpdatedAt time.Time       `json:"updated_at"`
		Version   string          `json:"version"`
		Results   []checks.Result `json:"results"`
		Views     []struct {
			Project         string     `json:"project"`
			Name            string     `json:"name"`
			LastRun         *time.Time `json:"last_run"`
			IntervalSeconds float64    `json:"interval_seconds"`
			Running         bool       `json:"running"`
			Error           string     `json:"error"`
		} `json:"views"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("JSON twin does not parse: %v\n%s", err, raw)
	}
	if doc.Status != "crit" {
		t.Errorf("status = %q, want crit", doc.Status)
	}
	if !doc.UpdatedAt.Equal(fixtureUpdated) {
		t.Errorf("updated_at = %v, want %v", doc.UpdatedAt, fixtureUpdated)
	}
	if doc.Version != "0.1.0" {
		t.Errorf("version = %q", doc.Version)
	}
	if len(doc.Results) != len(snap.Results) {
		t.Fatalf("%d results, want %d", len(doc.Results), len(snap.Results))
	}
	// Statuses are text in the JSON, and the worst comes first.
	var generic struct {
		Results []map[string]any `json:"results"`
	}
	if err := json.Unmarshal(raw, &generic); err != nil {
		t.Fatal(err)
	}
	wantStatus := []string{"crit", "crit", "error", "warn", "warn", "warn", "ok", "ok", "ok", "ok", "ok"}
	for i, r := range generic.Results {
		if r["status"] != wantStatus[i] {
			t.Errorf("results[%d].status = %v, want %q", i, r["status"], wantStatus[i])
		}
	}
	// The skew result round-trips with its histogram.
	var skew *checks.Result
	for i := range doc.Results {
		if doc.Results[i].Check == checks.KindSkew && doc.Results[i].Feature == "conv_rate" {
			skew = &doc.Results[i]
		}
	}
	if skew == nil || skew.Histogram == nil {
		t.Fatal("skew result for conv_rate or its histogram missing")
	}
	if got := skew.Histogram.Online[9]; got != 0.2 {
		t.Errorf("histogram online[9] = %v, want 0.2", got)
	}
	if len(skew.Histogram.Edges) != 9 || skew.Histogram.Edges[4] != 0.41 {
		t.Errorf("histogram edges = %v", skew.Histogram.Edges)
	}
	if *skew.Tests[0].PValueAdjusted != 3.6e-40 {
		t.Errorf("p_value_adjusted = %v", *skew.Tests[0].PValueAdjusted)
	}
	if len(doc.Views) != 4 || doc.Views[0].Name != "customer_profile" || !doc.Views[0].Running {
		t.Errorf("views = %+v", doc.Views)
	}
	for _, v := range doc.Views {
		switch v.Name {
		case "zz_new_view":
			if v.LastRun != nil || v.IntervalSeconds != 3600 {
				t.Errorf("pending view = %+v, want last_run null and interval 3600", v)
			}
		case "orders":
			if !strings.Contains(v.Error, "connection refused") {
				t.Errorf("orders error = %q", v.Error)
			}
		}
	}
	// The source's slice is not reordered by the handler.
	if snap.Results[0].Check != checks.KindFreshness || snap.Results[0].FeatureView != "driver_hourly_stats" {
		t.Error("handler reordered the snapshot's results in place")
	}
}

func TestJSONEmpty(t *testing.T) {
	rec := get(t, Handler(nil, Options{}), http.MethodGet, "/api/v1/results")
	want := "{\n  \"status\": \"ok\",\n  \"updated_at\": null,\n  \"results\": [],\n  \"views\": []\n}\n"
	if rec.Body.String() != want {
		t.Errorf("empty JSON = %s, want %s", rec.Body, want)
	}
	page := get(t, Handler(nil, Options{}), http.MethodGet, "/").Body.String()
	if !strings.Contains(page, "No feature views are scheduled yet.") || !strings.Contains(page, "no run finished yet") {
		t.Errorf("empty page lacks its empty state:\n%s", page)
	}
}

func TestEscaping(t *testing.T) {
	rec := get(t, fixtureHandler(fixture()), http.MethodGet, "/")
	body := rec.Body.String()
	// The page has no script element at all: the only "<script" could come
	// from the hostile category.
	if strings.Contains(strings.ToLower(body), "<script") {
		t.Error("page contains a raw <script")
	}
	if strings.Contains(body, "<b>age</b>") || strings.Contains(body, "<img src=x>") {
		t.Error("page contains raw HTML from a feature name or an error")
	}
	for _, want := range []string{
		"&lt;script&gt;alert(1)&lt;/script&gt;", // full name in the tooltip title
		"&lt;script&gt;alert(1…",                // truncated label (16 runes)
		"&lt;b&gt;age&lt;/b&gt;",
		"Llanfairpwllgwy…",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks escaped %q", want)
		}
	}
	if !strings.Contains(rec.Header().Get("Content-Security-Policy"), "default-src 'none'") {
		t.Errorf("CSP = %q", rec.Header().Get("Content-Security-Policy"))
	}
	// The JSON twin escapes HTML too (encoding/json's default).
	js := get(t, fixtureHandler(fixture()), http.MethodGet, "/api/v1/results").Body.String()
	if strings.Contains(js, "<script") {
		t.Error("JSON contains a raw <script")
	}
}

func TestSortOrder(t *testing.T) {
	mk := func(st checks.Status, view, check, feature, store string) checks.Result {
		return checks.Result{Status: st, Project: "p", FeatureView: view, Check: check, Feature: feature, Store: store}
	}
	in := []checks.Result{
		mk(checks.OK, "a", "skew", "x", ""),
		mk(checks.Warn, "b", "null_rate", "y", "online"),
		mk(checks.Error, "c", "freshness", "", ""),
		mk(checks.Crit, "b", "skew", "x", ""),
		mk(checks.Warn, "a", "null_rate", "y", "offline"),
		mk(checks.OK, "a", "freshness", "", ""),
		mk(checks.Crit, "a", "coverage", "", ""),
		mk(checks.Warn, "a", "null_rate", "y", "online"),
		mk(checks.Warn, "a", "null_rate", "x", "online"),
	}
	// Hand-sorted: crit > error > warn > ok, then view, check (contract
	// order), feature, store.
	want := []string{
		"crit a coverage  ",
		"crit b skew x ",
		"error c freshness  ",
		"warn a null_rate x online",
		"warn a null_rate y offline",
		"warn a null_rate y online",
		"warn b null_rate y online",
		"ok a freshness  ",
		"ok a skew x ",
	}
	got := sortedResults(in)
	for i, r := range got {
		s := r.Status.String() + " " + r.FeatureView + " " + r.Check + " " + r.Feature + " " + r.Store
		if s != want[i] {
			t.Errorf("sorted[%d] = %q, want %q", i, s, want[i])
		}
	}
	if in[0].Check != "skew" {
		t.Error("sortedResults modified its input")
	}

	// On the page, views are ordered by their worst result; pending views
	// come last; a view whose run failed ranks as error.
	snap := Snapshot{Results: in, Views: []ViewInfo{{Project: "p", Name: "0pending"}, {Project: "p", Name: "d", Error: "boom"}}}
	body := get(t, Handler(func() Snapshot { return snap }, Options{}), http.MethodGet, "/").Body.String()
	names := regexp.MustCompile(`<span class="vname">([^ <]+)`).FindAllStringSubmatch(body, -1)
	var order []string
	for _, m := range names {
		order = append(order, m[1])
	}
	if got, want := strings.Join(order, ","), "a,b,c,d,0pending"; got != want {
		t.Errorf("view order = %s, want %s", got, want)
	}
}

var svgRE = regexp.MustCompile(`(?s)<svg .*?</svg>`)

func TestSVGWellFormed(t *testing.T) {
	snap := fixture()
	// Add a categorical histogram with every kind of hostile label.
	snap.Results = append(snap.Results, checks.Result{
		Check: checks.KindSkew, Project: "p", FeatureView: "v", Feature: `f"&<>'`, Status: checks.OK,
		Histogram: &checks.Histogram{
			Categories: []string{"a&b", "]]>", "\x00\x01ctrl", "bad\xff\xfeutf8", `"quoted" 'single'`, "<!-- c -->", "ünïcödé ✓"},
			Offline:    []float64{0.1, 0.1, 0.1, 0.1, 0.2, 0.2, 0.2},
			Online:     []float64{0.2, 0.2, 0.1, 0.1, 0.1, 0.1, 0.2},
		},
	})
	body := get(t, fixtureHandler(snap), http.MethodGet, "/").Body.String()
	all := svgRE.FindAllString(body, -1)
	var svgs []string
	for _, s := range all {
		if strings.Contains(s[:strings.Index(s, ">")], `class="chart"`) {
			svgs = append(svgs, s)
		}
	}
	// conv_rate (numeric), city and is_active (categorical) and the
	// hostile one; plus two sparklines (customer_profile freshness and
	// conv_rate skew), each in the list at the top and in its row.
	if len(svgs) != 4 || len(all) != 8 {
		t.Fatalf("found %d chart svg elements of %d, want 4 of 8", len(svgs), len(all))
	}
	for i, s := range all {
		d := xml.NewDecoder(strings.NewReader(s))
		d.Strict = true
		var titles int
		for {
			tok, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("svg %d is not well-formed XML: %v\n%s", i, err, s)
			}
			if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "title" {
				titles++
			}
		}
		if !strings.HasPrefix(s, `<svg xmlns="http://www.w3.org/2000/svg"`) || !strings.Contains(s, `role="img"`) || titles == 0 {
			t.Errorf("svg %d lacks namespace, role or title", i)
		}
	}
	// The numeric chart: 10 offline bars (one per decile bin), one online
	// step path, the edges 0.1, 0.41 and 0.74 under the axis.
	num := svgs[0]
	if !strings.Contains(num, "conv_rate: online and offline distributions over 10 bins") {
		t.Fatalf("first svg is not conv_rate's: %.200s", num)
	}
	if n := strings.Count(num, `fill="`+colorOffline+`" fill-opacity="0.6"/>`); n != 11 { // 10 bars + legend
		t.Errorf("numeric chart has %d offline rects, want 10 bars + 1 legend", n)
	}
	if n := strings.Count(num, "<path "); n != 1 {
		t.Errorf("numeric chart has %d paths, want 1", n)
	}
	for _, e := range []string{">0.1<", ">0.41<", ">0.74<"} {
		if !strings.Contains(num, e) {
			t.Errorf("numeric chart lacks edge label %s", e)
		}
	}
	// The axis maximum is 20% (largest proportion 0.2), so the online bar
	// of bin 10 (0.2) reaches the top of the plot (y=24) and the offline
	// bars (0.1) reach half way (y=71).
	if !strings.Contains(num, "V24H352") || !strings.Contains(num, `y="71" width="29.2" height="47"`) {
		t.Errorf("numeric chart geometry unexpected: %s", num)
	}
	if !strings.Contains(num, "bin 10 [0.74, +∞): offline 10%, online 20%") {
		t.Error("numeric chart lacks the last bin's tooltip")
	}
	// city has 10 categories: 7 drawn, the other 3 summed in "3 others".
	// By the larger of the two proportions the three smallest are Roma
	// (0.04, 0.05), Wien (0.04, 0.05) and Zürich (0.03, 0.05): summed
	// offline 0.11, online 0.15.
	var city string
	for _, s := range svgs {
		if strings.Contains(s, "city: ") {
			city = s
		}
	}
	if !strings.Contains(city, ">3 others<") {
		t.Errorf("city chart lacks the others row: %s", city)
	}
	if !strings.Contains(city, "3 others: offline 11%, online 15%") {
		t.Errorf("city chart others row has wrong sums: %s", city)
	}
	for _, gone := range []string{"Roma", "Wien", "Zürich"} {
		if strings.Contains(city, gone) {
			t.Errorf("city chart draws %s, which belongs to the others row", gone)
		}
	}
}

func TestHTTPBehaviour(t *testing.T) {
	h := fixtureHandler(fixture())
	if rec := get(t, h, http.MethodGet, "/nope"); rec.Code != http.StatusNotFound {
		t.Errorf("GET /nope = %d, want 404", rec.Code)
	}
	if rec := get(t, h, http.MethodPost, "/"); rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST / = %d Allow %q, want 405 GET, HEAD", rec.Code, rec.Header().Get("Allow"))
	}
	rec := get(t, h, http.MethodHead, "/api/v1/results")
	if rec.Code != http.StatusOK || rec.Body.Len() != 0 || rec.Header().Get("Content-Type") != "application/json" {
		t.Errorf("HEAD = %d, %d bytes, %q", rec.Code, rec.Body.Len(), rec.Header().Get("Content-Type"))
	}
	if rec := get(t, h, http.MethodGet, "/"); rec.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control = %q", rec.Header().Get("Cache-Control"))
	}
	// No external asset: every src/href is relative, a fragment, data: or
	// the configured Grafana URL.
	body := get(t, h, http.MethodGet, "/").Body.String()
	for _, m := range regexp.MustCompile(`(?:src|href)="([^"]*)"`).FindAllStringSubmatch(body, -1) {
		u := m[1]
		if strings.Contains(u, "://") && !strings.HasPrefix(u, "http://grafana.example:3000/") {
			t.Errorf("external reference %q", u)
		}
	}
	if bytes.Contains([]byte(body), []byte("<script")) || strings.Contains(body, "@import") {
		t.Error("page loads script or imports CSS")
	}
}

func TestMalformedHistogram(t *testing.T) {
	for name, h := range map[string]*checks.Histogram{
		"nil":        nil,
		"empty":      {},
		"length":     {Online: []float64{0.5, 0.5}, Offline: []float64{1}},
		"categories": {Categories: []string{"a"}, Online: []float64{0.5, 0.5}, Offline: []float64{0.5, 0.5}},
	} {
		if s := histogramSVG("f", h); s != "" {
			t.Errorf("%s: got an svg for a malformed histogram", name)
		}
	}
	// NaN and out-of-range proportions draw without NaN coordinates.
	s := histogramSVG("f", &checks.Histogram{Online: []float64{nanValue(), -1, 2}, Offline: []float64{0.3, 0.3, 0.4}})
	if s == "" || strings.Contains(s, "NaN") || strings.Contains(s, "Inf") {
		t.Errorf("bad proportions: %s", s)
	}
}

func nanValue() float64 { var z float64; return z / z }

func TestFormat(t *testing.T) {
	for _, c := range []struct {
		in   float64
		want string
	}{
		{0, "0s"}, {1.25, "1.2s"}, {45, "45s"}, {60, "1m"}, {200, "3m 20s"}, {7200, "2h"},
		{7500, "2h 5m"}, {90000, "1d 1h"}, {86400 * 12, "12d"}, {-5, "-5s"},
	} {
		if got := checks.HumanDuration(c.in); got != c.want {
			t.Errorf("humanDuration(%v) = %q, want %q", c.in, got, c.want)
		}
	}
	for _, c := range []struct {
		in   float64
		want string
	}{
		{0, "0%"}, {1, "100%"}, {0.002, "0.2%"}, {0.05, "5%"}, {0.9875, "98.75%"},
		{0.99999, "99.999%"}, {0.0000123, "0.001%"}, {0.123456, "12.35%"},
	} {
		if got := checks.Percent(c.in); got != c.want {
			t.Errorf("percent(%v) = %q, want %q", c.in, got, c.want)
		}
	}
	for _, c := range []struct {
		in   float64
		want string
	}{{0.31, "0.31"}, {0.4213, "0.421"}, {1.2e-40, "1.20e-40"}, {41.5, "41.5"}, {0, "0"}, {1234, "1234"}} {
		if got := num(c.in); got != c.want {
			t.Errorf("num(%v) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := count(1234567); got != "1,234,567" {
		t.Errorf("count = %q", got)
	}
}

func TestHideValues(t *testing.T) {
	snap := fixture()
	h := Handler(func() Snapshot { return snap }, Options{HideValues: true, Now: func() time.Time { return fixtureNow }})
	page := get(t, h, http.MethodGet, "/").Body.String()
	js := get(t, h, http.MethodGet, "/api/v1/results").Body.String()
	for _, secret := range []string{"Amsterdam", "Berlin", "script", "Llanfair", ">0.41<", "0.74"} {
		if strings.Contains(page, secret) {
			t.Errorf("page shows %q with HideValues", secret)
		}
	}
	for _, secret := range []string{"Amsterdam", "0.41", "edges", `"true"`} {
		if strings.Contains(js, secret) {
			t.Errorf("JSON shows %q with HideValues", secret)
		}
	}
	// Amsterdam is the first category: its proportions stay, under a
	// neutral name.
	if !strings.Contains(page, "category 1: offline 30%, online 11%") || !strings.Contains(js, `"category 1"`) {
		t.Error("hidden categories are not numbered")
	}
	// The snapshot itself keeps its names.
	for _, r := range snap.Results {
		if r.Feature == "city" && r.Histogram.Categories[0] != "Amsterdam" {
			t.Error("HideValues modified the source's histogram")
		}
	}
}

// TestTopCategories: with TopCategories 3 the city histogram names its 3
// most frequent cities (Amsterdam 41%, Berlin 42%, Paris 27% of both
// samples together) and draws the other 7 as one "7 others" bar holding
// their proportions; the JSON says so with "folded".
func TestTopCategories(t *testing.T) {
	snap := fixture()
	h := Handler(func() Snapshot { return snap }, Options{TopCategories: 3, Now: func() time.Time { return fixtureNow }})
	page := get(t, h, http.MethodGet, "/").Body.String()
	js := get(t, h, http.MethodGet, "/api/v1/results").Body.String()
	for _, hidden := range []string{"Lisboa", "Madrid", "Roma", "Wien", "Zürich", "Llanfair", "script"} {
		if strings.Contains(page, hidden) || strings.Contains(js, hidden) {
			t.Errorf("%q is shown beyond the top 3", hidden)
		}
	}
	// Others: offline 1-0.30-0.20-0.12 = 0.38, online 1-0.11-0.22-0.15 = 0.52.
	if !strings.Contains(page, "7 others: offline 38%, online 52%") || !strings.Contains(page, "10 categories") {
		t.Error("the page does not draw the folded cities as one bar of 7 of the 10")
	}
	if !strings.Contains(js, `"Amsterdam"`) || !strings.Contains(js, `"Paris"`) || !strings.Contains(js, `"folded": 7`) {
		t.Error("the JSON does not name the top 3 and say how many were folded")
	}
}
