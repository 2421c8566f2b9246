package app

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/config"
	"github.com/fsmon/fsmon/internal/buildinfo"
	"github.com/fsmon/fsmon/internal/s3test"
	"github.com/fsmon/fsmon/metrics"
)

// TestS3ThrottledStore runs the checks of a view whose offline store is on
// S3 (SeaweedFS) behind a proxy that answers every read of object data
// with 503 SlowDown: after the SDK's retries the offline checks are error
// results naming the bucket and key (never a credential), rendered as
// fsmon_check_status 3 and counted as errors; when the throttling stops,
// the next run has its answers again.
func TestS3ThrottledStore(t *testing.T) {
	fx := newFixture(t, "")
	srv := s3test.Start(t)
	srv.Bucket(t, "fsmon-throttled")
	srv.PutDir(t, "fsmon-throttled", "offline/driver_stats", filepath.Join(fx.dir, "driver_stats"))
	proxy := s3test.NewProxy(t, srv)
	t.Setenv("AWS_ACCESS_KEY_ID", s3test.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", s3test.SecretKey)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	fx.dir = "s3://fsmon-throttled/offline\n    s3: {endpoint: \"" + proxy.URL + "\", path_style: true, region: us-east-1}"
	fx.writeConfig(t, "")
	cfg, err := config.Load(fx.config)
	if err != nil {
		t.Fatal(err)
	}
	proxy.Only(s3test.RangedGets)
	proxy.SlowDown(-1)
	rs, err := CheckOnce(context.Background(), cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := find(t, rs, checks.KindNullRate, "conv_rate", checks.StoreOffline)
	if r.Status != checks.Error {
		t.Fatalf("null_rate offline under persistent SlowDown: %s %q, want error", r.Status, r.Message)
	}
	t.Logf("offline null rate under throttling: %s", r.Error)
	for _, want := range []string{"s3://fsmon-throttled/offline/driver_stats/part-0.parquet", "SlowDown"} {
		if !strings.Contains(r.Error, want) {
			t.Errorf("error %q does not name %q", r.Error, want)
		}
	}
	for _, r := range rs {
		if strings.Contains(r.Error+r.Message, s3test.SecretKey) {
			t.Errorf("%s/%s prints the secret: %q", r.Check, r.Feature, r.Error)
		}
	}
	if s := proxy.Stats(); s.SlowDowns < 5 {
		t.Errorf("%d requests throttled, want the retries of at least one read (5)", s.SlowDowns)
	}
	reg := prometheus.NewRegistry()
	m := metrics.New(reg, buildinfo.Info{})
	m.Observe(metrics.Run{Project: "demo", FeatureView: "driver_hourly_stats", Results: rs, At: time.Now()})
	if got, ok := gathered(t, reg, metrics.CheckStatus, map[string]string{"check": "null_rate", "feature": "conv_rate", "store": "offline"}); !ok || got != 3 {
		t.Errorf("fsmon_check_status of the offline null rate = %v, want 3 (error)", got)
	}
	if n := m.Runs(checks.KindNullRate, metrics.RunError); n != 1 {
		t.Errorf("fsmon_check_runs_total{check=null_rate,result=error} = %v, want 1", n)
	}

	proxy.SlowDown(0)
	rs, err = CheckOnce(context.Background(), cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := find(t, rs, checks.KindNullRate, "conv_rate", checks.StoreOffline); r.Status == checks.Error || r.Value == nil || !near(*r.Value, 0.05) {
		t.Errorf("after the throttling: %s %v %q, want the null rate 0.05", r.Status, r.Value, r.Error)
	}
}

// gathered returns the value of the series of name whose labels include
// labels.
func gathered(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			have := map[string]string{}
			for _, l := range m.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if have[k] != v {
					continue series
				}
			}
			return m.GetGauge().GetValue(), true
		}
	}
	return 0, false
}
