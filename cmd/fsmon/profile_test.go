package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fsmon/fsmon/internal/pqwrite"
	"github.com/fsmon/fsmon/reference"
)

// profileFixture writes a view's offline store (data/: 40 rows, one a day
// from 2026-10-01, conv_rate null every 10th row, city a/b/c in turn) and
// a training snapshot (train/v1.parquet: 30 rows, conv_rate i/10, city "x"
// or "y"), and a config naming them. No Redis is needed: profile reads the
// offline side only.
func profileFixture(t *testing.T) (dir, cfg string) {
	t.Helper()
	dir = t.TempDir()
	cols := []pqwrite.Column{{Name: "driver_id", Type: "int64"}, {Name: "event_timestamp", Type: "timestamp"},
		{Name: "conv_rate", Type: "float64", Optional: true}, {Name: "city", Type: "string", Optional: true}}
	t0 := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	var data, train [][]any
	for i := 0; i < 40; i++ {
		v := any(float64(i) / 40)
		if i%10 == 0 {
			v = nil
		}
		data = append(data, []any{int64(i), t0.AddDate(0, 0, i), v, []string{"a", "b", "c"}[i%3]})
	}
	for i := 0; i < 30; i++ {
		train = append(train, []any{int64(i), t0, float64(i) / 10, []string{"x", "y"}[i%2]})
	}
	if err := pqwrite.Write(filepath.Join(dir, "data", "p.parquet"), cols, data); err != nil {
		t.Fatal(err)
	}
	if err := pqwrite.Write(filepath.Join(dir, "train", "v1.parquet"), cols, train); err != nil {
		t.Fatal(err)
	}
	cfg = filepath.Join(dir, "fsmon.yaml")
	err := os.WriteFile(cfg, []byte(fmt.Sprintf(`online: {redis: {addr: 127.0.0.1:1}}
offline: {parquet: {root: %s}}
feature_views:
  - name: drivers
    project: test
    entities: [driver_id]
    online: {layout: hash, key: "d:{driver_id}", timestamp_field: ts}
    offline: {path: data/*.parquet, timestamp_column: event_timestamp}
    features:
      - {name: conv_rate, type: float64}
      - {name: city, type: string}
`, dir)), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	return dir, cfg
}

// TestProfileCommand runs `fsmon profile` end to end: each source form
// writes a profile file whose counts are those of the rows written (known
// by construction), labelled and versioned as asked; bad flags and configs
// exit 2, an unreadable source or output 3.
func TestProfileCommand(t *testing.T) {
	dir, cfg := profileFixture(t)

	out := filepath.Join(dir, "profiles", "v1.fsprof")
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI("profile", "--config", cfg, "--view", "drivers", "--path", "train/v1.parquet",
		"--label", "ranker v3", "--version", "v3", "--out", out)
	if code != 0 {
		t.Fatalf("--path: exit %d\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, out) || !strings.Contains(stdout, `label "ranker v3"`) {
		t.Errorf("stdout: %s", stdout)
	}
	p, err := reference.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if p.Label != "ranker v3" || p.Version != "v3" {
		t.Errorf("label %q version %q", p.Label, p.Version)
	}
	num, cat := p.Features["conv_rate"].Numeric, p.Features["city"].Categorical
	if num == nil || num.N != 30 || num.Nulls != 0 || !num.Complete || len(num.Reservoir) != 30 {
		t.Fatalf("conv_rate profile %+v, want 30 values, all kept", num)
	}
	if cat == nil || cat.Counts["x"] != 15 || cat.Counts["y"] != 15 || len(cat.Counts) != 2 {
		t.Fatalf("city profile %+v, want x 15, y 15", cat)
	}

	// A time range of the view's own offline store: days 10..19 inclusive
	// are 10 rows, of which one (row 10) has no conv_rate; a reservoir of 4
	// keeps 4 of the 9 values and says so.
	rangeOut := filepath.Join(dir, "range.fsprof")
	code, stdout, stderr = runCLI("profile", "--config", cfg, "--view", "drivers", "--from", "2026-10-11", "--to", "2026-10-20",
		"--reservoir", "4", "--out", rangeOut)
	if code != 0 {
		t.Fatalf("--from/--to: exit %d\n%s%s", code, stdout, stderr)
	}
	p, err = reference.ReadFile(rangeOut)
	if err != nil {
		t.Fatal(err)
	}
	num, cat = p.Features["conv_rate"].Numeric, p.Features["city"].Categorical
	if num == nil || num.N != 9 || num.Nulls != 1 || num.Complete || len(num.Reservoir) != 4 {
		t.Fatalf("range conv_rate %+v, want 9 values, 1 null, 4 kept", num)
	}
	if cat == nil || cat.Counts["a"]+cat.Counts["b"]+cat.Counts["c"] != 10 {
		t.Fatalf("range city %+v, want 10 values", cat)
	}
	if p.Version == "" {
		t.Error("no default version")
	}
	if !strings.Contains(stdout, "4 kept") {
		t.Errorf("stdout does not say the reservoir is partial: %s", stdout)
	}

	for _, c := range []struct {
		name string
		args []string
		code int
		says string
	}{
		{"no view", []string{"--config", cfg, "--out", out, "--path", "train/v1.parquet"}, 2, "--view and --out are required"},
		{"no out", []string{"--config", cfg, "--view", "drivers"}, 2, "--view and --out are required"},
		{"two forms", []string{"--config", cfg, "--view", "drivers", "--out", out, "--path", "x", "--saved-dataset", "y"}, 2, "give one of"},
		{"bad time", []string{"--config", cfg, "--view", "drivers", "--out", out, "--from", "yesterday", "--to", "2026-10-20"}, 2, "--from and --to"},
		{"from after to", []string{"--config", cfg, "--view", "drivers", "--out", out, "--from", "2026-10-20", "--to", "2026-10-01"}, 2, "from before to"},
		{"unknown flag", []string{"--config", cfg, "--bogus"}, 2, "bogus"},
		{"missing config", []string{"--config", filepath.Join(dir, "nope.yaml"), "--view", "drivers", "--out", out}, 2, "nope.yaml"},
		{"missing source", []string{"--config", cfg, "--view", "drivers", "--out", out, "--path", "train/v9.parquet"}, 3, "v9"},
		{"unwritable output", []string{"--config", cfg, "--view", "drivers", "--path", "train/v1.parquet", "--out", filepath.Join(dir, "no", "such", "dir", "p.fsprof")}, 3, "p.fsprof"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(append([]string{"profile"}, c.args...)...)
			if code != c.code || !strings.Contains(stderr, c.says) {
				t.Errorf("exit %d, want %d; stderr lacks %q?\n%s%s", code, c.code, c.says, stdout, stderr)
			}
		})
	}
	if code, _, _ := runCLI("profile", "-h"); code != 0 {
		t.Errorf("-h: exit %d", code)
	}
	// The unknown view is named, and nothing is written.
	code, _, stderr = runCLI("profile", "--config", cfg, "--view", "nosuch", "--path", "train/v1.parquet", "--out", filepath.Join(dir, "x.fsprof"))
	if code == 0 || !strings.Contains(stderr, "nosuch") {
		t.Errorf("unknown view: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.fsprof")); !os.IsNotExist(err) {
		t.Errorf("a profile was written for an unknown view")
	}
}
