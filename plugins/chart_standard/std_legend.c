/*
 * std_legend.c - the legend: a column at the right, or centred rows at the
 * top or bottom (at most three rows). Each entry is a colour swatch and its
 * text inside a LEGEND mark, so the HTML renderer can toggle its series.
 * Entries that do not fit are left out rather than drawn outside the box.
 */
#include <math.h>
#include <string.h>

#include "std.h"

#define MAX_ROWS 3

/* Draws one entry at (x, y) with its text cut to text_w. */
static int entry(std_ctx *c, const std_legend_item *it, double x, double y, double text_w)
{
    double lh = std_line_height(c, c->fs), sw = c->fs * 0.8;

    if (std_mark(c, it->per_category ? QUIRE_MARK_LEGEND_CATEGORY : QUIRE_MARK_LEGEND, it->series,
                 it->category, it->text, it->len) != QUIRE_OK)
        return QUIRE_ERR;
    if (it->line)
        std_line(c, x, y + lh / 2, x + sw, y + lh / 2, it->color, 1.5);
    else
        std_rect(c, x, y + (lh - sw) / 2, sw, sw, it->color, (quire_color){0}, 0);
    std_text(c, x + sw + 4, y, text_w, it->text, it->len, c->fs, 0, QUIRE_ALIGN_LEFT,
             c->theme->text, 0);
    return std_mark_end(c);
}

static int legend_right(std_ctx *c, const std_legend_item *items, size_t n)
{
    double lh = std_line_height(c, c->fs), sw = c->fs * 0.8, widest = 0, w, x, y, rowh = lh + 2;
    size_t fit;

    for (size_t i = 0; i < n; i++) {
        double tw = std_text_width(c, items[i].text, items[i].len, c->fs, 0);
        widest = tw > widest ? tw : widest;
    }
    w = fmin(widest + sw + 4, c->area.w * 0.3);
    fit = (size_t)floor(c->area.h / rowh);
    if (fit > n)
        fit = n;
    x = c->area.x + c->area.w - w;
    y = c->area.y + (c->area.h - (double)fit * rowh) / 2;
    for (size_t i = 0; i < fit; i++)
        if (entry(c, &items[i], x, y + (double)i * rowh, w - sw - 4) != QUIRE_OK)
            return QUIRE_ERR;
    c->area.w -= w + c->fs;
    return QUIRE_OK;
}

/* Rows for top and bottom: entries flow left to right, rows centred. */
static int legend_rows(std_ctx *c, const std_legend_item *items, size_t n, int top)
{
    double lh = std_line_height(c, c->fs), sw = c->fs * 0.8, gap = c->fs * 1.5;
    double rowh = lh + 2, maxw = c->area.w, y;
    size_t start[MAX_ROWS + 1], rows = 0, i = 0;
    double roww[MAX_ROWS];

    /* Break the entries into rows. */
    while (i < n && rows < MAX_ROWS) {
        double w = 0;
        start[rows] = i;
        while (i < n) {
            double ew = sw + 4 + std_text_width(c, items[i].text, items[i].len, c->fs, 0);
            ew = fmin(ew, maxw);
            if (w > 0 && w + gap + ew > maxw)
                break;
            w += (w > 0 ? gap : 0) + ew;
            i++;
        }
        roww[rows++] = w;
    }
    start[rows] = i;
    y = top ? c->area.y : c->area.y + c->area.h - (double)rows * rowh;
    for (size_t r = 0; r < rows; r++) {
        double x = c->area.x + (c->area.w - roww[r]) / 2;
        for (size_t k = start[r]; k < start[r + 1]; k++) {
            double tw = std_text_width(c, items[k].text, items[k].len, c->fs, 0);
            tw = fmin(tw, maxw - sw - 4);
            if (entry(c, &items[k], x, y + (double)r * rowh, tw + 0.01) != QUIRE_OK)
                return QUIRE_ERR;
            x += sw + 4 + tw + gap;
        }
    }
    if (top)
        c->area.y += (double)rows * rowh + c->fs * 0.5;
    c->area.h -= (double)rows * rowh + c->fs * 0.5;
    return QUIRE_OK;
}

int std_legend_draw(std_ctx *c, const std_legend_item *items, size_t n, int where)
{
    if (n == 0 || where == STD_LEGEND_NONE || where == STD_LEGEND_AUTO)
        return QUIRE_OK;
    if (where == STD_LEGEND_RIGHT)
        return legend_right(c, items, n);
    return legend_rows(c, items, n, where == STD_LEGEND_TOP);
}
