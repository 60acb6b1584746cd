# render.sh - `quire render` and `quire check` end to end: the aggregation
# benchmark report against an independent computation, grouped details
# with delayed header values, parameters, filters, both ways of ordering
# rows (hash aggregation and the spilling sort), workers, and every kind of
# error a user can make on the command line.
source tests/lib.sh
use_plugins "csv, data"

D=tests/data/render
SALES=examples/data/sales.csv

# ---- the benchmark report agrees with an independent computation ----------
run "$QUIRE" render bench/reports/sales_agg.quire --data sales="$SALES" --format csv -o "$TMP/agg.csv"
expect_rc 0 "sales_agg renders to csv"
run python3 "$D/sales_check.py" "$SALES" "$TMP/agg.csv"
expect_rc 0 "sales_agg agrees with a Decimal computation in Python (counts, sums to the cent, avg and stddev to 1e-9)"
[ "$RC" -eq 0 ] || echo "$ERR" | sed 's/^/#   /'

for w in 1 2 3; do
    run "$QUIRE" render bench/reports/sales_agg.quire --data sales="$SALES" --format csv --workers "$w" -o "$TMP/agg-$w.csv"
    expect_true "--workers $w gives the same bytes" cmp -s "$TMP/agg.csv" "$TMP/agg-$w.csv"
done

cat "$SALES" | "$QUIRE" render bench/reports/sales_agg.quire --data sales=/dev/stdin --format csv -o "$TMP/agg-pipe.csv" --stats 2>"$TMP/pipe.err"
expect_true "data from a pipe (it cannot be split: one partition) gives the same bytes" cmp -s "$TMP/agg.csv" "$TMP/agg-pipe.csv"
expect_true "and --stats says one partition" grep -q "partitions 1" "$TMP/pipe.err"

run "$QUIRE" render bench/reports/sales_agg.quire --data sales="$SALES" --format csv -o - --stats
expect_rc 0 "-o - writes to stdout"
expect_out_line "region,category,count,sum_amount,avg_amount,min_amount,max_amount,stddev_amount,sum_quantity" "stdout starts with the header"
expect_err_has "mode hash" "--stats says the report was aggregated without sorting"

# ---- grouped details, delayed values, the running count -------------------
run "$QUIRE" render "$D/orders_detail.quire" --format csv -o "$TMP/detail.csv"
expect_rc 0 "orders_detail renders"
expect_true "orders_detail: bands, order, delayed header totals and running values match the hand-made file" \
    diff -u "$D/orders_detail.expected.csv" "$TMP/detail.csv"

# The same through the kernel's spilling sort with the smallest budget, and
# a source sorted on disk already: same output.
run env QUIRE_KERNEL_SORT_MEMORY=1mb "$QUIRE" render "$D/orders_detail.quire" --format csv -o "$TMP/detail-small.csv" --stats
expect_err_has "sorted by the kernel" "--stats says the kernel sorted"
expect_true "a 1 MiB sort budget gives the same output" cmp -s "$TMP/detail.csv" "$TMP/detail-small.csv"

run "$QUIRE" render "$D/orders_detail.quire" --format json -o "$TMP/detail.json"
expect_rc 0 "orders_detail renders to json"
expect_true "the json is valid and nests details in groups" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
g = d["groups"]
assert [x["value"] for x in g] == ["East", "North", "South"], g
assert [r["id"] for r in g[1]["details"]] == [1, 3, 6]
assert g[2]["header"]["region_total"] == 1107.76
assert d["summary"]["total"] == 8
' "$TMP/detail.json"

run "$QUIRE" render "$D/orders_detail.quire" --param min_qty=3 --format csv -o - --quiet
expect_rc 0 "--param min_qty=3 renders"
expect_out_line "4,,,,,,,,,," "the filter keeps the 4 rows with qty >= 3 (title total)"
expect_out_line ",,,,3,carol,0.10,0.50,2,," "North has only carol left, after dave in East"

# ---- check ------------------------------------------------------------------
run "$QUIRE" check "$D/orders_detail.quire"
expect_rc 0 "check accepts a good report"
expect_out_has "ok" "check says ok"

# ---- errors -----------------------------------------------------------------
run "$QUIRE" render "$D/orders_detail.quire" --param min_qty=lots --format csv -o "$TMP/x.csv"
expect_rc 5 "a parameter of the wrong type exits 5"
expect_err_line "error: command line argument 3: --param min_qty: 'lots' is not a valid int" "and names the argument"
expect_true "and writes nothing" test ! -e "$TMP/x.csv"

