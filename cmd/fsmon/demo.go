package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/fsmon/fsmon/app"
	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/config"
	"github.com/fsmon/fsmon/demo"
	"github.com/fsmon/fsmon/internal/buildinfo"
	"github.com/fsmon/fsmon/report"
)

func demoCmd(ctx context.Context, args []string, stdout, stderr io.Writer, sighup <-chan os.Signal) int {
	fs := newFlagSet("demo", stderr)
	wf := addWebFlags(fs)
	interval := fs.Duration("interval", 30*time.Second, "how often the demo's checks run")
	lf := addLogFlags(fs)
	*wf.listen = "127.0.0.1:9464"
	fs.Lookup("web.listen-address").DefValue = *wf.listen
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	log := useLogger(lf.logger(stderr))
	env, err := demo.Start(time.Now(), *interval)
	if err != nil {
		fmt.Fprintf(stderr, "fsmon demo: %v\n", err)
		return 1
	}
	defer env.Close()
	cfg, err := config.Load(env.ConfigFile)
	if err != nil {
		printConfigErrors(stderr, err)
		return 1
	}
	// One pass first, so the newcomer sees the findings right away.
	started := time.Now()
	results, err := app.CheckOnce(ctx, cfg, nil, log)
	finished := time.Now()
	if err != nil {
		fmt.Fprintf(stderr, "fsmon demo: %v\n", err)
		return 1
	}
	a, err := app.New(app.Options{ConfigFile: env.ConfigFile, ListenAddress: *wf.listen, WebConfigFile: *wf.webConfig, EnableLifecycle: *wf.lifecycle, Logger: log, Version: buildinfo.Get()})
	if err != nil {
		printConfigErrors(stderr, err)
		return 1
	}
	if err := a.Start(); err != nil {
		hint := ""
		if *wf.webConfig == "" {
			hint = " (try --web.listen-address=127.0.0.1:0)"
		}
		fmt.Fprintf(stderr, "fsmon demo: %v%s\n", err, hint)
		_ = a.Stop(context.Background())
		return 1
	}
	base := "http://" + browsable(a.Addr())
	fmt.Fprintf(stdout, `fsmon demo: an embedded Redis (%s) holds Feast-layout data of project %q,
a Feast repo and Parquet offline store are in %s.

Feature views:
`, env.RedisAddr, demo.Project, env.Dir)
	for _, v := range env.Views {
		fmt.Fprintf(stdout, "  %-22s %s\n", v.Name, v.Shows)
	}
	fmt.Fprintf(stdout, "\nWhat the first check found:\n\n")
	rep := report.New(buildinfo.Get().Version, started, finished, problems(results))
	_ = rep.WriteText(stdout)
	fmt.Fprintf(stdout, `
Look at:
  status page   %[1]s/
  metrics       %[1]s/metrics
  results JSON  %[1]s/api/v1/results
  config        %[2]s

The gate works against the demo while it runs (from another terminal; exit 1 = crit found):
  go run ./cmd/fsmon check --config %[2]s
trip_eta shows skew against a pinned reference: its values crept up for 14 days, so
against the last 7 days (drift) they look fine, but against the days the model was
trained on (the config's reference) they are crit. See both with
  go run ./cmd/fsmon check --config %[2]s --only rideshare/trip_eta --fail-on crit --format json

The daemon re-checks every view every %[3]s. Ctrl-C stops it.
`, base, env.ConfigFile, *interval)
	return runDaemon(ctx, a, log, sighup)
}

// problems keeps the results worth a newcomer's attention, or everything
// when all is well.
func problems(rs []checks.Result) []checks.Result {
	var out []checks.Result
	for _, r := range rs {
		if r.Status.Severity() > 0 {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return rs
	}
	return out
}

// browsable turns a listen address into one a browser can open.
func browsable(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "" || host == "::" || host == "0.0.0.0" || strings.HasPrefix(host, "[") {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}
