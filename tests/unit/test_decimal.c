/*
 * test_decimal.c - exact decimal arithmetic (kernel/decimal.c): parsing and
 * printing, every operation with results worked out by hand, rounding half
 * away from zero, result scales, overflow and division by zero.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "decimal.h"

/* ============================== Helpers =================================== */

/* Parses text that must be accepted as (value, scale). */
static void parse_ok(const char *text, int64_t value, int scale)
{
    int64_t v = 0;
    int s = -1;

    if (dec_parse(text, strlen(text), &v, &s) != DEC_OK)
        fail_msg("'%s' refused", text);
    assert_int_equal(v, value);
    assert_int_equal(s, scale);
}

static void parse_bad(const char *text, int rc)
{
    int64_t v = 0;
    int s = 0;

    assert_int_equal(dec_parse(text, strlen(text), &v, &s), rc);
}

static void format_is(int64_t v, int scale, const char *expected)
{
    char buf[64];

    assert_int_equal(dec_format(v, scale, buf, sizeof(buf)), strlen(expected));
    assert_string_equal(buf, expected);
}

typedef int (*binop)(int64_t, int, int64_t, int, int64_t *, int *);

/* a op b = (value, scale). */
static void op_is(binop op, int64_t a, int sa, int64_t b, int sb, int64_t value, int scale)
{
    int64_t r = 0;
    int s = -1;

    assert_int_equal(op(a, sa, b, sb, &r, &s), DEC_OK);
    assert_int_equal(r, value);
    assert_int_equal(s, scale);
}

static void op_fails(binop op, int64_t a, int sa, int64_t b, int sb, int rc)
{
    int64_t r = 0;
    int s = 0;

    assert_int_equal(op(a, sa, b, sb, &r, &s), rc);
}

/* ============================== Text ====================================== */

static void test_parse(void **state)
{
    (void)state;
    parse_ok("-12.345", -12345, 3);
    parse_ok("0.50", 50, 2);
    parse_ok("+7", 7, 0);
    parse_ok("007.0", 70, 1);
    parse_ok("9223372036854775807", INT64_MAX, 0);
    parse_ok("-9223372036854775808", INT64_MIN, 0);
    parse_ok("-9.223372036854775808", INT64_MIN, 18);
    parse_ok("0.000000000000000001", 1, 18);
    parse_bad("1e3", DEC_SYNTAX);
    parse_bad("", DEC_SYNTAX);
    parse_bad("-", DEC_SYNTAX);
    parse_bad(".", DEC_SYNTAX);
    parse_bad("1.", DEC_SYNTAX);
    parse_bad(".5", DEC_SYNTAX);
    parse_bad("1.2.3", DEC_SYNTAX);
    parse_bad(" 1", DEC_SYNTAX);
    parse_bad("1 ", DEC_SYNTAX);
    parse_bad("12a", DEC_SYNTAX);
    parse_bad("--1", DEC_SYNTAX);
    parse_bad("9223372036854775808", DEC_OVERFLOW);
    parse_bad("92233720368547758.08", DEC_OVERFLOW);
    parse_bad("99999999999999999999999999", DEC_OVERFLOW);
    parse_bad("0.1234567890123456789", DEC_SCALE);
}

static void test_format(void **state)
{
    char buf[4];

    (void)state;
    format_is(1250, 2, "12.50");
    format_is(-5, 2, "-0.05");
    format_is(7, 0, "7");
    format_is(0, 3, "0.000");
    format_is(-1, 0, "-1");
    format_is(INT64_MIN, 18, "-9.223372036854775808");
    format_is(INT64_MAX, 0, "9223372036854775807");
    /* snprintf-like: the needed length, truncated text, always a NUL */
    assert_int_equal(dec_format(1250, 2, buf, sizeof(buf)), 5);
    assert_string_equal(buf, "12.");
    assert_int_equal(dec_format(1250, 2, NULL, 0), 5);
}

/* ============================== Arithmetic ================================ */

static void test_add_sub(void **state)
{
    (void)state;
    /* 0.1 + 0.2 is exactly 0.3 */
    op_is(dec_add, 1, 1, 2, 1, 3, 1);
    op_is(dec_add, 15, 1, 25, 2, 175, 2); /* 1.5 + 0.25 = 1.75 */
    op_is(dec_add, -100, 2, 1, 0, 0, 2);  /* -1.00 + 1 = 0.00 */
    op_is(dec_sub, 100, 2, 5, 3, 995, 3); /* 1.00 - 0.005 = 0.995 */
    op_is(dec_sub, 5, 3, 100, 2, -995, 3);
    op_fails(dec_add, INT64_MAX, 0, 1, 0, DEC_OVERFLOW);
    op_fails(dec_sub, INT64_MIN, 0, 1, 0, DEC_OVERFLOW);
    /* 9223372036854775807 + 0.1 needs scale 1: out of range */
    op_fails(dec_add, INT64_MAX, 0, 1, 1, DEC_OVERFLOW);
    /* but a large intermediate that comes back into range is fine:
     * 10 (as 10^19 at scale 18 it would not fit) - 9.5 = 0.5 */
    op_is(dec_sub, 10, 0, 95, 1, 5, 1);
}

