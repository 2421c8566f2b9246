package checks

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// HumanDuration formats seconds as the two largest units: "45s", "3m 20s",
// "2h 5m", "1d 3h". Negative values (timestamps in the future) keep their
// sign.
func HumanDuration(sec float64) string {
	if math.IsNaN(sec) || math.IsInf(sec, 0) {
		return "n/a"
	}
	sign := ""
	if sec < 0 {
		sign, sec = "-", -sec
	}
	if sec < 10 && sec != math.Trunc(sec) {
		return sign + strconv.FormatFloat(sec, 'f', 1, 64) + "s"
	}
	s := int64(math.Round(sec))
	units := []struct {
		n    int64
		name string
	}{{86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}}
	for i, u := range units[:3] {
		if s >= u.n {
			big, rest := s/u.n, (s%u.n)/units[i+1].n
			if rest == 0 {
				return fmt.Sprintf("%s%d%s", sign, big, u.name)
			}
			return fmt.Sprintf("%s%d%s %d%s", sign, big, u.name, rest, units[i+1].name)
		}
	}
	return fmt.Sprintf("%s%ds", sign, s)
}

// Percent formats a ratio as a percentage with two decimals, more when two
// would round a value that is not exactly 0 or 1 to "0%" or "100%".
func Percent(r float64) string {
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return "n/a"
	}
	p := r * 100
	var s string
	for dec := 2; dec <= 6; dec++ {
		s = strconv.FormatFloat(p, 'f', dec, 64)
		if (r > 0 && r < 1) && (strings.Trim(s, "0.") == "" || strings.HasPrefix(s, "100.")) {
			continue
		}
		break
	}
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s + "%"
}
