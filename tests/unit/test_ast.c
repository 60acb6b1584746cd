/*
 * test_ast.c - the report language lexer and parser (kernel/ast_lex.c,
 * kernel/ast_parse.c): every literal kind with values worked out by hand,
 * operator precedence and associativity, the item shape (attributes,
 * blocks, labels, comments, blank lines), every syntax error with its exact
 * message and position, recovery that reports several errors in one run,
 * and hostile input (deep nesting, NUL bytes, CRLF, invalid UTF-8, size).
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

#include "ast.h"
#include "diag.h"
#include "lang_assert.h"

#define PATH   "r.quire"
#define ONES40 "1111111111111111111111111111111111111111"

/* ============================== Helpers =================================== */

static ast_file *parse_ok_len(const char *text, size_t len)
{
    diag d = {0};
    ast_file *f = NULL;
    int rc = ast_parse(PATH, text, len, &f, &d);

    if (d.count > 0)
        print_error("unexpected: %s: %s\n", d.items[0].where, d.items[0].text);
    assert_int_equal(d.count, 0);
    assert_int_equal(rc, 0);
    assert_non_null(f);
    diag_clear(&d);
    return f;
}

static ast_file *parse_ok(const char *text)
{
    return parse_ok_len(text, strlen(text));
}

/* Parses text that must fail; the caller checks and clears d. */
static void parse_bad_len(const char *text, size_t len, diag *d)
{
    ast_file *f = (ast_file *)1;

    assert_int_equal(ast_parse(PATH, text, len, &f, d), -1);
    assert_null(f);
}

static void parse_bad(const char *text, diag *d)
{
    parse_bad_len(text, strlen(text), d);
}

/* The s-expression of one expression parsed with ast_parse_expr. */
static const char *expr_sx(const char *text, char *buf, size_t cap)
{
    quire_arena *arena = arena_new(0);
    diag d = {0};
    ast_expr *e = ast_parse_expr("expr", text, strlen(text), arena, &d);

    if (e == NULL && d.count > 0)
        print_error("unexpected: %s: %s\n", d.items[0].where, d.items[0].text);
    assert_non_null(e);
    assert_int_equal(d.count, 0);
    sexpr(e, buf, cap);
    arena_free(arena);
    return buf;
}

#define ASSERT_SX(text, want)                                                                      \
    do {                                                                                           \
        char sx_buf_[1024];                                                                        \
        assert_string_equal(expr_sx((text), sx_buf_, sizeof(sx_buf_)), (want));                    \
    } while (0)

/* One expression that must fail with exactly these errors. */
#define EXPR_BAD(text, ...)                                                                        \
    do {                                                                                           \
        quire_arena *a_ = arena_new(0);                                                            \
        diag d_ = {0};                                                                             \
        assert_null(ast_parse_expr("expr", (text), strlen(text), a_, &d_));                        \
        ERRORS_ARE(&d_, __VA_ARGS__);                                                              \
        diag_clear(&d_);                                                                           \
        arena_free(a_);                                                                            \
    } while (0)

/* A whole file that must fail with exactly these errors. */
#define FILE_BAD(text, ...)                                                                        \
    do {                                                                                           \
        diag d_ = {0};                                                                             \
        parse_bad((text), &d_);                                                                    \
        ERRORS_ARE(&d_, __VA_ARGS__);                                                              \
        diag_clear(&d_);                                                                           \
    } while (0)

/* The one expression of "x = TEXT". */
static const ast_expr *value_of(const ast_file *f, uint32_t k)
{
    assert_true(k < f->nitems);
    assert_int_equal(f->items[k]->kind, AST_ATTRIBUTE);
    return f->items[k]->value;
}

/* ============================== Literals ================================== */

static void test_integers(void **state)
{
    (void)state;
    ASSERT_SX("0", "0");
    ASSERT_SX("42", "42");
    ASSERT_SX("007", "7");
    ASSERT_SX("9223372036854775807", "9223372036854775807");
    ASSERT_SX("-5", "(neg 5)");
}

static void test_decimals_keep_their_scale(void **state)
{
    (void)state;
    ASSERT_SX("12.50", "dec:1250/2");
    ASSERT_SX("0.00", "dec:0/2");
    ASSERT_SX("0.05", "dec:5/2");
    ASSERT_SX("3.0", "dec:30/1");
    ASSERT_SX("123456789.123456789", "dec:123456789123456789/9"); /* 18 digits */
    ASSERT_SX("0.000000000000000001", "dec:1/18");
    ASSERT_SX("000012.5", "dec:125/1"); /* leading zeros are not digits */
}

static void test_floats_need_an_exponent(void **state)
{
    (void)state;
    ASSERT_SX("1.5e3", "float:1500");
    ASSERT_SX("1E3", "float:1000");
    ASSERT_SX("2e-3", "float:0.002");
    ASSERT_SX("2.5E+2", "float:250");
}

