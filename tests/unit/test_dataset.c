/*
 * test_dataset.c - chart datasets: the plan's dataset compile
 * (plan_check_datasets_and_styles in kernel/plan_band.c) and the
 * accumulator (kernel/dataset.c): rows fed in batches, merged, reset,
 * packed, relocated.
 *
 * Definitions are parsed and loaded for real and compiled against a plan
 * built here by hand (a fixed schema, no source). Expected tables are
 * computed from the same rows by plain loops in this file (sums per cell
 * with int64 arithmetic, orders with qsort), numbers are formatted by a
 * small formatter written here, and dates come from a calendar written here
 * (days counted year by year and month by month). ISO weeks and month
 * names were worked out by hand.
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

#include "arena.h"
#include "ast.h"
#include "dataset.h"
#include "diag.h"
#include "plan_int.h"
#include "report.h"

#define PATH "t.quire"

/* ============================== Fixture =================================== */

enum { C_REGION, C_PRODUCT, C_AMOUNT, C_QTY, C_PRICE, C_D, C_TS, C_OK, NCOLS };

static quire_column_info schema[NCOLS] = {
    {"region", QUIRE_TYPE_STRING, 0},  {"product", QUIRE_TYPE_STRING, 0},
    {"amount", QUIRE_TYPE_DECIMAL, 2}, {"qty", QUIRE_TYPE_INT, 0},
    {"price", QUIRE_TYPE_FLOAT, 0},    {"d", QUIRE_TYPE_DATE, 0},
    {"ts", QUIRE_TYPE_TIMESTAMP, 0},   {"ok", QUIRE_TYPE_BOOL, 0},
};

/* One input row; NULL strings and the *_null flags are SQL NULLs. */
typedef struct row {
    const char *region, *product;
    int64_t amount; /* cents */
    int amount_null;
    int64_t qty;
    double price;
    int64_t d;  /* days since 1970-01-01 */
    int64_t ts; /* microseconds */
    int ok;
} row;

typedef struct fx {
    ast_file *ast;
    report *rep;
    plan *p;
    diag d;
} fx;

/* Loads `text` and compiles its datasets; the caller checks f->d. */
static void fx_compile(fx *f, const char *text)
{
    memset(f, 0, sizeof(*f));
    assert_int_equal(ast_parse(PATH, text, strlen(text), &f->ast, &f->d), 0);
    if (report_load(f->ast, &f->rep, &f->d) != 0) {
        for (size_t k = 0; k < f->d.count; k++)
            print_error("unexpected: %s: %s\n", f->d.items[k].where, f->d.items[k].text);
        fail();
    }
    f->p = calloc(1, sizeof(*f->p));
    assert_non_null(f->p);
    f->p->rep = f->rep;
    f->p->arena = arena_new(0);
    assert_non_null(f->p->arena);
    f->p->schema = schema;
    f->p->nsource = NCOLS;
    f->p->wide = schema;
    f->p->nwide = NCOLS;
    f->p->ngroups = (uint32_t)f->rep->ngroups;
    f->p->locale = fmt_locale_get("en-US");
    plan_check_datasets_and_styles(f->p, &f->d);
}

/* fx_compile that must succeed. */
static void fx_load(fx *f, const char *text)
{
    fx_compile(f, text);
    for (size_t k = 0; k < f->d.count; k++)
        print_error("unexpected: %s: %s\n", f->d.items[k].where, f->d.items[k].text);
    assert_int_equal(f->d.count, 0);
    assert_int_equal(f->p->ndatasets, f->rep->ndatasets);
}

static void fx_free(fx *f)
{
    f->p->schema = NULL;
    f->p->wide = NULL;
    plan_free(f->p);
    report_free(f->rep);
    ast_free(f->ast);
    diag_clear(&f->d);
}

static dataset_acc *acc_new(fx *f, size_t i)
{
    dataset_acc *a = dataset_acc_new(f->p, &f->p->datasets[i]);
    assert_non_null(a);
    return a;
}

#define CHUNK 4096

/* Columns for up to CHUNK rows. */
typedef struct batch_cols {
    quire_column cols[NCOLS];
    int64_t i64[NCOLS][CHUNK];
    double f64[CHUNK];
    quire_str str[2][CHUNK];
    uint8_t nulls[NCOLS][CHUNK];
} batch_cols;

static quire_str str_of(const char *s)
{
    quire_str q = {s ? s : "", s ? strlen(s) : 0};
    return q;
}

static void fill_cols(batch_cols *b, const row *rows, uint32_t n)
{
    for (int c = 0; c < NCOLS; c++) {
        b->cols[c].type = schema[c].type;
        b->cols[c].scale = schema[c].scale;
        b->cols[c].nulls = b->nulls[c];
        b->cols[c].v.i64 = b->i64[c];
    }
    b->cols[C_REGION].v.str = b->str[0];
    b->cols[C_PRODUCT].v.str = b->str[1];
    b->cols[C_PRICE].v.f64 = b->f64;
    memset(b->nulls, 0, sizeof(b->nulls));
    for (uint32_t r = 0; r < n; r++) {
        const row *x = &rows[r];
        b->str[0][r] = str_of(x->region);
        b->nulls[C_REGION][r] = x->region == NULL;
        b->str[1][r] = str_of(x->product);
        b->nulls[C_PRODUCT][r] = x->product == NULL;
        b->i64[C_AMOUNT][r] = x->amount;
        b->nulls[C_AMOUNT][r] = (uint8_t)x->amount_null;
        b->i64[C_QTY][r] = x->qty;
        b->f64[r] = x->price;
        b->i64[C_D][r] = x->d;
        b->i64[C_TS][r] = x->ts;
        b->i64[C_OK][r] = x->ok;
    }
}

/* Adds rows[0..n) in batches of `batch` rows; row r's ordinal is base + r.
 * `stride` 2 selects every other row of each batch (the others are not
 * added), 1 every row. */
static void feed_sel(dataset_acc *a, const row *rows, size_t n, uint32_t batch, int64_t base,
                     uint32_t stride)
{
    batch_cols *b = malloc(sizeof(*b));
    uint32_t *sel = malloc(CHUNK * sizeof(*sel));
    quire_arena *arena = arena_new(0);
    assert_non_null(b);
    assert_non_null(sel);
    assert_non_null(arena);
    for (size_t start = 0; start < n; start += batch) {
        uint32_t m = (uint32_t)(n - start < batch ? n - start : batch), k = 0;
        expr_ctx ctx = {.columns = b->cols, .ncolumns = NCOLS, .arena = arena};
        quire_error err = {0};
        fill_cols(b, rows + start, m);
        for (uint32_t r = 0; r < m; r += stride)
            sel[k++] = r;
        if (dataset_acc_add(a, &ctx, sel, k, base + (int64_t)start, &err) != QUIRE_OK)
            fail_msg("dataset_acc_add: %s", err.msg);
        arena_reset(arena);
    }
    arena_free(arena);
    free(sel);
    free(b);
}

static void feed(dataset_acc *a, const row *rows, size_t n)
{
    feed_sel(a, rows, n, 64, 0, 1);
}

