/*
 * test_agg_group.c - the group table (kernel/agg_group.c), time buckets and
 * gap filling (kernel/agg_bucket.c) and top N (kernel/agg_topn.c).
 *
 * Group ids are checked against the keys themselves: two rows share a gid
 * exactly when a plain field-by-field comparison says their keys are equal,
 * and the number of groups is counted by comparing every pair. Key order is
 * checked against qsort with a comparator written here. Dates are checked
 * against a calendar that counts days year by year and month by month.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agg.h"
#include "arena.h"

/* ============================== Helpers =================================== */

static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

#define MAXROWS 4096

/* A key or value column the test owns. */
typedef struct tcol {
    quire_column c;
    uint8_t nulls[MAXROWS];
    int64_t i64[MAXROWS];
    double f64[MAXROWS];
    quire_str str[MAXROWS];
} tcol;

static tcol *tcol_new(uint32_t type, int32_t scale)
{
    tcol *t = calloc(1, sizeof(*t));
    assert_non_null(t);
    t->c.type = type;
    t->c.scale = scale;
    t->c.nulls = t->nulls;
    if (type == QUIRE_TYPE_FLOAT)
        t->c.v.f64 = t->f64;
    else if (type == QUIRE_TYPE_STRING)
        t->c.v.str = t->str;
    else
        t->c.v.i64 = t->i64;
    return t;
}

/* Copies s into the arena, as a source fills a batch. */
static quire_str in_arena(quire_arena *a, const char *s)
{
    size_t len = strlen(s);
    char *p = arena_alloc(a, len + 1);
    assert_non_null(p);
    memcpy(p, s, len);
    return (quire_str){p, len};
}

/* Key k of row r as a value (the test's own reading of the column). */
static qv cell(const tcol *t, uint32_t r)
{
    qv v = {0};
    v.type = (uint8_t)t->c.type;
    v.scale = (int16_t)t->c.scale;
    if (t->nulls[r]) {
        v.null = 1;
        return v;
    }
    if (t->c.type == QUIRE_TYPE_FLOAT)
        v.u.f = t->f64[r];
    else if (t->c.type == QUIRE_TYPE_STRING)
        v.u.s = t->str[r];
    else
        v.u.i = t->i64[r];
    return v;
}

/* Key equality as grouping defines it: NULL equals NULL only; floats by
 * value with -0.0 == 0.0 and NaN == NaN; strings bytewise. */
static int same_key(const qv *a, const qv *b)
{
    if (a->null || b->null)
        return a->null && b->null;
    switch (a->type) {
    case QUIRE_TYPE_FLOAT: return a->u.f == b->u.f || (isnan(a->u.f) && isnan(b->u.f));
    case QUIRE_TYPE_STRING:
        return a->u.s.len == b->u.s.len && memcmp(a->u.s.ptr, b->u.s.ptr, a->u.s.len) == 0;
    default: return a->u.i == b->u.i;
    }
}

static int same_row_keys(tcol *const *keys, uint32_t nkeys, uint32_t r1, uint32_t r2)
{
    for (uint32_t k = 0; k < nkeys; k++) {
        qv a = cell(keys[k], r1), b = cell(keys[k], r2);
        if (!same_key(&a, &b))
            return 0;
    }
    return 1;
}

/* Checks gid[0..n) against the rows' keys: every row's key is its group's
 * key, and two rows share a gid exactly when their keys are equal. When
 * the table was empty before (fresh), it holds exactly the distinct keys. */
static void check_groups(const group_table *g, tcol *const *keys, uint32_t nkeys, uint32_t n,
                         const uint32_t *gid, int fresh)
{
    uint32_t distinct = 0;

    for (uint32_t r = 0; r < n; r++) {
        int seen = 0;
        assert_true(gid[r] < group_table_count(g));
        for (uint32_t k = 0; k < nkeys; k++) {
            qv want = cell(keys[k], r), got = group_table_key(g, gid[r], k);
            if (!same_key(&want, &got))
                fail_msg("row %u key %u does not match its group %u", r, k, gid[r]);
        }
        for (uint32_t q = 0; q < r; q++) {
            int same = same_row_keys(keys, nkeys, r, q);
            if (same != (gid[r] == gid[q]))
                fail_msg("rows %u and %u: keys %s, gids %u and %u", q, r, same ? "equal" : "differ",
                         gid[q], gid[r]);
            seen |= same;
        }
        distinct += !seen;
    }
    if (fresh)
        assert_int_equal(group_table_count(g), distinct);
}

/* No two groups of the table have the same key. */
static void check_unique_groups(const group_table *g, uint32_t nkeys)
{
    uint32_t n = group_table_count(g);
    for (uint32_t a = 0; a < n; a++)
        for (uint32_t b = 0; b < a; b++) {
            uint32_t k = 0;
            while (k < nkeys) {
                qv x = group_table_key(g, a, k), y = group_table_key(g, b, k);
                if (!same_key(&x, &y))
                    break;
                k++;
            }
            if (k == nkeys)
                fail_msg("groups %u and %u have the same key", b, a);
        }
}

static const uint32_t STR2[2] = {QUIRE_TYPE_STRING, QUIRE_TYPE_STRING};
static const int32_t ZERO8[8] = {0};

/* ============================== Creating tables =========================== */

static void test_new_rejects_bad_keys(void **state)
{
    agg_layout *l = agg_layout_new(NULL, 0);
    uint32_t types[9] = {QUIRE_TYPE_INT, QUIRE_TYPE_INT, QUIRE_TYPE_INT,
                         QUIRE_TYPE_INT, QUIRE_TYPE_INT, QUIRE_TYPE_INT,
                         QUIRE_TYPE_INT, QUIRE_TYPE_INT, QUIRE_TYPE_INT};
    int32_t scales[9] = {0};
    uint32_t dec = QUIRE_TYPE_DECIMAL, bad = 42;
    int32_t scale19 = 19;
    group_table *g;
    (void)state;

    assert_null(group_table_new(l, types, scales, 9));
    assert_null(group_table_new(l, &bad, scales, 1));
    assert_null(group_table_new(l, &dec, &scale19, 1));
    assert_null(group_table_new(l, &dec, NULL, 1));
    g = group_table_new(l, types, scales, 8);
    assert_non_null(g);
    assert_int_equal(group_table_count(g), 0);
    assert_null(group_table_state(g, 0));
    group_table_free(g);
    group_table_free(NULL);
    agg_layout_free(l);
}

/* ============================== Finding groups ============================ */

