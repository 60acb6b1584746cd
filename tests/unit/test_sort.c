/*
 * test_sort.c - the kernel's bounded-memory sort (kernel/sort*.c,
 * kernel/sort_run.c).
 *
 * Random rows of every column type (NULLs, duplicates, empty and long
 * strings with NUL bytes, negative numbers, -0.0, NaN) are fed to a sorter
 * in batches of random sizes, sometimes through a selection vector, and
 * read back. The expected order comes from an independent reference: qsort
 * of row indices with a comparator over the test's own copy of the values,
 * the index breaking ties (the sort must be stable). Every output cell is
 * compared with the row it should be, and source_line identifies the row.
 * Small hand-written cases pin down float and string order on their own.
 *
 * Every sorter spills into a fresh scratch directory that must be empty
 * whenever we look (spill files are unlinked at once) and is removed at the
 * end.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "batch.h"
#include "sort.h"
#include "sort_int.h"

/* ============================== Test data ================================= */

enum { C_FLAG, C_N, C_AMOUNT, C_RATIO, C_NAME, C_DAY, C_AT, C_NOTE, C_UNKNOWN, NCOLS };

static const quire_column_info cols[NCOLS] = {
    {"flag", QUIRE_TYPE_BOOL, 0},      {"n", QUIRE_TYPE_INT, 0},
    {"amount", QUIRE_TYPE_DECIMAL, 2}, {"ratio", QUIRE_TYPE_FLOAT, 0},
    {"name", QUIRE_TYPE_STRING, 0},    {"day", QUIRE_TYPE_DATE, 0},
    {"at", QUIRE_TYPE_TIMESTAMP, 0},   {"note", QUIRE_TYPE_STRING, 0},
    {"unknown", QUIRE_TYPE_NULL, 0},
};

/* One cell as the test keeps it. */
typedef struct tcell {
    int null;
    int64_t i;
    double f;
    char *s; /* malloc'd (may hold NUL bytes) */
    size_t len;
} tcell;

typedef struct trow {
    tcell c[NCOLS];
    int64_t line; /* unique: identifies the row in the output */
} trow;

typedef struct rng {
    uint64_t x;
} rng;

static uint64_t rnd(rng *r)
{
    r->x ^= r->x << 13;
    r->x ^= r->x >> 7;
    r->x ^= r->x << 17;
    return r->x;
}

static uint32_t rnd_below(rng *r, uint32_t n)
{
    return (uint32_t)(rnd(r) % n);
}

static double nan_with(uint64_t payload, int negative)
{
    uint64_t bits = UINT64_C(0x7ff0000000000000) | (payload & UINT64_C(0xfffffffffffff));
    double d;

    if ((bits & UINT64_C(0xfffffffffffff)) == 0)
        bits |= 1;
    if (negative)
        bits |= UINT64_C(1) << 63;
    memcpy(&d, &bits, sizeof(d));
    return d;
}

/* A string from a small alphabet (with NUL and high bytes) so that equal
 * strings and shared prefixes are common. */
static void random_string(rng *r, tcell *c, size_t max_len)
{
    static const char alphabet[] = {'a', 'b', '\0', (char)0xc3, (char)0xa9, (char)0xff, 'z'};
    static const char *const fixed[] = {"", "a", "ab", "abcdefgh", "abcdefgh1", "abcdefg"};
    uint32_t pick = rnd_below(r, 10);
    size_t len;

    if (pick < 3) {
        const char *f = fixed[rnd_below(r, 6)];
        len = strlen(f);
        c->s = malloc(len + 1);
        memcpy(c->s, f, len + 1);
        c->len = len;
        return;
    }
    len = pick < 8 ? rnd_below(r, 12) : rnd_below(r, (uint32_t)max_len + 1);
    c->s = malloc(len + 1);
    for (size_t i = 0; i < len; i++)
        c->s[i] = alphabet[rnd_below(r, sizeof(alphabet))];
    c->s[len] = '\0';
    c->len = len;
}

static void random_row(rng *r, trow *row, int64_t line, size_t max_len)
{
    static const int64_t ints[] = {INT64_MIN, -1000000007, -5, -1, 0, 1, 2, 3, 42, INT64_MAX};
    double floats[] = {-INFINITY, -1.5, -0.0, 0.0, 1e-300, 2.5, INFINITY, 7.0, 0, 0};

    floats[8] = nan_with(rnd(r), 0);
    floats[9] = nan_with(rnd(r), 1);
    memset(row, 0, sizeof(*row));
    row->line = line;
    for (int j = 0; j < NCOLS; j++) {
        tcell *c = &row->c[j];

        c->null = j == C_UNKNOWN || rnd_below(r, 7) == 0;
        switch (cols[j].type) {
        case QUIRE_TYPE_BOOL: c->i = rnd_below(r, 2); break;
        case QUIRE_TYPE_FLOAT: c->f = floats[rnd_below(r, 10)]; break;
        case QUIRE_TYPE_STRING: random_string(r, c, max_len); break;
        case QUIRE_TYPE_INT:
        case QUIRE_TYPE_DECIMAL: c->i = ints[rnd_below(r, 10)]; break;
        default: c->i = (int64_t)rnd_below(r, 20) - 10; break;
        }
    }
}

static trow *random_rows(uint64_t seed, size_t n, size_t max_len)
{
    rng r = {seed * 2654435761u + 88172645463325252u};
    trow *rows = calloc(n ? n : 1, sizeof(*rows));

    assert_non_null(rows);
    for (size_t i = 0; i < n; i++)
        random_row(&r, &rows[i], (int64_t)i + 1, max_len);
    return rows;
}

static void rows_free(trow *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (int j = 0; j < NCOLS; j++)
            free(rows[i].c[j].s);
    free(rows);
}

