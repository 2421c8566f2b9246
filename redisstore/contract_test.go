package redisstore

import (
	"context"
	"fmt"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/fsmon/fsmon/internal/redistest"
	"github.com/fsmon/fsmon/sample"
	"github.com/fsmon/fsmon/sample/sampletest"
)

// TestContractHash runs the store contract on the hash layout of a real
// redis-server.
func TestContractHash(t *testing.T) {
	sampletest.RunOnline(t, func(t *testing.T, rows []sampletest.Row) sample.Online {
		srv := redistest.Start(t)
		rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
		defer rdb.Close()
		for _, r := range rows {
			var args []any
			if r.HasTime {
				args = append(args, "ts", fmt.Sprint(r.Time.Unix()))
			}
			for _, f := range sampletest.Features {
				v, ok := r.Values[f.Name]
				if !ok {
					continue
				}
				text := ""
				if v != nil {
					text = fmt.Sprint(v)
				}
				args = append(args, f.Name, text)
			}
			if err := rdb.HSet(context.Background(), fmt.Sprintf("ct:%d", r.ID), args...).Err(); err != nil {
				t.Fatal(err)
			}
		}
		st, err := New(Options{Addr: srv.Addr})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		vs, err := st.View(View{Name: "contract", Layout: LayoutHash, Key: "ct:{id}", Entities: []string{"id"},
			TimestampField: "ts", Features: sampletest.Features})
		if err != nil {
			t.Fatal(err)
		}
		return vs
	})
}
