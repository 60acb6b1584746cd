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

/* Time buckets of a dataset's categories (quire_dataset.bucket, 1.4). */
#define QUIRE_BUCKET_NONE    0
#define QUIRE_BUCKET_HOUR    1
#define QUIRE_BUCKET_DAY     2
#define QUIRE_BUCKET_WEEK    3 /* ISO weeks, starting Monday */
#define QUIRE_BUCKET_MONTH   4
#define QUIRE_BUCKET_QUARTER 5
#define QUIRE_BUCKET_YEAR    6

/* An aggregated dataset: categories x series, values row-major by series
 * (values[s * ncategories + c]); NaN marks a missing point (a gap the
 * kernel filled, or no row for that series and category).
 *
 * With one value (`values = [sum(amount)]`) the series are the distinct
 * values of the dataset's `series` expression (one series named after the
 * value when it has none). With several, every series value has one
 * series per value, named "SERIES · LABEL" ("LABEL" without a series
 * expression). Categories come in the dataset's order (sort, top N; the
 * "other" category last when there is one). Everything is valid during
 * the draw() call; a renderer's chart info (CHART elements) during its
 * page() or slot() call. */
typedef struct quire_dataset {
    uint32_t size; /* sizeof(quire_dataset) as the kernel knows it */
    size_t ncategories;
    const quire_str *categories; /* as labels print them: "Mar 2024", "North" */
    size_t nseries;
    const quire_str *series;
    const double *values;
    /* 1.4 */
    const char *name;          /* the dataset's name in the definition */
    uint32_t category_type;    /* QUIRE_TYPE_* of the category expression */
    uint32_t bucket;           /* QUIRE_BUCKET_* when categories are time buckets */
    /* Numeric categories (INT, DECIMAL, FLOAT; scatter's x): the number;
     * DATE: days since 1970-01-01; TIMESTAMP: seconds since the epoch
     * (UTC). NaN for the "other" category and NULL keys; the whole array is
     * NULL for STRING and BOOL categories. */
    const double *category_values;
    /* Per value (same index as `values`): its text as the report's locale
     * prints it ("1,204.50"); len 0 for a missing point. */
    const quire_str *value_text;
    uint32_t has_other; /* 1: the last category is the top N's "other" */
} quire_dataset;

typedef struct quire_canvas quire_canvas; /* the kernel's drawing target */

/* Drawing functions for a canvas, handed to draw(). Coordinates are page
 * points. element() copies the element and every byte it points to (text,
 * image data, path arrays), so they may live on the provider's stack; the
 * kernel sets band and group_level from the chart's place in the report,
 * and checks what it copies: a text element must name a font of font()
 * and hold valid UTF-8, a path's verbs must match its points, CHART and
 * MARK elements are the kernel's own (element() refuses CHART and
 * CHART_END; MARK and MARK_END must alternate). Each returns QUIRE_OK, or
 * QUIRE_ERR: out of memory, or an element it refuses (a provider bug, named
 * in the render's error). */
typedef struct quire_canvas_api {
    uint32_t size; /* sizeof(quire_canvas_api) as the kernel knows it */
    int (*element)(quire_canvas *canvas, const quire_element *element);
    /* Width in points of `utf8` in the given font family (NULL: the
     * report's default) and QUIRE_FONT_* style, as the kernel will set it. */
    double (*text_width)(quire_canvas *canvas, const char *font, uint32_t style, double size,
                         const char *utf8, size_t len);
    /* 1.4: the index a text element's u.text.font takes for `family` (NULL:
     * the report's default family) in `style`: the exact face, else the
     * family's regular one, else the default family's. Also gives the
     * face's ascent and descent in units of the font size (either pointer
     * may be NULL), to place baselines. */
    uint32_t (*font)(quire_canvas *canvas, const char *family, uint32_t style, double *ascent,
                     double *descent);
} quire_canvas_api;

/* Whether the canvas api has member `fn` (appended in a later minor). */
#define QUIRE_CANVAS_HAS(api, fn)                                             \
    ((api)->size >= offsetof(quire_canvas_api, fn) + sizeof((api)->fn) && (api)->fn != NULL)

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
    /* 1.4 */
    const char *name;            /* the chart element's name, or NULL */
    const char *font;            /* the report's default font family */
    uint32_t rtl;                /* 1: right-to-left document (mirror axes and legends) */
} quire_chart_request;

/* 1.4: a chart as renderers see it (u.chart.info of a QUIRE_EL_CHART
 * element): what the HTML renderer needs for an accessible name, a data
 * table and tooltips. */
typedef struct quire_chart_info {
    uint32_t size;             /* sizeof(quire_chart_info) as the kernel knows it */
    const char *provider;      /* the provider plugin's name: "standard" */
    const char *type;          /* "bar" */
    const char *title;         /* the chart's title, or NULL */
    const char *label;         /* accessible name: the title, else "bar chart of by_region" */
    const quire_dataset *data; /* the dataset it drew */
} quire_chart_info;

typedef struct quire_chart_ops {
    uint32_t size; /* sizeof(quire_chart_ops) when built */
    /* Draw `req` onto `canvas` using `draw`. An unknown option is an error
     * naming it. */
    int (*draw)(void *state, const quire_chart_request *req, const quire_canvas_api *draw,
                quire_canvas *canvas, quire_error *err);
    /* 1.4, optional: checks a chart's type and options before any row is
     * read (`quire check`, and every render before its output is opened).
     * Refuse an unknown option or a bad value with an error that names the
     * option's file:line:column (quire_option) and what would be accepted.
     * Main thread. NULL: draw() reports them. */
    int (*check)(void *state, const char *type, const quire_option *options, size_t noptions,
                 quire_error *err);
} quire_chart_ops;

#define QUIRE_CHART_OPS_MIN_SIZE (offsetof(quire_chart_ops, draw) + sizeof(void (*)(void)))

#ifdef __cplusplus
}
#endif

#endif /* QUIRE_CHART_H */
