#!/usr/bin/env python3
"""tests/data/pages/check.py - independent checks for tests/integration/pages.sh.

Reads what poppler and cairo wrote (pdftotext text and -bbox XHTML, PPM and
PNG pixels, SVG) and the CSV files the reports read, with nothing but the
standard library, and exits 1 with a message on stderr when a check fails.

    check.py words CSV ID COLUMN TEXT       every word of the CSV field, in
                                            order and nothing between, in TEXT
    check.py above BBOX LIMIT               every word above LIMIT (yMin <
                                            LIMIT, points) ends above it too
    check.py totals CSV TEXT                "Head R S rows N" / "Foot R S rows N"
                                            per region and "Title total" /
                                            "Summary total" match the CSV
    check.py pagesums CSV KEY COL TEXT      each page's "Page sum S rows N"
                                            and "Sum S on page I of N" give the
                                            sum of COL over the rows it shows
                                            (lines "KEY AMOUNT"); TEXT is
                                            pdftotext -layout, pages split at
                                            form feeds
    check.py pixel PPM X Y                  prints "R G B" of a P6 pixel
    check.py ink PPM X0 Y0 X1 Y1            prints how many pixels of the box
                                            (X0 <= x < X1, Y0 <= y < Y1) are
                                            not white
    check.py red PPM X0 Y0 X1 Y1            ... are red (R > 180, G and B < 100)
    check.py pngsize PNG                    prints "WIDTH HEIGHT"
    check.py svg N FILE...                  N files, each parses as SVG
    check.py golden GOLDEN PNG              at most 0.5% of the pixels differ
                                            by more than 16 in some channel
"""
import csv
import html
import re
import struct
import sys
import xml.etree.ElementTree as ET
import zlib
from decimal import Decimal


def fail(msg):
    sys.stderr.write(msg + "\n")
    sys.exit(1)


def read_rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def cmd_words(path, ident, column, text_path):
    want = None
    for r in read_rows(path):
        if r["id"] == ident:
            want = r[column].split()
    if not want:
        fail("no row %s in %s" % (ident, path))
    got = open(text_path, encoding="utf-8").read().split()
    for start in range(len(got)):
        if got[start:start + len(want)] == want:
            return
    # Say where it goes wrong: the longest prefix found.
    best = 0
    for start in range(len(got)):
        n = 0
        while n < len(want) and start + n < len(got) and got[start + n] == want[n]:
            n += 1
        best = max(best, n)
    fail("the %d words of row %s are not all there in order: the first %d are, then "
         "expected %r" % (len(want), ident, best, want[best] if best < len(want) else None))


def bbox_words(path):
    """(page, xMin, yMin, xMax, yMax, text) of every word of pdftotext -bbox."""
    words = []
    page = 0
    for line in open(path, encoding="utf-8"):
        if "<page " in line:
            page += 1
        m = re.search(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                      r'yMax="([\d.]+)">(.*)</word>', line)
        if m:
            words.append((page, float(m.group(1)), float(m.group(2)), float(m.group(3)),
                          float(m.group(4)), html.unescape(m.group(5))))
    return words


def cmd_above(path, limit):
    limit = float(limit)
    bad = [w for w in bbox_words(path) if w[2] < limit and w[4] > limit + 0.01]
    if bad:
        fail("words run into the footer at %.2f: %s" %
             (limit, ", ".join("page %d %r yMax %.2f" % (w[0], w[5], w[4]) for w in bad)))


def money(x):
    return Decimal(x).quantize(Decimal("0.01"))


def cmd_totals(path, text_path):
    rows = read_rows(path)
    text = open(text_path, encoding="utf-8").read()
    regions = {}
    for r in rows:
        s, n = regions.get(r["region"], (Decimal(0), 0))
        regions[r["region"]] = (s + Decimal(r["amount"]), n + 1)
    grand = sum((Decimal(r["amount"]) for r in rows), Decimal(0))
    want = ["Title total %s rows %d" % (money(grand), len(rows)),
            "Summary total %s rows %d" % (money(grand), len(rows))]
    for region, (s, n) in sorted(regions.items()):
        want.append("Head %s %s rows %d" % (region, money(s), n))
        want.append("Foot %s %s rows %d" % (region, money(s), n))
    lines = [ln.strip() for ln in text.splitlines()]
    missing = [w for w in want if w not in lines]
    if missing:
        fail("missing lines: %r" % missing)


def cmd_pagesums(path, key, column, text_path):
    amount = {r[key]: Decimal(r[column]) for r in read_rows(path)}
    pages = open(text_path, encoding="utf-8").read().split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    for i, page in enumerate(pages, 1):
        ids = []
        footer = counted = None
        for ln in page.splitlines():
            m = re.match(r"\s*(\d+)\s+(-?[\d.]+)\s*$", ln)
            if m:
                ids.append(m.group(1))
            m = re.match(r"\s*Page sum (-?[\d.]+) rows (\d+)\s*$", ln)
            if m:
                footer = (Decimal(m.group(1)), int(m.group(2)))
            m = re.match(r"\s*Sum (-?[\d.]+) on page (\d+) of (\d+)\s*$", ln)
            if m:
                counted = (Decimal(m.group(1)), int(m.group(2)), int(m.group(3)))
        want = (money(sum((amount[x] for x in ids), Decimal(0))), len(ids))
        if footer != want:
            fail("page %d shows rows %s: expected 'Page sum %s rows %d', the footer says %r" %
                 (i, ",".join(ids), want[0], want[1], footer))
        if counted != (want[0], i, len(pages)):
            fail("page %d: expected 'Sum %s on page %d of %d', the footer says %r" %
                 (i, want[0], i, len(pages), counted))


