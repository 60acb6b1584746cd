/*
 * std_scatter.c - scatter charts (points at numeric or date x, one colour
 * per series, optional least-squares trend line per series) and
 * sparklines (series 0 as a thin line filling the box, no axes, the last
 * point, or the last, lowest and highest, marked).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "std.h"

#define MAX_TRENDS 32

static double value_at(const quire_dataset *d, size_t s, size_t i)
{
    return d->values[s * d->ncategories + i];
}

/* ============================== Trend lines =============================== */

/* The x of category i on the scatter's axis (days for dates). */
static double x_at(const quire_dataset *d, size_t i)
{
    if (d->category_type == QUIRE_TYPE_DATE || d->category_type == QUIRE_TYPE_TIMESTAMP)
        return std_category_days(d, i);
    return d->category_values[i];
}

typedef struct trend {
    int ok;
    double a, b;       /* y = a + b x */
    double xmin, xmax; /* the series' x extent */
} trend;

/* Least squares over the series' points with both x and y known; ok = 0
 * with fewer than two distinct x. Two passes (means first) for accuracy. */
static trend fit(const quire_dataset *d, size_t s)
{
    trend t = {0};
    double mx = 0, my = 0, sxx = 0, sxy = 0;
    size_t n = 0;

    for (size_t i = 0; i < d->ncategories; i++) {
        double x = x_at(d, i), y = value_at(d, s, i);
        if (isnan(x) || isnan(y))
            continue;
        t.xmin = n ? fmin(t.xmin, x) : x;
        t.xmax = n ? fmax(t.xmax, x) : x;
        mx += x;
        my += y;
        n++;
    }
    if (n < 2)
        return t;
    mx /= (double)n;
    my /= (double)n;
    for (size_t i = 0; i < d->ncategories; i++) {
        double x = x_at(d, i), y = value_at(d, s, i);
        if (isnan(x) || isnan(y))
            continue;
        sxx += (x - mx) * (x - mx);
        sxy += (x - mx) * (y - my);
    }
    if (!(sxx > 0))
        return t;
    t.b = sxy / sxx;
    t.a = my - t.b * mx;
    t.ok = isfinite(t.a) && isfinite(t.b);
    return t;
}

/* Draws trend t clipped to the plot's value range. */
static int draw_trend(std_ctx *c, const std_plot *p, const trend *t, size_t s, const char *label,
                      size_t len)
{
    double x0 = t->xmin, x1 = t->xmax, lo = p->val.lo, hi = p->val.hi;
    quire_color col = std_alpha(std_series_color(c, s, 1), 200);

    /* Clip the segment where y leaves [lo, hi]. */
    if (t->b != 0) {
        double xa = (lo - t->a) / t->b, xb = (hi - t->a) / t->b;
        double from = fmin(xa, xb), to = fmax(xa, xb);
        x0 = fmax(x0, from);
        x1 = fmin(x1, to);
    }
    if (!(x1 >= x0))
        return QUIRE_OK;
    if (std_mark(c, QUIRE_MARK_SERIES, s, 0, label, len) != QUIRE_OK)
        return QUIRE_ERR;
    std_line(c, std_plot_x(p, x0), std_plot_val(p, t->a + t->b * x0), std_plot_x(p, x1),
             std_plot_val(p, t->a + t->b * x1), col, 1.25);
    return std_mark_end(c);
}

/* ============================== Scatter =================================== */

int std_draw_scatter(std_ctx *c)
{
    const quire_dataset *d = c->data;
    int xdate = d->category_type == QUIRE_TYPE_DATE || d->category_type == QUIRE_TYPE_TIMESTAMP;
    double xlo = 0, xhi = 0, ylo = 0, yhi = 0;
    std_legend_item extra[MAX_TRENDS];
    char names[MAX_TRENDS][96];
    trend trends[MAX_TRENDS];
    size_t nextra = 0, ntrends = d->nseries < MAX_TRENDS ? d->nseries : MAX_TRENDS;
    int any = 0;
    std_plot p;

    for (size_t s = 0; s < d->nseries; s++)
        for (size_t i = 0; i < d->ncategories; i++) {
            double x = x_at(d, i), y = value_at(d, s, i);
            if (isnan(x) || isnan(y))
                continue;
            xlo = any ? fmin(xlo, x) : x;
            xhi = any ? fmax(xhi, x) : x;
            ylo = any ? fmin(ylo, y) : y;
            yhi = any ? fmax(yhi, y) : y;
            any = 1;
        }
    if (!any)
        return std_no_data(c);
    /* A margin so the extreme points do not sit on the axes. */
    {
        double dx = (xhi - xlo) * 0.04, dy = (yhi - ylo) * 0.04;
        xlo -= dx;
        xhi += dx;
        ylo -= dy;
        yhi += dy;
    }
    for (size_t s = 0; c->opts.trend && s < ntrends; s++) {
        const quire_str *name = &d->series[s];
        int n;
        trends[s] = fit(d, s);
        if (!trends[s].ok)
            continue;
        n = snprintf(names[s], sizeof(names[s]), "%.*s trend",
                     (int)(name->len < 80 ? name->len : 80), name->ptr);
        extra[nextra++] =
            (std_legend_item){names[s], n > 0 ? (size_t)n : 0, std_series_color(c, s, 1), s, 0, 1, 0};
    }
    if (std_series_legend(c, extra, nextra) != QUIRE_OK ||
        std_plot_draw(c, &p, ylo, yhi, 0, 1, xlo, xhi, xdate, 0) != QUIRE_OK)
        return QUIRE_ERR;
    for (size_t s = 0; s < d->nseries; s++) {
        quire_color col = std_alpha(std_series_color(c, s, 1), 210);
        for (size_t i = 0; i < d->ncategories; i++) {
            double x = x_at(d, i), y = value_at(d, s, i);
            if (isnan(x) || isnan(y))
                continue;
            if (std_point_mark(c, s, i) != QUIRE_OK ||
                std_ellipse(c, std_plot_x(&p, x), std_plot_val(&p, y), 2.8, col,
                            (quire_color){255, 255, 255, 255}, 0.5) != QUIRE_OK ||
                std_mark_end(c) != QUIRE_OK)
                return QUIRE_ERR;
        }
    }
    for (size_t s = 0, k = 0; c->opts.trend && s < ntrends; s++) {
        if (!trends[s].ok)
            continue;
        if (draw_trend(c, &p, &trends[s], s, extra[k].text, extra[k].len) != QUIRE_OK)
            return QUIRE_ERR;
        k++;
    }
    return c->failed ? QUIRE_ERR : QUIRE_OK;
}

