/*
 * ast_equal.h - whether two syntax trees mean the same: same items,
 * attributes, labels and expressions, with positions, comments and blank
 * lines ignored. Shared by the unit tests (test_format.c) and the fuzz
 * target tests/fuzz/fuzz_report.c, which checks that `quire fmt` never
 * changes what a file means. Needs only ast.h.
 */
#ifndef QUIRE_TEST_AST_EQUAL_H
#define QUIRE_TEST_AST_EQUAL_H

#include <string.h>

#include "ast.h"

static inline int exprs_equal(const ast_expr *a, const ast_expr *b)
{
    if (a->kind != b->kind || a->op != b->op || a->negated != b->negated ||
        a->parenthesised != b->parenthesised || a->nargs != b->nargs)
        return 0;
    switch (a->kind) {
    case AST_BOOL:
    case AST_INT:
    case AST_DATE:
    case AST_TIMESTAMP:
        if (a->i != b->i)
            return 0;
        break;
    case AST_DECIMAL:
        if (a->i != b->i || a->scale != b->scale)
            return 0;
        break;
    case AST_FLOAT:
        if (a->f != b->f)
            return 0;
        break;
    case AST_LENGTH:
        if (a->f != b->f || strcmp(a->s, b->s) != 0)
            return 0;
        break;
    case AST_STRING:
        if (a->slen != b->slen || memcmp(a->s, b->s, a->slen) != 0)
            return 0;
        break;
    case AST_NAME:
    case AST_CALL:
        if (strcmp(a->name, b->name) != 0)
            return 0;
        break;
    default: break;
    }
    for (uint32_t k = 0; k < a->nargs; k++) {
        if (!exprs_equal(a->args[k], b->args[k]))
            return 0;
    }
    return 1;
}

/* The items that carry meaning: comments are skipped. */
static inline uint32_t next_meaningful(ast_item *const *items, uint32_t n, uint32_t k)
{
    while (k < n && items[k]->kind == AST_COMMENT)
        k++;
    return k;
}

static inline int items_equal(ast_item *const *a, uint32_t na, ast_item *const *b, uint32_t nb)
{
    uint32_t i = next_meaningful(a, na, 0), j = next_meaningful(b, nb, 0);

    while (i < na && j < nb) {
        const ast_item *x = a[i], *y = b[j];
        if (x->kind != y->kind || strcmp(x->name, y->name) != 0)
            return 0;
        if (x->kind == AST_ATTRIBUTE && !exprs_equal(x->value, y->value))
            return 0;
        if (x->kind == AST_BLOCK) {
            if (x->nlabels != y->nlabels)
                return 0;
            for (uint32_t k = 0; k < x->nlabels; k++) {
                if (strcmp(x->labels[k].text, y->labels[k].text) != 0 ||
                    x->labels[k].quoted != y->labels[k].quoted)
                    return 0;
            }
            if (!items_equal(x->items, x->nitems, y->items, y->nitems))
                return 0;
        }
        i = next_meaningful(a, na, i + 1);
        j = next_meaningful(b, nb, j + 1);
    }
    return i == na && j == nb;
}

static inline int trees_equal(const ast_file *a, const ast_file *b)
{
    return items_equal(a->items, a->nitems, b->items, b->nitems);
}

#endif /* QUIRE_TEST_AST_EQUAL_H */
