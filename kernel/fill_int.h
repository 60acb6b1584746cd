/*
 * fill_int.h - what the filler's files share (fill.c paginates,
 * fill_layout.c lays out one band, fill_pages.c keeps pages until they can
 * go to the renderer). Not part of fill.h's contract.
 *
 * Pages and laid-out bands store element bytes (text, path points) in one
 * growable blob each, and elements hold offsets into it until the page is
 * sent: a waiting page is then two flat arrays, written to the spill file
 * and read back as they are.
 */
#ifndef QUIRE_FILL_INT_H
#define QUIRE_FILL_INT_H

#include <stdio.h>

#include "fill.h"

/* The style an element is printed with, every property resolved. */
typedef struct text_style {
    int font; /* index into fill_resources */
    double size;
    quire_color color, background, border_color;
    int align, valign;
    double border, padding, line_spacing;
    int underline;
} text_style;

#define PH_VALUE      1 /* a delayed value: emit resolves it by id */
#define PH_PAGE_COUNT 2 /* furniture reading page_count(): when the numbering ends */
#define PH_PAGE_END   3 /* furniture with evaluation = page: when its page ends */

/* A placeholder: a fixed box whose text is laid out once it is known. */
typedef struct fill_ph {
    uint32_t kind;         /* PH_* */
    uint32_t id;           /* PH_VALUE: emit's id */
    const plan_band *band; /* furniture: evaluated through emit_eval_item() */
    uint32_t item;
    size_t slot;      /* index of its reserved (empty) text element */
    uint32_t segment; /* PH_PAGE_COUNT: numbering segment */
    size_t text_off;  /* PH_PAGE_END once known: offset of the text in the blob */
    size_t text_len;
    int text_known;
    /* PH_PAGE_COUNT of a band that reads variables: their values when it
     * was placed, p->nvars qv at this offset in the blob, their strings'
     * pointers blob offsets too (SIZE_MAX: none). */
    size_t vars_off;
    int overflow;
    text_style st;
    double bx, by, bw, bh; /* the element's box */
    uint32_t flags;        /* QUIRE_TEXT_* */
    int chart;             /* a chart: its "text" is its packed dataset */
} fill_ph;

/* Elements with bytes in a blob; used for pages and laid-out bands. */
typedef struct el_buf {
    quire_element *els;
    size_t nels, cap;
    char *blob;
    size_t blob_len, blob_cap;
    fill_ph *phs;
    size_t nph, ph_cap;
    /* Holds text whose glyphs nobody has vouched for: check_glyphs() (fill.c)
     * looks at a buffer only then. Set by every text pushed, except a line
     * layout_one_line() proved printable ASCII in a font that has all of it. */
    int unchecked_text;
} el_buf;

/* Appends a copy of *e. 0, or -1 when out of memory. */
int elbuf_push(el_buf *b, const quire_element *e);
/* Appends an element with every byte zero and returns it for the caller to
 * fill in place (valid until the next append), or NULL when out of memory.
 * A caller that makes it a text sets b->unchecked_text. */
quire_element *elbuf_add(el_buf *b);
/* Makes room for `n` more elements (nels unchanged). 0, or -1 when out of
 * memory. */
int elbuf_reserve(el_buf *b, size_t n);
/* Appends bytes, returning their offset (aligned to 8), or (size_t)-1. */
size_t elbuf_bytes(el_buf *b, const void *p, size_t n);
/* Appends a copy of *ph. 0, or -1 when out of memory. */
int elbuf_push_ph(el_buf *b, const fill_ph *ph);
/* Empties `b`, keeping its memory for the next use. */
void elbuf_clear(el_buf *b);
/* Frees what `b` owns and zeroes it. */
void elbuf_free(el_buf *b);
/* Bytes `b` has allocated (for page_memory). */
size_t elbuf_memory(const el_buf *b);

/*
 * A waiting page in a few bytes (fill_pack.c). Pages wait for Page X of Y
 * by the thousand, and as quire_elements (168 bytes each) they cost more to
 * keep in memory than to lay out; packed, a row of fields takes about a
 * sixth of that, its text included.
 *
 * elbuf_pack() packs b's elements and blob (not its placeholders) into
 * *out, malloc'd, *len bytes: 0, or -1 when out of memory (*out untouched).
 * elbuf_unpack() puts them back into b, bit for bit (every byte of every
 * element, the blob's bytes and length), replacing its elements and blob,
 * growing its buffers as needed and leaving its placeholders alone: 0, or
 * -1 when out of memory or `bytes` is not what elbuf_pack() wrote (then b
 * has no elements and no blob). The caller owns both buffers.
 */
