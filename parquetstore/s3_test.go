package parquetstore

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/fsmon/fsmon/internal/blob"
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
