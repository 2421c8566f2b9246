package feasttest

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/fsmon/fsmon/feast"
)

func TestWriteRegistryReadBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "registry.db")
	want := feast.View{
		Name: "driver_hourly_stats", StoredName: "driver_hourly_stats_v4", Project: "feast_demo", Kind: feast.KindFeatureView,
		JoinKeys: []string{"driver_id"}, JoinKeyTypes: []feast.ValueType{feast.Int64},
		Features:         []feast.FeatureSpec{{Name: "conv_rate", Type: feast.Float}},
		TTL:              2 * time.Hour,
		Source:           &feast.FileSource{Path: "data/d.parquet", TimestampField: "event_timestamp"},
		LastMaterialized: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC),
	}
	odfv := feast.View{Name: "odfv", Project: "feast_demo", Kind: feast.KindOnDemandFeatureView, JoinKeys: []string{"driver_id"},
		JoinKeyTypes: []feast.ValueType{feast.Int64}, Features: []feast.FeatureSpec{{Name: "s", Type: feast.Double}}}
	if err := WriteRegistry(path, RegistryView{View: want, Version: 4}, RegistryView{View: odfv}); err != nil {
		t.Fatal(err)
	}
	got, err := feast.ReadRegistry(path, "feast_demo", true)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !reflect.DeepEqual(got[0], want) || got[1].Name != "odfv" || got[1].Kind != feast.KindOnDemandFeatureView {
		t.Errorf("read back %+v\nwant %+v", got, want)
	}
}

// TestS3SourceReadBack: a file source on S3 keeps its URL and its
// s3_endpoint_override (field 3 of Feast's DataSource.FileOptions).
func TestS3SourceReadBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "registry.db")
	v := feast.View{Name: "d", StoredName: "d", Project: "p", Kind: feast.KindFeatureView,
		JoinKeys: []string{"id"}, JoinKeyTypes: []feast.ValueType{feast.Int64},
		Features: []feast.FeatureSpec{{Name: "x", Type: feast.Double}},
		Source:   &feast.FileSource{Path: "s3://feast/d/", TimestampField: "ts", S3Endpoint: "http://minio:9000"}}
	if err := WriteRegistry(path, RegistryView{View: v}); err != nil {
		t.Fatal(err)
	}
	got, err := feast.ReadRegistry(path, "p", false)
	if err != nil || len(got) != 1 {
		t.Fatalf("%v %v", got, err)
	}
	if s := got[0].Source; s == nil || *s != *v.Source {
		t.Errorf("source %+v, want %+v", s, v.Source)
	}
}
