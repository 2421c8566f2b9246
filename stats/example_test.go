package stats_test

import (
	"fmt"

	"github.com/fsmon/fsmon/stats"
)

// The printed values were computed with SciPy 1.10 / statsmodels on the same
// data (see the comments), not by this package.

var (
	online  = []float64{0.61, 0.29, 0.06, 0.59, -1.73, -0.74, 0.51, -0.56, 0.39, 1.64, 0.05, -0.06, 0.64, -0.82, 0.37, 1.77, 1.09, -1.28, 2.36, 1.31, 1.05, -0.32, -0.4, 1.06, -2.47}
	offline = []float64{2.2, 1.6, 1.55, 0.23, 2.81, 1.41, 1.74, 2.26, 1.57, 0.42, 1.73, 1.8, 0.55, 2.02, 2.64, 1.61, 1.69, 2.47, 1.93, 1.45}
)

func ExampleKS2Samp() {
	// scipy.stats.ks_2samp(online, offline): (0.73, 3.0660340817779263e-06)
	r, err := stats.KS2Samp(online, offline, stats.KSAuto)
	if err != nil {
		panic(err)
	}
	fmt.Printf("D=%.2f p=%.6e method=%v\n", r.D, r.PValue, r.Method)
	// method='asymp': p = 1.6805247965471047e-06
	r, _ = stats.KS2Samp(online, offline, stats.KSAsymp)
	fmt.Printf("asymp p=%.6e\n", r.PValue)
	// Output:
	// D=0.73 p=3.066034e-06 method=exact
	// asymp p=1.680525e-06
}

func ExampleKS2SampSorted() {
	// scipy.stats.ks_2samp([1, 2, 3, 4], [3, 4, 5, 6, 7]): D = 0.6, p = 0.2857142857142857 (exact)
	r, _ := stats.KS2SampSorted([]float64{1, 2, 3, 4}, []float64{3, 4, 5, 6, 7}, stats.KSAuto)
	fmt.Printf("D=%.1f p=%.6f warnings=%d\n", r.D, r.PValue, len(r.Warnings))
	// Output: D=0.6 p=0.285714 warnings=2
}

func ExampleKSTwoSF() {
	// scipy.stats.kstwo.sf(0.3, 20) = 0.04306706665851623
	fmt.Printf("%.10f\n", stats.KSTwoSF(0.3, 20))
	// Output: 0.0430670667
}

func ExampleKolmogorovSF() {
	// scipy.stats.kstwobign.sf(1.36) = 0.049485876755377876
	fmt.Printf("%.10f\n", stats.KolmogorovSF(1.36))
	// Output: 0.0494858768
}

func ExampleChiSquareHomogeneity() {
	// chi2_contingency([[120, 90, 40], [100, 110, 45]], correction=False):
	// (4.063192827933312, 0.13112602255594608, dof 2); Cramér's V 0.08969908802182523.
	r, err := stats.ChiSquareHomogeneity([]float64{120, 90, 40}, []float64{100, 110, 45})
	if err != nil {
		panic(err)
	}
	fmt.Printf("chi2=%.6f dof=%d p=%.6f V=%.6f\n", r.Statistic, r.DoF, r.PValue, r.CramersV)
	// Output: chi2=4.063193 dof=2 p=0.131126 V=0.089699
}

func ExampleChiSquareGOF() {
	// scipy.stats.chisquare([18, 22, 20, 40], [25, 25, 25, 25]): (12.32, 0.006363629995195269)
	r, _ := stats.ChiSquareGOF([]float64{18, 22, 20, 40}, []float64{25, 25, 25, 25})
	fmt.Printf("chi2=%.2f dof=%d p=%.6f\n", r.Statistic, r.DoF, r.PValue)
	// Output: chi2=12.32 dof=3 p=0.006364
}

func ExampleChiSquareSF() {
	// scipy.stats.chi2.sf(3.84, 1) = 0.05004352124870519
	fmt.Printf("%.8f\n", stats.ChiSquareSF(3.84, 1))
	// Output: 0.05004352
}

func ExampleCramersV() {
	// association([[120, 90, 40], [100, 110, 45]], method="cramer") = 0.08969908802182523
	fmt.Printf("%.6f\n", stats.CramersV(4.063192827933312, 505, 2, 3))
	// Output: 0.089699
}

func ExampleQuantile() {
	// numpy.quantile([1, 2, 3, 4, 10], [0.5, 0.9]) = [3.0, 7.6000000000000005]
	s := []float64{1, 2, 3, 4, 10}
	fmt.Println(stats.Quantile(s, 0.5), stats.Quantile(s, 0.9))
	// Output: 3 7.6000000000000005
}

