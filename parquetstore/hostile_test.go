package parquetstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"

	"github.com/fsmon/fsmon/sample"
)

// The crafted files below claim far more than they hold. Before the bounds
// checks, parquet-go allocated what they claim (the first one took a process
// to 21 GB or to "fatal error: out of memory", which recover() cannot catch).

// withFooter appends a footer of the given Thrift bytes to data.
func withFooter(data, footer []byte) []byte {
	out := append(bytes.Clone(data), footer...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(footer)))
	return append(out, "PAR1"...)
}

// craftFooterLength: PAR1, random bytes, a footer length of 0xfffffff0, PAR1.
func craftFooterLength() []byte {
	b := []byte("PAR1")
	r := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		b = append(b, byte(r.UintN(256)))
	}
	b = append(b, 0xf0, 0xff, 0xff, 0xff)
	return append(b, "PAR1"...)
}

// craftListBomb: a footer of 30 bytes whose row group list claims 2^31-1
// entries.
func craftListBomb() []byte {
	footer := []byte{
		0x15, 0x02, // 1: version i32 = 1
		0x19, 0x1c, // 2: schema list<struct> of 1
		0x48, 0x01, 'x', 0x00, // SchemaElement{4: name "x"}
		0x16, 0x00, // 3: num_rows i64 = 0
		0x19, 0xfc, 0xff, 0xff, 0xff, 0xff, 0x07, // 4: row_groups list<struct> of 2^31-1
		0x00, 0x00,
	}
	return withFooter([]byte("PAR1"), footer)
}

// parsed is a valid file split into its data and its decoded footer.
type parsed struct {
	data []byte // everything before the footer
	md   format.FileMetaData
}

func parseFile(t testing.TB, b []byte) *parsed {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)), parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		t.Fatal(err)
	}
	n := int(binary.LittleEndian.Uint32(b[len(b)-8:]))
	return &parsed{data: b[:len(b)-8-n], md: *f.Metadata()}
}

func (p *parsed) bytes(t testing.TB) []byte {
	t.Helper()
	footer, err := thrift.Marshal(new(thrift.CompactProtocol), &p.md)
	if err != nil {
		t.Fatal(err)
	}
	return withFooter(p.data, footer)
}

// rewritePage re-encodes the first page header of the named column's chunk
// in row group 0 after edit, shifting every offset behind it.
func (p *parsed) rewritePage(t testing.TB, column string, edit func(*format.PageHeader)) {
	t.Helper()
	var cm *format.ColumnMetaData
	for i := range p.md.RowGroups[0].Columns {
		c := &p.md.RowGroups[0].Columns[i].MetaData
		if strings.Join(c.PathInSchema, ".") == column {
			cm = c
		}
	}
	if cm == nil {
		t.Fatalf("no column %s", column)
	}
	start, _, _ := chunkRange(cm)
	w := walker{b: p.data[start:], max: 1 << 30}
	if err := w.structure(); err != nil {
		t.Fatal(err)
	}
	var h format.PageHeader
	if err := thrift.Unmarshal(new(thrift.CompactProtocol), p.data[start:start+int64(w.pos)], &h); err != nil {
		t.Fatal(err)
	}
	edit(&h)
	nh, err := thrift.Marshal(new(thrift.CompactProtocol), &h)
	if err != nil {
		t.Fatal(err)
	}
	delta := int64(len(nh) - w.pos)
	data := append(append(bytes.Clone(p.data[:start]), nh...), p.data[start+int64(w.pos):]...)
	shift := func(off *int64) {
		if *off > start {
			*off += delta
		}
	}
	for i := range p.md.RowGroups {
		rg := &p.md.RowGroups[i]
		shift(&rg.FileOffset)
		for j := range rg.Columns {
			c := &rg.Columns[j]
			shift(&c.FileOffset)
			shift(&c.ColumnIndexOffset)
			shift(&c.OffsetIndexOffset)
			shift(&c.MetaData.DataPageOffset)
			shift(&c.MetaData.DictionaryPageOffset)
			shift(&c.MetaData.IndexPageOffset)
			shift(&c.MetaData.BloomFilterOffset)
		}
	}
	cm.TotalCompressedSize += delta
	p.data = data
}

