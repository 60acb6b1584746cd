/*
 * test_csv.c - the csv source plugin (plugins/csv), driven through the real
 * build/plugins/csv.so as the kernel drives it: loaded with kernel_load_path,
 * configured with config_build, initialised through its descriptor, then
 * opened and pulled through its source ops into batches from kernel/batch.c.
 *
 * Every case writes its CSV into a scratch directory (the current directory
 * while the tests run, so messages say "data.csv:3: ...") and reads it with
 * batches of 1, 2, 7 and 1024 rows, each both mapped (the default) and
 * streamed (a second plugin state with mmap = no): all eight must give the
 * same text. The text is the schema line, one line per row "LINE:
 * cell<TAB>cell" (cells as batch_format_cell writes them), an "error:
 * MESSAGE [code]" line if the source failed, and "log: ..." lines the
 * plugin wrote through host->log. The ABI 1.1 hooks (partitions, project,
 * stats, base_dir) have their own section.
 *
 * QUIRE_BUILD (default "build") says where csv.so is.
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

#include "calendar.h"
#include "source_harness.h"

/* ============================== Fixture =================================== */

/* The csv plugin, and a second state with the same configuration plus
 * mmap = no (f->alt_state): files read with read(). */
static int group_setup(void **state)
{
    return source_group_setup(state, "csv", "mmap = no\n");
}

/* ============================== Running the source ======================== */

/* How run_source_with() reads, besides the options. */
typedef struct run_opts {
    int streamed; /* the mmap = no state */
    uint32_t partition, npartitions;
    const char *base_dir;
    int abi_1_0;               /* pass args as a 1.0 kernel does */
    const char *columns;       /* "a,b": project() to these; NULL: all */
    quire_source_stats *stats; /* filled after the last next() */
} run_opts;

/* 1 if `name` is in the comma-separated `list`. */
static int in_list(const char *list, const char *name)
{
    size_t n = strlen(name);

    for (const char *p = list; *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == n && memcmp(p, name, n) == 0)
            return 1;
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    return 0;
}

/* Runs the source with these options and batches of `capacity` rows, read
 * as `ro` says (NULL: whole, mapped); returns the text described at the top
 * of this file (caller frees). Columns left out by ro->columns print "-". */
static char *run_source_with(fixture *f, const char *const *texts, uint32_t capacity,
                             unsigned flags, const run_opts *ro)
{
    static const run_opts whole = {0};
    const quire_source_ops *ops = &f->rec->ops.source;
    quire_error err = {0};
    void *instance = NULL;
    uint8_t needed[64];
    source_run run;

    if (ro == NULL)
        ro = &whole;
    run_begin(f, &run, texts, "sales", capacity);
    run.args.size = ro->abi_1_0 ? QUIRE_SOURCE_ARGS_1_0_SIZE : sizeof(run.args);
    run.args.base_dir = ro->base_dir;
    run.args.partition = ro->partition;
    run.args.npartitions = ro->npartitions;
    if (ops->open(ro->streamed ? f->alt_state : f->rec->state_ptr, &run.args, &instance, &err) !=
        QUIRE_OK) {
        assert_null(instance);
        put_error(run.out, &err);
    } else {
        const quire_column_info *columns;
        size_t ncolumns;

        assert_int_equal(ops->schema(instance, &columns, &ncolumns, &err), QUIRE_OK);
        assert_true(ncolumns <= sizeof(needed));
        for (size_t c = 0; c < ncolumns; c++)
            needed[c] = (uint8_t)(ro->columns == NULL || in_list(ro->columns, columns[c].name));
        print_schema(run.out, columns, ncolumns);
        if (ro->columns != NULL)
            assert_int_equal(ops->project(instance, needed, ncolumns, &err), QUIRE_OK);
        drain_rows(ops, instance, columns, ncolumns, capacity, flags, needed, ROWS_WITH_LINES,
                   run.out);
        if (ro->stats != NULL) {
            memset(ro->stats, 0, sizeof(*ro->stats));
            ro->stats->size = sizeof(*ro->stats);
            ops->stats(instance, ro->stats);
        }
        ops->close(instance);
    }
    return run_end(f, &run);
}

static char *run_source(fixture *f, const char *const *texts, uint32_t capacity, unsigned flags)
{
    return run_source_with(f, texts, capacity, flags, NULL);
}

static const uint32_t capacities[] = {1, 2, 7, 1024};

/* Writes data.csv, runs it with "path=data.csv" and `texts` at every batch
 * capacity, checks they agree and returns the text (caller frees). */
static char *run_csv_flags(fixture *f, const char *data, size_t len, const char *const *texts,
                           unsigned flags)
{
    const char *all[32];
    char *first = NULL;

    options_after(all, sizeof(all) / sizeof(all[0]), "path=data.csv", texts);
    write_file("data.csv", data, len);
    for (size_t i = 0; i < 2 * sizeof(capacities) / sizeof(capacities[0]); i++) {
        run_opts ro = {.streamed = (int)(i & 1)};
        uint32_t capacity = capacities[i / 2];
        char *text = run_source_with(f, all, capacity, flags, &ro);
        drop_rows_if_failed(text);
        if (first == NULL) {
            first = text;
        } else {
            if (strcmp(text, first) != 0)
                fail_msg("capacity %u, %s gave\n%s\ncapacity 1, mapped gave\n%s",
                         (unsigned)capacity, ro.streamed ? "streamed" : "mapped", text, first);
            free(text);
        }
    }
    return first;
}

static char *run_csv(fixture *f, const char *data, size_t len, const char *const *texts)
{
    return run_csv_flags(f, data, len, texts, BATCH_LINES);
}

static void check_csv(fixture *f, const char *data, size_t len, const char *const *texts,
                      const char *expected)
{
    char *text = run_csv(f, data, len, texts);
    assert_string_equal(text, expected);
    free(text);
}

/* CHECK(fixture, "csv bytes", OPTS(...) or NO_OPTS, "expected text") */
#define CHECK(f, data, opts, expected) check_csv((f), (data), sizeof(data) - 1, (opts), (expected))

/* Runs the source on its own options only (no automatic path). */
static void check_options(fixture *f, const char *const *texts, const char *expected)
{
    char *text = run_source(f, texts, 1024, BATCH_LINES);
    drop_rows_if_failed(text);
    assert_string_equal(text, expected);
    free(text);
}

/* ============================== RFC 4180 ================================== */

static void test_basic(void **state)
{
    CHECK(FIX, "id,name\n1,ann\n2,bob\n", NO_OPTS,
          "id:int\tname:string\n"
          "2: 1\tann\n"
          "3: 2\tbob\n");
}

static void test_quoted_fields(void **state)
{
    CHECK(FIX,
          "a,b,c\n"
          "\"he said \"\"hi\"\"\",\"x,y\",\"\"\"\"\n"
          "\"plain\",\"\",\"a\"\"\"\"b\"\n",
          NO_OPTS,
          "a:string\tb:string\tc:string\n"
          "2: he said \"hi\"\tx,y\t\"\n"
          "3: plain\t\ta\"\"b\n");
}

static void test_embedded_newlines_keep_line_numbers(void **state)
{
    CHECK(FIX,
          "n,text\n"
          "1,\"two\nlines\"\n"
          "2,\"three\n\nlines\"\n"
          "3,one line\n"
          "4,\"crlf\r\ninside\"\n"
          "5,last\n",
          NO_OPTS,
          "n:int\ttext:string\n"
          "2: 1\ttwo\\nlines\n"
          "4: 2\tthree\\n\\nlines\n"
          "7: 3\tone line\n"
          "8: 4\tcrlf\\r\\ninside\n"
          "10: 5\tlast\n");
}

static void test_crlf_line_ends(void **state)
{
    CHECK(FIX, "a,b\r\n1,x\r\n2,\"y\"\r\n\r\n3,z\r\n", NO_OPTS,
          "a:int\tb:string\n"
          "2: 1\tx\n"
          "3: 2\ty\n"
          "5: 3\tz\n");
}

static void test_last_line_without_newline(void **state)
{
    CHECK(FIX, "a,b\n1,x\n2,y", NO_OPTS, "a:int\tb:string\n2: 1\tx\n3: 2\ty\n");
    CHECK(FIX, "a,b\n1,x\n2,\"y\"", NO_OPTS, "a:int\tb:string\n2: 1\tx\n3: 2\ty\n");
    CHECK(FIX, "a,b\n1,x\n2,", NO_OPTS, "a:int\tb:string\n2: 1\tx\n3: 2\t\\N\n");
    /* One column: a last line of one byte, or a quoted empty string. */
    CHECK(FIX, "s\nx\ny", NO_OPTS, "s:string\n2: x\n3: y\n");
    CHECK(FIX, "s\nx\n\"\"", NO_OPTS, "s:string\n2: x\n3: \n");
    CHECK(FIX, "s\nx\r\n\"\n\"", NO_OPTS, "s:string\n2: x\n3: \\n\n");
}

static void test_bom_skipped(void **state)
{
    CHECK(FIX, "\xef\xbb\xbfid,name\n1,\xef\xbb\xbfx\n", NO_OPTS,
          "id:int\tname:string\n"
          "2: 1\t\xef\xbb\xbfx\n");
    /* A BOM alone is an empty file. */
    CHECK(FIX, "\xef\xbb\xbf", NO_OPTS,
          "error: data.csv: the file is empty (not even a header line) [invalid]\n");
}

static void test_empty_lines_skipped(void **state)
{
    CHECK(FIX, "\n\na,b\n\n1,x\n\n\n2,y\n\n", NO_OPTS,
          "a:int\tb:string\n"
          "5: 1\tx\n"
          "8: 2\ty\n");
    /* One column: an empty line is skipped, "" is an empty string. */
    CHECK(FIX, "s\nx\n\n\"\"\ny\n", NO_OPTS,
          "s:string\n"
          "2: x\n"
          "4: \n"
          "5: y\n");
}

static void test_trailing_delimiter_is_an_empty_field(void **state)
{
    CHECK(FIX, "a,b,c\n1,2,\n", NO_OPTS, "a:int\tb:int\tc:string\n2: 1\t2\t\\N\n");
}