static void test_two_string_keys_across_batches(void **state)
{
    static const char *const regions[] = {
        "North", "South", "East", "West", "", "a region name longer than sixteen bytes"};
    static const char *const cats[] = {"Books",  "Toys",   "Garden", "Furniture",
                                       "Office", "Beauty", "x"};
    agg_layout *l = agg_layout_new(NULL, 0);
    group_table *g = group_table_new(l, STR2, ZERO8, 2);
    quire_arena *arena = arena_new(0);
    tcol *k0 = tcol_new(QUIRE_TYPE_STRING, 0), *k1 = tcol_new(QUIRE_TYPE_STRING, 0);
    tcol *keys[2] = {k0, k1};
    const quire_column *cols[2] = {&k0->c, &k1->c};
    static uint32_t gid[MAXROWS];
    uint64_t seed = 77;
    quire_error err = {0};
    (void)state;

    /* Every batch's strings are fresh copies in a reset arena, so the same
     * bytes sit at new addresses and old addresses hold new bytes. */
    for (int batch = 0; batch < 4; batch++) {
        uint32_t before = group_table_count(g);
        arena_reset(arena);
        for (uint32_t r = 0; r < 500; r++) {
            uint64_t x = rng(&seed);
            k0->nulls[r] = x % 17 == 0;
            k1->nulls[r] = x % 19 == 0;
            k0->str[r] = in_arena(arena, regions[(x >> 8) % 6]);
            k1->str[r] = in_arena(arena, cats[(x >> 16) % 7]);
        }
        assert_int_equal(group_table_find(g, cols, NULL, 500, gid, &err), QUIRE_OK);
        if (batch == 0) {
            check_groups(g, keys, 2, 500, gid, 1);
        } else {
            check_groups(g, keys, 2, 500, gid, 0);
            assert_true(group_table_count(g) >= before);
        }
    }
    assert_true(group_table_count(g) <= 7 * 8);
    check_unique_groups(g, 2);

    /* The same address with other bytes in the next batch. */
    {
        uint32_t a, b;
        arena_reset(arena);
        k0->nulls[0] = k1->nulls[0] = 0;
        k0->str[0] = in_arena(arena, "East");
        k1->str[0] = in_arena(arena, "Toys");
        assert_int_equal(group_table_find(g, cols, NULL, 1, gid, &err), QUIRE_OK);
        a = gid[0];
        arena_reset(arena);
        k0->str[0] = in_arena(arena, "West");
        k1->str[0] = in_arena(arena, "Toys");
        assert_int_equal(group_table_find(g, cols, NULL, 1, gid, &err), QUIRE_OK);
        b = gid[0];
        assert_int_not_equal(a, b);
        assert_memory_equal(group_table_key(g, b, 0).u.s.ptr, "West", 4);
    }
    arena_free(arena);
    group_table_free(g);
    agg_layout_free(l);
    free(k0);
    free(k1);
}

static void test_null_keys(void **state)
{
    const uint32_t types[2] = {QUIRE_TYPE_STRING, QUIRE_TYPE_INT};
    agg_layout *l = agg_layout_new(NULL, 0);
    group_table *g = group_table_new(l, types, ZERO8, 2);
    tcol *s = tcol_new(QUIRE_TYPE_STRING, 0), *i = tcol_new(QUIRE_TYPE_INT, 0);
    tcol *keys[2] = {s, i};
    const quire_column *cols[2] = {&s->c, &i->c};
    uint32_t gid[8];
    quire_error err = {0};
    qv v;
    (void)state;

    /* ("", 0), (NULL, 0), ("", NULL), (NULL, NULL), then each again. */
    for (uint32_t r = 0; r < 8; r++) {
        s->str[r] = (quire_str){"", 0};
        s->nulls[r] = (r & 1) != 0;
        i->i64[r] = 0;
        i->nulls[r] = (r & 2) != 0;
    }
    for (uint32_t r = 4; r < 8; r++) {
        s->nulls[r] = s->nulls[r - 4];
        i->nulls[r] = i->nulls[r - 4];
    }
    assert_int_equal(group_table_find(g, cols, NULL, 8, gid, &err), QUIRE_OK);
    assert_int_equal(group_table_count(g), 4);
    check_groups(g, keys, 2, 8, gid, 1);
    for (uint32_t r = 0; r < 4; r++)
        assert_int_equal(gid[r], gid[r + 4]);
    v = group_table_key(g, gid[1], 0);
    assert_true(v.null);
    assert_int_equal(v.type, QUIRE_TYPE_STRING);
    v = group_table_key(g, gid[0], 0);
    assert_false(v.null);
    assert_int_equal(v.u.s.len, 0);

    /* A column of type NULL is all NULL, whatever the table's key type. */
    {
        quire_column nullcol = {.type = QUIRE_TYPE_NULL};
        const quire_column *ncols[2] = {&nullcol, &nullcol};
        assert_int_equal(group_table_find(g, ncols, NULL, 2, gid, &err), QUIRE_OK);
        assert_int_equal(gid[0], gid[1]);
        assert_true(group_table_key(g, gid[0], 0).null);
        assert_true(group_table_key(g, gid[0], 1).null);
        assert_int_equal(group_table_count(g), 4); /* (NULL, NULL) existed */
    }
    /* Out-of-range reads give NULLs rather than garbage. */
    assert_true(group_table_key(g, 999, 0).null);
    assert_true(group_table_key(g, 0, 5).null);
    group_table_free(g);
    agg_layout_free(l);
    free(s);
    free(i);
}

static void test_eight_mixed_keys(void **state)
{
    const uint32_t types[8] = {QUIRE_TYPE_BOOL,      QUIRE_TYPE_INT,    QUIRE_TYPE_DECIMAL,
                               QUIRE_TYPE_FLOAT,     QUIRE_TYPE_STRING, QUIRE_TYPE_DATE,
                               QUIRE_TYPE_TIMESTAMP, QUIRE_TYPE_STRING};
    const int32_t scales[8] = {0, 0, 2, 0, 0, 0, 0, 0};
    static const char *const words[] = {"x", "y", "zz"};
    static const double floats[] = {1.5, -0.0, 0.0, NAN, -INFINITY};
    agg_spec spec = {CALC_COUNT, 0, 0, 0};
    agg_layout *l = agg_layout_new(&spec, 1);
    group_table *g = group_table_new(l, types, scales, 8);
    tcol *cols[8];
    const quire_column *c[8];
    static uint32_t gid[MAXROWS];
    uint64_t seed = 5;
    quire_error err = {0};
    int64_t total = 0;
    (void)state;

    for (int k = 0; k < 8; k++) {
        cols[k] = tcol_new(types[k], scales[k]);
        c[k] = &cols[k]->c;
    }
    for (uint32_t r = 0; r < 1500; r++) {
        for (int k = 0; k < 8; k++) {
            uint64_t x = rng(&seed);
            tcol *t = cols[k];
            /* Tiny domains so that many rows share a key. */
            t->nulls[r] = x % 9 == 0;
            if (types[k] == QUIRE_TYPE_FLOAT)
                t->f64[r] = floats[(x >> 8) % 5];
            else if (types[k] == QUIRE_TYPE_STRING)
                t->str[r] = (quire_str){words[(x >> 8) % 3], strlen(words[(x >> 8) % 3])};
            else
                t->i64[r] = (int64_t)((x >> 8) % 2) - (k == 6 ? 1 : 0);
        }
    }
    assert_int_equal(group_table_find(g, c, NULL, 1500, gid, &err), QUIRE_OK);
    check_groups(g, cols, 8, 1500, gid, 1);
    assert_int_equal(agg_update(l, 0, group_table_state(g, 0), gid, NULL, NULL, 1500, 0, &err),
                     QUIRE_OK);
    for (uint32_t i = 0; i < group_table_count(g); i++) {
        qv v;
        assert_int_equal(agg_result(l, 0, group_table_state(g, i), &v, NULL, &err), QUIRE_OK);
        total += v.u.i;
    }
    assert_int_equal(total, 1500);
    group_table_free(g);
    agg_layout_free(l);
    for (int k = 0; k < 8; k++)
        free(cols[k]);
}