static void test_strings_and_escapes(void **state)
{
    char buf[256];
    quire_arena *arena = arena_new(0);
    diag d = {0};
    const char *text = "\"a\\\"b\\\\c\\nd\\te\\u{e9}\\u{1F600}\"";
    ast_expr *e = ast_parse_expr("expr", text, strlen(text), arena, &d);

    (void)state;
    assert_non_null(e);
    assert_int_equal(e->kind, AST_STRING);
    /* a " b \ c LF d TAB e U+00E9 (C3 A9) U+1F600 (F0 9F 98 80) */
    assert_int_equal(e->slen, 15);
    assert_memory_equal(e->s, "a\"b\\c\nd\te\xC3\xA9\xF0\x9F\x98\x80", 15);
    assert_int_equal(e->s[e->slen], '\0');
    ASSERT_SX("\"\"", "\"\"");
    ASSERT_SX("\"h\xC3\xA9llo\"", "\"h\xC3\xA9llo\""); /* UTF-8 passes through */
    (void)buf;
    arena_free(arena);
}

static void test_dates(void **state)
{
    (void)state;
    /* Days counted by hand: 54 years of 365 days plus 13 leap days from 1970
     * to 2024-01-01, then 30 more. */
    ASSERT_SX("@1970-01-01", "date:0");
    ASSERT_SX("@2024-01-31", "date:19753");
    ASSERT_SX("@2000-02-29", "date:11016"); /* 10957 + 31 + 28 */
    ASSERT_SX("@1969-12-31", "date:-1");
    ASSERT_SX("@0001-01-01", "date:-719162");
}

static void test_timestamps(void **state)
{
    (void)state;
    /* 19753 days * 86400 s + 10 h */
    ASSERT_SX("@2024-01-31T10:00:00Z", "ts:1706695200000000");
    ASSERT_SX("@2024-01-31T10:00:00", "ts:1706695200000000"); /* no zone: UTC */
    ASSERT_SX("@2024-01-31T10:00:00+02:00", "ts:1706688000000000");
    ASSERT_SX("@2024-01-31T10:00:00-01:30", "ts:1706700600000000");
    ASSERT_SX("@2024-01-31T10:00:00.5Z", "ts:1706695200500000");
    ASSERT_SX("@1970-01-01T00:00:00.000001", "ts:1");
    ASSERT_SX("@1970-01-01T23:59:59.123456Z", "ts:86399123456");
}

static void test_lengths_in_points(void **state)
{
    quire_arena *arena = arena_new(0);
    diag d = {0};
    ast_expr *e;

    (void)state;
    ASSERT_SX("72pt", "len:72.0000pt");
    ASSERT_SX("1in", "len:72.0000in");
    ASSERT_SX("25.4mm", "len:72.0000mm");
    ASSERT_SX("2.54cm", "len:72.0000cm");
    ASSERT_SX("20mm", "len:56.6929mm"); /* 20 / 25.4 * 72 */
    e = ast_parse_expr("expr", "1.50in", 6, arena, &d);
    assert_non_null(e);
    assert_int_equal(e->kind, AST_LENGTH);
    assert_int_equal(e->i, 150); /* the number as written */
    assert_int_equal(e->scale, 2);
    assert_true(e->f == 108.0);
    arena_free(arena);
}

static void test_keywords_any_case(void **state)
{
    (void)state;
    ASSERT_SX("null", "null");
    ASSERT_SX("NULL", "null");
    ASSERT_SX("True", "true");
    ASSERT_SX("false", "false");
    ASSERT_SX("a AND b Or NOT c", "(or (and a b) (not c))");
    ASSERT_SX("nullable", "nullable"); /* a name that starts like a keyword */
    ASSERT_SX("_x9", "_x9");
}

/* ============================== Precedence ================================ */

