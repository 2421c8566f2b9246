package stats

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// ChiSquareResult is the outcome of a Pearson chi-square test.
type ChiSquareResult struct {
	// Statistic is Σ (O − E)² / E over the cells used.
	Statistic float64
	// DoF is the degrees of freedom; 0 when the table has a single category,
	// in which case Statistic is 0 and PValue 1.
	DoF int
	// PValue is the chi-square survival function at Statistic (never 1 − CDF).
	PValue float64
	// CramersV is Cramér's V of the table (ChiSquareHomogeneity only; 0 for GOF).
	CramersV float64
	// Warnings holds caveats: WarnLowExpected, WarnDroppedCategories.
	Warnings []error
}

// ChiSquareSF returns P(X > x) for X chi-square distributed with k degrees of
// freedom (scipy.stats.chi2.sf), through the regularized upper incomplete gamma
// function so that p-values far below 1e-16 keep their precision.
func ChiSquareSF(x float64, k int) float64 {
	if k <= 0 {
		return math.NaN()
	}
	return distuv.ChiSquared{K: float64(k)}.Survival(x)
}

func checkCounts(name string, c []float64) error {
	for i, v := range c {
		switch {
		case v != v:
			return fmt.Errorf("%s at index %d: %w", name, i, ErrNaN)
		case math.IsInf(v, 0):
			return fmt.Errorf("%s at index %d: %w", name, i, ErrInf)
		case v < 0:
			return fmt.Errorf("%s at index %d: %w", name, i, ErrNegative)
		}
	}
	return nil
}

// ChiSquareHomogeneity is Pearson's chi-square test of homogeneity on the 2×K
// table whose rows are the category counts a (online) and b (offline), equal to
// scipy.stats.chi2_contingency(table, correction=False) after categories with
// a zero column (absent from both samples) are dropped; they would make SciPy
// raise, and their drop is reported as WarnDroppedCategories.
//
// Expected counts are E_ij = row_i·col_j / N, the statistic Σ (O − E)²/E,
// DoF = K' − 1 for the K' remaining categories. No continuity correction is
// applied (SciPy's default Yates correction would apply only to 2×2 tables).
// With K' = 1 the result is Statistic 0, DoF 0, PValue 1. Counts may be
// non-integer (weighted) but must be finite and ≥ 0; a and b must have equal
// length; a row summing to 0 gives ErrEmpty. Expected counts below 5 add
// WarnLowExpected: the chi-square approximation is then poor.
func ChiSquareHomogeneity(a, b []float64) (ChiSquareResult, error) {
	if len(a) != len(b) {
		return ChiSquareResult{}, fmt.Errorf("chi2: online has %d categories, offline %d: %w", len(a), len(b), ErrLength)
	}
	if err := checkCounts("chi2: online counts", a); err != nil {
		return ChiSquareResult{}, err
	}
	if err := checkCounts("chi2: offline counts", b); err != nil {
		return ChiSquareResult{}, err
	}
	var ra, rb float64
	k, dropped := 0, 0
	for i := range a {
		if a[i]+b[i] == 0 {
			dropped++
			continue
		}
		ra += a[i]
		rb += b[i]
		k++
	}
	if ra == 0 {
		return ChiSquareResult{}, fmt.Errorf("chi2: online counts sum to 0: %w", ErrEmpty)
	}
	if rb == 0 {
		return ChiSquareResult{}, fmt.Errorf("chi2: offline counts sum to 0: %w", ErrEmpty)
	}
	var res ChiSquareResult
	if dropped > 0 {
		res.Warnings = append(res.Warnings, fmt.Errorf("chi2: %d of %d categories: %w", dropped, len(a), WarnDroppedCategories))
	}
	if k == 1 {
		res.PValue = 1
		return res, nil
	}
	n := ra + rb
	low := false
	stat := 0.0
	for i := range a {
		c := a[i] + b[i]
		if c == 0 {
			continue
		}
		ea := ra * c / n
		eb := rb * c / n
		if ea < 5 || eb < 5 {
			low = true
		}
		da, db := a[i]-ea, b[i]-eb
		stat += da * da / ea
		stat += db * db / eb
	}
	if low {
		res.Warnings = append(res.Warnings, fmt.Errorf("chi2: %w", WarnLowExpected))
	}
	res.Statistic = stat
	res.DoF = k - 1
	res.PValue = clip01(ChiSquareSF(stat, res.DoF))
	res.CramersV = CramersV(stat, n, 2, k)
	return res, nil
}

