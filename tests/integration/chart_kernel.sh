# chart_kernel.sh - what the kernel does for a chart element, seen through
# two test plugins: tests/plugins/probe_chart.c (a provider that draws a
# box per value, or one fault on request) and tests/plugins/trace_renderer.c
# (writes every element, a chart's dataset included).
#   - datasets equal an independent computation from the CSV (python): a
#     report dataset in the title (delayed) and in the summary (now), a
#     group dataset in each group footer, stream and hash runs alike;
#   - a delayed chart reaches a LATE renderer as a slot holding the whole
#     chart, and a waiting renderer in place, bracketed by its clip;
#   - provider choice, check() refusals and misplaced datasets are errors
#     at the element; whatever a provider draws wrong is refused by name.
source tests/lib.sh

PLUG="$TMP/plugins"
mkdir -p "$PLUG"
case "$QUIRE_BUILD" in /*) B=$QUIRE_BUILD ;; *) B=$PWD/$QUIRE_BUILD ;; esac
ln -s "$B/plugins/csv.so" "$PLUG/csv.so"
ln -s "$B/tests/plugins/trace_renderer.so" "$PLUG/trace_renderer.so"
ln -s "$B/tests/plugins/probe_chart.so" "$PLUG/probe_chart.so"
printf '[kernel]\nplugin_dir = %s\nplugins = csv, trace_renderer, probe_chart\ndefault_chart_provider = probe\n' \
    "$PLUG" >"$TMP/quire.conf"
export QUIRE_CONF="$TMP/quire.conf"

cat >"$TMP/s.csv" <<'CSV'
order_id,region,category,amount,order_date
1,North,Tools,1200.50,2024-01-15
2,South,Toys,80.25,2024-01-20
3,North,Toys,19.99,2024-02-03
4,East,Tools,2500.00,2024-03-11
5,South,Tools,310.10,2024-03-30
6,North,Tools,1000.00,2024-05-02
7,East,Garden,45.00,2024-05-09
8,South,Garden,1234.56,2024-05-28
CSV

# expected.py MODE: the datasets worked out from the CSV by hand rules:
#   regions  "D REGION<TAB>SUM" sorted by sum, descending, #,##0.00
#   groups   per region in key order, "D CATEGORY<TAB>COUNT" in key order
cat >"$TMP/expected.py" <<'PY'
import csv, sys
from collections import defaultdict
rows = list(csv.DictReader(open(sys.argv[2])))
def money(v): return f"{v:,.2f}"
if sys.argv[1] == "regions":
    sums = defaultdict(float)
    for r in rows: sums[r["region"]] += float(r["amount"])
    for k, v in sorted(sums.items(), key=lambda kv: -kv[1]): print(f"D {k}\t{money(v)}")
else:
    for region in sorted({r["region"] for r in rows}):
        counts = defaultdict(int)
        for r in rows:
            if r["region"] == region: counts[r["category"]] += 1
        for k in sorted(counts): print(f"D {k}\t{counts[k]:,}")
PY
python3 "$TMP/expected.py" regions "$TMP/s.csv" >"$TMP/regions.expected"
python3 "$TMP/expected.py" groups "$TMP/s.csv" >"$TMP/groups.expected"

cat >"$TMP/c.quire" <<'Q'
report { title = "charts" }
source s { plugin = csv; path = "s.csv" }
dataset regions { category = region; values = [sum(amount)]; labels = ["Revenue"]; sort = desc(value) }
dataset cats { category = category; values = [count()]; reset = group(region) }
group region { by = region }
band title {
    height = 120
    chart top { box = [0, 0, 400, 110]; dataset = regions; type = boxes; number_format = "#,##0.0" }
}
band detail {
    height = 12
    field { box = [0, 0, 100, 12]; value = order_id }
}
band group_footer region {
    height = 300
    chart per_region { box = [0, 0, 400, 58]; dataset = cats; type = boxes }
}
band summary {
    height = 120
    chart bottom { box = [0, 0, 400, 110]; dataset = regions; type = boxes }
}
Q

# chart_lines TRACE WHICH: the D lines of the charts whose label is WHICH.
chart_lines() {
    awk -v want="$2" '/^C /{on = index($0, want) > 0; next} /^\/C/{on = 0} on && /^D /' "$1"
}

for fmt in trace trace_wait; do
    run "$QUIRE" render "$TMP/c.quire" -f "$fmt" -o "$TMP/c.$fmt"
    expect_rc 0 "$fmt: a report with charts in the title, group footers and summary renders"
    chart_lines "$TMP/c.$fmt" "boxes chart of regions" >"$TMP/regions.got"
    expect_true "$fmt: title and summary charts both hold the region sums, sorted by value" \
        cmp -s "$TMP/regions.got" <(cat "$TMP/regions.expected" "$TMP/regions.expected")
    chart_lines "$TMP/c.$fmt" "boxes chart of cats" >"$TMP/groups.got"
    expect_true "$fmt: each group footer's chart holds that region's category counts" \
        cmp -s "$TMP/groups.got" "$TMP/groups.expected"
    expect_true "$fmt: the provider formats with the host's format_number in the locale" \
        grep -qxF "T 0.00 0.00 8.00 0 2,545.0" <(sed 's/^T [0-9.]* [0-9.]* /T 0.00 0.00 /' "$TMP/c.$fmt")
    expect_true "$fmt: every CHART has its CHART_END and every MARK its MARK_END" \
        awk '/^C /{c++} /^\/C/{c--; if (c) bad=1} /^M /{if (m) bad=1; m=1} /^\/M/{m=0} END {exit bad || c || m}' "$TMP/c.$fmt"
done
python3 - "$TMP/c.trace" >"$TMP/slots.out" <<'PY'
import sys
slots, cur = [], None
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.rstrip("\n")
    if line.startswith("slot "): cur = []; slots.append(cur); continue
    if line.startswith("page "): cur = None; continue
    if cur is not None: cur.append(line)
ok = [s for s in slots if s and s[0].startswith("E 7 ") and s[1].startswith("C boxes probe")
      and s[-2] == "/C" and s[-1].startswith("E 8 ")]
print(len(slots), len(ok))
PY
expect_true "trace: one slot, for the title's chart: CLIP_PUSH, CHART ... CHART_END, CLIP_POP" \
    grep -qx "1 1" "$TMP/slots.out"

# The same datasets without details: the hash run aggregates them per
# partition and merges.
sed -e '/^band detail {/,/^}/d' -e '/^band group_footer/,/^}/d' -e '/reset = group/d' \
    "$TMP/c.quire" >"$TMP/h.quire"
run "$QUIRE" render "$TMP/h.quire" -f trace_wait -o "$TMP/h.trace" --workers 2
expect_rc 0 "a report without details (hash run) renders its charts"
chart_lines "$TMP/h.trace" "boxes chart of regions" >"$TMP/h.got"
expect_true "hash run: the same region sums as the streamed run" \
    cmp -s "$TMP/h.got" <(cat "$TMP/regions.expected" "$TMP/regions.expected")

# ---- errors at the element -------------------------------------------------
bad() { # bad NAME SUMMARY_BODY: a report whose summary holds SUMMARY_BODY
    cat >"$TMP/$1.quire" <<Q
report { title = "bad" }
source s { plugin = csv; path = "s.csv" }
dataset regions { category = region; values = [sum(amount)] }
dataset paged { category = region; values = [count()]; reset = page }
dataset grouped { category = region; values = [count()]; reset = group(region) }
group region { by = region }
band summary {
    height = 100
$2
}
Q
    run "$QUIRE" render "$TMP/$1.quire" -f trace -o "$TMP/$1.out"
}
bad type '    chart { box = [0, 0, 100, 100]; dataset = regions; type = bars }'
expect_rc 5 "an unknown chart type is an input error"
expect_err_has "type.quire:9:5: error: unknown chart type 'bars'; the loaded providers draw: boxes (probe), faulty (probe)" \
    "an unknown chart type names the types every provider draws"
bad provider '    chart { box = [0, 0, 100, 100]; dataset = regions; type = boxes; provider = fancy }'
expect_err_has "provider.quire:9:5: error: chart: no chart-provider plugin 'fancy' is loaded" \
    "an unknown provider is named"
bad option '    chart { box = [0, 0, 100, 100]; dataset = regions; type = boxes; colour = "red" }'
expect_rc 5 "an option the provider refuses fails before any row is read"
expect_err_has "option.quire:9:70: error: unknown chart option 'colour' for a boxes chart" \
    "check() names the option's line and column"
bad expr '    chart { box = [0, 0, 100, 100]; dataset = regions; type = boxes; title = upper("x") }'
expect_err_has "expr.quire:9:70: error: chart option 'title' must be a constant, a parameter or a list of them" \
    "an option that is not a constant is refused"
bad paged '    chart { box = [0, 0, 100, 100]; dataset = paged; type = boxes }'
expect_err_has "chart 'boxes': dataset 'paged' resets with every page (reset = page), so its chart belongs in a page header or footer, not in the summary band" \
    "a page dataset outside page furniture is refused"
bad grouped '    chart g { box = [0, 0, 100, 100]; dataset = grouped; type = boxes }'
expect_err_has "chart 'g': dataset 'grouped' resets with group 'region', which is not open where the summary band prints" \
    "a group dataset in the summary is refused"

for fault in font utf8 path nested unclosed pop image chart nan ignore; do
    bad "f_$fault" "    chart f { box = [0, 0, 100, 100]; dataset = regions; type = faulty; fault = $fault }"
    expect_rc 1 "fault $fault: the render fails"
    expect_err_has "f_$fault.quire:9:5: chart 'f' (faulty, provider probe): provider 'probe' " \
        "fault $fault: the error names the chart's place and the provider"
done
bad f_fail '    chart f { box = [0, 0, 100, 100]; dataset = regions; type = faulty; fault = fail }'
expect_err_has "f_fail.quire:9:5: chart 'f' (faulty, provider probe): the probe failed on purpose" \
    "a provider's own error is passed on with the chart's place"

# ---- a page dataset, drawn in each page's footer ------------------------
cat >"$TMP/p.quire" <<'Q'
report { title = "paged" }
source s { plugin = csv; path = "s.csv" }
dataset on_page { category = region; values = [count()]; reset = page }
band detail {
    height = 300
    field { box = [0, 0, 100, 12]; value = "row " || order_id }
}
band page_footer {
    height = 40
    chart pf { box = [0, 0, 400, 38]; dataset = on_page; type = boxes }
}
Q
run "$QUIRE" render "$TMP/p.quire" -f trace_wait -o "$TMP/p.trace"
expect_rc 0 "a page-furniture chart of a page dataset renders"
# Per page: the rows it shows (by region, from the CSV) must be the
# chart's counts.
python3 - "$TMP/p.trace" "$TMP/s.csv" >"$TMP/p.out" <<'PY'
import csv, sys
from collections import Counter
region = {r["order_id"]: r["region"] for r in csv.DictReader(open(sys.argv[2]))}
pages, cur = [], None
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.rstrip("\n")
    if line.startswith("page "):
        cur = {"rows": Counter(), "chart": {}}; pages.append(cur)
    elif line.startswith("T ") and " row " in line:
        cur["rows"][region[line.split(" row ")[1]]] += 1
    elif line.startswith("D "):
        k, v = line[2:].split("\t"); cur["chart"][k] = int(v)
bad = [i + 1 for i, p in enumerate(pages) if dict(p["rows"]) != p["chart"]]
print(len(pages), "bad pages:", bad)
PY
expect_true "every page's footer chart counts exactly the rows of its page" \
    grep -qE "^[3-9] bad pages: \[\]$" "$TMP/p.out"

# ---- memory: a chart over 1M rows keeps no rows ----------------------------
"$QUIRE_BUILD/bench/gen_sales" 100000 "$TMP/m100k.csv" >/dev/null
"$QUIRE_BUILD/bench/gen_sales" 1000000 "$TMP/m1m.csv" >/dev/null
cat >"$TMP/m.quire" <<'Q'
report { title = "memory" }
source s { plugin = csv; path = "m.csv" }
dataset mix { category = region; series = category; values = [sum(amount), count()] }
dataset monthly { category = order_date; values = [sum(amount)]; bucket = month; fill_gaps = true }
band summary {
    height = 220
    chart a { box = [0, 0, 400, 100]; dataset = mix; type = boxes }
    chart b { box = [0, 110, 400, 100]; dataset = monthly; type = boxes }
}
Q
for n in 100k 1m; do
    /usr/bin/time -o "$TMP/rss.$n" -f "%M" "$QUIRE" render "$TMP/m.quire" --data "s=$TMP/m$n.csv" \
        -f trace_wait -o "$TMP/m.$n" >/dev/null 2>&1
    RC=$?
    expect_rc 0 "charts over $n rows render"
done
python3 - "$TMP/m1m.csv" "$TMP/m.1m" >"$TMP/m.check" <<'PY'
import csv, sys
from collections import Counter
count = Counter()
for r in csv.DictReader(open(sys.argv[1])): count[(r["region"], r["category"])] += 1
got = {}
series = None
for line in open(sys.argv[2], encoding="utf-8"):
    line = line.rstrip("\n")
    if line.startswith("H mix"): series = line.split("\t")[1:]; continue
    if line.startswith("H "): series = None
    if line.startswith("D ") and series:
        cells = line[2:].split("\t")
        for name, text in zip(series, cells[1:]):
            if name.endswith(" · count()") and text:
                got[(cells[0], name[: -len(" · count()")])] = int(text.replace(",", ""))
print("same" if got == dict(count) else f"differ: {len(got)} vs {len(count)}")
PY
expect_true "1M rows: the dataset's counts per region and category equal the CSV's" \
    grep -qx same "$TMP/m.check"
expect_true "peak memory does not grow with the rows: 1M rows within 25% of 100k rows ($(cat "$TMP/rss.100k") KB, $(cat "$TMP/rss.1m") KB)" \
    test "$(cat "$TMP/rss.1m")" -le $(($(cat "$TMP/rss.100k") * 5 / 4))
