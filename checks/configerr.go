package checks

import (
	"errors"
	"fmt"

	"github.com/fsmon/fsmon/config"
	"github.com/fsmon/fsmon/sample"
)

// A config fault is a mistake in the config that the data reveals: a key
// template that matches no key, a feature in neither store, a column the
// Parquet files do not have, a declared type no stored value has. Results
// that rest on it are errors naming the config line, never data statuses:
// a typo must not page anyone as an incident.
type fault struct {
	pos config.Position
	msg string
}

// faults are the config faults of one Input: of the online key template
// (view-level), and per feature of each store.
type faults struct {
	key              *fault
	online, offlineF map[string]*fault
	// offline is a view-level fault of the offline store: its timestamp
	// or an entity column is in none of the Parquet files.
	offline *fault
}

// findFaults tells config mistakes from data problems:
//
//   - the key template: the online sample ran over the whole keyspace,
//     matched no key, and the store is not empty. An empty Redis is an
//     incident (data status), a template matching nothing in a Redis full of
//     other keys is a typo;
//   - a feature absent from every sampled online entity is a config fault
//     only when the offline store lacks it too (or there is none): a feature
//     the offline store has but no online entity serves is an incident;
//   - a feature absent from every sampled offline row means the Parquet
//     files have no such column;
//   - a declared type that at least 9 in 10 stored values do not parse as
//     contradicts the stored type;
//   - the offline timestamp column or an entity column in none of the
//     Parquet files (the offline store says so with a
//     *sample.MissingColumnError): every result that reads the offline
//     store.
//
// A store that could not be read or sampled nothing decides nothing.
func findFaults(in *Input) faults {
	v := in.View
	fs := faults{online: map[string]*fault{}, offlineF: map[string]*fault{}}
	keyPos := orView(v.Pos.Key, v)
	if in.OnlineErr == nil && in.Online != nil && in.Online.Complete && in.Online.Scanned == 0 && !in.Online.StoreEmpty {
		what := fmt.Sprintf("online.key %q matches no key in Redis, which holds other keys", v.Online.Key)
		if v.Online.Layout == config.LayoutFeast {
			what = fmt.Sprintf("no Redis key of Feast project %q with join keys %v exists (Redis holds other keys): check project, entities and entity_key_serialization_version", v.Project, v.Entities)
		}
		fs.key = &fault{keyPos, what}
	}
	if v.Offline != nil {
		for _, err := range []error{in.OfflineErr, in.AsOfErr, in.FooterErr} {
			if f := storeFault(v, err); f != nil {
				fs.offline = f
				break
			}
		}
	}
	onlineRows := 0
	if in.OnlineErr == nil && in.Online != nil {
		for _, ok := range in.Online.HasTime {
			if ok {
				onlineRows++
			}
		}
	}
	offlineRows := 0
	if v.Offline != nil && in.OfflineErr == nil && in.Offline != nil {
		offlineRows = in.Offline.Len()
	}
	for _, f := range v.Features {
		pos := orView(f.Pos, v)
		if f.Unknown != "" {
			fs.online[f.Name] = &fault{pos, f.Unknown}
			fs.offlineF[f.Name] = &fault{pos, f.Unknown}
			continue
		}
		onAbsent, onInvalid := columnState(in.Online, f.Name, true, onlineRows)
		offAbsent, offInvalid := false, false
		if offlineRows > 0 {
			offAbsent, offInvalid = columnState(in.Offline, f.Name, false, offlineRows)
		}
		if offAbsent {
			fs.offlineF[f.Name] = &fault{pos, fmt.Sprintf("feature %q: no column %s in the Parquet files of %s (%d rows sampled)", f.Name, f.Name, v.Offline.Path, offlineRows)}
		}
		if onAbsent && (v.Offline == nil || offAbsent) {
			where := "the view has no offline store"
			if offAbsent {
				where = "no column " + f.Name + " in its Parquet files"
			}
			fs.online[f.Name] = &fault{pos, fmt.Sprintf("feature %q is in neither store: no field %s in any of %d sampled Redis entities, and %s", f.Name, f.Name, onlineRows, where)}
		}
		if onInvalid {
			fs.online[f.Name] = &fault{pos, fmt.Sprintf("feature %q is declared %s, but %s of the values stored online do not parse as %s", f.Name, f.Type, "9 in 10 or more", f.Type)}
		}
		if offInvalid {
			fs.offlineF[f.Name] = &fault{pos, fmt.Sprintf("feature %q is declared %s, but column %s of the Parquet files cannot hold %s values", f.Name, f.Type, f.Name, f.Type)}
		}
	}
	return fs
}

