// Package promrules generates Prometheus alerting rules from an fsmon
// config: one set of threshold rules per check kind (freshness, null rate,
// coverage, consistency, skew) built from the configured warn and crit
// thresholds over fsmon's metrics, plus rules for fsmon's own health.
//
// Views of one project whose thresholds for a check are identical share one
// rule (a feature_view regular expression selects them), so the file stays
// short for large configs and stays exact: every view is judged against its
// own thresholds. One problem is one alert: the warning rule of a check
// excludes the series its critical rule matches, and a skewed feature fires
// one FsmonFeatureSkewed alert whatever statistic (KS or chi-square with
// the effect size, or PSI) made it skewed. Every rule has a `for:` (the
// config's alerts.for, else its check interval), a runbook_url annotation
// and, when web.grafana_url is set, a dashboard annotation.
//
// Severity labels are "warning" and "critical" (the Prometheus convention,
// also the severity label values of fsmon_check_threshold); every threshold
// rule also carries a check label with the check kind.
package promrules

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/config"
	"github.com/fsmon/fsmon/metrics"
)

// RuleFile is a Prometheus rule file (the format `promtool check rules`
// reads).
type RuleFile struct {
	Groups []RuleGroup `yaml:"groups"`
}

// RuleGroup is one named group of rules evaluated together.
type RuleGroup struct {
	Name  string `yaml:"name"`
	Rules []Rule `yaml:"rules"`
}

// Rule is one alerting rule.
type Rule struct {
	Alert       string            `yaml:"alert"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for,omitempty"`
	Labels      map[string]string `yaml:"labels,omitempty"`
	Annotations map[string]string `yaml:"annotations,omitempty"`
}

// The alert names fsmon's rules use. They are part of the contract that
// Alertmanager routes and runbooks rely on: add, do not rename.
const (
	AlertStale       = "FsmonFeatureViewStale"
	AlertNullRate    = "FsmonFeatureNullRateHigh"
	AlertCoverage    = "FsmonFeatureViewCoverageLow"
	AlertConsistency = "FsmonFeatureInconsistent"
	AlertSkew        = "FsmonFeatureSkewed"
	// AlertDrift is the rolling-window comparison of a feature that has a
	// pinned reference (the drift check): one alert per drifted feature.
	AlertDrift = "FsmonFeatureDrifted"
	// AlertInsufficient fires when a check's sample has stayed below its
	// min_sample for insufficientFor.
	AlertInsufficient = "FsmonSampleInsufficient"
	// AlertPSI is no longer generated: PSI past its thresholds fires
	// FsmonFeatureSkewed, so one skewed feature is one alert.
	AlertPSI            = "FsmonFeaturePSIHigh"
	AlertDown           = "FsmonDown"
	AlertCheckFailing   = "FsmonCheckFailing"
	AlertViewNotChecked = "FsmonViewNotChecked"
	AlertReloadFailed   = "FsmonConfigReloadFailed"
	// The replication check's rules (online.replicas): the match fraction
	// and the lag p99 of a replica, whose name is the store label.
	AlertReplicaInconsistent = "FsmonReplicaInconsistent"
	AlertReplicaLagging      = "FsmonReplicaLagging"
	// A replica's own online checks, judged against the view's freshness,
	// coverage and consistency thresholds like the primary's: the replica
	// is stale, misses entities, or serves values unlike the offline store.
	AlertReplicaStale               = "FsmonReplicaStale"
	AlertReplicaCoverage            = "FsmonReplicaCoverageLow"
	AlertReplicaInconsistentOffline = "FsmonReplicaFeatureInconsistent"
	// The Feast registry of feast.repo (generated only with a feast
	// section): it cannot be read (critical while fsmon has never read it,
	// so the repo's views are not monitored; warning while it keeps the
	// views of the last read), or it has not been read for a while
	// although no read failed (the config does not load, a refresh hangs).
	AlertFeastRegistryUnreadable = "FsmonFeastRegistryUnreadable"
	AlertFeastRegistryStale      = "FsmonFeastRegistryStale"
)

// The severity label values of the rules.
const (
	SeverityWarning  = metrics.SeverityWarning
	SeverityCritical = metrics.SeverityCritical
)

// JobRegex matches the Prometheus job label of fsmon's scrape targets in
// FsmonDown.
const JobRegex = "fsmon.*"

