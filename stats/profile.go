package stats

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
)

// A reference profile is what the skew tests need of a reference sample (a
// training set, a pinned offline range), kept so that the reference does not
// have to be read again on every run. It is plain data: package reference
// reads and writes it, the checks consume it through the functions below.
//
// What stays exact and what is approximated when the reference is larger than
// the reservoir:
//
//   - Exact from every reference value: the decile edges and the counts per
//     decile bin (so PSI and Jensen–Shannon on deciles are exact), the
//     standard deviation (the Wasserstein normalisation), the count of values
//     and of nulls, and for categorical features every category count (so
//     chi-square, PSI, Jensen–Shannon and L∞ are exact).
//   - From the reservoir (a uniform sample without replacement of k values):
//     the KS statistic and p-value and the Wasserstein distance. When the
//     reservoir holds every value (Complete) they are exact too. Otherwise,
//     with F_k the reservoir's ECDF and F_N the reference's, the KS statistic
//     moves by at most sup|F_k − F_N|, and the Wasserstein distance by at
//     most W1(F_k, F_N) ≤ (Max − Min)·sup|F_k − F_N|. By the
//     Dvoretzky–Kiefer–Wolfowitz inequality sup|F_k − F_N| ≤ ε with
//     probability at least 1 − 2·exp(−2kε²): with k = 100000 and 99.9%
//     probability, ε = sqrt(ln(2000)/(2k)) ≈ 0.0062. DKWBound computes ε.
//     The KS p-value is that of the test against k values (not N): it is
//     conservative (a larger reference could only make it smaller).

// NumericProfile summarises the values of one numeric feature of a
// reference.
type NumericProfile struct {
	// N is the number of non-null, finite values; Nulls the number of null
	// (missing, empty or NaN) values; Inf the number of infinite values left
	// out.
	N, Nulls, Inf int
	// Reservoir holds, sorted ascending, every value when Complete, else a
	// uniform sample without replacement of them.
	Reservoir []float64
	Complete  bool
	// Edges are the 9 decile edges of all N values (DecileEdges) and
	// BinCounts the number of the N values in each of their 10 bins.
	Edges     []float64
	BinCounts []float64
	// Std is the population standard deviation (ddof 0) of all N values;
	// Min and Max their extremes.
	Std, Min, Max float64
}

// CategoricalProfile summarises the values of one categorical feature.
type CategoricalProfile struct {
	// Counts holds the number of values of each category; Nulls the null
	// values.
	Counts map[string]float64
	Nulls  int
}

// Total is the number of non-null values.
func (c *CategoricalProfile) Total() float64 {
	t := 0.0
	for _, v := range c.Counts {
		t += v
	}
	return t
}

// FeatureProfile is the profile of one feature: Numeric or Categorical is
// set.
type FeatureProfile struct {
	Name        string
	Type        string
	Numeric     *NumericProfile
	Categorical *CategoricalProfile
}

// Profile is the profile of a reference: its features and what it is.
type Profile struct {
	// Label names the reference for people and dashboards (for example a
	// model version, "ranker v3"); Version is the profile's own version
	// (counted by whoever writes it, or a content hash).
	Label   string
	Version string
	// Source says where the values came from ("parquet:training/v3.parquet",
	// "range:2026-11-01T00:00:00Z/2026-11-14T00:00:00Z", ...); Fingerprint
	// identifies the content of the source when the profile was made, so a
	// changed source can be detected.
	Source      string
	Fingerprint string
	// CreatedAt is when the profile was made (RFC 3339; set by the caller).
	CreatedAt string
	Features  map[string]*FeatureProfile
}

// NewNumericProfile profiles values (nulls already removed; NaN is counted
// as null and ±Inf counted apart, as the skew check does) keeping at most
// reservoir values, chosen uniformly without replacement by a generator
// seeded with seed. values is sorted in place and must not be used by the
// caller afterwards (it may become the reservoir).
func NewNumericProfile(values []float64, nulls int, reservoir int, seed uint64) (*NumericProfile, error) {
	if reservoir < 1 {
		return nil, fmt.Errorf("numeric profile: reservoir %d: %w", reservoir, ErrRange)
	}
	p := &NumericProfile{Nulls: nulls}
	finite := values[:0]
	for _, v := range values {
		switch {
		case math.IsNaN(v):
			p.Nulls++
		case math.IsInf(v, 0):
			p.Inf++
		default:
			finite = append(finite, v)
		}
	}
	p.N = len(finite)
	if p.N == 0 {
		return p, nil
	}
	Sort(finite)
	p.Edges = DecileEdges(finite)
	p.BinCounts = binCounts(p.Edges, finite)
	p.Std = stdDev(finite)
	p.Min, p.Max = finite[0], finite[len(finite)-1]
	if p.N <= reservoir {
		p.Reservoir, p.Complete = finite, true
		return p, nil
	}
	// Partial Fisher–Yates over a copy: the first k slots end up a uniform
	// sample without replacement.
	r := slices.Clone(finite)
	g := splitMix{state: seed}
	for i := 0; i < reservoir; i++ {
		j := i + int(g.below(uint64(len(r)-i)))
		r[i], r[j] = r[j], r[i]
	}
	r = slices.Clip(r[:reservoir])
	Sort(r)
	p.Reservoir = r
	return p, nil
}

// binCounts counts the values of sorted (ascending) per bin of edges, by the
// rule of BinProportions.
func binCounts(edges, sorted []float64) []float64 {
	counts := make([]float64, len(edges)+1)
	b := 0
	for i, v := range sorted {
		for b < len(edges) && edges[b] <= v {
			b++
		}
		if b == len(edges) {
			counts[b] += float64(len(sorted) - i)
			break
		}
		counts[b]++
	}
	return counts
}

// Proportions returns the share of the N values in each decile bin, equal
// to BinProportions(Edges, all values).
func (p *NumericProfile) Proportions() []float64 {
	out := make([]float64, len(p.BinCounts))
	for i, c := range p.BinCounts {
		out[i] = c / float64(p.N)
	}
	return out
}

// DKWBound returns ε such that the ECDF of k values drawn uniformly from a
// population is within ε of the population's ECDF everywhere with
// probability at least 1 − alpha (Dvoretzky–Kiefer–Wolfowitz with Massart's
// constant): ε = sqrt(ln(2/alpha) / (2k)).
func DKWBound(k int, alpha float64) float64 {
	return math.Sqrt(math.Log(2/alpha) / (2 * float64(k)))
}

// NormalizedWasserstein divides a Wasserstein distance by a reference
// standard deviation floored at 0.001, as WassersteinNormalized does.
func NormalizedWasserstein(w, std float64) float64 {
	return w / math.Max(std, 0.001)
}

// splitMix is the SplitMix64 generator: small, seedable, no package state.
type splitMix struct{ state uint64 }

func (g *splitMix) next() uint64 {
	g.state += 0x9E3779B97F4A7C15
	z := g.state
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// below returns a uniform integer in [0, n) by multiply-high (Lemire,
// without the rejection step: the bias is below n/2^64, negligible for the
// sizes of a sample).
func (g *splitMix) below(n uint64) uint64 {
	hi, _ := bits.Mul64(g.next(), n)
	return hi
}
