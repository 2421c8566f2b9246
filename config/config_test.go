package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// noDiscover stands in for Feast discovery in tests of the format itself:
// the example points at a Feast repo that does not exist here.
func noDiscover(*Config) []error { return nil }

func loadNoFeast(t *testing.T, path string) (*Config, error) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return parse(data, path, noDiscover)
}

func mustLoad(t *testing.T, path string) *Config {
	t.Helper()
	c, err := loadNoFeast(t, path)
	if err != nil {
		t.Fatalf("load %s:\n%v", path, err)
	}
	return c
}

// TestBadConfigs pairs every bad file with its exact messages, in file
// order. Lines and columns were counted by hand in the files.
func TestBadConfigs(t *testing.T) {
	cases := map[string][]string{
		"empty.bad.yaml": {
			"1:1: no feature views: list them under feature_views or discover them with feast.repo",
		},
		"syntax.bad.yaml": {
			"4:5: YAML syntax error: did not find expected ',' or ']'",
		},
		"multidoc.bad.yaml": {
			"7:1: a second YAML document: a config file holds one (remove the ---)",
		},
		"unknown_keys.bad.yaml": {
			`1:1: unknown key "intervall" at the top level: did you mean "interval"? (expected one of: interval, sample_size, min_sample, future_tolerance, online, offline, feast, slack, alerts, web, feature_views, sharding)`,
			`4:5: unknown key "adress" in online.redis (expected one of: addr, url, cluster, username, password, password_file, password_env, db, tls, rate_limit, batch_size, scan_count, max_scan, timeout, read_from, sentinel)`,
			`7:5: unknown key "intervall" in feature_views[0]: did you mean "interval"? (expected one of: name, project, entities, ttl, interval, sample_size, online, offline, features, checks, reference)`,
			`13:42: unknown key "unit" in feature_views[0].features[0] (expected one of: name, type, reference)`,
			`15:7: unknown key "freshnes" in feature_views[0].checks: did you mean "freshness"? (expected one of: freshness, null_rate, coverage, consistency, skew, drift, replication)`,
			`16:19: unknown key "warning" in feature_views[0].checks.null_rate: did you mean "warn"? (expected one of: warn, crit, min_sample)`,
		},
		"topology.bad.yaml": {
			`6:7: online.redis.sentinel.master_name: required (the name the Sentinels monitor the primary under)`,
			`6:7: online.redis.sentinel.addrs: at least one Sentinel host:port is required`,
			`6:15: online.redis.sentinel.addrs[0]: expected host:port, got "sentinel-a"`,
			`8:7: online.replicas[0].name: a replica needs a name (its store label, e.g. us-west-2)`,
			`9:18: online.replicas[0].read_from: "closest" is not primary, replica or nearest`,
			`10:13: online.replicas[1].name: "online" is taken (online, offline and each replica name once)`,
			`12:7: online.replicas[1]: sentinel and cluster are both set; a Sentinel watches one primary, not a cluster`,
		},
		"types.bad.yaml": {
			`1:11: interval: expected a positive duration like 90s, 2h or 7d, got "5 minutes"`,
			`2:14: sample_size: expected a positive integer, got "lots"`,
			`5:9: online.redis.db: expected a database number (0 or more), got "-1"`,
			`6:10: online.redis.tls: expected true or false, got "maybe"`,
			`7:17: online.redis.batch_size: expected a positive integer, got "0"`,
			`8:17: online.redis.rate_limit: expected entities per second (0 for unlimited), got "-5"`,
			`9:14: online.redis.timeout: expected a positive duration like 90s, 2h or 7d, got "0s"`,
			`11:20: alerts.repeat_interval: expected a positive duration like 90s, 2h or 7d, got "1.5h"`,
			`14:15: feature_views[0].entities: expected a list, got "driver_id"`,
			`15:10: feature_views[0].ttl: expected a duration like 90s, 2h or 7d, got "-1h"`,
			`16:18: feature_views[0].sample_size: expected a positive integer, got "-10"`,
			`21:7: feature_views[0].features: expected a list, got a mapping`,
		},
		"thresholds.bad.yaml": {
			`11:25: feature_views[0].checks.freshness: warn (2h) must not be above crit (1h, the view's ttl): warn is the less bad level`,
			`12:25: feature_views[0].checks.null_rate.warn: expected a ratio between 0 and 1, got "1.5"`,
			`13:24: feature_views[0].checks.coverage: warn (0.9) must not be below crit (0.95): warn is the less bad level`,
			`14:40: feature_views[0].checks.consistency.crit: expected a ratio between 0 and 1, got "-0.1"`,
			`16:18: feature_views[0].checks.skew.p_value: expected a p-value between 0 and 1, got "2"`,
			`17:24: feature_views[0].checks.skew.min_statistic: expected an effect size between 0 and 1, got "lots"`,
			`18:21: feature_views[0].checks.skew.psi: warn (0.3) must not be above crit (0.2): warn is the less bad level`,
			`27:25: feature_views[1].checks.null_rate: warn (0.1) must not be above crit (0.05, the default): warn is the less bad level`,
			`28:25: feature_views[1].checks.freshness: warn (3h) must not be above crit (1h): warn is the less bad level`,
			`30:23: feature_views[1].checks.replication.match: warn (0.9) must not be below crit (0.95): warn is the less bad level`,
			`31:25: feature_views[1].checks.replication.lag_p99: warn (1h) must not be above crit (30m, the default): warn is the less bad level`,
		},
		"references.bad.yaml": {
			`9:27: feature_views[0].checks.drift.psi: warn (0.3) must not be above crit (0.2): warn is the less bad level`,
			`10:16: feature_views[0].reference: one of from/to (a time range of the offline store), path (a Parquet snapshot), saved_dataset (a Feast saved dataset) or profile (a file made by fsmon profile) is required`,
			`12:45: feature_views[0].features[0].reference: a time range needs both from and to`,
			`12:45: feature_views[0].features[0].reference: only one of from/to, path, saved_dataset or profile may be set (got from/to, path)`,
			`13:68: feature_views[0].features[1].reference.to: must be after from (2026-11-14T00:00:00Z)`,
			`14:68: feature_views[0].features[2].reference.from: expected an RFC 3339 time like 2026-11-01T00:00:00Z or a date 2026-11-01, got "last week"`,
			`15:44: feature_views[0].features[3].reference: a reference saved_dataset is read from the Feast registry: set feast.repo`,
			`22:44: feature_views[1].features[0].reference: a reference time range (from/to) reads the view's offline store, and the view has none`,
			`22:97: feature_views[1].features[0].reference.timestamp_column: only used with path or saved_dataset`,
		},
		"views.bad.yaml": {
			`2:5: feature_views[0]: name is required`,
			`11:15: feature_views[1].online.layout: unknown layout "hsah" (expected one of: hash, string, feast)`,
			`13:25: feature_views[1].features[0].type: unknown feature type "float" (expected one of: float32, float64, int32, int64, bool, string)`,
			`14:16: feature_views[1].features[1].name: duplicate feature "a" (first at line 13)`,
			`15:9: feature_views[1].features[2]: name is required`,
			`19:12: feature_views[2].online.key: placeholder {driver} names no entity (entities: driver_id, city)`,
			`19:12: feature_views[2].online.key: {feature} is only for the string layout (a hash holds every feature of an entity)`,
			`19:12: feature_views[2].online.key: entity driver_id does not appear in the key (every entity must, as {driver_id})`,
			`19:12: feature_views[2].online.key: entity city does not appear in the key (every entity must, as {city})`,
			`23:5: feature_views[3]: at least one feature is required`,
			`26:7: feature_views[3].online: timestamp_field is required for the string layout (the field holding the event time)`,
			`27:12: feature_views[3].online.key: the string layout needs {feature} in the key (one key per entity and feature)`,
			`34:5: feature_views[5]: project is required for the feast layout (Feast keys include it)`,
			`34:5: feature_views[5]: at least one feature is required`,
			`34:11: feature_views[5]: duplicate feature view "v_string" (first at line 23)`,
			`40:12: feature_views[6].online.key: unclosed { in the key template`,
			`43:7: feature_views[6].offline: path is required (a file, directory or glob under offline.parquet.root)`,
			`43:7: feature_views[6].offline: timestamp_column is required (the event time column)`,
			`43:15: feature_views[6].offline.window: expected a positive duration like 90s, 2h or 7d, got "0s"`,
		},
		"secrets.bad.yaml": {
			`3:5: online.redis: addr and url are both set; set one`,
			`4:10: online.redis.url: the URL holds a password; secrets come from password_file or FSMON_REDIS_PASSWORD`,
			`5:5: online.redis.password: literal secrets are not allowed; secrets come from password_file or FSMON_REDIS_PASSWORD`,
			`8:3: slack.webhook_url: literal secrets are not allowed; secrets come from webhook_url_file or token_file`,
			`10:3: slack: webhook_url_file and token_file are both set; set one`,
		},
		"shapes.bad.yaml": {
			`2:10: online.redis: expected a mapping, got a list`,
			`3:8: slack: expected a mapping, got "#alerts"`,
			`5:5: feature_views[0]: expected a mapping, got "just-a-name"`,
			`6:5: feature_views[1]: expected a mapping, got null`,
			`8:20: feature_views[2].entities[1]: duplicate entity "id" (first at line 8)`,
			`8:24: feature_views[2].entities[2]: expected an entity name`,
			`9:19: feature_views[2].online.key: unmatched } in the key template`,
			`11:9: feature_views[2].features[0]: expected a mapping, got "x"`,
			`12:9: feature_views[2].features[1]: expected a mapping {name: ..., type: ...}, got null`,
			`13:9: feature_views[2].features[2]: name is required`,
		},
		"redis_url.bad.yaml": {
			`3:10: online.redis.url: scheme must be redis or rediss (TLS), got "http"`,
			`5:9: online.redis.db: Redis Cluster has only database 0`,
			`7:3: slack: token_file needs channel (or channels with both warn and crit)`,
		},
	}
	files, _ := filepath.Glob("testdata/*.bad.yaml")
	if len(files) != len(cases) {
		t.Errorf("%d bad files in testdata, %d in the table: pair every file with its messages", len(files), len(cases))
	}
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", name)
			c, err := Load(path)
			if err == nil {
				t.Fatalf("Load(%s) = %+v, want errors", path, c)
			}
			es, ok := err.(*Errors)
			if !ok {
				t.Fatalf("Load(%s) error is %T, want *Errors", path, err)
			}
			var got []string
			for _, e := range *es {
				if e.File != path {
					t.Errorf("error %q names file %q, want %q", e.Msg, e.File, path)
				}
				got = append(got, strings.TrimPrefix(e.Error(), path+":"))
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Load(%s) errors:\n%s\nwant:\n%s", path, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("an error message leaks the secret:\n%v", err)
			}
		})
	}
}

