/*
 * test_chart_kpi.c - the kpi chart provider (plugins/chart_kpi), driven
 * through the real build/plugins/chart_kpi.so the way the kernel drives
 * it: loaded with kernel_load_path, configured from a [chart.kpi] text,
 * initialised through its descriptor, then asked to check() options and
 * to draw() datasets built here onto a canvas that collects the elements.
 *
 * The canvas measures text with the kernel's font code and DejaVu Sans
 * (font 0 regular, 1 bold), refuses CHART elements and nested or
 * unbalanced marks, and copies everything it is given. Expected values are
 * worked out by hand in each test: formatted numbers, percentages, angles
 * and lengths on the axis.
 *
 * QUIRE_CHART_PREVIEW=DIR writes every drawn chart as DIR/NAME.svg, to look
 * at (chromium --headless --screenshot=out.png --window-size=600,400 F.svg).
 */
#include <limits.h>
#include <math.h>
#include <setjmp.h> /* cmocka.h needs jmp_buf */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "renderer_harness.h"

#include "font.h"

#include <quire/chart.h>

#define DEJAVU_DIR "/usr/share/fonts/truetype/dejavu/"
#define PI         3.14159265358979323846
#define COUNT(a)   (sizeof(a) / sizeof((a)[0]))

/* ============================== Collecting canvas ========================= */

typedef struct item {
    quire_element e; /* pointers inside point at the copies below */
    char *text;
    uint8_t *verbs;
    double *points;
} item;

struct quire_canvas {
    font_face *face[2];
    item items[512];
    size_t n;
    int in_mark;
    char problem[128]; /* the first element refused, for the test's message */
};

static void *dup_bytes(const void *p, size_t n)
{
    void *q = malloc(n + 1);
    assert_non_null(q);
    if (n > 0)
        memcpy(q, p, n);
    ((char *)q)[n] = '\0';
    return q;
}

static int canvas_element(quire_canvas *cv, const quire_element *e)
{
    item *it;

    if (e->kind == QUIRE_EL_CHART || e->kind == QUIRE_EL_CHART_END) {
        snprintf(cv->problem, sizeof(cv->problem), "CHART element from a provider");
        return QUIRE_ERR;
    }
    if ((e->kind == QUIRE_EL_MARK && cv->in_mark) ||
        (e->kind == QUIRE_EL_MARK_END && !cv->in_mark)) {
        snprintf(cv->problem, sizeof(cv->problem), "marks do not alternate at element %zu", cv->n);
        return QUIRE_ERR;
    }
    if (e->kind == QUIRE_EL_TEXT && e->u.text.font > 1) {
        snprintf(cv->problem, sizeof(cv->problem), "text with font %u", (unsigned)e->u.text.font);
        return QUIRE_ERR;
    }
    if (cv->n == COUNT(cv->items)) {
        snprintf(cv->problem, sizeof(cv->problem), "more than %zu elements", COUNT(cv->items));
        return QUIRE_ERR;
    }
    if (e->kind == QUIRE_EL_MARK)
        cv->in_mark = 1;
    if (e->kind == QUIRE_EL_MARK_END)
        cv->in_mark = 0;
    it = &cv->items[cv->n++];
    memset(it, 0, sizeof(*it));
    it->e = *e;
    if (e->kind == QUIRE_EL_TEXT) {
        it->text = dup_bytes(e->u.text.utf8, e->u.text.len);
        it->e.u.text.utf8 = it->text;
    } else if (e->kind == QUIRE_EL_MARK) {
        it->text = dup_bytes(e->u.mark.label, e->u.mark.len);
        it->e.u.mark.label = it->text;
    } else if (e->kind == QUIRE_EL_PATH) {
        it->verbs = dup_bytes(e->u.path.verbs, e->u.path.nverbs);
        it->points = dup_bytes(e->u.path.points, e->u.path.npoints * 2 * sizeof(double));
        it->e.u.path.verbs = it->verbs;
        it->e.u.path.points = it->points;
    }
    return QUIRE_OK;
}

static double canvas_text_width(quire_canvas *cv, const char *font, uint32_t style, double size,
                                const char *utf8, size_t len)
{
    (void)font;
    return font_text_width(cv->face[style & QUIRE_FONT_BOLD ? 1 : 0], utf8, len, size, NULL);
}

static uint32_t canvas_font(quire_canvas *cv, const char *family, uint32_t style, double *ascent,
                            double *descent)
{
    uint32_t i = style & QUIRE_FONT_BOLD ? 1 : 0;

    (void)family;
    if (ascent != NULL)
        *ascent = font_ascent(cv->face[i]);
    if (descent != NULL)
        *descent = font_descent(cv->face[i]);
    return i;
}

static const quire_canvas_api canvas_api = {
    .size = sizeof(quire_canvas_api),
    .element = canvas_element,
    .text_width = canvas_text_width,
    .font = canvas_font,
};

static void canvas_clear(quire_canvas *cv)
{
    for (size_t i = 0; i < cv->n; i++) {
        free(cv->items[i].text);
        free(cv->items[i].verbs);
        free(cv->items[i].points);
    }
    cv->n = 0;
    cv->in_mark = 0;
    cv->problem[0] = '\0';
}

/* ============================== SVG preview =============================== */

static void svg_color(FILE *f, const char *attr, quire_color c)
{
    if (c.a == 0)
        fprintf(f, " %s=\"none\"", attr);
    else
        fprintf(f, " %s=\"#%02x%02x%02x\"", attr, c.r, c.g, c.b);
}

/* Writes the collected elements as DIR/NAME.svg when QUIRE_CHART_PREVIEW
 * is set; the chart's box is outlined in light grey. */
