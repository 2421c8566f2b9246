package parquetstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/encoding"
	"github.com/parquet-go/parquet-go/format"

	"github.com/fsmon/fsmon/sample"
)

// column is a flat leaf column of one file.
type column struct {
	name     string
	idx      int
	typ      parquet.Type
	kind     parquet.Kind
	maxDef   byte
	unsigned bool
	decimal  bool    // DECIMAL logical type
	div      float64 // 10^scale of an integer-backed DECIMAL, else 0
}

// errNested marks a column that is nested or repeated.
var errNested = errors.New("is nested or repeated, only flat columns are read")

// lookupColumn finds a top-level leaf column by name. ok is false when the
// file has no such column.
func lookupColumn(pf *parquet.File, name string) (c column, ok bool, err error) {
	leaf, found := pf.Schema().Lookup(name)
	if !found {
		if _, grp := pf.Schema().Lookup(name, "list", "element"); grp {
			return column{}, true, fmt.Errorf("column %s %w", name, errNested)
		}
		for _, f := range pf.Schema().Fields() {
			if f.Name() == name {
				return column{}, true, fmt.Errorf("column %s %w", name, errNested)
			}
		}
		return column{}, false, nil
	}
	if leaf.MaxRepetitionLevel > 0 || leaf.MaxDefinitionLevel > 1 || len(leaf.Path) != 1 {
		return column{}, true, fmt.Errorf("column %s %w", name, errNested)
	}
	typ := leaf.Node.Type()
	c = column{name: name, idx: leaf.ColumnIndex, typ: typ, kind: typ.Kind(), maxDef: byte(leaf.MaxDefinitionLevel)}
	if lt := typ.LogicalType(); lt != nil {
		if it, ok := lt.Value.(*format.IntType); ok && !it.IsSigned {
			c.unsigned = true
		}
		if d, ok := lt.Value.(*format.DecimalType); ok {
			c.decimal = true
			if c.kind == parquet.Int32 || c.kind == parquet.Int64 {
				c.div = math.Pow10(int(d.Scale))
			}
		}
	}
	return c, true, nil
}

// pageData is one decoded page: definition levels and the dense non-null
// values, typed.
type pageData struct {
	rows     int
	def      []byte // nil when the page has no nulls to mark
	maxDef   byte
	kind     parquet.Kind
	unsigned bool
	div      float64 // integer DECIMAL: divide by this
	idx      []int32 // dictionary indexes, nil for plain pages

	i32   []int32
	i64   []int64
	f32   []float32
	f64   []float64
	bits  []byte
	bdata []byte
	boff  []uint32
	i96   []deprecated.Int96
	flba  []byte
	flen  int
}

func (p *pageData) setValues(v encoding.Values) {
	p.i32, p.i64, p.f32, p.f64, p.bits, p.bdata, p.boff, p.i96, p.flba = nil, nil, nil, nil, nil, nil, nil, nil, nil
	switch p.kind {
	case parquet.Boolean:
		p.bits = v.Boolean()
	case parquet.Int32:
		p.i32 = v.Int32()
	case parquet.Int64:
		p.i64 = v.Int64()
	case parquet.Int96:
		p.i96 = v.Int96()
	case parquet.Float:
		p.f32 = v.Float()
	case parquet.Double:
		p.f64 = v.Double()
	case parquet.ByteArray:
		p.bdata, p.boff = v.ByteArray()
	case parquet.FixedLenByteArray:
		p.flba, p.flen = v.FixedLenByteArray()
	}
}

func (p *pageData) at(k int) int {
	if p.idx != nil {
		return int(p.idx[k])
	}
	return k
}

// num returns non-null value k as a float64 (numeric kinds only).
func (p *pageData) num(k int) float64 {
	if p.div != 0 {
		return p.rawNum(k) / p.div
	}
	return p.rawNum(k)
}

func (p *pageData) rawNum(k int) float64 {
	i := p.at(k)
	switch p.kind {
	case parquet.Double:
		return p.f64[i]
	case parquet.Float:
		return float64(p.f32[i])
	case parquet.Int64:
		if p.unsigned {
			return float64(uint64(p.i64[i]))
		}
		return float64(p.i64[i])
	case parquet.Int32:
		if p.unsigned {
			return float64(uint32(p.i32[i]))
		}
		return float64(p.i32[i])
	}
	return math.NaN()
}

// int returns non-null integer value k.
func (p *pageData) int(k int) int64 {
	i := p.at(k)
	switch p.kind {
	case parquet.Int64:
		return p.i64[i]
	case parquet.Int32:
		if p.unsigned {
			return int64(uint32(p.i32[i]))
		}
		return int64(p.i32[i])
	}
	return 0
}

