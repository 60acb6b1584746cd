/*
 * test_report.c - report_load() (kernel/report_*.c): every block and
 * attribute of tests/data/reports/full.quire read into the model with the
 * values worked out by hand, the defaults, and every check with its exact
 * message and position.
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
#include <quire/print.h>

#include "ast.h"
#include "diag.h"
#include "lang_assert.h"
#include "report.h"

#define PATH "r.quire"
#define FULL "tests/data/reports/full.quire"
#define MM   (72.0 / 25.4)

/* ============================== Helpers =================================== */

#define NEAR(a, b)                                                                                 \
    do {                                                                                           \
        double a_ = (a), b_ = (b);                                                                 \
        if (fabs(a_ - b_) > 1e-9)                                                                  \
            fail_msg("%s = %.10f, expected %.10f", #a, a_, b_);                                    \
    } while (0)

typedef struct loaded {
    ast_file *ast;
    report *r;
} loaded;

static loaded load_ok(const char *text)
{
    loaded l = {NULL, NULL};
    diag d = {0};

    assert_int_equal(ast_parse(PATH, text, strlen(text), &l.ast, &d), 0);
    if (report_load(l.ast, &l.r, &d) != 0) {
        for (size_t k = 0; k < d.count; k++)
            print_error("unexpected: %s: %s\n", d.items[k].where, d.items[k].text);
        fail();
    }
    assert_int_equal(d.count, 0);
    diag_clear(&d);
    return l;
}

static void unload(loaded *l)
{
    report_free(l->r);
    ast_free(l->ast);
}

/* Loads text that parses but must not load; the caller checks d. */
static void load_bad(const char *text, diag *d)
{
    ast_file *ast = NULL;
    report *r = (report *)1;

    assert_int_equal(ast_parse(PATH, text, strlen(text), &ast, d), 0);
    assert_int_equal(report_load(ast, &r, d), -1);
    assert_null(r);
    ast_free(ast);
}

#define LOAD_BAD(text, ...)                                                                        \
    do {                                                                                           \
        diag d_ = {0};                                                                             \
        load_bad((text), &d_);                                                                     \
        ERRORS_ARE(&d_, __VA_ARGS__);                                                              \
        diag_clear(&d_);                                                                           \
    } while (0)

static const char *name_of(const ast_expr *e)
{
    assert_non_null(e);
    assert_int_equal(e->kind, AST_NAME);
    return e->name;
}

/* ============================== The full example ========================== */

static void test_full_meta_and_sources(void **state)
{
    ast_file *ast = NULL;
    report *r = NULL;
    diag d = {0};

    (void)state;
    assert_int_equal(ast_parse_file(FULL, &ast, &d), 0);
    assert_int_equal(report_load(ast, &r, &d), 0);
    assert_int_equal(d.count, 0);

    assert_string_equal(r->path, FULL);
    assert_string_equal(r->dir, "tests/data/reports");
    assert_ptr_equal(r->ast, ast);
    assert_string_equal(r->meta.title, "Every construct");
    assert_string_equal(r->meta.author, "quire tests");
    assert_string_equal(r->meta.subject, "coverage");
    assert_string_equal(r->meta.locale, "de-DE");
    assert_int_equal(r->meta.rtl, 0);
    /* [210mm, 297mm] turned landscape */
    NEAR(r->meta.page_width, 297 * MM);
    NEAR(r->meta.page_height, 210 * MM);
    assert_int_equal(r->meta.landscape, 1);
    NEAR(r->meta.margin_top, 10 * MM);
    NEAR(r->meta.margin_right, 15 * MM);
    NEAR(r->meta.margin_bottom, 20 * MM);
    NEAR(r->meta.margin_left, 25 * MM);
    assert_int_equal(r->meta.columns, 2);
    NEAR(r->meta.column_spacing, 12);
    assert_int_equal(r->meta.when_no_data, REPORT_NO_DATA_ALL_SECTIONS);
    assert_int_equal(r->meta.loc.line, 3);

    assert_int_equal(r->nsources, 2);
    assert_string_equal(r->sources[0].name, "sales");
    assert_string_equal(r->sources[0].plugin, "csv");
    assert_int_equal(r->sources[0].noptions, 4);
    assert_string_equal(r->sources[0].options[0].key, "path");
    assert_string_equal(r->sources[0].options[0].value, "../csv/sales.csv");
    assert_string_equal(r->sources[0].options[1].key, "delimiter");
    assert_string_equal(r->sources[0].options[1].value, ";");
    assert_string_equal(r->sources[0].options[2].value, "true");
    assert_string_equal(r->sources[0].options[3].key, "skip");
    assert_string_equal(r->sources[0].options[3].value, "2");
    assert_string_equal(r->sources[1].name, "lookup");
    assert_string_equal(r->sources[1].plugin, "jsonl"); /* from the path */
    assert_int_equal(r->sources[1].noptions, 3);
    assert_string_equal(r->sources[1].options[1].value, "-1");
    assert_string_equal(r->sources[1].options[2].value, "0.25");
    assert_int_equal(report_find_source(r, "lookup"), 1);
    assert_int_equal(report_find_source(r, "nope"), -1);
    report_free(r);
    ast_free(ast);
}

static void test_full_params_fields_sort(void **state)
{
    ast_file *ast = NULL;
    report *r = NULL;
    diag d = {0};
    char buf[256];

    (void)state;
    assert_int_equal(ast_parse_file(FULL, &ast, &d), 0);
    assert_int_equal(report_load(ast, &r, &d), 0);

    assert_int_equal(r->nparams, 7);
    assert_string_equal(r->params[0].name, "min_amount");
    assert_int_equal(r->params[0].type, QUIRE_TYPE_DECIMAL);
    assert_int_equal(r->params[0].scale, 3);
    assert_string_equal(sexpr(r->params[0].default_value, buf, sizeof(buf)), "(neg dec:1250/3)");
    assert_string_equal(r->params[0].label, "Minimum");
    assert_int_equal(r->params[1].type, QUIRE_TYPE_DATE);
    assert_int_equal(r->params[1].default_value->i, 19723); /* 2024-01-01 */
    assert_int_equal(r->params[2].type, QUIRE_TYPE_STRING);
    assert_int_equal(r->params[2].choices->nargs, 2);
    assert_int_equal(r->params[2].default_value->kind, AST_NULL);
    assert_int_equal(r->params[3].type, QUIRE_TYPE_TIMESTAMP);
    assert_int_equal(r->params[4].type, QUIRE_TYPE_BOOL);
    assert_int_equal(r->params[5].type, QUIRE_TYPE_FLOAT);
    assert_int_equal(r->params[6].type, QUIRE_TYPE_INT);
    assert_null(r->params[6].default_value); /* required */
    assert_int_equal(r->params[6].scale, 2);
    assert_null(r->params[6].label);
    assert_int_equal(report_find_param(r, "flag"), 4);

    assert_int_equal(r->nfields, 2);
    assert_string_equal(r->fields[0].name, "net");
    assert_string_equal(sexpr(r->fields[0].value, buf, sizeof(buf)), "(- amount discount)");
    assert_int_equal(report_find_field(r, "label"), 1);
    assert_int_equal(report_find_field(r, "net"), 0);

    assert_non_null(r->filter);
    assert_int_equal(r->filter->op, AST_OP_AND);
    assert_int_equal(r->nsort, 4);
    assert_string_equal(name_of(r->sort[0].expr), "region");
    assert_int_equal(r->sort[0].desc, 0);
    assert_int_equal(r->sort[0].nulls_first, 0);
    assert_string_equal(name_of(r->sort[1].expr), "amount");
    assert_int_equal(r->sort[1].desc, 1);
    assert_int_equal(r->sort[1].nulls_first, 1);
    assert_string_equal(name_of(r->sort[2].expr), "category");
    assert_int_equal(r->sort[2].desc, 0);
    assert_string_equal(name_of(r->sort[3].expr), "net");
    assert_int_equal(r->sort[3].nulls_first, 0);
    report_free(r);
    ast_free(ast);
}

static void test_full_groups_and_variables(void **state)
{
    static const struct {
        const char *name;
        report_calc calc;
        report_scope reset;
        int group;
    } want[] = {
        {"n", CALC_COUNT, SCOPE_GROUP, 1},
        {"n_amount", CALC_COUNT, SCOPE_PAGE, -1},
        {"distinct_regions", CALC_COUNT_DISTINCT, SCOPE_REPORT, -1},
        {"total", CALC_SUM, SCOPE_REPORT, -1},
        {"average", CALC_AVG, SCOPE_GROUP, 0},
        {"lowest", CALC_MIN, SCOPE_REPORT, -1},
        {"highest", CALC_MAX, SCOPE_REPORT, -1},
        {"first_seen", CALC_FIRST, SCOPE_REPORT, -1},
        {"last_seen", CALC_LAST, SCOPE_REPORT, -1},
        {"v_samp", CALC_VAR_SAMP, SCOPE_REPORT, -1},
        {"v_samp2", CALC_VAR_SAMP, SCOPE_REPORT, -1},
        {"v_pop", CALC_VAR_POP, SCOPE_REPORT, -1},
        {"sd", CALC_STDDEV_SAMP, SCOPE_REPORT, -1},
        {"sd_samp", CALC_STDDEV_SAMP, SCOPE_REPORT, -1},
        {"sd_pop", CALC_STDDEV_POP, SCOPE_REPORT, -1},
        {"mid", CALC_MEDIAN, SCOPE_REPORT, -1},
        {"p90", CALC_PERCENTILE, SCOPE_REPORT, -1},
        {"running", CALC_RUNNING_SUM, SCOPE_NONE, -1},
        {"share", CALC_NONE, SCOPE_REPORT, -1},
    };
    ast_file *ast = NULL;
    report *r = NULL;
    diag d = {0};
    const report_group *g;

    (void)state;
    assert_int_equal(ast_parse_file(FULL, &ast, &d), 0);
    assert_int_equal(report_load(ast, &r, &d), 0);

    assert_int_equal(r->ngroups, 2);
    g = &r->groups[0];
    assert_string_equal(g->name, "region");
    assert_int_equal(g->level, 1);
    assert_string_equal(name_of(g->by), "region");
    assert_int_equal(g->desc, 1);
    assert_int_equal(g->keep_together, 1);
    assert_int_equal(g->reprint_header, 1);
    assert_int_equal(g->start_new_page, 1);
    assert_int_equal(g->start_new_column, 0);
    assert_int_equal(g->reset_page_number, 1);
    NEAR(g->min_height_to_start, 20 * MM);
    assert_int_equal(g->footer_position, REPORT_FOOTER_STACK_AT_BOTTOM);
    g = &r->groups[1];
    assert_int_equal(g->level, 2);
    assert_int_equal(g->desc, 0);
    assert_int_equal(g->keep_together, 0);
    NEAR(g->min_height_to_start, 0);
    assert_int_equal(g->footer_position, REPORT_FOOTER_NORMAL);
    assert_int_equal(report_find_group(r, "category"), 1);
    assert_int_equal(report_find_group(r, "x"), -1);

    assert_int_equal(r->nvariables, sizeof(want) / sizeof(want[0]));
    for (size_t k = 0; k < r->nvariables; k++) {
        const report_variable *v = &r->variables[k];
        assert_string_equal(v->name, want[k].name);
        assert_int_equal(v->calc, want[k].calc);
        assert_int_equal(v->reset, want[k].reset);
        assert_int_equal(v->group_index, want[k].group);
        assert_non_null(v->value);
        assert_int_equal(report_find_variable(r, want[k].name), (int)k);
    }
    assert_null(r->variables[0].arg); /* count() */
    assert_string_equal(name_of(r->variables[1].arg), "amount");
    assert_non_null(r->variables[3].when);
    assert_null(r->variables[4].when);
    NEAR(r->variables[15].percentile, 0.5);
    NEAR(r->variables[16].percentile, 0.9);
    assert_null(r->variables[18].arg);
    report_free(r);
    ast_free(ast);
}

static void test_full_styles_and_datasets(void **state)
{
    ast_file *ast = NULL;
    report *r = NULL;
    diag d = {0};
    const report_style *s;
    const report_dataset *ds;

    (void)state;
    assert_int_equal(ast_parse_file(FULL, &ast, &d), 0);
    assert_int_equal(report_load(ast, &r, &d), 0);

    assert_int_equal(r->nstyles, 2);
    s = &r->styles[0];
    assert_string_equal(s->name, "base");
    assert_int_equal(s->is_default, 1);
    assert_int_equal(s->parent, -1);
    assert_int_equal(s->props.set, STYLE_FONT | STYLE_SIZE);
    assert_string_equal(s->props.font, "DejaVu Sans");
    NEAR(s->props.size, 9);
    s = &r->styles[1];
    assert_int_equal(s->parent, 0);
    assert_int_equal(s->is_default, 0);
    assert_int_equal(s->props.set, STYLE_BOLD | STYLE_ITALIC | STYLE_UNDERLINE | STYLE_COLOR |
                                       STYLE_BACKGROUND | STYLE_ALIGN | STYLE_VALIGN |
                                       STYLE_BORDER | STYLE_BORDER_COLOR | STYLE_PADDING |
                                       STYLE_PATTERN | STYLE_LINE_SPACING);
    assert_int_equal(s->props.bold, 1);
    assert_int_equal(s->props.italic, 0);
    assert_int_equal(s->props.underline, 1);
    /* "#c00" is #cc0000 */
    assert_int_equal(s->props.color.r, 0xcc);
    assert_int_equal(s->props.color.g, 0);
    assert_int_equal(s->props.color.b, 0);
    assert_int_equal(s->props.color.a, 0xff);
    assert_int_equal(s->props.background.r, 0xff);
    assert_int_equal(s->props.background.a, 0x80);
    assert_int_equal(s->props.align, QUIRE_ALIGN_RIGHT);
    assert_int_equal(s->props.valign, 1);
    NEAR(s->props.border, 0.5);
    assert_int_equal(s->props.border_color.b, 0x80); /* navy */
    assert_int_equal(s->props.border_color.r, 0);
    NEAR(s->props.padding, 2);
    assert_string_equal(s->props.pattern, "#,##0.00");
    NEAR(s->props.line_spacing, 1.2);
    assert_int_equal(s->nconds, 2);
    assert_non_null(s->conds[0].when);
    assert_int_equal(s->conds[0].props.set, STYLE_COLOR);
    assert_int_equal(s->conds[0].props.color.r, 0xff);
    assert_int_equal(s->conds[1].props.set, STYLE_BOLD | STYLE_BACKGROUND);
    assert_int_equal(s->conds[1].props.background.g, 0xff);

    assert_int_equal(r->ndatasets, 2);
    ds = &r->datasets[0];
    assert_string_equal(ds->name, "by_month");
    assert_string_equal(name_of(ds->category), "order_date");
    assert_string_equal(name_of(ds->series), "region");
    assert_int_equal(ds->nmeasures, 3);
    assert_int_equal(ds->measures[0].calc, CALC_SUM);
    assert_string_equal(ds->measures[0].label, "Revenue");
    assert_string_equal(name_of(ds->measures[0].arg), "amount");
    assert_int_equal(ds->measures[1].calc, CALC_COUNT);
    assert_null(ds->measures[1].arg);
    assert_string_equal(ds->measures[1].label, "Orders");
    assert_int_equal(ds->measures[2].calc, CALC_PERCENTILE);
    NEAR(ds->measures[2].percentile, 0.5);
    assert_int_equal(ds->bucket, BUCKET_MONTH);
    assert_int_equal(ds->fill_gaps, 1);
    assert_int_equal(ds->sort_by_value, 1);
    assert_int_equal(ds->sort_desc, 1);
    assert_int_equal(ds->top, 5);
    assert_string_equal(ds->other_label, "Other");
    assert_int_equal(ds->reset, SCOPE_GROUP);
    assert_int_equal(ds->group_index, 0);
    assert_non_null(ds->when);
    ds = &r->datasets[1];
    assert_null(ds->series);
    assert_int_equal(ds->nmeasures, 1);
    assert_string_equal(ds->measures[0].label, "sum(amount)"); /* the text as written */
    assert_int_equal(ds->bucket, BUCKET_NONE);
    assert_int_equal(ds->sort_by_value, 0);
    assert_int_equal(ds->top, 0);
    assert_null(ds->other_label);
    assert_int_equal(ds->reset, SCOPE_REPORT);
    assert_int_equal(ds->group_index, -1);
    report_free(r);
    ast_free(ast);
}

static void test_full_bands_and_elements(void **state)
{
    static const struct {
        report_band_kind kind;
        int group;
        double height;
        size_t nelements;
    } want[] = {
        {BAND_TITLE, -1, 40, 2},         {BAND_PAGE_HEADER, -1, 12, 1},
        {BAND_COLUMN_HEADER, -1, 11, 1}, {BAND_GROUP_HEADER, 0, 20, 0},
        {BAND_GROUP_HEADER, 1, 0, 0},    {BAND_DETAIL, -1, 14, 3},
        {BAND_DETAIL, -1, 30, 1},        {BAND_GROUP_FOOTER, 0, 14, 1},
        {BAND_GROUP_FOOTER, 1, 14, 1},   {BAND_COLUMN_FOOTER, -1, 0, 1},
        {BAND_PAGE_FOOTER, -1, 12, 1},   {BAND_LAST_PAGE_FOOTER, -1, 12, 1},
        {BAND_SUMMARY, -1, 300, 2},      {BAND_BACKGROUND, -1, 10, 1},
        {BAND_NO_DATA, -1, 20, 1},
    };
    ast_file *ast = NULL;
    report *r = NULL;
    diag d = {0};
    const report_element *e;
    const report_band *b;

    (void)state;
    assert_int_equal(ast_parse_file(FULL, &ast, &d), 0);
    assert_int_equal(report_load(ast, &r, &d), 0);
    assert_int_equal(r->nbands, sizeof(want) / sizeof(want[0]));
    for (size_t k = 0; k < r->nbands; k++) {
        assert_int_equal(r->bands[k].kind, want[k].kind);
        assert_int_equal(r->bands[k].group_index, want[k].group);
        NEAR(r->bands[k].height, want[k].height);
        assert_int_equal(r->bands[k].nelements, want[k].nelements);
    }

    e = &r->bands[0].elements[0];
    assert_int_equal(e->kind, EL_TEXT);
    assert_string_equal(e->name, "heading");
    NEAR(e->width, 400);
    NEAR(e->height, 20);
    assert_string_equal(e->text, "Sales");
    assert_int_equal(e->props.set, STYLE_SIZE | STYLE_BOLD);
    assert_int_equal(e->style, -1);
    e = &r->bands[0].elements[1];
    assert_int_equal(e->kind, EL_IMAGE);
    NEAR(e->x, 400);
    NEAR(e->width, 72);
    NEAR(e->height, 20 * MM);
    assert_string_equal(e->image_path, "tests/data/reports/logo.png");
    assert_int_equal(r->bands[2].elements[0].kind, EL_LINE);
    assert_int_equal(r->bands[2].elements[0].props.color.r, 0x80); /* gray */
    assert_int_equal(r->bands[3].split, SPLIT_PREVENT);
    assert_non_null(r->bands[4].print_when);

    b = &r->bands[5];
    e = &b->elements[0];
    assert_int_equal(e->kind, EL_FIELD);
    assert_string_equal(e->name, "amount");
    assert_string_equal(e->pattern, "0.00");
    assert_int_equal(e->overflow, OVERFLOW_ELLIPSIS);
    assert_int_equal(e->evaluation, EVAL_AUTO);
    e = &b->elements[1];
    assert_string_equal(e->name, "net"); /* from its value */
    assert_int_equal(e->evaluation, EVAL_GROUP);
    assert_int_equal(e->eval_group, 0);
    assert_int_equal(e->style, 1);
    assert_null(e->pattern);
    assert_int_equal(e->overflow, OVERFLOW_STRETCH);
    e = &b->elements[2];
    assert_int_equal(e->kind, EL_RECT);
    NEAR(e->props.border, 1);
    assert_int_equal(e->props.background.r, 0xc0);

    b = &r->bands[6];
    assert_int_equal(b->split, SPLIT_IMMEDIATE);
    e = &b->elements[0];
    assert_int_equal(e->kind, EL_FRAME);
    assert_int_equal(e->nchildren, 2);
    assert_int_equal(e->children[0].kind, EL_ELLIPSE);
    assert_int_equal(e->children[1].kind, EL_FIELD);
    assert_null(e->children[1].name); /* amount * 2 is not a plain name */
    assert_int_equal(e->children[1].evaluation, EVAL_PAGE);
    NEAR(e->children[1].x, 10);

    assert_int_equal(r->bands[7].elements[0].evaluation, EVAL_REPORT);
    assert_string_equal(r->bands[8].elements[0].name, "n");
    assert_int_equal(r->bands[8].elements[0].evaluation, EVAL_NOW);
    assert_int_equal(r->bands[9].elements[0].kind, EL_PAGE_BREAK);
    assert_null(r->bands[10].elements[0].name);

    b = &r->bands[12];
    e = &b->elements[0];
    assert_int_equal(e->kind, EL_CHART);
    assert_string_equal(e->name, "revenue");
    assert_int_equal(e->dataset, 0);
    assert_string_equal(e->chart_type, "bar");
    assert_string_equal(e->provider, "standard");
    assert_int_equal(e->nattrs, 2);
    assert_string_equal(e->attrs[0].name, "stacked");
    assert_int_equal(e->attrs[0].value->kind, AST_BOOL);
    assert_string_equal(e->attrs[1].name, "legend");
    assert_int_equal(e->props.set, STYLE_FONT);
    e = &b->elements[1];
    assert_int_equal(e->kind, EL_PAGE_BREAK);
    NEAR(e->y, 300);
    assert_non_null(e->print_when);
    report_free(r);
    ast_free(ast);
}

static void test_sales_example_loads(void **state)
{
    ast_file *ast = NULL;
    report *r = NULL;
    diag d = {0};

    (void)state;
    assert_int_equal(ast_parse_file("tests/data/reports/sales.quire", &ast, &d), 0);
    assert_int_equal(report_load(ast, &r, &d), 0);
    assert_int_equal(r->nbands, 2);
    assert_int_equal(r->nvariables, 3);
    NEAR(r->meta.margin_top, 15 * MM);
    NEAR(r->meta.margin_left, 12 * MM);
    assert_int_equal(r->params[0].scale, 2);
    report_free(r);
    ast_free(ast);
}

/* ============================== Defaults ================================== */

static void test_defaults(void **state)
{
    loaded l = load_ok("source s { path = \"data/x.csv\" }\n"
                       "band detail { field { box = [0, 5, 10, 7]; value = a } }\n");
    const report *r = l.r;

    (void)state;
    assert_null(r->meta.title);
    assert_string_equal(r->meta.locale, "en-US");
    assert_int_equal(r->meta.rtl, 0);
    NEAR(r->meta.page_width, 210 * MM);
    NEAR(r->meta.page_height, 297 * MM);
    assert_int_equal(r->meta.landscape, 0);
    NEAR(r->meta.margin_top, 20 * MM);
    NEAR(r->meta.margin_left, 20 * MM);
    assert_int_equal(r->meta.columns, 1);
    NEAR(r->meta.column_spacing, 0);
    assert_int_equal(r->meta.when_no_data, REPORT_NO_DATA_NO_PAGES);
    assert_string_equal(r->sources[0].plugin, "csv");
    assert_null(r->filter);
    assert_int_equal(r->nsort, 0);
    assert_string_equal(r->dir, ".");
    NEAR(r->bands[0].height, 12); /* the lowest element bottom: 5 + 7 */
    assert_int_equal(r->bands[0].split, SPLIT_STRETCH);
    assert_int_equal(r->bands[0].elements[0].evaluation, EVAL_AUTO);
    unload(&l);
}

static void test_empty_definition_loads(void **state)
{
    loaded l = load_ok("# nothing\n");

    (void)state;
    assert_int_equal(l.r->nsources + l.r->nbands + l.r->nstyles, 0);
    unload(&l);
}

static void test_page_sizes_and_orientation(void **state)
{
    static const struct {
        const char *src;
        double w, h;
    } cases[] = {
        {"report { page = a3 }", 297 * MM, 420 * MM},
        {"report { page = a5 }", 148 * MM, 210 * MM},
        {"report { page = letter }", 612, 792},
        {"report { page = legal }", 612, 1008},
        {"report { page = a4; orientation = landscape }", 297 * MM, 210 * MM},
        {"report { page = [500, 300]; orientation = portrait }", 300, 500},
        {"report { page = [500, 300] }", 500, 300},
    };

    (void)state;
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        loaded l = load_ok(cases[k].src);
        NEAR(l.r->meta.page_width, cases[k].w);
        NEAR(l.r->meta.page_height, cases[k].h);
        assert_int_equal(l.r->meta.landscape, cases[k].w > cases[k].h);
        unload(&l);
    }
}

