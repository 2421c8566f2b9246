package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/internal/buildinfo"
	"github.com/fsmon/fsmon/sample"
)

func v(x float64) *float64 { return &x }

func TestRenderResults(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := New(reg, buildinfo.Info{Version: "0.1.0", Revision: "abc", BuildDate: "2026-11-22T10:00:00Z", GoVersion: "go1.26"})
	at := time.Unix(1763805600, 0)
	m.Observe(Run{Project: "p", FeatureView: "v", At: at, Duration: 300 * time.Millisecond, Results: []checks.Result{
		{Check: "freshness", Project: "p", FeatureView: "v", Status: checks.Warn, Value: v(7300),
			Threshold: &checks.Threshold{Warn: v(7200), Crit: v(86400)},
			Details:   map[string]any{"online_newest_seconds": 1763798300.0, "offline_newest_seconds": 1763805000.0}},
		{Check: "null_rate", Project: "p", FeatureView: "v", Feature: "f", Store: "online", Status: checks.OK, Value: v(0.002), SampleSize: ptr(500),
			Details: map[string]any{"invalid": 3}},
		{Check: "skew", Project: "p", FeatureView: "v", Feature: "f", Status: checks.Crit, Value: v(0.31),
			Tests: []checks.Test{{Test: "ks", Statistic: 0.31, PValue: v(1e-40), PValueAdjusted: v(3e-40)}, {Test: "wasserstein", Statistic: 0.08, Normalized: v(0.35)}}},
		{Check: "coverage", Project: "p", FeatureView: "v", Status: checks.Error, Error: "online store: refused"},
		{Check: "consistency", Project: "p", FeatureView: "v", Feature: "f", Status: checks.OK, Details: map[string]any{"skipped": true}},
	}})
	want := `
# HELP fsmon_check_status Status of a check's last result: 0 ok, 1 warn, 2 crit, 3 error, 4 insufficient (sample below min_sample).
# TYPE fsmon_check_status gauge
fsmon_check_status{check="coverage",feature="",feature_view="v",project="p",store=""} 3
fsmon_check_status{check="freshness",feature="",feature_view="v",project="p",store=""} 1
fsmon_check_status{check="null_rate",feature="f",feature_view="v",project="p",store="online"} 0
fsmon_check_status{check="skew",feature="f",feature_view="v",project="p",store=""} 2
# HELP fsmon_check_runs_total Runs of a check kind, by whether the check ran to a verdict (success, whatever the verdict) or could not run (error).
# TYPE fsmon_check_runs_total counter
fsmon_check_runs_total{check="consistency",result="error"} 0
fsmon_check_runs_total{check="consistency",result="success"} 0
fsmon_check_runs_total{check="coverage",result="error"} 1
fsmon_check_runs_total{check="coverage",result="success"} 0
fsmon_check_runs_total{check="drift",result="error"} 0
fsmon_check_runs_total{check="drift",result="success"} 0
fsmon_check_runs_total{check="freshness",result="error"} 0
fsmon_check_runs_total{check="freshness",result="success"} 1
fsmon_check_runs_total{check="null_rate",result="error"} 0
fsmon_check_runs_total{check="null_rate",result="success"} 1
fsmon_check_runs_total{check="replication",result="error"} 0
fsmon_check_runs_total{check="replication",result="success"} 0
fsmon_check_runs_total{check="skew",result="error"} 0
fsmon_check_runs_total{check="skew",result="success"} 1
# HELP fsmon_feature_skew_p_value Benjamini-Hochberg adjusted p-value of a feature's skew test.
# TYPE fsmon_feature_skew_p_value gauge
fsmon_feature_skew_p_value{feature="f",feature_view="v",project="p",test="ks"} 3e-40
# HELP fsmon_feature_skew_statistic Training-serving skew statistic of a feature (online sample vs the offline window).
# TYPE fsmon_feature_skew_statistic gauge
fsmon_feature_skew_statistic{feature="f",feature_view="v",project="p",test="ks"} 0.31
fsmon_feature_skew_statistic{feature="f",feature_view="v",project="p",test="wasserstein"} 0.08
fsmon_feature_skew_statistic{feature="f",feature_view="v",project="p",test="wasserstein_normalized"} 0.35
# HELP fsmon_feature_view_last_event_timestamp_seconds Newest event timestamp seen for the view in a store (unix seconds).
# TYPE fsmon_feature_view_last_event_timestamp_seconds gauge
fsmon_feature_view_last_event_timestamp_seconds{feature_view="v",project="p",store="offline"} 1.763805e+09
fsmon_feature_view_last_event_timestamp_seconds{feature_view="v",project="p",store="online"} 1.7637983e+09
# HELP fsmon_feature_view_freshness_seconds Seconds since the newest online event of the view at its last check.
# TYPE fsmon_feature_view_freshness_seconds gauge
fsmon_feature_view_freshness_seconds{feature_view="v",project="p"} 7300
# HELP fsmon_check_threshold Configured threshold of a check (seconds for freshness, ratios otherwise, PSI for skew).
# TYPE fsmon_check_threshold gauge
fsmon_check_threshold{check="freshness",feature="",feature_view="v",project="p",severity="crit",store=""} 86400
fsmon_check_threshold{check="freshness",feature="",feature_view="v",project="p",severity="critical",store=""} 86400
fsmon_check_threshold{check="freshness",feature="",feature_view="v",project="p",severity="warn",store=""} 7200
fsmon_check_threshold{check="freshness",feature="",feature_view="v",project="p",severity="warning",store=""} 7200
# HELP fsmon_feature_invalid_values Sampled values of a feature that do not parse as its declared type.
# TYPE fsmon_feature_invalid_values gauge
fsmon_feature_invalid_values{feature="f",feature_view="v",project="p",store="online"} 3
# HELP fsmon_feature_view_sample_size Entities (online) or rows (offline) in the view's last sample.
# TYPE fsmon_feature_view_sample_size gauge
fsmon_feature_view_sample_size{feature_view="v",project="p",store="online"} 500
# HELP fsmon_check_last_success_timestamp_seconds Unix time of the last run of a check kind on a view that ran to a verdict.
# TYPE fsmon_check_last_success_timestamp_seconds gauge
fsmon_check_last_success_timestamp_seconds{check="freshness",feature_view="v",project="p"} 1.7638056e+09
fsmon_check_last_success_timestamp_seconds{check="null_rate",feature_view="v",project="p"} 1.7638056e+09
fsmon_check_last_success_timestamp_seconds{check="skew",feature_view="v",project="p"} 1.7638056e+09
# HELP fsmon_build_info A metric with a constant '1' value labeled by version, revision, builddate and goversion from which fsmon was built.
# TYPE fsmon_build_info gauge
fsmon_build_info{builddate="2026-11-22T10:00:00Z",goversion="go1.26",revision="abc",version="0.1.0"} 1
`
	names := []string{CheckStatus, CheckRuns, SkewPValue, SkewStatistic, LastEventTimestamp, Freshness, ThresholdValue,
		InvalidValues, SampleSize, CheckLastSuccess, BuildInfo, Consistency, Coverage}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), names...); err != nil {
		t.Fatal(err)
	}

	// A view that is no longer monitored loses its series.
	m.Forget("p", "v")
	if n, err := testutil.GatherAndCount(reg, CheckStatus, CheckLastSuccess); err != nil || n != 0 {
		t.Fatalf("after Forget: %d series, %v", n, err)
	}
}

