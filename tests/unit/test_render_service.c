/*
 * test_render_service.c - the render service and the report catalog
 * (kernel/render_service.h, kernel/report_catalog.h) against the real
 * plugins of $QUIRE_BUILD: validation errors and their classes, a CSV
 * render checked against sums computed here from the generated input,
 * cancel, pause, one SVG page, and four renders at once on one kernel.
 *
 * Data: 2000 rows from $QUIRE_BUILD/bench/gen_sales in a scratch directory
 * that is also the catalog's report_dirs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kernel.h"
#include "registry.h"
#include "render_service.h"
#include "report_catalog.h"

#define ROWS     2000
#define NREGIONS 16

typedef struct fixture {
    char dir[256];     /* scratch: reports/, reports2/, out/ */
    char reports[300]; /* first report dir */
    char data[320];    /* reports/data/sales.csv */
    kernel *k;
} fixture;

/* ============================== Set-up ==================================== */

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void copy_file(const char *from, const char *to)
{
    char buf[8192];
    size_t n;
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    assert_non_null(in);
    assert_non_null(out);
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    assert_int_equal(fclose(out), 0);
}

static int setup(void **state)
{
    fixture *fxp = calloc(1, sizeof(*fxp));
    const char *build = getenv("QUIRE_BUILD") ? getenv("QUIRE_BUILD") : "build";
    char path[600], cmd[1200], cwd[512], conf[2048];
    diag d = {0};
    int code;

    assert_non_null(fxp);
#define fx (*fxp)
    snprintf(fx.dir, sizeof(fx.dir), "/tmp/quire-rs-XXXXXX");
    assert_non_null(mkdtemp(fx.dir));
    snprintf(fx.reports, sizeof(fx.reports), "%s/reports", fx.dir);
    snprintf(fx.data, sizeof(fx.data), "%s/data/sales.csv", fx.reports);
    assert_int_equal(mkdir(fx.reports, 0700), 0);
    snprintf(path, sizeof(path), "%s/data", fx.reports);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/reports2", fx.dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/out", fx.dir);
    assert_int_equal(mkdir(path, 0700), 0);

    snprintf(cmd, sizeof(cmd), "%s/bench/gen_sales %d %s", build, ROWS, fx.data);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof(path), "%s/sales.quire", fx.reports);
    copy_file("examples/sales.quire", path);
    snprintf(path, sizeof(path), "%s/region_summary.quire", fx.reports);
    copy_file("examples/region_summary.quire", path);
    snprintf(path, sizeof(path), "%s/broken.quire", fx.reports);
    write_file(path, "report { titel = \"x\" }\n");
    snprintf(path, sizeof(path), "%s/bad name.quire", fx.reports);
    write_file(path, "report { title = \"x\" }\n");
    snprintf(path, sizeof(path), "%s/reports2/sales.quire", fx.dir);
    write_file(path, "report { title = \"the second sales\" }\n");

    assert_non_null(getcwd(cwd, sizeof(cwd)));
    snprintf(conf, sizeof(conf),
             "[kernel]\nplugin_dir = %s/%s/plugins\nplugins = csv, data, pdf, cairo, "
             "chart_standard\nplugin_probe = no\nreport_dirs = reports, reports2, missing\n"
             "temp_dir = %s\nworkers = 2\n",
             build[0] == '/' ? "" : cwd, build, fx.dir);
    snprintf(path, sizeof(path), "%s/quire.conf", fx.dir);
    write_file(path, conf);
    if (kernel_open(path, &fx.k, &d) != QUIRE_OK ||
        kernel_load_plugins(fx.k, &d, &code) != QUIRE_OK) {
        diag_print(&d, stderr);
        fail_msg("kernel did not load");
    }
    diag_clear(&d);
#undef fx
    *state = fxp;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    char cmd[400];
    kernel_close(fx->k);
    int rc;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
    rc = system(cmd) == 0 ? 0 : -1;
    free(fx);
    return rc;
}

/* ============================== Helpers =================================== */

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static size_t files_in(const char *dir)
{
    size_t n = 0;
    DIR *dh = opendir(dir);
    struct dirent *de;
    assert_non_null(dh);
    while ((de = readdir(dh)) != NULL)
        if (de->d_name[0] != '.')
            n++;
    closedir(dh);
    return n;
}

/* Splits one CSV line into at most `max` fields (quotes honoured; "" is a
 * quote inside quotes). Fields are written into buf. */