func TestGoodConfigs(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.good.yaml")
	if len(files) < 4 {
		t.Fatalf("only %d good files", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) { mustLoad(t, f) })
	}
}

func ptr(x float64) *float64 { return &x }

func thr(warn, crit *float64) Thresholds { return Thresholds{Warn: warn, Crit: crit} }

func thrString(t Thresholds) string {
	f := func(p *float64) string {
		if p == nil {
			return "none"
		}
		return fmt.Sprint(*p)
	}
	return "{" + f(t.Warn) + " " + f(t.Crit) + "}"
}

// TestDefaults checks the minimal config against docs/contract.md section 2's
// numbers and the task's pacing defaults, written out here by hand.
func TestDefaults(t *testing.T) {
	c := mustLoad(t, "testdata/minimal.good.yaml")
	if c.Interval != 5*time.Minute || c.SampleSize != 10000 {
		t.Errorf("interval, sample_size = %v, %d; want 5m, 10000", c.Interval, c.SampleSize)
	}
	wantRedis := Redis{Addr: "127.0.0.1:6379", RateLimit: 1000, BatchSize: 50, ScanCount: 100, MaxScan: 100000, Timeout: 5 * time.Second}
	if c.Online.Redis != wantRedis {
		t.Errorf("redis = %+v\nwant %+v", c.Online.Redis, wantRedis)
	}
	if c.Alerts.RepeatInterval != 4*time.Hour || c.Alerts.For != 0 {
		t.Errorf("alerts = %+v, want repeat_interval 4h", c.Alerts)
	}
	if c.Feast != nil || c.Slack != nil {
		t.Errorf("feast, slack = %v, %v; want nil when absent", c.Feast, c.Slack)
	}
	if c.Offline.Parquet.Root != "testdata" {
		t.Errorf("parquet root = %q, want the config's directory", c.Offline.Parquet.Root)
	}
	if c.Offline.Parquet.MaxReadBytes != 128<<20 {
		t.Errorf("parquet max_read_bytes = %d, want 128MiB", c.Offline.Parquet.MaxReadBytes)
	}
	if !c.Offline.Parquet.PartitionPruning {
		t.Error("parquet partition_pruning off, want on by default")
	}
	if len(c.Views) != 1 {
		t.Fatalf("%d views", len(c.Views))
	}
	v := c.Views[0]
	if v.Interval != 5*time.Minute || v.SampleSize != 10000 || v.TTL != 0 || v.Source != "config" {
		t.Errorf("view interval, sample_size, ttl, source = %v, %d, %v, %q", v.Interval, v.SampleSize, v.TTL, v.Source)
	}
	if v.Line != 3 || v.Column != 5 {
		t.Errorf("view at %d:%d, want 3:5", v.Line, v.Column)
	}
	if v.Online.Layout != LayoutHash {
		t.Errorf("layout = %q, want hash", v.Online.Layout)
	}
	if v.Offline == nil || v.Offline.Window != 7*24*time.Hour {
		t.Errorf("offline = %+v, want window 7d", v.Offline)
	}
	want := Checks{
		Freshness:   thr(nil, nil), // no ttl: no threshold
		NullRate:    thr(ptr(0.01), ptr(0.05)),
		Coverage:    thr(ptr(0.99), ptr(0.95)),
		Consistency: thr(ptr(0.999), ptr(0.99)),
		Skew:        Skew{PValue: 0.01, MinStatistic: 0.1, PSI: thr(ptr(0.1), ptr(0.25))},
		Drift:       Skew{PValue: 0.01, MinStatistic: 0.1, PSI: thr(ptr(0.1), ptr(0.25))},
		Replication: Replication{Match: thr(ptr(0.99), ptr(0.95)), LagP99: thr(ptr(300.0), ptr(1800.0))},
		MinSample:   MinSample{NullRate: 100, Coverage: 100, Consistency: 100, Skew: 100, Drift: 100},
	}
	if !reflect.DeepEqual(v.Checks, want) {
		t.Errorf("checks = %s\nwant %s", showChecks(v.Checks), showChecks(want))
	}
}

