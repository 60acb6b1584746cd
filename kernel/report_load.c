/*
 * report_load.c - report_load(): the meaning of a parsed definition (see
 * report.h and docs/report-language.md). This file reads the top level, the
 * report block, sources, parameters, fields, filter and sort, groups,
 * variables and datasets; styles and bands have their own files.
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

/* ============================== Report block ============================== */

static const char *const page_names[] = {"a4", "a3", "a5", "letter", "legal", NULL};
static const double page_sizes[][2] = {
    {210 * 72 / 25.4, 297 * 72 / 25.4},
    {297 * 72 / 25.4, 420 * 72 / 25.4},
    {148 * 72 / 25.4, 210 * 72 / 25.4},
    {612, 792},
    {612, 1008},
};

static void read_page(loader *L, const ast_item *a, report_meta *m)
{
    const ast_expr *e = a->value;

    if (e->kind == AST_NAME) {
        int k;
        if (rl_enum(L, a, page_names, &k) == 0) {
            m->page_width = page_sizes[k][0];
            m->page_height = page_sizes[k][1];
        }
        return;
    }
    if (e->kind != AST_LIST || e->nargs != 2) {
        rl_error(L, e->loc, "'page' expects a4, a3, a5, letter, legal or [width, height], got %s",
                 rl_kind_name(e));
        return;
    }
    double w, h;
    if (rl_length_expr(L, "page width", e->args[0], &w) < 0 ||
        rl_length_expr(L, "page height", e->args[1], &h) < 0)
        return;
    if (w <= 0 || h <= 0) {
        rl_error(L, (w <= 0 ? e->args[0] : e->args[1])->loc, "page %s must be greater than 0",
                 w <= 0 ? "width" : "height");
        return;
    }
    m->page_width = w;
    m->page_height = h;
}

static void read_margins(loader *L, const ast_item *a, report_meta *m)
{
    static const char *const parts[] = {"margin top", "margin right", "margin bottom",
                                        "margin left"};
    const ast_expr *e = a->value;
    double v[4];

    if (e->kind != AST_LIST) {
        if (rl_length(L, a, &v[0]) == 0)
            m->margin_top = m->margin_right = m->margin_bottom = m->margin_left = v[0];
        return;
    }
    if (e->nargs != 2 && e->nargs != 4) {
        rl_error(L, e->loc,
                 "'margins' expects one length, [vertical, horizontal] or [top, right, bottom, "
                 "left], got %u values",
                 e->nargs);
        return;
    }
    for (uint32_t k = 0; k < e->nargs; k++) {
        const char *what =
            e->nargs == 2 ? (k == 0 ? "vertical margin" : "horizontal margin") : parts[k];
        if (rl_length_expr(L, what, e->args[k], &v[k]) < 0)
            return;
    }
    if (e->nargs == 2) {
        m->margin_top = m->margin_bottom = v[0];
        m->margin_left = m->margin_right = v[1];
    } else {
        m->margin_top = v[0];
        m->margin_right = v[1];
        m->margin_bottom = v[2];
        m->margin_left = v[3];
    }
}

/* A BCP 47 tag, loosely: a 2-3 letter language, then -subtags of 1-8
 * letters or digits. */
static int locale_ok(const char *s)
{
    size_t n = 0;

    while ((s[n] | 0x20) >= 'a' && (s[n] | 0x20) <= 'z')
        n++;
    if (n < 2 || n > 3)
        return 0;
    s += n;
    while (*s == '-') {
        s++;
        n = 0;
        while ((s[n] >= '0' && s[n] <= '9') || ((s[n] | 0x20) >= 'a' && (s[n] | 0x20) <= 'z'))
            n++;
        if (n < 1 || n > 8)
            return 0;
        s += n;
    }
    return *s == '\0';
}

/* Scripts written right to left: Arabic, Hebrew, Persian, Urdu. */
static int locale_rtl(const char *s)
{
    static const char *const rtl[] = {"ar", "he", "fa", "ur", "iw", NULL};

    for (int k = 0; rtl[k] != NULL; k++) {
        if ((s[0] | 0x20) == rtl[k][0] && (s[1] | 0x20) == rtl[k][1] &&
            (s[2] == '\0' || s[2] == '-' || s[2] == '_'))
            return 1;
    }
    return 0;
}

