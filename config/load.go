package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"
)

// Defaults of docs/contract.md section 2 and of the keys the contract leaves to
// fsmon. Tests check them against the contract's numbers.
const (
	DefaultInterval        = 5 * time.Minute
	DefaultSampleSize      = 10000
	DefaultWindow          = 7 * 24 * time.Hour
	DefaultRepeatInterval  = 4 * time.Hour
	DefaultFeastRefresh    = 5 * time.Minute
	DefaultRedisAddr       = "127.0.0.1:6379"
	DefaultRedisTimeout    = 5 * time.Second
	DefaultRateLimit       = 1000            // entities per second (bench/redis_sample.sh: no visible p99 effect)
	DefaultBatchSize       = 50              // keys per pipelined batch
	DefaultScanCount       = 100             // COUNT hint of each SCAN
	DefaultFutureTolerance = 5 * time.Minute // future_tolerance
	DefaultMaxReadBytes    = 128 << 20       // offline.parquet.max_read_bytes
	// DefaultTopCategories and DefaultMinCategoryCount are web.top_categories
	// and web.min_category_count: what the status page, the API and the
	// JSON report name of a string feature's categories.
	DefaultTopCategories    = 10
	DefaultMinCategoryCount = 10
	// DefaultMaxScanFactor times the largest sample_size is the default
	// SCAN key budget of one sample.
	DefaultMaxScanFactor = 10
	// PasswordEnvDefault is the environment variable read for the Redis
	// password when neither password_file nor password_env is set.
	PasswordEnvDefault = "FSMON_REDIS_PASSWORD"
)

// FeatureTypes lists the feature types a config may name, in the order
// messages show them.
func FeatureTypes() []string {
	return []string{"float32", "float64", "int32", "int64", "bool", "string"}
}

// CheckNames lists the check kinds a view's checks section may configure.
func CheckNames() []string {
	return []string{"freshness", "null_rate", "coverage", "consistency", "skew", "drift", "replication"}
}

// ParseDuration parses a Prometheus duration: "90s", "2h", "1h30m", "7d",
// "2w", "1y" (a day is 24h, a week 7d, a year 365d), or "0".
func ParseDuration(s string) (time.Duration, error) {
	d, err := model.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("parse duration: %w", err)
	}
	return time.Duration(d), nil
}

// formatDuration prints a duration the way it is written in the config.
func formatDuration(d time.Duration) string { return model.Duration(d).String() }

// Load reads and validates the config file at path. On any problem it
// returns a *Errors listing all of them, each as FILE:LINE:COL: message.
// Relative file paths in the config (password_file, webhook_url_file,
// token_file, state_file, offline.parquet.root, feast.repo) are resolved
// against the config file's directory.
func Load(path string) (*Config, error) {
	return load(path, nil)
}

func load(path string, reg *Registries) (*Config, error) {
	data, err := readConfig(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is already in front of the message
		}
		var es *Errors
		if errors.As(err, &es) {
			return nil, es
		}
		return nil, &Errors{{File: path, Msg: fmt.Sprintf("read config: %v", err)}}
	}
	return parse(data, path, func(c *Config) []error { return discoverFeast(c, reg) })
}

// LoadPending is LoadWith for a daemon that starts before its Feast
// registry can be read: when the only problem is the registry of
// feast.repo (or its feature_store.yaml), it returns the config without
// the repo's views, nor the listed views that only adjust them (those with
// neither online.key nor a layout other than feast), and says why in
// Feast.Unread; the caller reads the registry again later. Every other
// problem is an error, as from Load.
func LoadPending(path string, reg *Registries) (*Config, error) {
	data, err := readConfig(path)
	if err != nil {
		return load(path, reg) // the same error, as Load words it
	}
	return parse(data, path, func(c *Config) []error {
		errs := discoverFeast(c, reg)
		var unread *RegistryError
		for _, e := range errs {
			var re *RegistryError
			if !errors.As(e, &re) {
				return errs
			}
			if unread == nil {
				unread = re
			}
		}
		if unread == nil {
			return errs
		}
		c.Feast.Project = unread.Project
		c.Feast.Unread = "feast: " + unread.Error()
		kept := c.Views[:0]
		for _, v := range c.Views {
			if v.Online.Key != "" || (v.Online.Layout != "" && v.Online.Layout != LayoutFeast) {
				kept = append(kept, v)
			}
		}
		c.Views = kept
		return nil
	})
}

// readConfig reads at most MaxFileBytes+1 bytes of a regular file.
func readConfig(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && !st.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file (%s)", st.Mode().Type())
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileBytes {
		return nil, tooBig(path, int64(len(data)))
	}
	return data, nil
}

// Parse is Load on bytes: file names the config in messages and is the
// base of relative paths (its directory; "" leaves paths as written).
func Parse(data []byte, file string) (*Config, error) {
	return parse(data, file, func(c *Config) []error { return discoverFeast(c, nil) })
}

