/*
 * expr_eval_batch.c - evaluating a compiled expression column-at-a-time
 * over a selection of a batch's rows (expr_eval_batch, expr_filter_batch).
 *
 * Every node turns into a vector indexed by row, like a batch column: a
 * column reference is the batch's own array (no copy), a constant or a
 * parameter is one value read through an index mask of 0, and an operator
 * writes a scratch vector from ctx->arena. Comparisons, arithmetic,
 * conversions and logic have typed loops chosen once per batch; functions
 * fall back to expr_apply() per row. and/or/if/case/coalesce narrow the
 * selection for the operands they may skip, exactly as the row evaluator
 * skips them, so both give the same values and the same errors.
 */
#include "expr_impl.h"

#include <string.h>

/* ============================== Vectors =================================== */

/* A node's values over the selection: col's arrays are read at
 * [row & mask], so mask 0 makes one value stand for every row. */
typedef struct bvec {
    quire_column col; /* nulls is never NULL here */
    uint32_t mask;
} bvec;

typedef struct bctx {
    const expr_ctx *ctx;
    quire_error *err;
    uint32_t cap;         /* rows per vector: the highest selected row + 1 */
    const uint8_t *zeros; /* cap zero bytes: the null map of columns without one */
} bctx;

static size_t value_size(uint32_t type)
{
    return type == QUIRE_TYPE_STRING ? sizeof(quire_str) : sizeof(int64_t);
}

static void *balloc(bctx *b, const expr *e, size_t size)
{
    return expr_alloc(b->ctx, e, size ? size : 1, b->err);
}

/* A writable vector for node e's result: dst's arrays when given (the
 * caller's output column), else scratch. */
static int new_vec(bctx *b, const expr *e, quire_column *dst, bvec *out)
{
    memset(out, 0, sizeof(*out));
    out->col.type = e->type;
    out->col.scale = e->type == QUIRE_TYPE_DECIMAL ? e->scale : 0;
    out->mask = ~0u;
    if (dst != NULL && dst->nulls != NULL) {
        out->col.nulls = dst->nulls;
        out->col.v = dst->v;
        return QUIRE_OK;
    }
    out->col.nulls = balloc(b, e, b->cap);
    out->col.v.i64 = balloc(b, e, (size_t)b->cap * value_size(e->type));
    return out->col.nulls != NULL && out->col.v.i64 != NULL ? QUIRE_OK : QUIRE_ERR;
}

/* One value for every row. */
static int const_vec(bctx *b, const expr *e, const qv *v, bvec *out)
{
    uint8_t *nulls = balloc(b, e, 1);
    void *slot = balloc(b, e, sizeof(quire_str));

    memset(out, 0, sizeof(*out));
    if (nulls == NULL || slot == NULL)
        return QUIRE_ERR;
    out->col.type = e->type;
    out->col.scale = e->type == QUIRE_TYPE_DECIMAL ? e->scale : 0;
    out->col.nulls = nulls;
    out->mask = 0;
    nulls[0] = v->null;
    switch (e->type) {
    case QUIRE_TYPE_FLOAT:
        out->col.v.f64 = slot;
        out->col.v.f64[0] = v->null ? 0 : v->u.f;
        break;
    case QUIRE_TYPE_STRING:
        out->col.v.str = slot;
        out->col.v.str[0] = v->null ? (quire_str){"", 0} : v->u.s;
        break;
    default:
        out->col.v.i64 = slot;
        out->col.v.i64[0] = v->null ? 0 : v->u.i;
        break;
    }
    return QUIRE_OK;
}

static qv vec_get(const bvec *v, uint32_t row)
{
    return qv_from_column(&v->col, row & v->mask);
}

static void vec_put(bvec *v, uint32_t row, const qv *x)
{
    v->col.nulls[row] = x->null;
    switch (v->col.type) {
    case QUIRE_TYPE_FLOAT: v->col.v.f64[row] = x->null ? 0 : x->u.f; break;
    case QUIRE_TYPE_STRING: v->col.v.str[row] = x->null ? (quire_str){"", 0} : x->u.s; break;
    default: v->col.v.i64[row] = x->null ? 0 : x->u.i; break;
    }
}

