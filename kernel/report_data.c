/*
 * report_data.c - the blocks of a definition that say what data a report
 * reads and computes: sources and their options, parameters (types,
 * defaults and choices checked against each other), fields, the top-level
 * filter and sort, groups, variables and chart datasets. Part of
 * report_load(); each block's name was registered before it is read.
 */
#include "report_int.h"

#include <string.h>

#include "path.h"

/* ============================== Sources =================================== */

/* A source option's value as text: strings unquoted, numbers as written. */
static const char *option_text(loader *L, const ast_item *a)
{
    const ast_expr *e = a->value;
    double ignored;

    switch (e->kind) {
    case AST_STRING: return e->s;
    case AST_NAME: return e->name;
    case AST_BOOL: return e->i ? "true" : "false";
    default: break;
    }
    if (rl_number_literal(e, &ignored) == 0) {
        const char *text;
        size_t n = ast_expr_text(L->ast, e, &text);
        char *copy = arena_strndup(L->arena, text, n);
        if (copy == NULL)
            L->oom = 1;
        return copy;
    }
    rl_error(L, e->loc,
             "source option '%s' must be a literal (a string, number, true/false or name), got %s",
             a->name, rl_kind_name(e));
    return NULL;
}

void rl_load_source(loader *L, const ast_item *it, report_source *s)
{
    char where[160];
    const ast_item *a;
    uint32_t k = 0;
    size_t n = 0;
    int ns = L->next_ns++;
    const char *path = NULL;
    const ast_item *plugin = NULL;

    snprintf(where, sizeof(where), "source '%s'", s->name);
    for (uint32_t j = 0; j < it->nitems; j++)
        n += it->items[j]->kind == AST_ATTRIBUTE;
    if (n > 0) {
        s->options = arena_alloc(L->arena, n * sizeof(*s->options));
        if (s->options == NULL) {
            L->oom = 1;
            return;
        }
    }
    while ((a = rl_next_attr(L, it, &k, where)) != NULL) {
        if (rl_option_add(L, ns, a) < 0)
            continue;
        if (strcmp(a->name, "plugin") == 0) {
            const ast_expr *e = a->value;
            plugin = a;
            if (e->kind == AST_NAME)
                s->plugin = e->name;
            else if (e->kind == AST_STRING && e->slen > 0)
                s->plugin = e->s;
            else
                rl_error(L, e->loc, "'plugin' expects a plugin name such as csv, got %s",
                         rl_kind_name(e));
            continue;
        }
        const char *text = option_text(L, a);
        if (text == NULL)
            continue;
        if (strcmp(a->name, "path") == 0)
            path = text;
        s->options[s->noptions].key = a->name;
        s->options[s->noptions].value = text;
        s->options[s->noptions].loc = a->loc;
        s->noptions++;
    }
    if (plugin == NULL) {
        const char *base = path != NULL ? path_basename(path) : NULL;
        const char *dot = base != NULL ? strrchr(base, '.') : NULL;
        if (dot != NULL && dot != base && dot[1] != '\0')
            s->plugin = dot + 1;
        else
            rl_error(L, it->loc,
                     "missing required attribute 'plugin' in %s (there is no 'path' with an "
                     "extension to take it from)",
                     where);
    }
}

/* ============================== Parameters ================================ */

static const char *const type_names[] = {"bool",   "int",  "decimal",   "float",
                                         "string", "date", "timestamp", NULL};

/* Whether literal e fits parameter type `type` (QUIRE_TYPE_*) with `scale`;
 * reports why not, naming `what` ("default of param 'x'"). */
static int literal_fits(loader *L, const ast_expr *e, uint32_t type, int32_t scale,
                        const char *what)
{
    const ast_expr *v = e;
    int ok;

    if (v->kind == AST_NULL)
        return 0;
    if (v->kind == AST_UNARY && v->op == AST_OP_NEG &&
        (v->args[0]->kind == AST_INT || v->args[0]->kind == AST_DECIMAL ||
         v->args[0]->kind == AST_FLOAT))
        v = v->args[0];
    switch (type) {
    case QUIRE_TYPE_BOOL: ok = v->kind == AST_BOOL; break;
    case QUIRE_TYPE_INT: ok = v->kind == AST_INT; break;
    case QUIRE_TYPE_DECIMAL: ok = v->kind == AST_INT || v->kind == AST_DECIMAL; break;
    case QUIRE_TYPE_FLOAT:
        ok = v->kind == AST_INT || v->kind == AST_DECIMAL || v->kind == AST_FLOAT;
        break;
    case QUIRE_TYPE_STRING: ok = v->kind == AST_STRING; break;
    case QUIRE_TYPE_DATE: ok = v->kind == AST_DATE; break;
    case QUIRE_TYPE_TIMESTAMP: ok = v->kind == AST_TIMESTAMP; break;
    default: return -1;
    }
    if (!ok) {
        if (v->kind >= AST_NULL && v->kind <= AST_LENGTH)
            rl_error(L, e->loc, "%s does not fit its type %s: got %s", what, type_names[type - 1],
                     rl_kind_name(e));
        else
            rl_error(L, e->loc, "%s must be a literal of type %s, got %s", what,
                     type_names[type - 1], rl_kind_name(e));
        return -1;
    }
    if (type == QUIRE_TYPE_DECIMAL && v->kind == AST_DECIMAL && v->scale > scale) {
        char buf[64];
        rl_error(L, e->loc, "%s has %d decimal places, more than the scale %d: %s", what,
                 (int)v->scale, (int)scale, rl_text(L, e, buf, sizeof(buf)));
        return -1;
    }
    return 0;
}

