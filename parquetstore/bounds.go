package parquetstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unsafe"

	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// DefaultMaxReadBytes is the default of View.MaxReadBytes.
const DefaultMaxReadBytes = 128 << 20

// A Parquet file states the sizes of what a reader must allocate: the
// footer's length, the number of row groups and column chunks, the rows of
// a row group, each page's compressed and uncompressed size and its value
// count. parquet-go allocates what a file claims before reading it, so a
// few bytes claiming gigabytes would kill the process with an out-of-memory
// error that recover() cannot catch. Everything here checks the claims
// against the file's size and a ceiling before parquet-go sees them.

// checkFooter validates the tail of a Parquet file of the given size: the
// magic bytes, a footer length within the file and the ceiling, and a
// footer whose Thrift structure never claims more elements or bytes than it
// holds, nor decodes to more than ceiling bytes. It returns the footer length.
func checkFooter(r io.ReaderAt, size, ceiling int64) (int64, error) {
	if size < 12 {
		return 0, fmt.Errorf("not a Parquet file: %d bytes", size)
	}
	var head [4]byte
	if _, err := r.ReadAt(head[:], 0); err != nil {
		return 0, fmt.Errorf("read magic bytes: %w", err)
	}
	var tail [8]byte
	if _, err := r.ReadAt(tail[:], size-8); err != nil {
		return 0, fmt.Errorf("read footer length: %w", err)
	}
	if string(head[:]) != "PAR1" || string(tail[4:]) != "PAR1" {
		return 0, errors.New("not a Parquet file (no PAR1 magic bytes; encrypted footers are not supported)")
	}
	n := int64(binary.LittleEndian.Uint32(tail[:4]))
	if n > size-12 {
		return 0, fmt.Errorf("footer claims %d bytes, the file has %d", n, size)
	}
	if n > ceiling {
		return 0, fmt.Errorf("footer of %d bytes is larger than max_read_bytes (%d)", n, ceiling)
	}
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, size-8-n); err != nil {
		return 0, fmt.Errorf("read footer: %w", err)
	}
	w := walker{b: buf, max: ceiling}
	if err := w.structure(); err != nil {
		return 0, fmt.Errorf("footer: %w", err)
	}
	return n, nil
}

// checkMetadata checks the decoded footer: row counts within the ceiling and
// column chunks within the data part of the file (before the footer).
func checkMetadata(md *format.FileMetaData, size, footer, ceiling int64) error {
	dataEnd := size - 8 - footer
	for i, rg := range md.RowGroups {
		if rg.NumRows < 0 || rg.NumRows > ceiling/8 {
			return fmt.Errorf("row group %d claims %d rows (at most %d with max_read_bytes %d)", i, rg.NumRows, ceiling/8, ceiling)
		}
		for j, c := range rg.Columns {
			start, end, err := chunkRange(&c.MetaData)
			if err != nil || start < 4 || end > dataEnd {
				return fmt.Errorf("row group %d column %d: chunk claims bytes %d..%d, outside the data of a %d-byte file", i, j, start, end, size)
			}
		}
	}
	return nil
}

// chunkRange returns where a column chunk's pages lie.
func chunkRange(md *format.ColumnMetaData) (start, end int64, err error) {
	start = md.DataPageOffset
	if d := md.DictionaryPageOffset; d > 0 && d < start {
		start = d
	}
	if md.TotalCompressedSize < 0 || start < 0 || start > (1<<62)-md.TotalCompressedSize {
		return start, start + md.TotalCompressedSize, errors.New("bad chunk offsets")
	}
	return start, start + md.TotalCompressedSize, nil
}

// checkPages walks the page headers of one column chunk: each header must be
// well-formed Thrift, each page must lie within the chunk, and no page may
// claim more than ceiling bytes (compressed or not) or more than ceiling/8 values.
func checkPages(r io.ReaderAt, md *format.ColumnMetaData, ceiling int64) error {
	pos, end, err := chunkRange(md)
	if err != nil {
		return err
	}
	var proto thrift.CompactProtocol
	for page := 0; pos < end; page++ {
		hdr, n, err := readPageHeader(r, pos, end, ceiling, &proto)
		if err != nil {
			return fmt.Errorf("page %d at offset %d: %w", page, pos, err)
		}
		values := int64(0)
		switch {
		case hdr.DataPageHeader.Valid:
			values = int64(hdr.DataPageHeader.V.NumValues)
		case hdr.DataPageHeaderV2.Valid:
			values = int64(hdr.DataPageHeaderV2.V.NumValues)
		case hdr.DictionaryPageHeader.Valid:
			values = int64(hdr.DictionaryPageHeader.V.NumValues)
		}
		cs, us := int64(hdr.CompressedPageSize), int64(hdr.UncompressedPageSize)
		switch {
		case cs < 0 || us < 0 || values < 0:
			return fmt.Errorf("page %d at offset %d claims a negative size", page, pos)
		case cs > end-pos-n:
			return fmt.Errorf("page %d at offset %d claims %d bytes, beyond the end of its column chunk", page, pos, cs)
		case cs > ceiling || us > ceiling:
			return fmt.Errorf("page %d at offset %d claims %d bytes (%d uncompressed), more than max_read_bytes (%d)", page, pos, cs, us, ceiling)
		case values > ceiling/8:
			return fmt.Errorf("page %d at offset %d claims %d values (at most %d with max_read_bytes %d)", page, pos, values, ceiling/8, ceiling)
		}
		pos += n + cs
	}
	return nil
}

