/*
 * kpi_bullet.c - the `bullet` chart type: a horizontal bar for the value
 * over qualitative bands (option ranges, darkest = worst), a target marker
 * (option target, else series 1 aggregated like the value), an axis of
 * nice numbers below, and the label with the value on the left.
 *
 * The scale runs from min(0, value, target) to max(0, value, target, last
 * threshold), widened to whole axis steps, so the bar's length is
 * proportional to the value on the axis.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kpi.h"

/* Most ticks an axis gets; the step is chosen for about five. */
#define MAX_TICKS 24

typedef struct scale {
    double lo, hi, step;
    double x, w; /* the plot's left edge and width on the page */
} scale;

static double scale_x(const scale *s, double v)
{
    double f = kpi_frac(v, s->lo, s->hi);
    return s->x + s->w * fmin(1.0, fmax(0.0, f));
}

/* Tick marks and their labels along the bottom of the bands. Labels are
 * compacted when they would touch, then every other one is dropped. */
static void draw_axis(kpi_ctx *c, const scale *s, double y)
{
    const quire_chart_request *r = c->req;
    double fs = c->font_size, widest = 0.0, spacing;
    char text[MAX_TICKS][64];
    size_t len[MAX_TICKS], nticks = 0, every = 1;
    int compact = 0;

    for (size_t i = 0; i < MAX_TICKS && s->lo + s->step * (double)i <= s->hi + s->step * 1e-9; i++)
        nticks++;
    if (nticks < 2)
        return;
    spacing = s->w / (double)(nticks - 1);
    for (int pass = 0; pass < 2; pass++) {
        widest = 0.0;
        for (size_t i = 0; i < nticks; i++) {
            double v = s->lo + s->step * (double)i, size = fs;
            if (fabs(v) < s->step * 1e-9)
                v = 0.0; /* no "-0" from rounding */
            len[i] = compact ? kpi_format_fit(c, v, 0, &size, 0.0, text[i], sizeof(text[i]))
                             : kpi_format(c, v, text[i], sizeof(text[i]));
            widest = fmax(widest, kpi_text_width(c, 0, fs, text[i], len[i]));
        }
        if (widest + 4.0 <= spacing || compact)
            break;
        compact = 1;
    }
    while (every < nticks && widest + 4.0 > spacing * (double)every)
        every++;
    for (size_t i = 0; i < nticks; i++) {
        double tx = scale_x(s, s->lo + s->step * (double)i), w, left;
        kpi_rect(c, tx - 0.25, y, 0.5, 3.0, c->pal->muted);
        if (i % every != 0)
            continue;
        /* Centred under the tick, but kept inside the chart's box. */
        w = kpi_text_width(c, 0, fs, text[i], len[i]);
        left = fmin(fmax(tx - w / 2.0, r->x), r->x + r->width - w);
        kpi_text(c, text[i], len[i], 0, fs, left, y + 3.0, QUIRE_ALIGN_LEFT, c->pal->muted,
                 QUIRE_TEXT_NUMERIC);
    }
}

/* The target: the option, else series 1 aggregated like the value. */
static int find_target(const kpi_ctx *c, double *t, uint32_t *series, size_t *category)
{
    const quire_dataset *d = c->req->data;

    *series = 0;
    *category = 0;
    if (c->opt->has_target) {
        *t = c->opt->target;
        return 1;
    }
    if (d->nseries >= 2 && kpi_aggregate(d->values + d->ncategories, d->ncategories,
                                         c->opt->value_mode, t, category) == 0) {
        *series = 1;
        return 1;
    }
    return 0;
}

