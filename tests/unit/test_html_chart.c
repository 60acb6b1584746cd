/*
 * test_html_chart.c - charts in the html renderer (plugins/html,
 * html_chart.c): pages holding CHART ... CHART_END with POINT, SERIES and
 * LEGEND marks are fed to the real build/plugins/html.so as the kernel
 * feeds them, and the output is read back by python3's html.parser (a
 * checker written below, sharing no code with the plugin, plus
 * tests/browser/check_html.py for balanced tags and unique ids).
 *
 * The chart fixture is a grouped bar chart of a 3 x 2 dataset (categories
 * North, South, "East & West"; series Sales and Cost, Cost missing for
 * South), drawn the way a provider draws it: a title, a clipped plot with
 * one RECT per point, a SERIES line over Cost, category labels and a
 * legend. Expected labels and table cells are written by hand from the
 * dataset's strings.
 *
 *   test_html_chart --fixture OUT.html
 *
 * writes the browser test's page (tests/integration/html_chart.sh: two
 * charts, one of them the fixture) instead of running the tests.
 */
#include <errno.h>
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

#include <quire/chart.h>

/* ============================== Fixture =================================== */

typedef struct fixture {
    char so[PATH_MAX];
    char dir[PATH_MAX]; /* scratch directory */
    char checker[PATH_MAX + 32];
    quire_host host;
} fixture;

/* The chart's checker: what a figure holds, as facts ("mark FIG s=0 c=1
 * ..."); "error ..." lines for what must never happen. */
static const char checker_py[] =
    "import sys\n"
    "from html.parser import HTMLParser\n"
    "SHAPES = {'rect', 'path', 'ellipse', 'line', 'image'}\n"
    "class P(HTMLParser):\n"
    "    def __init__(self):\n"
    "        super().__init__(convert_charrefs=True)\n"
    "        self.stack = []\n"
    "        self.out = []\n"
    "        self.ids = {}\n"
    "        self.svgs = []\n"
    "        self.fig = None\n"
    "        self.mark = None\n"
    "        self.caps = []\n"
    "        self.text = None\n"
    "        self.row = None\n"
    "        self.cell = None\n"
    "        self.scripts = []\n"
    "    def handle_starttag(self, tag, attrs):\n"
    "        a = dict(attrs)\n"
    "        cls = (a.get('class') or '').split()\n"
    "        tags = [t for t, _, _ in self.stack]\n"
    "        if 'id' in a:\n"
    "            self.caps.append([a['id'], '', len(self.stack)])\n"
    "        if tag == 'figure' and 'q-chart' in cls:\n"
    "            self.fig = a.get('id')\n"
    "            where = [t for t in tags if t in ('table', 'p', 'td', 'tr', 'span', 'svg')]\n"
    "            self.out.append('figure %s%s' % (self.fig, ''.join(' in-' + t for t in where)))\n"
    "        if tag == 'svg' and self.fig and 'figure' in tags:\n"
    "            self.svgs.append((self.fig, a.get('role'), a.get('aria-labelledby'),\n"
    "                              a.get('aria-describedby'), a.get('viewbox')))\n"
    "        if tag == 'g' and set(cls) & {'q-mark', 'q-series', 'q-legend'}:\n"
    "            if self.mark is not None:\n"
    "                self.out.append('error nested mark in %s' % self.fig)\n"
    "            self.mark = {'cls': cls, 'a': a, 'title': None, 'shapes': 0, 'text': '',\n"
    "                         'depth': len(self.stack)}\n"
    "        if tag in SHAPES and self.mark is not None:\n"
    "            self.mark['shapes'] += 1\n"
    "        if tag == 'title' and self.mark is not None:\n"
    "            self.mark['title'] = ''\n"
    "        if tag == 'text' and 'svg' in tags and self.fig:\n"
    "            self.text = [a.get('x'), a.get('text-anchor', 'start'), a.get('class'),\n"
    "                         a.get('font-size'), '']\n"
    "        if tag == 'tr' and 'details' in tags:\n"
    "            self.row = []\n"
    "        if tag in ('th', 'td') and self.row is not None:\n"
    "            self.cell = [tag + ('[' + a['scope'] + ']' if 'scope' in a else ''), '']\n"
    "        if tag == 'summary':\n"
    "            self.cell = ['summary', '']\n"
    "        if tag == 'script':\n"
    "            self.scripts.append('')\n"
    "        if tag not in ('br', 'meta', 'img', 'link'):\n"
    "            self.stack.append((tag, cls, a))\n"
    "    def handle_startendtag(self, tag, attrs):\n"
    "        self.handle_starttag(tag, attrs)\n"
    "        self.handle_endtag(tag)\n"
    "    def handle_endtag(self, tag):\n"
    "        if not self.stack or self.stack[-1][0] != tag:\n"
    "            self.out.append('error </%s> does not close %s' % (tag, self.stack[-1:]))\n"
    "            return\n"
    "        _, cls, a = self.stack.pop()\n"
    "        while self.caps and self.caps[-1][2] == len(self.stack):\n"
    "            cap = self.caps.pop()\n"
    "            self.ids[cap[0]] = ' '.join(cap[1].split())\n"
    "        m = self.mark\n"
    "        if m is not None and tag == 'g' and m['depth'] == len(self.stack):\n"
    "            ma = m['a']\n"
    "            if 'q-mark' in m['cls']:\n"
    "                self.out.append('mark %s s=%s c=%s tabindex=%s role=%s aria=%s title=%s '\n"
    "                                'shapes=%d' % (self.fig, ma.get('data-s'), ma.get('data-c'),\n"
    "                                ma.get('tabindex'), ma.get('role'), ma.get('aria-label'),\n"
    "                                m['title'], m['shapes']))\n"
    "            elif 'q-series' in m['cls']:\n"
    "                self.out.append('series %s s=%s shapes=%d' % (self.fig, ma.get('data-s'),\n"
    "                                m['shapes']))\n"
    "            else:\n"
    "                self.out.append('legend %s s=%s tabindex=%s role=%s pressed=%s aria=%s '\n"
    "                                'text=%s shapes=%d' % (self.fig, ma.get('data-s'),\n"
    "                                ma.get('tabindex'), ma.get('role'), ma.get('aria-pressed'),\n"
    "                                ma.get('aria-label'), m['text'].strip(), m['shapes']))\n"
    "            self.mark = None\n"
    "        if tag == 'text' and self.text is not None:\n"
    "            t = self.text\n"
    "            self.out.append('svg-text %s x=%s anchor=%s class=%s size=%s %s' %\n"
    "                            (self.fig, t[0], t[1], t[2], t[3], t[4]))\n"
    "            self.text = None\n"
    "        if tag in ('th', 'td', 'summary') and self.cell is not None:\n"
    "            if tag == 'summary':\n"
    "                self.out.append('summary %s %s' % (self.fig, self.cell[1]))\n"
    "            else:\n"
    "                self.row.append(self.cell[0] + ':' + self.cell[1])\n"
    "            self.cell = None\n"
    "        if tag == 'tr' and self.row is not None:\n"
    "            self.out.append('data %s %s' % (self.fig, ' | '.join(self.row)))\n"
    "            self.row = None\n"
    "        if tag == 'figure' and 'q-chart' in cls:\n"
    "            self.fig = None\n"
    "    def handle_data(self, data):\n"
    "        for cap in self.caps:\n"
    "            cap[1] += data\n"
    "        if self.mark is not None and self.stack[-1][0] == 'title':\n"
    "            self.mark['title'] += data\n"
    "        if self.mark is not None and self.stack[-1][0] == 'text':\n"
    "            self.mark['text'] += data\n"
    "        if self.text is not None:\n"
    "            self.text[4] += data\n"
    "        if self.cell is not None:\n"
    "            self.cell[1] += data\n"
    "        if self.scripts and self.stack and self.stack[-1][0] == 'script':\n"
    "            self.scripts[-1] += data\n"
    "p = P()\n"
    "p.feed(open(sys.argv[1], encoding='utf-8').read())\n"
    "p.close()\n"
    "for line in p.out:\n"
    "    print(line)\n"
    "for fig, role, lab, desc, vb in p.svgs:\n"
    "    print('svg %s role=%s viewBox=%s' % (fig, role, vb))\n"
    "    print('svg-name %s %s' % (fig, p.ids.get(lab, '(no element ' + str(lab) + ')')))\n"
    "    print('svg-desc %s %s' % (fig, p.ids.get(desc, '(no element ' + str(desc) + ')')))\n"
    "print('scripts %d' % len(p.scripts))\n"
    "for s in p.scripts:\n"
    "    for bad in ('innerHTML', 'eval(', 'http:', 'https:', 'src='):\n"
    "        if bad in s:\n"
    "            print('error script uses ' + bad)\n"
    "    print('script-lines %d' % len(s.strip().split('\\n')))\n";

