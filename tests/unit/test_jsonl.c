/*
 * test_jsonl.c - the jsonl source plugin (plugins/jsonl), driven through the
 * real build/plugins/jsonl.so as the kernel drives it: loaded with
 * kernel_load_path, configured with config_build, initialised through its
 * descriptor, then opened and pulled through its source ops into batches
 * from kernel/batch.c.
 *
 * Every case writes its input to data.jsonl in a scratch directory (the
 * current directory while the tests run, so messages say "data.jsonl:3:
 * ...") and reads it with batches of 1, 2, 7 and 1024 rows: all four must
 * give the same text. The text is the schema line, one line per row
 * "LINE: cell<TAB>cell" (cells as batch_format_cell writes them), an
 * "error: MESSAGE [code]" line if the source failed, and "log: ..." lines
 * the plugin wrote through host->log. Expected texts are worked out by hand
 * from the input.
 *
 * QUIRE_BUILD (default "build") says where jsonl.so is.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "source_harness.h"

/* ============================== Fixture =================================== */

static int group_setup(void **state)
{
    return source_group_setup(state, "jsonl", NULL);
}

/* ============================== Running the source ======================== */

/* Pulls every batch of an open instance, printing the schema and the rows
 * to `out` (see the top of the file). Returns the rows delivered. */
static int64_t drain(const quire_source_ops *ops, void *instance, uint32_t capacity, FILE *out)
{
    const quire_column_info *columns;
    size_t ncolumns;
    quire_error err = {0};

    assert_int_equal(ops->schema(instance, &columns, &ncolumns, &err), QUIRE_OK);
    print_schema(out, columns, ncolumns);
    return drain_rows(ops, instance, columns, ncolumns, capacity, BATCH_LINES, NULL,
                      ROWS_WITH_LINES, out);
}

/* Runs the source with these options and batches of `capacity` rows;
 * returns the text described at the top of this file (caller frees). */
static char *run_source(fixture *f, const char *const *texts, uint32_t capacity)
{
    const quire_source_ops *ops = &f->rec->ops.source;
    quire_error err = {0};
    void *instance = NULL;
    source_run run;

    run_begin(f, &run, texts, "sales", capacity);
    if (ops->open(f->rec->state_ptr, &run.args, &instance, &err) != QUIRE_OK) {
        assert_null(instance);
        put_error(run.out, &err);
    } else {
        drain(ops, instance, capacity, run.out);
        ops->close(instance);
    }
    return run_end(f, &run);
}

static const uint32_t capacities[] = {1, 2, 7, 1024};

/* Writes data.jsonl, runs it with "path=data.jsonl" and `texts` at every
 * batch capacity, checks they agree and returns the text (caller frees). */
static char *run_jsonl(fixture *f, const char *data, size_t len, const char *const *texts)
{
    const char *all[32];
    char *first = NULL;

    options_after(all, sizeof(all) / sizeof(all[0]), "path=data.jsonl", texts);
    write_file("data.jsonl", data, len);
    for (size_t i = 0; i < sizeof(capacities) / sizeof(capacities[0]); i++) {
        char *text = run_source(f, all, capacities[i]);
        drop_rows_if_failed(text);
        if (first == NULL) {
            first = text;
        } else {
            if (strcmp(text, first) != 0)
                fail_msg("capacity %u gave\n%s\ncapacity 1 gave\n%s", (unsigned)capacities[i], text,
                         first);
            free(text);
        }
    }
    return first;
}

static void check_jsonl(fixture *f, const char *data, size_t len, const char *const *texts,
                        const char *expected)
{
    char *text = run_jsonl(f, data, len, texts);
    assert_string_equal(text, expected);
    free(text);
}

/* CHECK(fixture, "jsonl bytes", OPTS(...) or NO_OPTS, "expected text") */
#define CHECK(f, data, opts, expected)                                                             \
    check_jsonl((f), (data), sizeof(data) - 1, (opts), (expected))

/* Runs the source on its own options only (no automatic path). */
static void check_options(fixture *f, const char *const *texts, const char *expected)
{
    char *text = run_source(f, texts, 1024);
    drop_rows_if_failed(text);
    assert_string_equal(text, expected);
    free(text);
}

/* ============================== Basics ==================================== */

static void test_basic(void **state)
{
    CHECK(FIX, "{\"id\":1,\"name\":\"ann\"}\n{\"id\":2,\"name\":\"bob\"}\n", NO_OPTS,
          "id:int\tname:string\n"
          "1: 1\tann\n"
          "2: 2\tbob\n");
    /* Blanks anywhere JSON allows them, keys in any order. */
    CHECK(FIX, " { \"id\" : 1 , \"name\" : \"ann\" } \n{\"name\":\"bob\",\t\"id\":2}\n", NO_OPTS,
          "id:int\tname:string\n"
          "1: 1\tann\n"
          "2: 2\tbob\n");
}

static void test_infer_each_type(void **state)
{
    CHECK(FIX,
          "{\"b\":true,\"i\":1,\"d\":1.5,\"f\":1e3,\"dt\":\"2024-02-29\","
          "\"ts\":\"2024-02-29T10:00:00Z\",\"s\":\"x\",\"n\":null}\n"
          "{\"b\":false,\"i\":-20,\"d\":-0.25,\"f\":2.5E-3,\"dt\":\"1969-12-31\","
          "\"ts\":\"2024-02-29 10:00:00.5\",\"s\":\"1\",\"n\":null}\n"
          "{\"b\":true,\"i\":3,\"d\":3,\"f\":-1.5e+2,\"dt\":\"1970-01-01\","
          "\"ts\":\"2024-03-01T00:00:00+01:00\",\"s\":\"2.5\",\"n\":null}\n",
          NO_OPTS,
          "b:bool\ti:int\td:decimal(2)\tf:float\tdt:date\tts:timestamp\ts:string\tn:string\n"
          "1: true\t1\t1.50\t1000\t2024-02-29\t2024-02-29T10:00:00Z\tx\t\\N\n"
          "2: false\t-20\t-0.25\t0.0025\t1969-12-31\t2024-02-29T10:00:00.500000Z\t1\t\\N\n"
          "3: true\t3\t3.00\t-150\t1970-01-01\t2024-02-29T23:00:00Z\t2.5\t\\N\n");
}

