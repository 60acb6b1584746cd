/*
 * expr_eval.c - evaluating a compiled expression for one row, and the
 * scalar meaning of every node (expr_apply) that the batch evaluator falls
 * back on for nodes without a vector kernel.
 *
 * and, or, if, case and coalesce evaluate only the arguments they need, as
 * SQL does: `x <> 0 and 100 / x > 1` never divides by zero.
 */
#include "expr_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ============================== Errors and memory ========================= */

int expr_fail(quire_error *err, const expr *e, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (err == NULL)
        return QUIRE_ERR;
    err->code = QUIRE_E_INVALID;
    n = snprintf(err->msg, sizeof(err->msg), "%s:%u:%u: ", e->path ? e->path : "expression",
                 e->loc.line, e->loc.column);
    if (n < 0 || (size_t)n >= sizeof(err->msg))
        return QUIRE_ERR;
    va_start(ap, fmt);
    vsnprintf(err->msg + n, sizeof(err->msg) - (size_t)n, fmt, ap);
    va_end(ap);
    return QUIRE_ERR;
}

int expr_overflow(quire_error *err, const expr *e)
{
    const char *kind = e->type == QUIRE_TYPE_DECIMAL ? "decimal" : "integer";

    if (e->op == EOP_CAST)
        return expr_fail(err, e, "%s overflow converting %s to %s", kind,
                         expr_type_name(e->args[0]->type), expr_type_name(e->type));
    return expr_fail(err, e, "%s overflow in '%s'", kind, e->opname ? e->opname : "?");
}

void *expr_alloc(const expr_ctx *ctx, const expr *e, size_t size, quire_error *err)
{
    void *p = ctx->arena != NULL ? arena_alloc(ctx->arena, size) : NULL;

    if (p == NULL) {
        expr_fail(err, e, "out of memory");
        if (err != NULL)
            err->code = QUIRE_E_NOMEM;
    }
    return p;
}

static void set_null(const expr *e, qv *out)
{
    *out = qv_null(e->type);
    out->scale = e->type == QUIRE_TYPE_DECIMAL ? e->scale : 0;
}

static int internal(quire_error *err, const expr *e, const char *what, uint32_t index,
                    uint32_t type)
{
    expr_fail(err, e, "%s %u has type %s, the expression expects %s", what, index,
              expr_type_name(type), expr_type_name(e->type));
    if (err != NULL)
        err->code = QUIRE_E_INTERNAL;
    return QUIRE_ERR;
}

/* ============================== References ================================ */

int expr_load_ref(const expr *e, const expr_ctx *ctx, qv *out, quire_error *err)
{
    const qv *values = e->ref.kind == EXPR_REF_PARAM ? ctx->params : ctx->vars;
    const char *what = e->ref.kind == EXPR_REF_PARAM ? "parameter" : "variable";
    qv v;

    if (values == NULL) {
        expr_fail(err, e, "no value for %s %u", what, e->ref.index);
        if (err != NULL)
            err->code = QUIRE_E_INTERNAL;
        return QUIRE_ERR;
    }
    v = values[e->ref.index];
    if (v.null) {
        set_null(e, out);
        return QUIRE_OK;
    }
    if (v.type != e->type)
        return internal(err, e, what, e->ref.index, v.type);
    if (v.type == QUIRE_TYPE_DECIMAL && v.scale != e->scale) {
        int64_t r;
        if (dec_rescale(v.u.i, v.scale, e->scale, &r) != DEC_OK)
            return expr_overflow(err, e);
        v = qv_decimal(r, e->scale);
    }
    *out = v;
    return QUIRE_OK;
}

static int load_column(const expr *e, const expr_ctx *ctx, uint32_t row, qv *out, quire_error *err)
{
    const quire_column *c;

    if (ctx->columns == NULL || e->ref.index >= ctx->ncolumns) {
        expr_fail(err, e, "no column %u in the batch", e->ref.index);
        if (err != NULL)
            err->code = QUIRE_E_INTERNAL;
        return QUIRE_ERR;
    }
    c = &ctx->columns[e->ref.index];
    if (c->type != e->type || (c->type == QUIRE_TYPE_DECIMAL && c->scale != e->scale))
        return internal(err, e, "column", e->ref.index, c->type);
    *out = qv_from_column(c, row);
    return QUIRE_OK;
}

