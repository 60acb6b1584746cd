/*
 * test_format.c - the canonical form of report definitions (ast_format in
 * kernel/ast_format.c, what `quire fmt` prints): exact output for tricky
 * inputs, idempotence (formatting the output again changes nothing), and
 * meaning preserved (parsing the output gives the same tree as parsing the
 * input, positions and comments aside).
 */
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
#include "lang_assert.h"
#include "report.h"

#define PATH "r.quire"

/* ============================== Helpers =================================== */

static ast_file *parse_ok(const char *text, size_t len)
{
    diag d = {0};
    ast_file *f = NULL;

    if (ast_parse(PATH, text, len, &f, &d) != 0) {
        for (size_t k = 0; k < d.count; k++)
            print_error("unexpected: %s: %s\n", d.items[k].where, d.items[k].text);
        fail();
    }
    diag_clear(&d);
    return f;
}

/* The canonical text of a parsed file (malloc'd). */
static char *format_file(const ast_file *f)
{
    char *out = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&out, &len);

    assert_non_null(mem);
    assert_int_equal(ast_format(f, mem), 0);
    fclose(mem);
    return out;
}

/*
 * Formats `in`, checks the result against `want` (when given), that
 * formatting it again gives the same bytes, and that it parses to the same
 * tree as `in`. Returns nothing; fails the test on any difference.
 */
static void check_format(const char *in, size_t len, const char *want)
{
    ast_file *a = parse_ok(in, len);
    char *once = format_file(a);
    ast_file *b = parse_ok(once, strlen(once));
    char *twice = format_file(b);

    if (want != NULL && strcmp(once, want) != 0)
        fail_msg("formatted:\n%s\nexpected:\n%s", once, want);
    if (strcmp(once, twice) != 0)
        fail_msg("not idempotent:\n%s\nthen:\n%s", once, twice);
    if (!trees_equal(a, b))
        fail_msg("meaning changed:\n%s\nbecame:\n%s", in, once);
    free(once);
    free(twice);
    ast_free(a);
    ast_free(b);
}

#define FMT(in, want) check_format((in), strlen(in), (want))

/* ============================== Layout ==================================== */

static void test_spacing_and_one_item_per_line(void **state)
{
    (void)state;
    FMT("a=1+2*3;b   =   (1+2)   *-3", "a = 1 + 2 * 3\nb = (1 + 2) * -3\n");
    FMT("x = f( a ,b,c )\n", "x = f(a, b, c)\n");
    FMT("x = [ 1,2 , 3, ]\n", "x = [1, 2, 3]\n");
    FMT("x=a is not null and b not in [1,2]", "x = a is not null and b not in [1, 2]\n");
    FMT("  \t x = 1   \n", "x = 1\n");
    FMT("", "");
    FMT("\n\n\n", "");
}

static void test_blocks(void **state)
{
    (void)state;
    FMT("b{}", "b {}\n");
    FMT("b  lab  \"quoted label\"  {\n}\n", "b lab \"quoted label\" {}\n");
    FMT("b { x = 1 ; y = 2 }", "b { x = 1; y = 2 }\n");
    /* written over several lines: stays that way, however short */
    FMT("report {\n  title = \"x\"\n}\n", "report {\n    title = \"x\"\n}\n");
    FMT("b { x = 1\n y = 2 }", "b {\n    x = 1\n    y = 2\n}\n");
    /* a block holding a block is never one line */
    FMT("a { b { c = 1 } }", "a {\n    b { c = 1 }\n}\n");
    FMT("a { b { c { } } }", "a {\n    b {\n        c {}\n    }\n}\n");
}

static void test_one_line_block_width(void **state)
{
    /* 100 columns exactly fits; one more breaks the block up. */
    char fits[256], over[256], want_over[512];
    const char *head = "b { s = \"";
    size_t pad = 100 - strlen(head) - strlen("\" }");

    (void)state;
    snprintf(fits, sizeof(fits), "%s%0*d\" }\n", head, (int)pad, 0);
    assert_int_equal(strlen(fits), 101);
    FMT(fits, fits);
    snprintf(over, sizeof(over), "%s%0*d\" }\n", head, (int)pad + 1, 0);
    snprintf(want_over, sizeof(want_over), "b {\n    s = \"%0*d\"\n}\n", (int)pad + 1, 0);
    FMT(over, want_over);
    /* indentation counts: the same block nested one level no longer fits */
    char nested[300], want_nested[600];
    snprintf(nested, sizeof(nested), "a {\n%s}\n", fits);
    snprintf(want_nested, sizeof(want_nested), "a {\n    b {\n        s = \"%0*d\"\n    }\n}\n",
             (int)pad, 0);
    FMT(nested, want_nested);
    /* UTF-8 counts characters, not bytes: 2-byte e-acute fills one column */
    char utf[512] = "b { s = \"";
    for (size_t k = 0; k < pad; k++)
        strcat(utf, "\xC3\xA9");
    strcat(utf, "\" }\n");
    FMT(utf, utf);
}

