package alerts

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fsmon/fsmon/checks"
)

var t0 = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func res(check, view, feature string, st checks.Status) checks.Result {
	store := ""
	if check == checks.KindNullRate {
		store = checks.StoreOnline
	}
	return checks.Result{Check: check, Project: "p", FeatureView: view, Feature: feature, Store: store, Status: st}
}

// summary renders notifications as "view: firing=[..] escalated=[..] ..."
// lines listing check/feature@status, so expectations are written by hand.
func summary(notes []Notification) string {
	var b strings.Builder
	for _, n := range notes {
		b.WriteString(n.FeatureView + " " + n.Severity.String() + ":")
		for _, part := range []struct {
			name string
			l    []Alert
		}{{"firing", n.Firing}, {"escalated", n.Escalated}, {"repeated", n.Repeated}, {"resolved", n.Resolved}} {
			if len(part.l) == 0 {
				continue
			}
			b.WriteString(" " + part.name + "=")
			for i, a := range part.l {
				if i > 0 {
					b.WriteString(",")
				}
				b.WriteString(a.Check + "/" + a.Feature + "@" + a.Status.String())
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

func sendAll(s *State, notes []Notification, now time.Time) {
	for _, n := range notes {
		s.MarkSent(n, "ref-"+n.FeatureView, now)
	}
}

func mustOpen(t *testing.T, path string, o Options) *State {
	t.Helper()
	s, err := Open(path, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type step struct {
	after   time.Duration // since t0
	results []checks.Result
	want    string
	restart bool // save and reopen before this step
	unsent  bool // do not MarkSent (the delivery failed)
}

func runSteps(t *testing.T, o Options, steps []step) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.json")
	s := mustOpen(t, path, o)
	for i, st := range steps {
		if st.restart {
			if err := s.Save(); err != nil {
				t.Fatal(err)
			}
			s = mustOpen(t, path, o)
		}
		now := t0.Add(st.after)
		notes := s.Update(st.results, now)
		if got := summary(notes); got != st.want {
			t.Errorf("step %d (+%s): got\n%s\nwant\n%s", i, st.after, got, st.want)
		}
		if st.unsent {
			for _, n := range notes {
				s.MarkFailed(n)
			}
		} else {
			sendAll(s, notes, now)
		}
	}
}

func TestFireRepeatEscalateResolve(t *testing.T) {
	o := Options{RepeatInterval: 4 * time.Hour}
	warn := []checks.Result{res("freshness", "v", "", checks.Warn)}
	crit := []checks.Result{res("freshness", "v", "", checks.Crit)}
	ok := []checks.Result{res("freshness", "v", "", checks.OK)}
	runSteps(t, o, []step{
		{after: 0, results: ok, want: ""},
		{after: 5 * time.Minute, results: warn, want: "v warn: firing=freshness/@warn\n"},
		{after: 10 * time.Minute, results: warn, want: ""},
		{after: 4*time.Hour + 4*time.Minute, results: warn, want: ""},
		{after: 4*time.Hour + 5*time.Minute, results: warn, want: "v warn: repeated=freshness/@warn\n"},
		{after: 4*time.Hour + 10*time.Minute, results: crit, want: "v crit: escalated=freshness/@crit\n"},
		{after: 4*time.Hour + 15*time.Minute, results: crit, want: ""},
		// back to warn: not notified on its own
		{after: 4*time.Hour + 20*time.Minute, results: warn, want: ""},
		{after: 4*time.Hour + 25*time.Minute, results: ok, want: "v ok: resolved=freshness/@ok\n"},
		{after: 4*time.Hour + 30*time.Minute, results: ok, want: ""},
		// a new episode fires again
		{after: 4*time.Hour + 35*time.Minute, results: warn, want: "v warn: firing=freshness/@warn\n"},
	})
}

func TestRestartNeitherRepeatsNorLoses(t *testing.T) {
	o := Options{RepeatInterval: time.Hour}
	warn := []checks.Result{res("coverage", "v", "", checks.Warn)}
	ok := []checks.Result{res("coverage", "v", "", checks.OK)}
	runSteps(t, o, []step{
		{after: 0, results: warn, want: "v warn: firing=coverage/@warn\n"},
		{after: 5 * time.Minute, restart: true, results: warn, want: ""},
		// the repeat clock survives the restart
		{after: 60 * time.Minute, restart: true, results: warn, want: "v warn: repeated=coverage/@warn\n"},
		// the resolution fails to send, then the daemon restarts: it is sent after the restart
		{after: 65 * time.Minute, results: ok, want: "v ok: resolved=coverage/@ok\n", unsent: true},
		{after: 70 * time.Minute, restart: true, results: ok, want: "v ok: resolved=coverage/@ok\n"},
		{after: 75 * time.Minute, restart: true, results: ok, want: ""},
	})
}

func TestFailedSendIsProducedAgain(t *testing.T) {
	warn := []checks.Result{res("coverage", "v", "", checks.Warn)}
	ok := []checks.Result{res("coverage", "v", "", checks.OK)}
	runSteps(t, Options{RepeatInterval: time.Hour}, []step{
		{after: 0, results: warn, want: "v warn: firing=coverage/@warn\n", unsent: true},
		{after: 5 * time.Minute, restart: true, results: warn, want: "v warn: firing=coverage/@warn\n"},
		{after: 10 * time.Minute, results: warn, want: ""},
	})
	// never delivered, then ok: nothing to resolve
	runSteps(t, Options{RepeatInterval: time.Hour}, []step{
		{after: 0, results: warn, want: "v warn: firing=coverage/@warn\n", unsent: true},
		{after: 5 * time.Minute, results: ok, want: ""},
		{after: 10 * time.Minute, results: warn, want: "v warn: firing=coverage/@warn\n"},
	})
}

func TestForDuration(t *testing.T) {
	warn := []checks.Result{res("freshness", "v", "", checks.Warn)}
	ok := []checks.Result{res("freshness", "v", "", checks.OK)}
	runSteps(t, Options{For: 10 * time.Minute, RepeatInterval: time.Hour}, []step{
		{after: 0, results: warn, want: ""},
		{after: 5 * time.Minute, results: warn, want: ""},
		{after: 9*time.Minute + 59*time.Second, restart: true, results: warn, want: ""},
		{after: 10 * time.Minute, results: warn, want: "v warn: firing=freshness/@warn\n"},
		// pending that recovers is never sent
		{after: 20 * time.Minute, results: []checks.Result{res("coverage", "v", "", checks.Crit)},
			want: ""},
		{after: 25 * time.Minute, results: []checks.Result{res("coverage", "v", "", checks.OK)}, want: ""},
		{after: 40 * time.Minute, results: []checks.Result{res("coverage", "v", "", checks.Crit)}, want: ""},
		{after: 45 * time.Minute, results: ok, want: "v ok: resolved=freshness/@ok\n"},
		{after: 50 * time.Minute, results: []checks.Result{res("coverage", "v", "", checks.Crit)},
			want: "v crit: firing=coverage/@crit\n"},
	})
}

func TestGroupingPerView(t *testing.T) {
	cycle := []checks.Result{
		res("null_rate", "drivers", "conv_rate", checks.Warn),
		res("null_rate", "drivers", "acc_rate", checks.Crit),
		res("consistency", "drivers", "trips", checks.Warn),
		res("coverage", "drivers", "", checks.OK),
		res("freshness", "riders", "", checks.Error),
		res("freshness", "orders", "", checks.OK),
	}
	runSteps(t, Options{RepeatInterval: time.Hour}, []step{
		{after: 0, results: cycle, want: "drivers crit: firing=consistency/trips@warn,null_rate/acc_rate@crit,null_rate/conv_rate@warn\n" +
			"riders error: firing=freshness/@error\n"},
		// a new problem in the view: one message, the others listed as still firing
		{after: time.Minute, results: []checks.Result{
			res("null_rate", "drivers", "conv_rate", checks.Warn),
			res("coverage", "drivers", "", checks.Warn),
		}, want: "drivers crit: firing=coverage/@warn repeated=consistency/trips@warn,null_rate/acc_rate@crit,null_rate/conv_rate@warn\n"},
		// riders not checked this cycle: nothing about it, even after the repeat interval
		{after: 2 * time.Hour, results: []checks.Result{res("freshness", "orders", "", checks.OK)}, want: ""},
		// error escalates to crit like warn does
		{after: 2*time.Hour + time.Minute, results: []checks.Result{res("freshness", "riders", "", checks.Crit)},
			want: "riders crit: escalated=freshness/@crit\n"},
	})
}

func TestAbsentKeyDoesNotResolve(t *testing.T) {
	runSteps(t, Options{RepeatInterval: time.Hour}, []step{
		{after: 0, results: []checks.Result{res("null_rate", "v", "a", checks.Crit)}, want: "v crit: firing=null_rate/a@crit\n"},
		// the same view is checked, but feature a's result is missing: a stays firing
		{after: time.Minute, results: []checks.Result{res("null_rate", "v", "b", checks.OK)}, want: ""},
		{after: 2 * time.Minute, results: nil, want: ""},
		{after: time.Hour, results: []checks.Result{res("null_rate", "v", "b", checks.OK)}, want: "v crit: repeated=null_rate/a@crit\n"},
	})
}

func TestMarkSentKeepsLaterChanges(t *testing.T) {
	s := mustOpen(t, "", Options{})
	notes := s.Update([]checks.Result{res("coverage", "v", "", checks.Warn)}, t0)
	// before the send completes, the key recovers and goes bad again at crit
	s.Update([]checks.Result{res("coverage", "v", "", checks.Crit)}, t0.Add(time.Minute))
	s.MarkSent(notes[0], "ts1", t0.Add(2*time.Minute))
	// warn was delivered, crit was not: the next update escalates
	if got, want := summary(s.Update(nil, t0.Add(3*time.Minute))), ""; got != want {
		t.Errorf("no results: got %q", got)
	}
	got := summary(s.Update([]checks.Result{res("coverage", "v", "", checks.Crit)}, t0.Add(3*time.Minute)))
	if want := "v crit: escalated=coverage/@crit\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	a := s.Alerts()
	if len(a) != 1 || a[0].Ref != "ts1" || !a[0].Since.Equal(t0) || a[0].SentStatus != checks.Warn {
		t.Errorf("alert after MarkSent: %+v", a)
	}
}

func TestOpenCorruptFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alerts.json")
	if err := os.WriteFile(path, []byte(`{"version":1,"alerts":[{`), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, Options{})
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("Open(corrupt) error = %v, want one naming %s", err, path)
	}
	if s == nil || len(s.Alerts()) != 0 || s.Path() != path {
		t.Fatalf("Open(corrupt) should return an empty state for the same path")
	}
	// the empty state still works and overwrites the corrupt file
	sendAll(s, s.Update([]checks.Result{res("coverage", "v", "", checks.Warn)}, t0), t0)
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	if s2 := mustOpen(t, path, Options{}); len(s2.Alerts()) != 1 {
		t.Errorf("reopened: %+v", s2.Alerts())
	}

	if err := os.WriteFile(path, []byte(`{"version":7,"alerts":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, Options{}); err == nil || !strings.Contains(err.Error(), "version 7") {
		t.Errorf("Open(version 7) error = %v", err)
	}
}

func TestSaveFileFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alerts.json")
	s := mustOpen(t, path, Options{})
	v := 0.25
	r := res("null_rate", "v", "f", checks.Crit)
	r.Value = &v
	sendAll(s, s.Update([]checks.Result{r}, t0), t0.Add(time.Second))
	r.At = t0
	s.Record([]checks.Result{r}, t0)
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "version": 2,
  "alerts": [
    {
      "check": "null_rate",
      "project": "p",
      "feature_view": "v",
      "feature": "f",
      "store": "online",
      "status": "crit",
      "since": "2026-11-22T10:00:00Z",
      "last_sent": "2026-11-22T10:00:01Z",
      "sent_status": "crit",
      "value": 0.25,
      "ref": "ref-v"
    }
  ],
  "history": [
    {
      "check": "null_rate",
      "project": "p",
      "feature_view": "v",
      "feature": "f",
      "store": "online",
      "since": "2026-11-22T10:00:00Z",
      "status": "crit",
      "history": [
        {
          "at": "2026-11-22T10:00:00Z",
          "value": 0.25,
          "status": "crit"
        }
      ]
    }
  ]
}
`
	if string(b) != want {
		t.Errorf("state file:\n%s\nwant\n%s", b, want)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("state file mode: %v %v", st.Mode(), err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}

func TestDefaultStatePath(t *testing.T) {
	if got := DefaultStatePath("/etc/fsmon/fsmon.yml"); got != "/etc/fsmon/.fsmon-alerts.json" {
		t.Errorf("got %q", got)
	}
	if got := DefaultStatePath(""); got != "" {
		t.Errorf("got %q", got)
	}
}

func TestConcurrentViews(t *testing.T) {
	s := mustOpen(t, filepath.Join(t.TempDir(), "s.json"), Options{})
	done := make(chan error)
	for i := 0; i < 4; i++ {
		view := string(rune('a' + i))
		go func() {
			var err error
			for j := 0; j < 50; j++ {
				st := checks.Warn
				if j%2 == 1 {
					st = checks.OK
				}
				sendAll(s, s.Update([]checks.Result{res("coverage", view, "", st)}, t0.Add(time.Duration(j)*time.Minute)), t0)
				if e := s.Save(); e != nil {
					err = e
				}
			}
			done <- err
		}()
	}
	for i := 0; i < 4; i++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	// every view ended on ok after a delivered warn: everything resolved and forgotten
	if a := s.Alerts(); len(a) != 0 {
		t.Errorf("alerts left: %+v", a)
	}
}

// Two runs of one view (an old config generation still delivering and the
// new one) never produce the same alert twice while it is in flight.
func TestInFlightAlertIsNotProducedTwice(t *testing.T) {
	s := mustOpen(t, "", Options{RepeatInterval: time.Hour})
	warn := []checks.Result{res("coverage", "v", "", checks.Warn)}
	first := s.Update(warn, t0)
	if got, want := summary(first), "v warn: firing=coverage/@warn\n"; got != want {
		t.Fatalf("first: got %q, want %q", got, want)
	}
	if got := summary(s.Update(warn, t0.Add(time.Second))); got != "" {
		t.Errorf("second run while the first delivers: got %q, want nothing", got)
	}
	s.MarkSent(first[0], "ts1", t0)
	if got := summary(s.Update(warn, t0.Add(2*time.Second))); got != "" {
		t.Errorf("after delivery: got %q, want nothing", got)
	}
	// a failed delivery is produced again by the next Update
	crit := []checks.Result{res("coverage", "v", "", checks.Crit)}
	esc := s.Update(crit, t0.Add(3*time.Second))
	s.MarkFailed(esc[0])
	if got, want := summary(s.Update(crit, t0.Add(4*time.Second))), "v crit: escalated=coverage/@crit\n"; got != want {
		t.Errorf("after a failure: got %q, want %q", got, want)
	}
}

func TestRetireRemovedChecks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s := mustOpen(t, path, Options{RepeatInterval: time.Hour})
	sendAll(s, s.Update([]checks.Result{
		res("null_rate", "kept", "gone", checks.Crit),
		res("null_rate", "kept", "stays", checks.Warn),
		res("freshness", "removed", "", checks.Warn),
	}, t0), t0)
	// never delivered (pending under For would be the same): dropped silently
	s.MarkFailed(s.Update([]checks.Result{res("coverage", "removed2", "", checks.Crit)}, t0)[0])

	exists := func(k Key) bool {
		return k.FeatureView == "kept" && k.Feature != "gone"
	}
	notes := s.Retire(exists, t0.Add(time.Minute))
	want := "kept warn: repeated=null_rate/stays@warn resolved=null_rate/gone@ok\n" +
		"removed ok: resolved=freshness/@ok\n"
	if got := summary(notes); got != want {
		t.Fatalf("retire: got\n%s\nwant\n%s", got, want)
	}
	for _, n := range notes {
		for _, a := range n.Resolved {
			if !a.Removed || a.Message == "" {
				t.Errorf("retired alert %+v: want Removed and a message", a)
			}
		}
	}
	// While the resolutions are in flight, nothing produces them again.
	if got := summary(s.Retire(exists, t0.Add(2*time.Minute))); got != "" {
		t.Errorf("retire again while in flight: %q", got)
	}
	// The delivery of "removed" fails: the next Update of any view, or
	// Retire, produces it again, and only once.
	s.MarkSent(notes[0], "ts-kept", t0.Add(time.Minute))
	s.MarkFailed(notes[1])
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	s = mustOpen(t, path, Options{RepeatInterval: time.Hour}) // survives a restart
	again := s.Update([]checks.Result{res("null_rate", "kept", "stays", checks.Warn)}, t0.Add(3*time.Minute))
	if got, want := summary(again), "removed ok: resolved=freshness/@ok\n"; got != want {
		t.Fatalf("after failure: got %q, want %q", got, want)
	}
	sendAll(s, again, t0.Add(3*time.Minute))
	if got := summary(s.Retire(exists, t0.Add(4*time.Minute))); got != "" {
		t.Errorf("after delivery: %q", got)
	}
	var keys []string
	for _, a := range s.Alerts() {
		keys = append(keys, a.FeatureView+"/"+a.Feature)
	}
	if got := strings.Join(keys, ","); got != "kept/stays" {
		t.Errorf("alerts left: %s, want kept/stays", got)
	}
}

func TestCheckWritable(t *testing.T) {
	dir := t.TempDir()
	if err := CheckWritable(filepath.Join(dir, "alerts.json")); err != nil {
		t.Errorf("writable dir: %v", err)
	}
	if err := CheckWritable(filepath.Join(dir, "missing", "alerts.json")); err == nil {
		t.Error("missing directory: no error")
	}
	ro := filepath.Join(dir, "ro")
	if err := os.Mkdir(ro, 0o555); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 { // root writes anywhere; the missing directory case covers it
		if err := CheckWritable(filepath.Join(ro, "alerts.json")); err == nil {
			t.Error("read-only directory: no error")
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("probe files left behind: %v", entries)
	}
}
