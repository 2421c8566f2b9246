package main

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestMemoryLimitFlag(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })
	t.Setenv("GOMEMLIMIT", "")
	if err := setMemoryLimit("512MiB"); err != nil {
		t.Fatal(err)
	}
	if got := debug.SetMemoryLimit(-1); got != 512<<20 {
		t.Errorf("limit %d after --memory.limit 512MiB", got)
	}
	if err := setMemoryLimit(DefaultMemoryLimit); err != nil {
		t.Fatal(err)
	}
	if got := debug.SetMemoryLimit(-1); got != 1<<30 {
		t.Errorf("default limit %d, want 1GiB", got)
	}
	// An operator's GOMEMLIMIT wins over the default, not over the flag.
	t.Setenv("GOMEMLIMIT", "300MiB")
	debug.SetMemoryLimit(300 << 20)
	if err := setMemoryLimit(DefaultMemoryLimit); err != nil || debug.SetMemoryLimit(-1) != 300<<20 {
		t.Errorf("GOMEMLIMIT overridden by the default flag: %v", err)
	}
	for _, args := range [][]string{
		{"serve", "--memory.limit", "lots"},
		{"serve", "--checks.max-concurrent", "0"},
		{"check", "--memory.limit", "-5MiB"},
	} {
		code, _, stderr := runCLI(args...)
		if code != 2 || !strings.Contains(stderr, args[1]) {
			t.Errorf("fsmon %v: exit %d, stderr %q; want 2 naming the flag", args, code, stderr)
		}
	}
}
