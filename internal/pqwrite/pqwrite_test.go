package pqwrite

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

func TestWriteReadBack(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a", "x.parquet")
	ts := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	cols := []Column{{"driver_id", "int64", false}, {"event_timestamp", "timestamp", false}, {"conv_rate", "float64", true}, {"city", "string", true}}
	if err := Write(p, cols, [][]any{{int64(1001), ts, 0.5, "sf"}, {int64(1002), ts, nil, nil}}); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	if pf.NumRows() != 2 {
		t.Fatalf("rows %d", pf.NumRows())
	}
	rows := make([]parquet.Row, 2)
	n, _ := pf.RowGroups()[0].Rows().ReadRows(rows)
	if n != 2 {
		t.Fatalf("read %d rows", n)
	}
	// Columns are sorted by name: city, conv_rate, driver_id, event_timestamp.
	if got := string(rows[0][0].ByteArray()); got != "sf" || rows[0][1].Double() != 0.5 || rows[0][2].Int64() != 1001 || rows[0][3].Int64() != ts.UnixMicro() {
		t.Fatalf("row 0: %v", rows[0])
	}
	if !rows[1][0].IsNull() || !rows[1][1].IsNull() {
		t.Fatalf("row 1 nulls: %v", rows[1])
	}
	if err := Write(p, cols, [][]any{{nil, ts, 0.5, "x"}}); err == nil {
		t.Fatal("null in a required column must fail")
	}
}

// Millisecond and nanosecond timestamps floor a time to their unit (before
// 1970 too); bytes are stored as given.
func TestWriteUnitsAndBytes(t *testing.T) {
	p := filepath.Join(t.TempDir(), "u.parquet")
	ts := time.Date(1969, 12, 31, 23, 59, 59, 999_999_999, time.UTC)
	cols := []Column{{"a_ms", "timestamp_ms", false}, {"b_ns", "timestamp_ns", false}, {"c_bytes", "bytes", true}}
	if err := Write(p, cols, [][]any{{ts, ts, []byte{0, 0xff}}, {int64(-1), int64(7), nil}}); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"TIMESTAMP(isAdjustedToUTC=true,unit=MILLIS)", "TIMESTAMP(isAdjustedToUTC=true,unit=NANOS)"} {
		if got := pf.Schema().Fields()[i].Type().LogicalType().String(); got != want {
			t.Errorf("column %d logical type %s, want %s", i, got, want)
		}
	}
	rows := make([]parquet.Row, 2)
	if n, _ := pf.RowGroups()[0].Rows().ReadRows(rows); n != 2 {
		t.Fatalf("read %d rows", n)
	}
	if rows[0][0].Int64() != -1 || rows[0][1].Int64() != -1 || string(rows[0][2].ByteArray()) != "\x00\xff" {
		t.Errorf("row 0: %v", rows[0])
	}
	if rows[1][0].Int64() != -1 || rows[1][1].Int64() != 7 || !rows[1][2].IsNull() {
		t.Errorf("row 1: %v", rows[1])
	}
}