// readPageHeader reads the page header at pos (the chunk ends at end),
// growing its window from 4 KiB until the header fits, and returns it with
// its length.
func readPageHeader(r io.ReaderAt, pos, end, ceiling int64, proto thrift.Protocol) (*format.PageHeader, int64, error) {
	for win := int64(4 << 10); ; win *= 4 {
		limit := min(end-pos, ceiling)
		full := win >= limit
		win = min(win, limit)
		buf := make([]byte, win)
		if _, err := r.ReadAt(buf, pos); err != nil && !errors.Is(err, io.EOF) {
			return nil, 0, fmt.Errorf("read page header: %w", err)
		}
		w := walker{b: buf, max: ceiling}
		err := w.structure()
		if errors.Is(err, errShort) && !full {
			continue
		}
		if err != nil {
			return nil, 0, fmt.Errorf("page header: %w", err)
		}
		var h format.PageHeader
		if err := thrift.Unmarshal(proto, buf[:w.pos], &h); err != nil {
			return nil, 0, fmt.Errorf("page header: %w", err)
		}
		return &h, int64(w.pos), nil
	}
}

// errShort is a Thrift structure running past the bytes at hand.
var errShort = errors.New("truncated Thrift data")

// walker checks a Thrift compact-protocol struct without decoding it: every
// list, set, map and binary length must fit in the bytes that remain (every
// element takes at least one byte), nesting is at most 32 deep, and the
// decoded size, estimated as elemCost per list element, stays under max.
type walker struct {
	b       []byte
	pos     int
	depth   int
	decoded int64
	max     int64
}

// elemCost over-estimates the memory of one decoded list element: the
// largest struct parquet-go decodes a footer into.
var elemCost = int64(max(unsafe.Sizeof(format.ColumnChunk{}), unsafe.Sizeof(format.RowGroup{}),
	unsafe.Sizeof(format.SchemaElement{}), unsafe.Sizeof(format.PageEncodingStats{}), unsafe.Sizeof(format.KeyValue{})))

const (
	tStop     = 0
	tTrue     = 1
	tFalse    = 2
	tByte     = 3
	tI16      = 4
	tI32      = 5
	tI64      = 6
	tDouble   = 7
	tBinary   = 8
	tList     = 9
	tSet      = 10
	tMap      = 11
	tStruct   = 12
	tUUID     = 13
	maxDepthT = 32
)

func (w *walker) byte() (byte, error) {
	if w.pos >= len(w.b) {
		return 0, errShort
	}
	c := w.b[w.pos]
	w.pos++
	return c, nil
}

func (w *walker) uvarint() (uint64, error) {
	v, n := binary.Uvarint(w.b[w.pos:])
	switch {
	case n == 0:
		return 0, errShort
	case n < 0:
		return 0, errors.New("varint overflows 64 bits")
	}
	w.pos += n
	return v, nil
}

func (w *walker) skip(n uint64) error {
	if n > uint64(len(w.b)-w.pos) {
		return errShort
	}
	w.pos += int(n)
	return nil
}

// count checks a claimed element count against the remaining bytes and the
// decoded-size budget.
func (w *walker) count(n uint64, what string) error {
	if n > uint64(len(w.b)-w.pos) {
		return fmt.Errorf("%w: a %s claims %d elements, %d bytes remain", errShort, what, n, len(w.b)-w.pos)
	}
	w.decoded += int64(n) * elemCost
	if w.decoded > w.max {
		return fmt.Errorf("%s of %d elements would decode to more than max_read_bytes (%d)", what, n, w.max)
	}
	return nil
}

// structure walks one struct up to its stop field.
func (w *walker) structure() error {
	if w.depth++; w.depth > maxDepthT {
		return errors.New("nested too deep")
	}
	defer func() { w.depth-- }()
	for {
		h, err := w.byte()
		if err != nil {
			return err
		}
		typ := h & 0x0f
		if typ == tStop {
			return nil
		}
		if h>>4 == 0 { // a long-form field id follows
			if _, err := w.uvarint(); err != nil {
				return err
			}
		}
		if typ == tTrue || typ == tFalse {
			continue // the value is in the type
		}
		if err := w.value(typ); err != nil {
			return err
		}
	}
}

// value walks one value of a type.
func (w *walker) value(typ byte) error {
	switch typ {
	case tTrue, tFalse, tByte:
		return w.skip(1)
	case tI16, tI32, tI64:
		_, err := w.uvarint()
		return err
	case tDouble:
		return w.skip(8)
	case tUUID:
		return w.skip(16)
	case tBinary:
		n, err := w.uvarint()
		if err != nil {
			return err
		}
		if n > uint64(len(w.b)-w.pos) {
			return fmt.Errorf("%w: a binary value claims %d bytes, %d remain", errShort, n, len(w.b)-w.pos)
		}
		return w.skip(n)
	case tStruct:
		return w.structure()
	case tList, tSet:
		h, err := w.byte()
		if err != nil {
			return err
		}
		n := uint64(h >> 4)
		if n == 15 {
			if n, err = w.uvarint(); err != nil {
				return err
			}
		}
		if err := w.count(n, "list"); err != nil {
			return err
		}
		et := h & 0x0f
		for range n {
			if et == tTrue || et == tFalse {
				if err := w.skip(1); err != nil { // booleans in lists take a byte
					return err
				}
				continue
			}
			if err := w.value(et); err != nil {
				return err
			}
		}
		return nil
	case tMap:
		n, err := w.uvarint()
		if err != nil || n == 0 {
			return err
		}
		if err := w.count(2*n, "map"); err != nil {
			return err
		}
		kv, err := w.byte()
		if err != nil {
			return err
		}
		for range n {
			for _, t := range []byte{kv >> 4, kv & 0x0f} {
				if t == tTrue || t == tFalse {
					t = tByte
				}
				if err := w.value(t); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return fmt.Errorf("unknown Thrift type %d at byte %d", typ, w.pos)
}
