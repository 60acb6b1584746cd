/*
 * fuzz_expr.c - libFuzzer target for ast_parse_expr(), the entry point for
 * expressions given alone (a --param value, a test). A parsed expression
 * must be a well-formed tree within the depth bound; a failure must have
 * reported at least one one-line error. Built and run by `make fuzz`.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "ast.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            __builtin_trap();                                                                      \
    } while (0)

/* Checks the shape of every node; returns the tree's height. */
static uint32_t walk(const ast_expr *e, size_t size)
{
    uint32_t h = 0;

    CHECK(e->kind >= AST_NULL && e->kind <= AST_LIST);
    CHECK(e->start <= e->end && e->end <= size);
    CHECK(e->loc.line >= 1 && e->loc.column >= 1);
    CHECK(e->nargs == 0 || e->args != NULL);
    switch (e->kind) {
    case AST_UNARY: CHECK(e->nargs == 1); break;
    case AST_BINARY: CHECK(e->nargs == 2); break;
    case AST_IS_NULL: CHECK(e->nargs == 1); break;
    case AST_IN: CHECK(e->nargs >= 1); break;
    case AST_NAME:
    case AST_CALL: CHECK(e->name != NULL && e->name[0] != '\0'); break;
    case AST_STRING: CHECK(e->s != NULL && strlen(e->s) == e->slen); break;
    case AST_DECIMAL: CHECK(e->scale >= 0 && e->scale <= 18); break;
    case AST_LENGTH: CHECK(e->s != NULL && e->f >= 0); break;
    default: break;
    }
    for (uint32_t k = 0; k < e->nargs; k++) {
        uint32_t c = walk(e->args[k], size);
        if (c > h)
            h = c;
    }
    CHECK(e->height == h + 1);
    CHECK(e->height <= AST_MAX_EXPR_HEIGHT);
    return h + 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    quire_arena *arena = arena_new(0);
    diag d = {0};
    ast_expr *e;

    CHECK(arena != NULL);
    e = ast_parse_expr("fuzz", (const char *)data, size, arena, &d);
    if (e != NULL) {
        CHECK(d.errors == 0);
        walk(e, size);
    } else {
        CHECK(d.errors > 0);
    }
    for (size_t k = 0; k < d.count; k++)
        CHECK(strchr(d.items[k].text, '\n') == NULL);
    diag_clear(&d);
    arena_free(arena);
    return 0;
}