// columnState reports whether a feature is absent from every row of s
// (online: every row of the view's population), or present in some rows but
// invalid in every one that holds a value.
func columnState(s *sample.Sample, name string, online bool, rows int) (absent, invalid bool) {
	if s == nil || rows == 0 {
		return false, false
	}
	col := s.Columns[name]
	if col == nil {
		return true, false
	}
	var present, inv, abs, n int
	for i := 0; i < s.Len(); i++ {
		if online && !s.HasTime[i] {
			continue
		}
		n++
		switch col.Nulls[i] {
		case sample.Present:
			present++
		case sample.Invalid:
			inv++
		case sample.Absent:
			abs++
		}
	}
	// A type is contradicted when at least 9 in 10 stored values do not
	// parse as it (a "0" or "1" among floats still parses as a bool).
	return n > 0 && abs == n, inv > 0 && inv >= 9*present
}

// IsStoreConfigError reports whether err, the error of a store's read, is
// a mistake in the config rather than a store problem: today an offline
// column the view names that no Parquet file has (a
// *sample.MissingColumnError). The checks report such an error as a
// config error of every result resting on it (details.config_error, at
// the config line responsible), so a caller presenting store errors itself
// (fsmon validate --live) leaves it to them.
func IsStoreConfigError(err error) bool {
	return storeFault(config.View{}, err) != nil
}

// storeFault is the config fault a store error of view v reveals, or nil
// when err is a store problem (or nil): the one place that decides which
// store errors are config mistakes.
func storeFault(v config.View, err error) *fault {
	var mc *sample.MissingColumnError
	if errors.As(err, &mc) {
		return missingColumnFault(v, mc)
	}
	return nil
}

// missingColumnFault places a missing offline column at the config line
// of its key: offline.timestamp_column, or the entity in entities; the
// view's line (or the Feast registry) when the column was inferred.
func missingColumnFault(v config.View, mc *sample.MissingColumnError) *fault {
	pos := orView(v.Pos.TimestampColumn, v)
	if mc.Role == sample.RoleEntity {
		pos = v.Pos.View
		for i, e := range v.Entities {
			if e == mc.Column && i < len(v.Pos.Entities) {
				pos = orView(v.Pos.Entities[i], v)
			}
		}
	}
	if pos.File == "" {
		pos = v.Pos.View
	}
	return &fault{pos, mc.Error()}
}

func orView(p config.Position, v config.View) config.Position {
	if p.Line == 0 && v.Pos.View.Line > 0 {
		return v.Pos.View
	}
	return p
}

// applyFaults turns r into a config error when a fault of a store it
// rests on applies; it reports whether it did.
func applyFaults(fs faults, r *Result) bool {
	if IsSkipped(*r) {
		return false
	}
	first := func(cands ...*fault) *fault {
		for _, c := range cands {
			if c != nil {
				return c
			}
		}
		return nil
	}
	// A missing offline column explains the results that failed for it
	// (a skew against a pinned reference may not need the offline store).
	off := fs.offline
	if r.Status != Error {
		off = nil
	}
	var f *fault
	switch r.Check {
	case KindFreshness, KindReplication:
		f = fs.key
	case KindCoverage:
		f = first(fs.key, off)
	case KindNullRate:
		if r.Store == StoreOnline {
			f = first(fs.key, fs.online[r.Feature])
		} else {
			f = first(off, fs.offlineF[r.Feature])
		}
	case KindConsistency, KindSkew:
		f = first(fs.key, fs.online[r.Feature], off, fs.offlineF[r.Feature])
	case KindDrift:
		f = off
	}
	if f == nil {
		return false
	}
	msg := f.msg
	if s := f.pos.String(); s != "" {
		msg = s + ": " + msg
	}
	r.Status = Error
	r.Error = "config: " + msg
	r.Message = fmt.Sprintf("%s could not run: config error: %s", r.Check, msg)
	r.Value = nil
	r.Tests, r.Histogram = nil, nil
	if r.Details == nil {
		r.Details = map[string]any{}
	}
	r.Details["config_error"] = f.pos.String()
	return true
}
