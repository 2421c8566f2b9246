package parquetstore

import (
	"path/filepath"
	"testing"

	"github.com/fsmon/fsmon/internal/pqwrite"
	"github.com/fsmon/fsmon/sample"
	"github.com/fsmon/fsmon/sample/sampletest"
)

// TestContract runs the store contract on Parquet files written in a
// temporary directory (two files, so reads cross file boundaries).
func TestContract(t *testing.T) {
	sampletest.RunOffline(t, func(t *testing.T, rows []sampletest.Row) sample.Offline {
		dir := t.TempDir()
		cols := []pqwrite.Column{{Name: "id", Type: "int64"}, {Name: "event_timestamp", Type: "timestamp"},
			{Name: "x", Type: "float64", Optional: true}, {Name: "n", Type: "int64", Optional: true},
			{Name: "c", Type: "string", Optional: true}, {Name: "b", Type: "bool", Optional: true}}
		var parts [2][][]any
		for i, r := range rows {
			vals := []any{int64(r.ID), r.Time}
			for _, f := range sampletest.Features {
				vals = append(vals, r.Values[f.Name])
			}
			parts[i%2] = append(parts[i%2], vals)
		}
		for i, p := range parts {
			if err := pqwrite.Write(filepath.Join(dir, "ct", "date=x", "part-"+string(rune('0'+i))+".parquet"), cols, p); err != nil {
				t.Fatal(err)
			}
		}
		st, err := New(View{Root: dir, Path: "ct/**/*.parquet", TimestampColumn: "event_timestamp", Entities: []string{"id"}, Features: sampletest.Features})
		if err != nil {
			t.Fatal(err)
		}
		return st
	})
}
