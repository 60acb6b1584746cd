/*
 * html.h - internal interfaces of the html renderer plugin (format html),
 * shared by its files:
 *
 *   html_out.c    markup writes to the output (plugins/support/support_out.c:
 *                 a temporary file renamed over the destination); escaping,
 *                 numbers, base64
 *   html_css.c    the one stylesheet: screen cards, print pages, font
 *                 classes (and the embedded fonts when asked)
 *   html_page.c   one print-model page as semantic markup: bands, tables,
 *                 group sections, text
 *   html_svg.c    the vector elements of one band instance as inline SVG
 *   html_chart.c  charts (CHART ... CHART_END): a figure with an SVG whose
 *                 marks are focusable, a data table, the one script
 *   html.c        the plugin: descriptor, config schema, renderer ops
 *
 * Nothing here is part of the plugin ABI. Only include/quire headers and the
 * host table are used: the plugin links against no kernel symbol.
 */
#ifndef QUIRE_HTML_H
#define QUIRE_HTML_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <quire/types.h> /* before renderer.h, which uses quire_str without it */
#include <quire/renderer.h>

#include "support_out.h"

/* Deepest group nesting that gets its own section; deeper headers are
 * written as plain bands. Bounds the per-document group stack. */
#define HTML_MAX_GROUP_DEPTH 32
/* Largest font file embedded with embed_fonts. */
#define HTML_MAX_FONT_BYTES (64u << 20)

/* ============================== Output (html_out.c) ======================= */

/*
 * The output of one document, written through a buffer. Writes never
 * return errors: the first failure is kept and every later write is
 * dropped, so markup code writes freely and checks support_out_error() once
 * per page and before committing.
 */
typedef support_out html_out;

/* Opening, errors, commit and discard are support_out_open(),
 * support_out_error(), support_out_commit() and support_out_discard(). */

/* Appends len raw bytes (the caller guarantees they are valid markup). */
void html_out_write(html_out *out, const void *bytes, size_t len);

/* Appends a NUL-terminated raw string. */
void html_out_puts(html_out *out, const char *s);

/* Appends printf-style text. Only for integers and strings that need no
 * escaping: numbers with a fraction go through html_out_num(), which
 * ignores the C locale. */
void html_out_fmt(html_out *out, const char *fmt, ...) QUIRE_PRINTF(2, 3);

/* Appends UTF-8 text escaped for element content and quoted attribute
 * values: & < > " ' as references; tab as a space; other control
 * characters (C0, DEL, C1), noncharacters and invalid UTF-8 as U+FFFD. */
void html_out_text(html_out *out, const char *utf8, size_t len);

/* Appends a number in CSS/SVG syntax: at most two decimals, no trailing
 * zeros, '.' as the separator whatever the locale ("12.5", "-3", "0").
 * A value that is not finite is written as 0. */
void html_out_num(html_out *out, double v);

/* Appends `c` as "#rrggbb", or "#rrggbbaa" when it is not opaque. */
void html_out_color(html_out *out, quire_color c);

/* Appends the base64 encoding of len bytes. Calls may follow each other
 * for one stream only when every len but the last is a multiple of 3. */
void html_out_base64(html_out *out, const uint8_t *data, size_t len);

/* ============================== Document state (html.c) =================== */

/* A group section open in the document: it may span pages. */
typedef struct html_group {
    uint32_t level;    /* 1 = outermost */
    uint32_t instance; /* the header's band instance */
    char *heading;     /* its heading text, NUL-terminated (host allocator) */
} html_group;

/* One document being rendered; used by one render worker at a time. */
typedef struct html_doc {
    const quire_host *host;
    quire_document doc; /* the kernel's document, fields it did not know zeroed */
    int embed_fonts;
    html_out *out;
    quire_arena *arena; /* per page: reset before each page */
    size_t ncharts;     /* charts written so far: the script follows the last page */
    size_t ngroups;     /* open group sections, outermost first */
    html_group groups[HTML_MAX_GROUP_DEPTH];
} html_doc;

/* ============================== Stylesheet (html_css.c) =================== */

/* Writes the document's <style> element: the page cards, print rules for
 * the page size, one class .fN per font (family with a generic fallback,
 * weight, style). With d->embed_fonts, each font file is read and embedded
 * as an @font-face data: URI. Returns QUIRE_ERR with *err set when a font
 * file cannot be read or is not TrueType/OpenType ("cannot read font
 * 'PATH': REASON", "font 'PATH' is not a TrueType or OpenType file"). */
int html_css_write(html_doc *d, quire_error *err);

/* The CSS generic family to fall back on for a family name: "monospace",
 * "serif" or "sans-serif", by words in the name. */
const char *html_css_generic(const char *family);

/* ============================== Pages (html_page.c) ======================= */

/* Writes one page as a <section class="page">, keeping the document's group
 * sections (d->groups) across pages. Uses d->arena for its scratch memory.
 * Returns QUIRE_ERR with *err set for a page the kernel should never send
 * ("page 1 element 4: font 9 is out of range (the document has 3 fonts)")
 * or a write failure. */
int html_page_write(html_doc *d, const quire_page *page, quire_error *err);

/* Releases the document's open groups (at end or abort). */
void html_groups_free(html_doc *d);

/* ============================== SVG (html_svg.c) ========================== */

/* A rectangle in page points. */
typedef struct html_rect {
    double x0, y0, x1, y1;
} html_rect;

/* What the SVG writer needs to know about one page. */
typedef struct html_svg_page {
    html_doc *d;
    const quire_page *page;
    const int32_t *clip_of; /* per element: index into clips, or -1 */
    const html_rect *clips; /* the effective clip rectangles of the page */
} html_svg_page;

/* The box an element paints into (stroke included), for sizing an SVG. */
html_rect html_svg_extent(const quire_element *e);

/* Writes one <svg role="img"> holding the elements whose indexes are
 * listed (LINE, RECT, ELLIPSE, PATH, IMAGE; anything else is skipped), in
 * that order, each clipped by its clip, images embedded as data: URIs.
 * The viewBox is `view` in page points and the SVG is as wide in points,
 * unless it is a `layer` (the page background): then TEXT elements are
 * drawn too, as SVG text, and the width comes from the stylesheet.
 * `css_class` is the svg's class. */
void html_svg_write(const html_svg_page *sp, const size_t *elements, size_t count, html_rect view,
                    int layer, const char *css_class);

/* html_svg_element flags. */
#define HTML_SVG_TEXT   1 /* draw TEXT elements (as SVG text) */
#define HTML_SVG_ANCHOR 2 /* anchor centred and right-aligned text where it was aligned */

/* Writes element `idx` of the page as SVG (LINE, RECT, ELLIPSE, PATH,
 * IMAGE, and TEXT with HTML_SVG_TEXT; anything else is skipped), inside a
 * clipPath group when its clip cuts it. */
void html_svg_element(const html_svg_page *sp, size_t idx, int flags);

/* Writes one image of the document alone as an <img> sized to the
 * element's box, its data as a data: URI. */
void html_svg_img(const html_svg_page *sp, const quire_element *e);

/* ============================== Charts (html_chart.c) ===================== */

/* Writes the script that makes the document's charts interactive
 * (tooltips, legend toggling, arrow keys between marks) as one <script>
 * element. html.c writes it once, after the last page, when d->ncharts > 0:
 * the charts read and print without it. */
void html_chart_script(html_out *out);

#endif /* QUIRE_HTML_H */
