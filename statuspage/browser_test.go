package statuspage

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var screenshot = flag.String("screenshot", "", "also copy the first screen of the 3 a.m. browser test to this file (e.g. ../docs/status-page.png)")

// chromium returns the path of a headless-capable Chromium, or skips. The
// browser test runs when the binary is present; it is required (fails when
// missing) only with FSMON_BROWSER_TEST=1, because CI images may not carry
// a browser.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("FSMON_BROWSER_TEST") == "1" {
		t.Fatal("FSMON_BROWSER_TEST=1 but no chromium binary on PATH (Debian: apt-get install chromium)")
	}
	t.Skip("no chromium on PATH; set FSMON_BROWSER_TEST=1 to require the browser test")
	return ""
}

// runChromium runs a headless Chromium on url with extra flags and returns
// its stdout and stderr.
func runChromium(t *testing.T, bin, url string, extra ...string) (stdout, stderr string) {
	t.Helper()
	args := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--hide-scrollbars",
		"--user-data-dir=" + t.TempDir(), "--enable-logging=stderr", "--v=0",
	}
	args = append(args, extra...)
	args = append(args, url)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\nstderr:\n%s", extra, err, errb.String())
	}
	return out.String(), errb.String()
}

// consoleErrors returns the lines of Chromium's log that report a page
// problem: uncaught exceptions, console errors, CSP violations, failed
// loads.
func consoleErrors(log string) []string {
	// Chromium logs every console message as "INFO:CONSOLE:<line>] ..." (or
	// "CONSOLE(<line>)" in older versions); the page has no script, so any
	// console line is a problem (a CSP violation, a failed load).
	re := regexp.MustCompile(`(?i)uncaught|:CONSOLE[:(]|Content Security Policy|Failed to load resource`)
	var out []string
	for _, l := range strings.Split(log, "\n") {
		if re.MatchString(l) {
			out = append(out, l)
		}
	}
	return out
}

func TestBrowser(t *testing.T) {
	bin := chromium(t)
	srv := httptest.NewServer(fixtureHandler(fixture())) // listens on 127.0.0.1
	defer srv.Close()
	url := srv.URL + "/"

	// The DOM as the browser built it: the charts are SVG elements, with
	// the hostile category as text, not markup.
	dom, log := runChromium(t, bin, url, "--dump-dom")
	if errs := consoleErrors(log); len(errs) > 0 {
		t.Errorf("browser reported errors loading the page:\n%s", strings.Join(errs, "\n"))
	}
	// 3 histograms; 2 sparklines, each in the broken list and in its row.
	if n, charts, sparks := strings.Count(dom, "<svg "), strings.Count(dom, `class="chart"`), strings.Count(dom, `class="spark"`); n != 7 || charts != 3 || sparks != 4 {
		t.Errorf("DOM has %d svg elements, %d charts and %d sparklines; want 7, 3 and 4", n, charts, sparks)
	}
	if strings.Contains(dom, "<script") {
		t.Error("DOM contains a script element")
	}
	for _, want := range []string{"driver_hourly_stats", "&lt;script&gt;alert(1…", "<path "} {
		if !strings.Contains(dom, want) {
			t.Errorf("DOM lacks %q", want)
		}
	}

	// The screenshot shows the charts: both chart colours are on it.
	dir := t.TempDir()
	shot := filepath.Join(dir, "shot.png")
	_, log = runChromium(t, bin, url, "--screenshot="+shot, "--window-size=1280,1500")
	if errs := consoleErrors(log); len(errs) > 0 {
		t.Errorf("browser reported errors on the screenshot run:\n%s", strings.Join(errs, "\n"))
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v\nchromium log:\n%s", err, log)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 1500 {
		t.Errorf("screenshot is %v, want 1280x1500", b)
	}
	colours := countColours(img)
	if len(colours) < 20 {
		t.Errorf("screenshot has only %d distinct colours: blank page?", len(colours))
	}
	// The online line is drawn in solid colorOnline (#ff780a); the header
	// bar is #181b1f. Allow a little for colour management.
	for name, c := range map[string][3]int{"online line": {0xff, 0x78, 0x0a}, "header": {0x18, 0x1b, 0x1f}, "crit badge": {0xcf, 0x22, 0x2e}} {
		if n := near(colours, c, 6); n < 50 {
			t.Errorf("screenshot has %d pixels of the %s colour %v, want at least 50", n, name, c)
		}
	}
}

func countColours(img image.Image) map[[3]int]int {
	out := map[[3]int]int{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			out[[3]int{int(r >> 8), int(g >> 8), int(bl >> 8)}]++
		}
	}
	return out
}

