/*
 * plan_band.c - the bands of a compiled plan: each element's value and
 * condition compiled in its band's context (detail rows, or the first/last
 * row of a scope through hidden variables), which values are delayed until
 * their scope ends, what each band reads, the export columns; and the
 * chart datasets compiled (plan_dataset) and conditional styles checked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "batch.h"
#include "kernel.h"
#include "plan_int.h"

/* ============================== Bands ===================================== */

static int band_scope(const plan *p, uint32_t kind, int level)
{
    if (kind == QUIRE_BAND_DETAIL)
        return PLAN_SCOPE_ROW(p);
    if (kind == QUIRE_BAND_GROUP_HEADER || kind == QUIRE_BAND_GROUP_FOOTER)
        return level;
    return PLAN_SCOPE_REPORT;
}

int plan_is_furniture(uint32_t kind)
{
    return kind == QUIRE_BAND_PAGE_HEADER || kind == QUIRE_BAND_PAGE_FOOTER ||
           kind == QUIRE_BAND_COLUMN_HEADER || kind == QUIRE_BAND_COLUMN_FOOTER ||
           kind == QUIRE_BAND_LAST_PAGE_FOOTER || kind == QUIRE_BAND_BACKGROUND;
}

typedef struct uses_ctx {
    const plan *p;
    uint8_t *vars; /* nvars */
    int reads_vars;
} uses_ctx;

static void mark_var(uses_ctx *u, uint32_t v);

static void note_ref(void *vctx, const expr_ref *ref)
{
    uses_ctx *u = vctx;
    if (ref->kind == EXPR_REF_VARIABLE)
        mark_var(u, ref->index);
}

static void mark_var(uses_ctx *u, uint32_t v)
{
    if (v >= u->p->nvars || u->vars[v])
        return;
    u->vars[v] = 1;
    u->reads_vars = 1;
    if (u->p->vars[v].value != NULL)
        expr_visit_refs(u->p->vars[v].value, note_ref, u);
}

/* Does `e` read a variable whose value is not final when a band of scope
 * `scope` prints? A variable is final at the end of its scope; a hidden
 * FIRST is final once the scope's first row is in; RUNNING_SUM is never
 * delayed. */
static int reads_open_scope(const plan *p, const expr *e, int scope, uint8_t *scratch)
{
    uses_ctx u = {.p = p, .vars = scratch};
    memset(scratch, 0, p->nvars);
    expr_visit_refs(e, note_ref, &u);
    for (size_t v = 0; v < p->nvars; v++) {
        const plan_var *pv = &p->vars[v];
        if (!scratch[v] || pv->calc == CALC_NONE || pv->calc == CALC_RUNNING_SUM)
            continue;
        if (pv->hidden && pv->calc == CALC_FIRST)
            continue;
        if (pv->scope >= scope && pv->scope != PLAN_SCOPE_ROW(p) && pv->scope != PLAN_SCOPE_PAGE(p))
            return 1;
    }
    return 0;
}

static int compile_elements(plan *p, plan_band *b, const report_element *els, size_t n,
                            resolve_ctx *c, int allow_page, int depth, diag *d);

/* Compiles the conditions of the conditional styles on the element's style
 * chain (its own style, then the parents) in the band's context. */
static int compile_conditions(plan *p, plan_value *v, const report_element *el, resolve_ctx *c,
                              int allow_page)
{
    uint32_t n = 0, k = 0;
    for (int s = el->style; s >= 0; s = p->rep->styles[s].parent)
        n += (uint32_t)p->rep->styles[s].nconds;
    if (n == 0)
        return 0;
    v->cond_when = plan_zalloc(p, n * sizeof(*v->cond_when));
    v->conds = plan_zalloc(p, n * sizeof(*v->conds));
    if (v->cond_when == NULL || v->conds == NULL)
        return -1;
    for (int s = el->style; s >= 0; s = p->rep->styles[s].parent)
        for (size_t i = 0; i < p->rep->styles[s].nconds; i++) {
            const report_cond_style *cs = &p->rep->styles[s].conds[i];
            v->conds[k] = cs;
            if (cs->when != NULL)
                v->cond_when[k] =
                    plan_compile_bool(p, cs->when, c, allow_page, "a style condition");
            k++;
        }
    v->nconds = n;
    return 0;
}

