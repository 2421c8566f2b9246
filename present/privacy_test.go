package present

import (
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/fsmon/fsmon/checks"
)

// letters is a histogram of 12 categories a..l over 1,000 online and
// 1,000 offline rows: category i holds (12-i)*10 online rows and
// (12-i)*5 + 2 offline rows, so a is the most frequent and l the rarest,
// and counts are easy to check by hand: l is 10+7 = 17 rows, k 20+12 = 32.
func letters() (*checks.Histogram, *int, *int) {
	h := &checks.Histogram{}
	for i := range 12 {
		h.Categories = append(h.Categories, string(rune('a'+i)))
		h.Online = append(h.Online, float64((12-i)*10)/1000)
		h.Offline = append(h.Offline, float64((12-i)*5+2)/1000)
	}
	n, m := 1000, 1000
	return h, &n, &m
}

func TestFoldTopCategories(t *testing.T) {
	h, n, m := letters()
	orig := *h
	orig.Categories = slices.Clone(h.Categories)
	got := RedactHistogram(h, n, m, Privacy{TopCategories: 5})
	if want := []string{"a", "b", "c", "d", "e", Others}; !reflect.DeepEqual(got.Categories, want) {
		t.Fatalf("categories %v, want %v", got.Categories, want)
	}
	if got.Folded != 7 {
		t.Errorf("folded %d, want 7", got.Folded)
	}
	// others holds f..l: online (7+6+...+1)*10 = 280 rows, offline
	// (7+...+1)*5 + 7*2 = 154.
	if last := len(got.Online) - 1; !near(got.Online[last], 0.28) || !near(got.Offline[last], 0.154) {
		t.Errorf("others %v / %v, want 0.28 / 0.154", got.Online[last], got.Offline[last])
	}
	if !reflect.DeepEqual(h.Categories, orig.Categories) || len(h.Online) != 12 {
		t.Error("RedactHistogram modified its input")
	}
	// Folding again changes nothing; folding a folded one further keeps
	// its others last and adds to it.
	if again := RedactHistogram(got, n, m, Privacy{TopCategories: 5}); !reflect.DeepEqual(again, got) {
		t.Errorf("refolding changed %+v to %+v", got, again)
	}
	more := RedactHistogram(got, n, m, Privacy{TopCategories: 2})
	if !reflect.DeepEqual(more.Categories, []string{"a", "b", Others}) || more.Folded != 10 {
		t.Errorf("refolded to 2: %v folded %d", more.Categories, more.Folded)
	}
}

func TestFoldMinCount(t *testing.T) {
	h, n, m := letters()
	// k has 32 rows and l 17: a minimum of 20 folds only l.
	got := RedactHistogram(h, n, m, Privacy{MinCount: 20})
	if want := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", Others}; !reflect.DeepEqual(got.Categories, want) || got.Folded != 1 {
		t.Errorf("categories %v folded %d, want %v and 1", got.Categories, got.Folded, want)
	}
	// Unknown sample sizes: no count can be shown to pass the minimum.
	if got := RedactHistogram(h, nil, m, Privacy{MinCount: 1}); !reflect.DeepEqual(got.Categories, []string{Others}) {
		t.Errorf("without sizes: %v", got.Categories)
	}
	// Nothing to fold: the histogram is shown as is.
	if got := RedactHistogram(h, n, m, Privacy{TopCategories: 12, MinCount: 17}); !reflect.DeepEqual(got.Categories, h.Categories) || got.Folded != 0 {
		t.Errorf("nothing to fold, got %v", got.Categories)
	}
}

func TestHideValues(t *testing.T) {
	h, n, m := letters()
	got := RedactHistogram(h, n, m, Privacy{HideValues: true, TopCategories: 3})
	if want := []string{"category 1", "category 2", "category 3", Others}; !reflect.DeepEqual(got.Categories, want) {
		t.Errorf("categories %v, want %v", got.Categories, want)
	}
	num := &checks.Histogram{Edges: []float64{1, 2, 3}, Online: []float64{.25, .25, .25, .25}, Offline: []float64{.25, .25, .25, .25}}
	if got := RedactHistogram(num, n, m, Privacy{HideValues: true}); got.Edges != nil || len(got.Online) != 4 {
		t.Errorf("numeric with hide_values: %+v", got)
	}
	if num.Edges == nil {
		t.Error("the input lost its edges")
	}
	rs := []checks.Result{{Check: checks.KindSkew, Feature: "x", Histogram: h, OnlineN: n, OfflineN: m}, {Check: checks.KindFreshness}}
	out := Redact(rs, Privacy{HideValues: true})
	if out[0].Histogram.Categories[0] != "category 1" || rs[0].Histogram.Categories[0] != "a" || out[1].Histogram != nil {
		t.Errorf("Redact: %v, source %v", out[0].Histogram.Categories, rs[0].Histogram.Categories)
	}
}

func near(a, b float64) bool { d := a - b; return d < 1e-9 && d > -1e-9 }

func ExampleRedactHistogram() {
	n := 100
	h := &checks.Histogram{Categories: []string{"alice@example.org", "free", "pro"}, Online: []float64{.01, .5, .49}, Offline: []float64{.01, .5, .49}}
	got := RedactHistogram(h, &n, &n, Privacy{TopCategories: 10, MinCount: 10})
	fmt.Println(got.Categories, got.Folded)
	// Output: [free pro others] 1
}
