package stats

import (
	"errors"
	"math"
	"slices"
	"testing"
)

func TestKSEdgeCases(t *testing.T) {
	if _, err := KS2Samp(nil, []float64{1}, KSAuto); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty x: %v", err)
	}
	if _, err := KS2Samp([]float64{1}, []float64{}, KSAuto); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty y: %v", err)
	}
	if _, err := KS2Samp([]float64{1, math.NaN()}, []float64{1}, KSAuto); !errors.Is(err, ErrNaN) {
		t.Errorf("NaN: %v", err)
	}
	if _, err := KS2Samp([]float64{1}, []float64{1}, Method(7)); !errors.Is(err, ErrMethod) {
		t.Errorf("bad method: %v", err)
	}
	if _, err := KS2SampSorted([]float64{2, 1}, []float64{1}, KSAuto); !errors.Is(err, ErrNotSorted) {
		t.Errorf("unsorted: %v", err)
	}
	// n = m = 1, asymptotic: SciPy's p is NaN (round(0.5) = 0); documented fallback to exact.
	r, err := KS2Samp([]float64{1}, []float64{2}, KSAsymp)
	if err != nil || r.D != 1 || r.PValue != 1 || r.Method != KSExact || !hasWarning(r.Warnings, WarnSmallSample) {
		t.Errorf("1 vs 1 asymp: %+v %v", r, err)
	}
	// Identical samples: D = 0, p = 1, with a ties warning (every value is tied).
	x := []float64{3, 1, 2, 5, 4}
	for _, m := range []Method{KSAuto, KSExact, KSAsymp} {
		r, err := KS2Samp(x, x, m)
		if err != nil || r.D != 0 || r.PValue != 1 || !hasWarning(r.Warnings, WarnTies) {
			t.Errorf("identical %v: %+v %v", m, r, err)
		}
	}
	// Inputs are not modified.
	if !slices.Equal(x, []float64{3, 1, 2, 5, 4}) {
		t.Errorf("KS2Samp modified its input: %v", x)
	}
	// ±Inf are ordinary values: {-Inf, 0} vs {Inf, 1} are fully separated.
	r, _ = KS2Samp([]float64{math.Inf(-1), 0}, []float64{math.Inf(1), 1}, KSAuto)
	if r.D != 1 {
		t.Errorf("infinities: D = %g, want 1", r.D)
	}
	// exact requested where SciPy refuses: asymptotic with a warning.
	big1, big2 := make([]float64, 50000), make([]float64, 50001)
	for i := range big1 {
		big1[i] = float64(i)
	}
	for i := range big2 {
		big2[i] = float64(i) + 0.5
	}
	r, err = KS2SampSorted(big1, big2, KSExact)
	if err != nil || r.Method != KSAsymp || !hasWarning(r.Warnings, WarnExactFallback) {
		t.Errorf("exact refused: %+v %v", r.Method, err)
	}
}

// bruteKS is sup |F1 − F2| straight from the definition, O(n·m).
func bruteKS(x, y []float64) float64 {
	d := 0.0
	for _, t := range append(slices.Clone(x), y...) {
		var a, b int
		for _, v := range x {
			if v <= t {
				a++
			}
		}
		for _, v := range y {
			if v <= t {
				b++
			}
		}
		d = math.Max(d, math.Abs(float64(a)/float64(len(x))-float64(b)/float64(len(y))))
	}
	return d
}

// bytesToSample turns fuzz bytes into a small sample with many ties and
// occasional infinities.
func bytesToSample(b []byte) []float64 {
	var s []float64
	for i := 0; i+1 < len(b); i += 2 {
		switch b[i] {
		case 255:
			s = append(s, math.Inf(1))
		case 254:
			s = append(s, math.Inf(-1))
		default:
			s = append(s, float64(int8(b[i]))+float64(b[i+1]%4)/4)
		}
	}
	return s
}

