package checks

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/fsmon/fsmon/config"
	"github.com/fsmon/fsmon/sample"
	"github.com/fsmon/fsmon/stats"
)

// minSkewSample is the sample size under which a skew result carries a
// warning that the test has little power.
const minSkewSample = 30

// Skew compares, per feature, the online sample with the feature's pinned
// reference when it has one (View.ReferenceOf), else with the offline
// window sample (docs/contract.md section 5). Numeric features get KS, PSI on the
// reference's deciles, Jensen–Shannon and Wasserstein; categorical ones
// chi-square, PSI, Jensen–Shannon and L∞. The p-values of the view's
// features are adjusted together with Benjamini–Hochberg. A feature is crit
// when the adjusted p-value is below skew.p_value and the effect size is at
// least skew.min_statistic, or PSI reaches psi.crit; warn when PSI reaches
// psi.warn. A small p-value alone never makes a feature skewed.
func Skew(in *Input) []Result {
	return compareAll(in, KindSkew, in.View.Checks.Skew, func(f config.Feature) bool { return true }, true)
}

// Drift compares, per feature that has a pinned reference, the online
// sample with the rolling offline window, judged by checks.drift: the
// recent-drift view beside the reference skew (the way Evidently separates
// reference drift from recent drift). Features without a reference have no
// drift result: their skew already is the rolling-window comparison.
func Drift(in *Input) []Result {
	return compareAll(in, KindDrift, in.View.Checks.Drift, func(f config.Feature) bool { return in.View.ReferenceOf(f) != nil }, false)
}

// baseline is what the online sample is compared with.
type baseline struct {
	numeric     *stats.NumericProfile
	categorical *stats.CategoricalProfile
	// what names it in messages ("the last 7d offline", "reference ranker v3").
	what string
	ref  *ReferenceInfo
}

// baselineOf returns what feature f is compared with: its reference when
// useRef and it has one, else the offline window.
func baselineOf(in *Input, f config.Feature, useRef bool) (baseline, error) {
	if useRef && in.View.ReferenceOf(f) != nil {
		ref := in.References[f.Name]
		if ref == nil {
			return baseline{}, fmt.Errorf("reference %s: not loaded", in.View.ReferenceOf(f).Name())
		}
		info := ref.Info
		b := baseline{what: "reference " + info.Label, ref: &info}
		if ref.Err != nil {
			return b, fmt.Errorf("reference %s: %w", info.Label, ref.Err)
		}
		if ref.Profile == nil {
			return b, fmt.Errorf("reference %s: %w of %s (the reference has no such feature)", info.Label, errNoValues, f.Name)
		}
		b.numeric, b.categorical = ref.Profile.Numeric, ref.Profile.Categorical
		return b, nil
	}
	b := baseline{what: "the last " + HumanDuration(in.View.Offline.Window.Seconds()) + " offline"}
	if in.OfflineErr != nil {
		return b, fmt.Errorf("offline store: %w", in.OfflineErr)
	}
	if sample.Type(f.Type).Numeric() {
		vals, inf := numericValues(in.Offline, f.Name, false)
		p, err := stats.NewNumericProfile(vals, 0, len(vals)+1, 0)
		if err != nil {
			return b, err
		}
		p.Inf = inf
		b.numeric = p
	} else {
		counts, _ := categoryCounts(in.Offline, f.Name, false)
		b.categorical = &stats.CategoricalProfile{Counts: counts}
	}
	return b, nil
}

func compareAll(in *Input, kind string, rule config.Skew, include func(config.Feature) bool, useRef bool) []Result {
	var out []Result
	type pending struct {
		idx int
		p   float64
	}
	var ps []pending
	for _, f := range in.View.Features {
		if !include(f) {
			continue
		}
		r := base(in, kind)
		r.Feature = f.Name
		r.Threshold = thresholds(rule.PSI)
		t := sample.Type(f.Type)
		hasRef := useRef && in.View.ReferenceOf(f) != nil
		switch {
		case in.View.Offline == nil && !hasRef:
			out = append(out, skipped(r, offlineMissing(in.View)))
			continue
		case t == sample.Other || t == sample.Bytes:
			out = append(out, skipped(r, f.Name+" has a type no statistic uses"))
			continue
		case in.OnlineErr != nil:
			out = append(out, errResult(r, fmt.Errorf("online store: %w", in.OnlineErr)))
			continue
		}
		b, err := baselineOf(in, f, useRef)
		r.Reference = b.ref
		if err != nil {
			out = append(out, errResult(r, err))
			continue
		}
		if t.Numeric() {
			if b.numeric == nil {
				err = fmt.Errorf("%s: %s is not numeric there", b.what, f.Name)
			} else {
				r, err = skewNumeric(in, f, r, b)
			}
		} else {
			if b.categorical == nil {
				err = fmt.Errorf("%s: %s is not categorical there", b.what, f.Name)
			} else {
				r, err = skewCategorical(in, f, r, b)
			}
		}
		if err != nil {
			out = append(out, errResult(r, err))
			continue
		}
		if p := r.Tests[0].PValue; p != nil {
			ps = append(ps, pending{len(out), *p})
		}
		out = append(out, r)
	}
	raw := make([]float64, len(ps))
	for i, p := range ps {
		raw[i] = p.p
	}
	adj, err := stats.BenjaminiHochberg(raw)
	if err != nil {
		adj = raw // p-values come from stats and lie in [0,1]; keep raw ones if not
	}
	for i, p := range ps {
		out[p.idx].Tests[0].PValueAdjusted = ptr(adj[i])
	}
	for i := range out {
		if out[i].Status != Error && !IsSkipped(out[i]) {
			skewThresholds(&out[i], rule)
			decideSkew(&out[i], rule)
		}
	}
	return out
}