// RunbookURL is the page every rule's runbook_url annotation points to,
// with the alert's name (lower case) as the anchor.
const RunbookURL = "https://github.com/fsmon/fsmon/blob/main/docs/runbook.md"

// ViewDashboardUID is the UID of the per-view Grafana dashboard that
// annotations link to when the config sets web.grafana_url.
const ViewDashboardUID = "fsmon-view"

const (
	// registryRefreshes is how many feast.refresh intervals the registry
	// may go unread before its rules fire, and registryMinWait the least
	// wait whatever the interval.
	registryRefreshes     = 3
	registryMinWait       = 15 * time.Minute
	registryStaleFor      = "5m"
	checkFailingWindow    = "15m"
	checkFailingFor       = "10m"
	downFor               = "5m"
	reloadFailedFor       = "5m"
	notCheckedIntervals   = 3
	insufficientFor       = "1d"
	defaultInterval       = 5 * time.Minute
	dashboardVarsTemplate = "?var-project={{ $labels.project }}&var-feature_view={{ $labels.feature_view }}"
)

// Generate builds the rule file for cfg. It returns an error when cfg holds
// a threshold that cannot be turned into a rule (NaN or infinite).
func Generate(cfg *config.Config) (RuleFile, error) {
	if cfg == nil {
		return RuleFile{}, fmt.Errorf("generate rules: no config")
	}
	g := generator{cfg: cfg}
	var groups []RuleGroup
	for _, b := range []struct {
		name  string
		build func() ([]Rule, error)
	}{
		{"fsmon.health", g.health},
		{"fsmon.freshness", g.freshness},
		{"fsmon.null_rate", g.nullRate},
		{"fsmon.coverage", g.coverage},
		{"fsmon.consistency", g.consistency},
		{"fsmon.skew", g.skew},
		{"fsmon.drift", g.drift},
		{"fsmon.replication", g.replication},
		{"fsmon.feast_registry", g.feastRegistry},
	} {
		rules, err := b.build()
		if err != nil {
			return RuleFile{}, fmt.Errorf("generate rules group %s: %w", b.name, err)
		}
		for i := range rules {
			if _, ok := rules[i].Annotations["runbook_url"]; !ok {
				rules[i].Annotations["runbook_url"] = RunbookURL + "#" + strings.ToLower(rules[i].Alert)
			}
		}
		if len(rules) > 0 {
			groups = append(groups, RuleGroup{Name: b.name, Rules: rules})
		}
	}
	return RuleFile{Groups: groups}, nil
}

// Export writes the rule file for cfg as YAML to w.
func Export(cfg *config.Config, w io.Writer) error {
	rf, err := Generate(cfg)
	if err != nil {
		return err
	}
	b, err := Marshal(rf)
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("write rules: %w", err)
	}
	return nil
}

// Marshal renders rf as YAML with a header comment saying it is generated.
func Marshal(rf RuleFile) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("# Generated by `fsmon rules export`; edit the fsmon config, not this file.\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(rf); err != nil {
		return nil, fmt.Errorf("encode rules: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode rules: %w", err)
	}
	return buf.Bytes(), nil
}

type generator struct {
	cfg *config.Config
}

