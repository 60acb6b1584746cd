/*
 * ast.h - the syntax tree of a report definition (*.quire), as the parser
 * reads it, before any meaning is attached.
 *
 * The language has one shape (see docs/report-language.md):
 *
 *   file      = item*
 *   item      = attribute | block | comment
 *   attribute = NAME "=" expr              ends at a newline, ";" or "}"
 *   block     = NAME label* "{" item* "}"  label: NAME or "string"
 *
 * so the parser and `quire fmt` know nothing about reports; report.h gives
 * the blocks and attributes their meaning. Comments (# to end of line) and
 * single blank lines between items are kept so `quire fmt` can print a file
 * back without losing them.
 *
 * Every node lives in the tree's arena and dies with ast_free(). Strings are
 * NUL-terminated copies (string literals unescaped).
 */
#ifndef QUIRE_AST_H
#define QUIRE_AST_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "diag.h"

/* A position in the definition file: 1-based line and column (columns count
 * bytes, a tab counts as one). */
typedef struct ast_loc {
    uint32_t line;
    uint32_t column;
} ast_loc;

/* ============================== Expressions =============================== */

typedef enum ast_expr_kind {
    AST_NULL = 1,   /* null */
    AST_BOOL,       /* true / false: i */
    AST_INT,        /* 42: i */
    AST_DECIMAL,    /* 12.50: i = 1250, scale = 2 (scale = digits written after the point) */
    AST_FLOAT,      /* 1.5e3 (has an exponent): f */
    AST_STRING,     /* "text" with \" \\ \n \t \u{XXXX} escapes: s, slen */
    AST_DATE,       /* @2024-01-31: i = days since 1970-01-01; s = the text after '@' */
    AST_TIMESTAMP,  /* @2024-01-31T10:00:00Z (or +02:00, fraction to microseconds): i = us;
                       s = the text after '@' (the written zone and fraction digits) */
    AST_LENGTH,     /* 20mm, 1.5in, 2cm, 12pt: f = points; s = the unit ("mm");
                       i, scale = the number as written (1.5in: i = 15, scale = 1) */
    AST_NAME,       /* order_date: name (a column, field, variable, parameter, keyword) */
    AST_UNARY,      /* op args[0]: AST_OP_NEG, AST_OP_NOT */
    AST_BINARY,     /* args[0] op args[1] */
    AST_IS_NULL,    /* args[0] is null; negated = 1 for "is not null" */
    AST_IN,         /* args[0] in [args[1..]]; negated = 1 for "not in" */
    AST_CALL,       /* name(args...) */
    AST_LIST,       /* [args...] */
} ast_expr_kind;

typedef enum ast_op {
    AST_OP_NONE = 0,
    AST_OP_NEG,    /* -x */
    AST_OP_NOT,    /* not x */
    AST_OP_ADD,    /* + */
    AST_OP_SUB,    /* - */
    AST_OP_MUL,    /* * */
    AST_OP_DIV,    /* / */
    AST_OP_MOD,    /* % */
    AST_OP_CONCAT, /* || */
    AST_OP_EQ,     /* = or == */
    AST_OP_NE,     /* != or <> */
    AST_OP_LT,     /* < */
    AST_OP_LE,     /* <= */
    AST_OP_GT,     /* > */
    AST_OP_GE,     /* >= */
    AST_OP_AND,    /* and */
    AST_OP_OR,     /* or */
} ast_op;

/*
 * Precedence, loosest first: or; and; not; comparison (= != <> < <= > >=,
 * is [not] null, [not] in); || ; + -; * / %; unary -; call, literal, name,
 * (parenthesised), [list]. Binary operators are left-associative.
 */
