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
use_plugins "csv, pdf, cairo, html, chart_standard"

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
# Row 2's body stretches to many lines; the band starts on page 1 under
# row 1 (its 30pt design height fits) and is cut between lines.

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
# Page 1: row 1 (30pt) under the header, row 2's title from 60pt and its
# text from 74pt in 11.64pt lines (DejaVu's 1.164 x 10pt): 8 lines end at
# 167.1pt, above the footer at 170pt. Page 2: 12 lines would fit; what is
# left of the text follows the header and ends with its last word.
expect_true "page 1 holds the first 8 lines of the long text" \
    test "$(page_text "$TMP/stretch.pdf" 1 | sed -n '/^Second$/,/^Page 1 of 3$/p' | wc -l)" = 10
n2=$(page_text "$TMP/stretch.pdf" 2 | grep -cvx 'Header\|Page 2 of 3')
expect_true "page 2 holds the rest ($n2 lines, at most 12)" test "$n2" -ge 1 -a "$n2" -le 12
expect_true "and ends with the text's last word" \
    test "$(page_text "$TMP/stretch.pdf" 2 | grep -vx 'Header\|Page 2 of 3' | tail -1 | awk '{ print $NF }')" = "signed."
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
# A 50pt title leaves 110pt; the 140pt band of 7 lines of 20pt does not fit.
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

# page_break: at its y, and no empty page after a break at the very end.
pages_text() { # PDF: every page's lines, pages separated by " | "
    local i out=""
    for i in $(seq 1 "$(npages "$1")"); do out="$out$(page_text "$1" "$i" | tr '\n' ';') | "; done
    echo "$out"
}
render pagebreak pdf --param mode=middle
expect_true "page_break in the middle of a band: the part below it starts the next page" \
    test "$(pages_text "$TMP/pagebreak.pdf")" = "above 1;Page 1 of 4; | below 1;above 2;Page 2 of 4; | below 2;above 3;Page 3 of 4; | below 3;Page 4 of 4; | "
render pagebreak pdf --param mode=bottom
expect_true "page_break at a band's bottom: one row per page, no empty page after the last" \
    test "$(pages_text "$TMP/pagebreak.pdf")" = "row 1;Page 1 of 3; | row 2;Page 2 of 3; | row 3;Page 3 of 3; | "

# ---- 5. keep_together ----------------------------------------------------------
# keep.quire: East (12 rows, 160pt) is longer than the 140pt body and
# breaks; North (120pt) does not fit under East's end on page 2 and moves
# whole to page 3; West (140pt) fills page 4.
render keep pdf
expect_rc 0 "keep renders"
expect_pages "$TMP/keep.pdf" 4 "keep: 4 pages"
expect_page "$TMP/keep.pdf" 2 "keep: page 2 has East's end only" <<'EOF'
Header
10 juniper
11 kapok
12 larch
End East
Page 2 of 4
EOF
expect_page "$TMP/keep.pdf" 3 "keep: North whole on page 3" <<'EOF'
Header
Region North
13 maple
14 nutmeg
15 oak
16 pine
17 quince
18 rowan
19 spruce
20 teak
End North
Page 3 of 4
EOF
# The outline entries go where the groups start.
outline() { pdftohtml -xml -i -stdout "$1" | sed -n 's/^<item page="\([0-9]*\)">\(.*\)<\/item>$/\2 \1/p' | tr '\n' ' '; }
expect_true "keep: the PDF outline says East 1, North 3, West 4" \
    test "$(outline "$TMP/keep.pdf")" = "East 1 North 3 West 4 "

# keep_footer.quire: North's header and rows fit under East's footer on
# page 2 but its footer does not: North moves whole to page 3.
render keep_footer pdf
expect_page "$TMP/keep_footer.pdf" 2 "keep, footer: page 2 has East's footer only" <<'EOF'
Header
End East
Page 2 of 5
EOF
expect_page "$TMP/keep_footer.pdf" 3 "keep, footer: North with its footer on page 3" <<'EOF'
Header
Region North
13 maple
14 nutmeg
15 oak
16 pine
17 quince
18 rowan
19 spruce
20 teak
End North
Page 3 of 5
EOF
expect_true "keep, footer: the outline says East 1, North 3, West 4" \
    test "$(outline "$TMP/keep_footer.pdf")" = "East 1 North 3 West 4 "

