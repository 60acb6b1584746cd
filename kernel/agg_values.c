/*
 * agg_values.c - the accumulators that keep values: count_distinct (a hash
 * set per state of 64-bit values, canonical float bits or strings) and
 * median and percentile (a list of every value, sorted when the result is
 * read). The sets and lists are the state's heap memory. agg.c dispatches
 * here (agg_int.h).
 */
#include "agg_int.h"

#include <stdlib.h>
#include <string.h>

#include "decimal.h"

/* ============================== Distinct sets ============================= */

/*
 * Open addressing with linear probing, at most half full. 64-bit values are
 * stored as themselves (0 marks an empty slot, so a zero value is a flag).
 * Strings are appended to one byte buffer; a slot holds the upper 32 bits
 * of the hash (which also choose the slot, so growing needs no rehashing of
 * bytes) and the string's index + 1.
 */
struct dset {
    uint64_t *slots;
    size_t mask;  /* slots - 1 */
    size_t count; /* occupied slots */
    int has_zero;
    char *bytes; /* strings: their bytes, back to back */
    size_t nbytes, capbytes;
    size_t *ends; /* strings: ends[i] = end of string i in bytes */
    size_t capends;
};

#define DSET_MIN_SLOTS   16
#define DSET_MAX_STRINGS ((size_t)1 << 31) /* indexes fit the low half of a slot */
#define DSET_KEEP_SLOTS  4096              /* reset keeps tables up to this size */

size_t acc_dset_count(const dset *s)
{
    return s == NULL ? 0 : s->count + (size_t)s->has_zero;
}

static uint64_t slot_index_s(uint64_t slot)
{
    return (slot >> 32) & 0xffffffffu;
}

static int dset_grow(dset *s, int strings)
{
    size_t cap = s->slots ? (s->mask + 1) * 2 : DSET_MIN_SLOTS;
    uint64_t *slots;

    if (cap > SIZE_MAX / sizeof(uint64_t) || (strings && cap > DSET_MAX_STRINGS * 2))
        return -1;
    slots = calloc(cap, sizeof(uint64_t));
    if (slots == NULL)
        return -1;
    for (size_t i = 0; s->slots != NULL && i <= s->mask; i++) {
        uint64_t v = s->slots[i];
        size_t j;
        if (v == 0)
            continue;
        j = (strings ? slot_index_s(v) : agg_hash_u64(v)) & (cap - 1);
        while (slots[j] != 0)
            j = (j + 1) & (cap - 1);
        slots[j] = v;
    }
    free(s->slots);
    s->slots = slots;
    s->mask = cap - 1;
    return 0;
}

static dset *dset_get(dset **ps)
{
    if (*ps == NULL)
        *ps = calloc(1, sizeof(dset));
    return *ps;
}

/* Adds x; 0 or -1 (no memory). */
static int dset_add_u64(dset **ps, uint64_t x)
{
    dset *s = dset_get(ps);
    size_t i;

    if (s == NULL)
        return -1;
    if (x == 0) {
        s->has_zero = 1;
        return 0;
    }
    if (s->slots == NULL || (s->count + 1) * 2 > s->mask + 1) {
        if (dset_grow(s, 0) != 0)
            return -1;
    }
    i = agg_hash_u64(x) & s->mask;
    while (s->slots[i] != 0) {
        if (s->slots[i] == x)
            return 0;
        i = (i + 1) & s->mask;
    }
    s->slots[i] = x;
    s->count++;
    return 0;
}

static const char *dset_str(const dset *s, size_t idx, size_t *len)
{
    size_t start = idx > 0 ? s->ends[idx - 1] : 0;
    *len = s->ends[idx] - start;
    return s->bytes + start;
}

