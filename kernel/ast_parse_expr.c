/*
 * ast_parse_expr.c - the expression half of the report language parser:
 * operators by precedence (or, and, not, comparisons and the is/in tests,
 * ||, + -, * / %, unary minus), literals, names, calls and lists, each node
 * spanning the source text it came from; and ast_parse_expr(), which parses
 * a lone expression. Nesting and tree height are bounded (AST_MAX_DEPTH,
 * AST_MAX_EXPR_HEIGHT).
 */
#include "ast_parse_int.h"

#include <string.h>

/* ============================== Expressions =============================== */

static int is_kw(const parser *p, ast_keyword kw)
{
    return p->tok.kind == TOK_NAME && p->tok.kw == kw;
}

static ast_expr *new_expr(parser *p, ast_expr_kind kind, const ast_token *at)
{
    ast_expr *e = arena_alloc(p->arena, sizeof(*e));

    if (e == NULL) {
        ap_report_oom(p, at->loc);
        return NULL;
    }
    memset(e, 0, sizeof(*e));
    e->kind = kind;
    e->loc = at->loc;
    e->start = at->start;
    e->end = at->end;
    e->height = 1;
    return e;
}

/* Sets e->height from its operands; reports a tree taller than allowed. */
static int finish_height(parser *p, ast_expr *e)
{
    uint32_t h = 0;

    for (uint32_t k = 0; k < e->nargs; k++) {
        if (e->args[k]->height > h)
            h = e->args[k]->height;
    }
    e->height = h + 1;
    if (e->height > AST_MAX_EXPR_HEIGHT) {
        ap_error_at(p, e->loc, "expression is nested too deeply (more than %d operators deep)",
                    AST_MAX_EXPR_HEIGHT);
        return -1;
    }
    return 0;
}

static int set_args(parser *p, ast_expr *e, ast_expr **args, uint32_t n)
{
    e->args = args;
    e->nargs = n;
    return finish_height(p, e);
}

/* Binary node of lhs op rhs spanning both. */
static ast_expr *make_binary(parser *p, ast_op op, ast_expr *lhs, ast_expr *rhs)
{
    ast_expr *e = arena_alloc(p->arena, sizeof(*e));
    ast_expr **args = arena_alloc(p->arena, 2 * sizeof(*args));

    if (e == NULL || args == NULL) {
        ap_report_oom(p, lhs->loc);
        return NULL;
    }
    memset(e, 0, sizeof(*e));
    e->kind = AST_BINARY;
    e->op = op;
    e->loc = lhs->loc;
    e->start = lhs->start;
    e->end = rhs->end;
    args[0] = lhs;
    args[1] = rhs;
    if (set_args(p, e, args, 2) < 0)
        return NULL;
    return e;
}

/* Reads comma-separated expressions up to `close` (a trailing comma is
 * allowed) after the opening token was consumed; consumes `close`. */
static int parse_list_items(parser *p, ast_tok_kind close, const char *closer, ast_loc open,
                            ptr_vec *out)
{
    char buf[64];

    while (!ap_is_kind(p, close)) {
        ast_expr *e = ap_parse_expr(p);
        if (e == NULL)
            return -1;
        if (ap_vec_push(p, out, e) < 0) {
            ap_report_oom(p, e->loc);
            return -1;
        }
        if (ap_is_kind(p, TOK_COMMA)) {
            ap_advance(p);
            continue;
        }
        if (!ap_is_kind(p, close)) {
            ap_error_at(p, p->tok.loc, "expected ',' or '%s' (for the '%c' at %u:%u), got %s",
                        closer, close == TOK_RPAREN ? '(' : '[', open.line, open.column,
                        ap_describe(p, buf, sizeof(buf)));
            return -1;
        }
    }
    return 0;
}

/* The part inside a bracket pair: ( expr ), [ list ], f( args ). On entry
 * the current token is the opener. */
static int open_group(parser *p)
{
    if (ap_enter(p) < 0)
        return -1;
    p->in_group++;
    ap_advance(p);
    return 0;
}

/* Consumes the closer: newlines count again right after it. */
static void close_group(parser *p)
{
    p->in_group--;
    p->depth--;
    ap_advance(p);
}

