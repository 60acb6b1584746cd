/*
 * html_page.h - what the files that write one page share (internal to
 * html_page.c, html_band.c and html_table.c):
 *
 *   html_page.c   checks the page, splits it into blocks (one per band
 *                 instance), keeps group sections across pages, walks the
 *                 blocks and decides what each becomes
 *   html_band.c   the inside of a block: text items in visual rows, the
 *                 plan of its graphics (CSS box, table rules, SVG)
 *   html_table.c  consecutive details as one table
 *   html_chart.c  the charts of a block, each a figure
 *
 * All memory here comes from the document's per-page arena.
 */
#ifndef QUIRE_HTML_PAGE_H
#define QUIRE_HTML_PAGE_H

#include "html.h"

/* Block ranks: the order blocks are written in, before painting order. */
enum { RANK_BACKGROUND, RANK_HEADER, RANK_BODY, RANK_FOOTER };

/* Positions closer than this (points) count as the same. */
#define EPS 1.0

/* One text element of a band instance: its lines on this page. */
typedef struct text_item {
    const quire_element *first; /* the first line here: its style is the item's */
    const size_t *lines;        /* element indexes, in line order */
    size_t nlines;
    html_rect box;                  /* the element's whole box */
    html_rect ink;                  /* the union of its lines' boxes */
    int32_t clip;                   /* effective clip of the first line, or -1 */
    int used;                       /* already written (a heading took it) */
    size_t column;                  /* table cell: its column */
    const quire_element *cell_rect; /* table cell: a rectangle around it alone */
} text_item;

/* One chart on this page: the elements from its CHART to its CHART_END. */
typedef struct chart_ref {
    size_t start, end;                   /* indexes of the CHART and the CHART_END */
    const struct quire_chart_info *info; /* may be NULL */
    html_rect box;                       /* the chart's box */
    size_t number;                       /* its place among the page's charts, from 0 */
} chart_ref;

/* One band instance on this page. */
typedef struct block {
    uint32_t instance;
    uint32_t band;
    uint32_t level;
    size_t first; /* index of its first element: painting order */
    int rank;
    text_item *items; /* sorted by (top, left) */
    size_t nitems;
    size_t *art; /* graphic elements (LINE RECT ELLIPSE PATH IMAGE), painting order */
    size_t nart;
    size_t *texts; /* its TEXT element indexes (for the background layer) */
    size_t ntexts;
    const chart_ref **charts; /* its charts, by top; their elements are in no list above */
    size_t ncharts;
} block;

/* How a block's graphics are written. */
typedef struct art_plan {
    const quire_element *background; /* a RECT behind all its text: CSS background */
    const quire_element *rule_top;   /* table rows: a rule above the text */
    const quire_element *rule_bottom;
    size_t *rest; /* what still goes into the SVG */
    size_t nrest;
    html_rect view; /* their union, clipped */
} art_plan;

/* The page being written. */
typedef struct page_ctx {
    html_doc *d;
    const quire_page *page;
    html_out *out;
    quire_error *err;
    int rtl;
    html_svg_page sp;
    int32_t *clip_of;
    html_rect *clips;
    int32_t *chart_of; /* per element: index into charts, or -1 */
    chart_ref *charts;
    size_t ncharts;
    double left; /* where the page's content starts (points from the left edge) */
    block *blocks;
    size_t nblocks;
    size_t nopen; /* d->groups[0..nopen) have their section open on this page */
} page_ctx;

/* ============================== Geometry ================================== */

static inline html_rect html_rect_union(html_rect a, html_rect b)
{
    a.x0 = b.x0 < a.x0 ? b.x0 : a.x0;
    a.y0 = b.y0 < a.y0 ? b.y0 : a.y0;
    a.x1 = b.x1 > a.x1 ? b.x1 : a.x1;
    a.y1 = b.y1 > a.y1 ? b.y1 : a.y1;
    return a;
}

/* The common part of a and b; empty (zero-sized) when they are apart. */
static inline html_rect html_rect_intersect(html_rect a, html_rect b)
{
    a.x0 = b.x0 > a.x0 ? b.x0 : a.x0;
    a.y0 = b.y0 > a.y0 ? b.y0 : a.y0;
    a.x1 = b.x1 < a.x1 ? b.x1 : a.x1;
    a.y1 = b.y1 < a.y1 ? b.y1 : a.y1;
    if (a.x1 < a.x0)
        a.x1 = a.x0;
    if (a.y1 < a.y0)
        a.y1 = a.y0;
    return a;
}

