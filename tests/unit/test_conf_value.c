/*
 * test_conf_value.c - typed configuration values (kernel/conf_value.c):
 * what each type accepts, what it stores, and the exact reason it gives for
 * text it refuses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"

/* ============================== Helpers =================================== */

/* Parses text that must be accepted; the caller clears *v. */
static void ok(uint32_t type, const char *text, const char *choices, const char *base,
               conf_value *v)
{
    char why[512] = "";

    if (conf_value_parse(type, text, choices, base, v, why, sizeof(why)) != QUIRE_OK)
        fail_msg("'%s' as %s refused: %s", text, conf_type_name(type), why);
    assert_int_equal(v->type, type);
    assert_non_null(v->text);
}

static int64_t ok_i(uint32_t type, const char *text)
{
    conf_value v;
    int64_t i;

    ok(type, text, NULL, NULL, &v);
    assert_string_equal(v.text, text);
    i = v.i;
    conf_value_clear(&v);
    return i;
}

static double ok_f(const char *text)
{
    conf_value v;
    double f;

    ok(QUIRE_CONF_FLOAT, text, NULL, NULL, &v);
    f = v.f;
    conf_value_clear(&v);
    return f;
}

/* Parses text that must be refused with exactly `expected`. */
static void bad(uint32_t type, const char *text, const char *choices, const char *expected)
{
    conf_value v;
    char why[512] = "";

    if (conf_value_parse(type, text, choices, NULL, &v, why, sizeof(why)) == QUIRE_OK) {
        conf_value_clear(&v);
        fail_msg("'%s' as %s accepted", text, conf_type_name(type));
    }
    assert_string_equal(why, expected);
    assert_null(v.text);
    assert_null(v.list);
}

/* ============================== Types ===================================== */

static void test_string(void **state)
{
    conf_value v;

    (void)state;
    ok(QUIRE_CONF_STRING, "", NULL, NULL, &v);
    assert_string_equal(v.text, "");
    conf_value_clear(&v);
    ok(QUIRE_CONF_STRING, "  anything at all: 12x, #, \"  ", NULL, NULL, &v);
    assert_string_equal(v.text, "  anything at all: 12x, #, \"  ");
    conf_value_clear(&v);
}

static void test_int_accepts(void **state)
{
    (void)state;
    assert_int_equal(ok_i(QUIRE_CONF_INT, "0"), 0);
    assert_int_equal(ok_i(QUIRE_CONF_INT, "42"), 42);
    assert_int_equal(ok_i(QUIRE_CONF_INT, "-5"), -5);
    assert_int_equal(ok_i(QUIRE_CONF_INT, "+7"), 7);
    assert_int_equal(ok_i(QUIRE_CONF_INT, "007"), 7);
    assert_true(ok_i(QUIRE_CONF_INT, "9223372036854775807") == INT64_MAX);
    assert_true(ok_i(QUIRE_CONF_INT, "-9223372036854775808") == INT64_MIN);
}

static void test_int_refuses(void **state)
{
    (void)state;
    bad(QUIRE_CONF_INT, "12x", NULL, "'12x' is not a valid int");
    bad(QUIRE_CONF_INT, "", NULL, "'' is not a valid int");
    bad(QUIRE_CONF_INT, "-", NULL, "'-' is not a valid int");
    bad(QUIRE_CONF_INT, " 1", NULL, "' 1' is not a valid int");
    bad(QUIRE_CONF_INT, "1 2", NULL, "'1 2' is not a valid int");
    bad(QUIRE_CONF_INT, "1.0", NULL, "'1.0' is not a valid int");
    bad(QUIRE_CONF_INT, "0x10", NULL, "'0x10' is not a valid int");
    bad(QUIRE_CONF_INT, "--1", NULL, "'--1' is not a valid int");
    bad(QUIRE_CONF_INT, "99999999999999999999", NULL,
        "'99999999999999999999' is out of range for an int");
    bad(QUIRE_CONF_INT, "9223372036854775808", NULL,
        "'9223372036854775808' is out of range for an int");
    bad(QUIRE_CONF_INT, "-9223372036854775809", NULL,
        "'-9223372036854775809' is out of range for an int");
}