static int csv_split(const char *line, char fields[][64], int max)
{
    int n = 0, q = 0;
    size_t at = 0;
    fields[0][0] = '\0';
    for (const char *c = line; *c && *c != '\n' && *c != '\r'; c++) {
        if (q && *c == '"' && c[1] == '"') {
            c++;
        } else if (*c == '"') {
            q = !q;
            continue;
        } else if (!q && *c == ',') {
            if (++n >= max)
                return n;
            at = 0;
            fields[n][0] = '\0';
            continue;
        }
        if (at < 63) {
            fields[n][at++] = *c;
            fields[n][at] = '\0';
        }
    }
    return n + 1;
}

/* "1234.56" as cents. */
static long long cents(const char *s)
{
    long long whole = 0, frac = 0;
    int neg = *s == '-', digits = 0;
    if (neg)
        s++;
    for (; *s >= '0' && *s <= '9'; s++)
        whole = whole * 10 + (*s - '0');
    if (*s == '.')
        for (s++; *s >= '0' && *s <= '9' && digits < 2; s++, digits++)
            frac = frac * 10 + (*s - '0');
    for (; digits < 2; digits++)
        frac *= 10;
    return (neg ? -1 : 1) * (whole * 100 + frac);
}

typedef struct totals {
    char region[NREGIONS][64];
    long long sum[NREGIONS];
    int nregions;
    long long rows;
} totals;

static void add_to(totals *t, const char *region, long long amount)
{
    int i = 0;
    while (i < t->nregions && strcmp(t->region[i], region) != 0)
        i++;
    if (i == t->nregions) {
        assert_true(t->nregions < NREGIONS);
        snprintf(t->region[t->nregions++], 64, "%s", region);
    }
    t->sum[i] += amount;
    t->rows++;
}

static long long sum_of(const totals *t, const char *region)
{
    for (int i = 0; i < t->nregions; i++)
        if (strcmp(t->region[i], region) == 0)
            return t->sum[i];
    return -1;
}

/* The input: amount (column 11) per region (column 3). */
static void input_totals(const char *path, totals *t)
{
    char line[512], f[16][64];
    FILE *in = fopen(path, "r");
    memset(t, 0, sizeof(*t));
    assert_non_null(in);
    assert_non_null(fgets(line, sizeof(line), in)); /* header */
    while (fgets(line, sizeof(line), in) != NULL) {
        assert_int_equal(csv_split(line, f, 16), 11);
        add_to(t, f[2], cents(f[10]));
    }
    fclose(in);
}

/* The export of sales.quire: a group header row names the region (column
 * 1); detail rows have an order id (column 3) and the amount (column 8). */
static void output_totals(const char *path, totals *t)
{
    char line[1024], f[32][64], region[64] = "";
    FILE *in = fopen(path, "r");
    memset(t, 0, sizeof(*t));
    assert_non_null(in);
    assert_non_null(fgets(line, sizeof(line), in));
    while (fgets(line, sizeof(line), in) != NULL) {
        int n = csv_split(line, f, 32);
        assert_true(n >= 8);
        if (f[0][0] != '\0')
            snprintf(region, sizeof(region), "%s", f[0]);
        if (f[2][0] != '\0')
            add_to(t, region, cents(f[7]));
    }
    fclose(in);
}

static void assert_same_totals(const totals *a, const totals *b)
{
    assert_int_equal(a->rows, b->rows);
    assert_int_equal(a->nregions, b->nregions);
    for (int i = 0; i < a->nregions; i++)
        assert_int_equal(a->sum[i], sum_of(b, a->region[i]));
}

/* ============================== Validation ================================ */

static void validate_ok(void **state)
{
    fixture *fx = *state;
    render_req r = {.report = "sales", .format = "pdf"};
    render_error e = {0};
    assert_int_equal(render_validate(fx->k, &r, &e), 0);
    assert_int_equal(e.cls, RENDER_OK);
    assert_null(e.text);
}

static void unknown_report(void **state)
{
    fixture *fx = *state;
    const char *names[] = {"nope", "../reports/sales", "sales.quire", "", "bad name"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        render_req r = {.report = names[i], .format = "csv"};
        render_error e = {0};
        char want[200];
        assert_int_equal(render_validate(fx->k, &r, &e), -1);
        assert_int_equal(e.cls, RENDER_E_NOT_FOUND);
        snprintf(want, sizeof(want), "error: unknown report '%s': not a name of report_dirs\n",
                 names[i]);
        assert_string_equal(e.text, want);
        render_error_clear(&e);
    }
}

