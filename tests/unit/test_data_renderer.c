/*
 * test_data_renderer.c - the data renderer plugin (plugins/data: formats csv
 * and json), driven through the real build/plugins/data.so as the kernel
 * drives it: loaded with kernel_load_path, configured with config_build
 * from a [renderer.data] text, initialised through its descriptor, then fed
 * synthetic band instances through begin/band/end (or abort).
 *
 * Every expected output below is written by hand from the format's rules;
 * JSON outputs are also parsed by python3's json module. The plugin gets a
 * copy of the host table whose allocator counts live blocks, so the tests
 * can check that memory does not grow with the number of rows.
 *
 * The tests run in a scratch directory (so messages say 'out.csv').
 * QUIRE_BUILD (default "build") says where data.so is.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "renderer_harness.h"

#include "config.h"
#include "kernel.h"
#include "registry.h"

/* ============================== Fixture =================================== */

typedef struct fixture {
    char so[PATH_MAX];
    char old_cwd[PATH_MAX];
    char dir[PATH_MAX];
    quire_host host; /* the kernel's table with the counting allocator */
} fixture;

/* Loads data.so with `section` as the lines of [renderer.data] (NULL for the
 * defaults); returns init's status, *err set. */
static int plug_try_open(const fixture *fx, plug *p, const char *section, quire_error *err)
{
    return plug_load(p, fx->so, &fx->host, "renderer.data", section, err);
}

static void plug_open(const fixture *fx, plug *p, const char *section)
{
    quire_error err = {0};

    if (plug_try_open(fx, p, section, &err) != QUIRE_OK)
        fail_msg("init: %s", err.msg);
}

static int group_setup(void **state)
{
    const char *build = getenv("QUIRE_BUILD");
    char so[PATH_MAX + 32];
    fixture *fx = calloc(1, sizeof(*fx));

    if (fx == NULL)
        return -1;
    snprintf(so, sizeof(so), "%s/plugins/data.so", build && build[0] ? build : "build");
    if (realpath(so, fx->so) == NULL) {
        fprintf(stderr, "# %s: not found (build it first)\n", so);
        free(fx);
        return -1;
    }
    fx->host = harness_counting_host();
    snprintf(fx->dir, sizeof(fx->dir), "/tmp/quire-test-data-XXXXXX");
    if (getcwd(fx->old_cwd, sizeof(fx->old_cwd)) == NULL || mkdtemp(fx->dir) == NULL ||
        chdir(fx->dir) != 0) {
        free(fx);
        return -1;
    }
    signal(SIGPIPE, SIG_IGN); /* as the kernel does: EPIPE, not death */
    umask(022);
    *state = fx;
    return 0;
}

static int group_teardown(void **state)
{
    fixture *fx = *state;

    harness_remove_files(".");
    if (chdir(fx->old_cwd) != 0)
        return -1;
    rmdir(fx->dir);
    free(fx);
    return 0;
}

/* Each test starts in an empty directory with nothing leaked before. */
static int test_setup(void **state)
{
    (void)state;
    harness_remove_files(".");
    live_blocks = 0;
    return 0;
}

/* ============================== Values and bands ========================== */

static quire_band_value named(const char *name, uint32_t type)
{
    quire_band_value v;

    memset(&v, 0, sizeof(v));
    v.name = name;
    v.value.type = type;
    v.text.ptr = "";
    return v;
}

static quire_band_value v_int(const char *name, int64_t i)
{
    quire_band_value v = named(name, QUIRE_TYPE_INT);
    v.value.v.i64 = i;
    return v;
}

static quire_band_value v_dec(const char *name, int64_t scaled, int32_t scale)
{
    quire_band_value v = named(name, QUIRE_TYPE_DECIMAL);
    v.value.v.i64 = scaled;
    v.value.scale = scale;
    return v;
}

static quire_band_value v_float(const char *name, double f)
{
    quire_band_value v = named(name, QUIRE_TYPE_FLOAT);
    v.value.v.f64 = f;
    return v;
}

static quire_band_value v_bool(const char *name, int b)
{
    quire_band_value v = named(name, QUIRE_TYPE_BOOL);
    v.value.v.i64 = b;
    return v;
}

static quire_band_value v_date(const char *name, int64_t days)
{
    quire_band_value v = named(name, QUIRE_TYPE_DATE);
    v.value.v.i64 = days;
    return v;
}

static quire_band_value v_ts(const char *name, int64_t micros)
{
    quire_band_value v = named(name, QUIRE_TYPE_TIMESTAMP);
    v.value.v.i64 = micros;
    return v;
}

static quire_band_value v_bytes(const char *name, const char *s, size_t len)
{
    quire_band_value v = named(name, QUIRE_TYPE_STRING);
    v.value.v.str.ptr = s;
    v.value.v.str.len = len;
    v.text.ptr = s;
    v.text.len = len;
    return v;
}

static quire_band_value v_str(const char *name, const char *s)
{
    return v_bytes(name, s, strlen(s));
}

static quire_band_value v_null(const char *name, uint32_t type)
{
    quire_band_value v = named(name, type);
    v.value.null = 1;
    return v;
}

/* A static text element: the formats skip it, named or not. */
static quire_band_value v_static(const char *name, const char *text)
{
    quire_band_value v = v_str(name, text);
    v.is_static = 1;
    return v;
}

/* The value with the text a visual renderer would print. */
static quire_band_value with_text(quire_band_value v, const char *text)
{
    v.text.ptr = text;
    v.text.len = strlen(text);
    return v;
}

static quire_value key_str(const char *s)
{
    quire_value v;

    memset(&v, 0, sizeof(v));
    v.type = QUIRE_TYPE_STRING;
    v.v.str.ptr = s;
    v.v.str.len = strlen(s);
    return v;
}

static quire_value key_int(int64_t i)
{
    quire_value v;

    memset(&v, 0, sizeof(v));
    v.type = QUIRE_TYPE_INT;
    v.v.i64 = i;
    return v;
}

static const quire_value no_key = {0};

static quire_band_instance band_of(uint32_t kind, uint32_t level, const char *group,
                                   quire_value key, const quire_band_value *values, size_t n)
{
    quire_band_instance b;

    memset(&b, 0, sizeof(b));
    b.size = sizeof(b);
    b.band = kind;
    b.group_level = level;
    b.group = group;
    b.group_value = key;
    b.nvalues = n;
    b.values = values;
    return b;
}

#define COUNT(a)              (sizeof(a) / sizeof((a)[0]))
#define BAND(kind, values)    band_of(kind, 0, NULL, no_key, values, COUNT(values))
#define DETAIL(level, values) band_of(QUIRE_BAND_DETAIL, level, NULL, no_key, values, COUNT(values))
#define HEADER(level, group, key, values)                                                          \
    band_of(QUIRE_BAND_GROUP_HEADER, level, group, key, values, COUNT(values))
#define FOOTER(level, group, key, values)                                                          \
    band_of(QUIRE_BAND_GROUP_FOOTER, level, group, key, values, COUNT(values))

