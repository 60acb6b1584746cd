/*
 * dataset.c - a chart dataset's accumulator (dataset.h): rows added a
 * batch at a time into two group tables (per category, and per category
 * and series), merged across partitions, and packed into the relocatable
 * quire_dataset a chart provider reads.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "dataset.h"
#include "diag.h"

#define NO_GROUP UINT32_MAX

struct dataset_acc {
    const plan *p;
    const plan_dataset *pd;
    const report_dataset *ds;
    const agg_layout *layout;
    uint32_t nmeasures;
    uint32_t key_types[2]; /* category (when there is one), series */
    int32_t key_scales[2];
    uint32_t ncat_keys;   /* 0 without a category expression */
    group_table *by_cat;  /* key: the category; NULL until the first row */
    group_table *by_cell; /* key: (category, series); only with a series */

    /* Scratch vectors, `cap` rows each. */
    uint32_t cap;
    quire_column cat, ser, when;
    quire_column *args;          /* per measure */
    const quire_column **inputs; /* per measure: its column for this batch (NULL: count()) */
    uint32_t *sel;               /* the rows `when` keeps */
    uint32_t *gid;               /* per row: its group in the table being updated */
};

/* ============================== Scratch vectors =========================== */

static size_t value_width(uint32_t type)
{
    return type == QUIRE_TYPE_STRING ? sizeof(quire_str) : sizeof(int64_t);
}

static void vec_free(quire_column *c)
{
    free(c->nulls);
    free(c->v.i64);
    c->nulls = NULL;
    c->v.i64 = NULL;
}

static int vec_alloc(quire_column *c, uint32_t type, int32_t scale, uint32_t cap)
{
    c->type = type;
    c->scale = scale;
    c->nulls = calloc(cap, 1);
    c->v.i64 = calloc(cap, value_width(type));
    return c->nulls == NULL || c->v.i64 == NULL ? -1 : 0;
}

static void scratch_free(dataset_acc *a)
{
    vec_free(&a->cat);
    vec_free(&a->ser);
    vec_free(&a->when);
    for (uint32_t m = 0; m < a->nmeasures && a->args != NULL; m++)
        vec_free(&a->args[m]);
    free(a->sel);
    free(a->gid);
    a->sel = NULL;
    a->gid = NULL;
    a->cap = 0;
}

/* Grows every scratch vector to at least `need` rows. */
static int scratch_reserve(dataset_acc *a, uint32_t need, quire_error *err)
{
    const plan_dataset *pd = a->pd;
    uint32_t cap = a->cap ? a->cap : 256;
    if (need <= a->cap)
        return QUIRE_OK;
    while (cap < need)
        cap = cap > UINT32_MAX / 2 ? need : cap * 2;
    scratch_free(a);
    a->sel = calloc(cap, sizeof(*a->sel));
    a->gid = calloc(cap, sizeof(*a->gid));
    if (a->sel == NULL || a->gid == NULL)
        goto fail_oom;
    if (pd->category != NULL &&
        vec_alloc(&a->cat, expr_type(pd->category), expr_scale(pd->category), cap) != 0)
        goto fail_oom;
    if (pd->series != NULL &&
        vec_alloc(&a->ser, expr_type(pd->series), expr_scale(pd->series), cap) != 0)
        goto fail_oom;
    if (pd->when != NULL && vec_alloc(&a->when, QUIRE_TYPE_BOOL, 0, cap) != 0)
        goto fail_oom;
    for (uint32_t m = 0; m < a->nmeasures; m++)
        if (pd->args[m] != NULL &&
            vec_alloc(&a->args[m], expr_type(pd->args[m]), expr_scale(pd->args[m]), cap) != 0)
            goto fail_oom;
    a->cap = cap;
    return QUIRE_OK;

fail_oom:
    scratch_free(a);
    error_setf(err, QUIRE_E_NOMEM, "dataset '%s': out of memory", a->ds->name);
    return QUIRE_ERR;
}

static size_t scratch_memory(const dataset_acc *a)
{
    const plan_dataset *pd = a->pd;
    size_t row = 2 * sizeof(uint32_t);
    if (a->cap == 0)
        return 0;
    if (pd->category != NULL)
        row += 1 + value_width(expr_type(pd->category));
    if (pd->series != NULL)
        row += 1 + value_width(expr_type(pd->series));
    if (pd->when != NULL)
        row += 1 + sizeof(int64_t);
    for (uint32_t m = 0; m < a->nmeasures; m++)
        if (pd->args[m] != NULL)
            row += 1 + value_width(expr_type(pd->args[m]));
    return row * a->cap;
}

/* ============================== Life cycle ================================ */

static int tables_create(dataset_acc *a, quire_error *err)
{
    if (a->by_cat == NULL)
        a->by_cat = group_table_new(a->layout, a->key_types, a->key_scales, a->ncat_keys);
    if (a->by_cat != NULL && a->pd->series != NULL && a->by_cell == NULL)
        a->by_cell = group_table_new(a->layout, a->key_types + (a->ncat_keys == 0),
                                     a->key_scales + (a->ncat_keys == 0), a->ncat_keys + 1);
    if (a->by_cat == NULL || (a->pd->series != NULL && a->by_cell == NULL)) {
        error_setf(err, QUIRE_E_NOMEM, "dataset '%s': out of memory", a->ds->name);
        return QUIRE_ERR;
    }
    return QUIRE_OK;
}

dataset_acc *dataset_acc_new(const plan *p, const plan_dataset *pd)
{
    dataset_acc *a;
    quire_error err;
    if (pd == NULL || pd->layout == NULL || pd->src == NULL)
        return NULL;
    a = calloc(1, sizeof(*a));
    if (a == NULL)
        return NULL;
    a->p = p;
    a->pd = pd;
    a->ds = pd->src;
    a->layout = pd->layout;
    a->nmeasures = (uint32_t)agg_layout_count(pd->layout);
    a->args = calloc(a->nmeasures + 1, sizeof(*a->args));
    a->inputs = calloc(a->nmeasures + 1, sizeof(*a->inputs));
    if (pd->category != NULL) {
        a->key_types[0] = expr_type(pd->category);
        a->key_scales[0] = expr_scale(pd->category);
        a->ncat_keys = 1;
    }
    if (pd->series != NULL) {
        a->key_types[1] = expr_type(pd->series);
        a->key_scales[1] = expr_scale(pd->series);
    }
    if (a->args == NULL || a->inputs == NULL || tables_create(a, &err) != QUIRE_OK) {
        dataset_acc_free(a);
        return NULL;
    }
    return a;
}

