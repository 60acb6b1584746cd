/*
 * run.c - executes a compiled plan (see run.h).
 */
#include "run.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "batch.h"
#include "dataset.h"
#include "sort.h"

#define RUN_BATCH_ROWS     4096
#define ORDINAL_PART_SHIFT 40

/* ============================== Cancel and pause ========================== */

/* Checked before each batch: gives the caller's hook its turn (a paused
 * render waits there), then returns 1 if the run is cancelled. */
static int run_interrupted(const run_options *opt)
{
    if (opt->between_batches != NULL)
        opt->between_batches(opt->between_ctx);
    return opt->cancel != NULL && atomic_load(opt->cancel);
}

/* ============================== Per-thread row state ====================== */

/* What one thread needs to evaluate the plan's per-row expressions over a
 * batch: the wide columns, the variables' inputs, selections. */
/* The lists of row_inputs.row_vars. */
enum { VARS_OTHER, VARS_ROW, VARS_PAGE, VARS_LISTS };

typedef struct row_inputs {
    const plan *p;
    uint32_t capacity;
    quire_column *wide;         /* nwide: source columns (views) + computed */
    quire_column *owned;        /* nwide: the computed vectors this owns */
    quire_column *args;         /* per variable: its evaluated argument */
    quire_column *whens;        /* per variable: its evaluated condition */
    const quire_column **input; /* per variable: the column agg_update reads */
    uint32_t *sel;              /* rows kept by the filter */
    uint32_t nsel;
    uint32_t *sub;      /* scratch selection */
    quire_arena *arena; /* strings computed for the current batch */
    expr_ctx ctx;
    /* The variables update_vars() feeds row by row in the filler: those of
     * every scope but row and page, of the row scope, of the page scope
     * (VARS_*). Worked out once: it runs for every row, and a report has
     * more variables than one row feeds (page totals, unaggregated ones). */
    uint32_t *row_vars[VARS_LISTS];
    uint32_t nrow_vars[VARS_LISTS];
} row_inputs;

static size_t value_width(uint32_t type)
{
    return type == QUIRE_TYPE_STRING ? sizeof(quire_str) : sizeof(int64_t);
}

static int vec_alloc(quire_column *c, uint32_t type, int32_t scale, uint32_t capacity)
{
    c->type = type;
    c->scale = scale;
    c->nulls = calloc(capacity, 1);
    c->v.i64 = calloc(capacity, value_width(type));
    return c->nulls == NULL || c->v.i64 == NULL ? -1 : 0;
}

static void vec_free(quire_column *c)
{
    free(c->nulls);
    free(c->v.i64);
}

static void inputs_free(row_inputs *ri)
{
    const plan *p = ri->p;
    if (p == NULL)
        return;
    if (ri->owned != NULL)
        for (uint32_t c = p->nsource; c < p->nwide; c++)
            vec_free(&ri->owned[c]);
    free(ri->owned);
    if (ri->args != NULL)
        for (size_t v = 0; v < p->nvars; v++) {
            vec_free(&ri->args[v]);
            vec_free(&ri->whens[v]);
        }
    free(ri->wide);
    free(ri->args);
    free(ri->whens);
    free(ri->input);
    free(ri->sel);
    free(ri->sub);
    for (size_t k = 0; k < VARS_LISTS; k++)
        free(ri->row_vars[k]);
    arena_free(ri->arena);
    memset(ri, 0, sizeof(*ri));
}