/* Packs and relocates; the caller frees the result. */
static quire_dataset *pack(const dataset_acc *a, const char *locale, size_t *len_out)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    quire_error err = {0};
    if (dataset_acc_pack(a, fmt_locale_get(locale), &buf, &len, &err) != QUIRE_OK)
        fail_msg("dataset_acc_pack: %s", err.msg);
    assert_int_equal(len % 8, 0);
    if (len_out != NULL)
        *len_out = len;
    quire_dataset *ds = dataset_relocate(buf, len);
    assert_non_null(ds);
    assert_ptr_equal(ds, buf);
    assert_int_equal(ds->size, sizeof(quire_dataset));
    return ds;
}

/* The packed bytes, not relocated. */
static uint8_t *pack_bytes(const dataset_acc *a, size_t *len)
{
    uint8_t *buf = NULL;
    quire_error err = {0};
    if (dataset_acc_pack(a, NULL, &buf, len, &err) != QUIRE_OK)
        fail_msg("dataset_acc_pack: %s", err.msg);
    return buf;
}

static void str_is(quire_str s, const char *want)
{
    char got[256];
    size_t n = s.len < sizeof(got) - 1 ? s.len : sizeof(got) - 1;
    assert_non_null(s.ptr);
    memcpy(got, s.ptr, n);
    got[n] = '\0';
    assert_string_equal(got, want);
    assert_int_equal(s.len, strlen(want));
}

/* Both NaN, or equal. */
static void value_is(double got, double want)
{
    if (isnan(want)) {
        if (!isnan(got))
            fail_msg("got %.17g, expected NaN", got);
    } else if (got != want) {
        fail_msg("got %.17g, expected %.17g", got, want);
    }
}

/* ============================== Independent helpers ======================= */

/* "1,234.50" from 123450 cents with the given separators. */
static void money(int64_t cents, const char *group, const char *dec, char *out, size_t cap)
{
    char digits[32];
    char tmp[64];
    size_t n, k = 0;
    uint64_t u = cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;
    snprintf(digits, sizeof(digits), "%llu", (unsigned long long)(u / 100));
    n = strlen(digits);
    if (cents < 0)
        tmp[k++] = '-';
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            for (const char *g = group; *g; g++)
                tmp[k++] = *g;
        tmp[k++] = digits[i];
    }
    tmp[k] = '\0';
    snprintf(out, cap, "%s%s%02llu", tmp, dec, (unsigned long long)(u % 100));
}

/* Days since 1970-01-01, counted year by year then month by month. */
static int64_t days_of(int y, int m, int d)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t days = 0;
    for (int yy = 1970; yy < y; yy++)
        days += (yy % 4 == 0 && (yy % 100 != 0 || yy % 400 == 0)) ? 366 : 365;
    for (int mm = 1; mm < m; mm++)
        days += mdays[mm - 1] + (mm == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)));
    return days + d - 1;
}

static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static const char *const regions[] = {"North", "South", "East", "West", "Central", "Island"};
static const char *const products[] = {"A", "B", "C"};

/* n pseudo-random rows: every region and product, amounts -50.00..999.99,
 * one in `null_every` amounts NULL (0: none). */