run "$QUIRE" render "$D/orders_detail.quire" --param nope=1 --format csv -o "$TMP/x.csv"
expect_rc 5 "an unknown parameter exits 5"
expect_err_has "--param nope: the report has no parameter 'nope' (its parameters: min_qty)" "and lists the parameters"

run "$QUIRE" render "$D/orders_detail.quire" --data nope=x.csv --format csv -o "$TMP/x.csv"
expect_rc 2 "--data for an unknown source exits 2"
expect_err_has "--data nope: the report has no source 'nope'" "and says so"

run "$QUIRE" render "$D/orders_detail.quire" --data orders="$TMP/missing.csv" --format csv -o "$TMP/x.csv"
expect_rc 5 "a missing data file exits 5"
expect_err_has "missing.csv" "and names the file"

run "$QUIRE" render "$D/orders_detail.quire" --format nope -o "$TMP/x.csv"
expect_rc 2 "an unknown format exits 2"
expect_err_has "unknown format 'nope'; formats: " "and lists the formats"

run "$QUIRE" render "$D/orders_detail.quire"
expect_rc 2 "no format and no -o exits 2"

cat > "$TMP/typo.quire" <<'Q'
source s { plugin = csv; path = "PATH" }
variable t { value = sum(amout) }
band summary { height = 10; field t { box = [0, 0, 10, 10]; value = t } }
Q
sed -i "s#PATH#$PWD/$D/orders.csv#" "$TMP/typo.quire"
run "$QUIRE" check "$TMP/typo.quire"
expect_rc 5 "check: an unknown column exits 5"
expect_err_line "$TMP/typo.quire:2:26: error: unknown name 'amout'" "with file:line:col of the name"

cat > "$TMP/types.quire" <<Q
source s { plugin = csv; path = "$PWD/$D/orders.csv" }
filter = customer > 3
Q
run "$QUIRE" check "$TMP/types.quire"
expect_rc 5 "check: comparing a string with a number exits 5"
expect_err_has "$TMP/types.quire:2:" "and points into the filter"

printf 'report {\n    title = \n}\n' > "$TMP/syntax.quire"
run "$QUIRE" render "$TMP/syntax.quire" --format csv -o "$TMP/x.csv"
expect_rc 5 "a syntax error exits 5"
expect_err_has "$TMP/syntax.quire:2:" "and names file:line"

# ---- every aggregate, hash aggregation and ordered streaming agree ---------
run "$QUIRE" render "$D/aggs.quire" --format csv -o "$TMP/aggs-hash.csv" --stats
expect_err_has "mode hash" "aggs.quire (no detail band) is aggregated in a hash table"
run python3 "$D/aggs_check.py" "$SALES" "$TMP/aggs-hash.csv"
expect_rc 0 "every aggregate per region and month agrees with Python's Decimal and statistics"
[ "$RC" -eq 0 ] || echo "$ERR" | sed 's/^/#   /'
run "$QUIRE" render "$D/aggs_stream.quire" --format csv -o "$TMP/aggs-stream.csv" --stats
expect_err_has "mode stream" "aggs_stream.quire (a detail band) is streamed in order"
expect_true "streaming gives the same bytes as hash aggregation" cmp -s "$TMP/aggs-hash.csv" "$TMP/aggs-stream.csv"

# ---- the kernel's sort spills past its budget and keeps the order ---------
python3 ../shared/bench/gen_sales.py 100000 "$TMP/s100k.csv"
cat > "$TMP/detail.quire" <<'Q'
source sales { plugin = csv; path = "unused.csv" }
group region { by = region }
sort = [desc(amount), order_id]
band detail { height = 10; field order_id { box = [0, 0, 10, 10]; value = order_id } }
Q
run env QUIRE_KERNEL_SORT_MEMORY=1mb "$QUIRE" render "$TMP/detail.quire" --data sales="$TMP/s100k.csv" --format csv -o "$TMP/sorted.csv" --stats
expect_rc 0 "100k rows sorted with a 1 MiB budget"
expect_err_match() { if echo "$ERR" | grep -qE "$1"; then _ok "$2"; else _not_ok "$2" "stderr: $ERR"; fi; }
expect_err_match "sorted by the kernel \([1-9][0-9]* runs spilled" "the sort spilled runs to disk"
python3 - "$TMP/s100k.csv" > "$TMP/sorted.want" <<'PY'
import csv, sys
from decimal import Decimal
rows = list(csv.DictReader(open(sys.argv[1])))
rows.sort(key=lambda r: int(r["order_id"]))
rows.sort(key=lambda r: Decimal(r["amount"]), reverse=True)
rows.sort(key=lambda r: r["region"])
print("order_id")
for r in rows:
    print(r["order_id"])
