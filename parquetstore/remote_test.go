package parquetstore

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/fsmon/fsmon/internal/blob"
	"github.com/fsmon/fsmon/internal/gcstest"
	"github.com/fsmon/fsmon/internal/s3test"
	"github.com/fsmon/fsmon/sample"
)

// sameAsLocalTree writes a view with hive partitions, several row groups,
// a file without timestamp statistics and damaged files.
func sameAsLocalTree(t *testing.T) string {
	root := t.TempDir()
	writeParquet(t, filepath.Join(root, "driver_stats/date=2026-11-01/part-0.parquet"), rowsRange(0, 500, 100), parquet.MaxRowsPerRowGroup(128))
	writeParquet(t, filepath.Join(root, "driver_stats/date=2026-11-02/part-0.parquet"), rowsRange(500, 1000, 100), parquet.MaxRowsPerRowGroup(128))
	writeParquet(t, filepath.Join(root, "driver_stats/date=2026-11-03/part-0.parquet"), rowsRange(1000, 1300, 100),
		parquet.SkipPageBounds("event_timestamp"), parquet.MaxRowsPerRowGroup(100))
	good, err := os.ReadFile(filepath.Join(root, "driver_stats/date=2026-11-01/part-0.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "driver_stats/date=2026-11-04/truncated.parquet"), good[:len(good)/2], 0o644)
	garbled := slices.Clone(good)
	for i := 4; i < len(garbled)/3; i++ {
		garbled[i] = 0xff
	}
	os.WriteFile(filepath.Join(root, "driver_stats/date=2026-11-04/garbled.parquet"), garbled, 0o644)
	os.WriteFile(filepath.Join(root, "driver_stats/_SUCCESS"), nil, 0o644)
	return root
}

// TestS3SameAsLocal reads the same bytes from a local folder and from a real
// S3 server and wants the same footer, null counts, samples and as-of rows.
func TestS3SameAsLocal(t *testing.T) {
	srv := s3test.Start(t)
	root := sameAsLocalTree(t)
	b := srv.Bucket(t, "same-as-local")
	srv.PutDir(t, "same-as-local", "offline", root)
	compareStores(t, root, b, "offline")
}

// TestS3KeptBuffersShared: stores sharing one Buffers, as fsmon's views do,
// sample S3 at the same time, over and over, with a bound small enough
// that buffers are let go as well as reused, and every sample equals the
// same sample of the local files. A buffer given back while still read, or
// taken by two fetches at once, shows as a wrong sample (and under -race
// as a race).
func TestS3KeptBuffersShared(t *testing.T) {
	srv := s3test.Start(t)
	root := t.TempDir()
	// Many files: a job each, fetched ahead of the decoding into buffers
	// of the same size, which a wrongly recycled buffer would mix up.
	for f := range 24 {
		writeParquet(t, filepath.Join(root, fmt.Sprintf("v/part-%02d.parquet", f)), rowsRange(f*3000, (f+1)*3000, 500), parquet.MaxRowsPerRowGroup(1000))
	}
	b := srv.Bucket(t, "kept-buffers")
	srv.PutDir(t, "kept-buffers", "offline", root)
	keep := NewBuffers(1 << 20)
	ctx := context.Background()
	windows := []sample.Window{{}, {From: t0.Add(5000 * time.Minute), To: t0.Add(61000 * time.Minute)}, {From: t0.Add(30000 * time.Minute)}}
	want := make([]*sample.Sample, len(windows))
	local := newStore(t, root, "v")
	for i, w := range windows {
		s, err := local.Sample(ctx, w, 7000)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = s
	}
	var wg sync.WaitGroup
	for g := range 3 {
		remote := newStore(t, "offline", "v", func(v *View) { v.Bucket, v.Buffers = b, keep })
		wg.Go(func() {
			for round := range 4 {
				i := (g + round) % len(windows)
				got, err := remote.Sample(ctx, windows[i], 7000)
				if err != nil {
					t.Errorf("store %d round %d: %v", g, round, err)
					return
				}
				if !sameSample(got, want[i]) {
					t.Errorf("store %d round %d window %d: the S3 sample differs from the local one", g, round, i)
				}
			}
		})
	}
	wg.Wait()
	held, made := keep.stats()
	if held == 0 || held > 1<<20 {
		t.Errorf("%d bytes kept, want some and at most the bound", held)
	}
	t.Logf("%d buffers made for 12 samples, %d bytes kept", made, held)
}

// compareStores runs every read on the local tree root and on the bucket
// prefix holding the same files, and compares.
func compareStores(t *testing.T, root string, b blob.Bucket, prefix string) {
	ctx := context.Background()
	for _, p := range []string{"driver_stats", "driver_stats/**/*.parquet", "driver_stats/date=2026-11-0[12]/*.parquet", "driver_stats/date=2026-11-03/part-0.parquet"} {
		local := newStore(t, root, p)
		remote := newStore(t, prefix, p, func(v *View) { v.Bucket = b })
		lf, lerr := local.Footer(ctx)
		rf, rerr := remote.Footer(ctx)
		if (lerr != nil) != (rerr != nil) || !sameFooter(lf, rf) {
			t.Errorf("%s: footer local %+v (%v), remote %+v (%v)", p, lf, lerr, rf, rerr)
		}
		ln, lrows, _ := local.NullCounts(ctx)
		rn, rrows, _ := remote.NullCounts(ctx)
		if !reflect.DeepEqual(ln, rn) || lrows != rrows {
			t.Errorf("%s: nulls local %v/%d, remote %v/%d", p, ln, lrows, rn, rrows)
		}
		for _, w := range []sample.Window{
			{From: t0.Add(100 * time.Minute), To: t0.Add(1200 * time.Minute)},
			{From: t0.Add(1250 * time.Minute)},
			{},
		} {
			for _, n := range []int{10, 5000} {
				ls, lerr := local.Sample(ctx, w, n)
				rs, rerr := remote.Sample(ctx, w, n)
				if lerr != nil || rerr != nil {
					t.Fatalf("%s: sample errors local %v remote %v", p, lerr, rerr)
				}
				if !sameSample(ls, rs) {
					t.Errorf("%s: window %v n %d: local and remote samples differ:\nlocal  %d rows %q\nremote %d rows %q", p, w, n, ls.Len(), ls.Problems, rs.Len(), rs.Problems)
				}
			}
		}
		q := []sample.AsOf{{Entity: "1", Time: t0.Add(1000 * time.Minute)}, {Entity: "42", Time: t0.Add(2000 * time.Minute)}, {Entity: "7", Time: t0}}
		la, lerr := local.AsOf(ctx, q)
		ra, rerr := remote.AsOf(ctx, q)
		if lerr != nil || rerr != nil {
			t.Fatalf("%s: as-of errors local %v remote %v", p, lerr, rerr)
		}
		if !sameSample(la, ra) {
			t.Errorf("%s: as-of differs:\nlocal  %+v\nremote %+v", p, la, ra)
		}
	}
}

func sameFooter(a, b *sample.Footer) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Rows == b.Rows && a.Files == b.Files && a.Newest == b.Newest && a.HasNewest == b.HasNewest && sameProblems(a.Problems, b.Problems)
}

func sameSample(a, b *sample.Sample) bool {
	if !sameProblems(a.Problems, b.Problems) {
		return false
	}
	ac, bc := *a, *b
	ac.Problems, bc.Problems = nil, nil
	return reflect.DeepEqual(ac, bc)
}

// sameProblems wants the same number of problems, naming the same files
// (the texts of I/O errors differ between a disk and S3).
func sameProblems(a, b []sample.Problem) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Kind != b[i].Kind || a[i].Count != b[i].Count || fileOf(a[i].Message) != fileOf(b[i].Message) {
			return false
		}
	}
	return true
}