static int group_setup(void **state)
{
    const char *build = getenv("QUIRE_BUILD");
    char so[PATH_MAX + 32];
    fixture *fx = calloc(1, sizeof(*fx));
    FILE *fp;

    if (fx == NULL)
        return -1;
    if (build == NULL || build[0] == '\0')
        build = "build";
    snprintf(so, sizeof(so), "%s/plugins/html.so", build);
    if (realpath(so, fx->so) == NULL) {
        fprintf(stderr, "# %s: not found (build it first)\n", so);
        free(fx);
        return -1;
    }
    fx->host = harness_counting_host();
    snprintf(fx->dir, sizeof(fx->dir), "/tmp/quire-test-htmlchart-XXXXXX");
    if (mkdtemp(fx->dir) == NULL) {
        free(fx);
        return -1;
    }
    snprintf(fx->checker, sizeof(fx->checker), "%s/chart_check.py", fx->dir);
    fp = fopen(fx->checker, "w");
    if (fp == NULL || fputs(checker_py, fp) < 0 || fclose(fp) != 0) {
        free(fx);
        return -1;
    }
    signal(SIGPIPE, SIG_IGN);
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
    live_blocks = 0;
    (void)state;
    return 0;
}

/* ============================== The chart document ======================== */

#define NCAT 3
#define NSER 2

/* One document under construction: its fonts, one page's elements and
 * every array they point to (the renderer reads them during page()). */
typedef struct chart_doc {
    quire_font fonts[2];
    quire_element els[160];
    size_t n;
    quire_str cats[NCAT], series[NSER], texts[NCAT * NSER];
    double values[NCAT * NSER];
    quire_dataset data;
    quire_chart_info info;
    char labels[NCAT * NSER][96];
    uint8_t verbs[3][4];
    double points[3][8];
    size_t ncharts;
    quire_page page;
    quire_document doc;
} chart_doc;

