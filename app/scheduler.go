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
	sched    context.Context
	stopFn   context.CancelFunc
	runs     context.Context
	cancelFn context.CancelFunc
	wg       sync.WaitGroup
}

func newScheduler() *scheduler {
	s := &scheduler{}
	s.sched, s.stopFn = context.WithCancel(context.Background())
	s.runs, s.cancelFn = context.WithCancel(context.Background())
	return s
}

// every runs fn after first and then every interval. Each run gets a
// context that ends at the run's timeout (the interval) or on abort.
func (s *scheduler) every(first, interval time.Duration, fn func(ctx context.Context)) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTimer(first)
		defer t.Stop()
		next := time.Now().Add(first)
		for {
			select {
			case <-s.sched.Done():
				return
			case <-t.C:
			}
			ctx, cancel := context.WithTimeout(s.runs, interval)
			fn(ctx)
			cancel()
			// Keep the phase: skip the slots a long run missed.
			next = next.Add(interval)
			now := time.Now()
			for !next.After(now) {
				next = next.Add(interval)
			}
			t.Reset(next.Sub(now))
		}
	}()
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
