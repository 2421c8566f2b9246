package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fsmon/fsmon/feast"
	"github.com/fsmon/fsmon/sample"
)

// The layouts of View.Layout.
const (
	LayoutHash   = "hash"
	LayoutString = "string"
	LayoutFeast  = "feast"
)

// View describes how one feature view is stored in Redis.
type View struct {
	// Name is the feature view's name (used in errors and logs).
	Name string
	// Layout is LayoutHash, LayoutString or LayoutFeast.
	Layout string
	// Key is the key template of the hash and string layouts, with one
	// {name} placeholder per entity and, for the string layout, one
	// {feature} placeholder: "fs:driver:{driver_id}", "feat:{driver_id}:{feature}".
	Key string
	// Entities are the join keys in the view's declared order; the entity
	// text of a row joins their values in this order (sample.JoinEntity).
	Entities []string
	// TimestampField is the hash field (hash layout) or the {feature} value
	// (string layout) holding the event time as unix seconds or RFC 3339.
	TimestampField string
	// Features are the features read, with their declared types.
	Features []sample.Feature
	// MaxScan is the key budget of one Sample: the number of keys SCAN may
	// ask Redis to visit (COUNT per call). 0 means no budget.
	MaxScan int

	// Project is the Feast project (feast layout).
	Project string
	// StoredName is the name the view is stored under in Redis (feast
	// layout): the registry name, or "<name>_v<N>" with online versioning.
	// Empty means Name.
	StoredName string
	// KeyVersion is Feast's entity_key_serialization_version (feast layout).
	KeyVersion int
	// JoinKeyTypes are the Feast value types of Entities, in the same order
	// (feast layout).
	JoinKeyTypes []feast.ValueType
}

// field is one decoded feature value of one entity.
type field struct {
	null sample.Null
	num  float64
	str  string
}

// record is what a layout read for one entity.
type record struct {
	hasTS     bool
	ts        int64 // unix nanoseconds
	tsInvalid bool  // a timestamp is stored but does not parse
	wrongType bool  // the key holds another Redis type
	fields    []field
}

// target is one entity to read: its text form, its key (the hash key, the
// Feast key, or the timestamp key of the string layout) and its key values.
type target struct {
	ent  sample.Entity
	key  string
	vals []string
}

// layout is what differs between the hash, string and feast layouts.
type layout interface {
	// pattern is the SCAN MATCH pattern of the view's population.
	pattern() string
	// fromKey parses a scanned key; ok is false when it does not fit.
	fromKey(key string) (target, bool)
	// fromEntity builds the target of an entity text for Lookup.
	fromEntity(e sample.Entity) (target, error)
	// fetch reads the targets in one pipelined round trip. A non-nil error
	// is a connection or context failure; per-key problems are in records.
	fetch(ctx context.Context, rdb redis.UniversalClient, ts []target) ([]record, error)
	// typeName names the Redis type the layout expects ("hashes").
	typeName() string
}

// ViewSampler samples one feature view from a Store. It implements
// sample.Online and is safe for concurrent use.
type ViewSampler struct {
	s   *Store
	v   View
	lay layout
}

var _ sample.Online = (*ViewSampler)(nil)

// View returns the sampler of v, or an error when v is not usable (unknown
// layout, key template not matching the entities, duplicate features).
func (s *Store) View(v View) (*ViewSampler, error) {
	if len(v.Entities) == 0 {
		return nil, fmt.Errorf("view %q: no entities", v.Name)
	}
	seen := map[string]bool{}
	for _, f := range v.Features {
		if seen[f.Name] {
			return nil, fmt.Errorf("view %q: feature %q listed twice", v.Name, f.Name)
		}
		seen[f.Name] = true
	}
	if v.MaxScan < 0 {
		return nil, fmt.Errorf("view %q: negative key budget %d", v.Name, v.MaxScan)
	}
	vs := &ViewSampler{s: s, v: v}
	var err error
	switch v.Layout {
	case LayoutHash, LayoutString:
		vs.lay, err = newTextLayout(&vs.v, s.cluster != nil)
	case LayoutFeast:
		vs.lay, err = newFeastLayout(&vs.v)
	default:
		err = fmt.Errorf("unknown layout %q (want hash, string or feast)", v.Layout)
	}
	if err != nil {
		return nil, fmt.Errorf("view %q: %w", v.Name, err)
	}
	return vs, nil
}

// builder accumulates the rows of a sample.
type builder struct {
	v         *View
	smp       *sample.Sample
	cols      []*sample.Column
	invalid   []int
	wrongType int
	noTS      int
	badTS     int
}

