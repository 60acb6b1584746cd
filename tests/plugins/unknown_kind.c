/*
 * unknown_kind.c - a descriptor of kind 9, which no ABI defines.
 * Provokes:
 *   plugin P: unknown kind 9 (known: 1 source, 2 renderer, 3 chart, 4 transport)
 */
#include <quire/quire.h>

#include "stubs.h"

static const quire_plugin_desc desc = {
    STUB_DESC_HEADER(QUIRE_PLUGIN_MAGIC, QUIRE_ABI_MAJOR, QUIRE_ABI_MINOR, 9),
    STUB_REFUSED_CHART("unknown_kind"),
};

QUIRE_PLUGIN_DEFINE(desc)
