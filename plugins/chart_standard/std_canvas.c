/*
 * std_canvas.c - emitting print-model elements through the canvas: shapes,
 * paths and the MARK elements that tell interactive renderers which
 * shapes belong to which data point, series or legend entry. The first
 * refused element stops the chart (c->failed) with the error set once.
 */
#include <stdio.h>
#include <string.h>

#include "std.h"

/* Hands one element to the canvas. */
static int emit(std_ctx *c, const quire_element *el)
{
    if (c->failed)
        return QUIRE_ERR;
    if (c->api->element(c->canvas, el) != QUIRE_OK) {
        c->failed = 1;
        c->host->error_set(c->err, QUIRE_E_NOMEM, "%s chart%s%s: the canvas refused an element",
                           std_type_name(c->type), c->req->title ? " " : "",
                           c->req->title ? c->req->title : "");
        return QUIRE_ERR;
    }
    return QUIRE_OK;
}

int std_rect(std_ctx *c, double x, double y, double w, double h, quire_color fill,
             quire_color stroke, double line_width)
{
    quire_element el = {0};

    /* A negative extent (a bar below zero) becomes a positive box. */
    if (w < 0) {
        x += w;
        w = -w;
    }
    if (h < 0) {
        y += h;
        h = -h;
    }
    el.kind = QUIRE_EL_RECT;
    el.x = x;
    el.y = y;
    el.width = w;
    el.height = h;
    el.fill = fill;
    el.stroke = stroke;
    el.line_width = stroke.a ? line_width : 0.0;
    return emit(c, &el);
}

int std_line(std_ctx *c, double x0, double y0, double x1, double y1, quire_color stroke,
             double line_width)
{
    quire_element el = {0};

    el.kind = QUIRE_EL_LINE;
    el.x = x0;
    el.y = y0;
    el.width = x1 - x0;
    el.height = y1 - y0;
    el.stroke = stroke;
    el.line_width = line_width;
    return emit(c, &el);
}

int std_ellipse(std_ctx *c, double cx, double cy, double r, quire_color fill, quire_color stroke,
                double line_width)
{
    quire_element el = {0};

    el.kind = QUIRE_EL_ELLIPSE;
    el.x = cx - r;
    el.y = cy - r;
    el.width = 2 * r;
    el.height = 2 * r;
    el.fill = fill;
    el.stroke = stroke;
    el.line_width = stroke.a ? line_width : 0.0;
    return emit(c, &el);
}

int std_path(std_ctx *c, const uint8_t *verbs, size_t nverbs, const double *points, size_t npoints,
             quire_color fill, quire_color stroke, double line_width)
{
    quire_element el = {0};
    double x0, y0, x1, y1;

    if (npoints == 0)
        return QUIRE_OK;
    /* The box is the points' bounds. */
    x0 = x1 = points[0];
    y0 = y1 = points[1];
    for (size_t i = 1; i < npoints; i++) {
        double x = points[2 * i], y = points[2 * i + 1];
        x0 = x < x0 ? x : x0;
        x1 = x > x1 ? x : x1;
        y0 = y < y0 ? y : y0;
        y1 = y > y1 ? y : y1;
    }
    el.kind = QUIRE_EL_PATH;
    el.x = x0;
    el.y = y0;
    el.width = x1 - x0;
    el.height = y1 - y0;
    el.fill = fill;
    el.stroke = stroke;
    el.line_width = stroke.a ? line_width : 0.0;
    el.u.path.verbs = verbs;
    el.u.path.nverbs = nverbs;
    el.u.path.points = points;
    el.u.path.npoints = npoints;
    return emit(c, &el);
}

int std_mark(std_ctx *c, uint32_t role, size_t series, size_t category, const char *label,
             size_t len)
{
    quire_element el = {0};

    el.kind = QUIRE_EL_MARK;
    el.x = c->box.x;
    el.y = c->box.y;
    el.width = c->box.w;
    el.height = c->box.h;
    el.u.mark.role = role;
    el.u.mark.series = (uint32_t)series;
    el.u.mark.category = (uint32_t)category;
    el.u.mark.label = label;
    el.u.mark.len = len;
    return emit(c, &el);
}

int std_mark_end(std_ctx *c)
{
    quire_element el = {0};

    el.kind = QUIRE_EL_MARK_END;
    el.x = c->box.x;
    el.y = c->box.y;
    return emit(c, &el);
}

int std_point_mark(std_ctx *c, size_t series, size_t category)
{
    const quire_dataset *d = c->data;
    const quire_str *cat = &d->categories[category];
    const quire_str *ser = &d->series[series];
    const quire_str *val =
        d->value_text ? &d->value_text[series * d->ncategories + category] : NULL;
    char label[512];
    int n;

    if (d->nseries > 1 && ser->len > 0)
        n = snprintf(label, sizeof(label), "%.*s, %.*s: %.*s", (int)cat->len, cat->ptr,
                     (int)ser->len, ser->ptr, val ? (int)val->len : 0, val ? val->ptr : "");
    else
        n = snprintf(label, sizeof(label), "%.*s: %.*s", (int)cat->len, cat->ptr,
                     val ? (int)val->len : 0, val ? val->ptr : "");
    if (n < 0)
        n = 0;
    if ((size_t)n >= sizeof(label)) {
        /* Cut on a code point boundary so the label stays valid UTF-8. */
        n = (int)sizeof(label) - 1;
        while (n > 0 && ((unsigned char)label[n] & 0xC0) == 0x80)
            n--;
    }
    return std_mark(c, QUIRE_MARK_POINT, series, category, label, (size_t)n);
}