static void test_float(void **state)
{
    (void)state;
    assert_true(ok_f("1.5") == 1.5);
    assert_true(ok_f("-2") == -2.0);
    assert_true(ok_f("1e3") == 1000.0);
    assert_true(ok_f(".25") == 0.25);
    assert_true(ok_f("0") == 0.0);
    bad(QUIRE_CONF_FLOAT, "abc", NULL, "'abc' is not a valid float");
    bad(QUIRE_CONF_FLOAT, "", NULL, "'' is not a valid float");
    bad(QUIRE_CONF_FLOAT, "1.5x", NULL, "'1.5x' is not a valid float");
    bad(QUIRE_CONF_FLOAT, " 1", NULL, "' 1' is not a valid float");
    bad(QUIRE_CONF_FLOAT, "nan", NULL, "'nan' is not a valid float");
    bad(QUIRE_CONF_FLOAT, "inf", NULL, "'inf' is not a valid float");
    bad(QUIRE_CONF_FLOAT, "1e999", NULL, "'1e999' is not a valid float");
}

static void test_bool(void **state)
{
    static const char *const yes[] = {"yes", "YES", "True", "on", "ON", "1"};
    static const char *const no[] = {"no", "No", "false", "FALSE", "off", "0"};

    (void)state;
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        assert_int_equal(ok_i(QUIRE_CONF_BOOL, yes[i]), 1);
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        assert_int_equal(ok_i(QUIRE_CONF_BOOL, no[i]), 0);
    bad(QUIRE_CONF_BOOL, "maybe", NULL,
        "'maybe' is not a valid bool (yes/no, true/false, on/off, 1/0)");
    bad(QUIRE_CONF_BOOL, "", NULL, "'' is not a valid bool (yes/no, true/false, on/off, 1/0)");
    bad(QUIRE_CONF_BOOL, "2", NULL, "'2' is not a valid bool (yes/no, true/false, on/off, 1/0)");
    bad(QUIRE_CONF_BOOL, "y", NULL, "'y' is not a valid bool (yes/no, true/false, on/off, 1/0)");
}

static void test_enum(void **state)
{
    const char *levels = "error|warn|info|debug";
    conf_value v;

    (void)state;
    ok(QUIRE_CONF_ENUM, "warn", levels, NULL, &v);
    assert_string_equal(v.text, "warn");
    assert_int_equal(v.i, 1);
    conf_value_clear(&v);
    ok(QUIRE_CONF_ENUM, "debug", levels, NULL, &v);
    assert_int_equal(v.i, 3);
    conf_value_clear(&v);
    bad(QUIRE_CONF_ENUM, "verbose", levels, "'verbose' is not one of error, warn, info, debug");
    bad(QUIRE_CONF_ENUM, "WARN", levels, "'WARN' is not one of error, warn, info, debug");
    bad(QUIRE_CONF_ENUM, "war", levels, "'war' is not one of error, warn, info, debug");
    bad(QUIRE_CONF_ENUM, "", levels, "'' is not one of error, warn, info, debug");
    bad(QUIRE_CONF_ENUM, "warn|info", levels, "'warn|info' is not one of error, warn, info, debug");
    bad(QUIRE_CONF_ENUM, "", NULL, "'' is not one of ");
}

static void test_size_units(void **state)
{
    (void)state;
    assert_int_equal(ok_i(QUIRE_CONF_SIZE, "0"), 0);
    assert_int_equal(ok_i(QUIRE_CONF_SIZE, "512"), 512);
    assert_int_equal(ok_i(QUIRE_CONF_SIZE, "512b"), 512);
    assert_int_equal(ok_i(QUIRE_CONF_SIZE, "1k"), 1000);
    assert_int_equal(ok_i(QUIRE_CONF_SIZE, "1kb"), 1024);
    assert_int_equal(ok_i(QUIRE_CONF_SIZE, "1KiB"), 1024);
    assert_int_equal(ok_i(QUIRE_CONF_SIZE, "64kb"), 65536);
    assert_int_equal(ok_i(QUIRE_CONF_SIZE, "64 KB"), 65536);
    assert_int_equal(ok_i(QUIRE_CONF_SIZE, "2\tk"), 2000);
    assert_int_equal(ok_i(QUIRE_CONF_SIZE, "1m"), 1000000);
    assert_int_equal(ok_i(QUIRE_CONF_SIZE, "16mb"), 16777216);
    assert_int_equal(ok_i(QUIRE_CONF_SIZE, "16MiB"), 16777216);
    assert_int_equal(ok_i(QUIRE_CONF_SIZE, "2g"), 2000000000);
    assert_int_equal(ok_i(QUIRE_CONF_SIZE, "2GB"), 2147483648);
    assert_int_equal(ok_i(QUIRE_CONF_SIZE, "1gib"), 1073741824);
    assert_int_equal(ok_i(QUIRE_CONF_SIZE, "3t"), 3000000000000);
    assert_int_equal(ok_i(QUIRE_CONF_SIZE, "1tb"), 1099511627776);
    assert_int_equal(ok_i(QUIRE_CONF_SIZE, "1TIB"), 1099511627776);
}

