package config

import (
	"fmt"
	"strings"
	"time"
)

// Config is a loaded, defaulted and validated fsmon configuration
// (docs/contract.md section 2). Durations are already parsed; secrets are referenced
// by file or environment, never held as text in the YAML.
type Config struct {
	// File is the path the config was loaded from ("" when built in code).
	File string

	Interval   time.Duration
	SampleSize int
	// MinSample is the default min_sample of every check that has one
	// (min_sample [100]; 0 turns the minimum off).
	MinSample int
	// FutureTolerance is how far past now an event time may lie before it
	// counts as a time in the future (future_tolerance [5m]).
	FutureTolerance time.Duration
	Online          Online
	Offline         Offline
	Feast           *Feast
	Slack           *Slack
	Alerts          Alerts
	Web             Web
	Views           []View
	// Sharding splits the views across fsmon replicas (sharding); nil
	// means this process checks every view.
	Sharding *Sharding
	// Keys locate the keys written in the file by dotted path, list items
	// by index ("online.redis.password_file", "feature_views[0].online.key"):
	// at the value of a scalar, else at the key. Problems found later
	// (fsmon validate --live) point there.
	Keys map[string]Position
}

// Pos returns where key (a dotted path as in Keys) is written, or where
// its nearest written parent is when the key itself is not (a default),
// or the file alone when nothing of it is.
func (c *Config) Pos(key string) Position {
	for k := key; k != ""; {
		if p, ok := c.Keys[k]; ok {
			return p
		}
		i := strings.LastIndexAny(k, ".[")
		if i < 0 {
			break
		}
		k = k[:i]
	}
	return Position{File: c.File}
}

// Sharding is one replica's part of the views: those whose stable hash of
// project/view modulo Count equals Index (like Prometheus' hashmod).
type Sharding struct {
	Index, Count int
}

// Online configures the online store.
type Online struct {
	Redis Redis
	// Replicas are further copies of the online store (other regions),
	// checked like it and compared with it (online.replicas).
	Replicas []Replica
}

// Replica is a further copy of the online store under a name of its own.
type Replica struct {
	// Name is the store label of the replica's results and metrics.
	Name  string
	Redis Redis
	// Line locates the replica in the config file.
	Line int
}

// Sentinel locates the primary through Redis Sentinel
// (online.redis.sentinel).
type Sentinel struct {
	MasterName string
	Addrs      []string
	Username   string
	// PasswordFile holds the Sentinels' own password; "" means none.
	PasswordFile string
}

// Redis holds the connection settings of the online store.
type Redis struct {
	Addr         string // host:port; derived from URL when URL is set
	URL          string // redis:// or rediss:// URL (no password in it)
	Cluster      bool
	Username     string
	PasswordFile string // file holding the password; "" means none
	PasswordEnv  string // environment variable holding the password
	// RepoPassword is the password of the Feast repo's connection_string,
	// set by Feast discovery when the config names no Redis address. It is
	// a secret: never print it.
	RepoPassword string
	DB           int
	TLS          bool
	// Sampling pace (keys under online.redis, defaults in brackets): at
	// most RateLimit entities per second (rate_limit [1000]; 0 = unlimited,
	// "full speed"), BatchSize keys per pipelined batch (batch_size [50]),
	// ScanCount the COUNT hint of each SCAN (scan_count [100]), MaxScan the
	// SCAN key budget of one sample (max_scan [10 x the largest sample_size
	// of the config and its views]).
	RateLimit int
	BatchSize int
	ScanCount int
	MaxScan   int
	Timeout   time.Duration // per-command dial/read/write timeout (timeout [5s])
	// ReadFrom is where a cluster's or a Sentinel deployment's reads go:
	// "primary" (default), "replica" or "nearest" (read_from).
	ReadFrom string
	// Sentinel, when not nil, finds the primary through Redis Sentinel.
	Sentinel *Sentinel
}

// Offline configures the offline store.
type Offline struct {
	Parquet Parquet
}

