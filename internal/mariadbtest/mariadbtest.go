// Package mariadbtest starts a real MariaDB server (Debian's
// mariadb-server: mariadb-install-db and mariadbd) on a free loopback port
// for tests, in a fresh data directory. Under root the server runs as the
// mysql system user the package creates. Without MariaDB the test is
// skipped, except under CI=true where a missing server is a failure.
//
// The server's root account has no password and is reached over the
// server's unix socket (DB, Exec); tests create the users they connect
// as over TCP, with passwords, so authentication is tested.
package mariadbtest

import (
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/fsmon/fsmon/internal/servertest"
)

// Server is a running MariaDB owned by one test.
type Server struct {
	// Port is the TCP port on 127.0.0.1.
	Port int
	// Dir holds the data directory, the socket and the log.
	Dir    string
	daemon string
	cred   *syscall.Credential
	cmd    *exec.Cmd
	exited chan struct{}
	extra  []string
}

// lookBin finds a MariaDB binary by its names on PATH, in /usr/sbin and
// /usr/bin.
func lookBin(names ...string) string {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
		for _, d := range []string{"/usr/sbin", "/usr/bin"} {
			if p := filepath.Join(d, n); fileExists(p) {
				return p
			}
		}
	}
	return ""
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// Start initializes a data directory and starts MariaDB on a free
// 127.0.0.1 port, with mariadbd options extra (e.g. --ssl-cert=…; a path
// in them may name a file the caller puts under Dir first, see Prepare).
// The server stops and its directory goes when the test ends.
func Start(tb testing.TB, extra ...string) *Server {
	tb.Helper()
	s := Prepare(tb)
	s.extra = extra
	s.Resume(tb)
	return s
}

// Prepare makes a server's directory and data without starting it: the
// caller writes files into Dir (certificates) and calls Resume after
// setting options with Options.
func Prepare(tb testing.TB) *Server {
	tb.Helper()
	daemon, install := lookBin("mariadbd", "mysqld"), lookBin("mariadb-install-db", "mysql_install_db")
	if daemon == "" || install == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatal("MariaDB (mariadbd, mariadb-install-db) not found under CI=true")
		}
		tb.Skip("MariaDB not installed; skipping (apt-get install mariadb-server)")
	}
	s := &Server{daemon: daemon}
	s.Dir, s.cred = servertest.UserDir(tb, "fsmon-mariadb-", "mysql", "mariadb-server")
	tmpl, err := s.template(install)
	if err != nil {
		tb.Fatal(err)
	}
	cp := exec.Command("cp", "-a", tmpl, s.data())
	if out, err := cp.CombinedOutput(); err != nil {
		tb.Fatalf("copy the mariadb-install-db template: %v\n%s", err, out)
	}
	port, err := servertest.FreePort()
	if err != nil {
		tb.Fatal(err)
	}
	s.Port = port
	tb.Cleanup(s.Stop)
	return s
}

// Options sets further mariadbd options for the next Resume.
func (s *Server) Options(extra ...string) { s.extra = extra }

// serverArgs keep the server small: a test registry needs little memory.
var serverArgs = []string{"--innodb-log-file-size=4M", "--innodb-buffer-pool-size=16M"}

// template returns a data directory mariadb-install-db made, cached
// across test processes under the temp directory (it takes seconds; a
// copy does not).
func (s *Server) template(install string) (string, error) {
	final := filepath.Join(os.TempDir(), fmt.Sprintf("fsmon-mariadb-install-v1-%d", os.Geteuid()))
	data := filepath.Join(final, "data")
	if fileExists(filepath.Join(data, "mysql", "user.frm")) || fileExists(filepath.Join(data, "mysql", "global_priv.frm")) {
		return data, nil
	}
	tmp, err := os.MkdirTemp(os.TempDir(), "fsmon-mariadb-install-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	if s.cred != nil {
		if err := os.Chown(tmp, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			return "", err
		}
	}
	// root@localhost with no password (not unix_socket, which would tie
	// it to the OS user running the test).
	args := append([]string{"--no-defaults", "--datadir=" + filepath.Join(tmp, "data"),
		"--auth-root-authentication-method=normal", "--skip-test-db"}, serverArgs...)
	cmd := exec.Command(install, args...)
	cmd.Dir = os.TempDir()
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("mariadb-install-db: %w\n%s", err, out)
	}
	// Another test process may have won the race; either copy will do.
	if err := os.Rename(tmp, final); err != nil {
		if !fileExists(filepath.Join(data, "mysql")) {
			return "", fmt.Errorf("keep the mariadb-install-db template: %w", err)
		}
	}
	return data, nil
}

