#!/usr/bin/env bash
# tests/integration/html_chart.sh - charts of the html renderer in a real
# browser: tests/browser/chart_html.mjs opens a page in the system Chromium
# with JavaScript off (the SVG and the data table are there and readable)
# and on (tooltips on hover and focus, arrow keys between marks, legend
# toggling by click, Enter and Space), and takes screenshots.
#
#   tests/integration/html_chart.sh [PAGE.html]
#
# Without an argument the page is the chart fixture of
# tests/unit/test_html_chart.c (written by its --fixture mode through the
# real html.so); with one, that page (a real report's html). Screenshots
# stay in $QUIRE_BUILD/tests/html_chart/ for people to look at.
. "$(dirname "$0")/../lib.sh"

SHOTS=$QUIRE_BUILD/tests/html_chart
mkdir -p "$SHOTS"
PAGE=${1:-}
if [ -z "$PAGE" ]; then
    PAGE=$TMP/chart.html
    run env QUIRE_BUILD="$QUIRE_BUILD" "$QUIRE_BUILD/tests/unit/test_html_chart" --fixture "$PAGE"
    expect_rc 0 "the chart fixture renders through html.so"
fi

# The script prints its own TAP lines, one per check.
run node tests/browser/chart_html.mjs "$PAGE" "$SHOTS"
printf '%s\n' "$OUT"
[ -n "$ERR" ] && printf '%s\n' "$ERR" | sed 's/^/# /'
expect_rc 0 "chart_html.mjs: every browser check passed"

is_png() { # FILE: a PNG of at least 5 kB
    [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] &&
        [ "$(wc -c <"$1")" -ge 5000 ]
}
for shot in chart-nojs chart-js-tip chart-js-focus chart-js-toggled; do
    expect_true "screenshot $shot.png" is_png "$SHOTS/$shot.png"
done
