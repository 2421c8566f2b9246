package stats

import (
	"fmt"
	"math"
	"slices"
	"sort"
)

// PSIFloor replaces an empty bin's proportion in PSI (docs/contract.md §5).
const PSIFloor = 1e-4

// Quantile returns the q-quantile of sorted (ascending) by NumPy's default
// "linear" method (Hyndman–Fan type 7), equal to numpy.quantile(sorted, q):
// virtual index (n−1)·q, linear interpolation between its neighbours computed
// as NumPy does (from the upper neighbour when the fraction is ≥ 0.5).
//
// Quantile returns NaN when sorted is empty or q is NaN or outside [0, 1]; it
// does not check that sorted is sorted. With ±Inf neighbours the result follows
// IEEE arithmetic as NumPy's (possibly NaN); callers that need a number filter
// infinities first, as PSI does.
func Quantile(sorted []float64, q float64) float64 {
	n := len(sorted)
	if n == 0 || !(q >= 0 && q <= 1) {
		return math.NaN()
	}
	vi := float64(n-1) * q
	if vi >= float64(n-1) {
		return lerp(sorted[n-1], sorted[n-1], float64(n))
	}
	prev := math.Floor(vi)
	i := int(prev)
	return lerp(sorted[i], sorted[i+1], vi-prev)
}

// lerp is numpy's _lerp: a + (b−a)·t, or b − (b−a)·(1−t) when t ≥ 0.5.
func lerp(a, b, t float64) float64 {
	d := b - a
	if t >= 0.5 {
		return b - float64(d*(1-t))
	}
	return a + float64(d*t)
}

// DecileEdges returns the 9 interior decile edges q_k = Quantile(sortedRef, k/10),
// k = 1..9, that cut the numeric PSI bins. Equal edges are kept (their bins stay
// empty). It returns 9 NaNs when sortedRef is empty.
func DecileEdges(sortedRef []float64) []float64 {
	edges := make([]float64, 9)
	for k := 1; k <= 9; k++ {
		edges[k-1] = Quantile(sortedRef, float64(k)/10)
	}
	return edges
}

// BinProportions returns len(edges)+1 proportions count_i/n of the values in
// sorted (ascending) by the contract's bin rule: a value v falls in bin i =
// number of edges ≤ v, so bin i holds q_i ≤ v < q_{i+1} with open outer bins
// (numpy.searchsorted(edges, v, side="right")). Proportions are raw (an empty
// bin is 0). An empty sample gives all zeros. Edges must be ascending.
func BinProportions(edges []float64, sorted []float64) []float64 {
	props := make([]float64, len(edges)+1)
	if len(sorted) == 0 {
		return props
	}
	b := 0
	for i, v := range sorted {
		for b < len(edges) && edges[b] <= v {
			b++
		}
		if b == len(edges) {
			props[b] += float64(len(sorted) - i)
			break
		}
		props[b]++
	}
	n := float64(len(sorted))
	for i := range props {
		props[i] /= n
	}
	return props
}

// binUnsorted is BinProportions for values in any order. With more than 16
// edges it falls back to a plain binary search per value.
func binUnsorted(edges []float64, values []float64) []float64 {
	counts := make([]int, len(edges)+1)
	if len(edges) <= 15 {
		// Branch-free search over edges padded with +Inf to 16 entries: c is
		// the number of edges ≤ v (NaN counts as above every edge).
		var e [16]float64
		for i := range e {
			e[i] = math.Inf(1)
		}
		copy(e[:], edges)
		for _, v := range values {
			c := 8 * b2i(e[7] <= v)
			c += 4 * b2i(e[c+3] <= v)
			c += 2 * b2i(e[c+1] <= v)
			c += b2i(e[c] <= v)
			counts[min(c, len(edges))]++
		}
	} else {
		for _, v := range values {
			counts[sort.Search(len(edges), func(i int) bool { return edges[i] > v })]++
		}
	}
	props := make([]float64, len(counts))
	n := float64(len(values))
	for i, c := range counts {
		props[i] = float64(c) / n
	}
	return props
}

func checkFinite(what string, s []float64) error {
	if len(s) == 0 {
		return fmt.Errorf("%s: %w", what, ErrEmpty)
	}
	for i, v := range s {
		if v != v {
			return fmt.Errorf("%s at index %d: %w", what, i, ErrNaN)
		}
		if math.IsInf(v, 0) {
			return fmt.Errorf("%s at index %d: %w", what, i, ErrInf)
		}
	}
	return nil
}

