/*
 * expr_impl.h - the inside of the expression engine, shared by its files:
 * the compiled node, the function table entries, and the helpers the
 * compiler (expr_compile.c), the evaluators (expr_eval.c, expr_eval_batch.c)
 * and the function families (expr_func_*.c) have in common. Nothing
 * outside kernel/expr*.c includes this.
 */
#ifndef QUIRE_EXPR_IMPL_H
#define QUIRE_EXPR_IMPL_H

#include <math.h>
#include <string.h>

#include "decimal.h"
#include "expr.h"

/* ============================== Nodes ===================================== */

typedef enum expr_op {
    EOP_CONST = 1, /* value */
    EOP_REF,       /* ref */
    EOP_CAST,      /* args[0] converted: sub = CAST_* */
    EOP_NEG,       /* -args[0] */
    EOP_NOT,       /* not args[0] */
    EOP_ARITH,     /* args[0] sub args[1] in domain dom (ARD_*) */
    EOP_CMP,       /* args[0] sub args[1]: sub = AST_OP_EQ..GE, dom = CMPD_* */
    EOP_AND,
    EOP_OR,
    EOP_ISNULL,   /* negated: is not null */
    EOP_IN,       /* args[0] in args[1..]; negated: not in */
    EOP_CONCAT,   /* args[0] || args[1], both strings */
    EOP_IF,       /* if(args[0], args[1], args[2]) */
    EOP_CASE,     /* case(c1, v1, ..., [else]) */
    EOP_COALESCE, /* first non-NULL of args */
    EOP_CALL,     /* fn->eval(args) */
} expr_op;

/* Conversions (EOP_CAST sub). */
#define CAST_TO_FLOAT 1 /* int or decimal (args[0] scale) to float */
#define CAST_RESCALE  2 /* int or decimal to decimal at the node's scale */
#define CAST_DATE_TS  3 /* date to timestamp (midnight UTC) */
#define CAST_TEXT     4 /* anything to its canonical text */

/* Arithmetic domains (EOP_ARITH dom); sub is the AST_OP. */
#define ARD_INT     1 /* int64 with overflow checks: + - * % */
#define ARD_SCALED  2 /* (a*ma +/- b*mb) / div, or (a*ma) % (b*mb), in 128 bits */
#define ARD_DEC_MUL 3 /* a*b, then `shift` digits dropped (rounded) */
#define ARD_DEC_DIV 4 /* a/10^sa / b/10^sb at the node's scale */
#define ARD_FLOAT   5

/* Comparison domains (EOP_CMP dom). */
#define CMPD_I64    1 /* same representation: int, decimal same scale, bool, date, ts */
#define CMPD_SCALED 2 /* a*ma vs b*mb in 128 bits (mixed decimal scales) */
#define CMPD_FLOAT  3
#define CMPD_STR    4 /* bytewise (UTF-8 code point order) */

/* Node flags, or-ed up from the children. */
#define EXF_COLUMN 0x01 /* reads a column */
#define EXF_VAR    0x02 /* reads a variable */
#define EXF_PARAM  0x04 /* reads a parameter */
#define EXF_PAGE   0x08 /* page(), page_count() */
#define EXF_NOW    0x10 /* now(), today() */
#define EXF_LOCALE 0x20 /* depends on the locale: format() */
#define EXF_FOLDED 0x40 /* a constant computed at compile time */
#define EXF_PAGE_COUNT 0x80 /* page_count(): known only when the pages are numbered */

struct expr_fn;

struct expr {
    uint8_t op;        /* EOP_* */
    uint8_t type;      /* QUIRE_TYPE_* of the result */
    int16_t scale;     /* DECIMAL result */
    uint8_t sub;       /* CAST_*, AST_OP_* */
    uint8_t dom;       /* ARD_*, CMPD_* */
    uint8_t negated;   /* ISNULL, IN */
    uint8_t flags;     /* EXF_* */
    int8_t sa, sb;     /* ARD_DEC_DIV operand scales */
    int8_t shift;      /* ARD_DEC_MUL digits dropped */
    int8_t from_scale; /* CAST: the operand's scale */
    int64_t ma, mb;    /* ARD_SCALED, CMPD_SCALED multipliers */
    int64_t div;       /* ARD_SCALED result divisor (truncating) */
    int64_t aux;       /* function data: date_trunc unit, round digits */
    qv value;          /* EOP_CONST */
    expr_ref ref;      /* EOP_REF */
    struct expr **args;
    uint32_t nargs;
    const struct expr_fn *fn; /* EOP_CALL */
    const char *opname;       /* "+", "abs": for runtime errors */
    const char *path;         /* the definition, for runtime errors */
    ast_loc loc;
};

/* ============================== Functions ================================= */

typedef struct expr_cc {
    const expr_env *env;
    quire_arena *arena;
    diag *d;
    const char *path;
} expr_cc;

/* Computes one call from its evaluated arguments (already of the types the
 * check asked for; NULL arguments included unless FN_NULL_IN_NULL_OUT).
 * Strings go to ctx->arena. Returns 0, or -1 with *err set. */
