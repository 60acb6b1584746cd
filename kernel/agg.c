/*
 * agg.c - accumulators (see agg.h for what each aggregate computes): names
 * and result types, the layout, init, destroy and reset of state blocks,
 * and the dispatch of update, merge and result on each accumulator's kind.
 * The kinds themselves live in agg_numeric.c (count, sum, avg, variances),
 * agg_order.c (min, max, first, last, and sorting by results) and
 * agg_values.c (count_distinct, median, percentile).
 *
 * A layout lists the accumulators with each one's implementation kind and
 * its offset in the state block. An update runs one tight loop per
 * accumulator over the selected rows of a batch column; the kind is chosen
 * once per call, outside the loop. Everything a state owns on the heap
 * (distinct sets, value lists, string copies) hangs off a pointer in the
 * block and is allocated on first use, so agg_state_init() is a memset.
 */
#include "agg_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"

/* ============================== Names and types =========================== */

const char *agg_calc_name(report_calc calc)
{
    static const char *const names[] = {
        "none",       "count",  "count_distinct", "sum",        "avg",     "min",
        "max",        "first",  "last",           "var_samp",   "var_pop", "stddev_samp",
        "stddev_pop", "median", "percentile",     "running_sum"};

    if ((unsigned)calc < sizeof(names) / sizeof(names[0]))
        return names[calc];
    return "?";
}

static int is_number(uint32_t type)
{
    return type == QUIRE_TYPE_INT || type == QUIRE_TYPE_DECIMAL || type == QUIRE_TYPE_FLOAT;
}

int agg_result_type(const agg_spec *s, uint32_t *type, int32_t *scale, char *why, size_t why_len)
{
    char tname[32];
    const char *name = agg_calc_name(s->calc);
    uint32_t in = s->in_type;

    if (why_len > 0)
        why[0] = '\0';
    *type = QUIRE_TYPE_NULL;
    *scale = 0;
    if (s->calc == CALC_COUNT) {
        *type = QUIRE_TYPE_INT;
        return 0;
    }
    if (s->calc == CALC_NONE || (unsigned)s->calc > CALC_RUNNING_SUM) {
        snprintf(why, why_len, "'%s' is not an aggregate", name);
        return -1;
    }
    if (in > QUIRE_TYPE_TIMESTAMP) {
        snprintf(why, why_len, "%s cannot read values of unknown type %" PRIu32, name, in);
        return -1;
    }
    if (in == QUIRE_TYPE_DECIMAL && (s->in_scale < 0 || s->in_scale > QV_MAX_SCALE)) {
        snprintf(why, why_len, "decimal scale must be between 0 and %d, got %" PRId32, QV_MAX_SCALE,
                 s->in_scale);
        return -1;
    }
    batch_type_text(in, s->in_scale, tname, sizeof(tname));
    switch (s->calc) {
    case CALC_COUNT_DISTINCT: *type = QUIRE_TYPE_INT; return 0;
    case CALC_SUM:
    case CALC_RUNNING_SUM:
        if (in != QUIRE_TYPE_NULL && !is_number(in))
            break;
        *type = in;
        *scale = in == QUIRE_TYPE_DECIMAL ? s->in_scale : 0;
        return 0;
    case CALC_PERCENTILE:
        if (!(s->p >= 0.0 && s->p <= 1.0)) {
            snprintf(why, why_len, "percentile needs p between 0 and 1, got %g", s->p);
            return -1;
        }
        /* fall through */
    case CALC_AVG:
    case CALC_VAR_SAMP:
    case CALC_VAR_POP:
    case CALC_STDDEV_SAMP:
    case CALC_STDDEV_POP:
    case CALC_MEDIAN:
        if (in != QUIRE_TYPE_NULL && !is_number(in))
            break;
        *type = QUIRE_TYPE_FLOAT;
        return 0;
    default: /* min, max, first, last: any type */
        *type = in;
        *scale = in == QUIRE_TYPE_DECIMAL ? s->in_scale : 0;
        return 0;
    }
    snprintf(why, why_len, "%s needs numbers, got %s", name, tname);
    return -1;
}

/* ============================== Layout ==================================== */