static void test_delimiters_and_quotes(void **state)
{
    CHECK(FIX, "a\tb\n1\t\"x\ty\"\n", OPTS("delimiter=tab"), "a:int\tb:string\n2: 1\tx\\ty\n");
    CHECK(FIX, "a\tb\n1\tx,y\n", OPTS("delimiter=\t"), "a:int\tb:string\n2: 1\tx,y\n");
    CHECK(FIX, "a;b\n1,5;'x;y'\n", OPTS("delimiter=;", "quote='"),
          "a:string\tb:string\n2: 1,5\tx;y\n");
    CHECK(FIX, "a,b\n\"1\",\"x\n", OPTS("quote=none"), "a:string\tb:string\n2: \"1\"\t\"x\n");
}

static void test_header_no(void **state)
{
    CHECK(FIX, "1,x,2021-01-02\n2,y,2021-01-03\n", OPTS("header=no"),
          "c1:int\tc2:string\tc3:date\n"
          "1: 1\tx\t2021-01-02\n"
          "2: 2\ty\t2021-01-03\n");
    CHECK(FIX, "1,x\n2,y\n", OPTS("header=no", "types=c2:string, c1:decimal(1)"),
          "c1:decimal(1)\tc2:string\n"
          "1: 1.0\tx\n"
          "2: 2.0\ty\n");
}

static void test_header_names(void **state)
{
    CHECK(FIX, "a,,c\n1,2,3\n", NO_OPTS, "a:int\tc2:int\tc:int\n2: 1\t2\t3\n");
    CHECK(FIX, "\"a,b\",\"\"\"q\"\"\"\n1,2\n", NO_OPTS, "a,b:int\t\"q\":int\n2: 1\t2\n");
    CHECK(FIX, "a,b,a,b\n1,2,3,4\n", NO_OPTS,
          "error: data.csv:1: column 3 has the same name as column 1: 'a' [invalid]\n");
    CHECK(FIX, "x,b,a,y,a,b\n1,2,3,4,5,6\n", NO_OPTS,
          "error: data.csv:1: column 5 has the same name as column 3: 'a' [invalid]\n");
    CHECK(FIX, "a,\xff\n1,2\n", NO_OPTS,
          "error: data.csv:1: column 2: the name is not valid UTF-8 [invalid]\n");
}

static void test_empty_and_header_only(void **state)
{
    CHECK(FIX, "", NO_OPTS,
          "error: data.csv: the file is empty (not even a header line) [invalid]\n");
    CHECK(FIX, "\n\n", OPTS("header=no"),
          "error: data.csv: the file is empty (no row to count the columns of) [invalid]\n");
    CHECK(FIX, "a,b\n", NO_OPTS, "a:string\tb:string\n");
    CHECK(FIX, "a,b", NO_OPTS, "a:string\tb:string\n");
}

/* ============================== Syntax errors ============================= */

static void test_ragged_rows(void **state)
{
    /* In the sample: open() fails. */
    CHECK(FIX, "a,b,c\n1,2,3\n4,5\n", NO_OPTS,
          "error: data.csv:3: expected 3 fields, found 2 [invalid]\n");
    CHECK(FIX, "a,b\n1,2\n3,4,5,6\n", NO_OPTS,
          "error: data.csv:3: expected 2 fields, found 4 [invalid]\n");
    /* After the sample too, and after a multi-line field. */
    CHECK(FIX, "a,b\n1,\"x\ny\"\n2,z\n3\n", OPTS("infer_rows=1"),
          "a:int\tb:string\n"
          "error: data.csv:5: expected 2 fields, found 1 [invalid]\n");
}

static void test_quote_in_unquoted_field(void **state)
{
    CHECK(FIX, "a,b\n1,x\"y\n", NO_OPTS,
          "error: data.csv:2: field 2: quote inside an unquoted field (quote the whole field and "
          "double the quotes inside it) [invalid]\n");
}

static void test_text_after_closing_quote(void **state)
{
    CHECK(FIX, "a,b\n1,\"x\"y\n", NO_OPTS,
          "error: data.csv:2: field 2: unexpected 'y' after the closing quote (a delimiter or the "
          "end of the line must follow) [invalid]\n");
    CHECK(FIX, "a,b\n1,\"x\" \n", NO_OPTS,
          "error: data.csv:2: field 2: unexpected ' ' after the closing quote (a delimiter or the "
          "end of the line must follow) [invalid]\n");
}

static void test_unterminated_quote(void **state)
{
    CHECK(FIX, "a,b\n1,x\n2,\"never\nclosed\n3,y\n", NO_OPTS,
          "error: data.csv:3: field 2: quoted field is not closed before the end of the file "
          "[invalid]\n");
    CHECK(FIX, "a,b\n1,x\n2,\"never\nclosed\n3,y\n", OPTS("infer_rows=1"),
          "a:int\tb:string\n"
          "error: data.csv:3: field 2: quoted field is not closed before the end of the file "
          "[invalid]\n");
}

static void test_bare_carriage_return(void **state)
{
    CHECK(FIX, "a,b\r1,2\r", NO_OPTS,
          "error: data.csv:1: carriage return not followed by a line feed outside quotes (line "
          "ends must be LF or CRLF) [invalid]\n");
    CHECK(FIX, "a,b\n\"1\"\rx,2\n", NO_OPTS,
          "error: data.csv:2: carriage return not followed by a line feed outside quotes (line "
          "ends must be LF or CRLF) [invalid]\n");
}

static void test_invalid_utf8(void **state)
{
    CHECK(FIX, "a,b\n1,ok\n2,b\xc3\x28x\n", NO_OPTS,
          "a:int\tb:string\n"
          "error: data.csv:3: column 'b': invalid UTF-8 at byte 2 of the field [invalid]\n");
    /* Overlong, surrogate, past U+10FFFF, truncated. */
    CHECK(FIX, "s\n\xc0\xaf\n", NO_OPTS,
          "s:string\nerror: data.csv:2: column 's': invalid UTF-8 at byte 1 of the field "
          "[invalid]\n");
    CHECK(FIX, "s\n\xed\xa0\x80\n", NO_OPTS,
          "s:string\nerror: data.csv:2: column 's': invalid UTF-8 at byte 1 of the field "
          "[invalid]\n");
    CHECK(FIX, "s\nabcdefgh\xf4\x90\x80\x80\n", NO_OPTS,
          "s:string\nerror: data.csv:2: column 's': invalid UTF-8 at byte 9 of the field "
          "[invalid]\n");
    CHECK(FIX, "s\n\"\xe2\x82\"\n", NO_OPTS,
          "s:string\nerror: data.csv:2: column 's': invalid UTF-8 at byte 1 of the field "
          "[invalid]\n");
    /* Valid: 2-, 3- and 4-byte sequences. */
    CHECK(FIX, "s\n\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\n", NO_OPTS,
          "s:string\n2: \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\n");
}

static void test_max_field_size(void **state)
{
    char *data = malloc(3000), *text, expected[256];
    size_t len, limit;

    plugin_reconfigure(FIX, "[source.csv]\nmax_field_size = 1kb\nread_buffer = 4kb\n");
    limit = (size_t)config_get_int(FIX->rec->config, "max_field_size");
    assert_true(limit >= 1000 && limit <= 1024);
    assert_non_null(data);
    /* A field of exactly the limit passes, one byte more does not. */
    len = (size_t)sprintf(data, "a,b\n1,\"");
    memset(data + len, 'x', limit);
    len += limit;
    len += (size_t)sprintf(data + len, "\"\n2,");
    memset(data + len, 'y', limit + 1);
    len += limit + 1;
    data[len++] = '\n';
    text = run_csv(FIX, data, len, OPTS("infer_rows=1"));
    snprintf(expected, sizeof(expected),
             "a:int\tb:string\n"
             "error: data.csv:3: field 2 is longer than max_field_size (%zu bytes) [invalid]\n",
             limit);
    assert_string_equal(text, expected);
    free(text);
    free(data);
}

static void test_max_columns(void **state)
{
    size_t n = 16385, len = 0;
    char *data = malloc(n * 2 + 2), *text;

    assert_non_null(data);
    for (size_t i = 0; i < n; i++)
        len += (size_t)sprintf(data + len, "%s", i ? ",x" : "x");
    data[len++] = '\n';
    text = run_csv(FIX, data, len, NO_OPTS);
    assert_string_equal(text, "error: data.csv:1: more than 16384 fields [invalid]\n");
    free(text);
    free(data);
}

/* ============================== Inference ================================= */

static void test_infer_each_type(void **state)
{
    CHECK(FIX,
          "b,i,d,f,dt,ts,s,n\n"
          "true,1,1.5,1e3,2024-02-29,2024-02-29T10:00:00Z,x,\n"
          "FALSE,-20,-0.25,2.5E-3,1969-12-31,2024-02-29 10:00:00.5,1,\n"
          "True,+3,3,-1.5e+2,1970-01-01,2024-03-01T00:00:00+01:00,2.5,\n",
          NO_OPTS,
          "b:bool\ti:int\td:decimal(2)\tf:float\tdt:date\tts:timestamp\ts:string\tn:string\n"
          "2: true\t1\t1.50\t1000\t2024-02-29\t2024-02-29T10:00:00Z\tx\t\\N\n"
          "3: false\t-20\t-0.25\t0.0025\t1969-12-31\t2024-02-29T10:00:00.500000Z\t1\t\\N\n"
          "4: true\t3\t3.00\t-150\t1970-01-01\t2024-02-29T23:00:00Z\t2.5\t\\N\n");
}

static void test_infer_narrowest(void **state)
{
    /* int + decimal = decimal; date + timestamp = timestamp; bool + int =
     * string; 19-digit ints overflow into float; 18 digits in all stay
     * decimal, 19 go float; leading zeros stay strings. */
    CHECK(FIX,
          "a,b,c,d,e,f,g\n"
          "1,2021-01-01,true,9223372036854775807,1234567890123456.78,12345678901234567.89,007\n"
          "2.5,2021-01-01T12:00:00,1,9223372036854775808,0.5,1,010\n",
          NO_OPTS,
          "a:decimal(1)\tb:timestamp\tc:string\td:float\te:decimal(2)\tf:float\tg:string\n"
          "2: 1.0\t2021-01-01T00:00:00Z\ttrue\t9.223372036854776e+18\t1234567890123456.78\t"
          "1.2345678901234568e+16\t007\n"
          "3: 2.5\t2021-01-01T12:00:00Z\t1\t9.223372036854776e+18\t0.50\t1\t010\n");
    CHECK(FIX, "a,b,c\n0,-0,.5\n10,0.0,5.\n", NO_OPTS,
          "a:int\tb:decimal(1)\tc:decimal(1)\n"
          "2: 0\t0.0\t0.5\n"
          "3: 10\t0.0\t5.0\n");
    CHECK(FIX, "a,b,c,d\n2021-02-30,2021-1-1,10:00,2021-01-01T25:00:00\n", NO_OPTS,
          "a:string\tb:string\tc:string\td:string\n"
          "2: 2021-02-30\t2021-1-1\t10:00\t2021-01-01T25:00:00\n");
}