static void test_comments(void **state)
{
    (void)state;
    FMT("# top   \nx = 1   # trailing  \n#no space\n", "# top\nx = 1 # trailing\n#no space\n");
    FMT("b { x = 1 } # after", "b { x = 1 } # after\n");
    FMT("b {\n  x = 1\n} # after", "b {\n    x = 1\n} # after\n");
    /* a comment inside the block forces the long form */
    FMT("b { x = 1 # why\n}", "b {\n    x = 1 # why\n}\n");
    /* a comment right after '{' becomes the first line of the body */
    FMT("b { # note\n  x = 1\n}", "b {\n    # note\n    x = 1\n}\n");
    /* a comment inside an expression moves above its attribute */
    FMT("x = [a, # first\n  b]\n", "# first\nx = [a, b]\n");
    FMT("x = 1; # c\n", "x = 1 # c\n");
    FMT("#\n", "#\n");
    /* trailing carriage returns go too (found by fuzz_report) */
    FMT("# a\r \r\r\n# b\rc\n", "# a\n# b\rc\n");
}

static void test_blank_lines(void **state)
{
    (void)state;
    FMT("a = 1\n\n\n\nb = 2\n", "a = 1\n\nb = 2\n");
    FMT("\n\na = 1\n", "a = 1\n");
    FMT("b {\n\n  x = 1\n\n  y = 2\n\n}\n", "b {\n    x = 1\n\n    y = 2\n}\n");
    FMT("# c\n\nx = 1\n", "# c\n\nx = 1\n");
}

static void test_crlf_becomes_lf(void **state)
{
    (void)state;
    FMT("# c\r\nx = 1\r\n\r\nb {\r\n  y = 2 # t\r\n}\r\n", "# c\nx = 1\n\nb {\n    y = 2 # t\n}\n");
}

/* ============================== Literals and operators ==================== */

static void test_canonical_literals(void **state)
{
    (void)state;
    FMT("x = 007", "x = 7\n");
    FMT("x = 12.50", "x = 12.50\n");
    FMT("x = 000.050", "x = 0.050\n");
    FMT("x = 1.5E3", "x = 1.5e3\n");
    FMT("x = 2.5E+2", "x = 2.5e2\n");
    FMT("x = 1e-05", "x = 1e-5\n");
    FMT("x = 100e0", "x = 1e2\n");
    FMT("x = 0.1e1", "x = 1e0\n");
    FMT("x = 1.50in + 20mm + 2cm + 12pt + 0.5pt", "x = 1.50in + 20mm + 2cm + 12pt + 0.5pt\n");
    FMT("x = @2024-01-31", "x = @2024-01-31\n");
    FMT("x = @2024-01-31T10:00:00.50+02:00", "x = @2024-01-31T10:00:00.50+02:00\n");
    FMT("x = TRUE or False or NULL", "x = true or false or null\n");
    FMT("x = a AND NOT b OR c IS NOT NULL", "x = a and not b or c is not null\n");
    FMT("x = a IN [1] and b NOT IN [2]", "x = a in [1] and b not in [2]\n");
}

static void test_strings_re_escaped(void **state)
{
    (void)state;
    FMT("x = \"a\\\"b\\\\c\\nd\\te\"", "x = \"a\\\"b\\\\c\\nd\\te\"\n");
    FMT("x = \"\\u{e9}\\u{1F600}\"", "x = \"\xC3\xA9\xF0\x9F\x98\x80\"\n");
    FMT("x = \"\\u{1}\\u{7F}\\u{41}\"", "x = \"\\u{1}\\u{7F}A\"\n");
    FMT("x = \"tab\there\"", "x = \"tab\\there\"\n"); /* a raw tab becomes \t */
    FMT("b \"a \\\"q\\\"\" {}", "b \"a \\\"q\\\"\" {}\n");
}

