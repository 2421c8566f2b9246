package statuspage

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/fsmon/fsmon/checks"
)

// filter is what the query parameters of the page and the JSON twin ask
// for: ?status=crit,warn&view=driver_stats. It works without JavaScript:
// the page's filter form submits it with GET.
type filter struct {
	// statuses are status names, or "problems" for every status but ok;
	// empty shows every status.
	statuses []string
	// views are "project/view" or "view" (that name in every project);
	// empty shows every view.
	views []string
}

// statusProblems selects every status but ok.
const statusProblems = "problems"

// filterStatuses are the values the status filter knows, in the form's
// order.
var filterStatuses = []string{statusProblems, "crit", "error", "warn", "insufficient", "ok"}

// parseFilter reads the filter from query parameters. Values may repeat or
// be comma-separated; an unknown status is an error.
func parseFilter(q url.Values) (filter, error) {
	var f filter
	split := func(vs []string) []string {
		var out []string
		for _, v := range vs {
			for _, s := range strings.Split(v, ",") {
				if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
					out = append(out, s)
				}
			}
		}
		return out
	}
	f.statuses = split(q["status"])
	for _, s := range f.statuses {
		if !slices.Contains(filterStatuses, s) {
			return filter{}, fmt.Errorf("unknown status %q in the filter: use %s", s, strings.Join(filterStatuses, ", "))
		}
	}
	f.views = split(q["view"])
	return f, nil
}

func (f filter) active() bool { return len(f.statuses)+len(f.views) > 0 }

func (f filter) wantsStatus(s string) bool {
	if len(f.statuses) == 0 || slices.Contains(f.statuses, s) {
		return true
	}
	return s != checks.OK.String() && slices.Contains(f.statuses, statusProblems)
}

func (f filter) wantsView(project, name string) bool {
	if len(f.views) == 0 {
		return true
	}
	return slices.Contains(f.views, name) || slices.Contains(f.views, project+"/"+name)
}

// shows reports whether the filter lets r through.
func (f filter) shows(r checks.Result) bool {
	return f.wantsStatus(r.Status.String()) && f.wantsView(r.Project, r.FeatureView)
}

// showsView reports whether a view's section is shown: its view is
// selected and, under a status filter, it has a result or a failed run
// that the filter lets through.
func (f filter) showsView(g group) bool {
	if !f.wantsView(g.Project, g.Name) {
		return false
	}
	if len(f.statuses) == 0 {
		return true
	}
	return len(g.Bad)+len(g.OK) > 0 || (g.Error != "" && f.wantsStatus(checks.Error.String()))
}

// opensOK reports whether the ok rows are shown expanded: when the filter
// asks for ok results.
func (f filter) opensOK() bool { return slices.Contains(f.statuses, checks.OK.String()) }

// with returns f showing only status s.
func (f filter) with(s string) filter {
	return filter{statuses: []string{s}, views: f.views}
}

// query returns path with the filter as its query string ("?status=crit").
// An empty path and no filter give ".": the page itself.
func (f filter) query(path string) string {
	q := url.Values{}
	if len(f.statuses) > 0 {
		q.Set("status", strings.Join(f.statuses, ","))
	}
	if len(f.views) > 0 {
		q.Set("view", strings.Join(f.views, ","))
	}
	if len(q) == 0 {
		if path == "" {
			return "."
		}
		return path
	}
	return path + "?" + q.Encode()
}

// filterForm is the filter form of the page.
type filterForm struct {
	Active   bool
	Statuses []option
	Views    []option
	// Summary says what is shown ("crit, warn in driver_stats").
	Summary string
}

type option struct {
	Value, Label string
	Selected     bool
}

// form builds the filter form over every view of the page.
func (f filter) form(groups []group) filterForm {
	ff := filterForm{Active: f.active()}
	ff.Statuses = append(ff.Statuses, option{Value: "", Label: "all statuses", Selected: len(f.statuses) == 0})
	for _, s := range filterStatuses {
		label := s
		if s == statusProblems {
			label = "not ok"
		}
		ff.Statuses = append(ff.Statuses, option{Value: s, Label: label, Selected: len(f.statuses) == 1 && f.statuses[0] == s})
	}
	if len(f.statuses) > 1 {
		v := strings.Join(f.statuses, ",")
		ff.Statuses = append(ff.Statuses, option{Value: v, Label: v, Selected: true})
	}
	ff.Views = append(ff.Views, option{Value: "", Label: "all views", Selected: len(f.views) == 0})
	var names []string
	for _, g := range groups {
		names = append(names, g.Project+"/"+g.Name)
	}
	slices.Sort(names)
	for _, n := range names {
		project, name, _ := strings.Cut(n, "/")
		label := name
		if project != "" {
			label = name + " (" + project + ")"
		}
		ff.Views = append(ff.Views, option{Value: n, Label: label, Selected: len(f.views) == 1 && (f.views[0] == n || f.views[0] == name)})
	}
	if len(f.views) > 1 {
		v := strings.Join(f.views, ",")
		ff.Views = append(ff.Views, option{Value: v, Label: v, Selected: true})
	}
	var parts []string
	if len(f.statuses) > 0 {
		parts = append(parts, "status "+strings.Join(f.statuses, ", "))
	}
	if len(f.views) > 0 {
		parts = append(parts, "view "+strings.Join(f.views, ", "))
	}
	ff.Summary = strings.Join(parts, " · ")
	return ff
}
