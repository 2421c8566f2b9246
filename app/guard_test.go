package app

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/report"
	"github.com/fsmon/fsmon/sample"
)

// TestPanicInStoreIsAnErrorResult: a store read that panics (the shape of
// issue 13's login crash: an index into an empty reply) gives error
// results for the checks that need it, the other store's checks still run,
// and the gate exits 3 (could not run), not 2.
func TestPanicInStoreIsAnErrorResult(t *testing.T) {
	v := collectView()
	on := fakeOnline{
		sampleFn: func(int) (*sample.Sample, error) {
			var replies []string
			_ = replies[0] // index out of range [0] with length 0
			return nil, nil
		},
		lookupFn: func([]sample.Entity) (*sample.Sample, error) { panic("lookup") },
	}
	off := fakeOffline{
		footer:   &sample.Footer{},
		sampleFn: func(sample.Window, int) (*sample.Sample, error) { return oneRow("a", collectNow.Add(-time.Hour)), nil },
		asofFn:   func([]sample.AsOf) (*sample.Sample, error) { return nil, nil },
	}
	var rs []checks.Result
	var logBuf bytes.Buffer
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("the panic escaped: %v", r)
			}
		}()
		rs = runChecks(context.Background(), v, on, off, collectNow, nil, slog.New(slog.NewTextHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	}()
	if log := logBuf.String(); !strings.Contains(log, "recovered panic") || !strings.Contains(log, "guard_test.go") {
		t.Errorf("the stack of the panic is not in the debug log:\n%s", log)
	}
	fresh := find(t, rs, checks.KindFreshness, "", "")
	if fresh.Status != checks.Error || !strings.Contains(fresh.Error, "online sample: internal error (recovered panic: runtime error: index out of range [0] with length 0)") {
		t.Errorf("freshness after a panicking online sample: %s %q", fresh.Status, fresh.Error)
	}
	if nr := find(t, rs, checks.KindNullRate, "conv_rate", checks.StoreOffline); nr.Status == checks.Error {
		t.Errorf("the offline null rate did not run: %q", nr.Error)
	}
	if code := report.ExitCode(rs, checks.Crit); code != report.ExitCouldNot {
		t.Errorf("exit code %d, want %d", code, report.ExitCouldNot)
	}
}

// TestPanicInCheckIsAnErrorResult: a check kind that panics gives one error
// result of that kind; the other kinds' results are kept.
func TestPanicInCheckIsAnErrorResult(t *testing.T) {
	v := collectView()
	on := fakeOnline{
		sampleFn: func(int) (*sample.Sample, error) { return oneRow("a", collectNow.Add(-time.Hour)), nil },
		lookupFn: func(es []sample.Entity) (*sample.Sample, error) { return oneRow("a", collectNow.Add(-time.Hour)), nil },
	}
	off := fakeOffline{
		footer:   &sample.Footer{},
		sampleFn: func(sample.Window, int) (*sample.Sample, error) { return oneRow("a", collectNow.Add(-time.Hour)), nil },
		asofFn:   func([]sample.AsOf) (*sample.Sample, error) { return oneRow("a", collectNow.Add(-time.Hour)), nil },
	}
	run := func(in *checks.Input, kind string) []checks.Result {
		if kind == checks.KindSkew {
			var m map[string]int
			m["x"]++ // assignment to entry in nil map
		}
		return checks.RunKind(in, kind)
	}
	rs := runChecksWith(context.Background(), v, on, off, collectNow, nil, run, nil)
	var skew []checks.Result
	for _, r := range rs {
		if r.Check == checks.KindSkew {
			skew = append(skew, r)
		}
	}
	if len(skew) != 1 || skew[0].Status != checks.Error || skew[0].FeatureView != v.Name || !strings.Contains(skew[0].Error, "check skew: internal error (recovered panic: assignment to entry in nil map)") {
		t.Errorf("skew results after a panic: %+v", skew)
	}
	if f := find(t, rs, checks.KindFreshness, "", ""); f.Status == checks.Error {
		t.Errorf("freshness lost to the skew panic: %q", f.Error)
	}
}