func (s *Server) data() string { return filepath.Join(s.Dir, "data") }

// Socket is the server's unix socket.
func (s *Server) Socket() string { return filepath.Join(s.Dir, "sock") }

// Resume starts the (stopped) server again on its port and data, and
// waits until it takes connections.
func (s *Server) Resume(tb testing.TB) {
	tb.Helper()
	args := append([]string{"--no-defaults", "--datadir=" + s.data(), "--socket=" + s.Socket(),
		"--port=" + strconv.Itoa(s.Port), "--bind-address=127.0.0.1", "--skip-name-resolve",
		"--skip-log-bin", "--pid-file=" + filepath.Join(s.Dir, "pid"), "--log-error=" + s.logFile()}, serverArgs...)
	args = append(args, s.extra...)
	cmd := exec.Command(s.daemon, args...)
	cmd.Dir = os.TempDir()
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start mariadbd: %v", err)
	}
	s.cmd, s.exited = cmd, make(chan struct{})
	go func(c *exec.Cmd, done chan struct{}) { _ = c.Wait(); close(done) }(cmd, s.exited)
	deadline := time.Now().Add(60 * time.Second)
	for {
		db, err := s.open("")
		if err == nil {
			err = db.Ping()
			db.Close()
		}
		if err == nil {
			return
		}
		select {
		case <-s.exited:
			tb.Fatalf("mariadbd exited: %s", s.readLog())
		default:
		}
		if time.Now().After(deadline) {
			s.Stop()
			tb.Fatalf("mariadbd not up after 60s: %v\n%s", err, s.readLog())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop kills the server at once (connections are cut); it is safe to call
// twice. Tests use it to make the database unreachable.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.exited
	s.cmd = nil
}

// URL is a SQLAlchemy-style URL (scheme mysql+pymysql, mariadb+…) of
// database db over TCP for user with password.
func (s *Server) URL(scheme, user, password, db string) string {
	u := url.URL{Scheme: scheme, User: url.UserPassword(user, password), Host: fmt.Sprintf("127.0.0.1:%d", s.Port), Path: "/" + db}
	return u.String()
}

// open is a pool on database db as root over the socket.
func (s *Server) open(db string) (*sql.DB, error) {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Net, cfg.Addr, cfg.DBName = "root", "unix", s.Socket(), db
	cfg.Logger = log.New(io.Discard, "", 0)
	c, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(c), nil
}

// DB connects to database db as root; the pool closes when the test ends.
func (s *Server) DB(tb testing.TB, db string) *sql.DB {
	tb.Helper()
	d, err := s.open(db)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { d.Close() })
	return d
}

// Exec runs statements as root in database db ("" for none).
func (s *Server) Exec(tb testing.TB, db string, stmts ...string) {
	tb.Helper()
	servertest.Exec(tb, s.DB(tb, db), stmts...)
}

// logFile ends in .err: mariadbd adds it to a name without an extension.
func (s *Server) logFile() string { return filepath.Join(s.Dir, "mariadbd.err") }

func (s *Server) readLog() string {
	b, err := os.ReadFile(s.logFile())
	if errors.Is(err, os.ErrNotExist) {
		return "(no log)"
	}
	return string(b)
}
