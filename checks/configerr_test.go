package checks

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fsmon/fsmon/config"
	"github.com/fsmon/fsmon/sample"
)

// A timestamp or entity column in none of the Parquet files turns the
// results that failed for it into config errors at the column's key: the
// timestamp_column line, the entity's line, or the view's line when the
// column was inferred (from Feast). Freshness does not rest on it.
func TestMissingOfflineColumnIsConfigError(t *testing.T) {
	file := "fsmon.yaml"
	at := func(line int) config.Position { return config.Position{File: file, Line: line, Column: 5} }
	registry := config.Position{File: "Feast registry /repo/data/registry.db"}
	cases := []struct {
		name string
		pos  config.ViewPositions
		err  *sample.MissingColumnError
		want string
	}{
		{"timestamp key written", config.ViewPositions{View: at(3), TimestampColumn: at(9)},
			&sample.MissingColumnError{Role: sample.RoleTimestamp, Column: "event_time", Files: 2, Path: "d/*.parquet"}, "fsmon.yaml:9:5"},
		{"timestamp from Feast, view listed", config.ViewPositions{View: at(3), TimestampColumn: registry},
			&sample.MissingColumnError{Role: sample.RoleTimestamp, Column: "event_timestamp", Files: 1, Path: "data/x.parquet"}, "fsmon.yaml:3:5"},
		{"timestamp from Feast, view discovered", config.ViewPositions{View: registry, TimestampColumn: registry},
			&sample.MissingColumnError{Role: sample.RoleTimestamp, Column: "event_timestamp", Files: 1, Path: "data/x.parquet"}, registry.File},
		{"entity written", config.ViewPositions{View: at(3), Entities: []config.Position{at(5)}},
			&sample.MissingColumnError{Role: sample.RoleEntity, Column: "driver_id", Files: 1, Path: "d"}, "fsmon.yaml:5:5"},
		{"entity from Feast", config.ViewPositions{View: at(3)},
			&sample.MissingColumnError{Role: sample.RoleEntity, Column: "driver_id", Files: 1, Path: "d"}, "fsmon.yaml:3:5"},
	}
	for _, c := range cases {
		v := testView()
		v.Pos = c.pos
		err := fmt.Errorf("parquet view: %w", c.err)
		in := &Input{View: v, Now: now, Online: build([]row{{entity: "1", ts: 0, num: 1, str: "a"}}),
			OfflineErr: err, FooterErr: err, AsOfErr: err, AsOfRows: []int{0}}
		for _, r := range Run(in) {
			offline := r.Check == KindCoverage || r.Check == KindConsistency || r.Check == KindSkew ||
				(r.Check == KindNullRate && r.Store == StoreOffline)
			isConfig := strings.HasPrefix(r.Error, "config: ")
			if offline != isConfig {
				t.Errorf("%s: %s %s/%s: config error %v, want %v (%s)", c.name, r.Check, r.Feature, r.Store, isConfig, offline, r.Error)
				continue
			}
			if offline && (r.Details["config_error"] != c.want || !strings.Contains(r.Error, c.want+": "+c.err.Error())) {
				t.Errorf("%s: %s %s/%s: %q at %v, want at %s", c.name, r.Check, r.Feature, r.Store, r.Error, r.Details["config_error"], c.want)
			}
		}
	}
}

// IsStoreConfigError agrees with what Run turns into config errors: a
// missing column, however wrapped, is one; a store's other errors are not.
func TestIsStoreConfigError(t *testing.T) {
	mc := &sample.MissingColumnError{Role: sample.RoleEntity, Column: "driver_id", Files: 1, Path: "d"}
	for _, c := range []struct {
		err  error
		want bool
	}{
		{mc, true},
		{fmt.Errorf("parquet view %q: %w", "d", mc), true},
		{nil, false},
		{fmt.Errorf("parquet view %q: every file failed: file a.parquet: not a Parquet file", "d"), false},
		{fmt.Errorf("read s3://b/d: the bucket does not exist"), false},
	} {
		if got := IsStoreConfigError(c.err); got != c.want {
			t.Errorf("IsStoreConfigError(%v) = %v, want %v", c.err, got, c.want)
		}
		if c.err == nil {
			continue
		}
		v := testView()
		in := &Input{View: v, Now: now, Online: build([]row{{entity: "1", ts: 0, num: 1, str: "a"}}), OfflineErr: c.err}
		config := false
		for _, r := range Run(in) {
			config = config || r.Details["config_error"] != nil
		}
		if config != c.want {
			t.Errorf("Run with offline error %v: config errors %v, want %v", c.err, config, c.want)
		}
	}
}
