#!/usr/bin/python3
"""bench/peers/reportlab_sales.py CSV OUT.pdf - the page-layout benchmark's
peer: examples/sales.quire drawn with ReportLab's low-level canvas.

Run it with Debian's /usr/bin/python3 (package python3-reportlab, with its C
accelerator python3-reportlab-accel). It reads the sales CSV of
bench/gen_sales and draws the layout of examples/sales.quire: A4 portrait,
15 mm margins, DejaVu Sans embedded as TrueType, the title band on page 1,
the running title and the column bar on every page, one group per region
(its header with the region's order count and revenue, reprinted on every
page the region continues on; a new page when less than 60 pt are left),
13 pt detail rows with a zebra rectangle on every second order, the group
footer with the region's totals, "Page X of Y" at the bottom of every page
and the summary with the per-region and grand totals. Prints
"pages=N rows=M".

What a ReportLab user has to do by hand, since the library has no report
model:
  * sorting: rows are loaded into a list and sorted with list.sort by
    (region, order_date, order_id); quire sorts with its external sort;
  * totals printed before their rows (the title's grand total, each group
    header's count and revenue): ReportLab has no delayed values, so a first
    pass over the loaded rows computes them before anything is drawn;
  * "Page X of Y": the page count is known only at the end, so the canvas
    keeps every finished page's state in memory and writes "of N" on each
    when the document is saved (the usual NumberedCanvas technique).
The drawing itself is one pass over the sorted rows, as quire's filler is.
Amounts are summed as integer cents, so totals are exact.
"""
import csv
import datetime
import sys

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONT_DIR = "/usr/share/fonts/truetype/dejavu/"
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"

PAGE_W, PAGE_H = A4
MARGIN = 15 * mm
LEFT = MARGIN
TOP = MARGIN
# The page footer sits on the bottom margin; bands must end above it.
FOOTER_H = 18
TOP_OF_FOOTER = PAGE_H - MARGIN - FOOTER_H
CONTENT_BOTTOM = TOP_OF_FOOTER

TITLE_H = 64
PAGE_HEADER_H = 32
GROUP_HEADER_H = 24
DETAIL_H = 13
GROUP_FOOTER_H = 22
SUMMARY_H = 200
MIN_HEIGHT_TO_START = 60

BODY_SIZE = 8.5
BLUE = (0x1F / 255, 0x4E / 255, 0x79 / 255)
GREY_TEXT = (0x59 / 255, 0x59 / 255, 0x59 / 255)
GREY_SMALL = (0x7F / 255, 0x7F / 255, 0x7F / 255)
GREY_RULE = (0xBF / 255, 0xBF / 255, 0xBF / 255)
ZEBRA = (0xF2 / 255, 0xF6 / 255, 0xFA / 255)
BLACK = (0, 0, 0)
WHITE = (1, 1, 1)

REGION_LABELS = [
    ("Africa", "Africa"),
    ("EastAsiaPacific", "East Asia & Pacific"),
    ("EasternEurope", "Eastern Europe"),
    ("LatinAmerica", "Latin America"),
    ("MiddleEast", "Middle East"),
    ("NorthAmerica", "North America"),
    ("SouthAsia", "South Asia"),
    ("WesternEurope", "Western Europe"),
]

# Header bar cells: (x, width, text, right-aligned).
COLUMNS = [
    (0, 55, "Order", False),
    (55, 70, "Date", False),
    (125, 120, "Country", False),
    (245, 90, "Product", False),
    (335, 60, "Quantity", True),
    (395, 115, "Amount", True),
]


