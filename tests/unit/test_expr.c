/*
 * test_expr.c - the expression engine (kernel/expr_*.c): expressions parsed
 * from text (ast_parse_expr), compiled against a fixed schema and evaluated
 * over a small batch. Covers typing and exact decimal results, SQL NULL
 * semantics, every function (with UTF-8 and edge cases), compile errors
 * with their exact messages and positions, runtime errors, batch and
 * filter evaluation against row evaluation, and the reference queries.
 * Expected values are worked out by hand (dates with Python's datetime).
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

#include "ast.h"
#include "diag.h"
#include "expr.h"

#define PATH  "t.quire"
#define NROWS 9

/* ============================== Fixture =================================== */

/*
 * The schema: columns, then parameters and a variable.
 *
 * row amount     region    qty                  price  d           ts                   ok    name
 * x y 0  12.50      Africa    3                    1.5    2024-01-05  2024-03-09T15:04:05.123456Z
 * true "Zoë"  T T 1  -0.05      Europe    0                    0.1    2024-01-31
 * 2024-01-31T10:00:00Z false "élan"  T F 2  NULL       Asia      NULL                 NULL   NULL
 * NULL                 NULL  NULL     T N 3  100.00     Africa    -7                   -2.5
 * 2009-12-31  1969-12-31T23:59:59Z true "  pad  " F T 4  99.99      NULL      9223372036854775807
 * 1e300  1969-12-31  2024-01-31T00:00:00Z false ""      F F 5  0.00       africa    2 0 2020-12-31
 * 2024-01-31T12:00:00Z true "ÄÖÜ"    F N 6  1000000.00 Europe    10                   3 2021-01-03
 * 2024-03-09T15:04:05.123456Z true "x" N T 7  0.01       Asia      1                    2
 * 2024-12-30  2024-01-31T10:00:00Z true "y"    N F 8  5.55       Africa    4                    4
 * 1969-12-31  2024-01-31T10:00:00Z false "z"   N N
 */
enum { C_AMOUNT, C_REGION, C_QTY, C_PRICE, C_D, C_TS, C_OK, C_NAME, C_X, C_Y, NCOLS };

typedef struct schema_name {
    const char *name;
    expr_ref ref;
} schema_name;

static const schema_name names[] = {
    {"amount", {EXPR_REF_COLUMN, C_AMOUNT, QUIRE_TYPE_DECIMAL, 2}},
    {"region", {EXPR_REF_COLUMN, C_REGION, QUIRE_TYPE_STRING, 0}},
    {"qty", {EXPR_REF_COLUMN, C_QTY, QUIRE_TYPE_INT, 0}},
    {"price", {EXPR_REF_COLUMN, C_PRICE, QUIRE_TYPE_FLOAT, 0}},
    {"d", {EXPR_REF_COLUMN, C_D, QUIRE_TYPE_DATE, 0}},
    {"ts", {EXPR_REF_COLUMN, C_TS, QUIRE_TYPE_TIMESTAMP, 0}},
    {"ok", {EXPR_REF_COLUMN, C_OK, QUIRE_TYPE_BOOL, 0}},
    {"name", {EXPR_REF_COLUMN, C_NAME, QUIRE_TYPE_STRING, 0}},
    {"x", {EXPR_REF_COLUMN, C_X, QUIRE_TYPE_BOOL, 0}},
    {"y", {EXPR_REF_COLUMN, C_Y, QUIRE_TYPE_BOOL, 0}},
    {"min_amount", {EXPR_REF_PARAM, 0, QUIRE_TYPE_DECIMAL, 2}},
    {"p_int", {EXPR_REF_PARAM, 1, QUIRE_TYPE_INT, 0}},
    {"p_str", {EXPR_REF_PARAM, 2, QUIRE_TYPE_STRING, 0}},
    {"total", {EXPR_REF_VARIABLE, 0, QUIRE_TYPE_DECIMAL, 2}},
};

static int resolve(void *ctx, const char *name, expr_ref *out)
{
    (void)ctx;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(names[i].name, name) == 0) {
            *out = names[i].ref;
            return 0;
        }
    }
    return -1;
}

#define N 2 /* marks NULL in the int tables below */

static const int64_t amount_v[NROWS] = {1250, -5, 0, 10000, 9999, 0, 100000000, 1, 555};
static const uint8_t amount_n[NROWS] = {0, 0, 1, 0, 0, 0, 0, 0, 0};
static const char *const region_v[NROWS] = {"Africa", "Europe", "Asia", "Africa", NULL,
                                            "africa", "Europe", "Asia", "Africa"};
static const int64_t qty_v[NROWS] = {3, 0, 0, -7, INT64_MAX, 2, 10, 1, 4};
static const uint8_t qty_n[NROWS] = {0, 0, 1, 0, 0, 0, 0, 0, 0};
static const double price_v[NROWS] = {1.5, 0.1, 0, -2.5, 1e300, 0, 3, 2, 4};
static const int64_t d_v[NROWS] = {19727, 19753, 0, 14609, -1, 18627, 18630, 20087, -1};
static const int64_t ts_v[NROWS] = {
    INT64_C(1709996645123456), INT64_C(1706695200000000), 0,
    INT64_C(-1000000),         INT64_C(1706659200000000), INT64_C(1706702400000000),
    INT64_C(1709996645123456), INT64_C(1706695200000000), INT64_C(1706695200000000)};
static const int ok_v[NROWS] = {1, 0, N, 1, 0, 1, 1, 1, 0};
static const char *const name_v[NROWS] = {
    "Zo\xC3\xAB", "\xC3\xA9lan", NULL, "  pad  ", "", "\xC3\x84\xC3\x96\xC3\x9C", "x", "y", "z"};
static const int x_v[NROWS] = {1, 1, 1, 0, 0, 0, N, N, N};
static const int y_v[NROWS] = {1, 0, N, 1, 0, N, 1, 0, N};

typedef struct fixture {
    quire_arena *arena;
    quire_column cols[NCOLS];
    int64_t i64[NCOLS][NROWS];
    double f64[NROWS];
    quire_str str[NCOLS][NROWS];
    uint8_t nulls[NCOLS][NROWS];
    qv params[3];
    qv vars[1];
    expr_ctx ctx;
} fixture;

static void int_column(fixture *f, int c, uint32_t type, int32_t scale, const int64_t *v,
                       const uint8_t *nulls)
{
    f->cols[c].type = type;
    f->cols[c].scale = scale;
    f->cols[c].v.i64 = f->i64[c];
    f->cols[c].nulls = f->nulls[c];
    for (int r = 0; r < NROWS; r++) {
        f->nulls[c][r] = nulls ? nulls[r] : 0;
        /* NULL slots hold junk, as a source may leave them */
        f->i64[c][r] = f->nulls[c][r] ? INT64_C(-123456789) : v[r];
    }
}

