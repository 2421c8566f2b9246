// Package stats implements the drift statistics fsmon reports (docs/contract.md §5):
// the two-sample Kolmogorov–Smirnov test, Pearson chi-square tests, the
// population stability index, the Jensen–Shannon distance, the Wasserstein-1
// distance, the L∞ distance between category frequencies, Benjamini–Hochberg
// adjusted p-values, and the quantile, binning and distribution helpers they
// need.
//
// It is pure math: plain slices and maps in, numbers, typed errors and
// warnings out. No I/O, clock or logging, no goroutines, no package state. It
// imports only the standard library and gonum (for the chi-square survival
// function).
//
// # Agreement with SciPy
//
// Every statistic equals its SciPy 1.10 / NumPy / statsmodels reference to
// 1e-9 relative (1e-15 absolute near zero), including p-values down to 1e-300;
// testdata/gen_reference.py writes the reference values the tests compare
// against. Where SciPy returns NaN or raises, the function's documentation says
// what this package returns instead (for example a tiny negative
// Jensen–Shannon divergence is 0, not NaN; n = m = 1 in KS asymptotic mode
// returns the exact p-value).
//
// # Inputs, errors and warnings
//
// Bad input is an error wrapping one of the sentinel errors (ErrEmpty, ErrNaN,
// ErrInf, ErrNegative, ErrLength, ErrNotSorted, ErrPValue, ErrSumMismatch,
// ErrMethod, ErrBase); test with errors.Is. Messages name the input and index, never a
// data value. NaN is always rejected: the caller (fsmon counts NaN as null)
// filters it first. ±Inf are ordinary values for KS (an ordering test) and
// rejected where arithmetic on values is needed (PSI, Wasserstein). No
// function panics on data or returns NaN in a result, except where documented
// (Quantile of an empty slice, KSTwoSF with n < 1).
//
// Statistical caveats are not errors: they come back in the result's Warnings
// (WarnSmallSample, WarnTies, WarnExactFallback, WarnLowExpected,
// WarnDroppedCategories) and the numbers are still returned.
//
// # The statistics, their assumptions, and when to prefer which
//
// KS2Samp (numeric): D is the largest vertical distance between the two
// empirical CDFs; it is sensitive to any difference in distribution, mostly
// near the median, and is invariant to monotone transformations of the data.
// The p-value assumes two independent samples of continuous data: with ties
// (discrete features, rounded values) it is conservative, as in SciPy, and
// WarnTies says so. Method KSAuto (fsmon's default) uses the exact
// distribution when max(n, m) ≤ 10000 (SciPy's rule; the exact and asymptotic
// values differ by up to 1% there) and otherwise the finite-n Kolmogorov
// distribution at n·m/(n+m) (KSTwoSF), not the limiting one (KolmogorovSF),
// which is off by several percent at realistic sizes. With large samples every
// tiny difference becomes significant: judge the effect size D, not only p.
//
// ChiSquareHomogeneity (categorical): tests whether the online and offline
// category frequencies come from one distribution (2×K table, no continuity
// correction). It assumes independent observations and expected counts of at
// least 5 per cell (WarnLowExpected otherwise); categories absent from both
// samples are dropped. CramersV is its effect size in [0, 1], comparable across
// sample sizes. ChiSquareGOF tests observed counts against given expected
// counts. p-values come from the survival function, so they keep precision far
// below 1e-16.
//
// PSI (numeric, docs/contract.md §5): 10 bins at the offline sample's deciles, empty
// bins counted as 1e-4, Σ (on − off)·ln(on/off). It is a symmetric divergence
// with industry rules of thumb (< 0.1 stable, ≥ 0.25 shifted), no p-value and
// little dependence on sample size, but it depends on the binning and on the
// 1e-4 floor: compare PSI values only between identical definitions.
// PSIProportions applies the formula to categories.
//
// JensenShannon: a bounded ([0, 1] in base 2), symmetric distance between two
// discrete distributions (bins or categories); unlike PSI it needs no floor for
// empty bins. It suits dashboards and thresholds shared across features.
//
// Wasserstein: the earth mover's distance between the raw samples, in the
// feature's own units; it sees how far mass moved, not only whether it moved,
// and has no binning. WassersteinNormalized divides by the offline standard
// deviation so that one threshold can serve features of different scales.
// Heavy tails (e.g. Cauchy-like data) make it unstable: prefer KS or PSI there.
//
// LInf: the largest difference of normalized category frequencies and the
// category where it occurs (TFDV semantics), easy to explain in an alert.
//
// BenjaminiHochberg: adjusts the p-values of one view's features for multiple
// testing (false discovery rate); it assumes independent or positively
// dependent tests.
//
// # Performance
//
// KS2Samp and Wasserstein sort copies of their inputs (radix sort for large
// samples); memory is linear in n + m. The exact KS p-value costs O(n) for
// n = m and O(n·m·D) otherwise; the asymptotic one is O(n) at most. PSI selects
// the decile order statistics in O(n) instead of sorting. See the benchmarks
// and bench/stats_vs_scipy.sh.
package stats
