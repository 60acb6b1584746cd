/*
 * ast_parse_int.h - what the two files of the report language parser
 * share: the parser state, the arena-backed pointer vector, token movement
 * and error reporting (ast_parse.c), and the expression parser
 * (ast_parse_expr.c) that attribute values start. Not for use outside
 * those two files.
 */
#ifndef QUIRE_AST_PARSE_INT_H
#define QUIRE_AST_PARSE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "ast.h"
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

/* Appends x to vec, growing it in the arena; 0, or -1 with p->oom set when
 * memory runs out. */
int ap_vec_push(parser *p, ptr_vec *vec, void *x);

/* Reports MSG at loc through the lexer's diagnostics, unless the lexer
 * already reported a malformed token there. */
void ap_error_at(parser *p, ast_loc loc, const char *fmt, ...) QUIRE_PRINTF(3, 4);

/* Reports "out of memory" at loc (once) and sets p->oom. */
void ap_report_oom(parser *p, ast_loc loc);

/* The current token as messages name it ("'}'", "end of line"), in buf. */
const char *ap_describe(parser *p, char *buf, size_t cap);

/* Moves to the next token. Inside ( ) and [ ] newlines are skipped and
 * comments are set aside to be placed before the item. */
void ap_advance(parser *p);

/* Enters one nesting level; reports and returns -1 past AST_MAX_DEPTH. */
int ap_enter(parser *p);

/* Whether the current token is of `kind`. */
static inline int ap_is_kind(const parser *p, ast_tok_kind kind)
{
    return p->tok.kind == kind;
}

/* ============================== Expressions (ast_parse_expr.c) =========== */

/* Parses one expression from the current token on, into the arena; NULL
 * after reporting why it is not one. */
ast_expr *ap_parse_expr(parser *p);

#endif /* QUIRE_AST_PARSE_INT_H */
