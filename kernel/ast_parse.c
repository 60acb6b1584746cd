/*
 * ast_parse.c - the recursive-descent parser of the report language: tokens
 * (ast_lex.c) in, the syntax tree of ast.h out. It knows the one shape of
 * the language (attributes, blocks, comments, expressions) and nothing about
 * reports. After an error it skips to the end of the item and goes on, so
 * one run reports every problem.
 */
#include "ast.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast_lex.h"

/* ============================== Parser state ============================== */

typedef struct parser {
    ast_lexer lx;
    ast_token tok; /* the current token */
    quire_arena *arena;
    uint32_t depth;     /* blocks, parentheses, brackets and unary operators open */
    int in_group;       /* > 0 inside ( ) or [ ]: newlines and comments are skipped */
    int whole_expr;     /* ast_parse_expr: newlines never end anything */
    ast_item **pending; /* comments met inside an expression, moved before its item */
    uint32_t npending, cap_pending;
    int oom;
} parser;

/* A growable array of pointers in the arena (the old copy is abandoned on
 * growth, which at most doubles the space used). */
typedef struct ptr_vec {
    void **v;
    uint32_t n, cap;
} ptr_vec;

static int vec_push(parser *p, ptr_vec *vec, void *x)
{
    if (vec->n == vec->cap) {
        uint32_t cap = vec->cap ? vec->cap * 2 : 4;
        void **v;
        if (cap < vec->cap || cap > UINT32_MAX / 2) {
            p->oom = 1;
            return -1;
        }
        v = arena_alloc(p->arena, (size_t)cap * sizeof(void *));
        if (v == NULL) {
            p->oom = 1;
            return -1;
        }
        if (vec->n > 0)
            memcpy(v, vec->v, (size_t)vec->n * sizeof(void *));
        vec->v = v;
        vec->cap = cap;
    }
    vec->v[vec->n++] = x;
    return 0;
}

static void error_at(parser *p, ast_loc loc, const char *fmt, ...) QUIRE_PRINTF(3, 4);
static void error_at(parser *p, ast_loc loc, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    /* A malformed token was reported by the lexer: "expected X, got it"
     * would only repeat that. */
    if (p->tok.kind == TOK_ERROR && loc.line == p->tok.loc.line && loc.column == p->tok.loc.column)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ast_lex_error(&p->lx, loc, "%s", msg);
}

static void report_oom(parser *p, ast_loc loc)
{
    if (!p->oom)
        error_at(p, loc, "out of memory");
    p->oom = 1;
}

static const char *describe(parser *p, char *buf, size_t cap)
{
    return ast_tok_describe(&p->lx, &p->tok, buf, cap);
}

static void add_pending_comment(parser *p);

/* Moves to the next token. Inside ( ) and [ ] newlines are skipped and
 * comments are set aside to be placed before the item. */
static void advance(parser *p)
{
    for (;;) {
        ast_lex_next(&p->lx, &p->tok);
        if (p->in_group > 0 || p->whole_expr) {
            if (p->tok.kind == TOK_NEWLINE)
                continue;
            if (p->tok.kind == TOK_COMMENT) {
                if (!p->whole_expr)
                    add_pending_comment(p);
                continue;
            }
        }
        return;
    }
}

static int is_kind(const parser *p, ast_tok_kind kind)
{
    return p->tok.kind == kind;
}

static int is_kw(const parser *p, ast_keyword kw)
{
    return p->tok.kind == TOK_NAME && p->tok.kw == kw;
}

/* Enters one nesting level; reports and returns -1 past AST_MAX_DEPTH. */
static int enter(parser *p)
{
    if (p->depth >= AST_MAX_DEPTH) {
        error_at(p, p->tok.loc, "nesting deeper than %d levels", AST_MAX_DEPTH);
        return -1;
    }
    p->depth++;
    return 0;
}

/* ============================== Items ===================================== */

static ast_item *new_item(parser *p, ast_item_kind kind, ast_loc loc)
{
    ast_item *it = arena_alloc(p->arena, sizeof(*it));

    if (it == NULL) {
        report_oom(p, loc);
        return NULL;
    }
    memset(it, 0, sizeof(*it));
    it->kind = kind;
    it->loc = loc;
    return it;
}

static const char *comment_text(parser *p)
{
    const char *s = arena_strndup(p->arena, p->tok.s, p->tok.slen);

    if (s == NULL)
        report_oom(p, p->tok.loc);
    return s;
}