void kpi_draw_bullet(kpi_ctx *c, double value, size_t category)
{
    const quire_chart_request *r = c->req;
    const kpi_palette *pal = c->pal;
    double pad = fmax(2.0, fmin(10.0, fmin(r->width, r->height) * 0.06));
    double x0 = r->x + pad, w = r->width - 2.0 * pad;
    double top = r->y + pad, bottom = r->y + r->height - pad;
    double fs = c->font_size, lh = kpi_line_height(c, 0, fs), axis_h = 3.0 + lh;
    double target = 0.0, ranges[KPI_MAX_RANGES], lw = 0.0, bh, btop, bmid, prev;
    size_t nranges, tcat = 0, nlabel = 0, nvalue;
    uint32_t tseries = 0;
    int has_target = find_target(c, &target, &tseries, &tcat);
    char label[sizeof(c->label) + 8], full[128], shown[128], mark[sizeof(c->label) + 140];
    scale s;

    if (w <= 0.0 || bottom - top < 4.0)
        return;
    /* Bands: the thresholds given, else 60%, 80% and 100% of the larger of
     * value and target, plus a tenth. */
    if (c->opt->nranges > 0) {
        nranges = c->opt->nranges;
        memcpy(ranges, c->opt->ranges, nranges * sizeof(ranges[0]));
    } else {
        double m = fmax(fabs(value), has_target ? fabs(target) : 0.0) * 1.1;
        if (!(m > 0.0) || !isfinite(m))
            m = m > 0.0 ? fabs(value) : 1.0;
        nranges = 3;
        ranges[0] = m * 0.6, ranges[1] = m * 0.8, ranges[2] = m;
    }
    s.lo = fmin(0.0, fmin(value, has_target ? target : 0.0));
    s.hi = fmax(fmax(0.0, ranges[nranges - 1]), fmax(value, has_target ? target : 0.0));
    {
        double span = s.hi - s.lo, lo, hi;
        s.step = kpi_nice_step(isfinite(span) ? span / 5.0 : DBL_MAX / 5.0);
        lo = floor(s.lo / s.step) * s.step;
        hi = ceil(s.hi / s.step) * s.step;
        if (isfinite(lo) && isfinite(hi))
            s.lo = lo, s.hi = hi; /* whole steps, unless that overflows */
        if (!(s.hi > s.lo))
            s.hi = s.lo + s.step;
    }

    /* The label column: the chart's label over the value. */
    kpi_format(c, value, full, sizeof(full));
    if (c->label[0] != '\0')
        lw = kpi_text_width(c, 0, fs, c->label, strlen(c->label));
    lw = fmin(fmax(lw, kpi_text_width(c, 1, fs, full, strlen(full))), w * 0.3);
    if (bottom - top < axis_h + 6.0)
        axis_h = 0.0; /* too short for an axis: bands only */
    bh = fmin(bottom - top - axis_h, 36.0);
    btop = top + (bottom - top - axis_h - bh) / 2.0;
    bmid = btop + bh / 2.0;
    s.x = x0 + lw + (lw > 0.0 ? pad : 0.0);
    s.w = x0 + w - s.x;
    if (s.w <= 0.0)
        return;

    prev = s.lo;
    for (size_t i = 0; i < nranges; i++) {
        double from = fmax(prev, s.lo), to = fmin(ranges[i], s.hi);
        if (to > from)
            kpi_rect(c, scale_x(&s, from), btop, scale_x(&s, to) - scale_x(&s, from), bh,
                     kpi_band_color(pal, i, nranges));
        prev = ranges[i];
    }
    if (axis_h > 0.0)
        draw_axis(c, &s, btop + bh);

    /* The value: the bar, and its text in the label column. */
    snprintf(mark, sizeof(mark), "%s: %s", c->label[0] ? c->label : "Value", full);
    kpi_mark(c, QUIRE_MARK_POINT, 0, (uint32_t)category, mark, strlen(mark));
    kpi_rect(c, scale_x(&s, 0.0), bmid - bh / 6.0, scale_x(&s, value) - scale_x(&s, 0.0), bh / 3.0,
             pal->value);
    if (lw > 0.0 && bh >= 2.0 * lh) {
        double size = fs;
        nvalue = kpi_format_fit(c, value, 1, &size, lw, shown, sizeof(shown));
        kpi_text(c, shown, nvalue, 1, size, x0 + lw, bmid, QUIRE_ALIGN_RIGHT, pal->text,
                 QUIRE_TEXT_NUMERIC);
    }
    kpi_mark_end(c);
    if (lw > 0.0 && c->label[0] != '\0') {
        nlabel = kpi_fit_text(c, 0, fs, lw, c->label, strlen(c->label), label, sizeof(label));
        kpi_text(c, label, nlabel, 0, fs, x0 + lw, bh >= 2.0 * lh ? bmid - lh : bmid - lh / 2.0,
                 QUIRE_ALIGN_RIGHT, pal->muted, 0);
    }

    if (has_target) {
        double tx = scale_x(&s, target);
        kpi_format(c, target, full, sizeof(full));
        snprintf(mark, sizeof(mark), "Target: %s", full);
        kpi_mark(c, QUIRE_MARK_POINT, tseries, (uint32_t)tcat, mark, strlen(mark));
        /* Inside the plot even at its ends. */
        tx = fmin(fmax(tx, s.x + 1.0), s.x + s.w - 1.0);
        kpi_rect(c, tx - 1.0, bmid - bh * 0.35, 2.0, bh * 0.7, pal->target);
        kpi_mark_end(c);
    }
}
