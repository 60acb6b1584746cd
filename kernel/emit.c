/*
 * emit.c - band instances in report order, with delayed values held back
 * until their scope ends (see emit.h).
 */
#include "emit.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "dataset.h"
#include "plan_chart.h"
#include "plan_int.h"

/* What evaluating one value of a band needs to know, worked out once. */
typedef struct value_plan {
    fmt_compiled *pattern; /* its pattern read once, or NULL: none */
    int column;            /* its value is this wide column as it is, or -1 */
    uint32_t type;         /* the value's type and scale */
    int32_t scale;
    /* The text the pattern gave the last value, kept when it was short:
     * rows sorted by a date show the same date row after row, and a date
     * pattern is the dearest to apply. memo_len 0: nothing kept. */
    qv memo_value;
    uint8_t memo_len;
    char memo[47];
} value_plan;

/* One band instance waiting in the queue. */
typedef struct slot {
    const plan_band *band;
    quire_band_instance inst;
    quire_band_value *values; /* band->nvalues, aligned with band->values */
    uint8_t *status;          /* per value: VALUE_READY, _PENDING or _OMITTED */
    size_t npending;
} slot;

#define VALUE_READY   0
#define VALUE_PENDING 1
#define VALUE_OMITTED 2

/* A delayed value of an instance already given to the filler. */
typedef struct pending_value {
    const plan_band *band;
    uint32_t item;
    uint32_t id;
    int scope;
} pending_value;

/* The current key of one group level; strings copied. */
typedef struct level_key {
    qv value;
    char *buf;
    size_t cap;
} level_key;

struct emitter {
    const plan *p;
    emit_sink sink;
    size_t state_size;
    uint8_t *states;      /* nscopes blocks */
    int nscopes;          /* report, group levels, row, page */
    qv *vars;             /* current values, nvars */
    level_key *keys;      /* ngroups */
    int started;          /* the first unit arrived */
    quire_arena *scratch; /* per instance evaluation, reset after each send */
    quire_arena *held;    /* strings of queued instances */
    slot *queue;
    size_t nqueue, cap;
    size_t peak_held;
    int64_t sent;
    quire_band_value *values; /* scratch array for direct sends */
    size_t values_cap;

    /* Page formats (sink.fill): delayed values waiting for their scope. */
    pending_value *pending;
    size_t npending, pending_cap;
    uint32_t next_id;
    emit_item *items; /* scratch, values_cap entries */

    /* Per band of p->bands, per value: what every row's evaluation can
     * know beforehand. */
    value_plan *vplans;
    size_t *vplan_off; /* per band: its first entry in vplans */

    /* Chart datasets, per p->datasets: reset when their scope ends. */
    dataset_acc **datasets;
    size_t ndatasets;
};

/* ============================== Setup ===================================== */

/* Plans every value of every band: they are evaluated for every row. */
static int plan_values(emitter *em)
{
    const plan *p = em->p;
    size_t total = 0;

    em->vplan_off = calloc(p->nbands + 1, sizeof(*em->vplan_off));
    if (em->vplan_off == NULL)
        return -1;
    for (size_t b = 0; b < p->nbands; b++) {
        em->vplan_off[b] = total;
        total += p->bands[b].nvalues;
    }
    em->vplan_off[p->nbands] = total;
    em->vplans = calloc(total + 1, sizeof(*em->vplans));
    if (em->vplans == NULL)
        return -1;
    for (size_t b = 0; b < p->nbands; b++)
        for (size_t i = 0; i < p->bands[b].nvalues; i++) {
            const plan_value *pv = &p->bands[b].values[i];
            value_plan *vp = &em->vplans[em->vplan_off[b] + i];
            vp->column = pv->value != NULL ? expr_column_ref(pv->value) : -1;
            vp->type = pv->value != NULL ? expr_type(pv->value) : QUIRE_TYPE_NULL;
            vp->scale = pv->value != NULL ? expr_scale(pv->value) : 0;
            if (pv->pattern != NULL && (vp->pattern = fmt_compile(pv->pattern)) == NULL)
                return -1;
        }
    return 0;
}

/* The plan of value `i` of `band`, or NULL for a band the plan does not
 * list (its values are then evaluated without one). */