static void test_infer_narrowest(void **state)
{
    /* int + decimal = decimal; date + timestamp = timestamp; bool + number
     * = string (as JSON text); numbers are never strings' types and
     * strings never numbers; 19-digit ints past int64 are float; 18 digits
     * in all stay decimal, 19 go float; an exponent is float. */
    CHECK(FIX,
          "{\"a\":1,\"b\":\"2021-01-01\",\"c\":true,\"d\":9223372036854775807,"
          "\"e\":1234567890123456.78,\"f\":12345678901234567.89,\"g\":\"12\",\"h\":1.5}\n"
          "{\"a\":2.5,\"b\":\"2021-01-01T12:00:00\",\"c\":1,\"d\":9223372036854775808,"
          "\"e\":0.5,\"f\":1,\"g\":12,\"h\":2e0}\n",
          NO_OPTS,
          "a:decimal(1)\tb:timestamp\tc:string\td:float\te:decimal(2)\tf:float\tg:string\th:float\n"
          "1: 1.0\t2021-01-01T00:00:00Z\ttrue\t9.223372036854776e+18\t1234567890123456.78\t"
          "1.2345678901234568e+16\t12\t1.5\n"
          "2: 2.5\t2021-01-01T12:00:00Z\t1\t9.223372036854776e+18\t0.50\t1\t12\t2\n");
    /* -0 is 0; the scale is the widest seen, up to 18. */
    CHECK(FIX, "{\"a\":-0,\"b\":-0.0,\"c\":0.000000000000000001}\n{\"a\":10,\"b\":1,\"c\":0}\n",
          NO_OPTS,
          "a:int\tb:decimal(1)\tc:decimal(18)\n"
          "1: 0\t0.0\t0.000000000000000001\n"
          "2: 10\t1.0\t0.000000000000000000\n");
    /* Not dates: a day that does not exist, a short form, a time alone. */
    CHECK(FIX, "{\"a\":\"2021-02-30\",\"b\":\"2021-1-1\",\"c\":\"10:00\"}\n", NO_OPTS,
          "a:string\tb:string\tc:string\n"
          "1: 2021-02-30\t2021-1-1\t10:00\n");
}

static void test_exact_decimals(void **state)
{
    /* 0.1 + 0.2 in binary floating point is not 0.3; as decimals the sum
     * of the column is exactly 0.30 + 0.60 = 0.90. */
    CHECK(FIX, "{\"m\":0.10}\n{\"m\":0.20}\n{\"m\":0.60}\n", NO_OPTS,
          "m:decimal(2)\n1: 0.10\n2: 0.20\n3: 0.60\n");
    CHECK(FIX, "{\"m\":999999999999999999}\n{\"m\":-999999999999999999}\n", NO_OPTS,
          "m:int\n1: 999999999999999999\n2: -999999999999999999\n");
    CHECK(FIX, "{\"m\":-9223372036854775808}\n", NO_OPTS, "m:int\n1: -9223372036854775808\n");
}

/* ============================== Paths ===================================== */

static void test_nested_paths(void **state)
{
    /* Columns in the order paths first appear, across lines. */
    CHECK(FIX,
          "{\"id\":1,\"customer\":{\"name\":\"Ann\",\"address\":{\"city\":\"Oslo\"}}}\n"
          "{\"id\":2,\"customer\":{\"name\":\"Bo\",\"vip\":true},\"total\":5}\n",
          NO_OPTS,
          "id:int\tcustomer.name:string\tcustomer.address.city:string\tcustomer.vip:bool\t"
          "total:int\n"
          "1: 1\tAnn\tOslo\t\\N\t\\N\n"
          "2: 2\tBo\t\\N\ttrue\t5\n");
}

static void test_arrays(void **state)
{
    /* Arrays are one value: their JSON text without blanks (outside
     * strings); nested objects in them are not entered. */
    CHECK(FIX,
          "{\"tags\":[\"a\", \"b c\"],\"items\":[{\"price\": 1.5}, {\"price\":2}],\"e\":[]}\n"
          "{\"tags\":[],\"items\":[ ],\"e\":[[1, [2]], {}]}\n",
          NO_OPTS,
          "tags:string\titems:string\te:string\n"
          "1: [\"a\",\"b c\"]\t[{\"price\":1.5},{\"price\":2}]\t[]\n"
          "2: []\t[]\t[[1,[2]],{}]\n");
    /* An index in `columns` reads an element; past the end is NULL. */
    CHECK(FIX,
          "{\"items\":[{\"price\":1.50,\"sku\":\"a\"},{\"price\":2.25}]}\n"
          "{\"items\":[{\"price\":3}]}\n"
          "{\"items\":[]}\n"
          "{\"items\":{\"0\":{\"price\":4}}}\n",
          OPTS("columns=items.0.price as first_price, items.1.price, items.0"),
          "first_price:decimal(2)\titems.1.price:decimal(2)\titems.0:string\n"
          "1: 1.50\t2.25\t{\"price\":1.50,\"sku\":\"a\"}\n"
          "2: 3.00\t\\N\t{\"price\":3}\n"
          "3: \\N\t\\N\t\\N\n"
          "4: 4.00\t\\N\t{\"price\":4}\n");
}

static void test_columns_option(void **state)
{
    /* Only the listed paths, in the listed order, renamed with `as`; an
     * object read whole is its JSON text. */
    CHECK(FIX,
          "{\"id\":1,\"customer\":{\"name\":\"Ann\",\"age\":30},\"x\":9}\n"
          "{\"id\":2,\"customer\":\"none\"}\n",
          OPTS("columns=customer.name as who, id, customer"),
          "who:string\tid:int\tcustomer:string\n"
          "1: Ann\t1\t{\"name\":\"Ann\",\"age\":30}\n"
          "2: \\N\t2\tnone\n");
    /* A path that is never there: a string column of NULLs. Keys with blanks. */
    CHECK(FIX, "{\"first name\":\"A\"}\n", OPTS("columns=first name as n, missing.path"),
          "n:string\tmissing.path:string\n"
          "1: A\t\\N\n");
}

