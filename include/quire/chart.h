/*
 * quire/chart.h - the chart-provider plugin kind (QUIRE_KIND_CHART).
 *
 * A chart provider draws a dataset the kernel aggregated into print-model
 * primitives through a canvas. It declares the chart types it draws with
 * quire_host.register_chart_type() from init(); a report picks the provider
 * per chart, the config names the default.
 *
 * Threading: draw() may run concurrently for different charts on different
 * render workers; it must not keep per-call state in the plugin state.
 */
#ifndef QUIRE_CHART_H
#define QUIRE_CHART_H

#include "plugin.h"
#include "print.h"
#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An aggregated dataset: categories x series, values row-major by series
 * (values[s * ncategories + c]); NaN marks a missing point. */
typedef struct quire_dataset {
    uint32_t size;
    size_t ncategories;
    const quire_str *categories;
    size_t nseries;
    const quire_str *series;
    const double *values;
} quire_dataset;

typedef struct quire_canvas quire_canvas; /* the kernel's drawing target */

/* Drawing functions for a canvas, handed to draw(). Coordinates are page
 * points. element() copies the element and every byte it points to (text,
 * image data, path arrays), so they may live on the provider's stack; the
 * kernel sets band and group_level from the chart's place in the report.
 * Each returns QUIRE_OK or QUIRE_ERR (out of memory). */
typedef struct quire_canvas_api {
    uint32_t size;
    int (*element)(quire_canvas *canvas, const quire_element *element);
    /* Width in points of `utf8` in the given font, as the kernel will set it. */
    double (*text_width)(quire_canvas *canvas, const char *font, uint32_t style, double size,
                         const char *utf8, size_t len);
} quire_canvas_api;

typedef struct quire_chart_request {
    uint32_t size;
    const char *type;           /* a registered chart type: "bar" */
    const char *title;          /* may be NULL */
    const char *theme;          /* "default", "corporate", ... */
    const char *locale;         /* BCP 47 */
    double x, y, width, height; /* the chart's box on the page */
    const quire_dataset *data;
    const quire_option *options; /* chart options from the definition */
    size_t noptions;
} quire_chart_request;

typedef struct quire_chart_ops {
    uint32_t size; /* sizeof(quire_chart_ops) when built */
    /* Draw `req` onto `canvas` using `draw`. An unknown option is an error
     * naming it. */
    int (*draw)(void *state, const quire_chart_request *req, const quire_canvas_api *draw,
                quire_canvas *canvas, quire_error *err);
} quire_chart_ops;

#define QUIRE_CHART_OPS_MIN_SIZE (offsetof(quire_chart_ops, draw) + sizeof(void (*)(void)))

#ifdef __cplusplus
}
#endif

#endif /* QUIRE_CHART_H */
