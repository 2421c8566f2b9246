package app

import (
	"context"
	"sync"
	"testing"
	"time"
)

func TestNextSlot(t *testing.T) {
	base := time.Unix(1700000100, 0) // a multiple of 5m
	for _, tc := range []struct {
		now           time.Time
		interval, off time.Duration
		want          time.Time
	}{
		{base, 5 * time.Minute, 30 * time.Second, base.Add(30 * time.Second)},
		{base.Add(31 * time.Second), 5 * time.Minute, 30 * time.Second, base.Add(5*time.Minute + 30*time.Second)},
		{base.Add(30 * time.Second), 5 * time.Minute, 30 * time.Second, base.Add(5*time.Minute + 30*time.Second)},
		{base.Add(time.Second), time.Minute, 0, base.Add(time.Minute)},
	} {
		if got := nextSlot(tc.now, tc.interval, tc.off); !got.Equal(tc.want) {
			t.Errorf("nextSlot(%v, %v, %v) = %v, want %v", tc.now.Sub(base), tc.interval, tc.off, got.Sub(base), tc.want.Sub(base))
		}
	}
}

func TestViewOffsetsSpread(t *testing.T) {
	// Different views land on different offsets, each inside the span.
	seen := map[time.Duration]bool{}
	for _, name := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		o := viewOffset(viewKey{"p", name}, 5*time.Minute)
		if o < 0 || o >= 5*time.Minute {
			t.Fatalf("offset %v outside [0, 5m)", o)
		}
		seen[o] = true
	}
	if len(seen) < 7 {
		t.Fatalf("offsets not spread: %v", seen)
	}
	if viewOffset(viewKey{"p", "a"}, 5*time.Minute) != viewOffset(viewKey{"p", "a"}, 5*time.Minute) {
		t.Fatal("offset not stable")
	}
}

// TestSchedulerBoundsConcurrentRuns: ten views due at once never run more
// than maxConcurrent at the same time, and all of them run.
func TestSchedulerBoundsConcurrentRuns(t *testing.T) {
	s := newScheduler(3)
	var mu sync.Mutex
	running, peak, runs := 0, 0, 0
	done := make(chan struct{}, 10)
	for range 10 {
		s.every(0, time.Hour, 0, func(ctx context.Context) {
			mu.Lock()
			running++
			peak = max(peak, running)
			mu.Unlock()
			time.Sleep(20 * time.Millisecond)
			mu.Lock()
			running--
			runs++
			mu.Unlock()
			done <- struct{}{}
		})
	}
	for range 10 {
		<-done
	}
	s.abort()
	s.wait()
	if peak != 3 || runs != 10 {
		t.Errorf("peak %d concurrent runs of %d, want 3 of 10", peak, runs)
	}
}