func (p *pageData) bytes(k int) []byte {
	i := p.at(k)
	switch p.kind {
	case parquet.ByteArray:
		return p.bdata[p.boff[i]:p.boff[i+1]]
	case parquet.FixedLenByteArray:
		return p.flba[i*p.flen : (i+1)*p.flen]
	}
	return nil
}

func (p *pageData) bool(k int) bool {
	i := p.at(k)
	return p.bits[i>>3]&(1<<(i&7)) != 0
}

// text formats non-null value k as entity text: decimal integers, raw
// strings.
func (p *pageData) text(k int, buf []byte) []byte {
	switch p.kind {
	case parquet.Int32, parquet.Int64:
		if p.unsigned && p.kind == parquet.Int64 {
			return strconv.AppendUint(buf, uint64(p.i64[p.at(k)]), 10)
		}
		return strconv.AppendInt(buf, p.int(k), 10)
	case parquet.ByteArray, parquet.FixedLenByteArray:
		return append(buf, p.bytes(k)...)
	case parquet.Boolean:
		return strconv.AppendBool(buf, p.bool(k))
	case parquet.Float, parquet.Double:
		return strconv.AppendFloat(buf, p.num(k), 'g', -1, 64)
	}
	return buf
}

// scanFunc receives row j of the requested rows (row is its index in the
// row group), the page holding it, the index k of its value among the page's
// non-null values, and whether it is null.
type scanFunc func(j, row int, p *pageData, k int, null bool)

// scanChunk decodes the chunk of column c in row group rgi of of page by page
// and calls fn for the given rows (ascending indexes into the row group), or
// for every row when rows is nil. The chunk's page headers are checked
// against the file's bounds first (checkPages).
func scanChunk(of *openFile, rgi int, c column, rows []int32, fn scanFunc) error {
	if rows != nil && len(rows) == 0 {
		return nil
	}
	if err := of.checkChunk(rgi, c.idx); err != nil {
		return err
	}
	chunk := of.pf.RowGroups()[rgi].ColumnChunks()[c.idx]
	pages := chunk.Pages()
	defer pages.Close()
	var (
		pd       pageData
		lastDict parquet.Dictionary
		dictVals encoding.Values
		base     int
		j        int
	)
	pd.kind, pd.unsigned, pd.maxDef, pd.div = c.kind, c.unsigned, c.maxDef, c.div
	for {
		page, err := pages.ReadPage()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		n := int(page.NumRows())
		if rows != nil && (j >= len(rows) || int(rows[j]) >= base+n) {
			base += n
			parquet.Release(page)
			if j >= len(rows) {
				return nil
			}
			continue
		}
		pd.rows = n
		pd.def = nil
		if c.maxDef > 0 && page.NumNulls() > 0 {
			pd.def = page.DefinitionLevels()
		}
		if d := page.Dictionary(); d != nil {
			if d != lastDict {
				lastDict = d
				dictVals = d.Page().Data()
			}
			iv := page.Data()
			pd.idx = iv.Int32()
			pd.setValues(dictVals)
		} else {
			pd.idx = nil
			pd.setValues(page.Data())
		}
		if rows == nil {
			k := 0
			for r := range n {
				null := pd.def != nil && pd.def[r] < pd.maxDef
				fn(base+r, base+r, &pd, k, null)
				if !null {
					k++
				}
			}
		} else if pd.def == nil {
			for ; j < len(rows) && int(rows[j]) < base+n; j++ {
				r := int(rows[j]) - base
				fn(j, int(rows[j]), &pd, r, false)
			}
		} else {
			k, r := 0, 0
			for ; j < len(rows) && int(rows[j]) < base+n; j++ {
				t := int(rows[j]) - base
				for ; r < t; r++ {
					if pd.def[r] == pd.maxDef {
						k++
					}
				}
				fn(j, int(rows[j]), &pd, k, pd.def[t] < pd.maxDef)
			}
		}
		parquet.Release(page)
		base += n
	}
}

// tsMode says how a timestamp column's values become unix nanoseconds.
type tsMode int

const (
	tsScaled    tsMode = iota // integer times a unit
	tsMagnitude               // plain integer, unit by magnitude
	tsInt96                   // Impala/Spark INT96
)

// tsConv converts the values of one timestamp column.
type tsConv struct {
	mode   tsMode
	scale  int64
	lo, hi int64 // stored values beyond these saturate
}

func scaled(unit int64) tsConv {
	return tsConv{mode: tsScaled, scale: unit, lo: math.MinInt64 / unit, hi: math.MaxInt64 / unit}
}

