/*
 * std_bar.c - bar charts: vertical or horizontal, several series grouped
 * side by side, stacked (positive values up from zero, negative ones down)
 * or stacked to 100%. Each bar (and its data label) is one POINT mark.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "std.h"

/* ============================== Values ==================================== */

/* Value (series s, category i), NaN when missing. */
static double value_at(const quire_dataset *d, size_t s, size_t i)
{
    return d->values[s * d->ncategories + i];
}

/* The total of category i's absolute values (percent stacking). */
static double category_total(const quire_dataset *d, size_t i)
{
    double t = 0;

    for (size_t s = 0; s < d->nseries; s++) {
        double v = value_at(d, s, i);
        if (!isnan(v))
            t += fabs(v);
    }
    return t;
}

/* The range the bars cover, zero included. */
static void bar_range(const quire_dataset *d, int stacking, double *lo, double *hi)
{
    *lo = 0;
    *hi = 0;
    for (size_t i = 0; i < d->ncategories; i++) {
        double pos = 0, neg = 0, total = stacking == STD_STACK_PERCENT ? category_total(d, i) : 1;
        for (size_t s = 0; s < d->nseries; s++) {
            double v = value_at(d, s, i);
            if (isnan(v))
                continue;
            if (stacking == STD_STACK_PERCENT)
                v = total > 0 ? v / total * 100.0 : 0;
            if (stacking == STD_STACK_NONE) {
                *lo = fmin(*lo, v);
                *hi = fmax(*hi, v);
            } else if (v >= 0)
                pos += v;
            else
                neg += v;
        }
        *lo = fmin(*lo, neg);
        *hi = fmax(*hi, pos);
    }
}

/* ============================== Labels ==================================== */

/* The data label of (s, i): number_format when set, else the dataset's
 * text, else compact. */
static size_t label_text(const std_ctx *c, size_t s, size_t i, char *buf, size_t cap)
{
    const quire_dataset *d = c->data;
    double v = value_at(d, s, i);

    if (c->opts.number_format == NULL && d->value_text != NULL &&
        d->value_text[s * d->ncategories + i].len > 0) {
        const quire_str *t = &d->value_text[s * d->ncategories + i];
        size_t n = t->len < cap - 1 ? t->len : cap - 1;
        memcpy(buf, t->ptr, n);
        buf[n] = '\0';
        return n;
    }
    return std_format_value(c, v, c->opts.number_format, buf, cap);
}

/* Black or white, whichever reads on `bg`. */
static quire_color on_color(quire_color bg)
{
    double lum = 0.299 * bg.r + 0.587 * bg.g + 0.114 * bg.b;

    return lum > 150 ? (quire_color){0x22, 0x22, 0x22, 255} : (quire_color){255, 255, 255, 255};
}

/* Places the data label of a bar spanning [b0, b1] on the value axis
 * (page coordinates) and [x0, x0 + w] across it. Inside the bar when
 * stacked, beyond its end otherwise; left out when it does not fit. */
static int bar_label(std_ctx *c, const std_plot *p, const char *text, size_t len, double b0,
                     double b1, double x0, double w, int stacked, quire_color fill)
{
    double lh = std_line_height(c, c->fs), tw = std_text_width(c, text, len, c->fs, 0);
    double lo = fmin(b0, b1), hi = fmax(b0, b1);

    if (!p->val_horizontal) {
        double y;
        if (tw > w + 2)
            return QUIRE_OK;
        if (stacked) {
            if (hi - lo < lh)
                return QUIRE_OK;
            return std_text(c, x0 - 1, (lo + hi) / 2 - lh / 2, w + 2, text, len, c->fs, 0,
                            QUIRE_ALIGN_CENTER, on_color(fill), QUIRE_TEXT_NUMERIC);
        }
        /* Above a positive bar (b1 is its top), below a negative one. */
        y = b1 <= b0 ? b1 - lh - 1 : b1 + 1;
        if (y < p->r.y - lh / 2 || y + lh > c->box.y + c->box.h)
            return QUIRE_OK;
        return std_text(c, x0 - 1, y, w + 2, text, len, c->fs, 0, QUIRE_ALIGN_CENTER,
                        c->theme->text, QUIRE_TEXT_NUMERIC);
    }
    if (w < lh * 0.8)
        return QUIRE_OK;
    if (stacked) {
        if (hi - lo < tw + 4)
            return QUIRE_OK;
        return std_text(c, lo, x0 + (w - lh) / 2, hi - lo, text, len, c->fs, 0, QUIRE_ALIGN_CENTER,
                        on_color(fill), QUIRE_TEXT_NUMERIC);
    }
    if (b1 >= b0 && b1 + 2 + tw <= p->r.x + p->r.w)
        return std_text(c, b1 + 2, x0 + (w - lh) / 2, tw + 0.01, text, len, c->fs, 0,
                        QUIRE_ALIGN_LEFT, c->theme->text, QUIRE_TEXT_NUMERIC);
    if (b1 < b0 && b1 - 2 - tw >= p->r.x)
        return std_text(c, b1 - 2 - tw, x0 + (w - lh) / 2, tw + 0.01, text, len, c->fs, 0,
                        QUIRE_ALIGN_LEFT, c->theme->text, QUIRE_TEXT_NUMERIC);
    if (hi - lo >= tw + 4)
        return std_text(c, lo, x0 + (w - lh) / 2, hi - lo, text, len, c->fs, 0, QUIRE_ALIGN_CENTER,
                        on_color(fill), QUIRE_TEXT_NUMERIC);
    return QUIRE_OK;
}

