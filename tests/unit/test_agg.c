/*
 * test_agg.c - the accumulators of the aggregation core (kernel/agg*.c).
 *
 * Every aggregate is checked against a value the test computes on its own,
 * by a different and simpler method: sums in a plain loop over __int128 or
 * long double, variance in two passes in long double, median and
 * percentiles by sorting a copy, distinct counts by comparing every pair.
 * Then the same data is split into random partitions, each aggregated in
 * its own state with partition ordinals, and merged in a random order: the
 * result must equal the single pass bit for bit, except sums, averages and
 * variances of floats (the order of float additions changes), which must
 * agree to a relative 1e-12 and 1e-9.
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

/* A column the test owns, of up to MAXROWS rows. */
#define MAXROWS 4096

typedef struct tcol {
    quire_column c;
    uint8_t nulls[MAXROWS];
    int64_t i64[MAXROWS];
    double f64[MAXROWS];
    quire_str str[MAXROWS];
    uint32_t n;
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

/* The push functions set the row's NULL flag too, so a column can be
 * refilled from row 0. */
static void push_i(tcol *t, int64_t v)
{
    t->nulls[t->n] = 0;
    t->i64[t->n++] = v;
}

static void push_f(tcol *t, double v)
{
    t->nulls[t->n] = 0;
    t->f64[t->n++] = v;
}

static void push_str(tcol *t, const char *s, size_t len)
{
    t->nulls[t->n] = 0;
    t->str[t->n++] = (quire_str){s, len};
}

static void push_s(tcol *t, const char *s)
{
    push_str(t, s, strlen(s));
}

static void push_null(tcol *t)
{
    t->nulls[t->n++] = 1;
}

/* Runs one aggregate over rows [0, t->n) of t (NULL: count()) in one state
 * and returns the result (strings copied into `arena`). */
static qv run_one(report_calc calc, uint32_t type, int32_t scale, double p, const tcol *t,
                  uint32_t nrows, quire_arena *arena)
{
    agg_spec spec = {calc, type, scale, p};
    agg_layout *l = agg_layout_new(&spec, 1);
    void *st;
    quire_error err = {0};
    qv out;

    assert_non_null(l);
    st = malloc(agg_state_size(l) ? agg_state_size(l) : 1);
    assert_non_null(st);
    agg_state_init(l, st);
    if (agg_update(l, 0, st, NULL, t ? &t->c : NULL, NULL, nrows, 0, &err) != QUIRE_OK)
        fail_msg("update: %s", err.msg);
    if (agg_result(l, 0, st, &out, arena, &err) != QUIRE_OK)
        fail_msg("result: %s", err.msg);
    agg_state_destroy(l, st);
    free(st);
    agg_layout_free(l);
    return out;
}

static void assert_close(double got, long double want, double rel)
{
    long double diff = fabsl((long double)got - want);
    long double scale = fabsl(want) > 1 ? fabsl(want) : 1;
    if (!(diff <= rel * scale))
        fail_msg("got %.17g, want %.17Lg (relative error %Lg > %g)", got, want, diff / scale, rel);
}

static void assert_null_of(const qv *v, uint32_t type)
{
    assert_true(v->null);
    assert_int_equal(v->type, type);
}

/* ============================== Result types ============================== */

static void check_type(report_calc calc, uint32_t in, int32_t scale, double p, uint32_t want_type,
                       int32_t want_scale)
{
    agg_spec s = {calc, in, scale, p};
    uint32_t type;
    int32_t sc;
    char why[128];
    if (agg_result_type(&s, &type, &sc, why, sizeof(why)) != 0)
        fail_msg("%s: %s", agg_calc_name(calc), why);
    assert_int_equal(type, want_type);
    assert_int_equal(sc, want_scale);
}

static void check_type_error(report_calc calc, uint32_t in, int32_t scale, double p,
                             const char *want)
{
    agg_spec s = {calc, in, scale, p};
    uint32_t type;
    int32_t sc;
    char why[128];
    assert_int_equal(agg_result_type(&s, &type, &sc, why, sizeof(why)), -1);
    assert_string_equal(why, want);
    assert_null(agg_layout_new(&s, 1));
}

static void test_result_types(void **state)
{
    (void)state;
    check_type(CALC_COUNT, QUIRE_TYPE_STRING, 0, 0, QUIRE_TYPE_INT, 0);
    check_type(CALC_COUNT, QUIRE_TYPE_NULL, 0, 0, QUIRE_TYPE_INT, 0);
    check_type(CALC_COUNT_DISTINCT, QUIRE_TYPE_FLOAT, 0, 0, QUIRE_TYPE_INT, 0);
    check_type(CALC_SUM, QUIRE_TYPE_INT, 0, 0, QUIRE_TYPE_INT, 0);
    check_type(CALC_SUM, QUIRE_TYPE_DECIMAL, 2, 0, QUIRE_TYPE_DECIMAL, 2);
    check_type(CALC_SUM, QUIRE_TYPE_FLOAT, 0, 0, QUIRE_TYPE_FLOAT, 0);
    check_type(CALC_RUNNING_SUM, QUIRE_TYPE_DECIMAL, 4, 0, QUIRE_TYPE_DECIMAL, 4);
    check_type(CALC_AVG, QUIRE_TYPE_DECIMAL, 2, 0, QUIRE_TYPE_FLOAT, 0);
    check_type(CALC_VAR_SAMP, QUIRE_TYPE_INT, 0, 0, QUIRE_TYPE_FLOAT, 0);
    check_type(CALC_STDDEV_POP, QUIRE_TYPE_FLOAT, 0, 0, QUIRE_TYPE_FLOAT, 0);
    check_type(CALC_MEDIAN, QUIRE_TYPE_DECIMAL, 3, 0, QUIRE_TYPE_FLOAT, 0);
    check_type(CALC_PERCENTILE, QUIRE_TYPE_INT, 0, 1.0, QUIRE_TYPE_FLOAT, 0);
    check_type(CALC_MIN, QUIRE_TYPE_STRING, 0, 0, QUIRE_TYPE_STRING, 0);
    check_type(CALC_MAX, QUIRE_TYPE_DECIMAL, 2, 0, QUIRE_TYPE_DECIMAL, 2);
    check_type(CALC_FIRST, QUIRE_TYPE_DATE, 0, 0, QUIRE_TYPE_DATE, 0);
    check_type(CALC_LAST, QUIRE_TYPE_BOOL, 0, 0, QUIRE_TYPE_BOOL, 0);
    check_type(CALC_SUM, QUIRE_TYPE_NULL, 0, 0, QUIRE_TYPE_NULL, 0);
    check_type(CALC_AVG, QUIRE_TYPE_NULL, 0, 0, QUIRE_TYPE_FLOAT, 0);

    check_type_error(CALC_SUM, QUIRE_TYPE_STRING, 0, 0, "sum needs numbers, got string");
    check_type_error(CALC_RUNNING_SUM, QUIRE_TYPE_BOOL, 0, 0,
                     "running_sum needs numbers, got bool");
    check_type_error(CALC_AVG, QUIRE_TYPE_DATE, 0, 0, "avg needs numbers, got date");
    check_type_error(CALC_STDDEV_SAMP, QUIRE_TYPE_TIMESTAMP, 0, 0,
                     "stddev_samp needs numbers, got timestamp");
    check_type_error(CALC_MEDIAN, QUIRE_TYPE_STRING, 0, 0, "median needs numbers, got string");
    check_type_error(CALC_PERCENTILE, QUIRE_TYPE_INT, 0, 1.5,
                     "percentile needs p between 0 and 1, got 1.5");
    check_type_error(CALC_PERCENTILE, QUIRE_TYPE_INT, 0, -0.25,
                     "percentile needs p between 0 and 1, got -0.25");
    check_type_error(CALC_PERCENTILE, QUIRE_TYPE_INT, 0, NAN,
                     "percentile needs p between 0 and 1, got nan");
    check_type_error(CALC_SUM, QUIRE_TYPE_DECIMAL, 20, 0,
                     "decimal scale must be between 0 and 18, got 20");
    check_type_error(CALC_MIN, QUIRE_TYPE_DECIMAL, -1, 0,
                     "decimal scale must be between 0 and 18, got -1");
    check_type_error(CALC_MAX, 42, 0, 0, "max cannot read values of unknown type 42");
    check_type_error(CALC_NONE, QUIRE_TYPE_INT, 0, 0, "'none' is not an aggregate");
    check_type_error((report_calc)99, QUIRE_TYPE_INT, 0, 0, "'?' is not an aggregate");
}

static void test_layout(void **state)
{
    agg_spec specs[] = {{CALC_COUNT, 0, 0, 0},
                        {CALC_SUM, QUIRE_TYPE_DECIMAL, 2, 0},
                        {CALC_MIN, QUIRE_TYPE_STRING, 0, 0},
                        {CALC_PERCENTILE, QUIRE_TYPE_FLOAT, 0, 0.9}};
    agg_layout *l;
    int32_t scale;
    (void)state;

    l = agg_layout_new(specs, 2);
    assert_non_null(l);
    assert_int_equal(agg_layout_count(l), 2);
    assert_int_equal(agg_state_size(l) % 16, 0); /* arrays of states stay aligned */
    assert_false(agg_layout_owns_memory(l));
    assert_int_equal(agg_layout_result_type(l, 1, &scale), QUIRE_TYPE_DECIMAL);
    assert_int_equal(scale, 2);
    assert_int_equal(agg_layout_spec(l, 1)->calc, CALC_SUM);
    assert_null(agg_layout_spec(l, 2));
    agg_layout_free(l);

    l = agg_layout_new(specs, 4);
    assert_non_null(l);
    assert_true(agg_layout_owns_memory(l));
    agg_layout_free(l);

    l = agg_layout_new(NULL, 0);
    assert_non_null(l);
    assert_int_equal(agg_state_size(l) % 8, 0);
    agg_layout_free(l);
    agg_layout_free(NULL);
}

/* ============================== Counts and sums =========================== */

static void test_count(void **state)
{
    tcol *t = tcol_new(QUIRE_TYPE_INT, 0);
    qv v;
    (void)state;

    push_i(t, 5);
    push_null(t);
    push_i(t, 7);
    push_null(t);
    push_i(t, 5);
    v = run_one(CALC_COUNT, 0, 0, 0, NULL, t->n, NULL);
    assert_int_equal(v.type, QUIRE_TYPE_INT);
    assert_false(v.null);
    assert_int_equal(v.u.i, 5); /* count() counts rows, NULL or not */
    v = run_one(CALC_COUNT, QUIRE_TYPE_INT, 0, 0, t, t->n, NULL);
    assert_int_equal(v.u.i, 3); /* count(x) skips NULLs */
    v = run_one(CALC_COUNT, QUIRE_TYPE_INT, 0, 0, t, 0, NULL);
    assert_false(v.null);
    assert_int_equal(v.u.i, 0); /* empty: 0, not NULL */
    free(t);
}

static void test_sum_int_exact(void **state)
{
    tcol *t = tcol_new(QUIRE_TYPE_INT, 0);
    uint64_t seed = 42;
    __int128 want = 0;
    qv v;
    (void)state;

    /* Partial sums leave the 64-bit range; the total comes back into it. */
    push_i(t, INT64_MAX);
    push_i(t, INT64_MAX);
    push_i(t, INT64_MAX);
    push_i(t, -INT64_MAX);
    push_i(t, -INT64_MAX);
    v = run_one(CALC_SUM, QUIRE_TYPE_INT, 0, 0, t, t->n, NULL);
    assert_int_equal(v.type, QUIRE_TYPE_INT);
    assert_int_equal(v.u.i, INT64_MAX);

    t->n = 0;
    for (int i = 0; i < 3000; i++) {
        if (rng(&seed) % 7 == 0) {
            push_null(t);
            continue;
        }
        int64_t x = (int64_t)(rng(&seed) >> 20) - ((int64_t)1 << 43);
        push_i(t, x);
        want += x;
    }
    v = run_one(CALC_SUM, QUIRE_TYPE_INT, 0, 0, t, t->n, NULL);
    assert_false(v.null);
    assert_true((__int128)v.u.i == want);
    v = run_one(CALC_RUNNING_SUM, QUIRE_TYPE_INT, 0, 0, t, t->n, NULL);
    assert_true((__int128)v.u.i == want);
    free(t);
}

static void expect_sum_error(uint32_t type, int32_t scale, const int64_t *vals, size_t n,
                             const char *want)
{
    tcol *t = tcol_new(type, scale);
    agg_spec spec = {CALC_SUM, type, scale, 0};
    agg_layout *l = agg_layout_new(&spec, 1);
    quire_error err = {0};
    _Alignas(16) char st[64];
    qv v;

    for (size_t i = 0; i < n; i++)
        push_i(t, vals[i]);
    assert_non_null(l);
    assert_true(agg_state_size(l) <= sizeof(st));
    agg_state_init(l, st);
    assert_int_equal(agg_update(l, 0, st, NULL, &t->c, NULL, t->n, 0, &err), QUIRE_OK);
    assert_int_equal(agg_result(l, 0, st, &v, NULL, &err), QUIRE_ERR);
    assert_int_equal(err.code, QUIRE_E_INVALID);
    assert_string_equal(err.msg, want);
    agg_state_destroy(l, st);
    agg_layout_free(l);
    free(t);
}

static void test_sum_overflow(void **state)
{
    const int64_t up[] = {INT64_MAX, 1};
    const int64_t down[] = {INT64_MIN, -1};
    const int64_t big[] = {INT64_MAX, INT64_MAX, INT64_MAX};
    (void)state;

    expect_sum_error(QUIRE_TYPE_INT, 0, up, 2, "sum 9223372036854775808 does not fit in 64 bits");
    expect_sum_error(QUIRE_TYPE_INT, 0, down, 2,
                     "sum -9223372036854775809 does not fit in 64 bits");
    expect_sum_error(QUIRE_TYPE_DECIMAL, 2, up, 2,
                     "sum 92233720368547758.08 does not fit in 64 bits");
    expect_sum_error(QUIRE_TYPE_DECIMAL, 4, down, 2,
                     "sum -922337203685477.5809 does not fit in 64 bits");
    /* 3 * (2^63 - 1) = 27670116110564327421 */
    expect_sum_error(QUIRE_TYPE_INT, 0, big, 3, "sum 27670116110564327421 does not fit in 64 bits");
}

static void test_sum_decimal(void **state)
{
    tcol *t = tcol_new(QUIRE_TYPE_DECIMAL, 2);
    qv v;
    (void)state;

    push_i(t, 1050); /* 10.50 */
    push_i(t, -25);  /* -0.25 */
    push_null(t);
    push_i(t, 1); /* 0.01 */
    v = run_one(CALC_SUM, QUIRE_TYPE_DECIMAL, 2, 0, t, t->n, NULL);
    assert_int_equal(v.type, QUIRE_TYPE_DECIMAL);
    assert_int_equal(v.scale, 2);
    assert_int_equal(v.u.i, 1026); /* 10.26 */

    t->n = 0;
    push_null(t);
    v = run_one(CALC_SUM, QUIRE_TYPE_DECIMAL, 2, 0, t, t->n, NULL);
    assert_null_of(&v, QUIRE_TYPE_DECIMAL); /* all NULL: NULL, still a decimal(2) */
    assert_int_equal(v.scale, 2);
    free(t);
}

static void test_sum_float_compensated(void **state)
{
    tcol *t = tcol_new(QUIRE_TYPE_FLOAT, 0);
    uint64_t seed = 7;
    long double want = 0;
    qv v;
    (void)state;

    /* A plain double loop gives 0 here; the true sum is 2. */
    push_f(t, 1e100);
    push_f(t, 1.0);
    push_f(t, -1e100);
    push_f(t, 1.0);
    v = run_one(CALC_SUM, QUIRE_TYPE_FLOAT, 0, 0, t, t->n, NULL);
    assert_true(v.u.f == 2.0);

    /* 0.1 four thousand times: the long double total is exact. */
    t->n = 0;
    for (int i = 0; i < 4000; i++) {
        push_f(t, 0.1);
        want += (long double)0.1;
    }
    v = run_one(CALC_SUM, QUIRE_TYPE_FLOAT, 0, 0, t, t->n, NULL);
    assert_true(v.u.f == (double)want);

    want = 0;
    t->n = 0;
    for (int i = 0; i < 4000; i++) {
        double x = ((double)(rng(&seed) % 2000001) - 1000000.0) * pow(10, (int)(rng(&seed) % 9));
        push_f(t, x);
        want += x;
    }
    v = run_one(CALC_SUM, QUIRE_TYPE_FLOAT, 0, 0, t, t->n, NULL);
    assert_close(v.u.f, want, 1e-15);

    /* Infinities and NaN give what plain addition would. */
    t->n = 0;
    push_f(t, 1.0);
    push_f(t, INFINITY);
    push_f(t, 2.0);
    v = run_one(CALC_SUM, QUIRE_TYPE_FLOAT, 0, 0, t, t->n, NULL);
    assert_true(isinf(v.u.f) && v.u.f > 0);
    push_f(t, -INFINITY);
    v = run_one(CALC_SUM, QUIRE_TYPE_FLOAT, 0, 0, t, t->n, NULL);
    assert_true(isnan(v.u.f));
    t->n = 0;
    push_f(t, 1e308);
    push_f(t, 1e308);
    v = run_one(CALC_SUM, QUIRE_TYPE_FLOAT, 0, 0, t, t->n, NULL);
    assert_true(isinf(v.u.f) && v.u.f > 0);
    free(t);
}

static void test_avg(void **state)
{
    tcol *ti = tcol_new(QUIRE_TYPE_INT, 0);
    tcol *td = tcol_new(QUIRE_TYPE_DECIMAL, 2);
    tcol *tf = tcol_new(QUIRE_TYPE_FLOAT, 0);
    uint64_t seed = 99;
    __int128 si = 0, sd = 0;
    long double sf = 0;
    int n = 0;
    qv v;
    (void)state;

    for (int i = 0; i < 2500; i++) {
        if (i % 11 == 3) {
            push_null(ti);
            push_null(td);
            push_null(tf);
            continue;
        }
        int64_t x = (int64_t)(rng(&seed) % 2000000001) - 1000000000;
        push_i(ti, x);
        push_i(td, x);
        push_f(tf, (double)x / 8);
        si += x;
        sd += x;
        sf += (long double)x / 8;
        n++;
    }
    v = run_one(CALC_AVG, QUIRE_TYPE_INT, 0, 0, ti, ti->n, NULL);
    assert_int_equal(v.type, QUIRE_TYPE_FLOAT);
    assert_close(v.u.f, (long double)si / n, 1e-15);
    v = run_one(CALC_AVG, QUIRE_TYPE_DECIMAL, 2, 0, td, td->n, NULL);
    assert_close(v.u.f, (long double)sd / n / 100, 1e-15);
    v = run_one(CALC_AVG, QUIRE_TYPE_FLOAT, 0, 0, tf, tf->n, NULL);
    assert_close(v.u.f, sf / n, 1e-15);

    /* Exact sum, one rounding: (0.10 + 0.20) / 2 is the double nearest 0.15,
     * which 0.1 + 0.2 in doubles would miss. */
    td->n = 0;
    push_i(td, 10);
    push_i(td, 20);
    v = run_one(CALC_AVG, QUIRE_TYPE_DECIMAL, 2, 0, td, td->n, NULL);
    assert_true(v.u.f == 0.15);
    /* The sum passes 2^63 but the mean does not. */
    ti->n = 0;
    push_i(ti, INT64_MAX);
    push_i(ti, INT64_MAX - 2);
    v = run_one(CALC_AVG, QUIRE_TYPE_INT, 0, 0, ti, ti->n, NULL);
    assert_true(v.u.f == (double)(INT64_MAX - 1));

    v = run_one(CALC_AVG, QUIRE_TYPE_INT, 0, 0, ti, 0, NULL);
    assert_null_of(&v, QUIRE_TYPE_FLOAT);
    free(ti);
    free(td);
    free(tf);
}

/* ============================== Min, max, first, last ===================== */

static void test_min_max_numbers(void **state)
{
    tcol *t = tcol_new(QUIRE_TYPE_DECIMAL, 3);
    tcol *f = tcol_new(QUIRE_TYPE_FLOAT, 0);
    tcol *b = tcol_new(QUIRE_TYPE_BOOL, 0);
    tcol *d = tcol_new(QUIRE_TYPE_DATE, 0);
    uint64_t seed = 5;
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    qv v;
    (void)state;

    for (int i = 0; i < 1000; i++) {
        int64_t x = (int64_t)rng(&seed);
        if (i % 5 == 0) {
            push_null(t);
            continue;
        }
        push_i(t, x);
        lo = x < lo ? x : lo;
        hi = x > hi ? x : hi;
    }
    v = run_one(CALC_MIN, QUIRE_TYPE_DECIMAL, 3, 0, t, t->n, NULL);
    assert_int_equal(v.type, QUIRE_TYPE_DECIMAL);
    assert_int_equal(v.scale, 3);
    assert_int_equal(v.u.i, lo);
    v = run_one(CALC_MAX, QUIRE_TYPE_DECIMAL, 3, 0, t, t->n, NULL);
    assert_int_equal(v.u.i, hi);
    v = run_one(CALC_MAX, QUIRE_TYPE_DECIMAL, 3, 0, t, 0, NULL);
    assert_null_of(&v, QUIRE_TYPE_DECIMAL);
    assert_int_equal(v.scale, 3);

    /* Floats: -0.0 below 0.0, NaN above +inf. */
    push_f(f, 0.0);
    push_f(f, -0.0);
    push_f(f, 3.5);
    v = run_one(CALC_MIN, QUIRE_TYPE_FLOAT, 0, 0, f, f->n, NULL);
    assert_true(v.u.f == 0.0 && signbit(v.u.f));
    v = run_one(CALC_MAX, QUIRE_TYPE_FLOAT, 0, 0, f, f->n, NULL);
    assert_true(v.u.f == 3.5);
    push_f(f, NAN);
    push_f(f, INFINITY);
    push_f(f, -INFINITY);
    v = run_one(CALC_MAX, QUIRE_TYPE_FLOAT, 0, 0, f, f->n, NULL);
    assert_true(isnan(v.u.f));
    v = run_one(CALC_MIN, QUIRE_TYPE_FLOAT, 0, 0, f, f->n, NULL);
    assert_true(isinf(v.u.f) && v.u.f < 0);
    f->n = 0;
    push_f(f, NAN);
    v = run_one(CALC_MIN, QUIRE_TYPE_FLOAT, 0, 0, f, f->n, NULL);
    assert_true(isnan(v.u.f));

    push_i(b, 1);
    push_i(b, 0);
    push_i(b, 1);
    v = run_one(CALC_MIN, QUIRE_TYPE_BOOL, 0, 0, b, b->n, NULL);
    assert_int_equal(v.type, QUIRE_TYPE_BOOL);
    assert_int_equal(v.u.i, 0);
    v = run_one(CALC_MAX, QUIRE_TYPE_BOOL, 0, 0, b, b->n, NULL);
    assert_int_equal(v.u.i, 1);

    push_i(d, 19782); /* 2024-02-29 */
    push_i(d, -1);    /* 1969-12-31 */
    push_i(d, 0);
    v = run_one(CALC_MIN, QUIRE_TYPE_DATE, 0, 0, d, d->n, NULL);
    assert_int_equal(v.type, QUIRE_TYPE_DATE);
    assert_int_equal(v.u.i, -1);
    v = run_one(CALC_MAX, QUIRE_TYPE_DATE, 0, 0, d, d->n, NULL);
    assert_int_equal(v.u.i, 19782);
    free(t);
    free(f);
    free(b);
    free(d);
}

static void assert_str(const qv *v, const char *want, size_t len)
{
    assert_int_equal(v->type, QUIRE_TYPE_STRING);
    assert_false(v->null);
    assert_int_equal(v->u.s.len, len);
    assert_memory_equal(v->u.s.ptr, want, len);
}

static void test_min_max_strings(void **state)
{
    tcol *t = tcol_new(QUIRE_TYPE_STRING, 0);
    quire_arena *arena = arena_new(0);
    char buf[64];
    qv v;
    (void)state;

    push_s(t, "abc");
    push_s(t, "ab"); /* a prefix sorts first */
    push_null(t);
    push_s(t, "z");
    push_s(t, "\xc3\xa9t\xc3\xa9"); /* "été": UTF-8 bytes above 'z' */
    push_s(t, "Zebra");             /* upper case before lower case */
    v = run_one(CALC_MIN, QUIRE_TYPE_STRING, 0, 0, t, t->n, arena);
    assert_str(&v, "Zebra", 5);
    v = run_one(CALC_MAX, QUIRE_TYPE_STRING, 0, 0, t, t->n, arena);
    assert_str(&v, "\xc3\xa9t\xc3\xa9", 5);
    v = run_one(CALC_MIN, QUIRE_TYPE_STRING, 0, 0, t, 3, arena);
    assert_str(&v, "ab", 2);

    /* Embedded NUL bytes and the empty string are ordinary values. */
    t->n = 0;
    push_str(t, "a\0b", 3);
    push_str(t, "a", 1);
    push_str(t, "", 0);
    v = run_one(CALC_MAX, QUIRE_TYPE_STRING, 0, 0, t, t->n, arena);
    assert_str(&v, "a\0b", 3);
    v = run_one(CALC_MIN, QUIRE_TYPE_STRING, 0, 0, t, t->n, arena);
    assert_str(&v, "", 0);

    /* The state owns a copy: the source's bytes may change afterwards. */
    {
        agg_spec spec = {CALC_MAX, QUIRE_TYPE_STRING, 0, 0};
        agg_layout *l = agg_layout_new(&spec, 1);
        quire_error err = {0};
        _Alignas(16) char st[64];
        strcpy(buf, "mutable");
        t->n = 0;
        push_str(t, buf, 7);
        agg_state_init(l, st);
        assert_int_equal(agg_update(l, 0, st, NULL, &t->c, NULL, t->n, 0, &err), QUIRE_OK);
        memset(buf, 'x', 7);
        assert_int_equal(agg_result(l, 0, st, &v, NULL, &err), QUIRE_OK);
        assert_str(&v, "mutable", 7);
        assert_true(agg_state_memory(l, st) >= 7);
        agg_state_destroy(l, st);
        agg_layout_free(l);
    }
    arena_free(arena);
    free(t);
}

/* Runs FIRST and LAST over t split at `cut`, the second part as partition 1
 * (ordinals 1 << 40 + row) merged into... whichever order `reverse` says. */
static void first_last_split(report_calc calc, tcol *t, uint32_t cut, int reverse, qv *out,
                             quire_arena *arena)
{
    agg_spec spec = {calc, t->c.type, t->c.scale, 0};
    agg_layout *l = agg_layout_new(&spec, 1);
    _Alignas(16) char a[64], b[64];
    quire_error err = {0};
    quire_column second = t->c;

    assert_non_null(l);
    agg_state_init(l, a);
    agg_state_init(l, b);
    assert_int_equal(agg_update(l, 0, a, NULL, &t->c, NULL, cut, 0, &err), QUIRE_OK);
    /* The second partition's column starts at row `cut`: its rows are
     * numbered from 0 again, with its own ordinal base. */
    second.nulls = t->c.nulls + cut;
    if (t->c.type == QUIRE_TYPE_STRING)
        second.v.str = t->c.v.str + cut;
    else if (t->c.type == QUIRE_TYPE_FLOAT)
        second.v.f64 = t->c.v.f64 + cut;
    else
        second.v.i64 = t->c.v.i64 + cut;
    assert_int_equal(agg_update(l, 0, b, NULL, &second, NULL, t->n - cut, (int64_t)1 << 40, &err),
                     QUIRE_OK);
    if (reverse) {
        assert_int_equal(agg_merge(l, b, a, &err), QUIRE_OK);
        assert_int_equal(agg_result(l, 0, b, out, arena, &err), QUIRE_OK);
    } else {
        assert_int_equal(agg_merge(l, a, b, &err), QUIRE_OK);
        assert_int_equal(agg_result(l, 0, a, out, arena, &err), QUIRE_OK);
    }
    agg_state_destroy(l, a);
    agg_state_destroy(l, b);
    agg_layout_free(l);
}

static void test_first_last(void **state)
{
    tcol *t = tcol_new(QUIRE_TYPE_STRING, 0);
    tcol *f = tcol_new(QUIRE_TYPE_FLOAT, 0);
    tcol *i = tcol_new(QUIRE_TYPE_TIMESTAMP, 0);
    quire_arena *arena = arena_new(0);
    qv v;
    (void)state;

    push_null(t);
    push_s(t, "first");
    push_s(t, "second");
    push_s(t, "third");
    push_null(t);
    v = run_one(CALC_FIRST, QUIRE_TYPE_STRING, 0, 0, t, t->n, arena);
    assert_str(&v, "first", 5); /* NULLs are skipped */
    v = run_one(CALC_LAST, QUIRE_TYPE_STRING, 0, 0, t, t->n, arena);
    assert_str(&v, "third", 5);
    v = run_one(CALC_LAST, QUIRE_TYPE_STRING, 0, 0, t, 1, arena);
    assert_null_of(&v, QUIRE_TYPE_STRING);
    /* Across partitions the ordinals decide, whichever state merges into
     * which. */
    for (int reverse = 0; reverse < 2; reverse++) {
        first_last_split(CALC_FIRST, t, 2, reverse, &v, arena);
        assert_str(&v, "first", 5);
        first_last_split(CALC_LAST, t, 2, reverse, &v, arena);
        assert_str(&v, "third", 5);
        first_last_split(CALC_FIRST, t, 1, reverse, &v, arena); /* empty first part */
        assert_str(&v, "first", 5);
    }

    push_f(f, 2.5);
    push_f(f, -0.0);
    push_f(f, NAN);
    for (int reverse = 0; reverse < 2; reverse++) {
        first_last_split(CALC_FIRST, f, 1, reverse, &v, arena);
        assert_true(v.u.f == 2.5);
        first_last_split(CALC_LAST, f, 2, reverse, &v, arena);
        assert_true(isnan(v.u.f));
    }

    push_i(i, 1000);
    push_i(i, -5);
    push_i(i, 7);
    push_null(i);
    for (int reverse = 0; reverse < 2; reverse++) {
        first_last_split(CALC_FIRST, i, 2, reverse, &v, arena);
        assert_int_equal(v.type, QUIRE_TYPE_TIMESTAMP);
        assert_int_equal(v.u.i, 1000);
        first_last_split(CALC_LAST, i, 2, reverse, &v, arena);
        assert_int_equal(v.u.i, 7);
    }
    arena_free(arena);
    free(t);
    free(f);
    free(i);
}

/* ============================== Variance ================================== */

/* Two passes in long double: the mean, then squared deviations. */
static long double naive_var(const double *x, int n, int sample)
{
    long double mean = 0, m2 = 0;
    for (int i = 0; i < n; i++)
        mean += x[i];
    mean /= n;
    for (int i = 0; i < n; i++)
        m2 += (x[i] - mean) * (x[i] - mean);
    return m2 / (sample ? n - 1 : n);
}

static void test_variance(void **state)
{
    tcol *td = tcol_new(QUIRE_TYPE_DECIMAL, 2);
    tcol *tf = tcol_new(QUIRE_TYPE_FLOAT, 0);
    static double xs[MAXROWS];
    uint64_t seed = 11;
    int n = 0;
    __int128 s1 = 0, s2 = 0;
    long double exact;
    qv v;
    (void)state;

    /* Values around 1e9 with small spread: the textbook sum-of-squares
     * formula loses every digit here; Welford keeps them. */
    for (int i = 0; i < 3000; i++) {
        int64_t cents = 100000000000 + (int64_t)(rng(&seed) % 100001);
        if (i % 13 == 0) {
            push_null(td);
            push_null(tf);
            continue;
        }
        push_i(td, cents);
        push_f(tf, (double)cents / 100);
        xs[n++] = (double)cents / 100;
        s1 += cents;
        s2 += (__int128)cents * cents;
    }
    /* Small enough for __int128: the exact sample variance in cents^2 is
     * (n * sum(x^2) - sum(x)^2) / (n (n - 1)). Integer inputs must match it
     * to the last bits. */
    exact = (long double)(n * s2 - s1 * s1) / ((long double)n * (n - 1)) / 10000;
    v = run_one(CALC_VAR_SAMP, QUIRE_TYPE_DECIMAL, 2, 0, td, td->n, NULL);
    assert_close(v.u.f, exact, 1e-15);
    assert_close(v.u.f, naive_var(xs, n, 1), 1e-9);
    v = run_one(CALC_STDDEV_SAMP, QUIRE_TYPE_DECIMAL, 2, 0, td, td->n, NULL);
    assert_close(v.u.f, sqrtl(exact), 1e-15);
    v = run_one(CALC_VAR_POP, QUIRE_TYPE_DECIMAL, 2, 0, td, td->n, NULL);
    assert_close(v.u.f, naive_var(xs, n, 0), 1e-9);
    v = run_one(CALC_STDDEV_SAMP, QUIRE_TYPE_DECIMAL, 2, 0, td, td->n, NULL);
    assert_close(v.u.f, sqrtl(naive_var(xs, n, 1)), 1e-9);
    v = run_one(CALC_STDDEV_POP, QUIRE_TYPE_FLOAT, 0, 0, tf, tf->n, NULL);
    assert_close(v.u.f, sqrtl(naive_var(xs, n, 0)), 1e-9);
    v = run_one(CALC_VAR_SAMP, QUIRE_TYPE_FLOAT, 0, 0, tf, tf->n, NULL);
    assert_close(v.u.f, naive_var(xs, n, 1), 1e-9);

    /* By hand: 2, 4, 4, 4, 5, 5, 7, 9 has population variance 4, sample
     * variance 32 / 7. */
    {
        tcol *ti = tcol_new(QUIRE_TYPE_INT, 0);
        const int64_t vals[] = {2, 4, 4, 4, 5, 5, 7, 9};
        for (int i = 0; i < 8; i++)
            push_i(ti, vals[i]);
        v = run_one(CALC_VAR_POP, QUIRE_TYPE_INT, 0, 0, ti, ti->n, NULL);
        assert_true(v.u.f == 4.0);
        v = run_one(CALC_STDDEV_POP, QUIRE_TYPE_INT, 0, 0, ti, ti->n, NULL);
        assert_true(v.u.f == 2.0);
        v = run_one(CALC_VAR_SAMP, QUIRE_TYPE_INT, 0, 0, ti, ti->n, NULL);
        assert_close(v.u.f, 32.0L / 7, 1e-15);
        /* One value: the sample variants need two. */
        v = run_one(CALC_VAR_SAMP, QUIRE_TYPE_INT, 0, 0, ti, 1, NULL);
        assert_null_of(&v, QUIRE_TYPE_FLOAT);
        v = run_one(CALC_STDDEV_SAMP, QUIRE_TYPE_INT, 0, 0, ti, 1, NULL);
        assert_null_of(&v, QUIRE_TYPE_FLOAT);
        v = run_one(CALC_VAR_POP, QUIRE_TYPE_INT, 0, 0, ti, 1, NULL);
        assert_true(!v.null && v.u.f == 0.0);
        v = run_one(CALC_VAR_POP, QUIRE_TYPE_INT, 0, 0, ti, 0, NULL);
        assert_null_of(&v, QUIRE_TYPE_FLOAT);

        /* The ends of the int64 range: squares pass 2^126 and their sum
         * 2^128. +-(2^63 - 1) alternating has mean 0 and population
         * variance (2^63 - 1)^2; INT64_MAX and INT64_MIN have ((2^64 - 1) /
         * 2)^2. */
        ti->n = 0;
        for (int i = 0; i < 1000; i++)
            push_i(ti, i % 2 ? INT64_MAX : -INT64_MAX);
        v = run_one(CALC_VAR_POP, QUIRE_TYPE_INT, 0, 0, ti, ti->n, NULL);
        assert_true(v.u.f == (double)((long double)INT64_MAX * INT64_MAX));
        v = run_one(CALC_STDDEV_POP, QUIRE_TYPE_INT, 0, 0, ti, ti->n, NULL);
        assert_true(v.u.f == (double)INT64_MAX);
        ti->n = 0;
        push_i(ti, INT64_MAX);
        push_i(ti, INT64_MIN);
        v = run_one(CALC_VAR_POP, QUIRE_TYPE_INT, 0, 0, ti, ti->n, NULL);
        assert_true(v.u.f == (double)(18446744073709551615.0L / 2 * (18446744073709551615.0L / 2)));
        v = run_one(CALC_VAR_SAMP, QUIRE_TYPE_INT, 0, 0, ti, ti->n, NULL);
        assert_true(v.u.f == (double)(18446744073709551615.0L * 18446744073709551615.0L / 2));
        free(ti);
    }
    free(td);
    free(tf);
}

/* Values near the ends of the int64 range, where sum(x)^2 and n * sum(x^2)
 * are both near 2^250 and differ in their low limbs only. The variance does
 * not change when every value is shifted, so the expectation uses x - x0,
 * whose sums fit __int128 exactly. Split and merged states must give the
 * same bits. */
static void check_var_shifted(int64_t base, int sign, uint64_t *seed)
{
    tcol *t = tcol_new(QUIRE_TYPE_INT, 0);
    __int128 s1 = 0, s2 = 0;
    long double want;
    int n = 2000;
    qv v, merged;
    agg_spec spec = {CALC_VAR_SAMP, QUIRE_TYPE_INT, 0, 0};
    agg_layout *l = agg_layout_new(&spec, 1);
    _Alignas(16) char a[64], b[64];
    quire_column second;
    quire_error err = {0};

    for (int i = 0; i < n; i++) {
        int64_t d = (int64_t)(rng(seed) % ((uint64_t)1 << 40));
        push_i(t, base + sign * d);
        s1 += sign * d;
        s2 += (__int128)d * d;
    }
    want = (long double)(n * s2 - s1 * s1) / ((long double)n * (n - 1));
    v = run_one(CALC_VAR_SAMP, QUIRE_TYPE_INT, 0, 0, t, t->n, NULL);
    assert_close(v.u.f, want, 1e-15);

    agg_state_init(l, a);
    agg_state_init(l, b);
    second = t->c;
    second.nulls += 700;
    second.v.i64 += 700;
    assert_int_equal(agg_update(l, 0, a, NULL, &t->c, NULL, 700, 0, &err), QUIRE_OK);
    assert_int_equal(agg_update(l, 0, b, NULL, &second, NULL, t->n - 700, 0, &err), QUIRE_OK);
    assert_int_equal(agg_merge(l, b, a, &err), QUIRE_OK);
    assert_int_equal(agg_result(l, 0, b, &merged, NULL, &err), QUIRE_OK);
    assert_memory_equal(&merged.u.f, &v.u.f, sizeof(double));
    agg_layout_free(l);
    free(t);
}

static void test_variance_extremes(void **state)
{
    uint64_t seed = 2024;
    tcol *t = tcol_new(QUIRE_TYPE_INT, 0);
    qv v;
    (void)state;

    check_var_shifted(INT64_MAX, -1, &seed);
    check_var_shifted(INT64_MIN, 1, &seed);
    check_var_shifted(0, 1, &seed);
    /* The whole range: two passes in long double are close enough when the
     * mean is small next to the spread. */
    for (int i = 0; i < 3000; i++) {
        push_i(t, (int64_t)rng(&seed));
    }
    v = run_one(CALC_VAR_POP, QUIRE_TYPE_INT, 0, 0, t, t->n, NULL);
    {
        long double mean = 0, m2 = 0;
        for (uint32_t i = 0; i < t->n; i++)
            mean += t->i64[i];
        mean /= t->n;
        for (uint32_t i = 0; i < t->n; i++)
            m2 += ((long double)t->i64[i] - mean) * ((long double)t->i64[i] - mean);
        assert_close(v.u.f, m2 / t->n, 1e-12);
    }
    free(t);
}

/* ============================== Median and percentiles ==================== */

static int cmp_ld(const void *a, const void *b)
{
    long double x = *(const long double *)a, y = *(const long double *)b;
    return (x > y) - (x < y);
}

/* PERCENTILE_CONT by its definition, on a sorted copy. */
static long double naive_pct(const long double *vals, int n, double p)
{
    long double *s = malloc(sizeof(long double) * (size_t)n);
    long double pos = (long double)p * (n - 1), r;
    int lo;

    memcpy(s, vals, sizeof(long double) * (size_t)n);
    qsort(s, (size_t)n, sizeof(long double), cmp_ld);
    lo = (int)floorl(pos);
    if (lo >= n - 1)
        r = s[n - 1];
    else
        r = s[lo] + (pos - lo) * (s[lo + 1] - s[lo]);
    free(s);
    return r;
}

static void test_median_percentile(void **state)
{
    static const double ps[] = {0.0, 0.1, 0.25, 0.5, 0.9, 0.999, 1.0};
    tcol *ti = tcol_new(QUIRE_TYPE_INT, 0);
    tcol *td = tcol_new(QUIRE_TYPE_DECIMAL, 2);
    tcol *tf = tcol_new(QUIRE_TYPE_FLOAT, 0);
    static long double vi[MAXROWS], vd[MAXROWS], vf[MAXROWS];
    uint64_t seed = 3;
    qv v;
    (void)state;

    for (int size = 1; size <= 1001; size += 250) {
        int n = 0;
        ti->n = td->n = tf->n = 0;
        for (int i = 0; i < size; i++) {
            int64_t x = (int64_t)(rng(&seed) % 100000) - 50000;
            if (i % 9 == 4 && size > 1) {
                push_null(ti);
                push_null(td);
                push_null(tf);
                continue;
            }
            push_i(ti, x);
            push_i(td, x);
            push_f(tf, (double)x * 0.37);
            vi[n] = x;
            vd[n] = (long double)x / 100;
            vf[n] = (long double)((double)x * 0.37);
            n++;
        }
        v = run_one(CALC_MEDIAN, QUIRE_TYPE_INT, 0, 0.9 /* ignored */, ti, ti->n, NULL);
        assert_close(v.u.f, naive_pct(vi, n, 0.5), 1e-15);
        /* p * (n - 1) rounds differently in double and long double: the
         * interpolation may move by an ulp of the position. */
        for (size_t k = 0; k < sizeof(ps) / sizeof(ps[0]); k++) {
            v = run_one(CALC_PERCENTILE, QUIRE_TYPE_INT, 0, ps[k], ti, ti->n, NULL);
            assert_close(v.u.f, naive_pct(vi, n, ps[k]), 1e-12);
            v = run_one(CALC_PERCENTILE, QUIRE_TYPE_DECIMAL, 2, ps[k], td, td->n, NULL);
            assert_close(v.u.f, naive_pct(vd, n, ps[k]), 1e-12);
            v = run_one(CALC_PERCENTILE, QUIRE_TYPE_FLOAT, 0, ps[k], tf, tf->n, NULL);
            assert_close(v.u.f, naive_pct(vf, n, ps[k]), 1e-12);
        }
    }

    /* By hand: median of 1, 2, 3, 4 is 2.5; of 10.00, 20.01 is 15.005. */
    ti->n = 0;
    push_i(ti, 4);
    push_i(ti, 1);
    push_i(ti, 3);
    push_i(ti, 2);
    v = run_one(CALC_MEDIAN, QUIRE_TYPE_INT, 0, 0, ti, ti->n, NULL);
    assert_true(v.u.f == 2.5);
    v = run_one(CALC_PERCENTILE, QUIRE_TYPE_INT, 0, 0.25, ti, ti->n, NULL);
    assert_true(v.u.f == 1.75);
    td->n = 0;
    push_i(td, 1000);
    push_i(td, 2001);
    v = run_one(CALC_MEDIAN, QUIRE_TYPE_DECIMAL, 2, 0, td, td->n, NULL);
    assert_true(v.u.f == 15.005);
    /* Large integers interpolate without losing the low digits. */
    ti->n = 0;
    push_i(ti, INT64_MAX - 1);
    push_i(ti, INT64_MAX - 3);
    v = run_one(CALC_MEDIAN, QUIRE_TYPE_INT, 0, 0, ti, ti->n, NULL);
    assert_true(v.u.f == (double)(INT64_MAX - 2));

    /* NaN sorts last; infinities interpolate to themselves. */
    tf->n = 0;
    push_f(tf, NAN);
    push_f(tf, 1.0);
    push_f(tf, 3.0);
    v = run_one(CALC_MEDIAN, QUIRE_TYPE_FLOAT, 0, 0, tf, tf->n, NULL);
    assert_true(v.u.f == 3.0);
    v = run_one(CALC_PERCENTILE, QUIRE_TYPE_FLOAT, 0, 1.0, tf, tf->n, NULL);
    assert_true(isnan(v.u.f));
    tf->n = 0;
    push_f(tf, -INFINITY);
    push_f(tf, 5.0);
    v = run_one(CALC_MEDIAN, QUIRE_TYPE_FLOAT, 0, 0, tf, tf->n, NULL);
    assert_true(isinf(v.u.f) && v.u.f < 0);
    push_f(tf, INFINITY);
    v = run_one(CALC_PERCENTILE, QUIRE_TYPE_FLOAT, 0, 0.75, tf, tf->n, NULL);
    assert_true(isinf(v.u.f) && v.u.f > 0);
    v = run_one(CALC_MEDIAN, QUIRE_TYPE_FLOAT, 0, 0, tf, tf->n, NULL);
    assert_true(v.u.f == 5.0);

    v = run_one(CALC_MEDIAN, QUIRE_TYPE_FLOAT, 0, 0, tf, 0, NULL);
    assert_null_of(&v, QUIRE_TYPE_FLOAT);
    free(ti);
    free(td);
    free(tf);
}

/* ============================== Count distinct ============================ */

/* Equality as count_distinct defines it, written out plainly. */
static int same_float(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

static int64_t naive_distinct(const tcol *t)
{
    int64_t n = 0;
    for (uint32_t i = 0; i < t->n; i++) {
        int seen = 0;
        if (t->nulls[i])
            continue;
        for (uint32_t j = 0; j < i && !seen; j++) {
            if (t->nulls[j])
                continue;
            if (t->c.type == QUIRE_TYPE_FLOAT)
                seen = same_float(t->f64[i], t->f64[j]);
            else if (t->c.type == QUIRE_TYPE_STRING)
                seen = t->str[i].len == t->str[j].len &&
                       memcmp(t->str[i].ptr, t->str[j].ptr, t->str[i].len) == 0;
            else
                seen = t->i64[i] == t->i64[j];
        }
        n += !seen;
    }
    return n;
}

static void test_count_distinct(void **state)
{
    tcol *ti = tcol_new(QUIRE_TYPE_INT, 0);
    tcol *tf = tcol_new(QUIRE_TYPE_FLOAT, 0);
    tcol *ts = tcol_new(QUIRE_TYPE_STRING, 0);
    static char text[MAXROWS][40];
    uint64_t seed = 17;
    qv v;
    (void)state;

    for (int i = 0; i < 3000; i++) {
        uint64_t r = rng(&seed);
        if (r % 10 == 0) {
            push_null(ti);
            push_null(ts);
            continue;
        }
        push_i(ti, (int64_t)(r % 700) - 350); /* includes 0 */
        /* Short and long strings (past 16 bytes), some sharing prefixes. */
        snprintf(text[i], sizeof(text[i]), "%s-%u", r % 3 ? "k" : "a-much-longer-prefix",
                 (unsigned)(r >> 20) % 500);
        push_s(ts, text[i]);
    }
    v = run_one(CALC_COUNT_DISTINCT, QUIRE_TYPE_INT, 0, 0, ti, ti->n, NULL);
    assert_int_equal(v.type, QUIRE_TYPE_INT);
    assert_int_equal(v.u.i, naive_distinct(ti));
    v = run_one(CALC_COUNT_DISTINCT, QUIRE_TYPE_STRING, 0, 0, ts, ts->n, NULL);
    assert_int_equal(v.u.i, naive_distinct(ts));

    /* -0.0 and 0.0 are one value; every NaN is one value, apart from
     * numbers. */
    push_f(tf, 0.0);
    push_f(tf, -0.0);
    push_f(tf, NAN);
    push_f(tf, -NAN);
    push_f(tf, 1.0);
    push_f(tf, INFINITY);
    push_null(tf);
    push_f(tf, 1.0);
    v = run_one(CALC_COUNT_DISTINCT, QUIRE_TYPE_FLOAT, 0, 0, tf, tf->n, NULL);
    assert_int_equal(v.u.i, 4);
    assert_int_equal(v.u.i, naive_distinct(tf));

    /* The empty string and strings with NUL bytes are values. */
    ts->n = 0;
    push_str(ts, "", 0);
    push_str(ts, "a\0", 2);
    push_str(ts, "a", 1);
    push_str(ts, "a\0", 2);
    push_str(ts, "", 0);
    v = run_one(CALC_COUNT_DISTINCT, QUIRE_TYPE_STRING, 0, 0, ts, ts->n, NULL);
    assert_int_equal(v.u.i, 3);

    v = run_one(CALC_COUNT_DISTINCT, QUIRE_TYPE_STRING, 0, 0, ts, 0, NULL);
    assert_false(v.null);
    assert_int_equal(v.u.i, 0);
    free(ti);
    free(tf);
    free(ts);
}

/* ============================== NULL inputs and types ===================== */

static void test_all_null_and_null_type(void **state)
{
    static const report_calc calcs[] = {
        CALC_COUNT_DISTINCT, CALC_SUM,    CALC_AVG,        CALC_MIN,        CALC_MAX,
        CALC_FIRST,          CALC_LAST,   CALC_VAR_SAMP,   CALC_VAR_POP,    CALC_STDDEV_SAMP,
        CALC_STDDEV_POP,     CALC_MEDIAN, CALC_PERCENTILE, CALC_RUNNING_SUM};
    tcol *t = tcol_new(QUIRE_TYPE_INT, 0);
    tcol *tn = tcol_new(QUIRE_TYPE_NULL, 0);
    qv v;
    (void)state;

    for (int i = 0; i < 5; i++) {
        push_null(t);
        tn->n++;
    }
    for (size_t k = 0; k < sizeof(calcs) / sizeof(calcs[0]); k++) {
        uint32_t type;
        int32_t scale;
        char why[64];
        agg_spec s = {calcs[k], QUIRE_TYPE_INT, 0, 0.5};
        assert_int_equal(agg_result_type(&s, &type, &scale, why, sizeof(why)), 0);
        v = run_one(calcs[k], QUIRE_TYPE_INT, 0, 0.5, t, t->n, NULL);
        if (calcs[k] == CALC_COUNT_DISTINCT) {
            assert_int_equal(v.u.i, 0);
        } else {
            assert_null_of(&v, type);
        }
        /* A column of type NULL (every value NULL, type unknown). */
        s.in_type = QUIRE_TYPE_NULL;
        assert_int_equal(agg_result_type(&s, &type, &scale, why, sizeof(why)), 0);
        v = run_one(calcs[k], QUIRE_TYPE_NULL, 0, 0.5, tn, tn->n, NULL);
        if (calcs[k] == CALC_COUNT_DISTINCT) {
            assert_false(v.null);
            assert_int_equal(v.u.i, 0);
        } else {
            assert_null_of(&v, type);
        }
    }
    v = run_one(CALC_COUNT, QUIRE_TYPE_NULL, 0, 0, tn, tn->n, NULL);
    assert_int_equal(v.u.i, 0);
    free(t);
    free(tn);
}

static void test_update_errors(void **state)
{
    agg_spec specs[] = {{CALC_SUM, QUIRE_TYPE_DECIMAL, 2, 0}, {CALC_MIN, QUIRE_TYPE_STRING, 0, 0}};
    agg_layout *l = agg_layout_new(specs, 2);
    tcol *ti = tcol_new(QUIRE_TYPE_INT, 0);
    tcol *td = tcol_new(QUIRE_TYPE_DECIMAL, 3);
    quire_error err = {0};
    _Alignas(16) char st[128];
    qv v;
    (void)state;

    assert_non_null(l);
    agg_state_init(l, st);
    push_i(ti, 1);
    push_i(td, 1);
    assert_int_equal(agg_update(l, 0, st, NULL, &ti->c, NULL, 1, 0, &err), QUIRE_ERR);
    assert_int_equal(err.code, QUIRE_E_INTERNAL);
    assert_string_equal(err.msg, "accumulator 0 (sum) expects decimal(2), got int");
    assert_int_equal(agg_update(l, 0, st, NULL, &td->c, NULL, 1, 0, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "accumulator 0 (sum) expects decimal(2), got decimal(3)");
    assert_int_equal(agg_update(l, 1, st, NULL, NULL, NULL, 1, 0, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "accumulator 1 (min) needs an input column");
    assert_int_equal(agg_update(l, 2, st, NULL, &ti->c, NULL, 1, 0, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "accumulator 2 out of range (2)");
    assert_int_equal(agg_result(l, 7, st, &v, NULL, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "accumulator 7 out of range (2)");
    /* Nothing was counted by the refused calls. */
    assert_int_equal(agg_result(l, 0, st, &v, NULL, &err), QUIRE_OK);
    assert_true(v.null);
    agg_state_destroy(l, st);
    agg_layout_free(l);
    free(ti);
    free(td);
}

/* ============================== Reset, selection, groups ================== */

static void test_reset_reuses(void **state)
{
    agg_spec specs[] = {{CALC_COUNT_DISTINCT, QUIRE_TYPE_STRING, 0, 0},
                        {CALC_MAX, QUIRE_TYPE_STRING, 0, 0},
                        {CALC_MEDIAN, QUIRE_TYPE_INT, 0, 0},
                        {CALC_SUM, QUIRE_TYPE_INT, 0, 0},
                        {CALC_COUNT_DISTINCT, QUIRE_TYPE_INT, 0, 0}};
    agg_layout *l = agg_layout_new(specs, 5);
    tcol *ts = tcol_new(QUIRE_TYPE_STRING, 0);
    tcol *ti = tcol_new(QUIRE_TYPE_INT, 0);
    quire_error err = {0};
    void *st = malloc(agg_state_size(l));
    qv v;
    (void)state;

    /* One state through three rounds, reset between them: the buffers of
     * one round serve the next. */
    agg_state_init(l, st);
    for (int round = 0; round < 3; round++) {
        ts->n = ti->n = 0;
        push_s(ts, round == 1 ? "b" : "a");
        push_s(ts, "c");
        push_i(ti, 10 * round);
        push_i(ti, 0);
        push_i(ti, 2);
        /* Make the second round big enough that reset lets its tables go. */
        for (int i = 0; round == 1 && i < 3000; i++)
            push_i(ti, i);
        for (int r = 0; r < 2; r++) {
            assert_int_equal(agg_update(l, 0, st, NULL, &ts->c, NULL, ts->n, 0, &err), QUIRE_OK);
            assert_int_equal(agg_update(l, 1, st, NULL, &ts->c, NULL, ts->n, 0, &err), QUIRE_OK);
            assert_int_equal(agg_update(l, 2, st, NULL, &ti->c, NULL, 3, 0, &err), QUIRE_OK);
            assert_int_equal(agg_update(l, 3, st, NULL, &ti->c, NULL, 3, 0, &err), QUIRE_OK);
            assert_int_equal(agg_update(l, 4, st, NULL, &ti->c, NULL, ti->n, 0, &err), QUIRE_OK);
        }
        assert_int_equal(agg_result(l, 0, st, &v, NULL, &err), QUIRE_OK);
        assert_int_equal(v.u.i, 2);
        assert_int_equal(agg_result(l, 1, st, &v, NULL, &err), QUIRE_OK);
        assert_str(&v, "c", 1);
        assert_int_equal(agg_result(l, 2, st, &v, NULL, &err), QUIRE_OK);
        assert_true(v.u.f == (round == 0 ? 0.0 : 2.0)); /* {x, 0, 2} twice */
        assert_int_equal(agg_result(l, 3, st, &v, NULL, &err), QUIRE_OK);
        assert_int_equal(v.u.i, 2 * (10 * round + 2));
        assert_int_equal(agg_result(l, 4, st, &v, NULL, &err), QUIRE_OK);
        assert_int_equal(v.u.i, round == 1 ? 3000 : round == 0 ? 2 : 3);
        assert_true(agg_state_memory(l, st) > 0);
        agg_state_reset(l, st);
        for (uint32_t a = 0; a < 4; a++) {
            assert_int_equal(agg_result(l, a, st, &v, NULL, &err), QUIRE_OK);
            if (a == 0) {
                assert_int_equal(v.u.i, 0);
            } else {
                assert_true(v.null);
            }
        }
    }
    agg_state_destroy(l, st);
    free(st);
    agg_layout_free(l);
    free(ts);
    free(ti);
}

/* Two results are the same value: type, scale, NULL flag and bits (string
 * bytes). */
static void assert_same_qv(const qv *a, const qv *b, const char *what)
{
    if (a->type != b->type || a->null != b->null || (!a->null && a->scale != b->scale))
        fail_msg("%s: type %u/%u null %d/%d scale %d/%d", what, (unsigned)a->type,
                 (unsigned)b->type, a->null, b->null, a->scale, b->scale);
    if (a->null)
        return;
    if (a->type == QUIRE_TYPE_STRING) {
        if (a->u.s.len != b->u.s.len || memcmp(a->u.s.ptr, b->u.s.ptr, a->u.s.len) != 0)
            fail_msg("%s: '%.*s' and '%.*s'", what, (int)a->u.s.len, a->u.s.ptr, (int)b->u.s.len,
                     b->u.s.ptr);
    } else if (memcmp(&a->u, &b->u, sizeof(a->u.i)) != 0) {
        fail_msg("%s: %lld and %lld", what, (long long)a->u.i, (long long)b->u.i);
    }
}

/* Reset zeroes what owns nothing in runs between the accumulators that
 * keep buffers: with every kind, in orders that put owning ones first,
 * last, between and nowhere, a reset state must take the next round as a
 * fresh one does. */
static void test_reset_mixed_layouts(void **state)
{
    static const agg_spec all[] = {
        {CALC_COUNT, 0, 0, 0},
        {CALC_SUM, QUIRE_TYPE_INT, 0, 0},
        {CALC_MIN, QUIRE_TYPE_STRING, 0, 0},
        {CALC_AVG, QUIRE_TYPE_FLOAT, 0, 0},
        {CALC_COUNT_DISTINCT, QUIRE_TYPE_INT, 0, 0},
        {CALC_VAR_SAMP, QUIRE_TYPE_INT, 0, 0},
        {CALC_MAX, QUIRE_TYPE_INT, 0, 0},
        {CALC_MEDIAN, QUIRE_TYPE_FLOAT, 0, 0},
        {CALC_FIRST, QUIRE_TYPE_FLOAT, 0, 0},
        {CALC_LAST, QUIRE_TYPE_STRING, 0, 0},
        {CALC_STDDEV_POP, QUIRE_TYPE_FLOAT, 0, 0},
        {CALC_SUM, QUIRE_TYPE_NULL, 0, 0},
        {CALC_MIN, QUIRE_TYPE_FLOAT, 0, 0},
    };
    enum { NALL = sizeof(all) / sizeof(all[0]) };
    tcol *ti = tcol_new(QUIRE_TYPE_INT, 0), *tf = tcol_new(QUIRE_TYPE_FLOAT, 0);
    tcol *ts = tcol_new(QUIRE_TYPE_STRING, 0), *tn = tcol_new(QUIRE_TYPE_NULL, 0);
    uint64_t seed = 77;
    quire_error err = {0};
    (void)state;

    for (uint32_t r = 0; r < 40; r++) {
        push_i(ti, (int64_t)(rng(&seed) % 1000) - 500);
        push_f(tf, (double)(rng(&seed) % 1000) / 8);
        push_s(ts, (const char *[]){"pear", "fig", "apple", "kiwi"}[rng(&seed) % 4]);
        push_null(tn);
    }
    ti->nulls[3] = tf->nulls[5] = ts->nulls[7] = 1;
    for (int order = 0; order < 40; order++) {
        agg_spec specs[NALL];
        size_t n = 0;
        agg_layout *l;
        void *st, *fresh;
        /* A subset in a shuffled order: order 0 has no owning kind. */
        for (size_t i = 0; i < NALL; i++)
            if (order == 0 ? (i == 0 || i == 1 || i == 5) : rng(&seed) % 3 != 0)
                specs[n++] = all[i];
        for (size_t i = n; i > 1; i--) {
            size_t j = rng(&seed) % i;
            agg_spec t = specs[i - 1];
            specs[i - 1] = specs[j];
            specs[j] = t;
        }
        l = agg_layout_new(specs, n);
        assert_non_null(l);
        if (order == 0)
            assert_false(agg_layout_owns_memory(l));
        st = malloc(agg_state_size(l) + 1);
        fresh = malloc(agg_state_size(l) + 1);
        agg_state_init(l, st);
        for (int round = 0; round < 3; round++) {
            uint32_t lo = (uint32_t)round * 10, rows = 10 + (uint32_t)round * 5;
            uint32_t sel[40];
            for (uint32_t k = 0; k < rows; k++)
                sel[k] = (lo + k * 7) % 40;
            agg_state_init(l, fresh);
            for (uint32_t a = 0; a < n; a++) {
                const tcol *in = specs[a].calc == CALC_COUNT             ? NULL
                                 : specs[a].in_type == QUIRE_TYPE_INT    ? ti
                                 : specs[a].in_type == QUIRE_TYPE_FLOAT  ? tf
                                 : specs[a].in_type == QUIRE_TYPE_STRING ? ts
                                                                         : tn;
                assert_int_equal(agg_update(l, a, st, NULL, in ? &in->c : NULL, sel, rows, 0, &err),
                                 QUIRE_OK);
                assert_int_equal(
                    agg_update(l, a, fresh, NULL, in ? &in->c : NULL, sel, rows, 0, &err),
                    QUIRE_OK);
            }
            for (uint32_t a = 0; a < n; a++) {
                qv got, want;
                char what[64];
                assert_int_equal(agg_result(l, a, st, &got, NULL, &err), QUIRE_OK);
                assert_int_equal(agg_result(l, a, fresh, &want, NULL, &err), QUIRE_OK);
                snprintf(what, sizeof(what), "order %d round %d %s", order, round,
                         agg_calc_name(specs[a].calc));
                assert_same_qv(&got, &want, what);
            }
            agg_state_destroy(l, fresh);
            agg_state_reset(l, st);
            /* Empty again: count 0, everything else NULL. */
            for (uint32_t a = 0; a < n; a++) {
                qv v;
                assert_int_equal(agg_result(l, a, st, &v, NULL, &err), QUIRE_OK);
                if (specs[a].calc == CALC_COUNT || specs[a].calc == CALC_COUNT_DISTINCT)
                    assert_int_equal(v.u.i, 0);
                else
                    assert_true(v.null);
            }
        }
        agg_state_destroy(l, st);
        free(st);
        free(fresh);
        agg_layout_free(l);
    }
    free(ti);
    free(tf);
    free(ts);
    free(tn);
}

/* Reports update their variables one detail row at a time: count and sum
 * take a shorter road for one row into one state. Row by row (through a
 * selection, and as row 0 without one) must equal one batch and a plain
 * loop, NULLs skipped. */
static void test_update_one_row(void **state)
{
    agg_spec specs[] = {{CALC_COUNT, 0, 0, 0},
                        {CALC_COUNT, QUIRE_TYPE_DECIMAL, 2, 0},
                        {CALC_SUM, QUIRE_TYPE_DECIMAL, 2, 0},
                        {CALC_SUM, QUIRE_TYPE_INT, 0, 0},
                        {CALC_AVG, QUIRE_TYPE_INT, 0, 0},
                        {CALC_MAX, QUIRE_TYPE_DECIMAL, 2, 0}};
    agg_layout *l = agg_layout_new(specs, 6);
    tcol *td = tcol_new(QUIRE_TYPE_DECIMAL, 2), *ti = tcol_new(QUIRE_TYPE_INT, 0);
    void *one = malloc(agg_state_size(l)), *batch = malloc(agg_state_size(l));
    quire_error err = {0};
    uint64_t seed = 5;
    __int128 sum_d = 0, sum_i = 0;
    int64_t count_d = 0;
    qv a, b;
    (void)state;

    for (uint32_t r = 0; r < 1000; r++) {
        /* up to 2^50: a thousand of them stay within 64 bits */
        int64_t big = (int64_t)(rng(&seed) >> 14) * ((r & 1) ? -1 : 1);
        if (r % 9 == 4) {
            push_null(td);
        } else {
            push_i(td, big);
            sum_d += big;
            count_d++;
        }
        push_i(ti, (int64_t)(rng(&seed) % 2001) - 1000);
        sum_i += ti->i64[r];
    }
    agg_state_init(l, one);
    agg_state_init(l, batch);
    for (uint32_t r = 0; r < 1000; r++)
        for (uint32_t k = 0; k < 6; k++) {
            const tcol *in = k == 0 ? NULL : k >= 3 && k <= 4 ? ti : td;
            assert_int_equal(agg_update(l, k, one, NULL, in ? &in->c : NULL, &r, 1, 0, &err),
                             QUIRE_OK);
        }
    for (uint32_t k = 0; k < 6; k++) {
        const tcol *in = k == 0 ? NULL : k >= 3 && k <= 4 ? ti : td;
        assert_int_equal(agg_update(l, k, batch, NULL, in ? &in->c : NULL, NULL, 1000, 0, &err),
                         QUIRE_OK);
    }
    for (uint32_t k = 0; k < 6; k++) {
        char what[32];
        snprintf(what, sizeof(what), "accumulator %u", k);
        assert_int_equal(agg_result(l, k, one, &a, NULL, &err), QUIRE_OK);
        assert_int_equal(agg_result(l, k, batch, &b, NULL, &err), QUIRE_OK);
        assert_same_qv(&a, &b, what);
    }
    /* Against plain loops. */
    assert_int_equal(agg_result(l, 0, one, &a, NULL, &err), QUIRE_OK);
    assert_int_equal(a.u.i, 1000);
    assert_int_equal(agg_result(l, 1, one, &a, NULL, &err), QUIRE_OK);
    assert_int_equal(a.u.i, count_d);
    assert_int_equal(agg_result(l, 3, one, &a, NULL, &err), QUIRE_OK);
    assert_true((__int128)a.u.i == sum_i);
    assert_int_equal(agg_result(l, 2, one, &a, NULL, &err), QUIRE_OK);
    assert_true((__int128)a.u.i == sum_d);
    assert_int_equal(a.scale, 2);
    /* Row 0 without a selection, and a NULL row, one at a time. */
    agg_state_reset(l, one);
    assert_int_equal(agg_update(l, 2, one, NULL, &td->c, NULL, 1, 0, &err), QUIRE_OK);
    assert_int_equal(agg_update(l, 1, one, NULL, &td->c, (const uint32_t[]){4}, 1, 0, &err),
                     QUIRE_OK);
    assert_int_equal(agg_update(l, 0, one, NULL, NULL, (const uint32_t[]){4}, 1, 0, &err),
                     QUIRE_OK);
    assert_int_equal(agg_result(l, 2, one, &a, NULL, &err), QUIRE_OK);
    assert_int_equal(a.u.i, td->i64[0]);
    assert_int_equal(agg_result(l, 1, one, &a, NULL, &err), QUIRE_OK);
    assert_int_equal(a.u.i, 0);
    assert_int_equal(agg_result(l, 0, one, &a, NULL, &err), QUIRE_OK);
    assert_int_equal(a.u.i, 1);
    /* The wrong column type is still refused for one row. */
    assert_int_equal(agg_update(l, 3, one, NULL, &td->c, NULL, 1, 0, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "accumulator 3 (sum) expects int, got decimal(2)");
    free(one);
    free(batch);
    free(td);
    free(ti);
    agg_layout_free(l);
}

static void test_grouped_update_with_selection(void **state)
{
    agg_spec specs[] = {{CALC_COUNT, 0, 0, 0}, {CALC_SUM, QUIRE_TYPE_INT, 0, 0}};
    agg_layout *l = agg_layout_new(specs, 2);
    tcol *t = tcol_new(QUIRE_TYPE_INT, 0);
    static uint32_t gid[MAXROWS], sel[MAXROWS];
    int64_t want_n[5] = {0}, want_sum[5] = {0};
    uint32_t nsel = 0;
    uint64_t seed = 23;
    size_t size = agg_state_size(l);
    char *states = malloc(size * 5);
    quire_error err = {0};
    (void)state;

    for (uint32_t g = 0; g < 5; g++)
        agg_state_init(l, states + g * size);
    for (uint32_t r = 0; r < 2000; r++) {
        uint64_t x = rng(&seed);
        push_i(t, (int64_t)(x % 1000));
        if (x % 4 == 0)
            t->nulls[r] = 1;
        if (x % 3 == 0) {
            gid[r] = 12345; /* unselected rows: any gid, never read */
            continue;
        }
        gid[r] = (uint32_t)(x >> 40) % 5;
        sel[nsel++] = r;
        want_n[gid[r]]++;
        if (!t->nulls[r])
            want_sum[gid[r]] += (int64_t)(x % 1000);
    }
    assert_int_equal(agg_update(l, 0, states, gid, NULL, sel, nsel, 0, &err), QUIRE_OK);
    assert_int_equal(agg_update(l, 1, states, gid, &t->c, sel, nsel, 0, &err), QUIRE_OK);
    for (uint32_t g = 0; g < 5; g++) {
        qv v;
        assert_int_equal(agg_result(l, 0, states + g * size, &v, NULL, &err), QUIRE_OK);
        assert_int_equal(v.u.i, want_n[g]);
        assert_int_equal(agg_result(l, 1, states + g * size, &v, NULL, &err), QUIRE_OK);
        assert_int_equal(v.u.i, want_sum[g]);
    }
    free(states);
    agg_layout_free(l);
    free(t);
}

/* ============================== Merge == single pass ====================== */

typedef struct merge_case {
    report_calc calc;
    uint32_t type;
    int32_t scale;
    double p;
} merge_case;

/* Merged and single-pass results agree exactly, except where float
 * additions happen in another order: sums, averages and variances of FLOAT
 * inputs. */
static int same_result(const qv *a, const qv *b, report_calc calc, uint32_t in_type)
{
    if (a->type != b->type || a->null != b->null || a->scale != b->scale)
        return 0;
    if (a->null)
        return 1;
    switch (a->type) {
    case QUIRE_TYPE_STRING:
        return a->u.s.len == b->u.s.len && memcmp(a->u.s.ptr, b->u.s.ptr, a->u.s.len) == 0;
    case QUIRE_TYPE_FLOAT: {
        int sum = calc == CALC_SUM || calc == CALC_AVG || calc == CALC_RUNNING_SUM;
        int var = calc >= CALC_VAR_SAMP && calc <= CALC_STDDEV_POP;
        double tol = in_type != QUIRE_TYPE_FLOAT ? 0 : sum ? 1e-12 : var ? 1e-9 : 0;
        double scale = fabs(a->u.f) > 1 ? fabs(a->u.f) : 1;
        if (isnan(a->u.f) || isnan(b->u.f))
            return isnan(a->u.f) && isnan(b->u.f);
        if (tol == 0)
            return memcmp(&a->u.f, &b->u.f, sizeof(double)) == 0;
        return fabs(a->u.f - b->u.f) <= tol * scale;
    }
    default: return a->u.i == b->u.i;
    }
}

static void fill_random(tcol *t, uint32_t n, uint64_t *seed, char (*text)[24])
{
    t->n = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t r = rng(seed);
        if (r % 6 == 0) {
            push_null(t);
            continue;
        }
        switch (t->c.type) {
        case QUIRE_TYPE_FLOAT: push_f(t, ((double)(r % 20001) - 10000.0) / 7.0); break;
        case QUIRE_TYPE_STRING:
            snprintf(text[i], 24, "s%u%s", (unsigned)(r >> 16) % 300, r % 5 ? "" : "-long-tail-x");
            push_s(t, text[i]);
            break;
        case QUIRE_TYPE_BOOL: push_i(t, (int64_t)(r >> 9) & 1); break;
        default: push_i(t, (int64_t)(r % 200001) - 100000); break;
        }
    }
}

/* Aggregates t[0..n) as `nparts` partitions split at random points, each
 * into its own state with ordinal base part << 40, merges them in a
 * shuffled order and compares with a single pass. */
static void check_merge(const merge_case *mc, const tcol *t, uint64_t *seed, int nparts)
{
    agg_spec spec = {mc->calc, mc->type, mc->scale, mc->p};
    agg_layout *l = agg_layout_new(&spec, 1);
    size_t size = agg_state_size(l);
    char *states = calloc((size_t)nparts + 1, size);
    uint32_t cuts[9];
    int order[8];
    quire_error err = {0};
    quire_arena *arena = arena_new(0);
    qv single, merged;

    assert_non_null(l);
    assert_true(nparts <= 8);
    /* Single pass. */
    agg_state_init(l, states + (size_t)nparts * size);
    assert_int_equal(agg_update(l, 0, states + (size_t)nparts * size, NULL,
                                mc->type == QUIRE_TYPE_NULL ? NULL : &t->c, NULL, t->n, 0, &err),
                     QUIRE_OK);
    assert_int_equal(agg_result(l, 0, states + (size_t)nparts * size, &single, arena, &err),
                     QUIRE_OK);
    /* Partitions: sorted random cut points (some parts may be empty). */
    cuts[0] = 0;
    cuts[nparts] = t->n;
    for (int p = 1; p < nparts; p++)
        cuts[p] = (uint32_t)(rng(seed) % (t->n + 1));
    for (int p = 1; p < nparts; p++)
        for (int q = p + 1; q < nparts; q++)
            if (cuts[q] < cuts[p]) {
                uint32_t x = cuts[p];
                cuts[p] = cuts[q];
                cuts[q] = x;
            }
    for (int p = 0; p < nparts; p++) {
        quire_column c = t->c;
        c.nulls += cuts[p];
        if (c.type == QUIRE_TYPE_STRING)
            c.v.str += cuts[p];
        else if (c.type == QUIRE_TYPE_FLOAT)
            c.v.f64 += cuts[p];
        else
            c.v.i64 += cuts[p];
        agg_state_init(l, states + (size_t)p * size);
        assert_int_equal(agg_update(l, 0, states + (size_t)p * size, NULL,
                                    mc->type == QUIRE_TYPE_NULL ? NULL : &c, NULL,
                                    cuts[p + 1] - cuts[p], (int64_t)p << 40, &err),
                         QUIRE_OK);
        order[p] = p;
    }
    for (int p = nparts - 1; p > 0; p--) {
        int q = (int)(rng(seed) % (uint64_t)(p + 1)), x = order[p];
        order[p] = order[q];
        order[q] = x;
    }
    for (int p = 1; p < nparts; p++)
        assert_int_equal(
            agg_merge(l, states + (size_t)order[0] * size, states + (size_t)order[p] * size, &err),
            QUIRE_OK);
    assert_int_equal(agg_result(l, 0, states + (size_t)order[0] * size, &merged, arena, &err),
                     QUIRE_OK);
    if (!same_result(&single, &merged, mc->calc, mc->type))
        fail_msg("%s over type %u: merge of %d partitions differs from one pass",
                 agg_calc_name(mc->calc), mc->type, nparts);
    for (int p = 0; p <= nparts; p++)
        agg_state_destroy(l, states + (size_t)p * size);
    free(states);
    arena_free(arena);
    agg_layout_free(l);
}

static void test_merge_equals_single_pass(void **state)
{
    static const merge_case cases[] = {
        {CALC_COUNT, QUIRE_TYPE_NULL, 0, 0},   /* count() */
        {CALC_COUNT, QUIRE_TYPE_STRING, 0, 0}, /* count(x) */
        {CALC_COUNT_DISTINCT, QUIRE_TYPE_INT, 0, 0},
        {CALC_COUNT_DISTINCT, QUIRE_TYPE_FLOAT, 0, 0},
        {CALC_COUNT_DISTINCT, QUIRE_TYPE_STRING, 0, 0},
        {CALC_SUM, QUIRE_TYPE_INT, 0, 0},
        {CALC_SUM, QUIRE_TYPE_DECIMAL, 2, 0},
        {CALC_SUM, QUIRE_TYPE_FLOAT, 0, 0},
        {CALC_RUNNING_SUM, QUIRE_TYPE_DECIMAL, 3, 0},
        {CALC_AVG, QUIRE_TYPE_INT, 0, 0},
        {CALC_AVG, QUIRE_TYPE_DECIMAL, 2, 0},
        {CALC_AVG, QUIRE_TYPE_FLOAT, 0, 0},
        {CALC_MIN, QUIRE_TYPE_INT, 0, 0},
        {CALC_MIN, QUIRE_TYPE_FLOAT, 0, 0},
        {CALC_MIN, QUIRE_TYPE_STRING, 0, 0},
        {CALC_MIN, QUIRE_TYPE_BOOL, 0, 0},
        {CALC_MAX, QUIRE_TYPE_DATE, 0, 0},
        {CALC_MAX, QUIRE_TYPE_FLOAT, 0, 0},
        {CALC_MAX, QUIRE_TYPE_STRING, 0, 0},
        {CALC_FIRST, QUIRE_TYPE_TIMESTAMP, 0, 0},
        {CALC_FIRST, QUIRE_TYPE_FLOAT, 0, 0},
        {CALC_FIRST, QUIRE_TYPE_STRING, 0, 0},
        {CALC_LAST, QUIRE_TYPE_DECIMAL, 2, 0},
        {CALC_LAST, QUIRE_TYPE_FLOAT, 0, 0},
        {CALC_LAST, QUIRE_TYPE_STRING, 0, 0},
        {CALC_VAR_SAMP, QUIRE_TYPE_DECIMAL, 2, 0},
        {CALC_VAR_POP, QUIRE_TYPE_INT, 0, 0},
        {CALC_STDDEV_SAMP, QUIRE_TYPE_FLOAT, 0, 0},
        {CALC_STDDEV_POP, QUIRE_TYPE_DECIMAL, 1, 0},
        {CALC_STDDEV_SAMP, QUIRE_TYPE_INT, 0, 0},
        {CALC_VAR_SAMP, QUIRE_TYPE_FLOAT, 0, 0},
        {CALC_MEDIAN, QUIRE_TYPE_INT, 0, 0},
        {CALC_MEDIAN, QUIRE_TYPE_FLOAT, 0, 0},
        {CALC_PERCENTILE, QUIRE_TYPE_DECIMAL, 2, 0.9},
        {CALC_PERCENTILE, QUIRE_TYPE_FLOAT, 0, 0.05},
    };
    static char text[MAXROWS][24];
    uint64_t seed = 1234;
    (void)state;

    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        tcol *t = tcol_new(cases[k].type, cases[k].scale);
        for (int round = 0; round < 6; round++) {
            uint32_t n = round == 0 ? 0 : round == 1 ? 1 : (uint32_t)(rng(&seed) % 1500) + 2;
            fill_random(t, n, &seed, text);
            check_merge(&cases[k], t, &seed, 1 + (int)(rng(&seed) % 8));
        }
        free(t);
    }
}

/* ============================== Sorting by a result ======================= */

static void test_sort_by_result(void **state)
{
    agg_spec spec = {CALC_SUM, QUIRE_TYPE_INT, 0, 0};
    agg_layout *l = agg_layout_new(&spec, 1);
    tcol *t = tcol_new(QUIRE_TYPE_INT, 0);
    size_t size = agg_state_size(l);
    char *states = malloc(size * 6);
    /* group: 0 1 2 3 4 5; sums 30, NULL, -5, 30, 100, NULL */
    const int64_t sums[6] = {30, 0, -5, 30, 100, 0};
    const int has[6] = {1, 0, 1, 1, 1, 0};
    uint32_t gids[6] = {0, 1, 2, 3, 4, 5};
    const uint32_t want_asc[6] = {2, 0, 3, 4, 1, 5};
    const uint32_t want_desc[6] = {1, 5, 4, 0, 3, 2};
    quire_error err = {0};
    (void)state;

    push_i(t, 0);
    for (uint32_t g = 0; g < 6; g++) {
        agg_state_init(l, states + g * size);
        t->i64[0] = sums[g];
        if (has[g])
            assert_int_equal(agg_update(l, 0, states + g * size, NULL, &t->c, NULL, 1, 0, &err),
                             QUIRE_OK);
    }
    assert_int_equal(agg_sort_by_result(l, 0, states, gids, 6, 0, &err), QUIRE_OK);
    assert_memory_equal(gids, want_asc, sizeof(gids)); /* ties keep order, NULLs last */
    for (uint32_t g = 0; g < 6; g++)
        gids[g] = g;
    assert_int_equal(agg_sort_by_result(l, 0, states, gids, 6, 1, &err), QUIRE_OK);
    assert_memory_equal(gids, want_desc, sizeof(gids)); /* NULLs first descending */
    free(states);
    agg_layout_free(l);
    free(t);
}

static void test_value_cmp(void **state)
{
    qv a = qv_float(-0.0), b = qv_float(0.0), n = qv_float(NAN), inf = qv_float(INFINITY);
    qv s1 = qv_string("ab", 2), s2 = qv_string("abc", 3);
    (void)state;

    assert_true(agg_value_cmp(&a, &b) < 0);
    assert_true(agg_value_cmp(&inf, &n) < 0);
    assert_int_equal(agg_value_cmp(&n, &n), 0);
    assert_true(agg_value_cmp(&s1, &s2) < 0);
    assert_true(agg_value_cmp(&s2, &s1) > 0);
    a = qv_int(-3);
    b = qv_int(2);
    assert_true(agg_value_cmp(&a, &b) < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_result_types),
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_count),
        cmocka_unit_test(test_sum_int_exact),
        cmocka_unit_test(test_sum_overflow),
        cmocka_unit_test(test_sum_decimal),
        cmocka_unit_test(test_sum_float_compensated),
        cmocka_unit_test(test_avg),
        cmocka_unit_test(test_min_max_numbers),
        cmocka_unit_test(test_min_max_strings),
        cmocka_unit_test(test_first_last),
        cmocka_unit_test(test_variance),
        cmocka_unit_test(test_variance_extremes),
        cmocka_unit_test(test_median_percentile),
        cmocka_unit_test(test_count_distinct),
        cmocka_unit_test(test_all_null_and_null_type),
        cmocka_unit_test(test_update_errors),
        cmocka_unit_test(test_reset_reuses),
        cmocka_unit_test(test_reset_mixed_layouts),
        cmocka_unit_test(test_update_one_row),
        cmocka_unit_test(test_grouped_update_with_selection),
        cmocka_unit_test(test_merge_equals_single_pass),
        cmocka_unit_test(test_sort_by_result),
        cmocka_unit_test(test_value_cmp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
