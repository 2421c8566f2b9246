package redisstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"

	"github.com/fsmon/fsmon/internal/panics"
	"github.com/fsmon/fsmon/sample"
)

// Sample implements sample.Online. It SCANs the view's key pattern from a
// random cursor (wrapping through 0 back to it), reads matching keys in pipelined batches and keeps the
// entities that hold the view's event timestamp, until it has n of them,
// the key budget is spent, or ctx's deadline passes. A deadline with rows
// gathered returns them with Complete false and a Problems note; a deadline
// before any row is an error wrapping context.DeadlineExceeded.
// Cancellation is always an error.
//
// On a Redis Cluster every shard is sampled, concurrently, each for its
// share of n in proportion to its share of the keys (DBSIZE of the node
// read), with the rate limit and the key budget split alike; a shard whose
// population is smaller than its share hands the rest to the others. The
// sample's Parts say what each shard gave. A shard that cannot be read is an
// error for its part only (Parts[i].Err), unless no shard can be read.
//
// Scanned counts the distinct keys SCAN returned (those matching the
// pattern). View.MaxScan bounds the keys SCAN is asked to visit (COUNT per
// call), so a pattern matching few keys of a large keyspace stops at the
// budget instead of walking all of it; keys already returned are still read.
//
// SCAN order follows Redis' hash table buckets, i.e. a hash of the key, and
// every run starts at a random bucket: successive runs see different
// entities (see the package documentation for the statistics of it).
func (vs *ViewSampler) Sample(ctx context.Context, n int) (*sample.Sample, error) {
	if n <= 0 {
		return nil, fmt.Errorf("sample view %q: sample size %d is not positive", vs.v.Name, n)
	}
	if vs.s.cluster != nil {
		return vs.sampleCluster(ctx, n)
	}
	c, addr, note, err := vs.s.server(ctx)
	if err != nil {
		return nil, fmt.Errorf("sample view %q: %w", vs.v.Name, err)
	}
	sh := vs.newShardScan(c, c, addr, vs.v.MaxScan, nil, min(n, 1<<16))
	sh.run(ctx, n)
	if sh.err != nil && !deadlineHit(ctx, sh.err) {
		return nil, fmt.Errorf("sample view %q: %w", vs.v.Name, sh.err)
	}
	smp, err := vs.finish(ctx, n, []*shardScan{sh}, nil)
	if err == nil && note != "" {
		smp.Problems = append(smp.Problems, sample.Problemf(sample.ReadFallback, 1, "%s", note))
	}
	return smp, err
}