static int inputs_init(row_inputs *ri, const plan *p, uint32_t capacity)
{
    memset(ri, 0, sizeof(*ri));
    ri->p = p;
    ri->capacity = capacity;
    ri->wide = calloc(p->nwide + 1, sizeof(*ri->wide));
    ri->owned = calloc(p->nwide + 1, sizeof(*ri->owned));
    ri->args = calloc(p->nvars + 1, sizeof(*ri->args));
    ri->whens = calloc(p->nvars + 1, sizeof(*ri->whens));
    ri->input = calloc(p->nvars + 1, sizeof(*ri->input));
    ri->sel = calloc(capacity, sizeof(*ri->sel));
    ri->sub = calloc(capacity, sizeof(*ri->sub));
    ri->arena = arena_new(0);
    if (!ri->wide || !ri->owned || !ri->args || !ri->whens || !ri->input || !ri->sel || !ri->sub ||
        !ri->arena)
        goto fail;
    for (size_t k = 0; k < VARS_LISTS; k++)
        if ((ri->row_vars[k] = calloc(p->nvars + 1, sizeof(*ri->row_vars[k]))) == NULL)
            goto fail;
    for (size_t v = 0; v < p->nvars; v++) {
        const plan_var *pv = &p->vars[v];
        size_t k = pv->scope == PLAN_SCOPE_ROW(p)    ? VARS_ROW
                   : pv->scope == PLAN_SCOPE_PAGE(p) ? VARS_PAGE
                                                     : VARS_OTHER;
        if (pv->calc == CALC_NONE || (pv->arg == NULL && pv->calc != CALC_COUNT))
            continue;
        ri->row_vars[k][ri->nrow_vars[k]++] = (uint32_t)v;
    }
    for (uint32_t c = p->nsource; c < p->nwide; c++) {
        if (vec_alloc(&ri->owned[c], p->wide[c].type, p->wide[c].scale, capacity) != 0)
            goto fail;
        ri->wide[c] = ri->owned[c];
    }
    for (size_t v = 0; v < p->nvars; v++) {
        const plan_var *pv = &p->vars[v];
        if (pv->arg != NULL && pv->arg_column < 0 &&
            vec_alloc(&ri->args[v], expr_type(pv->arg), expr_scale(pv->arg), capacity) != 0)
            goto fail;
        if (pv->when != NULL && vec_alloc(&ri->whens[v], QUIRE_TYPE_BOOL, 0, capacity) != 0)
            goto fail;
    }
    ri->ctx.params = p->params;
    ri->ctx.page = 1;
    ri->ctx.page_count = 1;
    ri->ctx.now_us = p->now_us;
    ri->ctx.locale = p->locale;
    ri->ctx.arena = ri->arena;
    ri->ctx.columns = ri->wide;
    ri->ctx.ncolumns = p->nwide;
    return 0;
fail:
    inputs_free(ri);
    return -1;
}

/* Points the source part of the wide columns at `batch`'s columns. */
static void inputs_bind(row_inputs *ri, const quire_column *columns, uint32_t ncolumns)
{
    for (uint32_t c = 0; c < ncolumns; c++)
        ri->wide[c] = columns[c];
}

/* Computes the wide columns over rows [0, rows) and applies the filter:
 * ri->sel/nsel are the rows kept. */
static int eval_wide(row_inputs *ri, uint32_t rows, quire_error *err)
{
    const plan *p = ri->p;
    for (uint32_t r = 0; r < rows; r++)
        ri->sel[r] = r;
    ri->nsel = rows;
    for (uint32_t c = p->nsource; c < p->nwide; c++)
        if (p->wide_expr[c] != NULL && expr_eval_batch(p->wide_expr[c], &ri->ctx, ri->sel, rows,
                                                       &ri->wide[c], err) != QUIRE_OK)
            return QUIRE_ERR;
    if (p->filter != NULL && expr_filter_batch(p->filter, &ri->ctx, ri->sel, ri->nsel, ri->sel,
                                               &ri->nsel, err) != QUIRE_OK)
        return QUIRE_ERR;
    return QUIRE_OK;
}

/* Evaluates every aggregated variable's argument and condition over sel. */
static int eval_var_inputs(row_inputs *ri, quire_error *err)
{
    const plan *p = ri->p;
    for (size_t v = 0; v < p->nvars; v++) {
        const plan_var *pv = &p->vars[v];
        if (pv->calc == CALC_NONE)
            continue;
        if (pv->arg == NULL) {
            ri->input[v] = NULL;
        } else if (pv->arg_column >= 0) {
            ri->input[v] = &ri->wide[pv->arg_column];
        } else {
            if (expr_eval_batch(pv->arg, &ri->ctx, ri->sel, ri->nsel, &ri->args[v], err) !=
                QUIRE_OK)
                return QUIRE_ERR;
            ri->input[v] = &ri->args[v];
        }
        if (pv->when != NULL &&
            expr_eval_batch(pv->when, &ri->ctx, ri->sel, ri->nsel, &ri->whens[v], err) != QUIRE_OK)
            return QUIRE_ERR;
    }
    return QUIRE_OK;
}

/* The rows of rows[0..n) where variable v's condition holds (all when it
 * has none). Returns the selection (rows itself or ri->sub) and its size. */
static const uint32_t *when_rows(row_inputs *ri, size_t v, const uint32_t *rows, uint32_t n,
                                 uint32_t *out_n)
{
    const quire_column *w = &ri->whens[v];
    uint32_t m = 0;
    if (ri->p->vars[v].when == NULL) {
        *out_n = n;
        return rows;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = rows[i];
        if (!w->nulls[r] && w->v.i64[r])
            ri->sub[m++] = r;
    }
    *out_n = m;
    return ri->sub;
}

/* Adds rows[0..n) to every aggregated variable. `state_of(scope)` gives the
 * state block (with gid NULL), or `base` + gid addresses per-group states. */
