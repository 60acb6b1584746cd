/*
 * kpi.c - the kpi chart provider: descriptor, config schema ([chart.kpi]),
 * the chart options of its three types and their check, and draw(), which
 * aggregates the value and hands the chart to its type's file.
 *
 * Options (all optional; which type takes which is in type_keys below):
 *   theme          default|corporate|minimal|vibrant
 *   number_format  a number pattern ("#,##0.00"), default "#,##0"
 *   value          last|sum|avg|max|min over the categories of series 0
 *   target         a number: the tile's delta reference, the bullet's marker
 *   good           up|down: which direction of the delta is green (tile)
 *   sparkline      true|false (tile; default true with >= 2 categories)
 *   ranges         increasing thresholds "50,75,100" (bullet, gauge)
 *   min, max       the gauge's scale
 *   style          arc|needle (gauge)
 * Every error names where the option was written, the option and what would
 * be accepted, in the form the kernel documents for chart options.
 */
#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kpi.h"

/* ============================== Configuration ============================= */

static const quire_config_key kpi_config[] = {
    {.name = "default_theme",
     .type = QUIRE_CONF_ENUM,
     .default_value = "default",
     .choices = "default|corporate|minimal|vibrant",
     .help = "Theme of a chart that names none."},
    {.name = "font_size",
     .type = QUIRE_CONF_FLOAT,
     .default_value = "9",
     .min = "4",
     .max = "72",
     .help = "Size in points of labels, deltas and axis text (the big value scales with the box)."},
    {0},
};

/* Read-only after init(): draw() runs on several render workers at once. */
typedef struct kpi_state {
    const quire_host *host;
    const kpi_palette *default_palette;
    double font_size;
} kpi_state;

/* ============================== Options =================================== */

enum opt_id {
    OPT_THEME,
    OPT_NUMBER_FORMAT,
    OPT_VALUE,
    OPT_TARGET,
    OPT_GOOD,
    OPT_SPARKLINE,
    OPT_RANGES,
    OPT_MIN,
    OPT_MAX,
    OPT_STYLE,
    OPT_COUNT
};

static const char *const opt_names[OPT_COUNT] = {
    "theme",     "number_format", "value", "target", "good",
    "sparkline", "ranges",        "min",   "max",    "style",
};

static const char *const type_names[] = {"kpi", "bullet", "gauge"};

/* The options each type takes, in the order messages list them. */
static const enum opt_id tile_keys[] = {OPT_THEME,  OPT_NUMBER_FORMAT, OPT_VALUE,
                                        OPT_TARGET, OPT_GOOD,          OPT_SPARKLINE};
static const enum opt_id bullet_keys[] = {OPT_THEME, OPT_NUMBER_FORMAT, OPT_VALUE, OPT_TARGET,
                                          OPT_RANGES};
static const enum opt_id gauge_keys[] = {OPT_THEME, OPT_NUMBER_FORMAT, OPT_VALUE, OPT_MIN,
                                         OPT_MAX,   OPT_RANGES,        OPT_STYLE};

typedef struct key_set {
    const enum opt_id *ids;
    size_t n;
} key_set;

static key_set keys_of(enum kpi_type type)
{
    switch (type) {
    case KPI_TILE: return (key_set){tile_keys, sizeof(tile_keys) / sizeof(tile_keys[0])};
    case KPI_BULLET: return (key_set){bullet_keys, sizeof(bullet_keys) / sizeof(bullet_keys[0])};
    case KPI_GAUGE: break;
    }
    return (key_set){gauge_keys, sizeof(gauge_keys) / sizeof(gauge_keys[0])};
}

/* "theme, number_format, value" for the unknown-option message. */
static void list_keys(key_set ks, char *out, size_t cap)
{
    size_t len = 0;

    out[0] = '\0';
    for (size_t i = 0; i < ks.n && len < cap; i++) {
        int n = snprintf(out + len, cap - len, "%s%s", i ? ", " : "", opt_names[ks.ids[i]]);
        if (n < 0)
            break;
        len += (size_t)n;
    }
}