static void tri_column(fixture *f, int c, uint32_t type, const int *v)
{
    int64_t vals[NROWS];
    uint8_t nulls[NROWS];

    for (int r = 0; r < NROWS; r++) {
        vals[r] = v[r] == N ? 0 : v[r];
        nulls[r] = v[r] == N;
    }
    int_column(f, c, type, 0, vals, nulls);
}

static void str_column(fixture *f, int c, const char *const *v)
{
    f->cols[c].type = QUIRE_TYPE_STRING;
    f->cols[c].v.str = f->str[c];
    f->cols[c].nulls = f->nulls[c];
    for (int r = 0; r < NROWS; r++) {
        f->nulls[c][r] = v[r] == NULL;
        f->str[c][r] = v[r] ? (quire_str){v[r], strlen(v[r])} : (quire_str){(const char *)8, 99};
    }
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    uint8_t date_n[NROWS] = {0, 0, 1, 0, 0, 0, 0, 0, 0};

    if (f == NULL)
        return -1;
    f->arena = arena_new(0);
    int_column(f, C_AMOUNT, QUIRE_TYPE_DECIMAL, 2, amount_v, amount_n);
    str_column(f, C_REGION, region_v);
    int_column(f, C_QTY, QUIRE_TYPE_INT, 0, qty_v, qty_n);
    f->cols[C_PRICE].type = QUIRE_TYPE_FLOAT;
    f->cols[C_PRICE].v.f64 = f->f64;
    f->cols[C_PRICE].nulls = f->nulls[C_PRICE];
    for (int r = 0; r < NROWS; r++) {
        f->f64[r] = price_v[r];
        f->nulls[C_PRICE][r] = r == 2;
    }
    int_column(f, C_D, QUIRE_TYPE_DATE, 0, d_v, date_n);
    int_column(f, C_TS, QUIRE_TYPE_TIMESTAMP, 0, ts_v, date_n);
    tri_column(f, C_OK, QUIRE_TYPE_BOOL, ok_v);
    str_column(f, C_NAME, name_v);
    tri_column(f, C_X, QUIRE_TYPE_BOOL, x_v);
    tri_column(f, C_Y, QUIRE_TYPE_BOOL, y_v);
    f->params[0] = qv_decimal(1000, 2);
    f->params[1] = qv_int(5);
    f->params[2] = qv_string("Africa", 6);
    f->vars[0] = qv_decimal(12345, 2);
    f->ctx.columns = f->cols;
    f->ctx.ncolumns = NCOLS;
    f->ctx.params = f->params;
    f->ctx.vars = f->vars;
    f->ctx.page = 3;
    f->ctx.page_count = 12;
    f->ctx.now_us = INT64_C(1709996645123456);
    f->ctx.arena = f->arena;
    *state = f;
    return f->arena ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    arena_free(f->arena);
    free(f);
    return 0;
}

/* ============================== Helpers =================================== */

static void print_diag(const diag *d)
{
    for (size_t i = 0; i < d->count; i++)
        print_error("  %s: %s\n", d->items[i].where ? d->items[i].where : "", d->items[i].text);
}

static expr *compile_page(fixture *f, const char *text, int allow_page, diag *d)
{
    expr_env env = {PATH, text, strlen(text), resolve, NULL, allow_page};
    ast_expr *a = ast_parse_expr(PATH, text, strlen(text), f->arena, d);

    if (a == NULL) {
        print_diag(d);
        fail_msg("'%s' does not parse", text);
    }
    return expr_compile(a, &env, f->arena, d);
}

/* Compiles text that must be accepted. */
static expr *cc(fixture *f, const char *text)
{
    diag d = {0};
    expr *e = compile_page(f, text, 1, &d);

    if (e == NULL || d.count != 0) {
        print_diag(&d);
        fail_msg("'%s' refused", text);
    }
    diag_clear(&d);
    return e;
}

/* The canonical text of a value, "NULL" for NULL, in the arena. */
static const char *show(fixture *f, const qv *v)
{
    size_t n;
    char *buf;

    if (v->null)
        return "NULL";
    n = fmt_value(v, NULL, NULL, NULL, 0);
    buf = arena_alloc(f->arena, n + 1);
    fmt_value(v, NULL, NULL, buf, n + 1);
    return buf;
}

/* The value of text at `row`, as text. */
static const char *ev(fixture *f, const char *text, uint32_t row)
{
    expr *e = cc(f, text);
    quire_error err = {0};
    qv v;

    if (expr_eval(e, &f->ctx, row, &v, &err) != QUIRE_OK)
        fail_msg("'%s' row %u: %s", text, row, err.msg);
    assert_int_equal(v.type, expr_type(e));
    if (v.type == QUIRE_TYPE_DECIMAL)
        assert_int_equal(v.scale, expr_scale(e));
    return show(f, &v);
}

#define EV(text, row, expected) assert_string_equal(ev(f, text, row), expected)
#define K(text, expected)       EV(text, 0, expected)

/* The runtime error of text at `row`. */
static const char *ev_err(fixture *f, const char *text, uint32_t row)
{
    expr *e = cc(f, text);
    quire_error err = {0};
    char *msg;
    qv v;

    if (expr_eval(e, &f->ctx, row, &v, &err) == QUIRE_OK)
        fail_msg("'%s' row %u gave %s", text, row, show(f, &v));
    msg = arena_strndup(f->arena, err.msg, strlen(err.msg));
    return msg;
}

/* Values of text over every row, "|"-separated. */
static const char *column_of(fixture *f, const char *text)
{
    char *buf = arena_alloc(f->arena, 1024);

    buf[0] = '\0';
    for (uint32_t r = 0; r < NROWS; r++) {
        if (r > 0)
            strcat(buf, "|");
        strcat(buf, ev(f, text, r));
    }
    return buf;
}

#define COL(text, expected) assert_string_equal(column_of(f, text), expected)

/* text must be refused with exactly these "LINE:COL: message" errors. */
static void errors_are(fixture *f, const char *text, int allow_page, const char *const *expected)
{
    diag d = {0};
    size_t n = 0;
    char got[600];

    if (compile_page(f, text, allow_page, &d) != NULL)
        fail_msg("'%s' accepted", text);
    while (expected[n] != NULL)
        n++;
    for (size_t i = 0; i < d.count && i < n; i++) {
        const char *where = d.items[i].where ? d.items[i].where : "";
        snprintf(got, sizeof(got), "%s: %s", strncmp(where, PATH ":", 8) == 0 ? where + 8 : where,
                 d.items[i].text);
        if (strcmp(got, expected[i]) != 0)
            fail_msg("'%s' error %zu:\n  got      %s\n  expected %s", text, i, got, expected[i]);
    }
    if (d.count != n) {
        print_diag(&d);
        fail_msg("'%s': %zu errors, expected %zu", text, d.count, n);
    }
    diag_clear(&d);
}

