package statuspage

import (
	_ "embed"
	"fmt"
	"html/template"
	"slices"
	"strings"

	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/present"
)

//go:embed page.html.tmpl
var pageHTML string

// page is the view model of the HTML template.
type page struct {
	Title      string
	Version    string
	Shard      string
	GrafanaURL string
	Status     string
	Counts     []statusCount
	Total      int
	Updated    string
	UpdatedAgo string
	Generated  string
	Groups     []group
}

type statusCount struct {
	Status string
	N      int
}

type group struct {
	Project string
	Name    string
	Status  string // worst status, or "pending" when nothing ran yet
	Counts  []statusCount
	Total   int
	LastRun string
	Every   string
	Running bool
	Error   string
	Rows    []row
	// Reads says per store what the last run read ("online: 10000 keys
	// read"); Problems are the data problems met, biasing ones first.
	Reads    []string
	Problems []problemLine
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
	Chart     template.HTML
	NoChart   bool // a skew result without a drawable histogram
}

// statuses in display order, worst first.
var statusOrder = [...]checks.Status{checks.Crit, checks.Error, checks.Warn, checks.OK}

func countStatuses(rs []checks.Result) []statusCount {
	n := map[checks.Status]int{}
	for _, r := range rs {
		n[r.Status]++
	}
	var out []statusCount
	for _, s := range statusOrder {
		if n[s] > 0 {
			out = append(out, statusCount{Status: s.String(), N: n[s]})
		}
	}
	return out
}

func buildPage(snap Snapshot, opts Options) page {
	now := opts.Now()
	results := sortedResults(snap.Results)
	p := page{
		Title:      opts.Title,
		Version:    snap.Version,
		Shard:      snap.Shard,
		GrafanaURL: opts.GrafanaURL,
		Status:     overall(snap).String(),
		Counts:     countStatuses(results),
		Total:      len(results),
		Updated:    "no run finished yet",
		Generated:  now.UTC().Format(timeLayout),
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
		groups[i].Rows = append(groups[i].Rows, buildRow(r))
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
		groups[i].Counts = countStatuses(members[i])
		groups[i].Total = len(members[i])
		for _, sr := range checks.MergeReads(members[i]) {
			groups[i].Reads = append(groups[i].Reads, sr.Store+": "+present.Reads(sr))
			for _, pr := range sr.Problems {
				groups[i].Problems = append(groups[i].Problems, problemLine{Text: present.Problem(sr.Store, pr), Biased: pr.Kind.Biases()})
			}
		}
		slices.SortStableFunc(groups[i].Problems, func(a, b problemLine) int {
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
		for _, s := range statusOrder {
			if g.Status == s.String() {
				sev = s.Severity()
			}
		}
		if g.Error != "" {
			if sev < checks.Error.Severity() {
				sev = checks.Error.Severity()
			}
		}
		return sev
	}
	for i := range groups {
		if groups[i].Error != "" && rank(groups[i]) == checks.Error.Severity() {
			groups[i].Status = checks.Error.String()
		}
	}
	sortGroups(groups, rank)
	p.Groups = groups
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

func buildRow(r checks.Result) row {
	p := present.Of(r)
	rw := row{
		Status:    r.Status.String(),
		Check:     r.Check,
		Feature:   r.Feature,
		Store:     r.Store,
		Value:     orDash(p.ValueWithInterval()),
		Threshold: orNone(p.Threshold),
		Samples:   samplesText(r),
		Message:   r.Message,
		Error:     r.Error,
		Stats:     statsText(p),
		Details:   detailsText(r.Details),
		Warnings:  r.Warnings,
	}
	if (r.Check == checks.KindSkew || r.Check == checks.KindDrift) && r.Status != checks.Error {
		svg := histogramSVG(r.Feature, r.Histogram)
		// histogramSVG escapes every text it writes.
		rw.Chart = template.HTML(svg) //nolint:gosec // escaped by construction, see TestEscaping
		rw.NoChart = svg == ""
	}
	return rw
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