// parse is Parse with the Feast discovery step passed in, so tests of the
// format do not depend on a Feast repository being present.
func parse(data []byte, file string, discover func(*Config) []error) (*Config, error) {
	if len(data) > MaxFileBytes {
		return nil, tooBig(file, int64(len(data)))
	}
	d := &decoder{file: file}
	root := d.document(data)
	if root != nil {
		d.checkSize(root)
	}
	if len(d.errs) > 0 {
		es := sortErrors(d.errs)
		return nil, &es
	}
	c := &Config{File: file}
	st := &state{}
	d.config(root, c, st)
	c.Keys = d.keys
	if file != "" {
		resolvePaths(c, filepath.Dir(file))
	}
	if c.Feast != nil && c.Feast.Repo != "" {
		errs := discover(c)
		st.discovered = len(errs) == 0
		for _, err := range errs {
			d.adopt(err, st.feastNode)
		}
	}
	d.finish(c, st)
	if len(d.errs) > 0 {
		es := sortErrors(d.errs)
		return nil, &es
	}
	return c, nil
}

// adopt records an error from Feast discovery, keeping its own position
// when it has one and placing it at the feast section otherwise.
func (d *decoder) adopt(err error, at *yaml.Node) {
	var re *RegistryError
	if errors.As(err, &re) {
		n := len(d.errs)
		d.errorf(at, "feast: %v", err)
		if len(d.errs) > n {
			d.errs[n].Registry, d.errs[n].FeastProject = true, re.Project
		}
		return
	}
	var e *Error
	if errors.As(err, &e) {
		if len(d.errs) <= maxErrors {
			d.errs = append(d.errs, e)
		}
		return
	}
	d.errorf(at, "feast: %v", err)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// document parses data into its root node. A syntax error is reported at
// its line (YAML parsers give no column: the column is the line's first
// non-blank character). An empty file yields a nil root.
func (d *decoder) document(data []byte) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil
		}
		d.syntax(data, err)
		return nil
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == io.EOF:
	case err != nil:
		d.syntax(data, err)
		return nil
	default:
		at := &extra
		if len(extra.Content) > 0 {
			at = extra.Content[0]
		}
		d.errorf(at, "a second YAML document: a config file holds one (remove the ---)")
		return nil
	}
	if len(doc.Content) == 0 {
		return nil
	}
	return doc.Content[0]
}

func (d *decoder) syntax(data []byte, err error) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line, col := 1, 0
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
		// The YAML parser (unlike its scanner) counts lines from 0 in
		// messages; it names the line where the unfinished construct began.
		if strings.HasPrefix(msg, "did not find expected") {
			line++
		}
	} else if m := unknownAnchor.FindStringSubmatch(msg); m != nil {
		if i := bytes.Index(data, []byte("*"+m[1])); i >= 0 {
			line = bytes.Count(data[:i], []byte("\n")) + 1
			col = i - bytes.LastIndexByte(data[:i], '\n')
		}
	}
	if col == 0 {
		col = 1
		lines := bytes.Split(data, []byte("\n"))
		if line >= 1 && line <= len(lines) {
			l := lines[line-1]
			col = len(l) - len(bytes.TrimLeft(l, " \t")) + 1
		}
	}
	d.errs = append(d.errs, &Error{File: d.file, Line: line, Column: col, Msg: "YAML syntax error: " + msg})
}

var unknownAnchor = regexp.MustCompile(`^unknown anchor '([^']*)' referenced$`)

// state is what parsing keeps for validation after Feast discovery: the
// YAML nodes of each configured view, so late problems still have a place.
type state struct {
	root      *yaml.Node
	feastNode *yaml.Node
	views     []*viewSrc
	redis     *fields
	maxScan   bool // max_scan was set explicitly
	badViews  bool // feature_views was not a list (reported)
	// discovered says Feast discovery ran without errors.
	discovered bool
}

// viewSrc is one view as written in the file.
type viewSrc struct {
	path            string
	f               *fields // the view mapping
	online, offline *fields
	features        map[string]*yaml.Node // feature mapping by name
	checks          rawChecks
	interval        time.Duration
	sampleSize      int
	window          time.Duration
	name, project   string
	line, column    int
	used            bool
	// Sections that were present but malformed (already reported): the
	// checks that depend on them are skipped instead of piling up.
	badEntities, badFeatures, badLayout bool
	// bad says the view itself was not a mapping: nothing else to check.
	bad bool
}

// rawThr is a warn/crit pair as written: set says the key was present (a
// null value sets "no threshold").
type rawThr struct {
	node               *yaml.Node
	warn, crit         *float64
	warnSet, critSet   bool
	warnNode, critNode *yaml.Node
	bad                bool // a value was invalid (and reported)
	minSample          *int // min_sample, where the check has one
}

// rawChecks is a view's checks section as written.
type rawChecks struct {
	node                                            *yaml.Node
	freshness, nullRate, coverage, consistency, psi rawThr
	pValue, minStatistic                            *float64
	skewMinSample                                   *int
	drift                                           rawSkew
	// replication: match (ratio, bad when low), lag_p99 (seconds).
	match, lagP99 rawThr
}

// rawSkew is a skew-shaped rule (skew, drift) as written.
type rawSkew struct {
	psi                  rawThr
	pValue, minStatistic *float64
	minSample            *int
}

