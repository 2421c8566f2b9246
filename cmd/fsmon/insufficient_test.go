package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fsmon/fsmon/internal/pqwrite"
	"github.com/fsmon/fsmon/internal/redistest"
)

// TestCheckInsufficientSample: a view of 3 entities whose conv_rate is null
// in 2 of them (a 67% null rate, crit, from 3 rows). Under the default
// min_sample (100) the null-rate results are insufficient: the gate passes
// with --fail-on crit (exit 0) and fails with --fail-on warn (exit 1); the
// report says insufficient with the value and its interval. With
// min_sample 3 the same data is judged crit (exit 1).
func TestCheckInsufficientSample(t *testing.T) {
	srv := redistest.Start(t)
	dir := t.TempDir()
	now := time.Now()
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer rdb.Close()
	cols := []pqwrite.Column{{Name: "id", Type: "int64"}, {Name: "ts", Type: "timestamp"}, {Name: "conv_rate", Type: "float64", Optional: true}}
	var rows [][]any
	for id := 1; id <= 3; id++ {
		ts := now.Add(-time.Duration(id) * time.Minute)
		v, text := any(nil), ""
		if id == 3 {
			v, text = 0.5, "0.5"
		}
		rows = append(rows, []any{int64(id), ts, v})
		if err := rdb.HSet(context.Background(), fmt.Sprintf("tiny:%d", id), "ts", fmt.Sprint(ts.Unix()), "conv_rate", text).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if err := pqwrite.Write(filepath.Join(dir, "tiny", "p.parquet"), cols, rows); err != nil {
		t.Fatal(err)
	}
	writeCfg := func(minSample string) string {
		cfg := fmt.Sprintf(`online: {redis: {addr: %s, rate_limit: 0}}
offline: {parquet: {root: %s}}
%sfeature_views:
  - name: tiny
    project: test
    entities: [id]
    ttl: 24h
    online: {layout: hash, key: "tiny:{id}", timestamp_field: ts}
    offline: {path: tiny/*.parquet, timestamp_column: ts}
    features: [{name: conv_rate, type: float64}]
`, srv.Addr, dir, minSample)
		p := filepath.Join(dir, "fsmon.yaml")
		if err := os.WriteFile(p, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cfg := writeCfg("")

	code, out, errOut := runCLI("check", "--config", cfg)
	if code != 0 {
		t.Fatalf("default gate (crit) over insufficient samples: exit %d, want 0\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "INSUFFICIENT") || !strings.Contains(out, "insufficient sample: 3 values, fewer than min_sample 100") ||
		!strings.Contains(out, "66.67% (20.77–93.85%)") || !strings.Contains(out, "insufficient sample: 1 non-null values on the smaller side") {
		t.Errorf("text report:\n%s", out)
	}
	if code, out, _ := runCLI("check", "--config", cfg, "--fail-on", "warn"); code != 1 {
		t.Errorf("--fail-on warn over insufficient samples: exit %d, want 1\n%s", code, out)
	}

	code, out, _ = runCLI("check", "--config", cfg, "--format", "json")
	var rep struct {
		Status  string `json:"status"`
		Results []struct {
			Check, Store, Status string
			Value                *float64
			Interval             *struct{ Lower, Upper float64 }
			Details              map[string]any
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("exit %d, not JSON: %v\n%s", code, err, out)
	}
	if rep.Status != "insufficient" {
		t.Errorf("report status %q, want insufficient", rep.Status)
	}
	n := 0
	for _, r := range rep.Results {
		if r.Check != "null_rate" {
			continue
		}
		n++
		// statsmodels: proportion_confint(2, 3, method="wilson")
		if r.Status != "insufficient" || r.Value == nil || *r.Value != 2.0/3 || r.Interval == nil ||
			math.Abs(r.Interval.Lower-0.2076596008020477) > 1e-12 || math.Abs(r.Interval.Upper-0.9385080552796037) > 1e-12 || r.Details["min_sample"] != 100.0 {
			t.Errorf("null_rate %s: %+v", r.Store, r)
		}
	}
	if n != 2 {
		t.Errorf("%d null_rate results, want 2 (online, offline)", n)
	}

	cfg = writeCfg("min_sample: 3\n")
	if code, out, _ := runCLI("check", "--config", cfg); code != 1 || !strings.Contains(out, "CRIT") {
		t.Errorf("min_sample 3: exit %d, want 1 (crit)\n%s", code, out)
	}
}
