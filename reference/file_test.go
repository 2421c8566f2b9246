package reference

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/fsmon/fsmon/stats"
)

func testProfile(t testing.TB, n, reservoir int) *stats.Profile {
	t.Helper()
	vals := make([]float64, n)
	x := uint64(1)
	for i := range vals {
		x = x*6364136223846793005 + 1442695040888963407
		vals[i] = float64(x>>11) * 0x1p-53
	}
	np, err := stats.NewNumericProfile(vals, 3, reservoir, 9)
	if err != nil {
		t.Fatal(err)
	}
	return &stats.Profile{Label: "model v3", Version: "7", Source: "parquet train.parquet", Fingerprint: "abc", CreatedAt: "2026-11-28T00:00:00Z",
		Features: map[string]*stats.FeatureProfile{
			"x":    {Name: "x", Type: "float64", Numeric: np},
			"city": {Name: "city", Type: "string", Categorical: &stats.CategoricalProfile{Counts: map[string]float64{"a": 3, "b": 5}, Nulls: 2}},
		}}
}

func TestProfileFileRoundTrip(t *testing.T) {
	for _, c := range []struct{ n, reservoir int }{{1000, 5000}, {5000, 1000}, {0, 10}} {
		p := testProfile(t, c.n, c.reservoir)
		path := filepath.Join(t.TempDir(), "p.fsprof")
		if err := WriteFile(path, p); err != nil {
			t.Fatal(err)
		}
		got, err := ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if c.n == 0 {
			// An empty reservoir decodes as an empty (not nil) slice.
			p.Features["x"].Numeric.Reservoir = got.Features["x"].Numeric.Reservoir[:0]
		}
		if !reflect.DeepEqual(got, p) {
			t.Errorf("n=%d reservoir=%d: round trip differs:\n got %+v\nwant %+v", c.n, c.reservoir, got.Features["x"].Numeric, p.Features["x"].Numeric)
		}
	}
}

func TestProfileFileDamaged(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, testProfile(t, 100, 100)); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	flip := bytes.Clone(good)
	flip[len(flip)/2] ^= 1
	newer := bytes.Clone(good)
	newer[7] = '2'
	for name, b := range map[string][]byte{
		"truncated": good[:len(good)-9], "bit flip": flip, "empty": nil, "not a profile": []byte("PAR1 something else entirely"), "newer format": newer,
	} {
		if _, err := Decode(b); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: error %v, want ErrFormat", name, err)
		}
	}
	path := filepath.Join(t.TempDir(), "x.fsprof")
	if err := os.WriteFile(path, flip, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(path); err == nil || !bytes.Contains([]byte(err.Error()), []byte(path)) {
		t.Errorf("ReadFile error %v does not name the file", err)
	}
}

// BenchmarkLoadProfile1M measures loading a cached profile of 1,000,000
// reference values (one numeric feature, all in the reservoir) from disk:
// the cost of a profile reference after a restart.
func BenchmarkLoadProfile1M(b *testing.B) {
	p := testProfile(b, 1_000_000, 1_000_000)
	path := filepath.Join(b.TempDir(), "p.fsprof")
	if err := WriteFile(path, p); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		got, err := ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		if len(got.Features["x"].Numeric.Reservoir) != 1_000_000 {
			b.Fatal("short reservoir")
		}
	}
}
