/*
 * std.h - internal interfaces of the `standard` chart provider, shared by
 * its files:
 *
 *   std.c          the plugin: descriptor, config schema, init, check, draw
 *                  (frame, title, legend placement, dispatch by type)
 *   std_opts.c     chart options: the table of keys per chart type, parsing
 *                  and the exact error texts of check() and draw()
 *   std_theme.c    themes (palette, text, grid, axis colours, sizes)
 *   std_canvas.c   element helpers: rectangles, lines, paths, marks, text
 *   std_text.c     label fitting: one line, two lines, ellipsis
 *   std_axis.c     nice ticks, compact number labels, calendar ticks
 *   std_plot.c     the plot frame of cartesian charts (grid, axes, titles)
 *   std_legend.c   legend measuring and drawing
 *   std_bar.c      bar (vertical, horizontal; grouped, stacked, percent)
 *   std_line.c     line and area
 *   std_pie.c      pie and donut
 *   std_scatter.c  scatter (with trend lines) and sparkline
 *
 * Nothing here is part of the plugin ABI. draw() may run on several render
 * workers at once: everything a chart needs lives in one std_ctx on the
 * caller's stack; the plugin state is read-only after init().
 */
#ifndef QUIRE_CHART_STD_H
#define QUIRE_CHART_STD_H

#include <stddef.h>
#include <stdint.h>

#include <quire/chart.h>

/* ============================== Chart types =============================== */

enum {
    STD_BAR = 0,
    STD_LINE,
    STD_AREA,
    STD_PIE,
    STD_DONUT,
    STD_SCATTER,
    STD_SPARKLINE,
    STD_NTYPES
};

/* The chart type named `name`, or -1. */
int std_type_find(const char *name);
/* "bar", "line", ...: the name of type `t` (a STD_* value). */
const char *std_type_name(int t);

/* ============================== Plugin state ============================== */

/* Read-only after init(). */
typedef struct std_plugin {
    const quire_host *host;
    char default_theme[16]; /* config default_theme */
    double font_size;       /* config font_size: axis and legend text, points */
} std_plugin;

/* ============================== Options (std_opts.c) ====================== */

#define STD_MAX_COLORS 16

enum { STD_STACK_NONE = 0, STD_STACK_STACKED, STD_STACK_PERCENT };
enum { STD_LEGEND_AUTO = 0, STD_LEGEND_RIGHT, STD_LEGEND_BOTTOM, STD_LEGEND_TOP, STD_LEGEND_NONE };
enum { STD_POINTS_LAST = 0, STD_POINTS_MINMAX, STD_POINTS_NONE };

/* A chart's options after parsing; -1 in a tri-state field means "not set,
 * use the type's default". Strings point into the quire_option array. */
typedef struct std_opts {
    const char *theme;   /* NULL: request's theme */
    int horizontal;      /* bar orientation */
    int stacking;        /* STD_STACK_*; -1: type default */
    int labels;          /* -1, 0, 1 */
    int markers;         /* -1, 0, 1 */
    int legend;          /* STD_LEGEND_* */
    int grid;            /* -1: theme default */
    int trend;           /* scatter */
    int points;          /* sparkline STD_POINTS_* */
    double hole;         /* donut hole ratio */
    double y_min, y_max; /* NaN: not set */
    const char *x_title, *y_title;
    const char *number_format; /* NULL: compact */
    const char *date_format;   /* NULL: chosen from the tick step */
    quire_color colors[STD_MAX_COLORS];
    size_t ncolors; /* 0: the theme's palette */
} std_opts;

/*
 * Parses options[0..n) for chart type `type` (STD_*) into *out. Returns
 * QUIRE_OK, or QUIRE_ERR with err set (QUIRE_E_INVALID) to
 * "FILE:LINE:COL: chart option 'KEY': ..." or
 * "FILE:LINE:COL: unknown chart option 'KEY' for a TYPE chart; known: ...".
 * `host` formats (number and date patterns are checked through it).
 */
int std_opts_parse(const quire_host *host, int type, const quire_option *options, size_t n,
                   std_opts *out, quire_error *err);

/* Parses "#rrggbb"; 1 on success. */
int std_parse_color(const char *text, size_t len, quire_color *out);

/* ============================== Themes (std_theme.c) ====================== */

typedef struct std_theme {
    const char *name;
    quire_color palette[10];
    size_t npalette;
    quire_color text, muted, grid, axis, zero, background;
    int grid_on;        /* grid lines unless the chart says grid = false */
    int box_on;         /* a thin frame around the plot area */
    int title_bold;     /* title in bold */
    double title_scale; /* title size = font_size * title_scale */
    int skip_yellow;    /* thin lines skip palette entries too light to see */
} std_theme;

