package reference

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/fsmon/fsmon/parquetstore"
	"github.com/fsmon/fsmon/sample"
	"github.com/fsmon/fsmon/stats"
)

// The kinds of a reference (as in the config).
const (
	KindRange        = "range"
	KindPath         = "path"
	KindSavedDataset = "saved_dataset"
	KindProfile      = "profile"
)

// DefaultSeed seeds the reservoir draw, so that the same source gives the
// same profile.
const DefaultSeed uint64 = 0x5eed_4ef

// Spec says what a reference is and how to read it. The caller (app)
// translates the config into it; this package never sees the config.
type Spec struct {
	// Kind is one of the Kind constants.
	Kind string
	// Parquet is the view to read for KindRange, KindPath and
	// KindSavedDataset: Features hold the column names to read.
	Parquet parquetstore.View
	// Window bounds the rows of KindRange (zero for the other kinds: every
	// row).
	Window sample.Window
	// Rename maps a column name of Parquet.Features to the feature name it
	// is profiled as (Feast's full feature names); absent means the same.
	Rename map[string]string
	// File is the profile file of KindProfile.
	File string
	// SampleSize bounds the rows read from a raw reference; Reservoir the
	// values kept per numeric feature.
	SampleSize, Reservoir int
	// Label and Source describe the reference on results.
	Label, Source string
}

// key identifies a spec in the cache.
func (s Spec) key() string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%v\x00%v\x00%s\x00%d\x00%d\x00%s\x00%s", s.Kind, s.Parquet.Root, s.Parquet.Path,
		s.Parquet.TimestampColumn, s.Parquet.Features, s.Window, s.File, s.SampleSize, s.Reservoir, s.Label, s.Source)
	for k, v := range s.Rename {
		fmt.Fprintf(h, "\x00%s=%s", k, v)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Cache keeps the profiles of references, keyed by their spec, and rebuilds
// one only when its source's fingerprint changes. It is safe for concurrent
// use; concurrent gets of one spec build it once.
//
// With Dir set, the profiles built from raw references (range, path, saved
// dataset) are also kept on disk, one profile file per spec
// (Dir/<spec key>.fsprof, the format of WriteFile, with the source's
// fingerprint inside), so another process (the next `fsmon check`, a
// restarted daemon) finds them: when the source's fingerprint (a listing
// and a stat of its files: path, size and mtime or ETag) equals the one in
// the file, the file is the profile and no data of the source is read. A
// file that is missing, damaged or of another fingerprint is rebuilt from
// the source and written again; a directory that cannot be written only
// costs the rebuild (logged).
type Cache struct {
	// Now stamps CreatedAt of built profiles; time.Now when nil.
	Now func() time.Time
	// Dir is the directory of the profiles kept across processes; "" keeps
	// them in memory only.
	Dir string
	// Log reports cache files that could not be written; nil is silent.
	Log *slog.Logger

	mu      sync.Mutex
	entries map[string]*entry
	builds  int
	loads   int
}

type entry struct {
	mu          sync.Mutex
	fingerprint string
	profile     *stats.Profile
}

// NewCache returns an empty cache.
func NewCache() *Cache { return &Cache{entries: map[string]*entry{}} }

// Builds is how many times a profile was built or read from its source
// (not served from the cache), for tests and debugging.
func (c *Cache) Builds() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.builds
}

// Loads is how many profiles were served from a file of Dir (built by an
// earlier process) instead of their source.
func (c *Cache) Loads() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.loads
}

// Get returns the profile of spec: from the cache (memory, then Dir) when
// the source's fingerprint is unchanged (one listing and stat of its
// files, no data read), else read or built again.
func (c *Cache) Get(ctx context.Context, spec Spec) (*stats.Profile, error) {
	c.mu.Lock()
	e, ok := c.entries[spec.key()]
	if !ok {
		e = &entry{}
		c.entries[spec.key()] = e
	}
	c.mu.Unlock()

	e.mu.Lock()
	defer e.mu.Unlock()
	fp, err := Fingerprint(ctx, spec)
	if err != nil {
		return nil, err
	}
	if e.profile != nil && e.fingerprint == fp {
		return e.profile, nil
	}
	if p := c.load(spec, fp); p != nil {
		c.mu.Lock()
		c.loads++
		c.mu.Unlock()
		e.profile, e.fingerprint = p, fp
		return p, nil
	}
	p, err := c.build(ctx, spec, fp)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.builds++
	c.mu.Unlock()
	e.profile, e.fingerprint = p, fp
	c.store(spec, p)
	return p, nil
}

// file is the cache file of spec in Dir ("" when it has none: no Dir, or
// a profile reference, which is its own file).
func (c *Cache) file(spec Spec) string {
	if c.Dir == "" || spec.Kind == KindProfile {
		return ""
	}
	return filepath.Join(c.Dir, spec.key()+".fsprof")
}