func newBuilder(v *View, capacity int) *builder {
	b := &builder{v: v, smp: &sample.Sample{Columns: map[string]*sample.Column{}, Population: -1}}
	b.smp.Entities = make([]sample.Entity, 0, capacity)
	b.smp.Times = make([]int64, 0, capacity)
	b.smp.HasTime = make([]bool, 0, capacity)
	for _, f := range v.Features {
		c := &sample.Column{Nulls: make([]sample.Null, 0, capacity)}
		switch {
		case f.Type.Numeric():
			c.Num = make([]float64, 0, capacity)
		case f.Type.Categorical():
			c.Str = make([]string, 0, capacity)
		}
		b.cols = append(b.cols, c)
		b.smp.Columns[f.Name] = c
	}
	b.invalid = make([]int, len(v.Features))
	return b
}

// add appends one row. r may be nil (entity not read: every column Absent).
func (b *builder) add(e sample.Entity, r *record) {
	b.smp.Entities = append(b.smp.Entities, e)
	if r == nil {
		r = &record{}
	}
	b.smp.Times = append(b.smp.Times, r.ts)
	b.smp.HasTime = append(b.smp.HasTime, r.hasTS)
	for j, c := range b.cols {
		f := field{null: sample.Absent}
		if j < len(r.fields) {
			f = r.fields[j]
		}
		if f.null == sample.Invalid {
			b.invalid[j]++
		}
		c.Nulls = append(c.Nulls, f.null)
		if c.Num != nil {
			c.Num = append(c.Num, f.num)
		}
		if c.Str != nil {
			c.Str = append(c.Str, f.str)
		}
	}
}

// tally counts the per-key problems of a record.
func (b *builder) tally(r *record) {
	switch {
	case r.wrongType:
		b.wrongType++
	case r.tsInvalid:
		b.badTS++
	case !r.hasTS:
		b.noTS++
	}
}

// problems appends the counted data problems to the sample (counts and
// names only, never keys or values).
func (b *builder) problems(typeName string, noTSIsProblem bool) {
	p := &b.smp.Problems
	if b.wrongType > 0 {
		*p = append(*p, sample.Problemf(sample.WrongRedisType, b.wrongType, "%d keys matching the key template are not %s", b.wrongType, typeName))
	}
	if b.badTS > 0 {
		*p = append(*p, sample.Problemf(sample.BadTimestamp, b.badTS, "%d entities have an event timestamp that does not parse", b.badTS))
	}
	if b.noTS > 0 && noTSIsProblem {
		*p = append(*p, sample.Problemf(sample.NoTimestamp, b.noTS, "%d entities have no event timestamp (not in the view's online population)", b.noTS))
	}
	for j, n := range b.invalid {
		if n > 0 {
			f := b.v.Features[j]
			*p = append(*p, sample.Problemf(sample.InvalidValue, n, "feature %s: %d values do not parse as %s", f.Name, n, f.Type))
		}
	}
	b.smp.Reads.KeysSkipped += b.wrongType
}

// stopReason says why a sample stopped early.
type stopReason int

const (
	notStopped stopReason = iota
	stopFull
	stopBudget
	stopDeadline
)

// deadlineHit reports whether err (or the context) means the context's
// deadline has passed; the rate limiter reports a wait beyond the deadline
// before it is reached.
func deadlineHit(ctx context.Context, err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return true
	}
	dl, ok := ctx.Deadline()
	if !ok || ctx.Err() != nil {
		return false
	}
	if err != nil && errors.Is(err, context.Canceled) {
		return false
	}
	// An i/o timeout set from the context deadline, or a rate limiter wait
	// that would pass it.
	return time.Until(dl) < 50*time.Millisecond || isLimiterDeadline(err)
}

// isLimiterDeadline recognizes golang.org/x/time/rate's refusal to wait
// past the context deadline (it has no sentinel error).
func isLimiterDeadline(err error) bool {
	return err != nil && strings.Contains(err.Error(), "would exceed context deadline")
}

