/*
 * test_json.c - the JSON parser, getters and writer (kernel/json*.c): every
 * parse error with its line and column counted by hand, escapes and
 * surrogates, numbers at the edges of double and of 2^53, duplicate keys,
 * the depth limit, the typed getters' messages, writer escaping and number
 * text, builder misuse, and parse -> write -> parse round trips.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"

/* ============================== Helpers =================================== */

static json_value *parse_ok(quire_arena *a, const char *text, size_t len)
{
    json_error e;
    json_value *v = json_parse(a, text, len, &e);

    if (v == NULL)
        fail_msg("'%s' refused: %s", text, e.msg);
    return v;
}

/* Parses text (strlen) in a fresh arena; the error must be `msg`. */
static void parse_err_n(const char *text, size_t len, const char *msg)
{
    quire_arena *a = arena_new(0);
    json_error e;

    assert_non_null(a);
    if (json_parse(a, text, len, &e) != NULL)
        fail_msg("'%s' accepted, expected: %s", text, msg);
    assert_string_equal(e.msg, msg);
    arena_free(a);
}

static void parse_err(const char *text, const char *msg)
{
    parse_err_n(text, strlen(text), msg);
}

/* Writes v compactly and compares with the text expected. */
static void writes(const json_value *v, const char *expected)
{
    jbuf b;
    char *s;

    jbuf_init(&b);
    jb_value(&b, v);
    s = jbuf_detach(&b, NULL);
    assert_non_null(s);
    assert_string_equal(s, expected);
    free(s);
}

/* ============================== Parse errors ============================== */

static void test_errors_syntax(void **state)
{
    (void)state;
    parse_err("", "line 1, column 1: unexpected end of input, expected a value");
    parse_err("  \n  ", "line 2, column 3: unexpected end of input, expected a value");
    parse_err("[1,]", "line 1, column 4: unexpected character ']', expected a value");
    parse_err("[1 2]", "line 1, column 4: unexpected character '2', expected ',' or ']' in array");
    parse_err("[1", "line 1, column 3: unexpected end of input, expected ',' or ']' in array");
    parse_err("{\"a\":1,}",
              "line 1, column 8: unexpected character '}', expected a string key after ','");
    parse_err("{1:2}", "line 1, column 2: unexpected character '1', expected a string key or '}'");
    parse_err("{\"format\" 1}", "line 1, column 11: expected ':' after object key \"format\"");
    parse_err("{\"a\": 1, \"format\"}",
              "line 1, column 18: expected ':' after object key \"format\"");
    parse_err("{\"a\"", "line 1, column 5: unexpected end of input, expected ':' after object "
                        "key \"a\"");
    parse_err("{\"a\":1 \"b\":2}",
              "line 1, column 8: unexpected character '\"', expected ',' or '}' in object");
    parse_err("{\"a\":1,\"a\":2}", "line 1, column 8: duplicate key \"a\"");
    parse_err(".5", "line 1, column 1: unexpected character '.', expected a value");
    parse_err("True", "line 1, column 1: unexpected character 'T', expected a value");
    parse_err("tru", "line 1, column 1: invalid literal \"tru\"");
    parse_err("[nullx]", "line 1, column 2: invalid literal \"nullx\"");
    parse_err("1 2",
              "line 1, column 3: unexpected character '2', expected the end after the value");
    parse_err_n("\0", 1, "line 1, column 1: unexpected byte 0x00, expected a value");
    parse_err("\xEF\xBB\xBF{}", "line 1, column 1: unexpected byte 0xEF, expected a value");
    /* Line 3 starts at offset 12; "b" at columns 3-5, the 2 at column 7. */
    parse_err("{\n  \"a\": 1,\n  \"b\" 2\n}",
              "line 3, column 7: expected ':' after object key \"b\"");
}

static void test_error_position_fields(void **state)
{
    quire_arena *a = arena_new(0);
    json_error e;

    (void)state;
    assert_null(json_parse(a, "{\n  \"a\": 1,\n  \"b\" 2\n}", 20, &e));
    assert_int_equal(e.line, 3);
    assert_int_equal(e.column, 7);
    assert_int_equal(e.offset, 18);
    /* A NULL error pointer is allowed. */
    assert_null(json_parse(a, "[", 1, NULL));
    arena_free(a);
}

