package main

import (
	"strings"
	"testing"
	"time"

	"github.com/fsmon/fsmon/internal/lockedbuf"
)

func waitLog(t *testing.T, b *lockedbuf.Buffer, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(b.String(), want) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%q did not appear in:\n%s", want, b.String())
}
