// Package statuspage renders the latest check results of fsmon serve as a
// human status page at "/" and as its JSON twin at "/api/v1/results".
//
// The page answers "what is broken, where, since when" on its first
// screen: the broken results come first, one line each (view, check,
// feature, value next to its own thresholds, "crit since 02:14 (3h 10m)",
// a sparkline of the last runs). Then one section per feature view, worst
// first, with an anchor and a link to the view's Grafana dashboard: its
// rows that are not ok shown, its ok rows collapsed under "12 ok" (a
// <details> element: no JavaScript needed to open it). Query parameters
// filter both the page and the JSON twin (?status=crit,warn&view=orders;
// status "problems" is every status but ok), and the page's filter form
// submits them with GET.
//
// The page is one self-contained HTML document: inline CSS, server-side SVG
// charts, no JavaScript and no external assets, so it works air-gapped and
// under a strict Content-Security-Policy. Results are sorted worst first
// (crit > error > warn > ok), then by project and view, check (freshness,
// null_rate, coverage, consistency, skew), feature and store.
//
// Privacy: the page and the JSON twin show what checks.Result holds. For
// skew results that includes the histogram behind PSI/JS: bin proportions,
// the offline sample's decile cut points (numeric features) and category
// names (bool and string features). Category names and decile cut points
// are feature values in aggregate; protect the endpoint (exporter-toolkit
// web config: TLS and basic auth) like any page that shows feature data.
// Entity keys never appear.
package statuspage

import (
	"bytes"
	"encoding/json"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/present"
)

// Snapshot is what the page shows: the latest result of every check and the
// state of every scheduled feature view.
type Snapshot struct {
	// Results are the latest results; the handler sorts a copy and never
	// modifies the slice.
	Results []checks.Result
	// UpdatedAt is when Results last changed (zero: no run finished yet).
	UpdatedAt time.Time
	// Version is fsmon's version, shown in the footer and the JSON.
	Version string
	// Views are the scheduled feature views, including those that have not
	// produced a result yet.
	Views []ViewInfo
	// Shard says which of several fsmon replicas this is and how many of
	// the views are its own ("shard 1 of 3: 12 of 40 feature views"); ""
	// when unsharded.
	Shard string
	// Problems are the daemon's own problems, shown above the results
	// (a Feast registry that could not be read).
	Problems []string
}

// ViewInfo is the scheduler's state of one feature view.
type ViewInfo struct {
	Project  string
	Name     string
	LastRun  time.Time     // start of the last finished run; zero: never ran
	Interval time.Duration // schedule of the view's checks
	Running  bool          // a run is in progress
	Error    string        // why the last run failed as a whole, if it did
}

// Source returns the latest snapshot. It is called once per request and
// must be safe for concurrent use.
type Source func() Snapshot

// Options configure the page.
type Options struct {
	// Title is the page title; empty means "fsmon".
	Title string
	// GrafanaURL, when set, is linked from the page header.
	GrafanaURL string
	// Now is the clock used for "ago" texts; nil means time.Now.
	Now func() time.Time
	// HideValues replaces the category names of histograms with
	// "category 1", "category 2", ... and drops the numeric cut points, on
	// the page and in the JSON, for stores whose feature values must not be
	// shown even in aggregate. Proportions stay (present.Privacy).
	HideValues bool
	// TopCategories is how many categories of a histogram are named, the
	// most frequent; the rest fold into one "others" category. 0 names
	// every category.
	TopCategories int
	// MinCategoryCount is how many sampled rows (online plus offline) a
	// category needs to be named; rarer ones fold into "others". 0 sets
	// no minimum.
	MinCategoryCount int
}

// Paths served by Handler.
const (
	PathPage = "/"
	PathJSON = "/api/v1/results"
)

