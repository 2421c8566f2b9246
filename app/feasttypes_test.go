package app

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/feast"
	"github.com/fsmon/fsmon/feast/feasttest"
	"github.com/fsmon/fsmon/internal/pqwrite"
	"github.com/fsmon/fsmon/internal/redistest"
)

// feastTypesFixture is app/testdata/feast_types.json, written by
// gen_feast_types.py: online values as Feast's materialization converts
// the offline ones (NumPy's datetime64[s] cast), and SciPy's statistics.
type feastTypesFixture struct {
	NullTimestamp int64 `json:"null_timestamp"`
	Consistency   []struct {
		Feature string
		Type    string
		Column  string
		Offline []json.RawMessage // int in the column's unit, hex bytes, or null
		Online  []json.RawMessage // seconds, hex bytes, or null (an empty Value)
		Equal   int
	}
	Skew struct {
		Feature               string
		OfflineUS             []int64 `json:"offline_us"`
		OnlineSeconds         []int64 `json:"online_seconds"`
		KSD                   float64 `json:"ks_d"`
		KSP                   float64 `json:"ks_p"`
		PSI, JS, Wasserstein  float64
		WassersteinNormalized float64 `json:"wasserstein_normalized"`
	}
}

// TestFeastValueTypes writes Feast-layout data into a real redis-server from
// Parquet files the way Feast's materialization converts them, and expects
// UNIX_TIMESTAMP features compared as instants at whole seconds (sub-second
// offline values floor to the stored second, before 1970 too; one second
// off differs; Feast's NaT sentinel and an empty value are null), BYTES
// byte for byte, and the skew of a timestamp feature computed on seconds
// since the epoch on both sides (SciPy's values).
func TestFeastValueTypes(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "feast_types.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fx feastTypesFixture
	if err := json.Unmarshal(raw, &fx); err != nil {
		t.Fatal(err)
	}
	if fx.NullTimestamp != math.MinInt64 {
		t.Fatalf("fixture's null timestamp %d", fx.NullTimestamp)
	}
	srv := redistest.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer rdb.Close()
	ctx := context.Background()
	repo := t.TempDir()
	now := time.Now().UTC().Truncate(time.Microsecond)
	event := now.Add(-30 * time.Minute)
	w := feasttest.Writer{Project: "acct", Version: 3}
	id := func(i int) []feast.EntityValue { return []feast.EntityValue{{Type: feast.Int64, Int: int64(i + 1)}} }

	// accounts: one feature per case of the fixture, ten entities.
	cols := []pqwrite.Column{{Name: "account_id", Type: "int64"}, {Name: "event_timestamp", Type: "timestamp"}}
	var specs []feast.FeatureSpec
	rows := make([][]any, 10)
	online := make([]feasttest.Row, 10)
	for i := range rows {
		rows[i] = []any{int64(i + 1), event}
		online[i] = feasttest.Row{Entity: id(i), Event: event}
	}
	for _, c := range fx.Consistency {
		cols = append(cols, pqwrite.Column{Name: c.Feature, Type: c.Column, Optional: true})
		vt, err := feast.ParseValueType(c.Type)
		if err != nil {
			t.Fatal(err)
		}
		specs = append(specs, feast.FeatureSpec{Name: c.Feature, Type: vt})
		for i := range rows {
			off, on := decodeCase(t, vt, c.Offline[i]), decodeCase(t, vt, c.Online[i])
			rows[i] = append(rows[i], off)
			var val []byte
			switch x := on.(type) {
			case nil:
				val = feasttest.Null()
			case int64:
				val = feasttest.UnixTimestamp(x)
			case []byte:
				val = feasttest.Bytes(x)
			}
			online[i].Values = append(online[i].Values, feasttest.Field{Name: c.Feature, Value: val})
		}
	}
	if err := pqwrite.Write(filepath.Join(repo, "data", "accounts.parquet"), cols, rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(ctx, rdb, "accounts", []string{"account_id"}, online); err != nil {
		t.Fatal(err)
	}

	// signups: a timestamp feature whose online values come from a later
	// distribution than the offline window.
	sk := fx.Skew
	var srows [][]any
	for i, v := range sk.OfflineUS {
		srows = append(srows, []any{int64(i + 1), event, v})
	}
	err = pqwrite.Write(filepath.Join(repo, "data", "signups.parquet"), []pqwrite.Column{{Name: "user_id", Type: "int64"},
		{Name: "event_timestamp", Type: "timestamp"}, {Name: sk.Feature, Type: "timestamp"}}, srows)
	if err != nil {
		t.Fatal(err)
	}
	var sonline []feasttest.Row
	for i, v := range sk.OnlineSeconds {
		sonline = append(sonline, feasttest.Row{Entity: id(i), Event: event,
			Values: []feasttest.Field{{Name: sk.Feature, Value: feasttest.UnixTimestamp(v)}}})
	}
	if err := w.Write(ctx, rdb, "signups", []string{"user_id"}, sonline); err != nil {
		t.Fatal(err)
	}

	err = feasttest.WriteRegistry(filepath.Join(repo, "data", "registry.db"),
		feasttest.RegistryView{View: feast.View{Name: "accounts", Project: "acct", JoinKeys: []string{"account_id"},
			JoinKeyTypes: []feast.ValueType{feast.Int64}, TTL: 24 * time.Hour, Features: specs,
			Source: &feast.FileSource{Path: "data/accounts.parquet", TimestampField: "event_timestamp"}}},
		feasttest.RegistryView{View: feast.View{Name: "signups", Project: "acct", JoinKeys: []string{"user_id"},
			JoinKeyTypes: []feast.ValueType{feast.Int64}, TTL: 24 * time.Hour,
			Features: []feast.FeatureSpec{{Name: sk.Feature, Type: feast.UnixTimestamp}},
			Source:   &feast.FileSource{Path: "data/signups.parquet", TimestampField: "event_timestamp"}}})
	if err != nil {
		t.Fatal(err)
	}
	fsy := fmt.Sprintf("project: acct\nregistry: data/registry.db\nonline_store:\n  type: redis\n  connection_string: \"%s\"\noffline_store:\n  type: file\n", srv.Addr)
	if err := os.WriteFile(filepath.Join(repo, "feature_store.yaml"), []byte(fsy), 0o644); err != nil {
		t.Fatal(err)
	}
	rs := checkRepo(t, repo, "")

	for _, c := range fx.Consistency {
		r := find(t, rs, checks.KindConsistency, c.Feature, "")
		want := float64(c.Equal) / 10
		if r.Status == checks.Error || r.Value == nil || *r.Value != want || r.SampleSize == nil || *r.SampleSize != 10 {
			t.Errorf("consistency of %s (%s): want %d of 10 equal (%v); got %s value %v n %v: %s %s",
				c.Feature, c.Type, c.Equal, want, r.Status, deref(r.Value), deref(r.SampleSize), r.Message, r.Error)
		}
	}
	// Feast's NaT sentinel and an empty value are both null: 2 of 10 on
	// each side.
	for _, store := range []string{checks.StoreOnline, checks.StoreOffline} {
		if r := find(t, rs, checks.KindNullRate, "ts_ns", store); r.Value == nil || *r.Value != 0.2 {
			t.Errorf("null rate of ts_ns %s: %v (%s)", store, deref(r.Value), r.Message)
		}
	}
	for _, f := range []string{"blob_eq", "blob_diff"} {
		if r := find(t, rs, checks.KindSkew, f, ""); !checks.IsSkipped(r) {
			t.Errorf("skew of bytes feature %s: %+v", f, r)
		}
	}

	r := find(t, rs, checks.KindSkew, sk.Feature, "")
	if r.Status == checks.Error || r.OnlineN == nil || *r.OnlineN != len(sk.OnlineSeconds) || r.OfflineN == nil || *r.OfflineN != len(sk.OfflineUS) {
		t.Fatalf("skew of %s: %s n %v/%v: %s %s", sk.Feature, r.Status, deref(r.OnlineN), deref(r.OfflineN), r.Message, r.Error)
	}
	got := map[string]float64{}
	for _, tt := range r.Tests {
		got[tt.Test] = tt.Statistic
		if tt.Test == "ks" && tt.PValue != nil {
			got["ks_p"] = *tt.PValue
		}
		if tt.Test == "wasserstein" && tt.Normalized != nil {
			got["wasserstein_normalized"] = *tt.Normalized
		}
	}
	for name, want := range map[string]float64{"ks": sk.KSD, "ks_p": sk.KSP, "psi": sk.PSI, "js": sk.JS,
		"wasserstein": sk.Wasserstein, "wasserstein_normalized": sk.WassersteinNormalized} {
		g, ok := got[name]
		if !ok || math.Abs(g-want) > 1e-9*math.Abs(want) {
			t.Errorf("skew of %s: %s = %v (present %v), SciPy %v", sk.Feature, name, g, ok, want)
		}
	}
}

// decodeCase turns one fixture value into what the stores are written
// with: int64 (timestamps), []byte (bytes) or nil.
func decodeCase(t *testing.T, vt feast.ValueType, m json.RawMessage) any {
	t.Helper()
	if string(m) == "null" {
		return nil
	}
	if vt == feast.Bytes {
		var s string
		if err := json.Unmarshal(m, &s); err != nil {
			t.Fatal(err)
		}
		b, err := hex.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var v int64
	if err := json.Unmarshal(m, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}
