// Package servertest holds what the test helpers that start real servers
// (redistest, pgtest, mariadbtest, s3test) share: free loopback ports, a
// private directory a database server can run in as its own system user
// when the tests run as root, and running setup statements.
package servertest

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/user"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Ports are picked at random from [portLow, portHigh]: below Linux's
// ephemeral range (32768 and up by default), so that no outbound
// connection, the server's own included (SeaweedFS's components dial each
// other, Redis replicas dial their primary), can take a port between the
// moment it is found free and the moment the server binds it; and low
// enough that a Redis Cluster node's bus port (port + 10000) is below that
// range too.
const (
	portLow  = 15000
	portHigh = 22767
)

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	ps, err := FreePorts(1)
	if err != nil {
		return 0, err
	}
	return ps[0], nil
}

// FreePorts returns n distinct TCP ports on 127.0.0.1 that were free a
// moment ago (held open together, so that they differ), below the
// ephemeral range. Another process may still take one before the server
// binds it: servers that start several listeners retry on new ports.
func FreePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for tries := 0; len(ports) < n; tries++ {
		if tries == 1000 {
			return nil, fmt.Errorf("find %d free loopback ports in %d-%d: only %d after %d tries", n, portLow, portHigh, len(ports), tries)
		}
		p := portLow + rand.IntN(portHigh-portLow+1)
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			continue // taken, by another process or by this call
		}
		ls = append(ls, l)
		ports = append(ports, p)
	}
	return ports, nil
}

// UserDir makes a directory of its own under the temp directory (short,
// for unix socket paths; t.TempDir's parents are private to root), removed
// at cleanup. Running as root, it is owned by the system user name, which
// the server must run as (initdb and mariadbd refuse root), and cred is
// that user's credential for exec.Cmd's SysProcAttr; otherwise cred is nil.
// pkg names the package that creates the user (its hint when missing).
func UserDir(tb testing.TB, prefix, name, pkg string) (dir string, cred *syscall.Credential) {
	tb.Helper()
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	if os.Geteuid() != 0 {
		return dir, nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		tb.Fatalf("running as root, the server needs an unprivileged user: %v (the %s package creates %s)", err, pkg, name)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		tb.Fatal(err)
	}
	return dir, &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
}

// Exec runs stmts on d in order, failing tb at the first error with the
// statement, within a minute in all.
func Exec(tb testing.TB, d *sql.DB, stmts ...string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, q := range stmts {
		if _, err := d.ExecContext(ctx, q); err != nil {
			tb.Fatalf("%s: %v", strings.TrimSpace(q), err)
		}
	}
}
