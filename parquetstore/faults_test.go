package parquetstore

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/fsmon/fsmon/internal/blob"
	"github.com/fsmon/fsmon/internal/s3test"
	"github.com/fsmon/fsmon/sample"
)

// TestS3SampleUnderFaults samples a view on a real S3 server through a
// proxy that throttles and cuts reads: the sample completes with the same
// rows as without faults; an object throttled on every attempt is a
// problem naming it while the other files are used; and the deadline holds
// when every request is slow.
func TestS3SampleUnderFaults(t *testing.T) {
	srv := s3test.Start(t)
	root := t.TempDir()
	for f := range 4 {
		writeParquet(t, filepath.Join(root, fmt.Sprintf("v/part-%d.parquet", f)), rowsRange(f*3000, (f+1)*3000, 100), parquet.MaxRowsPerRowGroup(1000))
	}
	srv.Bucket(t, "faulty")
	srv.PutDir(t, "faulty", "offline", root)
	proxy := s3test.NewProxy(t, srv)
	o := proxy.Options()
	o.MaxBackoff = 20 * time.Millisecond
	b, err := blob.NewS3(context.Background(), "faulty", o)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	w := sample.Window{From: t0.Add(500 * time.Minute), To: t0.Add(11000 * time.Minute)}
	want, err := newStore(t, root, "v").Sample(ctx, w, 2000)
	if err != nil {
		t.Fatal(err)
	}

	proxy.Only(s3test.RangedGets)
	proxy.SlowDown(6)
	proxy.DropBodies(6)
	got, err := newStore(t, "offline", "v", func(v *View) { v.Bucket = b }).Sample(ctx, w, 2000)
	if err != nil {
		t.Fatal(err)
	}
	if s := proxy.Stats(); s.SlowDowns != 6 || s.Drops != 6 {
		t.Errorf("proxy throttled %d and cut %d reads, want 6 and 6", s.SlowDowns, s.Drops)
	}
	if !sameSample(got, want) || len(got.Problems) != 0 {
		t.Errorf("sample under throttling and dropped connections differs from the local one (%d rows, problems %q)", got.Len(), got.Problems)
	}
	checkRows(t, got, 100)

	// One object throttled on every attempt: named, skipped, the rest used.
	proxy.Only(func(r *http.Request) bool {
		return s3test.RangedGets(r) && strings.HasSuffix(r.URL.Path, "/part-2.parquet")
	})
	proxy.SlowDown(-1)
	got, err = newStore(t, "offline", "v", func(v *View) { v.Bucket = b }).Sample(ctx, w, 2000)
	proxy.SlowDown(0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Problems) != 1 || got.Problems[0].Kind != sample.BadFile || got.Reads.FilesSkipped != 1 ||
		!strings.Contains(got.Problems[0].Message, "s3://faulty/offline/v/part-2.parquet") || !strings.Contains(got.Problems[0].Message, "SlowDown") {
		t.Errorf("one throttled object: problems %q, %d files skipped; want one bad_file naming s3://faulty/offline/v/part-2.parquet and SlowDown", got.Problems, got.Reads.FilesSkipped)
	}
	for j := range got.Len() {
		if i := rowIndex(t, got.Times[j]); i >= 6000 && i < 9000 {
			t.Fatalf("row %d of the throttled file in the sample", i)
		}
	}

	// Every request 3 s late, a 300 ms deadline: the call returns at it.
	proxy.Only(nil)
	proxy.SetLatency(3 * time.Second)
	defer proxy.SetLatency(0)
	dctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = newStore(t, "offline", "v", func(v *View) { v.Bucket = b }).Sample(dctx, w, 2000)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("sample past its deadline: %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("sample returned after %v: its 300ms deadline did not hold against 3s of latency", d)
	}
}
