package stats

import (
	"fmt"
	"testing"
)

// Benchmarks on deterministic data (genSample). Compare with SciPy via
// bench/stats_vs_scipy.sh. Allocation figures show memory is linear in n.

func benchKS(b *testing.B, n, m int, shift float64, method Method) {
	x := genSample(genSpec{Kind: "normal", Seed: 1, N: n})
	y := genSample(genSpec{Kind: "normal", Seed: 2, N: m, Loc: shift})
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := KS2Samp(x, y, method); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkKS2Samp(b *testing.B) {
	for _, c := range []struct {
		n, m   int
		shift  float64
		method Method
	}{
		{10000, 10000, 0.02, KSAuto}, // exact, n == m
		{10000, 9000, 0.02, KSAuto},  // exact, n != m
		{100000, 100000, 0.01, KSAuto},
		{1000000, 1000000, 0, KSAsymp},
		{1000000, 1000000, 0.003, KSAsymp},
	} {
		b.Run(fmt.Sprintf("%s/n=%d/m=%d/shift=%g", c.method, c.n, c.m, c.shift), func(b *testing.B) {
			benchKS(b, c.n, c.m, c.shift, c.method)
		})
	}
}

func BenchmarkKSTwoSF(b *testing.B) {
	for _, c := range []struct {
		n int
		x float64
	}{{500000, 0.003}, {5000, 0.01}, {100, 0.1}} {
		b.Run(fmt.Sprintf("n=%d/x=%g", c.n, c.x), func(b *testing.B) {
			for b.Loop() {
				KSTwoSF(c.x, c.n)
			}
		})
	}
}

func BenchmarkChiSquareHomogeneity2x1000(b *testing.B) {
	u := splitmixUniform(3, 2000)
	a, c := make([]float64, 1000), make([]float64, 1000)
	for i := range a {
		a[i], c[i] = float64(int(u[i]*50)+1), float64(int(u[1000+i]*50)+1)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ChiSquareHomogeneity(a, c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPSI1e6(b *testing.B) {
	ref := genSample(genSpec{Kind: "normal", Seed: 4, N: 1000000})
	cur := genSample(genSpec{Kind: "normal", Seed: 5, N: 1000000, Loc: 0.05})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := PSI(ref, cur); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJensenShannon1e6(b *testing.B) {
	p, q := splitmixUniform(6, 1000000), splitmixUniform(7, 1000000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := JensenShannon(p, q, 2); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWasserstein1e6(b *testing.B) {
	u := genSample(genSpec{Kind: "normal", Seed: 8, N: 1000000})
	v := genSample(genSpec{Kind: "normal", Seed: 9, N: 1000000, Loc: 0.01})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Wasserstein(u, v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSortFloats1e6(b *testing.B) {
	x := genSample(genSpec{Kind: "normal", Seed: 10, N: 1000000})
	s := make([]float64, len(x))
	b.ReportAllocs()
	for b.Loop() {
		copy(s, x)
		sortFloats(s)
	}
}