// timestampConv works out how to read a timestamp column.
func timestampConv(c column) (tsConv, error) {
	lt := c.typ.LogicalType()
	ct := c.typ.ConvertedType()
	switch c.kind {
	case parquet.Int64:
		if lt != nil {
			if ts, ok := lt.Value.(*format.TimestampType); ok && ts.Unit.Value != nil {
				return scaled(int64(ts.Unit.Value.Duration())), nil
			}
		}
		if ct != nil {
			switch *ct {
			case deprecated.TimestampMillis:
				return scaled(1e6), nil
			case deprecated.TimestampMicros:
				return scaled(1e3), nil
			}
		}
		if lt != nil && lt.Value != nil {
			if _, ok := lt.Value.(*format.IntType); !ok {
				break
			}
		}
		return tsConv{mode: tsMagnitude}, nil
	case parquet.Int32:
		if (lt != nil && isDate(lt)) || (ct != nil && *ct == deprecated.Date) {
			return scaled(86400e9), nil
		}
		if lt == nil || lt.Value == nil {
			return tsConv{mode: tsMagnitude}, nil
		}
		if _, ok := lt.Value.(*format.IntType); ok {
			return tsConv{mode: tsMagnitude}, nil
		}
	case parquet.Int96:
		return tsConv{mode: tsInt96}, nil
	}
	return tsConv{}, fmt.Errorf("timestamp column %s has type %s, want INT64 TIMESTAMP, INT96, INT32 DATE or a plain integer", c.name, c.typ)
}

func isDate(lt *format.LogicalType) bool {
	_, ok := lt.Value.(*format.DateType)
	return ok
}

// nanos converts a stored integer to unix nanoseconds.
func (t tsConv) nanos(v int64) int64 {
	if t.mode == tsScaled {
		switch {
		case v > t.hi:
			return math.MaxInt64
		case v < t.lo:
			return math.MinInt64
		}
		return v * t.scale
	}
	a := v
	if a < 0 {
		a = -a
	}
	switch {
	case a < 1e11:
		return mulSat(v, 1e9)
	case a < 1e14:
		return mulSat(v, 1e6)
	case a < 1e17:
		return mulSat(v, 1e3)
	}
	return v
}

// band is the magnitude band of a plain integer (see nanos), to check that
// statistics min and max convert monotonically.
func (t tsConv) band(v int64) int {
	if t.mode != tsMagnitude {
		return 0
	}
	a := v
	if a < 0 {
		a = -a
	}
	switch {
	case a < 1e11:
		return 1
	case a < 1e14:
		return 2
	case a < 1e17:
		return 3
	}
	return 4
}

// mulSat multiplies v by m (a constant at every call site, so the bounds
// fold), saturating instead of overflowing.
func mulSat(v, m int64) int64 {
	if v > math.MaxInt64/m {
		return math.MaxInt64
	}
	if v < math.MinInt64/m {
		return math.MinInt64
	}
	return v * m
}

// at returns the unix nanoseconds of non-null value k of a timestamp page.
func (t tsConv) at(p *pageData, k int) int64 {
	if t.mode == tsInt96 {
		v := p.i96[p.at(k)]
		nsOfDay := int64(uint64(v[1])<<32 | uint64(v[0]))
		day := int64(v[2]) - 2440588 // julian day of 1970-01-01
		return mulSat(day, 86400e9) + nsOfDay
	}
	return t.nanos(p.int(k))
}

// chunkBounds returns the min and max of a timestamp column chunk from the
// footer statistics, in unix nanoseconds; ok is false when the statistics are
// missing or unusable (INT96, mixed magnitudes).
func chunkBounds(pf *parquet.File, rg, col int, c column, conv tsConv) (lo, hi int64, ok bool) {
	if conv.mode == tsInt96 {
		return 0, 0, false
	}
	md := pf.Metadata()
	if rg >= len(md.RowGroups) || col >= len(md.RowGroups[rg].Columns) {
		return 0, 0, false
	}
	st := &md.RowGroups[rg].Columns[col].MetaData.Statistics
	minB, maxB := st.MinValue, st.MaxValue
	if minB == nil || maxB == nil {
		if c.unsigned {
			return 0, 0, false // legacy Min/Max are signed-ordered
		}
		minB, maxB = st.Min, st.Max
	}
	var a, b int64
	switch {
	case c.kind == parquet.Int64 && len(minB) == 8 && len(maxB) == 8:
		a, b = int64(binary.LittleEndian.Uint64(minB)), int64(binary.LittleEndian.Uint64(maxB))
	case c.kind == parquet.Int32 && len(minB) == 4 && len(maxB) == 4:
		if c.unsigned {
			a, b = int64(binary.LittleEndian.Uint32(minB)), int64(binary.LittleEndian.Uint32(maxB))
		} else {
			a, b = int64(int32(binary.LittleEndian.Uint32(minB))), int64(int32(binary.LittleEndian.Uint32(maxB)))
		}
	default:
		return 0, 0, false
	}
	if c.unsigned && c.kind == parquet.Int64 && (a < 0 || b < 0) {
		return 0, 0, false
	}
	if a > b || conv.band(a) != conv.band(b) {
		return 0, 0, false
	}
	return conv.nanos(a), conv.nanos(b), true
}

