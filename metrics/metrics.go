package metrics

import (
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/internal/buildinfo"
	"github.com/fsmon/fsmon/sample"
)

// Run is one finished run of a feature view's checks.
type Run struct {
	Project, FeatureView string
	Results              []checks.Result
	At                   time.Time
	Duration             time.Duration
}

// Metrics holds fsmon's metrics. The gauges of check results are rendered
// at scrape time from the latest run of each view, so a series exists
// exactly while its view is monitored; counters and the duration histogram
// accumulate across runs. A scrape sees each run whole: all of its
// metrics, counters and gauges alike, or none of them.
type Metrics struct {
	// mu is held by Observe and Forget for their whole update and by a
	// scrape while it renders the fields below, which are plain data
	// rendered as constant metrics: a scrape never counts a run whose
	// results it does not show, nor the reverse.
	mu          sync.Mutex
	runs        map[[2]string]float64 // check, result
	duration    map[string]*histogram // check
	lastSuccess map[[3]string]float64 // check, project, view: unix seconds
	latest      map[[2]string]Run     // project, view
}

// durationBuckets are the upper bounds of fsmon_check_duration_seconds.
var durationBuckets = []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120}

// histogram is a Prometheus histogram of durationBuckets.
type histogram struct {
	count   uint64
	sum     float64
	buckets []uint64 // observations <= durationBuckets[i]
}

func (h *histogram) observe(v float64) {
	h.count++
	h.sum += v
	for i, le := range durationBuckets {
		if v <= le {
			h.buckets[i]++
		}
	}
}

// New registers fsmon's metrics with reg; build labels fsmon_build_info.
func New(reg prometheus.Registerer, build buildinfo.Info) *Metrics {
	m := &Metrics{
		runs:        map[[2]string]float64{},
		duration:    map[string]*histogram{},
		lastSuccess: map[[3]string]float64{},
		latest:      map[[2]string]Run{},
	}
	buildGauge := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: BuildInfo,
		Help: "A metric with a constant '1' value labeled by version, revision, builddate and goversion from which fsmon was built.",
	}, []string{"version", "revision", "builddate", "goversion"})
	buildGauge.WithLabelValues(build.Version, build.Revision, build.BuildDate, build.GoVersion).Set(1)
	for _, k := range checks.Kinds() {
		for _, r := range []string{RunSuccess, RunError} {
			m.runs[[2]string{k, r}] = 0
		}
	}
	reg.MustRegister(buildGauge, (*collector)(m))
	return m
}

// Observe records a finished run: the latest results behind the gauges,
// counters and durations, all at once for scrapes.
func (m *Metrics) Observe(run Run) {
	errs := map[string]bool{}
	ran := map[string]bool{}
	took := map[string]time.Duration{}
	for _, r := range run.Results {
		if checks.IsSkipped(r) {
			continue
		}
		ran[r.Check] = true
		took[r.Check] = max(took[r.Check], r.Duration)
		if r.Status == checks.Error {
			errs[r.Check] = true
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.latest[[2]string{run.Project, run.FeatureView}] = run
	for _, k := range checks.Kinds() {
		if !ran[k] {
			continue
		}
		d := took[k]
		if d == 0 { // results not timed per check: the whole run
			d = run.Duration
		}
		h := m.duration[k]
		if h == nil {
			h = &histogram{buckets: make([]uint64, len(durationBuckets))}
			m.duration[k] = h
		}
		h.observe(d.Seconds())
		if errs[k] {
			m.runs[[2]string{k, RunError}]++
			continue
		}
		m.runs[[2]string{k, RunSuccess}]++
		m.lastSuccess[[3]string{k, run.Project, run.FeatureView}] = float64(run.At.UnixNano()) / 1e9
	}
}

// Forget drops every series of a view that is no longer monitored.
func (m *Metrics) Forget(project, view string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.latest, [2]string{project, view})
	for k := range m.lastSuccess {
		if k[1] == project && k[2] == view {
			delete(m.lastSuccess, k)
		}
	}
}

// Views lists the monitored views (project, name) in order.
func (m *Metrics) Views() [][2]string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([][2]string, 0, len(m.latest))
	for k := range m.latest {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0]+"\x00"+out[i][1] < out[j][0]+"\x00"+out[j][1] })
	return out
}

