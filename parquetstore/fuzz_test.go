package parquetstore

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fsmon/fsmon/sample"
)

// FuzzParquetFile reads arbitrary bytes as the one Parquet file of a view,
// through every entry point (footer, null counts, window sample, as-of),
// under a 1 MiB max_read_bytes ceiling. The reader may fail, never crash:
// a panic escaping the store or an allocation beyond the ceiling that
// kills the fuzz worker is a finding. Seeds: a valid file and the crafted
// files of TestCraftedFiles.
func FuzzParquetFile(f *testing.F) {
	dir := f.TempDir()
	good := filepath.Join(dir, "seed.parquet")
	writeParquet(f, good, rowsRange(0, 60, 6))
	b, err := os.ReadFile(good)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	for _, data := range craftedFilesF(f, b) {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		root := t.TempDir()
		if err := os.WriteFile(filepath.Join(root, "f.parquet"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		s := newStore(t, root, "f.parquet", func(v *View) { v.MaxReadBytes = 1 << 20; v.Workers = 1 })
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = s.Footer(ctx)
		_, _, _ = s.NullCounts(ctx)
		_, _ = s.Sample(ctx, sample.Window{From: t0, To: t0.Add(time.Hour)}, 20)
		_, _ = s.AsOf(ctx, []sample.AsOf{{Entity: "1", Time: t0.Add(time.Hour)}, {Entity: "x", Time: t0}})
	})
}