static void test_margins_forms(void **state)
{
    loaded l = load_ok("report { margins = 1in }");

    (void)state;
    NEAR(l.r->meta.margin_top, 72);
    NEAR(l.r->meta.margin_right, 72);
    NEAR(l.r->meta.margin_bottom, 72);
    NEAR(l.r->meta.margin_left, 72);
    unload(&l);
    l = load_ok("report { margins = [10, 20] }");
    NEAR(l.r->meta.margin_top, 10);
    NEAR(l.r->meta.margin_bottom, 10);
    NEAR(l.r->meta.margin_left, 20);
    NEAR(l.r->meta.margin_right, 20);
    unload(&l);
}

static void test_direction_from_locale(void **state)
{
    static const struct {
        const char *src;
        int rtl;
    } cases[] = {
        {"report { locale = \"ar-EG\" }", 1},
        {"report { locale = \"he\" }", 1},
        {"report { locale = \"fa-IR\" }", 1},
        {"report { locale = \"ur\" }", 1},
        {"report { locale = \"fr-FR\" }", 0},
        {"report { locale = \"ara\" }", 0},
        {"report { locale = \"ar\"; direction = ltr }", 0},
        {"report { direction = rtl }", 1},
    };

    (void)state;
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        loaded l = load_ok(cases[k].src);
        assert_int_equal(l.r->meta.rtl, cases[k].rtl);
        unload(&l);
    }
}