def money(cents):
    """Cents as "#,##0.00"."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return "%s%s.%02d" % (sign, format(cents // 100, ","), cents % 100)


def cents_of(text):
    """A CSV amount ("3563.08", "-1.5", "7") as integer cents."""
    neg = text.startswith("-")
    whole, _, frac = text.lstrip("+-").partition(".")
    c = int(whole or "0") * 100 + int((frac + "00")[:2])
    return -c if neg else c


def load(path):
    """The rows as (region, order_date, order_id, country, product, quantity,
    cents), sorted, and {region: [orders, cents]} (the first pass)."""
    rows = []
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        want = ["order_id", "order_date", "region", "country", "product", "quantity", "amount"]
        if header is None or any(c not in header for c in want):
            raise ValueError("%s: expected the columns %s" % (path, ", ".join(want)))
        i_id, i_date, i_region, i_country, i_product, i_qty, i_amount = (
            header.index(c) for c in want)
        for line, r in enumerate(reader, 2):
            try:
                rows.append((r[i_region], r[i_date], int(r[i_id]), r[i_country], r[i_product],
                             int(r[i_qty]), cents_of(r[i_amount])))
            except (IndexError, ValueError) as e:
                raise ValueError("%s:%d: %s" % (path, line, e)) from None
    # The tuples start with the sort key (region, order_date, order_id), and
    # order ids are unique, so the tuples' own order is the report's.
    rows.sort()
    totals = {}
    for r in rows:
        t = totals.get(r[0])
        if t is None:
            totals[r[0]] = [1, r[6]]
        else:
            t[0] += 1
            t[1] += r[6]
    return rows, totals


class NumberedCanvas(canvas.Canvas):
    """A canvas that holds every page back until save(), then writes
    "Page X of Y" on each: Y is only known once the last page is done."""

    def __init__(self, *args, page_number_y, **kwargs):
        canvas.Canvas.__init__(self, *args, **kwargs)
        self._held_pages = []
        self.page_number_y = page_number_y

    def showPage(self):
        self._held_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        count = len(self._held_pages)
        for state in self._held_pages:
            self.__dict__.update(state)
            self.setFillColorRGB(*BLACK)
            self.setFont(REGULAR, 7.5)
            self.drawRightString(LEFT + 510, self.page_number_y,
                                 "Page %d of %d" % (self._pageNumber, count))
            canvas.Canvas.showPage(self)
        canvas.Canvas.save(self)


class Report:
    """The filler: draws bands top-down; self.y is the next band's top in
    points from the top of the page."""

    def __init__(self, c, half_extent, totals, orders, revenue):
        self.c = c
        self.half_extent = half_extent
        self.detail_offset = self.baseline(BODY_SIZE, DETAIL_H)
        self.totals = totals
        self.orders = orders
        self.revenue = revenue
        self.y = TOP
        self.pages = 0
        self.region = None
        self.today = datetime.date.today()

    # ===== Drawing helpers (coordinates relative to the band's top) =====

    def baseline(self, size, height):
        """Offset from a box's top to the baseline of text of SIZE points
        centred in a box HEIGHT high (the body style's valign = middle)."""
        return height / 2 + self.half_extent * size

    def text(self, x, top, w, h, s, size=BODY_SIZE, bold=False, color=BLACK, right=False):
        c = self.c
        c.setFont(BOLD if bold else REGULAR, size)
        c.setFillColorRGB(*color)
        yb = PAGE_H - (self.y + top + self.baseline(size, h))
        if right:
            c.drawRightString(LEFT + x + w, yb, s)
        else:
            c.drawString(LEFT + x, yb, s)

    def fill(self, x, top, w, h, color):
        self.c.setFillColorRGB(*color)
        self.c.rect(LEFT + x, PAGE_H - (self.y + top + h), w, h, stroke=0, fill=1)

    def rule(self, top, width, color):
        c = self.c
        c.setLineWidth(width)
        c.setStrokeColorRGB(*color)
        yl = PAGE_H - (self.y + top)
        c.line(LEFT, yl, LEFT + 510, yl)

    def head(self, x, top, w, h, s, right=False):
        """A cell of the head style: white bold on blue, padding 3."""
        self.fill(x, top, w, h, BLUE)
        if right:
            self.text(x + 3, top + 3, w - 6, h - 6, s, bold=True, color=WHITE, right=True)
        else:
            self.text(x + 3, top + 3, w - 6, h - 6, s, bold=True, color=WHITE)

    # ===== Pages =====

    def start_page(self):
        self.pages += 1
        self.y = TOP
        if self.pages == 1:
            self.title_band()
        self.page_header()
        if self.region is not None:
            self.group_header(self.region)

    def end_page(self):
        self.page_footer()
        self.c.showPage()

    def need(self, height):
        """A new page unless HEIGHT points are left above the page footer."""
        if self.y + height > CONTENT_BOTTOM:
            self.end_page()
            self.start_page()

    # ===== Bands =====

    def title_band(self):
        self.text(0, 0, 510, 26, "Sales by region", size=20, bold=True, color=BLUE)
        self.text(0, 28, 510, 14,
                  "Every order of the period, grouped by region, with regional and grand totals",
                  size=9, color=GREY_TEXT)
        self.text(0, 44, 510, 12, "Orders: %s    Revenue: %s" % (format(self.orders, ","),
                                                               money(self.revenue)), size=9)
        self.rule(60, 1.5, BLUE)
        self.y += TITLE_H

    def page_header(self):
        self.text(0, 0, 300, 12, "Sales by region", size=7.5, color=GREY_SMALL)
        self.text(310, 0, 200, 12, "Printed %d %s" % (self.today.day,
                                                      self.today.strftime("%b %Y")),
                  size=7.5, color=GREY_SMALL, right=True)
        for x, w, s, right in COLUMNS:
            self.head(x, 16, w, 16, s, right)
        self.y += PAGE_HEADER_H

    def group_header(self, region):
        n, cents = self.totals[region]
        self.text(0, 6, 250, 16, region, size=11, bold=True, color=BLUE)
        self.text(250, 6, 260, 16, "%s orders, %s" % (format(n, ","), money(cents)),
                  color=BLUE, right=True)
        self.y += GROUP_HEADER_H

    def group_footer(self, region):
        n, cents = self.totals[region]
        self.rule(2, 0.75, BLUE)
        self.text(0, 4, 245, 14, "Total " + region, bold=True)
        self.text(245, 4, 150, 14, format(n, ",") + " orders", bold=True, right=True)
        self.text(395, 4, 112, 14, money(cents), bold=True, right=True)
        self.y += GROUP_FOOTER_H

    def page_footer(self):
        """All of the footer but "Page X of Y", which NumberedCanvas adds."""
        saved = self.y
        self.y = TOP_OF_FOOTER
        self.rule(2, 0.5, GREY_RULE)
        self.text(0, 5, 250, 12, "quire - examples/sales.quire", size=7.5, color=GREY_SMALL)
        self.y = saved

    def summary(self):
        self.text(0, 14, 510, 20, "Summary by region", size=13, bold=True, color=BLUE)
        self.head(0, 38, 245, 16, "Region")
        self.head(245, 38, 150, 16, "Orders", right=True)
        self.head(395, 38, 115, 16, "Amount", right=True)
        top = 56
        for region, label in REGION_LABELS:
            n, cents = self.totals.get(region, (0, 0))
            self.text(3, top, 242, 14, label)
            self.text(245, top, 150, 14, format(n, ","), right=True)
            self.text(395, top, 112, 14, money(cents), right=True)
            top += 14
        self.rule(170, 1, BLUE)
        self.text(3, 173, 242, 14, "Grand total", bold=True)
        self.text(245, 173, 150, 14, format(self.orders, ","), bold=True, right=True)
        self.text(395, 173, 112, 14, money(self.revenue), bold=True, right=True)
        self.y += SUMMARY_H

    # ===== The pass over the rows =====

    def run(self, rows):
        c = self.c
        fitted = {}
        self.start_page()
        n = 0
        for region, date, order_id, country, product, qty, cents in rows:
            if region != self.region:
                if self.region is not None:
                    self.need(GROUP_FOOTER_H)
                    self.group_footer(self.region)
                    self.region = None
                if self.y + MIN_HEIGHT_TO_START > CONTENT_BOTTOM:
                    self.end_page()
                    self.start_page()
                self.group_header(region)
                self.region = region
            self.need(DETAIL_H)
            n += 1
            if n % 2 == 0:
                self.fill(0, 0, 510, DETAIL_H, ZEBRA)
            # Country overflow = ellipsis: cut names wider than the box.
            shown = fitted.get(country)
            if shown is None:
                shown = country
                while shown and c.stringWidth(shown + ("…" if shown != country else ""),
                                              REGULAR, BODY_SIZE) > 120:
                    shown = shown[:-1]
                shown = shown if shown == country else shown + "…"
                fitted[country] = shown
            # One text object per row: cheaper than a drawString per cell.
            t = c.beginText()
            t.setFont(REGULAR, BODY_SIZE)
            t.setFillColorRGB(*BLACK)
            yb = PAGE_H - (self.y + self.detail_offset)
            q = format(qty, ",")
            m = money(cents)
            for x, s in ((LEFT + 3, str(order_id)), (LEFT + 55, date), (LEFT + 125, shown),
                         (LEFT + 245, product),
                         (LEFT + 395 - c.stringWidth(q, REGULAR, BODY_SIZE), q),
                         (LEFT + 507 - c.stringWidth(m, REGULAR, BODY_SIZE), m)):
                t.setTextOrigin(x, yb)
                t.textOut(s)
            c.drawText(t)
            self.y += DETAIL_H
        if self.region is not None:
            self.need(GROUP_FOOTER_H)
            self.group_footer(self.region)
            self.region = None
        self.need(SUMMARY_H)
        self.summary()
        self.end_page()
        return n


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: reportlab_sales.py CSV OUT.pdf\n")
        return 2
    try:
        rows, totals = load(argv[1])
    except (OSError, ValueError) as e:
        sys.stderr.write("reportlab_sales.py: %s\n" % e)
        return 1
    pdfmetrics.registerFont(TTFont(REGULAR, FONT_DIR + "DejaVuSans.ttf"))
    pdfmetrics.registerFont(TTFont(BOLD, FONT_DIR + "DejaVuSans-Bold.ttf"))
    face = pdfmetrics.getFont(REGULAR).face
    # Half the font's extent above the centre line, per point of size.
    half_extent = (face.ascent - face.descent) / 2000
    orders = sum(t[0] for t in totals.values())
    revenue = sum(t[1] for t in totals.values())
    page_number_y = PAGE_H - (TOP_OF_FOOTER + 5 + 6 + half_extent * 7.5)
    c = NumberedCanvas(argv[2], pagesize=A4, initialFontName=REGULAR,
                       initialFontSize=BODY_SIZE, page_number_y=page_number_y)
    c.setTitle("Sales by region")
    c.setAuthor("quire examples")
    c.setSubject("Orders 2021-2024 by region")
    report = Report(c, half_extent, totals, orders, revenue)
    n = report.run(rows)
    try:
        c.save()
    except OSError as e:
        sys.stderr.write("reportlab_sales.py: %s: %s\n" % (argv[2], e.strerror or e))
        return 1
    print("pages=%d rows=%d" % (report.pages, n))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
