package parquetstore

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fsmon/fsmon/sample"
)

// TestFIFOUnderPathIsSkipped: a named pipe (and a symlink to one) under a
// view's path would block open(2) forever; they are skipped as problems
// naming them, never opened, and the regular file beside them is read.
func TestFIFOUnderPathIsSkipped(t *testing.T) {
	dir := t.TempDir()
	writeParquet(t, filepath.Join(dir, "good.parquet"), rowsRange(0, 100, 10))
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.parquet"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	if err := os.Symlink(filepath.Join(dir, "pipe.parquet"), filepath.Join(dir, "link.parquet")); err != nil {
		t.Fatal(err)
	}
	// A hang would hold the test until the deadline and fail below.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, path := range []string{".", "*.parquet"} {
		s := newStore(t, dir, path)
		smp, err := s.Sample(ctx, sample.Window{From: t0, To: t0.Add(100 * time.Minute)}, 50)
		if err != nil {
			t.Fatalf("path %s: Sample: %v", path, err)
		}
		if smp.Len() != 50 {
			t.Errorf("path %s: %d rows, want 50 from good.parquet", path, smp.Len())
		}
		for _, name := range []string{"pipe.parquet", "link.parquet"} {
			found := false
			for _, p := range smp.Problems {
				if strings.Contains(p.Message, name) && strings.Contains(p.Message, "not a regular file") {
					found = true
				}
			}
			if !found {
				t.Errorf("path %s: no problem names %s: %v", path, name, smp.Problems)
			}
		}
	}
	// A view whose path is the pipe itself: an error, not a hang.
	s := newStore(t, dir, "link.parquet")
	if _, err := s.Footer(ctx); err == nil || ctx.Err() != nil {
		t.Errorf("Footer of a pipe: %v (ctx %v), want an error before the deadline", err, ctx.Err())
	}
}
