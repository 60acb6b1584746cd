/*
 * kpi_draw.c - what the three kpi chart types share: the themes, the
 * drawing context and its primitives over the kernel's canvas, numbers
 * formatted to fit a width, the aggregation of series 0 and nice numbers.
 *
 * Right-to-left documents are handled here once: every primitive mirrors
 * its x coordinates about the chart box's centre line, so the type files
 * lay out left to right only.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kpi.h"

/* ============================== Themes ==================================== */

#define RGB(hex)                                                                                   \
    {                                                                                              \
        (uint8_t)((hex) >> 16), (uint8_t)((hex) >> 8 & 0xff), (uint8_t)((hex)&0xff), 255           \
    }

/* The default theme keeps to the Okabe-Ito colours, which stay apart for
 * the common colour-vision deficiencies; the delta also carries an arrow,
 * so colour is never the only signal. */
static const kpi_palette palettes[] = {
    {"default", RGB(0x0072B2), RGB(0x009E73), RGB(0xD55E00), RGB(0x6B6B6B), RGB(0x1A1A1A),
     RGB(0x5F5F5F), RGB(0x1A1A1A), RGB(0xE6E6E6), RGB(0xB3B3B3), RGB(0xEBEBEB)},
    {"corporate", RGB(0x1F3A5F), RGB(0x2E7D32), RGB(0xB23B3B), RGB(0x6E7781), RGB(0x1F2933),
     RGB(0x52606D), RGB(0x1F2933), RGB(0xE4E7EB), RGB(0xA7B1BC), RGB(0xE9EDF2)},
    {"minimal", RGB(0x3C3C3C), RGB(0x3C7A4A), RGB(0xA8423A), RGB(0x8C8C8C), RGB(0x222222),
     RGB(0x7A7A7A), RGB(0x222222), RGB(0xEEEEEE), RGB(0xCFCFCF), RGB(0xF4F4F4)},
    {"vibrant", RGB(0x7B2CBF), RGB(0x00A878), RGB(0xF0454B), RGB(0x7D7D7D), RGB(0x161616),
     RGB(0x5A5A5A), RGB(0x161616), RGB(0xECE6F5), RGB(0xC3B1E1), RGB(0xF1ECF8)},
};

const char kpi_theme_names[] = "default, corporate, minimal or vibrant";

const kpi_palette *kpi_palette_find(const char *name)
{
    for (size_t i = 0; name != NULL && i < sizeof(palettes) / sizeof(palettes[0]); i++)
        if (strcmp(name, palettes[i].name) == 0)
            return &palettes[i];
    return NULL;
}

/* Colour of band i of n: from the palette's dark band to its light one. */
quire_color kpi_band_color(const kpi_palette *pal, size_t i, size_t n)
{
    double t = n > 1 ? (double)i / (double)(n - 1) : 0.0;
    quire_color a = pal->band_dark, b = pal->band_light;

    return (quire_color){(uint8_t)lround(a.r + (b.r - a.r) * t),
                         (uint8_t)lround(a.g + (b.g - a.g) * t),
                         (uint8_t)lround(a.b + (b.b - a.b) * t), 255};
}

/* ============================== Context =================================== */

/* Copies at most cap - 1 bytes of s, cut on a UTF-8 code point boundary. */
static void copy_utf8(char *out, size_t cap, const char *s, size_t len)
{
    if (len >= cap) {
        len = cap - 1;
        while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
            len--;
    }
    memcpy(out, s, len);
    out[len] = '\0';
}

void kpi_ctx_init(kpi_ctx *c, const quire_host *host, const quire_chart_request *req,
                  const quire_canvas_api *api, quire_canvas *canvas, const kpi_options *opt,
                  const kpi_palette *pal, double state_font_size)
{
    const quire_dataset *d = req->data;

    memset(c, 0, sizeof(*c));
    c->host = host;
    c->req = req;
    c->api = api;
    c->canvas = canvas;
    c->opt = opt;
    c->pal = pal;
    c->font_size = state_font_size;
    for (int bold = 0; bold < 2; bold++) {
        /* Metrics of DejaVu Sans when a canvas predates font() (1.3). */
        c->ascent[bold] = 0.928;
        c->descent[bold] = 0.236;
        if (QUIRE_CANVAS_HAS(api, font))
            c->font[bold] = api->font(canvas, req->font, bold ? QUIRE_FONT_BOLD : 0,
                                      &c->ascent[bold], &c->descent[bold]);
    }
    if (d != NULL && d->nseries > 0 && d->ncategories > 0 && d->values != NULL) {
        c->series0 = d->values;
        c->ncategories = d->ncategories;
    }
    if (req->title != NULL && req->title[0] != '\0')
        copy_utf8(c->label, sizeof(c->label), req->title, strlen(req->title));
    else if (d != NULL && d->nseries > 0 && d->series != NULL && d->series[0].len > 0)
        copy_utf8(c->label, sizeof(c->label), d->series[0].ptr, d->series[0].len);
}

