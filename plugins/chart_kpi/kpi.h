/*
 * kpi.h - internal interfaces of the kpi chart provider (chart_kpi.so,
 * provider name "kpi"), shared by its files:
 *
 *   kpi.c         the plugin: descriptor, config schema, chart options and
 *                 check(), draw() dispatching to one of the three types
 *   kpi_draw.c    what the types share: themes, the drawing context and its
 *                 primitives (text, rect, path, marks), number formatting
 *                 that fits a width, aggregation, nice numbers, arcs
 *   kpi_tile.c    `kpi`: label, big value, delta, sparkline
 *   kpi_bullet.c  `bullet`: bands, value bar, target marker, axis
 *   kpi_gauge.c   `gauge`: a 240-degree arc with bands, value arc or needle
 *
 * Nothing here is part of the plugin ABI; only include/quire headers and
 * the host table are used.
 */
#ifndef QUIRE_KPI_H
#define QUIRE_KPI_H

#include <stddef.h>
#include <stdint.h>

#include <quire/chart.h>

/* ============================== Options =================================== */

enum kpi_type { KPI_TILE, KPI_BULLET, KPI_GAUGE };

/* How series 0 becomes one value (option `value`). */
enum kpi_value_mode { KPI_LAST, KPI_SUM, KPI_AVG, KPI_MAX, KPI_MIN };

#define KPI_MAX_RANGES 8

/* A chart's options, parsed and checked. Strings point into the
 * quire_option array they came from. */
typedef struct kpi_options {
    enum kpi_type type;
    const char *theme;         /* NULL: the request's theme */
    const char *number_format; /* NULL: "#,##0" */
    enum kpi_value_mode value_mode;
    int has_target;
    double target;
    int good_down; /* good = down: a fall is green */
    int sparkline; /* -1: automatic (>= 2 categories), 0 or 1 */
    size_t nranges;
    double ranges[KPI_MAX_RANGES]; /* increasing thresholds */
    int has_min, has_max;
    double min, max;
    int needle; /* style = needle */
} kpi_options;

/* Parses `type` and its options into *out. Returns QUIRE_OK, or QUIRE_ERR
 * with err set (QUIRE_E_INVALID) to the first problem, naming the
 * option's FILE:LINE:COL, the option and what would be accepted. `host`
 * checks number_format. Nothing is allocated. */
int kpi_options_parse(const quire_host *host, const char *type, const quire_option *options,
                      size_t noptions, kpi_options *out, quire_error *err);

/* ============================== Themes ==================================== */

typedef struct kpi_palette {
    const char *name;
    quire_color value, good, bad, neutral; /* value shapes; delta colours */
    quire_color text, muted;               /* big value and labels; secondary text */
    quire_color target, track;             /* target marker; empty gauge ring */
    quire_color band_dark, band_light;     /* qualitative bands, worst to best */
} kpi_palette;

/* The palette called `name`, or NULL when there is none. Static. */
const kpi_palette *kpi_palette_find(const char *name);

/* Colour of qualitative band i of n: from the palette's dark band (worst)
 * to its light one (best). */
quire_color kpi_band_color(const kpi_palette *pal, size_t i, size_t n);

/* "default, corporate, minimal or vibrant", for messages. */
extern const char kpi_theme_names[];

/* ============================== Drawing context =========================== */

/* Everything one draw() call needs; lives on draw()'s stack. Drawing is
 * sticky on failure: after the first element the canvas refuses, the
 * primitives draw nothing more and `failed` stays set, so draw() reports
 * one error at the end. */
typedef struct kpi_ctx {
    const quire_host *host;
    const quire_chart_request *req;
    const quire_canvas_api *api;
    quire_canvas *canvas;
    const kpi_options *opt;
    const kpi_palette *pal;
    double font_size; /* small text: labels, delta, ticks */
    uint32_t font[2]; /* u.text.font of regular [0] and bold [1] */
    double ascent[2]; /* in units of the font size */
    double descent[2];
    int failed;
    const double *series0; /* values of series 0 (ncategories), or NULL */
    size_t ncategories;
    char label[256]; /* the chart's title, else the name of series 0 */
} kpi_ctx;