var (
	descRuns = prometheus.NewDesc(CheckRuns, "Runs of a check kind, by whether the check ran to a verdict (success, whatever the verdict) or could not run (error).",
		[]string{LabelCheck, LabelResult}, nil)
	descDuration = prometheus.NewDesc(CheckDuration, "Duration of one check of a view's run: reading the data it judges from the stores and evaluating it.",
		[]string{LabelCheck}, nil)
	descLastSuccess = prometheus.NewDesc(CheckLastSuccess, "Unix time of the last run of a check kind on a view that ran to a verdict.",
		[]string{LabelCheck, LabelProject, LabelFeatureView}, nil)
)

var (
	descLastEvent = prometheus.NewDesc(LastEventTimestamp, "Newest event timestamp seen for the view in a store (unix seconds).",
		[]string{LabelProject, LabelFeatureView, LabelStore}, nil)
	descFreshness = prometheus.NewDesc(Freshness, "Seconds since the newest online event of the view at its last check.",
		[]string{LabelProject, LabelFeatureView}, nil)
	descNull = prometheus.NewDesc(NullRatio, "Fraction of sampled entities (online) or rows (offline) where the feature is null or absent.",
		[]string{LabelProject, LabelFeatureView, LabelFeature, LabelStore}, nil)
	descCoverage = prometheus.NewDesc(Coverage, "Fraction of the offline sample's fresh entities that are served online.",
		[]string{LabelProject, LabelFeatureView}, nil)
	descConsistency = prometheus.NewDesc(Consistency, "Fraction of sampled online entities whose value equals the offline value as of their event time.",
		[]string{LabelProject, LabelFeatureView, LabelFeature}, nil)
	descSkewStat = prometheus.NewDesc(SkewStatistic, "Training-serving skew statistic of a feature (online sample vs the offline window).",
		[]string{LabelProject, LabelFeatureView, LabelFeature, LabelTest}, nil)
	descSkewP = prometheus.NewDesc(SkewPValue, "Benjamini-Hochberg adjusted p-value of a feature's skew test.",
		[]string{LabelProject, LabelFeatureView, LabelFeature, LabelTest}, nil)
	descDriftStat = prometheus.NewDesc(DriftStatistic, "Drift statistic of a feature with a pinned reference: online sample vs the rolling offline window.",
		[]string{LabelProject, LabelFeatureView, LabelFeature, LabelTest}, nil)
	descDriftP = prometheus.NewDesc(DriftPValue, "Benjamini-Hochberg adjusted p-value of a feature's drift test (online vs the rolling offline window).",
		[]string{LabelProject, LabelFeatureView, LabelFeature, LabelTest}, nil)
	descRefInfo = prometheus.NewDesc(ReferenceInfo, "The pinned reference a feature's skew was compared with (always 1): kind, label and version.",
		[]string{LabelProject, LabelFeatureView, LabelFeature, LabelKind, LabelReference, LabelVersion}, nil)
	descSample = prometheus.NewDesc(SampleSize, "Entities (online) or rows (offline) in the view's last sample.",
		[]string{LabelProject, LabelFeatureView, LabelStore}, nil)
	descStatus = prometheus.NewDesc(CheckStatus, "Status of a check's last result: 0 ok, 1 warn, 2 crit, 3 error, 4 insufficient (sample below min_sample).",
		[]string{LabelCheck, LabelProject, LabelFeatureView, LabelFeature, LabelStore}, nil)
	descThreshold = prometheus.NewDesc(ThresholdValue, "Configured threshold of a check (seconds for freshness, ratios otherwise, PSI for skew).",
		[]string{LabelCheck, LabelProject, LabelFeatureView, LabelFeature, LabelStore, LabelSeverity}, nil)
	descLastRun = prometheus.NewDesc(ViewLastRun, "Unix time of the view's last check run.",
		[]string{LabelProject, LabelFeatureView}, nil)
	descInvalid = prometheus.NewDesc(InvalidValues, "Sampled values of a feature that do not parse as its declared type.",
		[]string{LabelProject, LabelFeatureView, LabelFeature, LabelStore}, nil)
	descProblems = prometheus.NewDesc(StoreProblems, "Data problems met reading a store in the view's last run, by kind (files skipped, key budget reached, keys not fitting the layout, ...); counts of files, keys or values.",
		[]string{LabelProject, LabelFeatureView, LabelStore, LabelKind}, nil)
	descFeastMat = prometheus.NewDesc(FeastLastMaterialized, "End of the last materialization interval Feast's registry records for the view (unix seconds).",
		[]string{LabelProject, LabelFeatureView}, nil)
)

