/*
 * fuzz_expr_eval.c - libFuzzer target for the expression engine: parses the
 * input as an expression, compiles it against a fixed tiny schema (one
 * column of every type, a parameter, a variable) and evaluates it over a
 * four-row batch three ways: row by row, as a batch, and as a filter. The
 * three must agree (same values, an error in one row means an error in the
 * batch), and every value is also formatted with the input as a pattern.
 * Any crash, leak, sanitizer report or disagreement (a trap) is a bug.
 * Built and run by `make fuzz`.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "ast.h"
#include "expr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            __builtin_trap();                                                                      \
    } while (0)

#define ROWS  4
#define NCOLS 7

static const struct {
    const char *name;
    expr_ref ref;
} names[] = {
    {"i", {EXPR_REF_COLUMN, 0, QUIRE_TYPE_INT, 0}},
    {"m", {EXPR_REF_COLUMN, 1, QUIRE_TYPE_DECIMAL, 2}},
    {"f", {EXPR_REF_COLUMN, 2, QUIRE_TYPE_FLOAT, 0}},
    {"s", {EXPR_REF_COLUMN, 3, QUIRE_TYPE_STRING, 0}},
    {"d", {EXPR_REF_COLUMN, 4, QUIRE_TYPE_DATE, 0}},
    {"t", {EXPR_REF_COLUMN, 5, QUIRE_TYPE_TIMESTAMP, 0}},
    {"b", {EXPR_REF_COLUMN, 6, QUIRE_TYPE_BOOL, 0}},
    {"p", {EXPR_REF_PARAM, 0, QUIRE_TYPE_INT, 0}},
    {"v", {EXPR_REF_VARIABLE, 0, QUIRE_TYPE_DECIMAL, 3}},
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

/* Row 3 is all NULL; the others hold ordinary and extreme values. */
static const uint8_t nulls[ROWS] = {0, 0, 0, 1};
static const int64_t ints[ROWS] = {7, INT64_MAX, -1, 0};
static const int64_t money[ROWS] = {1250, INT64_MIN, -5, 0};
static const double floats[ROWS] = {1.5, -0.0, 1e308, 0};
static const quire_str strs[ROWS] = {{"Zo\xC3\xAB", 4},
                                     {"", 0},
                                     {"a\xFF"
                                      "b",
                                      3},
                                     {NULL, 0}};
static const int64_t dates[ROWS] = {19727, -719468, 2932896, 0};
static const int64_t stamps[ROWS] = {INT64_C(1709996645123456), INT64_MIN / 2, -1, 0};
static const int64_t bools[ROWS] = {1, 0, 1, 0};

static void build_columns(quire_column *c)
{
    static const uint32_t types[NCOLS] = {
        QUIRE_TYPE_INT,  QUIRE_TYPE_DECIMAL,   QUIRE_TYPE_FLOAT, QUIRE_TYPE_STRING,
        QUIRE_TYPE_DATE, QUIRE_TYPE_TIMESTAMP, QUIRE_TYPE_BOOL};
    static const int64_t *const i64s[NCOLS] = {ints, money, NULL, NULL, dates, stamps, bools};

    for (int k = 0; k < NCOLS; k++) {
        memset(&c[k], 0, sizeof(c[k]));
        c[k].type = types[k];
        c[k].scale = k == 1 ? 2 : 0;
        c[k].nulls = (uint8_t *)nulls;
        if (types[k] == QUIRE_TYPE_FLOAT)
            c[k].v.f64 = (double *)floats;
        else if (types[k] == QUIRE_TYPE_STRING)
            c[k].v.str = (quire_str *)strs;
        else
            c[k].v.i64 = (int64_t *)i64s[k];
    }
}

/* Canonical text of a value, "\x01NULL" for NULL (no collision with text). */
static size_t show(const qv *v, char *buf, size_t cap)
{
    if (v->null)
        return (size_t)snprintf(buf, cap, "\x01NULL");
    return fmt_value(v, NULL, NULL, buf, cap);
}

static void same_value(const qv *a, const qv *b)
{
    char x[512], y[512];
    size_t nx = show(a, x, sizeof(x)), ny = show(b, y, sizeof(y));

    CHECK(nx == ny && strcmp(x, y) == 0);
}

