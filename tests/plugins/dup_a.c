/*
 * dup_a.c - a valid chart plugin named "dup". dup_a.so and dup_b.so declare
 * the same kind and name; whichever loads second provokes:
 *   plugin P_second: duplicate chart name 'dup', already loaded from P_first
 * Its version (1.0.0) tells the two apart in `quire plugins info dup`.
 */
#include <quire/quire.h>

#include "stubs.h"

/* dup_b.c defines this and includes this file. */
#ifndef DUP_VERSION
#define DUP_VERSION "1.0.0"
#endif

static const quire_plugin_desc desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_CHART),
    .name = "dup",
    .version = DUP_VERSION,
    .license = "MIT",
    .description = "One of two charts called dup",
    .ops = &stub_chart_ops,
    .ops_size = sizeof(stub_chart_ops),
};

QUIRE_PLUGIN_DEFINE(desc)