static ast_expr *parse_literal(parser *p)
{
    static const ast_expr_kind kinds[] = {
        [TOK_INT] = AST_INT,       [TOK_DECIMAL] = AST_DECIMAL, [TOK_FLOAT] = AST_FLOAT,
        [TOK_STRING] = AST_STRING, [TOK_DATE] = AST_DATE,       [TOK_TIMESTAMP] = AST_TIMESTAMP,
        [TOK_LENGTH] = AST_LENGTH,
    };
    ast_expr *e = new_expr(p, kinds[p->tok.kind], &p->tok);

    if (e == NULL)
        return NULL;
    e->i = p->tok.i;
    e->scale = p->tok.scale;
    e->f = p->tok.f;
    e->s = p->tok.s;
    e->slen = p->tok.slen;
    ap_advance(p);
    return e;
}

static ast_expr *parse_name(parser *p)
{
    ast_token name = p->tok;
    ast_expr *e;
    ptr_vec args = {0};
    ast_loc open;

    ap_advance(p);
    if (!ap_is_kind(p, TOK_LPAREN)) {
        e = new_expr(p, AST_NAME, &name);
        if (e == NULL)
            return NULL;
        e->name = arena_strndup(p->arena, name.s, name.slen);
        if (e->name == NULL) {
            ap_report_oom(p, name.loc);
            return NULL;
        }
        return e;
    }
    e = new_expr(p, AST_CALL, &name);
    if (e == NULL)
        return NULL;
    e->name = arena_strndup(p->arena, name.s, name.slen);
    if (e->name == NULL) {
        ap_report_oom(p, name.loc);
        return NULL;
    }
    open = p->tok.loc;
    if (open_group(p) < 0)
        return NULL;
    if (parse_list_items(p, TOK_RPAREN, ")", open, &args) < 0)
        return NULL;
    e->end = p->tok.end;
    close_group(p);
    if (set_args(p, e, (ast_expr **)args.v, args.n) < 0)
        return NULL;
    return e;
}

static ast_expr *parse_list(parser *p)
{
    ast_expr *e = new_expr(p, AST_LIST, &p->tok);
    ast_loc open = p->tok.loc;
    ptr_vec items = {0};

    if (e == NULL || open_group(p) < 0)
        return NULL;
    if (parse_list_items(p, TOK_RBRACKET, "]", open, &items) < 0)
        return NULL;
    e->end = p->tok.end;
    close_group(p);
    if (set_args(p, e, (ast_expr **)items.v, items.n) < 0)
        return NULL;
    return e;
}

static ast_expr *parse_primary(parser *p)
{
    char buf[64];
    ast_expr *e;

    switch (p->tok.kind) {
    case TOK_INT:
    case TOK_DECIMAL:
    case TOK_FLOAT:
    case TOK_STRING:
    case TOK_DATE:
    case TOK_TIMESTAMP:
    case TOK_LENGTH: return parse_literal(p);
    case TOK_NAME:
        switch (p->tok.kw) {
        case KW_NONE: return parse_name(p);
        case KW_NULL:
        case KW_TRUE:
        case KW_FALSE:
            e = new_expr(p, p->tok.kw == KW_NULL ? AST_NULL : AST_BOOL, &p->tok);
            if (e == NULL)
                return NULL;
            e->i = p->tok.kw == KW_TRUE;
            ap_advance(p);
            return e;
        default:
            ap_error_at(p, p->tok.loc, "expected an expression, got keyword %s",
                        ap_describe(p, buf, sizeof(buf)));
            return NULL;
        }
    case TOK_LPAREN: {
        ast_token open = p->tok;
        if (open_group(p) < 0)
            return NULL;
        e = ap_parse_expr(p);
        if (e == NULL)
            return NULL;
        if (!ap_is_kind(p, TOK_RPAREN)) {
            ap_error_at(p, p->tok.loc, "expected ')' (for the '(' at %u:%u), got %s", open.loc.line,
                        open.loc.column, ap_describe(p, buf, sizeof(buf)));
            return NULL;
        }
        e->parenthesised = 1;
        e->loc = open.loc;
        e->start = open.start;
        e->end = p->tok.end;
        close_group(p);
        return e;
    }
    case TOK_LBRACKET: return parse_list(p);
    case TOK_ERROR: return NULL; /* already reported */
    default:
        ap_error_at(p, p->tok.loc, "expected an expression, got %s",
                    ap_describe(p, buf, sizeof(buf)));
        return NULL;
    }
}

