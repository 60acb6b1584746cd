/*
 * plan.c - compiles a loaded report for one run (see plan.h): the source
 * and its schema, parameters, wide columns, variables and their
 * accumulators, bands and the values they show.
 */
#include "plan_chart.h"
#include "plan_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "batch.h"
#include "kernel.h"
#include "params.h"
#include "path.h"

/* ============================== Helpers =================================== */

void *plan_zalloc(plan *p, size_t size)
{
    void *mem = arena_alloc(p->arena, size ? size : 1);
    if (mem != NULL)
        memset(mem, 0, size ? size : 1);
    return mem;
}

void plan_error_at(const plan *p, diag *d, ast_loc loc, const char *fmt, ...)
{
    const ast_file *f = p->rep->ast;
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    diag_error_at(d, p->rep->path, f->text, f->len, loc.line, loc.column, "%s", msg);
}

expr *plan_compile_bool(plan *p, const ast_expr *e, resolve_ctx *c, int allow_page,
                        const char *what)
{
    expr *x = plan_compile(p, e, c, allow_page);
    char t[32];
    if (x != NULL && expr_type(x) != QUIRE_TYPE_BOOL)
        plan_error_at(p, c->d, e->loc, "%s must be a condition (bool), got %s", what,
                      batch_type_text(expr_type(x), expr_scale(x), t, sizeof(t)));
    return x;
}

/* ============================== Name resolution =========================== */

int plan_find_column(const plan *p, const char *name)
{
    for (uint32_t c = 0; c < p->nsource; c++)
        if (strcmp(p->schema[c].name, name) == 0)
            return (int)c;
    return -1;
}

static int find_field(const plan *p, const char *name, uint32_t limit)
{
    for (uint32_t f = 0; f < limit && f < p->nfields; f++)
        if (strcmp(p->rep->fields[f].name, name) == 0)
            return (int)(p->nsource + f);
    return -1;
}

/* The hidden variable reading `column` in `scope` with FIRST or LAST;
 * created on first use. Returns its index or -1 (out of memory). */
static int hidden_var(plan *p, uint32_t column, int scope, report_calc calc);

static int resolve_name(void *vctx, const char *name, expr_ref *out)
{
    resolve_ctx *c = vctx;
    plan *p = c->p;
    int i, col;

    i = report_find_param(p->rep, name);
    if (i >= 0) {
        out->kind = EXPR_REF_PARAM;
        out->index = (uint32_t)i;
        out->type = p->params[i].type;
        out->scale = p->params[i].scale;
        return 0;
    }
    if (c->kind == CTX_VAR_NONE || c->kind == CTX_DETAIL || c->kind == CTX_SCOPED) {
        size_t limit = c->kind == CTX_VAR_NONE ? c->var_limit : p->nuser_vars;
        for (size_t v = 0; v < limit; v++) {
            if (strcmp(p->vars[v].name, name) != 0)
                continue;
            out->kind = EXPR_REF_VARIABLE;
            out->index = (uint32_t)v;
            out->type = p->vars[v].type;
            out->scale = p->vars[v].scale;
            return 0;
        }
        if (c->kind == CTX_VAR_NONE)
            return -1;
    }
    col = find_field(p, name, c->kind == CTX_ROW ? c->field_limit : p->nfields);
    if (col < 0)
        col = plan_find_column(p, name);
    if (col < 0)
        return -1;
    if (c->kind == CTX_SCOPED) {
        /* A group key is constant within its group and the groups inside
         * it: FIRST reads it without copying on every row as LAST would. */
        report_calc calc = c->hidden_calc;
        for (int g = 0; g < c->scope && g < (int)p->ngroups; g++)
            if (p->group_column[g] == (uint32_t)col)
                calc = CALC_FIRST;
        int v = hidden_var(p, (uint32_t)col, c->scope, calc);
        if (v < 0)
            return -1;
        out->kind = EXPR_REF_VARIABLE;
        out->index = (uint32_t)v;
        out->type = p->vars[v].type;
        out->scale = p->vars[v].scale;
        return 0;
    }
    out->kind = EXPR_REF_COLUMN;
    out->index = (uint32_t)col;
    out->type = p->wide[col].type;
    out->scale = p->wide[col].scale;
    return 0;
}

