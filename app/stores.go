package app

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"sync"

	"github.com/fsmon/fsmon/config"
	"github.com/fsmon/fsmon/feast"
	"github.com/fsmon/fsmon/internal/blob"
	"github.com/fsmon/fsmon/parquetstore"
	"github.com/fsmon/fsmon/redisstore"
	"github.com/fsmon/fsmon/reference"
	"github.com/fsmon/fsmon/sample"
)

// Stores holds the connections of one config: one Redis client shared by
// every view, and a Parquet sampler per view. It translates the config into
// the stores' own options, so that the stores never import config.
type Stores struct {
	redis      *redisstore.Store
	scanBudget int
	root       string
	maxRead    int64
	parquet    config.Parquet
	log        *slog.Logger
	feastRepo  string
	refs       *reference.Cache
	// registries remembers Feast registries read (saved datasets are
	// looked up in them); nil reads afresh.
	registries *config.Registries

	// replicas are the stores of online.replicas, in config order.
	replicas []replicaStore

	mu       sync.Mutex
	online   map[viewKey]sample.Online
	replicaV map[viewKey][]NamedOnline
	offline  map[viewKey]sample.Offline
	buckets  map[string]blob.Bucket
	// buffers are the fetch buffers every offline view on object storage
	// keeps between samples (one pool, bounded, for the process).
	buffers *parquetstore.Buffers
	// panicHooks, set only by tests, are handed to the stores (their
	// PanicHook) to inject panics on the goroutines they start.
	panicHooks *panicHooks
}

// panicHooks are the stores' PanicHooks, for tests.
type panicHooks struct {
	redis   func(where, addr string)
	parquet func(stage string)
}

// NewStores prepares the stores of cfg. It does not dial: an unreachable
// Redis shows up as error results of the checks, not as a startup failure.
func NewStores(cfg *config.Config, log *slog.Logger) (*Stores, error) {
	return newStores(cfg, log, nil)
}

// newStores is NewStores with the stores' panic hooks (tests; nil: none).
func newStores(cfg *config.Config, log *slog.Logger, hooks *panicHooks) (*Stores, error) {
	s := &Stores{root: cfg.Offline.Parquet.Root, maxRead: cfg.Offline.Parquet.MaxReadBytes, parquet: cfg.Offline.Parquet, log: log,
		online: map[viewKey]sample.Online{}, replicaV: map[viewKey][]NamedOnline{}, offline: map[viewKey]sample.Offline{}, buckets: map[string]blob.Bucket{}, refs: newReferenceCache(cfg, log),
		buffers: parquetstore.NewBuffers(parquetstore.DefaultBufferBytes), panicHooks: hooks}
	if cfg.Feast != nil {
		s.feastRepo = cfg.Feast.Repo
	}
	r := cfg.Online.Redis
	opts, err := redisOptions(r, log)
	if err != nil {
		return nil, err
	}
	s.scanBudget = r.MaxScan
	if hooks != nil {
		opts.PanicHook = hooks.redis
	}
	s.redis, err = redisstore.New(opts)
	if err != nil {
		return nil, fmt.Errorf("redis %s: %w", r.Addr, err)
	}
	for _, rep := range cfg.Online.Replicas {
		opts, err := redisOptions(rep.Redis, log)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("online.replicas %s: %w", rep.Name, err)
		}
		st, err := redisstore.New(opts)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("online.replicas %s: redis %s: %w", rep.Name, rep.Redis.Addr, err)
		}
		s.replicas = append(s.replicas, replicaStore{name: rep.Name, redis: st, scanBudget: rep.Redis.MaxScan})
	}
	return s, nil
}

// replicaStore is one store of online.replicas: a further copy of the
// online store under its own name, with its own connection and budget.
type replicaStore struct {
	name       string
	redis      *redisstore.Store
	scanBudget int
}

// NamedOnline is an online store of a view beyond the primary: a replica
// of online.replicas under its name.
type NamedOnline struct {
	Name   string
	Online sample.Online
}

