# charts.sh - examples/charts.quire (every chart type of the standard and
# kpi providers, every theme) in every page format, checked from outside:
# pdftotext finds the titles and axis labels, the svg pages parse as XML
# and hold the charts' legends, the png pages decode at the page size with
# colour in the chart areas, the html has one figure per chart with its
# marks and data table and passes the browser checks of
# tests/browser/chart_html.mjs (JavaScript off and on).
source tests/lib.sh

use_plugins "csv, pdf, cairo, html, chart_standard, chart_kpi"
R=examples/charts.quire

run "$QUIRE" plugins list
expect_out_match "^standard +chart " "quire plugins list shows the standard provider, kind chart"
expect_out_match "^kpi +chart " "quire plugins list shows the kpi provider, kind chart"

run "$QUIRE" check "$R"
expect_rc 0 "examples/charts.quire checks"

for fmt in pdf svg png html; do
    run "$QUIRE" render "$R" -f "$fmt" -o "$TMP/charts.$fmt"
    expect_rc 0 "examples/charts.quire renders to $fmt"
done

# ---- pdf -------------------------------------------------------------------
pdftotext -layout "$TMP/charts.pdf" "$TMP/charts.txt"
for t in "Quarterly revenue by category" "Stacked area by category" "Share by region" \
    "Share by category" "Discount and quantity" "Revenue by region (vertical)" \
    "Grouped by category" "Stacked by category" "100% stacked by category" \
    "Top 5 categories and the rest" "Revenue, last month" "Jan 2022" "EastAsiaPacific" \
    "Other" "Avg quantity"; do
    expect_true "pdf: pdftotext finds \"$t\"" grep -qF "$t" "$TMP/charts.txt"
done
expect_true "pdf: 2 pages" sh -c "pdfinfo '$TMP/charts.pdf' | grep -qE '^Pages: +2$'"
# Percent labels of the region pie: its slices' shares (from the CSV)
python3 - examples/data/sales.csv >"$TMP/shares" <<'PY'
import csv, sys
from collections import defaultdict
s = defaultdict(float)
for r in csv.DictReader(open(sys.argv[1])): s[r["region"]] += float(r["amount"])
t = sum(s.values())
for k, v in sorted(s.items()): print(f"{100 * v / t:.1f}%")
PY
while read -r share; do
    expect_true "pdf: the region pie labels a slice $share (computed from the CSV)" \
        grep -qF "$share" "$TMP/charts.txt"
done <"$TMP/shares"

# ---- svg: one file per page, XML with the legends' texts -------------------
for n in 1 2; do
    expect_true "svg page $n parses as XML" python3 -c \
        "import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])" "$TMP/charts-page-$n.svg"
done

# ---- png: page size, and the charts are not blank --------------------------
python3 - "$TMP/charts-page-1.png" >"$TMP/png.out" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n"
w, h, depth, ctype = struct.unpack(">IIBB", data[16:26])
idat, pos = b"", 8
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    if kind == b"IDAT": idat += data[pos + 8:pos + 8 + n]
    pos += 12 + n
raw = zlib.decompress(idat)
bpp = {2: 3, 6: 4}[ctype]
stride = w * bpp
rows, prev = [], bytearray(stride)
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        p = a + b - c
        pr = a if abs(p - a) <= abs(p - b) and abs(p - a) <= abs(p - c) else (b if abs(p - b) <= abs(p - c) else c)
        line[i] = (line[i] + [0, a, b, (a + b) // 2, pr][f]) & 255
    rows.append(line); prev = line
# Colourful pixels (not grey) in the band of the line chart (y 12%..30%).
colour = 0
for y in range(int(h * 0.12), int(h * 0.30)):
    r = rows[y]
    for x in range(0, w):
        p = r[x * bpp:x * bpp + 3]
        if max(p) - min(p) > 60: colour += 1
print(w, h, "colour" if colour > 500 else f"grey {colour}")
PY
expect_true "png page 1: A4 at 96 dpi (794 x 1123) with colour in the line chart's area" \
    grep -qx "794 1123 colour" "$TMP/png.out"

# ---- html: figures, marks, data tables, then the browser -------------------
H="$TMP/charts.html"
nfig=$(grep -o '<figure class="q-chart"' "$H" | wc -l)
expect_true "html: one figure per chart (16, found $nfig)" test "$nfig" -eq 16
expect_true "html: every figure has a data table" \
    test "$(grep -o '<details class="q-chart-data"' "$H" | wc -l)" -eq 16
expect_true "html: the region pie has a legend entry per region (8, toggling by category)" \
    test "$(grep -o '<g class="q-legend" data-c=' "$H" | wc -l)" -ge 8
expect_true "html: the script is there once" test "$(grep -c 'q-tip' "$H")" -ge 1
expect_true "html: no external asset" sh -c "! grep -qE '(src|href)=\"https?:' '$H'"
run bash tests/integration/html_chart.sh "$H"
expect_rc 0 "the browser checks pass on examples/charts.quire's html (JavaScript off and on)"
