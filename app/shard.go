package app

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/fsmon/fsmon/config"
)

// Shard is one fsmon replica's part of the feature views: the views whose
// hash of "project/view" modulo Count equals Index. The hash is
// Prometheus' hashmod (the last 8 bytes of the MD5 sum, big-endian), so
// each view is checked by exactly one of Count replicas whatever their
// order of start, and moves only when Count changes.
type Shard struct {
	Index, Count int
}

// ParseShard reads "i/n" (--shard). i may be "ordinal": the number after
// the last '-' of $HOSTNAME, i.e. a StatefulSet pod's ordinal.
func ParseShard(s string) (Shard, error) {
	is, ns, ok := strings.Cut(s, "/")
	if !ok {
		return Shard{}, fmt.Errorf("--shard %q: want i/n, e.g. 0/3", s)
	}
	n, err := strconv.Atoi(ns)
	if err != nil || n < 1 {
		return Shard{}, fmt.Errorf("--shard %q: n must be a positive integer", s)
	}
	if is == "ordinal" {
		host := os.Getenv("HOSTNAME")
		k := strings.LastIndexByte(host, '-')
		if k < 0 {
			return Shard{}, fmt.Errorf("--shard %q: $HOSTNAME %q has no -<ordinal> suffix", s, host)
		}
		is = host[k+1:]
	}
	i, err := strconv.Atoi(is)
	if err != nil || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("--shard %q: i must be an integer from 0 to %d", s, n-1)
	}
	return Shard{Index: i, Count: n}, nil
}

// Owns reports whether the view project/name belongs to this shard.
func (s Shard) Owns(project, name string) bool {
	if s.Count <= 1 {
		return true
	}
	sum := md5.Sum([]byte(project + "/" + name))
	return binary.BigEndian.Uint64(sum[8:])%uint64(s.Count) == uint64(s.Index)
}

// shardState is what the status API says of this replica's share.
type shardState struct {
	Index      int        `json:"index"`
	Count      int        `json:"count"`
	Views      []viewName `json:"views"`
	TotalViews int        `json:"total_views"`
}

type viewName struct {
	Project string `json:"project,omitempty"`
	Name    string `json:"name"`
}

// shardOf is the shard of this process: the --shard flag, else the
// config's sharding, else the one shard of all views.
func (a *App) shardOf(cfg *config.Config) Shard {
	if a.opts.Shard != nil {
		return *a.opts.Shard
	}
	if cfg.Sharding != nil {
		return Shard{Index: cfg.Sharding.Index, Count: cfg.Sharding.Count}
	}
	return Shard{Index: 0, Count: 1}
}

// keepOwnViews drops from cfg the views of other shards and records which
// views are this replica's.
func (a *App) keepOwnViews(cfg *config.Config) {
	sh := a.shardOf(cfg)
	st := shardState{Index: sh.Index, Count: sh.Count, TotalViews: len(cfg.Views), Views: []viewName{}}
	own := cfg.Views[:0:0]
	for _, v := range cfg.Views {
		if sh.Owns(v.Project, v.Name) {
			own = append(own, v)
			st.Views = append(st.Views, viewName{v.Project, v.Name})
		}
	}
	sort.Slice(st.Views, func(i, j int) bool {
		return st.Views[i].Project+"/"+st.Views[i].Name < st.Views[j].Project+"/"+st.Views[j].Name
	})
	cfg.Views = own
	a.shardMu.Lock()
	a.shard = st
	a.shardMu.Unlock()
	if sh.Count > 1 {
		a.log.Info("sharded: checking this replica's views", "shard", sh.Index, "of", sh.Count, "views", len(own), "total_views", st.TotalViews)
	}
}

// shardSummary is the status page's line about this replica's share, ""
// when unsharded.
func (a *App) shardSummary() string {
	a.shardMu.Lock()
	defer a.shardMu.Unlock()
	if a.shard.Count <= 1 {
		return ""
	}
	return fmt.Sprintf("shard %d of %d: %d of %d feature views", a.shard.Index, a.shard.Count, len(a.shard.Views), a.shard.TotalViews)
}

// serveShard answers /api/v1/shard: this replica's index, count and views.
func (a *App) serveShard(w http.ResponseWriter, _ *http.Request) {
	a.shardMu.Lock()
	st := a.shard
	a.shardMu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(st)
}
