/*
 * test_chart_standard.c - the `standard` chart provider (plugins/
 * chart_standard), driven through the real build/plugins/chart_standard.so
 * as the kernel drives it: loaded with kernel_load_path, configured from a
 * [chart.standard] text, initialised through its descriptor with the
 * kernel's host table (its number and time formatting included).
 *
 * draw() paints onto a collecting canvas defined here: it copies every
 * element with its text and path bytes, refuses what the kernel refuses
 * (a font it did not hand out, bad UTF-8, verbs that do not match points,
 * nested or unbalanced marks) and measures text with DejaVu Sans through
 * kernel/font.h, as the kernel does. The tests then read the drawing back:
 * bars per category and series, stacked tops against running sums (the
 * scale taken from the axis labels), nice ticks, pie percentages worked
 * out by hand, marks and their labels, legends, everything inside the box.
 *
 * QUIRE_CHART_PREVIEW=DIR writes each drawing as DIR/NAME.svg to look at
 * (chromium --headless --screenshot=out.png file.svg).
 */
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

#include <quire/chart.h>

#include "font.h"

#define FONT_DIR "/usr/share/fonts/truetype/dejavu"

/* ============================== Collecting canvas ========================= */

/* What the kernel's canvas would hold: copies of every element. */
struct quire_canvas {
    quire_element *els;
    size_t n, cap;
    font_face *faces[2]; /* regular, bold */
    int in_mark;
    int refused;
};

/* A copy of `len` bytes the canvas owns (freed with the canvas). */
static void *dup_bytes(const void *p, size_t len)
{
    void *q = malloc(len ? len : 1);
    assert_non_null(q);
    if (len)
        memcpy(q, p, len);
    return q;
}

static int valid_utf8(const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        unsigned char b = (unsigned char)s[i];
        size_t need = b < 0x80         ? 0
                      : (b >> 5) == 6  ? 1
                      : (b >> 4) == 14 ? 2
                      : (b >> 3) == 30 ? 3
                                       : 9;
        if (need == 9 || i + need >= len + (need == 0))
            return 0;
        for (size_t k = 1; k <= need; k++)
            if (((unsigned char)s[i + k] & 0xC0) != 0x80)
                return 0;
        i += need + 1;
    }
    return 1;
}

static int canvas_element(quire_canvas *cv, const quire_element *el)
{
    quire_element copy = *el;

    switch (el->kind) {
    case QUIRE_EL_CHART:
    case QUIRE_EL_CHART_END: cv->refused++; return QUIRE_ERR;
    case QUIRE_EL_MARK:
        if (cv->in_mark) {
            cv->refused++;
            return QUIRE_ERR;
        }
        cv->in_mark = 1;
        copy.u.mark.label = dup_bytes(el->u.mark.label, el->u.mark.len);
        break;
    case QUIRE_EL_MARK_END:
        if (!cv->in_mark) {
            cv->refused++;
            return QUIRE_ERR;
        }
        cv->in_mark = 0;
        break;
    case QUIRE_EL_TEXT:
        if (el->u.text.font > 1 || !valid_utf8(el->u.text.utf8, el->u.text.len) ||
            el->u.text.len == 0) {
            cv->refused++;
            return QUIRE_ERR;
        }
        copy.u.text.utf8 = dup_bytes(el->u.text.utf8, el->u.text.len);
        break;
    case QUIRE_EL_PATH: {
        size_t need = 0;
        for (size_t i = 0; i < el->u.path.nverbs; i++)
            need += el->u.path.verbs[i] == QUIRE_PATH_CURVE   ? 3
                    : el->u.path.verbs[i] == QUIRE_PATH_CLOSE ? 0
                                                              : 1;
        if (need != el->u.path.npoints || el->u.path.nverbs == 0 ||
            el->u.path.verbs[0] != QUIRE_PATH_MOVE) {
            cv->refused++;
            return QUIRE_ERR;
        }
        copy.u.path.verbs = dup_bytes(el->u.path.verbs, el->u.path.nverbs);
        copy.u.path.points = dup_bytes(el->u.path.points, el->u.path.npoints * 2 * sizeof(double));
        break;
    }
    default: break;
    }
    if (cv->n == cv->cap) {
        cv->cap = cv->cap ? cv->cap * 2 : 256;
        cv->els = realloc(cv->els, cv->cap * sizeof(*cv->els));
        assert_non_null(cv->els);
    }
    cv->els[cv->n++] = copy;
    return QUIRE_OK;
}

static double canvas_text_width(quire_canvas *cv, const char *font, uint32_t style, double size,
                                const char *utf8, size_t len)
{
    (void)font;
    return font_text_width(cv->faces[style & QUIRE_FONT_BOLD ? 1 : 0], utf8, len, size, NULL);
}

static uint32_t canvas_font(quire_canvas *cv, const char *family, uint32_t style, double *ascent,
                            double *descent)
{
    uint32_t i = style & QUIRE_FONT_BOLD ? 1 : 0;
    (void)family;
    if (ascent)
        *ascent = font_ascent(cv->faces[i]);
    if (descent)
        *descent = font_descent(cv->faces[i]);
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
        quire_element *el = &cv->els[i];
        if (el->kind == QUIRE_EL_TEXT)
            free((void *)el->u.text.utf8);
        else if (el->kind == QUIRE_EL_MARK)
            free((void *)el->u.mark.label);
        else if (el->kind == QUIRE_EL_PATH) {
            free((void *)el->u.path.verbs);
            free((void *)el->u.path.points);
        }
    }
    free(cv->els);
    cv->els = NULL;
    cv->n = cv->cap = 0;
    cv->in_mark = 0;
    cv->refused = 0;
}

/* ============================== Fixture =================================== */

typedef struct fixture {
    char so[PATH_MAX];
    quire_host host;
    plug p;
    const quire_chart_ops *ops;
    quire_canvas cv;
} fixture;

static fixture *fx_global; /* the group's fixture, for the helpers below */

static int group_setup(void **state)
{
    const char *build = getenv("QUIRE_BUILD");
    char so[PATH_MAX + 32];
    fixture *fx = calloc(1, sizeof(*fx));
    quire_error err = {0};

    if (fx == NULL)
        return -1;
    snprintf(so, sizeof(so), "%s/plugins/chart_standard.so", build && build[0] ? build : "build");
    if (realpath(so, fx->so) == NULL) {
        fprintf(stderr, "# %s: not found (build it first)\n", so);
        free(fx);
        return -1;
    }
    if (font_face_load(FONT_DIR "/DejaVuSans.ttf", &fx->cv.faces[0], &err) != QUIRE_OK ||
        font_face_load(FONT_DIR "/DejaVuSans-Bold.ttf", &fx->cv.faces[1], &err) != QUIRE_OK) {
        fprintf(stderr, "# fonts: %s\n", err.msg);
        free(fx);
        return -1;
    }
    fx->host = harness_counting_host();
    *state = fx;
    fx_global = fx;
    return 0;
}

static int group_teardown(void **state)
{
    fixture *fx = *state;

    font_face_free(fx->cv.faces[0]);
    font_face_free(fx->cv.faces[1]);
    free(fx);
    return 0;
}

