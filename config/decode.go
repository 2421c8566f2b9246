package config

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// maxErrors bounds the problems reported for one file: beyond it the file is
// not worth reading further (and aliases cannot multiply errors without end).
const maxErrors = 500

// maxMergeDepth bounds nested YAML merge keys (<<), which may form cycles.
const maxMergeDepth = 8

// decoder walks a yaml.Node tree against fsmon's schema, collecting every
// problem with its position instead of stopping at the first one.
type decoder struct {
	file string
	errs Errors
	// keys are the positions of the keys decoded so far (Config.Keys).
	keys map[string]Position
}

// note records where key path p is written: its value when that is a
// scalar (where errors about the value point), else the key itself. The
// first place wins: a merged mapping (<<) does not move an explicit key.
func (d *decoder) note(p string, key, val *yaml.Node) {
	if d.keys == nil {
		d.keys = map[string]Position{}
	}
	if _, ok := d.keys[p]; ok {
		return
	}
	n := key
	if v := resolve(val); v != nil && v.Kind == yaml.ScalarNode && !isNull(v) {
		n = v
	}
	d.keys[p] = d.pos(n)
}

// pos is the position of n in the file (Line 0 when n is nil).
func (d *decoder) pos(n *yaml.Node) Position {
	p := Position{File: d.file}
	if n = resolve(n); n != nil {
		p.Line, p.Column = n.Line, n.Column
	}
	return p
}

// errorf records a problem at n's position (n may be nil: no position).
func (d *decoder) errorf(n *yaml.Node, format string, args ...any) {
	if len(d.errs) > maxErrors {
		return
	}
	e := &Error{File: d.file, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	if len(d.errs) == maxErrors {
		e.Msg = fmt.Sprintf("too many errors (more than %d); fix these first", maxErrors)
	}
	d.errs = append(d.errs, e)
}

// resolve follows aliases (a bounded number of times: alias chains cannot
// be long in a parsed document, but be safe against cycles).
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 16; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.AliasNode {
		return nil
	}
	return n
}

// isNull reports whether n is absent or an explicit YAML null (`~`, `null`,
// or nothing after the colon).
func isNull(n *yaml.Node) bool {
	n = resolve(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// describe names what n is, for "got ..." in messages. Scalars are quoted
// as written; callers never describe secret values.
func describe(n *yaml.Node) string {
	n = resolve(n)
	switch {
	case n == nil:
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.ShortTag() == "!!null":
		return "null"
	}
	v := n.Value
	if len(v) > 60 {
		v = v[:60] + "..."
	}
	return strconv.Quote(v)
}

// join extends a path for messages: join("feature_views[0]", "online").
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// where says where a key sits, for unknown and duplicate key messages.
func where(path string) string {
	if path == "" {
		return "at the top level"
	}
	return "in " + path
}

// fields is one decoded YAML mapping: its value and key nodes by key.
type fields struct {
	path string
	node *yaml.Node // the mapping (or the offending node), for positions
	vals map[string]*yaml.Node
	keys map[string]*yaml.Node
	bad  bool // n was not a mapping (reported)
}

// get returns the value node of key, nil when absent.
func (f *fields) get(key string) *yaml.Node { return f.vals[key] }

// has reports whether key is present (even with a null value).
func (f *fields) has(key string) bool { _, ok := f.vals[key]; return ok }

// at returns the best node to blame for key: its value when present, else
// the mapping itself.
func (f *fields) at(key string) *yaml.Node {
	if n := f.vals[key]; n != nil {
		return n
	}
	return f.node
}

// mapping decodes n as a mapping whose keys must be among known. A null or
// absent n is an empty mapping. Unknown and duplicate keys are reported;
// merge keys (<<) are honoured, explicit keys winning.
func (d *decoder) mapping(n *yaml.Node, path string, known ...string) *fields {
	f := &fields{path: path, node: n, vals: map[string]*yaml.Node{}, keys: map[string]*yaml.Node{}}
	if isNull(n) {
		return f
	}
	n = resolve(n)
	f.node = n
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "%s: expected a mapping, got %s", pathOr(path), describe(n))
		f.bad = true
		return f
	}
	d.mappingInto(f, n, known, 0, map[*yaml.Node]bool{n: true})
	return f
}

