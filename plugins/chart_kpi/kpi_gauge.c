/*
 * kpi_gauge.c - the `gauge` chart type: a 240-degree arc from min (lower
 * left) clockwise over the top to max (lower right), with qualitative
 * bands, the value as a filled arc (style = arc) or a needle (style =
 * needle), the value's text in the centre and min and max under the ends.
 *
 * A value beyond the scale pins the arc or needle at that end; its text
 * still shows the real value. Angles are in the mathematical sense
 * (counter-clockwise from 3 o'clock, y up): min sits at 210 degrees, max
 * at -30 degrees; page y grows downwards, hence the sign flips below.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kpi.h"

#define PI        3.14159265358979323846
#define START     (210.0 * PI / 180.0)
#define SWEEP     (240.0 * PI / 180.0)
#define MAX_SEG   8 /* Bezier segments per arc: each at most 45 degrees */
#define RING_VERB (3 + 2 * MAX_SEG)
#define RING_PT   (2 + 6 * MAX_SEG)

typedef struct ring {
    uint8_t verbs[RING_VERB];
    double pts[2 * RING_PT];
    size_t nverbs, npts;
} ring;

static void ring_point(ring *g, double x, double y)
{
    g->pts[2 * g->npts] = x;
    g->pts[2 * g->npts + 1] = y;
    g->npts++;
}

/* Appends an arc of radius `rad` around (cx, cy) from angle a to b as
 * cubic Beziers (the control distance 4/3 tan(d/4) of each segment's
 * angle d), starting with `first` (MOVE or LINE) to its start point. */
static void ring_arc(ring *g, double cx, double cy, double rad, double a, double b, uint8_t first)
{
    int nseg = (int)ceil(fabs(b - a) / (PI / 4.0) - 1e-9);
    double d, k;

    nseg = nseg < 1 ? 1 : nseg > MAX_SEG ? MAX_SEG : nseg;
    d = (b - a) / nseg;
    k = 4.0 / 3.0 * tan(d / 4.0) * rad;
    g->verbs[g->nverbs++] = first;
    ring_point(g, cx + rad * cos(a), cy - rad * sin(a));
    for (int i = 0; i < nseg; i++) {
        double a0 = a + d * i, a1 = a0 + d;
        g->verbs[g->nverbs++] = QUIRE_PATH_CURVE;
        ring_point(g, cx + rad * cos(a0) - k * sin(a0), cy - rad * sin(a0) - k * cos(a0));
        ring_point(g, cx + rad * cos(a1) + k * sin(a1), cy - rad * sin(a1) + k * cos(a1));
        ring_point(g, cx + rad * cos(a1), cy - rad * sin(a1));
    }
}

/* A ring section between radii r_in and r_out from angle a to b, closed:
 * outer arc, the radial edge at b, the inner arc back, the edge at a. */
static void draw_ring(kpi_ctx *c, double cx, double cy, double r_out, double r_in, double a,
                      double b, quire_color fill)
{
    ring g = {.nverbs = 0};

    if (fabs(b - a) < 1e-6)
        return;
    ring_arc(&g, cx, cy, r_out, a, b, QUIRE_PATH_MOVE);
    ring_arc(&g, cx, cy, r_in, b, a, QUIRE_PATH_LINE);
    g.verbs[g.nverbs++] = QUIRE_PATH_CLOSE;
    kpi_path(c, g.verbs, g.nverbs, g.pts, g.npts, fill, (quire_color){0}, 0.0);
}

/* The scale: min (default 0) and max (default a nice number at or above
 * the value). */
static void gauge_scale(const kpi_options *o, double value, double *lo, double *hi)
{
    *lo = o->has_min ? o->min : 0.0;
    if (o->has_max) {
        *hi = o->max;
    } else if (value > 0.0 && kpi_nice_ceil(value) > *lo) {
        *hi = kpi_nice_ceil(value);
    } else {
        double span = fabs(value - *lo);
        *hi = *lo + kpi_nice_ceil(span > 0.0 && isfinite(span) ? span : 1.0);
    }
    if (!(*hi > *lo)) /* max given alone, at or below the default min */
        *lo = *hi - kpi_nice_ceil(fabs(*hi) > 0.0 ? fabs(*hi) : 1.0);
}

/* The angle of v on the scale, pinned at the ends. */
static double angle_of(double v, double lo, double hi)
{
    return START - SWEEP * fmin(1.0, fmax(0.0, kpi_frac(v, lo, hi)));
}

/* Text of v centred at x (kept inside the chart's box) with its line box
 * starting at top. */
static void end_label(kpi_ctx *c, double v, double x, double top, double max_w)
{
    const quire_chart_request *r = c->req;
    double size = c->font_size, w;
    char text[64];
    size_t n = kpi_format_fit(c, v, 0, &size, max_w, text, sizeof(text));

    w = kpi_text_width(c, 0, size, text, n);
    x = fmin(fmax(x - w / 2.0, r->x), r->x + r->width - w);
    kpi_text(c, text, n, 0, size, x, top, QUIRE_ALIGN_LEFT, c->pal->muted, QUIRE_TEXT_NUMERIC);
}

