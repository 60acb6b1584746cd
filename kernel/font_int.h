/*
 * font_int.h - what font.c (sfnt parsing) and font_break.c (measuring and
 * breaking text) share: the loaded face with its precomputed BMP tables,
 * and the per-code-point lookup the measuring loops inline. Not for use
 * outside those two files; everyone else goes through font.h.
 */
#ifndef QUIRE_FONT_INT_H
#define QUIRE_FONT_INT_H

#include "font.h"

#define FONT_BMP 0x10000u

struct font_face {
    /* Advance in font units of every BMP code point, ready for summing:
     * the .notdef advance where the font has no glyph, and U+0009..U+000D
     * set to the advance of U+0020 (they measure as a space). */
    uint16_t bmp_advance[FONT_BMP];
    /* One bit per BMP code point the font has no glyph for (bit cp & 7 of
     * byte cp >> 3); U+0009..U+000D are never marked. */
    uint8_t bmp_missing[FONT_BMP / 8];

    uint32_t units_per_em;
    uint32_t num_glyphs;
    uint32_t num_hmetrics; /* >= 1 */
    uint16_t *hmtx;        /* advance of glyphs 0..num_hmetrics-1; later glyphs use the last */
    int32_t ascender, descender, line_gap; /* hhea (or OS/2 fallback), font units */

    /* The chosen Unicode cmap subtable, copied: format 4 or 12, already
     * checked to lie within cmap_len and to be sorted. */
    uint8_t *cmap;
    size_t cmap_len;
    int cmap_format;
    uint32_t cmap_count; /* segments (format 4) or groups (format 12) */

    char ps_name[64];
    char family[64];   /* name ID 1 (printable ASCII only) */
    uint32_t mac_style; /* head.macStyle: bit 0 bold, bit 1 italic */
};

/* The glyph of `cp` from the copied cmap subtable (0 when none or out of
 * range of the font's glyphs). Defined in font.c. */
uint32_t font_cmap_lookup(const font_face *f, uint32_t cp);

/* Advance units of `cp` as text measures it (see bmp_advance), adding 1 to
 * *missing when the font has no glyph for it. */
static inline uint32_t font_measure_cp(const font_face *f, uint32_t cp, size_t *missing)
{
    uint32_t g;

    if (cp < FONT_BMP) {
        *missing += (f->bmp_missing[cp >> 3] >> (cp & 7)) & 1u;
        return f->bmp_advance[cp];
    }
    g = font_cmap_lookup(f, cp);
    if (g == 0)
        (*missing)++;
    return f->hmtx[g < f->num_hmetrics ? g : f->num_hmetrics - 1];
}

/* Points of `units` font units at `size`: the one formula every width in
 * font.h goes through, so a line's width equals font_text_width() of its
 * bytes exactly. */
static inline double font_units_to_points(const font_face *f, uint64_t units, double size)
{
    return (double)units * size / (double)f->units_per_em;
}

#endif /* QUIRE_FONT_INT_H */
