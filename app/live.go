package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fsmon/fsmon/alerts"
	"github.com/fsmon/fsmon/alerts/slack"
	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/config"
	"github.com/fsmon/fsmon/internal/blob"
	"github.com/fsmon/fsmon/parquetstore"
	"github.com/fsmon/fsmon/sample"
)

// LiveSampleSize bounds the entities and rows one view is sampled with by
// ValidateLive: enough to see every column and field, cheap on the stores.
const LiveSampleSize = 1000

// A Finding is one outcome of ValidateLive, placed at the config key
// responsible: a problem (the config will not work as written) or, with
// Note set, something that could not be checked, said so.
type Finding struct {
	Pos  config.Position
	Key  string // dotted config key, e.g. "online.redis.password_file"
	Msg  string
	Note bool
}

// String formats the finding as "FILE:LINE:COL: key: message".
func (f Finding) String() string {
	return f.Pos.String() + ": " + f.Key + ": " + f.Msg
}

// LiveOptions configure ValidateLive.
type LiveOptions struct {
	// SlackAPIURL replaces Slack's Web API base ("https://slack.com/api/");
	// tests point it at a fake Slack.
	SlackAPIURL string
	Logger      *slog.Logger
}

// ValidateLive connects to everything cfg names and checks, up front, what
// would otherwise only show at the first run: the online store (reachable,
// credentials and ACL permissions accepted, db valid, each view's key
// template matching keys), the offline store (root, files, columns and
// types of each view), the alert state directory and the Slack token. It
// reuses the checks' own detection of config mistakes (the results that
// carry details.config_error), on a sample of at most LiveSampleSize per
// view. Only reads are sent to the stores; the state directory gets a
// temporary file, removed at once. Every finding is returned, in file
// order; ctx bounds the whole.
func ValidateLive(ctx context.Context, cfg *config.Config, o LiveOptions) []Finding {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	lv := &live{cfg: cfg, keyAt: keysByPos(cfg)}
	if f := CheckStateFile(cfg); f != nil {
		lv.add(*f)
	}
	lv.slack(ctx, o.SlackAPIURL)

	skipOnline := false
	r := cfg.Online.Redis
	if _, err := redisOptions(r, log); err != nil {
		key := lv.credKey()
		if r.Sentinel != nil && strings.Contains(err.Error(), "sentinel.password_file") {
			key = "online.redis.sentinel.password_file"
		}
		lv.problem(key, "%v", err)
		skipOnline = true
	}
	c := *cfg
	if skipOnline { // the stores are still built, for the offline checks
		c.Online.Redis.PasswordFile, c.Online.Redis.PasswordEnv = "", ""
		if c.Online.Redis.Sentinel != nil {
			sn := *c.Online.Redis.Sentinel
			sn.PasswordFile = ""
			c.Online.Redis.Sentinel = &sn
		}
	}
	stores, err := NewStores(&c, log)
	if err != nil {
		lv.problem(lv.addrKey(), "%v", err)
		return lv.sorted()
	}
	defer stores.Close()
	if !skipOnline {
		if err := stores.redis.Ping(ctx); err != nil {
			lv.redisProblem(err, "")
			skipOnline = true
		}
	}
	skipRoot := lv.root()

	for _, v := range cfg.Views {
		vv := v
		vv.SampleSize = min(max(v.SampleSize, 1), LiveSampleSize)
		on, off := stores.ForView(vv)
		if skipOnline {
			on = nil
		}
		if vv.Offline != nil && skipRoot && !config.IsURL(vv.Offline.Path) && !strings.HasPrefix(vv.Offline.Path, "/") {
			off = nil
		}
		lv.view(ctx, vv, on, off, skipOnline)
	}
	return lv.sorted()
}

// CheckStateFile checks that the alert state file can be written where
// the daemon will keep it (when Slack is configured: only alerts use it),
// by creating and removing a temporary file beside it.
func CheckStateFile(cfg *config.Config) *Finding {
	if cfg.Slack == nil {
		return nil
	}
	if err := alerts.CheckWritable(alerts.StatePath(cfg)); err != nil {
		return &Finding{Pos: cfg.Pos("alerts.state_file"), Key: "alerts.state_file", Msg: err.Error()}
	}
	return nil
}

// live gathers the findings of one ValidateLive.
type live struct {
	cfg      *config.Config
	keyAt    map[string]string // config key by position, for the checks' config errors
	findings []Finding
	seen     map[string]bool
}

func (lv *live) add(f Finding) {
	if lv.seen == nil {
		lv.seen = map[string]bool{}
	}
	if s := f.String(); !lv.seen[s] {
		lv.seen[s] = true
		lv.findings = append(lv.findings, f)
	}
}