static void test_precedence(void **state)
{
    (void)state;
    ASSERT_SX("a or b and c", "(or a (and b c))");
    ASSERT_SX("a and b or c", "(or (and a b) c)");
    ASSERT_SX("not a = b", "(not (= a b))");
    ASSERT_SX("not a and b", "(and (not a) b)");
    ASSERT_SX("a = b + c", "(= a (+ b c))");
    ASSERT_SX("a || b + c", "(|| a (+ b c))");
    ASSERT_SX("a + b || c", "(|| (+ a b) c)");
    ASSERT_SX("a < b || c", "(< a (|| b c))");
    ASSERT_SX("a + b * c", "(+ a (* b c))");
    ASSERT_SX("a * b + c", "(+ (* a b) c)");
    ASSERT_SX("-a * b", "(* (neg a) b)");
    ASSERT_SX("- -a", "(neg (neg a))");
    ASSERT_SX("a * -b", "(* a (neg b))");
    ASSERT_SX("(a + b) * c", "(* ^(+ a b) c)");
    ASSERT_SX("((a))", "^a");
    ASSERT_SX("a is null and b is not null", "(and (is-null a) (is-not-null b))");
    ASSERT_SX("a + 1 is null", "(is-null (+ a 1))");
    ASSERT_SX("x in [1, 2] or y not in []", "(or (in x 1 2) (not-in y))");
    ASSERT_SX("not x in [1]", "(not (in x 1))");
    ASSERT_SX("a == b", "(= a b)");
    ASSERT_SX("a <> b", "(!= a b)");
    ASSERT_SX("a != b", "(!= a b)");
    ASSERT_SX("a <= b", "(<= a b)");
    ASSERT_SX("a >= b", "(>= a b)");
    ASSERT_SX("a > b", "(> a b)");
    ASSERT_SX("a % b / c", "(/ (% a b) c)");
}

static void test_left_associative(void **state)
{
    (void)state;
    ASSERT_SX("a - b - c", "(- (- a b) c)");
    ASSERT_SX("a / b / c", "(/ (/ a b) c)");
    ASSERT_SX("a || b || c", "(|| (|| a b) c)");
    ASSERT_SX("a or b or c", "(or (or a b) c)");
    ASSERT_SX("a and b and c", "(and (and a b) c)");
    ASSERT_SX("a < b < c", "(< (< a b) c)");
    ASSERT_SX("a - (b - c)", "(- a ^(- b c))");
}

static void test_calls_and_lists(void **state)
{
    (void)state;
    ASSERT_SX("count()", "(call count)");
    ASSERT_SX("f(a, b + 1)", "(call f a (+ b 1))");
    ASSERT_SX("f (a)", "(call f a)");
    ASSERT_SX("f(a,)", "(call f a)"); /* a trailing comma is allowed */
    ASSERT_SX("[]", "(list)");
    ASSERT_SX("[1, [2, 3],]", "(list 1 (list 2 3))");
    ASSERT_SX("f(g(h(x)))", "(call f (call g (call h x)))");
}

static void test_newlines_inside_brackets(void **state)
{
    ast_file *f = parse_ok("sort = [\n  a,\n  desc(\n    b\n  )\n]\nx = (1\n+ 2)\n");
    char buf[256];

    (void)state;
    assert_int_equal(f->nitems, 2);
    assert_string_equal(sexpr(value_of(f, 0), buf, sizeof(buf)), "(list a (call desc b))");
    assert_string_equal(sexpr(value_of(f, 1), buf, sizeof(buf)), "^(+ 1 2)");
    ast_free(f);
}

static void test_expression_text_and_positions(void **state)
{
    const char *src = "x = (a + b) * f(c)\n";
    ast_file *f = parse_ok(src);
    const ast_expr *e = value_of(f, 0);
    const char *text;
    size_t n;

    (void)state;
    n = ast_expr_text(f, e, &text);
    assert_int_equal(n, strlen("(a + b) * f(c)"));
    assert_memory_equal(text, "(a + b) * f(c)", n);
    assert_int_equal(e->loc.line, 1);
    assert_int_equal(e->loc.column, 5);
    n = ast_expr_text(f, e->args[0], &text);
    assert_memory_equal(text, "(a + b)", n);
    assert_int_equal(n, 7);
    n = ast_expr_text(f, e->args[1], &text);
    assert_memory_equal(text, "f(c)", n);
    assert_int_equal(n, 4);
    assert_int_equal(e->args[1]->loc.column, 15);
    assert_int_equal(e->height, 3);
    ast_free(f);
}

/* ============================== Items ===================================== */