// Parquet holds the root of the offline Parquet store.
type Parquet struct {
	// Root is a local directory, file://path, s3://bucket/prefix or
	// gs://bucket/prefix.
	Root string
	// MaxReadBytes bounds what one file may make the reader allocate: its
	// footer, each page, and MaxReadBytes/8 rows per row group
	// (max_read_bytes [128MiB]).
	MaxReadBytes int64
	// PartitionPruning leaves unopened the files whose hive time partition
	// (dt=…, year=…/month=…/day=…) lies outside the time a read asks for
	// (partition_pruning [true]); false for layouts whose date partitions
	// are not event dates.
	PartitionPruning bool
	// S3 and GCS configure object storage (no credentials: those come from
	// each cloud's standard chain).
	S3  S3
	GCS GCS
}

// S3 configures S3 or an S3-compatible server (MinIO, SeaweedFS, Ceph).
type S3 struct {
	// Endpoint of an S3-compatible server; empty means AWS_ENDPOINT_URL_S3,
	// AWS_ENDPOINT_URL, FEAST_S3_ENDPOINT_URL, else AWS.
	Endpoint string
	// Region; empty means the AWS chain (AWS_REGION, profile), else
	// us-east-1.
	Region string
	// PathStyle addresses buckets as endpoint/bucket.
	PathStyle bool
}

// GCS configures Google Cloud Storage.
type GCS struct {
	// Endpoint replaces Google's JSON API endpoint (private endpoints);
	// STORAGE_EMULATOR_HOST is honoured too.
	Endpoint string
}

// IsURL reports whether p names object storage or a file:// URL rather
// than a plain local path.
func IsURL(p string) bool {
	return strings.HasPrefix(p, "s3://") || strings.HasPrefix(p, "gs://") || strings.HasPrefix(p, "file://")
}

// Feast points at a Feast feature repository to discover views from.
type Feast struct {
	Repo string
	// Refresh is how often the registry is re-read in serve.
	Refresh time.Duration
	// Project and Registry are set by discovery: the repo's project and
	// its registry's location (a SQL registry's URL with the password
	// redacted).
	Project, Registry string
	// Unread is set by LoadPending when the registry (or
	// feature_store.yaml) could not be read: why, as Load would have said
	// it. The repo's views are then unknown and not in Views.
	Unread string
}

// Slack configures the Slack notifier. Exactly one of WebhookURLFile or
// TokenFile (with Channel) is set.
type Slack struct {
	WebhookURLFile string
	TokenFile      string
	Channel        string
	// Channels routes by severity ("warn", "crit") when a token is used.
	Channels     map[string]string
	DashboardURL string
	StatusURL    string
}

// Alerts configures alert state and notification.
type Alerts struct {
	RepeatInterval time.Duration
	For            time.Duration
	StateFile      string
}

// Web holds URLs used in links (status page, Grafana) and what the
// renderings that leave the process (status page, /api/v1/results, the
// JSON report) may show of feature values.
type Web struct {
	ExternalURL string
	GrafanaURL  string
	// HideValues (web.hide_values) shows no category name, decile edge or
	// other feature value: only counts and statistics.
	HideValues bool
	// TopCategories (web.top_categories) is how many categories of a
	// histogram are named, the most frequent; the rest fold into
	// "others". 0 names every category.
	TopCategories int
	// MinCategoryCount (web.min_category_count) is how many sampled rows
	// (online plus offline) a category needs to be named; rarer ones fold
	// into "others". 0 sets no minimum.
	MinCategoryCount int
}

// Layout is how a view is stored in Redis.
type Layout string

// The online layouts.
const (
	LayoutHash   Layout = "hash"
	LayoutString Layout = "string"
	LayoutFeast  Layout = "feast"
)

// View is one feature view to monitor.
type View struct {
	Name     string
	Project  string
	Entities []string
	TTL      time.Duration // 0 = none
	Interval time.Duration
	// FutureTolerance is the config's future_tolerance.
	FutureTolerance time.Duration
	SampleSize      int
	Online          ViewOnline
	Offline         *ViewOffline // nil: no offline store for this view
	Features        []Feature
	Checks          Checks
	// Reference is the view's pinned skew reference; nil means skew is
	// judged against the rolling offline window only.
	Reference *Reference
	// Source says where the view came from: "config" or "feast".
	Source string
	// OfflineMissing explains why a discovered view has no offline store.
	OfflineMissing string
	// Feast holds what the feast layout needs; nil for other layouts.
	Feast *FeastView
	// Line and Column locate the view in the config file (0 when discovered).
	Line, Column int
	// Pos locates the parts of the view that the checks can find wrong
	// (a key that matches no key, a column that does not exist), for their
	// error results.
	Pos ViewPositions
}

