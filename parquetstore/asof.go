package parquetstore

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"

	"github.com/parquet-go/parquet-go"

	"github.com/fsmon/fsmon/sample"
)

// hit is the best row found so far for one query (24 bytes: a sample of a
// million queries keeps one per query, and one more per file being read).
type hit struct {
	t             int64
	file, rg, row int32
	ok            bool
}

// better reports whether h answers its query rather than the current best
// b: a newer time, or the same time later in file order (file, then row;
// within a file rows are offered in order).
func (h hit) better(b hit) bool {
	return h.ok && (!b.ok || h.t > b.t || (h.t == b.t && h.file >= b.file))
}

// asofScan is the lookup pass over one file.
type asofScan struct {
	of       *openFile
	scanned  int
	problems []sample.Problem
	err      error
}

// asofIndex finds the queries of an entity. The text index is built for
// the files that need it (text or compound entity columns), the integer
// index for those with one integer entity column; each once, shared by all
// files.
type asofIndex struct {
	queries []sample.AsOf

	textOnce sync.Once
	first    map[string]int32 // an entity's first query
	next     []int32          // the next query of the same entity, or -1

	intOnce     sync.Once
	ints        []intQuery // sorted by value, then query
	filter      []uint64   // one-hash filter in front of ints
	filterShift uint
}

// intQuery is a query whose entity is a canonical decimal integer.
type intQuery struct {
	v int64
	q int32
}

// text returns the index by entity text: the first query of each entity,
// and the chain of the others.
func (x *asofIndex) text() (map[string]int32, []int32) {
	x.textOnce.Do(func() {
		x.first = make(map[string]int32, len(x.queries))
		x.next = make([]int32, len(x.queries))
		for i := len(x.queries) - 1; i >= 0; i-- {
			e := string(x.queries[i].Entity)
			x.next[i] = -1
			if f, ok := x.first[e]; ok {
				x.next[i] = f
			}
			x.first[e] = int32(i)
		}
	})
	return x.first, x.next
}

// integers returns the index of the query entities written as canonical
// decimal integers (the text form of an integer entity column; no other
// entity can match one), with its filter.
func (x *asofIndex) integers() ([]intQuery, []uint64, uint) {
	x.intOnce.Do(func() {
		for i, q := range x.queries {
			e := string(q.Entity)
			v, err := strconv.ParseInt(e, 10, 64)
			if err != nil || strconv.FormatInt(v, 10) != e {
				continue
			}
			x.ints = append(x.ints, intQuery{v, int32(i)})
		}
		slices.SortFunc(x.ints, func(a, b intQuery) int { return cmp.Or(cmp.Compare(a.v, b.v), cmp.Compare(a.q, b.q)) })
		// A one-hash filter of about 16 bits per key, in front of the
		// binary search.
		x.filterShift = 64 - 10
		for 1<<(64-x.filterShift) < 16*len(x.ints) {
			x.filterShift--
		}
		x.filter = make([]uint64, (1<<(64-x.filterShift))/64)
		for _, iq := range x.ints {
			h := uint64(iq.v) * 0x9e3779b97f4a7c15 >> x.filterShift
			x.filter[h>>6] |= 1 << (h & 63)
		}
	})
	return x.ints, x.filter, x.filterShift
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
	idx := &asofIndex{queries: queries}
	qt := make([]int64, len(queries))
	maxT := int64(math.MinInt64)
	for i, q := range queries {
		out.Entities[i] = q.Entity
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
	// Each file's answers go into best as soon as the file is read, so
	// that only the files being read hold answers of their own.
	best := make([]hit, len(queries))
	var mu sync.Mutex
	merge := func(local []hit) {
		mu.Lock()
		defer mu.Unlock()
		for q, h := range local {
			if h.better(best[q]) {
				best[q] = h
			}
		}
	}
	defer func() {
		for _, sc := range scans {
			sc.of.Close()
		}
	}()
	s.forEach(ctx, "as-of", len(refs), func(i int) {
		scans[i] = s.asofFile(ctx, i, refs[i], idx, qt, maxT, merge)
	}, func(i int, err error) { scans[i] = asofScan{err: fmt.Errorf("read %s: %w", refs[i].name, err)} })
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("parquet view %q: %w", s.v.Path, err)
	}
	var failed []sample.Problem
	var errs []error
	used := 0
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
			k := rgKey{int(h.file), int(h.rg)}
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
func (s *Store) asofFile(ctx context.Context, fi int, ref fileRef, idx *asofIndex, qt []int64, maxT int64, merge func([]hit)) (sc asofScan) {
	of, err := s.open(ctx, ref)
	if err != nil {
		sc.err = err
		return sc
	}
	sc.of = of
	var best []hit // this file's answers, merged into the lookup's when read whole
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
			intPath     bool
			ints        []intQuery
			filter      []uint64
			filterShift uint
			first       map[string]int32
			next        []int32
		)
		// answer offers a row (time t) of row group rg to query q.
		answer := func(q int32, rg, row int, t int64) {
			if h := (hit{t: t, file: int32(fi), rg: int32(rg), row: int32(row), ok: true}); t <= qt[q] && h.better(best[q]) {
				best[q] = h
			}
		}
		if len(ents) == 1 && !isConst[0] && !ents[0].unsigned && (ents[0].kind == parquet.Int64 || ents[0].kind == parquet.Int32) {
			intPath = true
			ints, filter, filterShift = idx.integers()
		} else {
			first, next = idx.text()
		}
		offer := func(row int, key []byte, rg int) {
			t := ts[row]
			if t == math.MinInt64 {
				return
			}
			q, ok := first[string(key)]
			for ; ok && q >= 0; q = next[q] {
				answer(q, rg, row, t)
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
			if best == nil {
				best = make([]hit, len(qt))
			}
			if intPath {
				// Integer entity: look rows up by value, no text.
				err = scanChunk(of, i, ents[0], nil, func(_, row int, p *pageData, k int, null bool) {
					if null || ts[row] == math.MinInt64 {
						return
					}
					v := p.int(k)
					if h := uint64(v) * 0x9e3779b97f4a7c15 >> filterShift; filter[h>>6]&(1<<(h&63)) == 0 {
						return // most rows: not a queried entity
					}
					j, _ := slices.BinarySearchFunc(ints, v, func(a intQuery, v int64) int { return cmp.Compare(a.v, v) })
					for ; j < len(ints) && ints[j].v == v; j++ {
						answer(ints[j].q, i, row, ts[row])
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
	} else if best != nil {
		merge(best)
	}
	return sc
}
