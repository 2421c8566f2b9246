package config

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Redacted renders the effective config (defaults applied) as YAML in the
// config file's own format, for `fsmon config show`. Secrets appear only as
// the files or environment variables they come from: the model never holds
// their values. Parsing the output gives the same config back.
func (c *Config) Redacted() string {
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(c.shown()); err != nil {
		return fmt.Sprintf("# cannot render the config: %v\n", err)
	}
	_ = enc.Close()
	return b.String()
}

type (
	shownConfig struct {
		Interval     string       `yaml:"interval"`
		SampleSize   int          `yaml:"sample_size"`
		MinSample    int          `yaml:"min_sample"`
		FutureTol    string       `yaml:"future_tolerance"`
		Online       shownOnline  `yaml:"online"`
		Offline      shownOffline `yaml:"offline"`
		Feast        *shownFeast  `yaml:"feast,omitempty"`
		Slack        *shownSlack  `yaml:"slack,omitempty"`
		Alerts       shownAlerts  `yaml:"alerts"`
		Web          *shownWeb    `yaml:"web,omitempty"`
		FeatureViews []shownView  `yaml:"feature_views"`
	}
	shownOnline struct {
		Redis    shownRedis     `yaml:"redis"`
		Replicas []shownReplica `yaml:"replicas,omitempty"`
	}
	shownReplica struct {
		Name       string `yaml:"name"`
		shownRedis `yaml:",inline"`
	}
	shownSentinel struct {
		MasterName   string   `yaml:"master_name"`
		Addrs        []string `yaml:"addrs"`
		Username     string   `yaml:"username,omitempty"`
		PasswordFile string   `yaml:"password_file,omitempty"`
	}
	shownRedis struct {
		Addr         string         `yaml:"addr,omitempty"`
		URL          string         `yaml:"url,omitempty"`
		Cluster      bool           `yaml:"cluster"`
		Username     string         `yaml:"username,omitempty"`
		PasswordFile string         `yaml:"password_file,omitempty"`
		PasswordEnv  string         `yaml:"password_env,omitempty"`
		DB           *int           `yaml:"db,omitempty"`
		TLS          *bool          `yaml:"tls,omitempty"`
		RateLimit    int            `yaml:"rate_limit"`
		BatchSize    int            `yaml:"batch_size"`
		ScanCount    int            `yaml:"scan_count"`
		MaxScan      int            `yaml:"max_scan"`
		Timeout      string         `yaml:"timeout"`
		ReadFrom     string         `yaml:"read_from,omitempty"`
		Sentinel     *shownSentinel `yaml:"sentinel,omitempty"`
	}
	shownOffline struct {
		Parquet struct {
			Root             string `yaml:"root"`
			MaxReadBytes     int64  `yaml:"max_read_bytes"`
			PartitionPruning bool   `yaml:"partition_pruning"`
			S3               *struct {
				Endpoint  string `yaml:"endpoint,omitempty"`
				Region    string `yaml:"region,omitempty"`
				PathStyle bool   `yaml:"path_style,omitempty"`
			} `yaml:"s3,omitempty"`
			GCS *struct {
				Endpoint string `yaml:"endpoint,omitempty"`
			} `yaml:"gcs,omitempty"`
		} `yaml:"parquet"`
	}
	shownFeast struct {
		Repo    string `yaml:"repo"`
		Refresh string `yaml:"refresh"`
	}
	shownSlack struct {
		WebhookURLFile string            `yaml:"webhook_url_file,omitempty"`
		TokenFile      string            `yaml:"token_file,omitempty"`
		Channel        string            `yaml:"channel,omitempty"`
		Channels       map[string]string `yaml:"channels,omitempty"`
		DashboardURL   string            `yaml:"dashboard_url,omitempty"`
		StatusURL      string            `yaml:"status_url,omitempty"`
	}
	shownAlerts struct {
		RepeatInterval string `yaml:"repeat_interval"`
		For            string `yaml:"for"`
		StateFile      string `yaml:"state_file,omitempty"`
	}
	shownWeb struct {
		ExternalURL      string `yaml:"external_url,omitempty"`
		GrafanaURL       string `yaml:"grafana_url,omitempty"`
		HideValues       bool   `yaml:"hide_values"`
		TopCategories    int    `yaml:"top_categories"`
		MinCategoryCount int    `yaml:"min_category_count"`
	}
	shownView struct {
		Name       string         `yaml:"name"`
		Project    string         `yaml:"project,omitempty"`
		Entities   []string       `yaml:"entities,flow"`
		TTL        string         `yaml:"ttl,omitempty"`
		Interval   string         `yaml:"interval"`
		SampleSize int            `yaml:"sample_size"`
		Online     shownViewOn    `yaml:"online"`
		Offline    *shownViewOff  `yaml:"offline,omitempty"`
		Features   []shownFeature `yaml:"features"`
		Checks     shownChecks    `yaml:"checks"`
	}
	shownViewOn struct {
		Layout         string `yaml:"layout"`
		Key            string `yaml:"key,omitempty"`
		TimestampField string `yaml:"timestamp_field,omitempty"`
	}
	shownViewOff struct {
		Path            string `yaml:"path"`
		TimestampColumn string `yaml:"timestamp_column"`
		Window          string `yaml:"window"`
	}
	shownFeature struct {
		Name string `yaml:"name"`
		Type string `yaml:"type"`
	}
	shownChecks struct {
		Freshness   shownThr  `yaml:"freshness,flow"`
		NullRate    shownThr  `yaml:"null_rate,flow"`
		Coverage    shownThr  `yaml:"coverage,flow"`
		Consistency shownThr  `yaml:"consistency,flow"`
		Skew        shownSkew `yaml:"skew"`
		// Replication is shown when the config has online.replicas.
		Replication *shownRepl `yaml:"replication,omitempty"`
	}
	shownRepl struct {
		Match  shownThr `yaml:"match,flow"`
		LagP99 shownThr `yaml:"lag_p99,flow"`
	}
	shownThr struct {
		Warn      *yaml.Node `yaml:"warn"`
		Crit      *yaml.Node `yaml:"crit"`
		MinSample *int       `yaml:"min_sample,omitempty"`
	}
	shownSkew struct {
		PValue       float64  `yaml:"p_value"`
		MinStatistic float64  `yaml:"min_statistic"`
		PSI          shownThr `yaml:"psi,flow"`
		MinSample    int      `yaml:"min_sample"`
	}
)