PY
expect_true "the order is region, then amount descending, then order_id (as Python sorts it)" \
    cmp -s "$TMP/sorted.want" "$TMP/sorted.csv"
expect_true "no spill file is left in the temp dir" test -z "$(find /tmp -maxdepth 1 -name 'quire-sort*' -newer "$TMP/s100k.csv" 2>/dev/null)"

# ---- evaluation times --------------------------------------------------------
# By hand: qty per region East 3+2=5, North 2+5+1=8, South 1+7+4=12, all 25;
# the title's `now` value is read after the first row (1), the other at the end (8).
run "$QUIRE" render "$D/evaluation.quire" --format csv -o - --stats
expect_rc 0 "evaluation.quire renders"
expect_out_line "1,8,,,," "title: evaluation = now reads 1 row, auto waits for all 8"
expect_out_line ",,4,5,25,3" "a detail shows its region's total and the report's, held back, and its running sum"
expect_out_line ",,8,12,25,25" "the last detail: South's total 12"
expect_err_has "held back at most 12 instances" "--stats reports the instances held back"

cat > "$TMP/badeval.quire" <<Q
source orders { plugin = csv; path = "$PWD/$D/orders.csv" }
group region { by = region }
band title { height = 10; field x { box = [0, 0, 1, 1]; value = 1; evaluation = group(region) } }
band detail { height = 10; field y { box = [0, 0, 1, 1]; value = qty; evaluation = report } }
Q
run "$QUIRE" check "$TMP/badeval.quire"
expect_rc 5 "misused evaluation times are refused"
expect_err_has "badeval.quire:3:27: error: evaluation = group(region): the group does not enclose this title band" "a title cannot wait for a group"
expect_err_has "badeval.quire:4:28: error: a field evaluated at the end of the report or a group cannot read columns" "a delayed detail value cannot read the row"

# ---- the same report from SQLite (sort and filter pushed into SQL) and JSONL --
use_plugins "csv, data, sqlite, jsonl"
sqlite3 "$TMP/orders.db" "create table orders(id integer, day date, region text, customer text, qty integer, amount decimal(10,2));" \
    ".mode csv" ".import --skip 1 $D/orders.csv orders" "update orders set amount = null where amount = '';"
sed "s#source orders { plugin = csv; path = \"orders.csv\" }#source orders { plugin = sqlite; database = \"$TMP/orders.db\"; table = \"orders\" }#" \
    "$D/orders_detail.quire" > "$TMP/od_sqlite.quire"
run "$QUIRE" render "$TMP/od_sqlite.quire" --format csv -o "$TMP/od_sqlite.csv" --stats
expect_rc 0 "orders_detail renders from SQLite"
expect_err_has "sorted by the source" "SQLite sorts (ORDER BY pushed down)"
expect_true "SQLite gives the same output as the CSV file" diff -u "$D/orders_detail.expected.csv" "$TMP/od_sqlite.csv"
run "$QUIRE" render "$TMP/od_sqlite.quire" --param min_qty=3 --format csv -o /dev/null --stats
expect_err_has "rows read 4, kept 4" "the filter qty >= 3 is pushed into SQL: only 4 rows are read"

python3 -c '
import csv, sys
for r in csv.DictReader(open(sys.argv[1])):
    print("{\"id\": %s, \"day\": \"%s\", \"region\": \"%s\", \"customer\": \"%s\", \"qty\": %s, \"amount\": %s}"
          % (r["id"], r["day"], r["region"], r["customer"], r["qty"], r["amount"] or "null"))
' "$D/orders.csv" > "$TMP/orders.jsonl"
sed "s#source orders { plugin = csv; path = \"orders.csv\" }#source orders { plugin = jsonl; path = \"$TMP/orders.jsonl\" }#" \
    "$D/orders_detail.quire" > "$TMP/od_jsonl.quire"
run "$QUIRE" render "$TMP/od_jsonl.quire" --format csv -o "$TMP/od_jsonl.csv"
expect_rc 0 "orders_detail renders from JSON Lines"
expect_true "JSON Lines gives the same output as the CSV file" diff -u "$D/orders_detail.expected.csv" "$TMP/od_jsonl.csv"

# ---- first/last follow the report's sort, even without detail bands ---------
cat > "$TMP/firstlast.quire" <<Q
source orders { plugin = csv; path = "$PWD/$D/orders.csv" }
group region { by = region }
sort = [desc(amount)]
variable top { value = first(customer); reset = group(region) }
band group_footer region {
    height = 10
    field region { box = [0, 0, 1, 1]; value = region }
    field top { box = [0, 0, 1, 1]; value = top }
    field bottom { box = [0, 0, 1, 1]; value = customer }
}
Q
run "$QUIRE" render "$TMP/firstlast.quire" --format csv -o - --stats
expect_err_has "mode stream" "first() under a sort needs ordered rows: streamed, not hashed"
expect_out_line "East,dave,frank" "East: nulls first when descending (dave), then frank"
expect_out_line "South,erin,bob" "South: the largest amount first (erin), the smallest last (bob)"

