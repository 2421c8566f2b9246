package feasttest

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/fsmon/fsmon/feast"
	"github.com/fsmon/fsmon/internal/redistest"
	"github.com/redis/go-redis/v9"
)

const vectorsPath = "../testdata/feast_vectors.json"

type vectorFile struct {
	Cases []struct {
		Name string
		Spec struct {
			Project      string
			KeyVersion   *int   `json:"entity_key_serialization_version"`
			Precision    string `json:"timestamp_precision"`
			FeatureViews []struct {
				Name     string
				JoinKeys []struct{ Name, Type string } `json:"join_keys"`
				Features []struct{ Name, Type string }
				Rows     []struct {
					Entity    map[string]json.RawMessage
					Timestamp json.RawMessage `json:"event_timestamp"`
					Values    map[string]json.RawMessage
				}
			} `json:"feature_views"`
		}
		Expected []struct {
			RedisKeyHex string `json:"redis_key_hex"`
			Hash        []struct {
				FieldHex string `json:"field_hex"`
				ValueHex string `json:"value_hex"`
			}
		}
	}
}

func text(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

func encode(t *testing.T, typ string, raw json.RawMessage) []byte {
	t.Helper()
	if raw == nil || string(raw) == "null" {
		return Null()
	}
	var n json.Number
	_ = json.Unmarshal(raw, &n)
	i, _ := n.Int64()
	f, _ := n.Float64()
	switch typ {
	case "FLOAT":
		return Float(float32(f))
	case "DOUBLE":
		return Double(f)
	case "INT64":
		return Int64(i)
	case "INT32":
		return Int32(int32(i))
	case "UNIX_TIMESTAMP":
		return UnixTimestamp(i)
	case "BOOL":
		return Bool(string(raw) == "true")
	case "STRING":
		return String(text(raw))
	case "BYTES":
		b, err := hex.DecodeString(text(raw))
		if err != nil {
			t.Fatal(err)
		}
		return Bytes(b)
	}
	t.Fatalf("type %s not handled", typ)
	return nil
}

func eventTime(t *testing.T, raw json.RawMessage) time.Time {
	t.Helper()
	var s string
	if json.Unmarshal(raw, &s) == nil {
		ts, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	var sec int64
	if err := json.Unmarshal(raw, &sec); err != nil {
		t.Fatal(err)
	}
	return time.Unix(sec, 0)
}

// TestWriteViewVectors writes every vector case into a real redis-server
// and compares what Redis holds with the bytes Feast wrote.
func TestWriteViewVectors(t *testing.T) {
	data, err := os.ReadFile(vectorsPath)
	if errors.Is(err, os.ErrNotExist) && os.Getenv("CI") != "true" {
		t.Skipf("%s not found; skipping", vectorsPath)
	}
	if err != nil {
		t.Fatal(err)
	}
	var vf vectorFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&vf); err != nil {
		t.Fatal(err)
	}
	srv := redistest.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer rdb.Close()
	ctx := context.Background()
	for _, c := range vf.Cases {
		t.Run(c.Name, func(t *testing.T) {
			if err := rdb.FlushDB(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			w := Writer{Project: c.Spec.Project, Version: 3, SecondsOnly: c.Spec.Precision == "seconds"}
			if c.Spec.KeyVersion != nil {
				w.Version = *c.Spec.KeyVersion
			}
			for _, fv := range c.Spec.FeatureViews {
				var jk []string
				for _, k := range fv.JoinKeys {
					jk = append(jk, k.Name)
				}
				var rows []Row
				for _, r := range fv.Rows {
					row := Row{Event: eventTime(t, r.Timestamp)}
					for _, k := range fv.JoinKeys {
						vt, _ := feast.ParseValueType(k.Type)
						ev, err := feast.ParseEntityText(vt, text(r.Entity[k.Name]))
						if err != nil {
							t.Fatal(err)
						}
						row.Entity = append(row.Entity, ev)
					}
					for _, f := range fv.Features {
						if raw, ok := r.Values[f.Name]; ok {
							row.Values = append(row.Values, Field{f.Name, encode(t, f.Type, raw)})
						}
					}
					rows = append(rows, row)
				}
				if err := w.Write(ctx, rdb, fv.Name, jk, rows); err != nil {
					t.Fatal(err)
				}
			}
			keys, err := rdb.Keys(ctx, "*").Result() // test server only
			if err != nil {
				t.Fatal(err)
			}
			if len(keys) != len(c.Expected) {
				t.Errorf("%d keys in Redis, want %d", len(keys), len(c.Expected))
			}
			for _, e := range c.Expected {
				key, _ := hex.DecodeString(e.RedisKeyHex)
				got, err := rdb.HGetAll(ctx, string(key)).Result()
				if err != nil {
					t.Fatal(err)
				}
				want := map[string]string{}
				for _, h := range e.Hash {
					f, _ := hex.DecodeString(h.FieldHex)
					v, _ := hex.DecodeString(h.ValueHex)
					want[string(f)] = string(v)
				}
				if len(got) != len(want) {
					t.Errorf("key %x: %d fields, want %d", key, len(got), len(want))
				}
				for f, v := range want {
					if g, ok := got[f]; !ok || g != v {
						t.Errorf("key %x field %x = %x (present %t), want %x", key, f, g, ok, v)
					}
				}
				if ttl := rdb.TTL(ctx, string(key)).Val(); ttl != -1 {
					t.Errorf("key %x has TTL %v, want none", key, ttl)
				}
			}
		})
	}
}

func TestWriterDedupAndTTL(t *testing.T) {
	srv := redistest.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer rdb.Close()
	ctx := context.Background()
	jk := []string{"driver_id"}
	ent := []feast.EntityValue{{Type: feast.Int64, Int: 1}}
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	row := func(ts time.Time, v int64) Row {
		return Row{Entity: ent, Event: ts, Values: []Field{{"x", Int64(v)}}}
	}
	w := Writer{Project: "p", Version: 3, KeyTTL: time.Hour}
	// In one batch: the second row (equal time) and the third (older) are skipped.
	if err := w.Write(ctx, rdb, "fv", jk, []Row{row(t0, 1), row(t0, 2), row(t0.Add(-time.Second), 3)}); err != nil {
		t.Fatal(err)
	}
	key, _ := feast.RedisKey(jk, ent, 3, "p")
	field := feast.FieldName("fv", "x")
	if got := rdb.HGet(ctx, string(key), field).Val(); got != string(Int64(1)) {
		t.Errorf("after batch: value %x, want %x", got, Int64(1))
	}
	if ttl := rdb.TTL(ctx, string(key)).Val(); ttl <= 0 || ttl > time.Hour {
		t.Errorf("TTL %v, want about 1h", ttl)
	}
	// A later batch with an equal time is skipped; a newer one written.
	_ = w.Write(ctx, rdb, "fv", jk, []Row{row(t0, 4)})
	if got := rdb.HGet(ctx, string(key), field).Val(); got != string(Int64(1)) {
		t.Errorf("equal time overwrote: %x", got)
	}
	_ = w.Write(ctx, rdb, "fv", jk, []Row{row(t0.Add(time.Microsecond), 5)})
	if got := rdb.HGet(ctx, string(key), field).Val(); got != string(Int64(5)) {
		t.Errorf("newer time not written: %x", got)
	}
	// SkipDedup writes everything in order.
	w.SkipDedup = true
	_ = w.Write(ctx, rdb, "fv", jk, []Row{row(t0, 6)})
	if got := rdb.HGet(ctx, string(key), field).Val(); got != string(Int64(6)) {
		t.Errorf("skip_dedup: %x, want %x", got, Int64(6))
	}
	var names []string
	for f := range rdb.HGetAll(ctx, string(key)).Val() {
		names = append(names, f)
	}
	sort.Strings(names)
	if len(names) != 2 || names[1] != "_ts:fv" {
		t.Errorf("fields %q, want the feature and _ts:fv", names)
	}
}

func TestEncodersSpecBytes(t *testing.T) {
	// docs/feast-redis-layout.md sections 4.1 and 4.3.
	for _, c := range []struct {
		got  []byte
		want string
	}{
		{Float(0.5), "350000003f"},
		{Int64(17), "2011"},
		{Int64(0), "2000"},
		{Bool(false), "3800"},
		{String(""), "1200"},
		{Int32(-5), "18fbffffffffffffffff01"},
		{Int64List(1, -1), "720d0a0b01ffffffffffffffffff01"},
		{FloatList(1), "8201060a040000803f"},
		{FloatList(), "820100"},
		{Timestamp(time.Unix(0, 0), false), ""},
		{Timestamp(time.Date(1969, 12, 31, 23, 59, 59, 500000000, time.UTC), false), "08ffffffffffffffffff011080cab5ee01"},
	} {
		if hex.EncodeToString(c.got) != c.want {
			t.Errorf("got %x, want %s", c.got, c.want)
		}
	}
}
