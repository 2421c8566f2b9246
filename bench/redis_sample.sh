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
#       run is shown for comparison.
#
# Usage: bench/redis_sample.sh   (needs redis-server, redis-cli,
# redis-benchmark, go). ENTITIES=200000 for a quicker run. Takes about
# 2-4 minutes on a 2-core machine. Figures are noisy on shared machines:
# compare ratios taken in one run.
set -euo pipefail

cd "$(dirname "$0")/.."
ENTITIES=${ENTITIES:-1000000}
LAT_N=${LAT_N:-200000}   # HGETALL calls per latency run (≈ 8 s at 26k/s)
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
ref=$(rb -c 1 -P 64 -n 200000 -r "$ENTITIES" HGETALL fs:driver:__rand_int__ | cut -d, -f2)
echo "redis-benchmark -c 1 -P 64 HGETALL (random keys): $ref req/s"
go test -c -o "$DIR/redisstore.test" ./redisstore
export FSMON_BENCH_REDIS=$ADDR FSMON_BENCH_ENTITIES=$ENTITIES
"$DIR/redisstore.test" -test.run '^$' -test.bench 'Lookup100k|Scan100k|Sample100k' -test.benchtime 3x \
  | tee "$DIR/a.txt" | grep -E '^Benchmark'
fetch=$(awk '/^BenchmarkLookup100k/ {for (i = 1; i < NF; i++) if ($(i+1) == "entities/s") print $i}' "$DIR/a.txt")
echo "fetch (Lookup of 100k known ids, batches of 500): $fetch entities/s = $(echo "scale=1; 100 * $fetch / $ref" | bc)% of redis-benchmark (target >= 50%)"

echo
echo "== (b) p99 of another client's HGETALL (redis-benchmark -c 1, $LAT_N calls) =="
lat() { rb -c 1 -n "$LAT_N" -r "$ENTITIES" HGETALL fs:driver:__rand_int__; }
show() { awk -F, -v name="$1" '{printf "%-28s %8.0f req/s  p50 %.3f ms  p95 %.3f ms  p99 %.3f ms  max %.3f ms\n", name, $2, $5, $6, $7, $8}' <<<"$2"; }
base=$(lat)
show "no sampling" "$base"
for rate in 5000 0; do
  FSMON_BENCH_RATE=$rate FSMON_BENCH_SECONDS=30 "$DIR/redisstore.test" -test.run '^$' -test.bench PacedLoad -test.benchtime 1x \
    >"$DIR/load.txt" 2>&1 &
  LPID=$!
  sleep 1
  with=$(lat)
  kill "$LPID" 2>/dev/null || true; wait "$LPID" 2>/dev/null || true
  label="sampling at $rate/s"; [[ $rate == 0 ]] && label="sampling unthrottled"
  show "$label" "$with"
  echo "  p99 rise: $(awk -F, -v a="$(cut -d, -f7 <<<"$base")" '{printf "%+.0f%%", 100 * ($7 - a) / a}' <<<"$with")"
done
base2=$(lat)
show "no sampling (again)" "$base2"
