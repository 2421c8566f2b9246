package redisstore

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fsmon/fsmon/internal/panics"
)

// Where sampling reads go (Options.ReadFrom).
const (
	// ReadPrimary reads from the primary (cluster masters, the Sentinel
	// master, the one server).
	ReadPrimary = "primary"
	// ReadReplica reads from a replica, falling back to the primary (with a
	// note in the sample) when no replica answers.
	ReadReplica = "replica"
	// ReadNearest reads from the node that answers fastest, primary or
	// replica.
	ReadNearest = "nearest"
)

// shard is one master of a Redis Cluster with its replicas and hash slots.
type shard struct {
	name     string // "0", "1", ... by lowest slot
	slots    [][2]int
	master   string
	replicas []string
}

// slotText is the shard's slots as "0-5460,10923-16383".
func (sh *shard) slotText() string {
	parts := make([]string, len(sh.slots))
	for i, r := range sh.slots {
		parts[i] = fmt.Sprintf("%d-%d", r[0], r[1])
	}
	return strings.Join(parts, ",")
}

// topology is the cluster's shards and which shard serves each slot.
type topology struct {
	shards []shard
	slot   [slotCount]int16 // shard index of each slot, -1 when unserved
}

// shardOf returns the shard index serving key, or -1.
func (t *topology) shardOf(key string) int { return int(t.slot[keySlot(key)]) }

// topology reads CLUSTER SLOTS, from the cluster client or, when it fails
// (its seed node gone), from any node seen before, so that a failover or a
// dead node is followed on the next call.
func (s *Store) topology(ctx context.Context) (*topology, error) {
	slots, err := s.cluster.ClusterSlots(ctx).Result()
	if err != nil {
		errs := []error{err}
		for _, addr := range s.knownNodes() {
			var e error
			slots, e = s.node(addr).ClusterSlots(ctx).Result()
			if e == nil {
				err = nil
				break
			}
			errs = append(errs, fmt.Errorf("%s: %w", addr, e))
		}
		if err != nil {
			return nil, fmt.Errorf("cluster slots of %s: %w", s.opts.Addr, errors.Join(errs...))
		}
	}
	byMaster := map[string]*shard{}
	var order []*shard
	for _, sl := range slots {
		if len(sl.Nodes) == 0 {
			continue
		}
		m := sl.Nodes[0].Addr
		sh, ok := byMaster[m]
		if !ok {
			sh = &shard{master: m}
			for _, n := range sl.Nodes[1:] {
				sh.replicas = append(sh.replicas, n.Addr)
			}
			sort.Strings(sh.replicas)
			byMaster[m] = sh
			order = append(order, sh)
		}
		sh.slots = append(sh.slots, [2]int{int(sl.Start), int(sl.End)})
	}
	if len(order) == 0 {
		return nil, fmt.Errorf("cluster slots of %s: no slot is served", s.opts.Addr)
	}
	for _, sh := range order {
		sort.Slice(sh.slots, func(i, j int) bool { return sh.slots[i][0] < sh.slots[j][0] })
	}
	sort.Slice(order, func(i, j int) bool { return order[i].slots[0][0] < order[j].slots[0][0] })
	t := &topology{}
	for i := range t.slot {
		t.slot[i] = -1
	}
	for i, sh := range order {
		sh.name = strconv.Itoa(i)
		t.shards = append(t.shards, *sh)
		for _, r := range sh.slots {
			for k := r[0]; k <= r[1] && k < slotCount; k++ {
				t.slot[k] = int16(i)
			}
		}
	}
	s.remember(t)
	return t, nil
}

// node returns the Store's own client of one cluster node, creating it on
// first use. In a cluster with ReadFrom other than primary its connections
// send READONLY, so that a replica serves reads of its master's keys.
func (s *Store) node(addr string) *redis.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.nodes[addr]; ok {
		return c
	}
	opts := s.clientOptions(addr)
	if s.cluster != nil && s.opts.ReadFrom != "" && s.opts.ReadFrom != ReadPrimary {
		opts.OnConnect = func(ctx context.Context, cn *redis.Conn) error {
			return cn.ReadOnly(ctx).Err()
		}
	}
	c := redis.NewClient(opts)
	if s.nodes == nil {
		s.nodes = map[string]*redis.Client{}
	}
	s.nodes[addr] = c
	return c
}

// remember records the nodes of t, so that a later topology read can ask
// them when the seed node is gone.
func (s *Store) remember(t *topology) {
	for _, sh := range t.shards {
		s.node(sh.master)
		for _, r := range sh.replicas {
			s.node(r)
		}
	}
}

// knownNodes lists the nodes seen so far, in a stable order.
func (s *Store) knownNodes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.nodes))
	for a := range s.nodes {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// readNode is the node chosen to read one shard, with its key count.
type readNode struct {
	addr   string
	c      *redis.Client
	keys   int64
	note   string // why the node is not the one ReadFrom asked for
	rttDur time.Duration
}

// pickNode chooses the node that serves the reads of sh under ReadFrom and
// measures its key count (DBSIZE). Replica: the first replica (by address)
// that answers, else the master with a note; nearest: the node whose DBSIZE
// answered fastest; primary: the master.
func (s *Store) pickNode(ctx context.Context, sh *shard) (readNode, error) {
	dbsize := func(addr string) (readNode, error) {
		c := s.node(addr)
		start := time.Now()
		n, err := c.DBSize(ctx).Result()
		if err != nil {
			return readNode{}, fmt.Errorf("dbsize on %s: %w", addr, err)
		}
		return readNode{addr: addr, c: c, keys: n, rttDur: time.Since(start)}, nil
	}
	switch s.opts.ReadFrom {
	case ReadReplica:
		var errs []error
		for _, r := range sh.replicas {
			rn, err := dbsize(r)
			if err == nil {
				return rn, nil
			}
			errs = append(errs, err)
		}
		rn, err := dbsize(sh.master)
		if err != nil {
			return readNode{}, errors.Join(append(errs, err)...)
		}
		rn.note = fmt.Sprintf("shard %s: no replica answered (%d known), read from the primary", sh.name, len(sh.replicas))
		return rn, nil
	case ReadNearest:
		var best readNode
		var errs []error
		for _, a := range append([]string{sh.master}, sh.replicas...) {
			rn, err := dbsize(a)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if best.c == nil || rn.rttDur < best.rttDur {
				best = rn
			}
		}
		if best.c == nil {
			return readNode{}, errors.Join(errs...)
		}
		return best, nil
	}
	return dbsize(sh.master)
}

// pickNodes chooses the read node of every shard, concurrently.
func (s *Store) pickNodes(ctx context.Context, t *topology) ([]readNode, []error) {
	out := make([]readNode, len(t.shards))
	errs := make([]error, len(t.shards))
	var wg sync.WaitGroup
	for i := range t.shards {
		wg.Go(func() {
			defer panics.RecoverLog(&errs[i], "choice of the read node of shard "+t.shards[i].name, s.log)
			s.hook("pick", t.shards[i].name)
			out[i], errs[i] = s.pickNode(ctx, &t.shards[i])
		})
	}
	wg.Wait()
	return out, errs
}

// isRedirect reports whether err is a MOVED or ASK reply: the key's slot is
// served elsewhere now (a failover or a resharding under way).
func isRedirect(err error) bool {
	if !isRedisError(err) {
		return false
	}
	m := err.Error()
	return strings.HasPrefix(m, "MOVED ") || strings.HasPrefix(m, "ASK ") || strings.HasPrefix(m, "TRYAGAIN")
}
