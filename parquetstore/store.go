// Package parquetstore is fsmon's offline sampler: it reads the Parquet files
// of a feature view (a file, a directory or a glob under a store root, hive
// partition folders allowed) and implements sample.Offline. The files are
// read through internal/blob, so the same code serves local directories and
// object storage.
//
// It reads as little as it can: the newest event time and the row count come
// from the footer statistics (with a scan of the timestamp column only where
// a writer left them out), window samples prune row groups by the min/max
// statistics of the timestamp column and decode only the columns they return,
// and point-in-time lookups read entity and timestamp columns first, then
// feature values for the matching rows only. Values are read with
// parquet-go's typed page API, never row by row.
//
// It never writes anything. A file that cannot be read (not Parquet,
// truncated, unreadable) becomes a Problem naming the file and the other files
// are still used; only when every file fails is the call an error.
//
// Timestamp columns may be INT64 with a TIMESTAMP logical type (millis,
// micros or nanos) or the legacy TIMESTAMP_MILLIS/MICROS converted types,
// INT96 (Spark/Impala; these have no usable statistics, so they are always
// scanned), INT32 DATE (midnight UTC of the day), or plain INT64/INT32 without
// annotation. A plain integer is read by magnitude, value by value: below 1e11
// it is unix seconds, below 1e14 milliseconds, below 1e17 microseconds, else
// nanoseconds (the bands do not overlap for dates between 1973 and 5138).
// Timestamps not adjusted to UTC (isAdjustedToUTC=false, what DuckDB and
// Spark write for TIMESTAMP without time zone) are read as UTC. Every time
// this package returns is in unix nanoseconds.
package parquetstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/parquet-go/parquet-go"

	"github.com/fsmon/fsmon/internal/blob"
	"github.com/fsmon/fsmon/internal/panics"
	"github.com/fsmon/fsmon/sample"
)

// DefaultSeed is the seed of the row sampler when View.Seed is 0.
const DefaultSeed int64 = 0x5eed_f5_a0

// ErrNoFiles is returned (wrapped) when a view's path matches no file (or
// does not exist): a view whose offline data has not been written yet.
var ErrNoFiles = errors.New("no Parquet files match")

// View describes the Parquet files of one feature view and the columns to
// read from them.
type View struct {
	// Bucket holds the files (S3, GCS, a local directory); nil means the
	// local file system, with Root a local directory.
	Bucket blob.Bucket
	// Root is the store root: a local directory, or a key prefix in
	// Bucket. Path is relative to it.
	Root string
	// Path is a file, a directory (every file below it whose name does not
	// start with "." or "_") or a glob relative to Root (an absolute local
	// path when Bucket is nil). Globs use path.Match syntax per path
	// segment plus "**", which matches any number of folders (zero
	// included). Hive-style partition folders (key=value) are allowed.
	Path string
	// TimestampColumn is the event timestamp column.
	TimestampColumn string
	// Entities are the entity (join key) column names, in the view's order.
	Entities []string
	// Features are the feature columns to read.
	Features []sample.Feature
	// Logger receives debug logs; nil discards them.
	Logger *slog.Logger
	// PanicHook, for tests of the programs that use a Store, is called
	// before each share of the work spread over goroutines, with its stage,
	// as the package's own tests' hook is, to inject a panic there. Nil in
	// production.
	PanicHook func(stage string)
	// Seed makes samples repeatable: the same files and the same seed give
	// the same rows. 0 means DefaultSeed.
	Seed int64
	// Buffers, when set, keeps the buffers that samples on object storage
	// fetch into from one sample to the next (see Buffers); share one
	// among the stores of a process. Nil keeps them for one sample only.
	Buffers *Buffers
	// Workers is how many files (and, on object storage, requests) are
	// read at the same time; 0 means GOMAXPROCS on local files and 16 on
	// object storage.
	Workers int
	// MaxReadBytes is the ceiling on what one file may make the reader
	// allocate: its footer, each page (compressed and uncompressed), and
	// MaxReadBytes/8 rows per row group and values per page. A file that
	// claims more is a problem naming it, never read. 0 means
	// DefaultMaxReadBytes.
	MaxReadBytes int64
	// NoPartitionPruning opens every file even when its hive partition
	// folders put it outside the time asked for (see partition.go's rules):
	// for layouts whose date partitions are not event dates (an ingestion
	// date with late events in it).
	NoPartitionPruning bool
}

// Store is the offline sampler of one view. It implements sample.Offline and
// is safe for concurrent use.
type Store struct {
	v       View
	log     *slog.Logger
	seed    uint64
	workers int
	bucket  blob.Bucket
	base    string   // key prefix of Root in bucket, no slash at either end
	key     string   // key of Path when it has no glob
	pattern []string // glob segments of Path's key; nil when Path has no glob
	maxRead int64
	remote  bool // object storage: fetch column chunks ahead
	tails   footerCache
	// testHook, set only by tests, is called before each share of the
	// work forEach spreads over goroutines, with its stage, to inject a
	// panic there.
	testHook func(stage string)
}

