package config

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// finish applies defaults to every view (configured or discovered) and
// runs the checks that need the final view list: required fields by
// layout, key templates, duplicates and threshold order.
func (d *decoder) finish(c *Config, st *state) {
	byPos := map[[2]int]*viewSrc{}
	for _, s := range st.views {
		if s.line > 0 {
			byPos[[2]int{s.line, s.column}] = s
		}
	}
	type key struct{ project, name string }
	firstSeen := map[key]*yaml.Node{}
	maxSample := c.SampleSize
	for i := range c.Views {
		v := &c.Views[i]
		src := byPos[[2]int{v.Line, v.Column}]
		if src == nil || src.used {
			src = nil
			for _, s := range st.views {
				if !s.used && s.name == v.Name && s.name != "" && (s.project == "" || s.project == v.Project) {
					src = s
					break
				}
			}
		}
		if src != nil {
			src.used = true
		}
		if src != nil && src.bad {
			continue // reported: not a mapping
		}
		d.finishView(c, v, src, st)

		k := key{v.Project, v.Name}
		at := blame(src, nil, "name", st.feastNode)
		if first, dup := firstSeen[k]; dup && v.Name != "" {
			where := ""
			if v.Project != "" {
				where = fmt.Sprintf(" in project %q", v.Project)
			}
			line := 0
			if first != nil {
				line = first.Line
			}
			d.errorf(at, "%s: duplicate feature view %q%s (first at line %d)", viewPath(v, src), v.Name, where, line)
		} else if v.Name != "" {
			firstSeen[k] = at
		}
		maxSample = max(maxSample, v.SampleSize)
	}
	if len(c.Views) == 0 && c.Feast == nil && !st.badViews {
		at := st.root
		if at == nil {
			at = &yaml.Node{Line: 1, Column: 1}
		}
		d.errorf(at, "no feature views: list them under feature_views or discover them with feast.repo")
	}
	if !st.maxScan {
		c.Online.Redis.MaxScan = DefaultMaxScanFactor * maxSample
	}
	for i := range c.Online.Replicas {
		if c.Online.Replicas[i].Redis.MaxScan == 0 {
			c.Online.Replicas[i].Redis.MaxScan = DefaultMaxScanFactor * maxSample
		}
	}
}

// viewPath names a view in messages: its place in the file, or its name
// when it was discovered from Feast.
func viewPath(v *View, src *viewSrc) string {
	if src != nil {
		return src.path
	}
	return fmt.Sprintf("feature view %q (from feast)", v.Name)
}

// blame picks the node a problem about key is reported at: the key's value
// in f, else f itself, else the view, else fallback.
func blame(src *viewSrc, f *fields, key string, fallback *yaml.Node) *yaml.Node {
	if f == nil && src != nil {
		f = src.f
	}
	if f != nil {
		if n := f.get(key); n != nil && key != "" {
			return resolve(n)
		}
		if f.node != nil {
			return f.node
		}
	}
	if src != nil && src.f != nil && src.f.node != nil {
		return src.f.node
	}
	return fallback
}