func ptr[T any](x T) *T { return &x }

// Each check kind's duration is its own, not the whole run's.
func TestCheckDurationPerCheck(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := New(reg, buildinfo.Info{Version: "0.1.0"})
	m.Observe(Run{Project: "p", FeatureView: "v", At: time.Unix(1763805600, 0), Duration: 10 * time.Second, Results: []checks.Result{
		{Check: "freshness", Project: "p", FeatureView: "v", Status: checks.OK, Duration: 250 * time.Millisecond},
		{Check: "consistency", Project: "p", FeatureView: "v", Feature: "a", Status: checks.OK, Duration: 4 * time.Second},
		{Check: "consistency", Project: "p", FeatureView: "v", Feature: "b", Status: checks.OK, Duration: 4 * time.Second},
	}})
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sums := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != CheckDuration {
			continue
		}
		for _, m := range mf.GetMetric() {
			sums[m.GetLabel()[0].GetValue()] = m.GetHistogram().GetSampleSum()
		}
	}
	if sums["freshness"] != 0.25 || sums["consistency"] != 4 {
		t.Errorf("duration sums %v, want freshness 0.25 and consistency 4 (one observation per check kind)", sums)
	}
	// The buckets are cumulative: an observation counts in every bucket
	// whose upper bound it does not exceed (0.25 is in le="0.25").
	want := `
# HELP fsmon_check_duration_seconds Duration of one check of a view's run: reading the data it judges from the stores and evaluating it.
# TYPE fsmon_check_duration_seconds histogram
fsmon_check_duration_seconds_bucket{check="consistency",le="0.01"} 0
fsmon_check_duration_seconds_bucket{check="consistency",le="0.05"} 0
fsmon_check_duration_seconds_bucket{check="consistency",le="0.1"} 0
fsmon_check_duration_seconds_bucket{check="consistency",le="0.25"} 0
fsmon_check_duration_seconds_bucket{check="consistency",le="0.5"} 0
fsmon_check_duration_seconds_bucket{check="consistency",le="1"} 0
fsmon_check_duration_seconds_bucket{check="consistency",le="2.5"} 0
fsmon_check_duration_seconds_bucket{check="consistency",le="5"} 1
fsmon_check_duration_seconds_bucket{check="consistency",le="10"} 1
fsmon_check_duration_seconds_bucket{check="consistency",le="30"} 1
fsmon_check_duration_seconds_bucket{check="consistency",le="60"} 1
fsmon_check_duration_seconds_bucket{check="consistency",le="120"} 1
fsmon_check_duration_seconds_bucket{check="consistency",le="+Inf"} 1
fsmon_check_duration_seconds_sum{check="consistency"} 4
fsmon_check_duration_seconds_count{check="consistency"} 1
fsmon_check_duration_seconds_bucket{check="freshness",le="0.01"} 0
fsmon_check_duration_seconds_bucket{check="freshness",le="0.05"} 0
fsmon_check_duration_seconds_bucket{check="freshness",le="0.1"} 0
fsmon_check_duration_seconds_bucket{check="freshness",le="0.25"} 1
fsmon_check_duration_seconds_bucket{check="freshness",le="0.5"} 1
fsmon_check_duration_seconds_bucket{check="freshness",le="1"} 1
fsmon_check_duration_seconds_bucket{check="freshness",le="2.5"} 1
fsmon_check_duration_seconds_bucket{check="freshness",le="5"} 1
fsmon_check_duration_seconds_bucket{check="freshness",le="10"} 1
fsmon_check_duration_seconds_bucket{check="freshness",le="30"} 1
fsmon_check_duration_seconds_bucket{check="freshness",le="60"} 1
fsmon_check_duration_seconds_bucket{check="freshness",le="120"} 1
fsmon_check_duration_seconds_bucket{check="freshness",le="+Inf"} 1
fsmon_check_duration_seconds_sum{check="freshness"} 0.25
fsmon_check_duration_seconds_count{check="freshness"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), CheckDuration); err != nil {
		t.Error(err)
	}
}

func TestStoreProblems(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := New(reg, buildinfo.Info{})
	badFile := sample.Problem{Kind: sample.BadFile, Count: 1, Message: "file a.parquet: not a Parquet file"}
	badFile2 := sample.Problem{Kind: sample.BadFile, Count: 1, Message: "file b.parquet: truncated"}
	budget := sample.Problem{Kind: sample.ScanBudget, Count: 1, Message: "key budget of 10 reached"}
	layout := sample.Problem{Kind: sample.KeyLayout, Count: 7, Message: "7 keys matched the SCAN pattern but not the view's key layout"}
	online := checks.StoreRead{Store: "online", Problems: []sample.Problem{budget, layout}}
	offline := checks.StoreRead{Store: "offline", Problems: []sample.Problem{badFile, badFile2}}
	// The same reads behind several results are counted once.
	m.Observe(Run{Project: "p", FeatureView: "v", At: time.Unix(1763805600, 0), Results: []checks.Result{
		{Check: "freshness", Status: checks.Warn, Reads: []checks.StoreRead{online, {Store: "offline", Problems: []sample.Problem{badFile}}}},
		{Check: "null_rate", Feature: "f", Store: "online", Status: checks.Warn, Reads: []checks.StoreRead{online}},
		{Check: "skew", Feature: "f", Status: checks.Warn, Reads: []checks.StoreRead{online, offline}},
	}})
	want := `
