/*
 * ast_parse.c - the recursive-descent parser of the report language: tokens
 * (ast_lex.c) in, the syntax tree of ast.h out. It knows the one shape of
 * the language (attributes, blocks, comments, expressions) and nothing about
 * reports. After an error it skips to the end of the item and goes on, so
 * one run reports every problem. This file reads items and blocks and
 * recovers from errors; expressions are parsed in ast_parse_expr.c.
 */
#include "ast_parse_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ============================== Parser state ============================== */

int ap_vec_push(parser *p, ptr_vec *vec, void *x)
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

void ap_error_at(parser *p, ast_loc loc, const char *fmt, ...)
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

void ap_report_oom(parser *p, ast_loc loc)
{
    if (!p->oom)
        ap_error_at(p, loc, "out of memory");
    p->oom = 1;
}

const char *ap_describe(parser *p, char *buf, size_t cap)
{
    return ast_tok_describe(&p->lx, &p->tok, buf, cap);
}

static void add_pending_comment(parser *p);

/* Moves to the next token. Inside ( ) and [ ] newlines are skipped and
 * comments are set aside to be placed before the item. */
void ap_advance(parser *p)
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

/* Enters one nesting level; reports and returns -1 past AST_MAX_DEPTH. */
int ap_enter(parser *p)
{
    if (p->depth >= AST_MAX_DEPTH) {
        ap_error_at(p, p->tok.loc, "nesting deeper than %d levels", AST_MAX_DEPTH);
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
        ap_report_oom(p, loc);
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
        ap_report_oom(p, p->tok.loc);
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
            ap_report_oom(p, p->tok.loc);
            return;
        }
        if (p->npending > 0)
            memcpy(v, p->pending, p->npending * sizeof(*v));
        p->pending = v;
        p->cap_pending = cap;
    }
    p->pending[p->npending++] = it;
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
                ap_advance(p);
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
        ap_advance(p);
    }
}

/* ============================== Items ===================================== */

static int parse_items(parser *p, ast_item *block, ptr_vec *out);

static int push_item(parser *p, ptr_vec *out, ast_item *it)
{
    if (ap_vec_push(p, out, it) < 0) {
        ap_report_oom(p, it->loc);
        return -1;
    }
    return 0;
}

/* Takes a comment right after an item on the same line. */
static void trailing_comment(parser *p, ast_item *it)
{
    if (ap_is_kind(p, TOK_SEMI))
        ap_advance(p);
    if (ap_is_kind(p, TOK_COMMENT)) {
        it->comment = comment_text(p);
        ap_advance(p);
    }
}