func (d *decoder) finishView(c *Config, v *View, src *viewSrc, st *state) {
	p := viewPath(v, src)
	var on, off *fields
	if src != nil {
		on, off = src.online, src.offline
	}
	at := func(f *fields, key string) *yaml.Node { return blame(src, f, key, st.feastNode) }

	if v.Source == "" {
		v.Source = "config"
	}
	if v.Interval == 0 {
		v.Interval = c.Interval
		if src != nil && src.interval > 0 {
			v.Interval = src.interval
		}
	}
	v.FutureTolerance = c.FutureTolerance
	if v.SampleSize == 0 {
		v.SampleSize = c.SampleSize
		if src != nil && src.sampleSize > 0 {
			v.SampleSize = src.sampleSize
		}
	}
	if v.Online.Layout == "" {
		v.Online.Layout = LayoutHash
	}
	if v.Offline != nil && v.Offline.Window == 0 {
		v.Offline.Window = DefaultWindow
		if src != nil && src.window > 0 {
			v.Offline.Window = src.window
		}
	}
	var rc rawChecks
	if src != nil {
		rc = src.checks
	}
	v.Checks = defaultedChecks(rc, v, c.MinSample)

	var badEntities, badFeatures, badLayout bool
	if src != nil {
		badEntities, badFeatures, badLayout = src.badEntities, src.badFeatures, src.badLayout
	}

	unknownToFeast := st.discovered && v.Source == "config" && src != nil && !src.online.has("layout") && v.Online.Key == ""
	badFeatures = badFeatures || unknownToFeast

	// Required fields by layout.
	switch layout := v.Online.Layout; {
	case badLayout:
	case unknownToFeast:
		// Most likely meant to adjust a Feast view, under a name the
		// registry does not have: say so instead of asking for a key.
		d.errorf(at(nil, "name"), "%s: no feature view %q in the Feast registry of %s (to monitor a view Feast does not know, give it online.key and online.timestamp_field)", p, v.Name, c.Feast.Repo)
	case layout == LayoutHash || layout == LayoutString:
		l := v.Online.Layout
		if len(v.Entities) == 0 && !badEntities {
			d.errorf(at(nil, "entities"), "%s: entities are required for the %s layout", p, l)
		}
		if v.Online.Key == "" {
			d.errorf(at(on, ""), "%s.online: key is required for the %s layout (e.g. %s)", p, l, exampleKey(l))
		} else if !badEntities {
			d.keyTemplate(at(on, "key"), p+".online.key", v.Online.Key, l, v.Entities)
		}
		if v.Online.TimestampField == "" {
			d.errorf(at(on, ""), "%s.online: timestamp_field is required for the %s layout (the field holding the event time)", p, l)
		}
	case layout == LayoutFeast:
		if v.Project == "" {
			d.errorf(at(nil, ""), "%s: project is required for the feast layout (Feast keys include it)", p)
		}
		if src != nil && v.Source == "config" {
			if v.Online.Key != "" {
				d.errorf(at(on, "key"), "%s.online.key: not used by the feast layout (Feast fixes the key)", p)
			}
			if v.Online.TimestampField != "" {
				d.errorf(at(on, "timestamp_field"), "%s.online.timestamp_field: not used by the feast layout (Feast stores _ts:<view>)", p)
			}
		}
	default:
		d.errorf(at(on, "layout"), "%s.online.layout: unknown layout %q (expected one of: hash, string, feast)", p, v.Online.Layout)
	}

	if len(v.Features) == 0 && !badFeatures {
		hint := ""
		if c.Feast != nil {
			hint = " (none were found in the Feast registry either)"
		}
		d.errorf(at(nil, "features"), "%s: at least one feature is required%s", p, hint)
	}
	for _, f := range v.Features {
		if f.Type == "" {
			n := st.feastNode
			if src != nil && src.features[f.Name] != nil {
				n = src.features[f.Name]
			}
			d.errorf(n, "%s: feature %q has no type (one of: %s), and Feast does not know it", p, f.Name, strings.Join(FeatureTypes(), ", "))
		}
	}

	if v.Offline != nil {
		if v.Offline.Path == "" {
			d.errorf(at(off, ""), "%s.offline: path is required (a file, directory or glob under offline.parquet.root)", p)
		}
		if v.Offline.TimestampColumn == "" {
			d.errorf(at(off, ""), "%s.offline: timestamp_column is required (the event time column)", p)
		}
	}

	cp := p + ".checks"
	d.order(cp+".freshness", v.Checks.Freshness, rc.freshness, true, true, "the view's ttl")
	d.order(cp+".null_rate", v.Checks.NullRate, rc.nullRate, true, false, "the default")
	d.order(cp+".coverage", v.Checks.Coverage, rc.coverage, false, false, "the default")
	d.order(cp+".consistency", v.Checks.Consistency, rc.consistency, false, false, "the default")
	d.order(cp+".skew.psi", v.Checks.Skew.PSI, rc.psi, true, false, "the default")
	d.order(cp+".drift.psi", v.Checks.Drift.PSI, rc.drift.psi, true, false, "the default")
	d.order(cp+".replication.match", v.Checks.Replication.Match, rc.match, false, false, "the default")
	d.order(cp+".replication.lag_p99", v.Checks.Replication.LagP99, rc.lagP99, true, true, "the default")

	refs := []*Reference{v.Reference}
	for _, f := range v.Features {
		refs = append(refs, f.Reference)
	}
	for _, r := range refs {
		if r == nil {
			continue
		}
		at := &yaml.Node{Line: r.Line, Column: r.Column}
		switch r.Kind() {
		case ReferenceRange:
			if v.Offline == nil {
				d.errorf(at, "%s: a reference time range (from/to) reads the view's offline store, and the view has none", r.path)
			}
		case ReferenceSavedDataset:
			if c.Feast == nil {
				d.errorf(at, "%s: a reference saved_dataset is read from the Feast registry: set feast.repo", r.path)
			}
		}
		if r.TimestampColumn == "" && (r.Kind() == ReferencePath || r.Kind() == ReferenceSavedDataset) {
			r.TimestampColumn = "event_timestamp"
			if v.Offline != nil && v.Offline.TimestampColumn != "" && r.Kind() == ReferencePath {
				r.TimestampColumn = v.Offline.TimestampColumn
			}
		}
	}
}

func exampleKey(l Layout) string {
	if l == LayoutString {
		return `"feat:{driver_id}:{feature}"`
	}
	return `"fs:driver:{driver_id}"`
}