/* Copies rows sel[0..n) of src into dst (same type). */
#define COPY_LOOP(FIELD)                                                                           \
    for (uint32_t i = 0; i < n; i++) {                                                             \
        uint32_t r = sel[i];                                                                       \
        dst->nulls[r] = sn[r & m];                                                                 \
        dst->v.FIELD[r] = src->col.v.FIELD[r & m];                                                 \
    }

static void copy_rows(quire_column *dst, const bvec *src, const uint32_t *sel, uint32_t n)
{
    uint32_t m = src->mask;
    const uint8_t *sn = src->col.nulls;

    switch (dst->type) {
    case QUIRE_TYPE_FLOAT: COPY_LOOP(f64); break;
    case QUIRE_TYPE_STRING: COPY_LOOP(str); break;
    default: COPY_LOOP(i64); break;
    }
}

static int column_vec(bctx *b, const expr *e, bvec *out)
{
    const expr_ctx *ctx = b->ctx;
    const quire_column *c;

    if (ctx->columns == NULL || e->ref.index >= ctx->ncolumns) {
        expr_fail(b->err, e, "no column %u in the batch", e->ref.index);
        b->err->code = QUIRE_E_INTERNAL;
        return QUIRE_ERR;
    }
    c = &ctx->columns[e->ref.index];
    if (c->type != e->type || (c->type == QUIRE_TYPE_DECIMAL && c->scale != e->scale)) {
        expr_fail(b->err, e, "column %u has type %s, the expression expects %s", e->ref.index,
                  expr_type_name(c->type), expr_type_name(e->type));
        b->err->code = QUIRE_E_INTERNAL;
        return QUIRE_ERR;
    }
    out->col = *c;
    if (out->col.nulls == NULL)
        out->col.nulls = (uint8_t *)b->zeros; /* read only */
    out->mask = ~0u;
    return QUIRE_OK;
}

/* ============================== Kernels: comparison ======================= */

/*
 * One loop per operator and domain, writing either a bool vector (ov, on)
 * or the selected rows (osel, *nout). Numbers are compared without a branch
 * on NULL (the slot of a NULL holds some number, and the result is masked);
 * strings only when both are present, since a NULL's slot may hold anything.
 */
#define CMP_LOOP(COND, AND)                                                                        \
    do {                                                                                           \
        if (osel != NULL) {                                                                        \
            uint32_t k = 0;                                                                        \
            for (uint32_t i = 0; i < n; i++) {                                                     \
                uint32_t r = sel[i], ra = r & am, rb = r & bm;                                     \
                int keep = !(an[ra] | bn[rb]) AND(COND);                                           \
                osel[k] = r;                                                                       \
                k += (uint32_t)keep;                                                               \
            }                                                                                      \
            *nout = k;                                                                             \
        } else {                                                                                   \
            for (uint32_t i = 0; i < n; i++) {                                                     \
                uint32_t r = sel[i], ra = r & am, rb = r & bm;                                     \
                uint8_t nl = an[ra] | bn[rb];                                                      \
                on[r] = nl;                                                                        \
                ov[r] = !nl AND(COND);                                                             \
            }                                                                                      \
        }                                                                                          \
    } while (0)

#define CMP_SWITCH(A, B, AND)                                                                      \
    switch (sub) {                                                                                 \
    case AST_OP_EQ: CMP_LOOP((A) == (B), AND); break;                                              \
    case AST_OP_NE: CMP_LOOP((A) != (B), AND); break;                                              \
    case AST_OP_LT: CMP_LOOP((A) < (B), AND); break;                                               \
    case AST_OP_LE: CMP_LOOP((A) <= (B), AND); break;                                              \
    case AST_OP_GT: CMP_LOOP((A) > (B), AND); break;                                               \
    default: CMP_LOOP((A) >= (B), AND); break;                                                     \
    }