/* The theme called `name`, or NULL. */
const std_theme *std_theme_find(const char *name);
/* "default, corporate, minimal or vibrant" */
const char *std_theme_names(void);

/* ============================== Drawing context =========================== */

typedef struct std_rectf {
    double x, y, w, h;
} std_rectf;

typedef struct std_ctx {
    const quire_host *host;
    const quire_chart_request *req;
    const quire_dataset *data;
    const quire_canvas_api *api;
    quire_canvas *canvas;
    quire_error *err;
    int type;
    std_opts opts;
    const std_theme *theme;
    const char *family; /* req->font */
    uint32_t font_regular, font_bold;
    double ascent, descent; /* of the regular face, units of the font size */
    double fs;              /* base font size */
    std_rectf box;          /* the request's box */
    std_rectf area;         /* what is left for the plot after title and legend */
    int failed;             /* an element was refused: stop drawing */
} std_ctx;

/* The colour of series (or slice) `i`; `thin`: for a line, where the theme
 * skips colours too light to see. */
quire_color std_series_color(const std_ctx *c, size_t i, int thin);
/* `col` with alpha `a`. */
quire_color std_alpha(quire_color col, uint8_t a);

/* ============================== Canvas helpers (std_canvas.c) ============= */
/* Each returns QUIRE_OK or QUIRE_ERR (err set, c->failed = 1); after a
 * failure the others do nothing and return QUIRE_ERR. */

int std_rect(std_ctx *c, double x, double y, double w, double h, quire_color fill,
             quire_color stroke, double line_width);
int std_line(std_ctx *c, double x0, double y0, double x1, double y1, quire_color stroke,
             double line_width);
int std_ellipse(std_ctx *c, double cx, double cy, double r, quire_color fill, quire_color stroke,
                double line_width);
/* A path of npoints points; verbs[] as in quire/print.h. The arrays are
 * copied by the canvas. */
int std_path(std_ctx *c, const uint8_t *verbs, size_t nverbs, const double *points, size_t npoints,
             quire_color fill, quire_color stroke, double line_width);
/* MARK of role `role` with the label text[0..len); std_mark_end closes it. */
int std_mark(std_ctx *c, uint32_t role, size_t series, size_t category, const char *label,
             size_t len);
int std_mark_end(std_ctx *c);
/* The POINT mark of value (series, category): label "CATEGORY, SERIES:
 * VALUE_TEXT", or "CATEGORY: VALUE_TEXT" with one series. */
int std_point_mark(std_ctx *c, size_t series, size_t category);

/* ============================== Text (std_text.c) ========================= */

/* Width of text[0..len) at `size` in the chart's family, bold or not. */
double std_text_width(const std_ctx *c, const char *text, size_t len, double size, int bold);
/* Height of one line of text at `size` (ascent + descent). */
double std_line_height(const std_ctx *c, double size);

/*
 * Draws text[0..len) as one line inside the box (x, y, w) of one line
 * height: aligned QUIRE_ALIGN_* within w, cut with "…" when wider than w
 * (nothing when not even the ellipsis fits). Returns QUIRE_OK/QUIRE_ERR.
 */
int std_text(std_ctx *c, double x, double y, double w, const char *text, size_t len, double size,
             int bold, uint32_t align, quire_color color, uint32_t flags);

/*
 * Draws text[0..len) on at most `max_lines` (1 or 2) lines of width w
 * starting at (x, y): broken at spaces, the last line cut with "…" when
 * the text does not fit. Returns the number of lines drawn, or -1.
 */
int std_text_wrap(std_ctx *c, double x, double y, double w, const char *text, size_t len,
                  double size, uint32_t align, quire_color color, int max_lines);
/* How many lines (1 or 2) std_text_wrap would need for the text to fit
 * without an ellipsis in w, or 3 when two are not enough. */
int std_text_lines_needed(const std_ctx *c, const char *text, size_t len, double size, double w);

/* ============================== Axes (std_axis.c) ========================= */

#define STD_MAX_TICKS 64
#define STD_LABEL_MAX 64

typedef struct std_ticks {
    double lo, hi, step; /* lo and hi are multiples of step covering the data */
    size_t n;
    double v[STD_MAX_TICKS];
    char label[STD_MAX_TICKS][STD_LABEL_MAX];
} std_ticks;