#define OPT_ERR(o, ...) opt_error(host, err, o, __VA_ARGS__)

/* Sets err to "FILE:LINE:COL: chart option 'KEY': MESSAGE". */
QUIRE_PRINTF(4, 5)
static int opt_error(const quire_host *host, quire_error *err, const quire_option *o,
                     const char *fmt, ...)
{
    char msg[QUIRE_ERROR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    host->error_set(err, QUIRE_E_INVALID, "%s:%u:%u: chart option '%s': %s", o->file,
                    (unsigned)o->line, (unsigned)o->column, o->key, msg);
    return QUIRE_ERR;
}

/* A finite number written in full ("12.5", "-3", "1e6"); 0 on success. */
static int parse_number(const char *s, size_t len, double *out)
{
    char buf[64], *end;

    while (len > 0 && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len == 0 || len >= sizeof(buf))
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    *out = strtod(buf, &end);
    return *end != '\0' || errno == ERANGE || !isfinite(*out) ? -1 : 0;
}

/* Index of `value` among the '|'-separated `choices`, or -1. */
static int pick(const char *value, const char *choices)
{
    size_t vlen = strlen(value);
    int i = 0;

    for (const char *p = choices;; i++) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n == vlen && strncmp(p, value, n) == 0)
            return i;
        if (bar == NULL)
            return -1;
        p = bar + 1;
    }
}

static int parse_ranges(const quire_host *host, const quire_option *o, kpi_options *out,
                        quire_error *err)
{
    const char *p = o->value;

    out->nranges = 0;
    for (size_t guard = 0; guard <= KPI_MAX_RANGES; guard++) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        double v;

        if (out->nranges == KPI_MAX_RANGES)
            return OPT_ERR(o, "more than %d thresholds", KPI_MAX_RANGES);
        if (parse_number(p, n, &v) != 0)
            return OPT_ERR(o,
                           "'%.*s' is not a number (write increasing thresholds separated by "
                           "commas, e.g. 50,75,100)",
                           (int)(n > 64 ? 64 : n), p);
        if (out->nranges > 0 && !(v > out->ranges[out->nranges - 1]))
            return OPT_ERR(o, "%g does not exceed %g before it; thresholds must increase", v,
                           out->ranges[out->nranges - 1]);
        out->ranges[out->nranges++] = v;
        if (comma == NULL)
            return QUIRE_OK;
        p = comma + 1;
    }
    return OPT_ERR(o, "more than %d thresholds", KPI_MAX_RANGES);
}

static int parse_one(const quire_host *host, enum opt_id id, const quire_option *o,
                     kpi_options *out, quire_error *err)
{
    const char *v = o->value;
    char buf[8];
    int k;

    switch (id) {
    case OPT_THEME:
        if (kpi_palette_find(v) == NULL)
            return OPT_ERR(o, "unknown value '%s'; expected %s", v, kpi_theme_names);
        out->theme = v;
        return QUIRE_OK;
    case OPT_NUMBER_FORMAT:
        if (v[0] == '\0' || host->format_number(1.0, v, NULL, buf, sizeof(buf)) == (size_t)-1)
            return OPT_ERR(o, "'%s' is not a number pattern (e.g. #,##0.00)", v);
        out->number_format = v;
        return QUIRE_OK;
    case OPT_VALUE:
        if ((k = pick(v, "last|sum|avg|max|min")) < 0)
            return OPT_ERR(o, "unknown value '%s'; expected last, sum, avg, max or min", v);
        out->value_mode = (enum kpi_value_mode)k;
        return QUIRE_OK;
    case OPT_GOOD:
        if ((k = pick(v, "up|down")) < 0)
            return OPT_ERR(o, "unknown value '%s'; expected up or down", v);
        out->good_down = k;
        return QUIRE_OK;
    case OPT_SPARKLINE:
        if ((k = pick(v, "false|true")) < 0)
            return OPT_ERR(o, "unknown value '%s'; expected true or false", v);
        out->sparkline = k;
        return QUIRE_OK;
    case OPT_STYLE:
        if ((k = pick(v, "arc|needle")) < 0)
            return OPT_ERR(o, "unknown value '%s'; expected arc or needle", v);
        out->needle = k;
        return QUIRE_OK;
    case OPT_RANGES: return parse_ranges(host, o, out, err);
    case OPT_TARGET:
    case OPT_MIN:
    case OPT_MAX: {
        double d;
        if (parse_number(v, strlen(v), &d) != 0)
            return OPT_ERR(o, "'%s' is not a number", v);
        if (id == OPT_TARGET)
            out->has_target = 1, out->target = d;
        else if (id == OPT_MIN)
            out->has_min = 1, out->min = d;
        else
            out->has_max = 1, out->max = d;
        return QUIRE_OK;
    }
    case OPT_COUNT: break;
    }
    return QUIRE_ERR;
}