func dur(d time.Duration) string { return formatDuration(d) }

// withMin adds a check's min_sample to its shown thresholds.
func withMin(t shownThr, n int) shownThr {
	t.MinSample = &n
	return t
}

// thr shows a threshold; a missing one is an explicit null ("no threshold").
func showThr(t Thresholds, seconds bool) shownThr {
	one := func(p *float64) *yaml.Node {
		switch {
		case p == nil:
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
		case seconds:
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: dur(secondsToDuration(*p))}
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: strconv.FormatFloat(*p, 'g', -1, 64)}
	}
	return shownThr{Warn: one(t.Warn), Crit: one(t.Crit)}
}

// showRedis is the dump of one Redis connection (secrets by reference only).
func showRedis(r Redis) shownRedis {
	sr := shownRedis{
		Addr: r.Addr, URL: r.URL, Cluster: r.Cluster, Username: r.Username,
		PasswordFile: r.PasswordFile, PasswordEnv: r.PasswordEnv, DB: &r.DB, TLS: &r.TLS,
		RateLimit: r.RateLimit, BatchSize: r.BatchSize, ScanCount: r.ScanCount, MaxScan: r.MaxScan,
		Timeout: dur(r.Timeout), ReadFrom: r.ReadFrom,
	}
	if sn := r.Sentinel; sn != nil {
		sr.Sentinel = &shownSentinel{MasterName: sn.MasterName, Addrs: sn.Addrs, Username: sn.Username, PasswordFile: sn.PasswordFile}
	}
	return sr
}

