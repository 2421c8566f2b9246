package feast

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func writeRepo(t *testing.T, yaml string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "feature_store.yaml"), []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestLoadRepo(t *testing.T) {
	dir := writeRepo(t, `
project: feast_demo
provider: local
registry:
  path: data/registry.db
  registry_type: file
  cache_ttl_seconds: 60
  enable_online_feature_view_versioning: true
online_store:
  type: redis
  redis_type: redis_cluster
  connection_string: "redis-0:6379,redis-1:6379,db=1,password=s3cr3t,ssl=true,ssl_cert_reqs=none"
  key_ttl_seconds: 604800
offline_store:
  type: file
entity_key_serialization_version: 2
`)
	r, err := LoadRepo(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := &Repo{
		Dir: dir, File: filepath.Join(dir, "feature_store.yaml"), Project: "feast_demo",
		KeyVersion: 2, KeyVersionSet: true,
		Redis:        RedisConn{Addrs: []string{"redis-0:6379", "redis-1:6379"}, DB: 1, Password: "s3cr3t", SSL: true, Type: "redis_cluster", KeyTTL: 604800},
		RegistryPath: filepath.Join(dir, "data/registry.db"), RegistryType: "file", Versioning: true, OfflineType: "file",
	}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("LoadRepo =\n%#v\nwant\n%#v", *r, *want)
	}
	for _, s := range []string{r.Redis.String(), fmt.Sprintf("%v", r.Redis), fmt.Sprintf("%#v", r.Redis), fmt.Sprintf("%+v", r)} {
		if strings.Contains(s, "s3cr3t") {
			t.Errorf("password printed: %s", s)
		}
	}
}

func TestLoadRepoDefaults(t *testing.T) {
	dir := writeRepo(t, "project: p\nregistry: /abs/reg.db\nonline_store:\n  type: redis\n")
	r, err := LoadRepo(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Absent entity_key_serialization_version: 3 (Feast >= 0.50 default).
	if r.KeyVersion != 3 || r.KeyVersionSet {
		t.Errorf("key version %d set=%t, want 3 assumed", r.KeyVersion, r.KeyVersionSet)
	}
	if r.RegistryPath != "/abs/reg.db" || r.Versioning || r.OfflineType != "dask" {
		t.Errorf("repo %+v", r)
	}
	if !reflect.DeepEqual(r.Redis.Addrs, []string{"localhost:6379"}) || r.Redis.Type != "redis" || r.Redis.DB != 0 || r.Redis.SSL {
		t.Errorf("redis %v", r.Redis)
	}
	dir = writeRepo(t, "project: p\nonline_store: redis\n")
	if r, err = LoadRepo(dir); err != nil || r.RegistryPath != filepath.Join(dir, "data/registry.db") {
		t.Errorf("default registry: %v %v", r, err)
	}
}

func TestLoadRepoErrors(t *testing.T) {
	cases := []struct{ yaml, want string }{
		{"online_store: {type: redis}\n", "project is not set"},
		{"project: p\n", "online_store is not set"},
		{"project: p\nonline_store: {type: sqlite}\n", `online_store type "sqlite" is not redis`},
		{"project: p\nonline_store: {type: redis, redis_type: memcached}\n", "unknown redis_type"},
		{"project: p\nonline_store: {type: redis, connection_string: 'h:1,db=x,password=hunter2'}\n", "option db"},
		{"project: p\nonline_store: {type: redis, connection_string: 'h:1,ssl=maybe'}\n", "option ssl"},
		{"project: p\nonline_store: {type: redis}\nentity_key_serialization_version: 4\n", "not supported"},
		{"project: p\nonline_store: {type: redis}\nregistry: {registry_type: sql}\n", "path is not set"},
		{"project: [\n", "feature_store.yaml"},
	}
	for _, c := range cases {
		dir := writeRepo(t, c.yaml)
		_, err := LoadRepo(dir)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "feature_store.yaml") {
			t.Errorf("%q: err %v, want one naming feature_store.yaml with %q", c.yaml, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("error shows the password: %v", err)
		}
	}
	if _, err := LoadRepo(t.TempDir()); err == nil || !strings.Contains(err.Error(), "feature_store.yaml") {
		t.Errorf("missing file: %v", err)
	}
}

// TestLoadRepoSQLRegistry: registry_type sql keeps the URL (with its
// password from ${VAR}) as a secret, prefers read_path, and prints it
// redacted.
func TestLoadRepoSQLRegistry(t *testing.T) {
	t.Setenv("FSMON_TEST_PG_PASSWORD", "pg-s3cr3t")
	dir := writeRepo(t, `
project: ride
registry:
  registry_type: sql
  path: postgresql+psycopg://feast:${FSMON_TEST_PG_PASSWORD}@db-primary:5432/feast
  cache_ttl_seconds: 60
online_store: {type: redis}
`)
	r, err := LoadRepo(dir)
	if err != nil {
		t.Fatal(err)
	}
	if r.RegistryType != "sql" || string(r.RegistryURL) != "postgresql+psycopg://feast:pg-s3cr3t@db-primary:5432/feast" ||
		r.RegistryPath != "postgresql+psycopg://feast:xxxxx@db-primary:5432/feast" {
		t.Errorf("type %q url %q path %q", r.RegistryType, string(r.RegistryURL), r.RegistryPath)
	}
	for _, s := range []string{fmt.Sprintf("%v", r), fmt.Sprintf("%+v", r), fmt.Sprintf("%#v", r), fmt.Sprint(r.RegistryURL)} {
		if strings.Contains(s, "pg-s3cr3t") {
			t.Errorf("password printed: %s", s)
		}
	}

	dir = writeRepo(t, "project: ride\nregistry:\n  registry_type: sql\n  path: postgresql://feast:a@primary/feast\n  read_path: postgresql://reader:b@replica/feast\nonline_store: {type: redis}\n")
	if r, err = LoadRepo(dir); err != nil {
		t.Fatal(err)
	}
	if string(r.RegistryURL) != "postgresql://reader:b@replica/feast" {
		t.Errorf("read_path not preferred: %s", r.RegistryPath)
	}
	for in, want := range map[string]string{
		"sqlite:///data/registry.db":          "sqlite:///data/registry.db",
		"postgresql://u@h/db":                 "postgresql://u@h/db",
		"postgresql://u:p@ss@h/db?x=1":        "postgresql://u:xxxxx@h/db?x=1",
		"postgresql://h/db?user=u&password=p": "postgresql://h/db?user=u&password=xxxxx",
		"postgresql://u:p@h":                  "postgresql://u:xxxxx@h",
	} {
		if got := SecretURL(in).String(); got != want {
			t.Errorf("SecretURL(%q) = %q, want %q", in, got, want)
		}
	}
}