static value_plan *vplan_of(const emitter *em, const plan_band *band, size_t i)
{
    uintptr_t first = (uintptr_t)em->p->bands, at = (uintptr_t)band;
    size_t b;

    if (em->vplans == NULL || at < first || at >= first + em->p->nbands * sizeof(*band))
        return NULL;
    b = (at - first) / sizeof(*band);
    return i < band->nvalues ? &em->vplans[em->vplan_off[b] + i] : NULL;
}

emitter *emit_new(const plan *p, emit_sink sink)
{
    emitter *em = calloc(1, sizeof(*em));
    if (em == NULL)
        return NULL;
    em->p = p;
    em->sink = sink;
    em->nscopes = PLAN_NSCOPES(p);
    em->state_size = agg_state_size(p->layout);
    em->states = calloc((size_t)em->nscopes, em->state_size ? em->state_size : 1);
    em->vars = calloc(p->nvars + 1, sizeof(*em->vars));
    em->keys = calloc(p->ngroups + 1, sizeof(*em->keys));
    em->scratch = arena_new(0);
    em->held = arena_new(0);
    em->ndatasets = p->datasets != NULL ? p->rep->ndatasets : 0;
    em->datasets = calloc(em->ndatasets + 1, sizeof(*em->datasets));
    if (!em->states || !em->vars || !em->keys || !em->scratch || !em->held || !em->datasets ||
        plan_values(em) != 0) {
        emit_free(em);
        return NULL;
    }
    for (size_t i = 0; i < em->ndatasets; i++)
        if ((em->datasets[i] = dataset_acc_new(p, &p->datasets[i])) == NULL) {
            emit_free(em);
            return NULL;
        }
    for (int s = 0; s < em->nscopes; s++)
        agg_state_init(p->layout, em->states + (size_t)s * em->state_size);
    return em;
}

void emit_free(emitter *em)
{
    if (em == NULL)
        return;
    if (em->states != NULL)
        for (int s = 0; s < em->nscopes; s++)
            agg_state_destroy(em->p->layout, em->states + (size_t)s * em->state_size);
    free(em->states);
    free(em->vars);
    if (em->keys != NULL)
        for (uint32_t l = 0; l < em->p->ngroups; l++)
            free(em->keys[l].buf);
    free(em->keys);
    arena_free(em->scratch);
    arena_free(em->held);
    free(em->queue);
    free(em->values);
    free(em->items);
    free(em->pending);
    if (em->vplans != NULL)
        for (size_t i = 0; i < em->vplan_off[em->p->nbands]; i++)
            fmt_compiled_free(em->vplans[i].pattern);
    free(em->vplans);
    free(em->vplan_off);
    if (em->datasets != NULL)
        for (size_t i = 0; i < em->ndatasets; i++)
            dataset_acc_free(em->datasets[i]);
    free(em->datasets);
    free(em);
}

size_t emit_ndatasets(const emitter *em)
{
    return em->ndatasets;
}

dataset_acc *emit_dataset(emitter *em, size_t i)
{
    return em->datasets[i];
}

/* Datasets of `scope` start over (their scope ended). */
static void reset_datasets(emitter *em, int scope)
{
    for (size_t i = 0; i < em->ndatasets; i++)
        if (em->p->datasets[i].scope == scope)
            dataset_acc_reset(em->datasets[i]);
}

void *emit_state(emitter *em, int scope)
{
    return em->states + (size_t)scope * em->state_size;
}

int64_t emit_count(const emitter *em)
{
    return em->sent;
}
size_t emit_peak_held(const emitter *em)
{
    return em->peak_held;
}

/* ============================== Evaluation ================================ */

/* Computes the variables `band` reads into em->vars. */
static int load_vars(emitter *em, const plan_band *band, const expr_ctx *ctx, quire_error *err)
{
    const plan *p = em->p;
    for (size_t v = 0; v < p->nvars; v++) {
        const plan_var *pv = &p->vars[v];
        if (band != NULL && !band->vars_used[v])
            continue;
        if (pv->calc == CALC_NONE) {
            if (pv->value == NULL || expr_eval(pv->value, ctx, 0, &em->vars[v], err) != QUIRE_OK)
                return QUIRE_ERR;
            continue;
        }
        if (agg_result(p->layout, pv->acc, emit_state(em, pv->scope), &em->vars[v], em->scratch,
                       err) != QUIRE_OK)
            return QUIRE_ERR;
    }
    return QUIRE_OK;
}

