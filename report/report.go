// Package report renders the results of one `fsmon check` pass as the JSON
// report of docs/contract.md section 4 or as text for a terminal, and decides the
// exit code of the gate.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/present"
)

// Report is one pass of every check.
type Report struct {
	Version    string          `json:"version"`
	StartedAt  time.Time       `json:"started_at"`
	FinishedAt time.Time       `json:"finished_at"`
	Status     checks.Status   `json:"status"`
	Results    []checks.Result `json:"results"`
	// Reads are, per view, the files, row groups and keys each store read
	// and skipped, and the data problems met (also on each result).
	Reads []ViewReads `json:"reads,omitempty"`
}

// New builds a report; results are sorted by view, check, feature and
// store so that reports diff cleanly.
func New(version string, started, finished time.Time, results []checks.Result) *Report {
	rs := make([]checks.Result, 0, len(results))
	for _, r := range results {
		rs = append(rs, r)
	}
	order := map[string]int{}
	for i, k := range checks.Kinds() {
		order[k] = i
	}
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if a.Project != b.Project {
			return a.Project < b.Project
		}
		if a.FeatureView != b.FeatureView {
			return a.FeatureView < b.FeatureView
		}
		if a.Check != b.Check {
			return order[a.Check] < order[b.Check]
		}
		if a.Feature != b.Feature {
			return a.Feature < b.Feature
		}
		return a.Store < b.Store
	})
	return &Report{Version: version, StartedAt: started.UTC(), FinishedAt: finished.UTC(), Status: Overall(rs), Results: rs, Reads: viewReads(rs)}
}

// Overall is crit if any result is crit, else error if any is error, else
// warn if any is warn, else insufficient if any is insufficient, else ok.
func Overall(rs []checks.Result) checks.Status {
	worst := checks.OK
	for _, r := range rs {
		if r.Status.Severity() > worst.Severity() {
			worst = r.Status
		}
	}
	return worst
}

// Exit codes of `fsmon check` (docs/contract.md section 1).
const (
	ExitOK       = 0
	ExitGate     = 1
	ExitUsage    = 2
	ExitCouldNot = 3
)

// ExitCode is 1 when a result is at or above failOn (Warn or Crit), else 3
// when a check could not run, else 0. An Insufficient result (a sample
// below min_sample) fails the gate only when failOn is Warn, the strict
// gate: there "not known to be fine" fails; under Crit it passes.
func ExitCode(rs []checks.Result, failOn checks.Status) int {
	code := ExitOK
	for _, r := range rs {
		switch {
		case r.Status == checks.Crit || (failOn == checks.Warn && (r.Status == checks.Warn || r.Status == checks.Insufficient)):
			return ExitGate
		case r.Status == checks.Error:
			code = ExitCouldNot
		}
	}
	return code
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes one line per result, worst first, then a summary.
func (r *Report) WriteText(w io.Writer) error {
	rs := append([]checks.Result(nil), r.Results...)
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Status.Severity() > rs[j].Status.Severity() })
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STATUS\tCHECK\tVIEW\tFEATURE\tSTORE\tVALUE\tTHRESHOLD\tMESSAGE")
	counts := map[checks.Status]int{}
	for _, x := range rs {
		counts[x.Status]++
		p := present.Of(x)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", strings.ToUpper(x.Status.String()), x.Check,
			x.Project+"/"+x.FeatureView, dash(x.Feature), dash(x.Store), dash(p.ValueWithInterval()), dash(p.Threshold), p.Message)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if err := writeReads(w, r.Reads); err != nil {
		return err
	}
	insufficient := ""
	if n := counts[checks.Insufficient]; n > 0 {
		insufficient = fmt.Sprintf(", %d insufficient", n)
	}
	_, err := fmt.Fprintf(w, "\n%s: %d results (%d crit, %d error, %d warn%s, %d ok) in %s\n", strings.ToUpper(r.Status.String()),
		len(rs), counts[checks.Crit], counts[checks.Error], counts[checks.Warn], insufficient, counts[checks.OK], r.FinishedAt.Sub(r.StartedAt).Round(time.Millisecond))
	return err
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