static void test_items_shape(void **state)
{
    const char *src = "# head\n"
                      "\n"
                      "\n"
                      "title = \"x\" # trailing\n"
                      "band group_footer \"quoted\" {\n"
                      "    height = 14; split = prevent\n"
                      "\n"
                      "    text { box = [0, 0, 1, 1] }\n"
                      "} # after\n"
                      "e {}\n";
    ast_file *f = parse_ok(src);
    const ast_item *band;

    (void)state;
    assert_int_equal(f->nitems, 4);
    assert_int_equal(f->items[0]->kind, AST_COMMENT);
    assert_string_equal(f->items[0]->comment, " head");
    assert_int_equal(f->items[1]->kind, AST_ATTRIBUTE);
    assert_string_equal(f->items[1]->name, "title");
    assert_string_equal(f->items[1]->comment, " trailing");
    assert_int_equal(f->items[1]->blank_before, 1);
    band = f->items[2];
    assert_int_equal(band->kind, AST_BLOCK);
    assert_string_equal(band->name, "band");
    assert_int_equal(band->nlabels, 2);
    assert_string_equal(band->labels[0].text, "group_footer");
    assert_int_equal(band->labels[0].quoted, 0);
    assert_string_equal(band->labels[1].text, "quoted");
    assert_int_equal(band->labels[1].quoted, 1);
    assert_int_equal(band->labels[1].loc.column, 19);
    assert_string_equal(band->comment, " after");
    assert_int_equal(band->loc.line, 5);
    assert_int_equal(band->close_loc.line, 9);
    assert_int_equal(band->close_loc.column, 1);
    assert_int_equal(band->nitems, 3);
    assert_string_equal(band->items[0]->name, "height");
    assert_string_equal(band->items[1]->name, "split");
    assert_int_equal(band->items[1]->blank_before, 0);
    assert_int_equal(band->items[2]->kind, AST_BLOCK);
    assert_int_equal(band->items[2]->blank_before, 1);
    assert_int_equal(band->items[2]->nitems, 1);
    assert_int_equal(f->items[3]->nitems, 0);
    assert_int_equal(f->items[3]->blank_before, 0);
    ast_free(f);
}

static void test_comment_inside_expression_moves_before_item(void **state)
{
    ast_file *f = parse_ok("a = 1\n\nsort = [x, # first\n  y]\n");

    (void)state;
    assert_int_equal(f->nitems, 3);
    assert_int_equal(f->items[1]->kind, AST_COMMENT);
    assert_string_equal(f->items[1]->comment, " first");
    assert_int_equal(f->items[1]->blank_before, 1);
    assert_string_equal(f->items[2]->name, "sort");
    assert_int_equal(f->items[2]->blank_before, 0);
    ast_free(f);
}

static void test_attribute_ends(void **state)
{
    ast_file *f = parse_ok("b { x = 1 }\nc { x = 1; y = 2; }\nd = 1;; e = 2\n");

    (void)state;
    assert_int_equal(f->nitems, 4);
    assert_int_equal(f->items[0]->nitems, 1);
    assert_int_equal(f->items[1]->nitems, 2);
    assert_string_equal(f->items[3]->name, "e");
    ast_free(f);
}

static void test_empty_and_blank_files(void **state)
{
    ast_file *f;

    (void)state;
    f = parse_ok("");
    assert_int_equal(f->nitems, 0);
    ast_free(f);
    f = parse_ok("\n\n  \t\n");
    assert_int_equal(f->nitems, 0);
    ast_free(f);
    f = parse_ok_len(NULL, 0);
    assert_int_equal(f->nitems, 0);
    ast_free(f);
    f = parse_ok("\xEF\xBB\xBFx = 1"); /* a byte order mark is skipped */
    assert_int_equal(f->nitems, 1);
    assert_int_equal(f->items[0]->loc.column, 4);
    ast_free(f);
}

static void test_crlf_line_endings(void **state)
{
    const char *src = "# c\r\nx = 1\r\nb {\r\n  y = \"s\" # t\r\n}\r\n";
    ast_file *f = parse_ok(src);

    (void)state;
    assert_int_equal(f->nitems, 3);
    assert_string_equal(f->items[0]->comment, " c");
    assert_int_equal(f->items[1]->loc.line, 2);
    assert_int_equal(f->items[2]->items[0]->loc.line, 4);
    assert_int_equal(f->items[2]->items[0]->loc.column, 3);
    assert_string_equal(f->items[2]->items[0]->comment, " t");
    assert_string_equal(f->items[2]->items[0]->value->s, "s");
    ast_free(f);
    FILE_BAD("x = 1\r\ny = \"open\r\nz = 2\r\n", "2:5: unterminated string");
}

static void test_tabs_count_one_column(void **state)
{
    (void)state;
    FILE_BAD("\tx = $\n", "1:6: unexpected character '$'");
}

/* ============================== Lexical errors ============================ */

static void test_string_errors(void **state)
{
    (void)state;
    FILE_BAD("x = \"abc\n", "1:5: unterminated string");
    FILE_BAD("x = \"abc", "1:5: unterminated string");
    FILE_BAD("x = \"a\\qb\"", "1:7: unknown escape '\\q' in string");
    FILE_BAD("x = \"a\\", "1:5: unterminated string");
    FILE_BAD("x = \"\\u0041\"", "1:6: invalid \\u escape: expected \\u{XXXX}");
    FILE_BAD("x = \"\\u{}\"", "1:6: invalid \\u escape: expected 1 to 6 hex digits in \\u{...}");
    FILE_BAD("x = \"\\u{1234567}\"",
             "1:6: invalid \\u escape: expected 1 to 6 hex digits in \\u{...}");
    FILE_BAD("x = \"\\u{12\"", "1:6: invalid \\u escape: expected 1 to 6 hex digits in \\u{...}");
    FILE_BAD("x = \"\\u{D800}\"", "1:6: \\u{D800} is not an allowed code point");
    FILE_BAD("x = \"\\u{110000}\"", "1:6: \\u{110000} is not an allowed code point");
    FILE_BAD("x = \"\\u{0}\"", "1:6: \\u{0} is not an allowed code point");
}

