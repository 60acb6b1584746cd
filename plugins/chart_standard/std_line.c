/*
 * std_line.c - line and area charts. Points sit at band centres, or at
 * their time on a calendar axis when the categories are dates; a missing
 * value (NaN) breaks a line. Areas stack by default (missing counts as
 * zero there), or stack to 100%, or each fills down to zero. A whole line
 * or area is one SERIES mark; each point is a POINT mark (a marker, or an
 * invisible target when markers are off) for tooltips.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "std.h"

/* ============================== Geometry ================================== */

/* Scratch arrays of one draw: a path of up to 2 * ncat points. */
typedef struct line_buf {
    uint8_t *verbs;
    double *pts;
    size_t nverbs, npts;
    double *x;    /* page x per category, NaN when it has none */
    double *base; /* area: running stack per category (value space) */
} line_buf;

static int buf_alloc(std_ctx *c, line_buf *b, size_t ncat)
{
    memset(b, 0, sizeof(*b));
    b->verbs = c->host->malloc(3 * ncat + 4); /* runs add a close each */
    b->pts = c->host->malloc((4 * ncat + 8) * sizeof(double));
    b->x = c->host->malloc((ncat + 1) * sizeof(double));
    b->base = c->host->calloc(ncat + 1, sizeof(double));
    if (b->verbs == NULL || b->pts == NULL || b->x == NULL || b->base == NULL) {
        c->host->error_set(c->err, QUIRE_E_NOMEM, "%s chart: out of memory for %zu categories",
                           std_type_name(c->type), ncat);
        return QUIRE_ERR;
    }
    return QUIRE_OK;
}

static void buf_free(std_ctx *c, line_buf *b)
{
    c->host->free(b->verbs);
    c->host->free(b->pts);
    c->host->free(b->x);
    c->host->free(b->base);
}

static void add(line_buf *b, uint8_t verb, double x, double y)
{
    b->verbs[b->nverbs++] = verb;
    if (verb != QUIRE_PATH_CLOSE) {
        b->pts[2 * b->npts] = x;
        b->pts[2 * b->npts + 1] = y;
        b->npts++;
    }
}

static double value_at(const quire_dataset *d, size_t s, size_t i)
{
    return d->values[s * d->ncategories + i];
}

/* 1 when the categories are dates with known times: a calendar axis. */
static int date_axis(const quire_dataset *d, double *lo, double *hi)
{
    int any = 0;

    if (d->category_values == NULL ||
        (d->category_type != QUIRE_TYPE_DATE && d->category_type != QUIRE_TYPE_TIMESTAMP))
        return 0;
    for (size_t i = 0; i < d->ncategories; i++) {
        double t = std_category_days(d, i);
        if (isnan(t))
            continue;
        *lo = any ? fmin(*lo, t) : t;
        *hi = any ? fmax(*hi, t) : t;
        any = 1;
    }
    return any;
}

/* ============================== Value ranges ============================== */

/* The stacked value of series s at category i for `stacking`: the value
 * itself, or its share of the category's total in percent. */
static double stack_value(const quire_dataset *d, int stacking, size_t s, size_t i)
{
    double v = value_at(d, s, i), total = 0;

    if (isnan(v))
        return stacking == STD_STACK_NONE ? NAN : 0;
    if (stacking != STD_STACK_PERCENT)
        return v;
    for (size_t k = 0; k < d->nseries; k++) {
        double w = value_at(d, k, i);
        total += isnan(w) ? 0 : fabs(w);
    }
    return total > 0 ? v / total * 100.0 : 0;
}

static void line_range(const std_ctx *c, int stacking, double *lo, double *hi)
{
    const quire_dataset *d = c->data;
    int any = 0;

    *lo = 0;
    *hi = 0;
    for (size_t i = 0; i < d->ncategories; i++) {
        double cum = 0;
        for (size_t s = 0; s < d->nseries; s++) {
            double v = c->type == STD_AREA ? stack_value(d, stacking, s, i) : value_at(d, s, i);
            if (isnan(v))
                continue;
            if (c->type == STD_AREA && stacking != STD_STACK_NONE)
                v = cum += v;
            *lo = any ? fmin(*lo, v) : v;
            *hi = any ? fmax(*hi, v) : v;
            any = 1;
        }
    }
    if (c->type == STD_AREA) {
        *lo = fmin(*lo, 0);
        *hi = fmax(*hi, 0);
    }
}

