package parquetstore

import (
	"context"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/fsmon/fsmon/sample"
)

// newSample allocates a sample of n rows with the view's columns, every value
// Absent and no event time.
func (s *Store) newSample(n int) *sample.Sample {
	out := &sample.Sample{
		Entities: make([]sample.Entity, n),
		Times:    make([]int64, n),
		HasTime:  make([]bool, n),
		Columns:  make(map[string]*sample.Column, len(s.v.Features)),
	}
	for _, f := range s.v.Features {
		c := &sample.Column{Nulls: make([]sample.Null, n)}
		switch {
		case f.Type.Numeric():
			c.Num = make([]float64, n)
		case f.Type.Textual():
			c.Str = make([]string, n)
		}
		for i := range c.Nulls {
			c.Nulls[i] = sample.Absent
		}
		out.Columns[f.Name] = c
	}
	return out
}

// fits reports whether a column's physical type can hold a feature of type t.
func fits(t sample.Type, c column) bool {
	switch {
	case t == sample.Timestamp:
		_, ok := secondsConv(c)
		return ok
	case t.Numeric():
		switch c.kind {
		case parquet.Int32, parquet.Int64:
			return !c.decimal || c.div != 0
		case parquet.Float, parquet.Double:
			return true
		}
		return false // byte-array decimals included
	case t == sample.String || t == sample.Bytes:
		return c.kind == parquet.ByteArray || c.kind == parquet.FixedLenByteArray
	case t == sample.Bool:
		return c.kind == parquet.Boolean
	}
	return true
}

// readRows reads the entity and feature values of the given rows (ascending
// indexes into row group rg of file of) into out rows off, off+1, ... It
// does not touch Times. Data problems (missing or ill-typed columns) are
// appended to problems; the error is for unreadable data.
func (s *Store) readRows(ctx context.Context, of *openFile, rg int, rows []int32, out *sample.Sample, off int, problems *[]sample.Problem) error {
	s.prefetch(ctx, of, []int{rg}, s.viewColumns()...)
	parts := make([][]string, len(s.v.Entities))
	for e := range s.v.Entities {
		parts[e] = make([]string, len(rows))
		if err := s.readEntity(of, rg, rows, e, parts[e], problems); err != nil {
			return err
		}
	}
	joinEntities(out, off, parts)
	for _, f := range s.v.Features {
		if err := s.readFeature(of, rg, rows, f, out, off, problems); err != nil {
			return err
		}
	}
	return nil
}

// joinEntities builds out's entities from the values of each entity column.
func joinEntities(out *sample.Sample, off int, parts [][]string) {
	switch len(parts) {
	case 0:
	case 1:
		for j, v := range parts[0] {
			out.Entities[off+j] = sample.Entity(v)
		}
	default:
		vs := make([]string, len(parts))
		for j := range parts[0] {
			for e := range parts {
				vs[e] = parts[e][j]
			}
			out.Entities[off+j] = sample.JoinEntity(vs...)
		}
	}
}

// readEntity reads entity column number e at rows into vals, as text.
func (s *Store) readEntity(of *openFile, rg int, rows []int32, e int, vals []string, problems *[]sample.Problem) error {
	name, col := of.ref.name, s.v.Entities[e]
	c, ok, err := lookupColumn(of.pf, col)
	if err != nil || !ok {
		if hv, hive := of.ref.hive[col]; hive && err == nil {
			for j := range vals {
				vals[j] = hv
			}
		} else if err != nil {
			*problems = append(*problems, sample.Problemf(sample.ColumnType, 1, "file %s: %v", name, err))
		} else {
			*problems = append(*problems, sample.Problemf(sample.MissingColumn, 1, "file %s has no entity column %s", name, col))
		}
		return nil
	}
	var buf []byte
	err = scanChunk(of, rg, c, rows, func(j, _ int, p *pageData, k int, null bool) {
		if !null {
			buf = p.text(k, buf[:0])
			vals[j] = string(buf)
		}
	})
	if err != nil {
		return fmt.Errorf("read %s column %s: %w", name, col, err)
	}
	return nil
}