// CramersV returns Cramér's V = sqrt(χ² / (n·(min(rows, cols) − 1))) of an
// r×c contingency table with chi-square statistic chi2 and total count n
// (scipy.stats.contingency.association(table, method="cramer") with the
// statistic computed without continuity correction). It is in [0, 1]; it is 0
// when min(rows, cols) < 2 or n ≤ 0.
func CramersV(chi2, n float64, rows, cols int) float64 {
	d := min(rows, cols) - 1
	if d < 1 || n <= 0 || !(chi2 > 0) {
		return 0
	}
	return math.Min(1, math.Sqrt(chi2/n/float64(d)))
}

// ChiSquareGOF is Pearson's chi-square goodness-of-fit test of observed counts
// against expected counts, equal to scipy.stats.chisquare(observed, expected)
// with DoF = K − 1.
//
// Both must have equal length, finite values ≥ 0 and totals that agree to
// 1e-8 relative (ErrSumMismatch otherwise, as SciPy). Cells where both are 0
// are dropped (SciPy would return NaN). A cell with expected 0 and observed > 0
// makes the statistic +Inf and the p-value 0. A nil expected means equal
// expected counts (the mean of observed), as SciPy's f_exp=None.
func ChiSquareGOF(observed, expected []float64) (ChiSquareResult, error) {
	if len(observed) == 0 {
		return ChiSquareResult{}, fmt.Errorf("chi2 gof: observed: %w", ErrEmpty)
	}
	if err := checkCounts("chi2 gof: observed", observed); err != nil {
		return ChiSquareResult{}, err
	}
	so := sum(observed)
	if expected == nil {
		expected = make([]float64, len(observed))
		for i := range expected {
			expected[i] = so / float64(len(observed))
		}
	}
	if len(observed) != len(expected) {
		return ChiSquareResult{}, fmt.Errorf("chi2 gof: %d observed, %d expected: %w", len(observed), len(expected), ErrLength)
	}
	if err := checkCounts("chi2 gof: expected", expected); err != nil {
		return ChiSquareResult{}, err
	}
	se := sum(expected)
	if so == 0 || se == 0 {
		return ChiSquareResult{}, fmt.Errorf("chi2 gof: counts sum to 0: %w", ErrEmpty)
	}
	if math.Abs(so-se)/math.Min(so, se) > 1e-8 {
		return ChiSquareResult{}, fmt.Errorf("chi2 gof: %w", ErrSumMismatch)
	}
	var res ChiSquareResult
	k, low := 0, false
	stat := 0.0
	for i, o := range observed {
		e := expected[i]
		if o == 0 && e == 0 {
			continue
		}
		k++
		if e < 5 {
			low = true
		}
		if e == 0 {
			stat = math.Inf(1)
			continue
		}
		d := o - e
		stat += d * d / e
	}
	if low {
		res.Warnings = append(res.Warnings, fmt.Errorf("chi2 gof: %w", WarnLowExpected))
	}
	if k <= 1 {
		res.PValue = 1
		return res, nil
	}
	res.Statistic = stat
	res.DoF = k - 1
	res.PValue = clip01(ChiSquareSF(stat, res.DoF))
	return res, nil
}

// sum is Σ s with NumPy's pairwise summation (blocks of 8 below 128), which
// keeps the rounding error O(log n · eps) on long inputs.
func sum(s []float64) float64 {
	if len(s) < 8 {
		t := 0.0
		for _, v := range s {
			t += v
		}
		return t
	}
	if len(s) <= 128 {
		var r [8]float64
		copy(r[:], s[:8])
		i := 8
		for ; i+8 <= len(s); i += 8 {
			for k := 0; k < 8; k++ {
				r[k] += s[i+k]
			}
		}
		t := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
		for ; i < len(s); i++ {
			t += s[i]
		}
		return t
	}
	h := len(s) / 2
	h -= h % 8
	return sum(s[:h]) + sum(s[h:])
}