static int add_value(plan *p, plan_band *b, const report_element *el, resolve_ctx *c,
                     int allow_page, int depth, diag *d)
{
    plan_value *v;
    plan_value *values = realloc(b->values, (b->nvalues + 1) * sizeof(*values));
    if (values == NULL)
        return -1;
    b->values = values;
    v = &b->values[b->nvalues++];
    memset(v, 0, sizeof(*v));
    v->el = el;
    v->depth = depth;
    v->name = el->name;
    v->evaluation = el->evaluation;
    v->eval_group = el->eval_group;
    v->resolve_scope = -1;
    v->loc = el->loc;
    if (el->print_when != NULL)
        v->print_when = plan_compile_bool(p, el->print_when, c, allow_page, "print_when");
    if (el->kind != EL_TEXT && el->kind != EL_FIELD) {
        v->is_shape = 1;
        v->name = NULL;
        return 0;
    }
    if (compile_conditions(p, v, el, c, allow_page) != 0)
        return -1;
    if (el->kind == EL_TEXT) {
        v->is_static = 1;
        v->text = el->text;
        return 0;
    }
    v->value = plan_compile(p, el->value, c, allow_page);
    v->pattern = el->pattern;
    if (v->pattern == NULL && (el->props.set & STYLE_PATTERN))
        v->pattern = el->props.pattern;
    for (int s = el->style; v->pattern == NULL && s >= 0; s = p->rep->styles[s].parent)
        if (p->rep->styles[s].props.set & STYLE_PATTERN)
            v->pattern = p->rep->styles[s].props.pattern;
    for (size_t s = 0; v->pattern == NULL && el->style < 0 && s < p->rep->nstyles; s++)
        if (p->rep->styles[s].is_default)
            for (int t = (int)s; v->pattern == NULL && t >= 0; t = p->rep->styles[t].parent)
                if (p->rep->styles[t].props.set & STYLE_PATTERN)
                    v->pattern = p->rep->styles[t].props.pattern;
    if (v->value != NULL && v->pattern != NULL) {
        char why[200];
        if (fmt_pattern_check(v->pattern, expr_type(v->value), why, sizeof(why)) != 0)
            plan_error_at(p, d, el->loc, "pattern \"%s\": %s", v->pattern, why);
    }
    return 0;
}

/* Every element becomes one plan_value, depth-first (a frame before its
 * children), so the filler can walk them in the same order. */
static int compile_elements(plan *p, plan_band *b, const report_element *els, size_t n,
                            resolve_ctx *c, int allow_page, int depth, diag *d)
{
    for (size_t i = 0; i < n; i++) {
        const report_element *el = &els[i];
        if (add_value(p, b, el, c, allow_page, depth, d) != 0)
            return -1;
        if (el->kind == EL_FRAME &&
            compile_elements(p, b, el->children, el->nchildren, c, allow_page, depth + 1, d) != 0)
            return -1;
    }
    return 0;
}

