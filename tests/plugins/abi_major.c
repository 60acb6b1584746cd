/*
 * abi_major.c - a chart plugin built for ABI major 2.
 * Provokes:
 *   plugin P: ABI major 2, kernel supports 1
 */
#include <quire/quire.h>

#include "stubs.h"

static const quire_plugin_desc desc = {
    STUB_DESC_HEADER(QUIRE_PLUGIN_MAGIC, 2, 0, QUIRE_KIND_CHART),
    STUB_REFUSED_CHART("abi_major"),
};

QUIRE_PLUGIN_DEFINE(desc)