typedef struct ast_expr {
    ast_expr_kind kind;
    ast_op op;
    ast_loc loc;          /* of the first token of the expression */
    uint32_t start, end;  /* byte offsets of the expression's text in the file */
    int negated;          /* AST_IS_NULL, AST_IN */
    int64_t i;            /* BOOL, INT, DECIMAL, DATE, TIMESTAMP */
    int32_t scale;        /* DECIMAL */
    double f;             /* FLOAT, LENGTH */
    const char *s;        /* STRING (unescaped, NUL-terminated), LENGTH unit */
    size_t slen;
    const char *name;     /* NAME, CALL (the function) */
    struct ast_expr **args;
    uint32_t nargs;
    int parenthesised;    /* written inside ( ); start..end then include them. `quire fmt`
                             keeps the parentheses the author wrote */
    uint32_t height;      /* 1 for a leaf, else 1 + the tallest operand (at most
                             AST_MAX_EXPR_HEIGHT, so recursive walks are bounded) */
} ast_expr;

/* ============================== Items ===================================== */

typedef enum ast_item_kind {
    AST_ATTRIBUTE = 1,
    AST_BLOCK,
    AST_COMMENT,
} ast_item_kind;

typedef struct ast_label {
    const char *text;
    int quoted; /* written as "string" */
    ast_loc loc;
} ast_label;

typedef struct ast_item {
    ast_item_kind kind;
    ast_loc loc;               /* of the item's first token */
    const char *name;          /* ATTRIBUTE and BLOCK: the keyword */
    ast_expr *value;           /* ATTRIBUTE */
    ast_label *labels;         /* BLOCK */
    uint32_t nlabels;
    struct ast_item **items;   /* BLOCK: its body */
    uint32_t nitems;
    ast_loc close_loc;         /* BLOCK: of its "}" */
    const char *comment;       /* COMMENT: text after '#', without the newline;
                                  ATTRIBUTE/BLOCK: a comment on the same line
                                  after the item (or NULL) */
    int blank_before;          /* a blank line preceded this item */
} ast_item;

typedef struct ast_file {
    const char *path;  /* as given to ast_parse (copied) */
    const char *text;  /* the whole source (copied, NUL-terminated) */
    size_t len;
    ast_item **items;
    uint32_t nitems;
    quire_arena *arena;
} ast_file;

/* ============================== API ======================================= */

/*
 * Parses `len` bytes of `text` read from `path`. Every syntax problem is
 * appended to `d` as "PATH:LINE:COL: message" followed by the offending line
 * and a caret under the column (diag_error_at). The parser recovers at the
 * next item so one run reports every problem; input is never trusted (any
 * bytes, any nesting depth up to AST_MAX_DEPTH, NUL bytes are errors).
 * Returns 0 and *out (owned by the caller, ast_free()) when there were no
 * errors; -1 otherwise (*out = NULL).
 */
int ast_parse(const char *path, const char *text, size_t len, ast_file **out, diag *d);

/* Reads the file at `path` ("-": standard input) and parses it. A missing
 * or unreadable file is one error "PATH: cannot read: REASON". Same contract
 * as ast_parse(). */
int ast_parse_file(const char *path, ast_file **out, diag *d);

/*
 * Parses one expression (a --param value, a fuzz input, a test). `what`
 * names the text in errors ("command line --param x"). The expression lives
 * in `arena` (owned by the caller). Returns NULL after appending errors.
 */
ast_expr *ast_parse_expr(const char *what, const char *text, size_t len, quire_arena *arena,
                         diag *d);

/* Frees the tree and everything in its arena. NULL is a no-op. */
void ast_free(ast_file *file);

/* Deepest nesting of blocks plus expression parentheses, brackets, call
 * parentheses and unary operators accepted. */
#define AST_MAX_DEPTH 64

/* Tallest expression tree accepted (long chains like a + b + c + ... count
 * one level per operator). Bounds the recursion of every later walk. */
#define AST_MAX_EXPR_HEIGHT 256

/* Largest definition accepted, in bytes (offsets in ast_expr are 32-bit). */
#define AST_MAX_SIZE (16u * 1024 * 1024)

/* The parser stops after this many errors (with a last line saying so). */
#define AST_MAX_ERRORS 100

/* The expression's text exactly as written (file->text[start..end)). */
static inline size_t ast_expr_text(const ast_file *file, const ast_expr *e, const char **text)
{
    *text = file->text + e->start;
    return e->end - e->start;
}

#endif /* QUIRE_AST_H */