static void test_invalid_utf8_in_string(void **state)
{
    (void)state;
    FILE_BAD("x = \"ab\xFF\"", "1:8: invalid UTF-8 in string (byte 0xFF)");
    FILE_BAD("x = \"\xC3\"", "1:6: invalid UTF-8 in string (byte 0xC3)");         /* cut short */
    FILE_BAD("x = \"\xC0\xAF\"", "1:6: invalid UTF-8 in string (byte 0xC0)");     /* overlong */
    FILE_BAD("x = \"\xED\xA0\x80\"", "1:6: invalid UTF-8 in string (byte 0xED)"); /* surrogate */
}

static void test_nul_bytes(void **state)
{
    diag d = {0};

    (void)state;
    parse_bad_len("x = 1\0\ny = 2", 12, &d);
    ERRORS_ARE(&d, "1:6: NUL byte in input");
    diag_clear(&d);
    parse_bad_len("x = \"a\0b\"", 9, &d);
    ERRORS_ARE(&d, "1:7: NUL byte in input");
    diag_clear(&d);
    parse_bad_len("# c\0\n", 5, &d);
    ERRORS_ARE(&d, "1:4: NUL byte in input");
    diag_clear(&d);
    parse_bad_len("\0\0", 2, &d);
    ERRORS_ARE(&d, "1:1: NUL byte in input", "1:2: NUL byte in input");
    diag_clear(&d);
}

static void test_number_errors(void **state)
{
    (void)state;
    FILE_BAD("x = 99999999999999999999",
             "1:5: integer literal 99999999999999999999 is out of range");
    FILE_BAD("x = 9223372036854775808", "1:5: integer literal 9223372036854775808 is out of range");
    FILE_BAD("x = 1234567890.123456789", "1:5: decimal literal has more than 18 digits");
    FILE_BAD("x = 1e999", "1:5: float literal 1e999 is out of range");
    FILE_BAD("x = 12px", "1:5: unknown unit 'px' in '12px' (units: mm, cm, in, pt)");
    FILE_BAD("x = 1e3mm", "1:5: a length cannot have an exponent: '1e3mm'");
    FILE_BAD("x = 12.", "1:5: expected a digit after '.' in '12.'");
    FILE_BAD("x = .5", "1:5: a number must start with a digit: write 0.5");
    FILE_BAD("x = 0x1F", "1:5: unknown unit 'x1F' in '0x1F' (units: mm, cm, in, pt)");
    FILE_BAD("x = 1111111111111111111111111111111111111111111111111111",
             "1:5: integer literal " ONES40 "... is out of range");
}

static void test_date_errors(void **state)
{
    (void)state;
    FILE_BAD("x = @2024-02-30", "1:5: invalid date @2024-02-30: day out of range");
    FILE_BAD("x = @2023-02-29", "1:5: invalid date @2023-02-29: day out of range");
    FILE_BAD("x = @1900-02-29", "1:5: invalid date @1900-02-29: day out of range");
    FILE_BAD("x = @2024-13-01", "1:5: invalid date @2024-13-01: month out of range");
    FILE_BAD("x = @2024-00-10", "1:5: invalid date @2024-00-10: month out of range");
    FILE_BAD("x = @0000-01-01", "1:5: invalid date @0000-01-01: year out of range");
    FILE_BAD("x = @2024-1-5", "1:5: invalid date @2024-1-5: expected @YYYY-MM-DD");
    FILE_BAD("x = @", "1:5: expected a date after '@' (@YYYY-MM-DD)");
    FILE_BAD("x = @2024-01-01T25:00:00",
             "1:5: invalid timestamp @2024-01-01T25:00:00: hour out of range");
    FILE_BAD("x = @2024-01-01T10:60:00",
             "1:5: invalid timestamp @2024-01-01T10:60:00: minute out of range");
    FILE_BAD("x = @2024-01-01T10:00:60",
             "1:5: invalid timestamp @2024-01-01T10:00:60: second out of range");
    FILE_BAD("x = @2024-01-01T10:00:00.1234567",
             "1:5: invalid timestamp @2024-01-01T10:00:00.1234567: more than 6 fraction digits");
    FILE_BAD("x = @2024-01-01T10:00:00+24:00",
             "1:5: invalid timestamp @2024-01-01T10:00:00+24:00: zone offset out of range");
    FILE_BAD("x = @2024-01-01T10:00", "1:5: invalid timestamp @2024-01-01T10:00: expected "
                                      "@YYYY-MM-DDTHH:MM:SS[.ffffff][Z|+HH:MM]");
    FILE_BAD("x = @2024-01-01X10:00:00",
             "1:5: invalid timestamp @2024-01-01X10:00:00: expected @YYYY-MM-DDTHH:MM:SS");
    FILE_BAD("x = @2024-01-31T10:00:00z", "1:5: invalid timestamp @2024-01-31T10:00:00z: expected "
                                          "@YYYY-MM-DDTHH:MM:SS[.ffffff][Z|+HH:MM]");
}

