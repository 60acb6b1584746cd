/*
 * expr.h - the expression engine: type-checks an expression's syntax tree
 * (ast.h) against the names in scope, compiles it into an immutable tree
 * with every operator's types resolved, and evaluates it one row at a time
 * or column-at-a-time over a selection of a batch's rows.
 *
 * Semantics (docs/report-language.md, "Expressions" and "Functions"):
 *   - SQL three-valued logic: comparisons with NULL are NULL; `and`/`or`
 *     follow SQL (false and NULL = false, true or NULL = true); `x in [..]`
 *     is true if x equals an item, else NULL if x or an item is NULL, else
 *     false. A filter keeps rows where the value is true.
 *   - int op int is int, for + - * %; int with decimal is decimal; anything
 *     with float is float. Decimal + and - keep the larger scale, * adds the
 *     scales (at most 18), and / is exact decimal division: int or decimal
 *     operands give a decimal at scale min(max(s1, s2) + 6, 18), so
 *     7 / 2 = 3.500000 and 1 / 3 = 0.333333 (rounded half away from zero).
 *   - Division and modulo by zero give NULL.
 *   - Integer and decimal overflow is a runtime error, never a wrapped value.
 *   - date - date is an int count of days, date +/- int moves by days;
 *     timestamp - timestamp is an int count of seconds (truncated toward
 *     zero), timestamp +/- int moves by seconds. A date meets a timestamp as
 *     its midnight (UTC).
 *   - `||` joins text; other types are converted to their canonical text
 *     (format.h); NULL || x is NULL.
 *   - A literal `null` takes its type from what it meets (coalesce(null, 1)
 *     is an int); an expression that is nothing but null is a NULL string.
 *   - Sub-expressions made of literals only are computed once at compile
 *     time (an overflow there is a compile error).
 *
 * Threading: a compiled expression is immutable and may be evaluated from
 * several threads at once, each with its own expr_ctx and arena.
 */
#ifndef QUIRE_EXPR_H
#define QUIRE_EXPR_H

#include <stddef.h>
#include <stdint.h>

#include <quire/common.h>
#include <quire/types.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "format.h"
#include "value.h"

/* ============================== Names ===================================== */

typedef enum expr_ref_kind {
    EXPR_REF_COLUMN = 1, /* a column of the batch (expr_ctx.columns[index]) */
    EXPR_REF_PARAM,      /* a report parameter (expr_ctx.params[index]) */
    EXPR_REF_VARIABLE,   /* a variable's current value (expr_ctx.vars[index]) */
} expr_ref_kind;

/* What a name stands for: filled by the resolver. */
typedef struct expr_ref {
    expr_ref_kind kind;
    uint32_t index;
    uint32_t type; /* QUIRE_TYPE_* */
    int32_t scale; /* DECIMAL */
} expr_ref;

/* Where an expression is compiled: its definition (for error positions),
 * the names in scope and what is allowed there. */
typedef struct expr_env {
    const char *path; /* the definition file, for diag_error_at */
    const char *text; /* the whole definition (may be NULL: no source line) */
    size_t len;
    /* 0 and *out filled: the name is known; -1: unknown name. May be NULL
     * (no names in scope). */
    int (*resolve)(void *ctx, const char *name, expr_ref *out);
    void *ctx;
    int allow_page; /* page() and page_count() allowed here (band elements) */
} expr_env;

/* ============================== Compiling ================================= */

typedef struct expr expr; /* compiled, immutable, lives in the arena given to expr_compile */

/*
 * Type-checks and compiles `e`. Every problem is appended to `d` with
 * diag_error_at() at the exact sub-expression ("unknown name 'amout'",
 * "cannot compare string with decimal", "'substr' takes 2 or 3 arguments,
 * got 1", ...); compiling goes on after an error to report all of them.
 * Returns the compiled expression, allocated in `arena` (owned by the
 * caller, which must outlive every use of it), or NULL after errors. The
 * syntax tree may be freed afterwards: strings are copied.
 */
expr *expr_compile(const ast_expr *e, const expr_env *env, quire_arena *arena, diag *d);

/* The result type (QUIRE_TYPE_*) and, for decimals, scale. */
uint32_t expr_type(const expr *e);
int32_t expr_scale(const expr *e);

/* 1 if the value cannot change during a render: no column or variable
 * references, no page(), page_count(), now() or today() (parameters are
 * allowed: they are fixed for a render). */
int expr_is_constant(const expr *e);

/* The column index if `e` is exactly a column reference, else -1. */
int expr_column_ref(const expr *e);

/* Calls fn(ctx, ref) for every name reference in `e`, in source order
 * (a name used twice is visited twice). */
void expr_visit_refs(const expr *e, void (*fn)(void *ctx, const expr_ref *ref), void *ctx);

/* 1 if `e` calls page() or page_count(). */
int expr_uses_page(const expr *e);

/* 1 if `e` calls page_count(), whose value is known only once the pages
 * it counts are all filled. */
int expr_uses_page_count(const expr *e);

/* 1 if `e` reads the clock: now() or today(). */
int expr_uses_now(const expr *e);

/* If `e` is a constant that compile folded, copies its value to *out and
 * returns 1 (strings point into the compile arena); else 0. */
int expr_constant_value(const expr *e, qv *out);

/* ============================== Evaluating ================================ */

typedef struct expr_ctx {
    const quire_column *columns; /* row-indexed vectors; EXPR_REF_COLUMN indexes here */
    uint32_t ncolumns;
    const qv *params;
    const qv *vars;
    int64_t page, page_count; /* for page()/page_count() */
    int64_t now_us;           /* now()/today(): the render's start, stable for a whole render */
    const fmt_locale *locale; /* for format(); NULL: en-US */
    quire_arena *arena;       /* string results (and batch scratch vectors) are allocated here */
} expr_ctx;

/*
 * Evaluates `e` for row `row` of ctx->columns. *out gets the expression's
 * type; strings live in ctx->arena. Returns QUIRE_OK, or QUIRE_ERR with
 * "PATH:LINE:COL: integer overflow in '+'" (or decimal overflow, out of
 * memory, a column of the wrong type) in *err.
 */
int expr_eval(const expr *e, const expr_ctx *ctx, uint32_t row, qv *out, quire_error *err);

/*
 * Vectorised: evaluates rows sel[0..nsel) writing out->...[sel[i]] and
 * out->nulls[sel[i]]; `out` has the expression's type, a null map, and
 * capacity > every sel[i] (a decimal column of another scale gets the values
 * rescaled to it). Rows outside sel are not touched. Scratch vectors for intermediate results (one
 * per operator, as long as the highest selected row) come from ctx->arena: reset it between
 * batches. Same results and errors as expr_eval() row by row.
 */
int expr_eval_batch(const expr *e, const expr_ctx *ctx, const uint32_t *sel, uint32_t nsel,
                    quire_column *out, quire_error *err);

/* Keeps the rows of sel where e (bool) is true (NULL counts as false),
 * in order; out_sel may equal sel. */
int expr_filter_batch(const expr *e, const expr_ctx *ctx, const uint32_t *sel, uint32_t nsel,
                      uint32_t *out_sel, uint32_t *nout, quire_error *err);

/* "bool", "int", "decimal", "float", "string", "date", "timestamp", "null". */
const char *expr_type_name(uint32_t type);

#endif /* QUIRE_EXPR_H */