static void test_colours(void **state)
{
    loaded l = load_ok("style s { color = \"#1a2B3c\"; background = transparent; "
                       "border_color = \"#fff\" }\n");
    const report_style_props *p = &l.r->styles[0].props;

    (void)state;
    assert_int_equal(p->color.r, 0x1a);
    assert_int_equal(p->color.g, 0x2b);
    assert_int_equal(p->color.b, 0x3c);
    assert_int_equal(p->color.a, 0xff);
    assert_int_equal(p->background.a, 0);
    assert_int_equal(p->border_color.r, 0xff);
    assert_int_equal(p->border_color.b, 0xff);
    unload(&l);
}

static void test_references_may_come_first(void **state)
{
    loaded l = load_ok("variable v { value = sum(x); reset = group(g) }\n"
                       "band detail { field { box = [0, 0, 1, 1]; value = v; style = s } }\n"
                       "style s { parent = t }\nstyle t { size = 8 }\ngroup g { by = x }\n");

    (void)state;
    assert_int_equal(l.r->variables[0].group_index, 0);
    assert_int_equal(l.r->bands[0].elements[0].style, 0);
    assert_int_equal(l.r->styles[0].parent, 1);
    unload(&l);
}

/* ============================== Checks ==================================== */

static void test_unknown_blocks_and_attributes(void **state)
{
    (void)state;
    LOAD_BAD("bnad detail {}", "1:1: unknown block 'bnad' (did you mean 'band'?)");
    LOAD_BAD("layout {}", "1:1: unknown block 'layout'; expected one of: report, source, param, "
                          "field, group, variable, style, dataset, band, filter, sort");
    LOAD_BAD("filtr = 1", "1:1: unknown attribute 'filtr' (did you mean 'filter'?)");
    LOAD_BAD("filter {}", "1:1: 'filter' is an attribute: write filter = EXPR");
    LOAD_BAD("report = 1", "1:1: 'report' is a block: write report { ... }");
    LOAD_BAD("band = 1", "1:1: 'band' is a block: write band KIND { ... }");
    LOAD_BAD("group = 1", "1:1: 'group' is a block: write group NAME { ... }");
    LOAD_BAD("report { heigth = 1 }",
             "1:10: unknown attribute 'heigth' in report; expected one of: title, author, "
             "subject, locale, direction, page, orientation, margins, columns, column_spacing, "
             "when_no_data");
    LOAD_BAD("report { titel = \"x\" }",
             "1:10: unknown attribute 'titel' in report (did you mean 'title'?)");
    LOAD_BAD("group g { by = x; ordr = asc }",
             "1:19: unknown attribute 'ordr' in group 'g' (did you mean 'order'?)");
    LOAD_BAD("group g { by = x; x { } }",
             "1:19: unexpected block 'x' in group 'g' (it takes only attributes: name = value)");
    LOAD_BAD("band detail { heigth = 3 }",
             "1:15: unknown attribute 'heigth' in band detail (did you mean 'height'?)");
    LOAD_BAD("band detail { txt {} }",
             "1:15: unknown element 'txt' in band detail (did you mean 'text'?)");
    LOAD_BAD("band detail { widget {} }",
             "1:15: unknown element 'widget' in band detail; expected one of: text, field, "
             "line, rect, ellipse, image, frame, page_break, chart");
    LOAD_BAD("band detail { text { box = [0, 0, 1, 1]; text = \"\"; value = x } }",
             "1:53: unknown attribute 'value' in text; expected one of: text, box, style, "
             "print_when, font, size, bold, italic, underline, color, background, align, "
             "valign, border, border_color, padding, pattern, line_spacing");
    LOAD_BAD("style s { condtion { } }",
             "1:11: unknown block 'condtion' in style 's' (did you mean 'condition'?)");
    LOAD_BAD("band detail { text { box = [0, 0, 1, 1]; text = \"\"; x {} } }",
             "1:53: unexpected block 'x' in text (only a frame holds elements)");
}

