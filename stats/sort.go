package stats

import (
	"math"
	"slices"
)

// radixThreshold is the length from which sortFloats uses a radix sort.
const radixThreshold = 4096

// Sort sorts s ascending in place, like sort.Float64s but faster on long
// slices (LSD radix sort above 4096 values). NaNs, which have no order, end up
// at the ends of s (by sign bit) instead of first; −0 sorts before +0.
func Sort(s []float64) {
	if len(s) >= radixThreshold {
		sortFloats(s)
		return
	}
	slices.SortFunc(s, func(a, b float64) int {
		ka, kb := sortKey(a), sortKey(b)
		switch {
		case ka < kb:
			return -1
		case ka > kb:
			return 1
		}
		return 0
	})
}

// sortKey maps a float64 to a uint64 with the same order (NaNs at the ends).
func sortKey(v float64) uint64 {
	b := math.Float64bits(v)
	if b>>63 == 1 {
		return ^b
	}
	return b | 1<<63
}

// sortedView returns s if it is already sorted ascending, else a sorted copy.
// s must not contain NaN.
func sortedView(s []float64) []float64 {
	if slices.IsSorted(s) {
		return s
	}
	c := slices.Clone(s)
	sortFloats(c)
	return c
}

// sortFloats sorts s ascending. s must not contain NaN. Long slices are sorted
// by an LSD radix sort on the order-preserving integer image of the floats
// (about 3× faster than slices.Sort at 10^6 values, one extra buffer of len(s));
// −0 sorts before +0, which compare equal, so no caller can tell.
func sortFloats(s []float64) {
	if len(s) < radixThreshold {
		slices.Sort(s)
		return
	}
	keys := make([]uint64, len(s))
	for i, v := range s {
		keys[i] = sortKey(v)
	}
	buf := make([]uint64, len(s))
	var count [256]int
	for shift := uint(0); shift < 64; shift += 8 {
		count = [256]int{}
		for _, k := range keys {
			count[byte(k>>shift)]++
		}
		if count[byte(keys[0]>>shift)] == len(keys) {
			continue // every key has the same byte here
		}
		pos := 0
		for b := range count {
			c := count[b]
			count[b] = pos
			pos += c
		}
		for _, k := range keys {
			d := byte(k >> shift)
			buf[count[d]] = k
			count[d]++
		}
		keys, buf = buf, keys
	}
	for i, b := range keys {
		if b>>63 == 1 {
			b &^= 1 << 63
		} else {
			b = ^b
		}
		s[i] = math.Float64frombits(b)
	}
}
