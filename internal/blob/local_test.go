package blob

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func write(t *testing.T, p, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func keys(l *Listing) []string {
	var out []string
	for _, o := range l.Objects {
		out = append(out, o.Key)
	}
	return out
}

func TestDirList(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "v/b.parquet"), "bb")
	write(t, filepath.Join(root, "v/a/x.parquet"), "x")
	write(t, filepath.Join(root, "v2/c.parquet"), "ccc")
	write(t, filepath.Join(root, "w.parquet"), "w")
	if err := os.Symlink(filepath.Join(root, "w.parquet"), filepath.Join(root, "v/link.parquet")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "v2"), filepath.Join(root, "v/dirlink")); err != nil {
		t.Fatal(err)
	}
	d, err := NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cases := map[string][]string{
		"v/":      {"v/a/x.parquet", "v/b.parquet", "v/link.parquet"},
		"v":       {"v/a/x.parquet", "v/b.parquet", "v/link.parquet", "v2/c.parquet"},
		"v/b":     {"v/b.parquet"},
		"":        {"v/a/x.parquet", "v/b.parquet", "v/link.parquet", "v2/c.parquet", "w.parquet"},
		"nothing": nil,
		"no/dir/": nil,
	}
	for prefix, want := range cases {
		l, err := d.List(ctx, prefix)
		if err != nil {
			t.Fatalf("list %q: %v", prefix, err)
		}
		if got := keys(l); !slices.Equal(got, want) || len(l.Problems) > 0 {
			t.Errorf("list %q = %q (problems %q), want %q", prefix, got, l.Problems, want)
		}
	}
	l, _ := d.List(ctx, "v/link")
	if len(l.Objects) != 1 || l.Objects[0].Size != 1 {
		t.Errorf("a link to a file is listed with the file's size: %+v", l.Objects)
	}
}

func TestDirStatOpenETag(t *testing.T) {
	root := t.TempDir()
	p := filepath.Join(root, "f/data.bin")
	write(t, p, "0123456789")
	d, _ := NewDir(root)
	ctx := context.Background()
	a, err := d.Stat(ctx, "f/data.bin")
	if err != nil || a.Size != 10 || a.Key != "f/data.bin" || a.ETag == "" {
		t.Fatalf("stat: %+v %v", a, err)
	}
	r, err := d.Open(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if n, err := r.ReadAt(buf, 3); n != 4 || err != nil || string(buf) != "3456" {
		t.Errorf("ReadAt(3) = %d %q %v", n, buf, err)
	}
	r.Close()
	if _, err := d.Stat(ctx, "f"); !errors.Is(err, ErrNotExist) {
		t.Errorf("stat of a folder: %v, want ErrNotExist", err)
	}
	if _, err := d.Stat(ctx, "f/missing"); !errors.Is(err, ErrNotExist) {
		t.Errorf("stat of a missing file: %v, want ErrNotExist", err)
	}
	// A rewritten file has a new ETag.
	later := time.Now().Add(time.Minute)
	write(t, p, "0123456789")
	os.Chtimes(p, later, later)
	b, _ := d.Stat(ctx, "f/data.bin")
	if b.ETag == a.ETag {
		t.Errorf("ETag %q did not change when the file was rewritten", a.ETag)
	}
	data, _, err := ReadAll(ctx, d, "f/data.bin")
	if err != nil || string(data) != "0123456789" {
		t.Errorf("ReadAll = %q %v", data, err)
	}
}

func TestDirUnreadableFolderIsAProblem(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads every folder")
	}
	root := t.TempDir()
	write(t, filepath.Join(root, "v/ok/a"), "a")
	write(t, filepath.Join(root, "v/locked/b"), "b")
	os.Chmod(filepath.Join(root, "v/locked"), 0)
	t.Cleanup(func() { os.Chmod(filepath.Join(root, "v/locked"), 0o755) })
	d, _ := NewDir(root)
	l, err := d.List(context.Background(), "v/")
	if err != nil {
		t.Fatal(err)
	}
	if got := keys(l); !slices.Equal(got, []string{"v/ok/a"}) || len(l.Problems) != 1 {
		t.Errorf("got %q, problems %q", got, l.Problems)
	}
}
