// Package sampletest is the contract every store implementing sample.Online
// or sample.Offline passes: a store's test supplies a factory that writes
// the suite's rows into a real instance of the store, and the suite checks
// what the checks rely on (populations, nulls, lookups by id, windows,
// point-in-time reads).
package sampletest

import (
	"context"
	"fmt"
	"math"
	"sort"
	"testing"
	"time"

	"github.com/fsmon/fsmon/sample"
)

// Features are the features of the suite's view (join key "id").
var Features = []sample.Feature{
	{Name: "x", Type: sample.Float64},
	{Name: "n", Type: sample.Int64},
	{Name: "c", Type: sample.String},
	{Name: "b", Type: sample.Bool},
}

// Row is one stored row. A feature missing from Values was never written
// (absent); a nil value is a null (empty value, Parquet null).
type Row struct {
	ID      int
	Time    time.Time
	HasTime bool
	Values  map[string]any
}

// Base is the suite's "now"; all times are whole seconds before it.
var Base = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func values(id int) map[string]any {
	v := map[string]any{"x": float64(id) / 4, "n": int64(id), "c": fmt.Sprintf("c%d", id%3), "b": id%2 == 0}
	switch id {
	case 3:
		v["x"] = nil
	case 4:
		delete(v, "c")
	}
	return v
}

// OnlineRows are written by an online factory: entities 1..25 hold the
// view's timestamp (i minutes before Base), 26..30 exist without it.
func OnlineRows() []Row {
	var rows []Row
	for id := 1; id <= 30; id++ {
		rows = append(rows, Row{ID: id, Time: Base.Add(-time.Duration(id) * time.Minute), HasTime: id <= 25, Values: values(id)})
	}
	return rows
}

// OfflineRows are written by an offline factory: for entities 1..30, one
// row 48h before Base and one (with n+100) 1h before Base, and one row of
// entity 31 exactly 2h before Base.
func OfflineRows() []Row {
	var rows []Row
	for id := 1; id <= 30; id++ {
		rows = append(rows, Row{ID: id, Time: Base.Add(-48 * time.Hour), HasTime: true, Values: values(id)})
		recent := values(id)
		recent["n"] = int64(id + 100)
		rows = append(rows, Row{ID: id, Time: Base.Add(-time.Hour), HasTime: true, Values: recent})
	}
	rows = append(rows, Row{ID: 31, Time: Base.Add(-2 * time.Hour), HasTime: true, Values: values(31)})
	return rows
}

// checkRow compares row i of s with the row written for it.
func checkRow(t *testing.T, s *sample.Sample, i int, want Row) {
	t.Helper()
	if got := s.Entities[i]; got != sample.JoinEntity(fmt.Sprint(want.ID)) {
		t.Errorf("row %d: entity %q, want %d", i, got, want.ID)
		return
	}
	if !s.HasTime[i] || s.Times[i] != want.Time.UnixNano() {
		t.Errorf("entity %d: time %v (has %v), want %v", want.ID, time.Unix(0, s.Times[i]).UTC(), s.HasTime[i], want.Time)
	}
	for _, f := range Features {
		col := s.Columns[f.Name]
		if col == nil {
			t.Fatalf("no column %s", f.Name)
		}
		v, written := want.Values[f.Name]
		if !written || v == nil {
			if !col.IsNull(i) {
				t.Errorf("entity %d %s: want null, got present", want.ID, f.Name)
			}
			continue
		}
		if col.IsNull(i) {
			t.Errorf("entity %d %s: null, want %v", want.ID, f.Name, v)
			continue
		}
		switch x := v.(type) {
		case float64:
			if math.Abs(col.Num[i]-x) > 1e-12 {
				t.Errorf("entity %d %s = %v, want %v", want.ID, f.Name, col.Num[i], x)
			}
		case int64:
			if col.Num[i] != float64(x) {
				t.Errorf("entity %d %s = %v, want %v", want.ID, f.Name, col.Num[i], x)
			}
		case string:
			if col.Str[i] != x {
				t.Errorf("entity %d %s = %q, want %q", want.ID, f.Name, col.Str[i], x)
			}
		case bool:
			if col.Str[i] != fmt.Sprint(x) {
				t.Errorf("entity %d %s = %q, want %v", want.ID, f.Name, col.Str[i], x)
			}
		}
	}
}

func byID(rows []Row) map[string]Row {
	m := map[string]Row{}
	for _, r := range rows {
		m[fmt.Sprint(r.ID)] = r
	}
	return m
}

