package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/internal/redistest"
	"github.com/fsmon/fsmon/report"
)

// -h prints a command's flags and exits 0; a bad --log.level is a usage
// error. Neither panics (promslog's zero Level used to, in flag's
// PrintDefaults).
func TestHelpAndBadLogLevel(t *testing.T) {
	for _, cmd := range []string{"serve", "check", "demo", "validate", "version"} {
		code, _, errOut := runCLI(cmd, "-h")
		if strings.Contains(errOut, "panic") {
			t.Errorf("%s -h panics:\n%s", cmd, errOut)
		}
		if cmd == "version" {
			continue
		}
		if code != 0 || !strings.Contains(errOut, "-config") && cmd != "demo" {
			t.Errorf("%s -h: exit %d\n%s", cmd, code, errOut)
		}
		if cmd != "validate" && !strings.Contains(errOut, "-log.level") {
			t.Errorf("%s -h does not list -log.level:\n%s", cmd, errOut)
		}
	}
	for _, cmd := range []string{"serve", "check", "demo"} {
		code, _, errOut := runCLI(cmd, "--log.level=loud")
		if code != 2 || strings.Contains(errOut, "panic") || !strings.Contains(errOut, `invalid value "loud" for flag -log.level`) {
			t.Errorf("%s --log.level=loud: exit %d\n%s", cmd, code, errOut)
		}
	}
}

// failingWriter fails every write, like a full disk or a closed pipe.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, syscall.ENOSPC }

// A report that cannot be written (a write or its close fails) is exit 3,
// unless the gate failed anyway.
func TestCheckOutputErrors(t *testing.T) {
	srv := redistest.Start(t)
	dir := store(t, srv.Addr)
	cfg := writeConfig(t, dir, srv.Addr)
	if _, err := os.Stat("/dev/full"); err == nil {
		code, _, errOut := runCLI("check", "--config", cfg, "--only", "test/healthy", "--output", "/dev/full")
		if code != report.ExitCouldNot || !strings.Contains(errOut, "/dev/full") {
			t.Errorf("--output /dev/full: exit %d, stderr %q; want 3 naming the file", code, errOut)
		}
		code, _, _ = runCLI("check", "--config", cfg, "--output", "/dev/full")
		if code != report.ExitGate {
			t.Errorf("--output /dev/full with a failed gate: exit %d, want 1", code)
		}
	}
	code, _, errOut := runCLI("check", "--config", cfg, "--only", "healthy", "--output", filepath.Join(dir, "no", "such", "dir", "r.json"))
	if code != report.ExitCouldNot || !strings.Contains(errOut, "r.json") {
		t.Errorf("--output into a missing directory: exit %d, stderr %q", code, errOut)
	}
	rep := report.New("0", time.Now(), time.Now(), []checks.Result{{Check: "freshness", Status: checks.OK}})
	for _, format := range []string{"text", "json"} {
		if err := writeReport(rep, format, "", failingWriter{}); !errors.Is(err, syscall.ENOSPC) {
			t.Errorf("%s to a failing stdout: err %v, want ENOSPC", format, err)
		}
	}
}