/* ============================== Drawing =================================== */

/* One bar from value v0 to v1 (clamped to the axis) across [x0, x0 + w],
 * inside its POINT mark. */
static int bar(std_ctx *c, const std_plot *p, size_t s, size_t i, double v0, double v1, double x0,
               double w, int stacked)
{
    quire_color fill = std_series_color(c, s, 0);
    double b0 = std_plot_val(p, fmin(fmax(v0, p->val.lo), p->val.hi));
    double b1 = std_plot_val(p, fmin(fmax(v1, p->val.lo), p->val.hi));
    char text[STD_LABEL_MAX];

    if (std_point_mark(c, s, i) != QUIRE_OK)
        return QUIRE_ERR;
    if (p->val_horizontal)
        std_rect(c, fmin(b0, b1), x0, fabs(b1 - b0), w, fill, (quire_color){0}, 0);
    else
        std_rect(c, x0, fmin(b0, b1), w, fabs(b1 - b0), fill, (quire_color){0}, 0);
    if (c->opts.labels == 1) {
        size_t len = label_text(c, s, i, text, sizeof(text));
        bar_label(c, p, text, len, b0, b1, x0, w, stacked, fill);
    }
    return std_mark_end(c);
}

int std_draw_bar(std_ctx *c)
{
    const quire_dataset *d = c->data;
    int stacking = c->opts.stacking < 0 ? STD_STACK_NONE : c->opts.stacking;
    int horizontal = c->opts.horizontal;
    double lo, hi;
    std_plot p;

    if (std_series_legend(c, NULL, 0) != QUIRE_OK)
        return QUIRE_ERR;
    bar_range(d, stacking, &lo, &hi);
    if (std_plot_draw(c, &p, lo, hi, stacking == STD_STACK_PERCENT, 0, 0, 0, 0, horizontal) !=
        QUIRE_OK)
        return QUIRE_ERR;
    for (size_t i = 0; i < d->ncategories; i++) {
        double band, centre = std_plot_band(&p, i, &band);
        double group = band * (d->nseries > 1 && stacking == STD_STACK_NONE ? 0.8 : 0.7);
        double start = centre - group / 2;
        double pos = 0, neg = 0, total = stacking == STD_STACK_PERCENT ? category_total(d, i) : 1;
        /* Horizontal bars list categories top down and series in order. */
        for (size_t s = 0; s < d->nseries; s++) {
            double v = value_at(d, s, i);
            if (isnan(v))
                continue;
            if (stacking == STD_STACK_NONE) {
                double bw = group / (double)d->nseries;
                double gap = bw > 6 ? 1.0 : 0.0;
                if (bar(c, &p, s, i, 0, v, start + (double)s * bw + gap / 2, bw - gap, 0) !=
                    QUIRE_OK)
                    return QUIRE_ERR;
                continue;
            }
            if (stacking == STD_STACK_PERCENT)
                v = total > 0 ? v / total * 100.0 : 0;
            if (v >= 0) {
                if (bar(c, &p, s, i, pos, pos + v, start, group, 1) != QUIRE_OK)
                    return QUIRE_ERR;
                pos += v;
            } else {
                if (bar(c, &p, s, i, neg, neg + v, start, group, 1) != QUIRE_OK)
                    return QUIRE_ERR;
                neg += v;
            }
        }
    }
    return c->failed ? QUIRE_ERR : QUIRE_OK;
}