// pathOr names the top level in messages that start with a path.
func pathOr(path string) string {
	if path == "" {
		return "the config"
	}
	return path
}

func (d *decoder) mappingInto(f *fields, n *yaml.Node, known []string, depth int, seen map[*yaml.Node]bool) {
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		if k == nil || k.Kind != yaml.ScalarNode {
			d.errorf(n.Content[i], "%s: keys must be plain strings, got %s", pathOr(f.path), describe(k))
			continue
		}
		if k.ShortTag() == "!!merge" {
			merges = append(merges, v)
			continue
		}
		name := k.Value
		if !contains(known, name) {
			hint := ""
			if s := suggest(name, known); s != "" {
				hint = fmt.Sprintf(": did you mean %q?", s)
			}
			d.errorf(k, "unknown key %q %s%s (expected one of: %s)", name, where(f.path), hint, strings.Join(known, ", "))
			continue
		}
		if first, dup := f.keys[name]; dup {
			d.errorf(k, "duplicate key %q %s (first set at line %d)", name, where(f.path), first.Line)
			continue
		}
		f.keys[name], f.vals[name] = k, v
		d.note(join(f.path, name), k, v)
	}
	// Merged mappings fill only what the mapping itself does not set.
	for _, m := range merges {
		if depth >= maxMergeDepth {
			d.errorf(m, "%s: merge keys (<<) nested too deep", pathOr(f.path))
			return
		}
		m = resolve(m)
		var sources []*yaml.Node
		switch {
		case m == nil:
		case m.Kind == yaml.MappingNode:
			sources = []*yaml.Node{m}
		case m.Kind == yaml.SequenceNode:
			for _, s := range m.Content {
				sources = append(sources, resolve(s))
			}
		}
		for _, s := range sources {
			if seen[s] {
				continue // merged already (or a cycle): once is enough
			}
			seen[s] = true
			if s == nil || s.Kind != yaml.MappingNode {
				d.errorf(m, "%s: a merge key (<<) needs a mapping or a list of mappings", pathOr(f.path))
				continue
			}
			sub := &fields{path: f.path, node: f.node, vals: map[string]*yaml.Node{}, keys: map[string]*yaml.Node{}}
			d.mappingInto(sub, s, known, depth+1, seen)
			for k, v := range sub.vals {
				if _, ok := f.keys[k]; !ok {
					f.keys[k], f.vals[k] = sub.keys[k], v
				}
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// sequence decodes n as a list; null or absent is an empty list.
func (d *decoder) sequence(n *yaml.Node, path string) []*yaml.Node {
	if isNull(n) {
		return nil
	}
	n = resolve(n)
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, "%s: expected a list, got %s", path, describe(n))
		return nil
	}
	for i, item := range n.Content {
		d.note(fmt.Sprintf("%s[%d]", path, i), item, item)
	}
	return n.Content
}

// scalar returns n as a scalar node, reporting anything else. ok is false
// for absent or null values (treated as omitted) and for errors.
func (d *decoder) scalar(n *yaml.Node, path, want string) (*yaml.Node, bool) {
	if isNull(n) {
		return nil, false
	}
	n = resolve(n)
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, "%s: expected %s, got %s", path, want, describe(n))
		return nil, false
	}
	return n, true
}

// str decodes a string. Any scalar is accepted as its text (`project: 123`
// is the string "123"); an empty string counts as omitted.
func (d *decoder) str(n *yaml.Node, path string) string {
	s, ok := d.scalar(n, path, "a string")
	if !ok {
		return ""
	}
	return s.Value
}

// boolean decodes true/false.
func (d *decoder) boolean(n *yaml.Node, path string) (v, ok bool) {
	s, ok := d.scalar(n, path, "true or false")
	if !ok {
		return false, false
	}
	if err := s.Decode(&v); err != nil || s.ShortTag() != "!!bool" {
		d.errorf(s, "%s: expected true or false, got %s", path, describe(s))
		return false, false
	}
	return v, true
}

