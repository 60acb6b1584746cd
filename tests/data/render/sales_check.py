#!/usr/bin/env python3
"""Independent computation of bench/reports/sales_agg.quire over a sales CSV,
compared with quire's CSV output: groups and counts exact, sums exact to the
cent (Decimal), avg and stddev within 1e-9 relative.
Usage: sales_check.py DATA.csv QUIRE_OUT.csv  (exit 0 when they agree)."""
import csv, math, sys
from decimal import Decimal

data, got_path = sys.argv[1], sys.argv[2]
groups = {}
with open(data, newline="") as f:
    for row in csv.DictReader(f):
        g = groups.setdefault((row["region"], row["category"]), [])
        g.append((Decimal(row["amount"]), int(row["quantity"])))
want = []
for key in sorted(groups):
    vals = groups[key]
    amounts = [a for a, _ in vals]
    n = len(amounts)
    s = sum(amounts)
    mean = s / n
    var = sum((a - mean) ** 2 for a in amounts) / (n - 1) if n > 1 else None
    want.append((key, n, s, float(s) / n, min(amounts), max(amounts),
                 math.sqrt(var) if var is not None else None, sum(q for _, q in vals)))
with open(got_path, newline="") as f:
    rows = list(csv.reader(f))
header = "region,category,count,sum_amount,avg_amount,min_amount,max_amount,stddev_amount,sum_quantity"
if ",".join(rows[0]) != header:
    sys.exit("header differs: %r" % rows[0])
rows = rows[1:]
if len(rows) != len(want):
    sys.exit("%d groups, want %d" % (len(rows), len(want)))
def close(a, b):
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1e-300)
for r, w in zip(rows, want):
    (key, n, s, avg, mn, mx, sd, q) = w
    ok = (tuple(r[0:2]) == key and int(r[2]) == n and Decimal(r[3]) == s and close(float(r[4]), avg)
          and Decimal(r[5]) == mn and Decimal(r[6]) == mx and int(r[8]) == q
          and ((sd is None and r[7] == "") or (sd is not None and close(float(r[7]), sd))))
    if not ok:
        sys.exit("group %s: got %s, want %s" % (key, r, w))
print("agree: %d groups" % len(rows))
