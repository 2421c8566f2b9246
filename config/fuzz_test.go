package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzParse: no input panics or hangs (aliases and size are bounded by
// MaxNodes and MaxFileBytes); every failure is a non-empty
// *Errors whose entries have a place; every success has its defaults and
// a dump that loads again.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"", "~", "[]", "{}", "a", "feature_views: [~]", "feature_views: [{}]",
		"online: &a {<<: *a}", "feature_views: &a [*a]",
		// alias amplification: each level multiplies by ten (refused by
		// MaxNodes, not walked)
		"a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nfeature_views: [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]",
		aliasBomb(400),
		"feature_views: [{name: v, entities: [id], online: {layout: string, key: 'k:{id}:{feature}', timestamp_field: t}, features: [{name: x, type: bool}], checks: {freshness: {warn: 1h, crit: ~}}}]",
		"online: {redis: {url: 'rediss://u@h:1/2'}}\nfeature_views: [{name: v, project: p, online: {layout: feast}, features: [{name: x, type: int64}]}]",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var c *Config
		var err error
		done := make(chan bool)
		go func() { c, err = parse(data, "fuzz.yaml", noDiscover); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("hang on %q", data)
		}
		if err != nil {
			if c != nil {
				t.Fatalf("both a config and an error")
			}
			es, ok := err.(*Errors)
			if !ok || len(*es) == 0 {
				t.Fatalf("error %T %v, want a non-empty *Errors", err, err)
			}
			for _, e := range *es {
				if e.Line < 1 || e.Column < 1 || e.Msg == "" || e.File != "fuzz.yaml" {
					t.Fatalf("error without a place or message: %#v", e)
				}
			}
			return
		}
		if c.Interval <= 0 || c.SampleSize <= 0 || (c.Online.Redis.Addr == "" && c.Online.Redis.Sentinel == nil) || c.Online.Redis.MaxScan <= 0 {
			t.Fatalf("defaults missing: %+v", c)
		}
		for _, v := range c.Views {
			if v.Interval <= 0 || v.SampleSize <= 0 || v.Name == "" || len(v.Features) == 0 {
				t.Fatalf("view defaults missing: %+v", v)
			}
			for _, th := range []Thresholds{v.Checks.NullRate, v.Checks.Coverage, v.Checks.Consistency} {
				for _, p := range []*float64{th.Warn, th.Crit} {
					if p != nil && (*p < 0 || *p > 1) {
						t.Fatalf("ratio threshold %v out of [0,1]", *p)
					}
				}
			}
		}
		if _, err := parse([]byte(c.Redacted()), "", noDiscover); err != nil {
			t.Fatalf("the dump of a valid config does not load: %v\n%s", err, c.Redacted())
		}
	})
}
