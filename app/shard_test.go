package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fsmon/fsmon/config"
	"github.com/fsmon/fsmon/internal/redistest"
)

// wantShard is each view demo/v0..demo/v11's shard of 3 by Prometheus'
// hashmod, computed apart from fsmon with Python:
//
//	python3 -c "import hashlib; print([int.from_bytes(hashlib.md5(f'demo/v{i}'.encode()).digest()[8:],'big')%3 for i in range(12)])"
var wantShard = []int{2, 2, 1, 0, 0, 2, 2, 0, 0, 0, 1, 2}

func TestShardsSplitViews(t *testing.T) {
	srv := redistest.Start(t)
	var b strings.Builder
	fmt.Fprintf(&b, "interval: 1h\nonline:\n  redis:\n    addr: %s\nfeature_views:\n", srv.Addr)
	for i := range wantShard {
		fmt.Fprintf(&b, "  - {name: v%d, project: demo, entities: [id], online: {key: \"v%d:{id}\", timestamp_field: ts}, features: [{name: f, type: float64}]}\n", i, i)
	}
	file := filepath.Join(t.TempDir(), "fsmon.yaml")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for i := range 3 {
		a, err := New(Options{ConfigFile: file, ListenAddress: "127.0.0.1:0", Shard: &Shard{Index: i, Count: 3}, FirstRunSpread: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Start(); err != nil {
			t.Fatal(err)
		}
		var st shardState
		if err := json.Unmarshal([]byte(get(t, "http://"+a.Addr()+"/api/v1/shard")), &st); err != nil {
			t.Fatal(err)
		}
		if st.Index != i || st.Count != 3 || st.TotalViews != len(wantShard) {
			t.Errorf("shard %d: %+v", i, st)
		}
		for _, v := range st.Views {
			seen[v.Name]++
			var k int
			fmt.Sscanf(v.Name, "v%d", &k)
			if wantShard[k] != i {
				t.Errorf("view %s on shard %d, hashmod says %d", v.Name, i, wantShard[k])
			}
		}
		if got := len(a.Config().Views); got != len(st.Views) {
			t.Errorf("shard %d schedules %d views, lists %d", i, got, len(st.Views))
		}
		page := get(t, "http://"+a.Addr()+"/")
		if want := fmt.Sprintf("shard %d of 3: %d of %d feature views", i, len(st.Views), len(wantShard)); !strings.Contains(page, want) {
			t.Errorf("status page lacks %q", want)
		}
		_ = a.Stop(context.Background())
	}
	for i := range wantShard {
		if n := seen[fmt.Sprintf("v%d", i)]; n != 1 {
			t.Errorf("view v%d checked by %d replicas, want exactly 1", i, n)
		}
	}

	// The config's sharding does the same; the flag wins over it.
	cfg, err := config.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Sharding = &config.Sharding{Index: 1, Count: 3}
	a, err := New(Options{Config: cfg, ListenAddress: "127.0.0.1:0", FirstRunSpread: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if names := viewNames(a.Config()); names != "v2 v10" {
		t.Errorf("config sharding 1/3: views %q, want \"v2 v10\"", names)
	}
}

func viewNames(c *config.Config) string {
	var out []string
	for _, v := range c.Views {
		out = append(out, v.Name)
	}
	return strings.Join(out, " ")
}

func TestParseShard(t *testing.T) {
	t.Setenv("HOSTNAME", "fsmon-2")
	for in, want := range map[string]Shard{"0/3": {0, 3}, "2/3": {2, 3}, "ordinal/3": {2, 3}, "0/1": {0, 1}} {
		if got, err := ParseShard(in); err != nil || got != want {
			t.Errorf("ParseShard(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"3/3", "-1/3", "a/3", "1", "0/0", "ordinal/2"} {
		if _, err := ParseShard(in); err == nil {
			t.Errorf("ParseShard(%q) accepted", in)
		}
	}
}
