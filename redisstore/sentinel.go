package redisstore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// Sentinel locates a primary and its replicas through Redis Sentinel.
type Sentinel struct {
	// MasterName is the name the Sentinels monitor the primary under.
	MasterName string
	// Addrs are host:port of Sentinels, asked in order until one answers.
	Addrs []string
	// Username and Password authenticate to the Sentinels (not to the data
	// nodes, which use Options.Username and Options.Password).
	Username, Password string
}

// sentinelClients returns a client of each Sentinel, created once.
func (s *Store) sentinelClients() []*redis.SentinelClient {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sentinels == nil {
		sn := s.opts.Sentinel
		for _, a := range sn.Addrs {
			s.sentinels = append(s.sentinels, redis.NewSentinelClient(&redis.Options{
				Addr: a, Username: sn.Username, Password: sn.Password, TLSConfig: s.opts.TLS,
				Protocol: 2, DisableIdentity: true, MaxRetries: 1, DialerRetries: 1,
				MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
				DialTimeout:              s.opts.Timeout, ReadTimeout: s.opts.Timeout, WriteTimeout: s.opts.Timeout,
				ContextTimeoutEnabled: true,
			}))
		}
	}
	return s.sentinels
}

// sentinelNodes asks the Sentinels, in order, for the primary's address and
// its healthy replicas (not down, not disconnected, link to the primary up).
func (s *Store) sentinelNodes(ctx context.Context) (master string, replicas []string, err error) {
	name := s.opts.Sentinel.MasterName
	var errs []error
	for i, sc := range s.sentinelClients() {
		addr := s.opts.Sentinel.Addrs[i]
		hp, err := sc.GetMasterAddrByName(ctx, name).Result()
		if err != nil || len(hp) != 2 {
			if err == nil {
				err = fmt.Errorf("no primary known as %q", name)
			}
			errs = append(errs, fmt.Errorf("sentinel %s: %w", addr, err))
			continue
		}
		master = net.JoinHostPort(hp[0], hp[1])
		if s.opts.ReadFrom == ReadReplica || s.opts.ReadFrom == ReadNearest {
			rs, err := sc.Replicas(ctx, name).Result()
			if err != nil {
				errs = append(errs, fmt.Errorf("sentinel %s: replicas of %q: %w", addr, name, err))
				continue
			}
			for _, r := range rs {
				flags := r["flags"]
				if strings.Contains(flags, "down") || strings.Contains(flags, "disconnected") || r["master-link-status"] == "err" {
					continue
				}
				replicas = append(replicas, net.JoinHostPort(r["ip"], r["port"]))
			}
			sort.Strings(replicas)
		}
		return master, replicas, nil
	}
	return "", nil, fmt.Errorf("sentinel master %q: %w", name, errors.Join(errs...))
}

// server returns the client of the one node that serves this Store's reads
// and its address: the configured server, or, behind Sentinel, the primary
// or a replica as ReadFrom asks (looked up on every call, so a failover is
// followed). note says when the node is not the kind asked for.
func (s *Store) server(ctx context.Context) (c *redis.Client, addr, note string, err error) {
	if s.opts.Sentinel == nil {
		return s.single, s.opts.Addr, "", nil
	}
	master, replicas, err := s.sentinelNodes(ctx)
	if err != nil {
		return nil, "", "", err
	}
	ping := func(a string) (time.Duration, error) {
		start := time.Now()
		err := s.node(a).Ping(ctx).Err()
		return time.Since(start), err
	}
	switch s.opts.ReadFrom {
	case ReadReplica:
		for _, r := range replicas {
			if _, err := ping(r); err == nil {
				return s.node(r), r, "", nil
			}
		}
		return s.node(master), master, fmt.Sprintf("no replica of %q answered (%d known), read from the primary", s.opts.Sentinel.MasterName, len(replicas)), nil
	case ReadNearest:
		best, bestRTT := master, time.Duration(-1)
		for _, a := range append([]string{master}, replicas...) {
			rtt, err := ping(a)
			if err == nil && (bestRTT < 0 || rtt < bestRTT) {
				best, bestRTT = a, rtt
			}
		}
		return s.node(best), best, "", nil
	}
	return s.node(master), master, "", nil
}
