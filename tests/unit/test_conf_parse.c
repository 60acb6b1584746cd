/*
 * test_conf_parse.c - the configuration text format (kernel/conf_parse.c):
 * sections, entries, comments, quoting, line endings, and every syntax error
 * message, exactly.
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

#include "config.h"
#include "diag_assert.h"

#define NAME "conf/quire.conf"

/* ============================== Helpers =================================== */

/* Parses text (of length len) that must be valid. */
static conf_file *parse_ok_len(const char *text, size_t len)
{
    diag d = {0};
    conf_file *f = NULL;

    int rc = conf_file_parse_text(NAME, text, len, &f, &d);
    if (d.count > 0)
        print_error("unexpected: %s\n", d.items[0].text);
    assert_int_equal(d.count, 0);
    assert_int_equal(rc, QUIRE_OK);
    assert_non_null(f);
    diag_clear(&d);
    return f;
}

static conf_file *parse_ok(const char *text)
{
    return parse_ok_len(text, strlen(text));
}

/* Parses text that must fail; the caller checks and clears *d. */
static void parse_bad_len(const char *text, size_t len, diag *d)
{
    conf_file *f = (conf_file *)1;

    assert_int_equal(conf_file_parse_text(NAME, text, len, &f, d), QUIRE_ERR);
    assert_null(f);
}

static void parse_bad(const char *text, diag *d)
{
    parse_bad_len(text, strlen(text), d);
}

/* The value of key in section, asserting both exist. */
static const char *value_of(const conf_file *f, const char *section, const char *key)
{
    const conf_section *sec = conf_file_section(f, section);

    assert_non_null(sec);
    for (size_t i = 0; i < sec->count; i++) {
        if (strcmp(sec->entries[i].key, key) == 0)
            return sec->entries[i].value;
    }
    fail_msg("no key '%s' in [%s]", key, section);
    return NULL;
}

/* ============================== Accepted text ============================= */

static void test_empty_text(void **state)
{
    (void)state;
    conf_file *f = parse_ok("");

    assert_int_equal(f->count, 0);
    assert_string_equal(f->path, NAME);
    assert_string_equal(f->dir, "conf");
    conf_file_free(f);
}

static void test_dir_of_bare_name(void **state)
{
    diag d = {0};
    conf_file *f = NULL;

    (void)state;
    assert_int_equal(conf_file_parse_text("quire.conf", "", 0, &f, &d), QUIRE_OK);
    assert_string_equal(f->dir, ".");
    conf_file_free(f);
}

static void test_sections_and_entries(void **state)
{
    (void)state;
    conf_file *f = parse_ok("[kernel]\n"
                            "workers = 4\n"
                            "log_level=debug\n"
                            "\n"
                            "[source.csv]\n"
                            "delimiter = ;\n");

    assert_int_equal(f->count, 2);
    assert_string_equal(f->sections[0].name, "kernel");
    assert_int_equal(f->sections[0].line, 1);
    assert_int_equal(f->sections[0].count, 2);
    assert_string_equal(f->sections[0].entries[0].key, "workers");
    assert_string_equal(f->sections[0].entries[0].value, "4");
    assert_int_equal(f->sections[0].entries[0].line, 2);
    assert_string_equal(f->sections[0].entries[1].key, "log_level");
    assert_string_equal(f->sections[0].entries[1].value, "debug");
    assert_int_equal(f->sections[0].entries[1].line, 3);
    assert_string_equal(f->sections[1].name, "source.csv");
    assert_int_equal(f->sections[1].line, 5);
    assert_string_equal(value_of(f, "source.csv", "delimiter"), ";");
    assert_int_equal(f->sections[0].used, 0);
    conf_file_free(f);
}

static void test_comments_and_blank_lines(void **state)
{
    (void)state;
    conf_file *f = parse_ok("# a comment\n"
                            "; another\n"
                            "   \t\n"
                            "   # indented comment\n"
                            "\t; indented too\n"
                            "[a] # after a header\n"
                            "[b]\t; semicolon after a header\n"
                            "k = v # inline\n"
                            "l = v\t# after a tab\n"
                            "url = http://x/#frag\n"
                            "color = #336699\n"
                            "semi = a ; b\n");

    assert_int_equal(f->count, 2);
    assert_int_equal(f->sections[0].count, 0);
    assert_string_equal(value_of(f, "b", "k"), "v");
    assert_string_equal(value_of(f, "b", "l"), "v");
    assert_string_equal(value_of(f, "b", "url"), "http://x/#frag");
    assert_string_equal(value_of(f, "b", "color"), "#336699");
    assert_string_equal(value_of(f, "b", "semi"), "a ; b");
    conf_file_free(f);
}