static int update_vars(row_inputs *ri, void *(*state_of)(void *ctx, int scope), void *sctx,
                       void *base, const uint32_t *gid, const uint32_t *rows, uint32_t n,
                       int64_t ordinal_base, int only_scope, quire_error *err)
{
    const plan *p = ri->p;
    /* The filler's calls (state_of set) walk the variables they feed. */
    const uint32_t *list = NULL;
    size_t nlist = p->nvars;
    if (state_of != NULL) {
        size_t k = only_scope < 0                     ? VARS_OTHER
                   : only_scope == PLAN_SCOPE_ROW(p)  ? VARS_ROW
                   : only_scope == PLAN_SCOPE_PAGE(p) ? VARS_PAGE
                                                      : VARS_LISTS;
        if (k < VARS_LISTS) {
            list = ri->row_vars[k];
            nlist = ri->nrow_vars[k];
        }
    }
    for (size_t i = 0; i < nlist; i++) {
        size_t v = list != NULL ? list[i] : i;
        const plan_var *pv = &p->vars[v];
        const uint32_t *sel;
        uint32_t m;
        void *target;
        if (list == NULL) {
            if (pv->calc == CALC_NONE || (pv->arg == NULL && pv->calc != CALC_COUNT))
                continue;
            if (only_scope >= 0 && pv->scope != only_scope)
                continue;
            if (only_scope < 0 && state_of != NULL &&
                (pv->scope == PLAN_SCOPE_ROW(p) || pv->scope == PLAN_SCOPE_PAGE(p)))
                continue;
        }
        sel = when_rows(ri, v, rows, n, &m);
        if (m == 0)
            continue;
        target = state_of != NULL ? state_of(sctx, pv->scope) : base;
        if (agg_update(p->layout, pv->acc, target, state_of != NULL ? NULL : gid, ri->input[v], sel,
                       m, ordinal_base, err) != QUIRE_OK)
            return QUIRE_ERR;
    }
    return QUIRE_OK;
}

/* Adds rows[0..n) to the chart datasets of the emitter: the page-scoped
 * ones (page = 1: a row counts for the page its detail landed on) or the
 * others. */
static int feed_datasets(emitter *em, row_inputs *ri, const uint32_t *rows, uint32_t n,
                         int64_t ordinal_base, int page, quire_error *err)
{
    const plan *p = ri->p;
    for (size_t i = 0; i < emit_ndatasets(em); i++) {
        if ((p->datasets[i].scope == PLAN_SCOPE_PAGE(p)) != page)
            continue;
        if (dataset_acc_add(emit_dataset(em, i), &ri->ctx, rows, n, ordinal_base, err) != QUIRE_OK)
            return QUIRE_ERR;
    }
    return QUIRE_OK;
}

/* Whether the plan has a dataset of page scope. */
static int has_page_datasets(const plan *p)
{
    for (size_t i = 0; p->datasets != NULL && i < p->rep->ndatasets; i++)
        if (p->datasets[i].scope == PLAN_SCOPE_PAGE(p))
            return 1;
    return 0;
}

static void note_source_stats(const plan *p, void *instance, run_progress *prog,
                              int64_t *last_bytes, int64_t *skipped, int add_total)
{
    quire_source_stats st;
    if (p->source->ops.source.stats == NULL)
        return;
    memset(&st, 0, sizeof(st));
    st.size = sizeof(st);
    st.bytes_read = -1;
    st.bytes_total = -1;
    p->source->ops.source.stats(instance, &st);
    if (st.bytes_read >= 0) {
        atomic_fetch_add(&prog->bytes_read, st.bytes_read - *last_bytes);
        *last_bytes = st.bytes_read;
    }
    if (add_total && st.bytes_total > 0)
        atomic_fetch_add(&prog->bytes_total, st.bytes_total);
    *skipped = st.rows_skipped;
}

/* ============================== PLAN_HASH ================================= */

typedef struct worker {
    plan *p;
    void *instance;
    uint32_t part;
    row_inputs ri;
    group_table *table; /* groups: one table per worker */
    uint8_t *single;    /* no groups: one state block */
    dataset_acc **ds;   /* per chart dataset (report scope: PLAN_HASH has no other) */
    size_t nds;
    uint32_t *gid;
    run_progress *prog;
    const run_options *opt;
    int64_t rows_read, rows_kept, skipped;
    int rc;
    quire_error err;
} worker;