// health returns the rules on fsmon itself.
func (g generator) health() ([]Rule, error) {
	rules := []Rule{
		{
			Alert:  AlertDown,
			Expr:   fmt.Sprintf(`up{job=~%q} == 0`, JobRegex),
			For:    downFor,
			Labels: map[string]string{"severity": SeverityCritical},
			Annotations: map[string]string{
				"summary":     "fsmon target {{ $labels.instance }} is down",
				"description": "Prometheus cannot scrape fsmon at {{ $labels.instance }} (job {{ $labels.job }}) for 5 minutes: no feature store checks are being reported.",
			},
		},
		{
			Alert:  AlertCheckFailing,
			Expr:   fmt.Sprintf(`increase(%s{%s="%s"}[%s]) > 0`, metrics.CheckRuns, metrics.LabelResult, metrics.RunError, checkFailingWindow),
			For:    checkFailingFor,
			Labels: map[string]string{"severity": SeverityWarning},
			Annotations: map[string]string{
				"summary":     "fsmon {{ $labels.check }} checks fail to run",
				"description": "{{ $value | humanize }} {{ $labels.check }} check runs on {{ $labels.instance }} ended in an error in the last 15 minutes (store unreachable or unreadable file); see fsmon's status page or logs for the reason.",
			},
		},
	}
	byInterval := map[time.Duration][]config.View{}
	for _, v := range g.cfg.Views {
		byInterval[g.interval(v)] = append(byInterval[g.interval(v)], v)
	}
	var notChecked []string
	for _, iv := range sortedKeys(byInterval) {
		for _, sel := range selectors(byInterval[iv]) {
			notChecked = append(notChecked, fmt.Sprintf(`time() - %s%s > %d`, metrics.CheckLastSuccess, sel, int64((notCheckedIntervals*iv).Seconds())))
		}
	}
	if len(notChecked) > 0 {
		rules = append(rules, Rule{
			Alert:  AlertViewNotChecked,
			Expr:   or(notChecked),
			Labels: map[string]string{"severity": SeverityWarning},
			Annotations: map[string]string{
				"summary":     "{{ $labels.feature_view }} {{ $labels.check }} not checked for 3 intervals",
				"description": "The last successful {{ $labels.check }} check of " + viewRef + " ran {{ $value | humanizeDuration }} ago, more than 3 of the view's check intervals.",
			},
		})
	}
	if len(g.cfg.Views) > 0 {
		rules = append(rules, Rule{
			Alert:  AlertInsufficient,
			Expr:   fmt.Sprintf(`%s == %d`, metrics.CheckStatus, int(checks.Insufficient)),
			For:    insufficientFor,
			Labels: map[string]string{"severity": SeverityWarning},
			Annotations: g.annotations(AlertInsufficient,
				"{{ $labels.check }} of {{ $labels.feature_view }} has had too few values to judge for a day",
				"The {{ $labels.check }} results of "+viewRef+" (feature {{ $labels.feature }}, store {{ $labels.store }}) have been insufficient for a day: the sample is below the check's min_sample, so fsmon reports the value without judging it. The view is smaller than min_sample, or its sampling is starved (SCAN budget, deadline, skipped files)."),
		})
	}
	rules = append(rules, Rule{
		Alert:  AlertReloadFailed,
		Expr:   fmt.Sprintf(`%s == 0`, metrics.ConfigReloadSuccess),
		For:    reloadFailedFor,
		Labels: map[string]string{"severity": SeverityWarning},
		Annotations: map[string]string{
			"summary":     "fsmon on {{ $labels.instance }} failed to reload its config",
			"description": "The last config reload of fsmon on {{ $labels.instance }} failed; it keeps running the previous config. Run `fsmon validate` on the new file.",
		},
	})
	return rules, nil
}

const viewRef = "{{ $labels.project }}/{{ $labels.feature_view }}"

// thresholdSpec describes how one check kind becomes rules.
type thresholdSpec struct {
	alert, check string
	// expr is the metric expression compared to the threshold.
	expr string
	// op is ">=" (bad when high) or "<=" (bad when low).
	op string
	// get returns a view's thresholds for the check.
	get     func(config.View) config.Thresholds
	summary string
	// description is a format with %s for the severity.
	description string
}

func (g generator) thresholdRules(s thresholdSpec) ([]Rule, error) {
	exprs := map[string]string{}
	for _, sev := range []string{SeverityCritical, SeverityWarning} {
		groups := map[thresholdKey][]config.View{}
		for _, v := range g.cfg.Views {
			t := s.get(v)
			p := t.Crit
			if sev == SeverityWarning {
				p = t.Warn
			}
			if p == nil {
				continue
			}
			if err := finite(*p); err != nil {
				return nil, fmt.Errorf("%s %s threshold of view %s/%s: %w", s.check, sev, v.Project, v.Name, err)
			}
			k := thresholdKey{v.Project, *p}
			groups[k] = append(groups[k], v)
		}
		var branches []string
		for _, k := range sortedThresholdKeys(groups) {
			sel := matcher(k.project, groups[k])
			branches = append(branches, fmt.Sprintf("%s %s %s", strings.ReplaceAll(s.expr, "SEL", sel), s.op, formatFloat(k.value)))
		}
		if len(branches) > 0 {
			exprs[sev] = or(branches)
		}
	}
	var rules []Rule
	for _, sev := range []string{SeverityCritical, SeverityWarning} {
		expr, ok := exprs[sev]
		if !ok {
			continue
		}
		if crit, ok := exprs[SeverityCritical]; ok && sev == SeverityWarning {
			// One problem, one alert: past the critical threshold only
			// the critical alert fires.
			expr = "(" + expr + ") unless (" + crit + ")"
		}
		rules = append(rules, Rule{
			Alert: s.alert,
			Expr:  expr,
			For:   g.forDuration(),
			Labels: map[string]string{
				"severity":         sev,
				metrics.LabelCheck: s.check,
			},
			Annotations: g.annotations(s.alert, s.summary, fmt.Sprintf(s.description, sev)),
		})
	}
	return rules, nil
}