# keep_together and reprint_header: the moved group's header is not
# printed twice on the page it moves to.
sed -e 's/keep_together = true/keep_together = true; reprint_header = true/' \
    -e "s|\"rows.csv\"|\"$PWD/$D/rows.csv\"|" "$D/keep.quire" >"$TMP/keep_reprint.quire"
run "$QUIRE" render "$TMP/keep_reprint.quire" -f pdf -o "$TMP/keep_reprint.pdf"
expect_page "$TMP/keep_reprint.pdf" 2 "keep and reprint: East's header again above its end" <<'EOF'
Header
Region East
10 juniper
11 kapok
12 larch
End East
Page 2 of 4
EOF
expect_true "keep and reprint: North's header once on page 3" \
    test "$(page_text "$TMP/keep_reprint.pdf" 3 | grep -c 'Region North')" = 1

# An inner group's total in its header is known before the outer kept
# group moves: the move keeps it (it used to be freed, and the pages then
# waited for it forever).
render keep_nested pdf
expect_rc 0 "keep, nested: renders"
# North's even ids: 6.60 + 1.01 + 8.80 + 4.45 = 20.86.
expect_true "keep, nested: North moves whole to page 3" \
    test "$(page_text "$TMP/keep_nested.pdf" 3 | sed -n '2p;3p' | tr '\n' ';')" = "Region North;North parity 0 sum 20.86;"
pdftotext -layout "$TMP/keep_nested.pdf" - | sed -e 's/[[:space:]]\+/ /g' -e 's/^ //' >"$TMP/keep_nested.txt"
python3 - "$D/rows.csv" "$TMP/keep_nested.txt" >"$TMP/keep_nested.out" <<'PY'
import csv, sys
from decimal import Decimal
sums = {}
for r in csv.DictReader(open(sys.argv[1])):
    k = (r["region"], int(r["id"]) % 2)
    sums[k] = sums.get(k, Decimal(0)) + Decimal(r["amount"])
lines = [ln.strip() for ln in open(sys.argv[2])]
print(all("%s parity %d sum %s" % (k[0], k[1], v) in lines for k, v in sums.items()), len(sums))
PY
expect_true "keep, nested: every inner total equals Python's sum ($(cat "$TMP/keep_nested.out"))" \
    grep -qx "True 6" "$TMP/keep_nested.out"

# ---- 6. reprint_header, start_new_page, min_height_to_start, reset_page_number
# 10pt rows, 30pt group headers, 20pt footers, 140pt body.
render reprint pdf
expect_pages "$TMP/reprint.pdf" 4 "reprint: 4 pages"
expect_page "$TMP/reprint.pdf" 2 "reprint: East's header again on page 2, then North starts" <<'EOF'
Header
Region East
12 larch
End East
Region North
13 maple
14 nutmeg
15 oak
16 pine
17 quince
Page 2 of 4
EOF
expect_page "$TMP/reprint.pdf" 3 "reprint: North's header again on page 3" <<'EOF'
Header
Region North
18 rowan
19 spruce
20 teak
End North
Region West
21 umbrella
22 viburnum
23 willow
Page 3 of 4
EOF

render newpage pdf
expect_pages "$TMP/newpage.pdf" 5 "start_new_page: 5 pages"
expect_page "$TMP/newpage.pdf" 2 "start_new_page: East's end alone on page 2" <<'EOF'
Header
12 larch
End East
Page 2 of 5
EOF
for p in 3 4; do
    expect_true "start_new_page: page $p starts with a region header" \
        test "$(page_text "$TMP/newpage.pdf" $p | sed -n 2p | cut -d' ' -f1)" = Region
done

render minheight pdf
expect_page "$TMP/minheight.pdf" 2 "min_height_to_start: 110pt left after East is too little for North" <<'EOF'
Header
12 larch
End East
Page 2 of 5
EOF
expect_true "min_height_to_start: North starts page 3, West page 4" \
    test "$(outline "$TMP/minheight.pdf")" = "East 1 North 3 West 4 "

