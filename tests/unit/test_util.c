/*
 * test_util.c - unit tests for the kernel's small building blocks: path
 * normalisation (error messages show clean paths), the arena allocator
 * (per-render memory) and the diagnostics list (every problem reported).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"
#include "diag.h"
#include "log.h"
#include "path.h"

/* ============================== Paths ===================================== */

static void check_normalize(const char *in, const char *want)
{
    char *got = path_normalize(in);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_path_normalize(void **state)
{
    (void)state;
    check_normalize("conf/../build/plugins", "build/plugins");
    check_normalize("./a//b/./c/", "a/b/c");
    check_normalize("", ".");
    check_normalize(".", ".");
    check_normalize("a/..", ".");
    check_normalize("../x", "../x");
    check_normalize("../../x/../y", "../../y");
    check_normalize("/", "/");
    check_normalize("/..", "/");
    check_normalize("/a/../../b", "/b");
    check_normalize("//a///b", "/a/b");
    check_normalize("a/b/../../..", "..");
}

static void test_path_resolve(void **state)
{
    char *p;
    (void)state;
    p = path_resolve("conf", "../build/plugins");
    assert_string_equal(p, "build/plugins");
    free(p);
    p = path_resolve("conf", "/abs/dir");
    assert_string_equal(p, "/abs/dir");
    free(p);
    p = path_resolve(NULL, "x/./y");
    assert_string_equal(p, "x/y");
    free(p);
    p = path_resolve("/etc/quire", "plugins");
    assert_string_equal(p, "/etc/quire/plugins");
    free(p);
}

static void test_path_dirname_basename(void **state)
{
    char *d;
    (void)state;
    d = path_dirname("conf/quire.conf");
    assert_string_equal(d, "conf");
    free(d);
    d = path_dirname("quire.conf");
    assert_string_equal(d, ".");
    free(d);
    d = path_dirname("/quire.conf");
    assert_string_equal(d, "/");
    free(d);
    assert_string_equal(path_basename("a/b/pdf.so"), "pdf.so");
    assert_string_equal(path_basename("pdf.so"), "pdf.so");
}

/* ============================== Arena ===================================== */

static void test_arena_alignment_and_reuse(void **state)
{
    quire_arena *a = arena_new(256);
    void *first;
    (void)state;
    assert_non_null(a);
    for (size_t i = 1; i < 200; i++) {
        unsigned char *p = arena_alloc(a, i);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
        memset(p, 0xAB, i); /* ASan would catch an overrun */
    }
    assert_true(arena_reserved(a) >= 256);
    arena_reset(a);
    assert_int_equal(arena_reserved(a), 256);
    first = arena_alloc(a, 8);
    assert_non_null(first);
    arena_free(a);
}

static void test_arena_large_and_strings(void **state)
{
    quire_arena *a = arena_new(64);
    char *big, *s;
    (void)state;
    big = arena_alloc(a, 10000); /* larger than a block: a block of its own */
    assert_non_null(big);
    memset(big, 1, 10000);
    s = arena_strndup(a, "hello, world", 5);
    assert_string_equal(s, "hello");
    assert_null(arena_alloc(a, SIZE_MAX - 4));
    arena_free(a);
    arena_free(NULL);
}

/* ============================== Diagnostics =============================== */

static void test_diag_collects_everything(void **state)
{
    diag d = {0};
    (void)state;
    diag_error(&d, "%s:%d: first", "f.conf", 3);
    diag_warning(&d, "second");
    diag_error(&d, "third %s", "x");
    assert_int_equal(d.count, 3);
    assert_int_equal(d.errors, 2);
    assert_string_equal(d.items[0].text, "f.conf:3: first");
    assert_int_equal(d.items[1].severity, DIAG_WARNING);
    diag_clear(&d);
    assert_int_equal(d.count, 0);
    assert_int_equal(d.errors, 0);
}

static void test_diag_located_and_one_line(void **state)
{
    diag d = {0};
    const char *text = "first\n  ab\tcd = 1\nthird";
    (void)state;
    diag_error(&d, "label 'a\nb\x01' \rok");
    assert_string_equal(d.items[0].text, "label 'a\\nb\\x01' \\rok");
    diag_error_at(&d, "r.quire", text, strlen(text), 2, 7, "bad %s", "x");
    assert_string_equal(d.items[1].where, "r.quire:2:7");
    assert_string_equal(d.items[1].text, "bad x");
    /* The line as written, and a caret under column 7 keeping the tab. */
    assert_string_equal(d.items[1].detail, "      ab\tcd = 1\n        \t ^");
    diag_error_at(&d, "r.quire", text, strlen(text), 9, 1, "past the end");
    assert_null(d.items[2].detail);
    diag_clear(&d);
}

static void test_log_levels(void **state)
{
    (void)state;
    assert_int_equal(log_level_parse("error"), 0);
    assert_int_equal(log_level_parse("debug"), 3);
    assert_int_equal(log_level_parse("verbose"), -1);
    assert_string_equal(log_level_name(1), "warn");
    assert_string_equal(log_level_name(9), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path_normalize),
        cmocka_unit_test(test_path_resolve),
        cmocka_unit_test(test_path_dirname_basename),
        cmocka_unit_test(test_arena_alignment_and_reuse),
        cmocka_unit_test(test_arena_large_and_strings),
        cmocka_unit_test(test_diag_collects_everything),
        cmocka_unit_test(test_diag_located_and_one_line),
        cmocka_unit_test(test_log_levels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