func fileOf(problem string) string {
	for f := range strings.FieldsSeq(problem) {
		if strings.HasSuffix(strings.TrimRight(f, ":,"), ".parquet") {
			if i := strings.LastIndex(f, "driver_stats/"); i >= 0 {
				return f[i:]
			}
			return f
		}
	}
	return problem
}

// TestGCSSameAsLocal is TestS3SameAsLocal on the Cloud Storage emulator.
func TestGCSSameAsLocal(t *testing.T) {
	srv := gcstest.Start(t)
	root := sameAsLocalTree(t)
	b := srv.Bucket(t, "same-as-local")
	srv.PutDir(t, "same-as-local", "offline", root)
	compareStores(t, root, b, "offline")
}

// countingTransport counts requests by method and the response bytes; it
// sends them through base (nil: http.DefaultTransport).
type countingTransport struct {
	base     http.RoundTripper
	mu       sync.Mutex
	requests map[string]int
	bytes    int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	base := c.base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(r)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.requests == nil {
		c.requests = map[string]int{}
	}
	kind := r.Method
	if r.Header.Get("Range") != "" {
		kind = "RANGE"
	}
	c.requests[kind]++
	if err == nil && resp.ContentLength > 0 {
		c.bytes += resp.ContentLength
	}
	return resp, err
}