# HELP fsmon_store_problems Data problems met reading a store in the view's last run, by kind (files skipped, key budget reached, keys not fitting the layout, ...); counts of files, keys or values.
# TYPE fsmon_store_problems gauge
fsmon_store_problems{feature_view="v",kind="bad_file",project="p",store="offline"} 2
fsmon_store_problems{feature_view="v",kind="key_layout",project="p",store="online"} 7
fsmon_store_problems{feature_view="v",kind="scan_budget",project="p",store="online"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), StoreProblems); err != nil {
		t.Fatal(err)
	}
	// A later run without problems has no problem series.
	m.Observe(Run{Project: "p", FeatureView: "v", At: time.Unix(1763805900, 0), Results: []checks.Result{
		{Check: "freshness", Status: checks.OK, Reads: []checks.StoreRead{{Store: "online"}}}}})
	if n, err := testutil.GatherAndCount(reg, StoreProblems); err != nil || n != 0 {
		t.Fatalf("after a clean run: %d series, %v", n, err)
	}
}

// TestRenderReplicas: a replica's results (online.replicas) carry its name
// in the store label, beside the primary's series, which keep theirs; the
// replication check renders its match, missing ratio and lag quantiles.
func TestRenderReplicas(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := New(reg, buildinfo.Info{})
	m.Observe(Run{Project: "p", FeatureView: "v", At: time.Unix(1763805600, 0), Results: []checks.Result{
		{Check: "freshness", Project: "p", FeatureView: "v", Status: checks.OK, Value: v(60),
			Details: map[string]any{"online_newest_seconds": 1763805540.0, "offline_newest_seconds": 1763805000.0}},
		{Check: "freshness", Project: "p", FeatureView: "v", Store: "us-west-2", Status: checks.Warn, Value: v(7300),
			Details: map[string]any{"online_newest_seconds": 1763798300.0, "offline_newest_seconds": 1763805000.0}},
		{Check: "null_rate", Project: "p", FeatureView: "v", Feature: "f", Store: "online", Status: checks.OK, Value: v(0.002), SampleSize: ptr(500)},
		{Check: "null_rate", Project: "p", FeatureView: "v", Feature: "f", Store: "us-west-2", Status: checks.OK, Value: v(0.004), SampleSize: ptr(400)},
		{Check: "coverage", Project: "p", FeatureView: "v", Status: checks.OK, Value: v(1)},
		{Check: "coverage", Project: "p", FeatureView: "v", Store: "us-west-2", Status: checks.Crit, Value: v(0.5)},
		{Check: "consistency", Project: "p", FeatureView: "v", Feature: "f", Status: checks.OK, Value: v(1)},
		{Check: "consistency", Project: "p", FeatureView: "v", Feature: "f", Store: "us-west-2", Status: checks.Crit, Value: v(0.9)},
		{Check: "replication", Project: "p", FeatureView: "v", Store: "us-west-2", Status: checks.Crit, Value: v(0.8), SampleSize: ptr(500),
			Threshold: &checks.Threshold{Warn: v(0.99), Crit: v(0.95)},
			Details:   map[string]any{"missing_ratio": 0.02, "lag_p50_seconds": 0.0, "lag_p90_seconds": 12.0, "lag_p99_seconds": 30.5, "lag_max_seconds": 41.0}},
		{Check: "replication", Project: "p", FeatureView: "v", Store: "eu-west-1", Status: checks.Error, Error: "replica eu-west-1 lookup: refused"},
	}})
	want := `
# HELP fsmon_feature_view_freshness_seconds Seconds since the newest online event of the view at its last check.
# TYPE fsmon_feature_view_freshness_seconds gauge
fsmon_feature_view_freshness_seconds{feature_view="v",project="p"} 60
# HELP fsmon_replica_feature_view_freshness_seconds Seconds since the newest event of the view on a replica (online.replicas, store label) at its last check.
# TYPE fsmon_replica_feature_view_freshness_seconds gauge
fsmon_replica_feature_view_freshness_seconds{feature_view="v",project="p",store="us-west-2"} 7300
# HELP fsmon_feature_view_last_event_timestamp_seconds Newest event timestamp seen for the view in a store (unix seconds).
# TYPE fsmon_feature_view_last_event_timestamp_seconds gauge
fsmon_feature_view_last_event_timestamp_seconds{feature_view="v",project="p",store="offline"} 1763805000
fsmon_feature_view_last_event_timestamp_seconds{feature_view="v",project="p",store="online"} 1763805540
fsmon_feature_view_last_event_timestamp_seconds{feature_view="v",project="p",store="us-west-2"} 1763798300
# HELP fsmon_feature_null_ratio Fraction of sampled entities (online) or rows (offline) where the feature is null or absent.
# TYPE fsmon_feature_null_ratio gauge
fsmon_feature_null_ratio{feature="f",feature_view="v",project="p",store="online"} 0.002
fsmon_feature_null_ratio{feature="f",feature_view="v",project="p",store="us-west-2"} 0.004
# HELP fsmon_feature_view_coverage_ratio Fraction of the offline sample's fresh entities that are served online.
# TYPE fsmon_feature_view_coverage_ratio gauge
fsmon_feature_view_coverage_ratio{feature_view="v",project="p"} 1
# HELP fsmon_replica_feature_view_coverage_ratio Fraction of the offline sample's fresh entities that a replica (online.replicas, store label) serves.
# TYPE fsmon_replica_feature_view_coverage_ratio gauge
fsmon_replica_feature_view_coverage_ratio{feature_view="v",project="p",store="us-west-2"} 0.5
# HELP fsmon_replica_feature_consistency_ratio Fraction of a replica's sampled entities whose value equals the offline value as of their event time.
# TYPE fsmon_replica_feature_consistency_ratio gauge
fsmon_replica_feature_consistency_ratio{feature="f",feature_view="v",project="p",store="us-west-2"} 0.9
# HELP fsmon_replication_match_ratio Fraction of the primary's sampled entities whose event time and values on a replica equal the primary's (missing ones count as not equal).
# TYPE fsmon_replication_match_ratio gauge
fsmon_replication_match_ratio{feature_view="v",project="p",store="us-west-2"} 0.8
# HELP fsmon_replication_missing_ratio Fraction of the primary's sampled entities that a replica does not hold.
# TYPE fsmon_replication_missing_ratio gauge
fsmon_replication_missing_ratio{feature_view="v",project="p",store="us-west-2"} 0.02
# HELP fsmon_replication_lag_seconds Quantile of how far a replica's event time is behind the primary's, over the sampled entities present on both (seconds; quantile 1 is the maximum).
# TYPE fsmon_replication_lag_seconds gauge
fsmon_replication_lag_seconds{feature_view="v",project="p",quantile="0.5",store="us-west-2"} 0
fsmon_replication_lag_seconds{feature_view="v",project="p",quantile="0.9",store="us-west-2"} 12
fsmon_replication_lag_seconds{feature_view="v",project="p",quantile="0.99",store="us-west-2"} 30.5
fsmon_replication_lag_seconds{feature_view="v",project="p",quantile="1",store="us-west-2"} 41
# HELP fsmon_feature_view_sample_size Entities (online) or rows (offline) in the view's last sample.
# TYPE fsmon_feature_view_sample_size gauge
fsmon_feature_view_sample_size{feature_view="v",project="p",store="online"} 500
fsmon_feature_view_sample_size{feature_view="v",project="p",store="us-west-2"} 400
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"fsmon_feature_view_freshness_seconds", "fsmon_replica_feature_view_freshness_seconds", "fsmon_feature_view_last_event_timestamp_seconds",
		"fsmon_feature_null_ratio", "fsmon_feature_view_coverage_ratio", "fsmon_replica_feature_view_coverage_ratio",
		"fsmon_replica_feature_consistency_ratio", "fsmon_replication_match_ratio", "fsmon_replication_missing_ratio",
		"fsmon_replication_lag_seconds", "fsmon_feature_view_sample_size"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(reg, "fsmon_check_status"); n != 10 {
		t.Errorf("%d fsmon_check_status series, want one per result (10)", n)
	}
}

// TestScrapeSeesWholeRuns: a scrape never counts a run whose results it
// does not show, nor shows results of a run it has not counted. Run i has
// a freshness of i seconds at time i, so in every scrape taken while runs
// are recorded, the run counter, the duration histogram's count, the
// freshness gauge and the last-run and last-success times must all name
// the same run.
func TestScrapeSeesWholeRuns(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := New(reg, buildinfo.Info{})
	stop := make(chan struct{})
	last := make(chan int)
	go func() {
		i := 0
		for {
			select {
			case <-stop:
				last <- i
				return
			default:
			}
			i++
			m.Observe(Run{Project: "p", FeatureView: "v", At: time.Unix(int64(i), 0), Duration: time.Millisecond, Results: []checks.Result{
				{Check: checks.KindFreshness, Project: "p", FeatureView: "v", Status: checks.OK, Value: v(float64(i))},
			}})
		}
	}()
	scrape := func() map[string]float64 {
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]float64{}
		for _, mf := range mfs {
			for _, s := range mf.GetMetric() {
				switch name := mf.GetName(); name {
				case CheckRuns:
					if labels(s.GetLabel()) == "freshness,success" {
						seen[name] = s.GetCounter().GetValue()
					}
				case CheckDuration:
					seen[name] = float64(s.GetHistogram().GetSampleCount())
				case Freshness, ViewLastRun, CheckLastSuccess:
					seen[name] = s.GetGauge().GetValue()
				}
			}
		}
		return seen
	}
	whole := func(seen map[string]float64) bool {
		n := seen[CheckRuns]
		if n == 0 && len(seen) > 1 {
			t.Errorf("a scrape shows results of a run it has not counted: %v", seen)
			return false
		}
		for name, x := range seen {
			if x != n {
				t.Errorf("a scrape counted %v runs but %s says run %v (all: %v)", n, name, x, seen)
				return false
			}
		}
		return true
	}
	for i, mixed := 0, 0; i < 300 && mixed < 5; i++ {
		if !whole(scrape()) {
			mixed++
		}
	}
	close(stop)
	n := <-last
	if seen := scrape(); whole(seen) && seen[CheckRuns] != float64(n) {
		t.Errorf("the scrape after the last run counted %v runs, want %d", seen[CheckRuns], n)
	}
}

// labels joins a series' label values, in the labels' order.
func labels(ls []*dto.LabelPair) string {
	var out []string
	for _, l := range ls {
		out = append(out, l.GetValue())
	}
	return strings.Join(out, ",")
}