// Position is where something is written in the config file. Line 0 means
// it is not written there (a view or feature discovered from Feast): File
// then names what it came from.
type Position struct {
	File         string
	Line, Column int
}

// String is "FILE:LINE:COL", or FILE alone when Line is 0.
func (p Position) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
}

// ViewPositions locate the parts of a view in the config file.
type ViewPositions struct {
	View, Key, TimestampField, Path, TimestampColumn Position
	// Entities are the positions of the listed entities, in order (none
	// for entities taken from Feast).
	Entities []Position
}

// ViewOnline says where the view lives in Redis.
type ViewOnline struct {
	Layout         Layout
	Key            string // key template with {entity} (and {feature}) placeholders
	TimestampField string
}

// ViewOffline says where the view lives in the Parquet store.
type ViewOffline struct {
	// Path is a file, directory or glob, relative to Parquet.Root, or a
	// URL of its own (s3://, gs://, file://).
	Path            string
	TimestampColumn string
	Window          time.Duration
	// S3Endpoint is the s3_endpoint_override of a Feast file source; the
	// config's offline.parquet.s3.endpoint wins over it.
	S3Endpoint string
}

// FeastView carries what the feast layout needs to read a view.
type FeastView struct {
	StoredName       string   // name in Redis (versioned name when applicable)
	JoinKeyTypes     []string // Feast ValueType names of Entities, in order
	KeyVersion       int      // entity_key_serialization_version
	LastMaterialized time.Time
	FeatureTypes     map[string]string // Feast ValueType name per feature
}

// Feature is one monitored feature.
type Feature struct {
	Name string
	Type string // float32|float64|int32|int64|bool|string; for Feast features also timestamp (UNIX_TIMESTAMP), bytes (BYTES) and other (kinds no statistic uses)
	// Reference overrides the view's reference for this feature.
	Reference *Reference
	// Pos is where the feature is listed (its name).
	Pos Position
	// Unknown, when set, says why the feature cannot exist (listed for a
	// Feast view whose registry schema lacks it): its checks report a
	// config error instead of data.
	Unknown string
}

// Thresholds is a warn/crit pair; a nil pointer means "no threshold".
type Thresholds struct {
	Warn *float64
	Crit *float64
}

// Checks are the thresholds of a view's checks, defaults applied.
type Checks struct {
	Freshness   Thresholds // seconds
	NullRate    Thresholds
	Coverage    Thresholds
	Consistency Thresholds
	Skew        Skew
	// Drift is the rule of the rolling-window comparison that runs beside
	// a pinned reference's skew (defaults as Skew).
	Drift Skew
	// Replication judges each online.replicas store against the primary.
	Replication Replication
	// MinSample is each check's min_sample: below it the result is
	// insufficient instead of judged.
	MinSample MinSample
}

// DefaultMinSample is min_sample when the config sets none: the smallest
// round sample whose 95% Wilson interval can tell the default thresholds
// apart from 0. With 0 nulls in 100 rows the interval is [0, 3.7%], below
// null_rate's default crit of 5%; with 100 of 100 covered it is [96.3%,
// 100%], above coverage's default crit of 95%. With 30 rows the same
// intervals reach 11.4% and 88.6%: no verdict either way.
const DefaultMinSample = 100

// MinSample is the sample size per check kind below which a result is
// insufficient (0: no minimum). Rates count their sample_size; skew and
// drift the smaller of the online and the offline (or reference) values.
type MinSample struct {
	NullRate, Coverage, Consistency, Skew, Drift int
}

// Of returns the minimum of a check kind ("null_rate", ...; 0 for a kind
// without one, such as freshness).
func (m MinSample) Of(kind string) int {
	switch kind {
	case "null_rate":
		return m.NullRate
	case "coverage":
		return m.Coverage
	case "consistency":
		return m.Consistency
	case "skew":
		return m.Skew
	case "drift":
		return m.Drift
	}
	return 0
}

