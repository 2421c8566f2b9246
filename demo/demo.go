// Package demo is fsmon's embedded default: an in-process Redis holding
// Feast-layout data, a Feast feature repo (feature_store.yaml and a file
// registry) and a hive-partitioned Parquet offline store, with six feature
// views of a ride-sharing platform, each showing one thing fsmon watches
// for. It exists for `fsmon demo`; tests of the Redis code use a real
// redis-server.
package demo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/fsmon/fsmon/feast"
	"github.com/fsmon/fsmon/feast/feasttest"
)

// Project is the Feast project of the demo.
const Project = "rideshare"

// Env is a running demo environment.
type Env struct {
	// Dir holds the feature repo, the Parquet store and ConfigFile.
	Dir        string
	ConfigFile string
	RedisAddr  string
	// Views names each demo view with what it shows.
	Views []ViewInfo
	redis *miniredis.Miniredis
}

// ViewInfo describes one demo view.
type ViewInfo struct {
	Name, Shows string
}

// Close stops the embedded Redis and removes the files.
func (e *Env) Close() {
	if e.redis != nil {
		e.redis.Close()
	}
	if e.Dir != "" {
		_ = os.RemoveAll(e.Dir)
	}
}

// Start writes the demo's stores as of now and starts the embedded Redis.
// interval is the check interval written into the config.
func Start(now time.Time, interval time.Duration) (*Env, error) {
	dir, err := os.MkdirTemp("", "fsmon-demo-")
	if err != nil {
		return nil, err
	}
	env := &Env{Dir: dir}
	mr, err := miniredis.Run()
	if err != nil {
		env.Close()
		return nil, fmt.Errorf("start embedded redis: %w", err)
	}
	env.redis, env.RedisAddr = mr, mr.Addr()
	if err := env.write(now, interval); err != nil {
		env.Close()
		return nil, err
	}
	return env, nil
}

func (e *Env) write(now time.Time, interval time.Duration) error {
	repo := filepath.Join(e.Dir, "feature_repo")
	if err := os.MkdirAll(filepath.Join(repo, "data"), 0o755); err != nil {
		return err
	}
	rdb := redis.NewClient(&redis.Options{Addr: e.RedisAddr})
	defer rdb.Close()
	w := feasttest.Writer{Project: Project, Version: 3}
	var reg []feasttest.RegistryView
	var pinned string
	for i, v := range views() {
		if v.reference[0] > 0 {
			pinned += fmt.Sprintf(`  # Skew against what the model was trained on (a pinned reference);
  # the rolling 7d window keeps running beside it as drift.
  - name: %s
    reference: {from: %s, to: %s, label: eta model v1 training}
`, v.name, now.Add(-v.reference[0]).UTC().Format(time.RFC3339), now.Add(-v.reference[1]).UTC().Format(time.RFC3339))
		}
		offline, online := v.rows(now, uint64(i+1))
		if err := writeParquet(filepath.Join(repo, "data"), v, offline); err != nil {
			return fmt.Errorf("demo view %s: %w", v.name, err)
		}
		keyType := feast.Int64
		if len(v.zones) > 0 {
			keyType = feast.String
		}
		var fs []feast.FeatureSpec
		for _, f := range v.features {
			fs = append(fs, feast.FeatureSpec{Name: f.name, Type: feastType(f.kind)})
		}
		rows := make([]feasttest.Row, 0, len(online))
		var newest time.Time
		for _, o := range online {
			ev := feast.EntityValue{Type: keyType, Int: o.id, Str: o.entity}
			fields := make([]feasttest.Field, len(v.features))
			for k, f := range v.features {
				fields[k] = feasttest.Field{Name: f.name, Value: feastValue(o.values[k])}
			}
			rows = append(rows, feasttest.Row{Entity: []feast.EntityValue{ev}, Event: o.ts, Values: fields})
			if o.ts.After(newest) {
				newest = o.ts
			}
		}
		if err := w.Write(context.Background(), rdb, v.name, []string{v.entity}, rows); err != nil {
			return fmt.Errorf("demo view %s: write redis: %w", v.name, err)
		}
		// Feast's registry records a materialization that ended now even
		// for the stale view: its record is not the data, which is why
		// fsmon reads the data.
		reg = append(reg, feasttest.RegistryView{View: feast.View{
			Name: v.name, Project: Project, JoinKeys: []string{v.entity}, JoinKeyTypes: []feast.ValueType{keyType},
			Features: fs, TTL: v.ttl, LastMaterialized: now.Add(-5 * time.Minute).Truncate(time.Second),
			Source: &feast.FileSource{Path: "data/" + v.name, TimestampField: "event_timestamp"},
		}})
		e.Views = append(e.Views, ViewInfo{Name: v.name, Shows: v.description})
	}
	if err := feasttest.WriteRegistry(filepath.Join(repo, "data", "registry.db"), reg...); err != nil {
		return err
	}
	fsy := fmt.Sprintf(`project: %s
provider: local
registry: data/registry.db
online_store:
  type: redis
  connection_string: "%s"
offline_store:
  type: file
entity_key_serialization_version: 3
`, Project, e.RedisAddr)
	if err := os.WriteFile(filepath.Join(repo, "feature_store.yaml"), []byte(fsy), 0o644); err != nil {
		return err
	}
	cfg := fmt.Sprintf(`# fsmon demo config: every feature view comes from the Feast repo.
interval: %s
sample_size: 10000
online:
  redis:
    rate_limit: 0          # the embedded Redis has no other clients to protect
feast:
  repo: feature_repo
feature_views:
  # Thresholds of a discovered view can be tuned by name.
  - name: driver_hourly_stats
    checks:
      freshness: {warn: 8h}
%s`, promDuration(interval), pinned)
	e.ConfigFile = filepath.Join(e.Dir, "fsmon.yaml")
	return os.WriteFile(e.ConfigFile, []byte(cfg), 0o644)
}

// promDuration writes d in Prometheus duration syntax (whole seconds).
func promDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return fmt.Sprintf("%ds", (d+time.Second-1)/time.Second)
}

func feastType(k kind) feast.ValueType {
	switch k {
	case kFloat32:
		return feast.Float
	case kFloat64:
		return feast.Double
	case kInt64:
		return feast.Int64
	}
	return feast.String
}

func feastValue(v any) []byte {
	switch x := v.(type) {
	case nil:
		return feasttest.Null()
	case float32:
		return feasttest.Float(x)
	case float64:
		return feasttest.Double(x)
	case int64:
		return feasttest.Int64(x)
	case string:
		return feasttest.String(x)
	}
	panic(fmt.Sprintf("demo: no Feast encoding for %T", v))
}