static void test_mul(void **state)
{
    (void)state;
    op_is(dec_mul, 15, 1, 15, 1, 225, 2);   /* 1.5 * 1.5 = 2.25 */
    op_is(dec_mul, -2, 0, 125, 2, -250, 2); /* -2 * 1.25 = -2.50 */
    op_is(dec_mul, 1, 9, 1, 9, 1, 18);      /* 1e-9 * 1e-9 = 1e-18 */
    /* scale 19 rounds to 18: 5e-10 * 1e-9 = 5e-19 -> 1e-18 (half away) */
    op_is(dec_mul, 5, 10, 1, 9, 1, 18);
    op_is(dec_mul, -5, 10, 1, 9, -1, 18);
    op_is(dec_mul, 4, 10, 1, 9, 0, 18); /* 4e-19 -> 0 */
    /* 3037000500^2 = 9223372037000250000 > 2^63 - 1 */
    op_fails(dec_mul, 3037000500, 0, 3037000500, 0, DEC_OVERFLOW);
    op_is(dec_mul, 3037000499, 0, 3037000499, 0, INT64_C(9223372030926249001), 0);
    /* a 128-bit product that rounds back into range: 3.0 * 3.0 at scale
     * 18 each is 9 * 10^36 at scale 36, then 9.0 at scale 18 */
    op_is(dec_mul, INT64_C(3000000000000000000), 18, INT64_C(3000000000000000000), 18,
          INT64_C(9000000000000000000), 18);
    op_fails(dec_mul, INT64_C(4000000000000000000), 18, INT64_C(3000000000000000000), 18,
             DEC_OVERFLOW);
}

static void test_div(void **state)
{
    int64_t r = 0;

    (void)state;
    op_is(dec_div, 1, 0, 3, 0, 333333, 6);       /* 1/3 at scale 6 */
    op_is(dec_div, 2, 0, 3, 0, 666667, 6);       /* rounded up */
    op_is(dec_div, -2, 0, 3, 0, -666667, 6);     /* away from zero */
    op_is(dec_div, 1000, 2, 3, 0, 333333333, 8); /* 10.00 / 3 at scale 8 */
    op_is(dec_div, 100, 2, 25, 2, 400000000, 8); /* 1.00 / 0.25 = 4 */
    op_is(dec_div, 7, 0, -2, 0, -3500000, 6);
    /* 1e-18 / 3e-18 at scale 18 (k = 18) */
    op_is(dec_div, 1, 18, 3, 18, INT64_C(333333333333333333), 18);
    op_fails(dec_div, 1, 0, 0, 0, DEC_DIV_ZERO);
    op_fails(dec_div, 1, 0, 1, 18, DEC_OVERFLOW); /* 1 / 1e-18 = 1e18 at scale 18 */
    op_fails(dec_div, INT64_MAX, 0, 1, 6, DEC_OVERFLOW);
    assert_int_equal(dec_div_scale(0, 0), 6);
    assert_int_equal(dec_div_scale(2, 4), 10);
    assert_int_equal(dec_div_scale(15, 2), 18);
    /* an explicit scale, including one below the operands' (digits dropped) */
    assert_int_equal(dec_div_to(7, 0, 2, 0, 0, &r), DEC_OK);
    assert_int_equal(r, 4); /* 3.5 -> 4 */
    assert_int_equal(dec_div_to(-7, 0, 2, 0, 0, &r), DEC_OK);
    assert_int_equal(r, -4);
    assert_int_equal(dec_div_to(12345, 3, 1, 0, 1, &r), DEC_OK);
    assert_int_equal(r, 123); /* 12.345 -> 12.3 */
    assert_int_equal(dec_div_to(12355, 3, 1, 0, 1, &r), DEC_OK);
    assert_int_equal(r, 124); /* 12.355 -> 12.4 */
    assert_int_equal(dec_div_to(1, 0, 3, 0, 19, &r), DEC_SCALE);
}

static void test_mod(void **state)
{
    (void)state;
    op_is(dec_mod, 55, 1, 2, 0, 15, 1);   /* 5.5 % 2 = 1.5 */
    op_is(dec_mod, -55, 1, 2, 0, -15, 1); /* sign of the dividend */
    op_is(dec_mod, 10, 0, 3, 1, 1, 1);    /* 10 % 0.3 = 0.1 */
    op_is(dec_mod, INT64_MIN, 0, -1, 0, 0, 0);
    op_fails(dec_mod, 7, 0, 0, 2, DEC_DIV_ZERO);
}

