/*
 * kpi_tile.c - the `kpi` chart type: a tile with the chart's label on top,
 * the big value, its change against the previous category (or the target
 * option) and a sparkline of series 0 along the bottom.
 *
 * Space goes, when the box is small, first to the label and the value,
 * then the delta line, then the sparkline: a tile too short for them
 * drops the sparkline before anything else.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kpi.h"

/* Most points a sparkline draws: longer series are sampled evenly. */
#define SPARK_POINTS 256

/* ============================== Delta ===================================== */

/* The reference the value is compared with: the target option, else for
 * `value = last` the previous finite category. 0 when there is none. */
static int delta_reference(const kpi_ctx *c, size_t category, double *ref, const char **what,
                           size_t *what_len)
{
    const quire_dataset *d = c->req->data;

    if (c->opt->has_target) {
        *ref = c->opt->target;
        *what = "target";
        *what_len = strlen("target");
        return 1;
    }
    if (c->opt->value_mode != KPI_LAST)
        return 0;
    for (size_t i = category; i-- > 0;) {
        if (isfinite(c->series0[i])) {
            *ref = c->series0[i];
            *what = d->categories != NULL ? d->categories[i].ptr : "";
            *what_len = d->categories != NULL ? d->categories[i].len : 0;
            return 1;
        }
    }
    return 0;
}

/* Draws "▲ 12.5%" (or ▼, =, —) at (x, top), then " vs REFERENCE" in
 * the muted colour if it fits `width`. */
static void draw_delta(kpi_ctx *c, double value, size_t category, double x, double top,
                       double width)
{
    const kpi_palette *pal = c->pal;
    const char *what = NULL;
    size_t what_len = 0, n;
    double ref = 0.0, w;
    char text[96], pct[64], vs[160];
    quire_color color = pal->neutral;

    if (!delta_reference(c, category, &ref, &what, &what_len) || ref == 0.0) {
        /* No previous value, or a change from 0 that has no percentage. */
        snprintf(text, sizeof(text), "\xe2\x80\x94");
    } else {
        double rel = (value - ref) / fabs(ref);
        n = c->host->format_number(fabs(rel), "#,##0.0%", c->req->locale, pct, sizeof(pct));
        if (n == (size_t)-1 || n >= sizeof(pct) || !isfinite(rel))
            snprintf(pct, sizeof(pct), "%s", fabs(rel) > 1.0 ? ">999%" : "?");
        if (fabs(rel) < 0.0005) { /* prints as 0.0%: no direction to show */
            snprintf(text, sizeof(text), "= %s", pct);
        } else {
            int up = rel > 0.0;
            snprintf(text, sizeof(text), "%s %s", up ? "\xe2\x96\xb2" : "\xe2\x96\xbc", pct);
            color = up != c->opt->good_down ? pal->good : pal->bad;
        }
    }
    n = kpi_fit_text(c, 1, c->font_size, width, text, strlen(text), vs, sizeof(vs));
    w = kpi_text(c, vs, n, 1, c->font_size, x, top, QUIRE_ALIGN_LEFT, color, QUIRE_TEXT_NUMERIC);
    if (what == NULL || what_len == 0 || ref == 0.0)
        return;
    n = (size_t)snprintf(vs, sizeof(vs), " vs %.*s", (int)(what_len > 120 ? 120 : what_len), what);
    if (n < sizeof(vs) && w + kpi_text_width(c, 0, c->font_size, vs, n) <= width)
        kpi_text(c, vs, n, 0, c->font_size, x + w, top, QUIRE_ALIGN_LEFT, pal->muted, 0);
}

/* ============================== Sparkline ================================= */

