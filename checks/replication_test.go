package checks

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/fsmon/fsmon/config"
	"github.com/fsmon/fsmon/sample"
)

func replView() config.View {
	v := testView()
	v.Checks.Replication = config.Replication{
		Match:  config.Thresholds{Warn: f(0.99), Crit: f(0.95)},
		LagP99: config.Thresholds{Warn: f(60), Crit: f(600)},
	}
	return v
}

// samplePair is a primary sample of seven entities and a replica lookup of
// them, one of each case CompareReplica tells apart. Ages are before now.
func samplePair() (*sample.Sample, []int, *sample.Sample) {
	primary := build([]row{
		{entity: "equal", ts: time.Hour, num: 1, str: "a"},
		{entity: "behind10", ts: time.Hour, num: 2, str: "b"},
		{entity: "behind20", ts: time.Hour, num: 3, str: "c"},
		{entity: "value", ts: time.Hour, num: 4, str: "d"},
		{entity: "missing", ts: time.Hour, num: 5, str: "e"},
		{entity: "ahead", ts: time.Hour, num: 6, str: "f"},
		{entity: "no-ts", ts: -1},
		{entity: "unread", ts: time.Hour, num: 7, str: "g"},
	})
	// The lookup covers the primary's population: rows 0-5 and 7.
	rows := []int{0, 1, 2, 3, 4, 5, 7}
	replica := build([]row{
		{entity: "equal", ts: time.Hour, num: 1, str: "a"},
		{entity: "behind10", ts: time.Hour + 10*time.Second, num: 2, str: "b"},
		{entity: "behind20", ts: time.Hour + 20*time.Second, num: 30, str: "c"},
		{entity: "value", ts: time.Hour, num: 4, str: "other"},
		{entity: "missing", ts: -1, null: sample.Absent},
		{entity: "ahead", ts: time.Hour - 5*time.Second, num: 6, str: "f"},
		{entity: "unread", ts: -1, null: sample.Absent},
	})
	replica.Parts = []sample.Part{{Name: "0"}, {Name: "1", Err: "dial tcp: connection refused"}}
	replica.PartOf = []int{0, 0, 0, 0, 0, 0, 1}
	return primary, rows, replica
}

func TestCompareReplica(t *testing.T) {
	primary, rows, replica := samplePair()
	c := CompareReplica(primary, rows, replica, testView().Features)
	// By hand: equal 1, behind 2 (10 s and 20 s), value 1, missing 1 are
	// compared (5); ahead 1 and unread 1 are not.
	if c.Compared != 5 || c.Equal != 1 || c.Behind != 2 || c.ValueDiffer != 1 || c.Missing != 1 || c.Ahead != 1 || c.Unread != 1 {
		t.Fatalf("comparison = %+v", c)
	}
	if got := c.Match(); got != 0.2 {
		t.Errorf("match = %v, want 1/5", got)
	}
	// Lags of the entities on both: equal 0, value 0, ahead 0, 10, 20.
	// NumPy's linear quantiles of [0 0 0 10 20], by hand: index 4q.
	for _, tc := range []struct{ q, want float64 }{
		{0.5, 0},     // index 2
		{0.9, 16},    // index 3.6: 10 + 0.6*10
		{0.99, 19.6}, // index 3.96: 10 + 0.96*10
		{1, 20},
	} {
		if got := c.LagQuantile(tc.q); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("lag quantile %v = %v, want %v", tc.q, got, tc.want)
		}
	}
}

func TestCompareReplicaNothing(t *testing.T) {
	c := CompareReplica(&sample.Sample{}, nil, &sample.Sample{}, nil)
	if c.Compared != 0 || !math.IsNaN(c.Match()) || !math.IsNaN(c.LagQuantile(0.99)) {
		t.Errorf("empty comparison = %+v, match %v", c, c.Match())
	}
}

func TestReplication(t *testing.T) {
	primary, rows, replica := samplePair()
	in := &Input{View: replView(), Now: now, Online: primary, Replicas: []Replica{
		{Name: "us-west-2", SameRows: rows, Same: replica},
		{Name: "eu-west-1", SameRows: rows, SameErr: errors.New("dial tcp 10.2.0.5:6379: connection refused")},
	}}
	rs := RunKind(in, KindReplication)
	if len(rs) != 2 {
		t.Fatalf("%d results, want one per replica: %+v", len(rs), rs)
	}
	us := only(t, rs, "", "us-west-2")
	if us.Status != Crit || us.Value == nil || *us.Value != 0.2 || *us.SampleSize != 5 {
		t.Errorf("us-west-2: status %v value %v n %v, want crit 0.2 of 5: %s", us.Status, us.Value, us.SampleSize, us.Message)
	}
	if us.Details["missing"] != 1 || us.Details["behind"] != 2 || us.Details["lag_p99_seconds"] != 19.6 || us.Details["lag_max_seconds"] != 20.0 {
		t.Errorf("us-west-2 details = %v", us.Details)
	}
	if len(us.Warnings) == 0 {
		t.Errorf("us-west-2: no warning for its unread shard")
	}
	eu := only(t, rs, "", "eu-west-1")
	if eu.Status != Error || eu.Value != nil {
		t.Errorf("eu-west-1 (down) = %v %v, want an error result", eu.Status, eu.Value)
	}
}