static void test_operators_canonical(void **state)
{
    (void)state;
    FMT("x = a == b", "x = a = b\n");
    FMT("x = a <> b", "x = a != b\n");
    FMT("x = a||b", "x = a || b\n");
    FMT("x = a%b", "x = a % b\n");
    FMT("x = a<=b and a>=b and a<b and a>b", "x = a <= b and a >= b and a < b and a > b\n");
    FMT("x = - -a", "x = - -a\n");
    FMT("x = --a", "x = - -a\n");
    FMT("x = -(-a)", "x = -(-a)\n");
    FMT("x = not not a", "x = not not a\n");
    FMT("x = -5", "x = -5\n");
}

static void test_parentheses_kept(void **state)
{
    (void)state;
    FMT("x = (a)", "x = (a)\n");
    FMT("x = ((a + b))", "x = (a + b)\n"); /* one pair says the same */
    FMT("x = a - (b - c)", "x = a - (b - c)\n");
    FMT("x = (a * b) + c", "x = (a * b) + c\n");
    FMT("x = not (a and b)", "x = not (a and b)\n");
    FMT("x = f((a), [(b)])", "x = f((a), [(b)])\n");
}

static void test_multiline_expressions_join(void **state)
{
    (void)state;
    FMT("sort = [\n  region,\n  desc(amount)\n]\n", "sort = [region, desc(amount)]\n");
    FMT("b {\n  x = (1 +\n    2)\n}\n", "b {\n    x = (1 + 2)\n}\n");
}

/* ============================== Whole files =============================== */

static void check_file(const char *path)
{
    diag d = {0};
    ast_file *f = NULL;
    char *text;

    assert_int_equal(ast_parse_file(path, &f, &d), 0);
    text = format_file(f);
    /* the data files are written in canonical form */
    assert_string_equal(text, f->text);
    check_format(f->text, f->len, f->text);
    free(text);
    ast_free(f);
    diag_clear(&d);
}

static void test_data_files_are_canonical(void **state)
{
    (void)state;
    check_file("tests/data/reports/full.quire");
    check_file("tests/data/reports/sales.quire");
}

static void test_messy_file(void **state)
{
    const char *in = "\n\n# Header comment   \n"
                     "report{title=\"T\";page=A4}\n"
                     "\n\n\n"
                     "style s {\n"
                     "\n"
                     "  size=9   # small\n"
                     "  condition{when=x<0;color=\"#f00\"}\n"
                     "\n"
                     "}\n"
                     "band detail{\n"
                     "   field{box=[0,0,10,10];value=(a+b)*2}\n"
                     "   text  t  {  }\n"
                     "}";
    const char *want = "# Header comment\n"
                       "report { title = \"T\"; page = A4 }\n"
                       "\n"
                       "style s {\n"
                       "    size = 9 # small\n"
                       "    condition { when = x < 0; color = \"#f00\" }\n"
                       "}\n"
                       "band detail {\n"
                       "    field { box = [0, 0, 10, 10]; value = (a + b) * 2 }\n"
                       "    text t {}\n"
                       "}\n";

    (void)state;
    FMT(in, want);
}

static void test_write_error(void **state)
{
    const char *src = "x = 1\n";
    ast_file *f = parse_ok(src, strlen(src));
    FILE *ro = fopen("/dev/null", "r"); /* writing to a read-only stream fails */

    (void)state;
    assert_non_null(ro);
    assert_int_equal(ast_format(f, ro), -1);
    fclose(ro);
    ast_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spacing_and_one_item_per_line),
        cmocka_unit_test(test_blocks),
        cmocka_unit_test(test_one_line_block_width),
        cmocka_unit_test(test_comments),
        cmocka_unit_test(test_blank_lines),
        cmocka_unit_test(test_crlf_becomes_lf),
        cmocka_unit_test(test_canonical_literals),
        cmocka_unit_test(test_strings_re_escaped),
        cmocka_unit_test(test_operators_canonical),
        cmocka_unit_test(test_parentheses_kept),
        cmocka_unit_test(test_multiline_expressions_join),
        cmocka_unit_test(test_data_files_are_canonical),
        cmocka_unit_test(test_messy_file),
        cmocka_unit_test(test_write_error),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