func (d *decoder) config(root *yaml.Node, c *Config, st *state) {
	st.root = root
	top := d.mapping(root, "", "interval", "sample_size", "min_sample", "future_tolerance", "online", "offline", "feast", "slack", "alerts", "web", "feature_views", "sharding")
	c.Interval = DefaultInterval
	if v, ok := d.duration(top.get("interval"), "interval", true); ok {
		c.Interval = v
	}
	c.SampleSize = DefaultSampleSize
	if v, ok := d.integer(top.get("sample_size"), "sample_size", 1, "a positive integer"); ok {
		c.SampleSize = v
	}

	c.MinSample = DefaultMinSample
	if v, ok := d.integer(top.get("min_sample"), "min_sample", 0, "a non-negative integer (0: no minimum)"); ok {
		c.MinSample = v
	}

	c.FutureTolerance = DefaultFutureTolerance
	if v, ok := d.duration(top.get("future_tolerance"), "future_tolerance", false); ok {
		c.FutureTolerance = v
	}

	online := d.mapping(top.get("online"), "online", "redis", "replicas")
	d.redis(online.get("redis"), &c.Online.Redis, st)
	names := map[string]bool{"online": true, "offline": true}
	for i, n := range d.sequence(online.get("replicas"), "online.replicas") {
		path := fmt.Sprintf("online.replicas[%d]", i)
		var rep Replica
		f := d.redisAt(n, path, &rep.Redis, "name")
		rep.Name = d.str(f.get("name"), path+".name")
		if n != nil {
			rep.Line = n.Line
		}
		switch {
		case rep.Name == "":
			d.errorf(n, "%s.name: a replica needs a name (its store label, e.g. us-west-2)", path)
		case names[rep.Name]:
			d.errorf(f.get("name"), "%s.name: %q is taken (online, offline and each replica name once)", path, rep.Name)
		}
		names[rep.Name] = true
		c.Online.Replicas = append(c.Online.Replicas, rep)
	}

	offline := d.mapping(top.get("offline"), "offline", "parquet")
	parquet := d.mapping(offline.get("parquet"), "offline.parquet", "root", "max_read_bytes", "partition_pruning", "s3", "gcs")
	c.Offline.Parquet.Root = d.str(parquet.get("root"), "offline.parquet.root")
	if r := c.Offline.Parquet.Root; strings.Contains(r, "://") && !IsURL(r) {
		d.errorf(parquet.get("root"), "offline.parquet.root: %q: want a local path, file://, s3://bucket/prefix or gs://bucket/prefix", r)
	}
	c.Offline.Parquet.MaxReadBytes = DefaultMaxReadBytes
	if v, ok := d.byteSize(parquet.get("max_read_bytes"), "offline.parquet.max_read_bytes"); ok {
		c.Offline.Parquet.MaxReadBytes = v
	}
	c.Offline.Parquet.PartitionPruning = true
	if v, ok := d.boolean(parquet.get("partition_pruning"), "offline.parquet.partition_pruning"); ok {
		c.Offline.Parquet.PartitionPruning = v
	}
	s3 := d.mapping(parquet.get("s3"), "offline.parquet.s3", "endpoint", "region", "path_style")
	c.Offline.Parquet.S3.Endpoint = d.httpURL(s3.get("endpoint"), "offline.parquet.s3.endpoint")
	c.Offline.Parquet.S3.Region = d.str(s3.get("region"), "offline.parquet.s3.region")
	if v, ok := d.boolean(s3.get("path_style"), "offline.parquet.s3.path_style"); ok {
		c.Offline.Parquet.S3.PathStyle = v
	}
	gcs := d.mapping(parquet.get("gcs"), "offline.parquet.gcs", "endpoint")
	c.Offline.Parquet.GCS.Endpoint = d.httpURL(gcs.get("endpoint"), "offline.parquet.gcs.endpoint")

	if top.has("feast") {
		f := d.mapping(top.get("feast"), "feast", "repo", "refresh")
		st.feastNode = f.node
		if f.node == nil {
			st.feastNode = top.keys["feast"]
		}
		c.Feast = &Feast{Refresh: DefaultFeastRefresh}
		c.Feast.Repo = d.str(f.get("repo"), "feast.repo")
		if c.Feast.Repo == "" {
			d.errorf(st.feastNode, "feast: repo is required (the directory holding feature_store.yaml)")
		} else {
			st.feastNode = f.get("repo")
		}
		if v, ok := d.duration(f.get("refresh"), "feast.refresh", true); ok {
			c.Feast.Refresh = v
		}
	}

	if top.has("slack") {
		c.Slack = d.slack(top.get("slack"), top.keys["slack"])
	}

	alerts := d.mapping(top.get("alerts"), "alerts", "repeat_interval", "for", "state_file")
	c.Alerts.RepeatInterval = DefaultRepeatInterval
	if v, ok := d.duration(alerts.get("repeat_interval"), "alerts.repeat_interval", true); ok {
		c.Alerts.RepeatInterval = v
	}
	if v, ok := d.duration(alerts.get("for"), "alerts.for", false); ok {
		c.Alerts.For = v
	}
	c.Alerts.StateFile = d.str(alerts.get("state_file"), "alerts.state_file")

	if top.has("sharding") && !isNull(top.get("sharding")) {
		sh := d.mapping(top.get("sharding"), "sharding", "index", "count")
		c.Sharding = &Sharding{Count: 1}
		if v, ok := d.integer(sh.get("count"), "sharding.count", 1, "the number of replicas (1 or more)"); ok {
			c.Sharding.Count = v
		}
		if v, ok := d.integer(sh.get("index"), "sharding.index", 0, "this replica's index (0 to count-1)"); ok {
			c.Sharding.Index = v
		}
		if c.Sharding.Index >= c.Sharding.Count {
			d.errorf(sh.get("index"), "sharding.index: %d is not below sharding.count %d", c.Sharding.Index, c.Sharding.Count)
		}
	}
	web := d.mapping(top.get("web"), "web", "external_url", "grafana_url", "hide_values", "top_categories", "min_category_count")
	c.Web.ExternalURL = d.httpURL(web.get("external_url"), "web.external_url")
	c.Web.GrafanaURL = d.httpURL(web.get("grafana_url"), "web.grafana_url")
	if v, ok := d.boolean(web.get("hide_values"), "web.hide_values"); ok {
		c.Web.HideValues = v
	}
	c.Web.TopCategories = DefaultTopCategories
	if v, ok := d.integer(web.get("top_categories"), "web.top_categories", 0, "a number of categories (0 names them all)"); ok {
		c.Web.TopCategories = v
	}
	c.Web.MinCategoryCount = DefaultMinCategoryCount
	if v, ok := d.integer(web.get("min_category_count"), "web.min_category_count", 0, "a number of sampled rows (0 sets no minimum)"); ok {
		c.Web.MinCategoryCount = v
	}

	st.badViews = !isSeq(top.get("feature_views"))
	for i, n := range d.sequence(top.get("feature_views"), "feature_views") {
		v, src := d.view(n, fmt.Sprintf("feature_views[%d]", i), c.Feast != nil)
		c.Views = append(c.Views, v)
		st.views = append(st.views, src)
	}
}

