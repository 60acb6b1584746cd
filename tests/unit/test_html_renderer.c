/*
 * test_html_renderer.c - the html renderer plugin (plugins/html, format
 * html), driven through the real build/plugins/html.so as the kernel drives
 * it: loaded with kernel_load_path, configured with config_build from a
 * [renderer.html] text, initialised through its descriptor, then fed
 * print-model pages (tests/unit/print_fixture.h and pages built here)
 * through begin/page/end (or abort).
 *
 * The output is read back by tools that share no code with the plugin:
 * python3's html.parser (tests/browser/check_html.py: balanced tags, what
 * the tables, headings and data: URIs hold) and the system Chromium
 * (tests/browser/screenshot.mjs through playwright-core: what a browser
 * shows at desktop and phone widths, and how it prints). Expected values
 * are written by hand from the fixture's numbers. A missing node, chromium
 * or playwright-core fails the browser test with a message naming it.
 *
 * The plugin gets a copy of the host table whose allocator counts live
 * blocks, so every test also checks that nothing leaked. Scratch files go
 * to a temporary directory; the fixture's HTML, screenshots and printed
 * PDF stay in $QUIRE_BUILD/tests/ for people to look at.
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

#include "print_fixture.h"

/* ============================== Fixture =================================== */

typedef struct fixture {
    char so[PATH_MAX];
    char dir[PATH_MAX];   /* scratch directory */
    char build[PATH_MAX]; /* $QUIRE_BUILD/tests, absolute */
    quire_host host;      /* the kernel's table with the counting allocator */
} fixture;

/* Loads html.so with `section` as the lines of [renderer.html] (NULL for the
 * defaults) and runs its init. */
static void plug_open(const fixture *fx, plug *p, const char *section)
{
    quire_error err = {0};

    if (plug_load(p, fx->so, &fx->host, "renderer.html", section, &err) != QUIRE_OK)
        fail_msg("init: %s", err.msg);
}

