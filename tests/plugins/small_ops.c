/*
 * small_ops.c - a source plugin declaring ops_size 8 (only the size field
 * and padding), less than QUIRE_SOURCE_OPS_MIN_SIZE (48 on LP64).
 * Provokes:
 *   plugin P: source ops table size 8, at least 48 required
 */
#include <quire/quire.h>

#include "stubs.h"

static const quire_source_ops ops = {
    .size = 8,
    .open = stub_source_open,
    .schema = stub_source_schema,
    .next = stub_source_next,
    .close = stub_source_close,
};

static const quire_plugin_desc desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_SOURCE),
    .name = "small_ops",
    .version = "1.0.0",
    .description = "Declares a truncated ops table",
    .ops = &ops,
    .ops_size = 8,
};

QUIRE_PLUGIN_DEFINE(desc)