typedef int (*expr_fn_eval)(const expr *e, const qv *args, const expr_ctx *ctx, qv *out,
                            quire_error *err);

/* Types the call `e` (args compiled, their number checked): coerces the
 * arguments, sets e->type/scale/aux. Returns 0, or -1 after an error. */
typedef int (*expr_fn_check)(expr_cc *cc, expr *e);

#define FN_VARIADIC 255

#define FN_NULL_IN_NULL_OUT 0x01 /* any NULL argument: the result is NULL */
#define FN_PAGE             0x02 /* page(), page_count() */
#define FN_NOW              0x04 /* now(), today() */
#define FN_UNIT_ARG0        0x08 /* a bare name as the first argument is text */
#define FN_LOCALE           0x10 /* reads ctx->locale */

typedef struct expr_fn {
    const char *name;
    uint8_t min_args;
    uint8_t max_args; /* FN_VARIADIC: no limit */
    uint8_t flags;    /* FN_* */
    uint8_t op;       /* EOP_CALL, or the special node it compiles to */
    expr_fn_check check;
    expr_fn_eval eval;
} expr_fn;

/* The function families. */
extern const expr_fn expr_fns_string[];
extern const size_t expr_nfns_string;
extern const expr_fn expr_fns_math[];
extern const size_t expr_nfns_math;
extern const expr_fn expr_fns_date[];
extern const size_t expr_nfns_date;
extern const expr_fn expr_fns_misc[];
extern const size_t expr_nfns_misc;

/* The function called `name`, or NULL. */
const expr_fn *expr_fn_find(const char *name);

/* The known function nearest to `name` (edit distance <= 2), or NULL. */
const char *expr_fn_suggest(const char *name);

/* 1 if `name` is an aggregate (sum, count, ...). */
int expr_is_aggregate(const char *name);

/* ============================== Compile helpers =========================== */

/* Appends an error located at `loc`. */
void expr_cc_error(expr_cc *cc, ast_loc loc, const char *fmt, ...) QUIRE_PRINTF(3, 4);

/* A new zeroed node in the compile arena (NULL after an "out of memory" error). */
expr *expr_node(expr_cc *cc, int op, ast_loc loc);

/* `e` converted to (type, scale): a NULL of no type is retyped, int and
 * decimal widen to decimal or float, a date to a timestamp, anything to a
 * string (canonical text). Returns `e` or a cast node; NULL on failure (out
 * of memory or a conversion that does not exist; no message). */
expr *expr_coerce(expr_cc *cc, expr *e, uint32_t type, int scale);

/* The type both a and b convert to for comparing or choosing between them
 * (numbers widen, date meets timestamp, NULL takes the other type); 0 and
 * the type and scale set, or -1 if there is none. */
int expr_common_type(uint32_t ta, int sa, uint32_t tb, int sb, uint32_t *type, int *scale);

/* Coerces the arguments args[idx[0..n)] (idx NULL: args[0..n)) to their
 * common type and gives `e` that type; on a mismatch reports "'NAME'
 * arguments have different types: X and Y" at the argument. */
int expr_unify(expr_cc *cc, expr *e, const uint32_t *idx, uint32_t n);

/* Checks that args[i] has `type` (a NULL of no type is retyped); otherwise
 * reports "'NAME' needs WHAT as argument N, got TYPE". */
int expr_want_arg(expr_cc *cc, expr *e, uint32_t i, uint32_t type, const char *what);

/* Checks that args[i] is a number (int, decimal or float). */
int expr_want_number(expr_cc *cc, expr *e, uint32_t i);

/* 1 if args[i] is a compile-time constant (folded); *out gets its value. */
int expr_arg_constant(const expr *e, uint32_t i, qv *out);

/* ============================== Runtime helpers =========================== */

/* Sets *err to "PATH:LINE:COL: MESSAGE" for node `e`; returns QUIRE_ERR. */
int expr_fail(quire_error *err, const expr *e, const char *fmt, ...) QUIRE_PRINTF(3, 4);

/* "integer overflow in 'OP'" or "decimal overflow in 'OP'" for `e`. */
int expr_overflow(quire_error *err, const expr *e);

/* Allocates from ctx->arena, setting "out of memory" in *err on failure. */
void *expr_alloc(const expr_ctx *ctx, const expr *e, size_t size, quire_error *err);

/* The value of a parameter or variable reference (type checked, decimal
 * rescaled to the reference's scale). */
int expr_load_ref(const expr *e, const expr_ctx *ctx, qv *out, quire_error *err);

/* Scalar evaluation of one node over argument values (used by the row
 * evaluator and by batch evaluation of nodes without a vector kernel). */
int expr_apply(const expr *e, const qv *args, const expr_ctx *ctx, qv *out, quire_error *err);

/* UTF-8: the byte length of the character starting at s[0] (1 for an
 * invalid byte, which counts as one character). */
size_t expr_utf8_len(const unsigned char *s, size_t n);

/* Calendar helpers on days since 1970-01-01. */

#define EXPR_US_PER_DAY INT64_C(86400000000)
#define EXPR_US_PER_SEC INT64_C(1000000)

