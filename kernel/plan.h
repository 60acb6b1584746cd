/*
 * plan.h - a report compiled for one run: the loaded report model (report.h)
 * bound to its data source's schema, every expression compiled and typed,
 * the accumulators laid out, and the way the rows will be processed chosen.
 *
 * Columns of a row ("wide" columns, what EXPR_REF_COLUMN indexes):
 *   [0, nsource)                       the source's columns, schema order
 *   [nsource, nsource + nfields)       computed fields (field NAME {...})
 *   then one column per group key or sort key that is not a plain column
 *
 * Two ways to run (plan->mode):
 *   PLAN_HASH    no detail band: every value the bands show is an
 *                aggregate, so rows need no order. Rows are aggregated into
 *                a hash table keyed by every group's key (kernel/agg.h), in
 *                parallel over source partitions, and the groups are then
 *                walked in key order. Memory grows with groups, not rows.
 *   PLAN_STREAM  detail bands: rows must arrive ordered by the group keys
 *                and the sort; the source sorts when it can, else the kernel
 *                sorts with spill files (kernel/sort.h).
 *
 * Outside detail bands a column has no "current row", so a column named in
 * a group header, title or summary reads the first row of that scope, and
 * in a group footer the last (as JasperReports does): the plan adds hidden
 * FIRST/LAST accumulators for them.
 */
#ifndef QUIRE_PLAN_H
#define QUIRE_PLAN_H

#include <stdint.h>

#include "agg.h"
#include "expr.h"
#include "format.h"
#include "registry.h"
#include "report.h"

/* Scopes, outermost first: report (0; page scope is the report for data
 * exports), group levels 1..ngroups, then the row. */
#define PLAN_SCOPE_REPORT 0

/* Groups a report may nest (runs keep per-level keys in fixed arrays). */
#define PLAN_MAX_GROUPS      16
#define PLAN_SCOPE_ROW(plan) ((int)(plan)->ngroups + 1)
/* Page-scoped variables (reset = page): reset by the filler at each new
 * page; for data exports, which have no pages, they never reset. */
#define PLAN_SCOPE_PAGE(plan) ((int)(plan)->ngroups + 2)
#define PLAN_NSCOPES(plan)    ((int)(plan)->ngroups + 3)

typedef struct plan_var {
    const char *name; /* user variable name, or a generated one */
    int hidden;       /* added by the plan for a column outside details */
    report_calc calc;
    expr *arg;      /* NULL for count() and CALC_NONE */
    int arg_column; /* wide column if arg is exactly a column, else -1 */
    expr *when;     /* increment condition or NULL */
    expr *value;    /* CALC_NONE: evaluated from params and variables */
    int scope;      /* PLAN_SCOPE_REPORT, a group level, or ROW (reset none) */
    uint32_t acc;   /* accumulator index in plan->layout (calc != NONE) */
    uint32_t type;  /* result type */
    int32_t scale;
} plan_var;

/* One element of a band, in depth-first order (a frame before its
 * children). Text and field elements yield a value; shapes, images,
 * frames, charts and page breaks only a print_when (is_shape). */
typedef struct plan_value {
    const report_element *el; /* its definition (geometry and style) */
    const char *name;    /* export name or NULL */
    int is_static;       /* a text element */
    int is_shape;        /* no value: drawn by the filler, never exported */
    int depth;           /* frame nesting: 0 = directly in the band */
    expr **cond_when;    /* per conditional style on the element's style chain
                            (innermost style first, conditions in order), or
                            NULL when none; a NULL entry never applies */
    const report_cond_style **conds;
    uint32_t nconds;
    const char *text;    /* static text */
    expr *value;         /* field */
    const char *pattern; /* NULL: canonical text */
    expr *print_when;
    int evaluation;    /* EVAL_* as written */
    int eval_group;    /* EVAL_GROUP: group index */
    int delayed;       /* evaluated when scope `resolve_scope` ends */
    int resolve_scope; /* PLAN_SCOPE_REPORT or a group level; -1: now */
    const struct plan_chart *chart; /* a chart element (plan_chart.h), else NULL */
    ast_loc loc;
} plan_value;

typedef struct plan_band {
    const report_band *src;
    uint32_t kind; /* QUIRE_BAND_* */
    int level;     /* group level for group bands, else 0 */
    int scope;     /* the scope the band belongs to */
    expr *print_when;
    plan_value *values;
    size_t nvalues;
    int has_delayed;
    int reads_vars;     /* evaluating it needs variable values */
    uint8_t *vars_used; /* nvars flags: which variables it reads (transitively) */
} plan_band;