// sampleCluster samples every shard of a cluster in proportion to its keys.
func (vs *ViewSampler) sampleCluster(ctx context.Context, n int) (*sample.Sample, error) {
	s := vs.s
	topo, err := s.topology(ctx)
	if err != nil {
		return nil, fmt.Errorf("sample view %q: %w", vs.v.Name, err)
	}
	nodes, nodeErrs := s.pickNodes(ctx, topo)
	parts := make([]sample.Part, len(topo.shards))
	var live []int
	var total int64
	for i, sh := range topo.shards {
		parts[i] = sample.Part{Name: sh.name, Node: sh.master, Slots: sh.slotText()}
		if nodeErrs[i] != nil {
			parts[i].Err = fmt.Sprintf("shard %s (slots %s): %v", sh.name, parts[i].Slots, nodeErrs[i])
			continue
		}
		parts[i].Node = nodes[i].addr
		live = append(live, i)
		total += nodes[i].keys
	}
	if len(live) == 0 {
		return nil, fmt.Errorf("sample view %q: no shard of redis cluster %s can be read: %w", vs.v.Name, s.opts.Addr, errors.Join(nodeErrs...))
	}
	weights := make([]float64, len(topo.shards))
	for _, i := range live {
		weights[i] = 1 / float64(len(live))
		if total > 0 {
			weights[i] = float64(nodes[i].keys) / float64(total)
		}
		parts[i].Share = weights[i]
	}
	scans := make([]*shardScan, len(topo.shards))
	for _, i := range live {
		budget := 0
		if vs.v.MaxScan > 0 {
			budget = max(1, int(math.Ceil(float64(vs.v.MaxScan)*weights[i])))
		}
		var lim *rate.Limiter
		if s.opts.RateLimit > 0 && len(live) > 1 {
			// This shard's part of the pace, so that every shard
			// finishes its share at about the same time.
			r := max(1, float64(s.opts.RateLimit)*weights[i])
			lim = rate.NewLimiter(rate.Limit(r), s.limiter.Burst())
		}
		read := redis.UniversalClient(nodes[i].c)
		if vs.v.Layout == LayoutString {
			// The feature keys of an entity may live on other shards.
			read = s.cluster
		}
		scans[i] = vs.newShardScan(nodes[i].c, read, nodes[i].addr, budget, lim, min(n/len(live)+64, 1<<16))
		scans[i].part = i
	}
	targets := shareOut(n, live, weights)
	// Rounds: every shard runs to its target; the part of n that shards
	// with a smaller population could not give goes to the others, in
	// proportion to their weights, until n is reached or no shard has more.
	for round := 0; round < len(live)+1; round++ {
		var wg sync.WaitGroup
		for _, i := range live {
			if scans[i].stopped() {
				continue
			}
			wg.Go(func() {
				defer panics.RecoverLog(&scans[i].err, "scan of view "+strconv.Quote(vs.v.Name)+" on shard "+scans[i].addr, s.log)
				s.hook("scan", scans[i].addr)
				scans[i].run(ctx, targets[i])
			})
		}
		wg.Wait()
		got := 0
		var more []int
		for _, i := range live {
			got += scans[i].b.smp.Len()
			if !scans[i].stopped() && scans[i].b.smp.Len() >= targets[i] {
				more = append(more, i)
			}
		}
		if got >= n || len(more) == 0 || ctx.Err() != nil {
			break
		}
		extra := shareOut(n-got, more, weights)
		for _, i := range more {
			targets[i] += extra[i]
		}
	}
	var ok []*shardScan
	var errs []error
	for _, i := range live {
		sh := scans[i]
		parts[i].Scanned = sh.b.smp.Scanned
		if sh.err != nil && !deadlineHit(ctx, sh.err) {
			parts[i].Err = fmt.Sprintf("shard %s (slots %s): %v", topo.shards[i].name, parts[i].Slots, sh.err)
			errs = append(errs, sh.err)
			continue
		}
		parts[i].Complete = sh.exhausted() && sh.err == nil
		ok = append(ok, sh)
	}
	if len(ok) == 0 {
		return nil, fmt.Errorf("sample view %q: %w", vs.v.Name, errors.Join(errs...))
	}
	if err := ctx.Err(); errors.Is(err, context.Canceled) {
		return nil, fmt.Errorf("sample view %q: %w", vs.v.Name, err)
	}
	smp, err := vs.finish(ctx, n, ok, parts)
	if err != nil {
		return nil, err
	}
	for _, i := range live {
		if nodes[i].note != "" {
			smp.Problems = append(smp.Problems, sample.Problemf(sample.ReadFallback, 1, "%s", nodes[i].note))
		}
	}
	for _, p := range parts {
		if p.Err != "" {
			smp.Problems = append(smp.Problems, sample.Problemf(sample.PartUnreadable, 1, "%s: its share is missing from the sample", p.Err))
		}
	}
	return smp, nil
}

// shareOut splits n over the indexes idx in proportion to weights, by
// largest remainder, so that the parts sum to n.
func shareOut(n int, idx []int, weights []float64) map[int]int {
	out := make(map[int]int, len(idx))
	var sum float64
	for _, i := range idx {
		sum += weights[i]
	}
	type rem struct {
		i int
		r float64
	}
	var rems []rem
	given := 0
	for _, i := range idx {
		w := 1 / float64(len(idx))
		if sum > 0 {
			w = weights[i] / sum
		}
		x := float64(n) * w
		out[i] = int(math.Floor(x))
		given += out[i]
		rems = append(rems, rem{i, x - math.Floor(x)})
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].r > rems[b].r })
	for k := 0; given < n; k++ {
		out[rems[k%len(rems)].i]++
		given++
	}
	return out
}

