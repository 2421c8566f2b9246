// Command parquet_gen writes a synthetic offline store for the parquetstore
// benchmarks: a number of Parquet files (snappy, one row group per
// -rowgroup rows) with 11 columns: driver_id (int64), event_timestamp
// (TIMESTAMP micros) and 9 features, conv_rate nullable (1 % nulls), city a
// dictionary string. Event times are spread evenly over the 7 days before
// -end, in file order. The output is deterministic for given flags.
//
//	go run ./bench/parquet_gen -out /tmp/store -rows 10000000 -files 10
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/snappy"
)

// Row is one row of the benchmark store.
type Row struct {
	DriverID      int64    `parquet:"driver_id"`
	EventTS       int64    `parquet:"event_timestamp,timestamp(microsecond)"`
	ConvRate      *float64 `parquet:"conv_rate,optional"`
	AccRate       float32  `parquet:"acc_rate"`
	AvgDailyTrips int32    `parquet:"avg_daily_trips"`
	Rides         int64    `parquet:"rides_7d"`
	Rating        float64  `parquet:"rating"`
	Distance      float64  `parquet:"distance_km"`
	Income        float64  `parquet:"income"`
	City          string   `parquet:"city,dict"`
	Active        bool     `parquet:"active"`
}

var cities = []string{"Paris", "Lyon", "Nice", "Lille", "Nantes", "Rennes", "Bordeaux", "Toulouse", "Marseille", "Strasbourg", "Grenoble", "Dijon"}

func main() {
	out := flag.String("out", "", "output directory (created)")
	rows := flag.Int("rows", 10_000_000, "total rows")
	files := flag.Int("files", 10, "number of files")
	rowGroup := flag.Int64("rowgroup", 1<<20, "rows per row group")
	drivers := flag.Int64("drivers", 1_000_000, "distinct driver ids")
	endFlag := flag.String("end", "2026-11-22T00:00:00Z", "newest event time (RFC 3339)")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "parquet_gen: -out is required")
		os.Exit(2)
	}
	end, err := time.Parse(time.RFC3339, *endFlag)
	if err != nil {
		fmt.Fprintf(os.Stderr, "parquet_gen: -end: %v\n", err)
		os.Exit(2)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "parquet_gen:", err)
		os.Exit(1)
	}
	start := time.Now()
	span := int64(7 * 24 * time.Hour / time.Microsecond)
	first := end.UnixMicro() - span
	per := *rows / *files
	var wg sync.WaitGroup
	errs := make([]error, *files)
	sem := make(chan struct{}, 2)
	for f := range *files {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			lo := f * per
			hi := lo + per
			if f == *files-1 {
				hi = *rows
			}
			path := filepath.Join(*out, fmt.Sprintf("part-%05d.parquet", f))
			errs[f] = writeFile(path, lo, hi, *rows, first, span, *drivers, *rowGroup)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			fmt.Fprintln(os.Stderr, "parquet_gen:", err)
			os.Exit(1)
		}
	}
	fmt.Printf("wrote %d rows in %d files to %s in %.1fs\n", *rows, *files, *out, time.Since(start).Seconds())
}

func writeFile(path string, lo, hi, total int, first, span, drivers, rowGroup int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := parquet.NewGenericWriter[Row](f, parquet.Compression(&snappy.Codec{}), parquet.MaxRowsPerRowGroup(rowGroup))
	rng := rand.New(rand.NewPCG(uint64(lo), 42))
	batch := make([]Row, 0, 8192)
	convs := make([]float64, 8192)
	flush := func() error {
		_, err := w.Write(batch)
		batch = batch[:0]
		return err
	}
	for i := lo; i < hi; i++ {
		r := Row{
			DriverID:      rng.Int64N(drivers),
			EventTS:       first + int64(float64(i)/float64(total)*float64(span)),
			AccRate:       rng.Float32(),
			AvgDailyTrips: int32(rng.IntN(500)),
			Rides:         rng.Int64N(10_000),
			Rating:        1 + 4*rng.Float64(),
			Distance:      rng.ExpFloat64() * 12,
			Income:        rng.NormFloat64()*800 + 3000,
			City:          cities[rng.IntN(len(cities))],
			Active:        rng.IntN(4) != 0,
		}
		if rng.IntN(100) != 0 {
			convs[len(batch)] = rng.Float64()
			r.ConvRate = &convs[len(batch)]
		}
		batch = append(batch, r)
		if len(batch) == cap(batch) {
			if err := flush(); err != nil {
				return fmt.Errorf("write %s: %w", path, err)
			}
		}
	}
	if err := flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}