/* Formats v with the input (NUL-terminated) as a pattern, in two locales. */
static void format_with(const qv *v, const char *pattern)
{
    char buf[64], why[128];
    size_t n = fmt_value(v, pattern, fmt_locale_get("fr"), buf, sizeof(buf));

    CHECK(strlen(buf) == (n < sizeof(buf) ? n : sizeof(buf) - 1));
    (void)fmt_value(v, pattern, NULL, NULL, 0);
    if (fmt_pattern_check(pattern, v->type, why, sizeof(why)) != 0)
        CHECK(why[0] != '\0');
}

static void run(const expr *e, const char *pattern, quire_arena *arena)
{
    static const uint32_t all[ROWS] = {3, 0, 2, 1};
    quire_column cols[NCOLS];
    qv params[1] = {qv_int(5)};
    qv vars[1] = {qv_decimal(-12345, 3)};
    expr_ctx ctx;
    qv rows[ROWS];
    int rows_ok = 1;
    quire_error err;
    int64_t vals[ROWS * 2];
    uint8_t out_nulls[ROWS];
    quire_column out;
    uint32_t sel[ROWS], kept = 0;

    build_columns(cols);
    memset(&ctx, 0, sizeof(ctx));
    ctx.columns = cols;
    ctx.ncolumns = NCOLS;
    ctx.params = params;
    ctx.vars = vars;
    ctx.page = 2;
    ctx.page_count = 9;
    ctx.now_us = INT64_C(1709996645123456);
    ctx.locale = fmt_locale_get("de");
    ctx.arena = arena;
    for (int r = 0; r < ROWS; r++) {
        memset(&err, 0, sizeof(err));
        if (expr_eval(e, &ctx, (uint32_t)r, &rows[r], &err) != QUIRE_OK) {
            CHECK(err.msg[0] != '\0' && strchr(err.msg, '\n') == NULL);
            rows_ok = 0;
            continue;
        }
        CHECK(rows[r].type == expr_type(e));
        format_with(&rows[r], pattern);
    }
    memset(vals, 0, sizeof(vals));
    memset(out_nulls, 0, sizeof(out_nulls));
    out.type = expr_type(e);
    out.scale = expr_scale(e);
    out.nulls = out_nulls;
    out.v.i64 = vals;
    memset(&err, 0, sizeof(err));
    if (expr_eval_batch(e, &ctx, all, ROWS, &out, &err) != QUIRE_OK) {
        CHECK(!rows_ok);
        return;
    }
    CHECK(rows_ok);
    for (int r = 0; r < ROWS; r++) {
        qv got = qv_from_column(&out, (uint32_t)r);
        same_value(&rows[r], &got);
    }
    if (expr_type(e) != QUIRE_TYPE_BOOL)
        return;
    memcpy(sel, all, sizeof(sel));
    CHECK(expr_filter_batch(e, &ctx, sel, ROWS, sel, &kept, &err) == QUIRE_OK);
    for (uint32_t i = 0, k = 0; i < ROWS; i++) {
        uint32_t r = all[i];
        if (!rows[r].null && rows[r].u.i) {
            CHECK(k < kept && sel[k] == r);
            k++;
        }
        if (i == ROWS - 1)
            CHECK(k == kept);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    quire_arena *arena;
    char pattern[128];
    diag d = {0};
    ast_expr *a;
    expr *e;

    if (size > 4096)
        return 0;
    arena = arena_new(0);
    if (arena == NULL)
        return 0;
    /* The first line of the input (without NULs) also serves as a pattern. */
    {
        size_t n = 0;
        while (n < size && n < sizeof(pattern) - 1 && data[n] != '\n' && data[n] != '\0') {
            pattern[n] = (char)data[n];
            n++;
        }
        pattern[n] = '\0';
    }
    a = ast_parse_expr("fuzz", (const char *)data, size, arena, &d);
    if (a != NULL) {
        for (int page = 0; page <= 1; page++) {
            expr_env env = {"fuzz", (const char *)data, size, resolve, NULL, page};
            size_t errors = d.errors;
            e = expr_compile(a, &env, arena, &d);
            CHECK((e == NULL) == (d.errors > errors));
            if (e != NULL) {
                CHECK(expr_type(e) >= QUIRE_TYPE_BOOL && expr_type(e) <= QUIRE_TYPE_TIMESTAMP);
                CHECK(!expr_uses_page(e) || page);
                run(e, pattern, arena);
            }
        }
    }
    for (size_t i = 0; i < d.count; i++)
        CHECK(strchr(d.items[i].text, '\n') == NULL);
    diag_clear(&d);
    arena_free(arena);
    return 0;
}
