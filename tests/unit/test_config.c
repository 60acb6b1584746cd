/*
 * test_config.c - validated sections (kernel/conf_build.c): defaults, file
 * values, environment overrides, unknown keys, ranges, required keys,
 * origins, and the accessors plugins read through.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "diag_assert.h"

#define NAME "conf/quire.conf"

/* ============================== Fixtures ================================== */

static const quire_config_key kernel_schema[] = {
    {"workers", QUIRE_CONF_INT, 0, "4", "1", "256", NULL, "Render threads."},
    {"log_level", QUIRE_CONF_ENUM, 0, "info", NULL, NULL, "error|warn|info|debug", NULL},
    {"plugin_dir", QUIRE_CONF_PATH, 0, "plugins", NULL, NULL, NULL, NULL},
    {"max_body", QUIRE_CONF_SIZE, 0, "16mb", "1kb", "1gb", NULL, NULL},
    {"timeout", QUIRE_CONF_DURATION, 0, "30s", "100ms", "1h", NULL, NULL},
    {"strict", QUIRE_CONF_BOOL, 0, "yes", NULL, NULL, NULL, NULL},
    {"ratio", QUIRE_CONF_FLOAT, 0, "0.5", "0", "1", NULL, NULL},
    {"formats", QUIRE_CONF_LIST, 0, "pdf, svg", NULL, NULL, NULL, NULL},
    {"title", QUIRE_CONF_STRING, 0, NULL, NULL, NULL, NULL, NULL},
    {NULL, 0, 0, NULL, NULL, NULL, NULL, NULL},
};
#define KERNEL_KEYS 9

static const quire_config_key csv_schema[] = {
    {"path", QUIRE_CONF_PATH, QUIRE_CONF_REQUIRED, NULL, NULL, NULL, NULL, NULL},
    {"delimiter", QUIRE_CONF_STRING, 0, ",", NULL, NULL, NULL, NULL},
    {"pin", QUIRE_CONF_INT, QUIRE_CONF_SECRET, NULL, "0", "9999", NULL, NULL},
    {NULL, 0, 0, NULL, NULL, NULL, NULL, NULL},
};
#define CSV_KEYS 3

static const char *const env_vars[] = {
    "QUIRE_KERNEL_WORKERS",   "QUIRE_KERNEL_LOG_LEVEL",     "QUIRE_KERNEL_PLUGIN_DIR",
    "QUIRE_KERNEL_MAX_BODY",  "QUIRE_KERNEL_TIMEOUT",       "QUIRE_KERNEL_STRICT",
    "QUIRE_KERNEL_RATIO",     "QUIRE_KERNEL_FORMATS",       "QUIRE_KERNEL_TITLE",
    "QUIRE_SOURCE_CSV_PATH",  "QUIRE_SOURCE_CSV_DELIMITER", "QUIRE_SOURCE_CSV_PIN",
    "QUIRE_MY_PLUGIN_X_PATH",
};

/* Every test starts and ends with none of our variables set, even when an
 * assertion fails half way. */
static int clean_env(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(env_vars) / sizeof(env_vars[0]); i++)
        unsetenv(env_vars[i]);
    return 0;
}

static conf_file *parse(const char *text)
{
    conf_file *f = NULL;
    diag d = {0};

    assert_int_equal(conf_file_parse_text(NAME, text, strlen(text), &f, &d), QUIRE_OK);
    assert_int_equal(d.count, 0);
    return f;
}

static quire_config *build_ok(const conf_file *f, const char *section,
                              const quire_config_key *schema, size_t nkeys)
{
    quire_config *cfg = NULL;
    diag d = {0};

    int rc = config_build(f, section, schema, nkeys, &cfg, &d);
    if (d.count > 0)
        print_error("unexpected: %s\n", d.items[0].text);
    assert_int_equal(d.count, 0);
    assert_int_equal(rc, QUIRE_OK);
    assert_non_null(cfg);
    return cfg;
}

