package blob

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/fsmon/fsmon/internal/panics"
)

// Range is a byte range of an object.
type Range struct {
	Off, Len int64
}

// End is the offset just past the range.
func (r Range) End() int64 { return r.Off + r.Len }

// Coalesce sorts ranges and merges those that overlap or lie closer than
// gap bytes, as long as the merged range stays within maxLen (a single range
// longer than maxLen stays whole). Fewer, larger requests cost fewer round
// trips; the gap bounds the bytes fetched for nothing.
func Coalesce(rs []Range, gap, maxLen int64) []Range {
	rs = slices.Clone(rs)
	slices.SortFunc(rs, func(a, b Range) int {
		if a.Off != b.Off {
			return cmpInt(a.Off, b.Off)
		}
		return cmpInt(a.Len, b.Len)
	})
	var out []Range
	for _, r := range rs {
		if r.Len <= 0 {
			continue
		}
		if n := len(out); n > 0 {
			last := &out[n-1]
			end := max(last.End(), r.End())
			if r.Off <= last.End()+gap && (end-last.Off <= maxLen || r.End() <= last.End()) {
				last.Len = end - last.Off
				continue
			}
		}
		out = append(out, r)
	}
	return out
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Cache is a Reader over another that serves reads from byte ranges held
// in memory (fetched ahead with Fetch, or added with Add) and reads through
// for anything else. It is safe for concurrent use.
type Cache struct {
	r     Reader
	mu    sync.RWMutex
	spans []span
}

type span struct {
	off  int64
	data []byte
}

// NewCache wraps r.
func NewCache(r Reader) *Cache { return &Cache{r: r} }

// Add holds data as the bytes at off.
func (c *Cache) Add(off int64, data []byte) {
	c.mu.Lock()
	c.spans = append(c.spans, span{off, data})
	c.mu.Unlock()
}

// covered reports whether [off, off+n) lies in one held span and copies it
// into p when it does.
func (c *Cache) covered(p []byte, off int64) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, s := range c.spans {
		if off >= s.off && off+int64(len(p)) <= s.off+int64(len(s.data)) {
			copy(p, s.data[off-s.off:])
			return true
		}
	}
	return false
}

// ReadAt serves p from memory when one held span covers it, else from the
// underlying reader.
func (c *Cache) ReadAt(p []byte, off int64) (int, error) {
	if c.covered(p, off) {
		return len(p), nil
	}
	return c.r.ReadAt(p, off)
}

// Close closes the underlying reader and drops the held bytes.
func (c *Cache) Close() error {
	c.mu.Lock()
	c.spans = nil
	c.mu.Unlock()
	return c.r.Close()
}

// Fetch reads the ranges not yet held, parallel requests at a time, and
// holds them. The ranges should be coalesced already.
func (c *Cache) Fetch(ctx context.Context, rs []Range, parallel int) error {
	var todo []Range
	for _, r := range rs {
		if r.Len > 0 && !c.holds(r) {
			todo = append(todo, r)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	parallel = max(1, min(parallel, len(todo)))
	errs := make([]error, len(todo))
	var wg sync.WaitGroup
	next := make(chan int)
	for range parallel {
		wg.Go(func() {
			for i := range next {
				// A panic in the reader (a bug met on a hostile
				// object) is the error of this range; the worker goes
				// on with the next one.
				errs[i] = panics.Run("ranged read", func() error {
					r := todo[i]
					buf := make([]byte, r.Len)
					n, err := c.r.ReadAt(buf, r.Off)
					if int64(n) == r.Len {
						err = nil
					}
					if err != nil {
						return err
					}
					c.Add(r.Off, buf)
					return nil
				})
			}
		})
	}
	for i := range todo {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("fetch bytes %d-%d: %w", todo[i].Off, todo[i].End()-1, err)
		}
	}
	return nil
}

// FetchInto reads range r into buf (of length r.Len at least) and holds
// it there, unless the range is held already; used says whether buf now
// holds it. The caller keeps buf untouched until it releases r.
func (c *Cache) FetchInto(ctx context.Context, r Range, buf []byte) (used bool, err error) {
	if r.Len <= 0 || c.holds(r) {
		return false, nil
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if int64(len(buf)) < r.Len {
		return false, fmt.Errorf("fetch bytes %d-%d: buffer of %d bytes", r.Off, r.End()-1, len(buf))
	}
	buf = buf[:r.Len]
	err = panics.Run("ranged read", func() error {
		n, err := c.r.ReadAt(buf, r.Off)
		if int64(n) == r.Len {
			err = nil
		}
		return err
	})
	if err != nil {
		return false, fmt.Errorf("fetch bytes %d-%d: %w", r.Off, r.End()-1, err)
	}
	c.Add(r.Off, buf)
	return true, nil
}

// Release drops the held spans that are exactly the ranges rs (as Fetch
// fetched them), so that their memory can be reclaimed; later reads of
// those bytes go to the underlying reader again. Spans held for other
// ranges stay.
func (c *Cache) Release(rs []Range) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.spans = slices.DeleteFunc(c.spans, func(s span) bool {
		for _, r := range rs {
			if s.off == r.Off && int64(len(s.data)) == r.Len {
				return true
			}
		}
		return false
	})
}

func (c *Cache) holds(r Range) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, s := range c.spans {
		if r.Off >= s.off && r.End() <= s.off+int64(len(s.data)) {
			return true
		}
	}
	return false
}