// DecileBins cuts ref (offline) at its deciles and returns the edges and the
// raw bin proportions of ref and cur (online), the bins numeric PSI and JS use.
// Inputs need not be sorted and are not modified. Empty inputs give ErrEmpty,
// NaN ErrNaN and ±Inf ErrInf. It costs O(n) time (selection, not sorting)
// plus one copy of ref.
func DecileBins(ref, cur []float64) (edges, refProps, curProps []float64, err error) {
	if err := checkFinite("psi: reference sample", ref); err != nil {
		return nil, nil, nil, err
	}
	if err := checkFinite("psi: current sample", cur); err != nil {
		return nil, nil, nil, err
	}
	edges = decileEdgesUnsorted(ref)
	return edges, binUnsorted(edges, ref), binUnsorted(edges, cur), nil
}

// decileEdgesUnsorted is DecileEdges(sorted(ref)) by selecting only the order
// statistics the 9 quantiles need.
func decileEdgesUnsorted(ref []float64) []float64 {
	n := len(ref)
	var idx []int
	for k := 1; k <= 9; k++ {
		vi := float64(n-1) * (float64(k) / 10)
		i := int(math.Floor(vi))
		idx = append(idx, i)
		if i+1 < n {
			idx = append(idx, i+1)
		}
	}
	a := slices.Clone(ref)
	multiSelect(a, idx, 0, 2*bitsLen(n))
	edges := make([]float64, 9)
	for k := 1; k <= 9; k++ {
		edges[k-1] = quantileSelected(a, float64(k)/10)
	}
	return edges
}

// quantileSelected is Quantile on a whose needed order statistics are in place.
func quantileSelected(a []float64, q float64) float64 {
	n := len(a)
	vi := float64(n-1) * q
	if vi >= float64(n-1) {
		return lerp(a[n-1], a[n-1], float64(n))
	}
	prev := math.Floor(vi)
	i := int(prev)
	return lerp(a[i], a[i+1], vi-prev)
}

func bitsLen(n int) int {
	b := 0
	for ; n > 0; n >>= 1 {
		b++
	}
	return b
}

// multiSelect rearranges a so that a[i] holds the i-th smallest value for
// every i in idx (introselect: quickselect that sorts a part that recurses too
// deeply, so the worst case stays O(n log n)).
func multiSelect(a []float64, idx []int, off int, depth int) {
	// keep only the indexes inside this part
	var in []int
	for _, i := range idx {
		if i >= off && i < off+len(a) {
			in = append(in, i)
		}
	}
	if len(in) == 0 || len(a) <= 1 {
		return
	}
	if len(a) <= 32 || depth == 0 {
		slices.Sort(a)
		return
	}
	// median of three pivot
	m := len(a) / 2
	x, y, z := a[0], a[m], a[len(a)-1]
	p := max(min(x, y), min(max(x, y), z))
	// Hoare partition
	i, j := 0, len(a)-1
	for {
		for a[i] < p {
			i++
		}
		for a[j] > p {
			j--
		}
		if i >= j {
			break
		}
		a[i], a[j] = a[j], a[i]
		i++
		j--
	}
	// a[:j+1] <= p <= a[j+1:]
	multiSelect(a[:j+1], in, off, depth-1)
	multiSelect(a[j+1:], in, off+j+1, depth-1)
}

// PSI is the population stability index of cur (online) against ref (offline)
// on 10 bins cut at ref's deciles (docs/contract.md §5): edges from DecileBins,
// proportions per sample with an empty bin counted as PSIFloor, and
// PSI = Σ (cur_i − ref_i)·ln(cur_i / ref_i). It is ≥ 0, and 0 for identical
// samples. Empty inputs give ErrEmpty, NaN ErrNaN, ±Inf ErrInf.
//
// Bins are deciles of the reference, so each holds about 10% of ref; with many
// ties in ref some edges coincide and the bins between them stay empty in
// both samples, contributing exactly 0.
func PSI(ref, cur []float64) (float64, error) {
	_, rp, cp, err := DecileBins(ref, cur)
	if err != nil {
		return 0, err
	}
	return PSIProportions(rp, cp), nil
}

// PSIProportions is the PSI formula on given proportions (categorical PSI uses
// it with one entry per category): Σ (cur_i − ref_i)·ln(cur_i / ref_i), where a
// proportion equal to 0 counts as PSIFloor (no renormalisation). When the
// lengths differ, the missing entries of the shorter count as 0. Entries must be
// finite and ≥ 0; the result is then finite and ≥ 0 (tiny negative rounding is
// clamped to 0).
func PSIProportions(ref, cur []float64) float64 {
	n := max(len(ref), len(cur))
	terms := make([]float64, n)
	for i := range n {
		var r, c float64
		if i < len(ref) {
			r = ref[i]
		}
		if i < len(cur) {
			c = cur[i]
		}
		if r == 0 {
			r = PSIFloor
		}
		if c == 0 {
			c = PSIFloor
		}
		terms[i] = (c - r) * math.Log(c/r)
	}
	s := sum(terms)
	if !(s > 0) {
		return 0
	}
	return s
}

// b2i is 1 for true, 0 for false; it compiles to a flag move, not a branch.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