/* ============================== Reference order =========================== */

/* qsort has no context argument; the comparator reads these. */
static const trow *ref_rows;
static const sort_key *ref_keys;
static size_t ref_nkeys;

static int ref_cmp_values(uint32_t type, const tcell *a, const tcell *b)
{
    switch (type) {
    case QUIRE_TYPE_FLOAT: {
        int an = isnan(a->f) != 0, bn = isnan(b->f) != 0;
        if (an || bn)
            return an - bn; /* NaN after everything, NaNs equal */
        return a->f < b->f ? -1 : a->f > b->f ? 1 : 0;
    }
    case QUIRE_TYPE_STRING: {
        size_t n = a->len < b->len ? a->len : b->len;
        for (size_t i = 0; i < n; i++) {
            unsigned char x = (unsigned char)a->s[i], y = (unsigned char)b->s[i];
            if (x != y)
                return x < y ? -1 : 1;
        }
        return a->len < b->len ? -1 : a->len > b->len ? 1 : 0;
    }
    default: return a->i < b->i ? -1 : a->i > b->i ? 1 : 0;
    }
}

static int ref_cmp(const void *pa, const void *pb)
{
    size_t ia = *(const size_t *)pa, ib = *(const size_t *)pb;

    for (size_t k = 0; k < ref_nkeys; k++) {
        uint32_t col = ref_keys[k].column;
        const tcell *a = &ref_rows[ia].c[col], *b = &ref_rows[ib].c[col];
        int c;

        if (a->null && b->null)
            continue;
        if (a->null || b->null)
            return (a->null ? -1 : 1) * (ref_keys[k].nulls_first ? 1 : -1);
        c = ref_cmp_values(cols[col].type, a, b);
        if (c != 0)
            return ref_keys[k].desc ? -c : c;
    }
    return ia < ib ? -1 : ia > ib;
}

static size_t *reference_order(const trow *rows, size_t n, const sort_key *keys, size_t nkeys)
{
    size_t *order = malloc((n ? n : 1) * sizeof(*order));

    assert_non_null(order);
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    ref_rows = rows;
    ref_keys = keys;
    ref_nkeys = nkeys;
    qsort(order, n, sizeof(*order), ref_cmp);
    return order;
}

/* ============================== Driving a sorter ========================== */

static char scratch[] = "/tmp/quire-test-sort-XXXXXX";