static void test_given_twice(void **state)
{
    (void)state;
    LOAD_BAD("report {\n title = \"a\"\n title = \"b\"\n}",
             "3:2: 'title' is given twice (first at line 2)");
    LOAD_BAD("filter = a\nfilter = b", "2:1: 'filter' is given twice (first at line 1)");
    LOAD_BAD("sort = a\nsort = b", "2:1: 'sort' is given twice (first at line 1)");
    LOAD_BAD("report {}\nreport {}", "2:1: duplicate report block (first at line 1)");
    LOAD_BAD("source s { plugin = csv; path = \"a\"; path = \"b\" }",
             "1:38: 'path' is given twice (first at line 1)");
    LOAD_BAD("dataset d { category = c; values = count() }\n"
             "band summary { chart { box = [0, 0, 1, 1]; dataset = d; type = bar; x = 1; "
             "x = 2 } }",
             "2:76: 'x' is given twice (first at line 2)");
}

static void test_wrong_kinds(void **state)
{
    (void)state;
    LOAD_BAD("band detail { height = \"10\" }", "1:24: 'height' expects a length, got a string");
    LOAD_BAD("report { title = 3 }", "1:18: 'title' expects a string, got an integer");
    LOAD_BAD("group g { by = x; keep_together = 1 }",
             "1:35: 'keep_together' expects true or false, got an integer");
    LOAD_BAD("report { columns = 1.5 }", "1:20: 'columns' expects an integer, got a decimal");
    LOAD_BAD("report { direction = \"rtl\" }",
             "1:22: 'direction' expects ltr or rtl, got a string");
    LOAD_BAD("report { direction = up }", "1:22: 'direction' expects ltr or rtl, got 'up'");
    LOAD_BAD("report { when_no_data = none }",
             "1:25: 'when_no_data' expects no_pages, blank_page, all_sections or no_data_band, "
             "got 'none'");
    LOAD_BAD("report { page = b5 }", "1:17: 'page' expects a4, a3, a5, letter or legal, got 'b5'");
    LOAD_BAD("report { page = \"a4\" }",
             "1:17: 'page' expects a4, a3, a5, letter, legal or [width, height], got a string");
    LOAD_BAD("report { locale = \"english\" }",
             "1:19: 'locale' expects a language tag such as \"en-US\" or \"de\", got \"english\"");
    LOAD_BAD("style s { size = 9pt }", "1:18: 'size' expects a number, got a length");
    LOAD_BAD("style s { parent = \"x\" }", "1:20: 'parent' expects a name, got a string");
    LOAD_BAD("style s { color = 3 }",
             "1:19: 'color' expects a colour (\"#rrggbb\" or a name), got an integer");
    LOAD_BAD("style s { color = \"#12\" }",
             "1:19: invalid colour \"#12\" in 'color': expected \"#rgb\", \"#rrggbb\" or "
             "\"#rrggbbaa\"");
    LOAD_BAD("style s { color = \"#12345g\" }",
             "1:19: invalid colour \"#12345g\" in 'color': expected \"#rgb\", \"#rrggbb\" or "
             "\"#rrggbbaa\"");
    LOAD_BAD("style s { color = gren }",
             "1:19: unknown colour 'gren' in 'color' (did you mean 'green'?)");
    LOAD_BAD("style s { color = pink }",
             "1:19: unknown colour 'pink' in 'color' (write \"#rrggbb\" or one of: black, white, "
             "red, green, blue, gray, grey, silver, maroon, navy, teal, orange, purple, yellow, "
             "transparent)");
    LOAD_BAD("style s { align = middle }",
             "1:19: 'align' expects left, center, right or justify, got 'middle'");
    LOAD_BAD("band detail { field { box = 3; value = x } }",
             "1:29: 'box' expects [x, y, width, height], got an integer");
    LOAD_BAD("band detail { field { box = [0, 0, 1]; value = x } }",
             "1:29: 'box' expects [x, y, width, height], got 3 values");
    LOAD_BAD("band detail { field { box = [0, 0, \"1\", 1]; value = x } }",
             "1:36: box width expects a length, got a string");
    LOAD_BAD("report { margins = [1, 2, 3] }",
             "1:20: 'margins' expects one length, [vertical, horizontal] or [top, right, bottom, "
             "left], got 3 values");
    LOAD_BAD("source s { plugin = csv; opt = [1] }",
             "1:32: source option 'opt' must be a literal (a string, number, true/false or "
             "name), got a list");
    LOAD_BAD("source s { plugin = 3 }",
             "1:21: 'plugin' expects a plugin name such as csv, got an integer");
    LOAD_BAD("variable v { value = sum(x); reset = 3 }",
             "1:38: 'reset' expects report, page, none or group(NAME), got an integer");
    LOAD_BAD("dataset d { category = c; values = count(); reset = none }",
             "1:53: 'reset' expects report, page, or group(NAME), got 'none'");
    LOAD_BAD("band detail { field { box = [0, 0, 1, 1]; value = x; evaluation = later } }",
             "1:67: 'evaluation' expects now, report, page, auto or group(NAME), got 'later'");
    LOAD_BAD("band detail { field { box = [0, 0, 1, 1]; value = x; overflow = wrap } }",
             "1:65: 'overflow' expects stretch, clip, ellipsis or shrink, got 'wrap'");
    LOAD_BAD("variable v { value = sum(x); reset = group(a, b) }",
             "1:38: 'reset' expects group(NAME) with one group name");
    LOAD_BAD("dataset d { category = c; values = count(); sort = amount }",
             "1:52: 'sort' expects category, value, desc(category) or desc(value), got a name");
    LOAD_BAD("dataset d { category = c; values = count(); labels = \"a\" }",
             "1:54: 'labels' expects a list of strings, got a string");
}

