// Command cycle measures one full check cycle of fsmon: one view with 10
// features, a 100,000-entity sample from Redis and a 100,000-row window
// sample from Parquet, all five checks, pacing off. It writes the Parquet
// store itself (rows for the entities bench/redis_load.awk puts in Redis)
// and reports wall time and peak RSS. Run it through bench/full_cycle.sh.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"syscall"
	"time"

	"github.com/fsmon/fsmon/app"
	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/config"
	"github.com/fsmon/fsmon/internal/pqwrite"
)

func main() {
	addr := flag.String("redis", "127.0.0.1:6379", "redis-server loaded by bench/redis_load.awk")
	entities := flag.Int("entities", 1000000, "entities in Redis")
	rows := flag.Int("rows", 1000000, "Parquet rows to write (10 files)")
	n := flag.Int("sample", 100000, "sample size in both stores")
	runs := flag.Int("runs", 3, "cycles to time")
	dir := flag.String("dir", "", "Parquet directory (default: a temp dir)")
	flag.Parse()

	// redis_load.awk writes event_ts = 1700000000 + i%86400.
	now := time.Unix(1700000000+86400, 0)
	if *dir == "" {
		d, err := os.MkdirTemp("", "fsmon-cycle-")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(d)
		*dir = d
	}
	t0 := time.Now()
	if err := writeStore(*dir, *rows, *entities, now); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("wrote %d Parquet rows in 10 files in %.1f s\n", *rows, time.Since(t0).Seconds())

	cfgPath := filepath.Join(*dir, "fsmon.yaml")
	cfg := fmt.Sprintf(`sample_size: %d
online:
  redis: {addr: %s, rate_limit: 0, batch_size: 500, scan_count: 1000, timeout: 30s}
offline:
  parquet: {root: %s}
feature_views:
  - name: driver_stats
    project: bench
    entities: [driver_id]
    ttl: 48h
    online: {layout: hash, key: "fs:driver:{driver_id}", timestamp_field: event_ts}
    offline: {path: "*.parquet", timestamp_column: event_timestamp, window: 7d}
    features:
      - {name: conv_rate, type: float64}
      - {name: acc_rate, type: float64}
      - {name: avg_daily_trips, type: int64}
      - {name: rating, type: float64}
      - {name: trips_7d, type: int64}
      - {name: cancel_rate, type: float64}
      - {name: city, type: string}
      - {name: vehicle, type: string}
      - {name: active, type: bool}
      - {name: last_fare, type: float64}
`, *n, *addr, *dir)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		log.Fatal(err)
	}
	c, err := config.Load(cfgPath)
	if err != nil {
		log.Fatal(err)
	}
	stores, err := app.NewStores(c, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer stores.Close()
	var times []float64
	for i := 0; i < *runs; i++ {
		runtime.GC()
		start := time.Now()
		rs := app.RunView(context.Background(), stores, c.Views[0], now)
		el := time.Since(start).Seconds()
		times = append(times, el)
		var errs, on, off int
		for _, r := range rs {
			if r.Status == checks.Error {
				errs++
				fmt.Println("  error:", r.Check, r.Feature, r.Error)
			}
			if r.Check == checks.KindSkew && r.OnlineN != nil && r.Feature == "conv_rate" {
				on, off = *r.OnlineN, *r.OfflineN
			}
		}
		fmt.Printf("cycle %d: %.2f s, %d results, %d errors, skew on %d online / %d offline values\n", i+1, el, len(rs), errs, on, off)
	}
	sort.Float64s(times)
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	fmt.Printf("full cycle: median %.2f s (target < 5 s); peak RSS %.0f MB (target < 500 MB)\n", times[len(times)/2], float64(ru.Maxrss)/1024)
}

// writeStore writes rows rows over 10 files: entity ids drawn from the
// Redis entities, event times uniform over the week before now, the same
// ten features as bench/redis_load.awk.
func writeStore(dir string, rows, entities int, now time.Time) error {
	cols := []pqwrite.Column{{Name: "driver_id", Type: "string"}, {Name: "event_timestamp", Type: "timestamp"},
		{Name: "conv_rate", Type: "float64", Optional: true}, {Name: "acc_rate", Type: "float64", Optional: true},
		{Name: "avg_daily_trips", Type: "int64", Optional: true}, {Name: "rating", Type: "float64", Optional: true},
		{Name: "trips_7d", Type: "int64", Optional: true}, {Name: "cancel_rate", Type: "float64", Optional: true},
		{Name: "city", Type: "string", Optional: true}, {Name: "vehicle", Type: "string", Optional: true},
		{Name: "active", Type: "bool", Optional: true}, {Name: "last_fare", Type: "float64", Optional: true}}
	cities := []string{"Paris", "Lyon", "Berlin", "Madrid", "Rome", "Oslo", "Lisbon", "Vienna"}
	vehicles := []string{"sedan", "van", "bike", "scooter"}
	r := rand.New(rand.NewPCG(1, 2))
	per := rows / 10
	for f := 0; f < 10; f++ {
		batch := make([][]any, 0, per)
		for i := 0; i < per; i++ {
			id := r.IntN(entities)
			ts := now.Add(-time.Duration(r.Int64N(int64(7 * 24 * time.Hour))))
			batch = append(batch, []any{fmt.Sprintf("%012d", id), ts, r.Float64(), r.Float64(), int64(r.IntN(40)),
				3 + 2*r.Float64(), int64(r.IntN(300)), r.Float64() / 10, cities[r.IntN(8)], vehicles[r.IntN(4)],
				r.Float64() < 0.9, 5 + 60*r.Float64()})
		}
		if err := pqwrite.Write(filepath.Join(dir, fmt.Sprintf("part-%d.parquet", f)), cols, batch); err != nil {
			return err
		}
	}
	return nil
}