// or joins PromQL expressions with the or operator, each in parentheses
// when there are several.
func or(exprs []string) string {
	if len(exprs) == 1 {
		return exprs[0]
	}
	parts := make([]string, len(exprs))
	for i, e := range exprs {
		parts[i] = "(" + e + ")"
	}
	return strings.Join(parts, " or ")
}

func (g generator) annotations(alert, summary, description string) map[string]string {
	a := map[string]string{
		"summary":     summary,
		"description": description,
		"runbook_url": RunbookURL + "#" + strings.ToLower(alert),
	}
	if u := strings.TrimRight(g.cfg.Web.GrafanaURL, "/"); u != "" {
		a["dashboard"] = u + "/d/" + ViewDashboardUID + "/" + dashboardVarsTemplate
	}
	return a
}

func (g generator) freshness() ([]Rule, error) {
	return g.thresholdRules(thresholdSpec{
		alert:       AlertStale,
		check:       checks.KindFreshness,
		expr:        "time() - " + withStore(metrics.LastEventTimestamp),
		op:          ">=",
		get:         func(v config.View) config.Thresholds { return v.Checks.Freshness },
		summary:     "Feature view {{ $labels.feature_view }} is stale online",
		description: "The newest event of " + viewRef + " in the online store is {{ $value | humanizeDuration }} old (at or past its %s threshold). Materialization may have stopped.",
	})
}

func (g generator) nullRate() ([]Rule, error) {
	return g.thresholdRules(thresholdSpec{
		alert:       AlertNullRate,
		check:       checks.KindNullRate,
		expr:        metrics.NullRatio + "{SEL}",
		op:          ">=",
		get:         func(v config.View) config.Thresholds { return v.Checks.NullRate },
		summary:     "{{ $labels.feature }} of {{ $labels.feature_view }} is null too often ({{ $labels.store }})",
		description: "{{ $value | humanizePercentage }} of the sampled {{ $labels.store }} values of {{ $labels.feature }} in " + viewRef + " are null or missing (at or above its %s threshold).",
	})
}

func (g generator) coverage() ([]Rule, error) {
	return g.thresholdRules(thresholdSpec{
		alert:       AlertCoverage,
		check:       checks.KindCoverage,
		expr:        metrics.Coverage + "{SEL}",
		op:          "<=",
		get:         func(v config.View) config.Thresholds { return v.Checks.Coverage },
		summary:     "Feature view {{ $labels.feature_view }} misses entities online",
		description: "Only {{ $value | humanizePercentage }} of the recent offline entities of " + viewRef + " are in the online store (at or below its %s threshold).",
	})
}

func (g generator) consistency() ([]Rule, error) {
	return g.thresholdRules(thresholdSpec{
		alert:       AlertConsistency,
		check:       checks.KindConsistency,
		expr:        metrics.Consistency + "{SEL}",
		op:          "<=",
		get:         func(v config.View) config.Thresholds { return v.Checks.Consistency },
		summary:     "{{ $labels.feature }} of {{ $labels.feature_view }} differs between online and offline",
		description: "Only {{ $value | humanizePercentage }} of the sampled online values of {{ $labels.feature }} in " + viewRef + " equal the offline value (at or below its %s threshold).",
	})
}

