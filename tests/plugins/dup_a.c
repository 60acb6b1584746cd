/*
 * dup_a.c - a valid chart plugin named "dup". dup_a.so and dup_b.so declare
 * the same kind and name; whichever loads second provokes:
 *   plugin P_second: duplicate chart name 'dup', already loaded from P_first
 * Its version (1.0.0) tells the two apart in `quire plugins info dup`.
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
    .name = "dup",
    .version = "1.0.0",
    .license = "MIT",
    .description = "One of two charts called dup",
    .ops = &ops,
    .ops_size = sizeof(ops),
};

QUIRE_PLUGIN_DEFINE(desc)