static enum acc_kind kind_of(const agg_spec *s)
{
    uint32_t t = s->in_type;
    int is_f = t == QUIRE_TYPE_FLOAT, is_s = t == QUIRE_TYPE_STRING;

    if (s->calc == CALC_COUNT)
        return K_COUNT;
    if (t == QUIRE_TYPE_NULL)
        return s->calc == CALC_COUNT_DISTINCT ? K_COUNT : K_NONE;
    switch (s->calc) {
    case CALC_COUNT_DISTINCT: return is_s ? K_DISTINCT_S : is_f ? K_DISTINCT_F : K_DISTINCT_I;
    case CALC_SUM:
    case CALC_RUNNING_SUM:
    case CALC_AVG: return is_f ? K_SUM_F : K_SUM_I;
    case CALC_MIN: return is_s ? K_MIN_S : is_f ? K_MIN_F : K_MIN_I;
    case CALC_MAX: return is_s ? K_MAX_S : is_f ? K_MAX_F : K_MAX_I;
    case CALC_FIRST: return is_s ? K_FIRST_S : is_f ? K_FIRST_F : K_FIRST_I;
    case CALC_LAST: return is_s ? K_LAST_S : is_f ? K_LAST_F : K_LAST_I;
    case CALC_MEDIAN:
    case CALC_PERCENTILE: return is_f ? K_PCT_F : K_PCT_I;
    default: return is_f ? K_VAR_F : K_VAR_I;
    }
}

static void kind_size(enum acc_kind k, size_t *size, size_t *align)
{
    switch (k) {
    case K_NONE: *size = 0; break;
    case K_COUNT: *size = sizeof(st_count); break;
    case K_DISTINCT_I:
    case K_DISTINCT_F:
    case K_DISTINCT_S: *size = sizeof(st_distinct); break;
    case K_SUM_I: *size = sizeof(st_sum_i); break;
    case K_SUM_F: *size = sizeof(st_sum_f); break;
    case K_MIN_I:
    case K_MAX_I:
    case K_FIRST_I:
    case K_LAST_I: *size = sizeof(st_pick_i); break;
    case K_MIN_F:
    case K_MAX_F:
    case K_FIRST_F:
    case K_LAST_F: *size = sizeof(st_pick_f); break;
    case K_MIN_S:
    case K_MAX_S:
    case K_FIRST_S:
    case K_LAST_S: *size = sizeof(st_pick_s); break;
    case K_VAR_I: *size = sizeof(st_var_i); break;
    case K_VAR_F: *size = sizeof(st_var); break;
    case K_PCT_I:
    case K_PCT_F: *size = sizeof(st_pct); break;
    }
    *align = k == K_SUM_I ? _Alignof(st_sum_i) : k == K_VAR_I ? _Alignof(st_var_i) : 8;
}

static int kind_owns(enum acc_kind k)
{
    switch (k) {
    case K_DISTINCT_I:
    case K_DISTINCT_F:
    case K_DISTINCT_S:
    case K_MIN_S:
    case K_MAX_S:
    case K_FIRST_S:
    case K_LAST_S:
    case K_PCT_I:
    case K_PCT_F: return 1;
    default: return 0;
    }
}

agg_layout *agg_layout_new(const agg_spec *specs, size_t n)
{
    agg_layout *l;
    size_t off = 0, max_align = 8;
    char why[128];

    if (n > (SIZE_MAX - sizeof(*l)) / sizeof(acc_def))
        return NULL;
    l = calloc(1, sizeof(*l) + n * sizeof(acc_def));
    if (l == NULL)
        return NULL;
    l->n = n;
    for (size_t i = 0; i < n; i++) {
        acc_def *d = &l->acc[i];
        size_t size, align;

        if (agg_result_type(&specs[i], &d->rtype, &d->rscale, why, sizeof(why)) != 0) {
            free(l);
            return NULL;
        }
        d->spec = specs[i];
        d->kind = kind_of(&specs[i]);
        d->p = specs[i].calc == CALC_MEDIAN ? 0.5 : specs[i].p;
        kind_size(d->kind, &size, &align);
        off = (off + align - 1) / align * align;
        d->off = off;
        off += size;
        if (align > max_align)
            max_align = align;
        l->owns |= kind_owns(d->kind);
    }
    l->size = (off + max_align - 1) / max_align * max_align;
    return l;
}

