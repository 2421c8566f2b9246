package config

import (
	"strings"
	"testing"
)

// TestMinSample: the top-level min_sample is every check's default (100
// when absent), a check's own min_sample overrides it, 0 turns it off, and
// a bad value is an error naming its line.
func TestMinSample(t *testing.T) {
	src := `min_sample: 50
online: {redis: {addr: 127.0.0.1:6379}}
feature_views:
  - name: a
    entities: [id]
    online: {key: "k:{id}", timestamp_field: ts}
    features: [{name: x, type: float64}]
    checks:
      null_rate: {warn: 0.02, min_sample: 1000}
      coverage: {min_sample: 0}
      drift: {min_sample: 7}
`
	c, err := parse([]byte(src), "m.yaml", noDiscover)
	if err != nil {
		t.Fatal(err)
	}
	want := MinSample{NullRate: 1000, Coverage: 0, Consistency: 50, Skew: 50, Drift: 7}
	if got := c.Views[0].Checks.MinSample; got != want {
		t.Errorf("min_sample = %+v, want %+v", got, want)
	}
	if c.MinSample != 50 || *c.Views[0].Checks.NullRate.Warn != 0.02 {
		t.Errorf("top level %d, null_rate warn %v", c.MinSample, *c.Views[0].Checks.NullRate.Warn)
	}
	if got := c.Views[0].Checks.MinSample.Of("freshness"); got != 0 {
		t.Errorf("freshness has a min_sample: %d", got)
	}

	c, err = parse([]byte(strings.Replace(src, "min_sample: 50\n", "", 1)), "m.yaml", noDiscover)
	if err != nil {
		t.Fatal(err)
	}
	if c.MinSample != DefaultMinSample || c.Views[0].Checks.MinSample.Skew != 100 {
		t.Errorf("default: %d, skew %d", c.MinSample, c.Views[0].Checks.MinSample.Skew)
	}

	bad := strings.Replace(src, "min_sample: 1000", "min_sample: -3", 1)
	bad = strings.Replace(bad, "min_sample: 50\n", "min_sample: lots\n", 1)
	_, err = parse([]byte(bad), "m.yaml", noDiscover)
	if err == nil {
		t.Fatal("bad min_sample accepted")
	}
	for _, want := range []string{"m.yaml:1:13: min_sample:", "m.yaml:9:43: feature_views[0].checks.null_rate.min_sample:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}
