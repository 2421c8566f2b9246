// Package checks turns samples of a feature view's online and offline stores
// into verdicts: freshness, null_rate, coverage, consistency and skew
// (docs/contract.md section 3). Each kind is one function with one signature, kept
// in Kinds. Checks are pure: the data arrives in an Input that the caller
// gathered from the stores (app.Collect is the sampling protocol), "now" is
// passed in, and nothing here does I/O, logs, exports metrics or talks to a
// network (internal/archtest keeps it so).
//
// A Result is plain data; the metrics, the report, the status page and the
// alerts are renderings of it. Results never carry entity keys or single
// feature values: only counts, ratios and statistics, plus, on skew
// results, the binned distribution behind them (Histogram: bin
// proportions, the offline decile cut points and category names), which
// only the status page shows.
package checks