void dataset_acc_free(dataset_acc *a)
{
    if (a == NULL)
        return;
    group_table_free(a->by_cat);
    group_table_free(a->by_cell);
    scratch_free(a);
    free(a->args);
    free(a->inputs);
    free(a);
}

void dataset_acc_reset(dataset_acc *a)
{
    /* The group table has no way to empty itself; a new one costs one
     * allocation per scope, not per row. */
    group_table_free(a->by_cat);
    group_table_free(a->by_cell);
    a->by_cat = NULL;
    a->by_cell = NULL;
}

size_t dataset_acc_memory(const dataset_acc *a)
{
    size_t n = sizeof(*a) + (a->nmeasures + 1) * (sizeof(*a->args) + sizeof(*a->inputs)) +
               scratch_memory(a);
    if (a->by_cat != NULL)
        n += group_table_memory(a->by_cat);
    if (a->by_cell != NULL)
        n += group_table_memory(a->by_cell);
    return n;
}

/* ============================== Adding rows =============================== */

/* The column holding `e` for rows sel[0..n): the batch's own when `e` is a
 * plain column and `copy` is 0, else `scratch` after evaluating. */
static const quire_column *eval_input(const expr *e, quire_column *scratch, int copy,
                                      const expr_ctx *ctx, const uint32_t *sel, uint32_t n,
                                      quire_error *err)
{
    int col = expr_column_ref(e);
    if (!copy && col >= 0 && (uint32_t)col < ctx->ncolumns &&
        ctx->columns[col].type == expr_type(e) && ctx->columns[col].scale == expr_scale(e))
        return &ctx->columns[col];
    if (expr_eval_batch(e, ctx, sel, n, scratch, err) != QUIRE_OK)
        return NULL;
    return scratch;
}

/* Adds rows sel[0..n) to every measure of `table` (keys already found). */
static int update_table(dataset_acc *a, group_table *table, const quire_column *const *keys,
                        const quire_column *const *inputs, const uint32_t *sel, uint32_t n,
                        int64_t ordinal_base, quire_error *err)
{
    if (group_table_find(table, keys, sel, n, a->gid, err) != QUIRE_OK)
        return QUIRE_ERR;
    for (uint32_t m = 0; m < a->nmeasures; m++)
        if (agg_update(a->layout, m, group_table_state(table, 0), a->gid, inputs[m], sel, n,
                       ordinal_base, err) != QUIRE_OK)
            return QUIRE_ERR;
    return QUIRE_OK;
}

int dataset_acc_add(dataset_acc *a, expr_ctx *ctx, const uint32_t *sel, uint32_t n,
                    int64_t ordinal_base, quire_error *err)
{
    const plan_dataset *pd = a->pd;
    const quire_column *keys[2] = {NULL, NULL};
    const quire_column **inputs = a->inputs;
    uint32_t need = 0;

    if (n == 0)
        return QUIRE_OK;
    for (uint32_t i = 0; i < n; i++)
        if (sel[i] >= need)
            need = sel[i] + 1;
    if (scratch_reserve(a, need, err) != QUIRE_OK || tables_create(a, err) != QUIRE_OK)
        return QUIRE_ERR;
    if (pd->when != NULL) {
        uint32_t kept = 0;
        if (expr_eval_batch(pd->when, ctx, sel, n, &a->when, err) != QUIRE_OK)
            return QUIRE_ERR;
        for (uint32_t i = 0; i < n; i++)
            if (!a->when.nulls[sel[i]] && a->when.v.i64[sel[i]])
                a->sel[kept++] = sel[i];
        if (kept == 0)
            return QUIRE_OK;
        sel = a->sel;
        n = kept;
    }
    if (pd->category != NULL) {
        report_bucket b = a->ds->bucket;
        keys[0] = eval_input(pd->category, &a->cat, b != BUCKET_NONE, ctx, sel, n, err);
        if (keys[0] == NULL)
            return QUIRE_ERR;
        for (uint32_t i = 0; i < n && b != BUCKET_NONE; i++)
            if (!a->cat.nulls[sel[i]])
                a->cat.v.i64[sel[i]] = bucket_floor(b, a->cat.type, a->cat.v.i64[sel[i]]);
    }
    if (pd->series != NULL) {
        keys[1] = eval_input(pd->series, &a->ser, 0, ctx, sel, n, err);
        if (keys[1] == NULL)
            return QUIRE_ERR;
    }
    for (uint32_t m = 0; m < a->nmeasures; m++) {
        inputs[m] = NULL;
        if (pd->args[m] == NULL)
            continue;
        inputs[m] = eval_input(pd->args[m], &a->args[m], 0, ctx, sel, n, err);
        if (inputs[m] == NULL)
            return QUIRE_ERR;
    }
    if (update_table(a, a->by_cat, keys, inputs, sel, n, ordinal_base, err) != QUIRE_OK)
        return QUIRE_ERR;
    /* The cell table's keys: the category (when there is one), then the
     * series. */
    if (a->by_cell != NULL && update_table(a, a->by_cell, keys + (a->ncat_keys == 0), inputs, sel,
                                           n, ordinal_base, err) != QUIRE_OK)
        return QUIRE_ERR;
    return QUIRE_OK;
}

