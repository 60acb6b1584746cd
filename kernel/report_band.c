/*
 * report_band.c - bands and their elements for report_load(): `band KIND
 * [GROUP] { }` blocks, the elements inside them and inside frames, and the
 * check that each (kind, group) band is given once (detail bands excepted).
 */
#include "report_int.h"

#include <stdlib.h>
#include <string.h>

#include "path.h"

/* ============================== Kinds ===================================== */

/* Indexed by report_band_kind. */
static const char *const band_kinds[] = {
    NULL,      "title",        "page_header",   "column_header", "group_header",
    "detail",  "group_footer", "column_footer", "page_footer",   "last_page_footer",
    "summary", "background",   "no_data",
};
#define NBAND_KINDS (sizeof(band_kinds) / sizeof(band_kinds[0]))

/* Indexed by report_element_kind. */
static const char *const element_kinds[] = {
    NULL, "text", "field", "line", "rect", "ellipse", "image", "frame", "page_break", "chart",
};
#define NELEMENT_KINDS (sizeof(element_kinds) / sizeof(element_kinds[0]))

static int kind_index(const char *const *kinds, size_t n, const char *name)
{
    for (size_t k = 1; k < n; k++) {
        if (strcmp(kinds[k], name) == 0)
            return (int)k;
    }
    return -1;
}

/* ============================== Elements ================================== */

static void load_elements(loader *L, const ast_item *const *items, uint32_t n, report_element **out,
                          size_t *nout, const char *where);

/* box = [x, y, width, height] */
static void load_box(loader *L, const ast_item *a, report_element *el)
{
    static const char *const parts[] = {"box x", "box y", "box width", "box height"};
    const ast_expr *e = a->value;
    double v[4];

    if (e->kind != AST_LIST || e->nargs != 4) {
        if (e->kind == AST_LIST)
            rl_error(L, e->loc, "'box' expects [x, y, width, height], got %u values", e->nargs);
        else
            rl_error(L, e->loc, "'box' expects [x, y, width, height], got %s", rl_kind_name(e));
        return;
    }
    for (int k = 0; k < 4; k++) {
        if (rl_length_expr(L, parts[k], e->args[k], &v[k]) < 0)
            return;
    }
    el->x = v[0];
    el->y = v[1];
    el->width = v[2];
    el->height = v[3];
}

/* Attributes every element (but page_break) takes, before its own. */
static const char *const common_attrs[] = {"box", "style", "print_when", NULL};

/* Each element kind's own attributes; a chart keeps unknown ones. */
static const char *const text_attrs[] = {"text", NULL};
static const char *const field_attrs[] = {"value", "overflow", "evaluation", NULL};
static const char *const image_attrs[] = {"path", NULL};
static const char *const chart_attrs[] = {"dataset", "type", "provider", NULL};
static const char *const no_attrs[] = {NULL};

static const char *const *own_attrs(report_element_kind kind)
{
    switch (kind) {
    case EL_TEXT: return text_attrs;
    case EL_FIELD: return field_attrs;
    case EL_IMAGE: return image_attrs;
    case EL_CHART: return chart_attrs;
    default: return no_attrs;
    }
}

static int is_known(const rl_attrs *a, const char *name)
{
    for (size_t k = 0; k < a->n; k++) {
        if (strcmp(a->names[k], name) == 0)
            return 1;
    }
    return 0;
}

/* Keeps a chart attribute for the provider (every one not known here);
 * reports one given twice. `ns` is the chart's own name space. */
static void keep_chart_attr(loader *L, report_element *el, const ast_item *a, size_t cap, int ns)
{
    if (rl_option_add(L, ns, a) < 0)
        return;
    if (el->nattrs < cap && rl_no_aggregates(L, a->value) == 0) {
        el->attrs[el->nattrs].name = a->name;
        el->attrs[el->nattrs].value = a->value;
        el->attrs[el->nattrs].loc = a->loc;
        el->nattrs++;
    }
}

