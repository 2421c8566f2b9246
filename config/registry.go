package config

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/fsmon/fsmon/feast"
	"github.com/fsmon/fsmon/internal/blob"
	"github.com/fsmon/fsmon/internal/feastsql"
)

// registryTimeout bounds reading a registry from object storage.
const registryTimeout = 30 * time.Second

// Registries reads Feast registries kept in object storage (registry:
// s3://… or gs://…) and remembers the last one read per URL with its ETag
// (S3) or generation (GCS): reading an unchanged registry again costs one
// metadata request, not a download. It does the same for SQL registries
// (registry_type: sql), where one query of per-table counts and
// last_updated_timestamp stands for the ETag. The zero value is ready; it is safe
// for concurrent use. serve keeps one across registry refreshes.
type Registries struct {
	mu   sync.Mutex
	last map[string]readRegistry
	// sql holds the last snapshot of each SQL registry, by URL and project.
	sql map[[2]string]*feastsql.Snapshot
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

// readSQL returns the registry bytes of repo's SQL registry: the last
// snapshot when the tables' counts and last_updated_timestamp say nothing
// changed, else a fresh read of every table.
func (r *Registries) readSQL(repo *feast.Repo) ([]byte, error) {
	src, err := feastsql.Parse(string(repo.RegistryURL), repo.Dir)
	if err != nil {
		return nil, fmt.Errorf("Feast registry: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), registryTimeout)
	defer cancel()
	key := [2]string{string(repo.RegistryURL), repo.Project}
	r.mu.Lock()
	last := r.sql[key]
	r.mu.Unlock()
	snap, err := feastsql.Read(ctx, src, repo.Project, last, time.Now())
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	if r.sql == nil {
		r.sql = map[[2]string]*feastsql.Snapshot{}
	}
	r.sql[key] = snap
	r.mu.Unlock()
	return snap.Data, nil
}
