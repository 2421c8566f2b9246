package present

import (
	"math"
	"sort"
	"strconv"

	"github.com/fsmon/fsmon/checks"
)

// Others is the name of the category that folds the categories a
// rendering does not name (Privacy.TopCategories, Privacy.MinCount).
const Others = "others"

// Privacy says which feature values a rendering that leaves the process
// (status page, API, JSON report) may show. The statistics are computed on
// every category before this applies: only what is shown changes.
type Privacy struct {
	// HideValues shows no feature value at all: categories are named
	// "category 1", "category 2", ... (after folding) and decile edges are
	// dropped. Proportions, counts and statistics stay.
	HideValues bool
	// TopCategories is how many categories of a histogram are shown by
	// name, the most frequent ones; the rest fold into Others. 0 shows
	// every category.
	TopCategories int
	// MinCount is how many times (online plus offline sample) a category
	// must have been seen to be shown by name: a value seen once or twice,
	// an e-mail address or an ID, folds into Others even when it is among
	// the top ones. 0 applies no minimum.
	MinCount int
}

// Redact returns rs as p allows them to be shown. The input, its results
// and their histograms are not modified.
func Redact(rs []checks.Result, p Privacy) []checks.Result {
	if p == (Privacy{}) {
		return rs
	}
	out := make([]checks.Result, len(rs))
	copy(out, rs)
	for i := range out {
		if out[i].Histogram != nil {
			out[i].Histogram = RedactHistogram(out[i].Histogram, out[i].OnlineN, out[i].OfflineN, p)
		}
	}
	return out
}

// RedactHistogram returns h as p allows it to be shown; onlineN and
// offlineN are the sample sizes its proportions are of (a category's count
// is its proportion times them; nil when unknown, and then MinCount folds
// every category). h is not modified.
func RedactHistogram(h *checks.Histogram, onlineN, offlineN *int, p Privacy) *checks.Histogram {
	if h == nil {
		return nil
	}
	c := *h
	if len(h.Categories) > 0 && len(h.Categories) == len(h.Online) && len(h.Online) == len(h.Offline) {
		c = fold(h, onlineN, offlineN, p.TopCategories, p.MinCount)
	}
	if p.HideValues {
		c.Edges = nil
		if len(c.Categories) > 0 {
			names := make([]string, len(c.Categories))
			for j := range names {
				names[j] = "category " + strconv.Itoa(j+1)
			}
			if c.Folded > 0 {
				names[len(names)-1] = Others
			}
			c.Categories = names
		}
	}
	return &c
}

// fold keeps the top categories that were seen at least minCount times, in
// their order, and folds the rest into a last category Others.
func fold(h *checks.Histogram, onlineN, offlineN *int, top, minCount int) checks.Histogram {
	n := len(h.Categories)
	// A histogram folded before ends with Others already: it stays last.
	named := n
	if h.Folded > 0 {
		named = n - 1
	}
	count := func(i int) float64 {
		if onlineN == nil || offlineN == nil {
			return math.NaN()
		}
		return math.Round(h.Online[i]*float64(*onlineN)) + math.Round(h.Offline[i]*float64(*offlineN))
	}
	// Rank by the share in both samples together: a category new online
	// ranks as high as one that vanished.
	rank := make([]int, named)
	for i := range rank {
		rank[i] = i
	}
	sort.SliceStable(rank, func(a, b int) bool {
		x, y := rank[a], rank[b]
		return h.Online[x]+h.Offline[x] > h.Online[y]+h.Offline[y]
	})
	keep := make([]bool, n)
	kept := 0
	for _, i := range rank {
		if top > 0 && kept >= top {
			break
		}
		if minCount > 0 && !(count(i) >= float64(minCount)) {
			continue
		}
		keep[i] = true
		kept++
	}
	if kept == n {
		return *h
	}
	out := checks.Histogram{Edges: h.Edges}
	var on, off float64
	folded := 0
	for i := 0; i < n; i++ {
		if keep[i] {
			out.Categories = append(out.Categories, h.Categories[i])
			out.Online = append(out.Online, h.Online[i])
			out.Offline = append(out.Offline, h.Offline[i])
			continue
		}
		on += h.Online[i]
		off += h.Offline[i]
		if i == named {
			folded += h.Folded
		} else {
			folded++
		}
	}
	out.Categories = append(out.Categories, Others)
	out.Online = append(out.Online, on)
	out.Offline = append(out.Offline, off)
	out.Folded = folded
	return out
}
