/*
 * expr_func_math.c - number functions: round floor ceil abs, and least /
 * greatest (which take any comparable type).
 *
 * Decimals stay exact: round(2.675, 2) = 2.68 (half away from zero). Floats
 * round in binary (round(2.675e0, 2) may give 2.67): use decimals for money.
 */
#include "expr_impl.h"

#include <math.h>

/* ============================== round ===================================== */

/* round(x[, digits]): digits is a constant int (-36..36), default 0. An int
 * stays an int, a decimal gets scale max(0, min(digits, scale)). */
static int check_round(expr_cc *cc, expr *e)
{
    qv d;

    if (expr_want_number(cc, e, 0) < 0)
        return -1;
    e->aux = 0;
    if (e->nargs == 2) {
        if (!expr_arg_constant(e, 1, &d) || d.null || d.type != QUIRE_TYPE_INT) {
            expr_cc_error(cc, e->args[1]->loc, "'round' needs a constant int as argument 2");
            return -1;
        }
        e->aux = d.u.i < -36 ? -36 : d.u.i > 36 ? 36 : d.u.i;
    }
    e->type = e->args[0]->type;
    e->scale = 0;
    if (e->type == QUIRE_TYPE_DECIMAL) {
        int s = e->args[0]->scale;
        e->scale = (int16_t)(e->aux < 0 ? 0 : e->aux < s ? e->aux : s);
    }
    return 0;
}

static int fn_round(const expr *e, const qv *args, const expr_ctx *ctx, qv *out, quire_error *err)
{
    int digits = (int)e->aux, so;
    int64_t r;

    (void)ctx;
    switch (args[0].type) {
    case QUIRE_TYPE_INT:
        if (dec_round(args[0].u.i, 0, digits, &r, &so) != DEC_OK)
            return expr_overflow(err, e);
        *out = qv_int(r);
        return QUIRE_OK;
    case QUIRE_TYPE_DECIMAL:
        if (dec_round(args[0].u.i, args[0].scale, digits, &r, &so) != DEC_OK)
            return expr_overflow(err, e);
        *out = qv_decimal(r, so);
        return QUIRE_OK;
    default: {
        double x = args[0].u.f, p = pow(10.0, digits), y = round(x * p) / p;
        /* Beyond double precision the scaled value is no longer finite or
         * exact: the number already has no digits to drop there. */
        *out = qv_float(isfinite(y) ? y : x);
        return QUIRE_OK;
    }
    }
}

/* ============================== floor ceil abs ============================ */

/* An int stays an int, a decimal becomes decimal(0), a float a float. */
static int check_floor_ceil(expr_cc *cc, expr *e)
{
    if (expr_want_number(cc, e, 0) < 0)
        return -1;
    e->type = e->args[0]->type;
    e->scale = 0;
    return 0;
}

static int floor_ceil(const qv *args, qv *out, int dir)
{
    int64_t r;

    switch (args[0].type) {
    case QUIRE_TYPE_INT: *out = args[0]; break;
    case QUIRE_TYPE_DECIMAL:
        dec_floor_ceil(args[0].u.i, args[0].scale, dir, &r);
        *out = qv_decimal(r, 0);
        break;
    default: *out = qv_float(dir < 0 ? floor(args[0].u.f) : ceil(args[0].u.f)); break;
    }
    return QUIRE_OK;
}

static int fn_floor(const expr *e, const qv *args, const expr_ctx *ctx, qv *out, quire_error *err)
{
    (void)e, (void)ctx, (void)err;
    return floor_ceil(args, out, -1);
}

static int fn_ceil(const expr *e, const qv *args, const expr_ctx *ctx, qv *out, quire_error *err)
{
    (void)e, (void)ctx, (void)err;
    return floor_ceil(args, out, 1);
}

static int check_abs(expr_cc *cc, expr *e)
{
    if (expr_want_number(cc, e, 0) < 0)
        return -1;
    e->type = e->args[0]->type;
    e->scale = e->args[0]->scale;
    return 0;
}

static int fn_abs(const expr *e, const qv *args, const expr_ctx *ctx, qv *out, quire_error *err)
{
    (void)ctx;
    *out = args[0];
    if (args[0].type == QUIRE_TYPE_FLOAT) {
        out->u.f = fabs(args[0].u.f);
    } else if (args[0].u.i < 0) {
        if (args[0].u.i == INT64_MIN)
            return expr_overflow(err, e);
        out->u.i = -args[0].u.i;
    }
    return QUIRE_OK;
}

/* ============================== least greatest ============================ */

/* Compares two non-NULL values of one type (decimals of one scale). */
static int qv_compare(const qv *a, const qv *b)
{
    switch (a->type) {
    case QUIRE_TYPE_FLOAT: return (a->u.f > b->u.f) - (a->u.f < b->u.f);
    case QUIRE_TYPE_STRING: return ek_str_cmp(a->u.s, b->u.s);
    default: return (a->u.i > b->u.i) - (a->u.i < b->u.i);
    }
}

static int check_least_greatest(expr_cc *cc, expr *e)
{
    return expr_unify(cc, e, NULL, e->nargs);
}

/* NULL arguments are skipped (as in PostgreSQL); all NULL gives NULL. */
static int least_greatest(const expr *e, const qv *args, qv *out, int sign)
{
    *out = qv_null(e->type);
    out->scale = e->scale;
    for (uint32_t i = 0; i < e->nargs; i++) {
        if (args[i].null)
            continue;
        if (out->null || qv_compare(&args[i], out) * sign > 0)
            *out = args[i];
    }
    return QUIRE_OK;
}

static int fn_least(const expr *e, const qv *args, const expr_ctx *ctx, qv *out, quire_error *err)
{
    (void)ctx, (void)err;
    return least_greatest(e, args, out, -1);
}

static int fn_greatest(const expr *e, const qv *args, const expr_ctx *ctx, qv *out,
                       quire_error *err)
{
    (void)ctx, (void)err;
    return least_greatest(e, args, out, 1);
}

/* ============================== Table ===================================== */

#define NN FN_NULL_IN_NULL_OUT

const expr_fn expr_fns_math[] = {
    {"round", 1, 2, NN, EOP_CALL, check_round, fn_round},
    {"floor", 1, 1, NN, EOP_CALL, check_floor_ceil, fn_floor},
    {"ceil", 1, 1, NN, EOP_CALL, check_floor_ceil, fn_ceil},
    {"abs", 1, 1, NN, EOP_CALL, check_abs, fn_abs},
    {"least", 1, FN_VARIADIC, 0, EOP_CALL, check_least_greatest, fn_least},
    {"greatest", 1, FN_VARIADIC, 0, EOP_CALL, check_least_greatest, fn_greatest},
};

const size_t expr_nfns_math = sizeof(expr_fns_math) / sizeof(expr_fns_math[0]);