static quire_document make_doc(const char *format, const char *path, const char *const *columns,
                               size_t ncolumns)
{
    quire_document doc;

    memset(&doc, 0, sizeof(doc));
    doc.size = sizeof(doc);
    doc.format = format;
    doc.output_path = path;
    doc.title = "Sales";
    doc.locale = "en-US";
    doc.data_columns = columns;
    doc.ndata_columns = ncolumns;
    doc.report_name = "sales";
    return doc;
}

/* ============================== Running ==================================== */

/* begin, every band, end; on a failing band, abort (as the kernel would).
 * Returns the first failure's status with *err set. */
static int render(plug *p, const quire_document *doc, const quire_band_instance *bands, size_t n,
                  quire_error *err)
{
    void *instance = NULL;

    memset(err, 0, sizeof(*err));
    if (p->ops->begin(p->rec->state_ptr, doc, &instance, err) != QUIRE_OK)
        return QUIRE_ERR;
    for (size_t i = 0; i < n; i++) {
        if (p->ops->band(instance, &bands[i], err) != QUIRE_OK) {
            p->ops->abort(instance);
            return QUIRE_ERR;
        }
    }
    return p->ops->end(instance, err);
}

/* The whole file (caller frees), or NULL if it does not exist. */
static char *slurp(const char *path, size_t *len_out)
{
    FILE *fp = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0, n;

    if (fp == NULL)
        return NULL;
    do {
        if (cap - len < 4096) {
            cap = cap ? cap * 2 : 8192;
            buf = realloc(buf, cap + 1);
            assert_non_null(buf);
        }
        n = fread(buf + len, 1, cap - len, fp);
        len += n;
    } while (n > 0);
    fclose(fp);
    buf[len] = '\0';
    if (len_out != NULL)
        *len_out = len;
    return buf;
}

/* Renders and compares the file with `expected`. */
static void render_expect(plug *p, const quire_document *doc, const quire_band_instance *bands,
                          size_t n, const char *expected)
{
    quire_error err;
    char *got;

    if (render(p, doc, bands, n, &err) != QUIRE_OK)
        fail_msg("render: %s", err.msg);
    got = slurp(doc->output_path, NULL);
    assert_non_null(got);
    assert_string_equal(got, expected);
    free(got);
}