static quire_value to_value(const qv *v)
{
    quire_value out;
    memset(&out, 0, sizeof(out));
    out.type = v->type;
    out.scale = v->scale;
    out.null = v->null;
    if (v->null)
        return out;
    if (v->type == QUIRE_TYPE_FLOAT)
        out.v.f64 = v->u.f;
    else if (v->type == QUIRE_TYPE_STRING)
        out.v.str = v->u.s;
    else
        out.v.i64 = v->u.i;
    return out;
}

/* A chart's value: its dataset as it is now, packed (dataset.h), as the
 * value's "text" in `arena` (8-aligned there, so it can be relocated). */
static int chart_value(emitter *em, const plan_value *pv, quire_arena *arena, quire_band_value *out,
                       quire_error *err)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    char *copy;
    if (dataset_acc_pack(em->datasets[pv->chart->dataset], em->p->locale, &bytes, &len, err) !=
        QUIRE_OK)
        return QUIRE_ERR;
    copy = arena_alloc(arena, len);
    if (copy == NULL) {
        free(bytes);
        error_setf(err, QUIRE_E_NOMEM, "out of memory evaluating a chart");
        return QUIRE_ERR;
    }
    memcpy(copy, bytes, len);
    free(bytes);
    out->value.type = QUIRE_TYPE_NULL;
    out->value.null = 1;
    out->text.ptr = copy;
    out->text.len = len;
    return QUIRE_OK;
}

/* Whether two values that are not strings format alike: the same type,
 * scale and bits (a float's bits, so -0 and NaNs are told apart). */
static int same_formatted(const qv *a, const qv *b)
{
    if (a->type != b->type || a->scale != b->scale || a->null != b->null ||
        a->type == QUIRE_TYPE_STRING)
        return 0;
    if (a->null)
        return 1;
    if (a->type == QUIRE_TYPE_FLOAT)
        return memcmp(&a->u.f, &b->u.f, sizeof(a->u.f)) == 0;
    return a->u.i == b->u.i;
}

/* Evaluates value `i` of `band` into `out`; its bytes go to `arena`.
 * *omitted = 1 when its print_when is false. */
static int eval_value(emitter *em, const plan_band *band, size_t i, const expr_ctx *ctx,
                      uint32_t row, quire_arena *arena, quire_band_value *out, int *omitted,
                      quire_error *err)
{
    const plan_value *pv = &band->values[i];
    value_plan *vp = vplan_of(em, band, i);
    const fmt_compiled *pattern = vp != NULL ? vp->pattern : NULL;
    const quire_column *c;
    qv v;
    char buf[256];
    size_t need;

    *omitted = 0;
    memset(out, 0, sizeof(*out));
    out->name = pv->name;
    if (pv->print_when != NULL) {
        qv w;
        if (expr_eval(pv->print_when, ctx, row, &w, err) != QUIRE_OK)
            return QUIRE_ERR;
        if (w.null || !w.u.i) {
            *omitted = 1;
            return QUIRE_OK;
        }
    }
    if (pv->chart != NULL)
        return chart_value(em, pv, arena, out, err);
    if (pv->is_static) {
        out->is_static = 1;
        out->value.type = QUIRE_TYPE_STRING;
        out->value.v.str.ptr = pv->text;
        out->value.v.str.len = strlen(pv->text);
        out->text = out->value.v.str;
        return QUIRE_OK;
    }
    /* A field showing a column as it is (most do) reads it straight;
     * expr_eval() does the same with more steps, and says what is wrong
     * when the column does not have the value's type. */
    if (vp != NULL && vp->column >= 0 && ctx->columns != NULL &&
        (uint32_t)vp->column < ctx->ncolumns && (c = &ctx->columns[vp->column])->type == vp->type &&
        (c->type != QUIRE_TYPE_DECIMAL || c->scale == vp->scale))
        v = qv_from_column(c, row);
    else if (expr_eval(pv->value, ctx, row, &v, err) != QUIRE_OK)
        return QUIRE_ERR;
    /* Bytes from the batch or the scratch arena are valid for a direct
     * send; an instance held back must own them. */
    if (v.type == QUIRE_TYPE_STRING && !v.null && arena == em->held) {
        char *copy = arena_strndup(arena, v.u.s.ptr, v.u.s.len);
        if (copy == NULL)
            goto fail_oom;
        v.u.s.ptr = copy;
    }
    out->value = to_value(&v);
    if (v.type == QUIRE_TYPE_STRING && !v.null && pv->pattern == NULL) {
        out->text = v.u.s; /* a string's canonical text is itself */
        return QUIRE_OK;
    }
    if (pattern != NULL && vp->memo_len > 0 && same_formatted(&vp->memo_value, &v)) {
        out->text.ptr = arena_strndup(arena, vp->memo, vp->memo_len);
        if (out->text.ptr == NULL)
            goto fail_oom;
        out->text.len = vp->memo_len;
        return QUIRE_OK;
    }
    if (pattern != NULL) {
        need = fmt_value_compiled(&v, pattern, em->p->locale, buf, sizeof(buf));
        /* An empty text is not kept: memo_len 0 means none. */
        if (need > 0 && need <= sizeof(vp->memo)) {
            memcpy(vp->memo, buf, need);
            vp->memo_len = (uint8_t)need;
            vp->memo_value = v;
        }
    } else
        need = fmt_value(&v, pv->pattern, em->p->locale, buf, sizeof(buf));
    if (need < sizeof(buf)) {
        out->text.ptr = arena_strndup(arena, buf, need);
    } else {
        char *big = arena_alloc(arena, need + 1);
        if (big != NULL)
            fmt_value(&v, pv->pattern, em->p->locale, big, need + 1);
        out->text.ptr = big;
    }
    if (out->text.ptr == NULL)
        goto fail_oom;
    out->text.len = need;
    return QUIRE_OK;

fail_oom:
    error_setf(err, QUIRE_E_NOMEM, "out of memory evaluating a band");
    return QUIRE_ERR;
}

