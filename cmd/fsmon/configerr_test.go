package main

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

	"github.com/fsmon/fsmon/feast"
	"github.com/fsmon/fsmon/feast/feasttest"
	"github.com/fsmon/fsmon/internal/pqwrite"
	"github.com/fsmon/fsmon/internal/redistest"
)

// lineOf is the 1-based line of the first line of text that contains s.
func lineOf(t *testing.T, text, s string) int {
	t.Helper()
	for i, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			return i + 1
		}
	}
	t.Fatalf("%q not in the config", s)
	return 0
}

type jsonReport struct {
	Status  string `json:"status"`
	Results []struct {
		Check, Feature, Store, Status, Error string
		FeatureView                          string `json:"feature_view"`
		Details                              map[string]any
	} `json:"results"`
	Reads []struct {
		FeatureView string `json:"feature_view"`
		Stores      []struct {
			Store         string
			FilesRead     int `json:"files_read"`
			FilesSkipped  int `json:"files_skipped"`
			RowGroupsRead int `json:"row_groups_read"`
			KeysRead      int `json:"keys_read"`
			Problems      []struct {
				Kind    string
				Count   int
				Message string
			}
		}
	} `json:"reads"`
}

func checkJSON(t *testing.T, cfg string, extra ...string) (int, jsonReport, string) {
	t.Helper()
	code, out, errOut := runCLI(append([]string{"check", "--config", cfg, "--format", "json"}, extra...)...)
	var rep jsonReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("exit %d, not JSON: %v\n%s%s", code, err, out, errOut)
	}
	return code, rep, out
}

// Config mistakes found only by looking at the data are error results that
// name the config line (exit 3), never data statuses; a feature the offline
// store has but no online entity serves stays a data status (an incident).
func TestCheckConfigMistakes(t *testing.T) {
	srv := redistest.Start(t)
	dir := store(t, srv.Addr)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer rdb.Close()
	now := time.Now()
	for id := 1; id <= 100; id++ {
		// "extra" exists online only; "gone:" entities lack conv_rate.
		rdb.HSet(context.Background(), fmt.Sprintf("healthy:%d", id), "extra", "1")
		rdb.HSet(context.Background(), fmt.Sprintf("gone:%d", id), "ts", fmt.Sprint(now.Add(-time.Duration(id)*time.Minute).Unix()))
	}
	view := func(name, key, features string) string {
		return fmt.Sprintf(`  - name: %s
    project: test
    entities: [id]
    ttl: 24h
    online: {layout: hash, key: "%s", timestamp_field: ts}
    offline: {path: healthy/*.parquet, timestamp_column: ts}
    features:
%s`, name, key, features)
	}
	text := fmt.Sprintf("online:\n  redis:\n    addr: %s\n    rate_limit: 0\noffline:\n  parquet:\n    root: %s\nfeature_views:\n", srv.Addr, dir) +
		view("typo_feature", "healthy:{id}", "      - {name: conv_rate, type: float64}\n      - {name: conversion_rate, type: float64}\n") +
		view("typo_key", "helthy:{id}", "      - {name: conv_rate, type: float64}\n") +
		view("missing_column", "healthy:{id}", "      - {name: extra, type: int64}\n") +
		view("wrong_type", "healthy:{id}", "      - {name: conv_rate, type: bool}\n") +
		view("incident", "gone:{id}", "      - {name: conv_rate, type: float64}\n")
	cfg := filepath.Join(dir, "fsmon.yaml")
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	at := func(s string) string { return fmt.Sprintf("fsmon.yaml:%d:", lineOf(t, text, s)) }

	cases := []struct {
		view string
		want map[[2]string]string // {check, feature/store} -> position in the error
	}{
		{"typo_feature", map[[2]string]string{
			{"null_rate", "conversion_rate/online"}: at("conversion_rate"), {"null_rate", "conversion_rate/offline"}: at("conversion_rate"),
			{"consistency", "conversion_rate/"}: at("conversion_rate"), {"skew", "conversion_rate/"}: at("conversion_rate")}},
		{"typo_key", map[[2]string]string{
			{"freshness", "/"}: at("helthy:{id}"), {"coverage", "/"}: at("helthy:{id}"), {"null_rate", "conv_rate/online"}: at("helthy:{id}"),
			{"consistency", "conv_rate/"}: at("helthy:{id}"), {"skew", "conv_rate/"}: at("helthy:{id}")}},
		{"missing_column", map[[2]string]string{
			{"null_rate", "extra/offline"}: at("name: extra"), {"consistency", "extra/"}: at("name: extra"), {"skew", "extra/"}: at("name: extra")}},
		{"wrong_type", map[[2]string]string{
			{"null_rate", "conv_rate/online"}: at("type: bool"), {"null_rate", "conv_rate/offline"}: at("type: bool"),
			{"consistency", "conv_rate/"}: at("type: bool"), {"skew", "conv_rate/"}: at("type: bool")}},
	}
	for _, c := range cases {
		code, rep, out := checkJSON(t, cfg, "--only", c.view)
		if code != 3 || rep.Status != "error" {
			t.Errorf("%s: exit %d status %s, want 3 error\n%s", c.view, code, rep.Status, out)
			continue
		}
		got := map[[2]string]string{}
		for _, r := range rep.Results {
			if r.Status == "crit" || r.Status == "warn" {
				t.Errorf("%s: %s %s/%s is a data status %s: %s", c.view, r.Check, r.Feature, r.Store, r.Status, r.Error)
			}
			if r.Status == "error" {
				got[[2]string{r.Check, r.Feature + "/" + r.Store}] = r.Error
			}
		}
		for k, pos := range c.want {
			if !strings.Contains(got[k], pos) {
				t.Errorf("%s: %s error %q does not name %s", c.view, k, got[k], pos)
			}
		}
		if len(got) != len(c.want) {
			t.Errorf("%s: errors %v, want exactly %v", c.view, got, c.want)
		}
	}
	// An online column that exists offline but in no online entity is an
	// incident: crit null rate, exit 1.
	code, rep, out := checkJSON(t, cfg, "--only", "incident")
	if code != 1 || rep.Status != "crit" {
		t.Fatalf("incident: exit %d status %s, want 1 crit\n%s", code, rep.Status, out)
	}
	for _, r := range rep.Results {
		if strings.HasPrefix(r.Error, "config:") {
			t.Errorf("incident: config error %s %s/%s: %s", r.Check, r.Feature, r.Store, r.Error)
		}
	}
}

