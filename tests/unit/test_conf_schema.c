/*
 * test_conf_schema.c - schema checking (kernel/conf_schema.c): every rule a
 * plugin's configuration schema must follow, with the exact message, and
 * reading schemas built with an older or newer quire_config_key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "diag_assert.h"

#define OWNER    "plugin build/plugins/x.so"
#define KEY_SIZE sizeof(quire_config_key)

/* ============================== Helpers =================================== */

/* Checks a schema that must be refused with exactly the given lines. */
#define REFUSED(schema, ...)                                                                       \
    do {                                                                                           \
        diag d_ = {0};                                                                             \
        size_t n_ = 99;                                                                            \
        assert_int_equal(conf_schema_check((schema), KEY_SIZE, OWNER, &n_, &d_), QUIRE_ERR);       \
        assert_int_equal(n_, 0);                                                                   \
        DIAG_IS(&d_, __VA_ARGS__);                                                                 \
        diag_clear(&d_);                                                                           \
    } while (0)

#define PREFIX OWNER ": config schema key "

/* ============================== Accepted ================================== */

static const quire_config_key every_type[] = {
    {"name", QUIRE_CONF_STRING, 0, "report", NULL, NULL, NULL, "A name."},
    {"workers", QUIRE_CONF_INT, 0, "4", "1", "256", NULL, "Threads."},
    {"ratio", QUIRE_CONF_FLOAT, 0, "0.5", "0", "1", NULL, NULL},
    {"strict", QUIRE_CONF_BOOL, 0, "yes", NULL, NULL, NULL, NULL},
    {"log_level", QUIRE_CONF_ENUM, 0, "info", NULL, NULL, "error|warn|info|debug", NULL},
    {"max_body", QUIRE_CONF_SIZE, 0, "16mb", "1kb", "1gb", NULL, NULL},
    {"timeout", QUIRE_CONF_DURATION, 0, "30s", "100ms", "1h", NULL, NULL},
    {"plugin_dir", QUIRE_CONF_PATH, 0, "plugins", NULL, NULL, NULL, NULL},
    {"formats", QUIRE_CONF_LIST, 0, "pdf, svg", NULL, NULL, NULL, NULL},
    {"token", QUIRE_CONF_STRING, QUIRE_CONF_REQUIRED | QUIRE_CONF_SECRET, NULL, NULL, NULL, NULL,
     NULL},
    {NULL, 0, 0, NULL, NULL, NULL, NULL, NULL},
};

static void test_valid_schema(void **state)
{
    diag d = {0};
    size_t n = 0;

    (void)state;
    assert_int_equal(conf_schema_check(every_type, KEY_SIZE, OWNER, &n, &d), QUIRE_OK);
    assert_int_equal(n, 10);
    assert_int_equal(d.count, 0);
}

static void test_null_schema_has_no_keys(void **state)
{
    static const quire_config_key empty[] = {{NULL, 0, 0, NULL, NULL, NULL, NULL, NULL}};
    diag d = {0};
    size_t n = 99;

    (void)state;
    assert_int_equal(conf_schema_check(NULL, KEY_SIZE, OWNER, &n, &d), QUIRE_OK);
    assert_int_equal(n, 0);
    n = 99;
    assert_int_equal(conf_schema_check(empty, KEY_SIZE, OWNER, &n, &d), QUIRE_OK);
    assert_int_equal(n, 0);
    assert_int_equal(d.count, 0);
}

/* The first four fields only, as an older plugin might have declared. */
typedef struct old_key {
    const char *name;
    uint32_t type;
    uint32_t flags;
    const char *default_value;
} old_key;

/* A newer key with a field this kernel does not know. */
typedef struct new_key {
    quire_config_key base;
    const char *future;
} new_key;