static void resolve_image(loader *L, const ast_item *a, report_element *el)
{
    const char *rel;
    char *full;

    if (rl_string(L, a, &rel) < 0)
        return;
    if (rel[0] == '\0') {
        rl_error(L, a->value->loc, "'path' must not be empty");
        return;
    }
    full = path_resolve(L->r->dir, rel);
    if (full == NULL) {
        L->oom = 1;
        return;
    }
    el->image_path = arena_strndup(L->arena, full, strlen(full));
    free(full);
}

static void load_element(loader *L, const ast_item *it, report_element_kind kind,
                         report_element *el)
{
    static const char *const overflows[] = {"stretch", "clip", "ellipsis", "shrink", NULL};
    const char *kname = element_kinds[kind];
    rl_attrs attrs = {0};
    char where[160];
    size_t nown, ncommon, nchart = 0, nchildren = 0;
    const char *style = NULL;
    ast_loc style_loc = {0, 0};
    int chart_ns = 0;

    el->kind = kind;
    el->loc = it->loc;
    el->style = -1;
    el->evaluation = EVAL_AUTO;
    el->eval_group = -1;
    el->dataset = -1;

    /* Labels: text, field and chart may be named; the rest may not. */
    if (kind == EL_TEXT || kind == EL_FIELD || kind == EL_CHART) {
        if (it->nlabels > 0) {
            el->name = rl_one_name(L, it, kname);
        }
    } else {
        rl_no_labels(L, it, kname);
    }
    if (el->name != NULL)
        snprintf(where, sizeof(where), "%s '%s'", kname, el->name);
    else
        snprintf(where, sizeof(where), "%s", kname);

    rl_attrs_add(&attrs, own_attrs(kind));
    nown = attrs.n;
    if (kind != EL_PAGE_BREAK) {
        rl_attrs_add(&attrs, common_attrs);
        ncommon = attrs.n;
        rl_attrs_add(&attrs, rl_style_prop_names);
    } else {
        rl_attrs_add(&attrs, (const char *const[]){"box", "print_when", NULL});
        ncommon = attrs.n;
    }

    for (uint32_t k = 0; k < it->nitems; k++) {
        const ast_item *a = it->items[k];
        if (kind == EL_CHART && a->kind == AST_ATTRIBUTE && !is_known(&attrs, a->name))
            nchart++;
        if (kind == EL_FRAME && a->kind == AST_BLOCK)
            nchildren++;
    }
    if (nchart > 0) {
        chart_ns = L->next_ns++;
        el->attrs = arena_alloc(L->arena, nchart * sizeof(*el->attrs));
        if (el->attrs == NULL) {
            L->oom = 1;
            return;
        }
    }

    for (uint32_t k = 0; k < it->nitems; k++) {
        const ast_item *a = it->items[k];
        size_t idx;
        int i;
        if (a->kind == AST_COMMENT)
            continue;
        if (a->kind == AST_BLOCK) {
            if (kind != EL_FRAME)
                rl_error(L, a->loc, "unexpected block '%s' in %s (only a frame holds elements)",
                         a->name, where);
            continue; /* a frame's children are read below */
        }
        if (kind == EL_CHART && !is_known(&attrs, a->name)) {
            keep_chart_attr(L, el, a, nchart, chart_ns);
            continue;
        }
        i = rl_attr_index(L, &attrs, a, where);
        if (i < 0)
            continue;
        idx = (size_t)i;
        if (idx >= ncommon) {
            rl_style_prop(L, idx - ncommon, a, &el->props);
            if (idx - ncommon == 12 && kind == EL_FIELD)
                el->pattern = el->props.pattern;
            continue;
        }
        const char *name = attrs.names[idx];
        if (idx >= nown) {
            if (strcmp(name, "box") == 0)
                load_box(L, a, el);
            else if (strcmp(name, "style") == 0) {
                if (rl_name_value(L, a, &style) == 0)
                    style_loc = a->value->loc;
            } else
                rl_expr(L, a, &el->print_when);
            continue;
        }
        switch (kind) {
        case EL_TEXT: rl_string(L, a, &el->text); break;
        case EL_FIELD:
            if (idx == 0)
                rl_expr(L, a, &el->value);
            else if (idx == 1)
                rl_enum(L, a, overflows, &el->overflow);
            else
                rl_evaluation(L, a, &el->evaluation, &el->eval_group);
            break;
        case EL_IMAGE: resolve_image(L, a, el); break;
        case EL_CHART: {
            const char *v;
            if (rl_name_value(L, a, &v) < 0)
                break;
            if (idx == 0)
                el->dataset = rl_resolve_dataset(L, v, a->value->loc);
            else if (idx == 1)
                el->chart_type = v;
            else
                el->provider = v;
            break;
        }
        default: break;
        }
    }
    if (style != NULL)
        el->style = rl_resolve_style(L, style, style_loc);

    /* Required attributes. */
    if (kind != EL_PAGE_BREAK && attrs.seen[nown] == NULL)
        rl_missing(L, it, "box", where);
    if (kind == EL_TEXT && attrs.seen[0] == NULL)
        rl_missing(L, it, "text", where);
    if (kind == EL_FIELD && attrs.seen[0] == NULL)
        rl_missing(L, it, "value", where);
    if (kind == EL_IMAGE && attrs.seen[0] == NULL)
        rl_missing(L, it, "path", where);
    if (kind == EL_CHART && attrs.seen[0] == NULL)
        rl_missing(L, it, "dataset", where);
    if (kind == EL_CHART && attrs.seen[1] == NULL)
        rl_missing(L, it, "type", where);

    /* A field's name defaults to the name it shows. */
    if (kind == EL_FIELD && el->name == NULL && el->value != NULL && el->value->kind == AST_NAME)
        el->name = el->value->name;

    if (kind == EL_FRAME && nchildren > 0)
        load_elements(L, (const ast_item *const *)it->items, it->nitems, &el->children,
                      &el->nchildren, "frame");
}