void rl_load_param(loader *L, const ast_item *it, report_param *p)
{
    static const char *const own[] = {"type", "scale", "default", "label", "choices", NULL};
    rl_attrs attrs = {0};
    char where[160], what[200];
    const ast_item *a;
    uint32_t k = 0;
    int type = -1;
    int64_t scale = 2;

    snprintf(where, sizeof(where), "param '%s'", p->name);
    rl_attrs_add(&attrs, own);
    p->scale = 2;
    while ((a = rl_next_attr(L, it, &k, where)) != NULL) {
        switch (rl_attr_index(L, &attrs, a, where)) {
        case 0:
            if (rl_enum(L, a, type_names, &type) == 0)
                p->type = (uint32_t)type + 1;
            break;
        case 1:
            if (rl_int(L, a, 0, QV_MAX_SCALE, &scale) == 0)
                p->scale = (int32_t)scale;
            break;
        case 2: p->default_value = a->value; break;
        case 3: rl_string(L, a, &p->label); break;
        case 4:
            if (a->value->kind != AST_LIST || a->value->nargs == 0)
                rl_error(L, a->value->loc, "'choices' expects a list of literals, got %s",
                         a->value->kind == AST_LIST ? "an empty list" : rl_kind_name(a->value));
            else
                p->choices = a->value;
            break;
        default: break;
        }
    }
    if (attrs.seen[0] == NULL) {
        rl_missing(L, it, "type", where);
        return;
    }
    if (p->type == 0)
        return;
    if (attrs.seen[1] != NULL && p->type != QUIRE_TYPE_DECIMAL)
        rl_error(L, attrs.seen[1]->loc, "'scale' applies only to type = decimal");
    if (p->default_value != NULL) {
        snprintf(what, sizeof(what), "default of param '%s'", p->name);
        literal_fits(L, p->default_value, p->type, p->scale, what);
    }
    if (p->choices != NULL) {
        for (uint32_t j = 0; j < p->choices->nargs; j++) {
            snprintf(what, sizeof(what), "choice %u of param '%s'", j + 1, p->name);
            literal_fits(L, p->choices->args[j], p->type, p->scale, what);
        }
    }
}

/* ============================== Fields, filter, sort ====================== */

void rl_load_field(loader *L, const ast_item *it, report_field *f)
{
    static const char *const own[] = {"value", NULL};
    rl_attrs attrs = {0};
    char where[160];
    const ast_item *a;
    uint32_t k = 0;

    snprintf(where, sizeof(where), "field '%s'", f->name);
    rl_attrs_add(&attrs, own);
    while ((a = rl_next_attr(L, it, &k, where)) != NULL) {
        if (rl_attr_index(L, &attrs, a, where) == 0)
            rl_expr(L, a, &f->value);
    }
    if (attrs.seen[0] == NULL)
        rl_missing(L, it, "value", where);
}

/* One sort key: EXPR, asc(EXPR), desc(EXPR), nulls_first(K), nulls_last(K). */
static int read_sort_key(loader *L, const ast_expr *e, report_sort_key *key)
{
    int nulls = -1;

    if (e->kind == AST_CALL &&
        (strcmp(e->name, "nulls_first") == 0 || strcmp(e->name, "nulls_last") == 0)) {
        if (e->nargs != 1) {
            rl_error(L, e->loc, "'%s' takes 1 argument, got %u", e->name, e->nargs);
            return -1;
        }
        nulls = strcmp(e->name, "nulls_first") == 0;
        e = e->args[0];
    }
    key->desc = 0;
    if (e->kind == AST_CALL && (strcmp(e->name, "asc") == 0 || strcmp(e->name, "desc") == 0)) {
        if (e->nargs != 1) {
            rl_error(L, e->loc, "'%s' takes 1 argument, got %u", e->name, e->nargs);
            return -1;
        }
        key->desc = strcmp(e->name, "desc") == 0;
        e = e->args[0];
    }
    if (e->kind == AST_LIST) {
        rl_error(L, e->loc, "a sort key cannot be a list");
        return -1;
    }
    key->expr = e;
    key->nulls_first = nulls >= 0 ? nulls : key->desc;
    return rl_no_aggregates(L, e);
}