// finish merges the shards' rows into one sample (in shard order, with
// PartOf when parts is not nil) and adds the notes of the whole sample.
func (vs *ViewSampler) finish(ctx context.Context, n int, scans []*shardScan, parts []sample.Part) (*sample.Sample, error) {
	b := newBuilder(&vs.v, 0)
	if len(scans) == 1 && parts == nil {
		b = scans[0].b
	} else {
		for _, sh := range scans {
			b.merge(sh.b, sh.part)
		}
	}
	smp := b.smp
	smp.Parts = parts
	if parts != nil && smp.PartOf == nil {
		smp.PartOf = []int{}
	}
	complete, budget, deadline, badKeys, calls := true, false, false, 0, 0
	for _, sh := range scans {
		complete = complete && sh.exhausted() && sh.err == nil
		budget = budget || sh.stop == stopBudget
		deadline = deadline || (sh.err != nil && deadlineHit(ctx, sh.err))
		badKeys += sh.badKeys
		calls += sh.calls
	}
	for _, p := range parts {
		complete = complete && p.Err == ""
	}
	if deadline && smp.Len() == 0 {
		return nil, fmt.Errorf("sample view %q: deadline passed before any entity was read (%d keys scanned): %w", vs.v.Name, smp.Scanned, context.DeadlineExceeded)
	}
	smp.Complete = complete
	if complete {
		smp.Population = smp.Len()
	}
	if complete && smp.Scanned == 0 {
		smp.StoreEmpty = vs.keyspaceEmpty(ctx, scans)
	}
	smp.Reads.Keys, smp.Reads.KeysSkipped = smp.Scanned, badKeys
	if badKeys > 0 {
		smp.Problems = append(smp.Problems, sample.Problemf(sample.KeyLayout, badKeys, "%d keys matched the SCAN pattern but not the view's key layout", badKeys))
	}
	b.problems(vs.lay.typeName(), vs.v.Layout != LayoutFeast)
	switch {
	case deadline:
		smp.Problems = append(smp.Problems, sample.Problemf(sample.Deadline, 1, "deadline passed after %d matching keys: the sample holds %d of the %d entities asked for", smp.Scanned, smp.Len(), n))
	case budget:
		smp.Problems = append(smp.Problems, sample.Problemf(sample.ScanBudget, 1, "key budget of %d reached after %d matching keys: the sample holds %d of the %d entities asked for", vs.v.MaxScan, smp.Scanned, smp.Len(), n))
	}
	vs.s.log.Debug("redis sample", "view", vs.v.Name, "entities", smp.Len(), "scanned", smp.Scanned, "scan_calls", calls, "complete", smp.Complete, "shards", len(scans))
	return smp, nil
}

// shardScan samples one node (the one server, or one shard's read node):
// SCAN from a random cursor and pipelined reads, resumable with a larger
// target.
type shardScan struct {
	vs     *ViewSampler
	scan   redis.UniversalClient // SCAN goes here
	read   redis.UniversalClient // batches are read here
	addr   string
	budget int           // key budget (0: none)
	lim    *rate.Limiter // this shard's part of the pace (nil: none)
	count  int           // SCAN COUNT
	part   int           // index of the shard in the sample's Parts

	b        *builder
	seen     map[string]struct{}
	pending  []target
	leftover []readRow // rows read after the target was reached
	cursor   uint64
	start    uint64 // the random cursor SCAN started from
	wrapped  bool   // SCAN passed cursor 0 and went on from the start of the table
	scanDone bool   // SCAN came back to where it started
	calls    int
	badKeys  int
	stop     stopReason
	err      error
}

// scanPassed reports whether SCAN cursor c is at or beyond start in SCAN's
// order. Redis walks its hash table by incrementing the bit-reversed
// cursor, so cursors compare in the order of their reversed bits. A random
// start carries bits above the table's mask; they only make the scan visit
// start's own bucket a second time (its keys are deduplicated).
func scanPassed(c, start uint64) bool {
	return bits.Reverse64(c) >= bits.Reverse64(start)
}

