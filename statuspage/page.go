package statuspage

import (
	_ "embed"
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/present"
	"github.com/fsmon/fsmon/stats"
)

//go:embed page.html.tmpl
var pageHTML string

// page is the view model of the HTML template.
type page struct {
	Title      string
	Version    string
	Shard      string
	Problems   []string
	GrafanaURL string
	Status     string
	Counts     []statusCount
	Total      int
	ViewCount  int
	Updated    string
	UpdatedAgo string
	Generated  string
	// Broken are the results that are not ok (nor insufficient), worst
	// first, one line each: the first thing on the page.
	Broken []brokenLine
	// Filter is the state of the filter form; JSONLink is the JSON twin
	// with the same filter.
	Filter   filterForm
	JSONLink string
	Groups   []group
}

type statusCount struct {
	Status string
	N      int
	// Link shows only this status (?status=...).
	Link string
}

// brokenLine is one broken result in the list at the top: view, check,
// feature, value vs threshold, since when.
type brokenLine struct {
	Status  string
	Project string
	View    string
	Anchor  string
	Check   string
	Feature string
	Store   string
	// Value is the value (and its interval) next to its own thresholds
	// ("90% (88.1–91.7%) vs warn ≤ 99% · crit ≤ 95%"; for skew each
	// statistic that has thresholds).
	Value string
	// Since is "crit since 02:14 (3h 10m)", "" without history.
	Since string
	Spark template.HTML
	// Flag is a disagreement between Feast's materialization record and
	// the measured freshness.
	Flag string
	// Error is why the check could not run (error results).
	Error string
}

type group struct {
	Project string
	Name    string
	Anchor  string
	Status  string // worst status, or "pending" when nothing ran yet
	Counts  []statusCount
	Total   int
	LastRun string
	Every   string
	Running bool
	Error   string
	// Grafana is the view's dashboard in Grafana ("" without
	// web.grafana_url).
	Grafana string
	// Bad are the rows that are not ok, shown; OK are the ok rows,
	// collapsed under "12 ok" unless OpenOK.
	Bad    []row
	OK     []row
	OpenOK bool
	// Reads says per store what the last run read ("online: 10000 keys
	// read"); Problems are the data problems met, biasing ones first.
	Reads    []string
	Problems []problemLine
	// Notes are said once for the view instead of on every row (tied
	// values making KS p-values conservative).
	Notes []string
	// Hidden is how many of the view's results the filter hides.
	Hidden int
}

// problemLine is one store problem; Biased marks one that left data out
// of the sample.
type problemLine struct {
	Text   string
	Biased bool
}

type row struct {
	Status    string
	Check     string
	Feature   string
	Store     string
	Value     string
	Threshold string
	Samples   string
	Message   string
	Error     string
	Stats     []string
	Details   []string
	Warnings  []string
	Since     string
	Spark     template.HTML
	Flag      string
	Chart     template.HTML
	NoChart   bool // a skew result without a drawable histogram
}

// statusName is a status as text. Statuses are ordered by severity
// (checks.Status.Severity), worst first, whatever statuses exist.
func statusName(s checks.Status) string { return s.String() }

// insufficient reports whether s says the sample was too small to judge:
// neither ok nor broken.
func insufficient(s checks.Status) bool { return s.String() == "insufficient" }

// broken reports whether a result belongs in the list at the top.
func broken(s checks.Status) bool { return s != checks.OK && !insufficient(s) }

// countStatuses counts rs per status, worst first.
func countStatuses(rs []checks.Result, f filter) []statusCount {
	n := map[checks.Status]int{}
	for _, r := range rs {
		n[r.Status]++
	}
	var out []statusCount
	for _, s := range sortedStatuses(n) {
		out = append(out, statusCount{Status: statusName(s), N: n[s], Link: f.with(statusName(s)).query("")})
	}
	return out
}

// sortedStatuses returns the keys of n worst first.
func sortedStatuses(n map[checks.Status]int) []checks.Status {
	out := make([]checks.Status, 0, len(n))
	for s := range n {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b checks.Status) int {
		if c := b.Severity() - a.Severity(); c != 0 {
			return c
		}
		return strings.Compare(a.String(), b.String())
	})
	return out
}

