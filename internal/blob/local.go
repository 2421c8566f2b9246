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
	"syscall"

	"github.com/fsmon/fsmon/internal/panics"
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
// starts with it. Folders that cannot be read are Problems, and so are
// named pipes, devices and sockets (or links to them): they are never
// opened. The walk runs so that List returns at ctx's deadline even when
// the file system hangs (see blocking).
func (d *Dir) List(ctx context.Context, prefix string) (*Listing, error) {
	return blocking(ctx, func() (*Listing, error) { return d.list(ctx, prefix) })
}

func (d *Dir) list(ctx context.Context, prefix string) (*Listing, error) {
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
		st, err := os.Stat(p) // follows links
		if err != nil {
			out.Problems = append(out.Problems, fmt.Sprintf("cannot stat %s: %v", p, bare(err)))
			return nil
		}
		if st.IsDir() {
			return nil // a link to a folder: not followed
		}
		if !st.Mode().IsRegular() {
			out.Problems = append(out.Problems, fmt.Sprintf("skipped %s: not a regular file (%s)", p, kindOf(st.Mode())))
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
// folder does not exist as an object. It returns at ctx's deadline.
func (d *Dir) Stat(ctx context.Context, key string) (Attrs, error) {
	return blocking(ctx, func() (Attrs, error) { return d.stat(key) })
}

func (d *Dir) stat(key string) (Attrs, error) {
	p := d.path(key)
	st, err := os.Stat(p)
	if err != nil {
		return Attrs{}, fmt.Errorf("stat %s: %w", p, bare(err))
	}
	if !st.Mode().IsRegular() {
		return Attrs{}, fmt.Errorf("stat %s: not a regular file (%s): %w", p, kindOf(st.Mode()), ErrNotExist)
	}
	return localAttrs(key, st), nil
}

// Open opens the file read-only. It opens without blocking (a file
// replaced by a named pipe since it was listed is refused, not waited on)
// and its reads return at ctx's deadline or cancellation even when the
// file system hangs (NFS, FUSE): the read that hangs is left behind.
func (d *Dir) Open(ctx context.Context, a Attrs) (Reader, error) {
	p := d.path(a.Key)
	f, err := blocking(ctx, func() (*os.File, error) {
		f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
		if err != nil {
			return nil, err
		}
		st, err := f.Stat()
		if err == nil && ctx.Err() != nil {
			err = ctx.Err() // the caller has gone: do not leak the file
		}
		if err == nil && !st.Mode().IsRegular() {
			err = fmt.Errorf("not a regular file (%s)", kindOf(st.Mode()))
		}
		if err != nil {
			f.Close()
			return nil, err
		}
		return f, nil
	})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", p, bare(err))
	}
	return &ctxFile{ctx: ctx, f: f}, nil
}

// ctxFile reads a file so that every read returns at ctx's end.
type ctxFile struct {
	ctx context.Context
	f   *os.File
}

func (c *ctxFile) ReadAt(b []byte, off int64) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	type res struct {
		n   int
		err error
	}
	// The read gets its own buffer: a read left behind at the deadline
	// must not write into b after ReadAt has returned.
	buf := make([]byte, len(b))
	ch := make(chan res, 1)
	go func() {
		var n int
		err := panics.Run("read "+c.f.Name(), func() (err error) {
			n, err = c.f.ReadAt(buf, off)
			return err
		})
		ch <- res{n, err}
	}()
	select {
	case r := <-ch:
		copy(b, buf[:r.n])
		return r.n, r.err
	case <-c.ctx.Done():
		return 0, fmt.Errorf("read %s: %w", c.f.Name(), c.ctx.Err())
	}
}

// Close closes the file; a read left behind then fails.
func (c *ctxFile) Close() error { return c.f.Close() }

// blocking runs fn, a call into the file system that may hang (a dead NFS
// server, a stuck FUSE mount), and returns its result, or ctx's error as
// soon as ctx ends. A call left behind finishes (or hangs) on its own
// goroutine; its result is dropped.
func blocking[T any](ctx context.Context, fn func() (T, error)) (T, error) {
	type res struct {
		v   T
		err error
	}
	ch := make(chan res, 1)
	go func() {
		var v T
		err := panics.Run("file system call", func() (err error) {
			v, err = fn()
			return err
		})
		ch <- res{v, err}
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// kindOf names a non-regular file's type.
func kindOf(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	case m.IsDir():
		return "folder"
	}
	return "irregular file"
}

// bare strips the path from a *fs.PathError: messages name the path once.
func bare(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
