package parquetstore

import (
	"context"
	"sync"
	"testing"

	"github.com/fsmon/fsmon/internal/blob"
)

// byteReader serves zeros and records the bytes asked for, and the most
// that were asked for and not yet released by the test at any read.
type byteReader struct {
	mu                   sync.Mutex
	asked, released, top int64
	small                int // reads of less than 1 MiB (not fetches)
}

func (r *byteReader) ReadAt(p []byte, off int64) (int, error) {
	r.mu.Lock()
	if len(p) < 1<<20 {
		r.small++
	}
	r.asked += int64(len(p))
	r.top = max(r.top, r.asked-r.released)
	r.mu.Unlock()
	clear(p)
	return len(p), nil
}

func (r *byteReader) Close() error { return nil }

func (r *byteReader) release(n int64) {
	r.mu.Lock()
	r.released += n
	r.mu.Unlock()
}

// TestPipelineFetchesBoundedAhead: the pipeline fetches every job, in
// order, never more than fetchAhead bytes (plus the job that crosses it)
// ahead of the jobs the decoding has finished, and serves the decoding
// from memory.
func TestPipelineFetchesBoundedAhead(t *testing.T) {
	const size = 10 << 20
	br := &byteReader{}
	c := blob.NewCache(br)
	var jobs []*pipeJob
	for i := range 20 {
		jobs = append(jobs, newPipeJob(c, []blob.Range{{Off: int64(i) * size, Len: size}}, 2))
	}
	s := &Store{workers: 16}
	p := s.startPipeline(context.Background(), jobs)
	defer p.close()
	buf := make([]byte, 100)
	for g := range jobs {
		for range 2 {
			if !p.wait(g) {
				t.Fatalf("wait(%d) = false", g)
			}
			if _, err := c.ReadAt(buf, int64(g)*size+5); err != nil {
				t.Fatal(err)
			}
		}
		br.release(size)
		p.done(g)
		p.done(g)
	}
	p.close()
	if br.small != 0 {
		t.Errorf("%d reads after wait went to the reader, want all served from memory", br.small)
	}
	if br.asked != 20*size {
		t.Errorf("%d bytes fetched, want %d", br.asked, 20*size)
	}
	if br.top > fetchAhead+size {
		t.Errorf("%d bytes fetched ahead at most, want at most %d", br.top, fetchAhead+size)
	}
	if _, made := p.bufs.stats(); made == 0 || made > fetchAhead/size+2 {
		t.Errorf("%d buffers for 20 jobs, want them reused (at most %d)", made, fetchAhead/size+2)
	}
}

// TestPipelineKeepsBuffersAcrossSamples: with View.Buffers, a second
// sample's fetches land in the buffers the first one gave back (a new
// buffer is faulted in and zeroed by the kernel again), and what is kept
// stays within the bound.
func TestPipelineKeepsBuffersAcrossSamples(t *testing.T) {
	const size = 10 << 20
	bufs := NewBuffers(DefaultBufferBytes)
	s := &Store{workers: 16, v: View{Buffers: bufs}}
	run := func() {
		c := blob.NewCache(&byteReader{})
		var jobs []*pipeJob
		for i := range 20 {
			jobs = append(jobs, newPipeJob(c, []blob.Range{{Off: int64(i) * size, Len: size}}, 1))
		}
		p := s.startPipeline(context.Background(), jobs)
		for g := range jobs {
			if !p.wait(g) {
				t.Fatalf("wait(%d) = false", g)
			}
			p.done(g)
		}
		p.close()
	}
	run()
	held, first := bufs.stats()
	if held == 0 || held > DefaultBufferBytes {
		t.Fatalf("%d bytes kept after a sample, want some and at most %d", held, DefaultBufferBytes)
	}
	run()
	if _, made := bufs.stats(); made != first {
		t.Errorf("the second sample allocated %d new buffers, want 0 (all from the %d bytes kept)", made-first, held)
	}
}

// TestPipelineStopsOnCancel: a cancelled sample's pipeline neither hangs
// its waiters nor its close, with jobs still undone.
func TestPipelineStopsOnCancel(t *testing.T) {
	c := blob.NewCache(&byteReader{})
	var jobs []*pipeJob
	for i := range 50 {
		jobs = append(jobs, newPipeJob(c, []blob.Range{{Off: int64(i) << 20, Len: 8 << 20}}, 1))
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := (&Store{workers: 4}).startPipeline(ctx, jobs)
	if !p.wait(0) {
		t.Fatal("wait(0) = false before the cancel")
	}
	cancel()
	p.wait(49) // returns, fetched or not
	p.close()
}
