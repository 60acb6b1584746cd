/*
 * report_load.c - report_load(): the meaning of a parsed definition (see
 * report.h and docs/report-language.md). This file reads the top level:
 * it classifies each item, registers every name, hands each block to its
 * reader and runs the checks that need the whole report; it also answers
 * the report_find_*() lookups. The report block is read in report_meta.c;
 * sources, parameters, fields, filter and sort, groups, variables and
 * datasets in report_data.c; styles and bands in their own files.
 *
 * Two passes over the top level: the first registers every name (so a
 * reference may come before what it names), the second reads each block.
 * Every problem is reported; nothing stops at the first.
 */
#include "report_int.h"

#include <stdlib.h>
#include <string.h>

#include "path.h"

/* ============================== Top-level kinds =========================== */

typedef enum top_kind {
    TOP_REPORT = 0,
    TOP_SOURCE,
    TOP_PARAM,
    TOP_FIELD,
    TOP_GROUP,
    TOP_VARIABLE,
    TOP_STYLE,
    TOP_DATASET,
    TOP_BAND,
    TOP_NBLOCKS,
    TOP_FILTER = TOP_NBLOCKS, /* attributes */
    TOP_SORT,
    TOP_COUNT,
} top_kind;

static const char *const top_names[] = {
    "report", "source",  "param", "field",  "group", "variable",
    "style",  "dataset", "band",  "filter", "sort",  NULL,
};

static int top_kind_of(const char *name)
{
    for (int k = 0; k < TOP_COUNT; k++) {
        if (strcmp(top_names[k], name) == 0)
            return k;
    }
    return -1;
}

/* Reports a top-level item that is not one of ours, or of the wrong form.
 * Returns the kind, or -1. */
static int classify(loader *L, const ast_item *it)
{
    int kind = top_kind_of(it->name);

    if (kind < 0) {
        const char *near = rl_suggest(it->name, top_names, TOP_COUNT);
        const char *what = it->kind == AST_BLOCK ? "block" : "attribute";
        if (near != NULL)
            rl_error(L, it->loc, "unknown %s '%s' (did you mean '%s'?)", what, it->name, near);
        else
            rl_error(L, it->loc,
                     "unknown %s '%s'; expected one of: report, source, param, field, group, "
                     "variable, style, dataset, band, filter, sort",
                     what, it->name);
        return -1;
    }
    if (kind < TOP_NBLOCKS && it->kind != AST_BLOCK) {
        rl_error(L, it->loc, "'%s' is a block: write %s%s { ... }", it->name, it->name,
                 kind == TOP_REPORT ? ""
                 : kind == TOP_BAND ? " KIND"
                                    : " NAME");
        return -1;
    }
    if (kind >= TOP_NBLOCKS && it->kind != AST_ATTRIBUTE) {
        rl_error(L, it->loc, "'%s' is an attribute: write %s = EXPR", it->name, it->name);
        return -1;
    }
    return kind;
}

/* ============================== Passes ==================================== */

/* Pass 1: counts each kind of block, allocates the arrays and registers
 * every name. slot[k] receives the index of top-level item k in its array
 * (-1: skip it in pass 2). */