static void cmp_kernel(const expr *e, const bvec *x, const bvec *y, const uint32_t *sel, uint32_t n,
                       bvec *res, uint32_t *osel, uint32_t *nout)
{
    const uint8_t *an = x->col.nulls, *bn = y->col.nulls;
    uint32_t am = x->mask, bm = y->mask;
    uint8_t *on = res ? res->col.nulls : NULL;
    int64_t *ov = res ? res->col.v.i64 : NULL;
    int sub = e->sub;

    switch (e->dom) {
    case CMPD_I64: {
        const int64_t *av = x->col.v.i64, *bv = y->col.v.i64;
        CMP_SWITCH(av[ra], bv[rb], &);
        break;
    }
    case CMPD_SCALED: {
        const int64_t *av = x->col.v.i64, *bv = y->col.v.i64;
        expr_i128 ma = e->ma, mb = e->mb;
        CMP_SWITCH(av[ra] * ma, bv[rb] * mb, &);
        break;
    }
    case CMPD_FLOAT: {
        const double *av = x->col.v.f64, *bv = y->col.v.f64;
        CMP_SWITCH(av[ra], bv[rb], &);
        break;
    }
    default: {
        const quire_str *av = x->col.v.str, *bv = y->col.v.str;
        if (sub == AST_OP_EQ)
            CMP_LOOP(ek_str_eq(av[ra], bv[rb]), &&);
        else if (sub == AST_OP_NE)
            CMP_LOOP(!ek_str_eq(av[ra], bv[rb]), &&);
        else
            CMP_SWITCH(ek_str_cmp(av[ra], bv[rb]), 0, &&);
        break;
    }
    }
}

/* ============================== Kernels: arithmetic ======================= */

/* CALL computes int rc and the result t for operands at ra and rb. */
#define ARITH_LOOP(T, OUTV, CALL)                                                                  \
    do {                                                                                           \
        for (uint32_t i = 0; i < n; i++) {                                                         \
            uint32_t r = sel[i], ra = r & am, rb = r & bm;                                         \
            T t = 0;                                                                               \
            int rc = (an[ra] | bn[rb]) ? EK_NULL : (CALL);                                         \
            if (rc == EK_OVERFLOW)                                                                 \
                return expr_overflow(b->err, e);                                                   \
            on[r] = rc == EK_NULL;                                                                 \
            OUTV[r] = t;                                                                           \
        }                                                                                          \
    } while (0)

#define ARITH_SUBS(T, OUTV, FN, ...)                                                               \
    switch (e->sub) {                                                                              \
    case AST_OP_ADD: ARITH_LOOP(T, OUTV, FN(AST_OP_ADD, __VA_ARGS__)); break;                      \
    case AST_OP_SUB: ARITH_LOOP(T, OUTV, FN(AST_OP_SUB, __VA_ARGS__)); break;                      \
    case AST_OP_MUL: ARITH_LOOP(T, OUTV, FN(AST_OP_MUL, __VA_ARGS__)); break;                      \
    case AST_OP_DIV: ARITH_LOOP(T, OUTV, FN(AST_OP_DIV, __VA_ARGS__)); break;                      \
    default: ARITH_LOOP(T, OUTV, FN(AST_OP_MOD, __VA_ARGS__)); break;                              \
    }

