package app

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/fsmon/fsmon/internal/privacytest"
)

type apiHistogram struct {
	Results []struct {
		Check   string
		Feature string
		Details map[string]any
		Tests   []struct {
			Test string
			Dof  *int
		}
		Histogram *struct {
			Edges      []float64
			Categories []string
			Online     []float64
			Offline    []float64
			Folded     int
		}
	}
}

// TestAPIHidesValues (on privacytest's 2,000 users): by default the status page and /api/v1/results name
// the frequent categories (plan) and fold the 2,000 addresses, each seen
// twice, into "others"; the chi-square is still computed on all 2,000.
// After a reload with web.hide_values: true, neither a category nor a
// decile edge is shown, only proportions and statistics.
func TestAPIHidesValues(t *testing.T) {
	fx := privacytest.Start(t)
	emails := fx.Emails
	a := startApp(t, Options{ConfigFile: fx.Config, FirstRunSpread: time.Millisecond})
	base := "http://" + a.Addr()
	waitFor(t, func() bool { return strings.Contains(get(t, base+"/api/v1/results"), `"skew"`) })

	api, page := get(t, base+"/api/v1/results"), get(t, base+"/")
	for _, e := range emails {
		if strings.Contains(api, e) || strings.Contains(page, e) {
			t.Fatalf("%s is shown by default (API %d bytes)", e, len(api))
		}
	}
	var doc apiHistogram
	if err := json.Unmarshal([]byte(api), &doc); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range doc.Results {
		if r.Check != "skew" || r.Histogram == nil {
			continue
		}
		h := r.Histogram
		seen[r.Feature] = true
		switch r.Feature {
		case "email":
			if len(h.Categories) != 1 || h.Categories[0] != "others" || h.Folded != 2000 || !near(h.Online[0], 1) || !near(h.Offline[0], 1) {
				t.Errorf("email histogram %+v, want one others bucket of 2000 categories holding everything", h)
			}
			if r.Details["categories"] != 2000.0 {
				t.Errorf("email details %v: the statistics must count all 2000 categories", r.Details)
			}
			for _, ts := range r.Tests {
				if ts.Test == "chi2" && (ts.Dof == nil || *ts.Dof != 1999) {
					t.Errorf("chi2 dof %v, want 1999 (computed on every category)", ts.Dof)
				}
			}
		case "plan":
			if strings.Join(h.Categories, ",") != "free,pro,team" || h.Folded != 0 {
				t.Errorf("plan histogram %+v, want its three categories by name", h)
			}
		case "score":
			if len(h.Edges) != 9 {
				t.Errorf("score edges %v, want the 9 decile edges by default", h.Edges)
			}
		}
	}
	if len(seen) != 3 {
		t.Fatalf("skew histograms of %v, want email, plan and score", seen)
	}

	fx.Write(t, "web: {hide_values: true}")
	if err := a.Reload(); err != nil {
		t.Fatal(err)
	}
	api, page = get(t, base+"/api/v1/results"), get(t, base+"/")
	for _, secret := range append([]string{"free", "team", `"edges"`, "@example.org"}, emails[:50]...) {
		if strings.Contains(api, secret) {
			t.Errorf("API shows %q with hide_values", secret)
		}
		if secret != `"edges"` && strings.Contains(page, secret) {
			t.Errorf("page shows %q with hide_values", secret)
		}
	}
	if !strings.Contains(api, `"category 1"`) || !strings.Contains(api, `"cramers_v"`) {
		t.Error("hide_values dropped the proportions or the statistics")
	}
}
