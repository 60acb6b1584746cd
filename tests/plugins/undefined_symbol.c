/*
 * undefined_symbol.c - a chart plugin that calls a function nothing defines.
 * It links (test plugins are built without --no-undefined) but the kernel's
 * dlopen(RTLD_NOW) fails. Provokes:
 *   plugin P: cannot load: P: undefined symbol: quire_test_no_such_function
 */
#include <quire/quire.h>

#include "stubs.h"

/* Default visibility so the reference stays a dynamic, unresolved symbol. */
extern QUIRE_EXPORT int quire_test_no_such_function(void);

static int us_init(const quire_host *host, quire_plugin *self, const quire_config *config,
                   void **state, quire_error *err)
{
    (void)host;
    (void)self;
    (void)config;
    (void)err;
    *state = NULL;
    return quire_test_no_such_function();
}

static const quire_plugin_desc desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_CHART),
    .name = "undefined_symbol",
    .version = "1.0.0",
    .description = "Needs a symbol nobody provides",
    .init = us_init,
    .ops = &stub_chart_ops,
    .ops_size = sizeof(stub_chart_ops),
};

QUIRE_PLUGIN_DEFINE(desc)
