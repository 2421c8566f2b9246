package checks

import "github.com/fsmon/fsmon/stats"

// IntervalConfidence is the level of the intervals results carry.
const IntervalConfidence = 0.95

// RateInterval is the 95% Wilson score interval of the proportion k/n
// (stats.Wilson), or nil when n is 0 or k is out of range.
func RateInterval(k, n int) *Interval {
	iv, err := stats.Wilson(k, n, stats.Z95)
	if err != nil {
		return nil
	}
	return &Interval{Lower: iv.Lo, Upper: iv.Hi, Confidence: IntervalConfidence, Method: "wilson"}
}