// replication returns the rules of the replicas (online.replicas), when
// the config has any: the replication check's match fraction (bad when
// low) and lag p99 (bad when high), and each replica's own freshness,
// coverage and consistency against the view's thresholds for those checks,
// by the replica's store label. A replica's null rate fires
// FsmonFeatureNullRateHigh, whose series already carry the store.
func (g generator) replication() ([]Rule, error) {
	if len(g.cfg.Online.Replicas) == 0 {
		return nil, nil
	}
	specs := []thresholdSpec{{
		alert:       AlertReplicaInconsistent,
		check:       checks.KindReplication,
		expr:        metrics.ReplicationMatch + "{SEL}",
		op:          "<=",
		get:         func(v config.View) config.Thresholds { return v.Checks.Replication.Match },
		summary:     "Replica {{ $labels.store }} of {{ $labels.feature_view }} differs from the primary",
		description: "Only {{ $value | humanizePercentage }} of the sampled entities of " + viewRef + " have the primary's event time and values on replica {{ $labels.store }} (at or below its %s threshold); missing entities count as different.",
	}, {
		alert:       AlertReplicaLagging,
		check:       checks.KindReplication,
		expr:        metrics.ReplicationLag + `{quantile="0.99", SEL}`,
		op:          ">=",
		get:         func(v config.View) config.Thresholds { return v.Checks.Replication.LagP99 },
		summary:     "Replica {{ $labels.store }} of {{ $labels.feature_view }} lags behind the primary",
		description: "The 99th percentile of how far the event times of " + viewRef + " on replica {{ $labels.store }} are behind the primary's is {{ $value | humanizeDuration }} (at or past its %s threshold).",
	}, {
		// The replica's newest event time, as the primary's
		// FsmonFeatureViewStale: it keeps ageing when checks stop.
		alert:       AlertReplicaStale,
		check:       checks.KindFreshness,
		expr:        "time() - " + metrics.LastEventTimestamp + "{" + g.replicaStores() + ", SEL}",
		op:          ">=",
		get:         func(v config.View) config.Thresholds { return v.Checks.Freshness },
		summary:     "Feature view {{ $labels.feature_view }} is stale on replica {{ $labels.store }}",
		description: "The newest event of " + viewRef + " on replica {{ $labels.store }} is {{ $value | humanizeDuration }} old (at or past its %s freshness threshold). Replication to it may have stopped, or materialization has.",
	}, {
		alert:       AlertReplicaCoverage,
		check:       checks.KindCoverage,
		expr:        metrics.ReplicaCoverage + "{SEL}",
		op:          "<=",
		get:         func(v config.View) config.Thresholds { return v.Checks.Coverage },
		summary:     "Feature view {{ $labels.feature_view }} misses entities on replica {{ $labels.store }}",
		description: "Only {{ $value | humanizePercentage }} of the recent offline entities of " + viewRef + " are on replica {{ $labels.store }} (at or below its %s coverage threshold).",
	}, {
		alert:       AlertReplicaInconsistentOffline,
		check:       checks.KindConsistency,
		expr:        metrics.ReplicaConsistency + "{SEL}",
		op:          "<=",
		get:         func(v config.View) config.Thresholds { return v.Checks.Consistency },
		summary:     "{{ $labels.feature }} of {{ $labels.feature_view }} on replica {{ $labels.store }} differs from offline",
		description: "Only {{ $value | humanizePercentage }} of the sampled values of {{ $labels.feature }} in " + viewRef + " on replica {{ $labels.store }} equal the offline value (at or below its %s consistency threshold).",
	}}
	var rules []Rule
	for _, s := range specs {
		r, err := g.thresholdRules(s)
		if err != nil {
			return nil, err
		}
		rules = append(rules, r...)
	}
	return rules, nil
}

// replicaStores matches the store label of the config's replicas, which
// the metrics shared with the primary (store="online") carry.
// feastRegistry returns the rules on the Feast registry of feast.repo,
// over the registry metrics the daemon exports for it. They wait
// registryRefreshes refresh intervals (at least registryMinWait): one
// failed refresh is retried at the next.
func (g generator) feastRegistry() ([]Rule, error) {
	f := g.cfg.Feast
	if f == nil || f.Repo == "" {
		return nil, nil
	}
	refresh := f.Refresh
	if refresh <= 0 {
		refresh = config.DefaultFeastRefresh
	}
	wait := max(registryRefreshes*refresh, registryMinWait)
	ok, last := metrics.FeastRegistryRefreshSuccess, metrics.FeastRegistryLastSuccess
	rules := []Rule{{
		Alert:  AlertFeastRegistryUnreadable,
		Expr:   fmt.Sprintf(`%s == 0 unless %s`, ok, last),
		For:    promDuration(wait),
		Labels: map[string]string{"severity": SeverityCritical},
		Annotations: map[string]string{
			"summary":     "The Feast registry of project {{ $labels.project }} has never been read by fsmon on {{ $labels.instance }}",
			"description": "fsmon on {{ $labels.instance }} has not read the Feast registry of project {{ $labels.project }} since it started, so none of the project's feature views is monitored. The status page and fsmon's log say why (database or bucket unreachable, credentials, a missing registry).",
		},
	}, {
		Alert:  AlertFeastRegistryUnreadable,
		Expr:   fmt.Sprintf(`%s == 0 and %s`, ok, last),
		For:    promDuration(wait),
		Labels: map[string]string{"severity": SeverityWarning},
		Annotations: map[string]string{
			"summary":     "The Feast registry of project {{ $labels.project }} cannot be read",
			"description": "fsmon on {{ $labels.instance }} cannot read the Feast registry of project {{ $labels.project }} and keeps monitoring the views of the last registry it read: views applied, changed or removed since are not seen. fsmon's log says why.",
		},
	}}
	if f.Refresh > 0 {
		rules = append(rules, Rule{
			Alert:  AlertFeastRegistryStale,
			Expr:   fmt.Sprintf(`time() - %s > %d unless %s == 0`, last, int64(wait.Seconds()), ok),
			For:    registryStaleFor,
			Labels: map[string]string{"severity": SeverityWarning},
			Annotations: map[string]string{
				"summary":     "The Feast registry of project {{ $labels.project }} has not been read for {{ $value | humanizeDuration }}",
				"description": "fsmon on {{ $labels.instance }} last read the Feast registry of project {{ $labels.project }} {{ $value | humanizeDuration }} ago although no read failed: its config no longer loads (the refresh re-reads it; see the log and `fsmon validate`), or a refresh hangs. Views applied since are not seen.",
			},
		})
	}
	return rules, nil
}

