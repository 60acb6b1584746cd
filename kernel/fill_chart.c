/*
 * fill_chart.c - draws a chart element through its provider into a page's
 * or a band's element buffer (chart_draw), and makes the chart's info
 * usable by renderers when the page is sent (chart_relocate).
 *
 * The provider draws through a canvas that checks and copies every
 * element: a provider is third-party code, and what it hands over goes to
 * every renderer, so a bad font index, invalid UTF-8, a path whose verbs
 * do not match its points or an unbalanced mark is refused here with the
 * provider's name rather than crashing a renderer later.
 *
 * What a chart adds to the buffer, in painting order:
 *   CLIP_PUSH (the box)  CHART  ...the provider's elements...  CHART_END
 *   CLIP_POP
 * The clip keeps the drawing in its box and stops a page break from
 * cutting through the chart. CHART's u.chart.info, MARK labels and path
 * arrays hold blob offsets until the page is sent, like text does. The
 * chart info is one chunk in the blob: a quire_chart_info whose pointers
 * are offsets from the chunk's start, its strings, and the packed dataset
 * (dataset.h), so the chunk can move with the blob (append(), spilling).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "dataset.h"
#include "fill_int.h"
#include "plan_chart.h"

/* ============================== Canvas ==================================== */

struct quire_canvas {
    layout_ctx *lc;
    el_buf *b;
    quire_element origin; /* band, group_level, instance, item for every element */
    double box[4];        /* the chart's: marks take it (page breaks go by boxes) */
    const quire_dataset *data;
    int in_mark;
    unsigned clips;
    int refused;
    char why[160];
};

/* Records why the canvas refused an element (the first reason wins). */
static int refuse(quire_canvas *cv, const char *why)
{
    if (!cv->refused) {
        cv->refused = 1;
        snprintf(cv->why, sizeof(cv->why), "%s", why);
    }
    return QUIRE_ERR;
}

static int utf8_ok(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t k;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF)
            k = 1, cp = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF)
            k = 2, cp = c & 0x0F;
        else if (c >= 0xF0 && c <= 0xF4)
            k = 3, cp = c & 0x07;
        else
            return 0;
        if (n - i <= k)
            return 0;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i + j] & 0x3F);
        }
        if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += k + 1;
    }
    return 1;
}

static void take_box(quire_element *e, const double *box)
{
    e->x = box[0];
    e->y = box[1];
    e->width = box[2];
    e->height = box[3];
}

static int finite4(const quire_element *e)
{
    return isfinite(e->x) && isfinite(e->y) && isfinite(e->width) && isfinite(e->height) &&
           isfinite(e->line_width);
}

/* Checks a path's verbs against its points; copies both into the blob. */
static int copy_path(quire_canvas *cv, quire_element *e)
{
    size_t need = 0;
    size_t voff, poff;
    if (e->u.path.nverbs > (1u << 20) || e->u.path.npoints > (1u << 21))
        return refuse(cv, "a path with too many verbs or points");
    if ((e->u.path.nverbs > 0 && e->u.path.verbs == NULL) ||
        (e->u.path.npoints > 0 && e->u.path.points == NULL))
        return refuse(cv, "a path without its arrays");
    for (size_t i = 0; i < e->u.path.nverbs; i++)
        switch (e->u.path.verbs[i]) {
        case QUIRE_PATH_MOVE:
        case QUIRE_PATH_LINE: need += 1; break;
        case QUIRE_PATH_CURVE: need += 3; break;
        case QUIRE_PATH_CLOSE: break;
        default: return refuse(cv, "a path with an unknown verb");
        }
    if (need != e->u.path.npoints)
        return refuse(cv, "a path whose verbs do not match its number of points");
    if (e->u.path.nverbs > 0 && e->u.path.verbs[0] != QUIRE_PATH_MOVE)
        return refuse(cv, "a path that does not start with a move");
    for (size_t i = 0; i < 2 * e->u.path.npoints; i++)
        if (!isfinite(e->u.path.points[i]))
            return refuse(cv, "a path with a point that is not a finite number");
    poff = elbuf_bytes(cv->b, e->u.path.points, 2 * e->u.path.npoints * sizeof(double));
    voff = elbuf_bytes(cv->b, e->u.path.verbs, e->u.path.nverbs);
    if (poff == (size_t)-1 || voff == (size_t)-1)
        return QUIRE_ERR;
    e->u.path.points = (const double *)(uintptr_t)poff;
    e->u.path.verbs = (const uint8_t *)(uintptr_t)voff;
    return QUIRE_OK;
}