static size_t dir_entries(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    size_t n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static void put_cell(quire_column *c, uint32_t row, const tcell *v)
{
    c->nulls[row] = (uint8_t)v->null;
    switch (c->type) {
    case QUIRE_TYPE_FLOAT: c->v.f64[row] = v->f; break;
    case QUIRE_TYPE_STRING:
        c->v.str[row].ptr = v->s;
        c->v.str[row].len = v->len;
        break;
    default: c->v.i64[row] = v->i; break;
    }
}

/* Puts `row` into batch row `at`. */
static void put_row(quire_batch *b, uint32_t at, const trow *row)
{
    for (int j = 0; j < NCOLS; j++)
        put_cell(&b->columns[j], at, &row->c[j]);
    b->source_line[at] = row->line;
}

/*
 * Adds rows[0..n) in order, in batches of random sizes. Half the batches
 * go through a selection vector: the rows sit at shuffled positions among
 * decoy rows (from `decoys`) that must not be added.
 */
static void feed(sorter *s, const trow *rows, size_t n, const trow *decoys, rng *r)
{
    quire_batch *b = batch_new(cols, NCOLS, 256, BATCH_LINES);
    uint32_t sel[256];
    size_t done = 0;
    quire_error err = {0};

    assert_non_null(b);
    while (done < n) {
        uint32_t k = 1 + rnd_below(r, 100);
        int use_sel = rnd_below(r, 2);

        if (k > n - done)
            k = (uint32_t)(n - done);
        batch_reset(b);
        if (!use_sel) {
            for (uint32_t i = 0; i < k; i++)
                put_row(b, i, &rows[done + i]);
            b->rows = k;
            assert_int_equal(sorter_add(s, b, NULL, 0, &err), QUIRE_OK);
        } else {
            uint32_t total = k + rnd_below(r, 256 - k + 1);
            uint8_t taken[256] = {0};

            for (uint32_t i = 0; i < k; i++) {
                uint32_t at;
                do
                    at = rnd_below(r, total);
                while (taken[at]);
                taken[at] = 1;
                sel[i] = at;
                put_row(b, at, &rows[done + i]);
            }
            for (uint32_t at = 0; at < total; at++)
                if (!taken[at])
                    put_row(b, at, &decoys[at]);
            b->rows = total;
            assert_int_equal(sorter_add(s, b, sel, k, &err), QUIRE_OK);
        }
        done += k;
    }
    batch_free(b);
}

static void assert_cell(const quire_column *c, uint32_t row, const tcell *want, uint32_t type)
{
    assert_int_equal(c->nulls[row] != 0, want->null != 0);
    if (want->null)
        return;
    switch (type) {
    case QUIRE_TYPE_FLOAT:
        /* Bit for bit: -0.0 stays -0.0 and a NaN keeps its payload. */
        assert_memory_equal(&c->v.f64[row], &want->f, sizeof(double));
        break;
    case QUIRE_TYPE_STRING:
        assert_int_equal(c->v.str[row].len, want->len);
        if (want->len > 0)
            assert_memory_equal(c->v.str[row].ptr, want->s, want->len);
        break;
    default: assert_int_equal(c->v.i64[row], want->i); break;
    }
}

/* Reads everything from a finished sorter in batches of `cap` rows and
 * checks it against rows[order[i]]. */
static void drain_and_check(sorter *s, const trow *rows, const size_t *order, size_t n,
                            uint32_t cap)
{
    quire_batch *out = batch_new(cols, NCOLS, cap, BATCH_LINES);
    quire_error err = {0};
    size_t got = 0;
    int rc;

    assert_non_null(out);
    do {
        rc = sorter_next(s, out, &err);
        assert_true(rc == QUIRE_OK || rc == QUIRE_DONE);
        assert_true(rc == QUIRE_DONE || out->rows > 0);
        assert_true(out->rows <= cap);
        assert_int_equal(out->first_row, (int64_t)got + 1);
        for (uint32_t i = 0; i < out->rows; i++) {
            const trow *want;
            assert_true(got + i < n);
            want = &rows[order[got + i]];
            assert_int_equal(out->source_line[i], want->line);
            for (int j = 0; j < NCOLS; j++)
                assert_cell(&out->columns[j], i, &want->c[j], cols[j].type);
        }
        got += out->rows;
    } while (rc == QUIRE_OK);
    assert_int_equal(got, n);
    /* Once done, always done. */
    assert_int_equal(sorter_next(s, out, &err), QUIRE_DONE);
    assert_int_equal(out->rows, 0);
    batch_free(out);
}

/* Sorts rows[0..n) by `keys` within `budget` on up to `threads` threads,
 * checks the order and the scratch directory, and returns the sorter's
 * counters. */
static sort_stats check_rows(const trow *rows, size_t n, const sort_key *keys, size_t nkeys,
                             size_t budget, unsigned threads, uint64_t seed)
{
    trow *decoys = random_rows(seed + 1000, 256, 20);
    size_t *order = reference_order(rows, n, keys, nkeys);
    rng r = {seed + 7};
    quire_error err = {0};
    sort_stats st;
    sorter *s = sorter_new(cols, NCOLS, keys, nkeys, budget, scratch, &err);

    assert_non_null(s);
    sorter_set_threads(s, threads);
    feed(s, rows, n, decoys, &r);
    assert_int_equal(dir_entries(scratch), 0);
    assert_int_equal(sorter_finish(s, &err), QUIRE_OK);
    drain_and_check(s, rows, order, n, 1 + rnd_below(&r, 700));
    sorter_stats(s, &st);
    assert_int_equal(st.rows, (int64_t)n);
    sorter_free(s);
    assert_int_equal(dir_entries(scratch), 0);
    free(order);
    rows_free(decoys, 256);
    return st;
}

/* Sorts `n` random rows by `keys` within `budget`, checks the order and
 * the scratch directory, and returns the sorter's counters. */
static sort_stats check_sort(const sort_key *keys, size_t nkeys, size_t n, size_t budget,
                             uint64_t seed, size_t max_len)
{
    trow *rows = random_rows(seed, n, max_len);
    sort_stats st = check_rows(rows, n, keys, nkeys, budget, 1, seed);

    rows_free(rows, n);
    return st;
}

/* ============================== Key sets ================================== */

static const sort_key keys_name[] = {{C_NAME, 0, 0}};
static const sort_key keys_mixed1[] = {{C_N, 1, 1}, {C_NAME, 0, 1}, {C_RATIO, 1, 0}};
static const sort_key keys_mixed2[] = {{C_RATIO, 0, 1}, {C_AMOUNT, 1, 0}, {C_FLAG, 0, 0}};
static const sort_key keys_mixed3[] = {{C_DAY, 0, 0}, {C_AT, 1, 1}, {C_NOTE, 1, 1}, {C_NAME, 0, 0}};
static const sort_key keys_name_desc[] = {{C_NAME, 1, 1}, {C_FLAG, 1, 0}};
/* A repeated column: the second key can never decide, the first does. */
static const sort_key keys_repeat[] = {{C_N, 0, 0}, {C_N, 1, 1}, {C_DAY, 0, 1}};
static const sort_key keys_repeat_ref[] = {{C_N, 0, 0}, {C_DAY, 0, 1}};
/* A column of unknown type is all NULLs: the next key decides. */
static const sort_key keys_unknown[] = {{C_UNKNOWN, 0, 1}, {C_AT, 0, 0}};

#define NKEYS(k) (sizeof(k) / sizeof((k)[0]))

/* ============================== Tests ===================================== */

static void test_sort_in_memory(void **state)
{
    sort_stats st;
    (void)state;
    st = check_sort(keys_name, NKEYS(keys_name), 3000, 64u << 20, 1, 300);
    assert_int_equal(st.runs, 0);
    assert_int_equal(st.bytes_spilled, 0);
    st = check_sort(keys_mixed1, NKEYS(keys_mixed1), 3000, 64u << 20, 2, 300);
    assert_int_equal(st.runs, 0);
    check_sort(keys_mixed2, NKEYS(keys_mixed2), 3000, 64u << 20, 3, 300);
    check_sort(keys_mixed3, NKEYS(keys_mixed3), 3000, 64u << 20, 4, 300);
    check_sort(keys_name_desc, NKEYS(keys_name_desc), 3000, 64u << 20, 5, 300);
    check_sort(keys_unknown, NKEYS(keys_unknown), 500, 64u << 20, 6, 30);
    check_sort(NULL, 0, 500, 64u << 20, 7, 30); /* no keys: input order */
}

static void test_sort_spilled_multi_pass(void **state)
{
    sort_stats st;
    (void)state;
    /* The smallest budget merges about 15 runs at a time: 20000 rows make
     * far more runs than that, so runs are merged in passes. */
    st = check_sort(keys_name, NKEYS(keys_name), 20000, 0, 11, 300);
    assert_true(st.runs > 30);
    assert_true(st.merge_passes >= 1);
    assert_true(st.bytes_spilled > 0);
    assert_true(st.peak_memory <= SORT_MIN_BUDGET);
    st = check_sort(keys_mixed1, NKEYS(keys_mixed1), 20000, 0, 12, 300);
    assert_true(st.merge_passes >= 1);
    assert_true(st.peak_memory <= SORT_MIN_BUDGET);
}

static void test_sort_spilled_one_merge(void **state)
{
    sort_stats st;
    (void)state;
    /* A few runs: one final merge (the tail may stay in memory). */
    for (uint64_t seed = 20; seed < 26; seed++) {
        st = check_sort(seed % 2 ? keys_mixed2 : keys_mixed3,
                        seed % 2 ? NKEYS(keys_mixed2) : NKEYS(keys_mixed3),
                        1500 + 300 * (seed - 20), 0, seed, 200);
        assert_true(st.runs >= 1);
        assert_int_equal(st.merge_passes, 0);
        assert_true(st.peak_memory <= SORT_MIN_BUDGET);
    }
    st = check_sort(keys_name_desc, NKEYS(keys_name_desc), 6000, 256 * 1024, 30, 300);
    assert_true(st.runs >= 1);
    assert_true(st.peak_memory <= 256 * 1024);
}

static void test_sort_repeated_key_column(void **state)
{
    trow *rows = random_rows(40, 2000, 20);
    size_t *order = reference_order(rows, 2000, keys_repeat_ref, NKEYS(keys_repeat_ref));
    rng r = {41};
    quire_error err = {0};
    sorter *s = sorter_new(cols, NCOLS, keys_repeat, NKEYS(keys_repeat), 0, scratch, &err);
    (void)state;
    assert_non_null(s);
    feed(s, rows, 2000, rows, &r);
    assert_int_equal(sorter_finish(s, &err), QUIRE_OK);
    drain_and_check(s, rows, order, 2000, 100);
    sorter_free(s);
    free(order);
    rows_free(rows, 2000);
}

static void test_sort_empty_and_one_row(void **state)
{
    sort_stats st;
    (void)state;
    st = check_sort(keys_mixed1, NKEYS(keys_mixed1), 0, 0, 50, 10);
    assert_int_equal(st.rows, 0);
    assert_int_equal(st.runs, 0);
    st = check_sort(keys_mixed1, NKEYS(keys_mixed1), 1, 0, 51, 10);
    assert_int_equal(st.rows, 1);
    assert_int_equal(st.runs, 0);
}

/* Rows larger than the row blocks, the read buffers and the whole budget
 * are still sorted (held alone, over budget). */
static void test_sort_oversized_rows(void **state)
{
    (void)state;
    check_sort(keys_name, NKEYS(keys_name), 300, 0, 60, 20000);
    check_sort(keys_mixed3, NKEYS(keys_mixed3), 40, 0, 61, 150000);
}

/* Hand-computed: floats ascending, NULLs last. */
static void test_sort_float_order(void **state)
{
    static const quire_column_info fcol[] = {{"x", QUIRE_TYPE_FLOAT, 0}};
    const double in[] = {NAN, 1, -INFINITY, -0.0, INFINITY, 0.0, -1, 0 /* NULL */, -NAN, 1};
    /* Input positions in expected output order: -0.0 and 0.0 are equal,
     * so are the NaNs and the 1s; equal values keep input order. */
    const int want[] = {2, 6, 3, 5, 1, 9, 4, 0, 8, 7};
    const sort_key asc = {0, 0, 0};
    quire_error err = {0};
    quire_batch *b = batch_new(fcol, 1, 16, BATCH_LINES);
    sorter *s = sorter_new(fcol, 1, &asc, 1, 0, scratch, &err);
    (void)state;
    assert_non_null(b);
    assert_non_null(s);
    for (uint32_t i = 0; i < 10; i++) {
        b->columns[0].v.f64[i] = in[i];
        b->columns[0].nulls[i] = i == 7;
        b->source_line[i] = i;
    }
    b->rows = 10;
    assert_int_equal(sorter_add(s, b, NULL, 0, &err), QUIRE_OK);
    assert_int_equal(sorter_finish(s, &err), QUIRE_OK);
    assert_int_equal(sorter_next(s, b, &err), QUIRE_DONE);
    assert_int_equal(b->rows, 10);
    for (uint32_t i = 0; i < 10; i++)
        assert_int_equal(b->source_line[i], want[i]);
    assert_true(signbit(b->columns[0].v.f64[2])); /* -0.0 came back as -0.0 */
    sorter_free(s);
    batch_free(b);
}

/* Hand-computed: strings bytewise, a proper prefix first, NUL a byte like
 * any other; descending puts NULLs first here because nulls_first says so. */
static void test_sort_string_order(void **state)
{
    static const quire_column_info scol[] = {{"s", QUIRE_TYPE_STRING, 0}};
    static const struct {
        const char *p;
        size_t len;
    } in[] = {{"b", 1},         {"a\0", 2},       {"", 0},   {"a", 1},
              {"a\0\0", 3},     {"ab", 2},        {NULL, 0}, {"\xc3\xa9", 2},
              {"abcdefgh2", 9}, {"abcdefgh1", 9}, {"z", 1}};
    const int want_asc[] = {2, 3, 1, 4, 5, 9, 8, 0, 10, 7, 6};
    const int want_desc[] = {6, 7, 10, 0, 8, 9, 5, 4, 1, 3, 2};
    const sort_key asc = {0, 0, 0}, desc = {0, 1, 1};
    quire_error err = {0};
    quire_batch *b = batch_new(scol, 1, 16, BATCH_LINES);
    (void)state;
    assert_non_null(b);
    for (int pass = 0; pass < 2; pass++) {
        sorter *s = sorter_new(scol, 1, pass ? &desc : &asc, 1, 0, scratch, &err);
        const int *want = pass ? want_desc : want_asc;
        assert_non_null(s);
        batch_reset(b);
        for (uint32_t i = 0; i < 11; i++) {
            b->columns[0].v.str[i].ptr = in[i].p;
            b->columns[0].v.str[i].len = in[i].len;
            b->columns[0].nulls[i] = in[i].p == NULL;
            b->source_line[i] = i;
        }
        b->rows = 11;
        assert_int_equal(sorter_add(s, b, NULL, 0, &err), QUIRE_OK);
        assert_int_equal(sorter_finish(s, &err), QUIRE_OK);
        assert_int_equal(sorter_next(s, b, &err), QUIRE_DONE);
        assert_int_equal(b->rows, 11);
        for (uint32_t i = 0; i < 11; i++)
            assert_int_equal(b->source_line[i], want[i]);
        sorter_free(s);
    }
    batch_free(b);
}

/* Sorts `n` copies of one fixed-size row shape with the smallest budget;
 * returns the counters. Rows differ only in their key. */
static sort_stats sort_fixed_rows(size_t n, int check)
{
    static const quire_column_info fcols[] = {{"k", QUIRE_TYPE_STRING, 0},
                                              {"n", QUIRE_TYPE_INT, 0}};
    const sort_key key = {1, 1, 0};
    quire_batch *b = batch_new(fcols, 2, 1, BATCH_LINES);
    quire_batch *out = batch_new(fcols, 2, 333, 0);
    quire_error err = {0};
    sorter *s = sorter_new(fcols, 2, &key, 1, SORT_MIN_BUDGET, scratch, &err);
    sort_stats st;
    size_t got = 0;
    int rc;

    assert_non_null(b);
    assert_non_null(out);
    assert_non_null(s);
    for (size_t i = 0; i < n; i++) {
        batch_reset(b);
        b->columns[0].v.str[0].ptr = "0123456789";
        b->columns[0].v.str[0].len = 10;
        b->columns[0].nulls[0] = 0;
        b->columns[1].v.i64[0] = (int64_t)(i * 7919 % 10007);
        b->columns[1].nulls[0] = 0;
        b->rows = 1;
        assert_int_equal(sorter_add(s, b, NULL, 0, &err), QUIRE_OK);
        sorter_stats(s, &st);
        if (!check && st.runs > 0)
            break;
    }
    if (check) {
        int64_t last = INT64_MAX;
        assert_int_equal(sorter_finish(s, &err), QUIRE_OK);
        do {
            rc = sorter_next(s, out, &err);
            assert_true(rc != QUIRE_ERR);
            for (uint32_t i = 0; i < out->rows; i++) {
                assert_true(out->columns[1].v.i64[i] <= last);
                last = out->columns[1].v.i64[i];
            }
            got += out->rows;
        } while (rc == QUIRE_OK);
        assert_int_equal(got, n);
    }
    sorter_stats(s, &st);
    sorter_free(s);
    batch_free(out);
    batch_free(b);
    return st;
}

/* The last row that fits stays in memory; the next one spills. */
static void test_sort_budget_boundary(void **state)
{
    sort_stats st;
    size_t fit;
    (void)state;
    st = sort_fixed_rows(100000, 0);
    assert_int_equal(st.runs, 1);
    fit = (size_t)st.rows - 1; /* the row whose add spilled did not fit */
    /* Each row costs at least its 24-byte entry, as much again for the
     * sort's scratch space and a record of 15 bytes or more, and the
     * budget should not be wasted: between 40% and 100% used. */
    assert_true(fit * 44 <= SORT_MIN_BUDGET);
    assert_true(fit * 64 >= SORT_MIN_BUDGET * 4 / 10);
    st = sort_fixed_rows(fit, 1);
    assert_int_equal(st.runs, 0);
    assert_true(st.peak_memory <= SORT_MIN_BUDGET);
    st = sort_fixed_rows(fit + 1, 1);
    assert_int_equal(st.runs, 1);
    assert_true(st.peak_memory <= SORT_MIN_BUDGET);
    st = sort_fixed_rows(2 * fit + 1, 1);
    assert_true(st.runs >= 2);
    assert_true(st.peak_memory <= SORT_MIN_BUDGET);
}

static size_t open_fds(void)
{
    return dir_entries("/proc/self/fd");
}

/* Spill files never appear in the temp directory, and nothing stays open. */
static void test_sort_leaves_nothing_behind(void **state)
{
    char dir[] = "/tmp/quire-test-sort-fresh-XXXXXX";
    trow *rows = random_rows(70, 5000, 100);
    rng r = {71};
    quire_error err = {0};
    size_t fds = open_fds();
    sort_stats st;
    sorter *s;
    (void)state;
    assert_non_null(mkdtemp(dir));
    s = sorter_new(cols, NCOLS, keys_mixed1, NKEYS(keys_mixed1), 0, dir, &err);
    assert_non_null(s);
    feed(s, rows, 5000, rows, &r);
    sorter_stats(s, &st);
    assert_true(st.runs > 0);
    assert_int_equal(dir_entries(dir), 0);
    assert_int_equal(sorter_finish(s, &err), QUIRE_OK);
    assert_int_equal(dir_entries(dir), 0);
    sorter_free(s); /* freed mid-output: still nothing left */
    assert_int_equal(dir_entries(dir), 0);
    assert_int_equal(open_fds(), fds);
    assert_int_equal(rmdir(dir), 0);
    rows_free(rows, 5000);
}

static void test_sort_bad_temp_dir(void **state)
{
    char dir[] = "/tmp/quire-test-sort-ro-XXXXXX";
    char want[700], missing[100];
    quire_error err = {0};
    (void)state;
    snprintf(missing, sizeof(missing), "%s/missing", scratch);
    assert_null(sorter_new(cols, NCOLS, keys_name, 1, 0, missing, &err));
    assert_int_equal(err.code, QUIRE_E_IO);
    snprintf(want, sizeof(want),
             "cannot create a sort spill file in '%s': No such file or directory", missing);
    assert_string_equal(err.msg, want);
    if (geteuid() == 0)
        return; /* root writes anywhere */
    assert_non_null(mkdtemp(dir));
    assert_int_equal(chmod(dir, 0500), 0);
    assert_null(sorter_new(cols, NCOLS, keys_name, 1, 0, dir, &err));
    snprintf(want, sizeof(want), "cannot create a sort spill file in '%s': Permission denied", dir);
    assert_string_equal(err.msg, want);
    assert_int_equal(rmdir(dir), 0);
}

/* A spill file that cannot grow (here: the file size limit) is an error
 * naming the directory, and it is final. */
static void test_sort_write_error(void **state)
{
    trow *rows = random_rows(80, 4000, 100);
    quire_batch *b = batch_new(cols, NCOLS, 100, BATCH_LINES);
    struct rlimit old, small;
    void (*old_handler)(int);
    quire_error err = {0}, again = {0};
    char want[600];
    sorter *s = sorter_new(cols, NCOLS, keys_name, 1, 0, scratch, &err);
    int rc = QUIRE_OK;
    (void)state;
    assert_non_null(s);
    assert_non_null(b);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    small = old;
    small.rlim_cur = 100 * 1024;
    old_handler = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    for (size_t i = 0; i < 4000 && rc == QUIRE_OK; i += 100) {
        batch_reset(b);
        for (uint32_t j = 0; j < 100; j++)
            put_row(b, j, &rows[i + j]);
        b->rows = 100;
        rc = sorter_add(s, b, NULL, 0, &err);
    }
    if (rc == QUIRE_OK)
        rc = sorter_finish(s, &err);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, old_handler);
    assert_int_equal(rc, QUIRE_ERR);
    assert_int_equal(err.code, QUIRE_E_IO);
    snprintf(want, sizeof(want), "cannot write a sort spill file in '%s': File too large", scratch);
    assert_string_equal(err.msg, want);
    assert_int_equal(sorter_finish(s, &again), QUIRE_ERR);
    assert_string_equal(again.msg, want);
    sorter_free(s);
    batch_free(b);
    rows_free(rows, 4000);
}