/* ============================== Scalar meaning ============================ */

static int apply_cast(const expr *e, const qv *a, const expr_ctx *ctx, qv *out, quire_error *err)
{
    int64_t r;

    switch (e->sub) {
    case CAST_TO_FLOAT:
        *out = qv_float(a->type == QUIRE_TYPE_DECIMAL ? dec_to_double(a->u.i, e->from_scale)
                                                      : (double)a->u.i);
        return QUIRE_OK;
    case CAST_RESCALE:
        if (dec_rescale(a->u.i, e->from_scale, e->scale, &r) != DEC_OK)
            return expr_overflow(err, e);
        *out = qv_decimal(r, e->scale);
        return QUIRE_OK;
    case CAST_DATE_TS:
        if (__builtin_mul_overflow(a->u.i, EXPR_US_PER_DAY, &r))
            return expr_overflow(err, e);
        *out = qv_int(r);
        out->type = QUIRE_TYPE_TIMESTAMP;
        return QUIRE_OK;
    default: {
        char small[64];
        size_t n;
        char *buf;
        if (a->type == QUIRE_TYPE_STRING) {
            *out = *a;
            return QUIRE_OK;
        }
        n = fmt_value(a, NULL, NULL, small, sizeof(small));
        buf = expr_alloc(ctx, e, n + 1, err);
        if (buf == NULL)
            return QUIRE_ERR;
        if (n < sizeof(small))
            memcpy(buf, small, n + 1);
        else
            fmt_value(a, NULL, NULL, buf, n + 1);
        *out = qv_string(buf, n);
        return QUIRE_OK;
    }
    }
}

static int apply_arith(const expr *e, const qv *a, const qv *b, qv *out, quire_error *err)
{
    int64_t r = 0;
    double f = 0;
    int rc;

    switch (e->dom) {
    case ARD_INT: rc = ek_int(e->sub, a->u.i, b->u.i, &r); break;
    case ARD_SCALED: rc = ek_scaled(e->sub, a->u.i, b->u.i, e->ma, e->mb, e->div, &r); break;
    case ARD_DEC_MUL: rc = ek_dec_mul(a->u.i, b->u.i, e->shift, &r); break;
    case ARD_DEC_DIV: rc = ek_dec_div(a->u.i, e->sa, b->u.i, e->sb, e->scale, &r); break;
    default: rc = ek_float(e->sub, a->u.f, b->u.f, &f); break;
    }
    if (rc == EK_OVERFLOW)
        return expr_overflow(err, e);
    if (rc == EK_NULL) {
        set_null(e, out);
        return QUIRE_OK;
    }
    if (e->dom == ARD_FLOAT) {
        *out = qv_float(f);
        return QUIRE_OK;
    }
    *out = qv_int(r);
    out->type = e->type;
    out->scale = e->type == QUIRE_TYPE_DECIMAL ? e->scale : 0;
    return QUIRE_OK;
}

static int compare(const expr *e, const qv *a, const qv *b)
{
    switch (e->dom) {
    case CMPD_FLOAT: return ek_cmp_float(e->sub, a->u.f, b->u.f);
    case CMPD_STR:
        if (e->sub == AST_OP_EQ || e->sub == AST_OP_NE)
            return ek_str_eq(a->u.s, b->u.s) == (e->sub == AST_OP_EQ);
        return ek_test(e->sub, ek_str_cmp(a->u.s, b->u.s));
    case CMPD_SCALED: return ek_test(e->sub, ek_i128_cmp(a->u.i, b->u.i, e->ma, e->mb));
    default: return ek_test(e->sub, (a->u.i > b->u.i) - (a->u.i < b->u.i));
    }
}

/* Equality of two non-NULL values of one type, for `in`. */
static int same_value(const qv *a, const qv *b)
{
    if (a->type == QUIRE_TYPE_FLOAT)
        return a->u.f == b->u.f;
    if (a->type == QUIRE_TYPE_STRING)
        return ek_str_eq(a->u.s, b->u.s);
    return a->u.i == b->u.i;
}