// skewThresholds puts on each test the thresholds its own statistic is
// judged against, so that every rendering shows a statistic next to its
// thresholds: the p-value level on ks and chi2, min_statistic on the
// effect size (ks D, linf), psi's warn and crit on psi.
func skewThresholds(r *Result, rule config.Skew) {
	for i := range r.Tests {
		t := &r.Tests[i]
		switch t.Test {
		case "ks":
			t.PValueThreshold = ptr(rule.PValue)
			t.Threshold = &Threshold{Crit: ptr(rule.MinStatistic)}
		case "chi2":
			t.PValueThreshold = ptr(rule.PValue)
		case "linf":
			t.Threshold = &Threshold{Crit: ptr(rule.MinStatistic)}
		case "psi":
			t.Threshold = thresholds(rule.PSI)
		}
	}
}

// decideSkew applies the contract's decision rule to a computed result.
func decideSkew(r *Result, rule config.Skew) {
	effect := *r.Value
	var psi float64
	var p *float64
	for _, t := range r.Tests {
		if t.Test == "psi" {
			psi = t.Statistic
		}
		if t.PValueAdjusted != nil {
			p = t.PValueAdjusted
		}
	}
	r.Status = OK
	if rule.PSI.Warn != nil && psi >= *rule.PSI.Warn {
		r.Status = Warn
	}
	if (p != nil && *p < rule.PValue && effect >= rule.MinStatistic) || (rule.PSI.Crit != nil && psi >= *rule.PSI.Crit) {
		r.Status = Crit
	}
}

// numericValues returns the non-null, finite values of feature f: online
// from the view's population, offline from every row, and how many infinite
// values it left out (they have no place in deciles or Wasserstein).
func numericValues(s *sample.Sample, f string, population bool) (out []float64, inf int) {
	col := s.Columns[f]
	if col == nil {
		return nil, 0
	}
	out = make([]float64, 0, s.Len())
	for i := 0; i < s.Len(); i++ {
		if (population && !s.HasTime[i]) || col.IsNull(i) || math.IsNaN(col.Num[i]) {
			continue
		}
		if math.IsInf(col.Num[i], 0) {
			inf++
			continue
		}
		out = append(out, col.Num[i])
	}
	return out, inf
}

func categoryCounts(s *sample.Sample, f string, population bool) (map[string]float64, int) {
	col := s.Columns[f]
	counts := map[string]float64{}
	if col == nil {
		return counts, 0
	}
	n := 0
	for i := 0; i < s.Len(); i++ {
		if (population && !s.HasTime[i]) || col.IsNull(i) {
			continue
		}
		counts[col.Str[i]]++
		n++
	}
	return counts, n
}

var errNoValues = errors.New("no non-null values")