void kpi_draw_gauge(kpi_ctx *c, double value, size_t category)
{
    const quire_chart_request *r = c->req;
    const kpi_palette *pal = c->pal;
    const kpi_options *o = c->opt;
    double pad = fmax(2.0, fmin(10.0, fmin(r->width, r->height) * 0.06));
    double w = r->width - 2.0 * pad, top = r->y + pad, bottom = r->y + r->height - pad;
    double fs = c->font_size, lh = kpi_line_height(c, 0, fs);
    double lo, hi, rad, t, cx = r->x + r->width / 2.0, cy, theta, size, vtop, vh;
    double ranges[KPI_MAX_RANGES], prev;
    size_t nranges, n;
    char buf[sizeof(c->label) + 8], full[128], shown[128], mark[sizeof(c->label) + 140];

    if (w <= 0.0 || bottom - top < lh)
        return;
    gauge_scale(o, value, &lo, &hi);
    if (c->label[0] != '\0' && bottom - top >= 4.0 * lh) {
        n = kpi_fit_text(c, 0, fs, w, c->label, strlen(c->label), buf, sizeof(buf));
        kpi_text(c, buf, n, 0, fs, cx, top, QUIRE_ALIGN_CENTER, pal->muted, 0);
        top += lh * 1.2;
    }
    /* The arc spans 2 rad across and 1.5 rad down (its ends sit at half
     * the radius below the centre); min and max go under the ends. */
    rad = fmin(w / 2.0, (bottom - top - lh) / 1.5);
    t = rad * 0.22;
    cy = top + rad + (bottom - top - lh - 1.5 * rad) / 2.0;
    theta = angle_of(value, lo, hi);

    if (rad >= 6.0) {
        if (o->nranges > 0) {
            nranges = o->nranges;
            memcpy(ranges, o->ranges, nranges * sizeof(ranges[0]));
        } else {
            nranges = 3;
            ranges[0] = lo + (hi - lo) * 0.6;
            ranges[1] = lo + (hi - lo) * 0.8;
            ranges[2] = hi;
        }
        /* arc: thin bands outside, the value ring inside; needle: the
         * bands are the ring. */
        prev = lo;
        for (size_t i = 0; i < nranges; i++) {
            double from = fmax(prev, lo), to = fmin(ranges[i], hi);
            if (to > from)
                draw_ring(c, cx, cy, rad, o->needle ? rad - t : rad - 0.25 * t,
                          angle_of(from, lo, hi), angle_of(to, lo, hi),
                          kpi_band_color(pal, i, nranges));
            prev = ranges[i];
        }
        if (!o->needle)
            draw_ring(c, cx, cy, rad - 0.35 * t, rad - t, START, START - SWEEP, pal->track);
        end_label(c, lo, cx + (rad - t / 2.0) * cos(START), cy + 0.5 * rad + 2.0, rad);
        end_label(c, hi, cx + (rad - t / 2.0) * cos(START - SWEEP), cy + 0.5 * rad + 2.0, rad);
    }

    kpi_format(c, value, full, sizeof(full));
    snprintf(mark, sizeof(mark), "%s: %s", c->label[0] ? c->label : "Value", full);
    kpi_mark(c, QUIRE_MARK_POINT, 0, (uint32_t)category, mark, strlen(mark));
    if (rad >= 6.0 && !o->needle) {
        draw_ring(c, cx, cy, rad - 0.35 * t, rad - t, START, theta, pal->value);
    } else if (rad >= 6.0) {
        double tip = rad - 0.15 * t, hw = t * 0.18;
        uint8_t verbs[] = {QUIRE_PATH_MOVE, QUIRE_PATH_LINE, QUIRE_PATH_LINE, QUIRE_PATH_CLOSE};
        double pts[] = {cx + tip * cos(theta), cy - tip * sin(theta), cx - hw * sin(theta),
                        cy - hw * cos(theta),  cx + hw * sin(theta),  cy + hw * cos(theta)};
        kpi_path(c, verbs, 4, pts, 3, pal->text, (quire_color){0}, 0.0);
        kpi_ellipse(c, cx, cy, t * 0.3, pal->text);
    }
    /* The value's text in the middle; under the hub for a needle. */
    size = fmin(36.0, fmax(6.0, rad * 0.32));
    n = kpi_format_fit(c, value, 1, &size, fmax(0.0, fmin(w, 2.0 * (rad - t) * 0.9)), shown,
                       sizeof(shown));
    vh = kpi_line_height(c, 1, size);
    vtop = rad >= 6.0 && o->needle ? cy + t * 0.3 + 2.0 : cy - vh / 2.0;
    vtop = fmax(r->y, fmin(vtop, r->y + r->height - vh));
    kpi_text(c, shown, n, 1, size, cx, vtop, QUIRE_ALIGN_CENTER, pal->text, QUIRE_TEXT_NUMERIC);
    kpi_mark_end(c);
}
