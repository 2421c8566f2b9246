#!/usr/bin/python3
"""Write app/testdata/drift14.json.gz: a feature view whose offline store drifted
gradually for 14 days, and the skew statistics SciPy computes for it.

Run with Debian's SciPy 1.10 / NumPy / statsmodels (/usr/bin/python3):

    /usr/bin/python3 app/testdata/gen_drift14.py

The offline store holds 28 days of rows (200 per day) of a numeric feature
conv_rate and a categorical feature city. Days 0-13 are stable; from day 14
on, conv_rate's mean moves by 0.03 a day and city's mix moves a little every
day. The online store serves the newest distribution (day 27).

* The pinned reference is days 0-6 (what the model was trained on). Against
  it the online sample has drifted far: skew is crit.
* The rolling 7-day window (days 21-27) drifted along with the online
  store: online vs the window is a small difference and fsmon stays silent.

Every expected statistic is computed here by SciPy/NumPy/statsmodels, never by
the Go code under test, following CONTRACT section 5.
"""
import gzip
import json
import os

import numpy as np
import scipy
from scipy import stats
from scipy.spatial.distance import jensenshannon
from statsmodels.stats.multitest import multipletests

T = "2026-11-28T00:00:00Z"
DAYS, PER_DAY, ONLINE = 28, 200, 800
CITIES = ["amsterdam", "berlin", "lisbon", "paris"]
BASE = np.array([0.4, 0.3, 0.2, 0.1])
LATE = np.array([0.25, 0.3, 0.25, 0.2])
rng = np.random.default_rng(20261128)


def shift(d):
    return 0.03 * max(0, d - 13)


def mix(d):
    t = max(0, d - 13) / 14
    return BASE + t * (LATE - BASE)


rows = []  # day, hours before the day's end, driver_id, conv_rate, city
for d in range(DAYS):
    conv = rng.normal(0.5 + shift(d), 1.0, PER_DAY)
    city = rng.choice(len(CITIES), PER_DAY, p=mix(d))
    for i in range(PER_DAY):
        rows.append({"day": d, "hours": 1 + (i % 22), "driver_id": 1 + (d * PER_DAY + i) % 1000,
                     "conv_rate": float(conv[i]), "city": CITIES[city[i]]})
on_conv = rng.normal(0.5 + shift(DAYS - 1), 1.0, ONLINE)
on_city = rng.choice(len(CITIES), ONLINE, p=mix(DAYS - 1))
online = [{"driver_id": i + 1, "conv_rate": float(on_conv[i]), "city": CITIES[on_city[i]]} for i in range(ONLINE)]


def numeric(on, ref):
    on, ref = np.asarray(on), np.asarray(ref)
    ks = stats.ks_2samp(on, ref, method="auto")
    edges = np.quantile(ref, [k / 10 for k in range(1, 10)])
    p_on = np.bincount(np.searchsorted(edges, on, side="right"), minlength=10) / len(on)
    p_ref = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=10) / len(ref)
    a, b = np.where(p_on == 0, 1e-4, p_on), np.where(p_ref == 0, 1e-4, p_ref)
    psi = float(np.sum((a - b) * np.log(a / b)))
    w = stats.wasserstein_distance(on, ref)
    return {"ks": float(ks.statistic), "ks_p": float(ks.pvalue), "psi": psi,
            "js": float(jensenshannon(p_on, p_ref, base=2)), "wasserstein": float(w),
            "wasserstein_normalized": float(w / max(np.std(ref), 0.001)), "n_ref": len(ref)}


def categorical(on, ref):
    cats = sorted(set(on) | set(ref))
    a = np.array([on.count(c) for c in cats], dtype=float)
    b = np.array([ref.count(c) for c in cats], dtype=float)
    chi2, p, dof, _ = stats.chi2_contingency(np.array([a, b]), correction=False)
    pa, pb = a / a.sum(), b / b.sum()
    fa, fb = np.where(pa == 0, 1e-4, pa), np.where(pb == 0, 1e-4, pb)
    psi = float(np.sum((fa - fb) * np.log(fa / fb)))
    return {"chi2": float(chi2), "chi2_p": float(p), "dof": int(dof), "psi": psi,
            "js": float(jensenshannon(pa, pb, base=2)), "linf": float(np.max(np.abs(pa - pb))), "n_ref": int(b.sum())}


def compare(ref_rows):
    num = numeric([r["conv_rate"] for r in online], [r["conv_rate"] for r in ref_rows])
    cat = categorical([r["city"] for r in online], [r["city"] for r in ref_rows])
    adj = multipletests([num["ks_p"], cat["chi2_p"]], method="fdr_bh")[1]
    num["ks_p_adjusted"], cat["chi2_p_adjusted"] = float(adj[0]), float(adj[1])
    for r, effect, p in ((num, num["ks"], adj[0]), (cat, cat["linf"], adj[1])):
        status = "ok"
        if r["psi"] >= 0.1:
            status = "warn"
        if (p < 0.01 and effect >= 0.1) or r["psi"] >= 0.25:
            status = "crit"
        r["status"] = status
    return {"conv_rate": num, "city": cat}


reference = compare([r for r in rows if r["day"] <= 6])
rolling = compare([r for r in rows if r["day"] >= 21])
# The scenario this test data exists for.
assert reference["conv_rate"]["status"] == "crit" and reference["city"]["status"] == "crit", reference
assert rolling["conv_rate"]["status"] == "ok" and rolling["city"]["status"] == "ok", rolling

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "drift14.json.gz")
with gzip.open(out, "wt") as f:
    json.dump({"scipy": scipy.__version__, "now": T, "rows": rows, "online": online,
               "reference_days": [0, 6], "window_days": [21, 27],
               "expected": {"reference": reference, "rolling": rolling}}, f)
    f.write("\n")
print(out, json.dumps({"reference": reference, "rolling": rolling}, indent=1))
