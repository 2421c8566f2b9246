package parquetstore

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/fsmon/fsmon/internal/blob"
	"github.com/fsmon/fsmon/internal/s3test"
	"github.com/fsmon/fsmon/sample"
)

func TestPartitionSpans(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	const slack = 14 * time.Hour
	type want struct {
		lo, hi time.Time // before slack; zero hi: open (no end)
		zoned  bool
	}
	cases := []struct {
		path string
		want *want // nil: never pruned
	}{
		{"dt=2026-12-01/a.parquet", &want{lo: day(2026, 12, 1), hi: day(2026, 12, 2)}},
		{"date=20261201/a.parquet", &want{lo: day(2026, 12, 1), hi: day(2026, 12, 2)}},
		{"region=eu/event_date=2026-12-01/a.parquet", &want{lo: day(2026, 12, 1), hi: day(2026, 12, 2)}},
		{"DS=2026-12-31/a.parquet", &want{lo: day(2026, 12, 31), hi: day(2027, 1, 1)}},
		{"day=2026-02-28/a.parquet", &want{lo: day(2026, 2, 28), hi: day(2026, 3, 1)}},
		{"year=2026/a.parquet", &want{lo: day(2026, 1, 1), hi: day(2027, 1, 1)}},
		{"year=2026/month=12/a.parquet", &want{lo: day(2026, 12, 1), hi: day(2027, 1, 1)}},
		{"year=2026/month=2/a.parquet", &want{lo: day(2026, 2, 1), hi: day(2026, 3, 1)}},
		{"year=2026/month=12/day=01/a.parquet", &want{lo: day(2026, 12, 1), hi: day(2026, 12, 2)}},
		{"year=2026/month=12/day=01/hour=05/a.parquet", &want{lo: day(2026, 12, 1).Add(5 * time.Hour), hi: day(2026, 12, 1).Add(6 * time.Hour)}},
		{"dt=2026-12-01/hour=23/a.parquet", &want{lo: day(2026, 12, 1).Add(23 * time.Hour), hi: day(2026, 12, 2)}},
		{"dt=2026-12-01/hr=7/a.parquet", &want{lo: day(2026, 12, 1).Add(7 * time.Hour), hi: day(2026, 12, 1).Add(8 * time.Hour)}},
		{"dt=2026-12-01-05/a.parquet", &want{lo: day(2026, 12, 1).Add(5 * time.Hour), hi: day(2026, 12, 1).Add(6 * time.Hour)}},
		{"ts=2026-12-01T05/a.parquet", &want{lo: day(2026, 12, 1).Add(5 * time.Hour), hi: day(2026, 12, 1).Add(6 * time.Hour)}},
		{"event_hour=2026-12-01 05:00:00/a.parquet", &want{lo: day(2026, 12, 1).Add(5 * time.Hour), hi: day(2026, 12, 1).Add(6 * time.Hour)}},
		// Hive escapes ":" in folder names; the value is unescaped first.
		{"event_hour=2026-12-01 05%3A00%3A00/a.parquet", &want{lo: day(2026, 12, 1).Add(5 * time.Hour), hi: day(2026, 12, 1).Add(6 * time.Hour)}},
		{"date=2026-12-01/ts=2026-12-01T05:30:00Z/a.parquet", &want{lo: day(2026, 12, 1).Add(5*time.Hour + 30*time.Minute), hi: day(2026, 12, 2)}},
		// A timestamp to the second starts a partition of unknown length:
		// it ends where the next one starts, the newest never.
		{"ts=2026-12-01T05:30:00Z/a.parquet", &want{lo: day(2026, 12, 1).Add(5*time.Hour + 30*time.Minute), hi: day(2026, 12, 1).Add(5*time.Hour + 45*time.Minute), zoned: true}},
		{"ts=2026-12-01T05:45:00Z/a.parquet", &want{lo: day(2026, 12, 1).Add(5*time.Hour + 45*time.Minute), zoned: true}},
		{"ts=2026-12-01T06:45:00+01:00/b.parquet", &want{lo: day(2026, 12, 1).Add(5*time.Hour + 45*time.Minute), zoned: true}},
		{"event_timestamp=2026-12-01 05:30/a.parquet", &want{lo: day(2026, 12, 1).Add(5*time.Hour + 30*time.Minute)}},
		// Never pruned: not a time key, values that do not parse, parts
		// without their year, contradictions.
		{"a.parquet", nil},
		{"region=eu/a.parquet", nil},
		{"batch_date=2026-12-01/a.parquet", nil},
		{"dt=2026-13-01/a.parquet", nil},
		{"dt=__HIVE_DEFAULT_PARTITION__/a.parquet", nil},
		{"dt=yesterday/a.parquet", nil},
		{"region=eu/dt=12-01-2026/a.parquet", nil},
		{"month=12/day=01/a.parquet", nil},
		{"year=2026/day=01/a.parquet", nil},
		{"year=2026/month=02/day=30/a.parquet", nil},
		{"year=26/a.parquet", nil},
		{"hour=05/a.parquet", nil},
		{"dt=2026-12-01/hour=24/a.parquet", nil},
		{"dt=2026-12-01/date=2026-12-02/a.parquet", nil},
		{"year=2026/dt=2025-12-01/a.parquet", nil},
	}
	refs := make([]fileRef, len(cases))
	for i, c := range cases {
		refs[i] = fileRef{name: c.path, hive: hivePartitions(c.path)}
	}
	spans := partitionSpans(refs, "event_timestamp")
	for i, c := range cases {
		sp := spans[i]
		if c.want == nil {
			if sp.known {
				t.Errorf("%s: range %v..%v, want none (never pruned)", c.path, time.Unix(0, sp.lo).UTC(), time.Unix(0, sp.hi).UTC())
			}
			continue
		}
		lo, hi := c.want.lo, c.want.hi
		if !c.want.zoned {
			lo = lo.Add(-slack)
			if !hi.IsZero() {
				hi = hi.Add(slack)
			}
		}
		wantHi := int64(math.MaxInt64)
		if !hi.IsZero() {
			wantHi = hi.UnixNano()
		}
		if !sp.known || sp.lo != lo.UnixNano() || sp.hi != wantHi {
			t.Errorf("%s: range %v..%v (known %v), want %v..%v", c.path, time.Unix(0, sp.lo).UTC(), time.Unix(0, sp.hi).UTC(), sp.known, lo, hi)
		}
	}
}