static int arith_kernel(const expr *e, bctx *b, const bvec *x, const bvec *y, const uint32_t *sel,
                        uint32_t n, bvec *res)
{
    const uint8_t *an = x->col.nulls, *bn = y->col.nulls;
    uint32_t am = x->mask, bm = y->mask;
    uint8_t *on = res->col.nulls;

    if (e->dom == ARD_FLOAT) {
        const double *av = x->col.v.f64, *bv = y->col.v.f64;
        double *ov = res->col.v.f64;
        ARITH_SUBS(double, ov, ek_float, av[ra], bv[rb], &t);
        return QUIRE_OK;
    }
    {
        const int64_t *av = x->col.v.i64, *bv = y->col.v.i64;
        int64_t *ov = res->col.v.i64;
        int64_t ma = e->ma, mb = e->mb, div = e->div;
        int shift = e->shift, sa = e->sa, sb = e->sb, s = e->scale;

        switch (e->dom) {
        case ARD_INT: ARITH_SUBS(int64_t, ov, ek_int, av[ra], bv[rb], &t); break;
        case ARD_SCALED: ARITH_SUBS(int64_t, ov, ek_scaled, av[ra], bv[rb], ma, mb, div, &t); break;
        case ARD_DEC_MUL: ARITH_LOOP(int64_t, ov, ek_dec_mul(av[ra], bv[rb], shift, &t)); break;
        default: ARITH_LOOP(int64_t, ov, ek_dec_div(av[ra], sa, bv[rb], sb, s, &t)); break;
        }
    }
    return QUIRE_OK;
}

/* ============================== Kernels: unary ============================ */

static int unary_kernel(const expr *e, bctx *b, const bvec *x, const uint32_t *sel, uint32_t n,
                        bvec *res)
{
    const uint8_t *an = x->col.nulls;
    uint32_t am = x->mask;
    uint8_t *on = res->col.nulls;

    if (e->op == EOP_ISNULL) {
        for (uint32_t i = 0; i < n; i++) {
            uint32_t r = sel[i];
            on[r] = 0;
            res->col.v.i64[r] = an[r & am] != e->negated;
        }
        return QUIRE_OK;
    }
    if (e->type == QUIRE_TYPE_FLOAT) { /* EOP_NEG */
        for (uint32_t i = 0; i < n; i++) {
            uint32_t r = sel[i];
            on[r] = an[r & am];
            res->col.v.f64[r] = -x->col.v.f64[r & am];
        }
        return QUIRE_OK;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel[i];
        int64_t v = x->col.v.i64[r & am];
        on[r] = an[r & am];
        if (e->op == EOP_NOT) {
            res->col.v.i64[r] = !v;
        } else {
            if (v == INT64_MIN && !an[r & am])
                return expr_overflow(b->err, e);
            res->col.v.i64[r] = v == INT64_MIN ? 0 : -v;
        }
    }
    return QUIRE_OK;
}

/* CAST_TO_FLOAT, CAST_RESCALE, CAST_DATE_TS (CAST_TEXT goes per row). */
static int cast_kernel(const expr *e, bctx *b, const bvec *x, const uint32_t *sel, uint32_t n,
                       bvec *res)
{
    const uint8_t *an = x->col.nulls;
    const int64_t *av = x->col.v.i64;
    uint32_t am = x->mask;
    uint8_t *on = res->col.nulls;

    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel[i];
        int64_t v = av[r & am], t = 0;
        int null = an[r & am];

        on[r] = (uint8_t)null;
        if (e->sub == CAST_TO_FLOAT) {
            res->col.v.f64[r] = e->from_scale > 0 ? dec_to_double(v, e->from_scale) : (double)v;
            continue;
        }
        if (!null && (e->sub == CAST_RESCALE ? dec_rescale(v, e->from_scale, e->scale, &t) != DEC_OK
                                             : __builtin_mul_overflow(v, EXPR_US_PER_DAY, &t)))
            return expr_overflow(b->err, e);
        res->col.v.i64[r] = t;
    }
    return QUIRE_OK;
}

/* ============================== Evaluation ================================ */

static int beval(const expr *e, bctx *b, const uint32_t *sel, uint32_t n, quire_column *dst,
                 bvec *out);

/* Evaluates every argument over the same selection. */
static int eval_args(const expr *e, bctx *b, const uint32_t *sel, uint32_t n, bvec *args)
{
    for (uint32_t i = 0; i < e->nargs; i++) {
        if (beval(e->args[i], b, sel, n, NULL, &args[i]) != QUIRE_OK)
            return QUIRE_ERR;
    }
    return QUIRE_OK;
}