func showChecks(c Checks) string {
	s := func(t Thresholds) string {
		f := func(p *float64) string {
			if p == nil {
				return "none"
			}
			return fmt.Sprint(*p)
		}
		return "{" + f(t.Warn) + " " + f(t.Crit) + "}"
	}
	return fmt.Sprintf("freshness%s null_rate%s coverage%s consistency%s skew{p %v min %v psi%s}",
		s(c.Freshness), s(c.NullRate), s(c.Coverage), s(c.Consistency), c.Skew.PValue, c.Skew.MinStatistic, s(c.Skew.PSI))
}

// TestExample checks that the README example means what its comments say.
func TestExample(t *testing.T) {
	top := mustLoad(t, "testdata/topology.good.yaml")
	if r := top.Online.Redis; r.ReadFrom != "replica" || r.Sentinel == nil || r.Sentinel.MasterName != "feature-store" ||
		len(r.Sentinel.Addrs) != 2 || r.Sentinel.PasswordFile != "/run/secrets/sentinel" || r.Addr != "" {
		t.Errorf("topology.good.yaml online.redis: %+v %+v", r, r.Sentinel)
	}
	if reps := top.Online.Replicas; len(reps) != 1 || reps[0].Name != "us-west-2" || reps[0].Redis.Addr != "10.1.0.5:6379" ||
		!reps[0].Redis.Cluster || reps[0].Redis.ReadFrom != "nearest" || reps[0].Redis.RateLimit != 500 || reps[0].Redis.MaxScan == 0 {
		t.Errorf("topology.good.yaml online.replicas: %+v", reps)
	}
	if rc := top.Views[0].Checks.Replication; !reflect.DeepEqual(rc, Replication{Match: thr(ptr(0.98), ptr(0.9)), LagP99: thr(ptr(60.0), ptr(600.0))}) {
		t.Errorf("topology.good.yaml replication thresholds: match %s lag_p99 %s", thrString(rc.Match), thrString(rc.LagP99))
	}
	c := mustLoad(t, "testdata/example.good.yaml")
	r := c.Online.Redis
	if r.Addr != "127.0.0.1:6379" || r.Username != "fsmon" || r.PasswordFile != "/run/secrets/redis" || r.DB != 0 || r.TLS {
		t.Errorf("redis = %+v", r)
	}
	if c.Offline.Parquet.Root != "/data/offline" {
		t.Errorf("root = %q", c.Offline.Parquet.Root)
	}
	if c.Feast == nil || c.Feast.Repo != "/srv/feature_repo" || c.Feast.Refresh != 5*time.Minute {
		t.Errorf("feast = %+v", c.Feast)
	}
	if c.Slack == nil || c.Slack.WebhookURLFile != "/run/secrets/slack_webhook" {
		t.Errorf("slack = %+v", c.Slack)
	}
	if c.Alerts.StateFile != "/var/lib/fsmon/alerts.json" || c.Web.GrafanaURL != "https://grafana.example.com" {
		t.Errorf("alerts, web = %+v, %+v", c.Alerts, c.Web)
	}
	v := c.Views[0]
	if v.Name != "driver_hourly_stats" || v.Project != "feast_demo" || !reflect.DeepEqual(v.Entities, []string{"driver_id"}) || v.TTL != 24*time.Hour {
		t.Errorf("view = %+v", v)
	}
	if v.Online != (ViewOnline{Layout: LayoutHash, Key: "fs:driver:{driver_id}", TimestampField: "event_ts"}) {
		t.Errorf("online = %+v", v.Online)
	}
	if *v.Offline != (ViewOffline{Path: "driver_stats/**/*.parquet", TimestampColumn: "event_timestamp", Window: 7 * 24 * time.Hour}) {
		t.Errorf("offline = %+v", *v.Offline)
	}
	var names []Feature
	for _, f := range v.Features {
		if f.Pos.Line == 0 || !strings.HasSuffix(f.Pos.File, ".yaml") {
			t.Errorf("feature %s has no position: %+v", f.Name, f.Pos)
		}
		names = append(names, Feature{Name: f.Name, Type: f.Type})
	}
	if !reflect.DeepEqual(names, []Feature{{Name: "conv_rate", Type: "float64"}, {Name: "city", Type: "string"}}) {
		t.Errorf("features = %+v", v.Features)
	}
	if v.Pos.Key.Line <= v.Pos.View.Line || v.Pos.Path.Line <= v.Pos.Key.Line || v.Pos.TimestampColumn.Line == 0 {
		t.Errorf("positions of the view's parts: %+v", v.Pos)
	}
	want := Checks{
		Freshness:   thr(ptr(2*3600), ptr(25*3600)),
		NullRate:    thr(ptr(0.01), ptr(0.05)),
		Coverage:    thr(ptr(0.99), ptr(0.95)),
		Consistency: thr(ptr(0.999), ptr(0.99)),
		Skew:        Skew{PValue: 0.01, MinStatistic: 0.1, PSI: thr(ptr(0.1), ptr(0.25))},
		Drift:       Skew{PValue: 0.01, MinStatistic: 0.1, PSI: thr(ptr(0.1), ptr(0.25))},
		Replication: Replication{Match: thr(ptr(0.99), ptr(0.95)), LagP99: thr(ptr(300.0), ptr(1800.0))},
		MinSample:   MinSample{NullRate: 100, Coverage: 100, Consistency: 100, Skew: 100, Drift: 100},
	}
	if !reflect.DeepEqual(v.Checks, want) {
		t.Errorf("checks = %s\nwant %s", showChecks(v.Checks), showChecks(want))
	}
}

