package parquetstore

import (
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
)

// Feast stores a timestamp feature as whole seconds, cast by NumPy's
// datetime64[s], which floors: INT96 and DATE columns too. Expected values
// are written out by hand from the calendar (julian day 2440588 is
// 1970-01-01).
func TestSecondsFloorInt96AndDate(t *testing.T) {
	int96 := func(julian uint32, nsOfDay uint64) deprecated.Int96 {
		return deprecated.Int96{uint32(nsOfDay), uint32(nsOfDay >> 32), julian}
	}
	p := &pageData{kind: parquet.Int96, i96: []deprecated.Int96{
		int96(2440587, 86_399_500_000_000), // 1969-12-31T23:59:59.5
		int96(2440588, 999_999_999),        // 1970-01-01T00:00:00.999999999
		int96(2460432, 43_200_000_001_000), // 2024-05-01T12:00:00.000001
	}}
	for k, want := range []int64{-1, 0, 1_714_564_800} {
		if got := (secConv{int96: true}).seconds(p, k); got != want {
			t.Errorf("INT96 value %d: %d seconds, want %d", k, got, want)
		}
	}
	d := &pageData{kind: parquet.Int32, i32: []int32{-1, 0, 19844}}
	for k, want := range []int64{-86400, 0, 1_714_521_600} {
		if got := (secConv{per: 1, day: true}).seconds(d, k); got != want {
			t.Errorf("DATE value %d: %d seconds, want %d", k, got, want)
		}
	}
	for _, c := range []struct{ a, b, want int64 }{{-1, 1000, -1}, {-1000, 1000, -1}, {-1001, 1000, -2}, {999, 1000, 0}, {1000, 1000, 1}} {
		if got := floorDiv(c.a, c.b); got != c.want {
			t.Errorf("floorDiv(%d, %d) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
