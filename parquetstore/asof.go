package parquetstore

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/parquet-go/parquet-go"

	"github.com/fsmon/fsmon/sample"
)

// hit is the best row found so far for one query.
type hit struct {
	file, rg int
	row      int32
	t        int64
	ok       bool
}

// asofScan is the lookup pass over one file.
type asofScan struct {
	of       *openFile
	best     []hit
	scanned  int
	problems []sample.Problem
	err      error
}

// AsOf returns, for each query, the newest row of its entity whose event
// time is at or before the query's time; row i answers queries[i] and has
// HasTime false (every column Absent) when there is none. When several rows
// of an entity share the newest time, the one last in file order wins.
//
// Only the timestamp and entity columns are decoded to find the rows (row
// groups whose oldest event is after every query time are skipped), then the
// feature columns of the row groups holding answers, for those rows only.
func (s *Store) AsOf(ctx context.Context, queries []sample.AsOf) (*sample.Sample, error) {
	out := s.newSample(len(queries))
	out.Population, out.Complete = len(queries), true
	if len(queries) == 0 {
		return out, nil
	}
	byEnt := make(map[string][]int, len(queries))
	qt := make([]int64, len(queries))
	maxT := int64(math.MinInt64)
	for i, q := range queries {
		out.Entities[i] = q.Entity
		byEnt[string(q.Entity)] = append(byEnt[string(q.Entity)], i)
		qt[i] = q.Time.UnixNano()
		maxT = max(maxT, qt[i])
	}
	refs, problems, err := s.resolve(ctx)
	if err != nil {
		return nil, err
	}
	refs, prunedFiles := s.pruneWindow(refs, math.MinInt64, maxT)
	out.Reads.FilesPruned = prunedFiles
	scans := make([]asofScan, len(refs))
	defer func() {
		for _, sc := range scans {
			sc.of.Close()
		}
	}()
	s.forEach(ctx, "as-of", len(refs), func(i int) {
		scans[i] = s.asofFile(ctx, i, refs[i], byEnt, qt, maxT)
	}, func(i int, err error) { scans[i] = asofScan{err: fmt.Errorf("read %s: %w", refs[i].name, err)} })
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("parquet view %q: %w", s.v.Path, err)
	}
	var failed []sample.Problem
	var errs []error
	used := 0
	best := make([]hit, len(queries))
	for i := range scans {
		sc := &scans[i]
		if sc.err != nil {
			failed = append(failed, badFile(sc.err))
			errs = append(errs, sc.err)
			continue
		}
		used++
		out.Scanned += sc.scanned
		problems = append(problems, sc.problems...)
		for q, h := range sc.best {
			if h.ok && (!best[q].ok || h.t >= best[q].t) {
				best[q] = h
			}
		}
	}
	if used == 0 && len(failed) == 0 {
		out.Problems = problems // every file pruned: no row at or before the times
		return out, nil
	}
	if used == 0 {
		return nil, s.noFileUsable(errs, failed)
	}

	// Read the answering rows, one row group at a time.
	type rgKey struct{ file, rg int }
	groups := map[rgKey][]int{} // query indexes
	for q, h := range best {
		if h.ok {
			k := rgKey{h.file, h.rg}
			groups[k] = append(groups[k], q)
		}
	}
	keys := make([]rgKey, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b rgKey) int { return cmp.Or(cmp.Compare(a.file, b.file), cmp.Compare(a.rg, b.rg)) })
	for _, k := range keys {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("parquet view %q: %w", s.v.Path, err)
		}
		qs := groups[k]
		var rows []int32
		for _, q := range qs {
			rows = append(rows, best[q].row)
		}
		slices.Sort(rows)
		rows = slices.Compact(rows)
		tmp := s.newSample(len(rows))
		sc := &scans[k.file]
		var probs []sample.Problem
		err := guard(sc.of.ref.name, func() error { return s.readRows(ctx, sc.of, k.rg, rows, tmp, 0, &probs) })
		if err != nil {
			problems = append(problems, *badRowGroup(err))
			out.Reads.RowGroupsSkipped++
			continue
		}
		out.Reads.RowGroups++
		problems = appendNew(problems, probs)
		for _, q := range qs {
			j, _ := slices.BinarySearch(rows, best[q].row)
			out.Times[q], out.HasTime[q] = best[q].t, true
			for name, c := range tmp.Columns {
				oc := out.Columns[name]
				oc.Nulls[q] = c.Nulls[j]
				if c.Num != nil {
					oc.Num[q] = c.Num[j]
				}
				if c.Str != nil {
					oc.Str[q] = c.Str[j]
				}
			}
		}
	}
	out.Problems = append(problems, failed...)
	out.Reads.Files, out.Reads.FilesSkipped = used, len(failed)
	s.log.Debug("parquet as-of", "path", s.v.Path, "files", used, "failed_files", len(failed),
		"queries", len(queries), "row_groups_read", len(keys), "scanned", out.Scanned)
	return out, nil
}

