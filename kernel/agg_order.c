/*
 * agg_order.c - the accumulators that pick one value: min and max (any
 * type, floats and strings in the total orders of agg.h), first and last
 * (by row ordinal), with the string copies their states own; and ordering
 * groups by an accumulator's result (agg_msort, agg_sort_by_result). agg.c
 * dispatches here (agg_int.h).
 */
#include "agg_int.h"

#include <stdlib.h>
#include <string.h>

/* ============================== Owned strings, value order ================ */

static int own_str_set(own_str *s, const char *p, size_t len)
{
    if (len > s->cap) {
        size_t cap = s->cap ? s->cap : 16;
        char *buf;
        while (cap < len)
            cap = cap > SIZE_MAX / 2 ? len : cap * 2;
        buf = realloc(s->buf, cap);
        if (buf == NULL)
            return -1;
        s->buf = buf;
        s->cap = cap;
    }
    if (len > 0)
        memcpy(s->buf, p, len);
    s->len = len;
    return 0;
}

int agg_value_cmp(const qv *a, const qv *b)
{
    switch (a->type) {
    case QUIRE_TYPE_FLOAT: return acc_float_cmp(a->u.f, b->u.f);
    case QUIRE_TYPE_STRING: return agg_bytes_cmp(a->u.s.ptr, a->u.s.len, b->u.s.ptr, b->u.s.len);
    default: return (a->u.i > b->u.i) - (a->u.i < b->u.i);
    }
}

/* ============================== Update ==================================== */

/* min (want = -1) or max (want = 1) of 64-bit integer-like values. */
void acc_upd_minmax_i(acc_rows a, const int64_t *v, int want)
{
    for (uint32_t i = 0; i < a.n; i++) {
        uint32_t r = ROW(a, i);
        st_pick_i *st;
        if (IS_NULL(a, r))
            continue;
        st = STATE(a, r);
        if (!st->has || (want < 0 ? v[r] < st->v : v[r] > st->v)) {
            st->v = v[r];
            st->has = 1;
        }
    }
}

/* min (want = -1) or max (want = 1) of floats. */
void acc_upd_minmax_f(acc_rows a, const double *v, int want)
{
    for (uint32_t i = 0; i < a.n; i++) {
        uint32_t r = ROW(a, i);
        st_pick_f *st;
        if (IS_NULL(a, r))
            continue;
        st = STATE(a, r);
        if (!st->has || acc_float_cmp(v[r], st->v) == want) {
            st->v = v[r];
            st->has = 1;
        }
    }
}

int acc_upd_minmax_s(acc_rows a, const quire_str *v, int want)
{
    for (uint32_t i = 0; i < a.n; i++) {
        uint32_t r = ROW(a, i);
        st_pick_s *st;
        if (IS_NULL(a, r))
            continue;
        st = STATE(a, r);
        if (!st->has || agg_bytes_cmp(v[r].ptr, v[r].len, st->s.buf, st->s.len) == want) {
            if (own_str_set(&st->s, v[r].ptr, v[r].len) != 0)
                return -1;
            st->has = 1;
        }
    }
    return 0;
}

void acc_upd_pick_i(acc_rows a, const int64_t *v, int64_t ordinal_base, int last)
{
    for (uint32_t i = 0; i < a.n; i++) {
        uint32_t r = ROW(a, i);
        st_pick_i *st;
        if (IS_NULL(a, r))
            continue;
        st = STATE(a, r);
        if (acc_take_ordinal(st->has, st->ord, ordinal_base + r, last)) {
            st->v = v[r];
            st->ord = ordinal_base + r;
            st->has = 1;
        }
    }
}

void acc_upd_pick_f(acc_rows a, const double *v, int64_t ordinal_base, int last)
{
    for (uint32_t i = 0; i < a.n; i++) {
        uint32_t r = ROW(a, i);
        st_pick_f *st;
        if (IS_NULL(a, r))
            continue;
        st = STATE(a, r);
        if (acc_take_ordinal(st->has, st->ord, ordinal_base + r, last)) {
            st->v = v[r];
            st->ord = ordinal_base + r;
            st->has = 1;
        }
    }
}

int acc_upd_pick_s(acc_rows a, const quire_str *v, int64_t ordinal_base, int last)
{
    for (uint32_t i = 0; i < a.n; i++) {
        uint32_t r = ROW(a, i);
        st_pick_s *st;
        if (IS_NULL(a, r))
            continue;
        st = STATE(a, r);
        if (acc_take_ordinal(st->has, st->ord, ordinal_base + r, last)) {
            if (own_str_set(&st->s, v[r].ptr, v[r].len) != 0)
                return -1;
            st->ord = ordinal_base + r;
            st->has = 1;
        }
    }
    return 0;
}