// redisOptions translates one Redis connection of the config into the
// store's options, reading its secrets.
func redisOptions(r config.Redis, log *slog.Logger) (redisstore.Options, error) {
	pw, err := r.Password()
	if err != nil {
		return redisstore.Options{}, fmt.Errorf("redis password: %w", err)
	}
	opts := redisstore.Options{
		Addr: r.Addr, Username: r.Username, Password: pw, DB: r.DB, Cluster: r.Cluster,
		Timeout: r.Timeout, RateLimit: r.RateLimit, BatchSize: r.BatchSize, ScanCount: r.ScanCount, Logger: log,
		ReadFrom: r.ReadFrom,
	}
	if sn := r.Sentinel; sn != nil {
		spw, err := sn.Password()
		if err != nil {
			return redisstore.Options{}, fmt.Errorf("redis sentinel password: %w", err)
		}
		opts.Sentinel = &redisstore.Sentinel{MasterName: sn.MasterName, Addrs: sn.Addrs, Username: sn.Username, Password: spw}
	}
	if r.TLS {
		host, _, err := net.SplitHostPort(r.Addr)
		if err != nil {
			host = r.Addr
		}
		opts.TLS = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	}
	return opts, nil
}

// Close closes the Redis connections.
func (s *Stores) Close() {
	if s == nil {
		return
	}
	if s.redis != nil {
		_ = s.redis.Close()
	}
	for _, r := range s.replicas {
		_ = r.redis.Close()
	}
}

// ReplicasForView returns the view's samplers on each store of
// online.replicas, in config order (nil without replicas). A sampler that
// cannot be built fails every call with the reason, as in ForView.
func (s *Stores) ReplicasForView(v config.View) []NamedOnline {
	if len(s.replicas) == 0 {
		return nil
	}
	k := viewKey{v.Project, v.Name}
	s.mu.Lock()
	defer s.mu.Unlock()
	if out, ok := s.replicaV[k]; ok {
		return out
	}
	out := make([]NamedOnline, len(s.replicas))
	for i, r := range s.replicas {
		budget := r.scanBudget
		if budget <= 0 {
			budget = 10 * v.SampleSize
		}
		on, err := newOnlineOn(r.redis, budget, v)
		if err != nil {
			on = failingOnline{fmt.Errorf("replica %s: %w", r.name, err)}
		}
		out[i] = NamedOnline{Name: r.name, Online: on}
	}
	s.replicaV[k] = out
	return out
}

// ForView returns the samplers of a view. A sampler that cannot be built
// (bad key template, bad offline path) is returned as one that fails every
// call with that error, so the view's results say why.
func (s *Stores) ForView(v config.View) (sample.Online, sample.Offline) {
	k := viewKey{v.Project, v.Name}
	s.mu.Lock()
	defer s.mu.Unlock()
	on, ok := s.online[k]
	if !ok {
		var err error
		on, err = s.newOnline(v)
		if err != nil {
			on = failingOnline{err}
		}
		s.online[k] = on
	}
	if v.Offline == nil {
		return on, nil
	}
	off, ok := s.offline[k]
	if !ok {
		var err error
		off, err = s.newOffline(v)
		if err != nil {
			off = failingOffline{err}
		}
		s.offline[k] = off
	}
	return on, off
}

func features(v config.View) []sample.Feature {
	fs := make([]sample.Feature, len(v.Features))
	for i, f := range v.Features {
		fs[i] = sample.Feature{Name: f.Name, Type: sample.Type(f.Type)}
	}
	return fs
}

// maxScan is the key budget of one online sample: online.redis.max_scan,
// or ten times the view's sample size.
func (s *Stores) maxScan(v config.View) int {
	if s.scanBudget > 0 {
		return s.scanBudget
	}
	return 10 * v.SampleSize
}

func (s *Stores) newOnline(v config.View) (sample.Online, error) {
	return newOnlineOn(s.redis, s.maxScan(v), v)
}