// nullCount returns the null count of a column chunk from the footer;
// ok is false when the writer left statistics out.
func nullCount(pf *parquet.File, rg int, c column) (int64, bool) {
	md := pf.Metadata()
	if rg >= len(md.RowGroups) || c.idx >= len(md.RowGroups[rg].Columns) {
		return 0, false
	}
	cm := &md.RowGroups[rg].Columns[c.idx].MetaData
	if c.maxDef == 0 {
		return 0, true
	}
	st := &cm.Statistics
	if st.NullCount > 0 || st.MinValue != nil || st.MaxValue != nil || st.Min != nil || st.Max != nil {
		return st.NullCount, true
	}
	// No min/max and no nulls: either the writer skipped statistics or the
	// chunk is empty.
	return 0, md.RowGroups[rg].NumRows == 0
}

// timestampColumn finds the view's event-time column in pf (the file
// named name) and the conversion of its values to unix nanoseconds.
func (s *Store) timestampColumn(pf *parquet.File, name string) (column, tsConv, error) {
	tc, ok, err := lookupColumn(pf, s.v.TimestampColumn)
	if err != nil {
		return column{}, tsConv{}, fmt.Errorf("read %s: %w", name, err)
	}
	if !ok {
		return column{}, tsConv{}, &noColumnError{file: name, role: sample.RoleTimestamp, column: s.v.TimestampColumn}
	}
	conv, err := timestampConv(tc)
	if err != nil {
		return column{}, tsConv{}, fmt.Errorf("read %s: %w", name, err)
	}
	return tc, conv, nil
}

// secConv converts the values of a column holding a Feast UNIX_TIMESTAMP
// feature to whole seconds since the epoch, the precision Feast stores.
// Feast's materialization reads the column with pyarrow (to_numpy): a
// TIMESTAMP (any unit, UTC-adjusted or not), an INT96 or a DATE becomes a
// numpy datetime64, which it casts to datetime64[s], a floor (1969-12-31
// 23:59:59.5 is -1, not 0); a plain integer is taken as seconds as it is
// (int(value)). The caller handles nulls (NaT), which Feast stores as
// math.MinInt64 and fsmon reads as null.
type secConv struct {
	per   int64 // stored units per second: 1 for seconds, 1000 for ms, ...
	day   bool  // DATE: days
	int96 bool
}

// secondsConv works out how to read column c as Feast timestamps; ok is
// false for a column Feast cannot materialize into a UNIX_TIMESTAMP (floats,
// decimals, text, times of day).
func secondsConv(c column) (conv secConv, ok bool) {
	if c.decimal || c.unsigned && c.kind == parquet.Int64 {
		return secConv{}, false
	}
	lt := c.typ.LogicalType()
	ct := c.typ.ConvertedType()
	plain := func() bool {
		if lt == nil || lt.Value == nil {
			return ct == nil || *ct == deprecated.Int64 || *ct == deprecated.Int32 || *ct == deprecated.Int16 ||
				*ct == deprecated.Int8 || *ct == deprecated.Uint8 || *ct == deprecated.Uint16 || *ct == deprecated.Uint32
		}
		_, isInt := lt.Value.(*format.IntType)
		return isInt
	}
	switch c.kind {
	case parquet.Int64:
		if lt != nil {
			if ts, isTS := lt.Value.(*format.TimestampType); isTS && ts.Unit.Value != nil {
				return secConv{per: int64(time.Second / ts.Unit.Value.Duration())}, true
			}
		}
		if ct != nil {
			switch *ct {
			case deprecated.TimestampMillis:
				return secConv{per: 1000}, true
			case deprecated.TimestampMicros:
				return secConv{per: 1_000_000}, true
			}
		}
		return secConv{per: 1}, plain()
	case parquet.Int32:
		if (lt != nil && isDate(lt)) || (ct != nil && *ct == deprecated.Date) {
			return secConv{per: 1, day: true}, true
		}
		return secConv{per: 1}, plain()
	case parquet.Int96:
		return secConv{int96: true}, true
	}
	return secConv{}, false
}

// seconds returns non-null value k of p in whole seconds since the epoch.
func (t secConv) seconds(p *pageData, k int) int64 {
	if t.int96 {
		v := p.i96[p.at(k)]
		nsOfDay := int64(uint64(v[1])<<32 | uint64(v[0]))
		day := int64(v[2]) - 2440588 // julian day of 1970-01-01
		return mulSat(day, 86400) + floorDiv(nsOfDay, 1e9)
	}
	v := p.int(k)
	if t.day {
		return mulSat(v, 86400)
	}
	return floorDiv(v, t.per)
}

// floorDiv is a / b rounded towards minus infinity (b > 0).
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}