static void test_out_of_range(void **state)
{
    (void)state;
    LOAD_BAD("band detail { height = -5 }", "1:24: 'height' must not be negative, got -5");
    LOAD_BAD("band detail { height = -1cm }", "1:24: 'height' must not be negative, got -1cm");
    LOAD_BAD("band detail { field { box = [0, 0, -10, 1]; value = x } }",
             "1:36: box width must not be negative, got -10");
    LOAD_BAD("report { columns = 0 }", "1:20: 'columns' must be between 1 and 100, got 0");
    LOAD_BAD("report { page = [0, 100] }", "1:18: page width must be greater than 0");
    LOAD_BAD("style s { size = 0 }", "1:18: 'size' must be greater than 0, got 0");
    LOAD_BAD("style s { line_spacing = -1.5 }",
             "1:26: 'line_spacing' must be greater than 0, got -1.5");
    LOAD_BAD("param p { type = decimal; scale = 19 }",
             "1:35: 'scale' must be between 0 and 18, got 19");
    LOAD_BAD("dataset d { category = c; values = count(); top = 0 }",
             "1:51: 'top' must be at least 1, got 0");
    LOAD_BAD("variable v { value = percentile(x, 1.5) }",
             "1:36: percentile p must be a number literal between 0 and 1, got 1.5");
    LOAD_BAD("variable v { value = percentile(x, p) }",
             "1:36: percentile p must be a number literal between 0 and 1, got p");
    LOAD_BAD("report { margins = [300, 10]; page = [500, 500] }",
             "1:1: the top and bottom margins (600.00pt) leave no room on a page 500.00pt high");
    LOAD_BAD("report { margins = 8in }",
             "1:1: the left and right margins (1152.00pt) leave no room on a page 595.28pt wide");
}

