package statuspage

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/fsmon/fsmon/checks"
)

// bigSnapshot is a large deployment: views × features, each feature with
// two null_rate results, a consistency and a skew result with a 10-bin
// histogram (every third one categorical with 20 categories).
func bigSnapshot(views, features int) Snapshot {
	snap := Snapshot{UpdatedAt: fixtureUpdated, Version: "bench"}
	cats := make([]string, 20)
	catP := make([]float64, 20)
	for i := range cats {
		cats[i] = fmt.Sprintf("category-%02d", i)
		catP[i] = 0.05
	}
	dec := []float64{0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1}
	edges := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9}
	for v := range views {
		name := fmt.Sprintf("view_%03d", v)
		snap.Views = append(snap.Views, ViewInfo{Project: "p", Name: name, LastRun: fixtureUpdated, Interval: 5 * time.Minute})
		snap.Results = append(snap.Results, checks.Result{Check: checks.KindFreshness, Project: "p", FeatureView: name, Value: ptr(60.0), Threshold: th(7200, 90000)})
		for f := range features {
			feat := fmt.Sprintf("feature_%03d", f)
			for _, st := range []string{checks.StoreOnline, checks.StoreOffline} {
				snap.Results = append(snap.Results, checks.Result{Check: checks.KindNullRate, Project: "p", FeatureView: name, Feature: feat, Store: st,
					Value: ptr(0.001), Threshold: th(0.01, 0.05), SampleSize: ptr(10000)})
			}
			snap.Results = append(snap.Results, checks.Result{Check: checks.KindConsistency, Project: "p", FeatureView: name, Feature: feat,
				Value: ptr(0.9999), Threshold: th(0.999, 0.99), SampleSize: ptr(10000)})
			h := &checks.Histogram{Edges: edges, Online: dec, Offline: dec}
			if f%3 == 0 {
				h = &checks.Histogram{Categories: cats, Online: catP, Offline: catP}
			}
			snap.Results = append(snap.Results, checks.Result{Check: checks.KindSkew, Project: "p", FeatureView: name, Feature: feat,
				Status: checks.Status(f % 3), Value: ptr(0.02), Threshold: th(0.1, 0.25), OnlineN: ptr(10000), OfflineN: ptr(10000),
				Tests:     []checks.Test{{Test: "ks", Statistic: 0.02, PValue: ptr(0.5), PValueAdjusted: ptr(0.6)}, {Test: "psi", Statistic: 0.01}},
				Histogram: h})
		}
	}
	return snap
}

func benchmarkPath(b *testing.B, path string) {
	snap := bigSnapshot(50, 20)
	h := Handler(func() Snapshot { return snap }, Options{Now: func() time.Time { return fixtureNow }})
	req := httptest.NewRequest(http.MethodGet, path, nil)
	b.ReportAllocs()
	var size int
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		size = rec.Body.Len()
	}
	b.ReportMetric(float64(size), "bytes/page")
	b.ReportMetric(float64(len(snap.Results)), "results")
}

// BenchmarkPage renders the HTML page of 50 views × 20 features (4050
// results, 1000 charts).
func BenchmarkPage(b *testing.B) { benchmarkPath(b, PathPage) }

// BenchmarkJSON renders the JSON twin of the same snapshot.
func BenchmarkJSON(b *testing.B) { benchmarkPath(b, PathJSON) }