#define ERR(text, ...)        errors_are(f, text, 1, (const char *const[]){__VA_ARGS__, NULL})
#define ERR_NOPAGE(text, ...) errors_are(f, text, 0, (const char *const[]){__VA_ARGS__, NULL})

/* ============================== Literals and arithmetic =================== */

static void test_arithmetic(void **state)
{
    fixture *f = *state;

    K("1 + 2", "3");
    K("0.1 + 0.2", "0.3");
    K("0.1 + 0.2 = 0.3", "true");
    K("1 / 3", "0.333333");
    K("2 / 3", "0.666667");
    K("7 / 2", "3.500000");
    K("10.00 / 3", "3.33333333");
    K("1 / 0", "NULL");
    K("1.5 / 0.0", "NULL");
    K("7 % 3", "1");
    K("-7 % 3", "-1");
    K("7 % 0", "NULL");
    K("5.5 % 2", "1.5");
    K("1.5 * 1.5", "2.25");
    K("2 * 0.5", "1.0");
    K("1 + 1.5", "2.5");
    K("1 - 1.50", "-0.50");
    K("1 + 1.5e0", "2.5");
    K("1.5e0 / 0", "NULL");
    K("-(2.50)", "-2.50");
    K("0.000000001 * 0.0000000005", "0.000000000000000001");
    K("\"a\" || 1", "a1");
    K("1.50 || \"x\" || true", "1.50xtrue");
    K("@2024-01-31 || \"\"", "2024-01-31");
    K("null || \"a\"", "NULL");
    K("@2024-01-31 - @2024-01-05", "26");
    K("@2024-01-31 + 1", "2024-02-01");
    K("1 + @2024-02-28", "2024-02-29");
    K("@2024-01-31 - 31", "2023-12-31");
    K("@2024-01-31T10:00:00Z - @2024-01-31T00:00:00Z", "36000");
    K("@2024-01-31T00:00:00Z - @2024-01-31T00:00:01.5Z", "-1");
    K("@2024-01-31T10:00:00Z + 60", "2024-01-31T10:01:00Z");
    K("@2024-01-31T10:00:00Z - 36000", "2024-01-31T00:00:00Z");
    K("@2024-02-01 - @2024-01-31T12:00:00Z", "43200");
    K("@2024-01-31 < @2024-01-31T10:00:00Z", "true");
    K("@2024-01-31 = @2024-01-31T00:00:00Z", "true");
    /* columns: row 0 has amount 12.50, qty 3, price 1.5 */
    K("amount * 2", "25.00");
    K("amount * 1.5", "18.750");
    K("amount / qty", "4.16666667");
    K("qty / 2", "1.500000");
    K("price + 1", "2.5");
    K("amount + price", "14");
    K("qty + amount", "15.50");
    K("amount - amount", "0.00");
    K("amount % 5", "2.50");
    K("-qty", "-3");
    EV("qty % qty", 1, "NULL"); /* 0 % 0 */
    EV("amount / qty", 1, "NULL");
    EV("amount + 1", 2, "NULL");
    EV("price / 0", 0, "NULL");
    EV("d + 1", 2, "NULL");
}

static void test_types(void **state)
{
    fixture *f = *state;
    static const struct {
        const char *text;
        uint32_t type;
        int32_t scale;
    } cases[] = {
        {"1 / 3", QUIRE_TYPE_DECIMAL, 6},
        {"amount * 2", QUIRE_TYPE_DECIMAL, 2},
        {"amount * 1.5", QUIRE_TYPE_DECIMAL, 3},
        {"amount / qty", QUIRE_TYPE_DECIMAL, 8},
        {"amount / 0.001", QUIRE_TYPE_DECIMAL, 9},
        {"qty / 2", QUIRE_TYPE_DECIMAL, 6},
        {"qty * 2", QUIRE_TYPE_INT, 0},
        {"qty % 2", QUIRE_TYPE_INT, 0},
        {"amount + 0.001", QUIRE_TYPE_DECIMAL, 3},
        {"price + 1", QUIRE_TYPE_FLOAT, 0},
        {"amount + price", QUIRE_TYPE_FLOAT, 0},
        {"d - d", QUIRE_TYPE_INT, 0},
        {"d + 1", QUIRE_TYPE_DATE, 0},
        {"ts - ts", QUIRE_TYPE_INT, 0},
        {"ts - d", QUIRE_TYPE_INT, 0},
        {"ts + 1", QUIRE_TYPE_TIMESTAMP, 0},
        {"region || qty", QUIRE_TYPE_STRING, 0},
        {"amount > 1", QUIRE_TYPE_BOOL, 0},
        {"null", QUIRE_TYPE_STRING, 0},
        {"null + 1", QUIRE_TYPE_INT, 0},
        {"coalesce(null, 1)", QUIRE_TYPE_INT, 0},
        {"coalesce(amount, 0)", QUIRE_TYPE_DECIMAL, 2},
        {"coalesce(qty, 0.5)", QUIRE_TYPE_DECIMAL, 1},
        {"if(ok, null, amount)", QUIRE_TYPE_DECIMAL, 2},
        {"if(ok, qty, price)", QUIRE_TYPE_FLOAT, 0},
        {"case(ok, d, ts)", QUIRE_TYPE_TIMESTAMP, 0},
        {"round(amount, 1)", QUIRE_TYPE_DECIMAL, 1},
        {"round(amount, 5)", QUIRE_TYPE_DECIMAL, 2},
        {"round(amount, -1)", QUIRE_TYPE_DECIMAL, 0},
        {"round(qty)", QUIRE_TYPE_INT, 0},
        {"floor(amount)", QUIRE_TYPE_DECIMAL, 0},
        {"abs(amount)", QUIRE_TYPE_DECIMAL, 2},
        {"least(qty, amount, 1.125)", QUIRE_TYPE_DECIMAL, 3},
        {"date_trunc(month, ts)", QUIRE_TYPE_TIMESTAMP, 0},
        {"length(name)", QUIRE_TYPE_INT, 0},
        {"format(amount, \"0\")", QUIRE_TYPE_STRING, 0},
        {"now()", QUIRE_TYPE_TIMESTAMP, 0},
        {"today()", QUIRE_TYPE_DATE, 0},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        expr *e = cc(f, cases[i].text);
        if (expr_type(e) != cases[i].type || expr_scale(e) != cases[i].scale)
            fail_msg("'%s' has type %s(%d), expected %s(%d)", cases[i].text,
                     expr_type_name(expr_type(e)), expr_scale(e), expr_type_name(cases[i].type),
                     cases[i].scale);
    }
}

/* ============================== NULL semantics ============================ */

