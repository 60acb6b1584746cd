/*
 * font_break.c - measuring UTF-8 text with a loaded face and breaking it
 * into lines (see font.h). The report filler measures every field of every
 * row, so the loops here are table lookups per byte for ASCII and per code
 * point for the rest of the BMP (font_int.h); widths are summed in integer
 * font units and scaled once at the end, so a width never depends on how
 * the text was split.
 */
#include "font_int.h"

#include <string.h>

/* ============================== UTF-8 ===================================== */

static int is_cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

uint32_t font_utf8_next(const char *s, size_t len, size_t *i)
{
    const unsigned char *p = (const unsigned char *)s + *i;
    size_t left = len - *i;
    unsigned char c = p[0];
    /* The second byte's range narrows for E0, ED, F0 and F4: that rejects
     * overlong forms, surrogates and code points past U+10FFFF. */
    unsigned char lo = 0x80, hi = 0xBF;
    size_t n;
    uint32_t cp;

    if (c < 0x80) {
        (*i)++;
        return c;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0Fu;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07u;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        goto invalid;
    }
    if (left < n || p[1] < lo || p[1] > hi)
        goto invalid;
    for (size_t k = 1; k < n; k++) {
        if (!is_cont(p[k]))
            goto invalid;
        cp = (cp << 6) | (p[k] & 0x3Fu);
    }
    *i += n;
    return cp;

invalid:
    (*i)++;
    return 0xFFFD;
}

/* ============================== Measuring ================================= */

/* Sum of the advance units of text[0..len), counting code points without a
 * glyph into *missing. */
static uint64_t text_units(const font_face *f, const char *text, size_t len, size_t *missing)
{
    const unsigned char *s = (const unsigned char *)text;
    uint64_t units = 0;
    size_t miss = 0, i = 0;

    while (i < len) {
        unsigned c = s[i];
        if (c < 0x80) {
            units += f->bmp_advance[c];
            miss += (f->bmp_missing[c >> 3] >> (c & 7)) & 1u;
            i++;
        } else {
            units += font_measure_cp(f, font_utf8_next(text, len, &i), &miss);
        }
    }
    *missing = miss;
    return units;
}

double font_text_width(const font_face *f, const char *text, size_t len, double size,
                       size_t *missing)
{
    size_t miss = 0;
    uint64_t units = text != NULL ? text_units(f, text, len, &miss) : 0;

    if (missing != NULL)
        *missing = miss;
    return font_units_to_points(f, units, size);
}

uint32_t font_first_missing(const font_face *f, const char *text, size_t len)
{
    size_t i = 0;

    while (text != NULL && i < len) {
        uint32_t cp = font_utf8_next(text, len, &i);
        size_t miss = 0;
        (void)font_measure_cp(f, cp, &miss);
        if (miss != 0)
            return cp;
    }
    return 0;
}

/* ============================== Line breaking ============================= */

/* Spaces end a word and hang at the end of a line: U+0020 and the
 * controls that measure as one (U+000A is handled before this). */
static int is_space(uint32_t cp)
{
    return cp == ' ' || (cp >= 0x09 && cp <= 0x0D);
}

/* Ideographs, kana, Hangul syllables and fullwidth forms: a line may break
 * before and after each. Most text is below the first of them. */
