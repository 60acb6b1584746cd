# jsonl.sh - `quire data preview` with the jsonl source plugin, through the
# real binary: nested paths flattened, arrays as JSON text, \u escapes and
# surrogate pairs, a BOM, CRLF and blank lines, ragged objects, columns and
# types options, bad lines failing or skipped and counted, max_line_size
# from [source.jsonl], and the error line and exit code for each problem.
source "$(dirname "$0")/../lib.sh"

case "$QUIRE_BUILD" in
/*) plugins="$QUIRE_BUILD/plugins" ;;
*) plugins="$PWD/$QUIRE_BUILD/plugins" ;;
esac
CONF="$TMP/quire.conf"
cat > "$CONF" <<EOF
[kernel]
plugin_dir = $plugins
plugins = jsonl
EOF

# ---------------------------------------------------------------- output

printf '\xef\xbb\xbf{"id":1,"customer":{"name":"Ann","city":"Oslo"},"amount":12.50,"day":"2024-02-29","tags":["a", "b"],"ok":true}\r\n\r\n{"id":2,"customer":{"name":"B\\u00e9a \\ud83d\\ude00"},"amount":-0.05,"day":"1969-12-31","tags":[],"ok":false}\n   \n{"id":3,"amount":3,"note":"tab\\there"}' \
    > "$TMP/sales.jsonl"
run "$QUIRE" data preview jsonl path="$TMP/sales.jsonl" -c "$CONF"
expect_rc 0 "data preview of a JSON Lines file exits 0"
expect_out_line "$(printf 'id:int\tcustomer.name:string\tcustomer.city:string\tamount:decimal(2)\tday:date\ttags:string\tok:bool\tnote:string')" \
    "nested keys flatten with dots, in the order they first appear; types are inferred"
expect_out_line "$(printf '1\tAnn\tOslo\t12.50\t2024-02-29\t["a","b"]\ttrue\t\\N')" \
    "the BOM is skipped; an array is its JSON text; a missing key is NULL"
expect_out_line "$(printf '2\tB\xc3\xa9a \xf0\x9f\x98\x80\t\\N\t-0.05\t1969-12-31\t[]\tfalse\t\\N')" \
    "\\u escapes and a surrogate pair decode to UTF-8"
expect_out_line "$(printf '3\t\\N\t\\N\t3.00\t\\N\t\\N\t\\N\ttab\\there')" \
    "the last line needs no newline; an int in a decimal column keeps the scale"
expect_true "blank lines give no rows" test "$(printf '%s\n' "$OUT" | wc -l)" -eq 4
expect_err_line "3 rows" "stderr ends with the row count"

run "$QUIRE" data preview jsonl path="$TMP/sales.jsonl" \
    columns="customer.name as who, id, tags.1 as second_tag, customer" types=id:string -c "$CONF"
expect_rc 0 "columns and types options exit 0"
expect_out_line "$(printf 'who:string\tid:string\tsecond_tag:string\tcustomer:string')" \
    "columns picks and renames paths; types overrides"
expect_out_line "$(printf 'Ann\t1\tb\t{"name":"Ann","city":"Oslo"}')" \
    "an index reads an array element; an object read whole is its JSON text"

for i in $(seq 1 50); do printf '{"n":%d}\n' "$i"; done > "$TMP/fifty.jsonl"
run "$QUIRE" data preview jsonl path="$TMP/fifty.jsonl" -c "$CONF" --rows 0
expect_err_line "50 rows" "--rows 0 prints every row"
expect_out_line "50" "the last row is there"

# ---------------------------------------------------------------- bad lines

printf '{"id":1,"amount":1.50}\n{"id":2,"amount":2.25}\n{"id":3,"amount":"12x"}\n{"id":4,"amount":4,}\n{"id":5,"amount":5.75}\n' \
    > "$TMP/bad.jsonl"
run "$QUIRE" data preview jsonl path="$TMP/bad.jsonl" infer_rows=2 -c "$CONF"
expect_rc 5 "a value that does not fit its column exits 5"
expect_err_line "error: $TMP/bad.jsonl:3: key 'amount': '12x' is not a decimal(2) (inferred from the first 2 rows; set types = \"amount:string\")" \
    "the error names file, line, key, value, type and the fix"

run "$QUIRE" data preview jsonl path="$TMP/bad.jsonl" infer_rows=2 on_error=skip -c "$CONF"
expect_rc 0 "on_error=skip exits 0"
expect_err_line "info: source.jsonl: $TMP/bad.jsonl: skipped 2 bad lines of 5 (on_error = skip)" \
    "skipped lines are counted in one info line"
expect_err_line "3 rows" "skipped lines are not printed"
expect_out_line "$(printf '5\t5.75')" "the line after a bad one is read"

printf '{"a":1}\n{"a":2,"b":[1 2]}\n' > "$TMP/syntax.jsonl"
run "$QUIRE" data preview jsonl path="$TMP/syntax.jsonl" -c "$CONF"
expect_rc 5 "a syntax error exits 5"
expect_err_line "error: $TMP/syntax.jsonl:2:15: expected ',' or ']' after array element" \
    "a syntax error names file, line and byte column"

printf '{"a":"\xff"}\n' > "$TMP/utf8.jsonl"
run "$QUIRE" data preview jsonl path="$TMP/utf8.jsonl" -c "$CONF"
expect_rc 5 "invalid UTF-8 exits 5"
expect_err_line "error: $TMP/utf8.jsonl:1:7: invalid UTF-8 byte 0xff" "invalid UTF-8 is named"

printf '{"a":1}\n{"a":2' > "$TMP/cut.jsonl"
run "$QUIRE" data preview jsonl path="$TMP/cut.jsonl" -c "$CONF"
expect_rc 5 "a truncated last line exits 5"
expect_err_line "error: $TMP/cut.jsonl:2:7: expected ',' or '}' after object member" \
    "a truncated last line is a syntax error at its end"

: > "$TMP/empty.jsonl"
run "$QUIRE" data preview jsonl path="$TMP/empty.jsonl" -c "$CONF"
expect_rc 5 "an empty file exits 5"
expect_err_line "error: $TMP/empty.jsonl: the file is empty (no object to take the columns from; set columns to read it anyway)" \
    "an empty file says what to do"
run "$QUIRE" data preview jsonl path="$TMP/empty.jsonl" columns=a -c "$CONF"
expect_rc 0 "an empty file with columns exits 0"
expect_err_line "0 rows" "an empty file with columns has no rows"

# ---------------------------------------------------------------- max_line_size

LONGCONF="$TMP/long.conf"
cp "$CONF" "$LONGCONF"
printf '[source.jsonl]\nmax_line_size = 1kb\n' >> "$LONGCONF"
{
    printf '{"s":"short"}\n{"s":"'
    head -c 2000 /dev/zero | tr '\0' x
    printf '"}\n{"s":"after"}\n'
} > "$TMP/long.jsonl"
run "$QUIRE" data preview jsonl path="$TMP/long.jsonl" -c "$LONGCONF"
expect_rc 5 "a line longer than max_line_size exits 5"
expect_err_line "error: $TMP/long.jsonl:2: the line is longer than max_line_size (1024 bytes)" \
    "the over-long line is named with the limit"
run "$QUIRE" data preview jsonl path="$TMP/long.jsonl" on_error=skip -c "$LONGCONF"
expect_rc 0 "an over-long line can be skipped"
expect_out_line "after" "the line after the over-long one is read"
run "$QUIRE" data preview jsonl path="$TMP/long.jsonl" -c "$CONF"
expect_rc 0 "the default max_line_size (64 MiB) takes it"

# ---------------------------------------------------------------- errors

run "$QUIRE" data preview jsonl path="$TMP/missing.jsonl" -c "$CONF"
expect_rc 5 "a missing file exits 5"
expect_err_line "error: $TMP/missing.jsonl: cannot open: No such file or directory" \
    "a missing file is named with the reason"

run "$QUIRE" data preview jsonl path="$TMP/sales.jsonl" colour=red -c "$CONF"
expect_rc 5 "an unknown option exits 5"
expect_err_line "error: command line argument 5: jsonl: unknown option 'colour'; allowed: path, infer_rows, on_error, types, columns" \
    "an unknown option is named with its argument position and the allowed ones"

run "$QUIRE" data preview jsonl path="$TMP/sales.jsonl" types=amount:money -c "$CONF"
expect_rc 5 "a bad type exits 5"
expect_err_line "error: command line argument 5: jsonl: types: 'money' in 'amount:money' is not a type (bool, int, decimal(SCALE), float, string, date, timestamp; SCALE 0..18)" \
    "a bad type lists the types"

run "$QUIRE" config check -c "$LONGCONF"
expect_rc 0 "[source.jsonl] max_line_size is a known key"