static void test_missing_required(void **state)
{
    (void)state;
    LOAD_BAD("param p { }", "1:1: missing required attribute 'type' in param 'p'");
    LOAD_BAD("field f { }", "1:1: missing required attribute 'value' in field 'f'");
    LOAD_BAD("group g { }", "1:1: missing required attribute 'by' in group 'g'");
    LOAD_BAD("variable v { reset = page }",
             "1:1: missing required attribute 'value' in variable 'v'");
    LOAD_BAD("dataset d { }", "1:1: missing required attribute 'category' in dataset 'd'",
             "1:1: missing required attribute 'values' in dataset 'd'");
    LOAD_BAD("style s { condition { bold = true } }",
             "1:11: missing required attribute 'when' in condition of style 's'");
    LOAD_BAD("band detail {\n text { text = \"x\" }\n}",
             "2:2: missing required attribute 'box' in text");
    LOAD_BAD("band detail { text { box = [0, 0, 1, 1] } }",
             "1:15: missing required attribute 'text' in text");
    LOAD_BAD("band detail { field f { box = [0, 0, 1, 1] } }",
             "1:15: missing required attribute 'value' in field 'f'");
    LOAD_BAD("band detail { image { box = [0, 0, 1, 1] } }",
             "1:15: missing required attribute 'path' in image");
    LOAD_BAD("band detail { chart { box = [0, 0, 1, 1] } }",
             "1:15: missing required attribute 'dataset' in chart",
             "1:15: missing required attribute 'type' in chart");
    LOAD_BAD("source s { }", "1:1: missing required attribute 'plugin' in source 's' (there is "
                             "no 'path' with an extension to take it from)");
    LOAD_BAD("source s { path = \"data\" }",
             "1:1: missing required attribute 'plugin' in source 's' (there is no 'path' with "
             "an extension to take it from)");
}

