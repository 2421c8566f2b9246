// Package dashboards builds fsmon's Grafana dashboards (grafana-tools/sdk
// types) from the config and the metric names of package metrics, exports
// them as Grafana file-provisioning files, pushes them through Grafana's
// HTTP API, and exports Grafana alert-rule provisioning for users who alert
// from Grafana instead of Alertmanager.
//
// There are two dashboards: an overview (UID fsmon-overview: every view's
// worst status, freshness, coverage, failing features) and one templated
// per-view dashboard (UID fsmon-view) with the variables datasource,
// project, feature_view and feature. One templated dashboard rather than
// one per view keeps the dashboards valid when views are added (Feast
// discovery) and keeps Grafana's dashboard list short; alert annotations
// link to it with var-project and var-feature_view set. Threshold lines come
// from the fsmon_check_threshold gauge, so they follow config reloads.
package dashboards

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/grafana-tools/sdk"

	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/config"
	"github.com/fsmon/fsmon/metrics"
)

// The dashboard UIDs. Links and alert annotations use them: add, do not
// rename.
const (
	OverviewUID = "fsmon-overview"
	ViewUID     = "fsmon-view"
	// FolderUID is the folder the provisioning provider puts the dashboards
	// in, and the default folder of Push.
	FolderUID = "fsmon"
	// FolderTitle is the title of that folder.
	FolderTitle = "fsmon"
	// DashboardsPath is where the provider YAML expects the JSON files
	// inside the Grafana container (the official image's convention).
	DashboardsPath = "/var/lib/grafana/dashboards/fsmon"
)

const schemaVersion = 39

// datasource is the panel datasource: the dashboard's datasource variable.
func datasource() map[string]string {
	return map[string]string{"type": "prometheus", "uid": "${datasource}"}
}

// Build returns the overview and the templated per-view dashboard for cfg.
func Build(cfg *config.Config) ([]*sdk.Board, error) {
	if cfg == nil {
		return nil, fmt.Errorf("build dashboards: no config")
	}
	return []*sdk.Board{overview(cfg), view(cfg)}, nil
}

func newBoard(uid, title string, cfg *config.Config, vars ...sdk.TemplateVar) *sdk.Board {
	refresh := sdk.BoolString{Flag: true, Value: "1m"}
	b := &sdk.Board{
		UID:           uid,
		Title:         title,
		Tags:          []string{"fsmon", "feature-store"},
		Timezone:      "browser",
		Editable:      true,
		Refresh:       &refresh,
		SchemaVersion: schemaVersion,
		Time:          sdk.Time{From: "now-24h", To: "now"},
		Timepicker:    sdk.Timepicker{RefreshIntervals: []string{"30s", "1m", "5m", "15m", "1h"}},
		GraphTooltip:  1,
		Rows:          []*sdk.Row{},
		Links:         []sdk.Link{},
	}
	b.Templating.List = append([]sdk.TemplateVar{datasourceVar()}, vars...)
	b.Annotations.List = []sdk.Annotation{}
	tooltip := "fsmon dashboards"
	b.Links = append(b.Links, sdk.Link{Title: "fsmon", Type: "dashboards", Tags: []string{"fsmon"}, AsDropdown: ptr(true), IncludeVars: true, KeepTime: ptr(true), Tooltip: &tooltip})
	if u := strings.TrimRight(cfg.Web.ExternalURL, "/"); u != "" {
		status := u + "/"
		b.Links = append(b.Links, sdk.Link{Title: "fsmon status page", Type: "link", URL: &status, TargetBlank: ptr(true)})
	}
	return b
}

func ptr[T any](v T) *T { return &v }

func datasourceVar() sdk.TemplateVar {
	return sdk.TemplateVar{
		Name:    "datasource",
		Label:   "Data source",
		Type:    "datasource",
		Query:   "prometheus",
		Current: sdk.Current{Text: &sdk.StringSliceString{Value: []string{"default"}, Valid: true}, Value: "default"},
		Options: []sdk.Option{},
	}
}

