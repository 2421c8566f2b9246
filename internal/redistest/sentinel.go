package redistest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fsmon/fsmon/internal/servertest"
)

// StartSentinel runs a redis-sentinel on a free loopback port that monitors
// the primary at masterAddr under masterName with quorum 1 (one Sentinel
// may fail it over on its own), declaring an instance down after 30 s of
// silence (Redis' default), so that a primary or replica stalled for a few
// seconds on a loaded machine is neither failed over nor skipped under a
// test that asserts which node serves reads. A test that wants a dead
// primary failed over automatically passes a shorter
// "sentinel down-after-milliseconds <name> <ms>" in extra (the last line
// wins); SENTINEL FAILOVER needs none.
func StartSentinel(tb testing.TB, masterName, masterAddr string, extra ...string) *Server {
	tb.Helper()
	bin := Binary(tb, "redis-sentinel")
	port, err := servertest.FreePort()
	if err != nil {
		tb.Fatalf("find free port: %v", err)
	}
	host, mport, _ := strings.Cut(masterAddr, ":")
	dir := tb.TempDir()
	conf := append([]string{
		fmt.Sprintf("port %d", port),
		"bind 127.0.0.1",
		"dir " + dir,
		fmt.Sprintf("sentinel monitor %s %s %s 1", masterName, host, mport),
		fmt.Sprintf("sentinel down-after-milliseconds %s 30000", masterName),
		fmt.Sprintf("sentinel failover-timeout %s 5000", masterName),
	}, extra...)
	confPath := filepath.Join(dir, "sentinel.conf")
	if err := os.WriteFile(confPath, []byte(strings.Join(conf, "\n")+"\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	s := &Server{Addr: fmt.Sprintf("127.0.0.1:%d", port), Dir: dir, conf: confPath, bin: bin, ready: "Sentinel ID is"}
	tb.Cleanup(s.Stop)
	s.run(tb)
	return s
}

// StartReplica runs a redis-server that replicates primary and waits until
// its link is up and it holds everything the primary wrote.
func StartReplica(tb testing.TB, primary string, extra ...string) *Server {
	tb.Helper()
	host, port, _ := strings.Cut(primary, ":")
	r := Start(tb, append([]string{"replicaof " + host + " " + port}, extra...)...)
	WaitSynced(tb, primary, 1)
	return r
}

// WaitSynced waits until n replicas of primary acknowledge all its writes
// (WAIT).
func WaitSynced(tb testing.TB, primary string, n int) {
	tb.Helper()
	c := dial(primary)
	defer c.Close()
	deadline := time.Now().Add(15 * time.Second)
	for {
		got, err := c.Wait(context.Background(), n, time.Second).Result()
		if err == nil && got >= int64(n) {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%d replicas of %s in sync, want %d: %v", got, primary, n, err)
		}
	}
}

// WaitSentinelReplicas waits until the Sentinel at addr lists n replicas
// of masterName as healthy (flags "slave" only, link to the primary up),
// as clients reading from replicas through it require.
func WaitSentinelReplicas(tb testing.TB, addr, masterName string, n int) {
	tb.Helper()
	c := dial(addr)
	defer c.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		healthy := 0
		rs, err := c.Do(context.Background(), "SENTINEL", "REPLICAS", masterName).Slice()
		for _, r := range rs {
			kv, _ := r.([]any) // RESP2: field, value, field, value, ...
			f := map[string]string{}
			for i := 0; i+1 < len(kv); i += 2 {
				k, _ := kv[i].(string)
				v, _ := kv[i+1].(string)
				f[k] = v
			}
			if f["flags"] == "slave" && f["master-link-status"] == "ok" {
				healthy++
			}
		}
		if err == nil && healthy >= n {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("Sentinel %s lists %d healthy replicas of %q, want %d: %v", addr, healthy, masterName, n, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
