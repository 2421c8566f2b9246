// Package sample is the contract between the stores fsmon watches and the
// checks it runs: plain data describing what was read from the online store
// (Redis) and the offline store (Parquet), and the small interfaces a store
// implements. It imports nothing of fsmon and does no I/O itself.
package sample

import (
	"context"
	"errors"
	"strings"
	"time"
)

// Type is the declared type of a feature.
type Type string

// The feature types of the config (docs/contract.md section 2). Bool and String are
// categorical; the others are numeric.
const (
	Float32 Type = "float32"
	Float64 Type = "float64"
	Int32   Type = "int32"
	Int64   Type = "int64"
	Bool    Type = "bool"
	String  Type = "string"
	// Timestamp is an instant at whole seconds, as Feast stores a
	// UNIX_TIMESTAMP value: Num holds the seconds since the epoch, floored
	// (an offline TIMESTAMP column is brought to that precision the way
	// Feast's materialization does). Numeric: compared exactly, and its
	// skew uses the seconds.
	Timestamp Type = "timestamp"
	// Bytes is a byte string (Feast BYTES): Str holds the bytes as
	// lower-case hex, compared byte for byte. No statistic uses it.
	Bytes Type = "bytes"
	// Other is a type no statistic can use (a Feast list, map or set):
	// only its presence is checked (null rate, coverage).
	Other Type = "other"
)

// Numeric reports whether values of t are compared as numbers (Num).
func (t Type) Numeric() bool {
	switch t {
	case Float32, Float64, Int32, Int64, Timestamp:
		return true
	}
	return false
}

// Categorical reports whether values of t are compared as categories.
func (t Type) Categorical() bool { return t == Bool || t == String }

// Textual reports whether values of t are held as text (Str): the
// categorical types and Bytes.
func (t Type) Textual() bool { return t.Categorical() || t == Bytes }

// Exact reports whether two values of t are equal only when identical
// (integers, instants, byte strings), not within a float tolerance.
func (t Type) Exact() bool { return t != Float32 && t != Float64 }

// Feature is one feature of a view.
type Feature struct {
	Name string
	Type Type
}

// KeySep separates the entity values of a compound entity key in Entity.
const KeySep = "\x1f"

// Entity is the canonical text form of an entity key: the values of the
// view's join keys, in the view's declared order, as decimal text for
// integers and raw text for strings, joined by KeySep. Both stores build the
// same form so that online and offline rows can be matched.
type Entity string

// JoinEntity builds an Entity from its join-key values.
func JoinEntity(values ...string) Entity { return Entity(strings.Join(values, KeySep)) }

// Values splits an Entity into its join-key values.
func (e Entity) Values() []string { return strings.Split(string(e), KeySep) }

// Null says why a value is missing.
type Null uint8

const (
	// Present means the value is there.
	Present Null = iota
	// Absent means the field was never written (missing hash field, missing
	// key, missing Parquet column value).
	Absent
	// Empty means the field exists but holds no value (empty string in Redis,
	// a Parquet null, a float NaN).
	Empty
	// Invalid means the stored bytes do not parse as the declared type; it is
	// a data problem counted apart and treated as null by the statistics.
	Invalid
)

// Column holds one feature's values over the rows of a sample, in row order.
// For numeric features Num is filled, for categorical ones Str; Nulls[i] !=
// Present marks row i as null whatever Num[i] or Str[i] hold.
type Column struct {
	Num   []float64
	Str   []string
	Nulls []Null
}

// Len is the number of rows of the column.
func (c *Column) Len() int { return len(c.Nulls) }

// IsNull reports whether row i is null.
func (c *Column) IsNull(i int) bool { return c.Nulls[i] != Present }