int plan_build_bands(plan *p, diag *d)
{
    const report *rep = p->rep;
    p->bands = plan_zalloc(p, (rep->nbands + rep->ngroups + 1) * sizeof(*p->bands));
    p->group_header = plan_zalloc(p, (rep->ngroups + 1) * sizeof(*p->group_header));
    p->group_footer = plan_zalloc(p, (rep->ngroups + 1) * sizeof(*p->group_footer));
    p->details = plan_zalloc(p, (rep->nbands + 1) * sizeof(*p->details));
    if (!p->bands || !p->group_header || !p->group_footer || !p->details)
        return -1;
    for (size_t i = 0; i < rep->nbands; i++) {
        const report_band *rb = &rep->bands[i];
        plan_band *b = &p->bands[p->nbands++];
        uint32_t kind = (uint32_t)rb->kind;
        int level = rb->group_index >= 0 ? rb->group_index + 1 : 0;
        int allow_page = plan_is_furniture(kind);
        resolve_ctx c = {.p = p, .d = d};
        b->src = rb;
        b->kind = kind;
        b->level = (kind == QUIRE_BAND_GROUP_HEADER || kind == QUIRE_BAND_GROUP_FOOTER) ? level : 0;
        b->scope = band_scope(p, kind, b->level);
        if (kind == QUIRE_BAND_DETAIL) {
            c.kind = CTX_DETAIL;
        } else {
            c.kind = CTX_SCOPED;
            c.scope = b->scope;
            c.hidden_calc = (kind == QUIRE_BAND_GROUP_FOOTER || kind == QUIRE_BAND_SUMMARY)
                                ? CALC_LAST
                                : CALC_FIRST;
        }
        if (rb->print_when != NULL)
            b->print_when = plan_compile_bool(p, rb->print_when, &c, allow_page, "print_when");
        if (compile_elements(p, b, rb->elements, rb->nelements, &c, allow_page, 0, d) != 0)
            return -1;
        switch (kind) {
        case QUIRE_BAND_TITLE: p->title = b; break;
        case QUIRE_BAND_SUMMARY: p->summary = b; break;
        case QUIRE_BAND_NO_DATA: p->no_data = b; break;
        case QUIRE_BAND_GROUP_HEADER: p->group_header[level - 1] = b; break;
        case QUIRE_BAND_GROUP_FOOTER: p->group_footer[level - 1] = b; break;
        case QUIRE_BAND_DETAIL: p->details[p->ndetails++] = b; break;
        default: break;
        }
    }
    /* Every group break produces a header instance, so data renderers can
     * nest what follows; a group without a header band gets an empty one. */
    for (uint32_t g = 0; g < rep->ngroups; g++) {
        plan_band *b;
        if (p->group_header[g] != NULL)
            continue;
        b = &p->bands[p->nbands++];
        b->kind = QUIRE_BAND_GROUP_HEADER;
        b->level = (int)g + 1;
        b->scope = b->level;
        p->group_header[g] = b;
    }
    return 0;
}

static void has_column_ref(void *vctx, const expr_ref *ref)
{
    if (ref->kind == EXPR_REF_COLUMN)
        *(int *)vctx = 1;
}

/* Sets v->resolve_scope from the element's `evaluation` (auto: delayed in
 * a title or group header when it reads a variable whose scope is still
 * open). Returns 1, or 0 after reporting a misuse. */
static int decide_delay(plan *p, const plan_band *b, plan_value *v, uint8_t *scratch, diag *d)
{
    int reads_columns = 0;
    v->resolve_scope = -1;
    switch (v->evaluation) {
    case EVAL_NOW: return 1;
    case EVAL_REPORT:
    case EVAL_PAGE: v->resolve_scope = PLAN_SCOPE_REPORT; break;
    case EVAL_GROUP: {
        int level = v->eval_group + 1;
        int encloses =
            b->kind == QUIRE_BAND_DETAIL ||
            ((b->kind == QUIRE_BAND_GROUP_HEADER || b->kind == QUIRE_BAND_GROUP_FOOTER) &&
             level <= b->level);
        if (!encloses) {
            plan_error_at(p, d, v->loc,
                          "evaluation = group(%s): the group does not enclose this %s band, so it "
                          "never ends while the band waits",
                          p->rep->groups[v->eval_group].name,
                          b->kind == QUIRE_BAND_TITLE     ? "title"
                          : b->kind == QUIRE_BAND_SUMMARY ? "summary"
                                                          : "group");
            return 0;
        }
        v->resolve_scope = level;
        break;
    }
    default:
        if ((b->kind == QUIRE_BAND_TITLE || b->kind == QUIRE_BAND_GROUP_HEADER) &&
            reads_open_scope(p, v->value, b->scope, scratch))
            v->resolve_scope = b->scope;
        return 1;
    }
    expr_visit_refs(v->value, has_column_ref, &reads_columns);
    if (reads_columns) {
        plan_error_at(
            p, d, v->loc,
            "a field evaluated at the end of the report or a group cannot read columns of "
            "the current row; read them through a variable (e.g. last(x))");
        return 0;
    }
    return 1;
}

