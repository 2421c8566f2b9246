// Command fsmon monitors an ML feature store: a Redis online store (often
// written by Feast) and a Parquet offline store. See README.md.
//
//	fsmon serve --config fsmon.yaml      the daemon (/metrics, status page)
//	fsmon check --config fsmon.yaml      one pass, exit code for DAG gates
//	fsmon validate --config fsmon.yaml   report every config problem
//	fsmon demo                           everything on embedded data
//	fsmon dashboards export|push         Grafana dashboards
//	fsmon rules export                   Prometheus alerting rules
//	fsmon version
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, hup))
}
