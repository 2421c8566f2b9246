package checks

import (
	"fmt"
	"math"
	"time"

	"github.com/fsmon/fsmon/config"
	"github.com/fsmon/fsmon/sample"
)

// Func is the one signature every check kind has: it judges one view's
// Input and returns its results (one per view, or one per feature and
// store).
type Func func(in *Input) []Result

// Kinds returns the check kinds by name, in the order they run.
func Kinds() []string {
	return []string{KindFreshness, KindNullRate, KindCoverage, KindConsistency, KindSkew, KindDrift, KindReplication}
}

// ByKind returns the function of a kind, or nil.
func ByKind(kind string) Func {
	switch kind {
	case KindFreshness:
		return Freshness
	case KindNullRate:
		return NullRate
	case KindCoverage:
		return Coverage
	case KindConsistency:
		return Consistency
	case KindSkew:
		return Skew
	case KindDrift:
		return Drift
	case KindReplication:
		return Replication
	}
	return nil
}

// Run runs every check kind on in and returns all results, stamped with
// in.Now.
func Run(in *Input) []Result {
	var out []Result
	for _, k := range Kinds() {
		out = append(out, RunKind(in, k)...)
	}
	return out
}

// RunKind runs the check kind on in and returns its results, stamped with
// in.Now (nil for an unknown kind).
func RunKind(in *Input, kind string) []Result {
	f := ByKind(kind)
	if f == nil {
		return nil
	}
	out := f(in)
	fs := findFaults(in)
	for i := range out {
		out[i].At = in.Now
		applyMinSample(in, &out[i])
		applyFaults(fs, &out[i])
		attachReads(in, &out[i])
		sanitize(&out[i])
	}
	return append(out, replicaResults(in, kind, f)...)
}

// sanitize removes numbers that cannot be rendered (NaN, ±Inf): a value
// that cannot be computed is omitted, never NaN (docs/contract.md section 4).
func sanitize(r *Result) {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	if r.Value != nil && !finite(*r.Value) {
		r.Warnings = append(r.Warnings, fmt.Sprintf("value %v omitted", *r.Value))
		r.Value = nil
	}
	tests := r.Tests[:0]
	for _, t := range r.Tests {
		if !finite(t.Statistic) {
			r.Warnings = append(r.Warnings, fmt.Sprintf("%s statistic %v omitted", t.Test, t.Statistic))
			continue
		}
		for _, p := range []**float64{&t.PValue, &t.PValueAdjusted, &t.Normalized} {
			if *p != nil && !finite(**p) {
				*p = nil
			}
		}
		tests = append(tests, t)
	}
	r.Tests = tests
	for k, v := range r.Details {
		if x, ok := v.(float64); ok && !finite(x) {
			delete(r.Details, k)
		}
	}
}

// base starts a result for the view.
func base(in *Input, kind string) Result {
	return Result{Check: kind, Project: in.View.Project, FeatureView: in.View.Name}
}

// errResult is a result that could not be computed.
func errResult(r Result, err error) Result {
	r.Status = Error
	r.Error = err.Error()
	r.Message = fmt.Sprintf("%s could not run: %v", r.Check, err)
	return r
}

// skipped is a result for a check that does not apply to the view (no
// offline store, no entities). It carries no value and is not exported as
// a metric.
func skipped(r Result, why string) Result {
	r.Status = OK
	r.Message = "not checked: " + why
	r.Details = map[string]any{"skipped": true}
	return r
}

// IsSkipped reports whether r is a placeholder for a check that does not
// apply.
func IsSkipped(r Result) bool {
	s, _ := r.Details["skipped"].(bool)
	return s
}

func thresholds(t config.Thresholds) *Threshold {
	if t.Warn == nil && t.Crit == nil {
		return nil
	}
	return &Threshold{Warn: t.Warn, Crit: t.Crit}
}

// judgeHigh is the status of a value that is bad when high (>= threshold).
func judgeHigh(v float64, t config.Thresholds) Status {
	switch {
	case t.Crit != nil && v >= *t.Crit:
		return Crit
	case t.Warn != nil && v >= *t.Warn:
		return Warn
	}
	return OK
}