static void test_float_keys(void **state)
{
    const uint32_t type = QUIRE_TYPE_FLOAT;
    agg_layout *l = agg_layout_new(NULL, 0);
    group_table *g = group_table_new(l, &type, ZERO8, 1);
    tcol *f = tcol_new(QUIRE_TYPE_FLOAT, 0);
    const quire_column *c[1] = {&f->c};
    uint32_t gid[6];
    quire_error err = {0};
    qv v;
    (void)state;

    f->f64[0] = 0.0;
    f->f64[1] = -0.0;
    f->f64[2] = NAN;
    f->f64[3] = -NAN;
    f->f64[4] = 1.0;
    f->nulls[5] = 1;
    assert_int_equal(group_table_find(g, c, NULL, 6, gid, &err), QUIRE_OK);
    assert_int_equal(group_table_count(g), 4);
    assert_int_equal(gid[0], gid[1]);
    assert_int_equal(gid[2], gid[3]);
    v = group_table_key(g, gid[1], 0);
    assert_true(v.u.f == 0.0 && !signbit(v.u.f)); /* the group's zero is +0.0 */
    v = group_table_key(g, gid[3], 0);
    assert_true(isnan(v.u.f));
    group_table_free(g);
    agg_layout_free(l);
    free(f);
}

static void test_selection_writes_only_selected(void **state)
{
    agg_layout *l = agg_layout_new(NULL, 0);
    const uint32_t type = QUIRE_TYPE_INT;
    group_table *g = group_table_new(l, &type, ZERO8, 1);
    tcol *t = tcol_new(QUIRE_TYPE_INT, 0);
    const quire_column *c[1] = {&t->c};
    const uint32_t sel[3] = {1, 4, 5};
    uint32_t gid[6] = {99, 99, 99, 99, 99, 99};
    quire_error err = {0};
    (void)state;

    for (int r = 0; r < 6; r++)
        t->i64[r] = r / 2;
    assert_int_equal(group_table_find(g, c, sel, 3, gid, &err), QUIRE_OK);
    assert_int_equal(group_table_count(g), 2); /* keys 0 and 2 */
    assert_int_equal(gid[0], 99);
    assert_int_equal(gid[2], 99);
    assert_int_equal(gid[3], 99);
    assert_int_equal(gid[4], gid[5]);
    assert_int_not_equal(gid[1], gid[4]);
    assert_int_equal(group_table_find(g, c, sel, 0, gid, &err), QUIRE_OK);
    group_table_free(g);
    agg_layout_free(l);
    free(t);
}

static void test_zero_keys_one_group(void **state)
{
    agg_spec spec = {CALC_COUNT, 0, 0, 0};
    agg_layout *l = agg_layout_new(&spec, 1);
    group_table *g = group_table_new(l, NULL, NULL, 0);
    uint32_t gid[10];
    quire_error err = {0};
    qv v;
    (void)state;

    assert_int_equal(group_table_find(g, NULL, NULL, 10, gid, &err), QUIRE_OK);
    assert_int_equal(group_table_find(g, NULL, NULL, 10, gid, &err), QUIRE_OK);
    assert_int_equal(group_table_count(g), 1);
    assert_int_equal(agg_update(l, 0, group_table_state(g, 0), gid, NULL, NULL, 10, 0, &err),
                     QUIRE_OK);
    assert_int_equal(agg_result(l, 0, group_table_state(g, 0), &v, NULL, &err), QUIRE_OK);
    assert_int_equal(v.u.i, 10);
    group_table_free(g);
    agg_layout_free(l);
}

/* 100 000 groups of an int key, in shuffled batches: the table grows many
 * times and every group keeps its key and its sum. */
static void test_growth_100k(void **state)
{
    enum { N = 100000 };
    agg_spec spec = {CALC_SUM, QUIRE_TYPE_INT, 0, 0};
    agg_layout *l = agg_layout_new(&spec, 1);
    const uint32_t type = QUIRE_TYPE_INT;
    group_table *g = group_table_new(l, &type, ZERO8, 1);
    tcol *t = tcol_new(QUIRE_TYPE_INT, 0);
    const quire_column *c[1] = {&t->c};
    int64_t *order = malloc(2 * N * sizeof(int64_t));
    static uint32_t gid[MAXROWS];
    uint64_t seed = 8;
    quire_error err = {0};
    size_t mem_small = 0;
    (void)state;

    /* Every key twice, shuffled; each row's value is its key. */
    for (int64_t i = 0; i < 2 * N; i++)
        order[i] = i % N;
    for (int64_t i = 2 * N - 1; i > 0; i--) {
        int64_t j = (int64_t)(rng(&seed) % (uint64_t)(i + 1)), x = order[i];
        order[i] = order[j];
        order[j] = x;
    }
    for (int64_t at = 0; at < 2 * N; at += MAXROWS) {
        uint32_t n = (uint32_t)(2 * N - at < MAXROWS ? 2 * N - at : MAXROWS);
        memcpy(t->i64, order + at, n * sizeof(int64_t));
        assert_int_equal(group_table_find(g, c, NULL, n, gid, &err), QUIRE_OK);
        assert_int_equal(agg_update(l, 0, group_table_state(g, 0), gid, &t->c, NULL, n, 0, &err),
                         QUIRE_OK);
        for (uint32_t r = 0; r < n; r++)
            assert_int_equal(group_table_key(g, gid[r], 0).u.i, t->i64[r]);
        if (at == 0)
            mem_small = group_table_memory(g);
    }
    assert_int_equal(group_table_count(g), N);
    for (uint32_t i = 0; i < N; i++) {
        qv v, k = group_table_key(g, i, 0);
        assert_int_equal(agg_result(l, 0, group_table_state(g, i), &v, NULL, &err), QUIRE_OK);
        assert_int_equal(v.u.i, 2 * k.u.i);
    }
    assert_true(group_table_memory(g) > mem_small);
    assert_true(group_table_memory(g) > (size_t)N * agg_state_size(l));
    free(order);
    group_table_free(g);
    agg_layout_free(l);
    free(t);
}

/* String keys start in the dense index and move to the hash index when the
 * dictionaries outgrow it; gids given before stay valid. */
