/*
 * agg.c - accumulators (see agg.h for what each aggregate computes).
 *
 * A layout lists the accumulators with each one's implementation kind and
 * its offset in the state block. An update runs one tight loop per
 * accumulator over the selected rows of a batch column; the kind is chosen
 * once per call, outside the loop. Everything a state owns on the heap
 * (distinct sets, value lists, string copies) hangs off a pointer in the
 * block and is allocated on first use, so agg_state_init() is a memset.
 */
#include "agg.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "batch.h"
#include "decimal.h"

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

/* ============================== States ==================================== */

/* Implementation kinds: one per (aggregate, input representation). */
enum acc_kind {
    K_NONE,       /* input of type NULL: the result is always NULL */
    K_COUNT,      /* st_count */
    K_DISTINCT_I, /* st_distinct over 64-bit values */
    K_DISTINCT_F, /* st_distinct over canonical float bits */
    K_DISTINCT_S, /* st_distinct over strings */
    K_SUM_I,      /* st_sum_i: sum, running_sum and avg of INT and DECIMAL */
    K_SUM_F,      /* st_sum_f: the same for FLOAT */
    K_MIN_I,      /* st_pick_i: min/max of 64-bit integer-like values */
    K_MAX_I,
    K_MIN_F, /* st_pick_f */
    K_MAX_F,
    K_MIN_S, /* st_pick_s */
    K_MAX_S,
    K_FIRST_I, /* st_pick_*: first/last by ordinal */
    K_LAST_I,
    K_FIRST_F,
    K_LAST_F,
    K_FIRST_S,
    K_LAST_S,
    K_VAR_I, /* st_var_i: variances and deviations of INT and DECIMAL, exact */
    K_VAR_F, /* st_var: variances and deviations of FLOAT (Welford) */
    K_PCT_I, /* st_pct of int64 (INT, DECIMAL): median, percentile */
    K_PCT_F, /* st_pct of double */
};

typedef struct st_count {
    int64_t n;
} st_count;

typedef struct st_sum_i {
    __int128 sum; /* |sum| <= n * 2^63 < 2^126: cannot overflow */
    int64_t n;
} st_sum_i;

typedef struct st_sum_f {
    double sum;
    double comp; /* Neumaier's running compensation */
    int64_t n;
} st_sum_f;

/* A string the state owns, in a buffer that only grows. */
typedef struct own_str {
    char *buf;
    size_t len;
    size_t cap;
} own_str;

typedef struct st_pick_i {
    int64_t has;
    int64_t ord; /* first/last only */
    int64_t v;
} st_pick_i;

typedef struct st_pick_f {
    int64_t has;
    int64_t ord;
    double v;
} st_pick_f;

typedef struct st_pick_s {
    int64_t has;
    int64_t ord;
    own_str s;
} st_pick_s;

/* INT and DECIMAL variances: the exact sums of x and x^2 (192 bits: |x|^2
 * < 2^126 and n < 2^63), so the result depends only on the multiset of
 * values, not on how rows were split into partitions. */
typedef struct st_var_i {
    __int128 sum;
    unsigned __int128 sq_lo; /* sum of squares, low 128 bits */
    uint64_t sq_hi;          /* and high 64 */
    int64_t n;
} st_var_i;

typedef struct st_var {
    double mean; /* DECIMAL: in scaled units */
    double m2;   /* sum of squared deviations from the mean */
    int64_t n;
} st_var;

typedef struct st_pct {
    void *vals; /* int64_t[] or double[] */
    size_t n;
    size_t cap;
} st_pct;

typedef struct dset dset;

typedef struct st_distinct {
    dset *set; /* NULL until the first value */
} st_distinct;

typedef struct acc_def {
    agg_spec spec;
    enum acc_kind kind;
    size_t off;
    uint32_t rtype;
    int32_t rscale;
    double p; /* percentile to read: spec.p, or 0.5 for median */
} acc_def;

struct agg_layout {
    size_t n;
    size_t size;
    int owns; /* some kind owns heap memory */
    acc_def acc[];
};

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