/* ============================== Points ==================================== */

/* The POINT marks of series s at the given page y per category: a marker
 * (or an invisible target) and the data label. */
static int draw_points(std_ctx *c, const std_plot *p, const line_buf *b, size_t s, const double *y,
                       int markers)
{
    const quire_dataset *d = c->data;
    quire_color col = std_series_color(c, s, 1);
    double lh = std_line_height(c, c->fs);

    for (size_t i = 0; i < d->ncategories; i++) {
        char text[STD_LABEL_MAX];
        if (isnan(y[i]) || isnan(b->x[i]) || isnan(value_at(d, s, i)))
            continue;
        if (std_point_mark(c, s, i) != QUIRE_OK)
            return QUIRE_ERR;
        if (markers)
            std_ellipse(c, b->x[i], y[i], 2.2, col, (quire_color){255, 255, 255, 255}, 0.6);
        else
            std_ellipse(c, b->x[i], y[i], 3, (quire_color){0}, (quire_color){0}, 0);
        if (c->opts.labels == 1 && y[i] - lh - 3 >= p->r.y - lh / 2) {
            const quire_str *t = d->value_text ? &d->value_text[s * d->ncategories + i] : NULL;
            size_t len;
            if (c->opts.number_format == NULL && t != NULL && t->len > 0 && t->len < sizeof(text)) {
                memcpy(text, t->ptr, t->len);
                len = t->len;
            } else
                len = std_format_value(c, value_at(d, s, i), c->opts.number_format, text,
                                       sizeof(text));
            double tw = std_text_width(c, text, len, c->fs, 0);
            double x = fmax(c->box.x, fmin(b->x[i] - tw / 2, c->box.x + c->box.w - tw));
            std_text(c, x, y[i] - lh - 3, tw + 0.01, text, len, c->fs, 0, QUIRE_ALIGN_LEFT,
                     c->theme->text, QUIRE_TEXT_NUMERIC);
        }
        if (std_mark_end(c) != QUIRE_OK)
            return QUIRE_ERR;
    }
    return c->failed ? QUIRE_ERR : QUIRE_OK;
}

/* ============================== Line ====================================== */

static int draw_line_series(std_ctx *c, const std_plot *p, line_buf *b, size_t s, double *y,
                            int markers)
{
    const quire_dataset *d = c->data;
    quire_color col = std_series_color(c, s, 1);
    int pen = 0;

    b->nverbs = b->npts = 0;
    for (size_t i = 0; i < d->ncategories; i++) {
        double v = value_at(d, s, i);
        y[i] = isnan(v) ? NAN : std_plot_val(p, fmin(fmax(v, p->val.lo), p->val.hi));
        if (isnan(y[i]) || isnan(b->x[i])) {
            pen = 0; /* a gap */
            continue;
        }
        add(b, pen ? QUIRE_PATH_LINE : QUIRE_PATH_MOVE, b->x[i], y[i]);
        pen = 1;
    }
    if (std_mark(c, QUIRE_MARK_SERIES, s, 0, d->series[s].ptr, d->series[s].len) != QUIRE_OK ||
        std_path(c, b->verbs, b->nverbs, b->pts, b->npts, (quire_color){0}, col, 1.5) != QUIRE_OK ||
        std_mark_end(c) != QUIRE_OK)
        return QUIRE_ERR;
    return draw_points(c, p, b, s, y, markers);
}

/* ============================== Area ====================================== */

/* Appends the polygon of one run [i0, i1] of series s: its top forward,
 * its base backward. */
static void area_run(line_buf *b, const double *top, const double *bottom, size_t i0, size_t i1)
{
    add(b, QUIRE_PATH_MOVE, b->x[i0], top[i0]);
    for (size_t i = i0 + 1; i <= i1; i++)
        add(b, QUIRE_PATH_LINE, b->x[i], top[i]);
    for (size_t i = i1 + 1; i-- > i0;)
        add(b, QUIRE_PATH_LINE, b->x[i], bottom[i]);
    add(b, QUIRE_PATH_CLOSE, 0, 0);
}