// TestReplicationLag judges the lag alone: every value matches, but the
// replica is behind by more than lag_p99's thresholds on most entities.
func TestReplicationLag(t *testing.T) {
	var prow, rrow []row
	var rows []int
	for i := 0; i < 100; i++ {
		prow = append(prow, row{entity: "e", ts: time.Minute, num: 1, str: "a"})
		lag := time.Duration(0)
		if i%2 == 0 {
			lag = 90 * time.Second // warn (60s) but not crit (600s)
		}
		rrow = append(rrow, row{entity: "e", ts: time.Minute + lag, num: 1, str: "a"})
		rows = append(rows, i)
	}
	for _, tc := range []struct {
		name   string
		match  config.Thresholds
		status Status
	}{
		{"lag warns", config.Thresholds{Warn: f(0.4), Crit: f(0.3)}, Warn},
		// Half the entities are behind: match 0.5 is crit, the worse.
		{"match crit wins", config.Thresholds{Warn: f(0.99), Crit: f(0.95)}, Crit},
	} {
		v := replView()
		v.Checks.Replication.Match = tc.match
		in := &Input{View: v, Now: now, Online: build(prow), Replicas: []Replica{{Name: "r", SameRows: rows, Same: build(rrow)}}}
		r := only(t, Replication(in), "", "r")
		if r.Status != tc.status || *r.Value != 0.5 || r.Details["lag_p99_seconds"] != 90.0 {
			t.Errorf("%s: status %v value %v p99 %v, want %v 0.5 90", tc.name, r.Status, *r.Value, r.Details["lag_p99_seconds"], tc.status)
		}
	}
}

// TestReplicaOnlineChecks: each replica gets the online checks of the
// primary on its own reads, under its own store name; a replica that
// cannot be read gives error results for that store only.
func TestReplicaOnlineChecks(t *testing.T) {
	fresh := build([]row{{entity: "1", ts: time.Minute, num: 1, str: "a"}, {entity: "2", ts: time.Minute, num: 2, str: "b"}})
	stale := build([]row{{entity: "1", ts: 30 * time.Hour, num: 1, str: "a"}, {entity: "2", ts: 30 * time.Hour, null: sample.Empty}})
	v := replView()
	v.Offline = nil
	in := &Input{View: v, Now: now, Online: fresh, Replicas: []Replica{
		{Name: "us-west-2", Online: stale},
		{Name: "eu-west-1", OnlineErr: errors.New("dial tcp: connection refused")},
	}}
	fr := RunKind(in, KindFreshness)
	if p := only(t, fr, "", ""); p.Status != OK {
		t.Errorf("primary freshness = %v, want ok", p.Status)
	}
	if r := only(t, fr, "", "us-west-2"); r.Status != Crit || *r.Value != 30*3600 {
		t.Errorf("us-west-2 freshness = %v %v, want crit 30h", r.Status, r.Value)
	}
	if r := only(t, fr, "", "eu-west-1"); r.Status != Error {
		t.Errorf("eu-west-1 freshness = %v, want error", r.Status)
	}
	nr := RunKind(in, KindNullRate)
	if r := only(t, nr, "conv_rate", "us-west-2"); *r.Value != 0.5 || r.Status != Crit {
		t.Errorf("us-west-2 null rate = %v %v, want crit 0.5", r.Status, *r.Value)
	}
	if r := only(t, nr, "conv_rate", StoreOnline); *r.Value != 0 {
		t.Errorf("primary null rate = %v, want 0", *r.Value)
	}
	for _, r := range nr {
		if r.Store == StoreOffline {
			continue
		}
		for _, sr := range r.Reads {
			if sr.Store == StoreOnline && r.Store != StoreOnline {
				t.Errorf("%s result carries the primary's online read", r.Store)
			}
		}
	}
	if n := len(RunKind(in, KindSkew)); n != len(in.View.Features) {
		t.Errorf("skew gave %d results, want only the primary's", n)
	}
}