func skewNumeric(in *Input, f config.Feature, r Result, b baseline) (Result, error) {
	on, infOn := numericValues(in.Online, f.Name, true)
	ref := b.numeric
	if infOn+ref.Inf > 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%d infinite values left out (online %d, offline %d)", infOn+ref.Inf, infOn, ref.Inf))
	}
	r.OnlineN, r.OfflineN = ptr(len(on)), ptr(ref.N)
	if len(on) == 0 {
		return r, fmt.Errorf("online: %w of %s in the sample", errNoValues, f.Name)
	}
	if ref.N == 0 {
		return r, fmt.Errorf("%s: %w of %s", b.what, errNoValues, f.Name)
	}
	stats.Sort(on)
	ks, err := stats.KS2SampSorted(on, ref.Reservoir, stats.KSAuto)
	if err != nil {
		return r, fmt.Errorf("ks test of %s: %w", f.Name, err)
	}
	edges := ref.Edges
	pOn := stats.BinProportions(edges, on)
	pOff := ref.Proportions()
	psi := stats.PSIProportions(pOff, pOn)
	js, err := stats.JensenShannon(pOn, pOff, 2)
	if err != nil {
		return r, fmt.Errorf("jensen-shannon of %s: %w", f.Name, err)
	}
	w, err := stats.Wasserstein(on, ref.Reservoir)
	if err != nil {
		return r, fmt.Errorf("wasserstein of %s: %w", f.Name, err)
	}
	wn := stats.NormalizedWasserstein(w, ref.Std)
	r.Value = ptr(ks.D)
	r.Tests = []Test{
		{Test: "ks", Statistic: ks.D, PValue: ptr(ks.PValue)},
		{Test: "psi", Statistic: psi},
		{Test: "js", Statistic: js},
		{Test: "wasserstein", Statistic: w, Normalized: ptr(wn)},
	}
	for _, w := range ks.Warnings {
		r.Warnings = append(r.Warnings, w.Error())
	}
	r.Histogram = &Histogram{Edges: edges, Online: pOn, Offline: pOff}
	r.Details = map[string]any{"ks_method": ks.Method.String()}
	if !ref.Complete {
		// KS and Wasserstein use the reservoir, not every reference value
		// (stats.Profile documents the bound).
		r.Details["reference_reservoir"] = len(ref.Reservoir)
		r.Details["ks_reservoir_bound"] = stats.DKWBound(len(ref.Reservoir), 1e-3)
	}
	r.Message = fmt.Sprintf("%s online vs %s: KS D=%.3g, PSI=%.3g", f.Name, b.what, ks.D, psi)
	smallSample(&r, len(on), len(ref.Reservoir))
	return r, nil
}

func skewCategorical(in *Input, f config.Feature, r Result, b baseline) (Result, error) {
	onC, nOn := categoryCounts(in.Online, f.Name, true)
	offC := b.categorical.Counts
	nOff := int(b.categorical.Total())
	r.OnlineN, r.OfflineN = ptr(nOn), ptr(nOff)
	if nOn == 0 {
		return r, fmt.Errorf("online: %w of %s in the sample", errNoValues, f.Name)
	}
	if nOff == 0 {
		return r, fmt.Errorf("%s: %w of %s", b.what, errNoValues, f.Name)
	}
	cats := make([]string, 0, len(onC)+len(offC))
	for c := range offC {
		cats = append(cats, c)
	}
	for c := range onC {
		if _, ok := offC[c]; !ok {
			cats = append(cats, c)
		}
	}
	sort.Strings(cats)
	a := make([]float64, len(cats))
	bb := make([]float64, len(cats))
	pOn := make([]float64, len(cats))
	pOff := make([]float64, len(cats))
	mOn := make(map[string]float64, len(cats))
	mOff := make(map[string]float64, len(cats))
	for i, c := range cats {
		a[i], bb[i] = onC[c], offC[c]
		pOn[i], pOff[i] = a[i]/float64(nOn), bb[i]/float64(nOff)
		mOn[c], mOff[c] = a[i], bb[i]
	}
	chi, err := stats.ChiSquareHomogeneity(a, bb)
	if err != nil {
		return r, fmt.Errorf("chi-square test of %s: %w", f.Name, err)
	}
	psi := stats.PSIProportions(pOff, pOn)
	js, err := stats.JensenShannon(pOn, pOff, 2)
	if err != nil {
		return r, fmt.Errorf("jensen-shannon of %s: %w", f.Name, err)
	}
	linf, _ := stats.LInf(mOn, mOff)
	r.Value = ptr(linf)
	r.Tests = []Test{
		{Test: "chi2", Statistic: chi.Statistic, PValue: ptr(chi.PValue), DegreesOfFreedom: ptr(chi.DoF)},
		{Test: "psi", Statistic: psi},
		{Test: "js", Statistic: js},
		{Test: "linf", Statistic: linf},
	}
	for _, w := range chi.Warnings {
		r.Warnings = append(r.Warnings, w.Error())
	}
	r.Histogram = &Histogram{Categories: cats, Online: pOn, Offline: pOff}
	r.Details = map[string]any{"cramers_v": chi.CramersV, "categories": len(cats)}
	r.Message = fmt.Sprintf("%s online vs %s: L∞=%.3g, PSI=%.3g", f.Name, b.what, linf, psi)
	smallSample(&r, nOn, nOff)
	return r, nil
}

func smallSample(r *Result, n, m int) {
	if n < minSkewSample || m < minSkewSample {
		r.Warnings = append(r.Warnings, fmt.Sprintf("small sample (online %d, offline %d): the tests have little power", n, m))
	}
}