static int all_const(const bvec *args, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (args[i].mask != 0)
            return 0;
    }
    return 1;
}

/* expr_apply() row by row (or once, when every argument is one value). */
static int per_row(const expr *e, bctx *b, const bvec *args, const uint32_t *sel, uint32_t n,
                   quire_column *dst, bvec *out)
{
    qv local[4], v;
    qv *argv = local;

    if (e->nargs > 4) {
        argv = balloc(b, e, e->nargs * sizeof(*argv));
        if (argv == NULL)
            return QUIRE_ERR;
    }
    if (all_const(args, e->nargs)) {
        for (uint32_t j = 0; j < e->nargs; j++)
            argv[j] = vec_get(&args[j], 0);
        if (expr_apply(e, argv, b->ctx, &v, b->err) != QUIRE_OK)
            return QUIRE_ERR;
        return const_vec(b, e, &v, out);
    }
    if (new_vec(b, e, dst, out) != QUIRE_OK)
        return QUIRE_ERR;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel[i];
        for (uint32_t j = 0; j < e->nargs; j++)
            argv[j] = vec_get(&args[j], r);
        if (expr_apply(e, argv, b->ctx, &v, b->err) != QUIRE_OK)
            return QUIRE_ERR;
        vec_put(out, r, &v);
    }
    return QUIRE_OK;
}

/* and / or: the right operand only where the left one does not decide. */
static int eval_logic(const expr *e, bctx *b, const uint32_t *sel, uint32_t n, quire_column *dst,
                      bvec *out)
{
    int64_t dominant = e->op == EOP_OR;
    uint32_t *rest, k = 0;
    bvec x, y;

    if (beval(e->args[0], b, sel, n, NULL, &x) != QUIRE_OK || new_vec(b, e, dst, out) != QUIRE_OK)
        return QUIRE_ERR;
    rest = balloc(b, e, n * sizeof(*rest));
    if (rest == NULL)
        return QUIRE_ERR;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel[i], rx = r & x.mask;
        if (!x.col.nulls[rx] && (x.col.v.i64[rx] != 0) == dominant) {
            out->col.nulls[r] = 0;
            out->col.v.i64[r] = dominant;
        } else {
            rest[k++] = r;
        }
    }
    if (beval(e->args[1], b, rest, k, NULL, &y) != QUIRE_OK)
        return QUIRE_ERR;
    for (uint32_t i = 0; i < k; i++) {
        uint32_t r = rest[i], rx = r & x.mask, ry = r & y.mask;
        int xn = x.col.nulls[rx], yn = y.col.nulls[ry];
        if (!yn && (y.col.v.i64[ry] != 0) == dominant) {
            out->col.nulls[r] = 0;
            out->col.v.i64[r] = dominant;
        } else {
            out->col.nulls[r] = (uint8_t)(xn | yn);
            out->col.v.i64[r] = !dominant;
        }
    }
    return QUIRE_OK;
}

/* Splits sel by a bool vector: true rows to *yes, the others to *no. */
static int split(const expr *e, bctx *b, const bvec *c, const uint32_t *sel, uint32_t n,
                 uint32_t **yes, uint32_t *nyes, uint32_t **no, uint32_t *nno)
{
    *yes = balloc(b, e, n * sizeof(**yes));
    *no = balloc(b, e, n * sizeof(**no));
    *nyes = *nno = 0;
    if (*yes == NULL || *no == NULL)
        return QUIRE_ERR;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel[i], rc = r & c->mask;
        if (!c->col.nulls[rc] && c->col.v.i64[rc])
            (*yes)[(*nyes)++] = r;
        else
            (*no)[(*nno)++] = r;
    }
    return QUIRE_OK;
}