static void test_nulls_and_missing_keys(void **state)
{
    /* Ragged objects: a key missing from a line is NULL, as is null. A
     * path only ever null is a column; one that is null in one line and
     * an object in another is not (its keys are). */
    CHECK(FIX,
          "{\"a\":1,\"b\":null,\"c\":null}\n"
          "{\"a\":null}\n"
          "{\"c\":{\"d\":\"x\"}}\n"
          "{}\n",
          NO_OPTS,
          "a:int\tb:string\tc.d:string\n"
          "1: 1\t\\N\t\\N\n"
          "2: \\N\t\\N\t\\N\n"
          "3: \\N\t\\N\tx\n"
          "4: \\N\t\\N\t\\N\n");
    /* A path that holds a value in one line and an object in another: a
     * string column with the object's JSON text. */
    CHECK(FIX, "{\"a\":1}\n{\"a\":{\"b\":2}}\n", NO_OPTS,
          "a:string\ta.b:int\n"
          "1: 1\t\\N\n"
          "2: {\"b\":2}\t2\n");
}

static void test_duplicate_keys(void **state)
{
    /* The column points at the second key; the line is no evidence. */
    CHECK(FIX, "{\"a\":1,\"b\":2}\n{\"a\":\"x\",\"b\":2,\"a\":3}\n", NO_OPTS,
          "a:int\tb:int\n"
          "error: data.jsonl:2:16: key 'a' appears twice in the object [invalid]\n");
    CHECK(FIX, "{\"a\":1,\"b\":2,\"a\":3}\n", NO_OPTS,
          "error: data.jsonl:1:14: key 'a' appears twice in the object [invalid]\n");
    /* Deeper, after the sample: the path tree sees it. */
    CHECK(FIX, "{\"o\":{\"x\":1}}\n{\"o\":{\"x\":1,\"x\":2}}\n", OPTS("infer_rows=1"),
          "o.x:int\n"
          "error: data.jsonl:2:13: key 'x' appears twice in the object [invalid]\n");
    /* A key "a.b" and a key b inside a name the same column. */
    CHECK(FIX, "{\"a.b\":1}\n{\"a\":{\"b\":2}}\n{\"a\":{\"b\":3},\"a.b\":4}\n", NO_OPTS,
          "a.b:int\n"
          "error: data.jsonl:3:20: key 'a.b' appears twice [invalid]\n");
}

/* ============================== Text ====================================== */

static void test_string_escapes(void **state)
{
    CHECK(FIX,
          "{\"s\":\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t\"}\n"
          "{\"s\":\"\\u00e9\\u20AC\\ud83d\\ude00 \\u0041\"}\n"
          "{\"s\":\"raw \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}\n"
          "{\"s\":\"nul \\u0000 end\"}\n",
          NO_OPTS,
          "s:string\n"
          "1: q\" b\\\\ s/ \\x08\\x0c\\n\\r\\t\n"
          "2: \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 A\n"
          "3: raw \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\n"
          "4: nul \\x00 end\n");
    /* Escaped keys name columns by their text. */
    CHECK(FIX, "{\"caf\\u00e9\":1,\"a\\\"b\":2}\n", NO_OPTS,
          "caf\xc3\xa9:int\ta\"b:int\n"
          "1: 1\t2\n");
}

static void test_bad_escapes(void **state)
{
    /* Only bad lines: no columns to make, and the first one says why. */
    CHECK(FIX, "{\"s\":\"\\ud83d\"}\n", NO_OPTS,
          "error: data.jsonl:1:7: lone surrogate \\ud83d (a high surrogate must be followed by a "
          "low one) [invalid]\n");
    CHECK(FIX, "{\"a\":1}\n{\"a\":\"\\ud83dx\"}\n", OPTS("types=a:string"),
          "a:string\n"
          "error: data.jsonl:2:7: lone surrogate \\ud83d (a high surrogate must be followed by a "
          "low one) [invalid]\n");
    CHECK(FIX, "{\"a\":1}\n{\"a\":\"\\ude00\\ud83d\"}\n", OPTS("types=a:string"),
          "a:string\n"
          "error: data.jsonl:2:7: lone surrogate \\ude00 (a low surrogate must follow a high one) "
          "[invalid]\n");
    CHECK(FIX, "{\"a\":1}\n{\"a\":\"\\ud83d\\u0041\"}\n", OPTS("types=a:string"),
          "a:string\n"
          "error: data.jsonl:2:7: lone surrogate \\ud83d (a high surrogate must be followed by a "
          "low one) [invalid]\n");
    CHECK(FIX, "{\"a\":1}\n{\"a\":\"\\u12G4\"}\n", NO_OPTS,
          "a:int\n"
          "error: data.jsonl:2:7: \\u must be followed by 4 hex digits [invalid]\n");
    CHECK(FIX, "{\"a\":1}\n{\"a\":\"x\\q\"}\n", NO_OPTS,
          "a:int\n"
          "error: data.jsonl:2:8: invalid escape '\\q' in a string [invalid]\n");
    CHECK(FIX, "{\"a\":1}\n{\"a\":\"tab\there\"}\n", NO_OPTS,
          "a:int\n"
          "error: data.jsonl:2:10: control character 0x09 in a string (write it as an escape) "
          "[invalid]\n");
    CHECK(FIX, "{\"a\":1}\n{\"k\\u0000\":1}\n", NO_OPTS,
          "a:int\n"
          "error: data.jsonl:2:2: a key may not contain \\u0000 [invalid]\n");
}

