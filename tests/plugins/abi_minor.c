/*
 * abi_minor.c - a chart plugin built for a minor newer than the
 * kernel's (QUIRE_ABI_MINOR + 1). Provokes (with today's ABI 1.2):
 *   plugin P: ABI 1.3 is newer than the kernel's 1.2
 */
#include <quire/quire.h>

#include "stubs.h"

static const quire_plugin_desc desc = {
    STUB_DESC_HEADER(QUIRE_PLUGIN_MAGIC, QUIRE_ABI_MAJOR, QUIRE_ABI_MINOR + 1, QUIRE_KIND_CHART),
    STUB_REFUSED_CHART("abi_minor"),
};

QUIRE_PLUGIN_DEFINE(desc)
