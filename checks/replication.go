package checks

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/fsmon/fsmon/config"
	"github.com/fsmon/fsmon/sample"
	"github.com/fsmon/fsmon/stats"
)

// Replica is what was read from one further copy of the online store
// (online.replicas, e.g. another region): its own sample and lookups, on
// which the online checks run as on the primary's, and its lookup of the
// primary's sampled entities, which the replication check compares.
type Replica struct {
	// Name is the replica's store label (config online.replicas[].name).
	Name string
	// Online is the replica's own sample; Covered its lookup of
	// Input.CoverageQuery; AsOf the offline as-of lookup of its sample's
	// population (row i answers Online row AsOfRows[i]).
	Online     *sample.Sample
	OnlineErr  error
	Covered    *sample.Sample
	CoveredErr error
	AsOfRows   []int
	AsOf       *sample.Sample
	AsOfErr    error
	// Same is the replica's lookup of the primary's sampled population:
	// row k is the entity of primary row SameRows[k] (Input.Online).
	SameRows []int
	Same     *sample.Sample
	SameErr  error
}

// replicaKinds are the online checks that run on each replica's own reads.
// Skew and drift judge the served distribution, which replication compares
// entity by entity.
var replicaKinds = []string{KindFreshness, KindNullRate, KindCoverage, KindConsistency}

// replicaInput is in as seen from replica rep: its reads take the place
// of the primary's online reads; the offline reads are shared.
func replicaInput(in *Input, rep *Replica) *Input {
	sub := *in
	sub.Online, sub.OnlineErr = rep.Online, rep.OnlineErr
	sub.Covered, sub.CoveredErr = rep.Covered, rep.CoveredErr
	sub.AsOfRows, sub.AsOf, sub.AsOfErr = rep.AsOfRows, rep.AsOf, rep.AsOfErr
	sub.References, sub.Replicas = nil, nil
	return &sub
}

// replicaResults runs check kind f on each replica of in, as RunKind does
// on the primary, and labels the results with the replica's name: their
// store is the replica's, and so are their online reads.
func replicaResults(in *Input, kind string, f Func) []Result {
	if !slices.Contains(replicaKinds, kind) {
		return nil
	}
	var out []Result
	for i := range in.Replicas {
		rep := &in.Replicas[i]
		sub := replicaInput(in, rep)
		fs := findFaults(sub)
		for _, r := range f(sub) {
			if r.Store == StoreOffline {
				continue // the offline store is the primary's, reported once
			}
			r.At = in.Now
			applyFaults(fs, &r)
			attachReads(sub, &r)
			sanitize(&r)
			r.Store = rep.Name
			for j := range r.Reads {
				if r.Reads[j].Store == StoreOnline {
					r.Reads[j].Store = rep.Name
				}
			}
			r.Message = "replica " + rep.Name + ": " + r.Message
			out = append(out, r)
		}
	}
	return out
}

// ReplicaComparison is how a replica's copy of the primary's sampled
// entities compares with the primary: CompareReplica's result. It holds
// counts and lags only, never entity keys or values.
type ReplicaComparison struct {
	// Compared is the number of entities judged: Equal + Behind +
	// ValueDiffer + Missing.
	Compared int
	// Equal entities have the primary's event time and every feature
	// value of the primary on the replica.
	Equal int
	// Behind entities have an older event time on the replica.
	Behind int
	// ValueDiffer entities have the primary's event time but some feature
	// value differs.
	ValueDiffer int
	// Missing entities are not on the replica (or carry no event time
	// there).
	Missing int
	// Ahead entities have a newer event time on the replica than the
	// primary's sample: written between the two reads. They are not
	// judged for a match; their lag is 0.
	Ahead int
	// Unread entities lie on a part of the replica that could not be read
	// (a cluster shard that is down): they say nothing.
	Unread int
	// Lags are how many seconds the replica's event time is behind the
	// primary's, one per entity present on both (0 when not behind),
	// ascending.
	Lags []float64
}

// Match is the fraction of compared entities that are equal on the
// replica (NaN when none was compared).
func (c ReplicaComparison) Match() float64 {
	if c.Compared == 0 {
		return math.NaN()
	}
	return float64(c.Equal) / float64(c.Compared)
}

// LagQuantile is the q-quantile of Lags (NumPy's linear method, as
// stats.Quantile); NaN without lags.
func (c ReplicaComparison) LagQuantile(q float64) float64 { return stats.Quantile(c.Lags, q) }