func (g generator) replicaStores() string {
	names := make([]string, len(g.cfg.Online.Replicas))
	for i, r := range g.cfg.Online.Replicas {
		names[i] = regexp.QuoteMeta(r.Name)
	}
	if len(names) == 1 {
		return metrics.LabelStore + "=" + promString(g.cfg.Online.Replicas[0].Name)
	}
	return metrics.LabelStore + "=~" + promString(strings.Join(names, "|"))
}

// skew returns the skew rules: critical when the BH-adjusted p-value of the
// view's test (KS for numeric, chi-square for categorical) is below p_value
// and the effect size (KS D, L-infinity) is at least min_statistic; and the
// PSI rules, critical and warning.
func (g generator) skew() ([]Rule, error) {
	return g.skewRules(skewSpec{
		alert: AlertSkew, check: checks.KindSkew, stat: metrics.SkewStatistic, p: metrics.SkewPValue,
		get:             func(v config.View) (config.Skew, bool) { return v.Checks.Skew, true },
		critSummary:     "{{ $labels.feature }} of {{ $labels.feature_view }} is skewed online",
		critDescription: "The online values of {{ $labels.feature }} in " + viewRef + " differ from the offline window: the Benjamini-Hochberg adjusted p-value of its test (KS or chi-square) is below the view's p_value and the effect size (KS D or L-infinity) is at least its min_statistic, or its PSI is at or above the critical PSI threshold. fsmon_feature_skew_statistic and fsmon_feature_skew_p_value have the numbers.",
		warnSummary:     "{{ $labels.feature }} of {{ $labels.feature_view }} shifted online",
		warnDescription: "The population stability index of {{ $labels.feature }} in " + viewRef + " online against the offline window is {{ $value | printf \"%.3g\" }}, at or above the warning PSI threshold (and the feature is not critically skewed).",
	})
}

// drift returns the drift rules of the views with a pinned reference (on
// the view or one of its features): the same rule as skew over
// fsmon_feature_drift_statistic and fsmon_feature_drift_p_value, with the
// view's checks.drift thresholds, one FsmonFeatureDrifted per feature.
func (g generator) drift() ([]Rule, error) {
	return g.skewRules(skewSpec{
		alert: AlertDrift, check: checks.KindDrift, stat: metrics.DriftStatistic, p: metrics.DriftPValue,
		get:             func(v config.View) (config.Skew, bool) { return v.Checks.Drift, hasReference(v) },
		critSummary:     "{{ $labels.feature }} of {{ $labels.feature_view }} drifted online",
		critDescription: "The online values of {{ $labels.feature }} in " + viewRef + " differ from the rolling offline window (the recent data, not the pinned reference): the Benjamini-Hochberg adjusted p-value of its test (KS or chi-square) is below the view's drift p_value and the effect size (KS D or L-infinity) is at least its drift min_statistic, or its PSI is at or above the critical drift PSI threshold. fsmon_feature_drift_statistic and fsmon_feature_drift_p_value have the numbers.",
		warnSummary:     "{{ $labels.feature }} of {{ $labels.feature_view }} is drifting online",
		warnDescription: "The population stability index of {{ $labels.feature }} in " + viewRef + " online against the rolling offline window is {{ $value | printf \"%.3g\" }}, at or above the warning drift PSI threshold (and the feature has not critically drifted).",
	})
}