var (
	descShardSample = prometheus.NewDesc(ShardSampleSize, "Entities of the view's last online sample read from a shard of a Redis Cluster.",
		[]string{LabelProject, LabelFeatureView, LabelStore, LabelShard}, nil)
	descShardUp = prometheus.NewDesc(ShardUp, "Whether a shard of a Redis Cluster could be read at the view's last check (1) or not (0: its share is missing from the results).",
		[]string{LabelProject, LabelFeatureView, LabelStore, LabelShard}, nil)
	descShardFresh = prometheus.NewDesc(ShardFreshness, "Seconds since the newest online event of the view's sampled entities on a shard.",
		[]string{LabelProject, LabelFeatureView, LabelStore, LabelShard}, nil)
	descShardNull = prometheus.NewDesc(ShardNullRatio, "Fraction of a shard's sampled entities where the feature is null or absent.",
		[]string{LabelProject, LabelFeatureView, LabelFeature, LabelStore, LabelShard}, nil)
	descShardCoverage = prometheus.NewDesc(ShardCoverage, "Fraction of the offline sample's fresh entities hashing to a shard that the shard serves.",
		[]string{LabelProject, LabelFeatureView, LabelStore, LabelShard}, nil)
	descShardConsistency = prometheus.NewDesc(ShardConsistency, "Fraction of a shard's sampled entities whose value equals the offline value as of their event time.",
		[]string{LabelProject, LabelFeatureView, LabelFeature, LabelStore, LabelShard}, nil)
)

var (
	descReplicaFresh = prometheus.NewDesc(ReplicaFreshness, "Seconds since the newest event of the view on a replica (online.replicas, store label) at its last check.",
		[]string{LabelProject, LabelFeatureView, LabelStore}, nil)
	descReplicaCoverage = prometheus.NewDesc(ReplicaCoverage, "Fraction of the offline sample's fresh entities that a replica (online.replicas, store label) serves.",
		[]string{LabelProject, LabelFeatureView, LabelStore}, nil)
	descReplicaConsistency = prometheus.NewDesc(ReplicaConsistency, "Fraction of a replica's sampled entities whose value equals the offline value as of their event time.",
		[]string{LabelProject, LabelFeatureView, LabelFeature, LabelStore}, nil)
	descReplMatch = prometheus.NewDesc(ReplicationMatch, "Fraction of the primary's sampled entities whose event time and values on a replica equal the primary's (missing ones count as not equal).",
		[]string{LabelProject, LabelFeatureView, LabelStore}, nil)
	descReplLag = prometheus.NewDesc(ReplicationLag, "Quantile of how far a replica's event time is behind the primary's, over the sampled entities present on both (seconds; quantile 1 is the maximum).",
		[]string{LabelProject, LabelFeatureView, LabelStore, LabelQuantile}, nil)
	descReplMissing = prometheus.NewDesc(ReplicationMissing, "Fraction of the primary's sampled entities that a replica does not hold.",
		[]string{LabelProject, LabelFeatureView, LabelStore}, nil)
	descReplSample = prometheus.NewDesc(ReplicationSample, "Entities of the primary's sample compared on a replica at the last check.",
		[]string{LabelProject, LabelFeatureView, LabelStore}, nil)
)

// isReplica reports whether a result's store is a replica of
// online.replicas (not the primary online store or the offline store).
func isReplica(store string) bool {
	return store != "" && store != checks.StoreOnline && store != checks.StoreOffline
}

// collectReplica renders the values of a replica's result: the metrics
// that have a store label as for the primary, the others under the
// fsmon_replica_ names, and the replication check.
func collectReplica(ch chan<- prometheus.Metric, p, fv string, r checks.Result, samples map[string]int) {
	st := r.Store
	switch r.Check {
	case checks.KindFreshness:
		if v, ok := r.Details["online_newest_seconds"].(float64); ok {
			gauge(ch, descLastEvent, v, p, fv, st)
		}
		if r.Value != nil {
			gauge(ch, descReplicaFresh, *r.Value, p, fv, st)
		}
	case checks.KindNullRate:
		if r.Value != nil {
			gauge(ch, descNull, *r.Value, p, fv, r.Feature, st)
		}
		if n, ok := r.Details["invalid"].(int); ok {
			gauge(ch, descInvalid, float64(n), p, fv, r.Feature, st)
		}
		if r.SampleSize != nil && *r.SampleSize > samples[st] {
			samples[st] = *r.SampleSize
		}
	case checks.KindCoverage:
		if r.Value != nil {
			gauge(ch, descReplicaCoverage, *r.Value, p, fv, st)
		}
	case checks.KindConsistency:
		if r.Value != nil {
			gauge(ch, descReplicaConsistency, *r.Value, p, fv, r.Feature, st)
		}
	case checks.KindReplication:
		if r.Value != nil {
			gauge(ch, descReplMatch, *r.Value, p, fv, st)
		}
		if v, ok := r.Details["missing_ratio"].(float64); ok {
			gauge(ch, descReplMissing, v, p, fv, st)
		}
		if r.SampleSize != nil {
			gauge(ch, descReplSample, float64(*r.SampleSize), p, fv, st)
		}
		labels, keys := checks.LagQuantiles()
		for i, k := range keys {
			if v, ok := r.Details[k].(float64); ok {
				gauge(ch, descReplLag, v, p, fv, st, labels[i])
			}
		}
	}
}

