/*
 * std_plot.c - the frame of a cartesian chart (bar, line, area, scatter):
 * where the plot area goes once the axis labels are measured, the grid
 * behind the marks, the darker zero line, value labels right-aligned left
 * of the plot (under it for horizontal bars), category labels centred under
 * their bands (every k-th when they would overlap, two lines or an
 * ellipsis when too long), continuous date or number axes, axis titles.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "std.h"

/* ============================== Mapping =================================== */

double std_plot_val(const std_plot *p, double v)
{
    double f = (v - p->val.lo) / (p->val.hi - p->val.lo);

    if (p->val_horizontal)
        return p->r.x + f * p->r.w;
    return p->r.y + p->r.h - f * p->r.h;
}

double std_plot_x(const std_plot *p, double x)
{
    return p->r.x + (x - p->x.lo) / (p->x.hi - p->x.lo) * p->r.w;
}

double std_plot_band(const std_plot *p, size_t i, double *band_width)
{
    double n = p->ncat ? (double)p->ncat : 1.0;

    if (p->val_horizontal) {
        *band_width = p->r.h / n;
        return p->r.y + ((double)i + 0.5) * p->r.h / n;
    }
    *band_width = p->r.w / n;
    return p->r.x + ((double)i + 0.5) * p->r.w / n;
}

/* ============================== Labels ==================================== */

/* The label of category i: date_format applied to a date category, else
 * the dataset's text. */
static const char *cat_label(const std_ctx *c, size_t i, char *buf, size_t cap, size_t *len)
{
    const quire_dataset *d = c->data;
    double days = std_category_days(d, i);

    if (c->opts.date_format != NULL && !isnan(days) &&
        (d->category_type == QUIRE_TYPE_DATE || d->category_type == QUIRE_TYPE_TIMESTAMP)) {
        int64_t us = (int64_t)llround(days * 86400.0) * 1000000;
        size_t n = c->host->format_time(us, c->opts.date_format, c->req->locale, buf, cap);
        if (n != (size_t)-1) {
            *len = n < cap ? n : cap - 1;
            return buf;
        }
    }
    *len = d->categories[i].len;
    return d->categories[i].ptr;
}

static double widest_tick(const std_ctx *c, const std_ticks *t)
{
    double w = 0;

    for (size_t i = 0; i < t->n; i++) {
        double tw = std_text_width(c, t->label[i], strlen(t->label[i]), c->fs, 0);
        w = tw > w ? tw : w;
    }
    return w;
}

/* Value ticks over [lo, hi] whose labels fit side by side along `length`. */
static void ticks_along(const std_ctx *c, double lo, double hi, double length, int percent,
                        std_ticks *t)
{
    int target = (int)(length / (6 * c->fs));

    target = target < 2 ? 2 : (target > 10 ? 10 : target);
    for (int tries = 0; tries < 6; tries++) {
        std_value_ticks(c, lo, hi, target, percent, t);
        if ((double)t->n * (widest_tick(c, t) + c->fs) <= length || target <= 1)
            return;
        target = (int)t->n / 2;
        if (target < 1)
            target = 1;
    }
}

/* Keeps only ticks inside [lo, hi] (explicit y_min / y_max). */
static void clip_ticks(std_ticks *t, double lo, double hi)
{
    size_t k = 0;
    double eps = (hi - lo) * 1e-9;

    for (size_t i = 0; i < t->n; i++) {
        if (t->v[i] < lo - eps || t->v[i] > hi + eps)
            continue;
        t->v[k] = t->v[i];
        memmove(t->label[k], t->label[i], STD_LABEL_MAX);
        k++;
    }
    t->n = k;
    t->lo = lo;
    t->hi = hi;
}

/* Decides how vertical-chart category labels fit under bands of `band`
 * points: every k-th label, on one or two lines. */