int dataset_acc_merge(dataset_acc *dst, const dataset_acc *src, quire_error *err)
{
    if (dst->pd != src->pd) {
        error_setf(err, QUIRE_E_INTERNAL, "merging accumulators of datasets '%s' and '%s'",
                   dst->ds->name, src->ds->name);
        return QUIRE_ERR;
    }
    if (src->by_cat == NULL)
        return QUIRE_OK;
    if (tables_create(dst, err) != QUIRE_OK ||
        group_table_merge(dst->by_cat, src->by_cat, err) != QUIRE_OK)
        return QUIRE_ERR;
    if (src->by_cell != NULL && group_table_merge(dst->by_cell, src->by_cell, err) != QUIRE_OK)
        return QUIRE_ERR;
    return QUIRE_OK;
}

/* ============================== Packing: helpers ========================== */

/* Text collected while packing: every label's bytes in one growing buffer,
 * each label an (offset, length) into it. */
typedef struct text_buf {
    char *bytes;
    size_t len, cap;
    int failed;
} text_buf;

typedef struct text_ref {
    size_t off, len;
} text_ref;

static text_ref text_add(text_buf *t, const char *s, size_t len)
{
    text_ref r = {t->len, len};
    if (t->failed)
        return r;
    if (len > t->cap - t->len) {
        size_t cap = t->cap ? t->cap : 1024;
        while (cap - t->len < len && cap < SIZE_MAX / 2)
            cap *= 2;
        char *b = cap - t->len >= len ? realloc(t->bytes, cap) : NULL;
        if (b == NULL) {
            t->failed = 1;
            return r;
        }
        t->bytes = b;
        t->cap = cap;
    }
    if (len > 0)
        memcpy(t->bytes + t->len, s, len);
    t->len += len;
    return r;
}

static text_ref text_str(text_buf *t, const char *s)
{
    return text_add(t, s, strlen(s));
}

/* Appends fmt_value(v, pattern, loc). */
static text_ref text_value(text_buf *t, const qv *v, const char *pattern, const fmt_locale *loc)
{
    char small[128];
    size_t n = fmt_value(v, pattern, loc, small, sizeof(small));
    if (n < sizeof(small))
        return text_add(t, small, n);
    char *big = malloc(n + 1);
    if (big == NULL) {
        t->failed = 1;
        return (text_ref){t->len, 0};
    }
    fmt_value(v, pattern, loc, big, n + 1);
    text_ref r = text_add(t, big, n);
    free(big);
    return r;
}

/* Days since 1970-01-01 of a DATE or TIMESTAMP key. */
static int64_t key_days(const qv *v)
{
    if (v->type == QUIRE_TYPE_DATE)
        return v->u.i;
    return cal_floor_div(v->u.i, INT64_C(86400000000));
}

/* A category or series label (dataset.h, "Category labels"). */
static text_ref text_key(text_buf *t, const qv *v, report_bucket b, const fmt_locale *loc)
{
    char buf[64];
    int64_t year;
    unsigned week, month, day;
    int is_date = v->type == QUIRE_TYPE_DATE;

    if (v->null)
        return text_str(t, "(none)");
    if (v->type == QUIRE_TYPE_STRING)
        return text_add(t, v->u.s.ptr, v->u.s.len);
    if (!is_date && v->type != QUIRE_TYPE_TIMESTAMP)
        return text_value(t, v, NULL, loc);
    switch (b) {
    case BUCKET_HOUR:
        /* A date is its own day, so its hour is midnight. */
        return text_value(t, v, is_date ? "yyyy-MM-dd '00:00'" : "yyyy-MM-dd HH:00", loc);
    case BUCKET_WEEK:
        bucket_iso_week(key_days(v), &year, &week);
        snprintf(buf, sizeof(buf), "%04" PRId64 "-W%02u", year, week);
        return text_str(t, buf);
    case BUCKET_MONTH: return text_value(t, v, "MMM yyyy", loc);
    case BUCKET_QUARTER:
        cal_civil_from_days(key_days(v), &year, &month, &day);
        snprintf(buf, sizeof(buf), "%04" PRId64 " Q%u", year, (month + 2) / 3);
        return text_str(t, buf);
    case BUCKET_YEAR: return text_value(t, v, "yyyy", loc);
    default: return text_value(t, v, "yyyy-MM-dd", loc);
    }
}

/* A key or result as a chart's number: NaN for NULL, strings and types
 * without one. */
static double qv_number(const qv *v)
{
    static const double pow10[QV_MAX_SCALE + 1] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,
                                                   1e7,  1e8,  1e9,  1e10, 1e11, 1e12, 1e13,
                                                   1e14, 1e15, 1e16, 1e17, 1e18};
    if (v->null)
        return NAN;
    switch (v->type) {
    case QUIRE_TYPE_BOOL:
    case QUIRE_TYPE_INT:
    case QUIRE_TYPE_DATE: return (double)v->u.i;
    case QUIRE_TYPE_DECIMAL:
        return v->scale >= 0 && v->scale <= QV_MAX_SCALE ? (double)v->u.i / pow10[v->scale] : NAN;
    case QUIRE_TYPE_FLOAT: return v->u.f;
    case QUIRE_TYPE_TIMESTAMP: return (double)v->u.i / 1e6;
    default: return NAN;
    }
}

/* Order of two group keys: NULL last; floats numerically with -0.0 equal
 * to 0.0 and NaN above every number, as the group table groups them. */
static int key_cmp(const qv *a, const qv *b)
{
    if (a->null || b->null)
        return (int)a->null - (int)b->null;
    if (a->type == QUIRE_TYPE_FLOAT) {
        int an = isnan(a->u.f), bn = isnan(b->u.f);
        if (an || bn)
            return an - bn;
        return (a->u.f > b->u.f) - (a->u.f < b->u.f);
    }
    return agg_value_cmp(a, b);
}

typedef struct key_sort_ctx {
    const group_table *g;
    uint32_t key;
} key_sort_ctx;

static int gid_key_cmp(const void *vctx, uint32_t a, uint32_t b)
{
    const key_sort_ctx *c = vctx;
    qv ka = group_table_key(c->g, a, c->key);
    qv kb = group_table_key(c->g, b, c->key);
    return key_cmp(&ka, &kb);
}

/* ============================== Packing: the table ======================== */

