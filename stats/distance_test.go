package stats

import (
	"errors"
	"math"
	"slices"
	"testing"
)

func TestQuantileReference(t *testing.T) {
	for _, c := range mustRef(t).Quantile {
		if got := Quantile(floats(c.Data), float64(c.Q)); !closeTo(got, float64(c.Value)) {
			t.Errorf("%s q=%g: %.17g, numpy %.17g", c.Name, float64(c.Q), got, float64(c.Value))
		}
	}
	if !math.IsNaN(Quantile(nil, 0.5)) || !math.IsNaN(Quantile([]float64{1}, 1.5)) {
		t.Error("Quantile of empty sample or q outside [0,1] must be NaN")
	}
}

func TestPSIReference(t *testing.T) {
	for _, c := range mustRef(t).PSI {
		ref, cur := c.Ref.data(), c.Cur.data()
		sortedRef := slices.Clone(ref)
		slices.Sort(sortedRef)
		edges := DecileEdges(sortedRef)
		for k := range edges {
			if !closeTo(edges[k], float64(c.Edges[k])) {
				t.Errorf("%s: edge %d = %.17g, numpy %.17g", c.Name, k, edges[k], float64(c.Edges[k]))
			}
		}
		sortedCur := slices.Clone(cur)
		slices.Sort(sortedCur)
		for name, pair := range map[string][2][]float64{
			"ref": {BinProportions(edges, sortedRef), floats(c.RefProps)},
			"cur": {BinProportions(edges, sortedCur), floats(c.CurProps)},
		} {
			for k := range pair[0] {
				if !closeTo(pair[0][k], pair[1][k]) {
					t.Errorf("%s: %s bin %d = %.17g, numpy %.17g", c.Name, name, k, pair[0][k], pair[1][k])
				}
			}
		}
		e2, rp, cp, err := DecileBins(ref, cur)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(e2, edges) || !slices.Equal(rp, BinProportions(edges, sortedRef)) || !slices.Equal(cp, BinProportions(edges, sortedCur)) {
			t.Errorf("%s: DecileBins differs from DecileEdges+BinProportions", c.Name)
		}
		got, err := PSI(ref, cur)
		if err != nil || !closeTo(got, float64(c.PSI)) {
			t.Errorf("%s: PSI = %.17g, %v; numpy %.17g", c.Name, got, err, float64(c.PSI))
		}
		js, err := JensenShannon(cp, rp, 2)
		if err != nil || !closeTo(js, float64(c.JSBase2)) {
			t.Errorf("%s: JS on bins = %.17g, %v; SciPy %.17g", c.Name, js, err, float64(c.JSBase2))
		}
	}
	for _, c := range mustRef(t).PSIProportions {
		if got := PSIProportions(floats(c.Ref), floats(c.Cur)); !closeTo(got, float64(c.PSI)) {
			t.Errorf("PSIProportions(%v, %v) = %.17g, want %.17g", c.Ref, c.Cur, got, float64(c.PSI))
		}
	}
}

func TestPSIHandComputed(t *testing.T) {
	// Two bins, proportions 0.5/0.5 against 0.9/0.1:
	// (0.9-0.5)ln(0.9/0.5) + (0.1-0.5)ln(0.1/0.5) = 0.4·ln 1.8 + 0.4·ln 5.
	want := 0.4*math.Log(1.8) + 0.4*math.Log(5)
	if got := PSIProportions([]float64{0.5, 0.5}, []float64{0.9, 0.1}); math.Abs(got-want) > 1e-15 {
		t.Errorf("PSIProportions = %.17g, want %.17g", got, want)
	}
	// A category only in current: ref floored at 1e-4.
	want = (0.5-1e-4)*math.Log(0.5/1e-4) + (0.5-1)*math.Log(0.5/1.0)
	if got := PSIProportions([]float64{1}, []float64{0.5, 0.5}); math.Abs(got-want) > 1e-14 {
		t.Errorf("PSIProportions with missing category = %.17g, want %.17g", got, want)
	}
	for _, bad := range [][]float64{nil, {1, math.NaN()}, {math.Inf(1)}} {
		if _, err := PSI(bad, []float64{1, 2}); err == nil {
			t.Errorf("PSI(%v, ...) accepted bad reference", bad)
		}
	}
}