/* ============================== Sparkline ================================= */

/* A dot on point i of series 0 inside its POINT mark. */
static int spark_dot(std_ctx *c, size_t i, double x, double y, quire_color col)
{
    if (std_point_mark(c, 0, i) != QUIRE_OK ||
        std_ellipse(c, x, y, 1.8, col, (quire_color){0}, 0) != QUIRE_OK)
        return QUIRE_ERR;
    return std_mark_end(c);
}

int std_draw_sparkline(std_ctx *c)
{
    const quire_dataset *d = c->data;
    size_t n = d->ncategories, last = SIZE_MAX, imin = SIZE_MAX, imax = SIZE_MAX;
    double lo = 0, hi = 0, pad = 2.0;
    std_rectf r = {c->area.x + pad, c->area.y + pad, c->area.w - 2 * pad, c->area.h - 2 * pad};
    quire_color col = std_series_color(c, 0, 1);
    uint8_t *verbs;
    double *pts;
    size_t nv = 0, np = 0;
    int pen = 0, rc = QUIRE_ERR;

    for (size_t i = 0; i < n; i++) {
        double v = d->values[i];
        if (isnan(v))
            continue;
        if (last == SIZE_MAX || v < lo)
            lo = v, imin = i;
        if (last == SIZE_MAX || v > hi)
            hi = v, imax = i;
        last = i;
    }
    if (last == SIZE_MAX)
        return std_no_data(c);
    if (!isnan(c->opts.y_min))
        lo = c->opts.y_min;
    if (!isnan(c->opts.y_max))
        hi = c->opts.y_max;
    if (r.w < 0)
        r.w = 0;
    if (r.h < 0)
        r.h = 0;
    verbs = c->host->malloc(n + 1);
    pts = c->host->malloc((2 * n + 2) * sizeof(double));
    if (verbs == NULL || pts == NULL) {
        c->host->error_set(c->err, QUIRE_E_NOMEM, "sparkline: out of memory");
        goto fail_free_path;
    }
#define SPARK_X(i) (n > 1 ? r.x + r.w * (double)(i) / (double)(n - 1) : r.x + r.w / 2)
#define SPARK_Y(v)                                                                                 \
    (hi > lo ? r.y + r.h - (fmin(fmax((v), lo), hi) - lo) / (hi - lo) * r.h : r.y + r.h / 2)
    for (size_t i = 0; i < n; i++) {
        double v = d->values[i];
        if (isnan(v)) {
            pen = 0;
            continue;
        }
        verbs[nv++] = pen ? QUIRE_PATH_LINE : QUIRE_PATH_MOVE;
        pts[2 * np] = SPARK_X(i);
        pts[2 * np + 1] = SPARK_Y(v);
        np++;
        pen = 1;
    }
    if (std_mark(c, QUIRE_MARK_SERIES, 0, 0, d->series[0].ptr, d->series[0].len) != QUIRE_OK ||
        std_path(c, verbs, nv, pts, np, (quire_color){0}, col, 1.0) != QUIRE_OK ||
        std_mark_end(c) != QUIRE_OK)
        goto fail_free_path;
    if (c->opts.points == STD_POINTS_MINMAX) {
        if (imin != last && spark_dot(c, imin, SPARK_X(imin), SPARK_Y(d->values[imin]),
                                      c->theme->palette[3 % c->theme->npalette]) != QUIRE_OK)
            goto fail_free_path;
        if (imax != last && imax != imin &&
            spark_dot(c, imax, SPARK_X(imax), SPARK_Y(d->values[imax]),
                      c->theme->palette[2 % c->theme->npalette]) != QUIRE_OK)
            goto fail_free_path;
    }
    if (c->opts.points != STD_POINTS_NONE &&
        spark_dot(c, last, SPARK_X(last), SPARK_Y(d->values[last]), col) != QUIRE_OK)
        goto fail_free_path;
#undef SPARK_X
#undef SPARK_Y
    rc = QUIRE_OK;
fail_free_path:
    c->host->free(verbs);
    c->host->free(pts);
    return rc;
}
