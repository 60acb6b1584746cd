/*
 * reserved_set.c - a chart plugin with reserved[3] set.
 * Provokes:
 *   plugin P: reserved[3] is not NULL
 */
#include <quire/quire.h>

#include "stubs.h"

static const quire_plugin_desc desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_CHART),
    STUB_REFUSED_CHART("reserved_set"),
    .reserved = {NULL, NULL, NULL, (void *)&desc},
};

QUIRE_PLUGIN_DEFINE(desc)
