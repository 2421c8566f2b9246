#!/usr/bin/env bash
# parquet_vs_duckdb.sh: parquetstore against DuckDB on the same Parquet store.
#
# Generates (once) a store with bench/parquet_gen: ROWS rows (default
# 10,000,000) in FILES files (default 10), 11 columns; installs
# @duckdb/node-api with npm in a temp dir; then, for ROUNDS rounds, times
# parquetstore (bench/parquet_bench) and DuckDB (bench/duckdb/parquet_sample.mjs)
# back to back on: footer (newest event time), null counts from the footer,
# and a uniform sample of N rows (default 100,000) with 1, 3 and 11 columns
# (DuckDB: SELECT ... FROM read_parquet('DIR/*.parquet') USING SAMPLE N ROWS).
# Prints, per operation, the medians over rounds of each tool's median wall
# and CPU time and the ratios fsmon/DuckDB (target: sample ratio <= 0.6).
#
# Environment: STORE (reuse/keep the store there), ROWS, FILES, N, REPS (runs
# per round, default 3), ROUNDS (default 3), THREADS (DuckDB threads and
# parquetstore workers; default: both use every core), DUCKDB_VERSION.
#
# The machine is shared and noisy: compare ratios from one run, not figures
# from different runs. CPU time is the steadier of the two measures.
set -euo pipefail

cd "$(dirname "$0")/.."
ROWS=${ROWS:-10000000}
FILES=${FILES:-10}
N=${N:-100000}
REPS=${REPS:-3}
ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-}
DUCKDB_VERSION=${DUCKDB_VERSION:-1.5.6-r.1}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/parquet_vs_duckdb.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
STORE=${STORE:-$WORK/store}

if [ ! -f "$STORE/.complete-$ROWS-$FILES" ]; then
	echo "== generating $ROWS rows in $FILES files into $STORE"
	rm -rf "$STORE"
	go run ./bench/parquet_gen -out "$STORE" -rows "$ROWS" -files "$FILES"
	touch "$STORE/.complete-$ROWS-$FILES"
fi
du -sh "$STORE"

echo "== building parquet_bench, installing @duckdb/node-api@$DUCKDB_VERSION"
go build -o "$WORK/parquet_bench" ./bench/parquet_bench
mkdir -p "$WORK/node"
cp bench/duckdb/parquet_sample.mjs "$WORK/node/"
(cd "$WORK/node" && npm init -y >/dev/null 2>&1 &&
	npm install --no-audit --no-fund --silent "@duckdb/node-api@$DUCKDB_VERSION" >/dev/null)

workers=0
[ -n "$THREADS" ] && workers=$THREADS
for r in $(seq "$ROUNDS"); do
	echo "== round $r"
	"$WORK/parquet_bench" -dir "$STORE" -n "$N" -reps "$REPS" -workers "$workers" | tee "$WORK/fsmon.$r"
	node "$WORK/node/parquet_sample.mjs" "$STORE" "$N" "$REPS" $THREADS | tee "$WORK/duckdb.$r"
done

echo
echo "== medians over $ROUNDS rounds (ms); ratio = fsmon / DuckDB"
awk '
	FNR == 1 { tool = (FILENAME ~ /fsmon/) ? "fsmon" : "duckdb" }
	/^[a-z_0-9]+ [0-9.]+ [0-9.]+/ {
		k = tool SUBSEP $1
		n[k]++; wall[k, n[k]] = $2; cpu[k, n[k]] = $3; ops[$1] = 1
	}
	function med(a, k, c,   i, j, t, v) {
		for (i = 1; i <= c; i++) v[i] = a[k, i]
		for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
		return (c % 2) ? v[(c + 1) / 2] : (v[c / 2] + v[c / 2 + 1]) / 2
	}
	END {
		printf "%-14s %10s %10s %8s %10s %10s %8s\n", "operation", "fsmon wall", "duck wall", "ratio", "fsmon cpu", "duck cpu", "ratio"
		split("footer null_counts sample_1col sample_3col sample_11col", order, " ")
		for (o = 1; o <= 5; o++) {
			op = order[o]; f = "fsmon" SUBSEP op; d = "duckdb" SUBSEP op
			if (!(f in n) || !(d in n)) continue
			fw = med(wall, f, n[f]); dw = med(wall, d, n[d]); fc = med(cpu, f, n[f]); dc = med(cpu, d, n[d])
			printf "%-14s %10.1f %10.1f %8.2f %10.1f %10.1f %8.2f\n", op, fw, dw, (dw > 0 ? fw / dw : 0), fc, dc, (dc > 0 ? fc / dc : 0)
		}
	}' "$WORK"/fsmon.* "$WORK"/duckdb.*
