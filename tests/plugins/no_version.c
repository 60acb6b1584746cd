/*
 * no_version.c - a chart plugin whose descriptor has no version (NULL).
 * Provokes:
 *   plugin P: missing version
 */
#include <quire/quire.h>

#include "stubs.h"

static const quire_plugin_desc desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_CHART),
    .name = "no_version",
    .license = "MIT",
    .description = "Forgot its version",
    .ops = &stub_chart_ops,
    .ops_size = sizeof(stub_chart_ops),
};

QUIRE_PLUGIN_DEFINE(desc)
