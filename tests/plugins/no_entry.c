/*
 * no_entry.c - a shared object that exports no quire_plugin_v1: its entry
 * function is misspelt quire_plugin_v0 (exported), so dlsym() finds nothing.
 * Provokes:
 *   plugin P: no entry symbol 'quire_plugin_v1' (define it with QUIRE_PLUGIN_DEFINE)
 * Also used, unlisted, to prove that disabled plugins are never opened.
 */
#include <quire/quire.h>

#include "stubs.h"

static const quire_plugin_desc desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_CHART),
    .name = "no_entry",
    .version = "1.0.0",
    .ops = &stub_chart_ops,
    .ops_size = sizeof(stub_chart_ops),
};

QUIRE_EXPORT const quire_plugin_desc *quire_plugin_v0(void);
QUIRE_EXPORT const quire_plugin_desc *quire_plugin_v0(void) { return &desc; }
