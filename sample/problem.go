package sample

import "fmt"

// ProblemKind is a bounded name for a class of data problem met while
// reading a store. It is a metric label value (fsmon_store_problems{kind}),
// so a kind never holds a file name, a key or a value: those go, as counts
// or names of files, in the Problem's message.
//
// To add a kind: add a constant here and, when the problem makes a sample
// unrepresentative, a case in Biases.
type ProblemKind string

// The problem kinds of the stores.
const (
	// BadFile is an offline file that could not be read (truncated, not
	// Parquet, unreadable, no event-time column): it was skipped.
	BadFile ProblemKind = "bad_file"
	// BadRowGroup is a row group (or a column chunk of one) that failed to
	// decode: its rows were left out of the sample.
	BadRowGroup ProblemKind = "bad_row_group"
	// Unlistable is a directory of the offline path that could not be
	// listed: files under it may be missing.
	Unlistable ProblemKind = "unlistable"
	// MissingColumn is a file without a column of the view (its rows count
	// as null for that feature, or as entityless rows).
	MissingColumn ProblemKind = "missing_column"
	// ColumnType is a column whose stored type cannot hold the declared
	// type (its values are read as null).
	ColumnType ProblemKind = "column_type"
	// ScanBudget means the SCAN key budget was spent before the sample
	// was full: the sample is smaller than asked and drawn from part of
	// the keyspace.
	ScanBudget ProblemKind = "scan_budget"
	// Deadline means the run's deadline passed before the sample was full.
	Deadline ProblemKind = "deadline"
	// KeyLayout is keys that match the SCAN pattern but not the view's key
	// layout (or entities that cannot form a key).
	KeyLayout ProblemKind = "key_layout"
	// WrongRedisType is keys of the view holding another Redis type.
	WrongRedisType ProblemKind = "wrong_redis_type"
	// BadTimestamp is entities whose event timestamp does not parse.
	BadTimestamp ProblemKind = "bad_timestamp"
	// NoTimestamp is entities without the view's event timestamp (hash and
	// string layouts): not in the view's online population.
	NoTimestamp ProblemKind = "no_timestamp"
	// InvalidValue is values that do not parse as the declared type.
	InvalidValue ProblemKind = "invalid_value"
	// PartUnreadable is a part of the store (a shard of a Redis Cluster)
	// that could not be read: its share is missing from the sample. It is
	// not counted in Biases: the sample's Parts carry it, and the checks
	// report the part as an error beside the others' values.
	PartUnreadable ProblemKind = "part_unreadable"
	// ReadFallback means reads went to another node than asked (no
	// replica answered, so the primary was read).
	ReadFallback ProblemKind = "read_fallback"
	// FutureEventTime is entities whose event time lies beyond now plus
	// the configured tolerance (a clock or unit error upstream); they are
	// left out of freshness.
	FutureEventTime ProblemKind = "future_event_time"
)

// Biases reports whether a problem of kind k makes the sample it was met
// in unrepresentative of the store (data was left out), so that a result
// computed from it cannot be trusted as ok.
func (k ProblemKind) Biases() bool {
	switch k {
	case BadFile, BadRowGroup, Unlistable, ScanBudget, Deadline:
		return true
	}
	return false
}

// Problem is one data problem that did not stop a read. Count is how many
// things it concerns (files, keys, values); Message says what in words and
// may name files and columns, never entity keys or feature values.
type Problem struct {
	Kind    ProblemKind `json:"kind"`
	Count   int         `json:"count"`
	Message string      `json:"message"`
}

// String is the problem's message.
func (p Problem) String() string { return p.Message }

// Problemf builds a problem from a kind, a count and a formatted message.
func Problemf(kind ProblemKind, count int, format string, args ...any) Problem {
	return Problem{Kind: kind, Count: count, Message: fmt.Sprintf(format, args...)}
}

// Reads says how much of a store a read touched, and how much of it was
// skipped because it could not be used. A zero field means "none" or "does
// not apply" (keys for Parquet, files for Redis).
type Reads struct {
	// Files is the number of offline files read; FilesSkipped those that
	// could not be read.
	Files        int `json:"files_read,omitempty"`
	FilesSkipped int `json:"files_skipped,omitempty"`
	// FilesPruned is the number of files left unopened because their hive
	// partition folders put them outside the time asked for.
	FilesPruned int `json:"files_pruned,omitempty"`
	// RowGroups is the number of row groups decoded; RowGroupsPruned those
	// left unread because their statistics put them outside the window;
	// RowGroupsSkipped those that failed to decode.
	RowGroups        int `json:"row_groups_read,omitempty"`
	RowGroupsPruned  int `json:"row_groups_pruned,omitempty"`
	RowGroupsSkipped int `json:"row_groups_skipped,omitempty"`
	// Keys is the number of Redis keys read; KeysSkipped those that
	// matched the view's pattern but could not be used (key layout, Redis
	// type).
	Keys        int `json:"keys_read,omitempty"`
	KeysSkipped int `json:"keys_skipped,omitempty"`
}

// MissingColumnError says that a column the view names (its event
// timestamp or a join key) is in none of the offline files read: the
// config, or the Feast source it was taken from, names a column the data
// does not have. An offline store's reads return it, wrapped, instead of a
// sample; the checks report it as a config error naming the column's
// config line.
type MissingColumnError struct {
	// Role is "timestamp" or "entity".
	Role string
	// Column is the missing column's name.
	Column string
	// Files is how many files were read; Path is the view's offline path.
	Files int
	Path  string
}

// The roles of a MissingColumnError.
const (
	RoleTimestamp = "timestamp"
	RoleEntity    = "entity"
)

func (e *MissingColumnError) Error() string {
	return fmt.Sprintf("no %s column %s in any of the %d Parquet files of %s", e.Role, e.Column, e.Files, e.Path)
}
