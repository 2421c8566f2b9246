package parquetstore

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/fsmon/fsmon/sample"
)

// t0 is the event time of row 0 in the test data; row i is t0 + i minutes.
var t0 = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// driverRow is the test schema: every feature type, a nullable float and a
// dictionary-encoded string.
type driverRow struct {
	DriverID int64    `parquet:"driver_id"`
	TS       int64    `parquet:"event_timestamp,timestamp(microsecond)"`
	ConvRate *float64 `parquet:"conv_rate,optional"`
	AccRate  float32  `parquet:"acc_rate"`
	Trips    int32    `parquet:"trips"`
	City     string   `parquet:"city,dict"`
	Active   bool     `parquet:"active"`
}

var cities = []string{"Paris", "Lyon", "Nice"}

// row i of the test data: driver i%drivers, time t0+i min, conv_rate i/1000
// (null when i%10 == 0), acc_rate i%7, trips i, city cities[i%3], active when
// i is even.
func mkRow(i, drivers int) driverRow {
	r := driverRow{
		DriverID: int64(i % drivers),
		TS:       t0.Add(time.Duration(i) * time.Minute).UnixMicro(),
		AccRate:  float32(i % 7),
		Trips:    int32(i),
		City:     cities[i%3],
		Active:   i%2 == 0,
	}
	if i%10 != 0 {
		v := float64(i) / 1000
		r.ConvRate = &v
	}
	return r
}

func rowsRange(from, to, drivers int) []driverRow {
	var rows []driverRow
	for i := from; i < to; i++ {
		rows = append(rows, mkRow(i, drivers))
	}
	return rows
}

func writeParquet[T any](t testing.TB, path string, rows []T, opts ...parquet.WriterOption) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[T](f, opts...)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

var driverFeatures = []sample.Feature{
	{Name: "conv_rate", Type: sample.Float64},
	{Name: "acc_rate", Type: sample.Float32},
	{Name: "trips", Type: sample.Int32},
	{Name: "city", Type: sample.String},
	{Name: "active", Type: sample.Bool},
}

func newStore(t testing.TB, root, path string, mod ...func(*View)) *Store {
	t.Helper()
	v := View{
		Root:            root,
		Path:            path,
		TimestampColumn: "event_timestamp",
		Entities:        []string{"driver_id"},
		Features:        driverFeatures,
	}
	for _, m := range mod {
		m(&v)
	}
	s, err := New(v)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// rowIndex recovers the test row index from a sampled event time.
func rowIndex(t testing.TB, ns int64) int {
	t.Helper()
	d := time.Duration(ns - t0.UnixNano())
	if d%time.Minute != 0 {
		t.Fatalf("time %v is not on a minute of the test data", time.Unix(0, ns).UTC())
	}
	return int(d / time.Minute)
}

// checkRows verifies every row of s against mkRow: entity and every feature
// must belong to the row its event time names (catches misaligned columns).
func checkRows(t testing.TB, s *sample.Sample, drivers int) {
	t.Helper()
	for j := range s.Len() {
		if !s.HasTime[j] {
			t.Fatalf("row %d has no time", j)
		}
		i := rowIndex(t, s.Times[j])
		want := mkRow(i, drivers)
		if got := string(s.Entities[j]); got != itoa(want.DriverID) {
			t.Fatalf("row %d (data row %d): entity %q, want %d", j, i, got, want.DriverID)
		}
		conv := s.Columns["conv_rate"]
		if want.ConvRate == nil {
			if conv.Nulls[j] != sample.Empty {
				t.Fatalf("data row %d: conv_rate null kind %d, want Empty", i, conv.Nulls[j])
			}
		} else if conv.Nulls[j] != sample.Present || conv.Num[j] != *want.ConvRate {
			t.Fatalf("data row %d: conv_rate %v (%d), want %v", i, conv.Num[j], conv.Nulls[j], *want.ConvRate)
		}
		if c := s.Columns["acc_rate"]; c.Nulls[j] != sample.Present || c.Num[j] != float64(want.AccRate) {
			t.Fatalf("data row %d: acc_rate %v, want %v", i, c.Num[j], want.AccRate)
		}
		if c := s.Columns["trips"]; c.Nulls[j] != sample.Present || c.Num[j] != float64(i) {
			t.Fatalf("data row %d: trips %v, want %d", i, c.Num[j], i)
		}
		if c := s.Columns["city"]; c.Nulls[j] != sample.Present || c.Str[j] != want.City {
			t.Fatalf("data row %d: city %q, want %q", i, c.Str[j], want.City)
		}
		wantActive := "false"
		if i%2 == 0 {
			wantActive = "true"
		}
		if c := s.Columns["active"]; c.Nulls[j] != sample.Present || c.Str[j] != wantActive {
			t.Fatalf("data row %d: active %q, want %q", i, c.Str[j], wantActive)
		}
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
