package parquetstore

import (
	"context"
	"errors"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"

	"github.com/fsmon/fsmon/sample"
)

// hiveStore writes 1000 rows (100 drivers) in two hive partitions of 500
// rows, row groups of 128 rows.
func hiveStore(t *testing.T) string {
	root := t.TempDir()
	writeParquet(t, filepath.Join(root, "driver_stats/date=2026-11-01/part-0.parquet"), rowsRange(0, 500, 100), parquet.MaxRowsPerRowGroup(128))
	writeParquet(t, filepath.Join(root, "driver_stats/date=2026-11-02/part-0.parquet"), rowsRange(500, 1000, 100), parquet.MaxRowsPerRowGroup(128))
	return root
}

func TestFooterFromStatistics(t *testing.T) {
	root := hiveStore(t)
	s := newStore(t, root, "driver_stats/**/*.parquet")
	f, err := s.Footer(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := t0.Add(999 * time.Minute).UnixNano()
	if !f.HasNewest || f.Newest != want {
		t.Errorf("newest = %v (%v), want %v", time.Unix(0, f.Newest).UTC(), f.HasNewest, time.Unix(0, want).UTC())
	}
	if f.Rows != 1000 || f.Files != 2 || len(f.Problems) != 0 {
		t.Errorf("rows %d files %d problems %q, want 1000, 2, none", f.Rows, f.Files, f.Problems)
	}
	nulls, rows, err := s.NullCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Every 10th conv_rate is null: 100 of 1000; the other columns have none.
	if rows != 1000 || nulls["conv_rate"] != 100 || nulls["city"] != 0 || nulls["trips"] != 0 {
		t.Errorf("null counts %v of %d rows, want conv_rate 100 of 1000", nulls, rows)
	}
}

func TestFooterScanFallback(t *testing.T) {
	root := t.TempDir()
	// The newest row (999) is in the file without timestamp statistics, so
	// the footer must scan to find it.
	writeParquet(t, filepath.Join(root, "a.parquet"), rowsRange(0, 500, 100))
	p := filepath.Join(root, "b.parquet")
	writeParquet(t, p, rowsRange(500, 1000, 100), parquet.SkipPageBounds("event_timestamp"), parquet.MaxRowsPerRowGroup(300))
	// The test is only meaningful if the writer really left the bounds out.
	bs := newStore(t, root, "b.parquet")
	refs, _, err := bs.resolve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	of, err := bs.open(context.Background(), refs[0])
	if err != nil {
		t.Fatal(err)
	}
	tc, _, _ := lookupColumn(of.pf, "event_timestamp")
	conv, _ := timestampConv(tc)
	if _, _, ok := chunkBounds(of.pf, 0, tc.idx, tc, conv); ok {
		t.Fatal("b.parquet still has timestamp statistics")
	}
	of.Close()

	s := newStore(t, root, ".")
	f, err := s.Footer(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := t0.Add(999 * time.Minute).UnixNano(); !f.HasNewest || f.Newest != want {
		t.Errorf("newest = %v, want %v", time.Unix(0, f.Newest).UTC(), time.Unix(0, want).UTC())
	}
	// Windows must still be exact without the statistics.
	got, err := s.Sample(context.Background(), sample.Window{From: t0.Add(450 * time.Minute), To: t0.Add(549 * time.Minute)}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if got.Len() != 100 {
		t.Errorf("window [450, 549] holds %d rows, want 100", got.Len())
	}
	checkRows(t, got, 100)
}

// tsFile writes three rows whose event times are t0, t0+1h and t0+49h in the
// given encoding.
func TestTimestampEncodings(t *testing.T) {
	times := []time.Time{t0, t0.Add(time.Hour), t0.Add(49 * time.Hour)}
	days := []time.Time{t0, t0.Add(24 * time.Hour), t0.Add(48 * time.Hour)}
	int96 := func(tm time.Time) deprecated.Int96 {
		// Julian day number and nanoseconds of the day (Impala layout).
		day := tm.Unix()/86400 + 2440588
		ns := uint64(tm.UnixNano() % (86400 * 1e9))
		return deprecated.Int96{uint32(ns), uint32(ns >> 32), uint32(day)}
	}
	type nanosRow struct {
		TS int64 `parquet:"ts,timestamp(nanosecond)"`
	}
	type millisRow struct {
		TS int64 `parquet:"ts,timestamp(millisecond)"`
	}
	type timeRow struct {
		TS time.Time `parquet:"ts"`
	}
	type plainRow struct {
		TS int64 `parquet:"ts"`
	}
	type int96Row struct {
		TS deprecated.Int96 `parquet:"ts"`
	}
	type dateRow struct {
		TS int32 `parquet:"ts,date"`
	}
	cases := []struct {
		name  string
		write func(p string)
		want  []time.Time
	}{
		{"timestamp nanos", func(p string) {
			writeParquet(t, p, []nanosRow{{times[0].UnixNano()}, {times[1].UnixNano()}, {times[2].UnixNano()}})
		}, times},
		{"timestamp millis", func(p string) {
			writeParquet(t, p, []millisRow{{times[0].UnixMilli()}, {times[1].UnixMilli()}, {times[2].UnixMilli()}})
		}, times},
		{"time.Time", func(p string) {
			writeParquet(t, p, []timeRow{{times[0]}, {times[1]}, {times[2]}})
		}, times},
		{"plain int64 seconds", func(p string) {
			writeParquet(t, p, []plainRow{{times[0].Unix()}, {times[1].Unix()}, {times[2].Unix()}})
		}, times},
		{"plain int64 millis", func(p string) {
			writeParquet(t, p, []plainRow{{times[0].UnixMilli()}, {times[1].UnixMilli()}, {times[2].UnixMilli()}})
		}, times},
		{"plain int64 micros", func(p string) {
			writeParquet(t, p, []plainRow{{times[0].UnixMicro()}, {times[1].UnixMicro()}, {times[2].UnixMicro()}})
		}, times},
		{"plain int64 nanos", func(p string) {
			writeParquet(t, p, []plainRow{{times[0].UnixNano()}, {times[1].UnixNano()}, {times[2].UnixNano()}})
		}, times},
		{"int96", func(p string) {
			writeParquet(t, p, []int96Row{{int96(times[0])}, {int96(times[1])}, {int96(times[2])}})
		}, times},
		{"date", func(p string) {
			// 2026-11-01 is day 20758 since 1970-01-01.
			writeParquet(t, p, []dateRow{{20758}, {20759}, {20760}})
		}, days},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			c.write(filepath.Join(root, "ts.parquet"))
			s, err := New(View{Root: root, Path: "ts.parquet", TimestampColumn: "ts"})
			if err != nil {
				t.Fatal(err)
			}
			f, err := s.Footer(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !f.HasNewest || f.Newest != c.want[2].UnixNano() {
				t.Errorf("newest %v, want %v", time.Unix(0, f.Newest).UTC(), c.want[2])
			}
			// A window holding only the middle row, edges on its time.
			got, err := s.Sample(context.Background(), sample.Window{From: c.want[1], To: c.want[1]}, 10)
			if err != nil {
				t.Fatal(err)
			}
			if got.Len() != 1 || got.Times[0] != c.want[1].UnixNano() {
				t.Errorf("window at %v: %d rows, times %v", c.want[1], got.Len(), got.Times)
			}
		})
	}
}

func TestSampleWindowEdgesInclusive(t *testing.T) {
	root := hiveStore(t)
	s := newStore(t, root, "driver_stats")
	// Rows 100..299 inclusive: 200 rows, the edges are exact row times.
	w := sample.Window{From: t0.Add(100 * time.Minute), To: t0.Add(299 * time.Minute)}
	got, err := s.Sample(context.Background(), w, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if got.Len() != 200 || got.Population != 200 || !got.Complete {
		t.Fatalf("len %d population %d complete %v, want 200, 200, true", got.Len(), got.Population, got.Complete)
	}
	checkRows(t, got, 100)
	// Row groups of 128 rows: the window [100, 299] overlaps groups 0-2 of
	// the first file (384 rows); the other groups are pruned unread.
	if got.Scanned != 384 {
		t.Errorf("scanned %d rows, want 384 (row groups 0-2 of the first file)", got.Scanned)
	}
	seen := map[int]bool{}
	for _, ns := range got.Times {
		seen[rowIndex(t, ns)] = true
	}
	for i := 100; i <= 299; i++ {
		if !seen[i] {
			t.Fatalf("row %d missing from the window", i)
		}
	}
	nulls := 0
	for _, n := range got.Columns["conv_rate"].Nulls {
		if n != sample.Present {
			nulls++
		}
	}
	if nulls != 20 { // rows 100, 110, ..., 290
		t.Errorf("%d null conv_rate in the window, want 20", nulls)
	}
	// One nanosecond inside each edge drops both edge rows.
	w2 := sample.Window{From: w.From.Add(time.Nanosecond), To: w.To.Add(-time.Nanosecond)}
	got, err = s.Sample(context.Background(), w2, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if got.Len() != 198 {
		t.Errorf("open window holds %d rows, want 198", got.Len())
	}
	// A window before every row is empty, not an error.
	got, err = s.Sample(context.Background(), sample.Window{From: t0.Add(-time.Hour), To: t0.Add(-time.Minute)}, 10)
	if err != nil || got.Len() != 0 || got.Population != 0 {
		t.Errorf("empty window: %v rows, err %v", got, err)
	}
}

func TestSampleUniformAndRepeatable(t *testing.T) {
	root := hiveStore(t)
	w := sample.Window{From: t0, To: t0.Add(999 * time.Minute)}
	s := newStore(t, root, "driver_stats")
	a, err := s.Sample(context.Background(), w, 100)
	if err != nil {
		t.Fatal(err)
	}
	if a.Len() != 100 || a.Population != 1000 || a.Complete {
		t.Fatalf("len %d population %d complete %v, want 100, 1000, false", a.Len(), a.Population, a.Complete)
	}
	checkRows(t, a, 100)
	if !slices.IsSorted(a.Times) {
		t.Error("rows are not in file order")
	}
	if len(slices.Compact(slices.Clone(a.Times))) != 100 {
		t.Error("sample has repeated rows")
	}
	b, err := s.Sample(context.Background(), w, 100)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Times, b.Times) {
		t.Error("same seed gave different samples")
	}
	// Uniformity: over 100 seeds, each decile of the 1000 rows should get
	// 1/10 of the 10000 picks: binomial sd = sqrt(10000*0.1*0.9) = 30.
	deciles := make([]int, 10)
	for seed := int64(1); seed <= 100; seed++ {
		s := newStore(t, root, "driver_stats", func(v *View) { v.Seed = seed; v.Features = nil })
		got, err := s.Sample(context.Background(), w, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, ns := range got.Times {
			deciles[rowIndex(t, ns)/100]++
		}
		if seed == 2 && slices.Equal(got.Times, a.Times) {
			t.Error("seed 2 gave the default seed's sample")
		}
	}
	for d, n := range deciles {
		if n < 1000-150 || n > 1000+150 { // 5 sd
			t.Errorf("decile %d got %d of 10000 picks, want about 1000", d, n)
		}
	}
}

func TestChooseDistinctSorted(t *testing.T) {
	for _, total := range []int64{10, 1000, 1 << 29} { // the last uses the map path
		p := choose(total, 10, 7)
		if len(p) != 10 || !slices.IsSorted(p) || len(slices.Compact(slices.Clone(p))) != 10 || p[0] < 0 || p[9] >= total {
			t.Errorf("choose(%d, 10) = %v", total, p)
		}
	}
}

func TestBadFiles(t *testing.T) {
	root := t.TempDir()
	good := filepath.Join(root, "v/good.parquet")
	writeParquet(t, good, rowsRange(0, 300, 10))
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "v/truncated.parquet"), data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "v/notparquet.parquet"), []byte("name,value\nx,1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Valid footer, garbage pages: the footer is fine, reading data fails.
	garbled := slices.Clone(data)
	for i := 4; i < len(garbled)/3; i++ {
		garbled[i] = 0xff
	}
	if err := os.WriteFile(filepath.Join(root, "v/garbled.parquet"), garbled, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "v/empty.parquet"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s := newStore(t, root, "v/*.parquet")
	f, err := s.Footer(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if f.Rows < 300 {
		t.Errorf("rows = %d, want the good file's 300 at least", f.Rows)
	}
	for _, name := range []string{"v/truncated.parquet", "v/notparquet.parquet", "v/empty.parquet"} {
		if !mentionsKind(f.Problems, sample.BadFile, name) {
			t.Errorf("footer problems %q do not name %s", f.Problems, name)
		}
	}
	got, err := s.Sample(context.Background(), sample.Window{From: t0, To: t0.Add(1000 * time.Minute)}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"v/truncated.parquet", "v/notparquet.parquet"} {
		if !mentionsKind(got.Problems, sample.BadFile, name) {
			t.Errorf("sample problems %q do not name %s", got.Problems, name)
		}
	}
	if !mentions(got.Problems, "v/garbled.parquet") {
		t.Errorf("sample problems %q do not name v/garbled.parquet", got.Problems)
	}
	// good, garbled (footer readable) and the others skipped.
	if got.Reads.FilesSkipped < 2 || got.Reads.Files < 1 || got.Reads.Files+got.Reads.FilesSkipped != 5 {
		t.Errorf("Reads = %+v, want 5 files in all, 2 or more skipped", got.Reads)
	}
	if f.Reads.FilesSkipped != 3 || f.Reads.Files != 2 {
		t.Errorf("footer Reads = %+v, want 2 files read, 3 skipped", f.Reads)
	}
	if got.Len() != 300 {
		t.Errorf("sample has %d rows, want the good file's 300", got.Len())
	}
	checkRows(t, got, 10)

	// Every file bad: an error naming them.
	bad := newStore(t, root, "v/[nte]*.parquet")
	_, err = bad.Footer(context.Background())
	if err == nil || !strings.Contains(err.Error(), "v/truncated.parquet") || !strings.Contains(err.Error(), "v/notparquet.parquet") {
		t.Errorf("all bad: error %v, want one naming the files", err)
	}
	if _, err := bad.Sample(context.Background(), sample.Window{From: t0, To: t0.Add(time.Hour)}, 10); err == nil {
		t.Error("all bad: sample did not fail")
	}
	if _, err := bad.AsOf(context.Background(), []sample.AsOf{{Entity: "1", Time: t0}}); err == nil {
		t.Error("all bad: AsOf did not fail")
	}
	// No file at all.
	for _, p := range []string{"nothing/**/*.parquet", "nothing", "v/*.csv"} {
		none := newStore(t, root, p)
		if _, err := none.Footer(context.Background()); !errors.Is(err, ErrNoFiles) {
			t.Errorf("no files for %s: error %v, want ErrNoFiles", p, err)
		}
	}
}

func mentions(problems []sample.Problem, name string) bool {
	return mentionsKind(problems, "", name)
}

// mentionsKind reports whether a problem of kind k (any kind when empty)
// has name in its message.
func mentionsKind(problems []sample.Problem, k sample.ProblemKind, name string) bool {
	for _, p := range problems {
		if (k == "" || p.Kind == k) && strings.Contains(p.Message, name) {
			return true
		}
	}
	return false
}

// otherRow lacks conv_rate and stores city as an integer.
type otherRow struct {
	DriverID int64   `parquet:"driver_id"`
	TS       int64   `parquet:"event_timestamp,timestamp(microsecond)"`
	AccRate  float64 `parquet:"acc_rate"`
	Trips    int64   `parquet:"trips"`
	City     int64   `parquet:"city"`
	Active   bool    `parquet:"active"`
}

func TestMissingColumnAndWrongType(t *testing.T) {
	root := t.TempDir()
	writeParquet(t, filepath.Join(root, "a.parquet"), rowsRange(0, 50, 10))
	var other []otherRow
	for i := 50; i < 80; i++ {
		r := mkRow(i, 10)
		other = append(other, otherRow{DriverID: r.DriverID, TS: r.TS, AccRate: float64(r.AccRate), Trips: int64(i), City: 7, Active: r.Active})
	}
	writeParquet(t, filepath.Join(root, "b.parquet"), other)
	s := newStore(t, root, "*.parquet")
	got, err := s.Sample(context.Background(), sample.Window{From: t0, To: t0.Add(time.Hour * 24)}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if got.Len() != 80 {
		t.Fatalf("%d rows, want 80", got.Len())
	}
	if !mentionsKind(got.Problems, sample.MissingColumn, "file b.parquet has no column conv_rate") {
		t.Errorf("problems %q lack the missing column", got.Problems)
	}
	if !mentionsKind(got.Problems, sample.ColumnType, "b.parquet column city") {
		t.Errorf("problems %q lack the wrong type", got.Problems)
	}
	for j := range got.Len() {
		i := rowIndex(t, got.Times[j])
		conv, city, trips := got.Columns["conv_rate"], got.Columns["city"], got.Columns["trips"]
		if i < 50 {
			continue
		}
		if conv.Nulls[j] != sample.Absent {
			t.Fatalf("row %d from b: conv_rate %d, want Absent", i, conv.Nulls[j])
		}
		if city.Nulls[j] != sample.Invalid {
			t.Fatalf("row %d from b: city %d, want Invalid", i, city.Nulls[j])
		}
		// int64 column for an int32 feature: numeric, fits.
		if trips.Nulls[j] != sample.Present || trips.Num[j] != float64(i) {
			t.Fatalf("row %d from b: trips %v", i, trips.Num[j])
		}
	}
	nulls, rows, err := s.NullCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// a: rows 0,10,20,30,40 null; b: no column, all 30 rows null.
	if rows != 80 || nulls["conv_rate"] != 5+30 {
		t.Errorf("null counts %v of %d, want conv_rate 35 of 80", nulls, rows)
	}
}

func TestNaNIsEmpty(t *testing.T) {
	type r struct {
		TS int64   `parquet:"ts,timestamp(millisecond)"`
		X  float64 `parquet:"x"`
	}
	root := t.TempDir()
	writeParquet(t, filepath.Join(root, "x.parquet"), []r{{t0.UnixMilli(), 1.5}, {t0.UnixMilli() + 1, math.NaN()}})
	s, err := New(View{Root: root, Path: "x.parquet", TimestampColumn: "ts", Features: []sample.Feature{{Name: "x", Type: sample.Float64}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Sample(context.Background(), sample.Window{From: t0, To: t0.Add(time.Second)}, 10)
	if err != nil {
		t.Fatal(err)
	}
	x := got.Columns["x"]
	if got.Len() != 2 || x.Nulls[0] != sample.Present || x.Num[0] != 1.5 || x.Nulls[1] != sample.Empty {
		t.Errorf("got %v %v, want [1.5 Present] [Empty]", x.Num, x.Nulls)
	}
}

func TestResolveGlobsAndHive(t *testing.T) {
	root := t.TempDir()
	writeParquet(t, filepath.Join(root, "driver_stats/region=eu/date=2026-11-01/part-0.parquet"), rowsRange(0, 10, 5))
	writeParquet(t, filepath.Join(root, "driver_stats/region=us/date=2026-11-01/part-0.parquet"), rowsRange(10, 20, 5))
	writeParquet(t, filepath.Join(root, "driver_stats/region=us/date=2026-11-02/part-0.parquet"), rowsRange(20, 30, 5))
	writeParquet(t, filepath.Join(root, "driver_stats/top.parquet"), rowsRange(30, 40, 5))
	writeParquet(t, filepath.Join(root, "other/x.parquet"), rowsRange(0, 10, 5))
	os.WriteFile(filepath.Join(root, "driver_stats/_SUCCESS"), nil, 0o644)
	os.WriteFile(filepath.Join(root, "driver_stats/.part-0.parquet.crc"), []byte("crc"), 0o644)
	cases := []struct {
		path string
		want []string
	}{
		{"driver_stats/**/*.parquet", []string{
			"driver_stats/region=eu/date=2026-11-01/part-0.parquet",
			"driver_stats/region=us/date=2026-11-01/part-0.parquet",
			"driver_stats/region=us/date=2026-11-02/part-0.parquet",
			"driver_stats/top.parquet"}},
		{"driver_stats/*/date=2026-11-01/*.parquet", []string{
			"driver_stats/region=eu/date=2026-11-01/part-0.parquet",
			"driver_stats/region=us/date=2026-11-01/part-0.parquet"}},
		{"**/region=us/**", []string{
			"driver_stats/region=us/date=2026-11-01/part-0.parquet",
			"driver_stats/region=us/date=2026-11-02/part-0.parquet"}},
		{"driver_stats", []string{ // directory: skips _SUCCESS and .crc
			"driver_stats/region=eu/date=2026-11-01/part-0.parquet",
			"driver_stats/region=us/date=2026-11-01/part-0.parquet",
			"driver_stats/region=us/date=2026-11-02/part-0.parquet",
			"driver_stats/top.parquet"}},
		{"other/x.parquet", []string{"other/x.parquet"}},
	}
	for _, c := range cases {
		s := newStore(t, root, c.path)
		refs, problems, err := s.resolve(context.Background())
		if err != nil {
			t.Fatalf("%s: %v", c.path, err)
		}
		var got []string
		for _, r := range refs {
			got = append(got, r.name)
		}
		if !slices.Equal(got, c.want) || len(problems) != 0 {
			t.Errorf("%s: got %q (problems %q), want %q", c.path, got, problems, c.want)
		}
	}
	// A partition key declared as a feature comes from the folder name.
	s := newStore(t, root, "driver_stats/**/part-0.parquet", func(v *View) {
		v.Features = []sample.Feature{{Name: "region", Type: sample.String}, {Name: "trips", Type: sample.Int32}}
	})
	// The whole time: the data of date=2026-11-02 is of 11-01 (a window
	// would prune that partition).
	got, err := s.Sample(context.Background(), sample.Window{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	if got.Len() != 30 || len(got.Problems) != 0 {
		t.Fatalf("%d rows, problems %q; want 30, none", got.Len(), got.Problems)
	}
	for j := range got.Len() {
		i := rowIndex(t, got.Times[j])
		want := "us"
		if i < 10 {
			want = "eu"
		}
		if r := got.Columns["region"]; r.Nulls[j] != sample.Present || r.Str[j] != want {
			t.Errorf("row %d: region %q, want %q", i, r.Str[j], want)
		}
	}
	if _, err := New(View{Root: root, Path: "driver_stats/[", TimestampColumn: "ts"}); err == nil {
		t.Error("bad glob accepted")
	}
}

func TestHivePartitionValues(t *testing.T) {
	got := hivePartitions("v/region=eu%2Fwest/date=2026-11-01/hour=__HIVE_DEFAULT_PARTITION__/plain/part-0.parquet")
	want := map[string]string{"region": "eu/west", "date": "2026-11-01", "hour": "__HIVE_DEFAULT_PARTITION__"}
	if !maps.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestNewFilesArePickedUp(t *testing.T) {
	root := t.TempDir()
	writeParquet(t, filepath.Join(root, "v/a.parquet"), rowsRange(0, 10, 5))
	s := newStore(t, root, "v")
	f, err := s.Footer(context.Background())
	if err != nil || f.Rows != 10 {
		t.Fatalf("rows %v err %v", f, err)
	}
	writeParquet(t, filepath.Join(root, "v/b.parquet"), rowsRange(10, 25, 5))
	f, err = s.Footer(context.Background())
	if err != nil || f.Rows != 25 || f.Newest != t0.Add(24*time.Minute).UnixNano() {
		t.Fatalf("after a new file: %+v err %v", f, err)
	}
}

func TestAsOf(t *testing.T) {
	root := t.TempDir()
	// 1000 rows, driver i%50, split over two files (and row groups of 100).
	writeParquet(t, filepath.Join(root, "v/a.parquet"), rowsRange(0, 400, 50), parquet.MaxRowsPerRowGroup(100))
	writeParquet(t, filepath.Join(root, "v/b.parquet"), rowsRange(400, 1000, 50), parquet.MaxRowsPerRowGroup(100))
	s := newStore(t, root, "v")
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	queries := []sample.AsOf{
		{Entity: "7", Time: at(300)},          // rows 7, 57, ..., 257, 307: newest <= 300 is 257
		{Entity: "7", Time: at(257)},          // exact time: 257
		{Entity: "7", Time: at(6)},            // before driver 7's first row
		{Entity: "999", Time: at(500)},        // unknown driver
		{Entity: "10", Time: at(315)},         // row 310: conv_rate null
		{Entity: "49", Time: at(100000)},      // newest of all: 999
		{Entity: "20", Time: at(420).Add(-1)}, // row 420 is 1ns late: 370
	}
	got, err := s.AsOf(context.Background(), queries)
	if err != nil {
		t.Fatal(err)
	}
	want := []int{257, 257, -1, -1, 310, 999, 370}
	if got.Len() != len(queries) {
		t.Fatalf("%d rows for %d queries", got.Len(), len(queries))
	}
	for q, w := range want {
		if string(got.Entities[q]) != string(queries[q].Entity) {
			t.Errorf("query %d: entity %q", q, got.Entities[q])
		}
		if w < 0 {
			if got.HasTime[q] || got.Columns["conv_rate"].Nulls[q] != sample.Absent {
				t.Errorf("query %d: found a row at %v, want none", q, time.Unix(0, got.Times[q]).UTC())
			}
			continue
		}
		if !got.HasTime[q] || got.Times[q] != at(w).UnixNano() {
			t.Errorf("query %d: row at %v, want row %d", q, time.Unix(0, got.Times[q]).UTC(), w)
			continue
		}
		one := &sample.Sample{Entities: got.Entities[q : q+1], Times: got.Times[q : q+1], HasTime: got.HasTime[q : q+1], Columns: map[string]*sample.Column{}}
		for name, c := range got.Columns {
			oc := &sample.Column{Nulls: c.Nulls[q : q+1]}
			if c.Num != nil {
				oc.Num = c.Num[q : q+1]
			}
			if c.Str != nil {
				oc.Str = c.Str[q : q+1]
			}
			one.Columns[name] = oc
		}
		checkRows(t, one, 50)
	}
}

func TestAsOfCompoundKey(t *testing.T) {
	type r struct {
		A  int64  `parquet:"a"`
		B  string `parquet:"b"`
		TS int64  `parquet:"ts"`
		X  int32  `parquet:"x"`
	}
	root := t.TempDir()
	rows := []r{
		{1, "p", t0.Unix(), 10},
		{1, "q", t0.Unix() + 1, 11},
		{1, "p", t0.Unix() + 2, 12},
		{2, "p", t0.Unix() + 3, 13},
	}
	writeParquet(t, filepath.Join(root, "x.parquet"), rows)
	s, err := New(View{Root: root, Path: "x.parquet", TimestampColumn: "ts", Entities: []string{"a", "b"},
		Features: []sample.Feature{{Name: "x", Type: sample.Int32}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.AsOf(context.Background(), []sample.AsOf{
		{Entity: sample.JoinEntity("1", "p"), Time: t0.Add(time.Hour)},
		{Entity: sample.JoinEntity("1", "q"), Time: t0.Add(time.Hour)},
		{Entity: sample.JoinEntity("2", "q"), Time: t0.Add(time.Hour)},
	})
	if err != nil {
		t.Fatal(err)
	}
	x := got.Columns["x"]
	if !got.HasTime[0] || x.Num[0] != 12 || !got.HasTime[1] || x.Num[1] != 11 || got.HasTime[2] {
		t.Errorf("got x %v has %v, want 12, 11, none", x.Num, got.HasTime)
	}
	// A single string entity: "p" rows are x 10, 12, 13 (newest 13 at +3s);
	// at +2s the newest "p" row is x 12.
	s, err = New(View{Root: root, Path: "x.parquet", TimestampColumn: "ts", Entities: []string{"b"},
		Features: []sample.Feature{{Name: "x", Type: sample.Int32}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err = s.AsOf(context.Background(), []sample.AsOf{
		{Entity: "p", Time: t0.Add(time.Hour)},
		{Entity: "p", Time: t0.Add(2 * time.Second)},
		{Entity: "q", Time: t0},
	})
	if err != nil {
		t.Fatal(err)
	}
	x = got.Columns["x"]
	if !got.HasTime[0] || x.Num[0] != 13 || !got.HasTime[1] || x.Num[1] != 12 || got.HasTime[2] {
		t.Errorf("string entity: got x %v has %v, want 13, 12, none", x.Num, got.HasTime)
	}
}

// TestAsOfTiesLastInFileOrder: rows of an entity at the same newest time
// answer with the last in file order (the later file, and within a file
// the later row), whatever order the files are read in, for an integer
// entity column (looked up by value) and a string one (by text).
func TestAsOfTiesLastInFileOrder(t *testing.T) {
	type r struct {
		A  int64  `parquet:"a"`
		B  string `parquet:"b"`
		TS int64  `parquet:"ts"`
		X  int32  `parquet:"x"`
	}
	root := t.TempDir()
	ts := t0.Unix()
	writeParquet(t, filepath.Join(root, "v/a.parquet"), []r{{1, "p", ts, 10}, {2, "q", ts, 20}, {2, "q", ts, 21}, {3, "s", ts + 5, 30}})
	writeParquet(t, filepath.Join(root, "v/b.parquet"), []r{{1, "p", ts, 11}, {3, "s", ts, 31}})
	writeParquet(t, filepath.Join(root, "v/c.parquet"), []r{{4, "u", ts, 40}})
	queries := []sample.AsOf{{Entity: "1", Time: t0}, {Entity: "2", Time: t0}, {Entity: "3", Time: t0.Add(time.Hour)}, {Entity: "3", Time: t0}, {Entity: "1", Time: t0}}
	want := []float64{11, 21, 30, 31, 11}
	for _, ent := range []string{"a", "b"} {
		for _, workers := range []int{1, 3} {
			s, err := New(View{Root: root, Path: "v/*.parquet", TimestampColumn: "ts", Entities: []string{ent}, Workers: workers,
				Features: []sample.Feature{{Name: "x", Type: sample.Int32}}})
			if err != nil {
				t.Fatal(err)
			}
			qs := slices.Clone(queries)
			if ent == "b" {
				for i, q := range qs {
					qs[i].Entity = sample.Entity(map[sample.Entity]string{"1": "p", "2": "q", "3": "s"}[q.Entity])
				}
			}
			got, err := s.AsOf(context.Background(), qs)
			if err != nil {
				t.Fatal(err)
			}
			for q, w := range want {
				if !got.HasTime[q] || got.Columns["x"].Num[q] != w {
					t.Errorf("entity column %s, %d workers, query %d: x %v (found %v), want %v", ent, workers, q, got.Columns["x"].Num[q], got.HasTime[q], w)
				}
			}
		}
	}
}

func TestNullTimestampsAreOutsideEveryWindow(t *testing.T) {
	type r struct {
		TS *int64 `parquet:"ts,optional,timestamp(millisecond)"`
		X  int64  `parquet:"x"`
	}
	ms := func(min int) *int64 { v := t0.Add(time.Duration(min) * time.Minute).UnixMilli(); return &v }
	root := t.TempDir()
	writeParquet(t, filepath.Join(root, "x.parquet"), []r{{ms(0), 0}, {nil, 1}, {ms(2), 2}, {nil, 3}, {ms(4), 4}})
	s, err := New(View{Root: root, Path: "x.parquet", TimestampColumn: "ts", Entities: []string{"x"}, Features: []sample.Feature{{Name: "x", Type: sample.Int64}}})
	if err != nil {
		t.Fatal(err)
	}
	f, err := s.Footer(context.Background())
	if err != nil || f.Newest != t0.Add(4*time.Minute).UnixNano() || f.Rows != 5 {
		t.Fatalf("footer %+v err %v, want newest t0+4m of 5 rows", f, err)
	}
	got, err := s.Sample(context.Background(), sample.Window{From: t0, To: t0.Add(time.Hour)}, 10)
	if err != nil {
		t.Fatal(err)
	}
	x := got.Columns["x"]
	if got.Len() != 3 || x.Num[0] != 0 || x.Num[1] != 2 || x.Num[2] != 4 || got.Entities[1] != "2" {
		t.Errorf("got %d rows x=%v entities %q, want rows 0, 2, 4", got.Len(), x.Num, got.Entities)
	}
}

// snapshot lists every file under root with its size and modification time.
func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		m[p] = info.ModTime().String() + "/" + strconv.FormatInt(info.Size(), 10) + "/" + info.Mode().String()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestNeverWrites(t *testing.T) {
	root := hiveStore(t)
	before := snapshot(t, root)
	s := newStore(t, root, "driver_stats/**/*.parquet")
	ctx := context.Background()
	if _, err := s.Footer(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.NullCounts(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sample(ctx, sample.Window{From: t0, To: t0.Add(time.Hour)}, 10); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AsOf(ctx, []sample.AsOf{{Entity: "1", Time: t0.Add(time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	if after := snapshot(t, root); !maps.Equal(before, after) {
		t.Errorf("the store changed:\nbefore %v\nafter  %v", before, after)
	}
}

func TestPanicsBecomeErrorsNamingTheFile(t *testing.T) {
	err := guard("v/part-0.parquet", func() error { panic("index out of range") })
	if err == nil || !strings.Contains(err.Error(), "v/part-0.parquet") || !strings.Contains(err.Error(), "index out of range") {
		t.Errorf("guard: %v", err)
	}
}

func TestCancelledContext(t *testing.T) {
	root := hiveStore(t)
	s := newStore(t, root, "driver_stats")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Footer(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("footer: %v", err)
	}
	if _, err := s.Sample(ctx, sample.Window{From: t0, To: t0.Add(time.Hour)}, 10); !errors.Is(err, context.Canceled) {
		t.Errorf("sample: %v", err)
	}
	if _, err := s.AsOf(ctx, []sample.AsOf{{Entity: "1", Time: t0}}); !errors.Is(err, context.Canceled) {
		t.Errorf("as-of: %v", err)
	}
}

func TestDecimalAndUnsignedColumns(t *testing.T) {
	type r struct {
		TS    int64  `parquet:"ts,timestamp(millisecond)"`
		Price int64  `parquet:"price,decimal(2:12)"`
		Small int32  `parquet:"small,decimal(1:5)"`
		Big   uint64 `parquet:"big"`
	}
	root := t.TempDir()
	writeParquet(t, filepath.Join(root, "x.parquet"), []r{{t0.UnixMilli(), 12345, -15, 1 << 63}})
	s, err := New(View{Root: root, Path: "x.parquet", TimestampColumn: "ts", Features: []sample.Feature{
		{Name: "price", Type: sample.Float64}, {Name: "small", Type: sample.Float32}, {Name: "big", Type: sample.Float64}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Sample(context.Background(), sample.Window{From: t0, To: t0}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got.Len() != 1 {
		t.Fatalf("%d rows, want 1", got.Len())
	}
	// 12345 at scale 2 is 123.45; -15 at scale 1 is -1.5; 2^63 unsigned.
	if p := got.Columns["price"]; p.Nulls[0] != sample.Present || p.Num[0] != 123.45 {
		t.Errorf("price %v (%d), want 123.45", p.Num[0], p.Nulls[0])
	}
	if p := got.Columns["small"]; p.Nulls[0] != sample.Present || p.Num[0] != -1.5 {
		t.Errorf("small %v, want -1.5", p.Num[0])
	}
	if p := got.Columns["big"]; p.Nulls[0] != sample.Present || p.Num[0] != 9223372036854775808 {
		t.Errorf("big %v, want 2^63", p.Num[0])
	}
}