// TestLayouts covers the url form, the string layout, partial and
// disabled thresholds, view overrides, anchors and merge keys.
func TestLayouts(t *testing.T) {
	c := mustLoad(t, "testdata/layouts.good.yaml")
	r := c.Online.Redis
	want := Redis{Addr: "redis.internal:6380", URL: "rediss://fsmon@redis.internal:6380/2", Username: "fsmon", PasswordEnv: "REDIS_PW",
		DB: 2, TLS: true, RateLimit: 0, BatchSize: 50, ScanCount: 100, MaxScan: 2000, Timeout: 2 * time.Second}
	if r != want {
		t.Errorf("redis = %+v\nwant %+v", r, want)
	}
	if s := c.Slack; s == nil || s.TokenFile != filepath.Join("testdata", "slack_token") || s.Channel != "#fs-alerts" ||
		!reflect.DeepEqual(s.Channels, map[string]string{"warn": "#fs-warn", "crit": "#fs-crit"}) || s.StatusURL != "http://fsmon.internal:9464/" {
		t.Errorf("slack = %+v", c.Slack)
	}
	if c.Alerts.RepeatInterval != 30*time.Minute || c.Alerts.For != 10*time.Minute {
		t.Errorf("alerts = %+v", c.Alerts)
	}
	u, eu := c.Views[0], c.Views[1]
	if u.Interval != 10*time.Minute || u.SampleSize != 2000 || eu.Interval != time.Minute || eu.SampleSize != 500 {
		t.Errorf("interval/sample_size = %v/%d and %v/%d; want the view's own, then the top level's", u.Interval, u.SampleSize, eu.Interval, eu.SampleSize)
	}
	if u.Online != (ViewOnline{Layout: LayoutString, Key: "feat:{country}:{user_id}:{feature}", TimestampField: "_ts"}) || u.Offline != nil {
		t.Errorf("user_features online, offline = %+v, %v", u.Online, u.Offline)
	}
	wantU := Checks{
		Freshness:   thr(ptr(90*60), ptr(2*3600)), // crit from the ttl
		NullRate:    thr(ptr(0.01), ptr(0.2)),
		Coverage:    thr(nil, ptr(0.5)), // warn: ~ disables it
		Consistency: thr(ptr(0.999), ptr(0.99)),
		Skew:        Skew{PValue: 0.05, MinStatistic: 0.1, PSI: thr(ptr(0.1), ptr(0.5))},
		Drift:       Skew{PValue: 0.01, MinStatistic: 0.1, PSI: thr(ptr(0.1), ptr(0.25))},
		Replication: Replication{Match: thr(ptr(0.99), ptr(0.95)), LagP99: thr(ptr(300.0), ptr(1800.0))},
		MinSample:   MinSample{NullRate: 100, Coverage: 100, Consistency: 100, Skew: 100, Drift: 100},
	}
	if !reflect.DeepEqual(u.Checks, wantU) {
		t.Errorf("user_features checks = %s\nwant %s", showChecks(u.Checks), showChecks(wantU))
	}
	if eu.Online != (ViewOnline{Layout: LayoutHash, Key: "u:{user_id}", TimestampField: "ts"}) || eu.Offline.Window != 30*24*time.Hour {
		t.Errorf("user_features_eu online, offline = %+v, %+v", eu.Online, eu.Offline)
	}
	if len(eu.Features) != 1 || eu.Features[0].Name != "age" || eu.Features[0].Type != "int32" {
		t.Errorf("aliased features = %+v", eu.Features)
	}
	if got := eu.Checks.Consistency; *got.Warn != 1 || *got.Crit != 0.999 {
		t.Errorf("consistency = %v/%v", *got.Warn, *got.Crit)
	}
}