int elbuf_pack(const el_buf *b, uint8_t **out, size_t *len);
int elbuf_unpack(el_buf *b, const uint8_t *bytes, size_t len);

/* The layout of one band instance: elements relative to the band's top. */
typedef struct band_layout {
    el_buf b;
    double height;
    double design_height; /* the band's `height`: split = stretch never cuts above it */
    double break_at;      /* a page_break element: its y, else -1 */
    int split;            /* SPLIT_* of the band */
} band_layout;

/* A font's vertical metrics in units of the font size (font.h), read once:
 * every line of every field needs them. */
typedef struct layout_font {
    double line_height, ascent, descent;
} layout_font;

typedef struct layout_ctx {
    const plan *p;
    const fill_resources *res;
    text_style *base;   /* per band, per item: the style without conditions */
    size_t *base_off;   /* per band: first index into base */
    layout_font *fonts; /* per font of res */
    /* layout_band()'s per item scratch, as long as the longest band. */
    double *grow;   /* how much the item stretched */
    size_t *parent; /* its frame's item, or SIZE_MAX */
    uint32_t instance;
    char ellipsis[4];
    int general_only; /* tests: every text the general way, to compare the fast one with */
} layout_ctx;

/* Resolves every element's base style and reads the fonts' metrics.
 * Returns 0, or -1 when out of memory (layout_free() then cleans up). */
int layout_init(layout_ctx *lc, const plan *p, const fill_resources *res);
/* Frees what layout_init() allocated; lc itself is the caller's. */
void layout_free(layout_ctx *lc);

/* Lays out `eb` (its items) at width of the page body into *out (cleared
 * first). Delayed items become placeholders. Returns QUIRE_OK or
 * QUIRE_ERR (out of memory). */
int layout_band(layout_ctx *lc, const emit_band *eb, uint32_t instance, band_layout *out,
                quire_error *err);

/* Lays out text[0..len) into the placeholder's fixed box, appending to `b`
 * (the first line replaces element ph->slot). The box never stretches:
 * lines that do not fit are cut. */
int layout_placeholder(layout_ctx *lc, el_buf *b, const fill_ph *ph, const char *text, size_t len,
                       quire_error *err);

/* ============================== Charts (fill_chart.c) ===================== */

/*
 * Draws chart value `pv` (pv->chart) in the box (x, y, w, h) of `b`'s
 * coordinates from its packed dataset bytes[len] (dataset_acc_pack(); not
 * changed), through its provider. Appends CLIP_PUSH (when with_clip; a
 * delayed chart's placeholder already is one), CHART, the provider's
 * elements, CHART_END and CLIP_POP, every element with origin's band,
 * group_level, instance and item. Returns QUIRE_OK, or QUIRE_ERR with err
 * naming the chart's place in the definition and the provider (what the
 * provider reported, or what it drew wrong); `b` may then hold part of
 * the chart.
 */
int chart_draw(layout_ctx *lc, const plan_value *pv, const quire_element *origin, double x,
               double y, double w, double h, const uint8_t *bytes, size_t len, int with_clip,
               el_buf *b, quire_error *err);

/* For the page about to be sent: makes CHART element `e`'s info (a blob
 * offset) a pointer into `blob`, and the info's own pointers and dataset
 * usable. 0, or -1 when the chunk is not what chart_draw() wrote. */
int chart_relocate(char *blob, quire_element *e);

/* A delayed chart's placeholder (fill_ph.chart): draws it from the packed
 * dataset bytes[len] (len 0: not shown, only the clip is closed) after
 * its reserved CLIP_PUSH element at ph->slot, moving what it appended
 * there so the chart's elements stay together; later placeholders' slots
 * move with them (b->phs). */
int layout_chart_placeholder(layout_ctx *lc, el_buf *b, const fill_ph *ph, const uint8_t *bytes,
                             size_t len, quire_error *err);

#endif /* QUIRE_FILL_INT_H */
