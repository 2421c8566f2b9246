package parquetstore

import (
	"context"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"

	"github.com/fsmon/fsmon/internal/panics"
	"github.com/fsmon/fsmon/sample"
)

// rgCount is one row group that may hold rows of the window.
type rgCount struct {
	rg    int
	count int  // rows in the window
	all   bool // every row is in the window (known from statistics)
	// filled by the selection step
	picks []int32    // ordinals among the row group's in-window rows, ascending
	off   int        // first output row
	rows  []int32    // row indexes of the picks (the picks when all)
	parts [][]string // entity column values of the picks
	lost  bool       // the second pass failed
}

// fileScan is the first pass over one file.
type fileScan struct {
	of       *openFile
	ts       column
	conv     tsConv
	rgs      []rgCount
	from, to int64
	scanned  int
	pruned   int
	problems []sample.Problem
	err      error
}

// Sample returns up to n rows whose event time lies in w (both ends
// included), drawn uniformly without replacement with the view's seed; when
// the window holds n rows or fewer it returns all of them. Rows come in file
// order, then row order. A zero w.From or w.To leaves that end open.
//
// It works in two passes: the first counts the window's rows per row group
// (row groups outside the window are pruned by their statistics, row groups
// inside it are counted from the footer alone), the second decodes the
// timestamp, entity and feature columns of the row groups that hold chosen
// rows, and nothing else. On object storage the second pass fetches those
// column chunks in the order it decodes them, a bounded number of bytes
// ahead (fetchAhead), so that fetching overlaps decoding and a sample
// holds a few row groups' chunks at a time, not all of them.
func (s *Store) Sample(ctx context.Context, w sample.Window, n int) (*sample.Sample, error) {
	if n < 0 {
		return nil, fmt.Errorf("parquet view %q: negative sample size %d", s.v.Path, n)
	}
	from, to := int64(math.MinInt64), int64(math.MaxInt64)
	if !w.From.IsZero() {
		from = w.From.UnixNano()
	}
	if !w.To.IsZero() {
		to = w.To.UnixNano()
	}
	refs, problems, err := s.resolve(ctx)
	if err != nil {
		return nil, err
	}
	refs, prunedFiles := s.pruneWindow(refs, from, to)
	scans := make([]fileScan, len(refs))
	defer func() {
		for _, fs := range scans {
			fs.of.Close()
		}
	}()
	s.forEach(ctx, "window", len(refs), func(i int) {
		scans[i] = s.countWindow(ctx, refs[i], from, to)
	}, func(i int, err error) { scans[i] = fileScan{err: fmt.Errorf("read %s: %w", refs[i].name, err)} })
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("parquet view %q: %w", s.v.Path, err)
	}
	var (
		failed []sample.Problem
		total  int
		used   int
		reads  = sample.Reads{FilesPruned: prunedFiles}
	)
	scanned := 0
	var errs []error
	var files []*openFile
	for i := range scans {
		fs := &scans[i]
		if fs.err != nil {
			failed = append(failed, badFile(fs.err))
			errs = append(errs, fs.err)
			continue
		}
		files = append(files, fs.of)
		used++
		scanned += fs.scanned
		reads.RowGroupsPruned += fs.pruned
		problems = append(problems, fs.problems...)
		for _, r := range fs.rgs {
			total += r.count
		}
	}
	if used == 0 && len(failed) == 0 {
		// Every file was pruned: the window holds no rows.
		out := s.newSample(0)
		out.Complete, out.Problems, out.Reads = true, problems, reads
		return out, nil
	}
	if used == 0 {
		return nil, s.noFileUsable(errs, failed)
	}
	if err := s.missingEntity(files); err != nil {
		return nil, err
	}

	// Choose the rows: ordinals among all in-window rows, in file order.
	var picks []int64
	complete := total <= n
	if !complete {
		picks = choose(int64(total), n, s.seed)
	}
	size := min(total, n)
	off, next := 0, 0
	var base int64
	for i := range scans {
		fs := &scans[i]
		if fs.err != nil {
			continue
		}
		for r := range fs.rgs {
			rc := &fs.rgs[r]
			rc.off = off
			end := base + int64(rc.count)
			if complete {
				rc.picks = make([]int32, rc.count)
				for k := range rc.picks {
					rc.picks[k] = int32(k)
				}
			} else {
				for next < len(picks) && picks[next] < end {
					rc.picks = append(rc.picks, int32(picks[next]-base))
					next++
				}
			}
			off += len(rc.picks)
			base = end
		}
	}

	full := s.newSample(size)
	full.Scanned, full.Population, full.Complete = scanned, total, complete
	// Second pass: one task per row group and column, so that every worker
	// stays busy whatever the number and size of the files. In row groups
	// whose window rows are not known from the statistics, the picks are
	// first mapped to row indexes (reading timestamps).
	type group struct {
		fs *fileScan
		rc *rgCount
	}
	var groups []group
	for i := range scans {
		for r := range scans[i].rgs {
			if rc := &scans[i].rgs[r]; len(rc.picks) > 0 {
				groups = append(groups, group{&scans[i], rc})
				rc.rows = rc.picks
				rc.parts = make([][]string, len(s.v.Entities))
				for e := range rc.parts {
					rc.parts[e] = make([]string, len(rc.picks))
				}
			}
		}
	}
	// Column tasks, in row group order: kind 0 is the timestamp (row
	// groups known from statistics only), 1 an entity column, 2 a feature,
	// 3 the mapping of picks to rows (row groups not known from statistics;
	// every task of such a row group waits for it).
	type task struct{ g, kind, i int }
	var tasks []task
	users := make([]int, len(groups))
	for g, gr := range groups {
		n := len(tasks)
		if gr.rc.all {
			tasks = append(tasks, task{g, 0, 0})
		} else {
			tasks = append(tasks, task{g, 3, 0})
		}
		for e := range s.v.Entities {
			tasks = append(tasks, task{g, 1, e})
		}
		for f := range s.v.Features {
			tasks = append(tasks, task{g, 2, f})
		}
		users[g] = len(tasks) - n
	}
	// On object storage the column chunks are fetched in the same order,
	// ahead of the decoding and overlapping it (pipeline), consecutive row
	// groups of a file together in requests of up to maxRequest bytes.
	var pipe *pipeline
	var jobOf []int
	if s.remote {
		cols := append([]string{s.v.TimestampColumn}, s.viewColumns()...)
		var jobs []*pipeJob
		jobOf = make([]int, len(groups))
		for g := 0; g < len(groups); {
			of := groups[g].fs.of
			var rgs []int
			var size int64
			n := 0
			for ; g < len(groups) && groups[g].fs.of == of; g++ {
				b := chunkBytes(of, groups[g].rc.rg, cols...)
				if len(rgs) > 0 && size+b > maxRequest {
					break
				}
				rgs = append(rgs, groups[g].rc.rg)
				size += b
				n += users[g]
				jobOf[g] = len(jobs)
			}
			jobs = append(jobs, newPipeJob(of.cache, chunkRanges(of, rgs, cols...), n))
		}
		pipe = s.startPipeline(ctx, jobs)
		defer pipe.close()
	}
	lost := make([]bool, len(groups))
	locProblems := make([]*sample.Problem, len(groups))
	located := make([]sync.Once, len(groups))
	locateGroup := func(g int) {
		located[g].Do(func() {
			fs, rc := groups[g].fs, groups[g].rc
			if rc.all {
				return
			}
			// A panic outside the Parquet reader (guard) is recovered
			// here, as forEach does for its shares.
			var err, perr error
			func() {
				defer panics.RecoverLog(&perr, "parquet row locate read of view "+strconv.Quote(s.v.Path), s.log)
				s.hook("row locate")
				err = guard(fs.of.ref.name, func() error { return locate(fs, rc, full) })
			}()
			if perr != nil {
				err = fmt.Errorf("read %s: %w", fs.of.ref.name, perr)
			}
			if err != nil {
				locProblems[g], lost[g] = badRowGroup(err), true
			}
		})
	}
	taskProblems := make([][]sample.Problem, len(tasks))
	taskFailed := make([]bool, len(tasks))
	s.forEach(ctx, "column", len(tasks), func(i int) {
		t := tasks[i]
		if pipe != nil {
			if !pipe.wait(jobOf[t.g]) {
				return
			}
			defer pipe.done(jobOf[t.g])
		}
		locateGroup(t.g)
		if lost[t.g] || t.kind == 3 {
			return
		}
		fs, rc := groups[t.g].fs, groups[t.g].rc
		err := guard(fs.of.ref.name, func() error {
			switch t.kind {
			case 0:
				return readTimes(fs, rc, full)
			case 1:
				return s.readEntity(fs.of, rc.rg, rc.rows, t.i, rc.parts[t.i], &taskProblems[i])
			}
			return s.readFeature(fs.of, rc.rg, rc.rows, s.v.Features[t.i], full, rc.off, &taskProblems[i])
		})
		if err != nil {
			taskProblems[i] = append(taskProblems[i], *badRowGroup(err))
			taskFailed[i] = true
		}
	}, func(i int, err error) {
		taskProblems[i] = append(taskProblems[i], *badRowGroup(fmt.Errorf("read %s: %w", groups[tasks[i].g].fs.of.ref.name, err)))
		taskFailed[i] = true
	})
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("parquet view %q: %w", s.v.Path, err)
	}
	for g := range groups {
		if locProblems[g] != nil {
			problems = appendNew(problems, []sample.Problem{*locProblems[g]})
		}
	}
	for i, t := range tasks {
		problems = appendNew(problems, taskProblems[i])
		if taskFailed[i] {
			lost[t.g] = true
		}
	}
	anyLost := false
	for g, gr := range groups {
		gr.rc.lost = lost[g]
		anyLost = anyLost || lost[g]
		if lost[g] {
			reads.RowGroupsSkipped++
		}
		if !lost[g] {
			joinEntities(full, gr.rc.off, gr.rc.parts)
		}
	}
	full.Problems = append(problems, failed...)
	reads.Files, reads.FilesSkipped = used, len(failed)
	reads.RowGroups = len(groups) - reads.RowGroupsSkipped
	full.Reads = reads
	if anyLost {
		full = s.dropLost(full, scans)
	}
	s.log.Debug("parquet sample", "path", s.v.Path, "files", used, "failed_files", len(failed),
		"row_groups_read", len(groups), "scanned", full.Scanned, "population", full.Population, "rows", full.Len())
	return full, nil
}

