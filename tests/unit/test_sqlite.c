/*
 * test_sqlite.c - the sqlite source plugin (plugins/sqlite), driven through
 * the real build/plugins/sqlite.so as the kernel drives it: loaded with
 * kernel_load_path, configured, initialised through its descriptor, then
 * opened (with sort keys and predicates when a case pushes them down) and
 * pulled through its source ops into batches from kernel/batch.c.
 *
 * Databases are built by the sqlite3 command-line shell (Debian package
 * sqlite3) from SQL in each case, in a scratch directory that is the
 * current directory while the tests run. A run's text is the schema line,
 * one line per row (cells as batch_format_cell writes them, tab-separated),
 * "ordered" when ordered() said so, an "error: MESSAGE [code]" line if the
 * source failed and "log: ..." lines the plugin logged. Each case reads
 * with batches of 1, 3 and 1024 rows, which must agree. Expected texts are
 * worked out by hand from the SQL.
 *
 * QUIRE_BUILD (default "build") says where sqlite.so is.
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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "source_harness.h"

/* ============================== Fixture =================================== */

static int group_setup(void **state)
{
    return source_group_setup(state, "sqlite", NULL);
}

/* ============================== Databases ================================= */

/* Creates database `name` afresh by running `sql` in the sqlite3 shell. */
static void make_db(const char *name, const char *sql)
{
    char cmd[PATH_MAX + 64];
    FILE *shell;

    unlink(name);
    snprintf(cmd, sizeof(cmd), "sqlite3 -batch -bail '%s' > /dev/null", name);
    shell = popen(cmd, "w");
    assert_non_null(shell);
    fputs(sql, shell);
    assert_int_equal(pclose(shell), 0);
}

/* ============================== Running the source ======================== */

/* What a run pushes down. */
typedef struct pushdown {
    const quire_sort_key *sort;
    size_t nsort;
    const quire_predicate *filter;
    size_t nfilter;
    const uint8_t *needed; /* project() mask, or NULL */
} pushdown;

/* Runs the source with these options, batches of `capacity` rows and the
 * pushdown; returns the text described at the top (caller frees). */
static char *run_source(fixture *f, const char *const *texts, uint32_t capacity,
                        const pushdown *push)
{
    const quire_source_ops *ops = &f->rec->ops.source;
    quire_error err = {0};
    void *instance = NULL;
    source_run run;

    run_begin(f, &run, texts, "orders", capacity);
    if (push != NULL) {
        run.args.sort = push->sort;
        run.args.nsort = push->nsort;
        run.args.filter = push->filter;
        run.args.nfilter = push->nfilter;
    }
    if (ops->open(f->rec->state_ptr, &run.args, &instance, &err) != QUIRE_OK) {
        assert_null(instance);
        put_error(run.out, &err);
    } else {
        const uint8_t *needed = push != NULL ? push->needed : NULL;
        const quire_column_info *columns;
        size_t ncolumns;

        assert_int_equal(ops->schema(instance, &columns, &ncolumns, &err), QUIRE_OK);
        print_schema(run.out, columns, ncolumns);
        if (needed != NULL)
            assert_int_equal(ops->project(instance, needed, ncolumns, &err), QUIRE_OK);
        if (ops->ordered(instance))
            fprintf(run.out, "ordered\n");
        drain_rows(ops, instance, columns, ncolumns, capacity, BATCH_LINES, needed, ROWS_NO_LINES,
                   run.out);
        ops->close(instance);
    }
    return run_end(f, &run);
}

/* Drops the row lines of a failed run (how many came first depends on the
 * batch size): rows are the lines that are not schema, error or log. */
static void drop_rows_after_schema_if_failed(char *text)
{
    char *src, *dst;

    if (strncmp(text, "error: ", 7) != 0 && strstr(text, "\nerror: ") == NULL)
        return;
    src = strchr(text, '\n');
    if (src == NULL)
        return;
    dst = ++src;
    while (*src) {
        char *eol = strchr(src, '\n');
        size_t n = eol ? (size_t)(eol - src) + 1 : strlen(src);
        if (strncmp(src, "error: ", 7) == 0 || strncmp(src, "log: ", 5) == 0 ||
            strncmp(src, "ordered\n", 8) == 0) {
            memmove(dst, src, n);
            dst += n;
        }
        src += n;
    }
    *dst = '\0';
}

static const uint32_t capacities[] = {1, 3, 1024};

/* Runs at every capacity, checks they agree, compares with `expected`. */
static void check_push(fixture *f, const char *const *texts, const pushdown *push,
                       const char *expected)
{
    char *first = NULL;

    for (size_t i = 0; i < sizeof(capacities) / sizeof(capacities[0]); i++) {
        char *text = run_source(f, texts, capacities[i], push);
        if (strncmp(text, "error: ", 7) != 0)
            drop_rows_after_schema_if_failed(text);
        if (first == NULL) {
            first = text;
            continue;
        }
        if (strcmp(text, first) != 0)
            fail_msg("capacity %u gave\n%s\ncapacity 1 gave\n%s", (unsigned)capacities[i], text,
                     first);
        free(text);
    }
    assert_string_equal(first, expected);
    free(first);
}