/* ============================== Owned strings ============================= */

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

static int bytes_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t m = alen < blen ? alen : blen;
    int c = m > 0 ? memcmp(a, b, m) : 0;

    if (c != 0)
        return c < 0 ? -1 : 1;
    return (alen > blen) - (alen < blen);
}

/* Floats in a total order: -0.0 < 0.0, every NaN equal and above +inf. */
static int float_cmp(double a, double b)
{
    int an = isnan(a), bn = isnan(b);

    if (an || bn)
        return (an != 0) - (bn != 0);
    if (a < b)
        return -1;
    if (a > b)
        return 1;
    return (signbit(b) != 0) - (signbit(a) != 0);
}

int agg_value_cmp(const qv *a, const qv *b)
{
    switch (a->type) {
    case QUIRE_TYPE_FLOAT: return float_cmp(a->u.f, b->u.f);
    case QUIRE_TYPE_STRING: return bytes_cmp(a->u.s.ptr, a->u.s.len, b->u.s.ptr, b->u.s.len);
    default: return (a->u.i > b->u.i) - (a->u.i < b->u.i);
    }
}

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

static size_t dset_count(const dset *s)
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

static void dset_free(dset *s)
{
    if (s == NULL)
        return;
    free(s->slots);
    free(s->bytes);
    free(s->ends);
    free(s);
}

static void dset_clear(dset *s)
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

static size_t dset_memory(const dset *s)
{
    if (s == NULL)
        return 0;
    return sizeof(*s) + (s->slots ? (s->mask + 1) * sizeof(uint64_t) : 0) + s->capbytes +
           s->capends * sizeof(size_t);
}

/* dst gets every value of src. */
static int dset_merge(dset **pdst, const dset *src, int strings)
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

/* The bits count_distinct keys a float by: one zero, one NaN. */
static uint64_t float_key(double f)
{
    uint64_t bits;

    if (f == 0.0)
        f = 0.0;
    else if (isnan(f))
        f = NAN;
    memcpy(&bits, &f, sizeof(bits));
    return bits;
}

/* ============================== Value lists =============================== */

#define PCT_KEEP 65536 /* reset keeps lists up to this many values */

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

static int pct_append(st_pct *dst, const st_pct *src)
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
    return float_cmp(*(const double *)a, *(const double *)b);
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
static double pct_value(st_pct *st, int is_float, double p, int32_t scale)
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

/* ============================== Init, destroy, reset ====================== */

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
        case K_DISTINCT_S: dset_free(((st_distinct *)st)->set); break;
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
    for (size_t i = 0; i < l->n; i++) {
        char *st = (char *)state + l->acc[i].off;
        switch (l->acc[i].kind) {
        case K_DISTINCT_I:
        case K_DISTINCT_F:
        case K_DISTINCT_S: dset_clear(((st_distinct *)st)->set); break;
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
        case K_NONE: break;
        default: {
            size_t size, align;
            kind_size(l->acc[i].kind, &size, &align);
            memset(st, 0, size);
            break;
        }
        }
    }
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
        case K_DISTINCT_S: total += dset_memory(((const st_distinct *)st)->set); break;
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

/* One update call's rows, passed by value so the loops keep every field in
 * registers (stores into states cannot alias a local copy). */
typedef struct rows {
    char *base; /* the state block of gid 0 plus the accumulator's offset */
    const uint32_t *gid;
    size_t size;
    const uint32_t *sel;
    uint32_t n;
    const uint8_t *nulls;
} rows;

#define ROW(a, i)     ((a).sel != NULL ? (a).sel[i] : (i))
#define IS_NULL(a, r) ((a).nulls != NULL && (a).nulls[r])
#define STATE(a, r)   ((void *)((a).base + ((a).gid != NULL ? (size_t)(a).gid[r] * (a).size : 0)))

static void upd_count(rows a)
{
    if (a.gid == NULL && a.nulls == NULL) {
        ((st_count *)a.base)->n += a.n;
        return;
    }
    for (uint32_t i = 0; i < a.n; i++) {
        uint32_t r = ROW(a, i);
        if (IS_NULL(a, r))
            continue;
        ((st_count *)STATE(a, r))->n++;
    }
}

