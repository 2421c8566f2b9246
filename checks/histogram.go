package checks

// Histogram is the binned distribution behind a skew result: proportions per
// bin (numeric: the 10 decile bins of the offline sample, Edges are the 9
// interior cut points) or per category (Categories names them; bool/string
// features). Proportions are raw (no 1e-4 floor).
//
// Categories are feature values: renderings that must not show feature
// values (logs, metric labels, Slack) leave the histogram out, and those
// that show it outside the process (status page, API, JSON report) fold
// the rare categories first (present.Redact).
type Histogram struct {
	Edges      []float64 `json:"edges,omitempty"`
	Categories []string  `json:"categories,omitempty"`
	Online     []float64 `json:"online"`
	Offline    []float64 `json:"offline"`
	// Folded, when positive, says that the last category is not a value
	// but "others": the sum of that many categories not shown by name.
	// Checks never fold; renderings do.
	Folded int `json:"folded,omitempty"`
}