static int apply_in(const expr *e, const qv *args, qv *out)
{
    int saw_null = 0;

    if (args[0].null) {
        set_null(e, out);
        return QUIRE_OK;
    }
    for (uint32_t i = 1; i < e->nargs; i++) {
        if (args[i].null) {
            saw_null = 1;
        } else if (same_value(&args[0], &args[i])) {
            *out = qv_bool(!e->negated);
            return QUIRE_OK;
        }
    }
    if (saw_null)
        set_null(e, out);
    else
        *out = qv_bool(e->negated);
    return QUIRE_OK;
}

static int apply_concat(const expr *e, const qv *args, const expr_ctx *ctx, qv *out,
                        quire_error *err)
{
    size_t la = args[0].u.s.len, lb = args[1].u.s.len;
    char *buf;

    if (la == 0 || lb == 0) {
        *out = la == 0 ? args[1] : args[0];
        return QUIRE_OK;
    }
    buf = expr_alloc(ctx, e, la + lb, err);
    if (buf == NULL)
        return QUIRE_ERR;
    memcpy(buf, args[0].u.s.ptr, la);
    memcpy(buf + la, args[1].u.s.ptr, lb);
    *out = qv_string(buf, la + lb);
    return QUIRE_OK;
}

/* and / or over evaluated operands, in SQL's three-valued logic. */
static void apply_logic(const expr *e, const qv *a, const qv *b, qv *out)
{
    int dominant = e->op == EOP_OR; /* true decides `or`, false decides `and` */

    if ((!a->null && (a->u.i != 0) == dominant) || (!b->null && (b->u.i != 0) == dominant))
        *out = qv_bool(dominant);
    else if (a->null || b->null)
        set_null(e, out);
    else
        *out = qv_bool(!dominant);
}

static int is_true(const qv *v)
{
    return !v->null && v->u.i != 0;
}

int expr_apply(const expr *e, const qv *args, const expr_ctx *ctx, qv *out, quire_error *err)
{
    switch (e->op) {
    case EOP_CONST: *out = e->value; return QUIRE_OK;
    case EOP_ISNULL: *out = qv_bool(args[0].null != e->negated); return QUIRE_OK;
    case EOP_IN: return apply_in(e, args, out);
    case EOP_AND:
    case EOP_OR: apply_logic(e, &args[0], &args[1], out); return QUIRE_OK;
    case EOP_IF: *out = is_true(&args[0]) ? args[1] : args[2]; return QUIRE_OK;
    case EOP_CASE:
        for (uint32_t i = 0; i + 1 < e->nargs; i += 2) {
            if (is_true(&args[i])) {
                *out = args[i + 1];
                return QUIRE_OK;
            }
        }
        if (e->nargs % 2 == 1)
            *out = args[e->nargs - 1];
        else
            set_null(e, out);
        return QUIRE_OK;
    case EOP_COALESCE:
        for (uint32_t i = 0; i < e->nargs; i++) {
            if (!args[i].null) {
                *out = args[i];
                return QUIRE_OK;
            }
        }
        set_null(e, out);
        return QUIRE_OK;
    default: break;
    }
    if (e->op == EOP_CALL && !(e->fn->flags & FN_NULL_IN_NULL_OUT)) {
        int rc = e->fn->eval(e, args, ctx, out, err);
        if (rc == QUIRE_OK && out->null)
            set_null(e, out);
        return rc;
    }
    for (uint32_t i = 0; i < e->nargs; i++) {
        if (args[i].null) {
            set_null(e, out);
            return QUIRE_OK;
        }
    }
    switch (e->op) {
    case EOP_CAST: return apply_cast(e, &args[0], ctx, out, err);
    case EOP_NEG:
        *out = args[0];
        if (e->type == QUIRE_TYPE_FLOAT)
            out->u.f = -args[0].u.f;
        else if (args[0].u.i == INT64_MIN)
            return expr_overflow(err, e);
        else
            out->u.i = -args[0].u.i;
        return QUIRE_OK;
    case EOP_NOT: *out = qv_bool(!args[0].u.i); return QUIRE_OK;
    case EOP_ARITH: return apply_arith(e, &args[0], &args[1], out, err);
    case EOP_CMP: *out = qv_bool(compare(e, &args[0], &args[1])); return QUIRE_OK;
    case EOP_CONCAT: return apply_concat(e, args, ctx, out, err);
    case EOP_CALL: return e->fn->eval(e, args, ctx, out, err);
    default:
        expr_fail(err, e, "unknown expression node %d", e->op);
        if (err != NULL)
            err->code = QUIRE_E_INTERNAL;
        return QUIRE_ERR;
    }
}

