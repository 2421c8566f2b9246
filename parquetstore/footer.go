package parquetstore

import (
	"context"
	"fmt"
	"math"

	"github.com/fsmon/fsmon/sample"
)

// fileFooter is what one file contributes to Footer and NullCounts.
type fileFooter struct {
	rows      int64
	newest    int64
	hasNewest bool
	scanned   int // row groups whose timestamps were scanned
	rowGroups int
	nulls     map[string]int64
	problems  []sample.Problem
	err       error
}

// Footer returns the newest event time and the row count of the view's
// files from their footers. Row groups whose timestamp statistics are
// missing or unusable (INT96, writers that omit them) are scanned instead;
// only their timestamp column is decoded.
func (s *Store) Footer(ctx context.Context) (*sample.Footer, error) {
	res, err := s.footers(ctx, false)
	if err != nil {
		return nil, err
	}
	return res.footer, nil
}

// NullCounts returns, per feature, the number of null values over all the
// view's files and the total number of rows, from the footer statistics
// (chunks without statistics are scanned: definition levels only). A file
// without a feature's column counts all its rows as null for that feature.
// Float NaN values are not counted: the footer does not know them.
func (s *Store) NullCounts(ctx context.Context) (map[string]int64, int64, error) {
	res, err := s.footers(ctx, true)
	if err != nil {
		return nil, 0, err
	}
	return res.nulls, res.footer.Rows, nil
}

type footerResult struct {
	footer *sample.Footer
	nulls  map[string]int64
}

func (s *Store) footers(ctx context.Context, withNulls bool) (*footerResult, error) {
	refs, problems, err := s.resolve(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]fileFooter, len(refs))
	read := func(idx []int) {
		s.forEach(ctx, "footer", len(idx), func(i int) {
			out[idx[i]] = s.fileFooter(ctx, refs[idx[i]], withNulls)
		}, func(i int, err error) {
			out[idx[i]] = fileFooter{err: fmt.Errorf("read %s: %w", refs[idx[i]].name, err)}
		})
	}
	pruned := make([]bool, len(refs))
	if withNulls || s.v.NoPartitionPruning {
		read(allIndexes(len(refs)))
	} else {
		s.newestFirst(refs, pruned, read, out)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("parquet view %q: %w", s.v.Path, err)
	}
	res := &footerResult{footer: &sample.Footer{Problems: problems}}
	if withNulls {
		res.nulls = make(map[string]int64, len(s.v.Features))
		for _, f := range s.v.Features {
			res.nulls[f.Name] = 0
		}
	}
	var failed []sample.Problem
	var errs []error
	f := res.footer
	for i, ff := range out {
		if pruned[i] {
			f.Reads.FilesPruned++
			continue
		}
		if ff.err != nil {
			failed = append(failed, badFile(ff.err))
			errs = append(errs, ff.err)
			continue
		}
		f.Files++
		f.Rows += ff.rows
		f.Reads.RowGroups += ff.rowGroups
		f.Problems = append(f.Problems, ff.problems...)
		if ff.hasNewest && (!f.HasNewest || ff.newest > f.Newest) {
			f.Newest, f.HasNewest = ff.newest, true
		}
		for k, v := range ff.nulls {
			res.nulls[k] += v
		}
	}
	f.Problems = append(f.Problems, failed...)
	f.Reads.Files, f.Reads.FilesSkipped = f.Files, len(failed)
	if f.Files == 0 {
		return nil, s.noFileUsable(errs, failed)
	}
	s.log.Debug("parquet footer", "path", s.v.Path, "files", f.Files, "failed_files", len(failed), "rows", f.Rows)
	return res, nil
}

