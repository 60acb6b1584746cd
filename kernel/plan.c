/*
 * plan.c - compiles a loaded report for one run (see plan.h): the source
 * and its schema, parameters, wide columns, variables and their
 * accumulators, bands and the values they show.
 */
#include "plan.h"

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

static void *plan_alloc(plan *p, size_t size)
{
    void *mem = arena_alloc(p->arena, size ? size : 1);
    if (mem != NULL)
        memset(mem, 0, size ? size : 1);
    return mem;
}

static void error_at(const plan *p, diag *d, ast_loc loc, const char *fmt, ...)
    QUIRE_PRINTF(4, 5);

static void error_at(const plan *p, diag *d, ast_loc loc, const char *fmt, ...)
{
    const ast_file *f = p->rep->ast;
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    diag_error_at(d, p->rep->path, f->text, f->len, loc.line, loc.column, "%s", msg);
}

static const char *type_name(uint32_t type, int32_t scale, char *buf, size_t len)
{
    return batch_type_text(type, scale, buf, len);
}

/* ============================== Name resolution =========================== */

typedef enum ctx_kind {
    CTX_ROW = 1,   /* filter, fields, keys, sort, variable arguments */
    CTX_DETAIL,    /* detail band elements: columns of the current row */
    CTX_SCOPED,    /* other bands: columns through hidden FIRST/LAST */
    CTX_VAR_NONE,  /* value of a variable without aggregate */
} ctx_kind;

typedef struct resolve_ctx {
    plan *p;
    ctx_kind kind;
    uint32_t field_limit;  /* CTX_ROW: fields [0, limit) are visible */
    size_t var_limit;      /* CTX_VAR_NONE: variables [0, limit) */
    int scope;             /* CTX_SCOPED: the band's scope */
    report_calc hidden_calc; /* CTX_SCOPED: FIRST or LAST */
    diag *d;
    ast_loc loc;
    int failed;
} resolve_ctx;

static int find_source_column(const plan *p, const char *name)
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
        col = find_source_column(p, name);
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