// collectShards renders the per-shard breakdown of one result.
func collectShards(ch chan<- prometheus.Metric, p, fv string, r checks.Result) {
	store := r.Store
	if store == "" {
		store = checks.StoreOnline
	}
	for _, d := range checks.Shards(r) {
		switch r.Check {
		case checks.KindFreshness:
			up := 1.0
			if d.Error != "" {
				up = 0
			} else {
				gauge(ch, descShardSample, float64(d.SampleSize), p, fv, store, d.Shard)
			}
			gauge(ch, descShardUp, up, p, fv, store, d.Shard)
			if d.Value != nil {
				gauge(ch, descShardFresh, *d.Value, p, fv, store, d.Shard)
			}
		case checks.KindNullRate:
			if d.Value != nil {
				gauge(ch, descShardNull, *d.Value, p, fv, r.Feature, store, d.Shard)
			}
		case checks.KindCoverage:
			if d.Value != nil {
				gauge(ch, descShardCoverage, *d.Value, p, fv, store, d.Shard)
			}
		case checks.KindConsistency:
			if d.Value != nil {
				gauge(ch, descShardConsistency, *d.Value, p, fv, r.Feature, store, d.Shard)
			}
		}
	}
}

// collector collects the metrics of runs: the counters, durations and
// last-success times, and the latest results rendered as gauges, under
// Metrics.mu, so that a scrape sees no run half recorded.
type collector Metrics

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRuns, descDuration, descLastSuccess, descLastEvent, descFreshness, descNull, descCoverage, descConsistency,
		descSkewStat, descSkewP, descDriftStat, descDriftP, descRefInfo, descSample, descStatus, descThreshold, descLastRun, descInvalid, descFeastMat,
		descShardSample, descShardUp, descShardFresh, descShardNull, descShardCoverage, descShardConsistency, descProblems,
		descReplicaFresh, descReplicaCoverage, descReplicaConsistency, descReplMatch, descReplLag, descReplMissing, descReplSample} {
		ch <- d
	}
}

// Collect implements prometheus.Collector. It renders constant metrics,
// values copied under Metrics.mu, which it holds while it sends: the
// registry drains ch meanwhile, and Observe waits.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, n := range c.runs {
		ch <- prometheus.MustNewConstMetric(descRuns, prometheus.CounterValue, n, k[0], k[1])
	}
	for k, h := range c.duration {
		buckets := make(map[float64]uint64, len(durationBuckets))
		for i, le := range durationBuckets {
			buckets[le] = h.buckets[i]
		}
		ch <- prometheus.MustNewConstHistogram(descDuration, h.count, h.sum, buckets, k)
	}
	for k, t := range c.lastSuccess {
		gauge(ch, descLastSuccess, t, k[0], k[1], k[2])
	}
	for _, run := range c.latest {
		collectRun(ch, run)
	}
}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

