package sample

import (
	"math"
	"time"
)

// The times an int64 of unix nanoseconds can hold (years 1677 to 2262).
var (
	minNano = time.Unix(0, math.MinInt64)
	maxNano = time.Unix(0, math.MaxInt64)
)

// UnixNano returns t in unix nanoseconds, saturated at math.MinInt64 and
// math.MaxInt64 for times outside the years 1677 to 2262 (time.Time's
// UnixNano is undefined there). A saturated time is far in the future or
// past, where the checks' sanity bounds catch it.
func UnixNano(t time.Time) int64 {
	switch {
	case t.Before(minNano):
		return math.MinInt64
	case t.After(maxNano):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// ScaleNano multiplies a count of some unit (1e9 for seconds) into
// nanoseconds, saturated at math.MinInt64 and math.MaxInt64.
func ScaleNano(v, unit int64) int64 {
	switch {
	case v > math.MaxInt64/unit:
		return math.MaxInt64
	case v < math.MinInt64/unit:
		return math.MinInt64
	}
	return v * unit
}