// queryVar is a label_values template variable.
func queryVar(name, label, query string, multi bool) sdk.TemplateVar {
	v := sdk.TemplateVar{
		Name:       name,
		Label:      label,
		Type:       "query",
		Datasource: datasource(),
		Refresh:    sdk.BoolInt{Flag: true, Value: ptr(int64(2))},
		Query:      map[string]string{"query": query, "refId": "fsmon-" + name},
		Sort:       1,
		Options:    []sdk.Option{},
		Multi:      multi,
		IncludeAll: multi,
	}
	if multi {
		v.Current = sdk.Current{Text: &sdk.StringSliceString{Value: []string{"All"}, Valid: true}, Value: []string{"$__all"}}
	}
	return v
}

func projectVar() sdk.TemplateVar {
	return queryVar("project", "Project", fmt.Sprintf("label_values(%s, %s)", metrics.CheckStatus, metrics.LabelProject), true)
}

// layout places panels left to right in rows of 24 columns.
type layout struct {
	x, y, rowH int
	nextID     uint
}

func (l *layout) place(p *sdk.Panel, w, h int) *sdk.Panel {
	if l.x+w > 24 {
		l.x, l.y, l.rowH = 0, l.y+l.rowH, 0
	}
	l.nextID++
	p.ID = l.nextID
	p.GridPos.X, p.GridPos.Y, p.GridPos.W, p.GridPos.H = ptr(l.x), ptr(l.y), ptr(w), ptr(h)
	l.x += w
	l.rowH = max(l.rowH, h)
	return p
}

func target(ref, expr, legend string) sdk.Target {
	return sdk.Target{RefID: ref, Datasource: datasource(), Expr: expr, LegendFormat: legend}
}

func instant(ref, expr string) sdk.Target {
	t := target(ref, expr, "")
	t.Instant = true
	t.Format = "table"
	return t
}

func timeseries(title, description, unit string, targets ...sdk.Target) *sdk.Panel {
	p := &sdk.Panel{CommonPanel: sdk.CommonPanel{
		OfType: sdk.TimeseriesType, Type: "timeseries", Title: title, Datasource: datasource(),
		Description: ptr(description),
	}}
	p.TimeseriesPanel = &sdk.TimeseriesPanel{
		Targets: targets,
		Options: sdk.TimeseriesOptions{
			Legend:  sdk.TimeseriesLegendOptions{Calcs: []string{"lastNotNull"}, DisplayMode: "table", Placement: "bottom"},
			Tooltip: sdk.TimeseriesTooltipOptions{Mode: "multi"},
		},
		FieldConfig: sdk.FieldConfig{Defaults: sdk.FieldConfigDefaults{
			Unit:  unit,
			Color: sdk.FieldConfigColor{Mode: "palette-classic"},
			Thresholds: sdk.Thresholds{Mode: "absolute", Steps: []sdk.ThresholdStep{
				{Color: "green"},
			}},
			Custom: sdk.FieldConfigCustom{
				AxisPlacement: "auto", DrawStyle: "line", GradientMode: "none", LineInterpolation: "stepAfter",
				LineWidth: 1, PointSize: 4, ShowPoints: "auto", FillOpacity: 0,
			},
		}},
	}
	p.TimeseriesPanel.FieldConfig.Defaults.Custom.ScaleDistribution.Type = "linear"
	p.TimeseriesPanel.FieldConfig.Defaults.Custom.Stacking.Mode = "none"
	p.TimeseriesPanel.FieldConfig.Defaults.Custom.ThresholdsStyle.Mode = "off"
	p.TimeseriesPanel.FieldConfig.Defaults.Custom.LineStyle.Fill = "solid"
	return p
}

func stat(title, description, expr string) *sdk.Panel {
	p := &sdk.Panel{CommonPanel: sdk.CommonPanel{
		OfType: sdk.StatType, Type: "stat", Title: title, Datasource: datasource(), Description: ptr(description),
	}}
	p.StatPanel = &sdk.StatPanel{
		Targets:    []sdk.Target{instant("A", expr)},
		ValueMaps:  []sdk.ValueMap{},
		Colors:     []string{},
		Thresholds: "",
	}
	p.StatPanel.Options.ColorMode = "background"
	p.StatPanel.Options.GraphMode = "none"
	p.StatPanel.Options.JustifyMode = "auto"
	p.StatPanel.Options.TextMode = "value"
	p.StatPanel.Options.Orientation = "auto"
	p.StatPanel.Options.ReduceOptions.Calcs = []string{"lastNotNull"}
	return p
}

