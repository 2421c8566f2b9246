package stats

import (
	"fmt"
	"math"
	"slices"
)

// JensenShannon returns the Jensen–Shannon distance between the discrete
// distributions p and q (scipy.spatial.distance.jensenshannon(p, q, base)):
// sqrt((KL(p‖m) + KL(q‖m)) / 2) with m = (p+q)/2, logarithms in the given
// base. p and q are normalised by their own sums first, so counts work as well
// as proportions. Base 2 gives a distance in [0, 1]; base math.E in
// [0, sqrt(ln 2)].
//
// p and q must have equal length and finite entries ≥ 0 with a positive sum
// (ErrLength, ErrNaN, ErrInf, ErrNegative, ErrEmpty otherwise); base must be
// > 0 and ≠ 1 (ErrBase). When rounding makes the divergence a tiny negative number
// (near-identical inputs) the distance is 0, where SciPy returns NaN.
func JensenShannon(p, q []float64, base float64) (float64, error) {
	if len(p) != len(q) {
		return 0, fmt.Errorf("js: %d and %d bins: %w", len(p), len(q), ErrLength)
	}
	if !(base > 0) || base == 1 || math.IsInf(base, 0) {
		return 0, fmt.Errorf("js: %w", ErrBase)
	}
	if err := checkWeights("js: p", p); err != nil {
		return 0, err
	}
	if err := checkWeights("js: q", q); err != nil {
		return 0, err
	}
	sp, sq := sum(p), sum(q)
	// Σ rel_entr(p, m) + Σ rel_entr(q, m), compensated (no temporary slices).
	var left, right neumaier
	for i := range p {
		pi, qi := p[i]/sp, q[i]/sq
		m := (pi + qi) / 2.0
		left.add(relEntr(pi, m))
		right.add(relEntr(qi, m))
	}
	js := left.value() + right.value()
	js /= math.Log(base)
	if !(js > 0) {
		return 0, nil
	}
	return math.Sqrt(js / 2.0), nil
}

// relEntr is scipy.special.rel_entr: x·ln(x/y), 0 for x = 0.
func relEntr(x, y float64) float64 {
	switch {
	case x > 0 && y > 0:
		return x * math.Log(x/y)
	case x == 0 && y >= 0:
		return 0
	}
	return math.Inf(1)
}

func checkWeights(what string, s []float64) error {
	if len(s) == 0 {
		return fmt.Errorf("%s: %w", what, ErrEmpty)
	}
	t := 0.0
	for i, v := range s {
		switch {
		case v != v:
			return fmt.Errorf("%s at index %d: %w", what, i, ErrNaN)
		case math.IsInf(v, 0):
			return fmt.Errorf("%s at index %d: %w", what, i, ErrInf)
		case v < 0:
			return fmt.Errorf("%s at index %d: %w", what, i, ErrNegative)
		}
		t += v
	}
	if t == 0 {
		return fmt.Errorf("%s sums to 0: %w", what, ErrEmpty)
	}
	return nil
}

// Wasserstein returns the first Wasserstein (earth mover's) distance between
// the empirical distributions of u and v, equal to
// scipy.stats.wasserstein_distance(u, v): Σ |U(t_i) − V(t_i)|·(t_{i+1} − t_i)
// over the sorted pooled values, with ECDFs counting values ≤ t. It is in the
// units of the data. Inputs are copied and sorted, not modified. Empty inputs
// give ErrEmpty; NaN ErrNaN; ±Inf ErrInf (the distance would be infinite or
// undefined). Already sorted inputs are not copied. Finite values whose differences overflow (|v| near
// math.MaxFloat64) give +Inf.
func Wasserstein(u, v []float64) (float64, error) {
	if err := checkFinite("wasserstein: u", u); err != nil {
		return 0, err
	}
	if err := checkFinite("wasserstein: v", v); err != nil {
		return 0, err
	}
	return wassersteinSorted(sortedView(u), sortedView(v)), nil
}

