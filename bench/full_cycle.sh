#!/usr/bin/env bash
# One full check cycle of fsmon (issue 3's target): a local redis-server
# holding 1,000,000 entity hashes of 10 fields (bench/redis_load.awk), a
# 1,000,000-row, 10-file Parquet store, one view with 10 features, a
# 100,000 sample in both stores, all five checks, pacing off.
# Target: under 5 s, peak RSS under 500 MB.
# Usage: bench/full_cycle.sh   (ENTITIES=200000 ROWS=200000 for a quick run)
set -euo pipefail
cd "$(dirname "$0")/.."
ENTITIES=${ENTITIES:-1000000}
ROWS=${ROWS:-1000000}
PORT=${PORT:-$((20000 + RANDOM % 20000))}
DIR=$(mktemp -d)
cleanup() {
  if [[ -n "${RPID:-}" ]]; then kill "$RPID" 2>/dev/null || true; wait "$RPID" 2>/dev/null || true; fi
  rm -rf "$DIR"
}
trap cleanup EXIT
redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$DIR" --logfile "$DIR/redis.log" &
RPID=$!
for _ in $(seq 50); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
echo "loading $ENTITIES hashes into redis on port $PORT ..."
awk -v n="$ENTITIES" -f bench/redis_load.awk | redis-cli -p "$PORT" --pipe >/dev/null
go build -o "$DIR/cycle" ./bench/cycle
mkdir -p "$DIR/parquet"
"$DIR/cycle" -redis "127.0.0.1:$PORT" -entities "$ENTITIES" -rows "$ROWS" -dir "$DIR/parquet"
