/*
 * lang_assert.h - helpers the report language tests share (test_ast.c,
 * test_report.c, test_format.c):
 *
 *   ERRORS_ARE(&d, "3:5: message", ...)  the diag list holds exactly these
 *                                        errors, as "LINE:COL: message"
 *   sexpr(e, buf)                        an expression as a Lisp-like string,
 *                                        written independently of ast_format
 *   trees_equal(a, b)                    (ast_equal.h) two trees mean the same
 *
 * Include after <cmocka.h>, "ast.h" and "diag.h".
 */
#ifndef QUIRE_TEST_LANG_ASSERT_H
#define QUIRE_TEST_LANG_ASSERT_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ast_equal.h"

/* "LINE:COL: message" of a located item (the path is dropped). */
static void located_text(const diag_item *it, char *buf, size_t cap)
{
    const char *where = it->where != NULL ? it->where : "";
    const char *colon = strchr(where, ':');

    /* PATH:LINE:COL: keep LINE:COL (paths in these tests hold no ':') */
    snprintf(buf, cap, "%s: %s", colon != NULL ? colon + 1 : where, it->text);
}

static inline void assert_errors(const diag *d, const char *const *expected)
{
    size_t n = 0;
    char got[1024];

    while (expected[n] != NULL)
        n++;
    for (size_t i = 0; i < d->count && i < n; i++) {
        located_text(&d->items[i], got, sizeof(got));
        if (strcmp(got, expected[i]) != 0)
            fail_msg("error %zu:\n  got      %s\n  expected %s", i, got, expected[i]);
    }
    if (d->count != n) {
        for (size_t i = 0; i < d->count; i++) {
            located_text(&d->items[i], got, sizeof(got));
            print_message("  had: %s\n", got);
        }
        fail_msg("%zu errors, expected %zu", d->count, n);
    }
    assert_int_equal(d->errors, n);
}
#define ERRORS_ARE(d, ...) assert_errors((d), (const char *const[]){__VA_ARGS__, NULL})

/* ============================== S-expressions ============================= */

static const char *sx_op(ast_op op)
{
    static const char *const names[] = {
        [AST_OP_NEG] = "neg", [AST_OP_NOT] = "not", [AST_OP_ADD] = "+",   [AST_OP_SUB] = "-",
        [AST_OP_MUL] = "*",   [AST_OP_DIV] = "/",   [AST_OP_MOD] = "%",   [AST_OP_CONCAT] = "||",
        [AST_OP_EQ] = "=",    [AST_OP_NE] = "!=",   [AST_OP_LT] = "<",    [AST_OP_LE] = "<=",
        [AST_OP_GT] = ">",    [AST_OP_GE] = ">=",   [AST_OP_AND] = "and", [AST_OP_OR] = "or",
    };
    return op < sizeof(names) / sizeof(names[0]) && names[op] ? names[op] : "?";
}

static void sx_add(char *buf, size_t cap, const char *fmt, ...) QUIRE_PRINTF(3, 4);
static void sx_add(char *buf, size_t cap, const char *fmt, ...)
{
    size_t len = strlen(buf);
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf + len, cap - len, fmt, ap);
    va_end(ap);
}

/* Literals print as kind:value, operators as (op args...), a parenthesised
 * node gets a leading "^". */
static void sx(const ast_expr *e, char *buf, size_t cap)
{
    if (e->parenthesised)
        sx_add(buf, cap, "^");
    switch (e->kind) {
    case AST_NULL: sx_add(buf, cap, "null"); return;
    case AST_BOOL: sx_add(buf, cap, "%s", e->i ? "true" : "false"); return;
    case AST_INT: sx_add(buf, cap, "%" PRId64, e->i); return;
    case AST_DECIMAL: sx_add(buf, cap, "dec:%" PRId64 "/%d", e->i, (int)e->scale); return;
    case AST_FLOAT: sx_add(buf, cap, "float:%g", e->f); return;
    case AST_STRING: sx_add(buf, cap, "\"%s\"", e->s); return;
    case AST_DATE: sx_add(buf, cap, "date:%" PRId64, e->i); return;
    case AST_TIMESTAMP: sx_add(buf, cap, "ts:%" PRId64, e->i); return;
    case AST_LENGTH: sx_add(buf, cap, "len:%.4f%s", e->f, e->s); return;
    case AST_NAME: sx_add(buf, cap, "%s", e->name); return;
    case AST_UNARY:
    case AST_BINARY: sx_add(buf, cap, "(%s", sx_op(e->op)); break;
    case AST_IS_NULL: sx_add(buf, cap, "(%s", e->negated ? "is-not-null" : "is-null"); break;
    case AST_IN: sx_add(buf, cap, "(%s", e->negated ? "not-in" : "in"); break;
    case AST_CALL: sx_add(buf, cap, "(call %s", e->name); break;
    case AST_LIST: sx_add(buf, cap, "(list"); break;
    }
    for (uint32_t k = 0; k < e->nargs; k++) {
        sx_add(buf, cap, " ");
        sx(e->args[k], buf, cap);
    }
    sx_add(buf, cap, ")");
}

static inline const char *sexpr(const ast_expr *e, char *buf, size_t cap)
{
    buf[0] = '\0';
    sx(e, buf, cap);
    return buf;
}

#endif /* QUIRE_TEST_LANG_ASSERT_H */
