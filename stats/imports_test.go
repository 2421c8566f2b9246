package stats

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImports keeps the package pure (ARCHITECTURE.md): only the standard
// library (no I/O, network or logging packages) and gonum.
func TestImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	forbidden := []string{"os", "net", "log", "io", "time", "syscall", "unsafe", "github.com/fsmon/"}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range af.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if strings.Contains(p, ".") && !strings.HasPrefix(p, "gonum.org/v1/gonum/") {
				t.Errorf("%s imports %s: only the standard library and gonum are allowed", f, p)
			}
			for _, bad := range forbidden {
				if p == bad || strings.HasPrefix(p, bad+"/") || strings.HasPrefix(p, bad) && strings.HasSuffix(bad, "/") {
					t.Errorf("%s imports %s, which stats must not use", f, p)
				}
			}
		}
	}
}