/* ============================== Primitives ================================ */

static void emit(kpi_ctx *c, const quire_element *e)
{
    if (!c->failed && c->api->element(c->canvas, e) != QUIRE_OK)
        c->failed = 1;
}

/* x of a point after mirroring for a right-to-left document. */
static double mirror(const kpi_ctx *c, double x)
{
    return c->req->rtl ? 2.0 * c->req->x + c->req->width - x : x;
}

double kpi_line_height(const kpi_ctx *c, int bold, double size)
{
    return (c->ascent[bold != 0] + c->descent[bold != 0]) * size;
}

double kpi_text_width(const kpi_ctx *c, int bold, double size, const char *s, size_t len)
{
    return c->api->text_width(c->canvas, c->req->font, bold ? QUIRE_FONT_BOLD : 0, size, s, len);
}

double kpi_text(kpi_ctx *c, const char *s, size_t len, int bold, double size, double x, double top,
                uint32_t align, quire_color color, uint32_t flags)
{
    quire_element e = {0};
    double w, left;

    bold = bold != 0;
    if (len == 0)
        return 0.0;
    w = kpi_text_width(c, bold, size, s, len);
    left = align == QUIRE_ALIGN_CENTER ? x - w / 2.0 : align == QUIRE_ALIGN_RIGHT ? x - w : x;
    if (c->req->rtl) {
        left = mirror(c, left + w);
        if (align != QUIRE_ALIGN_CENTER)
            align = align == QUIRE_ALIGN_RIGHT ? QUIRE_ALIGN_LEFT : QUIRE_ALIGN_RIGHT;
    }
    e.kind = QUIRE_EL_TEXT;
    e.x = e.u.text.box_x = left;
    e.y = e.u.text.box_y = top;
    e.width = e.u.text.box_width = w;
    e.height = e.u.text.box_height = kpi_line_height(c, bold, size);
    e.fill = color;
    e.u.text.utf8 = s;
    e.u.text.len = len;
    e.u.text.font = c->font[bold];
    e.u.text.size = size;
    e.u.text.baseline = top + c->ascent[bold] * size;
    e.u.text.align = align;
    e.u.text.flags = flags;
    emit(c, &e);
    return w;
}

size_t kpi_fit_text(const kpi_ctx *c, int bold, double size, double max_width, const char *s,
                    size_t len, char *out, size_t cap)
{
    static const char ellipsis[] = "\xe2\x80\xa6";
    size_t n;

    if (cap < sizeof(ellipsis) + 1)
        return 0;
    if (len > cap - sizeof(ellipsis))
        len = cap - sizeof(ellipsis); /* the cut below moves to a boundary */
    else if (kpi_text_width(c, bold, size, s, len) <= max_width) {
        memcpy(out, s, len);
        out[len] = '\0';
        return len;
    }
    /* Shorter prefixes, one code point at a time: bounded by len. */
    for (n = len; n > 0; n--) {
        if (n < len && ((unsigned char)s[n] & 0xC0) == 0x80)
            continue;
        while (n > 0 && s[n - 1] == ' ')
            n--;
        memcpy(out, s, n);
        memcpy(out + n, ellipsis, sizeof(ellipsis));
        if (kpi_text_width(c, bold, size, out, n + sizeof(ellipsis) - 1) <= max_width)
            return n + sizeof(ellipsis) - 1;
    }
    out[0] = '\0';
    return 0;
}