static void definition_error(void **state)
{
    fixture *fx = *state;
    render_req r = {.report = "broken", .format = "csv"};
    render_error e = {0};
    char want[800];
    assert_int_equal(render_validate(fx->k, &r, &e), -1);
    assert_int_equal(e.cls, RENDER_E_INVALID);
    /* `report { titel` : the attribute starts in column 10 of line 1. */
    snprintf(want, sizeof(want),
             "%s/broken.quire:1:10: error: unknown attribute 'titel' in report (did you mean "
             "'title'?)\n"
             "    report { titel = \"x\" }\n"
             "             ^\n",
             fx->reports);
    assert_string_equal(e.text, want);
    render_error_clear(&e);
}

static void bad_param(void **state)
{
    fixture *fx = *state;
    render_param p = {"year", "20x3"};
    render_req r = {.report = "region_summary", .format = "csv", .params = &p, .nparams = 1};
    render_error e = {0};
    assert_int_equal(render_validate(fx->k, &r, &e), -1);
    assert_int_equal(e.cls, RENDER_E_INVALID);
    assert_non_null(strstr(e.text, "parameter 'year': '20x3' is not a valid int"));
    render_error_clear(&e);
}

static void unknown_format(void **state)
{
    fixture *fx = *state;
    render_req r = {.report = "sales", .format = "docx"};
    render_error e = {0};
    char want[600] = "error: unknown format 'docx'; formats: ";
    for (size_t i = 0; i < fx->k->nformats; i++)
        snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s%s", i ? ", " : "",
                 fx->k->formats[i].name);
    strcat(want, "\n");
    assert_int_equal(render_validate(fx->k, &r, &e), -1);
    assert_int_equal(e.cls, RENDER_E_INVALID);
    assert_string_equal(e.text, want);
    assert_non_null(strstr(e.text, "csv"));
    assert_non_null(strstr(e.text, "pdf"));
    render_error_clear(&e);
}

/* ============================== Catalog =================================== */

static void catalog(void **state)
{
    fixture *fx = *state;
    catalog_list l;
    catalog_report *cr = NULL;
    render_error e = {0};
    int saw_dup = 0, saw_name = 0, saw_missing = 0;

    assert_int_equal(catalog_list_reports(fx->k, &l), 0);
    assert_int_equal(l.count, 3);
    assert_string_equal(l.items[0].name, "broken");
    assert_non_null(l.items[0].error);
    assert_string_equal(l.items[1].name, "region_summary");
    assert_string_equal(l.items[1].title, "Revenue by region and quarter");
    assert_string_equal(l.items[2].name, "sales");
    assert_string_equal(l.items[2].title, "Sales by region"); /* the first dir wins */
    assert_string_equal(l.items[2].description, "Orders 2021-2024 by region");
    assert_null(l.items[2].error);
    for (size_t i = 0; i < l.nwarnings; i++) {
        saw_dup |= strstr(l.warnings[i], "reports2/sales.quire: skipped") != NULL;
        saw_name |= strstr(l.warnings[i], "bad name.quire: skipped") != NULL;
        saw_missing |= strstr(l.warnings[i], "missing: cannot read") != NULL;
    }
    assert_true(saw_dup && saw_name && saw_missing);
    catalog_list_free(&l);

    assert_int_equal(catalog_describe(fx->k, "region_summary", &cr, &e), 0);
    assert_string_equal(cr->locale, "en-US");
    assert_int_equal(cr->nparams, 1);
    assert_string_equal(cr->params[0].name, "year");
    assert_string_equal(cr->params[0].type, "int");
    assert_string_equal(cr->params[0].default_text, "2023");
    assert_string_equal(cr->params[0].label, "Year");
    assert_int_equal(cr->params[0].required, 0);
    assert_int_equal(cr->nsources, 1);
    assert_string_equal(cr->sources[0].plugin, "csv");
    assert_string_equal(cr->sources[0].path, "data/sales.csv");
    assert_int_equal(cr->nformats, fx->k->nformats);
    catalog_report_free(cr);
    assert_int_equal(catalog_describe(fx->k, "broken", &cr, &e), -1);
    assert_int_equal(e.cls, RENDER_E_INVALID);
    render_error_clear(&e);
    assert_int_equal(catalog_describe(fx->k, "../x", &cr, &e), -1);
    assert_int_equal(e.cls, RENDER_E_NOT_FOUND);
    render_error_clear(&e);
}

/* ============================== Runs ====================================== */

