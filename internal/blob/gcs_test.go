package blob_test

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/fsmon/fsmon/internal/blob"
	"github.com/fsmon/fsmon/internal/gcstest"
)

func TestGCS(t *testing.T) {
	srv := gcstest.Start(t)
	ctx := context.Background()
	b := srv.Bucket(t, "fsmon-blob")
	for _, k := range []string{"v/b.parquet", "v/a/x.parquet", "v2/c.parquet", "w.parquet"} {
		srv.Put(t, "fsmon-blob", k, []byte("data of "+k))
	}
	cases := map[string][]string{
		"v/": {"v/a/x.parquet", "v/b.parquet"},
		"v":  {"v/a/x.parquet", "v/b.parquet", "v2/c.parquet"},
		"":   {"v/a/x.parquet", "v/b.parquet", "v2/c.parquet", "w.parquet"},
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
				t.Errorf("%s: size %d generation %q", o.Key, o.Size, o.ETag)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("list %q = %q, want %q", prefix, got, want)
		}
	}
	a, err := b.Stat(ctx, "v/b.parquet")
	if err != nil || a.Size != 19 {
		t.Fatalf("stat: %+v %v", a, err)
	}
	r, _ := b.Open(ctx, a)
	buf := make([]byte, 4)
	if n, err := r.ReadAt(buf, 8); n != 4 || err != nil || string(buf) != "v/b." {
		t.Errorf("ReadAt(8) = %d %q %v", n, buf, err)
	}
	tail := make([]byte, 10)
	if n, err := r.ReadAt(tail, 15); n != 4 || !errors.Is(err, io.EOF) || string(tail[:n]) != "quet" {
		t.Errorf("ReadAt past the end = %d %q %v", n, tail[:n], err)
	}
	if _, err := b.Stat(ctx, "v/missing"); !errors.Is(err, blob.ErrNotExist) {
		t.Errorf("stat of a missing object: %v, want ErrNotExist", err)
	}
	// A replaced object is a new generation: reads of the old one fail.
	srv.Put(t, "fsmon-blob", "changing", []byte("version one"))
	old, _ := b.Stat(ctx, "changing")
	srv.Put(t, "fsmon-blob", "changing", []byte("version two"))
	r, _ = b.Open(ctx, old)
	if _, err := r.ReadAt(buf, 0); !errors.Is(err, blob.ErrChanged) {
		t.Errorf("read of a replaced object: %v, want ErrChanged", err)
	}
	nb, _ := blob.NewGCS(ctx, "no-such-bucket", srv.Options(nil))
	if _, err := nb.List(ctx, "v/"); err == nil || !strings.Contains(err.Error(), "gs://no-such-bucket/v/") {
		t.Errorf("list of a missing bucket: %v, want an error naming it", err)
	}
}