var _ sample.Offline = (*Store)(nil)

// New checks v and returns its Store. It does not touch the files: they are
// resolved again on every call, so new files are picked up.
func New(v View) (*Store, error) {
	if v.Path == "" {
		return nil, errors.New("parquet view: path is empty")
	}
	if v.TimestampColumn == "" {
		return nil, fmt.Errorf("parquet view %q: timestamp column is empty", v.Path)
	}
	seen := map[string]bool{}
	for _, e := range v.Entities {
		if e == "" {
			return nil, fmt.Errorf("parquet view %q: empty entity column name", v.Path)
		}
	}
	for _, f := range v.Features {
		if f.Name == "" {
			return nil, fmt.Errorf("parquet view %q: empty feature name", v.Path)
		}
		if seen[f.Name] {
			return nil, fmt.Errorf("parquet view %q: feature %q listed twice", v.Path, f.Name)
		}
		seen[f.Name] = true
	}
	s := &Store{v: v, log: v.Logger, seed: uint64(v.Seed), workers: v.Workers, bucket: v.Bucket, testHook: v.PanicHook}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if v.Seed == 0 {
		s.seed = uint64(DefaultSeed)
	}
	_, local := v.Bucket.(*blob.Dir)
	s.remote = v.Bucket != nil && !local
	if s.workers <= 0 {
		s.workers = runtime.GOMAXPROCS(0)
		if s.remote {
			s.workers = max(s.workers, remoteWorkers)
		}
	}
	s.maxRead = v.MaxReadBytes
	if s.maxRead <= 0 {
		s.maxRead = DefaultMaxReadBytes
	}
	var full string
	if s.bucket == nil {
		// The whole file system is the bucket; keys are absolute paths
		// without their leading slash.
		d, err := blob.NewDir("/")
		if err != nil {
			return nil, err
		}
		s.bucket = d
		root, err := filepath.Abs(v.Root)
		if err != nil {
			return nil, fmt.Errorf("parquet view %q: root %q: %w", v.Path, v.Root, err)
		}
		s.base = strings.Trim(filepath.ToSlash(root), "/")
		full = filepath.ToSlash(v.Path)
		if !filepath.IsAbs(v.Path) {
			full = path.Join(s.base, full)
		}
	} else {
		s.base = strings.Trim(v.Root, "/")
		full = path.Join(s.base, v.Path)
	}
	full = strings.Trim(path.Clean("/"+full), "/")
	if !hasMeta(full) {
		s.key = full
		return s, nil
	}
	segs := strings.Split(full, "/")
	for _, seg := range segs {
		if seg == "**" {
			continue
		}
		if _, err := path.Match(seg, ""); err != nil {
			return nil, fmt.Errorf("parquet view: bad glob %q: %w", v.Path, err)
		}
	}
	s.pattern = segs
	return s, nil
}