int kpi_options_parse(const quire_host *host, const char *type, const quire_option *options,
                      size_t noptions, kpi_options *out, quire_error *err)
{
    const quire_option *seen[OPT_COUNT] = {0};
    key_set ks;
    int t = -1;

    memset(out, 0, sizeof(*out));
    out->sparkline = -1;
    for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
        if (type != NULL && strcmp(type, type_names[i]) == 0)
            t = (int)i;
    if (t < 0) {
        host->error_set(err, QUIRE_E_INVALID,
                        "chart provider kpi: unknown chart type '%s'; known: kpi, bullet, gauge",
                        type ? type : "(none)");
        return QUIRE_ERR;
    }
    out->type = (enum kpi_type)t;
    ks = keys_of(out->type);
    for (size_t i = 0; i < noptions; i++) {
        const quire_option *o = &options[i];
        int id = -1;
        for (size_t j = 0; j < ks.n; j++)
            if (strcmp(o->key, opt_names[ks.ids[j]]) == 0)
                id = (int)ks.ids[j];
        if (id < 0) {
            char known[256];
            list_keys(ks, known, sizeof(known));
            host->error_set(err, QUIRE_E_INVALID,
                            "%s:%u:%u: unknown chart option '%s' for a %s chart; known: %s",
                            o->file, (unsigned)o->line, (unsigned)o->column, o->key, type, known);
            return QUIRE_ERR;
        }
        if (seen[id] != NULL)
            return OPT_ERR(o, "given twice (first at %s:%u:%u)", seen[id]->file,
                           (unsigned)seen[id]->line, (unsigned)seen[id]->column);
        seen[id] = o;
        if (parse_one(host, (enum opt_id)id, o, out, err) != QUIRE_OK)
            return QUIRE_ERR;
    }
    if (out->has_min && out->has_max && !(out->max > out->min)) {
        const quire_option *later = seen[OPT_MAX] > seen[OPT_MIN] ? seen[OPT_MAX] : seen[OPT_MIN];
        if (later == seen[OPT_MAX])
            return OPT_ERR(later, "%s is not above min %s", seen[OPT_MAX]->value,
                           seen[OPT_MIN]->value);
        return OPT_ERR(later, "%s is not below max %s", seen[OPT_MIN]->value, seen[OPT_MAX]->value);
    }
    return QUIRE_OK;
}

/* ============================== Lifecycle hooks =========================== */