static void test_errors_strings(void **state)
{
    (void)state;
    parse_err("\"abc", "line 1, column 1: unterminated string");
    parse_err("\"abc\\\"", "line 1, column 1: unterminated string");
    parse_err("\"a\\qb\"", "line 1, column 3: invalid escape '\\q' in string");
    parse_err("\"\\u12G4\"", "line 1, column 2: invalid \\u escape in string");
    parse_err("\"\\u12\"", "line 1, column 2: invalid \\u escape in string");
    parse_err("\"\\uD800\"", "line 1, column 2: lone surrogate \\uD800 in string");
    parse_err("\"\\uDC00\"", "line 1, column 2: lone surrogate \\uDC00 in string");
    parse_err("\"\\uD800\\u0041\"", "line 1, column 2: lone surrogate \\uD800 in string");
    parse_err("\"x\\uDBFF\"", "line 1, column 3: lone surrogate \\uDBFF in string");
    parse_err("\"a\tb\"", "line 1, column 3: control character 0x09 in string");
    parse_err("\"a\nb\"", "line 1, column 3: control character 0x0A in string");
    parse_err("\"\xC3(\"", "line 1, column 2: invalid UTF-8 byte 0xC3 in string");
    /* Columns count characters: the two-byte é is one column. */
    parse_err("[\"\xC3\xA9\", \"\xC3\"]", "line 1, column 8: invalid UTF-8 byte 0xC3 in string");
    parse_err("\"\xC0\x80\"", "line 1, column 2: invalid UTF-8 byte 0xC0 in string");
    parse_err("\"\xED\xA0\x80\"", "line 1, column 2: invalid UTF-8 byte 0xED in string");
    parse_err("\"\xF4\x90\x80\x80\"", "line 1, column 2: invalid UTF-8 byte 0xF4 in string");
    parse_err("\"\xE2\x82\"", "line 1, column 2: invalid UTF-8 byte 0xE2 in string");
    parse_err("\"\x80\"", "line 1, column 2: invalid UTF-8 byte 0x80 in string");
    parse_err("\"\xFF\"", "line 1, column 2: invalid UTF-8 byte 0xFF in string");
}

static void test_errors_numbers(void **state)
{
    (void)state;
    parse_err("01", "line 1, column 1: invalid number \"01\"");
    parse_err("1.", "line 1, column 1: invalid number \"1.\"");
    parse_err("-", "line 1, column 1: invalid number \"-\"");
    parse_err("1e", "line 1, column 1: invalid number \"1e\"");
    parse_err("1.e5", "line 1, column 1: invalid number \"1.e5\"");
    parse_err("+1", "line 1, column 1: unexpected character '+', expected a value");
    parse_err("[1-2]", "line 1, column 2: invalid number \"1-2\"");
    parse_err("1e309", "line 1, column 1: number 1e309 is out of range");
    parse_err("[0, -1e309]", "line 1, column 5: number -1e309 is out of range");
}

static void test_depth_limit(void **state)
{
    char text[2 * 65 + 1];
    quire_arena *a = arena_new(0);
    json_value *v;
    int i;

    (void)state;
    /* 64 nested arrays are fine. */
    for (i = 0; i < 64; i++) {
        text[i] = '[';
        text[64 + i] = ']';
    }
    v = parse_ok(a, text, 128);
    for (i = 0; i < 63; i++) {
        assert_int_equal(v->type, JSON_ARRAY);
        assert_int_equal(v->count, 1);
        v = v->items[0];
    }
    assert_int_equal(v->count, 0);
    /* The 65th opening bracket is refused where it stands. */
    for (i = 0; i < 65; i++) {
        text[i] = '[';
        text[65 + i] = ']';
    }
    parse_err_n(text, 130, "line 1, column 65: nesting deeper than 64");
    arena_free(a);
}

/* ============================== Values ==================================== */