static void test_unexpected_characters(void **state)
{
    (void)state;
    FILE_BAD("x = a $ b", "1:7: unexpected character '$'");
    FILE_BAD("x = \xFF", "1:5: unexpected byte 0xFF");
    FILE_BAD("x = \xC3\xA9", "1:5: unexpected character '\xC3\xA9' outside a string");
    FILE_BAD("x = !a", "1:5: unexpected '!' (write 'not' or '!=')");
    FILE_BAD("x = a | b", "1:7: unexpected '|' (write '||' or 'or')");
    FILE_BAD("x = a.b", "1:6: unexpected '.'");
}

/* ============================== Syntax errors ============================= */

static void test_item_errors(void **state)
{
    (void)state;
    FILE_BAD("title 3\n", "1:7: expected '=' or '{' after 'title', got '3'");
    FILE_BAD("title\n", "1:6: expected '=' or '{' after 'title', got end of line");
    FILE_BAD("band detail = 3\n", "1:13: expected '{' after 'band detail', got '='");
    FILE_BAD("= 3\n", "1:1: expected an attribute or a block, got '='");
    FILE_BAD("null = 3\n", "1:1: expected an attribute or a block, got 'null'");
    FILE_BAD("band in {}\n", "1:6: keyword 'in' cannot be a block label");
    FILE_BAD("q = 1 2\n", "1:7: expected end of line or ';' after the value of 'q', got '2'");
    FILE_BAD("}\n", "1:1: unexpected '}'");
    FILE_BAD("band x {\n  a = 1\n", "3:1: missing '}' for block 'band' opened at line 1");
    FILE_BAD("a {\n b {\n", "3:1: missing '}' for block 'b' opened at line 2");
}

static void test_expression_errors(void **state)
{
    (void)state;
    FILE_BAD("x =\n", "1:4: expected an expression, got end of line");
    FILE_BAD("x = ", "1:5: expected an expression, got end of file");
    FILE_BAD("x = a and\n", "1:10: expected an expression, got end of line");
    FILE_BAD("x = and\n", "1:5: expected an expression, got keyword 'and'");
    FILE_BAD("x = (a", "1:7: expected ')' (for the '(' at 1:5), got end of file");
    FILE_BAD("x = (a b)", "1:8: expected ')' (for the '(' at 1:5), got 'b'");
    FILE_BAD("x = f(a b)", "1:9: expected ',' or ')' (for the '(' at 1:6), got 'b'");
    FILE_BAD("b {\nx = [1, 2\n}\n", "3:1: expected ',' or ']' (for the '[' at 2:5), got '}'");
    FILE_BAD("x = [,]", "1:6: expected an expression, got ','");
    FILE_BAD("x = a is 1", "1:10: expected 'null' after 'is', got '1'");
    FILE_BAD("x = a is not 1", "1:14: expected 'null' after 'is not', got '1'");
    FILE_BAD("x = a not b", "1:11: expected 'in' after 'not', got 'b'");
    FILE_BAD("x = a in x", "1:10: expected '[' after 'in', got 'x'");
    FILE_BAD("x = a not in (1)", "1:14: expected '[' after 'not in', got '('");
    FILE_BAD("x = {}", "1:5: expected an expression, got '{'");
    FILE_BAD("x = \"a\" \"b\"",
             "1:9: expected end of line or ';' after the value of 'x', got a string");
    FILE_BAD("x = a = not b", "1:9: expected an expression, got keyword 'not'");
}

static void test_parse_expr_errors(void **state)
{
    (void)state;
    EXPR_BAD("", "1:1: expected an expression, got end of input");
    EXPR_BAD("  \n ", "2:2: expected an expression, got end of input");
    EXPR_BAD("a)", "1:2: unexpected ')' after the expression");
    EXPR_BAD("a b", "1:3: unexpected 'b' after the expression");
    EXPR_BAD("\"x", "1:1: unterminated string");
    ASSERT_SX("a\n+\nb # comment\n", "(+ a b)"); /* newlines never end one */
}

/* ============================== Recovery ================================== */