static void upd_sum_i(rows a, const int64_t *v)
{
    for (uint32_t i = 0; i < a.n; i++) {
        uint32_t r = ROW(a, i);
        st_sum_i *st;
        if (IS_NULL(a, r))
            continue;
        st = STATE(a, r);
        st->sum += v[r];
        st->n++;
    }
}

static inline void neumaier_add(st_sum_f *st, double x)
{
    double t = st->sum + x;

    if (fabs(st->sum) >= fabs(x))
        st->comp += (st->sum - t) + x;
    else
        st->comp += (x - t) + st->sum;
    st->sum = t;
}

static void upd_sum_f(rows a, const double *v)
{
    for (uint32_t i = 0; i < a.n; i++) {
        uint32_t r = ROW(a, i);
        st_sum_f *st;
        if (IS_NULL(a, r))
            continue;
        st = STATE(a, r);
        neumaier_add(st, v[r]);
        st->n++;
    }
}

static void upd_min_i(rows a, const int64_t *v)
{
    for (uint32_t i = 0; i < a.n; i++) {
        uint32_t r = ROW(a, i);
        st_pick_i *st;
        if (IS_NULL(a, r))
            continue;
        st = STATE(a, r);
        if (!st->has || v[r] < st->v) {
            st->v = v[r];
            st->has = 1;
        }
    }
}

static void upd_max_i(rows a, const int64_t *v)
{
    for (uint32_t i = 0; i < a.n; i++) {
        uint32_t r = ROW(a, i);
        st_pick_i *st;
        if (IS_NULL(a, r))
            continue;
        st = STATE(a, r);
        if (!st->has || v[r] > st->v) {
            st->v = v[r];
            st->has = 1;
        }
    }
}

/* min (want = -1) or max (want = 1) of floats. */
static void upd_minmax_f(rows a, const double *v, int want)
{
    for (uint32_t i = 0; i < a.n; i++) {
        uint32_t r = ROW(a, i);
        st_pick_f *st;
        if (IS_NULL(a, r))
            continue;
        st = STATE(a, r);
        if (!st->has || float_cmp(v[r], st->v) == want) {
            st->v = v[r];
            st->has = 1;
        }
    }
}

static int upd_minmax_s(rows a, const quire_str *v, int want)
{
    for (uint32_t i = 0; i < a.n; i++) {
        uint32_t r = ROW(a, i);
        st_pick_s *st;
        if (IS_NULL(a, r))
            continue;
        st = STATE(a, r);
        if (!st->has || bytes_cmp(v[r].ptr, v[r].len, st->s.buf, st->s.len) == want) {
            if (own_str_set(&st->s, v[r].ptr, v[r].len) != 0)
                return -1;
            st->has = 1;
        }
    }
    return 0;
}

/* first (last = 0) or last (last = 1): keep the smallest or largest
 * ordinal. */
static int take_ordinal(int64_t has, int64_t have, int64_t ord, int last)
{
    return !has || (last ? ord > have : ord < have);
}

static void upd_pick_i(rows a, const int64_t *v, int64_t ordinal_base, int last)
{
    for (uint32_t i = 0; i < a.n; i++) {
        uint32_t r = ROW(a, i);
        st_pick_i *st;
        if (IS_NULL(a, r))
            continue;
        st = STATE(a, r);
        if (take_ordinal(st->has, st->ord, ordinal_base + r, last)) {
            st->v = v[r];
            st->ord = ordinal_base + r;
            st->has = 1;
        }
    }
}

static void upd_pick_f(rows a, const double *v, int64_t ordinal_base, int last)
{
    for (uint32_t i = 0; i < a.n; i++) {
        uint32_t r = ROW(a, i);
        st_pick_f *st;
        if (IS_NULL(a, r))
            continue;
        st = STATE(a, r);
        if (take_ordinal(st->has, st->ord, ordinal_base + r, last)) {
            st->v = v[r];
            st->ord = ordinal_base + r;
            st->has = 1;
        }
    }
}

