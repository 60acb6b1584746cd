/*
 * agg.h - the aggregation core: accumulators packed into fixed-size state
 * blocks and updated a batch column at a time (agg.c, with the kinds in
 * agg_numeric.c, agg_order.c and agg_values.c), a hash table of groups with
 * dictionary-encoded keys (agg_group.c), time buckets and gap filling for
 * chart categories (agg_bucket.c), and top N with an "other" group
 * (agg_topn.c).
 *
 * ===== Accumulator semantics =====
 *
 * Every aggregate ignores NULL inputs, except count() which counts rows.
 * A state that saw no (non-NULL) input gives NULL, except count and
 * count_distinct which give 0. Results are exact wherever the arithmetic
 * allows it:
 *
 *   count()          INT    rows
 *   count(x)         INT    non-NULL x
 *   count_distinct   INT    distinct non-NULL x, any type. Strings compare
 *                           bytewise. Floats: -0.0 and 0.0 are one value; every
 *                           NaN is the same value (NaN equals NaN, differs from
 *                           every number), so [NaN, NaN, 1] has 2.
 *   sum, running_sum INT -> INT, DECIMAL(s) -> DECIMAL(s): accumulated exactly
 *                           in 128 bits; a total outside the 64-bit range is an
 *                           error when the result is read. FLOAT -> FLOAT with
 *                           compensated (Neumaier) summation. running_sum has
 *                           the same value; only the filler treats it apart.
 *                           Float sums, averages and variances may differ in
 *                           the last bits with the partitioning (the order of
 *                           additions); every other result does not.
 *   avg              FLOAT  the exact sum divided by the count, rounded once
 *                           (for INT and DECIMAL inputs)
 *   min, max         the input type. Any type: numbers by value, strings
 *                           bytewise (UTF-8 code point order), false < true,
 *                           dates and timestamps in time order. Floats are
 *                           totally ordered: -0.0 < 0.0, and NaN is above
 *                           +inf (as in PostgreSQL), so max is NaN when any
 *                           input is NaN.
 *   first, last      the input type: the value of the row with the smallest
 *                           (first) or largest (last) ordinal. Callers number
 *                           rows (partition << 40) + row, so partitions merged
 *                           in any order keep input order.
 *   var_samp, var_pop, stddev_samp, stddev_pop
 *                    FLOAT  INT and DECIMAL: exact sums of x and x^2 (128 and
 *                           192 bits) and an exact numerator n*sum(x^2) -
 *                           sum(x)^2, so the result is rounded once and is the
 *                           same however the rows were partitioned. FLOAT:
 *                           Welford's update per row, Chan et al.'s pairwise
 *                           formula to merge. Sample variants need two values
 *                           (NULL below), population variants one.
 *   median           FLOAT  percentile 0.5
 *   percentile(x, p) FLOAT  continuous percentile with linear interpolation
 *                           (SQL PERCENTILE_CONT): sorted values v[0..n), h =
 *                           p * (n - 1), v[floor h] + (h - floor h) *
 *                           (v[floor h + 1] - v[floor h]). NaN sorts last.
 *
 * sum, avg, the variances, median and percentile need numbers (INT, DECIMAL,
 * FLOAT); count, count_distinct, min, max, first and last take any type. An
 * input of type NULL (a column whose every value is NULL, type unknown) is
 * accepted by every aggregate: count(x) and count_distinct give 0,
 * sum/min/max/first/last a NULL of type NULL, the others a NULL FLOAT.
 *
 * ===== Memory and threads =====
 *
 * A state block is plain memory the caller provides, agg_state_size()
 * bytes, aligned like malloc's result (the exact sums are 128-bit), made
 * empty by agg_state_init() (do not rely on zeroed memory). States own heap
 * memory (distinct sets, value lists for percentiles, copies of strings),
 * freed by agg_state_destroy(). Nothing here is thread-safe by itself;
 * different states may be used from different threads at the same time
 * (the layout is read-only after creation).
 */
#ifndef QUIRE_AGG_H
#define QUIRE_AGG_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <quire/types.h>

