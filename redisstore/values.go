package redisstore

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/fsmon/fsmon/sample"
)

// parseText parses the text form of a value (hash and string layouts):
// numbers as decimal text, booleans true/false (any case) or 1/0, strings
// raw. An empty value or a float NaN is Empty, text not of the declared type
// is Invalid. Booleans come out as the categories "true" and "false".
func parseText(t sample.Type, v string) (sample.Null, float64, string) {
	if v == "" {
		return sample.Empty, 0, ""
	}
	switch t {
	case sample.Float32, sample.Float64:
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		switch {
		case err != nil && !errors.Is(err, strconv.ErrRange):
			return sample.Invalid, 0, ""
		case math.IsNaN(f):
			return sample.Empty, 0, ""
		}
		return sample.Present, f, ""
	case sample.Int32, sample.Int64:
		bits := 64
		if t == sample.Int32 {
			bits = 32
		}
		x, err := strconv.ParseInt(strings.TrimSpace(v), 10, bits)
		if err != nil {
			return sample.Invalid, 0, ""
		}
		return sample.Present, float64(x), ""
	case sample.Bool:
		switch {
		case v == "1" || strings.EqualFold(v, "true"):
			return sample.Present, 0, "true"
		case v == "0" || strings.EqualFold(v, "false"):
			return sample.Present, 0, "false"
		}
		return sample.Invalid, 0, ""
	case sample.String:
		return sample.Present, 0, v
	}
	// Other: presence only.
	return sample.Present, 0, ""
}

// parseTextTime parses an event timestamp of the hash and string layouts:
// unix seconds as an integer or a decimal fraction, or RFC 3339. It returns
// unix nanoseconds.
func parseTextTime(v string) (int64, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if c := v[0]; c == '-' || c == '+' || (c >= '0' && c <= '9') {
		if ns, ok := parseUnixSeconds(v); ok {
			return ns, true
		}
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return 0, false
	}
	return sample.UnixNano(t), true
}

// parseUnixSeconds parses "1700000000", "1700000000.25" or "1.7e9" as unix
// seconds, exactly (no float rounding) for plain decimal text.
func parseUnixSeconds(v string) (int64, bool) {
	neg := false
	s := v
	if s[0] == '-' || s[0] == '+' {
		neg = s[0] == '-'
		s = s[1:]
	}
	ip, fp, hasDot := strings.Cut(s, ".")
	if ip == "" && fp == "" {
		return 0, false
	}
	digits := func(x string) bool {
		for i := 0; i < len(x); i++ {
			if x[i] < '0' || x[i] > '9' {
				return false
			}
		}
		return true
	}
	if !digits(ip) || !digits(fp) || (hasDot && ip == "" && fp == "") || len(ip) > 11 {
		// Exponent forms and the like: fall back to float parsing.
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e11 {
			return 0, false
		}
		ns := math.Round(f * 1e9)
		switch {
		case ns >= math.MaxInt64:
			return math.MaxInt64, true
		case ns <= math.MinInt64:
			return math.MinInt64, true
		}
		return int64(ns), true
	}
	var sec int64
	if ip != "" {
		x, err := strconv.ParseInt(ip, 10, 64)
		if err != nil {
			return 0, false
		}
		sec = x
	}
	var ns int64
	for k := 0; k < 9; k++ {
		ns *= 10
		if k < len(fp) {
			ns += int64(fp[k] - '0')
		}
	}
	// Saturate beyond year 2262 instead of wrapping into the past.
	total := sample.ScaleNano(sec, 1e9)
	if total < math.MaxInt64 {
		total = min(total, math.MaxInt64-ns) + ns
	}
	if neg {
		if total == math.MaxInt64 {
			return math.MinInt64, true
		}
		total = -total
	}
	return total, true
}
