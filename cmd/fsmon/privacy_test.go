package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fsmon/fsmon/internal/pqwrite"
	"github.com/fsmon/fsmon/internal/redistest"
)

// TestReportHidesValues: the JSON report of `fsmon check` shows feature
// values as the status page does: by default none of 2,000 distinct e-mail
// addresses (each seen once per store, below web.min_category_count), and
// with web.hide_values no category name and no decile edge at all.
func TestReportHidesValues(t *testing.T) {
	srv := redistest.Start(t)
	dir := t.TempDir()
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer rdb.Close()
	ctx := context.Background()
	ts := time.Now().Add(-time.Hour).Truncate(time.Second)
	var rows [][]any
	pipe := rdb.Pipeline()
	for id := range 2000 {
		email := fmt.Sprintf("someone%04d@mail.example", id)
		plan := []string{"basic", "premium"}[id%2]
		rows = append(rows, []any{int64(id), ts, email, plan, float64(id % 50)})
		pipe.HSet(ctx, fmt.Sprintf("u:%d", id), "ts", ts.Unix(), "email", email, "plan", plan, "score", id%50)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	cols := []pqwrite.Column{{Name: "id", Type: "int64"}, {Name: "ts", Type: "timestamp"},
		{Name: "email", Type: "string"}, {Name: "plan", Type: "string"}, {Name: "score", Type: "float64"}}
	if err := pqwrite.Write(filepath.Join(dir, "users", "p.parquet"), cols, rows); err != nil {
		t.Fatal(err)
	}
	write := func(web string) string {
		cfg := filepath.Join(dir, "fsmon.yaml")
		text := fmt.Sprintf(`online: {redis: {addr: %s, rate_limit: 0}}
offline: {parquet: {root: %s}}
%s
feature_views:
  - name: users
    entities: [id]
    online: {layout: hash, key: "u:{id}", timestamp_field: ts}
    offline: {path: users/*.parquet, timestamp_column: ts}
    features:
      - {name: email, type: string}
      - {name: plan, type: string}
      - {name: score, type: float64}
`, srv.Addr, dir, web)
		if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return cfg
	}

	_, _, out := checkJSON(t, write(""))
	if strings.Contains(out, "mail.example") {
		t.Error("the report shows e-mail addresses by default")
	}
	for _, want := range []string{`"basic"`, `"premium"`, `"others"`, `"folded": 2000`, `"edges"`} {
		if !strings.Contains(out, want) {
			t.Errorf("the default report lacks %s", want)
		}
	}
	_, _, out = checkJSON(t, write("web: {hide_values: true}"))
	for _, secret := range []string{"mail.example", "basic", "premium", `"edges"`} {
		if strings.Contains(out, secret) {
			t.Errorf("the report shows %s with hide_values", secret)
		}
	}
	if !strings.Contains(out, `"category 1"`) || !strings.Contains(out, `"chi2"`) {
		t.Error("hide_values dropped the proportions or the statistics")
	}
}