/* A prefix operator: `op` is - or not; `next` parses the operand level. */
static ast_expr *parse_prefix(parser *p, ast_op op, ast_expr *(*next)(parser *))
{
    ast_token at = p->tok;
    ast_expr *e, *operand, **args;

    if (ap_enter(p) < 0)
        return NULL;
    ap_advance(p);
    operand = next(p);
    p->depth--;
    if (operand == NULL)
        return NULL;
    e = new_expr(p, AST_UNARY, &at);
    args = arena_alloc(p->arena, sizeof(*args));
    if (e == NULL || args == NULL) {
        ap_report_oom(p, at.loc);
        return NULL;
    }
    e->op = op;
    e->end = operand->end;
    args[0] = operand;
    if (set_args(p, e, args, 1) < 0)
        return NULL;
    return e;
}

static ast_expr *parse_unary(parser *p)
{
    if (ap_is_kind(p, TOK_MINUS))
        return parse_prefix(p, AST_OP_NEG, parse_unary);
    return parse_primary(p);
}

/* One left-associative binary level: operand (op operand)*. */
typedef struct op_map {
    ast_tok_kind tok;
    ast_keyword kw;
    ast_op op;
} op_map;

static ast_op match_op(const parser *p, const op_map *ops, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        if (ops[k].kw != KW_NONE ? is_kw(p, ops[k].kw) : ap_is_kind(p, ops[k].tok))
            return ops[k].op;
    }
    return AST_OP_NONE;
}

static ast_expr *parse_binary_level(parser *p, const op_map *ops, size_t n,
                                    ast_expr *(*next)(parser *))
{
    ast_expr *lhs = next(p);

    while (lhs != NULL) {
        ast_op op = match_op(p, ops, n);
        ast_expr *rhs;
        if (op == AST_OP_NONE)
            break;
        ap_advance(p);
        rhs = next(p);
        if (rhs == NULL)
            return NULL;
        lhs = make_binary(p, op, lhs, rhs);
    }
    return lhs;
}

static ast_expr *parse_mul(parser *p)
{
    static const op_map ops[] = {
        {TOK_STAR, KW_NONE, AST_OP_MUL},
        {TOK_SLASH, KW_NONE, AST_OP_DIV},
        {TOK_PERCENT, KW_NONE, AST_OP_MOD},
    };
    return parse_binary_level(p, ops, 3, parse_unary);
}

static ast_expr *parse_add(parser *p)
{
    static const op_map ops[] = {
        {TOK_PLUS, KW_NONE, AST_OP_ADD},
        {TOK_MINUS, KW_NONE, AST_OP_SUB},
    };
    return parse_binary_level(p, ops, 2, parse_mul);
}

static ast_expr *parse_concat(parser *p)
{
    static const op_map ops[] = {{TOK_CONCAT, KW_NONE, AST_OP_CONCAT}};
    return parse_binary_level(p, ops, 1, parse_add);
}

/* x is [not] null, x [not] in [list] */
static ast_expr *parse_postfix_test(parser *p, ast_expr *lhs)
{
    char buf[64];
    int negated = 0;
    ast_expr *e, **args;

    if (is_kw(p, KW_IS)) {
        ap_advance(p);
        if (is_kw(p, KW_NOT)) {
            negated = 1;
            ap_advance(p);
        }
        if (!is_kw(p, KW_NULL)) {
            ap_error_at(p, p->tok.loc, "expected 'null' after '%s', got %s",
                        negated ? "is not" : "is", ap_describe(p, buf, sizeof(buf)));
            return NULL;
        }
        e = new_expr(p, AST_IS_NULL, &p->tok);
        args = arena_alloc(p->arena, sizeof(*args));
        if (e == NULL || args == NULL) {
            ap_report_oom(p, lhs->loc);
            return NULL;
        }
        e->loc = lhs->loc;
        e->start = lhs->start;
        e->end = p->tok.end;
        e->negated = negated;
        args[0] = lhs;
        ap_advance(p);
        if (set_args(p, e, args, 1) < 0)
            return NULL;
        return e;
    }
    /* [not] in */
    if (is_kw(p, KW_NOT)) {
        negated = 1;
        ap_advance(p);
        if (!is_kw(p, KW_IN)) {
            ap_error_at(p, p->tok.loc, "expected 'in' after 'not', got %s",
                        ap_describe(p, buf, sizeof(buf)));
            return NULL;
        }
    }
    ap_advance(p);
    if (!ap_is_kind(p, TOK_LBRACKET)) {
        ap_error_at(p, p->tok.loc, "expected '[' after '%s', got %s", negated ? "not in" : "in",
                    ap_describe(p, buf, sizeof(buf)));
        return NULL;
    }
    ast_expr *list = parse_list(p);
    if (list == NULL)
        return NULL;
    e = new_expr(p, AST_IN, &p->tok);
    args = arena_alloc(p->arena, ((size_t)list->nargs + 1) * sizeof(*args));
    if (e == NULL || args == NULL) {
        ap_report_oom(p, lhs->loc);
        return NULL;
    }
    e->loc = lhs->loc;
    e->start = lhs->start;
    e->end = list->end;
    e->negated = negated;
    args[0] = lhs;
    if (list->nargs > 0)
        memcpy(args + 1, list->args, list->nargs * sizeof(*args));
    if (set_args(p, e, args, list->nargs + 1) < 0)
        return NULL;
    return e;
}

