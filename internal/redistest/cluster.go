package redistest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// Binary returns the path of a Redis tool (redis-cli, redis-sentinel),
// skipping the test when it is missing, except under CI=true.
func Binary(tb testing.TB, name string) string {
	tb.Helper()
	bin, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("%s not found under CI=true: %v", name, err)
		}
		tb.Skipf("%s not installed; skipping (apt-get install redis-server redis-tools redis-sentinel)", name)
	}
	return bin
}

// Client returns a plain go-redis client of addr (default user, RESP2),
// closed when the test ends. Tests use it to load data and to administer
// servers.
func Client(tb testing.TB, addr string) *redis.Client {
	tb.Helper()
	c := dial(addr)
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

func dial(addr string) *redis.Client {
	return redis.NewClient(&redis.Options{
		Addr: addr, Protocol: 2, DisableIdentity: true, MaxRetries: -1,
		DialTimeout: time.Second, ReadTimeout: 2 * time.Second,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
	})
}

// Cluster is a running Redis Cluster owned by one test: real redis-server
// processes with cluster-enabled yes, joined by redis-cli --cluster create.
type Cluster struct {
	// Nodes are every node, masters and replicas, in start order.
	Nodes []*Server
}

// NodeTimeout is the cluster-node-timeout of the nodes of a cluster
// StartCluster returns: Redis' default, so that a node stalled for a second
// or two on a loaded machine is not flagged failed, and its replica not
// promoted, under a test that asserts which node serves reads. A test that
// wants a dead master failed over automatically lowers it with
// SetNodeTimeout.
const NodeTimeout = 15 * time.Second

// formingNodeTimeout is the cluster-node-timeout the nodes start with, until
// the cluster is healthy and knows its replicas: under NodeTimeout the nodes
// gossip less often and a master that has just joined waits longer before
// it reports the cluster ok (a 3+3 cluster took 14s to start instead of 7).
const formingNodeTimeout = time.Second

// StartCluster runs a Redis Cluster of masters × (1 + replicas) nodes on
// free loopback ports and waits until every node sees the cluster as ok and
// every replica is in sync. The nodes use cluster-node-timeout NodeTimeout
// (see SetNodeTimeout) and cluster-require-full-coverage no (the other
// shards keep serving while one has no master). Extra config lines go to
// every node.
func StartCluster(tb testing.TB, masters, replicas int, extra ...string) *Cluster {
	tb.Helper()
	cli := Binary(tb, "redis-cli")
	conf := append([]string{
		"cluster-enabled yes",
		"cluster-config-file nodes.conf",
		fmt.Sprintf("cluster-node-timeout %d", formingNodeTimeout.Milliseconds()),
		"cluster-require-full-coverage no",
		// Masters ping their replicas every second, so that a replica's
		// replication offset is not 0 before any data is written (see
		// WaitReplicated).
		"repl-ping-replica-period 1",
	}, extra...)
	c := &Cluster{}
	args := []string{"--cluster", "create"}
	for i := 0; i < masters*(1+replicas); i++ {
		s := Start(tb, conf...)
		c.Nodes = append(c.Nodes, s)
		args = append(args, s.Addr)
	}
	args = append(args, "--cluster-replicas", fmt.Sprint(replicas), "--cluster-yes")
	out, err := exec.Command(cli, args...).CombinedOutput()
	if err != nil {
		tb.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	c.WaitHealthy(tb, 30*time.Second)
	// While the nodes still ping each other often, let them learn the
	// replicas' offsets, which take them several seconds under NodeTimeout.
	c.WaitReplicated(tb)
	c.SetNodeTimeout(tb, NodeTimeout)
	return c
}

// SetNodeTimeout sets cluster-node-timeout on every running node (CONFIG
// SET): how long a node goes unanswered before the others flag it failing,
// and so how soon its replica takes over.
func (c *Cluster) SetNodeTimeout(tb testing.TB, d time.Duration) {
	tb.Helper()
	for _, s := range c.Nodes {
		if s.cmd == nil {
			continue
		}
		cl := dial(s.Addr)
		err := cl.ConfigSet(context.Background(), "cluster-node-timeout", fmt.Sprint(d.Milliseconds())).Err()
		_ = cl.Close()
		if err != nil {
			tb.Fatalf("set cluster-node-timeout on %s: %v", s.Addr, err)
		}
	}
}

// Seed is the address of one node, to give a cluster client.
func (c *Cluster) Seed() string { return c.Nodes[0].Addr }

// Node is one node as CLUSTER NODES describes it.
type Node struct {
	ID, Addr string
	Master   bool
	MasterID string // the master of a replica
	Failed   bool   // flagged fail or pfail, or disconnected
	Slots    []string
}

// Topology returns the nodes as seen by the first live node, masters first,
// each group ordered by address.
func (c *Cluster) Topology(tb testing.TB) []Node {
	tb.Helper()
	var lastErr error
	for _, s := range c.Nodes {
		if s.cmd == nil {
			continue
		}
		cl := dial(s.Addr)
		txt, err := cl.ClusterNodes(context.Background()).Result()
		_ = cl.Close()
		if err != nil {
			lastErr = err
			continue
		}
		return parseNodes(txt)
	}
	tb.Fatalf("no cluster node answers CLUSTER NODES: %v", lastErr)
	return nil
}

func parseNodes(txt string) []Node {
	var out []Node
	for _, line := range strings.Split(strings.TrimSpace(txt), "\n") {
		f := strings.Fields(line)
		if len(f) < 8 {
			continue
		}
		n := Node{ID: f[0], Addr: strings.SplitN(f[1], "@", 2)[0]}
		flags := f[2]
		n.Master = strings.Contains(flags, "master")
		n.Failed = strings.Contains(flags, "fail") || f[7] != "connected"
		if f[3] != "-" {
			n.MasterID = f[3]
		}
		n.Slots = f[8:]
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Master != out[j].Master {
			return out[i].Master
		}
		return out[i].Addr < out[j].Addr
	})
	return out
}

// Masters returns the addresses of the masters that hold slots and are not
// failed, ordered by address.
func (c *Cluster) Masters(tb testing.TB) []string {
	tb.Helper()
	var out []string
	for _, n := range c.Topology(tb) {
		if n.Master && !n.Failed && len(n.Slots) > 0 {
			out = append(out, n.Addr)
		}
	}
	return out
}

// ReplicaOf returns the address of a live replica of the master at addr.
func (c *Cluster) ReplicaOf(tb testing.TB, addr string) string {
	tb.Helper()
	nodes := c.Topology(tb)
	var id string
	for _, n := range nodes {
		if n.Addr == addr {
			id = n.ID
		}
	}
	for _, n := range nodes {
		if !n.Master && n.MasterID == id && !n.Failed {
			return n.Addr
		}
	}
	tb.Fatalf("master %s has no live replica", addr)
	return ""
}

// Server returns the node listening on addr.
func (c *Cluster) Server(tb testing.TB, addr string) *Server {
	tb.Helper()
	for _, s := range c.Nodes {
		if s.Addr == addr {
			return s
		}
	}
	tb.Fatalf("no cluster node at %s", addr)
	return nil
}

// WaitHealthy waits until every running node reports cluster_state:ok, all
// 16384 slots are served by live masters, and every running replica's link
// to its master is up.
func (c *Cluster) WaitHealthy(tb testing.TB, timeout time.Duration) {
	tb.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(timeout)
	var why string
	for time.Now().Before(deadline) {
		why = c.unhealthy(ctx, tb)
		if why == "" {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	tb.Fatalf("cluster not healthy after %s: %s", timeout, why)
}

func (c *Cluster) unhealthy(ctx context.Context, tb testing.TB) string {
	for _, s := range c.Nodes {
		if s.cmd == nil {
			continue
		}
		why := c.nodeUnhealthy(ctx, s.Addr)
		if why != "" {
			return why
		}
	}
	return ""
}

func (c *Cluster) nodeUnhealthy(ctx context.Context, addr string) string {
	cl := dial(addr)
	defer cl.Close()
	info, err := cl.ClusterInfo(ctx).Result()
	if err != nil {
		return fmt.Sprintf("%s: %v", addr, err)
	}
	if !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, "cluster_slots_ok:16384") {
		return addr + " does not see the cluster ok"
	}
	txt, err := cl.ClusterNodes(ctx).Result()
	if err != nil {
		return fmt.Sprintf("%s: %v", addr, err)
	}
	for _, n := range parseNodes(txt) {
		if n.Failed && c.running(n.Addr) {
			return fmt.Sprintf("%s sees %s as failed", addr, n.Addr)
		}
	}
	repl, err := cl.Info(ctx, "replication").Result()
	if err != nil {
		return fmt.Sprintf("%s: %v", addr, err)
	}
	if strings.Contains(repl, "role:slave") && !strings.Contains(repl, "master_link_status:up") {
		return addr + " replica link down"
	}
	return ""
}

func (c *Cluster) running(addr string) bool {
	for _, s := range c.Nodes {
		if s.Addr == addr {
			return s.cmd != nil
		}
	}
	return false
}

// WaitReplicated waits until every replica has applied everything its
// master wrote (WAIT on each master), so that replica reads see the data,
// and until CLUSTER SLOTS lists every live replica (Redis leaves out a
// replica until the cluster bus has gossiped a replication offset for it).
func (c *Cluster) WaitReplicated(tb testing.TB) {
	tb.Helper()
	ctx := context.Background()
	want := map[string]int{} // live replicas by master address
	defer func() {
		deadline := time.Now().Add(20 * time.Second)
		for !c.slotsListReplicas(ctx, want) {
			if time.Now().After(deadline) {
				tb.Fatalf("CLUSTER SLOTS does not list the replicas %v", want)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	for _, n := range c.Topology(tb) {
		if !n.Master || n.Failed || !c.running(n.Addr) {
			continue
		}
		replicas := 0
		for _, m := range c.Topology(tb) {
			if m.MasterID == n.ID && !m.Failed && c.running(m.Addr) {
				replicas++
			}
		}
		want[n.Addr] = replicas
		if replicas == 0 {
			continue
		}
		cl := dial(n.Addr)
		got, err := cl.Wait(ctx, replicas, 10*time.Second).Result()
		_ = cl.Close()
		if err != nil || got < int64(replicas) {
			tb.Fatalf("WAIT on %s: %d of %d replicas: %v", n.Addr, got, replicas, err)
		}
	}
}

// ClusterClient returns a go-redis cluster client for loading data,
// closed when the test ends.
func (c *Cluster) ClusterClient(tb testing.TB) *redis.ClusterClient {
	tb.Helper()
	cc := redis.NewClusterClient(&redis.ClusterOptions{
		Addrs: []string{c.Seed()}, Protocol: 2, DisableIdentity: true,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
	})
	tb.Cleanup(func() { _ = cc.Close() })
	return cc
}

// slotsListReplicas reports whether CLUSTER SLOTS, asked of every running
// node, shows each master's slots with want[master] replicas.
func (c *Cluster) slotsListReplicas(ctx context.Context, want map[string]int) bool {
	for _, s := range c.Nodes {
		if s.cmd == nil {
			continue
		}
		cl := dial(s.Addr)
		slots, err := cl.ClusterSlots(ctx).Result()
		_ = cl.Close()
		if err != nil {
			return false
		}
		for _, sl := range slots {
			if len(sl.Nodes) == 0 || len(sl.Nodes)-1 < want[sl.Nodes[0].Addr] {
				return false
			}
		}
	}
	return true
}
