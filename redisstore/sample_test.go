package redisstore

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fsmon/fsmon/sample"
)

var driverFeatures = []sample.Feature{
	{Name: "conv_rate", Type: sample.Float64},
	{Name: "trips", Type: sample.Int64},
	{Name: "active", Type: sample.Bool},
	{Name: "city", Type: sample.String},
}

// loadDrivers writes the hash-layout fixture. Expected values below are
// written by hand from it.
func loadDrivers(t *testing.T, addr string) {
	c := writer(t, addr)
	hset(t, c, "fs:driver:1", "event_ts", "1700000000", "conv_rate", "0.5", "trips", "10", "active", "true", "city", "Paris")
	hset(t, c, "fs:driver:2", "event_ts", "2024-05-01T12:00:00Z", "conv_rate", "", "active", "0", "city", "")
	hset(t, c, "fs:driver:3", "event_ts", "1700000000.25", "conv_rate", "NaN", "trips", "abc", "active", "yes", "city", "Lyon")
	hset(t, c, "fs:driver:4", "conv_rate", "0.1") // no timestamp: not in the population
	set(t, c, "fs:driver:5", "not a hash")
	hset(t, c, "fs:driver:6", "event_ts", "yesterday", "conv_rate", "1")
	hset(t, c, "fs:driver:[7]", "event_ts", "1700000001", "conv_rate", "2.5e-3", "trips", "-4", "active", "FALSE", "city", "a b")
	hset(t, c, "fs:drivers:9", "event_ts", "1700000000", "conv_rate", "9")
	hset(t, c, "other:1", "event_ts", "1700000000")
}

var (
	p = sample.Present
	// wantDriver1 etc. are the hand-decoded rows of loadDrivers.
	wantDriver1 = row{Entity: "1", HasTime: true, Time: sec(1700000000), Vals: map[string]cell{
		"conv_rate": {p, 0.5, ""}, "trips": {p, 10, ""}, "active": {p, 0, "true"}, "city": {p, 0, "Paris"}}}
	wantDriver2 = row{Entity: "2", HasTime: true, Time: sec(1714564800), Vals: map[string]cell{
		"conv_rate": {Null: sample.Empty}, "trips": {Null: sample.Absent}, "active": {p, 0, "false"}, "city": {Null: sample.Empty}}}
	wantDriver3 = row{Entity: "3", HasTime: true, Time: sec(1700000000) + 250_000_000, Vals: map[string]cell{
		"conv_rate": {Null: sample.Empty}, "trips": {Null: sample.Invalid}, "active": {Null: sample.Invalid}, "city": {p, 0, "Lyon"}}}
	wantDriver7 = row{Entity: "[7]", HasTime: true, Time: sec(1700000001), Vals: map[string]cell{
		"conv_rate": {p, 0.0025, ""}, "trips": {p, -4, ""}, "active": {p, 0, "false"}, "city": {p, 0, "a b"}}}
)

func driverView() View {
	return View{Name: "driver_hourly_stats", Layout: LayoutHash, Key: "fs:driver:{driver_id}",
		Entities: []string{"driver_id"}, TimestampField: "event_ts", Features: driverFeatures}
}

