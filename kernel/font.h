/*
 * font.h - TrueType fonts as the kernel measures them: the few sfnt tables
 * that decide where lines break (cmap, hmtx, hhea, head, OS/2, maxp), read
 * from the same .ttf files the renderers embed, and the line breaker built
 * on them.
 *
 * Widths are exact sums of the fonts' advance widths in font units scaled
 * by size / unitsPerEm: no kerning, no hinting, which is what PDF (libharu),
 * cairo with hint metrics off and HTML with font-kerning: none also draw.
 *
 * A font file is input like any other: every offset and length is checked
 * against the file's size, and a bad file is an error naming the file and
 * the table, never a crash (tests/fuzz/fuzz_font.c).
 *
 * Threading: a loaded face is immutable after font_face_load() and may be
 * measured from several threads at once.
 */
#ifndef QUIRE_FONT_H
#define QUIRE_FONT_H

#include <stddef.h>
#include <stdint.h>

#include <quire/common.h>

typedef struct font_face font_face;

/*
 * Reads the TrueType or OpenType-with-TrueType-outlines font at `path` (a
 * .ttc collection: its first font). Returns QUIRE_OK and *out (owned by
 * the caller: font_face_free()), or QUIRE_ERR with err set: "PATH: cannot
 * open: No such file or directory", "PATH: not a TrueType font", "PATH:
 * table 'hmtx' is truncated", ...
 */
int font_face_load(const char *path, font_face **out, quire_error *err);

/* The same from bytes in memory (copied; `name` is used in messages). */
int font_face_load_mem(const uint8_t *data, size_t len, const char *name, font_face **out,
                       quire_error *err);

void font_face_free(font_face *f);

/* Vertical metrics in units of the font size (hhea ascender, -descender,
 * lineGap divided by unitsPerEm): multiply by the size in points. */
double font_ascent(const font_face *f);
double font_descent(const font_face *f);
double font_line_gap(const font_face *f);
/* ascent + descent + line gap: the distance between baselines at line
 * spacing 1.0, in units of the font size. */
double font_line_height(const font_face *f);
/* The PostScript name from the 'name' table ("DejaVuSans-Bold"), or "". */
const char *font_postscript_name(const font_face *f);

/* The family name from the 'name' table ("DejaVu Sans"), or "". */
const char *font_family_name(const font_face *f);
/* Bold (bit 0) and italic (bit 1) from head.macStyle: QUIRE_FONT_* bits. */
uint32_t font_style_bits(const font_face *f);

/* The glyph of code point `cp`, 0 when the font has none (.notdef). */
uint32_t font_glyph(const font_face *f, uint32_t cp);

/* Advance of code point `cp` in font units (the .notdef advance when the
 * font lacks it), and the font's units per em. */
uint32_t font_advance_units(const font_face *f, uint32_t cp);
uint32_t font_units_per_em(const font_face *f);

/*
 * The advance width in points of the UTF-8 text[0..len) at `size` points.
 * Invalid UTF-8 bytes count as U+FFFD. *missing (may be NULL) gets the
 * number of code points the font has no glyph for (not counting
 * U+0009..U+000D, which measure as a space).
 */
double font_text_width(const font_face *f, const char *text, size_t len, double size,
                       size_t *missing);

/* The first code point the font lacks in text[0..len), or 0 when it has
 * every one (for "font 'DejaVu Sans' has no glyph for U+4E2D" warnings). */
uint32_t font_first_missing(const font_face *f, const char *text, size_t len);

/* ============================== Line breaking ============================= */

typedef struct font_line {
    size_t start; /* byte offset in the text */
    size_t len;   /* bytes, trailing spaces and the newline excluded */
    double width; /* advance of text[start, start + len) in points */
    int hard;     /* ends at a newline in the text (or at the end of the text) */
} font_line;

/*
 * Breaks text[0..len) into lines no wider than `max_width` points at `size`:
 * at U+000A (and CR LF), otherwise at the last break opportunity that fits:
 * after a run of spaces, after a hyphen or slash, or between two CJK
 * ideographs/kana (which break anywhere). A single word wider than the line
 * is broken between characters (at least one character per line, so the
 * result always makes progress). Spaces at a break are dropped.
 *
 * Writes at most `max_lines` lines to lines[] (may be NULL when max_lines is
 * 0) and returns how many lines the whole text needs, which may be more
 * than max_lines: call again with a bigger array, or use the count to
 * decide to cut. Never fails; an empty text is one empty line.
 */
size_t font_break_lines(const font_face *f, const char *text, size_t len, double size,
                        double max_width, font_line *lines, size_t max_lines);

/*
 * The fast path of font_break_lines() for the common table cell: when
 * text[0..len) is printable ASCII (U+0020..U+007E only: no newline, tab or
 * control) and fits on one line of `max_width` points at a finite `size`
 * >= 0, writes into *line the single line font_break_lines() gives it (the
 * same start, len, width and hard flag, bit for bit) and returns 1.
 * Otherwise returns 0 and leaves *line alone: the caller breaks the text
 * with font_break_lines(). No decoding and no break search: one table
 * lookup per byte.
 */
int font_fit_ascii_line(const font_face *f, const char *text, size_t len, double size,
                        double max_width, font_line *line);

/*
 * The longest prefix of text[0..len) that, followed by `suffix` (e.g. the
 * UTF-8 ellipsis "\xe2\x80\xa6"), fits in `max_width` at `size`: returns its
 * length in bytes, on a code point boundary, trailing spaces removed (0 when
 * not even the suffix alone fits; the caller then prints nothing).
 */
size_t font_fit_prefix(const font_face *f, const char *text, size_t len, double size,
                       double max_width, const char *suffix);

/* Decodes one UTF-8 code point at s[*i] (< len), advancing *i; an invalid
 * or truncated sequence gives U+FFFD and advances one byte. */
uint32_t font_utf8_next(const char *s, size_t len, size_t *i);

#endif /* QUIRE_FONT_H */
