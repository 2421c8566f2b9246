package redisstore

import (
	"math"
	"testing"

	"github.com/fsmon/fsmon/feast/feasttest"
	"github.com/fsmon/fsmon/sample"
)

// A UNIX_TIMESTAMP feature reads unix_timestamp_val as seconds, and Feast's
// NaT sentinel (INT64_MIN, type_map.NULL_TIMESTAMP_INT_VALUE) as null; a
// BYTES feature reads bytes_val as hex, the empty byte string included.
// Values of another member are invalid.
func TestDecodeFeastTimestampAndBytes(t *testing.T) {
	cases := []struct {
		name string
		t    sample.Type
		val  []byte
		null sample.Null
		num  float64
		str  string
	}{
		{"seconds", sample.Timestamp, feasttest.UnixTimestamp(1_700_000_000), sample.Present, 1_700_000_000, ""},
		{"before 1970", sample.Timestamp, feasttest.UnixTimestamp(-1), sample.Present, -1, ""},
		{"NaT sentinel", sample.Timestamp, feasttest.UnixTimestamp(math.MinInt64), sample.Empty, 0, ""},
		{"one above the sentinel", sample.Timestamp, feasttest.UnixTimestamp(math.MinInt64 + 1024), sample.Present, math.MinInt64 + 1024, ""},
		{"empty value", sample.Timestamp, feasttest.Null(), sample.Empty, 0, ""},
		{"double is not a timestamp", sample.Timestamp, feasttest.Double(1.7e9), sample.Invalid, 0, ""},
		{"bytes", sample.Bytes, feasttest.Bytes([]byte{0, 0xff, 0x10}), sample.Present, 0, "00ff10"},
		{"empty bytes", sample.Bytes, feasttest.Bytes(nil), sample.Present, 0, ""},
		{"null bytes", sample.Bytes, feasttest.Null(), sample.Empty, 0, ""},
		{"string is not bytes", sample.Bytes, feasttest.String("00ff10"), sample.Invalid, 0, ""},
	}
	for _, c := range cases {
		f := decodeFeast(c.t, string(c.val))
		if f.null != c.null || f.num != c.num || f.str != c.str {
			t.Errorf("%s: got %+v, want null %v num %v str %q", c.name, f, c.null, c.num, c.str)
		}
	}
}