/* Builds a section that must be refused; the caller checks and clears *d. */
static void build_bad(const conf_file *f, const char *section, const quire_config_key *schema,
                      size_t nkeys, diag *d)
{
    quire_config *cfg = (quire_config *)1;

    assert_int_equal(config_build(f, section, schema, nkeys, &cfg, d), QUIRE_ERR);
    assert_null(cfg);
}

/* ============================== Defaults ================================== */

static void test_defaults_without_file(void **state)
{
    quire_config *cfg = build_ok(NULL, "kernel", kernel_schema, KERNEL_KEYS);

    (void)state;
    assert_string_equal(config_section(cfg), "kernel");
    assert_int_equal(config_get_int(cfg, "workers"), 4);
    assert_string_equal(config_get_string(cfg, "log_level"), "info");
    assert_string_equal(config_get_string(cfg, "plugin_dir"), "plugins");
    assert_int_equal(config_get_int(cfg, "max_body"), 16 * 1024 * 1024);
    assert_int_equal(config_get_int(cfg, "timeout"), 30000);
    assert_int_equal(config_get_bool(cfg, "strict"), 1);
    assert_int_equal(config_get_int(cfg, "strict"), 1);
    assert_true(config_get_float(cfg, "ratio") == 0.5);
    assert_int_equal(config_list_count(cfg, "formats"), 2);
    assert_string_equal(config_list_item(cfg, "formats", 0), "pdf");
    assert_string_equal(config_list_item(cfg, "formats", 1), "svg");
    assert_null(config_list_item(cfg, "formats", 2));
    assert_string_equal(config_origin(cfg, "workers"), "default");
    assert_int_equal(config_is_set(cfg, "workers"), 0);
    /* No default and unset. */
    assert_null(config_get_string(cfg, "title"));
    assert_null(config_value(cfg, "title", NULL));
    assert_null(config_origin(cfg, "title"));
    config_free(cfg);
}

static void test_default_path_relative_to_file(void **state)
{
    conf_file *f = parse("[kernel]\n");
    quire_config *cfg = build_ok(f, "kernel", kernel_schema, KERNEL_KEYS);

    (void)state;
    assert_string_equal(config_get_string(cfg, "plugin_dir"), "conf/plugins");
    assert_int_equal(f->sections[0].used, 1);
    config_free(cfg);
    conf_file_free(f);
}

/* ============================== File values =============================== */

static void test_file_values(void **state)
{
    conf_file *f = parse("[other]\n"
                         "x = 1\n"
                         "[kernel]\n"
                         "workers = 16\n"
                         "log_level = debug\n"
                         "plugin_dir = ../build/plugins\n"
                         "max_body = 64 kb\n"
                         "timeout = 1.5s\n"
                         "strict = off\n"
                         "ratio = 0.75\n"
                         "formats = pdf,svg png\n"
                         "title = \"Quarterly # report\"\n");
    quire_config *cfg = build_ok(f, "kernel", kernel_schema, KERNEL_KEYS);
    const conf_value *v;
    int is_set = 0;

    (void)state;
    assert_int_equal(config_get_int(cfg, "workers"), 16);
    assert_string_equal(config_get_string(cfg, "log_level"), "debug");
    assert_string_equal(config_get_string(cfg, "plugin_dir"), "build/plugins");
    assert_int_equal(config_get_int(cfg, "max_body"), 65536);
    assert_int_equal(config_get_int(cfg, "timeout"), 1500);
    assert_int_equal(config_get_bool(cfg, "strict"), 0);
    assert_true(config_get_float(cfg, "ratio") == 0.75);
    assert_int_equal(config_list_count(cfg, "formats"), 3);
    assert_string_equal(config_list_item(cfg, "formats", 2), "png");
    assert_string_equal(config_get_string(cfg, "title"), "Quarterly # report");
    assert_string_equal(config_origin(cfg, "workers"), NAME ":4");
    assert_string_equal(config_origin(cfg, "title"), NAME ":12");
    assert_int_equal(config_is_set(cfg, "timeout"), 1);
    v = config_value(cfg, "max_body", &is_set);
    assert_non_null(v);
    assert_int_equal(is_set, 1);
    assert_string_equal(v->text, "64 kb");
    assert_int_equal(f->sections[0].used, 0);
    assert_int_equal(f->sections[1].used, 1);
    config_free(cfg);
    conf_file_free(f);
}