static void fill_context(emitter *em, expr_ctx *ctx, const quire_column *columns,
                         quire_arena *arena)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->columns = columns;
    ctx->ncolumns = columns ? em->p->nwide : 0;
    ctx->params = em->p->params;
    ctx->vars = em->vars;
    ctx->page = 1;
    ctx->page_count = 1;
    ctx->now_us = em->p->now_us;
    ctx->locale = em->p->locale;
    ctx->arena = arena;
}

/* ============================== Queue ===================================== */

static int send(emitter *em, const quire_band_instance *inst, quire_error *err)
{
    em->sent++;
    return em->sink.band(em->sink.ctx, inst, err);
}

/* Sends the ready slots at the head of the queue. */
static int flush(emitter *em, quire_error *err)
{
    size_t i = 0;
    while (i < em->nqueue && em->queue[i].npending == 0) {
        slot *s = &em->queue[i];
        size_t n = 0;
        for (size_t v = 0; v < s->band->nvalues; v++)
            if (s->status[v] != VALUE_OMITTED)
                s->values[n++] = s->values[v];
        s->inst.values = s->values;
        s->inst.nvalues = n;
        if (send(em, &s->inst, err) != QUIRE_OK)
            return QUIRE_ERR;
        i++;
    }
    if (i > 0) {
        memmove(em->queue, em->queue + i, (em->nqueue - i) * sizeof(*em->queue));
        em->nqueue -= i;
    }
    if (em->nqueue == 0)
        arena_reset(em->held);
    return QUIRE_OK;
}

/* The conditional styles of value `i` that apply now (bit k: cond k). */
static int eval_conds(const plan_value *pv, const expr_ctx *ctx, uint32_t row, uint32_t *mask,
                      quire_error *err)
{
    *mask = 0;
    for (uint32_t k = 0; k < pv->nconds && k < 32; k++) {
        qv w;
        if (pv->cond_when[k] == NULL)
            continue;
        if (expr_eval(pv->cond_when[k], ctx, row, &w, err) != QUIRE_OK)
            return QUIRE_ERR;
        if (!w.null && w.u.i)
            *mask |= 1u << k;
    }
    return QUIRE_OK;
}

static int grow_scratch(emitter *em, size_t n)
{
    quire_band_value *values;
    emit_item *items;
    if (em->values_cap >= n + 1)
        return 0;
    values = realloc(em->values, (n + 1) * sizeof(*values));
    if (values == NULL)
        return -1;
    em->values = values;
    items = realloc(em->items, (n + 1) * sizeof(*items));
    if (items == NULL)
        return -1;
    em->items = items;
    em->values_cap = n + 1;
    return 0;
}

