/*
 * std_pie.c - pie and donut charts of series 0: slices in category order
 * clockwise from 12 o'clock, percentage labels inside the slices that are
 * at least 3% of the total, a legend of the categories, and the donut's
 * total in its hole. Missing, zero and negative values get no slice.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "std.h"

#define MAX_LEGEND   64
#define MIN_LABELLED 0.03 /* slices below this share get no inside label */

/* ============================== Arcs ====================================== */

/* A path under construction: room for 2 arcs of 5 segments each (a full
 * turn not starting on a quarter boundary). */
typedef struct pie_path {
    uint8_t verbs[32];
    double pts[2 * 48];
    size_t nverbs, npts;
} pie_path;

static void pp_add(pie_path *p, uint8_t verb, double x, double y)
{
    p->verbs[p->nverbs++] = verb;
    if (verb != QUIRE_PATH_CLOSE) {
        p->pts[2 * p->npts] = x;
        p->pts[2 * p->npts + 1] = y;
        p->npts++;
    }
}

/* Appends one cubic Bezier: two control points and the end. */
static void pp_curve(pie_path *p, double x1, double y1, double x2, double y2, double x3, double y3)
{
    const double xy[6] = {x1, y1, x2, y2, x3, y3};

    p->verbs[p->nverbs++] = QUIRE_PATH_CURVE;
    memcpy(&p->pts[2 * p->npts], xy, sizeof(xy));
    p->npts += 3;
}

/* Appends an arc of radius r around (cx, cy) from angle a0 to a1 (radians,
 * y down, so increasing angles run clockwise) as cubic Beziers, split at
 * every quarter turn from 3 o'clock so that no control point leaves the
 * circle's bounding square; the pen is at the arc's start. */
static void pp_arc(pie_path *p, double cx, double cy, double r, double a0, double a1)
{
    double dir = a1 >= a0 ? 1.0 : -1.0, cur = a0;

    for (int i = 0; i < 8 && dir * (a1 - cur) > 1e-12; i++) {
        /* The next quarter boundary past cur in the arc's direction. */
        double q = dir > 0 ? (floor(cur / (M_PI / 2) + 1e-9) + 1) * (M_PI / 2)
                           : (ceil(cur / (M_PI / 2) - 1e-9) - 1) * (M_PI / 2);
        double next = dir > 0 ? fmin(q, a1) : fmax(q, a1);
        double k = 4.0 / 3.0 * tan((next - cur) / 4);
        double x0 = cx + r * cos(cur), y0 = cy + r * sin(cur);
        double x1 = cx + r * cos(next), y1 = cy + r * sin(next);
        pp_curve(p, x0 - k * r * sin(cur), y0 + k * r * cos(cur), x1 + k * r * sin(next),
                 y1 - k * r * cos(next), x1, y1);
        cur = next;
    }
}

/* ============================== Drawing =================================== */

static quire_color on_color(quire_color bg)
{
    double lum = 0.299 * bg.r + 0.587 * bg.g + 0.114 * bg.b;

    return lum > 150 ? (quire_color){0x22, 0x22, 0x22, 255} : (quire_color){255, 255, 255, 255};
}

static int pie_legend(std_ctx *c)
{
    std_legend_item items[MAX_LEGEND];
    const quire_dataset *d = c->data;
    int where = c->opts.legend;
    size_t n = 0;

    if (where == STD_LEGEND_AUTO)
        where = c->area.w > c->area.h * 1.3 ? STD_LEGEND_RIGHT : STD_LEGEND_BOTTOM;
    for (size_t i = 0; i < d->ncategories && n < MAX_LEGEND; i++) {
        double v = d->values[i];
        if (isnan(v) || v <= 0)
            continue;
        items[n++] = (std_legend_item){
            d->categories[i].ptr, d->categories[i].len, std_series_color(c, i, 0), 0, i, 0, 1};
    }
    return std_legend_draw(c, items, n, where);
}