static void add_pending_comment(parser *p)
{
    ast_item *it = new_item(p, AST_COMMENT, p->tok.loc);

    if (it == NULL)
        return;
    it->comment = comment_text(p);
    if (p->npending == p->cap_pending) {
        uint32_t cap = p->cap_pending ? p->cap_pending * 2 : 4;
        ast_item **v = arena_alloc(p->arena, cap * sizeof(*v));
        if (v == NULL) {
            report_oom(p, p->tok.loc);
            return;
        }
        if (p->npending > 0)
            memcpy(v, p->pending, p->npending * sizeof(*v));
        p->pending = v;
        p->cap_pending = cap;
    }
    p->pending[p->npending++] = it;
}

/* ============================== Expressions =============================== */

static ast_expr *parse_expr(parser *p);

static ast_expr *new_expr(parser *p, ast_expr_kind kind, const ast_token *at)
{
    ast_expr *e = arena_alloc(p->arena, sizeof(*e));

    if (e == NULL) {
        report_oom(p, at->loc);
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
        error_at(p, e->loc, "expression is nested too deeply (more than %d operators deep)",
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
        report_oom(p, lhs->loc);
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

    while (!is_kind(p, close)) {
        ast_expr *e = parse_expr(p);
        if (e == NULL)
            return -1;
        if (vec_push(p, out, e) < 0) {
            report_oom(p, e->loc);
            return -1;
        }
        if (is_kind(p, TOK_COMMA)) {
            advance(p);
            continue;
        }
        if (!is_kind(p, close)) {
            error_at(p, p->tok.loc, "expected ',' or '%s' (for the '%c' at %u:%u), got %s", closer,
                     close == TOK_RPAREN ? '(' : '[', open.line, open.column,
                     describe(p, buf, sizeof(buf)));
            return -1;
        }
    }
    return 0;
}

/* The part inside a bracket pair: ( expr ), [ list ], f( args ). On entry
 * the current token is the opener. */
static int open_group(parser *p)
{
    if (enter(p) < 0)
        return -1;
    p->in_group++;
    advance(p);
    return 0;
}

/* Consumes the closer: newlines count again right after it. */
static void close_group(parser *p)
{
    p->in_group--;
    p->depth--;
    advance(p);
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
    advance(p);
    return e;
}

static ast_expr *parse_name(parser *p)
{
    ast_token name = p->tok;
    ast_expr *e;
    ptr_vec args = {0};
    ast_loc open;

    advance(p);
    if (!is_kind(p, TOK_LPAREN)) {
        e = new_expr(p, AST_NAME, &name);
        if (e == NULL)
            return NULL;
        e->name = arena_strndup(p->arena, name.s, name.slen);
        if (e->name == NULL) {
            report_oom(p, name.loc);
            return NULL;
        }
        return e;
    }
    e = new_expr(p, AST_CALL, &name);
    if (e == NULL)
        return NULL;
    e->name = arena_strndup(p->arena, name.s, name.slen);
    if (e->name == NULL) {
        report_oom(p, name.loc);
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
            advance(p);
            return e;
        default:
            error_at(p, p->tok.loc, "expected an expression, got keyword %s",
                     describe(p, buf, sizeof(buf)));
            return NULL;
        }
    case TOK_LPAREN: {
        ast_token open = p->tok;
        if (open_group(p) < 0)
            return NULL;
        e = parse_expr(p);
        if (e == NULL)
            return NULL;
        if (!is_kind(p, TOK_RPAREN)) {
            error_at(p, p->tok.loc, "expected ')' (for the '(' at %u:%u), got %s", open.loc.line,
                     open.loc.column, describe(p, buf, sizeof(buf)));
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
        error_at(p, p->tok.loc, "expected an expression, got %s", describe(p, buf, sizeof(buf)));
        return NULL;
    }
}

/* A prefix operator: `op` is - or not; `next` parses the operand level. */
static ast_expr *parse_prefix(parser *p, ast_op op, ast_expr *(*next)(parser *))
{
    ast_token at = p->tok;
    ast_expr *e, *operand, **args;

    if (enter(p) < 0)
        return NULL;
    advance(p);
    operand = next(p);
    p->depth--;
    if (operand == NULL)
        return NULL;
    e = new_expr(p, AST_UNARY, &at);
    args = arena_alloc(p->arena, sizeof(*args));
    if (e == NULL || args == NULL) {
        report_oom(p, at.loc);
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
    if (is_kind(p, TOK_MINUS))
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
        if (ops[k].kw != KW_NONE ? is_kw(p, ops[k].kw) : is_kind(p, ops[k].tok))
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
        advance(p);
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
        advance(p);
        if (is_kw(p, KW_NOT)) {
            negated = 1;
            advance(p);
        }
        if (!is_kw(p, KW_NULL)) {
            error_at(p, p->tok.loc, "expected 'null' after '%s', got %s", negated ? "is not" : "is",
                     describe(p, buf, sizeof(buf)));
            return NULL;
        }
        e = new_expr(p, AST_IS_NULL, &p->tok);
        args = arena_alloc(p->arena, sizeof(*args));
        if (e == NULL || args == NULL) {
            report_oom(p, lhs->loc);
            return NULL;
        }
        e->loc = lhs->loc;
        e->start = lhs->start;
        e->end = p->tok.end;
        e->negated = negated;
        args[0] = lhs;
        advance(p);
        if (set_args(p, e, args, 1) < 0)
            return NULL;
        return e;
    }
    /* [not] in */
    if (is_kw(p, KW_NOT)) {
        negated = 1;
        advance(p);
        if (!is_kw(p, KW_IN)) {
            error_at(p, p->tok.loc, "expected 'in' after 'not', got %s",
                     describe(p, buf, sizeof(buf)));
            return NULL;
        }
    }
    advance(p);
    if (!is_kind(p, TOK_LBRACKET)) {
        error_at(p, p->tok.loc, "expected '[' after '%s', got %s", negated ? "not in" : "in",
                 describe(p, buf, sizeof(buf)));
        return NULL;
    }
    ast_expr *list = parse_list(p);
    if (list == NULL)
        return NULL;
    e = new_expr(p, AST_IN, &p->tok);
    args = arena_alloc(p->arena, ((size_t)list->nargs + 1) * sizeof(*args));
    if (e == NULL || args == NULL) {
        report_oom(p, lhs->loc);
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
            advance(p);
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

static ast_expr *parse_expr(parser *p)
{
    static const op_map ops[] = {{TOK_NAME, KW_OR, AST_OP_OR}};
    return parse_binary_level(p, ops, 1, parse_and);
}

/* ============================== Recovery ================================== */

/*
 * Skips the rest of a broken item: up to the end of its line (or ';') at
 * bracket depth zero, over any { } it opened, but never past the '}' that
 * closes the enclosing block (that one belongs to the caller).
 */
static void skip_item(parser *p)
{
    int groups = 0, braces = 0;

    p->in_group = 0;
    for (;;) {
        switch (p->tok.kind) {
        case TOK_EOF: return;
        case TOK_NEWLINE:
        case TOK_SEMI:
            if (groups <= 0 && braces == 0) {
                advance(p);
                return;
            }
            break;
        case TOK_LBRACE: braces++; break;
        case TOK_RBRACE:
            if (braces == 0)
                return;
            braces--;
            break;
        case TOK_LPAREN:
        case TOK_LBRACKET: groups++; break;
        case TOK_RPAREN:
        case TOK_RBRACKET:
            if (groups > 0)
                groups--;
            break;
        default: break;
        }
        advance(p);
    }
}

/* ============================== Items ===================================== */

static int parse_items(parser *p, ast_item *block, ptr_vec *out);

static int push_item(parser *p, ptr_vec *out, ast_item *it)
{
    if (vec_push(p, out, it) < 0) {
        report_oom(p, it->loc);
        return -1;
    }
    return 0;
}

/* Takes a comment right after an item on the same line. */
static void trailing_comment(parser *p, ast_item *it)
{
    if (is_kind(p, TOK_SEMI))
        advance(p);
    if (is_kind(p, TOK_COMMENT)) {
        it->comment = comment_text(p);
        advance(p);
    }
}

/* name = expr; returns 0, or -1 after an error (the caller recovers). */
static int parse_attribute(parser *p, ast_item *it)
{
    char buf[64];

    advance(p); /* '=' */
    it->value = parse_expr(p);
    if (it->value == NULL)
        return -1;
    if (!is_kind(p, TOK_NEWLINE) && !is_kind(p, TOK_SEMI) && !is_kind(p, TOK_RBRACE) &&
        !is_kind(p, TOK_EOF) && !is_kind(p, TOK_COMMENT)) {
        error_at(p, p->tok.loc, "expected end of line or ';' after the value of '%s', got %s",
                 it->name, describe(p, buf, sizeof(buf)));
        return -1;
    }
    trailing_comment(p, it);
    return 0;
}

/* keyword label* { items }: the current token is the first label or '{'. */
static int parse_block(parser *p, ast_item *it)
{
    char buf[64];
    ptr_vec labels = {0};
    ptr_vec body = {0};

    while (is_kind(p, TOK_NAME) || is_kind(p, TOK_STRING)) {
        ast_label *l = arena_alloc(p->arena, sizeof(*l));
        if (l == NULL) {
            report_oom(p, p->tok.loc);
            return -1;
        }
        if (is_kind(p, TOK_NAME) && p->tok.kw != KW_NONE) {
            error_at(p, p->tok.loc, "keyword %s cannot be a block label",
                     describe(p, buf, sizeof(buf)));
            return -1;
        }
        l->quoted = is_kind(p, TOK_STRING);
        l->loc = p->tok.loc;
        l->text = l->quoted ? p->tok.s : arena_strndup(p->arena, p->tok.s, p->tok.slen);
        if (l->text == NULL || vec_push(p, &labels, l) < 0) {
            report_oom(p, p->tok.loc);
            return -1;
        }
        advance(p);
    }
    if (!is_kind(p, TOK_LBRACE)) {
        if (labels.n == 0)
            error_at(p, p->tok.loc, "expected '=' or '{' after '%s', got %s", it->name,
                     describe(p, buf, sizeof(buf)));
        else
            error_at(p, p->tok.loc, "expected '{' after '%s %s', got %s", it->name,
                     ((ast_label *)labels.v[labels.n - 1])->text, describe(p, buf, sizeof(buf)));
        return -1;
    }
    it->labels = arena_alloc(p->arena, (labels.n ? labels.n : 1) * sizeof(ast_label));
    if (it->labels == NULL) {
        report_oom(p, it->loc);
        return -1;
    }
    for (uint32_t k = 0; k < labels.n; k++)
        it->labels[k] = *(ast_label *)labels.v[k];
    it->nlabels = labels.n;
    if (enter(p) < 0) {
        /* Skip the whole too-deep block, braces balanced. */
        return -1;
    }
    advance(p);
    if (parse_items(p, it, &body) < 0) {
        p->depth--;
        return -2; /* the end of input: nothing left to recover */
    }
    p->depth--;
    it->items = (ast_item **)body.v;
    it->nitems = body.n;
    it->close_loc = p->tok.loc;
    advance(p); /* '}' */
    if (!is_kind(p, TOK_NEWLINE) && !is_kind(p, TOK_SEMI) && !is_kind(p, TOK_RBRACE) &&
        !is_kind(p, TOK_EOF) && !is_kind(p, TOK_COMMENT)) {
        /* `a { } b = 1` on one line is two items: allowed, like after ';'. */
        return 0;
    }
    trailing_comment(p, it);
    return 0;
}

/*
 * Parses items until the '}' closing `block` (left as the current token) or
 * the end of the input (top level, block == NULL). Returns -1 if the input
 * ended inside the block.
 */
static int parse_items(parser *p, ast_item *block, ptr_vec *out)
{
    char buf[64];
    int newlines = 0;

    for (;;) {
        ast_item *it;
        int rc;

        if (p->lx.gave_up || p->oom) {
            while (!is_kind(p, TOK_EOF))
                advance(p);
            return block != NULL ? -1 : 0;
        }
        switch (p->tok.kind) {
        case TOK_NEWLINE:
            newlines++;
            advance(p);
            continue;
        case TOK_SEMI: advance(p); continue;
        case TOK_EOF:
            if (block != NULL) {
                error_at(p, p->tok.loc, "missing '}' for block '%s' opened at line %u", block->name,
                         block->loc.line);
                return -1;
            }
            return 0;
        case TOK_RBRACE:
            if (block != NULL)
                return 0;
            error_at(p, p->tok.loc, "unexpected '}'");
            advance(p);
            continue;
        case TOK_COMMENT:
            it = new_item(p, AST_COMMENT, p->tok.loc);
            if (it == NULL)
                continue;
            it->comment = comment_text(p);
            it->blank_before = newlines >= 2;
            newlines = 0;
            push_item(p, out, it);
            advance(p);
            continue;
        case TOK_ERROR: skip_item(p); continue;
        case TOK_NAME:
            if (p->tok.kw == KW_NONE)
                break;
            /* fall through */
        default:
            error_at(p, p->tok.loc, "expected an attribute or a block, got %s",
                     describe(p, buf, sizeof(buf)));
            skip_item(p);
            continue;
        }

        it = new_item(p, AST_ATTRIBUTE, p->tok.loc);
        if (it == NULL)
            continue;
        it->name = arena_strndup(p->arena, p->tok.s, p->tok.slen);
        it->blank_before = newlines >= 2;
        newlines = 0;
        advance(p);
        uint32_t depth = p->depth;
        p->npending = 0;
        if (is_kind(p, TOK_ASSIGN)) {
            rc = parse_attribute(p, it);
        } else {
            it->kind = AST_BLOCK;
            rc = parse_block(p, it);
        }
        for (uint32_t k = 0; k < p->npending; k++) {
            if (k == 0)
                p->pending[k]->blank_before = it->blank_before;
            push_item(p, out, p->pending[k]);
        }
        if (p->npending > 0)
            it->blank_before = 0;
        p->npending = 0;
        if (rc == -2) {
            p->depth = depth;
            return block != NULL ? -1 : 0;
        }
        if (rc < 0) {
            p->depth = depth;
            skip_item(p);
            continue;
        }
        push_item(p, out, it);
    }
}

/* ============================== API ======================================= */

int ast_parse(const char *path, const char *text, size_t len, ast_file **out, diag *d)
{
    quire_arena *arena;
    ast_file *file;
    parser *p;
    ptr_vec items = {0};
    size_t errors_before = d->errors;

    *out = NULL;
    if (text == NULL)
        text = "";
    if (len > AST_MAX_SIZE) {
        diag_error(d, "%s: definition is too large (%zu bytes; at most %u)", path, len,
                   AST_MAX_SIZE);
        return -1;
    }
    arena = arena_new(0);
    p = calloc(1, sizeof(*p));
    file = arena != NULL ? arena_alloc(arena, sizeof(*file)) : NULL;
    if (p == NULL || file == NULL)
        goto fail_oom;
    memset(file, 0, sizeof(*file));
    file->arena = arena;
    file->path = arena_strndup(arena, path, strlen(path));
    file->text = arena_strndup(arena, text, len);
    file->len = len;
    if (file->path == NULL || file->text == NULL)
        goto fail_oom;
    p->arena = arena;
    ast_lex_init(&p->lx, file->path, file->text, len, arena, d);
    advance(p);
    parse_items(p, NULL, &items);
    file->items = (ast_item **)items.v;
    file->nitems = items.n;
    if (d->errors > errors_before || p->oom) {
        free(p);
        arena_free(arena);
        return -1;
    }
    free(p);
    *out = file;
    return 0;

fail_oom:
    diag_error(d, "%s: out of memory", path);
    free(p);
    arena_free(arena);
    return -1;
}

int ast_parse_file(const char *path, ast_file **out, diag *d)
{
    FILE *f;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int rc;

    *out = NULL;
    f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (f == NULL) {
        diag_error(d, "%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    for (;;) {
        size_t n;
        if (len == cap) {
            char *grown;
            if (cap > AST_MAX_SIZE) {
                diag_error(d, "%s: definition is too large (more than %u bytes)", path,
                           AST_MAX_SIZE);
                goto fail_close;
            }
            cap = cap ? cap * 2 : 8192;
            grown = realloc(buf, cap);
            if (grown == NULL) {
                diag_error(d, "%s: out of memory", path);
                goto fail_close;
            }
            buf = grown;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0) {
            if (ferror(f)) {
                diag_error(d, "%s: cannot read: %s", path, strerror(errno));
                goto fail_close;
            }
            break;
        }
    }
    if (f != stdin)
        fclose(f);
    rc = ast_parse(path, buf != NULL ? buf : "", len, out, d);
    free(buf);
    return rc;

fail_close:
    if (f != stdin)
        fclose(f);
    free(buf);
    return -1;
}

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
    advance(&p);
    if (is_kind(&p, TOK_EOF)) {
        error_at(&p, p.tok.loc, "expected an expression, got end of input");
        return NULL;
    }
    e = parse_expr(&p);
    if (e != NULL && !is_kind(&p, TOK_EOF)) {
        error_at(&p, p.tok.loc, "unexpected %s after the expression",
                 describe(&p, buf, sizeof(buf)));
        return NULL;
    }
    if (e == NULL || d->errors > errors_before || p.oom)
        return NULL;
    return e;
}

void ast_free(ast_file *file)
{
    if (file != NULL)
        arena_free(file->arena);
}