// load returns the profile of spec kept in Dir when it was built from the
// source's current fingerprint fp, else nil.
func (c *Cache) load(spec Spec, fp string) *stats.Profile {
	path := c.file(spec)
	if path == "" {
		return nil
	}
	p, err := ReadFile(path)
	if err != nil || p.Fingerprint != fp {
		return nil // missing, damaged or stale: rebuilt and rewritten
	}
	return p
}

// store keeps p in Dir; a failure costs the next process a rebuild.
func (c *Cache) store(spec Spec, p *stats.Profile) {
	path := c.file(spec)
	if path == "" {
		return
	}
	err := os.MkdirAll(c.Dir, 0o755)
	if err == nil {
		err = WriteFile(path, p)
	}
	if err != nil && c.Log != nil {
		c.Log.Warn("reference cache not written; the next process rebuilds it", "source", spec.Source, "err", err)
	}
}

// Fingerprint identifies the current content of spec's source without
// reading its data.
func Fingerprint(ctx context.Context, spec Spec) (string, error) {
	switch spec.Kind {
	case KindProfile:
		st, err := os.Stat(spec.File)
		if err != nil {
			return "", fmt.Errorf("reference profile: %w", err)
		}
		return fmt.Sprintf("file:%d:%d", st.Size(), st.ModTime().UnixNano()), nil
	case KindRange, KindPath, KindSavedDataset:
		st, err := parquetstore.New(spec.Parquet)
		if err != nil {
			return "", fmt.Errorf("reference %s: %w", spec.Source, err)
		}
		fp, err := st.Fingerprint(ctx)
		if err != nil {
			return "", fmt.Errorf("reference %s: %w", spec.Source, err)
		}
		return fp, nil
	}
	return "", fmt.Errorf("reference: unknown kind %q", spec.Kind)
}

func (c *Cache) build(ctx context.Context, spec Spec, fp string) (*stats.Profile, error) {
	if spec.Kind == KindProfile {
		p, err := ReadFile(spec.File)
		if err != nil {
			return nil, fmt.Errorf("reference: %w", err)
		}
		if spec.Label != "" && p.Label == "" {
			p.Label = spec.Label
		}
		return p, nil
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	p, err := Build(ctx, spec)
	if err != nil {
		return nil, err
	}
	p.Fingerprint, p.CreatedAt = fp, now().UTC().Format(time.RFC3339)
	if p.Version == "" {
		p.Version = fp[:min(12, len(fp))]
	}
	return p, nil
}

// ErrNoRows is returned (wrapped) when a raw reference holds no row.
var ErrNoRows = errors.New("no rows")

// Build reads a raw reference (range, path, saved dataset) and profiles it.
func Build(ctx context.Context, spec Spec) (*stats.Profile, error) {
	st, err := parquetstore.New(spec.Parquet)
	if err != nil {
		return nil, fmt.Errorf("reference %s: %w", spec.Source, err)
	}
	n := spec.SampleSize
	if n <= 0 {
		n = 1_000_000
	}
	s, err := st.Sample(ctx, spec.Window, n)
	if err != nil {
		return nil, fmt.Errorf("reference %s: %w", spec.Source, err)
	}
	if s.Len() == 0 {
		return nil, fmt.Errorf("reference %s: %w", spec.Source, ErrNoRows)
	}
	return FromSample(s, spec.Parquet.Features, spec.Rename, spec.Reservoir, DefaultSeed, spec.Label, spec.Source)
}

// FromSample profiles the features of s (every row), renaming columns by
// rename, keeping at most reservoir values per numeric feature.
func FromSample(s *sample.Sample, features []sample.Feature, rename map[string]string, reservoir int, seed uint64, label, source string) (*stats.Profile, error) {
	if reservoir <= 0 {
		reservoir = 1_000_000
	}
	p := &stats.Profile{Label: label, Source: source, Features: map[string]*stats.FeatureProfile{}}
	for _, f := range features {
		name := f.Name
		if r, ok := rename[f.Name]; ok {
			name = r
		}
		col := s.Columns[f.Name]
		fp := &stats.FeatureProfile{Name: name, Type: string(f.Type)}
		switch {
		case f.Type.Numeric():
			var vals []float64
			nulls := 0
			for i := 0; i < s.Len(); i++ {
				if col == nil || col.IsNull(i) {
					nulls++
					continue
				}
				vals = append(vals, col.Num[i])
			}
			np, err := stats.NewNumericProfile(vals, nulls, reservoir, seed)
			if err != nil {
				return nil, fmt.Errorf("profile %s: %w", name, err)
			}
			fp.Numeric = np
		case f.Type.Categorical():
			cp := &stats.CategoricalProfile{Counts: map[string]float64{}}
			for i := 0; i < s.Len(); i++ {
				if col == nil || col.IsNull(i) {
					cp.Nulls++
					continue
				}
				cp.Counts[col.Str[i]]++
			}
			fp.Categorical = cp
		default:
			continue
		}
		p.Features[name] = fp
	}
	return p, nil
}