static void test_recovery_reports_every_error(void **state)
{
    const char *src = "title : 3\n"                                        /* 1 */
                      "x = \"unterminated\n"                               /* 2 */
                      "y = @2024-02-30\n"                                  /* 3 */
                      "z = 99999999999999999999 + 1.1234567890123456789\n" /* 4 */
                      "ok = 1\n"                                           /* 5 */
                      "}\n"                                                /* 6 */
                      "band detail {\n"                                    /* 7 */
                      "   text { box = [1, 2\n"                            /* 8 */
                      "}\n"                                                /* 9 */
                      "q = 1 2\n"                                          /* 10 */
                      "band x {\n"                                         /* 11 */
                      "  a = (\n";                                         /* 12 */

    (void)state;
    FILE_BAD(src, "1:7: unexpected character ':'", "2:5: unterminated string",
             "3:5: invalid date @2024-02-30: day out of range",
             "4:5: integer literal 99999999999999999999 is out of range",
             "4:28: decimal literal has more than 18 digits", "6:1: unexpected '}'",
             "9:1: expected ',' or ']' (for the '[' at 8:17), got '}'",
             "10:7: expected end of line or ';' after the value of 'q', got '2'",
             "13:1: expected an expression, got end of file",
             "13:1: missing '}' for block 'band' opened at line 11");
}

static void test_recovery_skips_a_broken_block_header(void **state)
{
    (void)state;
    /* The body of a block whose header is broken is skipped whole: its
     * items are not reported again. */
    FILE_BAD("band title = {\n  x = = 1\n}\nok = 1\nbad = \n",
             "1:12: expected '{' after 'band title', got '='",
             "5:7: expected an expression, got end of line");
}

static void test_error_limit(void **state)
{
    char src[4096];
    size_t n = 0;
    diag d = {0};

    (void)state;
    for (int k = 0; k < 150; k++)
        n += (size_t)snprintf(src + n, sizeof(src) - n, "x = $\n");
    parse_bad(src, &d);
    assert_int_equal(d.count, AST_MAX_ERRORS + 1);
    assert_string_equal(d.items[AST_MAX_ERRORS].text, "too many errors (100); stopping here");
    assert_string_equal(d.items[AST_MAX_ERRORS].where, PATH ":101:5");
    diag_clear(&d);
}

/* ============================== Limits ==================================== */

static char *repeat(const char *head, const char *unit, int n, const char *tail)
{
    size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
    char *s = malloc(hl + ul * (size_t)n + tl + 1);
    char *p = s;

    assert_non_null(s);
    memcpy(p, head, hl);
    p += hl;
    for (int k = 0; k < n; k++, p += ul)
        memcpy(p, unit, ul);
    memcpy(p, tail, tl + 1);
    return s;
}

static void test_deep_blocks(void **state)
{
    char *ok_open = repeat("", "b {\n", AST_MAX_DEPTH, "");
    char *ok_close = repeat(ok_open, "}\n", AST_MAX_DEPTH, "");
    char *bad_open = repeat("", "b {\n", AST_MAX_DEPTH + 1, "x = 1\n");
    char *bad = repeat(bad_open, "}\n", AST_MAX_DEPTH + 1, "y = 2\n");
    ast_file *f;
    diag d = {0};

    (void)state;
    f = parse_ok(ok_close);
    ast_free(f);
    parse_bad(bad, &d);
    ERRORS_ARE(&d, "65:3: nesting deeper than 64 levels");
    diag_clear(&d);
    free(ok_open);
    free(ok_close);
    free(bad_open);
    free(bad);
}

static void test_deep_expressions(void **state)
{
    char *ok = repeat("x = ", "(", AST_MAX_DEPTH, "1");
    char *ok_full = repeat(ok, ")", AST_MAX_DEPTH, "\n");
    char *bad = repeat("x = ", "(", 100000, "1");
    char *neg = repeat("x = ", "-", 100000, "1");
    char *nots = repeat("x = ", "not ", 100000, "1");
    char *lists = repeat("x = ", "[", 100000, "");
    char *calls = repeat("x = ", "f(", 100000, "");
    ast_file *f;
    diag d = {0};

    (void)state;
    f = parse_ok(ok_full);
    ast_free(f);
    parse_bad(bad, &d);
    ERRORS_ARE(&d, "1:69: nesting deeper than 64 levels");
    diag_clear(&d);
    parse_bad(neg, &d);
    ERRORS_ARE(&d, "1:69: nesting deeper than 64 levels");
    diag_clear(&d);
    parse_bad(nots, &d);
    ERRORS_ARE(&d, "1:261: nesting deeper than 64 levels");
    diag_clear(&d);
    parse_bad(lists, &d);
    ERRORS_ARE(&d, "1:69: nesting deeper than 64 levels");
    diag_clear(&d);
    parse_bad(calls, &d);
    ERRORS_ARE(&d, "1:134: nesting deeper than 64 levels");
    diag_clear(&d);
    free(ok);
    free(ok_full);
    free(bad);
    free(neg);
    free(nots);
    free(lists);
    free(calls);
}

