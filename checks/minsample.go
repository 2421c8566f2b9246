package checks

import "fmt"

// DetailMinSample is the Details key of an insufficient result's
// min_sample.
const DetailMinSample = "min_sample"

// judgedN is the sample size min_sample is compared with: sample_size for
// a rate, the smaller of online_n and offline_n for skew and drift; false
// when the result has none.
func judgedN(r Result) (int, bool) {
	switch r.Check {
	case KindSkew, KindDrift:
		if r.OnlineN == nil || r.OfflineN == nil {
			return 0, false
		}
		return min(*r.OnlineN, *r.OfflineN), true
	}
	if r.SampleSize == nil {
		return 0, false
	}
	return *r.SampleSize, true
}

// applyMinSample makes a result computed from fewer values than its
// check's min_sample Insufficient: its value and interval stay, for
// information, but no verdict is drawn from them. Errors and skipped
// results are left as they are.
func applyMinSample(in *Input, r *Result) {
	minN := in.View.Checks.MinSample.Of(r.Check)
	if minN <= 0 || r.Status == Error || IsSkipped(*r) {
		return
	}
	n, ok := judgedN(*r)
	if !ok || n >= minN {
		return
	}
	r.Status = Insufficient
	if r.Details == nil {
		r.Details = map[string]any{}
	}
	r.Details[DetailMinSample] = minN
	what := "values"
	if r.Check == KindSkew || r.Check == KindDrift {
		what = "non-null values on the smaller side"
	}
	r.Message = fmt.Sprintf("insufficient sample: %d %s, fewer than min_sample %d; not judged: %s", n, what, minN, r.Message)
}