// hasReference reports whether the view or one of its features has a
// pinned reference (only those have drift results).
func hasReference(v config.View) bool {
	if v.Reference != nil {
		return true
	}
	for _, f := range v.Features {
		if f.Reference != nil {
			return true
		}
	}
	return false
}

// skewSpec is what differs between the skew and the drift rules.
type skewSpec struct {
	alert, check string
	stat, p      string // the statistic and p-value metrics
	// get returns a view's rule and whether the view has the check.
	get                          func(config.View) (config.Skew, bool)
	critSummary, critDescription string
	warnSummary, warnDescription string
}

func (g generator) skewRules(sp skewSpec) ([]Rule, error) {
	type testKey struct {
		project      string
		pValue, minS float64
	}
	groups := map[testKey][]config.View{}
	for _, v := range g.cfg.Views {
		s, ok := sp.get(v)
		if !ok || s.PValue <= 0 {
			continue
		}
		if err := finite(s.PValue); err != nil {
			return nil, fmt.Errorf("%s p_value of view %s/%s: %w", sp.check, v.Project, v.Name, err)
		}
		if err := finite(s.MinStatistic); err != nil {
			return nil, fmt.Errorf("%s min_statistic of view %s/%s: %w", sp.check, v.Project, v.Name, err)
		}
		k := testKey{v.Project, s.PValue, s.MinStatistic}
		groups[k] = append(groups[k], v)
	}
	keys := make([]testKey, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b testKey) int {
		if c := strings.Compare(a.project, b.project); c != 0 {
			return c
		}
		if c := cmpFloat(a.pValue, b.pValue); c != 0 {
			return c
		}
		return cmpFloat(a.minS, b.minS)
	})
	on := fmt.Sprintf("on (%s, %s, %s)", metrics.LabelProject, metrics.LabelFeatureView, metrics.LabelFeature)
	var crit []string
	for _, k := range keys {
		sel := matcher(k.project, groups[k])
		test := func(pTest, statTest string) string {
			return fmt.Sprintf(`%s{%s, test=%q} < %s and %s %s{%s, test=%q} >= %s`,
				sp.p, sel, pTest, formatFloat(k.pValue), on,
				sp.stat, sel, statTest, formatFloat(k.minS))
		}
		crit = append(crit, test("ks", "ks"), test("chi2", "linf"))
	}
	psiBranches := func(sev string) ([]string, error) {
		groups := map[thresholdKey][]config.View{}
		for _, v := range g.cfg.Views {
			rule, ok := sp.get(v)
			if !ok {
				continue
			}
			p := rule.PSI.Crit
			if sev == SeverityWarning {
				p = rule.PSI.Warn
			}
			if p == nil {
				continue
			}
			if err := finite(*p); err != nil {
				return nil, fmt.Errorf("%s psi %s threshold of view %s/%s: %w", sp.check, sev, v.Project, v.Name, err)
			}
			groups[thresholdKey{v.Project, *p}] = append(groups[thresholdKey{v.Project, *p}], v)
		}
		var out []string
		for _, k := range sortedThresholdKeys(groups) {
			out = append(out, fmt.Sprintf(`%s{%s, test="psi"} >= %s`, sp.stat, matcher(k.project, groups[k]), formatFloat(k.value)))
		}
		return out, nil
	}
	psiCrit, err := psiBranches(SeverityCritical)
	if err != nil {
		return nil, err
	}
	psiWarn, err := psiBranches(SeverityWarning)
	if err != nil {
		return nil, err
	}
	// One alert per skewed feature: the branches (a test's p-value, its
	// effect size, PSI) are series of different tests, merged per feature
	// by dropping the test label. The alert's value is not a statistic;
	// the description points to the dashboard and status page for them.
	without := fmt.Sprintf("max without (%s) ", metrics.LabelTest)
	var rules []Rule
	critExpr := ""
	if all := append(crit, psiCrit...); len(all) > 0 {
		critExpr = without + "(" + or(all) + ")"
		rules = append(rules, Rule{
			Alert: sp.alert,
			Expr:  critExpr,
			For:   g.forDuration(),
			Labels: map[string]string{
				"severity":         SeverityCritical,
				metrics.LabelCheck: sp.check,
			},
			Annotations: g.annotations(sp.alert, sp.critSummary, sp.critDescription),
		})
	}
	if len(psiWarn) > 0 {
		expr := without + "(" + or(psiWarn) + ")"
		if critExpr != "" {
			expr = "(" + expr + ") unless " + on + " (" + critExpr + ")"
		}
		rules = append(rules, Rule{
			Alert: sp.alert,
			Expr:  expr,
			For:   g.forDuration(),
			Labels: map[string]string{
				"severity":         SeverityWarning,
				metrics.LabelCheck: sp.check,
			},
			Annotations: g.annotations(sp.alert, sp.warnSummary, sp.warnDescription),
		})
	}
	return rules, nil
}