func (lv *live) problem(key, format string, args ...any) {
	lv.add(Finding{Pos: lv.cfg.Pos(key), Key: key, Msg: fmt.Sprintf(format, args...)})
}

func (lv *live) note(key, format string, args ...any) {
	lv.add(Finding{Pos: lv.cfg.Pos(key), Key: key, Msg: fmt.Sprintf(format, args...), Note: true})
}

// sorted returns the findings in file order (those without a line last).
func (lv *live) sorted() []Finding {
	slices.SortStableFunc(lv.findings, func(a, b Finding) int {
		if (a.Pos.Line == 0) != (b.Pos.Line == 0) {
			if a.Pos.Line == 0 {
				return 1
			}
			return -1
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line - b.Pos.Line
		}
		return a.Pos.Column - b.Pos.Column
	})
	return lv.findings
}

// keysByPos maps each written position to its config key, the longest
// (most specific) key when several share one.
func keysByPos(cfg *config.Config) map[string]string {
	out := map[string]string{}
	for k, p := range cfg.Keys {
		s := p.String()
		if old, ok := out[s]; !ok || len(k) > len(old) {
			out[s] = k
		}
	}
	return out
}

// addrKey is the key that says where Redis is.
func (lv *live) addrKey() string {
	r := lv.cfg.Online.Redis
	switch {
	case r.Sentinel != nil:
		return "online.redis.sentinel.addrs"
	case r.URL != "":
		return "online.redis.url"
	}
	return "online.redis.addr"
}

// credKey is the key that says how fsmon authenticates to Redis.
func (lv *live) credKey() string {
	r := lv.cfg.Online.Redis
	switch {
	case r.PasswordFile != "":
		return "online.redis.password_file"
	case r.PasswordEnv != "":
		return "online.redis.password_env"
	case r.Username != "":
		return "online.redis.username"
	}
	return "online.redis"
}

// redisProblem places a Redis error at the key responsible: credentials,
// ACL permissions, the database number, or the address. what names the
// view ("" for the connection check).
func (lv *live) redisProblem(err error, what string) {
	msg := err.Error()
	if what != "" {
		msg = what + ": " + msg
	}
	r := lv.cfg.Online.Redis
	refusal := redisRefused(err)
	// redisstore's own envelope when the Sentinels could not name the primary.
	if sn := r.Sentinel; sn != nil && strings.Contains(msg, "sentinel master "+strconv.Quote(sn.MasterName)+":") {
		switch {
		case refusal == refusedCredentials || refusal == needsPassword:
			lv.problem(keyOr(lv.cfg, "online.redis.sentinel.password_file", "online.redis.sentinel"), "the Sentinels refused the credentials (their own, not the data nodes'): %s", msg)
		case refusal == refusedPermission:
			lv.problem(keyOr(lv.cfg, "online.redis.sentinel.username", "online.redis.sentinel"), "the Sentinel user may not run SENTINEL GET-MASTER-ADDR-BY-NAME (and SENTINEL REPLICAS with read_from): %s", msg)
		case errors.Is(err, redis.Nil) || strings.Contains(msg, "no primary known"):
			lv.problem("online.redis.sentinel.master_name", "the Sentinels know no primary named %q: %s", sn.MasterName, msg)
		default:
			lv.problem("online.redis.sentinel.addrs", "%s", msg)
		}
		return
	}
	switch refusal {
	case refusedCredentials:
		src := "the password"
		switch {
		case r.PasswordFile != "":
			src = "the password in " + r.PasswordFile
		case r.PasswordEnv != "":
			src = "the password in $" + r.PasswordEnv
		case os.Getenv(config.PasswordEnvDefault) != "":
			src = "the password in $" + config.PasswordEnvDefault
		}
		lv.problem(lv.credKey(), "Redis refused the credentials (user %s, %s): %s", orDefault(r.Username), src, msg)
	case needsPassword:
		lv.problem(lv.credKey(), "Redis requires a password and none is configured (password_file, password_env or %s): %s", config.PasswordEnvDefault, msg)
	case refusedPermission:
		lv.problem(keyOr(lv.cfg, "online.redis.username", "online.redis"),
			"the ACL user %s may not run a command fsmon needs (SCAN, HMGET, MGET, GET, PING; SELECT when db is not 0; CLUSTER SLOTS and DBSIZE on a cluster) or read the view's keys: %s", orDefault(r.Username), msg)
	case noSuchDB:
		lv.problem(keyOr(lv.cfg, "online.redis.db", lv.addrKey()), "Redis has no database %d: %s", r.DB, msg)
	default:
		if errors.Is(err, context.DeadlineExceeded) {
			lv.problem(lv.addrKey(), "no answer from Redis %s within the --timeout: %s", r.Addr, msg)
		} else {
			lv.problem(lv.addrKey(), "%s", msg)
		}
	}
}

