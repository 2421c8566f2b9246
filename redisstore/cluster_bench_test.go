package redisstore

import (
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fsmon/fsmon/internal/redistest"
)

// defaultRateLimit is config.DefaultRateLimit, the entities per second of
// a view's sampling when its config sets no rate_limit (redisstore does
// not import config).
const defaultRateLimit = 1000

// BenchmarkClusterSample loads FSMON_BENCH_CLUSTER entity hashes (ten
// features each) into a 3-master Redis Cluster and into a single
// redis-server, both started by the benchmark (3M needs about 3 GB of
// memory; bench/redis_cluster.sh runs it), then:
//
//   - cluster3_vs_single: a 100k sample at full speed from each, taken in
//     turn (-benchtime Nx: N of each), with the medians, their ratio, and
//     max_share_dev_pct: the largest gap, in percent of a master's share,
//     between the master's share of the cluster sample and its share of
//     the keys, counted with DBSIZE on each master directly (not the
//     sampler's own estimate).
//   - paced_p99: the p99 latency of another client's HGETALL on each
//     master (one sequential client per master, keys of that master) with
//     no sampling and with fsmon sampling at the default pacing
//     (defaultRateLimit, default batches and SCAN COUNT; samples of 10,000, the default sample_size,
//     one after another, so the load never pauses), in -benchtime Nx
//     interleaved rounds of FSMON_BENCH_LAT_SECONDS each; it reports the
//     medians and the largest rise over masters.
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
	masters := c.Masters(b)
	keyShare := map[string]float64{}
	for _, m := range masters {
		n, err := redistest.Client(b, m).DBSize(ctx).Result()
		if err != nil {
			b.Fatal(err)
		}
		keyShare[m] = float64(n) / float64(total)
	}
	fmt.Fprintf(os.Stderr, "cluster: %d keys; share of keys by master (DBSIZE): %v\n", total, keyShare)

	n := min(100_000, total)
	clusterView := newView(b, newStore(b, Options{Addr: c.Seed(), Cluster: true}), benchView())
	singleView := newView(b, newStore(b, Options{Addr: single.Addr}), benchView())
	// sampleOnce times one 100k sample; on the cluster it also returns the
	// largest gap between a master's share of the sample and of the keys.
	sampleOnce := func(b *testing.B, vs *ViewSampler) (time.Duration, float64) {
		t0 := time.Now()
		smp, err := vs.Sample(ctx, n)
		took := time.Since(t0)
		if err != nil {
			b.Fatal(err)
		}
		checkSample(b, smp, n)
		count := make([]int, len(smp.Parts))
		for _, p := range smp.PartOf {
			count[p]++
		}
		dev := 0.0
		for i, p := range smp.Parts {
			if len(smp.Parts) == 1 {
				break
			}
			want, ok := keyShare[p.Node]
			if !ok {
				b.Fatalf("sample part %q on %s is not a master %v", p.Name, p.Node, masters)
			}
			dev = max(dev, 100*math.Abs(float64(count[i])/float64(n)-want)/want)
		}
		return took, dev
	}
	// Alternate the two so that both see the same machine.
	b.Run("cluster3_vs_single", func(b *testing.B) {
		var ct, st []time.Duration
		dev := 0.0
		for b.Loop() {
			t, d := sampleOnce(b, clusterView)
			ct, dev = append(ct, t), max(dev, d)
			t, _ = sampleOnce(b, singleView)
			st = append(st, t)
		}
		med := func(ds []time.Duration) time.Duration { slices.Sort(ds); return ds[len(ds)/2] }
		mc, ms := med(ct), med(st)
		fmt.Fprintf(os.Stderr, "100k sample: cluster %v (median %v), single %v (median %v)\n", ct, mc, st, ms)
		b.ReportMetric(mc.Seconds(), "cluster_s")
		b.ReportMetric(ms.Seconds(), "single_s")
		b.ReportMetric(mc.Seconds()/ms.Seconds(), "cluster/single")
		b.ReportMetric(dev, "max_share_dev_pct")
	})
	b.Run("paced_p99", func(b *testing.B) {
		pacedP99(b, c.Seed(), masters)
	})
}