// anchor is the fragment id of a view's section.
func anchor(project, name string) string {
	var b strings.Builder
	b.WriteString("view-")
	for _, c := range project + "." + name {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
			b.WriteRune(c)
		default:
			b.WriteByte('-')
		}
	}
	return b.String()
}

// viewDashboardUID is the UID of the per-view Grafana dashboard
// (dashboards.ViewUID; a test keeps them equal).
const viewDashboardUID = "fsmon-view"

// grafanaViewURL links the view's dashboard with its variables set, as the
// alert rules' dashboard annotation does.
func grafanaViewURL(base, project, view string) string {
	base = strings.TrimRight(base, "/")
	if base == "" {
		return ""
	}
	q := url.Values{"var-project": {project}, "var-feature_view": {view}}
	return base + "/d/" + viewDashboardUID + "/?" + q.Encode()
}

func buildPage(snap Snapshot, opts Options, f filter) page {
	now := opts.Now()
	results := sortedResults(snap.Results)
	p := page{
		Title:      opts.Title,
		Version:    snap.Version,
		Shard:      snap.Shard,
		Problems:   snap.Problems,
		GrafanaURL: opts.GrafanaURL,
		Status:     overall(snap).String(),
		Counts:     countStatuses(results, filter{}),
		Total:      len(results),
		Updated:    "no run finished yet",
		Generated:  now.UTC().Format(timeLayout),
		JSONLink:   f.query(PathJSON[1:]),
	}
	if !snap.UpdatedAt.IsZero() {
		p.Updated = snap.UpdatedAt.UTC().Format(timeLayout)
		p.UpdatedAgo = ago(snap.UpdatedAt, now)
	}

	// Group results by view, keeping the worst-first order of the views'
	// first results; then add the views that have no result yet.
	type key struct{ project, name string }
	idx := map[key]int{}
	var groups []group
	var members [][]checks.Result
	for _, r := range results {
		k := key{r.Project, r.FeatureView}
		i, ok := idx[k]
		if !ok {
			i = len(groups)
			idx[k] = i
			groups = append(groups, group{Project: r.Project, Name: r.FeatureView, Status: r.Status.String()})
			members = append(members, nil)
		}
		members[i] = append(members[i], r)
	}
	for _, v := range sortedViews(snap.Views) {
		k := key{v.Project, v.Name}
		i, ok := idx[k]
		if !ok {
			i = len(groups)
			idx[k] = i
			groups = append(groups, group{Project: v.Project, Name: v.Name, Status: "pending"})
			members = append(members, nil)
		}
		g := &groups[i]
		g.LastRun = ago(v.LastRun, now)
		if v.Interval > 0 {
			g.Every = checks.HumanDuration(v.Interval.Seconds())
		}
		g.Running = v.Running
		g.Error = v.Error
	}
	for i := range groups {
		g := &groups[i]
		g.Anchor = anchor(g.Project, g.Name)
		g.Grafana = grafanaViewURL(opts.GrafanaURL, g.Project, g.Name)
		g.Counts = countStatuses(members[i], filter{})
		g.Total = len(members[i])
		var tied []string
		for _, r := range members[i] {
			if !f.shows(r) {
				g.Hidden++
				continue
			}
			rw := buildRow(r, now)
			rw.Warnings, tied = dropTies(rw.Warnings, r, tied)
			if r.Status == checks.OK {
				g.OK = append(g.OK, rw)
			} else {
				g.Bad = append(g.Bad, rw)
			}
		}
		g.OpenOK = f.opensOK()
		if len(tied) > 0 {
			g.Notes = append(g.Notes, tiesNote(tied))
		}
		for _, sr := range checks.MergeReads(members[i]) {
			g.Reads = append(g.Reads, sr.Store+": "+present.Reads(sr))
			for _, pr := range sr.Problems {
				g.Problems = append(g.Problems, problemLine{Text: present.Problem(sr.Store, pr), Biased: pr.Kind.Biases()})
			}
		}
		slices.SortStableFunc(g.Problems, func(a, b problemLine) int {
			if a.Biased == b.Biased {
				return 0
			}
			if a.Biased {
				return -1
			}
			return 1
		})
	}
	// A view whose run failed ranks as error even if its older results are
	// better; pending views come last.
	rank := func(g group) int {
		sev := -1
		if g.Status != "pending" {
			var s checks.Status
			if err := s.UnmarshalText([]byte(g.Status)); err == nil {
				sev = s.Severity()
			}
		}
		if g.Error != "" {
			sev = max(sev, checks.Error.Severity())
		}
		return sev
	}
	for i := range groups {
		if groups[i].Error != "" && rank(groups[i]) == checks.Error.Severity() {
			groups[i].Status = checks.Error.String()
		}
	}
	sortGroups(groups, rank)
	p.ViewCount = len(groups)
	for _, g := range groups {
		if f.showsView(g) {
			p.Groups = append(p.Groups, g)
		}
	}
	for _, r := range results {
		if broken(r.Status) && f.shows(r) {
			p.Broken = append(p.Broken, buildBroken(r, now))
		}
	}
	p.Filter = f.form(groups)
	return p
}

