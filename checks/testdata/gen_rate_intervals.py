#!/usr/bin/python3
"""Write checks/testdata/rate_intervals.json: the 95% Wilson intervals that
the null_rate, coverage and consistency results of checks' tests must carry,
computed by statsmodels (independent of fsmon's stats.Wilson).

    /usr/bin/python3 checks/testdata/gen_rate_intervals.py

Each case is (check, k, n): k of n sampled rows counted (null, covered,
equal), with statsmodels.stats.proportion.proportion_confint(k, n,
alpha=0.05, method="wilson"), clipped to [0, 1].
"""
import json
import os

import statsmodels
from statsmodels.stats.proportion import proportion_confint

cases = []
for check, k, n in [
    ("null_rate", 0, 3), ("null_rate", 3, 3), ("null_rate", 2, 20), ("null_rate", 1, 4),
    ("null_rate", 0, 100), ("null_rate", 21, 1000), ("null_rate", 37, 10000),
    ("coverage", 4, 5), ("coverage", 100, 100), ("coverage", 9512, 10000),
    ("consistency", 3, 4), ("consistency", 0, 7), ("consistency", 9999, 10000),
]:
    lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
    cases.append({"check": check, "k": k, "n": n, "lower": max(0.0, float(lo)), "upper": min(1.0, float(hi))})

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rate_intervals.json")
with open(out, "w") as f:
    json.dump({"statsmodels": statsmodels.__version__, "cases": cases}, f, indent=1)
    f.write("\n")
print(out, len(cases))