/* One category as shown. */
typedef struct cat_entry {
    uint32_t gid; /* in by_cat; NO_GROUP for a filled gap or "other" */
    int other;
    int64_t gap; /* a gap's bucket */
} cat_entry;

/* Everything dataset_acc_pack works out before writing the buffer. */
typedef struct pack_work {
    const dataset_acc *a;
    const fmt_locale *loc;
    uint32_t ncat_groups;
    uint32_t *asc;     /* by_cat gids in key order */
    uint32_t *rank;    /* per by_cat gid: its place in asc */
    uint32_t nsv;      /* distinct series values (1 without a series) */
    uint32_t *sv_cell; /* per series value: a by_cell gid holding it */
    uint32_t *cellmap; /* [rank * nsv + series value]: the cell's gid or NO_GROUP */
    cat_entry *cats;
    size_t ncats;
    uint8_t *other_states; /* nsv states merged from the categories top N drops */
    uint8_t *other_seen;   /* per series value: some dropped category had rows */
    size_t state_size;
    text_buf text;
    text_ref *cat_text, *ser_text, *val_text;
    double *values, *cat_values;
    size_t nseries, nvalues;
} pack_work;

static void work_free(pack_work *w)
{
    if (w->other_states != NULL)
        for (uint32_t s = 0; s < w->nsv; s++)
            agg_state_destroy(w->a->layout, w->other_states + s * w->state_size);
    free(w->asc);
    free(w->rank);
    free(w->sv_cell);
    free(w->cellmap);
    free(w->cats);
    free(w->other_states);
    free(w->other_seen);
    free(w->text.bytes);
    free(w->cat_text);
    free(w->ser_text);
    free(w->val_text);
    free(w->values);
    free(w->cat_values);
}

static int oom(const dataset_acc *a, quire_error *err)
{
    error_setf(err, QUIRE_E_NOMEM, "dataset '%s': out of memory", a->ds->name);
    return QUIRE_ERR;
}

/* n * size with a check; 0 (and *ok cleared) on overflow. */
static size_t mul_size(size_t n, size_t size, int *ok)
{
    if (size != 0 && n > SIZE_MAX / size) {
        *ok = 0;
        return 0;
    }
    return n * size;
}

/* The categories in key order and, with a series, the distinct series
 * values and which cell holds each (category, series value). */
static int build_cells(pack_work *w, quire_error *err)
{
    const dataset_acc *a = w->a;
    int ok = 1;
    w->ncat_groups = a->by_cat != NULL ? group_table_count(a->by_cat) : 0;
    w->asc = a->by_cat != NULL ? group_table_sorted(a->by_cat, NULL) : calloc(1, sizeof(*w->asc));
    w->rank = calloc((size_t)w->ncat_groups + 1, sizeof(*w->rank));
    if (w->asc == NULL || w->rank == NULL)
        return oom(a, err);
    for (uint32_t i = 0; i < w->ncat_groups; i++)
        w->rank[w->asc[i]] = i;
    if (a->pd->series != NULL && a->by_cell == NULL) {
        w->nsv = 0; /* no rows since the last reset */
        return QUIRE_OK;
    }
    if (a->pd->series == NULL) {
        w->nsv = 1;
        w->cellmap = calloc((size_t)w->ncat_groups + 1, sizeof(*w->cellmap));
        if (w->cellmap == NULL)
            return oom(a, err);
        for (uint32_t i = 0; i < w->ncat_groups; i++)
            w->cellmap[i] = w->asc[i];
        return QUIRE_OK;
    }

    uint32_t ncell = group_table_count(a->by_cell);
    uint32_t skey = a->ncat_keys; /* the series' key in by_cell */
    uint32_t *cells = group_table_sorted(a->by_cell, NULL);
    uint32_t *by_series = malloc(((size_t)ncell + 1) * sizeof(*by_series));
    uint32_t *cell_sv = malloc(((size_t)ncell + 1) * sizeof(*cell_sv));
    uint32_t *cell_rank = malloc(((size_t)ncell + 1) * sizeof(*cell_rank));
    key_sort_ctx sctx = {a->by_cell, skey};
    int rc = QUIRE_ERR;
    if (cells == NULL || by_series == NULL || cell_sv == NULL || cell_rank == NULL) {
        oom(a, err);
        goto fail_free_cells;
    }
    /* The cells sorted by (category, series) run through the categories in
     * the order of by_cat's sorted gids: both tables hold the same
     * category keys. */
    uint32_t run = 0;
    for (uint32_t i = 0; i < ncell; i++) {
        if (a->ncat_keys > 0 && i > 0) {
            qv prev = group_table_key(a->by_cell, cells[i - 1], 0);
            qv cur = group_table_key(a->by_cell, cells[i], 0);
            run += key_cmp(&prev, &cur) != 0;
        }
        if (run >= w->ncat_groups) {
            error_setf(err, QUIRE_E_INTERNAL, "dataset '%s': tables out of step", a->ds->name);
            goto fail_free_cells;
        }
        if (a->ncat_keys > 0) {
            qv ck = group_table_key(a->by_cell, cells[i], 0);
            qv gk = group_table_key(a->by_cat, w->asc[run], 0);
            if (key_cmp(&ck, &gk) != 0) {
                error_setf(err, QUIRE_E_INTERNAL, "dataset '%s': tables out of step", a->ds->name);
                goto fail_free_cells;
            }
        }
        cell_rank[cells[i]] = run;
    }
    /* Distinct series values, ascending, NULL last. */
    for (uint32_t i = 0; i < ncell; i++)
        by_series[i] = i;
    if (agg_msort(by_series, ncell, gid_key_cmp, &sctx) != 0) {
        oom(a, err);
        goto fail_free_cells;
    }
    w->sv_cell = malloc(((size_t)ncell + 1) * sizeof(*w->sv_cell));
    if (w->sv_cell == NULL) {
        oom(a, err);
        goto fail_free_cells;
    }
    w->nsv = 0;
    for (uint32_t i = 0; i < ncell; i++) {
        if (i == 0 || gid_key_cmp(&sctx, by_series[i - 1], by_series[i]) != 0)
            w->sv_cell[w->nsv++] = by_series[i];
        cell_sv[by_series[i]] = w->nsv - 1;
    }
    size_t nmap = mul_size((size_t)w->ncat_groups, w->nsv, &ok);
    w->cellmap = ok ? malloc((nmap + 1) * sizeof(*w->cellmap)) : NULL;
    if (w->cellmap == NULL) {
        oom(a, err);
        goto fail_free_cells;
    }
    for (size_t i = 0; i < nmap; i++)
        w->cellmap[i] = NO_GROUP;
    for (uint32_t c = 0; c < ncell; c++)
        w->cellmap[(size_t)cell_rank[c] * w->nsv + cell_sv[c]] = c;
    rc = QUIRE_OK;

fail_free_cells:
    free(cells);
    free(by_series);
    free(cell_sv);
    free(cell_rank);
    return rc;
}

