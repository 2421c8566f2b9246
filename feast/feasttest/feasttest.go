// Package feasttest writes data the way Feast does, for tests: Redis
// hashes in Feast's online layout (as RedisOnlineStore.online_write_batch
// writes them) and file registries. It is for tests only; fsmon itself
// never writes to the stores it watches.
package feasttest

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/fsmon/fsmon/feast"
	"github.com/redis/go-redis/v9"
	"google.golang.org/protobuf/encoding/protowire"
)

// Field is one feature value of a row: Value is a serialized
// feast.types.Value (see the encoders below); nil or empty is Feast's null
// (the field is written with an empty value).
type Field struct {
	Name  string
	Value []byte
}

// Row is one entity row of a feature view: the entity's join key values in
// the order of the joinKeys given to WriteView, its event time and its
// feature values (written in this order).
type Row struct {
	Entity []feast.EntityValue
	Event  time.Time
	Values []Field
}

// Writer writes rows like Feast's RedisOnlineStore.online_write_batch.
type Writer struct {
	Project string
	// Version is entity_key_serialization_version (1, 2 or 3).
	Version int
	// KeyTTL, when > 0, is key_ttl_seconds: EXPIRE after each write.
	KeyTTL time.Duration
	// SkipDedup writes every row (Feast's skip_dedup); otherwise rows whose
	// event time is not newer than the stored _ts are skipped, as Feast ≥ 0.59
	// does.
	SkipDedup bool
	// SecondsOnly writes timestamps without nanos, as Feast < 0.59 did.
	SecondsOnly bool
}

// WriteView writes rows of view (its stored name) with join keys joinKeys
// into project with key version version, like Feast's default write path
// (de-duplication on, no key TTL).
func WriteView(ctx context.Context, rdb redis.Cmdable, project string, version int, view string, joinKeys []string, rows []Row) error {
	return Writer{Project: project, Version: version}.Write(ctx, rdb, view, joinKeys, rows)
}

// Write writes rows of view (its stored name): for each row one
// HSET key _ts:view <Timestamp> field <Value>... and, with KeyTTL, an EXPIRE.
func (w Writer) Write(ctx context.Context, rdb redis.Cmdable, view string, joinKeys []string, rows []Row) error {
	keys := make([]string, len(rows))
	for i, r := range rows {
		k, err := feast.RedisKey(joinKeys, r.Entity, w.Version, w.Project)
		if err != nil {
			return fmt.Errorf("row %d: %w", i, err)
		}
		keys[i] = string(k)
	}
	tsField := feast.TimestampField(view)
	stamp := func(t time.Time) int64 {
		if w.SecondsOnly {
			return t.Unix() * 1e9
		}
		return t.Unix()*1e9 + int64(t.Nanosecond()/1000*1000)
	}
	latest := map[string]int64{}
	if !w.SkipDedup {
		pipe := rdb.Pipeline()
		cmds := make([]*redis.SliceCmd, len(rows))
		for i := range rows {
			cmds[i] = pipe.HMGet(ctx, keys[i], tsField)
		}
		if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
			return fmt.Errorf("read stored timestamps: %w", err)
		}
		for i, c := range cmds {
			vals, err := c.Result()
			if err != nil || len(vals) == 0 || vals[0] == nil {
				continue
			}
			s, _ := vals[0].(string)
			t, err := feast.DecodeTimestamp([]byte(s))
			if err != nil {
				return fmt.Errorf("row %d: stored _ts: %w", i, err)
			}
			latest[keys[i]] = max(latest[keys[i]], t.Unix()*1e9+int64(t.Nanosecond()))
		}
	}
	pipe := rdb.Pipeline()
	for i, r := range rows {
		now := stamp(r.Event)
		if !w.SkipDedup {
			if prev := latest[keys[i]]; prev != 0 && now <= prev {
				continue
			}
			latest[keys[i]] = now
		}
		args := []any{tsField, Timestamp(r.Event, w.SecondsOnly)}
		for _, f := range r.Values {
			args = append(args, feast.FieldName(view, f.Name), f.Value)
		}
		pipe.HSet(ctx, keys[i], args...)
		if w.KeyTTL > 0 {
			pipe.Expire(ctx, keys[i], w.KeyTTL)
		}
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("write view %s: %w", view, err)
	}
	return nil
}

