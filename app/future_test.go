package app

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/config"
	"github.com/fsmon/fsmon/internal/redistest"
	"github.com/fsmon/fsmon/redisstore"
	"github.com/fsmon/fsmon/sample"
)

// TestFutureEventTimeDoesNotHideStaleness is the case on a real
// Redis: 500 keys 72 h old and one key ten years ahead (and one whose
// event_ts of 99999999999 s overflows int64 nanoseconds) must give a
// crit freshness of 72 h, with the two future times counted as a problem,
// not an ok "-3649d old".
func TestFutureEventTimeDoesNotHideStaleness(t *testing.T) {
	srv := redistest.Start(t)
	c := redis.NewClient(&redis.Options{Addr: srv.Addr})
	t.Cleanup(func() { _ = c.Close() })
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	old := now.Add(-72 * time.Hour).Unix()
	pipe := c.Pipeline()
	for i := range 500 {
		pipe.HSet(ctx, fmt.Sprintf("fs:driver:%d", i), "event_ts", old, "conv_rate", "0.5")
	}
	pipe.HSet(ctx, "fs:driver:future", "event_ts", now.AddDate(10, 0, 0).Unix(), "conv_rate", "0.5")
	pipe.HSet(ctx, "fs:driver:overflow", "event_ts", "99999999999", "conv_rate", "0.5")
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := redisstore.New(redisstore.Options{Addr: srv.Addr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	vs, err := st.View(redisstore.View{Name: "drivers", Layout: redisstore.LayoutHash, Key: "fs:driver:{driver_id}",
		Entities: []string{"driver_id"}, TimestampField: "event_ts",
		Features: []sample.Feature{{Name: "conv_rate", Type: sample.Float64}}})
	if err != nil {
		t.Fatal(err)
	}
	v := config.View{Name: "drivers", Entities: []string{"driver_id"}, TTL: 24 * time.Hour, SampleSize: 1000,
		FutureTolerance: 5 * time.Minute,
		Features:        []config.Feature{{Name: "conv_rate", Type: "float64"}},
		Checks:          config.Checks{Freshness: config.Thresholds{Crit: ptrF(86400)}}}
	in := Collect(ctx, v, vs, nil, now)
	if in.OnlineErr != nil {
		t.Fatal(in.OnlineErr)
	}
	var prob *sample.Problem
	for i, p := range in.Online.Problems {
		if p.Kind == sample.FutureEventTime {
			prob = &in.Online.Problems[i]
		}
	}
	if prob == nil || prob.Count != 2 || !strings.Contains(prob.Message, "2 entities have event times in the future") {
		t.Errorf("problems %+v, want 2 future event times", in.Online.Problems)
	}
	r := checks.Freshness(in)[0]
	if r.Status != checks.Crit || r.Value == nil || *r.Value != 72*3600 {
		t.Fatalf("freshness %v %v (%s), want crit at 72h", r.Status, r.Value, r.Message)
	}
	if r.Details["future_event_times"] != 2 || len(r.Warnings) == 0 || !strings.Contains(r.Warnings[0], "in the future") {
		t.Errorf("details %v warnings %q: the future times are not reported", r.Details, r.Warnings)
	}
}

func ptrF(v float64) *float64 { return &v }
