// Package pqwrite writes small Parquet files from rows of Go values, for
// the demo's offline store and for tests that need real Parquet files.
package pqwrite

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/parquet-go/parquet-go"
)

// Column declares one column. Type is int64, int32, float32, float64,
// bool, string, bytes (BYTE_ARRAY without a logical type), timestamp
// (microseconds, UTC), timestamp_ms or timestamp_ns. Optional columns
// accept nil values (Parquet nulls). A timestamp column takes time.Time
// values (floored to its unit) or int64 values in its unit.
type Column struct {
	Name     string
	Type     string
	Optional bool
}

// Write writes rows (one value per column, in cols order; nil is null) to
// path, creating its directory.
func Write(path string, cols []Column, rows [][]any) error {
	g := parquet.Group{}
	for _, c := range cols {
		var n parquet.Node
		switch c.Type {
		case "int64":
			n = parquet.Int(64)
		case "int32":
			n = parquet.Int(32)
		case "float32":
			n = parquet.Leaf(parquet.FloatType)
		case "float64":
			n = parquet.Leaf(parquet.DoubleType)
		case "bool":
			n = parquet.Leaf(parquet.BooleanType)
		case "string":
			n = parquet.String()
		case "bytes":
			n = parquet.Leaf(parquet.ByteArrayType)
		case "timestamp":
			n = parquet.Timestamp(parquet.Microsecond)
		case "timestamp_ms":
			n = parquet.Timestamp(parquet.Millisecond)
		case "timestamp_ns":
			n = parquet.Timestamp(parquet.Nanosecond)
		default:
			return fmt.Errorf("column %s: unknown type %q", c.Name, c.Type)
		}
		if c.Optional {
			n = parquet.Optional(n)
		}
		g[c.Name] = n
	}
	schema := parquet.NewSchema("fsmon", g)
	idx := map[string]int{}
	for i, p := range schema.Columns() {
		idx[p[0]] = i
	}
	out := make([]parquet.Row, 0, len(rows))
	for r, vals := range rows {
		if len(vals) != len(cols) {
			return fmt.Errorf("row %d has %d values for %d columns", r, len(vals), len(cols))
		}
		pr := make(parquet.Row, len(cols))
		for k, c := range cols {
			ci := idx[c.Name]
			def := 0
			if c.Optional {
				def = 1
			}
			v := vals[k]
			if v == nil {
				if !c.Optional {
					return fmt.Errorf("row %d: null in required column %s", r, c.Name)
				}
				pr[ci] = parquet.NullValue().Level(0, 0, ci)
				continue
			}
			var pv parquet.Value
			switch x := v.(type) {
			case time.Time:
				switch c.Type {
				case "timestamp_ms":
					pv = parquet.Int64Value(x.UnixMilli())
				case "timestamp_ns":
					pv = parquet.Int64Value(x.UnixNano())
				default:
					pv = parquet.Int64Value(x.UnixMicro())
				}
			case string:
				pv = parquet.ByteArrayValue([]byte(x))
			case []byte:
				pv = parquet.ByteArrayValue(x)
			case int:
				if c.Type == "int32" {
					pv = parquet.Int32Value(int32(x))
				} else {
					pv = parquet.Int64Value(int64(x))
				}
			default:
				pv = parquet.ValueOf(x)
			}
			pr[ci] = pv.Level(0, def, ci)
		}
		out = append(out, pr)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := parquet.NewWriter(f, schema)
	if _, err := w.WriteRows(out); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := w.Close(); err != nil {
		f.Close()
		return fmt.Errorf("close %s: %w", path, err)
	}
	return f.Close()
}