/* ============================== Datasets and styles ======================= */

/* The scope a dataset restarts with (reset = ...). */
static int dataset_scope(const plan *p, const report_dataset *ds)
{
    if (ds->reset == SCOPE_GROUP && ds->group_index >= 0)
        return ds->group_index + 1;
    if (ds->reset == SCOPE_PAGE)
        return PLAN_SCOPE_PAGE(p);
    return PLAN_SCOPE_REPORT;
}

/* Compiles dataset `ds` into `pd`: its expressions in row context and one
 * accumulator per measure. Errors (names, types, combinations the
 * accumulator cannot honour) go to `d`; returns -1 only when memory runs
 * out. */
static int compile_dataset(plan *p, const report_dataset *ds, plan_dataset *pd, diag *d)
{
    resolve_ctx row = {.p = p, .kind = CTX_ROW, .field_limit = p->nfields, .d = d};
    agg_spec *specs;
    int complete = 1;

    pd->src = ds;
    pd->scope = dataset_scope(p, ds);
    if (ds->category != NULL) {
        pd->category = plan_compile(p, ds->category, &row, 0);
        complete &= pd->category != NULL;
        if (pd->category != NULL && ds->bucket != BUCKET_NONE &&
            expr_type(pd->category) != QUIRE_TYPE_DATE &&
            expr_type(pd->category) != QUIRE_TYPE_TIMESTAMP) {
            char t[32];
            plan_error_at(
                p, d, ds->category->loc,
                "dataset '%s': bucket needs a date or timestamp category, got %s", ds->name,
                batch_type_text(expr_type(pd->category), expr_scale(pd->category), t, sizeof(t)));
        }
    }
    /* Gaps are filled between buckets; top N would have to pick among
     * categories that do not exist until the gaps are filled. */
    if (ds->fill_gaps && ds->bucket == BUCKET_NONE)
        plan_error_at(p, d, ds->loc,
                      "dataset '%s': fill_gaps needs a bucket (hour, day, week, month, quarter "
                      "or year)",
                      ds->name);
    if (ds->fill_gaps && ds->top > 0)
        plan_error_at(p, d, ds->loc, "dataset '%s': top and fill_gaps cannot be combined",
                      ds->name);
    if (ds->series != NULL) {
        pd->series = plan_compile(p, ds->series, &row, 0);
        complete &= pd->series != NULL;
    }
    if (ds->when != NULL) {
        pd->when = plan_compile_bool(p, ds->when, &row, 0, "'when'");
        complete &= pd->when != NULL;
    }
    pd->args = plan_zalloc(p, ds->nmeasures * sizeof(*pd->args));
    specs = plan_zalloc(p, ds->nmeasures * sizeof(*specs));
    if (pd->args == NULL || specs == NULL)
        return -1;
    for (size_t m = 0; m < ds->nmeasures; m++) {
        const report_measure *ms = &ds->measures[m];
        uint32_t type;
        int32_t scale;
        char why[200];
        specs[m] = (agg_spec){.calc = ms->calc, .in_type = QUIRE_TYPE_INT, .p = ms->percentile};
        if (ms->calc == CALC_MEDIAN)
            specs[m].p = 0.5;
        if (ms->arg != NULL) {
            pd->args[m] = plan_compile(p, ms->arg, &row, 0);
            if (pd->args[m] == NULL) {
                complete = 0;
                continue;
            }
            specs[m].in_type = expr_type(pd->args[m]);
            specs[m].in_scale = expr_scale(pd->args[m]);
        }
        if (ms->calc == CALC_NONE ||
            agg_result_type(&specs[m], &type, &scale, why, sizeof(why)) != 0) {
            if (ms->calc != CALC_NONE)
                plan_error_at(p, d, ms->expr->loc, "dataset '%s': %s", ds->name, why);
            complete = 0;
        }
    }
    if (!complete)
        return 0;
    pd->layout = agg_layout_new(specs, ds->nmeasures);
    return pd->layout == NULL ? -1 : 0;
}