static void test_infer_all_null_is_string(void **state)
{
    CHECK(FIX, "a,b\n,1\n,2\n", NO_OPTS, "a:string\tb:int\n2: \\N\t1\n3: \\N\t2\n");
}

static void test_value_outside_sample(void **state)
{
    CHECK(FIX, "id,amount\n1,1.50\n2,2.25\n3,12.345\n", OPTS("infer_rows=2"),
          "id:int\tamount:decimal(2)\n"
          "error: data.csv:4: column 'amount': '12.345' does not fit decimal(2) (inferred from the "
          "first 2 rows; set types = \"amount:decimal(3)\") [invalid]\n");
    CHECK(FIX, "id,amount\n1,1.50\n2,2.25\n3,abc\n", OPTS("infer_rows=2"),
          "id:int\tamount:decimal(2)\n"
          "error: data.csv:4: column 'amount': 'abc' does not fit decimal(2) (inferred from the "
          "first 2 rows; set types = \"amount:string\")"
          " [invalid]\n");
    CHECK(FIX, "id\n1\n2\n3.5\n", OPTS("infer_rows=2"),
          "id:int\n"
          "error: data.csv:4: column 'id': '3.5' does not fit int (inferred from the first 2 rows; "
          "set types = \"id:decimal(1)\") [invalid]\n");
    CHECK(FIX, "d\n2021-01-01\n2021-01-02\n2021-01-02T10:00:00Z\n", OPTS("infer_rows=2"),
          "d:date\n"
          "error: data.csv:4: column 'd': '2021-01-02T10:00:00Z' does not fit date (inferred from "
          "the first 2 rows; set types = \"d:timestamp\") [invalid]\n");
    /* With the admin's default of 1000 rows. */
    {
        char data[16000];
        size_t len = (size_t)sprintf(data, "n\n");
        char *text;
        for (int i = 1; i <= 1000; i++)
            len += (size_t)sprintf(data + len, "%d\n", i);
        len += (size_t)sprintf(data + len, "1e5\n");
        text = run_csv(FIX, data, len, NO_OPTS);
        assert_string_equal(text, "n:int\n"
                                  "error: data.csv:1002: column 'n': '1e5' does not fit int "
                                  "(inferred from the first 1000 rows; set types = \"n:float\") "
                                  "[invalid]\n");
        free(text);
    }
}

/* A file of many more rows than infer_rows: every row, in order, with its
 * line number, and the exact sum of a decimal column. */
static void test_more_rows_than_sample(void **state)
{
    const int rows = 25000;
    size_t cap = (size_t)rows * 64, len;
    char *data = malloc(cap), *text, *line;
    int64_t expected_sum = 0, sum = 0, count = 0;
    uint64_t x = 88172645463325252u;

    assert_non_null(data);
    len = (size_t)sprintf(data, "n,amount,note\n");
    for (int i = 1; i <= rows; i++) {
        /* xorshift: amounts from -10^10 to 10^10 cents, exact in decimal(2) */
        int64_t cents;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        cents = (int64_t)(x % 20000000001u) - 10000000000;
        expected_sum += cents;
        len += (size_t)sprintf(data + len, "%d,%s%lld.%02lld,%s\n", i, cents < 0 ? "-" : "",
                               (long long)(cents < 0 ? -cents : cents) / 100,
                               (long long)(cents < 0 ? -cents : cents) % 100,
                               i % 1000 == 0 ? "\"multi\nline\"" : "x");
    }
    text = run_csv(FIX, data, len, OPTS("infer_rows=100"));
    line = strtok(text, "\n");
    assert_string_equal(line, "n:int\tamount:decimal(2)\tnote:string");
    while ((line = strtok(NULL, "\n")) != NULL) {
        long long src_line, n, whole, frac;
        char sign[2] = "";
        int64_t cents;
        /* "LINE: N\t[-]WHOLE.FRAC\tNOTE" */
        assert_int_equal(sscanf(line, "%lld: %lld\t%1[-]", &src_line, &n, sign) >= 2, 1);
        assert_int_equal(
            sscanf(strchr(line, '\t') + 1 + (sign[0] == '-'), "%lld.%lld", &whole, &frac), 2);
        cents = whole * 100 + frac;
        sum += sign[0] == '-' ? -cents : cents;
        count++;
        assert_int_equal(n, count);
        /* The header is line 1 and every 1000th row takes two lines. */
        assert_int_equal(src_line, n + 1 + (n - 1) / 1000);
    }
    assert_int_equal(count, rows);
    assert_int_equal(sum, expected_sum);
    free(text);
    free(data);
}

/* The same sum straight from the batch's int64 values, no text between. */
static void test_exact_decimal_sum(void **state)
{
    const int rows = 50000;
    char *data = malloc((size_t)rows * 32);
    const char *texts[] = {"path=sum.csv", "types=v:decimal(3)", NULL};
    const quire_source_ops *ops = &FIX->rec->ops.source;
    quire_source_args args = {0};
    quire_error err = {0};
    quire_option *options;
    const quire_column_info *columns;
    size_t noptions, ncolumns, len;
    void *instance;
    quire_batch *batch;
    int64_t expected = 0, sum = 0, seen = 0;
    int rc;

    assert_non_null(data);
    len = (size_t)sprintf(data, "v\n");
    for (int i = 0; i < rows; i++) {
        /* 0.1, 0.2, 0.3 ... repeating: a sum binary floating point gets wrong. */
        int64_t milli = (i % 10 + 1) * 100 + (i % 7 == 0 ? 1 : 0);
        if (i % 3 == 0)
            milli = -milli;
        expected += milli;
        len += (size_t)sprintf(data + len, "%s%lld.%03lld\n", milli < 0 ? "-" : "",
                               (long long)llabs(milli) / 1000, (long long)llabs(milli) % 1000);
    }
    write_file("sum.csv", data, len);
    options = make_options(texts, &noptions);
    args.size = sizeof(args);
    args.options = options;
    args.noptions = noptions;
    assert_int_equal(ops->open(FIX->rec->state_ptr, &args, &instance, &err), QUIRE_OK);
    assert_int_equal(ops->schema(instance, &columns, &ncolumns, &err), QUIRE_OK);
    assert_int_equal(columns[0].type, QUIRE_TYPE_DECIMAL);
    assert_int_equal(columns[0].scale, 3);
    batch = batch_new(columns, ncolumns, 333, 0); /* no source_line array */
    do {
        batch_reset(batch);
        rc = ops->next(instance, batch, &err);
        assert_int_not_equal(rc, QUIRE_ERR);
        for (uint32_t r = 0; r < batch->rows; r++)
            sum += batch->columns[0].v.i64[r];
        seen += batch->rows;
    } while (rc == QUIRE_OK);
    assert_int_equal(seen, rows);
    assert_int_equal(sum, expected);
    batch_free(batch);
    ops->close(instance);
    free_options(options, noptions);
    free(data);
}

/* ============================== Overrides ================================= */

static void test_types_override(void **state)
{
    CHECK(FIX,
          "zip,id,amount,flag,note,x,t,d\n"
          "00501,007,1.5,yes,12,3,2024-01-01,2024-01-01\n"
          "10001,-8,2,N,x,1e-2,2024-01-01T10:00:00-05:30,1900-03-01\n",
          OPTS("types=zip:string, id:int, amount:decimal(3), flag:bool, note:string, x:float, "
               "t:timestamp, d:date"),
          "zip:string\tid:int\tamount:decimal(3)\tflag:bool\tnote:string\tx:float\tt:timestamp\t"
          "d:date\n"
          "2: 00501\t7\t1.500\ttrue\t12\t3\t2024-01-01T00:00:00Z\t2024-01-01\n"
          "3: 10001\t-8\t2.000\tfalse\tx\t0.01\t2024-01-01T15:30:00Z\t1900-03-01\n");
    /* Extra fractional zeros fit; inf and nan are floats when declared. */
    CHECK(FIX, "a,f\n1.2500,inf\n-3.000000000000000000000,-Infinity\n,nan\n",
          OPTS("types=a:decimal(2),f:float"),
          "a:decimal(2)\tf:float\n2: 1.25\tinf\n3: -3.00\t-inf\n4: \\N\tnan\n");
}

static void test_types_override_bad_value(void **state)
{
    CHECK(FIX, "id,x\n1,a\n2.5,b\n", OPTS("types=id:int"),
          "id:int\tx:string\n"
          "error: data.csv:3: column 'id': '2.5' does not fit int (set by types at report.qr:2:5) "
          "[invalid]\n");
    CHECK(FIX, "a\n1.234\n", OPTS("types=a:decimal(2)"),
          "a:decimal(2)\n"
          "error: data.csv:2: column 'a': '1.234' does not fit decimal(2) (set by types at "
          "report.qr:2:5) [invalid]\n");
    CHECK(FIX, "a\n99999999999999999.99\n", OPTS("types=a:decimal(2)"),
          "a:decimal(2)\n"
          "error: data.csv:2: column 'a': '99999999999999999.99' does not fit decimal(2) (set by "
          "types at report.qr:2:5) [invalid]\n");
    CHECK(FIX, "a\n1e999\n", OPTS("types=a:float"),
          "a:float\n"
          "error: data.csv:2: column 'a': '1e999' does not fit float (set by types at "
          "report.qr:2:5) [invalid]\n");
    CHECK(FIX, "a\n9223372036854775807\n-9223372036854775808\n9223372036854775808\n",
          OPTS("types=a:int"),
          "a:int\n"
          "error: data.csv:4: column 'a': '9223372036854775808' does not fit int (set by types at "
          "report.qr:2:5) [invalid]\n");
    CHECK(FIX, "a\n9223372036854775807\n-9223372036854775808\n", OPTS("types=a:int"),
          "a:int\n2: 9223372036854775807\n3: -9223372036854775808\n");
    CHECK(FIX, "a\n92233720368547758.07\n-92233720368547758.08\n", OPTS("types=a:decimal(2)"),
          "a:decimal(2)\n2: 92233720368547758.07\n3: -92233720368547758.08\n");
}