static void run_csv(void **state)
{
    fixture *fx = *state;
    char out[400];
    render_req r = {.report = "sales", .format = "csv", .output = out};
    render_result res;
    render_error e = {0};
    totals in, got;
    snprintf(out, sizeof(out), "%s/out/sales.csv", fx->dir);
    assert_int_equal(render_run(fx->k, &r, NULL, &res, &e), 0);
    assert_int_equal(res.rows_read, ROWS);
    assert_string_equal(res.mime_type, "text/csv");
    assert_true(res.output_bytes > 0);
    input_totals(fx->data, &in);
    output_totals(out, &got);
    assert_int_equal(got.rows, ROWS);
    assert_same_totals(&in, &got);
    render_result_free(&res);
    unlink(out);
}

static void cancel_before_start(void **state)
{
    fixture *fx = *state;
    char out[400];
    render_req r = {.report = "sales", .format = "pdf", .output = out};
    render_ctl ctl;
    render_result res;
    render_error e = {0};
    snprintf(out, sizeof(out), "%s/out/cancel0.pdf", fx->dir);
    render_ctl_init(&ctl);
    atomic_store(&ctl.cancel, 1);
    assert_int_equal(render_run(fx->k, &r, &ctl, &res, &e), -1);
    assert_int_equal(e.cls, RENDER_E_CANCELED);
    assert_false(file_exists(out));
    assert_int_equal(atomic_load(&ctl.phase), RENDER_PHASE_DONE);
    render_result_free(&res);
    render_error_clear(&e);
}

typedef struct bg {
    kernel *k;
    render_req r;
    render_ctl ctl;
    render_result res;
    render_error e;
    int rc;
    _Atomic int done;
} bg;

static void *bg_run(void *arg)
{
    bg *b = arg;
    b->rc = render_run(b->k, &b->r, &b->ctl, &b->res, &b->e);
    atomic_store(&b->done, 1);
    return NULL;
}

static void nap_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

/* Waits (at most 10 s) until the render is reading: paused before its first
 * batch, with the renderer open. */
static void wait_reading(bg *b)
{
    for (int i = 0; i < 1000 && atomic_load(&b->ctl.phase) < RENDER_PHASE_READ; i++)
        nap_ms(10);
    assert_true(atomic_load(&b->ctl.phase) >= RENDER_PHASE_READ);
}

static void cancel_mid_run(void **state)
{
    fixture *fx = *state;
    char out[400];
    bg *b = calloc(1, sizeof(*b));
    pthread_t t;
    assert_non_null(b);
    snprintf(out, sizeof(out), "%s/out/cancel1.pdf", fx->dir);
    b->k = fx->k;
    b->r = (render_req){.report = "sales", .format = "pdf", .output = out};
    render_ctl_init(&b->ctl);
    atomic_store(&b->ctl.pause, 1); /* holds it at the first batch */
    assert_int_equal(pthread_create(&t, NULL, bg_run, b), 0);
    wait_reading(b);
    atomic_store(&b->ctl.cancel, 1); /* a cancel while paused stops it */
    pthread_join(t, NULL);
    assert_int_equal(b->rc, -1);
    assert_int_equal(b->e.cls, RENDER_E_CANCELED);
    assert_string_equal(b->e.text, "error: render cancelled: no output was written\n");
    assert_false(file_exists(out));
    render_result_free(&b->res);
    render_error_clear(&b->e);
    free(b);
}

static void pause_resume(void **state)
{
    fixture *fx = *state;
    char out[400];
    bg *b = calloc(1, sizeof(*b));
    pthread_t t;
    int64_t r1, r2;
    assert_non_null(b);
    snprintf(out, sizeof(out), "%s/out/paused.csv", fx->dir);
    b->k = fx->k;
    b->r = (render_req){.report = "sales", .format = "csv", .output = out};
    render_ctl_init(&b->ctl);
    atomic_store(&b->ctl.pause, 1);
    assert_int_equal(pthread_create(&t, NULL, bg_run, b), 0);
    wait_reading(b);
    r1 = atomic_load(&b->ctl.rows);
    nap_ms(100);
    r2 = atomic_load(&b->ctl.rows);
    assert_int_equal(r1, r2);
    assert_true(r2 < ROWS);
    assert_int_equal(atomic_load(&b->done), 0);
    atomic_store(&b->ctl.pause, 0);
    pthread_join(t, NULL);
    assert_int_equal(b->rc, 0);
    assert_int_equal(atomic_load(&b->ctl.rows), ROWS);
    assert_int_equal(b->res.rows_read, ROWS);
    assert_true(file_exists(out));
    render_result_free(&b->res);
    free(b);
    unlink(out);
}

