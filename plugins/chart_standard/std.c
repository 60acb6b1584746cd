/*
 * std.c - the `standard` chart provider: descriptor, configuration schema,
 * init (registers bar, line, area, pie, donut, scatter and sparkline),
 * check (options at plan time), and draw: the frame every chart shares
 * (background, title, "No data") before the type's own drawing.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "std.h"

/* ============================== Configuration ============================= */

static const quire_config_key std_config[] = {
    {.name = "default_theme",
     .type = QUIRE_CONF_ENUM,
     .default_value = "default",
     .choices = "default|corporate|minimal|vibrant",
     .help = "Theme of charts that do not set one."},
    {.name = "font_size",
     .type = QUIRE_CONF_FLOAT,
     .default_value = "8",
     .min = "4",
     .max = "24",
     .help = "Size in points of axis, legend and data labels; titles are larger."},
    {0},
};

static const char *const type_help[STD_NTYPES] = {
    "bars per category: vertical or horizontal, grouped, stacked or percent",
    "one line per series; a time axis for date categories",
    "filled areas per series, stacked by default",
    "slices of one series, clockwise from 12 o'clock, with percentages",
    "a pie with a hole showing the total",
    "points at numeric or date x, optional least-squares trend lines",
    "one series as a small line without axes",
};

/* ============================== Lifecycle ================================= */

static int std_init(const quire_host *host, quire_plugin *self, const quire_config *config,
                    void **state, quire_error *err)
{
    std_plugin *p;
    const char *theme = host->config_string(config, "default_theme");

    if (!QUIRE_HOST_HAS(host, format_time)) {
        host->error_set(err, QUIRE_E_ABI,
                        "the standard chart provider needs a kernel with ABI 1.4 (number and "
                        "time formatting); this kernel has %u.%u",
                        (unsigned)host->abi_major, (unsigned)host->abi_minor);
        return QUIRE_ERR;
    }
    for (int t = 0; t < STD_NTYPES; t++)
        if (host->register_chart_type(self, std_type_name(t), type_help[t], err) != QUIRE_OK)
            return QUIRE_ERR;
    p = host->calloc(1, sizeof(*p));
    if (p == NULL) {
        host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return QUIRE_ERR;
    }
    p->host = host;
    snprintf(p->default_theme, sizeof(p->default_theme), "%s",
             std_theme_find(theme) ? theme : "default");
    p->font_size = host->config_float(config, "font_size");
    if (!(p->font_size >= 4 && p->font_size <= 24))
        p->font_size = 8;
    *state = p;
    return QUIRE_OK;
}

static void std_destroy(void *state)
{
    std_plugin *p = state;

    if (p != NULL)
        p->host->free(p);
}

/* ============================== check ===================================== */

static int std_check(void *state, const char *type, const quire_option *options, size_t n,
                     quire_error *err)
{
    const std_plugin *p = state;
    int t = std_type_find(type);
    std_opts o;

    if (t < 0) {
        p->host->error_set(err, QUIRE_E_INVALID,
                           "unknown chart type '%s'; the standard provider draws bar, line, area, "
                           "pie, donut, scatter and sparkline",
                           type ? type : "");
        return QUIRE_ERR;
    }
    return std_opts_parse(p->host, t, options, n, &o, err);
}

/* ============================== Shared pieces ============================= */

int std_all_missing(const quire_dataset *d)
{
    size_t n = d->ncategories * d->nseries;

    if (d->values == NULL)
        return 1;
    for (size_t i = 0; i < n; i++)
        if (!isnan(d->values[i]))
            return 0;
    return 1;
}

int std_no_data(std_ctx *c)
{
    double lh = std_line_height(c, c->fs * 1.2);
    static const char text[] = "No data";

    return std_text(c, c->area.x, c->area.y + (c->area.h - lh) / 2, c->area.w, text,
                    sizeof(text) - 1, c->fs * 1.2, 0, QUIRE_ALIGN_CENTER, c->theme->muted, 0);
}

#define MAX_LEGEND 64

int std_series_legend(std_ctx *c, const std_legend_item *extra, size_t nextra)
{
    std_legend_item items[MAX_LEGEND];
    const quire_dataset *d = c->data;
    int where = c->opts.legend;
    size_t n = 0;
    int thin = c->type == STD_LINE || c->type == STD_SCATTER;

    if (where == STD_LEGEND_AUTO)
        where = d->nseries + nextra > 1 ? STD_LEGEND_BOTTOM : STD_LEGEND_NONE;
    if (where == STD_LEGEND_NONE)
        return QUIRE_OK;
    for (size_t s = 0; s < d->nseries && n < MAX_LEGEND; s++)
        items[n++] = (std_legend_item){
            d->series[s].ptr, d->series[s].len, std_series_color(c, s, thin), s, 0, 0, 0};
    for (size_t i = 0; i < nextra && n < MAX_LEGEND; i++)
        items[n++] = extra[i];
    return std_legend_draw(c, items, n, where);
}

/* ============================== draw ====================================== */