static int upd_pick_s(rows a, const quire_str *v, int64_t ordinal_base, int last)
{
    for (uint32_t i = 0; i < a.n; i++) {
        uint32_t r = ROW(a, i);
        st_pick_s *st;
        if (IS_NULL(a, r))
            continue;
        st = STATE(a, r);
        if (take_ordinal(st->has, st->ord, ordinal_base + r, last)) {
            if (own_str_set(&st->s, v[r].ptr, v[r].len) != 0)
                return -1;
            st->ord = ordinal_base + r;
            st->has = 1;
        }
    }
    return 0;
}

static inline void welford_add(st_var *st, double x)
{
    double d = x - st->mean;

    st->n++;
    st->mean += d / (double)st->n;
    st->m2 += d * (x - st->mean);
}

static void upd_var_i(rows a, const int64_t *v)
{
    for (uint32_t i = 0; i < a.n; i++) {
        uint32_t r = ROW(a, i);
        unsigned __int128 sq;
        st_var_i *st;
        if (IS_NULL(a, r))
            continue;
        st = STATE(a, r);
        sq = (unsigned __int128)((__int128)v[r] * v[r]);
        st->sum += v[r];
        st->sq_lo += sq;
        st->sq_hi += st->sq_lo < sq;
        st->n++;
    }
}

static void upd_var_f(rows a, const double *v)
{
    for (uint32_t i = 0; i < a.n; i++) {
        uint32_t r = ROW(a, i);
        if (IS_NULL(a, r))
            continue;
        welford_add(STATE(a, r), v[r]);
    }
}

/* The 8-byte cells of an INT/DECIMAL or FLOAT column go into the list as
 * they are. */
static int upd_pct(rows a, const char *cells)
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

static int upd_distinct_i(rows a, const int64_t *v)
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

static int upd_distinct_f(rows a, const double *v)
{
    for (uint32_t i = 0; i < a.n; i++) {
        uint32_t r = ROW(a, i);
        if (IS_NULL(a, r))
            continue;
        if (dset_add_u64(&((st_distinct *)STATE(a, r))->set, float_key(v[r])) != 0)
            return -1;
    }
    return 0;
}

static int upd_distinct_s(rows a, const quire_str *v)
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
    rows a;
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
    a.base = (char *)base + d->off;
    a.gid = gid;
    a.size = l->size;
    a.sel = sel;
    a.n = n;
    a.nulls = in != NULL ? in->nulls : NULL;
    switch (d->kind) {
    case K_NONE: break;
    case K_COUNT: upd_count(a); break;
    case K_DISTINCT_I: rc = upd_distinct_i(a, in->v.i64); break;
    case K_DISTINCT_F: rc = upd_distinct_f(a, in->v.f64); break;
    case K_DISTINCT_S: rc = upd_distinct_s(a, in->v.str); break;
    case K_SUM_I: upd_sum_i(a, in->v.i64); break;
    case K_SUM_F: upd_sum_f(a, in->v.f64); break;
    case K_MIN_I: upd_min_i(a, in->v.i64); break;
    case K_MAX_I: upd_max_i(a, in->v.i64); break;
    case K_MIN_F: upd_minmax_f(a, in->v.f64, -1); break;
    case K_MAX_F: upd_minmax_f(a, in->v.f64, 1); break;
    case K_MIN_S: rc = upd_minmax_s(a, in->v.str, -1); break;
    case K_MAX_S: rc = upd_minmax_s(a, in->v.str, 1); break;
    case K_FIRST_I: upd_pick_i(a, in->v.i64, ordinal_base, 0); break;
    case K_LAST_I: upd_pick_i(a, in->v.i64, ordinal_base, 1); break;
    case K_FIRST_F: upd_pick_f(a, in->v.f64, ordinal_base, 0); break;
    case K_LAST_F: upd_pick_f(a, in->v.f64, ordinal_base, 1); break;
    case K_FIRST_S: rc = upd_pick_s(a, in->v.str, ordinal_base, 0); break;
    case K_LAST_S: rc = upd_pick_s(a, in->v.str, ordinal_base, 1); break;
    case K_VAR_I: upd_var_i(a, in->v.i64); break;
    case K_VAR_F: upd_var_f(a, in->v.f64); break;
    case K_PCT_I: rc = upd_pct(a, (const char *)in->v.i64); break;
    case K_PCT_F: rc = upd_pct(a, (const char *)in->v.f64); break;
    }
    if (rc != 0) {
        error_setf(err, QUIRE_E_NOMEM, "out of memory in %s", agg_calc_name(d->spec.calc));
        return QUIRE_ERR;
    }
    return QUIRE_OK;
}