static const char *const cat_names[NCAT] = {"North", "South", "East & West"};
static const char *const series_names[NSER] = {"Sales", "Cost"};
/* South has no Cost: a missing point (NaN, empty text). */
static const double values_in[NCAT * NSER] = {1204.5, 803.1, 60, 700.25, NAN, 40};
static const char *const texts_in[NCAT * NSER] = {"1,204.50", "803.10", "60.00",
                                                  "700.25",   "",       "40.00"};

static quire_str str_of(const char *s)
{
    return (quire_str){s, strlen(s)};
}

static quire_element *push(chart_doc *cd, uint32_t kind, uint16_t band, uint32_t instance)
{
    quire_element *e;

    if (cd->n == sizeof(cd->els) / sizeof(cd->els[0]))
        fail_msg("chart_doc: more than %zu elements", cd->n);
    e = &cd->els[cd->n++];
    memset(e, 0, sizeof(*e));
    e->kind = kind;
    e->band = band;
    e->instance = instance;
    return e;
}

/* A one-line text in font 0, its box being its line. */
static void push_text(chart_doc *cd, const char *s, double x, double top, double size,
                      uint32_t align, double advance, uint16_t band, uint32_t instance)
{
    quire_element *e = push(cd, QUIRE_EL_TEXT, band, instance);

    e->item = (uint32_t)cd->n;
    e->x = x;
    e->y = top;
    e->width = advance;
    e->height = size * 1.164;
    e->fill = (quire_color){0x22, 0x22, 0x22, 255};
    e->u.text.utf8 = s;
    e->u.text.len = strlen(s);
    e->u.text.size = size;
    e->u.text.baseline = top + size * 0.928;
    e->u.text.align = align;
    e->u.text.box_x = x;
    e->u.text.box_y = top;
    e->u.text.box_width = advance;
    e->u.text.box_height = size * 1.164;
}

static void push_rect(chart_doc *cd, double x, double y, double w, double h, quire_color fill,
                      uint16_t band, uint32_t instance)
{
    quire_element *e = push(cd, QUIRE_EL_RECT, band, instance);

    e->x = x;
    e->y = y;
    e->width = w;
    e->height = h;
    e->fill = fill;
}

static void push_mark(chart_doc *cd, uint32_t role, uint32_t series, uint32_t category,
                      const char *label, uint16_t band, uint32_t instance)
{
    quire_element *e = push(cd, QUIRE_EL_MARK, band, instance);

    e->u.mark.role = role;
    e->u.mark.series = series;
    e->u.mark.category = category;
    e->u.mark.label = label;
    e->u.mark.len = strlen(label);
}

/* The dataset and the chart info (label "Sales by region"). */
static void chart_data_init(chart_doc *cd)
{
    for (size_t c = 0; c < NCAT; c++)
        cd->cats[c] = str_of(cat_names[c]);
    for (size_t s = 0; s < NSER; s++)
        cd->series[s] = str_of(series_names[s]);
    for (size_t i = 0; i < NCAT * NSER; i++) {
        cd->values[i] = values_in[i];
        cd->texts[i] = str_of(texts_in[i]);
        /* "CATEGORY, SERIES: VALUE_TEXT", as the provider labels a point. */
        snprintf(cd->labels[i], sizeof(cd->labels[i]), "%s, %s: %s", cat_names[i % NCAT],
                 series_names[i / NCAT], texts_in[i]);
    }
    cd->data = (quire_dataset){
        .size = sizeof(quire_dataset),
        .ncategories = NCAT,
        .categories = cd->cats,
        .nseries = NSER,
        .series = cd->series,
        .values = cd->values,
        .name = "by_region",
        .category_type = QUIRE_TYPE_STRING,
        .value_text = cd->texts,
    };
    cd->info = (quire_chart_info){
        .size = sizeof(quire_chart_info),
        .provider = "standard",
        .type = "bar",
        .title = "Sales & costs <2024>",
        .label = "Sales & costs <2024>",
        .data = &cd->data,
    };
}

static const quire_color series_color[NSER] = {{31, 119, 180, 255}, {255, 127, 14, 255}};

/* The bar chart, its box at (x0, y0) 360 x 240, as a provider draws it:
 *   title (centred), CLIP_PUSH plot, bars in POINT marks (bar height =
 *   value / 10), CLIP_POP, axis, a SERIES line through the Cost points,
 *   centred category labels, legend entries (swatch + name). */
