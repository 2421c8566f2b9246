package blob_test

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/fsmon/fsmon/internal/blob"
)

// testObjectStore is the behaviour every object store's Bucket shares,
// run on a real server (or emulator) by its own test: put writes an
// object into b's bucket, missing is a Bucket of a bucket that does not
// exist, and scheme is the stores' URL scheme ("s3", "gs").
func testObjectStore(t *testing.T, b blob.Bucket, put func(key string, data []byte), missing blob.Bucket, scheme string) {
	ctx := context.Background()
	for _, k := range []string{"v/b.parquet", "v/a/x.parquet", "v2/c.parquet", "w.parquet"} {
		put(k, []byte("data of "+k))
	}
	t.Run("list", func(t *testing.T) {
		cases := map[string][]string{
			"v/":      {"v/a/x.parquet", "v/b.parquet"},
			"v":       {"v/a/x.parquet", "v/b.parquet", "v2/c.parquet"},
			"":        {"v/a/x.parquet", "v/b.parquet", "v2/c.parquet", "w.parquet"},
			"nothing": nil,
		}
		for prefix, want := range cases {
			l, err := b.List(ctx, prefix)
			if err != nil {
				t.Fatalf("list %q: %v", prefix, err)
			}
			var got []string
			for _, o := range l.Objects {
				got = append(got, o.Key)
				if o.Size != int64(len("data of "+o.Key)) || o.ETag == "" {
					t.Errorf("%s: size %d etag %q", o.Key, o.Size, o.ETag)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("list %q = %q, want %q", prefix, got, want)
			}
		}
	})
	t.Run("stat and ranged reads", func(t *testing.T) {
		a, err := b.Stat(ctx, "v/b.parquet")
		if err != nil || a.Size != 19 || a.ETag == "" {
			t.Fatalf("stat: %+v %v", a, err)
		}
		r, err := b.Open(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 4)
		if n, err := r.ReadAt(buf, 8); n != 4 || err != nil || string(buf) != "v/b." {
			t.Errorf("ReadAt(8) = %d %q %v", n, buf, err)
		}
		tail := make([]byte, 10)
		if n, err := r.ReadAt(tail, 15); n != 4 || !errors.Is(err, io.EOF) || string(tail[:n]) != "quet" {
			t.Errorf("ReadAt past the end = %d %q %v, want 4 \"quet\" EOF", n, tail[:n], err)
		}
		if _, err := b.Stat(ctx, "v/missing"); !errors.Is(err, blob.ErrNotExist) {
			t.Errorf("stat of a missing key: %v, want ErrNotExist", err)
		}
		data, _, err := blob.ReadAll(ctx, b, "w.parquet")
		if err != nil || string(data) != "data of w.parquet" {
			t.Errorf("ReadAll = %q %v", data, err)
		}
	})
	// A replaced object is a new version: reads of the old one fail,
	// whether it was opened before or after the replacement.
	t.Run("changed object", func(t *testing.T) {
		for _, openFirst := range []bool{true, false} {
			put("changing", []byte("version one"))
			a, err := b.Stat(ctx, "changing")
			if err != nil {
				t.Fatal(err)
			}
			var r blob.Reader
			if openFirst {
				r, _ = b.Open(ctx, a)
			}
			put("changing", []byte("version two"))
			if !openFirst {
				r, _ = b.Open(ctx, a)
			}
			buf := make([]byte, 4)
			if _, err := r.ReadAt(buf, 0); !errors.Is(err, blob.ErrChanged) {
				t.Errorf("read of a replaced object (opened first %v): %v, want ErrChanged", openFirst, err)
			}
		}
	})
	t.Run("missing bucket", func(t *testing.T) {
		_, err := missing.List(ctx, "v/")
		if err == nil || !strings.Contains(err.Error(), scheme+"://no-such-bucket/v/") || !strings.Contains(err.Error(), "does not exist") {
			t.Errorf("list of a missing bucket: %v, want an error naming it and saying it does not exist", err)
		}
	})
}