static void test_types_option_errors(void **state)
{
    CHECK(FIX, "a\n1\n", OPTS("types=b:int"),
          "error: report.qr:2:5: csv: types: no column 'b' in data.csv (columns: a) [invalid]\n");
    CHECK(FIX, "a\n1\n", OPTS("types=a"),
          "error: report.qr:2:5: csv: types: 'a' has no type (write COLUMN:TYPE) [invalid]\n");
    CHECK(FIX, "a\n1\n", OPTS("types=:int"),
          "error: report.qr:2:5: csv: types: ':int' has no column name (write COLUMN:TYPE) "
          "[invalid]\n");
    CHECK(FIX, "a\n1\n", OPTS("types=a:money"),
          "error: report.qr:2:5: csv: types: 'money' in 'a:money' is not a type (bool, int, "
          "decimal(SCALE), float, string, date, timestamp; SCALE 0..18) [invalid]\n");
    CHECK(FIX, "a\n1\n", OPTS("types=a:decimal(19)"),
          "error: report.qr:2:5: csv: types: 'decimal(19)' in 'a:decimal(19)' is not a type "
          "(bool, int, decimal(SCALE), float, string, date, timestamp; SCALE 0..18) [invalid]\n");
    CHECK(FIX, "a\n1\n", OPTS("types=a:decimal"),
          "error: report.qr:2:5: csv: types: 'decimal' in 'a:decimal' is not a type (bool, int, "
          "decimal(SCALE), float, string, date, timestamp; SCALE 0..18) [invalid]\n");
    CHECK(FIX, "a\n1\n", OPTS("types=a:int, a:float"),
          "error: report.qr:2:5: csv: types: column 'a' is given twice [invalid]\n");
    CHECK(FIX, "a\n1\n", OPTS("types= a : decimal(0) ,"), "a:decimal(0)\n2: 1\n");
}

/* ============================== NULLs ===================================== */

static void test_nulls(void **state)
{
    /* Default: an empty unquoted field is NULL; "" is an empty string in a
     * string column and NULL elsewhere. */
    CHECK(FIX, "s,i\n,\n\"\",\"\"\nx,1\n", NO_OPTS,
          "s:string\ti:int\n"
          "2: \\N\t\\N\n"
          "3: \t\\N\n"
          "4: x\t1\n");
    /* Tokens: unquoted only; blanks around them are trimmed. */
    CHECK(FIX, "s,i\nNA,NULL\n\"NA\",\n,2\n", OPTS("null=NA, NULL,"),
          "s:string\ti:int\n"
          "2: \\N\t\\N\n"
          "3: NA\t\\N\n"
          "4: \\N\t2\n");
    /* Without the empty token an empty field is a value: "" for strings,
     * not an int. */
    CHECK(FIX, "s,i\nNA,NA\n,1\n", OPTS("null=NA"), "s:string\ti:int\n2: \\N\t\\N\n3: \t1\n");
    CHECK(FIX, "i\n1\n\"1\"\n,\n", OPTS("null=NA", "types=i:int"),
          "error: data.csv:4: expected 1 fields, found 2 [invalid]\n");
    CHECK(FIX, "i,j\n1,x\n,y\n", OPTS("null=NA", "types=i:int"),
          "i:int\tj:string\n"
          "error: data.csv:3: column 'i': '' does not fit int (set by types at report.qr:3:5) "
          "[invalid]\n");
}

/* ============================== Dates and timestamps ====================== */

static void test_dates(void **state)
{
    CHECK(FIX,
          "d\n1970-01-01\n1969-12-31\n2000-02-29\n2024-02-29\n1900-02-28\n1900-03-01\n"
          "1600-02-29\n0001-01-01\n0000-03-01\n9999-12-31\n1901-12-13\n2038-01-19\n",
          NO_OPTS,
          "d:date\n2: 1970-01-01\n3: 1969-12-31\n4: 2000-02-29\n5: 2024-02-29\n6: 1900-02-28\n"
          "7: 1900-03-01\n8: 1600-02-29\n9: 0001-01-01\n10: 0000-03-01\n11: 9999-12-31\n"
          "12: 1901-12-13\n13: 2038-01-19\n");
    /* Not dates: 1900 and 2023 are not leap years, and so on. */
    CHECK(FIX, "d\n1900-02-29\n", OPTS("types=d:date"),
          "d:date\nerror: data.csv:2: column 'd': '1900-02-29' does not fit date (set by types at "
          "report.qr:2:5) [invalid]\n");
    CHECK(FIX, "a,b,c,d,e\n2023-02-29,2024-04-31,2024-13-01,2024-00-10,2024-01-00\n", NO_OPTS,
          "a:string\tb:string\tc:string\td:string\te:string\n"
          "2: 2023-02-29\t2024-04-31\t2024-13-01\t2024-00-10\t2024-01-00\n");
}

/* The day numbers themselves, straight from the batch. */
static void test_date_day_numbers(void **state)
{
    static const struct {
        const char *text;
        int64_t days;
    } cases[] = {
        {"1970-01-01", 0},       {"1969-12-31", -1},      {"1970-03-01", 59},
        {"2000-02-29", 11016},   {"2000-03-01", 11017},   {"1900-01-01", -25567},
        {"0001-01-01", -719162}, {"0000-01-01", -719528}, {"9999-12-31", 2932896},
        {"2024-02-29", 19782},   {"1600-03-01", -135080},
    };
    const quire_source_ops *ops = &FIX->rec->ops.source;
    const char *texts[] = {"path=days.csv", NULL};
    char data[512];
    size_t len = (size_t)sprintf(data, "d\n"), noptions, ncolumns;
    quire_source_args args = {0};
    quire_error err = {0};
    quire_option *options;
    const quire_column_info *columns;
    quire_batch *batch;
    void *instance;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        len += (size_t)sprintf(data + len, "%s\n", cases[i].text);
    write_file("days.csv", data, len);
    options = make_options(texts, &noptions);
    args.size = sizeof(args);
    args.options = options;
    args.noptions = noptions;
    assert_int_equal(ops->open(FIX->rec->state_ptr, &args, &instance, &err), QUIRE_OK);
    assert_int_equal(ops->schema(instance, &columns, &ncolumns, &err), QUIRE_OK);
    batch = batch_new(columns, ncolumns, 64, BATCH_LINES);
    assert_int_equal(ops->next(instance, batch, &err), QUIRE_DONE);
    assert_int_equal(batch->rows, sizeof(cases) / sizeof(cases[0]));
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t y;
        unsigned m, d;
        char back[16];
        assert_int_equal(batch->columns[0].v.i64[i], cases[i].days);
        cal_civil_from_days(cases[i].days, &y, &m, &d);
        snprintf(back, sizeof(back), "%04lld-%02u-%02u", (long long)y, m, d);
        assert_string_equal(back, cases[i].text);
    }
    batch_free(batch);
    ops->close(instance);
    free_options(options, noptions);
}

static void test_timestamps(void **state)
{
    CHECK(FIX,
          "t\n"
          "2024-01-01T10:00:00+02:00\n"
          "2024-01-01T10:00:00-05:30\n"
          "2024-01-01 00:30:00+01:00\n"
          "1970-01-01T00:00:00Z\n"
          "1969-12-31T23:59:59.999999Z\n"
          "2000-02-29T23:59:59.5-00:30\n"
          "2024-03-10t02:00:00.000001z\n"
          "1900-01-01T00:00:00+23:59\n"
          "2024-06-30\n",
          NO_OPTS,
          "t:timestamp\n"
          "2: 2024-01-01T08:00:00Z\n"
          "3: 2024-01-01T15:30:00Z\n"
          "4: 2023-12-31T23:30:00Z\n"
          "5: 1970-01-01T00:00:00Z\n"
          "6: 1969-12-31T23:59:59.999999Z\n"
          "7: 2000-03-01T00:29:59.500000Z\n"
          "8: 2024-03-10T02:00:00.000001Z\n"
          "9: 1899-12-31T00:01:00Z\n"
          "10: 2024-06-30T00:00:00Z\n");
    /* Not timestamps. */
    CHECK(FIX,
          "a,b,c,d,e,f\n"
          "2024-01-01T10:00,2024-01-01T10:00:00.1234567Z,2024-01-01T10:00:00+0200,"
          "2024-01-01T24:00:00,2024-01-01T10:00:60,2024-01-01T10:00:00.Z\n",
          NO_OPTS,
          "a:string\tb:string\tc:string\td:string\te:string\tf:string\n"
          "2: 2024-01-01T10:00\t2024-01-01T10:00:00.1234567Z\t2024-01-01T10:00:00+0200\t"
          "2024-01-01T24:00:00\t2024-01-01T10:00:60\t2024-01-01T10:00:00.Z\n");
}

/* ============================== Options =================================== */

