package stats

import (
	"math"
	"slices"
	"testing"
)

func normalish(seed uint64, n int, loc float64) []float64 {
	g := splitMix{state: seed}
	out := make([]float64, n)
	for i := range out {
		s := 0.0
		for k := 0; k < 12; k++ {
			s += float64(g.next()>>11) * 0x1p-53
		}
		out[i] = loc + s - 6
	}
	return out
}

// A complete profile keeps every value: the statistics computed from it
// are those of the raw reference, bit for bit.
func TestNumericProfileComplete(t *testing.T) {
	raw := normalish(1, 5000, 0)
	raw = append(raw, math.NaN(), math.Inf(1))
	p, err := NewNumericProfile(slices.Clone(raw), 3, 10000, 7)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Complete || p.N != 5000 || p.Nulls != 4 || p.Inf != 1 || len(p.Reservoir) != 5000 {
		t.Fatalf("profile N=%d nulls=%d inf=%d complete=%v reservoir=%d", p.N, p.Nulls, p.Inf, p.Complete, len(p.Reservoir))
	}
	sorted := slices.Clone(raw[:5000])
	slices.Sort(sorted)
	if !slices.Equal(p.Reservoir, sorted) {
		t.Fatal("complete reservoir is not the sorted reference")
	}
	if !slices.Equal(p.Edges, DecileEdges(sorted)) {
		t.Errorf("edges %v, want %v", p.Edges, DecileEdges(sorted))
	}
	if !slices.Equal(p.Proportions(), BinProportions(p.Edges, sorted)) {
		t.Errorf("proportions %v, want %v", p.Proportions(), BinProportions(p.Edges, sorted))
	}
	if p.Std != stdDev(sorted) || p.Min != sorted[0] || p.Max != sorted[4999] {
		t.Errorf("std/min/max %v %v %v", p.Std, p.Min, p.Max)
	}
}

// A reservoir smaller than the reference is a sample without replacement
// whose exact parts (edges, bin counts, std) still come from every value,
// and whose KS statistic and Wasserstein distance stay within the
// documented DKW bound of those against the whole reference.
func TestNumericProfileReservoirBound(t *testing.T) {
	const n, k = 200000, 10000
	raw := normalish(2, n, 0)
	cur := normalish(3, 2000, 0.05)
	full := slices.Clone(raw)
	slices.Sort(full)
	slices.Sort(cur)
	p, err := NewNumericProfile(slices.Clone(raw), 0, k, 11)
	if err != nil {
		t.Fatal(err)
	}
	if p.Complete || len(p.Reservoir) != k || p.N != n {
		t.Fatalf("N=%d complete=%v reservoir=%d", p.N, p.Complete, len(p.Reservoir))
	}
	if !slices.IsSorted(p.Reservoir) {
		t.Fatal("reservoir not sorted")
	}
	// Every reservoir value is a reference value, used at most as often.
	count := map[float64]int{}
	for _, v := range full {
		count[v]++
	}
	for _, v := range p.Reservoir {
		count[v]--
		if count[v] < 0 {
			t.Fatalf("reservoir holds %v more often than the reference", v)
		}
	}
	if !slices.Equal(p.Proportions(), BinProportions(DecileEdges(full), full)) || p.Std != stdDev(full) {
		t.Error("edges, proportions or std are not those of the whole reference")
	}
	eps := DKWBound(k, 1e-3)
	dFull, err := KS2SampSorted(cur, full, KSAuto)
	if err != nil {
		t.Fatal(err)
	}
	dRes, err := KS2SampSorted(cur, p.Reservoir, KSAuto)
	if err != nil {
		t.Fatal(err)
	}
	if d := math.Abs(dFull.D - dRes.D); d > eps {
		t.Errorf("|D_reservoir - D_full| = %v > DKW bound %v", d, eps)
	}
	wFull, _ := Wasserstein(cur, full)
	wRes, _ := Wasserstein(cur, p.Reservoir)
	if d := math.Abs(wFull - wRes); d > eps*(p.Max-p.Min) {
		t.Errorf("|W_reservoir - W_full| = %v > %v", d, eps*(p.Max-p.Min))
	}
	// Another seed draws another reservoir.
	q, _ := NewNumericProfile(slices.Clone(raw), 0, k, 12)
	if slices.Equal(p.Reservoir, q.Reservoir) {
		t.Error("two seeds gave the same reservoir")
	}
}

func TestNumericProfileBadReservoir(t *testing.T) {
	if _, err := NewNumericProfile([]float64{1}, 0, 0, 1); err == nil {
		t.Error("reservoir 0 accepted")
	}
	p, err := NewNumericProfile(nil, 5, 10, 1)
	if err != nil || p.N != 0 || p.Nulls != 5 {
		t.Errorf("empty profile = %+v, %v", p, err)
	}
}