#define CHECK(f, opts, expected)          check_push((f), (opts), NULL, (expected))
#define CHECK_PUSH(f, opts, push, expect) check_push((f), (opts), (push), (expect))

/* ============================== Types ===================================== */

static void test_declared_types(void **state)
{
    make_db("t.db", "CREATE TABLE t(i INTEGER, bi BIGINT, r REAL, d DOUBLE PRECISION, fl FLOAT,"
                    " dec DECIMAL(10,2), num numeric ( 8 , 3 ), n5 NUMERIC(5), txt TEXT,"
                    " vc VARCHAR(20), dt DATE, ts TIMESTAMP, dtt DATETIME, b BOOLEAN, bl BLOB,"
                    " untyped, nm NUMERIC);"
                    "INSERT INTO t VALUES (1, 9223372036854775807, 1.5, 2.25, -0.5, 12.5, 1.25,"
                    " 42, 'x', 'y', '2024-02-29', '2024-02-29 10:00:00',"
                    " '2024-02-29T10:00:00+02:00', 1, X'6869', 'n', 7);"
                    "INSERT INTO t VALUES (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
                    " NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);"
                    "INSERT INTO t VALUES (-2, 0, 3, 0, 1e300, '0.1', 7, -1, 5, '', '1970-01-01',"
                    " '1969-12-31T23:59:59.999999Z', '2000-01-01 00:00:00.5', 0, '', 'é', 8);");
    /* The untyped and BLOB columns and NUMERIC without digits are inferred:
     * text -> string, integers -> int. Numbers in a text column read as
     * SQLite prints them. */
    CHECK(FIX, OPTS("database=t.db", "table=t"),
          "i:int\tbi:int\tr:float\td:float\tfl:float\tdec:decimal(2)\tnum:decimal(3)\t"
          "n5:decimal(0)\ttxt:string\tvc:string\tdt:date\tts:timestamp\tdtt:timestamp\tb:bool\t"
          "bl:string\tuntyped:string\tnm:int\n"
          "1\t9223372036854775807\t1.5\t2.25\t-0.5\t12.50\t1.250\t42\tx\ty\t2024-02-29\t"
          "2024-02-29T10:00:00Z\t2024-02-29T08:00:00Z\ttrue\thi\tn\t7\n"
          "\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\n"
          "-2\t0\t3\t0\t1e+300\t0.10\t7.000\t-1\t5\t\t1970-01-01\t1969-12-31T23:59:59.999999Z\t"
          "2000-01-01T00:00:00.500000Z\tfalse\t\té\t8\n");
}

static void test_inferred_types(void **state)
{
    make_db("t.db", "CREATE TABLE m(a, b, c, d, e);"
                    "INSERT INTO m VALUES (1, 1, 'x', '2024-01-31', '2024-01-31');"
                    "INSERT INTO m VALUES (2, 2.5, 3, NULL, '2024-01-31 10:00:00');");
    /* Expressions have no declared type either. */
    CHECK(FIX,
          OPTS("database=t.db",
               "query=SELECT 1 + 1 AS i, 1.5 * 2 AS f, 'x' || 'y' AS s, date('2024-01-31') AS d,"
               " datetime('2024-01-31 10:00:00') AS ts, NULL AS n"),
          "i:int\tf:float\ts:string\td:date\tts:timestamp\tn:string\n"
          "2\t3\txy\t2024-01-31\t2024-01-31T10:00:00Z\t\\N\n");
    /* Integers and reals -> float; text and a number -> string. */
    CHECK(FIX, OPTS("database=t.db", "table=m"),
          "a:int\tb:float\tc:string\td:date\te:timestamp\n"
          "1\t1\tx\t2024-01-31\t2024-01-31T00:00:00Z\n"
          "2\t2.5\t3\t\\N\t2024-01-31T10:00:00Z\n");
    /* A value past the sample that does not fit: the hint says what the
     * sample would have said with it. */
    CHECK(FIX, OPTS("database=t.db", "table=m", "infer_rows=1"),
          "a:int\tb:int\tc:string\td:date\te:date\n"
          "error: t.db: row 2: column 'b': '2.5' is not an int (inferred from the first 1 rows; "
          "set types = \"b:float\") [invalid]\n");
}