/* Loads the plugin with `section` as the lines of [chart.standard]. */
static void open_plugin(fixture *fx, const char *section)
{
    quire_error err = {0};

    if (plug_load(&fx->p, fx->so, &fx->host, "chart.standard", section, &err) != QUIRE_OK)
        fail_msg("init: %s", err.msg);
    fx->ops = &fx->p.rec->ops.chart;
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

/* ============================== Datasets ================================== */

#define MAXC 256
#define MAXS 8

/* A dataset under construction; value texts are "%g" of the value. */
typedef struct ds {
    quire_dataset d;
    quire_str cats[MAXC], series[MAXS], texts[MAXC * MAXS];
    double values[MAXC * MAXS], catv[MAXC];
    char cat_buf[MAXC][80], ser_buf[MAXS][32], text_buf[MAXC * MAXS][32];
} ds;

/* ncat categories named by `cats` (NULL: "C1", "C2"...), nser series. */
static ds *ds_new(size_t ncat, size_t nser, const char *const *cats, const char *const *series)
{
    ds *x = calloc(1, sizeof(*x));

    assert_non_null(x);
    assert_true(ncat <= MAXC && nser <= MAXS);
    for (size_t i = 0; i < ncat; i++) {
        if (cats)
            snprintf(x->cat_buf[i], sizeof(x->cat_buf[i]), "%s", cats[i]);
        else
            snprintf(x->cat_buf[i], sizeof(x->cat_buf[i]), "C%zu", i + 1);
        x->cats[i] = (quire_str){x->cat_buf[i], strlen(x->cat_buf[i])};
    }
    for (size_t s = 0; s < nser; s++) {
        if (series)
            snprintf(x->ser_buf[s], sizeof(x->ser_buf[s]), "%s", series[s]);
        else
            snprintf(x->ser_buf[s], sizeof(x->ser_buf[s]), "S%zu", s + 1);
        x->series[s] = (quire_str){x->ser_buf[s], strlen(x->ser_buf[s])};
    }
    x->d.size = sizeof(quire_dataset);
    x->d.ncategories = ncat;
    x->d.categories = x->cats;
    x->d.nseries = nser;
    x->d.series = x->series;
    x->d.values = x->values;
    x->d.value_text = x->texts;
    x->d.name = "test_data";
    x->d.category_type = QUIRE_TYPE_STRING;
    return x;
}

/* Sets value (s, i) and its text. */
static void ds_set(ds *x, size_t s, size_t i, double v)
{
    size_t k = s * x->d.ncategories + i;

    x->values[k] = v;
    if (isnan(v)) {
        x->texts[k] = (quire_str){"", 0};
        return;
    }
    snprintf(x->text_buf[k], sizeof(x->text_buf[k]), "%g", v);
    x->texts[k] = (quire_str){x->text_buf[k], strlen(x->text_buf[k])};
}

/* Numeric or date categories: category_values[i] = v[i]. */
static void ds_catvalues(ds *x, uint32_t type, const double *v)
{
    memcpy(x->catv, v, x->d.ncategories * sizeof(double));
    x->d.category_values = x->catv;
    x->d.category_type = type;
}

/* ============================== Drawing =================================== */

typedef struct drawn {
    int rc;
    quire_error err;
    double x, y, w, h;
} drawn;

/* "k=v" pairs, NULL-terminated, into options with a fake position each. */
static size_t make_options(const char *const *kv, quire_option *out, char keys[][32],
                           char vals[][96])
{
    size_t n = 0;

    for (; kv != NULL && kv[n] != NULL; n++) {
        const char *eq = strchr(kv[n], '=');
        assert_non_null(eq);
        snprintf(keys[n], 32, "%.*s", (int)(eq - kv[n]), kv[n]);
        snprintf(vals[n], 96, "%s", eq + 1);
        out[n] = (quire_option){keys[n], vals[n], "sales.quire", (uint32_t)(40 + n), 9};
    }
    return n;
}

static void preview(const char *name, const quire_canvas *cv, const drawn *r);

/* Draws `type` of x in a w x h box at (30, 40) with options kv. */
static drawn draw_chart(const char *name, const char *type, const char *title, ds *x,
                        const char *const *kv, double w, double h, const char *locale)
{
    fixture *fx = fx_global;
    quire_option opts[16];
    char keys[16][32], vals[16][96];
    quire_chart_request req = {0};
    drawn r = {0};

    canvas_clear(&fx->cv);
    req.size = sizeof(req);
    req.type = type;
    req.title = title;
    req.theme = "default";
    req.locale = locale ? locale : "en-US";
    req.x = r.x = 30;
    req.y = r.y = 40;
    req.width = r.w = w;
    req.height = r.h = h;
    req.data = &x->d;
    req.noptions = make_options(kv, opts, keys, vals);
    req.options = opts;
    req.font = "DejaVu Sans";
    r.rc = fx->ops->draw(fx->p.rec->state_ptr, &req, &canvas_api, &fx->cv, &r.err);
    assert_int_equal(fx->cv.refused, 0);
    preview(name, &fx->cv, &r);
    return r;
}

/* ============================== Reading back ============================== */

static int text_is(const quire_element *el, const char *s)
{
    return el->kind == QUIRE_EL_TEXT && el->u.text.len == strlen(s) &&
           memcmp(el->u.text.utf8, s, el->u.text.len) == 0;
}

static int has_text(const quire_canvas *cv, const char *s)
{
    for (size_t i = 0; i < cv->n; i++)
        if (text_is(&cv->els[i], s))
            return 1;
    return 0;
}

/* Elements of `kind` inside marks of `role` (0: outside any mark). */
static size_t count_in(const quire_canvas *cv, uint32_t kind, uint32_t role)
{
    uint32_t cur = 0;
    size_t n = 0;

    for (size_t i = 0; i < cv->n; i++) {
        const quire_element *el = &cv->els[i];
        if (el->kind == QUIRE_EL_MARK)
            cur = el->u.mark.role;
        else if (el->kind == QUIRE_EL_MARK_END)
            cur = 0;
        else if (el->kind == kind && cur == role)
            n++;
    }
    return n;
}

static size_t count_marks(const quire_canvas *cv, uint32_t role)
{
    size_t n = 0;

    for (size_t i = 0; i < cv->n; i++)
        n += cv->els[i].kind == QUIRE_EL_MARK && cv->els[i].u.mark.role == role;
    return n;
}

/* Marks alternate and end closed; each POINT label holds its value text. */
static void assert_marks(const quire_canvas *cv, const ds *x)
{
    int open = 0;

    for (size_t i = 0; i < cv->n; i++) {
        const quire_element *el = &cv->els[i];
        if (el->kind == QUIRE_EL_MARK) {
            assert_false(open);
            open = 1;
            if (el->u.mark.role == QUIRE_MARK_POINT) {
                const quire_str *t =
                    &x->texts[el->u.mark.series * x->d.ncategories + el->u.mark.category];
                const quire_str *cat = &x->cats[el->u.mark.category];
                char want[256];
                assert_true(el->u.mark.series < x->d.nseries);
                assert_true(el->u.mark.category < x->d.ncategories);
                snprintf(want, sizeof(want), ": %.*s", (int)t->len, t->ptr);
                assert_true(el->u.mark.len >= strlen(want));
                assert_memory_equal(el->u.mark.label + el->u.mark.len - strlen(want), want,
                                    strlen(want));
                assert_memory_equal(el->u.mark.label, cat->ptr, cat->len);
            }
        } else if (el->kind == QUIRE_EL_MARK_END) {
            assert_true(open);
            open = 0;
        }
    }
    assert_false(open);
}

/* Every element lies inside the box (strokes may reach half their width
 * further). */
static void assert_inside(const quire_canvas *cv, const drawn *r)
{
    const double eps = 0.01;

    for (size_t i = 0; i < cv->n; i++) {
        const quire_element *el = &cv->els[i];
        double x0 = el->x, y0 = el->y, x1 = el->x + el->width, y1 = el->y + el->height;
        double slack = el->line_width / 2 + eps;
        if (el->kind == QUIRE_EL_MARK || el->kind == QUIRE_EL_MARK_END)
            continue;
        if (el->kind == QUIRE_EL_PATH)
            for (size_t k = 0; k < el->u.path.npoints; k++) {
                x0 = fmin(x0, el->u.path.points[2 * k]);
                x1 = fmax(x1, el->u.path.points[2 * k]);
                y0 = fmin(y0, el->u.path.points[2 * k + 1]);
                y1 = fmax(y1, el->u.path.points[2 * k + 1]);
            }
        if (fmin(x0, x1) < r->x - slack || fmax(x0, x1) > r->x + r->w + slack ||
            fmin(y0, y1) < r->y - slack || fmax(y0, y1) > r->y + r->h + slack)
            fail_msg(
                "element %zu (kind %u) at %.2f,%.2f..%.2f,%.2f leaves the box %.0f,%.0f %.0fx%.0f",
                i, el->kind, x0, y0, x1, y1, r->x, r->y, r->w, r->h);
        if (el->kind == QUIRE_EL_TEXT) {
            assert_true(el->u.text.baseline > el->y && el->u.text.baseline < el->y + el->height);
            assert_true(el->fill.a == 255);
        }
    }
}

/* The value axis read back: numeric TEXT elements outside marks left of
 * `left_of` (or below `below`), as (value, page coordinate of its centre). */
typedef struct axis_read {
    size_t n;
    double v[64], at[64];
} axis_read;

static double parse_label(const quire_element *el, int *ok)
{
    char buf[64], *end;
    size_t k = 0;
    double v;

    for (size_t i = 0; i < el->u.text.len && k + 1 < sizeof(buf); i++)
        if (el->u.text.utf8[i] != ',')
            buf[k++] = el->u.text.utf8[i];
    buf[k] = '\0';
    v = strtod(buf, &end);
    *ok = k > 0 && (*end == '\0' || strcmp(end, "%") == 0);
    return v;
}

static axis_read read_y_axis(const quire_canvas *cv, double left_of)
{
    axis_read a = {0};
    int in_mark = 0;

    for (size_t i = 0; i < cv->n && a.n < 64; i++) {
        const quire_element *el = &cv->els[i];
        int ok;
        double v;
        in_mark = el->kind == QUIRE_EL_MARK ? 1 : el->kind == QUIRE_EL_MARK_END ? 0 : in_mark;
        if (in_mark || el->kind != QUIRE_EL_TEXT || el->x + el->width > left_of)
            continue;
        v = parse_label(el, &ok);
        if (!ok)
            continue;
        a.v[a.n] = v;
        a.at[a.n] = el->y + el->height / 2;
        a.n++;
    }
    return a;
}

/* The page y of value v from the axis labels' first and last ticks. */
static double axis_map(const axis_read *a, double v)
{
    assert_true(a->n >= 2);
    return a->at[0] + (v - a->v[0]) * (a->at[a->n - 1] - a->at[0]) / (a->v[a->n - 1] - a->v[0]);
}

/* The tick values are evenly spaced by 1, 2, 2.5 or 5 x 10^k and cover
 * [lo, hi]. */
static void assert_nice(const axis_read *a, double lo, double hi)
{
    double step, mag, norm;

    assert_true(a->n >= 2);
    step = a->v[1] - a->v[0];
    for (size_t i = 1; i < a->n; i++)
        assert_true(fabs(a->v[i] - a->v[i - 1] - step) < 1e-9 * fabs(step) + 1e-12);
    mag = pow(10, floor(log10(fabs(step))));
    norm = fabs(step) / mag;
    assert_true(fabs(norm - 1) < 1e-9 || fabs(norm - 2) < 1e-9 || fabs(norm - 2.5) < 1e-9 ||
                fabs(norm - 5) < 1e-9);
    assert_true(fmin(a->v[0], a->v[a->n - 1]) <= lo + 1e-9);
    assert_true(fmax(a->v[0], a->v[a->n - 1]) >= hi - 1e-9);
}

/* The RECTs inside POINT marks, in drawing order. */
static size_t point_rects(const quire_canvas *cv, const quire_element **out, size_t cap,
                          uint32_t *series, uint32_t *category)
{
    uint32_t role = 0, s = 0, c = 0;
    size_t n = 0;

    for (size_t i = 0; i < cv->n; i++) {
        const quire_element *el = &cv->els[i];
        if (el->kind == QUIRE_EL_MARK) {
            role = el->u.mark.role;
            s = el->u.mark.series;
            c = el->u.mark.category;
        } else if (el->kind == QUIRE_EL_MARK_END)
            role = 0;
        else if (el->kind == QUIRE_EL_RECT && role == QUIRE_MARK_POINT && n < cap) {
            series[n] = s;
            category[n] = c;
            out[n++] = el;
        }
    }
    return n;
}

/* ============================== Preview =================================== */

static void svg_color(FILE *f, const char *attr, quire_color c)
{
    if (c.a == 0)
        fprintf(f, " %s=\"none\"", attr);
    else
        fprintf(f, " %s=\"rgb(%u,%u,%u)\" %s-opacity=\"%.3f\"", attr, c.r, c.g, c.b, attr,
                c.a / 255.0);
}

static void preview(const char *name, const quire_canvas *cv, const drawn *r)
{
    const char *dir = getenv("QUIRE_CHART_PREVIEW");
    char path[PATH_MAX];
    FILE *f;

    if (dir == NULL || dir[0] == '\0' || name == NULL)
        return;
    snprintf(path, sizeof(path), "%s/%s.svg", dir, name);
    f = fopen(path, "w");
    if (f == NULL)
        return;
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
            "viewBox=\"0 0 %.0f %.0f\"><rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>"
            "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"none\" "
            "stroke=\"#f0c\" stroke-width=\"0.3\"/>\n",
            (r->x * 2 + r->w) * 2, (r->y * 2 + r->h) * 2, r->x * 2 + r->w, r->y * 2 + r->h, r->x,
            r->y, r->w, r->h);
    for (size_t i = 0; i < cv->n; i++) {
        const quire_element *el = &cv->els[i];
        switch (el->kind) {
        case QUIRE_EL_RECT:
            fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"", el->x, el->y,
                    el->width, el->height);
            svg_color(f, "fill", el->fill);
            if (el->line_width > 0)
                svg_color(f, "stroke", el->stroke);
            fprintf(f, " stroke-width=\"%.2f\"/>\n", el->line_width);
            break;
        case QUIRE_EL_LINE:
            fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"", el->x, el->y,
                    el->x + el->width, el->y + el->height);
            svg_color(f, "stroke", el->stroke);
            fprintf(f, " stroke-width=\"%.2f\"/>\n", el->line_width);
            break;
        case QUIRE_EL_ELLIPSE:
            fprintf(f, "<ellipse cx=\"%.2f\" cy=\"%.2f\" rx=\"%.2f\" ry=\"%.2f\"",
                    el->x + el->width / 2, el->y + el->height / 2, el->width / 2, el->height / 2);
            svg_color(f, "fill", el->fill);
            if (el->line_width > 0)
                svg_color(f, "stroke", el->stroke);
            fprintf(f, " stroke-width=\"%.2f\"/>\n", el->line_width);
            break;
        case QUIRE_EL_PATH: {
            const double *p = el->u.path.points;
            fprintf(f, "<path d=\"");
            for (size_t v = 0; v < el->u.path.nverbs; v++) {
                uint8_t verb = el->u.path.verbs[v];
                if (verb == QUIRE_PATH_MOVE || verb == QUIRE_PATH_LINE) {
                    fprintf(f, "%c%.2f %.2f ", verb == QUIRE_PATH_MOVE ? 'M' : 'L', p[0], p[1]);
                    p += 2;
                } else if (verb == QUIRE_PATH_CURVE) {
                    fprintf(f, "C%.2f %.2f %.2f %.2f %.2f %.2f ", p[0], p[1], p[2], p[3], p[4],
                            p[5]);
                    p += 6;
                } else
                    fprintf(f, "Z ");
            }
            fprintf(f, "\"");
            svg_color(f, "fill", el->fill);
            if (el->line_width > 0)
                svg_color(f, "stroke", el->stroke);
            fprintf(f, " stroke-width=\"%.2f\" stroke-linejoin=\"round\"/>\n", el->line_width);
            break;
        }
        case QUIRE_EL_TEXT:
            fprintf(f,
                    "<text x=\"%.2f\" y=\"%.2f\" font-family=\"DejaVu Sans\" font-size=\"%.2f\" "
                    "font-weight=\"%s\" style=\"white-space:pre\"",
                    el->x, el->u.text.baseline, el->u.text.size,
                    el->u.text.font == 1 ? "bold" : "normal");
            svg_color(f, "fill", el->fill);
            fprintf(f, ">");
            for (size_t k = 0; k < el->u.text.len; k++) {
                char ch = el->u.text.utf8[k];
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

/* ============================== check() =================================== */

/* check() of `type` with options kv: QUIRE_OK, or the message in msg. */
static int check(const char *type, const char *const *kv, char *msg, size_t cap)
{
    fixture *fx = fx_global;
    quire_option opts[16];
    char keys[16][32], vals[16][96];
    quire_error err = {0};
    size_t n = make_options(kv, opts, keys, vals);
    int rc = fx->ops->check(fx->p.rec->state_ptr, type, opts, n, &err);

    snprintf(msg, cap, "%s", err.msg);
    if (rc != QUIRE_OK)
        assert_int_equal(err.code, QUIRE_E_INVALID);
    return rc;
}

static void test_check_accepts_good_options(void **state)
{
    char msg[600];
    (void)state;

    assert_int_equal(
        check("bar",
              (const char *const[]){"orientation=horizontal", "stacking=percent", "labels=true",
                                    "legend=right", "grid=false", "colors=#112233, #AABBCC",
                                    "y_min=-5", "y_max=12.5", "number_format=#,##0.0", NULL},
              msg, sizeof(msg)),
        QUIRE_OK);
    assert_int_equal(
        check("donut", (const char *const[]){"hole=0.3", "theme=vibrant", NULL}, msg, sizeof(msg)),
        QUIRE_OK);
    assert_int_equal(check("line",
                           (const char *const[]){"date_format=MMM yy", "markers=false", NULL}, msg,
                           sizeof(msg)),
                     QUIRE_OK);
    assert_int_equal(
        check("sparkline", (const char *const[]){"points=minmax", NULL}, msg, sizeof(msg)),
        QUIRE_OK);
    assert_int_equal(check("scatter", (const char *const[]){"trend=true", NULL}, msg, sizeof(msg)),
                     QUIRE_OK);
}

static void test_check_errors(void **state)
{
    char msg[600];
    (void)state;

    assert_int_equal(check("bar", (const char *const[]){"colour=#000000", NULL}, msg, sizeof(msg)),
                     QUIRE_ERR);
    assert_string_equal(msg, "sales.quire:40:9: unknown chart option 'colour' for a bar chart; "
                             "known: theme, legend, grid, x_title, y_title, number_format, "
                             "date_format, y_min, y_max, colors, orientation, stacking, labels");
    assert_int_equal(check("bar", (const char *const[]){"labels=true", "stacking=stackd", NULL},
                           msg, sizeof(msg)),
                     QUIRE_ERR);
    assert_string_equal(msg, "sales.quire:41:9: chart option 'stacking': unknown value 'stackd'; "
                             "expected none, stacked or percent");
    assert_int_equal(
        check("line", (const char *const[]){"colors=#0072B2,red", NULL}, msg, sizeof(msg)),
        QUIRE_ERR);
    assert_string_equal(msg, "sales.quire:40:9: chart option 'colors': '#0072B2,red' is not a "
                             "list of colours; expected up to 16 comma-separated #rrggbb values, "
                             "e.g. #0072B2,#E69F00");
    assert_int_equal(check("bar", (const char *const[]){"colors=#12345", NULL}, msg, sizeof(msg)),
                     QUIRE_ERR);
    assert_int_equal(check("bar", (const char *const[]){"labels=yes", NULL}, msg, sizeof(msg)),
                     QUIRE_ERR);
    assert_string_equal(msg, "sales.quire:40:9: chart option 'labels': 'yes' is not a boolean; "
                             "expected true or false");
    assert_int_equal(check("donut", (const char *const[]){"hole=0.9", NULL}, msg, sizeof(msg)),
                     QUIRE_ERR);
    assert_string_equal(msg, "sales.quire:40:9: chart option 'hole': 0.9 is out of range; "
                             "expected 0.3 to 0.8");
    assert_int_equal(check("bar", (const char *const[]){"y_min=low", NULL}, msg, sizeof(msg)),
                     QUIRE_ERR);
    assert_string_equal(msg, "sales.quire:40:9: chart option 'y_min': 'low' is not a number");
    assert_int_equal(check("bar", (const char *const[]){"hole=0.5", NULL}, msg, sizeof(msg)),
                     QUIRE_ERR);
    assert_string_equal(msg, "sales.quire:40:9: chart option 'hole' does not apply to a bar chart "
                             "(only to: donut)");
    assert_int_equal(check("pie", (const char *const[]){"grid=true", NULL}, msg, sizeof(msg)),
                     QUIRE_ERR);
    assert_string_equal(msg, "sales.quire:40:9: chart option 'grid' does not apply to a pie chart "
                             "(only to: bar, line, area, scatter)");
    assert_int_equal(
        check("bar", (const char *const[]){"y_min=10", "y_max=5", NULL}, msg, sizeof(msg)),
        QUIRE_ERR);
    assert_string_equal(msg, "sales.quire:41:9: chart option 'y_max': 5 is not above y_min 10");
    assert_int_equal(
        check("bar", (const char *const[]){"number_format=MMM", NULL}, msg, sizeof(msg)),
        QUIRE_ERR);
    assert_string_equal(msg, "sales.quire:40:9: chart option 'number_format': 'MMM' is not a "
                             "number pattern (e.g. \"#,##0.00\")");
    assert_int_equal(
        check("line", (const char *const[]){"date_format=Q yyyy", NULL}, msg, sizeof(msg)),
        QUIRE_ERR);
    assert_int_equal(
        check("bar", (const char *const[]){"grid=true", "grid=false", NULL}, msg, sizeof(msg)),
        QUIRE_ERR);
    assert_string_equal(msg, "sales.quire:41:9: chart option 'grid' is set twice (first at line "
                             "40)");
    assert_int_equal(check("gauge", NULL, msg, sizeof(msg)), QUIRE_ERR);
    assert_string_equal(msg, "unknown chart type 'gauge'; the standard provider draws bar, line, "
                             "area, pie, donut, scatter and sparkline");
}

/* draw() refuses bad options with the same text check() gives. */
static void test_draw_refuses_bad_option(void **state)
{
    ds *x = ds_new(2, 1, NULL, NULL);
    drawn r;
    (void)state;

    ds_set(x, 0, 0, 1);
    ds_set(x, 0, 1, 2);
    r = draw_chart(NULL, "bar", NULL, x, (const char *const[]){"theme=dark", NULL}, 300, 200, NULL);
    assert_int_equal(r.rc, QUIRE_ERR);
    assert_string_equal(r.err.msg, "sales.quire:40:9: chart option 'theme': unknown value 'dark'; "
                                   "expected default, corporate, minimal or vibrant");
    free(x);
}

/* ============================== Bars ====================================== */

static void test_bar_grouped(void **state)
{
    static const double v[2][3] = {{12, 40, 87}, {30, 5, 61}};
    ds *x = ds_new(3, 2, (const char *const[]){"North", "South", "West"},
                   (const char *const[]){"2023", "2024"});
    const quire_element *rects[16];
    uint32_t ser[16], cat[16];
    axis_read a;
    drawn r;
    size_t n;
    double left = 1e9;
    (void)state;

    for (size_t s = 0; s < 2; s++)
        for (size_t i = 0; i < 3; i++)
            ds_set(x, s, i, v[s][i]);
    r = draw_chart("bar_grouped", "bar", "Sales by region", x, NULL, 400, 250, NULL);
    assert_int_equal(r.rc, QUIRE_OK);
    n = point_rects(&fx_global->cv, rects, 16, ser, cat);
    assert_int_equal(n, 6); /* categories x series */
    assert_marks(&fx_global->cv, x);
    assert_inside(&fx_global->cv, &r);
    assert_int_equal(count_marks(&fx_global->cv, QUIRE_MARK_LEGEND), 2);
    assert_true(has_text(&fx_global->cv, "Sales by region"));
    assert_true(has_text(&fx_global->cv, "North") && has_text(&fx_global->cv, "West"));
    for (size_t i = 0; i < n; i++)
        left = fmin(left, rects[i]->x);
    a = read_y_axis(&fx_global->cv, left);
    assert_nice(&a, 0, 87);
    assert_true(a.v[a.n - 1] < 87 * 2); /* not wildly oversized */
    for (size_t i = 0; i < n; i++) {
        /* Each bar from zero to its value, bars of a group side by side. */
        double top = axis_map(&a, v[ser[i]][cat[i]]), zero = axis_map(&a, 0);
        assert_true(fabs(rects[i]->y - top) < 0.5);
        assert_true(fabs(rects[i]->y + rects[i]->height - zero) < 0.5);
        if (i > 0 && cat[i] == cat[i - 1])
            assert_true(rects[i]->x >= rects[i - 1]->x + rects[i - 1]->width - 1e-9);
    }
    /* Series colours: Okabe-Ito blue, then orange. */
    assert_true(rects[0]->fill.r == 0x00 && rects[0]->fill.g == 0x72 && rects[0]->fill.b == 0xB2);
    assert_true(rects[1]->fill.r == 0xE6 && rects[1]->fill.g == 0x9F && rects[1]->fill.b == 0x00);
    free(x);
}

static void test_bar_stacked_tops(void **state)
{
    static const double v[3][4] = {{10, 20, 5, 0}, {15, 5, 5, 30}, {7, 0.5, 20, 12}};
    ds *x = ds_new(4, 3, NULL, NULL);
    const quire_element *rects[32];
    uint32_t ser[32], cat[32];
    axis_read a;
    drawn r;
    size_t n;
    double left = 1e9;
    (void)state;

    for (size_t s = 0; s < 3; s++)
        for (size_t i = 0; i < 4; i++)
            ds_set(x, s, i, v[s][i]);
    r = draw_chart("bar_stacked", "bar", "Stacked", x,
                   (const char *const[]){"stacking=stacked", "labels=true", NULL}, 400, 260, NULL);
    assert_int_equal(r.rc, QUIRE_OK);
    n = point_rects(&fx_global->cv, rects, 32, ser, cat);
    assert_int_equal(n, 12);
    assert_marks(&fx_global->cv, x);
    assert_inside(&fx_global->cv, &r);
    for (size_t i = 0; i < n; i++)
        left = fmin(left, rects[i]->x);
    a = read_y_axis(&fx_global->cv, left);
    assert_nice(&a, 0, 42); /* the largest stack: 0 + 30 + 12 */
    for (size_t i = 0; i < n; i++) {
        double sum = 0;
        for (size_t s = 0; s <= ser[i]; s++)
            sum += v[s][cat[i]];
        /* The segment's top is the running sum; its bottom the previous. */
        assert_true(fabs(rects[i]->y - axis_map(&a, sum)) < 0.5);
        assert_true(fabs(rects[i]->y + rects[i]->height - axis_map(&a, sum - v[ser[i]][cat[i]])) <
                    0.5);
    }
    free(x);
}

static void test_bar_percent_and_negative(void **state)
{
    ds *x = ds_new(3, 2, NULL, NULL);
    const quire_element *rects[16];
    uint32_t ser[16], cat[16];
    axis_read a;
    drawn r;
    size_t n;
    double left = 1e9;
    (void)state;

    ds_set(x, 0, 0, 30);
    ds_set(x, 1, 0, 10);
    ds_set(x, 0, 1, 1);
    ds_set(x, 1, 1, 3);
    ds_set(x, 0, 2, 5);
    ds_set(x, 1, 2, NAN);
    r = draw_chart("bar_percent", "bar", NULL, x, (const char *const[]){"stacking=percent", NULL},
                   300, 200, NULL);
    assert_int_equal(r.rc, QUIRE_OK);
    n = point_rects(&fx_global->cv, rects, 16, ser, cat);
    assert_int_equal(n, 5); /* the missing value has no bar */
    assert_marks(&fx_global->cv, x);
    for (size_t i = 0; i < n; i++)
        left = fmin(left, rects[i]->x);
    a = read_y_axis(&fx_global->cv, left);
    assert_true(a.v[0] == 0 && a.v[a.n - 1] == 100);
    /* 30 of 40 = 75%. */
    assert_true(fabs(rects[0]->y - axis_map(&a, 75)) < 0.5);
    assert_true(has_text(&fx_global->cv, "100%"));

    /* Negative values go below the zero line. */
    ds_set(x, 0, 0, -40);
    ds_set(x, 1, 0, 25);
    ds_set(x, 1, 2, -3);
    r = draw_chart("bar_negative", "bar", "Negative", x, NULL, 300, 200, NULL);
    assert_int_equal(r.rc, QUIRE_OK);
    assert_inside(&fx_global->cv, &r);
    n = point_rects(&fx_global->cv, rects, 16, ser, cat);
    assert_int_equal(n, 6);
    left = 1e9;
    for (size_t i = 0; i < n; i++)
        left = fmin(left, rects[i]->x);
    a = read_y_axis(&fx_global->cv, left);
    assert_nice(&a, -40, 25);
    assert_true(fabs(rects[0]->y - axis_map(&a, 0)) < 0.5); /* -40: from zero down */
    assert_true(fabs(rects[0]->y + rects[0]->height - axis_map(&a, -40)) < 0.5);
    free(x);
}

static void test_bar_horizontal(void **state)
{
    ds *x = ds_new(4, 1, (const char *const[]){"Alpha", "Beta", "Gamma", "Delta"}, NULL);
    const quire_element *rects[8];
    uint32_t ser[8], cat[8];
    drawn r;
    size_t n;
    (void)state;

    for (size_t i = 0; i < 4; i++)
        ds_set(x, 0, i, (double)(i + 1) * 10);
    r = draw_chart("bar_horizontal", "bar", "Horizontal", x,
                   (const char *const[]){"orientation=horizontal", "labels=true", NULL}, 360, 200,
                   NULL);
    assert_int_equal(r.rc, QUIRE_OK);
    assert_inside(&fx_global->cv, &r);
    assert_marks(&fx_global->cv, x);
    n = point_rects(&fx_global->cv, rects, 8, ser, cat);
    assert_int_equal(n, 4);
    for (size_t i = 1; i < n; i++) {
        /* All start at zero; lengths proportional to the values; top down. */
        assert_true(fabs(rects[i]->x - rects[0]->x) < 1e-6);
        assert_true(fabs(rects[i]->width / rects[0]->width - (double)(i + 1)) < 1e-6);
        assert_true(rects[i]->y > rects[i - 1]->y);
    }
    assert_int_equal(count_marks(&fx_global->cv, QUIRE_MARK_LEGEND), 0); /* one series */
    assert_true(has_text(&fx_global->cv, "40"));                         /* a data label */
    free(x);
}

/* Locale de: the number_format pattern prints 1234.5 as 1.234,5. */
static void test_bar_labels_locale(void **state)
{
    ds *x = ds_new(2, 1, NULL, NULL);
    drawn r;
    (void)state;

    ds_set(x, 0, 0, 1234.5);
    ds_set(x, 0, 1, 800);
    r = draw_chart("bar_de", "bar", NULL, x,
                   (const char *const[]){"labels=true", "number_format=#,##0.0", NULL}, 300, 200,
                   "de");
    assert_int_equal(r.rc, QUIRE_OK);
    assert_true(has_text(&fx_global->cv, "1.234,5"));
    assert_true(has_text(&fx_global->cv, "800,0"));
    free(x);
}

/* Large values get compact axis labels (K, M, B). */
static void test_compact_axis(void **state)
{
    ds *x = ds_new(3, 1, NULL, NULL);
    drawn r;
    (void)state;

    ds_set(x, 0, 0, 1.2e6);
    ds_set(x, 0, 1, 0.4e6);
    ds_set(x, 0, 2, 2.05e6);
    r = draw_chart("bar_compact", "bar", NULL, x, NULL, 300, 200, NULL);
    assert_int_equal(r.rc, QUIRE_OK);
    assert_true(has_text(&fx_global->cv, "0"));
    assert_true(has_text(&fx_global->cv, "1M") || has_text(&fx_global->cv, "1.5M"));
    assert_false(has_text(&fx_global->cv, "1,000,000"));
    free(x);
}

/* ============================== Pie and donut ============================= */

static void test_pie_percentages(void **state)
{
    static const double v[] = {50, 30, 15, 4, 1};
    ds *x = ds_new(5, 1, (const char *const[]){"A", "B", "C", "D", "E"}, NULL);
    double sum = 0;
    size_t labels = 0;
    drawn r;
    (void)state;

    for (size_t i = 0; i < 5; i++)
        ds_set(x, 0, i, v[i]);
    r = draw_chart("pie", "pie", "Share", x, NULL, 360, 240, NULL);
    assert_int_equal(r.rc, QUIRE_OK);
    assert_inside(&fx_global->cv, &r);
    assert_marks(&fx_global->cv, x);
    assert_int_equal(count_marks(&fx_global->cv, QUIRE_MARK_POINT), 5);
    assert_int_equal(count_marks(&fx_global->cv, QUIRE_MARK_LEGEND_CATEGORY), 5);
    assert_int_equal(count_in(&fx_global->cv, QUIRE_EL_PATH, QUIRE_MARK_POINT), 5);
    /* Shares of 100: 50%, 30%, 15%, 4%; 1% is under 3%: no label. */
    assert_true(has_text(&fx_global->cv, "50.0%"));
    assert_true(has_text(&fx_global->cv, "30.0%"));
    assert_true(has_text(&fx_global->cv, "15.0%"));
    assert_true(has_text(&fx_global->cv, "4.0%"));
    assert_false(has_text(&fx_global->cv, "1.0%"));
    for (size_t i = 0; i < fx_global->cv.n; i++) {
        const quire_element *el = &fx_global->cv.els[i];
        int ok;
        double p;
        if (el->kind != QUIRE_EL_TEXT || el->u.text.utf8[el->u.text.len - 1] != '%')
            continue;
        p = parse_label(el, &ok);
        assert_true(ok);
        sum += p;
        labels++;
    }
    assert_int_equal(labels, 4);
    assert_true(fabs(sum + 1.0 - 100.0) < 0.2); /* with the unlabelled 1% */

    /* The first slice starts at 12 o'clock: its path starts at the centre
     * and goes straight up. */
    for (size_t i = 0; i < fx_global->cv.n; i++) {
        const quire_element *el = &fx_global->cv.els[i];
        if (el->kind != QUIRE_EL_PATH)
            continue;
        assert_true(fabs(el->u.path.points[2] - el->u.path.points[0]) < 1e-6);
        assert_true(el->u.path.points[3] < el->u.path.points[1]);
        /* Clockwise: the end of the first slice (50%) is straight down. */
        break;
    }
    free(x);
}

static void test_pie_locale_and_donut(void **state)
{
    ds *x = ds_new(3, 1, NULL, NULL);
    drawn r;
    (void)state;

    ds_set(x, 0, 0, 1);
    ds_set(x, 0, 1, 2);
    ds_set(x, 0, 2, 5);
    /* 1/8 = 12.5%, 2/8 = 25%, 5/8 = 62.5%, with a decimal comma in de. */
    r = draw_chart("pie_de", "pie", NULL, x, NULL, 300, 200, "de");
    assert_int_equal(r.rc, QUIRE_OK);
    assert_true(has_text(&fx_global->cv, "12,5%") || has_text(&fx_global->cv, "12,5 %"));
    assert_true(has_text(&fx_global->cv, "62,5%") || has_text(&fx_global->cv, "62,5 %"));

    r = draw_chart("donut", "donut", "Donut", x, (const char *const[]){"hole=0.6", NULL}, 300, 200,
                   NULL);
    assert_int_equal(r.rc, QUIRE_OK);
    assert_inside(&fx_global->cv, &r);
    assert_marks(&fx_global->cv, x);
    assert_true(has_text(&fx_global->cv, "8")); /* the total in the hole */
    assert_true(has_text(&fx_global->cv, "62.5%"));
    free(x);
}

static void test_pie_refuses_several_series(void **state)
{
    ds *x = ds_new(2, 2, NULL, (const char *const[]){"a", "b"});
    drawn r;
    (void)state;

    for (size_t i = 0; i < 4; i++)
        ds_set(x, i / 2, i % 2, 1);
    r = draw_chart(NULL, "pie", "Two", x, NULL, 300, 200, NULL);
    assert_int_equal(r.rc, QUIRE_ERR);
    assert_string_equal(r.err.msg, "pie chart 'Two': draws one series, the dataset has 2; use a "
                                   "bar chart, or a dataset with one value and no series");
    free(x);
}

/* ============================== Lines, areas, dates ======================= */

static void test_line_series_and_legend(void **state)
{
    ds *x = ds_new(6, 3, NULL, (const char *const[]){"Plan", "Actual", "Forecast"});
    drawn r;
    (void)state;

    for (size_t s = 0; s < 3; s++)
        for (size_t i = 0; i < 6; i++)
            ds_set(x, s, i, (double)(s + 1) * (double)(i * i % 7) + 3);
    ds_set(x, 1, 3, NAN); /* a gap */
    r = draw_chart("line", "line", "Lines", x, (const char *const[]){"labels=true", NULL}, 400, 240,
                   NULL);
    assert_int_equal(r.rc, QUIRE_OK);
    assert_inside(&fx_global->cv, &r);
    assert_marks(&fx_global->cv, x);
    assert_int_equal(count_marks(&fx_global->cv, QUIRE_MARK_LEGEND), 3);
    assert_int_equal(count_marks(&fx_global->cv, QUIRE_MARK_SERIES), 3);
    assert_int_equal(count_marks(&fx_global->cv, QUIRE_MARK_POINT), 17);
    /* The gap splits series 1 into two runs: two MOVE verbs. */
    for (size_t i = 0, k = 0; i < fx_global->cv.n; i++) {
        const quire_element *el = &fx_global->cv.els[i];
        size_t moves = 0;
        if (el->kind != QUIRE_EL_PATH)
            continue;
        for (size_t v = 0; v < el->u.path.nverbs; v++)
            moves += el->u.path.verbs[v] == QUIRE_PATH_MOVE;
        assert_int_equal(moves, k == 1 ? 2 : 1);
        k++;
    }
    /* Thin lines skip the yellow of the palette. */
    for (size_t i = 0; i < fx_global->cv.n; i++) {
        const quire_element *el = &fx_global->cv.els[i];
        assert_false(el->kind == QUIRE_EL_PATH && el->stroke.r == 0xF0 && el->stroke.g == 0xE4);
    }
    r = draw_chart("area", "area", "Areas", x, NULL, 400, 240, NULL);
    assert_int_equal(r.rc, QUIRE_OK);
    assert_inside(&fx_global->cv, &r);
    assert_marks(&fx_global->cv, x);
    r = draw_chart("area_percent", "area", "Areas %", x,
                   (const char *const[]){"stacking=percent", "legend=right", NULL}, 400, 240, NULL);
    assert_int_equal(r.rc, QUIRE_OK);
    assert_inside(&fx_global->cv, &r);
    assert_true(has_text(&fx_global->cv, "100%"));
    free(x);
}

/* Days since 1970-01-01 of the first of a month. */
static double month_start(int y, int m)
{
    /* Counted by hand: whole years, then months of this year. */
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    double d = 0;

    for (int k = 1970; k < y; k++)
        d += (k % 4 == 0 && (k % 100 != 0 || k % 400 == 0)) ? 366 : 365;
    for (int k = 1; k < m; k++)
        d += mdays[k - 1] + (k == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
    return d;
}

static void test_date_axis_months(void **state)
{
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    ds *x = ds_new(24, 1, NULL, NULL);
    double days[24], prev = -1;
    size_t found = 0;
    drawn r;
    (void)state;

    for (int i = 0; i < 24; i++) {
        days[i] = month_start(2023 + i / 12, i % 12 + 1);
        snprintf(x->cat_buf[i], sizeof(x->cat_buf[i]), "%s %d", months[i % 12], 2023 + i / 12);
        x->cats[i] = (quire_str){x->cat_buf[i], strlen(x->cat_buf[i])};
        ds_set(x, 0, (size_t)i, 100 + 10 * sin(i));
    }
    ds_catvalues(x, QUIRE_TYPE_DATE, days);
    x->d.bucket = QUIRE_BUCKET_MONTH;
    r = draw_chart("line_dates", "line", "Monthly", x, NULL, 420, 220, NULL);
    assert_int_equal(r.rc, QUIRE_OK);
    assert_inside(&fx_global->cv, &r);
    assert_marks(&fx_global->cv, x);
    /* The axis labels are "MMM yyyy" texts in time order, left to right. */
    for (size_t i = 0; i < fx_global->cv.n; i++) {
        const quire_element *el = &fx_global->cv.els[i];
        char mon[8];
        int year, m = -1;
        char text[64];
        if (el->kind != QUIRE_EL_TEXT || el->u.text.len >= sizeof(text))
            continue;
        memcpy(text, el->u.text.utf8, el->u.text.len);
        text[el->u.text.len] = '\0';
        if (sscanf(text, "%3s %d", mon, &year) != 2 || strlen(text) != 8)
            continue;
        for (int k = 0; k < 12; k++)
            if (strcmp(mon, months[k]) == 0)
                m = k;
        assert_true(m >= 0 && year >= 2023 && year <= 2024);
        assert_true(year * 12 + m > prev);
        prev = year * 12 + m;
        found++;
    }
    assert_true(found >= 3 && found <= 24);

    /* Points sit at their time: February is 31 days after January, March 28
     * more: the marker spacing is in that ratio. */
    {
        double cx[3];
        size_t k = 0;
        for (size_t i = 0; i < fx_global->cv.n && k < 3; i++)
            if (fx_global->cv.els[i].kind == QUIRE_EL_ELLIPSE)
                cx[k++] = fx_global->cv.els[i].x + fx_global->cv.els[i].width / 2;
        assert_int_equal(k, 3);
        assert_true(fabs((cx[1] - cx[0]) / (cx[2] - cx[1]) - 31.0 / 28.0) < 1e-6);
    }
    /* Years over a long span. */
    for (int i = 0; i < 24; i++)
        days[i] = month_start(2000 + i, 1);
    ds_catvalues(x, QUIRE_TYPE_DATE, days);
    r = draw_chart("area_years", "area", NULL, x, NULL, 420, 220, NULL);
    assert_int_equal(r.rc, QUIRE_OK);
    assert_true(has_text(&fx_global->cv, "2010") || has_text(&fx_global->cv, "2005"));
    free(x);
}

/* ============================== Scatter and sparkline ===================== */

static void test_scatter(void **state)
{
    ds *x = ds_new(6, 2, NULL, (const char *const[]){"A", "B"});
    double xs[6] = {1, 2, 3, 5, 8, 9};
    const quire_element *trend = NULL, *first = NULL, *last = NULL;
    drawn r;
    (void)state;

    for (size_t i = 0; i < 6; i++) {
        ds_set(x, 0, i, 2 * xs[i] + 1); /* exactly on y = 2x + 1 */
        ds_set(x, 1, i, 20 - xs[i] + (i % 2 ? 1.5 : -1.5));
    }
    ds_catvalues(x, QUIRE_TYPE_FLOAT, xs);
    r = draw_chart("scatter", "scatter", "Scatter", x, (const char *const[]){"trend=true", NULL},
                   400, 260, NULL);
    assert_int_equal(r.rc, QUIRE_OK);
    assert_inside(&fx_global->cv, &r);
    assert_marks(&fx_global->cv, x);
    assert_int_equal(count_in(&fx_global->cv, QUIRE_EL_ELLIPSE, QUIRE_MARK_POINT), 12);
    assert_int_equal(count_marks(&fx_global->cv, QUIRE_MARK_LEGEND), 4);
    assert_true(has_text(&fx_global->cv, "A trend") && has_text(&fx_global->cv, "B trend"));
    /* Series A's trend line runs through its first and last points. */
    for (size_t i = 0; i < fx_global->cv.n; i++) {
        const quire_element *el = &fx_global->cv.els[i];
        if (el->kind == QUIRE_EL_ELLIPSE && first == NULL)
            first = el;
        if (el->kind == QUIRE_EL_ELLIPSE && i < fx_global->cv.n && last == NULL && first != NULL &&
            el != first && count_in(&fx_global->cv, 0, 0) == 0) {
        }
        if (el->kind == QUIRE_EL_LINE && el->line_width > 1 && trend == NULL && i > 0 &&
            fx_global->cv.els[i - 1].kind == QUIRE_EL_MARK &&
            fx_global->cv.els[i - 1].u.mark.role == QUIRE_MARK_SERIES)
            trend = el;
    }
    /* The sixth ellipse is series A's last point. */
    for (size_t i = 0, k = 0; i < fx_global->cv.n; i++)
        if (fx_global->cv.els[i].kind == QUIRE_EL_ELLIPSE && ++k == 6)
            last = &fx_global->cv.els[i];
    assert_non_null(trend);
    assert_non_null(last);
    assert_true(fabs(trend->x - (first->x + first->width / 2)) < 1e-6);
    assert_true(fabs(trend->y - (first->y + first->height / 2)) < 1e-6);
    assert_true(fabs(trend->x + trend->width - (last->x + last->width / 2)) < 1e-6);
    assert_true(fabs(trend->y + trend->height - (last->y + last->height / 2)) < 1e-6);
    free(x);
}

static void test_scatter_refuses_string_categories(void **state)
{
    ds *x = ds_new(3, 1, NULL, NULL);
    drawn r;
    (void)state;

    for (size_t i = 0; i < 3; i++)
        ds_set(x, 0, i, (double)i);
    r = draw_chart(NULL, "scatter", NULL, x, NULL, 300, 200, NULL);
    assert_int_equal(r.rc, QUIRE_ERR);
    assert_string_equal(r.err.msg,
                        "scatter needs a numeric or date category, got string categories");
    /* A pie of string categories is fine. */
    r = draw_chart(NULL, "pie", NULL, x, NULL, 300, 200, NULL);
    assert_int_equal(r.rc, QUIRE_OK);
    free(x);
}

static void test_sparkline(void **state)
{
    ds *x = ds_new(30, 1, NULL, NULL);
    const quire_element *dot = NULL;
    drawn r;
    size_t ndots = 0;
    (void)state;

    for (size_t i = 0; i < 30; i++)
        ds_set(x, 0, i, 50 + 20 * sin((double)i / 3) + (i == 7 ? 40 : 0));
    r = draw_chart("sparkline", "sparkline", "ignored", x, NULL, 120, 30, NULL);
    assert_int_equal(r.rc, QUIRE_OK);
    assert_inside(&fx_global->cv, &r);
    assert_marks(&fx_global->cv, x);
    for (size_t i = 0; i < fx_global->cv.n; i++) {
        const quire_element *el = &fx_global->cv.els[i];
        assert_int_not_equal(el->kind, QUIRE_EL_TEXT); /* no title, axes or legend */
        if (el->kind == QUIRE_EL_ELLIPSE) {
            dot = el;
            ndots++;
        }
    }
    assert_int_equal(ndots, 1);
    /* The last point is at the right edge of the box (less the padding). */
    assert_true(dot->x + dot->width / 2 > r.x + r.w - 6);
    r = draw_chart("sparkline_minmax", "sparkline", NULL, x,
                   (const char *const[]){"points=minmax", NULL}, 120, 30, NULL);
    assert_int_equal(r.rc, QUIRE_OK);
    assert_int_equal(count_in(&fx_global->cv, QUIRE_EL_ELLIPSE, QUIRE_MARK_POINT), 3);
    r = draw_chart(NULL, "sparkline", NULL, x, (const char *const[]){"points=none", NULL}, 120, 30,
                   NULL);
    assert_int_equal(count_in(&fx_global->cv, QUIRE_EL_ELLIPSE, QUIRE_MARK_POINT), 0);
    free(x);
}

/* ============================== Edge cases ================================ */

static void test_no_data(void **state)
{
    static const char *const types[] = {"bar",   "line",    "area",     "pie",
                                        "donut", "scatter", "sparkline"};
    ds *empty = ds_new(0, 1, NULL, NULL);
    ds *missing = ds_new(3, 1, NULL, NULL);
    double xs[3] = {1, 2, 3};
    drawn r;
    (void)state;

    for (size_t i = 0; i < 3; i++)
        ds_set(missing, 0, i, NAN);
    ds_catvalues(missing, QUIRE_TYPE_INT, xs);
    ds_catvalues(empty, QUIRE_TYPE_INT, xs);
    for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
        r = draw_chart(t == 0 ? "no_data" : NULL, types[t], "Nothing", empty, NULL, 300, 200, NULL);
        assert_int_equal(r.rc, QUIRE_OK);
        assert_true(has_text(&fx_global->cv, "No data"));
        assert_inside(&fx_global->cv, &r);
        r = draw_chart(NULL, types[t], NULL, missing, NULL, 300, 200, NULL);
        assert_int_equal(r.rc, QUIRE_OK);
        assert_true(has_text(&fx_global->cv, "No data"));
        assert_int_equal(count_marks(&fx_global->cv, QUIRE_MARK_POINT), 0);
    }
    free(empty);
    free(missing);
}

/* Awkward data in every type: all of it draws, inside the box, with
 * balanced marks. */
static void test_awkward_data(void **state)
{
    static const char *const types[] = {"bar",   "line",    "area",     "pie",
                                        "donut", "scatter", "sparkline"};
    static const char long_label[] = "A very long category label that goes on and on (60 ch)";
    ds *many = ds_new(200, 2, NULL, NULL);
    ds *one = ds_new(1, 1, NULL, NULL);
    ds *wide = ds_new(5, 1, NULL, NULL);
    ds *longs = ds_new(12, 1, NULL, NULL);
    double xs[200];
    char name[64];
    (void)state;

    for (size_t i = 0; i < 200; i++) {
        xs[i] = (double)i;
        ds_set(many, 0, i, (double)((i * 37) % 101) - 30);
        ds_set(many, 1, i, (double)((i * 13) % 71));
    }
    ds_catvalues(many, QUIRE_TYPE_INT, xs);
    ds_set(one, 0, 0, 42);
    ds_catvalues(one, QUIRE_TYPE_INT, xs);
    for (size_t i = 0; i < 5; i++)
        ds_set(wide, 0, i, pow(10, -3 + 3.75 * (double)i)); /* 1e-3 .. 1e12 */
    ds_catvalues(wide, QUIRE_TYPE_INT, xs);
    for (size_t i = 0; i < 12; i++) {
        snprintf(longs->cat_buf[i], sizeof(longs->cat_buf[i]), "%.*s %zu", 56, long_label, i);
        longs->cats[i] = (quire_str){longs->cat_buf[i], strlen(longs->cat_buf[i])};
        ds_set(longs, 0, i, (double)(i + 1));
    }
    ds_catvalues(longs, QUIRE_TYPE_INT, xs);
    for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
        ds *sets[] = {many, one, wide, longs};
        static const char *const set_names[] = {"many", "one", "wide", "long"};
        int pie = strcmp(types[t], "pie") == 0 || strcmp(types[t], "donut") == 0 ||
                  strcmp(types[t], "sparkline") == 0;
        for (size_t k = 0; k < 4; k++) {
            drawn r;
            if (pie && k == 0)
                sets[k]->d.nseries = 1;
            snprintf(name, sizeof(name), "awkward_%s_%s", types[t], set_names[k]);
            r = draw_chart(name, types[t], long_label, sets[k], NULL, 320, 200, NULL);
            if (r.rc != QUIRE_OK)
                fail_msg("%s: %s", name, r.err.msg);
            assert_inside(&fx_global->cv, &r);
            assert_marks(&fx_global->cv, sets[k]);
            many->d.nseries = 2;
        }
    }
    /* Horizontal bars of long labels, in a tiny box. */
    {
        drawn r = draw_chart("awkward_hbar_long", "bar", NULL, longs,
                             (const char *const[]){"orientation=horizontal", NULL}, 320, 200, NULL);
        assert_int_equal(r.rc, QUIRE_OK);
        assert_inside(&fx_global->cv, &r);
        r = draw_chart(NULL, "bar", "Tiny", many, NULL, 40, 30, NULL);
        assert_int_equal(r.rc, QUIRE_OK);
        assert_inside(&fx_global->cv, &r);
    }
    /* Category labels that do not fit are cut with an ellipsis or
     * thinned out: no two labels under the plot overlap. */
    {
        drawn r = draw_chart(NULL, "bar", NULL, longs, NULL, 320, 200, NULL);
        size_t cut = 0;
        assert_int_equal(r.rc, QUIRE_OK);
        for (size_t i = 0; i < fx_global->cv.n; i++) {
            const quire_element *el = &fx_global->cv.els[i];
            if (el->kind == QUIRE_EL_TEXT && el->u.text.len >= 3 &&
                memcmp(el->u.text.utf8 + el->u.text.len - 3, "\xe2\x80\xa6", 3) == 0)
                cut++;
            for (size_t j = i + 1; el->kind == QUIRE_EL_TEXT && j < fx_global->cv.n; j++) {
                const quire_element *o = &fx_global->cv.els[j];
                if (o->kind != QUIRE_EL_TEXT)
                    continue;
                if (el->x < o->x + o->width && o->x < el->x + el->width &&
                    el->y < o->y + o->height && o->y < el->y + el->height)
                    fail_msg("'%.*s' overlaps '%.*s'", (int)el->u.text.len, el->u.text.utf8,
                             (int)o->u.text.len, o->u.text.utf8);
            }
        }
        assert_true(cut > 0);
    }
    free(many);
    free(one);
    free(wide);
    free(longs);
}

/* ============================== Themes and config ========================= */

static void test_themes_and_colors(void **state)
{
    static const char *const themes[] = {"default", "corporate", "minimal", "vibrant"};
    static const char *const types[] = {"bar", "line", "area", "pie", "donut", "scatter"};
    ds *x = ds_new(5, 3, (const char *const[]){"Mon", "Tue", "Wed", "Thu", "Fri"}, NULL);
    ds *one = ds_new(5, 1, (const char *const[]){"Mon", "Tue", "Wed", "Thu", "Fri"}, NULL);
    double xs[5] = {1, 2, 4, 7, 9};
    const quire_element *rects[32];
    uint32_t ser[32], cat[32];
    char name[64], opt[32];
    drawn r;
    (void)state;

    for (size_t s = 0; s < 3; s++)
        for (size_t i = 0; i < 5; i++)
            ds_set(x, s, i, 10 + (double)((s * 7 + i * 5) % 11) * 3);
    for (size_t i = 0; i < 5; i++)
        ds_set(one, 0, i, 10 + (double)i * 4);
    ds_catvalues(x, QUIRE_TYPE_FLOAT, xs);
    ds_catvalues(one, QUIRE_TYPE_FLOAT, xs);
    for (size_t th = 0; th < 4; th++)
        for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
            ds *d = t == 3 || t == 4 ? one : x;
            snprintf(name, sizeof(name), "theme_%s_%s", themes[th], types[t]);
            snprintf(opt, sizeof(opt), "theme=%s", themes[th]);
            r = draw_chart(name, types[t], "Weekly", d, (const char *const[]){opt, NULL}, 320, 200,
                           NULL);
            assert_int_equal(r.rc, QUIRE_OK);
            assert_inside(&fx_global->cv, &r);
            assert_marks(&fx_global->cv, d);
        }
    /* corporate paints a white background; minimal draws no grid. */
    r = draw_chart(NULL, "bar", NULL, x, (const char *const[]){"theme=corporate", NULL}, 320, 200,
                   NULL);
    assert_true(fx_global->cv.els[0].kind == QUIRE_EL_RECT && fx_global->cv.els[0].fill.r == 255 &&
                fx_global->cv.els[0].width == 320);
    /* colors overrides the palette, in order, wrapping around. */
    r = draw_chart(NULL, "bar", NULL, x, (const char *const[]){"colors=#112233,#445566", NULL}, 320,
                   200, NULL);
    assert_int_equal(point_rects(&fx_global->cv, rects, 32, ser, cat), 15);
    for (size_t i = 0; i < 15; i++) {
        quire_color want = ser[i] % 2 == 0 ? (quire_color){0x11, 0x22, 0x33, 255}
                                           : (quire_color){0x44, 0x55, 0x66, 255};
        assert_memory_equal(&rects[i]->fill, &want, sizeof(want));
    }
    /* legend = none: no legend marks; legend = top: above the plot. */
    r = draw_chart(NULL, "bar", NULL, x, (const char *const[]){"legend=none", NULL}, 320, 200,
                   NULL);
    assert_int_equal(count_marks(&fx_global->cv, QUIRE_MARK_LEGEND), 0);
    r = draw_chart("legend_top", "bar", "Top legend", x,
                   (const char *const[]){"legend=top", "x_title=Day", "y_title=Units", NULL}, 320,
                   200, NULL);
    assert_int_equal(count_marks(&fx_global->cv, QUIRE_MARK_LEGEND), 3);
    assert_true(has_text(&fx_global->cv, "Day") && has_text(&fx_global->cv, "Units"));
    assert_inside(&fx_global->cv, &r);
    free(x);
    free(one);
}