static void band_labels(const std_ctx *c, std_plot *p, double band)
{
    double widest = 0, want;
    int two_fit = band - 4 >= 3 * c->fs;
    char buf[STD_LABEL_MAX];

    for (size_t i = 0; i < p->ncat; i++) {
        size_t len;
        const char *s = cat_label(c, i, buf, sizeof(buf), &len);
        double w = std_text_width(c, s, len, c->fs, 0);
        widest = w > widest ? w : widest;
        if (two_fit && w > band - 4 && std_text_lines_needed(c, s, len, c->fs, band - 4) > 2)
            two_fit = 0;
    }
    p->label_every = 1;
    p->label_lines = 1;
    if (widest <= band - 4)
        return;
    if (two_fit) {
        p->label_lines = 2;
        return;
    }
    /* Thin out: give each shown label room for about half its width per
     * line (two lines), at least eight characters' worth. */
    want = fmin(widest, fmax(8 * c->fs, widest / 2 + c->fs));
    p->label_every = (size_t)ceil((want + 4) / (band > 0 ? band : 1));
    if (p->label_every < 1)
        p->label_every = 1;
    if (p->label_every > p->ncat)
        p->label_every = p->ncat ? p->ncat : 1;
    p->label_lines = widest <= band * (double)p->label_every - 4 ? 1 : 2;
}

/* ============================== Layout ==================================== */

/* The value range after y_min / y_max, never empty. */
static void value_range(const std_ctx *c, double *lo, double *hi)
{
    if (!isnan(c->opts.y_min))
        *lo = c->opts.y_min;
    if (!isnan(c->opts.y_max))
        *hi = c->opts.y_max;
    if (!(*hi > *lo)) {
        if (!isnan(c->opts.y_min))
            *hi = *lo + (*lo != 0 ? fabs(*lo) : 1.0);
        else if (!isnan(c->opts.y_max))
            *lo = *hi - (*hi != 0 ? fabs(*hi) : 1.0);
    }
}

/* Applies explicit y_min / y_max to computed ticks. */
static void explicit_range(const std_ctx *c, std_ticks *t)
{
    if (!isnan(c->opts.y_min) || !isnan(c->opts.y_max))
        clip_ticks(t, isnan(c->opts.y_min) ? t->lo : c->opts.y_min,
                   isnan(c->opts.y_max) ? t->hi : c->opts.y_max);
}

static void layout_vertical(const std_ctx *c, std_plot *p, double vlo, double vhi, int percent,
                            double xlo, double xhi, int xdate, double top, double bottom)
{
    const std_rectf a = c->area;
    double lh = std_line_height(c, c->fs), lw = 0;
    int lines = 1;

    for (int pass = 0; pass < 2; pass++) {
        double h = a.h - top - bottom - lh / 2 - (lines * lh + 4);
        int target = (int)(h / (lh * 2.4));
        target = target < 2 ? 2 : (target > 10 ? 10 : target);
        std_value_ticks(c, vlo, vhi, target, percent, &p->val);
        explicit_range(c, &p->val);
        lw = widest_tick(c, &p->val);
        if (lw > a.w * 0.35)
            lw = a.w * 0.35;
        p->r.x = a.x + lw + 5;
        p->r.w = a.x + a.w - p->r.x - (p->continuous ? c->fs : 2);
        if (p->r.w < 1)
            p->r.w = 1;
        if (p->continuous) {
            if (xdate)
                std_date_ticks(c, xlo, xhi, p->r.w, &p->x);
            else
                ticks_along(c, xlo, xhi, p->r.w, 0, &p->x);
            lines = 1;
        } else {
            band_labels(c, p, p->r.w / (double)(p->ncat ? p->ncat : 1));
            lines = p->label_lines;
        }
    }
    p->label_lines = lines;
    p->r.y = a.y + top + lh / 2;
    p->r.h = a.y + a.h - bottom - (lines * lh + 4) - p->r.y;
    if (p->r.h < 1)
        p->r.h = 1;
}

static void layout_horizontal(const std_ctx *c, std_plot *p, double vlo, double vhi, int percent,
                              double top, double bottom)
{
    const std_rectf a = c->area;
    double lh = std_line_height(c, c->fs), cw = 0, band;
    char buf[STD_LABEL_MAX];

    for (size_t i = 0; i < p->ncat; i++) {
        size_t len;
        const char *s = cat_label(c, i, buf, sizeof(buf), &len);
        double w = std_text_width(c, s, len, c->fs, 0);
        cw = w > cw ? w : cw;
    }
    if (cw > a.w * 0.3)
        cw = a.w * 0.3;
    p->r.x = a.x + cw + 5;
    p->r.y = a.y + top;
    p->r.h = a.y + a.h - bottom - (lh + 4) - p->r.y;
    if (p->r.h < 1)
        p->r.h = 1;
    /* Room for half the last value label to the right. */
    p->r.w = a.x + a.w - p->r.x - 2 * c->fs;
    if (p->r.w < 1)
        p->r.w = 1;
    ticks_along(c, vlo, vhi, p->r.w, percent, &p->val);
    explicit_range(c, &p->val);
    band = p->r.h / (double)(p->ncat ? p->ncat : 1);
    p->label_every = (size_t)ceil(lh / (band > 0 ? band : 1));
    if (p->label_every < 1)
        p->label_every = 1;
    p->label_lines = 1;
}