static void test_numbers(void **state)
{
    quire_arena *a = arena_new(0);
    json_value *v;

    (void)state;
    v = parse_ok(a, "-0", 2);
    assert_int_equal(v->type, JSON_NUMBER);
    assert_true(v->number == 0.0 && signbit(v->number));
    assert_int_equal(v->is_integer, 1);
    assert_int_equal(v->integer, 0);
    assert_string_equal(v->str, "-0");

    v = parse_ok(a, "123", 3);
    assert_int_equal(v->is_integer, 1);
    assert_int_equal(v->integer, 123);
    assert_true(v->number == 123.0);

    v = parse_ok(a, "1e308", 5);
    assert_true(v->number == 1e308);
    assert_int_equal(v->is_integer, 0);

    v = parse_ok(a, "1E+2", 4);
    assert_true(v->number == 100.0);
    assert_int_equal(v->is_integer, 0);

    v = parse_ok(a, "-1.5e-3", 7);
    assert_true(v->number == -0.0015);

    /* Underflow rounds to zero rather than being refused. */
    v = parse_ok(a, "1e-400", 6);
    assert_true(v->number == 0.0);

    /* 2^53 = 9007199254740992 is the last integer every double holds. */
    v = parse_ok(a, "9007199254740992", 16);
    assert_int_equal(v->is_integer, 1);
    assert_true(v->integer == INT64_C(9007199254740992));
    v = parse_ok(a, "-9007199254740992", 17);
    assert_int_equal(v->is_integer, 1);
    assert_true(v->integer == -INT64_C(9007199254740992));
    v = parse_ok(a, "9007199254740993", 16);
    assert_int_equal(v->is_integer, 0);
    assert_string_equal(v->str, "9007199254740993");
    assert_int_equal(v->len, 16);
    assert_true(v->number == 9007199254740992.0);
    v = parse_ok(a, "123456789012345678901234567890", 30);
    assert_int_equal(v->is_integer, 0);
    assert_string_equal(v->str, "123456789012345678901234567890");
    arena_free(a);
}

static void test_strings(void **state)
{
    quire_arena *a = arena_new(0);
    json_value *v;
    const char *t;

    (void)state;
    t = "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"";
    v = parse_ok(a, t, strlen(t));
    assert_int_equal(v->type, JSON_STRING);
    assert_int_equal(v->len, 8);
    assert_memory_equal(v->str, "\"\\/\b\f\n\r\t", 9);

    /* U+00E9 is C3 A9, U+20AC is E2 82 AC, U+1F600 (D83D DE00) is F0 9F 98 80. */
    t = "\"\\u00e9\\u20AC\\uD83D\\uDE00\"";
    v = parse_ok(a, t, strlen(t));
    assert_int_equal(v->len, 9);
    assert_memory_equal(v->str, "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", 10);

    t = "\"a\\u0000b\"";
    v = parse_ok(a, t, strlen(t));
    assert_int_equal(v->len, 3);
    assert_memory_equal(v->str, "a\0b", 4);

    /* Raw UTF-8, 2 to 4 bytes, and DEL pass unchanged. */
    t = "\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\x7F\"";
    v = parse_ok(a, t, strlen(t));
    assert_int_equal(v->len, 10);
    assert_memory_equal(v->str, "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\x7F", 10);

    v = parse_ok(a, "\"\"", 2);
    assert_int_equal(v->len, 0);
    assert_string_equal(v->str, "");
    arena_free(a);
}

static void test_objects_and_lookups(void **state)
{
    quire_arena *a = arena_new(0);
    const char *t = " { \"b\" : 1 , \"a\" : [ true , false , null ] , \"c\" : { } } ";
    json_value *v;
    const json_value *x;

    (void)state;
    v = parse_ok(a, t, strlen(t));
    assert_int_equal(v->type, JSON_OBJECT);
    assert_int_equal(v->count, 3);
    assert_string_equal(v->members[0].key, "b");
    assert_string_equal(v->members[1].key, "a");
    assert_string_equal(v->members[2].key, "c");
    x = json_get(v, "a");
    assert_non_null(x);
    assert_int_equal(x->type, JSON_ARRAY);
    assert_int_equal(x->count, 3);
    assert_int_equal(json_index(x, 0)->boolean, 1);
    assert_int_equal(json_index(x, 1)->type, JSON_BOOL);
    assert_int_equal(json_index(x, 1)->boolean, 0);
    assert_int_equal(json_index(x, 2)->type, JSON_NULL);
    assert_null(json_index(x, 3));
    assert_null(json_index(v, 0));
    assert_null(json_get(x, "a"));
    assert_null(json_get(v, "missing"));
    assert_null(json_get(NULL, "a"));
    assert_int_equal(json_get(v, "c")->count, 0);
    assert_true(json_get(v, "b")->number == 1.0);

    assert_string_equal(json_type_name(JSON_NULL), "null");
    assert_string_equal(json_type_name(JSON_BOOL), "boolean");
    assert_string_equal(json_type_name(JSON_NUMBER), "number");
    assert_string_equal(json_type_name(JSON_STRING), "string");
    assert_string_equal(json_type_name(JSON_ARRAY), "array");
    assert_string_equal(json_type_name(JSON_OBJECT), "object");
    arena_free(a);
}

