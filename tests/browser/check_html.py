#!/usr/bin/env python3
"""tests/browser/check_html.py - reads one HTML file with python's own
html.parser (not the code that wrote it) and prints what it found as plain
"fact" lines for a test to look for, e.g.

    title Quarterly sales
    count table 1
    th Orders [num]
    row Africa | 1,234 [num] | 12,345.67 [num]
    outline 2 section.group.level-1
    data-file logo

Structural problems are printed as "error ..." lines and make the exit
status 1: an end tag that does not close the innermost open element, an
element left open, a block element inside p/span/h1-h6 (a browser would
silently restructure it), a duplicate id, base64 that does not decode.

    python3 tests/browser/check_html.py FILE [--file NAME=PATH ...]

--file: print "data-file NAME" when some data: URI decodes to exactly the
bytes of PATH.
"""
import base64
import re
import sys
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
BLOCK = {"div", "section", "header", "footer", "main", "table", "p", "h1", "h2", "h3", "h4",
         "h5", "h6", "ul", "ol", "svg"}
PHRASING_ONLY = {"p", "span", "h1", "h2", "h3", "h4", "h5", "h6"}
OUTLINE = {"main", "section", "header", "footer", "table", "tfoot"}
COUNTED = ["section.page", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "svg", "img",
           "image", "script", "style", "link", "iframe", "h1", "h2", "h3", "h4", "h5", "h6",
           "br", "clippath"]


class Checker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []  # (tag, classes)
        self.errors = []
        self.facts = []
        self.counts = {k: 0 for k in COUNTED}
        self.ids = set()
        self.data_uris = []
        self.externals = []
        self.title = None
        self.in_title = False
        self.heading = None  # [tag, text]
        self.cell = None  # [tag, text, numeric]
        self.row = None  # list of cells
        self.row_part = None
        self.section = None  # thead/tbody/tfoot
        self.text_buf = None  # text of the innermost p/span/h/td/th for "text" facts

    def where(self):
        line, col = self.getpos()
        return f"line {line} col {col + 1}"

    def handle_decl(self, decl):
        if decl.lower() == "doctype html":
            self.facts.append("doctype html")

    def attrs_of(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if "id" in a:
            if a["id"] in self.ids:
                self.errors.append(f"duplicate id '{a['id']}' at {self.where()}")
            self.ids.add(a["id"])
        for name in ("src", "href", "xlink:href"):
            v = a.get(name)
            if v is None:
                continue
            if v.startswith("data:"):
                m = re.match(r"data:([a-z/+.-]+);base64,(.*)$", v, re.S)
                if not m:
                    self.errors.append(f"data: URI not base64 at {self.where()}")
                    continue
                try:
                    raw = base64.b64decode(m.group(2), validate=True)
                except Exception:
                    self.errors.append(f"bad base64 at {self.where()}")
                    continue
                self.data_uris.append((m.group(1), raw))
            elif not v.startswith("#"):
                self.externals.append(v)
        return a, classes

    def open_element(self, tag, attrs, void):
        a, classes = self.attrs_of(tag, attrs)
        key = tag + ("." + ".".join(classes) if classes else "")
        if tag in BLOCK and any(t in PHRASING_ONLY for t, _ in self.stack):
            self.errors.append(f"<{tag}> inside <{self.stack[-1][0]}> at {self.where()}")
        if tag == "section" and "page" in classes:
            if any(t == "section" and "page" in c for t, c in self.stack):
                self.errors.append(f"page inside a page at {self.where()}")
            self.counts["section.page"] += 1
            self.facts.append(f"page {a.get('data-page')} label {a.get('aria-label')}")
        if tag in self.counts:
            self.counts[tag] += 1
        if tag in OUTLINE:
            depth = sum(1 for t, _ in self.stack if t in OUTLINE)
            self.facts.append(f"outline {depth} {key}")
        if tag == "html":
            self.facts.append(f"html lang={a.get('lang', '')} dir={a.get('dir', '')}")
        if tag == "meta":
            if "charset" in a:
                self.facts.append(f"meta charset={a['charset']}")
            if a.get("name") == "viewport":
                self.facts.append(f"meta viewport={a.get('content')}")
        if tag == "title":
            self.in_title = True
            self.title = ""
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.heading = [tag, ""]
        if tag in ("thead", "tbody", "tfoot"):
            self.section = tag
        if tag == "tr":
            self.row = []
        if tag in ("td", "th"):
            self.cell = [tag, "", "num" in classes]
        if tag == "br":
            if self.cell is not None:
                self.cell[1] += "/"
            if self.heading is not None:
                self.heading[1] += "/"
        if not void:
            self.stack.append((tag, classes))

    def handle_starttag(self, tag, attrs):
        self.open_element(tag, attrs, tag in VOID)

    def handle_startendtag(self, tag, attrs):
        self.open_element(tag, attrs, True)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1][0] != tag:
            top = self.stack[-1][0] if self.stack else "nothing"
            self.errors.append(f"</{tag}> closes <{top}> at {self.where()}")
            # Recover: pop to the matching tag if there is one.
            for i in range(len(self.stack) - 1, -1, -1):
                if self.stack[i][0] == tag:
                    del self.stack[i:]
                    break
            return
        self.stack.pop()
        if tag == "title":
            self.in_title = False
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6") and self.heading is not None:
            self.facts.append(f"heading {self.heading[0]} {self.heading[1].strip()}")
            self.heading = None
        if tag in ("td", "th") and self.cell is not None:
            text = self.cell[1].strip() + (" [num]" if self.cell[2] else "")
            if self.section == "thead" and self.cell[0] == "th":
                self.facts.append(f"th {text}")
            if self.row is not None:
                self.row.append(text)
            self.cell = None
        if tag == "tr" and self.row is not None:
            name = {"thead": "head-row", "tfoot": "tfoot-row"}.get(self.section, "row")
            self.facts.append(f"{name} " + " | ".join(self.row))
            self.row = None

    def handle_data(self, data):
        if self.in_title:
            self.title += data
        if self.heading is not None:
            self.heading[1] += data
        if self.cell is not None:
            self.cell[1] += data
        if data.strip() and self.stack and self.stack[-1][0] in ("p", "span", "text", "h1",
                                                                 "h2", "h3", "h4", "h5", "h6",
                                                                 "td", "th"):
            self.facts.append("text " + " ".join(data.split()))


