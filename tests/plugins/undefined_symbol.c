/*
 * undefined_symbol.c - a chart plugin that calls a function nothing defines.
 * It links (test plugins are built without --no-undefined) but the kernel's
 * dlopen(RTLD_NOW) fails. Provokes:
 *   plugin P: cannot load: P: undefined symbol: quire_test_no_such_function
 */
#include <quire/quire.h>

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

static int c_draw(void *state, const quire_chart_request *req, const quire_canvas_api *draw,
                  quire_canvas *canvas, quire_error *err)
{
    (void)state;
    (void)req;
    (void)draw;
    (void)canvas;
    (void)err;
    return QUIRE_OK;
}

static const quire_chart_ops ops = {.size = sizeof(quire_chart_ops), .draw = c_draw};

static const quire_plugin_desc desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_CHART),
    .name = "undefined_symbol",
    .version = "1.0.0",
    .description = "Needs a symbol nobody provides",
    .init = us_init,
    .ops = &ops,
    .ops_size = sizeof(ops),
};

QUIRE_PLUGIN_DEFINE(desc)
