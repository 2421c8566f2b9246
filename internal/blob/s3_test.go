package blob_test

import (
	"context"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/fsmon/fsmon/internal/blob"
	"github.com/fsmon/fsmon/internal/s3test"
)

// TestS3 runs the object-store behaviour on a real S3 server (SeaweedFS),
// and S3's own: refused credentials are named and never printed.
func TestS3(t *testing.T) {
	srv := s3test.Start(t)
	ctx := context.Background()
	b := srv.Bucket(t, "fsmon-blob")
	missing, err := blob.NewS3(ctx, "no-such-bucket", srv.Options())
	if err != nil {
		t.Fatal(err)
	}
	testObjectStore(t, b, func(key string, data []byte) { srv.Put(t, "fsmon-blob", key, data) }, missing, "s3")
	t.Run("refused credentials never printed", func(t *testing.T) {
		o := srv.Options()
		o.Credentials = credentials.NewStaticCredentialsProvider(s3test.AccessKey, "wrong-secret-value-1234", "")
		o.MaxAttempts = 1
		wb, err := blob.NewS3(ctx, "fsmon-blob", o)
		if err != nil {
			t.Fatal(err)
		}
		_, err = wb.Stat(ctx, "w.parquet")
		if err == nil {
			t.Fatal("a wrong secret was accepted")
		}
		if strings.Contains(err.Error(), "wrong-secret-value-1234") || strings.Contains(err.Error(), s3test.SecretKey) {
			t.Errorf("error prints a secret: %v", err)
		}
		if !strings.Contains(err.Error(), "s3://fsmon-blob/w.parquet") {
			t.Errorf("error does not name the object: %v", err)
		}
		_, err = wb.List(ctx, "v/")
		if err == nil || !strings.Contains(err.Error(), "credentials were refused") {
			t.Errorf("list with a wrong secret: %v, want 'credentials were refused'", err)
		}
	})
}

// connCounter counts the requests that had to dial a new connection. While
// gate is set, each request waits at it before going on.
type connCounter struct {
	rt           http.RoundTripper
	requests, nw atomic.Int64
	gate         atomic.Pointer[barrier]
}

// barrier lets requests go on only once n of them have reached it, so that
// those n are in flight at the same time, each on a connection of its own.
type barrier struct {
	mu   sync.Mutex
	left int
	open chan struct{}
}

func newBarrier(n int) *barrier { return &barrier{left: n, open: make(chan struct{})} }

func (b *barrier) wait() {
	b.mu.Lock()
	b.left--
	if b.left == 0 {
		close(b.open)
	}
	b.mu.Unlock()
	<-b.open
}

func (c *connCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	c.requests.Add(1)
	if g := c.gate.Load(); g != nil {
		g.wait()
	}
	trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) {
		if !i.Reused {
			c.nw.Add(1)
		}
	}}
	return c.rt.RoundTrip(r.WithContext(httptrace.WithClientTrace(r.Context(), trace)))
}

// TestS3KeepsConnectionsOfABurst: after a burst of 16 ranged reads at once
// (what parquetstore has in flight), the next burst reuses the connections
// instead of dialling most of them again (the SDK's own transport keeps 10).
func TestS3KeepsConnectionsOfABurst(t *testing.T) {
	srv := s3test.Start(t)
	ctx := context.Background()
	srv.Bucket(t, "fsmon-conns")
	data := make([]byte, 1<<20)
	srv.Put(t, "fsmon-conns", "o", data)
	cc := &connCounter{}
	o := srv.Options()
	o.WrapTransport = func(rt http.RoundTripper) http.RoundTripper { cc.rt = rt; return cc }
	b, err := blob.NewS3(ctx, "fsmon-conns", o)
	if err != nil {
		t.Fatal(err)
	}
	a, err := b.Stat(ctx, "o")
	if err != nil {
		t.Fatal(err)
	}
	r, err := b.Open(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	// Both bursts have all 16 reads in flight at once (the barrier), so the
	// first one leaves 16 connections and the second needs 16.
	burst := func() {
		cc.gate.Store(newBarrier(16))
		defer cc.gate.Store(nil)
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Go(func() {
				buf := make([]byte, 64<<10)
				if _, err := r.ReadAt(buf, int64(i)*(64<<10)); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	burst()
	first := cc.nw.Load()
	// The transport puts a connection back in its idle pool on a
	// goroutine of its own once the body is closed.
	time.Sleep(100 * time.Millisecond)
	burst()
	// net/http keeps a connection for reuse only when it learns within
	// 50 ms that the request was written, so on a loaded machine one or
	// two may still be dialled again; with the SDK's 10 idle connections
	// per host (what this guards against) the second burst dials 6.
	if again := cc.nw.Load() - first; again > 2 {
		t.Errorf("the second burst of 16 reads dialled %d new connections (the first %d), want at most 2", again, first)
	}
	if cc.requests.Load() < 33 {
		t.Errorf("%d requests went through the wrapped transport, want the stat and 32 reads", cc.requests.Load())
	}
}