static void test_invalid_utf8(void **state)
{
    /* A stray byte, an overlong form, an encoded surrogate, a code point
     * past U+10FFFF, a sequence cut short by the closing quote. */
    CHECK(FIX, "{\"a\":\"ok\"}\n{\"a\":\"b\xff\"}\n", NO_OPTS,
          "a:string\nerror: data.jsonl:2:8: invalid UTF-8 byte 0xff [invalid]\n");
    CHECK(FIX, "{\"a\":\"ok\"}\n{\"a\":\"\xc0\xaf\"}\n", NO_OPTS,
          "a:string\nerror: data.jsonl:2:7: invalid UTF-8 byte 0xc0 [invalid]\n");
    CHECK(FIX, "{\"a\":\"ok\"}\n{\"a\":\"\xed\xa0\x80\"}\n", NO_OPTS,
          "a:string\nerror: data.jsonl:2:7: invalid UTF-8 byte 0xed [invalid]\n");
    CHECK(FIX, "{\"a\":\"ok\"}\n{\"a\":\"abc\xf4\x90\x80\x80\"}\n", NO_OPTS,
          "a:string\nerror: data.jsonl:2:10: invalid UTF-8 byte 0xf4 [invalid]\n");
    CHECK(FIX, "{\"a\":\"ok\"}\n{\"a\":\"\xe2\x82\"}\n", NO_OPTS,
          "a:string\nerror: data.jsonl:2:7: invalid UTF-8 byte 0xe2 [invalid]\n");
    /* In a key, and outside strings. */
    CHECK(FIX, "{\"a\":\"ok\"}\n{\"\xff\":1}\n", NO_OPTS,
          "a:string\nerror: data.jsonl:2:3: invalid UTF-8 byte 0xff [invalid]\n");
    CHECK(FIX, "{\"a\":\"ok\"}\n{\"a\":\xff}\n", NO_OPTS,
          "a:string\nerror: data.jsonl:2:6: expected a value [invalid]\n");
}

/* ============================== Lines ===================================== */

static void test_bom_crlf_blank_lines(void **state)
{
    CHECK(FIX, "\xef\xbb\xbf{\"a\":1}\r\n\r\n  \t\n{\"a\":2}\r\n\n{\"a\":3}", NO_OPTS,
          "a:int\n1: 1\n4: 2\n6: 3\n");
    /* The BOM is not part of the first line's columns. */
    CHECK(FIX, "\xef\xbb\xbf{\"a\":1,}\n", OPTS("columns=a"),
          "a:string\nerror: data.jsonl:1:8: expected a string key after ',' [invalid]\n");
    /* A BOM later on is an error (outside a string). */
    CHECK(FIX, "{\"a\":1}\n\xef\xbb\xbf{\"a\":2}\n", NO_OPTS,
          "a:int\nerror: data.jsonl:2:1: expected '{' (each line must hold one JSON object) "
          "[invalid]\n");
}

static void test_empty_files(void **state)
{
    CHECK(FIX, "", NO_OPTS,
          "error: data.jsonl: the file is empty (no object to take the columns from; set columns "
          "to read it anyway) [invalid]\n");
    CHECK(FIX, "\xef\xbb\xbf\n \n\r\n", NO_OPTS,
          "error: data.jsonl: the file is empty (no object to take the columns from; set columns "
          "to read it anyway) [invalid]\n");
    CHECK(FIX, "{}\n{ }\n", NO_OPTS,
          "error: data.jsonl: no key with a value in the first 2 lines to make a column of (set "
          "columns to name them) [invalid]\n");
    /* With columns, an empty file is zero rows and {} a row of NULLs. */
    CHECK(FIX, "", OPTS("columns=a, b"), "a:string\tb:string\n");
    CHECK(FIX, "{}\n", OPTS("columns=a"), "a:string\n1: \\N\n");
}

static void test_last_line_without_newline(void **state)
{
    CHECK(FIX, "{\"a\":1}\n{\"a\":2}", NO_OPTS, "a:int\n1: 1\n2: 2\n");
    /* Cut off mid-object: the column points past its last byte. */
    CHECK(FIX, "{\"a\":1}\n{\"a\":2", NO_OPTS,
          "a:int\nerror: data.jsonl:2:7: expected ',' or '}' after object member [invalid]\n");
    CHECK(FIX, "{\"a\":1}\n{\"a\":\"x", NO_OPTS,
          "a:int\nerror: data.jsonl:2:6: string is not closed before the end of the line "
          "[invalid]\n");
}