static void test_older_and_newer_key_sizes(void **state)
{
    static const old_key old[] = {
        {"workers", QUIRE_CONF_INT, 0, "4"},
        {"level", QUIRE_CONF_STRING, 0, NULL},
        {NULL, 0, 0, NULL},
    };
    static const new_key newer[] = {
        {{"workers", QUIRE_CONF_INT, 0, "4", "1", "8", NULL, NULL}, "x"},
        {{"mode", QUIRE_CONF_ENUM, 0, "a", NULL, NULL, "a|b", NULL}, "y"},
        {{NULL, 0, 0, NULL, NULL, NULL, NULL, NULL}, "z"},
    };
    diag d = {0};
    size_t n = 0;

    (void)state;
    assert_int_equal(conf_schema_check((const quire_config_key *)(const void *)old, sizeof(old_key),
                                       OWNER, &n, &d),
                     QUIRE_OK);
    assert_int_equal(n, 2);
    assert_int_equal(conf_schema_check(&newer[0].base, sizeof(new_key), OWNER, &n, &d), QUIRE_OK);
    assert_int_equal(n, 2);
    assert_int_equal(d.count, 0);
}

static void test_key_size_too_small(void **state)
{
    char expected[128];
    diag d = {0};
    size_t n = 99;

    (void)state;
    assert_int_equal(conf_schema_check(every_type, 16, OWNER, &n, &d), QUIRE_ERR);
    snprintf(expected, sizeof(expected), OWNER ": config key size 16, at least %zu required",
             offsetof(quire_config_key, default_value) + sizeof(const char *));
    DIAG_IS(&d, expected);
    assert_int_equal(n, 0);
    diag_clear(&d);
}

static void test_key_limit(void **state)
{
    static quire_config_key many[258];
    static char names[258][16];
    diag d = {0};
    size_t n = 0;

    (void)state;
    for (int i = 0; i < 257; i++) {
        snprintf(names[i], sizeof(names[i]), "k%d", i);
        many[i] = (quire_config_key){names[i], QUIRE_CONF_INT, 0, NULL, NULL, NULL, NULL, NULL};
    }
    many[256].name = NULL;
    assert_int_equal(conf_schema_check(many, KEY_SIZE, OWNER, &n, &d), QUIRE_OK);
    assert_int_equal(n, 256);
    many[256].name = names[256];
    REFUSED(many, OWNER ": config schema has more than 256 keys");
}

/* ============================== Refused =================================== */

static void test_invalid_names(void **state)
{
    static const quire_config_key schema[] = {
        {"Workers", QUIRE_CONF_INT, 0, NULL, NULL, NULL, NULL, NULL},
        {"", QUIRE_CONF_INT, 0, NULL, NULL, NULL, NULL, NULL},
        {"log-level", QUIRE_CONF_STRING, 0, NULL, NULL, NULL, NULL, NULL},
        {NULL, 0, 0, NULL, NULL, NULL, NULL, NULL},
    };

    (void)state;
    REFUSED(schema, PREFIX "'Workers': invalid name (use lower case letters, digits and _)",
            PREFIX "'': invalid name (use lower case letters, digits and _)",
            PREFIX "'log-level': invalid name (use lower case letters, digits and _)");
}

static void test_duplicate_names(void **state)
{
    static const quire_config_key schema[] = {
        {"a", QUIRE_CONF_INT, 0, NULL, NULL, NULL, NULL, NULL},
        {"b", QUIRE_CONF_INT, 0, NULL, NULL, NULL, NULL, NULL},
        {"a", QUIRE_CONF_STRING, 0, NULL, NULL, NULL, NULL, NULL},
        {NULL, 0, 0, NULL, NULL, NULL, NULL, NULL},
    };

    (void)state;
    REFUSED(schema, PREFIX "'a': appears twice (keys 1 and 3)");
}

static void test_unknown_type_and_flags(void **state)
{
    static const quire_config_key schema[] = {
        {"a", 0, 0, NULL, NULL, NULL, NULL, NULL},
        {"b", 10, 0, NULL, NULL, NULL, NULL, NULL},
        {"c", QUIRE_CONF_INT, 1u << 2, NULL, NULL, NULL, NULL, NULL},
        {NULL, 0, 0, NULL, NULL, NULL, NULL, NULL},
    };

    (void)state;
    REFUSED(schema, PREFIX "'a': unknown type 0", PREFIX "'b': unknown type 10",
            PREFIX "'c': unknown flags 0x4");
}

