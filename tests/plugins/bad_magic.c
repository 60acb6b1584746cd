/*
 * bad_magic.c - a chart descriptor whose magic is 0xdeadbeef
 * instead of QUIRE_PLUGIN_MAGIC ("QUIR"). Provokes:
 *   plugin P: bad magic 0xdeadbeef, expected 0x52495551 (not a quire plugin descriptor)
 */
#include <quire/quire.h>

#include "stubs.h"

static const quire_plugin_desc desc = {
    STUB_DESC_HEADER(0xdeadbeefu, QUIRE_ABI_MAJOR, QUIRE_ABI_MINOR, QUIRE_KIND_CHART),
    STUB_REFUSED_CHART("bad_magic"),
};

QUIRE_PLUGIN_DEFINE(desc)
