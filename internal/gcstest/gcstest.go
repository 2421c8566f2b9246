// Package gcstest runs fake-gcs-server, the Cloud Storage emulator, in the
// test process on a free loopback port (the real GCS cannot run here; the
// emulator serves the same JSON API over real HTTP).
package gcstest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cloud.google.com/go/storage"
	"github.com/fsouza/fake-gcs-server/fakestorage"
	"google.golang.org/api/option"

	"github.com/fsmon/fsmon/internal/blob"
)

// Server is a running emulator owned by one test.
type Server struct {
	srv *fakestorage.Server
}

// Start starts the emulator on 127.0.0.1 and stops it when tb ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	// The public host is the server itself, so that the client's XML API
	// reads (what it uses for ranged reads) reach the emulator too.
	srv, err := fakestorage.NewServerWithOptions(fakestorage.Options{
		Scheme: "http", Host: "127.0.0.1", Port: uint16(port),
		PublicHost: fmt.Sprintf("127.0.0.1:%d", port),
	})
	if err != nil {
		tb.Fatalf("start fake-gcs-server: %v", err)
	}
	tb.Cleanup(srv.Stop)
	return &Server{srv: srv}
}

// Endpoint is the JSON API endpoint of the emulator.
func (s *Server) Endpoint() string { return s.srv.URL() + "/storage/v1/" }

// Options reach the emulator without credentials; client may be nil (a
// plain client) or one that counts or delays requests.
func (s *Server) Options(client *http.Client) blob.GCSOptions {
	if client == nil {
		client = &http.Client{}
	}
	return blob.GCSOptions{Endpoint: s.Endpoint(), HTTPClient: client}
}

// Bucket creates a bucket and returns it.
func (s *Server) Bucket(tb testing.TB, name string) *blob.GCS {
	tb.Helper()
	s.srv.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: name})
	b, err := blob.NewGCS(context.Background(), name, s.Options(nil))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// Put writes one object (fixtures only).
func (s *Server) Put(tb testing.TB, bucket, key string, data []byte) {
	tb.Helper()
	c, err := storage.NewClient(context.Background(), s.clientOptions()...)
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Close()
	w := c.Bucket(bucket).Object(key).NewWriter(context.Background())
	if _, err := w.Write(data); err != nil {
		tb.Fatalf("put gs://%s/%s: %v", bucket, key, err)
	}
	if err := w.Close(); err != nil {
		tb.Fatalf("put gs://%s/%s: %v", bucket, key, err)
	}
}

func (s *Server) clientOptions() []option.ClientOption {
	return []option.ClientOption{option.WithEndpoint(s.Endpoint()), option.WithHTTPClient(&http.Client{})}
}

// PutDir uploads every file under dir, keys prefix + the relative path.
func (s *Server) PutDir(tb testing.TB, bucket, prefix, dir string) {
	tb.Helper()
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		s.Put(tb, bucket, strings.TrimPrefix(prefix+"/"+filepath.ToSlash(rel), "/"), data)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}