static void test_three_valued_logic(void **state)
{
    fixture *f = *state;

    /* rows: x = T T T F F F N N N, y = T F N T F N T F N */
    COL("x and y", "true|false|NULL|false|false|false|NULL|false|NULL");
    COL("x or y", "true|true|true|true|false|NULL|true|NULL|NULL");
    COL("not x", "false|false|false|true|true|true|NULL|NULL|NULL");
    COL("x = y", "true|false|NULL|false|true|NULL|NULL|NULL|NULL");
    COL("x is null", "false|false|false|false|false|false|true|true|true");
    COL("y is not null", "true|true|false|true|true|false|true|true|false");
    K("true and null", "NULL");
    K("false and null", "false");
    K("true or null", "true");
    K("false or null", "NULL");
    K("not null", "NULL");
    K("null = null", "NULL");
    K("null is null", "true");
    K("1 is not null", "true");
    COL("amount = null", "NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL");
    COL("amount > 10", "true|false|NULL|true|true|false|true|false|false");
    /* the right side of and/or is not evaluated when the left decides:
     * row 4 has qty = INT64_MAX */
    EV("qty < 100 and qty + 1 > 0", 4, "false");
    EV("qty > 100 or qty + 1 > 0", 4, "true");
    EV("if(qty > 100, 0, qty + 1)", 4, "0");
    EV("case(qty > 100, 0, qty + 1)", 4, "0");
    EV("coalesce(qty, qty + 1)", 4, "9223372036854775807");
}

static void test_in(void **state)
{
    fixture *f = *state;

    COL("region in [\"Africa\", \"Asia\"]", "true|false|true|true|NULL|false|false|true|true");
    COL("region not in [\"Africa\"]", "false|true|true|false|NULL|true|true|true|false");
    COL("region in [\"Africa\", null]", "true|NULL|NULL|true|NULL|NULL|NULL|NULL|true");
    COL("region not in [\"Africa\", null]", "false|NULL|NULL|false|NULL|NULL|NULL|NULL|false");
    COL("qty in [1, 2, 3]", "true|false|NULL|false|false|true|false|true|false");
    COL("amount in [12.5, 100]", "true|false|NULL|true|false|false|false|false|false");
    COL("price in [1.5, 3]", "true|false|NULL|false|false|false|true|false|false");
    COL("d in [@2024-01-05, @1969-12-31T00:00:00Z]",
        "true|false|NULL|false|true|false|false|false|true");
    COL("region in [p_str, name]", "true|false|NULL|true|NULL|false|false|false|true");
    K("1 in [1, 2]", "true");
    K("3 in [1, null]", "NULL");
    K("null in [1]", "NULL");
    K("1 in []", "false");
    COL("qty in [10, 9, 8, 7, 6, 5, 4, 3, 2, 1, -7]",
        "true|false|NULL|true|false|true|true|true|true");
    COL("qty not in [10, 9, 8, 7, 6, 5, 4, 3, 2, 1, null]",
        "false|NULL|NULL|NULL|NULL|false|false|false|false");
}

/* ============================== Functions ================================= */

static void test_string_functions(void **state)
{
    fixture *f = *state;

    K("upper(\"Zo\xC3\xAB\")", "ZO\xC3\x8B");
    K("lower(\"\xC3\x84\xC3\x96\xC3\x9C\")", "\xC3\xA4\xC3\xB6\xC3\xBC");
    K("upper(\"stra\xC3\x9F"
      "e\")",
      "STRA\xC3\x9F"
      "E");                               /* ß has no one-letter capital */
    K("lower(\"\xC4\xB0I\")", "ii");      /* İI */
    K("upper(\"\xC4\xB1i\")", "II");      /* ıi */
    K("upper(\"\xC3\xBF\")", "\xC5\xB8"); /* ÿ -> Ÿ */
    K("lower(\"\xC5\xB8\")", "\xC3\xBF");
    K("upper(\"\xC5\x82\xC3\xB3\xC5\xBC\")", "\xC5\x81\xC3\x93\xC5\xBB"); /* łóż */
    K("upper(\"\xCE\xB1\xCE\xB2\xCF\x82\")", "\xCE\x91\xCE\x92\xCE\xA3"); /* αβς */
    K("lower(\"\xD0\x9F\xD0\xA0\xD0\x98\")", "\xD0\xBF\xD1\x80\xD0\xB8"); /* ПРИ */
    K("upper(\"a\\u{1F600}b\")", "A\xF0\x9F\x98\x80"
                                 "B");
    K("upper(\"\")", "");
    EV("upper(region)", 4, "NULL");
    EV("trim(name)", 3, "pad");
    EV("ltrim(name)", 3, "pad  ");
    EV("rtrim(name)", 3, "  pad");
    K("trim(\" \\t\\n \")", "");
    K("substr(\"h\xC3\xA9llo\", 2, 3)", "\xC3\xA9ll");
    K("substr(\"h\xC3\xA9llo\", 2)", "\xC3\xA9llo");
    K("substr(\"abc\", 0, 2)", "a");
    K("substr(\"abc\", -5, 10)", "abc");
    K("substr(\"abc\", 5)", "");
    K("substr(\"abc\", 2, -1)", "");
    K("substr(\"abc\", 1, 0)", "");
    K("substr(\"abc\", 2, 9223372036854775807)", "bc");
    K("substr(\"abc\", -9223372036854775807, 9223372036854775807)", "");
    K("length(\"h\xC3\xA9llo\")", "5");
    K("length(\"\")", "0");
    K("length(\"\\u{1F600}\")", "1");
    EV("length(name)", 5, "3");
    K("replace(\"banana\", \"an\", \"AN\")", "bANANa");
    K("replace(\"aaa\", \"aa\", \"b\")", "ba");
    K("replace(\"abc\", \"\", \"x\")", "abc");
    K("replace(\"h\xC3\xA9llo\", \"\xC3\xA9\", \"e\")", "hello");
    K("replace(\"abc\", \"b\", \"\")", "ac");
    K("replace(\"abc\", \"x\", \"y\")", "abc");
    K("contains(\"banana\", \"nan\")", "true");
    K("contains(\"banana\", \"nab\")", "false");
    K("contains(\"banana\", \"\")", "true");
    K("starts_with(\"banana\", \"ban\")", "true");
    K("starts_with(\"ba\", \"ban\")", "false");
    K("ends_with(\"banana\", \"na\")", "true");
    K("ends_with(\"a\", \"na\")", "false");
    EV("contains(region, \"ric\")", 0, "true");
    EV("starts_with(region, \"A\")", 5, "false");
}

static void test_invalid_utf8(void **state)
{
    fixture *f = *state;
    expr *e = cc(f, "upper(p_str) || \"|\" || length(p_str) || \"|\" || substr(p_str, 2, 2)");
    quire_error err = {0};
    qv saved = f->params[2], v;

    /* a stray byte counts as one character and is kept */
    f->params[2] = qv_string("a\xFF"
                             "b\xC3",
                             4);
    assert_int_equal(expr_eval(e, &f->ctx, 0, &v, &err), QUIRE_OK);
    f->params[2] = saved;
    assert_int_equal(v.u.s.len, strlen("A\xFF"
                                       "B\xC3|4|\xFF"
                                       "b"));
    assert_memory_equal(v.u.s.ptr,
                        "A\xFF"
                        "B\xC3|4|\xFF"
                        "b",
                        v.u.s.len);
}