/* name = expr; returns 0, or -1 after an error (the caller recovers). */
static int parse_attribute(parser *p, ast_item *it)
{
    char buf[64];

    ap_advance(p); /* '=' */
    it->value = ap_parse_expr(p);
    if (it->value == NULL)
        return -1;
    if (!ap_is_kind(p, TOK_NEWLINE) && !ap_is_kind(p, TOK_SEMI) && !ap_is_kind(p, TOK_RBRACE) &&
        !ap_is_kind(p, TOK_EOF) && !ap_is_kind(p, TOK_COMMENT)) {
        ap_error_at(p, p->tok.loc, "expected end of line or ';' after the value of '%s', got %s",
                    it->name, ap_describe(p, buf, sizeof(buf)));
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

    while (ap_is_kind(p, TOK_NAME) || ap_is_kind(p, TOK_STRING)) {
        ast_label *l = arena_alloc(p->arena, sizeof(*l));
        if (l == NULL) {
            ap_report_oom(p, p->tok.loc);
            return -1;
        }
        if (ap_is_kind(p, TOK_NAME) && p->tok.kw != KW_NONE) {
            ap_error_at(p, p->tok.loc, "keyword %s cannot be a block label",
                        ap_describe(p, buf, sizeof(buf)));
            return -1;
        }
        l->quoted = ap_is_kind(p, TOK_STRING);
        l->loc = p->tok.loc;
        l->text = l->quoted ? p->tok.s : arena_strndup(p->arena, p->tok.s, p->tok.slen);
        if (l->text == NULL || ap_vec_push(p, &labels, l) < 0) {
            ap_report_oom(p, p->tok.loc);
            return -1;
        }
        ap_advance(p);
    }
    if (!ap_is_kind(p, TOK_LBRACE)) {
        if (labels.n == 0)
            ap_error_at(p, p->tok.loc, "expected '=' or '{' after '%s', got %s", it->name,
                        ap_describe(p, buf, sizeof(buf)));
        else
            ap_error_at(p, p->tok.loc, "expected '{' after '%s %s', got %s", it->name,
                        ((ast_label *)labels.v[labels.n - 1])->text,
                        ap_describe(p, buf, sizeof(buf)));
        return -1;
    }
    it->labels = arena_alloc(p->arena, (labels.n ? labels.n : 1) * sizeof(ast_label));
    if (it->labels == NULL) {
        ap_report_oom(p, it->loc);
        return -1;
    }
    for (uint32_t k = 0; k < labels.n; k++)
        it->labels[k] = *(ast_label *)labels.v[k];
    it->nlabels = labels.n;
    if (ap_enter(p) < 0) {
        /* Skip the whole too-deep block, braces balanced. */
        return -1;
    }
    ap_advance(p);
    if (parse_items(p, it, &body) < 0) {
        p->depth--;
        return -2; /* the end of input: nothing left to recover */
    }
    p->depth--;
    it->items = (ast_item **)body.v;
    it->nitems = body.n;
    it->close_loc = p->tok.loc;
    ap_advance(p); /* '}' */
    if (!ap_is_kind(p, TOK_NEWLINE) && !ap_is_kind(p, TOK_SEMI) && !ap_is_kind(p, TOK_RBRACE) &&
        !ap_is_kind(p, TOK_EOF) && !ap_is_kind(p, TOK_COMMENT)) {
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
            while (!ap_is_kind(p, TOK_EOF))
                ap_advance(p);
            return block != NULL ? -1 : 0;
        }
        switch (p->tok.kind) {
        case TOK_NEWLINE:
            newlines++;
            ap_advance(p);
            continue;
        case TOK_SEMI: ap_advance(p); continue;
        case TOK_EOF:
            if (block != NULL) {
                ap_error_at(p, p->tok.loc, "missing '}' for block '%s' opened at line %u",
                            block->name, block->loc.line);
                return -1;
            }
            return 0;
        case TOK_RBRACE:
            if (block != NULL)
                return 0;
            ap_error_at(p, p->tok.loc, "unexpected '}'");
            ap_advance(p);
            continue;
        case TOK_COMMENT:
            it = new_item(p, AST_COMMENT, p->tok.loc);
            if (it == NULL)
                continue;
            it->comment = comment_text(p);
            it->blank_before = newlines >= 2;
            newlines = 0;
            push_item(p, out, it);
            ap_advance(p);
            continue;
        case TOK_ERROR: skip_item(p); continue;
        case TOK_NAME:
            if (p->tok.kw == KW_NONE)
                break;
            /* fall through */
        default:
            ap_error_at(p, p->tok.loc, "expected an attribute or a block, got %s",
                        ap_describe(p, buf, sizeof(buf)));
            skip_item(p);
            continue;
        }

        it = new_item(p, AST_ATTRIBUTE, p->tok.loc);
        if (it == NULL)
            continue;
        it->name = arena_strndup(p->arena, p->tok.s, p->tok.slen);
        it->blank_before = newlines >= 2;
        newlines = 0;
        ap_advance(p);
        uint32_t depth = p->depth;
        p->npending = 0;
        if (ap_is_kind(p, TOK_ASSIGN)) {
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
    ap_advance(p);
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

void ast_free(ast_file *file)
{
    if (file != NULL)
        arena_free(file->arena);
}