static void test_names(void **state)
{
    (void)state;
    LOAD_BAD("group g { by = a }\ngroup g { by = b }",
             "2:7: duplicate group 'g' (first defined at line 1)");
    LOAD_BAD("source s { plugin = csv }\nsource s { plugin = csv }",
             "2:8: duplicate source 's' (first defined at line 1)");
    LOAD_BAD("style s {}\nstyle s {}", "2:7: duplicate style 's' (first defined at line 1)");
    LOAD_BAD("dataset d { category = c; values = count() }\n"
             "dataset d { category = c; values = count() }",
             "2:9: duplicate dataset 'd' (first defined at line 1)");
    LOAD_BAD("param x { type = int }\nfield x { value = 1 }",
             "2:7: field 'x' has the same name as param 'x' (line 1)");
    LOAD_BAD("field x { value = 1 }\nvariable x { value = count() }",
             "2:10: variable 'x' has the same name as field 'x' (line 1)");
    LOAD_BAD("variable x { value = 1 }\nvariable x { value = 2 }",
             "2:10: duplicate variable 'x' (first defined at line 1)");
    LOAD_BAD("group g {}", "1:1: missing required attribute 'by' in group 'g'");
    LOAD_BAD("group { by = x }", "1:1: group needs a name: group NAME { ... }");
    LOAD_BAD("group \"g\" { by = x }", "1:7: group name must be a plain name, not a string");
    LOAD_BAD("group a b { by = x }", "1:9: unexpected label 'b': group takes one name");
    LOAD_BAD("report r {}", "1:8: unexpected label 'r': report takes no name");
    LOAD_BAD("band detail { line l { box = [0, 0, 1, 1] } }",
             "1:20: unexpected label 'l': line takes no name");
    /* groups, styles, datasets and sources are separate name spaces */
    loaded l = load_ok("group x { by = x }\nstyle x {}\nsource x { path = \"x.csv\" }\n"
                       "dataset x { category = x; values = count() }\nfield y { value = x }");
    unload(&l);
}

static void test_unknown_references(void **state)
{
    (void)state;
    LOAD_BAD("group region { by = r }\nvariable v { value = sum(x); reset = group(regoin) }",
             "2:44: unknown group 'regoin' (did you mean 'region'?)");
    LOAD_BAD("group a { by = r }\ngroup b { by = r }\n"
             "variable v { value = sum(x); reset = group(zzzzz) }",
             "3:44: unknown group 'zzzzz' (groups: a, b)");
    LOAD_BAD("variable v { value = sum(x); reset = group(g) }",
             "1:44: unknown group 'g' (the report defines no groups)");
    LOAD_BAD("style a { parent = zzz }", "1:20: unknown style 'zzz' (styles: a)");
    LOAD_BAD("style a { parent = b }", "1:20: unknown style 'b' (did you mean 'a'?)");
    LOAD_BAD("band detail { field { box = [0, 0, 1, 1]; value = x; style = body } }",
             "1:62: unknown style 'body' (the report defines no styles)");
    LOAD_BAD("band detail { field { box = [0, 0, 1, 1]; value = x; evaluation = group(g) } }",
             "1:73: unknown group 'g' (the report defines no groups)");
    LOAD_BAD("band summary { chart { box = [0, 0, 1, 1]; dataset = d; type = bar } }",
             "1:54: unknown dataset 'd' (the report defines no datasets)");
    LOAD_BAD("group g { by = x }\nband group_header h {}",
             "2:19: unknown group 'h' (did you mean 'g'?)");
}

static void test_style_cycles_and_defaults(void **state)
{
    (void)state;
    LOAD_BAD("style a { parent = b }\nstyle b { parent = a }",
             "1:20: style 'a' is its own ancestor: a -> b -> a");
    LOAD_BAD("style a { parent = a }", "1:20: style 'a' is its own ancestor: a -> a");
    LOAD_BAD("style x { parent = a }\nstyle a { parent = b }\nstyle b { parent = c }\n"
             "style c { parent = a }",
             "2:20: style 'a' is its own ancestor: a -> b -> c -> a");
    LOAD_BAD("style a { default = true }\nstyle b { default = true }",
             "2:1: more than one default style: 'b' and 'a' (line 1)");
}

static void test_bands(void **state)
{
    (void)state;
    LOAD_BAD("band {}", "1:1: band needs a kind: band KIND { ... } (title, page_header, "
                        "column_header, group_header, detail, group_footer, column_footer, "
                        "page_footer, last_page_footer, summary, background, no_data)");
    LOAD_BAD("band detial {}", "1:6: unknown band kind 'detial' (did you mean 'detail'?)");
    LOAD_BAD("band middle {}",
             "1:6: unknown band kind 'middle'; expected one of: title, page_header, "
             "column_header, group_header, detail, group_footer, column_footer, page_footer, "
             "last_page_footer, summary, background, no_data");
    LOAD_BAD("band group_header {}",
             "1:1: band group_header needs a group: band group_header GROUP { ... }");
    LOAD_BAD("group g { by = x }\nband group_footer g h {}",
             "2:21: unexpected label 'h': band group_footer takes one group");
    LOAD_BAD("group g { by = x }\nband detail g {}",
             "2:13: unexpected label 'g': band detail takes no group");
    LOAD_BAD("band title {}\nband title {}", "2:1: duplicate band title (first at line 1)");
    LOAD_BAD("group g { by = x }\nband group_header g {}\nband group_header g {}",
             "3:1: duplicate band group_header g (first at line 2)");
    /* several detail bands, and one header and one footer per group, are fine */
    loaded l = load_ok("group g { by = x }\ngroup h { by = y }\nband detail {}\nband detail {}\n"
                       "band group_header g {}\nband group_header h {}\nband group_footer g {}");
    assert_int_equal(l.r->nbands, 5);
    unload(&l);
}

static void test_aggregates(void **state)
{
    (void)state;
    LOAD_BAD("filter = sum(x) > 0",
             "1:10: aggregate function 'sum' is only allowed at the top of a variable's or "
             "dataset's value");
    LOAD_BAD("variable v { value = sum(x) + 1 }",
             "1:22: aggregate function 'sum' is only allowed at the top of a variable's or "
             "dataset's value");
    LOAD_BAD("variable v { value = sum(count()) }",
             "1:26: aggregate function 'count' is only allowed at the top of a variable's or "
             "dataset's value");
    LOAD_BAD("field f { value = avg(x) }",
             "1:19: aggregate function 'avg' is only allowed at the top of a variable's or "
             "dataset's value");
    LOAD_BAD("band detail { print_when = max(x) > 1 }",
             "1:28: aggregate function 'max' is only allowed at the top of a variable's or "
             "dataset's value");
    LOAD_BAD("variable v { value = sum(x, y) }", "1:22: 'sum' takes 1 argument, got 2");
    LOAD_BAD("variable v { value = sum() }", "1:22: 'sum' takes 1 argument, got 0");
    LOAD_BAD("variable v { value = count(a, b) }", "1:22: 'count' takes 0 or 1 arguments, got 2");
    LOAD_BAD("variable v { value = percentile(x) }",
             "1:22: 'percentile' takes 2 arguments (x, p), got 1");
    LOAD_BAD("dataset d { category = c; values = [sum(x), x] }",
             "1:45: dataset values must be aggregates such as sum(x) or count(), got a name");
    LOAD_BAD("dataset d { category = c; values = [] }",
             "1:36: 'values' needs at least one aggregate such as sum(x) or count()");
    LOAD_BAD("dataset d { category = c; values = [sum(x), count()]; labels = [\"a\"] }",
             "1:64: 'labels' has 1 entries but 'values' has 2");
    LOAD_BAD("sort = [sum(a)]",
             "1:9: aggregate function 'sum' is only allowed at the top of a variable's or "
             "dataset's value");
}