static int kpi_init(const quire_host *host, quire_plugin *self, const quire_config *config,
                    void **state, quire_error *err)
{
    static const struct {
        const char *name, *description;
    } types[] = {
        {"kpi", "a KPI tile: label, value, change and a sparkline"},
        {"bullet", "a bullet chart: value bar against qualitative bands and a target"},
        {"gauge", "a 240-degree gauge with bands, a value arc or a needle"},
    };
    kpi_state *s;

    if (!QUIRE_HOST_HAS(host, format_number)) {
        host->error_set(err, QUIRE_E_ABI, "chart provider kpi needs host ABI 1.4 (format_number)");
        return QUIRE_ERR;
    }
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (host->register_chart_type(self, types[i].name, types[i].description, err) != QUIRE_OK)
            return QUIRE_ERR;
    s = host->calloc(1, sizeof(*s));
    if (s == NULL) {
        host->error_set(err, QUIRE_E_NOMEM, "chart provider kpi: out of memory");
        return QUIRE_ERR;
    }
    s->host = host;
    /* The schema's enum guarantees a known name; the fallback is for a
     * kernel that reads an unset key as NULL. */
    s->default_palette = kpi_palette_find(host->config_string(config, "default_theme"));
    if (s->default_palette == NULL)
        s->default_palette = kpi_palette_find("default");
    s->font_size = host->config_float(config, "font_size");
    if (!(s->font_size >= 4.0))
        s->font_size = 9.0;
    *state = s;
    return QUIRE_OK;
}

static void kpi_destroy(void *state)
{
    kpi_state *s = state;

    if (s != NULL)
        s->host->free(s);
}

/* ============================== Chart ops ================================= */

static int kpi_check(void *state, const char *type, const quire_option *options, size_t noptions,
                     quire_error *err)
{
    const kpi_state *s = state;
    kpi_options opt;

    return kpi_options_parse(s->host, type, options, noptions, &opt, err);
}

/* The palette: the chart's theme option, else the request's theme (the
 * kernel passes our configured default when the chart names none), else
 * the configured default. */
static const kpi_palette *pick_palette(const kpi_state *s, const kpi_options *opt,
                                       const quire_chart_request *req)
{
    const kpi_palette *p = NULL;

    if (opt->theme != NULL)
        p = kpi_palette_find(opt->theme);
    if (p == NULL && req->theme != NULL)
        p = kpi_palette_find(req->theme);
    return p != NULL ? p : s->default_palette;
}

/* Render worker; everything per call lives on this stack. */
static int kpi_draw(void *state, const quire_chart_request *req, const quire_canvas_api *api,
                    quire_canvas *canvas, quire_error *err)
{
    const kpi_state *s = state;
    const quire_host *host = s->host;
    kpi_options opt;
    kpi_ctx c;
    double value = NAN;
    size_t category = 0;

    if (kpi_options_parse(host, req->type, req->options, req->noptions, &opt, err) != QUIRE_OK)
        return QUIRE_ERR;
    kpi_ctx_init(&c, host, req, api, canvas, &opt, pick_palette(s, &opt, req), s->font_size);
    if (c.series0 == NULL ||
        kpi_aggregate(c.series0, c.ncategories, opt.value_mode, &value, &category) != 0)
        kpi_draw_no_data(&c);
    else if (opt.type == KPI_TILE)
        kpi_draw_tile(&c, value, category);
    else if (opt.type == KPI_BULLET)
        kpi_draw_bullet(&c, value, category);
    else
        kpi_draw_gauge(&c, value, category);
    if (c.failed) {
        host->error_set(
            err, QUIRE_E_NOMEM, "%s chart%s%s%s: the canvas refused an element (out of memory)",
            req->type, req->title ? " '" : "", req->title ? req->title : "", req->title ? "'" : "");
        return QUIRE_ERR;
    }
    return QUIRE_OK;
}

/* ============================== Descriptor ================================ */

static const quire_chart_ops kpi_ops = {
    .size = sizeof(quire_chart_ops),
    .draw = kpi_draw,
    .check = kpi_check,
};

static const quire_plugin_desc kpi_desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_CHART),
    .name = "kpi",
    .version = "0.1.0",
    .license = "MIT",
    .author = "The quire authors",
    .description = "KPI charts: tiles, bullet charts and gauges",
    .config = kpi_config,
    .init = kpi_init,
    .destroy = kpi_destroy,
    .ops = &kpi_ops,
    .ops_size = sizeof(kpi_ops),
};

QUIRE_PLUGIN_DEFINE(kpi_desc)
