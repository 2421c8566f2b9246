package statuspage

import (
	"fmt"
	"math"
	"strings"

	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/present"
)

// Sparkline geometry: the value line above a strip of one status cell per
// run.
const (
	sparkWidth  = 120
	sparkHeight = 26
	sparkLineH  = 18 // the value line's band, from the top
	sparkStripY = 21 // the status strip
	sparkStripH = 5
)

// statusColor is the colour of a status on the page (the CSS variables of
// the template).
func statusColor(s checks.Status) string {
	switch s.String() {
	case "ok":
		return "#1a7f37"
	case "warn":
		return "#b76e00"
	case "crit":
		return "#cf222e"
	case "error":
		return "#8250df"
	}
	return "#6e7781" // insufficient, unknown
}

// sparklineSVG draws a result's history as an inline SVG: the values as a
// line scaled between their minimum and maximum (broken where a run had no
// value), and under it one cell per run in its status's colour, oldest on
// the left. It returns "" for a result with fewer than two points. Every
// text is XML-escaped.
func sparklineSVG(r checks.Result) string {
	h := r.History
	if len(h) < 2 {
		return ""
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range h {
		if p.Value != nil && !math.IsNaN(*p.Value) && !math.IsInf(*p.Value, 0) {
			lo, hi = min(lo, *p.Value), max(hi, *p.Value)
		}
	}
	step := float64(sparkWidth-2) / float64(len(h)-1)
	x := func(i int) float64 { return 1 + float64(i)*step }
	y := func(v float64) float64 {
		if hi == lo {
			return sparkLineH / 2
		}
		return 2 + (1-(v-lo)/(hi-lo))*(sparkLineH-4)
	}
	f, _ := formatOf(r.Check)
	label := fmt.Sprintf("last %d runs from %s to %s", len(h), h[0].At.UTC().Format(timeLayout), h[len(h)-1].At.UTC().Format(timeLayout))
	if !math.IsInf(lo, 0) {
		label += fmt.Sprintf(": %s between %s and %s", quantityOf(r.Check), f(lo), f(hi))
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="spark" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s">`,
		sparkWidth, sparkHeight, sparkWidth, sparkHeight, esc(label))
	fmt.Fprintf(&b, `<title>%s</title>`, esc(label))
	// Status strip: each run's cell spans half a step on either side.
	for i, p := range h {
		x0 := math.Max(0, x(i)-step/2)
		x1 := math.Min(sparkWidth, x(i)+step/2)
		fmt.Fprintf(&b, `<rect x="%s" y="%d" width="%s" height="%d" fill="%s"/>`, f1(x0), sparkStripY, f1(x1-x0), sparkStripH, statusColor(p.Status))
	}
	// Value line, in segments between runs without a value.
	var d strings.Builder
	pen := false
	for i, p := range h {
		if p.Value == nil || math.IsNaN(*p.Value) || math.IsInf(*p.Value, 0) {
			pen = false
			continue
		}
		cmd := "L"
		if !pen {
			cmd = "M"
		}
		fmt.Fprintf(&d, "%s%s %s", cmd, f1(x(i)), f1(y(*p.Value)))
		pen = true
	}
	if d.Len() > 0 {
		fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="%s" stroke-width="1.5" stroke-linejoin="round"/>`, d.String(), colorText)
	}
	// The latest value as a dot in its status colour.
	if last := h[len(h)-1]; last.Value != nil && !math.IsNaN(*last.Value) && !math.IsInf(*last.Value, 0) {
		fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="2.5" fill="%s"/>`, f1(x(len(h)-1)), f1(y(*last.Value)), statusColor(last.Status))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// formatOf formats a check's values as the one presentation does: the
// value of a one-point result rendered through present.Of.
func formatOf(check string) (func(float64) string, bool) {
	return func(v float64) string {
		p := present.Of(checks.Result{Check: check, Value: &v})
		if p.Value == "" || check == checks.KindSkew || check == checks.KindDrift {
			return num(v)
		}
		return p.Value
	}, true
}

// quantityOf names what a check's history values are.
func quantityOf(check string) string {
	if check == checks.KindSkew || check == checks.KindDrift {
		return "effect size"
	}
	return present.Of(checks.Result{Check: check}).Quantity
}
