package stats

import (
	"fmt"
	"math"
)

// Method selects how KS2Samp computes its p-value, as the method argument of
// scipy.stats.ks_2samp.
type Method int

const (
	// KSAuto uses KSExact when max(n, m) ≤ 10000 and KSAsymp otherwise.
	KSAuto Method = iota
	// KSExact computes the exact null distribution of D for continuous data.
	// It falls back to KSAsymp (with WarnExactFallback) when SciPy would.
	KSExact
	// KSAsymp uses the finite-n Kolmogorov distribution KSTwoSF at the
	// effective size round(n·m/(n+m)), as SciPy's asymptotic mode.
	KSAsymp
)

// String returns "auto", "exact" or "asymp", SciPy's names of the methods.
func (m Method) String() string {
	switch m {
	case KSAuto:
		return "auto"
	case KSExact:
		return "exact"
	case KSAsymp:
		return "asymp"
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// ksMaxAutoN is SciPy's MAX_AUTO_N: auto uses the exact method up to here.
const ksMaxAutoN = 10000

// ksSmallSample is the sample size below which KS2Samp warns WarnSmallSample.
const ksSmallSample = 8

// KSResult is the outcome of a two-sample two-sided Kolmogorov–Smirnov test.
type KSResult struct {
	// D is the statistic sup_t |F1(t) − F2(t)| of the two empirical CDFs, in [0, 1].
	D float64
	// PValue is the two-sided p-value, in [0, 1].
	PValue float64
	// Method is the method actually used for PValue: KSExact or KSAsymp.
	Method Method
	// Warnings holds statistical caveats (WarnSmallSample, WarnTies,
	// WarnExactFallback), never failures.
	Warnings []error
}

// KS2Samp is the two-sided two-sample Kolmogorov–Smirnov test of x against y,
// equal to scipy.stats.ks_2samp(x, y, method=method) to about 1e-10 relative.
//
// D is computed exactly in integers (max |i·m − j·n| / (n·m) over the pooled
// values, ECDFs counting values ≤ t), so ties need no special handling. NaN in
// either sample is rejected with ErrNaN (SciPy's result would be meaningless);
// ±Inf are ordinary, ordered values. An empty sample gives ErrEmpty. KS2Samp
// sorts copies of the samples (an already sorted sample is used as is); x and
// y are not modified.
//
// When n = m = 1 the asymptotic p-value is undefined (SciPy returns NaN); the
// exact value is returned instead, with Method KSExact and WarnSmallSample.
func KS2Samp(x, y []float64, method Method) (KSResult, error) {
	if err := checkKSInput(x, y, method); err != nil {
		return KSResult{}, err
	}
	return ks2(sortedView(x), sortedView(y), method)
}

// KS2SampSorted is KS2Samp for samples already sorted ascending; it does not
// copy them. An unsorted input gives ErrNotSorted.
func KS2SampSorted(x, y []float64, method Method) (KSResult, error) {
	if err := checkKSInput(x, y, method); err != nil {
		return KSResult{}, err
	}
	for k, s := range [2][]float64{x, y} {
		for i := 1; i < len(s); i++ {
			if s[i] < s[i-1] {
				return KSResult{}, fmt.Errorf("ks: sample %s at index %d: %w", [2]string{"x", "y"}[k], i, ErrNotSorted)
			}
		}
	}
	return ks2(x, y, method)
}

func checkKSInput(x, y []float64, method Method) error {
	if method != KSAuto && method != KSExact && method != KSAsymp {
		return fmt.Errorf("ks: %v: %w", method, ErrMethod)
	}
	if len(x) == 0 {
		return fmt.Errorf("ks: sample x: %w", ErrEmpty)
	}
	if len(y) == 0 {
		return fmt.Errorf("ks: sample y: %w", ErrEmpty)
	}
	if i := indexNaN(x); i >= 0 {
		return fmt.Errorf("ks: sample x at index %d: %w", i, ErrNaN)
	}
	if i := indexNaN(y); i >= 0 {
		return fmt.Errorf("ks: sample y at index %d: %w", i, ErrNaN)
	}
	return nil
}

func indexNaN(s []float64) int {
	for i, v := range s {
		if v != v {
			return i
		}
	}
	return -1
}

// ksStatistic returns max |i·n2 − j·n1| over the pooled sorted values, and
// whether the pooled sample has ties.
func ksStatistic(x, y []float64) (num int64, ties bool) {
	n1, n2 := int64(len(x)), int64(len(y))
	var i, j int64
	for i < n1 && j < n2 {
		t := x[i]
		if y[j] < t {
			t = y[j]
		}
		i0, j0 := i, j
		for i < n1 && x[i] <= t {
			i++
		}
		for j < n2 && y[j] <= t {
			j++
		}
		if i-i0+j-j0 > 1 {
			ties = true
		}
		d := i*n2 - j*n1
		if d < 0 {
			d = -d
		}
		if d > num {
			num = d
		}
	}
	// After one sample is exhausted |diff| only decreases; only ties remain to detect.
	if !ties {
		ties = hasAdjacentEqual(x[i:]) || hasAdjacentEqual(y[j:])
	}
	return num, ties
}

func hasAdjacentEqual(s []float64) bool {
	for k := 1; k < len(s); k++ {
		if s[k] == s[k-1] {
			return true
		}
	}
	return false
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func ks2(x, y []float64, method Method) (KSResult, error) {
	n1, n2 := int64(len(x)), int64(len(y))
	num, ties := ksStatistic(x, y)
	res := KSResult{D: float64(num) / float64(n1*n2)}
	if min(n1, n2) < ksSmallSample {
		res.Warnings = append(res.Warnings, fmt.Errorf("ks: %d and %d values: %w", n1, n2, WarnSmallSample))
	}
	if ties {
		res.Warnings = append(res.Warnings, fmt.Errorf("ks: p-value is conservative: %w", WarnTies))
	}
	g := gcd(n1, n2)
	n1g, n2g := n1/g, n2/g
	switch method {
	case KSAuto:
		if max(n1, n2) <= ksMaxAutoN {
			method = KSExact
		} else {
			method = KSAsymp
		}
	case KSExact:
		if float64(n1g) >= float64(math.MaxInt32)/float64(n2g) {
			method = KSAsymp
			res.Warnings = append(res.Warnings, fmt.Errorf("ks: exact impossible with %d and %d values: %w", n1, n2, WarnExactFallback))
		}
	}
	if method == KSAsymp && n1 == 1 && n2 == 1 {
		method = KSExact // round(0.5) = 0: the asymptotic p-value is undefined
	}
	if method == KSExact {
		lcm := n1g * n2
		h := num / g
		res.D = float64(h) / float64(lcm)
		p, ok := ksExactTwoSided(n1, n2, g, h)
		if ok {
			res.PValue = p
			res.Method = KSExact
			return res, nil
		}
		res.Warnings = append(res.Warnings, fmt.Errorf("ks: exact computation failed for %d and %d values: %w", n1, n2, WarnExactFallback))
		method = KSAsymp
	}
	m, n := float64(max(n1, n2)), float64(min(n1, n2))
	en := m * n / (m + n)
	res.PValue = clip01(KSTwoSF(res.D, int(math.RoundToEven(en))))
	res.Method = KSAsymp
	return res, nil
}

// ksExactTwoSided is SciPy's _attempt_exact_2kssamp for the two-sided
// alternative: the probability that D ≥ h/lcm(n1, n2) under H0 for continuous
// data. ok is false when the computation is not usable.
func ksExactTwoSided(n1, n2, g, h int64) (p float64, ok bool) {
	if h == 0 {
		return 1, true
	}
	if n1 == n2 {
		p = probOutsideSquare(n1, h)
	} else {
		p = outerProbInside(n1, n2, g, h)
	}
	if !(p >= 0 && p <= 1) {
		return p, false
	}
	return p, true
}

// probOutsideSquare is SciPy's _compute_prob_outside_square(n, h): the
// proportion of lattice paths from (0,0) to (n,n) reaching |x − y| ≥ h.
func probOutsideSquare(n, h int64) float64 {
	P := 0.0
	for k := n / h; k >= 0; k-- {
		p1 := 1.0
		for j := int64(0); j < h; j++ {
			p1 = float64(n-k*h-j) * p1 / float64(n+k*h+j+1)
		}
		P = p1 * (1.0 - P)
	}
	return 2 * P
}

// outerProbInside is SciPy's _compute_outer_prob_inside_method(m, n, g, h):
// Hodges' inside method with Viehmann's recursion computing 1 − p directly on
// a sliding window of one lattice column.
func outerProbInside(m, n, g, h int64) float64 {
	if m < n {
		m, n = n, m
	}
	mg := m / g
	ng := n / g
	minj := int64(0)
	maxj := min(int64(math.Ceil(float64(h)/float64(mg))), n+1)
	curlen := maxj - minj
	lenA := min(2*maxj+2, n+1)
	A := make([]float64, lenA)
	for k := range A {
		A[k] = 1
	}
	for k := minj; k < maxj; k++ {
		A[k] = 0
	}
	fmg := float64(mg)
	for i := int64(1); i <= m; i++ {
		lastminj, lastlen := minj, curlen
		minj = max(int64(math.Floor(float64(ng*i-h)/fmg))+1, 0)
		minj = min(minj, n)
		maxj = min(int64(math.Ceil(float64(ng*i+h)/fmg)), n+1)
		if maxj <= minj {
			return 1
		}
		val := 1.0
		if minj == 0 {
			val = 0
		}
		fi := float64(i)
		off := minj - lastminj
		for jj := int64(0); jj < maxj-minj; jj++ {
			j := float64(jj + minj)
			val = (float64(A[jj+off]*fi) + float64(val*j)) / (fi + j)
			A[jj] = val
		}
		curlen = maxj - minj
		if lastlen > curlen {
			for k := maxj - minj; k < maxj-minj+(lastlen-curlen) && k < lenA; k++ {
				A[k] = 1
			}
		}
	}
	return A[maxj-minj-1]
}
