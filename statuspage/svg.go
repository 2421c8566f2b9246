package statuspage

import (
	"encoding/xml"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/fsmon/fsmon/checks"
)

// Chart colours (Grafana's classic palette) and geometry.
const (
	colorOffline = "#5794f2"
	colorOnline  = "#ff780a"
	colorText    = "#464c54"
	colorGrid    = "#dde1e6"

	chartWidth = 360
	// maxCategories is the number of category rows drawn; the rest are
	// summed into one "other" row.
	maxCategories = 8
	// maxLabel is the number of characters of a category label drawn.
	maxLabel = 16
)

// histogramSVG draws the histogram of a skew result as an inline SVG
// document: overlaid offline bars and online step line for numeric features,
// side-by-side offline/online bars per category for categorical features.
// It returns "" when the histogram is missing or malformed. Every text is
// XML-escaped.
func histogramSVG(feature string, h *checks.Histogram) string {
	if h == nil || len(h.Online) == 0 || len(h.Online) != len(h.Offline) {
		return ""
	}
	if len(h.Categories) > 0 {
		if len(h.Categories) != len(h.Online) {
			return ""
		}
		return categoricalSVG(feature, h)
	}
	return numericSVG(feature, h)
}

// esc returns s escaped for XML text and attribute values; invalid UTF-8
// and characters XML forbids become U+FFFD.
func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // a strings.Builder never fails
	return b.String()
}

// truncate shortens s to n runes, ending with "…" when it cut.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// prop cleans a proportion: NaN and negatives are 0, above 1 is 1.
func prop(p float64) float64 {
	if math.IsNaN(p) || p < 0 {
		return 0
	}
	return min(p, 1)
}

// niceMax rounds the largest proportion up to a readable axis maximum.
func niceMax(m float64) float64 {
	for _, step := range []float64{0.01, 0.05, 0.1} {
		if m <= step*5 {
			if m <= 0 {
				return step
			}
			return math.Ceil(m/step-1e-9) * step
		}
	}
	return math.Min(1, math.Ceil(m/0.2-1e-9)*0.2)
}

// f1 formats a coordinate with at most one decimal.
func f1(x float64) string {
	return strings.TrimSuffix(strconv.FormatFloat(x, 'f', 1, 64), ".0")
}

func svgOpen(b *strings.Builder, h int, label string) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s" font-size="10" fill="%s">`,
		chartWidth, h, chartWidth, h, esc(label), colorText)
	fmt.Fprintf(b, `<title>%s</title>`, esc(label))
}

func legend(b *strings.Builder, note string) {
	fmt.Fprintf(b, `<rect x="8" y="4" width="10" height="10" fill="%s" fill-opacity="0.6"/><text x="22" y="13">offline</text>`, colorOffline)
	fmt.Fprintf(b, `<rect x="68" y="8" width="12" height="3" fill="%s"/><text x="84" y="13">online</text>`, colorOnline)
	fmt.Fprintf(b, `<text x="%d" y="13" text-anchor="end" font-size="9">%s</text>`, chartWidth-8, esc(note))
}