static void load_report_block(loader *L, const ast_item *it)
{
    static const char *const own[] = {
        "title",       "author",  "subject", "locale",         "direction",    "page",
        "orientation", "margins", "columns", "column_spacing", "when_no_data", NULL,
    };
    static const char *const directions[] = {"ltr", "rtl", NULL};
    static const char *const orientations[] = {"portrait", "landscape", NULL};
    static const char *const no_data[] = {"no_pages", "blank_page", "all_sections", "no_data_band",
                                          NULL};
    report_meta *m = &L->r->meta;
    rl_attrs attrs = {0};
    int direction = -1, orientation = -1;
    int64_t columns;

    m->loc = it->loc;
    rl_no_labels(L, it, "report");
    rl_attrs_add(&attrs, own);
    for (uint32_t k = 0; k < it->nitems; k++) {
        const ast_item *a = it->items[k];
        if (a->kind == AST_COMMENT)
            continue;
        if (a->kind == AST_BLOCK) {
            rl_unexpected_block(L, a, "report");
            continue;
        }
        switch (rl_attr_index(L, &attrs, a, "report")) {
        case 0: rl_string(L, a, &m->title); break;
        case 1: rl_string(L, a, &m->author); break;
        case 2: rl_string(L, a, &m->subject); break;
        case 3: {
            const char *loc;
            if (rl_string(L, a, &loc) < 0)
                break;
            if (!locale_ok(loc)) {
                char buf[64];
                rl_error(L, a->value->loc,
                         "'locale' expects a language tag such as \"en-US\" or \"de\", got %s",
                         rl_text(L, a->value, buf, sizeof(buf)));
                break;
            }
            m->locale = loc;
            break;
        }
        case 4: rl_enum(L, a, directions, &direction); break;
        case 5: read_page(L, a, m); break;
        case 6: rl_enum(L, a, orientations, &orientation); break;
        case 7: read_margins(L, a, m); break;
        case 8:
            if (rl_int(L, a, 1, 100, &columns) == 0)
                m->columns = (int)columns;
            break;
        case 9: rl_length(L, a, &m->column_spacing); break;
        case 10: rl_enum(L, a, no_data, &m->when_no_data); break;
        default: break;
        }
    }
    m->rtl = direction >= 0 ? direction == 1 : locale_rtl(m->locale);
    if (orientation >= 0) {
        int wide = m->page_width > m->page_height;
        if (wide != (orientation == 1)) {
            double t = m->page_width;
            m->page_width = m->page_height;
            m->page_height = t;
        }
    }
}

/* Defaults, and checks that need the whole report block. */
static void finish_meta(loader *L)
{
    report_meta *m = &L->r->meta;

    m->landscape = m->page_width > m->page_height;
    if (m->margin_left + m->margin_right >= m->page_width)
        rl_error(L, m->loc,
                 "the left and right margins (%.2fpt) leave no room on a page %.2fpt wide",
                 m->margin_left + m->margin_right, m->page_width);
    else if (m->margin_top + m->margin_bottom >= m->page_height)
        rl_error(L, m->loc,
                 "the top and bottom margins (%.2fpt) leave no room on a page %.2fpt high",
                 m->margin_top + m->margin_bottom, m->page_height);
}

static void meta_defaults(report_meta *m)
{
    m->locale = "en-US";
    m->page_width = page_sizes[0][0];
    m->page_height = page_sizes[0][1];
    m->margin_top = m->margin_right = m->margin_bottom = m->margin_left = 20 * 72 / 25.4;
    m->columns = 1;
    m->when_no_data = REPORT_NO_DATA_NO_PAGES;
}

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

