package app

import (
	"strings"
	"testing"
	"time"
)

// TestInsufficientNeverPages: the fixture's view has a crit null rate
// (10 of 180) and a crit coverage (180 of 200), and pages through Slack
// (TestServeAlertsToSlack). With min_sample 1000 every rate is
// insufficient: fsmon_check_status is 4, the ratio gauges the rules alert
// on are not exported, the sample sizes are, and no Slack message is sent.
func TestInsufficientNeverPages(t *testing.T) {
	hook := newWebhook(t)
	fx := newFixture(t, "")
	fx.writeConfig(t, "min_sample: 1000\n"+slackConfig(t, t.TempDir(), hook.URL))
	a := startApp(t, Options{ConfigFile: fx.config, FirstRunSpread: time.Millisecond})
	base := "http://" + a.Addr()
	nullStatus := `fsmon_check_status{check="null_rate",feature="conv_rate",feature_view="driver_hourly_stats",project="demo",store="online"} 4`
	waitFor(t, func() bool { return strings.Contains(get(t, base+"/metrics"), nullStatus) })
	time.Sleep(2500 * time.Millisecond) // several runs (interval 1s)
	noRunErrors(t, a)
	m := get(t, base+"/metrics")
	for _, want := range []string{
		nullStatus,
		`fsmon_check_status{check="coverage",feature="",feature_view="driver_hourly_stats",project="demo",store=""} 4`,
		`fsmon_check_status{check="freshness",feature="",feature_view="driver_hourly_stats",project="demo",store=""} 0`,
		`fsmon_feature_view_sample_size{feature_view="driver_hourly_stats",project="demo",store="online"} 180`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	for _, absent := range []string{"fsmon_feature_null_ratio{", "fsmon_feature_view_coverage_ratio{", "fsmon_feature_consistency_ratio{"} {
		if strings.Contains(m, absent) {
			t.Errorf("an insufficient result's value is exported: %s", absent)
		}
	}
	if bodies := hook.requests(); len(bodies) != 0 {
		t.Fatalf("%d Slack messages for insufficient samples, want none: %s", len(bodies), bodies[0])
	}
}
