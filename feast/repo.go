package feast

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// DefaultKeyVersion is the entity_key_serialization_version fsmon assumes
// when feature_store.yaml does not set it: 3, Feast's default since 0.50.
// Repos written by older Feast (default 1) must set it explicitly.
const DefaultKeyVersion = 3

// DefaultRegistryPath is Feast's default registry location, relative to the
// feature repo.
const DefaultRegistryPath = "data/registry.db"

// Repo is what fsmon reads from a Feast feature repo's feature_store.yaml.
type Repo struct {
	// Dir is the feature repo directory; File the feature_store.yaml path.
	Dir, File string
	Project   string
	// KeyVersion is entity_key_serialization_version; KeyVersionSet is
	// false when the file omits it and DefaultKeyVersion was assumed.
	KeyVersion    int
	KeyVersionSet bool
	Redis         RedisConn
	// RegistryPath is the file registry, made absolute against Dir when
	// relative; RegistryType is registry_type ("file" when absent). For a
	// SQL registry (registry_type sql) RegistryPath is the database URL
	// with its password redacted, for messages, and RegistryURL the URL
	// itself (registry.read_path when set, else registry.path).
	RegistryPath string
	RegistryType string
	RegistryURL  SecretURL
	// Versioning is registry.enable_online_feature_view_versioning.
	Versioning bool
	// OfflineType is offline_store.type ("dask", Feast's default, when
	// absent).
	OfflineType string
}

// RedisConn is the Redis online store's connection settings.
type RedisConn struct {
	Addrs    []string // host:port items of connection_string
	DB       int
	Username string
	Password string // a secret: never print it (String omits it)
	SSL      bool
	// Type is redis_type: "redis", "redis_cluster" or "redis_sentinel".
	Type           string
	SentinelMaster string
	KeyTTL         int // key_ttl_seconds; 0 = keys never expire
}

// String describes c without its password.
func (c RedisConn) String() string {
	pw := ""
	if c.Password != "" {
		pw = " password=<secret>"
	}
	return fmt.Sprintf("%s %s db=%d ssl=%t%s", c.Type, strings.Join(c.Addrs, ","), c.DB, c.SSL, pw)
}

// GoString is String, so that %#v does not print the password either.
func (c RedisConn) GoString() string { return "feast.RedisConn{" + c.String() + "}" }

type rawRepo struct {
	Project      string    `yaml:"project"`
	Registry     yaml.Node `yaml:"registry"`
	Provider     string    `yaml:"provider"`
	OnlineStore  yaml.Node `yaml:"online_store"`
	OfflineStore yaml.Node `yaml:"offline_store"`
	KeyVersion   *int      `yaml:"entity_key_serialization_version"`
}

type rawRegistry struct {
	Path         string `yaml:"path"`
	ReadPath     string `yaml:"read_path"`
	RegistryType string `yaml:"registry_type"`
	Versioning   bool   `yaml:"enable_online_feature_view_versioning"`
}

type rawOnline struct {
	Type             string `yaml:"type"`
	RedisType        string `yaml:"redis_type"`
	ConnectionString string `yaml:"connection_string"`
	SentinelMaster   string `yaml:"sentinel_master"`
	KeyTTL           *int   `yaml:"key_ttl_seconds"`
}

type rawOffline struct {
	Type string `yaml:"type"`
}

// LoadRepo reads dir/feature_store.yaml. It accepts only a Redis online
// store (type redis, or Feast's class path of it). Errors name the file
// and never include the connection string.
func LoadRepo(dir string) (*Repo, error) {
	file := filepath.Join(dir, "feature_store.yaml")
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read Feast repo: %w", err)
	}
	r, err := parseRepo(data, dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	r.File = file
	return r, nil
}