/* Fills *c for a draw of `req`. `state_font_size` is the configured small
 * text size. */
void kpi_ctx_init(kpi_ctx *c, const quire_host *host, const quire_chart_request *req,
                  const quire_canvas_api *api, quire_canvas *canvas, const kpi_options *opt,
                  const kpi_palette *pal, double state_font_size);

/* Height of a line of text at `size` (bold: 1 or 0). */
double kpi_line_height(const kpi_ctx *c, int bold, double size);

/* Advance width of s[0..len) at `size`. */
double kpi_text_width(const kpi_ctx *c, int bold, double size, const char *s, size_t len);

/* Draws one line of text whose line box starts at `top`: `x` is its left
 * edge (QUIRE_ALIGN_LEFT), centre or right edge. `flags`: QUIRE_TEXT_*.
 * Mirrored in a right-to-left document. Returns the text's width. */
double kpi_text(kpi_ctx *c, const char *s, size_t len, int bold, double size, double x, double top,
                uint32_t align, quire_color color, uint32_t flags);

/* Writes into out[cap] s[0..len) if it fits `max_width`, else its longest
 * prefix followed by "…" that does (possibly ""). Returns the length. */
size_t kpi_fit_text(const kpi_ctx *c, int bold, double size, double max_width, const char *s,
                    size_t len, char *out, size_t cap);

void kpi_rect(kpi_ctx *c, double x, double y, double w, double h, quire_color fill);
void kpi_ellipse(kpi_ctx *c, double cx, double cy, double r, quire_color fill);
/* A path: `fill` (alpha 0: none) then `stroke` at `line_width` (0: none). */
void kpi_path(kpi_ctx *c, const uint8_t *verbs, size_t nverbs, const double *points, size_t npoints,
              quire_color fill, quire_color stroke, double line_width);
/* MARK(role, series, category, label) ... kpi_mark_end(). */
void kpi_mark(kpi_ctx *c, uint32_t role, uint32_t series, uint32_t category, const char *label,
              size_t len);
void kpi_mark_end(kpi_ctx *c);

/* The "No data" tile: the label on top, "No data" in the middle. */
void kpi_draw_no_data(kpi_ctx *c);

/* ============================== Numbers =================================== */

/* `v` with number_format (default "#,##0") in the request's locale, into
 * out[cap]; the canonical text ("1e+300") when that does not fit cap.
 * Returns the length. */
size_t kpi_format(const kpi_ctx *c, double v, char *out, size_t cap);

/* The text for `v` that fits `max_width`: the formatted value, at a
 * smaller *size (down to 60%) if need be, else its compact form ("1.2M"),
 * at the smaller *size at which that fits. Returns the length written
 * into out[cap]. */
size_t kpi_format_fit(const kpi_ctx *c, double v, int bold, double *size, double max_width,
                      char *out, size_t cap);

/* Aggregates the finite values of v[0..n) by `mode`. Returns 0 with *out
 * and *category (the index the value came from; 0 for sum and avg), or -1
 * when there is no finite value. */
int kpi_aggregate(const double *v, size_t n, enum kpi_value_mode mode, double *out,
                  size_t *category);

/* Where v lies between lo and hi, as a fraction (0 at lo, 1 at hi; not
 * clamped), without overflowing for spans beyond the double range; 0.5
 * when lo == hi. */
double kpi_frac(double v, double lo, double hi);

/* The smallest of 1, 2, 2.5, 5 x 10^k that is >= x (x > 0), for axis steps. */
double kpi_nice_step(double x);
/* The smallest of 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k that is >= x
 * (x > 0), for a gauge's default maximum. */
double kpi_nice_ceil(double x);

/* ============================== Types ===================================== */

/* Each draws the chart of its type for c->req; the value is known to
 * exist (draw() draws the "No data" tile otherwise). */
void kpi_draw_tile(kpi_ctx *c, double value, size_t category);
void kpi_draw_bullet(kpi_ctx *c, double value, size_t category);
void kpi_draw_gauge(kpi_ctx *c, double value, size_t category);

#endif /* QUIRE_KPI_H */
