/*
 * plan_chart.c - compiles chart elements (see plan_chart.h): the provider
 * that draws each, its options as text, and when it is drawn.
 */
#include "plan_chart.h"

#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "config.h"
#include "format.h"
#include "plan_int.h"

/* ============================== Options =================================== */

/* Appends `text` to the growing option value *buf (arena memory). */
static int append_text(plan *p, char **buf, size_t *len, const char *text, size_t n)
{
    char *grown = arena_alloc(p->arena, *len + n + 1);
    if (grown == NULL)
        return -1;
    if (*len > 0)
        memcpy(grown, *buf, *len);
    memcpy(grown + *len, text, n);
    grown[*len + n] = '\0';
    *buf = grown;
    *len += n;
    return 0;
}

/* The text a provider reads for attribute value `e`: a literal as its
 * canonical text, a parameter as its value's, a bare word as itself, a
 * list as its items joined with commas. 1 done, 0 not a constant (the
 * caller reports it), -1 out of memory. */
static int option_text(plan *p, const ast_expr *e, char **buf, size_t *len)
{
    char tmp[128];
    qv v = {0};

    switch (e->kind) {
    case AST_STRING: return append_text(p, buf, len, e->s, e->slen) == 0 ? 1 : -1;
    case AST_NAME:
        for (size_t i = 0; i < p->rep->nparams; i++)
            if (strcmp(p->rep->params[i].name, e->name) == 0) {
                v = p->params[i];
                goto value;
            }
        return append_text(p, buf, len, e->name, strlen(e->name)) == 0 ? 1 : -1;
    case AST_BOOL: v = qv_bool((int)e->i); goto value;
    case AST_INT: v = qv_int(e->i); goto value;
    case AST_DECIMAL: v = qv_decimal(e->i, e->scale); goto value;
    case AST_FLOAT: v = qv_float(e->f); goto value;
    case AST_LENGTH: v = qv_float(e->f); goto value;
    case AST_UNARY:
        if (e->op != AST_OP_NEG || e->nargs != 1 ||
            (e->args[0]->kind != AST_INT && e->args[0]->kind != AST_DECIMAL &&
             e->args[0]->kind != AST_FLOAT))
            return 0;
        if (append_text(p, buf, len, "-", 1) != 0)
            return -1;
        return option_text(p, e->args[0], buf, len);
    case AST_LIST:
        for (uint32_t i = 0; i < e->nargs; i++) {
            int rc;
            if (i > 0 && append_text(p, buf, len, ",", 1) != 0)
                return -1;
            if (e->args[i]->kind == AST_LIST)
                return 0;
            rc = option_text(p, e->args[i], buf, len);
            if (rc != 1)
                return rc;
        }
        return 1;
    default: return 0;
    }
value:
    if (v.null)
        return append_text(p, buf, len, "", 0) == 0 ? 1 : -1;
    {
        size_t n = fmt_value(&v, NULL, NULL, tmp, sizeof(tmp));
        if (n >= sizeof(tmp)) {
            char *big = arena_alloc(p->arena, n + 1);
            if (big == NULL)
                return -1;
            fmt_value(&v, NULL, NULL, big, n + 1);
            return append_text(p, buf, len, big, n) == 0 ? 1 : -1;
        }
        return append_text(p, buf, len, tmp, n) == 0 ? 1 : -1;
    }
}

/* ============================== Provider ================================== */

/* Whether plugin `rec` registered chart type `type`. */
static int draws_type(const kernel *k, const plugin_rec *rec, const char *type)
{
    for (size_t i = 0; i < k->nchart_types; i++)
        if (k->chart_types[i].owner == rec && strcmp(k->chart_types[i].name, type) == 0)
            return 1;
    return 0;
}

/* The types `rec` draws ("bar, line, pie"), or every registered type
 * with its provider when rec is NULL. */
static void type_list(const kernel *k, const plugin_rec *rec, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < k->nchart_types && used + 1 < cap; i++) {
        const chart_type_rec *t = &k->chart_types[i];
        int n;
        if (rec != NULL && t->owner != rec)
            continue;
        n = rec != NULL ? snprintf(buf + used, cap - used, "%s%s", used ? ", " : "", t->name)
                        : snprintf(buf + used, cap - used, "%s%s (%s)", used ? ", " : "", t->name,
                                   t->owner->desc.name);
        if (n < 0)
            break;
        used += (size_t)n < cap - used ? (size_t)n : cap - used - 1;
    }
    if (buf[0] == '\0')
        snprintf(buf, cap, "none");
}