/* ============================== Row evaluation ============================ */

static int eval(const expr *e, const expr_ctx *ctx, uint32_t row, qv *out, quire_error *err);

/* Evaluates the arguments the node needs, left to right. */
static int eval_lazy(const expr *e, const expr_ctx *ctx, uint32_t row, qv *out, quire_error *err)
{
    qv a, b;

    switch (e->op) {
    case EOP_AND:
    case EOP_OR:
        if (eval(e->args[0], ctx, row, &a, err) != QUIRE_OK)
            return QUIRE_ERR;
        if (!a.null && (a.u.i != 0) == (e->op == EOP_OR)) {
            *out = qv_bool(a.u.i != 0);
            return QUIRE_OK;
        }
        if (eval(e->args[1], ctx, row, &b, err) != QUIRE_OK)
            return QUIRE_ERR;
        apply_logic(e, &a, &b, out);
        return QUIRE_OK;
    case EOP_IF:
        if (eval(e->args[0], ctx, row, &a, err) != QUIRE_OK)
            return QUIRE_ERR;
        return eval(e->args[is_true(&a) ? 1 : 2], ctx, row, out, err);
    case EOP_CASE:
        for (uint32_t i = 0; i + 1 < e->nargs; i += 2) {
            if (eval(e->args[i], ctx, row, &a, err) != QUIRE_OK)
                return QUIRE_ERR;
            if (is_true(&a))
                return eval(e->args[i + 1], ctx, row, out, err);
        }
        if (e->nargs % 2 == 1)
            return eval(e->args[e->nargs - 1], ctx, row, out, err);
        set_null(e, out);
        return QUIRE_OK;
    default: /* EOP_COALESCE */
        for (uint32_t i = 0; i < e->nargs; i++) {
            if (eval(e->args[i], ctx, row, out, err) != QUIRE_OK)
                return QUIRE_ERR;
            if (!out->null)
                return QUIRE_OK;
        }
        set_null(e, out);
        return QUIRE_OK;
    }
}

/* x in [items]: every item is evaluated (as the batch evaluator does), one
 * at a time, so a long list needs no argument array. */
static int eval_in(const expr *e, const expr_ctx *ctx, uint32_t row, qv *out, quire_error *err)
{
    int saw_null = 0, match = 0;
    qv x, item;

    if (eval(e->args[0], ctx, row, &x, err) != QUIRE_OK)
        return QUIRE_ERR;
    for (uint32_t i = 1; i < e->nargs; i++) {
        if (eval(e->args[i], ctx, row, &item, err) != QUIRE_OK)
            return QUIRE_ERR;
        if (item.null)
            saw_null = 1;
        else if (!x.null && same_value(&x, &item))
            match = 1;
    }
    if (x.null || (!match && saw_null))
        set_null(e, out);
    else
        *out = qv_bool(match != e->negated);
    return QUIRE_OK;
}

static int eval(const expr *e, const expr_ctx *ctx, uint32_t row, qv *out, quire_error *err)
{
    qv local[8];
    qv *args = local;

    switch (e->op) {
    case EOP_CONST: *out = e->value; return QUIRE_OK;
    case EOP_REF:
        if (e->ref.kind == EXPR_REF_COLUMN)
            return load_column(e, ctx, row, out, err);
        return expr_load_ref(e, ctx, out, err);
    case EOP_AND:
    case EOP_OR:
    case EOP_IF:
    case EOP_CASE:
    case EOP_COALESCE: return eval_lazy(e, ctx, row, out, err);
    case EOP_IN: return eval_in(e, ctx, row, out, err);
    default: break;
    }
    if (e->nargs > 8) {
        /* Only calls with many arguments (least, greatest) get here. */
        args = expr_alloc(ctx, e, e->nargs * sizeof(*args), err);
        if (args == NULL)
            return QUIRE_ERR;
    }
    for (uint32_t i = 0; i < e->nargs; i++) {
        if (eval(e->args[i], ctx, row, &args[i], err) != QUIRE_OK)
            return QUIRE_ERR;
    }
    return expr_apply(e, args, ctx, out, err);
}

int expr_eval(const expr *e, const expr_ctx *ctx, uint32_t row, qv *out, quire_error *err)
{
    return eval(e, ctx, row, out, err);
}
