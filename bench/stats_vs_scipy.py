#!/usr/bin/python3
"""Helper of bench/stats_vs_scipy.sh: writes the benchmark data and times SciPy.

usage: stats_vs_scipy.py DIR REPEATS
Writes DIR/<name>.f64 (little-endian float64) inputs and prints one JSON object
{case: {"seconds": best CPU seconds, "result": [...]}} on stdout.
CPU time (time.process_time), not wall time: the machine is shared.
"""
import json
import os
import sys
import time

import numpy as np
import scipy.stats as st
from scipy.spatial.distance import jensenshannon

d, repeats = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(20261122)


def save(name, a):
    np.asarray(a, dtype="<f8").tofile(os.path.join(d, name + ".f64"))
    return a


x6 = save("x6", rng.normal(size=1_000_000))
y6 = save("y6", rng.normal(size=1_000_000) + 0.003)
z6 = save("z6", rng.normal(size=1_000_000))
x5 = save("x5", rng.normal(size=100_000))
y5 = save("y5", rng.normal(size=100_000) + 0.01)
x4 = save("x4", rng.normal(size=10_000))
y4 = save("y4", rng.normal(size=10_000) + 0.02)
y4b = save("y4b", rng.normal(size=9_000) + 0.02)
ta = save("ta", rng.integers(1, 60, size=1000).astype(float))
tb = save("tb", rng.integers(1, 60, size=1000).astype(float))
p6 = save("p6", rng.random(1_000_000))
q6 = save("q6", rng.random(1_000_000))


def psi(ref, cur):
    edges = np.quantile(ref, [k / 10 for k in range(1, 10)])
    pr = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=10) / len(ref)
    pc = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=10) / len(cur)
    pr = np.where(pr == 0, 1e-4, pr)
    pc = np.where(pc == 0, 1e-4, pc)
    return float(np.sum((pc - pr) * np.log(pc / pr)))


def ks(a, b, m):
    r = st.ks_2samp(a, b, method=m)
    return [float(r.statistic), float(r.pvalue)]


cases = {
    "ks_asymp_1e6_shift": (lambda: ks(x6, y6, "asymp"), 1),
    "ks_asymp_1e6_null": (lambda: ks(x6, z6, "asymp"), repeats),
    "ks_auto_1e5": (lambda: ks(x5, y5, "auto"), repeats),
    "ks_auto_1e4_exact": (lambda: ks(x4, y4, "auto"), repeats),
    "ks_auto_1e4_9e3_exact": (lambda: ks(x4, y4b, "auto"), repeats),
    "chi2_2x1000": (lambda: [float(v) for v in st.chi2_contingency(np.vstack([ta, tb]), correction=False)[:2]], repeats),
    "psi_1e6": (lambda: [psi(x6, y6)], repeats),
    "js_1e6": (lambda: [float(jensenshannon(p6, q6, base=2))], repeats),
    "wasserstein_1e6": (lambda: [float(st.wasserstein_distance(x6, y6))], repeats),
}
only = os.environ.get("CASES")
out = {}
for name, (fn, reps) in cases.items():
    if only and name not in only.split(","):
        continue
    best, res = float("inf"), None
    for _ in range(reps):
        t = time.process_time()
        res = fn()
        best = min(best, time.process_time() - t)
    out[name] = {"seconds": best, "result": res}
    print(f"scipy {name}: {best:.4f}s", file=sys.stderr)
print(json.dumps(out))
