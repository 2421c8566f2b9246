package app

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/config"
	"github.com/fsmon/fsmon/sample"
)

var collectNow = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func collectView() config.View {
	return config.View{
		Name: "driver_hourly_stats", Project: "demo", Entities: []string{"driver_id"}, TTL: 24 * time.Hour,
		Offline:  &config.ViewOffline{Window: 7 * 24 * time.Hour},
		Features: []config.Feature{{Name: "conv_rate", Type: "float64"}, {Name: "city", Type: "string"}},
	}
}

// oneRow is a sample of one entity with conv_rate 1 and city "x".
func oneRow(e sample.Entity, at time.Time) *sample.Sample {
	return &sample.Sample{
		Entities: []sample.Entity{e}, Times: []int64{at.UnixNano()}, HasTime: []bool{true},
		Columns: map[string]*sample.Column{
			"conv_rate": {Num: []float64{1}, Nulls: []sample.Null{sample.Present}},
			"city":      {Str: []string{"x"}, Nulls: []sample.Null{sample.Present}},
		},
	}
}

// fakeOnline and fakeOffline are function-field fakes of the sample
// interfaces, for testing Collect's wiring.
type fakeOnline struct {
	sampleFn func(n int) (*sample.Sample, error)
	lookupFn func(es []sample.Entity) (*sample.Sample, error)
}

func (f fakeOnline) Sample(_ context.Context, n int) (*sample.Sample, error) { return f.sampleFn(n) }
func (f fakeOnline) Lookup(_ context.Context, es []sample.Entity) (*sample.Sample, error) {
	return f.lookupFn(es)
}

type fakeOffline struct {
	footer   *sample.Footer
	sampleFn func(w sample.Window, n int) (*sample.Sample, error)
	asofFn   func(qs []sample.AsOf) (*sample.Sample, error)
}

func (f fakeOffline) Footer(context.Context) (*sample.Footer, error) { return f.footer, nil }
func (f fakeOffline) Sample(_ context.Context, w sample.Window, n int) (*sample.Sample, error) {
	return f.sampleFn(w, n)
}
func (f fakeOffline) AsOf(_ context.Context, qs []sample.AsOf) (*sample.Sample, error) {
	return f.asofFn(qs)
}

func TestCollectOnlineDownKeepsOfflineChecks(t *testing.T) {
	v := collectView()
	v.SampleSize = 100
	down := errors.New("dial tcp 127.0.0.1:6379: connection refused")
	var gotWindow sample.Window
	on := fakeOnline{
		sampleFn: func(int) (*sample.Sample, error) { return nil, down },
		lookupFn: func([]sample.Entity) (*sample.Sample, error) { return nil, down },
	}
	off := fakeOffline{
		footer: &sample.Footer{},
		sampleFn: func(w sample.Window, n int) (*sample.Sample, error) {
			gotWindow = w
			return oneRow("a", collectNow.Add(-time.Hour)), nil
		},
		asofFn: func([]sample.AsOf) (*sample.Sample, error) {
			t.Fatal("as-of lookup without an online sample")
			return nil, nil
		},
	}
	in := Collect(context.Background(), v, on, off, collectNow)
	if !gotWindow.From.Equal(collectNow.Add(-7*24*time.Hour)) || !gotWindow.To.Equal(collectNow) {
		t.Errorf("window %v", gotWindow)
	}
	rs := checks.Run(in)
	var offlineOK, onlineErr int
	for _, r := range rs {
		if r.Check == checks.KindNullRate && r.Store == checks.StoreOffline && r.Status == checks.OK {
			offlineOK++
		}
		if r.Status == checks.Error && strings.Contains(r.Error, "connection refused") {
			onlineErr++
		}
	}
	if offlineOK != 2 || onlineErr == 0 {
		t.Fatalf("offline null rates ok: %d (want 2), online errors: %d: %+v", offlineOK, onlineErr, rs)
	}
}

func TestAsOfTimeToleratesWholeSeconds(t *testing.T) {
	sec := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	if got := asOfTime(sec.UnixNano()); !got.Equal(sec.Add(time.Second - 1)) {
		t.Errorf("whole second: %v", got)
	}
	micro := sec.Add(123456 * time.Microsecond)
	if got := asOfTime(micro.UnixNano()); !got.Equal(micro) {
		t.Errorf("sub-second time changed: %v", got)
	}
}

func TestFreshEntities(t *testing.T) {
	// Entities a..e fresh (within the 24h ttl; a also has an old row), f
	// stale (30h), one row without time.
	var s sample.Sample
	for _, r := range []struct {
		e   sample.Entity
		age time.Duration
	}{{"c", time.Hour}, {"a", time.Hour}, {"a", 40 * time.Hour}, {"b", 2 * time.Hour}, {"d", time.Hour}, {"e", time.Hour}, {"f", 30 * time.Hour}, {"g", -1}} {
		s.Entities = append(s.Entities, r.e)
		s.Times = append(s.Times, collectNow.Add(-r.age).UnixNano())
		s.HasTime = append(s.HasTime, r.age >= 0)
	}
	q := freshEntities(&s, 24*time.Hour, collectNow)
	var got []string
	for _, e := range q {
		got = append(got, string(e))
	}
	if strings.Join(got, ",") != "a,b,c,d,e" {
		t.Fatalf("fresh entities %v, want a..e", got)
	}
}