/* ============================== Scalar kernels ============================ */

/* One value of each operator, shared by the row and the batch evaluator so
 * both compute exactly the same thing. Results: */
#define EK_OK       0
#define EK_OVERFLOW 1 /* the result does not fit */
#define EK_NULL     2 /* division or modulo by zero: NULL */

typedef __int128 expr_i128;

static inline int ek_store(expr_i128 v, int64_t *r)
{
    if (v < (expr_i128)INT64_MIN || v > (expr_i128)INT64_MAX)
        return EK_OVERFLOW;
    *r = (int64_t)v;
    return EK_OK;
}

/* ARD_INT: + - * % on int64. */
static inline int ek_int(int sub, int64_t a, int64_t b, int64_t *r)
{
    switch (sub) {
    case AST_OP_ADD: return __builtin_add_overflow(a, b, r) ? EK_OVERFLOW : EK_OK;
    case AST_OP_SUB: return __builtin_sub_overflow(a, b, r) ? EK_OVERFLOW : EK_OK;
    case AST_OP_MUL: return __builtin_mul_overflow(a, b, r) ? EK_OVERFLOW : EK_OK;
    default:
        if (b == 0)
            return EK_NULL;
        *r = b == -1 ? 0 : a % b; /* INT64_MIN % -1 traps in C */
        return EK_OK;
    }
}

/* ARD_SCALED: (a*ma +/- b*mb) / div truncated, or (a*ma) % (b*mb). */
static inline int ek_scaled(int sub, int64_t a, int64_t b, int64_t ma, int64_t mb, int64_t div,
                            int64_t *r)
{
    expr_i128 x = (expr_i128)a * ma, y = (expr_i128)b * mb, v;

    if (sub == AST_OP_MOD) {
        if (y == 0)
            return EK_NULL;
        v = x % y;
    } else {
        v = sub == AST_OP_ADD ? x + y : x - y;
        if (div != 1)
            v /= div;
    }
    return ek_store(v, r);
}

/* ARD_DEC_MUL: a*b with `shift` digits rounded off, half away from zero. */
static inline int ek_dec_mul(int64_t a, int64_t b, int shift, int64_t *r)
{
    expr_i128 v = (expr_i128)a * b;

    if (shift > 0)
        v = dec_div_round(v, dec_pow10(shift));
    return ek_store(v, r);
}

/* ARD_DEC_DIV. */
static inline int ek_dec_div(int64_t a, int sa, int64_t b, int sb, int s, int64_t *r)
{
    int rc = dec_div_to(a, sa, b, sb, s, r);
    return rc == DEC_OK ? EK_OK : rc == DEC_DIV_ZERO ? EK_NULL : EK_OVERFLOW;
}

/* ARD_FLOAT: IEEE arithmetic, but x / 0 and x % 0 are NULL. */
static inline int ek_float(int sub, double a, double b, double *r)
{
    switch (sub) {
    case AST_OP_ADD: *r = a + b; break;
    case AST_OP_SUB: *r = a - b; break;
    case AST_OP_MUL: *r = a * b; break;
    case AST_OP_DIV:
        if (b == 0)
            return EK_NULL;
        *r = a / b;
        break;
    default:
        if (b == 0)
            return EK_NULL;
        *r = fmod(a, b);
        break;
    }
    return EK_OK;
}

/* A three-way result (-1, 0, 1) tested against a comparison operator. */
static inline int ek_test(int sub, int c)
{
    switch (sub) {
    case AST_OP_EQ: return c == 0;
    case AST_OP_NE: return c != 0;
    case AST_OP_LT: return c < 0;
    case AST_OP_LE: return c <= 0;
    case AST_OP_GT: return c > 0;
    default: return c >= 0;
    }
}

static inline int ek_cmp_float(int sub, double a, double b)
{
    switch (sub) {
    case AST_OP_EQ: return a == b;
    case AST_OP_NE: return a != b;
    case AST_OP_LT: return a < b;
    case AST_OP_LE: return a <= b;
    case AST_OP_GT: return a > b;
    default: return a >= b;
    }
}

/* Bytewise order, a prefix first. */
static inline int ek_str_cmp(quire_str a, quire_str b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int c = n > 0 ? memcmp(a.ptr, b.ptr, n) : 0;

    if (c != 0)
        return c < 0 ? -1 : 1;
    return (a.len > b.len) - (a.len < b.len);
}

/* The first byte is compared inline: most unequal strings differ there,
 * and a call to memcmp costs more than the comparison itself. */
static inline int ek_str_eq(quire_str a, quire_str b)
{
    return a.len == b.len &&
           (a.len == 0 || (a.ptr[0] == b.ptr[0] && memcmp(a.ptr, b.ptr, a.len) == 0));
}

static inline int ek_i128_cmp(int64_t a, int64_t b, int64_t ma, int64_t mb)
{
    expr_i128 x = (expr_i128)a * ma, y = (expr_i128)b * mb;
    return (x > y) - (x < y);
}

#endif /* QUIRE_EXPR_IMPL_H */
