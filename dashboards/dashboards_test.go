package dashboards

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/grafana-tools/sdk"
	"github.com/prometheus/prometheus/promql/parser"
	"go.yaml.in/yaml/v3"

	"github.com/fsmon/fsmon/alerts/promrules"
	"github.com/fsmon/fsmon/config"
	"github.com/fsmon/fsmon/deploy"
)

var update = flag.Bool("update", false, "rewrite golden files and the shipped deploy/grafana tree")

const shippedGrafana = "../deploy/grafana"

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
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
		_ = os.WriteFile(path+".got", got, 0o644)
		t.Errorf("%s differs from the generated output (written to %s.got); rerun with -update if intended", path, filepath.Base(path))
	}
}

// TestExportMatchesShippedTree exports the example config and compares every
// file with deploy/grafana, the provisioning example users copy.
func TestExportMatchesShippedTree(t *testing.T) {
	dir := t.TempDir()
	if err := Export(deploy.ExampleConfig(), dir); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"dashboards/fsmon-overview.json",
		"dashboards/fsmon-view.json",
		"provisioning/alerting/fsmon.yaml",
		"provisioning/dashboards/fsmon.yaml",
	}
	var got []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		got = append(got, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("exported files %v, want %v", got, want)
	}
	for _, name := range want {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		golden(t, filepath.Join(shippedGrafana, name), b)
	}
}

// TestBoardsRoundTrip checks the JSON is what Grafana (and the sdk) read
// back: the UIDs, the variables of the per-view dashboard, and that every
// panel has a unique id and a query.
func TestBoardsRoundTrip(t *testing.T) {
	boards, err := Build(deploy.ExampleConfig())
	if err != nil {
		t.Fatal(err)
	}
	if len(boards) != 2 || boards[0].UID != "fsmon-overview" || boards[1].UID != "fsmon-view" {
		t.Fatalf("boards = %v", boards)
	}
	for _, b := range boards {
		js, err := MarshalBoard(b)
		if err != nil {
			t.Fatal(err)
		}
		var back sdk.Board
		if err := json.Unmarshal(js, &back); err != nil {
			t.Fatalf("%s does not read back: %v", b.UID, err)
		}
		ids := map[uint]bool{}
		for _, p := range back.Panels {
			if ids[p.ID] {
				t.Errorf("%s: panel id %d used twice", b.UID, p.ID)
			}
			ids[p.ID] = true
			if len(panelExprs(p)) == 0 {
				t.Errorf("%s: panel %q has no query", b.UID, p.Title)
			}
		}
	}
	var names []string
	for _, v := range boards[1].Templating.List {
		names = append(names, v.Name)
	}
	if want := []string{"datasource", "project", "feature_view", "feature"}; !slices.Equal(names, want) {
		t.Errorf("per-view variables %v, want %v", names, want)
	}
}

func panelExprs(p *sdk.Panel) []string {
	var ts []sdk.Target
	switch {
	case p.TimeseriesPanel != nil:
		ts = p.TimeseriesPanel.Targets
	case p.TablePanel != nil:
		ts = p.TablePanel.Targets
	case p.StatPanel != nil:
		ts = p.StatPanel.Targets
	}
	var out []string
	for _, t := range ts {
		out = append(out, t.Expr)
	}
	return out
}

// contractMetrics returns every series name fsmon exports, read from the
// tables of docs/contract.md section 6 (a histogram as its _bucket, _sum
// and _count), so that the doc users script against and the queries
// checked here cannot drift apart; up is Prometheus' own.
func contractMetrics(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "docs", "contract.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(b), "\n## 6. Metrics\n")
	if !ok {
		t.Fatal("docs/contract.md has no section \"## 6. Metrics\"")
	}
	sec, _, _ = strings.Cut(sec, "\n## ")
	names := map[string]bool{"up": true}
	row := regexp.MustCompile("(?m)^\\| `(fsmon_[a-z0-9_]+)`(?: \\(0\\.\\d+\\))? \\| (\\w+) \\|")
	for _, m := range row.FindAllStringSubmatch(sec, -1) {
		switch name, typ := m[1], m[2]; typ {
		case "gauge", "counter":
			names[name] = true
		case "histogram":
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				names[name+suffix] = true
			}
		default:
			t.Fatalf("docs/contract.md: metric %s has type %q", name, typ)
		}
	}
	// A floor, so that a change of the tables' form cannot pass for a
	// short list.
	if len(names) < 40 {
		t.Fatalf("read only %d metrics from docs/contract.md section 6: %v", len(names), names)
	}
	return names
}