// RunOnline runs the online contract against the store newStore returns
// after writing OnlineRows into it.
func RunOnline(t *testing.T, newStore func(t *testing.T, rows []Row) sample.Online) {
	ctx := context.Background()
	rows := OnlineRows()
	want := byID(rows)
	t.Run("WholePopulation", func(t *testing.T) {
		s, err := newStore(t, rows).Sample(ctx, 1000)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for i := 0; i < s.Len(); i++ {
			if !s.HasTime[i] {
				continue // an entity outside the population may be listed without a time
			}
			id := string(s.Entities[i])
			ids = append(ids, id)
			checkRow(t, s, i, want[id])
		}
		if len(ids) != 25 || !s.Complete {
			t.Fatalf("population: %d entities with the view's timestamp (complete %v), want all 25", len(ids), s.Complete)
		}
		sort.Strings(ids)
		for i := 1; i < len(ids); i++ {
			if ids[i] == ids[i-1] {
				t.Fatalf("entity %s sampled twice", ids[i])
			}
		}
	})
	t.Run("AtMostN", func(t *testing.T) {
		s, err := newStore(t, rows).Sample(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for i := 0; i < s.Len(); i++ {
			if s.HasTime[i] {
				n++
				checkRow(t, s, i, want[string(s.Entities[i])])
			}
		}
		if n != 10 || s.Complete {
			t.Fatalf("Sample(10): %d entities, complete %v", n, s.Complete)
		}
	})
	t.Run("LookupInOrder", func(t *testing.T) {
		q := []sample.Entity{"5", "99", "1", "27", "3"}
		s, err := newStore(t, rows).Lookup(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if s.Len() != len(q) {
			t.Fatalf("Lookup of %d entities returned %d rows", len(q), s.Len())
		}
		checkRow(t, s, 0, want["5"])
		checkRow(t, s, 2, want["1"])
		checkRow(t, s, 4, want["3"])
		for _, i := range []int{1, 3} { // never stored; stored without the view's timestamp
			if s.HasTime[i] {
				t.Errorf("row %d (%s): has a time", i, q[i])
			}
		}
		for _, f := range Features {
			if !s.Columns[f.Name].IsNull(1) {
				t.Errorf("missing entity: %s present", f.Name)
			}
		}
	})
}

// RunOffline runs the offline contract against the store newStore returns
// after writing OfflineRows into it.
func RunOffline(t *testing.T, newStore func(t *testing.T, rows []Row) sample.Offline) {
	ctx := context.Background()
	rows := OfflineRows()
	st := newStore(t, rows)
	t.Run("Footer", func(t *testing.T) {
		f, err := st.Footer(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !f.HasNewest || f.Newest != Base.Add(-time.Hour).UnixNano() || f.Rows != int64(len(rows)) {
			t.Fatalf("footer: newest %v (%v), rows %d; want %v, %d", time.Unix(0, f.Newest).UTC(), f.HasNewest, f.Rows, Base.Add(-time.Hour), len(rows))
		}
	})
	t.Run("WindowInclusive", func(t *testing.T) {
		s, err := st.Sample(ctx, sample.Window{From: Base.Add(-2 * time.Hour), To: Base}, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if s.Len() != 31 || !s.Complete {
			t.Fatalf("window: %d rows (complete %v), want the 30 recent rows and the one on its start", s.Len(), s.Complete)
		}
		want := map[string]Row{}
		for _, r := range rows {
			if !r.Time.Before(Base.Add(-2 * time.Hour)) {
				want[fmt.Sprint(r.ID)] = r
			}
		}
		for i := 0; i < s.Len(); i++ {
			checkRow(t, s, i, want[string(s.Entities[i])])
		}
	})
	t.Run("AtMostN", func(t *testing.T) {
		s, err := st.Sample(ctx, sample.Window{From: Base.Add(-72 * time.Hour), To: Base}, 7)
		if err != nil {
			t.Fatal(err)
		}
		if s.Len() != 7 || s.Complete {
			t.Fatalf("Sample(7): %d rows, complete %v", s.Len(), s.Complete)
		}
	})
	t.Run("AsOf", func(t *testing.T) {
		old, recent := byID(rows[0:1]), Row{}
		for _, r := range rows {
			if r.ID == 7 && r.Time.Equal(Base.Add(-time.Hour)) {
				recent = r
			}
			if r.ID == 7 && r.Time.Equal(Base.Add(-48*time.Hour)) {
				old = map[string]Row{"7": r}
			}
		}
		q := []sample.AsOf{
			{Entity: "7", Time: Base},                      // the recent row
			{Entity: "7", Time: Base.Add(-24 * time.Hour)}, // the old row
			{Entity: "7", Time: Base.Add(-time.Hour)},      // at the recent row's time: included
			{Entity: "7", Time: Base.Add(-72 * time.Hour)}, // before any row
			{Entity: "404", Time: Base},                    // unknown
		}
		s, err := st.AsOf(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if s.Len() != len(q) {
			t.Fatalf("AsOf of %d queries returned %d rows", len(q), s.Len())
		}
		checkRow(t, s, 0, recent)
		checkRow(t, s, 1, old["7"])
		checkRow(t, s, 2, recent)
		if s.HasTime[3] || s.HasTime[4] {
			t.Errorf("no row at or before the time: HasTime %v %v", s.HasTime[3], s.HasTime[4])
		}
	})
}
