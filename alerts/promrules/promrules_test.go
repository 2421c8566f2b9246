package promrules

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fsmon/fsmon/config"
	"github.com/fsmon/fsmon/deploy"
	"github.com/fsmon/fsmon/metrics"
)

var update = flag.Bool("update", false, "rewrite golden files and the shipped deploy/prometheus/fsmon.rules.yml")

const shippedRules = "../../deploy/prometheus/fsmon.rules.yml"
const shippedTests = "../../deploy/prometheus/fsmon.rules.test.yml"

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file: %v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		gotPath := path + ".got"
		_ = os.WriteFile(gotPath, got, 0o644)
		t.Errorf("%s differs from the generated output (written to %s); diff them, and rerun with -update if the change is intended", path, gotPath)
	}
}

func TestShippedRulesMatchExampleConfig(t *testing.T) {
	var buf bytes.Buffer
	if err := Export(deploy.ExampleConfig(), &buf); err != nil {
		t.Fatal(err)
	}
	golden(t, shippedRules, buf.Bytes())
}

func ptr(f float64) *float64 { return &f }

// TestGenerateExpressions checks the expressions against PromQL written by
// hand from docs/contract.md section 2 and 3 for a config of two views.
func TestGenerateExpressions(t *testing.T) {
	cfg := &config.Config{
		Interval: time.Minute,
		Web:      config.Web{GrafanaURL: "https://grafana.example.com/"},
		Alerts:   config.Alerts{For: 10 * time.Minute},
		Views: []config.View{
			{Name: "a.b", Project: "p", Interval: 2 * time.Minute, Checks: config.Checks{
				Freshness: config.Thresholds{Crit: ptr(90)},
				Coverage:  config.Thresholds{Warn: ptr(0.5)},
				Skew:      config.Skew{PValue: 0.05, MinStatistic: 0, PSI: config.Thresholds{}},
			}},
			{Name: "c", Project: "p", Checks: config.Checks{
				Freshness: config.Thresholds{Crit: ptr(90)},
				Coverage:  config.Thresholds{Warn: ptr(0.25)},
				Skew:      config.Skew{PValue: 0.05},
			}},
		},
	}
	rf, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]Rule{}
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			got[r.Alert] = append(got[r.Alert], r)
		}
	}
	exprs := func(alert string) []string {
		var out []string
		for _, r := range got[alert] {
			out = append(out, r.Expr)
		}
		return out
	}
	want := map[string][]string{
		AlertStale:    {`time() - fsmon_feature_view_last_event_timestamp_seconds{store="online", project="p", feature_view=~"a\\.b|c"} >= 90`},
		AlertCoverage: {`(fsmon_feature_view_coverage_ratio{project="p", feature_view="c"} <= 0.25) or (fsmon_feature_view_coverage_ratio{project="p", feature_view="a.b"} <= 0.5)`},
		// one alert per feature: the tests' series merged without their test label
		AlertSkew: {`max without (test) ((fsmon_feature_skew_p_value{project="p", feature_view=~"a\\.b|c", test="ks"} < 0.05 and on (project, feature_view, feature) fsmon_feature_skew_statistic{project="p", feature_view=~"a\\.b|c", test="ks"} >= 0) or ` +
			`(fsmon_feature_skew_p_value{project="p", feature_view=~"a\\.b|c", test="chi2"} < 0.05 and on (project, feature_view, feature) fsmon_feature_skew_statistic{project="p", feature_view=~"a\\.b|c", test="linf"} >= 0))`},
		AlertViewNotChecked: {`(time() - fsmon_check_last_success_timestamp_seconds{project="p", feature_view="c"} > 180) or (time() - fsmon_check_last_success_timestamp_seconds{project="p", feature_view="a.b"} > 360)`},
		AlertNullRate:       nil,
		AlertConsistency:    nil,
		AlertPSI:            nil,
	}
	for alert, w := range want {
		if g := exprs(alert); strings.Join(g, "\n") != strings.Join(w, "\n") {
			t.Errorf("%s expressions:\n got %q\nwant %q", alert, g, w)
		}
	}
	stale := got[AlertStale][0]
	if stale.For != "10m" || stale.Labels["severity"] != SeverityCritical || stale.Labels["check"] != "freshness" {
		t.Errorf("stale rule for/labels = %q %v", stale.For, stale.Labels)
	}
	wantLink := "https://grafana.example.com/d/fsmon-view/?var-project={{ $labels.project }}&var-feature_view={{ $labels.feature_view }}"
	if stale.Annotations["dashboard"] != wantLink {
		t.Errorf("dashboard annotation = %q, want %q", stale.Annotations["dashboard"], wantLink)
	}
	if want := RunbookURL + "#fsmonfeatureviewstale"; stale.Annotations["runbook_url"] != want {
		t.Errorf("runbook_url = %q, want %q", stale.Annotations["runbook_url"], want)
	}
	for alert, rules := range got {
		for _, r := range rules {
			if r.For == "" && alert != AlertViewNotChecked {
				t.Errorf("%s (%s) has no for:", alert, r.Labels["severity"])
			}
			// the severity names fsmon_check_threshold exports
			if sev := r.Labels["severity"]; sev != metrics.SeverityWarning && sev != metrics.SeverityCritical {
				t.Errorf("%s severity %q is not a severity of %s", alert, sev, metrics.ThresholdValue)
			}
			if r.Annotations["runbook_url"] == "" {
				t.Errorf("%s has no runbook_url", alert)
			}
		}
	}
	if !strings.Contains(stale.Annotations["description"], "critical threshold") {
		t.Errorf("description does not name the severity: %q", stale.Annotations["description"])
	}
}