var labelValues = regexp.MustCompile(`^label_values\((.*),\s*\w+\)$`)

// grafanaVars replaces Grafana's range variables by durations PromQL
// accepts; $project and friends only appear inside strings.
var grafanaVars = strings.NewReplacer("$__rate_interval", "5m", "$__range", "1d", "$__interval", "1m")

// metricNames parses expr and returns the metric names of its selectors;
// a selector without a metric name is an error.
func metricNames(t *testing.T, where, expr string) []string {
	t.Helper()
	e, err := parser.NewParser(parser.Options{}).ParseExpr(grafanaVars.Replace(expr))
	if err != nil {
		t.Errorf("%s: %q does not parse: %v", where, expr, err)
		return nil
	}
	var names []string
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			if vs.Name == "" {
				t.Errorf("%s: selector %s in %q has no metric name", where, vs, expr)
			}
			names = append(names, vs.Name)
		}
		return nil
	})
	if len(names) == 0 {
		t.Errorf("%s: %q selects no metric", where, expr)
	}
	return names
}

// TestEveryExpressionUsesExportedMetrics parses every PromQL expression in
// the dashboards, their variables, the Prometheus rules and the Grafana
// alert rules, and checks that every metric is one fsmon exports.
func TestEveryExpressionUsesExportedMetrics(t *testing.T) {
	cfg := deploy.ExampleConfig()
	type q struct{ where, expr string }
	var qs []q
	boards, err := Build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range boards {
		for _, p := range b.Panels {
			for _, e := range panelExprs(p) {
				qs = append(qs, q{b.UID + "/" + p.Title, e})
			}
		}
		for _, v := range b.Templating.List {
			m, ok := v.Query.(map[string]string)
			if !ok {
				continue
			}
			sub := labelValues.FindStringSubmatch(m["query"])
			if sub == nil {
				t.Errorf("%s variable %s: query %q is not label_values(selector, label)", b.UID, v.Name, m["query"])
				continue
			}
			qs = append(qs, q{b.UID + " variable " + v.Name, sub[1]})
		}
	}
	rf, err := promrules.Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			qs = append(qs, q{"rule " + r.Alert, r.Expr})
		}
	}
	ga, err := AlertRulesYAML(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Groups []struct {
			Rules []struct {
				Title string `yaml:"title"`
				Data  []struct {
					DatasourceUID string         `yaml:"datasourceUid"`
					Model         map[string]any `yaml:"model"`
				} `yaml:"data"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(ga, &file); err != nil {
		t.Fatal(err)
	}
	nGrafana := 0
	for _, g := range file.Groups {
		for _, r := range g.Rules {
			for _, d := range r.Data {
				if d.DatasourceUID == "__expr__" {
					continue
				}
				nGrafana++
				qs = append(qs, q{"grafana rule " + r.Title, d.Model["expr"].(string)})
			}
		}
	}
	if nGrafana < 10 {
		t.Errorf("only %d Grafana alert queries", nGrafana)
	}
	exported := contractMetrics(t)
	seen := map[string]bool{}
	for _, x := range qs {
		for _, n := range metricNames(t, x.where, x.expr) {
			seen[n] = true
			if !exported[n] {
				t.Errorf("%s: %q uses %s, which fsmon does not export", x.where, x.expr, n)
			}
		}
	}
	// The dashboards must show the contract's core metrics.
	for _, n := range []string{"fsmon_feature_null_ratio", "fsmon_feature_view_coverage_ratio", "fsmon_feature_consistency_ratio",
		"fsmon_feature_skew_statistic", "fsmon_feature_skew_p_value", "fsmon_feature_view_sample_size",
		"fsmon_check_duration_seconds_bucket", "fsmon_check_runs_total", "fsmon_check_threshold"} {
		if !seen[n] {
			t.Errorf("no dashboard or rule uses %s", n)
		}
	}
}

// TestAlertRulesYAML checks the Grafana rule structure on one rule against
// Grafana's provisioning format.
func TestAlertRulesYAML(t *testing.T) {
	b, err := AlertRulesYAML(deploy.ExampleConfig())
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		APIVersion int `yaml:"apiVersion"`
		Groups     []struct {
			Folder string `yaml:"folder"`
			Rules  []struct {
				UID         string            `yaml:"uid"`
				Condition   string            `yaml:"condition"`
				NoDataState string            `yaml:"noDataState"`
				Labels      map[string]string `yaml:"labels"`
				Annotations map[string]string `yaml:"annotations"`
				Data        []struct {
					RefID string         `yaml:"refId"`
					Model map[string]any `yaml:"model"`
				} `yaml:"data"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	if file.APIVersion != 1 || len(file.Groups) == 0 {
		t.Fatalf("apiVersion %d, %d groups", file.APIVersion, len(file.Groups))
	}
	uids := map[string]bool{}
	found := false
	for _, g := range file.Groups {
		if g.Folder != "fsmon" {
			t.Errorf("folder %q", g.Folder)
		}
		for _, r := range g.Rules {
			if uids[r.UID] || len(r.UID) > 40 {
				t.Errorf("uid %q duplicated or longer than Grafana's 40", r.UID)
			}
			uids[r.UID] = true
			if r.UID != "fsmonfeaturenullratehigh-critical" {
				continue
			}
			found = true
			if r.Condition != "C" || r.NoDataState != "OK" || r.Labels["severity"] != "critical" {
				t.Errorf("rule %+v", r)
			}
			if len(r.Data) != 3 || r.Data[2].Model["expression"] != "is_number($B)" || r.Data[1].Model["expression"] != "A" {
				t.Errorf("rule data %+v", r.Data)
			}
			if !strings.Contains(r.Annotations["description"], "{{ $values.B.Value | humanizePercentage }}") {
				t.Errorf("description does not use the reduced value: %q", r.Annotations["description"])
			}
		}
	}
	if !found {
		t.Error("no rule fsmonfeaturenullratehigh-critical")
	}
}

// TestReplicaPanels checks that a config with online.replicas gets the
// replication panels on the view dashboard, reading only metrics fsmon
// exports for replicas, and that a config without replicas (the shipped
// example) gets none of them.
func TestReplicaPanels(t *testing.T) {
	titles := []string{"Replication match", "Replication lag", "Replica freshness"}
	find := func(cfg *config.Config) map[string]*sdk.Panel {
		boards, err := Build(cfg)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]*sdk.Panel{}
		for _, b := range boards {
			for _, p := range b.Panels {
				for _, title := range titles {
					if p.Title == title {
						if b.UID != ViewUID {
							t.Errorf("panel %q on board %s, want the view board", title, b.UID)
						}
						got[title] = p
					}
				}
			}
		}
		return got
	}
	if got := find(deploy.ExampleConfig()); len(got) != 0 {
		t.Errorf("the example config has no replicas but got replica panels %v", got)
	}
	cfg, err := config.Parse([]byte(`online:
  redis: {addr: 127.0.0.1:6379}
  replicas:
    - {name: us-west-2, addr: 127.0.0.2:6379}
offline: {parquet: {root: /tmp}}
feature_views:
  - name: drivers
    entities: [driver_id]
    online: {layout: hash, key: "d:{driver_id}", timestamp_field: ts}
    offline: {path: d.parquet, timestamp_column: ts}
    features:
      - {name: conv_rate, type: float64}
`), "replicas.yaml")
	if err != nil {
		t.Fatal(err)
	}
	exported := contractMetrics(t)
	got := find(cfg)
	for _, title := range titles {
		p, ok := got[title]
		if !ok {
			t.Errorf("no %q panel with a replica configured", title)
			continue
		}
		exprs := panelExprs(p)
		if len(exprs) == 0 {
			t.Errorf("%q has no query", title)
		}
		replicaData := false
		for _, e := range exprs {
			for _, n := range metricNames(t, title, e) {
				if !exported[n] {
					t.Errorf("%s: %q uses %s, which fsmon does not export", title, e, n)
				}
				replicaData = replicaData || strings.HasPrefix(n, "fsmon_replica_") || strings.HasPrefix(n, "fsmon_replication_")
			}
		}
		if !replicaData {
			t.Errorf("%s: %q reads none of the replica or replication metrics", title, exprs)
		}
	}
	if p := got["Replication lag"]; p != nil && !strings.Contains(panelExprs(p)[0], "fsmon_replication_lag_seconds{") {
		t.Errorf("Replication lag reads %q", panelExprs(p)[0])
	}
}