static void test_empty_string_value(void **state)
{
    conf_file *f = parse("[kernel]\ntitle =\n");
    quire_config *cfg = build_ok(f, "kernel", kernel_schema, KERNEL_KEYS);

    (void)state;
    assert_string_equal(config_get_string(cfg, "title"), "");
    assert_int_equal(config_is_set(cfg, "title"), 1);
    config_free(cfg);
    conf_file_free(f);
}

static void test_bad_value(void **state)
{
    conf_file *f = parse("[kernel]\nworkers = 4x\nlog_level = verbose\nmax_body = 12q\n");
    diag d = {0};

    (void)state;
    build_bad(f, "kernel", kernel_schema, KERNEL_KEYS, &d);
    DIAG_IS(&d, NAME ":2: [kernel] workers: '4x' is not a valid int",
            NAME ":3: [kernel] log_level: 'verbose' is not one of error, warn, info, debug",
            NAME ":4: [kernel] max_body: '12q' is not a valid size (e.g. 512, 64kb, 16mb)");
    diag_clear(&d);
    conf_file_free(f);
}

static void test_range_errors(void **state)
{
    conf_file *f = parse("[kernel]\n"
                         "workers = 0\n"
                         "max_body = 2gb\n"
                         "timeout = 50ms\n"
                         "ratio = 1.5\n");
    conf_file *g = parse("[kernel]\nworkers = 300\n");
    diag d = {0};

    (void)state;
    build_bad(f, "kernel", kernel_schema, KERNEL_KEYS, &d);
    DIAG_IS(&d, NAME ":2: [kernel] workers: 0 is below the minimum 1",
            NAME ":3: [kernel] max_body: 2gb is above the maximum 1gb",
            NAME ":4: [kernel] timeout: 50ms is below the minimum 100ms",
            NAME ":5: [kernel] ratio: 1.5 is above the maximum 1");
    diag_clear(&d);
    build_bad(g, "kernel", kernel_schema, KERNEL_KEYS, &d);
    DIAG_IS(&d, NAME ":2: [kernel] workers: 300 is above the maximum 256");
    diag_clear(&d);
    conf_file_free(f);
    conf_file_free(g);
}

static void test_bounds_inclusive(void **state)
{
    conf_file *f = parse("[kernel]\nworkers = 256\nmax_body = 1024\ntimeout = 1h\n");
    quire_config *cfg = build_ok(f, "kernel", kernel_schema, KERNEL_KEYS);

    (void)state;
    assert_int_equal(config_get_int(cfg, "workers"), 256);
    assert_int_equal(config_get_int(cfg, "max_body"), 1024);
    assert_int_equal(config_get_int(cfg, "timeout"), 3600000);
    config_free(cfg);
    conf_file_free(f);
}

static void test_unknown_key(void **state)
{
    conf_file *f = parse("[kernel]\nworkers = 2\nwrokers = 3\n");
    diag d = {0};

    (void)state;
    build_bad(f, "kernel", kernel_schema, KERNEL_KEYS, &d);
    DIAG_IS(&d, NAME ":3: [kernel] unknown key 'wrokers'; allowed keys: workers, log_level, "
                     "plugin_dir, max_body, timeout, strict, ratio, formats, title");
    diag_clear(&d);
    conf_file_free(f);
}