func TestGenerateRejectsNaN(t *testing.T) {
	nan := 0.0
	nan = nan / nan
	cfg := &config.Config{Views: []config.View{{Name: "v", Project: "p", Checks: config.Checks{NullRate: config.Thresholds{Crit: &nan}}}}}
	_, err := Generate(cfg)
	if err == nil || !strings.Contains(err.Error(), "null_rate critical threshold of view p/v") {
		t.Fatalf("err = %v, want one naming the check and view", err)
	}
}

func TestPromDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		90 * time.Second:              "1m30s",
		25 * time.Hour:                "1d1h",
		7 * 24 * time.Hour:            "7d",
		1500 * time.Millisecond:       "1s500ms",
		0:                             "0s",
		2*time.Hour + 30*time.Minute:  "2h30m",
		48*time.Hour + 5*time.Second:  "2d5s",
		10 * time.Minute:              "10m",
		time.Duration(3) * time.Hour:  "3h",
		time.Duration(61) * time.Hour: "2d13h",
	} {
		if got := promDuration(d); got != want {
			t.Errorf("promDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

// promtool returns the path of promtool, skipping the test when it is
// missing outside CI.
func promtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("promtool not found; CI needs Debian's prometheus package")
		}
		t.Skip("promtool not found (install Debian's prometheus package)")
	}
	return p
}

func TestPromtoolCheckRules(t *testing.T) {
	bin := promtool(t)
	out, err := exec.Command(bin, "check", "rules", "--lint-fatal", shippedRules).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check rules %s: %v\n%s", shippedRules, err, out)
	}
}

func TestPromtoolTestRules(t *testing.T) {
	bin := promtool(t)
	abs, err := filepath.Abs(shippedTests)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "test", "rules", filepath.Base(abs))
	cmd.Dir = filepath.Dir(abs)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("promtool test rules %s: %v\n%s", shippedTests, err, out)
	}
}

// TestPromtoolReplicationRules runs the rules generated for a config with
// a replica through promtool's unit tests (testdata/replication.test.yml,
// expected alerts written by hand from the thresholds); without replicas
// no replication rule is generated.
func TestPromtoolReplicationRules(t *testing.T) {
	bin := promtool(t)
	cfg, err := config.Load("testdata/replication.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var buf bytes.Buffer
	if err := Export(cfg, &buf); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "replication.rules.yml"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	tests, err := os.ReadFile("testdata/replication.test.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "replication.test.yml"), tests, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"check", "rules", "--lint-fatal", "replication.rules.yml"}, {"test", "rules", "replication.test.yml"}} {
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("promtool %s: %v\n%s\nrules:\n%s", strings.Join(args, " "), err, out, buf.String())
		}
	}
	cfg.Online.Replicas = nil
	rf, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range rf.Groups {
		if g.Name == "fsmon.replication" {
			t.Errorf("replication rules generated without replicas: %+v", g)
		}
	}
}

// TestRunbookHasEveryAlert checks that docs/runbook.md has a section for
// every alert that the rules link to (runbook_url ends in
// #<alert in lower case>), for the example config and a config with
// replicas.
func TestRunbookHasEveryAlert(t *testing.T) {
	doc, err := os.ReadFile("../../docs/runbook.md")
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string]bool{}
	for _, line := range strings.Split(string(doc), "\n") {
		if h, ok := strings.CutPrefix(line, "## "); ok {
			sections[strings.TrimSpace(h)] = true
		}
	}
	withReplicas, err := config.Load("testdata/replication.yaml")
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, cfg := range []*config.Config{deploy.ExampleConfig(), withReplicas, feastConfig()} {
		rf, err := Generate(cfg)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range rf.Groups {
			for _, r := range g.Rules {
				seen++
				anchor := strings.ToLower(r.Alert)
				if want := RunbookURL + "#" + anchor; r.Annotations["runbook_url"] != want {
					t.Errorf("%s: runbook_url %q, want %q", r.Alert, r.Annotations["runbook_url"], want)
				}
				if !sections[anchor] {
					t.Errorf("%s: docs/runbook.md has no section %q", r.Alert, "## "+anchor)
				}
			}
		}
	}
	if seen == 0 {
		t.Fatal("no rules generated")
	}
}

// feastConfig is a config whose views come from a Feast repo refreshed
// every 10m.
func feastConfig() *config.Config {
	return &config.Config{Interval: time.Minute, Feast: &config.Feast{Repo: "/srv/feature_repo", Refresh: 10 * time.Minute, Project: "ride"},
		Views: []config.View{{Name: "driver_stats", Project: "ride", Source: "feast"}}}
}

// TestPromtoolFeastRegistryRules runs the rules generated for a config
// with a Feast repo through promtool's unit tests
// (testdata/feast_registry.test.yml, expected alerts written by hand);
// without a feast section no registry rule is generated.
func TestPromtoolFeastRegistryRules(t *testing.T) {
	bin := promtool(t)
	dir := t.TempDir()
	var buf bytes.Buffer
	if err := Export(feastConfig(), &buf); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "feast_registry.rules.yml"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	tests, err := os.ReadFile("testdata/feast_registry.test.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "feast_registry.test.yml"), tests, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"check", "rules", "--lint-fatal", "feast_registry.rules.yml"}, {"test", "rules", "feast_registry.test.yml"}} {
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("promtool %s: %v\n%s\nrules:\n%s", strings.Join(args, " "), err, out, buf.String())
		}
	}
	rf, err := Generate(deploy.ExampleConfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range rf.Groups {
		if g.Name == "fsmon.feast_registry" {
			t.Errorf("registry rules generated without feast: %+v", g)
		}
	}
}
