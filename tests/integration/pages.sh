# pages.sh - the filler (kernel/fill*.c) end to end: small reports under
# tests/data/pages rendered to PDF and read back with poppler (pdfinfo,
# pdftotext, pdftotext -bbox, pdftoppm, pdftohtml -xml for the outline).
# Page X of Y, a band that fills the page exactly, bands taller than a
# page, the split rules, the group options (keep_together,
# reprint_header, start_new_page, min_height_to_start, reset_page_number),
# delayed totals against Python's Decimal, last_page_footer and
# when_no_data, page-scoped variables, the overflow rules, conditions,
# frames, images, font errors and warnings, every output format, spilling
# waiting pages with page_memory = 1mb, and a golden image.
#
# Expected pages are written out by hand from the band heights each
# definition's comment gives; sums come from the CSV files through
# check.py, never from quire's output.
source tests/lib.sh
use_plugins "csv, pdf, cairo, html"

D=tests/data/pages
CHECK="python3 $D/check.py"

# render NAME FORMAT [ARGS...]: renders $D/NAME.quire to $TMP/NAME.FORMAT.
render() {
    local name=$1 fmt=$2
    shift 2
    run "$QUIRE" render "$D/$name.quire" -f "$fmt" -o "$TMP/$name.$fmt" "$@"
}

npages() { pdfinfo "$1" 2>/dev/null | sed -n 's/^Pages: *//p'; }

# The text of page N of a PDF, one line per printed line, blanks squeezed.
page_text() {
    pdftotext -layout -f "$2" -l "$2" "$1" - | sed -e 's/[[:space:]]\+/ /g' -e 's/^ //' \
        -e 's/ $//' -e '/^$/d' -e 's/\f//g' | sed '/^$/d'
}

# expect_page PDF N WHAT: page N shows exactly the lines on stdin.
expect_page() {
    local want
    want=$(cat)
    if [ "$(page_text "$1" "$2")" = "$want" ]; then _ok "$3"; else
        _not_ok "$3" "$(diff <(echo "$want") <(page_text "$1" "$2") | sed 's/^/  /')"; fi
}

expect_pages() { # PDF N WHAT
    local n
    n=$(npages "$1")
    if [ "$n" = "$2" ]; then _ok "$3"; else _not_ok "$3" "$n pages, expected $2"; fi
}

# ---- 1. Page X of Y ----------------------------------------------------------
# 7 rows of 20pt per 140pt body: N rows make ceil(N / 7) pages.
for n in 30 14 7 1; do
    render pagecount pdf --param max_id=$n
    want=$(((n + 6) / 7))
    expect_pages "$TMP/pagecount.pdf" $want "$n rows: $want pages"
    ok=1
    for i in $(seq 1 "$want"); do
        page_text "$TMP/pagecount.pdf" "$i" | grep -qx "Page $i of $want" || ok=0
    done
    expect_true "$n rows: 'Page i of $want' on every page i" test $ok = 1
done
expect_page "$TMP/pagecount.pdf" 1 "one row: header, the row, the footer" <<'EOF'
Header
1 alder
Page 1 of 1
EOF

# ---- 2. A band that ends exactly at the bottom of the body -------------------
# 10 rows of 5mm per 50mm body (millimetres do not add up to whole
# points): 20 rows fill pages 1 and 2; the summary starts page 3, and
# without it there is no empty third page.
render exact pdf
expect_rc 0 "exact renders"
expect_pages "$TMP/exact.pdf" 3 "20 rows filling two pages exactly, then the summary: 3 pages"
expect_page "$TMP/exact.pdf" 2 "page 2 holds rows 11 to 20, the last one at the body's bottom" <<'EOF'
Header
11 kapok
12 larch
13 maple
14 nutmeg
15 oak
16 pine
17 quince
18 rowan
19 spruce
20 teak
Page 2 of 3
EOF
expect_page "$TMP/exact.pdf" 3 "the summary starts page 3" <<'EOF'
Header
Summary
Page 3 of 3
EOF
render exact pdf --param with_summary=false
expect_pages "$TMP/exact.pdf" 2 "without the summary: 2 pages, no empty one"
expect_true "and page 2 ends 'Page 2 of 2'" sh -c "pdftotext -f 2 -l 2 '$TMP/exact.pdf' - | grep -qx 'Page 2 of 2'"
render exact pdf --param max_id=9
expect_pages "$TMP/exact.pdf" 1 "9 rows and the summary fill one page exactly: 1 page"

# ---- 3. A band taller than a page --------------------------------------------
# Row 2's body stretches over 23 lines; the band starts on page 1 under row
# 1 (its 30pt design height fits) and is cut between lines.

# The text of a PDF without its page header and footer lines.
body_text() {
    pdftotext "$1" - | tr -d '\f' | grep -vx 'Header\|Page [0-9]* of [0-9]*' >"$2"
}

