package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
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
	intern    []sample.Interner // per column: repeated string values share their text
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
		case f.Type.Textual():
			c.Str = make([]string, 0, capacity)
		}
		b.cols = append(b.cols, c)
		b.smp.Columns[f.Name] = c
	}
	b.invalid = make([]int, len(v.Features))
	b.intern = make([]sample.Interner, len(v.Features))
	return b
}

// add appends one row. r may be nil (entity not read: every column Absent).
func (b *builder) add(e sample.Entity, r *record) {
	b.smp.Entities = append(b.smp.Entities, e)
	b.smp.Times = append(b.smp.Times, 0)
	b.smp.HasTime = append(b.smp.HasTime, false)
	for _, c := range b.cols {
		c.Nulls = append(c.Nulls, sample.Absent)
		if c.Num != nil {
			c.Num = append(c.Num, 0)
		}
		if c.Str != nil {
			c.Str = append(c.Str, "")
		}
	}
	if r != nil {
		b.set(len(b.smp.Entities)-1, r)
	}
}

// set fills row i, added before with a nil record, from r.
func (b *builder) set(i int, r *record) {
	b.smp.Times[i], b.smp.HasTime[i] = r.ts, r.hasTS
	for j, c := range b.cols {
		f := field{null: sample.Absent}
		if j < len(r.fields) {
			f = r.fields[j]
		}
		if f.null == sample.Invalid {
			b.invalid[j]++
		}
		c.Nulls[i] = f.null
		if c.Num != nil {
			c.Num[i] = f.num
		}
		if c.Str != nil {
			if b.v.Features[j].Type == sample.String {
				f.str = b.intern[j].String(f.str)
			}
			c.Str[i] = f.str
		}
	}
}

// merge appends the rows of o, marked as coming from part, and adds its
// counts to b's.
func (b *builder) merge(o *builder, part int) {
	d, x := b.smp, o.smp
	d.Entities = append(d.Entities, x.Entities...)
	d.Times = append(d.Times, x.Times...)
	d.HasTime = append(d.HasTime, x.HasTime...)
	for range x.Entities {
		d.PartOf = append(d.PartOf, part)
	}
	for j, c := range b.cols {
		oc := o.cols[j]
		c.Nulls = append(c.Nulls, oc.Nulls...)
		if c.Num != nil {
			c.Num = append(c.Num, oc.Num...)
		}
		if c.Str != nil {
			c.Str = append(c.Str, oc.Str...)
		}
		b.invalid[j] += o.invalid[j]
	}
	d.Scanned += x.Scanned
	b.wrongType += o.wrongType
	b.noTS += o.noTS
	b.badTS += o.badTS
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
