/*
 * report.h - the meaning of a report definition: the typed model that
 * report_load() builds from the syntax tree (ast.h) and every later stage
 * (compile, aggregation, fill, charts) reads.
 *
 * report_load() checks everything that needs no data: known blocks and
 * attributes, literal types and ranges, required attributes, duplicate
 * names, references between parts (styles, groups, datasets, bands). It
 * does not type-check expressions against a source's columns: that needs
 * the source's schema and happens when the report is compiled for a run
 * (plan.h). Expressions stay as syntax (ast_expr) here.
 *
 * Lengths are in points (1/72 in). All memory belongs to the report's arena
 * (report_free()); the syntax tree must outlive the report.
 */
#ifndef QUIRE_REPORT_H
#define QUIRE_REPORT_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "ast.h"
#include "diag.h"
#include "value.h"

/* ============================== Report ==================================== */

typedef struct report_meta {
    const char *title;       /* NULL if not given */
    const char *author;
    const char *subject;
    const char *locale;      /* BCP 47, default "en-US" */
    int rtl;                 /* direction = rtl (default from the locale: ar, he, fa, ur) */
    double page_width;       /* page = a4 | a3 | a5 | letter | legal | [w, h]; default a4 */
    double page_height;      /* after orientation is applied */
    int landscape;           /* orientation = portrait | landscape */
    double margin_top, margin_right, margin_bottom, margin_left; /* margins = m | [v, h] | [t, r, b, l]; default 20mm */
    int columns;             /* columns = N (detail columns per page), default 1 */
    double column_spacing;
    int when_no_data;        /* REPORT_NO_DATA_*: when_no_data = no_pages | blank_page | all_sections | no_data_band */
    ast_loc loc;
} report_meta;

#define REPORT_NO_DATA_NO_PAGES 0
#define REPORT_NO_DATA_BLANK_PAGE 1
#define REPORT_NO_DATA_ALL_SECTIONS 2
#define REPORT_NO_DATA_BAND 3

/* One option of a source block handed to the plugin as quire_option. */
typedef struct report_option {
    const char *key;
    const char *value; /* the literal as text: strings unquoted, numbers as written */
    ast_loc loc;
} report_option;

/* source NAME { plugin = csv  path = "x.csv"  ...plugin options... } */
typedef struct report_source {
    const char *name;
    const char *plugin;          /* default: the file extension of `path` (csv, jsonl, sqlite) */
    report_option *options;      /* every attribute except `plugin` */
    size_t noptions;
    ast_loc loc;
} report_source;

/* param NAME { type = decimal  default = 0.00  label = "..."  choices = [..] } */
typedef struct report_param {
    const char *name;
    uint32_t type;          /* QUIRE_TYPE_*: type = bool|int|decimal|float|string|date|timestamp */
    int32_t scale;          /* decimal(2) is written type = decimal, scale = 2; default 2 */
    const ast_expr *default_value; /* a literal, or NULL: the parameter is required */
    const char *label;
    const ast_expr *choices; /* AST_LIST of literals, or NULL */
    ast_loc loc;
} report_param;

/* field NAME { value = EXPR }: a computed column, evaluated per row after
 * the filter's inputs and before grouping. May use columns, parameters and
 * earlier fields. */
typedef struct report_field {
    const char *name;
    const ast_expr *value;
    ast_loc loc;
} report_field;

/* One sort key: a plain expression, or asc(EXPR) / desc(EXPR). */
typedef struct report_sort_key {
    const ast_expr *expr;
    int desc;
    int nulls_first;         /* default: nulls last ascending, first descending */
} report_sort_key;

/* group NAME { by = EXPR ... }: groups nest in the order written (the first
 * is the outermost, level 1). */
typedef struct report_group {
    const char *name;
    int level;               /* 1-based */
    const ast_expr *by;
    int desc;                /* order = asc | desc (groups are sorted by `by`) */
    int keep_together;
    int reprint_header;      /* on each page */
    int start_new_page;
    int start_new_column;
    int reset_page_number;
    double min_height_to_start;
    int footer_position;     /* REPORT_FOOTER_*: normal | stack_at_bottom | force_at_bottom | collate_at_bottom */
    ast_loc loc;
} report_group;