render resetpn pdf
expect_rc 0 "reset_page_number renders"
expect_pages "$TMP/resetpn.pdf" 5 "reset_page_number: 5 pages"
got=""
for p in 1 2 3 4 5; do got="$got$(page_text "$TMP/resetpn.pdf" $p | tail -1);"; done
expect_true "reset_page_number: East 1-2 of 2, North 1 of 1, West 1-2 of 2 ($got)" \
    test "$got" = "Page 1 of 2;Page 2 of 2;Page 1 of 1;Page 1 of 2;Page 2 of 2;"

# ---- 7. Delayed totals ---------------------------------------------------------
render totals pdf
expect_rc 0 "totals renders"
pdftotext -layout "$TMP/totals.pdf" - | sed -e 's/[[:space:]]\+/ /g' >"$TMP/totals.txt"
run $CHECK totals "$D/rows.csv" "$TMP/totals.txt"
expect_rc 0 "each region's total and count in its header and footer, and the grand total in the title and summary, equal Decimal sums of rows.csv"
[ "$RC" -eq 0 ] || echo "$ERR" | sed 's/^/#   /'

# ---- 8. last_page_footer and when_no_data ---------------------------------------
render nodata pdf
expect_pages "$TMP/nodata.pdf" 5 "with rows: 5 pages"
ok=1
for p in 1 2 3 4; do page_text "$TMP/nodata.pdf" $p | tail -1 | grep -qx "Page $p of 5" || ok=0; done
expect_true "pages 1 to 4 have the page footer" test $ok = 1
expect_true "page 5 has the last page footer instead" \
    test "$(page_text "$TMP/nodata.pdf" 5 | tail -1)" = "Last page 5 of 5"
expect_true "and only that footer" test "$(page_text "$TMP/nodata.pdf" 5 | grep -c '^Page ')" = 0

nodata_mode() { # MODE: the no-data report with that mode, rendered with no rows
    sed -e "s/when_no_data = no_pages/when_no_data = $1/" \
        -e "s|\"rows.csv\"|\"$PWD/$D/rows.csv\"|" "$D/nodata.quire" >"$TMP/nodata_$1.quire"
    run "$QUIRE" render "$TMP/nodata_$1.quire" -f pdf -o "$TMP/nodata_$1.pdf" --param max_id=0 --stats
}
nodata_mode no_pages
expect_rc 0 "no_pages: renders"
expect_err_has "pages 0, sent 0," "no_pages: the renderer gets no page"
expect_pages "$TMP/nodata_no_pages.pdf" 1 "no_pages: the pdf plugin still writes a valid PDF of one blank page"
expect_true "no_pages: and that page is blank" test -z "$(page_text "$TMP/nodata_no_pages.pdf" 1)"
nodata_mode blank_page
expect_err_has "pages 1, sent 1," "blank_page: one page"
expect_true "blank_page: without header, footer or any text" test -z "$(page_text "$TMP/nodata_blank_page.pdf" 1)"
nodata_mode all_sections
expect_page "$TMP/nodata_all_sections.pdf" 1 "all_sections: title, page header, summary, last page footer" <<'EOF'
Title
Header
Summary
Last page 1 of 1
EOF
nodata_mode no_data_band
expect_page "$TMP/nodata_no_data_band.pdf" 1 "no_data_band: the no_data band alone" <<'EOF'
Nothing to report
EOF

# ---- 9. A page-scoped variable in the page footer --------------------------
render pagesum pdf
expect_pages "$TMP/pagesum.pdf" 3 "pagesum: 3 pages"
pdftotext -layout "$TMP/pagesum.pdf" "$TMP/pagesum.txt"
run $CHECK pagesums "$D/rows.csv" id amount "$TMP/pagesum.txt"
expect_rc 0 "each page's footer sums the amounts (from rows.csv) of the rows that page shows, also in the line that waits for page_count()"
[ "$RC" -eq 0 ] || echo "$ERR" | sed 's/^/#   /'

# ---- 10. Overflow: clip, ellipsis, shrink, stretch ---------------------------
# overflow.quire: one rule per A4 page; the field's box starts 20 + 12 =
# 32pt from the top and is 26pt high, so it ends at 58pt.
render overflow pdf
expect_rc 0 "overflow renders"
expect_pages "$TMP/overflow.pdf" 4 "one page per rule"
pdftoppm -r 72 -f 1 -l 1 "$TMP/overflow.pdf" "$TMP/overflow"
run $CHECK ink "$TMP/overflow-1.ppm" 20 32 220 58
expect_true "clip: the box has text in it ($OUT dark pixels)" test "$OUT" -gt 500
run $CHECK ink "$TMP/overflow-1.ppm" 20 58 240 80
expect_out_line "0" "clip: nothing is drawn below the box, though a third line starts in it"
run sh -c "pdftotext -f 2 -l 2 '$TMP/overflow.pdf' - | sed '/^$/d' | tr -d '\f'"
expect_true "ellipsis: two lines fit, the second ends with …" \
    test "$(echo "$OUT" | sed -n 3p | tail -c 4)" = "…" -a "$(echo "$OUT" | wc -l)" = 3