// Sample implements sample.Online. It SCANs the view's key pattern from
// cursor 0 (every master in turn in cluster mode), reads matching keys in
// pipelined batches and keeps the entities that hold the view's event
// timestamp, until it has n of them, the key budget is spent, or ctx's
// deadline passes. A deadline with rows gathered returns them with Complete
// false and a Problems note; a deadline before any row is an error wrapping
// context.DeadlineExceeded. Cancellation is always an error.
//
// Scanned counts the distinct keys SCAN returned (those matching the
// pattern). View.MaxScan bounds the keys SCAN is asked to visit (COUNT per
// call), so a pattern matching few keys of a large keyspace stops at the
// budget instead of walking all of it; keys already returned are still read.
//
// SCAN order follows Redis' hash table buckets, i.e. a hash of the key: the
// sample is unrelated to key names, values or write times, but it is the
// same entities on every run while the keyspace is unchanged (a fixed panel
// rather than a fresh draw).
func (vs *ViewSampler) Sample(ctx context.Context, n int) (*sample.Sample, error) {
	if n <= 0 {
		return nil, fmt.Errorf("sample view %q: sample size %d is not positive", vs.v.Name, n)
	}
	s := vs.s
	pattern := vs.lay.pattern()
	masters, err := s.masters(ctx)
	if err != nil {
		return nil, fmt.Errorf("sample view %q: %w", vs.v.Name, err)
	}
	count := s.opts.ScanCount
	if vs.v.MaxScan > 0 && vs.v.MaxScan < count {
		count = vs.v.MaxScan
	}
	scanCost := max(1, count/scanCostDivisor)
	b := newBuilder(&vs.v, min(n, 1<<16))
	seen := make(map[string]struct{})
	var pending []target
	badKeys, calls := 0, 0
	stop := notStopped
	var stopErr error

	// flush reads pending targets in batches; with all false it leaves a
	// partial batch for later. It stops (stopFull) when a population row
	// beyond n turns up.
	flush := func(all bool) error {
		for len(pending) > 0 && (all || len(pending) >= s.opts.BatchSize) {
			nb := (len(pending) + s.opts.BatchSize - 1) / s.opts.BatchSize
			if !all {
				nb = len(pending) / s.opts.BatchSize
			}
			batches := make([][]target, 0, min(nb, vs.par()))
			for k := 0; len(batches) < cap(batches); k += s.opts.BatchSize {
				batches = append(batches, pending[k:min(len(pending), k+s.opts.BatchSize)])
			}
			recs, err := vs.fetchBatches(ctx, batches)
			if err != nil {
				return err
			}
			for bi, batch := range batches {
				pending = pending[len(batch):]
				for i := range recs[bi] {
					r := &recs[bi][i]
					if r.hasTS && b.smp.Len() == n {
						stop = stopFull
						return nil
					}
					b.tally(r)
					if r.hasTS {
						b.add(batch[i].ent, r)
					}
				}
			}
		}
		return nil
	}

	finished := true // every master scanned to cursor 0
scan:
	for mi, m := range masters {
		addr := m.Options().Addr
		var cursor uint64
		for {
			if vs.v.MaxScan > 0 && (calls*count >= vs.v.MaxScan || b.smp.Scanned >= vs.v.MaxScan) {
				stop = stopBudget
				finished = false
				break scan
			}
			if err := s.wait(ctx, scanCost); err != nil {
				stopErr = fmt.Errorf("scan %q on %s: %w", pattern, addr, err)
				finished = false
				break scan
			}
			keys, next, err := m.Scan(ctx, cursor, pattern, int64(count)).Result()
			if err != nil {
				stopErr = fmt.Errorf("scan %q on %s: %w", pattern, addr, err)
				finished = false
				break scan
			}
			calls++
			for _, key := range keys {
				// SCAN may return a key twice (while Redis rehashes).
				if _, dup := seen[key]; dup {
					continue
				}
				seen[key] = struct{}{}
				b.smp.Scanned++
				t, ok := vs.lay.fromKey(key)
				if !ok {
					badKeys++
					continue
				}
				pending = append(pending, t)
			}
			if err := flush(false); err != nil {
				stopErr = fmt.Errorf("read %d %s of view %q on %s: %w", min(len(pending), s.opts.BatchSize), vs.lay.typeName(), vs.v.Name, s.opts.Addr, err)
				finished = false
				break scan
			}
			cursor = next
			last := cursor == 0 && mi == len(masters)-1 && len(pending) == 0
			if stop == notStopped && b.smp.Len() == n && !last {
				// Full; whether more of the population remains is unknown.
				stop = stopFull
			}
			if stop != notStopped {
				finished = false
				break scan
			}
			if cursor == 0 {
				break
			}
		}
	}
	if stopErr == nil && (stop == notStopped || stop == stopBudget) {
		// Keys already scanned are read, also when the budget stopped SCAN.
		if err := flush(true); err != nil {
			stopErr = fmt.Errorf("read %d %s of view %q on %s: %w", min(len(pending), s.opts.BatchSize), vs.lay.typeName(), vs.v.Name, s.opts.Addr, err)
		}
	}
	if stopErr != nil {
		if !deadlineHit(ctx, stopErr) {
			return nil, fmt.Errorf("sample view %q: %w", vs.v.Name, stopErr)
		}
		if b.smp.Len() == 0 {
			return nil, fmt.Errorf("sample view %q: deadline passed before any entity was read (%d keys scanned): %w", vs.v.Name, b.smp.Scanned, context.DeadlineExceeded)
		}
		stop = stopDeadline
	}
	smp := b.smp
	smp.Complete = finished && stop == notStopped && len(pending) == 0
	if smp.Complete {
		smp.Population = smp.Len()
	}
	smp.Reads.Keys, smp.Reads.KeysSkipped = smp.Scanned, badKeys
	if badKeys > 0 {
		smp.Problems = append(smp.Problems, sample.Problemf(sample.KeyLayout, badKeys, "%d keys matched the SCAN pattern but not the view's key layout", badKeys))
	}
	b.problems(vs.lay.typeName(), vs.v.Layout != LayoutFeast)
	switch stop {
	case stopBudget:
		smp.Problems = append(smp.Problems, sample.Problemf(sample.ScanBudget, 1, "key budget of %d reached after %d matching keys: the sample holds %d of the %d entities asked for", vs.v.MaxScan, smp.Scanned, smp.Len(), n))
	case stopDeadline:
		smp.Problems = append(smp.Problems, sample.Problemf(sample.Deadline, 1, "deadline passed after %d matching keys: the sample holds %d of the %d entities asked for", smp.Scanned, smp.Len(), n))
	}
	s.log.Debug("redis sample", "view", vs.v.Name, "entities", smp.Len(), "scanned", smp.Scanned, "scan_calls", calls, "complete", smp.Complete)
	return smp, nil
}