static int count_files(const char *dir_path)
{
    DIR *dir = opendir(dir_path);
    struct dirent *e;
    int n = 0;

    assert_non_null(dir);
    while ((e = readdir(dir)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(dir);
    return n;
}

static int group_setup(void **state)
{
    const char *build = getenv("QUIRE_BUILD");
    char so[PATH_MAX + 32], tests[PATH_MAX + 32];
    fixture *fx = calloc(1, sizeof(*fx));

    if (fx == NULL)
        return -1;
    if (build == NULL || build[0] == '\0')
        build = "build";
    snprintf(so, sizeof(so), "%s/plugins/html.so", build);
    snprintf(tests, sizeof(tests), "%s/tests", build);
    mkdir(tests, 0755);
    if (realpath(so, fx->so) == NULL || realpath(tests, fx->build) == NULL) {
        fprintf(stderr, "# %s: not found (build it first)\n", so);
        free(fx);
        return -1;
    }
    fx->host = harness_counting_host();
    snprintf(fx->dir, sizeof(fx->dir), "/tmp/quire-test-html-XXXXXX");
    if (mkdtemp(fx->dir) == NULL) {
        free(fx);
        return -1;
    }
    signal(SIGPIPE, SIG_IGN); /* as the kernel does */
    umask(022);
    *state = fx;
    return 0;
}

static int group_teardown(void **state)
{
    fixture *fx = *state;

    harness_remove_files(fx->dir);
    rmdir(fx->dir);
    free(fx);
    return 0;
}

static int test_setup(void **state)
{
    fixture *fx = *state;

    harness_remove_files(fx->dir);
    live_blocks = 0;
    return 0;
}

/* ============================== Helpers =================================== */

/* dir/name into buf. */
static const char *scratch(const fixture *fx, const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", fx->dir, name);
    return buf;
}

/* begin, every page, end; on a failing page, abort (as the kernel would).
 * Returns the first failure's status with *err set. */
static int render(plug *p, const quire_document *doc, const quire_page *pages, size_t n,
                  quire_error *err)
{
    void *instance = NULL;

    memset(err, 0, sizeof(*err));
    if (p->ops->begin(p->rec->state_ptr, doc, &instance, err) != QUIRE_OK)
        return QUIRE_ERR;
    for (size_t i = 0; i < n; i++) {
        if (p->ops->page(instance, &pages[i], err) != QUIRE_OK) {
            p->ops->abort(instance);
            return QUIRE_ERR;
        }
    }
    return p->ops->end(instance, err);
}

/* Renders the print fixture to `path`. */
static void render_fixture(plug *p, print_fixture *pf, const char *path)
{
    quire_error err;

    pf->doc.format = "html";
    pf->doc.output_path = path;
    if (render(p, &pf->doc, pf->pages, 2, &err) != QUIRE_OK)
        fail_msg("render: %s", err.msg);
}

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

/* Runs a shell command; returns its stdout (caller frees) and exit status. */
static char *run_capture(const char *cmd, int *status)
{
    FILE *fp = popen(cmd, "r");
    char *buf = NULL;
    size_t len = 0, cap = 0, n;
    int st;

    assert_non_null(fp);
    do {
        if (cap - len < 4096) {
            cap = cap ? cap * 2 : 8192;
            buf = realloc(buf, cap + 1);
            assert_non_null(buf);
        }
        n = fread(buf + len, 1, cap - len, fp);
        len += n;
    } while (n > 0);
    buf[len] = '\0';
    st = pclose(fp);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
    return buf;
}

/* The checker's facts about `path` (caller frees); fails the test when the
 * checker reports a structural error. `extra` adds arguments. */
static char *check_html(const char *path, const char *extra)
{
    char cmd[2 * PATH_MAX];
    char *facts;
    int status;

    snprintf(cmd, sizeof(cmd), "python3 tests/browser/check_html.py '%s' %s", path,
             extra ? extra : "");
    facts = run_capture(cmd, &status);
    if (status == 127) {
        free(facts);
        fail_msg("python3 is not installed (make deps installs it)");
    }
    if (status != 0) {
        fprintf(stderr, "%s", facts);
        free(facts);
        fail_msg("check_html.py %s: exit status %d", path, status);
    }
    return facts;
}

/* `facts` has the whole line `line`. */
static void assert_fact(const char *facts, const char *line)
{
    size_t n = strlen(line);

    for (const char *p = facts; (p = strstr(p, line)) != NULL; p++)
        if ((p == facts || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
            return;
    fprintf(stderr, "%s", facts);
    fail_msg("missing fact: %s", line);
}

static void assert_no_fact(const char *facts, const char *prefix)
{
    for (const char *p = facts; (p = strstr(p, prefix)) != NULL; p++)
        if (p == facts || p[-1] == '\n')
            fail_msg("unexpected fact: %.80s", p);
}

static void assert_has(const char *text, const char *needle)
{
    if (strstr(text, needle) == NULL)
        fail_msg("output lacks: %s", needle);
}

static size_t occurrences(const char *text, const char *needle)
{
    size_t n = 0;

    for (const char *p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static void fixture_init_or_fail(print_fixture *pf)
{
    if (print_fixture_init(pf) != 0)
        fail_msg("tests/data/images: fixture images missing (run from the repository root)");
}

/* ============================== Registration ============================== */

static void test_format_registered(void **state)
{
    const format_rec *f;
    plug p;

    plug_open(*state, &p, NULL);
    f = kernel_find_format(p.k, "html");
    assert_non_null(f);
    assert_string_equal(f->extension, "html");
    assert_string_equal(f->mime_type, "text/html");
    assert_int_equal(f->flags, 0); /* one file, text, pages */
    assert_ptr_equal(f->owner, p.rec);
    assert_non_null(p.ops->page);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* ============================== The fixture's markup ====================== */

/* Structure, text, tables, images and styles of the fixture, as another
 * parser reads them. The fixture file is kept for the browser test. */
static void test_fixture_markup(void **state)
{
    const fixture *fx = *state;
    char path[PATH_MAX + 32];
    char *facts, *html;
    print_fixture pf;
    plug p;

    fixture_init_or_fail(&pf);
    snprintf(path, sizeof(path), "%s/fixture.html", fx->build);
    plug_open(fx, &p, NULL);
    render_fixture(&p, &pf, path);
    facts = check_html(path, "--file logo=tests/data/images/logo.png "
                             "--file photo=tests/data/images/photo.jpg");
    html = slurp(path, NULL);

    /* The document. */
    assert_true(strncmp(html, "<!doctype html>\n", 16) == 0);
    assert_fact(facts, "doctype html");
    assert_fact(facts, "html lang=en-US dir=");
    assert_fact(facts, "meta charset=utf-8");
    assert_fact(facts, "meta viewport=width=device-width, initial-scale=1");
    assert_fact(facts, "title Quarterly sales");
    assert_fact(facts, "count style 1");
    assert_fact(facts, "count script 0");
    assert_fact(facts, "count link 0");
    assert_fact(facts, "count iframe 0");
    assert_no_fact(facts, "external ");
    assert_fact(facts, "raw-controls 0");

    /* Pages and their sections. */
    assert_fact(facts, "count section.page 2");
    assert_fact(facts, "page 1 label Page 1");
    assert_fact(facts, "page 2 label Page 2");
    assert_fact(facts, "outline 0 main");
    assert_fact(facts, "outline 2 header.title");
    assert_fact(facts, "outline 2 section.summary");
    assert_fact(facts, "outline 2 section.group.level-1");
    assert_fact(facts, "outline 2 footer.page-furniture");
    assert_fact(facts, "heading h1 Quarterly sales");
    assert_fact(facts, "heading h2 Europe");
    assert_fact(facts, "count h1 1");

    /* The table: header cells, two rows, numbers flagged. */
    assert_fact(facts, "count table 1");
    assert_fact(facts, "count th 3");
    assert_fact(facts, "th Region");
    assert_fact(facts, "th Orders [num]");
    assert_fact(facts, "th Amount [num]");
    assert_fact(facts, "row Africa | 1,234 [num] | 12,345.67 [num]");
    assert_fact(facts, "row Europe | 987 [num] | 9,876.54 [num]");
    /* The rule under the column header is the header row's border. */
    assert_has(html, "<tr style=\"border-bottom:0.75pt solid #1f4e79;\">");

    /* Text elsewhere. */
    assert_fact(facts, "text \xce\x91\xce\xb8\xce\xae\xce\xbd\xce\xb1 "
                       "\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0");
    assert_fact(facts, "text Page 2 of 2");
    /* Clipped to its 60 pt clip box (56.69..116.69, text from 56.69); the
     * whole text stays readable as a tooltip. */
    assert_has(html, "class=\"f0 al-l clip\" style=\"font-size:10pt;color:#222222;"
                     "max-width:60pt\" title=\"Clipped long text that overflows\"");

    /* Vector art: one SVG for the summary, both images embedded intact. */
    assert_fact(facts, "count svg 1");
    assert_fact(facts, "count image 2");
    assert_fact(facts, "data image/png 1004");
    assert_fact(facts, "data image/jpeg 1116");
    assert_fact(facts, "data-file logo");
    assert_fact(facts, "data-file photo");
    assert_has(html, "role=\"img\"");
    assert_has(html, "<rect x=\"56.69\" y=\"160\" width=\"200\" height=\"80\" fill=\"#deebf7\" "
                     "stroke=\"#1f4e79\" stroke-width=\"1\"/>");
    /* Ellipse in 280,160 120x80; fill alpha 200/255 = 0.784. */
    assert_has(html, "<ellipse cx=\"340\" cy=\"200\" rx=\"60\" ry=\"40\" fill=\"#f4b183\" "
                     "fill-opacity=\"0.78\"");
    assert_has(html, "d=\"M 320 320 L 380 260 C 420 280 440 320 400 330 Z\"");
    /* The summary's SVG spans its drawings: x 56.19 (rect's left edge less
     * half its stroke) to 440.75 (the path's right point plus 0.75). */
    assert_has(html, "viewBox=\"56.19 159.5 384.56 171.25\"");

    /* Styles: page size for print, fonts by family with fallbacks. */
    assert_has(html, "@page{size:595.28pt 841.89pt;margin:0}");
    assert_has(html, ".page{max-width:595.28pt}");
    assert_has(html, "break-after:page");
    assert_has(html, "font-kerning:none");
    assert_has(html, ".f0{font-family:\"DejaVu Sans\",sans-serif;font-weight:400;"
                     "font-style:normal}");
    assert_has(html, ".f1{font-family:\"DejaVu Sans\",sans-serif;font-weight:700;"
                     "font-style:normal}");
    assert_has(html, ".f2{font-family:\"DejaVu Serif\",serif;font-weight:400;"
                     "font-style:italic}");
    free(html);
    free(facts);
    print_fixture_free(&pf);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* ============================== In a browser ============================== */

/* Fails, naming it, when a piece of the browser harness is missing. */
static void require_browser(void)
{
    int status;
    char *out = run_capture("node --version 2>&1", &status);

    free(out);
    if (status != 0)
        fail_msg("node is not installed (make deps installs nodejs)");
    if (access("/usr/bin/chromium", X_OK) != 0)
        fail_msg("chromium is not installed: /usr/bin/chromium is missing (make deps "
                 "installs it)");
    if (access("tests/browser/node_modules/playwright-core/package.json", R_OK) != 0)
        fail_msg("playwright-core is not installed in tests/browser/node_modules (make tests "
                 "runs npm ci --prefix tests/browser)");
}

/* Opens the fixture in Chromium at a viewport; returns its JSON summary. */
static char *browse(const char *html, const char *png, const char *viewport, const char *pdf)
{
    char cmd[4 * PATH_MAX];
    char *json;
    int status;

    snprintf(cmd, sizeof(cmd), "node tests/browser/screenshot.mjs '%s' '%s' %s %s%s%s 2>&1", html,
             png, viewport, pdf ? "--pdf '" : "", pdf ? pdf : "", pdf ? "'" : "");
    json = run_capture(cmd, &status);
    if (status != 0) {
        fprintf(stderr, "%s", json);
        free(json);
        fail_msg("screenshot.mjs %s exited with %d", viewport, status);
    }
    return json;
}

/* A PNG file of at least `min` bytes. */
static void assert_png(const char *path, long min)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    unsigned char head[8] = {0};
    struct stat st;
    FILE *fp = fopen(path, "rb");

    assert_non_null(fp);
    assert_int_equal(fread(head, 1, 8, fp), 8);
    fclose(fp);
    assert_memory_equal(head, sig, 8);
    assert_int_equal(stat(path, &st), 0);
    if (st.st_size < min)
        fail_msg("%s: %ld bytes, expected at least %ld", path, (long)st.st_size, min);
}

static void assert_browser_saw(const char *json)
{
    assert_has(json, "\"title\":\"Quarterly sales\"");
    assert_has(json, "\"pages\":2");
    assert_has(json, "\"tables\":1");
    assert_has(json, "\"th\":[\"Region\",\"Orders\",\"Amount\"]");
    assert_has(json, "\"brokenImages\":[]");
    assert_has(json, "\"consoleErrors\":[]");
    assert_has(json, "\"externalRequests\":[]");
    assert_has(json, "\"overflow\":false");
}

/* The fixture as Chromium shows it on a desktop and on a phone (390 px, no
 * sideways scrolling), and as it prints (two A4 sheets). */
static void test_browser(void **state)
{
    const fixture *fx = *state;
    char html[PATH_MAX + 32], desk[PATH_MAX + 32], phone[PATH_MAX + 32], pdf[PATH_MAX + 32];
    char cmd[2 * PATH_MAX];
    char *json, *info;
    print_fixture pf;
    int status;
    plug p;

    require_browser();
    fixture_init_or_fail(&pf);
    snprintf(html, sizeof(html), "%s/fixture.html", fx->build);
    snprintf(desk, sizeof(desk), "%s/fixture-desktop.png", fx->build);
    snprintf(phone, sizeof(phone), "%s/fixture-phone.png", fx->build);
    snprintf(pdf, sizeof(pdf), "%s/fixture-print.pdf", fx->build);
    plug_open(fx, &p, NULL);
    render_fixture(&p, &pf, html);

    json = browse(html, desk, "1200x900", pdf);
    assert_browser_saw(json);
    assert_has(json, "\"viewport\":{\"width\":1200,\"height\":900}");
    free(json);
    assert_png(desk, 10000);

    json = browse(html, phone, "390x844", NULL);
    assert_browser_saw(json);
    assert_has(json, "\"viewport\":{\"width\":390,\"height\":844}");
    assert_has(json, "\"scrollWidth\":390");
    free(json);
    assert_png(phone, 10000);

    /* Printed: one sheet per page, of the report's size (A4 in points). */
    snprintf(cmd, sizeof(cmd), "pdfinfo '%s'", pdf);
    info = run_capture(cmd, &status);
    assert_int_equal(status, 0);
    assert_has(info, "Pages:           2\n");
    /* Chromium rounds the sheet to whole CSS pixels (3/4 pt). */
    {
        const char *at = strstr(info, "Page size:");
        double w = 0, h = 0;
        assert_non_null(at);
        assert_int_equal(sscanf(at, "Page size: %lf x %lf pts", &w, &h), 2);
        if (fabs(w - 595.28) > 0.75 || fabs(h - 841.89) > 0.75)
            fail_msg("printed sheet %.2f x %.2f pt, expected 595.28 x 841.89", w, h);
    }
    free(info);

    print_fixture_free(&pf);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* ============================== Escaping ================================== */

static void test_escaping(void **state)
{
    static const char evil[] = "<script>alert(\"x\")</script> & 'q'";
    /* Tab, C0, DEL, C1 (U+0085), a noncharacter (U+FFFE), invalid bytes. */
    static const char controls[] = "a\tb\x01"
                                   "c\x7f"
                                   "d\xc2\x85"
                                   "e\xef\xbf\xbe"
                                   "f\xff"
                                   "g";
    const fixture *fx = *state;
    char path[PATH_MAX + 32];
    char *facts, *html;
    print_fixture pf;
    quire_error err;
    quire_element els[2];
    quire_page page;
    plug p;

    fixture_init_or_fail(&pf);
    els[0] = fixture_text(evil, 0, 10, 56, 56, QUIRE_ALIGN_LEFT, QUIRE_BAND_SUMMARY, 1, 0, 100);
    els[1] = fixture_text(controls, 0, 10, 56, 80, QUIRE_ALIGN_LEFT, QUIRE_BAND_SUMMARY, 1, 1, 100);
    page = (quire_page){sizeof(quire_page), 1, 595.28, 841.89, 2, els, 0, NULL, 1};
    pf.doc.title = "<b>Sales & \"more\"</b>";
    pf.doc.author = "O'Brien";
    pf.doc.format = "html";
    pf.doc.output_path = scratch(fx, "esc.html", path, sizeof(path));
    plug_open(fx, &p, NULL);
    if (render(&p, &pf.doc, &page, 1, &err) != QUIRE_OK)
        fail_msg("render: %s", err.msg);
    facts = check_html(path, NULL);
    html = slurp(path, NULL);
    assert_fact(facts, "count script 0");
    assert_fact(facts, "raw-controls 0");
    assert_fact(facts, "text <script>alert(\"x\")</script> & 'q'");
    assert_fact(facts, "title <b>Sales & \"more\"</b>");
    assert_has(html, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;");
    assert_has(html, "<title>&lt;b&gt;Sales &amp; &quot;more&quot;&lt;/b&gt;</title>");
    assert_has(html, "<meta name=\"author\" content=\"O&#39;Brien\">");
    /* Tab as a space, every other one as U+FFFD. */
    assert_has(html, ">a b\xef\xbf\xbd"
                     "c\xef\xbf\xbd"
                     "d\xef\xbf\xbd"
                     "e\xef\xbf\xbd"
                     "f\xef\xbf\xbd"
                     "g<");
    free(html);
    free(facts);
    print_fixture_free(&pf);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* ============================== Groups across pages ======================= */

/* Page 1: column header (Region, Amount), group Africa (anchored) holding
 * group "Country: Egypt" (two texts, no anchor) with two details and a
 * footer whose total sits under Amount, then group Kenya with one detail.
 * Page 2: one more Kenya detail, Kenya's footer (a note right of every
 * column), Africa's footer (wider than the columns). Page 3: group Asia
 * with no footer, then the summary. */
static void test_groups(void **state)
{
    const fixture *fx = *state;
    char path[PATH_MAX + 32];
    char *facts, *html;
    print_fixture pf;
    quire_error err;
    quire_element p1[16], p2[4], p3[3];
    quire_anchor a1[1];
    quire_page pages[3];
    size_t n = 0;
    plug p;

    fixture_init_or_fail(&pf);
    p1[n++] =
        fixture_text("Region", 1, 10, 56, 60, QUIRE_ALIGN_LEFT, QUIRE_BAND_COLUMN_HEADER, 1, 0, 35);
    p1[n++] = fixture_text("Amount", 1, 10, 300, 60, QUIRE_ALIGN_RIGHT, QUIRE_BAND_COLUMN_HEADER, 1,
                           1, 40);
    p1[n++] =
        fixture_text("Africa", 1, 14, 56, 80, QUIRE_ALIGN_LEFT, QUIRE_BAND_GROUP_HEADER, 2, 0, 50);
    p1[n - 1].group_level = 1;
    p1[n++] = fixture_text("Country:", 0, 12, 56, 100, QUIRE_ALIGN_LEFT, QUIRE_BAND_GROUP_HEADER, 3,
                           0, 50);
    p1[n++] =
        fixture_text("Egypt", 1, 12, 160, 100, QUIRE_ALIGN_LEFT, QUIRE_BAND_GROUP_HEADER, 3, 1, 40);
    p1[n - 2].group_level = p1[n - 1].group_level = 2;
    p1[n++] = fixture_text("Cairo", 0, 10, 56, 120, QUIRE_ALIGN_LEFT, QUIRE_BAND_DETAIL, 4, 0, 30);
    p1[n++] =
        fixture_text("10.00", 0, 10, 310, 120, QUIRE_ALIGN_RIGHT, QUIRE_BAND_DETAIL, 4, 1, 30);
    p1[n++] = fixture_text("Giza", 0, 10, 56, 134, QUIRE_ALIGN_LEFT, QUIRE_BAND_DETAIL, 5, 0, 25);
    p1[n++] =
        fixture_text("20.00", 0, 10, 310, 134, QUIRE_ALIGN_RIGHT, QUIRE_BAND_DETAIL, 5, 1, 30);
    p1[n++] =
        fixture_text("Total", 1, 10, 56, 150, QUIRE_ALIGN_LEFT, QUIRE_BAND_GROUP_FOOTER, 6, 0, 30);
    p1[n++] = fixture_text("30.00", 1, 10, 310, 150, QUIRE_ALIGN_RIGHT, QUIRE_BAND_GROUP_FOOTER, 6,
                           1, 30);
    p1[n - 2].group_level = p1[n - 1].group_level = 2;
    p1[n++] =
        fixture_text("Kenya", 1, 12, 56, 170, QUIRE_ALIGN_LEFT, QUIRE_BAND_GROUP_HEADER, 7, 0, 40);
    p1[n - 1].group_level = 2;
    p1[n++] =
        fixture_text("Nairobi", 0, 10, 56, 190, QUIRE_ALIGN_LEFT, QUIRE_BAND_DETAIL, 8, 0, 40);
    p1[5].group_level = p1[6].group_level = p1[7].group_level = p1[8].group_level = 2;
    p1[12].group_level = 2; /* details: their nesting depth */
    p1[6].u.text.flags |= QUIRE_TEXT_NUMERIC;
    p1[8].u.text.flags |= QUIRE_TEXT_NUMERIC;
    p1[10].u.text.flags |= QUIRE_TEXT_NUMERIC;
    a1[0] = (quire_anchor){1, "Africa", 6, 80, 2};
    pages[0] = (quire_page){sizeof(quire_page), 1, 595.28, 841.89, n, p1, 1, a1, 1};
    n = 0;
    p2[n++] = fixture_text("Mombasa", 0, 10, 56, 60, QUIRE_ALIGN_LEFT, QUIRE_BAND_DETAIL, 9, 0, 40);
    p2[n - 1].group_level = 2;
    p2[n++] = fixture_text("Kenya: figures pending", 2, 10, 400, 80, QUIRE_ALIGN_LEFT,
                           QUIRE_BAND_GROUP_FOOTER, 10, 0, 120);
    p2[n - 1].group_level = 2;
    p2[n - 1].u.text.box_x = 420; /* right of both columns (56..156, 240..340) */
    p2[n++] = fixture_text("Africa total 30.00", 1, 10, 56, 100, QUIRE_ALIGN_LEFT,
                           QUIRE_BAND_GROUP_FOOTER, 11, 0, 100);
    p2[n - 1].group_level = 1;
    p2[n - 1].u.text.box_width = 400; /* covers both columns: not a table row */
    pages[1] = (quire_page){sizeof(quire_page), 2, 595.28, 841.89, n, p2, 0, NULL, 2};
    /* Page 3: group Asia, whose report has no footer band: the summary
     * ends it. */
    n = 0;
    p3[n++] =
        fixture_text("Asia", 1, 14, 56, 60, QUIRE_ALIGN_LEFT, QUIRE_BAND_GROUP_HEADER, 12, 0, 40);
    p3[n - 1].group_level = 1;
    p3[n++] = fixture_text("Tokyo", 0, 10, 56, 80, QUIRE_ALIGN_LEFT, QUIRE_BAND_DETAIL, 13, 0, 40);
    p3[n - 1].group_level = 1;
    p3[n++] = fixture_text("Grand total 60.00", 1, 10, 56, 100, QUIRE_ALIGN_LEFT,
                           QUIRE_BAND_SUMMARY, 14, 0, 100);
    pages[2] = (quire_page){sizeof(quire_page), 3, 595.28, 841.89, n, p3, 0, NULL, 3};

    pf.doc.format = "html";
    pf.doc.output_path = scratch(fx, "groups.html", path, sizeof(path));
    plug_open(fx, &p, NULL);
    if (render(&p, &pf.doc, pages, 3, &err) != QUIRE_OK)
        fail_msg("render: %s", err.msg);
    facts = check_html(path, NULL);
    html = slurp(path, NULL);
    /* Page 1: Africa holds Egypt (table with its total as tfoot) and then
     * Kenya (a table headed by the same column header). */
    assert_fact(facts, "outline 2 section.group.level-1");
    assert_fact(facts, "heading h2 Africa");
    assert_fact(facts, "outline 3 section.group.level-2");
    assert_fact(facts, "heading h3 Country: Egypt");
    assert_fact(facts, "heading h3 Kenya");
    assert_fact(facts, "outline 4 table");
    assert_fact(facts, "outline 5 tfoot");
    assert_fact(facts, "row Cairo | 10.00 [num]");
    assert_fact(facts, "row Giza | 20.00 [num]");
    assert_fact(facts, "tfoot-row Total | 30.00 [num]");
    assert_fact(facts, "row Nairobi | ");
    assert_fact(facts, "count thead 2");
    assert_fact(facts, "count th 4");
    assert_has(html, "<section class=\"group level-1\" id=\"g2\">");
    /* Page 2: both groups continue, then close with their footers. */
    assert_has(html, "<section class=\"group level-1 continued\" aria-label=\"Africa\">\n"
                     "<section class=\"group level-2 continued\" aria-label=\"Kenya\">\n");
    assert_fact(facts, "outline 4 footer.group-footer");
    assert_fact(facts, "outline 3 footer.group-footer");
    /* Page 2's table has no column header on its page: no thead. */
    assert_fact(facts, "row Mombasa");
    /* Page 3: Asia holds Tokyo; the summary is outside it, on the page. */
    assert_fact(facts, "heading h2 Asia");
    assert_fact(facts, "row Tokyo");
    assert_fact(facts, "outline 2 section.summary");
    assert_has(html, "</table></div>\n</section>\n<section class=\"summary\">");
    assert_fact(facts, "count table 4");
    free(html);
    free(facts);
    print_fixture_free(&pf);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* ============================== Decorations and furniture ================= */

static quire_element shape(uint32_t kind, uint16_t band, uint32_t instance, double x, double y,
                           double w, double h)
{
    quire_element e;

    memset(&e, 0, sizeof(e));
    e.kind = kind;
    e.band = band;
    e.instance = instance;
    e.x = x;
    e.y = y;
    e.width = w;
    e.height = h;
    return e;
}

/* Page furniture, a background layer, table rows with a background, a
 * column rule, a boxed cell and an image cell, and a clipped drawing. The
 * page footer is painted first but written last. */
static void test_decorations(void **state)
{
    const fixture *fx = *state;
    char path[PATH_MAX + 32];
    char *facts, *html;
    const char *header, *table, *footer;
    print_fixture pf;
    quire_error err;
    quire_element e[20];
    quire_page page;
    size_t n = 0;
    plug p;

    fixture_init_or_fail(&pf);
    e[n++] = fixture_text("Printed by quire", 0, 8, 56, 800, QUIRE_ALIGN_LEFT,
                          QUIRE_BAND_PAGE_FOOTER, 2, 0, 60);
    e[n++] = fixture_text("ACME Corp", 1, 10, 56, 30, QUIRE_ALIGN_LEFT, QUIRE_BAND_PAGE_HEADER, 1,
                          0, 50);
    e[n++] = fixture_text("Confidential", 0, 10, 450, 30, QUIRE_ALIGN_RIGHT, QUIRE_BAND_PAGE_HEADER,
                          1, 1, 60);
    e[n] = shape(QUIRE_EL_RECT, QUIRE_BAND_BACKGROUND, 3, 20, 20, 555.28, 801.89);
    e[n].stroke = (quire_color){0xcc, 0, 0, 255};
    e[n++].line_width = 2;
    e[n++] =
        fixture_text("DRAFT", 1, 60, 200, 400, QUIRE_ALIGN_LEFT, QUIRE_BAND_BACKGROUND, 3, 1, 200);
    /* Row 1: a grey rectangle behind both cells, a rule between them. */
    e[n] = shape(QUIRE_EL_RECT, QUIRE_BAND_DETAIL, 4, 50, 118, 310, 16);
    e[n++].fill = (quire_color){0xf2, 0xf2, 0xf2, 255};
    e[n++] = fixture_text("Cairo", 0, 10, 56, 120, QUIRE_ALIGN_LEFT, QUIRE_BAND_DETAIL, 4, 1, 30);
    e[n++] = fixture_text("10.00", 0, 10, 250, 120, QUIRE_ALIGN_LEFT, QUIRE_BAND_DETAIL, 4, 2, 30);
    e[n] = shape(QUIRE_EL_LINE, QUIRE_BAND_DETAIL, 4, 200, 118, 0, 16);
    e[n].stroke = (quire_color){0, 0, 0, 255};
    e[n++].line_width = 0.5;
    /* Row 2: a box around the amount alone, an image to the right. */
    e[n++] = fixture_text("Giza", 0, 10, 56, 140, QUIRE_ALIGN_LEFT, QUIRE_BAND_DETAIL, 5, 1, 25);
    e[n++] = fixture_text("20.00", 0, 10, 250, 140, QUIRE_ALIGN_LEFT, QUIRE_BAND_DETAIL, 5, 2, 30);
    e[n] = shape(QUIRE_EL_RECT, QUIRE_BAND_DETAIL, 5, 248, 138, 104, 15);
    e[n].fill = (quire_color){0xff, 0xf2, 0xcc, 255};
    e[n].stroke = (quire_color){0xbf, 0x90, 0x00, 255};
    e[n++].line_width = 0.5;
    e[n] = shape(QUIRE_EL_IMAGE, QUIRE_BAND_DETAIL, 5, 400, 138, 40, 20);
    e[n++].u.image.image = 0;
    for (size_t i = 0; i < n; i++)
        if (e[i].band == QUIRE_BAND_DETAIL && e[i].kind == QUIRE_EL_TEXT && e[i].item == 2)
            e[i].u.text.flags |= QUIRE_TEXT_NUMERIC;
    /* A summary drawing cut by a clip: 80,180 100x100 inside 100,200 50x50. */
    e[n++] = shape(QUIRE_EL_CLIP_PUSH, QUIRE_BAND_SUMMARY, 6, 100, 200, 50, 50);
    e[n] = shape(QUIRE_EL_RECT, QUIRE_BAND_SUMMARY, 6, 80, 180, 100, 100);
    e[n++].fill = (quire_color){0x70, 0xad, 0x47, 128};
    e[n++] = shape(QUIRE_EL_CLIP_POP, QUIRE_BAND_SUMMARY, 6, 0, 0, 0, 0);
    page = (quire_page){sizeof(quire_page), 1, 595.28, 841.89, n, e, 0, NULL, 1};

    pf.doc.format = "html";
    pf.doc.output_path = scratch(fx, "deco.html", path, sizeof(path));
    plug_open(fx, &p, NULL);
    if (render(&p, &pf.doc, &page, 1, &err) != QUIRE_OK)
        fail_msg("render: %s", err.msg);
    facts = check_html(path, NULL);
    html = slurp(path, NULL);

    /* Header first, then the table, the footer last. */
    header = strstr(html, "<header class=\"page-furniture\">");
    table = strstr(html, "<table");
    footer = strstr(html, "<footer class=\"page-furniture\">");
    assert_non_null(header);
    assert_non_null(table);
    assert_non_null(footer);
    assert_true(header < table && table < footer);
    /* The header's two texts share a row, pushed to their sides. */
    assert_has(html, "<div class=\"row\"><p class=\"f1 al-l\" style=\"font-size:10pt;"
                     "color:#222222\">ACME Corp</p><p class=\"f0 al-r\" style=\"font-size:10pt;"
                     "color:#222222\">Confidential</p></div>");
    /* The background is a full-page layer behind the content. */
    assert_has(html, "<div class=\"background\" aria-hidden=\"true\"><svg class=\"layer\" "
                     "xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 595.28 841.89\"");
    assert_has(html, "<text class=\"f1\" x=\"200\" y=\"455.68\" font-size=\"60\" "
                     "fill=\"#222222\" style=\"white-space:pre\">DRAFT</text>");
    /* Rows: background from the rectangle, the rule dropped, the boxed
     * cell styled, the image in a column of its own. */
    assert_has(html, "<tr style=\"background:#f2f2f2;\">");
    assert_fact(facts, "row Cairo | 10.00 [num] | ");
    assert_fact(facts, "row Giza | 20.00 [num] | ");
    assert_has(html, "style=\"font-size:10pt;color:#222222;background:#fff2cc;"
                     "border:0.5pt solid #bf9000;\">20.00</td>");
    assert_has(html, "<td><img class=\"art\" alt=\"\" width=\"40\" height=\"20\" "
                     "style=\"width:40pt\" src=\"data:image/png;base64,");
    assert_fact(facts, "count img 1");
    /* One SVG in the body (the clipped summary) besides the layer; the
     * column rule is not drawn anywhere. */
    assert_fact(facts, "count svg 2");
    assert_int_equal(occurrences(html, "<line"), 0);
    assert_has(html, "viewBox=\"100 200 50 50\"");
    assert_has(html, "<clipPath id=\"k1-14\"><rect x=\"100\" y=\"200\" width=\"50\" "
                     "height=\"50\"/></clipPath><g clip-path=\"url(#k1-14)\"><rect x=\"80\" "
                     "y=\"180\" width=\"100\" height=\"100\" fill=\"#70ad47\" "
                     "fill-opacity=\"0.5\"/></g>");
    free(html);
    free(facts);
    print_fixture_free(&pf);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* Family names pick the generic fallback and cannot break out of CSS. */
static void test_font_classes(void **state)
{
    const fixture *fx = *state;
    char path[PATH_MAX + 32];
    char *facts, *html;
    print_fixture pf;
    plug p;

    fixture_init_or_fail(&pf);
    pf.fonts[0].family = "DejaVu Sans Mono";
    pf.fonts[1].family = "Evil\"</style><script>x";
    pf.fonts[2].family = "Times New Roman";
    plug_open(fx, &p, NULL);
    render_fixture(&p, &pf, scratch(fx, "fontclass.html", path, sizeof(path)));
    facts = check_html(path, NULL);
    html = slurp(path, NULL);
    assert_has(html, ".f0{font-family:\"DejaVu Sans Mono\",monospace;font-weight:400;");
    assert_has(html, ".f1{font-family:\"Evil\\22 \\3c /style>\\3c script>x\",sans-serif;"
                     "font-weight:700;");
    assert_has(html, ".f2{font-family:\"Times New Roman\",serif;font-weight:400;"
                     "font-style:italic}");
    assert_fact(facts, "count script 0");
    assert_fact(facts, "count style 1");
    free(html);
    free(facts);
    print_fixture_free(&pf);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* ============================== Document settings ========================= */

static void test_rtl_and_locale(void **state)
{
    const fixture *fx = *state;
    char path[PATH_MAX + 32];
    char *facts;
    print_fixture pf;
    plug p;

    fixture_init_or_fail(&pf);
    plug_open(fx, &p, NULL);
    pf.doc.locale = "ar-EG";
    pf.doc.rtl = 1;
    render_fixture(&p, &pf, scratch(fx, "rtl.html", path, sizeof(path)));
    facts = check_html(path, NULL);
    assert_fact(facts, "html lang=ar-EG dir=rtl");
    /* Columns run right to left: Amount is the first cell. */
    assert_fact(facts, "row 12,345.67 [num] | 1,234 [num] | Africa");
    free(facts);
    /* A locale that is not a tag is left out rather than escaped in. */
    pf.doc.locale = "en\"><script>";
    pf.doc.rtl = 0;
    render_fixture(&p, &pf, path);
    facts = check_html(path, NULL);
    assert_fact(facts, "html lang= dir=");
    assert_fact(facts, "count script 0");
    free(facts);
    print_fixture_free(&pf);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* Standard output for "-". */
static void test_stdout(void **state)
{
    const fixture *fx = *state;
    char path[PATH_MAX + 32];
    print_fixture pf;
    int fd, saved;
    size_t len;
    char *got;
    plug p;

    fixture_init_or_fail(&pf);
    plug_open(fx, &p, NULL);
    fd = open(scratch(fx, "captured", path, sizeof(path)), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    fflush(stdout);
    saved = dup(1);
    assert_int_equal(dup2(fd, 1), 1);
    render_fixture(&p, &pf, "-");
    assert_int_equal(dup2(saved, 1), 1);
    close(saved);
    close(fd);
    got = slurp(path, &len);
    assert_true(strncmp(got, "<!doctype html>\n", 16) == 0);
    assert_true(len > 20 && strcmp(got + len - 8, "</html>\n") == 0);
    free(got);
    assert_int_equal(count_files(fx->dir), 1);
    print_fixture_free(&pf);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* With embed_fonts the three TrueType files travel inside the file. */
static void test_embed_fonts(void **state)
{
    const fixture *fx = *state;
    char path[PATH_MAX + 32];
    char *facts, *html;
    print_fixture pf;
    plug p;

    fixture_init_or_fail(&pf);
    plug_open(fx, &p, "embed_fonts = yes\n");
    render_fixture(&p, &pf, scratch(fx, "fonts.html", path, sizeof(path)));
    facts = check_html(path, NULL);
    html = slurp(path, NULL);
    assert_int_equal(occurrences(html, "@font-face{"), 3);
    /* A TrueType file starts 00 01 00 00: base64 "AAEAAA". */
    assert_int_equal(occurrences(html, "src:url(data:font/ttf;base64,AAEAAA"), 3);
    assert_has(html, ".f1{font-family:\"qf1\",\"DejaVu Sans\",sans-serif;font-weight:700;");
    assert_has(html, "@font-face{font-family:\"qf2\";font-weight:400;font-style:italic;");
    free(html);
    free(facts);
    print_fixture_free(&pf);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* ============================== Failures ================================== */

static void test_abort_leaves_no_file(void **state)
{
    const fixture *fx = *state;
    char path[PATH_MAX + 32];
    print_fixture pf;
    quire_error err = {0};
    void *instance = NULL;
    plug p;

    fixture_init_or_fail(&pf);
    plug_open(fx, &p, NULL);
    pf.doc.format = "html";
    pf.doc.output_path = scratch(fx, "aborted.html", path, sizeof(path));
    assert_int_equal(p.ops->begin(p.rec->state_ptr, &pf.doc, &instance, &err), QUIRE_OK);
    assert_int_equal(p.ops->page(instance, &pf.pages[0], &err), QUIRE_OK);
    assert_int_equal(count_files(fx->dir), 1); /* the temporary file */
    p.ops->abort(instance);
    assert_int_equal(count_files(fx->dir), 0);
    print_fixture_free(&pf);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

static void test_cannot_create(void **state)
{
    const fixture *fx = *state;
    char path[PATH_MAX + 32], want[2 * PATH_MAX];
    print_fixture pf;
    quire_error err;
    plug p;

    fixture_init_or_fail(&pf);
    plug_open(fx, &p, NULL);
    pf.doc.format = "html";
    pf.doc.output_path = scratch(fx, "no-such-dir/r.html", path, sizeof(path));
    assert_int_equal(render(&p, &pf.doc, pf.pages, 2, &err), QUIRE_ERR);
    snprintf(want, sizeof(want), "cannot create '%s': No such file or directory", path);
    assert_string_equal(err.msg, want);
    assert_int_equal(err.code, QUIRE_E_IO);
    assert_int_equal(count_files(fx->dir), 0);
    print_fixture_free(&pf);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* A full disk is reported by end(), which removes nothing it does not own
 * (a device is written in place). */
static void test_disk_full(void **state)
{
    const fixture *fx = *state;
    print_fixture pf;
    quire_error err;
    plug p;

    fixture_init_or_fail(&pf);
    if (access("/dev/full", W_OK) != 0)
        skip();
    plug_open(fx, &p, NULL);
    pf.doc.format = "html";
    pf.doc.output_path = "/dev/full";
    assert_int_equal(render(&p, &pf.doc, pf.pages, 2, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "cannot write '/dev/full': No space left on device");
    print_fixture_free(&pf);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

static void test_bad_image(void **state)
{
    static const uint8_t gif[] = "GIF89a\x01\x00\x01\x00";
    const fixture *fx = *state;
    char path[PATH_MAX + 32];
    print_fixture pf;
    quire_error err;
    plug p;

    fixture_init_or_fail(&pf);
    plug_open(fx, &p, NULL);
    pf.images[0].data = gif;
    pf.images[0].len = sizeof(gif) - 1;
    pf.doc.format = "html";
    pf.doc.output_path = scratch(fx, "bad.html", path, sizeof(path));
    assert_int_equal(render(&p, &pf.doc, pf.pages, 2, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "image 'tests/data/images/logo.png' is not a PNG file");
    assert_int_equal(count_files(fx->dir), 0);
    /* The JPEG's first bytes broken. */
    pf.images[0].data = pf.image_bytes[0];
    pf.images[1].len = 2;
    assert_int_equal(render(&p, &pf.doc, pf.pages, 2, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "image 'tests/data/images/photo.jpg' is not a JPEG file");
    assert_int_equal(count_files(fx->dir), 0);
    print_fixture_free(&pf);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* Fonts are named, not read, unless embedded: a missing file matters only
 * with embed_fonts, and then the message names it. */
static void test_missing_font(void **state)
{
    const fixture *fx = *state;
    char path[PATH_MAX + 32];
    print_fixture pf;
    quire_error err;
    plug p;

    fixture_init_or_fail(&pf);
    pf.fonts[2].path = "/nonexistent/quire/NoSuchFont.ttf";
    plug_open(fx, &p, NULL);
    render_fixture(&p, &pf, scratch(fx, "named.html", path, sizeof(path)));
    assert_int_equal(count_files(fx->dir), 1);
    plug_close(&p);
    harness_remove_files(fx->dir);

    plug_open(fx, &p, "embed_fonts = yes\n");
    pf.doc.output_path = scratch(fx, "embedded.html", path, sizeof(path));
    assert_int_equal(render(&p, &pf.doc, pf.pages, 2, &err), QUIRE_ERR);
    assert_string_equal(err.msg,
                        "cannot read font '/nonexistent/quire/NoSuchFont.ttf': No such file or "
                        "directory");
    assert_int_equal(count_files(fx->dir), 0);
    /* A file that is not a font. */
    pf.fonts[2].path = "tests/data/images/logo.png";
    assert_int_equal(render(&p, &pf.doc, pf.pages, 2, &err), QUIRE_ERR);
    assert_string_equal(err.msg,
                        "font 'tests/data/images/logo.png' is not a TrueType or OpenType file");
    assert_int_equal(count_files(fx->dir), 0);
    print_fixture_free(&pf);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* Pages the kernel should never send are refused with where and why, and
 * the render leaves nothing behind. */
static void test_bad_pages(void **state)
{
    const fixture *fx = *state;
    char path[PATH_MAX + 32];
    print_fixture pf;
    quire_error err;
    plug p;

    fixture_init_or_fail(&pf);
    plug_open(fx, &p, NULL);
    pf.doc.format = "html";
    pf.doc.output_path = scratch(fx, "bad-page.html", path, sizeof(path));

    pf.page1[4].u.text.font = 9;
    assert_int_equal(render(&p, &pf.doc, pf.pages, 2, &err), QUIRE_ERR);
    assert_string_equal(err.msg,
                        "page 1 element 4: font 9 is out of range (the document has 3 fonts)");
    pf.page1[4].u.text.font = 0;

    pf.page1[13].u.image.image = 2; /* the PNG */
    assert_int_equal(render(&p, &pf.doc, pf.pages, 2, &err), QUIRE_ERR);
    assert_string_equal(err.msg,
                        "page 1 element 13: image 2 is out of range (the document has 2 images)");
    pf.page1[13].u.image.image = 0;

    pf.page1[15].u.path.npoints = 4; /* MOVE, LINE, CURVE take 5 */
    assert_int_equal(render(&p, &pf.doc, pf.pages, 2, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "page 1 element 15: path verbs take 5 points but it has 4");
    pf.page1[15].u.path.npoints = 5;

    pf.page2[0].y = NAN;
    assert_int_equal(render(&p, &pf.doc, pf.pages, 2, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "page 2 element 0: a coordinate is not a finite number");
    assert_int_equal(count_files(fx->dir), 0);
    print_fixture_free(&pf);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* An element kind from a later minor is skipped, not refused. */
static void test_unknown_kind_skipped(void **state)
{
    const fixture *fx = *state;
    char path[PATH_MAX + 32];
    char *facts;
    print_fixture pf;
    plug p;

    fixture_init_or_fail(&pf);
    pf.page1[12].kind = 99; /* the ellipse */
    plug_open(fx, &p, NULL);
    render_fixture(&p, &pf, scratch(fx, "later.html", path, sizeof(path)));
    facts = check_html(path, NULL);
    assert_fact(facts, "count table 1");
    assert_fact(facts, "count image 2");
    free(facts);
    print_fixture_free(&pf);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* ============================== Main ====================================== */

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_format_registered, test_setup),
        cmocka_unit_test_setup(test_fixture_markup, test_setup),
        cmocka_unit_test_setup(test_browser, test_setup),
        cmocka_unit_test_setup(test_escaping, test_setup),
        cmocka_unit_test_setup(test_groups, test_setup),
        cmocka_unit_test_setup(test_decorations, test_setup),
        cmocka_unit_test_setup(test_font_classes, test_setup),
        cmocka_unit_test_setup(test_rtl_and_locale, test_setup),
        cmocka_unit_test_setup(test_stdout, test_setup),
        cmocka_unit_test_setup(test_embed_fonts, test_setup),
        cmocka_unit_test_setup(test_abort_leaves_no_file, test_setup),
        cmocka_unit_test_setup(test_cannot_create, test_setup),
        cmocka_unit_test_setup(test_disk_full, test_setup),
        cmocka_unit_test_setup(test_bad_image, test_setup),
        cmocka_unit_test_setup(test_missing_font, test_setup),
        cmocka_unit_test_setup(test_bad_pages, test_setup),
        cmocka_unit_test_setup(test_unknown_kind_skipped, test_setup),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
