# data_preview.sh - `quire data preview` with the csv source plugin, through
# the real binary: the schema line and rows in canonical form, --rows, the
# "N rows" summary, what examples/data/sales.csv infers to, and the error
# line and exit code for a missing file, a ragged row, an unknown option, a
# plugin that is not loaded and bad command lines.
source "$(dirname "$0")/../lib.sh"

case "$QUIRE_BUILD" in
/*) plugins="$QUIRE_BUILD/plugins" ;;
*) plugins="$PWD/$QUIRE_BUILD/plugins" ;;
esac
CONF="$TMP/quire.conf"
cat > "$CONF" <<EOF
[kernel]
plugin_dir = $plugins
plugins = csv
EOF

# ---------------------------------------------------------------- output

printf 'id,name,amount,day,at,ok\n1,ann,1.50,2024-02-29,2024-02-29T10:00:00+02:00,true\n2,"b\tb",,1969-12-31,2024-01-01 00:00:00.25Z,false\n3,"x\ny",-0.05,2000-01-01,1970-01-01T00:00:00Z,true\n' \
    > "$TMP/small.csv"
run "$QUIRE" data preview csv path="$TMP/small.csv" -c "$CONF"
expect_rc 0 "data preview exits 0"
expect_out_line "$(printf 'id:int\tname:string\tamount:decimal(2)\tday:date\tat:timestamp\tok:bool')" \
    "the first line is the schema, name:type, tab-separated"
expect_out_line "$(printf '1\tann\t1.50\t2024-02-29\t2024-02-29T08:00:00Z\ttrue')" \
    "a row: decimal with its scale, ISO date, UTC timestamp"
expect_out_line "$(printf '2\tb\\tb\t\\N\t1969-12-31\t2024-01-01T00:00:00.250000Z\tfalse')" \
    "NULL is \\N, a tab in a string is \\t, microseconds are shown"
expect_out_line "$(printf '3\tx\\ny\t-0.05\t2000-01-01\t1970-01-01T00:00:00Z\ttrue')" \
    "a newline in a string is \\n"
expect_true "exactly the schema and three rows" test "$(printf '%s\n' "$OUT" | wc -l)" -eq 4
expect_err_line "3 rows" "stderr ends with the row count"

seq 1 100 | sed '1i n' > "$TMP/hundred.csv"
run "$QUIRE" data preview csv path="$TMP/hundred.csv" -c "$CONF"
expect_true "20 rows by default" test "$(printf '%s\n' "$OUT" | wc -l)" -eq 21
expect_err_line "20 rows" "the count says 20"
run "$QUIRE" data preview csv path="$TMP/hundred.csv" -c "$CONF" --rows 5
expect_out_line "5" "--rows 5 prints row 5"
expect_true "--rows 5 prints 5 rows" test "$(printf '%s\n' "$OUT" | wc -l)" -eq 6
expect_err_line "5 rows" "the count says 5"
run "$QUIRE" data preview csv path="$TMP/hundred.csv" -c "$CONF" --rows=0
expect_out_line "100" "--rows=0 prints every row"
expect_err_line "100 rows" "the count says 100"

run "$QUIRE" data preview csv path=examples/data/sales.csv -c "$CONF" --rows 2
expect_rc 0 "examples/data/sales.csv previews"
expect_out_line "$(printf 'order_id:int\torder_date:date\tregion:string\tcountry:string\tproduct:string\tcategory:string\tcustomer:string\tquantity:int\tunit_price:decimal(2)\tdiscount:decimal(2)\tamount:decimal(2)')" \
    "sales.csv: ids and quantities int, dates date, money decimal(2), the rest string"
run "$QUIRE" data preview csv path=examples/data/sales.csv -c "$CONF" --rows 0
expect_err_line "10000 rows" "sales.csv has 10000 rows"

printf 'a;b\n1;NA\n' > "$TMP/semi.csv"
run "$QUIRE" data preview csv path="$TMP/semi.csv" delimiter=';' null=NA types=a:decimal\(1\) -c "$CONF"
expect_out_line "$(printf 'a:decimal(1)\tb:string')" "options on the command line reach the plugin"
expect_out_line "$(printf '1.0\t\\N')" "null and types options apply"

printf 'a,b\n1,x\n2\n3,y\n' > "$TMP/skip.csv"
run "$QUIRE" data preview csv path="$TMP/skip.csv" on_error=skip infer_rows=1 -c "$CONF"
expect_rc 0 "on_error=skip exits 0"
expect_err_line "info: source.csv: $TMP/skip.csv: skipped 1 bad row of 3 (on_error = skip)" \
    "skipped rows are counted in one info line"
expect_err_line "2 rows" "skipped rows are not printed"

# ---------------------------------------------------------------- errors

run "$QUIRE" data preview csv path="$TMP/missing.csv" -c "$CONF"
expect_rc 5 "a missing file exits 5"
expect_err_line "error: $TMP/missing.csv: cannot open: No such file or directory" \
    "a missing file is named with the reason"
expect_true "a missing file prints nothing on stdout" test -z "$OUT"

printf 'a,b,c\n1,2,3\n4,5\n' > "$TMP/ragged.csv"
run "$QUIRE" data preview csv path="$TMP/ragged.csv" -c "$CONF"
expect_rc 5 "a ragged row exits 5"
expect_err_line "error: $TMP/ragged.csv:3: expected 3 fields, found 2" \
    "a ragged row is named by file, line and both counts"

seq 1 50 | sed '1i n' > "$TMP/late.csv"
echo "x" >> "$TMP/late.csv"
run "$QUIRE" data preview csv path="$TMP/late.csv" infer_rows=10 -c "$CONF" --rows 0
expect_rc 5 "a bad value after the sample exits 5"
expect_err_line "error: $TMP/late.csv:52: column 'n': 'x' does not fit int (inferred from the first 10 rows; set types = \"n:string\")" \
    "a bad value names the column, the type, the sample and the fix"

run "$QUIRE" data preview csv path="$TMP/small.csv" colour=red -c "$CONF"
expect_rc 5 "an unknown option exits 5"
expect_err_line "error: command line argument 5: csv: unknown option 'colour'; allowed: path, delimiter, header, null, on_error, types, infer_rows, quote" \
    "an unknown option is named with its argument position and the allowed ones"

run "$QUIRE" data preview csv -c "$CONF"
expect_rc 5 "no path exits 5"
expect_err_line "error: csv: source 'data preview': missing option 'path' (the CSV file to read)" \
    "a missing path option is named"

run "$QUIRE" data preview nosuch path="$TMP/small.csv" -c "$CONF"
expect_rc 4 "a source plugin that is not loaded exits 4"
expect_err_line "error: no source plugin 'nosuch' is loaded (see quire plugins list)" \
    "the missing plugin is named"

run "$QUIRE" data preview csv path="$TMP/small.csv" oops -c "$CONF"
expect_rc 2 "an argument without = exits 2"
expect_err_line "quire: data preview: 'oops' is not KEY=VALUE" "the bad argument is named"

run "$QUIRE" data preview csv path="$TMP/small.csv" --rows many -c "$CONF"
expect_rc 2 "--rows without a number exits 2"
expect_err_line "quire: --rows needs a whole number >= 0" "--rows says what it needs"

run "$QUIRE" data preview
expect_rc 2 "data preview without a source exits 2"
expect_err_line "usage: quire data preview SOURCE [KEY=VALUE...] [-c CONF] [--rows N]" \
    "data preview without a source prints its usage"

run "$QUIRE" data frob
expect_rc 2 "an unknown data command exits 2"
expect_err_line "quire: unknown data command 'frob' (preview)" "the unknown data command is named"
