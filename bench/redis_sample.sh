#!/usr/bin/env bash
# Benchmarks of fsmon's Redis sampler (package redisstore) on a local
# redis-server loaded with 1,000,000 hashes of 10 features (about 300 bytes
# each), like perf-notes.md.
#
#   (a) fetch of a 100k-entity sample at full speed vs
#       redis-benchmark -c 1 -P 64 HGETALL (target: >= 50%); SCAN and
#       SCAN+fetch measured separately.
#   (b) p99 of another client's plain HGETALL (redis-benchmark -c 1) without
#       and with fsmon sampling at the default pacing (5000 entities/s,
#       batches of 50, SCAN COUNT 100); target: < 20% rise. An unthrottled
#       run is shown for comparison. Runs are interleaved and medians
#       reported, because shared machines are noisy.
#
# Usage: bench/redis_sample.sh   (needs redis-server, redis-cli,
# redis-benchmark, go). ENTITIES=200000 for a quicker run. Takes about
# 2-4 minutes on a 2-core machine. Figures are noisy on shared machines:
# compare ratios taken in one run.
set -euo pipefail

cd "$(dirname "$0")/.."
ENTITIES=${ENTITIES:-1000000}
LAT_N=${LAT_N:-60000}    # HGETALL calls per latency run (≈ 2-3 s at 26k/s)
ROUNDS=${ROUNDS:-5}
RATES=${RATES:-1000 2000}  # paced sampling rates compared (1000 = the app default)
PORT=${PORT:-$((20000 + RANDOM % 20000))}
DIR=$(mktemp -d)
ADDR=127.0.0.1:$PORT

cleanup() {
  if [[ -n "${RPID:-}" ]]; then kill "$RPID" 2>/dev/null || true; wait "$RPID" 2>/dev/null || true; fi
  rm -rf "$DIR"
}
trap cleanup EXIT

redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$DIR" \
  --logfile "$DIR/redis.log" &
RPID=$!
for _ in $(seq 50); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
echo "redis $(redis-server --version | awk '{print $3}') on $ADDR, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

echo "loading $ENTITIES hashes ..."
t0=$(date +%s.%N)
awk -v n="$ENTITIES" -f bench/redis_load.awk | redis-cli -p "$PORT" --pipe >/dev/null
t1=$(date +%s.%N)
echo "loaded $(redis-cli -p "$PORT" dbsize) keys in $(echo "$t1 - $t0" | bc) s, used_memory $(redis-cli -p "$PORT" info memory | awk -F: '/^used_memory_human/ {print $2}' | tr -d '\r')"

# redis-benchmark --csv: "test","rps","avg","min","p50","p95","p99","max"
rb() { redis-benchmark -p "$PORT" --csv "$@" | tail -1 | tr -d '"'; }

echo
echo "== (a) fetch speed =="
go test -c -o "$DIR/redisstore.test" ./redisstore
export FSMON_BENCH_REDIS=$ADDR FSMON_BENCH_ENTITIES=$ENTITIES
"$DIR/redisstore.test" -test.run '^$' -test.bench 'Scan100k|Sample100k' -test.benchtime 3x | grep -E '^Benchmark'
# The fetch against redis-benchmark, interleaved so both see the same noise.
: >"$DIR/ref.txt"; : >"$DIR/fetch.txt"
for r in $(seq 3); do
  rb -c 1 -P 64 -n 200000 -r "$ENTITIES" HGETALL fs:driver:__rand_int__ | cut -d, -f2 >>"$DIR/ref.txt"
  "$DIR/redisstore.test" -test.run '^$' -test.bench 'Lookup100k' -test.benchtime 1x \
    | awk '/^BenchmarkLookup100k/ {for (i = 1; i < NF; i++) if ($(i+1) == "entities/s") print $i}' >>"$DIR/fetch.txt"
done
ref=$(sort -g "$DIR/ref.txt" | sed -n 2p)
fetch=$(sort -g "$DIR/fetch.txt" | sed -n 2p)
echo "redis-benchmark -c 1 -P 64 HGETALL (random keys), 3 runs: $(paste -sd' ' "$DIR/ref.txt") req/s, median $ref"
echo "fsmon fetch (Lookup of 100k known ids, batches of 500), 3 runs: $(paste -sd' ' "$DIR/fetch.txt") entities/s, median $fetch"
echo "fetch = $(echo "scale=1; 100 * $fetch / $ref" | bc)% of redis-benchmark (target >= 50%)"

echo
echo "== (b) latency of another client's HGETALL (redis-benchmark -c 1, $LAT_N calls per run) =="
echo "   $ROUNDS interleaved rounds of: no sampling, sampling at each of RATES=\"$RATES\" entities/s (batches of 50, SCAN COUNT 100), unthrottled; medians"
lat() { rb -c 1 -n "$LAT_N" -r "$ENTITIES" HGETALL fs:driver:__rand_int__; }
loaded() { # $1 = rate limit (0 = unthrottled)
  FSMON_BENCH_RATE=$1 FSMON_BENCH_SECONDS=60 "$DIR/redisstore.test" -test.run '^$' -test.bench PacedLoad -test.benchtime 1x \
    >>"$DIR/load.txt" 2>&1 &
  local pid=$!
  sleep 0.5
  lat
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
}
: >"$DIR/none.csv"; : >"$DIR/full.csv"
for rate in $RATES; do : >"$DIR/paced$rate.csv"; done
for r in $(seq "$ROUNDS"); do
  lat >>"$DIR/none.csv"
  for rate in $RATES; do loaded "$rate" >>"$DIR/paced$rate.csv"; done
  loaded 0 >>"$DIR/full.csv"
done
# median of column $2 of file $1
med() { cut -d, -f"$2" "$1" | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
show() { printf "%-22s %7.0f req/s  p50 %.3f ms  p95 %.3f ms  p99 %.3f ms   (p99 of each run: %s)\n" "$1" "$(med "$2" 2)" "$(med "$2" 5)" "$(med "$2" 6)" "$(med "$2" 7)" "$(cut -d, -f7 "$2" | paste -sd' ')"; }
show "no sampling" "$DIR/none.csv"
for rate in $RATES; do show "sampling at $rate/s" "$DIR/paced$rate.csv"; done
show "sampling unthrottled" "$DIR/full.csv"
# min of column $2 of file $1: the quietest run, least disturbed by other load
mn() { cut -d, -f"$2" "$1" | sort -g | head -1; }
rise() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%+.0f%%", 100 * (b - a) / a}'; }
for m in $(for rate in $RATES; do echo "paced$rate"; done) full; do
  echo "p99 rise ($m): median $(rise "$(med "$DIR/none.csv" 7)" "$(med "$DIR/$m.csv" 7)"), quietest run $(rise "$(mn "$DIR/none.csv" 7)" "$(mn "$DIR/$m.csv" 7)")"
done
