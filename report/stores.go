package report

import (
	"fmt"
	"io"

	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/present"
)

// ViewReads is what one view's checks read from its stores in the pass:
// files, row groups and keys read and skipped, and the problems met.
type ViewReads struct {
	Project     string             `json:"project"`
	FeatureView string             `json:"feature_view"`
	Stores      []checks.StoreRead `json:"stores"`
}

// viewReads gathers the reads of sorted results, one entry per view that
// read anything.
func viewReads(rs []checks.Result) []ViewReads {
	var out []ViewReads
	for i := 0; i < len(rs); {
		j := i
		for j < len(rs) && rs[j].Project == rs[i].Project && rs[j].FeatureView == rs[i].FeatureView {
			j++
		}
		if st := checks.MergeReads(rs[i:j]); len(st) > 0 {
			out = append(out, ViewReads{Project: rs[i].Project, FeatureView: rs[i].FeatureView, Stores: st})
		}
		i = j
	}
	return out
}

// writeReads writes, per view, what each store read and every problem.
func writeReads(w io.Writer, vs []ViewReads) error {
	if len(vs) == 0 {
		return nil
	}
	if _, err := fmt.Fprintln(w, "\nREAD"); err != nil {
		return err
	}
	for _, v := range vs {
		for _, s := range v.Stores {
			if _, err := fmt.Fprintf(w, "%s/%s %s: %s\n", v.Project, v.FeatureView, s.Store, present.Reads(s)); err != nil {
				return err
			}
			for _, p := range s.Problems {
				if _, err := fmt.Fprintf(w, "  problem: %s\n", present.Problem(s.Store, p)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
