// Package reference reads, profiles, stores and caches pinned skew
// references: what a model was trained on, against which the online store
// is compared instead of (or beside) the rolling offline window.
//
// A reference is one of: a fixed time range of a view's offline store, a
// Parquet path (a training snapshot), a Feast saved dataset (resolved by the
// caller to its Parquet path), or a profile file written by `fsmon profile`.
// Raw references are read once through parquetstore and kept as a
// stats.Profile; the cache re-reads them only when their source's
// fingerprint (file names, sizes and modification times) changes, so a run
// costs one listing of the source, not a read of its data.
//
// The profile file format (version 1) is little-endian:
//
//	"FSMPROF1"                  8 bytes magic (format version in the last byte)
//	header length               uint32
//	header                      JSON: label, version, source, fingerprint,
//	                            created_at, and per feature name, type, n,
//	                            nulls, inf, complete, edges, bin_counts, std,
//	                            min, max, reservoir (count) or counts
//	reservoirs                  float64 values of each numeric feature's
//	                            reservoir, sorted, in header order
//	CRC-32 (IEEE)               uint32 of everything before it
//
// It never writes to the stores it reads.
package reference