/* The nice step (1, 2, 2.5 or 5 x 10^k) giving about `target` intervals
 * over `range` (> 0). */
double std_nice_step(double range, int target);

/*
 * Nice ticks covering [lo, hi] with about `target` intervals (lo < hi after
 * widening an empty range), labelled with `pattern` (NULL: compact: K, M,
 * B suffixes on large values) in the chart's locale; `percent` adds "%".
 */
void std_value_ticks(const std_ctx *c, double lo, double hi, int target, int percent, std_ticks *t);

/* A value as a compact label ("1.2M", "350K", "0.25") or with `pattern`
 * when not NULL. Writes at most cap bytes; returns the length. */
size_t std_format_value(const std_ctx *c, double v, const char *pattern, char *buf, size_t cap);

/*
 * Calendar ticks over [lo, hi] in days since 1970-01-01 (fractions for
 * timestamps): the finest calendar step (hours, days, weeks, months,
 * quarters, years) whose labels fit in `width` points, labelled in the
 * locale with the option date_format or a pattern for the step ("d MMM",
 * "MMM yyyy", "yyyy"). t->lo/hi are lo/hi; v[] are ticks inside them.
 */
void std_date_ticks(const std_ctx *c, double lo, double hi, double width, std_ticks *t);

/* Days since the epoch of a category value of a DATE or TIMESTAMP
 * category (NaN stays NaN). */
double std_category_days(const quire_dataset *d, size_t i);

/* ============================== Legend (std_legend.c) ===================== */

typedef struct std_legend_item {
    const char *text;
    size_t len;
    quire_color color;
    size_t series;   /* the LEGEND mark's series */
    size_t category; /* pie and donut: the slice; else 0 */
    int line;        /* swatch drawn as a line (trend lines) */
    int per_category; /* the entry stands for a category (LEGEND_CATEGORY mark) */
} std_legend_item;

/*
 * Places the legend of items[0..n) at `where` (STD_LEGEND_RIGHT, BOTTOM or
 * TOP) inside c->area, draws it, and shrinks c->area by the room it took.
 * Items that do not fit are left out. Returns QUIRE_OK/QUIRE_ERR.
 */
int std_legend_draw(std_ctx *c, const std_legend_item *items, size_t n, int where);

/* ============================== Cartesian plots (std_plot.c) ============= */

/* The plot area and both axes of a bar, line, area or scatter chart. */
typedef struct std_plot {
    std_rectf r;        /* plot area */
    std_ticks val;      /* value axis (y; x of horizontal bars) */
    int val_horizontal; /* the value axis runs along x (horizontal bars) */
    /* The other axis: categories (bands) or a continuous x (dates, numbers). */
    int continuous;
    std_ticks x;        /* continuous: its ticks */
    size_t ncat;        /* banded: number of categories */
    size_t label_every; /* banded: label every k-th category */
    int label_lines;    /* banded: lines per category label */
} std_plot;

/*
 * Lays out a cartesian plot in c->area: value axis over [vlo, vhi]
 * (options y_min/y_max override), either `ncat` category bands or a
 * continuous axis over [xlo, xhi] (`xdate`: calendar ticks, else numeric),
 * then draws the background grid, zero line, axis labels and titles.
 * Marks are drawn by the caller after it. Returns QUIRE_OK/QUIRE_ERR.
 */
int std_plot_draw(std_ctx *c, std_plot *p, double vlo, double vhi, int percent, int continuous,
                  double xlo, double xhi, int xdate, int horizontal);

/* Page coordinate of value v on the value axis. */
double std_plot_val(const std_plot *p, double v);
/* Page coordinate of x on the continuous axis. */
double std_plot_x(const std_plot *p, double x);
/* Centre and width of category band i (along x, or y for horizontal). */
double std_plot_band(const std_plot *p, size_t i, double *band_width);

/* ============================== Chart bodies ============================== */

int std_draw_bar(std_ctx *c);
int std_draw_line(std_ctx *c); /* line and area */
int std_draw_pie(std_ctx *c);  /* pie and donut */
int std_draw_scatter(std_ctx *c);
int std_draw_sparkline(std_ctx *c);

/* The legend of a cartesian chart per its option (one entry per series,
 * plus `extra` items after them); shrinks c->area. */
int std_series_legend(std_ctx *c, const std_legend_item *extra, size_t nextra);

/* Draws a centred "No data" in c->area. */
int std_no_data(std_ctx *c);

/* 1 if every value of the dataset is NaN (or there are none). */
int std_all_missing(const quire_dataset *d);

#endif /* QUIRE_CHART_STD_H */
