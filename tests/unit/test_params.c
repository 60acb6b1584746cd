/*
 * test_params.c - report parameter values from command-line text
 * (params_parse_value): every type, the rounding of decimals, calendar
 * checks and time zone offsets, with expected values worked out by hand,
 * and the exact message for text that does not fit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "params.h"

static qv parse_ok(const char *text, uint32_t type, int32_t scale)
{
    qv v;
    char why[200] = "";
    int rc = params_parse_value(text, type, scale, &v, why, sizeof(why));
    if (rc != 0)
        fail_msg("'%s' refused: %s", text, why);
    assert_int_equal(v.type, type);
    assert_int_equal(v.null, 0);
    return v;
}

static void parse_bad(const char *text, uint32_t type, int32_t scale, const char *want)
{
    qv v;
    char why[200] = "";
    assert_int_equal(params_parse_value(text, type, scale, &v, why, sizeof(why)), -1);
    assert_string_equal(why, want);
}

static void test_bool_int_float_string(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("true", QUIRE_TYPE_BOOL, 0).u.i, 1);
    assert_int_equal(parse_ok("no", QUIRE_TYPE_BOOL, 0).u.i, 0);
    assert_int_equal(parse_ok("1", QUIRE_TYPE_BOOL, 0).u.i, 1);
    parse_bad("maybe", QUIRE_TYPE_BOOL, 0, "'maybe' is not a valid bool");
    assert_int_equal(parse_ok("-42", QUIRE_TYPE_INT, 0).u.i, -42);
    assert_int_equal(parse_ok("9223372036854775807", QUIRE_TYPE_INT, 0).u.i, INT64_MAX);
    parse_bad("9223372036854775808", QUIRE_TYPE_INT, 0,
              "'9223372036854775808' is not a valid int");
    parse_bad("12abc", QUIRE_TYPE_INT, 0, "'12abc' is not a valid int");
    parse_bad("", QUIRE_TYPE_INT, 0, "'' is not a valid int");
    assert_true(parse_ok("2.5e3", QUIRE_TYPE_FLOAT, 0).u.f == 2500.0);
    {
        qv s = parse_ok("Café, 12", QUIRE_TYPE_STRING, 0);
        assert_int_equal(s.u.s.len, strlen("Café, 12"));
        assert_memory_equal(s.u.s.ptr, "Café, 12", s.u.s.len);
    }
}

static void test_decimal(void **state)
{
    qv v;
    (void)state;
    v = parse_ok("12.5", QUIRE_TYPE_DECIMAL, 2);
    assert_int_equal(v.scale, 2);
    assert_int_equal(v.u.i, 1250);
    assert_int_equal(parse_ok("-0.005", QUIRE_TYPE_DECIMAL, 2).u.i, -1); /* half away from zero */
    assert_int_equal(parse_ok("0.004", QUIRE_TYPE_DECIMAL, 2).u.i, 0);
    assert_int_equal(parse_ok("7", QUIRE_TYPE_DECIMAL, 3).u.i, 7000);
    assert_int_equal(parse_ok("+.25", QUIRE_TYPE_DECIMAL, 2).u.i, 25);
    parse_bad("1.2.3", QUIRE_TYPE_DECIMAL, 2, "'1.2.3' is not a valid decimal(2)");
    parse_bad(".", QUIRE_TYPE_DECIMAL, 2, "'.' is not a valid decimal(2)");
    parse_bad("1e3", QUIRE_TYPE_DECIMAL, 2, "'1e3' is not a valid decimal(2)");
}

static void test_dates_and_timestamps(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("1970-01-01", QUIRE_TYPE_DATE, 0).u.i, 0);
    assert_int_equal(parse_ok("2000-03-01", QUIRE_TYPE_DATE, 0).u.i, 11017);
    assert_int_equal(parse_ok("2024-02-29", QUIRE_TYPE_DATE, 0).u.i, 19782);
    assert_int_equal(parse_ok("1969-12-31", QUIRE_TYPE_DATE, 0).u.i, -1);
    parse_bad("2023-02-29", QUIRE_TYPE_DATE, 0, "'2023-02-29' is not a valid date");
    parse_bad("1900-02-29", QUIRE_TYPE_DATE, 0, "'1900-02-29' is not a valid date");
    parse_bad("2024-13-01", QUIRE_TYPE_DATE, 0, "'2024-13-01' is not a valid date");
    parse_bad("2024-1-01", QUIRE_TYPE_DATE, 0, "'2024-1-01' is not a valid date");
    /* 2024-02-29 is day 19782: 19782 * 86400 = 1709164800 s. */
    assert_int_equal(parse_ok("2024-02-29T10:30:00Z", QUIRE_TYPE_TIMESTAMP, 0).u.i,
                     (INT64_C(1709164800) + 10 * 3600 + 30 * 60) * 1000000);
    assert_int_equal(parse_ok("2024-02-29 10:30", QUIRE_TYPE_TIMESTAMP, 0).u.i,
                     (INT64_C(1709164800) + 10 * 3600 + 30 * 60) * 1000000);
    /* +02:00 is two hours ahead of UTC: 08:30Z. */
    assert_int_equal(parse_ok("2024-02-29T10:30:00.25+02:00", QUIRE_TYPE_TIMESTAMP, 0).u.i,
                     (INT64_C(1709164800) + 8 * 3600 + 30 * 60) * 1000000 + 250000);
    assert_int_equal(parse_ok("1970-01-01T00:00:00-00:30", QUIRE_TYPE_TIMESTAMP, 0).u.i,
                     INT64_C(1800) * 1000000);
    parse_bad("2024-02-29T24:00:00Z", QUIRE_TYPE_TIMESTAMP, 0,
              "'2024-02-29T24:00:00Z' is not a valid timestamp");
    parse_bad("2024-02-29T10:00:00.1234567Z", QUIRE_TYPE_TIMESTAMP, 0,
              "'2024-02-29T10:00:00.1234567Z' is not a valid timestamp");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bool_int_float_string),
        cmocka_unit_test(test_decimal),
        cmocka_unit_test(test_dates_and_timestamps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