// countingBucket counts the objects opened and the bytes read through a
// bucket.
type countingBucket struct {
	blob.Bucket
	mu     sync.Mutex
	opened map[string]int
}

func (c *countingBucket) Open(ctx context.Context, a blob.Attrs) (blob.Reader, error) {
	c.mu.Lock()
	if c.opened == nil {
		c.opened = map[string]int{}
	}
	c.opened[a.Key]++
	c.mu.Unlock()
	return c.Bucket.Open(ctx, a)
}

func (c *countingBucket) reset() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	o := c.opened
	c.opened = nil
	return o
}

// pathTransport records the URL path of every request and sends it
// through base.
type pathTransport struct {
	base  http.RoundTripper
	mu    sync.Mutex
	paths []string
}

func (p *pathTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	p.mu.Lock()
	p.paths = append(p.paths, r.URL.Path)
	p.mu.Unlock()
	return p.base.RoundTrip(r)
}

func (p *pathTransport) reset() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.paths
	p.paths = nil
	return out
}

// partitionedTree writes ten daily partitions dt=2026-11-01..10, each
// holding the minutes of its day (row i is t0 + i minutes), and two
// partitions the rules cannot read (dt=__HIVE_DEFAULT_PARTITION__ with a
// few rows of 11-02, dt=latest with the newest rows of all, 11-11).
func partitionedTree(t *testing.T) string {
	root := t.TempDir()
	for d := range 10 {
		writeParquet(t, filepath.Join(root, fmt.Sprintf("v/dt=2026-11-%02d/part-0.parquet", d+1)), rowsRange(d*1440, (d+1)*1440, 50), parquet.MaxRowsPerRowGroup(500))
	}
	writeParquet(t, filepath.Join(root, "v/dt=__HIVE_DEFAULT_PARTITION__/part-0.parquet"), rowsRange(1440+100, 1440+110, 50))
	writeParquet(t, filepath.Join(root, "v/dt=latest/part-0.parquet"), rowsRange(10*1440, 10*1440+30, 50))
	return root
}

// TestPartitionPruning wants files of partitions outside the time asked for
// never opened (locally, and on S3 never requested from the server), and
// every result the same as with pruning off.
func TestPartitionPruning(t *testing.T) {
	root := partitionedTree(t)
	local, err := blob.NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("local", func(t *testing.T) { testPruning(t, local, local, "", nil) })
	t.Run("s3", func(t *testing.T) {
		srv := s3test.Start(t)
		srv.Bucket(t, "pruned")
		plain := srv.Bucket(t, "unpruned-reference")
		srv.PutDir(t, "pruned", "offline", root)
		srv.PutDir(t, "unpruned-reference", "offline", root)
		pt := &pathTransport{}
		o := srv.Options()
		o.WrapTransport = func(rt http.RoundTripper) http.RoundTripper { pt.base = rt; return pt }
		b, err := blob.NewS3(context.Background(), "pruned", o)
		if err != nil {
			t.Fatal(err)
		}
		testPruning(t, b, plain, "offline", pt)
	})
}