func TestMergeKeys(t *testing.T) {
	src := `
feature_views:
  - &v
    name: a
    entities: [id]
    online: {key: "k:{id}", timestamp_field: ts}
    features: [{name: x, type: bool}]
  - <<: *v
    name: b
    sample_size: 7
`
	c, err := parse([]byte(src), "m.yaml", noDiscover)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Views) != 2 || c.Views[1].Name != "b" || c.Views[1].Online.Key != "k:{id}" || c.Views[1].SampleSize != 7 || c.Views[0].SampleSize != 10000 {
		t.Errorf("views = %+v", c.Views)
	}
}

// TestHostileYAML: cycles through anchors and merge keys end in errors,
// not in a hang or a crash.
func TestHostileYAML(t *testing.T) {
	for _, src := range []string{
		"online: &a {<<: *a}\n",
		"online: &a {redis: *a}\n",
		"feature_views: &a [*a]\n",
		"feature_views:\n  - &v {name: a, <<: *v}\n",
		"feature_views:\n  - &v {name: a, features: [*v], entities: *v, online: *v, checks: *v}\n",
		"interval: *x\n",
		"[1, 2]\n",
		"just text\n",
		"? [a]\n: b\n",
	} {
		c, err := parse([]byte(src), "h.yaml", noDiscover)
		if err == nil {
			t.Errorf("%q: parsed to %+v, want errors", src, c)
			continue
		}
		for _, e := range *err.(*Errors) {
			if e.Line < 1 || e.Column < 1 {
				t.Errorf("%q: error without position: %v", src, e)
			}
		}
	}
}

func TestRelativePaths(t *testing.T) {
	src := []byte(`
online: {redis: {password_file: secrets/redis}}
feast: {repo: repo}
slack: {webhook_url_file: /abs/hook}
alerts: {state_file: state.json}
offline: {parquet: {root: data}}
`)
	c, err := parse(src, "/etc/fsmon/fsmon.yml", noDiscover)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{c.Online.Redis.PasswordFile, c.Feast.Repo, c.Slack.WebhookURLFile, c.Alerts.StateFile, c.Offline.Parquet.Root}
	want := []string{"/etc/fsmon/secrets/redis", "/etc/fsmon/repo", "/abs/hook", "/etc/fsmon/state.json", "/etc/fsmon/data"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("paths = %q, want %q", got, want)
	}
}