static void test_option_errors(void **state)
{
    CHECK(FIX, "a\n1\n", OPTS("colour=red"),
          "error: report.qr:2:5: csv: unknown option 'colour'; allowed: path, delimiter, header, "
          "null, on_error, types, infer_rows, quote [invalid]\n");
    CHECK(FIX, "a\n1\n", OPTS("path=other.csv"),
          "error: report.qr:2:5: csv: option 'path' is given twice (first at report.qr:1:5) "
          "[invalid]\n");
    CHECK(FIX, "a\n1\n", OPTS("delimiter=;;"),
          "error: report.qr:2:5: csv: delimiter: ';;' is not a single byte (write tab for a tab) "
          "[invalid]\n");
    CHECK(FIX, "a\n1\n", OPTS("delimiter=\n"),
          "error: report.qr:2:5: csv: delimiter: '\\n' is not a single byte (write tab for a tab) "
          "[invalid]\n");
    CHECK(FIX, "a\n1\n", OPTS("header=maybe"),
          "error: report.qr:2:5: csv: header: 'maybe' is not yes or no [invalid]\n");
    CHECK(FIX, "a\n1\n", OPTS("on_error=ignore"),
          "error: report.qr:2:5: csv: on_error: 'ignore' is not fail or skip [invalid]\n");
    CHECK(FIX, "a\n1\n", OPTS("infer_rows=0"),
          "error: report.qr:2:5: csv: infer_rows: '0' is not a whole number from 1 to 1000000 "
          "[invalid]\n");
    CHECK(FIX, "a\n1\n", OPTS("infer_rows=1000001"),
          "error: report.qr:2:5: csv: infer_rows: '1000001' is not a whole number from 1 to "
          "1000000 [invalid]\n");
    CHECK(FIX, "a\n1\n", OPTS("infer_rows=12x"),
          "error: report.qr:2:5: csv: infer_rows: '12x' is not a whole number from 1 to 1000000 "
          "[invalid]\n");
    CHECK(FIX, "a\n1\n", OPTS("quote=<<"),
          "error: report.qr:2:5: csv: quote: '<<' is not a single byte (or none) [invalid]\n");
    CHECK(FIX, "a\n1\n", OPTS("delimiter=\""),
          "error: report.qr:2:5: csv: delimiter and quote are the same byte [invalid]\n");
    CHECK(FIX, "a\n1\n", OPTS("delimiter=|", "quote=|"),
          "error: report.qr:3:5: csv: delimiter and quote are the same byte [invalid]\n");
    check_options(FIX, OPTS("header=no"),
                  "error: csv: source 'sales': missing option 'path' (the CSV file to read) "
                  "[invalid]\n");
    check_options(
        FIX, OPTS("path="),
        "error: report.qr:1:5: csv: path: '' is empty (the CSV file to read) [invalid]\n");
}

static void test_cannot_open(void **state)
{
    check_options(FIX, OPTS("path=missing.csv"),
                  "error: missing.csv: cannot open: No such file or directory [io]\n");
    check_options(FIX, OPTS("path=."), "error: .: cannot open: Is a directory [io]\n");
}

/* Options given on a command line have no line: "FILE argument N". */
static void test_option_location_without_line(void **state)
{
    const quire_source_ops *ops = &FIX->rec->ops.source;
    quire_option options[] = {
        {.key = "path", .value = "x.csv", .file = "command line", .line = 0, .column = 3},
        {.key = "frob", .value = "1", .file = "command line", .line = 0, .column = 4},
    };
    quire_source_args args = {.size = sizeof(args), .options = options, .noptions = 2};
    quire_error err = {0};
    void *instance = NULL;

    assert_int_equal(ops->open(FIX->rec->state_ptr, &args, &instance, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "command line argument 4: csv: unknown option 'frob'; allowed: "
                                 "path, delimiter, header, null, on_error, types, infer_rows, "
                                 "quote");
}

/* ============================== on_error = skip =========================== */

static void test_skip_bad_rows(void **state)
{
    CHECK(FIX,
          "id,amount,note\n"
          "1,1.50,a\n"
          "2,x\n"
          "3,2.25,b\n"
          "4,abc,c\n"
          "5,3.00,\xff\n"
          "6,4.00,d,extra\n"
          "7,5.75,e\n",
          OPTS("on_error=skip", "types=amount:decimal(2)"),
          "id:int\tamount:decimal(2)\tnote:string\n"
          "2: 1\t1.50\ta\n"
          "4: 3\t2.25\tb\n"
          "8: 7\t5.75\te\n"
          "log: info: source.csv: data.csv: skipped 4 bad rows of 7 (on_error = skip)\n");
    /* Bad rows inside the sample are skipped too and do not count there. */
    CHECK(FIX, "a,b\n1\n2,x\n3,y,z\n4,w\n", OPTS("on_error=skip", "infer_rows=2"),
          "a:int\tb:string\n"
          "3: 2\tx\n"
          "5: 4\tw\n"
          "log: info: source.csv: data.csv: skipped 2 bad rows of 4 (on_error = skip)\n");
    /* Syntax errors are not skippable. */
    CHECK(FIX, "a,b\n1,x\n2,\"y\"z\n3,w\n", OPTS("on_error=skip", "infer_rows=1"),
          "a:int\tb:string\n"
          "error: data.csv:3: field 2: unexpected 'z' after the closing quote (a delimiter or the "
          "end of the line must follow) [invalid]\n");
}

/* ============================== Streaming ================================= */

/* Small read buffer, fields and CRLFs straddling every chunk boundary: the
 * same rows as with the default 256kb buffer. */
static void test_read_buffer_boundaries(void **state)
{
    size_t cap = 200000, len = 0;
    char *data = malloc(cap), *big, *small;

    assert_non_null(data);
    len += (size_t)sprintf(data + len, "\xef\xbb\xbfn,text,v\r\n");
    for (int i = 1; len + 700 < cap; i++) {
        int width = (i * 37) % 300;
        len += (size_t)sprintf(data + len, "%d,\"", i);
        for (int j = 0; j < width; j++) {
            char c = j % 50 == 7 ? '\n' : j % 61 == 3 ? '"' : (char)('a' + j % 26);
            data[len++] = c;
            if (c == '"')
                data[len++] = '"';
        }
        len += (size_t)sprintf(data + len, "\",%d.%d\r\n", i, i % 10);
        if (i % 13 == 0)
            len += (size_t)sprintf(data + len, "\r\n");
    }
    big = run_csv(FIX, data, len, NO_OPTS);
    plugin_reconfigure(FIX, "[source.csv]\nread_buffer = 4kb\n");
    small = run_csv(FIX, data, len, NO_OPTS);
    assert_string_equal(small, big);
    assert_non_null(strstr(big, "n:int\ttext:string\tv:decimal(1)\n2: 1\t"));
    assert_null(strstr(big, "error"));
    free(big);
    free(small);
    free(data);
}

static void test_estimate(void **state)
{
    const quire_source_ops *ops = &FIX->rec->ops.source;
    const char *texts[] = {"path=est.csv", "infer_rows=50", NULL};
    quire_source_args args = {0};
    quire_error err = {0};
    quire_option *options;
    size_t noptions, len;
    char *data = malloc(200000);
    void *instance;
    int64_t est;

    assert_non_null(data);
    len = (size_t)sprintf(data, "n,s\n");
    for (int i = 1; i <= 5000; i++)
        len += (size_t)sprintf(data + len, "%05d,row %03d\n", i, i % 1000);
    write_file("est.csv", data, len);
    options = make_options(texts, &noptions);
    args.size = sizeof(args);
    args.options = options;
    args.noptions = noptions;
    assert_int_equal(ops->open(FIX->rec->state_ptr, &args, &instance, &err), QUIRE_OK);
    assert_non_null(ops->estimate);
    est = ops->estimate(instance);
    assert_true(est > 4000 && est < 6000);
    ops->close(instance);

    /* Sampled whole: exact. */
    options[1].value = "1000000";
    assert_int_equal(ops->open(FIX->rec->state_ptr, &args, &instance, &err), QUIRE_OK);
    assert_int_equal(ops->estimate(instance), 5000);
    ops->close(instance);
    free_options(options, noptions);
    free(data);
}

/* The admin's infer_rows is the default a source can override. */
static void test_admin_infer_rows(void **state)
{
    plugin_reconfigure(FIX, "[source.csv]\ninfer_rows = 2\n");
    CHECK(FIX, "a\n1\n2\nx\n", NO_OPTS,
          "a:int\n"
          "error: data.csv:4: column 'a': 'x' does not fit int (inferred from the first 2 rows; "
          "set types = \"a:string\") [invalid]\n");
    CHECK(FIX, "a\n1\n2\nx\n", OPTS("infer_rows=3"), "a:string\n2: 1\n3: 2\n4: x\n");
}

static void test_messages_show_values_safely(void **state)
{
    CHECK(FIX, "a\n1\n2\nab\tc\x01\n", OPTS("infer_rows=2"),
          "a:int\n"
          "error: data.csv:4: column 'a': 'ab\\tc\\x01' does not fit int (inferred from the first "
          "2 rows; set types = \"a:string\") [invalid]\n");
    CHECK(FIX,
          "a\n1\n"
          "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
          "x\n",
          OPTS("infer_rows=1"),
          "a:int\n"
          "error: data.csv:3: column 'a': "
          "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' does not fit int "
          "(inferred from the first 1 rows; set types = \"a:string\") [invalid]\n");
}

/* ============================== ABI 1.1: parts, projection, stats ======== */

/* The row lines of a run's text ("LINE: ..."), without the schema, error
 * and log lines. Caller frees. */
static char *row_lines(const char *text)
{
    char *rows = malloc(strlen(text) + 1), *dst = rows;
    const char *p = text;

    assert_non_null(rows);
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t n = eol ? (size_t)(eol - p) + 1 : strlen(p);
        if (p[0] >= '0' && p[0] <= '9') {
            memcpy(dst, p, n);
            dst += n;
        }
        p += n;
    }
    *dst = '\0';
    return rows;
}

/* 1 if a run's text has an error line. */
static int has_error(const char *text)
{
    return strncmp(text, "error: ", 7) == 0 || strstr(text, "\nerror: ") != NULL;
}

/* The first line of a run's text (the schema, or the error). Caller frees. */
static char *first_line(const char *text)
{
    const char *eol = strchr(text, '\n');

    return strndup(text, eol ? (size_t)(eol - text) + 1 : strlen(text));
}

/* Reads `texts` (path included) whole, then in n parts for n = 2..7 with
 * batches of 1 and 1024 rows: every part starts with the whole read's
 * schema line (or fails as it did), and the parts' rows, one part after the
 * other, are the whole read's. Returns the whole read's text (caller
 * frees). */
static char *check_parts(fixture *f, const char *const *texts)
{
    char *whole = run_source(f, texts, 1024, BATCH_LINES);
    char *whole_rows = row_lines(whole), *whole_first = first_line(whole);
    int whole_failed = strncmp(whole, "error: ", 7) == 0;

    for (uint32_t n = 2; n <= 7; n++) {
        for (uint32_t cap = 1; cap <= 1024; cap += 1023) {
            char *joined = calloc(1, strlen(whole) + 1);
            assert_non_null(joined);
            for (uint32_t p = 0; p < n; p++) {
                run_opts ro = {.partition = p, .npartitions = n};
                char *text = run_source_with(f, texts, cap, BATCH_LINES, &ro);
                char *rows = row_lines(text), *first = first_line(text);
                if (whole_failed ? strcmp(text, whole) != 0 : strcmp(first, whole_first) != 0)
                    fail_msg("part %u of %u (batches of %u) gave\n%s\nthe whole read\n%s", p, n,
                             cap, text, whole);
                if (strlen(joined) + strlen(rows) > strlen(whole))
                    fail_msg("parts of %u repeat rows; part %u gave\n%s\nthe whole read\n%s", n, p,
                             text, whole);
                strcat(joined, rows);
                free(rows);
                free(first);
                free(text);
            }
            if (strcmp(joined, whole_rows) != 0)
                fail_msg("%u parts (batches of %u) gave the rows\n%s\nthe whole read\n%s", n, cap,
                         joined, whole_rows);
            free(joined);
        }
    }
    free(whole_rows);
    free(whole_first);
    return whole;
}

