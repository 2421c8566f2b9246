package stats

import "errors"

// Errors returned by the functions of this package. They are sentinel values:
// returned errors wrap them, so test with errors.Is. Messages name the input and
// the index that failed, never the offending value.
var (
	// ErrEmpty reports an empty sample, an empty table row or a table whose
	// totals are zero.
	ErrEmpty = errors.New("empty sample")
	// ErrNaN reports a NaN in an input that does not accept one.
	ErrNaN = errors.New("NaN value")
	// ErrInf reports ±Inf in an input that needs finite values.
	ErrInf = errors.New("infinite value")
	// ErrNegative reports a negative count, weight or probability.
	ErrNegative = errors.New("negative value")
	// ErrLength reports inputs whose lengths must match but do not.
	ErrLength = errors.New("length mismatch")
	// ErrNotSorted reports an input documented as sorted that is not.
	ErrNotSorted = errors.New("not sorted ascending")
	// ErrPValue reports a p-value outside [0, 1] (or NaN).
	ErrPValue = errors.New("p-value outside [0, 1]")
	// ErrSumMismatch reports observed and expected frequencies whose totals
	// differ by more than 1e-8 relative (as scipy.stats.chisquare).
	ErrSumMismatch = errors.New("observed and expected totals differ")
	// ErrMethod reports an unknown KS method.
	ErrMethod = errors.New("unknown method")
	// ErrBase reports a logarithm base that is not > 0 and ≠ 1.
	ErrBase = errors.New("invalid logarithm base")
	// ErrRange is an argument outside its domain (a count above its total,
	// a non-positive quantile, a reservoir size below 1).
	ErrRange = errors.New("argument out of range")
)

// Warnings are statistical caveats, returned in a result's Warnings field
// (wrapped, test with errors.Is). They never make a function fail.
var (
	// WarnSmallSample: a sample is so small that the test has little power or
	// its approximation is poor.
	WarnSmallSample = errors.New("small sample")
	// WarnTies: the data contain ties; the KS p-value assumes continuous data
	// and is conservative (too large) with ties, as in SciPy.
	WarnTies = errors.New("tied values")
	// WarnExactFallback: the exact KS p-value could not be computed and the
	// asymptotic one is returned instead (as SciPy does).
	WarnExactFallback = errors.New("exact p-value not computable, used asymptotic")
	// WarnLowExpected: some expected count of a chi-square test is below 5,
	// so the chi-square approximation may be poor.
	WarnLowExpected = errors.New("expected count below 5")
	// WarnDroppedCategories: categories absent from both samples were
	// dropped before the test.
	WarnDroppedCategories = errors.New("categories with zero total dropped")
)