static void test_conversions(void **state)
{
    /* Exact decimals from reals as SQLite prints them (15 digits): 0.1 +
     * 0.2 is 0.3; 12.345 does not fit decimal(2). An integral real is an
     * int; 2 is not a bool. */
    make_db("t.db", "CREATE TABLE t(a DECIMAL(10,2), i INTEGER, b BOOLEAN, s TEXT);"
                    "INSERT INTO t VALUES (0.1 + 0.2, 3.0, 1, 'ok');"
                    "INSERT INTO t VALUES (12.345, 4, 0, 'fine');"
                    "INSERT INTO t VALUES (1, 5.5, 1, 'x');"
                    "INSERT INTO t VALUES (2, 6, 2, 'y');"
                    "INSERT INTO t VALUES (3, 7, 'yes', CAST(X'61FF' AS TEXT));"
                    "INSERT INTO t VALUES ('1e2', 8, 'no', 'z');");
    CHECK(FIX, OPTS("database=t.db", "query=SELECT a FROM t WHERE rowid <= 2"),
          "a:decimal(2)\n"
          "error: t.db: row 2: column 'a': '12.345' is not a decimal(2) (declared DECIMAL(10,2); "
          "set types = \"a:string\" to read it as text) [invalid]\n");
    /* Row 6: the column's NUMERIC affinity stored '1e2' as the integer
     * 100, and 'no' is a bool's text. */
    CHECK(FIX, OPTS("database=t.db", "table=t", "on_error=skip"),
          "a:decimal(2)\ti:int\tb:bool\ts:string\n"
          "0.30\t3\ttrue\tok\n"
          "100.00\t8\tfalse\tz\n"
          "log: info: source.sqlite: t.db: skipped 4 bad rows of 6 (on_error = skip)\n");
    CHECK(FIX, OPTS("database=t.db", "query=SELECT s FROM t WHERE rowid = 5"),
          "s:string\n"
          "error: t.db: row 1: column 's': invalid UTF-8 at byte 2 [invalid]\n");
    CHECK(FIX, OPTS("database=t.db", "query=SELECT b FROM t WHERE rowid >= 5"),
          "b:bool\ntrue\nfalse\n");
}

static void test_types_override(void **state)
{
    make_db("t.db", "CREATE TABLE t(code TEXT, amount TEXT, day TEXT, n INTEGER);"
                    "INSERT INTO t VALUES ('007', '12.50', '2024-01-02', 1);"
                    "INSERT INTO t VALUES ('8', '3', '2024-01-03 10:00:00', 2);");
    CHECK(FIX,
          OPTS("database=t.db", "table=t",
               "types=code:int, amount:decimal(2), day:timestamp, n:string"),
          "code:int\tamount:decimal(2)\tday:timestamp\tn:string\n"
          "7\t12.50\t2024-01-02T00:00:00Z\t1\n"
          "8\t3.00\t2024-01-03T10:00:00Z\t2\n");
    CHECK(FIX, OPTS("database=t.db", "table=t", "types=day:date"),
          "code:string\tamount:string\tday:date\tn:int\n"
          "error: t.db: row 2: column 'day': '2024-01-03 10:00:00' is not a date (set by types "
          "at report.qr:3:5) [invalid]\n");
    CHECK(FIX, OPTS("database=t.db", "table=t", "types=nope:int"),
          "error: report.qr:3:5: sqlite: types: no column 'nope' in the result (columns: code, "
          "amount, day, n) [invalid]\n");
    CHECK(FIX, OPTS("database=t.db", "table=t", "types=n:integer"),
          "error: report.qr:3:5: sqlite: types: 'integer' in 'n:integer' is not a type (bool, "
          "int, decimal(SCALE), float, string, date, timestamp; SCALE 0..18) [invalid]\n");
}

/* ============================== Queries and parameters ==================== */

static void test_bind_values(void **state)
{
    make_db("t.db", "CREATE TABLE t(x);");
    /* Integers bind as int64, other numbers as double, the rest as text;
     * 007 keeps its zeros as text. */
    CHECK(FIX,
          OPTS("database=t.db",
               "query=SELECT typeof(:i) AS i, :i + 1 AS next, typeof(:neg) AS neg, typeof(:f) AS f,"
               " :f * 2 AS twice, typeof(:e) AS e, typeof(:t) AS t, typeof(@z) AS z, :z AS zv,"
               " typeof($big) AS big, typeof(:empty) AS empty, :t AS tv",
               "bind_i=41", "bind_neg=-3", "bind_f=1.25", "bind_e=1e3", "bind_t=north",
               "bind_z=007", "bind_big=99999999999999999999", "bind_empty="),
          "i:string\tnext:int\tneg:string\tf:string\ttwice:float\te:string\tt:string\tz:string\t"
          "zv:string\tbig:string\tempty:string\ttv:string\n"
          "integer\t42\tinteger\treal\t2.5\treal\ttext\ttext\t007\treal\ttext\tnorth\n");
    /* The same parameter twice, and a table query with parameters. */
    make_db("t.db", "CREATE TABLE o(region TEXT, amount INTEGER);"
                    "INSERT INTO o VALUES ('north', 5), ('south', 7), ('north', 9);");
    CHECK(FIX,
          OPTS("database=t.db",
               "query=SELECT amount FROM o WHERE region = :r AND amount > :min OR amount = :min",
               "bind_r=north", "bind_min=7"),
          "amount:int\n7\n9\n");
}