expr *plan_compile(plan *p, const ast_expr *e, resolve_ctx *c, int allow_page)
{
    expr_env env = {
        .path = p->rep->path,
        .text = p->rep->ast->text,
        .len = p->rep->ast->len,
        .resolve = resolve_name,
        .ctx = c,
        .allow_page = allow_page,
    };
    return expr_compile(e, &env, p->arena, c->d);
}

/* A compiled reference to wide column `column` (the argument of a hidden
 * FIRST/LAST): compiled from a synthetic name node in row context. */
static expr *column_expr(plan *p, uint32_t column)
{
    ast_expr *e = plan_zalloc(p, sizeof(*e));
    diag scratch = {0};
    resolve_ctx c = {.p = p, .kind = CTX_ROW, .field_limit = p->nfields, .d = &scratch};
    expr *out;
    if (e == NULL)
        return NULL;
    e->kind = AST_NAME;
    e->name =
        column < p->nsource ? p->schema[column].name : p->rep->fields[column - p->nsource].name;
    out = plan_compile(p, e, &c, 0);
    diag_clear(&scratch);
    return out;
}

static int grow_vars(plan *p)
{
    /* vars live in malloc'd memory so they can grow while bands compile. */
    plan_var *vars = realloc(p->vars, (p->nvars + 1) * sizeof(*vars));
    if (vars == NULL)
        return -1;
    p->vars = vars;
    memset(&p->vars[p->nvars], 0, sizeof(*vars));
    return 0;
}

static int hidden_var(plan *p, uint32_t column, int scope, report_calc calc)
{
    char name[96];
    plan_var *v;
    for (size_t i = p->nuser_vars; i < p->nvars; i++)
        if (p->vars[i].arg_column == (int)column && p->vars[i].scope == scope &&
            p->vars[i].calc == calc)
            return (int)i;
    if (grow_vars(p) != 0)
        return -1;
    v = &p->vars[p->nvars];
    snprintf(name, sizeof(name), " %s(%s)@%d", calc == CALC_FIRST ? "first" : "last",
             column < p->nsource ? p->schema[column].name
                                 : p->rep->fields[column - p->nsource].name,
             scope);
    v->name = arena_strndup(p->arena, name, strlen(name));
    v->hidden = 1;
    v->calc = calc;
    v->arg_column = (int)column;
    v->scope = scope;
    v->type = p->wide[column].type;
    v->scale = p->wide[column].scale;
    p->nvars++;
    /* The argument is compiled once every band is done (column_expr). */
    return (int)(p->nvars - 1);
}

/* ============================== Source ==================================== */

static const char *option_value(const report_source *s, const char *key)
{
    for (size_t i = 0; i < s->noptions; i++)
        if (strcmp(s->options[i].key, key) == 0)
            return s->options[i].value;
    return NULL;
}

/* Builds the plugin options of source `s`, with --data overriding its path
 * (the "path" option, or "database" for a source that has one instead). */
static int build_options(plan *p, const report_source *s, const plan_arg *data, size_t ndata,
                         diag *d)
{
    const plan_arg *override = NULL;
    const char *path_key = option_value(s, "path") == NULL && option_value(s, "database") != NULL
                               ? "database"
                               : "path";
    size_t n = s->noptions;
    for (size_t i = 0; i < ndata; i++)
        if (strcmp(data[i].name, s->name) == 0)
            override = &data[i];
    p->options = plan_zalloc(p, (n + 1) * sizeof(*p->options));
    if (p->options == NULL)
        return -1;
    p->noptions = 0;
    for (size_t i = 0; i < n; i++) {
        quire_option *o = &p->options[p->noptions];
        if (override != NULL && strcmp(s->options[i].key, path_key) == 0)
            continue;
        o->key = s->options[i].key;
        o->value = s->options[i].value;
        o->file = p->rep->path;
        o->line = s->options[i].loc.line;
        o->column = s->options[i].loc.column;
        p->noptions++;
    }
    if (override != NULL) {
        quire_option *o = &p->options[p->noptions++];
        char *abs = NULL, cwd[4096];
        if (override->value[0] != '/' && getcwd(cwd, sizeof(cwd)) != NULL)
            abs = path_resolve(cwd, override->value);
        o->key = path_key;
        o->value = arena_strndup(p->arena, abs ? abs : override->value,
                                 strlen(abs ? abs : override->value));
        free(abs);
        o->file = "command line";
        o->line = 0;
        o->column = (uint32_t) override->argi;
    }
    (void)d;
    return 0;
}