static int register_names(loader *L, int *slot, int *kinds)
{
    const ast_file *f = L->ast;
    report *r = L->r;
    size_t count[TOP_COUNT] = {0};
    static const char *const whats[] = {"report",   "source", "param",   "field", "group",
                                        "variable", "style",  "dataset", "band"};
    static const int spaces[] = {-1,       NS_SOURCE, NS_VALUE,   NS_VALUE, NS_GROUP,
                                 NS_VALUE, NS_STYLE,  NS_DATASET, -1};
    const ast_item *first_report = NULL;

    for (uint32_t k = 0; k < f->nitems; k++) {
        kinds[k] = f->items[k]->kind == AST_COMMENT ? -1 : classify(L, f->items[k]);
        if (kinds[k] >= 0)
            count[kinds[k]]++;
    }
#define ALLOC(field, n)                                                                            \
    do {                                                                                           \
        if ((n) > 0) {                                                                             \
            r->field = arena_alloc(L->arena, (n) * sizeof(*r->field));                             \
            if (r->field == NULL)                                                                  \
                return -1;                                                                         \
            memset(r->field, 0, (n) * sizeof(*r->field));                                          \
        }                                                                                          \
    } while (0)
    ALLOC(sources, count[TOP_SOURCE]);
    ALLOC(params, count[TOP_PARAM]);
    ALLOC(fields, count[TOP_FIELD]);
    ALLOC(groups, count[TOP_GROUP]);
    ALLOC(variables, count[TOP_VARIABLE]);
    ALLOC(styles, count[TOP_STYLE]);
    ALLOC(datasets, count[TOP_DATASET]);
    ALLOC(bands, count[TOP_BAND]);
#undef ALLOC

    for (uint32_t k = 0; k < f->nitems; k++) {
        const ast_item *it = f->items[k];
        int kind = kinds[k];
        const char *name;
        size_t *n;
        slot[k] = -1;
        if (kind < 0)
            continue;
        if (kind == TOP_REPORT) {
            if (first_report != NULL) {
                rl_error(L, it->loc, "duplicate report block (first at line %u)",
                         first_report->loc.line);
                continue;
            }
            first_report = it;
            slot[k] = 0;
            continue;
        }
        if (kind >= TOP_NBLOCKS) {
            slot[k] = 0;
            continue;
        }
        if (kind == TOP_BAND) {
            slot[k] = (int)r->nbands++;
            continue;
        }
        name = rl_one_name(L, it, whats[kind]);
        if (name == NULL)
            continue;
        switch (kind) {
        case TOP_SOURCE: n = &r->nsources; break;
        case TOP_PARAM: n = &r->nparams; break;
        case TOP_FIELD: n = &r->nfields; break;
        case TOP_GROUP: n = &r->ngroups; break;
        case TOP_VARIABLE: n = &r->nvariables; break;
        case TOP_STYLE: n = &r->nstyles; break;
        default: n = &r->ndatasets; break;
        }
        if (rl_name_add(L, spaces[kind], whats[kind], name, (int)*n, it->labels[0].loc) < 0)
            continue;
        slot[k] = (int)*n;
        (*n)++;
        switch (kind) {
        case TOP_SOURCE:
            r->sources[slot[k]].name = name;
            r->sources[slot[k]].loc = it->loc;
            break;
        case TOP_PARAM:
            r->params[slot[k]].name = name;
            r->params[slot[k]].loc = it->loc;
            break;
        case TOP_FIELD:
            r->fields[slot[k]].name = name;
            r->fields[slot[k]].loc = it->loc;
            break;
        case TOP_GROUP:
            r->groups[slot[k]].name = name;
            r->groups[slot[k]].loc = it->loc;
            r->groups[slot[k]].level = slot[k] + 1;
            break;
        case TOP_VARIABLE:
            r->variables[slot[k]].name = name;
            r->variables[slot[k]].loc = it->loc;
            break;
        case TOP_STYLE:
            r->styles[slot[k]].name = name;
            r->styles[slot[k]].loc = it->loc;
            break;
        default:
            r->datasets[slot[k]].name = name;
            r->datasets[slot[k]].loc = it->loc;
            break;
        }
    }
    return 0;
}

