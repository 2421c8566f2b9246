package redisstore

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/fsmon/fsmon/internal/lockedbuf"
	"github.com/fsmon/fsmon/internal/redistest"
	"github.com/fsmon/fsmon/sample"
)

// TestPanicInBatchReadIsAnError: a panic on one of the goroutines that read
// pipelined batches in parallel (full speed), where the first issue-13 crash
// was (a decode indexing an empty reply), is an error of the sample naming
// it, with the stack in the debug log; the next sample, without the fault,
// works. Without the recover at the goroutine, the test binary dies.
func TestPanicInBatchReadIsAnError(t *testing.T) {
	srv := start(t)
	c := writer(t, srv.Addr)
	for i := range 500 {
		hset(t, c, fmt.Sprintf("sh:%d", i), "ts", "1700000000", "conv_rate", "0.5")
	}
	var log lockedbuf.Buffer
	s := newStore(t, Options{Addr: srv.Addr, BatchSize: 50, Logger: slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	s.testHook = func(where, _ string) {
		if where == "fetch" {
			var replies []string
			_ = replies[0]
		}
	}
	vs := newView(t, s, shardView())
	ctx := context.Background()
	_, err := vs.Sample(ctx, 500)
	if err == nil || !strings.Contains(err.Error(), `read of a batch of view "sharded": internal error (recovered panic: runtime error: index out of range [0] with length 0)`) {
		t.Fatalf("Sample: %v, want the recovered panic", err)
	}
	if l := log.String(); !strings.Contains(l, "recovered panic") || !strings.Contains(l, "panic_test.go") {
		t.Errorf("the stack is not in the debug log:\n%s", l)
	}
	_, err = vs.Lookup(ctx, []sample.Entity{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20",
		"21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31", "32", "33", "34", "35", "36", "37", "38", "39", "40",
		"41", "42", "43", "44", "45", "46", "47", "48", "49", "50", "51", "52", "53", "54", "55", "56", "57", "58", "59", "60"})
	if err == nil || !strings.Contains(err.Error(), "recovered panic") {
		t.Errorf("Lookup: %v, want the recovered panic", err)
	}
	s.testHook = nil
	smp, err := vs.Sample(ctx, 500)
	if err != nil || smp.Len() != 500 {
		t.Fatalf("the store did not recover: %v", err)
	}
}

// TestPanicOnOneShardIsThatShardsError: on a 3-master cluster, a panic in
// the goroutine scanning one shard, looking entities up on it, or choosing
// its read node costs that shard's share only: the sample holds the other
// two shards' rows, and the failed shard's part says what panicked.
func TestPanicOnOneShardIsThatShardsError(t *testing.T) {
	c := redistest.StartCluster(t, 3, 0)
	masters := c.Masters(t)
	bad := masters[0]
	master := loadSharded(t, c, 600, "")
	ctx := context.Background()
	for _, where := range []string{"scan", "pick"} {
		t.Run(where, func(t *testing.T) {
			s := newStore(t, Options{Addr: c.Seed(), Cluster: true})
			s.testHook = func(w, addr string) {
				if w == where && (addr == bad || (w == "pick" && addr == "0")) {
					panic("injected in " + w)
				}
			}
			vs := newView(t, s, shardView())
			smp, err := vs.Sample(ctx, 600)
			if err != nil {
				t.Fatalf("Sample: %v", err)
			}
			var failed []sample.Part
			for _, p := range smp.Parts {
				if p.Err != "" {
					failed = append(failed, p)
				}
			}
			if len(failed) != 1 || !strings.Contains(failed[0].Err, "internal error (recovered panic: injected in "+where+")") {
				t.Fatalf("parts %+v, want one shard failed by the panic", smp.Parts)
			}
			for _, e := range smp.Entities {
				if where == "scan" && master[string(e)] == bad {
					t.Fatalf("entity %s of the failed shard is in the sample", e)
				}
			}
			if smp.Len() < 300 || smp.Len() >= 600 {
				t.Errorf("%d rows, want the two healthy shards' (about 400)", smp.Len())
			}
		})
	}
	t.Run("lookup", func(t *testing.T) {
		s := newStore(t, Options{Addr: c.Seed(), Cluster: true})
		s.testHook = func(w, addr string) {
			if w == "lookup" && addr == bad {
				panic("injected in lookup")
			}
		}
		vs := newView(t, s, shardView())
		var ents []sample.Entity
		for e := range master {
			ents = append(ents, sample.Entity(e))
		}
		lk, err := vs.Lookup(ctx, ents)
		if err != nil {
			t.Fatalf("Lookup: %v", err)
		}
		found := 0
		for i := range lk.Entities {
			if lk.HasTime[i] {
				found++
				if master[string(lk.Entities[i])] == bad {
					t.Fatalf("entity %s of the failed shard was found", lk.Entities[i])
				}
			}
		}
		if found < 300 || found >= 600 {
			t.Errorf("found %d, want the two healthy shards' entities", found)
		}
	})
}
