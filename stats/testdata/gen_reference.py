#!/usr/bin/python3
"""Generate stats/testdata/reference.json.gz: reference values for package stats.

Run with Debian's SciPy 1.10 and statsmodels (/usr/bin/python3):

    /usr/bin/python3 stats/testdata/gen_reference.py

Every expected value is computed by SciPy, NumPy or statsmodels, never by the Go
code under test. Large samples are not stored: they are described by a "gen"
object and regenerated bit-identically in Go by the same counter-based
generator (SplitMix64 + sums of uniforms, only exact IEEE operations, so both
languages produce the same float64 values). See gen() below and gen_test.go.
"""
import gzip
import json
import math
import os
import sys
import warnings

import numpy as np
import scipy
import scipy.stats as st
from scipy.spatial.distance import jensenshannon
from scipy.stats.contingency import association
from statsmodels.stats.multitest import multipletests

M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def splitmix_uniform(seed, n):
    """u_i = (splitmix64(seed + (i+1)*golden) >> 11) * 2^-53, i = 0..n-1."""
    with np.errstate(over="ignore"):
        i = np.arange(1, n + 1, dtype=np.uint64)
        z = np.uint64(seed) + i * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * (2.0 ** -53)


def approx_normal(seed, n):
    """Irwin-Hall: sum of 12 uniforms minus 6, summed left to right."""
    u = splitmix_uniform(seed, 12 * n).reshape(n, 12)
    s = np.zeros(n)
    for k in range(12):
        s = s + u[:, k]
    return s - 6.0


def gen(spec):
    """Deterministic sample described by spec (mirrored by genSample in Go)."""
    kind, seed, n = spec["kind"], spec["seed"], spec["n"]
    loc, scale = spec.get("loc", 0.0), spec.get("scale", 1.0)
    if kind == "uniform":
        x = splitmix_uniform(seed, n)
    elif kind == "normal":
        x = approx_normal(seed, n)
    elif kind == "cauchy":  # ratio of two approximate normals: heavy tails
        x = approx_normal(seed, n) / approx_normal(seed + 7777, n)
    elif kind == "discrete":  # integers 0..levels-1
        x = np.floor(splitmix_uniform(seed, n) * spec["levels"])
    else:
        raise ValueError(kind)
    return x * scale + loc


def enc(v):
    """JSON-safe float: non-finite values become strings."""
    if isinstance(v, (list, tuple, np.ndarray)):
        return [enc(x) for x in v]
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def data(obj):
    """Inline small samples; describe big ones by their generator spec."""
    if isinstance(obj, dict):
        return gen(obj), {"gen": obj}
    arr = np.asarray(obj, dtype=np.float64)
    return arr, {"values": enc(arr)}


def ks_case(name, xs, ys, method="auto"):
    x, xd = data(xs)
    y, yd = data(ys)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        r = st.ks_2samp(x, y, method=method)
    # Which method SciPy actually used (it only says so by warning).
    n1, n2 = len(x), len(y)
    used = method
    if method == "auto":
        used = "exact" if max(n1, n2) <= 10000 else "asymp"
    if any("Switching to" in str(m.message) for m in w):
        used = "asymp"
    return {"name": name, "x": xd, "y": yd, "method": method,
            "method_used": used, "D": enc(r.statistic), "p": enc(r.pvalue),
            "warned": len(w) > 0}


