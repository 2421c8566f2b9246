package app

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fsmon/fsmon/config"
	"github.com/fsmon/fsmon/internal/gcstest"
	"github.com/fsmon/fsmon/internal/pqwrite"
	"github.com/fsmon/fsmon/internal/redistest"
	"github.com/fsmon/fsmon/internal/s3test"
	"github.com/fsmon/fsmon/internal/slacktest"
)

// liveStore writes the data of the live validation tests: 40 drivers in
// Redis (hashes fs:driver:N with event_ts, conv_rate, city, trips) and in
// dir/driver_stats/part-0.parquet (driver_id, event_timestamp, conv_rate,
// city: no trips column).
func liveStore(t *testing.T, addr, password, dir string) {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr, Password: password})
	defer rdb.Close()
	ts := time.Now().Add(-time.Hour).Truncate(time.Second)
	var rows [][]any
	for id := 1; id <= 40; id++ {
		conv, city := float64(id)/40, []string{"sf", "la"}[id%2]
		rows = append(rows, []any{int64(id), ts, conv, city})
		err := rdb.HSet(context.Background(), fmt.Sprintf("fs:driver:%d", id), "event_ts", fmt.Sprint(ts.Unix()),
			"conv_rate", fmt.Sprint(conv), "city", city, "trips", fmt.Sprint(id%7)).Err()
		if err != nil {
			t.Fatal(err)
		}
	}
	cols := []pqwrite.Column{{Name: "driver_id", Type: "int64"}, {Name: "event_timestamp", Type: "timestamp"},
		{Name: "conv_rate", Type: "float64", Optional: true}, {Name: "city", Type: "string", Optional: true}}
	if err := pqwrite.Write(filepath.Join(dir, "driver_stats", "part-0.parquet"), cols, rows); err != nil {
		t.Fatal(err)
	}
}

