package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/fsmon/fsmon/sample"
)

// textLayout reads the hash layout (one hash per entity, HMGET of the
// timestamp field and the features) and the string layout (one string key
// per entity and feature, read with MGET, or GET in cluster mode where the
// keys of one entity may live in different slots).
type textLayout struct {
	v       *View
	str     bool
	cluster bool
	full    *template   // the view's template (string layout: with {feature})
	tsKey   *template   // the template of the key scanned for (string: {feature} = timestamp field)
	feat    []*template // string layout: one template per feature
	fields  []string    // hash layout: HMGET arguments (timestamp field, features...)
}

func newTextLayout(v *View, cluster bool) (*textLayout, error) {
	if v.Key == "" {
		return nil, errors.New("no key template")
	}
	if v.TimestampField == "" {
		return nil, errors.New("no timestamp field")
	}
	str := v.Layout == LayoutString
	t, err := parseTemplate(v.Key, v.Entities, str)
	if err != nil {
		return nil, err
	}
	l := &textLayout{v: v, str: str, cluster: cluster, full: t}
	if str {
		l.tsKey = t.withFeature(v.TimestampField)
		for _, f := range v.Features {
			l.feat = append(l.feat, t.withFeature(f.Name))
		}
	} else {
		l.tsKey = t
		l.fields = append(l.fields, v.TimestampField)
		for _, f := range v.Features {
			l.fields = append(l.fields, f.Name)
		}
	}
	return l, nil
}

func (l *textLayout) typeName() string {
	if l.str {
		return "strings"
	}
	return "hashes"
}

func (l *textLayout) pattern() string { return l.tsKey.pattern() }

func (l *textLayout) fromKey(key string) (target, bool) {
	vals, ok := l.tsKey.parse(key, len(l.v.Entities))
	if !ok {
		return target{}, false
	}
	return target{ent: sample.JoinEntity(vals...), key: key, vals: vals}, true
}

func (l *textLayout) fromEntity(e sample.Entity) (target, error) {
	vals := e.Values()
	if len(vals) != len(l.v.Entities) {
		return target{}, fmt.Errorf("an entity has %d key values, the view has %d join keys", len(vals), len(l.v.Entities))
	}
	return target{ent: e, key: l.tsKey.build(vals), vals: vals}, nil
}

// fetch reads a batch in one pipeline.
func (l *textLayout) fetch(ctx context.Context, rdb redis.UniversalClient, ts []target) ([]record, error) {
	pipe := rdb.Pipeline()
	var hm []*redis.SliceCmd
	var gets [][]*redis.StringCmd
	switch {
	case !l.str:
		hm = make([]*redis.SliceCmd, len(ts))
		for i, t := range ts {
			hm[i] = pipe.HMGet(ctx, t.key, l.fields...)
		}
	case !l.cluster:
		hm = make([]*redis.SliceCmd, len(ts))
		keys := make([]string, 0, 1+len(l.feat))
		for i, t := range ts {
			keys = append(keys[:0], t.key)
			for _, ft := range l.feat {
				keys = append(keys, ft.build(t.vals))
			}
			hm[i] = pipe.MGet(ctx, keys...)
		}
	default:
		gets = make([][]*redis.StringCmd, len(ts))
		for i, t := range ts {
			g := make([]*redis.StringCmd, 0, 1+len(l.feat))
			g = append(g, pipe.Get(ctx, t.key))
			for _, ft := range l.feat {
				g = append(g, pipe.Get(ctx, ft.build(t.vals)))
			}
			gets[i] = g
		}
	}
	if _, err := pipe.Exec(ctx); batchFailed(err) {
		return nil, err
	}
	recs := make([]record, len(ts))
	slab := make([]field, len(ts)*len(l.v.Features))
	raw := make([]any, 1+len(l.v.Features))
	for i := range ts {
		r := &recs[i]
		if hm != nil {
			if err := hm[i].Err(); err != nil {
				if !isWrongType(err) {
					return nil, err
				}
				r.wrongType = true
				continue
			}
			raw = hm[i].Val()
			if len(raw) != 1+len(l.v.Features) {
				return nil, fmt.Errorf("reply for one key has %d values, want %d", len(raw), 1+len(l.v.Features))
			}
		} else {
			for j, g := range gets[i] {
				v, err := g.Result()
				switch {
				case err == nil:
					raw[j] = v
				case errors.Is(err, redis.Nil):
					raw[j] = nil
				case isWrongType(err):
					// A key of another type: the timestamp key makes the
					// entity unreadable, a feature key an invalid value.
					if j == 0 {
						r.wrongType = true
					}
					raw[j] = wrongType{}
				default:
					return nil, err
				}
			}
			if r.wrongType {
				continue
			}
		}
		nf := len(l.v.Features)
		r.fields = slab[i*nf : (i+1)*nf : (i+1)*nf]
		l.decode(r, raw)
	}
	return recs, nil
}

// wrongType marks a string-layout feature key holding another Redis type.
type wrongType struct{}

// decode fills r (whose fields are allocated) from the raw replies: raw[0] is the timestamp, raw[1:] the
// features; nil is a missing field or key.
func (l *textLayout) decode(r *record, raw []any) {
	if s, ok := raw[0].(string); ok {
		if ns, ok := parseTextTime(s); ok {
			r.hasTS, r.ts = true, ns
		} else {
			r.tsInvalid = true
		}
	}
	for j, f := range l.v.Features {
		fl := &r.fields[j]
		var s string
		switch x := raw[1+j].(type) {
		case string:
			s = x
		case wrongType:
			fl.null = sample.Invalid
			continue
		default:
			fl.null = sample.Absent
			continue
		}
		fl.null, fl.num, fl.str = parseText(f.Type, s)
	}
}

// batchFailed reports whether the error of a pipeline's Exec fails the
// whole batch. Exec returns the first failed command's error. A connection
// that cannot be set up (AUTH or SELECT refused: WRONGPASS, NOAUTH, a db out
// of range) fails with a Redis reply too, but go-redis then leaves the
// commands with neither replies nor errors, so every error other than the
// per-key replies the layouts handle (WRONGTYPE, and the nil reply of GET)
// fails the batch.
func batchFailed(err error) bool {
	return err != nil && !isWrongType(err) && !errors.Is(err, redis.Nil)
}

// isRedisError reports whether err is a reply from Redis (including a nil
// reply) rather than a connection or context failure.
func isRedisError(err error) bool {
	var re redis.Error
	return errors.As(err, &re)
}

// isWrongType reports whether err is Redis' WRONGTYPE reply (a key of
// another type); other replies such as NOPERM are real errors.
func isWrongType(err error) bool {
	return isRedisError(err) && strings.HasPrefix(err.Error(), "WRONGTYPE")
}
