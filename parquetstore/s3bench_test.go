package parquetstore

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/fsmon/fsmon/internal/blob"
	"github.com/fsmon/fsmon/internal/s3test"
	"github.com/fsmon/fsmon/sample"
)

// BenchmarkS3Offline measures the speed targets on a real S3 server
// (SeaweedFS): FSMON_BENCH_ROWS rows (default 10M) in 10 objects; cold and
// warm footer (freshness and null counts), the 100k-row window sample
// against the same sample from local disk, request counts and bytes
// fetched. The sample is then timed in FSMON_BENCH_ROUNDS rounds (default
// 9), S3 and local interleaved and both warm, with the processor time of
// this process and of the server (which shares the machine's cores), and
// their medians and the load average. The files are compressed with
// FSMON_BENCH_CODEC (snappy by default, as pyarrow and Spark write them;
// none or zstd), and the S3 store keeps its fetch buffers across samples
// as fsmon does (FSMON_BENCH_KEEP=0: new ones each sample).
// FSMON_BENCH_CPUPROFILE=PREFIX writes
// CPU profiles of three S3 and three local samples to PREFIX.s3 and
// PREFIX.local. bench/s3_offline.sh runs it.
func BenchmarkS3Offline(b *testing.B) {
	rows := 10_000_000
	if v, err := strconv.Atoi(os.Getenv("FSMON_BENCH_ROWS")); err == nil && v > 0 {
		rows = v
	}
	srv := s3test.Start(b)
	root := b.TempDir()
	per := rows / 10
	for f := range 10 {
		writeParquet(b, filepath.Join(root, fmt.Sprintf("v/part-%d.parquet", f)), rowsRange(f*per, (f+1)*per, 100000), parquet.MaxRowsPerRowGroup(128*1024), benchCodec(b))
	}
	srv.Bucket(b, "bench")
	srv.PutDir(b, "bench", "offline", root)
	ct := &countingTransport{}
	o := srv.Options()
	// Counted through fsmon's own transport.
	o.WrapTransport = func(rt http.RoundTripper) http.RoundTripper { ct.base = rt; return ct }
	bk, err := blob.NewS3(context.Background(), "bench", o)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	w := sample.Window{From: t0, To: t0.Add(time.Duration(rows) * time.Minute)}
	b.ResetTimer()
	for range b.N {
		// As fsmon serve and check run it: fetch buffers kept across
		// samples (FSMON_BENCH_KEEP=0: new ones for each sample).
		keep := NewBuffers(DefaultBufferBytes)
		if os.Getenv("FSMON_BENCH_KEEP") == "0" {
			keep = nil
		}
		remote := newStore(b, "offline", "v", func(v *View) { v.Bucket, v.Buffers = bk, keep })
		ct.reset()
		start := time.Now()
		if _, _, err := remote.NullCounts(ctx); err != nil {
			b.Fatal(err)
		}
		cold := time.Since(start)
		coldReq := ct.reset()
		start = time.Now()
		if _, _, err := remote.NullCounts(ctx); err != nil {
			b.Fatal(err)
		}
		warm := time.Since(start)
		warmReq := ct.reset()
		start = time.Now()
		if _, err := remote.Footer(ctx); err != nil {
			b.Fatal(err)
		}
		warmF := time.Since(start)
		warmFReq := ct.reset()
		start = time.Now()
		if _, err := newStore(b, "offline", "v", func(v *View) { v.Bucket = bk }).Footer(ctx); err != nil {
			b.Fatal(err)
		}
		coldF := time.Since(start)
		coldFReq := ct.reset()
		b.Logf("freshness (footer) cold %v (%v), warm %v (%v)", coldF, coldFReq, warmF, warmFReq)
		start = time.Now()
		s, err := remote.Sample(ctx, w, 100_000)
		if err != nil || s.Len() != 100_000 {
			b.Fatalf("sample: %v %v", s.Len(), err)
		}
		rs := time.Since(start)
		ct.mu.Lock()
		fetched := ct.bytes
		ct.mu.Unlock()
		sampleReq := ct.reset()
		local := newStore(b, root, "v")
		start = time.Now()
		if _, err := local.Sample(ctx, w, 100_000); err != nil {
			b.Fatal(err)
		}
		ls := time.Since(start)
		need := neededBytes(b, root)
		b.Logf("rows %d: null counts cold %v (%v), warm %v (%v); sample 100k S3 %v (%v, %d bytes), local %v; ratio %.2f; bytes fetched / needed chunk bytes %.2f",
			rows, cold, coldReq, warm, warmReq, rs, sampleReq, fetched, ls, float64(rs)/float64(ls), float64(fetched)/float64(need))
		// The machine is shared: more rounds, S3 and local interleaved
		// (which goes first alternates), each ratio from timings taken side
		// by side, both warm: the server has served these bytes before and
		// the local files are in the page cache. The processor time of this
		// process and of the server is reported with each.
		rounds := 9
		if v, err := strconv.Atoi(os.Getenv("FSMON_BENCH_ROUNDS")); err == nil && v > 0 {
			rounds = v
		}
		var ratios []float64
		var s3Wall, localWall, s3CPU, serverCPU, localCPU []time.Duration
		for round := range rounds {
			var r, l, weedCPU time.Duration
			var rUse, lUse usage
			var req map[string]int
			s3 := func() {
				ct.reset()
				u0, w0 := processUsage(), srv.CPUTime()
				start := time.Now()
				if _, err := remote.Sample(ctx, w, 100_000); err != nil {
					b.Fatal(err)
				}
				r, rUse, weedCPU = time.Since(start), processUsage().sub(u0), srv.CPUTime()-w0
				req = ct.reset()
			}
			loc := func() {
				u0 := processUsage()
				start := time.Now()
				if _, err := local.Sample(ctx, w, 100_000); err != nil {
					b.Fatal(err)
				}
				l, lUse = time.Since(start), processUsage().sub(u0)
			}
			if round%2 == 0 {
				s3()
				loc()
			} else {
				loc()
				s3()
			}
			ratios = append(ratios, float64(r)/float64(l))
			s3Wall, localWall = append(s3Wall, r), append(localWall, l)
			s3CPU, serverCPU, localCPU = append(s3CPU, rUse.cpu), append(serverCPU, weedCPU), append(localCPU, lUse.cpu)
			b.Logf("round %d: sample 100k S3 %v (%v; cpu: fsmon %v, server %v), local %v (cpu %v), ratio %.2f",
				round+1, r.Round(time.Millisecond), req, rUse, weedCPU.Round(time.Millisecond),
				l.Round(time.Millisecond), lUse, float64(r)/float64(l))
		}
		slices.Sort(ratios)
		b.Logf("medians over %d warm interleaved rounds: ratio S3/local %.2f; S3 %v (cpu: fsmon %v, server %v), local %v (cpu %v); load average %s",
			len(ratios), ratios[len(ratios)/2], median(s3Wall), median(s3CPU), median(serverCPU), median(localWall), median(localCPU), loadAvg())
		if p := os.Getenv("FSMON_BENCH_CPUPROFILE"); p != "" {
			profile(b, p+".s3", func() {
				for range 3 {
					if _, err := remote.Sample(ctx, w, 100_000); err != nil {
						b.Fatal(err)
					}
				}
			})
			profile(b, p+".local", func() {
				for range 3 {
					if _, err := local.Sample(ctx, w, 100_000); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		ct.reset()
		// 20 ms added to every request by the fault proxy in front of the
		// server, a fresh store so that footers are read again too.
		proxy := s3test.NewProxy(b, srv)
		proxy.SetLatency(20 * time.Millisecond)
		sb, err := blob.NewS3(ctx, "bench", proxy.Options())
		if err != nil {
			b.Fatal(err)
		}
		slowStore := newStore(b, "offline", "v", func(v *View) { v.Bucket = sb })
		start = time.Now()
		if _, err := slowStore.Sample(ctx, w, 100_000); err != nil {
			b.Fatal(err)
		}
		b.Logf("sample 100k with 20 ms per request, cold footers: %v (%d requests)", time.Since(start), proxy.Stats().Requests)
		b.ReportMetric(float64(cold.Microseconds())/1000, "cold-ms")
		b.ReportMetric(float64(warm.Microseconds())/1000, "warm-ms")
		b.ReportMetric(float64(rs.Microseconds())/1000, "s3-sample-ms")
		b.ReportMetric(float64(ls.Microseconds())/1000, "local-sample-ms")
	}
}

// benchCodec is the compression of the benchmark's files: FSMON_BENCH_CODEC
// (none, snappy, zstd), default snappy, as pyarrow and Spark write Feast's
// offline data.
func benchCodec(b *testing.B) parquet.WriterOption {
	switch c := os.Getenv("FSMON_BENCH_CODEC"); c {
	case "", "snappy":
		return parquet.Compression(&parquet.Snappy)
	case "zstd":
		return parquet.Compression(&parquet.Zstd)
	case "none":
		return parquet.Compression(&parquet.Uncompressed)
	default:
		b.Fatalf("FSMON_BENCH_CODEC=%q: want none, snappy or zstd", c)
		return nil
	}
}

// neededBytes is the compressed size of the column chunks a whole-window
// sample of every row group reads (timestamp, entity and the features).
func neededBytes(b *testing.B, root string) int64 {
	var n int64
	files, _ := filepath.Glob(filepath.Join(root, "v", "*.parquet"))
	for _, p := range files {
		f, err := os.Open(p)
		if err != nil {
			b.Fatal(err)
		}
		st, _ := f.Stat()
		pf, err := parquet.OpenFile(f, st.Size())
		if err != nil {
			b.Fatal(err)
		}
		for _, rg := range pf.Metadata().RowGroups {
			for _, c := range rg.Columns {
				n += c.MetaData.TotalCompressedSize
			}
		}
		f.Close()
	}
	return n
}

// usage is what this process has used so far: processor time, the part
// of it in the kernel, and minor page faults (the kernel faulting in
// memory the process touches for the first time, or again after the Go
// runtime gave it back).
type usage struct {
	cpu, sys time.Duration
	faults   int64
}

func processUsage() usage {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return usage{}
	}
	return usage{cpu: time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), sys: time.Duration(ru.Stime.Nano()), faults: ru.Minflt}
}

func (u usage) sub(v usage) usage {
	return usage{cpu: u.cpu - v.cpu, sys: u.sys - v.sys, faults: u.faults - v.faults}
}

func (u usage) String() string {
	return fmt.Sprintf("%v (system %v, %d page faults)", u.cpu.Round(time.Millisecond), u.sys.Round(time.Millisecond), u.faults)
}

// loadAvg is the first three fields of /proc/loadavg.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// profile writes a CPU profile of fn to path.
func profile(b *testing.B, path string, fn func()) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	fn()
	pprof.StopCPUProfile()
	b.Logf("CPU profile: %s", path)
}

// median is the middle of ds, rounded to the millisecond.
func median(ds []time.Duration) time.Duration {
	ds = slices.Clone(ds)
	slices.Sort(ds)
	return ds[len(ds)/2].Round(time.Millisecond)
}