#include "report.h"
#include "value.h"

/* ============================== Accumulators ============================== */

/* One aggregate: what to compute over which input type. `p` is the
 * percentile for CALC_PERCENTILE (0 <= p <= 1); ignored otherwise (median
 * always uses 0.5). `in_scale` is the input's scale for DECIMAL. */
typedef struct agg_spec {
    report_calc calc;
    uint32_t in_type; /* QUIRE_TYPE_* of the input; any value for count() */
    int32_t in_scale;
    double p;
} agg_spec;

/* The name of an aggregate as the report language writes it ("sum",
 * "count_distinct"); "none" for CALC_NONE and "?" for unknown values. */
const char *agg_calc_name(report_calc calc);

/*
 * The result type of `s`: returns 0 with *type (QUIRE_TYPE_*) and *scale,
 * or -1 with a reason in why[why_len] (always NUL-terminated when why_len
 * > 0), e.g. "sum needs numbers, got string", "percentile needs p between 0
 * and 1, got 1.5", "decimal scale must be between 0 and 18, got 20".
 */
int agg_result_type(const agg_spec *s, uint32_t *type, int32_t *scale, char *why, size_t why_len);

/* n accumulators packed into one fixed-size state block. Read-only once
 * built, so threads may share it. */
typedef struct agg_layout agg_layout;

/* Builds the layout of specs[0..n) (copied; n may be 0). Returns NULL if a
 * spec is invalid (agg_result_type says why) or memory runs out. The caller
 * owns it: agg_layout_free(). */
agg_layout *agg_layout_new(const agg_spec *specs, size_t n);

/* Frees a layout. NULL is a no-op. States must be destroyed first. */
void agg_layout_free(agg_layout *l);

/* Number of accumulators, and the spec of accumulator `acc`. */
size_t agg_layout_count(const agg_layout *l);
const agg_spec *agg_layout_spec(const agg_layout *l, uint32_t acc);

/* The result type of accumulator `acc` (agg_result_type of its spec). */
uint32_t agg_layout_result_type(const agg_layout *l, uint32_t acc, int32_t *scale);

/* 1 if some accumulator owns heap memory (states then need destroy). */
int agg_layout_owns_memory(const agg_layout *l);

/* Bytes of one state block: a multiple of its alignment, so states can be
 * laid out in an array. */
size_t agg_state_size(const agg_layout *l);

/* Makes `state` (agg_state_size bytes) an empty state. Never fails: owned
 * memory is allocated on first use. */
void agg_state_init(const agg_layout *l, void *state);

/* Frees what the state owns (distinct sets, value lists, strings). The
 * state must be initialised again before reuse. */
void agg_state_destroy(const agg_layout *l, void *state);

/* Empties the state as destroy + init would, but keeps allocated buffers
 * for the next round (a group's variables reset at every group break). */
void agg_state_reset(const agg_layout *l, void *state);

/* Heap bytes the state owns (not counting the block itself). */
size_t agg_state_memory(const agg_layout *l, const void *state);

/*
 * Vectorised update of accumulator `acc` with rows sel[0..n) of `in` (sel
 * NULL: rows 0..n). Row r goes into the state at base + gid[r] *
 * agg_state_size(l); gid is indexed by row, not by position in sel (gid
 * NULL: every row into the single state at base). `in` is the input column,
 * of the spec's type (or of type NULL), or NULL for count(). ordinal_base +
 * r is row r's global ordinal (first/last keep the smallest/largest).
 * Returns QUIRE_OK, or QUIRE_ERR with err set when memory runs out (the
 * state stays valid but may have missed rows) or the column does not match
 * the spec (a caller bug, QUIRE_E_INTERNAL).
 */
int agg_update(const agg_layout *l, uint32_t acc, void *base, const uint32_t *gid,
               const quire_column *in, const uint32_t *sel, uint32_t n, int64_t ordinal_base,
               quire_error *err);

/* dst += src for every accumulator (both states of layout l, distinct
 * blocks). src is unchanged. QUIRE_ERR with err when memory runs out. */
int agg_merge(const agg_layout *l, void *dst, const void *src, quire_error *err);