static void preview(const quire_canvas *cv, const char *name, const quire_chart_request *req)
{
    const char *dir = getenv("QUIRE_CHART_PREVIEW");
    char path[PATH_MAX];
    FILE *f;

    if (dir == NULL || dir[0] == '\0')
        return;
    snprintf(path, sizeof(path), "%s/%s.svg", dir, name);
    f = fopen(path, "w");
    if (f == NULL)
        return;
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" height=\"%g\">\n"
            "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
            "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"none\" stroke=\"#ddd\"/>\n",
            req->x * 2 + req->width, req->y * 2 + req->height, req->x, req->y, req->width,
            req->height);
    for (size_t i = 0; i < cv->n; i++) {
        const quire_element *e = &cv->items[i].e;
        switch (e->kind) {
        case QUIRE_EL_RECT:
            fprintf(f, "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\"", e->x, e->y, e->width,
                    e->height);
            svg_color(f, "fill", e->fill);
            fprintf(f, "/>\n");
            break;
        case QUIRE_EL_ELLIPSE:
            fprintf(f, "<ellipse cx=\"%g\" cy=\"%g\" rx=\"%g\" ry=\"%g\"", e->x + e->width / 2,
                    e->y + e->height / 2, e->width / 2, e->height / 2);
            svg_color(f, "fill", e->fill);
            fprintf(f, "/>\n");
            break;
        case QUIRE_EL_PATH: {
            const double *p = e->u.path.points;
            fprintf(f, "<path d=\"");
            for (size_t v = 0; v < e->u.path.nverbs; v++) {
                switch (e->u.path.verbs[v]) {
                case QUIRE_PATH_MOVE: fprintf(f, "M%g %g ", p[0], p[1]), p += 2; break;
                case QUIRE_PATH_LINE: fprintf(f, "L%g %g ", p[0], p[1]), p += 2; break;
                case QUIRE_PATH_CURVE:
                    fprintf(f, "C%g %g %g %g %g %g ", p[0], p[1], p[2], p[3], p[4], p[5]);
                    p += 6;
                    break;
                default: fprintf(f, "Z "); break;
                }
            }
            fprintf(f, "\"");
            svg_color(f, "fill", e->fill);
            svg_color(f, "stroke", e->line_width > 0 ? e->stroke : (quire_color){0});
            fprintf(f, " stroke-width=\"%g\"/>\n", e->line_width);
            break;
        }
        case QUIRE_EL_TEXT:
            fprintf(f,
                    "<text xml:space=\"preserve\" x=\"%g\" y=\"%g\" font-family=\"DejaVu Sans\" "
                    "font-size=\"%g\" "
                    "font-weight=\"%s\"",
                    e->x, e->u.text.baseline, e->u.text.size, e->u.text.font ? "bold" : "normal");
            svg_color(f, "fill", e->fill);
            fprintf(f, ">");
            for (size_t k = 0; k < e->u.text.len; k++) {
                char ch = e->u.text.utf8[k];
                if (ch == '<')
                    fputs("&lt;", f);
                else if (ch == '&')
                    fputs("&amp;", f);
                else
                    fputc(ch, f);
            }
            fprintf(f, "</text>\n");
            break;
        default: break;
        }
    }
    fprintf(f, "</svg>\n");
    fclose(f);
}

/* ============================== Fixture =================================== */

typedef struct fixture {
    char so[PATH_MAX];
    quire_host host;
    plug p;
    const quire_chart_ops *ops;
    quire_canvas cv;
} fixture;

static void open_plugin(fixture *fx, const char *section)
{
    quire_error err = {0};

    if (plug_load(&fx->p, fx->so, &fx->host, "chart.kpi", section, &err) != QUIRE_OK)
        fail_msg("init: %s", err.msg);
    fx->ops = &fx->p.rec->ops.chart;
}

static int group_setup(void **state)
{
    const char *build = getenv("QUIRE_BUILD");
    char so[PATH_MAX + 32];
    quire_error err;
    fixture *fx = calloc(1, sizeof(*fx));

    if (fx == NULL)
        return -1;
    snprintf(so, sizeof(so), "%s/plugins/chart_kpi.so", build && build[0] ? build : "build");
    if (realpath(so, fx->so) == NULL) {
        fprintf(stderr, "# %s: not found (build it first)\n", so);
        free(fx);
        return -1;
    }
    if (font_face_load(DEJAVU_DIR "DejaVuSans.ttf", &fx->cv.face[0], &err) != QUIRE_OK ||
        font_face_load(DEJAVU_DIR "DejaVuSans-Bold.ttf", &fx->cv.face[1], &err) != QUIRE_OK) {
        fprintf(stderr, "# %s\n", err.msg);
        font_face_free(fx->cv.face[0]);
        free(fx);
        return -1;
    }
    fx->host = harness_counting_host();
    *state = fx;
    return 0;
}

static int group_teardown(void **state)
{
    fixture *fx = *state;

    font_face_free(fx->cv.face[0]);
    font_face_free(fx->cv.face[1]);
    free(fx);
    return 0;
}

static int test_setup(void **state)
{
    fixture *fx = *state;

    live_blocks = 0;
    open_plugin(fx, NULL);
    return 0;
}

static int test_teardown(void **state)
{
    fixture *fx = *state;

    canvas_clear(&fx->cv);
    plug_close(&fx->p);
    assert_int_equal(live_blocks, 0);
    return 0;
}

/* ============================== Drawing =================================== */

/* One chart to draw: series 0 (and 1 when values1 is set) over `n`
 * categories named c1..cN, options as "key=value" strings. */
typedef struct chart {
    const char *type;
    const char *title;
    const char *series_name;
    const double *values;
    const double *values1;
    size_t n;
    const char *options[8];
    double x, y, w, h;
    uint32_t rtl;
    const char *theme;
} chart;

