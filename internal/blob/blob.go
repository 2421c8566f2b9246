// Package blob is the small interface fsmon reads files and objects through:
// list the objects under a prefix, learn one object's size and version, and
// read byte ranges of it. Local directories, S3 and GCS implement it, so
// that the Parquet reader (parquetstore) and the Feast registry loader are
// written once for every kind of storage.
//
// Keys are slash-separated and never start with a slash. Nothing here
// writes: fsmon never writes to the stores it watches.
package blob

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"strings"
)

// ErrNotExist is wrapped by Stat and Open when the object does not exist.
// It is fs.ErrNotExist, so errors.Is works with either.
var ErrNotExist = fs.ErrNotExist

// Attrs describes one object.
type Attrs struct {
	// Key is the object's key in its bucket.
	Key string
	// Size is its length in bytes.
	Size int64
	// ETag changes whenever the object's content changes: the ETag on S3,
	// the generation on GCS, modification time and size on local files.
	ETag string
}

// Listing is the result of List.
type Listing struct {
	// Objects are sorted by key.
	Objects []Attrs
	// Problems are parts of the listing that could not be read (a local
	// folder without permission), named for a user; the rest is listed.
	Problems []string
}

// Reader reads byte ranges of one object version.
type Reader interface {
	io.ReaderAt
	io.Closer
}

// Bucket is one bucket (or local directory tree) that fsmon reads.
type Bucket interface {
	// List returns every object whose key starts with prefix, at any
	// depth, sorted by key.
	List(ctx context.Context, prefix string) (*Listing, error)
	// Stat returns the attributes of the object key; the error wraps
	// ErrNotExist when there is none.
	Stat(ctx context.Context, key string) (Attrs, error)
	// Open returns a reader of the object that a came from (List or
	// Stat). Reads fail, rather than mix versions, when the object has
	// changed since (where the storage can tell).
	Open(ctx context.Context, a Attrs) (Reader, error)
	// URL names an object for a user: "s3://bucket/key", "/data/key".
	URL(key string) string
}

// SplitURL splits s3://bucket/key, gs://bucket/key and file:///path into
// scheme, bucket (empty for file) and key (the path for file). ok is false
// for anything else, a plain local path included.
func SplitURL(u string) (scheme, bucket, key string, ok bool) {
	scheme, rest, found := strings.Cut(u, "://")
	if !found {
		return "", "", "", false
	}
	switch scheme {
	case "file":
		return scheme, "", rest, rest != ""
	case "s3", "gs":
		bucket, key, _ = strings.Cut(rest, "/")
		return scheme, bucket, key, bucket != ""
	}
	return "", "", "", false
}

// ReadAll reads a whole object (small ones only: registries, manifests).
func ReadAll(ctx context.Context, b Bucket, key string) ([]byte, Attrs, error) {
	a, err := b.Stat(ctx, key)
	if err != nil {
		return nil, Attrs{}, err
	}
	r, err := b.Open(ctx, a)
	if err != nil {
		return nil, a, err
	}
	defer r.Close()
	buf := make([]byte, a.Size)
	n, err := r.ReadAt(buf, 0)
	if err != nil && !(errors.Is(err, io.EOF) && int64(n) == a.Size) {
		return nil, a, err
	}
	return buf, a, nil
}
