/*
 * expr_func_misc.c - choice and report functions: coalesce, if, case
 * (which evaluate only the arguments they need, so they compile to their
 * own nodes), format(value, pattern), page(), page_count().
 */
#include "expr_impl.h"

#include <stdio.h>
#include <string.h>

/* ============================== Choices =================================== */

static int check_coalesce(expr_cc *cc, expr *e)
{
    return expr_unify(cc, e, NULL, e->nargs);
}

/* Checks that args[i] is a bool condition (a NULL of no type becomes one). */
static int want_condition(expr_cc *cc, expr *e, uint32_t i)
{
    expr *c = e->args[i];

    if (c->type == QUIRE_TYPE_BOOL)
        return 0;
    if (c->type == QUIRE_TYPE_NULL) {
        e->args[i] = expr_coerce(cc, c, QUIRE_TYPE_BOOL, 0);
        return e->args[i] != NULL ? 0 : -1;
    }
    expr_cc_error(cc, c->loc, "'%s' condition must be a bool, got %s", e->opname,
                  expr_type_name(c->type));
    return -1;
}

/* if(cond, then, else): a NULL condition chooses `else`. */
static int check_if(expr_cc *cc, expr *e)
{
    static const uint32_t idx[] = {1, 2};
    int rc = want_condition(cc, e, 0);

    if (expr_unify(cc, e, idx, 2) < 0)
        rc = -1;
    return rc;
}

/* case(c1, v1, c2, v2, ..., [else]): the value of the first true
 * condition, else the last argument when their number is odd, else NULL. */
static int check_case(expr_cc *cc, expr *e)
{
    uint32_t pairs = e->nargs / 2, n = 0;
    uint32_t *idx;
    int rc = 0;

    idx = arena_alloc(cc->arena, (pairs + 1) * sizeof(*idx));
    if (idx == NULL) {
        expr_cc_error(cc, e->loc, "out of memory");
        return -1;
    }
    for (uint32_t p = 0; p < pairs; p++) {
        if (want_condition(cc, e, 2 * p) < 0)
            rc = -1;
        idx[n++] = 2 * p + 1;
    }
    if (e->nargs % 2 == 1)
        idx[n++] = e->nargs - 1;
    if (expr_unify(cc, e, idx, n) < 0)
        rc = -1;
    return rc;
}

/* ============================== format ==================================== */

/* format(value, pattern): a constant pattern is checked here against the
 * value's type; a computed one that turns out bad gives the canonical text. */
static int check_format(expr_cc *cc, expr *e)
{
    char why[256];
    qv p;

    e->type = QUIRE_TYPE_STRING;
    if (expr_want_arg(cc, e, 1, QUIRE_TYPE_STRING, "a string") < 0)
        return -1;
    if (expr_arg_constant(e, 1, &p) && !p.null) {
        const char *text = arena_strndup(cc->arena, p.u.s.ptr, p.u.s.len);
        if (text == NULL) {
            expr_cc_error(cc, e->loc, "out of memory");
            return -1;
        }
        if (fmt_pattern_check(text, e->args[0]->type, why, sizeof(why)) != 0) {
            expr_cc_error(cc, e->args[1]->loc, "bad pattern \"%s\": %s", text, why);
            return -1;
        }
    }
    return 0;
}

static int fn_format(const expr *e, const qv *args, const expr_ctx *ctx, qv *out, quire_error *err)
{
    char small[128], pattern_small[128];
    const char *pattern = pattern_small;
    char *buf;
    size_t n;

    /* fmt_value takes a NUL-terminated pattern. */
    if (args[1].u.s.len < sizeof(pattern_small)) {
        if (args[1].u.s.len > 0)
            memcpy(pattern_small, args[1].u.s.ptr, args[1].u.s.len);
        pattern_small[args[1].u.s.len] = '\0';
    } else {
        pattern = arena_strndup(ctx->arena, args[1].u.s.ptr, args[1].u.s.len);
        if (pattern == NULL)
            return expr_fail(err, e, "out of memory");
    }
    n = fmt_value(&args[0], pattern, ctx->locale, small, sizeof(small));
    buf = expr_alloc(ctx, e, n + 1, err);
    if (buf == NULL)
        return QUIRE_ERR;
    if (n < sizeof(small))
        memcpy(buf, small, n + 1);
    else
        fmt_value(&args[0], pattern, ctx->locale, buf, n + 1);
    *out = qv_string(buf, n);
    return QUIRE_OK;
}

/* ============================== Pages ===================================== */

static int check_page(expr_cc *cc, expr *e)
{
    (void)cc;
    e->type = QUIRE_TYPE_INT;
    return 0;
}

static int fn_page(const expr *e, const qv *args, const expr_ctx *ctx, qv *out, quire_error *err)
{
    (void)e, (void)args, (void)err;
    *out = qv_int(ctx->page);
    return QUIRE_OK;
}

static int fn_page_count(const expr *e, const qv *args, const expr_ctx *ctx, qv *out,
                         quire_error *err)
{
    (void)e, (void)args, (void)err;
    *out = qv_int(ctx->page_count);
    return QUIRE_OK;
}

/* ============================== Table ===================================== */

const expr_fn expr_fns_misc[] = {
    {"coalesce", 1, FN_VARIADIC, 0, EOP_COALESCE, check_coalesce, NULL},
    {"if", 3, 3, 0, EOP_IF, check_if, NULL},
    {"case", 2, FN_VARIADIC, 0, EOP_CASE, check_case, NULL},
    {"format", 2, 2, FN_NULL_IN_NULL_OUT | FN_LOCALE, EOP_CALL, check_format, fn_format},
    {"page", 0, 0, FN_PAGE, EOP_CALL, check_page, fn_page},
    {"page_count", 0, 0, FN_PAGE, EOP_CALL, check_page, fn_page_count},
};

const size_t expr_nfns_misc = sizeof(expr_fns_misc) / sizeof(expr_fns_misc[0]);