static int add_pending(emitter *em, const plan_band *band, size_t item, int scope, uint32_t *id)
{
    if (em->npending == em->pending_cap) {
        size_t cap = em->pending_cap ? em->pending_cap * 2 : 16;
        pending_value *grown = realloc(em->pending, cap * sizeof(*grown));
        if (grown == NULL)
            return -1;
        em->pending = grown;
        em->pending_cap = cap;
    }
    *id = ++em->next_id;
    em->pending[em->npending++] = (pending_value){band, (uint32_t)item, *id, scope};
    return 0;
}

static void instance_header(emitter *em, const plan_band *band, int64_t ordinal, int level,
                            quire_band_instance *inst)
{
    memset(inst, 0, sizeof(*inst));
    inst->size = sizeof(*inst);
    inst->band = band->kind;
    inst->group_level = band->kind == QUIRE_BAND_DETAIL ? em->p->ngroups : (uint32_t)level;
    inst->row = band->kind == QUIRE_BAND_DETAIL ? ordinal : 0;
    if (level > 0 && band->kind != QUIRE_BAND_DETAIL) {
        const level_key *k = &em->keys[level - 1];
        inst->group = em->p->rep->groups[level - 1].name;
        inst->group_value = to_value(&k->value);
    }
}

/* Page formats: evaluates every element of `band` and gives it to the
 * filler at once; delayed values become placeholders. `page` >= 1 for
 * furniture (its page_count() and evaluation = page values stay pending
 * with id 0 and are not sent: the caller gets them in *out). */
static int fill_band(emitter *em, const plan_band *band, const expr_ctx *ctx, uint32_t row,
                     int64_t ordinal, int level, quire_arena *arena, emit_band *out,
                     quire_error *err)
{
    quire_band_instance *inst = arena_alloc(arena, sizeof(*inst));
    quire_band_value *values = arena_alloc(arena, (band->nvalues + 1) * sizeof(*values));
    emit_item *items = arena_alloc(arena, (band->nvalues + 1) * sizeof(*items));
    size_t n = 0;
    int furniture = plan_is_furniture(band->kind);
    if (inst == NULL || values == NULL || items == NULL)
        goto fail_oom;
    for (size_t i = 0; i < band->nvalues; i++) {
        const plan_value *pv = &band->values[i];
        emit_item *it = &items[i];
        int omitted;
        memset(it, 0, sizeof(*it));
        if (pv->chart != NULL) {
            quire_band_value *cv;
            if (pv->print_when != NULL) {
                qv w;
                if (expr_eval(pv->print_when, ctx, row, &w, err) != QUIRE_OK)
                    return QUIRE_ERR;
                if (w.null || !w.u.i) {
                    it->status = EMIT_ITEM_OMIT;
                    continue;
                }
            }
            if (furniture) { /* a page dataset: drawn when the page ends */
                it->status = EMIT_ITEM_PENDING;
                continue;
            }
            if (pv->delayed) {
                it->status = EMIT_ITEM_PENDING;
                if (add_pending(em, band, i, pv->resolve_scope, &it->pending) != 0)
                    goto fail_oom;
                continue;
            }
            cv = arena_alloc(arena, sizeof(*cv));
            if (cv == NULL)
                goto fail_oom;
            memset(cv, 0, sizeof(*cv));
            if (chart_value(em, pv, arena, cv, err) != QUIRE_OK)
                return QUIRE_ERR;
            it->value = cv;
            continue;
        }
        if (pv->is_shape) {
            if (pv->print_when != NULL) {
                qv w;
                if (expr_eval(pv->print_when, ctx, row, &w, err) != QUIRE_OK)
                    return QUIRE_ERR;
                it->status = (w.null || !w.u.i) ? EMIT_ITEM_OMIT : EMIT_ITEM_DRAW;
            }
            continue;
        }
        if (furniture && pv->value != NULL &&
            (expr_uses_page_count(pv->value) || pv->evaluation == EVAL_PAGE)) {
            it->status = EMIT_ITEM_PENDING;
            continue;
        }
        if (!furniture && (pv->delayed || pv->evaluation == EVAL_PAGE)) {
            int scope = pv->evaluation == EVAL_PAGE ? PLAN_SCOPE_PAGE(em->p) : pv->resolve_scope;
            it->status = EMIT_ITEM_PENDING;
            if (add_pending(em, band, i, scope, &it->pending) != 0)
                goto fail_oom;
            if (eval_conds(pv, ctx, row, &it->conds, err) != QUIRE_OK)
                return QUIRE_ERR;
            continue;
        }
        if (eval_value(em, band, i, ctx, row, arena, &values[n], &omitted, err) != QUIRE_OK)
            return QUIRE_ERR;
        if (omitted) {
            it->status = EMIT_ITEM_OMIT;
            continue;
        }
        if (eval_conds(pv, ctx, row, &it->conds, err) != QUIRE_OK)
            return QUIRE_ERR;
        it->value = &values[n++];
    }
    instance_header(em, band, ordinal, level, inst);
    inst->values = values;
    inst->nvalues = n;
    out->band = band;
    out->inst = inst;
    out->items = items;
    return QUIRE_OK;

fail_oom:
    error_setf(err, QUIRE_E_NOMEM, "out of memory filling a band");
    return QUIRE_ERR;
}