/* Series 0 as a line in the box (x, y, w, h), a dot on its last point. */
static void draw_sparkline(kpi_ctx *c, double x, double y, double w, double h)
{
    const quire_dataset *d = c->req->data;
    size_t n = c->ncategories, m = n < SPARK_POINTS ? n : SPARK_POINTS;
    double pts[2 * SPARK_POINTS], lo = INFINITY, hi = -INFINITY, r = fmin(1.8, h / 4.0);
    uint8_t verbs[SPARK_POINTS];
    size_t nv = 0, last = 0;
    int pen_down = 0;
    const char *name = c->label;
    size_t name_len = strlen(c->label);

    for (size_t i = 0; i < n; i++) {
        if (isfinite(c->series0[i])) {
            lo = fmin(lo, c->series0[i]);
            hi = fmax(hi, c->series0[i]);
        }
    }
    /* The dot must stay inside the box. */
    x += r;
    w -= 2.0 * r;
    y += r;
    h -= 2.0 * r;
    for (size_t k = 0; k < m; k++) {
        size_t i = m == n ? k : (size_t)llround((double)k * (double)(n - 1) / (double)(m - 1));
        double v = c->series0[i];
        if (!isfinite(v)) {
            pen_down = 0; /* a gap in the data is a gap in the line */
            continue;
        }
        verbs[nv] = pen_down ? QUIRE_PATH_LINE : QUIRE_PATH_MOVE;
        pts[2 * nv] = x + w * (double)i / (double)(n - 1);
        pts[2 * nv + 1] = y + h * (1.0 - kpi_frac(v, lo, hi));
        last = nv++;
        pen_down = 1;
    }
    if (nv == 0)
        return;
    if (d->series != NULL && d->series[0].len > 0)
        name = d->series[0].ptr, name_len = d->series[0].len;
    kpi_mark(c, QUIRE_MARK_SERIES, 0, 0, name, name_len);
    kpi_path(c, verbs, nv, pts, nv, (quire_color){0}, c->pal->value, 1.25);
    kpi_ellipse(c, pts[2 * last], pts[2 * last + 1], r, c->pal->value);
    kpi_mark_end(c);
}

/* ============================== Tile ====================================== */

void kpi_draw_tile(kpi_ctx *c, double value, size_t category)
{
    const quire_chart_request *r = c->req;
    const kpi_palette *pal = c->pal;
    double pad = fmax(2.0, fmin(10.0, fmin(r->width, r->height) * 0.06));
    double x = r->x + pad, w = r->width - 2.0 * pad;
    double top = r->y + pad, bottom = r->y + r->height - pad;
    double fs = c->font_size, lh = kpi_line_height(c, 0, fs), size, vh;
    size_t finite = 0, n;
    char buf[sizeof(c->label) + 8], full[128], shown[128], mark[sizeof(c->label) + 140];
    int spark;

    if (w <= 0.0 || bottom - top < lh)
        return;
    for (size_t i = 0; i < c->ncategories; i++)
        finite += isfinite(c->series0[i]) != 0;
    spark = finite >= 2 && c->opt->sparkline != 0;

    if (c->label[0] != '\0' && bottom - top >= 2.0 * lh) {
        n = kpi_fit_text(c, 0, fs, w, c->label, strlen(c->label), buf, sizeof(buf));
        kpi_text(c, buf, n, 0, fs, x, top, QUIRE_ALIGN_LEFT, pal->muted, 0);
        top += lh * 1.15;
    }
    /* Bottom up: the sparkline, then the delta line, if the value keeps
     * at least a line's height. */
    if (spark) {
        double sh = fmin(40.0, fmax(8.0, (bottom - top) * 0.28));
        if (bottom - top - sh - lh * 1.1 >= lh * 1.2) {
            draw_sparkline(c, x, bottom - sh, w, sh);
            bottom -= sh + lh * 0.3;
        }
    }
    if (bottom - top >= lh * 2.2) {
        bottom -= lh;
        draw_delta(c, value, category, x, bottom, w);
        bottom -= lh * 0.15;
    }

    vh = bottom - top;
    size = fmin(48.0, vh / (c->ascent[1] + c->descent[1]));
    kpi_format(c, value, full, sizeof(full));
    n = kpi_format_fit(c, value, 1, &size, w, shown, sizeof(shown));
    snprintf(mark, sizeof(mark), "%s: %s", c->label[0] ? c->label : "Value", full);
    kpi_mark(c, QUIRE_MARK_POINT, 0, (uint32_t)category, mark, strlen(mark));
    kpi_text(c, shown, n, 1, size, x, top + (vh - kpi_line_height(c, 1, size)) / 2.0,
             QUIRE_ALIGN_LEFT, pal->text, QUIRE_TEXT_NUMERIC);
    kpi_mark_end(c);
}