/*
 * Reads the element blocks among items (attributes are the caller's) into
 * a new array *out of *nout elements. `where` names the container.
 */
static void load_elements(loader *L, const ast_item *const *items, uint32_t n, report_element **out,
                          size_t *nout, const char *where)
{
    size_t count = 0;
    report_element *els;

    for (uint32_t k = 0; k < n; k++)
        count += items[k]->kind == AST_BLOCK;
    *out = NULL;
    *nout = 0;
    if (count == 0)
        return;
    els = arena_alloc(L->arena, count * sizeof(*els));
    if (els == NULL) {
        L->oom = 1;
        return;
    }
    memset(els, 0, count * sizeof(*els));
    for (uint32_t k = 0; k < n; k++) {
        const ast_item *it = items[k];
        int kind;
        if (it->kind != AST_BLOCK)
            continue;
        kind = kind_index(element_kinds, NELEMENT_KINDS, it->name);
        if (kind < 0) {
            const char *near = rl_suggest(it->name, element_kinds + 1, NELEMENT_KINDS - 1);
            if (near != NULL)
                rl_error(L, it->loc, "unknown element '%s' in %s (did you mean '%s'?)", it->name,
                         where, near);
            else
                rl_error(L, it->loc,
                         "unknown element '%s' in %s; expected one of: text, field, line, rect, "
                         "ellipse, image, frame, page_break, chart",
                         it->name, where);
            continue;
        }
        load_element(L, it, (report_element_kind)kind, &els[*nout]);
        (*nout)++;
    }
    *out = els;
}

/* ============================== Bands ===================================== */

