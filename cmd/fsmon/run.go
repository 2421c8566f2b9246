package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/prometheus/common/promslog"

	"github.com/fsmon/fsmon/app"
	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/config"
	"github.com/fsmon/fsmon/internal/buildinfo"
	"github.com/fsmon/fsmon/present"
	"github.com/fsmon/fsmon/report"
)

const usage = `usage: fsmon <command> [flags]

commands:
  serve       run the daemon: scheduled checks, /metrics, status page
  check       one pass of every check, then exit (0 ok, 1 gate failed, 2 config error, 3 could not run)
  validate    parse and validate the config, report every problem (--live: connect and check the stores too)
  demo        run the daemon on an embedded Redis and Parquet store
  dashboards  export|push Grafana dashboards
  rules       export Prometheus alerting rules
  profile     profile a pinned skew reference once into a file (reference: {profile: FILE})
  version     print version information

Run 'fsmon <command> -h' for the flags of a command.
`

// run is the whole CLI over writers, so tests call it directly. sighup
// delivers reload requests to serve and demo (nil in tests).
func run(ctx context.Context, args []string, stdout, stderr io.Writer, sighup <-chan os.Signal) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return report.ExitUsage
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(ctx, args, stdout, stderr, sighup)
	case "check":
		return check(ctx, args, stdout, stderr)
	case "validate":
		return validate(ctx, args, stdout, stderr)
	case "demo":
		return demoCmd(ctx, args, stdout, stderr, sighup)
	case "dashboards":
		return dashboardsCmd(ctx, args, stdout, stderr)
	case "rules":
		return rulesCmd(args, stdout, stderr)
	case "profile":
		return profileCmd(ctx, args, stdout, stderr)
	case "version", "--version", "-version":
		printVersion(stdout, buildinfo.Get())
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "fsmon: unknown command %q\n\n%s", cmd, usage)
	return report.ExitUsage
}

// printVersion prints what `fsmon version` shows, in the layout of the
// Prometheus exporters' --version.
func printVersion(w io.Writer, b buildinfo.Info) {
	fmt.Fprintf(w, "fsmon, version %s (revision: %s)\n", b.Version, b.Revision)
	fmt.Fprintf(w, "  build date:  %s\n", b.BuildDate)
	fmt.Fprintf(w, "  go version:  %s\n", b.GoVersion)
	fmt.Fprintf(w, "  platform:    %s\n", b.Platform)
}

// logFlags are the Prometheus-style --log.level and --log.format.
type logFlags struct {
	cfg promslog.Config
}

func addLogFlags(fs *flag.FlagSet) *logFlags {
	l := &logFlags{cfg: promslog.Config{Level: promslog.NewLevel(), Format: promslog.NewFormat()}}
	fs.Var(&flagValue{l.cfg.Level}, "log.level", "only log messages with the given severity or above: debug, info, warn, error")
	fs.Var(&flagValue{l.cfg.Format}, "log.format", "output format of log messages: logfmt, json")
	return l
}

// flagValue wraps a promslog flag value whose zero value panics in String
// (the flag package calls it on a zero value to print defaults for -h and
// after a bad value).
type flagValue struct {
	v interface {
		String() string
		Set(string) error
	}
}

func (f *flagValue) String() string {
	if f == nil || f.v == nil {
		return ""
	}
	return f.v.String()
}

func (f *flagValue) Set(s string) error { return f.v.Set(s) }

// parseFlags parses a command's flags: -h prints them and exits 0, a bad
// flag exits 2 (the flag package has printed why).
func parseFlags(fs *flag.FlagSet, args []string) (code int, ok bool) {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return 0, true
	case errors.Is(err, flag.ErrHelp):
		return 0, false
	}
	return report.ExitUsage, false
}

