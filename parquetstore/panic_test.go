package parquetstore

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fsmon/fsmon/internal/lockedbuf"
	"github.com/fsmon/fsmon/sample"
)

// TestPanicInFileReadIsThatFilesProblem: a panic in one share of the work
// spread over goroutines (a file's footer, its window count, a column of a
// row group, a file's as-of scan) is the problem of that file or row group:
// the read goes on with the others, the problem says what panicked, and the
// stack is in the debug log. Without the recover at the goroutine, the test
// binary dies.
func TestPanicInFileReadIsThatFilesProblem(t *testing.T) {
	dir := t.TempDir()
	for i := range 3 {
		writeParquet(t, filepath.Join(dir, fmt.Sprintf("part-%d.parquet", i)), rowsRange(i*100, i*100+100, 20))
	}
	ctx := context.Background()
	now := t0.Add(300 * time.Minute)
	for _, stage := range []string{"footer", "window", "column", "as-of"} {
		t.Run(stage, func(t *testing.T) {
			var log lockedbuf.Buffer
			s := newStore(t, dir, ".", func(v *View) {
				v.Workers = 3
				v.Logger = slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))
			})
			var calls atomic.Int32
			s.testHook = func(st string) {
				if st == stage && calls.Add(1) == 1 {
					var m map[string]int
					m["x"]++
				}
			}
			var problems []sample.Problem
			switch stage {
			case "footer":
				f, err := s.Footer(ctx)
				if err != nil {
					t.Fatalf("Footer: %v", err)
				}
				if f.Files != 2 {
					t.Errorf("%d files, want the 2 that did not panic", f.Files)
				}
				problems = f.Problems
			case "window", "column":
				smp, err := s.Sample(ctx, sample.Window{From: t0, To: now}, 1000)
				if err != nil {
					t.Fatalf("Sample: %v", err)
				}
				if smp.Len() == 0 || smp.Len() >= 300 {
					t.Errorf("%d rows, want those of the shares that did not panic", smp.Len())
				}
				problems = smp.Problems
			case "as-of":
				lk, err := s.AsOf(ctx, []sample.AsOf{{Entity: "3", Time: now}})
				if err != nil {
					t.Fatalf("AsOf: %v", err)
				}
				problems = lk.Problems
			}
			found := false
			for _, p := range problems {
				if strings.Contains(p.Message, "internal error (recovered panic: assignment to entry in nil map)") &&
					strings.Contains(p.Message, ".parquet") && p.Kind.Biases() {
					found = true
				}
			}
			if !found {
				t.Errorf("problems %+v, want the panic as a file's problem", problems)
			}
			if l := log.String(); !strings.Contains(l, "recovered panic") || !strings.Contains(l, "panic_test.go") {
				t.Errorf("no stack in the debug log:\n%s", l)
			}
		})
	}
}
