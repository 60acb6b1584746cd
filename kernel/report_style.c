/*
 * report_style.c - styles for report_load(): the style properties (shared
 * with elements, which may set any of them directly), `style NAME { }`
 * blocks with their `condition { }` blocks, and the checks that need every
 * style (parent cycles, a single default style).
 */
#include "report_int.h"

#include <stdlib.h>
#include <string.h>

/* ============================== Properties ================================ */

/* In the order of the STYLE_* bits in report.h: property k sets bit 1 << k. */
const char *const rl_style_prop_names[] = {
    "font",         "size",       "bold",    "italic",       "underline",
    "color",        "background", "align",   "valign",       "border",
    "border_color", "padding",    "pattern", "line_spacing", NULL,
};

int rl_style_prop(loader *L, size_t k, const ast_item *it, report_style_props *props)
{
    static const char *const aligns[] = {"left", "center", "right", "justify", NULL};
    static const char *const valigns[] = {"top", "middle", "bottom", NULL};
    int rc;

    switch (k) {
    case 0: rc = rl_string(L, it, &props->font); break;
    case 1: rc = rl_positive(L, it, &props->size); break;
    case 2: rc = rl_bool(L, it, &props->bold); break;
    case 3: rc = rl_bool(L, it, &props->italic); break;
    case 4: rc = rl_bool(L, it, &props->underline); break;
    case 5: rc = rl_color(L, it, &props->color); break;
    case 6: rc = rl_color(L, it, &props->background); break;
    case 7: rc = rl_enum(L, it, aligns, &props->align); break;
    case 8: rc = rl_enum(L, it, valigns, &props->valign); break;
    case 9: rc = rl_length(L, it, &props->border); break;
    case 10: rc = rl_color(L, it, &props->border_color); break;
    case 11: rc = rl_length(L, it, &props->padding); break;
    case 12: rc = rl_string(L, it, &props->pattern); break;
    case 13: rc = rl_positive(L, it, &props->line_spacing); break;
    default: return -1;
    }
    if (rc == 0)
        props->set |= 1u << k;
    return rc;
}

/* ============================== Style blocks ============================== */

static void load_condition(loader *L, const ast_item *it, const char *style, report_cond_style *c)
{
    static const char *const own[] = {"when", NULL};
    rl_attrs attrs = {0};
    char where[160];
    const ast_item *a;
    uint32_t k = 0;

    snprintf(where, sizeof(where), "condition of style '%s'", style);
    rl_attrs_add(&attrs, own);
    rl_attrs_add(&attrs, rl_style_prop_names);
    c->loc = it->loc;
    rl_no_labels(L, it, "condition");
    while ((a = rl_next_attr(L, it, &k, where)) != NULL) {
        int idx = rl_attr_index(L, &attrs, a, where);
        if (idx == 0)
            rl_expr(L, a, &c->when);
        else if (idx > 0)
            rl_style_prop(L, (size_t)idx - 1, a, &c->props);
    }
    if (attrs.seen[0] == NULL)
        rl_missing(L, it, "when", where);
}

void rl_load_style(loader *L, const ast_item *it, report_style *s)
{
    static const char *const own[] = {"parent", "default", NULL};
    rl_attrs attrs = {0};
    char where[160];
    size_t nconds = 0;

    snprintf(where, sizeof(where), "style '%s'", s->name);
    rl_attrs_add(&attrs, own);
    rl_attrs_add(&attrs, rl_style_prop_names);
    s->parent = -1;
    for (uint32_t k = 0; k < it->nitems; k++) {
        if (it->items[k]->kind == AST_BLOCK && strcmp(it->items[k]->name, "condition") == 0)
            nconds++;
    }
    if (nconds > 0) {
        s->conds = arena_alloc(L->arena, nconds * sizeof(*s->conds));
        if (s->conds == NULL) {
            L->oom = 1;
            return;
        }
        memset(s->conds, 0, nconds * sizeof(*s->conds));
    }
    for (uint32_t k = 0; k < it->nitems; k++) {
        const ast_item *a = it->items[k];
        const char *parent;
        int idx;
        if (a->kind == AST_COMMENT)
            continue;
        if (a->kind == AST_BLOCK) {
            if (strcmp(a->name, "condition") == 0)
                load_condition(L, a, s->name, &s->conds[s->nconds++]);
            else if (rl_suggest(a->name, (const char *const[]){"condition"}, 1) != NULL)
                rl_error(L, a->loc, "unknown block '%s' in %s (did you mean 'condition'?)", a->name,
                         where);
            else
                rl_error(L, a->loc, "unknown block '%s' in %s; expected: condition", a->name,
                         where);
            continue;
        }
        idx = rl_attr_index(L, &attrs, a, where);
        switch (idx) {
        case -1: break;
        case 0:
            if (rl_name_value(L, a, &parent) == 0) {
                s->parent_loc = a->value->loc;
                s->parent = rl_resolve_style(L, parent, a->value->loc);
            }
            break;
        case 1: rl_bool(L, a, &s->is_default); break;
        default: rl_style_prop(L, (size_t)idx - 2, a, &s->props); break;
        }
    }
}

/* ============================== Checks across styles ====================== */

void rl_check_styles(loader *L)
{
    report *r = L->r;
    int first_default = -1;
    unsigned char *state;

    for (size_t k = 0; k < r->nstyles; k++) {
        if (!r->styles[k].is_default)
            continue;
        if (first_default < 0) {
            first_default = (int)k;
            continue;
        }
        rl_error(L, r->styles[k].loc, "more than one default style: '%s' and '%s' (line %u)",
                 r->styles[k].name, r->styles[first_default].name,
                 r->styles[first_default].loc.line);
    }

    /* Parent cycles: walk up from each style; 1 = on the current walk,
     * 2 = known to reach a root. */
    state = calloc(r->nstyles ? r->nstyles : 1, 1);
    if (state == NULL) {
        L->oom = 1;
        return;
    }
    for (size_t k = 0; k < r->nstyles; k++) {
        int s = (int)k;
        while (s >= 0 && state[s] == 0) {
            state[s] = 1;
            s = r->styles[s].parent;
        }
        if (s >= 0 && state[s] == 1) {
            /* s is on a cycle met in this walk: name its members. */
            char path[512];
            size_t len = 0;
            int t = s;
            size_t steps = 0;
            do {
                int w = snprintf(path + len, sizeof(path) - len, "%s -> ", r->styles[t].name);
                if (w > 0 && (size_t)w < sizeof(path) - len)
                    len += (size_t)w;
                t = r->styles[t].parent;
            } while (t != s && ++steps < r->nstyles);
            snprintf(path + len, sizeof(path) - len, "%s", r->styles[s].name);
            rl_error(L, r->styles[s].parent_loc, "style '%s' is its own ancestor: %s",
                     r->styles[s].name, path);
        }
        /* Everything walked now reaches a root or a reported cycle. */
        s = (int)k;
        while (s >= 0 && state[s] == 1) {
            state[s] = 2;
            s = r->styles[s].parent;
        }
    }
    free(state);
}