void kpi_rect(kpi_ctx *c, double x, double y, double w, double h, quire_color fill)
{
    quire_element e = {0};

    if (w < 0.0)
        x += w, w = -w;
    e.kind = QUIRE_EL_RECT;
    e.x = c->req->rtl ? mirror(c, x + w) : x;
    e.y = y;
    e.width = w;
    e.height = h;
    e.fill = fill;
    emit(c, &e);
}

void kpi_ellipse(kpi_ctx *c, double cx, double cy, double r, quire_color fill)
{
    quire_element e = {0};

    e.kind = QUIRE_EL_ELLIPSE;
    e.x = mirror(c, cx) - r;
    e.y = cy - r;
    e.width = e.height = 2.0 * r;
    e.fill = fill;
    emit(c, &e);
}

#define KPI_MAX_PATH_POINTS 512

void kpi_path(kpi_ctx *c, const uint8_t *verbs, size_t nverbs, const double *points, size_t npoints,
              quire_color fill, quire_color stroke, double line_width)
{
    double mirrored[2 * KPI_MAX_PATH_POINTS];
    quire_element e = {0};

    e.kind = QUIRE_EL_PATH;
    if (c->req->rtl && npoints <= KPI_MAX_PATH_POINTS) {
        for (size_t i = 0; i < npoints; i++) {
            mirrored[2 * i] = mirror(c, points[2 * i]);
            mirrored[2 * i + 1] = points[2 * i + 1];
        }
        points = mirrored;
    }
    /* The box is the points' bounding box: renderers cull by it. */
    e.x = e.y = INFINITY;
    e.width = e.height = -INFINITY; /* used as max x, max y until the end */
    for (size_t i = 0; i < npoints; i++) {
        e.x = fmin(e.x, points[2 * i]);
        e.y = fmin(e.y, points[2 * i + 1]);
        e.width = fmax(e.width, points[2 * i]);
        e.height = fmax(e.height, points[2 * i + 1]);
    }
    if (npoints == 0)
        return;
    e.width -= e.x;
    e.height -= e.y;
    e.fill = fill;
    e.stroke = stroke;
    e.line_width = line_width;
    e.u.path.verbs = verbs;
    e.u.path.nverbs = nverbs;
    e.u.path.points = points;
    e.u.path.npoints = npoints;
    emit(c, &e);
}

void kpi_mark(kpi_ctx *c, uint32_t role, uint32_t series, uint32_t category, const char *label,
              size_t len)
{
    quire_element e = {0};

    e.kind = QUIRE_EL_MARK;
    e.x = c->req->x;
    e.y = c->req->y;
    e.width = c->req->width;
    e.height = c->req->height;
    e.u.mark.role = role;
    e.u.mark.series = series;
    e.u.mark.category = category;
    e.u.mark.label = label;
    e.u.mark.len = len;
    emit(c, &e);
}

void kpi_mark_end(kpi_ctx *c)
{
    quire_element e = {0};

    e.kind = QUIRE_EL_MARK_END;
    e.x = c->req->x;
    e.y = c->req->y;
    emit(c, &e);
}

/* ============================== No data =================================== */

void kpi_draw_no_data(kpi_ctx *c)
{
    static const char none[] = "No data";
    const quire_chart_request *r = c->req;
    double pad = fmax(2.0, fmin(10.0, fmin(r->width, r->height) * 0.06));
    double lh = kpi_line_height(c, 0, c->font_size);
    double top = r->y + pad, bottom = r->y + r->height - pad;
    double w = r->width - 2.0 * pad;
    char buf[sizeof(c->label) + 8];
    size_t n;

    if (c->label[0] != '\0' && top + 2.0 * lh <= bottom) {
        n = kpi_fit_text(c, 0, c->font_size, w, c->label, strlen(c->label), buf, sizeof(buf));
        kpi_text(c, buf, n, 0, c->font_size, r->x + pad, top, QUIRE_ALIGN_LEFT, c->pal->muted, 0);
        top += lh;
    }
    if (top + lh > bottom)
        return;
    n = kpi_fit_text(c, 0, c->font_size, w, none, sizeof(none) - 1, buf, sizeof(buf));
    kpi_text(c, buf, n, 0, c->font_size, r->x + r->width / 2.0, (top + bottom - lh) / 2.0,
             QUIRE_ALIGN_CENTER, c->pal->muted, 0);
}

/* ============================== Numbers =================================== */

