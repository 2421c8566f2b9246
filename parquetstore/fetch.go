package parquetstore

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/fsmon/fsmon/internal/blob"
	"github.com/fsmon/fsmon/internal/panics"
)

// Reading over the network the way query engines do: the footer with one
// ranged read of the object's tail (a second one when the footer is
// longer), footers kept across calls by object key and ETag, and the column
// chunks a pass needs fetched ahead, adjacent ones coalesced into one
// request, several requests in flight.
const (
	// tailRead is the size of the first read of an object's tail: the
	// footers of most feature tables fit.
	tailRead = 64 << 10
	// footerCacheBytes bounds the footers kept across calls, per store.
	footerCacheBytes = 64 << 20
	// coalesceGap is the largest hole between two column chunks read in
	// one request: the bytes fetched for nothing stay small next to the
	// chunks.
	coalesceGap = 16 << 10
	// maxRequest bounds one coalesced request, so that large row groups
	// still fetch in parallel.
	maxRequest = 8 << 20
	// remoteWorkers is the default concurrency on object storage, where
	// workers mostly wait for the network.
	remoteWorkers = 16
)

// footerCache holds, by object URL and ETag, the bytes open reads before
// any data: the magic bytes at the start and the tail (the footer and the
// 8 bytes after it). An object that changes gets a new ETag, so stale bytes
// are never used; entries of vanished objects age out by the size bound.
type footerCache struct {
	mu   sync.Mutex
	m    map[string]tail
	size int64
}

type span struct {
	off  int64
	data []byte
}

type tail struct {
	spans []span
}

func (t tail) len() int64 {
	var n int64
	for _, s := range t.spans {
		n += int64(len(s.data))
	}
	return n
}

func footerKey(url string, a blob.Attrs) string {
	return fmt.Sprintf("%s\x00%s\x00%d", url, a.ETag, a.Size)
}

func (c *footerCache) get(key string) (tail, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.m[key]
	return t, ok
}

func (c *footerCache) put(key string, t tail) {
	n := t.len()
	if n > footerCacheBytes/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]tail{}
	}
	if old, ok := c.m[key]; ok {
		c.size -= old.len()
	}
	// Over the bound, drop entries at random (map order) until half of it
	// is free.
	for k, v := range c.m {
		if c.size+n <= footerCacheBytes || c.size <= footerCacheBytes/2 {
			break
		}
		delete(c.m, k)
		c.size -= v.len()
	}
	c.m[key] = t
	c.size += n
}

// readTail reads what open needs of an object of the given size through r:
// its first 4 bytes (the magic) and its last tailRead bytes, then the rest
// of the footer when it is longer (and within ceiling). Files too short or without the magic
// are left to the checks of open, which name the problem.
func readTail(r blob.Reader, size, ceiling int64) (tail, error) {
	n := min(size, tailRead)
	if n < 8 {
		return tail{}, nil
	}
	buf := make([]byte, n)
	t := tail{spans: []span{{size - n, buf}}}
	var headErr error
	var wg sync.WaitGroup
	if size > n {
		// The magic at the start, in parallel with the tail.
		head := make([]byte, 4)
		t.spans = append(t.spans, span{0, head})
		wg.Go(func() {
			defer panics.Recover(&headErr, "read of the magic")
			_, headErr = r.ReadAt(head, 0)
		})
	}
	_, err := r.ReadAt(buf, size-n)
	wg.Wait()
	if err != nil {
		return tail{}, err
	}
	if headErr != nil {
		return tail{}, headErr
	}
	if string(buf[n-4:]) != "PAR1" {
		return t, nil
	}
	need := int64(binary.LittleEndian.Uint32(buf[n-8:n-4])) + 8
	if need <= n || need > size || need-8 > ceiling {
		return t, nil
	}
	more := make([]byte, need-n)
	if _, err := r.ReadAt(more, size-need); err != nil {
		return tail{}, err
	}
	t.spans[0] = span{size - need, append(more, buf...)}
	return t, nil
}

// prefetch fetches ahead, on object storage, the column chunks of the named
// columns (missing ones are skipped) in row groups rgs of of, coalesced.
// Errors are left to the reads that follow, which name the column.
func (s *Store) prefetch(ctx context.Context, of *openFile, rgs []int, names ...string) {
	if !s.remote || of.cache == nil || len(rgs) == 0 {
		return
	}
	md := of.pf.Metadata()
	var rs []blob.Range
	for _, name := range names {
		c, ok, err := lookupColumn(of.pf, name)
		if !ok || err != nil {
			continue
		}
		for _, rg := range rgs {
			if rg >= len(md.RowGroups) || c.idx >= len(md.RowGroups[rg].Columns) {
				continue
			}
			m := &md.RowGroups[rg].Columns[c.idx].MetaData
			off := m.DataPageOffset
			if m.DictionaryPageOffset != 0 {
				off = m.DictionaryPageOffset
			}
			if off >= 0 && m.TotalCompressedSize > 0 && off+m.TotalCompressedSize <= of.ref.obj.Size {
				rs = append(rs, blob.Range{Off: off, Len: m.TotalCompressedSize})
			}
		}
	}
	_ = of.cache.Fetch(ctx, blob.Coalesce(rs, coalesceGap, maxRequest), s.workers)
}

// viewColumns are the names of the entity and feature columns.
func (s *Store) viewColumns() []string {
	names := append([]string(nil), s.v.Entities...)
	for _, f := range s.v.Features {
		names = append(names, f.Name)
	}
	return names
}