func (c *countingTransport) reset() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.requests
	c.requests, c.bytes = nil, 0
	return r
}

// TestRemoteReadsAreFew checks the request pattern on object storage: a
// footer over unchanged objects costs one listing, a cold footer one
// ranged read per object, and a sample reads its column chunks in few
// ranged requests, never whole objects.
func TestRemoteReadsAreFew(t *testing.T) {
	srv := gcstest.Start(t)
	root := t.TempDir()
	// One file a day (rows are minutes from t0, 2026-11-01), as the
	// date partitions say.
	for d := range 4 {
		writeParquet(t, filepath.Join(root, fmt.Sprintf("v/date=2026-11-0%d/part-0.parquet", d+1)), rowsRange(d*1440, (d+1)*1440, 100), parquet.MaxRowsPerRowGroup(360))
	}
	srv.Bucket(t, "counted")
	srv.PutDir(t, "counted", "offline", root)
	ct := &countingTransport{}
	b, err := blob.NewGCS(context.Background(), "counted", srv.Options(&http.Client{Transport: ct}))
	if err != nil {
		t.Fatal(err)
	}
	s := newStore(t, "offline", "v", func(v *View) { v.Bucket = b })
	ctx := context.Background()
	if _, _, err := s.NullCounts(ctx); err != nil {
		t.Fatal(err)
	}
	if got := ct.reset(); got["GET"] != 1 || got["RANGE"] != 4 || len(got) != 2 {
		t.Errorf("cold null counts: requests %v, want one listing (GET) and one ranged read per object (4: each is shorter than the tail read, which holds the magic too)", got)
	}
	if _, err := s.Footer(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.NullCounts(ctx); err != nil {
		t.Fatal(err)
	}
	if got := ct.reset(); got["GET"] != 2 || len(got) != 1 {
		t.Errorf("warm footer and null counts: requests %v, want one listing each", got)
	}
	// A sample of 100 rows of 5760: the 4 files have 4 row groups each;
	// the chunks of one row group are adjacent, so one request per row
	// group read at most.
	got, err := s.Sample(ctx, sample.Window{}, 100)
	if err != nil || got.Len() != 100 {
		t.Fatalf("sample: %v rows, %v", got.Len(), err)
	}
	checkRows(t, got, 100)
	if req := ct.reset(); req["RANGE"] > 16 || req["GET"] != 1 {
		t.Errorf("sample: requests %v, want one listing and at most one ranged read per row group (16)", req)
	}
	// A changed object is read afresh (new generation, new footer). The
	// footer reads only the newest partition: the others end before its
	// newest event.
	writeParquet(t, filepath.Join(root, "new/part-0.parquet"), rowsRange(3*1440, 3*1440+1000, 100))
	data, _ := os.ReadFile(filepath.Join(root, "new/part-0.parquet"))
	srv.Put(t, "counted", "offline/v/date=2026-11-04/part-0.parquet", data)
	f, err := s.Footer(ctx)
	if err != nil || f.Newest != t0.Add((3*1440+999)*time.Minute).UnixNano() || f.Reads.FilesPruned != 3 || f.Rows != 1000 {
		t.Errorf("after a rewrite: %+v %v, want the new file's newest from it alone (1000 rows, 3 files pruned)", f, err)
	}
	if req := ct.reset(); req["RANGE"] != 1 {
		t.Errorf("after a rewrite: requests %v, want one ranged read (the changed object is smaller than the tail read)", req)
	}
	if _, rows, err := s.NullCounts(ctx); err != nil || rows != 3*1440+1000 {
		t.Errorf("after a rewrite: null counts over %d rows (%v), want %d", rows, err, 3*1440+1000)
	}
}
