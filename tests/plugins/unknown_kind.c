/*
 * unknown_kind.c - a descriptor of kind 9, which no ABI defines.
 * Provokes:
 *   plugin P: unknown kind 9 (known: 1 source, 2 renderer, 3 chart, 4 transport)
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
    .abi_minor = QUIRE_ABI_MINOR,
    .size = sizeof(quire_plugin_desc),
    .kind = 9,
    .config_key_size = sizeof(quire_config_key),
    .name = "unknown_kind",
    .version = "1.0.0",
    .license = "MIT",
    .description = "Broken on purpose",
    .ops = &ops,
    .ops_size = sizeof(ops),
};

QUIRE_PLUGIN_DEFINE(desc)
