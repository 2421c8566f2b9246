// Package redistest starts a real redis-server on a free loopback port for
// tests. When the binary is missing the test is skipped, except under CI=true
// where a missing server is a failure.
package redistest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fsmon/fsmon/internal/servertest"
)

// Server is a running redis-server owned by one test.
type Server struct {
	Addr string
	// Dir is the server's working directory (its config file, and the
	// nodes.conf of a cluster node).
	Dir   string
	conf  string
	bin   string
	ready string // the log line that says the server accepts connections
	cmd   *exec.Cmd
}

// Start runs redis-server with no persistence on a free 127.0.0.1 port and
// stops it when the test ends. Extra config lines ("maxmemory 1mb") may be
// given.
func Start(tb testing.TB, extra ...string) *Server {
	tb.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("redis-server not found under CI=true: %v", err)
		}
		tb.Skip("redis-server not installed; skipping (apt-get install redis-server)")
	}
	port, err := servertest.FreePort()
	if err != nil {
		tb.Fatalf("find free port: %v", err)
	}
	dir := tb.TempDir()
	conf := []string{
		"port " + fmt.Sprint(port),
		"bind 127.0.0.1",
		"save \"\"",
		"appendonly no",
		"dir " + dir,
		"protected-mode yes",
	}
	conf = append(conf, extra...)
	confPath := filepath.Join(dir, "redis.conf")
	if err := os.WriteFile(confPath, []byte(strings.Join(conf, "\n")+"\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	s := &Server{Addr: fmt.Sprintf("127.0.0.1:%d", port), Dir: dir, conf: confPath, bin: bin, ready: "Ready to accept connections"}
	tb.Cleanup(s.Stop)
	s.run(tb)
	return s
}

// Resume starts a stopped server again with its own config file and
// directory: a cluster node comes back with its nodes.conf, i.e. as the
// same node.
func (s *Server) Resume(tb testing.TB) {
	tb.Helper()
	s.run(tb)
}

// run starts the server's binary on its config file and waits until it
// accepts connections.
func (s *Server) run(tb testing.TB) {
	tb.Helper()
	cmd := exec.Command(s.bin, s.conf)
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start redis-server: %v", err)
	}
	ready := make(chan struct{})
	var log strings.Builder
	go func() {
		sc := bufio.NewScanner(out)
		once := false
		for sc.Scan() {
			line := sc.Text()
			if !once {
				log.WriteString(line + "\n")
			}
			if !once && strings.Contains(line, s.ready) {
				once = true
				close(ready)
			}
		}
	}()
	s.cmd = cmd
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		s.Stop()
		tb.Fatalf("%s did not start:\n%s", s.bin, log.String())
	}
}

// Stop kills the server; it is safe to call twice. Tests use it to make
// Redis unreachable mid-run.
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
		s.cmd = nil
	}
}

// Freeze stops the server's process (SIGSTOP) until Thaw: the kernel still
// accepts connections and takes in what clients send, but no command is
// answered, as with a Redis stalled by swapping or a paused VM. Unlike a
// DEBUG SLEEP sent by another client, the stall is in force when Freeze
// returns (on Linux it waits until the process is seen stopped), so a
// command sent afterwards is certain to find Redis blocked, and it lasts
// until the test ends it. Stop still kills a frozen server.
func (s *Server) Freeze() error {
	if s.cmd == nil || s.cmd.Process == nil {
		return fmt.Errorf("freeze redis %s: not running", s.Addr)
	}
	if err := s.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		return fmt.Errorf("freeze redis %s: %w", s.Addr, err)
	}
	stat := fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		b, err := os.ReadFile(stat)
		if err != nil {
			return nil // no procfs (not Linux): the signal is sent, trust it
		}
		// pid (comm) state ...: comm may hold spaces and parentheses.
		if i := strings.LastIndexByte(string(b), ')'); i >= 0 && i+2 < len(b) && b[i+2] == 'T' {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("freeze redis %s: process %d not stopped after 10s: %s", s.Addr, s.cmd.Process.Pid, b)
		}
	}
}

// Thaw resumes a server stopped by Freeze (SIGCONT); the commands sent
// meanwhile are then answered.
func (s *Server) Thaw() error {
	if s.cmd == nil || s.cmd.Process == nil {
		return fmt.Errorf("thaw redis %s: not running", s.Addr)
	}
	if err := s.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		return fmt.Errorf("thaw redis %s: %w", s.Addr, err)
	}
	return nil
}

// Restart starts a fresh, empty server on the same address (after Stop).
func (s *Server) Restart(tb testing.TB, extra ...string) {
	tb.Helper()
	host, port, _ := net.SplitHostPort(s.Addr)
	_ = host
	bin, _ := exec.LookPath("redis-server")
	cmd := exec.Command(bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	for _, e := range extra {
		f := strings.SplitN(e, " ", 2)
		cmd.Args = append(cmd.Args, "--"+f[0])
		if len(f) == 2 {
			cmd.Args = append(cmd.Args, f[1])
		}
	}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("restart redis-server: %v", err)
	}
	s.cmd = cmd
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", s.Addr, 100*time.Millisecond)
		if err == nil {
			_ = c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	tb.Fatalf("redis-server did not come back on %s", s.Addr)
}
