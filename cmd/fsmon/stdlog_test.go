package main

import (
	"bytes"
	stdlog "log"
	"log/slog"
	"os"
	"strings"
	"testing"
)

// TestLibraryLogIsStructured: lines a library prints through the standard
// log package (parquet-go's warnings) reach the structured log at warn
// level, not raw standard error.
func TestLibraryLogIsStructured(t *testing.T) {
	defer stdlog.SetOutput(os.Stderr)
	defer stdlog.SetFlags(stdlog.LstdFlags)
	var buf bytes.Buffer
	useLogger(slog.New(slog.NewTextHandler(&buf, nil)))
	stdlog.Printf("WARNING: DECIMAL annotated with Int64 should have a precision >= 10, got %d", 12)
	out := buf.String()
	want := `level=WARN msg="library log" text="WARNING: DECIMAL annotated with Int64 should have a precision >= 10, got 12"`
	if !strings.Contains(out, want) || strings.Count(out, "\n") != 1 {
		t.Errorf("log line %q, want one line with %s", out, want)
	}
}
