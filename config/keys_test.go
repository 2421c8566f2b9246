package config

import "testing"

// Keys locate each key as written: a scalar at its value, a mapping at its
// key, list items by index; an explicit key wins over a merged one, and
// Pos falls back to the nearest written parent.
func TestKeysPositions(t *testing.T) {
	doc := `base: &base
  layout: hash
online:
  redis:
    addr: 127.0.0.1:6379
    password_file: /run/secrets/redis
feature_views:
  - name: v
    project: p
    entities: [id]
    online:
      <<: {layout: hash, key: "other:{id}", timestamp_field: ts}
      key: "v:{id}"
    features:
      - {name: f, type: int64}
`
	_, err := Parse([]byte(doc), "f.yaml")
	if err == nil {
		t.Fatal("the unknown key base was accepted")
	}
	doc = doc[len("base: &base\n  layout: hash\n"):]
	c, err := Parse([]byte(doc), "f.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"online.redis.addr":                 "f.yaml:3:11",
		"online.redis.password_file":        "f.yaml:4:20",
		"online.redis":                      "f.yaml:2:3",
		"online.redis.db":                   "f.yaml:2:3", // not written: its parent
		"feature_views[0]":                  "f.yaml:6:5",
		"feature_views[0].entities[0]":      "f.yaml:8:16",
		"feature_views[0].online.key":       "f.yaml:11:12", // explicit, not the merged one
		"feature_views[0].online.layout":    "f.yaml:10:20", // merged
		"feature_views[0].features[0].name": "f.yaml:13:16",
		"sharding.index":                    "f.yaml", // nothing of it written
	}
	for key, want := range cases {
		if got := c.Pos(key).String(); got != want {
			t.Errorf("Pos(%q) = %s, want %s", key, got, want)
		}
	}
}

// A relative sentinel.password_file is relative to the config file, like
// every other path in it.
func TestSentinelPasswordFileRelative(t *testing.T) {
	doc := "online:\n  redis:\n    sentinel: {master_name: m, addrs: [\"127.0.0.1:26379\"], password_file: secrets/sentinel}\n" +
		"feature_views:\n  - {name: v, project: p, entities: [id], online: {layout: hash, key: \"v:{id}\", timestamp_field: ts}, features: [{name: f, type: int64}]}\n"
	c, err := Parse([]byte(doc), "/etc/fsmon/fsmon.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Online.Redis.Sentinel.PasswordFile; got != "/etc/fsmon/secrets/sentinel" {
		t.Errorf("sentinel.password_file = %q, want /etc/fsmon/secrets/sentinel", got)
	}
}
