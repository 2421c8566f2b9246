package statuspage

import (
	"bytes"
	"context"
	"flag"
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

var screenshot = flag.String("screenshot", "", "also copy the browser test's screenshot to this file (e.g. ../docs/status-page.png)")

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
	if n := strings.Count(dom, "<svg "); n != 3 {
		t.Errorf("DOM has %d svg elements, want 3", n)
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
	if *screenshot != "" {
		data, err := os.ReadFile(shot)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(*screenshot, data, 0o644); err != nil {
			t.Fatal(err)
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
