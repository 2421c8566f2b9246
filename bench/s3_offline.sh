#!/usr/bin/env bash
# Speed of the offline store on S3 (issue 9): a real SeaweedFS server, 10M
# rows in 10 objects by default (FSMON_BENCH_ROWS to change); prints cold and
# warm footer (null counts), the 100k-row window sample on S3 and on local
# disk, request counts and bytes fetched against the chunk bytes needed,
# the cold and warm freshness footer, then FSMON_BENCH_ROUNDS (default 9)
# rounds of the sample on S3 and on local disk interleaved, both warm, with
# the processor time of fsmon and of the server and their medians and the
# load average (the server shares the cores), and the sample with 20 ms
# added to every request by the fault proxy (internal/s3test).
# FSMON_BENCH_CODEC: the files' compression, snappy (default, what pyarrow
# and Spark write), none or zstd. FSMON_BENCH_KEEP=0: the S3 store gets new
# fetch buffers for every sample instead of keeping them (fsmon keeps them).
# FSMON_WEED_ARGS: more flags for weed, e.g. -cpuprofile=/tmp/weed.prof
# (the server is then stopped with an interrupt, so that it writes it).
# FSMON_BENCH_CPUPROFILE=PREFIX also writes CPU profiles of the S3 and the
# local sample (go tool pprof PREFIX.s3).
# Needs weed: FSMON_WEED, `weed` on PATH, or .ci/weed.sh's cached binary.
set -euo pipefail
cd "$(dirname "$0")/../parquetstore"
FSMON_BENCH_ROWS="${FSMON_BENCH_ROWS:-10000000}" \
  go test -v -run '^$' -bench BenchmarkS3Offline -benchtime 1x -timeout 30m .