// appendNew appends the problems of add not already in list.
func appendNew(list, add []sample.Problem) []sample.Problem {
	for _, a := range add {
		if !slices.Contains(list, a) {
			list = append(list, a)
		}
	}
	return list
}

// asofFile finds, in one file, the newest row of each query's entity at or
// before its time.
func (s *Store) asofFile(ctx context.Context, fi int, ref fileRef, byEnt map[string][]int, qt []int64, maxT int64) (sc asofScan) {
	of, err := s.open(ctx, ref)
	if err != nil {
		sc.err = err
		return sc
	}
	sc.of = of
	sc.err = guard(ref.name, func() error {
		pf := of.pf
		tc, conv, err := s.timestampColumn(pf, ref.name)
		if err != nil {
			return err
		}
		// Entity columns, or constant partition values.
		ents := make([]column, len(s.v.Entities))
		consts := make([]string, len(s.v.Entities))
		isConst := make([]bool, len(s.v.Entities))
		for e, name := range s.v.Entities {
			c, ok, err := lookupColumn(pf, name)
			if err != nil {
				return fmt.Errorf("read %s: %w", ref.name, err)
			}
			if !ok {
				hv, hive := ref.hive[name]
				if !hive {
					return &noColumnError{file: ref.name, role: sample.RoleEntity, column: name}
				}
				consts[e], isConst[e] = hv, true
				continue
			}
			ents[e] = c
		}
		var (
			ts          []int64
			keys        [][]byte
			buf         []byte
			intKeys     map[int64][]int
			filter      []uint64
			filterShift uint
		)
		if len(ents) == 1 && !isConst[0] && !ents[0].unsigned && (ents[0].kind == parquet.Int64 || ents[0].kind == parquet.Int32) {
			intKeys = intEntities(byEnt)
			// A one-hash filter of about 16 bits per key, in front of the map.
			filterShift = 64 - 10
			for 1<<(64-filterShift) < 16*len(intKeys) {
				filterShift--
			}
			filter = make([]uint64, (1<<(64-filterShift))/64)
			for v := range intKeys {
				h := uint64(v) * 0x9e3779b97f4a7c15 >> filterShift
				filter[h>>6] |= 1 << (h & 63)
			}
		}
		offer := func(row int, key []byte, rg int) {
			t := ts[row]
			if t == math.MinInt64 {
				return
			}
			for _, q := range byEnt[string(key)] {
				if t <= qt[q] && (!sc.best[q].ok || t >= sc.best[q].t) {
					sc.best[q] = hit{file: fi, rg: rg, row: int32(row), t: t, ok: true}
				}
			}
		}
		if s.remote {
			var read []int
			for i, rg := range pf.RowGroups() {
				if lo, _, ok := chunkBounds(pf, i, tc.idx, tc, conv); rg.NumRows() > 0 && (!ok || lo <= maxT) {
					read = append(read, i)
				}
			}
			s.prefetch(ctx, of, read, append([]string{tc.name}, s.v.Entities...)...)
		}
		for i, rg := range pf.RowGroups() {
			rows := int(rg.NumRows())
			if rows == 0 {
				continue
			}
			if lo, _, ok := chunkBounds(pf, i, tc.idx, tc, conv); ok && lo > maxT {
				continue
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			sc.scanned += rows
			ts = slices.Grow(ts[:0], rows)[:rows]
			err := scanChunk(of, i, tc, nil, func(_, row int, p *pageData, k int, null bool) {
				if null {
					ts[row] = math.MinInt64
				} else if t := conv.at(p, k); t <= maxT {
					ts[row] = t
				} else {
					ts[row] = math.MinInt64
				}
			})
			if err != nil {
				return fmt.Errorf("read %s column %s: %w", ref.name, tc.name, err)
			}
			if sc.best == nil {
				sc.best = make([]hit, len(qt))
			}
			if intKeys != nil {
				// Integer entity: look rows up by value, no text.
				err = scanChunk(of, i, ents[0], nil, func(_, row int, p *pageData, k int, null bool) {
					if null || ts[row] == math.MinInt64 {
						return
					}
					v := p.int(k)
					if h := uint64(v) * 0x9e3779b97f4a7c15 >> filterShift; filter[h>>6]&(1<<(h&63)) == 0 {
						return // most rows: not a queried entity
					}
					qs, found := intKeys[v]
					if !found {
						return
					}
					t := ts[row]
					for _, q := range qs {
						if t <= qt[q] && (!sc.best[q].ok || t >= sc.best[q].t) {
							sc.best[q] = hit{file: fi, rg: i, row: int32(row), t: t, ok: true}
						}
					}
				})
				if err != nil {
					return fmt.Errorf("read %s column %s: %w", ref.name, ents[0].name, err)
				}
				continue
			}
			if len(ents) == 1 && !isConst[0] {
				err = scanChunk(of, i, ents[0], nil, func(_, row int, p *pageData, k int, null bool) {
					if null || ts[row] == math.MinInt64 {
						return
					}
					buf = p.text(k, buf[:0])
					offer(row, buf, i)
				})
				if err != nil {
					return fmt.Errorf("read %s column %s: %w", ref.name, ents[0].name, err)
				}
				continue
			}
			// Compound (or partition) keys: build every row's key.
			if cap(keys) < rows {
				keys = make([][]byte, rows)
			}
			keys = keys[:rows]
			for r := range keys {
				keys[r] = keys[r][:0]
			}
			for e := range ents {
				if e > 0 {
					for r := range keys {
						keys[r] = append(keys[r], sample.KeySep...)
					}
				}
				if isConst[e] {
					for r := range keys {
						keys[r] = append(keys[r], consts[e]...)
					}
					continue
				}
				err = scanChunk(of, i, ents[e], nil, func(_, row int, p *pageData, k int, null bool) {
					if !null {
						keys[row] = p.text(k, keys[row])
					}
				})
				if err != nil {
					return fmt.Errorf("read %s column %s: %w", ref.name, ents[e].name, err)
				}
			}
			for r := range rows {
				offer(r, keys[r], i)
			}
		}
		return nil
	})
	if sc.err != nil {
		of.Close()
		sc.of = nil
	}
	return sc
}

// intEntities maps the query entities written as canonical decimal integers
// (the text form of an integer entity column) to their queries; no other
// entity can match an integer column.
func intEntities(byEnt map[string][]int) map[int64][]int {
	m := make(map[int64][]int, len(byEnt))
	for e, qs := range byEnt {
		v, err := strconv.ParseInt(e, 10, 64)
		if err != nil || strconv.FormatInt(v, 10) != e {
			continue
		}
		m[v] = qs
	}
	return m
}