static quire_option opts_buf[8];
static char opts_text[8][2][64];

/* The options of `ch` as quire_options at t.quire:LINE:5, line = index + 1. */
static size_t make_options(const chart *ch)
{
    size_t n = 0;

    for (; n < COUNT(ch->options) && ch->options[n] != NULL; n++) {
        const char *eq = strchr(ch->options[n], '=');
        assert_non_null(eq);
        snprintf(opts_text[n][0], 64, "%.*s", (int)(eq - ch->options[n]), ch->options[n]);
        snprintf(opts_text[n][1], 64, "%s", eq + 1);
        opts_buf[n] =
            (quire_option){opts_text[n][0], opts_text[n][1], "t.quire", (uint32_t)n + 1, 5};
    }
    return n;
}

/* Draws `ch`; returns draw()'s status with *err set. */
static int draw_status(fixture *fx, const chart *ch, const char *name, quire_error *err)
{
    quire_str cats[64],
        series[2] = {{ch->series_name, ch->series_name ? strlen(ch->series_name) : 0},
                     {"Target", 6}};
    char names[64][24];
    double values[128];
    quire_str texts[128] = {{0}};
    quire_dataset d = {0};
    quire_chart_request req = {0};
    int rc;

    assert_true(ch->n <= 64);
    for (size_t i = 0; i < ch->n; i++) {
        snprintf(names[i], sizeof(names[i]), "c%zu", i + 1);
        cats[i] = (quire_str){names[i], strlen(names[i])};
        values[i] = ch->values[i];
        values[ch->n + i] = ch->values1 ? ch->values1[i] : NAN;
    }
    d.size = sizeof(d);
    d.ncategories = ch->n;
    d.categories = cats;
    d.nseries = ch->values1 ? 2 : ch->n > 0 ? 1 : 0;
    d.series = series;
    d.values = values;
    d.name = "ds";
    d.category_type = QUIRE_TYPE_STRING;
    d.value_text = texts;
    req.size = sizeof(req);
    req.type = ch->type;
    req.title = ch->title;
    req.theme = ch->theme ? ch->theme : "default";
    req.locale = "en-US";
    req.x = ch->w > 0 ? ch->x : 20;
    req.y = ch->w > 0 ? ch->y : 20;
    req.width = ch->w > 0 ? ch->w : 200;
    req.height = ch->w > 0 ? ch->h : 120;
    req.data = &d;
    req.options = opts_buf;
    req.noptions = make_options(ch);
    req.font = "DejaVu Sans";
    req.rtl = ch->rtl;
    canvas_clear(&fx->cv);
    memset(err, 0, sizeof(*err));
    rc = fx->ops->draw(fx->p.rec->state_ptr, &req, &canvas_api, &fx->cv, err);
    if (fx->cv.problem[0] != '\0')
        fail_msg("%s: canvas refused: %s", name, fx->cv.problem);
    assert_int_equal(fx->cv.in_mark, 0); /* every MARK has its MARK_END */
    if (rc == QUIRE_OK) {
        /* Everything inside the chart's box. */
        const double eps = 1e-6, x0 = req.x, y0 = req.y, x1 = req.x + req.width,
                     y1 = req.y + req.height;
        for (size_t i = 0; i < fx->cv.n; i++) {
            const quire_element *e = &fx->cv.items[i].e;
            if (e->kind == QUIRE_EL_PATH) {
                for (size_t k = 0; k < e->u.path.npoints; k++) {
                    double px = e->u.path.points[2 * k], py = e->u.path.points[2 * k + 1];
                    if (px < x0 - eps || px > x1 + eps || py < y0 - eps || py > y1 + eps)
                        fail_msg("%s: path point (%g, %g) outside the box", name, px, py);
                }
            } else if (e->kind != QUIRE_EL_MARK_END &&
                       (e->x < x0 - eps || e->y < y0 - eps || e->x + e->width > x1 + eps ||
                        e->y + e->height > y1 + eps || e->width < 0 || e->height < 0)) {
                fail_msg("%s: element %zu (kind %u, '%s') at %g,%g %gx%g outside the box", name, i,
                         (unsigned)e->kind, fx->cv.items[i].text ? fx->cv.items[i].text : "", e->x,
                         e->y, e->width, e->height);
            }
        }
        preview(&fx->cv, name, &req);
    }
    return rc;
}

static void draw_ok(fixture *fx, const chart *ch, const char *name)
{
    quire_error err;

    if (draw_status(fx, ch, name, &err) != QUIRE_OK)
        fail_msg("%s: draw: %s", name, err.msg);
}

/* ============================== Finding elements ========================== */

static int same_color(quire_color a, unsigned hex)
{
    return a.r == (hex >> 16) && a.g == ((hex >> 8) & 0xff) && a.b == (hex & 0xff) && a.a == 255;
}

/* Index of the MARK whose label is `label`, or fails. */
static size_t find_mark(const fixture *fx, const char *label)
{
    for (size_t i = 0; i < fx->cv.n; i++)
        if (fx->cv.items[i].e.kind == QUIRE_EL_MARK && strcmp(fx->cv.items[i].text, label) == 0)
            return i;
    for (size_t i = 0; i < fx->cv.n; i++)
        if (fx->cv.items[i].e.kind == QUIRE_EL_MARK)
            print_message("# mark: '%s'\n", fx->cv.items[i].text);
    fail_msg("no mark '%s'", label);
    return 0;
}

/* The first element of `kind` after element `from` and before the next
 * MARK_END (from = a MARK), or NULL. */