func wassersteinSorted(u, v []float64) float64 {
	nu, nv := float64(len(u)), float64(len(v))
	var acc neumaier
	i, j := 0, 0
	// Walk the merged order; after consuming a value t, i and j count the
	// values ≤ t whenever the next pooled value is larger (else delta is 0).
	var t float64
	for i+j < len(u)+len(v) {
		if j == len(v) || (i < len(u) && u[i] <= v[j]) {
			t = u[i]
			i++
		} else {
			t = v[j]
			j++
		}
		if i+j == len(u)+len(v) {
			break
		}
		var next float64
		if j == len(v) || (i < len(u) && u[i] <= v[j]) {
			next = u[i]
		} else {
			next = v[j]
		}
		delta := next - t
		if delta == 0 {
			continue
		}
		acc.add(math.Abs(float64(i)/nu-float64(j)/nv) * delta)
	}
	return acc.value()
}

// WassersteinNormalized returns w = Wasserstein(u, ref) and w divided by the
// standard deviation of ref (population, ddof 0) floored at 0.001, as
// Evidently's normed Wasserstein distance; normalized is unitless.
func WassersteinNormalized(u, ref []float64) (w, normalized float64, err error) {
	w, err = Wasserstein(u, ref)
	if err != nil {
		return 0, 0, err
	}
	return w, w / math.Max(stdDev(ref), 0.001), nil
}

// stdDev is the population standard deviation (numpy.std, ddof 0), two-pass.
func stdDev(x []float64) float64 {
	var s neumaier
	for _, v := range x {
		s.add(v)
	}
	mean := s.value() / float64(len(x))
	var ss neumaier
	for _, v := range x {
		d := v - mean
		ss.add(d * d)
	}
	return math.Sqrt(ss.value() / float64(len(x)))
}

// neumaier is compensated (Kahan–Babuška–Neumaier) summation.
type neumaier struct{ s, c float64 }

func (k *neumaier) add(x float64) {
	t := k.s + x
	if math.Abs(k.s) >= math.Abs(x) {
		k.c += (k.s - t) + x
	} else {
		k.c += (x - t) + k.s
	}
	k.s = t
}

func (k *neumaier) value() float64 { return k.s + k.c }

// LInf returns the L∞ distance between two categorical frequency maps with
// TensorFlow Data Validation's semantics (LInftyDistance): each map is
// normalised by its own total (a map whose total is 0 is left as is), keys
// missing from one map count as 0, and dist is the largest absolute difference
// of the normalised frequencies; key is the category where it occurs, the last
// one in byte-wise order among ties. Two empty maps give (0, "").
// Values should be finite counts ≥ 0; a key whose difference is NaN is ignored.
func LInf(p, q map[string]float64) (dist float64, key string) {
	keys := make([]string, 0, len(p)+len(q))
	for k := range p {
		keys = append(keys, k)
	}
	for k := range q {
		if _, ok := p[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	tp, tq := mapTotal(p), mapTotal(q)
	best := -1.0
	for _, k := range keys {
		a, b := p[k], q[k]
		if tp != 0 {
			a /= tp
		}
		if tq != 0 {
			b /= tq
		}
		d := math.Abs(a - b)
		if d >= best {
			best, key = d, k
		}
	}
	if best < 0 {
		return 0, key
	}
	return best, key
}

func mapTotal(m map[string]float64) float64 {
	t := 0.0
	for _, v := range m {
		t += v
	}
	return t
}

// BenjaminiHochberg returns the Benjamini–Hochberg adjusted p-values (false
// discovery rate) of p, in the input order: sorted ascending, p_(i)·m/i, a
// running minimum from the largest rank down, clipped to 1. It equals
// statsmodels multipletests(p, method="fdr_bh") and SciPy ≥ 1.11's
// false_discovery_control(p, method="bh"). It assumes independent or positively
// dependent tests. p is not modified; a NaN or out-of-range entry gives
// ErrPValue; an empty p gives an empty result.
func BenjaminiHochberg(p []float64) ([]float64, error) {
	for i, v := range p {
		if !(v >= 0 && v <= 1) {
			return nil, fmt.Errorf("bh: p-value at index %d: %w", i, ErrPValue)
		}
	}
	m := len(p)
	order := make([]int, m)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case p[a] < p[b]:
			return -1
		case p[a] > p[b]:
			return 1
		}
		return 0
	})
	adj := make([]float64, m)
	run := math.Inf(1)
	for r := m - 1; r >= 0; r-- {
		v := p[order[r]] / (float64(r+1) / float64(m))
		run = math.Min(run, v)
		adj[order[r]] = math.Min(run, 1)
	}
	return adj, nil
}