// testPruning reads the tree through b (counted: opens, and requests on pt
// when not nil) with pruning and through plain without.
func testPruning(t *testing.T, b, plain blob.Bucket, root string, pt *pathTransport) {
	ctx := context.Background()
	cb := &countingBucket{Bucket: b}
	pruned := newStore(t, root, "v", func(v *View) { v.Bucket = cb })
	all := newStore(t, root, "v", func(v *View) { v.Bucket = plain; v.NoPartitionPruning = true })
	day := func(d int) string { return fmt.Sprintf("v/dt=2026-11-%02d/part-0.parquet", d) }
	const unparsed, latest = "v/dt=__HIVE_DEFAULT_PARTITION__/part-0.parquet", "v/dt=latest/part-0.parquet"
	// opened checks which files were opened and, on S3, that no request
	// named any other object.
	opened := func(what string, want ...string) {
		t.Helper()
		got := slices.Sorted(func(yield func(string) bool) {
			for k := range cb.reset() {
				if !yield(strings.TrimPrefix(k, root+"/")) {
					return
				}
			}
		})
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: opened %q, want %q", what, got, want)
		}
		if pt == nil {
			return
		}
		for _, p := range pt.reset() {
			key, ok := strings.CutPrefix(p, "/pruned/"+root+"/")
			if ok && !slices.Contains(want, key) {
				t.Errorf("%s: request for %s, a pruned object", what, p)
			}
		}
	}
	opened("nothing yet")

	// A window of 11-05 12:00 to 11-06 12:00: the days within 14 hours of
	// it (the slack of values without a zone) and the unparsed partitions.
	w := sample.Window{From: t0.Add((4*1440 + 720) * time.Minute), To: t0.Add((5*1440 + 720) * time.Minute)}
	for _, n := range []int{100, 5000} {
		got, err := pruned.Sample(ctx, w, n)
		if err != nil {
			t.Fatal(err)
		}
		opened(fmt.Sprintf("sample of %d", n), day(4), day(5), day(6), day(7), unparsed, latest)
		want, err := all.Sample(ctx, w, n)
		if err != nil {
			t.Fatal(err)
		}
		if got.Reads.FilesPruned != 6 || want.Reads.FilesPruned != 0 {
			t.Errorf("sample of %d: %d files pruned, %d with pruning off; want 6, 0", n, got.Reads.FilesPruned, want.Reads.FilesPruned)
		}
		got.Reads, want.Reads = sample.Reads{}, sample.Reads{}
		if !sameSample(got, want) || got.Population != 1441 {
			t.Errorf("sample of %d: pruned and unpruned differ (population %d and %d, want 1441)", n, got.Population, want.Population)
		}
		checkRows(t, got, 50)
	}
	// A window wholly outside every partition: an empty sample, no error.
	early := sample.Window{From: t0.Add(-72 * time.Hour), To: t0.Add(-48 * time.Hour)}
	got, err := pruned.Sample(ctx, early, 10)
	if err != nil || got.Len() != 0 || !got.Complete {
		t.Errorf("sample before all data: %v rows, complete %v, %v", got.Len(), got.Complete, err)
	}
	want, err := all.Sample(ctx, early, 10)
	if err != nil || want.Len() != 0 || want.Population != got.Population || want.Scanned != got.Scanned {
		t.Errorf("unpruned sample before all data: %+v %v", want, err)
	}
	opened("sample before all data", unparsed, latest)

	// The footer reads the newest partition and the unparsed ones first;
	// the newest event (in dt=latest) ends every dated partition.
	f, err := pruned.Footer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	opened("footer", day(10), unparsed, latest)
	wantF, err := all.Footer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !f.HasNewest || f.Newest != wantF.Newest || f.Newest != t0.Add((10*1440+29)*time.Minute).UnixNano() || f.Reads.FilesPruned != 9 {
		t.Errorf("footer newest %v (%d files pruned), want %v as unpruned (%v) and 9 pruned",
			time.Unix(0, f.Newest).UTC(), f.Reads.FilesPruned, t0.Add((10*1440+29)*time.Minute), time.Unix(0, wantF.Newest).UTC())
	}
	// As of 11-03 12:00 and earlier: partitions starting (less 14 hours)
	// after the latest query time are left out.
	q := []sample.AsOf{{Entity: "7", Time: t0.Add((2*1440 + 720) * time.Minute)}, {Entity: "8", Time: t0.Add(30 * time.Minute)}, {Entity: "9", Time: t0.Add(1441 * time.Minute)}}
	a, err := pruned.AsOf(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	opened("as-of", day(1), day(2), day(3), day(4), unparsed, latest)
	wantA, err := all.AsOf(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if a.Reads.FilesPruned != 6 {
		t.Errorf("as-of: %d files pruned, want 6", a.Reads.FilesPruned)
	}
	a.Reads, wantA.Reads = sample.Reads{}, sample.Reads{}
	if !sameSample(a, wantA) {
		t.Errorf("as-of: pruned and unpruned differ:\n%+v\n%+v", a, wantA)
	}
	for i := range q {
		if !a.HasTime[i] {
			t.Errorf("as-of: query %d found nothing", i)
		}
	}
	checkRows(t, a, 50)
	// Null counts read everything.
	if _, rows, err := pruned.NullCounts(ctx); err != nil || rows != 10*1440+40 {
		t.Errorf("null counts over %d rows (%v), want %d", rows, err, 10*1440+40)
	}
	cb.reset()
	if pt != nil {
		pt.reset()
	}
}
