// Command parquet_bench times parquetstore on a store written by
// parquet_gen: Footer, NullCounts, and a uniform sample of -n rows over the
// whole 7-day window with 1, 3 and 11 columns. It prints one line per
// operation, "name wall_ms cpu_ms", medians of -reps runs after one warm-up
// run (cpu_ms is the process's user+system time, all threads).
//
//	go run ./bench/parquet_bench -dir /tmp/store
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"syscall"
	"time"

	"github.com/fsmon/fsmon/parquetstore"
	"github.com/fsmon/fsmon/sample"
)

func main() {
	dir := flag.String("dir", "", "store directory written by parquet_gen")
	n := flag.Int("n", 100_000, "sample size")
	reps := flag.Int("reps", 5, "timed runs per operation")
	workers := flag.Int("workers", 0, "files read at once (0 = GOMAXPROCS)")
	end := flag.String("end", "2026-11-22T00:00:00Z", "end of the window (RFC 3339)")
	flag.Parse()
	to, err := time.Parse(time.RFC3339, *end)
	if err != nil || *dir == "" {
		fmt.Fprintln(os.Stderr, "parquet_bench: need -dir and a valid -end")
		os.Exit(2)
	}
	w := sample.Window{From: to.Add(-7 * 24 * time.Hour), To: to}
	all := []sample.Feature{
		{Name: "conv_rate", Type: sample.Float64},
		{Name: "acc_rate", Type: sample.Float32},
		{Name: "avg_daily_trips", Type: sample.Int32},
		{Name: "rides_7d", Type: sample.Int64},
		{Name: "rating", Type: sample.Float64},
		{Name: "distance_km", Type: sample.Float64},
		{Name: "income", Type: sample.Float64},
		{Name: "city", Type: sample.String},
		{Name: "active", Type: sample.Bool},
	}
	store := func(entities []string, feats []sample.Feature) *parquetstore.Store {
		s, err := parquetstore.New(parquetstore.View{
			Root: *dir, Path: "*.parquet", TimestampColumn: "event_timestamp",
			Entities: entities, Features: feats, Workers: *workers,
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "parquet_bench:", err)
			os.Exit(1)
		}
		return s
	}
	ctx := context.Background()
	full := store([]string{"driver_id"}, all)
	three := store([]string{"driver_id"}, all[:1]) // entity, timestamp, conv_rate
	one := store(nil, nil)                         // timestamp only
	ops := []struct {
		name string
		fn   func() (string, error)
	}{
		{"footer", func() (string, error) {
			f, err := full.Footer(ctx)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("rows=%d newest=%s files=%d", f.Rows, time.Unix(0, f.Newest).UTC().Format(time.RFC3339), f.Files), nil
		}},
		{"null_counts", func() (string, error) {
			m, rows, err := full.NullCounts(ctx)
			return fmt.Sprintf("conv_rate=%d/%d", m["conv_rate"], rows), err
		}},
		{"sample_1col", func() (string, error) {
			s, err := one.Sample(ctx, w, *n)
			return info(s), err
		}},
		{"sample_3col", func() (string, error) {
			s, err := three.Sample(ctx, w, *n)
			return info(s), err
		}},
		{"sample_11col", func() (string, error) {
			s, err := full.Sample(ctx, w, *n)
			return info(s), err
		}},
	}
	for _, op := range ops {
		what, err := op.fn() // warm-up
		if err != nil {
			fmt.Fprintf(os.Stderr, "parquet_bench: %s: %v\n", op.name, err)
			os.Exit(1)
		}
		var ds, cs []float64
		for range *reps {
			c := cpu()
			t := time.Now()
			if _, err := op.fn(); err != nil {
				fmt.Fprintf(os.Stderr, "parquet_bench: %s: %v\n", op.name, err)
				os.Exit(1)
			}
			ds = append(ds, float64(time.Since(t).Microseconds())/1000)
			cs = append(cs, float64((cpu()-c).Microseconds())/1000)
		}
		slices.Sort(ds)
		slices.Sort(cs)
		fmt.Printf("%s %.1f %.1f\t# %s\n", op.name, ds[len(ds)/2], cs[len(cs)/2], what)
	}
}

// cpu is the CPU time (user + system) used by this process so far.
func cpu() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func info(s *sample.Sample) string {
	if s == nil {
		return ""
	}
	return fmt.Sprintf("rows=%d population=%d problems=%d", s.Len(), s.Population, len(s.Problems))
}
