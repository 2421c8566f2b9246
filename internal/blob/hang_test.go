package blob

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestBlockingReturnsAtDeadline: a file-system call that never returns (a
// dead NFS server) leaves its caller at the deadline with the context's
// error. The hung call is simulated by a function blocked on a channel: a
// hung mount cannot be made here.
func TestBlockingReturnsAtDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	release := make(chan struct{})
	defer close(release)
	_, err := blocking(ctx, func() (int, error) {
		<-release
		return 1, nil
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the deadline", err)
	}
	// A call that returns in time gives its result.
	v, err := blocking(context.Background(), func() (int, error) { return 7, nil })
	if v != 7 || err != nil {
		t.Fatalf("got %d, %v", v, err)
	}
}

// TestDirOpenRefusesAPipe: a key that names a named pipe (here reached
// through Open directly, as when a listed file is replaced by one) is
// refused without blocking, and a cancelled context stops reads.
func TestDirOpenRefusesAPipe(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "p"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := NewDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := d.Open(ctx, Attrs{Key: "p"}); err == nil || !strings.Contains(err.Error(), "named pipe") {
		t.Errorf("Open of a pipe: %v, want a not-a-regular-file error", err)
	}
	if _, err := d.Stat(ctx, "p"); err == nil || !errors.Is(err, ErrNotExist) {
		t.Errorf("Stat of a pipe: %v, want ErrNotExist", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	r, err := d.Open(cctx, Attrs{Key: "f"})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b := make([]byte, 5)
	if n, err := r.ReadAt(b, 0); n != 5 || string(b) != "hello" || err != nil {
		t.Fatalf("ReadAt = %d %q %v", n, b, err)
	}
	cancel()
	if _, err := r.ReadAt(b, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("ReadAt after cancel: %v, want context.Canceled", err)
	}
}