// readRow is a target with what was read for it.
type readRow struct {
	t target
	r record
}

func (vs *ViewSampler) newShardScan(scan, read redis.UniversalClient, addr string, budget int, lim *rate.Limiter, capacity int) *shardScan {
	count := vs.s.opts.ScanCount
	if budget > 0 && budget < count {
		count = budget
	}
	start := rand.Uint64()
	return &shardScan{vs: vs, scan: scan, read: read, addr: addr, budget: budget, lim: lim, count: count,
		b: newBuilder(&vs.v, capacity), seen: map[string]struct{}{}, cursor: start, start: start}
}

// exhausted reports whether the shard's whole population has been read.
func (sh *shardScan) exhausted() bool {
	return sh.scanDone && len(sh.pending) == 0 && len(sh.leftover) == 0
}

// stopped reports whether the shard can give no more rows: read whole, key
// budget spent, or failed.
func (sh *shardScan) stopped() bool {
	return sh.exhausted() || sh.stop == stopBudget || sh.err != nil
}

// wait takes n tokens from the shard's pace and then from the Store's.
func (sh *shardScan) wait(ctx context.Context, n int) error {
	if err := waitN(ctx, sh.lim, n); err != nil {
		return err
	}
	return sh.vs.s.wait(ctx, n)
}

// take adds one read row; it returns false, leaving the row unadded, when
// it belongs to the population and the target is reached.
func (sh *shardScan) take(t target, r *record, target int) bool {
	if r.hasTS && sh.b.smp.Len() >= target {
		return false
	}
	sh.b.tally(r)
	if r.hasTS {
		sh.b.add(t.ent, r)
	}
	return true
}

// run samples until the shard holds target rows, its population is read
// whole, its key budget is spent, or an error (sh.err).
func (sh *shardScan) run(ctx context.Context, target int) {
	vs, s := sh.vs, sh.vs.s
	pattern := vs.lay.pattern()
	scanCost := max(1, sh.count/scanCostDivisor)
	sh.stop = notStopped
	for len(sh.leftover) > 0 {
		if !sh.take(sh.leftover[0].t, &sh.leftover[0].r, target) {
			sh.stop = stopFull
			return
		}
		sh.leftover = sh.leftover[1:]
	}
	readErr := func(err error) error {
		return fmt.Errorf("read %d %s of view %q on %s: %w", min(len(sh.pending), s.opts.BatchSize), vs.lay.typeName(), vs.v.Name, sh.addr, err)
	}
	for {
		// Full: stop, unless the scan is on its last leg (wrapped past the
		// end of the table) with no key waiting: then go on to where it
		// began, so that a sample holding the whole population is known to
		// be complete whatever the start. A key found on the way ends it.
		if sh.b.smp.Len() >= target && !sh.exhausted() &&
			(!sh.wrapped || len(sh.pending) > 0 || len(sh.leftover) > 0) {
			sh.stop = stopFull
			return
		}
		if sh.scanDone {
			if err := sh.flush(ctx, true, target); err != nil {
				sh.err = readErr(err)
				return
			}
			if sh.b.smp.Len() >= target && !sh.exhausted() {
				sh.stop = stopFull
			}
			return
		}
		if sh.budget > 0 && (sh.calls*sh.count >= sh.budget || sh.b.smp.Scanned >= sh.budget) {
			sh.stop = stopBudget
			// Keys already scanned are read, also when the budget
			// stopped SCAN.
			if err := sh.flush(ctx, true, target); err != nil {
				sh.err = readErr(err)
			}
			return
		}
		if err := sh.wait(ctx, scanCost); err != nil {
			sh.err = fmt.Errorf("scan %q on %s: %w", pattern, sh.addr, err)
			return
		}
		keys, next, err := sh.scan.Scan(ctx, sh.cursor, pattern, int64(sh.count)).Result()
		if err != nil && sh.calls == 0 && sh.start != 0 && strings.Contains(err.Error(), "invalid cursor") {
			// A server that only takes cursors it handed out (not Redis
			// itself; miniredis, some proxies) scans from 0 instead.
			sh.cursor, sh.start = 0, 0
			keys, next, err = sh.scan.Scan(ctx, 0, pattern, int64(sh.count)).Result()
		}
		if err != nil {
			sh.err = fmt.Errorf("scan %q on %s: %w", pattern, sh.addr, err)
			return
		}
		sh.calls++
		for _, key := range keys {
			// SCAN may return a key twice (while Redis rehashes).
			if _, dup := sh.seen[key]; dup {
				continue
			}
			sh.seen[key] = struct{}{}
			sh.b.smp.Scanned++
			t, ok := vs.lay.fromKey(key)
			if !ok {
				sh.badKeys++
				continue
			}
			sh.pending = append(sh.pending, t)
		}
		sh.cursor = next
		switch {
		case next == 0 && (sh.start == 0 || sh.wrapped):
			sh.scanDone = true
		case next == 0:
			// The end of the table: go on from its start up to where
			// this scan began.
			sh.wrapped = true
		case sh.wrapped && scanPassed(next, sh.start):
			sh.scanDone = true
		}
		if err := sh.flush(ctx, false, target); err != nil {
			sh.err = readErr(err)
			return
		}
	}
}

