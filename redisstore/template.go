package redisstore

import (
	"fmt"
	"strings"
)

// featurePlaceholder is the placeholder of the string layout that stands for
// a feature name (or the timestamp field) in a key template.
const featurePlaceholder = "feature"

// segment is one piece of a parsed key template: literal text, or a
// placeholder naming a join key (index into the view's entities) or the
// feature.
type segment struct {
	lit     string
	isPH    bool
	entity  int  // index into View.Entities when isPH && !feature
	feature bool // the {feature} placeholder
}

// template is a parsed key template such as "fs:driver:{driver_id}".
type template struct {
	segs []segment
}

// parseTemplate parses tmpl against the view's join keys. allowFeature says
// whether the {feature} placeholder is allowed (string layout) or required.
func parseTemplate(tmpl string, entities []string, wantFeature bool) (*template, error) {
	idx := make(map[string]int, len(entities))
	for i, e := range entities {
		if _, dup := idx[e]; dup {
			return nil, fmt.Errorf("entity %q listed twice", e)
		}
		if e == featurePlaceholder {
			return nil, fmt.Errorf("entity may not be named %q (reserved for the string layout)", e)
		}
		idx[e] = i
	}
	t := &template{}
	seen := make([]bool, len(entities))
	nFeature := 0
	rest := tmpl
	for rest != "" {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			t.segs = append(t.segs, segment{lit: rest})
			break
		}
		if open > 0 {
			t.segs = append(t.segs, segment{lit: rest[:open]})
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			return nil, fmt.Errorf("key template %q: unclosed '{'", tmpl)
		}
		name := rest[open+1 : open+end]
		rest = rest[open+end+1:]
		if len(t.segs) > 0 && t.segs[len(t.segs)-1].isPH {
			return nil, fmt.Errorf("key template %q: placeholder {%s} must be separated from the one before it by literal text", tmpl, name)
		}
		if name == featurePlaceholder {
			if !wantFeature {
				return nil, fmt.Errorf("key template %q: {feature} is only allowed in the string layout", tmpl)
			}
			nFeature++
			t.segs = append(t.segs, segment{isPH: true, feature: true})
			continue
		}
		i, ok := idx[name]
		if !ok {
			return nil, fmt.Errorf("key template %q: placeholder {%s} is not one of the view's entities %v", tmpl, name, entities)
		}
		seen[i] = true
		t.segs = append(t.segs, segment{isPH: true, entity: i})
	}
	for i, ok := range seen {
		if !ok {
			return nil, fmt.Errorf("key template %q: entity %q has no placeholder", tmpl, entities[i])
		}
	}
	if wantFeature && nFeature != 1 {
		return nil, fmt.Errorf("key template %q: the string layout needs exactly one {feature} placeholder, found %d", tmpl, nFeature)
	}
	return t, nil
}

// withFeature returns the template with {feature} replaced by the literal
// name, adjacent literals merged.
func (t *template) withFeature(name string) *template {
	out := &template{}
	for _, s := range t.segs {
		if s.feature {
			s = segment{lit: name}
		}
		if !s.isPH && len(out.segs) > 0 && !out.segs[len(out.segs)-1].isPH {
			out.segs[len(out.segs)-1].lit += s.lit
			continue
		}
		out.segs = append(out.segs, s)
	}
	return out
}

// globEscape escapes the glob metacharacters of Redis' MATCH (* ? [ ] \).
func globEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '*', '?', '[', ']', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// pattern is the SCAN MATCH pattern: literals escaped, placeholders as '*'.
func (t *template) pattern() string {
	var b strings.Builder
	for _, s := range t.segs {
		if s.isPH {
			b.WriteByte('*')
		} else {
			b.WriteString(globEscape(s.lit))
		}
	}
	return b.String()
}

// build substitutes the entity values (in View.Entities order) into the
// template. The template must have no {feature} placeholder left.
func (t *template) build(values []string) string {
	var b strings.Builder
	for _, s := range t.segs {
		switch {
		case !s.isPH:
			b.WriteString(s.lit)
		case s.feature:
			// Not reached for templates prepared with withFeature.
			b.WriteString("{feature}")
		default:
			b.WriteString(values[s.entity])
		}
	}
	return b.String()
}

// parse extracts the entity values (in View.Entities order) from key. A
// placeholder followed by literal text ends at the first occurrence of that
// text, except the last placeholder, which ends where the final literal
// begins; so only the last placeholder's value may contain the literal text
// that follows it. A placeholder used twice must hold the same value. ok is
// false when the key does not fit the template.
func (t *template) parse(key string, n int) (values []string, ok bool) {
	values = make([]string, n)
	set := make([]bool, n)
	pos := 0
	for i, s := range t.segs {
		if !s.isPH {
			if !strings.HasPrefix(key[pos:], s.lit) {
				return nil, false
			}
			pos += len(s.lit)
			continue
		}
		var end int
		switch {
		case i == len(t.segs)-1:
			end = len(key)
		case i == len(t.segs)-2:
			// The final literal anchors at the end of the key.
			lit := t.segs[i+1].lit
			if len(key)-len(lit) < pos || !strings.HasSuffix(key, lit) {
				return nil, false
			}
			end = len(key) - len(lit)
		default:
			j := strings.Index(key[pos:], t.segs[i+1].lit)
			if j < 0 {
				return nil, false
			}
			end = pos + j
		}
		v := key[pos:end]
		pos = end
		if s.feature {
			continue
		}
		if set[s.entity] && values[s.entity] != v {
			return nil, false
		}
		values[s.entity], set[s.entity] = v, true
	}
	if pos != len(key) {
		return nil, false
	}
	return values, true
}
