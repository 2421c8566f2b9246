package redisstore

import (
	"math"
	"reflect"
	"testing"

	"github.com/fsmon/fsmon/sample"
)

func TestTemplatePatternEscapesGlob(t *testing.T) {
	tests := []struct {
		tmpl     string
		entities []string
		str      bool
		want     string
	}{
		{"fs:driver:{driver_id}", []string{"driver_id"}, false, "fs:driver:*"},
		{"fs*[x]?\\:{id}", []string{"id"}, false, `fs\*\[x\]\?\\:*`},
		{"trip:{city}:{driver_id}", []string{"driver_id", "city"}, false, "trip:*:*"},
		{"{id}", []string{"id"}, false, "*"},
	}
	for _, tc := range tests {
		tp, err := parseTemplate(tc.tmpl, tc.entities, tc.str)
		if err != nil {
			t.Fatalf("%q: %v", tc.tmpl, err)
		}
		if got := tp.pattern(); got != tc.want {
			t.Errorf("pattern(%q) = %q, want %q", tc.tmpl, got, tc.want)
		}
	}
	tp, err := parseTemplate("feat:{driver_id}:{feature}", []string{"driver_id"}, true)
	if err != nil {
		t.Fatal(err)
	}
	if got := tp.withFeature("ts*").pattern(); got != `feat:*:ts\*` {
		t.Errorf("string layout timestamp pattern = %q", got)
	}
}

func TestTemplateParse(t *testing.T) {
	tp, err := parseTemplate("trip:{city}:{driver_id}", []string{"driver_id", "city"}, false)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		key  string
		want []string // in Entities order; nil = no match
	}{
		{"trip:Paris:1", []string{"1", "Paris"}},
		{"trip:New York:22", []string{"22", "New York"}},
		// Only the last placeholder may hold the separator.
		{"trip:a:b:3", []string{"b:3", "a"}},
		{"trip::7", []string{"7", ""}},
		{"trip:Paris", nil},
		{"trap:Paris:1", nil},
	}
	for _, tc := range tests {
		got, ok := tp.parse(tc.key, 2)
		if tc.want == nil {
			if ok {
				t.Errorf("parse(%q) matched %q, want no match", tc.key, got)
			}
			continue
		}
		if !ok || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parse(%q) = %q, %v; want %q", tc.key, got, ok, tc.want)
		}
		if b := tp.build(tc.want); b != tc.key {
			t.Errorf("build(%q) = %q, want %q", tc.want, b, tc.key)
		}
	}

	// Final literal anchors at the end of the key.
	st, _ := parseTemplate("feat:{id}:{feature}", []string{"id"}, true)
	ts := st.withFeature("event_ts")
	if got, ok := ts.parse("feat:a:event_ts:event_ts", 1); !ok || got[0] != "a:event_ts" {
		t.Errorf("parse with repeated suffix = %q, %v", got, ok)
	}
	if _, ok := ts.parse("feat:a:conv_rate", 1); ok {
		t.Error("a feature key parsed as a timestamp key")
	}

	// A repeated placeholder must hold one value.
	rp, err := parseTemplate("{id}:x:{id}", []string{"id"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := rp.parse("1:x:2", 1); ok {
		t.Error("inconsistent repeated placeholder accepted")
	}
	if got, ok := rp.parse("1:x:1", 1); !ok || got[0] != "1" {
		t.Errorf("repeated placeholder = %q, %v", got, ok)
	}
}

func TestTemplateErrors(t *testing.T) {
	tests := []struct {
		tmpl     string
		entities []string
		str      bool
	}{
		{"fs:{driver_id", []string{"driver_id"}, false},     // unclosed
		{"fs:{other}", []string{"driver_id"}, false},        // unknown placeholder
		{"fs:{a}", []string{"a", "b"}, false},               // entity without placeholder
		{"fs:{a}{b}", []string{"a", "b"}, false},            // adjacent placeholders
		{"fs:{a}:{feature}", []string{"a"}, false},          // {feature} in hash layout
		{"fs:{a}", []string{"a"}, true},                     // string layout without {feature}
		{"fs:{a}:{feature}:{feature}", []string{"a"}, true}, // two {feature}
		{"fs:{a}", []string{"a", "a"}, false},               // duplicate entity
	}
	for _, tc := range tests {
		if _, err := parseTemplate(tc.tmpl, tc.entities, tc.str); err == nil {
			t.Errorf("parseTemplate(%q, %q) succeeded, want an error", tc.tmpl, tc.entities)
		}
	}
}

func TestParseTextTime(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1700000000", 1700000000_000000000, true},
		{"1700000000.25", 1700000000_250000000, true},
		{"1700000000.123456789", 1700000000_123456789, true},
		{"1.7e9", 1700000000_000000000, true},
		{"-1.5", -1_500000000, true},
		{"2024-05-01T12:00:00Z", 1714564800_000000000, true},
		{"2024-05-01T14:00:00.5+02:00", 1714564800_500000000, true},
		{"", 0, false},
		{"yesterday", 0, false},
		{"2024-05-01", 0, false},
		{"NaN", 0, false},
		// Beyond what int64 nanoseconds hold (year 2262): saturated, never
		// wrapped into the past; the checks count them as future times.
		{"99999999999", math.MaxInt64, true},
		{"-99999999999", math.MinInt64, true},
		{"99999999999.5", math.MaxInt64, true},
		{"9.9e10", math.MaxInt64, true},
		{"9999-12-31T00:00:00Z", math.MaxInt64, true},
	}
	for _, tc := range tests {
		got, ok := parseTextTime(tc.in)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("parseTextTime(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParseText(t *testing.T) {
	tests := []struct {
		typ  sample.Type
		in   string
		null sample.Null
		num  float64
		str  string
	}{
		{sample.Float64, "0.5", sample.Present, 0.5, ""},
		{sample.Float32, "-2.5e-3", sample.Present, -0.0025, ""},
		{sample.Float64, "NaN", sample.Empty, 0, ""},
		{sample.Float64, "", sample.Empty, 0, ""},
		{sample.Float64, "abc", sample.Invalid, 0, ""},
		{sample.Int64, "-42", sample.Present, -42, ""},
		{sample.Int64, "4.0", sample.Invalid, 0, ""},
		{sample.Int32, "3000000000", sample.Invalid, 0, ""},
		{sample.Int32, "2147483647", sample.Present, 2147483647, ""},
		{sample.Bool, "true", sample.Present, 0, "true"},
		{sample.Bool, "True", sample.Present, 0, "true"},
		{sample.Bool, "0", sample.Present, 0, "false"},
		{sample.Bool, "yes", sample.Invalid, 0, ""},
		{sample.String, " raw ", sample.Present, 0, " raw "},
		{sample.String, "", sample.Empty, 0, ""},
		{sample.Other, "[1,2]", sample.Present, 0, ""},
	}
	for _, tc := range tests {
		n, num, str := parseText(tc.typ, tc.in)
		if n != tc.null || num != tc.num || str != tc.str {
			t.Errorf("parseText(%s, %q) = %v %v %q; want %v %v %q", tc.typ, tc.in, n, num, str, tc.null, tc.num, tc.str)
		}
	}
}