/* [chart.standard] font_size and default_theme reach the drawing. */
static void test_config(void **state)
{
    fixture *fx = *state;
    ds *x = ds_new(2, 1, NULL, NULL);
    drawn r;
    int sized = 0;

    plug_close(&fx->p);
    open_plugin(fx, "default_theme = corporate\nfont_size = 10\n");
    ds_set(x, 0, 0, 1);
    ds_set(x, 0, 1, 2);
    r = draw_chart(NULL, "bar", NULL, x, NULL, 300, 200, NULL);
    assert_int_equal(r.rc, QUIRE_OK);
    for (size_t i = 0; i < fx->cv.n; i++)
        if (fx->cv.els[i].kind == QUIRE_EL_TEXT) {
            assert_true(fx->cv.els[i].u.text.size == 10);
            sized++;
        }
    assert_true(sized > 0);
    /* The request's theme wins over the default when it names one; an
     * unknown one falls back to the configured default (corporate's
     * navy first colour). */
    {
        quire_chart_request req = {0};
        quire_error err = {0};
        const quire_element *rects[4];
        uint32_t ser[4], cat[4];
        canvas_clear(&fx->cv);
        req.size = sizeof(req);
        req.type = "bar";
        req.theme = "nonesuch";
        req.x = 0;
        req.y = 0;
        req.width = 200;
        req.height = 100;
        req.data = &x->d;
        assert_int_equal(fx->ops->draw(fx->p.rec->state_ptr, &req, &canvas_api, &fx->cv, &err),
                         QUIRE_OK);
        assert_int_equal(point_rects(&fx->cv, rects, 4, ser, cat), 2);
        assert_true(rects[0]->fill.r == 0x1F && rects[0]->fill.g == 0x3A);
    }
    free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_check_accepts_good_options, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_check_errors, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_draw_refuses_bad_option, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_bar_grouped, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_bar_stacked_tops, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_bar_percent_and_negative, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_bar_horizontal, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_bar_labels_locale, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_compact_axis, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_pie_percentages, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_pie_locale_and_donut, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_pie_refuses_several_series, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_line_series_and_legend, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_date_axis_months, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_scatter, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_scatter_refuses_string_categories, test_setup,
                                        test_teardown),
        cmocka_unit_test_setup_teardown(test_sparkline, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_no_data, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_awkward_data, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_themes_and_colors, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_config, test_setup, test_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