/* Evaluates args[i] over sel and copies it into the result. */
static int branch(const expr *e, bctx *b, uint32_t i, const uint32_t *sel, uint32_t n, bvec *out)
{
    bvec v;

    if (n == 0)
        return QUIRE_OK;
    if (beval(e->args[i], b, sel, n, NULL, &v) != QUIRE_OK)
        return QUIRE_ERR;
    copy_rows(&out->col, &v, sel, n);
    return QUIRE_OK;
}

static void put_nulls(bvec *out, const uint32_t *sel, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        qv v = qv_null(out->col.type);
        vec_put(out, sel[i], &v);
    }
}

/* if, case, coalesce: each branch over the rows that reach it. */
static int eval_choice(const expr *e, bctx *b, const uint32_t *sel, uint32_t n, quire_column *dst,
                       bvec *out)
{
    const uint32_t *rest = sel;
    uint32_t nrest = n;

    if (new_vec(b, e, dst, out) != QUIRE_OK)
        return QUIRE_ERR;
    if (e->op == EOP_COALESCE) {
        for (uint32_t i = 0; i < e->nargs && nrest > 0; i++) {
            uint32_t *next, k = 0;
            bvec v;
            if (beval(e->args[i], b, rest, nrest, NULL, &v) != QUIRE_OK)
                return QUIRE_ERR;
            next = balloc(b, e, nrest * sizeof(*next));
            if (next == NULL)
                return QUIRE_ERR;
            for (uint32_t j = 0; j < nrest; j++) {
                uint32_t r = rest[j];
                if (v.col.nulls[r & v.mask])
                    next[k++] = r;
            }
            copy_rows(&out->col, &v, rest, nrest); /* NULLs are overwritten later, or stay */
            rest = next;
            nrest = k;
        }
        return QUIRE_OK;
    }
    /* if(c, a, b) is case(c, a, b). */
    for (uint32_t i = 0; i + 1 < e->nargs && nrest > 0; i += 2) {
        uint32_t *yes, *no, nyes, nno;
        bvec c;
        if (beval(e->args[i], b, rest, nrest, NULL, &c) != QUIRE_OK ||
            split(e, b, &c, rest, nrest, &yes, &nyes, &no, &nno) != QUIRE_OK ||
            branch(e, b, i + 1, yes, nyes, out) != QUIRE_OK)
            return QUIRE_ERR;
        rest = no;
        nrest = nno;
    }
    if (e->nargs % 2 == 1)
        return branch(e, b, e->nargs - 1, rest, nrest, out);
    put_nulls(out, rest, nrest);
    return QUIRE_OK;
}

/* x in [constants]: one pass over the rows, the items in a tight loop
 * (NULL items are left out: they only turn "no match" into NULL). */
#define IN_LOOP(MATCH)                                                                             \
    for (uint32_t i = 0; i < n; i++) {                                                             \
        uint32_t r = sel[i], ra = r & am;                                                          \
        int match = 0;                                                                             \
        for (uint32_t j = 0; j < nk && !match; j++)                                                \
            match = (MATCH);                                                                       \
        out->col.nulls[r] = x->col.nulls[ra] | (!match && has_null);                               \
        out->col.v.i64[r] = match ? !e->negated : e->negated;                                      \
    }

static int eval_in_const(const expr *e, bctx *b, const bvec *x, const uint32_t *sel, uint32_t n,
                         quire_column *dst, bvec *out)
{
    uint32_t am = x->mask, nk = 0;
    int has_null = 0;
    qv *k;

    if (new_vec(b, e, dst, out) != QUIRE_OK)
        return QUIRE_ERR;
    k = balloc(b, e, e->nargs * sizeof(*k));
    if (k == NULL)
        return QUIRE_ERR;
    for (uint32_t j = 1; j < e->nargs; j++) {
        if (e->args[j]->value.null)
            has_null = 1;
        else
            k[nk++] = e->args[j]->value;
    }
    if (x->col.type == QUIRE_TYPE_STRING) {
        const quire_str *xv = x->col.v.str;
        /* a NULL's slot may hold anything: no string compare there */
        IN_LOOP(!x->col.nulls[ra] && ek_str_eq(xv[ra], k[j].u.s));
    } else if (x->col.type == QUIRE_TYPE_FLOAT) {
        const double *xv = x->col.v.f64;
        IN_LOOP(xv[ra] == k[j].u.f);
    } else {
        const int64_t *xv = x->col.v.i64;
        IN_LOOP(xv[ra] == k[j].u.i);
    }
    return QUIRE_OK;
}