static void test_compare_and_scale(void **state)
{
    int64_t r = 0;
    int s = 0;

    (void)state;
    assert_int_equal(dec_cmp(110, 2, 11, 1), 0);
    assert_int_equal(dec_cmp(3, 1, 29, 2), 1);
    assert_int_equal(dec_cmp(-1, 0, 5, 1), -1);
    assert_int_equal(dec_cmp(INT64_MAX, 0, INT64_MAX, 18), 1);
    assert_int_equal(dec_cmp(INT64_MIN, 18, INT64_MIN, 0), 1);

    assert_int_equal(dec_rescale(1005, 3, 2, &r), DEC_OK);
    assert_int_equal(r, 101); /* 1.005 -> 1.01 */
    assert_int_equal(dec_rescale(-1005, 3, 2, &r), DEC_OK);
    assert_int_equal(r, -101);
    assert_int_equal(dec_rescale(1004, 3, 2, &r), DEC_OK);
    assert_int_equal(r, 100);
    assert_int_equal(dec_rescale(-25, 1, 0, &r), DEC_OK);
    assert_int_equal(r, -3);
    assert_int_equal(dec_rescale(1, 0, 18, &r), DEC_OK);
    assert_int_equal(r, INT64_C(1000000000000000000));
    assert_int_equal(dec_rescale(10, 0, 18, &r), DEC_OVERFLOW);
    assert_int_equal(dec_rescale(1, 0, 19, &r), DEC_SCALE);

    assert_int_equal(dec_round(12495, 1, -2, &r, &s), DEC_OK); /* 1249.5 -> 1200, not 1300 */
    assert_int_equal(r, 1200);
    assert_int_equal(s, 0);
    assert_int_equal(dec_round(1250, 0, -2, &r, &s), DEC_OK);
    assert_int_equal(r, 1300);
    assert_int_equal(dec_round(-1250, 0, -2, &r, &s), DEC_OK);
    assert_int_equal(r, -1300);
    assert_int_equal(dec_round(2675, 3, 2, &r, &s), DEC_OK); /* 2.675 -> 2.68 */
    assert_int_equal(r, 268);
    assert_int_equal(s, 2);
    assert_int_equal(dec_round(12345, 2, 5, &r, &s), DEC_OK); /* more digits: unchanged */
    assert_int_equal(r, 12345);
    assert_int_equal(s, 2);
    assert_int_equal(dec_round(INT64_MAX, 0, -19, &r, &s), DEC_OVERFLOW); /* 1e19 */
    assert_int_equal(dec_round(INT64_MAX, 0, -20, &r, &s), DEC_OK);
    assert_int_equal(r, 0);
    assert_int_equal(dec_round(5, 0, -1000000, &r, &s), DEC_OK);
    assert_int_equal(r, 0);

    assert_int_equal(dec_floor_ceil(-15, 1, -1, &r), DEC_OK);
    assert_int_equal(r, -2);
    assert_int_equal(dec_floor_ceil(-15, 1, 1, &r), DEC_OK);
    assert_int_equal(r, -1);
    assert_int_equal(dec_floor_ceil(15, 1, -1, &r), DEC_OK);
    assert_int_equal(r, 1);
    assert_int_equal(dec_floor_ceil(15, 1, 1, &r), DEC_OK);
    assert_int_equal(r, 2);
    assert_int_equal(dec_floor_ceil(200, 2, 1, &r), DEC_OK);
    assert_int_equal(r, 2);
}

static void test_double(void **state)
{
    int64_t r = 0;

    (void)state;
    assert_true(dec_to_double(12345, 2) == 123.45);
    assert_true(dec_to_double(-5, 0) == -5.0);
    assert_int_equal(dec_from_double(0.125, 2, &r), DEC_OK);
    assert_int_equal(r, 13); /* 12.5 exactly, half away from zero */
    assert_int_equal(dec_from_double(-0.125, 2, &r), DEC_OK);
    assert_int_equal(r, -13);
    assert_int_equal(dec_from_double(NAN, 2, &r), DEC_OVERFLOW);
    assert_int_equal(dec_from_double(INFINITY, 0, &r), DEC_OVERFLOW);
    assert_int_equal(dec_from_double(1e19, 0, &r), DEC_OVERFLOW);
    assert_int_equal(dec_from_double(9.2e18, 0, &r), DEC_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_add_sub),
        cmocka_unit_test(test_mul),
        cmocka_unit_test(test_div),
        cmocka_unit_test(test_mod),
        cmocka_unit_test(test_compare_and_scale),
        cmocka_unit_test(test_double),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