static void test_section_names(void **state)
{
    (void)state;
    conf_file *f = parse_ok("[ kernel ]\n[\trenderer.pdf\t]\n[a_1.b_2]\n[x9]\n");

    assert_int_equal(f->count, 4);
    assert_string_equal(f->sections[0].name, "kernel");
    assert_string_equal(f->sections[1].name, "renderer.pdf");
    assert_string_equal(f->sections[2].name, "a_1.b_2");
    assert_string_equal(f->sections[3].name, "x9");
    conf_file_free(f);
}

static void test_unquoted_values(void **state)
{
    (void)state;
    conf_file *f = parse_ok("[s]\n"
                            "empty =\n"
                            "empty2 =   \t\n"
                            "spaced   =    a b  c   \n"
                            "eq = a=b\n"
                            "quote_inside = it\"s\n"
                            "tab\t=\tx\n");

    assert_string_equal(value_of(f, "s", "empty"), "");
    assert_string_equal(value_of(f, "s", "empty2"), "");
    assert_string_equal(value_of(f, "s", "spaced"), "a b  c");
    assert_string_equal(value_of(f, "s", "eq"), "a=b");
    assert_string_equal(value_of(f, "s", "quote_inside"), "it\"s");
    assert_string_equal(value_of(f, "s", "tab"), "x");
    conf_file_free(f);
}

static void test_quoted_values(void **state)
{
    (void)state;
    conf_file *f = parse_ok("[s]\n"
                            "a = \"two words\"\n"
                            "b = \"  padded  \"\n"
                            "c = \"a # not a comment\"\n"
                            "d = \"x\" # a comment\n"
                            "e = \"\"\n"
                            "f = \"y\"   \n"
                            "g = \"a ; b\"\n");

    assert_string_equal(value_of(f, "s", "a"), "two words");
    assert_string_equal(value_of(f, "s", "b"), "  padded  ");
    assert_string_equal(value_of(f, "s", "c"), "a # not a comment");
    assert_string_equal(value_of(f, "s", "d"), "x");
    assert_string_equal(value_of(f, "s", "e"), "");
    assert_string_equal(value_of(f, "s", "f"), "y");
    assert_string_equal(value_of(f, "s", "g"), "a ; b");
    conf_file_free(f);
}

static void test_escapes(void **state)
{
    (void)state;
    conf_file *f = parse_ok("[s]\n"
                            "k = \"q\\\"b\\\\n\\nt\\t.\"\n");

    assert_string_equal(value_of(f, "s", "k"), "q\"b\\n\nt\t.");
    conf_file_free(f);
}

static void test_crlf(void **state)
{
    (void)state;
    conf_file *f = parse_ok("[s]\r\nk = v\r\nq = \"x\"\r\n\r\n# c\r\nlast = end\r\n");

    assert_string_equal(value_of(f, "s", "k"), "v");
    assert_string_equal(value_of(f, "s", "q"), "x");
    assert_string_equal(value_of(f, "s", "last"), "end");
    assert_int_equal(conf_file_section(f, "s")->entries[2].line, 6);
    conf_file_free(f);
}

static void test_bom_skipped(void **state)
{
    (void)state;
    conf_file *f = parse_ok("\xEF\xBB\xBF[s]\nk = v\n");

    assert_string_equal(f->sections[0].name, "s");
    assert_int_equal(f->sections[0].line, 1);
    conf_file_free(f);
}

static void test_bom_only_at_start(void **state)
{
    diag d = {0};

    (void)state;
    parse_bad("[s]\n\xEF\xBB\xBFk = v\n", &d);
    DIAG_IS(&d, NAME ":2: invalid key '\xEF\xBB\xBFk' (use lower case letters, digits and _)");
    diag_clear(&d);
}

static void test_no_final_newline(void **state)
{
    (void)state;
    conf_file *f = parse_ok("[s]\nk = v");

    assert_string_equal(value_of(f, "s", "k"), "v");
    conf_file_free(f);
}

static void test_utf8_value(void **state)
{
    (void)state;
    conf_file *f = parse_ok("[s]\ntitle = Rapport trimestriel — été\n");

    assert_string_equal(value_of(f, "s", "title"), "Rapport trimestriel — été");
    conf_file_free(f);
}