static int is_cjk(uint32_t cp)
{
    if (cp < 0x3040)
        return 0;
    return (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
           (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0xAC00 && cp <= 0xD7AF) || (cp >= 0xFF00 && cp <= 0xFFEF) ||
           (cp >= 0x20000 && cp <= 0x3FFFF);
}

/* Characters a line may break after (when a non-space follows). */
static int breaks_after(uint32_t cp)
{
    return cp == '-' || cp == '/' || cp == 0x200B || is_cjk(cp);
}

typedef struct break_ctx {
    const font_face *f;
    const char *text;
    size_t len;
    double size, max_width;
} break_ctx;

typedef struct line_end {
    font_line line;
    size_t next; /* where the next line starts */
    int newline; /* the line ended at a newline (so another line follows) */
} line_end;

static line_end make_line(const break_ctx *c, size_t start, size_t end, uint64_t units, int hard,
                          size_t next, int newline)
{
    line_end e;

    e.line.start = start;
    e.line.len = end - start;
    e.line.width = font_units_to_points(c->f, units, c->size);
    e.line.hard = hard;
    e.next = next;
    e.newline = newline;
    return e;
}

/*
 * The line starting at `pos`: greedy, it takes code points while they fit
 * and remembers the last break opportunity; a non-space that does not fit
 * ends the line there (or, in a word longer than the line, just before
 * that code point). Spaces are held back as `pending` until a non-space
 * follows, so trailing spaces never count and never force a break.
 */
static line_end scan_line(const break_ctx *c, size_t pos)
{
    const font_face *f = c->f;
    size_t i = pos, content_end = pos;
    size_t brk_end = pos, brk_resume = pos;
    uint64_t units = 0, pending = 0, brk_units = 0;
    int spaces = 0, prev_breaks = 0, have_brk = 0;

    while (i < c->len) {
        size_t at = i, ignored = 0;
        unsigned char b = (unsigned char)c->text[i];
        uint32_t cp = b < 0x80 ? (i++, b) : font_utf8_next(c->text, c->len, &i);
        uint64_t cu, w;
        int has_content = content_end > pos;

        if (cp == '\n')
            return make_line(c, pos, content_end, units, 1, i, 1);
        if (cp == '\r' && i < c->len && c->text[i] == '\n')
            return make_line(c, pos, content_end, units, 1, i + 1, 1);
        cu = font_measure_cp(f, cp, &ignored);
        if (is_space(cp)) {
            pending += cu;
            spaces = 1;
            prev_breaks = 0;
            continue;
        }
        if (has_content && (spaces || prev_breaks || is_cjk(cp))) {
            have_brk = 1;
            brk_end = content_end;
            brk_units = units;
            brk_resume = at;
        }
        w = units + pending + cu;
        if (has_content && !(font_units_to_points(f, w, c->size) <= c->max_width)) {
            if (have_brk)
                return make_line(c, pos, brk_end, brk_units, 0, brk_resume, 0);
            return make_line(c, pos, content_end, units, 0, at, 0);
        }
        units = w;
        pending = 0;
        spaces = 0;
        content_end = i;
        prev_breaks = breaks_after(cp);
    }
    return make_line(c, pos, content_end, units, 1, c->len, 0);
}

size_t font_break_lines(const font_face *f, const char *text, size_t len, double size,
                        double max_width, font_line *lines, size_t max_lines)
{
    break_ctx c = {f, text, text != NULL ? len : 0, size, max_width};
    size_t count = 0, pos = 0;

    /* Every line but the last ends before the end of the text or at a
     * newline, and each moves pos forward by at least one byte. */
    for (;;) {
        line_end e = scan_line(&c, pos);
        if (count < max_lines)
            lines[count] = e.line;
        count++;
        if (e.next >= c.len && !e.newline)
            break;
        pos = e.next;
    }
    return count;
}

int font_fit_ascii_line(const font_face *f, const char *text, size_t len, double size,
                        double max_width, font_line *line)
{
    const unsigned char *s = (const unsigned char *)text;
    uint64_t units = 0, content = 0;
    size_t end = 0;
    double width;

    /* Only at a finite size >= 0 does a longer prefix never measure
     * narrower; otherwise scan_line's check at each character may disagree
     * with the single one below. */
    if (!(size >= 0 && size <= 1e300))
        return 0;
    if (text == NULL)
        len = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned c = s[i];
        if (c - 0x20u > 0x7Eu - 0x20u)
            return 0;
        units += f->bmp_advance[c];
        if (c != ' ') {
            content = units; /* trailing spaces never count */
            end = i + 1;
        }
    }
    width = font_units_to_points(f, content, size);
    if (!(width <= max_width))
        return 0;
    line->start = 0;
    line->len = end;
    line->width = width;
    line->hard = 1;
    return 1;
}

size_t font_fit_prefix(const font_face *f, const char *text, size_t len, double size,
                       double max_width, const char *suffix)
{
    size_t ignored = 0, i = 0, best = 0;
    uint64_t units = suffix != NULL ? text_units(f, suffix, strlen(suffix), &ignored) : 0;

    if (!(font_units_to_points(f, units, size) <= max_width))
        return 0;
    while (text != NULL && i < len) {
        uint32_t cp = font_utf8_next(text, len, &i);
        units += font_measure_cp(f, cp, &ignored);
        if (!(font_units_to_points(f, units, size) <= max_width))
            break;
        if (!is_space(cp))
            best = i;
    }
    return best;
}