static ast_expr *parse_cmp(parser *p)
{
    static const op_map ops[] = {
        {TOK_ASSIGN, KW_NONE, AST_OP_EQ}, {TOK_EQ, KW_NONE, AST_OP_EQ},
        {TOK_NE, KW_NONE, AST_OP_NE},     {TOK_LT, KW_NONE, AST_OP_LT},
        {TOK_LE, KW_NONE, AST_OP_LE},     {TOK_GT, KW_NONE, AST_OP_GT},
        {TOK_GE, KW_NONE, AST_OP_GE},
    };
    ast_expr *lhs = parse_concat(p);

    while (lhs != NULL) {
        ast_op op = match_op(p, ops, sizeof(ops) / sizeof(ops[0]));
        if (op != AST_OP_NONE) {
            ast_expr *rhs;
            ap_advance(p);
            rhs = parse_concat(p);
            if (rhs == NULL)
                return NULL;
            lhs = make_binary(p, op, lhs, rhs);
        } else if (is_kw(p, KW_IS) || is_kw(p, KW_IN) || is_kw(p, KW_NOT)) {
            lhs = parse_postfix_test(p, lhs);
        } else {
            break;
        }
    }
    return lhs;
}

static ast_expr *parse_not(parser *p)
{
    if (is_kw(p, KW_NOT))
        return parse_prefix(p, AST_OP_NOT, parse_not);
    return parse_cmp(p);
}

static ast_expr *parse_and(parser *p)
{
    static const op_map ops[] = {{TOK_NAME, KW_AND, AST_OP_AND}};
    return parse_binary_level(p, ops, 1, parse_not);
}

ast_expr *ap_parse_expr(parser *p)
{
    static const op_map ops[] = {{TOK_NAME, KW_OR, AST_OP_OR}};
    return parse_binary_level(p, ops, 1, parse_and);
}

/* ============================== API ======================================= */

ast_expr *ast_parse_expr(const char *what, const char *text, size_t len, quire_arena *arena,
                         diag *d)
{
    char buf[64];
    parser p;
    ast_expr *e;
    size_t errors_before = d->errors;

    if (len > AST_MAX_SIZE) {
        diag_error(d, "%s: expression is too large (%zu bytes; at most %u)", what, len,
                   AST_MAX_SIZE);
        return NULL;
    }
    if (text == NULL)
        text = "";
    memset(&p, 0, sizeof(p));
    p.arena = arena;
    p.whole_expr = 1;
    ast_lex_init(&p.lx, what, text, len, arena, d);
    ap_advance(&p);
    if (ap_is_kind(&p, TOK_EOF)) {
        ap_error_at(&p, p.tok.loc, "expected an expression, got end of input");
        return NULL;
    }
    e = ap_parse_expr(&p);
    if (e != NULL && !ap_is_kind(&p, TOK_EOF)) {
        ap_error_at(&p, p.tok.loc, "unexpected %s after the expression",
                    ap_describe(&p, buf, sizeof(buf)));
        return NULL;
    }
    if (e == NULL || d->errors > errors_before || p.oom)
        return NULL;
    return e;
}