static void test_unknown_key_no_schema(void **state)
{
    conf_file *f = parse("[renderer.svg]\nscale = 2\n");
    quire_config *cfg = NULL;
    diag d = {0};

    (void)state;
    build_bad(f, "renderer.svg", NULL, 0, &d);
    DIAG_IS(&d, NAME ":2: [renderer.svg] unknown key 'scale'; this section takes no keys");
    diag_clear(&d);
    /* An absent section with no schema is fine. */
    assert_int_equal(config_build(f, "renderer.pdf", NULL, 0, &cfg, &d), QUIRE_OK);
    assert_int_equal(d.count, 0);
    assert_null(config_value(cfg, "anything", NULL));
    config_free(cfg);
    conf_file_free(f);
}

static void test_file_path_resolution(void **state)
{
    conf_file *f = parse("[source.csv]\npath = data/sales.csv\n");
    conf_file *g = parse("[source.csv]\npath = /srv/data/./sales.csv\n");
    quire_config *cfg = build_ok(f, "source.csv", csv_schema, CSV_KEYS);
    quire_config *abs = build_ok(g, "source.csv", csv_schema, CSV_KEYS);

    (void)state;
    assert_string_equal(config_get_string(cfg, "path"), "conf/data/sales.csv");
    assert_string_equal(config_get_string(abs, "path"), "/srv/data/sales.csv");
    assert_string_equal(config_get_string(cfg, "delimiter"), ",");
    config_free(cfg);
    config_free(abs);
    conf_file_free(f);
    conf_file_free(g);
}

/* ============================== Environment =============================== */

static void test_env_beats_file(void **state)
{
    conf_file *f = parse("[kernel]\nworkers = 2\nlog_level = warn\n");
    quire_config *cfg;

    (void)state;
    setenv("QUIRE_KERNEL_WORKERS", "8", 1);
    setenv("QUIRE_KERNEL_TIMEOUT", "2m", 1);
    cfg = build_ok(f, "kernel", kernel_schema, KERNEL_KEYS);
    assert_int_equal(config_get_int(cfg, "workers"), 8);
    assert_string_equal(config_origin(cfg, "workers"), "environment QUIRE_KERNEL_WORKERS");
    assert_int_equal(config_get_int(cfg, "timeout"), 120000);
    assert_string_equal(config_origin(cfg, "timeout"), "environment QUIRE_KERNEL_TIMEOUT");
    assert_int_equal(config_is_set(cfg, "timeout"), 1);
    assert_string_equal(config_get_string(cfg, "log_level"), "warn");
    assert_string_equal(config_origin(cfg, "log_level"), NAME ":3");
    config_free(cfg);
    conf_file_free(f);
}

static void test_env_without_file(void **state)
{
    quire_config *cfg;

    (void)state;
    setenv("QUIRE_KERNEL_LOG_LEVEL", "error", 1);
    cfg = build_ok(NULL, "kernel", kernel_schema, KERNEL_KEYS);
    assert_string_equal(config_get_string(cfg, "log_level"), "error");
    config_free(cfg);
}

static void test_env_dotted_section_and_relative_path(void **state)
{
    conf_file *f = parse("[source.csv]\npath = a.csv\n");
    quire_config *cfg;

    (void)state;
    setenv("QUIRE_SOURCE_CSV_PATH", "./data/../b.csv", 1);
    setenv("QUIRE_SOURCE_CSV_DELIMITER", ";", 1);
    cfg = build_ok(f, "source.csv", csv_schema, CSV_KEYS);
    /* Relative to the current directory, not to the config file. */
    assert_string_equal(config_get_string(cfg, "path"), "b.csv");
    assert_string_equal(config_get_string(cfg, "delimiter"), ";");
    assert_string_equal(config_origin(cfg, "delimiter"), "environment QUIRE_SOURCE_CSV_DELIMITER");
    config_free(cfg);
    conf_file_free(f);
}

static void test_env_name_dashes(void **state)
{
    quire_config *cfg;

    (void)state;
    setenv("QUIRE_MY_PLUGIN_X_PATH", "/p", 1);
    cfg = build_ok(NULL, "my-plugin.x", csv_schema, CSV_KEYS);
    assert_string_equal(config_get_string(cfg, "path"), "/p");
    config_free(cfg);
}