/* ============================== Merge ===================================== */

static int merge_pick_s(st_pick_s *dst, const st_pick_s *src)
{
    if (own_str_set(&dst->s, src->s.buf, src->s.len) != 0)
        return -1;
    dst->ord = src->ord;
    dst->has = 1;
    return 0;
}

/* Chan, Golub and LeVeque's pairwise combination of two (n, mean, M2). */
static void var_merge(st_var *dst, const st_var *src)
{
    double na = (double)dst->n, nb = (double)src->n, n, delta;

    if (src->n == 0)
        return;
    if (dst->n == 0) {
        *dst = *src;
        return;
    }
    n = na + nb;
    delta = src->mean - dst->mean;
    dst->mean += delta * (nb / n);
    dst->m2 += src->m2 + delta * delta * (na * nb / n);
    dst->n += src->n;
}

static int merge_one(const acc_def *d, char *dst, const char *src)
{
    switch (d->kind) {
    case K_NONE: break;
    case K_COUNT: ((st_count *)dst)->n += ((const st_count *)src)->n; break;
    case K_DISTINCT_I:
    case K_DISTINCT_F:
        return dset_merge(&((st_distinct *)dst)->set, ((const st_distinct *)src)->set, 0);
    case K_DISTINCT_S:
        return dset_merge(&((st_distinct *)dst)->set, ((const st_distinct *)src)->set, 1);
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
        neumaier_add(a, b->sum);
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
        if (b->has && (!a->has || float_cmp(b->v, a->v) == (d->kind == K_MIN_F ? -1 : 1)))
            *a = *b;
        break;
    }
    case K_MIN_S:
    case K_MAX_S: {
        st_pick_s *a = (st_pick_s *)dst;
        const st_pick_s *b = (const st_pick_s *)src;
        if (b->has && (!a->has || bytes_cmp(b->s.buf, b->s.len, a->s.buf, a->s.len) ==
                                      (d->kind == K_MIN_S ? -1 : 1)))
            return merge_pick_s(a, b);
        break;
    }
    case K_FIRST_I:
    case K_LAST_I: {
        st_pick_i *a = (st_pick_i *)dst;
        const st_pick_i *b = (const st_pick_i *)src;
        if (b->has && take_ordinal(a->has, a->ord, b->ord, d->kind == K_LAST_I))
            *a = *b;
        break;
    }
    case K_FIRST_F:
    case K_LAST_F: {
        st_pick_f *a = (st_pick_f *)dst;
        const st_pick_f *b = (const st_pick_f *)src;
        if (b->has && take_ordinal(a->has, a->ord, b->ord, d->kind == K_LAST_F))
            *a = *b;
        break;
    }
    case K_FIRST_S:
    case K_LAST_S: {
        st_pick_s *a = (st_pick_s *)dst;
        const st_pick_s *b = (const st_pick_s *)src;
        if (b->has && take_ordinal(a->has, a->ord, b->ord, d->kind == K_LAST_S))
            return merge_pick_s(a, b);
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
    case K_VAR_F: var_merge((st_var *)dst, (const st_var *)src); break;
    case K_PCT_I:
    case K_PCT_F: return pct_append((st_pct *)dst, (const st_pct *)src);
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

/* Writes a 128-bit integer scaled by 10^scale as decimal text. */
static void format_i128(__int128 v, int32_t scale, char *buf, size_t len)
{
    char tmp[64];
    size_t n = 0, o = 0;
    unsigned __int128 mag =
        v < 0 ? (unsigned __int128)0 - (unsigned __int128)v : (unsigned __int128)v;

    do {
        tmp[n++] = (char)('0' + (int)(mag % 10));
        mag /= 10;
    } while (mag > 0 || n <= (size_t)scale);
    if (v < 0 && o + 1 < len)
        buf[o++] = '-';
    while (n > 0 && o + 1 < len) {
        buf[o++] = tmp[--n];
        if (n == (size_t)scale && scale > 0 && o + 1 < len)
            buf[o++] = '.';
    }
    buf[o] = '\0';
}

static int result_sum_i(const acc_def *d, const st_sum_i *st, qv *out, quire_error *err)
{
    char text[64];

    if (st->n == 0) {
        *out = qv_null(d->rtype);
        out->scale = (int16_t)d->rscale;
        return QUIRE_OK;
    }
    if (st->sum < INT64_MIN || st->sum > INT64_MAX) {
        format_i128(st->sum, d->rscale, text, sizeof(text));
        error_setf(err, QUIRE_E_INVALID, "%s %s does not fit in 64 bits",
                  agg_calc_name(d->spec.calc), text);
        return QUIRE_ERR;
    }
    *out = d->rtype == QUIRE_TYPE_DECIMAL ? qv_decimal((int64_t)st->sum, d->rscale)
                                          : qv_int((int64_t)st->sum);
    return QUIRE_OK;
}

static double sum_f_value(const st_sum_f *st)
{
    /* With an infinity or NaN among the inputs the compensation is NaN;
     * the plain sum is the right answer then. */
    return isfinite(st->sum) ? st->sum + st->comp : st->sum;
}

static qv result_avg(const acc_def *d, const char *st)
{
    if (d->kind == K_SUM_F) {
        const st_sum_f *s = (const st_sum_f *)st;
        return s->n == 0 ? qv_null(QUIRE_TYPE_FLOAT) : qv_float(sum_f_value(s) / (double)s->n);
    } else {
        const st_sum_i *s = (const st_sum_i *)st;
        long double div;
        if (s->n == 0)
            return qv_null(QUIRE_TYPE_FLOAT);
        div = (long double)s->n;
        if (d->spec.in_type == QUIRE_TYPE_DECIMAL)
            div *= (long double)dec_pow10(d->spec.in_scale);
        return qv_float((double)((long double)s->sum / div));
    }
}

/* ============================== Exact variance ============================ */

/* 256-bit unsigned integers, least significant limb first: just enough
 * arithmetic for n * sum(x^2) - sum(x)^2. */
typedef struct u256 {
    uint64_t w[4];
} u256;

/* q (192 bits: hi, lo) * n. */
static u256 u256_mul_u192(uint64_t hi, unsigned __int128 lo, uint64_t n)
{
    const uint64_t q[3] = {(uint64_t)lo, (uint64_t)(lo >> 64), hi};
    unsigned __int128 carry = 0;
    u256 r;

    for (int i = 0; i < 3; i++) {
        unsigned __int128 p = (unsigned __int128)q[i] * n + carry;
        r.w[i] = (uint64_t)p;
        carry = p >> 64;
    }
    r.w[3] = (uint64_t)carry;
    return r;
}

/* a^2 for a < 2^127. */
static u256 u256_square(unsigned __int128 a)
{
    uint64_t a0 = (uint64_t)a, a1 = (uint64_t)(a >> 64);
    unsigned __int128 p00 = (unsigned __int128)a0 * a0, p01 = (unsigned __int128)a0 * a1;
    unsigned __int128 p11 = (unsigned __int128)a1 * a1, mid, t;
    u256 r;

    /* a^2 = p00 + 2 * p01 * 2^64 + p11 * 2^128; 2 * p01 < 2^128 since
     * a1 < 2^63. */
    mid = p01 << 1;
    r.w[0] = (uint64_t)p00;
    t = (p00 >> 64) + (uint64_t)mid;
    r.w[1] = (uint64_t)t;
    t = (t >> 64) + (mid >> 64) + (uint64_t)p11;
    r.w[2] = (uint64_t)t;
    r.w[3] = (uint64_t)((t >> 64) + (p11 >> 64));
    return r;
}

/* a - b for a >= b. */
static u256 u256_sub(u256 a, const u256 *b)
{
    uint64_t borrow = 0;

    for (int i = 0; i < 4; i++) {
        /* Negative differences wrap to all-ones high bits: the borrow. */
        unsigned __int128 d = (unsigned __int128)a.w[i] - b->w[i] - borrow;
        a.w[i] = (uint64_t)d;
        borrow = (uint64_t)(d >> 64) & 1;
    }
    return a;
}

static long double u256_to_ld(const u256 *a)
{
    long double r = 0;

    for (int i = 3; i >= 0; i--)
        r = r * 18446744073709551616.0L + (long double)a->w[i];
    return r;
}

/* The variance in the input's (scaled) units, from exact integers: the
 * numerator n * sum(x^2) - sum(x)^2 is exact, then one division. */
static long double var_exact(const st_var_i *st, int sample)
{
    unsigned __int128 mag = st->sum < 0 ? (unsigned __int128)0 - (unsigned __int128)st->sum
                                        : (unsigned __int128)st->sum;
    u256 nq = u256_mul_u192(st->sq_hi, st->sq_lo, (uint64_t)st->n);
    u256 s2 = u256_square(mag);
    u256 num = u256_sub(nq, &s2); /* >= 0 by Cauchy-Schwarz */
    long double n = (long double)st->n;

    return u256_to_ld(&num) / (n * (sample ? n - 1 : n));
}

static qv result_var(const acc_def *d, const char *st)
{
    report_calc c = d->spec.calc;
    int sample = c == CALC_VAR_SAMP || c == CALC_STDDEV_SAMP;
    int stddev = c == CALC_STDDEV_SAMP || c == CALC_STDDEV_POP;
    long double var, unit;

    if (d->kind == K_VAR_F) {
        const st_var *sv = (const st_var *)st;
        if (sv->n < (sample ? 2 : 1))
            return qv_null(QUIRE_TYPE_FLOAT);
        var = sv->m2 / (double)(sample ? sv->n - 1 : sv->n);
        return qv_float(stddev ? sqrt((double)var) : (double)var);
    }
    if (((const st_var_i *)st)->n < (sample ? 2 : 1))
        return qv_null(QUIRE_TYPE_FLOAT);
    var = var_exact((const st_var_i *)st, sample);
    unit = d->spec.in_type == QUIRE_TYPE_DECIMAL ? (long double)dec_pow10(d->spec.in_scale) : 1;
    if (stddev)
        return qv_float((double)(sqrtl(var) / unit));
    return qv_float((double)(var / unit / unit));
}

/* A picked string as a value: copied into the arena, or pointing into the
 * state. */
static int result_str(const st_pick_s *st, qv *out, quire_arena *arena, quire_error *err)
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
    case K_DISTINCT_S: *out = qv_int((int64_t)dset_count(((const st_distinct *)st)->set)); break;
    case K_SUM_I:
        if (d->spec.calc == CALC_AVG) {
            *out = result_avg(d, st);
            break;
        }
        return result_sum_i(d, (const st_sum_i *)st, out, err);
    case K_SUM_F:
        if (d->spec.calc == CALC_AVG)
            *out = result_avg(d, st);
        else if (((const st_sum_f *)st)->n > 0)
            *out = qv_float(sum_f_value((const st_sum_f *)st));
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
            return result_str((const st_pick_s *)st, out, arena, err);
        break;
    case K_VAR_I:
    case K_VAR_F: *out = result_var(d, st); break;
    case K_PCT_I:
    case K_PCT_F: {
        /* The list is sorted in place: the pointer in the const state
         * leads to memory the state owns, and order is not part of the
         * state's value. */
        st_pct list = *(const st_pct *)st;
        if (list.n > 0)
            *out = qv_float(pct_value(&list, d->kind == K_PCT_F, d->p, d->spec.in_scale));
        break;
    }
    }
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
