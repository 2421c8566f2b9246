package demo_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/fsmon/fsmon/app"
	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/config"
	"github.com/fsmon/fsmon/demo"
)

// TestDemoShowsItsFaults runs one pass of fsmon on the demo, as `fsmon
// demo` does first, and checks that every view shows the fault it was built
// to show (and the healthy one none): a check that stopped finding its
// planted fault would make the newcomer's first screen lie. The trip_eta
// view drifts by 0.035 standard deviations a day for 14 days: its skew
// against the pinned training reference is crit while its drift against
// the rolling 7-day window is not.
func TestDemoShowsItsFaults(t *testing.T) {
	env, err := demo.Start(time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	cfg, err := config.Load(env.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := app.CheckOnce(context.Background(), cfg, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	status := func(view, check, feature, store string) (checks.Result, bool) {
		for _, r := range rs {
			if r.FeatureView == view && r.Check == check && r.Feature == feature && (store == "" || r.Store == store) {
				return r, true
			}
		}
		return checks.Result{}, false
	}
	want := []struct {
		view, check, feature, store string
		status                      checks.Status
	}{
		{"customer_profile", checks.KindFreshness, "", "", checks.Crit},
		{"driver_ratings", checks.KindNullRate, "rating_avg", checks.StoreOnline, checks.Crit},
		{"payment_risk", checks.KindCoverage, "", "", checks.Crit},
		{"zone_demand", checks.KindSkew, "surge_multiplier", "", checks.Crit},
		{"trip_eta", checks.KindSkew, "eta_error_min", "", checks.Crit},
		{"trip_eta", checks.KindDrift, "eta_error_min", "", checks.OK},
		{"trip_eta", checks.KindSkew, "pickup_distance_km", "", checks.OK},
	}
	for _, w := range want {
		r, ok := status(w.view, w.check, w.feature, w.store)
		if !ok {
			t.Errorf("%s %s %s: no result", w.view, w.check, w.feature)
			continue
		}
		if r.Status != w.status {
			t.Errorf("%s %s %s: %s (%s), want %s", w.view, w.check, w.feature, r.Status, r.Message, w.status)
		}
	}
	if r, ok := status("trip_eta", checks.KindSkew, "eta_error_min", ""); ok && (r.Reference == nil || r.Reference.Label != "eta model v1 training") {
		t.Errorf("trip_eta skew did not use the pinned reference: %+v", r.Reference)
	}
	for _, r := range rs {
		if r.FeatureView == "driver_hourly_stats" && r.Status != checks.OK {
			t.Errorf("the healthy view: %s %s %s is %s (%s)", r.Check, r.Feature, r.Store, r.Status, r.Message)
		}
		if r.Status == checks.Error {
			t.Errorf("%s %s %s: error %s", r.FeatureView, r.Check, r.Feature, r.Error)
		}
	}
}