static void *hash_worker(void *arg)
{
    worker *w = arg;
    plan *p = w->p;
    const quire_source_ops *ops = &p->source->ops.source;
    quire_batch *batch = batch_new(p->schema, p->nsource, RUN_BATCH_ROWS, 0);
    const quire_column *keys[PLAN_MAX_GROUPS];
    int64_t last_bytes = 0;
    int rc;

    w->rc = QUIRE_ERR;
    if (batch == NULL) {
        error_setf(&w->err, QUIRE_E_NOMEM, "out of memory allocating a batch");
        return NULL;
    }
    note_source_stats(p, w->instance, w->prog, &last_bytes, &w->skipped, 1);
    do {
        batch_reset(batch);
        arena_reset(w->ri.arena);
        if (run_interrupted(w->opt)) {
            error_setf(&w->err, QUIRE_E_CANCELED, "render cancelled: no output was written");
            goto done;
        }
        rc = ops->next(w->instance, batch, &w->err);
        if (rc == QUIRE_ERR)
            goto done;
        if (batch->rows == 0)
            continue;
        w->rows_read += batch->rows;
        atomic_fetch_add(&w->prog->rows, batch->rows);
        inputs_bind(&w->ri, batch->columns, p->nsource);
        if (eval_wide(&w->ri, batch->rows, &w->err) != QUIRE_OK ||
            eval_var_inputs(&w->ri, &w->err) != QUIRE_OK)
            goto done;
        w->rows_kept += w->ri.nsel;
        if (w->ri.nsel == 0)
            continue;
        {
            int64_t ordinal_base = ((int64_t)w->part << ORDINAL_PART_SHIFT) + batch->first_row - 1;
            void *base = w->single;
            if (w->table != NULL) {
                for (uint32_t g = 0; g < p->ngroups; g++)
                    keys[g] = &w->ri.wide[p->group_column[g]];
                if (group_table_find(w->table, keys, w->ri.sel, w->ri.nsel, w->gid, &w->err) !=
                    QUIRE_OK)
                    goto done;
                base = group_table_state(w->table, 0);
            }
            if (update_vars(&w->ri, NULL, NULL, base, w->table ? w->gid : NULL, w->ri.sel,
                            w->ri.nsel, ordinal_base, -1, &w->err) != QUIRE_OK)
                goto done;
            for (size_t i = 0; i < w->nds; i++)
                if (dataset_acc_add(w->ds[i], &w->ri.ctx, w->ri.sel, w->ri.nsel, ordinal_base,
                                    &w->err) != QUIRE_OK)
                    goto done;
        }
        note_source_stats(p, w->instance, w->prog, &last_bytes, &w->skipped, 0);
    } while (rc == QUIRE_OK);
    note_source_stats(p, w->instance, w->prog, &last_bytes, &w->skipped, 0);
    w->rc = QUIRE_OK;
done:
    batch_free(batch);
    return NULL;
}

static void *state_in(void *ctx, int scope)
{
    return emit_state(ctx, scope);
}

/* Walks the merged groups in key order into the emitter. */
static int emit_groups(plan *p, group_table *table, emitter *em, quire_error *err)
{
    uint32_t n = group_table_count(table);
    uint32_t *order = group_table_sorted(table, p->group_desc);
    qv keys[PLAN_MAX_GROUPS];
    int rc = QUIRE_ERR;
    if (order == NULL && n > 0) {
        error_setf(err, QUIRE_E_NOMEM, "out of memory sorting %u groups", n);
        return QUIRE_ERR;
    }
    for (uint32_t i = 0; i < n; i++) {
        const void *state = group_table_state(table, order[i]);
        int level;
        for (uint32_t g = 0; g < p->ngroups; g++)
            keys[g] = group_table_key(table, order[i], g);
        level = emit_break(em, keys, err);
        if (level < 0)
            goto done;
        for (uint32_t s = 0; s <= p->ngroups; s++)
            if (agg_merge(p->layout, emit_state(em, (int)s), state, err) != QUIRE_OK)
                goto done;
        if (p->has_page_vars &&
            agg_merge(p->layout, emit_state(em, PLAN_SCOPE_PAGE(p)), state, err) != QUIRE_OK)
            goto done;
        if (emit_open(em, level, err) != QUIRE_OK)
            goto done;
    }
    rc = QUIRE_OK;
done:
    free(order);
    return rc;
}

/* Opens the instance of every worker: the probe itself when one part
 * will do, else one instance per partition (and with the filter's
 * predicates). A source that cannot split this input (a pipe) falls back
 * to the probe, which has already read the start of it. */
