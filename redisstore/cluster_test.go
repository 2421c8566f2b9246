package redisstore

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/fsmon/fsmon/sample"
)

// startCluster runs a one-node Redis Cluster holding every slot.
func startCluster(t *testing.T) string {
	t.Helper()
	srv := start(t, "cluster-enabled yes")
	c := writer(t, srv.Addr)
	ctx := context.Background()
	if err := c.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", "0", "16383").Err(); err != nil {
		t.Fatalf("cluster addslotsrange: %v", err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		info, err := c.ClusterInfo(ctx).Result()
		if err == nil && strings.Contains(info, "cluster_state:ok") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("cluster not ok: %v %s", err, info)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return srv.Addr
}

func TestClusterSample(t *testing.T) {
	addr := startCluster(t)
	loadDrivers(t, addr)
	c := writer(t, addr)
	set(t, c, "feat:1:event_ts", "1700000000")
	set(t, c, "feat:1:conv_rate", "0.5")
	set(t, c, "feat:2:event_ts", "1700000100")
	hset(t, c, "feat:2:conv_rate", "x", "1") // wrong type: GET reports it, an invalid value

	s := newStore(t, Options{Addr: addr, Cluster: true})
	ctx := context.Background()
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	vs := newView(t, s, driverView())
	smp, err := vs.Sample(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sortRows(rows(t, smp, driverFeatures)), []row{wantDriver1, wantDriver2, wantDriver3, wantDriver7}; !reflect.DeepEqual(got, want) {
		t.Errorf("rows:\n got %+v\nwant %+v", got, want)
	}
	if smp.Scanned != 7 || !smp.Complete {
		t.Errorf("Scanned=%d Complete=%v, want 7 true", smp.Scanned, smp.Complete)
	}

	feats := []sample.Feature{{Name: "conv_rate", Type: sample.Float64}}
	sv := newView(t, s, View{Name: "s", Layout: LayoutString, Key: "feat:{id}:{feature}", Entities: []string{"id"},
		TimestampField: "event_ts", Features: feats})
	smp, err = sv.Sample(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []row{
		{Entity: "1", HasTime: true, Time: sec(1700000000), Vals: map[string]cell{"conv_rate": {p, 0.5, ""}}},
		{Entity: "2", HasTime: true, Time: sec(1700000100), Vals: map[string]cell{"conv_rate": {Null: sample.Invalid}}},
	}
	if got := sortRows(rows(t, smp, feats)); !reflect.DeepEqual(got, want) {
		t.Errorf("string rows:\n got %+v\nwant %+v", got, want)
	}
	lk, err := sv.Lookup(ctx, []sample.Entity{"2", "1"})
	if err != nil {
		t.Fatal(err)
	}
	if got := rows(t, lk, feats); !reflect.DeepEqual(got, []row{want[1], want[0]}) {
		t.Errorf("string lookup rows:\n got %+v", got)
	}
}