static void test_section_lookup(void **state)
{
    (void)state;
    conf_file *f = parse_ok("[a]\n[b.c]\n");

    assert_ptr_equal(conf_file_section(f, "b.c"), &f->sections[1]);
    assert_null(conf_file_section(f, "b"));
    assert_null(conf_file_section(NULL, "a"));
    conf_file_free(f);
    conf_file_free(NULL);
}

static void test_many_sections_and_keys(void **state)
{
    size_t cap = 1 << 20, len = 0;
    char *text = malloc(cap);
    conf_file *f;
    diag d = {0};

    (void)state;
    assert_non_null(text);
    for (int s = 0; s < 500; s++) {
        len += (size_t)snprintf(text + len, cap - len, "[s%d]\n", s);
        for (int k = 0; k < 20; k++)
            len += (size_t)snprintf(text + len, cap - len, "k%d = %d\n", k, s * k);
    }
    f = parse_ok_len(text, len);
    assert_int_equal(f->count, 500);
    assert_int_equal(f->sections[499].count, 20);
    assert_string_equal(value_of(f, "s499", "k19"), "9481");
    conf_file_free(f);

    /* A duplicate at the end is still found. */
    len += (size_t)snprintf(text + len, cap - len, "k7 = again\n[s3]\n");
    parse_bad_len(text, len, &d);
    DIAG_IS(&d, NAME ":10501: key 'k7' appears twice in [s499] (first at line 10488)",
            NAME ":10502: section [s3] appears twice (first at line 64)");
    diag_clear(&d);
    free(text);
}

/* ============================== Syntax errors ============================= */

static void test_error_expected(void **state)
{
    diag d = {0};

    (void)state;
    parse_bad("[s]\njust words\n= value\n  = v\n[unclosed\n", &d);
    DIAG_IS(&d, NAME ":2: expected '[section]' or 'key = value'",
            NAME ":3: expected '[section]' or 'key = value'",
            NAME ":4: expected '[section]' or 'key = value'",
            NAME ":5: expected '[section]' or 'key = value'");
    diag_clear(&d);
}

static void test_error_outside_section(void **state)
{
    diag d = {0};

    (void)state;
    parse_bad("# header comment\nworkers = 4\n[s]\n", &d);
    DIAG_IS(&d, NAME ":2: key 'workers' outside any section");
    diag_clear(&d);
}

static void test_error_duplicate_key(void **state)
{
    diag d = {0};

    (void)state;
    parse_bad("[s]\nk = 1\n\nk = 2\n[t]\nk = 3\n", &d);
    DIAG_IS(&d, NAME ":4: key 'k' appears twice in [s] (first at line 2)");
    diag_clear(&d);
}

static void test_error_duplicate_section(void **state)
{
    diag d = {0};

    (void)state;
    /* The keys of the second [s] are dropped, not reported as duplicates. */
    parse_bad("[s]\nk = 1\n[t]\n[ s ]\nk = 2\n", &d);
    DIAG_IS(&d, NAME ":4: section [s] appears twice (first at line 1)");
    diag_clear(&d);
}

static void test_error_unterminated(void **state)
{
    diag d = {0};

    (void)state;
    parse_bad("[s]\na = \"abc\nb = \"abc\\\"\nc = \"ends in backslash\\\n", &d);
    DIAG_IS(&d, NAME ":2: unterminated quoted value", NAME ":3: unterminated quoted value",
            NAME ":4: unterminated quoted value");
    diag_clear(&d);
}

static void test_error_text_after_quote(void **state)
{
    diag d = {0};

    (void)state;
    parse_bad("[s]\na = \"x\" y\nb = \"x\" ; c\n", &d);
    DIAG_IS(&d, NAME ":2: unexpected text after quoted value",
            NAME ":3: unexpected text after quoted value");
    diag_clear(&d);
}

static void test_error_invalid_key(void **state)
{
    diag d = {0};

    (void)state;
    parse_bad("[s]\nBad-Key = 1\n1st = 2\nsome key = 3\n_x = 4\n", &d);
    DIAG_IS(&d, NAME ":2: invalid key 'Bad-Key' (use lower case letters, digits and _)",
            NAME ":3: invalid key '1st' (use lower case letters, digits and _)",
            NAME ":4: invalid key 'some key' (use lower case letters, digits and _)",
            NAME ":5: invalid key '_x' (use lower case letters, digits and _)");
    diag_clear(&d);
}