void rl_load_band(loader *L, const ast_item *it, report_band *b)
{
    static const char *const own[] = {"height", "print_when", "split", NULL};
    static const char *const splits[] = {"stretch", "prevent", "immediate", NULL};
    rl_attrs attrs = {0};
    char where[160];
    int kind = -1;

    b->group_index = -1;
    b->loc = it->loc;
    rl_attrs_add(&attrs, own);

    if (it->nlabels == 0) {
        rl_error(L, it->loc,
                 "band needs a kind: band KIND { ... } (title, page_header, column_header, "
                 "group_header, detail, group_footer, column_footer, page_footer, "
                 "last_page_footer, summary, background, no_data)");
        return;
    }
    if (!it->labels[0].quoted)
        kind = kind_index(band_kinds, NBAND_KINDS, it->labels[0].text);
    if (kind < 0) {
        const char *near = rl_suggest(it->labels[0].text, band_kinds + 1, NBAND_KINDS - 1);
        if (near != NULL)
            rl_error(L, it->labels[0].loc, "unknown band kind '%s' (did you mean '%s'?)",
                     it->labels[0].text, near);
        else
            rl_error(L, it->labels[0].loc,
                     "unknown band kind '%s'; expected one of: title, page_header, "
                     "column_header, group_header, detail, group_footer, column_footer, "
                     "page_footer, last_page_footer, summary, background, no_data",
                     it->labels[0].text);
        return;
    }
    b->kind = (report_band_kind)kind;
    if (kind == BAND_GROUP_HEADER || kind == BAND_GROUP_FOOTER) {
        if (it->nlabels < 2) {
            rl_error(L, it->loc, "band %s needs a group: band %s GROUP { ... }", band_kinds[kind],
                     band_kinds[kind]);
            return;
        }
        if (it->nlabels > 2) {
            rl_error(L, it->labels[2].loc, "unexpected label '%s': band %s takes one group",
                     it->labels[2].text, band_kinds[kind]);
            return;
        }
        if (it->labels[1].quoted) {
            rl_error(L, it->labels[1].loc, "group name must be a plain name, not a string");
            return;
        }
        b->group_index = rl_resolve_group(L, it->labels[1].text, it->labels[1].loc);
        if (b->group_index < 0)
            return;
        snprintf(where, sizeof(where), "band %s %s", band_kinds[kind], it->labels[1].text);
    } else {
        if (it->nlabels > 1) {
            rl_error(L, it->labels[1].loc, "unexpected label '%s': band %s takes no group",
                     it->labels[1].text, band_kinds[kind]);
            return;
        }
        snprintf(where, sizeof(where), "band %s", band_kinds[kind]);
    }

    for (uint32_t k = 0; k < it->nitems; k++) {
        const ast_item *a = it->items[k];
        if (a->kind != AST_ATTRIBUTE)
            continue;
        switch (rl_attr_index(L, &attrs, a, where)) {
        case 0: rl_length(L, a, &b->height); break;
        case 1: rl_expr(L, a, &b->print_when); break;
        case 2: rl_enum(L, a, splits, &b->split); break;
        default: break;
        }
    }
    load_elements(L, (const ast_item *const *)it->items, it->nitems, &b->elements, &b->nelements,
                  where);
    if (attrs.seen[0] == NULL) {
        for (size_t k = 0; k < b->nelements; k++) {
            double bottom = b->elements[k].y + b->elements[k].height;
            if (bottom > b->height)
                b->height = bottom;
        }
    }
}

void rl_check_bands(loader *L)
{
    report *r = L->r;
    /* The first band of each kind, and of each group's header and footer. */
    const report_band *first[NBAND_KINDS] = {0};
    const report_band **by_group;

    by_group = calloc(r->ngroups * 2 + 1, sizeof(*by_group));
    if (by_group == NULL) {
        L->oom = 1;
        return;
    }
    for (size_t k = 0; k < r->nbands; k++) {
        const report_band *b = &r->bands[k];
        const report_band **slot;
        if (b->kind == 0 || b->kind == BAND_DETAIL)
            continue;
        if (b->kind == BAND_GROUP_HEADER || b->kind == BAND_GROUP_FOOTER) {
            if (b->group_index < 0)
                continue;
            slot = &by_group[(size_t)b->group_index * 2 + (b->kind == BAND_GROUP_FOOTER)];
        } else {
            slot = &first[b->kind];
        }
        if (*slot == NULL) {
            *slot = b;
            continue;
        }
        if (b->group_index >= 0)
            rl_error(L, b->loc, "duplicate band %s %s (first at line %u)", band_kinds[b->kind],
                     r->groups[b->group_index].name, (*slot)->loc.line);
        else
            rl_error(L, b->loc, "duplicate band %s (first at line %u)", band_kinds[b->kind],
                     (*slot)->loc.line);
    }
    free(by_group);
}