// TestFeastDiscovery runs Parse with a discovery step that behaves as the
// Feast one is documented to: it merges config views by name and adds
// views with no place in the file.
func TestFeastDiscovery(t *testing.T) {
	src := []byte(`feast:
  repo: /srv/repo
feature_views:
  - name: driver
    project: demo
    interval: 1m
    checks:
      null_rate: {crit: 0.5}
`)
	discover := func(c *Config) []error {
		if c.Feast.Repo != "/srv/repo" {
			t.Errorf("discovery sees repo %q", c.Feast.Repo)
		}
		d := c.Views[0] // merged: keeps its place in the file
		d.Source = "feast"
		d.Online.Layout = LayoutFeast
		d.Entities = []string{"driver_id"}
		d.TTL = 2 * time.Hour
		d.Features = []Feature{{Name: "conv_rate", Type: "float32"}}
		d.Checks = Checks{} // whatever discovery does, the config's thresholds win
		orders := View{Name: "orders", Project: "demo", Source: "feast", Entities: []string{"order_id"},
			Online: ViewOnline{Layout: LayoutFeast}, Features: []Feature{{Name: "amount", Type: "float64"}, {Name: "blob"}},
			Offline: &ViewOffline{Path: "orders.parquet", TimestampColumn: "ts"}}
		c.Views = []View{d, orders}
		return []error{errors.New("view \"trips\": offline source is not a file source")}
	}
	_, err := parse(src, "f.yaml", discover)
	if err == nil {
		t.Fatal("want the discovery error and the untyped feature")
	}
	wantErrs := []string{
		`f.yaml:2:9: feast: view "trips": offline source is not a file source`,
		`f.yaml:2:9: feature view "orders" (from feast): feature "blob" has no type (one of: float32, float64, int32, int64, bool, string), and Feast does not know it`,
	}
	if got := strings.Split(err.Error(), "\n"); !reflect.DeepEqual(got, wantErrs) {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantErrs, "\n"))
	}

	ok := func(c *Config) []error {
		discover(c)
		c.Views[1].Features = c.Views[1].Features[:1]
		return nil
	}
	c, err := parse(src, "f.yaml", ok)
	if err != nil {
		t.Fatal(err)
	}
	d, o := c.Views[0], c.Views[1]
	if d.Interval != time.Minute || *d.Checks.NullRate.Crit != 0.5 || *d.Checks.NullRate.Warn != 0.01 || *d.Checks.Freshness.Crit != 7200 {
		t.Errorf("merged view: interval %v, checks %s", d.Interval, showChecks(d.Checks))
	}
	if o.Interval != 5*time.Minute || o.SampleSize != 10000 || o.Offline.Window != 7*24*time.Hour || o.Checks.Freshness.Crit != nil || *o.Checks.Coverage.Warn != 0.99 {
		t.Errorf("discovered view lacks defaults: %+v, checks %s", o, showChecks(o.Checks))
	}
}

func TestRedisURL(t *testing.T) {
	cases := []struct {
		url, addr, user string
		db              int
		tls             bool
		err             string
	}{
		{url: "redis://redis", addr: "redis:6379"},
		{url: "redis://u@[::1]:7000/15", addr: "[::1]:7000", user: "u", db: 15},
		{url: "rediss://10.0.0.5:6380", addr: "10.0.0.5:6380", tls: true},
		{url: "redis://:s3cret@redis:6379", err: "the URL holds a password"},
		{url: "redis://u:s3cret@redis:6379", err: "the URL holds a password"},
		{url: "redis://redis/zero", err: `the path must be a database number, got "zero"`},
		{url: "redis://redis?db=1", err: "query and fragment are not supported"},
		{url: "unix:///tmp/redis.sock", err: `scheme must be redis or rediss (TLS), got "unix"`},
		{url: "redis://", err: "no host"},
	}
	for _, tc := range cases {
		src := "online: {redis: {url: \"" + tc.url + "\"}}\nfeature_views: [{name: v, entities: [id], online: {key: \"v:{id}\", timestamp_field: ts}, features: [{name: x, type: bool}]}]\n"
		c, err := parse([]byte(src), "u.yaml", noDiscover)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err = %v, want %q", tc.url, err, tc.err)
			}
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Errorf("%s: error leaks the password: %v", tc.url, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.url, err)
			continue
		}
		r := c.Online.Redis
		if r.Addr != tc.addr || r.Username != tc.user || r.DB != tc.db || r.TLS != tc.tls || r.URL != tc.url {
			t.Errorf("%s: got addr %q user %q db %d tls %v", tc.url, r.Addr, r.Username, r.DB, r.TLS)
		}
	}
}

