/*
 * null_op.c - a source plugin whose ops table is full size but leaves the
 * required op 'next' NULL (open, schema and close are set; the optional
 * 'estimate' is NULL too, which is allowed). Provokes:
 *   plugin P: source op 'next' is NULL
 */
#include <quire/quire.h>

#include "stubs.h"

static const quire_source_ops ops = {
    .size = sizeof(quire_source_ops),
    .open = stub_source_open,
    .schema = stub_source_schema,
    .estimate = NULL,
    .next = NULL,
    .close = stub_source_close,
};

static const quire_plugin_desc desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_SOURCE),
    .name = "null_op",
    .version = "1.0.0",
    .description = "Forgot to fill in next",
    .ops = &ops,
    .ops_size = sizeof(ops),
};

QUIRE_PLUGIN_DEFINE(desc)
