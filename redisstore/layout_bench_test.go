package redisstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fsmon/fsmon/feast"
	"github.com/fsmon/fsmon/feast/feasttest"
	"github.com/fsmon/fsmon/internal/redistest"
	"github.com/fsmon/fsmon/sample"
)

// BenchmarkLayouts reads the same entities stored in the hash layout and in
// Feast's layout (10 features each) from one real redis-server at full
// speed, so the two decoders can be compared: decoding Feast's binary keys
// and protobuf values must not be the bottleneck. Sub-benchmarks report
// entities/s; FSMON_BENCH_LAYOUT_ENTITIES sets the count (default 100,000).
func BenchmarkLayouts(b *testing.B) {
	n := envInt("FSMON_BENCH_LAYOUT_ENTITIES", 100_000)
	srv := redistest.Start(b)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer rdb.Close()
	ctx := context.Background()
	now := time.Now()

	names := []string{"conv_rate", "acc_rate", "avg_daily_trips", "rating", "trips_7d", "cancel_rate", "city", "vehicle", "active", "last_fare"}
	var fsFeatures []sample.Feature
	for i, nm := range names {
		t := sample.Float64
		switch {
		case i == 2 || i == 4:
			t = sample.Int64
		case i == 6 || i == 7:
			t = sample.String
		case i == 8:
			t = sample.Bool
		}
		fsFeatures = append(fsFeatures, sample.Feature{Name: nm, Type: t})
	}
	value := func(t sample.Type, id int) (text string, proto []byte) {
		switch t {
		case sample.Int64:
			return fmt.Sprint(id % 40), feasttest.Int64(int64(id % 40))
		case sample.String:
			return "Paris", feasttest.String("Paris")
		case sample.Bool:
			return "true", feasttest.Bool(true)
		}
		return "0.123456", feasttest.Double(0.123456)
	}
	var rows []feasttest.Row
	pipe := rdb.Pipeline()
	for id := 0; id < n; id++ {
		args := []any{"event_ts", fmt.Sprint(now.Unix())}
		row := feasttest.Row{Entity: []feast.EntityValue{{Type: feast.Int64, Int: int64(id)}}, Event: now}
		for _, f := range fsFeatures {
			text, proto := value(f.Type, id)
			args = append(args, f.Name, text)
			row.Values = append(row.Values, feasttest.Field{Name: f.Name, Value: proto})
		}
		rows = append(rows, row)
		pipe.HSet(ctx, fmt.Sprintf("fs:driver:%d", id), args...)
		if pipe.Len() == 1000 {
			if _, err := pipe.Exec(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	if _, err := pipe.Exec(ctx); err != nil {
		b.Fatal(err)
	}
	w := feasttest.Writer{Project: "bench", Version: 3, SkipDedup: true}
	for i := 0; i < len(rows); i += 5000 {
		if err := w.Write(ctx, rdb, "driver_hourly_stats", []string{"driver_id"}, rows[i:min(i+5000, len(rows))]); err != nil {
			b.Fatal(err)
		}
	}
	ents := make([]sample.Entity, n)
	for i := range ents {
		ents[i] = sample.Entity(fmt.Sprint(i))
	}
	s := newStore(b, Options{Addr: srv.Addr, BatchSize: 500})
	for _, v := range []View{
		{Name: "driver_hourly_stats", Layout: LayoutHash, Key: "fs:driver:{driver_id}", Entities: []string{"driver_id"}, TimestampField: "event_ts", Features: fsFeatures},
		{Name: "driver_hourly_stats", Layout: LayoutFeast, Entities: []string{"driver_id"}, Features: fsFeatures,
			Project: "bench", KeyVersion: 3, JoinKeyTypes: []feast.ValueType{feast.Int64}},
	} {
		vs := newView(b, s, v)
		b.Run(v.Layout+"/Lookup", func(b *testing.B) {
			for b.Loop() {
				smp, err := vs.Lookup(ctx, ents)
				if err != nil {
					b.Fatal(err)
				}
				if smp.Len() != n || !smp.HasTime[n-1] || smp.Columns["conv_rate"].Num[n-1] != 0.123456 {
					b.Fatalf("lookup read wrong data")
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "entities/s")
		})
		b.Run(v.Layout+"/Sample", func(b *testing.B) {
			for b.Loop() {
				smp, err := vs.Sample(ctx, n)
				if err != nil {
					b.Fatal(err)
				}
				if smp.Len() != n {
					b.Fatalf("sample of %d, want %d", smp.Len(), n)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "entities/s")
		})
	}
}