static void test_enum_choices(void **state)
{
    static const quire_config_key schema[] = {
        {"a", QUIRE_CONF_ENUM, 0, NULL, NULL, NULL, NULL, NULL},
        {"b", QUIRE_CONF_ENUM, 0, NULL, NULL, NULL, "", NULL},
        {"c", QUIRE_CONF_ENUM, 0, NULL, NULL, NULL, "x||y", NULL},
        {"d", QUIRE_CONF_ENUM, 0, NULL, NULL, NULL, "x|", NULL},
        {"e", QUIRE_CONF_ENUM, 0, "z", NULL, NULL, "x|y", NULL},
        {NULL, 0, 0, NULL, NULL, NULL, NULL, NULL},
    };

    (void)state;
    REFUSED(schema, PREFIX "'a': enum without choices", PREFIX "'b': enum without choices",
            PREFIX "'c': empty choice in 'x||y'", PREFIX "'d': empty choice in 'x|'",
            PREFIX "'e': default: 'z' is not one of x, y");
}

static void test_defaults_must_parse(void **state)
{
    static const quire_config_key schema[] = {
        {"a", QUIRE_CONF_INT, 0, "abc", NULL, NULL, NULL, NULL},
        {"b", QUIRE_CONF_SIZE, 0, "12q", NULL, NULL, NULL, NULL},
        {"c", QUIRE_CONF_BOOL, 0, "maybe", NULL, NULL, NULL, NULL},
        {"d", QUIRE_CONF_PATH, 0, "", NULL, NULL, NULL, NULL},
        {"e", QUIRE_CONF_DURATION, 0, "5 years", NULL, NULL, NULL, NULL},
        {"f", QUIRE_CONF_FLOAT, 0, "x", NULL, NULL, NULL, NULL},
        {NULL, 0, 0, NULL, NULL, NULL, NULL, NULL},
    };

    (void)state;
    REFUSED(schema, PREFIX "'a': default: 'abc' is not a valid int",
            PREFIX "'b': default: '12q' is not a valid size (e.g. 512, 64kb, 16mb)",
            PREFIX "'c': default: 'maybe' is not a valid bool (yes/no, true/false, on/off, 1/0)",
            PREFIX "'d': default: '' is not a valid path (empty)",
            PREFIX "'e': default: '5 years' is not a valid duration (e.g. 250ms, 30s, 5m, 2h)",
            PREFIX "'f': default: 'x' is not a valid float");
}

static void test_bounds_only_on_numbers(void **state)
{
    static const quire_config_key schema[] = {
        {"a", QUIRE_CONF_STRING, 0, NULL, "a", NULL, NULL, NULL},
        {"b", QUIRE_CONF_BOOL, 0, NULL, NULL, "1", NULL, NULL},
        {"c", QUIRE_CONF_LIST, 0, NULL, "1", "2", NULL, NULL},
        {NULL, 0, 0, NULL, NULL, NULL, NULL, NULL},
    };

    (void)state;
    REFUSED(schema, PREFIX "'a': min is only allowed on int, float, size and duration keys",
            PREFIX "'b': max is only allowed on int, float, size and duration keys",
            PREFIX "'c': min is only allowed on int, float, size and duration keys",
            PREFIX "'c': max is only allowed on int, float, size and duration keys");
}

static void test_bounds_must_parse(void **state)
{
    static const quire_config_key schema[] = {
        {"a", QUIRE_CONF_SIZE, 0, NULL, "x", NULL, NULL, NULL},
        {"b", QUIRE_CONF_INT, 0, NULL, NULL, "1.5", NULL, NULL},
        {"c", QUIRE_CONF_DURATION, 0, NULL, "-1s", "soon", NULL, NULL},
        {NULL, 0, 0, NULL, NULL, NULL, NULL, NULL},
    };

    (void)state;
    REFUSED(schema, PREFIX "'a': min: 'x' is not a valid size (e.g. 512, 64kb, 16mb)",
            PREFIX "'b': max: '1.5' is not a valid int",
            PREFIX "'c': min: '-1s' is not a valid duration (e.g. 250ms, 30s, 5m, 2h)",
            PREFIX "'c': max: 'soon' is not a valid duration (e.g. 250ms, 30s, 5m, 2h)");
}