static const quire_element *in_mark(const fixture *fx, size_t from, uint32_t kind)
{
    for (size_t i = from + 1; i < fx->cv.n && fx->cv.items[i].e.kind != QUIRE_EL_MARK_END; i++)
        if (fx->cv.items[i].e.kind == kind)
            return &fx->cv.items[i].e;
    return NULL;
}

/* The text element showing exactly `s`, or NULL. */
static const quire_element *find_text(const fixture *fx, const char *s)
{
    for (size_t i = 0; i < fx->cv.n; i++)
        if (fx->cv.items[i].e.kind == QUIRE_EL_TEXT && strcmp(fx->cv.items[i].text, s) == 0)
            return &fx->cv.items[i].e;
    return NULL;
}

static size_t count_kind(const fixture *fx, uint32_t kind)
{
    size_t n = 0;
    for (size_t i = 0; i < fx->cv.n; i++)
        n += fx->cv.items[i].e.kind == kind;
    return n;
}

/* The big value: the text inside the POINT mark at `mark`. */
static const char *value_text(const fixture *fx, size_t mark)
{
    const quire_element *t = in_mark(fx, mark, QUIRE_EL_TEXT);
    assert_non_null(t);
    return t->u.text.utf8;
}

/* ============================== Tile ====================================== */

static const double rev[] = {100.0, 120.5, 98.0, 1234.4};

static void test_tile_value_modes(void **state)
{
    fixture *fx = *state;
    /* sum 1552.9, avg 388.225, rounded half away from zero by "#,##0". */
    static const struct {
        const char *opt, *text;
        uint32_t category;
    } cases[] = {
        {"value=last", "1,234", 3}, {"value=sum", "1,553", 0}, {"value=avg", "388", 0},
        {"value=max", "1,234", 3},  {"value=min", "98", 2},
    };

    for (size_t i = 0; i < COUNT(cases); i++) {
        chart ch = {.type = "kpi",
                    .series_name = "Revenue",
                    .values = rev,
                    .n = 4,
                    .options = {cases[i].opt}};
        char label[64];
        size_t m;

        draw_ok(fx, &ch, "tile_modes");
        snprintf(label, sizeof(label), "Revenue: %s", cases[i].text);
        m = find_mark(fx, label);
        assert_int_equal(fx->cv.items[m].e.u.mark.role, QUIRE_MARK_POINT);
        assert_int_equal(fx->cv.items[m].e.u.mark.series, 0);
        assert_int_equal(fx->cv.items[m].e.u.mark.category, cases[i].category);
        assert_string_equal(value_text(fx, m), cases[i].text);
        assert_non_null(find_text(fx, "Revenue")); /* the label: the series name */
    }
    /* A number format and a title. */
    {
        chart ch = {.type = "kpi",
                    .title = "Sales",
                    .series_name = "Revenue",
                    .values = rev,
                    .n = 4,
                    .options = {"number_format=#,##0.00"}};
        draw_ok(fx, &ch, "tile_format");
        assert_string_equal(value_text(fx, find_mark(fx, "Sales: 1,234.40")), "1,234.40");
        assert_non_null(find_text(fx, "Sales"));
    }
}

static void test_tile_delta(void **state)
{
    fixture *fx = *state;
    static const double up[] = {80.0, 100.0}, down[] = {100.0, 96.9}, flat[] = {50.0, 50.0};
    const quire_element *t;

    /* (100 - 80) / 80 = 25%: up is good by default. */
    chart ch = {.type = "kpi", .series_name = "Orders", .values = up, .n = 2};
    draw_ok(fx, &ch, "tile_delta_up");
    t = find_text(fx, "\xe2\x96\xb2 25.0%");
    assert_non_null(t);
    assert_true(same_color(t->fill, 0x009E73));
    assert_non_null(find_text(fx, " vs c1"));

    /* good = down flips the colour, not the arrow. */
    ch.options[0] = "good=down";
    draw_ok(fx, &ch, "tile_delta_good_down");
    t = find_text(fx, "\xe2\x96\xb2 25.0%");
    assert_non_null(t);
    assert_true(same_color(t->fill, 0xD55E00));

    /* (96.9 - 100) / 100 = -3.1%. */
    chart ch2 = {.type = "kpi", .series_name = "Orders", .values = down, .n = 2};
    draw_ok(fx, &ch2, "tile_delta_down");
    t = find_text(fx, "\xe2\x96\xbc 3.1%");
    assert_non_null(t);
    assert_true(same_color(t->fill, 0xD55E00));

    chart ch3 = {.type = "kpi", .series_name = "Orders", .values = flat, .n = 2};
    draw_ok(fx, &ch3, "tile_delta_flat");
    t = find_text(fx, "= 0.0%");
    assert_non_null(t);
    assert_true(same_color(t->fill, 0x6B6B6B));

    /* Against a target: (100 - 200) / 200 = -50%. */
    chart ch4 = {
        .type = "kpi", .series_name = "Orders", .values = up, .n = 2, .options = {"target=200"}};
    draw_ok(fx, &ch4, "tile_delta_target");
    assert_non_null(find_text(fx, "\xe2\x96\xbc 50.0%"));
    assert_non_null(find_text(fx, " vs target"));

    /* One category: no previous value, a dash, no sparkline. */
    chart ch5 = {.type = "kpi", .series_name = "Orders", .values = up, .n = 1};
    draw_ok(fx, &ch5, "tile_one_category");
    t = find_text(fx, "\xe2\x80\x94");
    assert_non_null(t);
    assert_true(same_color(t->fill, 0x6B6B6B));
    assert_int_equal(count_kind(fx, QUIRE_EL_PATH), 0);
    assert_string_equal(value_text(fx, find_mark(fx, "Orders: 80")), "80");
}