size_t kpi_format(const kpi_ctx *c, double v, char *out, size_t cap)
{
    const char *pattern = c->opt->number_format ? c->opt->number_format : "#,##0";
    size_t n = c->host->format_number(v, pattern, c->req->locale, out, cap);

    if (n == (size_t)-1 || n >= cap)
        n = c->host->format_number(v, NULL, c->req->locale, out, cap);
    if (n == (size_t)-1 || n >= cap) {
        out[0] = '\0';
        return 0;
    }
    return n;
}

/* "1.2M": one decimal at most, a K/M/B/T suffix; below 1000 the value as
 * formatted. */
static size_t format_compact(const kpi_ctx *c, double v, char *out, size_t cap)
{
    static const struct {
        double scale;
        const char *suffix;
    } units[] = {{1e12, "T"}, {1e9, "B"}, {1e6, "M"}, {1e3, "K"}};
    char num[64];

    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (fabs(v) < units[i].scale * 0.9995) /* 999,950 is 1.0M, not 1,000.0K */
            continue;
        size_t n =
            c->host->format_number(v / units[i].scale, "#,##0.#", c->req->locale, num, sizeof(num));
        if (n == (size_t)-1 || n >= sizeof(num) ||
            (size_t)snprintf(out, cap, "%s%s", num, units[i].suffix) >= cap)
            break;
        return strlen(out);
    }
    return kpi_format(c, v, out, cap);
}

size_t kpi_format_fit(const kpi_ctx *c, double v, int bold, double *size, double max_width,
                      char *out, size_t cap)
{
    size_t n = kpi_format(c, v, out, cap);
    double w = kpi_text_width(c, bold, *size, out, n);

    /* Every digit is worth more than size: shrink the whole number down
     * to 60% before abbreviating it. */
    if (w > max_width && w * 0.6 <= max_width)
        *size *= max_width / w * 0.999;
    if (w * 0.6 <= max_width)
        return n;
    n = format_compact(c, v, out, cap);
    w = kpi_text_width(c, bold, *size, out, n);
    if (w > max_width && w > 0.0)
        *size = *size * fmax(0.0, max_width) / w * 0.999;
    return n;
}

int kpi_aggregate(const double *v, size_t n, enum kpi_value_mode mode, double *out,
                  size_t *category)
{
    size_t count = 0, at = 0;
    double acc = 0.0;

    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i]))
            continue;
        switch (mode) {
        case KPI_LAST: acc = v[i], at = i; break;
        case KPI_SUM:
        case KPI_AVG: acc += v[i]; break;
        case KPI_MAX:
            if (count == 0 || v[i] > acc)
                acc = v[i], at = i;
            break;
        case KPI_MIN:
            if (count == 0 || v[i] < acc)
                acc = v[i], at = i;
            break;
        }
        count++;
    }
    if (count == 0)
        return -1;
    if (mode == KPI_AVG)
        acc /= (double)count;
    if (mode == KPI_SUM || mode == KPI_AVG)
        at = 0;
    if (!isfinite(acc))
        return -1; /* a sum beyond the double range has no value to show */
    *out = acc;
    *category = at;
    return 0;
}

double kpi_frac(double v, double lo, double hi)
{
    double span = hi - lo;

    if (!(span != 0.0))
        return 0.5;
    if (!isfinite(span))
        return (v / 2.0 - lo / 2.0) / (hi / 2.0 - lo / 2.0);
    return (v - lo) / span;
}

/* The smallest of steps[] x 10^k that is >= x. */
static double nice_from(double x, const double *steps, size_t nsteps)
{
    double p, f;

    if (!(x > 0.0) || !isfinite(x))
        return 1.0;
    p = pow(10.0, floor(log10(x)));
    f = x / p;
    for (size_t i = 0; i < nsteps; i++)
        if (f <= steps[i] * (1.0 + 1e-9))
            return steps[i] * p;
    return 10.0 * p;
}

double kpi_nice_step(double x)
{
    static const double steps[] = {1.0, 2.0, 2.5, 5.0, 10.0};
    return nice_from(x, steps, sizeof(steps) / sizeof(steps[0]));
}

double kpi_nice_ceil(double x)
{
    static const double steps[] = {1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0};
    return nice_from(x, steps, sizeof(steps) / sizeof(steps[0]));
}