func TestHashSample(t *testing.T) {
	srv := start(t)
	loadDrivers(t, srv.Addr)
	s := newStore(t, Options{Addr: srv.Addr, RateLimit: 5000})
	vs := newView(t, s, driverView())
	smp, err := vs.Sample(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	got := sortRows(rows(t, smp, driverFeatures))
	want := []row{wantDriver1, wantDriver2, wantDriver3, wantDriver7}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rows:\n got %+v\nwant %+v", got, want)
	}
	if !smp.Complete || smp.Population != 4 {
		t.Errorf("Complete=%v Population=%d, want true 4", smp.Complete, smp.Population)
	}
	// fs:driver:1..6 and fs:driver:[7] match the pattern.
	if smp.Scanned != 7 {
		t.Errorf("Scanned = %d, want 7", smp.Scanned)
	}
	wantProblems := []sample.Problem{
		{Kind: sample.WrongRedisType, Count: 1, Message: "1 keys matching the key template are not hashes"},
		{Kind: sample.BadTimestamp, Count: 1, Message: "1 entities have an event timestamp that does not parse"},
		{Kind: sample.NoTimestamp, Count: 1, Message: "1 entities have no event timestamp (not in the view's online population)"},
		{Kind: sample.InvalidValue, Count: 1, Message: "feature trips: 1 values do not parse as int64"},
		{Kind: sample.InvalidValue, Count: 1, Message: "feature active: 1 values do not parse as bool"},
	}
	if !reflect.DeepEqual(smp.Problems, wantProblems) {
		t.Errorf("Problems:\n got %q\nwant %q", smp.Problems, wantProblems)
	}
	// 7 keys match the pattern; fs:driver:[7] holds a string, not a hash.
	if want := (sample.Reads{Keys: 7, KeysSkipped: 1}); smp.Reads != want {
		t.Errorf("Reads = %+v, want %+v", smp.Reads, want)
	}
}