void rl_load_sort(loader *L, const ast_item *a)
{
    const ast_expr *e = a->value;
    report *r = L->r;
    uint32_t n = e->kind == AST_LIST ? e->nargs : 1;

    if (n == 0) {
        rl_error(L, e->loc, "'sort' needs at least one key");
        return;
    }
    r->sort = arena_alloc(L->arena, n * sizeof(*r->sort));
    if (r->sort == NULL) {
        L->oom = 1;
        return;
    }
    for (uint32_t k = 0; k < n; k++) {
        if (read_sort_key(L, e->kind == AST_LIST ? e->args[k] : e, &r->sort[r->nsort]) == 0)
            r->nsort++;
    }
}

/* ============================== Groups ==================================== */

void rl_load_group(loader *L, const ast_item *it, report_group *g)
{
    static const char *const own[] = {
        "by",
        "order",
        "keep_together",
        "reprint_header",
        "start_new_page",
        "start_new_column",
        "reset_page_number",
        "min_height_to_start",
        "footer_position",
        NULL,
    };
    static const char *const orders[] = {"asc", "desc", NULL};
    static const char *const footers[] = {"normal", "stack_at_bottom", "force_at_bottom",
                                          "collate_at_bottom", NULL};
    rl_attrs attrs = {0};
    char where[160];
    const ast_item *a;
    uint32_t k = 0;

    snprintf(where, sizeof(where), "group '%s'", g->name);
    rl_attrs_add(&attrs, own);
    while ((a = rl_next_attr(L, it, &k, where)) != NULL) {
        switch (rl_attr_index(L, &attrs, a, where)) {
        case 0: rl_expr(L, a, &g->by); break;
        case 1: rl_enum(L, a, orders, &g->desc); break;
        case 2: rl_bool(L, a, &g->keep_together); break;
        case 3: rl_bool(L, a, &g->reprint_header); break;
        case 4: rl_bool(L, a, &g->start_new_page); break;
        case 5: rl_bool(L, a, &g->start_new_column); break;
        case 6: rl_bool(L, a, &g->reset_page_number); break;
        case 7: rl_length(L, a, &g->min_height_to_start); break;
        case 8: rl_enum(L, a, footers, &g->footer_position); break;
        default: break;
        }
    }
    if (attrs.seen[0] == NULL)
        rl_missing(L, it, "by", where);
}

/* ============================== Variables ================================= */

void rl_load_variable(loader *L, const ast_item *it, report_variable *v)
{
    static const char *const own[] = {"value", "reset", "when", NULL};
    rl_attrs attrs = {0};
    char where[160];
    const ast_item *a;
    uint32_t k = 0;

    snprintf(where, sizeof(where), "variable '%s'", v->name);
    rl_attrs_add(&attrs, own);
    v->group_index = -1;
    while ((a = rl_next_attr(L, it, &k, where)) != NULL) {
        switch (rl_attr_index(L, &attrs, a, where)) {
        case 0:
            v->value = a->value;
            if (rl_aggregate(L, a->value, &v->calc, &v->arg, &v->percentile) == 0) {
                v->calc = CALC_NONE;
                rl_no_aggregates(L, a->value);
            }
            break;
        case 1: rl_scope(L, a, 1, &v->reset, &v->group_index); break;
        case 2: rl_expr(L, a, &v->when); break;
        default: break;
        }
    }
    if (attrs.seen[0] == NULL)
        rl_missing(L, it, "value", where);
}

/* ============================== Datasets ================================== */

