// Package privacytest writes the privacy fixture that the tests of app
// (status page and API) and cmd/fsmon (the JSON report) share: 2,000 users
// whose string feature email is an e-mail address (each one distinct),
// beside plan (free, pro or team) and a numeric score, in a real
// redis-server and in a Parquet file, with the config that monitors them.
package privacytest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fsmon/fsmon/internal/pqwrite"
	"github.com/fsmon/fsmon/internal/redistest"
)

// Users is how many users the fixture stores.
const Users = 2000

// Fixture is the written data and config of one test.
type Fixture struct {
	// Config is the path of the config file; Emails every address stored.
	Config string
	Emails []string
	dir    string
	addr   string
}

// Start starts a redis-server, writes the users into it (hashes
// fs:user:ID) and into DIR/users/part-0.parquet, and writes the config
// without a web section.
func Start(tb testing.TB) *Fixture {
	tb.Helper()
	srv := redistest.Start(tb)
	f := &Fixture{dir: tb.TempDir(), addr: srv.Addr}
	f.Config = filepath.Join(f.dir, "fsmon.yaml")
	rdb := redistest.Client(tb, srv.Addr)
	ctx := context.Background()
	ts := time.Now().Add(-time.Hour).Truncate(time.Second)
	cols := []pqwrite.Column{{Name: "user_id", Type: "int64"}, {Name: "event_timestamp", Type: "timestamp"},
		{Name: "email", Type: "string"}, {Name: "plan", Type: "string"}, {Name: "score", Type: "float64"}}
	var rows [][]any
	pipe := rdb.Pipeline()
	for id := range Users {
		email := fmt.Sprintf("person.%04d@example.org", id)
		f.Emails = append(f.Emails, email)
		plan := []string{"free", "pro", "team"}[id%3]
		score := float64(id%97) / 7
		rows = append(rows, []any{int64(id), ts, email, plan, score})
		pipe.HSet(ctx, fmt.Sprintf("fs:user:%d", id), "event_ts", ts.Unix(), "email", email, "plan", plan, "score", fmt.Sprint(score))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		tb.Fatal(err)
	}
	if err := pqwrite.Write(filepath.Join(f.dir, "users", "part-0.parquet"), cols, rows); err != nil {
		tb.Fatal(err)
	}
	f.Write(tb, "")
	return f
}

// Write writes the config with web, a top-level web: line ("" for none).
func (f *Fixture) Write(tb testing.TB, web string) {
	tb.Helper()
	cfg := fmt.Sprintf(`interval: 1h
online:
  redis: {addr: %s, rate_limit: 0}
offline:
  parquet: {root: %s}
%s
feature_views:
  - name: users
    entities: [user_id]
    online: {layout: hash, key: "fs:user:{user_id}", timestamp_field: event_ts}
    offline: {path: users/*.parquet, timestamp_column: event_timestamp}
    features:
      - {name: email, type: string}
      - {name: plan, type: string}
      - {name: score, type: float64}
`, f.addr, f.dir, web)
	if err := os.WriteFile(f.Config, []byte(cfg), 0o644); err != nil {
		tb.Fatal(err)
	}
}