// judgeLow is the status of a value that is bad when low (<= threshold).
func judgeLow(v float64, t config.Thresholds) Status {
	switch {
	case t.Crit != nil && v <= *t.Crit:
		return Crit
	case t.Warn != nil && v <= *t.Warn:
		return Warn
	}
	return OK
}

func ptr[T any](v T) *T { return &v }

// DefaultFutureTolerance is the tolerance FutureLimit uses when the view's
// is 0.
const DefaultFutureTolerance = 5 * time.Minute

// FutureLimit is the latest event time (unix nanoseconds) that is not in
// the future: now plus the tolerance (DefaultFutureTolerance when 0).
func FutureLimit(now time.Time, tol time.Duration) int64 {
	if tol <= 0 {
		tol = DefaultFutureTolerance
	}
	return sample.UnixNano(now.Add(tol))
}

// FutureMessage says that n entities have event times in the future.
func FutureMessage(n int, tol time.Duration) string {
	if tol <= 0 {
		tol = DefaultFutureTolerance
	}
	return fmt.Sprintf("%d entities have event times in the future (beyond now + %s); left out of freshness", n, tol)
}

// Freshness judges now − newest online event time of the view. Event times
// beyond FutureLimit are counted (details.future_event_times, a warning)
// and left out.
func Freshness(in *Input) []Result {
	r := base(in, KindFreshness)
	r.Threshold = thresholds(in.View.Checks.Freshness)
	if in.OnlineErr != nil {
		return []Result{errResult(r, fmt.Errorf("online store: %w", in.OnlineErr))}
	}
	r.Details = map[string]any{}
	var newest int64
	var have bool
	pop, future := 0, 0
	limit := FutureLimit(in.Now, in.View.FutureTolerance)
	for i, ok := range in.Online.HasTime {
		if !ok {
			continue
		}
		pop++
		if in.Online.Times[i] > limit {
			// A time in the future would make the view look fresh
			// however stale the rest is: counted, left out.
			future++
			continue
		}
		if !have || in.Online.Times[i] > newest {
			newest, have = in.Online.Times[i], true
		}
	}
	r.SampleSize = ptr(pop)
	if future > 0 {
		r.Details["future_event_times"] = future
		r.Warnings = append(r.Warnings, FutureMessage(future, in.View.FutureTolerance))
	}
	if in.Footer != nil && in.Footer.HasNewest && in.Footer.Newest > limit {
		r.Warnings = append(r.Warnings, "the offline store's newest event time is in the future; offline lag not computed")
	} else if in.Footer != nil && in.Footer.HasNewest {
		r.Details["offline_newest"] = time.Unix(0, in.Footer.Newest).UTC().Format(time.RFC3339Nano)
		r.Details["offline_newest_seconds"] = float64(in.Footer.Newest) / 1e9
		if have {
			r.Details["online_lag_seconds"] = float64(in.Footer.Newest-newest) / 1e9
		}
	}
	if fv := in.View.Feast; fv != nil && !fv.LastMaterialized.IsZero() {
		// Feast's own record of the last materialization, shown beside
		// the measured freshness so a dashboard shows when they disagree.
		r.Details["feast_last_materialization"] = fv.LastMaterialized.UTC().Format(time.RFC3339)
		r.Details["feast_last_materialization_seconds"] = float64(fv.LastMaterialized.UnixNano()) / 1e9
	}
	if in.FooterErr != nil {
		r.Warnings = append(r.Warnings, "offline newest unknown: "+in.FooterErr.Error())
	}
	if !have && future > 0 {
		return []Result{errResult(r, fmt.Errorf("every sampled entity of the view has an event time in the future (%d entities)", future))}
	}
	if !have {
		return []Result{errResult(r, fmt.Errorf("no entity of the view holds an event timestamp online (%d keys scanned)", in.Online.Scanned))}
	}
	addShards(&r, in.Online, freshnessByShard(in.Online, in.Now))
	r.Details["online_newest"] = time.Unix(0, newest).UTC().Format(time.RFC3339Nano)
	r.Details["online_newest_seconds"] = float64(newest) / 1e9
	age := in.Now.Sub(time.Unix(0, newest)).Seconds()
	r.Value = ptr(age)
	r.Status = judgeHigh(age, in.View.Checks.Freshness)
	r.Message = fmt.Sprintf("newest online event of %s is %s old", in.View.Name, HumanDuration(age))
	if lag, ok := r.Details["online_lag_seconds"].(float64); ok && lag >= 1 {
		r.Message += fmt.Sprintf(", %s behind the offline store", HumanDuration(lag))
	}
	return []Result{r}
}

