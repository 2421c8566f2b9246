#!/usr/bin/env bash
# Peak RSS of `fsmon check` on each of the crafted Parquet files of issue 13
# finding 2 (the files of parquetstore's TestCraftedFiles, written by it):
#   footer_length  PAR1 + 5000 random bytes + a footer length of 0xfffffff0 + PAR1
#   list_bomb      a 17-byte footer whose row-group list claims 2^31-1 entries
#   page_243mb     a valid file whose first page header claims 243,000,000 bytes
#   page_values    a valid file whose first trips page claims 2^31-1 values
#   rows_2e40      a valid file whose row group claims 2^40 rows
# and, for comparison, the valid file they derive from. Each runs alone in a
# view's path, under the default limits (max_read_bytes 128MiB,
# --memory.limit 1GiB), with a real redis-server as the online store.
# Target: < 200 MB each. Peak RSS is /usr/bin/time -v's "Maximum resident
# set size".
#
# Usage: bench/crafted_parquet_rss.sh   (needs go, redis-server, /usr/bin/time)
set -euo pipefail

cd "$(dirname "$0")/.."
PORT=${PORT:-$((20000 + RANDOM % 20000))}
DIR=$(mktemp -d)
cleanup() {
  if [[ -n "${RPID:-}" ]]; then kill "$RPID" 2>/dev/null || true; wait "$RPID" 2>/dev/null || true; fi
  rm -rf "$DIR"
}
trap cleanup EXIT

go build -o "$DIR/fsmon" ./cmd/fsmon
mkdir -p "$DIR/files"
FSMON_CRAFTED_OUT="$DIR/files" go test ./parquetstore -run '^TestCraftedFiles$' -count=1 >/dev/null
redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$DIR" --logfile "$DIR/redis.log" &
RPID=$!
for _ in $(seq 50); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
for i in $(seq 0 19); do
  redis-cli -p "$PORT" hset "d:$i" ts "$(date +%s)" conv_rate 0.5 acc_rate 1 trips 3 city Paris active true >/dev/null
done
echo "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-24s %8s %9s %5s  %s\n' file bytes "peak RSS" exit "what the report says of it"
for f in good footer_length list_bomb page_243mb page_values rows_2e40; do
  mkdir -p "$DIR/store/$f"
  cp "$DIR/files/$f.parquet" "$DIR/store/$f/"
  cat >"$DIR/$f.yaml" <<CFG
online: {redis: {addr: 127.0.0.1:$PORT, rate_limit: 0}}
offline: {parquet: {root: $DIR/store}}
feature_views:
  - name: $f
    entities: [driver_id]
    online: {layout: hash, key: "d:{driver_id}", timestamp_field: ts}
    offline: {path: $f/*.parquet, timestamp_column: event_timestamp, window: 365d}
    features:
      - {name: conv_rate, type: float64}
      - {name: acc_rate, type: float32}
      - {name: trips, type: int32}
      - {name: city, type: string}
      - {name: active, type: bool}
CFG
  set +e
  /usr/bin/time -v -o "$DIR/$f.time" "$DIR/fsmon" check --config "$DIR/$f.yaml" --format json --output "$DIR/$f.json" 2>"$DIR/$f.err"
  code=$?
  set -e
  rss=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$DIR/$f.time")
  what=$(grep -o "[^\"]*$f\.parquet[^\"]*" "$DIR/$f.json" | head -1 | sed "s|$DIR/store/||g" | cut -c1-110 || true)
  printf '%-24s %8d %6d MB %5d  %s\n' "$f.parquet" "$(stat -c %s "$DIR/files/$f.parquet")" $((rss / 1024)) "$code" "${what:--}"
done