#define REPORT_FOOTER_NORMAL 0
#define REPORT_FOOTER_STACK_AT_BOTTOM 1
#define REPORT_FOOTER_FORCE_AT_BOTTOM 2
#define REPORT_FOOTER_COLLATE_AT_BOTTOM 3

/* ============================== Variables ================================= */

typedef enum report_calc {
    CALC_NONE = 0,         /* value = EXPR (no aggregate): re-evaluated when read */
    CALC_COUNT,            /* count() counts rows; count(x) counts non-null x */
    CALC_COUNT_DISTINCT,   /* count_distinct(x) */
    CALC_SUM,
    CALC_AVG,
    CALC_MIN,
    CALC_MAX,
    CALC_FIRST,
    CALC_LAST,
    CALC_VAR_SAMP,         /* var_samp / variance */
    CALC_VAR_POP,
    CALC_STDDEV_SAMP,      /* stddev_samp / stddev */
    CALC_STDDEV_POP,
    CALC_MEDIAN,
    CALC_PERCENTILE,       /* percentile(x, p), 0 <= p <= 1 */
    CALC_RUNNING_SUM,      /* the sum so far, never a delayed (final) value */
} report_calc;

typedef enum report_scope {
    SCOPE_REPORT = 0,
    SCOPE_PAGE,
    SCOPE_GROUP,           /* with group_index */
    SCOPE_NONE,            /* reset before every row: the current row's value */
} report_scope;

/* variable NAME { value = sum(amount)  reset = group(region)  when = EXPR } */
typedef struct report_variable {
    const char *name;
    report_calc calc;
    const ast_expr *value;     /* the whole value expression as written */
    const ast_expr *arg;       /* the aggregate's argument (NULL for count()) */
    double percentile;         /* CALC_PERCENTILE: p; CALC_MEDIAN: 0.5 */
    report_scope reset;        /* reset = report | page | none | group(NAME); default report */
    int group_index;           /* SCOPE_GROUP: index into report->groups */
    const ast_expr *when;      /* increment condition, or NULL */
    ast_loc loc;
} report_variable;

/* ============================== Styles ==================================== */

typedef struct report_color {
    uint8_t r, g, b, a;
} report_color;

/* Every property has a "set" bit so a style only overrides what it names. */
#define STYLE_FONT (1u << 0)
#define STYLE_SIZE (1u << 1)
#define STYLE_BOLD (1u << 2)
#define STYLE_ITALIC (1u << 3)
#define STYLE_UNDERLINE (1u << 4)
#define STYLE_COLOR (1u << 5)
#define STYLE_BACKGROUND (1u << 6)
#define STYLE_ALIGN (1u << 7)
#define STYLE_VALIGN (1u << 8)
#define STYLE_BORDER (1u << 9)
#define STYLE_BORDER_COLOR (1u << 10)
#define STYLE_PADDING (1u << 11)
#define STYLE_PATTERN (1u << 12)
#define STYLE_LINE_SPACING (1u << 13)

typedef struct report_style_props {
    uint32_t set;            /* STYLE_* bits of the properties given */
    const char *font;        /* family: "DejaVu Sans" */
    double size;
    int bold, italic, underline;
    report_color color, background, border_color;
    int align;               /* QUIRE_ALIGN_* (left, center, right) plus justify = 3 */
    int valign;              /* 0 top, 1 middle, 2 bottom */
    double border;           /* width in points, 0 = none */
    double padding;
    const char *pattern;     /* default pattern for fields */
    double line_spacing;     /* multiple of the font size */
} report_style_props;

/* condition { when = EXPR  ...props... } inside a style */
typedef struct report_cond_style {
    const ast_expr *when;
    report_style_props props;
    ast_loc loc;
} report_cond_style;