static int in_items_const(const expr *e)
{
    for (uint32_t j = 1; j < e->nargs; j++) {
        if (e->args[j]->op != EOP_CONST)
            return 0;
    }
    return 1;
}

static int beval(const expr *e, bctx *b, const uint32_t *sel, uint32_t n, quire_column *dst,
                 bvec *out)
{
    bvec local[2];
    bvec *args = local;
    qv v;

    if (n == 0) {
        /* No row reaches this node: compute nothing (not even a constant
         * part, whose error the row evaluator would never meet). */
        v = qv_null(e->type);
        return const_vec(b, e, &v, out);
    }
    switch (e->op) {
    case EOP_CONST: return const_vec(b, e, &e->value, out);
    case EOP_REF:
        if (e->ref.kind == EXPR_REF_COLUMN)
            return column_vec(b, e, out);
        if (expr_load_ref(e, b->ctx, &v, b->err) != QUIRE_OK)
            return QUIRE_ERR;
        return const_vec(b, e, &v, out);
    case EOP_AND:
    case EOP_OR: return eval_logic(e, b, sel, n, dst, out);
    case EOP_IF:
    case EOP_CASE:
    case EOP_COALESCE: return eval_choice(e, b, sel, n, dst, out);
    default: break;
    }
    if (e->nargs > 2) {
        args = balloc(b, e, e->nargs * sizeof(*args));
        if (args == NULL)
            return QUIRE_ERR;
    }
    if (e->op == EOP_IN && in_items_const(e)) {
        if (beval(e->args[0], b, sel, n, NULL, &args[0]) != QUIRE_OK)
            return QUIRE_ERR;
        if (args[0].mask != 0)
            return eval_in_const(e, b, &args[0], sel, n, dst, out);
        /* A constant probe (a parameter): computed once below. */
    }
    if (eval_args(e, b, sel, n, args) != QUIRE_OK)
        return QUIRE_ERR;
    if (all_const(args, e->nargs))
        return per_row(e, b, args, sel, n, dst, out);
    switch (e->op) {
    case EOP_CMP:
        if (new_vec(b, e, dst, out) != QUIRE_OK)
            return QUIRE_ERR;
        cmp_kernel(e, &args[0], &args[1], sel, n, out, NULL, NULL);
        return QUIRE_OK;
    case EOP_ARITH:
        if (new_vec(b, e, dst, out) != QUIRE_OK)
            return QUIRE_ERR;
        return arith_kernel(e, b, &args[0], &args[1], sel, n, out);
    case EOP_NEG:
    case EOP_NOT:
    case EOP_ISNULL:
        if (new_vec(b, e, dst, out) != QUIRE_OK)
            return QUIRE_ERR;
        return unary_kernel(e, b, &args[0], sel, n, out);
    case EOP_CAST:
        if (e->sub == CAST_TEXT)
            break;
        if (new_vec(b, e, dst, out) != QUIRE_OK)
            return QUIRE_ERR;
        return cast_kernel(e, b, &args[0], sel, n, out);
    default: break;
    }
    return per_row(e, b, args, sel, n, dst, out);
}

/* ============================== Filtering ================================= */