// A redisRefusal is what a Redis server's error reply says of the config.
type redisRefusal int

const (
	notRefused         redisRefusal = iota // no reply of the kinds below, or no reply at all
	refusedCredentials                     // the username or password is wrong
	needsPassword                          // a password is required and none was sent
	refusedPermission                      // the ACL user may not run a command or read a key
	noSuchDB                               // the db number is out of the server's range
)

// redisRefused tells what the Redis error reply in err's chain (a
// redis.Error, found through wrapping and errors.Join) says of the config.
// A reply's first word is its error code, as the Redis protocol documents
// it: WRONGPASS, NOAUTH and NOPERM decide alone. Only the generic code ERR
// is read further, for the two refusals that have no code of their own:
// "ERR invalid password" (AUTH on Redis before 6) and "ERR DB index is out
// of range" (SELECT).
func redisRefused(err error) redisRefusal {
	var re redis.Error
	if !errors.As(err, &re) {
		return notRefused
	}
	code, text, _ := strings.Cut(re.Error(), " ")
	switch code {
	case "WRONGPASS":
		return refusedCredentials
	case "NOAUTH":
		return needsPassword
	case "NOPERM":
		return refusedPermission
	case "ERR":
		switch {
		case strings.HasPrefix(text, "invalid password"):
			return refusedCredentials
		case strings.HasPrefix(text, "DB index is out of range"), strings.HasPrefix(text, "invalid DB index"):
			return noSuchDB
		}
	}
	return notRefused
}

func orDefault(user string) string {
	if user == "" {
		return "default"
	}
	return user
}

// keyOr returns key when it is written in the file, else alt.
func keyOr(cfg *config.Config, key, alt string) string {
	if _, ok := cfg.Keys[key]; ok {
		return key
	}
	return alt
}

// root checks a local offline.parquet.root: it exists and is a readable
// directory. It reports whether the root is unusable (the views under it
// are then not read).
func (lv *live) root() (bad bool) {
	root := lv.cfg.Offline.Parquet.Root
	used := false
	for _, v := range lv.cfg.Views {
		used = used || (v.Offline != nil && !config.IsURL(v.Offline.Path) && !strings.HasPrefix(v.Offline.Path, "/"))
	}
	if !used || root == "" || config.IsURL(root) {
		return false
	}
	if _, err := os.ReadDir(root); err != nil {
		lv.problem("offline.parquet.root", "the offline store's root cannot be read: %v", err)
		return true
	}
	return false
}

// viewKey returns the config path of a view ("feature_views[2]") when it
// is written in the file, else "" (a view discovered from Feast).
func (lv *live) viewPath(v config.View) string {
	if v.Pos.View.Line == 0 {
		return ""
	}
	k := lv.keyAt[v.Pos.View.String()]
	if strings.HasPrefix(k, "feature_views[") && !strings.Contains(k, ".") {
		return k
	}
	return ""
}

// viewProblem reports a problem of view v at its key sub ("offline.path"),
// or at the view (its key, or where Feast defined it) when sub is not
// written.
func (lv *live) viewProblem(v config.View, sub string, pos config.Position, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if p := lv.viewPath(v); p != "" {
		key := p + "." + sub
		if _, ok := lv.cfg.Keys[key]; !ok {
			key = p
		}
		lv.problem(key, "%s", msg)
		return
	}
	if pos.File == "" && pos.Line == 0 {
		pos = v.Pos.View
	}
	lv.add(Finding{Pos: pos, Key: fmt.Sprintf("feature view %s/%s (Feast) %s", v.Project, v.Name, sub), Msg: msg})
}