// Handler returns the handler of the status page: "/" serves HTML and
// "/api/v1/results" serves JSON, both for GET and HEAD. Every other path is
// 404, so mounting it at "/" of a mux leaves the mux's other routes intact.
func Handler(src Source, opts Options) http.Handler {
	if opts.Title == "" {
		opts.Title = "fsmon"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	// The template is a constant of this package: a parse error is a bug
	// that every test catches.
	tmpl := template.Must(template.New("page").Funcs(funcs()).Parse(pageHTML))
	return &handler{src: src, opts: opts, tmpl: tmpl}
}

type handler struct {
	src  Source
	opts Options
	tmpl *template.Template
}

// csp allows inline styles and data: images only: no script, no fetches;
// forms (the filter) submit to the page itself.
const csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != PathPage && r.URL.Path != PathJSON {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	f, ferr := parseFilter(r.URL.Query())
	if ferr != nil {
		http.Error(w, "status page: "+ferr.Error(), http.StatusBadRequest)
		return
	}
	var snap Snapshot
	if h.src != nil {
		snap = h.src()
	}
	snap.Results = present.Redact(snap.Results, present.Privacy{
		HideValues: h.opts.HideValues, TopCategories: h.opts.TopCategories, MinCount: h.opts.MinCategoryCount})
	var (
		buf   bytes.Buffer
		err   error
		ctype string
	)
	if r.URL.Path == PathJSON {
		ctype = "application/json"
		err = writeJSON(&buf, snap, f)
	} else {
		ctype = "text/html; charset=utf-8"
		err = h.tmpl.Execute(&buf, buildPage(snap, h.opts, f))
	}
	if err != nil {
		// Rendering only fails on a bug; the details stay out of the
		// response because they may quote result text.
		http.Error(w, "status page: rendering failed", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", ctype)
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", csp)
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(buf.Bytes())
}

// jsonDoc is the JSON twin of the page.
type jsonDoc struct {
	Status    checks.Status   `json:"status"`
	UpdatedAt *time.Time      `json:"updated_at"`
	Version   string          `json:"version,omitempty"`
	Shard     string          `json:"shard,omitempty"`
	Problems  []string        `json:"problems,omitempty"`
	Results   []checks.Result `json:"results"`
	Views     []jsonView      `json:"views"`
}

type jsonView struct {
	Project         string     `json:"project,omitempty"`
	Name            string     `json:"name"`
	LastRun         *time.Time `json:"last_run"`
	IntervalSeconds float64    `json:"interval_seconds"`
	Running         bool       `json:"running"`
	Error           string     `json:"error,omitempty"`
	// Notes are what the page says once per view: a disagreement between
	// Feast's materialization record and the measured freshness, tied
	// values making KS p-values conservative.
	Notes []string `json:"notes,omitempty"`
}

// writeJSON writes the JSON twin: the same results and views as the page
// under the same filter. The overall status is of every result, like the
// page's.
func writeJSON(buf *bytes.Buffer, snap Snapshot, f filter) error {
	doc := jsonDoc{
		Status:   overall(snap),
		Version:  snap.Version,
		Shard:    snap.Shard,
		Problems: snap.Problems,
		Results:  []checks.Result{},
		Views:    make([]jsonView, 0, len(snap.Views)),
	}
	byView := map[[2]string][]checks.Result{}
	for _, r := range sortedResults(snap.Results) {
		byView[[2]string{r.Project, r.FeatureView}] = append(byView[[2]string{r.Project, r.FeatureView}], r)
		if f.shows(r) {
			doc.Results = append(doc.Results, r)
		}
	}
	if !snap.UpdatedAt.IsZero() {
		t := snap.UpdatedAt.UTC()
		doc.UpdatedAt = &t
	}
	for _, v := range sortedViews(snap.Views) {
		if !f.wantsView(v.Project, v.Name) {
			continue
		}
		jv := jsonView{Project: v.Project, Name: v.Name, IntervalSeconds: v.Interval.Seconds(), Running: v.Running, Error: v.Error,
			Notes: viewNotes(byView[[2]string{v.Project, v.Name}])}
		if !v.LastRun.IsZero() {
			t := v.LastRun.UTC()
			jv.LastRun = &t
		}
		doc.Views = append(doc.Views, jv)
	}
	enc := json.NewEncoder(buf)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// overall is the worst status of the results and of the views' run errors.
func overall(snap Snapshot) checks.Status {
	worst := checks.OK
	for _, r := range snap.Results {
		if r.Status.Severity() > worst.Severity() {
			worst = r.Status
		}
	}
	for _, v := range snap.Views {
		if v.Error != "" && checks.Error.Severity() > worst.Severity() {
			worst = checks.Error
		}
	}
	// A daemon problem (a Feast registry never read: views that are not
	// checked at all) is an error even when every result it has is ok.
	if len(snap.Problems) > 0 && checks.Error.Severity() > worst.Severity() {
		worst = checks.Error
	}
	return worst
}

// checkRank is the order of check kinds among results of equal severity:
// the order of docs/contract.md section 3. Unknown kinds come last, by name.
func checkRank(kind string) int {
	switch kind {
	case checks.KindFreshness:
		return 1
	case checks.KindNullRate:
		return 2
	case checks.KindCoverage:
		return 3
	case checks.KindConsistency:
		return 4
	case checks.KindSkew:
		return 5
	case checks.KindDrift:
		return 6
	}
	return 7
}

// compareResults orders results worst first, then by project, view, check,
// feature and store.
func compareResults(a, b checks.Result) int {
	if c := b.Status.Severity() - a.Status.Severity(); c != 0 {
		return c
	}
	if c := strings.Compare(a.Project, b.Project); c != 0 {
		return c
	}
	if c := strings.Compare(a.FeatureView, b.FeatureView); c != 0 {
		return c
	}
	if c := checkRank(a.Check) - checkRank(b.Check); c != 0 {
		return c
	}
	if c := strings.Compare(a.Check, b.Check); c != 0 {
		return c
	}
	if c := strings.Compare(a.Feature, b.Feature); c != 0 {
		return c
	}
	return strings.Compare(a.Store, b.Store)
}

// sortedResults returns a sorted copy of rs, never nil.
func sortedResults(rs []checks.Result) []checks.Result {
	out := make([]checks.Result, len(rs))
	copy(out, rs)
	slices.SortStableFunc(out, compareResults)
	return out
}

func sortedViews(vs []ViewInfo) []ViewInfo {
	out := slices.Clone(vs)
	slices.SortStableFunc(out, func(a, b ViewInfo) int {
		if c := strings.Compare(a.Project, b.Project); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

// viewNotes are the notes of one view's results: Feast materialization
// disagreements, then the tied-values note.
func viewNotes(rs []checks.Result) []string {
	var notes, tied []string
	for _, r := range rs {
		if m := materializationFlag(r); m != "" {
			notes = append(notes, m)
		}
		_, tied = dropTies(r.Warnings, r, tied)
	}
	if len(tied) > 0 {
		notes = append(notes, tiesNote(tied))
	}
	return notes
}