static int dset_append_bytes(dset *s, const char *p, size_t len)
{
    if (s->count == s->capends) {
        size_t cap = s->capends ? s->capends * 2 : 16;
        size_t *ends = realloc(s->ends, cap * sizeof(size_t));
        if (ends == NULL)
            return -1;
        s->ends = ends;
        s->capends = cap;
    }
    if (len > s->capbytes - s->nbytes) {
        size_t cap = s->capbytes ? s->capbytes : 256;
        char *bytes;
        if (len > SIZE_MAX / 2 - s->nbytes)
            return -1;
        while (cap - s->nbytes < len)
            cap *= 2;
        bytes = realloc(s->bytes, cap);
        if (bytes == NULL)
            return -1;
        s->bytes = bytes;
        s->capbytes = cap;
    }
    if (len > 0)
        memcpy(s->bytes + s->nbytes, p, len);
    s->nbytes += len;
    s->ends[s->count] = s->nbytes;
    return 0;
}

/* Adds the string p[0..len) whose agg_hash_bytes is h; 0 or -1. */
static int dset_add_str(dset **ps, const char *p, size_t len, uint64_t h)
{
    dset *s = dset_get(ps);
    uint64_t tag = h >> 32;
    size_t i;

    if (s == NULL)
        return -1;
    if (s->slots == NULL || (s->count + 1) * 2 > s->mask + 1) {
        if (dset_grow(s, 1) != 0)
            return -1;
    }
    i = tag & s->mask;
    while (s->slots[i] != 0) {
        uint64_t v = s->slots[i];
        if (slot_index_s(v) == tag) {
            size_t olen;
            const char *o = dset_str(s, (size_t)(v & 0xffffffffu) - 1, &olen);
            if (olen == len && (len == 0 || memcmp(o, p, len) == 0))
                return 0;
        }
        i = (i + 1) & s->mask;
    }
    if (dset_append_bytes(s, p, len) != 0)
        return -1;
    s->slots[i] = (tag << 32) | (uint64_t)(s->count + 1);
    s->count++;
    return 0;
}

void acc_dset_free(dset *s)
{
    if (s == NULL)
        return;
    free(s->slots);
    free(s->bytes);
    free(s->ends);
    free(s);
}

void acc_dset_clear(dset *s)
{
    if (s == NULL)
        return;
    if (s->slots != NULL && s->mask + 1 > DSET_KEEP_SLOTS) {
        free(s->slots);
        s->slots = NULL;
        s->mask = 0;
    } else if (s->slots != NULL) {
        memset(s->slots, 0, (s->mask + 1) * sizeof(uint64_t));
    }
    s->count = 0;
    s->has_zero = 0;
    s->nbytes = 0;
}

size_t acc_dset_memory(const dset *s)
{
    if (s == NULL)
        return 0;
    return sizeof(*s) + (s->slots ? (s->mask + 1) * sizeof(uint64_t) : 0) + s->capbytes +
           s->capends * sizeof(size_t);
}

/* dst gets every value of src. */
int acc_dset_merge(dset **pdst, const dset *src, int strings)
{
    if (src == NULL)
        return 0;
    if (dset_get(pdst) == NULL)
        return -1;
    if (src->has_zero)
        (*pdst)->has_zero = 1;
    if (strings) {
        for (size_t i = 0; i < src->count; i++) {
            size_t len;
            const char *p = dset_str(src, i, &len);
            if (dset_add_str(pdst, p, len, agg_hash_bytes(p, len)) != 0)
                return -1;
        }
        return 0;
    }
    for (size_t i = 0; src->slots != NULL && i <= src->mask; i++) {
        if (src->slots[i] != 0 && dset_add_u64(pdst, src->slots[i]) != 0)
            return -1;
    }
    return 0;
}

/* ============================== Value lists =============================== */

static int pct_push(st_pct *st, const void *v)
{
    if (st->n == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 16;
        void *vals;
        if (cap > SIZE_MAX / 8)
            return -1;
        vals = realloc(st->vals, cap * 8);
        if (vals == NULL)
            return -1;
        st->vals = vals;
        st->cap = cap;
    }
    memcpy((char *)st->vals + st->n * 8, v, 8);
    st->n++;
    return 0;
}

