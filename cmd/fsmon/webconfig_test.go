package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fsmon/fsmon/internal/lockedbuf"
	"github.com/fsmon/fsmon/internal/redistest"
)

// TestBadWebConfigFailsFast: serve and demo refuse to start when the web
// config file is missing or broken: they exit 1 at once with the reason,
// instead of logging "Listening on" and serving nothing.
func TestBadWebConfigFailsFast(t *testing.T) {
	srv := redistest.Start(t)
	dir := store(t, srv.Addr)
	cfg := writeConfig(t, dir, srv.Addr)
	broken := filepath.Join(t.TempDir(), "web.yml")
	if err := os.WriteFile(broken, []byte("tls_server_config: [unclosed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	noCert := filepath.Join(t.TempDir(), "web-nocert.yml")
	if err := os.WriteFile(noCert, []byte("tls_server_config:\n  cert_file: /nonexistent/server.crt\n  key_file: /nonexistent/server.key\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "absent.yml")
	cases := []struct {
		name, cmd, web, want string
	}{
		{"serve missing", "serve", missing, "absent.yml"},
		{"serve broken", "serve", broken, "web.yml"},
		{"serve missing cert", "serve", noCert, "server.crt"},
		{"demo missing", "demo", missing, "absent.yml"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := []string{c.cmd, "--web.listen-address", "127.0.0.1:0", "--web.config.file", c.web}
			if c.cmd == "serve" {
				args = append(args, "--config", cfg)
			}
			var o, e lockedbuf.Buffer
			done := make(chan int, 1)
			go func() { done <- run(context.Background(), args, &o, &e, nil) }()
			select {
			case code := <-done:
				if code != 1 {
					t.Errorf("exit %d, want 1\n%s", code, e.String())
				}
			case <-time.After(60 * time.Second):
				t.Fatalf("%s kept running with a bad web config:\n%s", c.cmd, e.String())
			}
			if !strings.Contains(e.String(), c.want) {
				t.Errorf("stderr does not name %q:\n%s", c.want, e.String())
			}
			if strings.Contains(e.String(), "Listening on") {
				t.Errorf("%s logged Listening on with a bad web config:\n%s", c.cmd, e.String())
			}
		})
	}
}