const secretRedis = "secrets come from password_file or " + PasswordEnvDefault

func (d *decoder) redis(n *yaml.Node, r *Redis, st *state) {
	st.redis = d.redisAt(n, "online.redis", r)
	st.maxScan = r.MaxScan > 0
}

// redisAt decodes one Redis connection at path p (online.redis, or an
// entry of online.replicas with the extra keys).
func (d *decoder) redisAt(n *yaml.Node, p string, r *Redis, extra ...string) *fields {
	f := d.mapping(n, p, append([]string{"addr", "url", "cluster", "username", "password", "password_file", "password_env",
		"db", "tls", "rate_limit", "batch_size", "scan_count", "max_scan", "timeout", "read_from", "sentinel"}, extra...)...)
	r.Addr = d.str(f.get("addr"), p+".addr")
	r.Username = d.str(f.get("username"), p+".username")
	r.Cluster, _ = d.boolean(f.get("cluster"), p+".cluster")
	var dbSet, tlsSet bool
	r.DB, dbSet = d.integer(f.get("db"), p+".db", 0, "a database number (0 or more)")
	r.TLS, tlsSet = d.boolean(f.get("tls"), p+".tls")

	if f.has("password") {
		// Never echo the value: it is a secret.
		d.errorf(f.keys["password"], "%s.password: literal secrets are not allowed; %s", p, secretRedis)
	}
	r.PasswordFile = d.str(f.get("password_file"), p+".password_file")
	r.PasswordEnv = d.str(f.get("password_env"), p+".password_env")
	if r.PasswordFile != "" && r.PasswordEnv != "" {
		d.errorf(f.keys["password_env"], "%s: password_file and password_env are both set; set one", p)
	}

	if f.has("url") && !isNull(f.get("url")) {
		u := d.str(f.get("url"), p+".url")
		if r.Addr != "" {
			d.errorf(f.keys["addr"], "%s: addr and url are both set; set one", p)
		}
		if u != "" {
			d.redisURL(f.get("url"), u, r, f, dbSet, tlsSet)
		}
	}
	if f.has("sentinel") && !isNull(f.get("sentinel")) {
		r.Sentinel = d.sentinel(f.get("sentinel"), p+".sentinel")
		if r.Cluster {
			d.errorf(f.keys["sentinel"], "%s: sentinel and cluster are both set; a Sentinel watches one primary, not a cluster", p)
		}
	}
	r.ReadFrom = d.str(f.get("read_from"), p+".read_from")
	switch r.ReadFrom {
	case "", "primary", "replica", "nearest":
	default:
		d.errorf(f.get("read_from"), "%s.read_from: %q is not primary, replica or nearest", p, r.ReadFrom)
	}
	if (r.ReadFrom == "replica" || r.ReadFrom == "nearest") && !r.Cluster && r.Sentinel == nil {
		d.errorf(f.get("read_from"), "%s.read_from: %s needs cluster: true or a sentinel to find the replicas", p, r.ReadFrom)
	}
	if r.Addr == "" && r.URL == "" && r.Sentinel == nil {
		r.Addr = DefaultRedisAddr
	}
	if r.Addr != "" && r.URL == "" {
		if _, _, err := net.SplitHostPort(r.Addr); err != nil {
			d.errorf(f.get("addr"), "%s.addr: expected host:port, got %q", p, r.Addr)
		}
	}
	if r.Cluster && r.DB != 0 {
		d.errorf(f.at("db"), "%s.db: Redis Cluster has only database 0", p)
	}

	r.RateLimit = DefaultRateLimit
	if v, ok := d.integer(f.get("rate_limit"), p+".rate_limit", 0, "entities per second (0 for unlimited)"); ok {
		r.RateLimit = v
	}
	r.BatchSize = DefaultBatchSize
	if v, ok := d.integer(f.get("batch_size"), p+".batch_size", 1, "a positive integer"); ok {
		r.BatchSize = v
	}
	r.ScanCount = DefaultScanCount
	if v, ok := d.integer(f.get("scan_count"), p+".scan_count", 1, "a positive integer"); ok {
		r.ScanCount = v
	}
	if v, ok := d.integer(f.get("max_scan"), p+".max_scan", 1, "a positive integer"); ok {
		r.MaxScan = v
	}
	r.Timeout = DefaultRedisTimeout
	if v, ok := d.duration(f.get("timeout"), p+".timeout", true); ok {
		r.Timeout = v
	}
	return f
}

