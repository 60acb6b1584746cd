/*
 * bad_schema.c - a chart plugin whose config schema is invalid in three
 * independent ways; the kernel must refuse it at load and report all three:
 *   plugin P: config schema key 'level': default 500 is above the maximum 100
 *   plugin P: config schema key 'mode': enum without choices
 *   plugin P: config schema key 'token': is required and has a default
 * (the key 'fine' in between is valid).
 */
#include <quire/quire.h>

#include "stubs.h"

static const quire_config_key keys[] = {
    {.name = "level", .type = QUIRE_CONF_INT, .default_value = "500", .min = "0", .max = "100",
     .help = "Default out of range."},
    {.name = "fine", .type = QUIRE_CONF_BOOL, .default_value = "no", .help = "Valid."},
    {.name = "mode", .type = QUIRE_CONF_ENUM, .default_value = "fast", .help = "No choices."},
    {.name = "token", .type = QUIRE_CONF_STRING, .flags = QUIRE_CONF_REQUIRED,
     .default_value = "x", .help = "Required with a default."},
    {0},
};

static const quire_plugin_desc desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_CHART),
    .name = "bad_schema",
    .version = "1.0.0",
    .description = "Declares an invalid config schema",
    .config = keys,
    .ops = &stub_chart_ops,
    .ops_size = sizeof(stub_chart_ops),
};

QUIRE_PLUGIN_DEFINE(desc)
