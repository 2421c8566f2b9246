package feast_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/fsmon/fsmon/feast"
	"github.com/fsmon/fsmon/feast/feasttest"
)

// The saved dataset entry is built at the field numbers of Feast's
// protos/feast/core/SavedDataset.proto (spec 1: name 1, project 2,
// features 3, join_keys 4, full_feature_names 5, storage 6 {file_storage 4
// {uri 2}}) and appended to a registry holding views, as Feast's file
// registry stores it (Registry.saved_datasets = 11).
func TestReadSavedDataset(t *testing.T) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "registry.db")
	if err := feasttest.WriteRegistry(reg, feasttest.RegistryView{View: feast.View{Name: "driver_hourly_stats", Project: "demo"}}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(reg)
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, feasttest.SavedDataset("other_ds", "demo", "/x.parquet", nil, nil, false)...)
	b = append(b, feasttest.SavedDataset("train_v3", "demo", "data/train_v3.parquet", []string{"driver_hourly_stats:conv_rate"}, []string{"driver_id"}, true)...)
	if err := os.WriteFile(reg, b, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := feast.ReadSavedDataset(reg, "demo", "train_v3", "/repo")
	if err != nil {
		t.Fatal(err)
	}
	want := feast.SavedDataset{Name: "train_v3", Project: "demo", Features: []string{"driver_hourly_stats:conv_rate"},
		JoinKeys: []string{"driver_id"}, FullFeatureNames: true, Path: "/repo/data/train_v3.parquet", Storage: "file"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if c := got.Column("driver_hourly_stats", "conv_rate"); c != "driver_hourly_stats__conv_rate" {
		t.Errorf("column = %q", c)
	}
	// The views of the registry are still read as before.
	if vs, err := feast.ReadRegistry(reg, "demo", false); err != nil || len(vs) != 1 {
		t.Errorf("ReadRegistry = %v, %v", vs, err)
	}
	if _, err := feast.ReadSavedDataset(reg, "demo", "nope", "/repo"); !errors.Is(err, feast.ErrNoSavedDataset) {
		t.Errorf("missing dataset: %v", err)
	}
	if err := os.WriteFile(reg, append(b, 0x5a, 0xff), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := feast.ReadSavedDataset(reg, "demo", "train_v3", "/repo"); err == nil {
		t.Error("corrupt registry accepted")
	}
}
