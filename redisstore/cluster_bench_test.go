package redisstore

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/fsmon/fsmon/internal/redistest"
)

// BenchmarkClusterSample compares a 100k sample at full speed from a
// 3-master Redis Cluster with one from a single redis-server holding the
// same FSMON_BENCH_CLUSTER entity hashes (ten features each), started and
// loaded by the benchmark itself. It reports max_share_dev_pct: the largest
// gap, in percent of a master's share, between the master's share of the
// sample and its share of the keys. Skipped unless FSMON_BENCH_CLUSTER is
// set (e.g. 1000000; 3M needs about 3 GB of memory).
func BenchmarkClusterSample(b *testing.B) {
	total := envInt("FSMON_BENCH_CLUSTER", 0)
	if total == 0 {
		b.Skip("FSMON_BENCH_CLUSTER not set")
	}
	ctx := context.Background()
	c := redistest.StartCluster(b, 3, 0)
	single := redistest.Start(b)
	load := func(p redis.Pipeliner, i int) {
		p.HSet(ctx, fmt.Sprintf("fs:driver:%012d", i), "event_ts", 1700000000+i%3600,
			"conv_rate", float64(i%100)/100, "acc_rate", 0.5, "avg_daily_trips", i%40, "rating", 4.5,
			"trips_7d", i%300, "cancel_rate", 0.01, "city", "sf", "vehicle", "car", "active", "true", "last_fare", 12.5)
	}
	cc := c.ClusterClient(b)
	sc := redistest.Client(b, single.Addr)
	for start := 0; start < total; start += 2000 {
		cp, sp := cc.Pipeline(), sc.Pipeline()
		for i := start; i < min(total, start+2000); i++ {
			load(cp, i)
			load(sp, i)
		}
		if _, err := cp.Exec(ctx); err != nil {
			b.Fatal(err)
		}
		if _, err := sp.Exec(ctx); err != nil {
			b.Fatal(err)
		}
	}
	n := min(100_000, total)
	run := func(b *testing.B, s *Store) {
		vs, err := s.View(benchView())
		if err != nil {
			b.Fatal(err)
		}
		dev := 0.0
		b.ResetTimer()
		for b.Loop() {
			smp, err := vs.Sample(ctx, n)
			if err != nil {
				b.Fatal(err)
			}
			checkSample(b, smp, n)
			count := make([]int, len(smp.Parts))
			for _, p := range smp.PartOf {
				count[p]++
			}
			for i, p := range smp.Parts {
				got := float64(count[i]) / float64(n)
				dev = max(dev, 100*math.Abs(got-p.Share)/p.Share)
			}
		}
		b.ReportMetric(dev, "max_share_dev_pct")
	}
	b.Run("cluster3", func(b *testing.B) { run(b, newStore(b, Options{Addr: c.Seed(), Cluster: true})) })
	b.Run("single", func(b *testing.B) { run(b, newStore(b, Options{Addr: single.Addr})) })
}