// sortGroups orders groups by rank (worst first), then project and name.
func sortGroups(gs []group, rank func(group) int) {
	slices.SortStableFunc(gs, func(a, b group) int {
		if c := rank(b) - rank(a); c != 0 {
			return c
		}
		if c := strings.Compare(a.Project, b.Project); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
}

// valueVsThreshold is a result's value next to its own thresholds, from the
// one presentation: "90% (88.1–91.7%) vs warn ≤ 99% · crit ≤ 95%"; for skew every
// statistic that has thresholds, each with its own ("KS D 0.31 (crit ≥ 0.1
// with adj. p < 0.01) · adj. p 3.60e-40 (raw 1.20e-40; < 0.01) · PSI 0.42
// (warn ≥ 0.1 · crit ≥ 0.25)").
func valueVsThreshold(p present.Result) string {
	if len(p.Stats) > 0 {
		var parts []string
		for _, s := range p.Stats {
			if s.Threshold != "" {
				parts = append(parts, s.String())
			}
		}
		if len(parts) > 0 {
			return strings.Join(parts, " · ")
		}
	}
	v := valueText(p)
	if v == "" {
		return ""
	}
	if p.Threshold == "" {
		return v
	}
	return v + " vs " + p.Threshold
}

// valueText is the headline value of a presentation with its interval
// when it has one: "2.1% (1.4–3.0%)".
func valueText(p present.Result) string { return p.ValueWithInterval() }

// sinceText is "crit since 02:14 (3h 10m)": the status, when it began
// (the clock time alone when it is today, UTC) and for how long; "" for a
// result without history.
func sinceText(r checks.Result, now time.Time) string {
	if r.Since == nil || r.Since.IsZero() {
		return ""
	}
	s, n := r.Since.UTC(), now.UTC()
	clock := s.Format("15:04")
	switch {
	case s.Year() != n.Year():
		clock = s.Format("2006-01-02 15:04")
	case s.YearDay() != n.YearDay():
		clock = s.Format("Jan 2 15:04")
	}
	d := n.Sub(s).Seconds()
	if d < 0 {
		d = 0
	}
	return r.Status.String() + " since " + clock + " (" + checks.HumanDuration(float64(int64(d))) + ")"
}

func buildBroken(r checks.Result, now time.Time) brokenLine {
	p := present.Of(r)
	b := brokenLine{
		Status:  r.Status.String(),
		Project: r.Project,
		View:    r.FeatureView,
		Anchor:  anchor(r.Project, r.FeatureView),
		Check:   r.Check,
		Feature: r.Feature,
		Store:   r.Store,
		Value:   valueVsThreshold(p),
		Since:   sinceText(r, now),
		Flag:    materializationFlag(r),
	}
	if r.Status == checks.Error {
		b.Error = r.Error
	}
	b.Spark = sparkHTML(r)
	return b
}

func buildRow(r checks.Result, now time.Time) row {
	p := present.Of(r)
	rw := row{
		Status:    r.Status.String(),
		Check:     r.Check,
		Feature:   r.Feature,
		Store:     r.Store,
		Value:     orDash(valueText(p)),
		Threshold: orNone(p.Threshold),
		Samples:   samplesText(r),
		Message:   r.Message,
		Error:     r.Error,
		Stats:     statsText(p),
		Details:   detailsText(r.Details),
		Warnings:  r.Warnings,
		Since:     sinceText(r, now),
		Flag:      materializationFlag(r),
		Spark:     sparkHTML(r),
	}
	if (r.Check == checks.KindSkew || r.Check == checks.KindDrift) && r.Status != checks.Error {
		svg := histogramSVG(r.Feature, r.Histogram)
		// histogramSVG escapes every text it writes.
		rw.Chart = template.HTML(svg) //nolint:gosec // escaped by construction, see TestEscaping
		rw.NoChart = svg == ""
	}
	return rw
}

// sparkHTML is the sparkline of a result's history as trusted HTML.
func sparkHTML(r checks.Result) template.HTML {
	// sparklineSVG escapes every text it writes.
	return template.HTML(sparklineSVG(r)) //nolint:gosec // escaped by construction, see TestSparkline
}

// dropTies removes the tied-values warning from a row's warnings; when the
// ties matter for the result's verdict (tiesMatter) it records the
// result's feature in tied, so the view says it once.
func dropTies(ws []string, r checks.Result, tied []string) ([]string, []string) {
	var out []string
	found := false
	for _, w := range ws {
		if strings.Contains(w, stats.WarnTies.Error()) {
			found = true
			continue
		}
		out = append(out, w)
	}
	if found && tiesMatter(r) {
		name := r.Feature
		if name == "" {
			name = r.Check
		}
		if !slices.Contains(tied, name) {
			tied = append(tied, name)
		}
	}
	return out, tied
}

// tiesMatter reports whether tied values can change r's verdict. Ties make
// the KS p-value conservative (too large), which can only hide a shift: it
// matters when the effect size reaches its threshold but the adjusted
// p-value is not significant, so the result is not crit on the p-value
// alone. A result already crit, or whose D is below its threshold, is not
// affected. Without the thresholds to tell, it matters unless crit.
func tiesMatter(r checks.Result) bool {
	if r.Status == checks.Crit {
		return false
	}
	for _, t := range r.Tests {
		if t.Test != "ks" {
			continue
		}
		if t.Threshold == nil || t.Threshold.Crit == nil || t.PValueAdjusted == nil || t.PValueThreshold == nil {
			return true
		}
		return t.Statistic >= *t.Threshold.Crit && *t.PValueAdjusted >= *t.PValueThreshold
	}
	return true
}

// tiesNote is the one note of a view whose KS tests met tied values.
func tiesNote(features []string) string {
	return fmt.Sprintf("Tied values in %s: KS D reaches its threshold but the p-value, conservative (too large) with ties, is not significant, so a real shift may be hidden; PSI and D are not affected.",
		strings.Join(features, ", "))
}

// materializationFlag says when Feast's record of the view's last
// materialization and the freshness fsmon measured disagree: the record
// would pass the freshness thresholds and the data does not, or the other
// way round. "" when they agree or there is no record.
func materializationFlag(r checks.Result) string {
	if r.Check != checks.KindFreshness || r.Value == nil || r.Threshold == nil || r.Status == checks.Error {
		return ""
	}
	mat, ok := r.Details["feast_last_materialization_seconds"].(float64)
	if !ok || r.At.IsZero() {
		return ""
	}
	limit := r.Threshold.Warn
	if limit == nil {
		limit = r.Threshold.Crit
	}
	if limit == nil {
		return ""
	}
	recordAge := float64(r.At.UnixNano())/1e9 - mat
	recordFresh := recordAge < *limit
	dataFresh := *r.Value < *limit
	if recordFresh == dataFresh {
		return ""
	}
	when := time.Unix(0, int64(mat*1e9)).UTC().Format(timeLayout)
	if recordFresh {
		return fmt.Sprintf("Feast's registry says the view was materialized %s ago (%s), but the newest event online is %s old: the record disagrees with the data",
			checks.HumanDuration(max(0, float64(int64(recordAge)))), when, checks.HumanDuration(*r.Value))
	}
	return fmt.Sprintf("the data online is fresh (%s old), but Feast's registry records no materialization since %s (%s ago): written outside feast materialize?",
		checks.HumanDuration(*r.Value), when, checks.HumanDuration(max(0, float64(int64(recordAge)))))
}

// statusLabel is the text shown inside a status badge.
func statusLabel(s string) string {
	return strings.ToUpper(s)
}

// funcs are the template's helpers.
func funcs() template.FuncMap {
	return template.FuncMap{
		"label": statusLabel,
		"plural": func(n int, word string) string {
			if n == 1 {
				return fmt.Sprintf("%d %s", n, word)
			}
			return fmt.Sprintf("%d %ss", n, word)
		},
	}
}