int plan_open_source(const plan *p, uint32_t part, uint32_t nparts, quire_arena *arena,
                     void **instance, quire_error *err)
{
    return plan_open_sorted(p, part, nparts, NULL, 0, arena, instance, err);
}

int plan_open_sorted(const plan *p, uint32_t part, uint32_t nparts, const quire_sort_key *sort,
                     size_t nsort, quire_arena *arena, void **instance, quire_error *err)
{
    /* The arguments must live as long as the instance (source.h): they go
     * in `arena`, which outlives every instance opened from it. */
    quire_source_args *args = arena_alloc(arena, sizeof(*args));
    quire_sort_key *keys = nsort ? arena_alloc(arena, nsort * sizeof(*keys)) : NULL;
    if (args == NULL || (nsort && keys == NULL)) {
        error_setf(err, QUIRE_E_NOMEM, "out of memory opening source '%s'", p->source_name);
        return QUIRE_ERR;
    }
    if (nsort)
        memcpy(keys, sort, nsort * sizeof(*keys));
    memset(args, 0, sizeof(*args));
    args->size = sizeof(*args);
    args->source_name = p->source_name;
    args->options = p->options;
    args->noptions = p->noptions;
    args->arena = arena;
    args->batch_rows = 4096;
    args->base_dir = p->base_dir;
    args->partition = part;
    args->npartitions = nparts;
    args->sort = keys;
    args->nsort = nsort;
    args->filter = p->preds;
    args->nfilter = p->npreds;
    return p->source->ops.source.open(p->source->state_ptr, args, instance, err);
}

static int open_source(plan *p, const plan_arg *data, size_t ndata, diag *d, int *exit_code)
{
    const report *rep = p->rep;
    const report_source *s;
    const quire_column_info *cols = NULL;
    size_t ncols = 0;
    quire_error err = {0};

    if (rep->nsources == 0) {
        diag_error(d,
                   "%s: the report has no source block: add one, e.g. "
                   "source sales { plugin = csv; path = \"sales.csv\" }",
                   rep->path);
        *exit_code = QUIRE_EXIT_INPUT;
        return -1;
    }
    for (size_t i = 0; i < ndata; i++)
        if (report_find_source(rep, data[i].name) < 0) {
            diag_error(d,
                       "command line argument %d: --data %s: the report has no source '%s' "
                       "(its sources: %s%s)",
                       data[i].argi, data[i].name, data[i].name, rep->sources[0].name,
                       rep->nsources > 1 ? ", ..." : "");
            *exit_code = QUIRE_EXIT_USAGE;
            return -1;
        }
    s = &rep->sources[0];
    p->source_name = s->name;
    /* "." adds nothing to a relative path but noise in messages. */
    p->base_dir =
        rep->dir != NULL && strcmp(rep->dir, ".") != 0 && rep->dir[0] != '\0' ? rep->dir : NULL;
    p->source = kernel_find_plugin(p->kern, QUIRE_KIND_SOURCE, s->plugin);
    if (p->source == NULL || p->source->state != PLUGIN_READY) {
        plan_error_at(p, d, s->loc,
                      "source '%s': no data-source plugin '%s' is loaded "
                      "(see `quire plugins list`)",
                      s->name, s->plugin);
        *exit_code = QUIRE_EXIT_PLUGIN;
        return -1;
    }
    if (build_options(p, s, data, ndata, d) != 0)
        goto fail_oom;
    if (plan_open_source(p, 0, 0, p->arena, &p->probe, &err) != QUIRE_OK) {
        diag_error(d, "source '%s': %s", s->name, err.msg);
        *exit_code = QUIRE_EXIT_INPUT;
        p->probe = NULL;
        return -1;
    }
    if (p->source->ops.source.schema(p->probe, &cols, &ncols, &err) != QUIRE_OK) {
        diag_error(d, "source '%s': %s", s->name, err.msg);
        *exit_code = QUIRE_EXIT_INPUT;
        return -1;
    }
    p->nsource = (uint32_t)ncols;
    p->schema = plan_zalloc(p, ncols * sizeof(*p->schema));
    p->needed = plan_zalloc(p, ncols);
    if (p->schema == NULL || p->needed == NULL)
        goto fail_oom;
    for (size_t c = 0; c < ncols; c++) {
        p->schema[c] = cols[c];
        p->schema[c].name = arena_strndup(p->arena, cols[c].name, strlen(cols[c].name));
    }
    return 0;

fail_oom:
    diag_error(d, "out of memory compiling the report");
    *exit_code = QUIRE_EXIT_FAILURE;
    return -1;
}

