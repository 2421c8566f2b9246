package app

import (
	"context"
	"math"
	"runtime/debug"
	"sync"
	"time"

	"github.com/fsmon/fsmon/config"

	"golang.org/x/sync/semaphore"
)

// scheduler runs functions at fixed intervals, one goroutine per view so
// that runs of one view never overlap: a run that outlasts its interval
// delays the next one instead of piling up.
type scheduler struct {
	adm      *admission
	sched    context.Context
	stopFn   context.CancelFunc
	runs     context.Context
	cancelFn context.CancelFunc
	wg       sync.WaitGroup
	// runTimeout, when positive, is every run's timeout in place of its
	// interval (Options.runTimeout, for tests).
	runTimeout time.Duration
}

// newScheduler returns a scheduler running at most maxConcurrent runs at
// the same time (DefaultMaxConcurrent when <= 0), whose estimated memory
// (every's weight) together fits in memBudget bytes (no budget when <= 0).
func newScheduler(maxConcurrent int, memBudget int64) *scheduler {
	s := &scheduler{adm: newAdmission(maxConcurrent, memBudget)}
	s.sched, s.stopFn = context.WithCancel(context.Background())
	s.runs, s.cancelFn = context.WithCancel(context.Background())
	return s
}

// every runs fn after first, then at the slots offset + k·interval (k an
// integer, times counted from the Unix epoch, as Prometheus aligns rule
// groups), so that views with different offsets stay spread over the
// interval. A run that outlasts its slot skips the slots it missed. Each
// run gets a context that ends at the run's timeout (the interval, unless
// runTimeout says otherwise) or on abort, and is admitted by the
// scheduler's admission with weight; the wait counts in its timeout.
func (s *scheduler) every(first, interval, offset time.Duration, weight int64, fn func(ctx context.Context)) {
	timeout := interval
	if s.runTimeout > 0 {
		timeout = s.runTimeout
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTimer(first)
		defer t.Stop()
		for {
			select {
			case <-s.sched.Done():
				return
			case <-t.C:
			}
			ctx, cancel := context.WithTimeout(s.runs, timeout)
			s.adm.do(ctx, weight, fn)
			cancel()
			now := time.Now()
			t.Reset(nextSlot(now, interval, offset).Sub(now))
		}
	}()
}

// admission bounds the runs under way, of serve's scheduler and of fsmon
// check alike: at most a number at the same time, and their estimated
// memory together within a budget.
type admission struct {
	slots   chan struct{}       // one per run allowed at the same time
	mem     *semaphore.Weighted // the memory budget of runs (nil: none)
	memSize int64
}

// newAdmission admits at most maxConcurrent runs at the same time
// (DefaultMaxConcurrent when <= 0) whose weights together fit in memBudget
// bytes (no budget when <= 0).
func newAdmission(maxConcurrent int, memBudget int64) *admission {
	if maxConcurrent <= 0 {
		maxConcurrent = DefaultMaxConcurrent
	}
	a := &admission{slots: make(chan struct{}, maxConcurrent)}
	if memBudget > 0 {
		a.mem, a.memSize = semaphore.NewWeighted(memBudget), memBudget
	}
	return a
}

// do runs fn(ctx) once it holds weight (estimated bytes; all of the
// budget when it weighs more) of the memory budget, first come first
// served, and then one of the slots. When ctx ends first, fn still runs,
// on its expired context, so that it records a deadline result.
func (a *admission) do(ctx context.Context, weight int64, fn func(ctx context.Context)) {
	weight = min(max(weight, 1), a.memSize)
	if a.mem != nil {
		if a.mem.Acquire(ctx, weight) != nil {
			fn(ctx)
			return
		}
		defer a.mem.Release(weight)
	}
	select {
	case a.slots <- struct{}{}:
		fn(ctx)
		<-a.slots
	case <-ctx.Done():
		fn(ctx)
	}
}

// DefaultMaxConcurrent is how many views serve checks at the same time
// unless Options.MaxConcurrent says otherwise (as many as fsmon check).
const DefaultMaxConcurrent = 2

// nextSlot is the first time after now of the form offset + k·interval.
func nextSlot(now time.Time, interval, offset time.Duration) time.Time {
	next := now.Truncate(interval).Add(offset % interval)
	for !next.After(now) {
		next = next.Add(interval)
	}
	return next
}

// stop ends scheduling; runs in flight go on.
func (s *scheduler) stop() { s.stopFn() }

// abort ends scheduling and cancels the runs in flight.
func (s *scheduler) abort() {
	s.stopFn()
	s.cancelFn()
}

// wait returns when every view's goroutine has ended.
func (s *scheduler) wait() { s.wg.Wait() }

// RunBytesPerValue is the memory one sampled value takes while a view is
// checked, measured (bench/serve_memory.sh, a heap profile at the peak of
// a run: 586 MB of live heap for 1,000,000 rows × (6 features + entity and
// event time)). A run holds the online sample, the offline sample, the
// online lookup of the offline sample's fresh entities and the offline
// as-of rows of the online sample, and the indexes between them.
const RunBytesPerValue = 75

// RunBytes estimates the memory a run of view v holds at its peak:
// sample_size × (features + 2) × RunBytesPerValue.
func RunBytes(v config.View) int64 {
	n := int64(v.SampleSize)
	if n <= 0 {
		n = 10000
	}
	return n * int64(len(v.Features)+2) * RunBytesPerValue
}

// memoryBudget is the scheduler's memory budget for Options.MemoryBudget
// b: b when positive, none when negative, and when 0 half the runtime's
// memory limit (the other half is the garbage collector's headroom), or
// none without a limit.
func memoryBudget(b int64) int64 {
	if b != 0 {
		return max(b, 0)
	}
	limit := debug.SetMemoryLimit(-1) // reads the limit
	if limit <= 0 || limit == math.MaxInt64 {
		return 0
	}
	return limit / 2
}