void agg_layout_free(agg_layout *l)
{
    free(l);
}

size_t agg_layout_count(const agg_layout *l)
{
    return l->n;
}

const agg_spec *agg_layout_spec(const agg_layout *l, uint32_t acc)
{
    return acc < l->n ? &l->acc[acc].spec : NULL;
}

uint32_t agg_layout_result_type(const agg_layout *l, uint32_t acc, int32_t *scale)
{
    if (acc >= l->n) {
        *scale = 0;
        return QUIRE_TYPE_NULL;
    }
    *scale = l->acc[acc].rscale;
    return l->acc[acc].rtype;
}

int agg_layout_owns_memory(const agg_layout *l)
{
    return l->owns;
}

size_t agg_state_size(const agg_layout *l)
{
    return l->size;
}

/* ============================== Init, destroy, reset ====================== */

#define PCT_KEEP 65536 /* reset keeps lists up to this many values */

void agg_state_init(const agg_layout *l, void *state)
{
    /* Every kind's empty state is all zero bits (has = 0, n = 0, NULL
     * pointers, +0.0). */
    memset(state, 0, l->size);
}

void agg_state_destroy(const agg_layout *l, void *state)
{
    if (!l->owns)
        return;
    for (size_t i = 0; i < l->n; i++) {
        char *st = (char *)state + l->acc[i].off;
        switch (l->acc[i].kind) {
        case K_DISTINCT_I:
        case K_DISTINCT_F:
        case K_DISTINCT_S: acc_dset_free(((st_distinct *)st)->set); break;
        case K_MIN_S:
        case K_MAX_S:
        case K_FIRST_S:
        case K_LAST_S: free(((st_pick_s *)st)->s.buf); break;
        case K_PCT_I:
        case K_PCT_F: free(((st_pct *)st)->vals); break;
        default: break;
        }
    }
    memset(state, 0, l->size);
}

void agg_state_reset(const agg_layout *l, void *state)
{
    /* Every kind that owns nothing resets to zero bits, as init makes it:
     * those, and the padding between them, are zeroed in runs between the
     * accumulators that keep their buffers. Reset runs for every group and
     * (variables without reset) every row. */
    size_t zero_from = 0;

    if (!l->owns) {
        memset(state, 0, l->size);
        return;
    }
    for (size_t i = 0; i < l->n; i++) {
        char *st = (char *)state + l->acc[i].off;
        size_t size, align;
        if (!kind_owns(l->acc[i].kind))
            continue;
        if (l->acc[i].off > zero_from)
            memset((char *)state + zero_from, 0, l->acc[i].off - zero_from);
        kind_size(l->acc[i].kind, &size, &align);
        zero_from = l->acc[i].off + size;
        switch (l->acc[i].kind) {
        case K_DISTINCT_I:
        case K_DISTINCT_F:
        case K_DISTINCT_S: acc_dset_clear(((st_distinct *)st)->set); break;
        case K_MIN_S:
        case K_MAX_S:
        case K_FIRST_S:
        case K_LAST_S: {
            st_pick_s *ps = (st_pick_s *)st;
            ps->has = 0;
            ps->ord = 0;
            ps->s.len = 0;
            break;
        }
        case K_PCT_I:
        case K_PCT_F: {
            st_pct *pp = (st_pct *)st;
            if (pp->cap > PCT_KEEP) {
                free(pp->vals);
                pp->vals = NULL;
                pp->cap = 0;
            }
            pp->n = 0;
            break;
        }
        default: break;
        }
    }
    if (l->size > zero_from)
        memset((char *)state + zero_from, 0, l->size - zero_from);
}

size_t agg_state_memory(const agg_layout *l, const void *state)
{
    size_t total = 0;

    if (!l->owns)
        return 0;
    for (size_t i = 0; i < l->n; i++) {
        const char *st = (const char *)state + l->acc[i].off;
        switch (l->acc[i].kind) {
        case K_DISTINCT_I:
        case K_DISTINCT_F:
        case K_DISTINCT_S: total += acc_dset_memory(((const st_distinct *)st)->set); break;
        case K_MIN_S:
        case K_MAX_S:
        case K_FIRST_S:
        case K_LAST_S: total += ((const st_pick_s *)st)->s.cap; break;
        case K_PCT_I:
        case K_PCT_F: total += ((const st_pct *)st)->cap * 8; break;
        default: break;
        }
    }
    return total;
}