/* Keeps the plot inside c->area when the box is too small for its axes. */
static void clamp_to_area(const std_ctx *c, std_plot *p)
{
    double x1 = fmin(p->r.x + p->r.w, c->area.x + c->area.w);
    double y1 = fmin(p->r.y + p->r.h, c->area.y + c->area.h);

    p->r.x = fmin(fmax(p->r.x, c->area.x), c->area.x + c->area.w);
    p->r.y = fmin(fmax(p->r.y, c->area.y), c->area.y + c->area.h);
    p->r.w = fmax(x1 - p->r.x, 0);
    p->r.h = fmax(y1 - p->r.y, 0);
    /* The mapping divides by the extent: keep it positive. */
    if (p->r.w < 1e-3)
        p->r.w = 1e-3;
    if (p->r.h < 1e-3)
        p->r.h = 1e-3;
}

/* ============================== Drawing =================================== */

/* A text centred on `at` along x, kept inside the chart's box. */
static int centred_label(std_ctx *c, double at, double y, const char *s, size_t len,
                         quire_color col)
{
    double tw = std_text_width(c, s, len, c->fs, 0), x = at - tw / 2;

    if (x + tw > c->box.x + c->box.w)
        x = c->box.x + c->box.w - tw;
    if (x < c->box.x)
        x = c->box.x;
    return std_text(c, x, y, fmin(tw + 0.01, c->box.w), s, len, c->fs, 0, QUIRE_ALIGN_LEFT, col,
                    QUIRE_TEXT_NUMERIC);
}

static int draw_grid(std_ctx *c, const std_plot *p, int xgrid)
{
    const std_theme *th = c->theme;
    int grid = c->opts.grid < 0 ? th->grid_on : c->opts.grid;

    if (th->box_on)
        std_rect(c, p->r.x, p->r.y, p->r.w, p->r.h, (quire_color){0}, th->axis, 0.5);
    for (size_t i = 0; grid && i < p->val.n; i++) {
        double v = std_plot_val(p, p->val.v[i]);
        if (p->val.v[i] == 0)
            continue; /* the zero line goes on top */
        if (p->val_horizontal)
            std_line(c, v, p->r.y, v, p->r.y + p->r.h, th->grid, 0.5);
        else
            std_line(c, p->r.x, v, p->r.x + p->r.w, v, th->grid, 0.5);
    }
    for (size_t i = 0; grid && xgrid && i < p->x.n; i++) {
        double x = std_plot_x(p, p->x.v[i]);
        std_line(c, x, p->r.y, x, p->r.y + p->r.h, th->grid, 0.5);
    }
    /* The category axis line, and a darker zero line inside the range. */
    if (p->val_horizontal) {
        double z = p->val.lo <= 0 && p->val.hi >= 0 ? std_plot_val(p, 0) : p->r.x;
        std_line(c, z, p->r.y, z, p->r.y + p->r.h, p->val.lo < 0 ? th->zero : th->axis, 0.75);
    } else {
        double z = p->val.lo <= 0 && p->val.hi >= 0 ? std_plot_val(p, 0) : p->r.y + p->r.h;
        if (z < p->r.y + p->r.h - 0.01)
            std_line(c, p->r.x, p->r.y + p->r.h, p->r.x + p->r.w, p->r.y + p->r.h, th->axis, 0.5);
        std_line(c, p->r.x, z, p->r.x + p->r.w, z, p->val.lo < 0 ? th->zero : th->axis, 0.75);
    }
    return c->failed ? QUIRE_ERR : QUIRE_OK;
}