int acc_pct_append(st_pct *dst, const st_pct *src)
{
    if (src->n == 0)
        return 0;
    if (dst->cap - dst->n < src->n) {
        size_t cap = dst->cap ? dst->cap : 16;
        void *vals;
        if (src->n > SIZE_MAX / 16 - dst->n)
            return -1;
        while (cap - dst->n < src->n)
            cap *= 2;
        vals = realloc(dst->vals, cap * 8);
        if (vals == NULL)
            return -1;
        dst->vals = vals;
        dst->cap = cap;
    }
    memcpy((char *)dst->vals + dst->n * 8, src->vals, src->n * 8);
    dst->n += src->n;
    return 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int cmp_f64(const void *a, const void *b)
{
    return acc_float_cmp(*(const double *)a, *(const double *)b);
}

/* Linear interpolation between neighbours a <= b at fraction t in [0, 1),
 * keeping infinities meaningful (-inf..x is -inf, x..+inf is +inf). */
static long double lerp(long double a, long double b, double t)
{
    if (t == 0.0 || a == b)
        return a;
    if (isinf(a) || isinf(b))
        return isinf(a) && isinf(b) ? (long double)NAN : isinf(a) ? a : b;
    return a + (long double)t * (b - a);
}

/* The percentile p of the list (sorted here, in place). */
double acc_pct_value(st_pct *st, int is_float, double p, int32_t scale)
{
    double h = p * (double)(st->n - 1);
    size_t lo = (size_t)floor(h);
    double t;

    if (lo >= st->n - 1) {
        lo = st->n - 1;
        t = 0.0;
    } else {
        t = h - (double)lo;
    }
    if (is_float) {
        double *v = st->vals;
        qsort(v, st->n, sizeof(double), cmp_f64);
        return (double)lerp(v[lo], t > 0.0 ? v[lo + 1] : v[lo], t);
    } else {
        int64_t *v = st->vals;
        long double x;
        qsort(v, st->n, sizeof(int64_t), cmp_i64);
        x = lerp((long double)v[lo], t > 0.0 ? (long double)v[lo + 1] : (long double)v[lo], t);
        return (double)(x / (long double)dec_pow10(scale));
    }
}

/* ============================== Update ==================================== */

/* The 8-byte cells of an INT/DECIMAL or FLOAT column go into the list as
 * they are. */
int acc_upd_pct(acc_rows a, const char *cells)
{
    for (uint32_t i = 0; i < a.n; i++) {
        uint32_t r = ROW(a, i);
        if (IS_NULL(a, r))
            continue;
        if (pct_push(STATE(a, r), cells + (size_t)r * 8) != 0)
            return -1;
    }
    return 0;
}

int acc_upd_distinct_i(acc_rows a, const int64_t *v)
{
    for (uint32_t i = 0; i < a.n; i++) {
        uint32_t r = ROW(a, i);
        if (IS_NULL(a, r))
            continue;
        if (dset_add_u64(&((st_distinct *)STATE(a, r))->set, (uint64_t)v[r]) != 0)
            return -1;
    }
    return 0;
}

int acc_upd_distinct_f(acc_rows a, const double *v)
{
    for (uint32_t i = 0; i < a.n; i++) {
        uint32_t r = ROW(a, i);
        if (IS_NULL(a, r))
            continue;
        if (dset_add_u64(&((st_distinct *)STATE(a, r))->set, agg_float_key(v[r])) != 0)
            return -1;
    }
    return 0;
}

int acc_upd_distinct_s(acc_rows a, const quire_str *v)
{
    for (uint32_t i = 0; i < a.n; i++) {
        uint32_t r = ROW(a, i);
        if (IS_NULL(a, r))
            continue;
        if (dset_add_str(&((st_distinct *)STATE(a, r))->set, v[r].ptr, v[r].len,
                         agg_hash_bytes(v[r].ptr, v[r].len)) != 0)
            return -1;
    }
    return 0;
}