// sentinel decodes online.redis.sentinel.
func (d *decoder) sentinel(n *yaml.Node, p string) *Sentinel {
	f := d.mapping(n, p, "master_name", "addrs", "username", "password_file", "password")
	s := &Sentinel{
		MasterName:   d.str(f.get("master_name"), p+".master_name"),
		Username:     d.str(f.get("username"), p+".username"),
		PasswordFile: d.str(f.get("password_file"), p+".password_file"),
	}
	if f.has("password") {
		d.errorf(f.keys["password"], "%s.password: literal secrets are not allowed; use password_file", p)
	}
	if s.MasterName == "" {
		d.errorf(n, "%s.master_name: required (the name the Sentinels monitor the primary under)", p)
	}
	for i, a := range d.sequence(f.get("addrs"), p+".addrs") {
		addr := d.str(a, fmt.Sprintf("%s.addrs[%d]", p, i))
		if _, _, err := net.SplitHostPort(addr); err != nil {
			d.errorf(a, "%s.addrs[%d]: expected host:port, got %q", p, i, addr)
			continue
		}
		s.Addrs = append(s.Addrs, addr)
	}
	if len(s.Addrs) == 0 && !f.bad {
		d.errorf(n, "%s.addrs: at least one Sentinel host:port is required", p)
	}
	return s
}

// redisURL fills Addr, Username, DB and TLS from a redis:// or rediss://
// URL. Messages never echo the URL: it might hold a password.
func (d *decoder) redisURL(n *yaml.Node, s string, r *Redis, f *fields, dbSet, tlsSet bool) {
	const p = "online.redis.url"
	n = resolve(n)
	u, err := url.Parse(s)
	if err != nil {
		d.errorf(n, "%s: not a valid URL (expected redis://[user@]host[:port][/db])", p)
		return
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		d.errorf(n, "%s: scheme must be redis or rediss (TLS), got %q", p, u.Scheme)
		return
	}
	if _, has := u.User.Password(); has {
		d.errorf(n, "%s: the URL holds a password; %s", p, secretRedis)
		return
	}
	if u.Hostname() == "" {
		d.errorf(n, "%s: no host (expected redis://[user@]host[:port][/db])", p)
		return
	}
	if u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		d.errorf(n, "%s: query and fragment are not supported; use the keys under online.redis", p)
		return
	}
	port := u.Port()
	if port == "" {
		port = "6379"
	}
	r.URL = s
	r.Addr = net.JoinHostPort(u.Hostname(), port)
	if name := u.User.Username(); name != "" {
		if r.Username != "" {
			d.errorf(f.keys["username"], "online.redis: username and a user in url are both set; set one")
		}
		r.Username = name
	}
	if db := strings.TrimPrefix(u.Path, "/"); db != "" {
		v, err := strconv.Atoi(db)
		if err != nil || v < 0 {
			d.errorf(n, "%s: the path must be a database number, got %q", p, db)
		} else if dbSet {
			d.errorf(f.keys["db"], "online.redis: db and a database in url are both set; set one")
		} else {
			r.DB = v
		}
	}
	tls := u.Scheme == "rediss"
	if tlsSet && r.TLS != tls {
		d.errorf(f.get("tls"), "online.redis.tls: contradicts the url scheme %s", u.Scheme)
	}
	r.TLS = tls
}