static int draw_value_labels(std_ctx *c, const std_plot *p)
{
    double lh = std_line_height(c, c->fs);
    quire_color col = c->theme->muted;

    for (size_t i = 0; i < p->val.n; i++) {
        const char *s = p->val.label[i];
        double v = std_plot_val(p, p->val.v[i]);
        if (p->val_horizontal) {
            centred_label(c, v, p->r.y + p->r.h + 3, s, strlen(s), col);
        } else {
            double y = v - lh / 2;
            y = fmax(c->box.y, fmin(y, c->box.y + c->box.h - lh));
            std_text(c, c->area.x, y, p->r.x - 5 - c->area.x, s, strlen(s), c->fs, 0,
                     QUIRE_ALIGN_RIGHT, col, QUIRE_TEXT_NUMERIC);
        }
    }
    return c->failed ? QUIRE_ERR : QUIRE_OK;
}

static int draw_category_labels(std_ctx *c, const std_plot *p)
{
    double lh = std_line_height(c, c->fs);
    quire_color col = c->theme->muted;
    char buf[STD_LABEL_MAX];

    if (p->continuous) {
        for (size_t i = 0; i < p->x.n; i++)
            centred_label(c, std_plot_x(p, p->x.v[i]), p->r.y + p->r.h + 3, p->x.label[i],
                          strlen(p->x.label[i]), col);
        return c->failed ? QUIRE_ERR : QUIRE_OK;
    }
    for (size_t i = 0; i < p->ncat; i += p->label_every) {
        size_t len;
        const char *s = cat_label(c, i, buf, sizeof(buf), &len);
        double band, at = std_plot_band(p, i, &band);
        if (p->val_horizontal) {
            double y = at - lh / 2;
            std_text(c, c->area.x, y, p->r.x - 5 - c->area.x, s, len, c->fs, 0, QUIRE_ALIGN_RIGHT,
                     col, 0);
        } else {
            /* Centred on the band; near the edges narrower rather than
             * shifted, so it never reaches the next shown label, the value
             * labels left of the plot or the box's edge. */
            double half = fmin(band * (double)p->label_every / 2 - 2,
                               fmin(at - (p->r.x - 4), c->box.x + c->box.w - at));
            if (half <= 0)
                continue;
            if (std_text_wrap(c, at - half, p->r.y + p->r.h + 3, 2 * half, s, len, c->fs,
                              QUIRE_ALIGN_CENTER, col, p->label_lines) < 0)
                return QUIRE_ERR;
        }
    }
    return c->failed ? QUIRE_ERR : QUIRE_OK;
}

int std_plot_draw(std_ctx *c, std_plot *p, double vlo, double vhi, int percent, int continuous,
                  double xlo, double xhi, int xdate, int horizontal)
{
    double lh = std_line_height(c, c->fs);
    double top = c->opts.y_title ? lh + 2 : 0, bottom = c->opts.x_title ? lh + 2 : 0;

    memset(p, 0, sizeof(*p));
    p->val_horizontal = horizontal;
    p->continuous = continuous;
    p->ncat = c->data->ncategories;
    value_range(c, &vlo, &vhi);
    if (horizontal)
        layout_horizontal(c, p, vlo, vhi, percent, top, bottom);
    else
        layout_vertical(c, p, vlo, vhi, percent, xlo, xhi, xdate, top, bottom);
    clamp_to_area(c, p);

    if (draw_grid(c, p, continuous && !xdate) != QUIRE_OK || draw_value_labels(c, p) != QUIRE_OK ||
        draw_category_labels(c, p) != QUIRE_OK)
        return QUIRE_ERR;
    if (c->opts.y_title != NULL)
        std_text(c, c->area.x, c->area.y, c->area.w, c->opts.y_title, strlen(c->opts.y_title),
                 c->fs, 0, QUIRE_ALIGN_LEFT, c->theme->text, 0);
    if (c->opts.x_title != NULL)
        std_text(c, p->r.x, c->area.y + c->area.h - lh, c->area.x + c->area.w - p->r.x,
                 c->opts.x_title, strlen(c->opts.x_title), c->fs, 0, QUIRE_ALIGN_CENTER,
                 c->theme->text, 0);
    return c->failed ? QUIRE_ERR : QUIRE_OK;
}