/* ============================== Names ===================================== */

/* A parameter, field or variable must not shadow a source column. */
static void check_shadowing(plan *p, diag *d)
{
    const report *rep = p->rep;
    for (size_t i = 0; i < rep->nparams; i++)
        if (plan_find_column(p, rep->params[i].name) >= 0)
            plan_error_at(p, d, rep->params[i].loc,
                          "parameter '%s' has the name of a column of source '%s'; rename one",
                          rep->params[i].name, p->source_name);
    for (size_t i = 0; i < rep->nfields; i++)
        if (plan_find_column(p, rep->fields[i].name) >= 0)
            plan_error_at(p, d, rep->fields[i].loc,
                          "field '%s' has the name of a column of source '%s'; rename one",
                          rep->fields[i].name, p->source_name);
    for (size_t i = 0; i < rep->nvariables; i++)
        if (plan_find_column(p, rep->variables[i].name) >= 0)
            plan_error_at(p, d, rep->variables[i].loc,
                          "variable '%s' has the name of a column of source '%s'; rename one",
                          rep->variables[i].name, p->source_name);
}

/* ============================== Wide columns ============================== */

static int add_wide(plan *p, uint32_t type, int32_t scale, expr *e)
{
    /* p->wide and p->wide_expr are sized for the worst case up front. */
    p->wide[p->nwide].type = type;
    p->wide[p->nwide].scale = scale;
    p->wide[p->nwide].name = "";
    p->wide_expr[p->nwide] = e;
    return (int)p->nwide++;
}

/* The wide column holding the value of `e` (a plain column, or a new
 * computed column). -1 if it does not compile. */
static int key_column(plan *p, const ast_expr *e, diag *d)
{
    resolve_ctx c = {.p = p, .kind = CTX_ROW, .field_limit = p->nfields, .d = d};
    expr *x = plan_compile(p, e, &c, 0);
    int col;
    if (x == NULL)
        return -1;
    col = expr_column_ref(x);
    if (col >= 0)
        return col;
    return add_wide(p, expr_type(x), expr_scale(x), x);
}

static int build_columns(plan *p, diag *d)
{
    const report *rep = p->rep;
    size_t max = p->nsource + rep->nfields + rep->ngroups + rep->nsort;
    resolve_ctx c = {.p = p, .kind = CTX_ROW, .d = d};

    p->wide = plan_zalloc(p, (max + 1) * sizeof(*p->wide));
    p->wide_expr = plan_zalloc(p, (max + 1) * sizeof(*p->wide_expr));
    p->group_column = plan_zalloc(p, (rep->ngroups + 1) * sizeof(*p->group_column));
    p->group_desc = plan_zalloc(p, (rep->ngroups + 1) * sizeof(*p->group_desc));
    p->sort = plan_zalloc(p, (rep->ngroups + rep->nsort + 1) * sizeof(*p->sort));
    if (!p->wide || !p->wide_expr || !p->group_column || !p->group_desc || !p->sort)
        return -1;
    for (uint32_t i = 0; i < p->nsource; i++)
        add_wide(p, p->schema[i].type, p->schema[i].scale, NULL);
    for (size_t f = 0; f < rep->nfields; f++) {
        expr *x;
        c.field_limit = (uint32_t)f;
        x = plan_compile(p, rep->fields[f].value, &c, 0);
        /* A field that fails still takes its slot so later names resolve. */
        add_wide(p, x ? expr_type(x) : QUIRE_TYPE_NULL, x ? expr_scale(x) : 0, x);
    }
    p->nfields = (uint32_t)rep->nfields;
    if (rep->filter != NULL) {
        c.field_limit = p->nfields;
        p->filter = plan_compile_bool(p, rep->filter, &c, 0, "filter");
    }
    p->ngroups = (uint32_t)rep->ngroups;
    if (rep->ngroups > PLAN_MAX_GROUPS) {
        plan_error_at(p, d, rep->groups[PLAN_MAX_GROUPS].loc,
                      "group '%s': a report may nest at most %d groups",
                      rep->groups[PLAN_MAX_GROUPS].name, PLAN_MAX_GROUPS);
        return 0;
    }
    for (size_t g = 0; g < rep->ngroups; g++) {
        int col = key_column(p, rep->groups[g].by, d);
        p->group_column[g] = col < 0 ? 0 : (uint32_t)col;
        p->group_desc[g] = rep->groups[g].desc;
        p->sort[p->nsort].column = p->group_column[g];
        p->sort[p->nsort].desc = rep->groups[g].desc;
        p->sort[p->nsort].nulls_first = rep->groups[g].desc;
        p->nsort++;
    }
    for (size_t s = 0; s < rep->nsort; s++) {
        int col = key_column(p, rep->sort[s].expr, d);
        p->sort[p->nsort].column = col < 0 ? 0 : (uint32_t)col;
        p->sort[p->nsort].desc = rep->sort[s].desc;
        p->sort[p->nsort].nulls_first = rep->sort[s].nulls_first;
        p->nsort++;
    }
    return 0;
}

