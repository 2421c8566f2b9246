package parquetstore

import (
	"context"
	"testing"
	"time"

	"github.com/fsmon/fsmon/sample"
)

// testdata/duckdb_rows.parquet was written by DuckDB's Parquet writer
// (bench/duckdb/write_fixture.mjs): 6000 rows following mkRow with 100
// drivers, three row groups, data page v1, zstd.
func TestDuckDBWrittenFile(t *testing.T) {
	s := newStore(t, "testdata", "duckdb_rows.parquet")
	ctx := context.Background()
	f, err := s.Footer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !f.HasNewest || f.Newest != t0.Add(5999*time.Minute).UnixNano() || f.Rows != 6000 {
		t.Errorf("footer: newest %v rows %d, want %v and 6000", time.Unix(0, f.Newest).UTC(), f.Rows, t0.Add(5999*time.Minute))
	}
	nulls, rows, err := s.NullCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rows != 6000 || nulls["conv_rate"] != 600 || nulls["city"] != 0 {
		t.Errorf("null counts %v of %d, want conv_rate 600 of 6000", nulls, rows)
	}
	// Rows 100..2999: crosses the first row-group boundary (2048).
	got, err := s.Sample(ctx, sample.Window{From: t0.Add(100 * time.Minute), To: t0.Add(2999 * time.Minute)}, 10000)
	if err != nil {
		t.Fatal(err)
	}
	if got.Len() != 2900 || len(got.Problems) != 0 {
		t.Fatalf("window holds %d rows (problems %q), want 2900", got.Len(), got.Problems)
	}
	checkRows(t, got, 100)
	small, err := s.Sample(ctx, sample.Window{From: t0, To: t0.Add(6000 * time.Minute)}, 500)
	if err != nil {
		t.Fatal(err)
	}
	if small.Len() != 500 || small.Population != 6000 {
		t.Fatalf("sample of 500: %d rows of %d", small.Len(), small.Population)
	}
	checkRows(t, small, 100)
	// Driver 42 has rows 42, 142, ..., 5942; at row 4100's time the newest
	// is 4042.
	as, err := s.AsOf(ctx, []sample.AsOf{{Entity: "42", Time: t0.Add(4100 * time.Minute)}})
	if err != nil {
		t.Fatal(err)
	}
	if !as.HasTime[0] || as.Times[0] != t0.Add(4042*time.Minute).UnixNano() {
		t.Fatalf("as-of: %v, want row 4042", time.Unix(0, as.Times[0]).UTC())
	}
	checkRows(t, as, 100)
}