def read_ppm(path):
    data = open(path, "rb").read()
    m = re.match(rb"P6\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    if not m:
        fail("%s is not a P6 PPM" % path)
    return int(m.group(1)), int(m.group(2)), data[m.end():]


def cmd_pixel(path, x, y):
    w, _, px = read_ppm(path)
    o = (int(y) * w + int(x)) * 3
    print("%d %d %d" % (px[o], px[o + 1], px[o + 2]))


def count_pixels(path, x0, y0, x1, y1, test):
    w, _, px = read_ppm(path)
    n = 0
    for y in range(int(y0), int(y1)):
        for x in range(int(x0), int(x1)):
            o = (y * w + x) * 3
            n += test(px[o], px[o + 1], px[o + 2])
    print(n)


def cmd_ink(path, x0, y0, x1, y1):
    count_pixels(path, x0, y0, x1, y1, lambda r, g, b: (r, g, b) != (255, 255, 255))


def cmd_red(path, x0, y0, x1, y1):
    count_pixels(path, x0, y0, x1, y1, lambda r, g, b: r > 180 and g < 100 and b < 100)


def png_chunks(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail("%s is not a PNG" % path)
    i = 8
    while i + 8 <= len(data):
        n, kind = struct.unpack(">I4s", data[i:i + 8])
        yield kind, data[i + 8:i + 8 + n]
        i += 12 + n


def cmd_pngsize(path):
    for kind, body in png_chunks(path):
        if kind == b"IHDR":
            print("%d %d" % struct.unpack(">II", body[:8]))
            return
    fail("%s has no IHDR" % path)


def read_png(path):
    """Width, height and RGBA rows of an 8-bit RGB or RGBA PNG, not interlaced."""
    ihdr, idat = None, b""
    for kind, body in png_chunks(path):
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
    w, h, depth, color, _, _, interlace = ihdr
    if depth != 8 or color not in (2, 6) or interlace:
        fail("%s: only 8-bit RGB/RGBA, not interlaced (depth %d, colour %d)" %
             (path, depth, color))
    bpp = 4 if color == 6 else 3
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    rows = []
    pos = 0
    for _ in range(h):
        ftype = raw[pos]
        line = bytearray(raw[pos + 1:pos + 1 + stride])
        pos += 1 + stride
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 255
            elif ftype == 2:
                line[i] = (line[i] + b) & 255
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
        if bpp == 3:
            rgba = bytearray()
            for i in range(0, stride, 3):
                rgba += line[i:i + 3] + b"\xff"
            rows.append(bytes(rgba))
        else:
            rows.append(bytes(line))
        prev = line
    return w, h, rows


def cmd_golden(golden, path):
    gw, gh, grows = read_png(golden)
    w, h, rows = read_png(path)
    if (gw, gh) != (w, h):
        fail("size %dx%d, the golden image is %dx%d" % (w, h, gw, gh))
    differ = 0
    for y in range(h):
        a, b = grows[y], rows[y]
        if a == b:
            continue
        for i in range(0, len(a), 4):
            if max(abs(a[i + k] - b[i + k]) for k in range(4)) > 16:
                differ += 1
    if differ * 200 > w * h:
        fail("%d of %d pixels differ by more than 16 (over 0.5%%)" % (differ, w * h))
    print("%d of %d pixels differ by more than 16" % (differ, w * h))


def cmd_svg(n, files):
    if len(files) != int(n):
        fail("%d svg files, expected %s" % (len(files), n))
    for f in files:
        root = ET.parse(f).getroot()
        if root.tag != "{http://www.w3.org/2000/svg}svg":
            fail("%s: root element is %s" % (f, root.tag))


def main(argv):
    cmds = {"words": (cmd_words, 4), "above": (cmd_above, 2), "totals": (cmd_totals, 2),
            "pagesums": (cmd_pagesums, 4), "pixel": (cmd_pixel, 3), "ink": (cmd_ink, 5),
            "red": (cmd_red, 5), "pngsize": (cmd_pngsize, 1), "golden": (cmd_golden, 2)}
    if len(argv) >= 3 and argv[1] == "svg":
        return cmd_svg(argv[2], argv[3:])
    if len(argv) < 2 or argv[1] not in cmds or len(argv) - 2 != cmds[argv[1]][1]:
        fail(__doc__)
    cmds[argv[1]][0](*argv[2:])


if __name__ == "__main__":
    main(sys.argv)
