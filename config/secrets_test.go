package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const secretValue = "Sup3r-s3cret-hunter2"

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRedisPassword(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "redis", secretValue+"\n")
	crlf := writeFile(t, dir, "redis-crlf", secretValue+"\r\n")
	t.Setenv(PasswordEnvDefault, "from-default-env")
	t.Setenv("MY_REDIS_PW", "from-named-env")

	cases := []struct {
		r    Redis
		want string
	}{
		{Redis{PasswordFile: file}, secretValue},
		{Redis{PasswordFile: crlf}, secretValue},
		{Redis{PasswordEnv: "MY_REDIS_PW"}, "from-named-env"},
		{Redis{}, "from-default-env"},
	}
	for _, tc := range cases {
		got, err := tc.r.Password()
		if err != nil || got != tc.want {
			t.Errorf("%+v.Password() = %q, %v; want %q", tc.r, got, err, tc.want)
		}
	}
	if _, err := (Redis{PasswordEnv: "FSMON_TEST_UNSET_VAR"}).Password(); err == nil || !strings.Contains(err.Error(), "FSMON_TEST_UNSET_VAR") {
		t.Errorf("unset password_env: err = %v", err)
	}
	if _, err := (Redis{PasswordFile: filepath.Join(dir, "missing")}).Password(); err == nil || !strings.Contains(err.Error(), "password_file") {
		t.Errorf("missing password_file: err = %v", err)
	}
	if got, err := (Redis{RepoPassword: "from-feast"}).Password(); err != nil || got != "from-default-env" {
		t.Errorf("FSMON_REDIS_PASSWORD should win over the Feast repo's password: %q, %v", got, err)
	}
	t.Setenv(PasswordEnvDefault, "")
	if got, err := (Redis{}).Password(); err != nil || got != "" {
		t.Errorf("no password configured: %q, %v", got, err)
	}
	if got, err := (Redis{RepoPassword: "from-feast"}).Password(); err != nil || got != "from-feast" {
		t.Errorf("Feast repo password: %q, %v", got, err)
	}
}

func TestSlackSecret(t *testing.T) {
	dir := t.TempDir()
	hook := "https://hooks.slack.com/services/T0/B0/" + secretValue
	hookFile := writeFile(t, dir, "hook", hook+"\n")
	tokenFile := writeFile(t, dir, "token", "xoxb-"+secretValue+"\n")
	notURL := writeFile(t, dir, "not-url", secretValue)
	empty := writeFile(t, dir, "empty", "\n")

	if kind, v, err := (Slack{WebhookURLFile: hookFile}).Secret(); kind != "webhook" || v != hook || err != nil {
		t.Errorf("webhook: %q, %q, %v", kind, v, err)
	}
	if kind, v, err := (Slack{TokenFile: tokenFile, Channel: "#a"}).Secret(); kind != "token" || v != "xoxb-"+secretValue || err != nil {
		t.Errorf("token: %q, %q, %v", kind, v, err)
	}
	for _, s := range []Slack{{WebhookURLFile: notURL}, {TokenFile: empty}, {WebhookURLFile: filepath.Join(dir, "missing")}, {}} {
		_, _, err := s.Secret()
		if err == nil {
			t.Errorf("%+v: no error", s)
			continue
		}
		if strings.Contains(err.Error(), secretValue) {
			t.Errorf("%+v: error leaks the secret: %v", s, err)
		}
	}
}

// TestSecretsNeverPrinted loads configs whose secret files hold a known
// value, and checks neither the dump nor any error shows it.
func TestSecretsNeverPrinted(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "redis", secretValue+"\n")
	writeFile(t, dir, "hook", "https://hooks.slack.com/services/"+secretValue+"\n")
	good := writeFile(t, dir, "fsmon.yml", `
online: {redis: {password_file: redis}}
slack: {webhook_url_file: hook}
feature_views: [{name: v, entities: [id], online: {key: "v:{id}", timestamp_field: ts}, features: [{name: x, type: bool}]}]
`)
	c, err := Load(good)
	if err != nil {
		t.Fatal(err)
	}
	if pw, err := c.Online.Redis.Password(); err != nil || pw != secretValue {
		t.Fatalf("Password() = %q, %v", pw, err)
	}
	c.Online.Redis.RepoPassword = secretValue // as Feast discovery sets it
	out := c.Redacted()
	if strings.Contains(out, secretValue) {
		t.Errorf("Redacted() shows the secret:\n%s", out)
	}
	if !strings.Contains(out, "password_file: "+filepath.Join(dir, "redis")) || !strings.Contains(out, "webhook_url_file: "+filepath.Join(dir, "hook")) {
		t.Errorf("Redacted() should name the secret files:\n%s", out)
	}

	// Secrets written where they do not belong: every message stays clean.
	bad := writeFile(t, dir, "bad.yml", `
online:
  redis:
    password: `+secretValue+`
    url: redis://user:`+secretValue+`@h:6379
    username: {`+secretValue+`: 1}
slack: {token: xoxb-`+secretValue+`, webhook_url: "https://hooks.slack.com/`+secretValue+`"}
web: {grafana_url: "ftp://`+secretValue+`"}
feature_views: [{name: v, entities: [id], online: {key: "v:{id}", timestamp_field: ts}, features: [{name: x, type: bool}]}]
`)
	_, err = Load(bad)
	if err == nil {
		t.Fatal("literal secrets accepted")
	}
	if strings.Contains(err.Error(), secretValue) {
		t.Errorf("errors leak the secret:\n%v", err)
	}
	if n := len(*err.(*Errors)); n != 6 {
		t.Errorf("%d errors, want 6 (password, url, username, token, webhook_url, grafana_url):\n%v", n, err)
	}
}

// TestRedactedRoundTrip: the dump is a valid config that loads back to
// the same model.
func TestRedactedRoundTrip(t *testing.T) {
	for _, f := range []string{"testdata/example.good.yaml", "testdata/layouts.good.yaml", "testdata/minimal.good.yaml"} {
		c := mustLoad(t, f)
		out := c.Redacted()
		c2, err := parse([]byte(out), "", noDiscover) // paths are already resolved
		if err != nil {
			t.Errorf("%s: the dump does not load:\n%v\n%s", f, err, out)
			continue
		}
		c.File, c2.File = "", ""
		for _, cc := range []*Config{c, c2} {
			cc.Keys = nil // positions differ in the dump
			for i := range cc.Views {
				v := &cc.Views[i]
				v.Line, v.Column, v.Pos = 0, 0, ViewPositions{}
				for j := range v.Features {
					v.Features[j].Pos = Position{}
				}
			}
		}
		if !reflect.DeepEqual(c, c2) {
			t.Errorf("%s: round trip differs:\n%+v\n%+v\n%s", f, c, c2, out)
		}
	}
}
