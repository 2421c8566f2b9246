// Package deploy holds the deployment examples (Kubernetes, Prometheus,
// Alertmanager, Grafana, Airflow) and, as Go, the loaded form of
// fsmon.example.yaml. The generated files under deploy/ are produced from
// ExampleConfig, and tests in alerts/promrules and dashboards assert they
// equal what fsmon generates, so they cannot drift.
package deploy

import (
	"time"

	"github.com/fsmon/fsmon/config"
)

// ExampleConfig returns fsmon.example.yaml as config.Load returns it:
// defaults applied (CONTRACT section 2), durations parsed.
func ExampleConfig() *config.Config {
	f := func(v float64) *float64 { return &v }
	hours := func(h float64) *float64 { return f(h * 3600) }
	defaultChecks := func() config.Checks {
		return config.Checks{
			NullRate:    config.Thresholds{Warn: f(0.01), Crit: f(0.05)},
			Coverage:    config.Thresholds{Warn: f(0.99), Crit: f(0.95)},
			Consistency: config.Thresholds{Warn: f(0.999), Crit: f(0.99)},
			Skew:        config.Skew{PValue: 0.01, MinStatistic: 0.1, PSI: config.Thresholds{Warn: f(0.1), Crit: f(0.25)}},
		}
	}
	driverChecks := defaultChecks()
	driverChecks.Freshness = config.Thresholds{Warn: hours(2), Crit: hours(25)}
	customerChecks := defaultChecks()
	customerChecks.Freshness = config.Thresholds{Crit: hours(48)}
	merchantChecks := defaultChecks()
	merchantChecks.NullRate = config.Thresholds{Warn: f(0.001), Crit: f(0.01)}
	merchantChecks.Skew = config.Skew{PValue: 0.001, MinStatistic: 0.2, PSI: config.Thresholds{Warn: f(0.2), Crit: f(0.3)}}

	const interval = 5 * time.Minute
	const sampleSize = 10000
	const week = 7 * 24 * time.Hour
	return &config.Config{
		File:       "deploy/fsmon.example.yaml",
		Interval:   interval,
		SampleSize: sampleSize,
		Online: config.Online{Redis: config.Redis{
			Addr:         "redis.feature-store.svc:6379",
			Username:     "fsmon",
			PasswordFile: "/run/secrets/fsmon/redis-password",
		}},
		Offline: config.Offline{Parquet: config.Parquet{Root: "/data/offline"}},
		Slack:   &config.Slack{WebhookURLFile: "/run/secrets/fsmon/slack-webhook-url"},
		Alerts:  config.Alerts{RepeatInterval: 4 * time.Hour},
		Views: []config.View{
			{
				Name: "driver_hourly_stats", Project: "feast_demo", Entities: []string{"driver_id"},
				TTL: 24 * time.Hour, Interval: interval, SampleSize: sampleSize,
				Online:  config.ViewOnline{Layout: config.LayoutHash, Key: "fs:driver:{driver_id}", TimestampField: "event_ts"},
				Offline: &config.ViewOffline{Path: "driver_stats/**/*.parquet", TimestampColumn: "event_timestamp", Window: week},
				Features: []config.Feature{
					{Name: "conv_rate", Type: "float64"}, {Name: "acc_rate", Type: "float64"},
					{Name: "avg_daily_trips", Type: "int64"}, {Name: "city", Type: "string"},
				},
				Checks: driverChecks, Source: "config",
			},
			{
				Name: "customer_profile", Project: "feast_demo", Entities: []string{"customer_id"},
				TTL: 48 * time.Hour, Interval: interval, SampleSize: sampleSize,
				Online:  config.ViewOnline{Layout: config.LayoutHash, Key: "fs:customer:{customer_id}", TimestampField: "event_ts"},
				Offline: &config.ViewOffline{Path: "customer_profile/", TimestampColumn: "event_timestamp", Window: week},
				Features: []config.Feature{
					{Name: "current_balance", Type: "float64"}, {Name: "segment", Type: "string"}, {Name: "is_active", Type: "bool"},
				},
				Checks: customerChecks, Source: "config",
			},
			{
				Name: "merchant_risk", Project: "payments", Entities: []string{"merchant_id"},
				Interval: interval, SampleSize: sampleSize,
				Online:  config.ViewOnline{Layout: config.LayoutString, Key: "risk:{merchant_id}:{feature}", TimestampField: "updated_at"},
				Offline: &config.ViewOffline{Path: "merchant_risk/*.parquet", TimestampColumn: "updated_at", Window: 30 * 24 * time.Hour},
				Features: []config.Feature{
					{Name: "chargeback_rate", Type: "float64"}, {Name: "risk_tier", Type: "string"},
				},
				Checks: merchantChecks, Source: "config",
			},
		},
	}
}
