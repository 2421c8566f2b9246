package app

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/config"
	"github.com/fsmon/fsmon/internal/pqwrite"
	"github.com/fsmon/fsmon/internal/redistest"
)

// clusterFixture is a 3-master, 3-replica Redis Cluster holding drivers
// 0..total-1 (hash layout, key fs:driver:{driver_id}) and a Parquet file
// with all of them, 1 h old. When bad is not empty, the drivers whose slot
// the master at bad serves carry a problem online: event time 30 h old, an
// empty conv_rate, and every fourth of them missing.
type clusterFixture struct {
	c      *redistest.Cluster
	now    time.Time
	dir    string
	config string
	// online counts the drivers stored online per master address, and
	// missing those of bad left out, both from CLUSTER KEYSLOT.
	online  map[string]int
	missing int
}

func newClusterFixture(t *testing.T, total int, bad func(masters []string) string, extra string) *clusterFixture {
	t.Helper()
	c := redistest.StartCluster(t, 3, 1)
	fx := &clusterFixture{c: c, now: time.Now().Truncate(time.Second), dir: t.TempDir(), online: map[string]int{}}
	badAddr := ""
	if bad != nil {
		badAddr = bad(c.Masters(t))
	}
	ctx := context.Background()
	cc := c.ClusterClient(t)
	owner := map[int]string{}
	for _, n := range c.Topology(t) {
		for _, r := range n.Slots {
			lo, hi, _ := strings.Cut(r, "-")
			a, _ := strconv.Atoi(lo)
			b := a
			if hi != "" {
				b, _ = strconv.Atoi(hi)
			}
			for s := a; s <= b; s++ {
				owner[s] = n.Addr
			}
		}
	}
	good, stale := fx.now.Add(-time.Hour), fx.now.Add(-30*time.Hour)
	cols := []pqwrite.Column{{Name: "driver_id", Type: "int64"}, {Name: "event_timestamp", Type: "timestamp"},
		{Name: "conv_rate", Type: "float64", Optional: true}}
	var rows [][]any
	pipe := cc.Pipeline()
	slots := make([]*redis.IntCmd, total)
	for id := range total {
		slots[id] = pipe.ClusterKeySlot(ctx, fmt.Sprintf("fs:driver:%d", id))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	pipe = cc.Pipeline()
	badSeen := 0
	for id := range total {
		conv := float64(id%100) / 100
		rows = append(rows, []any{int64(id), good, conv})
		m := owner[int(slots[id].Val())]
		ts, text := good, strconv.FormatFloat(conv, 'g', -1, 64)
		if m == badAddr {
			badSeen++
			if badSeen%4 == 0 {
				fx.missing++
				continue
			}
			ts, text = stale, ""
		}
		fx.online[m]++
		pipe.HSet(ctx, fmt.Sprintf("fs:driver:%d", id), "event_ts", ts.Unix(), "conv_rate", text)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	c.WaitReplicated(t)
	if err := pqwrite.Write(filepath.Join(fx.dir, "drivers.parquet"), cols, rows); err != nil {
		t.Fatal(err)
	}
	fx.config = filepath.Join(fx.dir, "fsmon.yaml")
	cfg := fmt.Sprintf(`interval: 2s
sample_size: 600
online:
  redis:
    addr: %s
    cluster: true
    rate_limit: 0
    timeout: 1s
%s
offline:
  parquet:
    root: %s
feature_views:
  - name: drivers
    project: demo
    entities: [driver_id]
    ttl: 24h
    online:
      layout: hash
      key: "fs:driver:{driver_id}"
      timestamp_field: event_ts
    offline:
      path: drivers.parquet
      timestamp_column: event_timestamp
    features:
      - {name: conv_rate, type: float64}
`, c.Seed(), extra, fx.dir)
	if err := os.WriteFile(fx.config, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return fx
}

// shardOf returns the detail of the shard read from addr.
func shardOf(t *testing.T, r checks.Result, addr string) checks.ShardDetail {
	t.Helper()
	for _, d := range checks.Shards(r) {
		if d.Node == addr {
			return d
		}
	}
	t.Fatalf("%s result has no shard on %s: %+v", r.Check, addr, r.Details)
	return checks.ShardDetail{}
}

// TestClusterProblemOnOneShard plants a problem on one shard of three: the
// view's overall results show it in proportion, and the per-shard details
// and metrics point at that shard.
func TestClusterProblemOnOneShard(t *testing.T) {
	var bad string
	fx := newClusterFixture(t, 3000, func(m []string) string { bad = m[1]; return bad }, "")
	cfg, err := config.Load(fx.config)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := CheckOnce(context.Background(), cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	totalOnline := 0
	for _, n := range fx.online {
		totalOnline += n
	}
	const n = 600
	null := find(t, rs, checks.KindNullRate, "conv_rate", checks.StoreOnline)
	if len(checks.Shards(null)) != 3 {
		t.Fatalf("null_rate has %d shards, want 3: %+v", len(checks.Shards(null)), null.Details)
	}
	badN := 0
	for addr, keys := range fx.online {
		d := shardOf(t, null, addr)
		want := float64(n) * float64(keys) / float64(totalOnline)
		if math.Abs(float64(d.SampleSize)-want) > 1 {
			t.Errorf("shard on %s: %d rows, want %.1f (its %d of %d entities)", addr, d.SampleSize, want, keys, totalOnline)
		}
		wantNull := 0.0
		if addr == bad {
			wantNull, badN = 1, d.SampleSize
		}
		if d.Value == nil || *d.Value != wantNull {
			t.Errorf("shard on %s: null rate %v, want %v", addr, d.Value, wantNull)
		}
	}
	if !near(*null.Value, float64(badN)/n) || null.Status != checks.Crit {
		t.Errorf("overall null rate %v %v, want %v (the bad shard's rows) crit", *null.Value, null.Status, float64(badN)/n)
	}

	fresh := find(t, rs, checks.KindFreshness, "", "")
	if fresh.Status != checks.OK || *fresh.Value > 3700 {
		t.Errorf("overall freshness %v %v, want the good shards' 1 h, ok", *fresh.Value, fresh.Status)
	}
	if d := shardOf(t, fresh, bad); d.Value == nil || math.Abs(*d.Value-30*3600) > 120 {
		t.Errorf("bad shard freshness %v, want 30 h", d.Value)
	}

	// Coverage: the offline sample is 600 of the 3000 drivers, so the
	// bad shard's coverage is near 3/4 (every fourth of its drivers is
	// missing) and the others' exactly 1.
	cov := find(t, rs, checks.KindCoverage, "", "")
	hit, asked := 0.0, 0
	for addr := range fx.online {
		d := shardOf(t, cov, addr)
		if d.Value == nil || d.SampleSize == 0 {
			t.Fatalf("shard on %s: no coverage value", addr)
		}
		hit += *d.Value * float64(d.SampleSize)
		asked += d.SampleSize
		if addr == bad && (*d.Value < 0.6 || *d.Value > 0.9) || addr != bad && *d.Value != 1 {
			t.Errorf("shard on %s: coverage %v over %d", addr, *d.Value, d.SampleSize)
		}
	}
	if asked != 600 || !near(*cov.Value, hit/600) {
		t.Errorf("overall coverage %v over %d, want %v over 600", *cov.Value, asked, hit/600)
	}
	// Consistency: the bad shard's online event times precede every
	// offline row (nothing to compare); the others serve the offline value.
	cons := find(t, rs, checks.KindConsistency, "conv_rate", "")
	for addr := range fx.online {
		d := shardOf(t, cons, addr)
		if addr == bad && (d.SampleSize != 0 || d.Value != nil) || addr != bad && (d.Value == nil || *d.Value != 1) {
			t.Errorf("shard on %s: consistency %v over %d", addr, d.Value, d.SampleSize)
		}
	}

	// The metrics point at the shard.
	a := startApp(t, Options{Config: cfg, FirstRunSpread: time.Millisecond})
	badName := shardOf(t, null, bad).Shard
	var body string
	waitFor(t, func() bool {
		body = get(t, "http://"+a.Addr()+"/metrics")
		return strings.Contains(body, "fsmon_feature_shard_null_ratio")
	})
	for _, d := range checks.Shards(null) {
		v := "0"
		if d.Shard == badName {
			v = "1"
		}
		line := fmt.Sprintf(`fsmon_feature_shard_null_ratio{feature="conv_rate",feature_view="drivers",project="demo",shard=%q,store="online"} %s`, d.Shard, v)
		if !strings.Contains(body, line+"\n") {
			t.Errorf("metrics lack %s", line)
		}
		if !strings.Contains(body, fmt.Sprintf(`fsmon_feature_view_shard_up{feature_view="drivers",project="demo",shard=%q,store="online"} 1`, d.Shard)) {
			t.Errorf("shard %s not up in metrics", d.Shard)
		}
	}
}

// nextRun waits for a run of the view that started after since and returns
// its results and start time.
func nextRun(t *testing.T, a *App, since time.Time) ([]checks.Result, time.Time) {
	t.Helper()
	k := viewKey{"demo", "drivers"}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		a.mu.Lock()
		st := a.results[k]
		a.mu.Unlock()
		if st.lastRun.After(since) && len(st.results) > 0 {
			return st.results, st.lastRun
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no run of the view after %s", since)
	return nil, time.Time{}
}

// noDataProblem fails the test when a data check judged the healthy data
// warn or crit: a topology change may make a shard's share unreadable (an
// error for that shard), never a data problem.
func noDataProblem(t *testing.T, rs []checks.Result, when string) (unreadable int) {
	t.Helper()
	for _, r := range rs {
		switch r.Check {
		case checks.KindFreshness, checks.KindNullRate, checks.KindCoverage, checks.KindConsistency:
			if r.Status == checks.Warn || r.Status == checks.Crit {
				t.Errorf("%s: %s %s/%s is %s: %s %v", when, r.Check, r.Feature, r.Store, r.Status, r.Message, r.Warnings)
			}
		}
		if r.Check == checks.KindFreshness {
			for _, d := range checks.Shards(r) {
				if d.Error != "" {
					unreadable++
				}
			}
		}
	}
	return unreadable
}

// TestClusterFailover runs the daemon against a healthy 3+3 cluster while
// a replica takes over with CLUSTER FAILOVER and then a master is killed:
// every run reports, no run finds a data problem, a dead shard is an error
// for its share only, and all shards are read again after the failover.
func TestClusterFailover(t *testing.T) {
	fx := newClusterFixture(t, 3000, nil, "")
	cfg, err := config.Load(fx.config)
	if err != nil {
		t.Fatal(err)
	}
	a := startApp(t, Options{Config: cfg, FirstRunSpread: time.Millisecond})
	ctx := context.Background()

	rs, at := nextRun(t, a, time.Time{})
	if n := noDataProblem(t, rs, "before"); n != 0 {
		t.Fatalf("%d shards unreadable before any failover", n)
	}

	// A manual failover: the replica of the first master takes over.
	m0 := fx.c.Masters(t)[0]
	r0 := fx.c.ReplicaOf(t, m0)
	if err := redistest.Client(t, r0).Do(ctx, "CLUSTER", "FAILOVER").Err(); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		rs, at = nextRun(t, a, at)
		noDataProblem(t, rs, fmt.Sprintf("run %d after CLUSTER FAILOVER", i))
	}
	fx.c.WaitHealthy(t, 30*time.Second)
	if masters := fx.c.Masters(t); !strings.Contains(strings.Join(masters, " "), r0) {
		t.Fatalf("CLUSTER FAILOVER did not promote %s: masters %v", r0, masters)
	}

	// A master dies: runs go on, its shard is an error until its replica
	// is promoted, and then every shard is read again. The replica is kept
	// from promoting itself (with a short cluster-node-timeout it could do
	// so between two runs, and no run would see the shard down); it takes
	// over once a run has reported the dead shard.
	dead := fx.c.Masters(t)[1]
	heir := fx.c.ReplicaOf(t, dead)
	heirClient := redistest.Client(t, heir)
	if err := heirClient.Do(ctx, "CONFIG", "SET", "cluster-replica-no-failover", "yes").Err(); err != nil {
		t.Fatal(err)
	}
	fx.c.Server(t, dead).Stop()
	sawDown := false
	for i := 0; i < 20 && !sawDown; i++ {
		rs, at = nextRun(t, a, at)
		sawDown = noDataProblem(t, rs, fmt.Sprintf("run %d after killing %s", i, dead)) > 0
	}
	if !sawDown {
		t.Fatal("no run saw the killed master's shard as unreadable")
	}
	if err := heirClient.Do(ctx, "CLUSTER", "FAILOVER", "TAKEOVER").Err(); err != nil {
		t.Fatal(err)
	}
	recovered := false
	for i := 0; i < 20 && !recovered; i++ {
		rs, at = nextRun(t, a, at)
		recovered = noDataProblem(t, rs, fmt.Sprintf("run %d after the takeover by %s", i, heir)) == 0
	}
	if !recovered {
		t.Fatal("the shards were not all read again after the failover")
	}
	null := find(t, rs, checks.KindNullRate, "conv_rate", checks.StoreOnline)
	if len(checks.Shards(null)) != 3 || *null.SampleSize != 600 {
		t.Errorf("after recovery: %d shards, %d rows; want 3 and 600", len(checks.Shards(null)), *null.SampleSize)
	}
}
