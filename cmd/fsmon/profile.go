package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/fsmon/fsmon/app"
	"github.com/fsmon/fsmon/config"
	"github.com/fsmon/fsmon/reference"
	"github.com/fsmon/fsmon/report"
	"github.com/fsmon/fsmon/stats"
)

// profileCmd is `fsmon profile`: read a raw reference of a view once and
// write its profile file, for `reference: {profile: FILE}`.
func profileCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("profile", stderr)
	file := fs.String("config", "fsmon.yaml", "config file")
	view := fs.String("view", "", "the feature view to profile (required)")
	out := fs.String("out", "", "the profile file to write (required)")
	from := fs.String("from", "", "reference time range start (RFC 3339 or date) in the view's offline store")
	to := fs.String("to", "", "reference time range end (RFC 3339 or date)")
	path := fs.String("path", "", "a Parquet file, directory or glob (relative to offline.parquet.root) to profile")
	saved := fs.String("saved-dataset", "", "a Feast saved dataset (from feast.repo's registry) to profile")
	tsCol := fs.String("timestamp-column", "", "event time column of --path or --saved-dataset (default: the view's, else event_timestamp)")
	label := fs.String("label", "", "label written into the profile, e.g. the model version it was trained for")
	version := fs.String("version", "", "version written into the profile (default: a hash of the source)")
	reservoir := fs.Int("reservoir", config.DefaultReservoir, "values kept per numeric feature for KS and Wasserstein (exact when the reference has no more)")
	sampleSize := fs.Int("sample-size", config.DefaultReferenceSampleSize, "rows read from the reference at most")
	timeout := fs.Duration("timeout", 10*time.Minute, "give up after this long")
	if code, ok := parseFlags(fs, args); !ok {
		return code // -h: 0; a bad flag: 2
	}
	if *view == "" || *out == "" {
		fmt.Fprintln(stderr, "fsmon profile: --view and --out are required")
		return report.ExitUsage
	}
	cfg, err := config.Load(*file)
	if err != nil {
		printConfigErrors(stderr, err)
		return report.ExitUsage
	}
	var ref *config.Reference
	forms := 0
	parseTime := func(s string) (time.Time, error) {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t.UTC(), nil
		}
		return time.Parse("2006-01-02", s)
	}
	if *from != "" || *to != "" {
		forms++
		f, err1 := parseTime(*from)
		t, err2 := parseTime(*to)
		if err1 != nil || err2 != nil || !f.Before(t) {
			fmt.Fprintln(stderr, "fsmon profile: --from and --to must both be RFC 3339 times or dates, from before to")
			return report.ExitUsage
		}
		ref = &config.Reference{From: f, To: t}
	}
	if *path != "" {
		forms++
		ref = &config.Reference{Path: *path, TimestampColumn: *tsCol}
	}
	if *saved != "" {
		forms++
		ref = &config.Reference{SavedDataset: *saved, TimestampColumn: *tsCol}
	}
	if forms > 1 {
		fmt.Fprintln(stderr, "fsmon profile: give one of --from/--to, --path or --saved-dataset")
		return report.ExitUsage
	}
	if ref != nil {
		ref.Reservoir, ref.SampleSize, ref.Label = *reservoir, *sampleSize, *label
		if ref.TimestampColumn == "" && ref.Kind() != config.ReferenceRange {
			ref.TimestampColumn = "event_timestamp"
			for _, v := range cfg.Views {
				if v.Name == *view && v.Offline != nil && ref.Kind() == config.ReferencePath {
					ref.TimestampColumn = v.Offline.TimestampColumn
				}
			}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	p, err := app.BuildProfile(ctx, cfg, app.ProfileOptions{View: *view, Reference: ref, Label: *label, Version: *version})
	if err != nil {
		fmt.Fprintf(stderr, "fsmon profile: %v\n", err)
		return report.ExitCouldNot
	}
	if err := reference.WriteFile(*out, p); err != nil {
		fmt.Fprintf(stderr, "fsmon profile: %v\n", err)
		return report.ExitCouldNot
	}
	fmt.Fprintf(stdout, "%s: profile of %s (%s, label %q, version %s, %d features)\n", *out, *view, p.Source, p.Label, p.Version, len(p.Features))
	for _, name := range sortedKeys(p.Features) {
		f := p.Features[name]
		switch {
		case f.Numeric != nil:
			kept := "all kept"
			if !f.Numeric.Complete {
				kept = fmt.Sprintf("%d kept (KS within ±%.4f at 99.9%%)", len(f.Numeric.Reservoir), statsDKW(len(f.Numeric.Reservoir)))
			}
			fmt.Fprintf(stdout, "  %s: %d values, %d nulls, %s\n", name, f.Numeric.N, f.Numeric.Nulls, kept)
		case f.Categorical != nil:
			fmt.Fprintf(stdout, "  %s: %d values in %d categories, %d nulls\n", name, int(f.Categorical.Total()), len(f.Categorical.Counts), f.Categorical.Nulls)
		}
	}
	return 0
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func statsDKW(k int) float64 { return stats.DKWBound(k, 1e-3) }