// near counts the pixels within tol of c in every channel.
func near(colours map[[3]int]int, c [3]int, tol int) int {
	n := 0
	for k, v := range colours {
		if abs(k[0]-c[0]) <= tol && abs(k[1]-c[1]) <= tol && abs(k[2]-c[2]) <= tol {
			n += v
		}
	}
	return n
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// TestBrowserSeesErrors shows that the browser test would notice a broken
// page: an inline script, which the page's Content-Security-Policy blocks,
// and a script error on a page without the policy.
func TestBrowserSeesErrors(t *testing.T) {
	bin := chromium(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/csp" {
			w.Header().Set("Content-Security-Policy", csp)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, `<!DOCTYPE html><html><head><title>t</title></head><body><script>undefinedFn()</script></body></html>`)
	}))
	defer srv.Close()
	for _, path := range []string{"/csp", "/plain"} {
		_, log := runChromium(t, bin, srv.URL+path, "--dump-dom")
		if errs := consoleErrors(log); len(errs) == 0 {
			t.Errorf("%s: no console error detected in:\n%s", path, log)
		}
	}
}

// screenshot renders url at width×height in Chromium and decodes the PNG.
func takeScreenshot(t *testing.T, bin, url string, width, height int) (image.Image, []byte) {
	t.Helper()
	shot := filepath.Join(t.TempDir(), "shot.png")
	_, log := runChromium(t, bin, url, "--screenshot="+shot, fmt.Sprintf("--window-size=%d,%d", width, height))
	if errs := consoleErrors(log); len(errs) > 0 {
		t.Errorf("browser reported errors on the screenshot of %s:\n%s", url, strings.Join(errs, "\n"))
	}
	data, err := os.ReadFile(shot)
	if err != nil {
		t.Fatalf("no screenshot of %s: %v\nchromium log:\n%s", url, err, log)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("screenshot of %s is not a PNG: %v", url, err)
	}
	if b := img.Bounds(); b.Dx() != width || b.Dy() != height {
		t.Fatalf("screenshot is %v, want %dx%d", b, width, height)
	}
	return img, data
}

func rgb(img image.Image, x, y int) [3]int {
	r, g, b, _ := img.At(x, y).RGBA()
	return [3]int{int(r >> 8), int(g >> 8), int(b >> 8)}
}

func close3(a, b [3]int, tol int) bool {
	return abs(a[0]-b[0]) <= tol && abs(a[1]-b[1]) <= tol && abs(a[2]-b[2]) <= tol
}

// The page's colours the screenshot test looks for (page.html.tmpl).
var (
	colourPageBG      = [3]int{0xf4, 0xf5, 0xf7}
	colourBrokenTitle = [3]int{0xff, 0xeb, 0xe9} // the title bar of the list of broken results
	badgeColours      = map[string][3]int{"crit": {0xcf, 0x22, 0x2e}, "error": {0x82, 0x50, 0xdf}, "warn": {0xb7, 0x6e, 0x00}}
)

// contentEnd is one past the last pixel row that is not all page
// background: where the page's content (footer included) ends.
func contentEnd(img image.Image) int {
	b := img.Bounds()
	for y := b.Max.Y - 1; y >= b.Min.Y; y-- {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			if !close3(rgb(img, x, y), colourPageBG, 2) {
				return y + 1
			}
		}
	}
	return 0
}

