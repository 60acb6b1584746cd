/*
 * expr_compile.c - from an expression's syntax tree to a typed, immutable
 * expression tree (see expr.h for the language's typing rules).
 *
 * Compiling resolves names through the environment, checks every
 * operator's and function's operand types, makes implicit conversions
 * explicit (cast nodes: int to decimal or float, date to timestamp, any
 * value to text for ||), chooses each operator's arithmetic domain so the
 * evaluators never look at types again, and folds sub-expressions made of
 * literals into constants.
 */
#include "expr_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Deeper trees are refused so that compiling and evaluating (both
 * recursive) have a bounded stack; `a + b + ... ` chains count too. */
#define EXPR_MAX_DEPTH 256

#define EXF_NOT_CONSTANT (EXF_COLUMN | EXF_VAR | EXF_PAGE | EXF_NOW)
#define EXF_NOT_FOLDABLE (EXF_NOT_CONSTANT | EXF_PARAM | EXF_LOCALE)

/* ============================== Helpers =================================== */

const char *expr_type_name(uint32_t type)
{
    switch (type) {
    case QUIRE_TYPE_NULL: return "null";
    case QUIRE_TYPE_BOOL: return "bool";
    case QUIRE_TYPE_INT: return "int";
    case QUIRE_TYPE_DECIMAL: return "decimal";
    case QUIRE_TYPE_FLOAT: return "float";
    case QUIRE_TYPE_STRING: return "string";
    case QUIRE_TYPE_DATE: return "date";
    case QUIRE_TYPE_TIMESTAMP: return "timestamp";
    default: return "unknown";
    }
}