/* The state of a cell: by_cell's, or by_cat's without a series. */
static const void *cell_state(const pack_work *w, uint32_t gid)
{
    const dataset_acc *a = w->a;
    return group_table_state_const(a->by_cell != NULL ? a->by_cell : a->by_cat, gid);
}

/* Merges the cells of categories cats[keep..ncats) into one "other" state
 * per series value. */
static int merge_other(pack_work *w, size_t keep, quire_error *err)
{
    const dataset_acc *a = w->a;
    int ok = 1;
    w->state_size = agg_state_size(a->layout);
    size_t bytes = mul_size(w->nsv, w->state_size, &ok);
    w->other_states = ok ? malloc(bytes + 1) : NULL;
    w->other_seen = calloc((size_t)w->nsv + 1, 1);
    if (w->other_states == NULL || w->other_seen == NULL) {
        free(w->other_states);
        w->other_states = NULL;
        return oom(a, err);
    }
    for (uint32_t s = 0; s < w->nsv; s++)
        agg_state_init(a->layout, w->other_states + s * w->state_size);
    for (size_t c = keep; c < w->ncats; c++) {
        if (w->cats[c].gid == NO_GROUP)
            continue;
        size_t row = (size_t)w->rank[w->cats[c].gid] * w->nsv;
        for (uint32_t s = 0; s < w->nsv; s++) {
            uint32_t cell = w->cellmap[row + s];
            if (cell == NO_GROUP)
                continue;
            if (agg_merge(a->layout, w->other_states + s * w->state_size, cell_state(w, cell),
                          err) != QUIRE_OK)
                return QUIRE_ERR;
            w->other_seen[s] = 1;
        }
    }
    return QUIRE_OK;
}

/* The categories as shown: sorted, gaps filled, top N applied. */
static int build_order(pack_work *w, quire_error *err)
{
    const dataset_acc *a = w->a;
    const report_dataset *ds = a->ds;
    uint32_t n = w->ncat_groups;
    uint32_t *ids = malloc(((size_t)n + 1) * sizeof(*ids));
    int fill = ds->fill_gaps && ds->bucket != BUCKET_NONE && a->ncat_keys > 0 &&
               (a->key_types[0] == QUIRE_TYPE_DATE || a->key_types[0] == QUIRE_TYPE_TIMESTAMP);
    int rc = QUIRE_ERR;

    if (ids == NULL)
        return oom(a, err);
    for (uint32_t i = 0; i < n; i++)
        ids[i] = w->asc[ds->sort_desc && !ds->sort_by_value ? n - 1 - i : i];
    if (ds->sort_by_value && n > 0 &&
        agg_sort_by_result(a->layout, 0, group_table_state_const(a->by_cat, 0), ids, n,
                           ds->sort_desc, err) != QUIRE_OK)
        goto fail_free_ids;

    size_t cap = (size_t)n + 1;
    w->cats = malloc(cap * sizeof(*w->cats));
    if (w->cats == NULL) {
        oom(a, err);
        goto fail_free_ids;
    }
    if (!fill) {
        for (uint32_t i = 0; i < n; i++)
            w->cats[i] = (cat_entry){.gid = ids[i]};
        w->ncats = n;
    } else {
        /* Present buckets ascending (a NULL key is last in asc). */
        int64_t *present = malloc(((size_t)n + 1) * sizeof(*present));
        uint32_t npresent = 0, null_gid = NO_GROUP;
        bucket_gaps it;
        int64_t v;
        ptrdiff_t idx;
        size_t ntime = 0;
        if (present == NULL) {
            oom(a, err);
            goto fail_free_ids;
        }
        for (uint32_t i = 0; i < n; i++) {
            qv k = group_table_key(a->by_cat, w->asc[i], 0);
            if (k.null)
                null_gid = w->asc[i];
            else
                present[npresent++] = k.u.i;
        }
        bucket_gaps_begin(&it, ds->bucket, a->key_types[0], present, npresent);
        while (bucket_gaps_next(&it, &v, &idx)) {
            if (ntime >= DATASET_MAX_FILLED) {
                error_setf(err, QUIRE_E_INVALID,
                           "dataset '%s': fill_gaps would make more than %d categories", ds->name,
                           DATASET_MAX_FILLED);
                free(present);
                goto fail_free_ids;
            }
            if (ntime + 2 > cap) {
                cat_entry *grown = realloc(w->cats, cap * 2 * sizeof(*grown));
                if (grown == NULL) {
                    free(present);
                    oom(a, err);
                    goto fail_free_ids;
                }
                w->cats = grown;
                cap *= 2;
            }
            w->cats[ntime++] =
                idx >= 0 ? (cat_entry){.gid = w->asc[idx]} : (cat_entry){.gid = NO_GROUP, .gap = v};
        }
        free(present);
        if (null_gid != NO_GROUP)
            w->cats[ntime++] = (cat_entry){.gid = null_gid};
        if (ds->sort_by_value) {
            /* The categories with rows in value order, then the gaps in
             * time order. */
            cat_entry *ordered = malloc(cap * sizeof(*ordered));
            size_t k = 0;
            if (ordered == NULL) {
                oom(a, err);
                goto fail_free_ids;
            }
            for (uint32_t i = 0; i < n; i++)
                ordered[k++] = (cat_entry){.gid = ids[i]};
            for (size_t i = 0; i < ntime; i++)
                if (w->cats[i].gid == NO_GROUP)
                    ordered[k++] = w->cats[i];
            free(w->cats);
            w->cats = ordered;
        } else if (ds->sort_desc) {
            for (size_t i = 0; i < ntime / 2; i++) {
                cat_entry t = w->cats[i];
                w->cats[i] = w->cats[ntime - 1 - i];
                w->cats[ntime - 1 - i] = t;
            }
        }
        w->ncats = ntime;
    }
    /* top N: the rest merged into "other" or dropped. The plan refuses top
     * with fill_gaps, so the rest are all categories with rows. */
    if (ds->top > 0 && (uint64_t)ds->top < w->ncats) {
        size_t keep = (size_t)ds->top;
        if (ds->other_label != NULL && merge_other(w, keep, err) != QUIRE_OK)
            goto fail_free_ids;
        w->ncats = keep;
        if (ds->other_label != NULL)
            w->cats[w->ncats++] = (cat_entry){.gid = NO_GROUP, .other = 1};
    }
    rc = QUIRE_OK;

fail_free_ids:
    free(ids);
    return rc;
}

