#!/usr/bin/python3
"""Write app/testdata/feast_types.json: Feast UNIX_TIMESTAMP and BYTES
features as Feast's materialization stores them from a Parquet file, and the
skew statistics SciPy computes for a timestamp feature.

Run with Debian's NumPy / SciPy 1.10 (/usr/bin/python3):

    /usr/bin/python3 app/testdata/gen_feast_types.py

How Feast converts a Parquet column into ValueProto.unix_timestamp_val
(feast-dev/feast, sdk/python/feast/utils.py _convert_arrow_fv_to_proto and
type_map.py python_values_to_proto_values -> _convert_scalar_values_to_proto
-> _python_datetime_to_int_timestamp): the column is read with pyarrow's
to_numpy(zero_copy_only=False), which gives numpy datetime64 values in the
column's unit (UTC instants; the zone of a tz-aware column is dropped) and
NaT for nulls; each value becomes value.astype("datetime64[s]").astype(np.int_).
NumPy's unit cast floors (1969-12-31T23:59:59.5 is -1, not 0), and NaT
becomes -9223372036854775808 (type_map.NULL_TIMESTAMP_INT_VALUE), which
Feast's readers turn back into None. A plain integer column is stored as it
is (int(value)). feast_seconds below applies exactly that NumPy conversion.
BYTES values are stored as they are (bytes_val); a null is an empty Value.

Two parts:

* "consistency": ten entities, one Parquet row each, and per feature the
  offline values (in the column's unit), the values written online (Feast's
  conversion, then the deviations the case names) and how many of the ten
  agree when compared as Feast means them: instants at whole seconds, both
  null equal, bytes byte for byte.
* "skew": a timestamp feature whose online values (as Feast stores them)
  come from a later distribution than the offline window; KS, PSI, JS and
  Wasserstein computed by SciPy/NumPy on seconds since the epoch, following
  docs/contract.md section 5.

Every expected value is computed here, never by the Go code under test.
"""
import json
import os

import numpy as np
import scipy
from scipy import stats
from scipy.spatial.distance import jensenshannon

NULL_TIMESTAMP = int(np.datetime64("NaT").astype(np.int64))
assert NULL_TIMESTAMP == -(2 ** 63)


def feast_seconds(raw, unit):
    """Feast's unix_timestamp_val of each raw value (int in unit, or None)."""
    out = []
    for v in raw:
        d = np.datetime64("NaT") if v is None else np.datetime64(v, unit)
        out.append(int(d.astype("datetime64[s]").astype(np.int64)))
    return out


def us(s):
    """Microseconds since the epoch of an ISO instant (UTC)."""
    return int(np.datetime64(s, "us").astype(np.int64))


def agree_ts(offline_seconds, online):
    n = 0
    for off, on in zip(offline_seconds, online):
        off_null = off == NULL_TIMESTAMP
        on_null = on is None or on == NULL_TIMESTAMP
        if off_null or on_null:
            n += off_null and on_null
        else:
            n += off == on
    return n


def agree_bytes(offline, online):
    return sum(1 for a, b in zip(offline, online) if a == b)


