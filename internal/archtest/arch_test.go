// Package archtest holds the test that keeps the direction of imports of
// ARCHITECTURE.md: statistics and checks stay pure, stores do not know the
// config, and nothing imports the wiring.
package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

const mod = "github.com/fsmon/fsmon/"

// deps lists what pkg depends on: every fsmon package in its dependency
// closure, and its own direct imports of anything else (a library's own use
// of os is not pkg doing I/O).
func deps(t *testing.T, pkg string) []string {
	t.Helper()
	all, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", mod+pkg).Output()
	if err != nil {
		t.Fatalf("go list %s: %v", pkg, err)
	}
	direct, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, mod+pkg).Output()
	if err != nil {
		t.Fatalf("go list %s: %v", pkg, err)
	}
	var out []string
	for _, d := range strings.Fields(string(all)) {
		if strings.HasPrefix(d, mod) {
			out = append(out, d)
		}
	}
	return append(out, strings.Fields(string(direct))...)
}

func TestImportDirection(t *testing.T) {
	rules := []struct {
		pkg       string
		forbidden []string
	}{
		{"stats", []string{mod, "net", "os", "log/slog", "github.com/prometheus/", "github.com/redis/", "github.com/parquet-go/"}},
		{"sample", []string{mod + "config", mod + "checks", "net", "github.com/"}},
		{"checks", []string{mod + "redisstore", mod + "parquetstore", mod + "metrics", mod + "alerts", mod + "app", "net", "os", "context", "log/slog", "github.com/prometheus/client_golang", "github.com/redis/", "github.com/parquet-go/"}},
		{"redisstore", []string{mod + "config", mod + "parquetstore", mod + "checks", mod + "app"}},
		{"parquetstore", []string{mod + "config", mod + "redisstore", mod + "checks", mod + "app"}},
		// references: read and cached on the store side, chosen by app.
		{"reference", []string{mod + "config", mod + "redisstore", mod + "checks", mod + "app", mod + "metrics", mod + "alerts"}},
		{"feast", []string{mod + "config", mod + "app", "net"}},
		{"metrics", []string{mod + "app", mod + "redisstore", mod + "parquetstore"}},
		{"alerts", []string{mod + "app", mod + "redisstore", mod + "parquetstore"}},
		{"dashboards", []string{mod + "app", mod + "redisstore", mod + "parquetstore"}},
		{"statuspage", []string{mod + "app", mod + "redisstore", mod + "parquetstore"}},
		{"present", []string{mod + "app", mod + "redisstore", mod + "parquetstore", mod + "alerts", mod + "metrics", "net", "os", "github.com/prometheus/", "github.com/redis/"}},
		{"internal/blob", []string{mod}},
		// panics is a leaf every package may use, internal/blob included.
		{"internal/panics", []string{mod}},
		{"config", []string{mod + "app", mod + "redisstore", mod + "parquetstore", mod + "checks"}},
	}
	for _, r := range rules {
		for _, d := range deps(t, r.pkg) {
			if d == mod+r.pkg || d == mod+"internal/panics" {
				continue
			}
			for _, f := range r.forbidden {
				// "net" forbids net and net/...; a module prefix forbids
				// everything below it.
				if d == f || strings.HasPrefix(d, strings.TrimSuffix(f, "/")+"/") {
					t.Errorf("%s imports %s (forbidden: %s)", r.pkg, d, f)
				}
			}
		}
	}
}
