package blob

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
)

func TestCoalesce(t *testing.T) {
	in := []Range{{100, 10}, {0, 10}, {12, 8}, {50, 5}, {105, 2}, {200, 0}, {300, 1000}}
	got := Coalesce(in, 5, 100)
	// 0-10 and 12-20 are 2 apart: merged; 50-55 is 30 away: alone; 100-110
	// holds 105-107; 300-1300 is longer than maxLen but stays whole; the
	// empty range goes.
	want := []Range{{0, 20}, {50, 5}, {100, 10}, {300, 1000}}
	if !slices.Equal(got, want) {
		t.Errorf("Coalesce = %v, want %v", got, want)
	}
	// maxLen stops a merge.
	if got := Coalesce([]Range{{0, 60}, {60, 60}}, 0, 100); len(got) != 2 {
		t.Errorf("merged past maxLen: %v", got)
	}
}

// ramp is n bytes where byte i is i%256: a read's first byte tells its
// offset.
func ramp(n int) []byte {
	data := make([]byte, n)
	for i := range data {
		data[i] = byte(i)
	}
	return data
}

// countingReader counts ReadAt calls on a byte slice.
type countingReader struct {
	data  []byte
	reads atomic.Int64
}

func (r *countingReader) ReadAt(p []byte, off int64) (int, error) {
	r.reads.Add(1)
	return copy(p, r.data[off:]), nil
}
func (r *countingReader) Close() error { return nil }

func TestCacheServesFetchedRanges(t *testing.T) {
	data := ramp(1000)
	cr := &countingReader{data: data}
	c := NewCache(cr)
	if err := c.Fetch(context.Background(), []Range{{0, 100}, {500, 200}}, 4); err != nil {
		t.Fatal(err)
	}
	if n := cr.reads.Load(); n != 2 {
		t.Fatalf("%d reads for two ranges", n)
	}
	// Fetching held ranges again costs nothing.
	c.Fetch(context.Background(), []Range{{10, 20}, {500, 200}}, 4)
	buf := make([]byte, 50)
	for _, off := range []int64{0, 50, 550, 650} {
		if _, err := c.ReadAt(buf, off); err != nil || buf[0] != byte(off) || buf[49] != byte(off+49) {
			t.Fatalf("ReadAt(%d) = %v %v", off, buf[:2], err)
		}
	}
	if n := cr.reads.Load(); n != 2 {
		t.Errorf("%d reads after serving held ranges, want still 2", n)
	}
	// A read across the edge of a held span reads through.
	if _, err := c.ReadAt(buf, 80); err != nil || buf[0] != 80 || buf[49] != 129 {
		t.Errorf("read-through = %v %v", buf[:2], err)
	}
	if n := cr.reads.Load(); n != 3 {
		t.Errorf("%d reads, want 3 after a read-through", n)
	}
}

// TestCacheRelease: released ranges are read through again, other held
// spans (an added footer, another fetched range) still serve reads.
func TestCacheRelease(t *testing.T) {
	data := ramp(1000)
	cr := &countingReader{data: data}
	c := NewCache(cr)
	c.Add(900, data[900:])
	if err := c.Fetch(context.Background(), []Range{{0, 100}, {500, 200}}, 2); err != nil {
		t.Fatal(err)
	}
	c.Release([]Range{{0, 100}, {900, 50}})
	buf := make([]byte, 10)
	for _, off := range []int64{10, 510, 910} {
		if _, err := c.ReadAt(buf, off); err != nil || buf[0] != byte(off) {
			t.Fatalf("ReadAt(%d) = %v %v", off, buf[:2], err)
		}
	}
	// Only the read at 10 went to the reader: 500-700 and the added tail
	// (not exactly a released range) are still held.
	if n := cr.reads.Load(); n != 3 {
		t.Errorf("%d reads, want the 2 fetches and 1 read-through", n)
	}
}
