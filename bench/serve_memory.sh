#!/usr/bin/env bash
# Peak resident memory of `fsmon serve` with 10 feature views, each sampling
# 1,000,000 entities from a real redis-server (1M hashes of 10 features,
# bench/redis_load.awk) and 1,000,000 rows from a Parquet store (1M rows in
# 4 files, bench/parquet_gen), under the default limits
# (--checks.max-concurrent 2, --memory.limit 1GiB), as issue 13 finding 9
# ("10 views × 1M sample peak at 4.3 GB"). Target: < 1 GB.
#
# The views check 6 features (conv_rate, acc_rate, avg_daily_trips, rating,
# city, active) at full speed (rate_limit: 0: the most data in flight; at
# the default 1000 entities/s one 1M sample takes 17 min). serve runs until
# every view has completed RUNS runs (default 2); VmHWM of /proc/PID/status
# is the peak RSS, VmRSS is sampled every 2 s.
#
# Usage: bench/serve_memory.sh   (needs redis-server, redis-cli, go)
#   ENTITIES=1000000 VIEWS=10 RUNS=2 INTERVAL=5m MAX_CONCURRENT= MEMORY_LIMIT= (flags
#   left at their defaults when empty). Takes 10-20 min on 2 shared cores.
set -euo pipefail

cd "$(dirname "$0")/.."
ENTITIES=${ENTITIES:-1000000}
VIEWS=${VIEWS:-10}
RUNS=${RUNS:-2}
INTERVAL=${INTERVAL:-5m}   # also each run's deadline
PORT=${PORT:-$((20000 + RANDOM % 20000))}
HTTP=${HTTP:-$((40000 + RANDOM % 20000))}
DIR=$(mktemp -d)

cleanup() {
  for p in "${FPID:-}" "${RPID:-}"; do
    if [[ -n "$p" ]]; then kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; fi
  done
  rm -rf "$DIR"
}
trap cleanup EXIT

go build -o "$DIR/fsmon" ./cmd/fsmon
go build -o "$DIR/parquet_gen" ./bench/parquet_gen

redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$DIR" \
  --logfile "$DIR/redis.log" &
RPID=$!
for _ in $(seq 50); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
echo "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
now=$(date +%s)
awk -v n="$ENTITIES" -v pad=0 -v ts0=$((now - 86400)) -f bench/redis_load.awk | redis-cli -p "$PORT" --pipe >/dev/null
echo "redis: $(redis-cli -p "$PORT" dbsize) hashes, used_memory $(redis-cli -p "$PORT" info memory | awk -F: '/^used_memory_human/ {print $2}' | tr -d '\r')"
"$DIR/parquet_gen" -out "$DIR/offline/drivers" -rows "$ENTITIES" -files 4 -rowgroup 262144 \
  -drivers "$ENTITIES" -end "$(date -u -d @"$now" +%Y-%m-%dT%H:%M:%SZ)" >/dev/null
echo "parquet: $(du -sh "$DIR/offline" | cut -f1) in $(ls "$DIR/offline/drivers" | wc -l) files"

{
  cat <<CFG
interval: $INTERVAL
sample_size: $ENTITIES
online:
  redis: {addr: 127.0.0.1:$PORT, rate_limit: 0, timeout: 30s}
offline:
  parquet: {root: $DIR/offline}
feature_views:
CFG
  for v in $(seq "$VIEWS"); do
    cat <<CFG
  - name: drivers_$v
    entities: [driver_id]
    ttl: 48h
    online: {layout: hash, key: "fs:driver:{driver_id}", timestamp_field: event_ts}
    offline: {path: drivers/*.parquet, timestamp_column: event_timestamp, window: 7d}
    features:
      - {name: conv_rate, type: float64}
      - {name: acc_rate, type: float32}
      - {name: avg_daily_trips, type: int32}
      - {name: rating, type: float64}
      - {name: city, type: string}
      - {name: active, type: bool}
CFG
  done
} >"$DIR/fsmon.yaml"

flags=()
[[ -n "${MAX_CONCURRENT:-}" ]] && flags+=(--checks.max-concurrent "$MAX_CONCURRENT")
[[ -n "${MEMORY_LIMIT:-}" ]] && flags+=(--memory.limit "$MEMORY_LIMIT")
start=$(date +%s)
"$DIR/fsmon" serve --config "$DIR/fsmon.yaml" --web.listen-address 127.0.0.1:$HTTP "${flags[@]}" \
  >"$DIR/serve.log" 2>&1 &
FPID=$!
echo "serve pid $FPID, flags: ${flags[*]:-(defaults)}"

runs() {
  { curl -s "http://127.0.0.1:$HTTP/metrics" || true; } | awk '/^fsmon_check_runs_total\{check="freshness"/ {s += $2} END {print s + 0}'
}
maxrss=0
tick=0
while kill -0 "$FPID" 2>/dev/null; do
  rss=$(awk '/^VmRSS/ {print $2}' /proc/$FPID/status)
  if ((rss > maxrss)); then maxrss=$rss; fi
  r=$(runs)
  if ((r >= RUNS * VIEWS)); then break; fi
  if ((tick++ % 15 == 0)); then
    echo "  $(($(date +%s) - start)) s: $r view runs, VmRSS $((rss / 1024)) MiB, VmHWM $(($(awk '/^VmHWM/ {print $2}' /proc/$FPID/status) / 1024)) MiB"
  fi
  sleep 2
done
if ! kill -0 "$FPID" 2>/dev/null; then
  echo "serve exited:"; tail -20 "$DIR/serve.log"; exit 1
fi
hwm=$(awk '/^VmHWM/ {print $2}' /proc/$FPID/status)
end=$(date +%s)
echo "view runs completed: $(runs) in $((end - start)) s"
curl -s "http://127.0.0.1:$HTTP/metrics" | grep -E '^fsmon_feature_view_sample_size\{feature_view="drivers_1"' || true
curl -s "http://127.0.0.1:$HTTP/metrics" | grep -E '^go_memstats_(heap_sys|next_gc)_bytes|^go_gc_gomemlimit' || true
echo "peak RSS (VmHWM): $((hwm / 1024)) MiB; highest VmRSS sampled: $((maxrss / 1024)) MiB"
