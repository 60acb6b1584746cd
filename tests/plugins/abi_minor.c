/*
 * abi_minor.c - a chart plugin built for a minor newer than the
 * kernel's (QUIRE_ABI_MINOR + 1). Provokes (with today's ABI 1.0):
 *   plugin P: ABI 1.1 is newer than the kernel's 1.0
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
    .abi_major = QUIRE_ABI_MAJOR,
    .abi_minor = QUIRE_ABI_MINOR + 1,
    .size = sizeof(quire_plugin_desc),
    .kind = QUIRE_KIND_CHART,
    .config_key_size = sizeof(quire_config_key),
    .name = "abi_minor",
    .version = "1.0.0",
    .license = "MIT",
    .description = "Broken on purpose",
    .ops = &ops,
    .ops_size = sizeof(ops),
};

QUIRE_PLUGIN_DEFINE(desc)