static void push_chart(chart_doc *cd, const quire_chart_info *info, double x0, double y0,
                       uint16_t band, uint32_t instance)
{
    size_t k = cd->ncharts++;
    quire_element *e;

    if (k >= 3)
        fail_msg("chart_doc: more than 3 charts");
    e = push(cd, QUIRE_EL_CHART, band, instance);
    e->x = x0;
    e->y = y0;
    e->width = 360;
    e->height = 240;
    e->u.chart.info = info;
    push_text(cd, "Sales & costs <2024>", x0 + 100, y0 + 4, 12, QUIRE_ALIGN_CENTER, 160, band,
              instance);
    e = push(cd, QUIRE_EL_CLIP_PUSH, band, instance);
    e->x = x0 + 20;
    e->y = y0 + 30;
    e->width = 330;
    e->height = 170;
    for (size_t c = 0; c < NCAT; c++)
        for (size_t s = 0; s < NSER; s++) {
            double v = values_in[s * NCAT + c], h = v / 10;
            if (isnan(v))
                continue;
            push_mark(cd, QUIRE_MARK_POINT, (uint32_t)s, (uint32_t)c, cd->labels[s * NCAT + c],
                      band, instance);
            push_rect(cd, x0 + 40 + (double)c * 100 + (double)s * 32, y0 + 200 - h, 30, h,
                      series_color[s], band, instance);
            push(cd, QUIRE_EL_MARK_END, band, instance);
        }
    push(cd, QUIRE_EL_CLIP_POP, band, instance);
    e = push(cd, QUIRE_EL_LINE, band, instance);
    e->x = x0 + 20;
    e->y = y0 + 200;
    e->width = 330;
    e->stroke = (quire_color){0x44, 0x44, 0x44, 255};
    e->line_width = 1;
    /* Cost's line: North (70.03 high) to East & West (4 high). */
    push_mark(cd, QUIRE_MARK_SERIES, 1, 0, "Cost", band, instance);
    cd->verbs[k][0] = QUIRE_PATH_MOVE;
    cd->verbs[k][1] = QUIRE_PATH_LINE;
    cd->points[k][0] = x0 + 87;
    cd->points[k][1] = y0 + 200 - 70.025;
    cd->points[k][2] = x0 + 287;
    cd->points[k][3] = y0 + 196;
    e = push(cd, QUIRE_EL_PATH, band, instance);
    e->stroke = series_color[1];
    e->line_width = 1.5;
    e->u.path.verbs = cd->verbs[k];
    e->u.path.nverbs = 2;
    e->u.path.points = cd->points[k];
    e->u.path.npoints = 2;
    push(cd, QUIRE_EL_MARK_END, band, instance);
    for (size_t c = 0; c < NCAT; c++)
        push_text(cd, cat_names[c], x0 + 40 + (double)c * 100, y0 + 204, 9, QUIRE_ALIGN_CENTER, 62,
                  band, instance);
    for (size_t s = 0; s < NSER; s++) {
        push_mark(cd, QUIRE_MARK_LEGEND, (uint32_t)s, 0, series_names[s], band, instance);
        push_rect(cd, x0 + 40 + (double)s * 90, y0 + 222, 8, 8, series_color[s], band, instance);
        push_text(cd, series_names[s], x0 + 52 + (double)s * 90, y0 + 220, 9, QUIRE_ALIGN_LEFT, 24,
                  band, instance);
        push(cd, QUIRE_EL_MARK_END, band, instance);
    }
    push(cd, QUIRE_EL_CHART_END, band, instance);
}

static void chart_doc_init(chart_doc *cd)
{
    memset(cd, 0, sizeof(*cd));
    cd->fonts[0] = (quire_font){
        "DejaVu Sans", 0, "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 0.928, 0.236, 0};
    cd->fonts[1] = (quire_font){
        "DejaVu Sans", QUIRE_FONT_BOLD, "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
        0.928,         0.236,           0};
    chart_data_init(cd);
    cd->doc = (quire_document){
        .size = sizeof(quire_document),
        .format = "html",
        .title = "Chart report",
        .locale = "en-US",
        .report_name = "charts",
        .fonts = cd->fonts,
        .nfonts = 2,
        .page_width = 595.28,
        .page_height = 841.89,
    };
}

static void chart_doc_page(chart_doc *cd)
{
    cd->page = (quire_page){sizeof(quire_page), 1, 595.28, 841.89, cd->n, cd->els, 0, NULL, 1};
}

/* The markup test's page: a title band, then a summary band holding the
 * chart at (100, 100) and a text under it. */
static void chart_doc_standard(chart_doc *cd)
{
    chart_doc_init(cd);
    push_text(cd, "Chart report", 56.69, 56.69, 18, QUIRE_ALIGN_LEFT, 120, QUIRE_BAND_TITLE, 1);
    cd->els[cd->n - 1].u.text.font = 1;
    push_chart(cd, &cd->info, 100, 100, QUIRE_BAND_SUMMARY, 2);
    push_text(cd, "Total sales: 2,067.60", 56.69, 360, 10, QUIRE_ALIGN_LEFT, 110,
              QUIRE_BAND_SUMMARY, 2);
    chart_doc_page(cd);
}

/* ============================== Helpers =================================== */

static void plug_open(const fixture *fx, plug *p)
{
    quire_error err = {0};

    if (plug_load(p, fx->so, &fx->host, "renderer.html", NULL, &err) != QUIRE_OK)
        fail_msg("init: %s", err.msg);
}

static int render(plug *p, const quire_document *doc, const quire_page *pages, size_t n,
                  quire_error *err)
{
    void *instance = NULL;

    memset(err, 0, sizeof(*err));
    if (p->ops->begin(p->rec->state_ptr, doc, &instance, err) != QUIRE_OK)
        return QUIRE_ERR;
    for (size_t i = 0; i < n; i++)
        if (p->ops->page(instance, &pages[i], err) != QUIRE_OK) {
            p->ops->abort(instance);
            return QUIRE_ERR;
        }
    return p->ops->end(instance, err);
}

static void render_ok(plug *p, chart_doc *cd, const char *path)
{
    quire_error err;

    cd->doc.output_path = path;
    if (render(p, &cd->doc, &cd->page, 1, &err) != QUIRE_OK)
        fail_msg("render: %s", err.msg);
}

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

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0, n;

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
    fclose(fp);
    buf[len] = '\0';
    return buf;
}