func TestHashSampleCompoundKey(t *testing.T) {
	srv := start(t)
	c := writer(t, srv.Addr)
	hset(t, c, "trip:Paris:1", "ts", "100", "fare", "12.5")
	hset(t, c, "trip:New York:22", "ts", "200", "fare", "")
	hset(t, c, "trip:a:b:3", "ts", "300")
	hset(t, c, "trip:Lyon", "ts", "400") // matches "trip:*:*"? no: needs two colons
	feats := []sample.Feature{{Name: "fare", Type: sample.Float32}}
	s := newStore(t, Options{Addr: srv.Addr})
	// Entities in another order than in the key: the entity text follows
	// the Entities order.
	vs := newView(t, s, View{Name: "trips", Layout: LayoutHash, Key: "trip:{city}:{driver_id}",
		Entities: []string{"driver_id", "city"}, TimestampField: "ts", Features: feats})
	smp, err := vs.Sample(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	got := sortRows(rows(t, smp, feats))
	want := []row{
		{Entity: "1\x1fParis", HasTime: true, Time: sec(100), Vals: map[string]cell{"fare": {p, 12.5, ""}}},
		{Entity: "22\x1fNew York", HasTime: true, Time: sec(200), Vals: map[string]cell{"fare": {Null: sample.Empty}}},
		{Entity: "b:3\x1fa", HasTime: true, Time: sec(300), Vals: map[string]cell{"fare": {Null: sample.Absent}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rows:\n got %+v\nwant %+v", got, want)
	}

	lk, err := vs.Lookup(context.Background(), []sample.Entity{
		sample.JoinEntity("22", "New York"), sample.JoinEntity("1"), sample.JoinEntity("1", "Lyon")})
	if err != nil {
		t.Fatal(err)
	}
	gotL := rows(t, lk, feats)
	wantL := []row{
		{Entity: "22\x1fNew York", HasTime: true, Time: sec(200), Vals: map[string]cell{"fare": {Null: sample.Empty}}},
		{Entity: "1", Vals: map[string]cell{"fare": {Null: sample.Absent}}},
		{Entity: "1\x1fLyon", Vals: map[string]cell{"fare": {Null: sample.Absent}}},
	}
	if !reflect.DeepEqual(gotL, wantL) {
		t.Errorf("lookup rows:\n got %+v\nwant %+v", gotL, wantL)
	}
	if len(lk.Problems) != 1 || lk.Problems[0].Kind != sample.KeyLayout || !strings.HasPrefix(lk.Problems[0].Message, "1 entities could not be turned into keys") {
		t.Errorf("lookup problems = %q", lk.Problems)
	}
}

func TestHashSampleEscapesGlobInTemplate(t *testing.T) {
	srv := start(t)
	c := writer(t, srv.Addr)
	hset(t, c, "fs[1]:a", "ts", "100")
	hset(t, c, "fs1:b", "ts", "100") // an unescaped "fs[1]:*" would match this
	s := newStore(t, Options{Addr: srv.Addr})
	vs := newView(t, s, View{Name: "v", Layout: LayoutHash, Key: "fs[1]:{id}", Entities: []string{"id"}, TimestampField: "ts"})
	smp, err := vs.Sample(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(smp.Entities, []sample.Entity{"a"}) || smp.Scanned != 1 {
		t.Errorf("entities %q scanned %d, want [a] 1", smp.Entities, smp.Scanned)
	}
}

func TestStringSample(t *testing.T) {
	srv := start(t)
	c := writer(t, srv.Addr)
	set(t, c, "feat:1:event_ts", "1700000000")
	set(t, c, "feat:1:conv_rate", "0.5")
	set(t, c, "feat:1:city", "Paris")
	set(t, c, "feat:2:event_ts", "1700000100")
	set(t, c, "feat:2:conv_rate", "")
	set(t, c, "feat:3:conv_rate", "1") // no timestamp key: not in the population
	set(t, c, "feat:4:event_ts", "1700000200")
	hset(t, c, "feat:4:conv_rate", "x", "1") // wrong type: invalid value
	set(t, c, "feat:4:city", "x")
	hset(t, c, "feat:5:event_ts", "x", "1") // wrong type timestamp key
	feats := []sample.Feature{{Name: "conv_rate", Type: sample.Float64}, {Name: "city", Type: sample.String}}
	s := newStore(t, Options{Addr: srv.Addr})
	vs := newView(t, s, View{Name: "v", Layout: LayoutString, Key: "feat:{driver_id}:{feature}",
		Entities: []string{"driver_id"}, TimestampField: "event_ts", Features: feats})
	smp, err := vs.Sample(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	got := sortRows(rows(t, smp, feats))
	want := []row{
		{Entity: "1", HasTime: true, Time: sec(1700000000), Vals: map[string]cell{"conv_rate": {p, 0.5, ""}, "city": {p, 0, "Paris"}}},
		{Entity: "2", HasTime: true, Time: sec(1700000100), Vals: map[string]cell{"conv_rate": {Null: sample.Empty}, "city": {Null: sample.Absent}}},
		{Entity: "4", HasTime: true, Time: sec(1700000200), Vals: map[string]cell{"conv_rate": {Null: sample.Absent}, "city": {p, 0, "x"}}},
	}
	// MGET answers nil for a key of another type, so feat:4:conv_rate reads
	// as absent and feat:5 as an entity without timestamp.
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rows:\n got %+v\nwant %+v", got, want)
	}
	if smp.Scanned != 4 || !smp.Complete || smp.Population != 3 {
		t.Errorf("Scanned=%d Complete=%v Population=%d, want 4 true 3", smp.Scanned, smp.Complete, smp.Population)
	}

	lk, err := vs.Lookup(context.Background(), []sample.Entity{"3", "1"})
	if err != nil {
		t.Fatal(err)
	}
	gotL := rows(t, lk, feats)
	wantL := []row{
		{Entity: "3", Vals: map[string]cell{"conv_rate": {p, 1, ""}, "city": {Null: sample.Absent}}},
		want[0],
	}
	if !reflect.DeepEqual(gotL, wantL) {
		t.Errorf("lookup rows:\n got %+v\nwant %+v", gotL, wantL)
	}
}

func TestHashLookup(t *testing.T) {
	srv := start(t)
	loadDrivers(t, srv.Addr)
	s := newStore(t, Options{Addr: srv.Addr, BatchSize: 2})
	vs := newView(t, s, driverView())
	lk, err := vs.Lookup(context.Background(), []sample.Entity{"3", "99", "4", "1", "[7]"})
	if err != nil {
		t.Fatal(err)
	}
	got := rows(t, lk, driverFeatures)
	absent := cell{Null: sample.Absent}
	want := []row{
		wantDriver3,
		{Entity: "99", Vals: map[string]cell{"conv_rate": absent, "trips": absent, "active": absent, "city": absent}},
		{Entity: "4", Vals: map[string]cell{"conv_rate": {p, 0.1, ""}, "trips": absent, "active": absent, "city": absent}},
		wantDriver1,
		wantDriver7,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rows:\n got %+v\nwant %+v", got, want)
	}
	if lk.Scanned != 5 {
		t.Errorf("Scanned = %d, want 5", lk.Scanned)
	}
}

func loadMany(t testing.TB, addr string, n int) {
	c := writer(t, addr)
	pipe := c.Pipeline()
	for i := 0; i < n; i++ {
		pipe.HSet(context.Background(), fmt.Sprintf("b:%d", i), "ts", "1700000000", "x", fmt.Sprint(i))
		if i%500 == 499 {
			if _, err := pipe.Exec(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := pipe.Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func manyView() View {
	return View{Name: "many", Layout: LayoutHash, Key: "b:{id}", Entities: []string{"id"}, TimestampField: "ts",
		Features: []sample.Feature{{Name: "x", Type: sample.Int64}}}
}

func TestSampleStopsAtN(t *testing.T) {
	srv := start(t)
	loadMany(t, srv.Addr, 1000)
	s := newStore(t, Options{Addr: srv.Addr})
	vs := newView(t, s, manyView())
	smp, err := vs.Sample(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	if smp.Len() != 100 || smp.Complete || smp.Population != -1 {
		t.Errorf("Len=%d Complete=%v Population=%d, want 100 false -1", smp.Len(), smp.Complete, smp.Population)
	}
	// The row's value is its id: check rows are not mixed up.
	for i, e := range smp.Entities {
		if fmt.Sprint(smp.Columns["x"].Num[i]) != string(e) {
			t.Fatalf("row %d: entity %s has x=%v", i, e, smp.Columns["x"].Num[i])
		}
	}
	all, err := vs.Sample(context.Background(), 5000)
	if err != nil {
		t.Fatal(err)
	}
	if all.Len() != 1000 || !all.Complete || all.Population != 1000 {
		t.Errorf("whole population: Len=%d Complete=%v Population=%d", all.Len(), all.Complete, all.Population)
	}
	exact, err := vs.Sample(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	if exact.Len() != 1000 {
		t.Errorf("n = population: Len=%d", exact.Len())
	}
}

func TestSampleKeyBudget(t *testing.T) {
	srv := start(t)
	loadMany(t, srv.Addr, 1000)
	s := newStore(t, Options{Addr: srv.Addr, ScanCount: 50})
	v := manyView()
	v.MaxScan = 200
	vs := newView(t, s, v)
	smp, err := vs.Sample(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	if smp.Complete || smp.Len() == 0 || smp.Len() >= 1000 {
		t.Errorf("Len=%d Complete=%v, want a partial sample", smp.Len(), smp.Complete)
	}
	// 4 SCAN calls of COUNT 50; SCAN may return somewhat more than COUNT.
	if smp.Scanned < 150 || smp.Scanned > 400 || smp.Len() != smp.Scanned {
		t.Errorf("Scanned=%d Len=%d, want ≈200 and equal", smp.Scanned, smp.Len())
	}
	want := sample.Problemf(sample.ScanBudget, 1, "key budget of 200 reached after %d matching keys: the sample holds %d of the 1000 entities asked for", smp.Scanned, smp.Len())
	if !hasProblem(smp, want) {
		t.Errorf("Problems = %q, want %q", smp.Problems, want)
	}
}

func TestSampleDeadlineWhilePaced(t *testing.T) {
	srv := start(t)
	loadMany(t, srv.Addr, 300)
	// 200 entities/s: the whole population would take 1.5 s.
	s := newStore(t, Options{Addr: srv.Addr, RateLimit: 200, BatchSize: 10, ScanCount: 20})
	vs := newView(t, s, manyView())
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	t0 := time.Now()
	smp, err := vs.Sample(ctx, 300)
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(t0); el > 1200*time.Millisecond {
		t.Errorf("Sample took %v, past its 400ms deadline", el)
	}
	if smp.Complete || smp.Len() == 0 || smp.Len() >= 300 {
		t.Errorf("Len=%d Complete=%v, want a partial sample", smp.Len(), smp.Complete)
	}
	if len(smp.Problems) != 1 || smp.Problems[0].Kind != sample.Deadline || !strings.HasPrefix(smp.Problems[0].Message, "deadline passed after") {
		t.Errorf("Problems = %q", smp.Problems)
	}
}

func TestSampleSlowRedis(t *testing.T) {
	srv := start(t)
	loadMany(t, srv.Addr, 300)
	// At 500 entities/s the 300 take 0.6s, well within the deadline of the
	// second part: only a blocked Redis can stop that sample short. The
	// socket timeout is far beyond the deadlines, so that only the
	// deadline can end a read.
	s := newStore(t, Options{Addr: srv.Addr, RateLimit: 500, BatchSize: 10, ScanCount: 20, Timeout: 30 * time.Second})
	vs := newView(t, s, manyView())
	thaw := func() {
		if err := srv.Thaw(); err != nil {
			t.Fatal(err)
		}
	}

	// Redis blocked from the start: no data before the deadline is an error.
	if err := srv.Freeze(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	t0 := time.Now()
	_, err := vs.Sample(ctx, 300)
	el := time.Since(t0)
	cancel()
	thaw()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Sample on a blocked Redis: err = %v, want DeadlineExceeded", err)
	}
	// A guard against a hang (the socket timeout is 30s), not a speed bound.
	if el > 10*time.Second {
		t.Errorf("Sample took %v past a 300ms deadline", el)
	}

	// Redis blocks mid-run: the rows read so far come back. Redis is
	// frozen as soon as the first batch of reads has been answered, so
	// every later command of the sample finds it blocked. The deadline only
	// has to leave time for one SCAN and one batch.
	var froze sync.Once
	var freezeErr error
	s.single.AddHook(afterPipeline(func() { froze.Do(func() { freezeErr = srv.Freeze() }) }))
	ctx, cancel = context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	t0 = time.Now()
	smp, err := vs.Sample(ctx, 300)
	el = time.Since(t0)
	thaw()
	if freezeErr != nil {
		t.Fatal(freezeErr)
	}
	if err != nil {
		t.Fatalf("Sample with Redis blocked mid-run: %v", err)
	}
	if el > 10*time.Second {
		t.Errorf("Sample took %v past a 2s deadline", el)
	}
	if smp.Complete || smp.Len() == 0 || smp.Len() >= 300 {
		t.Errorf("Len=%d Complete=%v, want a partial sample", smp.Len(), smp.Complete)
	}
	if len(smp.Problems) != 1 || smp.Problems[0].Kind != sample.Deadline || !strings.HasPrefix(smp.Problems[0].Message, "deadline passed after") {
		t.Errorf("Problems = %q", smp.Problems)
	}
}

// TestSampleDeadlineKeepsBatchesRead: at full speed two batches are read
// at once; when the deadline ends one of them, the rows of the other, which
// was answered, are in the partial sample (they were thrown away, and a
// sample stopped in its first pair of batches was an error).
func TestSampleDeadlineKeepsBatchesRead(t *testing.T) {
	srv := start(t)
	loadMany(t, srv.Addr, 300)
	s := newStore(t, Options{Addr: srv.Addr, RateLimit: 0, BatchSize: 10, ScanCount: 100, Timeout: 30 * time.Second})
	vs := newView(t, s, manyView())
	// The first pipeline goes through; once it is answered Redis is
	// frozen, and a pipeline sent meanwhile waits for the freeze, so it
	// certainly finds Redis blocked.
	g := &freezeAfterFirst{freeze: srv.Freeze, frozen: make(chan struct{})}
	s.single.AddHook(g)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	smp, err := vs.Sample(ctx, 300)
	if err := srv.Thaw(); err != nil {
		t.Fatal(err)
	}
	if g.err != nil {
		t.Fatal(g.err)
	}
	if err != nil {
		t.Fatalf("Sample stopped by the deadline in its first two batches: %v, want the rows of the batch that was read", err)
	}
	if smp.Complete || smp.Len() != 10 {
		t.Errorf("Len=%d Complete=%v, want the 10 rows of the batch answered before Redis froze", smp.Len(), smp.Complete)
	}
	if len(smp.Problems) != 1 || smp.Problems[0].Kind != sample.Deadline {
		t.Errorf("Problems = %q, want one deadline problem", smp.Problems)
	}
}

// freezeAfterFirst is a go-redis hook that lets the first pipeline through
// and freezes the server once it is answered; later pipelines wait for the
// freeze before they are sent.
type freezeAfterFirst struct {
	freeze  func() error
	mu      sync.Mutex
	started bool
	frozen  chan struct{}
	err     error
}

func (f *freezeAfterFirst) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (f *freezeAfterFirst) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }
func (f *freezeAfterFirst) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		f.mu.Lock()
		first := !f.started
		f.started = true
		f.mu.Unlock()
		if !first {
			<-f.frozen
			return next(ctx, cmds)
		}
		err := next(ctx, cmds)
		f.err = f.freeze()
		close(f.frozen)
		return err
	}
}

// afterPipeline is a go-redis hook that calls f after every pipeline that
// succeeded, before the caller sees its replies.
type afterPipeline func()

func (f afterPipeline) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (f afterPipeline) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }
func (f afterPipeline) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		if err == nil {
			f()
		}
		return err
	}
}

func TestRedisGoneThenBack(t *testing.T) {
	srv := start(t)
	loadDrivers(t, srv.Addr)
	s := newStore(t, Options{Addr: srv.Addr, Timeout: time.Second})
	vs := newView(t, s, driverView())
	ctx := context.Background()
	if _, err := vs.Sample(ctx, 10); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	_, err := vs.Sample(ctx, 10)
	if err == nil {
		t.Fatal("Sample with Redis stopped succeeded")
	}
	msg := err.Error()
	if !strings.Contains(msg, srv.Addr) || !strings.Contains(msg, `scan "fs:driver:*"`) {
		t.Errorf("error %q does not name the operation and address", msg)
	}
	if strings.Contains(msg, "fs:driver:1") || strings.Contains(msg, "Paris") {
		t.Errorf("error %q leaks a key or value", msg)
	}
	if _, err := vs.Lookup(ctx, []sample.Entity{"1"}); err == nil || !strings.Contains(err.Error(), srv.Addr) {
		t.Errorf("Lookup with Redis stopped: %v", err)
	}
	if err := s.Ping(ctx); err == nil {
		t.Error("Ping with Redis stopped succeeded")
	}

	srv.Restart(t)
	loadDrivers(t, srv.Addr)
	smp, err := vs.Sample(ctx, 10)
	if err != nil {
		t.Fatalf("Sample after restart: %v", err)
	}
	if smp.Len() != 4 {
		t.Errorf("after restart Len = %d, want 4", smp.Len())
	}
}

func TestRedisStoppedMidRun(t *testing.T) {
	srv := start(t)
	loadMany(t, srv.Addr, 300)
	// 200 entities/s: the sample would take 1.5 s; Redis dies after 0.3 s.
	s := newStore(t, Options{Addr: srv.Addr, RateLimit: 200, BatchSize: 10, ScanCount: 20, Timeout: time.Second})
	vs := newView(t, s, manyView())
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		time.Sleep(300 * time.Millisecond)
		srv.Stop()
	}()
	smp, err := vs.Sample(context.Background(), 300)
	<-stopped
	if err == nil {
		t.Fatalf("Sample with Redis stopped mid-run returned %d rows and no error", smp.Len())
	}
	if !strings.Contains(err.Error(), srv.Addr) {
		t.Errorf("error %q does not name the address", err)
	}
	srv.Restart(t)
	loadMany(t, srv.Addr, 30)
	smp, err = vs.Sample(context.Background(), 300)
	if err != nil {
		t.Fatalf("Sample after restart: %v", err)
	}
	if smp.Len() != 30 || !smp.Complete {
		t.Errorf("after restart Len=%d Complete=%v, want 30 true", smp.Len(), smp.Complete)
	}
}

func TestViewErrors(t *testing.T) {
	s := newStore(t, Options{Addr: "127.0.0.1:1"})
	bad := []View{
		{Name: "a", Layout: "list", Key: "k:{id}", Entities: []string{"id"}, TimestampField: "ts"},
		{Name: "b", Layout: LayoutHash, Key: "k:{id}", Entities: []string{"id"}},
		{Name: "c", Layout: LayoutHash, Key: "k:{other}", Entities: []string{"id"}, TimestampField: "ts"},
		{Name: "d", Layout: LayoutHash, Key: "k:{id}", TimestampField: "ts"},
		{Name: "e", Layout: LayoutHash, Key: "k:{id}", Entities: []string{"id"}, TimestampField: "ts",
			Features: []sample.Feature{{Name: "x"}, {Name: "x"}}},
	}
	for _, v := range bad {
		if _, err := s.View(v); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("view %q", v.Name)) {
			t.Errorf("View(%s): err = %v, want an error naming the view", v.Name, err)
		}
	}
	if _, err := New(Options{}); err == nil {
		t.Error("New without address succeeded")
	}
}

// TestSampleMoves checks that successive samples start at random SCAN
// cursors: they hold different entities, each complete and without
// duplicates, and a sample as large as the population still holds all of
// it whatever the start (the scan wraps through cursor 0).
func TestSampleMoves(t *testing.T) {
	srv := start(t)
	loadMany(t, srv.Addr, 5000)
	s := newStore(t, Options{Addr: srv.Addr})
	vs := newView(t, s, manyView())
	var sets []map[sample.Entity]bool
	for run := 0; run < 4; run++ {
		smp, err := vs.Sample(context.Background(), 200)
		if err != nil {
			t.Fatal(err)
		}
		set := map[sample.Entity]bool{}
		for _, e := range smp.Entities {
			if set[e] {
				t.Fatalf("run %d: entity sampled twice", run)
			}
			set[e] = true
		}
		if len(set) != 200 {
			t.Fatalf("run %d: %d entities, want 200", run, len(set))
		}
		sets = append(sets, set)
	}
	// Two samples of 200 of 5000 drawn from random cursors share few
	// entities on average (they overlap only when the two starts fall
	// within 4% of each other in SCAN order); the same panel every run
	// would share all 200. One pair may overlap by chance (about 4% per
	// pair), so the mean over all pairs is judged, not each pair.
	total, pairs := 0, 0
	for i := 0; i < len(sets); i++ {
		for j := i + 1; j < len(sets); j++ {
			for e := range sets[j] {
				if sets[i][e] {
					total++
				}
			}
			pairs++
		}
	}
	if mean := float64(total) / float64(pairs); mean > 100 {
		t.Errorf("runs share %.0f of 200 entities on average: the sample does not move", mean)
	}
	for run := 0; run < 5; run++ {
		all, err := vs.Sample(context.Background(), 5000)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[sample.Entity]bool{}
		for _, e := range all.Entities {
			seen[e] = true
		}
		if len(seen) != 5000 || all.Len() != 5000 || !all.Complete {
			t.Fatalf("run %d: whole population gave %d distinct of %d rows, complete %v", run, len(seen), all.Len(), all.Complete)
		}
	}
}

func TestScanPassed(t *testing.T) {
	// With a table of 8 buckets Redis visits cursors 0 4 2 6 1 5 3 7.
	order := []uint64{0, 4, 2, 6, 1, 5, 3, 7}
	for i, start := range order {
		for j, c := range order {
			if got := scanPassed(c, start); got != (j >= i) {
				t.Errorf("scanPassed(%d, %d) = %v, want %v", c, start, got, j >= i)
			}
		}
	}
}