static void test_size_refuses(void **state)
{
    (void)state;
    bad(QUIRE_CONF_SIZE, "12q", NULL, "'12q' is not a valid size (e.g. 512, 64kb, 16mb)");
    bad(QUIRE_CONF_SIZE, "", NULL, "'' is not a valid size (e.g. 512, 64kb, 16mb)");
    bad(QUIRE_CONF_SIZE, "kb", NULL, "'kb' is not a valid size (e.g. 512, 64kb, 16mb)");
    bad(QUIRE_CONF_SIZE, "-1", NULL, "'-1' is not a valid size (e.g. 512, 64kb, 16mb)");
    bad(QUIRE_CONF_SIZE, "+1", NULL, "'+1' is not a valid size (e.g. 512, 64kb, 16mb)");
    bad(QUIRE_CONF_SIZE, "1.5mb", NULL, "'1.5mb' is not a valid size (e.g. 512, 64kb, 16mb)");
    bad(QUIRE_CONF_SIZE, "1 k b", NULL, "'1 k b' is not a valid size (e.g. 512, 64kb, 16mb)");
    bad(QUIRE_CONF_SIZE, "1pb", NULL, "'1pb' is not a valid size (e.g. 512, 64kb, 16mb)");
    bad(QUIRE_CONF_SIZE, "1kbb", NULL, "'1kbb' is not a valid size (e.g. 512, 64kb, 16mb)");
}

static void test_size_overflow(void **state)
{
    (void)state;
    assert_true(ok_i(QUIRE_CONF_SIZE, "9223372036854775807") == INT64_MAX);
    assert_true(ok_i(QUIRE_CONF_SIZE, "8388607tb") == (int64_t)8388607 << 40);
    bad(QUIRE_CONF_SIZE, "9223372036854775808", NULL,
        "'9223372036854775808' is out of range for a size");
    bad(QUIRE_CONF_SIZE, "8388608tb", NULL, "'8388608tb' is out of range for a size");
    bad(QUIRE_CONF_SIZE, "99999999999999999999999", NULL,
        "'99999999999999999999999' is out of range for a size");
    bad(QUIRE_CONF_SIZE, "9999999999999999999999gb", NULL,
        "'9999999999999999999999gb' is out of range for a size");
    /* A bad unit is reported as such even on a huge number. */
    bad(QUIRE_CONF_SIZE, "99999999999999999999999zz", NULL,
        "'99999999999999999999999zz' is not a valid size (e.g. 512, 64kb, 16mb)");
}

static void test_duration(void **state)
{
    (void)state;
    assert_int_equal(ok_i(QUIRE_CONF_DURATION, "250ms"), 250);
    assert_int_equal(ok_i(QUIRE_CONF_DURATION, "30s"), 30000);
    assert_int_equal(ok_i(QUIRE_CONF_DURATION, "5m"), 300000);
    assert_int_equal(ok_i(QUIRE_CONF_DURATION, "2h"), 7200000);
    assert_int_equal(ok_i(QUIRE_CONF_DURATION, "1d"), 86400000);
    assert_int_equal(ok_i(QUIRE_CONF_DURATION, "10"), 10000);
    assert_int_equal(ok_i(QUIRE_CONF_DURATION, "0"), 0);
    assert_int_equal(ok_i(QUIRE_CONF_DURATION, "2 H"), 7200000);
    assert_int_equal(ok_i(QUIRE_CONF_DURATION, "100MS"), 100);
}

static void test_duration_fractions(void **state)
{
    (void)state;
    assert_int_equal(ok_i(QUIRE_CONF_DURATION, "1.5s"), 1500);
    assert_int_equal(ok_i(QUIRE_CONF_DURATION, "0.5"), 500);
    assert_int_equal(ok_i(QUIRE_CONF_DURATION, ".25s"), 250);
    assert_int_equal(ok_i(QUIRE_CONF_DURATION, "2."), 2000);
    assert_int_equal(ok_i(QUIRE_CONF_DURATION, "1.5 h"), 5400000);
    assert_int_equal(ok_i(QUIRE_CONF_DURATION, "0.1s"), 100);
    assert_int_equal(ok_i(QUIRE_CONF_DURATION, "2.5ms"), 3);   /* rounded */
    assert_int_equal(ok_i(QUIRE_CONF_DURATION, "0.0006s"), 1); /* rounded */
    assert_int_equal(ok_i(QUIRE_CONF_DURATION, "1.0004s"), 1000);
}

