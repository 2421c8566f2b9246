package parquetstore

import "sync"

// DefaultBufferBytes is a good bound for Buffers shared by the stores of
// one process: what one sample on object storage has in flight (fetchAhead
// plus one request), so that one sample at a time runs on kept buffers.
const DefaultBufferBytes = fetchAhead + maxRequest

// Buffers keeps the buffers that samples on object storage fetch column
// chunks into from one sample to the next, up to a bound on the bytes
// kept. A new buffer costs more than its allocation: as the network data
// lands in it the kernel faults in and zeroes each of its pages, and the
// Go runtime gives freed memory back to the system between samples, so
// that every sample paid again. bench/s3_offline.sh measured, per 100k-row
// sample of 317 MB (uncompressed files), 4,000 to 32,000 page faults and
// 0.12 to 0.48 s of system time with new buffers, against under 100 faults
// and 0.03 to 0.06 s with kept ones.
//
// The stores of a process share one (View.Buffers); it is safe for
// concurrent use. Samples running at once take what is free and allocate
// the rest, and only up to the bound is kept when they give their
// buffers back.
type Buffers struct {
	mu    sync.Mutex
	free  [][]byte
	held  int64 // capacity of the free buffers
	limit int64
	made  int64 // buffers allocated, for tests
}

// NewBuffers returns an empty pool that keeps up to limit bytes of free
// buffers (0 or less keeps none: each sample's buffers are let go after it).
func NewBuffers(limit int64) *Buffers {
	return &Buffers{limit: max(limit, 0)}
}

// bufferSize is the capacity of the buffer a range of n bytes is fetched
// into: the power of two at or above n (4 KiB at least) up to maxRequest,
// n itself above. Few sizes make kept buffers fit the next sample's ranges,
// whatever order they come in; with exact sizes a range slightly larger
// than every free buffer took a new one, about one per sample. The
// pipeline counts what it holds in these sizes, so memory stays bounded
// by fetchAhead all the same.
func bufferSize(n int64) int64 {
	if n > maxRequest {
		return n
	}
	c := int64(4 << 10)
	for c < n {
		c <<= 1
	}
	return c
}

// get returns a buffer of n bytes: the smallest free one that is large
// enough, else a new one of bufferSize(n). Its contents are undefined.
func (b *Buffers) get(n int64) []byte {
	b.mu.Lock()
	best := -1
	for i, f := range b.free {
		if int64(cap(f)) >= n && (best < 0 || cap(f) < cap(b.free[best])) {
			best = i
		}
	}
	if best < 0 {
		b.made++
		b.mu.Unlock()
		return make([]byte, n, bufferSize(n))
	}
	f := b.free[best]
	last := len(b.free) - 1
	b.free[best], b.free[last] = b.free[last], nil
	b.free = b.free[:last]
	b.held -= int64(cap(f))
	b.mu.Unlock()
	return f[:n]
}

// put gives back buffers that nothing refers to any more. Over the bound,
// the smallest buffers are let go first: large ones serve any request.
func (b *Buffers) put(bufs ...[]byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, f := range bufs {
		if f == nil {
			continue
		}
		b.free = append(b.free, f[:0])
		b.held += int64(cap(f))
	}
	for b.held > b.limit && len(b.free) > 0 {
		small := 0
		for i, f := range b.free {
			if cap(f) < cap(b.free[small]) {
				small = i
			}
		}
		b.held -= int64(cap(b.free[small]))
		last := len(b.free) - 1
		b.free[small], b.free[last] = b.free[last], nil
		b.free = b.free[:last]
	}
}

// stats reports the bytes kept free and the buffers allocated so far.
func (b *Buffers) stats() (held, made int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.held, b.made
}
