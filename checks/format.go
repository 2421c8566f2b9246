package checks

import (
	"fmt"
	"math"
	"strings"
)

// HumanDuration formats seconds the way an on-call engineer reads them:
// "45s", "12m", "3h 20m", "2d 4h".
func HumanDuration(sec float64) string {
	neg := sec < 0
	if neg {
		sec = -sec
	}
	s := int64(math.Round(sec))
	var b strings.Builder
	if neg {
		b.WriteString("-")
	}
	d, h, m := s/86400, s%86400/3600, s%3600/60
	switch {
	case d > 0 && h > 0:
		fmt.Fprintf(&b, "%dd %dh", d, h)
	case d > 0:
		fmt.Fprintf(&b, "%dd", d)
	case h > 0 && m > 0:
		fmt.Fprintf(&b, "%dh %dm", h, m)
	case h > 0:
		fmt.Fprintf(&b, "%dh", h)
	case m > 0:
		fmt.Fprintf(&b, "%dm", m)
	default:
		fmt.Fprintf(&b, "%ds", s%60)
	}
	return b.String()
}

// Percent formats a ratio as a percentage with enough digits to tell 99.9%
// from 100%.
func Percent(r float64) string {
	p := r * 100
	switch {
	case p == 0 || p == 100:
		return fmt.Sprintf("%.0f%%", p)
	case p < 1 || p > 99:
		return fmt.Sprintf("%.2f%%", p)
	}
	return fmt.Sprintf("%.1f%%", p)
}