// table is a table panel over instant queries, with the status column
// mapped to names and colours.
func table(title, description string, targets ...sdk.Target) *sdk.Panel {
	p := &sdk.Panel{CommonPanel: sdk.CommonPanel{
		OfType: sdk.TableType, Type: "table", Title: title, Datasource: datasource(), Description: ptr(description),
	}}
	p.TablePanel = &sdk.TablePanel{
		Targets:   targets,
		Transform: "table",
		Sort:      &sdk.Sort{Col: 0, Desc: false},
		Styles: []sdk.ColumnStyle{
			{Pattern: "Time", Type: "hidden", Alias: ptr("Time")},
			{Pattern: "Value", Type: "string", Alias: ptr("status"), ColorMode: ptr("cell"),
				Colors:      &[]string{"green", "orange", "red"},
				Thresholds:  &[]string{"1", "2"},
				MappingType: 1,
				ValueMaps: []sdk.ValueMap{
					{Op: "=", Value: "0", TextType: "ok"}, {Op: "=", Value: "1", TextType: "warn"},
					{Op: "=", Value: "2", TextType: "crit"}, {Op: "=", Value: "3", TextType: "error"},
					{Op: "=", Value: "4", TextType: "insufficient"},
				}},
			{Pattern: "/^(__name__|job|instance)$/", Type: "hidden", Alias: ptr("")},
		},
		Columns: []sdk.Column{},
	}
	return p
}

func sel(matchers ...string) string { return "{" + strings.Join(matchers, ", ") + "}" }

const (
	mProject = `project=~"$project"`
	mView    = `feature_view=~"$feature_view"`
	mFeature = `feature=~"$feature"`
)

func thresholdTarget(ref, check string) sdk.Target {
	return target(ref, metrics.ThresholdValue+sel(`check="`+check+`"`, `severity=~"`+metrics.SeverityWarning+"|"+metrics.SeverityCritical+`"`, mProject, mView), "{{severity}} threshold")
}

func overview(cfg *config.Config) *sdk.Board {
	b := newBoard(OverviewUID, "fsmon / Overview", cfg, projectVar())
	l := &layout{}
	// 4 (insufficient: a sample below min_sample) is no verdict: it is
	// left out of the worst status, which 4 would otherwise win.
	worst := fmt.Sprintf("max by (project, feature_view) (%s%s < 4)", metrics.CheckStatus, sel(mProject))
	countStatus := func(v int) string {
		return fmt.Sprintf("count(%s == %d) or vector(0)", worst, v)
	}
	b.Panels = []*sdk.Panel{
		l.place(stat("Views critical", "Feature views whose worst check result is crit.", countStatus(2)), 6, 4),
		l.place(stat("Views warning", "Feature views whose worst check result is warn.", countStatus(1)), 6, 4),
		l.place(stat("Views with errors", "Feature views with a check that could not run (status error).", countStatus(3)), 6, 4),
		l.place(stat("Checks failing to run", "Check runs that ended in an error over the dashboard's range.",
			fmt.Sprintf(`sum(increase(%s{%s="%s"}[$__range])) or vector(0)`, metrics.CheckRuns, metrics.LabelResult, metrics.RunError)), 6, 4),
		l.place(table("Worst status per view", "The worst status of every check of each feature view (0 ok, 1 warn, 2 crit, 3 error; results with an insufficient sample are left out).",
			instant("A", worst)), 12, 9),
		l.place(table("Failing features", "Feature-level results that are not ok: null rate per store, consistency and skew.",
			instant("A", fmt.Sprintf(`%s%s > 0`, metrics.CheckStatus, sel(mProject, `feature!=""`)))), 12, 9),
		l.place(timeseries("Freshness (online)", "Seconds since the newest event timestamp seen online, per view.", "s",
			target("A", fmt.Sprintf(`time() - %s%s`, metrics.LastEventTimestamp, sel(mProject, `store="online"`)), "{{project}}/{{feature_view}}")), 12, 8),
		l.place(timeseries("Coverage", "Fraction of recent offline entities present in the online store, per view.", "percentunit",
			target("A", metrics.Coverage+sel(mProject), "{{project}}/{{feature_view}}")), 12, 8),
	}
	return b
}