func (d *decoder) slack(n *yaml.Node, key *yaml.Node) *Slack {
	const p = "slack"
	f := d.mapping(n, p, "webhook_url_file", "token_file", "channel", "channels", "dashboard_url", "status_url", "webhook_url", "token")
	s := &Slack{}
	if f.bad {
		return s
	}
	for _, lit := range []string{"webhook_url", "token"} {
		if f.has(lit) {
			d.errorf(f.keys[lit], "slack.%s: literal secrets are not allowed; secrets come from webhook_url_file or token_file", lit)
		}
	}
	s.WebhookURLFile = d.str(f.get("webhook_url_file"), p+".webhook_url_file")
	s.TokenFile = d.str(f.get("token_file"), p+".token_file")
	s.Channel = d.str(f.get("channel"), p+".channel")
	ch := d.mapping(f.get("channels"), p+".channels", "warn", "crit")
	for _, sev := range []string{"warn", "crit"} {
		if v := d.str(ch.get(sev), p+".channels."+sev); v != "" {
			if s.Channels == nil {
				s.Channels = map[string]string{}
			}
			s.Channels[sev] = v
		}
	}
	s.DashboardURL = d.httpURL(f.get("dashboard_url"), p+".dashboard_url")
	s.StatusURL = d.httpURL(f.get("status_url"), p+".status_url")

	at := f.node
	if at == nil {
		at = key
	}
	switch {
	case s.WebhookURLFile != "" && s.TokenFile != "":
		d.errorf(f.keys["token_file"], "slack: webhook_url_file and token_file are both set; set one")
	case s.WebhookURLFile == "" && s.TokenFile == "":
		if !f.has("webhook_url") && !f.has("token") {
			d.errorf(at, "slack: set webhook_url_file, or token_file with channel")
		}
	case s.WebhookURLFile != "":
		if s.Channel != "" {
			d.errorf(f.keys["channel"], "slack.channel: needs token_file (a webhook posts to its own channel)")
		}
		if len(s.Channels) > 0 {
			d.errorf(f.keys["channels"], "slack.channels: needs token_file (a webhook posts to its own channel)")
		}
	case s.Channel == "" && (s.Channels["warn"] == "" || s.Channels["crit"] == ""):
		d.errorf(f.keys["token_file"], "slack: token_file needs channel (or channels with both warn and crit)")
	}
	return s
}

// viewKeys lists the keys of a feature view, in the order messages show them.
func viewKeys() []string {
	return []string{"name", "project", "entities", "ttl", "interval", "sample_size", "online", "offline", "features", "checks", "reference"}
}

func (d *decoder) view(n *yaml.Node, path string, feast bool) (View, *viewSrc) {
	f := d.mapping(n, path, viewKeys()...)
	src := &viewSrc{path: path, f: f, features: map[string]*yaml.Node{}}
	v := View{Source: "config"}
	if f.node != nil {
		v.Line, v.Column = f.node.Line, f.node.Column
	}
	src.line, src.column = v.Line, v.Column
	if isNull(n) && n != nil {
		d.errorf(n, "%s: expected a mapping, got null", path)
		f.bad = true
	}
	if f.bad {
		src.bad = true
		return v, src
	}
	v.Name = d.str(f.get("name"), path+".name")
	if v.Name == "" {
		d.errorf(f.at("name"), "%s: name is required", path)
	}
	v.Project = d.str(f.get("project"), path+".project")
	src.name, src.project = v.Name, v.Project
	seen := map[string]*yaml.Node{}
	src.badEntities = !isSeq(f.get("entities"))
	src.badFeatures = !isSeq(f.get("features"))
	for i, e := range d.sequence(f.get("entities"), path+".entities") {
		ep := fmt.Sprintf("%s.entities[%d]", path, i)
		name := d.str(e, ep)
		switch {
		case name == "":
			d.errorf(resolve(e), "%s: expected an entity name", ep)
		case seen[name] != nil:
			d.errorf(resolve(e), "%s: duplicate entity %q (first at line %d)", ep, name, seen[name].Line)
		default:
			seen[name] = resolve(e)
			v.Entities = append(v.Entities, name)
			v.Pos.Entities = append(v.Pos.Entities, d.pos(e))
		}
	}
	if t, ok := d.duration(f.get("ttl"), path+".ttl", false); ok {
		v.TTL = t
	}
	if t, ok := d.duration(f.get("interval"), path+".interval", true); ok {
		v.Interval, src.interval = t, t
	}
	if s, ok := d.integer(f.get("sample_size"), path+".sample_size", 1, "a positive integer"); ok {
		v.SampleSize, src.sampleSize = s, s
	}

	on := d.mapping(f.get("online"), path+".online", "layout", "key", "timestamp_field")
	src.online = on
	if l := d.str(on.get("layout"), path+".online.layout"); l != "" {
		switch Layout(l) {
		case LayoutHash, LayoutString, LayoutFeast:
			v.Online.Layout = Layout(l)
		default:
			src.badLayout = true
			d.errorf(resolve(on.get("layout")), "%s.online.layout: unknown layout %q (expected one of: hash, string, feast)", path, l)
		}
	}
	v.Online.Key = d.str(on.get("key"), path+".online.key")
	v.Online.TimestampField = d.str(on.get("timestamp_field"), path+".online.timestamp_field")
	v.Pos.View = d.pos(f.node)
	v.Pos.Key, v.Pos.TimestampField = d.pos(on.at("key")), d.pos(on.at("timestamp_field"))

	if f.has("offline") {
		off := d.mapping(f.get("offline"), path+".offline", "path", "timestamp_column", "window")
		src.offline = off
		v.Offline = &ViewOffline{}
		v.Offline.Path = d.str(off.get("path"), path+".offline.path")
		v.Offline.TimestampColumn = d.str(off.get("timestamp_column"), path+".offline.timestamp_column")
		v.Pos.Path, v.Pos.TimestampColumn = d.pos(off.at("path")), d.pos(off.at("timestamp_column"))
		if w, ok := d.duration(off.get("window"), path+".offline.window", true); ok {
			v.Offline.Window, src.window = w, w
		}
	}

	for i, fn := range d.sequence(f.get("features"), path+".features") {
		fp := fmt.Sprintf("%s.features[%d]", path, i)
		ff := d.mapping(fn, fp, "name", "type", "reference")
		if ff.bad || isNull(fn) {
			if !ff.bad {
				d.errorf(fn, "%s: expected a mapping {name: ..., type: ...}, got null", fp)
			}
			src.badFeatures = true
			continue
		}
		ft := Feature{Name: d.str(ff.get("name"), fp+".name"), Type: d.str(ff.get("type"), fp+".type"), Pos: d.pos(ff.at("name"))}
		if ff.has("reference") {
			ft.Reference = d.reference(ff.get("reference"), fp+".reference")
		}
		if ft.Name == "" {
			src.badFeatures = true
			d.errorf(ff.at("name"), "%s: name is required", fp)
		} else if first := src.features[ft.Name]; first != nil {
			d.errorf(ff.at("name"), "%s.name: duplicate feature %q (first at line %d)", fp, ft.Name, first.Line)
			continue
		} else {
			src.features[ft.Name] = ff.node
		}
		if ft.Type != "" && !contains(FeatureTypes(), ft.Type) {
			d.errorf(resolve(ff.get("type")), "%s.type: unknown feature type %q (expected one of: %s)", fp, ft.Type, strings.Join(FeatureTypes(), ", "))
		} else if ft.Type == "" && !feast && ft.Name != "" {
			d.errorf(ff.node, "%s: type is required (one of: %s)", fp, strings.Join(FeatureTypes(), ", "))
		}
		if ft.Name != "" {
			v.Features = append(v.Features, ft)
		}
	}

	if f.has("reference") {
		v.Reference = d.reference(f.get("reference"), path+".reference")
	}
	src.checks = d.checks(f.get("checks"), path+".checks")
	return v, src
}