// Damaged Parquet files and a SCAN budget reached before the sample was
// full are in the report (reads and problems) and lift ok results to warn.
func TestCheckReportsSkippedFilesAndBudget(t *testing.T) {
	srv := redistest.Start(t)
	dir := store(t, srv.Addr)
	good, err := os.ReadFile(filepath.Join(dir, "healthy", "p.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "healthy", "truncated.parquet"), good[:len(good)/2], 0o644)
	os.WriteFile(filepath.Join(dir, "healthy", "notparquet.parquet"), []byte("id,ts\n1,2\n"), 0o644)
	text := fmt.Sprintf(`online:
  redis: {addr: %s, rate_limit: 0, scan_count: 10, max_scan: 30}
offline:
  parquet: {root: %s}
feature_views:
  - name: healthy
    project: test
    entities: [id]
    ttl: 24h
    online: {layout: hash, key: "healthy:{id}", timestamp_field: ts}
    offline: {path: healthy/*.parquet, timestamp_column: ts}
    features: [{name: conv_rate, type: float64}]
`, srv.Addr, dir)
	cfg := filepath.Join(dir, "fsmon.yaml")
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	code, rep, out := checkJSON(t, cfg, "--fail-on", "warn")
	// 15 of 100 entities read online: the skew on that partial sample may
	// well be crit; at least warn.
	if code != 1 || (rep.Status != "warn" && rep.Status != "crit") {
		t.Fatalf("exit %d status %s, want 1 and warn or worse\n%s", code, rep.Status, out)
	}
	if len(rep.Reads) != 1 || len(rep.Reads[0].Stores) != 2 {
		t.Fatalf("reads: %+v", rep.Reads)
	}
	kinds := map[string]int{}
	for _, s := range rep.Reads[0].Stores {
		for _, p := range s.Problems {
			kinds[s.Store+" "+p.Kind]++
		}
		if s.Store == "offline" && (s.FilesRead != 1 || s.FilesSkipped != 2) {
			t.Errorf("offline reads %+v, want 1 file read and 2 skipped", s)
		}
		if s.Store == "online" && s.KeysRead == 0 {
			t.Errorf("online reads %+v, want keys read", s)
		}
	}
	if kinds["offline bad_file"] != 2 || kinds["online scan_budget"] != 1 {
		t.Errorf("problem kinds %v, want 2 offline bad_file and 1 online scan_budget", kinds)
	}
	for _, r := range rep.Results {
		if r.Check == "null_rate" && r.Store == "offline" && r.Status != "warn" {
			t.Errorf("offline null rate on a sample missing 2 files is %s, want warn", r.Status)
		}
	}
	_, txt, _ := runCLI("check", "--config", cfg)
	for _, want := range []string{"test/healthy offline: 1 files read, 2 skipped", "problem: offline bad_file ×1: read healthy/truncated.parquet", "problem: online scan_budget ×1: key budget of 30 reached"} {
		if !strings.Contains(txt, want) {
			t.Errorf("text report lacks %q:\n%s", want, txt)
		}
	}
}

// An offline timestamp column or an entity column that none of the Parquet
// files has is a config mistake: every result that reads the offline store
// is an error naming the line of that key (exit 3), never a data status
// such as coverage 0% or a generic "every file failed".
func TestCheckMissingOfflineColumns(t *testing.T) {
	srv := redistest.Start(t)
	dir := store(t, srv.Addr)
	text := fmt.Sprintf(`online:
  redis: {addr: %s, rate_limit: 0}
offline:
  parquet: {root: %s}
feature_views:
  - name: ts_missing
    project: test
    entities: [id]
    ttl: 24h
    online: {layout: hash, key: "healthy:{id}", timestamp_field: ts}
    offline:
      path: healthy/*.parquet
      timestamp_column: event_time
    features: [{name: conv_rate, type: float64}]
  - name: entity_missing
    project: test
    entities:
      - customer_id
    ttl: 24h
    online: {layout: hash, key: "healthy:{customer_id}", timestamp_field: ts}
    offline: {path: healthy/*.parquet, timestamp_column: ts}
    features: [{name: conv_rate, type: float64}]
`, srv.Addr, dir)
	cfg := filepath.Join(dir, "fsmon.yaml")
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	at := func(s string) string { return fmt.Sprintf("fsmon.yaml:%d:", lineOf(t, text, s)) }
	offlineResults := []string{"null_rate conv_rate/offline", "coverage /", "consistency conv_rate/", "skew conv_rate/"}
	for _, c := range []struct{ view, pos, column string }{
		{"ts_missing", at("timestamp_column: event_time"), "timestamp column event_time"},
		{"entity_missing", at("- customer_id"), "entity column customer_id"},
	} {
		code, rep, out := checkJSON(t, cfg, "--only", c.view)
		if code != 3 || rep.Status != "error" {
			t.Errorf("%s: exit %d status %s, want 3 error\n%s", c.view, code, rep.Status, out)
			continue
		}
		got := map[string]string{}
		for _, r := range rep.Results {
			k := r.Check + " " + r.Feature + "/" + r.Store
			switch r.Status {
			case "crit", "warn":
				t.Errorf("%s: %s is a data status %s", c.view, k, r.Status)
			case "error":
				got[k] = r.Error
				if r.Details["config_error"] == nil {
					t.Errorf("%s: %s has no details.config_error: %v", c.view, k, r.Details)
				}
			}
		}
		for _, k := range offlineResults {
			e := got[k]
			if !strings.HasPrefix(e, "config: ") || !strings.Contains(e, c.pos) || !strings.Contains(e, "no "+c.column+" in any of the 1 Parquet files of healthy/*.parquet") {
				t.Errorf("%s: %s error %q, want a config error at %s naming the %s", c.view, k, e, c.pos, c.column)
			}
		}
		if len(got) != len(offlineResults) {
			t.Errorf("%s: errors %v, want exactly %v", c.view, got, offlineResults)
		}
	}
}

// For a Feast view the timestamp column comes from the registry's source:
// when the Parquet files lack it, the error names the view's line when the
// config lists the view, and the registry when the view is only discovered.
func TestCheckFeastTimestampColumnMissing(t *testing.T) {
	srv := redistest.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer rdb.Close()
	repo := t.TempDir()
	event := time.Now().UTC().Add(-10 * time.Minute).Truncate(time.Microsecond)
	var views []feasttest.RegistryView
	for _, name := range []string{"listed", "discovered"} {
		var rows []feasttest.Row
		var pq [][]any
		for id := int64(1); id <= 20; id++ {
			rows = append(rows, feasttest.Row{Entity: []feast.EntityValue{{Type: feast.Int64, Int: id}}, Event: event,
				Values: []feasttest.Field{{Name: "trips", Value: feasttest.Int64(id)}}})
			pq = append(pq, []any{id, event, id})
		}
		if err := (feasttest.Writer{Project: "ride", Version: 3}).Write(context.Background(), rdb, name, []string{"driver_id"}, rows); err != nil {
			t.Fatal(err)
		}
		// The files name the event time "ts"; the registry says event_timestamp.
		err := pqwrite.Write(filepath.Join(repo, "data", name+".parquet"), []pqwrite.Column{{Name: "driver_id", Type: "int64"},
			{Name: "ts", Type: "timestamp"}, {Name: "trips", Type: "int64"}}, pq)
		if err != nil {
			t.Fatal(err)
		}
		views = append(views, feasttest.RegistryView{View: feast.View{Name: name, Project: "ride", JoinKeys: []string{"driver_id"},
			JoinKeyTypes: []feast.ValueType{feast.Int64}, TTL: 24 * time.Hour, Features: []feast.FeatureSpec{{Name: "trips", Type: feast.Int64}},
			Source: &feast.FileSource{Path: "data/" + name + ".parquet", TimestampField: "event_timestamp"}}})
	}
	reg := filepath.Join(repo, "data", "registry.db")
	if err := feasttest.WriteRegistry(reg, views...); err != nil {
		t.Fatal(err)
	}
	fsy := fmt.Sprintf("project: ride\nregistry: data/registry.db\nonline_store:\n  type: redis\n  connection_string: \"%s\"\noffline_store:\n  type: file\n", srv.Addr)
	if err := os.WriteFile(filepath.Join(repo, "feature_store.yaml"), []byte(fsy), 0o644); err != nil {
		t.Fatal(err)
	}
	text := "feast: {repo: " + repo + "}\nfeature_views:\n  - name: listed\n    sample_size: 100\n"
	cfg := filepath.Join(t.TempDir(), "fsmon.yaml")
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	code, rep, out := checkJSON(t, cfg)
	if code != 3 || rep.Status != "error" {
		t.Fatalf("exit %d status %s, want 3 error\n%s", code, rep.Status, out)
	}
	want := map[string]string{
		"listed":     fmt.Sprintf("fsmon.yaml:%d:", lineOf(t, text, "name: listed")),
		"discovered": "Feast registry " + reg + ": ",
	}
	n := 0
	for _, r := range rep.Results {
		offline := r.Check == "coverage" || r.Check == "consistency" || r.Check == "skew" || (r.Check == "null_rate" && r.Store == "offline")
		if !offline {
			if r.Status == "error" {
				t.Errorf("%s: %s %s/%s: %s", r.FeatureView, r.Check, r.Feature, r.Store, r.Error)
			}
			continue
		}
		n++
		if !strings.HasPrefix(r.Error, "config: ") || !strings.Contains(r.Error, want[r.FeatureView]) ||
			!strings.Contains(r.Error, "no timestamp column event_timestamp in any of the 1 Parquet files") {
			t.Errorf("%s: %s %s/%s: %q, want a config error at %q", r.FeatureView, r.Check, r.Feature, r.Store, r.Error, want[r.FeatureView])
		}
	}
	if n != 8 {
		t.Errorf("%d offline results, want 8 (4 per view)\n%s", n, out)
	}
}