func collectRun(ch chan<- prometheus.Metric, run Run) {
	p, fv := run.Project, run.FeatureView
	gauge(ch, descLastRun, float64(run.At.UnixNano())/1e9, p, fv)
	samples := map[string]int{}
	for _, r := range run.Results {
		if checks.IsSkipped(r) {
			continue
		}
		gauge(ch, descStatus, float64(r.Status), r.Check, p, fv, r.Feature, r.Store)
		// An insufficient result's value was not judged: it is not
		// exported, so rules on the value cannot fire on a few rows;
		// fsmon_check_status says 4 and the sample size stays.
		judged := r.Status != checks.Insufficient
		if judged {
			collectShards(ch, p, fv, r)
		}
		if r.Threshold != nil {
			// The rules' severity names, and the first release's beside
			// them (deprecated; see SeverityWarn).
			if r.Threshold.Warn != nil {
				gauge(ch, descThreshold, *r.Threshold.Warn, r.Check, p, fv, r.Feature, r.Store, SeverityWarning)
				gauge(ch, descThreshold, *r.Threshold.Warn, r.Check, p, fv, r.Feature, r.Store, SeverityWarn)
			}
			if r.Threshold.Crit != nil {
				gauge(ch, descThreshold, *r.Threshold.Crit, r.Check, p, fv, r.Feature, r.Store, SeverityCritical)
				gauge(ch, descThreshold, *r.Threshold.Crit, r.Check, p, fv, r.Feature, r.Store, SeverityCrit)
			}
		}
		if isReplica(r.Store) {
			collectReplica(ch, p, fv, r, samples)
			continue
		}
		switch r.Check {
		case checks.KindFreshness:
			if v, ok := r.Details["online_newest_seconds"].(float64); ok {
				gauge(ch, descLastEvent, v, p, fv, checks.StoreOnline)
			}
			if v, ok := r.Details["offline_newest_seconds"].(float64); ok {
				gauge(ch, descLastEvent, v, p, fv, checks.StoreOffline)
			}
			if v, ok := r.Details["feast_last_materialization_seconds"].(float64); ok {
				gauge(ch, descFeastMat, v, p, fv)
			}
			if r.Value != nil {
				gauge(ch, descFreshness, *r.Value, p, fv)
			}
		case checks.KindNullRate:
			if r.Value != nil && judged {
				gauge(ch, descNull, *r.Value, p, fv, r.Feature, r.Store)
			}
			if n, ok := r.Details["invalid"].(int); ok {
				gauge(ch, descInvalid, float64(n), p, fv, r.Feature, r.Store)
			}
			if r.SampleSize != nil && *r.SampleSize > samples[r.Store] {
				samples[r.Store] = *r.SampleSize
			}
		case checks.KindCoverage:
			if r.Value != nil && judged {
				gauge(ch, descCoverage, *r.Value, p, fv)
			}
		case checks.KindConsistency:
			if r.Value != nil && judged {
				gauge(ch, descConsistency, *r.Value, p, fv, r.Feature)
			}
		case checks.KindSkew, checks.KindDrift:
			stat, pv := descSkewStat, descSkewP
			if r.Check == checks.KindDrift {
				stat, pv = descDriftStat, descDriftP
			}
			for _, t := range r.Tests {
				if !judged {
					break
				}
				gauge(ch, stat, t.Statistic, p, fv, r.Feature, t.Test)
				if t.Normalized != nil {
					gauge(ch, stat, *t.Normalized, p, fv, r.Feature, t.Test+"_normalized")
				}
				if t.PValueAdjusted != nil {
					gauge(ch, pv, *t.PValueAdjusted, p, fv, r.Feature, t.Test)
				}
			}
			if ref := r.Reference; ref != nil && r.Check == checks.KindSkew {
				gauge(ch, descRefInfo, 1, p, fv, r.Feature, ref.Kind, ref.Label, ref.Version)
			}
		}
	}
	for store, n := range samples {
		gauge(ch, descSample, float64(n), p, fv, store)
	}
	for k, n := range problemCounts(run.Results) {
		gauge(ch, descProblems, float64(n), p, fv, k.store, string(k.kind))
	}
}

type storeKind struct {
	store string
	kind  sample.ProblemKind
}

// problemCounts sums the counts of a run's problems by store and kind. A
// problem appears on every result computed from the read it was met in, so
// problems are counted once per store and message.
func problemCounts(rs []checks.Result) map[storeKind]int {
	type key struct {
		store string
		p     sample.Problem
	}
	seen := map[key]bool{}
	out := map[storeKind]int{}
	for _, r := range rs {
		for _, sr := range r.Reads {
			for _, p := range sr.Problems {
				k := key{sr.Store, p}
				if seen[k] {
					continue
				}
				seen[k] = true
				out[storeKind{sr.Store, p.Kind}] += p.Count
			}
		}
	}
	return out
}

// Runs returns the value of the fsmon_check_runs_total series of a check
// kind and result, for tests and diagnostics.
func (m *Metrics) Runs(check, result string) float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.runs[[2]string{check, result}]
}