func (c *Config) shown() shownConfig {
	r := c.Online.Redis
	s := shownConfig{
		Interval:   dur(c.Interval),
		FutureTol:  dur(c.FutureTolerance),
		SampleSize: c.SampleSize,
		MinSample:  c.MinSample,
		Online:     shownOnline{Redis: showRedis(r)},
		Alerts:     shownAlerts{RepeatInterval: dur(c.Alerts.RepeatInterval), For: dur(c.Alerts.For), StateFile: c.Alerts.StateFile},
	}
	if u, err := url.Parse(r.URL); r.URL != "" && err == nil {
		// What the url gives is shown once, in the url.
		s.Online.Redis.Addr, s.Online.Redis.TLS = "", nil
		if u.User.Username() != "" {
			s.Online.Redis.Username = ""
		}
		if strings.Trim(u.Path, "/") != "" {
			s.Online.Redis.DB = nil
		}
	}
	for _, rep := range c.Online.Replicas {
		s.Online.Replicas = append(s.Online.Replicas, shownReplica{Name: rep.Name, shownRedis: showRedis(rep.Redis)})
	}
	s.Offline.Parquet.Root = c.Offline.Parquet.Root
	s.Offline.Parquet.MaxReadBytes = c.Offline.Parquet.MaxReadBytes
	s.Offline.Parquet.PartitionPruning = c.Offline.Parquet.PartitionPruning
	if p := c.Offline.Parquet; p.S3 != (S3{}) {
		s.Offline.Parquet.S3 = &struct {
			Endpoint  string `yaml:"endpoint,omitempty"`
			Region    string `yaml:"region,omitempty"`
			PathStyle bool   `yaml:"path_style,omitempty"`
		}{p.S3.Endpoint, p.S3.Region, p.S3.PathStyle}
	}
	if p := c.Offline.Parquet; p.GCS != (GCS{}) {
		s.Offline.Parquet.GCS = &struct {
			Endpoint string `yaml:"endpoint,omitempty"`
		}{p.GCS.Endpoint}
	}
	if c.Feast != nil {
		s.Feast = &shownFeast{Repo: c.Feast.Repo, Refresh: dur(c.Feast.Refresh)}
	}
	if sl := c.Slack; sl != nil {
		s.Slack = &shownSlack{WebhookURLFile: sl.WebhookURLFile, TokenFile: sl.TokenFile, Channel: sl.Channel,
			Channels: sl.Channels, DashboardURL: sl.DashboardURL, StatusURL: sl.StatusURL}
	}
	if c.Web != (Web{}) {
		s.Web = &shownWeb{ExternalURL: c.Web.ExternalURL, GrafanaURL: c.Web.GrafanaURL,
			HideValues: c.Web.HideValues, TopCategories: c.Web.TopCategories, MinCategoryCount: c.Web.MinCategoryCount}
	}
	s.FeatureViews = []shownView{}
	for _, v := range c.Views {
		sv := shownView{
			Name: v.Name, Project: v.Project, Entities: v.Entities,
			Interval: dur(v.Interval), SampleSize: v.SampleSize,
			Online: shownViewOn{Layout: string(v.Online.Layout), Key: v.Online.Key, TimestampField: v.Online.TimestampField},
			Checks: shownChecks{
				Freshness:   showThr(v.Checks.Freshness, true),
				NullRate:    withMin(showThr(v.Checks.NullRate, false), v.Checks.MinSample.NullRate),
				Coverage:    withMin(showThr(v.Checks.Coverage, false), v.Checks.MinSample.Coverage),
				Consistency: withMin(showThr(v.Checks.Consistency, false), v.Checks.MinSample.Consistency),
				Skew:        shownSkew{PValue: v.Checks.Skew.PValue, MinStatistic: v.Checks.Skew.MinStatistic, PSI: showThr(v.Checks.Skew.PSI, false), MinSample: v.Checks.MinSample.Skew},
			},
		}
		if len(c.Online.Replicas) > 0 {
			sv.Checks.Replication = &shownRepl{Match: showThr(v.Checks.Replication.Match, false), LagP99: showThr(v.Checks.Replication.LagP99, true)}
		}
		if v.TTL > 0 {
			sv.TTL = dur(v.TTL)
		}
		if o := v.Offline; o != nil {
			sv.Offline = &shownViewOff{Path: o.Path, TimestampColumn: o.TimestampColumn, Window: dur(o.Window)}
		}
		sv.Features = []shownFeature{}
		for _, f := range v.Features {
			sv.Features = append(sv.Features, shownFeature{Name: f.Name, Type: f.Type})
		}
		s.FeatureViews = append(s.FeatureViews, sv)
	}
	return s
}