// craftedFiles returns the hostile files by name, derived from good, a valid
// file of the test schema.
func craftedFiles(t *testing.T, good []byte) map[string][]byte { return craftedFilesF(t, good) }

func craftedFilesF(t testing.TB, good []byte) map[string][]byte {
	t.Helper()
	pageSize := parseFile(t, good)
	pageSize.rewritePage(t, "event_timestamp", func(h *format.PageHeader) {
		h.UncompressedPageSize = 243_000_000
	})
	pageValues := parseFile(t, good)
	pageValues.rewritePage(t, "trips", func(h *format.PageHeader) {
		h.DataPageHeader.V.NumValues = 1<<31 - 1
		h.DataPageHeaderV2.V.NumValues = 1<<31 - 1
	})
	rows := parseFile(t, good)
	rows.md.RowGroups[0].NumRows = 1 << 40
	return map[string][]byte{
		"footer_length.parquet": craftFooterLength(),
		"list_bomb.parquet":     craftListBomb(),
		"page_243mb.parquet":    pageSize.bytes(t),
		"page_values.parquet":   pageValues.bytes(t),
		"rows_2e40.parquet":     rows.bytes(t),
	}
}

// TestCraftedFiles: each crafted file is a problem naming it (and what it
// claims), the good file beside it is still read, and nothing the files
// claim is allocated.
func TestCraftedFiles(t *testing.T) {
	dir := t.TempDir()
	// The crafted files derive from older rows than the good file's, so
	// that the good file answers AsOf.
	old := filepath.Join(t.TempDir(), "old.parquet")
	writeParquet(t, old, rowsRange(0, 100, 20))
	writeParquet(t, filepath.Join(dir, "good.parquet"), rowsRange(100, 200, 20))
	b, err := os.ReadFile(old)
	if err != nil {
		t.Fatal(err)
	}
	crafted := craftedFiles(t, b)
	want := map[string]string{
		"footer_length.parquet": "footer claims",
		"list_bomb.parquet":     "claims 2147483647 elements",
		"page_243mb.parquet":    "243000000 uncompressed",
		"page_values.parquet":   "claims 2147483647 values",
		"rows_2e40.parquet":     "claims 1099511627776 rows",
	}
	for name, data := range crafted {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out := os.Getenv("FSMON_CRAFTED_OUT"); out != "" {
		// bench/crafted_parquet_rss.sh measures `fsmon check` on these
		// very files.
		for name, data := range crafted {
			if err := os.WriteFile(filepath.Join(out, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(out, "good.parquet"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := newStore(t, dir, ".", func(v *View) { v.MaxReadBytes = 16 << 20 })
	ctx := context.Background()
	now := t0.Add(200 * time.Minute)
	smp, err := s.Sample(ctx, sample.Window{From: t0, To: now}, 50)
	if err != nil {
		t.Fatalf("Sample: %v", err)
	}
	if smp.Len() == 0 {
		t.Error("the good file was not sampled")
	}
	lk, err := s.AsOf(ctx, []sample.AsOf{{Entity: "3", Time: now}})
	if err != nil {
		t.Fatalf("AsOf: %v", err)
	}
	if !lk.HasTime[0] {
		t.Error("AsOf found nothing in the good file")
	}
	for name, w := range want {
		for what, probs := range map[string][]sample.Problem{"Sample": smp.Problems, "AsOf": lk.Problems} {
			if what == "AsOf" && name == "page_values.parquet" {
				continue // its trips values are not the newest: never read
			}
			found := false
			for _, p := range probs {
				if strings.Contains(p.Message, name) && strings.Contains(p.Message, w) && p.Kind.Biases() {
					found = true
				}
			}
			if !found {
				t.Errorf("%s problems lack %q naming %s: %q", what, w, name, probs)
			}
		}
	}
}