static int open_parts(plan *p, worker *w, uint32_t *nparts, quire_error *err)
{
    const quire_source_ops *ops = &p->source->ops.source;
    uint32_t n = *nparts;
    if (n == 1 && p->npreds == 0) {
        w[0].instance = p->probe;
        p->probe = NULL;
        return QUIRE_OK;
    }
    for (uint32_t i = 0; i < n; i++) {
        quire_error part_err = {0};
        if (plan_open_source(p, i, n > 1 ? n : 0, p->arena, &w[i].instance, &part_err) == QUIRE_OK)
            continue;
        w[i].instance = NULL;
        for (uint32_t j = 0; j < i; j++) {
            ops->close(w[j].instance);
            w[j].instance = NULL;
        }
        if (n == 1 || p->npreds > 0) {
            *err = part_err;
            return QUIRE_ERR;
        }
        *nparts = 1;
        w[0].instance = p->probe;
        p->probe = NULL;
        return QUIRE_OK;
    }
    ops->close(p->probe);
    p->probe = NULL;
    return QUIRE_OK;
}

static int run_hash(plan *p, emitter *em, const run_options *opt, run_progress *prog,
                    run_stats *stats, quire_error *err)
{
    const quire_source_ops *ops = &p->source->ops.source;
    uint32_t nparts = 1;
    worker *w;
    pthread_t *threads;
    int rc = QUIRE_ERR;
    int64_t kept = 0;

    if ((ops->caps & QUIRE_SOURCE_CAN_PARTITION) && opt->workers > 1)
        nparts = (uint32_t)opt->workers;
    if (nparts > 16)
        nparts = 16;
    w = calloc(nparts, sizeof(*w));
    threads = calloc(nparts, sizeof(*threads));
    if (w == NULL || threads == NULL) {
        error_setf(err, QUIRE_E_NOMEM, "out of memory starting workers");
        goto done;
    }
    prog->estimate = ops->estimate != NULL ? ops->estimate(p->probe) : -1;
    if (open_parts(p, w, &nparts, err) != QUIRE_OK)
        goto done;
    for (uint32_t i = 0; i < nparts; i++) {
        w[i].p = p;
        w[i].part = i;
        w[i].prog = prog;
        w[i].opt = opt;
        if (ops->project != NULL && (ops->caps & QUIRE_SOURCE_CAN_PROJECT) &&
            ops->project(w[i].instance, p->needed, p->nsource, err) != QUIRE_OK)
            goto done;
        if (inputs_init(&w[i].ri, p, RUN_BATCH_ROWS) != 0)
            goto fail_oom;
        w[i].nds = emit_ndatasets(em);
        w[i].ds = calloc(w[i].nds + 1, sizeof(*w[i].ds));
        if (w[i].ds == NULL)
            goto fail_oom;
        for (size_t k = 0; k < w[i].nds; k++)
            if ((w[i].ds[k] = dataset_acc_new(p, &p->datasets[k])) == NULL)
                goto fail_oom;
        if (p->ngroups > 0) {
            uint32_t types[PLAN_MAX_GROUPS];
            int32_t scales[PLAN_MAX_GROUPS];
            for (uint32_t g = 0; g < p->ngroups; g++) {
                types[g] = p->wide[p->group_column[g]].type;
                scales[g] = p->wide[p->group_column[g]].scale;
            }
            w[i].table = group_table_new(p->layout, types, scales, p->ngroups);
            w[i].gid = calloc(RUN_BATCH_ROWS, sizeof(*w[i].gid));
            if (w[i].table == NULL || w[i].gid == NULL)
                goto fail_oom;
        } else {
            w[i].single = calloc(1, agg_state_size(p->layout) + 1);
            if (w[i].single == NULL)
                goto fail_oom;
            agg_state_init(p->layout, w[i].single);
        }
    }
    for (uint32_t i = 0; i < nparts; i++)
        if (pthread_create(&threads[i], NULL, hash_worker, &w[i]) != 0) {
            /* Run it here instead: correctness does not depend on threads. */
            threads[i] = 0;
            hash_worker(&w[i]);
        }
    for (uint32_t i = 0; i < nparts; i++)
        if (threads[i] != 0)
            pthread_join(threads[i], NULL);
    stats->partitions = (int)nparts;
    for (uint32_t i = 0; i < nparts; i++) {
        stats->rows_read += w[i].rows_read;
        stats->rows_skipped += w[i].skipped;
        kept += w[i].rows_kept;
    }
    stats->rows_kept = kept;
    for (uint32_t i = 0; i < nparts; i++)
        if (w[i].rc != QUIRE_OK) {
            *err = w[i].err;
            goto done;
        }
    /* Merge partitions into the first. */
    for (uint32_t i = 1; i < nparts; i++) {
        if (w[0].table != NULL) {
            if (group_table_merge(w[0].table, w[i].table, err) != QUIRE_OK)
                goto done;
        } else if (agg_merge(p->layout, w[0].single, w[i].single, err) != QUIRE_OK) {
            goto done;
        }
    }
    for (uint32_t i = 0; i < nparts; i++)
        for (size_t k = 0; k < w[i].nds; k++)
            if (dataset_acc_merge(emit_dataset(em, k), w[i].ds[k], err) != QUIRE_OK)
                goto done;
    atomic_store(&prog->phase, RUN_PHASE_EMIT);
    if (w[0].table != NULL) {
        stats->groups = group_table_count(w[0].table);
        if (emit_groups(p, w[0].table, em, err) != QUIRE_OK)
            goto done;
    } else if (kept > 0) {
        int level = emit_break(em, NULL, err);
        stats->groups = 1;
        if (level < 0 || agg_merge(p->layout, emit_state(em, 0), w[0].single, err) != QUIRE_OK ||
            (p->has_page_vars && agg_merge(p->layout, emit_state(em, PLAN_SCOPE_PAGE(p)),
                                           w[0].single, err) != QUIRE_OK) ||
            emit_open(em, level, err) != QUIRE_OK)
            goto done;
    }
    rc = emit_finish(em, err);
    goto done;

fail_oom:
    error_setf(err, QUIRE_E_NOMEM, "out of memory preparing the aggregation");
done:
    if (w != NULL)
        for (uint32_t i = 0; i < nparts; i++) {
            if (w[i].instance != NULL)
                ops->close(w[i].instance);
            inputs_free(&w[i].ri);
            group_table_free(w[i].table);
            for (size_t k = 0; w[i].ds != NULL && k < w[i].nds; k++)
                dataset_acc_free(w[i].ds[k]);
            free(w[i].ds);
            if (w[i].single != NULL) {
                agg_state_destroy(p->layout, w[i].single);
                free(w[i].single);
            }
            free(w[i].gid);
        }
    free(w);
    free(threads);
    return rc;
}