expect_true "ellipsis: the first line is whole words from the start of the text" \
    grep -qx 'It was a bright cold day\( [A-Za-z]*\)*' <<<"$(echo "$OUT" | sed -n 2p)"
pdftotext -f 3 -l 3 -bbox "$TMP/overflow.pdf" "$TMP/overflow-3.bbox"
# Shrink: the 40 characters need 190pt at 10pt; at s pt they take 19s pt
# of the 100pt box, one line at 5pt (95pt), two lines of 1.164s above
# that (5.5pt: 104.5pt wide, 2 x 6.4pt = 12.8pt > 12pt). Font size is
# read as the line height over the 8pt label's line height, times 8.
python3 - "$TMP/overflow-3.bbox" >"$TMP/shrink.out" <<'PY'
import html, re, sys
words = []
for line in open(sys.argv[1], encoding="utf-8"):
    m = re.search(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">(.*)</word>', line)
    if m:
        words.append((float(m.group(1)), float(m.group(2)), html.unescape(m.group(3))))
label = [w for w in words if w[2] == "SHRINK"][0]
body = [w for w in words if w[0] > label[1]]
sizes = {round(8 * (w[1] - w[0]) / (label[1] - label[0]), 2) for w in body}
print("lines", len({w[0] for w in body}), "size", sizes, "text", " ".join(w[2] for w in body))
PY
expect_true "shrink: one line at 5pt with every character ($(cat "$TMP/shrink.out"))" \
    grep -qx "lines 1 size {5.0} text It was a bright cold day in April and th" "$TMP/shrink.out"
pdftotext -f 4 -l 4 "$TMP/overflow.pdf" "$TMP/overflow-4.txt"
run $CHECK words "$D/long.csv" 2 body "$TMP/overflow-4.txt"
expect_rc 0 "stretch: the box grows to show every word"

# ---- 11. Conditions, frames, images, fonts -----------------------------------
render elements pdf
expect_rc 0 "elements renders"
expect_page "$TMP/elements.pdf" 1 "print_when on the band (even ids) and on 'big' (amount > 20); Greek and Cyrillic" <<'EOF'
Καλημέρα
Привет
id 26 50.50 big inner zelkova
id 28 19.19 inner banyan
id 30 70.70 big inner date
EOF
pdftoppm -r 72 "$TMP/elements.pdf" "$TMP/elements"
# Rows start under the 70pt title at 80pt, 20pt each; the amounts are
# right-aligned in [40, 120).
run $CHECK red "$TMP/elements-1.ppm" 40 120 120 140
expect_true "the amount above 60 (70.70) is red ($OUT red pixels)" test "$OUT" -gt 20
run $CHECK red "$TMP/elements-1.ppm" 40 80 120 120
expect_out_line "0" "the amounts 50.50 and 19.19 are not"
run $CHECK pixel "$TMP/elements-1.ppm" 287 83
expect_out_line "204 204 204" "the frame's #cccccc background is drawn behind its children"
run $CHECK ink "$TMP/elements-1.ppm" 10 10 130 70
expect_true "the logo is drawn in its box" test "$OUT" -gt 1000
run sh -c "pdfimages -list '$TMP/elements.pdf' | awk 'NR > 2 { print \$3, \$4, \$5, \$9 }'"
expect_out_line "image 120 60 image" "the PNG logo is embedded at 120x60"
expect_out_line "smask 120 60 image" "with its alpha as a soft mask"
expect_out_line "image 80 60 jpeg" "the JPEG photo is embedded as it is, 80x60"

render frame pdf
pdftotext -bbox "$TMP/frame.pdf" "$TMP/frame.bbox"
python3 - "$TMP/frame.bbox" >"$TMP/frame.out" <<'PY'
import re, sys
ys = [(float(a), float(b), w) for a, b, w in
      re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">(.*)</word>', open(sys.argv[1]).read())]
below = [y for y in ys if y[2] == "Below"][0]
after = [y for y in ys if y[2] == "After"][0]
inner = [y for y in ys if y[0] < below[0] - 1]
print("lines", len({round(y[0], 1) for y in inner}), "last", round(max(y[1] for y in inner), 1),
      "below", round(below[0], 1), "after", round(after[0], 1))
PY
# Six lines of 11.64pt from 15pt end at 84.8pt; the frame keeps its 11pt
# below them (95.8pt) and the text 5pt under the frame starts at 100.8pt.
# The second band starts under it (114.8pt) and is as tall as its frame
# (85.8pt): the summary starts at 200.7pt.
expect_true "frame: six lines in the frame, the text under it moves down to 100.8pt, the band after a grown frame at 200.7pt ($(cat "$TMP/frame.out"))" \
    grep -qx "lines 6 last 84.8 below 100.8 after 200.7" "$TMP/frame.out"
pdftoppm -r 72 "$TMP/frame.pdf" "$TMP/frame"
run $CHECK pixel "$TMP/frame-1.ppm" 205 92
expect_out_line "204 204 204" "frame: its background grows down to 95.8pt"

render badimage pdf
expect_rc 5 "a missing image exits 5"
expect_err_line "$D/badimage.quire:8:5: error: image 'tests/data/images/missing.png': No such file or directory" \
    "and names the file at the element"
expect_true "and writes no PDF" test ! -e "$TMP/badimage.pdf"

render badfont pdf
expect_rc 5 "an unknown font family exits 5"
expect_err_line "$D/badfont.quire:6:1: error: font 'Comic Sans' is not configured (configured families: 'DejaVu Sans', 'DejaVu Serif', 'DejaVu Sans Mono'; see [kernel] fonts)" \
    "a style's unknown font, with the configured families"
expect_err_line "$D/badfont.quire:10:5: error: font 'Helvetica' is not configured (configured families: 'DejaVu Sans', 'DejaVu Serif', 'DejaVu Sans Mono'; see [kernel] fonts)" \
    "an element's unknown font too"

render cjk pdf
expect_rc 0 "a string with CJK characters DejaVu lacks still renders"
expect_err_line "warning: font 'DejaVu Sans' has no glyph for U+4E2D in \"Total 中文 ok\"" \
    "with a warning naming the font, the first missing character and the text"
expect_true "the rest of the text prints" sh -c "pdftotext '$TMP/cjk.pdf' - | grep -q '^Total .* ok$'"

# Glyphs are checked only where text was not proven printable ASCII: each
# way text reaches a page still gets its warning.
render glyphs pdf
expect_rc 0 "characters the font lacks in rows, headers, footers and totals: still renders"
expect_err_line "warning: font 'DejaVu Sans' has no glyph for U+4E2D in \"中 here\"" \
    "a detail row in the middle of page 3"
expect_err_line "warning: font 'DejaVu Sans' has no glyph for U+897F in \"West 西\"" \
    "a group header, reprinted on the next page"
expect_err_line "warning: font 'DejaVu Sans' has no glyph for U+5317 in \"page 北\"" \
    "the page footer"
expect_err_line "warning: font 'DejaVu Sans' has no glyph for U+5357 in \"南 40\"" \
    "a total filled in when the report ends"
expect_true "four warnings, one per character" \
    test "$(printf '%s\n' "$ERR" | grep -c 'has no glyph')" = 4

render noroom pdf
expect_rc 5 "a page header and footer that leave no room exit 5 at once"
expect_err_line "error: no room for bands on page 1: the page header, column header, repeated group headers and page footer take 180.00pt of the 180.00pt between the margins" \
    "and say what takes the room"

# ---- 12. Every format renders the same report -------------------------------------
render totals pdf
n=$(npages "$TMP/totals.pdf")
mkdir -p "$TMP/svg" "$TMP/png" "$TMP/html"
run "$QUIRE" render "$D/totals.quire" -f svg -o "$TMP/svg/totals.svg"
expect_rc 0 "svg renders"
run $CHECK svg "$n" "$TMP"/svg/totals-page-*.svg
expect_rc 0 "one svg per PDF page ($n), each an SVG document XML parses"
[ "$RC" -eq 0 ] || echo "$ERR" | sed 's/^/#   /'
run "$QUIRE" render "$D/totals.quire" -f png -o "$TMP/png/totals.png"
expect_rc 0 "png renders"
expect_true "one png per PDF page ($n)" test "$(ls "$TMP"/png/totals-page-*.png | wc -l)" = "$n"
# 300x200pt at 96 dpi: round(300 * 96 / 72) = 400, round(200 * 96 / 72) = 267.
run $CHECK pngsize "$TMP/png/totals-page-1.png"
expect_out_line "400 267" "png page 1 is 400x267 pixels at 96 dpi"
run "$QUIRE" render "$D/totals.quire" -f html -o "$TMP/html/totals.html"
expect_rc 0 "html renders"
run python3 tests/browser/check_html.py "$TMP/html/totals.html"
expect_rc 0 "the html parses without structural errors"
expect_out_line "count section.page $n" "with one section.page per PDF page"
if command -v node >/dev/null && [ -x /usr/bin/chromium ] &&
    [ -e tests/browser/node_modules/playwright-core/package.json ]; then
    run node tests/browser/screenshot.mjs "$TMP/html/totals.html" "$TMP/html/shot.png"
    expect_rc 0 "Chromium opens the html"
    echo "$OUT" >"$TMP/html/shot.json"
    run python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(d["pages"], d["consoleErrors"], d["brokenImages"], d["externalRequests"])' "$TMP/html/shot.json"
    expect_out_line "$n [] [] []" "Chromium sees $n pages and no console error, broken image or request"
else
    _not_ok "Chromium opens the html" "node, /usr/bin/chromium or tests/browser/node_modules is missing (make deps; make tests)"
fi

# ---- 13. Bounded memory: no page waits for pdf, waiting pages spill for html -------
# 200,000 generated sales rows in examples/sales.quire: every page shows
# page_count(), known only at the end. pdf is a LATE format: each page goes
# out at once with a slot for it, so with page_memory = 1mb nothing waits
# and nothing is spilled.
"$QUIRE_BUILD/bench/gen_sales" 200000 "$TMP/sales200k.csv" >/dev/null
run env QUIRE_KERNEL_PAGE_MEMORY=1mb QUIRE_KERNEL_TEMP_DIR="$TMP" "$QUIRE" render examples/sales.quire \
    --data sales="$TMP/sales200k.csv" -f pdf -o "$TMP/sales200k.pdf" --stats
expect_rc 0 "200k rows render with page_memory = 1mb"
expect_err_match() { if echo "$ERR" | grep -qE "$1"; then _ok "$2"; else _not_ok "$2" "stderr: $ERR"; fi; }
expect_err_match "waiting at most 1, spilled 0 bytes" "pdf: no page waits for Page X of Y, nothing is spilled"
n=$(npages "$TMP/sales200k.pdf")
expect_err_has "pages $n, sent $n," "--stats counts the PDF's $n pages, all sent"
expect_true "page 1 says 'Page 1 of $n'" sh -c "pdftotext -f 1 -l 1 '$TMP/sales200k.pdf' - | grep -qx 'Page 1 of $n'"
expect_true "page $n says 'Page $n of $n'" sh -c "pdftotext -f $n -l $n '$TMP/sales200k.pdf' - | grep -qx 'Page $n of $n'"
pdftotext "$TMP/sales200k.pdf" - | grep -x 'Page [0-9]* of [0-9]*' >"$TMP/pagelines"
expect_true "every one of the $n pages says 'Page i of $n', in order" \
    sh -c "seq 1 $n | sed 's/.*/Page & of $n/' | cmp -s - '$TMP/pagelines'"
total=$(python3 -c '
import csv, sys
from decimal import Decimal
t = sum((Decimal(r["amount"]) for r in csv.DictReader(open(sys.argv[1]))), Decimal(0))
print("{:,.2f}".format(t))' "$TMP/sales200k.csv")
expect_true "the summary's grand total on page $n is Python's sum, $total" \
    sh -c "pdftotext -layout -f $n -l $n '$TMP/sales200k.pdf' - | grep -q 'Grand total  *200,000  *$total\$'"
expect_true "the title's revenue on page 1 too" \
    sh -c "pdftotext -f 1 -l 1 '$TMP/sales200k.pdf' - | grep -q 'Revenue: $total'"
rm -f "$TMP/sales200k.csv" "$TMP/sales200k.pdf" "$TMP/pagelines"

# Page totals in a footer that reads page_count(): each page keeps its own
# variables' values until the count is known (pdf: in its slot).
"$QUIRE_BUILD/bench/gen_sales" 20000 "$TMP/sales20k.csv" >/dev/null
run env QUIRE_KERNEL_PAGE_MEMORY=1mb QUIRE_KERNEL_TEMP_DIR="$TMP" "$QUIRE" render "$D/pagesum_big.quire" \
    --data sales="$TMP/sales20k.csv" -f pdf -o "$TMP/pagesum_big.pdf" --stats
expect_rc 0 "20k rows with page totals render with page_memory = 1mb"
pdftotext -layout "$TMP/pagesum_big.pdf" "$TMP/pagesum_big.txt"
run $CHECK pagesums "$TMP/sales20k.csv" order_id amount "$TMP/pagesum_big.txt"
expect_rc 0 "every page's footer has the sum of the amounts it shows"
[ "$RC" -eq 0 ] || echo "$ERR" | sed 's/^/#   /'

# html writes each page once, so its pages wait for page_count(); past
# page_memory they wait in a file in temp_dir and are read back with the
# variables they kept: the footers must be the PDF's.
run env QUIRE_KERNEL_PAGE_MEMORY=1mb QUIRE_KERNEL_TEMP_DIR="$TMP" "$QUIRE" render "$D/pagesum_big.quire" \
    --data sales="$TMP/sales20k.csv" -f html -o "$TMP/pagesum_big.html" --stats
expect_rc 0 "the same to html"
expect_err_match "spilled [1-9][0-9]{5,} bytes" "html: waiting pages were spilled"
grep -o 'Sum [0-9.]* on page [0-9]* of [0-9]*' "$TMP/pagesum_big.html" >"$TMP/html.sums"
grep -o 'Sum [0-9.]* on page [0-9]* of [0-9]*' "$TMP/pagesum_big.txt" >"$TMP/pdf.sums"
expect_true "html: every page's waiting footer, read back from disk, is the PDF's ($(wc -l <"$TMP/pdf.sums") pages)" \
    sh -c "test -s '$TMP/pdf.sums' && cmp -s '$TMP/html.sums' '$TMP/pdf.sums'"
rm -f "$TMP/sales20k.csv" "$TMP"/pagesum_big.* "$TMP"/*.sums

# ---- 14. A golden image ------------------------------------------------------------
# golden/golden.png was reviewed by eye (see golden.quire): cairo at 72 dpi,
# one pixel per point.
run env QUIRE_RENDERER_CAIRO_DPI=72 "$QUIRE" render "$D/golden.quire" -f png -o "$TMP/golden.png"
expect_rc 0 "the golden report renders to one png"
run $CHECK golden "$D/golden/golden.png" "$TMP/golden.png"
expect_rc 0 "it matches golden/golden.png: at most 0.5% of pixels differ by more than 16 ($OUT)"
[ "$RC" -eq 0 ] || echo "$ERR" | sed 's/^/#   /'

# Fonts the configuration names: a file that is not there, and a default
# family without a regular face. Environment overrides reach the [kernel]
# keys, so the test config stays as it is.
run env QUIRE_KERNEL_FONTS="DejaVuSans.ttf nope.ttf" "$QUIRE" render "$D/golden.quire" -f pdf \
    -o "$TMP/nofont.pdf"
expect_rc 5 "a configured font file that is missing exits 5"
expect_err_line "error: environment QUIRE_KERNEL_FONTS: [kernel] fonts: /usr/share/fonts/truetype/dejavu/nope.ttf: cannot open: No such file or directory" \
    "and names the setting and the file"
expect_true "and writes no PDF" test ! -e "$TMP/nofont.pdf"
run env QUIRE_KERNEL_FONTS="DejaVuSans-Bold.ttf" "$QUIRE" render "$D/golden.quire" -f pdf \
    -o "$TMP/nofont.pdf"
expect_rc 5 "a default family with only a bold face exits 5"
expect_err_line "error: [kernel] font_default: family 'DejaVu Sans' has no regular face among the configured fonts (add its regular file to [kernel] fonts)" \
    "and says a regular face is missing"