def main(argv):
    if len(argv) < 2:
        print("usage: check_html.py FILE [--file NAME=PATH ...]", file=sys.stderr)
        return 2
    files = []
    args = argv[2:]
    while args:
        if args[0] != "--file" or len(args) < 2 or "=" not in args[1]:
            print(f"check_html.py: bad argument {args[0]}", file=sys.stderr)
            return 2
        name, path = args[1].split("=", 1)
        with open(path, "rb") as f:
            files.append((name, f.read()))
        args = args[2:]
    with open(argv[1], "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        print(f"error not UTF-8: {e}")
        return 1
    c = Checker()
    c.feed(text)
    c.close()
    for tag, _ in c.stack:
        c.errors.append(f"<{tag}> never closed")
    controls = sum(1 for ch in text if (ord(ch) < 0x20 and ch != "\n") or 0x7f <= ord(ch) <= 0x9f)
    for fact in c.facts:
        print(fact)
    if c.title is not None:
        print(f"title {c.title}")
    for k in COUNTED:
        print(f"count {k} {c.counts[k]}")
    for mime, data in c.data_uris:
        print(f"data {mime} {len(data)}")
    for name, data in files:
        if any(d == data for _, d in c.data_uris):
            print(f"data-file {name}")
    for url in c.externals:
        print(f"external {url}")
    print(f"raw-controls {controls}")
    for e in c.errors:
        print(f"error {e}")
    return 1 if c.errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