func (l *logFlags) logger(w io.Writer) *slog.Logger {
	c := l.cfg
	c.Writer = w
	return promslog.New(&c)
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("fsmon "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// printConfigErrors prints every config problem, one per line.
func printConfigErrors(w io.Writer, err error) {
	var errs config.Errors
	if errors.As(err, &errs) {
		for _, e := range errs {
			fmt.Fprintln(w, e.Error())
		}
		return
	}
	fmt.Fprintln(w, err.Error())
}

func validate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("validate", stderr)
	file := fs.String("config", "fsmon.yaml", "config file")
	liveFlag := fs.Bool("live", false, "also connect and check the stores, credentials, key templates, Parquet columns, the alert state directory and the Slack token (read-only)")
	timeout := fs.Duration("timeout", 30*time.Second, "with --live, give up on checks still running after this long")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	cfg, err := config.Load(*file)
	if err != nil {
		printConfigErrors(stderr, err)
		return report.ExitUsage
	}
	var findings []app.Finding
	if *liveFlag {
		ctx, cancel := context.WithTimeout(ctx, *timeout)
		defer cancel()
		findings = app.ValidateLive(ctx, cfg, app.LiveOptions{})
	} else if f := app.CheckStateFile(cfg); f != nil {
		// The daemon records delivered alerts there; a state it cannot
		// save repeats or loses alerts after a restart.
		findings = append(findings, *f)
	}
	problems := 0
	for _, f := range findings {
		if f.Note {
			fmt.Fprintln(stdout, f)
			continue
		}
		fmt.Fprintln(stderr, f)
		problems++
	}
	if problems > 0 {
		return report.ExitUsage
	}
	how := ""
	if *liveFlag {
		how = ", checked live"
	}
	fmt.Fprintf(stdout, "%s: OK (%d feature views%s)\n", *file, len(cfg.Views), how)
	return 0
}

func check(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("check", stderr)
	file := fs.String("config", "fsmon.yaml", "config file")
	only := fs.String("only", "", "check only these feature views (comma-separated; project/view or view)")
	failOn := fs.String("fail-on", "crit", "exit 1 when a result is at or above this status: warn (also fails on insufficient samples) or crit")
	format := fs.String("format", "text", "report format: text or json")
	output := fs.String("output", "", "write the report to this file instead of standard output")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up on checks still running after this long")
	memLimit := addMemoryFlag(fs)
	lf := addLogFlags(fs)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if err := setMemoryLimit(*memLimit); err != nil {
		fmt.Fprintf(stderr, "fsmon check: %v\n", err)
		return report.ExitUsage
	}
	var gate checks.Status
	switch *failOn {
	case "warn":
		gate = checks.Warn
	case "crit":
		gate = checks.Crit
	default:
		fmt.Fprintf(stderr, "fsmon check: --fail-on must be warn or crit, not %q\n", *failOn)
		return report.ExitUsage
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "fsmon check: --format must be text or json, not %q\n", *format)
		return report.ExitUsage
	}
	cfg, err := config.Load(*file)
	if err != nil {
		printConfigErrors(stderr, err)
		if config.OnlyRegistry(err) {
			// The config is fine but the Feast registry cannot be read
			// (database down, object missing): no check ran, and a retry
			// may work.
			fmt.Fprintln(stderr, "fsmon check: the Feast registry could not be read; no check ran (exit 3)")
			return report.ExitCouldNot
		}
		return report.ExitUsage
	}
	var names []string
	if *only != "" {
		names = strings.Split(*only, ",")
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	started := time.Now()
	log := useLogger(lf.logger(stderr))
	results, err := app.CheckOnce(ctx, cfg, names, log)
	if err != nil {
		fmt.Fprintf(stderr, "fsmon check: %v\n", err)
		return report.ExitUsage
	}
	results = app.WithHistory(cfg, results, log)
	// The report leaves the process (Airflow logs, artifacts): it shows
	// feature values as the status page does (web.hide_values,
	// web.top_categories, web.min_category_count).
	shown := present.Redact(results, present.Privacy{HideValues: cfg.Web.HideValues, TopCategories: cfg.Web.TopCategories, MinCount: cfg.Web.MinCategoryCount})
	rep := report.New(buildinfo.Get().Version, started, time.Now(), shown)
	code := report.ExitCode(rep.Results, gate)
	if err := writeReport(rep, *format, *output, stdout); err != nil {
		// A gate that reads no report must not pass: exit 3 (may be
		// retried), unless the gate failed anyway (1 wins over 3).
		fmt.Fprintf(stderr, "fsmon check: %v\n", err)
		if code == report.ExitOK {
			code = report.ExitCouldNot
		}
	}
	return code
}

// writeReport writes rep to the file output (stdout when ""), reporting
// every write and close error.
func writeReport(rep *report.Report, format, output string, stdout io.Writer) (err error) {
	out := stdout
	if output != "" {
		f, err := os.Create(output)
		if err != nil {
			return fmt.Errorf("write report: %w", err)
		}
		defer func() {
			if cerr := f.Close(); cerr != nil && err == nil {
				err = fmt.Errorf("write report %s: %w", output, cerr)
			}
		}()
		out = f
	}
	if format == "json" {
		err = rep.WriteJSON(out)
	} else {
		err = rep.WriteText(out)
	}
	if err != nil {
		if output != "" {
			return fmt.Errorf("write report %s: %w", output, err)
		}
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// DefaultMemoryLimit is --memory.limit's default.
const DefaultMemoryLimit = "1GiB"

// addMemoryFlag adds --memory.limit.
func addMemoryFlag(fs *flag.FlagSet) *string {
	return fs.String("memory.limit", DefaultMemoryLimit, "soft memory limit of the Go runtime (GOMEMLIMIT), e.g. 512MiB, 2GiB; 0 turns it off; the GOMEMLIMIT environment variable wins over the default; views are checked side by side only while their estimated memory fits in half of it")
}

// setMemoryLimit applies --memory.limit through runtime/debug: the garbage
// collector works harder as the heap nears it. GOMEMLIMIT in the
// environment is kept unless the flag was changed from its default.
func setMemoryLimit(v string) error {
	if v == DefaultMemoryLimit && os.Getenv("GOMEMLIMIT") != "" {
		return nil
	}
	if v == "0" {
		debug.SetMemoryLimit(math.MaxInt64)
		return nil
	}
	n, err := config.ParseBytes(v)
	if err != nil {
		return fmt.Errorf("--memory.limit: %w", err)
	}
	debug.SetMemoryLimit(n)
	return nil
}

// webFlags are the exporter conventions shared by serve and demo.
type webFlags struct {
	listen, webConfig *string
	lifecycle         *bool
}

func addWebFlags(fs *flag.FlagSet) webFlags {
	return webFlags{
		listen:    fs.String("web.listen-address", ":9464", "address on which to expose metrics and the status page"),
		webConfig: fs.String("web.config.file", "", "path to a web config file enabling TLS or authentication (exporter-toolkit format)"),
		lifecycle: fs.Bool("web.enable-lifecycle", false, "enable reloading over HTTP (POST /-/reload)"),
	}
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer, sighup <-chan os.Signal) int {
	fs := newFlagSet("serve", stderr)
	file := fs.String("config", "fsmon.yaml", "config file")
	shard := fs.String("shard", "", "check only this replica's views: i/n (i from 0; \"ordinal/n\" takes i from the -N suffix of $HOSTNAME); overrides the config's sharding")
	wf := addWebFlags(fs)
	maxConc := fs.Int("checks.max-concurrent", app.DefaultMaxConcurrent, "how many views are checked at the same time (with sample_size, it bounds memory)")
	memLimit := addMemoryFlag(fs)
	lf := addLogFlags(fs)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	var sh *app.Shard
	if *shard != "" {
		v, err := app.ParseShard(*shard)
		if err != nil {
			fmt.Fprintf(stderr, "fsmon serve: %v\n", err)
			return report.ExitUsage
		}
		sh = &v
	}
	if *maxConc < 1 {
		fmt.Fprintf(stderr, "fsmon serve: --checks.max-concurrent must be at least 1, not %d\n", *maxConc)
		return report.ExitUsage
	}
	if err := setMemoryLimit(*memLimit); err != nil {
		fmt.Fprintf(stderr, "fsmon serve: %v\n", err)
		return report.ExitUsage
	}
	log := useLogger(lf.logger(stderr))
	a, err := app.New(app.Options{ConfigFile: *file, ListenAddress: *wf.listen, WebConfigFile: *wf.webConfig, EnableLifecycle: *wf.lifecycle, Logger: log, Version: buildinfo.Get(), Shard: sh, MaxConcurrent: *maxConc})
	if err != nil {
		printConfigErrors(stderr, err)
		return report.ExitUsage
	}
	if err := a.Start(); err != nil {
		log.Error("start", "err", err)
		fmt.Fprintf(stderr, "fsmon serve: %v\n", err)
		_ = a.Stop(context.Background())
		return 1
	}
	return runDaemon(ctx, a, log, sighup)
}

// runDaemon runs the started a, reloads it on SIGHUP and stops it
// gracefully when ctx ends.
func runDaemon(ctx context.Context, a *app.App, log *slog.Logger, sighup <-chan os.Signal) int {
	log.Info("fsmon started", "address", a.Addr(), "version", buildinfo.Get().Version, "revision", buildinfo.Get().Revision)
	for {
		select {
		case <-sighup:
			_ = a.Reload() // a failure is logged and keeps the old config
		case err := <-a.Failed():
			log.Error("stopping: the HTTP server failed", "err", err)
			sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_ = a.Stop(sctx)
			return 1
		case <-ctx.Done():
			log.Info("stopping: finishing running checks")
			sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := a.Stop(sctx); err != nil {
				log.Error("stop", "err", err)
				return 1
			}
			return 0
		}
	}
}