// pacedP99 measures, on each master, the p99 latency of a sequential
// HGETALL client without and with paced sampling of the whole cluster, in
// b.N interleaved rounds.
func pacedP99(b *testing.B, seed string, masters []string) {
	ctx := context.Background()
	d := time.Duration(envInt("FSMON_BENCH_LAT_SECONDS", 3)) * time.Second
	keys := make([][]string, len(masters))
	clients := make([]*redis.Client, len(masters))
	for i, m := range masters {
		clients[i] = redistest.Client(b, m)
		iter := clients[i].Scan(ctx, 0, "fs:driver:*", 1000).Iterator()
		for len(keys[i]) < 50_000 && iter.Next(ctx) {
			keys[i] = append(keys[i], iter.Val())
		}
		if err := iter.Err(); err != nil {
			b.Fatal(err)
		}
	}
	// hmget counts the HMGET calls on every master: the sampler's reads
	// (one per entity), which the latency clients never send.
	hmget := func() int64 {
		var total int64
		for _, c := range clients {
			txt, err := c.Info(ctx, "commandstats").Result()
			if err != nil {
				b.Fatal(err)
			}
			var calls int64
			if i := strings.Index(txt, "cmdstat_hmget:calls="); i >= 0 {
				fmt.Sscanf(txt[i+len("cmdstat_hmget:calls="):], "%d", &calls)
			}
			total += calls
		}
		return total
	}
	measure := func() []time.Duration {
		p99 := make([]time.Duration, len(masters))
		var wg sync.WaitGroup
		for i := range masters {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var lat []time.Duration
				for k, end := 0, time.Now().Add(d); time.Now().Before(end); k++ {
					t0 := time.Now()
					if err := clients[i].HGetAll(ctx, keys[i][k%len(keys[i])]).Err(); err != nil {
						b.Error(err)
						return
					}
					lat = append(lat, time.Since(t0))
				}
				slices.Sort(lat)
				p99[i] = lat[len(lat)*99/100]
			}()
		}
		wg.Wait()
		return p99
	}
	s := newStore(b, Options{Addr: seed, Cluster: true, RateLimit: defaultRateLimit})
	vs := newView(b, s, benchView())
	base := make([][]time.Duration, len(masters))
	paced := make([][]time.Duration, len(masters))
	var reads int64
	var loaded time.Duration
	for b.Loop() {
		for i, v := range measure() {
			base[i] = append(base[i], v)
		}
		lctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			for lctx.Err() == nil {
				_, _ = vs.Sample(lctx, 10_000)
			}
		}()
		time.Sleep(500 * time.Millisecond)
		r0, t0 := hmget(), time.Now()
		for i, v := range measure() {
			paced[i] = append(paced[i], v)
		}
		reads, loaded = reads+hmget()-r0, loaded+time.Since(t0)
		cancel()
		<-done
	}
	median := func(ds []time.Duration) time.Duration {
		s := slices.Clone(ds)
		slices.Sort(s)
		return s[len(s)/2]
	}
	rise := 0.0
	for i, m := range masters {
		mb, mp := median(base[i]), median(paced[i])
		r := 100 * (float64(mp) - float64(mb)) / float64(mb)
		rise = max(rise, r)
		fmt.Fprintf(os.Stderr, "master %s: HGETALL p99 without sampling %v (median %v), with paced sampling %v (median %v): %+.1f%%\n",
			m, base[i], mb, paced[i], mp, r)
	}
	fmt.Fprintf(os.Stderr, "paced sampling read %.0f entities/s during the measurements (rate limit %d)\n",
		float64(reads)/loaded.Seconds(), defaultRateLimit)
	b.ReportMetric(rise, "max_p99_rise_pct")
}
