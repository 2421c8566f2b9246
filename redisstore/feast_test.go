package redisstore

import (
	"context"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/fsmon/fsmon/feast"
	"github.com/fsmon/fsmon/feast/feasttest"
	"github.com/fsmon/fsmon/sample"
)

var feastFeatures = []sample.Feature{
	{Name: "conv_rate", Type: sample.Float32},
	{Name: "acc_rate", Type: sample.Float64},
	{Name: "avg_daily_trips", Type: sample.Int64},
	{Name: "city", Type: sample.String},
	{Name: "active", Type: sample.Bool},
	{Name: "tags", Type: sample.Other},
}

func i64(n int64) feast.EntityValue { return feast.EntityValue{Type: feast.Int64, Int: n} }

func TestFeastSample(t *testing.T) {
	srv := start(t)
	c := writer(t, srv.Addr)
	ctx := context.Background()
	const view, project = "driver_hourly_stats", "feast_demo"
	jk := []string{"driver_id"}
	t1 := time.Date(2024, 5, 1, 12, 0, 0, 123456000, time.UTC)
	t2 := time.Date(2024, 5, 1, 13, 0, 0, 0, time.UTC)
	rows := []feasttest.Row{
		{Entity: []feast.EntityValue{i64(1001)}, Event: t1, Values: []feasttest.Field{
			{Name: "conv_rate", Value: feasttest.Float(0.5)}, {Name: "acc_rate", Value: feasttest.Double(0.25)},
			{Name: "avg_daily_trips", Value: feasttest.Int64(17)}, {Name: "city", Value: feasttest.String("Paris")},
			{Name: "active", Value: feasttest.Bool(true)}, {Name: "tags", Value: feasttest.Int64List(1, -1)}}},
		{Entity: []feast.EntityValue{i64(1002)}, Event: t2, Values: []feasttest.Field{
			{Name: "conv_rate", Value: feasttest.Null()}, {Name: "acc_rate", Value: feasttest.Double(math.NaN())},
			{Name: "city", Value: feasttest.String("")}, {Name: "active", Value: feasttest.Bool(false)}}},
		{Entity: []feast.EntityValue{i64(1003)}, Event: t2, Values: []feasttest.Field{
			{Name: "conv_rate", Value: feasttest.String("x")}, {Name: "avg_daily_trips", Value: feasttest.Int64(5)},
			{Name: "active", Value: []byte{0xff}}}},
	}
	if err := feasttest.WriteView(ctx, c, project, 3, view, jk, rows); err != nil {
		t.Fatal(err)
	}
	// Entity 1004 holds another view only: not in this view's population.
	if err := feasttest.WriteView(ctx, c, project, 3, "other_view", jk, []feasttest.Row{
		{Entity: []feast.EntityValue{i64(1004)}, Event: t2, Values: []feasttest.Field{{Name: "conv_rate", Value: feasttest.Float(1)}}}}); err != nil {
		t.Fatal(err)
	}
	// Project my_feast_demo ends in "feast_demo": matched by SCAN, rejected.
	if err := feasttest.WriteView(ctx, c, "my_"+project, 3, view, jk, []feasttest.Row{
		{Entity: []feast.EntityValue{i64(1005)}, Event: t2}}); err != nil {
		t.Fatal(err)
	}
	// A corrupt timestamp.
	k6, err := feast.RedisKey(jk, []feast.EntityValue{i64(1006)}, 3, project)
	if err != nil {
		t.Fatal(err)
	}
	hset(t, c, string(k6), feast.TimestampField(view), "\xff")

	s := newStore(t, Options{Addr: srv.Addr, RateLimit: 5000})
	vs := newView(t, s, View{Name: view, Layout: LayoutFeast, Entities: jk, Features: feastFeatures,
		Project: project, KeyVersion: 3, JoinKeyTypes: []feast.ValueType{feast.Int64}})
	smp, err := vs.Sample(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	absent := cell{Null: sample.Absent}
	want1001 := row{Entity: "1001", HasTime: true, Time: 1714564800_123456000, Vals: map[string]cell{
		"conv_rate": {p, 0.5, ""}, "acc_rate": {p, 0.25, ""}, "avg_daily_trips": {p, 17, ""},
		"city": {p, 0, "Paris"}, "active": {p, 0, "true"}, "tags": {Null: p}}}
	want1002 := row{Entity: "1002", HasTime: true, Time: 1714568400_000000000, Vals: map[string]cell{
		"conv_rate": {Null: sample.Empty}, "acc_rate": {Null: sample.Empty}, "avg_daily_trips": absent,
		// string_val "" is a stored empty string, not Feast's null.
		"city": {p, 0, ""}, "active": {p, 0, "false"}, "tags": absent}}
	want1003 := row{Entity: "1003", HasTime: true, Time: 1714568400_000000000, Vals: map[string]cell{
		"conv_rate": {Null: sample.Invalid}, "acc_rate": absent, "avg_daily_trips": {p, 5, ""},
		"city": absent, "active": {Null: sample.Invalid}, "tags": absent}}
	got := sortRows(rowsOf(t, smp))
	if want := []row{want1001, want1002, want1003}; !reflect.DeepEqual(got, want) {
		t.Errorf("rows:\n got %+v\nwant %+v", got, want)
	}
	// 1001-1004, 1006 and my_feast_demo's 1005 match the pattern.
	if smp.Scanned != 6 || !smp.Complete || smp.Population != 3 {
		t.Errorf("Scanned=%d Complete=%v Population=%d, want 6 true 3", smp.Scanned, smp.Complete, smp.Population)
	}
	wantProblems := []sample.Problem{
		{Kind: sample.KeyLayout, Count: 1, Message: "1 keys matched the SCAN pattern but not the view's key layout"},
		{Kind: sample.BadTimestamp, Count: 1, Message: "1 entities have an event timestamp that does not parse"},
		{Kind: sample.InvalidValue, Count: 1, Message: "feature conv_rate: 1 values do not parse as float32"},
		{Kind: sample.InvalidValue, Count: 1, Message: "feature active: 1 values do not parse as bool"},
	}
	if !reflect.DeepEqual(smp.Problems, wantProblems) {
		t.Errorf("Problems:\n got %q\nwant %q", smp.Problems, wantProblems)
	}
	if want := (sample.Reads{Keys: 6, KeysSkipped: 1}); smp.Reads != want {
		t.Errorf("Reads = %+v, want %+v", smp.Reads, want)
	}

	lk, err := vs.Lookup(ctx, []sample.Entity{"1002", "1004", "9999", "abc", "1001"})
	if err != nil {
		t.Fatal(err)
	}
	none := row{Vals: map[string]cell{}}
	for _, f := range feastFeatures {
		none.Vals[f.Name] = absent
	}
	n4, n9, nabc := none, none, none
	n4.Entity, n9.Entity, nabc.Entity = "1004", "9999", "abc"
	if want := []row{want1002, n4, n9, nabc, want1001}; !reflect.DeepEqual(rowsOf(t, lk), want) {
		t.Errorf("lookup rows:\n got %+v\nwant %+v", rowsOf(t, lk), want)
	}
	if len(lk.Problems) != 1 || lk.Problems[0].Kind != sample.KeyLayout || !strings.Contains(lk.Problems[0].Message, `join key "driver_id" does not parse as INT64`) || strings.Contains(lk.Problems[0].Message, "abc") {
		t.Errorf("lookup problems = %q", lk.Problems)
	}
}

func TestFeastCompoundKey(t *testing.T) {
	srv := start(t)
	c := writer(t, srv.Addr)
	ctx := context.Background()
	// Feast sorts join keys by name (customer_id first); fsmon's entity text
	// follows the view's order.
	jk := []string{"merchant_id", "customer_id"}
	ev := []feast.EntityValue{{Type: feast.String, Str: "m_19"}, i64(123456)}
	ts := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	if err := feasttest.WriteView(ctx, c, "fraud", 3, "txn_stats", jk, []feasttest.Row{
		{Entity: ev, Event: ts, Values: []feasttest.Field{{Name: "amount", Value: feasttest.Double(9.75)}}}}); err != nil {
		t.Fatal(err)
	}
	feats := []sample.Feature{{Name: "amount", Type: sample.Float64}}
	s := newStore(t, Options{Addr: srv.Addr})
	vs := newView(t, s, View{Name: "txn_stats", Layout: LayoutFeast, Entities: jk, Features: feats,
		Project: "fraud", JoinKeyTypes: []feast.ValueType{feast.String, feast.Int64}})
	smp, err := vs.Sample(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []row{{Entity: "m_19\x1f123456", HasTime: true, Time: ts.UnixNano(), Vals: map[string]cell{"amount": {p, 9.75, ""}}}}
	if got := rows(t, smp, feats); !reflect.DeepEqual(got, want) {
		t.Errorf("rows = %+v, want %+v", got, want)
	}
	lk, err := vs.Lookup(ctx, []sample.Entity{"m_19\x1f123456"})
	if err != nil {
		t.Fatal(err)
	}
	if got := rows(t, lk, feats); !reflect.DeepEqual(got, want) {
		t.Errorf("lookup rows = %+v, want %+v", got, want)
	}
}

func rowsOf(t *testing.T, s *sample.Sample) []row { return rows(t, s, feastFeatures) }

func TestFeastKeyVersion1(t *testing.T) {
	srv := start(t)
	c := writer(t, srv.Addr)
	ctx := context.Background()
	jk := []string{"driver_id"}
	ts := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	written := []feasttest.Row{{Entity: []feast.EntityValue{i64(1001)}, Event: ts,
		Values: []feasttest.Field{{Name: "conv_rate", Value: feasttest.Float(0.5)}}}}
	if err := feasttest.WriteView(ctx, c, "feast_demo", 1, "driver_hourly_stats", jk, written); err != nil {
		t.Fatal(err)
	}
	// A version 3 key of the same entity must not be read by a version 1 view.
	if err := feasttest.WriteView(ctx, c, "feast_demo", 3, "driver_hourly_stats", jk, []feasttest.Row{
		{Entity: []feast.EntityValue{i64(2002)}, Event: ts}}); err != nil {
		t.Fatal(err)
	}
	feats := []sample.Feature{{Name: "conv_rate", Type: sample.Float32}}
	s := newStore(t, Options{Addr: srv.Addr})
	vs := newView(t, s, View{Name: "driver_hourly_stats", Layout: LayoutFeast, Entities: jk, Features: feats,
		Project: "feast_demo", KeyVersion: 1, JoinKeyTypes: []feast.ValueType{feast.Int64}})
	smp, err := vs.Sample(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []row{{Entity: "1001", HasTime: true, Time: ts.UnixNano(), Vals: map[string]cell{"conv_rate": {p, 0.5, ""}}}}
	if got := rows(t, smp, feats); !reflect.DeepEqual(got, want) {
		t.Errorf("rows = %+v, want %+v", got, want)
	}
	if lk, err := vs.Lookup(ctx, []sample.Entity{"1001"}); err != nil || !reflect.DeepEqual(rows(t, lk, feats), want) {
		t.Errorf("lookup: %v", err)
	}
}