def consistency():
    cases = []

    def ts_case(name, unit, raw, deviate=None, empty=()):
        online = feast_seconds(raw, unit)
        for i, d in (deviate or {}).items():
            online[i] = d(online[i])
        for i in empty:
            online[i] = None  # an empty Value (Feast's null from None)
        off_sec = feast_seconds(raw, unit)
        cases.append({"feature": name, "type": "UNIX_TIMESTAMP", "column": unit_column[unit],
                      "offline": raw, "online": online,
                      "offline_seconds": off_sec, "equal": agree_ts(off_sec, online)})

    unit_column = {"us": "timestamp", "ms": "timestamp_ms", "ns": "timestamp_ns", "s": "int64"}
    base = us("2024-05-01T12:00:00")
    # Sub-second offline values floor to the stored second: all ten agree.
    ts_case("ts_us", "us", [base + k * 86_400_000_000 + f for k, f in
                            enumerate([0, 1, 999_999, 500_000, 123_456, 999_000, 1, 250_000, 750_000, 999_998])])
    # Milliseconds; entities 0 and 1 are served one second later, 2 one
    # second earlier: 7 agree.
    ms = [base // 1000 + k * 3_600_000 + f for k, f in enumerate([999, 0, 1, 500, 999, 1, 2, 998, 0, 750])]
    ts_case("ts_ms", "ms", ms, deviate={0: lambda s: s + 1, 1: lambda s: s + 1, 2: lambda s: s - 1})
    # Nanoseconds before 1970 with fractions (floor differs from truncation)
    # and nulls: Feast's NaT sentinel for entity 8, an empty Value for 9.
    ns = [-500_000_000, -1, -1_000_000_001, -86_400_250_000_000, -999_999_999,
          -3_155_760_000_000_000_000 + 1, -2_000_000_000, -1_500_000_000, None, None]
    ts_case("ts_ns", "ns", ns, empty=(9,))
    # Nulls that disagree: entity 0 is null offline but served online,
    # entity 1 has a value offline but Feast's null online: 8 agree.
    mix = [base + k * 1_000_001 for k in range(10)]
    mix[0] = None
    ts_case("ts_nullmix", "us", mix, deviate={0: lambda s: feast_seconds([base], "us")[0],
                                               1: lambda s: NULL_TIMESTAMP})
    # A plain INT64 column holding seconds is stored as it is.
    ts_case("ts_int", "s", [1_700_000_000 + 37 * k - 500 for k in range(10)])

    def bytes_case(name, offline, online):
        cases.append({"feature": name, "type": "BYTES", "column": "bytes",
                      "offline": [None if b is None else b.hex() for b in offline],
                      "online": [None if b is None else b.hex() for b in online],
                      "equal": agree_bytes(offline, online)})

    blobs = [bytes([k, 0, 255 - k]) * (k + 1) for k in range(8)] + [b"", None]
    bytes_case("blob_eq", blobs, list(blobs))
    served = list(blobs)
    served[0] = bytes([served[0][0] ^ 1]) + served[0][1:]  # one byte different
    served[1] = served[1][:-1]                             # one byte shorter
    served[2] = served[2] + b"\x00"                        # one byte longer
    bytes_case("blob_diff", blobs, served)
    return cases


def skew():
    rng = np.random.default_rng(20261206)
    day = 86_400_000_000
    base = us("2023-01-01T00:00:00")
    # Offline: 300 signup instants spread over a year, with microseconds.
    off_us = (base + rng.uniform(0, 365 * day, 300)).astype(np.int64)
    # Online: 200 instants from a distribution 40 days later and narrower,
    # stored as Feast stores them (whole seconds).
    on_us = (base + 40 * day + rng.uniform(0, 300 * day, 200)).astype(np.int64)
    off_s = np.asarray(feast_seconds([int(v) for v in off_us], "us"), dtype=float)
    on_s = np.asarray(feast_seconds([int(v) for v in on_us], "us"), dtype=float)

    ks = stats.ks_2samp(on_s, off_s, method="auto")
    edges = np.quantile(off_s, [k / 10 for k in range(1, 10)])

    def props(v):
        return np.bincount(np.searchsorted(edges, v, side="right"), minlength=10) / len(v)

    p_on, p_off = props(on_s), props(off_s)
    f_on = np.where(p_on == 0, 1e-4, p_on)
    f_off = np.where(p_off == 0, 1e-4, p_off)
    psi = float(np.sum((f_on - f_off) * np.log(f_on / f_off)))
    js = float(jensenshannon(p_on, p_off, base=2))
    w = float(stats.wasserstein_distance(on_s, off_s))
    return {
        "feature": "signup_ts",
        "offline_us": [int(v) for v in off_us],
        "online_seconds": [int(v) for v in on_s],
        "ks_d": float(ks.statistic), "ks_p": float(ks.pvalue),
        "psi": psi, "js": js, "wasserstein": w,
        "wasserstein_normalized": w / max(float(np.std(off_s)), 1e-3),
    }


def main():
    out = {
        "generator": "app/testdata/gen_feast_types.py",
        "numpy": np.__version__, "scipy": scipy.__version__,
        "null_timestamp": NULL_TIMESTAMP,
        "consistency": consistency(),
        "skew": skew(),
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "feast_types.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