func (d *decoder) checks(n *yaml.Node, path string) rawChecks {
	f := d.mapping(n, path, CheckNames()...)
	rc := rawChecks{node: f.node}
	ratio := func(n *yaml.Node, p string) (float64, bool) {
		return d.number(n, p, 0, 1, "a ratio between 0 and 1")
	}
	rc.freshness = d.thresholds(f.get("freshness"), path+".freshness", func(n *yaml.Node, p string) (float64, bool) {
		v, ok := d.duration(n, p, false)
		return v.Seconds(), ok
	})
	rc.nullRate = d.thresholds(f.get("null_rate"), path+".null_rate", ratio, "min_sample")
	rc.coverage = d.thresholds(f.get("coverage"), path+".coverage", ratio, "min_sample")
	rc.consistency = d.thresholds(f.get("consistency"), path+".consistency", ratio, "min_sample")

	sk := d.skewRule(f.get("skew"), path+".skew")
	rc.psi, rc.pValue, rc.minStatistic, rc.skewMinSample = sk.psi, sk.pValue, sk.minStatistic, sk.minSample
	rc.drift = d.skewRule(f.get("drift"), path+".drift")
	rep := d.mapping(f.get("replication"), path+".replication", "match", "lag_p99")
	rc.match = d.thresholds(rep.get("match"), path+".replication.match", ratio)
	rc.lagP99 = d.thresholds(rep.get("lag_p99"), path+".replication.lag_p99", func(n *yaml.Node, p string) (float64, bool) {
		v, ok := d.duration(n, p, false)
		return v.Seconds(), ok
	})
	return rc
}

// skewRule decodes {p_value, min_statistic, psi: {warn, crit}}.
func (d *decoder) skewRule(n *yaml.Node, path string) rawSkew {
	var rs rawSkew
	sk := d.mapping(n, path, "p_value", "min_statistic", "psi", "min_sample")
	rs.minSample = d.minSample(sk, path)
	if v, ok := d.number(sk.get("p_value"), path+".p_value", 0, 1, "a p-value between 0 and 1"); ok {
		rs.pValue = &v
	}
	if v, ok := d.number(sk.get("min_statistic"), path+".min_statistic", 0, 1, "an effect size between 0 and 1"); ok {
		rs.minStatistic = &v
	}
	rs.psi = d.thresholds(sk.get("psi"), path+".psi", func(n *yaml.Node, p string) (float64, bool) {
		return d.number(n, p, 0, math.MaxFloat64, "a non-negative number")
	})
	return rs
}

