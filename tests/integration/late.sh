# late.sh - delayed values sent to a LATE renderer (quire/renderer.h): the
# kernel sends every page at once with slot elements and each slot's
# elements once the value is known. tests/plugins/trace_renderer.c writes
# what it receives, as format `trace` (LATE) and `trace_wait` (pages held
# until complete). Putting each slot's elements in place of its slot
# element must give exactly the pages trace_wait received, for every
# report of tests/data/pages with delayed values; every slot is filled
# once, after its page; with --pages only the selected pages' slots come.
source tests/lib.sh

D=tests/data/pages
PLUG="$TMP/plugins"
mkdir -p "$PLUG"
case "$QUIRE_BUILD" in /*) B=$QUIRE_BUILD ;; *) B=$PWD/$QUIRE_BUILD ;; esac
ln -s "$B/plugins/csv.so" "$PLUG/csv.so"
ln -s "$B/tests/plugins/trace_renderer.so" "$PLUG/trace_renderer.so"
printf '[kernel]\nplugin_dir = %s\nplugins = csv, trace_renderer\n' "$PLUG" >"$TMP/quire.conf"
export QUIRE_CONF="$TMP/quire.conf"

# check.py LATE WAIT [FIRST LAST]: rebuilds the pages from LATE and
# compares them with WAIT; prints one problem per line, nothing if equal.
cat >"$TMP/check.py" <<'PY'
import sys

def parse(path):
    pages, slots, order, cur = [], {}, [], None
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("page "):
            _, n, disp = line.split()
            cur = []
            pages.append((int(n), int(disp), cur))
            order.append(("page", int(n)))
        elif line.startswith("slot "):
            _, page, sid, count = line.split()
            cur = []
            if sid in slots:
                print(f"slot {sid} filled twice")
            slots[sid] = (int(page), int(count), cur)
            order.append(("slot", int(page), sid))
        else:
            cur.append(line)
    return pages, slots, order

late_pages, slots, order = parse(sys.argv[1])
wait_pages, wait_slots, _ = parse(sys.argv[2])
if wait_slots:
    print("trace_wait received slots")
seen_pages, used = set(), set()
for item in order:
    if item[0] == "page":
        seen_pages.add(item[1])
    elif item[1] not in seen_pages:
        print(f"slot {item[2]} of page {item[1]} came before its page")
rebuilt = []
for n, disp, els in late_pages:
    out = []
    for e in els:
        if e.startswith("S "):
            sid = e.split()[1]
            if sid not in slots:
                print(f"page {n}: slot {sid} never filled")
                continue
            page, count, fill = slots[sid]
            if page != n:
                print(f"slot {sid} is on page {n} but was filled for page {page}")
            if count != len(fill):
                print(f"slot {sid}: count {count}, {len(fill)} elements")
            used.add(sid)
            out.extend(fill)
        else:
            out.append(e)
    rebuilt.append((n, disp, out))
for sid in slots:
    if sid not in used:
        print(f"slot {sid} filled but on no page")
if rebuilt != wait_pages:
    for a, b in zip(rebuilt, wait_pages):
        if a != b:
            print(f"page {b[0]} differs:\n  late {a}\n  wait {b}")
            break
    if len(rebuilt) != len(wait_pages):
        print(f"{len(rebuilt)} pages late, {len(wait_pages)} waiting")
print(f"slots={len(slots)}", file=sys.stderr)
PY

# same NAME [ARGS...]: renders NAME both ways and compares.
same() {
    local name=$1 what=$2
    shift 2
    run "$QUIRE" render "$D/$name.quire" -f trace -o "$TMP/$name.late" "$@"
    expect_rc 0 "$what: renders to a LATE renderer"
    run "$QUIRE" render "$D/$name.quire" -f trace_wait -o "$TMP/$name.wait" "$@"
    expect_rc 0 "$what: renders to a waiting renderer"
    run python3 "$TMP/check.py" "$TMP/$name.late" "$TMP/$name.wait"
    expect_true "$what: slots filled in place give the same pages${OUT:+
$OUT}" test -z "$OUT"
    NSLOTS=$(echo "$ERR" | sed -n 's/^slots=//p')
}

same pagecount "Page X of Y over 5 pages"
expect_true "pagecount: one slot per page (5)" test "$NSLOTS" = 5
expect_true "pagecount: every page carries a slot element" \
    test "$(grep -c '^S ' "$TMP/pagecount.late")" = 5
same pagecount "Page X of Y on 1 page" --param max_id=1
same totals "group totals in headers, grand total in the title"
expect_true "totals: slots for the title, the headers and the page footers" test "$NSLOTS" -gt 5
same resetpn "page numbers reset per group (page_count per segment)"
same reprint "reprinted group headers with delayed totals"
same keep "keep_together moving delayed values to the next page"
same pagesum "page-scoped variables with evaluation = page"
for mode in prevent immediate stretch; do
    same split "split = $mode" --param mode=$mode
done

# Pages run at once: nothing waits, nothing spills.
run "$QUIRE" render "$D/totals.quire" -f trace -o "$TMP/t.late" --stats
expect_true "LATE: at most one page waits (--stats)" grep -q 'waiting at most [01],' "$TMP/.err"
expect_true "LATE: nothing is spilled (--stats)" grep -q 'spilled 0 bytes' "$TMP/.err"
run "$QUIRE" render "$D/totals.quire" -f trace_wait -o "$TMP/t.wait" --stats
expect_true "waiting renderer: the pages of a region wait for its total (--stats)" \
    grep -Eq 'waiting at most ([2-9]|[1-9][0-9]+),' "$TMP/.err"

# --pages: only the selected pages and their slots.
run "$QUIRE" render "$D/pagecount.quire" -f trace -o "$TMP/sel.late" --pages 2-3
expect_rc 0 "--pages 2-3 renders"
expect_true "--pages 2-3: pages 2 and 3 only" \
    test "$(grep '^page ' "$TMP/sel.late" | cut -d' ' -f2 | tr '\n' ' ')" = "2 3 "
expect_true "--pages 2-3: their two slots are filled, no other" \
    test "$(grep '^slot ' "$TMP/sel.late" | cut -d' ' -f2 | tr '\n' ' ')" = "2 3 "
expect_true "--pages 2-3: the slots say Page 2 of 5 and Page 3 of 5" \
    test "$(grep '^T ' "$TMP/sel.late" | grep -o 'Page . of .' | tr '\n' ' ')" = "Page 2 of 5 Page 3 of 5 "