static void test_bind_errors(void **state)
{
    make_db("t.db", "CREATE TABLE o(a);");
    CHECK(FIX, OPTS("database=t.db", "query=SELECT a FROM o WHERE a = :region"),
          "error: report.qr:2:5: sqlite: query: parameter :region has no value (set "
          "bind_region) [invalid]\n");
    CHECK(FIX, OPTS("database=t.db", "query=SELECT :a, :b", "bind_a=1", "bind_b=2", "bind_c=3"),
          "error: report.qr:5:5: sqlite: bind_c: the query has no parameter :c (its "
          "parameters: :a, :b) [invalid]\n");
    CHECK(FIX, OPTS("database=t.db", "table=o", "bind_x=1"),
          "error: report.qr:3:5: sqlite: bind_x: the table has no parameter :x (it has none) "
          "[invalid]\n");
    CHECK(FIX, OPTS("database=t.db", "query=SELECT a FROM o WHERE a = ?"),
          "error: report.qr:2:5: sqlite: query: parameter 1 has no name (write :NAME and set "
          "bind_NAME) [invalid]\n");
    CHECK(FIX, OPTS("database=t.db", "query=SELECT :a, ?2", "bind_a=1"),
          "error: report.qr:2:5: sqlite: query: parameter 2 has no name (write :NAME and set "
          "bind_NAME) [invalid]\n");
    CHECK(FIX, OPTS("database=t.db", "query=SELECT 1", "bind_=1"),
          "error: report.qr:3:5: sqlite: option 'bind_': '' is not a parameter name (letters, "
          "digits and _) [invalid]\n");
    CHECK(FIX, OPTS("database=t.db", "query=SELECT :a", "bind_a=1", "bind_a=2"),
          "error: report.qr:4:5: sqlite: option 'bind_a' is given twice (first at "
          "report.qr:3:5) [invalid]\n");
}

static void test_query_errors(void **state)
{
    make_db("t.db", "CREATE TABLE orders(a);");
    CHECK(FIX, OPTS("database=t.db", "query=SELECT * FROM orderz"),
          "error: report.qr:2:5: sqlite: query: no such table: orderz [invalid]\n");
    CHECK(FIX, OPTS("database=t.db", "table=orderz"),
          "error: report.qr:2:5: sqlite: table: no such table: orderz [invalid]\n");
    CHECK(FIX, OPTS("database=t.db", "query=SELEC 1"),
          "error: report.qr:2:5: sqlite: query: near \"SELEC\": syntax error [invalid]\n");
    CHECK(FIX, OPTS("database=t.db", "query=SELECT 1; DELETE FROM orders"),
          "error: report.qr:2:5: sqlite: query: only one statement is allowed (found 'DELETE "
          "FROM orders' after the first) [invalid]\n");
    CHECK(FIX, OPTS("database=t.db", "query=DELETE FROM orders"),
          "error: report.qr:2:5: sqlite: query: is not read-only (write a SELECT) [invalid]\n");
    CHECK(FIX, OPTS("database=t.db", "query=COMMIT"),
          "error: report.qr:2:5: sqlite: query: returns no columns (write a SELECT) [invalid]\n");
    CHECK(FIX, OPTS("database=t.db", "query=-- nothing"),
          "error: report.qr:2:5: sqlite: query: has no statement (write a SELECT) [invalid]\n");
    CHECK(FIX, OPTS("database=t.db", "query=SELECT 1 AS a, 2 AS a"),
          "error: report.qr:2:5: sqlite: query: column 2 has the same name as column 1: 'a' "
          "(rename one with AS) [invalid]\n");
    /* A runtime error while stepping. */
    CHECK(FIX,
          OPTS("database=t.db", "query=SELECT abs(-9223372036854775807 - 1) AS x", "types=x:int"),
          "x:int\n"
          "error: report.qr:2:5: sqlite: query: integer overflow [io]\n");
    /* A trailing ';' and comments are fine. */
    CHECK(FIX, OPTS("database=t.db", "query=SELECT 1 AS one; -- done"), "one:int\n1\n");
    /* Tables with awkward names are quoted. */
    make_db("t.db", "CREATE TABLE \"we\"\"ird t\"(a); INSERT INTO \"we\"\"ird t\" VALUES (1);");
    CHECK(FIX, OPTS("database=t.db", "table=we\"ird t"), "a:int\n1\n");
}

static void test_database_errors(void **state)
{
    FILE *fp;

    CHECK(FIX, OPTS("database=missing.db", "table=t"),
          "error: missing.db: cannot open: No such file or directory [io]\n");
    /* Read-only: the missing file was not created. */
    assert_int_equal(access("missing.db", F_OK), -1);
    mkdir("adir", 0755);
    CHECK(FIX, OPTS("database=adir", "table=t"), "error: adir: cannot open: Is a directory [io]\n");
    fp = fopen("text.db", "w");
    assert_non_null(fp);
    fputs("this is not a database, just some text that is long enough for a header\n", fp);
    fclose(fp);
    CHECK(FIX, OPTS("database=text.db", "table=t"),
          "error: report.qr:1:5: sqlite: database: text.db: file is not a database [io]\n");
}