/* Compiles the chart datasets (p->datasets; the run accumulates them with
 * kernel/dataset.h) and type-checks the conditions of conditional styles. */
void plan_check_datasets_and_styles(plan *p, diag *d)
{
    const report *rep = p->rep;
    resolve_ctx band = {.p = p, .kind = CTX_DETAIL, .d = d};
    if (rep->ndatasets > 0) {
        p->datasets = plan_zalloc(p, rep->ndatasets * sizeof(*p->datasets));
        if (p->datasets == NULL) {
            diag_error(d, "out of memory compiling the report");
            return;
        }
        p->ndatasets = rep->ndatasets;
    }
    for (size_t i = 0; i < rep->ndatasets; i++)
        if (compile_dataset(p, &rep->datasets[i], &p->datasets[i], d) != 0) {
            diag_error(d, "out of memory compiling the report");
            return;
        }
    for (size_t i = 0; i < rep->nstyles; i++)
        for (size_t c = 0; c < rep->styles[i].nconds; c++) {
            const ast_expr *when = rep->styles[i].conds[c].when;
            if (when != NULL)
                plan_compile_bool(p, when, &band, 0, "a style condition");
        }
}

/* After every band compiled (the hidden variables exist): which variables
 * each band reads, which values are delayed, reset-none variables only in
 * details. */
int plan_analyse_bands(plan *p, diag *d)
{
    uint8_t *scratch = plan_zalloc(p, p->nvars + 1);
    if (scratch == NULL)
        return -1;
    for (size_t i = 0; i < p->nbands; i++) {
        plan_band *b = &p->bands[i];
        uses_ctx u = {.p = p};
        b->vars_used = plan_zalloc(p, p->nvars + 1);
        if (b->vars_used == NULL)
            return -1;
        u.vars = b->vars_used;
        if (b->print_when != NULL)
            expr_visit_refs(b->print_when, note_ref, &u);
        for (size_t j = 0; j < b->nvalues; j++) {
            plan_value *v = &b->values[j];
            if (v->value != NULL)
                expr_visit_refs(v->value, note_ref, &u);
            if (v->print_when != NULL)
                expr_visit_refs(v->print_when, note_ref, &u);
            for (uint32_t k = 0; k < v->nconds; k++)
                if (v->cond_when[k] != NULL)
                    expr_visit_refs(v->cond_when[k], note_ref, &u);
            if (v->value != NULL && decide_delay(p, b, v, scratch, d) && v->resolve_scope >= 0) {
                v->delayed = 1;
                b->has_delayed = 1;
            }
        }
        b->reads_vars = u.reads_vars;
        if (b->kind == QUIRE_BAND_DETAIL && b->reads_vars)
            p->details_read_vars = 1;
        for (size_t v = 0; v < p->nvars && b->kind != QUIRE_BAND_DETAIL; v++)
            if (b->vars_used[v] && p->vars[v].scope == PLAN_SCOPE_ROW(p))
                plan_error_at(p, d, b->src->loc,
                              "variable '%s' resets with every row (reset = none) and can only be "
                              "shown in detail bands",
                              p->vars[v].name);
    }
    return 0;
}

int plan_build_data_columns(plan *p)
{
    size_t max = 0;
    for (size_t i = 0; i < p->nbands; i++)
        max += p->bands[i].nvalues;
    p->data_columns = plan_zalloc(p, (max + 1) * sizeof(*p->data_columns));
    if (p->data_columns == NULL)
        return -1;
    for (size_t i = 0; i < p->nbands; i++) {
        const plan_band *b = &p->bands[i];
        if (plan_is_furniture(b->kind))
            continue;
        for (size_t j = 0; j < b->nvalues; j++) {
            const char *name = b->values[j].name;
            int seen = 0;
            if (name == NULL || b->values[j].is_static || b->values[j].is_shape)
                continue;
            for (size_t k = 0; k < p->ndata_columns && !seen; k++)
                seen = strcmp(p->data_columns[k], name) == 0;
            if (!seen)
                p->data_columns[p->ndata_columns++] = name;
        }
    }
    return 0;
}
