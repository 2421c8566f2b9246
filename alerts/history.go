package alerts

import (
	"math"
	"slices"
	"time"

	"github.com/fsmon/fsmon/checks"
)

// HistoryLen is how many runs of each result the state remembers: its
// History holds at most this many points, oldest first.
//
// Memory: a point is 24 bytes (Unix nanoseconds, value, status), so a
// result's history takes at most HistoryLen × 24 = 1,152 bytes plus about
// 200 bytes for its key and map entry: 10,000 results take about 14 MB.
// In the state file a point is about 70 bytes of JSON (3.4 KB a result).
const HistoryLen = 48

// point is one run of a result, kept compact: a history is bounded by
// HistoryLen points per result whatever the number of runs.
type point struct {
	at     int64   // Unix nanoseconds
	value  float64 // NaN: the run had no value
	status int8    // checks.Status
}

// series is the history of one result: when its current status began and
// its last HistoryLen runs in a ring.
type series struct {
	since  time.Time
	status checks.Status
	points []point // len ≤ HistoryLen; a ring once full
	next   int     // where the next point goes once full
}

// add records a run at t. A status other than the latest one starts a new
// since; the same status keeps it.
func (s *series) add(t time.Time, status checks.Status, value *float64) {
	if len(s.points) == 0 || status != s.status {
		s.since, s.status = t, status
	}
	p := point{at: t.UnixNano(), value: math.NaN(), status: int8(status)}
	if value != nil && !math.IsNaN(*value) && !math.IsInf(*value, 0) {
		p.value = *value
	}
	if len(s.points) < HistoryLen {
		s.points = append(s.points, p)
		return
	}
	s.points[s.next] = p
	s.next = (s.next + 1) % HistoryLen
}

// history returns the points oldest first.
func (s *series) history() []checks.HistoryPoint {
	out := make([]checks.HistoryPoint, 0, len(s.points))
	emit := func(ps []point) {
		for _, p := range ps {
			hp := checks.HistoryPoint{At: time.Unix(0, p.at).UTC(), Status: checks.Status(p.status)}
			if !math.IsNaN(p.value) {
				v := p.value
				hp.Value = &v
			}
			out = append(out, hp)
		}
	}
	emit(s.points[s.next:])
	emit(s.points[:s.next])
	return out
}

// seriesFile is a series in the state file.
type seriesFile struct {
	Key
	Since   time.Time             `json:"since"`
	Status  checks.Status         `json:"status"`
	History []checks.HistoryPoint `json:"history"`
}

func (s *series) file(k Key) seriesFile {
	return seriesFile{Key: k, Since: s.since.UTC(), Status: s.status, History: s.history()}
}

// seriesOf rebuilds a series from the state file, keeping the last
// HistoryLen points.
func seriesOf(f seriesFile) *series {
	s := &series{}
	h := f.History
	if len(h) > HistoryLen {
		h = h[len(h)-HistoryLen:]
	}
	for _, p := range h {
		s.add(p.At, p.Status, p.Value)
	}
	// The file's since and status win over what the points say: the
	// points may be fewer than the runs of the current status.
	s.since, s.status = f.Since, f.Status
	return s
}

// Record adds one run's results to their histories at now (each result's
// At when set). A result whose status differs from its previous run's
// starts a new since. It is independent of notifications: the daemon
// records every run, with or without a notifier.
func (s *State) Record(results []checks.Result, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range results {
		k := KeyOf(r)
		se := s.history[k]
		if se == nil {
			se = &series{}
			s.history[k] = se
		}
		t := r.At
		if t.IsZero() {
			t = now
		}
		se.add(t, r.Status, r.Value)
	}
}

// Annotate returns a copy of results with Since and History set from the
// recorded histories; results without one are copied unchanged. The input
// is not modified.
func (s *State) Annotate(results []checks.Result) []checks.Result {
	out := slices.Clone(results)
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range out {
		se := s.history[KeyOf(out[i])]
		if se == nil || len(se.points) == 0 {
			continue
		}
		since := se.since.UTC()
		out[i].Since = &since
		out[i].History = se.history()
	}
	return out
}

// PruneHistory forgets the histories of results whose check no longer
// exists (exists reports false for their key), so removed views do not
// keep their history in memory and in the state file.
func (s *State) PruneHistory(exists func(Key) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.history {
		if !exists(k) {
			delete(s.history, k)
		}
	}
}

// historyFilesLocked returns every series for the state file, sorted by
// key; s.mu is held.
func (s *State) historyFilesLocked() []seriesFile {
	out := make([]seriesFile, 0, len(s.history))
	for k, se := range s.history {
		out = append(out, se.file(k))
	}
	slices.SortFunc(out, func(a, b seriesFile) int { return compareKeys(a.Key, b.Key) })
	return out
}
