/*
 * test_loader.c - unit tests for the loader and the registry, driven with the
 * purpose-built plugins in $QUIRE_BUILD/tests/plugins: size-based copying of
 * old descriptors and wide schemas, rollback of a failed init, registration
 * rules, duplicates, strict-mode stops, and the host table's version check.
 * (tests/integration/loader.sh checks the same rules through the CLI.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kernel.h"
#include "registry.h"

/* ============================== Fixture =================================== */

static char plugin_dir[4096];
static char conf_path[4096];

/* Writes a config naming `allow` from the test plugins and opens a kernel
 * with its plugins loaded. Diagnostics are left in *d for the test. */
static kernel *open_with(const char *allow, int strict, diag *d, int *exit_code)
{
    kernel *k = NULL;
    FILE *f = fopen(conf_path, "w");

    assert_non_null(f);
    /* No probe cache: unit tests run with the real HOME. */
    fprintf(f,
            "[kernel]\nplugin_dir = %s\nplugins = %s\nstrict = %s\nlog_level = error\n"
            "plugin_probe_cache = off\n",
            plugin_dir, allow, strict ? "yes" : "no");
    fclose(f);
    assert_int_equal(kernel_open(conf_path, &k, d), QUIRE_OK);
    kernel_load_plugins(k, d, exit_code);
    return k;
}

static plugin_rec *by_stem(const kernel *k, const char *stem)
{
    for (size_t i = 0; i < k->nplugins; i++)
        if (strcmp(k->plugins[i]->file_stem, stem) == 0)
            return k->plugins[i];
    fail_msg("no plugin record for %s", stem);
    return NULL;
}

static int has_line(const diag *d, const char *needle)
{
    for (size_t i = 0; i < d->count; i++)
        if (strstr(d->items[i].text, needle) != NULL)
            return 1;
    return 0;
}

static int setup(void **state)
{
    const char *build = getenv("QUIRE_BUILD");
    char rel[4096];

    (void)state;
    snprintf(rel, sizeof(rel), "%s/tests/plugins", build ? build : "build");
    if (realpath(rel, plugin_dir) == NULL)
        return -1;
    snprintf(conf_path, sizeof(conf_path), "/tmp/quire-test-loader-%ld.conf", (long)getpid());
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(conf_path);
    return 0;
}

/* ============================== Size-based copies ========================= */

static void test_old_descriptor_is_zero_extended(void **state)
{
    diag d = {0};
    int code;
    kernel *k = open_with("old_minor", 1, &d, &code);
    plugin_rec *rec = by_stem(k, "old_minor");

    (void)state;
    assert_int_equal(code, QUIRE_EXIT_OK);
    assert_int_equal(rec->state, PLUGIN_READY);
    assert_int_equal(rec->desc.size, QUIRE_PLUGIN_DESC_MIN_SIZE);
    assert_int_equal(rec->built_abi_minor, 0);
    /* The plugin's bytes past its declared size are 0xa5 garbage; the
     * kernel's copy must not have read them. */
    for (size_t i = 0; i < QUIRE_ARRAY_LEN(rec->desc.reserved); i++)
        assert_null(rec->desc.reserved[i]);
    assert_string_equal(rec->label, "chart.old_minor");
    kernel_close(k);
    diag_clear(&d);
}

static void test_wide_schema_read_by_stride(void **state)
{
    diag d = {0};
    int code;
    kernel *k = open_with("wide_keys", 1, &d, &code);
    plugin_rec *rec = by_stem(k, "wide_keys");

    (void)state;
    assert_int_equal(code, QUIRE_EXIT_OK);
    assert_int_equal(rec->nkeys, 3);
    assert_string_equal(rec->schema[0].name, "alpha");
    assert_string_equal(rec->schema[1].name, "beta");
    assert_string_equal(rec->schema[2].name, "gamma");
    assert_int_equal(rec->schema[2].type, QUIRE_CONF_DURATION);
    assert_null(rec->schema[3].name); /* packed copy is terminated */
    assert_int_equal(config_get_int(rec->config, "gamma"), 1000);
    kernel_close(k);
    diag_clear(&d);
}