// keyTemplate checks a key template: placeholders must name entities (or
// {feature} in the string layout), every entity must appear, and the
// string layout needs {feature}.
func (d *decoder) keyTemplate(n *yaml.Node, path, key string, l Layout, entities []string) {
	seen := map[string]bool{}
	rest := key
	for {
		open := strings.IndexAny(rest, "{}")
		if open < 0 {
			break
		}
		if rest[open] == '}' {
			d.errorf(n, "%s: unmatched } in the key template", path)
			return
		}
		end := strings.IndexAny(rest[open+1:], "{}")
		if end < 0 || rest[open+1+end] == '{' {
			d.errorf(n, "%s: unclosed { in the key template", path)
			return
		}
		name := rest[open+1 : open+1+end]
		rest = rest[open+1+end+1:]
		switch {
		case name == "feature" && l == LayoutString:
		case name == "feature":
			d.errorf(n, "%s: {feature} is only for the string layout (a hash holds every feature of an entity)", path)
		case contains(entities, name):
		case len(entities) == 0:
			d.errorf(n, "%s: placeholder {%s} names no entity (the view lists no entities)", path, name)
		default:
			d.errorf(n, "%s: placeholder {%s} names no entity (entities: %s)", path, name, strings.Join(entities, ", "))
		}
		seen[name] = true
	}
	for _, e := range entities {
		if !seen[e] {
			d.errorf(n, "%s: entity %s does not appear in the key (every entity must, as {%s})", path, e, e)
		}
	}
	if l == LayoutString && !seen["feature"] {
		d.errorf(n, "%s: the string layout needs {feature} in the key (one key per entity and feature)", path)
	}
}

// defaultedChecks fills what the view's checks section leaves out with
// docs/contract.md section 2's defaults.
func defaultedChecks(rc rawChecks, v *View, minSample int) Checks {
	f := func(x float64) *float64 { return &x }
	pick := func(r rawThr, warn, crit *float64) Thresholds {
		t := Thresholds{Warn: warn, Crit: crit}
		if r.warnSet {
			t.Warn = r.warn
		}
		if r.critSet {
			t.Crit = r.crit
		}
		return t
	}
	var freshCrit *float64
	if v.TTL > 0 {
		freshCrit = f(v.TTL.Seconds())
	}
	c := Checks{
		Freshness:   pick(rc.freshness, nil, freshCrit),
		NullRate:    pick(rc.nullRate, f(0.01), f(0.05)),
		Coverage:    pick(rc.coverage, f(0.99), f(0.95)),
		Consistency: pick(rc.consistency, f(0.999), f(0.99)),
		Skew: Skew{
			PValue:       0.01,
			MinStatistic: 0.1,
			PSI:          pick(rc.psi, f(0.1), f(0.25)),
		},
	}
	if rc.pValue != nil {
		c.Skew.PValue = *rc.pValue
	}
	if rc.minStatistic != nil {
		c.Skew.MinStatistic = *rc.minStatistic
	}
	c.Replication = Replication{
		Match:  pick(rc.match, f(0.99), f(0.95)),
		LagP99: pick(rc.lagP99, f(DefaultReplicationLagWarn.Seconds()), f(DefaultReplicationLagCrit.Seconds())),
	}
	c.Drift = Skew{PValue: 0.01, MinStatistic: 0.1, PSI: pick(rc.drift.psi, f(0.1), f(0.25))}
	if rc.drift.pValue != nil {
		c.Drift.PValue = *rc.drift.pValue
	}
	if rc.drift.minStatistic != nil {
		c.Drift.MinStatistic = *rc.drift.minStatistic
	}
	or := func(p *int) int {
		if p != nil {
			return *p
		}
		return minSample
	}
	c.MinSample = MinSample{
		NullRate: or(rc.nullRate.minSample), Coverage: or(rc.coverage.minSample), Consistency: or(rc.consistency.minSample),
		Skew: or(rc.skewMinSample), Drift: or(rc.drift.minSample),
	}
	return c
}

// order reports a warn threshold that is worse than crit: above it when
// higher values are worse, below it otherwise.
func (d *decoder) order(path string, t Thresholds, r rawThr, higherIsWorse, isDuration bool, critDefault string) {
	if t.Warn == nil || t.Crit == nil || r.bad {
		return
	}
	w, c := *t.Warn, *t.Crit
	if (higherIsWorse && w <= c) || (!higherIsWorse && w >= c) {
		return
	}
	show := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	if isDuration {
		show = func(x float64) string { return formatDuration(secondsToDuration(x)) }
	}
	ws, cs := show(w), show(c)
	if !r.warnSet {
		ws += ", the default"
	}
	if !r.critSet {
		cs += ", " + critDefault
	}
	rel := "above"
	if !higherIsWorse {
		rel = "below"
	}
	at := r.warnNode
	if !r.warnSet {
		at = r.critNode
	}
	if at == nil {
		at = r.node
	}
	d.errorf(at, "%s: warn (%s) must not be %s crit (%s): warn is the less bad level", path, ws, rel, cs)
}
