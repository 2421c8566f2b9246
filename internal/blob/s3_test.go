package blob_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/fsmon/fsmon/internal/blob"
	"github.com/fsmon/fsmon/internal/s3test"
)

func TestS3(t *testing.T) {
	srv := s3test.Start(t)
	ctx := context.Background()
	b := srv.Bucket(t, "fsmon-blob")
	for _, k := range []string{"v/b.parquet", "v/a/x.parquet", "v2/c.parquet", "w.parquet"} {
		srv.Put(t, "fsmon-blob", k, []byte("data of "+k))
	}
	t.Run("list", func(t *testing.T) {
		cases := map[string][]string{
			"v/":      {"v/a/x.parquet", "v/b.parquet"},
			"v":       {"v/a/x.parquet", "v/b.parquet", "v2/c.parquet"},
			"":        {"v/a/x.parquet", "v/b.parquet", "v2/c.parquet", "w.parquet"},
			"nothing": nil,
		}
		for prefix, want := range cases {
			l, err := b.List(ctx, prefix)
			if err != nil {
				t.Fatalf("list %q: %v", prefix, err)
			}
			var got []string
			for _, o := range l.Objects {
				got = append(got, o.Key)
				if o.Size != int64(len("data of "+o.Key)) || o.ETag == "" {
					t.Errorf("%s: size %d etag %q", o.Key, o.Size, o.ETag)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("list %q = %q, want %q", prefix, got, want)
			}
		}
	})
	t.Run("stat and ranged reads", func(t *testing.T) {
		a, err := b.Stat(ctx, "v/b.parquet")
		if err != nil || a.Size != 19 || a.ETag == "" {
			t.Fatalf("stat: %+v %v", a, err)
		}
		r, err := b.Open(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 4)
		if n, err := r.ReadAt(buf, 8); n != 4 || err != nil || string(buf) != "v/b." {
			t.Errorf("ReadAt(8) = %d %q %v", n, buf, err)
		}
		tail := make([]byte, 10)
		if n, err := r.ReadAt(tail, 15); n != 4 || !errors.Is(err, io.EOF) || string(tail[:n]) != "quet" {
			t.Errorf("ReadAt past the end = %d %q %v, want 4 \"quet\" EOF", n, tail[:n], err)
		}
		if _, err := b.Stat(ctx, "v/missing"); !errors.Is(err, blob.ErrNotExist) {
			t.Errorf("stat of a missing key: %v, want ErrNotExist", err)
		}
		data, _, err := blob.ReadAll(ctx, b, "w.parquet")
		if err != nil || string(data) != "data of w.parquet" {
			t.Errorf("ReadAll = %q %v", data, err)
		}
	})
	t.Run("changed object", func(t *testing.T) {
		srv.Put(t, "fsmon-blob", "changing", []byte("version one"))
		a, err := b.Stat(ctx, "changing")
		if err != nil {
			t.Fatal(err)
		}
		r, _ := b.Open(ctx, a)
		srv.Put(t, "fsmon-blob", "changing", []byte("version two"))
		buf := make([]byte, 4)
		if _, err := r.ReadAt(buf, 0); !errors.Is(err, blob.ErrChanged) {
			t.Errorf("read of a replaced object: %v, want ErrChanged", err)
		}
	})
	t.Run("missing bucket", func(t *testing.T) {
		nb, err := blob.NewS3(ctx, "no-such-bucket", srv.Options())
		if err != nil {
			t.Fatal(err)
		}
		_, err = nb.List(ctx, "v/")
		if err == nil || !strings.Contains(err.Error(), "s3://no-such-bucket/v/") || !strings.Contains(err.Error(), "does not exist") {
			t.Errorf("list of a missing bucket: %v, want an error naming it and saying it does not exist", err)
		}
	})
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

// connCounter counts the requests that had to dial a new connection.
type connCounter struct {
	rt           http.RoundTripper
	requests, nw atomic.Int64
}

func (c *connCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	c.requests.Add(1)
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
	burst := func() {
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
	burst()
	if again := cc.nw.Load() - first; again > 0 {
		t.Errorf("the second burst of 16 reads dialled %d new connections (the first %d), want none", again, first)
	}
	if cc.requests.Load() < 33 {
		t.Errorf("%d requests went through the wrapped transport, want the stat and 32 reads", cc.requests.Load())
	}
}