static void load_source(loader *L, const ast_item *it, report_source *s)
{
    char where[160];
    size_t n = 0;
    int ns = L->next_ns++;
    const char *path = NULL;
    const ast_item *plugin = NULL;

    snprintf(where, sizeof(where), "source '%s'", s->name);
    for (uint32_t k = 0; k < it->nitems; k++)
        n += it->items[k]->kind == AST_ATTRIBUTE;
    if (n > 0) {
        s->options = arena_alloc(L->arena, n * sizeof(*s->options));
        if (s->options == NULL) {
            L->oom = 1;
            return;
        }
    }
    for (uint32_t k = 0; k < it->nitems; k++) {
        const ast_item *a = it->items[k];
        if (a->kind == AST_COMMENT)
            continue;
        if (a->kind == AST_BLOCK) {
            rl_unexpected_block(L, a, where);
            continue;
        }
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

static void load_param(loader *L, const ast_item *it, report_param *p)
{
    static const char *const own[] = {"type", "scale", "default", "label", "choices", NULL};
    rl_attrs attrs = {0};
    char where[160], what[200];
    int type = -1;
    int64_t scale = 2;

    snprintf(where, sizeof(where), "param '%s'", p->name);
    rl_attrs_add(&attrs, own);
    p->scale = 2;
    for (uint32_t k = 0; k < it->nitems; k++) {
        const ast_item *a = it->items[k];
        if (a->kind == AST_COMMENT)
            continue;
        if (a->kind == AST_BLOCK) {
            rl_unexpected_block(L, a, where);
            continue;
        }
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
        for (uint32_t k = 0; k < p->choices->nargs; k++) {
            snprintf(what, sizeof(what), "choice %u of param '%s'", k + 1, p->name);
            literal_fits(L, p->choices->args[k], p->type, p->scale, what);
        }
    }
}

/* ============================== Fields, filter, sort ====================== */

static void load_field(loader *L, const ast_item *it, report_field *f)
{
    static const char *const own[] = {"value", NULL};
    rl_attrs attrs = {0};
    char where[160];

    snprintf(where, sizeof(where), "field '%s'", f->name);
    rl_attrs_add(&attrs, own);
    for (uint32_t k = 0; k < it->nitems; k++) {
        const ast_item *a = it->items[k];
        if (a->kind == AST_COMMENT)
            continue;
        if (a->kind == AST_BLOCK) {
            rl_unexpected_block(L, a, where);
            continue;
        }
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

static void load_sort(loader *L, const ast_item *a)
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

static void load_group(loader *L, const ast_item *it, report_group *g)
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

    snprintf(where, sizeof(where), "group '%s'", g->name);
    rl_attrs_add(&attrs, own);
    for (uint32_t k = 0; k < it->nitems; k++) {
        const ast_item *a = it->items[k];
        if (a->kind == AST_COMMENT)
            continue;
        if (a->kind == AST_BLOCK) {
            rl_unexpected_block(L, a, where);
            continue;
        }
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

static void load_variable(loader *L, const ast_item *it, report_variable *v)
{
    static const char *const own[] = {"value", "reset", "when", NULL};
    rl_attrs attrs = {0};
    char where[160];

    snprintf(where, sizeof(where), "variable '%s'", v->name);
    rl_attrs_add(&attrs, own);
    v->group_index = -1;
    for (uint32_t k = 0; k < it->nitems; k++) {
        const ast_item *a = it->items[k];
        if (a->kind == AST_COMMENT)
            continue;
        if (a->kind == AST_BLOCK) {
            rl_unexpected_block(L, a, where);
            continue;
        }
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

static void load_dataset(loader *L, const ast_item *it, report_dataset *ds)
{
    static const char *const own[] = {"category", "series",    "values", "labels",
                                      "bucket",   "fill_gaps", "sort",   "top",
                                      "other",    "reset",     "when",   NULL};
    static const char *const buckets[] = {"none",  "hour",    "day",  "week",
                                          "month", "quarter", "year", NULL};
    rl_attrs attrs = {0};
    char where[160];
    int bucket;

    snprintf(where, sizeof(where), "dataset '%s'", ds->name);
    rl_attrs_add(&attrs, own);
    ds->group_index = -1;
    for (uint32_t k = 0; k < it->nitems; k++) {
        const ast_item *a = it->items[k];
        if (a->kind == AST_COMMENT)
            continue;
        if (a->kind == AST_BLOCK) {
            rl_unexpected_block(L, a, where);
            continue;
        }
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
        case TOP_REPORT: load_report_block(L, it); break;
        case TOP_SOURCE: load_source(L, it, &r->sources[s]); break;
        case TOP_PARAM: load_param(L, it, &r->params[s]); break;
        case TOP_FIELD: load_field(L, it, &r->fields[s]); break;
        case TOP_GROUP: load_group(L, it, &r->groups[s]); break;
        case TOP_VARIABLE: load_variable(L, it, &r->variables[s]); break;
        case TOP_STYLE: rl_load_style(L, it, &r->styles[s]); break;
        case TOP_DATASET: load_dataset(L, it, &r->datasets[s]); break;
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
            load_sort(L, it);
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
    meta_defaults(&r->meta);

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
    finish_meta(&L);
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