/* Pass 2: reads every block and top-level attribute in file order. */
static void load_items(loader *L, const int *slot, const int *kinds)
{
    const ast_file *f = L->ast;
    report *r = L->r;
    const ast_item *filter = NULL, *sort = NULL;

    for (uint32_t k = 0; k < f->nitems && !L->oom; k++) {
        const ast_item *it = f->items[k];
        int s = slot[k];
        if (s < 0)
            continue;
        switch (kinds[k]) {
        case TOP_REPORT: rl_load_report_block(L, it); break;
        case TOP_SOURCE: rl_load_source(L, it, &r->sources[s]); break;
        case TOP_PARAM: rl_load_param(L, it, &r->params[s]); break;
        case TOP_FIELD: rl_load_field(L, it, &r->fields[s]); break;
        case TOP_GROUP: rl_load_group(L, it, &r->groups[s]); break;
        case TOP_VARIABLE: rl_load_variable(L, it, &r->variables[s]); break;
        case TOP_STYLE: rl_load_style(L, it, &r->styles[s]); break;
        case TOP_DATASET: rl_load_dataset(L, it, &r->datasets[s]); break;
        case TOP_BAND: rl_load_band(L, it, &r->bands[s]); break;
        case TOP_FILTER:
            if (filter != NULL) {
                rl_error(L, it->loc, "'filter' is given twice (first at line %u)",
                         filter->loc.line);
                break;
            }
            filter = it;
            rl_expr(L, it, &r->filter);
            break;
        case TOP_SORT:
            if (sort != NULL) {
                rl_error(L, it->loc, "'sort' is given twice (first at line %u)", sort->loc.line);
                break;
            }
            sort = it;
            rl_load_sort(L, it);
            break;
        default: break;
        }
    }
}

/* ============================== API ======================================= */

int report_load(const ast_file *ast, report **out, diag *d)
{
    loader L;
    report *r;
    quire_arena *arena;
    int *slot = NULL, *kinds = NULL;
    size_t errors_before = d->errors;
    char *dir;

    *out = NULL;
    arena = arena_new(0);
    r = arena != NULL ? arena_alloc(arena, sizeof(*r)) : NULL;
    if (r == NULL)
        goto fail_oom;
    memset(r, 0, sizeof(*r));
    r->arena = arena;
    r->ast = ast;
    r->path = ast->path;
    dir = path_dirname(ast->path);
    if (dir == NULL)
        goto fail_oom;
    r->dir = arena_strndup(arena, dir, strlen(dir));
    free(dir);
    rl_meta_defaults(&r->meta);

    memset(&L, 0, sizeof(L));
    L.r = r;
    L.ast = ast;
    L.d = d;
    L.arena = arena;
    L.next_ns = NS_FIRST_FREE;
    slot = malloc((ast->nitems + 1) * sizeof(*slot));
    kinds = malloc((ast->nitems + 1) * sizeof(*kinds));
    if (r->dir == NULL || slot == NULL || kinds == NULL || register_names(&L, slot, kinds) < 0)
        goto fail_oom;
    load_items(&L, slot, kinds);
    rl_finish_meta(&L);
    rl_check_styles(&L);
    rl_check_bands(&L);
    free(slot);
    free(kinds);
    free(L.names);
    if (L.oom)
        goto fail_oom_after;
    if (d->errors > errors_before) {
        arena_free(arena);
        return -1;
    }
    *out = r;
    return 0;

fail_oom:
    free(slot);
    free(kinds);
    free(L.names);
fail_oom_after:
    diag_error(d, "%s: out of memory", ast->path);
    arena_free(arena);
    return -1;
}

void report_free(report *r)
{
    if (r != NULL)
        arena_free(r->arena);
}

int report_find_group(const report *r, const char *name)
{
    for (size_t k = 0; k < r->ngroups; k++) {
        if (strcmp(r->groups[k].name, name) == 0)
            return (int)k;
    }
    return -1;
}

int report_find_variable(const report *r, const char *name)
{
    for (size_t k = 0; k < r->nvariables; k++) {
        if (strcmp(r->variables[k].name, name) == 0)
            return (int)k;
    }
    return -1;
}

int report_find_param(const report *r, const char *name)
{
    for (size_t k = 0; k < r->nparams; k++) {
        if (strcmp(r->params[k].name, name) == 0)
            return (int)k;
    }
    return -1;
}

int report_find_field(const report *r, const char *name)
{
    for (size_t k = 0; k < r->nfields; k++) {
        if (strcmp(r->fields[k].name, name) == 0)
            return (int)k;
    }
    return -1;
}

int report_find_source(const report *r, const char *name)
{
    for (size_t k = 0; k < r->nsources; k++) {
        if (strcmp(r->sources[k].name, name) == 0)
            return (int)k;
    }
    return -1;
}