static void test_duration_refuses(void **state)
{
    const char *hint = "is not a valid duration (e.g. 250ms, 30s, 5m, 2h)";
    static const char *const texts[] = {"5 years", "-5s", "",   "s",     ".",   "1.2.3s",
                                        "1e3s",    "+1s", "1w", "1 s s", "1:30"};
    char expected[128];

    (void)state;
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        snprintf(expected, sizeof(expected), "'%s' %s", texts[i], hint);
        bad(QUIRE_CONF_DURATION, texts[i], NULL, expected);
    }
    assert_true(ok_i(QUIRE_CONF_DURATION, "106751991166d") == (int64_t)106751991166 * 86400000);
    bad(QUIRE_CONF_DURATION, "106751991168d", NULL,
        "'106751991168d' is out of range for a duration");
    bad(QUIRE_CONF_DURATION, "99999999999999999999ms", NULL,
        "'99999999999999999999ms' is out of range for a duration");
}

static void test_path(void **state)
{
    conf_value v;

    (void)state;
    ok(QUIRE_CONF_PATH, "data/x.csv", NULL, "conf", &v);
    assert_string_equal(v.text, "conf/data/x.csv");
    conf_value_clear(&v);
    ok(QUIRE_CONF_PATH, "../plugins/", NULL, "conf", &v);
    assert_string_equal(v.text, "plugins");
    conf_value_clear(&v);
    ok(QUIRE_CONF_PATH, "/var//lib/./quire", NULL, "conf", &v);
    assert_string_equal(v.text, "/var/lib/quire");
    conf_value_clear(&v);
    ok(QUIRE_CONF_PATH, "a//b/", NULL, NULL, &v);
    assert_string_equal(v.text, "a/b");
    conf_value_clear(&v);
    ok(QUIRE_CONF_PATH, "x", NULL, "/etc/quire", &v);
    assert_string_equal(v.text, "/etc/quire/x");
    conf_value_clear(&v);
    bad(QUIRE_CONF_PATH, "", NULL, "'' is not a valid path (empty)");
}

static void test_list(void **state)
{
    conf_value v;

    (void)state;
    ok(QUIRE_CONF_LIST, "a, b c,,d\t e ,", NULL, NULL, &v);
    assert_string_equal(v.text, "a, b c,,d\t e ,");
    assert_int_equal(v.nlist, 5);
    assert_string_equal(v.list[0], "a");
    assert_string_equal(v.list[1], "b");
    assert_string_equal(v.list[2], "c");
    assert_string_equal(v.list[3], "d");
    assert_string_equal(v.list[4], "e");
    conf_value_clear(&v);
    assert_int_equal(v.nlist, 0);
    assert_null(v.list);

    ok(QUIRE_CONF_LIST, "", NULL, NULL, &v);
    assert_int_equal(v.nlist, 0);
    conf_value_clear(&v);
    ok(QUIRE_CONF_LIST, " , ,, ", NULL, NULL, &v);
    assert_int_equal(v.nlist, 0);
    conf_value_clear(&v);
    ok(QUIRE_CONF_LIST, "one", NULL, NULL, &v);
    assert_int_equal(v.nlist, 1);
    assert_string_equal(v.list[0], "one");
    conf_value_clear(&v);
}

static void test_unknown_type(void **state)
{
    (void)state;
    bad(0, "x", NULL, "unknown type 0");
    bad(42, "x", NULL, "unknown type 42");
}

static void test_type_names(void **state)
{
    static const char *const names[] = {"unknown", "string",   "int",  "float", "bool",   "enum",
                                        "size",    "duration", "path", "list",  "unknown"};

    (void)state;
    for (uint32_t t = 0; t < sizeof(names) / sizeof(names[0]); t++)
        assert_string_equal(conf_type_name(t), names[t]);
}

static void test_why_buffer(void **state)
{
    conf_value v;
    char small[8];

    (void)state;
    /* No room or no buffer at all: still refused, nothing overrun. */
    assert_int_equal(conf_value_parse(QUIRE_CONF_INT, "12x", NULL, NULL, &v, NULL, 0), QUIRE_ERR);
    assert_int_equal(conf_value_parse(QUIRE_CONF_INT, "12x", NULL, NULL, &v, small, sizeof(small)),
                     QUIRE_ERR);
    assert_string_equal(small, "'12x' i");
    conf_value_clear(NULL);
}

