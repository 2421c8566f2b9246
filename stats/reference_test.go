package stats

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sync"
	"testing"
)

// The reference values in testdata/reference.json.gz are written by
// testdata/gen_reference.py with SciPy 1.10 / NumPy / statsmodels. Large
// samples are not stored but regenerated here bit-identically from their
// "gen" description (see genSample and gen() in the Python script).

// num is a float64 that also decodes the strings "inf", "-inf" and "nan".
type num float64

func (f *num) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"inf"`:
		*f = num(math.Inf(1))
	case `"-inf"`:
		*f = num(math.Inf(-1))
	case `"nan"`:
		*f = num(math.NaN())
	case "null":
		*f = num(math.NaN())
	default:
		var v float64
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*f = num(v)
	}
	return nil
}

func floats(v []num) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

type genSpec struct {
	Kind   string  `json:"kind"`
	Seed   uint64  `json:"seed"`
	N      int     `json:"n"`
	Loc    float64 `json:"loc"`
	Scale  float64 `json:"scale"`
	Levels float64 `json:"levels"`
}

type sampleRef struct {
	Values []num    `json:"values"`
	Gen    *genSpec `json:"gen"`
}

func (s sampleRef) data() []float64 {
	if s.Gen != nil {
		return genSample(*s.Gen)
	}
	return floats(s.Values)
}

// splitmixUniform mirrors splitmix_uniform in gen_reference.py.
func splitmixUniform(seed uint64, n int) []float64 {
	out := make([]float64, n)
	splitmixFill(seed, 0, out)
	return out
}

// splitmixFill sets out[k] to the uniform number of index first+k.
func splitmixFill(seed, first uint64, out []float64) {
	for i := range out {
		z := seed + (first+uint64(i)+1)*0x9E3779B97F4A7C15
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
		z = (z ^ (z >> 27)) * 0x94D049BB133111EB
		z ^= z >> 31
		out[i] = float64(z>>11) * 0x1p-53
	}
}

func approxNormal(seed uint64, n int) []float64 {
	out := make([]float64, n)
	var u [12]float64
	for i := range out {
		splitmixFill(seed, uint64(12*i), u[:])
		s := 0.0
		for k := 0; k < 12; k++ {
			s += u[k]
		}
		out[i] = s - 6.0
	}
	return out
}

// genSample mirrors gen() in gen_reference.py, operation for operation.
func genSample(g genSpec) []float64 {
	var x []float64
	switch g.Kind {
	case "uniform":
		x = splitmixUniform(g.Seed, g.N)
	case "normal":
		x = approxNormal(g.Seed, g.N)
	case "cauchy":
		a, b := approxNormal(g.Seed, g.N), approxNormal(g.Seed+7777, g.N)
		x = make([]float64, g.N)
		for i := range x {
			x[i] = a[i] / b[i]
		}
	case "discrete":
		x = splitmixUniform(g.Seed, g.N)
		for i := range x {
			x[i] = math.Floor(x[i] * g.Levels)
		}
	default:
		panic("unknown generator " + g.Kind)
	}
	scale := g.Scale
	if scale == 0 {
		scale = 1
	}
	for i := range x {
		x[i] = float64(x[i]*scale) + g.Loc
	}
	return x
}

type reference struct {
	SciPy string `json:"scipy"`
	KS    []struct {
		Name       string    `json:"name"`
		XR         sampleRef `json:"x"`
		YR         sampleRef `json:"y"`
		Method     string    `json:"method"`
		MethodUsed string    `json:"method_used"`
		D, P       num
	} `json:"ks"`
	KSTwoSF []struct {
		N     int
		X, SF num
	} `json:"kstwo_sf"`
	KolmogorovSF []struct{ X, SF num } `json:"kolmogorov_sf"`
	Chi2         []struct {
		Name     string
		A, B     []num
		Stat, P  num
		DoF      int
		CramersV num `json:"cramers_v"`
	} `json:"chi2_contingency"`
	ChiSquare []struct {
		Name     string
		Observed []num
		Expected []num
		Stat, P  num
		DoF      int
	} `json:"chisquare"`
	Chi2SF []struct {
		X  num
		K  int
		SF num
	} `json:"chi2_sf"`
	Quantile []struct {
		Name     string
		Data     []num
		Q, Value num
	} `json:"quantile"`
	PSI []struct {
		Name     string
		Ref, Cur sampleRef
		Edges    []num
		RefProps []num `json:"ref_props"`
		CurProps []num `json:"cur_props"`
		PSI      num
		JSBase2  num `json:"js_base2"`
	} `json:"psi"`
	PSIProportions []struct {
		Ref, Cur []num
		PSI      num
	} `json:"psi_proportions"`
	JS []struct {
		P, Q       []num
		Base, Dist num
	} `json:"js"`
	Wasserstein []struct {
		Name          string
		U, V          sampleRef
		W, Normalized num
	} `json:"wasserstein"`
	BH []struct {
		P   []num
		Adj []num
	} `json:"bh"`
}

var loadRef = sync.OnceValues(func() (*reference, error) {
	f, err := os.Open("testdata/reference.json.gz")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	var r reference
	if err := json.NewDecoder(zr).Decode(&r); err != nil {
		return nil, fmt.Errorf("decode reference: %w", err)
	}
	return &r, nil
})

func mustRef(t testing.TB) *reference {
	t.Helper()
	r, err := loadRef()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// closeTo reports whether got equals want to 1e-9 relative. The
// comparison is relative whenever want is not 0, however small (a p-value
// of 1e-40 must match to 1e-49, not merely be below 1e-15); only a
// reference of exactly 0 is compared absolutely, to 1e-15, and a subnormal
// reference (below 2.2e-308, where a float64 has too few significant bits
// for any relative tolerance) must be matched by a value below the smallest
// normal float64. NaN equals NaN and infinities must match exactly.
func closeTo(got, want float64) bool {
	return closeTol(got, want, 1e-9)
}

// smallestNormal is the smallest normal float64, 2^-1022.
const smallestNormal = 0x1p-1022

func closeTol(got, want, rel float64) bool {
	if math.IsNaN(want) || math.IsNaN(got) {
		return math.IsNaN(want) && math.IsNaN(got)
	}
	if math.IsInf(want, 0) || math.IsInf(got, 0) {
		return got == want
	}
	d := math.Abs(got - want)
	if want == 0 {
		return d <= 1e-15
	}
	if math.Abs(want) < smallestNormal {
		return math.Abs(got) < smallestNormal && math.Signbit(got) == math.Signbit(want)
	}
	return d <= rel*math.Abs(want)
}

func relErr(got, want float64) float64 {
	if got == want {
		return 0
	}
	return math.Abs(got-want) / math.Abs(want)
}

// The reference comparison is relative for every non-zero reference: two
// p-values a factor 2 apart are different however small they are.
func TestCloseTolIsRelative(t *testing.T) {
	for _, c := range []struct {
		got, want float64
		ok        bool
	}{
		{1.2e-40, 1.2e-40 * (1 + 1e-10), true},
		{1e-40, 2e-40, false},
		{0, 1e-20, false},
		{3e-16, 0, true},
		{1e-14, 0, false},
		{0, 5e-322, true}, // subnormal: no relative precision left
		{0, 1e-300, false},
		{0.5, 0.5 * (1 + 2e-9), false},
	} {
		if got := closeTo(c.got, c.want); got != c.ok {
			t.Errorf("closeTo(%g, %g) = %v, want %v", c.got, c.want, got, c.ok)
		}
	}
}