/* Keys that differ only after a NUL are distinct; many keys go through the
 * hash table, and a duplicate among them is still found at its position. */
static void test_many_keys_and_duplicates(void **state)
{
    quire_arena *a = arena_new(0);
    size_t cap = 20000, n = 0;
    char *text = malloc(cap);
    char msg[80];
    const char *t;
    json_value *v;
    int i;

    (void)state;
    assert_non_null(text);
    t = "{\"a\\u0000b\":1,\"a\\u0000c\":2}";
    v = parse_ok(a, t, strlen(t));
    assert_int_equal(v->count, 2);

    text[n++] = '{';
    for (i = 0; i < 1000; i++)
        n += (size_t)snprintf(text + n, cap - n, "%s\"k%d\":%d", i ? "," : "", i, i);
    text[n++] = '}';
    v = parse_ok(a, text, n);
    assert_int_equal(v->count, 1000);
    assert_true(json_get(v, "k999")->number == 999.0);

    /* Replace the closing brace by a repeat of key k500: the column is the
     * byte just after the last member plus the comma, all ASCII. */
    n--;
    snprintf(msg, sizeof(msg), "line 1, column %zu: duplicate key \"k500\"", n + 2);
    n += (size_t)snprintf(text + n, cap - n, ",\"k500\":0}");
    parse_err_n(text, n, msg);
    free(text);
    arena_free(a);
}

/* ============================== Getters =================================== */

static void test_getters(void **state)
{
    quire_arena *a = arena_new(0);
    const char *t = "{\"format\":\"pdf\",\"n\":3,\"x\":1.5,\"big\":99999999999999999999,"
                    "\"e\":1e2,\"f\":true,\"o\":{},\"l\":[1],\"z\":null}";
    json_value *v = parse_ok(a, t, strlen(t));
    quire_error err;
    const json_value *sub = NULL;
    const char *s = NULL;
    size_t len = 0;
    int64_t i = 0;
    double d = 0;
    int b = 0;

    (void)state;
    assert_int_equal(json_get_str(v, "format", 1, &s, &len, &err), 1);
    assert_string_equal(s, "pdf");
    assert_int_equal(len, 3);
    assert_int_equal(json_get_str(v, "n", 1, &s, NULL, &err), -1);
    assert_int_equal(err.code, QUIRE_E_INVALID);
    assert_string_equal(err.msg, "field \"n\": expected a string, got a number");
    assert_int_equal(json_get_str(v, "missing", 1, &s, NULL, &err), -1);
    assert_string_equal(err.msg, "field \"missing\" is required");
    s = "untouched";
    assert_int_equal(json_get_str(v, "missing", 0, &s, NULL, &err), 0);
    assert_int_equal(json_get_str(v, "z", 0, &s, NULL, &err), 0);
    assert_string_equal(s, "untouched");
    assert_int_equal(json_get_str(v, "z", 1, &s, NULL, &err), -1);
    assert_string_equal(err.msg, "field \"z\": expected a string, got null");

    assert_int_equal(json_get_int(v, "n", 1, &i, &err), 1);
    assert_int_equal(i, 3);
    assert_int_equal(json_get_int(v, "x", 1, &i, &err), -1);
    assert_string_equal(err.msg, "field \"x\": expected an integer, got 1.5");
    assert_int_equal(json_get_int(v, "e", 1, &i, &err), -1);
    assert_string_equal(err.msg, "field \"e\": expected an integer, got 1e2");
    assert_int_equal(json_get_int(v, "big", 1, &i, &err), -1);
    assert_string_equal(err.msg, "field \"big\": integer 99999999999999999999 is out of range");
    assert_int_equal(json_get_int(v, "format", 1, &i, &err), -1);
    assert_string_equal(err.msg, "field \"format\": expected an integer, got a string");

    assert_int_equal(json_get_num(v, "x", 1, &d, &err), 1);
    assert_true(d == 1.5);
    assert_int_equal(json_get_num(v, "f", 1, &d, &err), -1);
    assert_string_equal(err.msg, "field \"f\": expected a number, got a boolean");

    assert_int_equal(json_get_bool(v, "f", 1, &b, &err), 1);
    assert_int_equal(b, 1);
    assert_int_equal(json_get_bool(v, "l", 1, &b, &err), -1);
    assert_string_equal(err.msg, "field \"l\": expected a boolean, got an array");

    assert_int_equal(json_get_typed(v, "o", JSON_OBJECT, 1, &sub, &err), 1);
    assert_int_equal(sub->type, JSON_OBJECT);
    assert_int_equal(json_get_typed(v, "o", JSON_ARRAY, 1, &sub, &err), -1);
    assert_string_equal(err.msg, "field \"o\": expected an array, got an object");

    assert_int_equal(json_get_str(json_get(v, "l"), "a", 1, &s, NULL, &err), -1);
    assert_string_equal(err.msg, "expected an object, got an array");
    arena_free(a);
}