static void test_tile_sparkline(void **state)
{
    fixture *fx = *state;
    const quire_element *p;
    size_t m;

    chart ch = {.type = "kpi", .series_name = "Revenue", .values = rev, .n = 4};
    draw_ok(fx, &ch, "tile_sparkline");
    m = find_mark(fx, "Revenue");
    assert_int_equal(fx->cv.items[m].e.u.mark.role, QUIRE_MARK_SERIES);
    p = in_mark(fx, m, QUIRE_EL_PATH);
    assert_non_null(p);
    assert_int_equal(p->u.path.npoints, 4);
    /* Evenly spaced; the largest value (1234.4, the 4th) highest, the
     * smallest (98, the 3rd) lowest. */
    {
        const double *q = p->u.path.points;
        double dx = q[2] - q[0];
        assert_true(fabs((q[4] - q[2]) - dx) < 1e-9 && fabs((q[6] - q[4]) - dx) < 1e-9);
        for (int k = 0; k < 3; k++) {
            assert_true(q[7] <= q[2 * k + 1]);
            assert_true(q[5] >= q[2 * k + 1]);
        }
        /* y linear in the value between them: 100 sits (1234.4 - 100) /
         * (1234.4 - 98) of the way down. */
        assert_true(fabs((q[1] - q[7]) / (q[5] - q[7]) - (1234.4 - 100) / (1234.4 - 98)) < 1e-9);
    }
    ch.options[0] = "sparkline=false";
    draw_ok(fx, &ch, "tile_no_sparkline");
    assert_int_equal(count_kind(fx, QUIRE_EL_PATH), 0);
}

static void test_no_data(void **state)
{
    fixture *fx = *state;
    static const double nan4[] = {NAN, NAN, NAN, NAN};
    static const char *const types[] = {"kpi", "bullet", "gauge"};

    for (size_t i = 0; i < COUNT(types); i++) {
        chart ch = {.type = types[i], .title = "Margin", .values = nan4, .n = 4};
        draw_ok(fx, &ch, "no_data_nan");
        assert_non_null(find_text(fx, "No data"));
        assert_non_null(find_text(fx, "Margin"));
        assert_int_equal(count_kind(fx, QUIRE_EL_MARK), 0);
        ch.n = 0;
        draw_ok(fx, &ch, "no_data_empty");
        assert_non_null(find_text(fx, "No data"));
    }
}

static void test_tile_huge_and_negative(void **state)
{
    fixture *fx = *state;
    static const double huge[] = {1234567890.0}, neg[] = {-1000.0, -1500.0};

    chart ch = {.type = "kpi",
                .series_name = "Visits",
                .values = huge,
                .n = 1,
                .w = 600,
                .h = 80,
                .x = 10,
                .y = 10};
    draw_ok(fx, &ch, "tile_huge_wide");
    assert_string_equal(value_text(fx, find_mark(fx, "Visits: 1,234,567,890")), "1,234,567,890");
    /* Too narrow for the whole number: 1.2B, the mark keeps it all. */
    ch.w = 70;
    draw_ok(fx, &ch, "tile_huge_narrow");
    assert_string_equal(value_text(fx, find_mark(fx, "Visits: 1,234,567,890")), "1.2B");

    /* (-1500 - -1000) / |-1000| = -50%: down. */
    chart ch2 = {.type = "kpi", .series_name = "Loss", .values = neg, .n = 2};
    draw_ok(fx, &ch2, "tile_negative");
    assert_string_equal(value_text(fx, find_mark(fx, "Loss: -1,500")), "-1,500");
    assert_non_null(find_text(fx, "\xe2\x96\xbc 50.0%"));
}

/* ============================== Bullet ==================================== */

/* The extent of the band rectangles: the plot, from the scale's low end to
 * its high end when the last threshold is the high end. */
static void band_extent(const fixture *fx, double *x0, double *x1, size_t *n)
{
    *x0 = INFINITY, *x1 = -INFINITY, *n = 0;
    for (size_t i = 0; i < fx->cv.n; i++) {
        const quire_element *e = &fx->cv.items[i].e;
        if (e->kind == QUIRE_EL_RECT && e->height > 20.0 && e->width > 5.0) {
            *x0 = fmin(*x0, e->x);
            *x1 = fmax(*x1, e->x + e->width);
            (*n)++;
        }
    }
}

static void test_bullet_scale(void **state)
{
    fixture *fx = *state;
    static const double v[] = {40.0, 70.0};
    const quire_element *bar, *marker, *t;
    double x0, x1;
    size_t nbands, m;

    /* Scale 0..100 (the last threshold; steps of 20): the bar is 70% of
     * the plot, the target marker's centre at 80%. */
    chart ch = {.type = "bullet",
                .title = "Revenue",
                .values = v,
                .n = 2,
                .w = 300,
                .h = 60,
                .options = {"ranges=50,75,100", "target=80"}};
    draw_ok(fx, &ch, "bullet");
    band_extent(fx, &x0, &x1, &nbands);
    assert_int_equal(nbands, 3);
    m = find_mark(fx, "Revenue: 70");
    assert_int_equal(fx->cv.items[m].e.u.mark.category, 1);
    bar = in_mark(fx, m, QUIRE_EL_RECT);
    assert_non_null(bar);
    assert_true(fabs(bar->x - x0) < 1e-9);
    assert_true(fabs(bar->width / (x1 - x0) - 0.70) < 1e-9);
    assert_true(same_color(bar->fill, 0x0072B2));
    marker = in_mark(fx, find_mark(fx, "Target: 80"), QUIRE_EL_RECT);
    assert_non_null(marker);
    assert_true(fabs(marker->x + marker->width / 2 - (x0 + 0.8 * (x1 - x0))) < 1e-9);
    /* Ticks every 20, centred under their place (the ends may be shifted
     * to stay inside the box). */
    for (int k = 1; k < 5; k++) {
        char s[8];
        snprintf(s, sizeof(s), "%d", 20 * k);
        t = find_text(fx, s);
        assert_non_null(t);
        assert_true(fabs(t->x + t->width / 2 - (x0 + (x1 - x0) * k / 5.0)) < 1e-9);
    }
    assert_non_null(find_text(fx, "0"));
    assert_non_null(find_text(fx, "100"));

    /* Band boundaries at 50 and 75 of 100. */
    {
        size_t seen = 0;
        for (size_t i = 0; i < fx->cv.n; i++) {
            const quire_element *e = &fx->cv.items[i].e;
            if (e->kind == QUIRE_EL_RECT && e->height > 20.0 && e->width > 5.0) {
                double end = (e->x + e->width - x0) / (x1 - x0);
                assert_true(fabs(end - 0.5) < 1e-9 || fabs(end - 0.75) < 1e-9 ||
                            fabs(end - 1.0) < 1e-9);
                seen++;
            }
        }
        assert_int_equal(seen, 3);
    }
}