static void test_min_above_max(void **state)
{
    static const quire_config_key schema[] = {
        {"a", QUIRE_CONF_INT, 0, NULL, "10", "5", NULL, NULL},
        {"b", QUIRE_CONF_SIZE, 0, NULL, "1mb", "1000kb", NULL, NULL},
        {"c", QUIRE_CONF_DURATION, 0, NULL, "1m", "60s", NULL, NULL}, /* equal: fine */
        {"d", QUIRE_CONF_FLOAT, 0, NULL, "0.5", "0.25", NULL, NULL},
        {NULL, 0, 0, NULL, NULL, NULL, NULL, NULL},
    };

    (void)state;
    REFUSED(schema, PREFIX "'a': min 10 is above the maximum 5",
            PREFIX "'b': min 1mb is above the maximum 1000kb",
            PREFIX "'d': min 0.5 is above the maximum 0.25");
}

static void test_default_within_bounds(void **state)
{
    static const quire_config_key schema[] = {
        {"a", QUIRE_CONF_INT, 0, "0", "1", "256", NULL, NULL},
        {"b", QUIRE_CONF_SIZE, 0, "2gb", NULL, "1gb", NULL, NULL},
        {"c", QUIRE_CONF_DURATION, 0, "1h", "1m", "1h", NULL, NULL}, /* inclusive: fine */
        {NULL, 0, 0, NULL, NULL, NULL, NULL, NULL},
    };

    (void)state;
    REFUSED(schema, PREFIX "'a': default 0 is below the minimum 1",
            PREFIX "'b': default 2gb is above the maximum 1gb");
}

static void test_required_with_default(void **state)
{
    static const quire_config_key schema[] = {
        {"a", QUIRE_CONF_STRING, QUIRE_CONF_REQUIRED, "x", NULL, NULL, NULL, NULL},
        {"b", QUIRE_CONF_STRING, QUIRE_CONF_REQUIRED, NULL, NULL, NULL, NULL, NULL},
        {NULL, 0, 0, NULL, NULL, NULL, NULL, NULL},
    };

    (void)state;
    REFUSED(schema, PREFIX "'a': is required and has a default");
}

static void test_every_problem_reported(void **state)
{
    static const quire_config_key schema[] = {
        {"Bad", 99, 1u << 7, NULL, NULL, NULL, NULL, NULL},
        {"ok", QUIRE_CONF_INT, QUIRE_CONF_REQUIRED, "5", "9", "1", NULL, NULL},
        {NULL, 0, 0, NULL, NULL, NULL, NULL, NULL},
    };

    (void)state;
    REFUSED(schema, PREFIX "'Bad': invalid name (use lower case letters, digits and _)",
            PREFIX "'Bad': unknown flags 0x80", PREFIX "'Bad': unknown type 99",
            PREFIX "'ok': min 9 is above the maximum 1",
            PREFIX "'ok': is required and has a default",
            PREFIX "'ok': default 5 is below the minimum 9");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_schema),
        cmocka_unit_test(test_null_schema_has_no_keys),
        cmocka_unit_test(test_older_and_newer_key_sizes),
        cmocka_unit_test(test_key_size_too_small),
        cmocka_unit_test(test_key_limit),
        cmocka_unit_test(test_invalid_names),
        cmocka_unit_test(test_duplicate_names),
        cmocka_unit_test(test_unknown_type_and_flags),
        cmocka_unit_test(test_enum_choices),
        cmocka_unit_test(test_defaults_must_parse),
        cmocka_unit_test(test_bounds_only_on_numbers),
        cmocka_unit_test(test_bounds_must_parse),
        cmocka_unit_test(test_min_above_max),
        cmocka_unit_test(test_default_within_bounds),
        cmocka_unit_test(test_required_with_default),
        cmocka_unit_test(test_every_problem_reported),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