/* Evaluates band instance of `band` and sends it, or queues it when the
 * queue is not empty or it has delayed values. */
static int print_band(emitter *em, const plan_band *band, const quire_column *columns, uint32_t row,
                      int64_t ordinal, int level, quire_error *err)
{
    int hold, omitted;
    expr_ctx ctx;
    quire_arena *arena;
    quire_band_value *values;
    uint8_t *pending = NULL;
    size_t n = 0, npending = 0;
    quire_band_instance inst;

    if (band == NULL)
        return QUIRE_OK;
    hold = em->sink.fill == NULL && (em->nqueue > 0 || band->has_delayed);
    arena = hold ? em->held : em->scratch;
    fill_context(em, &ctx, columns, em->scratch);
    if (band->reads_vars && load_vars(em, band, &ctx, err) != QUIRE_OK)
        return QUIRE_ERR;
    if (band->print_when != NULL) {
        qv w;
        if (expr_eval(band->print_when, &ctx, row, &w, err) != QUIRE_OK)
            return QUIRE_ERR;
        if (w.null || !w.u.i)
            goto done;
    }
    if (em->sink.fill != NULL) {
        emit_band eb;
        int rc = fill_band(em, band, &ctx, row, ordinal, level, em->scratch, &eb, err);
        if (rc == QUIRE_OK) {
            em->sent++;
            rc = em->sink.fill(em->sink.ctx, &eb, err);
        }
        arena_reset(em->scratch);
        return rc;
    }
    if (hold) {
        values = arena_alloc(arena, (band->nvalues + 1) * sizeof(*values));
        pending = arena_alloc(arena, band->nvalues + 1);
    } else {
        if (grow_scratch(em, band->nvalues) != 0)
            goto fail_oom;
        values = em->values;
    }
    if (values == NULL || (hold && pending == NULL))
        goto fail_oom;
    for (size_t i = 0; i < band->nvalues; i++) {
        if (band->values[i].is_shape) {
            if (hold) {
                memset(&values[n], 0, sizeof(values[n]));
                pending[n++] = VALUE_OMITTED;
            }
            continue;
        }
        if (hold && band->values[i].delayed) {
            memset(&values[n], 0, sizeof(values[n]));
            values[n].name = band->values[i].name;
            pending[n++] = VALUE_PENDING;
            npending++;
            continue;
        }
        if (eval_value(em, band, i, &ctx, row, arena, &values[n], &omitted, err) != QUIRE_OK)
            return QUIRE_ERR;
        if (hold)
            pending[n++] = omitted ? VALUE_OMITTED : VALUE_READY;
        else if (!omitted)
            n++;
    }
    instance_header(em, band, ordinal, level, &inst);
    inst.nvalues = n;
    inst.values = values;
    if (!hold) {
        int rc = send(em, &inst, err);
        arena_reset(em->scratch);
        return rc;
    }
    if (inst.group_value.type == QUIRE_TYPE_STRING && !inst.group_value.null) {
        char *copy = arena_strndup(arena, inst.group_value.v.str.ptr, inst.group_value.v.str.len);
        if (copy == NULL)
            goto fail_oom;
        inst.group_value.v.str.ptr = copy;
    }
    if (em->nqueue == em->cap) {
        size_t cap = em->cap ? em->cap * 2 : 64;
        slot *grown = realloc(em->queue, cap * sizeof(*grown));
        if (grown == NULL)
            goto fail_oom;
        em->queue = grown;
        em->cap = cap;
    }
    em->queue[em->nqueue].band = band;
    em->queue[em->nqueue].inst = inst;
    em->queue[em->nqueue].values = values;
    em->queue[em->nqueue].status = pending;
    em->queue[em->nqueue].npending = npending;
    em->nqueue++;
    if (em->nqueue > em->peak_held)
        em->peak_held = em->nqueue;
done:
    arena_reset(em->scratch);
    return QUIRE_OK;

fail_oom:
    error_setf(err, QUIRE_E_NOMEM, "out of memory holding back band instances");
    return QUIRE_ERR;
}

