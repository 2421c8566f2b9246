package redisstore

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/fsmon/fsmon/internal/redistest"
	"github.com/fsmon/fsmon/sample"
)

// shardFeatures are the features of the sharded test view.
var shardFeatures = []sample.Feature{{Name: "conv_rate", Type: sample.Float64}}

func shardView() View {
	return View{Name: "sharded", Layout: LayoutHash, Key: "sh:{id}", Entities: []string{"id"},
		TimestampField: "ts", Features: shardFeatures}
}

// slotOwners maps every slot to the master address serving it, from
// CLUSTER NODES (an independent reading of the topology).
func slotOwners(t *testing.T, c *redistest.Cluster) map[int]string {
	t.Helper()
	out := map[int]string{}
	for _, n := range c.Topology(t) {
		if !n.Master || n.Failed {
			continue
		}
		for _, r := range n.Slots {
			if strings.HasPrefix(r, "[") {
				continue // a slot being migrated
			}
			lo, hi, _ := strings.Cut(r, "-")
			a, _ := strconv.Atoi(lo)
			b := a
			if hi != "" {
				b, _ = strconv.Atoi(hi)
			}
			for s := a; s <= b; s++ {
				out[s] = n.Addr
			}
		}
	}
	return out
}

// loadSharded writes n entity hashes sh:0..sh:n-1 with ts and conv_rate; on
// the master at bad the entities are stale (ts 1000 s older) and have an
// empty conv_rate. It returns the master of each entity, by CLUSTER KEYSLOT.
func loadSharded(t *testing.T, c *redistest.Cluster, n int, bad string) map[string]string {
	t.Helper()
	ctx := context.Background()
	cc := c.ClusterClient(t)
	owners := slotOwners(t, c)
	slots := make([]*redis.IntCmd, n)
	pipe := cc.Pipeline()
	for i := range n {
		slots[i] = pipe.ClusterKeySlot(ctx, fmt.Sprintf("sh:%d", i))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatalf("cluster keyslot: %v", err)
	}
	master := map[string]string{}
	pipe = cc.Pipeline()
	for i := range n {
		id := strconv.Itoa(i)
		m := owners[int(slots[i].Val())]
		master[id] = m
		ts, v := "1700000000", "0.5"
		if m == bad {
			ts, v = "1699999000", ""
		}
		pipe.HSet(ctx, "sh:"+id, "ts", ts, "conv_rate", v)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatalf("load: %v", err)
	}
	c.WaitReplicated(t)
	return master
}

func TestKeySlotMatchesRedis(t *testing.T) {
	if got := crc16("123456789"); got != 0x31C3 {
		t.Errorf("crc16(123456789) = %#x, want 0x31c3 (Redis Cluster spec)", got)
	}
	srv := start(t, "cluster-enabled yes")
	c := writer(t, srv.Addr)
	for _, k := range []string{"", "a", "sh:17", "fs:driver:1001", "{user1000}.following", "foo{}{bar}", "foo{{bar}}zap", "a{b}c{d}", "\x00\xff\x10"} {
		want, err := c.ClusterKeySlot(context.Background(), k).Result()
		if err != nil {
			t.Fatal(err)
		}
		if got := keySlot(k); got != int(want) {
			t.Errorf("keySlot(%q) = %d, CLUSTER KEYSLOT says %d", k, got, want)
		}
	}
}

// TestClusterSampleProportional samples a 3-master cluster with a sample
// smaller than one shard: every shard gives its share, and the shard with a
// planted problem shows it in proportion.
func TestClusterSampleProportional(t *testing.T) {
	c := redistest.StartCluster(t, 3, 1)
	masters := c.Masters(t)
	bad := masters[1]
	const total, n = 3000, 600
	master := loadSharded(t, c, total, bad)
	keys := map[string]int{}
	for _, m := range master {
		keys[m]++
	}

	s := newStore(t, Options{Addr: c.Seed(), Cluster: true})
	vs := newView(t, s, shardView())
	ctx := context.Background()
	smp, err := vs.Sample(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	if smp.Len() != n || smp.Complete {
		t.Fatalf("Len=%d Complete=%v, want %d false", smp.Len(), smp.Complete, n)
	}
	if len(smp.Parts) != 3 || len(smp.PartOf) != n {
		t.Fatalf("Parts=%d PartOf=%d, want 3 and %d", len(smp.Parts), len(smp.PartOf), n)
	}
	rowsOf := map[string]int{}
	nulls := map[string]int{}
	col := smp.Columns["conv_rate"]
	for i, e := range smp.Entities {
		p := smp.Parts[smp.PartOf[i]]
		if want := master[string(e)]; p.Node != want {
			t.Fatalf("row %d is on %s by CLUSTER KEYSLOT but in part %s (%s)", i, want, p.Name, p.Node)
		}
		rowsOf[p.Node]++
		if col.IsNull(i) {
			nulls[p.Node]++
		}
		if stale := smp.Times[i] == sec(1699999000); stale != (p.Node == bad) {
			t.Errorf("row %d on %s: stale=%v", i, p.Node, stale)
		}
	}
	for _, m := range masters {
		// The master's share of the keys, counted from CLUSTER KEYSLOT.
		want := float64(n) * float64(keys[m]) / total
		if math.Abs(float64(rowsOf[m])-want) > 1 {
			t.Errorf("master %s: %d rows, want %.1f (its %d of %d keys)", m, rowsOf[m], want, keys[m], total)
		}
	}
	if nulls[bad] != rowsOf[bad] || nulls[masters[0]]+nulls[masters[2]] != 0 {
		t.Errorf("nulls by master %v, want all %d rows of %s and none elsewhere", nulls, rowsOf[bad], bad)
	}
	for _, p := range smp.Parts {
		if p.Err != "" || p.Complete || math.Abs(p.Share-float64(keys[p.Node])/total) > 1e-9 {
			t.Errorf("part %+v: want no error, not complete, share %v", p, float64(keys[p.Node])/total)
		}
	}

	// A sample larger than the population reads every shard whole.
	all, err := vs.Sample(ctx, total+10)
	if err != nil {
		t.Fatal(err)
	}
	if all.Len() != total || !all.Complete || all.Population != total {
		t.Errorf("whole: Len=%d Complete=%v Population=%d, want %d true %d", all.Len(), all.Complete, all.Population, total, total)
	}

	// Lookup groups by slot and marks each row's shard.
	ents := []sample.Entity{"5", "17", "2999", "nope"}
	lk, err := vs.Lookup(ctx, ents)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range ents {
		if e == "nope" {
			if lk.HasTime[i] || lk.Unread(i) {
				t.Errorf("missing entity: HasTime=%v Unread=%v", lk.HasTime[i], lk.Unread(i))
			}
			continue
		}
		if !lk.HasTime[i] || lk.Parts[lk.PartOf[i]].Node != master[string(e)] {
			t.Errorf("lookup row %d: HasTime=%v part %+v, want on %s", i, lk.HasTime[i], lk.Parts[lk.PartOf[i]], master[string(e)])
		}
	}
}
