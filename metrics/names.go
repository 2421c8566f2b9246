// Package metrics names every metric fsmon exports and renders check results
// into a Prometheus registry it is given.
package metrics

// Namespace prefixes every fsmon metric.
const Namespace = "fsmon"

// The metric names of docs/contract.md section 6. Dashboards and alert rules use
// these constants so that a rename breaks the build, not a dashboard.
const (
	LastEventTimestamp = "fsmon_feature_view_last_event_timestamp_seconds"
	Freshness          = "fsmon_feature_view_freshness_seconds"
	NullRatio          = "fsmon_feature_null_ratio"
	Coverage           = "fsmon_feature_view_coverage_ratio"
	Consistency        = "fsmon_feature_consistency_ratio"
	SkewStatistic      = "fsmon_feature_skew_statistic"
	SkewPValue         = "fsmon_feature_skew_p_value"
	SampleSize         = "fsmon_feature_view_sample_size"
	CheckStatus        = "fsmon_check_status"
	CheckDuration      = "fsmon_check_duration_seconds"
	CheckRuns          = "fsmon_check_runs_total"
	CheckLastSuccess   = "fsmon_check_last_success_timestamp_seconds"
	Notifications      = "fsmon_notifications_total"
	BuildInfo          = "fsmon_build_info"
	// Added beyond the contract's table (add, do not rename).
	FeastLastMaterialized = "fsmon_feast_last_materialization_timestamp_seconds"
	ThresholdValue        = "fsmon_check_threshold"
	ViewLastRun           = "fsmon_feature_view_last_run_timestamp_seconds"
	ConfigReloadSuccess   = "fsmon_config_last_reload_successful"
	InvalidValues         = "fsmon_feature_invalid_values"
	KeysScanned           = "fsmon_redis_keys_scanned"
	// NotificationQueueLength and NotificationsDropped describe the
	// background delivery queue of notifications.
	NotificationQueueLength = "fsmon_notification_queue_length"
	NotificationsDropped    = "fsmon_notifications_dropped_total"
	// Per shard of a Redis Cluster (label shard: "0", "1", ... by lowest
	// hash slot), from the results' details.
	ShardSampleSize  = "fsmon_feature_view_shard_sample_size"
	ShardUp          = "fsmon_feature_view_shard_up"
	ShardFreshness   = "fsmon_feature_view_shard_freshness_seconds"
	ShardNullRatio   = "fsmon_feature_shard_null_ratio"
	ShardCoverage    = "fsmon_feature_view_shard_coverage_ratio"
	ShardConsistency = "fsmon_feature_shard_consistency_ratio"
	// ConfigReloads counts reloads by result (ReloadSuccess, ReloadFailure).
	ConfigReloads = "fsmon_config_reloads_total"
	// StoreProblems counts the data problems of a view's last run by store
	// and kind (sample.ProblemKind: bad_file, scan_budget, key_layout, ...).
	StoreProblems = "fsmon_store_problems"
	// Pinned references (issue 11): the rolling-window drift beside a
	// reference's skew, and which reference a feature's skew used.
	DriftStatistic = "fsmon_feature_drift_statistic"
	DriftPValue    = "fsmon_feature_drift_p_value"
	ReferenceInfo  = "fsmon_feature_skew_reference_info"
	// The Feast registry of feast.repo (file, object or SQL), by project:
	// whether its last refresh read it, how many refreshes could not, and
	// when it was last read. A registry that cannot be read keeps the views
	// of the last one read.
	FeastRegistryRefreshSuccess  = "fsmon_feast_registry_last_refresh_successful"
	FeastRegistryRefreshFailures = "fsmon_feast_registry_refresh_failures_total"
	FeastRegistryLastSuccess     = "fsmon_feast_registry_last_success_timestamp_seconds"
	// Cross-region replicas (online.replicas): the online checks' values
	// of each replica whose primary metric has no store label, and the
	// replication check. The store label is the replica's name. The
	// primary's series are unchanged: no store label on the view-level
	// metrics, store="online" where the metric had a store label.
	ReplicaFreshness   = "fsmon_replica_feature_view_freshness_seconds"
	ReplicaCoverage    = "fsmon_replica_feature_view_coverage_ratio"
	ReplicaConsistency = "fsmon_replica_feature_consistency_ratio"
	ReplicationMatch   = "fsmon_replication_match_ratio"
	ReplicationLag     = "fsmon_replication_lag_seconds"
	ReplicationMissing = "fsmon_replication_missing_ratio"
	ReplicationSample  = "fsmon_replication_compared_entities"
)

// Labels used by the metrics; all are bounded sets.
const (
	LabelProject     = "project"
	LabelFeatureView = "feature_view"
	LabelFeature     = "feature"
	LabelStore       = "store"
	LabelCheck       = "check"
	LabelTest        = "test"
	LabelResult      = "result"
	LabelNotifier    = "notifier"
	LabelSeverity    = "severity"
	LabelShard       = "shard"
	LabelKind        = "kind"
	LabelReference   = "reference"
	LabelVersion     = "version"
	// LabelQuantile is the quantile of fsmon_replication_lag_seconds:
	// 0.5, 0.9, 0.99 and 1 (the maximum).
	LabelQuantile = "quantile"
)

// Values of the result label of fsmon_config_reloads_total.
const (
	ReloadSuccess = "success"
	ReloadFailure = "failure"
)

// Values of the result label of fsmon_check_runs_total.
const (
	RunSuccess = "success" // the check ran to a verdict, whatever the verdict
	RunError   = "error"   // the check could not run
)

// The values of the severity label of fsmon_check_threshold. Warning and
// Critical are the names fsmon's Prometheus rules and the Alertmanager
// example use; Warn and Crit are the names of the first release, still
// exported beside them so that existing queries keep working (deprecated:
// query severity="warning"|"critical").
const (
	SeverityWarning  = "warning"
	SeverityCritical = "critical"
	SeverityWarn     = "warn"
	SeverityCrit     = "crit"
)
