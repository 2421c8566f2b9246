// Package pgtest starts a real PostgreSQL server (Debian's, initdb and
// pg_ctl) on a free loopback port for tests, in a fresh data directory.
// initdb refuses to run as root, so under root the server runs as the
// postgres system user. Without PostgreSQL the test is skipped, except
// under CI=true where a missing server is a failure.
package pgtest

import (
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/fsmon/fsmon/internal/servertest"
)

// SuperUser and SuperPassword are the server's superuser. They are test
// values, not secrets.
const (
	SuperUser     = "postgres"
	SuperPassword = "fsmon-test-superuser"
)

// Server is a running PostgreSQL owned by one test.
type Server struct {
	// Port is the TCP port on 127.0.0.1.
	Port int
	// Dir holds the data directory and the log.
	Dir  string
	bin  string
	cred *syscall.Credential
	up   bool
}

// Bin returns the directory of initdb and pg_ctl: FSMON_PG_BIN, else the
// newest /usr/lib/postgresql/*/bin, else the one of initdb on PATH. It
// skips (or fails under CI=true) tb when there is none.
func Bin(tb testing.TB) string {
	tb.Helper()
	if d := os.Getenv("FSMON_PG_BIN"); d != "" {
		return d
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(dirs[i]))))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(dirs[j]))))
		return vi > vj
	})
	if len(dirs) > 0 {
		return filepath.Dir(dirs[0])
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p)
	}
	if os.Getenv("CI") == "true" {
		tb.Fatal("PostgreSQL (initdb) not found under CI=true")
	}
	tb.Skip("PostgreSQL not installed; skipping (apt-get install postgresql)")
	return ""
}

// Start initializes a data directory and starts PostgreSQL on a free
// 127.0.0.1 port with password (scram-sha-256) authentication over TCP. The
// server stops and its directory goes when the test ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{bin: Bin(tb)}
	s.Dir, s.cred = servertest.UserDir(tb, "fsmon-pgtest-", "postgres", "postgresql")
	tmpl, err := s.template()
	if err != nil {
		tb.Fatal(err)
	}
	if out, err := exec.Command("cp", "-a", tmpl, s.data()).CombinedOutput(); err != nil {
		tb.Fatalf("copy the initdb template: %v\n%s", err, out)
	}
	port, err := servertest.FreePort()
	if err != nil {
		tb.Fatal(err)
	}
	s.Port = port
	tb.Cleanup(s.Stop)
	s.Resume(tb)
	return s
}

// template returns a data directory initdb made, cached across test
// processes under the temp directory (initdb takes seconds; a copy does
// not). Servers start from copies of it.
func (s *Server) template() (string, error) {
	final := filepath.Join(os.TempDir(), fmt.Sprintf("fsmon-pgtest-initdb-v1-%s-%d", filepath.Base(filepath.Dir(s.bin)), os.Geteuid()))
	data := filepath.Join(final, "data")
	if _, err := os.Stat(filepath.Join(data, "PG_VERSION")); err == nil {
		return data, nil
	}
	tmp, err := os.MkdirTemp(os.TempDir(), "fsmon-pgtest-initdb-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	pwfile := filepath.Join(tmp, "pw")
	if err := os.WriteFile(pwfile, []byte(SuperPassword+"\n"), 0o600); err != nil {
		return "", err
	}
	if s.cred != nil {
		for _, p := range []string{tmp, pwfile} {
			if err := os.Chown(p, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
				return "", err
			}
		}
	}
	cmd := s.command("initdb", "-D", filepath.Join(tmp, "data"), "-U", SuperUser, "--pwfile="+pwfile,
		"--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--no-sync")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("initdb: %w\n%s", err, out)
	}
	os.Remove(pwfile)
	// Another test process may have won the race; either copy will do.
	if err := os.Rename(tmp, final); err != nil {
		if _, serr := os.Stat(filepath.Join(data, "PG_VERSION")); serr != nil {
			return "", fmt.Errorf("keep the initdb template: %w", err)
		}
	}
	return data, nil
}

func (s *Server) data() string { return filepath.Join(s.Dir, "data") }

// command is a PostgreSQL binary run as the server's user.
func (s *Server) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(s.bin, name), args...)
	cmd.Dir = os.TempDir()
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	return cmd
}

// run runs a PostgreSQL binary as the server's user.
func (s *Server) run(name string, args ...string) ([]byte, error) {
	return s.command(name, args...).CombinedOutput()
}

// Resume starts the (stopped) server again on its port and data.
func (s *Server) Resume(tb testing.TB) {
	tb.Helper()
	opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -k %s -c fsync=off -c max_connections=20", s.Port, s.Dir)
	if out, err := s.run("pg_ctl", "start", "-w", "-t", "60", "-D", s.data(), "-l", filepath.Join(s.Dir, "log"), "-o", opts); err != nil {
		log, _ := os.ReadFile(filepath.Join(s.Dir, "log"))
		tb.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
	s.up = true
}

// Stop stops the server at once (connections are cut); it is safe to call
// twice. Tests use it to make the database unreachable.
func (s *Server) Stop() {
	if !s.up {
		return
	}
	_, _ = s.run("pg_ctl", "stop", "-w", "-m", "immediate", "-D", s.data())
	s.up = false
}

// URL is a SQLAlchemy-style URL of database db for user with password.
func (s *Server) URL(scheme, user, password, db string) string {
	u := url.URL{Scheme: scheme, User: url.UserPassword(user, password), Host: fmt.Sprintf("127.0.0.1:%d", s.Port), Path: "/" + db}
	return u.String()
}

// DB connects to database db as the superuser; the pool closes when the
// test ends.
func (s *Server) DB(tb testing.TB, db string) *sql.DB {
	tb.Helper()
	cfg, err := pgx.ParseConfig(s.URL("postgres", SuperUser, SuperPassword, db) + "?sslmode=disable")
	if err != nil {
		tb.Fatal(err)
	}
	d := stdlib.OpenDB(*cfg)
	tb.Cleanup(func() { d.Close() })
	return d
}

// Exec runs statements as the superuser in database db.
func (s *Server) Exec(tb testing.TB, db string, stmts ...string) {
	tb.Helper()
	servertest.Exec(tb, s.DB(tb, db), stmts...)
}

// Log is the server's log so far.
func (s *Server) Log(tb testing.TB) string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(s.Dir, "log"))
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}