static void test_env_bad_value(void **state)
{
    conf_file *f = parse("[kernel]\nworkers = 2\n");
    diag d = {0};

    (void)state;
    setenv("QUIRE_KERNEL_WORKERS", "lots", 1);
    setenv("QUIRE_KERNEL_MAX_BODY", "0", 1);
    build_bad(f, "kernel", kernel_schema, KERNEL_KEYS, &d);
    DIAG_IS(&d, "environment QUIRE_KERNEL_WORKERS: [kernel] workers: 'lots' is not a valid int",
            "environment QUIRE_KERNEL_MAX_BODY: [kernel] max_body: 0 is below the minimum 1kb");
    diag_clear(&d);
    conf_file_free(f);
}

static void test_env_fixes_nothing_in_file(void **state)
{
    /* A bad file value is reported even if the environment overrides it. */
    conf_file *f = parse("[kernel]\nworkers = x\n");
    diag d = {0};

    (void)state;
    setenv("QUIRE_KERNEL_WORKERS", "3", 1);
    build_bad(f, "kernel", kernel_schema, KERNEL_KEYS, &d);
    DIAG_IS(&d, NAME ":2: [kernel] workers: 'x' is not a valid int");
    diag_clear(&d);
    conf_file_free(f);
}

/* ============================== Required keys ============================= */

static void test_missing_required_in_section(void **state)
{
    conf_file *f = parse("# sources\n\n[source.csv]\ndelimiter = ;\n");
    diag d = {0};

    (void)state;
    build_bad(f, "source.csv", csv_schema, CSV_KEYS, &d);
    DIAG_IS(&d, NAME ":3: [source.csv] missing required key 'path'");
    diag_clear(&d);
    conf_file_free(f);
}

static void test_missing_required_no_section(void **state)
{
    conf_file *f = parse("[kernel]\n");
    diag d = {0};

    (void)state;
    build_bad(f, "source.csv", csv_schema, CSV_KEYS, &d);
    DIAG_IS(&d, NAME ": [source.csv] missing required key 'path' (no [source.csv] section)");
    assert_int_equal(f->sections[0].used, 0);
    diag_clear(&d);
    conf_file_free(f);
}

static void test_missing_required_no_file(void **state)
{
    diag d = {0};

    (void)state;
    build_bad(NULL, "source.csv", csv_schema, CSV_KEYS, &d);
    DIAG_IS(&d, "[source.csv] missing required key 'path'");
    diag_clear(&d);
}

static void test_required_bad_value_not_also_missing(void **state)
{
    conf_file *f = parse("[source.csv]\npath =\n");
    diag d = {0};

    (void)state;
    build_bad(f, "source.csv", csv_schema, CSV_KEYS, &d);
    DIAG_IS(&d, NAME ":2: [source.csv] path: '' is not a valid path (empty)");
    diag_clear(&d);
    conf_file_free(f);
}

/* ============================== Secrets =================================== */

static void test_secret_value_not_shown(void **state)
{
    conf_file *f = parse("[source.csv]\npath = x\npin = 12x4\n");
    conf_file *g = parse("[source.csv]\npath = x\npin = 123456\n");
    diag d = {0};

    (void)state;
    build_bad(f, "source.csv", csv_schema, CSV_KEYS, &d);
    DIAG_IS(&d, NAME ":3: [source.csv] pin: the value is not a valid int (not shown: the key "
                     "is secret)");
    diag_clear(&d);
    build_bad(g, "source.csv", csv_schema, CSV_KEYS, &d);
    DIAG_IS(&d, NAME ":3: [source.csv] pin: the value is above the maximum 9999");
    diag_clear(&d);
    conf_file_free(f);
    conf_file_free(g);
}

/* ============================== Everything at once ======================== */