func TestJensenShannonReference(t *testing.T) {
	for _, c := range mustRef(t).JS {
		got, err := JensenShannon(floats(c.P), floats(c.Q), float64(c.Base))
		if err != nil || !closeTo(got, float64(c.Dist)) {
			t.Errorf("JS(%d bins, base %g) = %.17g, %v; SciPy %.17g", len(c.P), float64(c.Base), got, err, float64(c.Dist))
		}
	}
	if _, err := JensenShannon([]float64{1, -1}, []float64{1, 1}, 2); !errors.Is(err, ErrNegative) {
		t.Errorf("negative weight: %v", err)
	}
	if _, err := JensenShannon([]float64{0, 0}, []float64{1, 1}, 2); !errors.Is(err, ErrEmpty) {
		t.Errorf("zero sum: %v", err)
	}
	if _, err := JensenShannon([]float64{1}, []float64{1}, 1); !errors.Is(err, ErrBase) {
		t.Errorf("base 1: %v", err)
	}
	if _, err := JensenShannon([]float64{1}, []float64{1, 1}, 2); !errors.Is(err, ErrLength) {
		t.Errorf("length: %v", err)
	}
}

func TestWassersteinReference(t *testing.T) {
	for _, c := range mustRef(t).Wasserstein {
		u, v := c.U.data(), c.V.data()
		w, norm, err := WassersteinNormalized(u, v)
		if err != nil || !closeTo(w, float64(c.W)) || !closeTo(norm, float64(c.Normalized)) {
			t.Errorf("%s: (%.17g, %.17g, %v), SciPy (%.17g, %.17g)", c.Name, w, norm, err, float64(c.W), float64(c.Normalized))
		}
	}
	if _, err := Wasserstein([]float64{1, math.Inf(1)}, []float64{1}); !errors.Is(err, ErrInf) {
		t.Errorf("Inf: %v", err)
	}
}

func TestLInf(t *testing.T) {
	// Hand-computed: p = {a: .5, b: .5}, q = {a: .25, c: .75}: |.25|, |.5|, |.75| -> c.
	d, k := LInf(map[string]float64{"a": 2, "b": 2}, map[string]float64{"a": 1, "c": 3})
	if d != 0.75 || k != "c" {
		t.Errorf("LInf = %g, %q; want 0.75, c", d, k)
	}
	// Ties: the last key in byte order wins (TFDV iterates a std::map with >=).
	d, k = LInf(map[string]float64{"x": 1, "y": 0}, map[string]float64{"x": 0, "y": 1})
	if d != 1 || k != "y" {
		t.Errorf("tie: LInf = %g, %q; want 1, y", d, k)
	}
	// A map with total 0 is left as is.
	d, k = LInf(map[string]float64{"a": 0}, map[string]float64{"a": 4, "b": 4})
	if d != 0.5 || k != "b" {
		t.Errorf("zero total: LInf = %g, %q; want 0.5, b", d, k)
	}
	if d, k := LInf(nil, nil); d != 0 || k != "" {
		t.Errorf("empty: %g %q", d, k)
	}
}

func TestBenjaminiHochbergReference(t *testing.T) {
	for _, c := range mustRef(t).BH {
		got, err := BenjaminiHochberg(floats(c.P))
		if err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if !closeTo(got[i], float64(c.Adj[i])) {
				t.Errorf("BH(%d p-values)[%d] = %.17g, statsmodels %.17g", len(c.P), i, got[i], float64(c.Adj[i]))
			}
		}
	}
	if _, err := BenjaminiHochberg([]float64{0.1, math.NaN()}); !errors.Is(err, ErrPValue) {
		t.Errorf("NaN p: %v", err)
	}
	if _, err := BenjaminiHochberg([]float64{1.5}); !errors.Is(err, ErrPValue) {
		t.Errorf("p > 1: %v", err)
	}
}
