package parquetstore

import "testing"

// TestBufferSize: powers of two from 4 KiB up to maxRequest, the length
// itself above.
func TestBufferSize(t *testing.T) {
	for _, c := range []struct{ n, want int64 }{
		{1, 4 << 10}, {4 << 10, 4 << 10}, {4<<10 + 1, 8 << 10}, {9 << 20, 16 << 20},
		{maxRequest, maxRequest}, {maxRequest + 1, maxRequest + 1},
	} {
		if got := bufferSize(c.n); got != c.want {
			t.Errorf("bufferSize(%d) = %d, want %d", c.n, got, c.want)
		}
	}
}

// TestBuffers: get hands out the smallest free buffer that fits, else a new
// one of bufferSize; put keeps buffers up to the bound, letting the
// smallest go first.
func TestBuffers(t *testing.T) {
	const k = 1 << 10
	b := NewBuffers(100 * k)
	a, c := b.get(40*k), b.get(20*k)
	if len(a) != 40*k || cap(a) != 64*k || len(c) != 20*k || cap(c) != 32*k {
		t.Fatalf("new buffers of len/cap %d/%d and %d/%d, want 40K/64K and 20K/32K", len(a), cap(a), len(c), cap(c))
	}
	if _, made := b.stats(); made != 2 {
		t.Fatalf("made %d buffers from an empty pool, want 2", made)
	}
	b.put(a, c)
	if held, _ := b.stats(); held != 96*k {
		t.Fatalf("held %d bytes, want %d", held, 96*k)
	}
	got := b.get(10 * k)
	if &got[:1][0] != &c[:1][0] || len(got) != 10*k {
		t.Errorf("get(10K) did not return the 32K buffer cut to 10K")
	}
	if got := b.get(50 * k); &got[:1][0] != &a[:1][0] {
		t.Errorf("get(50K) did not return the 64K buffer")
	}
	if held, made := b.stats(); held != 0 || made != 2 {
		t.Errorf("held %d, made %d; want 0 and 2", held, made)
	}
	// Over the bound: 64+32+64 = 160K > 100K; the 32K goes, then a 64K.
	b.put(a, c, b.get(33*k))
	if held, _ := b.stats(); held != 64*k {
		t.Errorf("held %d bytes after putting 160K into a pool of 100K, want %d", held, 64*k)
	}
	if got := b.get(65 * k); cap(got) != 128*k {
		t.Errorf("get(65K) = cap %d, want a new 128K buffer", cap(got))
	}
	none := NewBuffers(0)
	none.put(make([]byte, 10))
	if held, _ := none.stats(); held != 0 {
		t.Errorf("a pool of 0 kept %d bytes", held)
	}
}