// flush reads pending targets in batches; with all false it leaves a
// partial batch for later. It stops once a population row beyond want
// turns up, keeping the rest of that batch as leftover.
func (sh *shardScan) flush(ctx context.Context, all bool, want int) error {
	vs, bs := sh.vs, sh.vs.s.opts.BatchSize
	for len(sh.pending) > 0 && (all || len(sh.pending) >= bs) && sh.b.smp.Len() < want {
		nb := (len(sh.pending) + bs - 1) / bs
		if !all {
			nb = len(sh.pending) / bs
		}
		batches := make([][]target, 0, min(nb, vs.par()))
		for k := 0; len(batches) < cap(batches); k += bs {
			batches = append(batches, sh.pending[k:min(len(sh.pending), k+bs)])
		}
		recs, err := vs.fetchBatches(ctx, sh.read, sh.wait, batches)
		for bi, batch := range batches {
			// The rows of a batch that was read count even when the
			// other one in flight failed (the deadline, say).
			sh.pending = sh.pending[len(batch):]
			for i := range recs[bi] {
				if len(sh.leftover) == 0 && sh.take(batch[i], &recs[bi][i], want) {
					continue
				}
				sh.leftover = append(sh.leftover, readRow{batch[i], recs[bi][i]})
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Lookup implements sample.Online: row i is entities[i], read by key in
// pipelined batches. An entity that is not stored (or lacks the event
// timestamp) has HasTime false; its columns hold whatever fields exist.
// Entity texts that cannot form a key are rows with HasTime false and a
// Problems note. On one server any Redis or context error fails the whole
// lookup; on a cluster the entities are grouped by the shard serving their
// slot and each shard is read on its own node, concurrently: a shard that
// cannot be read leaves its rows unread (sample.Sample.Unread) and the
// others are still answered.
func (vs *ViewSampler) Lookup(ctx context.Context, entities []sample.Entity) (*sample.Sample, error) {
	s := vs.s
	b := newBuilder(&vs.v, len(entities))
	bad := 0
	var badErr error
	// Targets of the entities that form keys; row i of a bad one stays nil.
	ts := make([]target, 0, len(entities))
	idx := make([]int, 0, len(entities))
	for i, e := range entities {
		t, err := vs.lay.fromEntity(e)
		if err != nil {
			bad++
			badErr = err
			continue
		}
		ts = append(ts, t)
		idx = append(idx, i)
	}
	// Every row starts unread; each batch's records go into their rows as
	// they arrive, so that no more than a few batches of records are held.
	for _, e := range entities {
		b.add(e, nil)
	}
	var mu sync.Mutex // shards are read concurrently
	put := func(i int, r *record) {
		mu.Lock()
		defer mu.Unlock()
		if r.wrongType || r.tsInvalid {
			b.tally(r)
		}
		b.set(i, r)
	}
	var parts []sample.Part
	var partOf []int
	if s.cluster == nil {
		c, addr, _, err := s.server(ctx)
		if err == nil {
			err = vs.lookupOn(ctx, c, ts, idx, put)
		}
		if err != nil {
			if addr == "" {
				addr = s.opts.Addr
			}
			return nil, fmt.Errorf("lookup %d entities of view %q on %s: %w", len(entities), vs.v.Name, addr, err)
		}
	} else {
		var err error
		parts, partOf, err = vs.lookupCluster(ctx, ts, idx, len(entities), put)
		if err != nil {
			return nil, fmt.Errorf("lookup %d entities of view %q on redis cluster %s: %w", len(entities), vs.v.Name, s.opts.Addr, err)
		}
	}
	b.smp.Scanned = len(ts)
	smp := b.smp
	smp.Reads.Keys = len(ts)
	smp.Complete = true
	smp.Parts, smp.PartOf = parts, partOf
	if bad > 0 {
		smp.Problems = append(smp.Problems, sample.Problemf(sample.KeyLayout, bad, "%d entities could not be turned into keys (%v)", bad, badErr))
	}
	for _, p := range parts {
		if p.Err != "" {
			smp.Complete = false
			smp.Problems = append(smp.Problems, sample.Problemf(sample.PartUnreadable, 1, "%s: its entities are unread", p.Err))
		}
	}
	b.problems(vs.lay.typeName(), false)
	return smp, nil
}

// lookupOn reads ts on rdb in pipelined batches; put(idx[k], r) receives
// the record of ts[k].
func (vs *ViewSampler) lookupOn(ctx context.Context, rdb redis.UniversalClient, ts []target, idx []int, put func(int, *record)) error {
	bs := vs.s.opts.BatchSize
	step := bs * vs.par()
	for start := 0; start < len(ts); start += step {
		var batches [][]target
		for k := start; k < min(len(ts), start+step); k += bs {
			batches = append(batches, ts[k:min(len(ts), k+bs)])
		}
		got, err := vs.fetchBatches(ctx, rdb, vs.s.wait, batches)
		if err != nil {
			return err
		}
		k := start
		for _, g := range got {
			for i := range g {
				put(idx[k], &g[i])
				k++
			}
		}
	}
	return nil
}

// lookupCluster groups the targets by shard and reads each shard on its
// read node, concurrently. It fails only when no shard can be read or ctx
// ends.
func (vs *ViewSampler) lookupCluster(ctx context.Context, ts []target, idx []int, rows int, put func(int, *record)) ([]sample.Part, []int, error) {
	s := vs.s
	topo, err := s.topology(ctx)
	if err != nil {
		return nil, nil, err
	}
	nodes, nodeErrs := s.pickNodes(ctx, topo)
	parts := make([]sample.Part, len(topo.shards))
	for i, sh := range topo.shards {
		parts[i] = sample.Part{Name: sh.name, Node: sh.master, Slots: sh.slotText(), Complete: true}
		if nodeErrs[i] == nil {
			parts[i].Node = nodes[i].addr
		}
	}
	partOf := make([]int, rows)
	for i := range partOf {
		partOf[i] = -1
	}
	byShard := make([][]target, len(topo.shards))
	byIdx := make([][]int, len(topo.shards))
	var unserved []int
	for k, t := range ts {
		p := topo.shardOf(t.key)
		if p < 0 {
			unserved = append(unserved, idx[k])
			continue
		}
		partOf[idx[k]] = p
		byShard[p] = append(byShard[p], t)
		byIdx[p] = append(byIdx[p], idx[k])
	}
	errs := make([]error, len(topo.shards))
	var wg sync.WaitGroup
	for i := range topo.shards {
		if len(byShard[i]) == 0 {
			continue
		}
		if nodeErrs[i] != nil {
			errs[i] = nodeErrs[i]
			continue
		}
		read := redis.UniversalClient(nodes[i].c)
		if vs.v.Layout == LayoutString {
			read = s.cluster
		}
		wg.Go(func() {
			defer panics.RecoverLog(&errs[i], "lookup of view "+strconv.Quote(vs.v.Name)+" on shard "+nodes[i].addr, s.log)
			s.hook("lookup", nodes[i].addr)
			errs[i] = vs.lookupOn(ctx, read, byShard[i], byIdx[i], put)
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	failed, asked := 0, 0
	for i, err := range errs {
		if len(byShard[i]) > 0 {
			asked++
		}
		if err != nil {
			failed++
			parts[i].Err = fmt.Sprintf("shard %s (slots %s): %v", topo.shards[i].name, parts[i].Slots, err)
			parts[i].Complete = false
		}
		parts[i].Scanned = len(byShard[i])
	}
	if asked > 0 && failed == asked {
		return nil, nil, errors.Join(errs...)
	}
	if len(unserved) > 0 {
		// Slots no master serves: those rows are unread too.
		parts = append(parts, sample.Part{Name: "unserved", Err: fmt.Sprintf("%d entities hash to slots no master serves", len(unserved))})
		for _, i := range unserved {
			partOf[i] = len(parts) - 1
		}
	}
	return parts, partOf, nil
}

// par is the number of batches read at once: two on two connections at full
// speed (the client decodes one batch while Redis serves the next), one when
// paced so that other clients never queue behind more than one batch.
func (vs *ViewSampler) par() int {
	if vs.s.limiter == nil {
		return 2
	}
	return 1
}

// fetchBatches reads the batches on rdb, concurrently when there are
// several, and returns their records in order. Each batch first waits for
// the pace. A batch answered MOVED or ASK (a failover or resharding under
// way) is read again through the cluster client, which follows redirects.
// When some batches fail, the error joins theirs and out still holds the
// records of the batches that were read (nil for the others), so that a
// sample stopped by its deadline keeps every row it got.
func (vs *ViewSampler) fetchBatches(ctx context.Context, rdb redis.UniversalClient, wait func(context.Context, int) error, batches [][]target) ([][]record, error) {
	fetch := func(batch []target) ([]record, error) {
		r, err := vs.lay.fetch(ctx, rdb, batch)
		if err != nil && isRedirect(err) && vs.s.cluster != nil && rdb != redis.UniversalClient(vs.s.cluster) {
			vs.s.log.Debug("redis batch redirected; following through the cluster client", "view", vs.v.Name, "error", err)
			r, err = vs.lay.fetch(ctx, vs.s.cluster, batch)
		}
		return r, err
	}
	out := make([][]record, len(batches))
	if len(batches) == 1 {
		if err := wait(ctx, len(batches[0])); err != nil {
			return out, err
		}
		r, err := fetch(batches[0])
		if err != nil {
			return out, err
		}
		out[0] = r
		return out, nil
	}
	errs := make([]error, len(batches))
	var wg sync.WaitGroup
	for i, batch := range batches {
		if err := wait(ctx, len(batch)); err != nil {
			errs[i] = err
			break
		}
		wg.Go(func() {
			defer panics.RecoverLog(&errs[i], "read of a batch of view "+strconv.Quote(vs.v.Name), vs.s.log)
			vs.s.hook("fetch", "")
			out[i], errs[i] = fetch(batch)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			out[i] = nil
		}
	}
	return out, errors.Join(errs...)
}

// keyspaceEmpty reports whether the nodes scanned hold no key at all (one
// SCAN without MATCH each), telling an empty store from a key pattern that
// matches nothing. An error counts as not empty.
func (vs *ViewSampler) keyspaceEmpty(ctx context.Context, scans []*shardScan) bool {
	for _, sh := range scans {
		keys, cursor, err := sh.scan.Scan(ctx, 0, "", 10).Result()
		if err != nil || len(keys) > 0 || cursor != 0 {
			return false
		}
	}
	return true
}