/* ============================== Packing: labels and values ================ */

static text_ref text_since(const text_buf *t, size_t start)
{
    return (text_ref){start, t->len - start};
}

/* A category's key as a qv (a gap's bucket typed as the category). */
static qv entry_key(const pack_work *w, const cat_entry *e)
{
    const dataset_acc *a = w->a;
    qv k = qv_null(a->key_types[0]);
    if (e->gid != NO_GROUP)
        return group_table_key(a->by_cat, e->gid, 0);
    if (!e->other) {
        k.null = 0;
        k.u.i = e->gap;
    }
    return k;
}

static int build_labels(pack_work *w, quire_error *err)
{
    const dataset_acc *a = w->a;
    const report_dataset *ds = a->ds;
    uint32_t ctype = a->ncat_keys > 0 ? a->key_types[0] : QUIRE_TYPE_STRING;
    int numeric = ctype != QUIRE_TYPE_STRING && ctype != QUIRE_TYPE_BOOL;
    int ok = 1;

    w->nseries = mul_size(w->nsv, a->nmeasures, &ok);
    w->cat_text = calloc(w->ncats + 1, sizeof(*w->cat_text));
    w->cat_values = numeric ? calloc(w->ncats + 1, sizeof(*w->cat_values)) : NULL;
    w->ser_text = ok ? calloc(w->nseries + 1, sizeof(*w->ser_text)) : NULL;
    if (w->cat_text == NULL || w->ser_text == NULL || (numeric && w->cat_values == NULL))
        return oom(a, err);
    for (size_t c = 0; c < w->ncats; c++) {
        const cat_entry *e = &w->cats[c];
        qv k = entry_key(w, e);
        if (e->other)
            w->cat_text[c] = text_str(&w->text, ds->other_label);
        else if (a->ncat_keys == 0)
            w->cat_text[c] = text_str(&w->text, ds->name);
        else
            w->cat_text[c] = text_key(&w->text, &k, ds->bucket, w->loc);
        if (numeric)
            w->cat_values[c] = qv_number(&k);
    }
    for (uint32_t sv = 0; sv < w->nsv; sv++) {
        for (uint32_t m = 0; m < a->nmeasures; m++) {
            size_t start = w->text.len;
            if (a->pd->series != NULL) {
                qv k = group_table_key(a->by_cell, w->sv_cell[sv], a->ncat_keys);
                text_key(&w->text, &k, BUCKET_NONE, w->loc);
                if (a->nmeasures > 1)
                    text_str(&w->text, " \xC2\xB7 "); /* U+00B7 middle dot */
            }
            if (a->pd->series == NULL || a->nmeasures > 1)
                text_str(&w->text, ds->measures[m].label);
            w->ser_text[(size_t)sv * a->nmeasures + m] = text_since(&w->text, start);
        }
    }
    return w->text.failed ? oom(a, err) : QUIRE_OK;
}

/* The number pattern value_text uses for a result (NULL: canonical). */
static const char *value_pattern(const qv *r, char *buf, size_t cap)
{
    switch (r->type) {
    case QUIRE_TYPE_INT: return "#,##0";
    case QUIRE_TYPE_FLOAT: return "#,##0.##";
    case QUIRE_TYPE_DECIMAL: {
        size_t n = (size_t)snprintf(buf, cap, "#,##0%s", r->scale > 0 ? "." : "");
        for (int i = 0; i < r->scale && n + 1 < cap; i++)
            buf[n++] = '0';
        buf[n] = '\0';
        return buf;
    }
    default: return NULL;
    }
}

static int build_values(pack_work *w, quire_error *err)
{
    const dataset_acc *a = w->a;
    int ok = 1;
    w->nvalues = mul_size(w->nseries, w->ncats, &ok);
    w->values = ok ? malloc((w->nvalues + 1) * sizeof(*w->values)) : NULL;
    w->val_text = ok ? calloc(w->nvalues + 1, sizeof(*w->val_text)) : NULL;
    if (w->values == NULL || w->val_text == NULL)
        return oom(a, err);
    for (uint32_t sv = 0; sv < w->nsv; sv++) {
        for (size_t c = 0; c < w->ncats; c++) {
            const cat_entry *e = &w->cats[c];
            const void *state = NULL;
            if (e->other && w->other_seen != NULL && w->other_seen[sv])
                state = w->other_states + sv * w->state_size;
            else if (e->gid != NO_GROUP) {
                uint32_t cell = w->cellmap[(size_t)w->rank[e->gid] * w->nsv + sv];
                state = cell != NO_GROUP ? cell_state(w, cell) : NULL;
            }
            for (uint32_t m = 0; m < a->nmeasures; m++) {
                size_t i = ((size_t)sv * a->nmeasures + m) * w->ncats + c;
                char pattern[40];
                qv r;
                w->values[i] = NAN;
                w->val_text[i] = (text_ref){w->text.len, 0};
                if (state == NULL)
                    continue;
                if (agg_result(a->layout, m, state, &r, NULL, err) != QUIRE_OK) {
                    char why[QUIRE_ERROR_MSG_MAX];
                    memcpy(why, err->msg, sizeof(why));
                    error_setf(err, err->code, "dataset '%s': %s", a->ds->name, why);
                    return QUIRE_ERR;
                }
                w->values[i] = qv_number(&r);
                if (!r.null && !(r.type != QUIRE_TYPE_STRING && isnan(w->values[i])))
                    w->val_text[i] = text_value(
                        &w->text, &r, value_pattern(&r, pattern, sizeof(pattern)), w->loc);
            }
        }
    }
    return w->text.failed ? oom(a, err) : QUIRE_OK;
}

