package panics

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// TestRecoverOnGoroutines: a panic on one of several goroutines becomes the
// error of that goroutine's share; the others finish with theirs, and the
// process (this test binary) lives on. Without Recover the binary dies.
func TestRecoverOnGoroutines(t *testing.T) {
	errs := make([]error, 4)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() {
			defer Recover(&errs[i], fmt.Sprintf("share %d", i))
			if i == 2 {
				var replies []string
				_ = replies[i] // index out of range [2] with length 0
			}
			errs[i] = nil
		})
	}
	wg.Wait()
	for i, err := range errs {
		if (err != nil) != (i == 2) {
			t.Errorf("share %d: %v", i, err)
		}
	}
	want := "share 2: internal error (recovered panic: runtime error: index out of range [2] with length 0); please report it"
	if errs[2] == nil || errs[2].Error() != want {
		t.Fatalf("got %v, want %q", errs[2], want)
	}
	wrapped := fmt.Errorf("sample view %q: %w", "v", errs[2])
	pe := Unlogged(wrapped)
	if pe == nil || !strings.Contains(string(pe.Stack), "TestRecoverOnGoroutines") {
		t.Errorf("got %v, want the panicking function in the stack", pe)
	}
	if Unlogged(errors.New("plain")) != nil {
		t.Error("a plain error has a stack")
	}
}

// TestRecoverLog: the stack goes to the debug log once, and the error says
// so.
func TestRecoverLog(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var err error
	func() {
		defer RecoverLog(&err, "read of shard a", log)
		var m map[string]int
		m["x"] = 1
	}()
	if err == nil || !strings.Contains(err.Error(), "read of shard a: internal error (recovered panic: assignment to entry in nil map)") {
		t.Fatalf("err %v", err)
	}
	if !strings.Contains(buf.String(), "level=DEBUG msg=\"recovered panic\"") || !strings.Contains(buf.String(), "TestRecoverLog") {
		t.Errorf("log %q, want the stack at debug", buf.String())
	}
	if Unlogged(err) != nil {
		t.Error("a logged panic is reported as unlogged")
	}
}

func TestRun(t *testing.T) {
	if err := Run("x", func() error { return nil }); err != nil {
		t.Error(err)
	}
	plain := errors.New("plain")
	if err := Run("x", func() error { return plain }); err != plain {
		t.Errorf("Run changed the error: %v", err)
	}
	err := Run("read f.parquet", func() error { panic("boom") })
	var pe *Error
	if !errors.As(err, &pe) || pe.What != "read f.parquet" || pe.Value != "boom" {
		t.Errorf("got %#v", err)
	}
}
