/*
 * no_ops.c - a source plugin whose descriptor has no ops table (ops NULL).
 * Provokes:
 *   plugin P: no source ops table
 */
#include <quire/quire.h>

static const quire_plugin_desc desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_SOURCE),
    .name = "no_ops",
    .version = "1.0.0",
    .description = "A source that cannot do anything",
    .ops = NULL,
    .ops_size = sizeof(quire_source_ops),
};

QUIRE_PLUGIN_DEFINE(desc)