/* Everything a draw needs, from the request and the plugin's defaults. */
static int ctx_init(std_ctx *c, const std_plugin *p, const quire_chart_request *req,
                    const quire_canvas_api *api, quire_canvas *canvas, quire_error *err)
{
    const char *theme;

    memset(c, 0, sizeof(*c));
    c->host = p->host;
    c->req = req;
    c->data = req->data;
    c->api = api;
    c->canvas = canvas;
    c->err = err;
    c->type = std_type_find(req->type);
    if (c->type < 0) {
        p->host->error_set(err, QUIRE_E_INVALID,
                           "unknown chart type '%s'; the standard provider draws bar, line, area, "
                           "pie, donut, scatter and sparkline",
                           req->type ? req->type : "");
        return QUIRE_ERR;
    }
    if (std_opts_parse(p->host, c->type, req->options, req->noptions, &c->opts, err) != QUIRE_OK)
        return QUIRE_ERR;
    theme = c->opts.theme ? c->opts.theme : req->theme;
    c->theme = std_theme_find(theme);
    if (c->theme == NULL)
        c->theme = std_theme_find(p->default_theme);
    c->family = req->font;
    c->fs = p->font_size;
    c->ascent = 0.8;
    c->descent = 0.2;
    if (QUIRE_CANVAS_HAS(api, font)) {
        c->font_regular = api->font(canvas, c->family, 0, &c->ascent, &c->descent);
        c->font_bold = api->font(canvas, c->family, QUIRE_FONT_BOLD, NULL, NULL);
    }
    c->box = (std_rectf){req->x, req->y, req->width, req->height};
    c->area = (std_rectf){req->x + 2, req->y + 2, req->width - 4, req->height - 4};
    if (c->area.w < 0)
        c->area.w = 0;
    if (c->area.h < 0)
        c->area.h = 0;
    return QUIRE_OK;
}

static int draw_title(std_ctx *c)
{
    const char *t = c->req->title;
    double size = c->fs * c->theme->title_scale, lh = std_line_height(c, size);

    if (t == NULL || t[0] == '\0' || c->type == STD_SPARKLINE)
        return QUIRE_OK;
    if (std_text(c, c->area.x, c->area.y, c->area.w, t, strlen(t), size, c->theme->title_bold,
                 QUIRE_ALIGN_CENTER, c->theme->text, 0) != QUIRE_OK)
        return QUIRE_ERR;
    c->area.y += lh + c->fs * 0.6;
    c->area.h -= lh + c->fs * 0.6;
    if (c->area.h < 0)
        c->area.h = 0;
    return QUIRE_OK;
}

/* Refuses datasets the type cannot draw, with the chart named. */
static int data_fits(std_ctx *c)
{
    const quire_dataset *d = c->data;
    const char *title = c->req->title;

    if ((c->type == STD_PIE || c->type == STD_DONUT) && d->nseries > 1) {
        c->host->error_set(c->err, QUIRE_E_INVALID,
                           "%s chart%s%s%s: draws one series, the dataset has %zu; use a bar "
                           "chart, or a dataset with one value and no series",
                           std_type_name(c->type), title ? " '" : "", title ? title : "",
                           title ? "'" : "", d->nseries);
        return QUIRE_ERR;
    }
    if (c->type == STD_SCATTER && d->ncategories > 0 &&
        (d->category_values == NULL || d->category_type == QUIRE_TYPE_STRING ||
         d->category_type == QUIRE_TYPE_BOOL)) {
        c->host->error_set(c->err, QUIRE_E_INVALID,
                           "scatter needs a numeric or date category, got %s categories",
                           d->category_type == QUIRE_TYPE_BOOL ? "boolean" : "string");
        return QUIRE_ERR;
    }
    return QUIRE_OK;
}

static int std_draw(void *state, const quire_chart_request *req, const quire_canvas_api *api,
                    quire_canvas *canvas, quire_error *err)
{
    const std_plugin *p = state;
    std_ctx c;

    if (ctx_init(&c, p, req, api, canvas, err) != QUIRE_OK)
        return QUIRE_ERR;
    if (c.data == NULL || data_fits(&c) != QUIRE_OK)
        return c.data == NULL ? QUIRE_OK : QUIRE_ERR;
    if (c.theme->background.a)
        std_rect(&c, c.box.x, c.box.y, c.box.w, c.box.h, c.theme->background, (quire_color){0}, 0);
    if (draw_title(&c) != QUIRE_OK)
        return QUIRE_ERR;
    if (c.data->ncategories == 0 || c.data->nseries == 0 || std_all_missing(c.data))
        return std_no_data(&c);
    switch (c.type) {
    case STD_BAR: return std_draw_bar(&c);
    case STD_LINE:
    case STD_AREA: return std_draw_line(&c);
    case STD_PIE:
    case STD_DONUT: return std_draw_pie(&c);
    case STD_SCATTER: return std_draw_scatter(&c);
    default: return std_draw_sparkline(&c);
    }
}

/* ============================== Descriptor ================================ */

static const quire_chart_ops std_ops = {
    .size = sizeof(quire_chart_ops),
    .draw = std_draw,
    .check = std_check,
};

static const quire_plugin_desc std_desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_CHART),
    .name = "standard",
    .version = "1.0.0",
    .license = "MIT",
    .author = "The quire authors",
    .description = "Standard charts: bar, line, area, pie, donut, scatter, sparkline",
    .config = std_config,
    .init = std_init,
    .destroy = std_destroy,
    .ops = &std_ops,
    .ops_size = sizeof(std_ops),
};

QUIRE_PLUGIN_DEFINE(std_desc)
