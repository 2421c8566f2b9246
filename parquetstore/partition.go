package parquetstore

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Partition pruning. A file under hive partition folders that name a time
// (dt=2026-12-01/, year=2026/month=12/day=01/hour=05/, event_hour=...) holds
// events of that time only, by the convention every writer of such layouts
// follows; a window sample skips, before opening them, the files whose
// partition lies wholly outside the window, an as-of lookup the files whose
// partition starts after every query time, and the newest-event lookup
// (Footer) the files whose partition ends before the newest event already
// found in newer partitions. Anything the rules below do not understand is
// never pruned.
//
// Understood, by key (case-insensitive):
//
//   - a date or time value under dt, ds, date, day, event_date, event_day,
//     event_dt, ts, timestamp, event_time, event_ts, event_timestamp, hour,
//     event_hour, or the view's timestamp column name;
//   - calendar parts: year, then month, day, hour (or hr), finest last:
//     year=2026/month=12/day=01/hour=05; a date key with an hour part
//     (dt=2026-12-01/hour=05) is that hour.
//
// Values: 2026-12-01 and 20261201 (a day); 2026-12-01T05, 2026-12-01 05,
// 2026-12-01-05 and 2026120105 (an hour; also any time value under an hour
// key); 2026-12-01T05:30, 2026-12-01 05:30:00[.fff] and RFC 3339 with Z or
// an offset. A time to the minute or second is the start of a partition of
// unknown length: it ends where the next listed partition starts, and the
// newest never ends. A value without a zone is read as UTC and its range is
// widened by 14 hours on each side (the largest UTC offset), so a writer
// that partitions by local date is never pruned wrongly. A partition folder
// with one of these keys whose value does not parse (a misspelt date,
// __HIVE_DEFAULT_PARTITION__, month without year) keeps its files from
// ever being pruned.

// partitionSlack widens the range of partition values without a zone.
const partitionSlack = 14 * time.Hour

// partSpan is the time range [lo, hi) (unix nanoseconds, slack included) a
// file's partitions allow; known is false when they allow any time.
type partSpan struct {
	lo, hi int64
	known  bool
}

// outside reports whether no event of sp can lie in [from, to].
func (sp partSpan) outside(from, to int64) bool {
	return sp.known && (sp.hi <= from || sp.lo > to)
}

var (
	dateKeys = []string{"dt", "ds", "date", "day", "event_date", "event_day", "event_dt",
		"ts", "timestamp", "event_time", "event_ts", "event_timestamp", "hour", "event_hour"}
	hourKeys = []string{"hour", "event_hour", "hr"}
)

// grain is how long a parsed partition value lasts.
type grain int

const (
	grainOpen grain = iota // to the next partition
	grainHour
	grainDay
	grainMonth
	grainYear
)

// rawSpan is a file's partition range before open ends and slack are
// settled.
type rawSpan struct {
	lo, hi int64 // hi meaningful unless open
	open   bool
	group  string // the time keys of an open value: its next is one of the same keys
	zoned  bool
	known  bool
}

// partitionSpans returns the range of every file's partitions (in refs'
// order). tsCol is the view's timestamp column.
func partitionSpans(refs []fileRef, tsCol string) []partSpan {
	raw := make([]rawSpan, len(refs))
	starts := map[string][]int64{} // of open-ended values, by keys
	for i, r := range refs {
		raw[i] = parsePartitions(r.hive, tsCol)
		if raw[i].known && raw[i].open {
			starts[raw[i].group] = append(starts[raw[i].group], raw[i].lo)
		}
	}
	for g, st := range starts {
		slices.Sort(st)
		starts[g] = slices.Compact(st)
	}
	out := make([]partSpan, len(refs))
	for i, r := range raw {
		if !r.known {
			continue
		}
		hi := r.hi
		if r.open {
			st := starts[r.group]
			j, found := slices.BinarySearch(st, r.lo)
			if found {
				j++
			}
			hi = math.MaxInt64
			if j < len(st) {
				hi = st[j]
			}
		}
		lo := r.lo
		if !r.zoned {
			lo = satAdd(lo, -int64(partitionSlack))
			hi = satAdd(hi, int64(partitionSlack))
		}
		out[i] = partSpan{lo: lo, hi: hi, known: true}
	}
	return out
}

func satAdd(a, d int64) int64 {
	switch {
	case a == math.MaxInt64 || a == math.MinInt64:
		return a
	case d > 0 && a > math.MaxInt64-d:
		return math.MaxInt64
	case d < 0 && a < math.MinInt64-d:
		return math.MinInt64
	}
	return a + d
}

