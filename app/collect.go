package app

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/config"
	"github.com/fsmon/fsmon/sample"
)

// This file is the sampling protocol: which store is asked what, in which
// order. The checks package only judges the Input it is handed.

// Collect gathers the checks.Input of one view from its stores. off may be nil when
// the view has no offline store. Errors are recorded in the Input, never
// returned: Collect always returns something the checks can judge.
func Collect(ctx context.Context, v config.View, on sample.Online, off sample.Offline, now time.Time) *checks.Input {
	in, _ := collectTimed(ctx, v, on, off, now)
	return in
}

// stageTimes is how long each step of Collect took.
type stageTimes struct {
	onlineSample, footer, offlineSample, lookup, asOf time.Duration
}

// of is the time spent gathering the data a check kind judges: the
// duration fsmon_check_duration_seconds{check} reports is this plus the
// check's own evaluation, so a slow as-of lookup shows on consistency, not
// on freshness.
func (t stageTimes) of(kind string) time.Duration {
	switch kind {
	case checks.KindFreshness:
		return t.onlineSample + t.footer
	case checks.KindNullRate, checks.KindSkew:
		return t.onlineSample + t.offlineSample
	case checks.KindCoverage:
		return t.offlineSample + t.lookup
	case checks.KindConsistency:
		return t.onlineSample + t.asOf
	}
	return 0
}

// collectTimed is Collect, timing each step.
func collectTimed(ctx context.Context, v config.View, on sample.Online, off sample.Offline, now time.Time) (*checks.Input, stageTimes) {
	var t stageTimes
	timed := func(d *time.Duration, f func()) {
		start := time.Now()
		f()
		*d = time.Since(start)
	}
	in := &checks.Input{View: v, Now: now}
	n := v.SampleSize
	if n <= 0 {
		n = 10000
	}
	if on != nil {
		timed(&t.onlineSample, func() {
			guard(&in.OnlineErr, "online sample", func() { in.Online, in.OnlineErr = on.Sample(ctx, n) })
		})
		if in.OnlineErr == nil {
			noteFuture(in.Online, now, v.FutureTolerance)
		}
	} else {
		in.OnlineErr = sample.ErrNotConfigured
	}
	if off == nil || v.Offline == nil {
		return in, t
	}
	timed(&t.footer, func() {
		guard(&in.FooterErr, "offline footer", func() { in.Footer, in.FooterErr = off.Footer(ctx) })
	})
	w := sample.Window{From: now.Add(-v.Offline.Window), To: now}
	timed(&t.offlineSample, func() {
		guard(&in.OfflineErr, "offline sample", func() { in.Offline, in.OfflineErr = off.Sample(ctx, w, n) })
	})

	if in.OfflineErr == nil && on != nil && len(v.Entities) > 0 {
		in.CoverageQuery = freshEntities(in.Offline, v.TTL, now)
		if len(in.CoverageQuery) > 0 {
			timed(&t.lookup, func() {
				guard(&in.CoveredErr, "online lookup", func() { in.Covered, in.CoveredErr = on.Lookup(ctx, in.CoverageQuery) })
			})
			if in.CoveredErr == nil && in.Covered.Len() != len(in.CoverageQuery) {
				in.CoveredErr = fmt.Errorf("online lookup returned %d rows for %d entities", in.Covered.Len(), len(in.CoverageQuery))
			}
		}
	}
	if in.OnlineErr == nil && len(v.Entities) > 0 {
		var qs []sample.AsOf
		for i := 0; i < in.Online.Len(); i++ {
			if !in.Online.HasTime[i] {
				continue
			}
			in.AsOfRows = append(in.AsOfRows, i)
			qs = append(qs, sample.AsOf{Entity: in.Online.Entities[i], Time: asOfTime(in.Online.Times[i])})
		}
		if len(qs) > 0 {
			timed(&t.asOf, func() {
				guard(&in.AsOfErr, "offline as-of lookup", func() { in.AsOf, in.AsOfErr = off.AsOf(ctx, qs) })
			})
			if in.AsOfErr == nil && in.AsOf.Len() != len(qs) {
				in.AsOfErr = fmt.Errorf("offline as-of lookup returned %d rows for %d entities", in.AsOf.Len(), len(qs))
			}
		}
	}
	return in, t
}

// noteFuture adds a FutureEventTime problem to s when entities have event
// times beyond now plus the tolerance (checks.FutureLimit).
func noteFuture(s *sample.Sample, now time.Time, tol time.Duration) {
	limit, n := checks.FutureLimit(now, tol), 0
	for i, ok := range s.HasTime {
		if ok && s.Times[i] > limit {
			n++
		}
	}
	if n > 0 {
		s.Problems = append(s.Problems, sample.Problem{Kind: sample.FutureEventTime, Count: n, Message: checks.FutureMessage(n, tol)})
	}
}

// asOfTime is the point-in-time bound for an online event time. Online
// stores often keep whole seconds (unix seconds in the hash and string
// layouts, Feast before 0.59) while the offline row has micro- or
// nanoseconds: a whole-second online time matches offline rows up to the
// end of that second.
func asOfTime(ns int64) time.Time {
	if ns%int64(time.Second) == 0 {
		return time.Unix(0, ns+int64(time.Second)-1)
	}
	return time.Unix(0, ns)
}

// freshEntities returns the distinct entities of s whose newest event is
// within ttl of now (all of them when ttl is 0), sorted for repeatability.
func freshEntities(s *sample.Sample, ttl time.Duration, now time.Time) []sample.Entity {
	newest := make(map[sample.Entity]int64, s.Len())
	for i, e := range s.Entities {
		if e == "" || !s.HasTime[i] {
			continue
		}
		if t, ok := newest[e]; !ok || s.Times[i] > t {
			newest[e] = s.Times[i]
		}
	}
	out := make([]sample.Entity, 0, len(newest))
	for e, t := range newest {
		if ttl > 0 && now.UnixNano()-t > int64(ttl) {
			continue
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
