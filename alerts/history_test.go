package alerts

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fsmon/fsmon/checks"
)

// run is one run of a result at t0 + minutes with a status and value.
func run(minutes int, st checks.Status, v float64) checks.Result {
	r := res(checks.KindNullRate, "v", "f", st)
	r.At = t0.Add(time.Duration(minutes) * time.Minute)
	r.Value = &v
	return r
}

func sinceOf(t *testing.T, s *State, r checks.Result) time.Time {
	t.Helper()
	a := s.Annotate([]checks.Result{r})
	if a[0].Since == nil {
		t.Fatalf("no since for %v", KeyOf(r))
	}
	return *a[0].Since
}

func TestSinceFollowsStatus(t *testing.T) {
	s := mustOpen(t, "", Options{})
	for _, step := range []struct {
		minute int
		status checks.Status
		since  int // minute the status began
	}{
		{0, checks.OK, 0},
		{5, checks.OK, 0}, // same status keeps since
		{10, checks.Crit, 10},
		{15, checks.Crit, 10},
		{20, checks.Warn, 20}, // a change, even to a better status, resets it
		{25, checks.Crit, 25},
		{30, checks.Error, 30},
		{35, checks.Crit, 35},
	} {
		r := run(step.minute, step.status, 0.1)
		s.Record([]checks.Result{r}, r.At)
		want := t0.Add(time.Duration(step.since) * time.Minute)
		if got := sinceOf(t, s, r); !got.Equal(want) {
			t.Errorf("minute %d (%s): since %v, want %v", step.minute, step.status, got, want)
		}
	}
}

func TestHistoryBounded(t *testing.T) {
	s := mustOpen(t, "", Options{})
	const runs = 3*HistoryLen + 5
	for i := 0; i < runs; i++ {
		r := run(i, checks.OK, float64(i))
		s.Record([]checks.Result{r}, r.At)
	}
	h := s.Annotate([]checks.Result{run(runs, checks.OK, 0)})[0].History
	if len(h) != HistoryLen {
		t.Fatalf("history has %d points, want %d", len(h), HistoryLen)
	}
	// oldest first: the last HistoryLen runs
	for i, p := range h {
		want := runs - HistoryLen + i
		if p.Value == nil || *p.Value != float64(want) || !p.At.Equal(t0.Add(time.Duration(want)*time.Minute)) {
			t.Fatalf("point %d = %+v, want run %d", i, p, want)
		}
	}
	if got := s.Annotate([]checks.Result{run(0, checks.OK, 0)})[0].Since; !got.Equal(t0) {
		t.Errorf("since %v, want the first run %v even after the ring wrapped", got, t0)
	}
}

func TestHistoryRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s := mustOpen(t, path, Options{})
	var last checks.Result
	for i, st := range []checks.Status{checks.OK, checks.Crit, checks.Crit, checks.Error, checks.Crit, checks.Crit} {
		last = run(i, st, float64(i)/10)
		if st == checks.Error {
			last.Value = nil
		}
		s.Record([]checks.Result{last}, last.At)
	}
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	s2 := mustOpen(t, path, Options{})
	got := s2.Annotate([]checks.Result{last})[0]
	if got.Since == nil || !got.Since.Equal(t0.Add(4*time.Minute)) {
		t.Errorf("since after restart = %v, want minute 4", got.Since)
	}
	if len(got.History) != 6 || got.History[3].Value != nil || got.History[3].Status != checks.Error ||
		*got.History[5].Value != 0.5 || got.History[0].Status != checks.OK {
		t.Errorf("history after restart = %+v", got.History)
	}
	// The same status after the restart keeps since; a change resets it.
	r := run(6, checks.Crit, 0.6)
	s2.Record([]checks.Result{r}, r.At)
	if got := sinceOf(t, s2, r); !got.Equal(t0.Add(4 * time.Minute)) {
		t.Errorf("since after a crit run following the restart = %v, want minute 4", got)
	}
	r = run(7, checks.OK, 0.01)
	s2.Record([]checks.Result{r}, r.At)
	if got := sinceOf(t, s2, r); !got.Equal(r.At) {
		t.Errorf("since after recovery = %v, want %v", got, r.At)
	}
}

func TestStateVersion1Loads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	v1 := `{"version":1,"alerts":[{"check":"coverage","project":"p","feature_view":"v","status":"crit","since":"2026-11-22T10:00:00Z","sent_status":"crit"}]}`
	if err := os.WriteFile(path, []byte(v1), 0o600); err != nil {
		t.Fatal(err)
	}
	s := mustOpen(t, path, Options{})
	if a := s.Alerts(); len(a) != 1 || a[0].Status != checks.Crit || !a[0].Since.Equal(t0) {
		t.Fatalf("version 1 alerts: %+v", a)
	}
	r := res(checks.KindCoverage, "v", "", checks.Crit)
	if got := s.Annotate([]checks.Result{r})[0]; got.Since != nil || got.History != nil {
		t.Errorf("a version 1 file has no history, got %+v", got)
	}
}

func TestAnnotateCopies(t *testing.T) {
	s := mustOpen(t, "", Options{})
	r := run(0, checks.Warn, 0.02)
	s.Record([]checks.Result{r}, r.At)
	in := []checks.Result{r, res(checks.KindCoverage, "other", "", checks.OK)}
	out := s.Annotate(in)
	if in[0].Since != nil || in[0].History != nil {
		t.Error("Annotate modified its input")
	}
	if out[0].Since == nil || len(out[0].History) != 1 {
		t.Errorf("annotated = %+v", out[0])
	}
	if out[1].Since != nil || out[1].History != nil {
		t.Errorf("a result without history got one: %+v", out[1])
	}
}

func TestPruneHistory(t *testing.T) {
	s := mustOpen(t, "", Options{})
	a, b := run(0, checks.OK, 0), res(checks.KindCoverage, "gone", "", checks.Crit)
	s.Record([]checks.Result{a, b}, t0)
	s.PruneHistory(func(k Key) bool { return k.FeatureView != "gone" })
	out := s.Annotate([]checks.Result{a, b})
	if out[0].Since == nil || out[1].Since != nil {
		t.Errorf("after prune: kept=%v removed=%v", out[0].Since, out[1].Since)
	}
}