# ---- check type-checks what later stages use: datasets, style conditions ----
cat > "$TMP/ds.quire" <<Q
source s { plugin = csv; path = "$PWD/$SALES" }
dataset by_month { category = region; bucket = month; values = [sum(amount), avg(country)] }
dataset ok { category = order_date; bucket = month; series = region; values = sum(amount); when = amount > 0 }
style neg { color = "#cc0000"; condition { when = amount; color = red } }
band summary { height = 10; chart c { box = [0, 0, 100, 100]; dataset = ok; type = bar; print_when = nope } }
Q
run "$QUIRE" check "$TMP/ds.quire"
expect_rc 5 "check refuses bad datasets, style conditions and element conditions"
expect_err_has "ds.quire:2:31: error: dataset 'by_month': bucket needs a date or timestamp category, got string" "a time bucket over a string"
expect_err_has "ds.quire:2:78: error: dataset 'by_month': avg needs numbers, got string" "an aggregate over the wrong type"
expect_err_has "ds.quire:4:51: error: a style condition must be a condition (bool), got decimal(2)" "a style condition that is not a bool"
expect_err_has "ds.quire:5:102: error: unknown name 'nope'" "a chart's print_when naming nothing"

# ---- the progress line: on a terminal only, and not with --quiet -------------
slow_render() { # extra options...
    script -qec "(head -5001 $SALES; sleep 1.2; tail -n +5002 $SALES) | $QUIRE render bench/reports/sales_agg.quire --data sales=/dev/stdin -f csv -o $TMP/p.csv $*" /dev/null
}
if command -v script >/dev/null; then
    slow_render > "$TMP/tty.out"
    expect_true "on a terminal a long render draws a progress line (rows, rate, time)" \
        grep -qE "4,096 rows  [0-9.]+k? rows/s  [0-9.]+s" "$TMP/tty.out"
    expect_true "the rendered output is complete" cmp -s "$TMP/agg.csv" "$TMP/p.csv"
    slow_render --quiet > "$TMP/quiet.out"
    expect_true "--quiet draws nothing" test ! -s "$TMP/quiet.out"
fi
(head -5001 "$SALES"; sleep 1.2; tail -n +5002 "$SALES") |
    "$QUIRE" render bench/reports/sales_agg.quire --data sales=/dev/stdin -f csv -o "$TMP/p.csv" 2> "$TMP/notty.err"
expect_true "when stderr is not a terminal, nothing is drawn" test ! -s "$TMP/notty.err"

# ---- Ctrl-C stops the render and leaves no partial output --------------------
(head -5001 "$SALES"; sleep 2; tail -n +5002 "$SALES") |
    "$QUIRE" render bench/reports/sales_agg.quire --data sales=/dev/stdin -f csv -o "$TMP/cancel.csv" 2> "$TMP/cancel.err" &
pid=$!
sleep 0.7
kill -INT "$pid"
wait "$pid"
RC=$?
expect_rc 1 "SIGINT cancels the render: exit 1"
expect_true "it says so" grep -qx "error: render cancelled: no output was written" "$TMP/cancel.err"
expect_true "and no file is left" test ! -e "$TMP/cancel.csv"
expect_true "nor a temporary one" test -z "$(ls "$TMP" | grep 'cancel.csv.tmp')"

# ---- every definition we ship is in canonical form ---------------------------
for f in examples/*.quire bench/reports/*.quire tests/data/render/*.quire; do
    run "$QUIRE" fmt --check "$f"
    expect_rc 0 "$f is in canonical form (quire fmt --check)"
done

# ---- limits and conditions refused at check time ------------------------------
{
    echo "source s { plugin = csv; path = \"$PWD/$SALES\" }"
    for i in $(seq 0 16); do echo "group g$i { by = region }"; done
    echo 'band detail { height = 1; print_when = region }'
} > "$TMP/deep.quire"
run "$QUIRE" check "$TMP/deep.quire"
expect_rc 5 "17 nested groups and a string print_when are refused"
expect_err_has "deep.quire:18:1: error: group 'g16': a report may nest at most 16 groups" "the 17th group is named"
run "$QUIRE" check <(sed '/^group g1[0-6]/d' "$TMP/deep.quire")
expect_err_has "error: print_when must be a condition (bool), got string" "print_when must be a condition"
