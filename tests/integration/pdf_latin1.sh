# pdf_latin1.sh - text in the PDF renderer is one byte a character when
# all its characters are Latin-1 (U+0000..U+00FF), in each font's one-byte
# variant (plugins/pdf/pdf_latin1.c), and two bytes (UTF-16, the font's
# Identity-H encoding) otherwise. A report mixing Latin-1 with Greek,
# Cyrillic, CJK and the euro sign (U+20AC, not Latin-1), in one element and
# in separate ones, in the body, a justified paragraph and the delayed
# "Page X of Y" footers, and examples/sales.quire, are rendered and read
# back: every string operand of every page is parsed out of the deflated
# content with the font it is shown in, and must be the element's text
# encoded by Python's own codecs (latin-1 in a one-byte font, utf-16-be in
# an Identity-H one); pdftotext gives the text back, pdffonts lists each
# font twice (both embedded subsets of the same name), and poppler warns
# about nothing.
source tests/lib.sh

use_plugins "csv, pdf, chart_standard"

# strings.py PDF: one line per text string shown, in page order:
# "KIND<TAB>TEXT", KIND being "1" (a one-byte font whose encoding is the
# plugin's CMap) or "2" (an Identity-H font), TEXT the string's bytes
# decoded as that kind says (latin-1 or utf-16-be), the pieces of one TJ
# joined. A string of bytes the kind cannot be (an odd length in a
# two-byte font) or a font of another encoding prints "problem: ...".
cat >"$TMP/strings.py" <<'PY'
import re, sys, zlib

pdf = open(sys.argv[1], "rb").read()
starts = {int(m.group(1)): m.end() for m in re.finditer(rb"(?m)^(\d+) 0 obj", pdf)}

def body(n):
    return pdf[starts[n]:pdf.find(b"endobj", starts[n])]

def stream(n):
    b = body(n)
    at = b.find(b"stream")
    d = b[:at]
    m = re.search(rb"/Length (\d+)( 0 R)?", d)
    length = int(m.group(1))
    if m.group(2):
        length = int(body(length).split()[0])
    data = b[at + 6:]
    data = data[2:] if data.startswith(b"\r\n") else data[1:]
    data = data[:length]
    return d, zlib.decompress(data) if b"/FlateDecode" in d else data

def ref(b, key):
    m = re.search(rb"/" + key + rb" (\d+) 0 R", b)
    return int(m.group(1)) if m else None

catalog = [n for n in starts if b"/Type /Catalog" in body(n)][0]
root = body(ref(body(catalog), b"Pages"))
fonts = dict((k.decode(), int(v)) for k, v in
             re.findall(rb"/(F\d+) (\d+) 0 R", re.search(rb"/Font <<(.*?)>>", root, re.S).group(1)))

def kind(name):
    b = body(fonts[name])
    if b"/Encoding /Identity-H" in b:
        return "2"
    cmap = ref(b, b"Encoding")
    if cmap is not None and b"/CMapName /Quire-Latin1-H" in stream(cmap)[0]:
        return "1"
    return None

def pages(n):
    b = body(n)
    if b"/Type /Pages" in b:
        for kid in re.findall(rb"(\d+) 0 R", re.search(rb"/Kids \[(.*?)\]", b, re.S).group(1)):
            yield from pages(int(kid))
    else:
        yield b

def tokens(data):
    i = 0
    while i < len(data):
        c = data[i:i + 1]
        if c in b" \t\r\n":
            i += 1
        elif c == b"(":
            out, depth, i = bytearray(), 1, i + 1
            while True:
                c = data[i:i + 1]
                i += 1
                if c == b"\\":
                    octal = re.match(rb"[0-7]{1,3}", data[i:i + 3])
                    if octal:
                        out.append(int(octal.group(0), 8) & 0xFF)
                        i += len(octal.group(0))
                        continue
                    e = data[i:i + 1]
                    i += 1
                    out += {b"r": b"\r", b"n": b"\n", b"t": b"\t", b"b": b"\b",
                            b"f": b"\f", b"\n": b""}.get(e, e)
                    continue
                if c == b"(":
                    depth += 1
                elif c == b")":
                    depth -= 1
                    if depth == 0:
                        break
                out += c
            yield ("str", bytes(out))
        elif c in b"[]":
            yield (c.decode(), None)
            i += 1
        else:
            j = i
            while j < len(data) and data[j:j + 1] not in b" \t\r\n([]":
                j += 1
            yield ("word", data[i:j])
            i = j

for page in pages(ref(body(catalog), b"Pages")):
    m = re.search(rb"/Contents (\d+) 0 R", page)
    ids = [int(m.group(1))] if m else [int(x) for x in re.findall(
        rb"(\d+) 0 R", re.search(rb"/Contents \[(.*?)\]", page, re.S).group(1))]
    data = b"".join(stream(n)[1] for n in ids)
    font, args, pieces = None, [], []
    for t, v in tokens(data):
        if t == "str":
            pieces.append(v)
        elif t == "word" and v == b"Tf":
            font = args[-2].decode()[1:]
        elif t == "word" and v in (b"Tj", b"TJ"):
            k = kind(font)
            raw = b"".join(pieces)
            if k is None:
                print("problem: font %s has neither encoding" % font)
            elif k == "2" and len(raw) % 2:
                print("problem: odd two-byte string %r" % raw)
            else:
                print("%s\t%s" % (k, raw.decode("latin-1" if k == "1" else "utf-16-be")))
            pieces = []
        if t == "word":
            args = (args + [v])[-2:]
        if t == "word" and not re.match(rb"^[-/.\d]", v):
            args = []
PY

