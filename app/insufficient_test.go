package app

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestInsufficientNeverPages: the fixture's view has a crit null rate
// (10 of 180) and a crit coverage (180 of 200), and pages through Slack
// (TestServeAlertsToSlack). With min_sample 1000 every rate is
// insufficient: fsmon_check_status is 4, the ratio gauges the rules alert
// on are not exported, the sample sizes are, and no Slack message is sent.
func TestInsufficientNeverPages(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	slackSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
		fmt.Fprint(w, "ok")
	}))
	defer slackSrv.Close()
	dir := t.TempDir()
	hook := filepath.Join(dir, "webhook")
	if err := os.WriteFile(hook, []byte(slackSrv.URL+"/services/T000/B000/XXXX\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fx := newFixture(t, "")
	fx.writeConfig(t, fmt.Sprintf("min_sample: 1000\nslack:\n  webhook_url_file: %s\nalerts:\n  state_file: %s\n", hook, filepath.Join(dir, "alerts.json")))
	a, err := New(Options{ConfigFile: fx.config, ListenAddress: "127.0.0.1:0", FirstRunSpread: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	defer a.Stop(context.Background())
	base := "http://" + a.Addr()
	nullStatus := `fsmon_check_status{check="null_rate",feature="conv_rate",feature_view="driver_hourly_stats",project="demo",store="online"} 4`
	waitFor(t, func() bool { return strings.Contains(get(t, base+"/metrics"), nullStatus) })
	time.Sleep(2500 * time.Millisecond) // several runs (interval 1s)
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
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 0 {
		t.Fatalf("%d Slack messages for insufficient samples, want none: %s", len(bodies), bodies[0])
	}
}