static void test_syntax_errors(void **state)
{
    static const struct {
        const char *line;
        const char *message;
    } cases[] = {
        {"[1]", "2:1: expected '{' (each line must hold one JSON object)"},
        {"\"a\"", "2:1: expected '{' (each line must hold one JSON object)"},
        {"{\"a\":1} x", "2:9: unexpected text after the object"},
        {"{\"a\":1}{}", "2:8: unexpected text after the object"},
        {"{\"a\" 1}", "2:6: expected ':' after the key"},
        {"{a:1}", "2:2: expected a string key or '}'"},
        {"{\"a\":1,}", "2:8: expected a string key after ','"},
        {"{\"a\":}", "2:6: expected a value"},
        {"{\"a\":[1,]}", "2:9: expected a value"},
        {"{\"a\":[1 2]}", "2:9: expected ',' or ']' after array element"},
        {"{\"a\":1 \"b\":2}", "2:8: expected ',' or '}' after object member"},
        {"{\"a\":tru}", "2:6: invalid literal (expected true, false or null)"},
        {"{\"a\":True}", "2:6: expected a value"},
        {"{\"a\":nan}", "2:6: invalid literal (expected true, false or null)"},
        {"{\"a\":01}", "2:6: a number may not start with 0 (leading zero)"},
        {"{\"a\":-}", "2:7: expected a digit after '-'"},
        {"{\"a\":+1}", "2:6: expected a value"},
        {"{\"a\":.5}", "2:6: expected a value"},
        {"{\"a\":1.}", "2:8: expected a digit after the decimal point"},
        {"{\"a\":1e}", "2:8: expected a digit in the exponent"},
        {"{\"a\":1e+}", "2:9: expected a digit in the exponent"},
        {"{\"a\":0x1}", "2:7: expected ',' or '}' after object member"},
        {"{\"a\":'x'}", "2:6: expected a value"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char data[128], expected[256], *text;
        int n = snprintf(data, sizeof(data), "{\"a\":1}\n%s\n", cases[i].line);
        snprintf(expected, sizeof(expected), "a:int\nerror: data.jsonl:%s [invalid]\n",
                 cases[i].message);
        text = run_jsonl(FIX, data, (size_t)n, OPTS("types=a:int"));
        if (strcmp(text, expected) != 0)
            fail_msg("line %s gave\n%s\nexpected\n%s", cases[i].line, text, expected);
        free(text);
    }
}

static void test_depth_limit(void **state)
{
    /* The line's object is level 1: 127 arrays inside it make 128 levels;
     * one more is too deep. */
    char data[700];
    size_t len = 0;

    for (int deep = 127; deep <= 128; deep++) {
        char *text;
        len = (size_t)sprintf(data, "{\"a\":");
        for (int i = 0; i < deep; i++)
            data[len++] = '[';
        for (int i = 0; i < deep; i++)
            data[len++] = ']';
        len += (size_t)sprintf(data + len, "}\n");
        text = run_jsonl(FIX, data, len, OPTS("columns=b"));
        if (deep == 127)
            assert_string_equal(text, "b:string\n1: \\N\n");
        else
            assert_string_equal(text, "b:string\nerror: data.jsonl:1:133: objects and arrays "
                                      "nest deeper than 128 levels [invalid]\n");
        free(text);
    }
}

static void test_max_line_size(void **state)
{
    char *data = malloc(80000), *text, expected[512];
    size_t len = 0, limit;

    plugin_reconfigure(FIX, "[source.jsonl]\nmax_line_size = 1kb\n");
    limit = (size_t)config_get_int(FIX->rec->config, "max_line_size");
    assert_int_equal(limit, 1024);
    assert_non_null(data);
    /* A line of exactly the limit (CRLF not counted) passes; one byte
     * more does not, and with on_error = skip the next line is read. */
    len += (size_t)sprintf(data + len, "{\"s\":\"");
    memset(data + len, 'x', limit - 8);
    len += limit - 8;
    len += (size_t)sprintf(data + len, "\"}\r\n{\"s\":\"");
    memset(data + len, 'y', limit - 7);
    len += limit - 7;
    len += (size_t)sprintf(data + len, "\"}\n{\"s\":\"z\"}\n");
    text = run_jsonl(FIX, data, len, NO_OPTS);
    snprintf(expected, sizeof(expected),
             "s:string\n"
             "error: data.jsonl:2: the line is longer than max_line_size (%zu bytes) [invalid]\n",
             limit);
    assert_string_equal(text, expected);
    free(text);
    text = run_jsonl(FIX, data, len, OPTS("on_error=skip"));
    assert_non_null(strstr(text, "\n3: z\nlog: info: source.jsonl: data.jsonl: skipped 1 bad "
                                 "line of 3 (on_error = skip)\n"));
    assert_int_equal(strncmp(text, "s:string\n1: xxxxxxxx", 20), 0);
    free(text);
    /* A long line past the sample, longer than a read (64 KiB): it is
     * skipped without being held. */
    len = (size_t)sprintf(data, "{\"s\":\"a\"}\n{\"s\":\"");
    memset(data + len, 'q', 70000);
    len += 70000;
    len += (size_t)sprintf(data + len, "\"}\n{\"s\":\"b\"}");
    text = run_jsonl(FIX, data, len, OPTS("on_error=skip", "infer_rows=1"));
    assert_string_equal(text, "s:string\n1: a\n3: b\nlog: info: source.jsonl: data.jsonl: skipped "
                              "1 bad line of 3 (on_error = skip)\n");
    free(text);
    free(data);
}

/* ============================== Types ===================================== */

static void test_types_override(void **state)
{
    /* Strings holding values of the type are read as such. */
    CHECK(FIX,
          "{\"id\":\"007\",\"amount\":\"12.50\",\"day\":\"2024-01-02\",\"n\":3,\"ok\":\"yes\"}\n"
          "{\"id\":8,\"amount\":3,\"day\":\"2024-01-03T10:00:00Z\",\"n\":4.5,\"ok\":0}\n",
          OPTS("types=amount:decimal(2), day:timestamp, id:int, n:string, ok:bool"),
          "id:int\tamount:decimal(2)\tday:timestamp\tn:string\tok:bool\n"
          "1: 7\t12.50\t2024-01-02T00:00:00Z\t3\ttrue\n"
          "2: 8\t3.00\t2024-01-03T10:00:00Z\t4.5\tfalse\n");
    CHECK(FIX, "{\"a\":1}\n{\"a\":\"x\"}\n", OPTS("types=a:int"),
          "a:int\n"
          "error: data.jsonl:2: key 'a': 'x' is not an int (set by types at report.qr:2:5) "
          "[invalid]\n");
    CHECK(FIX, "{\"a\":{\"b\":1}}\n", OPTS("columns=a", "types=a:int"),
          "a:int\n"
          "error: data.jsonl:1: key 'a': '{\"b\":1}' is not an int (set by types at report.qr:3:5) "
          "[invalid]\n");
}

static void test_types_option_errors(void **state)
{
    CHECK(FIX, "{\"a\":1}\n", OPTS("types=b:int"),
          "error: report.qr:2:5: jsonl: types: no column 'b' in data.jsonl (columns: a) "
          "[invalid]\n");
    CHECK(FIX, "{\"a\":1}\n", OPTS("types=a"),
          "error: report.qr:2:5: jsonl: types: 'a' has no type (write COLUMN:TYPE) [invalid]\n");
    CHECK(FIX, "{\"a\":1}\n", OPTS("types=a:money"),
          "error: report.qr:2:5: jsonl: types: 'money' in 'a:money' is not a type (bool, int, "
          "decimal(SCALE), float, string, date, timestamp; SCALE 0..18) [invalid]\n");
    CHECK(FIX, "{\"a\":1}\n", OPTS("types=a:decimal(19)"),
          "error: report.qr:2:5: jsonl: types: 'decimal(19)' in 'a:decimal(19)' is not a type "
          "(bool, int, decimal(SCALE), float, string, date, timestamp; SCALE 0..18) [invalid]\n");
    CHECK(FIX, "{\"a\":1}\n", OPTS("types=a:int, a:float"),
          "error: report.qr:2:5: jsonl: types: column 'a' is given twice [invalid]\n");
    CHECK(FIX, "{\"a\":1}\n", OPTS("types=:int"),
          "error: report.qr:2:5: jsonl: types: ':int' has no column name (write COLUMN:TYPE) "
          "[invalid]\n");
}

static void test_value_outside_sample(void **state)
{
    CHECK(FIX, "{\"amount\":1.50}\n{\"amount\":2.25}\n{\"amount\":12.345}\n", OPTS("infer_rows=2"),
          "amount:decimal(2)\n"
          "error: data.jsonl:3: key 'amount': '12.345' is not a decimal(2) (inferred from the "
          "first 2 rows; set types = \"amount:decimal(3)\") [invalid]\n");
    CHECK(FIX, "{\"amount\":1.50}\n{\"amount\":2.25}\n{\"amount\":\"12x\"}\n", OPTS("infer_rows=2"),
          "amount:decimal(2)\n"
          "error: data.jsonl:3: key 'amount': '12x' is not a decimal(2) (inferred from the first "
          "2 rows; set types = \"amount:string\") [invalid]\n");
    CHECK(FIX, "{\"n\":1}\n{\"n\":2.5}\n", OPTS("infer_rows=1"),
          "n:int\n"
          "error: data.jsonl:2: key 'n': '2.5' is not an int (inferred from the first 1 rows; set "
          "types = \"n:decimal(1)\") [invalid]\n");
    CHECK(FIX, "{\"d\":\"2024-01-01\"}\n{\"d\":\"2024-13-01\"}\n",
          OPTS("infer_rows=1", "columns=d as day"),
          "day:date\n"
          "error: data.jsonl:2: key 'd': '2024-13-01' is not a date (inferred from the first 1 "
          "rows; set types = \"day:string\") [invalid]\n");
    /* A string column takes any value, as its JSON text. */
    CHECK(FIX, "{\"s\":\"a\"}\n{\"s\":5}\n{\"s\":[1, 2]}\n{\"s\":false}\n", OPTS("infer_rows=1"),
          "s:string\n1: a\n2: 5\n3: [1,2]\n4: false\n");
}

/* ============================== Bad lines ================================= */

static void test_skip_bad_lines(void **state)
{
    CHECK(FIX,
          "{\"id\":1,\"amount\":1.50}\n"
          "{\"id\":2,\"amount\":\"x\"}\n"
          "{\"id\":3,\"amount\":2.25}\n"
          "{\"id\":4,\"amount\":2.25\n"
          "[5]\n"
          "{\"id\":6,\"amount\":\"\xff\"}\n"
          "{\"id\":7,\"amount\":5.75}\n",
          OPTS("on_error=skip", "types=amount:decimal(2)"),
          "id:int\tamount:decimal(2)\n"
          "1: 1\t1.50\n"
          "3: 3\t2.25\n"
          "7: 7\t5.75\n"
          "log: info: source.jsonl: data.jsonl: skipped 4 bad lines of 7 (on_error = skip)\n");
    /* Bad lines in the sample are no evidence: "x" does not make a
     * string of an int column, and skipping it counts it once. */
    CHECK(FIX, "{\"a\":1}\n{\"a\":\"x\",}\n{\"a\":2}\n", OPTS("on_error=skip"),
          "a:int\n"
          "1: 1\n"
          "3: 2\n"
          "log: info: source.jsonl: data.jsonl: skipped 1 bad line of 3 (on_error = skip)\n");
}

/* ============================== Options =================================== */

static void test_option_errors(void **state)
{
    write_file("data.jsonl", "{\"a\":1}\n", 8);
    check_options(FIX, OPTS("path=data.jsonl", "colour=red"),
                  "error: report.qr:2:5: jsonl: unknown option 'colour'; allowed: path, "
                  "infer_rows, on_error, types, columns [invalid]\n");
    check_options(FIX, OPTS("path=data.jsonl", "path=x.jsonl"),
                  "error: report.qr:2:5: jsonl: option 'path' is given twice (first at "
                  "report.qr:1:5) [invalid]\n");
    check_options(FIX, OPTS("path="),
                  "error: report.qr:1:5: jsonl: path: '' is empty (the JSON Lines file to read) "
                  "[invalid]\n");
    check_options(FIX, OPTS("infer_rows=0"),
                  "error: report.qr:1:5: jsonl: infer_rows: '0' is not a whole number from 1 to "
                  "1000000 [invalid]\n");
    check_options(FIX, OPTS("path=data.jsonl", "on_error=ignore"),
                  "error: report.qr:2:5: jsonl: on_error: 'ignore' is not fail or skip "
                  "[invalid]\n");
    check_options(FIX, OPTS("on_error=skip"),
                  "error: jsonl: source 'sales': missing option 'path' (the JSON Lines file to "
                  "read) [invalid]\n");
    check_options(FIX, OPTS("path=data.jsonl", "columns=a..b"),
                  "error: report.qr:2:5: jsonl: columns: path 'a..b' has an empty key (write "
                  "KEY.KEY.INDEX) [invalid]\n");
    check_options(FIX, OPTS("path=data.jsonl", "columns=a, b as a"),
                  "error: report.qr:2:5: jsonl: columns: column 'a' is given twice [invalid]\n");
    check_options(FIX, OPTS("path=data.jsonl", "columns=a, a as b"),
                  "error: report.qr:2:5: jsonl: columns: path 'a' is given twice [invalid]\n");
    check_options(FIX, OPTS("path=data.jsonl", "columns= as x"),
                  "error: report.qr:2:5: jsonl: columns: 'as x' needs a path before 'as' and a "
                  "name after it [invalid]\n");
    check_options(FIX, OPTS("path=data.jsonl", "columns=a as "),
                  "error: report.qr:2:5: jsonl: columns: 'a as' needs a path before 'as' and a "
                  "name after it [invalid]\n");
    /* A key named "as" is a path like any other. */
    check_options(FIX, OPTS("path=data.jsonl", "columns=as, a as b"),
                  "as:string\tb:int\n1: \\N\t1\n");
    check_options(FIX, OPTS("path=data.jsonl", "columns=, ,"),
                  "error: report.qr:2:5: jsonl: columns: ', ,' names no column (write PATH or "
                  "PATH as NAME, ...) [invalid]\n");
    check_options(FIX, OPTS("path=missing.jsonl"),
                  "error: missing.jsonl: cannot open: No such file or directory [io]\n");
    mkdir("adir", 0755);
    check_options(FIX, OPTS("path=adir"), "error: adir: cannot open: Is a directory [io]\n");
}

/* Relative paths resolve against the definition's directory. */
static void test_base_dir(void **state)
{
    const quire_source_ops *ops = &FIX->rec->ops.source;
    const char *texts[] = {"path=in.jsonl", NULL};
    quire_source_args args = {0};
    quire_error err = {0};
    quire_option *options;
    size_t noptions;
    void *instance = NULL;
    char base[PATH_MAX + 8];

    mkdir("defs", 0755);
    write_file("defs/in.jsonl", "{\"a\":1}\n", 8);
    snprintf(base, sizeof(base), "%s/defs/", FIX->dir);
    options = make_options(texts, &noptions);
    args.size = sizeof(args);
    args.options = options;
    args.noptions = noptions;
    args.base_dir = base;
    assert_int_equal(ops->open(FIX->rec->state_ptr, &args, &instance, &err), QUIRE_OK);
    ops->close(instance);
    /* A 1.0 kernel's args have no base_dir: the working directory. */
    args.size = QUIRE_SOURCE_ARGS_1_0_SIZE;
    assert_int_equal(ops->open(FIX->rec->state_ptr, &args, &instance, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "in.jsonl: cannot open: No such file or directory");
    args.size = sizeof(args);
    args.base_dir = "/nonexistent";
    assert_int_equal(ops->open(FIX->rec->state_ptr, &args, &instance, &err), QUIRE_ERR);
    assert_string_equal(err.msg,
                        "in.jsonl: cannot open /nonexistent/in.jsonl: No such file or directory");
    free_options(options, noptions);
}

/* ============================== ABI 1.1 ops =============================== */

/* Opens data.jsonl (already written) with `texts`; partition part/parts. */
static void *open_with(fixture *f, const char *const *texts, uint32_t part, uint32_t parts,
                       quire_option **options, size_t *noptions)
{
    const quire_source_ops *ops = &f->rec->ops.source;
    quire_source_args args = {0};
    quire_error err = {0};
    void *instance = NULL;

    *options = make_options(texts, noptions);
    args.size = sizeof(args);
    args.options = *options;
    args.noptions = *noptions;
    args.partition = part;
    args.npartitions = parts;
    if (ops->open(f->rec->state_ptr, &args, &instance, &err) != QUIRE_OK)
        fail_msg("open: %s", err.msg);
    return instance;
}

static void test_estimate(void **state)
{
    const quire_source_ops *ops = &FIX->rec->ops.source;
    quire_option *options;
    size_t noptions, len = 0;
    char *data = malloc(200000);
    void *instance;
    int64_t est;

    assert_non_null(data);
    for (int i = 1; i <= 5000; i++)
        len += (size_t)sprintf(data + len, "{\"n\":%5d}\n", i);
    write_file("data.jsonl", data, len);
    /* 5000 lines of 12 bytes (numbers padded with blanks); the sample
     * sees 50 of them: 60000 * 50 / 600. */
    instance = open_with(FIX, OPTS("path=data.jsonl", "infer_rows=50"), 0, 1, &options, &noptions);
    assert_non_null(ops->estimate);
    est = ops->estimate(instance);
    assert_int_equal(est, 5000);
    ops->close(instance);
    free_options(options, noptions);
    /* Sampled whole: exact, blank lines not counted. */
    write_file("data.jsonl", "{\"a\":1}\n\n{\"a\":2}\n", 17);
    instance = open_with(FIX, OPTS("path=data.jsonl"), 0, 1, &options, &noptions);
    assert_int_equal(ops->estimate(instance), 2);
    ops->close(instance);
    free_options(options, noptions);
    free(data);
}

static void test_stats_and_project(void **state)
{
    const quire_source_ops *ops = &FIX->rec->ops.source;
    const char data[] = "{\"a\":1,\"b\":\"x\"}\n{\"a\":2,\"b\":{\"bad\":1}}\n{\"a\":3,\"b\":7}\n";
    const quire_column_info *columns;
    quire_source_stats stats = {.size = sizeof(stats)};
    quire_option *options;
    quire_error err = {0};
    quire_batch *batch;
    size_t noptions, ncolumns;
    uint8_t needed[2] = {1, 0};
    void *instance;

    assert_true(ops->caps & QUIRE_SOURCE_CAN_PROJECT);
    assert_true(ops->caps & QUIRE_SOURCE_CAN_PARTITION);
    assert_non_null(ops->stats);
    write_file("data.jsonl", data, sizeof(data) - 1);
    /* b is int by `types`: line 1 and 2 do not fit it, but b is not read. */
    instance =
        open_with(FIX, OPTS("path=data.jsonl", "columns=a, b", "types=b:int", "on_error=skip"), 0,
                  1, &options, &noptions);
    assert_int_equal(ops->schema(instance, &columns, &ncolumns, &err), QUIRE_OK);
    assert_int_equal(ops->project(instance, needed, 2, &err), QUIRE_OK);
    batch = batch_new(columns, ncolumns, 16, BATCH_LINES);
    assert_int_equal(ops->next(instance, batch, &err), QUIRE_DONE);
    assert_int_equal(batch->rows, 3);
    assert_int_equal(batch->columns[0].v.i64[0], 1);
    assert_int_equal(batch->columns[0].v.i64[2], 3);
    ops->stats(instance, &stats);
    assert_int_equal(stats.rows, 3);
    assert_int_equal(stats.rows_skipped, 0);
    assert_int_equal(stats.bytes_total, sizeof(data) - 1);
    assert_int_equal(stats.bytes_read, sizeof(data) - 1);
    batch_free(batch);
    ops->close(instance);
    free_options(options, noptions);

    /* Read in full, two lines are bad and skipped: the counter says so. */
    instance =
        open_with(FIX, OPTS("path=data.jsonl", "columns=a, b", "types=b:int", "on_error=skip"), 0,
                  1, &options, &noptions);
    assert_int_equal(ops->schema(instance, &columns, &ncolumns, &err), QUIRE_OK);
    batch = batch_new(columns, ncolumns, 16, BATCH_LINES);
    capture_begin(FIX);
    assert_int_equal(ops->next(instance, batch, &err), QUIRE_DONE);
    assert_int_equal(batch->rows, 1);
    assert_int_equal(batch->source_line[0], 3);
    /* A smaller stats struct (an older kernel) gets only what fits. */
    memset(&stats, 0x55, sizeof(stats));
    stats.size = offsetof(quire_source_stats, bytes_read);
    ops->stats(instance, &stats);
    assert_int_equal(stats.rows, 1);
    assert_int_equal(stats.rows_skipped, 2);
    assert_int_equal(stats.bytes_read, 0x5555555555555555);
    batch_free(batch);
    ops->close(instance);
    capture_end(FIX);
    free_options(options, noptions);
}

/* Every split of a file into parts gives every line exactly once, with its
 * physical line number, and the same schema in every part. */
static void test_partitions(void **state)
{
    const quire_source_ops *ops = &FIX->rec->ops.source;
    char *data = malloc(20000), *whole = NULL, *joined = NULL;
    size_t len = 0, whole_len = 0, joined_len = 0;
    FILE *out;

    assert_non_null(data);
    for (int i = 1; i <= 300; i++) {
        len += (size_t)sprintf(data + len, "{\"n\":%d,\"s\":\"%.*s\"}\n", i, i % 37,
                               "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz");
        if (i % 17 == 0)
            len += (size_t)sprintf(data + len, "\n");
    }
    write_file("data.jsonl", data, len);
    /* The whole file as one part. */
    out = open_memstream(&whole, &whole_len);
    {
        quire_option *options;
        size_t noptions;
        void *instance =
            open_with(FIX, OPTS("path=data.jsonl", "infer_rows=10"), 0, 1, &options, &noptions);
        assert_int_equal(drain(ops, instance, 64, out), 300);
        ops->close(instance);
        free_options(options, noptions);
    }
    fclose(out);
    for (uint32_t parts = 2; parts <= 7; parts += 5) {
        char *schema_line = NULL;
        int64_t rows = 0;
        out = open_memstream(&joined, &joined_len);
        for (uint32_t p = 0; p < parts; p++) {
            quire_option *options;
            size_t noptions, plen = 0;
            char *part = NULL, *nl;
            FILE *pout = open_memstream(&part, &plen);
            void *instance = open_with(FIX, OPTS("path=data.jsonl", "infer_rows=10"), p, parts,
                                       &options, &noptions);
            rows += drain(ops, instance, 5, pout);
            ops->close(instance);
            free_options(options, noptions);
            fclose(pout);
            nl = strchr(part, '\n');
            assert_non_null(nl);
            if (p == 0) {
                schema_line = strndup(part, (size_t)(nl + 1 - part));
                fputs(part, out);
            } else {
                assert_int_equal(strncmp(part, schema_line, strlen(schema_line)), 0);
                fputs(nl + 1, out);
            }
            free(part);
        }
        fclose(out);
        assert_int_equal(rows, 300);
        assert_string_equal(joined, whole);
        free(joined);
        free(schema_line);
    }
    /* Line numbers count blank lines: line 18 is blank, n=18 is on 19. */
    assert_non_null(strstr(whole, "\n19: 18\tabcdefghijklmnopqr\n"));
    free(whole);
    free(data);
}

/* The admin's infer_rows is the default a source can override. */
static void test_admin_infer_rows(void **state)
{
    plugin_reconfigure(FIX, "[source.jsonl]\ninfer_rows = 2\n");
    CHECK(FIX, "{\"a\":1}\n{\"a\":2}\n{\"a\":\"x\"}\n", NO_OPTS,
          "a:int\n"
          "error: data.jsonl:3: key 'a': 'x' is not an int (inferred from the first 2 rows; set "
          "types = \"a:string\") [invalid]\n");
    CHECK(FIX, "{\"a\":1}\n{\"a\":2}\n{\"a\":\"x\"}\n", OPTS("infer_rows=3"),
          "a:string\n1: 1\n2: 2\n3: x\n");
}

/* ============================== Main ====================================== */

#define T(fn) cmocka_unit_test_setup(fn, test_setup)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_basic),
        T(test_infer_each_type),
        T(test_infer_narrowest),
        T(test_exact_decimals),
        T(test_nested_paths),
        T(test_arrays),
        T(test_columns_option),
        T(test_nulls_and_missing_keys),
        T(test_duplicate_keys),
        T(test_string_escapes),
        T(test_bad_escapes),
        T(test_invalid_utf8),
        T(test_bom_crlf_blank_lines),
        T(test_empty_files),
        T(test_last_line_without_newline),
        T(test_syntax_errors),
        T(test_depth_limit),
        T(test_max_line_size),
        T(test_types_override),
        T(test_types_option_errors),
        T(test_value_outside_sample),
        T(test_skip_bad_lines),
        T(test_option_errors),
        T(test_base_dir),
        T(test_estimate),
        T(test_stats_and_project),
        T(test_partitions),
        T(test_admin_infer_rows),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