static void test_string_keys_outgrow_dense_index(void **state)
{
    agg_spec spec = {CALC_COUNT, 0, 0, 0};
    agg_layout *l = agg_layout_new(&spec, 1);
    group_table *g = group_table_new(l, STR2, ZERO8, 2);
    quire_arena *arena = arena_new(0);
    tcol *k0 = tcol_new(QUIRE_TYPE_STRING, 0), *k1 = tcol_new(QUIRE_TYPE_STRING, 0);
    tcol *keys[2] = {k0, k1};
    const quire_column *cols[2] = {&k0->c, &k1->c};
    static uint32_t gid[MAXROWS], early[64];
    char buf[32];
    quire_error err = {0};
    uint32_t n = 0;
    (void)state;

    for (uint32_t r = 0; r < 64; r++) {
        snprintf(buf, sizeof(buf), "r%u", r % 8);
        k0->str[r] = in_arena(arena, buf);
        snprintf(buf, sizeof(buf), "c%u", r / 8);
        k1->str[r] = in_arena(arena, buf);
    }
    assert_int_equal(group_table_find(g, cols, NULL, 64, gid, &err), QUIRE_OK);
    memcpy(early, gid, sizeof(early));
    assert_int_equal(group_table_count(g), 64);
    /* 400 x 10 more distinct values: 9 + 5 bits, then 9 + 9 > 16 bits. */
    for (uint32_t round = 0; round < 3; round++) {
        arena_reset(arena);
        for (uint32_t r = 0; r < 2000; r++) {
            snprintf(buf, sizeof(buf), "r%u", (r * 7 + round) % 400);
            k0->str[r] = in_arena(arena, buf);
            snprintf(buf, sizeof(buf), "c%u", (r + round * 3) % (round == 2 ? 400 : 10));
            k1->str[r] = in_arena(arena, buf);
        }
        n = group_table_count(g);
        assert_int_equal(group_table_find(g, cols, NULL, 2000, gid, &err), QUIRE_OK);
        check_groups(g, keys, 2, 2000, gid, 0);
        assert_true(group_table_count(g) >= n);
    }
    /* The first 64 keys again: the same gids. */
    arena_reset(arena);
    for (uint32_t r = 0; r < 64; r++) {
        snprintf(buf, sizeof(buf), "r%u", r % 8);
        k0->str[r] = in_arena(arena, buf);
        snprintf(buf, sizeof(buf), "c%u", r / 8);
        k1->str[r] = in_arena(arena, buf);
    }
    assert_int_equal(group_table_find(g, cols, NULL, 64, gid, &err), QUIRE_OK);
    assert_memory_equal(gid, early, sizeof(early));
    check_unique_groups(g, 2);
    arena_free(arena);
    group_table_free(g);
    agg_layout_free(l);
    free(k0);
    free(k1);
}