/* A locked database: the busy timeout waits, then fails. */
static void test_busy_timeout(void **state)
{
    char *text = NULL;
    FILE *shell;
    struct timespec t0, t1;
    long waited_ms;

    make_db("lock.db",
            "PRAGMA journal_mode = DELETE; CREATE TABLE t(a); INSERT INTO t VALUES (1);");
    shell = popen("sqlite3 -batch lock.db > /dev/null", "w");
    assert_non_null(shell);
    fputs("BEGIN EXCLUSIVE;\nINSERT INTO t VALUES (2);\n", shell);
    fflush(shell);
    /* Wait (bounded) until the shell holds the lock. */
    for (int i = 0; i < 200; i++) {
        free(text);
        text = run_source(FIX, OPTS("database=lock.db", "table=t", "busy_timeout_ms=0"), 16, NULL);
        if (strncmp(text, "error: ", 7) == 0)
            break;
        usleep(20000);
    }
    assert_string_equal(text, "error: report.qr:1:5: sqlite: database: lock.db: database is "
                              "locked [io]\n");
    free(text);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    text = run_source(FIX, OPTS("database=lock.db", "table=t", "busy_timeout_ms=300"), 16, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    waited_ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    assert_string_equal(text, "error: report.qr:1:5: sqlite: database: lock.db: database is "
                              "locked [io]\n");
    assert_true(waited_ms >= 250);
    free(text);
    fputs("ROLLBACK;\n", shell);
    assert_int_equal(pclose(shell), 0);
    /* Unlocked: the rolled-back row is not there. */
    CHECK(FIX, OPTS("database=lock.db", "table=t"), "a:int\n1\n");
}

static void test_option_errors(void **state)
{
    make_db("t.db", "CREATE TABLE t(a);");
    CHECK(FIX, OPTS("database=t.db", "table=t", "colour=red"),
          "error: report.qr:3:5: sqlite: unknown option 'colour'; allowed: database, query, "
          "table, bind_NAME, types, infer_rows, on_error, estimate, busy_timeout_ms "
          "[invalid]\n");
    CHECK(FIX, OPTS("database=t.db", "table=t", "query=SELECT 1"),
          "error: report.qr:3:5: sqlite: query: give query or table, not both (table at "
          "report.qr:2:5) [invalid]\n");
    CHECK(FIX, OPTS("database=t.db", "table=t", "database=u.db"),
          "error: report.qr:3:5: sqlite: option 'database' is given twice (first at "
          "report.qr:1:5) [invalid]\n");
    CHECK(FIX, OPTS("table=t"),
          "error: sqlite: source 'orders': missing option 'database' (the SQLite database file "
          "to read) [invalid]\n");
    CHECK(FIX, OPTS("database=t.db"),
          "error: sqlite: source 'orders': missing option 'query' or 'table' (what to read) "
          "[invalid]\n");
    CHECK(FIX, OPTS("database=", "table=t"),
          "error: report.qr:1:5: sqlite: database: '' is empty (the SQLite database file to "
          "read) [invalid]\n");
    CHECK(FIX, OPTS("database=t.db", "query="),
          "error: report.qr:2:5: sqlite: query: '' is empty (the SELECT to run) [invalid]\n");
    CHECK(FIX, OPTS("database=t.db", "table=t", "estimate=maybe"),
          "error: report.qr:3:5: sqlite: estimate: 'maybe' is not yes or no [invalid]\n");
    CHECK(FIX, OPTS("database=t.db", "table=t", "busy_timeout_ms=-1"),
          "error: report.qr:3:5: sqlite: busy_timeout_ms: '-1' is not a whole number of "
          "milliseconds from 0 to 3600000 [invalid]\n");
    CHECK(FIX, OPTS("database=t.db", "table=t", "infer_rows=x"),
          "error: report.qr:3:5: sqlite: infer_rows: 'x' is not a whole number from 1 to 1000000 "
          "[invalid]\n");
    CHECK(FIX, OPTS("database=t.db", "table=t", "on_error=retry"),
          "error: report.qr:3:5: sqlite: on_error: 'retry' is not fail or skip [invalid]\n");
}

/* Relative database paths resolve against the definition's directory. */
static void test_base_dir(void **state)
{
    const quire_source_ops *ops = &FIX->rec->ops.source;
    const char *texts[] = {"database=in.db", "table=t", NULL};
    quire_source_args args = {0};
    quire_error err = {0};
    quire_option *options;
    size_t noptions;
    void *instance = NULL;
    char base[PATH_MAX + 8];

    mkdir("defs", 0755);
    make_db("defs/in.db", "CREATE TABLE t(a);");
    snprintf(base, sizeof(base), "%s/defs", FIX->dir);
    options = make_options(texts, &noptions);
    args.size = sizeof(args);
    args.options = options;
    args.noptions = noptions;
    args.base_dir = base;
    assert_int_equal(ops->open(FIX->rec->state_ptr, &args, &instance, &err), QUIRE_OK);
    ops->close(instance);
    args.base_dir = "/nonexistent";
    assert_int_equal(ops->open(FIX->rec->state_ptr, &args, &instance, &err), QUIRE_ERR);
    assert_string_equal(err.msg,
                        "in.db: cannot open /nonexistent/in.db: No such file or directory");
    free_options(options, noptions);
}

/* ============================== Pushdown ================================== */

/* Rows of `o`, made so that SQL's own orders and comparisons would differ
 * from the kernel's if the plugin did not force them: mixed case text in a
 * NOCASE column, reals that are not their decimal, NULLs. */
static void make_orders(void)
{
    make_db("o.db", "CREATE TABLE o(id INTEGER, region TEXT COLLATE NOCASE, amount DECIMAL(10,2),"
                    " day DATE, at TIMESTAMP, ok BOOLEAN, f REAL);"
                    "INSERT INTO o VALUES (1, 'north', 0.1 + 0.2, '2024-01-05',"
                    " '2024-01-05 10:00:00', 1, 1.5);"
                    "INSERT INTO o VALUES (2, 'South', 12.5, '2024-01-03', '2024-01-03T09:00:00Z',"
                    " 0, -2.0);"
                    "INSERT INTO o VALUES (3, 'NORTH', 7, NULL, NULL, 1, NULL);"
                    "INSERT INTO o VALUES (4, NULL, 0.3, '2023-12-31', '2023-12-31 23:00:00', NULL,"
                    " 0.25);"
                    "INSERT INTO o VALUES (5, 'east', -1.25, '2024-02-01', '2024-02-01 00:00:00',"
                    " 0, 3);");
}

#define O_SCHEMA                                                                                   \
    "id:int\tregion:string\tamount:decimal(2)\tday:date\tat:timestamp\tok:bool\tf:float\n"
#define O_ROW1 "1\tnorth\t0.30\t2024-01-05\t2024-01-05T10:00:00Z\ttrue\t1.5\n"
#define O_ROW2 "2\tSouth\t12.50\t2024-01-03\t2024-01-03T09:00:00Z\tfalse\t-2\n"
#define O_ROW3 "3\tNORTH\t7.00\t\\N\t\\N\ttrue\t\\N\n"
#define O_ROW4 "4\t\\N\t0.30\t2023-12-31\t2023-12-31T23:00:00Z\t\\N\t0.25\n"
#define O_ROW5 "5\teast\t-1.25\t2024-02-01\t2024-02-01T00:00:00Z\tfalse\t3\n"

static void test_sort_pushdown(void **state)
{
    const char *const *opts = OPTS("database=o.db", "table=o");
    /* Bytes: 'NORTH' < 'South' < 'east' < 'north' (upper case first). */
    const quire_sort_key by_region[] = {{"region", 0, 0}};
    const quire_sort_key by_region_desc_nulls_first[] = {{"region", 1, 1}};
    const quire_sort_key by_amount_then_id_desc[] = {{"amount", 0, 1}, {"id", 1, 0}};
    const quire_sort_key by_day[] = {{"day", 0, 1}};
    const quire_sort_key by_ok_f[] = {{"ok", 1, 0}, {"f", 0, 0}};
    const quire_sort_key by_at[] = {{"at", 0, 0}};
    const quire_sort_key by_unknown[] = {{"id", 0, 0}, {"nope", 0, 0}};
    pushdown push = {0};

    make_orders();
    push.sort = by_region;
    push.nsort = 1;
    CHECK_PUSH(FIX, opts, &push, O_SCHEMA "ordered\n" O_ROW3 O_ROW2 O_ROW5 O_ROW1 O_ROW4);
    push.sort = by_region_desc_nulls_first;
    CHECK_PUSH(FIX, opts, &push, O_SCHEMA "ordered\n" O_ROW4 O_ROW1 O_ROW5 O_ROW2 O_ROW3);
    /* 0.1 + 0.2 and 0.3 are both 0.30: ties, broken by id descending. */
    push.sort = by_amount_then_id_desc;
    push.nsort = 2;
    CHECK_PUSH(FIX, opts, &push, O_SCHEMA "ordered\n" O_ROW5 O_ROW4 O_ROW1 O_ROW3 O_ROW2);
    push.sort = by_day;
    push.nsort = 1;
    CHECK_PUSH(FIX, opts, &push, O_SCHEMA "ordered\n" O_ROW3 O_ROW4 O_ROW2 O_ROW1 O_ROW5);
    push.sort = by_ok_f;
    push.nsort = 2;
    CHECK_PUSH(FIX, opts, &push, O_SCHEMA "ordered\n" O_ROW1 O_ROW3 O_ROW2 O_ROW5 O_ROW4);
    /* Timestamps and unknown columns are not pushed: query order. */
    push.sort = by_at;
    push.nsort = 1;
    CHECK_PUSH(FIX, opts, &push, O_SCHEMA O_ROW1 O_ROW2 O_ROW3 O_ROW4 O_ROW5);
    push.sort = by_unknown;
    push.nsort = 2;
    CHECK_PUSH(FIX, opts, &push, O_SCHEMA O_ROW1 O_ROW2 O_ROW3 O_ROW4 O_ROW5);
    /* A query with its own ORDER BY and a trailing comment is wrapped. */
    push.sort = by_region;
    push.nsort = 1;
    CHECK_PUSH(FIX, OPTS("database=o.db", "query=SELECT * FROM o ORDER BY id DESC -- newest"),
               &push, O_SCHEMA "ordered\n" O_ROW3 O_ROW2 O_ROW5 O_ROW1 O_ROW4);
    /* A statement the wrapper cannot hold runs as written. */
    CHECK_PUSH(FIX, OPTS("database=o.db", "query=PRAGMA table_info(o)", "types=name:string"), &push,
               "cid:int\tname:string\ttype:string\tnotnull:int\tdflt_value:string\tpk:int\n"
               "0\tid\tINTEGER\t0\t\\N\t0\n"
               "1\tregion\tTEXT\t0\t\\N\t0\n"
               "2\tamount\tDECIMAL(10,2)\t0\t\\N\t0\n"
               "3\tday\tDATE\t0\t\\N\t0\n"
               "4\tat\tTIMESTAMP\t0\t\\N\t0\n"
               "5\tok\tBOOLEAN\t0\t\\N\t0\n"
               "6\tf\tREAL\t0\t\\N\t0\n");
}

/* A predicate of `column op value` with the column's type. */
static quire_predicate pred_int(const char *column, uint32_t op, uint32_t type, int64_t v)
{
    quire_predicate p = {.column = column, .op = op, .type = type, .i64 = v};
    return p;
}

static quire_predicate pred_str(const char *column, uint32_t op, const char *s)
{
    quire_predicate p = {.column = column, .op = op, .type = QUIRE_TYPE_STRING};
    p.str.ptr = s;
    p.str.len = strlen(s);
    return p;
}

static void test_filter_pushdown(void **state)
{
    const char *const *opts = OPTS("database=o.db", "table=o");
    quire_predicate preds[4];
    pushdown push = {.filter = preds};

    make_orders();
    /* Strings compare by bytes, whatever the column's collation. A NULL
     * in a compared column is left to the kernel (row 4). */
    preds[0] = pred_str("region", QUIRE_PRED_EQ, "north");
    push.nfilter = 1;
    CHECK_PUSH(FIX, opts, &push, O_SCHEMA O_ROW1 O_ROW4);
    preds[0] = pred_str("region", QUIRE_PRED_LT, "east");
    CHECK_PUSH(FIX, opts, &push, O_SCHEMA O_ROW2 O_ROW3 O_ROW4);
    /* Decimals: 0.1 + 0.2 stored as a real is the kernel's 0.30. */
    preds[0] = pred_int("amount", QUIRE_PRED_EQ, QUIRE_TYPE_DECIMAL, 30);
    preds[0].scale = 2;
    CHECK_PUSH(FIX, opts, &push, O_SCHEMA O_ROW1 O_ROW4);
    preds[0].op = QUIRE_PRED_GE;
    preds[0].i64 = 700;
    CHECK_PUSH(FIX, opts, &push, O_SCHEMA O_ROW2 O_ROW3);
    preds[0].op = QUIRE_PRED_LE;
    preds[0].i64 = 30;
    CHECK_PUSH(FIX, opts, &push, O_SCHEMA O_ROW1 O_ROW4 O_ROW5);
    /* <> on a decimal is not pushed: every row. */
    preds[0].op = QUIRE_PRED_NE;
    CHECK_PUSH(FIX, opts, &push, O_SCHEMA O_ROW1 O_ROW2 O_ROW3 O_ROW4 O_ROW5);
    /* Ints, dates (2024-01-03 is day 19725), bools, floats, a conjunction. */
    preds[0] = pred_int("id", QUIRE_PRED_GT, QUIRE_TYPE_INT, 3);
    CHECK_PUSH(FIX, opts, &push, O_SCHEMA O_ROW4 O_ROW5);
    preds[0] = pred_int("day", QUIRE_PRED_LE, QUIRE_TYPE_DATE, 19725);
    CHECK_PUSH(FIX, opts, &push, O_SCHEMA O_ROW2 O_ROW3 O_ROW4);
    preds[0] = pred_int("ok", QUIRE_PRED_EQ, QUIRE_TYPE_BOOL, 1);
    CHECK_PUSH(FIX, opts, &push, O_SCHEMA O_ROW1 O_ROW3 O_ROW4);
    preds[0] =
        (quire_predicate){.column = "f", .op = QUIRE_PRED_LT, .type = QUIRE_TYPE_FLOAT, .f64 = 1.5};
    CHECK_PUSH(FIX, opts, &push, O_SCHEMA O_ROW2 O_ROW3 O_ROW4);
    preds[0] = pred_int("id", QUIRE_PRED_NE, QUIRE_TYPE_INT, 2);
    preds[1] = pred_str("region", QUIRE_PRED_GE, "a");
    push.nfilter = 2;
    CHECK_PUSH(FIX, opts, &push, O_SCHEMA O_ROW1 O_ROW4 O_ROW5);
    /* IS NULL / IS NOT NULL are exact. */
    preds[0] = (quire_predicate){.column = "day", .op = QUIRE_PRED_IS_NULL};
    preds[1] = (quire_predicate){.column = "region", .op = QUIRE_PRED_IS_NOT_NULL};
    CHECK_PUSH(FIX, opts, &push, O_SCHEMA O_ROW3);
    /* Not pushed: timestamps, unknown columns, a value of another type. */
    preds[0] = pred_int("at", QUIRE_PRED_LT, QUIRE_TYPE_TIMESTAMP, 0);
    preds[1] = pred_int("nope", QUIRE_PRED_EQ, QUIRE_TYPE_INT, 1);
    preds[2] = pred_int("region", QUIRE_PRED_EQ, QUIRE_TYPE_INT, 1);
    push.nfilter = 3;
    CHECK_PUSH(FIX, opts, &push, O_SCHEMA O_ROW1 O_ROW2 O_ROW3 O_ROW4 O_ROW5);
    /* Text in an int column (by types) is left to the kernel. */
    make_db("t.db", "CREATE TABLE t(v); INSERT INTO t VALUES (1), ('2'), (3), (NULL);");
    preds[0] = pred_int("v", QUIRE_PRED_GE, QUIRE_TYPE_INT, 3);
    push.nfilter = 1;
    CHECK_PUSH(FIX, OPTS("database=t.db", "table=t", "types=v:int"), &push, "v:int\n2\n3\n\\N\n");
    /* Filter and sort together, with the query's parameters. */
    {
        const quire_sort_key keys[] = {{"amount", 1, 0}};
        preds[0] = pred_int("id", QUIRE_PRED_LE, QUIRE_TYPE_INT, 4);
        push.sort = keys;
        push.nsort = 1;
        CHECK_PUSH(
            FIX, OPTS("database=o.db", "query=SELECT * FROM o WHERE id >= :first", "bind_first=2"),
            &push, O_SCHEMA "ordered\n" O_ROW2 O_ROW3 O_ROW4);
    }
}

static void test_project(void **state)
{
    const uint8_t needed[] = {1, 0, 0, 0, 0, 0, 1};
    pushdown push = {.needed = needed};

    make_orders();
    CHECK_PUSH(FIX, OPTS("database=o.db", "table=o"), &push,
               O_SCHEMA "1\t-\t-\t-\t-\t-\t1.5\n2\t-\t-\t-\t-\t-\t-2\n3\t-\t-\t-\t-\t-\t\\N\n"
                        "4\t-\t-\t-\t-\t-\t0.25\n5\t-\t-\t-\t-\t-\t3\n");
    /* Values of unread columns are not converted, so not checked. */
    make_db("t.db", "CREATE TABLE t(a INTEGER, b INTEGER); INSERT INTO t VALUES (1, 'x');");
    {
        const uint8_t first[] = {1, 0};
        pushdown p2 = {.needed = first};
        CHECK_PUSH(FIX, OPTS("database=t.db", "table=t"), &p2, "a:int\tb:int\n1\t-\n");
        CHECK(FIX, OPTS("database=t.db", "table=t"),
              "a:int\tb:int\n"
              "error: t.db: row 1: column 'b': 'x' is not an int (declared INTEGER; set types = "
              "\"b:string\" to read it as text) [invalid]\n");
    }
}

/* ============================== Estimate and stats ======================== */

/* Opens o.db's table o with these extra options and filter. */
static void *open_orders(fixture *f, const char *const *texts, const quire_predicate *filter,
                         size_t nfilter, quire_option **options, size_t *noptions)
{
    const quire_source_ops *ops = &f->rec->ops.source;
    quire_source_args args = {0};
    quire_error err = {0};
    void *instance = NULL;

    *options = make_options(texts, noptions);
    args.size = sizeof(args);
    args.options = *options;
    args.noptions = *noptions;
    args.filter = filter;
    args.nfilter = nfilter;
    if (ops->open(f->rec->state_ptr, &args, &instance, &err) != QUIRE_OK)
        fail_msg("open: %s", err.msg);
    return instance;
}

static void test_estimate_and_stats(void **state)
{
    const quire_source_ops *ops = &FIX->rec->ops.source;
    quire_predicate pred = pred_int("id", QUIRE_PRED_GE, QUIRE_TYPE_INT, 3);
    quire_source_stats stats = {.size = sizeof(stats)};
    const quire_column_info *columns;
    quire_option *options;
    quire_error err = {0};
    quire_batch *batch;
    size_t noptions, ncolumns;
    void *instance;

    make_orders();
    assert_true(ops->caps & QUIRE_SOURCE_CAN_SORT);
    assert_true(ops->caps & QUIRE_SOURCE_CAN_FILTER);
    assert_true(ops->caps & QUIRE_SOURCE_CAN_PROJECT);
    assert_false(ops->caps & QUIRE_SOURCE_CAN_PARTITION);
    /* Off by default: it can be slow. */
    instance = open_orders(FIX, OPTS("database=o.db", "table=o"), NULL, 0, &options, &noptions);
    assert_int_equal(ops->estimate(instance), -1);
    ops->close(instance);
    free_options(options, noptions);
    /* On: the rows the filter leaves (ids 3, 4, 5). */
    instance = open_orders(FIX, OPTS("database=o.db", "table=o", "estimate=yes"), &pred, 1,
                           &options, &noptions);
    assert_int_equal(ops->estimate(instance), 3);
    assert_int_equal(ops->estimate(instance), 3);
    assert_int_equal(ops->schema(instance, &columns, &ncolumns, &err), QUIRE_OK);
    batch = batch_new(columns, ncolumns, 2, 0);
    assert_int_equal(ops->next(instance, batch, &err), QUIRE_OK);
    ops->stats(instance, &stats);
    assert_int_equal(stats.rows, 2);
    assert_int_equal(stats.rows_skipped, 0);
    assert_int_equal(stats.bytes_read, -1);
    assert_int_equal(stats.bytes_total, -1);
    batch_free(batch);
    ops->close(instance);
    free_options(options, noptions);
}

/* ============================== Main ====================================== */

#define T(fn) cmocka_unit_test_setup(fn, test_setup)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_declared_types),  T(test_inferred_types),  T(test_conversions),
        T(test_types_override),  T(test_bind_values),     T(test_bind_errors),
        T(test_query_errors),    T(test_database_errors), T(test_busy_timeout),
        T(test_option_errors),   T(test_base_dir),        T(test_sort_pushdown),
        T(test_filter_pushdown), T(test_project),         T(test_estimate_and_stats),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