/* style NAME { parent = OTHER  default = bool  ...props...  condition { } } */
typedef struct report_style {
    const char *name;
    int parent;              /* index into report->styles, or -1 */
    int is_default;          /* default = true: applies to elements without a style */
    report_style_props props;
    report_cond_style *conds;
    size_t nconds;
    ast_loc loc;
    ast_loc parent_loc;      /* of the parent's name (for messages) */
} report_style;

/* ============================== Datasets (charts) ========================= */

typedef enum report_bucket {
    BUCKET_NONE = 0,
    BUCKET_HOUR,
    BUCKET_DAY,
    BUCKET_WEEK,             /* ISO weeks, starting Monday */
    BUCKET_MONTH,
    BUCKET_QUARTER,
    BUCKET_YEAR,
} report_bucket;

/* One aggregated value of a dataset: `values = [sum(amount), count()]`. */
typedef struct report_measure {
    report_calc calc;
    const ast_expr *expr;    /* as written */
    const ast_expr *arg;
    double percentile;
    const char *label;       /* the text as written unless labels = [...] gives one */
} report_measure;

/* dataset NAME { category = EXPR  series = EXPR  values = [...]  bucket = month
 *                fill_gaps = true  sort = category|desc(value)|...  top = 5
 *                other = "Other"  reset = report|page|group(NAME)  when = EXPR } */
typedef struct report_dataset {
    const char *name;
    const ast_expr *category;
    const ast_expr *series;  /* NULL: one series */
    report_measure *measures;
    size_t nmeasures;
    report_bucket bucket;
    int fill_gaps;
    int sort_by_value;       /* sort = value | desc(value) (first measure) or category */
    int sort_desc;
    int64_t top;             /* 0: all categories */
    const char *other_label; /* top N: the rest summed under this label; NULL: dropped */
    report_scope reset;
    int group_index;
    const ast_expr *when;
    ast_loc loc;
} report_dataset;

/* ============================== Bands and elements ======================== */

typedef enum report_band_kind {
    BAND_TITLE = 1,          /* values match QUIRE_BAND_* in quire/print.h */
    BAND_PAGE_HEADER,
    BAND_COLUMN_HEADER,
    BAND_GROUP_HEADER,
    BAND_DETAIL,
    BAND_GROUP_FOOTER,
    BAND_COLUMN_FOOTER,
    BAND_PAGE_FOOTER,
    BAND_LAST_PAGE_FOOTER,
    BAND_SUMMARY,
    BAND_BACKGROUND,
    BAND_NO_DATA,
} report_band_kind;

typedef enum report_element_kind {
    EL_TEXT = 1,             /* text = "static" */
    EL_FIELD,                /* value = EXPR  pattern = "#,##0.00" */
    EL_LINE,
    EL_RECT,
    EL_ELLIPSE,
    EL_IMAGE,                /* path = "logo.png" (relative to the definition) */
    EL_FRAME,                /* contains elements, positioned relative to it */
    EL_PAGE_BREAK,
    EL_CHART,                /* dataset = NAME  type = bar  provider = standard ... */
} report_element_kind;

#define SPLIT_STRETCH 0      /* band split = stretch | prevent | immediate */
#define SPLIT_PREVENT 1
#define SPLIT_IMMEDIATE 2

#define OVERFLOW_STRETCH 0   /* element overflow = stretch | clip | ellipsis | shrink */
#define OVERFLOW_CLIP 1
#define OVERFLOW_ELLIPSIS 2
#define OVERFLOW_SHRINK 3

#define EVAL_NOW 0           /* element evaluation = now | report | page | group(NAME) | auto */
#define EVAL_REPORT 1
#define EVAL_PAGE 2
#define EVAL_GROUP 3
#define EVAL_AUTO 4          /* default: delayed if it reads a value whose scope is still open */

/* One attribute the element kind does not interpret itself (chart options). */
typedef struct report_attr {
    const char *name;
    const ast_expr *value;
    ast_loc loc;
} report_attr;