// TestBrowserThreeAM renders the page of 62 results, 55 ok and 7 broken, in
// headless Chromium and checks what someone woken at 3 a.m. sees: from the
// DOM, that the broken results are listed first, worst first, and that
// every ok row is inside a closed <details>; from screenshots, that the
// whole list of broken results is on the first screen (1280×900), one
// badge per line in the order crit, crit, crit, error, error, warn, warn,
// and that the collapsed page is far shorter than the same page with its
// ok rows expanded.
func TestBrowserThreeAM(t *testing.T) {
	bin := chromium(t)
	srv := httptest.NewServer(fixtureHandler(threeAM()))
	defer srv.Close()

	dom, log := runChromium(t, bin, srv.URL+"/", "--dump-dom")
	if errs := consoleErrors(log); len(errs) > 0 {
		t.Errorf("browser reported errors loading the page:\n%s", strings.Join(errs, "\n"))
	}
	brokenAt, viewAt := strings.Index(dom, `id="broken"`), strings.Index(dom, `<section class="view`)
	if brokenAt < 0 || viewAt < 0 || brokenAt > viewAt {
		t.Fatalf("the list of broken results (at %d) does not come before the first view (at %d)", brokenAt, viewAt)
	}
	lines := regexp.MustCompile(`(?s)<tr class="problem (\w+)">.*?<a href="#([^"]+)">.*?</a> · (\w+)`).FindAllStringSubmatch(dom, -1)
	var got []string
	for _, m := range lines {
		got = append(got, m[1]+" "+m[2]+" "+m[3])
	}
	// Hand-sorted: crit, error, warn; then view, then check in contract
	// order (freshness before coverage).
	want := []string{
		"crit view-shop.view_c freshness", "crit view-shop.view_c coverage", "crit view-shop.view_f skew",
		"error view-shop.view_f consistency", "error view-shop.view_h freshness",
		"warn view-shop.view_c null_rate", "warn view-shop.view_f skew",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("broken list:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, w := range want {
		id := strings.Fields(w)[1]
		if !strings.Contains(dom, `id="`+id+`"`) {
			t.Errorf("anchor #%s has no element", id)
		}
	}
	if !strings.Contains(dom, "crit since 06:55 (3h 10m)") {
		t.Error(`DOM lacks "crit since 06:55 (3h 10m)"`)
	}
	// Every ok row sits in a closed <details>; the rows that are not ok
	// sit outside any.
	details := regexp.MustCompile(`(?s)<details class="oks"([^>]*)>.*?</details>`)
	okRows := 0
	for _, m := range details.FindAllStringSubmatch(dom, -1) {
		if strings.Contains(m[1], "open") {
			t.Errorf("an ok group is open: <details%s>", m[1])
		}
		okRows += strings.Count(m[0], `<tr class="ok">`)
		if n := strings.Count(m[0], `<tr class="crit">`) + strings.Count(m[0], `<tr class="warn">`) + strings.Count(m[0], `<tr class="error">`); n > 0 {
			t.Errorf("%d rows that are not ok are collapsed", n)
		}
	}
	if okRows != 55 || strings.Count(dom, `<tr class="ok">`) != 55 {
		t.Errorf("%d ok rows collapsed, %d in all; want 55 and 55", okRows, strings.Count(dom, `<tr class="ok">`))
	}
	outside := details.ReplaceAllString(dom, "")
	if n := strings.Count(outside, `<tr class="crit">`) + strings.Count(outside, `<tr class="warn">`) + strings.Count(outside, `<tr class="error">`); n != 7 {
		t.Errorf("%d rows that are not ok shown in the views, want 7", n)
	}
	if n := strings.Count(dom, "ks: p-value is conservative"); n != 0 {
		t.Errorf("the tied-values warning is repeated on %d rows", n)
	}
	// Every skew result has tied values; they matter only for view_f's
	// country (warn: D 0.12 reaches 0.1, p 0.5 is not significant).
	if n := strings.Count(dom, "Tied values in"); n != 1 || !strings.Contains(dom, "Tied values in country:") {
		t.Errorf("the tied-values note appears %d times, want once, for view_f's country", n)
	}

	// The first screen.
	img, png := takeScreenshot(t, bin, srv.URL+"/", 1280, 900)
	top := -1
	for y := 0; y < 900 && top < 0; y++ {
		n := 0
		for x := 0; x < 1280; x++ {
			if close3(rgb(img, x, y), colourBrokenTitle, 3) {
				n++
			}
		}
		if n > 600 {
			top = y
		}
	}
	if top < 0 || top > 250 {
		t.Fatalf("title bar of the broken list at y=%d, want within the first 250 pixels", top)
	}
	end := -1
	for y := top + 20; y < 900; y++ {
		if close3(rgb(img, 640, y), colourPageBG, 2) {
			end = y
			break
		}
	}
	if end < 0 {
		t.Fatalf("the broken list (from y=%d) does not end on the first screen", top)
	}
	var bands []string
	prev := ""
	for y := top; y < end; y++ {
		cur := ""
		for x := 20; x < 140 && cur == ""; x++ {
			for name, c := range badgeColours {
				if close3(rgb(img, x, y), c, 8) {
					cur = name
				}
			}
		}
		if cur != "" && cur != prev {
			bands = append(bands, cur)
		}
		prev = cur
	}
	if got, want := strings.Join(bands, ","), "crit,crit,crit,error,error,warn,warn"; got != want {
		t.Errorf("badges in the broken list on the first screen (y %d–%d): %s, want %s", top, end, got, want)
	}
	if *screenshot != "" {
		if err := os.WriteFile(*screenshot, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// The whole page, collapsed, against the same page with the ok rows
	// expanded (?status=ok opens them): 55 rows of at least 30 pixels.
	collapsed, _ := takeScreenshot(t, bin, srv.URL+"/", 1280, 6000)
	expanded, _ := takeScreenshot(t, bin, srv.URL+"/?status=ok", 1280, 6000)
	hc, he := contentEnd(collapsed), contentEnd(expanded)
	if hc == 0 || hc > 3000 || he-hc < 55*30 {
		t.Errorf("page height %d px collapsed, %d px with the ok rows expanded; want the collapsed page under 3000 px and at least %d px shorter", hc, he, 55*30)
	}
}
