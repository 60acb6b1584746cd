/*
 * quire/print.h - the print model: pages of positioned elements, the contract
 * between the kernel's filler and every visual renderer (pdf, svg, png,
 * html). JasperReports' JasperPrint is the model: the kernel lays out,
 * breaks lines and paginates; a renderer only paints.
 *
 * Part of the public plugin ABI (versioning rules in quire/plugin.h). ABI
 * 1.0 and 1.1 declared a first shape of these structs but never sent a
 * page; 1.2 is the first version that fills pages, and this is its layout.
 *
 * Coordinates are PDF points (1/72 inch), origin at the top-left corner of
 * the page, y growing downwards. Text arrives measured, broken into lines
 * and aligned by the kernel with the same TrueType files the renderers
 * embed (quire_document.fonts), so every renderer places the same glyphs
 * on the same lines. A renderer must not kern, hint metrics, or substitute
 * fonts: it draws each text element's string with the element's font and
 * size starting at (x, baseline), advancing by the font's advance widths.
 *
 * Lifetime: a page and everything it points to are valid only during the
 * renderer's page() call (the elements of a slot: during its slot() call).
 * Fonts and images in quire_document live until end() or abort().
 */
#ifndef QUIRE_PRINT_H
#define QUIRE_PRINT_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct quire_color {
    uint8_t r, g, b, a; /* straight (not premultiplied) alpha; a = 0: nothing is drawn */
} quire_color;

/* ============================== Elements ================================== */

/* Element kinds. */
#define QUIRE_EL_TEXT      1 /* one line of text in one font */
#define QUIRE_EL_LINE      2 /* from (x, y) to (x + width, y + height); width or height may be
                                negative or zero */
#define QUIRE_EL_RECT      3 /* fill, then stroke the outline (line_width > 0) */
#define QUIRE_EL_ELLIPSE   4 /* inscribed in the box; fill, then stroke */
#define QUIRE_EL_IMAGE     5 /* an image of the document scaled into the box */
#define QUIRE_EL_PATH      6 /* vector path in page coordinates; fill (non-zero), then stroke */
#define QUIRE_EL_CLIP_PUSH 7 /* clip what follows to the box until the matching CLIP_POP */
#define QUIRE_EL_CLIP_POP  8 /* pushes and pops nest and always balance within a page */
/* 1.3, only to renderers of QUIRE_FORMAT_LATE formats (quire/renderer.h): a
 * place in the painting order whose elements are not known yet (Page X of
 * Y, a group's total in its header). They arrive later through
 * quire_renderer_ops.slot() with u.slot.id; the renderer paints them where
 * the slot stands. The box is the delayed element's; band, group_level,
 * instance and item are its own. */
#define QUIRE_EL_SLOT 9
/* 1.4: what a chart drew, for renderers that can make it interactive or
 * accessible (HTML). Renderers built against an older minor skip them as
 * unknown kinds (quire/plugin.h) and paint what lies between:
 *   CHART ... CHART_END   the chart's elements; u.chart describes it and
 *                         the box is the chart's. Never nested.
 *   MARK ... MARK_END     inside a chart: the elements of one data point,
 *                         one series' line or area, or one legend entry
 *                         (u.mark). Never nested.
 * Painting renderers skip the four kinds and draw what lies between. They
 * balance within a page and within a slot. */
#define QUIRE_EL_CHART     10
#define QUIRE_EL_CHART_END 11
#define QUIRE_EL_MARK      12
#define QUIRE_EL_MARK_END  13

/* What a MARK stands for (u.mark.role). */
#define QUIRE_MARK_POINT  1 /* one value: series `series`, category `category` */
#define QUIRE_MARK_SERIES 2 /* a whole series drawn as one shape (a line, an area) */
#define QUIRE_MARK_LEGEND 3 /* the legend entry of series `series` */
/* The legend entry of category `category` (pie, donut: the slices), for
 * the POINT marks of that category in every series. */
#define QUIRE_MARK_LEGEND_CATEGORY 4

struct quire_chart_info; /* quire/chart.h */

/* Where an element came from, so renderers can tell content from page
 * furniture and group the elements of one band. */
#define QUIRE_BAND_NONE             0
#define QUIRE_BAND_TITLE            1
#define QUIRE_BAND_PAGE_HEADER      2
#define QUIRE_BAND_COLUMN_HEADER    3
#define QUIRE_BAND_GROUP_HEADER     4
#define QUIRE_BAND_DETAIL           5
#define QUIRE_BAND_GROUP_FOOTER     6
#define QUIRE_BAND_COLUMN_FOOTER    7
#define QUIRE_BAND_PAGE_FOOTER      8
#define QUIRE_BAND_LAST_PAGE_FOOTER 9
#define QUIRE_BAND_SUMMARY          10
#define QUIRE_BAND_BACKGROUND       11
#define QUIRE_BAND_NO_DATA          12

#define QUIRE_ALIGN_LEFT    0
#define QUIRE_ALIGN_CENTER  1
#define QUIRE_ALIGN_RIGHT   2
#define QUIRE_ALIGN_JUSTIFY 3

/* Path verbs; each consumes the given number of (x, y) points. */
#define QUIRE_PATH_MOVE  1 /* 1 point */
#define QUIRE_PATH_LINE  2 /* 1 point */
#define QUIRE_PATH_CURVE 3 /* 3 points: two control points, end (cubic Bezier) */
#define QUIRE_PATH_CLOSE 4 /* 0 points */

