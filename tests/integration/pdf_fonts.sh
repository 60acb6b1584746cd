# pdf_fonts.sh - the font programs the pdf renderer embeds (FontFile2) are
# well-formed TrueType: libharu makes the subset's glyf, loca, head and
# name, and plugins/pdf/pdf_sfnt.c puts back the tables libharu would copy
# four bytes at a time (post as format 3.0). Checked by reading each
# program out of the PDF with a parser of our own: the directory, every
# table's checksum and alignment, head's checkSumAdjustment, /Length1, and
# each copied table byte for byte against the font file it came from.
source tests/lib.sh

use_plugins "csv, pdf, chart_standard"
FONT_DIR=/usr/share/fonts/truetype/dejavu

cat >"$TMP/sfnt.py" <<'PY'
import re, struct, sys, zlib

pdf = open(sys.argv[1], "rb").read()
originals = []
for path in sys.argv[2:]:
    data = open(path, "rb").read()
    n = struct.unpack(">H", data[4:6])[0]
    tables = {}
    for i in range(n):
        tag, _, off, ln = struct.unpack(">4sIII", data[12 + 16 * i:28 + 16 * i])
        tables[tag] = data[off:off + ln]
    originals.append(tables)

def words(b):
    b = b + b"\0" * (-len(b) % 4)
    return sum(struct.unpack(">%dI" % (len(b) // 4), b)) & 0xFFFFFFFF

COPIED = [b"OS/2", b"cmap", b"cvt ", b"fpgm", b"hhea", b"hmtx", b"maxp", b"prep"]
count = 0
for m in re.finditer(rb"<<([^>]*?/Length1 (\d+)[^>]*?)>>\s*stream\r?\n", pdf, re.S):
    raw = pdf[m.end():pdf.find(b"endstream", m.end())]
    font = zlib.decompressobj().decompress(raw) if b"/FlateDecode" in m.group(1) else raw
    count += 1
    print("font %d: %d bytes" % (count, len(font)))
    if int(m.group(2)) != len(font):
        print("problem: /Length1 %s, program %d bytes" % (m.group(2).decode(), len(font)))
    n = struct.unpack(">H", font[4:6])[0]
    tables, head = {}, None
    for i in range(n):
        tag, cs, off, ln = struct.unpack(">4sIII", font[12 + 16 * i:28 + 16 * i])
        body = font[off:off + ln]
        tables[tag] = body
        if off % 4:
            print("problem: %s at %d, not a multiple of 4" % (tag.decode(), off))
        if off + ln > len(font):
            print("problem: %s ends past the program" % tag.decode())
        summed = body[:8] + b"\0\0\0\0" + body[12:] if tag == b"head" else body
        if words(summed) != cs:
            print("problem: %s checksum %08x, recorded %08x" % (tag.decode(), words(summed), cs))
        if tag == b"head":
            head = off
    if head is None:
        print("problem: no head table")
        continue
    adjust = struct.unpack(">I", font[head + 8:head + 12])[0]
    whole = font[:head + 8] + b"\0\0\0\0" + font[head + 12:]
    if (0xB1B0AFBA - words(whole)) & 0xFFFFFFFF != adjust:
        print("problem: checkSumAdjustment %08x is wrong" % adjust)
    post = tables.get(b"post", b"")
    if len(post) != 32 or post[:4] != b"\0\3\0\0":
        print("problem: post is %d bytes, version %s" % (len(post), post[:4].hex()))
    if not tables.get(b"glyf") or not tables.get(b"loca"):
        print("problem: no glyphs")
    source = [o for o in originals if o.get(b"hmtx") == tables.get(b"hmtx")]
    if not source:
        print("problem: hmtx is no font file's")
        continue
    for tag in COPIED:
        if tag in source[0] and tables.get(tag) != source[0][tag]:
            print("problem: %s differs from the font file's" % tag.decode())
    if post[4:32] != source[0][b"post"][4:32]:
        print("problem: post's header differs from the font file's")
print("fonts: %d" % count)
PY

check() { # pdf, what
    python3 "$TMP/sfnt.py" "$1" "$FONT_DIR/DejaVuSans.ttf" "$FONT_DIR/DejaVuSans-Bold.ttf" \
        >"$TMP/check.out" 2>&1
    if grep -q '^fonts: 2$' "$TMP/check.out" && ! grep -q 'problem\|Error' "$TMP/check.out"; then
        echo "ok - $2"
    else
        echo "not ok - $2"
        sed 's/^/# /' "$TMP/check.out"
    fi
}

run "$QUIRE" render examples/sales.quire --data sales=examples/data/sales.csv -f pdf \
    -o "$TMP/sales.pdf" --quiet
expect_rc 0 "sales.quire renders to PDF"
check "$TMP/sales.pdf" "both embedded font programs are well-formed TrueType with the copied tables intact"
run pdffonts "$TMP/sales.pdf"
expect_out_match '^HPDFAA\+DejaVuSans-Bold,Bold +CID TrueType +Identity-H +yes +yes +yes ' \
    "pdffonts: the bold subset is embedded"
expect_out_match '^HPDFAB\+DejaVuSans,Book +CID TrueType +Identity-H +yes +yes +yes ' \
    "pdffonts: the regular subset is embedded"
# poppler draws the glyphs from the embedded programs: no complaint about
# any of them, and the text comes back.
run pdftoppm -r 40 -f 1 -l 1 -png "$TMP/sales.pdf" "$TMP/page"
expect_rc 0 "pdftoppm draws the first page"
expect_true "pdftoppm says nothing about the fonts" test -z "$ERR"
run pdftotext -f 1 -l 1 "$TMP/sales.pdf" -
expect_out_has "Sales by region" "pdftotext reads the title through the embedded fonts"

# Uncompressed documents keep libharu's own embedding; the program is
# still a font.
cat "$QUIRE_CONF" >"$TMP/plain.conf"
printf '\n[renderer.pdf]\ncompress = no\n' >>"$TMP/plain.conf"
run "$QUIRE" render examples/sales.quire -c "$TMP/plain.conf" --data sales=examples/data/sales.csv \
    -f pdf -o "$TMP/plain.pdf" --quiet
expect_rc 0 "sales.quire renders to an uncompressed PDF"
run pdftotext -f 1 -l 1 "$TMP/plain.pdf" -
expect_out_has "Sales by region" "pdftotext reads the uncompressed PDF's title"