static void test_every_problem_reported(void **state)
{
    conf_file *f = parse("[kernel]\n"
                         "workers = 0\n"
                         "log_level = loud\n"
                         "colour = blue\n"
                         "timeout = forever\n"
                         "strict = perhaps\n"
                         "ratio = 2\n");
    diag d = {0};

    (void)state;
    setenv("QUIRE_KERNEL_MAX_BODY", "huge", 1);
    build_bad(f, "kernel", kernel_schema, KERNEL_KEYS, &d);
    assert_int_equal(d.errors, 7);
    assert_string_equal(d.items[0].text, NAME ":2: [kernel] workers: 0 is below the minimum 1");
    assert_string_equal(d.items[2].text,
                        NAME ":4: [kernel] unknown key 'colour'; allowed keys: workers, "
                             "log_level, plugin_dir, max_body, timeout, strict, ratio, formats, "
                             "title");
    assert_string_equal(d.items[6].text, "environment QUIRE_KERNEL_MAX_BODY: [kernel] "
                                         "max_body: 'huge' is not a valid size (e.g. 512, "
                                         "64kb, 16mb)");
    diag_clear(&d);
    conf_file_free(f);
}

static void test_errors_accumulate_in_existing_diag(void **state)
{
    conf_file *f = parse("[kernel]\nworkers = 0\n");
    diag d = {0};

    (void)state;
    diag_error(&d, "earlier problem");
    diag_warning(&d, "a warning");
    build_bad(f, "kernel", kernel_schema, KERNEL_KEYS, &d);
    assert_int_equal(d.count, 3);
    assert_int_equal(d.errors, 2);
    diag_clear(&d);
    conf_file_free(f);
}

/* ============================== Accessors ================================= */

static void test_accessors_wrong_type_or_key(void **state)
{
    quire_config *cfg = build_ok(NULL, "kernel", kernel_schema, KERNEL_KEYS);

    (void)state;
    assert_null(config_get_string(cfg, "workers"));
    assert_null(config_get_string(cfg, "formats"));
    assert_int_equal(config_get_int(cfg, "log_level"), 0);
    assert_true(config_get_float(cfg, "workers") == 0.0);
    assert_int_equal(config_get_bool(cfg, "workers"), 0);
    assert_int_equal(config_list_count(cfg, "workers"), 0);
    assert_null(config_list_item(cfg, "workers", 0));
    assert_null(config_get_string(cfg, "nope"));
    assert_int_equal(config_get_int(cfg, "nope"), 0);
    assert_int_equal(config_is_set(cfg, "nope"), 0);
    assert_null(config_origin(cfg, "nope"));
    assert_null(config_value(cfg, "nope", NULL));
    assert_int_equal(config_has_key(cfg, "title"), 1); /* in the schema, though unset */
    assert_int_equal(config_has_key(cfg, "nope"), 0);
    assert_int_equal(config_has_key(NULL, "title"), 0);
    assert_null(config_get_string(NULL, "workers"));
    assert_int_equal(config_get_int(NULL, "workers"), 0);
    assert_null(config_section(NULL));
    config_free(cfg);
    config_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, clean_env, clean_env)
        T(test_defaults_without_file),
        T(test_default_path_relative_to_file),
        T(test_file_values),
        T(test_empty_string_value),
        T(test_bad_value),
        T(test_range_errors),
        T(test_bounds_inclusive),
        T(test_unknown_key),
        T(test_unknown_key_no_schema),
        T(test_file_path_resolution),
        T(test_env_beats_file),
        T(test_env_without_file),
        T(test_env_dotted_section_and_relative_path),
        T(test_env_name_dashes),
        T(test_env_bad_value),
        T(test_env_fixes_nothing_in_file),
        T(test_missing_required_in_section),
        T(test_missing_required_no_section),
        T(test_missing_required_no_file),
        T(test_required_bad_value_not_also_missing),
        T(test_secret_value_not_shown),
        T(test_every_problem_reported),
        T(test_errors_accumulate_in_existing_diag),
        T(test_accessors_wrong_type_or_key),
#undef T
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