/* Text flags. */
#define QUIRE_TEXT_NUMERIC (1u << 0) /* the element shows a number (HTML: numeric cell) */
#define QUIRE_TEXT_STATIC  (1u << 1) /* a static text element, not a field */

typedef struct quire_element {
    uint32_t kind;        /* QUIRE_EL_* */
    uint16_t band;        /* QUIRE_BAND_* of the band that produced it */
    uint16_t group_level; /* group header/footer: 1 = outermost; details: nesting depth; else 0 */
    uint32_t instance;    /* the band instance it belongs to: numbered from 1 in document
                             order; every element of one filled band shares it (a band split
                             over two pages keeps it on both) */
    uint32_t item;        /* which element of the band definition (depth-first index, frames
                             count), so the lines of one text element can be joined */
    double x, y, width, height;
    quire_color stroke; /* LINE, RECT, ELLIPSE, PATH outline */
    quire_color fill;   /* RECT, ELLIPSE, PATH interior; TEXT: the glyphs' colour */
    double line_width;  /* stroke width in points; 0: no stroke */
    union {
        /* TEXT: the box (x, y, width, height) is the line's: x is where the
         * first glyph starts (alignment applied), width is the measured
         * advance of the string, height the line height. */
        struct {
            const char *utf8;  /* not NUL-terminated; valid UTF-8 */
            size_t len;
            uint32_t font;     /* index into quire_document.fonts */
            double size;       /* font size in points */
            double baseline;   /* absolute y of the baseline */
            double word_spacing; /* JUSTIFY: extra points after each U+0020, else 0 */
            uint32_t align;    /* QUIRE_ALIGN_* of the element (already applied to x) */
            uint32_t line;     /* 0-based line number within the element's text */
            uint32_t flags;    /* QUIRE_TEXT_* */
            const char *name;  /* the element's name (a field's column name) or NULL */
            /* The whole element's box (all its lines, padding included):
             * table cells and tooltips in HTML use it. */
            double box_x, box_y, box_width, box_height;
        } text;
        struct {
            uint32_t image; /* index into quire_document.images */
        } image;
        struct {
            uint32_t id; /* SLOT (1.3): unique within the document, from 1 */
        } slot;
        struct {
            /* CHART (1.4): the chart's type, title, dataset and value
             * texts, for tooltips and a data table (quire/chart.h). */
            const struct quire_chart_info *info;
        } chart;
        struct {
            uint32_t role;     /* MARK (1.4): QUIRE_MARK_* */
            uint32_t series;   /* index into the chart's dataset series */
            uint32_t category; /* POINT, LEGEND_CATEGORY: index into its categories; else 0 */
            const char *label; /* POINT: "North, Mar 2024: 1,204.50" as a tooltip
                                  shows it; else the series name. Not NUL-terminated */
            size_t len;
        } mark;
        struct {
            const uint8_t *verbs; /* QUIRE_PATH_* */
            size_t nverbs;
            const double *points; /* x0, y0, x1, y1, ...: 2 doubles per point */
            size_t npoints;       /* number of points (not doubles) */
        } path;
    } u;
} quire_element;

/* A group that starts on a page (its header's first instance): PDF
 * outlines and HTML section headings come from these. */
typedef struct quire_anchor {
    uint32_t level;   /* 1 = outermost group */
    const char *utf8; /* the group's key as its header prints it; not NUL-terminated */
    size_t len;
    double y;         /* top of the group header on the page */
    uint32_t instance; /* the header's band instance (quire_element.instance) */
} quire_anchor;

/* One finished page. Valid only during the renderer's page() call. */
typedef struct quire_page {
    uint32_t size;   /* sizeof(quire_page) as the kernel knows it */
    uint32_t number; /* 1-based position in the document (never reset) */
    double width, height;
    size_t nelements;
    const quire_element *elements; /* in painting order */
    size_t nanchors;
    const quire_anchor *anchors; /* in page order */
    uint32_t display_number;     /* the page number the report prints (groups may reset it) */
} quire_page;

/* ============================== Document resources ======================== */

#define QUIRE_FONT_BOLD   (1u << 0)
#define QUIRE_FONT_ITALIC (1u << 1)

/* A font the document uses. Metrics are those the kernel measured with,
 * in units of the font size (multiply by the size in points). */
typedef struct quire_font {
    const char *family; /* as mapped in the config: "DejaVu Sans" */
    uint32_t style;     /* QUIRE_FONT_* */
    const char *path;   /* absolute path of the TrueType (.ttf) file */
    double ascent;      /* above the baseline, positive */
    double descent;     /* below the baseline, positive */
    double line_gap;
} quire_font;

#define QUIRE_IMAGE_PNG  1
#define QUIRE_IMAGE_JPEG 2

/* An image the document uses, read once by the kernel. */
typedef struct quire_image {
    uint32_t format;        /* QUIRE_IMAGE_* */
    uint32_t width, height; /* pixels, from the file's header */
    const uint8_t *data;    /* the whole file */
    size_t len;
    const char *path;       /* where it came from, for messages */
} quire_image;

#ifdef __cplusplus
}
#endif

#endif /* QUIRE_PRINT_H */