// writeLive writes body as dir/fsmon.yaml and loads it.
// writeSecret writes a password, token or ACL file, readable by its owner
// only, as such files are in production.
func writeSecret(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func writeLive(t *testing.T, dir, body string) *config.Config {
	t.Helper()
	path := filepath.Join(dir, "fsmon.yaml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatalf("load:\n%v\n%s", err, body)
	}
	return cfg
}

// at returns "FILE:LINE:COL" of value (after the line's first key, else
// anywhere on it) on the first line of body containing marker: where a finding about that key must
// point, computed from the text itself.
func at(t *testing.T, file, body, marker, value string) string {
	t.Helper()
	for i, line := range strings.Split(body, "\n") {
		if strings.Contains(line, marker) {
			// The value is looked for after the line's first key.
			c := -1
			if k := strings.Index(line, ": "); k >= 0 {
				if j := strings.Index(line[k:], value); j >= 0 {
					c = k + j
				}
			}
			if c < 0 {
				c = strings.Index(line, value)
			}
			if c < 0 {
				t.Fatalf("%q not on the line of %q", value, marker)
			}
			return fmt.Sprintf("%s:%d:%d", file, i+1, c+1)
		}
	}
	t.Fatalf("no line contains %q", marker)
	return ""
}

func liveRun(t *testing.T, cfg *config.Config, o LiveOptions) []Finding {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return ValidateLive(ctx, cfg, o)
}

// want is one expected finding: its place and key, and parts of its message.
type want struct {
	place, key string
	has        []string
}

// expect checks that the findings are exactly the wanted problems, in
// file order, and no notes.
func expect(t *testing.T, got []Finding, wants []want) {
	t.Helper()
	var lines []string
	for _, f := range got {
		lines = append(lines, f.String())
	}
	all := strings.Join(lines, "\n")
	t.Logf("findings:\n%s", all)
	if len(got) != len(wants) {
		t.Fatalf("%d findings, want %d:\n%s", len(got), len(wants), all)
	}
	for i, w := range wants {
		f := got[i]
		prefix := w.place + ": " + w.key + ": "
		if !strings.HasPrefix(f.String(), prefix) || f.Note {
			t.Errorf("finding %d is\n  %s (note %v)\nwant a problem starting with\n  %s", i, f, f.Note, prefix)
		}
		for _, h := range w.has {
			if !strings.Contains(f.Msg, h) {
				t.Errorf("finding %d %q lacks %q", i, f.Msg, h)
			}
		}
	}
}

// TestValidateLiveAllWell: a config whose stores, token and state
// directory are all right gives no finding; the token is checked with one
// auth.test, nothing is posted, and Redis receives no write.
func TestValidateLiveAllWell(t *testing.T) {
	srv := redistest.Start(t)
	dir := t.TempDir()
	liveStore(t, srv.Addr, "", dir)
	fake := slacktest.New(t, "C_ALERTS")
	writeSecret(t, filepath.Join(dir, "token"), slacktest.BotToken+"\n")
	// RESP2 and no CLIENT SETINFO: this client's own commands stay out of
	// the statistics.
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, Protocol: 2, DisableIdentity: true})
	defer rdb.Close()
	if err := rdb.ConfigResetStat(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	cfg := writeLive(t, dir, fmt.Sprintf(`online: {redis: {addr: %s, rate_limit: 0}}
slack: {token_file: token, channel: C_ALERTS}
alerts: {state_file: state/alerts.json}
feature_views:
  - name: driver_stats
    project: demo
    entities: [driver_id]
    online: {layout: hash, key: "fs:driver:{driver_id}", timestamp_field: event_ts}
    offline: {path: driver_stats/*.parquet, timestamp_column: event_timestamp}
    features: [{name: conv_rate, type: float64}, {name: city, type: string}]
`, srv.Addr))
	if err := os.Mkdir(filepath.Join(dir, "state"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got := liveRun(t, cfg, LiveOptions{SlackAPIURL: fake.APIURL()}); len(got) != 0 {
		t.Fatalf("findings on a good config: %v", got)
	}
	calls := fake.Calls()
	if len(calls) != 1 || calls[0].Method != "auth.test" {
		t.Errorf("Slack calls %+v, want one auth.test", calls)
	}
	stats, err := rdb.Info(context.Background(), "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(stats, "\n") {
		cmd, _, ok := strings.Cut(strings.TrimPrefix(line, "cmdstat_"), ":")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		switch cmd {
		case "scan", "hmget", "mget", "get", "ping", "hello", "auth", "info", "config|resetstat": // redisstore's read-only list
		default:
			t.Errorf("validation sent %s to the watched Redis", cmd)
		}
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "state")); len(ents) != 0 {
		t.Errorf("the state directory probe left %d files", len(ents))
	}
}

// TestValidateLiveMistakes: every mistake of one config is reported at
// once, each at its own key: a key template matching no key, a feature
// the Parquet files lack, a timestamp column they lack, a path matching no
// file, a token Slack refuses, and a state directory that is a file.
func TestValidateLiveMistakes(t *testing.T) {
	srv := redistest.Start(t)
	dir := t.TempDir()
	liveStore(t, srv.Addr, "", dir)
	fake := slacktest.New(t, "C_ALERTS")
	const wrongToken = "xoxb-9999-0000-n0tTh3T0k3n"
	writeSecret(t, filepath.Join(dir, "token"), wrongToken+"\n")
	if err := os.WriteFile(filepath.Join(dir, "notadir"), []byte("a file where a directory should be\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`online:
  redis:
    addr: %s
    rate_limit: 0
slack:
  token_file: token
  channel: C_ALERTS
alerts:
  state_file: notadir/alerts.json
feature_views:
  - name: typo_key
    project: demo
    entities: [driver_id]
    online: {layout: hash, key: "fs:drivr:{driver_id}", timestamp_field: event_ts}
    features: [{name: conv_rate, type: float64}]
  - name: missing_column
    project: demo
    entities: [driver_id]
    online: {layout: hash, key: "fs:driver:{driver_id}", timestamp_field: event_ts}
    offline: {path: driver_stats/*.parquet, timestamp_column: event_timestamp}
    features:
      - {name: conv_rate, type: float64}
      - {name: trips, type: int64}
  - name: bad_timestamp
    project: demo
    entities: [driver_id]
    online: {layout: hash, key: "fs:driver:{driver_id}", timestamp_field: event_ts}
    offline: {path: driver_stats/*.parquet, timestamp_column: event_time}
    features: [{name: conv_rate, type: float64}]
  - name: no_files
    project: demo
    entities: [driver_id]
    online: {layout: hash, key: "fs:driver:{driver_id}", timestamp_field: event_ts}
    offline: {path: nothing_here/*.parquet, timestamp_column: event_timestamp}
    features: [{name: conv_rate, type: float64}]
`, srv.Addr)
	cfg := writeLive(t, dir, body)
	file := cfg.File
	got := liveRun(t, cfg, LiveOptions{SlackAPIURL: fake.APIURL()})
	expect(t, got, []want{
		{at(t, file, body, "token_file:", "token"), "slack.token_file", []string{"invalid_auth"}},
		{at(t, file, body, "state_file:", "notadir"), "alerts.state_file", []string{"not writable", "not a directory"}},
		{at(t, file, body, "fs:drivr:", `"fs:drivr:`), "feature_views[0].online.key", []string{`"fs:drivr:{driver_id}" matches no key in Redis`}},
		{at(t, file, body, "name: trips", "trips"), "feature_views[1].features[1].name", []string{`no column trips in the Parquet files of driver_stats/*.parquet`}},
		{at(t, file, body, "event_time}", "event_time}"), "feature_views[2].offline.timestamp_column", []string{"no timestamp column event_time in any of the 1 Parquet files"}},
		{at(t, file, body, "nothing_here", "nothing_here"), "feature_views[3].offline.path", []string{"no Parquet file", "nothing_here/*.parquet"}},
	})
	for _, f := range got {
		if strings.Contains(f.String(), wrongToken) {
			t.Errorf("the token leaked: %s", f)
		}
	}
	if n := len(fake.Calls()); n != 1 {
		t.Errorf("%d calls to Slack, want one auth.test", n)
	}
}

// TestValidateLiveRedisAccess: a Redis with requirepass and ACL users;
// each way of not getting in is reported at the key responsible, and the
// passwords never show.
func TestValidateLiveRedisAccess(t *testing.T) {
	const pass, userPass = "s3cret-requirepass", "us3r-s3cret"
	dir := t.TempDir()
	acl := filepath.Join(dir, "users.acl")
	users := "user default on >" + pass + " ~* &* +@all\n" +
		"user noscan on >" + userPass + " ~* resetchannels +@all -scan\n" +
		"user nohmget on >" + userPass + " ~* resetchannels -@all +scan +ping\n"
	writeSecret(t, acl, users)
	srv := redistest.Start(t, "aclfile "+acl)
	liveStore(t, srv.Addr, pass, dir)
	secret := func(name, v string) string {
		p := filepath.Join(dir, name)
		writeSecret(t, p, v+"\n")
		return name
	}
	view := `feature_views:
  - name: driver_stats
    project: demo
    entities: [driver_id]
    online: {layout: hash, key: "fs:driver:{driver_id}", timestamp_field: event_ts}
    features: [{name: conv_rate, type: float64}]
`
	cases := []struct {
		name, redis   string
		marker, value string
		key           string
		has           []string
	}{
		{name: "wrong password", redis: "password_file: " + secret("wrong", "not-the-password"),
			marker: "password_file", value: "wrong", key: "online.redis.password_file", has: []string{"refused the credentials", "WRONGPASS"}},
		{name: "no password", redis: "rate_limit: 0",
			marker: "addr:", value: "addr", key: "online.redis", has: []string{"NOAUTH"}},
		{name: "user without SCAN", redis: "username: noscan\n    password_file: " + secret("user", userPass),
			marker: "username", value: "noscan", key: "online.redis.username", has: []string{"NOPERM", "scan"}},
		{name: "user without HMGET", redis: "username: nohmget\n    password_file: " + secret("user", userPass),
			marker: "username", value: "nohmget", key: "online.redis.username", has: []string{"NOPERM", "hmget"}},
		{name: "no such db", redis: "db: 99\n    password_file: " + secret("right", pass),
			marker: "db:", value: "99", key: "online.redis.db", has: []string{"no database 99"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := fmt.Sprintf("online:\n  redis:\n    addr: %s\n    %s\n", srv.Addr, c.redis) + view
			cfg := writeLive(t, dir, body)
			place := at(t, cfg.File, body, c.marker, c.value)
			if c.key == "online.redis" { // a mapping: its key
				place = at(t, cfg.File, body, "redis:", "redis")
			}
			got := liveRun(t, cfg, LiveOptions{})
			expect(t, got, []want{{place, c.key, c.has}})
			for _, s := range []string{pass, userPass, "not-the-password"} {
				if strings.Contains(got[0].String(), s) {
					t.Errorf("a password leaked: %s", got[0])
				}
			}
		})
	}
}

// TestValidateLiveUnreachable: a Redis that accepts connections and never
// answers is reported at its address once the deadline passes, although
// the config's own timeout is longer: validation does not hang.
func TestValidateLiveUnreachable(t *testing.T) {
	silent := silentServer(t)
	dir := t.TempDir()
	body := fmt.Sprintf("online: {redis: {addr: %s, timeout: 5m}}\n", silent) + `feature_views:
  - name: v
    project: p
    entities: [id]
    online: {layout: hash, key: "v:{id}", timestamp_field: ts}
    features: [{name: f, type: int64}]
`
	cfg := writeLive(t, dir, body)
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	start := time.Now()
	got := ValidateLive(ctx, cfg, LiveOptions{})
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("took %s with a deadline of 1.5s", d)
	}
	expect(t, got, []want{{at(t, cfg.File, body, "addr", silent), "online.redis.addr", []string{"no answer from Redis"}}})
}

// TestValidateLiveMissingBucket: against a real S3 server (SeaweedFS), a
// root in a bucket that does not exist is reported once at
// offline.parquet.root, and a prefix with no object at the view's path.
func TestValidateLiveMissingBucket(t *testing.T) {
	s3 := s3test.Start(t)
	t.Setenv("AWS_ACCESS_KEY_ID", s3test.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", s3test.SecretKey)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	s3.Bucket(t, "features")
	srv := redistest.Start(t)
	dir := t.TempDir()
	liveStore(t, srv.Addr, "", dir)
	s3.PutDir(t, "features", "offline", dir)
	views := `feature_views:
  - name: a
    project: demo
    entities: [driver_id]
    online: {layout: hash, key: "fs:driver:{driver_id}", timestamp_field: event_ts}
    offline: {path: driver_stats/*.parquet, timestamp_column: event_timestamp}
    features: [{name: conv_rate, type: float64}]
  - name: b
    project: demo
    entities: [driver_id]
    online: {layout: hash, key: "fs:driver:{driver_id}", timestamp_field: event_ts}
    offline: {path: driver_stats/*.parquet, timestamp_column: event_timestamp}
    features: [{name: city, type: string}]
`
	conf := func(root string) string {
		return fmt.Sprintf("online: {redis: {addr: %s, rate_limit: 0}}\noffline:\n  parquet:\n    root: %s\n    s3: {endpoint: %s, path_style: true, region: us-east-1}\n", srv.Addr, root, s3.Endpoint) + views
	}
	body := conf("s3://no-such-bucket/offline")
	cfg := writeLive(t, dir, body)
	expect(t, liveRun(t, cfg, LiveOptions{}), []want{
		{at(t, cfg.File, body, "root:", "s3://"), "offline.parquet.root", []string{"s3://no-such-bucket/offline: the bucket does not exist"}},
	})

	body = conf("s3://features/offline")
	cfg = writeLive(t, dir, body)
	if got := liveRun(t, cfg, LiveOptions{}); len(got) != 0 {
		t.Fatalf("findings with the files in the bucket: %v", got)
	}

	body = conf("s3://features/elsewhere")
	cfg = writeLive(t, dir, body)
	lines := strings.Split(body, "\n")
	var paths []string
	for i, l := range lines {
		if strings.Contains(l, "offline: {path:") {
			paths = append(paths, fmt.Sprintf("%s:%d:%d", cfg.File, i+1, strings.Index(l, "driver_stats")+1))
		}
	}
	expect(t, liveRun(t, cfg, LiveOptions{}), []want{
		{paths[0], "feature_views[0].offline.path", []string{"no Parquet file"}},
		{paths[1], "feature_views[1].offline.path", []string{"no Parquet file"}},
	})
}

// silentServer accepts TCP connections on loopback and never answers.
func silentServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}

// TestValidateLiveSentinel: behind Sentinel, a master name the Sentinels
// do not know, the Sentinels' own password and the data nodes' password
// are told apart and reported at their own keys; with all right, the view
// is sampled through the primary Sentinel names and nothing is reported.
func TestValidateLiveSentinel(t *testing.T) {
	const pass, sentinelPass = "data-s3cret", "sentinel-s3cret"
	primary := redistest.Start(t, "requirepass "+pass)
	dir := t.TempDir()
	liveStore(t, primary.Addr, pass, dir)
	sentinel := redistest.StartSentinel(t, "features", primary.Addr, "sentinel auth-pass features "+pass, "requirepass "+sentinelPass)
	secret := func(name, v string) string {
		writeSecret(t, filepath.Join(dir, name), v+"\n")
		return name
	}
	secret("data", pass)
	secret("sentinel", sentinelPass)
	secret("wrong", "not-it")
	conf := func(master, dataPW, sentinelPW string) string {
		return fmt.Sprintf(`online:
  redis:
    password_file: %s
    sentinel:
      master_name: %s
      addrs: [%s]
      password_file: %s
feature_views:
  - name: driver_stats
    project: demo
    entities: [driver_id]
    online: {layout: hash, key: "fs:driver:{driver_id}", timestamp_field: event_ts}
    features: [{name: conv_rate, type: float64}]
`, dataPW, master, sentinel.Addr, sentinelPW)
	}
	cases := []struct {
		name, master, data, sentinel string
		marker, value, key           string
		has                          string
	}{
		{"all right", "features", "data", "sentinel", "", "", "", ""},
		{"unknown master", "featurez", "data", "sentinel", "master_name", "featurez", "online.redis.sentinel.master_name", `no primary named "featurez"`},
		{"wrong sentinel password", "features", "data", "wrong", "      password_file", "wrong", "online.redis.sentinel.password_file", "the Sentinels refused the credentials"},
		{"wrong data password", "features", "wrong", "sentinel", "    password_file", "wrong", "online.redis.password_file", "Redis refused the credentials"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := conf(c.master, c.data, c.sentinel)
			cfg := writeLive(t, dir, body)
			got := liveRun(t, cfg, LiveOptions{})
			if c.key == "" {
				if len(got) != 0 {
					t.Fatalf("findings: %v", got)
				}
				return
			}
			// the first line holding the marker at that indentation
			marker := c.marker
			if strings.HasPrefix(marker, " ") {
				for _, l := range strings.Split(body, "\n") {
					if strings.HasPrefix(l, marker) {
						marker = l
						break
					}
				}
			}
			expect(t, got, []want{{at(t, cfg.File, body, marker, c.value), c.key, []string{c.has}}})
		})
	}
}

// TestValidateLiveCluster: on a Redis Cluster every shard is sampled: a
// good config gives nothing, a key template matching no key on any shard
// is reported at online.key, and an ACL user without CLUSTER SLOTS at
// online.redis.username.
func TestValidateLiveCluster(t *testing.T) {
	dir := t.TempDir()
	acl := filepath.Join(dir, "users.acl")
	users := "user default on nopass ~* &* +@all\n" +
		"user noslots on >pw ~* resetchannels -@all +scan +hmget +mget +get +ping +dbsize\n"
	writeSecret(t, acl, users)
	c := redistest.StartCluster(t, 3, 0, "aclfile "+acl)
	cc := c.ClusterClient(t)
	ts := time.Now().Add(-time.Hour).Unix()
	for id := 1; id <= 60; id++ {
		if err := cc.HSet(context.Background(), fmt.Sprintf("fs:driver:%d", id), "event_ts", fmt.Sprint(ts), "conv_rate", "0.5").Err(); err != nil {
			t.Fatal(err)
		}
	}
	writeSecret(t, filepath.Join(dir, "pw"), "pw\n")
	conf := func(user, key string) string {
		return fmt.Sprintf(`online:
  redis:
    addr: %s
    cluster: true
    rate_limit: 0
%sfeature_views:
  - name: driver_stats
    project: demo
    entities: [driver_id]
    online: {layout: hash, key: "%s", timestamp_field: event_ts}
    features: [{name: conv_rate, type: float64}]
`, c.Seed(), user, key)
	}
	body := conf("", "fs:driver:{driver_id}")
	if got := liveRun(t, writeLive(t, dir, body), LiveOptions{}); len(got) != 0 {
		t.Fatalf("findings on a good cluster config: %v", got)
	}
	body = conf("", "fs:drivr:{driver_id}")
	cfg := writeLive(t, dir, body)
	expect(t, liveRun(t, cfg, LiveOptions{}), []want{
		{at(t, cfg.File, body, "fs:drivr:", `"fs:drivr:`), "feature_views[0].online.key", []string{"matches no key in Redis"}},
	})
	body = conf("    username: noslots\n    password_file: pw\n", "fs:driver:{driver_id}")
	cfg = writeLive(t, dir, body)
	expect(t, liveRun(t, cfg, LiveOptions{}), []want{
		{at(t, cfg.File, body, "username:", "noslots"), "online.redis.username", []string{"NOPERM", "cluster"}},
	})
}

// TestValidateLiveGCS: on Cloud Storage (the fake-gcs-server emulator), a
// root in a bucket that does not exist is reported once at
// offline.parquet.root; with the files in the bucket nothing is reported.
func TestValidateLiveGCS(t *testing.T) {
	gcs := gcstest.Start(t)
	t.Setenv("STORAGE_EMULATOR_HOST", strings.TrimPrefix(strings.TrimSuffix(gcs.Endpoint(), "/storage/v1/"), "http://"))
	srv := redistest.Start(t)
	dir := t.TempDir()
	liveStore(t, srv.Addr, "", dir)
	gcs.Bucket(t, "features")
	gcs.PutDir(t, "features", "offline", dir)
	conf := func(root string) string {
		return fmt.Sprintf(`online: {redis: {addr: %s, rate_limit: 0}}
offline:
  parquet:
    root: %s
    gcs: {endpoint: %s}
feature_views:
  - name: a
    project: demo
    entities: [driver_id]
    online: {layout: hash, key: "fs:driver:{driver_id}", timestamp_field: event_ts}
    offline: {path: driver_stats/*.parquet, timestamp_column: event_timestamp}
    features: [{name: conv_rate, type: float64}]
`, srv.Addr, root, gcs.Endpoint())
	}
	body := conf("gs://no-such-bucket/offline")
	cfg := writeLive(t, dir, body)
	expect(t, liveRun(t, cfg, LiveOptions{}), []want{
		{at(t, cfg.File, body, "root:", "gs://"), "offline.parquet.root", []string{"gs://no-such-bucket/offline: the bucket does not exist"}},
	})
	body = conf("gs://features/offline")
	if got := liveRun(t, writeLive(t, dir, body), LiveOptions{}); len(got) != 0 {
		t.Fatalf("findings with the files in the bucket: %v", got)
	}
}

// TestValidateLiveReadFromReplica: with read_from: replica behind a real
// Sentinel, validation samples the replica the daemon will read, not the
// primary: a good config gives nothing and sends the scan and reads to the
// replica only, and an ACL user the replica (unlike the primary) forbids
// HMGET is reported at online.redis.username.
func TestValidateLiveReadFromReplica(t *testing.T) {
	dir := t.TempDir()
	acl := func(name, reader string) string {
		p := filepath.Join(dir, name)
		writeSecret(t, p, "user default on nopass ~* &* +@all\nuser reader on >pw ~* resetchannels -@all "+reader+"\n")
		return "aclfile " + p
	}
	primary := redistest.Start(t, acl("primary.acl", "+scan +hmget +mget +get +ping +dbsize"))
	replica := redistest.StartReplica(t, primary.Addr, acl("replica.acl", "+scan +mget +get +ping +dbsize"))
	liveStore(t, primary.Addr, "", dir)
	redistest.WaitSynced(t, primary.Addr, 1)
	sentinel := redistest.StartSentinel(t, "features", primary.Addr)
	redistest.WaitSentinelReplicas(t, sentinel.Addr, "features", 1)
	writeSecret(t, filepath.Join(dir, "pw"), "pw\n")
	conf := func(user string) string {
		return fmt.Sprintf(`online:
  redis:
    read_from: replica
    rate_limit: 0
%s    sentinel: {master_name: features, addrs: [%s]}
feature_views:
  - name: driver_stats
    project: demo
    entities: [driver_id]
    online: {layout: hash, key: "fs:driver:{driver_id}", timestamp_field: event_ts}
    features: [{name: conv_rate, type: float64}]
`, user, sentinel.Addr)
	}
	calls := func(addr string) map[string]int {
		t.Helper()
		stats, err := redistest.Client(t, addr).Info(context.Background(), "commandstats").Result()
		if err != nil {
			t.Fatal(err)
		}
		n := map[string]int{}
		for _, line := range strings.Split(stats, "\n") {
			var c int
			cmd, rest, ok := strings.Cut(strings.TrimPrefix(line, "cmdstat_"), ":calls=")
			if _, err := fmt.Sscanf(rest, "%d", &c); ok && err == nil {
				n[cmd] = c
			}
		}
		return n
	}
	for _, addr := range []string{primary.Addr, replica.Addr} {
		if err := redistest.Client(t, addr).ConfigResetStat(context.Background()).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if got := liveRun(t, writeLive(t, dir, conf("")), LiveOptions{}); len(got) != 0 {
		t.Fatalf("findings on a good config: %v", got)
	}
	if n := calls(primary.Addr); n["scan"]+n["hmget"] != 0 {
		t.Errorf("the primary served scan %d hmget %d, want none", n["scan"], n["hmget"])
	}
	if n := calls(replica.Addr); n["scan"] == 0 || n["hmget"] == 0 {
		t.Errorf("the replica served scan %d hmget %d, want both", n["scan"], n["hmget"])
	}

	body := conf("    username: reader\n    password_file: pw\n")
	cfg := writeLive(t, dir, body)
	expect(t, liveRun(t, cfg, LiveOptions{}), []want{
		{at(t, cfg.File, body, "username:", "reader"), "online.redis.username", []string{"NOPERM", "hmget"}},
	})
}
