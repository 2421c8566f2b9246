package config

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Error is one problem found in a config file, located at a line and column
// (both 1-based; 0 when the problem has no place in the file).
type Error struct {
	File   string
	Line   int
	Column int
	Msg    string
	// Registry is set when the problem is not the config but the Feast
	// registry (or feature_store.yaml) of feast.repo, which could not be
	// read: serve then keeps the views of the last registry it read.
	// FeastProject names the repo's project ("" when unknown).
	Registry     bool
	FeastProject string
}

// RegistryError is a Feast registry (file, object or SQL) or
// feature_store.yaml that could not be read. Load reports it as an *Error
// with Registry set.
type RegistryError struct {
	// Project is the Feast project ("" when feature_store.yaml was not
	// read).
	Project string
	Err     error
}

func (e *RegistryError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *RegistryError) Unwrap() error { return e.Err }

// RegistryFailure returns the problem of err (as Load returns it) that is a
// Feast registry that could not be read, or nil when there is none.
func RegistryFailure(err error) *Error {
	var es *Errors
	if !errors.As(err, &es) {
		return nil
	}
	for _, e := range *es {
		if e.Registry {
			return e
		}
	}
	return nil
}

// Error formats the problem as "FILE:LINE:COL: msg", the form editors and
// CI logs turn into links.
func (e *Error) Error() string {
	switch {
	case e.Line <= 0 && e.File == "":
		return e.Msg
	case e.Line <= 0:
		return e.File + ": " + e.Msg
	case e.File == "":
		return fmt.Sprintf("%d:%d: %s", e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
}

// Errors is every problem found in one config file, in file order. Load and
// Parse return it as a *Errors.
type Errors []*Error

// Error joins the problems, one per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the problems so that errors.As finds a single *Error.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// As lets errors.As fill both an Errors and a *Errors target, whichever
// form the caller holds.
func (es Errors) As(target any) bool {
	switch t := target.(type) {
	case *Errors:
		*t = es
		return true
	case **Errors:
		c := es
		*t = &c
		return true
	}
	return false
}

// sortErrors puts problems in file order (problems without a place last)
// and drops exact repeats, which aliases and re-validation can produce.
func sortErrors(es Errors) Errors {
	slices.SortStableFunc(es, func(a, b *Error) int {
		if (a.Line <= 0) != (b.Line <= 0) {
			if a.Line <= 0 {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	seen := make(map[Error]bool, len(es))
	out := make(Errors, 0, len(es))
	for _, e := range es {
		if seen[*e] {
			continue
		}
		seen[*e] = true
		out = append(out, e)
	}
	return out
}

// OnlyRegistry says every problem of err (as Load returns it) is a Feast
// registry (or feature_store.yaml) that could not be read: the config
// itself is fine, and trying again later may work.
func OnlyRegistry(err error) bool {
	var es *Errors
	if !errors.As(err, &es) || len(*es) == 0 {
		return false
	}
	for _, e := range *es {
		if !e.Registry {
			return false
		}
	}
	return true
}