render stretch pdf
expect_rc 0 "stretch renders"
expect_pages "$TMP/stretch.pdf" 3 "the long row runs over 3 pages"
body_text "$TMP/stretch.pdf" "$TMP/stretch.txt"
run $CHECK words "$D/long.csv" 2 body "$TMP/stretch.txt"
expect_rc 0 "every word of the long text is there, in order"
pdftotext -bbox "$TMP/stretch.pdf" "$TMP/stretch.bbox"
# The footer band starts at 200 - 10 - 20 = 170pt.
run $CHECK above "$TMP/stretch.bbox" 170
expect_rc 0 "no line runs into the page footer (170pt)"
expect_true "the long row starts on page 1, under row 1" \
    sh -c "pdftotext -f 1 -l 1 '$TMP/stretch.pdf' - | grep -qx 'Second'"
expect_page "$TMP/stretch.pdf" 2 "page 2 ends with the long text's last line" <<'EOF'
Header
clerk, who had joined only in March, wondered aloud
whether a machine could do the same work faster, but
the senior partner only smiled and pointed at the
window, where the rain drew long grey lines across the
glass. Outside, carts rattled over the cobbles, a dog
barked twice at nothing, and the baker on the corner
put out the last loaves of the afternoon. Inside, the fire
burned low; someone fetched more coal, someone else
sharpened a pencil, and the pages turned one by one
until the lamps were lit and the day's accounts were
finally closed, balanced and signed.
Page 2 of 3
EOF
expect_page "$TMP/stretch.pdf" 3 "row 3 does not fit under it and starts page 3" <<'EOF'
Header
Third
The end.
Page 3 of 3
EOF

# Two stretching fields side by side with different line heights, a
# background, and a clipped field: no line is lost at a cut, backgrounds go
# on on the next page, and clipping stays balanced.
render columns pdf
expect_rc 0 "side by side stretching fields render (clip push and pop stay paired)"
pdftotext "$TMP/columns.pdf" "$TMP/columns.txt"
pdftotext -bbox "$TMP/columns.pdf" "$TMP/columns.bbox"
python3 - "$TMP/columns.bbox" "$D/long.csv" >"$TMP/columns.split" <<'PY'
import csv, html, re, sys
left, right = [], []
for line in open(sys.argv[1], encoding="utf-8"):
    m = re.search(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">(.*)</word>', line)
    # Above the footer's top (170pt), and not the 5pt clipped field.
    if m and float(m.group(2)) < 170 and float(m.group(3)) - float(m.group(2)) > 7:
        (left if float(m.group(1)) < 150 else right).append(html.unescape(m.group(4)))
body = [r["body"] for r in csv.DictReader(open(sys.argv[2], encoding="utf-8")) if r["id"] == "2"][0]
print("left", left == body.split(), "right", right == body.split())
PY
expect_true "both columns have every word, in order, across the pages" grep -qx "left True right True" "$TMP/columns.split"
run $CHECK above "$TMP/columns.bbox" 170
expect_rc 0 "neither column runs into the footer"
pdftoppm -r 72 -f 2 -l 2 "$TMP/columns.pdf" "$TMP/columns"
run $CHECK pixel "$TMP/columns-2.ppm" 280 12
expect_out_line "238 238 238" "the right column's #eeeeee background goes on at the top of page 2"

# ---- 4. split = prevent, immediate, stretch ----------------------------------
# A 30pt title leaves 110pt; the 140pt band of 7 lines of 20pt does not fit.
render split pdf --param mode=prevent
expect_page "$TMP/split.pdf" 1 "prevent: the band moves whole to page 2" <<'EOF'
Title
Page 1 of 2
EOF
expect_page "$TMP/split.pdf" 2 "prevent: page 2 has all seven lines" <<'EOF'
line 1
line 2
line 3
line 4
line 5
line 6
line 7
Page 2 of 2
EOF
render split pdf --param mode=immediate
expect_page "$TMP/split.pdf" 1 "immediate: the five lines that fit stay on page 1" <<'EOF'
Title
line 1
line 2
line 3
line 4
line 5
Page 1 of 2
EOF
expect_page "$TMP/split.pdf" 2 "immediate: the rest on page 2" <<'EOF'
line 6
line 7
Page 2 of 2
EOF
render split pdf --param mode=stretch
expect_page "$TMP/split.pdf" 1 "stretch: a design height (140pt) that does not fit moves the band" <<'EOF'
Title
Page 1 of 2
EOF
render split pdf --param mode=grow
expect_true "stretch: a 20pt band that fits starts under the title and splits where its text grows" \
    sh -c "pdftotext -f 1 -l 1 '$TMP/split.pdf' - | grep -v '^$' | sed -n 2p | grep -q '^It was a bright cold day'"
body_text "$TMP/split.pdf" "$TMP/split.txt"
run $CHECK words "$D/long.csv" 2 body "$TMP/split.txt"
expect_rc 0 "stretch: every word of the split text is there, in order"
