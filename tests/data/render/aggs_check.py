#!/usr/bin/env python3
"""Independent computation of tests/data/render/aggs.quire over a sales CSV
(Python's Decimal and statistics, nothing shared with quire), compared with
quire's CSV output. Usage: aggs_check.py DATA.csv QUIRE_OUT.csv"""
import csv, math, statistics, sys
from decimal import Decimal

data, got_path = sys.argv[1], sys.argv[2]
groups = {}
for row in csv.DictReader(open(data, newline="")):
    key = (row["region"], row["order_date"][:8] + "01")
    groups.setdefault(key, []).append(row)

def pct(values, p):
    v = sorted(values)
    pos = p * (len(v) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)

want, running, region_total, last_region = [], 0, Decimal(0), None
for key in sorted(groups):
    rows = groups[key]
    if key[0] != last_region:
        region_total, last_region = Decimal(0), key[0]
    amounts = [Decimal(r["amount"]) for r in rows]
    fa = [float(a) for a in amounts]
    qty = [int(r["quantity"]) for r in rows]
    total = sum(amounts)
    region_total += total
    running += sum(qty)
    want.append({
        "region": key[0], "month": key[1], "n": len(rows),
        "n_disc": sum(1 for r in rows if Decimal(r["discount"]) > 0),
        "customers": len({r["customer"] for r in rows}),
        "total": total, "mean": float(total) / len(rows), "low": min(amounts), "high": max(amounts),
        "first_id": int(rows[0]["order_id"]), "last_id": int(rows[-1]["order_id"]),
        "vs": statistics.variance(fa) if len(fa) > 1 else None,
        "vp": statistics.pvariance(fa),
        "sds": statistics.stdev(qty) if len(qty) > 1 else None,
        "sdp": statistics.pstdev(qty),
        "med": pct(fa, 0.5), "p90": pct(fa, 0.9),
        "region_total": region_total, "running": running,
    })

got = list(csv.DictReader(open(got_path, newline="")))
if len(got) != len(want):
    sys.exit("%d groups, want %d" % (len(got), len(want)))
def close(a, b):
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1.0)
for g, w in zip(got, want):
    for k, v in w.items():
        if v is None:
            ok = g[k] == ""
        elif isinstance(v, Decimal):
            ok = Decimal(g[k]) == v
        elif isinstance(v, float):
            ok = close(float(g[k]), v)
        elif isinstance(v, int):
            ok = int(g[k]) == v
        else:
            ok = g[k] == v
        if not ok:
            sys.exit("group %s/%s, %s: got %r, want %r" % (w["region"], w["month"], k, g[k], v))
print("agree: %d groups" % len(got))
