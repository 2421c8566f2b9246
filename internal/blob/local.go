package blob

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Dir is a local directory tree read as a bucket: a key is a path relative
// to the directory, with slashes. Symbolic links to files are objects;
// links to folders are not followed.
type Dir struct {
	root string
}

var _ Bucket = (*Dir)(nil)

// NewDir returns the bucket of the directory tree at root ("/" for the
// whole file system). The directory need not exist yet.
func NewDir(root string) (*Dir, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("local directory %q: %w", root, err)
	}
	return &Dir{root: abs}, nil
}

func (d *Dir) path(key string) string { return filepath.Join(d.root, filepath.FromSlash(key)) }

// URL returns the object's local path.
func (d *Dir) URL(key string) string { return d.path(key) }

// List walks the folder that holds prefix and returns the files whose key
// starts with it. Folders that cannot be read are Problems.
func (d *Dir) List(ctx context.Context, prefix string) (*Listing, error) {
	dir := ""
	if i := strings.LastIndex(prefix, "/"); i >= 0 {
		dir = prefix[:i]
	}
	start := d.path(dir)
	out := &Listing{}
	err := filepath.WalkDir(start, func(p string, e fs.DirEntry, err error) error {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if err != nil {
			if p == start {
				if errors.Is(err, fs.ErrNotExist) {
					return fs.SkipAll
				}
				return err
			}
			out.Problems = append(out.Problems, fmt.Sprintf("cannot list %s: %v", p, bare(err)))
			if e != nil && e.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(d.root, p)
		if err != nil {
			return nil
		}
		key := filepath.ToSlash(rel)
		if e.IsDir() {
			// Skip folders that cannot hold a key with the prefix.
			if p != start && !strings.HasPrefix(key+"/", prefix) && !strings.HasPrefix(prefix, key+"/") {
				return fs.SkipDir
			}
			return nil
		}
		if !strings.HasPrefix(key, prefix) {
			return nil
		}
		if !e.Type().IsRegular() && e.Type()&fs.ModeSymlink == 0 {
			return nil
		}
		st, err := os.Stat(p) // follows links
		if err != nil {
			out.Problems = append(out.Problems, fmt.Sprintf("cannot stat %s: %v", p, bare(err)))
			return nil
		}
		if !st.Mode().IsRegular() {
			return nil
		}
		out.Objects = append(out.Objects, localAttrs(key, st))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", start, err)
	}
	slices.SortFunc(out.Objects, func(a, b Attrs) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

func localAttrs(key string, st fs.FileInfo) Attrs {
	return Attrs{Key: key, Size: st.Size(), ETag: fmt.Sprintf("%x-%x", st.ModTime().UnixNano(), st.Size())}
}

// Stat returns the attributes of a regular file (or a link to one); a
// folder does not exist as an object.
func (d *Dir) Stat(_ context.Context, key string) (Attrs, error) {
	p := d.path(key)
	st, err := os.Stat(p)
	if err != nil {
		return Attrs{}, fmt.Errorf("stat %s: %w", p, bare(err))
	}
	if !st.Mode().IsRegular() {
		return Attrs{}, fmt.Errorf("stat %s: not a file: %w", p, ErrNotExist)
	}
	return localAttrs(key, st), nil
}

// Open opens the file read-only.
func (d *Dir) Open(_ context.Context, a Attrs) (Reader, error) {
	p := d.path(a.Key)
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", p, bare(err))
	}
	return f, nil
}

// bare strips the path from a *fs.PathError: messages name the path once.
func bare(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