func view(cfg *config.Config) *sdk.Board {
	b := newBoard(ViewUID, "fsmon / Feature view", cfg,
		projectVar(),
		queryVar("feature_view", "Feature view", fmt.Sprintf("label_values(%s{%s}, %s)", metrics.CheckStatus, mProject, metrics.LabelFeatureView), false),
		queryVar("feature", "Feature", fmt.Sprintf("label_values(%s{%s, %s}, %s)", metrics.NullRatio, mProject, mView, metrics.LabelFeature), true),
	)
	v := sel(mProject, mView)
	f := sel(mProject, mView, mFeature)
	l := &layout{}
	pvalues := timeseries("Skew p-values (BH-adjusted)", "Benjamini-Hochberg adjusted p-values of the KS (numeric) and chi-square (categorical) tests; small means the online distribution differs from the offline window.", "none",
		target("A", metrics.SkewPValue+f, "{{feature}} {{test}}"))
	pvalues.TimeseriesPanel.FieldConfig.Defaults.Custom.ScaleDistribution.Type = "log"
	pvalues.TimeseriesPanel.FieldConfig.Defaults.Custom.ScaleDistribution.Log = 10
	b.Panels = []*sdk.Panel{
		l.place(table("Check status", "Every result of the view at its last run (0 ok, 1 warn, 2 crit, 3 error, 4 insufficient).",
			instant("A", metrics.CheckStatus+v)), 24, 7),
		l.place(timeseries("Freshness", "Seconds since the newest event per store, against the view's thresholds, and since Feast's last materialization.", "s",
			target("A", fmt.Sprintf("time() - %s%s", metrics.LastEventTimestamp, v), "{{store}}"),
			target("B", fmt.Sprintf("time() - %s%s", metrics.FeastLastMaterialized, v), "since Feast materialization"),
			thresholdTarget("C", checks.KindFreshness)), 12, 8),
		l.place(timeseries("Null ratio", "Fraction of sampled entities (online) or rows (offline) where the feature is null or absent.", "percentunit",
			target("A", metrics.NullRatio+f, "{{feature}} {{store}}"),
			thresholdTarget("B", checks.KindNullRate)), 12, 8),
		l.place(timeseries("Coverage", "Fraction of recent offline entities present online.", "percentunit",
			target("A", metrics.Coverage+v, "coverage"),
			thresholdTarget("B", checks.KindCoverage)), 12, 8),
		l.place(timeseries("Consistency", "Fraction of sampled online values equal to the point-in-time offline value.", "percentunit",
			target("A", metrics.Consistency+f, "{{feature}}"),
			thresholdTarget("B", checks.KindConsistency)), 12, 8),
		l.place(timeseries("Skew statistics", "KS D, L-infinity, PSI, Jensen-Shannon distance and Wasserstein distance of the online sample against the offline window.", "none",
			target("A", metrics.SkewStatistic+f, "{{feature}} {{test}}"),
			thresholdTarget("B", checks.KindSkew)), 12, 8),
		l.place(pvalues, 12, 8),
		l.place(timeseries("Sample sizes", "Entities (online) or rows (offline) in the last sample.", "short",
			target("A", metrics.SampleSize+v, "{{store}}")), 12, 8),
		l.place(timeseries("Time since last successful check", "Seconds since each check of the view last ran to a verdict.", "s",
			target("A", fmt.Sprintf("time() - %s%s", metrics.CheckLastSuccess, v), "{{check}}")), 12, 8),
		l.place(timeseries("Check durations", "Duration quantiles of every check kind (all views).", "s",
			target("A", fmt.Sprintf("histogram_quantile(0.5, sum by (check, le) (rate(%s_bucket[$__rate_interval])))", metrics.CheckDuration), "p50 {{check}}"),
			target("B", fmt.Sprintf("histogram_quantile(0.95, sum by (check, le) (rate(%s_bucket[$__rate_interval])))", metrics.CheckDuration), "p95 {{check}}")), 12, 8),
		l.place(timeseries("Check runs and errors", "Check runs per kind and result; result=error means the check could not run.", "short",
			target("A", fmt.Sprintf("sum by (check, result) (increase(%s[$__rate_interval]))", metrics.CheckRuns), "{{check}} {{result}}")), 12, 8),
	}
	if len(cfg.Online.Replicas) > 0 {
		b.Panels = append(b.Panels, replicaPanels(l, v)...)
	}
	return b
}