// Timestamp serializes t as google.protobuf.Timestamp the way Feast does:
// whole seconds (floor) and microseconds as nanos, or whole seconds only.
func Timestamp(t time.Time, secondsOnly bool) []byte {
	var b []byte
	sec := t.Unix()
	nanos := int64(t.Nanosecond()) / 1000 * 1000
	if secondsOnly {
		nanos = 0
	}
	if sec != 0 {
		b = protowire.AppendTag(b, 1, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(sec))
	}
	if nanos != 0 {
		b = protowire.AppendTag(b, 2, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(nanos))
	}
	if b == nil {
		b = []byte{}
	}
	return b
}

func varint(num protowire.Number, v uint64) []byte {
	b := protowire.AppendTag(nil, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

func lenDelim(num protowire.Number, p []byte) []byte {
	b := protowire.AppendTag(nil, num, protowire.BytesType)
	return protowire.AppendBytes(b, p)
}

// Null is Feast's null value: zero bytes.
func Null() []byte { return []byte{} }

// Int64 encodes an int64_val.
func Int64(v int64) []byte { return varint(4, uint64(v)) }

// Int32 encodes an int32_val (negative values take 10 bytes).
func Int32(v int32) []byte { return varint(3, uint64(int64(v))) }

// UnixTimestamp encodes a unix_timestamp_val (epoch seconds).
func UnixTimestamp(v int64) []byte { return varint(8, uint64(v)) }

// Bool encodes a bool_val.
func Bool(v bool) []byte {
	if v {
		return varint(7, 1)
	}
	return varint(7, 0)
}

// Float encodes a float_val.
func Float(v float32) []byte {
	b := protowire.AppendTag(nil, 6, protowire.Fixed32Type)
	return protowire.AppendFixed32(b, math.Float32bits(v))
}

// Double encodes a double_val.
func Double(v float64) []byte {
	b := protowire.AppendTag(nil, 5, protowire.Fixed64Type)
	return protowire.AppendFixed64(b, math.Float64bits(v))
}

// String encodes a string_val.
func String(v string) []byte { return lenDelim(2, []byte(v)) }

// Bytes encodes a bytes_val.
func Bytes(v []byte) []byte { return lenDelim(1, v) }

// Int64List encodes an int64_list_val (packed).
func Int64List(vs ...int64) []byte {
	var packed []byte
	for _, v := range vs {
		packed = protowire.AppendVarint(packed, uint64(v))
	}
	var inner []byte
	if len(vs) > 0 {
		inner = lenDelim(1, packed)
	}
	return lenDelim(14, inner)
}

// FloatList encodes a float_list_val (packed).
func FloatList(vs ...float32) []byte {
	var packed []byte
	for _, v := range vs {
		packed = protowire.AppendFixed32(packed, math.Float32bits(v))
	}
	var inner []byte
	if len(vs) > 0 {
		inner = lenDelim(1, packed)
	}
	return lenDelim(16, inner)
}

// SavedDataset returns the bytes of one Registry.saved_datasets entry (field
// 11) as Feast writes it for a dataset stored in files at uri; append them
// to a serialized registry to add the dataset.
func SavedDataset(name, project, uri string, features, joinKeys []string, fullFeatureNames bool) []byte {
	return lenDelim(11, SavedDatasetProto(name, project, uri, features, joinKeys, fullFeatureNames))
}

// SavedDatasetProto returns a serialized feast.core.SavedDataset as Feast
// writes it for a dataset stored in files at uri (the saved_dataset_proto
// of a SQL registry's row).
func SavedDatasetProto(name, project, uri string, features, joinKeys []string, fullFeatureNames bool) []byte {
	var spec []byte
	spec = append(spec, lenDelim(1, []byte(name))...)
	spec = append(spec, lenDelim(2, []byte(project))...)
	for _, f := range features {
		spec = append(spec, lenDelim(3, []byte(f))...)
	}
	for _, k := range joinKeys {
		spec = append(spec, lenDelim(4, []byte(k))...)
	}
	if fullFeatureNames {
		spec = append(spec, varint(5, 1)...)
	}
	fileOpts := lenDelim(2, []byte(uri))
	storage := lenDelim(4, fileOpts)
	spec = append(spec, lenDelim(6, storage)...)
	return lenDelim(1, spec)
}
