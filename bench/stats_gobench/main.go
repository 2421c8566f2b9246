// Command stats_gobench is the Go half of bench/stats_vs_scipy.sh: it times
// package stats on the inputs stats_vs_scipy.py wrote and prints JSON
// {case: {"seconds": best CPU seconds, "result": [...]}}.
package main

import (
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/fsmon/fsmon/stats"
)

func load(dir, name string) []float64 {
	b, err := os.ReadFile(filepath.Join(dir, name+".f64"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out := make([]float64, len(b)/8)
	for i := range out {
		out[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return out
}

type result struct {
	Seconds float64   `json:"seconds"`
	Result  []float64 `json:"result"`
}

func main() {
	dir := flag.String("dir", "", "directory with the .f64 inputs")
	repeats := flag.Int("repeats", 5, "runs per case; the best is reported")
	cases := flag.String("cases", "", "comma-separated subset of cases")
	flag.Parse()
	d := func(n string) []float64 { return load(*dir, n) }
	x6, y6, z6 := d("x6"), d("y6"), d("z6")
	x5, y5, x4, y4, y4b := d("x5"), d("y5"), d("x4"), d("y4"), d("y4b")
	ta, tb, p6, q6 := d("ta"), d("tb"), d("p6"), d("q6")
	ks := func(a, b []float64, m stats.Method) []float64 {
		r, err := stats.KS2Samp(a, b, m)
		must(err)
		return []float64{r.D, r.PValue}
	}
	type bcase struct {
		name string
		fn   func() []float64
	}
	all := []bcase{
		{"ks_asymp_1e6_shift", func() []float64 { return ks(x6, y6, stats.KSAsymp) }},
		{"ks_asymp_1e6_null", func() []float64 { return ks(x6, z6, stats.KSAsymp) }},
		{"ks_auto_1e5", func() []float64 { return ks(x5, y5, stats.KSAuto) }},
		{"ks_auto_1e4_exact", func() []float64 { return ks(x4, y4, stats.KSAuto) }},
		{"ks_auto_1e4_9e3_exact", func() []float64 { return ks(x4, y4b, stats.KSAuto) }},
		{"chi2_2x1000", func() []float64 {
			r, err := stats.ChiSquareHomogeneity(ta, tb)
			must(err)
			return []float64{r.Statistic, r.PValue}
		}},
		{"psi_1e6", func() []float64 {
			v, err := stats.PSI(x6, y6)
			must(err)
			return []float64{v}
		}},
		{"js_1e6", func() []float64 {
			v, err := stats.JensenShannon(p6, q6, 2)
			must(err)
			return []float64{v}
		}},
		{"wasserstein_1e6", func() []float64 {
			v, err := stats.Wasserstein(x6, y6)
			must(err)
			return []float64{v}
		}},
	}
	out := map[string]result{}
	for _, c := range all {
		if *cases != "" && !strings.Contains(","+*cases+",", ","+c.name+",") {
			continue
		}
		best := math.Inf(1)
		var res []float64
		for range *repeats {
			runtime.GC()
			t := cpuTime()
			res = c.fn()
			best = math.Min(best, (cpuTime() - t).Seconds())
		}
		out[c.name] = result{best, res}
		fmt.Fprintf(os.Stderr, "go %s: %.4fs\n", c.name, best)
	}
	must(json.NewEncoder(os.Stdout).Encode(out))
}

// cpuTime is the CPU time (user + system) the process has used so far. The
// benchmark reports CPU time, not wall time, so that load from other processes
// on a shared machine does not distort the comparison.
func cpuTime() time.Duration {
	var r syscall.Rusage
	must(syscall.Getrusage(syscall.RUSAGE_SELF, &r))
	return time.Duration(r.Utime.Nano() + r.Stime.Nano())
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
