package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/fsmon/fsmon/alerts/promrules"
	"github.com/fsmon/fsmon/config"
	"github.com/fsmon/fsmon/dashboards"
	"github.com/fsmon/fsmon/report"
)

func dashboardsCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "export" && args[0] != "push") {
		fmt.Fprintln(stderr, "usage: fsmon dashboards export --config F --out DIR | push --config F --grafana-url U")
		return report.ExitUsage
	}
	sub, args := args[0], args[1:]
	fs := newFlagSet("dashboards "+sub, stderr)
	file := fs.String("config", "fsmon.yaml", "config file")
	out := fs.String("out", "grafana", "export: directory to write dashboards/ and provisioning/ into")
	grafanaURL := fs.String("grafana-url", "", "push: Grafana base URL, e.g. http://grafana:3000")
	tokenFile := fs.String("grafana-token-file", "", "push: file holding a Grafana service-account token (else $GRAFANA_TOKEN)")
	folder := fs.String("folder-uid", "", "push: UID of the folder to create or update (default "+dashboards.FolderUID+")")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	cfg, err := config.Load(*file)
	if err != nil {
		printConfigErrors(stderr, err)
		return report.ExitUsage
	}
	if sub == "export" {
		if err := dashboards.Export(cfg, *out); err != nil {
			fmt.Fprintf(stderr, "fsmon dashboards export: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "wrote Grafana dashboards and provisioning files to %s\n", *out)
		return 0
	}
	if *grafanaURL == "" {
		fmt.Fprintln(stderr, "fsmon dashboards push: --grafana-url is required")
		return report.ExitUsage
	}
	token := os.Getenv("GRAFANA_TOKEN")
	if *tokenFile != "" {
		b, err := os.ReadFile(*tokenFile)
		if err != nil {
			fmt.Fprintf(stderr, "fsmon dashboards push: read token file: %v\n", err)
			return report.ExitUsage
		}
		token = strings.TrimSpace(string(b))
	}
	if err := dashboards.Push(ctx, cfg, *grafanaURL, token, *folder); err != nil {
		fmt.Fprintf(stderr, "fsmon dashboards push: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "pushed fsmon dashboards to %s\n", *grafanaURL)
	return 0
}

func rulesCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "export" {
		fmt.Fprintln(stderr, "usage: fsmon rules export --config F [--out FILE]")
		return report.ExitUsage
	}
	fs := newFlagSet("rules export", stderr)
	file := fs.String("config", "fsmon.yaml", "config file")
	out := fs.String("out", "", "write the rule file here (default: standard output)")
	if fs.Parse(args[1:]) != nil {
		return report.ExitUsage
	}
	cfg, err := config.Load(*file)
	if err != nil {
		printConfigErrors(stderr, err)
		return report.ExitUsage
	}
	var buf bytes.Buffer
	if err := promrules.Export(cfg, &buf); err != nil {
		fmt.Fprintf(stderr, "fsmon rules export: %v\n", err)
		return 1
	}
	if *out == "" {
		_, _ = stdout.Write(buf.Bytes())
		return 0
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		fmt.Fprintf(stderr, "fsmon rules export: %v\n", err)
		return 1
	}
	return 0
}