/* ============================== Update ==================================== */

static int check_column(const acc_def *d, uint32_t acc, const quire_column *in, quire_error *err)
{
    char want[32], got[32];

    if (in == NULL) {
        if (d->spec.calc == CALC_COUNT)
            return 0;
        error_setf(err, QUIRE_E_INTERNAL, "accumulator %" PRIu32 " (%s) needs an input column", acc,
                   agg_calc_name(d->spec.calc));
        return -1;
    }
    if (d->spec.calc == CALC_COUNT || in->type == QUIRE_TYPE_NULL)
        return 0;
    if (in->type == d->spec.in_type &&
        (in->type != QUIRE_TYPE_DECIMAL || in->scale == d->spec.in_scale))
        return 0;
    error_setf(err, QUIRE_E_INTERNAL, "accumulator %" PRIu32 " (%s) expects %s, got %s", acc,
               agg_calc_name(d->spec.calc),
               batch_type_text(d->spec.in_type, d->spec.in_scale, want, sizeof(want)),
               batch_type_text(in->type, in->scale, got, sizeof(got)));
    return -1;
}

int agg_update(const agg_layout *l, uint32_t acc, void *base, const uint32_t *gid,
               const quire_column *in, const uint32_t *sel, uint32_t n, int64_t ordinal_base,
               quire_error *err)
{
    const acc_def *d;
    acc_rows a;
    int rc = 0;

    if (acc >= l->n) {
        error_setf(err, QUIRE_E_INTERNAL, "accumulator %" PRIu32 " out of range (%zu)", acc, l->n);
        return QUIRE_ERR;
    }
    d = &l->acc[acc];
    if (check_column(d, acc, in, err) != 0)
        return QUIRE_ERR;
    if (n == 0 || d->kind == K_NONE || (in != NULL && in->type == QUIRE_TYPE_NULL))
        return QUIRE_OK;
    if (n == 1 && gid == NULL && (d->kind == K_COUNT || d->kind == K_SUM_I)) {
        /* A report's counts and sums take each detail row on its own:
         * no loop to set up for one row. */
        uint32_t r = sel != NULL ? sel[0] : 0;
        char *st = (char *)base + d->off;
        if (in != NULL && in->nulls != NULL && in->nulls[r])
            return QUIRE_OK;
        if (d->kind == K_COUNT) {
            ((st_count *)st)->n++;
        } else {
            ((st_sum_i *)st)->sum += in->v.i64[r];
            ((st_sum_i *)st)->n++;
        }
        return QUIRE_OK;
    }
    a.base = (char *)base + d->off;
    a.gid = gid;
    a.size = l->size;
    a.sel = sel;
    a.n = n;
    a.nulls = in != NULL ? in->nulls : NULL;
    switch (d->kind) {
    case K_NONE: break;
    case K_COUNT: acc_upd_count(a); break;
    case K_DISTINCT_I: rc = acc_upd_distinct_i(a, in->v.i64); break;
    case K_DISTINCT_F: rc = acc_upd_distinct_f(a, in->v.f64); break;
    case K_DISTINCT_S: rc = acc_upd_distinct_s(a, in->v.str); break;
    case K_SUM_I: acc_upd_sum_i(a, in->v.i64); break;
    case K_SUM_F: acc_upd_sum_f(a, in->v.f64); break;
    case K_MIN_I: acc_upd_minmax_i(a, in->v.i64, -1); break;
    case K_MAX_I: acc_upd_minmax_i(a, in->v.i64, 1); break;
    case K_MIN_F: acc_upd_minmax_f(a, in->v.f64, -1); break;
    case K_MAX_F: acc_upd_minmax_f(a, in->v.f64, 1); break;
    case K_MIN_S: rc = acc_upd_minmax_s(a, in->v.str, -1); break;
    case K_MAX_S: rc = acc_upd_minmax_s(a, in->v.str, 1); break;
    case K_FIRST_I: acc_upd_pick_i(a, in->v.i64, ordinal_base, 0); break;
    case K_LAST_I: acc_upd_pick_i(a, in->v.i64, ordinal_base, 1); break;
    case K_FIRST_F: acc_upd_pick_f(a, in->v.f64, ordinal_base, 0); break;
    case K_LAST_F: acc_upd_pick_f(a, in->v.f64, ordinal_base, 1); break;
    case K_FIRST_S: rc = acc_upd_pick_s(a, in->v.str, ordinal_base, 0); break;
    case K_LAST_S: rc = acc_upd_pick_s(a, in->v.str, ordinal_base, 1); break;
    case K_VAR_I: acc_upd_var_i(a, in->v.i64); break;
    case K_VAR_F: acc_upd_var_f(a, in->v.f64); break;
    case K_PCT_I: rc = acc_upd_pct(a, (const char *)in->v.i64); break;
    case K_PCT_F: rc = acc_upd_pct(a, (const char *)in->v.f64); break;
    }
    if (rc != 0) {
        error_setf(err, QUIRE_E_NOMEM, "out of memory in %s", agg_calc_name(d->spec.calc));
        return QUIRE_ERR;
    }
    return QUIRE_OK;
}