/* Finds the plugin that draws chart element `el`; errors go to `d`. */
static plugin_rec *find_provider(plan *p, const report_element *el, diag *d)
{
    kernel *k = p->kern;
    char types[512];
    plugin_rec *rec;

    if (el->provider != NULL) {
        rec = kernel_find_plugin(k, QUIRE_KIND_CHART, el->provider);
        if (rec == NULL || rec->state != PLUGIN_READY) {
            plan_error_at(p, d, el->loc,
                          "chart: no chart-provider plugin '%s' is loaded "
                          "(see `quire plugins list`)",
                          el->provider);
            return NULL;
        }
        if (!draws_type(k, rec, el->chart_type)) {
            type_list(k, rec, types, sizeof(types));
            plan_error_at(p, d, el->loc,
                          "chart: provider '%s' does not draw chart type '%s'; it draws %s",
                          el->provider, el->chart_type, types);
            return NULL;
        }
        return rec;
    }
    {
        const char *def = config_get_string(k->kconf, "default_chart_provider");
        plugin_rec *found = NULL;
        int nfound = 0;
        rec = def != NULL ? kernel_find_plugin(k, QUIRE_KIND_CHART, def) : NULL;
        if (rec != NULL && rec->state == PLUGIN_READY && draws_type(k, rec, el->chart_type))
            return rec;
        for (size_t i = 0; i < k->nchart_types; i++)
            if (strcmp(k->chart_types[i].name, el->chart_type) == 0 &&
                k->chart_types[i].owner->state == PLUGIN_READY) {
                found = k->chart_types[i].owner;
                nfound++;
            }
        if (nfound == 1)
            return found;
        type_list(k, NULL, types, sizeof(types));
        if (nfound > 1)
            plan_error_at(p, d, el->loc,
                          "chart type '%s' is drawn by several providers and the default "
                          "provider '%s' is not one of them; name one with provider = NAME",
                          el->chart_type, def != NULL ? def : "");
        else
            plan_error_at(p, d, el->loc, "unknown chart type '%s'; the loaded providers draw: %s",
                          el->chart_type, types);
        return NULL;
    }
}

/* ============================== When it is drawn ========================== */

static const char *band_word(uint32_t kind)
{
    switch (kind) {
    case QUIRE_BAND_TITLE: return "title";
    case QUIRE_BAND_SUMMARY: return "summary";
    case QUIRE_BAND_GROUP_HEADER: return "group header";
    case QUIRE_BAND_GROUP_FOOTER: return "group footer";
    case QUIRE_BAND_DETAIL: return "detail";
    case QUIRE_BAND_NO_DATA: return "no_data";
    default: return "page";
    }
}

/* Sets v->delayed / resolve_scope for chart `c` in band `b`, or reports
 * why its dataset cannot be drawn there. */
static void decide_when(plan *p, plan_band *b, plan_value *v, const plan_chart *c, diag *d)
{
    const report_dataset *ds = &p->rep->datasets[c->dataset];
    int k = c->scope;
    int inside; /* the group level open where the band prints */

    v->resolve_scope = -1;
    if (plan_is_furniture(b->kind)) {
        if (k != PLAN_SCOPE_PAGE(p))
            plan_error_at(p, d, v->loc,
                          "chart '%s': a chart in page furniture (%s band) draws a dataset of "
                          "its page; give dataset '%s' reset = page",
                          v->el->name ? v->el->name : c->type, band_word(b->kind), ds->name);
        return; /* drawn when its page ends (the filler asks for it then) */
    }
    if (k == PLAN_SCOPE_PAGE(p)) {
        plan_error_at(p, d, v->loc,
                      "chart '%s': dataset '%s' resets with every page (reset = page), so its "
                      "chart belongs in a page header or footer, not in the %s band",
                      v->el->name ? v->el->name : c->type, ds->name, band_word(b->kind));
        return;
    }
    switch (b->kind) {
    case QUIRE_BAND_GROUP_HEADER:
    case QUIRE_BAND_GROUP_FOOTER: inside = b->level; break;
    case QUIRE_BAND_DETAIL: inside = (int)p->ngroups; break;
    case QUIRE_BAND_NO_DATA: return; /* no rows: drawn at once, empty */
    default: inside = 0;             /* title, summary */
    }
    if (k > inside) {
        plan_error_at(p, d, v->loc,
                      "chart '%s': dataset '%s' resets with group '%s', which is not open "
                      "where the %s band prints; use a dataset with reset = report or a group "
                      "enclosing the band",
                      v->el->name ? v->el->name : c->type, ds->name, p->rep->groups[k - 1].name,
                      band_word(b->kind));
        return;
    }
    if ((b->kind == QUIRE_BAND_SUMMARY && k == PLAN_SCOPE_REPORT) ||
        (b->kind == QUIRE_BAND_GROUP_FOOTER && k == b->level))
        return; /* the scope ends as the band prints */
    v->delayed = 1;
    v->resolve_scope = k;
}

