package parquetstore

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/fsmon/fsmon/internal/blob"
	"github.com/fsmon/fsmon/internal/gcstest"
	"github.com/fsmon/fsmon/internal/pqwrite"
	"github.com/fsmon/fsmon/internal/s3test"
	"github.com/fsmon/fsmon/sample"
	"github.com/fsmon/fsmon/sample/sampletest"
)

// writeContract writes the suite's rows into two Parquet files under dir
// (so reads cross file boundaries), in a hive partition folder.
func writeContract(t *testing.T, dir string, rows []sampletest.Row) {
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
}

func contractView(b blob.Bucket, root string) View {
	return View{Bucket: b, Root: root, Path: "ct/**/*.parquet", TimestampColumn: "event_timestamp", Entities: []string{"id"}, Features: sampletest.Features}
}

// TestContract runs the store contract on Parquet files written in a
// temporary directory.
func TestContract(t *testing.T) {
	sampletest.RunOffline(t, func(t *testing.T, rows []sampletest.Row) sample.Offline {
		dir := t.TempDir()
		writeContract(t, dir, rows)
		st, err := New(contractView(nil, dir))
		if err != nil {
			t.Fatal(err)
		}
		return st
	})
}

// TestContractS3 runs the same contract on the same files uploaded to a
// real S3 server.
func TestContractS3(t *testing.T) {
	srv := s3test.Start(t)
	n := 0
	sampletest.RunOffline(t, func(t *testing.T, rows []sampletest.Row) sample.Offline {
		dir := t.TempDir()
		writeContract(t, dir, rows)
		n++
		name := "contract-" + strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
		if len(name) > 60 {
			name = name[:60]
		}
		name = strings.Trim(name, "-") + "-" + itoa(int64(n))
		b := srv.Bucket(t, name)
		srv.PutDir(t, name, "feast/offline", dir)
		st, err := New(contractView(b, "feast/offline"))
		if err != nil {
			t.Fatal(err)
		}
		return st
	})
}

// TestContractGCS runs the same contract on the Cloud Storage emulator.
func TestContractGCS(t *testing.T) {
	srv := gcstest.Start(t)
	n := 0
	sampletest.RunOffline(t, func(t *testing.T, rows []sampletest.Row) sample.Offline {
		dir := t.TempDir()
		writeContract(t, dir, rows)
		n++
		name := "contract-" + itoa(int64(n))
		b := srv.Bucket(t, name)
		srv.PutDir(t, name, "feast/offline", dir)
		st, err := New(contractView(b, "feast/offline"))
		if err != nil {
			t.Fatal(err)
		}
		return st
	})
}
