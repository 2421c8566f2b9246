package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// aliasBomb is a config whose one view (with 300 features) is aliased
// n times: a few hundred KB that would expand to n × 1,500 YAML nodes.
func aliasBomb(n int) string {
	var b strings.Builder
	b.WriteString("feature_views:\n  - &v\n    name: v0\n    entities: [id]\n    online: {layout: hash, key: 'k:{id}', timestamp_field: ts}\n    features:\n")
	for i := 0; i < 300; i++ {
		b.WriteString("      - {name: f" + itoa(i) + ", type: float64}\n")
	}
	for i := 0; i < n; i++ {
		b.WriteString("  - *v\n")
	}
	return b.String()
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var d []byte
	for ; i > 0; i /= 10 {
		d = append([]byte{byte('0' + i%10)}, d...)
	}
	return string(d)
}

// TestAliasAmplificationRefused: a config aliasing a large anchor 20,000
// times is refused with one error at the alias that crosses the limit,
// instead of being walked (tens of seconds and a gigabyte before the
// limit existed).
func TestAliasAmplificationRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bomb.yaml")
	if err := os.WriteFile(path, []byte(aliasBomb(20000)), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	var es *Errors
	if !errors.As(err, &es) || len(*es) != 1 {
		t.Fatalf("got %v, want one error", err)
	}
	e := (*es)[0]
	// Counted by hand: the view mapping is 1 + name (2) + entities (3) +
	// online (8) + features (2 + 300 × 5) = 1,516 nodes; with the top
	// mapping, its key and the sequence, 1,519 are written before the
	// first alias (line 307). Each alias adds 1 + 1,516 = 1,517, so the
	// k-th crosses MaxNodes when 1,519 + 1,517k > 500,000: k = 329, on
	// line 306 + 329 = 635, column 5 (the "*v").
	if e.File != path || e.Line != 635 || e.Column != 5 || !strings.Contains(e.Msg, "alias *v expands the config beyond 500000 YAML nodes") {
		t.Errorf("error %q at %d:%d, want the alias on line 635, column 5", e.Msg, e.Line, e.Column)
	}
	// The same view aliased a few times is a fine config (it fails only
	// for the duplicate names).
	_, err = Parse([]byte(aliasBomb(3)), "ok.yaml")
	if err == nil || strings.Contains(err.Error(), "YAML nodes") {
		t.Errorf("a small aliased config: %v", err)
	}
}

func TestConfigFileSizeLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.yaml")
	data := []byte("# " + strings.Repeat("x", MaxFileBytes) + "\n")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	var es *Errors
	if !errors.As(err, &es) || len(*es) != 1 || (*es)[0].Line != 1 || !strings.Contains((*es)[0].Msg, "larger than the limit") {
		t.Fatalf("got %v, want the size limit at line 1", err)
	}
	if _, err := Parse(data, "big.yaml"); err == nil || !strings.Contains(err.Error(), "big.yaml:1:1: config is larger than the limit") {
		t.Errorf("Parse: %v", err)
	}
}

// A config path that is not a regular file (a FIFO nobody writes) is
// refused instead of blocking the read forever.
func TestConfigNotARegularFile(t *testing.T) {
	if _, err := Load(t.TempDir()); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a directory as config: %v", err)
	}
}