// countWindow opens a file and counts the window's rows per row group.
func (s *Store) countWindow(ctx context.Context, ref fileRef, from, to int64) (fs fileScan) {
	fs.from, fs.to = from, to
	of, err := s.open(ctx, ref)
	if err != nil {
		fs.err = err
		return fs
	}
	fs.of = of
	fs.err = guard(ref.name, func() error {
		pf := of.pf
		tc, conv, err := s.timestampColumn(pf, ref.name)
		if err != nil {
			return err
		}
		fs.ts, fs.conv = tc, conv
		var scan []int // row groups whose timestamps must be read
		for i, rg := range pf.RowGroups() {
			if rg.NumRows() == 0 {
				continue
			}
			if lo, hi, ok := chunkBounds(pf, i, tc.idx, tc, conv); ok {
				if nulls, known := nullCount(pf, i, tc); hi < from || lo > to || (lo >= from && hi <= to && known && nulls == 0) {
					continue
				}
			}
			scan = append(scan, i)
		}
		s.prefetch(ctx, of, scan, tc.name)
		for i, rg := range pf.RowGroups() {
			rows := rg.NumRows()
			if rows == 0 {
				continue
			}
			if lo, hi, ok := chunkBounds(pf, i, tc.idx, tc, conv); ok {
				if hi < from || lo > to {
					fs.pruned++
					continue
				}
				if nulls, known := nullCount(pf, i, tc); lo >= from && hi <= to && known && nulls == 0 {
					fs.rgs = append(fs.rgs, rgCount{rg: i, count: int(rows), all: true})
					fs.scanned += int(rows)
					continue
				}
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			count := 0
			err := scanChunk(of, i, tc, nil, func(_, _ int, p *pageData, k int, null bool) {
				if !null {
					if t := conv.at(p, k); t >= from && t <= to {
						count++
					}
				}
			})
			if err != nil {
				return fmt.Errorf("read %s column %s: %w", ref.name, tc.name, err)
			}
			fs.scanned += int(rows)
			if count > 0 {
				fs.rgs = append(fs.rgs, rgCount{rg: i, count: count})
			}
		}
		return nil
	})
	if fs.err != nil {
		of.Close()
		fs.of = nil
	}
	return fs
}

// readTimes reads the event times of the picks of a row group whose rows
// are all in the window (picks are row indexes).
func readTimes(fs *fileScan, rc *rgCount, out *sample.Sample) error {
	times := out.Times[rc.off : rc.off+len(rc.rows)]
	has := out.HasTime[rc.off : rc.off+len(rc.rows)]
	err := scanChunk(fs.of, rc.rg, fs.ts, rc.rows, func(j, _ int, p *pageData, k int, null bool) {
		if !null {
			times[j], has[j] = fs.conv.at(p, k), true
		}
	})
	if err != nil {
		return fmt.Errorf("read %s column %s: %w", fs.of.ref.name, fs.ts.name, err)
	}
	return nil
}

// locate maps the picks of a row group (ordinals among its in-window rows)
// to row indexes in rc.rows, storing their event times in out.
func locate(fs *fileScan, rc *rgCount, out *sample.Sample) error {
	name := fs.of.ref.name
	times := out.Times[rc.off : rc.off+len(rc.picks)]
	has := out.HasTime[rc.off : rc.off+len(rc.picks)]
	rows := make([]int32, 0, len(rc.picks))
	ord, j := int32(0), 0
	err := scanChunk(fs.of, rc.rg, fs.ts, nil, func(_, row int, p *pageData, k int, null bool) {
		if null || j >= len(rc.picks) {
			return
		}
		t := fs.conv.at(p, k)
		if t < fs.from || t > fs.to {
			return
		}
		if ord == rc.picks[j] {
			rows = append(rows, int32(row))
			times[j], has[j] = t, true
			j++
		}
		ord++
	})
	if err != nil {
		return fmt.Errorf("read %s column %s: %w", name, fs.ts.name, err)
	}
	if len(rows) != len(rc.picks) {
		return fmt.Errorf("read %s: row group %d changed while it was read", name, rc.rg)
	}
	rc.rows = rows
	return nil
}

// dropLost removes the rows of row groups that failed in the second pass.
func (s *Store) dropLost(in *sample.Sample, scans []fileScan) *sample.Sample {
	keep := make([]bool, in.Len())
	pop := in.Population
	for i := range scans {
		for _, rc := range scans[i].rgs {
			for j := range rc.picks {
				keep[rc.off+j] = !rc.lost
			}
			if rc.lost {
				pop -= rc.count
			}
		}
	}
	n := 0
	for _, k := range keep {
		if k {
			n++
		}
	}
	out := s.newSample(n)
	out.Scanned, out.Population, out.Complete, out.Problems, out.Reads = in.Scanned, pop, in.Complete, in.Problems, in.Reads
	o := 0
	for i, k := range keep {
		if !k {
			continue
		}
		out.Entities[o], out.Times[o], out.HasTime[o] = in.Entities[i], in.Times[i], in.HasTime[i]
		for name, c := range in.Columns {
			oc := out.Columns[name]
			oc.Nulls[o] = c.Nulls[i]
			if c.Num != nil {
				oc.Num[o] = c.Num[i]
			}
			if c.Str != nil {
				oc.Str[o] = c.Str[i]
			}
		}
		o++
	}
	return out
}

// choose returns n distinct ordinals in [0, total), ascending, uniformly
// (Floyd's algorithm), from a generator seeded with seed.
func choose(total int64, n int, seed uint64) []int64 {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	picks := make([]int64, 0, n)
	if total <= 1<<28 {
		set := make([]uint64, (total+63)/64)
		for j := total - int64(n); j < total; j++ {
			t := rng.Int64N(j + 1)
			if set[t>>6]&(1<<(t&63)) != 0 {
				t = j
			}
			set[t>>6] |= 1 << (t & 63)
		}
		for w, b := range set {
			for b != 0 {
				tz := int64(bits.TrailingZeros64(b))
				picks = append(picks, int64(w)*64+tz)
				b &= b - 1
			}
		}
		return picks
	}
	set := make(map[int64]struct{}, n)
	for j := total - int64(n); j < total; j++ {
		t := rng.Int64N(j + 1)
		if _, dup := set[t]; dup {
			t = j
		}
		set[t] = struct{}{}
	}
	for t := range set {
		picks = append(picks, t)
	}
	slices.Sort(picks)
	return picks
}