static int canvas_element(quire_canvas *cv, const quire_element *in)
{
    quire_element e;
    if (cv == NULL || in == NULL)
        return QUIRE_ERR;
    e = *in;
    e.band = cv->origin.band;
    e.group_level = cv->origin.group_level;
    e.instance = cv->origin.instance;
    e.item = cv->origin.item;
    if (!finite4(&e))
        return refuse(cv, "an element with a coordinate that is not a finite number");
    switch (e.kind) {
    case QUIRE_EL_TEXT: {
        size_t off;
        if (e.u.text.font >= cv->lc->res->nfonts)
            return refuse(cv, "a text element naming a font the document does not have");
        if (e.u.text.len > 65536 || (e.u.text.len > 0 && e.u.text.utf8 == NULL) ||
            !utf8_ok((const unsigned char *)e.u.text.utf8, e.u.text.len))
            return refuse(cv, "a text element whose text is not valid UTF-8");
        if (!(e.u.text.size > 0) || !isfinite(e.u.text.size) || !isfinite(e.u.text.baseline) ||
            !isfinite(e.u.text.word_spacing))
            return refuse(cv, "a text element without a valid size or baseline");
        off = elbuf_bytes(cv->b, e.u.text.utf8, e.u.text.len);
        if (off == (size_t)-1)
            return QUIRE_ERR;
        e.u.text.utf8 = (const char *)(uintptr_t)off;
        e.u.text.name = NULL;
        if (e.u.text.box_width == 0 && e.u.text.box_height == 0) {
            e.u.text.box_x = e.x;
            e.u.text.box_y = e.y;
            e.u.text.box_width = e.width;
            e.u.text.box_height = e.height;
        }
        break;
    }
    case QUIRE_EL_LINE:
    case QUIRE_EL_RECT:
    case QUIRE_EL_ELLIPSE: memset(&e.u, 0, sizeof(e.u)); break;
    case QUIRE_EL_PATH:
        if (copy_path(cv, &e) != QUIRE_OK)
            return QUIRE_ERR;
        break;
    case QUIRE_EL_CLIP_PUSH:
        cv->clips++;
        memset(&e.u, 0, sizeof(e.u));
        break;
    case QUIRE_EL_CLIP_POP:
        if (cv->clips == 0)
            return refuse(cv, "a clip pop without its push");
        cv->clips--;
        memset(&e.u, 0, sizeof(e.u));
        break;
    case QUIRE_EL_MARK: {
        size_t off;
        if (cv->in_mark)
            return refuse(cv, "a mark inside another mark");
        if (e.u.mark.role < QUIRE_MARK_POINT || e.u.mark.role > QUIRE_MARK_LEGEND_CATEGORY)
            return refuse(cv, "a mark with an unknown role");
        if (e.u.mark.series >= cv->data->nseries && cv->data->nseries > 0)
            return refuse(cv, "a mark naming a series the dataset does not have");
        if ((e.u.mark.role == QUIRE_MARK_POINT || e.u.mark.role == QUIRE_MARK_LEGEND_CATEGORY) &&
            e.u.mark.category >= cv->data->ncategories && cv->data->ncategories > 0)
            return refuse(cv, "a mark naming a category the dataset does not have");
        if (e.u.mark.len > 4096 || (e.u.mark.len > 0 && e.u.mark.label == NULL) ||
            !utf8_ok((const unsigned char *)e.u.mark.label, e.u.mark.len))
            return refuse(cv, "a mark whose label is not valid UTF-8");
        off = elbuf_bytes(cv->b, e.u.mark.label, e.u.mark.len);
        if (off == (size_t)-1)
            return QUIRE_ERR;
        e.u.mark.label = (const char *)(uintptr_t)off;
        take_box(&e, cv->box);
        cv->in_mark = 1;
        break;
    }
    case QUIRE_EL_MARK_END:
        if (!cv->in_mark)
            return refuse(cv, "a mark end without its mark");
        cv->in_mark = 0;
        memset(&e.u, 0, sizeof(e.u));
        take_box(&e, cv->box);
        break;
    case QUIRE_EL_IMAGE: return refuse(cv, "an image element (charts draw with shapes)");
    default: return refuse(cv, "an element of a kind charts may not draw");
    }
    return elbuf_push(cv->b, &e) == 0 ? QUIRE_OK : QUIRE_ERR;
}

static uint32_t canvas_font(quire_canvas *cv, const char *family, uint32_t style, double *ascent,
                            double *descent)
{
    int f = fill_font_find(cv->lc->res, family, style);
    if (f < 0)
        f = cv->lc->res->default_font;
    if (ascent != NULL)
        *ascent = cv->lc->fonts[f].ascent;
    if (descent != NULL)
        *descent = cv->lc->fonts[f].descent;
    return (uint32_t)f;
}