// Sample is a set of rows read from one store for one feature view. Row i is
// entity Entities[i] (empty for offline rows of an entityless view) with event
// time Times[i] (unix nanoseconds; HasTime[i] false when the row carries no
// event timestamp: for online rows this means the entity is not in the view's
// online population).
type Sample struct {
	Entities []Entity
	Times    []int64
	HasTime  []bool
	Columns  map[string]*Column

	// Scanned is how many keys (online) or rows (offline) were visited to
	// build the sample; Population is the size of what the sample was drawn
	// from when the store knows it (-1 otherwise).
	Scanned    int
	Population int
	// Complete is true when the sample holds the whole population.
	Complete bool
	// StoreEmpty is true when an online sample matched no key because the
	// store holds no key at all (not a key pattern that matches nothing).
	StoreEmpty bool
	// Problems are data problems that did not stop the read (unparseable
	// keys, unreadable files), for the results and the report. They must
	// not hold entity keys or feature values.
	Problems []Problem
	// Reads counts the files, row groups or keys read and skipped.
	Reads Reads

	// Parts describes, for a store read in separate parts (the shards of a
	// Redis Cluster), each part; PartOf[i] is the index in Parts of row i.
	// Both are nil for a store read as one part.
	Parts  []Part
	PartOf []int
}

// Len is the number of rows.
func (s *Sample) Len() int { return len(s.Entities) }

// Part is one separately read part of a store, such as one shard of a Redis
// Cluster. It holds no entity keys or values.
type Part struct {
	// Name is short, stable and from a bounded set (shards are numbered
	// "0", "1", ... by their lowest hash slot), fit for a metric label.
	Name string
	// Node is the address the part was read from; Slots the hash slots it
	// serves ("0-5460").
	Node, Slots string
	// Share is the part's estimated share of the store's keys (0 to 1),
	// which its share of a sample follows.
	Share float64
	// Scanned is the number of keys visited on the part; Complete is true
	// when the part's whole population is in the sample.
	Scanned  int
	Complete bool
	// Err, when not empty, says why the part could not be read: its rows
	// are missing from a Sample, or unread in a Lookup (see Unread). A part
	// that cannot be read is not a data problem.
	Err string
}

// Unread reports whether row i lies on a part that could not be read, so
// that what the row lacks says nothing about the data.
func (s *Sample) Unread(i int) bool {
	if s.PartOf == nil || i >= len(s.PartOf) {
		return false
	}
	p := s.PartOf[i]
	return p >= 0 && p < len(s.Parts) && s.Parts[p].Err != ""
}

// Footer is what an offline store knows without decoding data pages.
type Footer struct {
	// Newest is the greatest event timestamp of the store (unix nanos);
	// HasNewest is false when it is unknown (no rows, no statistics and no
	// scan fallback).
	Newest    int64
	HasNewest bool
	// Rows is the total number of rows.
	Rows int64
	// Files is the number of files read; Problems names those that failed.
	Files    int
	Problems []Problem
	// Reads counts the files and row groups read and skipped.
	Reads Reads
}

// Window is a closed time interval [From, To].
type Window struct {
	From, To time.Time
}

// AsOf asks for the newest row of Entity at or before Time.
type AsOf struct {
	Entity Entity
	Time   time.Time
}

// Online is an online store seen by the checks.
type Online interface {
	// Sample returns up to n entities of the view, uniformly where the store
	// allows, with their event timestamps and feature values.
	Sample(ctx context.Context, n int) (*Sample, error)
	// Lookup reads the given entities. Row i of the result is entities[i];
	// an entity not stored has HasTime false and every column Absent.
	Lookup(ctx context.Context, entities []Entity) (*Sample, error)
}

// Offline is an offline store seen by the checks.
type Offline interface {
	// Footer returns what the store knows from metadata alone.
	Footer(ctx context.Context) (*Footer, error)
	// Sample returns up to n rows whose event time lies in w, drawn
	// uniformly; the whole window when it holds n rows or fewer.
	Sample(ctx context.Context, w Window, n int) (*Sample, error)
	// AsOf returns, for each query, the newest row of its entity at or before
	// its time. Row i answers queries[i]; no such row gives HasTime false.
	AsOf(ctx context.Context, queries []AsOf) (*Sample, error)
}

// ErrNotConfigured is returned by a store that is not set up for a view.
var ErrNotConfigured = errors.New("store not configured for this view")
