package checks

import (
	"fmt"
	"time"

	"github.com/fsmon/fsmon/config"
	"github.com/fsmon/fsmon/sample"
)

// DetailShards is the Details key of a result's per-shard breakdown
// ([]ShardDetail), present when the online store was read in parts (the
// shards of a Redis Cluster).
const DetailShards = "shards"

// ShardDetail is a check's value on the rows of one shard, so that "shard 2
// is stale" is visible beside the view's overall value.
type ShardDetail struct {
	// Shard is the shard's bounded name ("0", "1", ... by lowest slot).
	Shard string `json:"shard"`
	// Node is the address read; Slots the hash slots the shard serves.
	Node  string `json:"node,omitempty"`
	Slots string `json:"slots,omitempty"`
	// Share is the shard's estimated share of the store's keys.
	Share float64 `json:"share"`
	// SampleSize is the number of rows of the shard the value is over.
	SampleSize int `json:"sample_size"`
	// Value is the check's value on those rows (omitted when there are
	// none, or the shard could not be read).
	Value *float64 `json:"value,omitempty"`
	// Interval is the 95% Wilson interval of Value when it is a rate.
	Interval *Interval `json:"interval,omitempty"`
	// Error says why the shard could not be read: its share is missing
	// from the result, which is not a data problem.
	Error string `json:"error,omitempty"`
}

// Shards returns the per-shard breakdown of r, or nil.
func Shards(r Result) []ShardDetail {
	d, _ := r.Details[DetailShards].([]ShardDetail)
	return d
}

// byShard groups the rows 0..n-1 by the part partOf gives (-1: none) and
// computes value on each part's rows.
func byShard(parts []sample.Part, n int, partOf func(i int) int, value func(rows []int) (float64, bool)) []ShardDetail {
	return byShardInterval(parts, n, partOf, func(rows []int) (float64, *Interval, bool) {
		v, ok := value(rows)
		return v, nil, ok
	})
}

// rateByShard is byShard for a rate: count returns how many of a part's
// rows are counted, and each part gets the rate and its Wilson interval.
func rateByShard(parts []sample.Part, n int, partOf func(i int) int, count func(rows []int) int) []ShardDetail {
	return byShardInterval(parts, n, partOf, func(rows []int) (float64, *Interval, bool) {
		k := count(rows)
		return float64(k) / float64(len(rows)), RateInterval(k, len(rows)), true
	})
}

func byShardInterval(parts []sample.Part, n int, partOf func(i int) int, value func(rows []int) (float64, *Interval, bool)) []ShardDetail {
	if len(parts) == 0 {
		return nil
	}
	groups := make([][]int, len(parts))
	for i := 0; i < n; i++ {
		if p := partOf(i); p >= 0 && p < len(parts) {
			groups[p] = append(groups[p], i)
		}
	}
	out := make([]ShardDetail, 0, len(parts))
	for p, part := range parts {
		d := ShardDetail{Shard: part.Name, Node: part.Node, Slots: part.Slots, Share: part.Share, SampleSize: len(groups[p]), Error: part.Err}
		if part.Err == "" && len(groups[p]) > 0 {
			if v, iv, ok := value(groups[p]); ok {
				d.Value, d.Interval = ptr(v), iv
			}
		}
		out = append(out, d)
	}
	return out
}

// partOf returns the part index of row i of s (-1 when s has no parts).
func partOf(s *sample.Sample) func(i int) int {
	return func(i int) int {
		if i < len(s.PartOf) {
			return s.PartOf[i]
		}
		return -1
	}
}

// shardWarnings names the parts of s that could not be read.
func shardWarnings(s *sample.Sample) []string {
	if s == nil {
		return nil
	}
	var out []string
	for _, p := range s.Parts {
		if p.Err != "" {
			out = append(out, fmt.Sprintf("shard %s could not be read; the result covers the other shards: %s", p.Name, p.Err))
		}
	}
	return out
}

// addShards records the breakdown d (when there is one) and the unread
// shards of s in r.
func addShards(r *Result, s *sample.Sample, d []ShardDetail) {
	if d == nil {
		return
	}
	if r.Details == nil {
		r.Details = map[string]any{}
	}
	r.Details[DetailShards] = d
	r.Warnings = append(r.Warnings, shardWarnings(s)...)
}

// freshnessByShard is the age of the newest event of each shard.
func freshnessByShard(s *sample.Sample, now time.Time) []ShardDetail {
	return byShard(s.Parts, s.Len(), partOf(s), func(rows []int) (float64, bool) {
		var newest int64
		have := false
		for _, i := range rows {
			if s.HasTime[i] && (!have || s.Times[i] > newest) {
				newest, have = s.Times[i], true
			}
		}
		return now.Sub(time.Unix(0, newest)).Seconds(), have
	})
}

// nullRateByShard is the null fraction of a feature over each shard's
// population rows.
func nullRateByShard(s *sample.Sample, col *sample.Column) []ShardDetail {
	pop := func(i int) int {
		if !s.HasTime[i] {
			return -1
		}
		return partOf(s)(i)
	}
	return rateByShard(s.Parts, s.Len(), pop, func(rows []int) int {
		null := 0
		for _, i := range rows {
			if col == nil || col.Nulls[i] == sample.Absent || col.Nulls[i] == sample.Empty {
				null++
			}
		}
		return null
	})
}

// coverageByShard is the fraction of each shard's looked-up entities that
// are in the online population.
func coverageByShard(s *sample.Sample) []ShardDetail {
	return rateByShard(s.Parts, s.Len(), partOf(s), func(rows []int) int {
		hit := 0
		for _, i := range rows {
			if s.HasTime[i] {
				hit++
			}
		}
		return hit
	})
}

// consistencyByShard is, for each shard, the fraction of its sampled
// entities with an offline row whose value equals the offline one.
func consistencyByShard(in *Input, f config.Feature, on, off *sample.Column) []ShardDetail {
	part := func(k int) int {
		if !in.AsOf.HasTime[k] {
			return -1
		}
		return partOf(in.Online)(in.AsOfRows[k])
	}
	return rateByShard(in.Online.Parts, len(in.AsOfRows), part, func(rows []int) int {
		equal := 0
		for _, k := range rows {
			if sameValue(sample.Type(f.Type), on, in.AsOfRows[k], off, k) {
				equal++
			}
		}
		return equal
	})
}