/* Writes data.csv and checks its parts (check_parts) with `texts`; the
 * whole read must give `expected`. */
static void check_csv_parts(fixture *f, const char *data, size_t len, const char *const *texts,
                            const char *expected)
{
    const char *all[16] = {"path=data.csv"};
    size_t n = 1;
    char *whole;

    for (size_t i = 0; texts[i] != NULL; i++)
        all[n++] = texts[i];
    all[n] = NULL;
    write_file("data.csv", data, len);
    whole = check_parts(f, all);
    assert_string_equal(whole, expected);
    free(whole);
}

#define CHECK_PARTS(f, data, opts, expected)                                                       \
    check_csv_parts((f), (data), sizeof(data) - 1, (opts), (expected))

/* Writes s as batch_format_cell writes a string cell (the bytes used here). */
static void put_cell(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '\n')
            fputs("\\n", out);
        else if (*s == '\r')
            fputs("\\r", out);
        else if (*s == '\t')
            fputs("\\t", out);
        else if (*s == '\\')
            fputs("\\\\", out);
        else
            fputc(*s, out);
    }
}

/* Quoted fields with newlines, delimiters and doubled quotes moved across
 * every split offset: a padding row of k bytes before them and one of 47 - k
 * after keep the size, so the splits stay where they are while the rows
 * move under them; for every part count some k puts a split offset inside
 * a quoted field and some k puts it on a quote. */
static void test_parts_split_inside_quotes(void **state)
{
    /* As written in the file, and the value read back. */
    static const struct {
        const char *written, *value;
    } fields[] = {
        {"\"a,b\"", "a,b"},
        {"\"line1\nline2\"", "line1\nline2"},
        {"\"say \"\"hi\"\"\"", "say \"hi\""},
        {"\"\"\"\"", "\""},
        {"\"x\r\ny\"", "x\r\ny"},
        {"\"\n\"", "\n"},
        {"\",\n,\"", ",\n,"},
        {"plain", "plain"},
        {"\"\"", ""},
        {"\"a\"\"\n\"\"b\"", "a\"\n\"b"},
        {"\"\"\"\"\"\n\"\"\"\"\"", "\"\"\n\"\""},
    };
    const size_t nfields = sizeof(fields) / sizeof(fields[0]);
    int inside_hit[8][8] = {{0}}, quote_hit[8][8] = {{0}};

    for (size_t k = 0; k < 48; k++) {
        char data[2048], *expected = NULL, *whole, *rows;
        char inside[2048] = {0}; /* 1: the byte is inside quotes */
        size_t len = 0, exp_len = 0, header;
        int64_t line = 2;
        FILE *out = open_memstream(&expected, &exp_len);

        assert_non_null(out);
        len = (size_t)sprintf(data, "n,s,v\n");
        header = len;
        fputs("n:int\ts:string\tv:decimal(2)\n", out);
        len += (size_t)sprintf(data + len, "0,%.*s,0.00\n", (int)k,
                               "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy");
        fprintf(out, "%lld: 0\t%.*s\t0.00\n", (long long)line++, k ? (int)k : 2,
                k ? "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy" : "\\N");
        for (size_t i = 1; i <= 2 * nfields; i++) {
            const char *w = fields[i % nfields].written;
            size_t start;
            len += (size_t)sprintf(data + len, "%zu,", i);
            start = len;
            len += (size_t)sprintf(data + len, "%s", w);
            if (w[0] == '"')
                memset(inside + start + 1, 1, len - start - 2);
            len += (size_t)sprintf(data + len, ",%zu.25%s", i, i % 2 ? "\r\n" : "\n");
            fprintf(out, "%lld: %zu\t", (long long)line, i);
            put_cell(out, fields[i % nfields].value);
            fprintf(out, "\t%zu.25\n", i);
            for (const char *c = w; *c; c++)
                line += *c == '\n';
            line++;
        }
        len += (size_t)sprintf(data + len, "99,z%.*s,0.00\n", (int)(47 - k),
                               "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz");
        fprintf(out, "%lld: 99\tz%.*s\t0.00\n", (long long)line, (int)(47 - k),
                "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz");
        fclose(out);
        /* Where the parts split (the plugin's formula): what lies there. */
        for (size_t n = 2; n <= 7; n++) {
            for (size_t p = 1; p < n; p++) {
                size_t bytes = len - header, at = header + bytes / n * p + bytes % n * p / n;
                inside_hit[n][p] |= inside[at] && inside[at - 1];
                quote_hit[n][p] |= data[at] == '"' || data[at - 1] == '"';
            }
        }
        write_file("data.csv", data, len);
        whole = check_parts(FIX, OPTS("path=data.csv"));
        assert_string_equal(whole, expected);
        rows = run_csv(FIX, data, len, NO_OPTS);
        assert_string_equal(rows, expected);
        free(rows);
        free(whole);
        free(expected);
    }
    for (size_t n = 2; n <= 7; n++) {
        for (size_t p = 1; p < n; p++) {
            if (!inside_hit[n][p] || !quote_hit[n][p])
                fail_msg("split %zu of %zu never fell inside quotes (%d) or on a quote (%d)", p, n,
                         inside_hit[n][p], quote_hit[n][p]);
        }
    }
}

/* Line ends, byte order marks, tiny and empty files, empty lines. */
static void test_parts_edge_files(void **state)
{
    CHECK_PARTS(FIX, "a,b\r\n1,x\r\n2,\"y\r\nz\"\r\n\r\n3,z\r\n", NO_OPTS,
                "a:int\tb:string\n2: 1\tx\n3: 2\ty\\r\\nz\n6: 3\tz\n");
    CHECK_PARTS(FIX, "\xef\xbb\xbfid,name\n1,a\n2,b\n3,c\n", NO_OPTS,
                "id:int\tname:string\n2: 1\ta\n3: 2\tb\n4: 3\tc\n");
    CHECK_PARTS(FIX,
                "\xef\xbb\xbf"
                "1,a\n2,b\n",
                OPTS("header=no"), "c1:int\tc2:string\n1: 1\ta\n2: 2\tb\n");
    /* Smaller than the number of parts. */
    CHECK_PARTS(FIX, "a\n1\n", NO_OPTS, "a:int\n2: 1\n");
    CHECK_PARTS(FIX, "1", OPTS("header=no"), "c1:int\n1: 1\n");
    /* No line end at the end. */
    CHECK_PARTS(FIX, "a,b\n1,x\n2,y", NO_OPTS, "a:int\tb:string\n2: 1\tx\n3: 2\ty\n");
    CHECK_PARTS(FIX, "a,b\n1,x\n2,\"y\nz\"", NO_OPTS, "a:int\tb:string\n2: 1\tx\n3: 2\ty\\nz\n");
    /* Header only, empty. */
    CHECK_PARTS(FIX, "a,b\n", NO_OPTS, "a:string\tb:string\n");
    CHECK_PARTS(FIX, "a,b", NO_OPTS, "a:string\tb:string\n");
    CHECK_PARTS(FIX, "", NO_OPTS,
                "error: data.csv: the file is empty (not even a header line) [invalid]\n");
    /* Empty lines around the splits, and a sample smaller than the file. */
    CHECK_PARTS(FIX, "s\n\n\nx\n\n\"\"\n\n\ny\n\n\n\nz\n\n", OPTS("infer_rows=1"),
                "s:string\n4: x\n6: \n9: y\n13: z\n");
    /* Quoting off: a quote is a byte like any other. */
    CHECK_PARTS(FIX, "a,b\n\"1,\"x\n\"2,y\"\n", OPTS("quote=none"),
                "a:string\tb:string\n2: \"1\t\"x\n3: \"2\ty\"\n");
}

/* A bad row in a later part names its line in the file, counted over the
 * multi-line fields of the parts before; skipped rows count per part. */
static void test_parts_bad_row_lines(void **state)
{
    char data[8192], expected[256], *text;
    size_t len = (size_t)sprintf(data, "n,s,v\n");
    int64_t line = 2, bad_line = 0;
    quire_source_stats stats[2];
    int64_t rows = 0;

    for (int i = 1; i <= 60; i++) {
        if (i == 50) {
            bad_line = line;
            len += (size_t)sprintf(data + len, "%d,short\n", i);
        } else {
            len += (size_t)sprintf(data + len, "%d,\"two\nlines\",%d.5\n", i, i);
            line++;
        }
        line++;
    }
    write_file("data.csv", data, len);
    {
        run_opts ro = {.partition = 0, .npartitions = 2};
        text = run_source_with(FIX, OPTS("path=data.csv", "infer_rows=2"), 1024, BATCH_LINES, &ro);
        assert_false(has_error(text));
        free(text);
    }
    {
        run_opts ro = {.partition = 1, .npartitions = 2};
        text = run_source_with(FIX, OPTS("path=data.csv", "infer_rows=2"), 1024, BATCH_LINES, &ro);
        snprintf(expected, sizeof(expected),
                 "error: data.csv:%lld: expected 3 fields, found 2 [invalid]\n",
                 (long long)bad_line);
        assert_non_null(strstr(text, expected));
        free(text);
        /* The same without source lines asked for. */
        text = run_source_with(FIX, OPTS("path=data.csv", "infer_rows=2"), 1024, 0, &ro);
        assert_non_null(strstr(text, expected));
        free(text);
    }
    /* on_error = skip: the second part skips it and says so; the first
     * does not. */
    for (uint32_t p = 0; p < 2; p++) {
        run_opts ro = {.partition = p, .npartitions = 2, .stats = &stats[p]};
        text = run_source_with(FIX, OPTS("path=data.csv", "infer_rows=2", "on_error=skip"), 1024,
                               BATCH_LINES, &ro);
        assert_false(has_error(text));
        if (p == 0) {
            assert_null(strstr(text, "log: "));
        } else {
            snprintf(expected, sizeof(expected),
                     "log: info: source.csv: data.csv: skipped 1 bad row of %lld (on_error = "
                     "skip)\n",
                     (long long)(stats[1].rows + 1));
            assert_non_null(strstr(text, expected));
        }
        rows += stats[p].rows;
        free(text);
    }
    assert_int_equal(stats[0].rows_skipped, 0);
    assert_int_equal(stats[1].rows_skipped, 1);
    assert_int_equal(rows, 59);
    /* A bad value, in the last of 3 parts. */
    len = (size_t)sprintf(data, "n,v\n");
    line = 2;
    for (int i = 1; i <= 30; i++) {
        if (i == 28)
            bad_line = line;
        len += (size_t)sprintf(data + len, "%d,\"%s\"\n", i, i == 28 ? "x\ny" : "1.5");
        line += 1 + (i == 28);
    }
    write_file("data.csv", data, len);
    {
        run_opts ro = {.partition = 2, .npartitions = 3};
        text = run_source_with(FIX, OPTS("path=data.csv", "infer_rows=3"), 7, BATCH_LINES, &ro);
        snprintf(expected, sizeof(expected),
                 "error: data.csv:%lld: column 'v': 'x\\ny' does not fit decimal(1) (inferred from "
                 "the first 3 rows; set types = \"v:string\") [invalid]\n",
                 (long long)bad_line);
        assert_non_null(strstr(text, expected));
        free(text);
    }
}