// view samples one view as a run would and reports what stops it: store
// errors placed at the key responsible, and the checks' config errors.
func (lv *live) view(ctx context.Context, v config.View, on sample.Online, off sample.Offline, onlineDown bool) {
	in := Collect(ctx, v, on, off, time.Now())
	if on != nil {
		for _, err := range []error{in.OnlineErr, in.CoveredErr} {
			if err == nil {
				continue
			}
			if isConnError(err) {
				lv.redisProblem(err, "")
			} else {
				lv.viewProblem(v, "online.key", v.Pos.Key, "%v", err)
			}
		}
	}
	if off != nil && v.Offline != nil {
		// The footer, the sample and the as-of lookup often fail alike:
		// the first error of each key is the one reported.
		done := map[string]bool{}
		for _, err := range []error{in.FooterErr, in.OfflineErr, in.AsOfErr} {
			if err == nil || checks.IsStoreConfigError(err) {
				continue // the checks' config errors below report it
			}
			if sub, msg := lv.offlineProblem(v, err); !done[sub] {
				done[sub] = true
				if sub == "offline.parquet.root" {
					lv.problem(sub, "%s", msg)
				} else {
					lv.viewProblem(v, sub, lv.subPos(v, sub), "%s", msg)
				}
			}
		}
	}
	if on != nil && in.OnlineErr == nil && in.Online != nil {
		s := in.Online
		switch {
		case s.Scanned == 0 && s.Complete && s.StoreEmpty:
			lv.viewNote(v, "online.key", v.Pos.Key, "Redis holds no key at all, so whether the key template matches cannot be told")
		case s.Scanned == 0 && !s.Complete && hasProblem(s, sample.ScanBudget):
			lv.viewNote(v, "online.key", v.Pos.Key, "the template %q matched none of the keys the SCAN budget (online.redis.max_scan) let fsmon visit; it may match keys further on", v.Online.Key)
		}
	}
	for _, k := range checks.Kinds() {
		rs, _ := runKindGuarded(in, k, checks.RunKind)
		for _, r := range rs {
			at, ok := r.Details["config_error"].(string)
			if !ok {
				continue
			}
			msg := strings.TrimPrefix(strings.TrimPrefix(r.Error, "config: "), at+": ")
			if key := lv.keyAt[at]; key != "" {
				lv.add(Finding{Pos: lv.cfg.Pos(key), Key: key, Msg: msg})
			} else {
				lv.viewProblem(v, "", posOf(at, v), "%s", msg)
			}
		}
	}
}

func (lv *live) viewNote(v config.View, sub string, pos config.Position, format string, args ...any) {
	n := len(lv.findings)
	lv.viewProblem(v, sub, pos, format, args...)
	if len(lv.findings) > n {
		lv.findings[n].Note = true
	}
}

// posOf returns the position of a view part from its text (a Feast view's
// parts are placed at the registry file).
func posOf(s string, v config.View) config.Position {
	if s == v.Pos.View.String() {
		return v.Pos.View
	}
	return config.Position{File: s}
}

func hasProblem(s *sample.Sample, kind sample.ProblemKind) bool {
	for _, p := range s.Problems {
		if p.Kind == kind {
			return true
		}
	}
	return false
}

// isConnError reports whether a sampling error is about the connection
// (credentials, permissions, the db, reachability) rather than the view.
func isConnError(err error) bool {
	var ne net.Error // refused, unknown host, timed out
	return redisRefused(err) != notRefused || errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded)
}

// offlineProblem places an offline error of view v: a missing or refused
// bucket at the root (or the view's own URL), anything else at the view's
// offline path (a missing timestamp or entity column is a config error the
// checks place). It returns the key (of the view, or offline.parquet.root)
// and the message.
func (lv *live) offlineProblem(v config.View, err error) (sub, msg string) {
	msg = err.Error()
	for _, hint := range []string{"the bucket does not exist", "access denied", "the credentials"} {
		i := strings.Index(msg, hint)
		switch {
		case i < 0:
			continue
		case config.IsURL(v.Offline.Path) || !config.IsURL(lv.cfg.Offline.Parquet.Root):
			return "offline.path", msg
		}
		return "offline.parquet.root", lv.cfg.Offline.Parquet.Root + ": " + msg[i:]
	}
	switch {
	case errors.Is(err, parquetstore.ErrNoFiles) || errors.Is(err, blob.ErrNotExist):
		return "offline.path", "no Parquet file to read: " + msg
	case errors.Is(err, context.DeadlineExceeded):
		return "offline.path", "not read within the --timeout: " + msg
	}
	return "offline.path", msg
}

// subPos is where a part of a view is, for views not written in the file.
func (lv *live) subPos(v config.View, sub string) config.Position {
	switch sub {
	case "offline.path":
		return v.Pos.Path
	case "online.key":
		return v.Pos.Key
	}
	return v.Pos.View
}

// slack checks the Slack credential: a bot token with auth.test; a webhook
// only for its form, since checking it would post a message.
func (lv *live) slack(ctx context.Context, apiURL string) {
	c := lv.cfg.Slack
	if c == nil {
		return
	}
	kind, value, err := c.Secret()
	key := "slack.token_file"
	if c.WebhookURLFile != "" {
		key = "slack.webhook_url_file"
	}
	if err != nil {
		lv.problem(key, "%v", err)
		return
	}
	if kind == "webhook" {
		lv.note(key, "not checked live: checking an incoming webhook would post a message to its channel; only its form (an https:// URL) was checked")
		return
	}
	n, err := slack.New(slack.Options{Token: value, Channel: c.Channel, Channels: c.Channels, APIURL: apiURL})
	if err != nil {
		lv.problem(key, "%v", err)
		return
	}
	if _, _, err := n.CheckAuth(ctx); err != nil {
		lv.problem(key, "%v", err)
	}
}
