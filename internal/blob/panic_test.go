package blob

import (
	"context"
	"strings"
	"testing"
)

// panicky panics on reads at offset 100: a bug met in a reader.
type panicky struct{}

func (panicky) ReadAt(p []byte, off int64) (int, error) {
	if off == 100 {
		var s []byte
		_ = s[off]
	}
	for i := range p {
		p[i] = byte(off)
	}
	return len(p), nil
}

func (panicky) Close() error { return nil }

// TestFetchPanicIsThatRangesError: a panic in one ranged fetch is the
// error of that range; the other ranges are fetched and the process lives
// on (without the recover, the test binary dies).
func TestFetchPanicIsThatRangesError(t *testing.T) {
	c := NewCache(panicky{})
	err := c.Fetch(context.Background(), []Range{{0, 10}, {100, 10}, {200, 10}, {300, 10}}, 2)
	if err == nil || !strings.Contains(err.Error(), "fetch bytes 100-109: ranged read: internal error (recovered panic: runtime error: index out of range [100] with length 0)") {
		t.Fatalf("Fetch: %v", err)
	}
	for _, r := range []Range{{0, 10}, {200, 10}, {300, 10}} {
		if !c.holds(r) {
			t.Errorf("range %v was not fetched", r)
		}
	}
}

// TestBlockingPanicIsAnError: a file system call that panics on the
// goroutine blocking runs it on returns an error.
func TestBlockingPanicIsAnError(t *testing.T) {
	_, err := blocking(context.Background(), func() (int, error) { panic("stat") })
	if err == nil || !strings.Contains(err.Error(), "file system call: internal error (recovered panic: stat)") {
		t.Fatalf("blocking: %v", err)
	}
}