func parseRepo(data []byte, dir string) (*Repo, error) {
	var raw rawRepo
	if err := yaml.Unmarshal([]byte(ExpandVars(string(data), os.LookupEnv)), &raw); err != nil {
		return nil, err
	}
	r := &Repo{Dir: dir, Project: raw.Project, KeyVersion: DefaultKeyVersion, RegistryType: "file", OfflineType: "dask"}
	if r.Project == "" {
		return nil, errors.New("project is not set")
	}
	if raw.KeyVersion != nil {
		if err := checkVersion(*raw.KeyVersion); err != nil {
			return nil, err
		}
		r.KeyVersion, r.KeyVersionSet = *raw.KeyVersion, true
	}

	// registry: a path, or a mapping with path.
	reg := rawRegistry{Path: DefaultRegistryPath}
	switch raw.Registry.Kind {
	case 0:
	case yaml.ScalarNode:
		reg.Path = raw.Registry.Value
	case yaml.MappingNode:
		reg = rawRegistry{}
		if err := raw.Registry.Decode(&reg); err != nil {
			return nil, fmt.Errorf("registry: %w", err)
		}
		if reg.Path == "" {
			return nil, fmt.Errorf("line %d: registry: path is not set", raw.Registry.Line)
		}
	default:
		return nil, fmt.Errorf("line %d: registry: want a path or a mapping", raw.Registry.Line)
	}
	if reg.RegistryType != "" {
		r.RegistryType = reg.RegistryType
	}
	r.Versioning = reg.Versioning
	r.RegistryPath = strings.TrimPrefix(reg.Path, "file://")
	if r.RegistryType == "sql" {
		// Feast reads from read_path (a replica) when it is set.
		u := reg.Path
		if reg.ReadPath != "" {
			u = reg.ReadPath
		}
		r.RegistryURL = SecretURL(u)
		r.RegistryPath = r.RegistryURL.String()
	} else if !strings.Contains(r.RegistryPath, "://") && !filepath.IsAbs(r.RegistryPath) {
		r.RegistryPath = filepath.Join(dir, r.RegistryPath)
	}

	// online_store: "redis" or a mapping with type redis.
	var on rawOnline
	switch raw.OnlineStore.Kind {
	case 0:
		return nil, errors.New("online_store is not set (Feast's default is sqlite; fsmon monitors Redis)")
	case yaml.ScalarNode:
		on.Type = raw.OnlineStore.Value
	case yaml.MappingNode:
		if err := raw.OnlineStore.Decode(&on); err != nil {
			return nil, fmt.Errorf("online_store: %w", err)
		}
	default:
		return nil, fmt.Errorf("line %d: online_store: want a type or a mapping", raw.OnlineStore.Line)
	}
	if on.Type != "redis" && !strings.HasSuffix(on.Type, ".RedisOnlineStore") {
		return nil, fmt.Errorf("line %d: online_store type %q is not redis (fsmon monitors Redis online stores)", raw.OnlineStore.Line, on.Type)
	}
	c := &r.Redis
	c.Type = "redis"
	if on.RedisType != "" {
		c.Type = on.RedisType
	}
	switch c.Type {
	case "redis", "redis_cluster", "redis_sentinel":
	default:
		return nil, fmt.Errorf("online_store: unknown redis_type %q (want redis, redis_cluster or redis_sentinel)", c.Type)
	}
	c.SentinelMaster = on.SentinelMaster
	if c.SentinelMaster == "" && c.Type == "redis_sentinel" {
		c.SentinelMaster = "mymaster"
	}
	if on.KeyTTL != nil {
		c.KeyTTL = *on.KeyTTL
	}
	cs := on.ConnectionString
	if cs == "" {
		cs = "localhost:6379"
	}
	if err := parseConnectionString(cs, c); err != nil {
		return nil, fmt.Errorf("online_store.connection_string: %w", err)
	}

	switch raw.OfflineStore.Kind {
	case 0:
	case yaml.ScalarNode:
		r.OfflineType = raw.OfflineStore.Value
	case yaml.MappingNode:
		var off rawOffline
		if err := raw.OfflineStore.Decode(&off); err != nil {
			return nil, fmt.Errorf("offline_store: %w", err)
		}
		if off.Type != "" {
			r.OfflineType = off.Type
		}
	}
	return r, nil
}

// parseConnectionString reads Feast's "host:port[,host:port...][,name=value...]"
// (option values are JSON when they parse as JSON, as in Feast). Errors
// name the option, never its value.
func parseConnectionString(s string, c *RedisConn) error {
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, val, isOpt := strings.Cut(item, "=")
		if !isOpt {
			c.Addrs = append(c.Addrs, item)
			continue
		}
		var j any
		if err := json.Unmarshal([]byte(val), &j); err != nil {
			j = val
		}
		switch strings.TrimSpace(name) {
		case "password":
			c.Password = fmt.Sprint(j)
		case "username":
			c.Username = fmt.Sprint(j)
		case "db":
			n, err := strconv.Atoi(fmt.Sprint(j))
			if err != nil || n < 0 {
				return errors.New("option db: want a database number")
			}
			c.DB = n
		case "ssl":
			switch v := j.(type) {
			case bool:
				c.SSL = v
			case string:
				b, err := strconv.ParseBool(v)
				if err != nil {
					return errors.New("option ssl: want true or false")
				}
				c.SSL = b
			default:
				return errors.New("option ssl: want true or false")
			}
		}
	}
	if len(c.Addrs) == 0 {
		return errors.New("no host:port")
	}
	return nil
}

// SecretURL is a URL that may hold a password (a SQL registry's
// SQLAlchemy URL). It prints redacted: "postgresql://feast:xxxxx@db/feast".
type SecretURL string

// String is the URL with the password of its user info, and a password
// query parameter (libpq's ?password=), replaced by xxxxx.
func (u SecretURL) String() string {
	s := string(u)
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return s
	}
	auth, tail := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		auth, tail = rest[:i], rest[i:]
	}
	if at := strings.LastIndex(auth, "@"); at >= 0 {
		if user, _, hasPw := strings.Cut(auth[:at], ":"); hasPw {
			auth = user + ":xxxxx" + auth[at:]
		}
	}
	if path, query, ok := strings.Cut(tail, "?"); ok {
		params := strings.Split(query, "&")
		for i, p := range params {
			if k, _, ok := strings.Cut(p, "="); ok && strings.EqualFold(k, "password") {
				params[i] = k + "=xxxxx"
			}
		}
		tail = path + "?" + strings.Join(params, "&")
	}
	return scheme + "://" + auth + tail
}

// GoString is String, so that %#v does not print the password either.
func (u SecretURL) GoString() string { return u.String() }

// ExpandVars replaces $NAME and ${NAME} with the value lookup gives, as
// Feast does to feature_store.yaml (Python's os.path.expandvars): NAME is
// letters, digits and underscores, and a variable lookup does not know is
// left as written.
func ExpandVars(s string, lookup func(string) (string, bool)) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		j, braced := i+1, s[i+1] == '{'
		if braced {
			j++
		}
		k := j
		for k < len(s) && (s[k] == '_' || s[k] >= '0' && s[k] <= '9' || s[k] >= 'a' && s[k] <= 'z' || s[k] >= 'A' && s[k] <= 'Z') {
			k++
		}
		name := s[j:k]
		end := k
		if braced {
			if k >= len(s) || s[k] != '}' {
				name = ""
			}
			end = k + 1
		}
		v, ok := "", false
		if name != "" {
			v, ok = lookup(name)
		}
		if !ok {
			b.WriteByte(s[i])
			continue
		}
		b.WriteString(v)
		i = end - 1
	}
	return b.String()
}