func TestSuggest(t *testing.T) {
	known := []string{"interval", "sample_size", "warn", "crit", "timestamp_field"}
	for in, want := range map[string]string{
		"intervall": "interval", "Interval": "interval", "sample-size": "sample_size", "samplesize": "sample_size",
		"warning": "warn", "timestamp": "timestamp_field", "critical": "crit", "zzz": "", "ttl": "", "unit": "",
	} {
		if got := suggest(in, known); got != want {
			t.Errorf("suggest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseDuration(t *testing.T) {
	cases := map[string]time.Duration{
		"0": 0, "90s": 90 * time.Second, "2h": 2 * time.Hour, "1h30m": 90 * time.Minute, "7d": 168 * time.Hour,
		"2w": 336 * time.Hour, "1y": 8760 * time.Hour, "250ms": 250 * time.Millisecond,
	}
	for s, want := range cases {
		if got, err := ParseDuration(s); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "5", "-1h", "1.5h", "5 minutes", "h", "1d1d"} {
		if got, err := ParseDuration(s); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", s, got)
		}
	}
}

func TestErrorsForms(t *testing.T) {
	_, err := Load("testdata/types.bad.yaml")
	var ptrErrs *Errors
	var valErrs Errors
	var one *Error
	if !errors.As(err, &ptrErrs) || !errors.As(err, &valErrs) || !errors.As(err, &one) {
		t.Fatalf("errors.As fails on %T", err)
	}
	if len(*ptrErrs) != 12 || len(valErrs) != 12 || one.Line != 1 || one.Column != 11 {
		t.Errorf("got %d/%d errors, first at %d:%d", len(*ptrErrs), len(valErrs), one.Line, one.Column)
	}
	if got, want := (&Error{File: "f.yml", Line: 3, Column: 7, Msg: "m"}).Error(), "f.yml:3:7: m"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got, want := (Errors{{File: "a", Line: 1, Column: 2, Msg: "x"}, {File: "a", Line: 3, Column: 4, Msg: "y"}}).Error(), "a:1:2: x\na:3:4: y"; got != want {
		t.Errorf("Errors.Error() = %q, want %q", got, want)
	}
	_, err = Load("testdata/does-not-exist.yaml")
	if err == nil || !strings.HasPrefix(err.Error(), "testdata/does-not-exist.yaml: read config:") {
		t.Errorf("missing file: %v", err)
	}
}

// TestFeastUnknownView: a listed view that discovery did not merge, with
// no layout or key of its own, is reported as unknown to Feast.
func TestFeastUnknownView(t *testing.T) {
	src := []byte(`feast: {repo: /srv/repo}
feature_views:
  - name: driverr
    checks: {null_rate: {crit: 0.5}}
`)
	discover := func(c *Config) []error {
		c.Views = append(c.Views, View{Name: "driver", Project: "demo", Source: "feast", Entities: []string{"driver_id"},
			Online: ViewOnline{Layout: LayoutFeast}, Features: []Feature{{Name: "conv_rate", Type: "float32"}}})
		return nil
	}
	_, err := parse(src, "f.yaml", discover)
	want := `f.yaml:3:11: feature_views[0]: no feature view "driverr" in the Feast registry of /srv/repo (to monitor a view Feast does not know, give it online.key and online.timestamp_field)`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}

// TestFeastRepoMissing runs the real discovery: a repo that does not exist
// is reported at feast.repo, with the file's position.
func TestFeastRepoMissing(t *testing.T) {
	dir := t.TempDir()
	src := []byte("feast:\n  repo: no-such-repo\n")
	_, err := Parse(src, filepath.Join(dir, "fsmon.yml"))
	var es *Errors
	if !errors.As(err, &es) || len(*es) == 0 {
		t.Fatalf("err = %v, want *Errors", err)
	}
	e := (*es)[0]
	if e.Line != 2 || e.Column != 9 || !strings.HasPrefix(e.Msg, "feast: ") || !strings.Contains(e.Msg, "no-such-repo") {
		t.Errorf("error = %v, want one at 2:9 naming the repo", e)
	}
}

func BenchmarkParseExample(b *testing.B) {
	data, err := os.ReadFile("testdata/example.good.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parse(data, "example.good.yaml", noDiscover); err != nil {
			b.Fatal(err)
		}
	}
}

// TestDerivedDefaults: max_scan follows the largest sample_size, and an
// explicit null crit removes the ttl-derived freshness threshold.
func TestDerivedDefaults(t *testing.T) {
	src := []byte(`sample_size: 2000
feature_views:
  - name: a
    ttl: 6h
    sample_size: 50000
    entities: [id]
    online: {key: "a:{id}", timestamp_field: ts}
    features: [{name: x, type: int64}]
    checks: {freshness: {crit: ~}}
  - name: b
    ttl: 6h
    entities: [id]
    online: {key: "b:{id}", timestamp_field: ts}
    features: [{name: x, type: int64}]
`)
	c, err := parse(src, "d.yaml", noDiscover)
	if err != nil {
		t.Fatal(err)
	}
	if c.Online.Redis.MaxScan != 500000 {
		t.Errorf("max_scan = %d, want 10 x 50000", c.Online.Redis.MaxScan)
	}
	if f := c.Views[0].Checks.Freshness; f.Warn != nil || f.Crit != nil {
		t.Errorf("a: freshness = %s, want no threshold", showChecks(c.Views[0].Checks))
	}
	if f := c.Views[1].Checks.Freshness; f.Warn != nil || f.Crit == nil || *f.Crit != 6*3600 {
		t.Errorf("b: freshness = %s, want crit 21600 (the ttl)", showChecks(c.Views[1].Checks))
	}
	if c.Views[1].SampleSize != 2000 {
		t.Errorf("b: sample_size = %d, want the top level's 2000", c.Views[1].SampleSize)
	}
}

func TestParseBytes(t *testing.T) {
	cases := map[string]int64{
		"1048576": 1 << 20, "128MiB": 128 << 20, "64 KiB": 64 << 10, "2GiB": 2 << 30, "5MB": 5e6, "1GB": 1e9, "300B": 300,
	}
	for s, want := range cases {
		if got, err := ParseBytes(s); err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "0", "-1MiB", "1.5MiB", "lots", "9999999999GiB", "MiB"} {
		if got, err := ParseBytes(s); err == nil {
			t.Errorf("ParseBytes(%q) = %v, want an error", s, got)
		}
	}
}

func TestReferenceForms(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "fsmon.yaml")
	yml := `
offline: {parquet: {root: /data}}
feature_views:
  - name: v
    entities: [id]
    online: {key: "k:{id}", timestamp_field: ts}
    offline: {path: v/*.parquet, timestamp_column: event_ts}
    reference: {from: 2026-11-01, to: "2026-11-14T12:00:00Z", label: ranker v3}
    checks:
      drift: {p_value: 0.001, psi: {crit: 0.5}}
    features:
      - {name: a, type: float64}
      - {name: b, type: float64, reference: {path: train/v3.parquet, reservoir: 5000}}
      - {name: c, type: string, reference: {profile: profiles/v3.fsprof}}
`
	if err := os.WriteFile(file, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(file)
	if err != nil {
		t.Fatal(err)
	}
	v := c.Views[0]
	r := v.ReferenceOf(v.Features[0])
	if r.Kind() != ReferenceRange || !r.From.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)) || !r.To.Equal(time.Date(2026, 11, 14, 12, 0, 0, 0, time.UTC)) || r.Name() != "ranker v3" {
		t.Errorf("view reference = %+v", r)
	}
	if r.SampleSize != DefaultReferenceSampleSize || r.Reservoir != DefaultReservoir {
		t.Errorf("defaults = %d, %d", r.SampleSize, r.Reservoir)
	}
	b := v.ReferenceOf(v.Features[1])
	if b.Kind() != ReferencePath || b.Path != "train/v3.parquet" || b.TimestampColumn != "event_ts" || b.Reservoir != 5000 {
		t.Errorf("feature b reference = %+v", b)
	}
	cr := v.ReferenceOf(v.Features[2])
	if cr.Kind() != ReferenceProfile || cr.Profile != filepath.Join(dir, "profiles/v3.fsprof") {
		t.Errorf("feature c reference = %+v", cr)
	}
	if !v.HasReference() {
		t.Error("HasReference = false")
	}
	if v.Checks.Drift.PValue != 0.001 || *v.Checks.Drift.PSI.Crit != 0.5 || *v.Checks.Drift.PSI.Warn != 0.1 || v.Checks.Skew.PValue != 0.01 {
		t.Errorf("drift = %+v, skew = %+v", v.Checks.Drift, v.Checks.Skew)
	}
}