static void test_find_errors(void **state)
{
    const uint32_t types[2] = {QUIRE_TYPE_STRING, QUIRE_TYPE_DECIMAL};
    const int32_t scales[2] = {0, 2};
    agg_layout *l = agg_layout_new(NULL, 0);
    group_table *g = group_table_new(l, types, scales, 2);
    group_table *other = group_table_new(l, types, ZERO8, 1);
    tcol *s = tcol_new(QUIRE_TYPE_STRING, 0), *i = tcol_new(QUIRE_TYPE_INT, 0);
    tcol *d3 = tcol_new(QUIRE_TYPE_DECIMAL, 3);
    const quire_column *wrong_type[2] = {&s->c, &i->c};
    const quire_column *wrong_scale[2] = {&s->c, &d3->c};
    const quire_column *swapped[2] = {&i->c, &s->c};
    const quire_column *missing[2] = {&s->c, NULL};
    uint32_t gid[1];
    quire_error err = {0};
    (void)state;

    assert_int_equal(group_table_find(g, wrong_type, NULL, 1, gid, &err), QUIRE_ERR);
    assert_int_equal(err.code, QUIRE_E_INTERNAL);
    assert_string_equal(err.msg, "group key 2 is int, the table's key is decimal(2)");
    assert_int_equal(group_table_find(g, wrong_scale, NULL, 1, gid, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "group key 2 is decimal(3), the table's key is decimal(2)");
    assert_int_equal(group_table_find(g, swapped, NULL, 1, gid, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "group key 1 is int, the table's key is string");
    assert_int_equal(group_table_find(g, missing, NULL, 1, gid, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "group key 2 has no column");
    assert_int_equal(group_table_count(g), 0);
    assert_int_equal(group_table_merge(g, other, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "merging group tables of different shapes");
    assert_int_equal(group_table_merge(g, g, &err), QUIRE_ERR);
    group_table_free(g);
    group_table_free(other);
    agg_layout_free(l);
    free(s);
    free(i);
    free(d3);
}

/* ============================== Key order ================================= */

typedef struct sort_rec {
    qv k[3];
    uint32_t gid;
} sort_rec;

static const int SORT_DESC[3] = {0, 1, 0};

/* The expected order, written directly from the contract. */
static int cmp_one(const qv *a, const qv *b, int desc)
{
    int c;
    if (a->null || b->null)
        c = (a->null != 0) - (b->null != 0); /* NULL last ascending */
    else if (a->type == QUIRE_TYPE_STRING) {
        size_t m = a->u.s.len < b->u.s.len ? a->u.s.len : b->u.s.len;
        c = memcmp(a->u.s.ptr, b->u.s.ptr, m);
        c = c != 0 ? (c > 0) - (c < 0) : (a->u.s.len > b->u.s.len) - (a->u.s.len < b->u.s.len);
    } else if (a->type == QUIRE_TYPE_FLOAT) {
        int an = isnan(a->u.f), bn = isnan(b->u.f);
        c = an || bn ? an - bn : (a->u.f > b->u.f) - (a->u.f < b->u.f);
    } else {
        c = (a->u.i > b->u.i) - (a->u.i < b->u.i);
    }
    return desc ? -c : c;
}

static int cmp_recs(const void *x, const void *y)
{
    const sort_rec *a = x, *b = y;
    for (int k = 0; k < 3; k++) {
        int c = cmp_one(&a->k[k], &b->k[k], SORT_DESC[k]);
        if (c != 0)
            return c;
    }
    return 0;
}

static void test_sorted_order(void **state)
{
    const uint32_t types[3] = {QUIRE_TYPE_STRING, QUIRE_TYPE_INT, QUIRE_TYPE_FLOAT};
    static const char *const words[] = {"b", "a", "ab", "", "\xc3\xa9", "Z", "abc"};
    static const double floats[] = {2.0, -1.0, NAN, INFINITY};
    agg_layout *l = agg_layout_new(NULL, 0);
    group_table *g = group_table_new(l, types, ZERO8, 3);
    tcol *s = tcol_new(QUIRE_TYPE_STRING, 0), *i = tcol_new(QUIRE_TYPE_INT, 0);
    tcol *f = tcol_new(QUIRE_TYPE_FLOAT, 0);
    const quire_column *c[3] = {&s->c, &i->c, &f->c};
    static uint32_t gid[MAXROWS];
    uint64_t seed = 31;
    quire_error err = {0};
    uint32_t *sorted, n;
    sort_rec *want;
    (void)state;

    for (uint32_t r = 0; r < 800; r++) {
        uint64_t x = rng(&seed);
        s->nulls[r] = x % 11 == 0;
        s->str[r] = (quire_str){words[(x >> 4) % 7], strlen(words[(x >> 4) % 7])};
        i->nulls[r] = x % 13 == 0;
        i->i64[r] = (int64_t)((x >> 12) % 5) - 2;
        f->nulls[r] = x % 7 == 0;
        f->f64[r] = floats[(x >> 20) % 4];
    }
    assert_int_equal(group_table_find(g, c, NULL, 800, gid, &err), QUIRE_OK);
    n = group_table_count(g);
    sorted = group_table_sorted(g, SORT_DESC);
    assert_non_null(sorted);
    want = malloc(n * sizeof(sort_rec));
    for (uint32_t id = 0; id < n; id++) {
        for (int k = 0; k < 3; k++)
            want[id].k[k] = group_table_key(g, id, (uint32_t)k);
        want[id].gid = id;
    }
    qsort(want, n, sizeof(sort_rec), cmp_recs);
    for (uint32_t p = 0; p < n; p++)
        assert_int_equal(sorted[p], want[p].gid);
    /* Spot checks of the contract on the first and last groups. */
    assert_false(group_table_key(g, sorted[0], 0).null);
    assert_int_equal(group_table_key(g, sorted[0], 0).u.s.len, 0); /* "" first */
    assert_true(group_table_key(g, sorted[n - 1], 0).null);        /* NULL last */
    free(sorted);
    free(want);

    /* desc NULL: all ascending; an empty table gives an empty array. */
    sorted = group_table_sorted(g, NULL);
    assert_non_null(sorted);
    free(sorted);
    group_table_free(g);
    g = group_table_new(l, types, ZERO8, 3);
    sorted = group_table_sorted(g, NULL);
    assert_non_null(sorted);
    free(sorted);
    group_table_free(g);
    agg_layout_free(l);
    free(s);
    free(i);
    free(f);
}

/* ============================== Merging tables ============================ */

static void test_merge_tables(void **state)
{
    agg_spec specs[] = {{CALC_COUNT, 0, 0, 0},
                        {CALC_SUM, QUIRE_TYPE_INT, 0, 0},
                        {CALC_FIRST, QUIRE_TYPE_STRING, 0, 0},
                        {CALC_LAST, QUIRE_TYPE_STRING, 0, 0}};
    const uint32_t types[2] = {QUIRE_TYPE_STRING, QUIRE_TYPE_INT};
    agg_layout *l = agg_layout_new(specs, 4);
    group_table *single = group_table_new(l, types, ZERO8, 2);
    group_table *parts[3];
    quire_arena *arena = arena_new(0);
    tcol *k0 = tcol_new(QUIRE_TYPE_STRING, 0), *k1 = tcol_new(QUIRE_TYPE_INT, 0);
    tcol *val = tcol_new(QUIRE_TYPE_INT, 0), *tag = tcol_new(QUIRE_TYPE_STRING, 0);
    const quire_column *keys[2] = {&k0->c, &k1->c};
    static char tags[MAXROWS][16];
    static uint32_t gid[MAXROWS];
    uint64_t seed = 90;
    quire_error err = {0};
    const uint32_t n = 3000, cut1 = 1000, cut2 = 2200;
    (void)state;

    for (uint32_t r = 0; r < n; r++) {
        uint64_t x = rng(&seed);
        char key[16];
        /* Partition 2 has keys of its own ("only-2-..."). */
        snprintf(key, sizeof(key), "%s%u", r >= cut2 && x % 3 == 0 ? "only-2-" : "k",
                 (unsigned)(x >> 8) % 6);
        k0->str[r] = in_arena(arena, key);
        k0->nulls[r] = x % 23 == 0;
        k1->i64[r] = (int64_t)((x >> 16) % 3);
        val->i64[r] = (int64_t)((x >> 24) % 1000);
        snprintf(tags[r], sizeof(tags[r]), "row%u", r);
        tag->str[r] = (quire_str){tags[r], strlen(tags[r])};
    }
    /* One pass over everything. */
    assert_int_equal(group_table_find(single, keys, NULL, n, gid, &err), QUIRE_OK);
    assert_int_equal(agg_update(l, 0, group_table_state(single, 0), gid, NULL, NULL, n, 0, &err),
                     QUIRE_OK);
    assert_int_equal(agg_update(l, 1, group_table_state(single, 0), gid, &val->c, NULL, n, 0, &err),
                     QUIRE_OK);
    assert_int_equal(agg_update(l, 2, group_table_state(single, 0), gid, &tag->c, NULL, n, 0, &err),
                     QUIRE_OK);
    assert_int_equal(agg_update(l, 3, group_table_state(single, 0), gid, &tag->c, NULL, n, 0, &err),
                     QUIRE_OK);
    /* Three partitions: each row's sel entry is its row; ordinals keep
     * input order. */
    for (int p = 0; p < 3; p++) {
        uint32_t lo = p == 0 ? 0 : p == 1 ? cut1 : cut2, hi = p == 0 ? cut1 : p == 1 ? cut2 : n;
        uint32_t sel[MAXROWS];
        for (uint32_t r = lo; r < hi; r++)
            sel[r - lo] = r;
        parts[p] = group_table_new(l, types, ZERO8, 2);
        assert_int_equal(group_table_find(parts[p], keys, sel, hi - lo, gid, &err), QUIRE_OK);
        for (uint32_t a = 0; a < 4; a++) {
            const quire_column *in = a == 0 ? NULL : a == 1 ? &val->c : &tag->c;
            assert_int_equal(agg_update(l, a, group_table_state(parts[p], 0), gid, in, sel, hi - lo,
                                        ((int64_t)p << 40) - lo, &err),
                             QUIRE_OK);
        }
    }
    /* Merge the later partitions into the first, in reverse order. */
    assert_int_equal(group_table_merge(parts[0], parts[2], &err), QUIRE_OK);
    assert_int_equal(group_table_merge(parts[0], parts[1], &err), QUIRE_OK);
    assert_int_equal(group_table_count(parts[0]), group_table_count(single));
    check_unique_groups(parts[0], 2);
    for (uint32_t sg = 0; sg < group_table_count(single); sg++) {
        /* Find the merged group with the same key by looking at all. */
        uint32_t mg = UINT32_MAX;
        for (uint32_t q = 0; q < group_table_count(parts[0]); q++) {
            qv a0 = group_table_key(single, sg, 0), b0 = group_table_key(parts[0], q, 0);
            qv a1 = group_table_key(single, sg, 1), b1 = group_table_key(parts[0], q, 1);
            if (same_key(&a0, &b0) && same_key(&a1, &b1))
                mg = q;
        }
        assert_int_not_equal(mg, UINT32_MAX);
        for (uint32_t a = 0; a < 4; a++) {
            qv x, y;
            assert_int_equal(agg_result(l, a, group_table_state(single, sg), &x, NULL, &err),
                             QUIRE_OK);
            assert_int_equal(agg_result(l, a, group_table_state(parts[0], mg), &y, NULL, &err),
                             QUIRE_OK);
            assert_true(same_key(&x, &y));
        }
    }
    for (int p = 0; p < 3; p++)
        group_table_free(parts[p]);
    group_table_free(single);
    arena_free(arena);
    agg_layout_free(l);
    free(k0);
    free(k1);
    free(val);
    free(tag);
}

/* ============================== Buckets =================================== */

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m)
{
    static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return d[m - 1] + (m == 2 && is_leap(y));
}

/* Days since 1970-01-01, counted year by year and month by month. */
static int64_t days_of(int64_t y, int m, int d)
{
    int64_t days = 0;
    for (int64_t yy = 1970; yy < y; yy++)
        days += is_leap(yy) ? 366 : 365;
    for (int64_t yy = y; yy < 1970; yy++)
        days -= is_leap(yy) ? 366 : 365;
    for (int mm = 1; mm < m; mm++)
        days += month_days(y, mm);
    return days + d - 1;
}

/* The civil date of `days`, by walking from 1970 the same plain way. */
static void civil_of(int64_t days, int64_t *y, int *m, int *d)
{
    int64_t yy = 1970;
    int mm = 1;
    while (days < 0) {
        yy--;
        days += is_leap(yy) ? 366 : 365;
    }
    while (days >= (is_leap(yy) ? 366 : 365)) {
        days -= is_leap(yy) ? 366 : 365;
        yy++;
    }
    while (days >= month_days(yy, mm)) {
        days -= month_days(yy, mm);
        mm++;
    }
    *y = yy;
    *m = mm;
    *d = (int)days + 1;
}

#define DAY_US      INT64_C(86400000000)
#define HOUR_US     INT64_C(3600000000)
#define D(y, m, d)  days_of((y), (m), (d))
#define TS(y, m, d) (days_of((y), (m), (d)) * DAY_US)

static void test_bucket_floor_dates(void **state)
{
    const uint32_t DT = QUIRE_TYPE_DATE;
    (void)state;

    assert_int_equal(D(2024, 2, 29), 19782); /* the test calendar itself */
    /* 2024-02-29 is a Thursday. */
    assert_int_equal(bucket_floor(BUCKET_DAY, DT, D(2024, 2, 29)), D(2024, 2, 29));
    assert_int_equal(bucket_floor(BUCKET_HOUR, DT, D(2024, 2, 29)), D(2024, 2, 29));
    assert_int_equal(bucket_floor(BUCKET_WEEK, DT, D(2024, 2, 29)), D(2024, 2, 26));
    assert_int_equal(bucket_floor(BUCKET_MONTH, DT, D(2024, 2, 29)), D(2024, 2, 1));
    assert_int_equal(bucket_floor(BUCKET_QUARTER, DT, D(2024, 2, 29)), D(2024, 1, 1));
    assert_int_equal(bucket_floor(BUCKET_YEAR, DT, D(2024, 2, 29)), D(2024, 1, 1));
    assert_int_equal(bucket_floor(BUCKET_NONE, DT, D(2024, 2, 29)), D(2024, 2, 29));
    /* ISO weeks: Sunday 2021-01-03 is in the week of Monday 2020-12-28. */
    assert_int_equal(bucket_floor(BUCKET_WEEK, DT, D(2021, 1, 3)), D(2020, 12, 28));
    assert_int_equal(bucket_floor(BUCKET_WEEK, DT, D(2021, 1, 4)), D(2021, 1, 4));
    assert_int_equal(bucket_floor(BUCKET_WEEK, DT, D(1970, 1, 1)), D(1969, 12, 29));
    /* Before 1970. */
    assert_int_equal(bucket_floor(BUCKET_WEEK, DT, -1), D(1969, 12, 29));
    assert_int_equal(bucket_floor(BUCKET_MONTH, DT, -1), D(1969, 12, 1));
    assert_int_equal(bucket_floor(BUCKET_QUARTER, DT, -1), D(1969, 10, 1));
    assert_int_equal(bucket_floor(BUCKET_YEAR, DT, -1), D(1969, 1, 1));
    assert_int_equal(bucket_floor(BUCKET_QUARTER, DT, D(1900, 3, 31)), D(1900, 1, 1));
    assert_int_equal(bucket_floor(BUCKET_MONTH, DT, D(1600, 2, 29)), D(1600, 2, 1));
    assert_int_equal(bucket_floor(BUCKET_QUARTER, DT, D(2023, 12, 31)), D(2023, 10, 1));
    assert_int_equal(bucket_floor(BUCKET_QUARTER, DT, D(2023, 7, 1)), D(2023, 7, 1));
    /* Too far from 1970 for the calendar: its own bucket. */
    assert_int_equal(bucket_floor(BUCKET_MONTH, DT, INT64_MAX), INT64_MAX);
    assert_int_equal(bucket_floor(BUCKET_YEAR, DT, INT64_MIN), INT64_MIN);
    /* Other types are left alone. */
    assert_int_equal(bucket_floor(BUCKET_MONTH, QUIRE_TYPE_INT, 12345), 12345);
}

static void test_bucket_floor_timestamps(void **state)
{
    const uint32_t T = QUIRE_TYPE_TIMESTAMP;
    int64_t t = TS(2024, 2, 29) + (13 * 3600 + 45 * 60 + 10) * INT64_C(1000000) + 500000;
    (void)state;

    assert_int_equal(bucket_floor(BUCKET_HOUR, T, t), TS(2024, 2, 29) + 13 * HOUR_US);
    assert_int_equal(bucket_floor(BUCKET_DAY, T, t), TS(2024, 2, 29));
    assert_int_equal(bucket_floor(BUCKET_WEEK, T, t), TS(2024, 2, 26));
    assert_int_equal(bucket_floor(BUCKET_MONTH, T, t), TS(2024, 2, 1));
    assert_int_equal(bucket_floor(BUCKET_QUARTER, T, t), TS(2024, 1, 1));
    assert_int_equal(bucket_floor(BUCKET_YEAR, T, t), TS(2024, 1, 1));
    assert_int_equal(bucket_floor(BUCKET_NONE, T, t), t);
    /* One microsecond before the epoch. */
    assert_int_equal(bucket_floor(BUCKET_HOUR, T, -1), -HOUR_US);
    assert_int_equal(bucket_floor(BUCKET_DAY, T, -1), -DAY_US);
    assert_int_equal(bucket_floor(BUCKET_MONTH, T, -1), TS(1969, 12, 1));
    assert_int_equal(bucket_floor(BUCKET_YEAR, T, 0), 0);
    /* The extremes saturate instead of overflowing. */
    assert_int_equal(bucket_floor(BUCKET_DAY, T, INT64_MIN), INT64_MIN);
    assert_int_equal(bucket_floor(BUCKET_HOUR, T, INT64_MIN), INT64_MIN);
    assert_true(bucket_floor(BUCKET_YEAR, T, INT64_MAX) <= INT64_MAX);
    assert_int_equal(bucket_floor(BUCKET_YEAR, T, INT64_MAX) % DAY_US, 0);
    assert_int_equal(bucket_next(BUCKET_YEAR, T, INT64_MAX), INT64_MAX);
    assert_int_equal(bucket_next(BUCKET_HOUR, T, INT64_MAX), INT64_MAX);
}

static void test_bucket_next(void **state)
{
    const uint32_t DT = QUIRE_TYPE_DATE, T = QUIRE_TYPE_TIMESTAMP;
    (void)state;

    assert_int_equal(bucket_next(BUCKET_MONTH, DT, D(2024, 1, 31)), D(2024, 2, 1));
    assert_int_equal(bucket_next(BUCKET_MONTH, DT, D(2024, 2, 1)), D(2024, 3, 1));
    assert_int_equal(bucket_next(BUCKET_MONTH, DT, D(2024, 12, 15)), D(2025, 1, 1));
    assert_int_equal(bucket_next(BUCKET_MONTH, DT, D(1900, 2, 10)), D(1900, 3, 1));
    assert_int_equal(bucket_next(BUCKET_QUARTER, DT, D(2024, 11, 15)), D(2025, 1, 1));
    assert_int_equal(bucket_next(BUCKET_QUARTER, DT, D(2024, 2, 29)), D(2024, 4, 1));
    assert_int_equal(bucket_next(BUCKET_YEAR, DT, D(1900, 2, 1)), D(1901, 1, 1));
    assert_int_equal(bucket_next(BUCKET_YEAR, DT, -1), 0);
    assert_int_equal(bucket_next(BUCKET_WEEK, DT, D(2020, 12, 31)), D(2021, 1, 4));
    assert_int_equal(bucket_next(BUCKET_DAY, DT, D(2024, 2, 28)), D(2024, 2, 29));
    assert_int_equal(bucket_next(BUCKET_HOUR, DT, D(2024, 2, 28)), D(2024, 2, 29));
    assert_int_equal(bucket_next(BUCKET_NONE, DT, 41), 42);
    assert_int_equal(bucket_next(BUCKET_NONE, QUIRE_TYPE_INT, INT64_MAX), INT64_MAX);
    assert_int_equal(bucket_next(BUCKET_MONTH, DT, INT64_MAX), INT64_MAX);
    assert_int_equal(bucket_next(BUCKET_HOUR, T, TS(2024, 2, 29) + 5), TS(2024, 2, 29) + HOUR_US);
    assert_int_equal(bucket_next(BUCKET_HOUR, T, -1), 0);
    assert_int_equal(bucket_next(BUCKET_DAY, T, -1), 0);
    assert_int_equal(bucket_next(BUCKET_MONTH, T, TS(2024, 2, 29) + 1), TS(2024, 3, 1));
    assert_int_equal(bucket_next(BUCKET_WEEK, T, TS(2021, 1, 3)), TS(2021, 1, 4));
}

/* Every date in ±600 years: floor <= v < next, both are bucket starts, and
 * month/quarter/year starts fall on the 1st of the right month. */
static void test_bucket_properties(void **state)
{
    static const report_bucket bs[] = {BUCKET_DAY, BUCKET_WEEK, BUCKET_MONTH, BUCKET_QUARTER,
                                       BUCKET_YEAR};
    uint64_t seed = 4;
    (void)state;

    for (int i = 0; i < 3000; i++) {
        int64_t v = (int64_t)(rng(&seed) % 440000) - 220000, y, fy;
        int m, d, fm, fd;
        civil_of(v, &y, &m, &d);
        for (size_t k = 0; k < sizeof(bs) / sizeof(bs[0]); k++) {
            int64_t f = bucket_floor(bs[k], QUIRE_TYPE_DATE, v);
            int64_t nx = bucket_next(bs[k], QUIRE_TYPE_DATE, v);
            assert_true(f <= v && v < nx);
            assert_int_equal(bucket_floor(bs[k], QUIRE_TYPE_DATE, f), f);
            assert_int_equal(bucket_floor(bs[k], QUIRE_TYPE_DATE, nx), nx);
            assert_int_equal(bucket_next(bs[k], QUIRE_TYPE_DATE, f), nx);
            assert_int_equal(bucket_floor(bs[k], QUIRE_TYPE_DATE, nx - 1), f);
            civil_of(f, &fy, &fm, &fd);
            switch (bs[k]) {
            case BUCKET_WEEK: assert_true(v - f < 7); break;
            case BUCKET_MONTH: assert_true(fy == y && fm == m && fd == 1); break;
            case BUCKET_QUARTER:
                assert_true(fy == y && fm == (m - 1) / 3 * 3 + 1 && fd == 1);
                break;
            case BUCKET_YEAR: assert_true(fy == y && fm == 1 && fd == 1); break;
            default: assert_int_equal(f, v); break;
            }
        }
        /* Weeks start on Monday: 1970-01-05 was one. */
        assert_int_equal(((bucket_floor(BUCKET_WEEK, QUIRE_TYPE_DATE, v) - 4) % 7 + 7) % 7, 0);
        /* Timestamps agree with dates. */
        assert_int_equal(bucket_floor(BUCKET_MONTH, QUIRE_TYPE_TIMESTAMP, v * DAY_US + 12345),
                         bucket_floor(BUCKET_MONTH, QUIRE_TYPE_DATE, v) * DAY_US);
    }
}

static void test_iso_week(void **state)
{
    int64_t y;
    unsigned w;
    (void)state;

    bucket_iso_week(D(2021, 1, 3), &y, &w);
    assert_true(y == 2020 && w == 53);
    bucket_iso_week(D(2021, 1, 4), &y, &w);
    assert_true(y == 2021 && w == 1);
    bucket_iso_week(D(2008, 12, 29), &y, &w);
    assert_true(y == 2009 && w == 1);
    bucket_iso_week(D(2005, 1, 1), &y, &w);
    assert_true(y == 2004 && w == 53);
    bucket_iso_week(D(2024, 12, 30), &y, &w);
    assert_true(y == 2025 && w == 1);
    bucket_iso_week(D(2024, 2, 29), &y, &w);
    assert_true(y == 2024 && w == 9);
    bucket_iso_week(D(1970, 1, 1), &y, &w);
    assert_true(y == 1970 && w == 1);
    bucket_iso_week(D(1969, 12, 28), &y, &w);
    assert_true(y == 1969 && w == 52);
}

/* ============================== Gap filling =============================== */

/* Walks the gaps and compares with want[] pairs (value, index). */
static void check_gaps(report_bucket b, uint32_t type, const int64_t *present, size_t n,
                       const int64_t (*want)[2], size_t nwant)
{
    bucket_gaps it;
    int64_t v;
    ptrdiff_t idx;
    size_t got = 0;

    bucket_gaps_begin(&it, b, type, present, n);
    while (bucket_gaps_next(&it, &v, &idx)) {
        assert_true(got < nwant);
        if (v != want[got][0] || idx != want[got][1])
            fail_msg("step %zu: got (%lld, %td), want (%lld, %lld)", got, (long long)v, idx,
                     (long long)want[got][0], (long long)want[got][1]);
        got++;
    }
    assert_int_equal(got, nwant);
    assert_int_equal(bucket_gaps_next(&it, &v, &idx), 0); /* stays done */
}

static void test_gap_filling(void **state)
{
    const uint32_t DT = QUIRE_TYPE_DATE, T = QUIRE_TYPE_TIMESTAMP;
    (void)state;

    {
        const int64_t p[] = {D(2024, 1, 1), D(2024, 3, 1), D(2024, 6, 1)};
        const int64_t w[][2] = {{D(2024, 1, 1), 0},  {D(2024, 2, 1), -1}, {D(2024, 3, 1), 1},
                                {D(2024, 4, 1), -1}, {D(2024, 5, 1), -1}, {D(2024, 6, 1), 2}};
        check_gaps(BUCKET_MONTH, DT, p, 3, w, 6);
    }
    {
        const int64_t p[] = {D(2020, 12, 21), D(2021, 1, 11)};
        const int64_t w[][2] = {
            {D(2020, 12, 21), 0}, {D(2020, 12, 28), -1}, {D(2021, 1, 4), -1}, {D(2021, 1, 11), 1}};
        check_gaps(BUCKET_WEEK, DT, p, 2, w, 4);
    }
    {
        const int64_t p[] = {TS(2024, 2, 28) + 22 * HOUR_US, TS(2024, 2, 29) + HOUR_US};
        const int64_t w[][2] = {{TS(2024, 2, 28) + 22 * HOUR_US, 0},
                                {TS(2024, 2, 28) + 23 * HOUR_US, -1},
                                {TS(2024, 2, 29), -1},
                                {TS(2024, 2, 29) + HOUR_US, 1}};
        check_gaps(BUCKET_HOUR, T, p, 2, w, 4);
    }
    {
        const int64_t p[] = {TS(2023, 10, 1), TS(2024, 4, 1)};
        const int64_t w[][2] = {{TS(2023, 10, 1), 0}, {TS(2024, 1, 1), -1}, {TS(2024, 4, 1), 1}};
        check_gaps(BUCKET_QUARTER, T, p, 2, w, 3);
    }
    {
        const int64_t p[] = {D(1999, 1, 1), D(2001, 1, 1)};
        const int64_t w[][2] = {{D(1999, 1, 1), 0}, {D(2000, 1, 1), -1}, {D(2001, 1, 1), 1}};
        check_gaps(BUCKET_YEAR, DT, p, 2, w, 3);
    }
    {
        /* No data, one bucket, and a value that is not a bucket start. */
        const int64_t p[] = {D(2024, 1, 1), D(2024, 1, 15), D(2024, 3, 1)};
        const int64_t w[][2] = {
            {D(2024, 1, 1), 0}, {D(2024, 1, 15), 1}, {D(2024, 2, 1), -1}, {D(2024, 3, 1), 2}};
        check_gaps(BUCKET_MONTH, DT, p, 0, w, 0);
        check_gaps(BUCKET_MONTH, DT, p, 1, w, 1);
        check_gaps(BUCKET_MONTH, DT, p, 3, w, 4);
    }
    {
        /* Days, and the end of the int64 range. */
        const int64_t p[] = {D(2024, 2, 27), D(2024, 3, 1)};
        const int64_t w[][2] = {
            {D(2024, 2, 27), 0}, {D(2024, 2, 28), -1}, {D(2024, 2, 29), -1}, {D(2024, 3, 1), 1}};
        const int64_t q[] = {INT64_MAX - 2, INT64_MAX};
        const int64_t wq[][2] = {{INT64_MAX - 2, 0}, {INT64_MAX - 1, -1}, {INT64_MAX, 1}};
        check_gaps(BUCKET_DAY, DT, p, 2, w, 4);
        check_gaps(BUCKET_NONE, QUIRE_TYPE_INT, q, 2, wq, 3);
    }
}

/* ============================== Top N ===================================== */

static void test_topn_with_other(void **state)
{
    agg_spec specs[] = {{CALC_SUM, QUIRE_TYPE_INT, 0, 0},
                        {CALC_COUNT, 0, 0, 0},
                        {CALC_COUNT_DISTINCT, QUIRE_TYPE_INT, 0, 0}};
    agg_layout *l = agg_layout_new(specs, 3);
    size_t size = agg_state_size(l);
    char *states = malloc(size * 5);
    void *other = malloc(size);
    tcol *t = tcol_new(QUIRE_TYPE_INT, 0);
    /* Group g gets rows with values vals[g][0..2]. */
    const int64_t vals[5][3] = {{20, 20, 10}, {5, 5, 0}, {10, 10, 20}, {10, 10, 10}, {7, 7, 6}};
    uint32_t gids[5] = {0, 1, 2, 3, 4};
    const uint32_t want_order[5] = {0, 2, 3, 4, 1}; /* sums 50, 40, 30, 20, 10 */
    size_t kept, merged;
    quire_error err = {0};
    qv v;
    (void)state;

    for (uint32_t g = 0; g < 5; g++) {
        void *st = states + g * size;
        agg_state_init(l, st);
        memcpy(t->i64, vals[g], sizeof(vals[g]));
        for (uint32_t a = 0; a < 3; a++)
            assert_int_equal(agg_update(l, a, st, NULL, a == 1 ? NULL : &t->c, NULL, 3, 0, &err),
                             QUIRE_OK);
    }
    assert_int_equal(agg_sort_by_result(l, 0, states, gids, 5, 1, &err), QUIRE_OK);
    assert_memory_equal(gids, want_order, sizeof(gids));

    agg_state_init(l, other);
    assert_int_equal(agg_topn(l, states, gids, 5, 2, other, &kept, &merged, &err), QUIRE_OK);
    assert_int_equal(kept, 2);
    assert_int_equal(merged, 3);
    assert_int_equal(agg_result(l, 0, other, &v, NULL, &err), QUIRE_OK);
    assert_int_equal(v.u.i, 30 + 20 + 10);
    assert_int_equal(agg_result(l, 1, other, &v, NULL, &err), QUIRE_OK);
    assert_int_equal(v.u.i, 9);
    assert_int_equal(agg_result(l, 2, other, &v, NULL, &err), QUIRE_OK);
    assert_int_equal(v.u.i, 5); /* {10} u {7, 6} u {5, 0} */
    /* The kept groups are untouched. */
    assert_int_equal(agg_result(l, 0, states + 0 * size, &v, NULL, &err), QUIRE_OK);
    assert_int_equal(v.u.i, 50);
    agg_state_destroy(l, other);

    assert_int_equal(agg_topn(l, states, gids, 5, 2, NULL, &kept, &merged, &err), QUIRE_OK);
    assert_true(kept == 2 && merged == 0); /* dropped */
    agg_state_init(l, other);
    assert_int_equal(agg_topn(l, states, gids, 5, 0, other, &kept, &merged, &err), QUIRE_OK);
    assert_true(kept == 5 && merged == 0); /* top = 0: all */
    assert_int_equal(agg_topn(l, states, gids, 5, 9, other, &kept, &merged, &err), QUIRE_OK);
    assert_true(kept == 5 && merged == 0);
    assert_int_equal(agg_result(l, 1, other, &v, NULL, &err), QUIRE_OK);
    assert_int_equal(v.u.i, 0);
    agg_state_destroy(l, other);

    for (uint32_t g = 0; g < 5; g++)
        agg_state_destroy(l, states + g * size);
    free(states);
    free(other);
    free(t);
    agg_layout_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_rejects_bad_keys),
        cmocka_unit_test(test_two_string_keys_across_batches),
        cmocka_unit_test(test_null_keys),
        cmocka_unit_test(test_eight_mixed_keys),
        cmocka_unit_test(test_float_keys),
        cmocka_unit_test(test_selection_writes_only_selected),
        cmocka_unit_test(test_zero_keys_one_group),
        cmocka_unit_test(test_growth_100k),
        cmocka_unit_test(test_string_keys_outgrow_dense_index),
        cmocka_unit_test(test_find_errors),
        cmocka_unit_test(test_sorted_order),
        cmocka_unit_test(test_merge_tables),
        cmocka_unit_test(test_bucket_floor_dates),
        cmocka_unit_test(test_bucket_floor_timestamps),
        cmocka_unit_test(test_bucket_next),
        cmocka_unit_test(test_bucket_properties),
        cmocka_unit_test(test_iso_week),
        cmocka_unit_test(test_gap_filling),
        cmocka_unit_test(test_topn_with_other),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
