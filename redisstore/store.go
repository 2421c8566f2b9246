package redisstore

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
	"golang.org/x/time/rate"
)

// Defaults applied by New to zero Options fields.
const (
	DefaultTimeout   = 5 * time.Second
	DefaultBatchSize = 50
	DefaultScanCount = 100
)

// scanCostDivisor converts keys a SCAN call asks Redis to visit into rate
// limiter tokens. Measured with INFO commandstats on Redis 7.0 (1M hashes of
// 11 fields, bench/redis_sample.sh): SCAN COUNT 100 MATCH costs about 130 µs
// (1.3 µs per key visited), HMGET of 11 fields about 3.7 µs, so a SCAN with
// COUNT c costs about c/3 entity reads.
const scanCostDivisor = 3

// Options configures a Store. Zero values take the documented defaults.
type Options struct {
	// Addr is host:port of the Redis server, or of one seed node of a
	// cluster.
	Addr string
	// Username and Password authenticate the connection (ACL or requirepass).
	Username, Password string
	// DB is the database number (standalone only).
	DB int
	// TLS enables TLS with this configuration when non-nil.
	TLS *tls.Config
	// Cluster connects to a Redis Cluster: every shard is sampled
	// concurrently for its share, on the node ReadFrom picks; reads follow
	// redirects.
	Cluster bool
	// Timeout bounds dialing and each socket read and write (default 5s).
	// A context deadline shorter than it wins.
	Timeout time.Duration
	// RateLimit paces reads in entities per second over the whole Store (all
	// views together), one batch in flight at a time; 0 means full speed,
	// with two batches in flight on two connections. A SCAN call costs
	// ScanCount/3 entities. The application's default is 5000, which leaves
	// other clients' p99 latency unchanged (perf-notes.md).
	RateLimit int
	// BatchSize is the number of keys read per pipelined round trip
	// (default 50).
	BatchSize int
	// ScanCount is the COUNT hint of each SCAN call (default 100).
	ScanCount int
	// ReadFrom says which nodes serve the reads of a cluster or of a
	// Sentinel deployment: ReadPrimary (default when empty), ReadReplica or
	// ReadNearest.
	ReadFrom string
	// Sentinel, when not nil, finds the primary and its replicas through
	// Redis Sentinel on every sample (Addr is then only a label).
	Sentinel *Sentinel
	// Logger receives debug lines about samples (counts only, never keys or
	// values). Nil discards.
	Logger *slog.Logger
	// PanicHook, for tests of the programs that use a Store, is called at
	// the start of every goroutine the Store starts, as the package's own
	// tests' hook is ("scan", "lookup", "fetch", "pick"), to inject a
	// panic there. Nil in production.
	PanicHook func(where, addr string)
}

// Store is a connection to one Redis deployment shared by the views sampled
// from it. It is safe for concurrent use.
type Store struct {
	opts    Options
	rdb     redis.UniversalClient
	cluster *redis.ClusterClient
	single  *redis.Client
	limiter *rate.Limiter // nil when unlimited
	log     *slog.Logger
	mu      sync.Mutex
	closed  bool
	// nodes are the Store's own clients of cluster nodes (SCAN, DBSIZE and
	// the reads of one shard go to one node) and of the nodes Sentinel
	// names, by address.
	nodes     map[string]*redis.Client
	sentinels []*redis.SentinelClient
	// testHook, set only by tests, is called at the start of every
	// goroutine the Store spawns with where it is ("scan", "lookup",
	// "fetch", "pick") and the node or shard it reads ("" for fetch), to
	// inject a panic there.
	testHook func(where, addr string)
}

// hook calls testHook.
func (s *Store) hook(where, addr string) {
	if s.testHook != nil {
		s.testHook(where, addr)
	}
}

