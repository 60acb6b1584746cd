/*
 * std_text.c - text in charts: measuring with the kernel's metrics (so a
 * label fits exactly as the renderers will set it), one-line labels cut
 * with an ellipsis, and category labels wrapped to two lines. The print
 * model has no rotated text; the full text of a cut label is in its mark.
 */
#include <string.h>

#include "std.h"

#define ELLIPSIS     "\xe2\x80\xa6"
#define ELLIPSIS_LEN 3

double std_text_width(const std_ctx *c, const char *text, size_t len, double size, int bold)
{
    if (len == 0)
        return 0.0;
    return c->api->text_width(c->canvas, c->family, bold ? QUIRE_FONT_BOLD : 0, size, text, len);
}

double std_line_height(const std_ctx *c, double size)
{
    return size * (c->ascent + c->descent);
}

/* The previous code point boundary before `i` (> 0). */
static size_t prev_boundary(const char *text, size_t i)
{
    do
        i--;
    while (i > 0 && ((unsigned char)text[i] & 0xC0) == 0x80);
    return i;
}

/* The next code point boundary after `i` (< len). */
static size_t next_boundary(const char *text, size_t len, size_t i)
{
    do
        i++;
    while (i < len && ((unsigned char)text[i] & 0xC0) == 0x80);
    return i;
}

/* The longest prefix (on a code point boundary) of text[0..len) no wider
 * than w, found by bisection over byte offsets. */
static size_t fit_prefix(const std_ctx *c, const char *text, size_t len, double size, int bold,
                         double w)
{
    size_t lo = 0, hi = len;

    while (lo < hi) {
        size_t mid = lo + (hi - lo + 1) / 2, cut = mid;
        while (cut < len && ((unsigned char)text[cut] & 0xC0) == 0x80)
            cut++;
        if (std_text_width(c, text, cut, size, bold) <= w)
            lo = cut;
        else
            hi = mid - 1;
        if (lo >= hi)
            break;
    }
    while (lo > 0 && lo < len && ((unsigned char)text[lo] & 0xC0) == 0x80)
        lo = prev_boundary(text, lo);
    return lo;
}

/* Emits one text element: the line box (x, y, w) holding the glyphs of
 * text[0..len) aligned in it. */
static int emit_line(std_ctx *c, double x, double y, double w, const char *text, size_t len,
                     double size, int bold, uint32_t align, quire_color color, uint32_t flags,
                     uint32_t line, double tw)
{
    quire_element el = {0};
    double ascent = c->ascent, descent = c->descent, gx = x;

    /* A line that would leave the chart's box vertically is left out:
     * nothing a chart draws may reach outside its box. */
    if (len == 0 || y < c->box.y - 1e-6 ||
        y + size * (ascent + descent) > c->box.y + c->box.h + 1e-6 || x < c->box.x - 1e-6 ||
        x + w > c->box.x + c->box.w + 1e-6)
        return QUIRE_OK;
    el.u.text.font = bold ? c->font_bold : c->font_regular;
    if (align == QUIRE_ALIGN_CENTER)
        gx = x + (w - tw) / 2.0;
    else if (align == QUIRE_ALIGN_RIGHT)
        gx = x + w - tw;
    el.kind = QUIRE_EL_TEXT;
    el.x = gx;
    el.y = y;
    el.width = tw;
    el.height = size * (ascent + descent);
    el.fill = color;
    el.u.text.utf8 = text;
    el.u.text.len = len;
    el.u.text.size = size;
    el.u.text.baseline = y + size * ascent;
    el.u.text.align = align;
    el.u.text.line = line;
    el.u.text.flags = flags | QUIRE_TEXT_STATIC;
    el.u.text.box_x = gx;
    el.u.text.box_y = y;
    el.u.text.box_width = tw;
    el.u.text.box_height = el.height;
    if (c->failed)
        return QUIRE_ERR;
    if (c->api->element(c->canvas, &el) != QUIRE_OK) {
        c->failed = 1;
        c->host->error_set(c->err, QUIRE_E_NOMEM, "%s chart: the canvas refused a text element",
                           std_type_name(c->type));
        return QUIRE_ERR;
    }
    return QUIRE_OK;
}

