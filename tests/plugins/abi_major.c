/*
 * abi_major.c - a chart plugin built for ABI major 2.
 * Provokes:
 *   plugin P: ABI major 2, kernel supports 1
 */
#include <quire/quire.h>

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
    .magic = QUIRE_PLUGIN_MAGIC,
    .abi_major = 2,
    .abi_minor = 0,
    .size = sizeof(quire_plugin_desc),
    .kind = QUIRE_KIND_CHART,
    .config_key_size = sizeof(quire_config_key),
    .name = "abi_major",
    .version = "1.0.0",
    .license = "MIT",
    .description = "Broken on purpose",
    .ops = &ops,
    .ops_size = sizeof(ops),
};

QUIRE_PLUGIN_DEFINE(desc)