void expr_cc_error(expr_cc *cc, ast_loc loc, const char *fmt, ...)
{
    char msg[QUIRE_ERROR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    diag_error_at(cc->d, cc->path, cc->env->text, cc->env->len, loc.line, loc.column, "%s", msg);
}

expr *expr_node(expr_cc *cc, int op, ast_loc loc)
{
    expr *e = arena_alloc(cc->arena, sizeof(*e));

    if (e == NULL) {
        expr_cc_error(cc, loc, "out of memory");
        return NULL;
    }
    memset(e, 0, sizeof(*e));
    e->op = (uint8_t)op;
    e->loc = loc;
    e->path = cc->path;
    return e;
}

static int set_args(expr_cc *cc, expr *e, uint32_t n)
{
    e->nargs = n;
    if (n == 0)
        return 0;
    e->args = arena_alloc(cc->arena, n * sizeof(*e->args));
    if (e->args == NULL) {
        expr_cc_error(cc, e->loc, "out of memory");
        return -1;
    }
    memset(e->args, 0, n * sizeof(*e->args));
    return 0;
}

static expr *const_node(expr_cc *cc, ast_loc loc, qv v)
{
    expr *e = expr_node(cc, EOP_CONST, loc);

    if (e == NULL)
        return NULL;
    e->type = v.type;
    e->scale = v.type == QUIRE_TYPE_DECIMAL ? v.scale : 0;
    e->value = v;
    e->flags = EXF_FOLDED;
    return e;
}

static int is_num(uint32_t t)
{
    return t == QUIRE_TYPE_INT || t == QUIRE_TYPE_DECIMAL || t == QUIRE_TYPE_FLOAT;
}

static int is_time(uint32_t t)
{
    return t == QUIRE_TYPE_DATE || t == QUIRE_TYPE_TIMESTAMP;
}

static int scale_of(const expr *e)
{
    return e->type == QUIRE_TYPE_DECIMAL ? e->scale : 0;
}

/* The flags a node gets from its arguments. */
static void inherit_flags(expr *e)
{
    for (uint32_t i = 0; i < e->nargs; i++)
        e->flags |= e->args[i]->flags & ~EXF_FOLDED;
}

/* ============================== Folding =================================== */

/* Reports a runtime error met while folding ("PATH:LINE:COL: message") as a
 * compile error at the same place. */
static void fold_error(expr_cc *cc, const expr *e, const char *msg)
{
    size_t n = strlen(cc->path);
    ast_loc loc = e->loc;
    const char *text = msg;

    if (strncmp(msg, cc->path, n) == 0 && msg[n] == ':') {
        char *end;
        unsigned long line = strtoul(msg + n + 1, &end, 10);
        if (*end == ':') {
            unsigned long col = strtoul(end + 1, &end, 10);
            if (end[0] == ':' && end[1] == ' ') {
                loc.line = (uint32_t)line;
                loc.column = (uint32_t)col;
                text = end + 2;
            }
        }
    }
    expr_cc_error(cc, loc, "%s", text);
}

/* Turns a node whose inputs are all literals into a constant. */
static expr *fold(expr_cc *cc, expr *e)
{
    expr_ctx ctx;
    quire_error err;
    qv v;

    if (e == NULL || e->op == EOP_CONST || (e->flags & EXF_NOT_FOLDABLE))
        return e;
    memset(&ctx, 0, sizeof(ctx));
    memset(&err, 0, sizeof(err));
    ctx.arena = cc->arena;
    if (expr_eval(e, &ctx, 0, &v, &err) != QUIRE_OK) {
        fold_error(cc, e, err.msg);
        return NULL;
    }
    v.type = e->type;
    v.scale = e->type == QUIRE_TYPE_DECIMAL ? e->scale : 0;
    e->op = EOP_CONST;
    e->value = v;
    e->args = NULL;
    e->nargs = 0;
    e->fn = NULL;
    e->flags = EXF_FOLDED;
    return e;
}

/* ============================== Conversions =============================== */

expr *expr_coerce(expr_cc *cc, expr *e, uint32_t type, int scale)
{
    expr *c;
    int sub;

    if (e == NULL)
        return NULL;
    if (type != QUIRE_TYPE_DECIMAL)
        scale = 0;
    if (e->type == type && scale_of(e) == scale)
        return e;
    if (e->type == QUIRE_TYPE_NULL) {
        /* A NULL of no type becomes a NULL of the type it meets. */
        if (e->op != EOP_CONST) {
            e = const_node(cc, e->loc, qv_null(type));
            if (e == NULL)
                return NULL;
        }
        e->type = (uint8_t)type;
        e->scale = (int16_t)scale;
        e->value = qv_null(type);
        e->value.scale = (int16_t)scale;
        return e;
    }
    switch (type) {
    case QUIRE_TYPE_FLOAT:
        if (e->type != QUIRE_TYPE_INT && e->type != QUIRE_TYPE_DECIMAL)
            return NULL;
        sub = CAST_TO_FLOAT;
        break;
    case QUIRE_TYPE_DECIMAL:
        if (e->type != QUIRE_TYPE_INT && e->type != QUIRE_TYPE_DECIMAL)
            return NULL;
        sub = CAST_RESCALE;
        break;
    case QUIRE_TYPE_TIMESTAMP:
        if (e->type != QUIRE_TYPE_DATE)
            return NULL;
        sub = CAST_DATE_TS;
        break;
    case QUIRE_TYPE_STRING: sub = CAST_TEXT; break;
    default: return NULL;
    }
    c = expr_node(cc, EOP_CAST, e->loc);
    if (c == NULL || set_args(cc, c, 1) < 0)
        return NULL;
    c->args[0] = e;
    c->type = (uint8_t)type;
    c->scale = (int16_t)scale;
    c->sub = (uint8_t)sub;
    c->from_scale = (int8_t)scale_of(e);
    c->opname = "conversion";
    inherit_flags(c);
    return fold(cc, c);
}

int expr_common_type(uint32_t ta, int sa, uint32_t tb, int sb, uint32_t *type, int *scale)
{
    if (ta != QUIRE_TYPE_DECIMAL)
        sa = 0;
    if (tb != QUIRE_TYPE_DECIMAL)
        sb = 0;
    *scale = 0;
    if (ta == QUIRE_TYPE_NULL || tb == QUIRE_TYPE_NULL) {
        *type = ta == QUIRE_TYPE_NULL ? tb : ta;
        *scale = ta == QUIRE_TYPE_NULL ? sb : sa;
        return 0;
    }
    if (is_num(ta) && is_num(tb)) {
        if (ta == QUIRE_TYPE_FLOAT || tb == QUIRE_TYPE_FLOAT) {
            *type = QUIRE_TYPE_FLOAT;
        } else if (ta == QUIRE_TYPE_DECIMAL || tb == QUIRE_TYPE_DECIMAL) {
            *type = QUIRE_TYPE_DECIMAL;
            *scale = sa > sb ? sa : sb;
        } else {
            *type = QUIRE_TYPE_INT;
        }
        return 0;
    }
    if (is_time(ta) && is_time(tb)) {
        *type = ta == tb ? ta : QUIRE_TYPE_TIMESTAMP;
        return 0;
    }
    if (ta == tb) {
        *type = ta;
        return 0;
    }
    return -1;
}

int expr_unify(expr_cc *cc, expr *e, const uint32_t *idx, uint32_t n)
{
    uint32_t type = QUIRE_TYPE_NULL;
    int scale = 0;

    for (uint32_t i = 0; i < n; i++) {
        expr *a = e->args[idx ? idx[i] : i];
        if (expr_common_type(type, scale, a->type, a->scale, &type, &scale) < 0) {
            expr_cc_error(cc, a->loc, "'%s' arguments have different types: %s and %s", e->opname,
                          expr_type_name(type), expr_type_name(a->type));
            return -1;
        }
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t k = idx ? idx[i] : i;
        e->args[k] = expr_coerce(cc, e->args[k], type, scale);
        if (e->args[k] == NULL)
            return -1;
    }
    e->type = (uint8_t)type;
    e->scale = (int16_t)scale;
    return 0;
}

/* ============================== Operators ================================= */

static const char *op_text(ast_op op)
{
    switch (op) {
    case AST_OP_NEG: return "-";
    case AST_OP_NOT: return "not";
    case AST_OP_ADD: return "+";
    case AST_OP_SUB: return "-";
    case AST_OP_MUL: return "*";
    case AST_OP_DIV: return "/";
    case AST_OP_MOD: return "%";
    case AST_OP_CONCAT: return "||";
    case AST_OP_EQ: return "=";
    case AST_OP_NE: return "!=";
    case AST_OP_LT: return "<";
    case AST_OP_LE: return "<=";
    case AST_OP_GT: return ">";
    case AST_OP_GE: return ">=";
    case AST_OP_AND: return "and";
    case AST_OP_OR: return "or";
    default: return "?";
    }
}

/* Coerces both operands of a binary node; -1 only after an error. */
static int coerce2(expr_cc *cc, expr *e, uint32_t ta, int sa, uint32_t tb, int sb)
{
    e->args[0] = expr_coerce(cc, e->args[0], ta, sa);
    e->args[1] = expr_coerce(cc, e->args[1], tb, sb);
    return e->args[0] != NULL && e->args[1] != NULL ? 0 : -1;
}

/* + and - with a date or timestamp on either side (NULLs already typed). */
static int plan_time(expr_cc *cc, expr *e)
{
    uint32_t ta = e->args[0]->type, tb = e->args[1]->type;
    int add = e->sub == AST_OP_ADD;

    e->ma = e->mb = e->div = 1;
    if (add && ((is_time(ta) && tb == QUIRE_TYPE_INT) || (ta == QUIRE_TYPE_INT && is_time(tb)))) {
        e->type = (uint8_t)(is_time(ta) ? ta : tb);
        /* Timestamps move by seconds, dates by days. */
        e->dom = e->type == QUIRE_TYPE_DATE ? ARD_INT : ARD_SCALED;
        if (ta == QUIRE_TYPE_INT)
            e->ma = EXPR_US_PER_SEC;
        else
            e->mb = EXPR_US_PER_SEC;
        return 0;
    }
    if (!add && is_time(ta) && tb == QUIRE_TYPE_INT) {
        e->type = (uint8_t)ta;
        e->dom = ta == QUIRE_TYPE_DATE ? ARD_INT : ARD_SCALED;
        e->mb = EXPR_US_PER_SEC;
        return 0;
    }
    if (!add && is_time(ta) && is_time(tb)) {
        e->type = QUIRE_TYPE_INT;
        if (ta == QUIRE_TYPE_DATE && tb == QUIRE_TYPE_DATE) {
            e->dom = ARD_INT;
            return 0;
        }
        if (coerce2(cc, e, QUIRE_TYPE_TIMESTAMP, 0, QUIRE_TYPE_TIMESTAMP, 0) < 0)
            return -1;
        e->dom = ARD_SCALED;
        e->div = EXPR_US_PER_SEC;
        return 0;
    }
    if (add)
        expr_cc_error(cc, e->loc, "cannot add %s and %s", expr_type_name(ta), expr_type_name(tb));
    else
        expr_cc_error(cc, e->loc, "cannot subtract %s from %s", expr_type_name(tb),
                      expr_type_name(ta));
    return -1;
}

static int plan_arith(expr_cc *cc, expr *e)
{
    ast_op op = (ast_op)e->sub;
    int addsub = op == AST_OP_ADD || op == AST_OP_SUB;
    uint32_t ta = e->args[0]->type, tb = e->args[1]->type;
    int a_ok = ta == QUIRE_TYPE_NULL || is_num(ta) || (addsub && is_time(ta));
    int b_ok = tb == QUIRE_TYPE_NULL || is_num(tb) || (addsub && is_time(tb));
    int sa, sb, s;

    if (!a_ok || !b_ok) {
        expr_cc_error(cc, e->loc,
                      addsub ? "'%s' needs numbers, dates or timestamps, got %s and %s"
                             : "'%s' needs numbers, got %s and %s",
                      e->opname, expr_type_name(ta), expr_type_name(tb));
        return -1;
    }
    /* A NULL operand takes the type that makes the operation valid. */
    sa = scale_of(e->args[0]);
    sb = scale_of(e->args[1]);
    if (ta == QUIRE_TYPE_NULL && tb == QUIRE_TYPE_NULL) {
        ta = tb = QUIRE_TYPE_INT;
    } else if (ta == QUIRE_TYPE_NULL) {
        ta = is_time(tb) ? (op == AST_OP_SUB ? tb : QUIRE_TYPE_INT) : tb;
        sa = sb;
    } else if (tb == QUIRE_TYPE_NULL) {
        tb = is_time(ta) ? QUIRE_TYPE_INT : ta;
        sb = sa;
    }
    if (coerce2(cc, e, ta, sa, tb, sb) < 0)
        return -1;
    if (is_time(ta) || is_time(tb))
        return plan_time(cc, e);
    if (ta == QUIRE_TYPE_FLOAT || tb == QUIRE_TYPE_FLOAT) {
        e->type = QUIRE_TYPE_FLOAT;
        e->dom = ARD_FLOAT;
        return coerce2(cc, e, QUIRE_TYPE_FLOAT, 0, QUIRE_TYPE_FLOAT, 0);
    }
    sa = scale_of(e->args[0]);
    sb = scale_of(e->args[1]);
    if (op == AST_OP_DIV) {
        e->dom = ARD_DEC_DIV;
        e->type = QUIRE_TYPE_DECIMAL;
        e->scale = (int16_t)dec_div_scale(sa, sb);
        e->sa = (int8_t)sa;
        e->sb = (int8_t)sb;
        return 0;
    }
    if (ta == QUIRE_TYPE_INT && tb == QUIRE_TYPE_INT) {
        e->type = QUIRE_TYPE_INT;
        e->dom = ARD_INT;
        return 0;
    }
    e->type = QUIRE_TYPE_DECIMAL;
    if (op == AST_OP_MUL) {
        e->dom = ARD_DEC_MUL;
        e->scale = (int16_t)dec_mul_scale(sa, sb);
        e->shift = (int8_t)(sa + sb - e->scale);
        return 0;
    }
    s = sa > sb ? sa : sb;
    e->dom = ARD_SCALED;
    e->scale = (int16_t)s;
    e->ma = dec_pow10(s - sa);
    e->mb = dec_pow10(s - sb);
    e->div = 1;
    return 0;
}

/* A decimal constant compared with a value of a larger scale is rescaled
 * once here, so the comparison runs on plain int64s. */
static void rescale_const(expr_cc *cc, expr **k, int to)
{
    int64_t v;

    if ((*k)->op != EOP_CONST || (*k)->value.null)
        return;
    if (dec_rescale((*k)->value.u.i, scale_of(*k), to, &v) != DEC_OK)
        return;
    expr *c = const_node(cc, (*k)->loc, qv_decimal(v, to));
    if (c != NULL)
        *k = c;
}

static int plan_compare(expr_cc *cc, expr *e)
{
    uint32_t ta = e->args[0]->type, tb = e->args[1]->type;
    int sa, sb, s;

    e->type = QUIRE_TYPE_BOOL;
    if (ta == QUIRE_TYPE_NULL && tb == QUIRE_TYPE_NULL)
        ta = tb = QUIRE_TYPE_INT;
    else if (ta == QUIRE_TYPE_NULL)
        ta = tb;
    else if (tb == QUIRE_TYPE_NULL)
        tb = ta;
    if (!((is_num(ta) && is_num(tb)) || (is_time(ta) && is_time(tb)) || ta == tb)) {
        expr_cc_error(cc, e->loc, "cannot compare %s with %s", expr_type_name(e->args[0]->type),
                      expr_type_name(e->args[1]->type));
        return -1;
    }
    /* Only a NULL of no type changes here (it takes the other side's type). */
    if (e->args[0]->type == QUIRE_TYPE_NULL)
        e->args[0] = expr_coerce(cc, e->args[0], ta, scale_of(e->args[1]));
    if (e->args[1]->type == QUIRE_TYPE_NULL)
        e->args[1] = expr_coerce(cc, e->args[1], tb, scale_of(e->args[0]));
    if (e->args[0] == NULL || e->args[1] == NULL)
        return -1;
    if (ta == QUIRE_TYPE_FLOAT || tb == QUIRE_TYPE_FLOAT) {
        e->dom = CMPD_FLOAT;
        return coerce2(cc, e, QUIRE_TYPE_FLOAT, 0, QUIRE_TYPE_FLOAT, 0);
    }
    if (ta == QUIRE_TYPE_STRING) {
        e->dom = CMPD_STR;
        return 0;
    }
    e->dom = CMPD_I64;
    if (is_time(ta) && ta != tb)
        return coerce2(cc, e, QUIRE_TYPE_TIMESTAMP, 0, QUIRE_TYPE_TIMESTAMP, 0);
    sa = scale_of(e->args[0]);
    sb = scale_of(e->args[1]);
    if (sa < sb)
        rescale_const(cc, &e->args[0], sb);
    else if (sb < sa)
        rescale_const(cc, &e->args[1], sa);
    sa = scale_of(e->args[0]);
    sb = scale_of(e->args[1]);
    if (sa != sb) {
        s = sa > sb ? sa : sb;
        e->dom = CMPD_SCALED;
        e->ma = dec_pow10(s - sa);
        e->mb = dec_pow10(s - sb);
    }
    return 0;
}

static int plan_logic(expr_cc *cc, expr *e)
{
    uint32_t ta = e->args[0]->type, tb = e->args[1]->type;

    e->type = QUIRE_TYPE_BOOL;
    if ((ta != QUIRE_TYPE_BOOL && ta != QUIRE_TYPE_NULL) ||
        (tb != QUIRE_TYPE_BOOL && tb != QUIRE_TYPE_NULL)) {
        expr_cc_error(cc, e->loc, "'%s' needs bools, got %s and %s", e->opname, expr_type_name(ta),
                      expr_type_name(tb));
        return -1;
    }
    return coerce2(cc, e, QUIRE_TYPE_BOOL, 0, QUIRE_TYPE_BOOL, 0);
}

static int plan_binary(expr_cc *cc, expr *e)
{
    switch (e->sub) {
    case AST_OP_ADD:
    case AST_OP_SUB:
    case AST_OP_MUL:
    case AST_OP_DIV:
    case AST_OP_MOD: e->op = EOP_ARITH; return plan_arith(cc, e);
    case AST_OP_EQ:
    case AST_OP_NE:
    case AST_OP_LT:
    case AST_OP_LE:
    case AST_OP_GT:
    case AST_OP_GE: e->op = EOP_CMP; return plan_compare(cc, e);
    case AST_OP_AND:
    case AST_OP_OR: e->op = e->sub == AST_OP_AND ? EOP_AND : EOP_OR; return plan_logic(cc, e);
    case AST_OP_CONCAT:
        e->op = EOP_CONCAT;
        e->type = QUIRE_TYPE_STRING;
        return coerce2(cc, e, QUIRE_TYPE_STRING, 0, QUIRE_TYPE_STRING, 0);
    default: expr_cc_error(cc, e->loc, "unknown operator"); return -1;
    }
}

/* ============================== Nodes ===================================== */

static expr *compile(expr_cc *cc, const ast_expr *a, int depth);

static expr *compile_literal(expr_cc *cc, const ast_expr *a)
{
    qv v = {0};

    switch (a->kind) {
    case AST_NULL: v = qv_null(QUIRE_TYPE_NULL); break;
    case AST_BOOL: v = qv_bool(a->i != 0); break;
    case AST_INT: v = qv_int(a->i); break;
    case AST_DECIMAL:
        if (a->scale < 0 || a->scale > DEC_MAX_SCALE) {
            expr_cc_error(cc, a->loc, "a decimal has at most 18 digits after the point");
            return NULL;
        }
        v = qv_decimal(a->i, a->scale);
        break;
    case AST_FLOAT:
    case AST_LENGTH: v = qv_float(a->f); break;
    case AST_STRING: {
        const char *s = arena_strndup(cc->arena, a->s ? a->s : "", a->s ? a->slen : 0);
        if (s == NULL) {
            expr_cc_error(cc, a->loc, "out of memory");
            return NULL;
        }
        v = qv_string(s, a->s ? a->slen : 0);
        break;
    }
    case AST_DATE:
        v = qv_int(a->i);
        v.type = QUIRE_TYPE_DATE;
        break;
    default:
        v = qv_int(a->i);
        v.type = QUIRE_TYPE_TIMESTAMP;
        break;
    }
    return const_node(cc, a->loc, v);
}

static expr *compile_name(expr_cc *cc, const ast_expr *a)
{
    expr_ref ref;
    expr *e;

    memset(&ref, 0, sizeof(ref));
    if (a->name == NULL || cc->env->resolve == NULL ||
        cc->env->resolve(cc->env->ctx, a->name, &ref) != 0) {
        expr_cc_error(cc, a->loc, "unknown name '%s'", a->name ? a->name : "");
        return NULL;
    }
    if (ref.type < QUIRE_TYPE_BOOL || ref.type > QUIRE_TYPE_TIMESTAMP ||
        (ref.type == QUIRE_TYPE_DECIMAL && (ref.scale < 0 || ref.scale > DEC_MAX_SCALE))) {
        expr_cc_error(cc, a->loc, "'%s' has no usable type", a->name);
        return NULL;
    }
    e = expr_node(cc, EOP_REF, a->loc);
    if (e == NULL)
        return NULL;
    e->ref = ref;
    e->type = (uint8_t)ref.type;
    e->scale = (int16_t)(ref.type == QUIRE_TYPE_DECIMAL ? ref.scale : 0);
    e->flags = ref.kind == EXPR_REF_COLUMN  ? EXF_COLUMN
               : ref.kind == EXPR_REF_PARAM ? EXF_PARAM
                                            : EXF_VAR;
    return e;
}

static expr *compile_unary(expr_cc *cc, const ast_expr *a, int depth)
{
    expr *arg = a->nargs == 1 ? compile(cc, a->args[0], depth + 1) : NULL;
    expr *e;
    int neg = a->op == AST_OP_NEG;

    if (arg == NULL)
        return NULL;
    e = expr_node(cc, neg ? EOP_NEG : EOP_NOT, a->loc);
    if (e == NULL || set_args(cc, e, 1) < 0)
        return NULL;
    e->args[0] = arg;
    e->opname = neg ? "-" : "not";
    if (arg->type == QUIRE_TYPE_NULL)
        arg = e->args[0] = expr_coerce(cc, arg, neg ? QUIRE_TYPE_INT : QUIRE_TYPE_BOOL, 0);
    if (arg == NULL)
        return NULL;
    if (neg && !is_num(arg->type)) {
        expr_cc_error(cc, a->loc, "'-' needs a number, got %s", expr_type_name(arg->type));
        return NULL;
    }
    if (!neg && arg->type != QUIRE_TYPE_BOOL) {
        expr_cc_error(cc, a->loc, "'not' needs a bool, got %s", expr_type_name(arg->type));
        return NULL;
    }
    e->type = arg->type;
    e->scale = arg->scale;
    inherit_flags(e);
    return fold(cc, e);
}

static expr *compile_binary(expr_cc *cc, const ast_expr *a, int depth)
{
    expr *l, *r, *e;

    if (a->nargs != 2)
        return NULL;
    l = compile(cc, a->args[0], depth + 1);
    r = compile(cc, a->args[1], depth + 1);
    if (l == NULL || r == NULL)
        return NULL;
    e = expr_node(cc, EOP_ARITH, a->loc);
    if (e == NULL || set_args(cc, e, 2) < 0)
        return NULL;
    e->args[0] = l;
    e->args[1] = r;
    e->sub = (uint8_t)a->op;
    e->opname = op_text(a->op);
    if (plan_binary(cc, e) < 0)
        return NULL;
    inherit_flags(e);
    return fold(cc, e);
}

static expr *compile_is_null(expr_cc *cc, const ast_expr *a, int depth)
{
    expr *arg = a->nargs == 1 ? compile(cc, a->args[0], depth + 1) : NULL;
    expr *e;

    if (arg == NULL)
        return NULL;
    e = expr_node(cc, EOP_ISNULL, a->loc);
    if (e == NULL || set_args(cc, e, 1) < 0)
        return NULL;
    e->args[0] = arg;
    e->negated = a->negated != 0;
    e->type = QUIRE_TYPE_BOOL;
    e->opname = "is null";
    inherit_flags(e);
    return fold(cc, e);
}

/* x in [a, b, ...]: the parser gives the items as args[1..]. */
static expr *compile_in(expr_cc *cc, const ast_expr *a, int depth)
{
    struct ast_expr *const *items = a->nargs > 0 ? a->args + 1 : NULL;
    uint32_t n = a->nargs > 0 ? a->nargs - 1 : 0;
    uint32_t type;
    int scale, failed = 0;
    expr *e;

    if (a->nargs == 0)
        return NULL;
    e = expr_node(cc, EOP_IN, a->loc);
    if (e == NULL || set_args(cc, e, n + 1) < 0)
        return NULL;
    e->negated = a->negated != 0;
    e->type = QUIRE_TYPE_BOOL;
    e->opname = "in";
    for (uint32_t i = 0; i <= n; i++) {
        e->args[i] = compile(cc, i == 0 ? a->args[0] : items[i - 1], depth + 1);
        failed |= e->args[i] == NULL;
    }
    if (failed)
        return NULL;
    type = e->args[0]->type;
    scale = e->args[0]->scale;
    for (uint32_t i = 1; i <= n; i++) {
        if (expr_common_type(type, scale, e->args[i]->type, e->args[i]->scale, &type, &scale) < 0) {
            expr_cc_error(cc, e->args[i]->loc, "cannot compare %s with %s",
                          expr_type_name(e->args[0]->type), expr_type_name(e->args[i]->type));
            failed = 1;
        }
    }
    if (failed)
        return NULL;
    if (type == QUIRE_TYPE_NULL)
        type = QUIRE_TYPE_INT;
    for (uint32_t i = 0; i <= n; i++) {
        e->args[i] = expr_coerce(cc, e->args[i], type, scale);
        if (e->args[i] == NULL)
            return NULL;
    }
    inherit_flags(e);
    return fold(cc, e);
}

static int check_arg_count(expr_cc *cc, const ast_expr *a, const expr_fn *fn)
{
    uint32_t n = a->nargs, lo = fn->min_args, hi = fn->max_args;

    if (n >= lo && (hi == FN_VARIADIC || n <= hi))
        return 0;
    if (hi == FN_VARIADIC)
        expr_cc_error(cc, a->loc, "'%s' takes at least %u argument%s, got %u", fn->name, lo,
                      lo == 1 ? "" : "s", n);
    else if (lo == hi && lo == 0)
        expr_cc_error(cc, a->loc, "'%s' takes no arguments, got %u", fn->name, n);
    else if (lo == hi)
        expr_cc_error(cc, a->loc, "'%s' takes %u argument%s, got %u", fn->name, lo,
                      lo == 1 ? "" : "s", n);
    else if (hi == lo + 1)
        expr_cc_error(cc, a->loc, "'%s' takes %u or %u arguments, got %u", fn->name, lo, hi, n);
    else
        expr_cc_error(cc, a->loc, "'%s' takes %u to %u arguments, got %u", fn->name, lo, hi, n);
    return -1;
}

static expr *compile_call(expr_cc *cc, const ast_expr *a, int depth)
{
    const char *name = a->name ? a->name : "";
    const expr_fn *fn = expr_fn_find(name);
    int failed = 0;
    expr *e;

    if (fn == NULL) {
        const char *near = expr_fn_suggest(name);
        if (expr_is_aggregate(name))
            expr_cc_error(cc, a->loc, "aggregate function '%s' is not allowed here", name);
        else if (near != NULL)
            expr_cc_error(cc, a->loc, "unknown function '%s'; did you mean '%s'?", name, near);
        else
            expr_cc_error(cc, a->loc, "unknown function '%s'", name);
        return NULL;
    }
    if ((fn->flags & FN_PAGE) && !cc->env->allow_page) {
        expr_cc_error(cc, a->loc, "%s() is only allowed in band elements", fn->name);
        return NULL;
    }
    if (check_arg_count(cc, a, fn) < 0)
        return NULL;
    e = expr_node(cc, fn->op, a->loc);
    if (e == NULL || set_args(cc, e, a->nargs) < 0)
        return NULL;
    e->fn = fn;
    e->opname = fn->name;
    for (uint32_t i = 0; i < a->nargs; i++) {
        const ast_expr *arg = a->args[i];
        if (i == 0 && (fn->flags & FN_UNIT_ARG0) && arg->kind == AST_NAME && arg->name != NULL) {
            /* date_trunc(month, d): the unit is a word, not a column. */
            const char *s = arena_strndup(cc->arena, arg->name, strlen(arg->name));
            e->args[i] = s ? const_node(cc, arg->loc, qv_string(s, strlen(s))) : NULL;
        } else {
            e->args[i] = compile(cc, arg, depth + 1);
        }
        failed |= e->args[i] == NULL;
    }
    if (failed || fn->check(cc, e) < 0)
        return NULL;
    inherit_flags(e);
    if (fn->flags & FN_PAGE)
        e->flags |= EXF_PAGE;
    if (fn->flags & FN_PAGE && strcmp(fn->name, "page_count") == 0)
        e->flags |= EXF_PAGE_COUNT;
    if (fn->flags & FN_NOW)
        e->flags |= EXF_NOW;
    if (fn->flags & FN_LOCALE)
        e->flags |= EXF_LOCALE;
    return fold(cc, e);
}

static expr *compile(expr_cc *cc, const ast_expr *a, int depth)
{
    if (a == NULL)
        return NULL;
    if (depth > EXPR_MAX_DEPTH) {
        expr_cc_error(cc, a->loc, "expression nested too deeply (more than %d levels)",
                      EXPR_MAX_DEPTH);
        return NULL;
    }
    switch (a->kind) {
    case AST_NULL:
    case AST_BOOL:
    case AST_INT:
    case AST_DECIMAL:
    case AST_FLOAT:
    case AST_STRING:
    case AST_DATE:
    case AST_TIMESTAMP:
    case AST_LENGTH: return compile_literal(cc, a);
    case AST_NAME: return compile_name(cc, a);
    case AST_UNARY: return compile_unary(cc, a, depth);
    case AST_BINARY: return compile_binary(cc, a, depth);
    case AST_IS_NULL: return compile_is_null(cc, a, depth);
    case AST_IN: return compile_in(cc, a, depth);
    case AST_CALL: return compile_call(cc, a, depth);
    case AST_LIST: expr_cc_error(cc, a->loc, "a list is only allowed after 'in'"); return NULL;
    }
    expr_cc_error(cc, a->loc, "unknown kind of expression");
    return NULL;
}

/* ============================== API ======================================= */

expr *expr_compile(const ast_expr *e, const expr_env *env, quire_arena *arena, diag *d)
{
    expr_cc cc;
    size_t errors = d->errors;
    expr *root;

    cc.env = env;
    cc.arena = arena;
    cc.d = d;
    cc.path = arena_strndup(arena, env->path ? env->path : "expression",
                            strlen(env->path ? env->path : "expression"));
    if (cc.path == NULL) {
        diag_error(d, "out of memory compiling an expression");
        return NULL;
    }
    if (e == NULL) {
        diag_error(d, "%s: no expression to compile", cc.path);
        return NULL;
    }
    root = compile(&cc, e, 0);
    if (root != NULL && root->type == QUIRE_TYPE_NULL)
        root = expr_coerce(&cc, root, QUIRE_TYPE_STRING, 0);
    if (d->errors != errors)
        return NULL;
    return root;
}

uint32_t expr_type(const expr *e)
{
    return e->type;
}

int32_t expr_scale(const expr *e)
{
    return e->type == QUIRE_TYPE_DECIMAL ? e->scale : 0;
}

int expr_is_constant(const expr *e)
{
    return (e->flags & EXF_NOT_CONSTANT) == 0;
}

int expr_column_ref(const expr *e)
{
    return e->op == EOP_REF && e->ref.kind == EXPR_REF_COLUMN ? (int)e->ref.index : -1;
}

void expr_visit_refs(const expr *e, void (*fn)(void *ctx, const expr_ref *ref), void *ctx)
{
    if (e->op == EOP_REF) {
        fn(ctx, &e->ref);
        return;
    }
    for (uint32_t i = 0; i < e->nargs; i++)
        expr_visit_refs(e->args[i], fn, ctx);
}

int expr_uses_page(const expr *e)
{
    return (e->flags & EXF_PAGE) != 0;
}

int expr_uses_page_count(const expr *e)
{
    return (e->flags & EXF_PAGE_COUNT) != 0;
}

int expr_uses_now(const expr *e)
{
    return (e->flags & EXF_NOW) != 0;
}

int expr_constant_value(const expr *e, qv *out)
{
    if (e->op != EOP_CONST)
        return 0;
    *out = e->value;
    return 1;
}
