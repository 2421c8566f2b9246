package sample

import (
	"math"
	"testing"
	"time"
)

func TestUnixNanoSaturates(t *testing.T) {
	cases := []struct {
		t    time.Time
		want int64
	}{
		{time.Unix(1700000000, 5), 1700000000_000000005},
		{time.Unix(99999999999, 0), math.MaxInt64},   // year 5138
		{time.Unix(-99999999999, 0), math.MinInt64},  // year -1199
		{time.Unix(0, math.MaxInt64), math.MaxInt64}, // the last representable
		{time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), math.MaxInt64},
	}
	for _, c := range cases {
		if got := UnixNano(c.t); got != c.want {
			t.Errorf("UnixNano(%v) = %d, want %d", c.t, got, c.want)
		}
	}
}

func TestScaleNano(t *testing.T) {
	cases := []struct{ v, unit, want int64 }{
		{1700000000, 1e9, 1700000000_000000000},
		{99999999999, 1e9, math.MaxInt64},
		{-99999999999, 1e9, math.MinInt64},
		{9223372036, 1e9, 9223372036_000000000},
		{9223372037, 1e9, math.MaxInt64},
	}
	for _, c := range cases {
		if got := ScaleNano(c.v, c.unit); got != c.want {
			t.Errorf("ScaleNano(%d, %d) = %d, want %d", c.v, c.unit, got, c.want)
		}
	}
}