static int draw_area_series(std_ctx *c, const std_plot *p, line_buf *b, size_t s, int stacking,
                            double *top, double *bottom)
{
    const quire_dataset *d = c->data;
    quire_color col = std_series_color(c, s, 0);
    size_t run = SIZE_MAX;
    size_t nverbs_fill, npts_fill;

    b->nverbs = b->npts = 0;
    for (size_t i = 0; i < d->ncategories; i++) {
        double v = stack_value(d, stacking, s, i);
        double base = stacking == STD_STACK_NONE ? 0 : b->base[i];
        if (isnan(v) || isnan(b->x[i])) {
            top[i] = NAN;
            if (run != SIZE_MAX && i > 0)
                area_run(b, top, bottom, run, i - 1);
            run = SIZE_MAX;
            continue;
        }
        top[i] = std_plot_val(p, fmin(fmax(base + v, p->val.lo), p->val.hi));
        bottom[i] = std_plot_val(p, fmin(fmax(base, p->val.lo), p->val.hi));
        if (stacking != STD_STACK_NONE)
            b->base[i] = base + v;
        if (run == SIZE_MAX)
            run = i;
    }
    if (run != SIZE_MAX)
        area_run(b, top, bottom, run, d->ncategories - 1);
    nverbs_fill = b->nverbs;
    npts_fill = b->npts;
    if (std_mark(c, QUIRE_MARK_SERIES, s, 0, d->series[s].ptr, d->series[s].len) != QUIRE_OK ||
        std_path(c, b->verbs, nverbs_fill, b->pts, npts_fill,
                 std_alpha(col, stacking == STD_STACK_NONE ? 90 : 200), (quire_color){0},
                 0) != QUIRE_OK)
        return QUIRE_ERR;
    /* The top edge as a line over the fill, runs broken at gaps. */
    b->nverbs = b->npts = 0;
    for (size_t i = 0, pen = 0; i < d->ncategories; i++) {
        if (isnan(top[i])) {
            pen = 0;
            continue;
        }
        add(b, pen ? QUIRE_PATH_LINE : QUIRE_PATH_MOVE, b->x[i], top[i]);
        pen = 1;
    }
    if (std_path(c, b->verbs, b->nverbs, b->pts, b->npts, (quire_color){0}, col, 1.25) !=
            QUIRE_OK ||
        std_mark_end(c) != QUIRE_OK)
        return QUIRE_ERR;
    /* One category makes an area without width: show its point. */
    return draw_points(c, p, b, s, top, d->ncategories == 1);
}

/* ============================== Entry ===================================== */

int std_draw_line(std_ctx *c)
{
    const quire_dataset *d = c->data;
    size_t n = d->ncategories;
    int stacking = c->opts.stacking < 0 ? STD_STACK_STACKED : c->opts.stacking;
    int markers = c->opts.markers < 0 ? n <= 50 : c->opts.markers;
    double lo, hi, tlo = 0, thi = 0;
    int dates = date_axis(d, &tlo, &thi);
    line_buf b;
    std_plot p;
    double *y1 = NULL, *y2 = NULL;
    int rc = QUIRE_ERR;

    if (c->type == STD_LINE)
        stacking = STD_STACK_NONE;
    if (std_series_legend(c, NULL, 0) != QUIRE_OK)
        return QUIRE_ERR;
    line_range(c, stacking, &lo, &hi);
    if (std_plot_draw(c, &p, lo, hi, stacking == STD_STACK_PERCENT, dates, tlo, thi, dates, 0) !=
        QUIRE_OK)
        return QUIRE_ERR;
    if (buf_alloc(c, &b, n) != QUIRE_OK)
        goto fail_free_buffers;
    y1 = c->host->malloc((n + 1) * sizeof(double));
    y2 = c->host->malloc((n + 1) * sizeof(double));
    if (y1 == NULL || y2 == NULL) {
        c->host->error_set(c->err, QUIRE_E_NOMEM, "%s chart: out of memory",
                           std_type_name(c->type));
        goto fail_free_buffers;
    }
    for (size_t i = 0; i < n; i++) {
        double band;
        b.x[i] =
            dates ? (isnan(std_category_days(d, i)) ? NAN : std_plot_x(&p, std_category_days(d, i)))
                  : std_plot_band(&p, i, &band);
    }
    for (size_t s = 0; s < d->nseries; s++) {
        int r = c->type == STD_LINE ? draw_line_series(c, &p, &b, s, y1, markers)
                                    : draw_area_series(c, &p, &b, s, stacking, y1, y2);
        if (r != QUIRE_OK)
            goto fail_free_buffers;
    }
    rc = QUIRE_OK;
fail_free_buffers:
    c->host->free(y1);
    c->host->free(y2);
    buf_free(c, &b);
    return rc;
}