static void test_error_invalid_section(void **state)
{
    diag d = {0};

    (void)state;
    parse_bad("[x y]\n[]\n[Kernel]\n[a.b.c]\n[a.]\n[.a]\n[1a]\n[a-b]\n", &d);
    DIAG_IS(&d, NAME ":1: invalid section name 'x y'", NAME ":2: invalid section name ''",
            NAME ":3: invalid section name 'Kernel'", NAME ":4: invalid section name 'a.b.c'",
            NAME ":5: invalid section name 'a.'", NAME ":6: invalid section name '.a'",
            NAME ":7: invalid section name '1a'", NAME ":8: invalid section name 'a-b'");
    diag_clear(&d);
}

static void test_error_after_header(void **state)
{
    diag d = {0};

    (void)state;
    parse_bad("[s] x\n[t]]\n", &d);
    DIAG_IS(&d, NAME ":1: unexpected text after '[s]'", NAME ":2: unexpected text after '[t]'");
    diag_clear(&d);
}

static void test_error_unknown_escape(void **state)
{
    diag d = {0};

    (void)state;
    parse_bad("[s]\na = \"\\q\"\nb = \"ok\\x41\"\nc = \"\\é\"\n", &d);
    DIAG_IS(&d, NAME ":2: unknown escape '\\q' in quoted value",
            NAME ":3: unknown escape '\\x' in quoted value",
            NAME ":4: unknown escape '\\é' in quoted value");
    diag_clear(&d);
}

static void test_error_nul_byte(void **state)
{
    static const char text[] = "[s]\nk = a\0b\nl = 1\n";
    diag d = {0};

    (void)state;
    parse_bad_len(text, sizeof(text) - 1, &d);
    DIAG_IS(&d, NAME ":2: NUL byte in line");
    diag_clear(&d);
}

static void test_error_long_line(void **state)
{
    const size_t max = 65536;
    char *text = malloc(4 + max + 16);
    size_t len;
    conf_file *f;
    diag d = {0};

    (void)state;
    assert_non_null(text);
    /* Exactly 65536 bytes (not counting CRLF) is fine. */
    memcpy(text, "[s]\nk = ", 8);
    memset(text + 8, 'x', max - 4);
    len = 4 + max;
    memcpy(text + len, "\r\n", 2);
    f = parse_ok_len(text, len + 2);
    assert_int_equal(strlen(value_of(f, "s", "k")), max - 4);
    conf_file_free(f);

    /* One byte more is not; the next line is still read. */
    memset(text + 8, 'x', max - 3);
    len = 4 + max + 1;
    memcpy(text + len, "\nl = 1\nBad\n", 11);
    parse_bad_len(text, len + 11, &d);
    DIAG_IS(&d, NAME ":2: line longer than 65536 bytes",
            NAME ":4: expected '[section]' or 'key = value'");
    diag_clear(&d);
    free(text);
}

static void test_every_error_reported(void **state)
{
    diag d = {0};

    (void)state;
    parse_bad("stray = 1\n"
              "[kernel]\n"
              "workers = 4\n"
              "workers = 5\n"
              "Bad = x\n"
              "what is this\n"
              "msg = \"open\n"
              "[x y]\n"
              "after_bad_header = 1\n"
              "[kernel]\n"
              "[ok]\n"
              "fine = 1\n"
              "esc = \"\\z\"\n",
              &d);
    DIAG_IS(&d, NAME ":1: key 'stray' outside any section",
            NAME ":4: key 'workers' appears twice in [kernel] (first at line 3)",
            NAME ":5: invalid key 'Bad' (use lower case letters, digits and _)",
            NAME ":6: expected '[section]' or 'key = value'", NAME ":7: unterminated quoted value",
            NAME ":8: invalid section name 'x y'",
            NAME ":10: section [kernel] appears twice (first at line 2)",
            NAME ":13: unknown escape '\\z' in quoted value");
    diag_clear(&d);
}

static void test_control_chars_escaped_in_messages(void **state)
{
    diag d = {0};

    (void)state;
    parse_bad("[s]\nA\x01\x1b = 1\n", &d);
    DIAG_IS(&d, NAME ":2: invalid key 'A\\x01\\x1b' (use lower case letters, digits and _)");
    diag_clear(&d);
}

/* ============================== Files ===================================== */