/* ============================== Merge ===================================== */

static int merge_one(const acc_def *d, char *dst, const char *src)
{
    switch (d->kind) {
    case K_NONE: break;
    case K_COUNT: ((st_count *)dst)->n += ((const st_count *)src)->n; break;
    case K_DISTINCT_I:
    case K_DISTINCT_F:
        return acc_dset_merge(&((st_distinct *)dst)->set, ((const st_distinct *)src)->set, 0);
    case K_DISTINCT_S:
        return acc_dset_merge(&((st_distinct *)dst)->set, ((const st_distinct *)src)->set, 1);
    case K_SUM_I: {
        st_sum_i *a = (st_sum_i *)dst;
        const st_sum_i *b = (const st_sum_i *)src;
        a->sum += b->sum;
        a->n += b->n;
        break;
    }
    case K_SUM_F: {
        st_sum_f *a = (st_sum_f *)dst;
        const st_sum_f *b = (const st_sum_f *)src;
        a->comp += b->comp;
        acc_neumaier_add(a, b->sum);
        a->n += b->n;
        break;
    }
    case K_MIN_I:
    case K_MAX_I: {
        st_pick_i *a = (st_pick_i *)dst;
        const st_pick_i *b = (const st_pick_i *)src;
        if (b->has && (!a->has || (d->kind == K_MIN_I ? b->v < a->v : b->v > a->v)))
            *a = *b;
        break;
    }
    case K_MIN_F:
    case K_MAX_F: {
        st_pick_f *a = (st_pick_f *)dst;
        const st_pick_f *b = (const st_pick_f *)src;
        if (b->has && (!a->has || acc_float_cmp(b->v, a->v) == (d->kind == K_MIN_F ? -1 : 1)))
            *a = *b;
        break;
    }
    case K_MIN_S:
    case K_MAX_S: {
        st_pick_s *a = (st_pick_s *)dst;
        const st_pick_s *b = (const st_pick_s *)src;
        if (b->has && (!a->has || agg_bytes_cmp(b->s.buf, b->s.len, a->s.buf, a->s.len) ==
                                      (d->kind == K_MIN_S ? -1 : 1)))
            return acc_merge_pick_s(a, b);
        break;
    }
    case K_FIRST_I:
    case K_LAST_I: {
        st_pick_i *a = (st_pick_i *)dst;
        const st_pick_i *b = (const st_pick_i *)src;
        if (b->has && acc_take_ordinal(a->has, a->ord, b->ord, d->kind == K_LAST_I))
            *a = *b;
        break;
    }
    case K_FIRST_F:
    case K_LAST_F: {
        st_pick_f *a = (st_pick_f *)dst;
        const st_pick_f *b = (const st_pick_f *)src;
        if (b->has && acc_take_ordinal(a->has, a->ord, b->ord, d->kind == K_LAST_F))
            *a = *b;
        break;
    }
    case K_FIRST_S:
    case K_LAST_S: {
        st_pick_s *a = (st_pick_s *)dst;
        const st_pick_s *b = (const st_pick_s *)src;
        if (b->has && acc_take_ordinal(a->has, a->ord, b->ord, d->kind == K_LAST_S))
            return acc_merge_pick_s(a, b);
        break;
    }
    case K_VAR_I: {
        st_var_i *a = (st_var_i *)dst;
        const st_var_i *b = (const st_var_i *)src;
        a->sum += b->sum;
        a->sq_lo += b->sq_lo;
        a->sq_hi += b->sq_hi + (a->sq_lo < b->sq_lo);
        a->n += b->n;
        break;
    }
    case K_VAR_F: acc_var_merge((st_var *)dst, (const st_var *)src); break;
    case K_PCT_I:
    case K_PCT_F: return acc_pct_append((st_pct *)dst, (const st_pct *)src);
    }
    return 0;
}

