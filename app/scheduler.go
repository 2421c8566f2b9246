package app

import (
	"context"
	"sync"
	"time"
)

// scheduler runs functions at fixed intervals, one goroutine per view so
// that runs of one view never overlap: a run that outlasts its interval
// delays the next one instead of piling up.
type scheduler struct {
	slots    chan struct{} // one per run allowed at the same time
	sched    context.Context
	stopFn   context.CancelFunc
	runs     context.Context
	cancelFn context.CancelFunc
	wg       sync.WaitGroup
}

// newScheduler returns a scheduler running at most maxConcurrent runs at
// the same time (DefaultMaxConcurrent when <= 0).
func newScheduler(maxConcurrent int) *scheduler {
	if maxConcurrent <= 0 {
		maxConcurrent = DefaultMaxConcurrent
	}
	s := &scheduler{slots: make(chan struct{}, maxConcurrent)}
	s.sched, s.stopFn = context.WithCancel(context.Background())
	s.runs, s.cancelFn = context.WithCancel(context.Background())
	return s
}

// every runs fn after first, then at the slots offset + k·interval (k an
// integer, times counted from the Unix epoch, as Prometheus aligns rule
// groups), so that views with different offsets stay spread over the
// interval. A run that outlasts its slot skips the slots it missed. Each
// run gets a context that ends at the run's timeout (the interval) or on
// abort. A run waits for one of the scheduler's slots; the wait counts in
// its timeout (a run whose time is up before it gets a slot still runs,
// on its expired context, so that it records a deadline result).
func (s *scheduler) every(first, interval, offset time.Duration, fn func(ctx context.Context)) {
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
			ctx, cancel := context.WithTimeout(s.runs, interval)
			select {
			case s.slots <- struct{}{}:
				fn(ctx)
				<-s.slots
			case <-ctx.Done():
				fn(ctx)
			}
			cancel()
			now := time.Now()
			t.Reset(nextSlot(now, interval, offset).Sub(now))
		}
	}()
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
