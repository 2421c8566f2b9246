package alerts

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/config"
)

// Key is the identity of one alert: the identity of the result it follows.
// Feature and Store are "" on view-level results.
type Key struct {
	Check       string `json:"check"`
	Project     string `json:"project"`
	FeatureView string `json:"feature_view"`
	Feature     string `json:"feature,omitempty"`
	Store       string `json:"store,omitempty"`
}

// KeyOf returns the key of a result.
func KeyOf(r checks.Result) Key {
	return Key{Check: r.Check, Project: r.Project, FeatureView: r.FeatureView, Feature: r.Feature, Store: r.Store}
}

func (k Key) view() viewKey { return viewKey{k.Project, k.FeatureView} }

func compareKeys(a, b Key) int {
	return cmp.Or(cmp.Compare(a.Project, b.Project), cmp.Compare(a.FeatureView, b.FeatureView),
		cmp.Compare(a.Check, b.Check), cmp.Compare(a.Feature, b.Feature), cmp.Compare(a.Store, b.Store))
}

type viewKey struct{ project, view string }

// Alert is the state of one key that is, or recently was, not ok.
type Alert struct {
	Key
	// Status is the latest status seen: warn, crit or error (ok once
	// resolved).
	Status checks.Status `json:"status"`
	// Since is when the key first went bad in this episode.
	Since time.Time `json:"since"`
	// LastSent is when a message including the alert was last delivered
	// (zero: never).
	LastSent time.Time `json:"last_sent,omitzero"`
	// SentStatus is the worst status delivered in this episode; ok means
	// the alert was never delivered.
	SentStatus checks.Status `json:"sent_status"`
	// Value and Threshold are the aggregate number of the latest result and
	// what it was judged against (durations in seconds).
	Value     *float64          `json:"value,omitempty"`
	Threshold *checks.Threshold `json:"threshold,omitempty"`
	// Tests are the latest skew result's statistics with their own
	// thresholds (aggregates only), so a message shows each statistic
	// next to the thresholds it is judged against.
	Tests []checks.Test `json:"tests,omitempty"`
	// Message is the latest result's message (aggregates only).
	Message string `json:"message,omitempty"`
	// Resolved is set when the key went back to ok after being delivered;
	// the alert is forgotten once the resolution is delivered.
	Resolved bool `json:"resolved,omitempty"`
	// Ref is the notifier's reference of the last message that included
	// the alert (Slack: channel and ts), for updating it on escalation and
	// resolution.
	Ref string `json:"ref,omitempty"`
	// Removed is set when the alert's check no longer exists (its view,
	// feature or store was removed from the config or the Feast
	// registry): the alert resolves with that reason.
	Removed bool `json:"removed,omitempty"`

	// inflight is set while a notification including the alert is being
	// delivered: a concurrent Update does not produce it again.
	inflight bool
}

// Notification is what one feature view has to say in one cycle: its new,
// escalated, still firing and resolved alerts. Lists are sorted by key.
type Notification struct {
	Project     string
	FeatureView string
	// Severity is the worst status among the firing alerts (crit, then
	// warn, then error); when only resolutions are left it is ok.
	Severity  checks.Status
	Firing    []Alert
	Escalated []Alert
	Repeated  []Alert
	Resolved  []Alert
	// At is the time of the Update that produced the notification.
	At time.Time
}

// Options tune the state machine.
type Options struct {
	// For is how long a key must stay bad before its alert fires.
	For time.Duration
	// RepeatInterval is how often a still firing view is notified again;
	// 0 never repeats.
	RepeatInterval time.Duration
}

// State holds every alert and persists them to a JSON file. It is safe for
// concurrent use by the goroutines of different feature views.
type State struct {
	path string
	opts Options

	mu     sync.Mutex
	alerts map[Key]*Alert
	// history is every result's since and last runs (history.go).
	history map[Key]*series

	saveMu sync.Mutex
}

// stateVersion is the version of the state file written. Version 1 (alerts
// only, fsmon before result histories) still loads, with no history.
const stateVersion = 2

type stateFile struct {
	Version int     `json:"version"`
	Alerts  []Alert `json:"alerts"`
	// History is every result's since and last runs (version 2).
	History []seriesFile `json:"history,omitempty"`
}

// Open returns the state kept in path, or an empty state when the file does
// not exist. An empty path keeps the state in memory only. When the file
// cannot be read or parsed, Open returns an empty State for path together
// with an error naming the file, so the caller may log it and carry on.
func Open(path string, opts Options) (*State, error) {
	s := &State{path: path, opts: opts, alerts: map[Key]*Alert{}, history: map[Key]*series{}}
	if path == "" {
		return s, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("read alert state %s: %w", path, err)
	}
	var f stateFile
	if err := json.Unmarshal(b, &f); err != nil {
		return s, fmt.Errorf("parse alert state %s: %w", path, err)
	}
	if f.Version < 1 || f.Version > stateVersion {
		return s, fmt.Errorf("parse alert state %s: version %d, want 1 to %d", path, f.Version, stateVersion)
	}
	for i := range f.Alerts {
		a := f.Alerts[i]
		s.alerts[a.Key] = &a
	}
	for _, h := range f.History {
		s.history[h.Key] = seriesOf(h)
	}
	return s, nil
}