/* ============================== Packing: the buffer ======================= */

static size_t align8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

/* An offset stored where a pointer goes (relocated later). */
#define AS_PTR(type, off) ((type)(uintptr_t)(off))

static void put_strs(uint8_t *buf, size_t at, const text_ref *refs, size_t n, size_t bytes_at)
{
    quire_str *out = (quire_str *)(void *)(buf + at);
    for (size_t i = 0; i < n; i++) {
        out[i].ptr = AS_PTR(const char *, bytes_at + refs[i].off);
        out[i].len = refs[i].len;
    }
}

static uint32_t chart_bucket(report_bucket b)
{
    switch (b) {
    case BUCKET_HOUR: return QUIRE_BUCKET_HOUR;
    case BUCKET_DAY: return QUIRE_BUCKET_DAY;
    case BUCKET_WEEK: return QUIRE_BUCKET_WEEK;
    case BUCKET_MONTH: return QUIRE_BUCKET_MONTH;
    case BUCKET_QUARTER: return QUIRE_BUCKET_QUARTER;
    case BUCKET_YEAR: return QUIRE_BUCKET_YEAR;
    default: return QUIRE_BUCKET_NONE;
    }
}

static int write_buffer(const pack_work *w, uint8_t **out, size_t *len, quire_error *err)
{
    const dataset_acc *a = w->a;
    const char *name = a->ds->name;
    size_t name_at = align8(sizeof(quire_dataset));
    size_t cats_at = align8(name_at + strlen(name) + 1);
    size_t ser_at = align8(cats_at + w->ncats * sizeof(quire_str));
    size_t vt_at = align8(ser_at + w->nseries * sizeof(quire_str));
    size_t val_at = align8(vt_at + w->nvalues * sizeof(quire_str));
    size_t cv_at = align8(val_at + w->nvalues * sizeof(double));
    size_t bytes_at = align8(cv_at + (w->cat_values != NULL ? w->ncats * sizeof(double) : 0));
    size_t total = align8(bytes_at + w->text.len);
    uint8_t *buf = calloc(1, total);
    quire_dataset ds;

    if (buf == NULL)
        return oom(a, err);
    memset(&ds, 0, sizeof(ds));
    ds.size = sizeof(ds);
    ds.ncategories = w->ncats;
    ds.categories = w->ncats > 0 ? AS_PTR(const quire_str *, cats_at) : NULL;
    ds.nseries = w->nseries;
    ds.series = w->nseries > 0 ? AS_PTR(const quire_str *, ser_at) : NULL;
    ds.values = w->nvalues > 0 ? AS_PTR(const double *, val_at) : NULL;
    ds.name = AS_PTR(const char *, name_at);
    ds.category_type = a->ncat_keys > 0 ? a->key_types[0] : QUIRE_TYPE_STRING;
    ds.bucket = chart_bucket(a->ds->bucket);
    ds.category_values =
        w->cat_values != NULL && w->ncats > 0 ? AS_PTR(const double *, cv_at) : NULL;
    ds.value_text = w->nvalues > 0 ? AS_PTR(const quire_str *, vt_at) : NULL;
    ds.has_other = w->ncats > 0 && w->cats[w->ncats - 1].other;
    memcpy(buf, &ds, sizeof(ds));
    memcpy(buf + name_at, name, strlen(name) + 1);
    put_strs(buf, cats_at, w->cat_text, w->ncats, bytes_at);
    put_strs(buf, ser_at, w->ser_text, w->nseries, bytes_at);
    put_strs(buf, vt_at, w->val_text, w->nvalues, bytes_at);
    if (w->nvalues > 0)
        memcpy(buf + val_at, w->values, w->nvalues * sizeof(double));
    if (w->cat_values != NULL && w->ncats > 0)
        memcpy(buf + cv_at, w->cat_values, w->ncats * sizeof(double));
    if (w->text.len > 0)
        memcpy(buf + bytes_at, w->text.bytes, w->text.len);
    *out = buf;
    *len = total;
    return QUIRE_OK;
}

int dataset_acc_pack(const dataset_acc *a, const fmt_locale *loc, uint8_t **out, size_t *len,
                     quire_error *err)
{
    pack_work w;
    int rc;
    memset(&w, 0, sizeof(w));
    w.a = a;
    w.loc = loc != NULL ? loc : fmt_locale_get(NULL);
    *out = NULL;
    *len = 0;
    rc = build_cells(&w, err);
    if (rc == QUIRE_OK)
        rc = build_order(&w, err);
    if (rc == QUIRE_OK)
        rc = build_labels(&w, err);
    if (rc == QUIRE_OK)
        rc = build_values(&w, err);
    if (rc == QUIRE_OK)
        rc = write_buffer(&w, out, len, err);
    work_free(&w);
    return rc;
}

/* ============================== Relocation ================================ */

/* An array of n elements of `size` bytes at offset `off`: inside [hdr,
 * len), 8-aligned, or NULL (off 0) when n is 0. */
static int array_ok(uintptr_t off, size_t n, size_t size, size_t hdr, size_t len)
{
    if (off == 0)
        return n == 0;
    if (off < hdr || off > len || off % 8 != 0 || n > (len - off) / size)
        return 0;
    return 1;
}

