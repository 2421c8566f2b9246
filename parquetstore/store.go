// Package parquetstore is fsmon's offline sampler: it reads the Parquet files
// of a feature view (a file, a directory or a glob under a store root, hive
// partition folders allowed) and implements sample.Offline.
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
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/parquet-go/parquet-go"

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
	// Root is the store root; Path is relative to it.
	Root string
	// Path is a file, a directory (every file below it whose name does not
	// start with "." or "_") or a glob relative to Root. Globs use path.Match
	// syntax per path segment plus "**", which matches any number of folders
	// (zero included). Hive-style partition folders (key=value) are allowed.
	Path string
	// TimestampColumn is the event timestamp column.
	TimestampColumn string
	// Entities are the entity (join key) column names, in the view's order.
	Entities []string
	// Features are the feature columns to read.
	Features []sample.Feature
	// Logger receives debug logs; nil discards them.
	Logger *slog.Logger
	// Seed makes samples repeatable: the same files and the same seed give
	// the same rows. 0 means DefaultSeed.
	Seed int64
	// Workers is how many files are read at the same time; 0 means
	// GOMAXPROCS.
	Workers int
}

// Store is the offline sampler of one view. It implements sample.Offline and
// is safe for concurrent use.
type Store struct {
	v       View
	log     *slog.Logger
	seed    uint64
	workers int
	pattern []string // glob segments; nil when Path has no glob
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
	s := &Store{v: v, log: v.Logger, seed: uint64(v.Seed), workers: v.Workers}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if v.Seed == 0 {
		s.seed = uint64(DefaultSeed)
	}
	if s.workers <= 0 {
		s.workers = runtime.GOMAXPROCS(0)
	}
	p := filepath.ToSlash(v.Path)
	if hasMeta(p) {
		segs := strings.Split(strings.Trim(p, "/"), "/")
		for _, seg := range segs {
			if seg == "**" {
				continue
			}
			if _, err := path.Match(seg, ""); err != nil {
				return nil, fmt.Errorf("parquet view: bad glob %q: %w", v.Path, err)
			}
		}
		s.pattern = segs
	}
	return s, nil
}

func hasMeta(p string) bool { return strings.ContainsAny(p, `*?[\`) }

// fileRef is one resolved data file.
type fileRef struct {
	abs  string
	name string            // path relative to Root, slash-separated, for messages
	hive map[string]string // partition values from key=value folders
}

// resolve lists the view's files, sorted by name.
func (s *Store) resolve() ([]fileRef, []string, error) {
	var (
		abs      []string
		problems []string
	)
	base := s.v.Root
	if s.pattern == nil {
		full := s.v.Path
		if !filepath.IsAbs(full) {
			full = filepath.Join(base, full)
		}
		st, err := os.Stat(full)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, fmt.Errorf("parquet view %q under %s: %w", s.v.Path, base, ErrNoFiles)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("parquet view %q: %w", s.v.Path, err)
		}
		if !st.IsDir() {
			abs = []string{full}
		} else {
			err := filepath.WalkDir(full, func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					problems = append(problems, fmt.Sprintf("cannot list %s: %v", s.rel(p), bare(err)))
					if d != nil && d.IsDir() {
						return fs.SkipDir
					}
					return nil
				}
				n := d.Name()
				if p != full && (strings.HasPrefix(n, ".") || strings.HasPrefix(n, "_")) {
					if d.IsDir() {
						return fs.SkipDir
					}
					return nil
				}
				if d.Type().IsRegular() || (!d.IsDir() && d.Type()&fs.ModeSymlink != 0) {
					abs = append(abs, p)
				}
				return nil
			})
			if err != nil {
				return nil, nil, fmt.Errorf("parquet view %q: %w", s.v.Path, err)
			}
		}
	} else {
		// Walk from the longest literal prefix of the pattern.
		pat := s.pattern
		i := 0
		for i < len(pat) && !hasMeta(pat[i]) && pat[i] != "**" {
			i++
		}
		start := filepath.Join(append([]string{base}, pat[:i]...)...)
		rest := pat[i:]
		if filepath.IsAbs(filepath.FromSlash(s.v.Path)) {
			start = filepath.Join(append([]string{"/"}, pat[:i]...)...)
		}
		err := filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if p == start {
					return err
				}
				problems = append(problems, fmt.Sprintf("cannot list %s: %v", s.rel(p), bare(err)))
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				return nil
			}
			r, err := filepath.Rel(start, p)
			if err != nil {
				return nil
			}
			if matchSegs(rest, strings.Split(filepath.ToSlash(r), "/")) {
				abs = append(abs, p)
			}
			return nil
		})
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, nil, fmt.Errorf("parquet view %q: %w", s.v.Path, err)
		}
	}
	slices.Sort(abs)
	if len(abs) == 0 {
		return nil, problems, fmt.Errorf("parquet view %q under %s: %w", s.v.Path, base, ErrNoFiles)
	}
	refs := make([]fileRef, len(abs))
	for i, a := range abs {
		name := s.rel(a)
		refs[i] = fileRef{abs: a, name: name, hive: hivePartitions(name)}
	}
	return refs, problems, nil
}

func (s *Store) rel(p string) string {
	if s.v.Root != "" {
		if r, err := filepath.Rel(s.v.Root, p); err == nil && !strings.HasPrefix(r, "..") {
			return filepath.ToSlash(r)
		}
	}
	return filepath.ToSlash(p)
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
	ref fileRef
	osf *os.File
	pf  *parquet.File
}

func (o *openFile) Close() {
	if o != nil && o.osf != nil {
		o.osf.Close()
	}
}

// open opens a file read-only and parses its footer. Panics of the Parquet
// reader become errors naming the file.
func open(ref fileRef) (of *openFile, err error) {
	f, err := os.Open(ref.abs)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", ref.name, bare(err))
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("read %s: parquet reader failed: %v", ref.name, r)
		}
		if err != nil {
			f.Close()
			of = nil
		}
	}()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat %s: %w", ref.name, err)
	}
	pf, err := parquet.OpenFile(f, st.Size(),
		parquet.SkipBloomFilters(true),
		parquet.SkipPageIndex(true),
		parquet.ReadBufferSize(256<<10),
	)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", ref.name, err)
	}
	return &openFile{ref: ref, osf: f, pf: pf}, nil
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

// forEach runs fn(i) for i in [0, n) on up to workers goroutines.
func (s *Store) forEach(ctx context.Context, n int, fn func(i int)) {
	w := min(s.workers, n)
	if w <= 1 {
		for i := range n {
			if ctx.Err() != nil {
				return
			}
			fn(i)
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
				fn(i)
			}
		})
	}
	wg.Wait()
}

// allFailed builds the error returned when no file could be used.
func allFailed(path string, problems []string) error {
	return fmt.Errorf("parquet view %q: every file failed: %s", path, strings.Join(problems, "; "))
}

// bare strips the path from a *fs.PathError so that messages name files by
// their path relative to the root only.
func bare(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