func (g generator) interval(v config.View) time.Duration {
	switch {
	case v.Interval > 0:
		return v.Interval
	case g.cfg.Interval > 0:
		return g.cfg.Interval
	}
	return defaultInterval
}

// forDuration is how long a condition must hold before its rule fires: the
// config's alerts.for, else one check interval (the global one, 5m by
// default), so a single run's result never pages on its own.
func (g generator) forDuration() string {
	if g.cfg.Alerts.For > 0 {
		return promDuration(g.cfg.Alerts.For)
	}
	if g.cfg.Interval > 0 {
		return promDuration(g.cfg.Interval)
	}
	return promDuration(defaultInterval)
}

type thresholdKey struct {
	project string
	value   float64
}

func sortedThresholdKeys(m map[thresholdKey][]config.View) []thresholdKey {
	keys := make([]thresholdKey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b thresholdKey) int {
		if c := strings.Compare(a.project, b.project); c != 0 {
			return c
		}
		return cmpFloat(a.value, b.value)
	})
	return keys
}

func sortedKeys(m map[time.Duration][]config.View) []time.Duration {
	keys := make([]time.Duration, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// selectors returns one {project=..., feature_view=...} selector per project
// of views, in project order.
func selectors(views []config.View) []string {
	byProject := map[string][]config.View{}
	var projects []string
	for _, v := range views {
		if _, ok := byProject[v.Project]; !ok {
			projects = append(projects, v.Project)
		}
		byProject[v.Project] = append(byProject[v.Project], v)
	}
	slices.Sort(projects)
	out := make([]string, 0, len(projects))
	for _, p := range projects {
		out = append(out, "{"+matcher(p, byProject[p])+"}")
	}
	return out
}

// matcher returns the label matchers selecting views of project, without
// braces: project="p", feature_view="v" or feature_view=~"a|b".
func matcher(project string, views []config.View) string {
	names := make([]string, 0, len(views))
	for _, v := range views {
		names = append(names, v.Name)
	}
	slices.Sort(names)
	names = slices.Compact(names)
	fv := fmt.Sprintf("%s=%s", metrics.LabelFeatureView, promString(names[0]))
	if len(names) > 1 {
		quoted := make([]string, len(names))
		for i, n := range names {
			quoted[i] = regexp.QuoteMeta(n)
		}
		fv = fmt.Sprintf("%s=~%s", metrics.LabelFeatureView, promString(strings.Join(quoted, "|")))
	}
	return fmt.Sprintf("%s=%s, %s", metrics.LabelProject, promString(project), fv)
}

// withStore selects the online store of a metric with a store label and
// leaves room for the view selector.
func withStore(metric string) string {
	return metric + `{store="online", SEL}`
}

// promString quotes s as a PromQL double-quoted string.
func promString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func finite(f float64) error {
	if f != f || f > 1e308 || f < -1e308 {
		return fmt.Errorf("threshold %v is not a finite number", f)
	}
	return nil
}

// promDuration formats d in Prometheus duration syntax (1d2h3m4s, largest
// units first, days when whole).
func promDuration(d time.Duration) string {
	if d <= 0 {
		return "0s"
	}
	var b strings.Builder
	for _, u := range []struct {
		unit string
		d    time.Duration
	}{{"d", 24 * time.Hour}, {"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}, {"ms", time.Millisecond}} {
		if n := d / u.d; n > 0 {
			fmt.Fprintf(&b, "%d%s", n, u.unit)
			d -= n * u.d
		}
	}
	if b.Len() == 0 {
		return "0s"
	}
	return b.String()
}
