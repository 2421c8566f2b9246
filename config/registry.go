package config

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/fsmon/fsmon/internal/blob"
)

// registryTimeout bounds reading a registry from object storage.
const registryTimeout = 30 * time.Second

// Registries reads Feast registries kept in object storage (registry:
// s3://… or gs://…) and remembers the last one read per URL with its ETag
// (S3) or generation (GCS): reading an unchanged registry again costs one
// metadata request, not a download. The zero value is ready; it is safe
// for concurrent use. serve keeps one across registry refreshes.
type Registries struct {
	mu   sync.Mutex
	last map[string]readRegistry
}

type readRegistry struct {
	etag string
	data []byte
}

// LoadWith is Load with the registry cache reg (nil: none).
func LoadWith(path string, reg *Registries) (*Config, error) {
	return load(path, reg)
}

// read returns the registry bytes at u (s3:// or gs://), reaching object
// storage with the offline store's settings (endpoint, region, path style)
// and the cloud's standard credentials.
func (r *Registries) read(u string, p Parquet) ([]byte, error) {
	scheme, bucket, key, ok := blob.SplitURL(u)
	if !ok || scheme == "file" {
		return nil, fmt.Errorf("registry %s: not an s3:// or gs:// URL", u)
	}
	ctx, cancel := context.WithTimeout(context.Background(), registryTimeout)
	defer cancel()
	var (
		b   blob.Bucket
		err error
	)
	switch scheme {
	case "s3":
		b, err = blob.NewS3(ctx, bucket, blob.S3Options{Endpoint: p.S3.Endpoint, Region: p.S3.Region, PathStyle: p.S3.PathStyle})
	case "gs":
		b, err = blob.NewGCS(ctx, bucket, blob.GCSOptions{Endpoint: p.GCS.Endpoint})
	}
	if err != nil {
		return nil, fmt.Errorf("Feast registry %s: %w", u, err)
	}
	a, err := b.Stat(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("Feast registry: %w", err)
	}
	r.mu.Lock()
	last, ok := r.last[u]
	r.mu.Unlock()
	if ok && last.etag == a.ETag && a.ETag != "" {
		return last.data, nil
	}
	rd, err := b.Open(ctx, a)
	if err != nil {
		return nil, fmt.Errorf("Feast registry: %w", err)
	}
	defer rd.Close()
	data := make([]byte, a.Size)
	if n, err := rd.ReadAt(data, 0); int64(n) != a.Size {
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("Feast registry: %w", err)
	}
	r.mu.Lock()
	if r.last == nil {
		r.last = map[string]readRegistry{}
	}
	r.last[u] = readRegistry{etag: a.ETag, data: data}
	r.mu.Unlock()
	return data, nil
}