// Path returns the file the state is saved to ("" for memory only).
func (s *State) Path() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.path
}

// Reconfigure changes the options and the file of a running state (a config
// reload). The alerts are kept: the next Save writes them to the new path.
func (s *State) Reconfigure(path string, opts Options) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.path, s.opts = path, opts
}

// Alerts returns a copy of every alert, sorted by key.
func (s *State) Alerts() []Alert {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Alert, 0, len(s.alerts))
	for _, a := range s.alerts {
		out = append(out, *a)
	}
	slices.SortFunc(out, func(a, b Alert) int { return compareKeys(a.Key, b.Key) })
	return out
}

// rank orders statuses for escalation: error counts as warn.
func rank(s checks.Status) int {
	switch s {
	case checks.Crit:
		return 2
	case checks.Warn, checks.Error:
		return 1
	}
	return 0
}

// Update applies one cycle's results at now and returns one Notification per
// feature view that has something to say (see the package documentation).
// Only views with at least one result in results are considered, and views
// with removed alerts whose resolution is still to be delivered. Update
// changes what is known about the keys; what was delivered is recorded by
// MarkSent, so a notification that fails to send (MarkFailed) is produced
// again by the next Update. Alerts of a returned notification are in flight
// until MarkSent or MarkFailed: a concurrent Update does not list them, so
// two runs of one view never deliver the same alert twice.
func (s *State) Update(results []checks.Result, now time.Time) []Notification {
	s.mu.Lock()
	defer s.mu.Unlock()

	views := map[viewKey]bool{}
	for _, r := range results {
		k := KeyOf(r)
		views[k.view()] = true
		if r.Status == checks.Insufficient {
			// No verdict: a sample below min_sample neither raises an
			// alert nor resolves one (the problem may well persist).
			continue
		}
		a := s.alerts[k]
		if r.Status == checks.OK {
			switch {
			case a == nil:
			case a.SentStatus == checks.OK && !a.inflight:
				delete(s.alerts, k) // never delivered: nothing to resolve
			default:
				a.Resolved = true
				a.Status = checks.OK
				a.Value, a.Threshold, a.Tests, a.Message = r.Value, r.Threshold, r.Tests, r.Message
			}
			continue
		}
		if a == nil {
			a = &Alert{Key: k, Since: now}
			s.alerts[k] = a
		}
		if a.Resolved { // bad again before the resolution went out
			a.Resolved, a.Removed = false, false
		}
		a.Status = r.Status
		a.Value, a.Threshold, a.Tests, a.Message = r.Value, r.Threshold, r.Tests, r.Message
		if r.Status == checks.Error {
			a.Value, a.Threshold, a.Tests = nil, nil, nil
		}
	}
	for k, a := range s.alerts {
		if a.Removed && !a.inflight {
			views[k.view()] = true // a removal whose resolution is not delivered yet
		}
	}
	return s.notifyLocked(views, now)
}

// Retire resolves the alerts whose check no longer exists (exists reports
// false for their key: the view, feature or store was removed from the
// config). An alert that was delivered resolves with Removed set, and is
// listed in the returned notifications (one per view) until the resolution
// is delivered; one that never was is forgotten silently.
func (s *State) Retire(exists func(Key) bool, now time.Time) []Notification {
	s.mu.Lock()
	defer s.mu.Unlock()
	views := map[viewKey]bool{}
	for k, a := range s.alerts {
		if exists(k) {
			continue
		}
		if a.SentStatus == checks.OK && !a.inflight {
			delete(s.alerts, k)
			continue
		}
		if a.Removed {
			if !a.inflight {
				views[k.view()] = true
			}
			continue
		}
		a.Resolved, a.Removed = true, true
		a.Status = checks.OK
		a.Message = "no longer checked: removed from the config"
		views[k.view()] = true
	}
	return s.notifyLocked(views, now)
}

// notifyLocked builds the notifications of views at now and marks their
// alerts in flight; s.mu is held.
func (s *State) notifyLocked(views map[viewKey]bool, now time.Time) []Notification {
	byView := map[viewKey][]*Alert{}
	for k, a := range s.alerts {
		if views[k.view()] && !a.inflight {
			byView[k.view()] = append(byView[k.view()], a)
		}
	}
	var notes []Notification
	for v, list := range byView {
		slices.SortFunc(list, func(a, b *Alert) int { return compareKeys(a.Key, b.Key) })
		n := Notification{Project: v.project, FeatureView: v.view, At: now}
		due := false
		for _, a := range list {
			switch {
			case a.Resolved:
				n.Resolved = append(n.Resolved, *a)
				due = true
			case now.Sub(a.Since) < s.opts.For:
				// pending
			case a.SentStatus == checks.OK:
				n.Firing = append(n.Firing, *a)
				due = true
			case rank(a.Status) > rank(a.SentStatus):
				n.Escalated = append(n.Escalated, *a)
				due = true
			default:
				n.Repeated = append(n.Repeated, *a)
				if s.opts.RepeatInterval > 0 && now.Sub(a.LastSent) >= s.opts.RepeatInterval {
					due = true
				}
			}
		}
		if !due {
			continue
		}
		n.Severity = severity(n)
		for _, l := range [][]Alert{n.Firing, n.Escalated, n.Repeated, n.Resolved} {
			for _, a := range l {
				s.alerts[a.Key].inflight = true
			}
		}
		notes = append(notes, n)
	}
	slices.SortFunc(notes, func(a, b Notification) int {
		return cmp.Or(cmp.Compare(a.Project, b.Project), cmp.Compare(a.FeatureView, b.FeatureView))
	})
	return notes
}