// readFeature reads feature f at rows into out rows off, off+1, ...
func (s *Store) readFeature(of *openFile, rg int, rows []int32, f sample.Feature, out *sample.Sample, off int, problems *[]sample.Problem) error {
	name := of.ref.name
	col := out.Columns[f.Name]
	c, ok, err := lookupColumn(of.pf, f.Name)
	if err != nil || !ok {
		if hv, hive := of.ref.hive[f.Name]; hive && err == nil {
			for j := range rows {
				setText(col, f.Type, off+j, hv)
			}
		} else if err != nil {
			*problems = append(*problems, sample.Problemf(sample.ColumnType, 1, "file %s: %v", name, err))
			for j := range rows {
				col.Nulls[off+j] = sample.Invalid
			}
		} else {
			*problems = append(*problems, sample.Problemf(sample.MissingColumn, 1, "file %s has no column %s", name, f.Name))
		}
		return nil
	}
	if !fits(f.Type, c) {
		*problems = append(*problems, sample.Problemf(sample.ColumnType, 1, "file %s column %s has type %s, which cannot hold %s values", name, f.Name, c.typ, f.Type))
		for j := range rows {
			col.Nulls[off+j] = sample.Invalid
		}
		return nil
	}
	var fn scanFunc
	nulls := col.Nulls[off : off+len(rows)]
	switch {
	case f.Type == sample.Timestamp:
		conv, _ := secondsConv(c)
		num := col.Num[off : off+len(rows)]
		fn = func(j, _ int, p *pageData, k int, null bool) {
			if null {
				nulls[j] = sample.Empty
				return
			}
			num[j], nulls[j] = float64(conv.seconds(p, k)), sample.Present
		}
	case f.Type == sample.Bytes:
		str := col.Str[off : off+len(rows)]
		fn = func(j, _ int, p *pageData, k int, null bool) {
			if null {
				nulls[j] = sample.Empty
				return
			}
			str[j], nulls[j] = hex.EncodeToString(p.bytes(k)), sample.Present
		}
	case f.Type.Numeric():
		num := col.Num[off : off+len(rows)]
		fn = func(j, _ int, p *pageData, k int, null bool) {
			if null {
				nulls[j] = sample.Empty
				return
			}
			v := p.num(k)
			if math.IsNaN(v) {
				nulls[j] = sample.Empty
				return
			}
			num[j], nulls[j] = v, sample.Present
		}
	case f.Type == sample.String:
		str := col.Str[off : off+len(rows)]
		var in sample.Interner // repeated values share their text
		fn = func(j, _ int, p *pageData, k int, null bool) {
			if null {
				nulls[j] = sample.Empty
				return
			}
			str[j], nulls[j] = in.Bytes(p.bytes(k)), sample.Present
		}
	case f.Type == sample.Bool:
		str := col.Str[off : off+len(rows)]
		fn = func(j, _ int, p *pageData, k int, null bool) {
			if null {
				nulls[j] = sample.Empty
				return
			}
			str[j], nulls[j] = strconv.FormatBool(p.bool(k)), sample.Present
		}
	default:
		fn = func(j, _ int, p *pageData, k int, null bool) {
			if null {
				nulls[j] = sample.Empty
			} else {
				nulls[j] = sample.Present
			}
		}
	}
	if err := scanChunk(of, rg, c, rows, fn); err != nil {
		return fmt.Errorf("read %s column %s: %w", name, f.Name, err)
	}
	return nil
}

// setText stores a hive partition value into row i of a column.
func setText(col *sample.Column, t sample.Type, i int, v string) {
	switch {
	case v == "" || v == "__HIVE_DEFAULT_PARTITION__":
		col.Nulls[i] = sample.Empty
	case t == sample.Timestamp:
		sec, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			ts, terr := time.Parse(time.RFC3339Nano, v)
			if terr != nil {
				col.Nulls[i] = sample.Invalid
				return
			}
			sec = ts.Unix() // floor, as Feast
		}
		col.Num[i], col.Nulls[i] = float64(sec), sample.Present
	case t == sample.Bytes:
		col.Str[i], col.Nulls[i] = hex.EncodeToString([]byte(v)), sample.Present
	case t.Numeric():
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			col.Nulls[i] = sample.Invalid
			return
		}
		col.Num[i], col.Nulls[i] = f, sample.Present
	case t == sample.Bool:
		b, err := strconv.ParseBool(v)
		if err != nil {
			col.Nulls[i] = sample.Invalid
			return
		}
		col.Str[i], col.Nulls[i] = strconv.FormatBool(b), sample.Present
	case t == sample.String:
		col.Str[i], col.Nulls[i] = v, sample.Present
	default:
		col.Nulls[i] = sample.Present
	}
}
