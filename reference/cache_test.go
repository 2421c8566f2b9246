package reference

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/fsmon/fsmon/internal/pqwrite"
	"github.com/fsmon/fsmon/parquetstore"
	"github.com/fsmon/fsmon/sample"
)

// TestCacheAcrossProcesses: a second cache on the same directory (the next
// `fsmon check`) serves a raw reference from the profile the first one
// built, without reading the source's data. To prove it reads nothing, the
// source's Parquet file is overwritten with garbage of the same size and
// its mtime restored: the identity check (listing, size, mtime) still
// passes, and any read of the data would fail. When the source really
// changes (a new mtime), the profile is rebuilt from it.
func TestCacheAcrossProcesses(t *testing.T) {
	root, dir := t.TempDir(), t.TempDir()
	file := filepath.Join(root, "train", "part-0.parquet")
	cols := []pqwrite.Column{{Name: "ts", Type: "timestamp"}, {Name: "x", Type: "float64", Optional: true}}
	var rows [][]any
	t0 := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 500; i++ {
		rows = append(rows, []any{t0.Add(time.Duration(i) * time.Minute), float64(i%37) / 7})
	}
	if err := pqwrite.Write(file, cols, rows); err != nil {
		t.Fatal(err)
	}
	spec := Spec{Kind: KindPath, Parquet: parquetstore.View{Root: root, Path: "train/*.parquet", TimestampColumn: "ts",
		Features: []sample.Feature{{Name: "x", Type: sample.Float64}}}, SampleSize: 10000, Reservoir: 10000, Source: "train/*.parquet"}
	ctx := context.Background()

	first := NewCache()
	first.Dir = dir
	want, err := first.Get(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if first.Builds() != 1 || first.Loads() != 0 {
		t.Fatalf("first cache: %d builds, %d loads, want 1, 0", first.Builds(), first.Loads())
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.fsprof"))
	if len(files) != 1 {
		t.Fatalf("cache files %v, want one", files)
	}

	// Garbage of the same size with the same mtime: same identity.
	st, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	junk := make([]byte, st.Size())
	for i := range junk {
		junk[i] = 'x'
	}
	if err := os.WriteFile(file, junk, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(file, st.ModTime(), st.ModTime()); err != nil {
		t.Fatal(err)
	}
	second := NewCache()
	second.Dir = dir
	got, err := second.Get(ctx, spec)
	if err != nil {
		t.Fatalf("second process read the source: %v", err)
	}
	if second.Builds() != 0 || second.Loads() != 1 {
		t.Fatalf("second cache: %d builds, %d loads, want 0, 1", second.Builds(), second.Loads())
	}
	if !reflect.DeepEqual(got.Features, want.Features) || got.Fingerprint != want.Fingerprint || got.Version != want.Version {
		t.Errorf("the cached profile differs from the built one")
	}

	// A real change of the source (new mtime) is rebuilt from it: here
	// the garbage, which fails, so the stale profile is not served.
	later := st.ModTime().Add(time.Minute)
	if err := os.Chtimes(file, later, later); err != nil {
		t.Fatal(err)
	}
	third := NewCache()
	third.Dir = dir
	if _, err := third.Get(ctx, spec); err == nil || third.Loads() != 0 {
		t.Errorf("changed source served from the cache (err %v, %d loads)", err, third.Loads())
	}

	// A damaged cache file is rebuilt, never an error or a wrong number.
	if err := pqwrite.Write(file, cols, rows); err != nil {
		t.Fatal(err)
	}
	fresh := NewCache()
	fresh.Dir = dir
	p, err := fresh.Get(ctx, spec)
	if err != nil || fresh.Builds() != 1 {
		t.Fatalf("rebuild: %v, %d builds", err, fresh.Builds())
	}
	if err := os.WriteFile(files[0], []byte("damaged"), 0o644); err != nil {
		t.Fatal(err)
	}
	again := NewCache()
	again.Dir = dir
	q, err := again.Get(ctx, spec)
	if err != nil || again.Builds() != 1 || again.Loads() != 0 || !reflect.DeepEqual(p.Features, q.Features) {
		t.Fatalf("damaged cache file: %v, %d builds, %d loads", err, again.Builds(), again.Loads())
	}
}

// BenchmarkCacheLoad1M measures what a pinned raw reference costs a new
// process once its profile is cached: the source's identity check plus
// loading the cached profile of 1,000,000 values (one numeric feature, all
// in the reservoir) from Dir.
func BenchmarkCacheLoad1M(b *testing.B) {
	p := testProfile(b, 1_000_000, 1_000_000)
	root, dir := b.TempDir(), b.TempDir()
	file := filepath.Join(root, "ref", "part-0.parquet")
	if err := pqwrite.Write(file, []pqwrite.Column{{Name: "ts", Type: "timestamp"}, {Name: "x", Type: "float64"}},
		[][]any{{time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), 1.0}}); err != nil {
		b.Fatal(err)
	}
	spec := Spec{Kind: KindPath, Parquet: parquetstore.View{Root: root, Path: "ref/*.parquet", TimestampColumn: "ts",
		Features: []sample.Feature{{Name: "x", Type: sample.Float64}}}, Source: "ref"}
	fp, err := Fingerprint(context.Background(), spec)
	if err != nil {
		b.Fatal(err)
	}
	p.Fingerprint = fp
	c := &Cache{Dir: dir}
	if err := WriteFile(c.file(spec), p); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c := NewCache()
		c.Dir = dir
		got, err := c.Get(context.Background(), spec)
		if err != nil {
			b.Fatal(err)
		}
		if c.Loads() != 1 || len(got.Features["x"].Numeric.Reservoir) != 1_000_000 {
			b.Fatal("not served from the cache file")
		}
	}
}