static void test_sort_misuse(void **state)
{
    static const quire_column_info other[] = {{"a", QUIRE_TYPE_INT, 0},
                                              {"b", QUIRE_TYPE_DECIMAL, 3}};
    static const quire_column_info mine[] = {{"a", QUIRE_TYPE_INT, 0},
                                             {"b", QUIRE_TYPE_DECIMAL, 2}};
    static const quire_column_info bad[] = {{"a", QUIRE_TYPE_INT, 0}, {"b", 42, 0}};
    const sort_key key = {1, 0, 0}, far = {2, 0, 0};
    quire_batch *b = batch_new(other, 2, 4, 0);
    quire_batch *good = batch_new(mine, 2, 4, 0);
    uint32_t sel[] = {0, 5};
    quire_error err = {0};
    sorter *s;
    (void)state;
    assert_non_null(b);
    assert_non_null(good);

    assert_null(sorter_new(mine, 2, &far, 1, 0, scratch, &err));
    assert_string_equal(err.msg, "sort: key 1 names column 3, but the rows have 2 columns");
    assert_null(sorter_new(bad, 2, &key, 1, 0, scratch, &err));
    assert_string_equal(err.msg, "sort: column 2 ('b') has unknown type 42");

    s = sorter_new(mine, 2, &key, 1, 0, scratch, &err);
    assert_non_null(s);
    assert_int_equal(sorter_next(s, good, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "sort: sorter_next before sorter_finish");
    b->rows = 1;
    assert_int_equal(sorter_add(s, b, NULL, 0, &err), QUIRE_ERR);
    assert_string_equal(err.msg,
                        "sort: column 2 ('b') of the input batch is decimal(3), the sorter's is "
                        "decimal(2)");
    sorter_free(s);

    s = sorter_new(mine, 2, &key, 1, 0, scratch, &err);
    good->rows = 2;
    memset(good->columns[0].nulls, 0, 4);
    memset(good->columns[1].nulls, 0, 4);
    assert_int_equal(sorter_add(s, good, sel, 2, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "sort: selection entry 1 is row 5, but the batch has 2 rows");
    sorter_free(s);

    s = sorter_new(mine, 2, &key, 1, 0, scratch, &err);
    assert_int_equal(sorter_finish(s, &err), QUIRE_OK);
    assert_int_equal(sorter_next(s, b, &err), QUIRE_ERR);
    assert_string_equal(err.msg,
                        "sort: column 2 ('b') of the output batch is decimal(3), the sorter's is "
                        "decimal(2)");
    assert_int_equal(sorter_add(s, good, NULL, 0, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "sort: sorter_add after sorter_finish");
    assert_int_equal(sorter_finish(s, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "sort: sorter_finish called twice");
    assert_int_equal(sorter_next(s, good, &err), QUIRE_DONE);
    sorter_free(s);
    sorter_free(NULL);
    batch_free(b);
    batch_free(good);
}

/* ============================== Levels, ties and threads ================== */

/* Bytes i of a long shared prefix: two families that part at byte 1, one
 * of them full of NULs. */
static char family_byte(uint32_t family, size_t i)
{
    return family == 0 || i % 2 == 0 ? 'p' : '\0';
}

/*
 * A string made to test the coding 7 bytes at a time: a prefix of one of
 * two families, of a length at or around a multiple of 7 (or long enough
 * to run out of levels), then a short tail from a small alphabet with NUL
 * and high bytes, so that equal strings, proper prefixes and differences
 * right after a 7-byte step are all common.
 */
static void prefixed_string(rng *r, tcell *c)
{
    static const size_t bases[] = {0, 6, 7, 8, 13, 14, 15, 230, 300};
    static const char tail[] = {'a', '\0', 'b', (char)0xff};
    size_t base = bases[rnd_below(r, 9)];
    size_t len = base + (rnd_below(r, 3) == 0 ? 0 : rnd_below(r, 10));
    uint32_t family = rnd_below(r, 2);

    free(c->s);
    c->s = malloc(len + 1);
    assert_non_null(c->s);
    for (size_t i = 0; i < len; i++)
        c->s[i] = i < base ? family_byte(family, i) : tail[rnd_below(r, 4)];
    c->s[len] = '\0';
    c->len = len;
}

/* A string every value of which starts "customer-" (so a run's first keys
 * share 9 bytes), then one of 100 numbers, sometimes a tail with a NUL. */
static void customer_string(rng *r, tcell *c)
{
    char buf[32];
    int len = snprintf(buf, sizeof(buf), "customer-%05u", (unsigned)rnd_below(r, 100));

    if (rnd_below(r, 4) == 0) {
        memcpy(buf + len, "\0x", 2);
        len += 2;
    }
    free(c->s);
    c->s = malloc((size_t)len + 1);
    assert_non_null(c->s);
    memcpy(c->s, buf, (size_t)len);
    c->s[len] = '\0';
    c->len = (size_t)len;
}

/* Random rows whose name is a prefixed_string() and note a
 * customer_string(). */
static trow *prefixed_rows(uint64_t seed, size_t n)
{
    trow *rows = random_rows(seed, n, 12);
    rng r = {seed * 7919 + 13};

    for (size_t i = 0; i < n; i++) {
        prefixed_string(&r, &rows[i].c[C_NAME]);
        customer_string(&r, &rows[i].c[C_NOTE]);
    }
    return rows;
}

/* Strings compared 7 bytes at a time: shared prefixes that end on, just
 * before and just after a 7-byte step, proper prefixes, NUL bytes, prefixes
 * longer than the levels go (finished by comparing records), a prefix all
 * of a run shares; ascending and descending, NULLs first and last, as the
 * first key and behind others; in memory and spilled, on one and on two
 * threads. */
static void test_sort_shared_prefixes(void **state)
{
    static const sort_key by_name[] = {{C_NAME, 0, 0}};
    static const sort_key by_name_desc_n[] = {{C_NAME, 1, 1}, {C_N, 0, 0}};
    static const sort_key by_n_name_note[] = {{C_N, 1, 1}, {C_NAME, 0, 0}, {C_NOTE, 1, 0}};
    static const sort_key by_note_name[] = {{C_NOTE, 0, 1}, {C_NAME, 1, 0}};
    static const struct {
        const sort_key *keys;
        size_t nkeys;
    } sets[] = {{by_name, NKEYS(by_name)},
                {by_name_desc_n, NKEYS(by_name_desc_n)},
                {by_n_name_note, NKEYS(by_n_name_note)},
                {by_note_name, NKEYS(by_note_name)}};
    trow *rows = prefixed_rows(90, 20000);
    sort_stats st;
    (void)state;
    for (size_t k = 0; k < sizeof(sets) / sizeof(sets[0]); k++) {
        st = check_rows(rows, 20000, sets[k].keys, sets[k].nkeys, 64u << 20, 1 + (unsigned)k % 2,
                        91 + k);
        assert_int_equal(st.runs, 0);
    }
    st = check_rows(rows, 20000, by_n_name_note, NKEYS(by_n_name_note), 1u << 20, 2, 95);
    assert_true(st.runs >= 2);
    assert_true(st.peak_memory <= 1u << 20);
    rows_free(rows, 20000);
}

/* Rows equal in every key come out in the order they were added: keys of
 * two values and NULL, and a key that is NULL in every row. */
static void test_sort_ties_keep_add_order(void **state)
{
    static const sort_key by_flag[] = {{C_FLAG, 1, 1}};
    static const sort_key by_flag_day[] = {{C_FLAG, 0, 0}, {C_DAY, 1, 1}};
    static const sort_key by_nothing[] = {{C_UNKNOWN, 0, 0}};
    trow *rows = random_rows(100, 30000, 8);
    (void)state;
    check_rows(rows, 30000, by_flag, NKEYS(by_flag), 64u << 20, 1, 101);
    check_rows(rows, 30000, by_flag, NKEYS(by_flag), 64u << 20, 2, 102);
    check_rows(rows, 30000, by_flag_day, NKEYS(by_flag_day), 64u << 20, 2, 103);
    check_rows(rows, 30000, by_flag_day, NKEYS(by_flag_day), 512 * 1024, 2, 104);
    check_rows(rows, 30000, by_nothing, NKEYS(by_nothing), 64u << 20, 2, 105);
    rows_free(rows, 30000);
}

/* The same order on any number of threads (a thread count above the
 * limit is capped), in memory and with runs long enough to be sorted on
 * two threads before they spill. */
static void test_sort_threads(void **state)
{
    trow *rows = random_rows(110, 60000, 40);
    sort_stats st;
    (void)state;
    st = check_rows(rows, 40000, keys_mixed1, NKEYS(keys_mixed1), 64u << 20, 2, 111);
    assert_int_equal(st.runs, 0);
    check_rows(rows, 40000, keys_mixed3, NKEYS(keys_mixed3), 64u << 20, 3, 112);
    check_rows(rows, 40000, keys_name_desc, NKEYS(keys_name_desc), 64u << 20, 1000, 113);
    check_rows(rows, 40000, keys_mixed2, NKEYS(keys_mixed2), 64u << 20, 0, 114);
    /* Two runs of 20000 rows or so and a tail: long enough to be split
     * between the threads (16384 rows make a run worth it). */
    st = check_rows(rows, 60000, keys_mixed1, NKEYS(keys_mixed1), 2u << 20, 2, 115);
    assert_int_equal(st.runs, 2);
    assert_true(st.peak_memory <= 2u << 20);
    rows_free(rows, 60000);
}

/* Hand-computed: n descending with NULLs first, then name ascending with
 * NULLs last, then the add order. */
static void test_sort_multi_key_order(void **state)
{
    static const quire_column_info mcols[] = {{"n", QUIRE_TYPE_INT, 0},
                                              {"name", QUIRE_TYPE_STRING, 0}};
    static const struct {
        int n_null;
        int64_t n;
        const char *name; /* NULL: a NULL name */
        size_t len;
    } in[] = {
        {0, 1, "b", 1},        {1, 0, "z", 1},    {0, 5, NULL, 0}, {0, 1, "a\0b", 3},
        {0, 5, "abcdefgh", 8}, {1, 0, NULL, 0},   {0, 1, "a", 1},  {0, 5, "abcdefg", 7},
        {0, -3, "", 0},        {0, 1, "a\0b", 3}, {1, 0, "a", 1},  {0, 5, "abcdefgh1", 9},
    };
    /* n: NULLs (rows 1, 5, 10) first; among them name "a" (10), "z" (1),
     * NULL (5). Then 5: "abcdefg" (7), "abcdefgh" (4), "abcdefgh1" (11),
     * NULL (2). Then 1: "a" (6), "a\0b" (3, 9 in add order), "b" (0).
     * Then -3: "" (8). */
    const int want[] = {10, 1, 5, 7, 4, 11, 2, 6, 3, 9, 0, 8};
    const sort_key keys[] = {{0, 1, 1}, {1, 0, 0}};
    const size_t nrows = sizeof(in) / sizeof(in[0]);
    quire_error err = {0};
    quire_batch *b = batch_new(mcols, 2, 16, BATCH_LINES);
    sorter *s = sorter_new(mcols, 2, keys, 2, 0, scratch, &err);
    (void)state;
    assert_non_null(b);
    assert_non_null(s);
    for (uint32_t i = 0; i < nrows; i++) {
        b->columns[0].v.i64[i] = in[i].n;
        b->columns[0].nulls[i] = (uint8_t)in[i].n_null;
        b->columns[1].v.str[i].ptr = in[i].name;
        b->columns[1].v.str[i].len = in[i].len;
        b->columns[1].nulls[i] = in[i].name == NULL;
        b->source_line[i] = i;
    }
    b->rows = (uint32_t)nrows;
    assert_int_equal(sorter_add(s, b, NULL, 0, &err), QUIRE_OK);
    assert_int_equal(sorter_finish(s, &err), QUIRE_OK);
    assert_int_equal(sorter_next(s, b, &err), QUIRE_DONE);
    assert_int_equal(b->rows, nrows);
    for (uint32_t i = 0; i < nrows; i++)
        assert_int_equal(b->source_line[i], want[i]);
    sorter_free(s);
    batch_free(b);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(scratch) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    return rmdir(scratch); /* fails if a spill file was left behind */
}

/* srt_prefault maps fresh pages at once and changes nothing they hold: on
 * a kernel with MADV_POPULATE_WRITE (probed here on a page of its own)
 * every page of a fresh 1 MB mapping is resident afterwards (mincore),
 * where none was before; bytes written before it read back the same; a
 * short range, an unaligned one and NULL are accepted. */
static void test_sort_prefault(void **state)
{
    const size_t len = (size_t)1 << 20;
    long page = sysconf(_SC_PAGESIZE);
    unsigned char *m, *probe, vec[256];
    size_t pages = len / (size_t)page, resident = 0;
    int supported;

    (void)state;
    assert_true(page > 0 && pages <= sizeof(vec));
    probe = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(probe != MAP_FAILED);
    supported = madvise(probe, (size_t)page, 23 /* MADV_POPULATE_WRITE */) == 0;
    munmap(probe, (size_t)page);

    m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(m != MAP_FAILED);
    assert_int_equal(mincore(m, len, vec), 0);
    for (size_t i = 0; i < pages; i++)
        resident += vec[i] & 1;
    assert_int_equal(resident, 0);
    m[5] = 42;
    srt_prefault(m + 3, len - 3); /* unaligned: the whole pages inside */
    assert_int_equal(m[5], 42);
    assert_int_equal(mincore(m, len, vec), 0);
    resident = 0;
    for (size_t i = 0; i < pages; i++)
        resident += vec[i] & 1;
    if (supported)
        assert_true(resident >= pages - 1); /* the last page is partial */
    srt_prefault(m, 100);                   /* short: nothing to do */
    srt_prefault(NULL, len);
    munmap(m, len);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sort_in_memory),
        cmocka_unit_test(test_sort_spilled_multi_pass),
        cmocka_unit_test(test_sort_spilled_one_merge),
        cmocka_unit_test(test_sort_repeated_key_column),
        cmocka_unit_test(test_sort_empty_and_one_row),
        cmocka_unit_test(test_sort_oversized_rows),
        cmocka_unit_test(test_sort_float_order),
        cmocka_unit_test(test_sort_string_order),
        cmocka_unit_test(test_sort_budget_boundary),
        cmocka_unit_test(test_sort_leaves_nothing_behind),
        cmocka_unit_test(test_sort_bad_temp_dir),
        cmocka_unit_test(test_sort_write_error),
        cmocka_unit_test(test_sort_misuse),
        cmocka_unit_test(test_sort_shared_prefixes),
        cmocka_unit_test(test_sort_ties_keep_add_order),
        cmocka_unit_test(test_sort_threads),
        cmocka_unit_test(test_sort_multi_key_order),
        cmocka_unit_test(test_sort_prefault),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
