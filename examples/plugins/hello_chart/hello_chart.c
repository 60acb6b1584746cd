/*
 * hello_chart - an example chart-provider plugin (QUIRE_KIND_CHART).
 *
 * Copy this file to start a chart provider. It shows:
 *   - registering a chart type ("hbar") from init();
 *   - validating a key the kernel cannot check (a colour written as
 *     #rrggbb) in init(), with an error that names the key and the value;
 *   - a draw() that is safe to run concurrently: everything it computes
 *     lives on its stack, the plugin state is only read;
 *   - emitting print-model elements through the canvas API, and measuring
 *     text with canvas_api->text_width so labels fit the way the kernel
 *     will set them;
 *   - refusing an unknown chart option, naming its file:line:column.
 *
 * An "hbar" chart draws series 0 of the dataset as horizontal bars, one
 * QUIRE_EL_RECT per category scaled into the chart's box, each with its
 * category name as a right-aligned QUIRE_EL_TEXT label to its left.
 *
 * Build it out of tree with the Makefile next to this directory.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <quire/chart.h>

/* ============================== Configuration ============================= */

static const quire_config_key hello_chart_config[] = {
    {.name = "bar_color",
     .type = QUIRE_CONF_STRING,
     .default_value = "#4e79a7",
     .help = "Bar fill colour as #rrggbb; a chart's color option overrides it."},
    {.name = "gap",
     .type = QUIRE_CONF_FLOAT,
     .default_value = "0.25",
     .min = "0",
     .max = "0.9",
     .help = "Fraction of each row left empty between bars."},
    {.name = "font",
     .type = QUIRE_CONF_STRING,
     .default_value = "DejaVu Sans",
     .help = "Font family of the category labels, as mapped in the kernel's font config."},
    {.name = "font_size",
     .type = QUIRE_CONF_FLOAT,
     .default_value = "9",
     .min = "4",
     .max = "72",
     .help = "Label size in points."},
    {0},
};

/* ============================== State ===================================== */

/* Read-only after init(): draw() runs on many render workers at once and
 * must keep its per-chart work on its own stack, never in here. */
typedef struct hello_chart {
    const quire_host *host;
    quire_color bar;
    double gap;
    char *font;
    double font_size;
} hello_chart;

/* Parses "#rrggbb"; 1 on success. */
static int parse_color(const char *text, quire_color *out)
{
    unsigned v[3];

    if (text == NULL || strlen(text) != 7 || text[0] != '#')
        return 0;
    for (size_t i = 1; i < 7; i++)
        if (strchr("0123456789abcdefABCDEF", text[i]) == NULL)
            return 0;
    if (sscanf(text + 1, "%2x%2x%2x", &v[0], &v[1], &v[2]) != 3)
        return 0;
    *out = (quire_color){(uint8_t)v[0], (uint8_t)v[1], (uint8_t)v[2], 255};
    return 1;
}

/* ============================== Lifecycle hooks =========================== */

/* init: main thread. Registers the chart type and checks what the schema
 * cannot express. A failed init withdraws the registration for us. */
static int hello_init(const quire_host *host, quire_plugin *self, const quire_config *config,
                      void **state, quire_error *err)
{
    const char *color = host->config_string(config, "bar_color");
    hello_chart *c;
    quire_color bar;

    if (host->register_chart_type(self, "hbar", "horizontal bars of the first series", err) !=
        QUIRE_OK)
        return QUIRE_ERR;
    /* The kernel checked that bar_color is a string; its shape is ours to
     * check. Name the section, the key and the value, and say what fits. */
    if (!parse_color(color, &bar)) {
        host->error_set(err, QUIRE_E_CONFIG,
                        "[chart.hello_chart] bar_color: '%s' is not a colour (write #rrggbb, "
                        "e.g. #4e79a7)",
                        color);
        return QUIRE_ERR;
    }
    c = host->calloc(1, sizeof(*c));
    if (c == NULL || (c->font = host->strdup(host->config_string(config, "font"))) == NULL) {
        host->free(c);
        host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return QUIRE_ERR;
    }
    c->host = host;
    c->bar = bar;
    c->gap = host->config_float(config, "gap");
    c->font_size = host->config_float(config, "font_size");
    *state = c;
    return QUIRE_OK;
}

/* destroy: main thread, last hook. */
static void hello_destroy(void *state)
{
    hello_chart *c = state;

    if (c == NULL)
        return;
    c->host->free(c->font);
    c->host->free(c);
}

/* ============================== Chart ops ================================= */

