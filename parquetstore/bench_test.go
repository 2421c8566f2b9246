package parquetstore

import (
	"context"
	"flag"
	"path/filepath"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/fsmon/fsmon/sample"
)

// benchDir points the benchmarks at a store written by bench/parquet_gen
// (go test -bench . -parquet.store /tmp/store); without it they use a small
// store of the test schema written in a temp dir.
var benchDir = flag.String("parquet.store", "", "store written by bench/parquet_gen for the benchmarks")

// benchStores returns stores reading the timestamp only, 3 columns and every
// column, and the window covering all rows.
func benchStores(b *testing.B) (one, three, all *Store, w sample.Window) {
	b.Helper()
	if *benchDir != "" {
		feats := []sample.Feature{
			{Name: "conv_rate", Type: sample.Float64}, {Name: "acc_rate", Type: sample.Float32},
			{Name: "avg_daily_trips", Type: sample.Int32}, {Name: "rides_7d", Type: sample.Int64},
			{Name: "rating", Type: sample.Float64}, {Name: "distance_km", Type: sample.Float64},
			{Name: "income", Type: sample.Float64}, {Name: "city", Type: sample.String},
			{Name: "active", Type: sample.Bool},
		}
		mk := func(ents []string, f []sample.Feature) *Store {
			s, err := New(View{Root: *benchDir, Path: "*.parquet", TimestampColumn: "event_timestamp", Entities: ents, Features: f})
			if err != nil {
				b.Fatal(err)
			}
			return s
		}
		end := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
		return mk(nil, nil), mk([]string{"driver_id"}, feats[:1]), mk([]string{"driver_id"}, feats),
			sample.Window{From: end.Add(-7 * 24 * time.Hour), To: end}
	}
	root := b.TempDir()
	for f := range 4 {
		writeParquet(b, filepath.Join(root, "v", "part-"+itoa(int64(f))+".parquet"), rowsRange(f*50_000, (f+1)*50_000, 10_000), parquet.MaxRowsPerRowGroup(1<<16))
	}
	mk := func(ents []string, f []sample.Feature) *Store {
		return newStore(b, root, "v", func(v *View) { v.Entities, v.Features = ents, f })
	}
	return mk(nil, nil), mk([]string{"driver_id"}, driverFeatures[:1]), mk([]string{"driver_id"}, driverFeatures),
		sample.Window{From: t0, To: t0.Add(200_000 * time.Minute)}
}

func BenchmarkFooter(b *testing.B) {
	_, _, s, _ := benchStores(b)
	for b.Loop() {
		if _, err := s.Footer(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNullCounts(b *testing.B) {
	_, _, s, _ := benchStores(b)
	for b.Loop() {
		if _, _, err := s.NullCounts(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

func benchSample(b *testing.B, pick func(one, three, all *Store) *Store) {
	one, three, all, w := benchStores(b)
	s := pick(one, three, all)
	for b.Loop() {
		got, err := s.Sample(context.Background(), w, 100_000)
		if err != nil {
			b.Fatal(err)
		}
		if got.Len() == 0 {
			b.Fatal("empty sample")
		}
	}
}

func BenchmarkSample1Col(b *testing.B) {
	benchSample(b, func(one, _, _ *Store) *Store { return one })
}

func BenchmarkSample3Cols(b *testing.B) {
	benchSample(b, func(_, three, _ *Store) *Store { return three })
}

func BenchmarkSample11Cols(b *testing.B) {
	benchSample(b, func(_, _, all *Store) *Store { return all })
}

func BenchmarkAsOf(b *testing.B) {
	_, _, s, _ := benchStores(b)
	qs := make([]sample.AsOf, 10_000)
	for i := range qs {
		qs[i] = sample.AsOf{Entity: sample.Entity(itoa(int64(i * 7))), Time: time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)}
	}
	for b.Loop() {
		if _, err := s.AsOf(context.Background(), qs); err != nil {
			b.Fatal(err)
		}
	}
}
