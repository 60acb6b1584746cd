/*
 * plan_int.h - what the files of the plan compiler share (plan.c: sources,
 * names, columns, variables; plan_band.c: bands, delayed values, datasets
 * and styles; plan_filter.c: filter pushdown and the columns a run reads).
 * Internal to the kernel.
 */
#ifndef QUIRE_PLAN_INT_H
#define QUIRE_PLAN_INT_H

#include "plan.h"

typedef enum ctx_kind {
    CTX_ROW = 1,  /* filter, fields, keys, sort, variable arguments */
    CTX_DETAIL,   /* detail band elements: columns of the current row */
    CTX_SCOPED,   /* other bands: columns through hidden FIRST/LAST */
    CTX_VAR_NONE, /* value of a variable without aggregate */
} ctx_kind;

typedef struct resolve_ctx {
    plan *p;
    ctx_kind kind;
    uint32_t field_limit;    /* CTX_ROW: fields [0, limit) are visible */
    size_t var_limit;        /* CTX_VAR_NONE: variables [0, limit) */
    int scope;               /* CTX_SCOPED: the band's scope */
    report_calc hidden_calc; /* CTX_SCOPED: FIRST or LAST */
    diag *d;
    ast_loc loc;
    int failed;
} resolve_ctx;

/* Zeroed memory from the plan's arena (at least 1 byte); NULL when out. */
void *plan_zalloc(plan *p, size_t size);

/* An error located in the definition ("PATH:LINE:COL: message"). */
void plan_error_at(const plan *p, diag *d, ast_loc loc, const char *fmt, ...) QUIRE_PRINTF(4, 5);

/* plan_compile(), and an error unless the expression is a bool: "WHAT
 * must be a condition (bool), got TYPE". */
expr *plan_compile_bool(plan *p, const ast_expr *e, resolve_ctx *c, int allow_page,
                        const char *what);

/* Compiles `e` with the names `c` resolves; errors go to c->d. */
expr *plan_compile(plan *p, const ast_expr *e, resolve_ctx *c, int allow_page);

/* The index of source column `name`, or -1. */
int plan_find_column(const plan *p, const char *name);

/* plan_band.c: compiles every band's elements; then, once hidden variables
 * exist, decides delays and what each band reads; compiles datasets
 * (p->datasets) and type-checks them and
 * style conditions; lists the export columns. 0, or -1 out of memory. */
int plan_build_bands(plan *p, diag *d);
int plan_analyse_bands(plan *p, diag *d);
void plan_check_datasets_and_styles(plan *p, diag *d);
int plan_build_data_columns(plan *p);
int plan_is_furniture(uint32_t kind);

/* plan_filter.c: the filter's pushable conjuncts (p->preds), and the
 * source columns the run reads (p->needed). */
int plan_build_predicates(plan *p);
void plan_mark_needed(plan *p);

#endif /* QUIRE_PLAN_INT_H */
