/*
 * quire/print.h - the print model: pages of positioned elements, the contract
 * between the kernel's filler and every visual renderer.
 *
 * Part of the public plugin ABI (versioning rules in quire/plugin.h).
 * Coordinates are PDF points (1/72 inch), origin at the top-left corner of
 * the page, y growing downwards. Text arrives already measured and broken
 * into lines by the kernel, so every renderer places the same glyphs.
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
    uint8_t r, g, b, a; /* a = 0: nothing is drawn */
} quire_color;

/* Element kinds. */
#define QUIRE_EL_TEXT 1      /* one line of text */
#define QUIRE_EL_LINE 2      /* from (x, y) to (x + width, y + height) */
#define QUIRE_EL_RECT 3
#define QUIRE_EL_ELLIPSE 4   /* inscribed in the box */
#define QUIRE_EL_IMAGE 5     /* PNG or JPEG bytes scaled into the box */
#define QUIRE_EL_PATH 6      /* vector path in page coordinates */
#define QUIRE_EL_CLIP_PUSH 7 /* clip what follows to the box until CLIP_POP */
#define QUIRE_EL_CLIP_POP 8

/* Where an element came from, so data renderers can drop page furniture. */
#define QUIRE_BAND_NONE 0
#define QUIRE_BAND_TITLE 1
#define QUIRE_BAND_PAGE_HEADER 2
#define QUIRE_BAND_COLUMN_HEADER 3
#define QUIRE_BAND_GROUP_HEADER 4
#define QUIRE_BAND_DETAIL 5
#define QUIRE_BAND_GROUP_FOOTER 6
#define QUIRE_BAND_COLUMN_FOOTER 7
#define QUIRE_BAND_PAGE_FOOTER 8
#define QUIRE_BAND_LAST_PAGE_FOOTER 9
#define QUIRE_BAND_SUMMARY 10
#define QUIRE_BAND_BACKGROUND 11
#define QUIRE_BAND_NO_DATA 12

#define QUIRE_ALIGN_LEFT 0
#define QUIRE_ALIGN_CENTER 1
#define QUIRE_ALIGN_RIGHT 2

/* Path verbs; each consumes the given number of (x, y) points. */
#define QUIRE_PATH_MOVE 1  /* 1 point */
#define QUIRE_PATH_LINE 2  /* 1 point */
#define QUIRE_PATH_CURVE 3 /* 3 points: two control points, end */
#define QUIRE_PATH_CLOSE 4 /* 0 points */

typedef struct quire_element {
    uint32_t kind;        /* QUIRE_EL_* */
    uint16_t band;        /* QUIRE_BAND_* */
    uint16_t group_level; /* 1 = outermost group, 0 = none */
    double x, y, width, height;
    quire_color stroke;   /* lines, outlines, text colour */
    quire_color fill;
    double line_width;
    union {
        struct {
            const char *utf8; /* not NUL-terminated */
            size_t len;
            const char *font; /* family as mapped in the config: "DejaVu Sans" */
            uint32_t style;   /* bit 0 bold, bit 1 italic */
            double size;      /* points */
            double baseline;  /* from y */
            uint32_t align;   /* QUIRE_ALIGN_* within the box */
        } text;
        struct {
            const uint8_t *data;
            size_t len;
        } image;
        struct {
            const uint8_t *verbs; /* QUIRE_PATH_* */
            size_t nverbs;
            const double *points; /* x0, y0, x1, y1, ... */
        } path;
    } u;
} quire_element;

/* One finished page. Valid only during the renderer's page() call. */
typedef struct quire_page {
    uint32_t size;   /* sizeof(quire_page) as the kernel knows it */
    uint32_t number; /* 1-based */
    double width, height;
    size_t nelements;
    const quire_element *elements; /* in painting order */
} quire_page;

#ifdef __cplusplus
}
#endif

#endif /* QUIRE_PRINT_H */
