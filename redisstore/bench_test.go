package redisstore

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/fsmon/fsmon/sample"
)

// The benchmarks below run against a Redis loaded by bench/redis_sample.sh
// (FSMON_BENCH_ENTITIES hashes, default 1,000,000, "fs:driver:<i>" with i
// zero-padded to 12 digits, with event_ts and ten features). They are skipped unless FSMON_BENCH_REDIS names its address.

func benchAddr(b *testing.B) string {
	addr := os.Getenv("FSMON_BENCH_REDIS")
	if addr == "" {
		b.Skip("FSMON_BENCH_REDIS not set (run bench/redis_sample.sh)")
	}
	return addr
}

var benchFeatures = []sample.Feature{
	{Name: "conv_rate", Type: sample.Float64}, {Name: "acc_rate", Type: sample.Float64},
	{Name: "avg_daily_trips", Type: sample.Int64}, {Name: "rating", Type: sample.Float32},
	{Name: "trips_7d", Type: sample.Int64}, {Name: "cancel_rate", Type: sample.Float64},
	{Name: "city", Type: sample.String}, {Name: "vehicle", Type: sample.String},
	{Name: "active", Type: sample.Bool}, {Name: "last_fare", Type: sample.Float64},
}

func benchView() View {
	return View{Name: "driver_hourly_stats", Layout: LayoutHash, Key: "fs:driver:{driver_id}",
		Entities: []string{"driver_id"}, TimestampField: "event_ts", Features: benchFeatures}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

// benchSize is the sample size: 100k, or the whole keyspace when smaller.
func benchSize() int { return min(100_000, envInt("FSMON_BENCH_ENTITIES", 1_000_000)) }

func checkSample(b *testing.B, smp *sample.Sample, n int) {
	if smp.Len() != n {
		b.Fatalf("sample has %d entities, want %d", smp.Len(), n)
	}
	if nulls := smp.Columns["conv_rate"].Nulls; nulls[0] != sample.Present {
		b.Fatalf("conv_rate of row 0 is %v", nulls[0])
	}
}

// BenchmarkLookup100k reads 100k known entities at full speed: the fetch
// alone, comparable with redis-benchmark's pipelined HGETALL rate.
func BenchmarkLookup100k(b *testing.B) {
	addr := benchAddr(b)
	s := newStore(b, Options{Addr: addr, BatchSize: envInt("FSMON_BENCH_BATCH", 500)})
	vs := newView(b, s, benchView())
	total := envInt("FSMON_BENCH_ENTITIES", 1_000_000)
	benchN := benchSize()
	ents := make([]sample.Entity, benchN)
	for i := range ents {
		ents[i] = sample.Entity(fmt.Sprintf("%012d", i*7%total))
	}
	b.ResetTimer()
	for b.Loop() {
		smp, err := vs.Lookup(context.Background(), ents)
		if err != nil {
			b.Fatal(err)
		}
		checkSample(b, smp, benchN)
	}
	b.ReportMetric(float64(benchN*b.N)/b.Elapsed().Seconds(), "entities/s")
}

// BenchmarkSample100k is a full Sample of 100k entities at full speed: SCAN
// plus fetch.
func BenchmarkSample100k(b *testing.B) {
	addr := benchAddr(b)
	s := newStore(b, Options{Addr: addr, BatchSize: envInt("FSMON_BENCH_BATCH", 500), ScanCount: envInt("FSMON_BENCH_SCANCOUNT", 1000)})
	vs := newView(b, s, benchView())
	benchN := benchSize()
	for b.Loop() {
		smp, err := vs.Sample(context.Background(), benchN)
		if err != nil {
			b.Fatal(err)
		}
		checkSample(b, smp, benchN)
	}
	b.ReportMetric(float64(benchN*b.N)/b.Elapsed().Seconds(), "entities/s")
}

// BenchmarkScan100k is the SCAN part alone: the keys of 100k entities with
// the same MATCH pattern and COUNT, nothing read.
func BenchmarkScan100k(b *testing.B) {
	addr := benchAddr(b)
	count := int64(envInt("FSMON_BENCH_SCANCOUNT", 1000))
	s := newStore(b, Options{Addr: addr})
	benchN := benchSize()
	for b.Loop() {
		var cursor uint64
		n := 0
		for n < benchN {
			keys, next, err := s.single.Scan(context.Background(), cursor, "fs:driver:*", count).Result()
			if err != nil {
				b.Fatal(err)
			}
			n += len(keys)
			cursor = next
			if cursor == 0 {
				break
			}
		}
	}
	b.ReportMetric(float64(benchN*b.N)/b.Elapsed().Seconds(), "keys/s")
}

// BenchmarkPacedLoad samples repeatedly with the application's defaults
// (5000 entities/s, batches of 50, SCAN COUNT 100) for
// FSMON_BENCH_SECONDS: the background load of the latency comparison in
// bench/redis_sample.sh. FSMON_BENCH_RATE=0 makes it unthrottled.
func BenchmarkPacedLoad(b *testing.B) {
	addr := benchAddr(b)
	rate := envInt("FSMON_BENCH_RATE", 5000)
	s := newStore(b, Options{Addr: addr, RateLimit: rate,
		BatchSize: envInt("FSMON_BENCH_BATCH", 0), ScanCount: envInt("FSMON_BENCH_SCANCOUNT", 0)})
	vs := newView(b, s, benchView())
	d := time.Duration(envInt("FSMON_BENCH_SECONDS", 10)) * time.Second
	for b.Loop() {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		total := 0
		for ctx.Err() == nil {
			smp, err := vs.Sample(ctx, benchSize())
			if err != nil {
				break
			}
			total += smp.Len()
		}
		cancel()
		fmt.Fprintf(os.Stderr, "paced load: %d entities in %v (%.0f/s, rate limit %d)\n", total, d, float64(total)/d.Seconds(), rate)
	}
}