/* ============================== PLAN_STREAM =============================== */

typedef struct streamer {
    plan *p;
    emitter *em;
    int64_t groups; /* innermost groups started */
    row_inputs ri;
    qv keys[PLAN_MAX_GROUPS];
    int64_t ordinal;   /* rows emitted so far */
    int page_datasets; /* some chart dataset resets with every page */
} streamer;

static void read_keys(streamer *s, uint32_t row, qv *keys)
{
    for (uint32_t g = 0; g < s->p->ngroups; g++)
        keys[g] = qv_from_column(&s->ri.wide[s->p->group_column[g]], row);
}

static int same_keys(const qv *a, const qv *b, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (!qv_same_key(&a[i], &b[i]))
            return 0;
    return 1;
}

/* One row: reset-none variables, then the detail bands. */
static int detail_row(streamer *s, uint32_t row, int64_t ordinal_base, quire_error *err)
{
    plan *p = s->p;
    int row_scope = PLAN_SCOPE_ROW(p);
    s->ordinal++;
    if (p->details_read_vars) {
        agg_state_reset(p->layout, emit_state(s->em, row_scope));
        if (update_vars(&s->ri, state_in, s->em, NULL, NULL, &row, 1, ordinal_base, row_scope,
                        err) != QUIRE_OK)
            return QUIRE_ERR;
    }
    if (emit_detail(s->em, s->ri.wide, row, s->ordinal, err) != QUIRE_OK)
        return QUIRE_ERR;
    /* A row counts for the page its detail landed on: the filler may have
     * started a new page (and reset the page scope) to place it. */
    if (s->page_datasets && feed_datasets(s->em, &s->ri, &row, 1, ordinal_base, 1, err) != QUIRE_OK)
        return QUIRE_ERR;
    if (p->has_page_vars)
        return update_vars(&s->ri, state_in, s->em, NULL, NULL, &row, 1, ordinal_base,
                           PLAN_SCOPE_PAGE(p), err);
    return QUIRE_OK;
}

