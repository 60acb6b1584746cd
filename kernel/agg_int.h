/*
 * agg_int.h - what the accumulator files share: the implementation kinds,
 * the state block structs and the layout (agg.c), the rows of one update
 * call, the comparisons the update and merge loops inline, and each
 * family's update, merge and result functions: counts, sums and variances
 * (agg_numeric.c), min, max, first and last (agg_order.c), distinct sets
 * and value lists (agg_values.c). agg.c dispatches on the kind. Not for use
 * outside those four files.
 */
#ifndef QUIRE_AGG_INT_H
#define QUIRE_AGG_INT_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "agg.h"
#include "arena.h"

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

/* ============================== Update rows =============================== */

/* One update call's rows, passed by value so the loops keep every field in
 * registers (stores into states cannot alias a local copy). */
typedef struct acc_rows {
    char *base; /* the state block of gid 0 plus the accumulator's offset */
    const uint32_t *gid;
    size_t size;
    const uint32_t *sel;
    uint32_t n;
    const uint8_t *nulls;
} acc_rows;

#define ROW(a, i)     ((a).sel != NULL ? (a).sel[i] : (i))
#define IS_NULL(a, r) ((a).nulls != NULL && (a).nulls[r])
#define STATE(a, r)   ((void *)((a).base + ((a).gid != NULL ? (size_t)(a).gid[r] * (a).size : 0)))

/* ============================== Inline helpers ============================ */

/* Floats in a total order: -0.0 < 0.0, every NaN equal and above +inf. */
static inline int acc_float_cmp(double a, double b)
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

/* Adds x to the compensated sum (Neumaier's variant of Kahan summation). */
static inline void acc_neumaier_add(st_sum_f *st, double x)
{
    double t = st->sum + x;

    if (fabs(st->sum) >= fabs(x))
        st->comp += (st->sum - t) + x;
    else
        st->comp += (x - t) + st->sum;
    st->sum = t;
}

/* first (last = 0) or last (last = 1): keep the smallest or largest
 * ordinal. */
static inline int acc_take_ordinal(int64_t has, int64_t have, int64_t ord, int last)
{
    return !has || (last ? ord > have : ord < have);
}

/* ============================== Counts, sums, variances =================== */
/* agg_numeric.c */

/* count(): one per row whose input is not NULL (every row without a column). */
void acc_upd_count(acc_rows a);

/* sum, running_sum and avg of INT and DECIMAL: exact 128-bit sums. */
void acc_upd_sum_i(acc_rows a, const int64_t *v);

/* The same for FLOAT: compensated sums. */
void acc_upd_sum_f(acc_rows a, const double *v);

/* Variances of INT and DECIMAL: exact sums of x and x^2. */
void acc_upd_var_i(acc_rows a, const int64_t *v);

/* Variances of FLOAT: Welford's update, row by row. */
void acc_upd_var_f(acc_rows a, const double *v);

/* Adds the FLOAT variance state src to dst (Chan et al.'s pairwise formula). */
void acc_var_merge(st_var *dst, const st_var *src);

/* The sum of a K_SUM_I state into *out (NULL when it saw nothing); QUIRE_ERR
 * with err set when the total does not fit in 64 bits. */
int acc_result_sum_i(const acc_def *d, const st_sum_i *st, qv *out, quire_error *err);

/* The sum a K_SUM_F state holds (compensation applied when finite). */
double acc_sum_f_value(const st_sum_f *st);

/* avg of the K_SUM_I or K_SUM_F state `st`: a FLOAT, NULL when it saw nothing. */
qv acc_result_avg(const acc_def *d, const char *st);

/* The variance or deviation d asks for from the K_VAR_I or K_VAR_F state
 * `st`: a FLOAT, NULL with fewer values than the variant needs. */
qv acc_result_var(const acc_def *d, const char *st);

/* ============================== Min, max, first, last ===================== */
/* agg_order.c */

/* min (want = -1) or max (want = 1) of 64-bit integer-like values. */
void acc_upd_minmax_i(acc_rows a, const int64_t *v, int want);

/* min (want = -1) or max (want = 1) of floats, in acc_float_cmp order. */
void acc_upd_minmax_f(acc_rows a, const double *v, int want);

/* min (want = -1) or max (want = 1) of strings, copied into the states
 * (which own the copies); 0, or -1 when memory runs out. */
int acc_upd_minmax_s(acc_rows a, const quire_str *v, int want);

/* first (last = 0) or last (last = 1): row r has ordinal ordinal_base + r. */
void acc_upd_pick_i(acc_rows a, const int64_t *v, int64_t ordinal_base, int last);
void acc_upd_pick_f(acc_rows a, const double *v, int64_t ordinal_base, int last);

/* The same for strings, copied into the states; 0, or -1 (no memory). */
int acc_upd_pick_s(acc_rows a, const quire_str *v, int64_t ordinal_base, int last);

/* dst takes src's string (copied), ordinal and flag; 0, or -1 (no memory). */
int acc_merge_pick_s(st_pick_s *dst, const st_pick_s *src);

/* A picked string as a value: copied into `arena`, or with arena NULL
 * pointing into the state; QUIRE_ERR with err set when the arena is full. */
int acc_result_str(const st_pick_s *st, qv *out, quire_arena *arena, quire_error *err);

/* ============================== Distinct sets, value lists ================ */
/* agg_values.c */

/* count_distinct: adds each non-NULL value to its state's set (created on
 * first use, owned by the state); 0, or -1 when memory runs out. */
int acc_upd_distinct_i(acc_rows a, const int64_t *v);
int acc_upd_distinct_f(acc_rows a, const double *v);
int acc_upd_distinct_s(acc_rows a, const quire_str *v);

/* median, percentile: appends the 8-byte cells (int64_t or double) of the
 * non-NULL rows to their states' lists; 0, or -1 (no memory). */
int acc_upd_pct(acc_rows a, const char *cells);

/* The number of distinct values in s (0 for NULL). */
size_t acc_dset_count(const dset *s);

/* *pdst (created if NULL) gets every value of src (NULL: none); `strings`
 * says the sets hold strings. 0, or -1 (no memory). */
int acc_dset_merge(dset **pdst, const dset *src, int strings);

/* Frees s and everything it holds. NULL is a no-op. */
void acc_dset_free(dset *s);

/* Empties s, keeping its buffers unless the table is large. NULL is a no-op. */
void acc_dset_clear(dset *s);

/* Heap bytes s holds, itself included (0 for NULL). */
size_t acc_dset_memory(const dset *s);

/* Appends src's values to dst's list; 0, or -1 (no memory). */
int acc_pct_append(st_pct *dst, const st_pct *src);

/* The percentile p (0..1) of the non-empty list, sorted here in place; INT
 * and DECIMAL values are divided by 10^scale. */
double acc_pct_value(st_pct *st, int is_float, double p, int32_t scale);

#endif /* QUIRE_AGG_INT_H */