/*
 * The value of accumulator `acc` in *out. String results are copied into
 * `arena` when it is not NULL; with arena NULL they point into the state and
 * stay valid until its next update, merge, reset or destroy. Reading may
 * reorder a median/percentile's value list in place (never its result), so
 * one state must not be read from two threads at once. Returns QUIRE_OK, or
 * QUIRE_ERR with err: an INT/DECIMAL sum outside the 64-bit range
 * ("sum 18446744073709551614 does not fit in 64 bits", QUIRE_E_INVALID; the
 * caller adds where), or no memory for the copy.
 */
int agg_result(const agg_layout *l, uint32_t acc, const void *state, qv *out, quire_arena *arena,
               quire_error *err);

/*
 * Sorts gids[0..n) in place by the result of accumulator `acc` in the
 * states at base + gid * agg_state_size(l), ascending or (desc) descending.
 * NULL results go last ascending and first descending, as group keys do;
 * ties keep their order (stable). Returns QUIRE_OK or QUIRE_ERR with err (a
 * result error, or no memory).
 */
int agg_sort_by_result(const agg_layout *l, uint32_t acc, const void *base, uint32_t *gids,
                       size_t n, int desc, quire_error *err);

/* Total order of two non-NULL values of the same type (and scale) as min,
 * max and sorting use it: <0, 0, >0. */
int agg_value_cmp(const qv *a, const qv *b);

/* ============================== Group table =============================== */

/* Groups found by key; each has a state block of the layout. */
typedef struct group_table group_table;

#define GROUP_MAX_KEYS 8

/*
 * A table for keys of the given types (up to GROUP_MAX_KEYS; 0 keys make
 * one group of every row) whose groups have states of layout `l`, which
 * must outlive the table. Key values: NULL is a key of its own; floats
 * group -0.0 with 0.0 and every NaN together; strings are stored once each,
 * in the table. Returns NULL on a bad key type or count, or no memory. The
 * caller owns it: group_table_free().
 */
group_table *group_table_new(const agg_layout *l, const uint32_t *key_types,
                             const int32_t *key_scales, uint32_t nkeys);

/*
 * Finds or creates the group of every selected row (sel NULL: rows 0..n) of
 * the key columns keys[0..nkeys) and writes its id to gid[r] (indexed by row
 * r, as agg_update reads it). New groups get ids count, count + 1, ... and
 * an initialised state. A key column must have the table's type and scale
 * for that key, or type NULL (all NULL). Returns QUIRE_OK, or QUIRE_ERR with
 * err: a column that does not match (QUIRE_E_INTERNAL), no memory, or more
 * than UINT32_MAX - 1 groups. Groups found before an error stay valid.
 */
int group_table_find(group_table *g, const quire_column *const *keys, const uint32_t *sel,
                     uint32_t n, uint32_t *gid, quire_error *err);

/* Number of groups. */
uint32_t group_table_count(const group_table *g);

/* The state block of group `gid`: stable until the next find or merge.
 * States are one array, so group_table_state(g, 0) is the `base` for
 * agg_update with the gids that find wrote. NULL when the state size is 0
 * or there are no groups yet. */
void *group_table_state(group_table *g, uint32_t gid);
const void *group_table_state_const(const group_table *g, uint32_t gid);

/* Key `k` of group `gid`, of the table's key type. String bytes live in the
 * table until it is freed. */
qv group_table_key(const group_table *g, uint32_t gid, uint32_t k);

/* Merges every group of `src` (another table: another partition, same
 * layout and key types) into `dst`: found by key, or created; states
 * agg_merge'd. src is unchanged. QUIRE_ERR with err on a mismatch
 * ("merging group tables of different shapes"), or no memory. */
int group_table_merge(group_table *dst, const group_table *src, quire_error *err);

/*
 * The gids in key order: keys compared left to right, desc[k] != 0 reverses
 * key k (desc NULL: all ascending). NULL sorts last ascending and first
 * descending; strings bytewise (UTF-8 code point order), a prefix first;
 * floats numerically with NaN above +inf. Returns a malloc'd array of
 * group_table_count() entries (the caller frees it; a valid pointer even for
 * 0 groups), or NULL when memory runs out.
 */