/* ============================== Compile =================================== */

/* A provider's check() refusal: "FILE:LINE:COL: why" about this definition
 * is reported at that place (with the line and a caret), anything else at
 * the chart element. */
static void refused(plan *p, const report_element *el, const char *msg, diag *d)
{
    size_t n = p->rep->path != NULL ? strlen(p->rep->path) : 0;
    unsigned line, column;
    int used = 0;
    if (msg[0] == '\0')
        msg = "its provider refused the chart's options";
    if (n > 0 && strncmp(msg, p->rep->path, n) == 0 && msg[n] == ':' &&
        sscanf(msg + n + 1, "%u:%u: %n", &line, &column, &used) == 2 && used > 0) {
        ast_loc loc = {line, column};
        plan_error_at(p, d, loc, "%s", msg + n + 1 + used);
        return;
    }
    plan_error_at(p, d, el->loc, "%s", msg);
}

static int compile_chart(plan *p, plan_band *b, plan_value *v, diag *d)
{
    const report_element *el = v->el;
    plan_chart *c = plan_zalloc(p, sizeof(*c));
    quire_error err = {0};

    if (c == NULL)
        return -1;
    if (el->dataset < 0 || el->chart_type == NULL)
        return 0; /* the loader reported it */
    c->el = el;
    c->type = el->chart_type;
    c->dataset = el->dataset;
    c->scope = p->datasets[el->dataset].scope; /* compiled with the datasets */
    c->options = plan_zalloc(p, (el->nattrs + 1) * sizeof(*c->options));
    if (c->options == NULL)
        return -1;
    for (size_t i = 0; i < el->nattrs; i++) {
        const report_attr *a = &el->attrs[i];
        char *text = NULL;
        size_t len = 0;
        int rc = option_text(p, a->value, &text, &len);
        if (rc < 0)
            return -1;
        if (rc == 0 || text == NULL) {
            plan_error_at(p, d, a->loc,
                          "chart option '%s' must be a constant, a parameter or a list of them",
                          a->name);
            continue;
        }
        if (strcmp(a->name, "title") == 0) {
            c->title = text;
            continue;
        }
        if (strcmp(a->name, "theme") == 0)
            c->theme = text;
        c->options[c->noptions].key = a->name;
        c->options[c->noptions].value = text;
        c->options[c->noptions].file = p->rep->path;
        c->options[c->noptions].line = a->loc.line;
        c->options[c->noptions].column = a->loc.column;
        c->noptions++;
    }
    c->provider = find_provider(p, el, d);
    if (c->provider == NULL)
        return 0;
    if (c->provider->ops.chart.check != NULL &&
        c->provider->ops.chart.check(c->provider->state_ptr, c->type, c->options, c->noptions,
                                     &err) != QUIRE_OK) {
        refused(p, el, err.msg, d);
        return 0;
    }
    v->chart = c;
    decide_when(p, b, v, c, d);
    return 0;
}

int plan_build_charts(plan *p, diag *d)
{
    for (size_t i = 0; i < p->nbands; i++) {
        plan_band *b = &p->bands[i];
        for (size_t j = 0; j < b->nvalues; j++)
            if (b->values[j].el->kind == EL_CHART && compile_chart(p, b, &b->values[j], d) != 0)
                return -1;
    }
    return 0;
}
