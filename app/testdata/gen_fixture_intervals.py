#!/usr/bin/python3
"""Write app/testdata/fixture_intervals.json: the 95% Wilson intervals of the
rates of app_test.go's fixture (200 drivers offline, 180 online, conv_rate
null for 10 in each store), from statsmodels, for TestIntervalsInAPIAndPage.

    /usr/bin/python3 app/testdata/gen_fixture_intervals.py
"""
import json
import os

import statsmodels
from statsmodels.stats.proportion import proportion_confint

cases = []
for check, feature, store, k, n in [
    ("null_rate", "conv_rate", "online", 10, 180),
    ("null_rate", "conv_rate", "offline", 10, 200),
    ("null_rate", "city", "online", 0, 180),
    ("coverage", "", "", 180, 200),
    ("consistency", "conv_rate", "", 180, 180),
]:
    lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
    cases.append({"check": check, "feature": feature, "store": store, "k": k, "n": n,
                  "lower": max(0.0, float(lo)), "upper": min(1.0, float(hi))})

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixture_intervals.json")
with open(out, "w") as f:
    json.dump({"statsmodels": statsmodels.__version__, "cases": cases}, f, indent=1)
    f.write("\n")
print(out, len(cases))