static void test_bullet_target_series(void **state)
{
    fixture *fx = *state;
    static const double v[] = {30.0, 45.0, 60.0}, t[] = {50.0, 55.0, NAN};
    const quire_element *bar, *marker;
    double x0, x1;
    size_t nbands, m;

    /* The target is series 1's last value, 55, from category 2 (index 1).
     * No ranges: 60/80/100% of max(60, 55) * 1.1 = 66; 66 / 5 = 13.2
     * rounds up to steps of 20, so the scale is 0..80. */
    chart ch = {.type = "bullet",
                .series_name = "Sales",
                .values = v,
                .values1 = t,
                .n = 3,
                .w = 320,
                .h = 70};
    draw_ok(fx, &ch, "bullet_series_target");
    band_extent(fx, &x0, &x1, &nbands);
    assert_int_equal(nbands, 3);
    m = find_mark(fx, "Target: 55");
    assert_int_equal(fx->cv.items[m].e.u.mark.series, 1);
    assert_int_equal(fx->cv.items[m].e.u.mark.category, 1);
    marker = in_mark(fx, m, QUIRE_EL_RECT);
    bar = in_mark(fx, find_mark(fx, "Sales: 60"), QUIRE_EL_RECT);
    /* The last band ends at 66 of 80. */
    assert_true(fabs((x1 - x0) / bar->width - 66.0 / 60.0) < 1e-9);
    assert_true(fabs((marker->x + 1.0 - bar->x) / bar->width - 55.0 / 60.0) < 1e-9);
    assert_non_null(find_text(fx, "80"));
    assert_null(find_text(fx, "100"));
}

/* ============================== Gauge ===================================== */

/* The angle (degrees, y up) of the radial edge the value ring's path draws
 * at the value's end: the LINE from the outer arc's end to the inner
 * arc's start points from outer to inner, so outer - inner points
 * outwards along the value's angle. */
static double value_edge_angle(const quire_element *p)
{
    const double *q = p->u.path.points;
    size_t pt = 0;

    for (size_t v = 0; v < p->u.path.nverbs; v++) {
        uint8_t verb = p->u.path.verbs[v];
        if (verb == QUIRE_PATH_LINE) {
            double ox = q[2 * (pt - 1)], oy = q[2 * (pt - 1) + 1], ix = q[2 * pt],
                   iy = q[2 * pt + 1];
            return atan2(-(oy - iy), ox - ix) * 180.0 / PI;
        }
        pt += verb == QUIRE_PATH_CURVE ? 3 : verb == QUIRE_PATH_CLOSE ? 0 : 1;
    }
    fail_msg("no radial edge in the path");
    return 0;
}

/* The angle of the path's start edge: the first point (outer, at the
 * start) minus the last (inner, at the start). */
static double start_edge_angle(const quire_element *p)
{
    const double *q = p->u.path.points;
    size_t last = p->u.path.npoints - 1;
    return atan2(-(q[1] - q[2 * last + 1]), q[0] - q[2 * last]) * 180.0 / PI;
}

static void test_gauge_arc(void **state)
{
    fixture *fx = *state;
    static const double v30[] = {30.0}, v150[] = {150.0}, vneg[] = {-10.0};
    const quire_element *p;
    size_t m;

    /* 30 of 0..120: a quarter of 240 degrees past 210: 150 degrees. */
    chart ch = {.type = "gauge", .title = "Load", .values = v30, .n = 1, .options = {"max=120"}};
    draw_ok(fx, &ch, "gauge_arc");
    m = find_mark(fx, "Load: 30");
    p = in_mark(fx, m, QUIRE_EL_PATH);
    assert_non_null(p);
    assert_true(same_color(p->fill, 0x0072B2));
    assert_true(fabs(value_edge_angle(p) - 150.0) < 1e-6);
    assert_true(fabs(start_edge_angle(p) - -150.0) < 1e-6); /* 210 degrees */
    assert_string_equal(value_text(fx, m), "30");
    assert_non_null(find_text(fx, "0"));
    assert_non_null(find_text(fx, "120"));

    /* Beyond max: the arc stops at max (-30 degrees), the text does not. */
    ch.values = v150;
    draw_ok(fx, &ch, "gauge_clamped");
    m = find_mark(fx, "Load: 150");
    assert_true(fabs(value_edge_angle(in_mark(fx, m, QUIRE_EL_PATH)) - -30.0) < 1e-6);
    assert_string_equal(value_text(fx, m), "150");

    /* Below min: no arc to draw, the text still shows it. */
    ch.values = vneg;
    draw_ok(fx, &ch, "gauge_below_min");
    m = find_mark(fx, "Load: -10");
    assert_null(in_mark(fx, m, QUIRE_EL_PATH));
    assert_string_equal(value_text(fx, m), "-10");
}

