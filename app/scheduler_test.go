package app

import (
	"context"
	"math"
	"runtime/debug"
	"sync"
	"testing"
	"time"

	"github.com/fsmon/fsmon/config"
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

// peakRuns schedules one 20 ms run per weight on s, all due at once, and
// returns the most that ran at the same time and how many ran.
func peakRuns(s *scheduler, weights []int64) (peak, runs int) {
	var mu sync.Mutex
	running := 0
	done := make(chan struct{}, len(weights))
	for _, w := range weights {
		s.every(0, time.Hour, 0, w, func(ctx context.Context) {
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
	for range weights {
		<-done
	}
	s.abort()
	s.wait()
	mu.Lock()
	defer mu.Unlock()
	return peak, runs
}

// runDeadline schedules one run on s with interval and returns how long
// its context had left when it started.
func runDeadline(t *testing.T, s *scheduler, interval time.Duration) time.Duration {
	t.Helper()
	left := make(chan time.Duration, 1)
	s.every(0, interval, 0, 1, func(ctx context.Context) {
		d, ok := ctx.Deadline()
		if !ok {
			t.Error("a run's context has no deadline")
		}
		left <- time.Until(d)
	})
	defer func() { s.abort(); s.wait() }()
	return <-left
}

// TestSchedulerRunDeadline: a run ends at its interval (the README's
// promise), unless tests set runTimeout, which then replaces it.
func TestSchedulerRunDeadline(t *testing.T) {
	if left := runDeadline(t, newScheduler(1, 0), time.Hour); left <= 59*time.Minute || left > time.Hour {
		t.Errorf("a run with a 1h interval has %v left when it starts, want its interval", left)
	}
	s := newScheduler(1, 0)
	s.runTimeout = 10 * time.Hour
	if left := runDeadline(t, s, time.Hour); left <= 9*time.Hour || left > 10*time.Hour {
		t.Errorf("with runTimeout 10h a run with a 1h interval has %v left when it starts, want 10h", left)
	}
}

// TestSchedulerBoundsConcurrentRuns: ten views due at once never run more
// than maxConcurrent at the same time, and all of them run.
func TestSchedulerBoundsConcurrentRuns(t *testing.T) {
	if peak, runs := peakRuns(newScheduler(3, 0), make([]int64, 10)); peak != 3 || runs != 10 {
		t.Errorf("peak %d concurrent runs of %d, want 3 of 10", peak, runs)
	}
}

// TestSchedulerMemoryBudget: runs whose estimated memory does not fit in
// the budget together wait for each other (one larger than the budget runs
// alone), while small ones still run up to maxConcurrent at once; every
// run happens.
func TestSchedulerMemoryBudget(t *testing.T) {
	for _, tc := range []struct {
		weights []int64
		want    int
	}{
		{[]int64{60, 60, 60, 60}, 1},     // two do not fit in 100
		{[]int64{500, 500, 500}, 1},      // larger than the budget: alone
		{[]int64{30, 30, 30, 30, 30}, 3}, // fit: maxConcurrent bounds them
		{[]int64{50, 50, 50, 50}, 2},     // two at a time
	} {
		peak, runs := peakRuns(newScheduler(3, 100), tc.weights)
		if peak != tc.want || runs != len(tc.weights) {
			t.Errorf("weights %v in 100: peak %d concurrent runs of %d, want %d of %d", tc.weights, peak, runs, tc.want, len(tc.weights))
		}
	}
}

func TestRunBytes(t *testing.T) {
	v := config.View{SampleSize: 1_000_000, Features: make([]config.Feature, 6)}
	if got, want := RunBytes(v), int64(1_000_000*8*RunBytesPerValue); got != want {
		t.Errorf("RunBytes = %d, want %d", got, want)
	}
	if got := memoryBudget(-1); got != 0 {
		t.Errorf("a negative budget gives %d, want none (0)", got)
	}
	if got := memoryBudget(123); got != 123 {
		t.Errorf("budget 123 gives %d", got)
	}
	old := debug.SetMemoryLimit(1 << 30)
	defer debug.SetMemoryLimit(old)
	if got := memoryBudget(0); got != 1<<29 {
		t.Errorf("with a 1 GiB memory limit the default budget is %d, want half of it", got)
	}
	debug.SetMemoryLimit(math.MaxInt64)
	if got := memoryBudget(0); got != 0 {
		t.Errorf("without a memory limit the default budget is %d, want none (0)", got)
	}
}