func FuzzKS(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6}, []byte{1, 2, 9, 9}, uint8(0))
	f.Add([]byte{0, 0, 0, 0, 0, 0}, []byte{0, 0}, uint8(2))
	f.Add([]byte{255, 0, 254, 0, 7, 1}, []byte{255, 1, 3, 3, 3, 3, 3, 3}, uint8(1))
	f.Add([]byte{10, 0}, []byte{20, 0}, uint8(2))
	f.Add([]byte("the quick brown fox jumps over"), []byte("the lazy dog, again and again and"), uint8(0))
	f.Fuzz(func(t *testing.T, a, b []byte, m uint8) {
		x, y := bytesToSample(a), bytesToSample(b)
		method := Method(m % 3)
		r, err := KS2Samp(x, y, method)
		if len(x) == 0 || len(y) == 0 {
			if !errors.Is(err, ErrEmpty) {
				t.Fatalf("empty sample: err %v", err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if !(r.D >= 0 && r.D <= 1) || !(r.PValue >= 0 && r.PValue <= 1) {
			t.Fatalf("D=%v p=%v out of range", r.D, r.PValue)
		}
		if want := bruteKS(x, y); math.Abs(r.D-want) > 1e-12 {
			t.Fatalf("D=%v, definition gives %v", r.D, want)
		}
		self, err := KS2Samp(x, x, method)
		if err != nil || self.D != 0 || self.PValue != 1 {
			t.Fatalf("x vs itself: %+v %v", self, err)
		}
	})
}

func FuzzDistances(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8}, []byte{1, 2, 9, 9})
	f.Add([]byte{0, 0, 0, 0}, []byte{0, 0})
	f.Add([]byte("abcdefghijklmnopqrstuvwxyz"), []byte("zyxwvutsrqponmlkjihgfedcba0123456789"))
	f.Add([]byte{100, 3, 100, 3, 100, 3}, []byte{200, 1})
	f.Fuzz(func(t *testing.T, a, b []byte) {
		x, y := bytesToSample(a), bytesToSample(b)
		x = slices.DeleteFunc(x, func(v float64) bool { return math.IsInf(v, 0) })
		y = slices.DeleteFunc(y, func(v float64) bool { return math.IsInf(v, 0) })
		if len(x) == 0 || len(y) == 0 {
			if _, err := PSI(x, y); !errors.Is(err, ErrEmpty) {
				t.Fatalf("PSI of empty sample: %v", err)
			}
			return
		}
		psi, err := PSI(x, y)
		if err != nil || !(psi >= 0) || math.IsInf(psi, 0) {
			t.Fatalf("PSI = %v, %v", psi, err)
		}
		if self, _ := PSI(x, x); self != 0 {
			t.Fatalf("PSI(x, x) = %v", self)
		}
		_, rp, cp, _ := DecileBins(x, y)
		js, err := JensenShannon(cp, rp, 2)
		if err != nil || !(js >= 0 && js <= 1) {
			t.Fatalf("JS = %v, %v", js, err)
		}
		if self, _ := JensenShannon(rp, rp, 2); self != 0 {
			t.Fatalf("JS(p, p) = %v", self)
		}
		w, norm, err := WassersteinNormalized(x, y)
		if err != nil || !(w >= 0) || !(norm >= 0) || math.IsInf(norm, 0) {
			t.Fatalf("W = %v, %v, %v", w, norm, err)
		}
		if self, _ := Wasserstein(x, x); self != 0 {
			t.Fatalf("W(x, x) = %v", self)
		}
		counts := func(s []float64) map[string]float64 {
			m := map[string]float64{}
			for _, v := range s {
				m[string(rune('a'+int(math.Abs(v))%26))]++
			}
			return m
		}
		if d, _ := LInf(counts(x), counts(y)); !(d >= 0 && d <= 1) {
			t.Fatalf("LInf = %v", d)
		}
		cx, cy := counts(x), counts(y)
		var ka, kb []float64
		for k := range cx {
			ka, kb = append(ka, cx[k]), append(kb, cy[k])
		}
		for k := range cy {
			if _, ok := cx[k]; !ok {
				ka, kb = append(ka, 0), append(kb, cy[k])
			}
		}
		c, err := ChiSquareHomogeneity(ka, kb)
		if err != nil || !(c.Statistic >= 0) || !(c.PValue >= 0 && c.PValue <= 1) || !(c.CramersV >= 0 && c.CramersV <= 1) {
			t.Fatalf("chi2 %+v %v", c, err)
		}
		if self, _ := ChiSquareHomogeneity(ka, ka); self.Statistic != 0 || self.PValue != 1 {
			t.Fatalf("chi2(a, a) = %+v", self)
		}
		ps := []float64{c.PValue, 0.5, js}
		adj, err := BenjaminiHochberg(ps)
		for i := range adj {
			if err != nil || adj[i] < ps[i] || adj[i] > 1 {
				t.Fatalf("BH(%v) = %v, %v", ps, adj, err)
			}
		}
	})
}

func TestSortFloats(t *testing.T) {
	for _, n := range []int{0, 1, 5, radixThreshold - 1, radixThreshold, 10007} {
		s := make([]float64, n)
		u := splitmixUniform(uint64(n), n)
		for i := range s {
			s[i] = (u[i] - 0.5) * 1e3
			if i%7 == 0 {
				s[i] = math.Floor(s[i]) // ties
			}
		}
		if n > 10 {
			s[1], s[2], s[3] = math.Inf(1), math.Inf(-1), math.Copysign(0, -1)
		}
		want := slices.Clone(s)
		slices.Sort(want)
		sortFloats(s)
		if !slices.Equal(s, want) {
			t.Errorf("n=%d: sortFloats differs from slices.Sort", n)
		}
	}
}

func TestMultiSelectMatchesSort(t *testing.T) {
	for _, n := range []int{1, 2, 3, 10, 33, 100, 1001, 5000} {
		for _, kind := range []string{"uniform", "ties", "sorted", "reversed", "constant"} {
			s := splitmixUniform(uint64(n)+7, n)
			for i := range s {
				switch kind {
				case "ties":
					s[i] = math.Floor(s[i] * 3)
				case "sorted":
					s[i] = float64(i)
				case "reversed":
					s[i] = float64(-i)
				case "constant":
					s[i] = 1
				}
			}
			sorted := slices.Clone(s)
			slices.Sort(sorted)
			if got, want := decileEdgesUnsorted(s), DecileEdges(sorted); !slices.Equal(got, want) {
				t.Errorf("n=%d %s: edges %v, want %v", n, kind, got, want)
			}
		}
	}
}

func TestSortExported(t *testing.T) {
	for _, n := range []int{0, 3, 100, 5000} {
		s := splitmixUniform(uint64(n)+99, n)
		for i := range s {
			s[i] = math.Floor((s[i] - 0.5) * 50)
		}
		want := slices.Clone(s)
		slices.Sort(want)
		Sort(s)
		if !slices.Equal(s, want) {
			t.Errorf("n=%d: Sort differs from slices.Sort", n)
		}
	}
	s := []float64{2, math.NaN(), -1, math.Inf(1), 0}
	Sort(s)
	if !math.IsNaN(s[4]) || s[0] != -1 || s[3] != math.Inf(1) {
		t.Errorf("Sort with NaN: %v", s)
	}
}
