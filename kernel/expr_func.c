/*
 * expr_func.c - the function registry of the expression engine: looking a
 * function up by name across the families (expr_func_*.c), suggesting the
 * nearest name for a typo, knowing which names are aggregates, and the
 * argument checks the families share.
 */
#include "expr_impl.h"

#include <string.h>

/* ============================== Lookup ==================================== */

typedef struct family {
    const expr_fn *fns;
    const size_t *count;
} family;

static const family families[] = {
    {expr_fns_string, &expr_nfns_string},
    {expr_fns_math, &expr_nfns_math},
    {expr_fns_date, &expr_nfns_date},
    {expr_fns_misc, &expr_nfns_misc},
};

#define NFAMILIES (sizeof(families) / sizeof(families[0]))

const expr_fn *expr_fn_find(const char *name)
{
    for (size_t f = 0; f < NFAMILIES; f++) {
        for (size_t i = 0; i < *families[f].count; i++) {
            if (strcmp(families[f].fns[i].name, name) == 0)
                return &families[f].fns[i];
        }
    }
    return NULL;
}

/* Levenshtein distance, giving up (returning limit + 1) beyond `limit`.
 * Names are short; longer ones are never near a function name. */
static size_t edit_distance(const char *a, const char *b, size_t limit)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t row[33];

    if (la > 32 || lb > 32)
        return limit + 1;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t corner = row[0], best;
        row[0] = i;
        best = row[0];
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t v = corner + cost;
            if (row[j] + 1 < v)
                v = row[j] + 1;
            if (row[j - 1] + 1 < v)
                v = row[j - 1] + 1;
            row[j] = v;
            corner = up;
            if (v < best)
                best = v;
        }
        if (best > limit)
            return limit + 1;
    }
    return row[lb];
}

const char *expr_fn_suggest(const char *name)
{
    const char *best = NULL;
    size_t best_d = 3, len = strlen(name);

    for (size_t f = 0; f < NFAMILIES; f++) {
        for (size_t i = 0; i < *families[f].count; i++) {
            size_t d = edit_distance(name, families[f].fns[i].name, 2);
            /* "x" is not a typo of "if": the distance must leave most of
             * the name standing. */
            if (d < best_d && d < len) {
                best = families[f].fns[i].name;
                best_d = d;
            }
        }
    }
    return best;
}

int expr_is_aggregate(const char *name)
{
    static const char *const aggregates[] = {
        "count",  "count_distinct", "sum",      "avg",        "min",         "max",
        "first",  "last",           "var_samp", "variance",   "var_pop",     "stddev_samp",
        "stddev", "stddev_pop",     "median",   "percentile", "running_sum",
    };

    for (size_t i = 0; i < sizeof(aggregates) / sizeof(aggregates[0]); i++) {
        if (strcmp(aggregates[i], name) == 0)
            return 1;
    }
    return 0;
}

/* ============================== Argument checks =========================== */

int expr_want_arg(expr_cc *cc, expr *e, uint32_t i, uint32_t type, const char *what)
{
    expr *a = e->args[i];

    if (a->type == type)
        return 0;
    if (a->type == QUIRE_TYPE_NULL) {
        e->args[i] = expr_coerce(cc, a, type, 0);
        return e->args[i] != NULL ? 0 : -1;
    }
    expr_cc_error(cc, a->loc, "'%s' needs %s as argument %u, got %s", e->opname, what, i + 1,
                  expr_type_name(a->type));
    return -1;
}

int expr_want_number(expr_cc *cc, expr *e, uint32_t i)
{
    uint32_t t = e->args[i]->type;

    if (t == QUIRE_TYPE_INT || t == QUIRE_TYPE_DECIMAL || t == QUIRE_TYPE_FLOAT)
        return 0;
    return expr_want_arg(cc, e, i, QUIRE_TYPE_INT, "a number");
}

int expr_arg_constant(const expr *e, uint32_t i, qv *out)
{
    return i < e->nargs && expr_constant_value(e->args[i], out);
}