uint32_t *group_table_sorted(const group_table *g, const int *desc);

/* Destroys every group's state and frees the table. NULL is a no-op. */
void group_table_free(group_table *g);

/* Bytes the table holds, including the memory its states own. */
size_t group_table_memory(const group_table *g);

/* ============================== Time buckets ============================== */

/*
 * The start of the bucket holding `v`, for type DATE (days since
 * 1970-01-01) or TIMESTAMP (microseconds since the epoch, UTC):
 *   BUCKET_HOUR     the hour (a DATE is its own day)
 *   BUCKET_DAY      midnight
 *   BUCKET_WEEK     Monday of the ISO week
 *   BUCKET_MONTH    the 1st of the month
 *   BUCKET_QUARTER  1 January, April, July or October
 *   BUCKET_YEAR     1 January
 *   BUCKET_NONE     v itself (any type)
 * The result has the type of v. Other types are returned unchanged. A date
 * further than 2^40 days from 1970 is its own bucket; a timestamp bucket
 * starting before the earliest timestamp gives INT64_MIN.
 */
int64_t bucket_floor(report_bucket b, uint32_t type, int64_t v);

/* The start of the bucket after the one holding `v` (BUCKET_NONE: v + 1, so
 * dates step by day). Saturates at INT64_MAX. */
int64_t bucket_next(report_bucket b, uint32_t type, int64_t v);

/* The ISO 8601 week of a date: *year is the ISO year (the year of the
 * week's Thursday) and *week 1..53. 2021-01-03 is 2020-W53. */
void bucket_iso_week(int64_t days, int64_t *year, unsigned *week);

/*
 * Gap filling: walks every bucket from the first present value to the last.
 *
 *   bucket_gaps it;
 *   bucket_gaps_begin(&it, BUCKET_MONTH, QUIRE_TYPE_DATE, present, n);
 *   while (bucket_gaps_next(&it, &v, &index)) ...   index -1: a gap
 *
 * `present` holds the bucket values that have data, sorted ascending and
 * distinct (bucket_floor'ed; a value that is not a bucket start is yielded
 * too, in order). The array must outlive the walk. The walk ends after the
 * last present value, so it is bounded by the span of the data; it also
 * ends if the buckets reach INT64_MAX.
 */
typedef struct bucket_gaps {
    report_bucket bucket;
    uint32_t type;
    const int64_t *present;
    size_t n;
    size_t next_present; /* index of the first present value not yet yielded */
    int64_t cur;         /* the next generated bucket */
    int exhausted;       /* generation hit INT64_MAX */
} bucket_gaps;

void bucket_gaps_begin(bucket_gaps *it, report_bucket b, uint32_t type, const int64_t *present,
                       size_t n);

/* 1 with *value the next bucket and *index its position in `present` (or
 * -1 for a gap); 0 when done. */
int bucket_gaps_next(bucket_gaps *it, int64_t *value, ptrdiff_t *index);

/* ============================== Top N ===================================== */

/*
 * Top N of gids[0..n), already in display order (agg_sort_by_result): the
 * first `top` are kept (all when top is 0 or >= n) and the rest are either
 * merged into `other` (an initialised state of layout l; the caller shows
 * it as the "other" category) or, with other NULL, dropped. States are at
 * base + gid * agg_state_size(l) and are not changed. Returns QUIRE_OK with
 * *kept (how many of gids to show) and *merged (how many went into other),
 * or QUIRE_ERR with err from agg_merge.
 */
int agg_topn(const agg_layout *l, const void *base, const uint32_t *gids, size_t n, size_t top,
             void *other, size_t *kept, size_t *merged, quire_error *err);

/* ============================== Internal helpers ========================== */

/* Comparison of two ids for agg_msort: <0, 0, >0. */
typedef int (*agg_cmp_fn)(const void *ctx, uint32_t a, uint32_t b);