static void test_long_and_odd_values_shown_safely(void **state)
{
    char text[200];

    (void)state;
    memset(text, '7', sizeof(text) - 2);
    text[sizeof(text) - 2] = 'x';
    text[sizeof(text) - 1] = '\0';
    bad(QUIRE_CONF_INT, text, NULL,
        "'777777777777777777777777777777777777777777777777777777777777...' is not a valid int");
    bad(QUIRE_CONF_INT, "1\n2\t\x7f", NULL, "'1\\n2\\t\\x7f' is not a valid int");
}

static void test_show(void **state)
{
    char buf[CONF_SHOW_MAX];
    char text[80];

    (void)state;
    assert_string_equal(conf_show("plain", buf, sizeof(buf)), "plain");
    assert_string_equal(conf_show("a\rb\x01", buf, sizeof(buf)), "a\\rb\\x01");
    /* 59 ASCII bytes then "é": cut before the partial character. */
    memset(text, 'a', 59);
    memcpy(text + 59, "\xC3\xA9zz", 5);
    conf_show(text, buf, sizeof(buf));
    assert_int_equal(strlen(buf), 62);
    assert_memory_equal(buf + 59, "...", 3);
    assert_string_equal(conf_show("abcdefghij", buf, 8), "abcd...");
}

static void test_bounds(void **state)
{
    quire_config_key key = {"workers", QUIRE_CONF_INT, 0, NULL, "1", "256", NULL, NULL};
    quire_config_key size = {"body", QUIRE_CONF_SIZE, 0, NULL, "1kb", "1gb", NULL, NULL};
    quire_config_key ratio = {"ratio", QUIRE_CONF_FLOAT, 0, NULL, "0", "1", NULL, NULL};
    quire_config_key name = {"name", QUIRE_CONF_STRING, 0, NULL, "x", "y", NULL, NULL};
    conf_value v;
    char why[256];

    (void)state;
    ok(QUIRE_CONF_INT, "0", NULL, NULL, &v);
    assert_int_equal(conf_value_check_bounds(&key, &v, "0", why, sizeof(why)), QUIRE_ERR);
    assert_string_equal(why, "0 is below the minimum 1");
    conf_value_clear(&v);
    ok(QUIRE_CONF_INT, "256", NULL, NULL, &v);
    assert_int_equal(conf_value_check_bounds(&key, &v, "256", why, sizeof(why)), QUIRE_OK);
    conf_value_clear(&v);
    ok(QUIRE_CONF_SIZE, "2gb", NULL, NULL, &v);
    assert_int_equal(conf_value_check_bounds(&size, &v, "2gb", why, sizeof(why)), QUIRE_ERR);
    assert_string_equal(why, "2gb is above the maximum 1gb");
    conf_value_clear(&v);
    ok(QUIRE_CONF_SIZE, "1024", NULL, NULL, &v);
    assert_int_equal(conf_value_check_bounds(&size, &v, "1024", why, sizeof(why)), QUIRE_OK);
    conf_value_clear(&v);
    ok(QUIRE_CONF_FLOAT, "1.01", NULL, NULL, &v);
    assert_int_equal(conf_value_check_bounds(&ratio, &v, "1.01", why, sizeof(why)), QUIRE_ERR);
    assert_string_equal(why, "1.01 is above the maximum 1");
    conf_value_clear(&v);
    ok(QUIRE_CONF_STRING, "a", NULL, NULL, &v);
    assert_int_equal(conf_value_check_bounds(&name, &v, "a", why, sizeof(why)), QUIRE_OK);
    conf_value_clear(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_string),
        cmocka_unit_test(test_int_accepts),
        cmocka_unit_test(test_int_refuses),
        cmocka_unit_test(test_float),
        cmocka_unit_test(test_bool),
        cmocka_unit_test(test_enum),
        cmocka_unit_test(test_size_units),
        cmocka_unit_test(test_size_refuses),
        cmocka_unit_test(test_size_overflow),
        cmocka_unit_test(test_duration),
        cmocka_unit_test(test_duration_fractions),
        cmocka_unit_test(test_duration_refuses),
        cmocka_unit_test(test_path),
        cmocka_unit_test(test_list),
        cmocka_unit_test(test_unknown_type),
        cmocka_unit_test(test_type_names),
        cmocka_unit_test(test_why_buffer),
        cmocka_unit_test(test_long_and_odd_values_shown_safely),
        cmocka_unit_test(test_show),
        cmocka_unit_test(test_bounds),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