/* ============================== Variables ================================= */

static int var_scope(const plan *p, report_scope reset, int group_index)
{
    switch (reset) {
    case SCOPE_GROUP: return group_index + 1;
    case SCOPE_NONE: return PLAN_SCOPE_ROW(p);
    case SCOPE_PAGE: return PLAN_SCOPE_PAGE(p);
    default: return PLAN_SCOPE_REPORT;
    }
}

static int build_variables(plan *p, diag *d)
{
    const report *rep = p->rep;
    p->nuser_vars = rep->nvariables;
    p->vars = calloc(rep->nvariables + 1, sizeof(*p->vars));
    if (p->vars == NULL)
        return -1;
    p->nvars = rep->nvariables;
    for (size_t i = 0; i < rep->nvariables; i++) {
        const report_variable *rv = &rep->variables[i];
        plan_var *v = &p->vars[i];
        v->name = rv->name;
        v->calc = rv->calc;
        v->arg_column = -1;
        v->scope = var_scope(p, rv->reset, rv->group_index);
        if (v->scope == PLAN_SCOPE_PAGE(p))
            p->has_page_vars = 1;
        if (rv->calc == CALC_NONE) {
            resolve_ctx c = {.p = p, .kind = CTX_VAR_NONE, .var_limit = i, .d = d};
            v->value = plan_compile(p, rv->value, &c, 0);
            if (v->value != NULL) {
                v->type = expr_type(v->value);
                v->scale = expr_scale(v->value);
            }
            continue;
        }
        {
            resolve_ctx c = {.p = p, .kind = CTX_ROW, .field_limit = p->nfields, .d = d};
            uint32_t in_type = QUIRE_TYPE_INT;
            int32_t in_scale = 0;
            if (rv->arg != NULL) {
                v->arg = plan_compile(p, rv->arg, &c, 0);
                if (v->arg == NULL)
                    continue;
                v->arg_column = expr_column_ref(v->arg);
                in_type = expr_type(v->arg);
                in_scale = expr_scale(v->arg);
            }
            if (rv->when != NULL) {
                v->when = plan_compile_bool(p, rv->when, &c, 0, "'when'");
            }
            {
                agg_spec spec = {.calc = rv->calc,
                                 .in_type = in_type,
                                 .in_scale = in_scale,
                                 .p = rv->percentile};
                char why[200];
                if (agg_result_type(&spec, &v->type, &v->scale, why, sizeof(why)) != 0)
                    plan_error_at(p, d, rv->value->loc, "variable '%s': %s", rv->name, why);
            }
        }
    }
    return 0;
}

/* Lays out the accumulators of every aggregated variable (hidden ones
 * included), once all bands have been compiled. */
static int build_layout(plan *p)
{
    agg_spec *specs = calloc(p->nvars + 1, sizeof(*specs));
    uint32_t n = 0;
    if (specs == NULL)
        return -1;
    for (size_t i = 0; i < p->nvars; i++) {
        plan_var *v = &p->vars[i];
        if (v->calc == CALC_NONE)
            continue;
        if (v->hidden && v->arg == NULL)
            v->arg = column_expr(p, (uint32_t)v->arg_column);
        if (v->arg == NULL && v->calc != CALC_COUNT)
            continue; /* did not compile: reported already */
        specs[n].calc = v->calc;
        specs[n].in_type = v->arg ? expr_type(v->arg) : QUIRE_TYPE_INT;
        specs[n].in_scale = v->arg ? expr_scale(v->arg) : 0;
        specs[n].p = v->calc == CALC_MEDIAN ? 0.5 : v->hidden ? 0 : p->rep->variables[i].percentile;
        v->acc = n++;
    }
    p->layout = agg_layout_new(specs, n);
    free(specs);
    return p->layout == NULL ? -1 : 0;
}