static void test_math_functions(void **state)
{
    fixture *f = *state;

    K("round(2.675, 2)", "2.68");
    K("round(-2.5)", "-3");
    K("round(2.4)", "2");
    K("round(1249.5, -2)", "1200");
    K("round(1250, -2)", "1300");
    K("round(12.345, 5)", "12.345");
    K("round(2.5e0)", "3");
    K("round(-2.5e0)", "-3");
    K("round(1.25e0, 1)", "1.3");
    EV("round(amount, 1)", 8, "5.6");
    EV("round(amount, -1)", 0, "10");
    EV("round(qty, -1)", 3, "-10");
    K("floor(-1.5)", "-2");
    K("ceil(-1.5)", "-1");
    K("floor(1.5)", "1");
    K("ceil(1.01)", "2");
    K("floor(2.5e0)", "2");
    K("ceil(7)", "7");
    K("abs(-0.05)", "0.05");
    K("abs(-3)", "3");
    K("abs(-2.5e0)", "2.5");
    K("least(3, 1.5, 2)", "1.5");
    K("greatest(3, 1.5, 2)", "3.0");
    K("greatest(\"b\", \"a\", \"ab\")", "b");
    K("least(null, 2)", "2");
    K("greatest(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0)", "10");
    COL("least(qty, 9, 8, 7, 6, 5, 4, 3, 2, 1)", "1|0|1|-7|1|1|1|1|1");
    K("least(null, null)", "NULL");
    K("greatest(@2024-01-05, @2024-01-31T10:00:00Z)", "2024-01-31T10:00:00Z");
    EV("least(amount, 20)", 0, "12.50");
    EV("least(amount, 20)", 2, "20.00");
}

static void test_choice_functions(void **state)
{
    fixture *f = *state;

    K("coalesce(null, 1)", "1");
    K("coalesce(null, null)", "NULL");
    COL("coalesce(amount, 0)", "12.50|-0.05|0.00|100.00|99.99|0.00|1000000.00|0.01|5.55");
    EV("coalesce(region, name, \"?\")", 4, "");
    EV("coalesce(region, name, \"?\")", 2, "Asia");
    COL("if(amount > 50, \"big\", \"small\")", "small|small|small|big|big|small|big|small|small");
    K("if(null, 1, 2)", "2");
    COL("case(qty > 5, \"many\", qty > 0, \"some\", \"none\")",
        "some|none|none|none|many|some|many|some|some");
    COL("case(qty > 5, \"many\")", "NULL|NULL|NULL|NULL|many|NULL|many|NULL|NULL");
    K("case(false, 1)", "NULL");
}

static void test_date_functions(void **state)
{
    fixture *f = *state;

    /* d: 2024-01-05 2024-01-31 NULL 2009-12-31 1969-12-31 2020-12-31
     *    2021-01-03 2024-12-30 1969-12-31 */
    COL("year(d)", "2024|2024|NULL|2009|1969|2020|2021|2024|1969");
    COL("month(d)", "1|1|NULL|12|12|12|1|12|12");
    COL("day(d)", "5|31|NULL|31|31|31|3|30|31");
    COL("quarter(d)", "1|1|NULL|4|4|4|1|4|4");
    COL("week(d)", "1|5|NULL|53|1|53|53|1|1");
    COL("weekday(d)", "5|3|NULL|4|3|4|7|1|3");
    COL("hour(ts)", "15|10|NULL|23|0|12|15|10|10");
    COL("minute(ts)", "4|0|NULL|59|0|0|4|0|0");
    COL("second(ts)", "5|0|NULL|59|0|0|5|0|0");
    COL("year(ts)", "2024|2024|NULL|1969|2024|2024|2024|2024|2024");
    K("weekday(@2024-03-09T15:04:05Z)", "6");
    K("date_trunc(month, @2024-03-09)", "2024-03-01");
    K("date_trunc(\"quarter\", @2024-03-09)", "2024-01-01");
    K("date_trunc(quarter, @2024-11-30)", "2024-10-01");
    K("date_trunc(week, @2024-03-09)", "2024-03-04");
    K("date_trunc(week, @2024-03-04)", "2024-03-04");
    K("date_trunc(year, @2024-03-09)", "2024-01-01");
    K("date_trunc(day, @2024-03-09)", "2024-03-09");
    K("date_trunc(hour, @2024-03-09)", "2024-03-09");
    K("date_trunc(hour, @2024-03-09T15:04:05.5Z)", "2024-03-09T15:00:00Z");
    K("date_trunc(day, @1969-12-31T23:59:59Z)", "1969-12-31T00:00:00Z");
    K("date_trunc(month, @2024-03-09T15:04:05Z)", "2024-03-01T00:00:00Z");
    K("date_trunc(week, @1970-01-01)", "1969-12-29");
    K("now()", "2024-03-09T15:04:05.123456Z");
    K("today()", "2024-03-09");
    K("today() - @2024-01-01", "68");
}

static void test_report_functions(void **state)
{
    fixture *f = *state;

    K("format(1234.5, \"#,##0.00\")", "1,234.50");
    K("format(@2024-01-05, \"EEEE d MMMM\")", "Friday 5 January");
    EV("format(amount, \"#,##0.00;(#,##0.00)\")", 1, "(0.05)");
    EV("format(amount, \"0\")", 2, "NULL");
    EV("format(qty, p_str)", 0, "3"); /* "Africa" has no digits: canonical text */
    K("page()", "3");
    K("page_count()", "12");
    K("\"Page \" || page() || \" of \" || page_count()", "Page 3 of 12");
    {
        const fmt_locale *saved = f->ctx.locale;
        f->ctx.locale = fmt_locale_get("de");
        K("format(1234.5, \"#,##0.00\")", "1.234,50");
        K("format(@2024-01-05, \"EEEE d. MMMM\")", "Freitag 5. Januar");
        f->ctx.locale = saved;
    }
}

/* ============================== Compile errors ============================ */

