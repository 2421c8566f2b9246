// Package panics turns a panic on a goroutine into an error of that
// goroutine's share of the work. A panic in a goroutine that nothing
// recovers kills the process, whatever its caller recovers: every
// goroutine a store spawns (a shard's scan, a file's read, a ranged fetch)
// defers Recover, so a bug met on hostile data costs one share of one read,
// an error result, not the daemon.
//
// It imports only the standard library, so that every package may use it.
package panics

import (
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
)

// Error is a recovered panic: a bug, reported as the error of the work
// that panicked.
type Error struct {
	What  string // what panicked: "online sample", "scan of shard 10.0.0.5:6379", ...
	Value any    // what was passed to panic
	Stack []byte // the goroutine's stack at the panic, for the debug log
	// Logged says that the stack went to a debug log where the panic was
	// recovered (RecoverLog): whoever meets the error later need not log
	// it again.
	Logged bool
}

// Error says what panicked and with what, without the stack.
func (e *Error) Error() string {
	return fmt.Sprintf("%s: internal error (recovered panic: %v); please report it", e.What, e.Value)
}

// Recover, deferred, turns a panic of the calling function into *err, an
// *Error naming what. It does nothing when there is no panic.
//
//	go func() {
//		defer panics.Recover(&errs[i], "read of "+name)
//		errs[i] = read(name)
//	}()
func Recover(err *error, what string) {
	if r := recover(); r != nil {
		*err = &Error{What: what, Value: r, Stack: debug.Stack()}
	}
}

// RecoverLog, deferred, is Recover that also writes the stack to log at
// debug level (log may be nil). A panic's stack is only in the log: errors
// and results carry what panicked and with what.
func RecoverLog(err *error, what string, log *slog.Logger) {
	r := recover()
	if r == nil {
		return
	}
	e := &Error{What: what, Value: r, Stack: debug.Stack()}
	if log != nil {
		log.Debug("recovered panic", "what", what, "panic", fmt.Sprint(r), "stack", string(e.Stack))
		e.Logged = true
	}
	*err = e
}

// Run calls fn and returns its error, or an *Error naming what when fn
// panics.
func Run(what string, fn func() error) (err error) {
	defer Recover(&err, what)
	return fn()
}

// Unlogged returns the first *Error in err's tree whose stack has not been
// logged yet, or nil.
func Unlogged(err error) *Error {
	var pe *Error
	if errors.As(err, &pe) && !pe.Logged {
		return pe
	}
	return nil
}