/* Page formats: the delayed values of scope `scope` are final now. */
static int resolve_pending(emitter *em, int scope, quire_error *err)
{
    size_t kept = 0;
    for (size_t q = 0; q < em->npending; q++) {
        pending_value pv = em->pending[q];
        quire_band_value value;
        expr_ctx ctx;
        int omitted, rc;
        if (pv.scope != scope) {
            em->pending[kept++] = pv;
            continue;
        }
        fill_context(em, &ctx, NULL, em->scratch);
        rc = load_vars(em, pv.band, &ctx, err);
        if (rc == QUIRE_OK)
            rc = eval_value(em, pv.band, pv.item, &ctx, 0, em->scratch, &value, &omitted, err);
        if (rc == QUIRE_OK)
            rc = em->sink.resolve(em->sink.ctx, pv.id, &value, omitted, err);
        arena_reset(em->scratch);
        if (rc != QUIRE_OK)
            return QUIRE_ERR;
    }
    em->npending = kept;
    return QUIRE_OK;
}

/* ============================== For the filler ============================ */

int emit_eval_furniture(emitter *em, const plan_band *band, int64_t page, quire_arena *arena,
                        emit_band *out, quire_error *err)
{
    expr_ctx ctx;
    fill_context(em, &ctx, NULL, arena);
    ctx.page = page;
    ctx.page_count = page;
    if (band->reads_vars && load_vars(em, band, &ctx, err) != QUIRE_OK)
        return QUIRE_ERR;
    memset(out, 0, sizeof(*out));
    if (band->print_when != NULL) {
        qv w;
        if (expr_eval(band->print_when, &ctx, 0, &w, err) != QUIRE_OK)
            return QUIRE_ERR;
        if (w.null || !w.u.i)
            return QUIRE_OK; /* out->band stays NULL: not printed */
    }
    return fill_band(em, band, &ctx, 0, 0, 0, arena, out, err);
}

int emit_eval_vars(emitter *em, const plan_band *band, const qv **vars, quire_error *err)
{
    expr_ctx ctx;
    fill_context(em, &ctx, NULL, em->scratch);
    if (load_vars(em, band, &ctx, err) != QUIRE_OK)
        return QUIRE_ERR;
    *vars = em->vars;
    return QUIRE_OK;
}

int emit_eval_item(emitter *em, const plan_band *band, size_t item, int64_t page,
                   int64_t page_count, const qv *vars, quire_arena *arena, quire_band_value *out,
                   int *omitted, quire_error *err)
{
    expr_ctx ctx;
    fill_context(em, &ctx, NULL, arena);
    ctx.page = page;
    ctx.page_count = page_count;
    if (vars != NULL)
        ctx.vars = vars;
    else if (band->reads_vars && load_vars(em, band, &ctx, err) != QUIRE_OK)
        return QUIRE_ERR;
    return eval_value(em, band, item, &ctx, 0, arena, out, omitted, err);
}

void emit_page_reset(emitter *em)
{
    const plan *p = em->p;
    if (p->has_page_vars)
        agg_state_reset(p->layout, emit_state(em, PLAN_SCOPE_PAGE(p)));
    reset_datasets(em, PLAN_SCOPE_PAGE(p));
}

/* The scope `scope` ends: evaluate the delayed values of the queued bands
 * that belong to it, then send what is ready. */
static int resolve(emitter *em, int scope, quire_error *err)
{
    if (em->sink.fill != NULL)
        return resolve_pending(em, scope, err);
    for (size_t q = 0; q < em->nqueue; q++) {
        slot *s = &em->queue[q];
        const plan_band *band = s->band;
        expr_ctx ctx;
        int due = 0;
        if (s->npending == 0)
            continue;
        for (size_t i = 0; i < band->nvalues && !due; i++)
            due = s->status[i] == VALUE_PENDING && band->values[i].resolve_scope == scope;
        if (!due)
            continue;
        fill_context(em, &ctx, NULL, em->scratch);
        if (load_vars(em, band, &ctx, err) != QUIRE_OK)
            return QUIRE_ERR;
        for (size_t i = 0; i < band->nvalues; i++) {
            int omitted;
            if (s->status[i] != VALUE_PENDING || band->values[i].resolve_scope != scope)
                continue;
            if (eval_value(em, band, i, &ctx, 0, em->held, &s->values[i], &omitted, err) !=
                QUIRE_OK)
                return QUIRE_ERR;
            s->status[i] = omitted ? VALUE_OMITTED : VALUE_READY;
            s->npending--;
        }
        arena_reset(em->scratch);
    }
    return flush(em, err);
}