/* ============================== Merge ===================================== */

int acc_merge_pick_s(st_pick_s *dst, const st_pick_s *src)
{
    if (own_str_set(&dst->s, src->s.buf, src->s.len) != 0)
        return -1;
    dst->ord = src->ord;
    dst->has = 1;
    return 0;
}

/* ============================== Results =================================== */

/* A picked string as a value: copied into the arena, or pointing into the
 * state. */
int acc_result_str(const st_pick_s *st, qv *out, quire_arena *arena, quire_error *err)
{
    const char *p = st->s.len > 0 ? st->s.buf : "";

    if (arena != NULL) {
        p = arena_strndup(arena, p, st->s.len);
        if (p == NULL) {
            error_setf(err, QUIRE_E_NOMEM, "out of memory copying a string result");
            return QUIRE_ERR;
        }
    }
    *out = qv_string(p, st->s.len);
    return QUIRE_OK;
}

/* ============================== Sorting =================================== */

int agg_msort(uint32_t *a, size_t n, agg_cmp_fn cmp, const void *ctx)
{
    uint32_t *tmp, *src = a, *dst;

    if (n < 2)
        return 0;
    if (n > SIZE_MAX / sizeof(uint32_t))
        return -1;
    tmp = malloc(n * sizeof(uint32_t));
    if (tmp == NULL)
        return -1;
    dst = tmp;
    /* Bottom-up merge sort: runs of width w are merged pairwise from src
     * into dst, then the arrays swap roles. */
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n;
            size_t hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                dst[k++] = cmp(ctx, src[j], src[i]) < 0 ? src[j++] : src[i++];
            while (i < mid)
                dst[k++] = src[i++];
            while (j < hi)
                dst[k++] = src[j++];
        }
        uint32_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * sizeof(uint32_t));
    free(tmp);
    return 0;
}

typedef struct result_order {
    const qv *vals; /* by position in the gid array */
    int desc;
} result_order;

static int cmp_results(const void *ctx, uint32_t x, uint32_t y)
{
    const result_order *o = ctx;
    const qv *a = &o->vals[x], *b = &o->vals[y];
    int c;

    /* NULL is above every value, so last ascending and first descending. */
    if (a->null || b->null)
        c = (a->null != 0) - (b->null != 0);
    else
        c = agg_value_cmp(a, b);
    return o->desc ? -c : c;
}

int agg_sort_by_result(const agg_layout *l, uint32_t acc, const void *base, uint32_t *gids,
                       size_t n, int desc, quire_error *err)
{
    qv *vals = NULL;
    uint32_t *pos = NULL, *sorted = NULL;
    result_order o;
    int rc = QUIRE_ERR;

    if (n < 2)
        return QUIRE_OK;
    if (n > UINT32_MAX || n > SIZE_MAX / sizeof(qv)) {
        error_setf(err, QUIRE_E_NOMEM, "too many groups to sort: %zu", n);
        return QUIRE_ERR;
    }
    vals = malloc(n * sizeof(qv));
    pos = malloc(n * sizeof(uint32_t));
    sorted = malloc(n * sizeof(uint32_t));
    if (vals == NULL || pos == NULL || sorted == NULL) {
        error_setf(err, QUIRE_E_NOMEM, "out of memory sorting %zu groups", n);
        goto fail_free_buffers;
    }
    for (size_t i = 0; i < n; i++) {
        /* String results point into their states, which outlive the sort. */
        if (agg_result(l, acc, (const char *)base + (size_t)gids[i] * l->size, &vals[i], NULL,
                       err) != QUIRE_OK)
            goto fail_free_buffers;
        pos[i] = (uint32_t)i;
    }
    o.vals = vals;
    o.desc = desc;
    if (agg_msort(pos, n, cmp_results, &o) != 0) {
        error_setf(err, QUIRE_E_NOMEM, "out of memory sorting %zu groups", n);
        goto fail_free_buffers;
    }
    for (size_t i = 0; i < n; i++)
        sorted[i] = gids[pos[i]];
    memcpy(gids, sorted, n * sizeof(uint32_t));
    rc = QUIRE_OK;
fail_free_buffers:
    free(sorted);
    free(pos);
    free(vals);
    return rc;
}