func ExampleDecileEdges() {
	// numpy.quantile(arange(1, 21), [.1, ..., .9]) = [2.9 4.8 6.7 8.6 10.5 12.4 14.3 16.2 18.1]
	ref := make([]float64, 20)
	for i := range ref {
		ref[i] = float64(i + 1)
	}
	fmt.Printf("%.4g\n", stats.DecileEdges(ref))
	// Output: [2.9 4.8 6.7 8.6 10.5 12.4 14.3 16.2 18.1]
}

func ExampleBinProportions() {
	// searchsorted(edges, arange(5, 25), 'right') counts / 20 = [0 0 .1 .1 .1 .1 .1 .1 .1 .3]
	edges := []float64{2.9, 4.8, 6.7, 8.6, 10.5, 12.4, 14.3, 16.2, 18.1}
	cur := make([]float64, 20)
	for i := range cur {
		cur[i] = float64(i + 5)
	}
	fmt.Printf("%.2g\n", stats.BinProportions(edges, cur))
	// Output: [0 0 0.1 0.1 0.1 0.1 0.1 0.1 0.1 0.3]
}

func ExamplePSI() {
	// Contract §5 with numpy: deciles of 1..20, current 5..24 -> 1.599891962474253
	ref, cur := make([]float64, 20), make([]float64, 20)
	for i := range ref {
		ref[i], cur[i] = float64(i+1), float64(i+5)
	}
	psi, err := stats.PSI(ref, cur)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%.6f\n", psi)
	// Output: 1.599892
}

func ExampleDecileBins() {
	ref, cur := make([]float64, 20), make([]float64, 20)
	for i := range ref {
		ref[i], cur[i] = float64(i+1), float64(i+5)
	}
	// jensenshannon(cur_props, ref_props, base=2) = 0.37113929340366725
	_, rp, cp, _ := stats.DecileBins(ref, cur)
	js, _ := stats.JensenShannon(cp, rp, 2)
	fmt.Printf("psi=%.6f js=%.6f\n", stats.PSIProportions(rp, cp), js)
	// Output: psi=1.599892 js=0.371139
}

func ExamplePSIProportions() {
	// sum((cur-ref)*log(cur/ref)) for ref [.5 .3 .2], cur [.4 .35 .25] = 0.04117906668849437
	fmt.Printf("%.6f\n", stats.PSIProportions([]float64{0.5, 0.3, 0.2}, []float64{0.4, 0.35, 0.25}))
	// Output: 0.041179
}

func ExampleJensenShannon() {
	// jensenshannon([.5 .3 .2], [.4 .35 .25], base=2) = 0.08609435336652073
	// jensenshannon([10 0 5], [0 10 5]) (natural log) = 0.6797779934458726
	a, _ := stats.JensenShannon([]float64{0.5, 0.3, 0.2}, []float64{0.4, 0.35, 0.25}, 2)
	b, _ := stats.JensenShannon([]float64{10, 0, 5}, []float64{0, 10, 5}, 2.718281828459045)
	fmt.Printf("%.8f %.8f\n", a, b)
	// Output: 0.08609435 0.67977799
}

func ExampleWasserstein() {
	// scipy.stats.wasserstein_distance([0, 1, 3], [5, 6, 8]) = 5.0
	w, _ := stats.Wasserstein([]float64{0, 1, 3}, []float64{5, 6, 8})
	fmt.Println(w)
	// Output: 5
}

func ExampleWassersteinNormalized() {
	// wasserstein_distance(online, offline) = 1.4675999999999996; / numpy.std(offline) = 2.2174244661680755
	w, norm, _ := stats.WassersteinNormalized(online, offline)
	fmt.Printf("%.4f %.6f\n", w, norm)
	// Output: 1.4676 2.217424
}

func ExampleLInf() {
	// online {a: .5, b: .5}, offline {a: .25, c: .75}: largest |difference| .75 at c.
	d, key := stats.LInf(map[string]float64{"a": 2, "b": 2}, map[string]float64{"a": 1, "c": 3})
	fmt.Println(d, key)
	// Output: 0.75 c
}

func ExampleBenjaminiHochberg() {
	// statsmodels multipletests([.01 .04 .03 .2], method='fdr_bh') = [0.04 0.0533 0.0533 0.2]
	adj, _ := stats.BenjaminiHochberg([]float64{0.01, 0.04, 0.03, 0.2})
	fmt.Printf("%.4f\n", adj)
	// Output: [0.0400 0.0533 0.0533 0.2000]
}

func ExampleSort() {
	s := []float64{3, -1, 2.5, 0}
	stats.Sort(s)
	fmt.Println(s)
	// Output: [-1 0 2.5 3]
}