/* Does a value depend on the order of rows within a group? FIRST and LAST
 * do (except of a group key, constant in its group); the report's own
 * `sort` then decides which row is first, so the rows must be sorted. */
static int order_matters(const plan *p)
{
    if (p->rep->nsort == 0)
        return 0;
    for (size_t v = 0; v < p->nvars; v++) {
        const plan_var *pv = &p->vars[v];
        int key = 0;
        if (pv->calc != CALC_FIRST && pv->calc != CALC_LAST)
            continue;
        for (uint32_t g = 0; g < p->ngroups && pv->hidden; g++)
            key |= p->group_column[g] == (uint32_t)pv->arg_column;
        if (!key)
            return 1;
    }
    return 0;
}

/* ============================== plan_build ================================ */

int plan_build(const report *rep, kernel *k, const plan_arg *data, size_t ndata,
               const plan_arg *params, size_t nparams, plan **out, diag *d, int *exit_code)
{
    plan *p = calloc(1, sizeof(*p));
    size_t errors_before = d->errors;
    struct timespec now;

    *out = NULL;
    *exit_code = QUIRE_EXIT_INPUT;
    if (p == NULL)
        goto fail_oom;
    p->rep = rep;
    p->kern = k;
    p->arena = arena_new(0);
    if (p->arena == NULL)
        goto fail_oom;
    clock_gettime(CLOCK_REALTIME, &now);
    p->now_us = (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
    p->locale = fmt_locale_get(rep->meta.locale ? rep->meta.locale : "en-US");

    if (params_bind(rep, params, nparams, p->arena, &p->params, d) != 0)
        goto fail_input;
    if (open_source(p, data, ndata, d, exit_code) != 0)
        goto fail;
    check_shadowing(p, d);
    if (build_columns(p, d) != 0 || build_variables(p, d) != 0)
        goto fail_oom;
    /* Bands read fields and variables: after an error there, their own
     * errors would mostly repeat it. */
    if (d->errors > errors_before)
        goto fail_input;
    if (plan_build_bands(p, d) != 0)
        goto fail_oom;
    plan_check_datasets_and_styles(p, d);
    if (d->errors > errors_before)
        goto fail_input;
    if (plan_build_charts(p, d) != 0)
        goto fail_oom;
    if (d->errors > errors_before)
        goto fail_input;
    if (plan_analyse_bands(p, d) != 0 || build_layout(p) != 0)
        goto fail_oom;
    if (d->errors > errors_before)
        goto fail_input;
    p->mode = p->ndetails > 0 || order_matters(p) ? PLAN_STREAM : PLAN_HASH;
    /* Datasets of a group or a page start over as the rows stream by. */
    for (size_t i = 0; p->datasets != NULL && i < rep->ndatasets; i++)
        if (p->datasets[i].scope != PLAN_SCOPE_REPORT)
            p->mode = PLAN_STREAM;
    plan_mark_needed(p);
    if (plan_build_data_columns(p) != 0 || plan_build_predicates(p) != 0)
        goto fail_oom;
    *out = p;
    *exit_code = QUIRE_EXIT_OK;
    return 0;

fail_oom:
    diag_error(d, "out of memory compiling the report");
    *exit_code = QUIRE_EXIT_FAILURE;
    goto fail;
fail_input:
    *exit_code = QUIRE_EXIT_INPUT;
fail:
    plan_free(p);
    return -1;
}

void plan_free(plan *p)
{
    if (p == NULL)
        return;
    if (p->probe != NULL)
        p->source->ops.source.close(p->probe);
    for (size_t i = 0; i < p->nbands; i++)
        free(p->bands[i].values);
    agg_layout_free(p->layout);
    for (size_t i = 0; i < p->ndatasets; i++)
        agg_layout_free(p->datasets[i].layout);
    free(p->vars);
    arena_free(p->arena);
    free(p);
}