// integer decodes an integer of at least min.
func (d *decoder) integer(n *yaml.Node, path string, min int, want string) (int, bool) {
	s, ok := d.scalar(n, path, want)
	if !ok {
		return 0, false
	}
	var v int
	if s.ShortTag() != "!!int" || s.Decode(&v) != nil || v < min {
		d.errorf(s, "%s: expected %s, got %s", path, want, describe(s))
		return 0, false
	}
	return v, true
}

// byteSize decodes a positive size in bytes: an integer, or a number with
// a unit of KiB, MiB, GiB (powers of 1024) or KB, MB, GB (powers of 1000).
func (d *decoder) byteSize(n *yaml.Node, path string) (int64, bool) {
	want := "a size like 128MiB or a number of bytes"
	s, ok := d.scalar(n, path, want)
	if !ok {
		return 0, false
	}
	v, err := ParseBytes(s.Value)
	if err != nil {
		d.errorf(s, "%s: expected %s, got %s", path, want, describe(s))
		return 0, false
	}
	return v, true
}

// ParseBytes parses a positive size in bytes: "1048576", "128MiB", "2GB".
func ParseBytes(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}
	num, mult := strings.TrimSpace(s), int64(1)
	for _, u := range units {
		if rest, ok := strings.CutSuffix(num, u.suffix); ok {
			num, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	v, err := strconv.ParseInt(num, 10, 64)
	if err != nil || v <= 0 || v > math.MaxInt64/mult {
		return 0, fmt.Errorf("bad size %q (want a positive number of bytes, or of KiB, MiB, GiB, KB, MB, GB)", s)
	}
	return v * mult, nil
}

// number decodes a finite number within [min, max].
func (d *decoder) number(n *yaml.Node, path string, min, max float64, want string) (float64, bool) {
	s, ok := d.scalar(n, path, want)
	if !ok {
		return 0, false
	}
	var v float64
	tag := s.ShortTag()
	if (tag != "!!int" && tag != "!!float") || s.Decode(&v) != nil || math.IsNaN(v) || v < min || v > max {
		d.errorf(s, "%s: expected %s, got %s", path, want, describe(s))
		return 0, false
	}
	return v, true
}

// duration decodes a Prometheus duration; positive requires it to be > 0.
func (d *decoder) duration(n *yaml.Node, path string, positive bool) (time.Duration, bool) {
	want := "a duration like 90s, 2h or 7d"
	if positive {
		want = "a positive duration like 90s, 2h or 7d"
	}
	s, ok := d.scalar(n, path, want)
	if !ok {
		return 0, false
	}
	v, err := ParseDuration(s.Value)
	if err != nil || (positive && v <= 0) {
		d.errorf(s, "%s: expected %s, got %s", path, want, describe(s))
		return 0, false
	}
	return v, true
}

// httpURL decodes an absolute http(s) URL. The value is not echoed: URLs
// sometimes carry tokens.
func (d *decoder) httpURL(n *yaml.Node, path string) string {
	s, ok := d.scalar(n, path, "an http(s) URL")
	if !ok {
		return ""
	}
	u, err := url.Parse(s.Value)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		d.errorf(s, "%s: expected an absolute http:// or https:// URL", path)
		return ""
	}
	return s.Value
}

// suggest returns the known key closest to a misspelt one: within two
// edits (one for keys of four letters or fewer), or one being a prefix of
// the other ("warning" for "warn").
func suggest(name string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		limit := 2
		if len(k) <= 4 {
			limit = 1
		}
		dist := editDistance(strings.ToLower(name), k)
		if dist <= limit && dist < bestDist {
			best, bestDist = k, dist
		}
	}
	if best != "" {
		return best
	}
	for _, k := range known {
		if len(k) >= 3 && len(name) >= 3 && (strings.HasPrefix(name, k) || strings.HasPrefix(k, name)) {
			return k
		}
	}
	return ""
}

// editDistance is the Levenshtein distance of two short strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