/* ============================== Writer ==================================== */

static void test_builder(void **state)
{
    jbuf b;
    char *s;
    size_t len = 0;

    (void)state;
    jbuf_init(&b);
    jb_obj_begin(&b);
    jb_key(&b, "a");
    jb_int(&b, 1);
    jb_key(&b, "b");
    jb_arr_begin(&b);
    jb_bool(&b, 1);
    jb_null(&b);
    jb_str(&b, "x");
    jb_str(&b, NULL);
    jb_arr_end(&b);
    jb_key(&b, "c");
    jb_obj_begin(&b);
    jb_obj_end(&b);
    jb_key(&b, "d");
    jb_int(&b, INT64_MIN);
    jb_keyn(&b, "uu", 1);
    jb_uint(&b, UINT64_MAX);
    jb_key(&b, "r");
    jb_raw(&b, "[1, 2]", 6);
    jb_key(&b, "e");
    jb_arr_begin(&b);
    jb_arr_end(&b);
    jb_obj_end(&b);
    assert_false(jbuf_failed(&b));
    s = jbuf_detach(&b, &len);
    assert_string_equal(s, "{\"a\":1,\"b\":[true,null,\"x\",null],\"c\":{},"
                           "\"d\":-9223372036854775808,\"u\":18446744073709551615,"
                           "\"r\":[1, 2],\"e\":[]}");
    assert_int_equal(len, strlen(s));
    free(s);
    /* Detached: the buffer is empty and reusable. */
    assert_null(b.data);
    jb_arr_begin(&b);
    jb_double(&b, 2.5);
    jb_arr_end(&b);
    assert_string_equal(b.data, "[2.5]");
    jbuf_reset(&b);
    assert_int_equal(b.len, 0);
    jb_int(&b, 7);
    assert_string_equal(b.data, "7");
    jbuf_free(&b);
    s = jbuf_detach(&b, &len);
    assert_string_equal(s, "");
    assert_int_equal(len, 0);
    free(s);
}

static void expect_misuse(void (*build)(jbuf *))
{
    jbuf b;
    size_t len = 99;

    jbuf_init(&b);
    build(&b);
    assert_true(jbuf_failed(&b));
    assert_null(jbuf_detach(&b, &len));
    assert_null(b.data);
}

static void value_without_key(jbuf *b)
{
    jb_obj_begin(b);
    jb_int(b, 1);
    jb_obj_end(b);
}

static void key_in_array(jbuf *b)
{
    jb_arr_begin(b);
    jb_key(b, "a");
}

static void wrong_close(jbuf *b)
{
    jb_arr_begin(b);
    jb_obj_end(b);
}

static void close_at_top(jbuf *b)
{
    jb_arr_end(b);
}

static void dangling_key(jbuf *b)
{
    jb_obj_begin(b);
    jb_key(b, "a");
    jb_obj_end(b);
}

static void too_deep(jbuf *b)
{
    int i;

    for (i = 0; i < 65; i++)
        jb_arr_begin(b);
}

static void test_builder_misuse(void **state)
{
    jbuf b;
    int i;

    (void)state;
    expect_misuse(value_without_key);
    expect_misuse(key_in_array);
    expect_misuse(wrong_close);
    expect_misuse(close_at_top);
    expect_misuse(dangling_key);
    expect_misuse(too_deep);
    /* 64 levels are allowed. */
    jbuf_init(&b);
    for (i = 0; i < 64; i++)
        jb_arr_begin(&b);
    for (i = 0; i < 64; i++)
        jb_arr_end(&b);
    assert_false(jbuf_failed(&b));
    assert_int_equal(b.len, 128);
    jbuf_free(&b);
}