// NullRate judges, per feature and store, the fraction of sampled entities
// (online: the view's population) or rows (offline) where the feature is
// null or absent.
func NullRate(in *Input) []Result {
	var out []Result
	for _, f := range in.View.Features {
		out = append(out, nullRate(in, f, StoreOnline, in.Online, in.OnlineErr))
		if in.View.Offline == nil {
			continue
		}
		out = append(out, nullRate(in, f, StoreOffline, in.Offline, in.OfflineErr))
	}
	return out
}

func nullRate(in *Input, f config.Feature, store string, s *sample.Sample, err error) Result {
	r := base(in, KindNullRate)
	r.Feature, r.Store = f.Name, store
	r.Threshold = thresholds(in.View.Checks.NullRate)
	if err != nil {
		return errResult(r, fmt.Errorf("%s store: %w", store, err))
	}
	col := s.Columns[f.Name]
	var n, absent, empty, invalid int
	for i := 0; i < s.Len(); i++ {
		if store == StoreOnline && !s.HasTime[i] {
			continue
		}
		n++
		if col == nil {
			absent++
			continue
		}
		switch col.Nulls[i] {
		case sample.Absent:
			absent++
		case sample.Empty:
			empty++
		case sample.Invalid:
			invalid++
		}
	}
	r.SampleSize = ptr(n)
	r.Details = map[string]any{"absent": absent, "empty": empty, "invalid": invalid}
	if store == StoreOnline {
		addShards(&r, s, nullRateByShard(s, col))
	}
	if n == 0 {
		return errResult(r, fmt.Errorf("empty %s sample", store))
	}
	rate := float64(absent+empty) / float64(n)
	r.Value = ptr(rate)
	r.Interval = RateInterval(absent+empty, n)
	r.Status = judgeHigh(rate, in.View.Checks.NullRate)
	what := "entities"
	if store == StoreOffline {
		what = "rows"
	}
	r.Message = fmt.Sprintf("%s of %d sampled %s have no %s %s", Percent(rate), n, what, f.Name, store)
	if invalid > 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%d values of %s do not parse as %s", invalid, f.Name, f.Type))
		r.Message += fmt.Sprintf("; %d values do not parse as %s", invalid, f.Type)
		if r.Status < Warn {
			r.Status = Warn
		}
	}
	return r
}

// Coverage judges the fraction of the offline sample's fresh entities that
// are in the view's online population.
func Coverage(in *Input) []Result {
	r := base(in, KindCoverage)
	r.Threshold = thresholds(in.View.Checks.Coverage)
	switch {
	case in.View.Offline == nil:
		return []Result{skipped(r, offlineMissing(in.View))}
	case len(in.View.Entities) == 0:
		return []Result{skipped(r, "the view has no entities")}
	case in.OfflineErr != nil:
		return []Result{errResult(r, fmt.Errorf("offline store: %w", in.OfflineErr))}
	case in.OnlineErr != nil && len(in.CoverageQuery) > 0:
		return []Result{errResult(r, fmt.Errorf("online store: %w", in.OnlineErr))}
	case in.CoveredErr != nil:
		return []Result{errResult(r, fmt.Errorf("online lookup: %w", in.CoveredErr))}
	}
	// Entities on a shard that could not be read say nothing about
	// coverage: they are left out.
	n, unread := len(in.CoverageQuery), 0
	for i := 0; in.Covered != nil && i < in.Covered.Len(); i++ {
		if in.Covered.Unread(i) {
			unread++
		}
	}
	n -= unread
	r.SampleSize = ptr(n)
	if n == 0 {
		return []Result{errResult(r, fmt.Errorf("no offline entity with an event in the last %s to compare", HumanDuration(freshFor(in.View).Seconds())))}
	}
	hit := 0
	for i := 0; i < in.Covered.Len(); i++ {
		if in.Covered.HasTime[i] {
			hit++
		}
	}
	v := float64(hit) / float64(n)
	r.Value = ptr(v)
	r.Interval = RateInterval(hit, n)
	r.Status = judgeLow(v, in.View.Checks.Coverage)
	r.Details = map[string]any{"offline_entities": n, "online_found": hit}
	if unread > 0 {
		r.Details["unread"] = unread
	}
	addShards(&r, in.Covered, coverageByShard(in.Covered))
	r.Message = fmt.Sprintf("%s of %d entities fresh offline are served online (%d missing)", Percent(v), n, n-hit)
	return []Result{r}
}