/* Feeds the rows ri.sel of the current (ordered) batch. */
static int stream_batch(streamer *s, int64_t ordinal_base, quire_error *err)
{
    plan *p = s->p;
    row_inputs *ri = &s->ri;
    uint32_t i = 0;
    qv next[PLAN_MAX_GROUPS];

    if (eval_var_inputs(ri, err) != QUIRE_OK)
        return QUIRE_ERR;
    while (i < ri->nsel) {
        uint32_t start = i, end = i + 1;
        int level;
        read_keys(s, ri->sel[start], next);
        while (end < ri->nsel && p->ngroups > 0) {
            qv k[PLAN_MAX_GROUPS];
            read_keys(s, ri->sel[end], k);
            if (!same_keys(k, next, p->ngroups))
                break;
            end++;
        }
        if (p->ngroups == 0)
            end = ri->nsel;
        level = emit_break(s->em, next, err);
        if (level < 0)
            return QUIRE_ERR;
        if (level <= (int)p->ngroups)
            s->groups++;
        /* The unit's rows count for the groups it opens (their footers
         * drew the closed groups' datasets, which then started over). */
        if (feed_datasets(s->em, ri, &ri->sel[start], end - start, ordinal_base, 0, err) !=
                QUIRE_OK ||
            (s->page_datasets && p->ndetails == 0 &&
             feed_datasets(s->em, ri, &ri->sel[start], end - start, ordinal_base, 1, err) !=
                 QUIRE_OK))
            return QUIRE_ERR;
        /* The first row counts before the headers print (see emit.h). */
        if (update_vars(ri, state_in, s->em, NULL, NULL, &ri->sel[start], 1, ordinal_base, -1,
                        err) != QUIRE_OK ||
            emit_open(s->em, level, err) != QUIRE_OK)
            return QUIRE_ERR;
        if (p->ndetails > 0 && detail_row(s, ri->sel[start], ordinal_base, err) != QUIRE_OK)
            return QUIRE_ERR;
        if (p->details_read_vars || p->has_page_vars) {
            for (uint32_t r = start + 1; r < end; r++)
                if (update_vars(ri, state_in, s->em, NULL, NULL, &ri->sel[r], 1, ordinal_base, -1,
                                err) != QUIRE_OK ||
                    detail_row(s, ri->sel[r], ordinal_base, err) != QUIRE_OK)
                    return QUIRE_ERR;
        } else {
            if (end > start + 1 && update_vars(ri, state_in, s->em, NULL, NULL, &ri->sel[start + 1],
                                               end - start - 1, ordinal_base, -1, err) != QUIRE_OK)
                return QUIRE_ERR;
            for (uint32_t r = start + 1; r < end && p->ndetails > 0; r++)
                if (detail_row(s, ri->sel[r], ordinal_base, err) != QUIRE_OK)
                    return QUIRE_ERR;
        }
        i = end;
    }
    return QUIRE_OK;
}

/* Can the source deliver the plan's order itself? Only plain source
 * columns can be pushed down. */
static int source_can_sort(const plan *p)
{
    const quire_source_ops *ops = &p->source->ops.source;
    if (!(ops->caps & QUIRE_SOURCE_CAN_SORT) || ops->ordered == NULL)
        return 0;
    for (size_t i = 0; i < p->nsort; i++)
        if (p->sort[i].column >= p->nsource)
            return 0;
    return 1;
}