/* project(): the columns read have the values a whole read gives; the
 * others are neither converted nor checked, but the field count is. */
static void test_project(void **state)
{
    static const char data[] = "a,b,c,d\n"
                               "1,x,2021-01-02,1.5\n"
                               "2,\"y,\"\"z\"\"\",2021-01-03,\n"
                               "3,,2021-01-04,-2.25\n"
                               "4,w,not a date,3\n";
    char *text;

    write_file("data.csv", data, sizeof(data) - 1);
    for (int streamed = 0; streamed < 2; streamed++) {
        run_opts ro = {.streamed = streamed, .columns = "b,d"};
        text = run_source_with(FIX, OPTS("path=data.csv", "infer_rows=3"), 2, BATCH_LINES, &ro);
        assert_string_equal(text, "a:int\tb:string\tc:date\td:decimal(2)\n"
                                  "2: -\tx\t-\t1.50\n"
                                  "3: -\ty,\"z\"\t-\t\\N\n"
                                  "4: -\t\\N\t-\t-2.25\n"
                                  "5: -\tw\t-\t3.00\n");
        free(text);
    }
    /* Read whole, 'not a date' fails its column. */
    text = run_source(FIX, OPTS("path=data.csv", "infer_rows=3"), 2, BATCH_LINES);
    assert_non_null(strstr(text, "error: data.csv:5: column 'c': 'not a date' does not fit date"));
    free(text);
    /* No column at all: rows are still counted, and their fields. */
    {
        run_opts ro = {.columns = ""};
        write_file("data.csv", "a,b\n1,2\n3,4\n5\n", 14);
        text = run_source_with(FIX, OPTS("path=data.csv", "infer_rows=1"), 8, BATCH_LINES, &ro);
        assert_string_equal(text, "a:int\tb:int\n"
                                  "error: data.csv:4: expected 2 fields, found 1 [invalid]\n");
        free(text);
    }
    /* A projection of the wrong width is the kernel's bug. */
    {
        const quire_source_ops *ops = &FIX->rec->ops.source;
        quire_option options[] = {
            {.key = "path", .value = "data.csv", .file = "r.qr", .line = 1},
            {.key = "infer_rows", .value = "1", .file = "r.qr", .line = 2},
        };
        quire_source_args args = {.size = sizeof(args), .options = options, .noptions = 2};
        quire_error err = {0};
        uint8_t needed[3] = {1, 1, 1};
        void *instance;
        assert_true(ops->caps & QUIRE_SOURCE_CAN_PROJECT);
        assert_int_equal(ops->open(FIX->rec->state_ptr, &args, &instance, &err), QUIRE_OK);
        assert_int_equal(ops->project(instance, needed, 3, &err), QUIRE_ERR);
        assert_string_equal(err.msg, "csv: data.csv: project() got 3 columns; the schema has 2");
        assert_int_equal(err.code, QUIRE_E_INTERNAL);
        ops->close(instance);
    }
}

/* stats(): rows, skipped rows, and bytes of the whole file or of a part. */
static void test_stats(void **state)
{
    static const char data[] = "n,v\n1,1.5\n2,x\n3,2.5\n4\n5,3.5\n6,4.5\n7,5.5\n8,6.5\n";
    const int64_t size = sizeof(data) - 1;
    quire_source_stats st;
    char *text;

    write_file("data.csv", data, (size_t)size);
    for (int streamed = 0; streamed < 2; streamed++) {
        run_opts ro = {.streamed = streamed, .stats = &st};
        text = run_source_with(FIX, OPTS("path=data.csv", "on_error=skip", "types=v:decimal(1)"), 3,
                               BATCH_LINES, &ro);
        free(text);
        assert_int_equal(st.rows, 6);
        assert_int_equal(st.rows_skipped, 2);
        assert_int_equal(st.bytes_read, size);
        assert_int_equal(st.bytes_total, size);
    }
    for (uint32_t n = 2; n <= 5; n++) {
        int64_t rows = 0, skipped = 0, bytes = 0;
        for (uint32_t p = 0; p < n; p++) {
            run_opts ro = {.partition = p, .npartitions = n, .stats = &st};
            text =
                run_source_with(FIX, OPTS("path=data.csv", "on_error=skip", "types=v:decimal(1)"),
                                3, BATCH_LINES, &ro);
            free(text);
            assert_int_equal(st.bytes_read, st.bytes_total);
            rows += st.rows;
            skipped += st.rows_skipped;
            bytes += st.bytes_total;
        }
        assert_int_equal(rows, 6);
        assert_int_equal(skipped, 2);
        assert_int_equal(bytes, size);
    }
    /* A 1.0 kernel's smaller struct: only what fits is written. */
    {
        const quire_source_ops *ops = &FIX->rec->ops.source;
        quire_option options[] = {
            {.key = "path", .value = "data.csv", .file = "r.qr", .line = 1},
            {.key = "on_error", .value = "skip", .file = "r.qr", .line = 2},
        };
        quire_source_args args = {.size = sizeof(args), .options = options, .noptions = 2};
        quire_error err = {0};
        void *instance;
        memset(&st, 0x5a, sizeof(st));
        st.size = (uint32_t)offsetof(quire_source_stats, bytes_read);
        assert_int_equal(ops->open(FIX->rec->state_ptr, &args, &instance, &err), QUIRE_OK);
        ops->stats(instance, &st);
        /* Before any next(): the sample met the short row; the value that
         * does not fit is found when its row is converted. */
        assert_int_equal(st.rows, 0);
        assert_int_equal(st.rows_skipped, 1);
        assert_int_equal(st.bytes_read, 0x5a5a5a5a5a5a5a5a);
        ops->close(instance);
    }
}

/* A relative path resolves against base_dir; messages name both. */
static void test_base_dir(void **state)
{
    char abs_path[PATH_MAX * 2], *text;

    assert_int_equal(mkdir("defs", 0755), 0);
    write_file("defs/b.csv", "x,y\n1,2\n3\n", 10);
    {
        run_opts ro = {.base_dir = "defs"};
        text = run_source_with(FIX, OPTS("path=b.csv", "on_error=skip"), 8, BATCH_LINES, &ro);
        assert_string_equal(text, "x:int\ty:int\n2: 1\t2\n"
                                  "log: info: source.csv: b.csv (defs/b.csv): skipped 1 bad row of "
                                  "2 (on_error = skip)\n");
        free(text);
        text = run_source_with(FIX, OPTS("path=b.csv"), 8, BATCH_LINES, &ro);
        assert_string_equal(text, "error: b.csv (defs/b.csv):3: expected 2 fields, found 1 "
                                  "[invalid]\n");
        free(text);
        text = run_source_with(FIX, OPTS("path=c.csv"), 8, BATCH_LINES, &ro);
        assert_string_equal(text, "error: c.csv (defs/c.csv): cannot open: No such file or "
                                  "directory [io]\n");
        free(text);
    }
    {
        /* A trailing slash; an absolute path ignores base_dir. */
        run_opts ro = {.base_dir = "defs/"};
        const char *opts[] = {abs_path, "on_error=skip", NULL};
        text = run_source_with(FIX, OPTS("path=b.csv", "on_error=skip"), 8, BATCH_LINES, &ro);
        assert_non_null(strstr(text, "2: 1\t2\n"));
        free(text);
        snprintf(abs_path, sizeof(abs_path), "path=%s/defs/b.csv", FIX->dir);
        ro.base_dir = "elsewhere";
        text = run_source_with(FIX, opts, 8, 0, &ro);
        assert_non_null(strstr(text, "x:int\ty:int\n"));
        assert_null(strstr(text, "elsewhere"));
        free(text);
    }
    {
        /* No base_dir, or a 1.0 kernel's args (which have none): the
         * working directory. */
        run_opts ro = {.base_dir = "defs", .abi_1_0 = 1};
        text = run_source_with(FIX, OPTS("path=b.csv"), 8, 0, &ro);
        assert_string_equal(text, "error: b.csv: cannot open: No such file or directory [io]\n");
        free(text);
        ro.base_dir = "";
        ro.abi_1_0 = 0;
        text = run_source_with(FIX, OPTS("path=b.csv"), 8, 0, &ro);
        assert_string_equal(text, "error: b.csv: cannot open: No such file or directory [io]\n");
        free(text);
    }
    assert_int_equal(unlink("defs/b.csv"), 0);
    assert_int_equal(rmdir("defs"), 0);
}

/* Partitions need the file mapped: with mmap = no the first part reads it
 * all and the others nothing; a part number past the count is refused. */