static void svg_page(void **state)
{
    fixture *fx = *state;
    char dir[400], out[450];
    render_req r = {.report = "sales", .format = "svg", .page = 2, .output = out};
    render_result res;
    render_error e = {0};
    char want[200];
    FILE *f;
    char head[256] = "";
    uint32_t pages;

    snprintf(dir, sizeof(dir), "%s/out/svg", fx->dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(out, sizeof(out), "%s/page.svg", dir);
    assert_int_equal(render_run(fx->k, &r, NULL, &res, &e), 0);
    assert_true(res.pages >= 2);
    assert_int_equal(res.pages_sent, 1);
    assert_int_equal(files_in(dir), 1); /* only the one page, at `output` */
    f = fopen(out, "r");
    assert_non_null(f);
    assert_true(fread(head, 1, sizeof(head) - 1, f) > 0);
    fclose(f);
    assert_non_null(strstr(head, "<svg"));
    pages = res.pages;
    render_result_free(&res);
    unlink(out);

    r.page = 9999;
    assert_int_equal(render_run(fx->k, &r, NULL, &res, &e), -1);
    assert_int_equal(e.cls, RENDER_E_INVALID);
    snprintf(want, sizeof(want), "error: page 9999 does not exist: the report has %u pages\n",
             pages);
    assert_string_equal(e.text, want);
    assert_int_equal(files_in(dir), 0);
    render_result_free(&res);
    render_error_clear(&e);
    rmdir(dir);
}

/* ============================== Concurrency =============================== */

static void concurrent(void **state)
{
    fixture *fx = *state;
    const char *formats[4] = {"pdf", "csv", "pdf", "csv"};
    char outs[4][400], ref_csv[400], ref_pdf[400];
    bg *b = calloc(4, sizeof(*b));
    pthread_t t[4];
    render_result ref_c, ref_p;
    render_error e = {0};
    render_req r;
    totals in, want, got;

    assert_non_null(b);
    /* Single-threaded references first. */
    snprintf(ref_csv, sizeof(ref_csv), "%s/out/ref.csv", fx->dir);
    snprintf(ref_pdf, sizeof(ref_pdf), "%s/out/ref.pdf", fx->dir);
    r = (render_req){.report = "sales", .format = "csv", .output = ref_csv};
    assert_int_equal(render_run(fx->k, &r, NULL, &ref_c, &e), 0);
    r = (render_req){.report = "sales", .format = "pdf", .output = ref_pdf};
    assert_int_equal(render_run(fx->k, &r, NULL, &ref_p, &e), 0);
    assert_true(ref_p.pages > 1);
    output_totals(ref_csv, &want);
    input_totals(fx->data, &in);
    assert_same_totals(&in, &want);

    for (int i = 0; i < 4; i++) {
        snprintf(outs[i], sizeof(outs[i]), "%s/out/c%d.%s", fx->dir, i, formats[i]);
        b[i].k = fx->k;
        b[i].r = (render_req){.report = "sales", .format = formats[i], .output = outs[i]};
        render_ctl_init(&b[i].ctl);
        assert_int_equal(pthread_create(&t[i], NULL, bg_run, &b[i]), 0);
    }
    /* And a validation on this thread meanwhile. */
    r = (render_req){.report = "region_summary", .format = "pdf"};
    assert_int_equal(render_validate(fx->k, &r, &e), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(b[i].rc, 0);
        assert_int_equal(b[i].res.rows_read, ROWS);
        if (strcmp(formats[i], "csv") == 0) {
            output_totals(outs[i], &got);
            assert_same_totals(&want, &got);
        } else {
            assert_int_equal(b[i].res.pages, ref_p.pages);
            assert_int_equal(atomic_load(&b[i].ctl.pages), ref_p.pages);
        }
        render_result_free(&b[i].res);
        unlink(outs[i]);
    }
    render_result_free(&ref_c);
    render_result_free(&ref_p);
    unlink(ref_csv);
    unlink(ref_pdf);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(validate_ok),      cmocka_unit_test(unknown_report),
        cmocka_unit_test(definition_error), cmocka_unit_test(bad_param),
        cmocka_unit_test(unknown_format),   cmocka_unit_test(catalog),
        cmocka_unit_test(run_csv),          cmocka_unit_test(cancel_before_start),
        cmocka_unit_test(cancel_mid_run),   cmocka_unit_test(pause_resume),
        cmocka_unit_test(svg_page),         cmocka_unit_test(concurrent),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
