package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fsmon/fsmon/internal/pqwrite"
	"github.com/fsmon/fsmon/internal/redistest"
)

type replResult struct {
	Check, Feature, Store, Status, Error, Message string
	FeatureView                                   string   `json:"feature_view"`
	Value                                         *float64 `json:"value"`
	Details                                       map[string]any
}

// replCheck runs `fsmon check --format json` and returns the exit code and
// the results by check and store.
func replCheck(t *testing.T, cfg string) (int, map[[2]string]replResult) {
	t.Helper()
	code, out, errOut := runCLI("check", "--config", cfg, "--format", "json")
	var rep struct{ Results []replResult }
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("exit %d, not JSON: %v\n%s%s", code, err, out, errOut)
	}
	byKey := map[[2]string]replResult{}
	for _, r := range rep.Results {
		if r.Feature == "" || r.Feature == "conv_rate" {
			byKey[[2]string{r.Check, r.Store}] = r
		}
	}
	return code, byKey
}

func detail(r replResult, k string) float64 {
	v, _ := r.Details[k].(float64)
	return v
}

// TestCheckCrossRegionReplica monitors a primary and a real replica of it
// (REPLICAOF). While the replica applies no writes (CLIENT PAUSE WRITE on
// it: it still serves reads, the writes from its primary wait), the primary
// is updated: the replication check shows the lag and the mismatches, and
// recovers once replication resumes. A replica that is down is an error
// result of that store only.
func TestCheckCrossRegionReplica(t *testing.T) {
	primary := redistest.Start(t)
	replica := redistest.StartReplica(t, primary.Addr)
	ctx := context.Background()
	pc := redis.NewClient(&redis.Options{Addr: primary.Addr})
	defer pc.Close()
	rc := redis.NewClient(&redis.Options{Addr: replica.Addr})
	defer rc.Close()

	dir := t.TempDir()
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	cols := []pqwrite.Column{{Name: "driver_id", Type: "int64"}, {Name: "ts", Type: "timestamp"}, {Name: "conv_rate", Type: "float64"}}
	var rows [][]any
	for id := 1; id <= 200; id++ {
		conv := float64(id) / 200
		rows = append(rows, []any{int64(id), old, conv})
		if err := pc.HSet(ctx, fmt.Sprintf("d:%d", id), "ts", old.Unix(), "conv_rate", conv).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if err := pqwrite.Write(filepath.Join(dir, "d.parquet"), cols, rows); err != nil {
		t.Fatal(err)
	}
	redistest.WaitSynced(t, primary.Addr, 1)

	gone := redistest.Start(t) // a replica region that is down
	gone.Stop()
	config := func(name string, replicas ...string) string {
		text := fmt.Sprintf("sample_size: 1000\nonline:\n  redis: {addr: %s, rate_limit: 0, timeout: 2s}\n  replicas:\n", primary.Addr)
		for i, addr := range replicas {
			text += fmt.Sprintf("    - {name: %s, addr: %s, rate_limit: 0, timeout: 2s}\n", []string{"us-west-2", "eu-west-1"}[i], addr)
		}
		text += fmt.Sprintf(`offline: {parquet: {root: %s}}
feature_views:
  - name: drivers
    project: test
    entities: [driver_id]
    ttl: 24h
    online: {layout: hash, key: "d:{driver_id}", timestamp_field: ts}
    offline: {path: d.parquet, timestamp_column: ts}
    features: [{name: conv_rate, type: float64}]
`, dir)
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	one := config("one.yaml", replica.Addr)

	// In sync: every sampled entity matches, no lag; the replica's own
	// online checks are reported under its name.
	code, rs := replCheck(t, one)
	repl := rs[[2]string{"replication", "us-west-2"}]
	if code != 0 || repl.Status != "ok" || repl.Value == nil || *repl.Value != 1 || detail(repl, "compared") != 200 || detail(repl, "lag_max_seconds") != 0 {
		t.Fatalf("in sync: exit %d, replication %+v", code, repl)
	}
	for _, k := range [][2]string{{"freshness", "us-west-2"}, {"null_rate", "us-west-2"}, {"coverage", "us-west-2"}, {"consistency", "us-west-2"}, {"freshness", ""}} {
		if r, ok := rs[k]; !ok || r.Status != "ok" {
			t.Errorf("in sync: %v = %+v, want ok", k, r)
		}
	}

	// Pause the replica's applying of writes, then write on the primary:
	// drivers 1-100 get a new event an hour later (same value), 101-110
	// a new value at the same event time, 201-220 are new.
	if err := rc.Do(ctx, "CLIENT", "PAUSE", 120000, "WRITE").Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rc.Do(context.Background(), "CLIENT", "UNPAUSE") })
	for id := 1; id <= 100; id++ {
		pc.HSet(ctx, fmt.Sprintf("d:%d", id), "ts", old.Add(time.Hour).Unix())
	}
	for id := 101; id <= 110; id++ {
		pc.HSet(ctx, fmt.Sprintf("d:%d", id), "conv_rate", 7)
	}
	for id := 201; id <= 220; id++ {
		pc.HSet(ctx, fmt.Sprintf("d:%d", id), "ts", old.Add(time.Hour).Unix(), "conv_rate", 0.5)
	}
	time.Sleep(300 * time.Millisecond)
	if got, _ := rc.HGet(ctx, "d:1", "ts").Int64(); got != old.Unix() {
		t.Fatalf("the paused replica applied a write (d:1 ts %d, want %d): the test cannot create lag", got, old.Unix())
	}
	code, rs = replCheck(t, one)
	repl = rs[[2]string{"replication", "us-west-2"}]
	// By hand: 220 compared, 90 equal, 100 behind by 3600 s, 10 with
	// another value, 20 missing. Lags of the 200 on both: 100 x 0 and
	// 100 x 3600; NumPy's linear p50 is halfway (index 99.5): 1800.
	want := map[string]float64{"compared": 220, "equal": 90, "behind": 100, "value_differ": 10, "missing": 20,
		"lag_p50_seconds": 1800, "lag_p90_seconds": 3600, "lag_p99_seconds": 3600, "lag_max_seconds": 3600}
	for k, v := range want {
		if got := detail(repl, k); got != v {
			t.Errorf("paused: replication %s = %v, want %v", k, got, v)
		}
	}
	if code != 1 || repl.Status != "crit" || repl.Value == nil || *repl.Value != 90.0/220 {
		t.Errorf("paused: exit %d, replication %s value %v (%s), want exit 1, crit 90/220", code, repl.Status, repl.Value, repl.Message)
	}
	if r := rs[[2]string{"freshness", ""}]; r.Status != "ok" {
		t.Errorf("paused: primary freshness %s, want ok", r.Status)
	}

	// Replication resumes (and the primary's values are put back): the
	// replica matches again.
	if err := rc.Do(ctx, "CLIENT", "UNPAUSE").Err(); err != nil {
		t.Fatal(err)
	}
	for id := 101; id <= 110; id++ {
		pc.HSet(ctx, fmt.Sprintf("d:%d", id), "conv_rate", float64(id)/200)
	}
	redistest.WaitSynced(t, primary.Addr, 1)
	code, rs = replCheck(t, one)
	repl = rs[[2]string{"replication", "us-west-2"}]
	if code != 0 || repl.Status != "ok" || *repl.Value != 1 || detail(repl, "compared") != 220 || detail(repl, "lag_max_seconds") != 0 {
		t.Errorf("resumed: exit %d, replication %+v", code, repl)
	}

	// A second replica that is down: its results are errors (exit 3), the
	// primary and the healthy replica are still reported.
	code, rs = replCheck(t, config("two.yaml", replica.Addr, gone.Addr))
	if code != 3 {
		t.Errorf("down replica: exit %d, want 3", code)
	}
	for _, k := range [][2]string{{"replication", "eu-west-1"}, {"freshness", "eu-west-1"}, {"null_rate", "eu-west-1"}} {
		if r := rs[k]; r.Status != "error" || r.Error == "" {
			t.Errorf("down replica: %v = %s %q, want an error", k, r.Status, r.Error)
		}
	}
	for _, k := range [][2]string{{"replication", "us-west-2"}, {"freshness", "us-west-2"}, {"freshness", ""}, {"null_rate", "online"}, {"coverage", ""}} {
		if r := rs[k]; r.Status != "ok" {
			t.Errorf("down replica: %v = %s (%s), want ok", k, r.Status, r.Message)
		}
	}
}