static int bfilter(const expr *e, bctx *b, const uint32_t *sel, uint32_t n, uint32_t *osel,
                   uint32_t *nout)
{
    bvec x, y;
    uint32_t k = 0;

    if (e->op == EOP_AND) {
        /* Rows the left side rejects never reach the right side. */
        if (bfilter(e->args[0], b, sel, n, osel, &k) != QUIRE_OK)
            return QUIRE_ERR;
        return bfilter(e->args[1], b, osel, k, osel, nout);
    }
    if (e->op == EOP_CMP) {
        if (beval(e->args[0], b, sel, n, NULL, &x) != QUIRE_OK ||
            beval(e->args[1], b, sel, n, NULL, &y) != QUIRE_OK)
            return QUIRE_ERR;
        cmp_kernel(e, &x, &y, sel, n, NULL, osel, nout);
        return QUIRE_OK;
    }
    if (beval(e, b, sel, n, NULL, &x) != QUIRE_OK)
        return QUIRE_ERR;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel[i], rx = r & x.mask;
        osel[k] = r;
        k += !x.col.nulls[rx] && x.col.v.i64[rx] != 0;
    }
    *nout = k;
    return QUIRE_OK;
}

/* ============================== API ======================================= */

static int setup(bctx *b, const expr *e, const expr_ctx *ctx, const uint32_t *sel, uint32_t nsel,
                 quire_error *err)
{
    uint32_t max = 0;
    uint8_t *zeros;

    for (uint32_t i = 0; i < nsel; i++)
        max = sel[i] > max ? sel[i] : max;
    b->ctx = ctx;
    b->err = err;
    b->cap = max + 1;
    zeros = expr_alloc(ctx, e, b->cap, err);
    if (zeros == NULL)
        return QUIRE_ERR;
    memset(zeros, 0, b->cap);
    b->zeros = zeros;
    return QUIRE_OK;
}

int expr_eval_batch(const expr *e, const expr_ctx *ctx, const uint32_t *sel, uint32_t nsel,
                    quire_column *out, quire_error *err)
{
    quire_error scratch;
    bctx b;
    bvec res;

    if (err == NULL)
        err = &scratch;
    if (nsel == 0)
        return QUIRE_OK;
    if (out->type != e->type || out->nulls == NULL) {
        expr_fail(err, e, "output column of type %s for an expression of type %s",
                  expr_type_name(out->type), expr_type_name(e->type));
        err->code = QUIRE_E_INTERNAL;
        return QUIRE_ERR;
    }
    if (setup(&b, e, ctx, sel, nsel, err) != QUIRE_OK ||
        beval(e, &b, sel, nsel, out, &res) != QUIRE_OK)
        return QUIRE_ERR;
    if (res.mask != ~0u || res.col.nulls != out->nulls || res.col.v.i64 != out->v.i64)
        copy_rows(out, &res, sel, nsel);
    if (e->type == QUIRE_TYPE_DECIMAL && out->scale != e->scale) {
        /* The caller's column has another scale: rescale in place. */
        for (uint32_t i = 0; i < nsel; i++) {
            uint32_t r = sel[i];
            int64_t t = 0;
            if (!out->nulls[r] && dec_rescale(out->v.i64[r], e->scale, out->scale, &t) != DEC_OK)
                return expr_overflow(err, e);
            out->v.i64[r] = t;
        }
    }
    return QUIRE_OK;
}

int expr_filter_batch(const expr *e, const expr_ctx *ctx, const uint32_t *sel, uint32_t nsel,
                      uint32_t *out_sel, uint32_t *nout, quire_error *err)
{
    quire_error scratch;
    bctx b;

    if (err == NULL)
        err = &scratch;
    *nout = 0;
    if (nsel == 0)
        return QUIRE_OK;
    if (e->type != QUIRE_TYPE_BOOL) {
        expr_fail(err, e, "a filter must be a bool, got %s", expr_type_name(e->type));
        return QUIRE_ERR;
    }
    if (setup(&b, e, ctx, sel, nsel, err) != QUIRE_OK)
        return QUIRE_ERR;
    return bfilter(e, &b, sel, nsel, out_sel, nout);
}
