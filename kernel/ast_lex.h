/*
 * ast_lex.h - the tokenizer of the report language (*.quire), used by the
 * parser (ast_parse*.c). It turns bytes into tokens one at a time, decodes
 * every literal (numbers, strings, dates, timestamps, lengths) and reports
 * malformed ones itself, so the parser only sees well-formed tokens or
 * TOK_ERROR (already reported).
 */
#ifndef QUIRE_AST_LEX_H
#define QUIRE_AST_LEX_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"

typedef enum ast_tok_kind {
    TOK_EOF = 0,
    TOK_ERROR, /* a malformed token, already reported */
    TOK_NEWLINE,
    TOK_COMMENT,   /* s, slen: the text after '#' (no newline, no trailing '\r') */
    TOK_NAME,      /* kw says whether it is a keyword */
    TOK_INT,       /* i */
    TOK_DECIMAL,   /* i, scale */
    TOK_FLOAT,     /* f */
    TOK_STRING,    /* s, slen: unescaped, in the arena */
    TOK_DATE,      /* i: days; s: the text after '@' */
    TOK_TIMESTAMP, /* i: microseconds UTC; s: the text after '@' */
    TOK_LENGTH,    /* f: points; i, scale: the number; s: the unit */
    TOK_LPAREN,
    TOK_RPAREN,
    TOK_LBRACKET,
    TOK_RBRACKET,
    TOK_LBRACE,
    TOK_RBRACE,
    TOK_COMMA,
    TOK_SEMI,
    TOK_ASSIGN, /* = */
    TOK_EQ,     /* == */
    TOK_NE,     /* != or <> */
    TOK_LT,
    TOK_LE,
    TOK_GT,
    TOK_GE,
    TOK_PLUS,
    TOK_MINUS,
    TOK_STAR,
    TOK_SLASH,
    TOK_PERCENT,
    TOK_CONCAT, /* || */
} ast_tok_kind;

/* Keywords are names matched without regard to case (AND, Null, ...). */
typedef enum ast_keyword {
    KW_NONE = 0,
    KW_AND,
    KW_OR,
    KW_NOT,
    KW_NULL,
    KW_TRUE,
    KW_FALSE,
    KW_IS,
    KW_IN,
} ast_keyword;

typedef struct ast_token {
    ast_tok_kind kind;
    ast_keyword kw;      /* TOK_NAME */
    ast_loc loc;         /* of the first byte */
    uint32_t start, end; /* byte offsets in the text */
    int64_t i;
    int32_t scale;
    double f;
    const char *s; /* see ast_tok_kind; NAME: not copied (text + start) */
    size_t slen;
} ast_token;

typedef struct ast_lexer {
    const char *path; /* for messages */
    const char *text;
    size_t len;
    size_t pos;
    uint32_t line;
    size_t line_start;  /* offset of the current line's first byte */
    quire_arena *arena; /* decoded strings go here */
    diag *d;
    size_t errors; /* reported by this lexer and its parser */
    int gave_up;   /* AST_MAX_ERRORS reached: stop */
} ast_lexer;

/* Prepares `lx` to read text[0..len) (a UTF-8 byte order mark at the start
 * is skipped). Nothing is allocated until tokens are read. */
void ast_lex_init(ast_lexer *lx, const char *path, const char *text, size_t len, quire_arena *arena,
                  diag *d);

/* Reads the next token into *tok. Malformed input is reported to lx->d and
 * comes back as TOK_ERROR; after the end every call returns TOK_EOF. */
void ast_lex_next(ast_lexer *lx, ast_token *tok);

/* Reports "PATH:LINE:COL: message" for the lexer's text, counting it toward
 * AST_MAX_ERRORS; past the limit it adds one last line and sets gave_up. */
void ast_lex_error(ast_lexer *lx, ast_loc loc, const char *fmt, ...) QUIRE_PRINTF(3, 4);

/* "'}'", "end of line", "end of file", "a string", "'name'", "'12.5'": the
 * token as error messages name it. Writes into buf (NUL-terminated). */
const char *ast_tok_describe(const ast_lexer *lx, const ast_token *tok, char *buf, size_t cap);

#endif /* QUIRE_AST_LEX_H */