func TestObjectStorageKeys(t *testing.T) {
	minimal, err := os.ReadFile("testdata/minimal.good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := parse([]byte(string(minimal)+"offline:\n  parquet:\n    root: s3://bucket/offline\n    s3: {endpoint: \"http://127.0.0.1:9000\", region: eu-west-1, path_style: true}\n    gcs: {endpoint: \"https://gcs.internal/storage/v1/\"}\n"), "/etc/fsmon/fsmon.yaml", noDiscover)
	if err != nil {
		t.Fatal(err)
	}
	p := c.Offline.Parquet
	if p.Root != "s3://bucket/offline" || p.S3 != (S3{Endpoint: "http://127.0.0.1:9000", Region: "eu-west-1", PathStyle: true}) || p.GCS.Endpoint != "https://gcs.internal/storage/v1/" {
		t.Errorf("parquet %+v", p)
	}
	for _, bad := range []struct{ yaml, want string }{
		{"offline: {parquet: {root: \"hdfs://x/y\"}}\n", "1:27: offline.parquet.root"},
		{"offline: {parquet: {s3: {endpoint: minio:9000}}}\n", "offline.parquet.s3.endpoint"},
		{"offline: {parquet: {s3: {path_styl: true}}}\n", "path_style"},
	} {
		_, err := parse([]byte(bad.yaml), "f.yaml", noDiscover)
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: %v, want an error with %q", bad.yaml, err, bad.want)
		}
	}
}

// TestWebPrivacyKeys: web.hide_values, web.top_categories and
// web.min_category_count decode, default to "names of the 10 most frequent
// categories seen at least 10 times", and bad values name the key.
func TestWebPrivacyKeys(t *testing.T) {
	minimal, err := os.ReadFile("testdata/minimal.good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := parse(minimal, "fsmon.yaml", noDiscover)
	if err != nil {
		t.Fatal(err)
	}
	if w := c.Web; w.HideValues || w.TopCategories != 10 || w.MinCategoryCount != 10 {
		t.Errorf("default web = %+v, want hide_values false, top_categories 10, min_category_count 10", w)
	}
	c, err = parse([]byte(string(minimal)+"web: {hide_values: true, top_categories: 0, min_category_count: 3}\n"), "fsmon.yaml", noDiscover)
	if err != nil {
		t.Fatal(err)
	}
	if w := c.Web; !w.HideValues || w.TopCategories != 0 || w.MinCategoryCount != 3 {
		t.Errorf("web = %+v", w)
	}
	for _, bad := range []struct{ yaml, want string }{
		{"web: {hide_values: yes please}\n", "1:20: web.hide_values: expected true or false"},
		{"web: {top_categories: -1}\n", "1:23: web.top_categories: expected a number of categories"},
		{"web: {min_category_count: ten}\n", "web.min_category_count: expected a number of sampled rows"},
		{"web: {hide_value: true}\n", `unknown key "hide_value" in web: did you mean "hide_values"?`},
	} {
		_, err := parse([]byte(bad.yaml), "f.yaml", noDiscover)
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: %v, want an error with %q", bad.yaml, err, bad.want)
		}
	}
}