// newOnlineOn builds the view's sampler on one Redis store (the primary or
// a replica) with a SCAN budget of maxScan keys.
func newOnlineOn(store *redisstore.Store, maxScan int, v config.View) (sample.Online, error) {
	rv := redisstore.View{
		Name: v.Name, Layout: string(v.Online.Layout), Key: v.Online.Key, Entities: v.Entities,
		TimestampField: v.Online.TimestampField, Features: features(v), MaxScan: maxScan,
		Project: v.Project,
	}
	if v.Feast != nil {
		rv.StoredName = v.Feast.StoredName
		rv.KeyVersion = v.Feast.KeyVersion
		for _, name := range v.Feast.JoinKeyTypes {
			t, err := feast.ParseValueType(name)
			if err != nil {
				return nil, fmt.Errorf("view %s: join key type: %w", v.Name, err)
			}
			rv.JoinKeyTypes = append(rv.JoinKeyTypes, t)
		}
	}
	vs, err := store.View(rv)
	if err != nil {
		return nil, fmt.Errorf("view %s online: %w", v.Name, err)
	}
	return vs, nil
}

func (s *Stores) newOffline(v config.View) (sample.Offline, error) {
	root, p := s.root, v.Offline.Path
	var bucket blob.Bucket
	switch {
	case config.IsURL(p):
		// A path of its own (Feast file sources on S3 or GCS).
		b, key, err := s.bucket(p, v.Offline.S3Endpoint)
		if err != nil {
			return nil, fmt.Errorf("view %s offline: %w", v.Name, err)
		}
		bucket, root, p = b, "", key
	case filepath.IsAbs(p):
		root = ""
	case config.IsURL(root):
		b, prefix, err := s.bucket(root, v.Offline.S3Endpoint)
		if err != nil {
			return nil, fmt.Errorf("view %s offline: %w", v.Name, err)
		}
		bucket, root = b, prefix
	}
	pv := parquetstore.View{
		Bucket: bucket, Root: root, Path: p, TimestampColumn: v.Offline.TimestampColumn,
		Entities: v.Entities, Features: features(v), Logger: s.log, MaxReadBytes: s.maxRead,
		NoPartitionPruning: !s.parquet.PartitionPruning, Buffers: s.buffers,
	}
	if s.panicHooks != nil {
		pv.PanicHook = s.panicHooks.parquet
	}
	st, err := parquetstore.New(pv)
	if err != nil {
		return nil, fmt.Errorf("view %s offline: %w", v.Name, err)
	}
	return st, nil
}

// bucket returns the bucket of a storage URL and the key (or local path)
// it names, one bucket (one client) per scheme, name and endpoint shared
// by every view. For file:// URLs the bucket is nil: the local file system.
func (s *Stores) bucket(u, feastEndpoint string) (blob.Bucket, string, error) {
	scheme, name, key, ok := blob.SplitURL(u)
	if !ok {
		return nil, "", fmt.Errorf("%q is not a storage URL", u)
	}
	if scheme == "file" {
		return nil, key, nil
	}
	s3o := blob.S3Options{Endpoint: s.parquet.S3.Endpoint, Region: s.parquet.S3.Region, PathStyle: s.parquet.S3.PathStyle}
	if s3o.Endpoint == "" {
		s3o.Endpoint = feastEndpoint
	}
	id := scheme + "://" + name + " " + s3o.S3Endpoint()
	if b, ok := s.buckets[id]; ok {
		return b, key, nil
	}
	var (
		b   blob.Bucket
		err error
	)
	switch scheme {
	case "s3":
		b, err = blob.NewS3(context.Background(), name, s3o)
	case "gs":
		b, err = blob.NewGCS(context.Background(), name, blob.GCSOptions{Endpoint: s.parquet.GCS.Endpoint})
	}
	if err != nil {
		return nil, "", err
	}
	s.buckets[id] = b
	return b, key, nil
}

// failingOnline and failingOffline are samplers whose every call fails
// with err.
type failingOnline struct{ err error }

func (f failingOnline) Sample(context.Context, int) (*sample.Sample, error) { return nil, f.err }
func (f failingOnline) Lookup(context.Context, []sample.Entity) (*sample.Sample, error) {
	return nil, f.err
}

type failingOffline struct{ err error }

func (f failingOffline) Footer(context.Context) (*sample.Footer, error) { return nil, f.err }
func (f failingOffline) Sample(context.Context, sample.Window, int) (*sample.Sample, error) {
	return nil, f.err
}
func (f failingOffline) AsOf(context.Context, []sample.AsOf) (*sample.Sample, error) {
	return nil, f.err
}