/* The slice of category i from a0 to a1, with its percentage label. */
static int slice(std_ctx *c, size_t i, double cx, double cy, double r, double hole, double a0,
                 double a1, double share)
{
    quire_color fill = std_series_color(c, i, 0);
    quire_color edge =
        c->theme->background.a ? c->theme->background : (quire_color){255, 255, 255, 255};
    pie_path p = {0};
    char text[STD_LABEL_MAX];

    if (hole > 0) {
        pp_add(&p, QUIRE_PATH_MOVE, cx + r * cos(a0), cy + r * sin(a0));
        pp_arc(&p, cx, cy, r, a0, a1);
        pp_add(&p, QUIRE_PATH_LINE, cx + hole * r * cos(a1), cy + hole * r * sin(a1));
        pp_arc(&p, cx, cy, hole * r, a1, a0);
    } else {
        pp_add(&p, QUIRE_PATH_MOVE, cx, cy);
        pp_add(&p, QUIRE_PATH_LINE, cx + r * cos(a0), cy + r * sin(a0));
        pp_arc(&p, cx, cy, r, a0, a1);
    }
    pp_add(&p, QUIRE_PATH_CLOSE, 0, 0);
    if (std_point_mark(c, 0, i) != QUIRE_OK ||
        std_path(c, p.verbs, p.nverbs, p.pts, p.npts, fill, edge, share < 1 ? 1.0 : 0) != QUIRE_OK)
        return QUIRE_ERR;
    if (c->opts.labels != 0 && share >= MIN_LABELLED) {
        double mid = (a0 + a1) / 2, at = hole > 0 ? (1 + hole) / 2 : 0.64;
        double lh = std_line_height(c, c->fs);
        size_t len = c->host->format_number(share, "0.0%", c->req->locale, text, sizeof(text));
        double tw, x, y;
        if (len == (size_t)-1 || len >= sizeof(text))
            len = (size_t)snprintf(text, sizeof(text), "%.1f%%", share * 100);
        tw = std_text_width(c, text, len, c->fs, 0);
        x = cx + at * r * cos(mid) - tw / 2;
        y = cy + at * r * sin(mid) - lh / 2;
        if (share >= 1)
            y = hole > 0 ? cy + r * (1 + hole) / 2 - lh / 2 : cy + r * 0.5 - lh / 2;
        std_text(c, x, y, tw + 0.01, text, len, c->fs, 0, QUIRE_ALIGN_LEFT, on_color(fill),
                 QUIRE_TEXT_NUMERIC);
    }
    return std_mark_end(c);
}

int std_draw_pie(std_ctx *c)
{
    const quire_dataset *d = c->data;
    double total = 0, cum = 0, cx, cy, r, hole = c->type == STD_DONUT ? c->opts.hole : 0;

    for (size_t i = 0; i < d->ncategories; i++)
        if (!isnan(d->values[i]) && d->values[i] > 0)
            total += d->values[i];
    if (!(total > 0))
        return std_no_data(c);
    if (pie_legend(c) != QUIRE_OK)
        return QUIRE_ERR;
    r = fmin(c->area.w, c->area.h) / 2 - 2;
    if (r < 1)
        return QUIRE_OK; /* no room left */
    cx = c->area.x + c->area.w / 2;
    cy = c->area.y + c->area.h / 2;
    for (size_t i = 0; i < d->ncategories; i++) {
        double v = d->values[i], a0, a1;
        if (isnan(v) || v <= 0)
            continue;
        a0 = -M_PI / 2 + 2 * M_PI * cum / total;
        cum += v;
        a1 = -M_PI / 2 + 2 * M_PI * cum / total;
        if (slice(c, i, cx, cy, r, hole, a0, a1, v / total) != QUIRE_OK)
            return QUIRE_ERR;
    }
    if (hole > 0) {
        char text[STD_LABEL_MAX];
        double size = c->fs * 1.5, lh = std_line_height(c, size), w = 2 * hole * r * 0.85;
        size_t len = std_format_value(c, total, c->opts.number_format, text, sizeof(text));
        std_text(c, cx - w / 2, cy - lh / 2, w, text, len, size, 1, QUIRE_ALIGN_CENTER,
                 c->theme->text, QUIRE_TEXT_NUMERIC);
    }
    return c->failed ? QUIRE_ERR : QUIRE_OK;
}