// Replication holds the thresholds of the replication check
// (checks.replication): Match is the fraction of sampled entities whose
// event time and values on the replica equal the primary's (bad when low,
// default warn 0.99, crit 0.95); LagP99 the 99th percentile of how far the
// replica's event time is behind the primary's, in seconds (bad when high,
// default warn DefaultReplicationLagWarn, crit DefaultReplicationLagCrit).
type Replication struct {
	Match  Thresholds
	LagP99 Thresholds
}

// The default lag_p99 thresholds of the replication check. The lag is of
// event times, so a replica one materialization behind lags by the
// materialization's span, not by the network's 100-500 ms.
const (
	DefaultReplicationLagWarn = 5 * time.Minute
	DefaultReplicationLagCrit = 30 * time.Minute
)

// Skew holds the skew decision rule.
type Skew struct {
	PValue       float64
	MinStatistic float64
	PSI          Thresholds
}

// The kinds of a pinned reference.
const (
	ReferenceRange        = "range"
	ReferencePath         = "path"
	ReferenceSavedDataset = "saved_dataset"
	ReferenceProfile      = "profile"
)

// DefaultReferenceSampleSize is how many rows of a raw reference (range,
// path, saved dataset) are read to profile it; DefaultReservoir how many
// values of a numeric feature a profile keeps for KS and Wasserstein.
const (
	DefaultReferenceSampleSize = 1_000_000
	DefaultReservoir           = 1_000_000
)

// Reference is a pinned skew reference: what the model was trained on,
// instead of the rolling offline window. Exactly one of the range (From,
// To), Path, SavedDataset or Profile is set.
type Reference struct {
	// From and To bound a fixed time range of the view's offline store
	// (both ends included).
	From, To time.Time
	// Path is a Parquet file, directory or glob (relative to
	// offline.parquet.root unless absolute): a training snapshot.
	Path string
	// SavedDataset names a Feast saved dataset in the registry of feast.repo.
	SavedDataset string
	// Profile is a profile file written by `fsmon profile` (relative to
	// the config file's directory unless absolute).
	Profile string
	// TimestampColumn is the event time column of Path or SavedDataset
	// (default: the view's offline timestamp_column, else
	// "event_timestamp").
	TimestampColumn string
	// Label names the reference on results, metrics and the status page
	// (for example "ranker v3"); default: the kind and its source.
	Label string
	// SampleSize bounds the rows read from a raw reference; Reservoir the
	// values a profile keeps per numeric feature.
	SampleSize int
	Reservoir  int
	// Line and Column locate the reference in the config file.
	Line, Column int
	path         string // e.g. feature_views[0].reference, for messages
}

// Kind is one of ReferenceRange, ReferencePath, ReferenceSavedDataset and
// ReferenceProfile ("" when none is set).
func (r *Reference) Kind() string {
	switch {
	case r == nil:
		return ""
	case r.Profile != "":
		return ReferenceProfile
	case r.SavedDataset != "":
		return ReferenceSavedDataset
	case r.Path != "":
		return ReferencePath
	case !r.From.IsZero() || !r.To.IsZero():
		return ReferenceRange
	}
	return ""
}

// Source describes where the reference's values come from, for labels and
// messages.
func (r *Reference) Source() string {
	switch r.Kind() {
	case ReferenceProfile:
		return "profile " + r.Profile
	case ReferenceSavedDataset:
		return "saved dataset " + r.SavedDataset
	case ReferencePath:
		return "parquet " + r.Path
	case ReferenceRange:
		return "offline " + r.From.UTC().Format(time.RFC3339) + " to " + r.To.UTC().Format(time.RFC3339)
	}
	return ""
}

// Name is the reference's label, or its source when it has none.
func (r *Reference) Name() string {
	if r.Label != "" {
		return r.Label
	}
	return r.Source()
}

// ReferenceOf returns the reference of feature f of v: its own, else the
// view's, else nil (skew against the rolling window).
func (v View) ReferenceOf(f Feature) *Reference {
	if f.Reference != nil {
		return f.Reference
	}
	return v.Reference
}

// HasReference reports whether any feature of v has a pinned reference.
func (v View) HasReference() bool {
	for _, f := range v.Features {
		if v.ReferenceOf(f) != nil {
			return true
		}
	}
	return false
}