static void str_is(const char *in, size_t n, const char *expected)
{
    jbuf b;

    jbuf_init(&b);
    jb_strn(&b, in, n);
    assert_false(jbuf_failed(&b));
    assert_string_equal(b.data, expected);
    jbuf_free(&b);
}

static void test_writer_escapes(void **state)
{
    (void)state;
    str_is("\x01\x1f\"\\/\b\f\n\r\t\x7f", 11, "\"\\u0001\\u001f\\\"\\\\/\\b\\f\\n\\r\\t\x7f\"");
    str_is("a\0b", 3, "\"a\\u0000b\"");
    str_is("plain", 5, "\"plain\"");
    str_is("", 0, "\"\"");
    /* Valid UTF-8 passes, each bad byte becomes EF BF BD (U+FFFD). */
    str_is("\xC3\xA9\xF0\x9F\x98\x80", 6, "\"\xC3\xA9\xF0\x9F\x98\x80\"");
    str_is("a\xC3(b", 4, "\"a\xEF\xBF\xBD(b\"");
    str_is("\x80", 1, "\"\xEF\xBF\xBD\"");
    str_is("\xED\xA0\x80", 3, "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
    str_is("\xE2\x82", 2, "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
    str_is("x\xFF\n", 3, "\"x\xEF\xBF\xBD\\n\"");
}

static void double_is(double d, const char *expected)
{
    jbuf b;

    jbuf_init(&b);
    jb_double(&b, d);
    assert_string_equal(b.data, expected);
    jbuf_free(&b);
}

static void test_writer_doubles(void **state)
{
    jbuf b;
    volatile double third = 1.0, tenth = 0.1, fifth = 0.2;

    (void)state;
    third /= 3.0;
    double_is(0.1, "0.1");
    double_is(100.0, "100");
    double_is(-0.0, "-0");
    double_is(2.5e-5, "2.5e-05");
    double_is(1e21, "1e+21");
    double_is(tenth + fifth, "0.30000000000000004");
    double_is(third, "0.3333333333333333");
    double_is(1.7976931348623157e308, "1.7976931348623157e+308");
    double_is(NAN, "null");
    double_is(INFINITY, "null");
    double_is(-INFINITY, "null");
    /* The smallest subnormal must at least read back exactly. */
    jbuf_init(&b);
    jb_double(&b, 4.9406564584124654e-324);
    assert_true(strtod(b.data, NULL) == 4.9406564584124654e-324);
    jbuf_free(&b);
}

/* ============================== Round trips =============================== */

static void test_round_trip(void **state)
{
    quire_arena *a = arena_new(0);
    const char *t = "{ \"s\": \"a\\u00e9\\n\\u0001\\\"\\/x\", \"n\": [0, -0, 1.5e3, "
                    "123456789012345678901, -7], \"t\": true, \"f\": false, \"z\": null, "
                    "\"o\": {\"\": {}, \"k\\u0000\": []} }";
    const char *compact = "{\"s\":\"a\xC3\xA9\\n\\u0001\\\"/x\",\"n\":[0,-0,1.5e3,"
                          "123456789012345678901,-7],\"t\":true,\"f\":false,\"z\":null,"
                          "\"o\":{\"\":{},\"k\\u0000\":[]}}";
    json_value *v = parse_ok(a, t, strlen(t)), *w;
    jbuf b;

    (void)state;
    writes(v, compact);
    jbuf_init(&b);
    jb_value(&b, v);
    w = parse_ok(a, b.data, b.len);
    assert_true(json_equal(v, w));
    assert_false(json_equal(v, json_get(v, "o")));
    assert_false(json_equal(json_get(v, "t"), json_get(v, "f")));
    jbuf_free(&b);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_errors_syntax),
        cmocka_unit_test(test_error_position_fields),
        cmocka_unit_test(test_errors_strings),
        cmocka_unit_test(test_errors_numbers),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_objects_and_lookups),
        cmocka_unit_test(test_many_keys_and_duplicates),
        cmocka_unit_test(test_getters),
        cmocka_unit_test(test_builder),
        cmocka_unit_test(test_builder_misuse),
        cmocka_unit_test(test_writer_escapes),
        cmocka_unit_test(test_writer_doubles),
        cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