typedef struct report_element {
    report_element_kind kind;
    const char *name;        /* the label: `field amount {...}`; column name in data
                                exports. Default for a field whose value is a plain
                                name: that name. May be NULL. */
    double x, y, width, height; /* box = [x, y, width, height], relative to the band/frame */
    int style;               /* index into report->styles, or -1 */
    report_style_props props; /* properties set on the element itself */
    const ast_expr *print_when;
    const char *text;        /* EL_TEXT */
    const ast_expr *value;   /* EL_FIELD */
    const char *pattern;     /* EL_FIELD: number/date pattern, or NULL */
    int overflow;            /* OVERFLOW_* */
    int evaluation;          /* EVAL_* */
    int eval_group;          /* EVAL_GROUP: group index */
    const char *image_path;  /* EL_IMAGE, resolved against the definition's directory */
    int dataset;             /* EL_CHART: index into report->datasets */
    const char *chart_type;  /* EL_CHART: bar, line, ... (the provider validates) */
    const char *provider;    /* EL_CHART: or NULL for the configured default */
    report_attr *attrs;      /* EL_CHART: every other attribute, for the provider */
    size_t nattrs;
    struct report_element *children; /* EL_FRAME */
    size_t nchildren;
    ast_loc loc;
} report_element;

/* band KIND [GROUP] { height = N  print_when = EXPR  split = ...  elements... }
 * Several `band detail` blocks print in order for each row. */
typedef struct report_band {
    report_band_kind kind;
    int group_index;         /* GROUP_HEADER / GROUP_FOOTER: index into groups; else -1 */
    double height;
    const ast_expr *print_when;
    int split;               /* SPLIT_* */
    report_element *elements;
    size_t nelements;
    ast_loc loc;
} report_band;

/* ============================== The report ================================ */

typedef struct report {
    const ast_file *ast;
    const char *path;        /* the definition file */
    const char *dir;         /* its directory (relative paths in it resolve here) */
    report_meta meta;
    report_source *sources;  /* the first is the main source; more are for charts
                                and lookups in later issues */
    size_t nsources;
    report_param *params;
    size_t nparams;
    report_field *fields;
    size_t nfields;
    const ast_expr *filter;  /* filter = EXPR, or NULL */
    report_sort_key *sort;   /* sort = [k1, desc(k2), ...]: order within the groups */
    size_t nsort;
    report_group *groups;
    size_t ngroups;
    report_variable *variables;
    size_t nvariables;
    report_style *styles;
    size_t nstyles;
    report_dataset *datasets;
    size_t ndatasets;
    report_band *bands;      /* in the order written */
    size_t nbands;
    quire_arena *arena;
} report;

/*
 * Builds the model of a parsed definition. Every problem is appended to `d`
 * as "PATH:LINE:COL: message" with the offending line (diag_error_at):
 * unknown block or attribute (listing the allowed ones, with a suggestion
 * for a near miss), wrong literal type or range, missing required attribute,
 * duplicate name (naming both places), unknown reference (style, group,
 * dataset), a name used by two of fields/variables/parameters (columns are
 * checked when the source's schema is known). At most AST_MAX_ERRORS lines,
 * then one saying it stopped. Returns 0 and *out (owned by the caller:
 * report_free()) when there were no errors; -1 otherwise.
 */
int report_load(const ast_file *ast, report **out, diag *d);

/* Frees the model (not the syntax tree). NULL is a no-op. */
void report_free(report *r);

/* Name lookups; return the index or -1. */
int report_find_group(const report *r, const char *name);
int report_find_variable(const report *r, const char *name);
int report_find_param(const report *r, const char *name);
int report_find_field(const report *r, const char *name);
int report_find_source(const report *r, const char *name);

/* The canonical text of a definition: what `quire fmt` prints. Written to
 * `out`; returns 0 or -1 on a write error. Idempotent: formatting the output
 * again gives the same bytes. Comments and single blank lines are kept. */
int ast_format(const ast_file *file, FILE *out);

#endif /* QUIRE_REPORT_H */
