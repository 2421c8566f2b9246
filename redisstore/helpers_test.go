package redisstore

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/fsmon/fsmon/internal/redistest"
	"github.com/fsmon/fsmon/sample"
)

// writer returns a plain client (default user) that tests use to load data.
func writer(t testing.TB, addr string) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{
		Addr: addr, Protocol: 2, DisableIdentity: true,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
	})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func newStore(t testing.TB, opts Options) *Store {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func newView(t testing.TB, s *Store, v View) *ViewSampler {
	t.Helper()
	vs, err := s.View(v)
	if err != nil {
		t.Fatalf("View: %v", err)
	}
	return vs
}

func hset(t testing.TB, c *redis.Client, key string, kv ...string) {
	t.Helper()
	args := make([]any, len(kv))
	for i, x := range kv {
		args[i] = x
	}
	if err := c.HSet(context.Background(), key, args...).Err(); err != nil {
		t.Fatal(err)
	}
}

func set(t testing.TB, c *redis.Client, key, val string) {
	t.Helper()
	if err := c.Set(context.Background(), key, val, 0).Err(); err != nil {
		t.Fatal(err)
	}
}

// row is one sample row in a comparable form.
type row struct {
	Entity  sample.Entity
	HasTime bool
	Time    int64
	Vals    map[string]cell
}

type cell struct {
	Null sample.Null
	Num  float64
	Str  string
}

// rows flattens a sample, checking its columns have one entry per row.
func rows(t *testing.T, s *sample.Sample, feats []sample.Feature) []row {
	t.Helper()
	if len(s.Times) != s.Len() || len(s.HasTime) != s.Len() {
		t.Fatalf("sample has %d entities, %d times, %d has-time flags", s.Len(), len(s.Times), len(s.HasTime))
	}
	out := make([]row, s.Len())
	for i := range out {
		out[i] = row{Entity: s.Entities[i], HasTime: s.HasTime[i], Time: s.Times[i], Vals: map[string]cell{}}
		if !s.HasTime[i] {
			out[i].Time = 0
		}
	}
	for _, f := range feats {
		c := s.Columns[f.Name]
		if c == nil || c.Len() != s.Len() {
			t.Fatalf("column %s missing or of the wrong length", f.Name)
		}
		if f.Type.Numeric() && len(c.Num) != s.Len() || f.Type.Categorical() && len(c.Str) != s.Len() {
			t.Fatalf("column %s: values not filled for every row", f.Name)
		}
		for i := range out {
			x := cell{Null: c.Nulls[i]}
			if x.Null == sample.Present {
				if f.Type.Numeric() {
					x.Num = c.Num[i]
				}
				if f.Type.Categorical() {
					x.Str = c.Str[i]
				}
			}
			out[i].Vals[f.Name] = x
		}
	}
	return out
}

func sortRows(r []row) []row {
	sort.Slice(r, func(i, j int) bool { return r[i].Entity < r[j].Entity })
	return r
}

func sec(s int64) int64 { return s * int64(time.Second) }

func start(t *testing.T, extra ...string) *redistest.Server {
	t.Helper()
	return redistest.Start(t, extra...)
}

func hasProblem(s *sample.Sample, want sample.Problem) bool {
	for _, p := range s.Problems {
		if p == want {
			return true
		}
	}
	return false
}