static void test_parts_without_mmap(void **state)
{
    char *text;

    write_file("data.csv", "a\n1\n2\n3\n4\n", 10);
    for (uint32_t p = 0; p < 3; p++) {
        run_opts ro = {.streamed = 1, .partition = p, .npartitions = 3};
        text = run_source_with(FIX, OPTS("path=data.csv"), 8, BATCH_LINES, &ro);
        assert_string_equal(text, p == 0 ? "a:int\n2: 1\n3: 2\n4: 3\n5: 4\n" : "a:int\n");
        free(text);
    }
    {
        run_opts ro = {.partition = 3, .npartitions = 3};
        text = run_source_with(FIX, OPTS("path=data.csv"), 8, BATCH_LINES, &ro);
        assert_string_equal(text, "error: csv: asked for part 3 of 3 (parts count from 0) "
                                  "[internal]\n");
        free(text);
    }
    assert_true(FIX->rec->ops.source.caps & QUIRE_SOURCE_CAN_PARTITION);
}

/* A bigger file in parts: the rows of a multi-line, quoted file, in order. */
static void test_parts_many_rows(void **state)
{
    size_t cap = 400000, len;
    char *data = malloc(cap), *text;
    uint32_t n = 4;
    int64_t next_n = 1, line = 2, rows = 0;

    assert_non_null(data);
    len = (size_t)sprintf(data, "n,s\n");
    for (int i = 1; len + 100 < cap; i++)
        len += (size_t)sprintf(data + len, i % 7 == 0 ? "%d,\"a\n\"\"b\"\"\"\n" : "%d,c\n", i);
    write_file("many.csv", data, len);
    for (uint32_t p = 0; p < n; p++) {
        run_opts ro = {.partition = p, .npartitions = n};
        char *save = NULL, *row;
        text = run_source_with(FIX, OPTS("path=many.csv", "infer_rows=10"), 500, BATCH_LINES, &ro);
        assert_false(has_error(text));
        /* Every part has rows: the file is much bigger than a row. */
        assert_non_null(strchr(text, ':'));
        for (row = strtok_r(text, "\n", &save); row != NULL; row = strtok_r(NULL, "\n", &save)) {
            long long src_line, value;
            if (strncmp(row, "n:int", 5) == 0)
                continue;
            assert_int_equal(sscanf(row, "%lld: %lld", &src_line, &value), 2);
            assert_int_equal(value, next_n);
            assert_int_equal(src_line, line);
            line += 1 + (next_n % 7 == 0);
            next_n++;
            rows++;
        }
        free(text);
    }
    assert_int_equal(rows, next_n - 1);
    assert_true(rows > 10000);
    free(data);
}

/* ============================== Read-ahead ================================ */

/* "id,note,amount" rows 1..n: every third note quoted (a copy in the
 * streamed read, a slice of the file in the mapped one), amounts i*3 cents. */
static char *ahead_data(int n, size_t *len)
{
    size_t cap = (size_t)n * 48 + 32;
    char *data = malloc(cap);

    assert_non_null(data);
    *len = (size_t)sprintf(data, "id,note,amount\n");
    for (int i = 1; i <= n; i++)
        *len +=
            (size_t)sprintf(data + *len, i % 3 == 0 ? "%d,\"n %d\",%d.%02d\n" : "%d,n%d,%d.%02d\n",
                            i, i, i * 3 / 100, i * 3 % 100);
    return data;
}

/* Many more batches than the two read-ahead buffers: every row, in order,
 * at every capacity, mapped and streamed, as computed here. */
static void test_ahead_many_batches(void **state)
{
    const int n = 3000;
    size_t len, elen = 0;
    char *data = ahead_data(n, &len), *expected = malloc((size_t)n * 48 + 64), *text;
    quire_source_stats st;
    run_opts ro = {.stats = &st};

    assert_non_null(expected);
    elen = (size_t)sprintf(expected, "id:int\tnote:string\tamount:decimal(2)\n");
    for (int i = 1; i <= n; i++)
        elen += (size_t)sprintf(expected + elen,
                                i % 3 == 0 ? "%d: %d\tn %d\t%d.%02d\n" : "%d: %d\tn%d\t%d.%02d\n",
                                i + 1, i, i, i * 3 / 100, i * 3 % 100);
    text = run_csv(FIX, data, len, OPTS("infer_rows=5"));
    assert_string_equal(text, expected);
    free(text);
    /* stats() counts what was handed out, not what was read ahead. */
    text = run_source_with(FIX, OPTS("path=data.csv", "infer_rows=5"), 7, BATCH_LINES, &ro);
    assert_string_equal(text, expected);
    assert_int_equal(st.rows, n);
    assert_int_equal(st.bytes_read, (int64_t)len);
    free(text);
    free(expected);
    free(data);
}

/* A bad row in the third batch fails the third next(), with rows 1..8
 * before it, and every later next() the same way. */
static void test_ahead_error_in_batch_3(void **state)
{
    static const char data[] = "a,b\n1,x\n2,x\n3,x\n4,x\n5,x\n6,x\n7,x\n8,x\n9,x\n10\n11,x\n"
                               "12,x\n13,x\n14,x\n";
    static const char message[] = "data.csv:11: expected 2 fields, found 1";
    const quire_source_ops *ops = &FIX->rec->ops.source;
    quire_source_stats st = {.size = sizeof(st)};
    quire_error err = {0};
    const quire_column_info *columns;
    size_t ncolumns;
    source_run run;
    void *instance = NULL;
    quire_batch *batch;
    int64_t delivered = 0;

    for (int streamed = 0; streamed < 2; streamed++) {
        write_file("data.csv", data, sizeof(data) - 1);
        run_begin(FIX, &run, OPTS("path=data.csv", "infer_rows=2"), "sales", 4);
        assert_int_equal(
            ops->open(streamed ? FIX->alt_state : FIX->rec->state_ptr, &run.args, &instance, &err),
            QUIRE_OK);
        assert_int_equal(ops->schema(instance, &columns, &ncolumns, &err), QUIRE_OK);
        batch = batch_new(columns, ncolumns, 4, BATCH_LINES);
        assert_non_null(batch);
        delivered = 0;
        for (int call = 1; call <= 2; call++) {
            batch_reset(batch);
            assert_int_equal(ops->next(instance, batch, &err), QUIRE_OK);
            assert_int_equal(batch->rows, 4);
            assert_int_equal(batch->first_row, delivered + 1);
            for (uint32_t r = 0; r < 4; r++) {
                assert_int_equal(batch->columns[0].v.i64[r], delivered + 1);
                assert_int_equal(batch->source_line[r], delivered + 2);
                delivered++;
            }
        }
        for (int call = 3; call <= 4; call++) {
            batch_reset(batch);
            memset(&err, 0, sizeof(err));
            assert_int_equal(ops->next(instance, batch, &err), QUIRE_ERR);
            assert_int_equal(batch->rows, 0);
            assert_int_equal(err.code, QUIRE_E_INVALID);
            assert_string_equal(err.msg, message);
        }
        ops->stats(instance, &st);
        assert_int_equal(st.rows, 8);
        ops->close(instance);
        batch_free(batch);
        free(run_end(FIX, &run));
    }
}

/* Closing after the first batch, while the read-ahead waits for a buffer,
 * neither hangs nor leaks (ASan); nor does closing before any next(). */
static void test_ahead_close_early(void **state)
{
    const quire_source_ops *ops = &FIX->rec->ops.source;
    quire_error err = {0};
    const quire_column_info *columns;
    size_t ncolumns, len;
    char *data = ahead_data(2000, &len);
    source_run run;
    void *instance = NULL;
    quire_batch *batch;

    write_file("data.csv", data, len);
    free(data);
    for (int reads = 0; reads < 2; reads++) {
        run_begin(FIX, &run, OPTS("path=data.csv", "infer_rows=5"), "sales", 7);
        assert_int_equal(ops->open(FIX->rec->state_ptr, &run.args, &instance, &err), QUIRE_OK);
        assert_int_equal(ops->schema(instance, &columns, &ncolumns, &err), QUIRE_OK);
        batch = batch_new(columns, ncolumns, 7, BATCH_LINES);
        assert_non_null(batch);
        if (reads > 0) {
            assert_int_equal(ops->next(instance, batch, &err), QUIRE_OK);
            assert_int_equal(batch->rows, 7);
            for (uint32_t r = 0; r < 7; r++)
                assert_int_equal(batch->columns[0].v.i64[r], r + 1);
            /* Let the thread fill the other buffer and wait for this one. */
            usleep(20000);
        }
        ops->close(instance);
        batch_free(batch);
        free(run_end(FIX, &run));
    }
}

/* ============================== Main ====================================== */

#define T(fn) cmocka_unit_test_setup(fn, test_setup)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_basic),
        T(test_quoted_fields),
        T(test_embedded_newlines_keep_line_numbers),
        T(test_crlf_line_ends),
        T(test_last_line_without_newline),
        T(test_bom_skipped),
        T(test_empty_lines_skipped),
        T(test_trailing_delimiter_is_an_empty_field),
        T(test_delimiters_and_quotes),
        T(test_header_no),
        T(test_header_names),
        T(test_empty_and_header_only),
        T(test_ragged_rows),
        T(test_quote_in_unquoted_field),
        T(test_text_after_closing_quote),
        T(test_unterminated_quote),
        T(test_bare_carriage_return),
        T(test_invalid_utf8),
        T(test_max_field_size),
        T(test_max_columns),
        T(test_infer_each_type),
        T(test_infer_narrowest),
        T(test_infer_all_null_is_string),
        T(test_value_outside_sample),
        T(test_more_rows_than_sample),
        T(test_exact_decimal_sum),
        T(test_types_override),
        T(test_types_override_bad_value),
        T(test_types_option_errors),
        T(test_nulls),
        T(test_dates),
        T(test_date_day_numbers),
        T(test_timestamps),
        T(test_option_errors),
        T(test_cannot_open),
        T(test_option_location_without_line),
        T(test_skip_bad_rows),
        T(test_read_buffer_boundaries),
        T(test_estimate),
        T(test_admin_infer_rows),
        T(test_messages_show_values_safely),
        T(test_parts_split_inside_quotes),
        T(test_parts_edge_files),
        T(test_parts_bad_row_lines),
        T(test_project),
        T(test_stats),
        T(test_base_dir),
        T(test_parts_without_mmap),
        T(test_parts_many_rows),
        T(test_ahead_many_batches),
        T(test_ahead_error_in_batch_3),
        T(test_ahead_close_early),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
