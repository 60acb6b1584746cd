#!/usr/bin/env python3
"""bench/peers/compare.py REF_NAME REF_CSV TOOL_NAME TOOL_CSV - the agreement
check of `make bench` (bench/run).

Both files are the common result CSV: the header below, then one row per
(region, category) in ascending byte order. The tool agrees with the
reference when
  * the header is exactly the one below and the rows are in that order,
  * both have the same groups with the same counts and sums of quantity,
  * sum, min and max of amount are equal to the cent (a floating value is
    rounded to cents first, half to even; the reference's is taken as is),
  * avg and stddev differ by at most 1e-9 relative (both empty is equal: the
    sample stddev of one row is null).
Exit status 0 prints "agree MAX_REL_AVG MAX_REL_STDDEV" (the largest
relative differences seen); 1 prints one line per disagreement (at most 20)
naming the tool, the group and both values; 2 is a usage or I/O error.
"""
import sys
from decimal import Decimal, InvalidOperation, ROUND_HALF_EVEN

HEADER = ["region", "category", "count", "sum_amount", "avg_amount", "min_amount",
          "max_amount", "stddev_amount", "sum_quantity"]
EXACT_INT = ("count", "sum_quantity")
CENTS = ("sum_amount", "min_amount", "max_amount")
RELATIVE = ("avg_amount", "stddev_amount")
TOLERANCE = 1e-9
MAX_MESSAGES = 20


class Disagreement(Exception):
    pass


def load(name, path):
    """Rows of a result CSV as {(region, category): {column: text}}."""
    try:
        with open(path, encoding="utf-8", newline="") as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise Disagreement("%s: cannot read %s: %s" % (name, path, e.strerror))
    if not lines or lines[0].split(",") != HEADER:
        got = lines[0] if lines else "(empty output)"
        raise Disagreement("%s: header is '%s', expected '%s'" % (name, got, ",".join(HEADER)))
    rows = {}
    prev = None
    for no, line in enumerate(lines[1:], start=2):
        cells = line.split(",")
        if len(cells) != len(HEADER):
            raise Disagreement("%s: line %d has %d fields, expected %d: %s"
                               % (name, no, len(cells), len(HEADER), line))
        key = (cells[0], cells[1])
        # Byte order, as LC_ALL=C sort and SQL BINARY collation give.
        bkey = (cells[0].encode(), cells[1].encode())
        if prev is not None and bkey <= prev:
            raise Disagreement("%s: line %d: group %s,%s is not after %s,%s (rows must be in "
                               "ascending region, category order)"
                               % (name, no, key[0], key[1], prev[0].decode(), prev[1].decode()))
        prev = bkey
        rows[key] = dict(zip(HEADER, cells))
    return rows


def number(name, key, column, text):
    try:
        return Decimal(text)
    except InvalidOperation:
        raise Disagreement("%s: group %s,%s: %s is '%s', not a number"
                           % (name, key[0], key[1], column, text))


def compare(ref_name, ref, tool_name, tool):
    """Yields a message per disagreement; returns the largest relative errors."""
    worst = {c: 0.0 for c in RELATIVE}
    for key in sorted(set(ref) | set(tool)):
        group = "%s,%s" % key
        if key not in tool:
            yield "%s: group %s is missing (%s has it)" % (tool_name, group, ref_name)
            continue
        if key not in ref:
            yield "%s: group %s is not in %s's result" % (tool_name, group, ref_name)
            continue
        r, t = ref[key], tool[key]
        for col in HEADER[2:]:
            if r[col] == "" or t[col] == "":
                if r[col] != t[col]:
                    yield ("%s disagrees with %s: group %s: %s is '%s' in %s, '%s' in %s"
                           % (tool_name, ref_name, group, col, t[col], tool_name, r[col],
                              ref_name))
                continue
            a = number(tool_name, key, col, t[col])
            b = number(ref_name, key, col, r[col])
            if col in EXACT_INT:
                same = a == b and a == a.to_integral_value()
            elif col in CENTS:
                same = a.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN) == b
            else:
                fa, fb = float(a), float(b)
                scale = max(abs(fa), abs(fb))
                rel = abs(fa - fb) / scale if scale > 0 else 0.0
                worst[col] = max(worst[col], rel)
                same = rel <= TOLERANCE
            if not same:
                yield ("%s disagrees with %s: group %s: %s is %s in %s, %s in %s"
                       % (tool_name, ref_name, group, col, t[col], tool_name, r[col], ref_name))
    return worst


def main(argv):
    if len(argv) != 5:
        sys.stderr.write("usage: compare.py REF_NAME REF_CSV TOOL_NAME TOOL_CSV\n")
        return 2
    ref_name, ref_path, tool_name, tool_path = argv[1:]
    try:
        ref = load(ref_name, ref_path)
        tool = load(tool_name, tool_path)
    except Disagreement as e:
        print(e)
        return 1
    messages = []
    gen = compare(ref_name, ref, tool_name, tool)
    try:
        while True:
            messages.append(next(gen))
    except StopIteration as stop:
        worst = stop.value
    except Disagreement as e:
        messages.append(str(e))
        worst = None
    if messages:
        for m in messages[:MAX_MESSAGES]:
            print(m)
        if len(messages) > MAX_MESSAGES:
            print("%s: %d more disagreements" % (tool_name, len(messages) - MAX_MESSAGES))
        return 1
    print("agree %.3g %.3g" % (worst["avg_amount"], worst["stddev_amount"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