static expr *compile_in(plan *p, const ast_expr *e, resolve_ctx *c, int allow_page)
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
    ast_expr *e = plan_alloc(p, sizeof(*e));
    diag scratch = {0};
    resolve_ctx c = {.p = p, .kind = CTX_ROW, .field_limit = p->nfields, .d = &scratch};
    expr *out;
    if (e == NULL)
        return NULL;
    e->kind = AST_NAME;
    e->name = column < p->nsource ? p->schema[column].name
                                  : p->rep->fields[column - p->nsource].name;
    out = compile_in(p, e, &c, 0);
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
    p->options = plan_alloc(p, (n + 1) * sizeof(*p->options));
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
        o->column = (uint32_t)override->argi;
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
        diag_error(d, "%s: the report has no source block: add one, e.g. "
                      "source sales { plugin = csv; path = \"sales.csv\" }",
                   rep->path);
        *exit_code = QUIRE_EXIT_INPUT;
        return -1;
    }
    for (size_t i = 0; i < ndata; i++)
        if (report_find_source(rep, data[i].name) < 0) {
            diag_error(d, "command line argument %d: --data %s: the report has no source '%s' "
                          "(its sources: %s%s)",
                       data[i].argi, data[i].name, data[i].name, rep->sources[0].name,
                       rep->nsources > 1 ? ", ..." : "");
            *exit_code = QUIRE_EXIT_USAGE;
            return -1;
        }
    s = &rep->sources[0];
    p->source_name = s->name;
    /* "." adds nothing to a relative path but noise in messages. */
    p->base_dir = rep->dir != NULL && strcmp(rep->dir, ".") != 0 && rep->dir[0] != '\0' ? rep->dir
                                                                                       : NULL;
    p->source = kernel_find_plugin(p->kern, QUIRE_KIND_SOURCE, s->plugin);
    if (p->source == NULL || p->source->state != PLUGIN_READY) {
        error_at(p, d, s->loc, "source '%s': no data-source plugin '%s' is loaded "
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
    p->schema = plan_alloc(p, ncols * sizeof(*p->schema));
    p->needed = plan_alloc(p, ncols);
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
        if (find_source_column(p, rep->params[i].name) >= 0)
            error_at(p, d, rep->params[i].loc,
                     "parameter '%s' has the name of a column of source '%s'; rename one",
                     rep->params[i].name, p->source_name);
    for (size_t i = 0; i < rep->nfields; i++)
        if (find_source_column(p, rep->fields[i].name) >= 0)
            error_at(p, d, rep->fields[i].loc,
                     "field '%s' has the name of a column of source '%s'; rename one",
                     rep->fields[i].name, p->source_name);
    for (size_t i = 0; i < rep->nvariables; i++)
        if (find_source_column(p, rep->variables[i].name) >= 0)
            error_at(p, d, rep->variables[i].loc,
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
    expr *x = compile_in(p, e, &c, 0);
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

    p->wide = plan_alloc(p, (max + 1) * sizeof(*p->wide));
    p->wide_expr = plan_alloc(p, (max + 1) * sizeof(*p->wide_expr));
    p->group_column = plan_alloc(p, (rep->ngroups + 1) * sizeof(*p->group_column));
    p->group_desc = plan_alloc(p, (rep->ngroups + 1) * sizeof(*p->group_desc));
    p->sort = plan_alloc(p, (rep->ngroups + rep->nsort + 1) * sizeof(*p->sort));
    if (!p->wide || !p->wide_expr || !p->group_column || !p->group_desc || !p->sort)
        return -1;
    for (uint32_t i = 0; i < p->nsource; i++)
        add_wide(p, p->schema[i].type, p->schema[i].scale, NULL);
    for (size_t f = 0; f < rep->nfields; f++) {
        expr *x;
        c.field_limit = (uint32_t)f;
        x = compile_in(p, rep->fields[f].value, &c, 0);
        /* A field that fails still takes its slot so later names resolve. */
        add_wide(p, x ? expr_type(x) : QUIRE_TYPE_NULL, x ? expr_scale(x) : 0, x);
    }
    p->nfields = (uint32_t)rep->nfields;
    if (rep->filter != NULL) {
        c.field_limit = p->nfields;
        p->filter = compile_in(p, rep->filter, &c, 0);
        if (p->filter != NULL && expr_type(p->filter) != QUIRE_TYPE_BOOL) {
            char t[32];
            error_at(p, d, rep->filter->loc, "filter must be a condition (bool), got %s",
                     type_name(expr_type(p->filter), expr_scale(p->filter), t, sizeof(t)));
        }
    }
    p->ngroups = (uint32_t)rep->ngroups;
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
    case SCOPE_GROUP:
        return group_index + 1;
    case SCOPE_NONE:
        return PLAN_SCOPE_ROW(p);
    default:
        return PLAN_SCOPE_REPORT;
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
        if (rv->calc == CALC_NONE) {
            resolve_ctx c = {.p = p, .kind = CTX_VAR_NONE, .var_limit = i, .d = d};
            v->value = compile_in(p, rv->value, &c, 0);
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
                v->arg = compile_in(p, rv->arg, &c, 0);
                if (v->arg == NULL)
                    continue;
                v->arg_column = expr_column_ref(v->arg);
                in_type = expr_type(v->arg);
                in_scale = expr_scale(v->arg);
            }
            if (rv->when != NULL) {
                v->when = compile_in(p, rv->when, &c, 0);
                if (v->when != NULL && expr_type(v->when) != QUIRE_TYPE_BOOL) {
                    char t[32];
                    error_at(p, d, rv->when->loc,
                             "'when' must be a condition (bool), got %s",
                             type_name(expr_type(v->when), expr_scale(v->when), t, sizeof(t)));
                }
            }
            {
                agg_spec spec = {.calc = rv->calc, .in_type = in_type, .in_scale = in_scale,
                                 .p = rv->percentile};
                char why[200];
                if (agg_result_type(&spec, &v->type, &v->scale, why, sizeof(why)) != 0)
                    error_at(p, d, rv->value->loc, "variable '%s': %s", rv->name, why);
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
        specs[n].p = v->calc == CALC_MEDIAN ? 0.5
                     : v->hidden            ? 0
                                            : p->rep->variables[i].percentile;
        v->acc = n++;
    }
    p->layout = agg_layout_new(specs, n);
    free(specs);
    return p->layout == NULL ? -1 : 0;
}

/* ============================== Bands ===================================== */

static int band_scope(const plan *p, uint32_t kind, int level)
{
    if (kind == QUIRE_BAND_DETAIL)
        return PLAN_SCOPE_ROW(p);
    if (kind == QUIRE_BAND_GROUP_HEADER || kind == QUIRE_BAND_GROUP_FOOTER)
        return level;
    return PLAN_SCOPE_REPORT;
}

static int is_furniture(uint32_t kind)
{
    return kind == QUIRE_BAND_PAGE_HEADER || kind == QUIRE_BAND_PAGE_FOOTER ||
           kind == QUIRE_BAND_COLUMN_HEADER || kind == QUIRE_BAND_COLUMN_FOOTER ||
           kind == QUIRE_BAND_LAST_PAGE_FOOTER || kind == QUIRE_BAND_BACKGROUND;
}

typedef struct uses_ctx {
    const plan *p;
    uint8_t *vars;     /* nvars */
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
        if (pv->scope >= scope && pv->scope != PLAN_SCOPE_ROW(p))
            return 1;
    }
    return 0;
}

static int compile_elements(plan *p, plan_band *b, const report_element *els, size_t n,
                            resolve_ctx *c, int allow_page, diag *d);

static int add_value(plan *p, plan_band *b, const report_element *el, resolve_ctx *c,
                     int allow_page, diag *d)
{
    plan_value *v;
    plan_value *values = realloc(b->values, (b->nvalues + 1) * sizeof(*values));
    if (values == NULL)
        return -1;
    b->values = values;
    v = &b->values[b->nvalues++];
    memset(v, 0, sizeof(*v));
    v->name = el->name;
    v->evaluation = el->evaluation;
    v->eval_group = el->eval_group;
    v->resolve_scope = -1;
    v->loc = el->loc;
    if (el->print_when != NULL)
        v->print_when = compile_in(p, el->print_when, c, allow_page);
    if (el->kind == EL_TEXT) {
        v->is_static = 1;
        v->text = el->text;
        return 0;
    }
    v->value = compile_in(p, el->value, c, allow_page);
    v->pattern = el->pattern;
    if (v->pattern == NULL && (el->props.set & STYLE_PATTERN))
        v->pattern = el->props.pattern;
    for (int s = el->style; v->pattern == NULL && s >= 0; s = p->rep->styles[s].parent)
        if (p->rep->styles[s].props.set & STYLE_PATTERN)
            v->pattern = p->rep->styles[s].props.pattern;
    if (v->value != NULL && v->pattern != NULL) {
        char why[200];
        if (fmt_pattern_check(v->pattern, expr_type(v->value), why, sizeof(why)) != 0)
            error_at(p, d, el->loc, "pattern \"%s\": %s", v->pattern, why);
    }
    return 0;
}

static int compile_elements(plan *p, plan_band *b, const report_element *els, size_t n,
                            resolve_ctx *c, int allow_page, diag *d)
{
    for (size_t i = 0; i < n; i++) {
        const report_element *el = &els[i];
        if (el->kind == EL_FRAME) {
            if (compile_elements(p, b, el->children, el->nchildren, c, allow_page, d) != 0)
                return -1;
            continue;
        }
        if (el->kind != EL_TEXT && el->kind != EL_FIELD) {
            /* Shapes, images, charts are drawn by the filler and chart
             * issues; their conditions are checked now. */
            if (el->print_when != NULL)
                compile_in(p, el->print_when, c, allow_page);
            continue;
        }
        if (add_value(p, b, el, c, allow_page, d) != 0)
            return -1;
    }
    return 0;
}

static int build_bands(plan *p, diag *d)
{
    const report *rep = p->rep;
    p->bands = plan_alloc(p, (rep->nbands + rep->ngroups + 1) * sizeof(*p->bands));
    p->group_header = plan_alloc(p, (rep->ngroups + 1) * sizeof(*p->group_header));
    p->group_footer = plan_alloc(p, (rep->ngroups + 1) * sizeof(*p->group_footer));
    p->details = plan_alloc(p, (rep->nbands + 1) * sizeof(*p->details));
    if (!p->bands || !p->group_header || !p->group_footer || !p->details)
        return -1;
    for (size_t i = 0; i < rep->nbands; i++) {
        const report_band *rb = &rep->bands[i];
        plan_band *b = &p->bands[p->nbands++];
        uint32_t kind = (uint32_t)rb->kind;
        int level = rb->group_index >= 0 ? rb->group_index + 1 : 0;
        int allow_page = is_furniture(kind);
        resolve_ctx c = {.p = p, .d = d};
        b->src = rb;
        b->kind = kind;
        b->level = (kind == QUIRE_BAND_GROUP_HEADER || kind == QUIRE_BAND_GROUP_FOOTER) ? level
                                                                                        : 0;
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
            b->print_when = compile_in(p, rb->print_when, &c, allow_page);
        if (compile_elements(p, b, rb->elements, rb->nelements, &c, allow_page, d) != 0)
            return -1;
        switch (kind) {
        case QUIRE_BAND_TITLE:
            p->title = b;
            break;
        case QUIRE_BAND_SUMMARY:
            p->summary = b;
            break;
        case QUIRE_BAND_NO_DATA:
            p->no_data = b;
            break;
        case QUIRE_BAND_GROUP_HEADER:
            p->group_header[level - 1] = b;
            break;
        case QUIRE_BAND_GROUP_FOOTER:
            p->group_footer[level - 1] = b;
            break;
        case QUIRE_BAND_DETAIL:
            p->details[p->ndetails++] = b;
            break;
        default:
            break;
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
    case EVAL_NOW:
        return 1;
    case EVAL_REPORT:
    case EVAL_PAGE:
        v->resolve_scope = PLAN_SCOPE_REPORT;
        break;
    case EVAL_GROUP: {
        int level = v->eval_group + 1;
        int encloses = b->kind == QUIRE_BAND_DETAIL ||
                       ((b->kind == QUIRE_BAND_GROUP_HEADER || b->kind == QUIRE_BAND_GROUP_FOOTER) &&
                        level <= b->level);
        if (!encloses) {
            error_at(p, d, v->loc,
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
        error_at(p, d, v->loc,
                 "a field evaluated at the end of the report or a group cannot read columns of "
                 "the current row; read them through a variable (e.g. last(x))");
        return 0;
    }
    return 1;
}

/* ============================== Datasets and styles ======================= */

static void require_bool(plan *p, const expr *x, const ast_expr *e, const char *what, diag *d)
{
    char t[32];
    if (x != NULL && expr_type(x) != QUIRE_TYPE_BOOL)
        error_at(p, d, e->loc, "%s must be a condition (bool), got %s", what,
                 type_name(expr_type(x), expr_scale(x), t, sizeof(t)));
}

/* Type-checks what the chart datasets aggregate (they are computed by the
 * chart issue's pass, but a wrong name or type is the author's error now)
 * and the conditions of conditional styles. */
static void check_datasets_and_styles(plan *p, diag *d)
{
    const report *rep = p->rep;
    resolve_ctx row = {.p = p, .kind = CTX_ROW, .field_limit = p->nfields, .d = d};
    resolve_ctx band = {.p = p, .kind = CTX_DETAIL, .d = d};
    for (size_t i = 0; i < rep->ndatasets; i++) {
        const report_dataset *ds = &rep->datasets[i];
        expr *x;
        if (ds->category != NULL) {
            x = compile_in(p, ds->category, &row, 0);
            if (x != NULL && ds->bucket != BUCKET_NONE && expr_type(x) != QUIRE_TYPE_DATE &&
                expr_type(x) != QUIRE_TYPE_TIMESTAMP) {
                char t[32];
                error_at(p, d, ds->category->loc,
                         "dataset '%s': bucket needs a date or timestamp category, got %s",
                         ds->name, type_name(expr_type(x), expr_scale(x), t, sizeof(t)));
            }
        }
        if (ds->series != NULL)
            compile_in(p, ds->series, &row, 0);
        if (ds->when != NULL)
            require_bool(p, compile_in(p, ds->when, &row, 0), ds->when, "'when'", d);
        for (size_t m = 0; m < ds->nmeasures; m++) {
            const report_measure *ms = &ds->measures[m];
            agg_spec spec = {.calc = ms->calc, .in_type = QUIRE_TYPE_INT, .p = ms->percentile};
            uint32_t type;
            int32_t scale;
            char why[200];
            if (ms->arg != NULL) {
                x = compile_in(p, ms->arg, &row, 0);
                if (x == NULL)
                    continue;
                spec.in_type = expr_type(x);
                spec.in_scale = expr_scale(x);
            }
            if (ms->calc != CALC_NONE &&
                agg_result_type(&spec, &type, &scale, why, sizeof(why)) != 0)
                error_at(p, d, ms->expr->loc, "dataset '%s': %s", ds->name, why);
        }
    }
    for (size_t i = 0; i < rep->nstyles; i++)
        for (size_t c = 0; c < rep->styles[i].nconds; c++) {
            const ast_expr *when = rep->styles[i].conds[c].when;
            if (when != NULL)
                require_bool(p, compile_in(p, when, &band, 0), when, "a style condition", d);
        }
}

/* After every band compiled (the hidden variables exist): which variables
 * each band reads, which values are delayed, reset-none variables only in
 * details. */
static int analyse_bands(plan *p, diag *d)
{
    uint8_t *scratch = plan_alloc(p, p->nvars + 1);
    if (scratch == NULL)
        return -1;
    for (size_t i = 0; i < p->nbands; i++) {
        plan_band *b = &p->bands[i];
        uses_ctx u = {.p = p};
        b->vars_used = plan_alloc(p, p->nvars + 1);
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
                error_at(p, d, b->src->loc,
                         "variable '%s' resets with every row (reset = none) and can only be "
                         "shown in detail bands",
                         p->vars[v].name);
    }
    return 0;
}

/* ============================== Filter pushdown =========================== */

/* The constant value of a comparison operand: a literal (or a negated
 * number) or a parameter. 0 and *out, or -1. */
static int operand_value(const plan *p, const ast_expr *e, qv *out)
{
    int neg = 0;
    int i;
    memset(out, 0, sizeof(*out));
    if (e->kind == AST_NAME) {
        i = report_find_param(p->rep, e->name);
        if (i < 0)
            return -1;
        *out = p->params[i];
        return out->null ? -1 : 0;
    }
    if (e->kind == AST_UNARY && e->op == AST_OP_NEG && e->nargs == 1) {
        neg = 1;
        e = e->args[0];
    }
    switch (e->kind) {
    case AST_INT:
        *out = qv_int(neg ? -e->i : e->i);
        return 0;
    case AST_DECIMAL:
        *out = qv_decimal(neg ? -e->i : e->i, e->scale);
        return 0;
    case AST_FLOAT:
        *out = qv_float(neg ? -e->f : e->f);
        return 0;
    case AST_STRING:
        if (neg)
            return -1;
        *out = qv_string(e->s, e->slen);
        return 0;
    case AST_DATE:
    case AST_TIMESTAMP:
    case AST_BOOL:
        if (neg)
            return -1;
        out->type = e->kind == AST_DATE        ? QUIRE_TYPE_DATE
                    : e->kind == AST_TIMESTAMP ? QUIRE_TYPE_TIMESTAMP
                                               : QUIRE_TYPE_BOOL;
        out->u.i = e->i;
        return 0;
    default:
        return -1;
    }
}

/* Converts `v` to the column's type without losing anything, into `pred`.
 * -1 when that is not exact (the predicate is then not pushed). */
static int fit_value(const quire_column_info *col, const qv *v, quire_predicate *pred)
{
    pred->type = col->type;
    pred->scale = col->scale;
    switch (col->type) {
    case QUIRE_TYPE_INT:
    case QUIRE_TYPE_DATE:
    case QUIRE_TYPE_TIMESTAMP:
    case QUIRE_TYPE_BOOL:
        if (v->type != col->type)
            return -1;
        pred->i64 = v->u.i;
        return 0;
    case QUIRE_TYPE_DECIMAL: {
        int64_t x = v->u.i;
        int from = v->type == QUIRE_TYPE_DECIMAL ? v->scale : 0;
        if ((v->type != QUIRE_TYPE_INT && v->type != QUIRE_TYPE_DECIMAL) || from > col->scale)
            return -1;
        for (int s = from; s < col->scale; s++) {
            if (x > INT64_MAX / 10 || x < INT64_MIN / 10)
                return -1;
            x *= 10;
        }
        pred->i64 = x;
        return 0;
    }
    case QUIRE_TYPE_FLOAT:
        if (v->type != QUIRE_TYPE_FLOAT)
            return -1;
        pred->f64 = v->u.f;
        return 0;
    case QUIRE_TYPE_STRING:
        if (v->type != QUIRE_TYPE_STRING)
            return -1;
        pred->str = v->u.s;
        return 0;
    default:
        return -1;
    }
}

/* A name that is a column of the source (not a parameter or field). */
static int source_column_of(const plan *p, const ast_expr *e)
{
    if (e->kind != AST_NAME || report_find_param(p->rep, e->name) >= 0 ||
        report_find_field(p->rep, e->name) >= 0)
        return -1;
    return find_source_column(p, e->name);
}

/* Collects the `column op constant` conjuncts of the filter. The kernel
 * still applies the whole filter, so missing one is only slower. */
static void collect_predicates(plan *p, const ast_expr *e, size_t max)
{
    static const uint32_t ops[] = {
        [AST_OP_EQ] = QUIRE_PRED_EQ, [AST_OP_NE] = QUIRE_PRED_NE, [AST_OP_LT] = QUIRE_PRED_LT,
        [AST_OP_LE] = QUIRE_PRED_LE, [AST_OP_GT] = QUIRE_PRED_GT, [AST_OP_GE] = QUIRE_PRED_GE,
    };
    static const uint32_t flipped[] = {
        [QUIRE_PRED_EQ] = QUIRE_PRED_EQ, [QUIRE_PRED_NE] = QUIRE_PRED_NE,
        [QUIRE_PRED_LT] = QUIRE_PRED_GT, [QUIRE_PRED_LE] = QUIRE_PRED_GE,
        [QUIRE_PRED_GT] = QUIRE_PRED_LT, [QUIRE_PRED_GE] = QUIRE_PRED_LE,
    };
    quire_predicate *pred;
    int col;
    if (e == NULL || p->npreds >= max)
        return;
    if (e->kind == AST_BINARY && e->op == AST_OP_AND) {
        collect_predicates(p, e->args[0], max);
        collect_predicates(p, e->args[1], max);
        return;
    }
    pred = &p->preds[p->npreds];
    memset(pred, 0, sizeof(*pred));
    if (e->kind == AST_IS_NULL && e->nargs == 1) {
        col = source_column_of(p, e->args[0]);
        if (col < 0)
            return;
        pred->column = p->schema[col].name;
        pred->op = e->negated ? QUIRE_PRED_IS_NOT_NULL : QUIRE_PRED_IS_NULL;
        pred->type = p->schema[col].type;
        p->npreds++;
        return;
    }
    if (e->kind == AST_BINARY && e->op >= AST_OP_EQ && e->op <= AST_OP_GE && e->nargs == 2) {
        qv v;
        int flip = 0;
        col = source_column_of(p, e->args[0]);
        if (col < 0) {
            col = source_column_of(p, e->args[1]);
            flip = 1;
        }
        if (col < 0 || operand_value(p, e->args[flip ? 0 : 1], &v) != 0 ||
            fit_value(&p->schema[col], &v, pred) != 0)
            return;
        pred->column = p->schema[col].name;
        pred->op = flip ? flipped[ops[e->op]] : ops[e->op];
        p->npreds++;
    }
}

static int build_predicates(plan *p)
{
    size_t max = 64;
    if (p->rep->filter == NULL || !(p->source->ops.source.caps & QUIRE_SOURCE_CAN_FILTER))
        return 0;
    p->preds = plan_alloc(p, max * sizeof(*p->preds));
    if (p->preds == NULL)
        return -1;
    collect_predicates(p, p->rep->filter, max);
    return 0;
}

/* ============================== Columns read ============================== */

typedef struct need_ctx {
    plan *p;
} need_ctx;

static void mark_column(plan *p, uint32_t col);

static void need_ref(void *vctx, const expr_ref *ref)
{
    need_ctx *n = vctx;
    if (ref->kind == EXPR_REF_COLUMN)
        mark_column(n->p, ref->index);
}

static void mark_column(plan *p, uint32_t col)
{
    need_ctx n = {.p = p};
    if (col < p->nsource) {
        p->needed[col] = 1;
        return;
    }
    if (col < p->nwide && p->wide_expr[col] != NULL)
        expr_visit_refs(p->wide_expr[col], need_ref, &n);
}

static void mark_needed(plan *p)
{
    need_ctx n = {.p = p};
    if (p->filter != NULL)
        expr_visit_refs(p->filter, need_ref, &n);
    for (uint32_t g = 0; g < p->ngroups; g++)
        mark_column(p, p->group_column[g]);
    if (p->mode == PLAN_STREAM)
        for (size_t s = 0; s < p->nsort; s++)
            mark_column(p, p->sort[s].column);
    for (size_t v = 0; v < p->nvars; v++) {
        if (p->vars[v].arg != NULL)
            expr_visit_refs(p->vars[v].arg, need_ref, &n);
        if (p->vars[v].when != NULL)
            expr_visit_refs(p->vars[v].when, need_ref, &n);
    }
    for (size_t i = 0; i < p->ndetails; i++) {
        plan_band *b = p->details[i];
        if (b->print_when != NULL)
            expr_visit_refs(b->print_when, need_ref, &n);
        for (size_t j = 0; j < b->nvalues; j++) {
            if (b->values[j].value != NULL)
                expr_visit_refs(b->values[j].value, need_ref, &n);
            if (b->values[j].print_when != NULL)
                expr_visit_refs(b->values[j].print_when, need_ref, &n);
        }
    }
}

static int build_data_columns(plan *p)
{
    size_t max = 0;
    for (size_t i = 0; i < p->nbands; i++)
        max += p->bands[i].nvalues;
    p->data_columns = plan_alloc(p, (max + 1) * sizeof(*p->data_columns));
    if (p->data_columns == NULL)
        return -1;
    for (size_t i = 0; i < p->nbands; i++) {
        const plan_band *b = &p->bands[i];
        if (is_furniture(b->kind))
            continue;
        for (size_t j = 0; j < b->nvalues; j++) {
            const char *name = b->values[j].name;
            int seen = 0;
            if (name == NULL || b->values[j].is_static)
                continue;
            for (size_t k = 0; k < p->ndata_columns && !seen; k++)
                seen = strcmp(p->data_columns[k], name) == 0;
            if (!seen)
                p->data_columns[p->ndata_columns++] = name;
        }
    }
    return 0;
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
    if (build_bands(p, d) != 0)
        goto fail_oom;
    check_datasets_and_styles(p, d);
    if (d->errors > errors_before)
        goto fail_input;
    if (analyse_bands(p, d) != 0 || build_layout(p) != 0)
        goto fail_oom;
    if (d->errors > errors_before)
        goto fail_input;
    p->mode = p->ndetails > 0 || order_matters(p) ? PLAN_STREAM : PLAN_HASH;
    mark_needed(p);
    if (build_data_columns(p) != 0 || build_predicates(p) != 0)
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
    free(p->vars);
    arena_free(p->arena);
    free(p);
}
