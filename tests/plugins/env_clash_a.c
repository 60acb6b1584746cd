/*
 * env_clash_a.c - source "clash" with key "x_y". Together with
 * env_clash_b.c it makes two keys whose override variable is the same,
 * QUIRE_SOURCE_CLASH_X_Y; the kernel must warn about it.
 */
#include <quire/quire.h>

#include "stubs.h"

/* env_clash_b.c defines these and includes this file. */
#ifndef CLASH_NAME
#define CLASH_NAME "clash"
#endif
#ifndef CLASH_KEY
#define CLASH_KEY "x_y"
#endif

static const quire_config_key keys[] = {
    {.name = CLASH_KEY, .type = QUIRE_CONF_INT, .default_value = "1", .help = "A number."},
    {0},
};

static const quire_plugin_desc desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_SOURCE),
    .name = CLASH_NAME,
    .version = "1.0.0",
    .license = "MIT",
    .description = "test plugin: environment override name clash",
    .config = keys,
    .ops = &stub_source_ops,
    .ops_size = sizeof(stub_source_ops),
};

QUIRE_PLUGIN_DEFINE(desc)