static int run_stream(plan *p, emitter *em, const run_options *opt, run_progress *prog,
                      run_stats *stats, quire_error *err)
{
    const quire_source_ops *ops = &p->source->ops.source;
    streamer s = {.p = p, .em = em, .page_datasets = has_page_datasets(p)};
    quire_batch *batch = NULL, *wide_out = NULL;
    sorter *srt = NULL;
    void *instance = p->probe;
    int64_t last_bytes = 0;
    int rc, result = QUIRE_ERR;

    p->probe = NULL;
    prog->estimate = ops->estimate != NULL ? ops->estimate(instance) : -1;
    if ((p->nsort > 0 && source_can_sort(p)) || p->npreds > 0) {
        /* Reopen with the order and the filter predicates; keep the order
         * only if the source says it obliged. */
        quire_sort_key keys[32];
        int want_sort = p->nsort > 0 && source_can_sort(p);
        size_t nkeys = want_sort ? (p->nsort < 32 ? p->nsort : 32) : 0;
        void *reopened = NULL;
        for (size_t i = 0; i < nkeys; i++) {
            keys[i].column = p->schema[p->sort[i].column].name;
            keys[i].desc = (uint32_t)p->sort[i].desc;
            keys[i].nulls_first = (uint32_t)p->sort[i].nulls_first;
        }
        if (plan_open_sorted(p, 0, 0, keys, nkeys, p->arena, &reopened, err) != QUIRE_OK)
            goto done;
        ops->close(instance);
        instance = reopened;
        if (want_sort && nkeys == p->nsort && ops->ordered(instance))
            stats->sorted_by = 1;
    }
    if (ops->project != NULL && (ops->caps & QUIRE_SOURCE_CAN_PROJECT) &&
        ops->project(instance, p->needed, p->nsource, err) != QUIRE_OK)
        goto done;
    batch = batch_new(p->schema, p->nsource, RUN_BATCH_ROWS, 0);
    if (batch == NULL || inputs_init(&s.ri, p, RUN_BATCH_ROWS) != 0)
        goto fail_oom;
    if (p->nsort > 0 && stats->sorted_by == 0) {
        stats->sorted_by = 2;
        sort_key keys[64];
        size_t nkeys = p->nsort < 64 ? p->nsort : 64;
        for (size_t i = 0; i < nkeys; i++) {
            keys[i].column = p->sort[i].column;
            keys[i].desc = p->sort[i].desc;
            keys[i].nulls_first = p->sort[i].nulls_first;
        }
        srt = sorter_new(p->wide, p->nwide, keys, nkeys, opt->sort_memory, opt->temp_dir, err);
        if (srt == NULL)
            goto done;
        sorter_set_threads(srt, opt->workers > 0 ? (unsigned)opt->workers : 1);
        wide_out = batch_new(p->wide, p->nwide, RUN_BATCH_ROWS, 0);
        if (wide_out == NULL)
            goto fail_oom;
    }
    stats->partitions = 1;
    note_source_stats(p, instance, prog, &last_bytes, &stats->rows_skipped, 1);
    do {
        batch_reset(batch);
        arena_reset(s.ri.arena);
        if (run_interrupted(opt)) {
            error_setf(err, QUIRE_E_CANCELED, "render cancelled: no output was written");
            goto done;
        }
        rc = ops->next(instance, batch, err);
        if (rc == QUIRE_ERR)
            goto done;
        if (batch->rows == 0)
            continue;
        stats->rows_read += batch->rows;
        atomic_fetch_add(&prog->rows, batch->rows);
        inputs_bind(&s.ri, batch->columns, p->nsource);
        if (eval_wide(&s.ri, batch->rows, err) != QUIRE_OK)
            goto done;
        stats->rows_kept += s.ri.nsel;
        if (srt != NULL) {
            quire_batch view = *batch;
            view.columns = s.ri.wide;
            view.ncolumns = p->nwide;
            if (s.ri.nsel > 0 && sorter_add(srt, &view, s.ri.sel, s.ri.nsel, err) != QUIRE_OK)
                goto done;
        } else if (stream_batch(&s, s.ordinal, err) != QUIRE_OK) {
            goto done;
        }
        note_source_stats(p, instance, prog, &last_bytes, &stats->rows_skipped, 0);
    } while (rc == QUIRE_OK);
    note_source_stats(p, instance, prog, &last_bytes, &stats->rows_skipped, 0);
    if (srt != NULL) {
        sort_stats ss;
        atomic_store(&prog->phase, RUN_PHASE_SORT);
        if (sorter_finish(srt, err) != QUIRE_OK)
            goto done;
        atomic_store(&prog->phase, RUN_PHASE_EMIT);
        do {
            batch_reset(wide_out);
            arena_reset(s.ri.arena);
            if (run_interrupted(opt)) {
                error_setf(err, QUIRE_E_CANCELED, "render cancelled: no output was written");
                goto done;
            }
            rc = sorter_next(srt, wide_out, err);
            if (rc == QUIRE_ERR)
                goto done;
            if (wide_out->rows == 0)
                continue;
            inputs_bind(&s.ri, wide_out->columns, p->nwide);
            for (uint32_t r = 0; r < wide_out->rows; r++)
                s.ri.sel[r] = r;
            s.ri.nsel = wide_out->rows;
            if (stream_batch(&s, s.ordinal, err) != QUIRE_OK)
                goto done;
        } while (rc == QUIRE_OK);
        sorter_stats(srt, &ss);
        stats->sort_runs = ss.runs;
        stats->sort_bytes_spilled = ss.bytes_spilled;
    }
    result = emit_finish(em, err);
    stats->groups = s.groups;
    goto done;

fail_oom:
    error_setf(err, QUIRE_E_NOMEM, "out of memory preparing the run");
done:
    if (instance != NULL)
        ops->close(instance);
    sorter_free(srt);
    batch_free(batch);
    batch_free(wide_out);
    inputs_free(&s.ri);
    return result;
}

/* ============================== run_plan ================================== */

int run_plan(plan *p, emit_sink sink, const run_options *opt, run_progress *progress,
             run_stats *stats, quire_error *err)
{
    emitter *em = emit_new(p, sink);
    if (em != NULL && sink.attach != NULL)
        sink.attach(sink.ctx, em);
    int rc;
    memset(stats, 0, sizeof(*stats));
    if (em == NULL) {
        error_setf(err, QUIRE_E_NOMEM, "out of memory starting the run");
        return QUIRE_ERR;
    }
    rc = p->mode == PLAN_HASH ? run_hash(p, em, opt, progress, stats, err)
                              : run_stream(p, em, opt, progress, stats, err);
    if (rc == QUIRE_OK && sink.finish != NULL)
        rc = sink.finish(sink.ctx, err);
    stats->instances = emit_count(em);
    stats->peak_held = emit_peak_held(em);
    emit_free(em);
    return rc;
}