static void read_measures(loader *L, const ast_item *a, report_dataset *ds)
{
    const ast_expr *e = a->value;
    uint32_t n = e->kind == AST_LIST ? e->nargs : 1;

    if (n == 0) {
        rl_error(L, e->loc, "'values' needs at least one aggregate such as sum(x) or count()");
        return;
    }
    ds->measures = arena_alloc(L->arena, n * sizeof(*ds->measures));
    if (ds->measures == NULL) {
        L->oom = 1;
        return;
    }
    memset(ds->measures, 0, n * sizeof(*ds->measures));
    for (uint32_t k = 0; k < n; k++) {
        const ast_expr *m = e->kind == AST_LIST ? e->args[k] : e;
        report_measure *out = &ds->measures[ds->nmeasures];
        int rc = rl_aggregate(L, m, &out->calc, &out->arg, &out->percentile);
        if (rc == 0) {
            rl_error(L, m->loc,
                     "dataset values must be aggregates such as sum(x) or count(), got %s",
                     rl_kind_name(m));
            continue;
        }
        if (rc < 0)
            continue;
        const char *text;
        size_t len = ast_expr_text(L->ast, m, &text);
        out->expr = m;
        out->label = arena_strndup(L->arena, text, len);
        ds->nmeasures++;
    }
}

static void read_dataset_sort(loader *L, const ast_item *a, report_dataset *ds)
{
    const ast_expr *e = a->value;
    int desc = 0;

    if (e->kind == AST_CALL && (strcmp(e->name, "asc") == 0 || strcmp(e->name, "desc") == 0) &&
        e->nargs == 1) {
        desc = strcmp(e->name, "desc") == 0;
        e = e->args[0];
    }
    if (e->kind == AST_NAME &&
        (strcmp(e->name, "category") == 0 || strcmp(e->name, "value") == 0)) {
        ds->sort_by_value = strcmp(e->name, "value") == 0;
        ds->sort_desc = desc;
        return;
    }
    rl_error(L, a->value->loc,
             "'sort' expects category, value, desc(category) or desc(value), got %s",
             rl_kind_name(a->value));
}

void rl_load_dataset(loader *L, const ast_item *it, report_dataset *ds)
{
    static const char *const own[] = {"category", "series",    "values", "labels",
                                      "bucket",   "fill_gaps", "sort",   "top",
                                      "other",    "reset",     "when",   NULL};
    static const char *const buckets[] = {"none",  "hour",    "day",  "week",
                                          "month", "quarter", "year", NULL};
    rl_attrs attrs = {0};
    char where[160];
    const ast_item *a;
    uint32_t k = 0;
    int bucket;

    snprintf(where, sizeof(where), "dataset '%s'", ds->name);
    rl_attrs_add(&attrs, own);
    ds->group_index = -1;
    while ((a = rl_next_attr(L, it, &k, where)) != NULL) {
        switch (rl_attr_index(L, &attrs, a, where)) {
        case 0: rl_expr(L, a, &ds->category); break;
        case 1: rl_expr(L, a, &ds->series); break;
        case 2: read_measures(L, a, ds); break;
        case 3:
            if (a->value->kind != AST_LIST)
                rl_error(L, a->value->loc, "'labels' expects a list of strings, got %s",
                         rl_kind_name(a->value));
            for (uint32_t j = 0; a->value->kind == AST_LIST && j < a->value->nargs; j++) {
                if (a->value->args[j]->kind != AST_STRING)
                    rl_error(L, a->value->args[j]->loc, "'labels' expects strings, got %s",
                             rl_kind_name(a->value->args[j]));
            }
            break;
        case 4:
            if (rl_enum(L, a, buckets, &bucket) == 0)
                ds->bucket = (report_bucket)bucket;
            break;
        case 5: rl_bool(L, a, &ds->fill_gaps); break;
        case 6: read_dataset_sort(L, a, ds); break;
        case 7: rl_int(L, a, 1, INT64_MAX, &ds->top); break;
        case 8: rl_string(L, a, &ds->other_label); break;
        case 9: rl_scope(L, a, 0, &ds->reset, &ds->group_index); break;
        case 10: rl_expr(L, a, &ds->when); break;
        default: break;
        }
    }
    if (attrs.seen[0] == NULL)
        rl_missing(L, it, "category", where);
    if (attrs.seen[2] == NULL)
        rl_missing(L, it, "values", where);
    /* labels = [...] name the measures, one each. */
    const ast_item *labels = attrs.seen[3];
    const ast_item *values = attrs.seen[2];
    if (labels != NULL && values != NULL && labels->value->kind == AST_LIST) {
        uint32_t nvalues = values->value->kind == AST_LIST ? values->value->nargs : 1;
        if (labels->value->nargs != nvalues) {
            rl_error(L, labels->value->loc, "'labels' has %u entries but 'values' has %u",
                     labels->value->nargs, nvalues);
        } else if (ds->nmeasures == nvalues) {
            for (uint32_t j = 0; j < nvalues; j++) {
                if (labels->value->args[j]->kind == AST_STRING)
                    ds->measures[j].label = labels->value->args[j]->s;
            }
        }
    }
}