// Lookup implements sample.Online: row i is entities[i], read by key in
// pipelined batches. An entity that is not stored (or lacks the event
// timestamp) has HasTime false; its columns hold whatever fields exist.
// Entity texts that cannot form a key are rows with HasTime false and a
// Problems note. Any Redis or context error fails the whole lookup.
func (vs *ViewSampler) Lookup(ctx context.Context, entities []sample.Entity) (*sample.Sample, error) {
	s := vs.s
	b := newBuilder(&vs.v, len(entities))
	bad := 0
	var badErr error
	// Targets of the entities that form keys; row i of a bad one stays nil.
	ts := make([]target, 0, len(entities))
	idx := make([]int, 0, len(entities))
	for i, e := range entities {
		t, err := vs.lay.fromEntity(e)
		if err != nil {
			bad++
			badErr = err
			continue
		}
		ts = append(ts, t)
		idx = append(idx, i)
	}
	recs := make([]*record, len(entities))
	step := s.opts.BatchSize * vs.par()
	for start := 0; start < len(ts); start += step {
		var batches [][]target
		for k := start; k < min(len(ts), start+step); k += s.opts.BatchSize {
			batches = append(batches, ts[k:min(len(ts), k+s.opts.BatchSize)])
		}
		got, err := vs.fetchBatches(ctx, batches)
		if err != nil {
			return nil, fmt.Errorf("lookup %d entities of view %q on %s: %w", len(entities), vs.v.Name, s.opts.Addr, err)
		}
		k := start
		for _, g := range got {
			for i := range g {
				recs[idx[k]] = &g[i]
				k++
			}
		}
	}
	for i, e := range entities {
		if r := recs[i]; r != nil && (r.wrongType || r.tsInvalid) {
			b.tally(r)
		}
		b.add(e, recs[i])
	}
	b.smp.Scanned = len(ts)
	smp := b.smp
	smp.Reads.Keys = len(ts)
	smp.Complete = true
	if bad > 0 {
		smp.Problems = append(smp.Problems, sample.Problemf(sample.KeyLayout, bad, "%d entities could not be turned into keys (%v)", bad, badErr))
	}
	b.problems(vs.lay.typeName(), false)
	return smp, nil
}

// par is the number of batches read at once: two on two connections at full
// speed (the client decodes one batch while Redis serves the next), one when
// paced so that other clients never queue behind more than one batch.
func (vs *ViewSampler) par() int {
	if vs.s.limiter == nil {
		return 2
	}
	return 1
}

// fetchBatches reads the batches, concurrently when there are several, and
// returns their records in order. Each batch first waits for the limiter.
func (vs *ViewSampler) fetchBatches(ctx context.Context, batches [][]target) ([][]record, error) {
	out := make([][]record, len(batches))
	if len(batches) == 1 {
		if err := vs.s.wait(ctx, len(batches[0])); err != nil {
			return nil, err
		}
		r, err := vs.lay.fetch(ctx, vs.s.rdb, batches[0])
		out[0] = r
		return out, err
	}
	errs := make([]error, len(batches))
	var wg sync.WaitGroup
	for i, batch := range batches {
		if err := vs.s.wait(ctx, len(batch)); err != nil {
			errs[i] = err
			break
		}
		wg.Go(func() {
			out[i], errs[i] = vs.lay.fetch(ctx, vs.s.rdb, batch)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}
