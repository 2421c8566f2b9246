package feast

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// testdata/registry.db was encoded by protoc with Feast's own .proto files
// (testdata/README.md); expected values are read off registry.txtpb.
func TestReadRegistry(t *testing.T) {
	views, err := ReadRegistry("testdata/registry.db", "feast_demo", false)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	byName := map[string]View{}
	for _, v := range views {
		names = append(names, v.Name)
		byName[v.Name] = v
	}
	// offline_only (online false), read_time_odfv (not written online) and
	// project "other" are left out; sorted by name.
	want := []string{"driver_hourly_stats", "driver_odfv", "driver_stream", "on_bigquery", "txn_stats"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("views %v, want %v", names, want)
	}

	d := byName["driver_hourly_stats"]
	wantD := View{
		Name: "driver_hourly_stats", StoredName: "driver_hourly_stats", Project: "feast_demo", Kind: KindFeatureView,
		JoinKeys: []string{"driver_id"}, JoinKeyTypes: []ValueType{Int64},
		Features: []FeatureSpec{{"conv_rate", Float}, {"acc_rate", Float}, {"avg_daily_trips", Int64}, {"tags", StringList}},
		TTL:      24 * time.Hour,
		Source:   &FileSource{Path: "data/driver_stats.parquet", TimestampField: "event_timestamp"},
		// the greatest end_time: 1714608000 s + 500 ns = 2024-05-02T00:00:00.0000005Z
		LastMaterialized: time.Date(2024, 5, 2, 0, 0, 0, 500, time.UTC),
	}
	if !reflect.DeepEqual(d, wantD) {
		t.Errorf("driver_hourly_stats =\n%+v\nwant\n%+v", d, wantD)
	}

	// No entity_columns: join keys from the entities (merchant's join key
	// defaults to its name); a push source's batch source is used.
	x := byName["txn_stats"]
	if !reflect.DeepEqual(x.JoinKeys, []string{"customer_id", "merchant"}) || !reflect.DeepEqual(x.JoinKeyTypes, []ValueType{String, String}) {
		t.Errorf("txn_stats join keys %v %v", x.JoinKeys, x.JoinKeyTypes)
	}
	if x.Source == nil || x.Source.Path != "/abs/txn.parquet" || x.Source.TimestampField != "ts" {
		t.Errorf("txn_stats source %+v, want the push source's file batch source", x.Source)
	}
	if x.TTL != 0 || !x.LastMaterialized.IsZero() {
		t.Errorf("txn_stats ttl %v, last materialized %v: want zero", x.TTL, x.LastMaterialized)
	}

	s := byName["driver_stream"]
	if s.Kind != KindStreamFeatureView || s.TTL != time.Hour || s.Source == nil || s.Source.Path != "s3://bucket/clicks.parquet" || s.Source.TimestampField != "event_ts" {
		t.Errorf("driver_stream = %+v", s)
	}
	b := byName["on_bigquery"]
	if b.Source != nil || !strings.Contains(b.NoOfflineReason, "not a file source") || b.JoinKeys[0] != DummyJoinKey {
		t.Errorf("on_bigquery = %+v", b)
	}
	o := byName["driver_odfv"]
	if o.Kind != KindOnDemandFeatureView || o.StoredName != "driver_odfv" || o.Source != nil || o.NoOfflineReason == "" {
		t.Errorf("driver_odfv = %+v", o)
	}
}

func TestReadRegistryVersioning(t *testing.T) {
	views, err := ReadRegistry("testdata/registry.db", "feast_demo", true)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]string{}
	for _, v := range views {
		stored[v.Name] = v.StoredName
	}
	// current_version_number 2 (feature view meta field 4) and 3 (on-demand
	// meta field 3); no version: the plain name.
	if stored["driver_hourly_stats"] != "driver_hourly_stats_v2" || stored["driver_odfv"] != "driver_odfv_v3" || stored["txn_stats"] != "txn_stats" {
		t.Errorf("stored names %v", stored)
	}
}

func TestReadRegistryOtherProject(t *testing.T) {
	// Project "other" has a view whose entity "driver" exists only in
	// feast_demo: an inconsistent registry, reported with both names.
	_, err := ReadRegistry("testdata/registry.db", "other", false)
	if err == nil || !strings.Contains(err.Error(), `"driver_hourly_stats"`) || !strings.Contains(err.Error(), `entity "driver"`) {
		t.Errorf("project other: err %v", err)
	}
	views, err := ReadRegistry("testdata/registry.db", "nope", false)
	if err != nil || len(views) != 0 {
		t.Errorf("unknown project: %v, %v", views, err)
	}
}

func TestReadRegistryErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "registry.db")
	if err := os.WriteFile(bad, []byte{0x0a, 0xff}, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := ReadRegistry(bad, "p", false)
	if err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("garbage registry: err %v, want one naming %s", err, bad)
	}
	_, err = ReadRegistry(filepath.Join(dir, "missing.db"), "p", false)
	if err == nil || !strings.Contains(err.Error(), "missing.db") {
		t.Errorf("missing registry: err %v", err)
	}
}