int agg_merge(const agg_layout *l, void *dst, const void *src, quire_error *err)
{
    for (size_t i = 0; i < l->n; i++) {
        const acc_def *d = &l->acc[i];
        if (merge_one(d, (char *)dst + d->off, (const char *)src + d->off) != 0) {
            error_setf(err, QUIRE_E_NOMEM, "out of memory merging %s", agg_calc_name(d->spec.calc));
            return QUIRE_ERR;
        }
    }
    return QUIRE_OK;
}

/* ============================== Results =================================== */

int agg_result(const agg_layout *l, uint32_t acc, const void *state, qv *out, quire_arena *arena,
               quire_error *err)
{
    const acc_def *d;
    const char *st;

    if (acc >= l->n) {
        error_setf(err, QUIRE_E_INTERNAL, "accumulator %" PRIu32 " out of range (%zu)", acc, l->n);
        return QUIRE_ERR;
    }
    d = &l->acc[acc];
    st = (const char *)state + d->off;
    *out = qv_null(d->rtype);
    out->scale = (int16_t)d->rscale;
    switch (d->kind) {
    case K_NONE: break;
    case K_COUNT: *out = qv_int(((const st_count *)st)->n); break;
    case K_DISTINCT_I:
    case K_DISTINCT_F:
    case K_DISTINCT_S:
        *out = qv_int((int64_t)acc_dset_count(((const st_distinct *)st)->set));
        break;
    case K_SUM_I:
        if (d->spec.calc == CALC_AVG) {
            *out = acc_result_avg(d, st);
            break;
        }
        return acc_result_sum_i(d, (const st_sum_i *)st, out, err);
    case K_SUM_F:
        if (d->spec.calc == CALC_AVG)
            *out = acc_result_avg(d, st);
        else if (((const st_sum_f *)st)->n > 0)
            *out = qv_float(acc_sum_f_value((const st_sum_f *)st));
        break;
    case K_MIN_I:
    case K_MAX_I:
    case K_FIRST_I:
    case K_LAST_I:
        if (((const st_pick_i *)st)->has) {
            out->null = 0;
            out->u.i = ((const st_pick_i *)st)->v;
        }
        break;
    case K_MIN_F:
    case K_MAX_F:
    case K_FIRST_F:
    case K_LAST_F:
        if (((const st_pick_f *)st)->has)
            *out = qv_float(((const st_pick_f *)st)->v);
        break;
    case K_MIN_S:
    case K_MAX_S:
    case K_FIRST_S:
    case K_LAST_S:
        if (((const st_pick_s *)st)->has)
            return acc_result_str((const st_pick_s *)st, out, arena, err);
        break;
    case K_VAR_I:
    case K_VAR_F: *out = acc_result_var(d, st); break;
    case K_PCT_I:
    case K_PCT_F: {
        /* The list is sorted in place: the pointer in the const state
         * leads to memory the state owns, and order is not part of the
         * state's value. */
        st_pct list = *(const st_pct *)st;
        if (list.n > 0)
            *out = qv_float(acc_pct_value(&list, d->kind == K_PCT_F, d->p, d->spec.in_scale));
        break;
    }
    }
    return QUIRE_OK;
}