static row *gen_rows(size_t n, uint64_t seed, int null_every)
{
    row *rows = calloc(n, sizeof(*rows));
    assert_non_null(rows);
    for (size_t i = 0; i < n; i++) {
        rows[i].region = regions[rng(&seed) % 6];
        rows[i].product = products[rng(&seed) % 3];
        rows[i].amount = (int64_t)(rng(&seed) % 105000) - 5000;
        rows[i].amount_null = null_every > 0 && rng(&seed) % (uint64_t)null_every == 0;
        rows[i].qty = (int64_t)(rng(&seed) % 20);
        rows[i].price = (double)(rng(&seed) % 1000) / 4;
        rows[i].ok = (int)(rng(&seed) % 2);
    }
    return rows;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* ============================== Plan compile ============================== */

static void test_compile_fields_and_scope(void **state)
{
    (void)state;
    fx f;
    fx_load(&f, "group g { by = region }\n"
                "dataset a { category = region; values = [sum(amount), count()] }\n"
                "dataset b { category = d; series = product; values = avg(qty); bucket = month;"
                " reset = group(g); when = qty > 0 }\n"
                "dataset c { category = region; values = median(price); reset = page }\n");
    plan_dataset *a = &f.p->datasets[0], *b = &f.p->datasets[1], *c = &f.p->datasets[2];
    assert_ptr_equal(a->src, &f.rep->datasets[0]);
    assert_non_null(a->category);
    assert_int_equal(expr_column_ref(a->category), C_REGION);
    assert_null(a->series);
    assert_null(a->when);
    assert_non_null(a->args[0]);
    assert_null(a->args[1]); /* count() */
    assert_int_equal(agg_layout_count(a->layout), 2);
    assert_int_equal(agg_layout_spec(a->layout, 0)->calc, CALC_SUM);
    assert_int_equal(agg_layout_spec(a->layout, 0)->in_type, QUIRE_TYPE_DECIMAL);
    assert_int_equal(agg_layout_spec(a->layout, 1)->calc, CALC_COUNT);
    assert_int_equal(a->scope, PLAN_SCOPE_REPORT);
    assert_non_null(b->series);
    assert_non_null(b->when);
    assert_int_equal(expr_type(b->when), QUIRE_TYPE_BOOL);
    assert_int_equal(b->scope, 1);
    assert_int_equal(c->scope, PLAN_SCOPE_PAGE(f.p));
    assert_int_equal(c->scope, 3); /* one group: report 0, group 1, row 2, page 3 */
    assert_true(agg_layout_spec(c->layout, 0)->p == 0.5);
    fx_free(&f);
}

static void test_compile_errors(void **state)
{
    (void)state;
    fx f;
    fx_compile(&f, "dataset a { category = d; values = count(); bucket = month; fill_gaps = true;"
                   " top = 3 }\n"
                   "dataset b { category = d; values = count(); fill_gaps = true }\n"
                   "dataset c { category = region; values = sum(region); bucket = day }\n"
                   "dataset e { category = nope; values = count(); when = qty }\n");
    assert_int_equal(f.d.errors, 6);
    assert_string_equal(f.d.items[0].where, PATH ":1:1");
    assert_string_equal(f.d.items[0].text, "dataset 'a': top and fill_gaps cannot be combined");
    assert_string_equal(f.d.items[1].where, PATH ":2:1");
    assert_string_equal(
        f.d.items[1].text,
        "dataset 'b': fill_gaps needs a bucket (hour, day, week, month, quarter or year)");
    assert_string_equal(f.d.items[2].where, PATH ":3:24");
    assert_string_equal(f.d.items[2].text,
                        "dataset 'c': bucket needs a date or timestamp category, got string");
    assert_string_equal(f.d.items[3].where, PATH ":3:41");
    assert_string_equal(f.d.items[3].text, "dataset 'c': sum needs numbers, got string");
    assert_string_equal(f.d.items[4].where, PATH ":4:24");
    assert_string_equal(f.d.items[4].text, "unknown name 'nope'");
    assert_string_equal(f.d.items[5].where, PATH ":4:55");
    assert_string_equal(f.d.items[5].text, "'when' must be a condition (bool), got int");
    /* Datasets that did not compile have no layout; plan_free copes. */
    assert_null(f.p->datasets[2].layout);
    assert_null(f.p->datasets[3].layout);
    fx_free(&f);
}

/* ============================== Cells, series, sort ======================= */

static void test_sums_per_category_and_series(void **state)
{
    (void)state;
    fx f;
    size_t n = 500;
    row *rows = gen_rows(n, 42, 7);
    fx_load(&f, "dataset ds { category = region; series = product; values = sum(amount) }");
    dataset_acc *a = acc_new(&f, 0);
    feed(a, rows, n);
    quire_dataset *ds = pack(a, "en-US", NULL);

    const char *cats[6];
    memcpy(cats, regions, sizeof(cats));
    qsort(cats, 6, sizeof(cats[0]), cmp_str);
    assert_string_equal(ds->name, "ds");
    assert_int_equal(ds->category_type, QUIRE_TYPE_STRING);
    assert_int_equal(ds->bucket, QUIRE_BUCKET_NONE);
    assert_null(ds->category_values);
    assert_int_equal(ds->has_other, 0);
    assert_int_equal(ds->ncategories, 6);
    assert_int_equal(ds->nseries, 3);
    for (size_t c = 0; c < 6; c++)
        str_is(ds->categories[c], cats[c]);
    for (size_t s = 0; s < 3; s++) {
        str_is(ds->series[s], products[s]);
        for (size_t c = 0; c < 6; c++) {
            int64_t sum = 0, seen = 0;
            char want[64];
            for (size_t i = 0; i < n; i++)
                if (strcmp(rows[i].region, cats[c]) == 0 &&
                    strcmp(rows[i].product, products[s]) == 0 && !rows[i].amount_null) {
                    sum += rows[i].amount;
                    seen = 1;
                }
            assert_true(seen); /* 500 rows cover all 18 cells */
            value_is(ds->values[s * 6 + c], (double)sum / 100.0);
            money(sum, ",", ".", want, sizeof(want));
            str_is(ds->value_text[s * 6 + c], want);
        }
    }
    free(ds);
    dataset_acc_free(a);
    free(rows);
    fx_free(&f);
}

typedef struct ranked {
    const char *name;
    int64_t sum;
} ranked;

static int cmp_ranked_desc(const void *x, const void *y)
{
    const ranked *a = x, *b = y;
    if (a->sum != b->sum)
        return a->sum > b->sum ? -1 : 1;
    return strcmp(a->name, b->name);
}

static void test_top_n_with_other(void **state)
{
    (void)state;
    fx f;
    size_t n = 300;
    row *rows = gen_rows(n, 7, 0);
    fx_load(&f, "dataset t { category = region; values = sum(amount); sort = desc(value);"
                " top = 3; other = \"Other\" }\n"
                "dataset u { category = region; values = sum(amount); sort = value; top = 2 }\n"
                "dataset v { category = region; values = sum(amount); top = 6; other = \"X\" }");
    ranked r[6];
    for (int k = 0; k < 6; k++) {
        r[k].name = regions[k];
        r[k].sum = 0;
        for (size_t i = 0; i < n; i++)
            if (strcmp(rows[i].region, regions[k]) == 0)
                r[k].sum += rows[i].amount;
    }
    qsort(r, 6, sizeof(r[0]), cmp_ranked_desc);

    dataset_acc *a = acc_new(&f, 0);
    feed(a, rows, n);
    quire_dataset *ds = pack(a, NULL, NULL);
    assert_int_equal(ds->ncategories, 4);
    assert_int_equal(ds->nseries, 1);
    assert_int_equal(ds->has_other, 1);
    str_is(ds->series[0], "sum(amount)");
    for (int k = 0; k < 3; k++) {
        str_is(ds->categories[k], r[k].name);
        value_is(ds->values[k], (double)r[k].sum / 100.0);
    }
    str_is(ds->categories[3], "Other");
    value_is(ds->values[3], (double)(r[3].sum + r[4].sum + r[5].sum) / 100.0);
    free(ds);
    dataset_acc_free(a);

    /* Ascending, no other label: the two smallest, the rest dropped. */
    a = acc_new(&f, 1);
    feed(a, rows, n);
    ds = pack(a, NULL, NULL);
    assert_int_equal(ds->ncategories, 2);
    assert_int_equal(ds->has_other, 0);
    str_is(ds->categories[0], r[5].name);
    str_is(ds->categories[1], r[4].name);
    value_is(ds->values[1], (double)r[4].sum / 100.0);
    free(ds);
    dataset_acc_free(a);

    /* top covers every category: nothing is "other". */
    a = acc_new(&f, 2);
    feed(a, rows, n);
    ds = pack(a, NULL, NULL);
    assert_int_equal(ds->ncategories, 6);
    assert_int_equal(ds->has_other, 0);
    free(ds);
    dataset_acc_free(a);
    free(rows);
    fx_free(&f);
}

/* avg ranks by the category's own average, not by the cells'. */
static void test_sort_by_true_aggregate(void **state)
{
    (void)state;
    fx f;
    /* X: A 12, B 12 -> avg 12 (cells add up to 24). Y: A 5, 5, 5, B 20 ->
     * avg 35 / 4 = 8.75 (cells add up to 25). */
    static const row rows[] = {
        {.region = "X", .product = "A", .qty = 12}, {.region = "X", .product = "B", .qty = 12},
        {.region = "Y", .product = "A", .qty = 5},  {.region = "Y", .product = "A", .qty = 5},
        {.region = "Y", .product = "A", .qty = 5},  {.region = "Y", .product = "B", .qty = 20},
    };
    fx_load(&f, "dataset s { category = region; series = product; values = avg(qty);"
                " sort = desc(value); top = 1; other = \"Rest\" }");
    dataset_acc *a = acc_new(&f, 0);
    feed(a, rows, 6);
    quire_dataset *ds = pack(a, NULL, NULL);
    assert_int_equal(ds->ncategories, 2);
    str_is(ds->categories[0], "X");
    str_is(ds->categories[1], "Rest");
    assert_int_equal(ds->nseries, 2);
    value_is(ds->values[0], 12);     /* A, X */
    value_is(ds->values[1], 5);      /* A, Rest (Y) */
    value_is(ds->values[2 + 0], 12); /* B, X */
    value_is(ds->values[2 + 1], 20); /* B, Rest */
    str_is(ds->value_text[1], "5");
    free(ds);
    dataset_acc_free(a);
    fx_free(&f);
}

static void test_several_measures_naming(void **state)
{
    (void)state;
    fx f;
    static const row rows[] = {
        {.region = "N", .product = "B", .amount = 150},
        {.region = "N", .product = "A", .amount = 250},
        {.region = "S", .product = "B", .amount = 1000},
        {.region = "S", .product = "B", .amount = 1, .amount_null = 1},
    };
    fx_load(&f, "dataset m { category = region; series = product;"
                " values = [sum(amount), count()]; labels = [\"Revenue\", \"Orders\"] }\n"
                "dataset n { category = region; values = [sum(amount), count()];"
                " labels = [\"Revenue\", \"Orders\"] }\n");
    dataset_acc *a = acc_new(&f, 0);
    feed(a, rows, 4);
    quire_dataset *ds = pack(a, NULL, NULL);
    assert_int_equal(ds->ncategories, 2);
    assert_int_equal(ds->nseries, 4);
    str_is(ds->series[0], "A \xC2\xB7 Revenue");
    str_is(ds->series[1], "A \xC2\xB7 Orders");
    str_is(ds->series[2], "B \xC2\xB7 Revenue");
    str_is(ds->series[3], "B \xC2\xB7 Orders");
    value_is(ds->values[0 * 2 + 0], 2.5); /* A Revenue, N */
    value_is(ds->values[0 * 2 + 1], NAN); /* A Revenue, S: no row */
    value_is(ds->values[1 * 2 + 0], 1);   /* A Orders, N */
    value_is(ds->values[1 * 2 + 1], NAN); /* A Orders, S: no row */
    str_is(ds->value_text[1 * 2 + 1], "");
    value_is(ds->values[2 * 2 + 0], 1.5); /* B Revenue, N */
    value_is(ds->values[2 * 2 + 1], 10);  /* B Revenue, S (NULL ignored) */
    value_is(ds->values[3 * 2 + 1], 2);   /* B Orders, S: count() counts rows */
    str_is(ds->value_text[2 * 2 + 1], "10.00");
    free(ds);
    dataset_acc_free(a);

    a = acc_new(&f, 1);
    feed(a, rows, 4);
    ds = pack(a, NULL, NULL);
    assert_int_equal(ds->nseries, 2);
    str_is(ds->series[0], "Revenue");
    str_is(ds->series[1], "Orders");
    value_is(ds->values[0], 4.0);
    value_is(ds->values[1], 10.0);
    value_is(ds->values[2], 2);
    value_is(ds->values[3], 2);
    free(ds);
    dataset_acc_free(a);
    fx_free(&f);
}

static void test_null_keys_and_count_semantics(void **state)
{
    (void)state;
    fx f;
    static const row rows[] = {
        {.region = NULL, .product = "A", .amount = 100},
        {.region = "b", .product = NULL, .amount = 200},
        {.region = "a", .product = "A", .amount = 1, .amount_null = 1},
        {.region = "a", .product = NULL, .amount = 300},
    };
    fx_load(&f, "dataset z { category = region; series = product;"
                " values = [count(amount), sum(amount)] }");
    dataset_acc *a = acc_new(&f, 0);
    feed(a, rows, 4);
    quire_dataset *ds = pack(a, NULL, NULL);
    assert_int_equal(ds->ncategories, 3);
    str_is(ds->categories[0], "a");
    str_is(ds->categories[1], "b");
    str_is(ds->categories[2], "(none)");
    assert_int_equal(ds->nseries, 4);
    str_is(ds->series[0], "A \xC2\xB7 count(amount)");
    str_is(ds->series[2], "(none) \xC2\xB7 count(amount)");
    /* A: a has a row whose amount is NULL: count 0, sum NaN; b none. */
    value_is(ds->values[0 * 3 + 0], 0);
    str_is(ds->value_text[0 * 3 + 0], "0");
    value_is(ds->values[1 * 3 + 0], NAN);
    str_is(ds->value_text[1 * 3 + 0], "");
    value_is(ds->values[0 * 3 + 1], NAN);
    value_is(ds->values[0 * 3 + 2], 1);
    value_is(ds->values[1 * 3 + 2], 1.0);
    /* (none) series: a 3.00, b 2.00, NULL region none. */
    value_is(ds->values[3 * 3 + 0], 3.0);
    value_is(ds->values[3 * 3 + 1], 2.0);
    value_is(ds->values[3 * 3 + 2], NAN);
    free(ds);
    dataset_acc_free(a);
    fx_free(&f);
}

/* A dataset without a category expression (the struct allows it): one
 * category named after the dataset. */
static void test_no_category(void **state)
{
    (void)state;
    fx f;
    static const row rows[] = {
        {.product = "A", .qty = 2}, {.product = "B", .qty = 3}, {.product = "A", .qty = 4}};
    fx_load(&f, "dataset whole { category = region; series = product; values = sum(qty) }");
    plan_dataset pd = f.p->datasets[0];
    pd.category = NULL;
    dataset_acc *a = dataset_acc_new(f.p, &pd);
    assert_non_null(a);
    feed(a, rows, 3);
    quire_dataset *ds = pack(a, NULL, NULL);
    assert_int_equal(ds->ncategories, 1);
    str_is(ds->categories[0], "whole");
    assert_int_equal(ds->category_type, QUIRE_TYPE_STRING);
    assert_null(ds->category_values);
    assert_int_equal(ds->nseries, 2);
    value_is(ds->values[0], 6);
    value_is(ds->values[1], 3);
    free(ds);
    dataset_acc_free(a);
    fx_free(&f);
}

/* ============================== Time buckets ============================== */

static void test_fill_gaps_months(void **state)
{
    (void)state;
    fx f;
    row rows[] = {
        {.d = days_of(2024, 6, 15)}, {.d = days_of(2024, 1, 5)}, {.d = days_of(2024, 3, 9)},
        {.d = days_of(2024, 1, 31)}, {.d = days_of(2024, 6, 1)}, {.d = days_of(2024, 6, 30)},
    };
    static const char *const labels[] = {"Jan 2024", "Feb 2024", "Mar 2024",
                                         "Apr 2024", "May 2024", "Jun 2024"};
    const double counts[] = {2, NAN, 1, NAN, NAN, 3};
    fx_load(&f, "dataset g { category = d; values = count(); bucket = month; fill_gaps = true }\n"
                "dataset h { category = d; values = count(); bucket = month; fill_gaps = true;"
                " sort = desc(category) }\n"
                "dataset i { category = d; values = count(); bucket = month; fill_gaps = true;"
                " sort = desc(value) }\n");
    dataset_acc *a = acc_new(&f, 0);
    feed(a, rows, 6);
    quire_dataset *ds = pack(a, NULL, NULL);
    assert_int_equal(ds->category_type, QUIRE_TYPE_DATE);
    assert_int_equal(ds->bucket, QUIRE_BUCKET_MONTH);
    assert_int_equal(ds->ncategories, 6);
    assert_non_null(ds->category_values);
    for (int m = 0; m < 6; m++) {
        str_is(ds->categories[m], labels[m]);
        value_is(ds->category_values[m], (double)days_of(2024, m + 1, 1));
        value_is(ds->values[m], counts[m]);
        str_is(ds->value_text[m], isnan(counts[m]) ? "" : m == 0 ? "2" : m == 2 ? "1" : "3");
    }
    free(ds);
    dataset_acc_free(a);

    a = acc_new(&f, 1);
    feed(a, rows, 6);
    ds = pack(a, NULL, NULL);
    assert_int_equal(ds->ncategories, 6);
    for (int m = 0; m < 6; m++) {
        str_is(ds->categories[m], labels[5 - m]);
        value_is(ds->values[m], counts[5 - m]);
    }
    free(ds);
    dataset_acc_free(a);

    /* By value: Jun (3), Jan (2), Mar (1), then the gaps in time order. */
    a = acc_new(&f, 2);
    feed(a, rows, 6);
    ds = pack(a, NULL, NULL);
    assert_int_equal(ds->ncategories, 6);
    static const char *const by_value[] = {"Jun 2024", "Jan 2024", "Mar 2024",
                                           "Feb 2024", "Apr 2024", "May 2024"};
    for (int m = 0; m < 6; m++)
        str_is(ds->categories[m], by_value[m]);
    free(ds);
    dataset_acc_free(a);
    fx_free(&f);
}

/* Hours from 1970 to 2000: far more buckets than a chart can show. */
static void test_fill_gaps_bound(void **state)
{
    (void)state;
    fx f;
    const int64_t us_per_day = INT64_C(86400000000);
    row rows[] = {{.ts = 0}, {.ts = days_of(2000, 1, 1) * us_per_day}};
    fx_load(&f, "dataset x { category = ts; values = count(); bucket = hour; fill_gaps = true }");
    dataset_acc *a = acc_new(&f, 0);
    feed(a, rows, 2);
    uint8_t *buf = NULL;
    size_t len = 0;
    quire_error err = {0};
    assert_int_equal(dataset_acc_pack(a, NULL, &buf, &len, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "dataset 'x': fill_gaps would make more than 100000 categories");
    assert_null(buf);
    dataset_acc_free(a);
    fx_free(&f);
}

static void test_week_labels_across_year_end(void **state)
{
    (void)state;
    fx f;
    /* 2019-12-30 is the Monday of 2020-W01; 2020-12-28 (Monday) and
     * 2021-01-03 (Sunday) are 2020-W53; 2021-01-04 starts 2021-W01. */
    row rows[] = {{.d = days_of(2020, 12, 28)},
                  {.d = days_of(2021, 1, 3)},
                  {.d = days_of(2021, 1, 4)},
                  {.d = days_of(2019, 12, 30)}};
    fx_load(&f, "dataset w { category = d; values = count(); bucket = week }");
    dataset_acc *a = acc_new(&f, 0);
    feed(a, rows, 4);
    quire_dataset *ds = pack(a, NULL, NULL);
    assert_int_equal(ds->bucket, QUIRE_BUCKET_WEEK);
    assert_int_equal(ds->ncategories, 3);
    str_is(ds->categories[0], "2020-W01");
    str_is(ds->categories[1], "2020-W53");
    str_is(ds->categories[2], "2021-W01");
    value_is(ds->category_values[0], (double)days_of(2019, 12, 30));
    value_is(ds->category_values[1], (double)days_of(2020, 12, 28));
    value_is(ds->category_values[2], (double)days_of(2021, 1, 4));
    value_is(ds->values[0], 1);
    value_is(ds->values[1], 2);
    value_is(ds->values[2], 1);
    free(ds);
    dataset_acc_free(a);
    fx_free(&f);
}

static void test_hour_day_quarter_year_labels(void **state)
{
    (void)state;
    fx f;
    const int64_t day = days_of(2024, 3, 9);
    const int64_t us = INT64_C(1000000);
    const int64_t t15 = (day * 86400 + 15 * 3600) * us;
    row rows[] = {
        {.ts = t15 + (4 * 60 + 5) * us, .d = days_of(2024, 2, 29), .qty = -7, .ok = 1},
        {.ts = t15 + 3599 * us, .d = days_of(2024, 11, 30), .qty = 3, .ok = 0},
        {.ts = t15 + 3600 * us, .d = days_of(2023, 1, 1), .qty = -7, .ok = 1},
    };
    fx_load(&f, "dataset h { category = ts; values = count(); bucket = hour }\n"
                "dataset q { category = d; values = count(); bucket = quarter }\n"
                "dataset y { category = d; values = count(); bucket = year }\n"
                "dataset dd { category = ts; values = count(); bucket = day }\n"
                "dataset n { category = qty; values = count() }\n"
                "dataset b { category = ok; values = count() }\n"
                "dataset dh { category = d; values = count(); bucket = hour }\n");
    dataset_acc *a = acc_new(&f, 0);
    feed(a, rows, 3);
    quire_dataset *ds = pack(a, NULL, NULL);
    assert_int_equal(ds->category_type, QUIRE_TYPE_TIMESTAMP);
    assert_int_equal(ds->ncategories, 2);
    str_is(ds->categories[0], "2024-03-09 15:00");
    str_is(ds->categories[1], "2024-03-09 16:00");
    value_is(ds->category_values[0], (double)(day * 86400 + 15 * 3600));
    value_is(ds->category_values[1], (double)(day * 86400 + 16 * 3600));
    value_is(ds->values[0], 2);
    free(ds);
    dataset_acc_free(a);

    a = acc_new(&f, 1);
    feed(a, rows, 3);
    ds = pack(a, NULL, NULL);
    assert_int_equal(ds->ncategories, 3);
    str_is(ds->categories[0], "2023 Q1");
    str_is(ds->categories[1], "2024 Q1");
    str_is(ds->categories[2], "2024 Q4");
    value_is(ds->category_values[2], (double)days_of(2024, 10, 1));
    free(ds);
    dataset_acc_free(a);

    a = acc_new(&f, 2);
    feed(a, rows, 3);
    ds = pack(a, NULL, NULL);
    assert_int_equal(ds->ncategories, 2);
    str_is(ds->categories[0], "2023");
    str_is(ds->categories[1], "2024");
    value_is(ds->values[1], 2);
    free(ds);
    dataset_acc_free(a);

    a = acc_new(&f, 3);
    feed(a, rows, 3);
    ds = pack(a, NULL, NULL);
    assert_int_equal(ds->ncategories, 1);
    str_is(ds->categories[0], "2024-03-09");
    value_is(ds->category_values[0], (double)(day * 86400));
    free(ds);
    dataset_acc_free(a);

    a = acc_new(&f, 4);
    feed(a, rows, 3);
    ds = pack(a, NULL, NULL);
    assert_int_equal(ds->category_type, QUIRE_TYPE_INT);
    assert_int_equal(ds->ncategories, 2);
    str_is(ds->categories[0], "-7");
    str_is(ds->categories[1], "3");
    value_is(ds->category_values[0], -7);
    value_is(ds->values[0], 2);
    free(ds);
    dataset_acc_free(a);

    a = acc_new(&f, 5);
    feed(a, rows, 3);
    ds = pack(a, NULL, NULL);
    assert_int_equal(ds->category_type, QUIRE_TYPE_BOOL);
    str_is(ds->categories[0], "false");
    str_is(ds->categories[1], "true");
    assert_null(ds->category_values);
    free(ds);
    dataset_acc_free(a);

    /* A date bucketed by hour is its own day's midnight. */
    a = acc_new(&f, 6);
    feed(a, rows, 1);
    ds = pack(a, NULL, NULL);
    str_is(ds->categories[0], "2024-02-29 00:00");
    free(ds);
    dataset_acc_free(a);
    fx_free(&f);
}

/* ============================== Locale ==================================== */

static void test_value_text_locales(void **state)
{
    (void)state;
    fx f;
    static const row rows[] = {
        {.region = "x", .amount = 100000, .qty = 1000000, .price = 2.0},
        {.region = "x", .amount = 23450, .qty = 234567, .price = 3.0},
    };
    fx_load(&f, "dataset l { category = region;"
                " values = [sum(amount), sum(qty), avg(price), max(region)] }");
    dataset_acc *a = acc_new(&f, 0);
    feed(a, rows, 2);
    quire_dataset *ds = pack(a, "de", NULL);
    char want[64];
    money(123450, ".", ",", want, sizeof(want));
    assert_string_equal(want, "1.234,50");
    str_is(ds->value_text[0], want);
    str_is(ds->value_text[1], "1.234.567");
    str_is(ds->value_text[2], "2,5");
    value_is(ds->values[3], NAN); /* a string result has no number */
    str_is(ds->value_text[3], "x");
    free(ds);
    ds = pack(a, "en-US", NULL);
    str_is(ds->value_text[0], "1,234.50");
    str_is(ds->value_text[1], "1,234,567");
    str_is(ds->value_text[2], "2.5");
    free(ds);
    dataset_acc_free(a);

    /* Month names follow the locale (German abbreviates no month of four
     * letters or fewer: "März"). */
    row d[] = {{.d = days_of(2024, 3, 9)}};
    fx_free(&f);
    fx_load(&f, "dataset m { category = d; values = count(); bucket = month }");
    a = acc_new(&f, 0);
    feed(a, d, 1);
    ds = pack(a, "de", NULL);
    str_is(ds->categories[0], "M\xC3\xA4rz 2024");
    free(ds);
    dataset_acc_free(a);
    fx_free(&f);
}

static void test_sum_overflow_is_an_error(void **state)
{
    (void)state;
    fx f;
    static const row rows[] = {{.region = "x", .qty = INT64_MAX},
                               {.region = "x", .qty = INT64_MAX}};
    fx_load(&f, "dataset o { category = region; values = sum(qty) }");
    dataset_acc *a = acc_new(&f, 0);
    feed(a, rows, 2);
    uint8_t *buf = (uint8_t *)1;
    size_t len = 1;
    quire_error err = {0};
    assert_int_equal(dataset_acc_pack(a, NULL, &buf, &len, &err), QUIRE_ERR);
    /* 2 * (2^63 - 1) */
    assert_string_equal(err.msg, "dataset 'o': sum 18446744073709551614 does not fit in 64 bits");
    assert_null(buf);
    assert_int_equal(len, 0);
    dataset_acc_free(a);
    fx_free(&f);
}

/* ============================== Merge, reset, when ======================== */

static const char merge_def[] =
    "dataset p { category = region; series = product;"
    " values = [sum(amount), count(), min(price), first(qty), avg(amount), median(qty)] }";

static void test_merge_equals_one_pass(void **state)
{
    (void)state;
    fx f;
    size_t n = 400, len1, len2;
    row *rows = gen_rows(n, 99, 5);
    fx_load(&f, merge_def);
    dataset_acc *one = acc_new(&f, 0), *p1 = acc_new(&f, 0), *p2 = acc_new(&f, 0);
    feed_sel(one, rows, n, 64, 0, 1);
    feed_sel(p1, rows, 150, 64, 0, 1);
    feed_sel(p2, rows + 150, n - 150, 64, INT64_C(1) << 40, 1);
    quire_error err = {0};
    /* Merge the later partition into a fresh one first: first(qty) must
     * still come from row 0. */
    dataset_acc *m = acc_new(&f, 0);
    assert_int_equal(dataset_acc_merge(m, p2, &err), QUIRE_OK);
    assert_int_equal(dataset_acc_merge(m, p1, &err), QUIRE_OK);
    uint8_t *b1 = pack_bytes(one, &len1), *b2 = pack_bytes(m, &len2);
    assert_int_equal(len1, len2);
    assert_memory_equal(b1, b2, len1);
    quire_dataset *ds = dataset_relocate(b2, len2);
    assert_non_null(ds);
    /* first(qty) of region/product of row 0 is row 0's qty. */
    size_t c = 0, s = 0;
    const char *cats[6];
    memcpy(cats, regions, sizeof(cats));
    qsort(cats, 6, sizeof(cats[0]), cmp_str);
    while (strcmp(cats[c], rows[0].region) != 0)
        c++;
    while (strcmp(products[s], rows[0].product) != 0)
        s++;
    value_is(ds->values[(s * 6 + 3) * 6 + c], (double)rows[0].qty);
    free(b1);
    free(b2);
    dataset_acc_free(one);
    dataset_acc_free(p1);
    dataset_acc_free(p2);
    dataset_acc_free(m);
    free(rows);
    fx_free(&f);
}

static void test_reset_empties(void **state)
{
    (void)state;
    fx f;
    size_t n = 200, len1, len2;
    row *rows = gen_rows(n, 5, 3);
    fx_load(&f, merge_def);
    dataset_acc *a = acc_new(&f, 0), *fresh = acc_new(&f, 0);
    feed(a, rows, 100);
    size_t before = dataset_acc_memory(a);
    dataset_acc_reset(a);
    assert_true(dataset_acc_memory(a) < before);
    quire_dataset *ds = pack(a, NULL, NULL);
    assert_int_equal(ds->ncategories, 0);
    assert_int_equal(ds->nseries, 0);
    assert_null(ds->values);
    free(ds);
    feed(a, rows + 100, 100);
    feed(fresh, rows + 100, 100);
    uint8_t *b1 = pack_bytes(a, &len1), *b2 = pack_bytes(fresh, &len2);
    assert_int_equal(len1, len2);
    assert_memory_equal(b1, b2, len1);
    free(b1);
    free(b2);
    dataset_acc_free(a);
    dataset_acc_free(fresh);
    free(rows);
    fx_free(&f);
}

static void test_when_and_selection(void **state)
{
    (void)state;
    fx f;
    size_t n = 300;
    row *rows = gen_rows(n, 11, 4);
    fx_load(&f, "dataset w { category = region; values = [sum(amount), count()];"
                " when = amount > 100.00 and ok }\n"
                "dataset plain { category = region; values = [sum(amount), count()] }");
    dataset_acc *a = acc_new(&f, 0);
    feed(a, rows, n);
    quire_dataset *ds = pack(a, NULL, NULL);
    const char *cats[6];
    memcpy(cats, regions, sizeof(cats));
    qsort(cats, 6, sizeof(cats[0]), cmp_str);
    assert_int_equal(ds->ncategories, 6);
    for (size_t c = 0; c < 6; c++) {
        int64_t sum = 0, count = 0;
        for (size_t i = 0; i < n; i++)
            if (strcmp(rows[i].region, cats[c]) == 0 && !rows[i].amount_null &&
                rows[i].amount > 10000 && rows[i].ok) {
                sum += rows[i].amount;
                count++;
            }
        str_is(ds->categories[c], cats[c]);
        value_is(ds->values[c], (double)sum / 100.0);
        value_is(ds->values[6 + c], (double)count);
    }
    free(ds);
    dataset_acc_free(a);

    /* A selection skipping rows adds only the selected ones. */
    size_t len1, len2;
    row *even = calloc(n, sizeof(*even));
    size_t ne = 0;
    assert_non_null(even);
    for (size_t i = 0; i < n; i += 2)
        even[ne++] = rows[i];
    dataset_acc *sel = acc_new(&f, 1), *plain = acc_new(&f, 1);
    feed_sel(sel, rows, n, 50, 0, 2); /* batches of 50 rows: every even row */
    feed(plain, even, ne);
    uint8_t *b1 = pack_bytes(sel, &len1), *b2 = pack_bytes(plain, &len2);
    assert_int_equal(len1, len2);
    assert_memory_equal(b1, b2, len1);
    free(b1);
    free(b2);
    dataset_acc_free(sel);
    dataset_acc_free(plain);
    free(even);
    free(rows);
    fx_free(&f);
}

static void test_merge_refuses_other_dataset(void **state)
{
    (void)state;
    fx f;
    fx_load(&f, "dataset a { category = region; values = count() }\n"
                "dataset b { category = region; values = count() }");
    dataset_acc *a = acc_new(&f, 0), *b = acc_new(&f, 1);
    quire_error err = {0};
    assert_int_equal(dataset_acc_merge(a, b, &err), QUIRE_ERR);
    assert_int_equal(err.code, QUIRE_E_INTERNAL);
    assert_string_equal(err.msg, "merging accumulators of datasets 'a' and 'b'");
    dataset_acc_free(a);
    dataset_acc_free(b);
    fx_free(&f);
}

/* ============================== Relocation ================================ */

/* Reads every byte a relocated dataset points to (ASan checks bounds). */
static size_t walk(const quire_dataset *ds)
{
    size_t h = strlen(ds->name ? ds->name : "");
    for (size_t c = 0; c < ds->ncategories; c++) {
        for (size_t i = 0; i < ds->categories[c].len; i++)
            h += (unsigned char)ds->categories[c].ptr[i];
        if (ds->category_values != NULL)
            h += isnan(ds->category_values[c]);
    }
    for (size_t s = 0; s < ds->nseries; s++)
        for (size_t i = 0; i < ds->series[s].len; i++)
            h += (unsigned char)ds->series[s].ptr[i];
    for (size_t v = 0; v < ds->ncategories * ds->nseries; v++) {
        h += isnan(ds->values[v]);
        for (size_t i = 0; i < ds->value_text[v].len; i++)
            h += (unsigned char)ds->value_text[v].ptr[i];
    }
    return h;
}

static uint8_t *packed_sample(fx *f, size_t *len)
{
    static const row rows[] = {
        {.region = "North", .product = "A", .amount = 123450},
        {.region = "South", .product = "B", .amount = 99},
        {.region = "East", .product = "A", .amount = -500},
    };
    fx_load(f, "dataset r { category = region; series = product; values = sum(amount);"
               " sort = desc(value); top = 2; other = \"Other\" }");
    dataset_acc *a = acc_new(f, 0);
    feed(a, rows, 3);
    uint8_t *buf = pack_bytes(a, len);
    dataset_acc_free(a);
    return buf;
}

/* A copy of packed[0..len) with `edit` applied to the header, relocated. */
static quire_dataset *try_header(const uint8_t *packed, size_t len, uint8_t *scratch,
                                 void (*edit)(quire_dataset *ds, size_t len))
{
    memcpy(scratch, packed, len);
    edit((quire_dataset *)(void *)scratch, len);
    return dataset_relocate(scratch, len);
}

#define OFF(v) ((uintptr_t)(v))
static void e_size(quire_dataset *ds, size_t len)
{
    (void)len;
    ds->size--;
}
static void e_cats_out(quire_dataset *ds, size_t len)
{
    ds->categories = (const quire_str *)(uintptr_t)(len - 8);
}
static void e_cats_misaligned(quire_dataset *ds, size_t len)
{
    (void)len;
    ds->categories = (const quire_str *)(uintptr_t)(OFF(ds->categories) + 4);
}
static void e_cats_null(quire_dataset *ds, size_t len)
{
    (void)len;
    ds->categories = NULL;
}
static void e_series_on_cats(quire_dataset *ds, size_t len)
{
    (void)len;
    ds->series = ds->categories;
}
static void e_vt_into_header(quire_dataset *ds, size_t len)
{
    (void)len;
    ds->value_text = (const quire_str *)(uintptr_t)8;
}
static void e_values_out(quire_dataset *ds, size_t len)
{
    ds->values = (const double *)(uintptr_t)len;
}
static void e_cv_out(quire_dataset *ds, size_t len)
{
    ds->category_values = (const double *)(uintptr_t)(len + 8);
}
static void e_ncat_huge(quire_dataset *ds, size_t len)
{
    (void)len;
    ds->ncategories = SIZE_MAX / 2;
}
static void e_nseries_big(quire_dataset *ds, size_t len)
{
    ds->nseries = len / 16;
}
static void e_name_out(quire_dataset *ds, size_t len)
{
    ds->name = (const char *)(uintptr_t)len;
}
static void e_name_unterminated(quire_dataset *ds, size_t len)
{
    memset((uint8_t *)ds + len - 8, 'x', 8);
    ds->name = (const char *)(uintptr_t)(len - 8);
}
static void e_str_len(quire_dataset *ds, size_t len)
{
    quire_str *s = (quire_str *)(void *)((uint8_t *)ds + OFF(ds->categories));
    s[1].len = len;
}
static void e_str_ptr(quire_dataset *ds, size_t len)
{
    quire_str *s = (quire_str *)(void *)((uint8_t *)ds + OFF(ds->series));
    s[0].ptr = (const char *)(uintptr_t)(len + 1);
}
static void e_str_null_with_len(quire_dataset *ds, size_t len)
{
    (void)len;
    quire_str *s = (quire_str *)(void *)((uint8_t *)ds + OFF(ds->value_text));
    s[0].ptr = NULL;
    s[0].len = 1;
}
static void e_has_other(quire_dataset *ds, size_t len)
{
    (void)len;
    ds->has_other = 2;
}
static void e_bucket(quire_dataset *ds, size_t len)
{
    (void)len;
    ds->bucket = 7;
}
static void e_none(quire_dataset *ds, size_t len)
{
    (void)ds;
    (void)len;
}

static void test_relocate_rejects_bad_bytes(void **state)
{
    (void)state;
    fx f;
    size_t len;
    uint8_t *packed = packed_sample(&f, &len);
    uint8_t *scratch = malloc(len + 16);
    assert_non_null(scratch);

    static void (*const bad[])(quire_dataset *, size_t) = {
        e_size,           e_cats_out,       e_cats_misaligned,   e_cats_null,
        e_series_on_cats, e_vt_into_header, e_values_out,        e_cv_out,
        e_ncat_huge,      e_nseries_big,    e_name_out,          e_name_unterminated,
        e_str_len,        e_str_ptr,        e_str_null_with_len, e_has_other,
        e_bucket,
    };
    uint8_t *edited = malloc(len);
    assert_non_null(edited);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (try_header(packed, len, scratch, bad[i]) != NULL)
            fail_msg("edit %zu was accepted", i);
        /* A refused buffer is left as it was. */
        memcpy(edited, packed, len);
        bad[i]((quire_dataset *)(void *)edited, len);
        assert_memory_equal(scratch, edited, len);
    }
    free(edited);
    assert_non_null(try_header(packed, len, scratch, e_none));

    /* Truncated by any multiple of 8, a length that is not one, a
     * misaligned start. */
    for (size_t cut = 8; cut <= len; cut += 8) {
        memcpy(scratch, packed, len);
        assert_null(dataset_relocate(scratch, len - cut));
    }
    memcpy(scratch, packed, len);
    assert_null(dataset_relocate(scratch, len - 1));
    memcpy(scratch + 4, packed, len);
    assert_null(dataset_relocate(scratch + 4, len));
    assert_null(dataset_relocate(NULL, len));

    /* Every byte set to a few values: refused or readable, never a crash. */
    static const uint8_t values[] = {0x00, 0x01, 0x08, 0x7f, 0x80, 0xff};
    size_t accepted = 0;
    for (size_t i = 0; i < len; i++)
        for (size_t v = 0; v < sizeof(values); v++) {
            memcpy(scratch, packed, len);
            scratch[i] = values[v];
            quire_dataset *ds = dataset_relocate(scratch, len);
            if (ds != NULL) {
                walk(ds);
                accepted++;
            }
        }
    assert_true(accepted > 0); /* string bytes and values may change freely */
    free(scratch);
    free(packed);
    fx_free(&f);
}

static void test_relocate_round_trip(void **state)
{
    (void)state;
    fx f;
    size_t len;
    uint8_t *packed = packed_sample(&f, &len);
    uint8_t *a = malloc(len), *b = malloc(len);
    assert_non_null(a);
    assert_non_null(b);
    memcpy(a, packed, len);
    quire_dataset *da = dataset_relocate(a, len);
    assert_non_null(da);
    size_t h = walk(da);
    /* North 1,234.50 and South 0.99 are kept; East goes to Other. */
    assert_int_equal(da->ncategories, 3);
    assert_int_equal(da->has_other, 1);
    str_is(da->categories[0], "North");
    str_is(da->categories[1], "South");
    str_is(da->categories[2], "Other");
    assert_string_equal(da->name, "r");
    str_is(da->value_text[0], "1,234.50");
    str_is(da->value_text[2], "-5.00");
    value_is(da->values[3 + 2], NAN); /* B: East had none */

    dataset_unrelocate(a);
    assert_memory_equal(a, packed, len);
    memcpy(b, a, len);
    quire_dataset *db = dataset_relocate(b, len);
    assert_non_null(db);
    assert_true((const uint8_t *)db->categories[0].ptr >= b &&
                (const uint8_t *)db->categories[0].ptr < b + len);
    assert_int_equal(walk(db), h);
    str_is(db->categories[2], "Other");
    str_is(db->series[1], "B");
    /* And again from the relocated copy. */
    dataset_unrelocate(b);
    assert_memory_equal(b, packed, len);
    free(a);
    free(b);
    free(packed);
    fx_free(&f);
}

/* ============================== Memory bound ============================== */

static void test_million_rows_small_memory(void **state)
{
    (void)state;
    fx f;
    static const char *const cat12[12] = {"c00", "c01", "c02", "c03", "c04", "c05",
                                          "c06", "c07", "c08", "c09", "c10", "c11"};
    static const char *const ser4[4] = {"s0", "s1", "s2", "s3"};
    const size_t total = 1000000;
    row *rows = calloc(CHUNK, sizeof(*rows));
    size_t peak = 0;
    assert_non_null(rows);
    fx_load(&f, "dataset big { category = region; series = product;"
                " values = [sum(amount), count()] }");
    dataset_acc *a = acc_new(&f, 0);
    for (size_t start = 0; start < total; start += CHUNK) {
        size_t n = total - start < CHUNK ? total - start : CHUNK;
        for (size_t r = 0; r < n; r++) {
            size_t i = start + r;
            rows[r] = (row){.region = cat12[i % 12],
                            .product = ser4[(i / 12) % 4],
                            .amount = (int64_t)(i % 1000)};
        }
        feed_sel(a, rows, n, CHUNK, (int64_t)start, 1);
        size_t m = dataset_acc_memory(a);
        if (m > peak)
            peak = m;
    }
    assert_true(peak < 1024 * 1024);
    quire_dataset *ds = pack(a, NULL, NULL);
    assert_int_equal(ds->ncategories, 12);
    assert_int_equal(ds->nseries, 8);
    int64_t sums[12][4] = {{0}}, counts[12][4] = {{0}};
    for (size_t i = 0; i < total; i++) {
        sums[i % 12][(i / 12) % 4] += (int64_t)(i % 1000);
        counts[i % 12][(i / 12) % 4]++;
    }
    for (size_t c = 0; c < 12; c++)
        for (size_t s = 0; s < 4; s++) {
            value_is(ds->values[(s * 2) * 12 + c], (double)sums[c][s] / 100.0);
            value_is(ds->values[(s * 2 + 1) * 12 + c], (double)counts[c][s]);
        }
    free(ds);
    dataset_acc_free(a);
    free(rows);
    fx_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compile_fields_and_scope),
        cmocka_unit_test(test_compile_errors),
        cmocka_unit_test(test_sums_per_category_and_series),
        cmocka_unit_test(test_top_n_with_other),
        cmocka_unit_test(test_sort_by_true_aggregate),
        cmocka_unit_test(test_several_measures_naming),
        cmocka_unit_test(test_null_keys_and_count_semantics),
        cmocka_unit_test(test_no_category),
        cmocka_unit_test(test_fill_gaps_months),
        cmocka_unit_test(test_fill_gaps_bound),
        cmocka_unit_test(test_week_labels_across_year_end),
        cmocka_unit_test(test_hour_day_quarter_year_labels),
        cmocka_unit_test(test_value_text_locales),
        cmocka_unit_test(test_sum_overflow_is_an_error),
        cmocka_unit_test(test_merge_equals_one_pass),
        cmocka_unit_test(test_reset_empties),
        cmocka_unit_test(test_when_and_selection),
        cmocka_unit_test(test_merge_refuses_other_dataset),
        cmocka_unit_test(test_relocate_rejects_bad_bytes),
        cmocka_unit_test(test_relocate_round_trip),
        cmocka_unit_test(test_million_rows_small_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