static void test_compile_errors(void **state)
{
    fixture *f = *state;

    ERR("amout > 1", "1:1: unknown name 'amout'");
    ERR("qty > 1 and\n  regon = \"x\"", "2:3: unknown name 'regon'");
    ERR("uper(region)", "1:1: unknown function 'uper'; did you mean 'upper'?");
    ERR("lenght(region)", "1:1: unknown function 'lenght'; did you mean 'length'?");
    ERR("substring(region, 1)", "1:1: unknown function 'substring'");
    ERR("frobnicate(1)", "1:1: unknown function 'frobnicate'");
    ERR("x(1)", "1:1: unknown function 'x'");
    ERR("substr(region)", "1:1: 'substr' takes 2 or 3 arguments, got 1");
    ERR("upper()", "1:1: 'upper' takes 1 argument, got 0");
    ERR("replace(region)", "1:1: 'replace' takes 3 arguments, got 1");
    ERR("now(1)", "1:1: 'now' takes no arguments, got 1");
    ERR("coalesce()", "1:1: 'coalesce' takes at least 1 argument, got 0");
    ERR("case(ok)", "1:1: 'case' takes at least 2 arguments, got 1");
    ERR("region = amount", "1:1: cannot compare string with decimal");
    ERR("ok < 1", "1:1: cannot compare bool with int");
    ERR("d = region", "1:1: cannot compare date with string");
    ERR("region + qty", "1:1: '+' needs numbers, dates or timestamps, got string and int");
    ERR("1.5 + region", "1:1: '+' needs numbers, dates or timestamps, got decimal and string");
    ERR("null - ok", "1:1: '-' needs numbers, dates or timestamps, got null and bool");
    ERR("region * 2", "1:1: '*' needs numbers, got string and int");
    ERR("d / 2", "1:1: '/' needs numbers, got date and int");
    ERR("d + d", "1:1: cannot add date and date");
    ERR("1 - d", "1:1: cannot subtract date from int");
    ERR("d + 1.5", "1:1: cannot add date and decimal");
    ERR("ts - 1.5e0", "1:1: cannot subtract float from timestamp");
    ERR("-region", "1:1: '-' needs a number, got string");
    ERR("not qty", "1:1: 'not' needs a bool, got int");
    ERR("qty and ok", "1:1: 'and' needs bools, got int and bool");
    ERR("ok or 1", "1:1: 'or' needs bools, got bool and int");
    ERR("sum(amount) > 1", "1:1: aggregate function 'sum' is not allowed here");
    ERR("1 + count()", "1:5: aggregate function 'count' is not allowed here");
    ERR_NOPAGE("page()", "1:1: page() is only allowed in band elements");
    ERR_NOPAGE("\"of \" || page_count()", "1:10: page_count() is only allowed in band elements");
    ERR("upper(qty)", "1:7: 'upper' needs a string as argument 1, got int");
    ERR("substr(region, 1.5)", "1:16: 'substr' needs an int as argument 2, got decimal");
    ERR("abs(region)", "1:5: 'abs' needs a number as argument 1, got string");
    ERR("if(qty, 1, 2)", "1:4: 'if' condition must be a bool, got int");
    ERR("case(ok, 1, qty, 2)", "1:13: 'case' condition must be a bool, got int");
    ERR("if(ok, \"a\", 1)", "1:13: 'if' arguments have different types: string and int");
    ERR("coalesce(region, 1)", "1:18: 'coalesce' arguments have different types: string and int");
    ERR("hour(d)", "1:6: 'hour' needs a timestamp as argument 1, got date");
    ERR("year(qty)", "1:6: 'year' needs a date or timestamp as argument 1, got int");
    ERR("date_trunc(decade, d)",
        "1:12: 'date_trunc' unit must be hour, day, week, month, quarter or year, got 'decade'");
    ERR("date_trunc(region, d)",
        "1:12: 'date_trunc' unit must be hour, day, week, month, quarter or year, got 'region'");
    ERR("date_trunc(p_str || \"\", d)",
        "1:12: 'date_trunc' needs a constant unit: hour, day, week, month, quarter or year");
    ERR("date_trunc(month, qty)",
        "1:19: 'date_trunc' needs a date or timestamp as argument 2, got int");
    ERR("round(amount, qty)", "1:15: 'round' needs a constant int as argument 2");
    ERR("format(amount, \"0#\")", "1:16: bad pattern \"0#\": '#' after '0' in the integer part");
    ERR("format(region, \"0\")",
        "1:16: bad pattern \"0\": a pattern does not apply to string values");
    ERR("format(d, \"HH\")", "1:11: bad pattern \"HH\": 'H' needs a timestamp, not a date");
    ERR("region in [\"a\", 1]", "1:17: cannot compare string with int");
    ERR("[1, 2]", "1:1: a list is only allowed after 'in'");
    ERR("9223372036854775807 + 1", "1:1: integer overflow in '+'");
    ERR("abs(-9223372036854775807 - 1)", "1:1: integer overflow in 'abs'");
    ERR("9223372036854775.80 * 100", "1:1: decimal overflow in '*'");
    ERR("1 + (9223372036854775807 + 0.5)", "1:5: decimal overflow in '+'");
    /* every error of an expression, not just the first */
    ERR("amout + uper(x) + region * 2", "1:1: unknown name 'amout'",
        "1:9: unknown function 'uper'; did you mean 'upper'?",
        "1:19: '*' needs numbers, got string and int");
}

static void test_error_detail(void **state)
{
    fixture *f = *state;
    const char *text = "qty > 1 and\n    regon = 2";
    diag d = {0};

    assert_null(compile_page(f, text, 1, &d));
    assert_int_equal(d.count, 1);
    assert_string_equal(d.items[0].where, "t.quire:2:5");
    assert_string_equal(d.items[0].detail, "        regon = 2\n        ^");
    diag_clear(&d);
}

/* ============================== Runtime errors ============================ */

static void test_runtime_errors(void **state)
{
    fixture *f = *state;

    assert_string_equal(ev_err(f, "qty + 1", 4), "t.quire:1:1: integer overflow in '+'");
    assert_string_equal(ev_err(f, "1 + (qty * 2)", 4), "t.quire:1:5: integer overflow in '*'");
    assert_string_equal(ev_err(f, "-(qty + 0) - 2", 4), "t.quire:1:1: integer overflow in '-'");
    assert_string_equal(ev_err(f, "amount * 100000000000000000", 6),
                        "t.quire:1:1: decimal overflow in '*'");
    assert_string_equal(ev_err(f, "amount / 0.000000000000001", 6),
                        "t.quire:1:1: decimal overflow in '/'");
    assert_string_equal(ev_err(f, "qty + 0.5", 4), "t.quire:1:1: decimal overflow in '+'");
    assert_string_equal(ev_err(f, "qty in [1, 0.5]", 4),
                        "t.quire:1:1: decimal overflow converting int to decimal");
    assert_string_equal(ev_err(f, "abs(-qty - 2)", 4), "t.quire:1:5: integer overflow in '-'");
    assert_string_equal(ev_err(f, "ts + qty", 4), "t.quire:1:1: integer overflow in '+'");
}

