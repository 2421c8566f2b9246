package parquetstore

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"

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
	// remoteWorkers is the default concurrency on object storage, where
	// workers mostly wait for the network.
	remoteWorkers = 16
	// maxRequest bounds one coalesced request, so that large row groups
	// still fetch in parallel. AWS advises ranged GETs of 8 to 16 MiB for
	// throughput; on SeaweedFS a pass over an object in 16 MiB requests
	// costs the server about half the processor time that 4 MiB ones do.
	maxRequest = 16 << 20
	// fetchAhead bounds the buffer bytes (bufferSize of each range) a
	// sample on object storage has fetched (or is fetching) into and not
	// yet decoded: the fetching runs this far ahead of the decoding, and
	// each row group's buffers are given back once it is decoded, so that
	// a sample holds about this much rather than every chunk it reads.
	fetchAhead = 64 << 20
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
	_ = of.cache.Fetch(ctx, chunkRanges(of, rgs, names...), s.workers)
}

// chunkBytes is the compressed size of the column chunks of the named
// columns in row group rg of of.
func chunkBytes(of *openFile, rg int, names ...string) int64 {
	var n int64
	for _, r := range chunkRanges(of, []int{rg}, names...) {
		n += r.Len
	}
	return n
}

// chunkRanges are the byte ranges of the column chunks of the named columns
// (missing ones are skipped) in row groups rgs of of, coalesced.
func chunkRanges(of *openFile, rgs []int, names ...string) []blob.Range {
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
	return blob.Coalesce(rs, coalesceGap, maxRequest)
}

// pipeline fetches, on object storage, the column chunks of a sequence of
// jobs (consecutive row groups of a file, in the order the decoding takes
// them) ahead of their decoding: up to Store.workers requests in flight, and while the
// jobs dispatched and not yet done hold fetchAhead bytes or more, no new
// one starts. The decoding of a job waits for its bytes (wait) and says
// when it no longer needs them (done); the last user of a job releases
// them. So fetching the next row groups overlaps decoding the current
// ones, and memory stays bounded.
//
// A failed fetch only leaves the bytes to be read on demand by the
// decoding, whose errors name the column.
type pipeline struct {
	ctx    context.Context
	cancel context.CancelFunc
	jobs   []*pipeJob
	wg     sync.WaitGroup

	mu   sync.Mutex
	cond *sync.Cond
	held int64 // buffer bytes of the jobs dispatched and not yet released
	stop bool
	// bufs gives the buffers the chunks are fetched into and takes back
	// those of released jobs, for the next jobs and, when the store has
	// View.Buffers, the next samples: the fetched bytes overwrite a
	// buffer whole, and reusing one spares allocating (zeroing, faulting
	// in) every byte of every chunk again.
	bufs *Buffers
}

// pipeJob is the column chunks of consecutive row groups of one file in
// the pipeline.
type pipeJob struct {
	cache  *blob.Cache
	ranges []blob.Range
	size   int64
	users  int32         // decoding tasks that read the job's bytes
	ready  chan struct{} // closed when every range is fetched (or failed)
	left   atomic.Int32  // ranges not yet fetched
	used   atomic.Int32  // users done

	mu   sync.Mutex
	bufs [][]byte // the buffers holding its ranges
}

// newPipeJob is the job of fetching rs through c for users decoding
// tasks.
func newPipeJob(c *blob.Cache, rs []blob.Range, users int) *pipeJob {
	j := &pipeJob{cache: c, ranges: rs, users: int32(users), ready: make(chan struct{})}
	for _, r := range rs {
		j.size += bufferSize(r.Len)
	}
	j.left.Store(int32(len(rs)))
	return j
}

// startPipeline starts fetching jobs in order; close stops it.
func (s *Store) startPipeline(ctx context.Context, jobs []*pipeJob) *pipeline {
	p := &pipeline{jobs: jobs, bufs: s.v.Buffers}
	if p.bufs == nil {
		// Kept for this sample only.
		p.bufs = NewBuffers(fetchAhead + maxRequest)
	}
	p.ctx, p.cancel = context.WithCancel(ctx)
	p.cond = sync.NewCond(&p.mu)
	stopOnCancel := context.AfterFunc(p.ctx, func() {
		p.mu.Lock()
		p.stop = true
		p.cond.Broadcast()
		p.mu.Unlock()
	})
	type item struct {
		job *pipeJob
		r   blob.Range
	}
	work := make(chan item)
	for range max(1, s.workers) {
		p.wg.Go(func() {
			for it := range work {
				buf := p.bufs.get(it.r.Len)
				if used, _ := it.job.cache.FetchInto(p.ctx, it.r, buf); used {
					it.job.mu.Lock()
					it.job.bufs = append(it.job.bufs, buf)
					it.job.mu.Unlock()
				} else {
					p.bufs.put(buf)
				}
				if it.job.left.Add(-1) == 0 {
					close(it.job.ready)
				}
			}
		})
	}
	p.wg.Go(func() {
		defer stopOnCancel()
		defer close(work)
		for i, j := range jobs {
			p.mu.Lock()
			for p.held >= fetchAhead && !p.stop {
				p.cond.Wait()
			}
			if p.stop {
				p.mu.Unlock()
				// Nobody waits for these once stopped, but wait
				// must never hang.
				for _, j := range jobs[i:] {
					close(j.ready)
				}
				return
			}
			p.held += j.size
			p.mu.Unlock()
			if len(j.ranges) == 0 {
				close(j.ready)
				continue
			}
			for _, r := range j.ranges {
				work <- item{j, r}
			}
		}
	})
	return p
}

// wait blocks until the bytes of job g are fetched; false when the
// context ended first.
func (p *pipeline) wait(g int) bool {
	select {
	case <-p.jobs[g].ready:
		return true
	case <-p.ctx.Done():
		return false
	}
}

// done records that one user of job g is finished with its bytes; the
// last one releases them.
func (p *pipeline) done(g int) {
	j := p.jobs[g]
	if j.used.Add(1) != j.users {
		return
	}
	j.cache.Release(j.ranges)
	j.mu.Lock()
	bufs := j.bufs
	j.bufs = nil
	j.mu.Unlock()
	p.bufs.put(bufs...)
	p.mu.Lock()
	p.held -= j.size
	p.cond.Signal()
	p.mu.Unlock()
}

// close stops the fetching and waits for its goroutines.
func (p *pipeline) close() {
	p.cancel()
	p.wg.Wait()
}

// viewColumns are the names of the entity and feature columns.
func (s *Store) viewColumns() []string {
	names := append([]string(nil), s.v.Entities...)
	for _, f := range s.v.Features {
		names = append(names, f.Name)
	}
	return names
}