/* Stable sort of a[0..n) by cmp. Returns 0, or -1 when memory for the
 * merge buffer runs out (a is then unchanged). */
int agg_msort(uint32_t *a, size_t n, agg_cmp_fn cmp, const void *ctx);

/* Bytewise order of a[0..alen) and b[0..blen), a proper prefix first:
 * -1, 0 or 1. */
static inline int agg_bytes_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t m = alen < blen ? alen : blen;
    int c = m > 0 ? memcmp(a, b, m) : 0;

    if (c != 0)
        return c < 0 ? -1 : 1;
    return (alen > blen) - (alen < blen);
}

/* ============================== Hashing =================================== */

/* Hash helpers shared by the distinct sets and the group table; inline
 * because they run once per row. Not for anything persisted: the values may
 * change between versions. */

/* Folds the 128-bit product of a and b into 64 bits: a cheap, well mixing
 * step on 64-bit machines. */
static inline uint64_t agg_mix(uint64_t a, uint64_t b)
{
    unsigned __int128 p = (unsigned __int128)a * b;
    return (uint64_t)p ^ (uint64_t)(p >> 64);
}

#define AGG_HASH_K0 0x9e3779b97f4a7c15ull /* 2^64 / golden ratio, odd */
#define AGG_HASH_K1 0xd6e8feb86659fd93ull /* arbitrary odd constants with */
#define AGG_HASH_K2 0xa0761d6478bd642full /* about half their bits set */

static inline uint64_t agg_hash_u64(uint64_t x)
{
    return agg_mix(x ^ AGG_HASH_K0, AGG_HASH_K1);
}

static inline uint64_t agg_load64(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint64_t agg_load32(const char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* The two words agg_hash_bytes mixes. Up to 16 bytes they are the bytes
 * themselves (four overlapping 4-byte loads, no branch on the length
 * between 4 and 16), so with the length they identify the string exactly:
 * a dictionary can compare them instead of the bytes. Nothing is read
 * outside [p, p + len). */
static inline void agg_hash_words(const char *p, size_t len, uint64_t *wa, uint64_t *wb)
{
    if (len - 4 <= 12) {
        /* d is 0 for 4..7 bytes, 4 for 8..15, 8 for 16: the loads at 0, d,
         * len - 4 - d and len - 4 cover every byte. */
        size_t d = (len >> 3) << 2;
        *wa = agg_load32(p) | agg_load32(p + d) << 32;
        *wb = agg_load32(p + len - 4) | agg_load32(p + len - 4 - d) << 32;
    } else if (len < 4) {
        *wa = len == 0
                  ? 0
                  : ((uint64_t)(unsigned char)p[0] << 16) |
                        ((uint64_t)(unsigned char)p[len >> 1] << 8) | (unsigned char)p[len - 1];
        *wb = 0;
    } else {
        uint64_t h = AGG_HASH_K2;
        size_t i = 0;
        for (; i + 16 < len; i += 16)
            h = agg_mix(agg_load64(p + i) ^ AGG_HASH_K0, agg_load64(p + i + 8) ^ h);
        *wa = agg_load64(p + len - 16) ^ h;
        *wb = agg_load64(p + len - 8);
    }
}

static inline uint64_t agg_hash_final(uint64_t wa, uint64_t wb, size_t len)
{
    return agg_mix(wa ^ AGG_HASH_K1, wb ^ AGG_HASH_K2 ^ (uint64_t)len);
}

/* Hash of len bytes at p. */
static inline uint64_t agg_hash_bytes(const char *p, size_t len)
{
    uint64_t wa, wb;

    agg_hash_words(p, len, &wa, &wb);
    return agg_hash_final(wa, wb, len);
}

/* The bits a float key is hashed and compared by: -0.0 as 0.0 and every
 * NaN as one NaN, so each group or distinct value holds all that compare
 * equal. */
static inline uint64_t agg_float_key(double f)
{
    uint64_t bits;

    if (f == 0.0)
        f = 0.0;
    else if (isnan(f))
        f = NAN;
    memcpy(&bits, &f, sizeof(bits));
    return bits;
}

#endif /* QUIRE_AGG_H */