static double canvas_text_width(quire_canvas *cv, const char *font, uint32_t style, double size,
                                const char *utf8, size_t len)
{
    uint32_t f = canvas_font(cv, font, style, NULL, NULL);
    if (utf8 == NULL || !(size > 0))
        return 0;
    return font_text_width(cv->lc->res->faces[f], utf8, len, size, NULL);
}

static const quire_canvas_api canvas_api = {
    .size = sizeof(quire_canvas_api),
    .element = canvas_element,
    .text_width = canvas_text_width,
    .font = canvas_font,
};

/* ============================== Chart info ================================ */

/* The info chunk's head in the blob; its pointers are offsets from the
 * chunk's start until chart_relocate(). */
typedef struct chart_chunk {
    quire_chart_info info;
    uint64_t data_off, data_len;
} chart_chunk;

/* Appends the chunk for chart `c` drawing the packed dataset bytes[len]
 * to `b`: its offset in the blob, or (size_t)-1 when out of memory. */
static size_t add_chunk(el_buf *b, const plan_chart *c, const char *label, const uint8_t *bytes,
                        size_t len)
{
    const char *strs[4] = {c->provider->desc.name, c->type, c->title, label};
    size_t str_off[4] = {0};
    size_t at = sizeof(chart_chunk), total, off;
    chart_chunk *chunk;
    char *buf;

    for (int i = 0; i < 4; i++)
        if (strs[i] != NULL) {
            str_off[i] = at;
            at += strlen(strs[i]) + 1;
        }
    at = (at + 7) & ~(size_t)7;
    total = at + len;
    buf = calloc(1, total);
    if (buf == NULL)
        return (size_t)-1;
    chunk = (chart_chunk *)(void *)buf;
    chunk->info.size = sizeof(quire_chart_info);
    for (int i = 0; i < 4; i++)
        if (strs[i] != NULL)
            memcpy(buf + str_off[i], strs[i], strlen(strs[i]) + 1);
    chunk->info.provider = (const char *)(uintptr_t)str_off[0];
    chunk->info.type = (const char *)(uintptr_t)str_off[1];
    chunk->info.title = (const char *)(uintptr_t)str_off[2];
    chunk->info.label = (const char *)(uintptr_t)str_off[3];
    chunk->data_off = at;
    chunk->data_len = len;
    memcpy(buf + at, bytes, len);
    off = elbuf_bytes(b, buf, total);
    free(buf);
    return off;
}

int chart_relocate(char *blob, quire_element *e)
{
    char *base = blob + (uintptr_t)e->u.chart.info;
    chart_chunk *chunk = (chart_chunk *)(void *)base;
    quire_chart_info *info = &chunk->info;
    info->provider = base + (uintptr_t)info->provider;
    info->type = base + (uintptr_t)info->type;
    info->title = info->title != NULL ? base + (uintptr_t)info->title : NULL;
    info->label = base + (uintptr_t)info->label;
    info->data = dataset_relocate(base + chunk->data_off, (size_t)chunk->data_len);
    e->u.chart.info = info;
    return info->data != NULL ? 0 : -1;
}

/* ============================== Drawing =================================== */