/* python3's json module accepts the file. */
static void assert_json_valid(const char *path)
{
    char cmd[PATH_MAX + 128];
    int status;

    snprintf(cmd, sizeof(cmd),
             "python3 -c 'import json,sys; json.load(open(sys.argv[1], encoding=\"utf-8\"))' %s",
             path);
    status = system(cmd);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* Entries of the current directory whose name starts with `prefix`. */
static int count_files(const char *dir_path, const char *prefix)
{
    DIR *dir = opendir(dir_path);
    struct dirent *e;
    int n = 0;

    assert_non_null(dir);
    while ((e = readdir(dir)) != NULL)
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
            n++;
    closedir(dir);
    return n;
}

/* ============================== The sales report ========================== */

/* A title, two regions with nested countries and their details, footers
 * with totals, and a summary: the shape of a typical grouped report. */
static const char *const sales_columns[] = {"title",  "region", "country", "id",
                                            "amount", "total",  "count"};

typedef struct sales {
    quire_band_value title[2], africa[1], egypt[1], d1[2], d2[2], egypt_f[2], kenya[1], d3[2],
        kenya_f[2], africa_f[1], asia[1], japan[1], d4[2], japan_f[2], asia_f[1], summary[2];
    quire_band_instance bands[16];
} sales;

static void sales_init(sales *s)
{
    s->title[0] = v_static(NULL, "Sales report");
    s->title[1] = v_str("title", "Q1 Sales");
    s->africa[0] = v_str("region", "Africa");
    s->egypt[0] = v_str("country", "Egypt");
    s->d1[0] = v_int("id", 1);
    s->d1[1] = v_dec("amount", 1250, 2);
    s->d2[0] = v_int("id", 2);
    s->d2[1] = v_dec("amount", -5, 2);
    s->egypt_f[0] = v_dec("total", 1245, 2);
    s->egypt_f[1] = v_int("count", 2);
    s->kenya[0] = v_str("country", "Kenya");
    s->d3[0] = v_int("id", 3);
    s->d3[1] = v_dec("amount", 10000, 2);
    s->kenya_f[0] = v_dec("total", 10000, 2);
    s->kenya_f[1] = v_int("count", 1);
    s->africa_f[0] = v_dec("total", 11245, 2);
    s->asia[0] = v_str("region", "Asia");
    s->japan[0] = v_str("country", "Japan");
    s->d4[0] = v_int("id", 4);
    s->d4[1] = v_null("amount", QUIRE_TYPE_DECIMAL);
    s->japan_f[0] = v_dec("total", 0, 2);
    s->japan_f[1] = v_int("count", 1);
    s->asia_f[0] = v_dec("total", 0, 2);
    s->summary[0] = v_dec("total", 11245, 2);
    s->summary[1] = v_int("count", 4);

    s->bands[0] = BAND(QUIRE_BAND_TITLE, s->title);
    s->bands[1] = HEADER(1, "region", key_str("Africa"), s->africa);
    s->bands[2] = HEADER(2, "country", key_str("Egypt"), s->egypt);
    s->bands[3] = DETAIL(2, s->d1);
    s->bands[4] = DETAIL(2, s->d2);
    s->bands[5] = FOOTER(2, "country", key_str("Egypt"), s->egypt_f);
    s->bands[6] = HEADER(2, "country", key_str("Kenya"), s->kenya);
    s->bands[7] = DETAIL(2, s->d3);
    s->bands[8] = FOOTER(2, "country", key_str("Kenya"), s->kenya_f);
    s->bands[9] = FOOTER(1, "region", key_str("Africa"), s->africa_f);
    s->bands[10] = HEADER(1, "region", key_str("Asia"), s->asia);
    s->bands[11] = HEADER(2, "country", key_str("Japan"), s->japan);
    s->bands[12] = DETAIL(2, s->d4);
    s->bands[13] = FOOTER(2, "country", key_str("Japan"), s->japan_f);
    s->bands[14] = FOOTER(1, "region", key_str("Asia"), s->asia_f);
    s->bands[15] = BAND(QUIRE_BAND_SUMMARY, s->summary);
}

static const char sales_csv[] = "title,region,country,id,amount,total,count\n"
                                "Q1 Sales,,,,,,\n"
                                ",Africa,,,,,\n"
                                ",,Egypt,,,,\n"
                                ",,,1,12.50,,\n"
                                ",,,2,-0.05,,\n"
                                ",,,,,12.45,2\n"
                                ",,Kenya,,,,\n"
                                ",,,3,100.00,,\n"
                                ",,,,,100.00,1\n"
                                ",,,,,112.45,\n"
                                ",Asia,,,,,\n"
                                ",,Japan,,,,\n"
                                ",,,4,,,\n"
                                ",,,,,0.00,1\n"
                                ",,,,,0.00,\n"
                                ",,,,,112.45,4\n";

static const char sales_json[] = "{\n"
                                 "  \"report\": \"sales\",\n"
                                 "  \"title\": {\n"
                                 "    \"title\": \"Q1 Sales\"\n"
                                 "  },\n"
                                 "  \"groups\": [\n"
                                 "    {\n"
                                 "      \"group\": \"region\",\n"
                                 "      \"value\": \"Africa\",\n"
                                 "      \"header\": {\n"
                                 "        \"region\": \"Africa\"\n"
                                 "      },\n"
                                 "      \"groups\": [\n"
                                 "        {\n"
                                 "          \"group\": \"country\",\n"
                                 "          \"value\": \"Egypt\",\n"
                                 "          \"header\": {\n"
                                 "            \"country\": \"Egypt\"\n"
                                 "          },\n"
                                 "          \"details\": [\n"
                                 "            {\n"
                                 "              \"id\": 1,\n"
                                 "              \"amount\": 12.50\n"
                                 "            },\n"
                                 "            {\n"
                                 "              \"id\": 2,\n"
                                 "              \"amount\": -0.05\n"
                                 "            }\n"
                                 "          ],\n"
                                 "          \"footer\": {\n"
                                 "            \"total\": 12.45,\n"
                                 "            \"count\": 2\n"
                                 "          }\n"
                                 "        },\n"
                                 "        {\n"
                                 "          \"group\": \"country\",\n"
                                 "          \"value\": \"Kenya\",\n"
                                 "          \"header\": {\n"
                                 "            \"country\": \"Kenya\"\n"
                                 "          },\n"
                                 "          \"details\": [\n"
                                 "            {\n"
                                 "              \"id\": 3,\n"
                                 "              \"amount\": 100.00\n"
                                 "            }\n"
                                 "          ],\n"
                                 "          \"footer\": {\n"
                                 "            \"total\": 100.00,\n"
                                 "            \"count\": 1\n"
                                 "          }\n"
                                 "        }\n"
                                 "      ],\n"
                                 "      \"footer\": {\n"
                                 "        \"total\": 112.45\n"
                                 "      }\n"
                                 "    },\n"
                                 "    {\n"
                                 "      \"group\": \"region\",\n"
                                 "      \"value\": \"Asia\",\n"
                                 "      \"header\": {\n"
                                 "        \"region\": \"Asia\"\n"
                                 "      },\n"
                                 "      \"groups\": [\n"
                                 "        {\n"
                                 "          \"group\": \"country\",\n"
                                 "          \"value\": \"Japan\",\n"
                                 "          \"header\": {\n"
                                 "            \"country\": \"Japan\"\n"
                                 "          },\n"
                                 "          \"details\": [\n"
                                 "            {\n"
                                 "              \"id\": 4,\n"
                                 "              \"amount\": null\n"
                                 "            }\n"
                                 "          ],\n"
                                 "          \"footer\": {\n"
                                 "            \"total\": 0.00,\n"
                                 "            \"count\": 1\n"
                                 "          }\n"
                                 "        }\n"
                                 "      ],\n"
                                 "      \"footer\": {\n"
                                 "        \"total\": 0.00\n"
                                 "      }\n"
                                 "    }\n"
                                 "  ],\n"
                                 "  \"summary\": {\n"
                                 "    \"total\": 112.45,\n"
                                 "    \"count\": 4\n"
                                 "  }\n"
                                 "}\n";

/* ============================== Registration ============================== */

static void test_formats_registered(void **state)
{
    plug p;
    const format_rec *csv, *json;

    (void)state;
    plug_open(*state, &p, NULL);
    csv = kernel_find_format(p.k, "csv");
    json = kernel_find_format(p.k, "json");
    assert_non_null(csv);
    assert_non_null(json);
    assert_string_equal(csv->extension, "csv");
    assert_string_equal(csv->mime_type, "text/csv");
    assert_int_equal(csv->flags, QUIRE_FORMAT_DATA);
    assert_string_equal(json->extension, "json");
    assert_string_equal(json->mime_type, "application/json");
    assert_int_equal(json->flags, QUIRE_FORMAT_DATA);
    assert_ptr_equal(csv->owner, p.rec);
    assert_non_null(p.ops->band);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

static void test_bad_delimiter(void **state)
{
    plug p;
    quire_error err = {0};

    (void)state;
    assert_int_equal(plug_try_open(*state, &p, "csv_delimiter = ab\n", &err), QUIRE_ERR);
    assert_string_equal(err.msg, "quire.conf:2: [renderer.data] csv_delimiter: 'ab' is not one "
                                 "ASCII character other than '\"' (write e.g. ; or | or tab)");
    plug_close(&p);
    assert_int_equal(plug_try_open(*state, &p, "csv_delimiter = \"\\\"\"\n", &err), QUIRE_ERR);
    assert_string_equal(err.msg, "quire.conf:2: [renderer.data] csv_delimiter: '\"' is not one "
                                 "ASCII character other than '\"' (write e.g. ; or | or tab)");
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* The kernel never calls page() for a data format; if it did, it is told. */
static void test_page_refused(void **state)
{
    plug p;
    quire_document doc;
    quire_page page = {.size = sizeof(quire_page), .number = 1};
    quire_error err = {0};
    void *instance;

    (void)state;
    plug_open(*state, &p, NULL);
    doc = make_doc("csv", "out.csv", NULL, 0);
    assert_int_equal(p.ops->begin(p.rec->state_ptr, &doc, &instance, &err), QUIRE_OK);
    assert_int_equal(p.ops->page(instance, &page, &err), QUIRE_ERR);
    assert_string_equal(err.msg,
                        "format 'csv' is a data format and takes band instances, not pages");
    p.ops->abort(instance);
    doc = make_doc("json", "out.json", NULL, 0);
    assert_int_equal(p.ops->begin(p.rec->state_ptr, &doc, &instance, &err), QUIRE_OK);
    assert_int_equal(p.ops->page(instance, &page, &err), QUIRE_ERR);
    assert_string_equal(err.msg,
                        "format 'json' is a data format and takes band instances, not pages");
    p.ops->abort(instance);
    assert_int_equal(count_files(".", "out"), 0);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* ============================== csv ======================================= */

static void test_csv_sales(void **state)
{
    plug p;
    sales s;
    quire_document doc = make_doc("csv", "out.csv", sales_columns, COUNT(sales_columns));

    (void)state;
    sales_init(&s);
    plug_open(*state, &p, NULL);
    render_expect(&p, &doc, s.bands, COUNT(s.bands), sales_csv);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* Every type in its canonical machine form. */
static void test_csv_types(void **state)
{
    static const char *const cols[] = {"v"};
    quire_band_value v[] = {
        v_int("v", 0),
        v_int("v", -9223372036854775807LL - 1),
        v_int("v", 9223372036854775807LL),
        v_dec("v", 1250, 2),
        v_dec("v", -5, 3),
        v_dec("v", 7, 0),
        v_dec("v", 12, -2),
        v_dec("v", 0, 4),
        v_dec("v", -9223372036854775807LL - 1, 18),
        v_float("v", 0.1),
        v_float("v", 100.0),
        v_float("v", 1.0 / 3.0),
        v_float("v", 1e20),
        v_float("v", 1.5e-7),
        v_float("v", 0.0001),
        v_float("v", -0.0),
        v_float("v", 9007199254740992.0),
        v_float("v", NAN),
        v_float("v", -INFINITY),
        v_bool("v", 1),
        v_bool("v", 0),
        v_date("v", 0),
        v_date("v", -1),
        v_date("v", 19782),
        v_date("v", -25509),
        v_date("v", 2932896),
        v_date("v", 2932897),
        v_date("v", -719163),
        v_date("v", -719529),
        v_ts("v", 0),
        v_ts("v", -1),
        v_ts("v", INT64_C(1709211909123456)),
        v_ts("v", INT64_C(1709211909000000)),
        v_null("v", QUIRE_TYPE_INT),
        v_str("v", "plain text"),
    };
    static const char expected[] = "v\n"
                                   "0\n"
                                   "-9223372036854775808\n"
                                   "9223372036854775807\n"
                                   "12.50\n"
                                   "-0.005\n"
                                   "7\n"
                                   "1200\n"
                                   "0.0000\n"
                                   "-9.223372036854775808\n"
                                   "0.1\n"
                                   "100\n"
                                   "0.3333333333333333\n"
                                   "1e+20\n"
                                   "1.5e-07\n"
                                   "0.0001\n"
                                   "-0\n"
                                   "9007199254740992\n"
                                   "nan\n"
                                   "-inf\n"
                                   "true\n"
                                   "false\n"
                                   "1970-01-01\n"
                                   "1969-12-31\n"
                                   "2024-02-29\n"
                                   "1900-02-28\n"
                                   "9999-12-31\n"
                                   "+10000-01-01\n"
                                   "0000-12-31\n"
                                   "-0001-12-31\n"
                                   "1970-01-01T00:00:00Z\n"
                                   "1969-12-31T23:59:59.999999Z\n"
                                   "2024-02-29T13:05:09.123456Z\n"
                                   "2024-02-29T13:05:09Z\n"
                                   "\"\"\n" /* NULL: empty, quoted so the row stays */
                                   "plain text\n";
    quire_band_instance bands[COUNT(v)];
    quire_document doc = make_doc("csv", "types.csv", cols, 1);
    plug p;

    (void)state;
    for (size_t i = 0; i < COUNT(v); i++)
        bands[i] = band_of(QUIRE_BAND_DETAIL, 0, NULL, no_key, &v[i], 1);
    plug_open(*state, &p, NULL);
    render_expect(&p, &doc, bands, COUNT(bands), expected);
    plug_close(&p);
}

static void test_csv_quoting(void **state)
{
    static const char *const cols[] = {"a", "b"};
    quire_band_value r1[] = {v_str("a", "x,y"), v_str("b", "say \"hi\"")};
    quire_band_value r2[] = {v_str("a", "two\nlines"), v_str("b", "cr\rhere")};
    quire_band_value r3[] = {v_str("a", " padded "), v_str("b", "semi;colon")};
    quire_band_value r4[] = {v_str("a", "\""), v_str("b", "")};
    quire_band_instance bands[] = {DETAIL(0, r1), DETAIL(0, r2), DETAIL(0, r3), DETAIL(0, r4)};
    quire_document doc = make_doc("csv", "q.csv", cols, 2);
    plug p;

    (void)state;
    plug_open(*state, &p, NULL);
    render_expect(&p, &doc, bands, COUNT(bands),
                  "a,b\n"
                  "\"x,y\",\"say \"\"hi\"\"\"\n"
                  "\"two\nlines\",\"cr\rhere\"\n"
                  " padded ,semi;colon\n"
                  "\"\"\"\",\n");
    plug_close(&p);
    /* With ';' as the delimiter the comma is plain and the semicolon quoted. */
    plug_open(*state, &p, "csv_delimiter = \";\"\n");
    render_expect(&p, &doc, bands, COUNT(bands),
                  "a;b\n"
                  "x,y;\"say \"\"hi\"\"\"\n"
                  "\"two\nlines\";\"cr\rhere\"\n"
                  " padded ;\"semi;colon\"\n"
                  "\"\"\"\";\n");
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* Which values make cells and which bands make rows. */
static void test_csv_rows_and_columns(void **state)
{
    static const char *const cols[] = {"id", "name", "note"};
    quire_band_value only_static[] = {v_static(NULL, "Page header text"), v_static("label", "x")};
    quire_band_value unnamed[] = {v_int(NULL, 5), v_int("", 6)};
    quire_band_value reordered[] = {v_str("note", "n1"), v_static("lbl", "ignored"),
                                    v_int("id", 1)};
    quire_band_value repeated[] = {v_int("id", 2), v_int("id", 3), v_str("name", "Bo")};
    quire_band_value furniture[] = {v_int("id", 99)};
    quire_band_value nulls[] = {v_null("id", QUIRE_TYPE_INT), v_null("name", QUIRE_TYPE_STRING)};
    quire_band_instance bands[] = {
        BAND(QUIRE_BAND_TITLE, only_static),
        DETAIL(0, unnamed),
        DETAIL(0, reordered),
        BAND(QUIRE_BAND_PAGE_HEADER, furniture),
        BAND(QUIRE_BAND_COLUMN_HEADER, furniture),
        DETAIL(0, repeated),
        BAND(QUIRE_BAND_COLUMN_FOOTER, furniture),
        BAND(QUIRE_BAND_PAGE_FOOTER, furniture),
        BAND(QUIRE_BAND_LAST_PAGE_FOOTER, furniture),
        BAND(QUIRE_BAND_BACKGROUND, furniture),
        BAND(99, furniture), /* a kind from a later minor: skipped */
        DETAIL(0, nulls),
    };
    quire_document doc = make_doc("csv", "rows.csv", cols, 3);
    plug p;

    (void)state;
    plug_open(*state, &p, NULL);
    render_expect(&p, &doc, bands, COUNT(bands),
                  "id,name,note\n"
                  "1,,n1\n"
                  "2,Bo,\n"
                  ",,\n");
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

static void test_csv_options(void **state)
{
    static const char *const cols[] = {"when", "amount", "ok"};
    quire_band_value r1[] = {with_text(v_date("when", 19782), "29/02/2024"),
                             with_text(v_dec("amount", 123450, 2), "1,234.50"),
                             with_text(v_bool("ok", 1), "yes")};
    quire_band_value r2[] = {with_text(v_null("when", QUIRE_TYPE_DATE), "-"),
                             with_text(v_dec("amount", -5, 2), "(0.05)"),
                             with_text(v_bool("ok", 0), "")};
    quire_band_instance bands[] = {DETAIL(0, r1), DETAIL(0, r2)};
    quire_document doc = make_doc("csv", "opt.csv", cols, 3);
    plug p;

    (void)state;
    plug_open(*state, &p, "csv_header = no\ncsv_line_ending = crlf\n");
    render_expect(&p, &doc, bands, COUNT(bands), "2024-02-29,1234.50,true\r\n,-0.05,false\r\n");
    plug_close(&p);
    plug_open(*state, &p, "csv_formatted = yes\n");
    render_expect(&p, &doc, bands, COUNT(bands),
                  "when,amount,ok\n"
                  "29/02/2024,\"1,234.50\",yes\n"
                  "-,(0.05),\n");
    plug_close(&p);
    plug_open(*state, &p, "csv_delimiter = tab\n");
    render_expect(&p, &doc, bands, COUNT(bands),
                  "when\tamount\tok\n"
                  "2024-02-29\t1234.50\ttrue\n"
                  "\t-0.05\tfalse\n");
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* Valid UTF-8 passes; each maximal invalid subsequence becomes one U+FFFD
 * (EF BF BD), in values, formatted texts and column names. */
static void test_csv_utf8(void **state)
{
    static const char *const cols[] = {"s", "caf\xc3\xa9\xff"};
    static const char bad[] = "a\xff"             /* a lone FF */
                              "b\xe2\x82"         /* a truncated euro sign */
                              "c\xc0\xaf"         /* an overlong '/' : two bytes */
                              "d\xed\xa0\x80"     /* a surrogate: three bytes */
                              "e\xf4\x90\x80\x80" /* above U+10FFFF: four bytes */
                              "f\xf0\x9f\x98";    /* truncated at the end */
    quire_band_value r1[] = {v_str("s", "\xe2\x82\xac \xf0\x9f\x98\x80 \xd8\xb9")};
    quire_band_value r2[] = {v_bytes("s", bad, sizeof(bad) - 1)};
    quire_band_value r3[] = {v_bytes("s", "nul\0byte", 8)};
    quire_band_instance bands[] = {DETAIL(0, r1), DETAIL(0, r2), DETAIL(0, r3)};
    quire_document doc = make_doc("csv", "u.csv", cols, 2);
    static const char expected[] = "s,caf\xc3\xa9\xef\xbf\xbd\n"
                                   "\xe2\x82\xac \xf0\x9f\x98\x80 \xd8\xb9,\n"
                                   "a\xef\xbf\xbd"
                                   "b\xef\xbf\xbd"
                                   "c\xef\xbf\xbd\xef\xbf\xbd"
                                   "d\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
                                   "e\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
                                   "f\xef\xbf\xbd,\n"
                                   "nul\0byte,\n";
    quire_error err;
    size_t len;
    char *got;
    plug p;

    (void)state;
    plug_open(*state, &p, NULL);
    assert_int_equal(render(&p, &doc, bands, COUNT(bands), &err), QUIRE_OK);
    got = slurp("u.csv", &len);
    assert_non_null(got);
    assert_int_equal(len, sizeof(expected) - 1);
    assert_memory_equal(got, expected, len);
    free(got);
    plug_close(&p);
}

/* No columns: nothing to write, not even a header. */
static void test_csv_no_columns(void **state)
{
    quire_band_value title[] = {v_static(NULL, "Nothing")};
    quire_band_instance bands[] = {BAND(QUIRE_BAND_TITLE, title)};
    quire_document doc = make_doc("csv", "empty.csv", NULL, 0);
    plug p;

    (void)state;
    plug_open(*state, &p, NULL);
    render_expect(&p, &doc, bands, COUNT(bands), "");
    plug_close(&p);
}

static void test_bad_values(void **state)
{
    static const char *const cols[] = {"id", "x"};
    quire_band_value unknown[] = {v_int("id", 1), v_int("nope", 2)};
    quire_band_value scale[] = {v_dec("x", 1, 39)};
    quire_band_value date[] = {v_date("x", INT64_MAX)};
    quire_band_value type[] = {named("x", 42)};
    struct {
        quire_band_instance band;
        const char *msg;
    } cases[] = {
        {DETAIL(0, unknown), "detail band value 'nope' is not one of the document's data columns"},
        {BAND(QUIRE_BAND_SUMMARY, scale),
         "summary band value 'x': decimal scale 39 is out of range (-38..38)"},
        {DETAIL(0, date),
         "detail band value 'x': date 9223372036854775807 days from 1970-01-01 is out of range"},
        {BAND(QUIRE_BAND_TITLE, type), "title band value 'x': unknown type 42"},
    };
    static const char *const formats[] = {"csv", "json"};
    quire_error err;
    plug p;

    (void)state;
    plug_open(*state, &p, NULL);
    for (size_t f = 0; f < COUNT(formats); f++) {
        for (size_t i = 0; i < COUNT(cases); i++) {
            quire_document doc = make_doc(formats[f], "bad.out", cols, 2);
            assert_int_equal(render(&p, &doc, &cases[i].band, 1, &err), QUIRE_ERR);
            assert_string_equal(err.msg, cases[i].msg);
            assert_int_equal(count_files(".", "bad"), 0);
        }
    }
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

static void test_band_size_checked(void **state)
{
    quire_band_value v[] = {v_int("id", 1)};
    quire_band_instance band = DETAIL(0, v);
    static const char *const cols[] = {"id"};
    quire_document doc = make_doc("csv", "size.csv", cols, 1);
    quire_error err;
    char want[128];
    plug p;

    (void)state;
    band.size = (uint32_t)offsetof(quire_band_instance, nvalues);
    plug_open(*state, &p, NULL);
    assert_int_equal(render(&p, &doc, &band, 1, &err), QUIRE_ERR);
    snprintf(want, sizeof(want), "band instance size %u, at least %zu required",
             (unsigned)offsetof(quire_band_instance, nvalues), sizeof(quire_band_instance));
    assert_string_equal(err.msg, want);
    plug_close(&p);
}

/* ============================== json ====================================== */

static void test_json_sales(void **state)
{
    plug p;
    sales s;
    quire_document doc = make_doc("json", "out.json", sales_columns, COUNT(sales_columns));

    (void)state;
    sales_init(&s);
    plug_open(*state, &p, NULL);
    render_expect(&p, &doc, s.bands, COUNT(s.bands), sales_json);
    assert_json_valid("out.json");
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

static void test_json_one_line(void **state)
{
    static const char *const cols[] = {"title", "id", "n"};
    quire_band_value title[] = {v_str("title", "T")};
    quire_band_value d1[] = {v_int("id", 1), v_float("n", 2.5)};
    quire_band_value d2[] = {v_int("id", 2), v_float("n", NAN)};
    quire_band_value summary[] = {v_int("n", 2)};
    quire_band_instance bands[] = {BAND(QUIRE_BAND_TITLE, title), DETAIL(0, d1), DETAIL(0, d2),
                                   BAND(QUIRE_BAND_SUMMARY, summary)};
    quire_document doc = make_doc("json", "one.json", cols, 3);
    plug p;

    (void)state;
    plug_open(*state, &p, "json_indent = 0\n");
    render_expect(
        &p, &doc, bands, COUNT(bands),
        "{\"report\":\"sales\",\"title\":{\"title\":\"T\"},\"details\":[{\"id\":1,\"n\":2.5},"
        "{\"id\":2,\"n\":null}],\"summary\":{\"n\":2}}\n");
    assert_json_valid("one.json");
    plug_close(&p);
    plug_open(*state, &p, "json_indent = 4\n");
    render_expect(&p, &doc, bands, COUNT(bands),
                  "{\n"
                  "    \"report\": \"sales\",\n"
                  "    \"title\": {\n"
                  "        \"title\": \"T\"\n"
                  "    },\n"
                  "    \"details\": [\n"
                  "        {\n"
                  "            \"id\": 1,\n"
                  "            \"n\": 2.5\n"
                  "        },\n"
                  "        {\n"
                  "            \"id\": 2,\n"
                  "            \"n\": null\n"
                  "        }\n"
                  "    ],\n"
                  "    \"summary\": {\n"
                  "        \"n\": 2\n"
                  "    }\n"
                  "}\n");
    assert_json_valid("one.json");
    plug_close(&p);
}

static void test_json_types(void **state)
{
    static const char *const cols[] = {"i", "d",   "f",  "inf", "nan", "z",
                                       "b", "day", "at", "s",   "n",   "big"};
    quire_band_value d[] = {
        v_int("i", -42),
        v_dec("d", 1250, 2),
        v_float("f", 1e20),
        v_float("inf", INFINITY),
        v_float("nan", NAN),
        v_float("z", -0.0),
        v_bool("b", 0),
        v_date("day", 19782),
        v_ts("at", INT64_C(1709211909123456)),
        v_str("s", "x"),
        v_null("n", QUIRE_TYPE_TIMESTAMP),
        v_dec("big", -5, 3),
    };
    quire_band_instance bands[] = {DETAIL(0, d)};
    quire_document doc = make_doc("json", "t.json", cols, COUNT(cols));
    plug p;

    (void)state;
    plug_open(*state, &p, "json_indent = 0\n");
    render_expect(&p, &doc, bands, COUNT(bands),
                  "{\"report\":\"sales\",\"details\":[{\"i\":-42,\"d\":12.50,\"f\":1e+20,"
                  "\"inf\":null,\"nan\":null,\"z\":-0,\"b\":false,\"day\":\"2024-02-29\","
                  "\"at\":\"2024-02-29T13:05:09.123456Z\",\"s\":\"x\",\"n\":null,"
                  "\"big\":-0.005}]}\n");
    assert_json_valid("t.json");
    plug_close(&p);
}

static void test_json_escapes(void **state)
{
    static const char *const cols[] = {"q\"k", "s", "u"};
    static const char ctl[] = "tab\there\nnl\x01\x1f\\back\"q\x7f/";
    static const char bad[] = "ok\xe2\x82\xac bad\xff\xc3";
    quire_band_value d[] = {v_str("q\"k", "v"), v_bytes("s", ctl, sizeof(ctl) - 1),
                            v_bytes("u", bad, sizeof(bad) - 1)};
    quire_band_instance bands[] = {DETAIL(0, d)};
    quire_document doc = make_doc("json", "e.json", cols, 3);
    plug p;

    (void)state;
    doc.report_name = "r\xe9port"; /* Latin-1 e-acute: invalid UTF-8 */
    plug_open(*state, &p, "json_indent = 0\n");
    render_expect(&p, &doc, bands, COUNT(bands),
                  "{\"report\":\"r\xef\xbf\xbdport\",\"details\":[{\"q\\\"k\":\"v\","
                  "\"s\":\"tab\\u0009here\\u000anl\\u0001\\u001f\\\\back\\\"q\x7f/\","
                  "\"u\":\"ok\xe2\x82\xac bad\xef\xbf\xbd\xef\xbf\xbd\"}]}\n");
    assert_json_valid("e.json");
    plug_close(&p);
}

/* Groups whose bands have no footer close when the next header at their
 * level (or an outer one) or the summary comes; a header with nothing but
 * static text still opens its group; integer group values stay numbers. */
static void test_json_groups_without_footers(void **state)
{
    static const char *const cols[] = {"id", "total"};
    quire_band_value none[] = {v_static(NULL, "Year")};
    quire_band_value d1[] = {v_int("id", 1)};
    quire_band_value d2[] = {v_int("id", 2)};
    quire_band_value d3[] = {v_int("id", 3)};
    quire_band_value summary[] = {v_int("total", 3)};
    quire_band_instance bands[] = {
        HEADER(1, "year", key_int(2023), none),
        HEADER(2, "month", key_int(12), none),
        DETAIL(2, d1),
        HEADER(1, "year", key_int(2024), none),
        HEADER(2, "month", key_int(1), none),
        DETAIL(2, d2),
        HEADER(2, "month", key_int(2), none),
        DETAIL(2, d3),
        BAND(QUIRE_BAND_SUMMARY, summary),
    };
    quire_document doc = make_doc("json", "g.json", cols, 2);
    plug p;

    (void)state;
    plug_open(*state, &p, "json_indent = 0\n");
    render_expect(&p, &doc, bands, COUNT(bands),
                  "{\"report\":\"sales\",\"groups\":["
                  "{\"group\":\"year\",\"value\":2023,\"groups\":["
                  "{\"group\":\"month\",\"value\":12,\"details\":[{\"id\":1}]}]},"
                  "{\"group\":\"year\",\"value\":2024,\"groups\":["
                  "{\"group\":\"month\",\"value\":1,\"details\":[{\"id\":2}]},"
                  "{\"group\":\"month\",\"value\":2,\"details\":[{\"id\":3}]}]}],"
                  "\"summary\":{\"total\":3}}\n");
    assert_json_valid("g.json");
    plug_close(&p);
}

/* Several bands of one section (two title bands, two header bands of one
 * group, two footer bands) share one object; a name already in it is not
 * repeated. A footer whose header never came opens its group. */
static void test_json_merged_bands(void **state)
{
    static const char *const cols[] = {"a", "b", "id", "sum", "n"};
    quire_band_value t1[] = {v_str("a", "first"), v_str("a", "again")};
    quire_band_value t2[] = {v_str("b", "second"), v_str("a", "third")};
    quire_band_value h1[] = {v_str("a", "h1")};
    quire_band_value h2[] = {v_str("b", "h2")};
    quire_band_value d1[] = {v_int("id", 1), v_int("id", 9)};
    quire_band_value f1[] = {v_int("sum", 1)};
    quire_band_value f2[] = {v_int("n", 1)};
    quire_band_value d2[] = {v_int("id", 2)};
    quire_band_value f3[] = {v_int("sum", 2)};
    quire_band_value nd[] = {v_str("a", "no rows")};
    quire_band_instance bands[] = {
        BAND(QUIRE_BAND_TITLE, t1),
        BAND(QUIRE_BAND_TITLE, t2),
        HEADER(1, "g", key_str("x"), h1),
        HEADER(1, "g", key_str("x"), h2),
        DETAIL(1, d1),
        FOOTER(1, "g", key_str("x"), f1),
        FOOTER(1, "g", key_str("x"), f2),
        DETAIL(1, d2), /* its header is missing: it lands in the root */
        FOOTER(1, "g", key_str("y"), f3),
        BAND(QUIRE_BAND_NO_DATA, nd),
    };
    quire_document doc = make_doc("json", "m.json", cols, COUNT(cols));
    plug p;

    (void)state;
    plug_open(*state, &p, "json_indent = 0\n");
    render_expect(
        &p, &doc, bands, COUNT(bands),
        "{\"report\":\"sales\",\"title\":{\"a\":\"first\",\"b\":\"second\"},"
        "\"groups\":[{\"group\":\"g\",\"value\":\"x\",\"header\":{\"a\":\"h1\",\"b\":\"h2\"},"
        "\"details\":[{\"id\":1}],\"footer\":{\"sum\":1,\"n\":1}}],"
        "\"details\":[{\"id\":2}],"
        "\"groups\":[{\"group\":\"g\",\"value\":\"y\",\"footer\":{\"sum\":2}}],"
        "\"no_data\":{\"a\":\"no rows\"}}\n");
    assert_json_valid("m.json");
    plug_close(&p);
}

/* Whatever order instances come in, the output is one valid document and
 * nothing leaks: pseudo-random sequences of every band kind, group levels
 * 1..4 (details 0..4), repeated and missing headers and footers. */
static void test_json_any_order(void **state)
{
    static const char *const cols[] = {"a", "b", "c"};
    static const char *const names[] = {"a", "b", "c", NULL, ""};
    static const uint32_t kinds[] = {QUIRE_BAND_TITLE,        QUIRE_BAND_GROUP_HEADER,
                                     QUIRE_BAND_GROUP_HEADER, QUIRE_BAND_DETAIL,
                                     QUIRE_BAND_DETAIL,       QUIRE_BAND_GROUP_FOOTER,
                                     QUIRE_BAND_SUMMARY,      QUIRE_BAND_NO_DATA,
                                     QUIRE_BAND_PAGE_HEADER,  77};
    enum { NBANDS = 400, NVALUES = 3 };
    quire_band_instance *bands = calloc(NBANDS, sizeof(*bands));
    quire_band_value(*values)[NVALUES] = calloc(NBANDS, sizeof(*values));
    plug p;

    (void)state;
    assert_non_null(bands);
    assert_non_null(values);
    for (uint64_t seed = 1; seed <= 4; seed++) {
        uint64_t x = seed * 0x9e3779b97f4a7c15u;
        for (size_t i = 0; i < NBANDS; i++) {
            uint32_t kind;
            size_t n = 0;
            x = x * 6364136223846793005u + 1442695040888963407u; /* an LCG */
            kind = kinds[(x >> 33) % COUNT(kinds)];
            for (size_t v = 0; v < (x >> 40) % (NVALUES + 1); v++) {
                const char *name = names[((x >> 45) + v) % COUNT(names)];
                values[i][n++] = (x >> (50 + v)) & 1 ? v_int(name, (int64_t)i) : v_str(name, "s");
            }
            if ((x >> 60) & 1 && n > 0)
                values[i][0].is_static = 1;
            bands[i] = band_of(kind, 0, NULL, no_key, values[i], n);
            if (kind == QUIRE_BAND_GROUP_HEADER || kind == QUIRE_BAND_GROUP_FOOTER) {
                bands[i].group_level = 1 + (uint32_t)((x >> 20) % 4);
                bands[i].group = (x >> 24) & 1 ? "g" : "h";
                bands[i].group_value = key_int((int64_t)((x >> 26) % 3));
            } else if (kind == QUIRE_BAND_DETAIL) {
                bands[i].group_level = (uint32_t)((x >> 20) % 5);
            }
        }
        for (int indent = 0; indent <= 2; indent += 2) {
            quire_document doc = make_doc("json", "any.json", cols, COUNT(cols));
            quire_error err;
            char section[32];
            snprintf(section, sizeof(section), "json_indent = %d\n", indent);
            plug_open(*state, &p, section);
            if (render(&p, &doc, bands, NBANDS, &err) != QUIRE_OK)
                fail_msg("seed %d: %s", (int)seed, err.msg);
            assert_json_valid("any.json");
            doc = make_doc("csv", "any.csv", cols, COUNT(cols));
            if (render(&p, &doc, bands, NBANDS, &err) != QUIRE_OK)
                fail_msg("seed %d: %s", (int)seed, err.msg);
            plug_close(&p);
            assert_int_equal(live_blocks, 0);
        }
    }
    free(values);
    free(bands);
}

/* A report with no rows and no title: just the name. */
static void test_json_empty(void **state)
{
    quire_document doc = make_doc("json", "empty.json", NULL, 0);
    plug p;

    (void)state;
    plug_open(*state, &p, NULL);
    render_expect(&p, &doc, NULL, 0, "{\n  \"report\": \"sales\"\n}\n");
    doc.report_name = NULL;
    render_expect(&p, &doc, NULL, 0, "{\n  \"report\": null\n}\n");
    assert_json_valid("empty.json");
    plug_close(&p);
}

/* ============================== Memory ==================================== */

/* Renders `rows` details in groups of 100 into /dev/null and returns the
 * most blocks the plugin held while doing so. */
static long peak_blocks(plug *p, const char *format, int rows)
{
    static const char *const cols[] = {"g", "id", "s"};
    quire_document doc = make_doc(format, "/dev/null", cols, 3);
    quire_error err = {0};
    void *instance = NULL;
    long base = live_blocks, peak = 0;

    assert_int_equal(p->ops->begin(p->rec->state_ptr, &doc, &instance, &err), QUIRE_OK);
    for (int i = 0; i < rows; i++) {
        char key[32];
        quire_band_value h[] = {v_str("g", key)};
        quire_band_value d[] = {v_int("id", i), v_str("s", "some text")};
        quire_band_instance band;
        snprintf(key, sizeof(key), "group %d", i / 100);
        if (i % 100 == 0) {
            band = HEADER(1, "g", key_str(key), h);
            assert_int_equal(p->ops->band(instance, &band, &err), QUIRE_OK);
        }
        band = DETAIL(1, d);
        assert_int_equal(p->ops->band(instance, &band, &err), QUIRE_OK);
        if (live_blocks - base > peak)
            peak = live_blocks - base;
    }
    assert_int_equal(p->ops->end(instance, &err), QUIRE_OK);
    assert_int_equal(live_blocks, base);
    return peak;
}

static void test_memory_does_not_grow(void **state)
{
    plug p;

    (void)state;
    plug_open(*state, &p, NULL);
    assert_int_equal(peak_blocks(&p, "csv", 200), peak_blocks(&p, "csv", 20000));
    assert_int_equal(peak_blocks(&p, "json", 200), peak_blocks(&p, "json", 20000));
    plug_close(&p);
}

/* ============================== Output files ============================== */

/* While rendering, the destination is untouched and the bytes go to
 * "NAME.tmp-XXXXXX" next to it; abort removes that and keeps the old file. */
static void test_abort_leaves_no_file(void **state)
{
    static const char *const cols[] = {"id"};
    quire_band_value d[] = {v_int("id", 1)};
    quire_band_instance band = DETAIL(0, d);
    static const char *const formats[] = {"csv", "json"};
    quire_error err = {0};
    void *instance;
    char *old;
    FILE *fp;
    plug p;

    (void)state;
    plug_open(*state, &p, NULL);
    for (size_t f = 0; f < COUNT(formats); f++) {
        quire_document doc = make_doc(formats[f], "fresh.out", cols, 1);
        assert_int_equal(p.ops->begin(p.rec->state_ptr, &doc, &instance, &err), QUIRE_OK);
        assert_int_equal(p.ops->band(instance, &band, &err), QUIRE_OK);
        assert_int_equal(count_files(".", "fresh.out.tmp-"), 1);
        p.ops->abort(instance);
        assert_int_equal(count_files(".", "fresh"), 0);
    }
    fp = fopen("keep.csv", "w");
    assert_non_null(fp);
    fputs("old\n", fp);
    fclose(fp);
    {
        quire_document doc = make_doc("csv", "keep.csv", cols, 1);
        assert_int_equal(p.ops->begin(p.rec->state_ptr, &doc, &instance, &err), QUIRE_OK);
        assert_int_equal(p.ops->band(instance, &band, &err), QUIRE_OK);
        p.ops->abort(instance);
    }
    old = slurp("keep.csv", NULL);
    assert_string_equal(old, "old\n");
    free(old);
    assert_int_equal(count_files(".", "keep.csv.tmp-"), 0);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* end() replaces an existing file; the result has the umask's mode; a
 * symlink keeps pointing at the file it named, which gets the output. */
static void test_replace_mode_and_symlink(void **state)
{
    static const char *const cols[] = {"id"};
    quire_band_value d[] = {v_int("id", 7)};
    quire_band_instance band = DETAIL(0, d);
    quire_document doc = make_doc("csv", "r.csv", cols, 1);
    struct stat st;
    FILE *fp;
    plug p;
    char *got;

    (void)state;
    fp = fopen("r.csv", "w");
    assert_non_null(fp);
    fputs("old contents that are longer\n", fp);
    fclose(fp);
    umask(027);
    plug_open(*state, &p, NULL); /* init reads the umask */
    umask(022);
    render_expect(&p, &doc, &band, 1, "id\n7\n");
    assert_int_equal(stat("r.csv", &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
    assert_int_equal(symlink("r.csv", "link.csv"), 0);
    doc.output_path = "link.csv";
    d[0] = v_int("id", 8);
    render_expect(&p, &doc, &band, 1, "id\n8\n");
    assert_int_equal(lstat("link.csv", &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    got = slurp("r.csv", NULL);
    assert_string_equal(got, "id\n8\n");
    free(got);
    assert_int_equal(count_files(".", "r.csv.tmp-") + count_files(".", "link.csv.tmp-"), 0);
    plug_close(&p);
}

static void test_cannot_create(void **state)
{
    static const char *const cols[] = {"id"};
    quire_document doc = make_doc("csv", "nodir/x.csv", cols, 1);
    quire_error err;
    plug p;

    (void)state;
    plug_open(*state, &p, NULL);
    assert_int_equal(render(&p, &doc, NULL, 0, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "cannot create 'nodir/x.csv': No such file or directory");
    assert_int_equal(mkdir("adir", 0755), 0);
    doc = make_doc("json", "adir", cols, 1);
    assert_int_equal(render(&p, &doc, NULL, 0, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "cannot create 'adir': Is a directory");
    assert_int_equal(count_files("adir", "adir"), 0);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* /dev/full: the error names the path and the reason, from end() for a
 * small output and from band() once the buffer fills; nothing is created. */
static void test_disk_full(void **state)
{
    static const char *const cols[] = {"id", "s"};
    static const char *const formats[] = {"csv", "json"};
    quire_band_value d[] = {v_int("id", 1), v_str("s", "a line of text to fill the buffer")};
    quire_band_instance band = DETAIL(0, d);
    quire_error err;
    void *instance;
    plug p;

    (void)state;
    if (access("/dev/full", W_OK) != 0)
        skip();
    plug_open(*state, &p, NULL);
    for (size_t f = 0; f < COUNT(formats); f++) {
        quire_document doc = make_doc(formats[f], "/dev/full", cols, 2);
        int failed = 0;
        assert_int_equal(render(&p, &doc, &band, 1, &err), QUIRE_ERR);
        assert_string_equal(err.msg, "cannot write '/dev/full': No space left on device");
        assert_int_equal(p.ops->begin(p.rec->state_ptr, &doc, &instance, &err), QUIRE_OK);
        for (int i = 0; i < 100000 && !failed; i++)
            failed = p.ops->band(instance, &band, &err) != QUIRE_OK;
        assert_true(failed);
        assert_string_equal(err.msg, "cannot write '/dev/full': No space left on device");
        p.ops->abort(instance);
    }
    assert_int_equal(count_files("/dev", "full.tmp-"), 0);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* Runs a render with fd 1 on `fd`, putting stdout back afterwards. */
static int render_to_fd(plug *p, const quire_document *doc, const quire_band_instance *bands,
                        size_t n, int fd, quire_error *err)
{
    int saved, rc;

    fflush(stdout);
    saved = dup(1);
    assert_true(saved >= 0);
    assert_int_equal(dup2(fd, 1), 1);
    rc = render(p, doc, bands, n, err);
    assert_int_equal(dup2(saved, 1), 1);
    close(saved);
    return rc;
}

static void test_stdout(void **state)
{
    static const char *const cols[] = {"id"};
    quire_band_value d[] = {v_int("id", 5)};
    quire_band_instance band = DETAIL(0, d);
    quire_document doc = make_doc("csv", "-", cols, 1);
    quire_error err;
    int fd, pipefd[2];
    char *got;
    plug p;

    (void)state;
    plug_open(*state, &p, NULL);
    fd = open("captured", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(render_to_fd(&p, &doc, &band, 1, fd, &err), QUIRE_OK);
    close(fd);
    got = slurp("captured", NULL);
    assert_string_equal(got, "id\n5\n");
    free(got);
    assert_int_equal(count_files(".", "-"), 0);
    /* A reader that went away: EPIPE (SIGPIPE is ignored, as in the kernel). */
    assert_int_equal(pipe(pipefd), 0);
    close(pipefd[0]);
    doc = make_doc("json", "-", cols, 1);
    assert_int_equal(render_to_fd(&p, &doc, &band, 1, pipefd[1], &err), QUIRE_ERR);
    close(pipefd[1]);
    assert_string_equal(err.msg, "cannot write standard output: Broken pipe");
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* ============================== Main ====================================== */

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_formats_registered, test_setup),
        cmocka_unit_test_setup(test_bad_delimiter, test_setup),
        cmocka_unit_test_setup(test_page_refused, test_setup),
        cmocka_unit_test_setup(test_csv_sales, test_setup),
        cmocka_unit_test_setup(test_csv_types, test_setup),
        cmocka_unit_test_setup(test_csv_quoting, test_setup),
        cmocka_unit_test_setup(test_csv_rows_and_columns, test_setup),
        cmocka_unit_test_setup(test_csv_options, test_setup),
        cmocka_unit_test_setup(test_csv_utf8, test_setup),
        cmocka_unit_test_setup(test_csv_no_columns, test_setup),
        cmocka_unit_test_setup(test_bad_values, test_setup),
        cmocka_unit_test_setup(test_band_size_checked, test_setup),
        cmocka_unit_test_setup(test_json_sales, test_setup),
        cmocka_unit_test_setup(test_json_one_line, test_setup),
        cmocka_unit_test_setup(test_json_types, test_setup),
        cmocka_unit_test_setup(test_json_escapes, test_setup),
        cmocka_unit_test_setup(test_json_groups_without_footers, test_setup),
        cmocka_unit_test_setup(test_json_merged_bands, test_setup),
        cmocka_unit_test_setup(test_json_empty, test_setup),
        cmocka_unit_test_setup(test_json_any_order, test_setup),
        cmocka_unit_test_setup(test_memory_does_not_grow, test_setup),
        cmocka_unit_test_setup(test_abort_leaves_no_file, test_setup),
        cmocka_unit_test_setup(test_replace_mode_and_symlink, test_setup),
        cmocka_unit_test_setup(test_cannot_create, test_setup),
        cmocka_unit_test_setup(test_disk_full, test_setup),
        cmocka_unit_test_setup(test_stdout, test_setup),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