// CompareReplica compares, entity by entity, the primary's sample with a
// replica's lookup of the same entities: row k of replica is the entity of
// row rows[k] of primary. An entity matches when the replica holds the
// primary's event time and every feature's value (floats within a relative
// 1e-6, both null equal); an older event time on the replica is a lag of
// the difference; an entity the replica lacks is Missing, apart from the
// lags. It is pure: no I/O, no clock.
func CompareReplica(primary *sample.Sample, rows []int, replica *sample.Sample, features []config.Feature) ReplicaComparison {
	var c ReplicaComparison
	for k, i := range rows {
		if !primary.HasTime[i] {
			continue
		}
		if replica.Unread(k) {
			c.Unread++
			continue
		}
		if !replica.HasTime[k] {
			c.Missing++
			c.Compared++
			continue
		}
		pt, rt := primary.Times[i], replica.Times[k]
		switch {
		case rt > pt:
			c.Ahead++
			c.Lags = append(c.Lags, 0)
			continue
		case rt < pt:
			c.Behind++
			c.Compared++
			c.Lags = append(c.Lags, float64(pt-rt)/1e9)
			continue
		}
		c.Compared++
		c.Lags = append(c.Lags, 0)
		same := true
		for _, f := range features {
			if sample.Type(f.Type) == sample.Other {
				if primary.Columns[f.Name] == nil || replica.Columns[f.Name] == nil {
					continue
				}
				// Presence only: no comparison reads these values.
				if primary.Columns[f.Name].IsNull(i) != replica.Columns[f.Name].IsNull(k) {
					same = false
				}
				continue
			}
			if !sameValue(sample.Type(f.Type), primary.Columns[f.Name], i, replica.Columns[f.Name], k) {
				same = false
				break
			}
		}
		if same {
			c.Equal++
		} else {
			c.ValueDiffer++
		}
	}
	slices.Sort(c.Lags)
	return c
}

// The lag quantiles the replication check reports, with their Details key
// suffixes and metric quantile labels.
var lagQuantiles = []struct {
	q     float64
	name  string
	label string
}{{0.5, "p50", "0.5"}, {0.9, "p90", "0.9"}, {0.99, "p99", "0.99"}, {1, "max", "1"}}

// LagQuantiles are the quantile label values of the replication lag
// (0.5, 0.9, 0.99 and 1 for the maximum) and their Details keys
// (lag_p50_seconds, ...).
func LagQuantiles() (labels, keys []string) {
	for _, l := range lagQuantiles {
		labels = append(labels, l.label)
		keys = append(keys, "lag_"+l.name+"_seconds")
	}
	return labels, keys
}

// Replication judges each replica (online.replicas) against the primary
// online store on the primary's sampled entities, looked up on the replica:
// the fraction that match (value: checks.replication.match, bad when low),
// and the lag of the replica's event times behind the primary's
// (details.lag_p99_seconds against checks.replication.lag_p99, bad when
// high). One result per replica, whose store is the replica's name.
func Replication(in *Input) []Result {
	var out []Result
	th := in.View.Checks.Replication
	for i := range in.Replicas {
		rep := &in.Replicas[i]
		r := base(in, KindReplication)
		r.Store = rep.Name
		r.Threshold = thresholds(th.Match)
		switch {
		case len(in.View.Entities) == 0:
			out = append(out, skipped(r, "the view has no entities to look up on the replica"))
			continue
		case in.OnlineErr != nil:
			out = append(out, errResult(r, fmt.Errorf("primary online store: %w", in.OnlineErr)))
			continue
		case rep.SameErr != nil:
			out = append(out, errResult(r, fmt.Errorf("replica %s lookup: %w", rep.Name, rep.SameErr)))
			continue
		case rep.Same == nil || rep.Same.Len() != len(rep.SameRows):
			out = append(out, errResult(r, fmt.Errorf("replica %s lookup returned no rows for %d entities", rep.Name, len(rep.SameRows))))
			continue
		}
		c := CompareReplica(in.Online, rep.SameRows, rep.Same, in.View.Features)
		r.SampleSize = ptr(c.Compared)
		r.Details = map[string]any{
			"compared": c.Compared, "equal": c.Equal, "behind": c.Behind, "value_differ": c.ValueDiffer,
			"missing": c.Missing, "ahead": c.Ahead,
		}
		if c.Unread > 0 {
			r.Details["unread"] = c.Unread
		}
		if c.Compared > 0 {
			r.Details["missing_ratio"] = float64(c.Missing) / float64(c.Compared)
		}
		if th.LagP99.Warn != nil {
			r.Details["lag_p99_warn_seconds"] = *th.LagP99.Warn
		}
		if th.LagP99.Crit != nil {
			r.Details["lag_p99_crit_seconds"] = *th.LagP99.Crit
		}
		r.Warnings = append(r.Warnings, shardWarnings(rep.Same)...)
		if c.Compared == 0 {
			out = append(out, errResult(r, fmt.Errorf("none of %d sampled entities of the primary could be compared on replica %s", len(rep.SameRows), rep.Name)))
			continue
		}
		_, keys := LagQuantiles()
		for j, l := range lagQuantiles {
			if len(c.Lags) > 0 {
				r.Details[keys[j]] = c.LagQuantile(l.q)
			}
		}
		match := c.Match()
		r.Value = ptr(match)
		r.Status = judgeLow(match, th.Match)
		msg := []string{fmt.Sprintf("%s of %d sampled entities match the primary on %s", Percent(match), c.Compared, rep.Name)}
		if len(c.Lags) > 0 {
			p99 := c.LagQuantile(0.99)
			if s := judgeHigh(p99, th.LagP99); s > r.Status {
				r.Status = s
			}
			msg = append(msg, fmt.Sprintf("lag p99 %s, max %s", HumanDuration(p99), HumanDuration(c.LagQuantile(1))))
		}
		if c.Behind > 0 {
			msg = append(msg, fmt.Sprintf("%d behind", c.Behind))
		}
		if c.ValueDiffer > 0 {
			msg = append(msg, fmt.Sprintf("%d with other values", c.ValueDiffer))
		}
		if c.Missing > 0 {
			msg = append(msg, fmt.Sprintf("%d missing", c.Missing))
		}
		r.Message = strings.Join(msg, "; ")
		out = append(out, r)
	}
	return out
}