static char *write_temp(const char *text, size_t len)
{
    char tmpl[] = "/tmp/quire-conf-XXXXXX";
    int fd = mkstemp(tmpl);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
    return strdup(tmpl);
}

static void test_parse_file(void **state)
{
    char *path = write_temp("[s]\nk = v\n", 10);
    conf_file *f = NULL;
    diag d = {0};

    (void)state;
    assert_int_equal(conf_file_parse(path, &f, &d), QUIRE_OK);
    assert_int_equal(d.count, 0);
    assert_string_equal(f->path, path);
    assert_string_equal(f->dir, "/tmp");
    assert_string_equal(value_of(f, "s", "k"), "v");
    conf_file_free(f);
    unlink(path);
    free(path);
}

static void test_parse_file_errors_name_file(void **state)
{
    char *path = write_temp("[s]\noops\n", 9);
    char expected[256];
    conf_file *f = NULL;
    diag d = {0};

    (void)state;
    assert_int_equal(conf_file_parse(path, &f, &d), QUIRE_ERR);
    assert_null(f);
    snprintf(expected, sizeof(expected), "%s:2: expected '[section]' or 'key = value'", path);
    DIAG_IS(&d, expected);
    diag_clear(&d);
    unlink(path);
    free(path);
}

static void test_parse_file_unreadable(void **state)
{
    conf_file *f = (conf_file *)1;
    diag d = {0};

    (void)state;
    assert_int_equal(conf_file_parse("/nonexistent/quire.conf", &f, &d), QUIRE_ERR);
    assert_null(f);
    assert_int_equal(conf_file_parse("/tmp", &f, &d), QUIRE_ERR);
    DIAG_IS(&d, "/nonexistent/quire.conf: cannot read: No such file or directory",
            "/tmp: cannot read: Is a directory");
    diag_clear(&d);
}

static void test_parse_file_too_large(void **state)
{
    char *path = write_temp("", 0);
    char expected[256];
    conf_file *f = NULL;
    diag d = {0};

    (void)state;
    /* 16 MiB exactly is accepted (a sparse file of NUL bytes: one error). */
    assert_int_equal(truncate(path, 16 * 1024 * 1024), 0);
    assert_int_equal(conf_file_parse(path, &f, &d), QUIRE_ERR);
    snprintf(expected, sizeof(expected), "%s:1: line longer than 65536 bytes", path);
    DIAG_IS(&d, expected);
    diag_clear(&d);

    assert_int_equal(truncate(path, 16 * 1024 * 1024 + 1), 0);
    assert_int_equal(conf_file_parse(path, &f, &d), QUIRE_ERR);
    assert_null(f);
    snprintf(expected, sizeof(expected), "%s: larger than 16 MiB", path);
    DIAG_IS(&d, expected);
    diag_clear(&d);
    unlink(path);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_text),
        cmocka_unit_test(test_dir_of_bare_name),
        cmocka_unit_test(test_sections_and_entries),
        cmocka_unit_test(test_comments_and_blank_lines),
        cmocka_unit_test(test_section_names),
        cmocka_unit_test(test_unquoted_values),
        cmocka_unit_test(test_quoted_values),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_bom_skipped),
        cmocka_unit_test(test_bom_only_at_start),
        cmocka_unit_test(test_no_final_newline),
        cmocka_unit_test(test_utf8_value),
        cmocka_unit_test(test_section_lookup),
        cmocka_unit_test(test_many_sections_and_keys),
        cmocka_unit_test(test_error_expected),
        cmocka_unit_test(test_error_outside_section),
        cmocka_unit_test(test_error_duplicate_key),
        cmocka_unit_test(test_error_duplicate_section),
        cmocka_unit_test(test_error_unterminated),
        cmocka_unit_test(test_error_text_after_quote),
        cmocka_unit_test(test_error_invalid_key),
        cmocka_unit_test(test_error_invalid_section),
        cmocka_unit_test(test_error_after_header),
        cmocka_unit_test(test_error_unknown_escape),
        cmocka_unit_test(test_error_nul_byte),
        cmocka_unit_test(test_error_long_line),
        cmocka_unit_test(test_every_error_reported),
        cmocka_unit_test(test_control_chars_escaped_in_messages),
        cmocka_unit_test(test_parse_file),
        cmocka_unit_test(test_parse_file_errors_name_file),
        cmocka_unit_test(test_parse_file_unreadable),
        cmocka_unit_test(test_parse_file_too_large),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
