package checks

import (
	"fmt"
	"time"
)

// Status is the verdict of one result. The order matters: a greater status is
// worse, except that Error sorts between Warn and Crit for the report's
// overall status (docs/contract.md section 4).
type Status int

// The statuses, with the values of the fsmon_check_status metric.
const (
	OK    Status = 0
	Warn  Status = 1
	Crit  Status = 2
	Error Status = 3
	// Insufficient: the sample is smaller than the check's min_sample, so
	// the value (still reported, with its interval) is not judged. Neither
	// ok nor bad: it fails the gate only under --fail-on warn, and never
	// pages.
	Insufficient Status = 4
)

// String returns the status as it appears in reports.
func (s Status) String() string {
	switch s {
	case OK:
		return "ok"
	case Warn:
		return "warn"
	case Crit:
		return "crit"
	case Error:
		return "error"
	case Insufficient:
		return "insufficient"
	}
	return "unknown"
}

// MarshalText writes the status as its name.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a status name.
func (s *Status) UnmarshalText(b []byte) error {
	for _, c := range []Status{OK, Warn, Crit, Error, Insufficient} {
		if string(b) == c.String() {
			*s = c
			return nil
		}
	}
	return fmt.Errorf("unknown status %q", b)
}

// Severity orders statuses for the report: crit > error > warn >
// insufficient > ok.
func (s Status) Severity() int {
	switch s {
	case Crit:
		return 4
	case Error:
		return 3
	case Warn:
		return 2
	case Insufficient:
		return 1
	}
	return 0
}

// The check kinds.
const (
	KindFreshness   = "freshness"
	KindNullRate    = "null_rate"
	KindCoverage    = "coverage"
	KindConsistency = "consistency"
	KindSkew        = "skew"
	// KindDrift is the rolling-window comparison that runs beside a pinned
	// reference's skew.
	KindDrift = "drift"
	// KindReplication compares each online.replicas store with the
	// primary online store on the primary's sampled entities.
	KindReplication = "replication"
)

// The stores, as they appear in results and metric labels.
const (
	StoreOnline  = "online"
	StoreOffline = "offline"
)

// Threshold is the warn/crit pair a value was judged against. Durations are
// in seconds. A nil field has no threshold.
type Threshold struct {
	Warn *float64 `json:"warn,omitempty"`
	Crit *float64 `json:"crit,omitempty"`
}

// Test is one statistical test of a skew result.
type Test struct {
	Test             string   `json:"test"`
	Statistic        float64  `json:"statistic"`
	PValue           *float64 `json:"p_value,omitempty"`
	PValueAdjusted   *float64 `json:"p_value_adjusted,omitempty"`
	Normalized       *float64 `json:"normalized,omitempty"`
	DegreesOfFreedom *int     `json:"dof,omitempty"`
	// Threshold is what Statistic is judged against: psi's warn and crit;
	// for the effect size (ks D, linf) crit is skew.min_statistic, which
	// makes the feature crit only together with a significant p-value.
	// Tests without a threshold (js, wasserstein, chi2's statistic) are
	// shown for information.
	Threshold *Threshold `json:"threshold,omitempty"`
	// PValueThreshold is the level below which PValueAdjusted is
	// significant (skew.p_value), on the ks and chi2 tests.
	PValueThreshold *float64 `json:"p_value_threshold,omitempty"`
}

// Result is the outcome of one check on one feature view (and feature and
// store where they apply). It is plain data: metrics, alerts, the status
// page and the report are renderings of it.
type Result struct {
	Check       string     `json:"check"`
	Project     string     `json:"project"`
	FeatureView string     `json:"feature_view"`
	Feature     string     `json:"feature,omitempty"`
	Store       string     `json:"store,omitempty"`
	Status      Status     `json:"status"`
	Value       *float64   `json:"value,omitempty"`
	Threshold   *Threshold `json:"threshold,omitempty"`
	SampleSize  *int       `json:"sample_size,omitempty"`
	// Interval is the 95% Wilson score interval of Value when Value is a
	// proportion of SampleSize (null rate, coverage, consistency).
	Interval  *Interval  `json:"interval,omitempty"`
	OnlineN   *int       `json:"online_n,omitempty"`
	OfflineN  *int       `json:"offline_n,omitempty"`
	Tests     []Test     `json:"tests,omitempty"`
	Message   string     `json:"message,omitempty"`
	Error     string     `json:"error,omitempty"`
	Warnings  []string   `json:"warnings,omitempty"`
	Histogram *Histogram `json:"histogram,omitempty"`
	// Reads are the store reads the result was computed from: files, row
	// groups and keys read and skipped, and the data problems met.
	Reads []StoreRead `json:"reads,omitempty"`
	// Reference says which pinned reference a skew result was compared
	// with; absent when it was the rolling offline window.
	Reference *ReferenceInfo `json:"reference,omitempty"`
	// Details holds check-specific extras (freshness: offline newest and
	// lag; null_rate: absent vs empty counts; ...). Values are numbers,
	// strings or booleans, never entity keys or feature values.
	Details map[string]any `json:"details,omitempty"`
	// Since is when the result's current status began: the time of the
	// first run in that status, as far as the alert state file remembers
	// (serve keeps it across restarts; `fsmon check` reads it from the
	// file). Nil when no history is kept for the result.
	Since *time.Time `json:"since,omitempty"`
	// History is the value and status of the result's last runs, oldest
	// first, this run included (at most a few dozen points).
	History []HistoryPoint `json:"history,omitempty"`
	// At is the evaluation time ("now" of the run); Duration how long the
	// run that produced the result took.
	At       time.Time     `json:"-"`
	Duration time.Duration `json:"-"`
}

// Interval is a confidence interval of a proportion: with the stated
// confidence, the rate of the whole population lies in [Lower, Upper].
type Interval struct {
	Lower float64 `json:"lower"`
	Upper float64 `json:"upper"`
	// Confidence is the interval's level (0.95).
	Confidence float64 `json:"confidence"`
	// Method is how it was computed: "wilson" (the Wilson score interval).
	Method string `json:"method"`
}

// ReferenceInfo identifies a pinned reference on a result.
type ReferenceInfo struct {
	// Kind is range, path, saved_dataset or profile.
	Kind string `json:"kind"`
	// Label names it (the config's label, the profile's label, or its
	// source); Version is the profile's version (a content hash when the
	// profile was built from a raw source).
	Label   string `json:"label"`
	Version string `json:"version,omitempty"`
	Source  string `json:"source,omitempty"`
}

// HistoryPoint is one past run of a result: when it ran, its value (nil
// when it had none, e.g. an error) and its status.
type HistoryPoint struct {
	At     time.Time `json:"at"`
	Value  *float64  `json:"value"`
	Status Status    `json:"status"`
}
