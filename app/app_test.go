package app

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/config"
	"github.com/fsmon/fsmon/internal/pqwrite"
	"github.com/fsmon/fsmon/internal/redistest"
)

// fixture is a store whose correct answers are known by construction:
//
//   - 200 drivers (ids 1..200) offline, one row each, 1h old;
//   - online: drivers 1..180 (20 missing: coverage 180/200 = 0.9), event
//     time 1h ago (freshness 3600 s);
//   - conv_rate is empty for drivers 1..10 online and null for the same
//     drivers offline: online null rate 10/180, offline 10/200 = 0.05,
//     and consistency 1 (both null is equal);
//   - city alternates between "sf" and "la" in both stores (no skew).
type fixture struct {
	now    time.Time
	redis  *redistest.Server
	dir    string
	config string
}

func newFixture(t *testing.T, extra string) *fixture {
	t.Helper()
	fx := &fixture{now: time.Now().Truncate(time.Second), redis: redistest.Start(t), dir: t.TempDir()}
	rdb := redis.NewClient(&redis.Options{Addr: fx.redis.Addr})
	defer rdb.Close()
	ctx := context.Background()
	ts := fx.now.Add(-time.Hour)
	cols := []pqwrite.Column{{Name: "driver_id", Type: "int64"}, {Name: "event_timestamp", Type: "timestamp"},
		{Name: "conv_rate", Type: "float64", Optional: true}, {Name: "city", Type: "string", Optional: true}}
	var rows [][]any
	for id := 1; id <= 200; id++ {
		conv := any(float64(id) / 200)
		convText := fmt.Sprint(float64(id) / 200)
		if id <= 10 {
			conv, convText = nil, ""
		}
		city := []string{"sf", "la"}[id%2]
		rows = append(rows, []any{int64(id), ts, conv, city})
		if id <= 180 {
			err := rdb.HSet(ctx, fmt.Sprintf("fs:driver:%d", id), "event_ts", fmt.Sprint(ts.Unix()), "conv_rate", convText, "city", city).Err()
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := pqwrite.Write(filepath.Join(fx.dir, "driver_stats", "part-0.parquet"), cols, rows); err != nil {
		t.Fatal(err)
	}
	fx.config = filepath.Join(fx.dir, "fsmon.yaml")
	fx.writeConfig(t, extra)
	return fx
}

func (fx *fixture) writeConfig(t *testing.T, extra string) {
	t.Helper()
	cfg := fmt.Sprintf(`interval: 1s
online:
  redis:
    addr: %s
    rate_limit: 0
    timeout: 2s
offline:
  parquet:
    root: %s
feature_views:
  - name: driver_hourly_stats
    project: demo
    entities: [driver_id]
    ttl: 24h
    online:
      layout: hash
      key: "fs:driver:{driver_id}"
      timestamp_field: event_ts
    offline:
      path: driver_stats/*.parquet
      timestamp_column: event_timestamp
    features:
      - {name: conv_rate, type: float64}
      - {name: city, type: string}
%s`, fx.redis.Addr, fx.dir, extra)
	if err := os.WriteFile(fx.config, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
}

func find(t *testing.T, rs []checks.Result, check, feature, store string) checks.Result {
	t.Helper()
	for _, r := range rs {
		if r.Check == check && r.Feature == feature && r.Store == store {
			return r
		}
	}
	t.Fatalf("no %s result for %q/%q in %d results", check, feature, store, len(rs))
	return checks.Result{}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

func TestCheckOnceKnownAnswers(t *testing.T) {
	fx := newFixture(t, "")
	cfg, err := config.Load(fx.config)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := CheckOnce(context.Background(), cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	fresh := find(t, rs, checks.KindFreshness, "", "")
	if fresh.Value == nil || *fresh.Value < 3600 || *fresh.Value > 3700 || fresh.Status != checks.OK {
		t.Errorf("freshness %v %v, want ~3600 s ok", fresh.Value, fresh.Status)
	}
	on := find(t, rs, checks.KindNullRate, "conv_rate", checks.StoreOnline)
	if !near(*on.Value, 10.0/180) || *on.SampleSize != 180 || on.Status != checks.Crit {
		t.Errorf("online null rate %v n %v %v, want %v 180 crit", *on.Value, *on.SampleSize, on.Status, 10.0/180)
	}
	if on.Details["empty"] != 10 {
		t.Errorf("empty count %v", on.Details)
	}
	off := find(t, rs, checks.KindNullRate, "conv_rate", checks.StoreOffline)
	if !near(*off.Value, 0.05) || *off.SampleSize != 200 {
		t.Errorf("offline null rate %v n %v", *off.Value, *off.SampleSize)
	}
	cov := find(t, rs, checks.KindCoverage, "", "")
	if cov.Value == nil || !near(*cov.Value, 0.9) || cov.Status != checks.Crit {
		t.Errorf("coverage %+v, want 0.9 crit", cov)
	}
	for _, f := range []string{"conv_rate", "city"} {
		c := find(t, rs, checks.KindConsistency, f, "")
		if c.Value == nil || *c.Value != 1 || *c.SampleSize != 180 {
			t.Errorf("consistency of %s: %+v, want 1 over 180", f, c)
		}
	}
	city := find(t, rs, checks.KindSkew, "city", "")
	if city.Status != checks.OK {
		t.Errorf("city skew %+v, want ok", city)
	}
}

func TestServeMetricsAndRecovery(t *testing.T) {
	fx := newFixture(t, "")
	a := startApp(t, Options{ConfigFile: fx.config, FirstRunSpread: time.Millisecond})
	base := "http://" + a.Addr()

	waitFor(t, func() bool { return strings.Contains(get(t, base+"/metrics"), "fsmon_feature_view_coverage_ratio") })
	want := `
# HELP fsmon_feature_view_coverage_ratio Fraction of the offline sample's fresh entities that are served online.
# TYPE fsmon_feature_view_coverage_ratio gauge
fsmon_feature_view_coverage_ratio{feature_view="driver_hourly_stats",project="demo"} 0.9
# HELP fsmon_feature_null_ratio Fraction of sampled entities (online) or rows (offline) where the feature is null or absent.
# TYPE fsmon_feature_null_ratio gauge
fsmon_feature_null_ratio{feature="city",feature_view="driver_hourly_stats",project="demo",store="offline"} 0
fsmon_feature_null_ratio{feature="city",feature_view="driver_hourly_stats",project="demo",store="online"} 0
fsmon_feature_null_ratio{feature="conv_rate",feature_view="driver_hourly_stats",project="demo",store="offline"} 0.05
fsmon_feature_null_ratio{feature="conv_rate",feature_view="driver_hourly_stats",project="demo",store="online"} 0.05555555555555555
# HELP fsmon_feature_view_sample_size Entities (online) or rows (offline) in the view's last sample.
# TYPE fsmon_feature_view_sample_size gauge
fsmon_feature_view_sample_size{feature_view="driver_hourly_stats",project="demo",store="offline"} 200
fsmon_feature_view_sample_size{feature_view="driver_hourly_stats",project="demo",store="online"} 180
`
	if err := testutil.GatherAndCompare(a.Registry(), strings.NewReader(want),
		"fsmon_feature_view_coverage_ratio", "fsmon_feature_null_ratio", "fsmon_feature_view_sample_size"); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/-/healthy", "/-/ready", "/", "/api/v1/results"} {
		if code := status(t, base+p); code != 200 {
			t.Errorf("GET %s: %d", p, code)
		}
	}

	// Redis goes away: the online checks report errors, the offline ones
	// keep running, and the error counter moves.
	fx.redis.Stop()
	errorsBefore := a.metrics.Runs(checks.KindFreshness, "error")
	waitFor(t, func() bool {
		return a.metrics.Runs(checks.KindFreshness, "error") > errorsBefore
	})
	if s := get(t, base+"/metrics"); !strings.Contains(s, `fsmon_check_status{check="freshness",feature="",feature_view="driver_hourly_stats",project="demo",store=""} 3`) {
		t.Errorf("freshness status is not error while Redis is down")
	}
	// Redis comes back (empty): the daemon recovers by itself and the
	// freshness check runs to a verdict again.
	fx.redis.Restart(t)
	rdb := redis.NewClient(&redis.Options{Addr: fx.redis.Addr})
	defer rdb.Close()
	rdb.HSet(context.Background(), "fs:driver:1", "event_ts", fmt.Sprint(fx.now.Unix()), "conv_rate", "0.5", "city", "sf")
	ok := a.metrics.Runs(checks.KindFreshness, "success")
	waitFor(t, func() bool { return a.metrics.Runs(checks.KindFreshness, "success") > ok })
}

func TestReloadKeepsOldConfigOnError(t *testing.T) {
	fx := newFixture(t, "")
	a := startApp(t, Options{ConfigFile: fx.config, FirstRunSpread: time.Millisecond, EnableLifecycle: true})
	if err := os.WriteFile(fx.config, []byte("interval: soon\nfeature_views: 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post("http://"+a.Addr()+"/-/reload", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 500 || !strings.Contains(string(body), "fsmon.yaml:1:") {
		t.Fatalf("bad reload: %d %s", resp.StatusCode, body)
	}
	if n := len(a.Config().Views); n != 1 {
		t.Fatalf("old config lost: %d views", n)
	}
	if !strings.Contains(get(t, "http://"+a.Addr()+"/metrics"), "fsmon_config_last_reload_successful 0") {
		t.Error("reload failure not exported")
	}
	// A good config is picked up.
	fx.writeConfig(t, "  - name: second_view\n    project: demo\n    entities: [driver_id]\n    online: {layout: hash, key: \"x:{driver_id}\", timestamp_field: ts}\n    features: [{name: a, type: int64}]\n")
	resp, err = http.Post("http://"+a.Addr()+"/-/reload", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || len(a.Config().Views) != 2 {
		t.Fatalf("good reload: %d, %d views", resp.StatusCode, len(a.Config().Views))
	}
}

func TestSlowRedisTimesOut(t *testing.T) {
	// A run's timeout (1s) fires while Redis is stalled; the run ends with
	// an error instead of piling up. The fixture's data is fresh, so only
	// the stall can make freshness an error. Redis' socket timeout is 10s
	// here, far past the run's, so that only the run's deadline can end it
	// within the hang guard below.
	fx := newFixture(t, "")
	cfgText, err := os.ReadFile(fx.config)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fx.config, bytes.Replace(cfgText, []byte("timeout: 2s"), []byte("timeout: 10s"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(fx.config)
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Online.Redis.Timeout; got != 10*time.Second {
		t.Fatalf("redis timeout %v, want the 10s written", got)
	}
	// Frozen before the run starts, so that it certainly finds Redis
	// stalled (the process is stopped until Thaw).
	if err := fx.redis.Freeze(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	rs, err := CheckOnce(ctx, cfg, nil, nil)
	el := time.Since(start)
	if err := fx.redis.Thaw(); err != nil {
		t.Fatal(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	// A guard against a hang, not a speed bound.
	if el > 5*time.Second {
		t.Errorf("the run did not stop at its deadline (took %v)", el)
	}
	if r := find(t, rs, checks.KindFreshness, "", ""); r.Status != checks.Error {
		t.Errorf("freshness during a stalled Redis: %+v", r)
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func status(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// testRunTimeout is the deadline of a run in the tests' daemons
// (Options.runTimeout), whose views run every second: long enough that a
// run stalled on a loaded machine still completes instead of ending in
// deadline errors, extra alerts and counts the tests do not expect.
const testRunTimeout = 10 * time.Second

// startApp starts an App with o, on a free loopback port unless o names
// one, with runs whose deadline is testRunTimeout unless o sets another,
// and stops it when the test ends (within 10s, so that a stuck delivery
// cannot hold the test).
func startApp(t *testing.T, o Options) *App {
	t.Helper()
	if o.ListenAddress == "" {
		o.ListenAddress = "127.0.0.1:0"
	}
	if o.runTimeout == 0 {
		o.runTimeout = testRunTimeout
	}
	a, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = a.Stop(ctx)
	})
	return a
}

// noRunErrors fails the test when a check of a's runs ended in an error,
// naming the errors of the views' last runs: the counts of alerts, runs
// and statuses a test asserts after it assume every run reached a verdict,
// and a run that did not (a stall past its deadline, say) is the cause to
// report, not the count it upset.
func noRunErrors(t *testing.T, a *App) {
	t.Helper()
	var errs []string
	for _, k := range checks.Kinds() {
		if n := a.metrics.Runs(k, "error"); n != 0 {
			errs = append(errs, fmt.Sprintf("%v %s", n, k))
		}
	}
	if len(errs) == 0 {
		return
	}
	var last []string
	a.mu.Lock()
	for k, st := range a.results {
		for _, r := range st.results {
			if r.Status == checks.Error {
				last = append(last, fmt.Sprintf("%s/%s %s %s/%s: %s", k.project, k.name, r.Check, r.Feature, r.Store, r.Error))
			}
		}
	}
	a.mu.Unlock()
	if len(last) == 0 {
		last = append(last, "none: an earlier run's")
	}
	t.Errorf("checks ended in error (%s), which the test does not expect; errors of the views' last runs: %q", strings.Join(errs, ", "), last)
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("condition not met within 20s")
}

func TestServeAlertsToSlack(t *testing.T) {
	hook := newWebhook(t)
	fx := newFixture(t, "")
	fx.writeConfig(t, slackConfig(t, t.TempDir(), hook.URL))
	a := startApp(t, Options{ConfigFile: fx.config, FirstRunSpread: time.Millisecond})
	waitFor(t, func() bool {
		return strings.Contains(get(t, "http://"+a.Addr()+"/metrics"), `fsmon_notifications_total{notifier="slack",result="success"} 1`)
	})
	// Several runs later there is still exactly one message: the view's
	// problems (coverage and null rate) were grouped and not repeated.
	time.Sleep(2500 * time.Millisecond)
	noRunErrors(t, a)
	bodies := hook.requests()
	if len(bodies) != 1 {
		t.Fatalf("%d Slack messages, want 1", len(bodies))
	}
	for _, want := range []string{"driver_hourly_stats", "coverage", "null_rate"} {
		if !strings.Contains(bodies[0], want) {
			t.Errorf("message lacks %q: %s", want, bodies[0])
		}
	}
	// No entity key or feature value reaches Slack.
	// (0.5 is driver 100's conv_rate; aggregates such as a p-value of
	// 0.501 may contain the digits.)
	for _, leak := range []*regexp.Regexp{regexp.MustCompile(`fs:driver:`), regexp.MustCompile(`"sf"`), regexp.MustCompile(`\b0\.5\b`)} {
		if leak.MatchString(bodies[0]) {
			t.Errorf("message contains %s: %s", leak, bodies[0])
		}
	}
}

func TestEmptyStoresAndAbsentFeature(t *testing.T) {
	srv := redistest.Start(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "fsmon.yaml")
	// min_sample 0: 10 entities are judged (the view is small by design).
	cfg := fmt.Sprintf(`online: {redis: {addr: %s, rate_limit: 0}}
offline: {parquet: {root: %s}}
min_sample: 0
feature_views:
  - name: empty_view
    project: demo
    entities: [driver_id]
    online: {layout: hash, key: "fs:driver:{driver_id}", timestamp_field: event_ts}
    offline: {path: "nothing_here/*.parquet", timestamp_column: event_timestamp}
    features: [{name: conv_rate, type: float64}]
`, srv.Addr, dir)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := CheckOnce(context.Background(), c, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Nothing to judge is an error result with a reason, never a panic or
	// a made-up value.
	for _, r := range rs {
		if r.Status != checks.Error || r.Error == "" || r.Value != nil {
			t.Errorf("empty stores: %s %s/%s: %+v", r.Check, r.Feature, r.Store, r)
		}
	}
	if f := find(t, rs, checks.KindFreshness, "", ""); !strings.Contains(f.Error, "no entity of the view holds an event timestamp online") {
		t.Errorf("freshness error: %q", f.Error)
	}

	// A feature never written to Redis: every sampled entity lacks it.
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer rdb.Close()
	for i := 0; i < 10; i++ {
		rdb.HSet(context.Background(), fmt.Sprintf("fs:driver:%d", i), "event_ts", fmt.Sprint(time.Now().Unix()), "other", "1")
	}
	rs, err = CheckOnce(context.Background(), c, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	nr := find(t, rs, checks.KindNullRate, "conv_rate", checks.StoreOnline)
	if nr.Value == nil || *nr.Value != 1 || nr.Details["absent"] != 10 || nr.Status != checks.Crit {
		t.Errorf("absent feature: %+v", nr)
	}
}

// TestDeadSlackDoesNotSlowChecking: a webhook that accepts requests and
// never answers holds the delivery of the first notification; the view
// keeps being checked on schedule meanwhile, and the stuck delivery shows
// in the queue metric.
func TestDeadSlackDoesNotSlowChecking(t *testing.T) {
	hung := make(chan struct{}, 100)
	release := make(chan struct{})
	slackSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hung <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slackSrv.Close()
	defer close(release)
	fx := newFixture(t, "")
	fx.writeConfig(t, slackConfig(t, t.TempDir(), slackSrv.URL))
	a := startApp(t, Options{ConfigFile: fx.config, FirstRunSpread: time.Millisecond})
	runs := func() float64 { return a.metrics.Runs(checks.KindFreshness, "success") }
	select {
	case <-hung:
	case <-time.After(20 * time.Second):
		t.Fatal("no notification reached the fake Slack")
	}
	before := runs()
	// The delivery hangs; three more runs of the view still complete.
	waitFor(t, func() bool { return runs() >= before+3 })
	noRunErrors(t, a)
	if n := len(hung); n != 0 {
		t.Errorf("%d more requests reached Slack while the first one hangs", n)
	}
	body := get(t, "http://"+a.Addr()+"/metrics")
	if !strings.Contains(body, "fsmon_notification_queue_length 1\n") {
		t.Errorf("queue length metric does not show the stuck delivery:\n%s", grep(body, "fsmon_notification"))
	}
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func post(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Post(url, "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestReloadEndpointNeedsLifecycle: POST /-/reload is refused unless
// EnableLifecycle (--web.enable-lifecycle) is set, as in Prometheus;
// Reload (SIGHUP) works either way, and reloads are counted.
func TestReloadEndpointNeedsLifecycle(t *testing.T) {
	fx := newFixture(t, "")
	for _, lifecycle := range []bool{false, true} {
		a, err := New(Options{ConfigFile: fx.config, ListenAddress: "127.0.0.1:0", EnableLifecycle: lifecycle})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Start(); err != nil {
			t.Fatal(err)
		}
		ok := testutil.ToFloat64(a.reloads.WithLabelValues("success"))
		code := post(t, "http://"+a.Addr()+"/-/reload")
		want, wantOK := http.StatusForbidden, 0.0
		if lifecycle {
			want, wantOK = http.StatusOK, 1
		}
		if code != want {
			t.Errorf("lifecycle %v: POST /-/reload answered %d, want %d", lifecycle, code, want)
		}
		if got := testutil.ToFloat64(a.reloads.WithLabelValues("success")) - ok; got != wantOK {
			t.Errorf("lifecycle %v: %v reloads counted after the POST, want %v", lifecycle, got, wantOK)
		}
		if err := a.Reload(); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(get(t, "http://"+a.Addr()+"/metrics"), fmt.Sprintf(`fsmon_config_reloads_total{result="success"} %v`, wantOK+1)) {
			t.Errorf("lifecycle %v: fsmon_config_reloads_total does not count the reloads", lifecycle)
		}
		a.Stop(context.Background())
	}
}

// TestReloadFloodKeepsChecking: a POST /-/reload every 100-500 ms neither
// postpones the views' runs nor aborts them: checks keep completing at
// their interval, and no run ends in an error.
func TestReloadFloodKeepsChecking(t *testing.T) {
	fx := newFixture(t, "")
	a := startApp(t, Options{ConfigFile: fx.config, EnableLifecycle: true, FirstRunSpread: 2 * time.Second})
	ok := func() float64 { return a.metrics.Runs(checks.KindFreshness, "success") }
	failed := func() float64 { return a.metrics.Runs(checks.KindFreshness, "error") }
	url := "http://" + a.Addr() + "/-/reload"
	end := time.Now().Add(7 * time.Second)
	reloads := 0
	for i := 0; time.Now().Before(end); i++ {
		if code := post(t, url); code != http.StatusOK {
			t.Fatalf("reload answered %d", code)
		}
		reloads++
		time.Sleep(time.Duration(100+(i*137)%400) * time.Millisecond)
	}
	// 7 s at a 1 s interval with the view's first run 0.39 s after start
	// (its offset in FirstRunSpread): 7 or 8 runs on an idle machine, and 2
	// when every reload postponed the view's next run by an interval (so
	// measured). 4 leaves three slots to runs a loaded machine stalls past
	// their slot (a run stalled past its deadline would be an error,
	// counted below; testRunTimeout keeps it a late success).
	if n := ok(); n < 4 {
		t.Errorf("%v runs completed during %d reloads in 7s, want at least 4", n, reloads)
	}
	if n := failed(); n != 0 {
		t.Errorf("%v runs ended in error during the reload flood", n)
	}
	noRunErrors(t, a)
	if n := testutil.ToFloat64(a.reloads.WithLabelValues("success")); int(n) != reloads {
		t.Errorf("fsmon_config_reloads_total{result=success} = %v, want %d", n, reloads)
	}
}