// replicaPanels are the view dashboard's panels of the cross-region
// replicas (online.replicas), one series per replica store: how many of
// the primary's sampled entities each replica serves identically, how far
// behind it is, and its own freshness.
func replicaPanels(l *layout, v string) []*sdk.Panel {
	return []*sdk.Panel{
		l.place(timeseries("Replication match", "Fraction of the primary's sampled entities whose event time and values on each replica equal the primary's (missing entities count as not equal), against the replication thresholds; and the fraction each replica does not hold.", "percentunit",
			target("A", metrics.ReplicationMatch+v, "match {{store}}"),
			target("B", metrics.ReplicationMissing+v, "missing {{store}}"),
			thresholdTarget("C", checks.KindReplication)), 12, 8),
		l.place(timeseries("Replication lag", "Quantiles of how far each replica's event time is behind the primary's, over the sampled entities both hold (quantile 1 is the maximum).", "s",
			target("A", metrics.ReplicationLag+v, "{{store}} q{{quantile}}")), 12, 8),
		l.place(timeseries("Replica freshness", "Seconds since the newest event of the view on each replica, beside the primary's freshness.", "s",
			target("A", metrics.ReplicaFreshness+v, "{{store}}"),
			target("B", metrics.Freshness+v, "primary")), 12, 8),
	}
}

// MarshalBoard renders a board as indented JSON with a trailing newline.
func MarshalBoard(b *sdk.Board) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(b); err != nil {
		return nil, fmt.Errorf("encode dashboard %s: %w", b.UID, err)
	}
	return buf.Bytes(), nil
}

// ProviderYAML returns Grafana's file-provisioning provider for the
// dashboards: folder fsmon (UID fsmon), files under DashboardsPath.
func ProviderYAML() []byte {
	return []byte(`# Grafana dashboard provider for fsmon (generated by fsmon dashboards export).
# Copy to /etc/grafana/provisioning/dashboards/ and the JSON files to ` + DashboardsPath + `.
apiVersion: 1
providers:
  - name: fsmon
    orgId: 1
    folder: ` + FolderTitle + `
    folderUid: ` + FolderUID + `
    type: file
    disableDeletion: false
    allowUiUpdates: false
    updateIntervalSeconds: 60
    options:
      path: ` + DashboardsPath + `
      foldersFromFilesStructure: false
`)
}

// Export writes the provisioning tree for cfg under dir:
//
//	dir/dashboards/<uid>.json             the dashboards
//	dir/provisioning/dashboards/fsmon.yaml the file provider (reads DashboardsPath)
//	dir/provisioning/alerting/fsmon.yaml   Grafana alert rules (AlertRulesYAML)
//
// Copy dir/provisioning into /etc/grafana/provisioning and dir/dashboards
// to DashboardsPath.
func Export(cfg *config.Config, dir string) error {
	boards, err := Build(cfg)
	if err != nil {
		return err
	}
	files := map[string][]byte{
		filepath.Join("provisioning", "dashboards", "fsmon.yaml"): ProviderYAML(),
	}
	for _, b := range boards {
		js, err := MarshalBoard(b)
		if err != nil {
			return err
		}
		files[filepath.Join("dashboards", b.UID+".json")] = js
	}
	rules, err := AlertRulesYAML(cfg)
	if err != nil {
		return err
	}
	files[filepath.Join("provisioning", "alerting", "fsmon.yaml")] = rules
	for name, data := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("export dashboards: %w", err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return fmt.Errorf("export dashboards: %w", err)
		}
	}
	return nil
}