/* Draws text cut to w with an ellipsis when it does not fit. */
static int text_cut(std_ctx *c, double x, double y, double w, const char *text, size_t len,
                    double size, int bold, uint32_t align, quire_color color, uint32_t flags,
                    uint32_t line)
{
    double tw = std_text_width(c, text, len, size, bold);
    double ew;
    char buf[512];
    size_t keep;

    if (tw <= w + 1e-9)
        return emit_line(c, x, y, w, text, len, size, bold, align, color, flags, line, tw);
    ew = std_text_width(c, ELLIPSIS, ELLIPSIS_LEN, size, bold);
    if (ew > w)
        return QUIRE_OK; /* not even "…" fits: nothing */
    keep = fit_prefix(c, text, len, size, bold, w - ew);
    if (keep > sizeof(buf) - ELLIPSIS_LEN - 1)
        keep = prev_boundary(text, sizeof(buf) - ELLIPSIS_LEN - 1);
    while (keep > 0 && text[keep - 1] == ' ')
        keep--;
    memcpy(buf, text, keep);
    memcpy(buf + keep, ELLIPSIS, ELLIPSIS_LEN);
    tw = std_text_width(c, buf, keep + ELLIPSIS_LEN, size, bold);
    return emit_line(c, x, y, w, buf, keep + ELLIPSIS_LEN, size, bold, align, color, flags, line,
                     tw);
}

int std_text(std_ctx *c, double x, double y, double w, const char *text, size_t len, double size,
             int bold, uint32_t align, quire_color color, uint32_t flags)
{
    return text_cut(c, x, y, w, text, len, size, bold, align, color, flags, 0);
}

/* Where the first of two lines ends: after the last space that keeps it
 * within w, else the longest prefix that fits (a word broken between
 * characters); *rest is where the second line starts. */
static size_t first_line_end(const std_ctx *c, const char *text, size_t len, double size, double w,
                             size_t *rest)
{
    size_t fit = fit_prefix(c, text, len, size, 0, w), end = fit;

    if (fit >= len) {
        *rest = len;
        return len;
    }
    /* A space right at the cut, or the last one before it. */
    if (text[fit] == ' ')
        end = fit;
    else
        while (end > 0 && text[end - 1] != ' ')
            end--;
    if (end == 0) {
        end = fit > 0 ? fit : next_boundary(text, len, 0);
        *rest = end;
        return end;
    }
    *rest = end;
    while (end > 0 && text[end - 1] == ' ')
        end--;
    while (*rest < len && text[*rest] == ' ')
        (*rest)++;
    return end;
}

int std_text_lines_needed(const std_ctx *c, const char *text, size_t len, double size, double w)
{
    size_t rest, end;

    if (std_text_width(c, text, len, size, 0) <= w)
        return 1;
    end = first_line_end(c, text, len, size, w, &rest);
    (void)end;
    return std_text_width(c, text + rest, len - rest, size, 0) <= w ? 2 : 3;
}

int std_text_wrap(std_ctx *c, double x, double y, double w, const char *text, size_t len,
                  double size, uint32_t align, quire_color color, int max_lines)
{
    size_t rest, end;

    if (max_lines < 2 || std_text_width(c, text, len, size, 0) <= w) {
        if (text_cut(c, x, y, w, text, len, size, 0, align, color, 0, 0) != QUIRE_OK)
            return -1;
        return 1;
    }
    end = first_line_end(c, text, len, size, w, &rest);
    if (text_cut(c, x, y, w, text, end, size, 0, align, color, 0, 0) != QUIRE_OK ||
        text_cut(c, x, y + std_line_height(c, size), w, text + rest, len - rest, size, 0, align,
                 color, 0, 1) != QUIRE_OK)
        return -1;
    return 2;
}