static void test_wrong_column_type(void **state)
{
    fixture *f = *state;
    expr *e = cc(f, "1 + qty");
    quire_error err = {0};
    uint32_t sel[1] = {0};
    int64_t vals[NROWS];
    uint8_t nulls[NROWS];
    quire_column out = {QUIRE_TYPE_INT, 0, nulls, {.i64 = vals}};
    qv v;

    f->cols[C_QTY].type = QUIRE_TYPE_FLOAT;
    assert_int_equal(expr_eval(e, &f->ctx, 0, &v, &err), QUIRE_ERR);
    assert_int_equal(err.code, QUIRE_E_INTERNAL);
    assert_string_equal(err.msg,
                        "t.quire:1:5: column 2 has type float, the expression expects int");
    memset(&err, 0, sizeof(err));
    assert_int_equal(expr_eval_batch(e, &f->ctx, sel, 1, &out, &err), QUIRE_ERR);
    assert_string_equal(err.msg,
                        "t.quire:1:5: column 2 has type float, the expression expects int");
    f->cols[C_QTY].type = QUIRE_TYPE_INT;
}

/* ============================== Batches =================================== */

/* Expressions that evaluate without error on every row. */
static const char *const batch_cases[] = {
    "amount * 2",
    "amount / qty",
    "qty % 3",
    "price * 2",
    "price + amount",
    "-amount",
    "amount > 10",
    "amount >= 12.5",
    "amount = 12.50",
    "amount > 12.501",
    "amount < qty",
    "price > 1",
    "price = qty",
    "d < ts",
    "ok = true",
    "region = \"Africa\"",
    "region < \"B\"",
    "region != name",
    "x and y",
    "x or y",
    "not x",
    "x and (y or ok)",
    "region in [\"Africa\", null]",
    "qty in [1, 2, 3]",
    "amount in [12.5, 100]",
    "region in [p_str, name]",
    "amount is null",
    "region is not null",
    "coalesce(amount, 0)",
    "coalesce(region, name, \"?\")",
    "if(ok, region, name)",
    "case(x, 1, y, 2, 3)",
    "case(x, amount)",
    "upper(name)",
    "name || qty",
    "substr(region, 2, 3)",
    "length(name)",
    "year(d)",
    "week(d)",
    "d - @2024-01-01",
    "ts - @2024-01-01T00:00:00Z",
    "round(amount, 1)",
    "format(amount, \"#,##0.0\")",
    "least(amount, 50)",
    "greatest(region, name)",
    "amount + min_amount",
    "total * 2",
    "p_int + 1",
    "p_str || \"!\"",
    "amount > min_amount and region = p_str",
    "date_trunc(month, d)",
    "now() - ts",
    "qty < 100 and qty + 1 > 0",
    "if(qty > 100, 0, qty + 1)",
    "1 + 2",
    "null",
    "d + 1",
    "ts + 3600",
    "amount % 3",
    "amount * 1.5",
    "price / 0",
    "qty / 0",
    "abs(amount)",
    "floor(price)",
    "page()",
    "qty in [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]",
    "qty not in [-7, 2, 3, 4, 5, 6, 7, 8, 9, 10, p_int, null]",
    "least(qty, 9, 8, 7, 6, 5, 4, 3, 2, 1)",
};

/* Runs e over sel into a fresh column and compares every selected row
 * with expr_eval; rows outside sel must be untouched. */
static void batch_equals_rows(fixture *f, const char *text, const uint32_t *sel, uint32_t n)
{
    expr *e = cc(f, text);
    quire_error err = {0};
    int64_t vals[NROWS * 2];
    uint8_t nulls[NROWS];
    quire_column out;
    int selected[NROWS] = {0};

    memset(vals, 0x5A, sizeof(vals));
    memset(nulls, 0x5A, sizeof(nulls));
    out.type = expr_type(e);
    out.scale = expr_scale(e);
    out.nulls = nulls;
    out.v.i64 = vals; /* room for NROWS of any type, strings included */
    if (expr_eval_batch(e, &f->ctx, sel, n, &out, &err) != QUIRE_OK)
        fail_msg("'%s': %s", text, err.msg);
    for (uint32_t i = 0; i < n; i++) {
        qv row, batch = qv_from_column(&out, sel[i]);
        selected[sel[i]] = 1;
        assert_int_equal(expr_eval(e, &f->ctx, sel[i], &row, &err), QUIRE_OK);
        assert_true(nulls[sel[i]] == 0 || nulls[sel[i]] == 1);
        if (strcmp(show(f, &row), show(f, &batch)) != 0)
            fail_msg("'%s' row %u: row %s, batch %s", text, sel[i], show(f, &row), show(f, &batch));
    }
    for (uint32_t r = 0; r < NROWS; r++) {
        if (!selected[r] && nulls[r] != 0x5A)
            fail_msg("'%s' wrote row %u outside the selection", text, r);
    }
}

static void test_batch_equals_rows(void **state)
{
    fixture *f = *state;
    static const uint32_t all[NROWS] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
    static const uint32_t some[] = {8, 1, 4};
    static const uint32_t one[] = {5};

    for (size_t i = 0; i < sizeof(batch_cases) / sizeof(batch_cases[0]); i++) {
        batch_equals_rows(f, batch_cases[i], all, NROWS);
        batch_equals_rows(f, batch_cases[i], some, 3);
        batch_equals_rows(f, batch_cases[i], one, 1);
        batch_equals_rows(f, batch_cases[i], all, 0);
    }
}

/* The rows of sel that filter keeps, as "0,3,4". */
static const char *filtered(fixture *f, const char *text, const uint32_t *sel, uint32_t n)
{
    expr *e = cc(f, text);
    quire_error err = {0};
    uint32_t out[NROWS], kept = 99;
    char *buf = arena_alloc(f->arena, 64);

    if (expr_filter_batch(e, &f->ctx, sel, n, out, &kept, &err) != QUIRE_OK)
        fail_msg("'%s': %s", text, err.msg);
    buf[0] = '\0';
    for (uint32_t i = 0; i < kept; i++)
        snprintf(buf + strlen(buf), 64 - strlen(buf), i ? ",%u" : "%u", out[i]);
    return buf;
}

/* The rows where row-by-row evaluation gives true. */
static const char *filtered_by_rows(fixture *f, const char *text, const uint32_t *sel, uint32_t n)
{
    expr *e = cc(f, text);
    quire_error err = {0};
    char *buf = arena_alloc(f->arena, 64);
    int first = 1;

    buf[0] = '\0';
    for (uint32_t i = 0; i < n; i++) {
        qv v;
        assert_int_equal(expr_eval(e, &f->ctx, sel[i], &v, &err), QUIRE_OK);
        if (!v.null && v.u.i) {
            snprintf(buf + strlen(buf), 64 - strlen(buf), first ? "%u" : ",%u", sel[i]);
            first = 0;
        }
    }
    return buf;
}

