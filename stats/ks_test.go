package stats

import (
	"math"
	"testing"
)

func TestKS2SampReference(t *testing.T) {
	ref := mustRef(t)
	methods := map[string]Method{"auto": KSAuto, "exact": KSExact, "asymp": KSAsymp}
	worst := 0.0
	defer func() { t.Logf("worst relative p-value error: %.3g", worst) }()
	for _, c := range ref.KS {
		if testing.Short() && (c.XR.Gen != nil && c.XR.Gen.N >= 1000000) {
			continue
		}
		x, y := c.XR.data(), c.YR.data()
		got, err := KS2Samp(x, y, methods[c.Method])
		if err != nil {
			t.Errorf("%s: %v", c.Name, err)
			continue
		}
		wantP := float64(c.P)
		wantMethod := c.MethodUsed
		if math.IsNaN(wantP) && len(x) == 1 && len(y) == 1 {
			// SciPy's asymptotic p is NaN for n = m = 1; KS2Samp documents the exact value.
			wantMethod, wantP = "exact", 1
		}
		if got.Method.String() != wantMethod {
			t.Errorf("%s: method %v, SciPy used %s", c.Name, got.Method, wantMethod)
		}
		if !closeTo(got.D, float64(c.D)) {
			t.Errorf("%s: D = %.17g, SciPy %.17g", c.Name, got.D, float64(c.D))
		}
		if wantP > 1e-300 {
			worst = math.Max(worst, relErr(got.PValue, wantP))
		}
		if !closeTo(got.PValue, wantP) {
			t.Errorf("%s: p = %.17g, SciPy %.17g (rel %.3g)", c.Name, got.PValue, wantP, relErr(got.PValue, wantP))
		}
	}
}

func TestKSTwoSFReference(t *testing.T) {
	ref := mustRef(t)
	worst := 0.0
	for _, c := range ref.KSTwoSF {
		got := KSTwoSF(float64(c.X), c.N)
		if !closeTo(got, float64(c.SF)) {
			t.Errorf("KSTwoSF(%.17g, %d) = %.17g, SciPy %.17g (rel %.3g)", float64(c.X), c.N, got, float64(c.SF), relErr(got, float64(c.SF)))
		}
		if float64(c.SF) > 1e-300 {
			worst = math.Max(worst, relErr(got, float64(c.SF)))
		}
	}
	t.Logf("worst relative error over %d points: %.3g", len(ref.KSTwoSF), worst)
}

func TestKolmogorovSFReference(t *testing.T) {
	for _, c := range mustRef(t).KolmogorovSF {
		if got := KolmogorovSF(float64(c.X)); !closeTo(got, float64(c.SF)) {
			t.Errorf("KolmogorovSF(%g) = %.17g, SciPy %.17g", float64(c.X), got, float64(c.SF))
		}
	}
}
