#!/bin/sh
# Times the same drift statistics in Go (package stats) and SciPy on the same
# data on this machine and prints the ratio SciPy time / Go time (> 1: Go is
# faster), plus the largest relative difference between the two results.
# Times are the best CPU time (user + system) of the process over the repeats,
# so that other load on a shared machine does not distort the ratio; SciPy's
# KS on 10^6 shifted values runs once (it takes seconds).
#
# usage: bench/stats_vs_scipy.sh [repeats]      (env CASES=a,b to select cases)
# needs: /usr/bin/python3 with numpy, scipy (Debian python3-scipy), go.
set -eu
cd "$(dirname "$0")/.."
repeats=${1:-5}
py=${PYTHON:-/usr/bin/python3}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT INT TERM
go build -o "$dir/stats_gobench" ./bench/stats_gobench
"$py" bench/stats_vs_scipy.py "$dir" "$repeats" >"$dir/scipy.json"
"$dir/stats_gobench" -dir "$dir" -repeats "$repeats" -cases "${CASES:-}" >"$dir/go.json"
"$py" - "$dir/scipy.json" "$dir/go.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); g = json.load(open(sys.argv[2]))
print(f"{'case':24} {'scipy cpu s':>11} {'go cpu s':>10} {'ratio':>8}  max rel diff of results")
for k in s:
    if k not in g:
        continue
    a, b = s[k], g[k]
    diff = max((abs(x - y) / abs(x) if x else abs(y)) for x, y in zip(a["result"], b["result"]))
    print(f"{k:24} {a['seconds']:11.4f} {b['seconds']:10.4f} {a['seconds']/b['seconds']:8.1f}  {diff:.2g}")
PY
