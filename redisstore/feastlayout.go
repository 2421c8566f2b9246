package redisstore

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/redis/go-redis/v9"

	"github.com/fsmon/fsmon/feast"
	"github.com/fsmon/fsmon/sample"
)

// feastLayout reads Feast's Redis layout (docs/feast-redis-layout.md): one hash
// per project and entity key, a 4-byte murmur3 field per feature and a
// "_ts:<view>" field holding a protobuf Timestamp, read with one HMGET per
// entity as Feast itself does.
type feastLayout struct {
	v      *View
	types  []feast.ValueType
	fields []string // HMGET arguments: _ts:<view>, then one field per feature
	pat    string
}

func newFeastLayout(v *View) (*feastLayout, error) {
	if v.Project == "" {
		return nil, errors.New("feast layout: no project")
	}
	if len(v.JoinKeyTypes) != len(v.Entities) {
		return nil, fmt.Errorf("feast layout: %d join key types for %d entities", len(v.JoinKeyTypes), len(v.Entities))
	}
	for i, t := range v.JoinKeyTypes {
		if !t.IsEntityType() {
			return nil, fmt.Errorf("feast layout: join key %q has type %s, which cannot be a join key", v.Entities[i], t)
		}
	}
	if v.KeyVersion == 0 {
		v.KeyVersion = 3
	}
	if v.KeyVersion < 1 || v.KeyVersion > 3 {
		return nil, fmt.Errorf("feast layout: entity key serialization version %d not supported (want 1, 2 or 3)", v.KeyVersion)
	}
	stored := v.StoredName
	if stored == "" {
		stored = v.Name
	}
	l := &feastLayout{v: v, types: v.JoinKeyTypes, pat: feast.ScanPattern(v.Entities, v.KeyVersion, v.Project)}
	l.fields = append(l.fields, feast.TimestampField(stored))
	for _, f := range v.Features {
		l.fields = append(l.fields, feast.FieldName(stored, f.Name))
	}
	return l, nil
}

func (l *feastLayout) typeName() string { return "hashes" }

func (l *feastLayout) pattern() string { return l.pat }

func (l *feastLayout) fromKey(key string) (target, bool) {
	vals, err := feast.ParseRedisKey([]byte(key), l.v.Entities, l.types, l.v.KeyVersion, l.v.Project)
	if err != nil {
		return target{}, false
	}
	texts := make([]string, len(vals))
	for i, v := range vals {
		texts[i] = v.String()
	}
	return target{ent: sample.JoinEntity(texts...), key: key}, true
}

func (l *feastLayout) fromEntity(e sample.Entity) (target, error) {
	texts := e.Values()
	if len(texts) != len(l.v.Entities) {
		return target{}, fmt.Errorf("an entity has %d key values, the view has %d join keys", len(texts), len(l.v.Entities))
	}
	vals := make([]feast.EntityValue, len(texts))
	for i, s := range texts {
		v, err := feast.ParseEntityText(l.types[i], s)
		if err != nil {
			// The parse error may quote the value: name the join key only.
			return target{}, fmt.Errorf("a value of join key %q does not parse as %s", l.v.Entities[i], l.types[i])
		}
		vals[i] = v
	}
	key, err := feast.RedisKey(l.v.Entities, vals, l.v.KeyVersion, l.v.Project)
	if err != nil {
		return target{}, fmt.Errorf("an entity has no feast key: %w", err)
	}
	return target{ent: e, key: string(key)}, nil
}

func (l *feastLayout) fetch(ctx context.Context, rdb redis.UniversalClient, ts []target) ([]record, error) {
	pipe := rdb.Pipeline()
	cmds := make([]*redis.SliceCmd, len(ts))
	for i, t := range ts {
		cmds[i] = pipe.HMGet(ctx, t.key, l.fields...)
	}
	if _, err := pipe.Exec(ctx); batchFailed(err) {
		return nil, err
	}
	recs := make([]record, len(ts))
	nf := len(l.v.Features)
	slab := make([]field, len(ts)*nf)
	for i, c := range cmds {
		r := &recs[i]
		if err := c.Err(); err != nil {
			if !isWrongType(err) {
				return nil, err
			}
			r.wrongType = true
			continue
		}
		raw := c.Val()
		if len(raw) != 1+nf {
			return nil, fmt.Errorf("reply for one key has %d values, want %d", len(raw), 1+nf)
		}
		if s, ok := raw[0].(string); ok {
			if t, err := feast.DecodeTimestamp([]byte(s)); err == nil {
				r.hasTS, r.ts = true, sample.UnixNano(t)
			} else {
				r.tsInvalid = true
			}
		}
		r.fields = slab[i*nf : (i+1)*nf : (i+1)*nf]
		for j, f := range l.v.Features {
			s, ok := raw[1+j].(string)
			if !ok {
				r.fields[j].null = sample.Absent
				continue
			}
			r.fields[j] = decodeFeast(f.Type, s)
		}
	}
	return recs, nil
}

// nullTimestamp is the unix_timestamp_val Feast writes for a null (NaT)
// timestamp: numpy's NaT as an integer, math.MinInt64
// (type_map.NULL_TIMESTAMP_INT_VALUE).
const nullTimestamp = math.MinInt64

// decodeFeast turns a stored feast.types.Value into a field of the declared
// type: an empty value, null_val, a NaN or Feast's null timestamp is Empty;
// a value of another kind than the declared type (or bytes that do not
// decode) is Invalid; for sample.Other any non-null value is Present. A
// sample.Timestamp takes a unix_timestamp_val (or an integer) as seconds, a
// sample.Bytes a bytes_val as hex.
func decodeFeast(t sample.Type, s string) field {
	v, err := feast.DecodeValue([]byte(s))
	if err != nil {
		return field{null: sample.Invalid}
	}
	if v.Kind == feast.KindNull {
		return field{null: sample.Empty}
	}
	switch {
	case t == sample.Other:
		return field{null: sample.Present}
	case t == sample.Timestamp:
		switch v.Type {
		case feast.UnixTimestamp, feast.Int64, feast.Int32:
			// DecodeValue's float64 holds math.MinInt64 exactly.
			if v.Num == nullTimestamp {
				return field{null: sample.Empty}
			}
			return field{null: sample.Present, num: v.Num}
		}
		return field{null: sample.Invalid}
	case t == sample.Bytes:
		if v.Type == feast.Bytes {
			return field{null: sample.Present, str: v.Str}
		}
		return field{null: sample.Invalid}
	case t.Numeric() && v.Kind == feast.KindNumber:
		if math.IsNaN(v.Num) {
			return field{null: sample.Empty}
		}
		return field{null: sample.Present, num: v.Num}
	case t == sample.Bool && v.Kind == feast.KindBool:
		return field{null: sample.Present, str: v.Str}
	case t == sample.String && v.Kind == feast.KindString:
		return field{null: sample.Present, str: v.Str}
	}
	return field{null: sample.Invalid}
}