/* Facts of both checkers about `path` (caller frees); fails the test on
 * any "error" line or a failing checker. */
static char *facts_of(const fixture *fx, const char *path)
{
    char cmd[3 * PATH_MAX];
    char *facts;
    int status;

    snprintf(cmd, sizeof(cmd),
             "python3 '%s' '%s' && python3 tests/browser/check_html.py '%s' | "
             "grep -E '^(error|count) '",
             fx->checker, path, path);
    facts = run_capture(cmd, &status);
    if (status != 0 || strstr(facts, "error ") != NULL) {
        fprintf(stderr, "%s", facts);
        free(facts);
        fail_msg("checkers on %s: status %d or an error", path, status);
    }
    return facts;
}

static void assert_fact(const char *facts, const char *line)
{
    size_t n = strlen(line);

    for (const char *p = facts; (p = strstr(p, line)) != NULL; p++)
        if ((p == facts || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
            return;
    fprintf(stderr, "%s", facts);
    fail_msg("missing fact: %s", line);
}

/* Number of fact lines starting with `prefix`. */
static size_t count_facts(const char *facts, const char *prefix)
{
    size_t n = 0;

    for (const char *p = facts; (p = strstr(p, prefix)) != NULL; p++)
        if (p == facts || p[-1] == '\n')
            n++;
    return n;
}

static void assert_has(const char *text, const char *needle)
{
    if (strstr(text, needle) == NULL)
        fail_msg("output lacks: %s", needle);
}

static const char *scratch(const fixture *fx, const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", fx->dir, name);
    return buf;
}

/* ============================== The chart's markup ======================== */

static void test_chart_markup(void **state)
{
    const fixture *fx = *state;
    char path[PATH_MAX + 32], line[512];
    char *facts, *html;
    chart_doc cd;
    plug p;

    chart_doc_standard(&cd);
    plug_open(fx, &p);
    render_ok(&p, &cd, scratch(fx, "chart.html", path, sizeof(path)));
    facts = facts_of(fx, path);
    html = slurp(path);

    /* One figure, outside any paragraph or table, its SVG named by the
     * chart's label and described by its dataset. */
    assert_int_equal(count_facts(facts, "figure "), 1);
    assert_fact(facts, "figure qc1-0");
    assert_fact(facts, "svg qc1-0 role=img viewBox=100 100 360 240");
    assert_fact(facts, "svg-name qc1-0 Sales & costs <2024>");
    assert_fact(facts, "svg-desc qc1-0 Bar chart of by_region: 3 categories, 2 series: Sales, "
                       "Cost.");

    /* One mark per present point (South has no Cost), labelled
     * "CATEGORY, SERIES: VALUE_TEXT", each holding its bar. */
    assert_int_equal(count_facts(facts, "mark "), 5);
    for (size_t i = 0; i < NCAT * NSER; i++) {
        size_t c = i % NCAT, s = i / NCAT;
        char label[128];
        if (isnan(values_in[i]))
            continue;
        snprintf(label, sizeof(label), "%s, %s: %s", cat_names[c], series_names[s], texts_in[i]);
        snprintf(line, sizeof(line),
                 "mark qc1-0 s=%zu c=%zu tabindex=0 role=img aria=%s title=%s shapes=1", s, c,
                 label, label);
        assert_fact(facts, line);
    }
    assert_fact(facts, "mark qc1-0 s=0 c=2 tabindex=0 role=img aria=East & West, Sales: 60.00 "
                       "title=East & West, Sales: 60.00 shapes=1");
    /* The label is escaped in the file. */
    assert_has(html, "aria-label=\"East &amp; West, Sales: 60.00\"><title>East &amp; West, "
                     "Sales: 60.00</title><rect x=\"340\" y=\"294\" width=\"30\" height=\"6\"");

    /* The Cost line, and the legend entries. */
    assert_fact(facts, "series qc1-0 s=1 shapes=1");
    assert_int_equal(count_facts(facts, "series "), 1);
    assert_fact(facts, "legend qc1-0 s=0 tabindex=0 role=button pressed=true aria=Toggle Sales "
                       "text=Sales shapes=1");
    assert_fact(facts, "legend qc1-0 s=1 tabindex=0 role=button pressed=true aria=Toggle Cost "
                       "text=Cost shapes=1");

    /* Texts as SVG text in the report's font: centred ones anchored at
     * their middle (100 + 100 + 160 / 2 = 280; 100 + 40 + 62 / 2 = 171). */
    assert_fact(facts, "svg-text qc1-0 x=280 anchor=middle class=f0 size=12 "
                       "Sales & costs <2024>");
    assert_fact(facts, "svg-text qc1-0 x=171 anchor=middle class=f0 size=9 North");
    assert_fact(facts, "svg-text qc1-0 x=242 anchor=start class=f0 size=9 Cost");
    /* The bars are clipped to the plot, which they fit: no clipPath. */
    assert_fact(facts, "count clippath 0");

    /* The data table: the dataset's name, then series; a row per
     * category with the value texts, South's Cost empty. */
    assert_fact(facts, "summary qc1-0 Data table: Sales & costs <2024>");
    assert_fact(facts, "data qc1-0 th[col]:by_region | th[col]:Sales | th[col]:Cost");
    assert_fact(facts, "data qc1-0 th[row]:North | td:1,204.50 | td:700.25");
    assert_fact(facts, "data qc1-0 th[row]:South | td:803.10 | td:");
    assert_fact(facts, "data qc1-0 th[row]:East & West | td:60.00 | td:40.00");
    assert_int_equal(count_facts(facts, "data qc1-0 "), 4);

    /* The chart sits where its band put it: between the title and the
     * text under it, indented to its place (100 - 56.69 = 43.31 pt). */
    assert_true(strstr(html, "Chart report</h1>") < strstr(html, "<figure"));
    assert_true(strstr(html, "</figure>") < strstr(html, "Total sales: 2,067.60"));
    assert_has(html, "<figure class=\"q-chart\" id=\"qc1-0\" style=\"width:360pt;"
                     "margin-inline-start:max(0pt,min(43.31pt,100% - 360pt))\">");

    /* One short script, after the content, with no data in it. */
    assert_fact(facts, "scripts 1");
    assert_fact(facts, "count script 1");
    assert_true(strstr(html, "</main>\n<script>") != NULL);
    {
        const char *at = strstr(facts, "script-lines ");
        assert_non_null(at);
        if (atoi(at + 13) > 120)
            fail_msg("the script has %d lines", atoi(at + 13));
    }
    assert_true(strstr(strstr(html, "<script>"), "Sales") == NULL);
    assert_has(html, ".q-chart .q-off{display:none}");
    assert_has(html, ".q-tip{display:none}");
    free(html);
    free(facts);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* A document with no chart has no script. */
static void test_no_chart_no_script(void **state)
{
    const fixture *fx = *state;
    char path[PATH_MAX + 32];
    char *facts;
    chart_doc cd;
    plug p;

    chart_doc_init(&cd);
    push_text(&cd, "Just text", 56.69, 56.69, 10, QUIRE_ALIGN_LEFT, 50, QUIRE_BAND_SUMMARY, 1);
    chart_doc_page(&cd);
    plug_open(fx, &p);
    render_ok(&p, &cd, scratch(fx, "plain.html", path, sizeof(path)));
    facts = facts_of(fx, path);
    assert_fact(facts, "scripts 0");
    assert_fact(facts, "count script 0");
    assert_int_equal(count_facts(facts, "figure "), 0);
    free(facts);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* Two pages, three charts (two side by side on page 2): one script, ids
 * unique across pages (check_html.py fails on a duplicate). */
static void test_charts_on_two_pages(void **state)
{
    const fixture *fx = *state;
    char path[PATH_MAX + 32];
    char *facts, *html;
    chart_doc a, b;
    quire_page pages[2];
    quire_error err;
    plug p;

    chart_doc_standard(&a);
    chart_doc_init(&b);
    push_chart(&b, &b.info, 20, 80, QUIRE_BAND_SUMMARY, 7);
    push_chart(&b, &b.info, 400, 90, QUIRE_BAND_SUMMARY, 7);
    chart_doc_page(&b);
    b.page.number = 2;
    pages[0] = a.page;
    pages[1] = b.page;
    plug_open(fx, &p);
    a.doc.output_path = scratch(fx, "two.html", path, sizeof(path));
    if (render(&p, &a.doc, pages, 2, &err) != QUIRE_OK)
        fail_msg("render: %s", err.msg);
    facts = facts_of(fx, path);
    html = slurp(path);
    assert_fact(facts, "figure qc1-0");
    assert_fact(facts, "figure qc2-0");
    assert_fact(facts, "figure qc2-1");
    assert_int_equal(count_facts(facts, "mark "), 15);
    assert_fact(facts, "scripts 1");
    assert_fact(facts, "svg-name qc2-1 Sales & costs <2024>");
    /* Side by side: one flex row, no indentation. */
    assert_has(html, "<div class=\"q-charts\">\n<figure class=\"q-chart\" id=\"qc2-0\" "
                     "style=\"width:360pt\">");
    free(html);
    free(facts);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* Right to left: the figure keeps its distance from the right edge of the
 * content (595.28 - 56.69 - 460 = 78.59 pt). */
static void test_rtl_offset(void **state)
{
    const fixture *fx = *state;
    char path[PATH_MAX + 32];
    char *html;
    chart_doc cd;
    plug p;

    chart_doc_standard(&cd);
    cd.doc.rtl = 1;
    plug_open(fx, &p);
    render_ok(&p, &cd, scratch(fx, "rtl.html", path, sizeof(path)));
    html = slurp(path);
    assert_has(html, "<html lang=\"en-US\" dir=\"rtl\">");
    assert_has(html, "style=\"width:360pt;margin-inline-start:max(0pt,min(78.59pt,100% - "
                     "360pt))\"");
    free(html);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* ============================== Charts and tables ========================= */

/* A detail holding a chart between details: the chart is a figure of its
 * own, never a table cell; its texts are no table's. */
static void test_chart_in_detail(void **state)
{
    const fixture *fx = *state;
    char path[PATH_MAX + 32];
    char *facts, *html;
    chart_doc cd;
    plug p;

    chart_doc_init(&cd);
    push_text(&cd, "Region", 56.69, 60, 10, QUIRE_ALIGN_LEFT, 40, QUIRE_BAND_COLUMN_HEADER, 1);
    push_text(&cd, "Africa", 56.69, 76, 10, QUIRE_ALIGN_LEFT, 40, QUIRE_BAND_DETAIL, 2);
    push_text(&cd, "Europe", 56.69, 90, 10, QUIRE_ALIGN_LEFT, 40, QUIRE_BAND_DETAIL, 3);
    push_chart(&cd, &cd.info, 56.69, 110, QUIRE_BAND_DETAIL, 4);
    push_text(&cd, "Asia", 56.69, 360, 10, QUIRE_ALIGN_LEFT, 40, QUIRE_BAND_DETAIL, 5);
    chart_doc_page(&cd);
    plug_open(fx, &p);
    render_ok(&p, &cd, scratch(fx, "detail.html", path, sizeof(path)));
    facts = facts_of(fx, path);
    html = slurp(path);
    assert_fact(facts, "figure qc1-0");  /* in no table, p or span */
    assert_fact(facts, "count table 3"); /* Africa, Europe | the chart's data | Asia */
    assert_has(html, "<div class=\"band detail\">\n<figure class=\"q-chart\" id=\"qc1-0\" "
                     "style=\"width:360pt\">");
    /* No chart text leaked into a table cell or a paragraph. */
    assert_true(strstr(html, "<td>North") == NULL && strstr(html, ">North</p>") == NULL);
    assert_int_equal(count_facts(facts, "mark "), 5);
    free(html);
    free(facts);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* ============================== What the kernel may leave out ============= */

/* No chart info: the figure is named "Chart" and has no table. A dataset
 * from before 1.4 (no name, no value texts): "Category" heads the table
 * and the values are written as numbers. */
static void test_missing_info(void **state)
{
    const fixture *fx = *state;
    char path[PATH_MAX + 32];
    char *facts;
    chart_doc cd;
    plug p;

    chart_doc_init(&cd);
    push_chart(&cd, NULL, 56.69, 60, QUIRE_BAND_SUMMARY, 1);
    chart_doc_page(&cd);
    plug_open(fx, &p);
    render_ok(&p, &cd, scratch(fx, "noinfo.html", path, sizeof(path)));
    facts = facts_of(fx, path);
    assert_fact(facts, "svg-name qc1-0 Chart");
    assert_fact(facts, "svg-desc qc1-0 Chart.");
    assert_int_equal(count_facts(facts, "data "), 0);
    assert_int_equal(count_facts(facts, "mark "), 5);
    free(facts);

    chart_doc_init(&cd);
    cd.data.size = (uint32_t)offsetof(quire_dataset, name);
    cd.info.label = NULL; /* falls back to the title */
    cd.info.title = "Old kernel";
    push_chart(&cd, &cd.info, 56.69, 60, QUIRE_BAND_SUMMARY, 1);
    chart_doc_page(&cd);
    render_ok(&p, &cd, path);
    facts = facts_of(fx, path);
    assert_fact(facts, "svg-name qc1-0 Old kernel");
    assert_fact(facts, "data qc1-0 th[col]:Category | th[col]:Sales | th[col]:Cost");
    assert_fact(facts, "data qc1-0 th[row]:North | td:1204.5 | td:700.25");
    assert_fact(facts, "data qc1-0 th[row]:South | td:803.1 | td:");
    free(facts);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* A chart in the background band is drawn in the page's layer as a
 * picture: no figure, no marks. */
static void test_background_chart(void **state)
{
    const fixture *fx = *state;
    char path[PATH_MAX + 32];
    char *facts, *html;
    chart_doc cd;
    plug p;

    chart_doc_init(&cd);
    push_chart(&cd, &cd.info, 100, 300, QUIRE_BAND_BACKGROUND, 1);
    push_text(&cd, "Content", 56.69, 56.69, 10, QUIRE_ALIGN_LEFT, 50, QUIRE_BAND_SUMMARY, 2);
    chart_doc_page(&cd);
    plug_open(fx, &p);
    render_ok(&p, &cd, scratch(fx, "bg.html", path, sizeof(path)));
    facts = facts_of(fx, path);
    html = slurp(path);
    assert_int_equal(count_facts(facts, "figure "), 0);
    assert_fact(facts, "scripts 0");
    /* Sales for North: 120.45 high, at 140, 500 - 120.45. */
    assert_has(html, "<rect x=\"140\" y=\"379.55\" width=\"30\" height=\"120.45\" "
                     "fill=\"#1f77b4\"/>");
    assert_has(html, ">East &amp; West</text>");
    free(html);
    free(facts);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* ============================== Malformed pages =========================== */

/* Renders the standard page with element `at` made `kind` (a MARK gets a
 * label); returns the error message (static). No file is left behind. */
static const char *render_broken(const fixture *fx, size_t at, uint32_t kind)
{
    static char msg[QUIRE_ERROR_MSG_MAX];
    char path[PATH_MAX + 32];
    chart_doc cd;
    quire_error err;
    plug p;

    chart_doc_standard(&cd);
    assert_true(at < cd.n);
    cd.els[at].kind = kind;
    if (kind == QUIRE_EL_MARK) {
        cd.els[at].u.mark.role = QUIRE_MARK_POINT;
        cd.els[at].u.mark.label = "x";
        cd.els[at].u.mark.len = 1;
    }
    plug_open(fx, &p);
    cd.doc.output_path = scratch(fx, "broken.html", path, sizeof(path));
    assert_int_equal(render(&p, &cd.doc, &cd.page, 1, &err), QUIRE_ERR);
    assert_int_equal(access(path, F_OK), -1);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
    snprintf(msg, sizeof(msg), "%s", err.msg);
    return msg;
}

static void test_bad_structure(void **state)
{
    const fixture *fx = *state;
    chart_doc cd;

    /* Where things are on the standard page: 0 the title band's text,
     * 1 CHART, 2 the chart's title, 3 CLIP_PUSH, 4 MARK, 5 RECT,
     * 6 MARK_END, ..., 31-34 the last legend entry (MARK ... MARK_END),
     * 35 CHART_END, 36 the text under the chart. */
    chart_doc_standard(&cd);
    assert_int_equal(cd.n, 37);
    assert_int_equal(cd.els[1].kind, QUIRE_EL_CHART);
    assert_int_equal(cd.els[4].kind, QUIRE_EL_MARK);
    assert_int_equal(cd.els[34].kind, QUIRE_EL_MARK_END);
    assert_int_equal(cd.els[35].kind, QUIRE_EL_CHART_END);

    assert_string_equal(render_broken(fx, 1, 101), "page 1 element 4: a mark outside a chart");
    assert_string_equal(render_broken(fx, 35, QUIRE_EL_LINE),
                        "page 1 element 1: a chart that never ends");
    assert_string_equal(render_broken(fx, 2, QUIRE_EL_CHART),
                        "page 1 element 2: a chart inside a chart");
    assert_string_equal(render_broken(fx, 2, QUIRE_EL_CHART_END),
                        "page 1 element 4: a mark outside a chart");
    assert_string_equal(render_broken(fx, 5, QUIRE_EL_MARK),
                        "page 1 element 5: a mark inside a mark");
    assert_string_equal(render_broken(fx, 4, QUIRE_EL_RECT),
                        "page 1 element 6: MARK_END without a MARK");
    assert_string_equal(render_broken(fx, 34, QUIRE_EL_RECT),
                        "page 1 element 35: CHART_END inside a mark");
    assert_string_equal(render_broken(fx, 36, QUIRE_EL_CHART_END),
                        "page 1 element 36: CHART_END without a CHART");
}

/* A mark label with a length but no bytes is refused, naming it. */
static void test_bad_mark_label(void **state)
{
    const fixture *fx = *state;
    char path[PATH_MAX + 32];
    chart_doc cd;
    quire_error err;
    plug p;

    chart_doc_standard(&cd);
    cd.els[4].u.mark.label = NULL;
    plug_open(fx, &p);
    cd.doc.output_path = scratch(fx, "nolabel.html", path, sizeof(path));
    assert_int_equal(render(&p, &cd.doc, &cd.page, 1, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "page 1 element 4: mark with a label length but no bytes");
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* ============================== The browser test's page =================== */

/* The page tests/integration/html_chart.sh opens in Chromium: the standard
 * chart, and a second chart after it (so arrow keys can be seen to stay
 * within one chart). */
static int write_fixture(const char *out)
{
    fixture fx;
    chart_doc cd;
    quire_error err;
    plug p;

    memset(&fx, 0, sizeof(fx));
    fx.host = harness_counting_host();
    {
        const char *build = getenv("QUIRE_BUILD");
        char so[PATH_MAX + 32];
        snprintf(so, sizeof(so), "%s/plugins/html.so", build ? build : "build");
        if (realpath(so, fx.so) == NULL) {
            fprintf(stderr, "%s: not found (build it first)\n", so);
            return 1;
        }
    }
    chart_doc_init(&cd);
    push_text(&cd, "Chart report", 56.69, 56.69, 18, QUIRE_ALIGN_LEFT, 120, QUIRE_BAND_TITLE, 1);
    cd.els[cd.n - 1].u.text.font = 1;
    push_chart(&cd, &cd.info, 100, 100, QUIRE_BAND_SUMMARY, 2);
    push_text(&cd, "Total sales: 2,067.60", 56.69, 360, 10, QUIRE_ALIGN_LEFT, 110,
              QUIRE_BAND_SUMMARY, 2);
    push_chart(&cd, &cd.info, 100, 400, QUIRE_BAND_SUMMARY, 2);
    chart_doc_page(&cd);
    if (plug_load(&p, fx.so, &fx.host, "renderer.html", NULL, &err) != QUIRE_OK) {
        fprintf(stderr, "init: %s\n", err.msg);
        return 1;
    }
    cd.doc.output_path = out;
    if (render(&p, &cd.doc, &cd.page, 1, &err) != QUIRE_OK) {
        fprintf(stderr, "render: %s\n", err.msg);
        plug_close(&p);
        return 1;
    }
    plug_close(&p);
    return 0;
}

/* ============================== Main ====================================== */

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_chart_markup, test_setup),
        cmocka_unit_test_setup(test_no_chart_no_script, test_setup),
        cmocka_unit_test_setup(test_charts_on_two_pages, test_setup),
        cmocka_unit_test_setup(test_rtl_offset, test_setup),
        cmocka_unit_test_setup(test_chart_in_detail, test_setup),
        cmocka_unit_test_setup(test_missing_info, test_setup),
        cmocka_unit_test_setup(test_background_chart, test_setup),
        cmocka_unit_test_setup(test_bad_structure, test_setup),
        cmocka_unit_test_setup(test_bad_mark_label, test_setup),
    };

    if (argc == 3 && strcmp(argv[1], "--fixture") == 0)
        return write_fixture(argv[2]);
    if (argc != 1) {
        fprintf(stderr, "usage: %s [--fixture OUT.html]\n", argv[0]);
        return 2;
    }
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
