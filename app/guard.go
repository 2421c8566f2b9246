package app

import (
	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/internal/panics"
)

// PanicError is a panic recovered from a store read or a check: a bug, but
// one that must not take the daemon down or pass a gate. It becomes the
// error of the read (so the checks that need it report error results) or an
// error result of the check. The stores recover the panics of the
// goroutines they spawn into the same type.
type PanicError = panics.Error

// guard runs f; a panic in f is recovered and stored in *err as a
// *PanicError.
func guard(err *error, what string, f func()) {
	defer panics.Recover(err, what)
	f()
}

// runKindGuarded runs one check kind with run; a panic becomes one error
// result of that kind for the view.
func runKindGuarded(in *checks.Input, kind string, run func(*checks.Input, string) []checks.Result) (rs []checks.Result, perr *PanicError) {
	var err error
	guard(&err, "check "+kind, func() { rs = run(in, kind) })
	if err == nil {
		return rs, nil
	}
	perr = err.(*PanicError)
	return []checks.Result{{
		Check: kind, Project: in.View.Project, FeatureView: in.View.Name,
		Status: checks.Error, Error: err.Error(), At: in.Now,
	}}, perr
}