int chart_draw(layout_ctx *lc, const plan_value *pv, const quire_element *origin, double x,
               double y, double w, double h, const uint8_t *bytes, size_t len, int with_clip,
               el_buf *b, quire_error *err)
{
    const plan_chart *c = pv->chart;
    const report *rep = lc->p->rep;
    const report_dataset *rds = &rep->datasets[c->dataset];
    quire_canvas cv;
    quire_chart_request req;
    quire_element e;
    quire_dataset *data;
    uint8_t *copy = NULL;
    char label[256];
    size_t chunk;
    int rc = QUIRE_ERR;

    memset(&cv, 0, sizeof(cv));
    cv.lc = lc;
    cv.b = b;
    cv.origin = *origin;
    cv.box[0] = x;
    cv.box[1] = y;
    cv.box[2] = w;
    cv.box[3] = h;
    if (len == 0 || (copy = malloc(len)) == NULL)
        goto fail_oom;
    memcpy(copy, bytes, len);
    data = dataset_relocate(copy, len);
    if (data == NULL) {
        error_setf(err, QUIRE_E_INTERNAL, "%s:%u:%u: chart: its dataset '%s' came out garbled",
                   rep->path, pv->loc.line, pv->loc.column, rds->name);
        goto done;
    }
    cv.data = data;
    if (c->title != NULL)
        snprintf(label, sizeof(label), "%s", c->title);
    else
        snprintf(label, sizeof(label), "%s chart of %s", c->type, rds->name);

    memset(&e, 0, sizeof(e));
    e.band = origin->band;
    e.group_level = origin->group_level;
    e.instance = origin->instance;
    e.item = origin->item;
    e.x = x;
    e.y = y;
    e.width = w;
    e.height = h;
    if (with_clip) {
        e.kind = QUIRE_EL_CLIP_PUSH;
        if (elbuf_push(b, &e) != 0)
            goto fail_oom;
    }
    chunk = add_chunk(b, c, label, bytes, len);
    if (chunk == (size_t)-1)
        goto fail_oom;
    e.kind = QUIRE_EL_CHART;
    e.u.chart.info = (const quire_chart_info *)(uintptr_t)chunk;
    if (elbuf_push(b, &e) != 0)
        goto fail_oom;

    memset(&req, 0, sizeof(req));
    req.size = sizeof(req);
    req.type = c->type;
    req.title = c->title;
    req.theme = c->theme;
    req.locale = rep->meta.locale != NULL ? rep->meta.locale : "en-US";
    req.x = x;
    req.y = y;
    req.width = w;
    req.height = h;
    req.data = data;
    req.options = c->options;
    req.noptions = c->noptions;
    req.name = pv->el->name;
    req.font = lc->res->fonts[lc->res->default_font].family;
    req.rtl = (uint32_t)rep->meta.rtl;
    if (c->provider->ops.chart.draw(c->provider->state_ptr, &req, &canvas_api, &cv, err) !=
            QUIRE_OK ||
        cv.refused) {
        char msg[sizeof(err->msg)];
        if (cv.refused)
            snprintf(msg, sizeof(msg), "provider '%s' drew %s (a bug in the provider)",
                     c->provider->desc.name, cv.why);
        else
            snprintf(msg, sizeof(msg), "%s", err->msg[0] ? err->msg : "out of memory");
        error_setf(err, cv.refused ? QUIRE_E_INTERNAL : QUIRE_E_INVALID,
                   "%s:%u:%u: chart '%s' (%s, provider %s): %s", rep->path, pv->loc.line,
                   pv->loc.column, pv->el->name ? pv->el->name : rds->name, c->type,
                   c->provider->desc.name, msg);
        goto done;
    }
    if (cv.in_mark || cv.clips != 0) {
        error_setf(err, QUIRE_E_INTERNAL,
                   "%s:%u:%u: chart '%s' (%s, provider %s): provider '%s' left a %s open (a bug "
                   "in the provider)",
                   rep->path, pv->loc.line, pv->loc.column, pv->el->name ? pv->el->name : rds->name,
                   c->type, c->provider->desc.name, c->provider->desc.name,
                   cv.in_mark ? "mark" : "clip");
        goto done;
    }
    memset(&e.u, 0, sizeof(e.u));
    e.kind = QUIRE_EL_CHART_END;
    if (elbuf_push(b, &e) != 0)
        goto fail_oom;
    e.kind = QUIRE_EL_CLIP_POP;
    if (elbuf_push(b, &e) != 0)
        goto fail_oom;
    rc = QUIRE_OK;
    goto done;

fail_oom:
    error_setf(err, QUIRE_E_NOMEM, "out of memory drawing a chart");
done:
    free(copy);
    return rc;
}

int layout_chart_placeholder(layout_ctx *lc, el_buf *b, const fill_ph *ph, const uint8_t *bytes,
                             size_t len, quire_error *err)
{
    const plan_value *pv = &ph->band->values[ph->item];
    quire_element origin = b->els[ph->slot];
    size_t from = b->nels, n, at = ph->slot + 1;
    quire_element *moved;

    if (len > 0) {
        if (chart_draw(lc, pv, &origin, ph->bx, ph->by, ph->bw, ph->bh, bytes, len, 0, b, err) !=
            QUIRE_OK)
            return QUIRE_ERR;
    } else {
        origin.kind = QUIRE_EL_CLIP_POP; /* not shown: only the reserved clip closes */
        if (elbuf_push(b, &origin) != 0)
            goto fail_oom;
    }
    /* Move the chart from the end of the buffer to just after its clip. */
    n = b->nels - from;
    if (from > at && n > 0) {
        moved = malloc(n * sizeof(*moved));
        if (moved == NULL)
            goto fail_oom;
        memcpy(moved, b->els + from, n * sizeof(*moved));
        memmove(b->els + at + n, b->els + at, (from - at) * sizeof(*moved));
        memcpy(b->els + at, moved, n * sizeof(*moved));
        free(moved);
        for (size_t i = 0; i < b->nph; i++)
            if (b->phs[i].slot >= at)
                b->phs[i].slot += n;
    }
    return QUIRE_OK;

fail_oom:
    error_setf(err, QUIRE_E_NOMEM, "out of memory drawing a chart");
    return QUIRE_ERR;
}