static void test_gauge_needle_and_default_max(void **state)
{
    fixture *fx = *state;
    static const double v60[] = {60.0}, v73[] = {20.0, 73.0};
    const quire_element *needle, *hub;
    size_t m;

    /* 60 of 0..120: straight up (90 degrees). */
    chart ch = {.type = "gauge",
                .title = "Load",
                .values = v60,
                .n = 1,
                .options = {"max=120", "style=needle"}};
    draw_ok(fx, &ch, "gauge_needle");
    m = find_mark(fx, "Load: 60");
    needle = in_mark(fx, m, QUIRE_EL_PATH);
    hub = in_mark(fx, m, QUIRE_EL_ELLIPSE);
    assert_non_null(needle);
    assert_non_null(hub);
    assert_true(fabs(needle->u.path.points[0] - (hub->x + hub->width / 2)) < 1e-9);
    assert_true(needle->u.path.points[1] < hub->y);

    /* min 40, max 100: 73 is 33/60 of the way: 210 - 132 = 78 degrees. */
    ch.options[0] = "min=40";
    ch.options[1] = "max=100";
    ch.values = v73 + 1;
    draw_ok(fx, &ch, "gauge_min_max");
    m = find_mark(fx, "Load: 73");
    assert_true(fabs(value_edge_angle(in_mark(fx, m, QUIRE_EL_PATH)) - 78.0) < 1e-6);

    /* No max: the nice number at or above 73 is 80; 73/80 of 240 is 219
     * degrees past 210: -9 degrees. */
    chart ch2 = {.type = "gauge", .series_name = "Load", .values = v73, .n = 2};
    draw_ok(fx, &ch2, "gauge_default_max");
    assert_non_null(find_text(fx, "80"));
    m = find_mark(fx, "Load: 73");
    assert_int_equal(fx->cv.items[m].e.u.mark.category, 1);
    assert_true(fabs(value_edge_angle(in_mark(fx, m, QUIRE_EL_PATH)) - -9.0) < 1e-6);
}

/* ============================== check() =================================== */

static void check_options(fixture *fx, const char *type, const char *const *opts,
                          const char *message)
{
    chart ch = {.type = type};
    quire_error err = {0};
    size_t n;
    int rc;

    for (size_t i = 0; opts[i] != NULL; i++)
        ch.options[i] = opts[i];
    n = make_options(&ch);
    rc = fx->ops->check(fx->p.rec->state_ptr, type, opts_buf, n, &err);
    if (message == NULL) {
        if (rc != QUIRE_OK)
            fail_msg("check %s: %s", type, err.msg);
        return;
    }
    assert_int_equal(rc, QUIRE_ERR);
    assert_int_equal(err.code, QUIRE_E_INVALID);
    assert_string_equal(err.msg, message);
}

static void test_check(void **state)
{
    fixture *fx = *state;
#define OPTS(...) ((const char *const[]){__VA_ARGS__, NULL})

    check_options(fx, "kpi",
                  OPTS("theme=minimal", "number_format=#,##0.0", "value=avg", "target=12.5",
                       "good=down", "sparkline=false"),
                  NULL);
    check_options(fx, "bullet", OPTS("ranges=-10, 0.5,1e3", "target=-3", "value=sum"), NULL);
    check_options(fx, "gauge", OPTS("min=-5", "max=5", "style=needle", "ranges=0,5"), NULL);
    check_options(fx, "kpi", OPTS("colour=red"),
                  "t.quire:1:5: unknown chart option 'colour' for a kpi chart; known: theme, "
                  "number_format, value, target, good, sparkline");
    check_options(fx, "gauge", OPTS("theme=default", "sparkline=true"),
                  "t.quire:2:5: unknown chart option 'sparkline' for a gauge chart; known: theme, "
                  "number_format, value, min, max, ranges, style");
    check_options(fx, "bullet", OPTS("style=arc"),
                  "t.quire:1:5: unknown chart option 'style' for a bullet chart; known: theme, "
                  "number_format, value, target, ranges");
    check_options(fx, "kpi", OPTS("value=lst"),
                  "t.quire:1:5: chart option 'value': unknown value 'lst'; expected last, sum, "
                  "avg, max or min");
    check_options(fx, "kpi", OPTS("theme=dark"),
                  "t.quire:1:5: chart option 'theme': unknown value 'dark'; expected default, "
                  "corporate, minimal or vibrant");
    check_options(fx, "kpi", OPTS("good=high"),
                  "t.quire:1:5: chart option 'good': unknown value 'high'; expected up or down");
    check_options(fx, "kpi", OPTS("sparkline=yes"),
                  "t.quire:1:5: chart option 'sparkline': unknown value 'yes'; expected true or "
                  "false");
    check_options(
        fx, "gauge", OPTS("style=dial"),
        "t.quire:1:5: chart option 'style': unknown value 'dial'; expected arc or needle");
    check_options(fx, "kpi", OPTS("target=abc"),
                  "t.quire:1:5: chart option 'target': 'abc' is not a number");
    check_options(fx, "gauge", OPTS("max=inf"),
                  "t.quire:1:5: chart option 'max': 'inf' is not a "
                  "number");
    check_options(fx, "bullet", OPTS("ranges=50,x"),
                  "t.quire:1:5: chart option 'ranges': 'x' is not a number (write increasing "
                  "thresholds separated by commas, e.g. 50,75,100)");
    check_options(fx, "bullet", OPTS("ranges=50,"),
                  "t.quire:1:5: chart option 'ranges': '' is not a number (write increasing "
                  "thresholds separated by commas, e.g. 50,75,100)");
    check_options(fx, "bullet", OPTS("ranges=80,75"),
                  "t.quire:1:5: chart option 'ranges': 75 does not exceed 80 before it; "
                  "thresholds must increase");
    check_options(fx, "bullet", OPTS("ranges=1,2,3,4,5,6,7,8,9"),
                  "t.quire:1:5: chart option 'ranges': more than 8 thresholds");
    check_options(fx, "kpi", OPTS("number_format=yyyy"),
                  "t.quire:1:5: chart option 'number_format': 'yyyy' is not a number pattern "
                  "(e.g. #,##0.00)");
    check_options(fx, "gauge", OPTS("min=10", "max=5"),
                  "t.quire:2:5: chart option 'max': 5 is not above min 10");
    check_options(fx, "gauge", OPTS("max=5", "min=5"),
                  "t.quire:2:5: chart option 'min': 5 is not below max 5");
    check_options(fx, "kpi", OPTS("value=sum", "value=avg"),
                  "t.quire:2:5: chart option 'value': given twice (first at t.quire:1:5)");
    {
        quire_error err = {0};
        assert_int_equal(fx->ops->check(fx->p.rec->state_ptr, "pie", NULL, 0, &err), QUIRE_ERR);
        assert_string_equal(err.msg,
                            "chart provider kpi: unknown chart type 'pie'; known: kpi, bullet, "
                            "gauge");
    }
    /* draw() refuses the same way. */
    {
        chart ch = {.type = "kpi", .values = rev, .n = 4, .options = {"value=lst"}};
        quire_error err;
        assert_int_equal(draw_status(fx, &ch, "bad_option", &err), QUIRE_ERR);
        assert_string_equal(err.msg, "t.quire:1:5: chart option 'value': unknown value 'lst'; "
                                     "expected last, sum, avg, max or min");
        assert_int_equal(fx->cv.n, 0);
    }
#undef OPTS
}

