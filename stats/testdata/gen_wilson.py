#!/usr/bin/python3
"""Write stats/testdata/wilson.json: Wilson 95% intervals from statsmodels.

Run with Debian's statsmodels (/usr/bin/python3):

    /usr/bin/python3 stats/testdata/gen_wilson.py

Each case is (successes, n) with the interval of
statsmodels.stats.proportion.proportion_confint(successes, n, alpha=0.05,
method="wilson"), clipped to [0, 1] as fsmon reports it.
"""
import json
import os

import statsmodels
from statsmodels.stats.proportion import proportion_confint

cases = []
for n in [1, 2, 3, 5, 10, 30, 100, 1000, 10000, 123457, 10**7]:
    for k in sorted({0, 1, n // 3, n // 2, n - 1, n}):
        if k < 0 or k > n:
            continue
        lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
        cases.append({"successes": k, "n": n, "lo": max(0.0, float(lo)), "hi": min(1.0, float(hi))})

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "wilson.json")
with open(out, "w") as f:
    json.dump({"statsmodels": statsmodels.__version__, "cases": cases}, f, indent=1)
    f.write("\n")
print(out, len(cases))
