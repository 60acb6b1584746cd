/*
 * no_version.c - a chart plugin whose descriptor has no version (NULL).
 * Provokes:
 *   plugin P: missing version
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
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_CHART),
    .name = "no_version",
    .license = "MIT",
    .description = "Forgot its version",
    .ops = &ops,
    .ops_size = sizeof(ops),
};

QUIRE_PLUGIN_DEFINE(desc)
