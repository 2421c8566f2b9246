package stats

import (
	"fmt"
	"math"
)

// Z95 is the two-sided 95% standard normal quantile, scipy.stats.norm.isf(0.025).
const Z95 = 1.9599639845400545

// Interval is a confidence interval [Lo, Hi] of a proportion.
type Interval struct {
	Lo, Hi float64
}

// Wilson returns the Wilson score interval of the proportion successes/n at
// the normal quantile z (Z95 for 95%), equal to statsmodels'
// proportion_confint(successes, n, alpha, method="wilson") with
// z = norm.isf(alpha/2). It is computed in the same order of operations and
// clipped to [0, 1], with the bound at 0 of n exactly 0 and at n of n
// exactly 1. Unlike the normal (Wald) interval it stays inside
// [0, 1] and is not of width 0 at 0% or 100%: 3 of 3 rows give [0.44, 1],
// not "100%".
//
// n must be positive and 0 ≤ successes ≤ n; z must be positive and finite.
func Wilson(successes, n int, z float64) (Interval, error) {
	if n <= 0 {
		return Interval{}, fmt.Errorf("wilson: n = %d: %w", n, ErrEmpty)
	}
	if successes < 0 || successes > n {
		return Interval{}, fmt.Errorf("wilson: %d successes of %d: %w", successes, n, ErrRange)
	}
	if !(z > 0) || math.IsInf(z, 0) {
		return Interval{}, fmt.Errorf("wilson: z = %v: %w", z, ErrRange)
	}
	nobs := float64(n)
	q := float64(successes) / nobs
	crit2 := z * z
	denom := 1 + crit2/nobs
	center := (q + crit2/(2*nobs)) / denom
	dist := z * math.Sqrt(q*(1-q)/nobs+crit2/(4*nobs*nobs))
	dist /= denom
	iv := Interval{Lo: math.Max(0, center-dist), Hi: math.Min(1, center+dist)}
	// At 0 and n the bound is exactly 0 (resp. 1): center = dist there,
	// which rounding can leave a few ulps off (2.8e-17 for 0 of 7).
	if successes == 0 {
		iv.Lo = 0
	}
	if successes == n {
		iv.Hi = 1
	}
	return iv, nil
}
