/*
 * good_chart.c - a complete, valid chart provider: kind chart, name "good".
 * Provokes no error. init() registers the chart types "bar" and "pie" and
 * logs its config. It has no destroy hook and no state (NULL is allowed).
 *
 * Schema: enum, int with both bounds, duration with bounds, size, float.
 */
#include <quire/quire.h>

#include "stubs.h"

static const quire_config_key keys[] = {
    {.name = "theme", .type = QUIRE_CONF_ENUM, .default_value = "light",
     .choices = "light|dark|print", .help = "Colour theme."},
    {.name = "max_series", .type = QUIRE_CONF_INT, .default_value = "8", .min = "1", .max = "64",
     .help = "Series drawn before the rest are merged into 'other'."},
    {.name = "animation", .type = QUIRE_CONF_DURATION, .default_value = "250ms", .min = "0ms",
     .max = "5s", .help = "Animation length in interactive outputs."},
    {.name = "cache", .type = QUIRE_CONF_SIZE, .default_value = "1mb", .help = "Glyph cache."},
    {.name = "line_width", .type = QUIRE_CONF_FLOAT, .default_value = "1.5", .min = "0.1",
     .max = "10", .help = "Default stroke width in points."},
    {0},
};

static int good_init(const quire_host *host, quire_plugin *self, const quire_config *config,
                     void **state, quire_error *err)
{
    if (host->register_chart_type(self, "bar", "Vertical bars", err) != QUIRE_OK)
        return QUIRE_ERR;
    if (host->register_chart_type(self, "pie", "", err) != QUIRE_OK)
        return QUIRE_ERR;
    host->log(self, QUIRE_LOG_INFO, "theme=%s max_series=%lld animation_ms=%lld cache=%lld line_width=%g",
              host->config_string(config, "theme"),
              (long long)host->config_int(config, "max_series"),
              (long long)host->config_int(config, "animation"),
              (long long)host->config_int(config, "cache"),
              host->config_float(config, "line_width"));
    *state = NULL;
    return QUIRE_OK;
}

static const quire_plugin_desc desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_CHART),
    .name = "good",
    .version = "0.9.0",
    .license = "MIT",
    .description = "Test chart provider drawing bar and pie",
    .config = keys,
    .init = good_init,
    .ops = &stub_chart_ops,
    .ops_size = sizeof(stub_chart_ops),
};

QUIRE_PLUGIN_DEFINE(desc)