/* A chart dataset compiled for the run (kernel/dataset.h accumulates it).
 * Expressions are in row context (columns, fields, parameters) and live in
 * the plan's arena. */
typedef struct plan_dataset {
    const report_dataset *src;
    expr *category; /* NULL when the dataset has none: one category named after the dataset */
    expr *series;   /* NULL: one series */
    expr *when;     /* NULL: every row */
    expr **args;    /* per measure; NULL for count() */
    /* One accumulator per measure, in order (owned by the plan; freed in
     * plan_free). */
    agg_layout *layout;
    int scope; /* PLAN_SCOPE_REPORT, a group level 1..ngroups, or PLAN_SCOPE_PAGE(p) */
} plan_dataset;

typedef enum plan_mode { PLAN_HASH = 1, PLAN_STREAM } plan_mode;

typedef struct plan_sort_key {
    uint32_t column; /* wide column */
    int desc;
    int nulls_first;
} plan_sort_key;

typedef struct plan {
    const report *rep;
    kernel *kern;
    plan_mode mode;
    quire_arena *arena; /* everything below lives here unless noted */

    /* The main source. */
    plugin_rec *source;
    const char *source_name;
    quire_option *options;
    size_t noptions;
    const char *base_dir;
    void *probe;               /* the instance opened for the schema (may be reused) */
    quire_column_info *schema; /* copied */
    uint32_t nsource;
    uint8_t *needed;        /* nsource: columns the report reads */
    quire_predicate *preds; /* conjuncts of the filter a source may push down */
    size_t npreds;

    /* Wide columns. */
    uint32_t nwide;
    quire_column_info *wide; /* type and scale per wide column */
    expr **wide_expr;        /* NULL for source columns */
    uint32_t nfields;

    expr *filter; /* or NULL */
    uint32_t ngroups;
    uint32_t *group_column; /* per group (level - 1): wide column of its key */
    int *group_desc;
    plan_sort_key *sort; /* group keys then report sort keys */
    size_t nsort;

    qv *params; /* per report param, typed */

    plan_var *vars; /* user variables (same index as report) then hidden */
    size_t nvars;
    size_t nuser_vars;
    agg_layout *layout; /* every aggregated variable */

    plan_band *bands;
    size_t nbands;
    plan_band *title, *summary, *no_data;
    plan_band **group_header, **group_footer; /* per level - 1, may be NULL */
    plan_band **details;
    size_t ndetails;
    int details_read_vars;
    int has_page_vars; /* a variable resets with each page */

    plan_dataset *datasets; /* index = index in rep->datasets */
    size_t ndatasets;

    const char **data_columns;
    size_t ndata_columns;

    const fmt_locale *locale;
    int64_t now_us;
} plan;

/* One --data NAME=PATH or --param NAME=VALUE from the command line. */
typedef struct plan_arg {
    const char *name;
    const char *value;
    int argi; /* position on the command line, for messages */
} plan_arg;

/*
 * Compiles `rep` for a run: resolves --data overrides and --param values,
 * opens the main source once to learn its schema (kept open in plan->probe
 * for reuse), compiles and type-checks every expression, lays out the
 * accumulators and chooses the mode. Every problem goes to `d` (located in
 * the definition where it has a place there). Returns 0 and *out (owned by
 * the caller: plan_free()), or -1 with *exit_code set (QUIRE_EXIT_INPUT for
 * the report, data or parameters, QUIRE_EXIT_PLUGIN for a missing plugin).
 */
int plan_build(const report *rep, kernel *k, const plan_arg *data, size_t ndata,
               const plan_arg *params, size_t nparams, plan **out, diag *d, int *exit_code);

/* Closes the probe instance if still open and frees the plan. NULL: no-op. */
void plan_free(plan *p);

/* Opens an instance of the main source for partition `part` of `nparts`
 * (0: the whole input) with the plan's options. Returns QUIRE_OK and
 * *instance, or QUIRE_ERR with err set. */
int plan_open_source(const plan *p, uint32_t part, uint32_t nparts, quire_arena *arena,
                     void **instance, quire_error *err);

/* The same, asking the source for the order sort[0..nsort) (copied). The
 * arguments are allocated in `arena`, which must outlive the instance. */
int plan_open_sorted(const plan *p, uint32_t part, uint32_t nparts, const quire_sort_key *sort,
                     size_t nsort, quire_arena *arena, void **instance, quire_error *err);

#endif /* QUIRE_PLAN_H */