/* Every string of an array: bytes inside [hdr, len); ptr 0 only when
 * empty. */
static int strs_ok(const uint8_t *buf, uintptr_t off, size_t n, size_t hdr, size_t len)
{
    const quire_str *s = (const quire_str *)(const void *)(buf + off);
    for (size_t i = 0; i < n; i++) {
        uintptr_t p = (uintptr_t)s[i].ptr;
        if (p == 0 ? s[i].len != 0 : p < hdr || p > len || s[i].len > len - p)
            return 0;
    }
    return 1;
}

/* Ranges [a, a + an) and [b, b + bn) share no byte. */
static int disjoint(uintptr_t a, size_t an, uintptr_t b, size_t bn)
{
    return an == 0 || bn == 0 || a + an <= b || b + bn <= a;
}

static void relocate_strs(uint8_t *buf, const quire_str *arr, size_t n, int to_ptr)
{
    quire_str *s = (quire_str *)(uintptr_t)arr;
    for (size_t i = 0; i < n; i++) {
        if (s[i].ptr == NULL)
            continue;
        s[i].ptr = to_ptr ? (const char *)(buf + (uintptr_t)s[i].ptr)
                          : AS_PTR(const char *, (uintptr_t)s[i].ptr - (uintptr_t)buf);
    }
}

#define RELOCATE(field, type)                                                                      \
    do {                                                                                           \
        if (ds->field != NULL)                                                                     \
            ds->field = (type)(buf + (uintptr_t)ds->field);                                        \
    } while (0)

quire_dataset *dataset_relocate(void *vbuf, size_t len)
{
    uint8_t *buf = vbuf;
    quire_dataset *ds = vbuf;
    size_t hdr = align8(sizeof(quire_dataset));
    size_t strsz = sizeof(quire_str);
    uintptr_t cats, sers, vts, vals, cvs, name;
    size_t nvalues;

    if (buf == NULL || (uintptr_t)buf % 8 != 0 || len < hdr || len % 8 != 0)
        return NULL;
    if (ds->size != sizeof(quire_dataset) || ds->has_other > 1 || ds->bucket > QUIRE_BUCKET_YEAR ||
        ds->category_type > QUIRE_TYPE_TIMESTAMP || (ds->has_other && ds->ncategories == 0))
        return NULL;
    if (ds->ncategories > len || ds->nseries > len)
        return NULL;
    nvalues = ds->ncategories * ds->nseries; /* both below len: no overflow on 64 bits */
    if (ds->ncategories != 0 && nvalues / ds->ncategories != ds->nseries)
        return NULL;
    cats = (uintptr_t)ds->categories;
    sers = (uintptr_t)ds->series;
    vts = (uintptr_t)ds->value_text;
    vals = (uintptr_t)ds->values;
    cvs = (uintptr_t)ds->category_values;
    name = (uintptr_t)ds->name;
    if (!array_ok(cats, ds->ncategories, strsz, hdr, len) ||
        !array_ok(sers, ds->nseries, strsz, hdr, len) || !array_ok(vts, nvalues, strsz, hdr, len) ||
        !array_ok(vals, nvalues, sizeof(double), hdr, len) ||
        (cvs != 0 && !array_ok(cvs, ds->ncategories, sizeof(double), hdr, len)))
        return NULL;
    size_t name_len = 0;
    if (name != 0) {
        const uint8_t *nul = name >= hdr && name < len ? memchr(buf + name, 0, len - name) : NULL;
        if (nul == NULL)
            return NULL;
        name_len = (size_t)(nul - (buf + name)) + 1;
    }
    /* Relocating writes the arrays of strings: one must not hold another's
     * entries, or an entry would move twice. */
    if (!disjoint(cats, ds->ncategories * strsz, sers, ds->nseries * strsz) ||
        !disjoint(cats, ds->ncategories * strsz, vts, nvalues * strsz) ||
        !disjoint(sers, ds->nseries * strsz, vts, nvalues * strsz))
        return NULL;
    /* Nor may they hold the name's bytes, whose terminating NUL could be
     * rewritten. */
    if (!disjoint(name, name_len, cats, ds->ncategories * strsz) ||
        !disjoint(name, name_len, sers, ds->nseries * strsz) ||
        !disjoint(name, name_len, vts, nvalues * strsz))
        return NULL;
    if (!strs_ok(buf, cats, ds->ncategories, hdr, len) ||
        !strs_ok(buf, sers, ds->nseries, hdr, len) || !strs_ok(buf, vts, nvalues, hdr, len))
        return NULL;

    RELOCATE(categories, const quire_str *);
    RELOCATE(series, const quire_str *);
    RELOCATE(value_text, const quire_str *);
    RELOCATE(values, const double *);
    RELOCATE(category_values, const double *);
    RELOCATE(name, const char *);
    relocate_strs(buf, ds->categories, ds->ncategories, 1);
    relocate_strs(buf, ds->series, ds->nseries, 1);
    relocate_strs(buf, ds->value_text, nvalues, 1);
    return ds;
}

#define UNRELOCATE(field, type)                                                                    \
    do {                                                                                           \
        if (ds->field != NULL)                                                                     \
            ds->field = AS_PTR(type, (uintptr_t)ds->field - (uintptr_t)buf);                       \
    } while (0)

void dataset_unrelocate(void *vbuf)
{
    uint8_t *buf = vbuf;
    quire_dataset *ds = vbuf;
    relocate_strs(buf, ds->categories, ds->ncategories, 0);
    relocate_strs(buf, ds->series, ds->nseries, 0);
    relocate_strs(buf, ds->value_text, ds->ncategories * ds->nseries, 0);
    UNRELOCATE(categories, const quire_str *);
    UNRELOCATE(series, const quire_str *);
    UNRELOCATE(value_text, const quire_str *);
    UNRELOCATE(values, const double *);
    UNRELOCATE(category_values, const double *);
    UNRELOCATE(name, const char *);
}