// parsePartitions reads the time range of one file's partition values.
func parsePartitions(hive map[string]string, tsCol string) rawSpan {
	if len(hive) == 0 {
		return rawSpan{}
	}
	tsCol = strings.ToLower(tsCol)
	out := rawSpan{lo: math.MinInt64, hi: math.MaxInt64}
	parts := map[string]int{} // calendar parts: year, month, day, hour
	unzoned := false
	var keys []string
	for k, v := range hive {
		k = strings.ToLower(k)
		isHour := slices.Contains(hourKeys, k)
		part := ""
		switch {
		case k == "year" || k == "month":
			part = k
		case k == "day" && len(v) <= 2:
			part = k
		case isHour && len(v) <= 2:
			part = "hour"
		case !slices.Contains(dateKeys, k) && k != tsCol:
			continue // not a time partition
		}
		if part != "" {
			n, err := strconv.Atoi(v)
			if _, dup := parts[part]; err != nil || n < 0 || dup {
				return rawSpan{}
			}
			parts[part] = n
			continue
		}
		t, g, zoned, ok := parseStamp(v)
		if !ok {
			return rawSpan{}
		}
		keys = append(keys, k)
		if isHour && g == grainOpen {
			g = grainHour
		}
		unzoned = unzoned || !zoned
		if !intersect(&out, t, g) {
			return rawSpan{}
		}
		out.known = true
	}
	y, hasY := parts["year"]
	m, hasM := parts["month"]
	d, hasD := parts["day"]
	h, hasH := parts["hour"]
	if h > 23 || m > 12 || d > 31 {
		return rawSpan{}
	}
	switch {
	case hasY:
		if (hasD && !hasM) || (hasH && !hasD) || y < 1000 || y > 9999 || (hasM && m < 1) || (hasD && d < 1) {
			return rawSpan{}
		}
		t := time.Date(y, time.Month(max(m, 1)), max(d, 1), h, 0, 0, 0, time.UTC)
		if t.Day() != max(d, 1) {
			return rawSpan{} // 2026-02-30
		}
		g := grainYear
		switch {
		case hasH:
			g = grainHour
		case hasD:
			g = grainDay
		case hasM:
			g = grainMonth
		}
		unzoned = true
		if !intersect(&out, t, g) {
			return rawSpan{}
		}
		out.known = true
	case hasM || hasD:
		return rawSpan{} // a calendar part without its year
	case hasH:
		if !out.known || out.open || out.hi-out.lo != int64(24*time.Hour) {
			return rawSpan{} // an hour of what day?
		}
		out.lo += int64(time.Duration(h) * time.Hour)
		out.hi = out.lo + int64(time.Hour)
	}
	out.zoned = out.known && !unzoned
	slices.Sort(keys)
	out.group = strings.Join(keys, "/")
	return out
}

// intersect narrows out to the partition starting at t of grain g; false
// when the partitions contradict each other (nothing is pruned then).
func intersect(out *rawSpan, t time.Time, g grain) bool {
	lo := t.UnixNano()
	var hi int64
	switch g {
	case grainOpen:
		if !out.known {
			out.lo, out.open = lo, true
			return true
		}
		// An open value beside closed ones: it must lie in their range,
		// which it narrows from below.
		if lo < out.lo || lo >= out.hi {
			return false
		}
		out.lo = lo
		return true
	case grainHour:
		hi = t.Add(time.Hour).UnixNano()
	case grainDay:
		hi = t.AddDate(0, 0, 1).UnixNano()
	case grainMonth:
		hi = t.AddDate(0, 1, 0).UnixNano()
	case grainYear:
		hi = t.AddDate(1, 0, 0).UnixNano()
	}
	if out.open {
		if out.lo < lo || out.lo >= hi {
			return false
		}
		out.open, out.hi = false, hi
		return true
	}
	out.lo, out.hi = max(out.lo, lo), min(out.hi, hi)
	return out.lo < out.hi
}

// stampLayouts are the partition value formats, finest last within each
// grain.
var stampLayouts = []struct {
	layout string
	g      grain
	zoned  bool
}{
	{"2006-01-02", grainDay, false},
	{"20060102", grainDay, false},
	{"2006-01-02T15", grainHour, false},
	{"2006-01-02 15", grainHour, false},
	{"2006-01-02-15", grainHour, false},
	{"2006010215", grainHour, false},
	{"2006-01-02T15:04", grainOpen, false},
	{"2006-01-02 15:04", grainOpen, false},
	{"2006-01-02T15:04:05.999999999", grainOpen, false},
	{"2006-01-02 15:04:05.999999999", grainOpen, false},
	{time.RFC3339Nano, grainOpen, true},
	{"2006-01-02 15:04:05.999999999Z07:00", grainOpen, true},
	{"2006-01-02T15:04Z07:00", grainOpen, true},
}

// parseStamp parses a partition value: its start, how long it lasts,
// whether it carried a zone.
func parseStamp(v string) (time.Time, grain, bool, bool) {
	for _, l := range stampLayouts {
		if len(v) < len("20060102") {
			break
		}
		t, err := time.Parse(l.layout, v)
		if err == nil {
			return t.UTC(), l.g, l.zoned, true
		}
	}
	return time.Time{}, 0, false, false
}

// pruneWindow splits refs into those that may hold events in [from, to]
// and the number left out by their partitions.
func (s *Store) pruneWindow(refs []fileRef, from, to int64) ([]fileRef, int) {
	if s.v.NoPartitionPruning {
		return refs, 0
	}
	spans := partitionSpans(refs, s.v.TimestampColumn)
	kept := refs[:0:0]
	for i, r := range refs {
		if !spans[i].outside(from, to) {
			kept = append(kept, r)
		}
	}
	if n := len(refs) - len(kept); n > 0 {
		s.log.Debug("partitions pruned", "path", s.v.Path, "files", n)
	}
	return kept, len(refs) - len(kept)
}