/* ============================== Units ===================================== */

static int set_key(level_key *k, const qv *v)
{
    k->value = *v;
    if (v->type == QUIRE_TYPE_STRING && !v->null) {
        if (k->cap < v->u.s.len + 1) {
            char *buf = realloc(k->buf, v->u.s.len + 1);
            if (buf == NULL)
                return -1;
            k->buf = buf;
            k->cap = v->u.s.len + 1;
        }
        memcpy(k->buf, v->u.s.ptr, v->u.s.len);
        k->value.u.s.ptr = k->buf;
    }
    return 0;
}

/* Closes group levels [level, ngroups], innermost first. */
static int close_levels(emitter *em, int level, quire_error *err)
{
    const plan *p = em->p;
    for (int l = (int)p->ngroups; l >= level; l--) {
        if (print_band(em, p->group_footer[l - 1], NULL, 0, 0, l, err) != QUIRE_OK)
            return QUIRE_ERR;
        if (resolve(em, l, err) != QUIRE_OK)
            return QUIRE_ERR;
        agg_state_reset(p->layout, emit_state(em, l));
        reset_datasets(em, l);
    }
    return QUIRE_OK;
}

int emit_break(emitter *em, const qv *keys, quire_error *err)
{
    const plan *p = em->p;
    int level = (int)p->ngroups + 1;
    if (!em->started) {
        level = 1;
    } else {
        for (uint32_t l = 0; l < p->ngroups; l++)
            if (!qv_same_key(&em->keys[l].value, &keys[l])) {
                level = (int)l + 1;
                break;
            }
        if (level <= (int)p->ngroups && close_levels(em, level, err) != QUIRE_OK)
            return -1;
    }
    for (int l = level; l <= (int)p->ngroups; l++)
        if (set_key(&em->keys[l - 1], &keys[l - 1]) != 0) {
            error_setf(err, QUIRE_E_NOMEM, "out of memory keeping a group key");
            return -1;
        }
    return level;
}

int emit_open(emitter *em, int level, quire_error *err)
{
    const plan *p = em->p;
    if (!em->started) {
        em->started = 1;
        if (print_band(em, p->title, NULL, 0, 0, 0, err) != QUIRE_OK)
            return QUIRE_ERR;
    }
    for (int l = level; l <= (int)p->ngroups; l++)
        if (print_band(em, p->group_header[l - 1], NULL, 0, 0, l, err) != QUIRE_OK)
            return QUIRE_ERR;
    return QUIRE_OK;
}

int emit_detail(emitter *em, const quire_column *columns, uint32_t row, int64_t ordinal,
                quire_error *err)
{
    const plan *p = em->p;
    for (size_t i = 0; i < p->ndetails; i++)
        if (print_band(em, p->details[i], columns, row, ordinal, 0, err) != QUIRE_OK)
            return QUIRE_ERR;
    return QUIRE_OK;
}

int emit_finish(emitter *em, quire_error *err)
{
    const plan *p = em->p;
    if (!em->started) {
        int mode = p->rep->meta.when_no_data;
        if (mode == REPORT_NO_DATA_BAND && p->no_data != NULL)
            return print_band(em, p->no_data, NULL, 0, 0, 0, err);
        if (mode != REPORT_NO_DATA_ALL_SECTIONS)
            return QUIRE_OK;
        if (print_band(em, p->title, NULL, 0, 0, 0, err) != QUIRE_OK)
            return QUIRE_ERR;
    } else if (close_levels(em, 1, err) != QUIRE_OK) {
        return QUIRE_ERR;
    }
    if (print_band(em, p->summary, NULL, 0, 0, 0, err) != QUIRE_OK)
        return QUIRE_ERR;
    return resolve(em, PLAN_SCOPE_REPORT, err);
}
