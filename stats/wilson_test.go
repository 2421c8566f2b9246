package stats

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"testing"
)

// TestWilsonStatsmodels compares Wilson with statsmodels'
// proportion_confint(method="wilson") (testdata/gen_wilson.py).
func TestWilsonStatsmodels(t *testing.T) {
	b, err := os.ReadFile("testdata/wilson.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Cases []struct {
			Successes, N int
			Lo, Hi       float64
		}
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Cases) < 50 {
		t.Fatalf("only %d reference cases", len(ref.Cases))
	}
	for _, c := range ref.Cases {
		got, err := Wilson(c.Successes, c.N, Z95)
		if err != nil {
			t.Fatalf("Wilson(%d, %d): %v", c.Successes, c.N, err)
		}
		for _, p := range [][2]float64{{got.Lo, c.Lo}, {got.Hi, c.Hi}} {
			if d := math.Abs(p[0] - p[1]); d > 1e-12*math.Max(1, math.Abs(p[1])) {
				t.Errorf("Wilson(%d, %d) = [%v, %v], statsmodels [%v, %v]", c.Successes, c.N, got.Lo, got.Hi, c.Lo, c.Hi)
			}
		}
	}
}

func TestWilsonBadInput(t *testing.T) {
	for _, c := range []struct {
		k, n int
		z    float64
		want error
	}{
		{0, 0, Z95, ErrEmpty}, {4, 3, Z95, ErrRange}, {-1, 3, Z95, ErrRange},
		{1, 3, 0, ErrRange}, {1, 3, math.Inf(1), ErrRange}, {1, 3, math.NaN(), ErrRange},
	} {
		if _, err := Wilson(c.k, c.n, c.z); !errors.Is(err, c.want) {
			t.Errorf("Wilson(%d, %d, %v) error = %v, want %v", c.k, c.n, c.z, err, c.want)
		}
	}
}