// reference decodes a pinned reference: exactly one of {from, to}, path,
// saved_dataset or profile, with an optional label, timestamp_column,
// sample_size and reservoir.
func (d *decoder) reference(n *yaml.Node, path string) *Reference {
	f := d.mapping(n, path, "from", "to", "path", "saved_dataset", "profile", "label", "timestamp_column", "sample_size", "reservoir")
	if f.bad {
		return nil
	}
	if isNull(n) {
		d.errorf(resolve(n), "%s: expected a mapping with one of from/to, path, saved_dataset or profile, got null", path)
		return nil
	}
	r := &Reference{Line: f.node.Line, Column: f.node.Column, path: path}
	when := func(key string) time.Time {
		s, ok := d.scalar(f.get(key), path+"."+key, "an RFC 3339 time like 2026-11-01T00:00:00Z")
		if !ok {
			return time.Time{}
		}
		t, err := time.Parse(time.RFC3339Nano, s.Value)
		if err != nil {
			if t, err = time.Parse("2006-01-02", s.Value); err != nil {
				d.errorf(s, "%s.%s: expected an RFC 3339 time like 2026-11-01T00:00:00Z or a date 2026-11-01, got %s", path, key, describe(s))
				return time.Time{}
			}
		}
		return t.UTC()
	}
	if f.has("from") {
		r.From = when("from")
	}
	if f.has("to") {
		r.To = when("to")
	}
	r.Path = d.str(f.get("path"), path+".path")
	r.SavedDataset = d.str(f.get("saved_dataset"), path+".saved_dataset")
	r.Profile = d.str(f.get("profile"), path+".profile")
	r.Label = d.str(f.get("label"), path+".label")
	r.TimestampColumn = d.str(f.get("timestamp_column"), path+".timestamp_column")
	r.SampleSize = DefaultReferenceSampleSize
	if v, ok := d.integer(f.get("sample_size"), path+".sample_size", 1, "a positive integer"); ok {
		r.SampleSize = v
	}
	r.Reservoir = DefaultReservoir
	if v, ok := d.integer(f.get("reservoir"), path+".reservoir", 1, "a positive integer"); ok {
		r.Reservoir = v
	}
	var forms []string
	if f.has("from") || f.has("to") {
		forms = append(forms, "from/to")
		switch {
		case !f.has("from") || !f.has("to"):
			d.errorf(f.node, "%s: a time range needs both from and to", path)
		case !r.From.IsZero() && !r.To.IsZero() && !r.From.Before(r.To):
			d.errorf(resolve(f.get("to")), "%s.to: must be after from (%s)", path, r.From.Format(time.RFC3339))
		}
	}
	for _, k := range []string{"path", "saved_dataset", "profile"} {
		if f.has(k) {
			forms = append(forms, k)
		}
	}
	switch {
	case len(forms) == 0:
		d.errorf(f.node, "%s: one of from/to (a time range of the offline store), path (a Parquet snapshot), saved_dataset (a Feast saved dataset) or profile (a file made by fsmon profile) is required", path)
	case len(forms) > 1:
		d.errorf(f.node, "%s: only one of from/to, path, saved_dataset or profile may be set (got %s)", path, strings.Join(forms, ", "))
	}
	if r.TimestampColumn != "" && !f.has("path") && !f.has("saved_dataset") {
		d.errorf(resolve(f.get("timestamp_column")), "%s.timestamp_column: only used with path or saved_dataset", path)
	}
	return r
}

// thresholds decodes {warn: x, crit: y}; either may be omitted (default)
// or null (no threshold).
// thresholds decodes {warn, crit}; extra may allow "min_sample".
func (d *decoder) thresholds(n *yaml.Node, path string, conv func(*yaml.Node, string) (float64, bool), extra ...string) rawThr {
	f := d.mapping(n, path, append([]string{"warn", "crit"}, extra...)...)
	t := rawThr{node: f.node}
	if contains(extra, "min_sample") {
		t.minSample = d.minSample(f, path)
	}
	if f.has("warn") {
		t.warnSet, t.warnNode = true, resolve(f.get("warn"))
		if v, ok := conv(f.get("warn"), path+".warn"); ok {
			t.warn = &v
		} else if !isNull(f.get("warn")) {
			t.warnSet, t.bad = false, true // reported; fall back to the default
		}
	}
	if f.has("crit") {
		t.critSet, t.critNode = true, resolve(f.get("crit"))
		if v, ok := conv(f.get("crit"), path+".crit"); ok {
			t.crit = &v
		} else if !isNull(f.get("crit")) {
			t.critSet, t.bad = false, true
		}
	}
	return t
}

// minSample decodes the min_sample key of a check's mapping (nil when
// absent or invalid, which is reported).
func (d *decoder) minSample(f *fields, path string) *int {
	if !f.has("min_sample") {
		return nil
	}
	if v, ok := d.integer(f.get("min_sample"), path+".min_sample", 0, "a non-negative integer (0: no minimum)"); ok {
		return &v
	}
	return nil
}

// isSeq reports whether n is absent, null or a list (anything else is
// reported where it is decoded).
func isSeq(n *yaml.Node) bool {
	return isNull(n) || resolve(n).Kind == yaml.SequenceNode
}

// resolvePaths makes the config's file paths relative to dir.
func resolvePaths(c *Config, dir string) {
	abs := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	abs(&c.Online.Redis.PasswordFile)
	if sn := c.Online.Redis.Sentinel; sn != nil {
		abs(&sn.PasswordFile)
	}
	abs(&c.Alerts.StateFile)
	if c.Offline.Parquet.Root == "" {
		c.Offline.Parquet.Root = dir
	} else if !IsURL(c.Offline.Parquet.Root) {
		abs(&c.Offline.Parquet.Root)
	}
	if c.Feast != nil {
		abs(&c.Feast.Repo)
	}
	if c.Slack != nil {
		abs(&c.Slack.WebhookURLFile)
		abs(&c.Slack.TokenFile)
	}
	for i := range c.Views {
		if r := c.Views[i].Reference; r != nil {
			abs(&r.Profile)
		}
		for _, f := range c.Views[i].Features {
			if f.Reference != nil {
				abs(&f.Reference.Profile)
			}
		}
	}
}

// secondsToDuration converts threshold seconds back for messages.
func secondsToDuration(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