// New returns a Store for opts. It does not dial: use Ping to check the
// connection. Only read-only commands are sent (see the package doc for the
// minimal ACL).
func New(opts Options) (*Store, error) {
	if sn := opts.Sentinel; sn != nil {
		switch {
		case sn.MasterName == "" || len(sn.Addrs) == 0:
			return nil, errors.New("redis sentinel: a master name and at least one sentinel address are needed")
		case opts.Cluster:
			return nil, errors.New("redis sentinel: not with a cluster")
		}
		if opts.Addr == "" {
			opts.Addr = "sentinel:" + sn.MasterName
		}
	}
	if opts.Addr == "" {
		return nil, errors.New("redis: no address")
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
	}
	if opts.ScanCount <= 0 {
		opts.ScanCount = DefaultScanCount
	}
	if opts.RateLimit < 0 {
		return nil, fmt.Errorf("redis %s: rate limit %d is negative", opts.Addr, opts.RateLimit)
	}
	switch opts.ReadFrom {
	case "", ReadPrimary, ReadReplica, ReadNearest:
	default:
		return nil, fmt.Errorf("redis %s: read_from %q: want primary, replica or nearest", opts.Addr, opts.ReadFrom)
	}
	if opts.ReadFrom != "" && opts.ReadFrom != ReadPrimary && !opts.Cluster && opts.Sentinel == nil {
		return nil, fmt.Errorf("redis %s: read_from %s needs a cluster or sentinel to find replicas", opts.Addr, opts.ReadFrom)
	}
	if opts.Cluster && opts.DB != 0 {
		return nil, fmt.Errorf("redis cluster %s: db %d: a cluster has only db 0", opts.Addr, opts.DB)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Store{opts: opts, log: log, testHook: opts.PanicHook}
	if opts.RateLimit > 0 {
		burst := max(opts.BatchSize, opts.ScanCount/scanCostDivisor, 1)
		s.limiter = rate.NewLimiter(rate.Limit(opts.RateLimit), burst)
	}
	maint := &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	if opts.Cluster {
		s.cluster = redis.NewClusterClient(&redis.ClusterOptions{
			Addrs:                    []string{opts.Addr},
			Username:                 opts.Username,
			Password:                 opts.Password,
			TLSConfig:                opts.TLS,
			Protocol:                 2,
			DisableIdentity:          true,
			MaintNotificationsConfig: maint,
			MaxRetries:               1,
			DialerRetries:            2,
			DialTimeout:              opts.Timeout,
			ReadTimeout:              opts.Timeout,
			WriteTimeout:             opts.Timeout,
			ContextTimeoutEnabled:    true,
			// Reads that leave the shard's chosen node (string layout
			// feature keys, a batch answered MOVED or ASK) go through
			// go-redis' routing, which sends read-only commands to
			// replicas when asked (it needs COMMAND to know them).
			ReadOnly:       opts.ReadFrom == ReadReplica || opts.ReadFrom == ReadNearest,
			RouteByLatency: opts.ReadFrom == ReadNearest,
		})
		s.rdb = s.cluster
	} else if opts.Sentinel == nil {
		s.single = redis.NewClient(s.clientOptions(opts.Addr))
		s.rdb = s.single
	}
	return s, nil
}

// clientOptions are the options of a client of one server at addr.
// Maintenance notifications (CLIENT MAINT_NOTIFICATIONS) and CLIENT SETINFO
// are not read-only data commands and fail on plain or older Redis; RESP2
// avoids push frames altogether.
func (s *Store) clientOptions(addr string) *redis.Options {
	o := s.opts
	return &redis.Options{
		Addr:                     addr,
		Username:                 o.Username,
		Password:                 o.Password,
		DB:                       o.DB,
		TLSConfig:                o.TLS,
		Protocol:                 2,
		DisableIdentity:          true,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
		MaxRetries:               1,
		DialerRetries:            2,
		DialTimeout:              o.Timeout,
		ReadTimeout:              o.Timeout,
		WriteTimeout:             o.Timeout,
		ContextTimeoutEnabled:    true,
	}
}

// Close closes the connections.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	var errs []error
	if s.rdb != nil {
		errs = append(errs, s.rdb.Close())
	}
	for _, c := range s.nodes {
		errs = append(errs, c.Close())
	}
	for _, c := range s.sentinels {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// Ping checks that Redis answers (every node, masters and replicas, in
// cluster mode).
func (s *Store) Ping(ctx context.Context) error {
	if s.cluster != nil {
		if err := s.cluster.ForEachShard(ctx, func(ctx context.Context, c *redis.Client) error {
			if err := c.Ping(ctx).Err(); err != nil {
				return fmt.Errorf("ping %s: %w", c.Options().Addr, err)
			}
			return nil
		}); err != nil {
			return fmt.Errorf("ping redis cluster %s: %w", s.opts.Addr, err)
		}
		return nil
	}
	c, addr, _, err := s.server(ctx)
	if err != nil {
		return fmt.Errorf("ping redis %s: %w", s.opts.Addr, err)
	}
	if err := c.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("ping redis %s: %w", addr, err)
	}
	return nil
}

// wait takes n tokens from the Store's rate limiter (a no-op when
// unlimited).
func (s *Store) wait(ctx context.Context, n int) error { return waitN(ctx, s.limiter, n) }

// waitN takes n tokens from lim, in bursts; a nil lim does not wait.
func waitN(ctx context.Context, lim *rate.Limiter, n int) error {
	if lim == nil || n <= 0 {
		return nil
	}
	for n > 0 {
		k := min(n, lim.Burst())
		if err := lim.WaitN(ctx, k); err != nil {
			return err
		}
		n -= k
	}
	return nil
}
