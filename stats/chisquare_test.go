package stats

import (
	"errors"
	"math"
	"testing"
)

func TestChiSquareHomogeneityReference(t *testing.T) {
	for _, c := range mustRef(t).Chi2 {
		got, err := ChiSquareHomogeneity(floats(c.A), floats(c.B))
		if err != nil {
			t.Errorf("%s: %v", c.Name, err)
			continue
		}
		if got.DoF != c.DoF {
			t.Errorf("%s: dof %d, SciPy %d", c.Name, got.DoF, c.DoF)
		}
		if !closeTo(got.Statistic, float64(c.Stat)) {
			t.Errorf("%s: stat %.17g, SciPy %.17g", c.Name, got.Statistic, float64(c.Stat))
		}
		if !closeTo(got.PValue, float64(c.P)) {
			t.Errorf("%s: p %.17g, SciPy %.17g (rel %.3g)", c.Name, got.PValue, float64(c.P), relErr(got.PValue, float64(c.P)))
		}
		if !closeTo(got.CramersV, float64(c.CramersV)) {
			t.Errorf("%s: V %.17g, SciPy %.17g", c.Name, got.CramersV, float64(c.CramersV))
		}
	}
}

func TestChiSquareGOFReference(t *testing.T) {
	for _, c := range mustRef(t).ChiSquare {
		var exp []float64
		if c.Expected != nil {
			exp = floats(c.Expected)
		}
		got, err := ChiSquareGOF(floats(c.Observed), exp)
		if err != nil {
			t.Errorf("%s: %v", c.Name, err)
			continue
		}
		wantStat, wantP := float64(c.Stat), float64(c.P)
		if c.DoF == 0 { // SciPy: chi2.sf(0, 0) is NaN; documented as statistic 0, p 1
			wantStat, wantP = 0, 1
		}
		if got.DoF != c.DoF || !closeTo(got.Statistic, wantStat) || !closeTo(got.PValue, wantP) {
			t.Errorf("%s: got (%.17g, %d, %.17g), SciPy (%.17g, %d, %.17g)", c.Name,
				got.Statistic, got.DoF, got.PValue, wantStat, c.DoF, wantP)
		}
	}
}

func TestChiSquareSFReference(t *testing.T) {
	for _, c := range mustRef(t).Chi2SF {
		if got := ChiSquareSF(float64(c.X), c.K); !closeTo(got, float64(c.SF)) {
			t.Errorf("ChiSquareSF(%g, %d) = %.17g, SciPy %.17g", float64(c.X), c.K, got, float64(c.SF))
		}
	}
}

func TestChiSquareErrorsAndWarnings(t *testing.T) {
	if _, err := ChiSquareHomogeneity([]float64{1, 2}, []float64{1}); !errors.Is(err, ErrLength) {
		t.Errorf("length mismatch: %v", err)
	}
	if _, err := ChiSquareHomogeneity([]float64{0, 0}, []float64{1, 2}); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty online row: %v", err)
	}
	if _, err := ChiSquareHomogeneity([]float64{1, math.NaN()}, []float64{1, 2}); !errors.Is(err, ErrNaN) {
		t.Errorf("NaN count: %v", err)
	}
	if _, err := ChiSquareHomogeneity([]float64{1, -1}, []float64{1, 2}); !errors.Is(err, ErrNegative) {
		t.Errorf("negative count: %v", err)
	}
	r, err := ChiSquareHomogeneity([]float64{3, 0, 4}, []float64{1, 0, 9})
	if err != nil {
		t.Fatal(err)
	}
	if !hasWarning(r.Warnings, WarnDroppedCategories) || !hasWarning(r.Warnings, WarnLowExpected) {
		t.Errorf("warnings %v, want dropped categories and low expected", r.Warnings)
	}
	if _, err := ChiSquareGOF([]float64{10, 10}, []float64{10, 11}); !errors.Is(err, ErrSumMismatch) {
		t.Errorf("sum mismatch: %v", err)
	}
	// Expected 0 where observed > 0: SciPy gives +Inf and p = 0.
	r, err = ChiSquareGOF([]float64{5, 5}, []float64{10, 0})
	if err != nil || !math.IsInf(r.Statistic, 1) || r.PValue != 0 {
		t.Errorf("E=0,O>0: %+v %v, want +Inf, p 0", r, err)
	}
}

func hasWarning(ws []error, target error) bool {
	for _, w := range ws {
		if errors.Is(w, target) {
			return true
		}
	}
	return false
}