/* ============================== Themes, config, RTL ====================== */

static void test_themes_and_config(void **state)
{
    fixture *fx = *state;
    const quire_element *bar;

    chart ch = {
        .type = "bullet", .title = "T", .values = rev, .n = 4, .options = {"theme=corporate"}};
    draw_ok(fx, &ch, "bullet_corporate");
    bar = in_mark(fx, find_mark(fx, "T: 1,234"), QUIRE_EL_RECT);
    assert_true(same_color(bar->fill, 0x1F3A5F));

    /* The configured default when the request's theme is not one of ours,
     * and the configured small font size. */
    plug_close(&fx->p);
    open_plugin(fx, "default_theme = vibrant\nfont_size = 7\n");
    chart ch2 = {.type = "kpi", .title = "T", .values = rev, .n = 4, .theme = "elsewhere"};
    draw_ok(fx, &ch2, "tile_vibrant");
    assert_true(same_color(in_mark(fx, find_mark(fx, "T: 1,234"), QUIRE_EL_TEXT)->fill, 0x161616));
    assert_true(same_color(in_mark(fx, find_mark(fx, "T"), QUIRE_EL_PATH)->stroke, 0x7B2CBF));
    assert_true(fabs(find_text(fx, "T")->u.text.size - 7.0) < 1e-12);
}

static void test_rtl(void **state)
{
    fixture *fx = *state;
    const quire_element *t;

    chart ch = {.type = "kpi",
                .title = "Sales",
                .values = rev,
                .n = 4,
                .rtl = 1,
                .x = 10,
                .y = 10,
                .w = 200,
                .h = 120};
    draw_ok(fx, &ch, "tile_rtl");
    /* The label hugs the right edge (padding 120 * 0.06 = 7.2). */
    t = find_text(fx, "Sales");
    assert_true(fabs(t->x + t->width - (210.0 - 7.2)) < 1e-9);
    assert_int_equal(t->u.text.align, QUIRE_ALIGN_RIGHT);
}

/* Every type over awkward data and boxes: inside the box, marks balanced
 * (draw_status checks both on every draw). */
static void test_inside_box(void **state)
{
    fixture *fx = *state;
    static const double mixed[] = {NAN, -5.0, 1e9, 0.0, -2e12, NAN, 3.0},
                        big[] = {1e300, -1e300, 1e300};
    static const char *const types[] = {"kpi", "bullet", "gauge"};
    static const double boxes[][2] = {{200, 120}, {60, 20}, {30, 12}, {600, 40}, {40, 300}, {4, 4}};
    char name[64];

    for (size_t t = 0; t < COUNT(types); t++) {
        for (size_t b = 0; b < COUNT(boxes); b++) {
            for (int rtl = 0; rtl < 2; rtl++) {
                chart ch = {.type = types[t],
                            .title = "A rather long title that will not fit",
                            .values = mixed,
                            .n = 7,
                            .x = 5,
                            .y = 7,
                            .w = boxes[b][0],
                            .h = boxes[b][1],
                            .rtl = (uint32_t)rtl,
                            .options = {t == 0 ? "value=sum" : "value=min"}};
                snprintf(name, sizeof(name), "box_%s_%zu_%d", types[t], b, rtl);
                draw_ok(fx, &ch, name);
                ch.values = big;
                ch.n = 3;
                ch.options[0] = "value=max";
                snprintf(name, sizeof(name), "box_big_%s_%zu_%d", types[t], b, rtl);
                draw_ok(fx, &ch, name);
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tile_value_modes, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_tile_delta, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_tile_sparkline, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_no_data, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_tile_huge_and_negative, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_bullet_scale, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_bullet_target_series, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_gauge_arc, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_gauge_needle_and_default_max, test_setup,
                                        test_teardown),
        cmocka_unit_test_setup_teardown(test_check, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_themes_and_config, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_rtl, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_inside_box, test_setup, test_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