def main():
    out = {"scipy": scipy.__version__, "numpy": np.__version__}

    # ---------------- KS ----------------
    ks = []
    sizes = [(1, 1), (1, 2), (2, 1), (1, 5), (2, 2), (3, 3), (3, 7), (5, 5),
             (4, 6), (7, 3), (10, 10), (10, 13), (20, 20), (17, 33), (33, 17),
             (50, 50), (49, 50), (50, 1), (25, 40), (45, 30)]
    for k, (n1, n2) in enumerate(sizes):
        x = gen({"kind": "normal", "seed": 100 + k, "n": n1})
        y = gen({"kind": "normal", "seed": 200 + k, "n": n2, "loc": 0.3})
        for m in ("auto", "exact", "asymp"):
            ks.append(ks_case(f"small_{n1}_{n2}_{m}", x.tolist(), y.tolist(), m))
    # ties and discrete data
    for k, (n1, n2, lev) in enumerate([(10, 12, 2), (30, 30, 3), (100, 80, 5),
                                       (500, 500, 4), (1000, 700, 10), (3000, 2000, 3)]):
        x = gen({"kind": "discrete", "seed": 300 + k, "n": n1, "levels": lev})
        y = gen({"kind": "discrete", "seed": 400 + k, "n": n2, "levels": lev})
        for m in ("auto", "asymp"):
            ks.append(ks_case(f"ties_{n1}_{n2}_{lev}_{m}", x.tolist(), y.tolist(), m))
    ks.append(ks_case("all_ties_constant", [1.0] * 7, [1.0] * 9))
    ks.append(ks_case("constant_vs_constant", [1.0] * 7, [2.0] * 9))
    ks.append(ks_case("with_infinities", [-math.inf, 0.0, 1.0, math.inf, 2.0],
                      [math.inf, math.inf, 0.5, -1.0]))
    x = gen({"kind": "normal", "seed": 11, "n": 300})
    for m in ("auto", "asymp"):
        ks.append(ks_case(f"identical_{m}", x.tolist(), x.tolist(), m))
    # shifted normals, unequal sizes, heavy tails (generated in Go too)
    for (n1, n2, loc, kind) in [(1000, 1000, 0.1, "normal"), (1000, 999, 0.1, "normal"),
                                (2000, 1500, 0.05, "normal"), (5000, 3000, 0.0, "normal"),
                                (2000, 2000, 0.2, "cauchy"), (3000, 1000, 0.5, "cauchy"),
                                (500, 500, 100.0, "normal"), (400, 600, 100.0, "normal")]:
        gx = {"kind": kind, "seed": 17, "n": n1}
        gy = {"kind": kind, "seed": 18, "n": n2, "loc": loc}
        for m in ("auto", "asymp"):
            ks.append(ks_case(f"{kind}_{n1}_{n2}_{loc}_{m}", gx, gy, m))
    # near the 10000 switch
    for (n1, n2, loc) in [(10000, 10000, 0.05), (10000, 10000, 0.0), (10001, 9999, 0.05),
                          (9999, 10001, 0.05), (10000, 9000, 0.05), (10000, 9999, 0.03),
                          (10001, 10001, 0.05), (10000, 10000, 0.6)]:
        gx = {"kind": "normal", "seed": 21, "n": n1}
        gy = {"kind": "normal", "seed": 22, "n": n2, "loc": loc}
        for m in ("auto", "asymp"):
            ks.append(ks_case(f"switch_{n1}_{n2}_{loc}_{m}", gx, gy, m))
    # exact requested where SciPy refuses (n1/g >= int32max/(n2/g))
    ks.append(ks_case("exact_refused_50000_50001",
                      {"kind": "normal", "seed": 23, "n": 50000},
                      {"kind": "normal", "seed": 24, "n": 50001, "loc": 0.02}, "exact"))
    # tiny p-values, down to 1e-300 and underflow
    for (n1, n2, loc) in [(20000, 20000, 0.3), (20000, 20000, 0.45), (20000, 20000, 0.5),
                          (30000, 20000, 0.4), (100000, 100000, 0.1)]:
        gx = {"kind": "normal", "seed": 31, "n": n1}
        gy = {"kind": "normal", "seed": 32, "n": n2, "loc": loc}
        ks.append(ks_case(f"tiny_p_{n1}_{n2}_{loc}", gx, gy, "auto"))
    # large samples
    for (n1, n2, loc, kind) in [(100000, 100000, 0.01, "normal"), (100000, 70000, 0.0, "normal"),
                                (1000000, 1000000, 0.003, "normal"),
                                (1000000, 1000000, 0.01, "cauchy")]:
        gx = {"kind": kind, "seed": 41, "n": n1}
        gy = {"kind": kind, "seed": 42, "n": n2, "loc": loc}
        ks.append(ks_case(f"large_{kind}_{n1}_{n2}_{loc}", gx, gy, "auto"))
    out["ks"] = ks

    # kstwo.sf over every branch of _kolmogn, and kstwobign.sf
    kstwo = []
    for n in [1, 2, 3, 5, 10, 50, 100, 140, 141, 500, 1000, 5000, 20000, 100000,
              100001, 250000, 500000, 1000001]:
        xs = set([0.4 / n, 0.75 / n, 1.0 / n, 1.5 / n, 0.3, 0.5, 0.7, 1 - 1.5 / n, 0.999])
        for s in [0.05, 0.2, 0.5, 0.75, 1.0, 2.0, 2.3, 3.9, 5.0, 10.0, 50.0, 200.0, 360.0]:
            xs.add(math.sqrt(s / n))
        for x in sorted(xs):
            if 0 < x < 1:
                kstwo.append({"n": n, "x": x, "sf": enc(st.kstwo.sf(x, n))})
    out["kstwo_sf"] = kstwo
    out["kolmogorov_sf"] = [{"x": x, "sf": enc(st.kstwobign.sf(x))}
                            for x in [0.01, 0.05, 0.2, 0.5, 0.8, 0.82, 0.83, 1.0, 1.5, 2.0,
                                      3.0, 5.0, 10.0, 20.0, 26.0, 27.0]]

    # ---------------- chi-square ----------------
    chi = []

    def chi_case(name, a, b):
        a = np.asarray(a, dtype=np.int64)
        b = np.asarray(b, dtype=np.int64)
        keep = (a + b) > 0
        t = np.vstack([a[keep], b[keep]])
        if t.shape[1] >= 1 and t[0].sum() > 0 and t[1].sum() > 0:
            r = st.chi2_contingency(t, correction=False)
            v = association(t, method="cramer") if t.shape[1] >= 2 else 0.0
            chi.append({"name": name, "a": a.tolist(), "b": b.tolist(),
                        "stat": enc(r[0]), "p": enc(r[1]), "dof": int(r[2]),
                        "cramers_v": enc(v)})

    chi_case("2x2", [10, 20], [30, 15])
    chi_case("2x2_big", [10000, 20000], [10400, 19500])
    chi_case("2x2_yates_would_cap", [5, 5], [5, 6])
    chi_case("2x3_small_expected", [1, 2, 0], [3, 0, 4])
    chi_case("one_category", [7], [9])
    chi_case("zero_column", [3, 0, 5, 9], [4, 0, 6, 2])
    chi_case("only_in_online", [3, 4, 5], [6, 7, 0])
    chi_case("only_in_offline", [0, 4, 5], [6, 7, 8])
    chi_case("identical", [10, 20, 30], [10, 20, 30])
    chi_case("proportional", [10, 20, 30], [20, 40, 60])
    chi_case("tiny_p", [1000, 0, 500], [0, 1000, 500])
    chi_case("tiny_p_1e-300", [800, 200], [200, 800])
    chi_case("huge_stat", [100000, 0], [0, 100000])
    u = splitmix_uniform(51, 2000)
    a = np.floor(u[:1000] * 50).astype(np.int64) + 1
    b = np.floor(u[1000:] * 50).astype(np.int64) + 1
    chi_case("2x1000", a.tolist(), b.tolist())
    b2 = b.copy()
    b2[:100] += 40
    chi_case("2x1000_shifted", a.tolist(), b2.tolist())
    a3 = a.copy()
    a3[::7] = 0
    chi_case("2x1000_zeros", a3.tolist(), b.tolist())
    out["chi2_contingency"] = chi

    gof = []
    for name, o, e in [("uniform", [10, 12, 8, 10], None),
                       ("given", [10, 12, 8, 10], [9.5, 10.5, 10, 10]),
                       ("tiny_p", [1000, 10, 10], [340, 340, 340]),
                       ("one_cell", [5], [5]),
                       ("e_zero_o_zero_dropped", [10, 0, 20], [15, 0, 15])]:
        o = np.asarray(o, float)
        if e is None:
            r = st.chisquare(o)
            ee = np.full(len(o), o.mean())
        else:
            ee = np.asarray(e, float)
            keep = ~((o == 0) & (ee == 0))
            r = st.chisquare(o[keep], ee[keep])
        gof.append({"name": name, "observed": enc(o), "expected": enc(ee) if e is not None else None,
                    "stat": enc(r[0]), "p": enc(r[1]), "dof": int(((o > 0) | (ee > 0)).sum() - 1)})
    out["chisquare"] = gof
    out["chi2_sf"] = [{"x": x, "k": k, "sf": enc(st.chi2.sf(x, k))}
                      for k in [1, 2, 3, 9, 10, 99, 999]
                      for x in [0.0, 1e-3, 0.5, 1.0, 3.84, 10.0, 100.0, 1000.0, 1400.0]]

    # ---------------- quantile / PSI / JS / Wasserstein ----------------
    qs = []
    for name, d in [("one", [3.0]), ("two", [1.0, 2.0]), ("ten", list(range(10))),
                    ("dup", [1, 1, 1, 2, 2, 3, 7, 7, 7, 7, 9]),
                    ("normal_101", gen({"kind": "normal", "seed": 61, "n": 101}).tolist()),
                    ("neg", [-5.5, -1.25, 0.0, 3.0, 1e10])]:
        arr = np.sort(np.asarray(d, float))
        for q in [0.0, 0.1, 0.25, 0.3, 0.5, 0.7, 0.9, 0.95, 1.0]:
            qs.append({"name": name, "data": enc(arr), "q": q,
                       "value": enc(np.quantile(arr, q))})
    out["quantile"] = qs

    def psi_ref(ref, cur):
        edges = np.quantile(ref, [k / 10 for k in range(1, 10)])
        def props(v):
            idx = np.searchsorted(edges, v, side="right")
            return np.bincount(idx, minlength=10) / len(v)
        pr, pc = props(ref), props(cur)
        fr = np.where(pr == 0, 1e-4, pr)
        fc = np.where(pc == 0, 1e-4, pc)
        return edges, pr, pc, float(np.sum((fc - fr) * np.log(fc / fr)))

    psi = []
    for name, r, c in [
            ("normal_shift", {"kind": "normal", "seed": 71, "n": 1000},
             {"kind": "normal", "seed": 72, "n": 800, "loc": 0.3}),
            ("same", {"kind": "normal", "seed": 73, "n": 500}, {"kind": "normal", "seed": 73, "n": 500}),
            ("discrete_dup_edges", {"kind": "discrete", "seed": 74, "n": 1000, "levels": 3},
             {"kind": "discrete", "seed": 75, "n": 1000, "levels": 4}),
            ("cur_outside", {"kind": "uniform", "seed": 76, "n": 200},
             {"kind": "uniform", "seed": 77, "n": 300, "loc": 5.0}),
            ("small", [1.0, 2.0, 3.0], [2.0, 2.5]),
            ("large_1e6", {"kind": "normal", "seed": 78, "n": 1000000},
             {"kind": "normal", "seed": 79, "n": 1000000, "loc": 0.05, "scale": 1.1})]:
        rv, rd = data(r)
        cv, cd = data(c)
        edges, pr, pc, val = psi_ref(rv, cv)
        js2 = jensenshannon(pc, pr, base=2)
        psi.append({"name": name, "ref": rd, "cur": cd, "edges": enc(edges),
                    "ref_props": enc(pr), "cur_props": enc(pc), "psi": val,
                    "js_base2": enc(js2)})
    out["psi"] = psi
    out["psi_proportions"] = []
    for ref, cur in [([0.5, 0.3, 0.2], [0.4, 0.4, 0.2]), ([0.5, 0.5, 0.0], [0.2, 0.3, 0.5]),
                     ([0.25] * 4, [0.25] * 4)]:
        fr = np.where(np.asarray(ref) == 0, 1e-4, ref)
        fc = np.where(np.asarray(cur) == 0, 1e-4, cur)
        out["psi_proportions"].append({"ref": ref, "cur": cur,
                                       "psi": float(np.sum((fc - fr) * np.log(fc / fr)))})

    js = []
    for p, q in [([1, 0, 0], [0, 1, 0]), ([1.0, 0.0], [0.5, 0.5]), ([1, 2, 3], [1, 2, 3]),
                 ([0.1, 0.2, 0.7], [0.2, 0.2, 0.6]), ([10, 0, 5, 5], [0, 10, 5, 5]),
                 ([3, 5, 0, 0, 2], [1, 1, 1, 1, 1]),
                 (splitmix_uniform(81, 1000).tolist(), splitmix_uniform(82, 1000).tolist())]:
        for base in (2.0, math.e):
            js.append({"p": enc(p), "q": enc(q), "base": base,
                       "dist": enc(jensenshannon(p, q, base=base))})
    out["js"] = js

    ws = []
    for name, u, v in [
            ("tiny", [0.0, 1.0, 3.0], [5.0, 6.0, 8.0]),
            ("one_each", [1.0], [4.5]),
            ("ties", [1, 1, 2, 2, 2, 3], [1, 2, 3, 3]),
            ("normal", {"kind": "normal", "seed": 91, "n": 1000}, {"kind": "normal", "seed": 92, "n": 700, "loc": 0.2}),
            ("constant_ref", [1.0, 1.0, 1.0], [1.0, 2.0]),
            ("cauchy", {"kind": "cauchy", "seed": 93, "n": 5000}, {"kind": "cauchy", "seed": 94, "n": 5000}),
            ("large_1e6", {"kind": "normal", "seed": 95, "n": 1000000},
             {"kind": "normal", "seed": 96, "n": 1000000, "loc": 0.01})]:
        uv, ud = data(u)
        vv, vd = data(v)
        w = st.wasserstein_distance(uv, vv)
        ws.append({"name": name, "u": ud, "v": vd, "w": enc(w),
                   "normalized": enc(w / max(np.std(vv), 0.001))})
    out["wasserstein"] = ws

    bh = []
    for p in [[0.01], [0.04, 0.01, 0.03, 0.02], [0.5, 0.5, 0.01, 0.5], [1.0, 0.0, 0.2],
              [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216],
              splitmix_uniform(97, 200).tolist(), [1e-300, 1e-10, 0.9]]:
        bh.append({"p": p, "adj": enc(multipletests(p, method="fdr_bh")[1])})
    out["bh"] = bh

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference.json.gz")
    with gzip.GzipFile(path, "wb", mtime=0) as f:
        f.write(json.dumps(out, separators=(",", ":")).encode())
    print(path, os.path.getsize(path), "bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