// newestFirst reads the footers of the files that may hold the newest
// event: first those of the newest partition and those without a time
// partition, then those of every other partition that ends after the newest
// event found so far. The others are marked pruned.
func (s *Store) newestFirst(refs []fileRef, pruned []bool, read func([]int), out []fileFooter) {
	spans := partitionSpans(refs, s.v.TimestampColumn)
	top := int64(math.MinInt64)
	for _, sp := range spans {
		if sp.known {
			top = max(top, sp.hi)
		}
	}
	var first, rest []int
	for i, sp := range spans {
		if !sp.known || sp.hi == top {
			first = append(first, i)
		} else {
			rest = append(rest, i)
		}
	}
	read(first)
	newest, has := int64(0), false
	for _, i := range first {
		if ff := out[i]; ff.err == nil && ff.hasNewest && (!has || ff.newest > newest) {
			newest, has = ff.newest, true
		}
	}
	var second []int
	for _, i := range rest {
		if has && spans[i].hi <= newest {
			pruned[i] = true // every event of it is older than one found
			continue
		}
		second = append(second, i)
	}
	read(second)
	if n := len(rest) - len(second); n > 0 {
		s.log.Debug("partitions pruned", "path", s.v.Path, "files", n)
	}
}

func allIndexes(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

func (s *Store) fileFooter(ctx context.Context, ref fileRef, withNulls bool) (ff fileFooter) {
	of, err := s.open(ctx, ref)
	if err != nil {
		ff.err = err
		return ff
	}
	defer of.Close()
	ff.err = guard(ref.name, func() error {
		pf := of.pf
		ff.rows = pf.NumRows()
		ff.rowGroups = len(pf.RowGroups())
		tc, conv, err := s.timestampColumn(pf, ref.name)
		if err != nil {
			return err
		}
		if s.remote {
			var scan []int
			for i, rg := range pf.RowGroups() {
				if _, _, ok := chunkBounds(pf, i, tc.idx, tc, conv); rg.NumRows() > 0 && !ok {
					scan = append(scan, i)
				}
			}
			s.prefetch(ctx, of, scan, tc.name)
		}
		for i, rg := range pf.RowGroups() {
			if rg.NumRows() == 0 {
				continue
			}
			if _, hi, ok := chunkBounds(pf, i, tc.idx, tc, conv); ok {
				if !ff.hasNewest || hi > ff.newest {
					ff.newest, ff.hasNewest = hi, true
				}
				continue
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			ff.scanned++
			newest := int64(math.MinInt64)
			has := false
			err := scanChunk(of, i, tc, nil, func(_, _ int, p *pageData, k int, null bool) {
				if !null {
					if t := conv.at(p, k); t > newest {
						newest, has = t, true
					}
				}
			})
			if err != nil {
				return fmt.Errorf("read %s column %s: %w", ref.name, tc.name, err)
			}
			if has && (!ff.hasNewest || newest > ff.newest) {
				ff.newest, ff.hasNewest = newest, true
			}
		}
		if ff.scanned > 0 {
			s.log.Debug("timestamp statistics missing, scanned", "file", ref.name, "row_groups", ff.scanned)
		}
		if !withNulls {
			return nil
		}
		ff.nulls = make(map[string]int64, len(s.v.Features))
		for _, f := range s.v.Features {
			c, ok, err := lookupColumn(pf, f.Name)
			if err != nil || !ok {
				if err != nil {
					ff.problems = append(ff.problems, sample.Problemf(sample.ColumnType, 1, "file %s: %v", ref.name, err))
				} else if _, hive := ref.hive[f.Name]; hive {
					continue // a partition value is never null
				} else {
					ff.problems = append(ff.problems, sample.Problemf(sample.MissingColumn, 1, "file %s has no column %s", ref.name, f.Name))
				}
				ff.nulls[f.Name] += ff.rows
				continue
			}
			for i := range pf.RowGroups() {
				if n, ok := nullCount(pf, i, c); ok {
					ff.nulls[f.Name] += n
					continue
				}
				var n int64
				err := scanChunk(of, i, c, nil, func(_, _ int, _ *pageData, _ int, null bool) {
					if null {
						n++
					}
				})
				if err != nil {
					return fmt.Errorf("read %s column %s: %w", ref.name, c.name, err)
				}
				ff.nulls[f.Name] += n
			}
		}
		return nil
	})
	return ff
}