static void test_filter(void **state)
{
    fixture *f = *state;
    static const uint32_t all[NROWS] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
    static const uint32_t reverse[NROWS] = {8, 7, 6, 5, 4, 3, 2, 1, 0};
    uint32_t sel[NROWS], kept = 0;
    quire_error err = {0};

    assert_string_equal(filtered(f, "amount > 10", all, NROWS), "0,3,4,6");
    assert_string_equal(filtered(f, "amount > 10", reverse, NROWS), "6,4,3,0");
    assert_string_equal(filtered(f, "not (amount > 10)", all, NROWS), "1,5,7,8");
    assert_string_equal(filtered(f, "x or y", all, NROWS), "0,1,2,3,6");
    assert_string_equal(filtered(f, "x and y", all, NROWS), "0");
    assert_string_equal(filtered(f, "amount >= min_amount and region = p_str", all, NROWS), "0,3");
    assert_string_equal(filtered(f, "amount >= 100.00 and region = \"Africa\"", all, NROWS), "3");
    assert_string_equal(filtered(f, "region in [\"Africa\", \"Asia\"]", all, NROWS), "0,2,3,7,8");
    assert_string_equal(filtered(f, "ok", all, NROWS), "0,3,5,6,7");
    assert_string_equal(filtered(f, "null = 1", all, NROWS), "");
    assert_string_equal(filtered(f, "true", reverse, 3), "8,7,6");
    assert_string_equal(filtered(f, "qty < 100 and qty + 1 > 0", all, NROWS), "0,1,5,6,7,8");
    assert_string_equal(filtered(f, "region >= \"B\"", all, NROWS), "1,5,6");
    assert_string_equal(filtered(f, "p_int > 3", all, 2), "0,1");
    for (size_t i = 0; i < sizeof(batch_cases) / sizeof(batch_cases[0]); i++) {
        expr *e = cc(f, batch_cases[i]);
        if (expr_type(e) != QUIRE_TYPE_BOOL)
            continue;
        assert_string_equal(filtered(f, batch_cases[i], reverse, NROWS),
                            filtered_by_rows(f, batch_cases[i], reverse, NROWS));
    }
    /* in place */
    memcpy(sel, all, sizeof(sel));
    assert_int_equal(expr_filter_batch(cc(f, "x or y"), &f->ctx, sel, NROWS, sel, &kept, &err),
                     QUIRE_OK);
    assert_int_equal(kept, 5);
    assert_int_equal(sel[4], 6);
    /* errors */
    assert_int_equal(expr_filter_batch(cc(f, "qty + 1 > 0"), &f->ctx, all, NROWS, sel, &kept, &err),
                     QUIRE_ERR);
    assert_string_equal(err.msg, "t.quire:1:1: integer overflow in '+'");
    assert_int_equal(expr_filter_batch(cc(f, "qty"), &f->ctx, all, NROWS, sel, &kept, &err),
                     QUIRE_ERR);
    assert_string_equal(err.msg, "t.quire:1:1: a filter must be a bool, got int");
}

static void test_batch_errors(void **state)
{
    fixture *f = *state;
    static const uint32_t all[NROWS] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
    quire_error err = {0};
    int64_t vals[NROWS];
    uint8_t nulls[NROWS];
    quire_column out = {QUIRE_TYPE_INT, 0, nulls, {.i64 = vals}};

    assert_int_equal(expr_eval_batch(cc(f, "qty + 1"), &f->ctx, all, NROWS, &out, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "t.quire:1:1: integer overflow in '+'");
    assert_int_equal(expr_eval_batch(cc(f, "-(qty + 1)"), &f->ctx, all, 4, &out, &err), QUIRE_OK);
    out.type = QUIRE_TYPE_DECIMAL;
    out.scale = 2;
    assert_int_equal(expr_eval_batch(cc(f, "(amount + qty) * 1"), &f->ctx, all, NROWS, &out, &err),
                     QUIRE_ERR);
    assert_string_equal(err.msg, "t.quire:1:1: decimal overflow in '+'");
    assert_int_equal(expr_eval_batch(cc(f, "qty"), &f->ctx, all, NROWS, &out, &err), QUIRE_ERR);
    assert_int_equal(err.code, QUIRE_E_INTERNAL);
}

/* ============================== Introspection ============================= */

static void collect(void *ctx, const expr_ref *ref)
{
    char *buf = ctx;
    snprintf(buf + strlen(buf), 64 - strlen(buf), "%d:%u ", ref->kind, ref->index);
}

static void test_introspection(void **state)
{
    fixture *f = *state;
    char refs[64] = "";
    qv v;

    expr_visit_refs(cc(f, "amount + min_amount + total + amount"), collect, refs);
    assert_string_equal(refs, "1:0 2:0 3:0 1:0 ");
    refs[0] = '\0';
    expr_visit_refs(cc(f, "1 + 2"), collect, refs);
    assert_string_equal(refs, "");
    assert_int_equal(expr_column_ref(cc(f, "region")), C_REGION);
    assert_int_equal(expr_column_ref(cc(f, "(qty)")), C_QTY);
    assert_int_equal(expr_column_ref(cc(f, "region || \"\"")), -1);
    assert_int_equal(expr_column_ref(cc(f, "min_amount")), -1);
    assert_true(expr_is_constant(cc(f, "min_amount * 2")));
    assert_true(expr_is_constant(cc(f, "upper(\"a\")")));
    assert_false(expr_is_constant(cc(f, "amount")));
    assert_false(expr_is_constant(cc(f, "total")));
    assert_false(expr_is_constant(cc(f, "now()")));
    assert_false(expr_is_constant(cc(f, "page() > 1")));
    assert_true(expr_uses_page(cc(f, "\"Page \" || page()")));
    assert_false(expr_uses_page(cc(f, "amount")));
    assert_true(expr_uses_now(cc(f, "today() - d")));
    assert_true(expr_constant_value(cc(f, "upper(\"ab\") || 1"), &v));
    assert_int_equal(v.type, QUIRE_TYPE_STRING);
    assert_memory_equal(v.u.s.ptr, "AB1", 3);
    assert_false(expr_constant_value(cc(f, "min_amount"), &v));
    assert_false(expr_constant_value(cc(f, "format(1, \"0\")"), &v)); /* depends on the locale */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arithmetic),         cmocka_unit_test(test_types),
        cmocka_unit_test(test_three_valued_logic), cmocka_unit_test(test_in),
        cmocka_unit_test(test_string_functions),   cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_math_functions),     cmocka_unit_test(test_choice_functions),
        cmocka_unit_test(test_date_functions),     cmocka_unit_test(test_report_functions),
        cmocka_unit_test(test_compile_errors),     cmocka_unit_test(test_error_detail),
        cmocka_unit_test(test_runtime_errors),     cmocka_unit_test(test_wrong_column_type),
        cmocka_unit_test(test_batch_equals_rows),  cmocka_unit_test(test_filter),
        cmocka_unit_test(test_batch_errors),       cmocka_unit_test(test_introspection),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