func hasMeta(p string) bool { return strings.ContainsAny(p, `*?[\`) }

// fileRef is one resolved data file.
type fileRef struct {
	obj  blob.Attrs
	name string            // key relative to Root, for messages
	hive map[string]string // partition values from key=value folders
}

// resolve lists the view's files, sorted by name: one listing of the
// longest literal prefix of Path.
func (s *Store) resolve(ctx context.Context) ([]fileRef, []sample.Problem, error) {
	var objs []blob.Attrs
	var problems []sample.Problem
	if s.pattern == nil {
		l, err := s.bucket.List(ctx, s.key)
		if err != nil {
			return nil, nil, fmt.Errorf("parquet view %q: %w", s.v.Path, err)
		}
		problems = unlistable(l.Problems)
		for _, o := range l.Objects {
			if o.Key == s.key {
				objs = []blob.Attrs{o}
				break
			}
			below, ok := strings.CutPrefix(o.Key, s.key+"/")
			if s.key == "" {
				below, ok = o.Key, true
			}
			if ok && !hidden(below) {
				objs = append(objs, o)
			}
		}
	} else {
		pat := s.pattern
		i := 0
		for i < len(pat) && !hasMeta(pat[i]) && pat[i] != "**" {
			i++
		}
		prefix := strings.Join(pat[:i], "/")
		if prefix != "" {
			prefix += "/"
		}
		rest := pat[i:]
		l, err := s.bucket.List(ctx, prefix)
		if err != nil {
			return nil, nil, fmt.Errorf("parquet view %q: %w", s.v.Path, err)
		}
		problems = unlistable(l.Problems)
		for _, o := range l.Objects {
			if matchSegs(rest, strings.Split(strings.TrimPrefix(o.Key, prefix), "/")) {
				objs = append(objs, o)
			}
		}
	}
	if len(objs) == 0 {
		return nil, problems, fmt.Errorf("parquet view %q under %s: %w", s.v.Path, s.v.Root, ErrNoFiles)
	}
	refs := make([]fileRef, len(objs))
	for i, o := range objs {
		name := s.rel(o.Key)
		refs[i] = fileRef{obj: o, name: name, hive: hivePartitions(name)}
	}
	slices.SortFunc(refs, func(a, b fileRef) int { return strings.Compare(a.name, b.name) })
	return refs, problems, nil
}

// hidden reports whether a relative key has a segment starting with "." or
// "_" (Spark's _SUCCESS, checksum files, temporary folders).
func hidden(rel string) bool {
	for seg := range strings.SplitSeq(rel, "/") {
		if strings.HasPrefix(seg, ".") || strings.HasPrefix(seg, "_") {
			return true
		}
	}
	return false
}

// rel names a key for messages: relative to Root when below it.
func (s *Store) rel(key string) string {
	if s.base == "" {
		if s.v.Bucket == nil {
			return s.bucket.URL(key)
		}
		return key
	}
	if r, ok := strings.CutPrefix(key, s.base+"/"); ok {
		return r
	}
	return s.bucket.URL(key)
}

// matchSegs matches path segments against glob segments, "**" matching zero
// or more segments.
func matchSegs(pat, segs []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for k := 0; k <= len(segs); k++ {
				if matchSegs(pat[1:], segs[k:]) {
					return true
				}
			}
			return false
		}
		if len(segs) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], segs[0]); !ok {
			return false
		}
		pat, segs = pat[1:], segs[1:]
	}
	return len(segs) == 0
}

// hivePartitions reads key=value folders of a slash-separated relative path.
func hivePartitions(name string) map[string]string {
	var m map[string]string
	dirs := strings.Split(name, "/")
	for _, d := range dirs[:len(dirs)-1] {
		k, v, ok := strings.Cut(d, "=")
		if !ok || k == "" {
			continue
		}
		if m == nil {
			m = map[string]string{}
		}
		if u, err := url.PathUnescape(v); err == nil { // Spark and Hive escape values
			v = u
		}
		m[k] = v
	}
	return m
}

// openFile is one open Parquet file.
type openFile struct {
	ref     fileRef
	r       blob.Reader
	cache   *blob.Cache
	pf      *parquet.File
	maxRead int64

	mu      sync.Mutex
	checked map[[2]int]error // checkChunk's verdicts by row group and column
}

// checkChunk checks the page headers of a column chunk once (checkPages).
func (o *openFile) checkChunk(rg, col int) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	k := [2]int{rg, col}
	if err, ok := o.checked[k]; ok {
		return err
	}
	md := &o.pf.Metadata().RowGroups[rg].Columns[col].MetaData
	err := checkPages(o.r, md, o.maxRead)
	if err != nil {
		err = fmt.Errorf("row group %d column %d: %w", rg, col, err)
	}
	if o.checked == nil {
		o.checked = map[[2]int]error{}
	}
	o.checked[k] = err
	return err
}

func (o *openFile) Close() {
	if o != nil && o.r != nil {
		o.r.Close()
	}
}

// open opens a file read-only and parses its footer, after checking that
// the footer claims no more than the file holds nor more than
// View.MaxReadBytes (checkFooter, checkMetadata). The first bytes and the
// tail of the object come from the footer cache when the object is
// unchanged. Panics of the Parquet reader become errors naming the file.
func (s *Store) open(ctx context.Context, ref fileRef) (of *openFile, err error) {
	r, err := s.bucket.Open(ctx, ref.obj)
	if err != nil {
		return nil, err
	}
	c := blob.NewCache(r)
	defer func() {
		if rec := recover(); rec != nil {
			err = fmt.Errorf("read %s: parquet reader failed: %v", ref.name, rec)
		}
		if err != nil {
			c.Close()
			of = nil
		}
	}()
	key := footerKey(s.bucket.URL(ref.obj.Key), ref.obj)
	t, cached := s.tails.get(key)
	if !cached {
		if t, err = readTail(r, ref.obj.Size, s.maxRead); err != nil {
			return nil, err
		}
	}
	for _, sp := range t.spans {
		c.Add(sp.off, sp.data)
	}
	footer, err := checkFooter(c, ref.obj.Size, s.maxRead)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", ref.name, err)
	}
	pf, err := parquet.OpenFile(c, ref.obj.Size,
		parquet.SkipMagicBytes(true),
		parquet.SkipBloomFilters(true),
		parquet.SkipPageIndex(true),
		parquet.ReadBufferSize(256<<10),
	)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", ref.name, err)
	}
	if err := checkMetadata(pf.Metadata(), ref.obj.Size, footer, s.maxRead); err != nil {
		return nil, fmt.Errorf("read %s: %w", ref.name, err)
	}
	if !cached && t.spans != nil {
		s.tails.put(key, t)
	}
	return &openFile{ref: ref, r: c, cache: c, pf: pf, maxRead: s.maxRead}, nil
}

// guard runs fn, turning a panic into an error naming the file.
func guard(name string, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("read %s: parquet reader failed: %v", name, r)
		}
	}()
	return fn()
}

// forEach runs fn(i) for i in [0, n) on up to workers goroutines. A panic
// in fn(i) (a bug met on a hostile file) is recovered there, its stack goes
// to the debug log, and failed(i, err) records it as the error of share i:
// one file or row group, never the process. stage names the work in the
// error ("footer", "window", ...).
func (s *Store) forEach(ctx context.Context, stage string, n int, fn func(i int), failed func(i int, err error)) {
	one := func(i int) {
		var err error
		func() {
			defer panics.RecoverLog(&err, "parquet "+stage+" read of view "+strconv.Quote(s.v.Path), s.log)
			s.hook(stage)
			fn(i)
		}()
		if err != nil {
			failed(i, err)
		}
	}
	w := min(s.workers, n)
	if w <= 1 {
		for i := range n {
			if ctx.Err() != nil {
				return
			}
			one(i)
		}
		return
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		next int
	)
	for range w {
		wg.Go(func() {
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= n || ctx.Err() != nil {
					return
				}
				one(i)
			}
		})
	}
	wg.Wait()
}

// hook calls testHook.
func (s *Store) hook(stage string) {
	if s.testHook != nil {
		s.testHook(stage)
	}
}

// allFailed builds the error returned when no file could be used.
func allFailed(path string, problems []sample.Problem) error {
	msgs := make([]string, len(problems))
	for i, p := range problems {
		msgs[i] = p.Message
	}
	return fmt.Errorf("parquet view %q: every file failed: %s", path, strings.Join(msgs, "; "))
}

// noColumnError is a file without the view's timestamp column or one of
// its entity columns: the file cannot be read for the view.
type noColumnError struct {
	file, role, column string
}

func (e *noColumnError) Error() string {
	return fmt.Sprintf("file %s has no %s column %s", e.file, e.role, e.column)
}

// noFileUsable is the error of a read that could use no file (errs are
// the files' errors, problems their problems): a *sample.MissingColumnError
// when every file lacks the same timestamp or entity column (a config
// mistake, not damaged data), else every file's problem.
func (s *Store) noFileUsable(errs []error, problems []sample.Problem) error {
	var first *noColumnError
	for _, err := range errs {
		var nc *noColumnError
		if !errors.As(err, &nc) || (first != nil && (nc.role != first.role || nc.column != first.column)) {
			return allFailed(s.v.Path, problems)
		}
		if first == nil {
			first = nc
		}
	}
	if first == nil {
		return allFailed(s.v.Path, problems)
	}
	return &causedError{msg: allFailed(s.v.Path, problems).Error(),
		cause: &sample.MissingColumnError{Role: first.role, Column: first.column, Files: len(errs), Path: s.v.Path}}
}

// causedError is an error with its own message that unwraps to its cause.
type causedError struct {
	msg   string
	cause error
}

func (e *causedError) Error() string { return e.msg }
func (e *causedError) Unwrap() error { return e.cause }

// missingEntity returns a *sample.MissingColumnError when an entity column
// of the view is in none of files (as a column or a hive partition key).
func (s *Store) missingEntity(files []*openFile) error {
	if len(files) == 0 {
		return nil
	}
	for _, name := range s.v.Entities {
		found := false
		for _, of := range files {
			_, ok, err := lookupColumn(of.pf, name)
			_, hive := of.ref.hive[name]
			if ok || err != nil || hive {
				found = true
				break
			}
		}
		if !found {
			return fmt.Errorf("parquet view %q: %w", s.v.Path,
				&sample.MissingColumnError{Role: sample.RoleEntity, Column: name, Files: len(files), Path: s.v.Path})
		}
	}
	return nil
}

// unlistable turns the parts of a listing that could not be read into
// problems.
func unlistable(msgs []string) []sample.Problem {
	out := make([]sample.Problem, len(msgs))
	for i, m := range msgs {
		out[i] = sample.Problem{Kind: sample.Unlistable, Count: 1, Message: m}
	}
	return out
}

// badFile is the problem of a file that was skipped because of err.
func badFile(err error) sample.Problem {
	return sample.Problem{Kind: sample.BadFile, Count: 1, Message: err.Error()}
}

// badRowGroup is the problem of a row group left out because of err.
func badRowGroup(err error) *sample.Problem {
	return &sample.Problem{Kind: sample.BadRowGroup, Count: 1, Message: err.Error()}
}