static void test_sort_keys(void **state)
{
    loaded l = load_ok("sort = nulls_first(a)");

    (void)state;
    assert_int_equal(l.r->nsort, 1);
    assert_int_equal(l.r->sort[0].desc, 0);
    assert_int_equal(l.r->sort[0].nulls_first, 1);
    unload(&l);
    l = load_ok("sort = desc(a + 1)");
    assert_int_equal(l.r->sort[0].desc, 1);
    assert_int_equal(l.r->sort[0].nulls_first, 1);
    assert_int_equal(l.r->sort[0].expr->kind, AST_BINARY);
    unload(&l);
    LOAD_BAD("sort = []", "1:8: 'sort' needs at least one key");
    LOAD_BAD("sort = [[a]]", "1:9: a sort key cannot be a list");
    LOAD_BAD("sort = desc(a, b)", "1:8: 'desc' takes 1 argument, got 2");
    LOAD_BAD("sort = nulls_last()", "1:8: 'nulls_last' takes 1 argument, got 0");
}

static void test_param_defaults_fit_types(void **state)
{
    (void)state;
    LOAD_BAD("param p { type = int; default = \"x\" }",
             "1:33: default of param 'p' does not fit its type int: got a string");
    LOAD_BAD("param p { type = int; default = 1.5 }",
             "1:33: default of param 'p' does not fit its type int: got a decimal");
    LOAD_BAD("param p { type = bool; default = 1 }",
             "1:34: default of param 'p' does not fit its type bool: got an integer");
    LOAD_BAD("param p { type = date; default = @2024-01-01T00:00:00 }",
             "1:34: default of param 'p' does not fit its type date: got a timestamp");
    LOAD_BAD("param p { type = timestamp; default = @2024-01-01 }",
             "1:39: default of param 'p' does not fit its type timestamp: got a date");
    LOAD_BAD("param p { type = string; default = x }",
             "1:36: default of param 'p' must be a literal of type string, got a name");
    LOAD_BAD("param p { type = float; default = 1 + 2 }",
             "1:35: default of param 'p' must be a literal of type float, got an expression");
    LOAD_BAD("param p { type = decimal; default = 1.234 }",
             "1:37: default of param 'p' has 3 decimal places, more than the scale 2: 1.234");
    LOAD_BAD("param p { type = int; choices = [1, \"a\"] }",
             "1:37: choice 2 of param 'p' does not fit its type int: got a string");
    LOAD_BAD("param p { type = int; choices = [] }",
             "1:33: 'choices' expects a list of literals, got an empty list");
    LOAD_BAD("param p { type = int; scale = 2 }", "1:23: 'scale' applies only to type = decimal");
    LOAD_BAD("param p { type = integer }",
             "1:18: 'type' expects bool, int, decimal, float, string, date or timestamp, got "
             "'integer'");
    loaded l = load_ok("param a { type = decimal; default = -3 }\n"
                       "param b { type = float; default = 2.50 }\n"
                       "param c { type = string; default = null }\n");
    unload(&l);
}

static void test_every_problem_reported(void **state)
{
    (void)state;
    LOAD_BAD("report { title = 1; columns = 0 }\n"
             "group g { by = x; order = up }\n"
             "bnad x {}\n"
             "band detail { field { value = sum(a) } }\n",
             "3:1: unknown block 'bnad' (did you mean 'band'?)",
             "1:18: 'title' expects a string, got an integer",
             "1:31: 'columns' must be between 1 and 100, got 0",
             "2:27: 'order' expects asc or desc, got 'up'",
             "4:31: aggregate function 'sum' is only allowed at the top of a variable's or "
             "dataset's value",
             "4:15: missing required attribute 'box' in field");
}

static void test_error_limit(void **state)
{
    char *src = malloc(150 * 16 + 1);
    size_t n = 0;
    ast_file *ast = NULL;
    report *r = NULL;
    diag d = {0};

    (void)state;
    assert_non_null(src);
    for (int k = 0; k < 150; k++)
        n += (size_t)sprintf(src + n, "zzzz%03d {}\n", k);
    assert_int_equal(ast_parse(PATH, src, n, &ast, &d), 0);
    assert_int_equal(report_load(ast, &r, &d), -1);
    assert_int_equal(d.count, AST_MAX_ERRORS + 1);
    assert_string_equal(d.items[AST_MAX_ERRORS].text, "too many errors (100); stopping here");
    assert_string_equal(d.items[AST_MAX_ERRORS].where, PATH ":101:1");
    diag_clear(&d);
    ast_free(ast);
    free(src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_meta_and_sources),
        cmocka_unit_test(test_full_params_fields_sort),
        cmocka_unit_test(test_full_groups_and_variables),
        cmocka_unit_test(test_full_styles_and_datasets),
        cmocka_unit_test(test_full_bands_and_elements),
        cmocka_unit_test(test_sales_example_loads),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_empty_definition_loads),
        cmocka_unit_test(test_page_sizes_and_orientation),
        cmocka_unit_test(test_margins_forms),
        cmocka_unit_test(test_direction_from_locale),
        cmocka_unit_test(test_colours),
        cmocka_unit_test(test_references_may_come_first),
        cmocka_unit_test(test_unknown_blocks_and_attributes),
        cmocka_unit_test(test_given_twice),
        cmocka_unit_test(test_wrong_kinds),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_missing_required),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_unknown_references),
        cmocka_unit_test(test_style_cycles_and_defaults),
        cmocka_unit_test(test_bands),
        cmocka_unit_test(test_aggregates),
        cmocka_unit_test(test_sort_keys),
        cmocka_unit_test(test_param_defaults_fit_types),
        cmocka_unit_test(test_every_problem_reported),
        cmocka_unit_test(test_error_limit),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
