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

	"github.com/redis/go-redis/v9"

	"github.com/fsmon/fsmon/internal/pqwrite"
	"github.com/fsmon/fsmon/internal/redistest"
)

// privacyFixture is issue 13's finding 8 on a real Redis and Parquet file:
// 2,000 entities whose string feature email is an e-mail address (each
// one distinct), beside plan (free, pro or team) and a numeric score, in
// both stores.
func privacyFixture(t *testing.T) (cfgPath string, emails []string, write func(web string)) {
	t.Helper()
	srv := redistest.Start(t)
	dir := t.TempDir()
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer rdb.Close()
	ctx := context.Background()
	ts := time.Now().Add(-time.Hour).Truncate(time.Second)
	cols := []pqwrite.Column{{Name: "user_id", Type: "int64"}, {Name: "event_timestamp", Type: "timestamp"},
		{Name: "email", Type: "string"}, {Name: "plan", Type: "string"}, {Name: "score", Type: "float64"}}
	var rows [][]any
	pipe := rdb.Pipeline()
	for id := range 2000 {
		email := fmt.Sprintf("person.%04d@example.org", id)
		emails = append(emails, email)
		plan := []string{"free", "pro", "team"}[id%3]
		score := float64(id%97) / 7
		rows = append(rows, []any{int64(id), ts, email, plan, score})
		pipe.HSet(ctx, fmt.Sprintf("fs:user:%d", id), "event_ts", ts.Unix(), "email", email, "plan", plan, "score", fmt.Sprint(score))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if err := pqwrite.Write(filepath.Join(dir, "users", "part-0.parquet"), cols, rows); err != nil {
		t.Fatal(err)
	}
	cfgPath = filepath.Join(dir, "fsmon.yaml")
	write = func(web string) {
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
`, srv.Addr, dir, web)
		if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("")
	return cfgPath, emails, write
}

type apiHistogram struct {
	Results []struct {
		Check   string
		Feature string
		Details map[string]any
		Tests   []struct {
			Test string
			Dof  *int
		}
		Histogram *struct {
			Edges      []float64
			Categories []string
			Online     []float64
			Offline    []float64
			Folded     int
		}
	}
}

// TestAPIHidesValues: by default the status page and /api/v1/results name
// the frequent categories (plan) and fold the 2,000 addresses, each seen
// twice, into "others"; the chi-square is still computed on all 2,000.
// After a reload with web.hide_values: true, neither a category nor a
// decile edge is shown, only proportions and statistics.
func TestAPIHidesValues(t *testing.T) {
	cfgPath, emails, write := privacyFixture(t)
	a := startApp(t, Options{ConfigFile: cfgPath, FirstRunSpread: time.Millisecond})
	base := "http://" + a.Addr()
	waitFor(t, func() bool { return strings.Contains(get(t, base+"/api/v1/results"), `"skew"`) })

	api, page := get(t, base+"/api/v1/results"), get(t, base+"/")
	for _, e := range emails {
		if strings.Contains(api, e) || strings.Contains(page, e) {
			t.Fatalf("%s is shown by default (API %d bytes)", e, len(api))
		}
	}
	var doc apiHistogram
	if err := json.Unmarshal([]byte(api), &doc); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range doc.Results {
		if r.Check != "skew" || r.Histogram == nil {
			continue
		}
		h := r.Histogram
		seen[r.Feature] = true
		switch r.Feature {
		case "email":
			if len(h.Categories) != 1 || h.Categories[0] != "others" || h.Folded != 2000 || !near(h.Online[0], 1) || !near(h.Offline[0], 1) {
				t.Errorf("email histogram %+v, want one others bucket of 2000 categories holding everything", h)
			}
			if r.Details["categories"] != 2000.0 {
				t.Errorf("email details %v: the statistics must count all 2000 categories", r.Details)
			}
			for _, ts := range r.Tests {
				if ts.Test == "chi2" && (ts.Dof == nil || *ts.Dof != 1999) {
					t.Errorf("chi2 dof %v, want 1999 (computed on every category)", ts.Dof)
				}
			}
		case "plan":
			if strings.Join(h.Categories, ",") != "free,pro,team" || h.Folded != 0 {
				t.Errorf("plan histogram %+v, want its three categories by name", h)
			}
		case "score":
			if len(h.Edges) != 9 {
				t.Errorf("score edges %v, want the 9 decile edges by default", h.Edges)
			}
		}
	}
	if len(seen) != 3 {
		t.Fatalf("skew histograms of %v, want email, plan and score", seen)
	}

	write("web: {hide_values: true}")
	if err := a.Reload(); err != nil {
		t.Fatal(err)
	}
	api, page = get(t, base+"/api/v1/results"), get(t, base+"/")
	for _, secret := range append([]string{"free", "team", `"edges"`, "@example.org"}, emails[:50]...) {
		if strings.Contains(api, secret) {
			t.Errorf("API shows %q with hide_values", secret)
		}
		if secret != `"edges"` && strings.Contains(page, secret) {
			t.Errorf("page shows %q with hide_values", secret)
		}
	}
	if !strings.Contains(api, `"category 1"`) || !strings.Contains(api, `"cramers_v"`) {
		t.Error("hide_values dropped the proportions or the statistics")
	}
}
