/*
 * bad_name.c - a chart plugin named "Bad Name" (upper case,
 * blank). Provokes:
 *   plugin P: name 'Bad Name' is invalid (use [a-z][a-z0-9_]*, at most 32 bytes)
 */
#include <quire/quire.h>

#include "stubs.h"

static const quire_plugin_desc desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_CHART),
    STUB_REFUSED_CHART("Bad Name"),
};

QUIRE_PLUGIN_DEFINE(desc)
