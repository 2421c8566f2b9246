package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fsmon/fsmon/internal/lockedbuf"
	"github.com/fsmon/fsmon/internal/redistest"
)

// TestChaos runs `fsmon serve` against a real redis-server and a Parquet
// directory while the world misbehaves: Redis is killed and comes back,
// its password is rotated under fsmon's feet, reloads arrive in a flood,
// and damaged files appear in the offline path. Throughout, fsmon must not
// crash, must show the trouble in its metrics, must recover by itself
// within a few intervals of each disruption ending, and must exit 0 on
// SIGTERM.
func TestChaos(t *testing.T) {
	srv := redistest.Start(t, "appendonly yes", "appendfsync always")
	dir := store(t, srv.Addr)
	cfg := writeConfig(t, dir, srv.Addr)
	pwFile := filepath.Join(dir, "redis-password")
	setPassword := func(old, pw string) {
		t.Helper()
		rdb := redistest.Client(t, srv.Addr)
		if old != "" {
			if err := rdb.Do(context.Background(), "AUTH", old).Err(); err != nil {
				t.Fatal(err)
			}
		}
		if err := rdb.ConfigSet(context.Background(), "requirepass", pw).Err(); err != nil {
			t.Fatal(err)
		}
		// Drop fsmon's authenticated connections, as an operator rotating
		// a password does.
		_ = rdb.Do(context.Background(), "CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes").Err()
		rdb.Close()
	}
	setPassword("", "first")
	if err := os.WriteFile(pwFile, []byte("first\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	withPW := strings.Replace(string(data), "    rate_limit: 0\n", "    rate_limit: 0\n    password_file: "+pwFile+"\n", 1)
	if err := os.WriteFile(cfg, []byte(withPW), 0o644); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hup := make(chan os.Signal, 1)
	var o, e lockedbuf.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--config", cfg, "--web.listen-address", "127.0.0.1:0"}, &o, &e, hup)
	}()
	waitLog(t, &e, "fsmon started")
	m := regexp.MustCompile(`msg="fsmon started" address=(\S+)`).FindStringSubmatch(e.String())
	if m == nil {
		t.Fatalf("no address in the log:\n%s", e.String())
	}
	metricsURL := "http://" + m[1] + "/metrics"
	crashed := func() {
		t.Helper()
		select {
		case code := <-done:
			t.Fatalf("serve exited (%d) during chaos:\n%s", code, e.String())
		default:
		}
	}
	scrape := func() string {
		t.Helper()
		crashed()
		resp, err := http.Get(metricsURL)
		if err != nil {
			t.Fatalf("scrape: %v", err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	value := func(body, series string) float64 {
		for _, l := range strings.Split(body, "\n") {
			if strings.HasPrefix(l, series+" ") {
				v, _ := strconv.ParseFloat(strings.TrimPrefix(l, series+" "), 64)
				return v
			}
		}
		return 0
	}
	const (
		okRuns  = `fsmon_check_runs_total{check="freshness",result="success"}`
		errRuns = `fsmon_check_runs_total{check="freshness",result="error"}`
		healthy = `fsmon_check_status{check="freshness",feature="",feature_view="healthy",project="test",store=""}`
	)
	// until polls the metrics until cond holds. The interval is 1s, and so
	// is a run's deadline: on a loaded CI machine a run can stall past it
	// and end in an error, so the limits are ten intervals. A daemon that
	// does not recover by itself meets none of them.
	until := func(what string, limit time.Duration, cond func(body string) bool) {
		t.Helper()
		deadline := time.Now().Add(limit)
		for {
			body := scrape()
			if cond(body) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within %s\n%s", what, limit, grep(body, "freshness"))
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	recovered := func(what string) {
		t.Helper()
		base := value(scrape(), okRuns)
		until(what+": a successful run with freshness ok", 10*time.Second, func(b string) bool {
			return value(b, okRuns) > base && value(b, healthy) == 0 && strings.Contains(b, healthy+" 0")
		})
	}
	failing := func(what string) {
		t.Helper()
		base := value(scrape(), errRuns)
		until(what+": errors counted", 10*time.Second, func(b string) bool { return value(b, errRuns) > base })
	}

	recovered("start")

	// 1. Redis dies and comes back (its AOF keeps the data).
	srv.Stop()
	failing("redis killed")
	srv.Resume(t)
	setPassword("", "first") // CONFIG SET does not survive a restart
	recovered("redis restarted")

	// 2. The password is rotated under fsmon: auth fails until the new
	// password is in the file and fsmon reloads.
	setPassword("first", "second")
	failing("password rotated")
	if err := os.WriteFile(pwFile, []byte("second\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	hup <- syscall.SIGHUP
	recovered("new password reloaded")

	// 3. A reload flood (20 reloads in about 4s): checks keep completing.
	// A reload that postponed the runs, or aborted them, would leave none;
	// more than one is not asked for, as a loaded machine can stall a run
	// past its 1s deadline.
	base := value(scrape(), okRuns)
	start := time.Now()
	for i := 0; i < 20; i++ {
		hup <- syscall.SIGHUP
		time.Sleep(time.Duration(100+(i*53)%200) * time.Millisecond)
	}
	if n := value(scrape(), okRuns) - base; n < 1 {
		t.Errorf("no successful run during a reload flood of %v at a 1s interval", time.Since(start).Round(time.Millisecond))
	}
	recovered("reload flood")

	// 4. Damaged files in the offline path: a footer claiming 4 GB, a
	// truncated file, an empty one, and a FIFO nobody writes.
	for name, content := range map[string]string{
		"huge.parquet":      "PAR1" + strings.Repeat("\x00", 64) + "\xf0\xff\xff\xff" + "PAR1",
		"truncated.parquet": "PAR1\x15\x00",
		"empty.parquet":     "",
	} {
		if err := os.WriteFile(filepath.Join(dir, "healthy", name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "healthy", "fifo.parquet"), 0o644); err != nil {
		t.Fatal(err)
	}
	base = value(scrape(), okRuns) + value(scrape(), errRuns)
	until("runs go on with damaged files", 10*time.Second, func(b string) bool {
		return value(b, okRuns)+value(b, errRuns) >= base+2
	})
	crashed()

	// SIGTERM: a clean exit.
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exit %d after SIGTERM\n%s", code, e.String())
		}
	case <-time.After(40 * time.Second):
		t.Fatal("serve did not stop after SIGTERM")
	}
	if strings.Contains(e.String(), "panic") {
		t.Errorf("a panic was logged:\n%s", e.String())
	}
	fmt.Fprintln(io.Discard, o.String())
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