func freshFor(v config.View) time.Duration {
	if v.TTL > 0 {
		return v.TTL
	}
	if v.Offline != nil {
		return v.Offline.Window
	}
	return 0
}

func offlineMissing(v config.View) string {
	if v.OfflineMissing != "" {
		return v.OfflineMissing
	}
	return "the view has no offline store configured"
}

// Consistency judges, per feature, the fraction of sampled online entities
// whose online value equals the newest offline row at or before their
// online event time.
func Consistency(in *Input) []Result {
	var out []Result
	for _, f := range in.View.Features {
		r := base(in, KindConsistency)
		r.Feature = f.Name
		r.Threshold = thresholds(in.View.Checks.Consistency)
		switch {
		case in.View.Offline == nil:
			out = append(out, skipped(r, offlineMissing(in.View)))
			continue
		case len(in.View.Entities) == 0:
			out = append(out, skipped(r, "the view has no entities"))
			continue
		case in.OnlineErr != nil:
			out = append(out, errResult(r, fmt.Errorf("online store: %w", in.OnlineErr)))
			continue
		case in.AsOfErr != nil:
			out = append(out, errResult(r, fmt.Errorf("offline as-of lookup: %w", in.AsOfErr)))
			continue
		case sample.Type(f.Type) == sample.Other:
			out = append(out, skipped(r, f.Name+" has a type no comparison uses"))
			continue
		}
		out = append(out, consistency(in, f, r))
	}
	return out
}

func consistency(in *Input, f config.Feature, r Result) Result {
	on := in.Online.Columns[f.Name]
	var off *sample.Column
	if in.AsOf != nil {
		off = in.AsOf.Columns[f.Name]
	}
	var matched, equal int
	for k, row := range in.AsOfRows {
		if !in.AsOf.HasTime[k] {
			continue
		}
		matched++
		if sameValue(sample.Type(f.Type), on, row, off, k) {
			equal++
		}
	}
	r.SampleSize = ptr(matched)
	r.Details = map[string]any{"online_population": len(in.AsOfRows), "matched_offline": matched}
	addShards(&r, in.Online, consistencyByShard(in, f, on, off))
	if matched == 0 {
		return errResult(r, fmt.Errorf("none of %d sampled online entities has an offline row at or before its online event time", len(in.AsOfRows)))
	}
	v := float64(equal) / float64(matched)
	r.Value = ptr(v)
	r.Interval = RateInterval(equal, matched)
	r.Status = judgeLow(v, in.View.Checks.Consistency)
	r.Message = fmt.Sprintf("%s of %d sampled entities serve the offline value of %s (%d differ)", Percent(v), matched, f.Name, matched-equal)
	return r
}

// sameValue compares row i of a with row j of b. Both null is equal, one
// null is not; floats are equal within a relative 1e-6; integers and
// timestamps (whole seconds) only when identical; strings, booleans and
// bytes (hex) when identical.
func sameValue(t sample.Type, a *sample.Column, i int, b *sample.Column, j int) bool {
	an := a == nil || a.IsNull(i)
	bn := b == nil || b.IsNull(j)
	if an || bn {
		return an && bn
	}
	if t.Numeric() {
		x, y := a.Num[i], b.Num[j]
		if t.Exact() {
			return x == y
		}
		return math.Abs(x-y) <= 1e-6*math.Max(math.Abs(x), math.Abs(y))
	}
	return a.Str[i] == b.Str[j]
}