func severity(n Notification) checks.Status {
	worst := checks.OK
	for _, l := range [][]Alert{n.Firing, n.Escalated, n.Repeated} {
		for _, a := range l {
			switch {
			case a.Status == checks.Crit:
				worst = checks.Crit
			case a.Status == checks.Warn && worst != checks.Crit:
				worst = checks.Warn
			case a.Status == checks.Error && worst == checks.OK:
				worst = checks.Error
			}
		}
	}
	return worst
}

// Active reports whether the notification has any firing alert (new,
// escalated or still firing); false means it only resolves.
func (n Notification) Active() bool {
	return len(n.Firing)+len(n.Escalated)+len(n.Repeated) > 0
}

// MarkSent records that n was delivered at now under the notifier's
// reference ref ("" keeps the previous reference): its firing alerts are
// marked delivered at their status, its resolved alerts are forgotten.
// Alerts that changed since the Update that produced n keep their new state.
func (s *State) MarkSent(n Notification, ref string, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.landedLocked(n)
	for _, l := range [][]Alert{n.Firing, n.Escalated, n.Repeated} {
		for _, sent := range l {
			a := s.alerts[sent.Key]
			if a == nil || a.Resolved {
				continue
			}
			a.LastSent = now
			if rank(sent.Status) > rank(a.SentStatus) {
				a.SentStatus = sent.Status
			}
			if ref != "" {
				a.Ref = ref
			}
		}
	}
	for _, sent := range n.Resolved {
		if a := s.alerts[sent.Key]; a != nil && a.Resolved {
			delete(s.alerts, sent.Key)
		}
	}
}

// MarkFailed records that n could not be delivered: its alerts are no
// longer in flight, so the next Update produces them again.
func (s *State) MarkFailed(n Notification) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.landedLocked(n)
}

// landedLocked ends the flight of n's alerts; s.mu is held.
func (s *State) landedLocked(n Notification) {
	for _, l := range [][]Alert{n.Firing, n.Escalated, n.Repeated, n.Resolved} {
		for _, sent := range l {
			if a := s.alerts[sent.Key]; a != nil {
				a.inflight = false
			}
		}
	}
}

// Save writes the state to its file atomically (a temporary file in the
// same directory, then rename). It does nothing for a memory-only state.
func (s *State) Save() error {
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	path := s.Path()
	if path == "" {
		return nil
	}
	b, err := json.MarshalIndent(s.file(), "", "  ")
	if err != nil {
		return fmt.Errorf("encode alert state %s: %w", path, err)
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("save alert state %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("save alert state %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("save alert state %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save alert state %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save alert state %s: %w", path, err)
	}
	return nil
}

// file is the state as written to its file: alerts and histories taken
// under one lock, so they agree.
func (s *State) file() stateFile {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := stateFile{Version: stateVersion, Alerts: make([]Alert, 0, len(s.alerts)), History: s.historyFilesLocked()}
	for _, a := range s.alerts {
		f.Alerts = append(f.Alerts, *a)
	}
	slices.SortFunc(f.Alerts, func(a, b Alert) int { return compareKeys(a.Key, b.Key) })
	return f
}

// CheckWritable reports whether the state can be saved to path: its
// directory exists and a file can be created in it. An empty path (memory
// only) is writable.
func CheckWritable(path string) error {
	if path == "" {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".check*")
	if err != nil {
		return fmt.Errorf("alert state %s is not writable: %w", path, err)
	}
	name := tmp.Name()
	tmp.Close()
	if err := os.Remove(name); err != nil {
		return fmt.Errorf("alert state %s: remove probe file: %w", path, err)
	}
	return nil
}

// StatePath returns the state file of cfg: alerts.state_file, or the
// default beside the config file.
func StatePath(cfg *config.Config) string {
	if cfg.Alerts.StateFile != "" {
		return cfg.Alerts.StateFile
	}
	return DefaultStatePath(cfg.File)
}

// DefaultStatePath returns where the state is kept when the config does not
// say: a hidden file beside the config file, or "" (memory only) when the
// config was not loaded from a file.
func DefaultStatePath(configFile string) string {
	if configFile == "" {
		return ""
	}
	return filepath.Join(filepath.Dir(configFile), ".fsmon-alerts.json")
}