/* 1 if inner lies in outer, give or take EPS. */
static inline int html_rect_contains(html_rect outer, html_rect inner)
{
    return inner.x0 >= outer.x0 - EPS && inner.y0 >= outer.y0 - EPS && inner.x1 <= outer.x1 + EPS &&
           inner.y1 <= outer.y1 + EPS;
}

/* Length of the overlap of [a0, a1] and [b0, b1]; negative when apart. */
static inline double html_overlap(double a0, double a1, double b0, double b1)
{
    double lo = a0 > b0 ? a0 : b0, hi = a1 < b1 ? a1 : b1;
    return hi - lo;
}

/* ============================== Band contents (html_band.c) =============== */

/* count * size zeroed bytes from the page arena, or NULL (never for a
 * count of 0: one element is reserved). */
void *html_alloc(page_ctx *pc, size_t count, size_t size);

/* Sets *pc->err to "out of memory" and returns QUIRE_ERR. */
int html_nomem(page_ctx *pc);

/* Sorts a block's graphics: a RECT behind all its text becomes the
 * block's CSS box; with `table`, rules above or below the text become the
 * row's borders, a RECT around one cell's text that cell's box
 * (text_item.cell_rect) and full-height vertical rules are dropped (the
 * table draws its cells). The rest goes to plan->rest for an SVG.
 * QUIRE_ERR only when out of memory. */
int html_plan_art(page_ctx *pc, block *b, int table, art_plan *plan);

/* CSS declarations drawing `rect` as a box (background, border). */
void html_box_style(page_ctx *pc, const quire_element *rect);

/* A "border-SIDE:" declaration drawing `line`. */
void html_rule_style(page_ctx *pc, const char *side, const quire_element *line);

/* The plan's SVG, or an <img> for one unclipped image; nothing if empty. */
void html_write_art(page_ctx *pc, const art_plan *plan);

/* class and style attributes (and a title when clipped) of an element
 * holding one text item; `extra` adds classes, `align` the alignment
 * class, `box` a rectangle drawn around it (or NULL). */
void html_text_attrs(page_ctx *pc, const text_item *it, const char *extra, int align,
                     const quire_element *box);

/* The item's lines joined with <br>; a line styled unlike the first gets a
 * span of its own. */
void html_write_lines(page_ctx *pc, const text_item *it);

/* <TAG attrs>lines</TAG> for one item. */
void html_write_item(page_ctx *pc, const char *tag, const text_item *it, const char *extra);

/* The block's unused items in visual rows (items whose boxes overlap
 * vertically share a flex row, in reading order), with the plan's SVG
 * before the first row that starts below its top; `special` (or NULL) is
 * written with tag `special_tag`. */
int html_write_body(page_ctx *pc, block *b, const art_plan *plan, const text_item *special,
                    const char *special_tag);

/* <TAG class="CLASSES"> with the block's unused items in visual rows and
 * its graphics, the biggest text of a TITLE band as <h1>. */
int html_write_band(page_ctx *pc, block *b, const char *tag, const char *classes);

/* ============================== Charts (html_chart.c) ===================== */

/* Writes charts[0..n) (charts of one block that share vertical space) as
 * <figure class="q-chart"> elements, in a flex row when there are several:
 * each an SVG of its elements with marks as focusable groups, then its
 * data table in a <details>. Counts them in pc->d->ncharts. */
void html_chart_write(page_ctx *pc, const chart_ref *const *charts, size_t n);

/* ============================== Tables (html_table.c) ===================== */

/* Writes details rows[0..nrows) as one table, headed by `header` (a column
 * header block, or NULL) and footed by `footer` (a group footer, or NULL)
 * when all its texts fall into the table's columns; *took_footer says
 * whether it did. */
int html_table_write(page_ctx *pc, block *header, block *rows, size_t nrows, block *footer,
                     int *took_footer);

#endif /* QUIRE_HTML_PAGE_H */
