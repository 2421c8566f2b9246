package redisstore

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/fsmon/fsmon/internal/redistest"
	"github.com/fsmon/fsmon/sample"
)

var cmdstatRE = regexp.MustCompile(`cmdstat_([a-z|]+):calls=(\d+)`)

// commandCalls reads INFO commandstats of the server at addr: calls per
// command name.
func commandCalls(t *testing.T, addr string) map[string]int {
	t.Helper()
	txt, err := redistest.Client(t, addr).Info(context.Background(), "commandstats").Result()
	if err != nil {
		t.Fatalf("info commandstats on %s: %v", addr, err)
	}
	out := map[string]int{}
	for _, m := range cmdstatRE.FindAllStringSubmatch(txt, -1) {
		out[m[1]], _ = strconv.Atoi(m[2])
	}
	return out
}

func resetStats(t *testing.T, addrs ...string) {
	t.Helper()
	for _, a := range addrs {
		if err := redistest.Client(t, a).ConfigResetStat(context.Background()).Err(); err != nil {
			t.Fatal(err)
		}
	}
}

// sampleReads are the commands a sample or a lookup sends to the node it
// reads.
var sampleReads = []string{"scan", "hmget", "dbsize"}

// TestClusterReadFromReplica proves with INFO commandstats that sampling
// and lookups with read_from replica leave the primaries alone.
func TestClusterReadFromReplica(t *testing.T) {
	c := redistest.StartCluster(t, 3, 1)
	loadSharded(t, c, 1500, "")
	var all []string
	for _, n := range c.Topology(t) {
		all = append(all, n.Addr)
	}
	masters := c.Masters(t)
	resetStats(t, all...)

	s := newStore(t, Options{Addr: c.Seed(), Cluster: true, ReadFrom: ReadReplica, RateLimit: 5000})
	vs := newView(t, s, shardView())
	ctx := context.Background()
	smp, err := vs.Sample(ctx, 300)
	if err != nil {
		t.Fatal(err)
	}
	if smp.Len() != 300 {
		t.Fatalf("Len %d, want 300", smp.Len())
	}
	if len(smp.Problems) > 0 {
		t.Errorf("problems: %v", smp.Problems)
	}
	var ents []sample.Entity
	for i := range 200 {
		ents = append(ents, sample.Entity(strconv.Itoa(i*7)))
	}
	lk, err := vs.Lookup(ctx, ents)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ents {
		if !lk.HasTime[i] {
			t.Fatalf("lookup row %d not found on the replicas", i)
		}
	}
	for _, m := range masters {
		calls := commandCalls(t, m)
		for _, cmd := range sampleReads {
			if calls[cmd] != 0 {
				t.Errorf("primary %s served %d %s calls with read_from replica", m, calls[cmd], cmd)
			}
		}
	}
	for _, p := range smp.Parts {
		r := c.ReplicaOf(t, masters[indexOf(masters, p.Node, t, c)])
		calls := commandCalls(t, r)
		if calls["scan"] == 0 || calls["hmget"] == 0 {
			t.Errorf("replica %s of shard %s served scan %d hmget %d, want both > 0", r, p.Name, calls["scan"], calls["hmget"])
		}
	}

	// The test has teeth: read_from primary does read the primaries.
	resetStats(t, all...)
	ps := newStore(t, Options{Addr: c.Seed(), Cluster: true})
	if _, err := newView(t, ps, shardView()).Sample(ctx, 300); err != nil {
		t.Fatal(err)
	}
	for _, m := range masters {
		if commandCalls(t, m)["hmget"] == 0 {
			t.Errorf("primary %s served no hmget with read_from primary", m)
		}
	}
}

// indexOf finds the master whose replica is node (node is a replica read).
func indexOf(masters []string, node string, t *testing.T, c *redistest.Cluster) int {
	t.Helper()
	for i, m := range masters {
		if c.ReplicaOf(t, m) == node {
			return i
		}
	}
	t.Fatalf("%s is the replica of no master %v", node, masters)
	return -1
}

// TestSentinel samples a primary/replica pair behind a real redis-sentinel:
// read_from replica reads the replica only; after a Sentinel failover the
// primary reads follow to the new primary.
func TestSentinel(t *testing.T) {
	m := redistest.Start(t)
	r := redistest.StartReplica(t, m.Addr)
	sn := redistest.StartSentinel(t, "fsm", m.Addr)
	w := redistest.Client(t, m.Addr)
	ctx := context.Background()
	for i := range 200 {
		conv := "0.5"
		if i%4 == 0 {
			conv = "" // a planted problem: a quarter of the values null
		}
		hset(t, w, fmt.Sprintf("sn:%d", i), "ts", "1700000000", "conv_rate", conv)
	}
	redistest.WaitSynced(t, m.Addr, 1)
	sc := redistest.Client(t, sn.Addr)
	// Wait until Sentinel sees the replica as healthy (the store skips a
	// replica flagged down or disconnected, or whose link is not up, and
	// would read the primary instead).
	waitUntil(t, 20*time.Second, "sentinel to see the replica healthy", func() bool {
		rs, err := sc.Do(ctx, "SENTINEL", "REPLICAS", "fsm").Slice()
		if err != nil || len(rs) != 1 {
			return false
		}
		kv, ok := rs[0].([]any) // RESP2: field, value, field, value, ...
		if !ok {
			return false
		}
		f := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			k, _ := kv[i].(string)
			v, _ := kv[i+1].(string)
			f[k] = v
		}
		return f["flags"] == "slave" && f["master-link-status"] == "ok"
	})

	view := View{Name: "sn", Layout: LayoutHash, Key: "sn:{id}", Entities: []string{"id"}, TimestampField: "ts", Features: shardFeatures}
	sentinel := &Sentinel{MasterName: "fsm", Addrs: []string{"127.0.0.1:1", sn.Addr}} // the first Sentinel is down
	check := func(s *Store, reads, idle string) {
		t.Helper()
		resetStats(t, m.Addr, r.Addr)
		smp, err := newView(t, s, view).Sample(ctx, 500)
		if err != nil {
			t.Fatal(err)
		}
		nulls := 0
		for i := range smp.Len() {
			if smp.Columns["conv_rate"].IsNull(i) {
				nulls++
			}
		}
		if smp.Len() != 200 || !smp.Complete || nulls != 50 {
			t.Errorf("Len=%d Complete=%v nulls=%d, want 200 true 50", smp.Len(), smp.Complete, nulls)
		}
		if n := commandCalls(t, idle); n["scan"]+n["hmget"] != 0 {
			t.Errorf("%s served scan %d hmget %d, want none", idle, n["scan"], n["hmget"])
		}
		if n := commandCalls(t, reads); n["scan"] == 0 || n["hmget"] == 0 {
			t.Errorf("%s served scan %d hmget %d, want both", reads, n["scan"], n["hmget"])
		}
	}
	replica := newStore(t, Options{Sentinel: sentinel, ReadFrom: ReadReplica})
	if err := replica.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	check(replica, r.Addr, m.Addr)
	primary := newStore(t, Options{Sentinel: sentinel})
	check(primary, m.Addr, r.Addr)

	// Failover: the replica becomes the primary; the same Store follows.
	if err := sc.Do(ctx, "SENTINEL", "FAILOVER", "fsm").Err(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 30*time.Second, "failover to the replica", func() bool {
		hp, err := sc.Do(ctx, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "fsm").StringSlice()
		return err == nil && len(hp) == 2 && hp[0]+":"+hp[1] == r.Addr
	})
	check(primary, r.Addr, m.Addr)
}

func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