static void test_long_operator_chains(void **state)
{
    char *ok = repeat("x = 1", " + 1", AST_MAX_EXPR_HEIGHT - 1, "\n");
    char *bad = repeat("x = 1", " + 1", 100000, "\n");
    char *wide = repeat("x = [", "1, ", 100000, "]\n");
    ast_file *f;
    diag d = {0};

    (void)state;
    f = parse_ok(ok);
    assert_int_equal(f->items[0]->value->height, AST_MAX_EXPR_HEIGHT);
    ast_free(f);
    parse_bad(bad, &d);
    ERRORS_ARE(&d, "1:5: expression is nested too deeply (more than 256 operators deep)");
    diag_clear(&d);
    f = parse_ok(wide); /* many items are fine: only depth is bounded */
    assert_int_equal(f->items[0]->value->nargs, 100000);
    ast_free(f);
    free(ok);
    free(bad);
    free(wide);
}

static void test_too_large(void **state)
{
    diag d = {0};
    ast_file *f = NULL;

    (void)state;
    /* The size is checked before anything is read: no buffer is needed. */
    assert_int_equal(ast_parse(PATH, "", (size_t)AST_MAX_SIZE + 1, &f, &d), -1);
    assert_null(f);
    assert_int_equal(d.count, 1);
    assert_string_equal(d.items[0].text,
                        "r.quire: definition is too large (16777217 bytes; at most 16777216)");
    diag_clear(&d);
}

/* ============================== Files ===================================== */

static void test_parse_file(void **state)
{
    char path[] = "/tmp/test_ast_XXXXXX";
    int fd = mkstemp(path);
    FILE *f;
    ast_file *file = NULL;
    diag d = {0};

    (void)state;
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    fputs("x = 1\ny = $\n", f);
    fclose(f);
    assert_int_equal(ast_parse_file(path, &file, &d), -1);
    assert_int_equal(d.count, 1);
    assert_string_equal(d.items[0].text, "unexpected character '$'");
    assert_non_null(strstr(d.items[0].where, ":2:5"));
    assert_string_equal(d.items[0].detail, "    y = $\n        ^");
    diag_clear(&d);
    unlink(path);

    assert_int_equal(ast_parse_file("/nonexistent/x.quire", &file, &d), -1);
    assert_null(file);
    assert_int_equal(d.count, 1);
    assert_string_equal(d.items[0].text,
                        "/nonexistent/x.quire: cannot read: No such file or directory");
    diag_clear(&d);
}

static void test_file_keeps_path_and_text(void **state)
{
    const char *src = "a = 1\n";
    ast_file *f = parse_ok(src);

    (void)state;
    assert_string_equal(f->path, PATH);
    assert_int_equal(f->len, strlen(src));
    assert_string_equal(f->text, src);
    ast_free(f);
    ast_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_decimals_keep_their_scale),
        cmocka_unit_test(test_floats_need_an_exponent),
        cmocka_unit_test(test_strings_and_escapes),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_timestamps),
        cmocka_unit_test(test_lengths_in_points),
        cmocka_unit_test(test_keywords_any_case),
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_left_associative),
        cmocka_unit_test(test_calls_and_lists),
        cmocka_unit_test(test_newlines_inside_brackets),
        cmocka_unit_test(test_expression_text_and_positions),
        cmocka_unit_test(test_items_shape),
        cmocka_unit_test(test_comment_inside_expression_moves_before_item),
        cmocka_unit_test(test_attribute_ends),
        cmocka_unit_test(test_empty_and_blank_files),
        cmocka_unit_test(test_crlf_line_endings),
        cmocka_unit_test(test_tabs_count_one_column),
        cmocka_unit_test(test_string_errors),
        cmocka_unit_test(test_invalid_utf8_in_string),
        cmocka_unit_test(test_nul_bytes),
        cmocka_unit_test(test_number_errors),
        cmocka_unit_test(test_date_errors),
        cmocka_unit_test(test_unexpected_characters),
        cmocka_unit_test(test_item_errors),
        cmocka_unit_test(test_expression_errors),
        cmocka_unit_test(test_parse_expr_errors),
        cmocka_unit_test(test_recovery_reports_every_error),
        cmocka_unit_test(test_recovery_skips_a_broken_block_header),
        cmocka_unit_test(test_error_limit),
        cmocka_unit_test(test_deep_blocks),
        cmocka_unit_test(test_deep_expressions),
        cmocka_unit_test(test_long_operator_chains),
        cmocka_unit_test(test_too_large),
        cmocka_unit_test(test_parse_file),
        cmocka_unit_test(test_file_keeps_path_and_text),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