/* ============================== Registrations ============================= */

static void test_failed_init_rolls_back(void **state)
{
    diag d = {0};
    int code;
    kernel *k = open_with("good_renderer, init_fail", 0, &d, &code);

    (void)state;
    assert_int_equal(code, QUIRE_EXIT_OK); /* lenient */
    assert_int_equal(by_stem(k, "init_fail")->state, PLUGIN_FAILED);
    assert_int_equal(by_stem(k, "good_renderer")->state, PLUGIN_READY);
    assert_non_null(kernel_find_format(k, "testfmt"));
    assert_null(kernel_find_format(k, "rollbackfmt"));
    assert_int_equal(k->nformats, 1);
    assert_true(has_line(&d, "init failed: deliberate failure after registering rollbackfmt"));
    kernel_close(k);
    diag_clear(&d);
}

static void test_registration_rules(void **state)
{
    diag d = {0};
    int code;
    kernel *k = open_with("good_renderer", 1, &d, &code);
    plugin_rec *rec = by_stem(k, "good_renderer");
    quire_format fmt = {.size = sizeof(quire_format), .name = "late"};
    quire_error err = {0};

    (void)state;
    /* Outside init: refused. */
    assert_int_equal(registry_register_format(rec, &fmt, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "register_format called outside init()");
    /* During init (simulated), a renderer may not register chart types,
     * may not take a format another plugin has, and names are checked. */
    rec->in_init = 1;
    assert_int_equal(registry_register_chart_type(rec, "bar", "", &err), QUIRE_ERR);
    assert_string_equal(err.msg, "register_chart_type: plugin kind is renderer, not chart");
    fmt.name = "testfmt";
    assert_int_equal(registry_register_format(rec, &fmt, &err), QUIRE_ERR);
    assert_non_null(strstr(err.msg, "format 'testfmt' already registered by plugin "));
    fmt.name = "Bad Name";
    assert_int_equal(registry_register_format(rec, &fmt, &err), QUIRE_ERR);
    fmt.name = "late";
    fmt.size = 4;
    assert_int_equal(registry_register_format(rec, &fmt, &err), QUIRE_ERR);
    assert_int_equal(err.code, QUIRE_E_ABI);
    fmt.size = sizeof(quire_format);
    assert_int_equal(registry_register_format(rec, &fmt, &err), QUIRE_OK);
    assert_string_equal(kernel_find_format(k, "late")->extension, "late"); /* defaults to name */
    rec->in_init = 0;
    kernel_close(k);
    diag_clear(&d);
}

/* ============================== Load rules ================================ */

static void test_duplicate_names_refused(void **state)
{
    diag d = {0};
    int code;
    kernel *k = open_with("dup_a, dup_b", 0, &d, &code);

    (void)state;
    assert_int_equal(by_stem(k, "dup_a")->state, PLUGIN_READY);
    assert_int_equal(by_stem(k, "dup_b")->state, PLUGIN_FAILED);
    assert_non_null(strstr(by_stem(k, "dup_b")->error, "duplicate chart name 'dup', already loaded from"));
    kernel_close(k);
    diag_clear(&d);
}

static void test_same_name_different_kinds(void **state)
{
    diag d = {0};
    int code;
    kernel *k = open_with("good_source, good_renderer, good_chart", 1, &d, &code);

    (void)state;
    assert_int_equal(code, QUIRE_EXIT_OK);
    assert_non_null(kernel_find_plugin(k, QUIRE_KIND_SOURCE, "good"));
    assert_non_null(kernel_find_plugin(k, QUIRE_KIND_RENDERER, "good"));
    assert_non_null(kernel_find_plugin(k, QUIRE_KIND_CHART, "good"));
    assert_null(kernel_find_plugin(k, QUIRE_KIND_TRANSPORT, "good"));
    kernel_close(k);
    diag_clear(&d);
}

static void test_strict_stops_before_init(void **state)
{
    diag d = {0};
    int code;
    kernel *k = open_with("good_source, abi_major", 1, &d, &code);

    (void)state;
    assert_int_equal(code, QUIRE_EXIT_PLUGIN);
    assert_int_equal(by_stem(k, "abi_major")->state, PLUGIN_FAILED);
    /* Accepted but never initialised: strict mode refuses the whole set. */
    assert_int_equal(by_stem(k, "good_source")->state, PLUGIN_LOADED);
    assert_int_equal(k->problem_exit, QUIRE_EXIT_PLUGIN);
    kernel_close(k);
    diag_clear(&d);
}

static void test_lenient_records_problem_exit(void **state)
{
    diag d = {0};
    int code;
    kernel *k = open_with("good_source, bad_magic", 0, &d, &code);

    (void)state;
    assert_int_equal(code, QUIRE_EXIT_OK);
    assert_int_equal(by_stem(k, "good_source")->state, PLUGIN_READY);
    assert_int_equal(k->problem_exit, QUIRE_EXIT_PLUGIN);
    assert_true(has_line(&d, "bad magic 0x"));
    assert_true(has_line(&d, "skipped (strict = no)"));
    kernel_close(k);
    diag_clear(&d);
}

static void test_path_without_slash_gets_dot(void **state)
{
    diag d = {0};
    kernel *k = NULL;
    plugin_rec *rec = NULL;

    (void)state;
    assert_int_equal(kernel_open(NULL, &k, &d), QUIRE_OK);
    /* "libc.so.6" would be found on the system library path by dlopen;
     * the kernel must look for ./libc.so.6 and not find it. */
    assert_int_equal(kernel_load_path(k, "libc.so.6", &rec, &d), QUIRE_ERR);
    assert_string_equal(rec->path, "./libc.so.6");
    assert_true(has_line(&d, "plugin ./libc.so.6: file not found"));
    kernel_close(k);
    diag_clear(&d);
}

/* ============================== Host table ================================ */

static void test_host_table_versioning(void **state)
{
    const quire_host *host = host_api();
    quire_host older;

    (void)state;
    assert_int_equal(host->size, sizeof(quire_host));
    assert_int_equal(host->abi_major, QUIRE_ABI_MAJOR);
    assert_true(QUIRE_HOST_HAS(host, config_origin));
    assert_true(QUIRE_HOST_HAS(host, register_chart_type));
    /* A kernel whose table ended before config_origin. */
    older = *host;
    older.size = (uint32_t)offsetof(quire_host, config_origin);
    assert_false(QUIRE_HOST_HAS(&older, config_origin));
    assert_true(QUIRE_HOST_HAS(&older, config_is_set));
}

static void test_kind_names(void **state)
{
    (void)state;
    assert_string_equal(kind_name(QUIRE_KIND_SOURCE), "source");
    assert_string_equal(kind_name(QUIRE_KIND_TRANSPORT), "transport");
    assert_null(kind_name(0));
    assert_null(kind_name(9));
    assert_int_equal(kind_parse("chart"), QUIRE_KIND_CHART);
    assert_int_equal(kind_parse("charts"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_old_descriptor_is_zero_extended),
        cmocka_unit_test(test_wide_schema_read_by_stride),
        cmocka_unit_test(test_failed_init_rolls_back),
        cmocka_unit_test(test_registration_rules),
        cmocka_unit_test(test_duplicate_names_refused),
        cmocka_unit_test(test_same_name_different_kinds),
        cmocka_unit_test(test_strict_stops_before_init),
        cmocka_unit_test(test_lenient_records_problem_exit),
        cmocka_unit_test(test_path_without_slash_gets_dot),
        cmocka_unit_test(test_host_table_versioning),
        cmocka_unit_test(test_kind_names),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
