package app

import (
	"context"
	"fmt"
	"sort"
	"sync"
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
	in, _ := collectTimed(ctx, v, on, off, now, nil)
	return in
}

// stageTimes is how long each step of Collect took.
type stageTimes struct {
	onlineSample, footer, offlineSample, lookup, asOf time.Duration
	// replicas is the time spent reading the replicas (online.replicas),
	// the steps of all replicas running side by side.
	replicas time.Duration
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
	case checks.KindReplication:
		return t.onlineSample + t.replicas
	}
	return 0
}

// collectTimed is Collect, timing each step, with the reads of the view's
// replicas (reps) in in.Replicas.
func collectTimed(ctx context.Context, v config.View, on sample.Online, off sample.Offline, now time.Time, reps []NamedOnline) (in *checks.Input, t stageTimes) {
	timed := func(d *time.Duration, f func()) {
		start := time.Now()
		f()
		*d = time.Since(start)
	}
	in = &checks.Input{View: v, Now: now}
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
	if len(reps) > 0 {
		// First the replicas' copies of the primary's sampled entities,
		// as soon after the primary's sample as possible: writes in
		// between look like a replica ahead of the primary.
		timed(&t.replicas, func() { in.Replicas = sampleReplicas(ctx, in, reps, n) })
		defer func() { // t is a named result: the time counts
			start := time.Now()
			lookupReplicas(ctx, in, reps, off)
			t.replicas += time.Since(start)
		}()
	}
	if off == nil || v.Offline == nil {
		return in, t
	}
	timed(&t.footer, func() {
		guard(&in.FooterErr, "offline footer", func() { in.Footer, in.FooterErr = off.Footer(ctx) })
	})
	// The as-of rows of the online sample are read before the offline
	// sample: the lookup's queries, indexes and answers (as large as a
	// sample) are garbage before the offline sample and the coverage
	// lookup are read, which lowers a run's peak memory (README, "Memory").
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
	return in, t
}

// eachReplica runs f for every replica at once (each is its own server)
// and waits for all.
func eachReplica(n int, f func(i int)) {
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(i)
		}()
	}
	wg.Wait()
}

// sampleReplicas reads, on each replica, the primary's sampled population
// (the replication check's lookup) and then the replica's own sample of n
// entities (its online checks).
func sampleReplicas(ctx context.Context, in *checks.Input, reps []NamedOnline, n int) []checks.Replica {
	out := make([]checks.Replica, len(reps))
	var qs []sample.Entity
	var rows []int
	if in.OnlineErr == nil && len(in.View.Entities) > 0 {
		for i := 0; i < in.Online.Len(); i++ {
			if in.Online.HasTime[i] {
				rows = append(rows, i)
				qs = append(qs, in.Online.Entities[i])
			}
		}
	}
	eachReplica(len(reps), func(i int) {
		rep, r := reps[i], &out[i]
		r.Name, r.SameRows = rep.Name, rows
		if len(qs) > 0 {
			guard(&r.SameErr, "replica "+rep.Name+" lookup", func() { r.Same, r.SameErr = rep.Online.Lookup(ctx, qs) })
			if r.SameErr == nil && r.Same.Len() != len(qs) {
				r.SameErr = fmt.Errorf("replica lookup returned %d rows for %d entities", r.Same.Len(), len(qs))
			}
		}
		guard(&r.OnlineErr, "replica "+rep.Name+" sample", func() { r.Online, r.OnlineErr = rep.Online.Sample(ctx, n) })
		if r.OnlineErr == nil {
			noteFuture(r.Online, in.Now, in.View.FutureTolerance)
		}
	})
	return out
}

// lookupReplicas reads, for each replica, what its coverage and
// consistency need: its lookup of the offline sample's fresh entities
// (in.CoverageQuery) and the offline as-of rows of its own sample.
func lookupReplicas(ctx context.Context, in *checks.Input, reps []NamedOnline, off sample.Offline) {
	eachReplica(len(in.Replicas), func(i int) {
		rep, r := reps[i], &in.Replicas[i]
		if len(in.CoverageQuery) > 0 {
			guard(&r.CoveredErr, "replica "+rep.Name+" coverage lookup", func() { r.Covered, r.CoveredErr = rep.Online.Lookup(ctx, in.CoverageQuery) })
			if r.CoveredErr == nil && r.Covered.Len() != len(in.CoverageQuery) {
				r.CoveredErr = fmt.Errorf("replica lookup returned %d rows for %d entities", r.Covered.Len(), len(in.CoverageQuery))
			}
		}
		if off == nil || in.View.Offline == nil || r.OnlineErr != nil || len(in.View.Entities) == 0 {
			return
		}
		var qs []sample.AsOf
		for j := 0; j < r.Online.Len(); j++ {
			if r.Online.HasTime[j] {
				r.AsOfRows = append(r.AsOfRows, j)
				qs = append(qs, sample.AsOf{Entity: r.Online.Entities[j], Time: asOfTime(r.Online.Times[j])})
			}
		}
		if len(qs) == 0 {
			return
		}
		guard(&r.AsOfErr, "replica "+rep.Name+" offline as-of lookup", func() { r.AsOf, r.AsOfErr = off.AsOf(ctx, qs) })
		if r.AsOfErr == nil && r.AsOf.Len() != len(qs) {
			r.AsOfErr = fmt.Errorf("offline as-of lookup returned %d rows for %d entities", r.AsOf.Len(), len(qs))
		}
	})
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
