/*
 * probe_chart.c - a chart provider for the kernel's chart tests
 * (tests/integration/charts.sh): kind chart, name "probe". It draws
 * plainly what it is given so a trace can be checked, and misbehaves on
 * request so the canvas's checks can be.
 *
 * Types:
 *   boxes   one rectangle per value in a POINT mark (label: the value's
 *           text), a LEGEND mark per series with the series' name, and a
 *           text with the first value formatted by host->format_number
 *           with the `number_format` option (default "#,##0.00").
 *   faulty  draws one bad thing, chosen by the `fault` option: font
 *           (a font index the document lacks), utf8, path (verbs and
 *           points disagree), nested (a mark in a mark), unclosed (a mark
 *           left open), pop (a clip pop without push), image, chart (a
 *           CHART element), nan (a NaN coordinate), fail (draw() returns
 *           an error of its own), ignore (an invalid element whose refusal
 *           draw() ignores, returning QUIRE_OK).
 * check() accepts number_format, title and theme for both, fault for faulty,
 * and refuses anything else, naming the option's place.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <quire/quire.h>

static int probe_check(void *state, const char *type, const quire_option *options, size_t noptions,
                       quire_error *err)
{
    const quire_host *host = state;
    for (size_t i = 0; i < noptions; i++) {
        const quire_option *o = &options[i];
        if (strcmp(o->key, "number_format") == 0 || strcmp(o->key, "title") == 0 ||
            strcmp(o->key, "theme") == 0)
            continue;
        if (strcmp(type, "faulty") == 0 && strcmp(o->key, "fault") == 0)
            continue;
        host->error_set(err, QUIRE_E_INVALID, "%s:%u:%u: unknown chart option '%s' for a %s chart",
                        o->file, (unsigned)o->line, (unsigned)o->column, o->key, type);
        return QUIRE_ERR;
    }
    return QUIRE_OK;
}

static const char *option(const quire_chart_request *req, const char *key, const char *def)
{
    for (size_t i = 0; i < req->noptions; i++)
        if (strcmp(req->options[i].key, key) == 0)
            return req->options[i].value;
    return def;
}

static int draw_boxes(const quire_host *host, const quire_chart_request *req,
                      const quire_canvas_api *api, quire_canvas *cv)
{
    const quire_dataset *d = req->data;
    size_t cells = d->ncategories * d->nseries;
    double w = cells > 0 ? req->width / (double)cells : 0;
    double asc = 0;
    uint32_t font = api->font(cv, NULL, 0, &asc, NULL);
    char text[64];
    size_t len;

    for (size_t s = 0; s < d->nseries; s++)
        for (size_t c = 0; c < d->ncategories; c++) {
            size_t k = s * d->ncategories + c;
            quire_element e = {0};
            if (isnan(d->values[k]))
                continue;
            e.kind = QUIRE_EL_MARK;
            e.u.mark.role = QUIRE_MARK_POINT;
            e.u.mark.series = (uint32_t)s;
            e.u.mark.category = (uint32_t)c;
            e.u.mark.label = d->value_text[k].ptr;
            e.u.mark.len = d->value_text[k].len;
            if (api->element(cv, &e) != QUIRE_OK)
                return QUIRE_ERR;
            memset(&e, 0, sizeof(e));
            e.kind = QUIRE_EL_RECT;
            e.x = req->x + w * (double)k;
            e.y = req->y + req->height / 2;
            e.width = w;
            e.height = req->height / 2;
            e.fill = (quire_color){0, 114, 178, 255};
            if (api->element(cv, &e) != QUIRE_OK)
                return QUIRE_ERR;
            memset(&e, 0, sizeof(e));
            e.kind = QUIRE_EL_MARK_END;
            if (api->element(cv, &e) != QUIRE_OK)
                return QUIRE_ERR;
        }
    for (size_t s = 0; s < d->nseries; s++) {
        quire_element e = {0};
        e.kind = QUIRE_EL_MARK;
        e.u.mark.role = QUIRE_MARK_LEGEND;
        e.u.mark.series = (uint32_t)s;
        e.u.mark.label = d->series[s].ptr;
        e.u.mark.len = d->series[s].len;
        if (api->element(cv, &e) != QUIRE_OK)
            return QUIRE_ERR;
        memset(&e, 0, sizeof(e));
        e.kind = QUIRE_EL_MARK_END;
        if (api->element(cv, &e) != QUIRE_OK)
            return QUIRE_ERR;
    }
    if (cells == 0)
        return QUIRE_OK;
    len = host->format_number(d->values[0], option(req, "number_format", "#,##0.00"), req->locale,
                              text, sizeof(text));
    if (len == (size_t)-1)
        snprintf(text, sizeof(text), "bad pattern");
    {
        quire_element e = {0};
        e.kind = QUIRE_EL_TEXT;
        e.x = req->x;
        e.y = req->y;
        e.height = 10;
        e.width = api->text_width(cv, NULL, 0, 8, text, strlen(text));
        e.fill = (quire_color){0, 0, 0, 255};
        e.u.text.utf8 = text;
        e.u.text.len = strlen(text);
        e.u.text.font = font;
        e.u.text.size = 8;
        e.u.text.baseline = req->y + 8 * asc;
        return api->element(cv, &e);
    }
}

static int draw_faulty(const quire_host *host, const quire_chart_request *req,
                       const quire_canvas_api *api, quire_canvas *cv, quire_error *err)
{
    const char *fault = option(req, "fault", "none");
    quire_element e = {0};
    uint8_t verbs[2] = {QUIRE_PATH_MOVE, QUIRE_PATH_LINE};
    double points[2] = {0, 0};
    int rc;

    e.kind = QUIRE_EL_RECT;
    e.x = req->x;
    e.y = req->y;
    e.width = 10;
    e.height = 10;
    if (strcmp(fault, "fail") == 0) {
        host->error_set(err, QUIRE_E_INVALID, "the probe failed on purpose");
        return QUIRE_ERR;
    }
    if (strcmp(fault, "font") == 0 || strcmp(fault, "utf8") == 0) {
        e.kind = QUIRE_EL_TEXT;
        e.u.text.utf8 = strcmp(fault, "utf8") == 0 ? "a\xff" : "a";
        e.u.text.len = 2;
        e.u.text.size = 8;
        e.u.text.font = strcmp(fault, "font") == 0 ? 9999 : 0;
    } else if (strcmp(fault, "path") == 0) {
        e.kind = QUIRE_EL_PATH;
        e.u.path.verbs = verbs;
        e.u.path.nverbs = 2;
        e.u.path.points = points;
        e.u.path.npoints = 1;
    } else if (strcmp(fault, "nested") == 0 || strcmp(fault, "unclosed") == 0) {
        e.kind = QUIRE_EL_MARK;
        e.u.mark.role = QUIRE_MARK_SERIES;
        if (api->element(cv, &e) != QUIRE_OK || strcmp(fault, "unclosed") == 0)
            return strcmp(fault, "unclosed") == 0 ? QUIRE_OK : QUIRE_ERR;
    } else if (strcmp(fault, "pop") == 0) {
        e.kind = QUIRE_EL_CLIP_POP;
    } else if (strcmp(fault, "image") == 0) {
        e.kind = QUIRE_EL_IMAGE;
    } else if (strcmp(fault, "chart") == 0) {
        e.kind = QUIRE_EL_CHART;
    } else if (strcmp(fault, "nan") == 0) {
        e.x = NAN;
    } else if (strcmp(fault, "ignore") == 0) {
        e.kind = QUIRE_EL_CLIP_POP;
        (void)api->element(cv, &e);
        return QUIRE_OK;
    }
    rc = api->element(cv, &e);
    if (rc != QUIRE_OK)
        host->error_set(err, QUIRE_E_INVALID, "the canvas refused an element");
    return rc;
}

static int probe_draw(void *state, const quire_chart_request *req, const quire_canvas_api *api,
                      quire_canvas *cv, quire_error *err)
{
    const quire_host *host = state;
    if (strcmp(req->type, "faulty") == 0)
        return draw_faulty(host, req, api, cv, err);
    if (draw_boxes(host, req, api, cv) != QUIRE_OK) {
        host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return QUIRE_ERR;
    }
    return QUIRE_OK;
}

static int probe_init(const quire_host *host, quire_plugin *self, const quire_config *config,
                      void **state, quire_error *err)
{
    (void)config;
    if (host->register_chart_type(self, "boxes", "a box per value (tests)", err) != QUIRE_OK ||
        host->register_chart_type(self, "faulty", "draws one bad thing (tests)", err) != QUIRE_OK)
        return QUIRE_ERR;
    *state = (void *)host;
    return QUIRE_OK;
}

static const quire_chart_ops probe_ops = {
    .size = sizeof(quire_chart_ops),
    .draw = probe_draw,
    .check = probe_check,
};

static const quire_plugin_desc desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_CHART),
    .name = "probe",
    .version = "1.0.0",
    .license = "MIT",
    .description = "Test chart provider: boxes per value, or one fault on request",
    .init = probe_init,
    .ops = &probe_ops,
    .ops_size = sizeof(probe_ops),
};

QUIRE_PLUGIN_DEFINE(desc)