# The report: Latin-1 only, other scripts, both in one element, in the
# body, the footers (delayed: Page X of Y) and a justified paragraph.
cat >"$TMP/mixed.csv" <<'EOF'
id,name
1,Zoë Müller
2,Ελένη Παπαδοπούλου
3,José Núñez € 12
4,Straße ± ¼ ½ ¾ ÿ
EOF
cat >"$TMP/mixed.quire" <<'EOF'
report { page = [420, 300]; margins = 10 }
source rows { plugin = csv; path = "mixed.csv" }
sort = id
band title {
    height = 104
    text { box = [0, 0, 400, 14]; text = "Latin-1: é ü ß ± « » ÿ Ñ ¿¡ °C (x) \\ end" }
    text { box = [0, 14, 400, 14]; text = "Greek: Αλφα, Cyrillic: Привет" }
    text { box = [0, 28, 400, 14]; text = "Euro: € 100, é ü ß and 中" }
    text { box = [0, 42, 400, 14]; text = "Bold: Größe «ça» ±1"; bold = true }
    text {
        box = [0, 56, 200, 40]
        text = "Justified text with é and ü and ß spread over some lines so that it wraps ok"
        align = justify
        size = 8
    }
}
band detail {
    height = 16
    field name { box = [0, 0, 300, 16]; value = name }
}
band page_footer {
    height = 32
    field { box = [0, 0, 400, 16]; value = "Seite " || page() || " von " || page_count() || " – über" }
    field { box = [0, 16, 400, 16]; value = "Página " || page() || " de " || page_count() || " ñ" }
}
EOF

run "$QUIRE" render "$TMP/mixed.quire" -f pdf -o "$TMP/mixed.pdf"
expect_rc 0 "the mixed report renders to PDF"
expect_err_has "has no glyph for U+4E2D" "the kernel warns about the CJK character DejaVu Sans lacks"
run python3 "$TMP/strings.py" "$TMP/mixed.pdf"
expect_rc 0 "the content streams parse"
expect_true "no string is in a font of another encoding or of an odd length" \
    test -z "$(grep '^problem' "$TMP/.out")"
# What each element must be: its kind worked out by hand (1 when every
# character is at most U+00FF), its text as the report says it.
cat >"$TMP/want" <<'EOF'
1	Latin-1: é ü ß ± « » ÿ Ñ ¿¡ °C (x) \ end
2	Greek: Αλφα, Cyrillic: Привет
2	Euro: € 100, é ü ß and 中
1	Bold: Größe «ça» ±1
1	Zoë Müller
2	Ελένη Παπαδοπούλου
2	José Núñez € 12
1	Straße ± ¼ ½ ¾ ÿ
2	Seite 1 von 1 – über
1	Página 1 de 1 ñ
EOF
while IFS= read -r line; do
    expect_out_line "$line" "shown as kind ${line%%	*}: ${line#*	}"
done <"$TMP/want"
# The justified paragraph: Latin-1, so one-byte strings, one TJ a line
# whose pieces are the words.
expect_out_match '^1	Justified text with é and ü and ß' "the justified line is one-byte, its words in order"
run pdftotext -layout "$TMP/mixed.pdf" -
expect_true "pdftotext says nothing on stderr" test -z "$ERR"
for text in "Latin-1: é ü ß ± « » ÿ Ñ ¿¡ °C (x) \\ end" "Greek: Αλφα, Cyrillic: Привет" \
    "Euro: € 100, é ü ß and" "Bold: Größe «ça» ±1" "Zoë Müller" "Ελένη Παπαδοπούλου" \
    "José Núñez € 12" "Straße ± ¼ ½ ¾ ÿ" "Seite 1 von 1 – über" "Página 1 de 1 ñ"; do
    expect_out_has "$text" "pdftotext reads '$text'"
done
run pdffonts "$TMP/mixed.pdf"
expect_true "pdffonts says nothing on stderr" test -z "$ERR"
expect_out_match '^HPDFAA\+DejaVuSans,Book +CID TrueType +Identity-H +yes +yes +yes ' \
    "pdffonts: the regular font, two-byte"
expect_out_match '^HPDFAA\+DejaVuSans,Book +CID TrueType +Custom +yes +yes +yes ' \
    "pdffonts: its one-byte variant, the same embedded subset"
expect_out_match '^HPDFAB\+DejaVuSans-Bold,Bold +CID TrueType +Custom +yes +yes +yes ' \
    "pdffonts: the bold font's one-byte variant"
run pdftoppm -r 100 -png "$TMP/mixed.pdf" "$TMP/mixed"
expect_rc 0 "pdftoppm draws the mixed report"
expect_true "pdftoppm says nothing on stderr" test -z "$ERR"

# examples/sales.quire: all its text is ASCII, so no string is two-byte,
# and the text comes back.
run "$QUIRE" render examples/sales.quire --data sales=examples/data/sales.csv -f pdf \
    -o "$TMP/sales.pdf" --quiet
expect_rc 0 "sales.quire renders to PDF"
run python3 "$TMP/strings.py" "$TMP/sales.pdf"
expect_rc 0 "the sales content streams parse"
expect_true "every string of sales.quire is one-byte" test -z "$(grep -v '^1	' "$TMP/.out")"
expect_out_line "1	Sales by region" "the title is a one-byte string"
expect_out_match '^1	Page 1 of [0-9]+$' "the footer slot of page 1 is a one-byte string"
run pdftotext -f 2 -l 2 "$TMP/sales.pdf" -
expect_true "pdftotext says nothing about sales.pdf" test -z "$ERR"
expect_out_has "Page 2 of" "pdftotext reads page 2's footer"
