package main

import (
	"strings"
	"testing"

	"github.com/fsmon/fsmon/internal/privacytest"
)

// TestReportHidesValues: the JSON report of `fsmon check` shows feature
// values as the status page does (privacytest's 2,000 users, the fixture
// of app's TestAPIHidesValues): by default none of the 2,000 distinct
// e-mail addresses (each seen once per store, below
// web.min_category_count) but the three plans by name, and
// with web.hide_values no category name and no decile edge at all.
func TestReportHidesValues(t *testing.T) {
	fx := privacytest.Start(t)
	_, _, out := checkJSON(t, fx.Config)
	for _, e := range fx.Emails {
		if strings.Contains(out, e) {
			t.Fatalf("the report shows %s by default", e)
		}
	}
	for _, want := range []string{`"free"`, `"pro"`, `"team"`, `"others"`, `"folded": 2000`, `"edges"`} {
		if !strings.Contains(out, want) {
			t.Errorf("the default report lacks %s", want)
		}
	}
	fx.Write(t, "web: {hide_values: true}")
	_, _, out = checkJSON(t, fx.Config)
	for _, secret := range []string{"@example.org", "free", `"pro"`, "team", `"edges"`} {
		if strings.Contains(out, secret) {
			t.Errorf("the report shows %s with hide_values", secret)
		}
	}
	if !strings.Contains(out, `"category 1"`) || !strings.Contains(out, `"chi2"`) {
		t.Error("hide_values dropped the proportions or the statistics")
	}
}
