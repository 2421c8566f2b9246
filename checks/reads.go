package checks

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/fsmon/fsmon/sample"
)

// StoreRead is what a result's data cost to read from one store, and the
// data problems met on the way (sample.Problem: kind, count, message). A
// result carries one per store it was computed from.
type StoreRead struct {
	Store string `json:"store"`
	sample.Reads
	Problems []sample.Problem `json:"problems,omitempty"`
}

// Biased reports whether a problem of the read left data out of the
// sample (files skipped, key budget spent, ...).
func (s StoreRead) Biased() bool {
	for _, p := range s.Problems {
		if p.Kind.Biases() {
			return true
		}
	}
	return false
}

// reads returns the store reads behind a result: which calls of the
// sampling protocol each check kind uses.
func reads(in *Input, r *Result) []StoreRead {
	var out []StoreRead
	add := func(store string, rd sample.Reads, ps []sample.Problem) {
		out = append(out, StoreRead{Store: store, Reads: rd, Problems: ps})
	}
	online := func(s *sample.Sample) {
		if s != nil {
			add(StoreOnline, s.Reads, s.Problems)
		}
	}
	offline := func(s *sample.Sample) {
		if s != nil {
			add(StoreOffline, s.Reads, s.Problems)
		}
	}
	switch r.Check {
	case KindFreshness:
		online(in.Online)
		if in.Footer != nil {
			add(StoreOffline, in.Footer.Reads, in.Footer.Problems)
		}
	case KindNullRate:
		if r.Store == StoreOnline {
			online(in.Online)
		} else {
			offline(in.Offline)
		}
	case KindCoverage:
		offline(in.Offline)
		online(in.Covered)
	case KindConsistency:
		online(in.Online)
		offline(in.AsOf)
	case KindSkew:
		online(in.Online)
		offline(in.Offline)
	case KindReplication:
		online(in.Online)
		for _, rep := range in.Replicas {
			if rep.Name == r.Store && rep.Same != nil {
				add(rep.Name, rep.Same.Reads, rep.Same.Problems)
			}
		}
	}
	return out
}

// attachReads adds the store reads behind r and lifts a result computed
// from a biased sample (data left out) to at least warn, saying why: a
// sample missing files or cut short by the key budget cannot vouch for ok.
func attachReads(in *Input, r *Result) {
	if IsSkipped(*r) {
		return
	}
	r.Reads = reads(in, r)
	if r.Status == Error {
		return
	}
	var why []string
	for _, sr := range r.Reads {
		for _, p := range sr.Problems {
			if p.Kind.Biases() {
				why = append(why, fmt.Sprintf("%s %s: %s", sr.Store, p.Kind, p.Message))
			}
		}
	}
	if len(why) == 0 {
		return
	}
	if r.Status < Warn {
		r.Status = Warn
	}
	r.Warnings = append(r.Warnings, why...)
	reason := why[0]
	if len(why) > 1 {
		reason += fmt.Sprintf(" (and %d more)", len(why)-1)
	}
	r.Message = strings.TrimSpace(r.Message + "; incomplete sample: " + reason)
}

// MergeReads gathers the store reads of one view's results: one StoreRead
// per store (online first), each count the greatest any result saw (the
// results of a run share their reads), problems once each, in order.
func MergeReads(rs []Result) []StoreRead {
	var out []StoreRead
	idx := map[string]int{}
	for _, r := range rs {
		for _, sr := range r.Reads {
			i, ok := idx[sr.Store]
			if !ok {
				i = len(out)
				idx[sr.Store] = i
				out = append(out, StoreRead{Store: sr.Store})
			}
			m := &out[i]
			m.Reads = maxReads(m.Reads, sr.Reads)
			for _, p := range sr.Problems {
				if !slices.Contains(m.Problems, p) {
					m.Problems = append(m.Problems, p)
				}
			}
		}
	}
	slices.SortStableFunc(out, func(a, b StoreRead) int {
		return cmp.Compare(storeOrder(a.Store), storeOrder(b.Store))
	})
	return out
}

func storeOrder(s string) int {
	if s == StoreOnline {
		return 0
	}
	return 1
}

func maxReads(a, b sample.Reads) sample.Reads {
	return sample.Reads{
		Files: max(a.Files, b.Files), FilesSkipped: max(a.FilesSkipped, b.FilesSkipped), FilesPruned: max(a.FilesPruned, b.FilesPruned),
		RowGroups: max(a.RowGroups, b.RowGroups), RowGroupsPruned: max(a.RowGroupsPruned, b.RowGroupsPruned),
		RowGroupsSkipped: max(a.RowGroupsSkipped, b.RowGroupsSkipped),
		Keys:             max(a.Keys, b.Keys), KeysSkipped: max(a.KeysSkipped, b.KeysSkipped),
	}
}