func numericSVG(feature string, h *checks.Histogram) string {
	const (
		left, right, top, bottom = 40.0, 352.0, 24.0, 118.0
		height                   = 136
	)
	n := len(h.Online)
	ymax := 0.0
	for i := range n {
		ymax = max(ymax, prop(h.Online[i]), prop(h.Offline[i]))
	}
	ymax = niceMax(ymax)
	y := func(p float64) float64 { return bottom - prop(p)/ymax*(bottom-top) }
	bw := (right - left) / float64(n)
	x := func(i int) float64 { return left + float64(i)*bw }

	var b strings.Builder
	svgOpen(&b, height, fmt.Sprintf("%s: online and offline distributions over %d bins cut at the offline deciles", feature, n))
	legend(&b, "bins: offline deciles")
	// Grid and y labels at 0, half and the maximum.
	for _, f := range []float64{0, 0.5, 1} {
		yy := y(f * ymax)
		fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"/>`, f1(left), f1(yy), f1(right), f1(yy), colorGrid)
		fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="end" font-size="9">%s</text>`, f1(left-4), f1(yy+3), esc(checks.Percent(f*ymax)))
	}
	// Offline bars.
	for i := range n {
		yy := y(h.Offline[i])
		fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s" fill-opacity="0.6"/>`,
			f1(x(i)+1), f1(yy), f1(bw-2), f1(bottom-yy), colorOffline)
	}
	// Online step line over the bars.
	var p strings.Builder
	fmt.Fprintf(&p, "M%s %s", f1(left), f1(bottom))
	for i := range n {
		fmt.Fprintf(&p, "V%sH%s", f1(y(h.Online[i])), f1(x(i+1)))
	}
	fmt.Fprintf(&p, "V%s", f1(bottom))
	fmt.Fprintf(&b, `<path d="%s" fill="%s" fill-opacity="0.12" stroke="%s" stroke-width="2"/>`, p.String(), colorOnline, colorOnline)
	// Edge labels under the first, middle and last interior cut points.
	if len(h.Edges) == n-1 && n > 1 {
		for _, i := range uniqueInts(0, (n-1)/2, n-2) {
			fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"/>`, f1(x(i+1)), f1(bottom), f1(x(i+1)), f1(bottom+4), colorText)
			fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="middle" font-size="9">%s</text>`, f1(x(i+1)), f1(bottom+14), esc(num(h.Edges[i])))
		}
	}
	// One transparent hover target per bin with both proportions.
	for i := range n {
		fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" fill="transparent"><title>%s</title></rect>`,
			f1(x(i)), f1(top), f1(bw), f1(bottom-top), esc(binTitle(h, i)))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// binTitle describes bin i: its value range and both proportions.
func binTitle(h *checks.Histogram, i int) string {
	rng := fmt.Sprintf("bin %d", i+1)
	if len(h.Edges) == len(h.Online)-1 {
		lo, hi := "−∞", "+∞"
		if i > 0 {
			lo = num(h.Edges[i-1])
		}
		if i < len(h.Edges) {
			hi = num(h.Edges[i])
		}
		rng = fmt.Sprintf("bin %d [%s, %s)", i+1, lo, hi)
	}
	return fmt.Sprintf("%s: offline %s, online %s", rng, checks.Percent(prop(h.Offline[i])), checks.Percent(prop(h.Online[i])))
}

func uniqueInts(xs ...int) []int {
	var out []int
	for _, x := range xs {
		if len(out) == 0 || out[len(out)-1] != x {
			out = append(out, x)
		}
	}
	return out
}

type catRow struct {
	label           string
	offline, online float64
	other           bool
	otherCategories int
}

func categoricalSVG(feature string, h *checks.Histogram) string {
	rows := make([]catRow, len(h.Categories))
	total := len(h.Categories)
	for i, c := range h.Categories {
		rows[i] = catRow{label: c, offline: prop(h.Offline[i]), online: prop(h.Online[i])}
	}
	// A folded histogram (present.Redact) ends with its "others": it
	// stays last and counts the categories it holds.
	var folded *catRow
	if h.Folded > 0 {
		folded = &catRow{other: true, otherCategories: h.Folded, offline: rows[len(rows)-1].offline, online: rows[len(rows)-1].online}
		rows = rows[:len(rows)-1]
		total += h.Folded - 1
	}
	sort.SliceStable(rows, func(i, j int) bool {
		mi, mj := max(rows[i].offline, rows[i].online), max(rows[j].offline, rows[j].online)
		if mi != mj {
			return mi > mj
		}
		return rows[i].label < rows[j].label
	})
	named := maxCategories
	if folded != nil {
		named = maxCategories - 1
	}
	if len(rows) > named {
		if folded == nil {
			folded = &catRow{other: true}
			named = maxCategories - 1
		}
		for _, r := range rows[named:] {
			folded.offline += r.offline
			folded.online += r.online
			folded.otherCategories++
		}
		rows = rows[:named]
	}
	if folded != nil {
		folded.label = fmt.Sprintf("%d others", folded.otherCategories)
		rows = append(rows, *folded)
	}
	const (
		labelRight = 112.0
		barLeft    = 118.0
		barMax     = 196.0
		rowH       = 22.0
		top        = 24.0
	)
	height := int(top + rowH*float64(len(rows)) + 6)
	xmax := 0.0
	for _, r := range rows {
		xmax = max(xmax, r.offline, r.online)
	}
	xmax = niceMax(xmax)
	w := func(p float64) float64 { return prop(p) / xmax * barMax }

	var b strings.Builder
	svgOpen(&b, height, fmt.Sprintf("%s: online and offline proportions of %d categories", feature, total))
	legend(&b, fmt.Sprintf("%d categories", total))
	for i, r := range rows {
		y0 := top + float64(i)*rowH
		style := ""
		if r.other {
			style = ` font-style="italic"`
		}
		fmt.Fprintf(&b, `<g><title>%s: offline %s, online %s</title>`, esc(truncate(r.label, 200)), checks.Percent(r.offline), checks.Percent(r.online))
		fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="end"%s>%s</text>`, f1(labelRight), f1(y0+13), style, esc(truncate(r.label, maxLabel)))
		fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="8" fill="%s" fill-opacity="0.6"/>`, f1(barLeft), f1(y0+2), f1(w(r.offline)), colorOffline)
		fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="8" fill="%s"/>`, f1(barLeft), f1(y0+11), f1(w(r.online)), colorOnline)
		fmt.Fprintf(&b, `<text x="%s" y="%s" font-size="8">%s</text>`, f1(barLeft+w(r.offline)+3), f1(y0+9), checks.Percent(r.offline))
		fmt.Fprintf(&b, `<text x="%s" y="%s" font-size="8">%s</text>`, f1(barLeft+w(r.online)+3), f1(y0+18), checks.Percent(r.online))
		b.WriteString(`</g>`)
	}
	b.WriteString(`</svg>`)
	return b.String()
}
