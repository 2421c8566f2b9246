package blob_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fsmon/fsmon/internal/blob"
	"github.com/fsmon/fsmon/internal/s3test"
)

// TestS3Faults puts a fault-injecting proxy between the S3 client and a
// real SeaweedFS and checks what the SDK's retryer, configured by NewS3,
// does with throttling, broken bodies and latency.
func TestS3Faults(t *testing.T) {
	srv := s3test.Start(t)
	srv.Bucket(t, "faults")
	data := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB
	srv.Put(t, "faults", "v/part-0.parquet", data)
	proxy := s3test.NewProxy(t, srv)
	o := proxy.Options()
	o.MaxBackoff = 20 * time.Millisecond // the SDK's backoff, kept short for the test
	b, err := blob.NewS3(context.Background(), "faults", o)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, err := b.Stat(ctx, "v/part-0.parquet")
	if err != nil {
		t.Fatal(err)
	}
	read := func(ctx context.Context, off, n int) ([]byte, error) {
		r, err := b.Open(ctx, a)
		if err != nil {
			return nil, err
		}
		defer r.Close()
		buf := make([]byte, n)
		m, err := r.ReadAt(buf, int64(off))
		return buf[:m], err
	}
	proxy.Stats()

	t.Run("throttled requests are retried", func(t *testing.T) {
		proxy.Only(nil)
		proxy.SlowDown(3)
		l, err := b.List(ctx, "v/")
		if err != nil || len(l.Objects) != 1 {
			t.Fatalf("list under 3 SlowDowns: %v, %v", l, err)
		}
		proxy.SlowDown(2)
		got, err := read(ctx, 1000, 300000)
		if err != nil || !bytes.Equal(got, data[1000:301000]) {
			t.Fatalf("read under 2 SlowDowns: %d bytes, %v", len(got), err)
		}
		if s := proxy.Stats(); s.SlowDowns != 5 || s.Requests != 7 {
			t.Errorf("proxy saw %d requests, %d throttled; want 7 and 5 (each throttled one retried)", s.Requests, s.SlowDowns)
		}
	})

	t.Run("persistent throttling is an error naming bucket and key", func(t *testing.T) {
		proxy.Only(s3test.RangedGets)
		proxy.SlowDown(-1)
		defer proxy.SlowDown(0)
		_, err := read(ctx, 0, 100)
		if err == nil {
			t.Fatal("a read throttled on every attempt succeeded")
		}
		msg := err.Error()
		for _, want := range []string{"s3://faults/v/part-0.parquet", "SlowDown", "throttled"} {
			if !strings.Contains(msg, want) {
				t.Errorf("error %q does not say %q", msg, want)
			}
		}
		if strings.Contains(msg, s3test.SecretKey) || strings.Contains(msg, s3test.AccessKey) {
			t.Errorf("error prints a credential: %q", msg)
		}
		if s := proxy.Stats(); s.SlowDowns != 5 {
			t.Errorf("%d attempts, want the retryer's 5", s.SlowDowns)
		}
	})

	t.Run("a body cut short is resumed, never corrupt", func(t *testing.T) {
		proxy.Only(s3test.RangedGets)
		proxy.DropBodies(2)
		got, err := read(ctx, 12345, 500000)
		if err != nil || !bytes.Equal(got, data[12345:512345]) {
			t.Fatalf("read with 2 dropped connections: %d bytes, %v (equal %v)", len(got), err, bytes.Equal(got, data[12345:12345+len(got)]))
		}
		if s := proxy.Stats(); s.Drops != 2 || s.Requests != 3 {
			t.Errorf("proxy saw %d requests, %d cut; want 3 and 2", s.Requests, s.Drops)
		}
		// Cut every time: an error after the attempts, no bytes handed out.
		proxy.DropBodies(-1)
		defer proxy.DropBodies(0)
		got, err = read(ctx, 0, 400000)
		if err == nil || len(got) != 0 || !strings.Contains(err.Error(), "connection broke") || !strings.Contains(err.Error(), "s3://faults/v/part-0.parquet") {
			t.Errorf("read with every body cut: %d bytes, %v; want an error naming the object and no bytes", len(got), err)
		}
		if s := proxy.Stats(); s.Drops != 5 {
			t.Errorf("%d attempts, want 5", s.Drops)
		}
	})

	t.Run("a replaced object is not resumed across versions", func(t *testing.T) {
		srv.Put(t, "faults", "v/changing", data)
		ca, err := b.Stat(ctx, "v/changing")
		if err != nil {
			t.Fatal(err)
		}
		r, _ := b.Open(ctx, ca)
		defer r.Close()
		// The first body is cut, and the object replaced before the
		// connection closes; the resumed request is conditional on the
		// ETag.
		proxy.Only(s3test.RangedGets)
		proxy.DropBodies(1)
		proxy.OnDrop(func() { srv.Put(t, "faults", "v/changing", bytes.ToUpper(data)) })
		defer proxy.OnDrop(nil)
		_, err = r.ReadAt(make([]byte, 200000), 0)
		if !errors.Is(err, blob.ErrChanged) {
			t.Errorf("resumed read of a replaced object: %v, want ErrChanged", err)
		}
		proxy.Stats()
	})

	t.Run("deadlines hold under latency", func(t *testing.T) {
		proxy.Only(nil)
		proxy.SetLatency(5 * time.Second)
		defer proxy.SetLatency(0)
		dctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := read(dctx, 0, 100)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("read past its deadline: %v, want DeadlineExceeded", err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("read returned after %v, past its 200ms deadline and near the 5s latency", d)
		}
	})
}