/* draw: render worker; may run concurrently for different charts. */
static int hello_draw(void *state, const quire_chart_request *req, const quire_canvas_api *draw,
                      quire_canvas *canvas, quire_error *err)
{
    const hello_chart *c = state;
    const quire_host *host = c->host;
    const quire_dataset *data = req->data;
    quire_color bar = c->bar;
    double max = 0.0, label_w = 0.0, row_h, bar_x, bar_w_max;
    double ascent = 0.75; /* DejaVu Sans is about this tall above its baseline */
    uint32_t font = 0;
    const double pad = 4.0;

    /* Chart options come from the report definition. Unknown ones are an
     * error naming where they were written. */
    for (size_t i = 0; i < req->noptions; i++) {
        const quire_option *o = &req->options[i];
        if (strcmp(o->key, "color") == 0 && parse_color(o->value, &bar))
            continue;
        if (strcmp(o->key, "color") == 0)
            host->error_set(err, QUIRE_E_INVALID,
                            "%s:%u:%u: chart option color: '%s' is not a colour (write #rrggbb)",
                            o->file, (unsigned)o->line, (unsigned)o->column, o->value);
        else
            host->error_set(err, QUIRE_E_INVALID,
                            "%s:%u:%u: unknown %s chart option '%s' (hello_chart knows: color)",
                            o->file, (unsigned)o->line, (unsigned)o->column, req->type, o->key);
        return QUIRE_ERR;
    }
    if (data == NULL || data->nseries == 0 || data->ncategories == 0)
        return QUIRE_OK; /* nothing to draw is not an error */

    /* Scale: the largest value of series 0 spans the bar area. NaN marks
     * a missing point; negative values draw as empty bars. */
    for (size_t i = 0; i < data->ncategories; i++) {
        double v = data->values[i]; /* series 0: values[0 * ncategories + i] */
        if (!isnan(v) && v > max)
            max = v;
    }
    /* Measure every label with the kernel's metrics, not a guess, so the
     * label column is exactly as wide as its widest label (at most 40%). */
    for (size_t i = 0; i < data->ncategories; i++) {
        double w = draw->text_width(canvas, c->font, 0, c->font_size, data->categories[i].ptr,
                                    data->categories[i].len);
        if (w > label_w)
            label_w = w;
    }
    if (label_w > req->width * 0.4)
        label_w = req->width * 0.4;
    row_h = req->height / (double)data->ncategories;
    bar_x = req->x + label_w + pad;
    bar_w_max = req->x + req->width - bar_x;
    if (bar_w_max < 0.0)
        bar_w_max = 0.0;

    /* ABI 1.4: ask the canvas which document font a text element names
     * (older kernels: font 0 is the default family's regular face). */
    if (QUIRE_CANVAS_HAS(draw, font))
        font = draw->font(canvas, c->font, 0, &ascent, NULL);

    for (size_t i = 0; i < data->ncategories; i++) {
        double v = data->values[i];
        double top = req->y + row_h * (double)i;
        double w = draw->text_width(canvas, c->font, 0, c->font_size, data->categories[i].ptr,
                                    data->categories[i].len);
        /* Zero-initialise: band, group_level and unused colours read 0. */
        quire_element rect = {0}, label = {0};

        rect.kind = QUIRE_EL_RECT;
        rect.x = bar_x;
        rect.y = top + row_h * c->gap / 2.0;
        rect.width = (!isnan(v) && v > 0.0 && max > 0.0) ? bar_w_max * (v / max) : 0.0;
        rect.height = row_h * (1.0 - c->gap);
        rect.fill = bar; /* stroke alpha 0: no outline */

        /* A text element arrives measured and placed: x is where the first
         * glyph starts (right-aligned here by hand), baseline is absolute. */
        label.kind = QUIRE_EL_TEXT;
        label.x = req->x + label_w - (w < label_w ? w : label_w);
        label.y = top;
        label.width = w;
        label.height = row_h;
        label.fill = (quire_color){0, 0, 0, 255};    /* text colour */
        label.u.text.utf8 = data->categories[i].ptr; /* not NUL-terminated */
        label.u.text.len = data->categories[i].len;
        label.u.text.font = font;
        label.u.text.size = c->font_size;
        label.u.text.baseline = top + row_h / 2.0 + c->font_size * ascent / 2.0;
        label.u.text.align = QUIRE_ALIGN_RIGHT;

        if (draw->element(canvas, &rect) != QUIRE_OK || draw->element(canvas, &label) != QUIRE_OK) {
            host->error_set(err, QUIRE_E_NOMEM,
                            "hbar chart%s%s: out of memory drawing category %zu",
                            req->title ? " " : "", req->title ? req->title : "", i + 1);
            return QUIRE_ERR;
        }
    }
    return QUIRE_OK;
}

/* ============================== Descriptor ================================ */

static const quire_chart_ops hello_chart_ops = {
    .size = sizeof(quire_chart_ops),
    .draw = hello_draw,
};

static const quire_plugin_desc hello_chart_desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_CHART),
    .name = "hello_chart",
    .version = "0.1.0",
    .license = "MIT",
    .author = "The quire authors",
    .description = "Example chart provider: horizontal bars (hbar)",
    .config = hello_chart_config,
    .init = hello_init,
    .destroy = hello_destroy,
    .ops = &hello_chart_ops,
    .ops_size = sizeof(hello_chart_ops),
};

QUIRE_PLUGIN_DEFINE(hello_chart_desc)
