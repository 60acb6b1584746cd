/*
 * report_meta.c - the report block of a definition: title, author and
 * subject, locale and writing direction, page size and orientation,
 * margins, columns and what to print when there is no data; with the
 * defaults that apply without one and the checks that need the whole
 * block (margins that leave no room on the page). Part of report_load().
 */
#include "report_int.h"

/* ============================== Report block ============================== */

static const char *const page_names[] = {"a4", "a3", "a5", "letter", "legal", NULL};
static const double page_sizes[][2] = {
    {210 * 72 / 25.4, 297 * 72 / 25.4},
    {297 * 72 / 25.4, 420 * 72 / 25.4},
    {148 * 72 / 25.4, 210 * 72 / 25.4},
    {612, 792},
    {612, 1008},
};

static void read_page(loader *L, const ast_item *a, report_meta *m)
{
    const ast_expr *e = a->value;

    if (e->kind == AST_NAME) {
        int k;
        if (rl_enum(L, a, page_names, &k) == 0) {
            m->page_width = page_sizes[k][0];
            m->page_height = page_sizes[k][1];
        }
        return;
    }
    if (e->kind != AST_LIST || e->nargs != 2) {
        rl_error(L, e->loc, "'page' expects a4, a3, a5, letter, legal or [width, height], got %s",
                 rl_kind_name(e));
        return;
    }
    double w, h;
    if (rl_length_expr(L, "page width", e->args[0], &w) < 0 ||
        rl_length_expr(L, "page height", e->args[1], &h) < 0)
        return;
    if (w <= 0 || h <= 0) {
        rl_error(L, (w <= 0 ? e->args[0] : e->args[1])->loc, "page %s must be greater than 0",
                 w <= 0 ? "width" : "height");
        return;
    }
    m->page_width = w;
    m->page_height = h;
}

static void read_margins(loader *L, const ast_item *a, report_meta *m)
{
    static const char *const parts[] = {"margin top", "margin right", "margin bottom",
                                        "margin left"};
    const ast_expr *e = a->value;
    double v[4];

    if (e->kind != AST_LIST) {
        if (rl_length(L, a, &v[0]) == 0)
            m->margin_top = m->margin_right = m->margin_bottom = m->margin_left = v[0];
        return;
    }
    if (e->nargs != 2 && e->nargs != 4) {
        rl_error(L, e->loc,
                 "'margins' expects one length, [vertical, horizontal] or [top, right, bottom, "
                 "left], got %u values",
                 e->nargs);
        return;
    }
    for (uint32_t k = 0; k < e->nargs; k++) {
        const char *what =
            e->nargs == 2 ? (k == 0 ? "vertical margin" : "horizontal margin") : parts[k];
        if (rl_length_expr(L, what, e->args[k], &v[k]) < 0)
            return;
    }
    if (e->nargs == 2) {
        m->margin_top = m->margin_bottom = v[0];
        m->margin_left = m->margin_right = v[1];
    } else {
        m->margin_top = v[0];
        m->margin_right = v[1];
        m->margin_bottom = v[2];
        m->margin_left = v[3];
    }
}

/* A BCP 47 tag, loosely: a 2-3 letter language, then -subtags of 1-8
 * letters or digits. */
static int locale_ok(const char *s)
{
    size_t n = 0;

    while ((s[n] | 0x20) >= 'a' && (s[n] | 0x20) <= 'z')
        n++;
    if (n < 2 || n > 3)
        return 0;
    s += n;
    while (*s == '-') {
        s++;
        n = 0;
        while ((s[n] >= '0' && s[n] <= '9') || ((s[n] | 0x20) >= 'a' && (s[n] | 0x20) <= 'z'))
            n++;
        if (n < 1 || n > 8)
            return 0;
        s += n;
    }
    return *s == '\0';
}

/* Scripts written right to left: Arabic, Hebrew, Persian, Urdu. */
static int locale_rtl(const char *s)
{
    static const char *const rtl[] = {"ar", "he", "fa", "ur", "iw", NULL};

    for (int k = 0; rtl[k] != NULL; k++) {
        if ((s[0] | 0x20) == rtl[k][0] && (s[1] | 0x20) == rtl[k][1] &&
            (s[2] == '\0' || s[2] == '-' || s[2] == '_'))
            return 1;
    }
    return 0;
}

void rl_load_report_block(loader *L, const ast_item *it)
{
    static const char *const own[] = {
        "title",       "author",  "subject", "locale",         "direction",    "page",
        "orientation", "margins", "columns", "column_spacing", "when_no_data", NULL,
    };
    static const char *const directions[] = {"ltr", "rtl", NULL};
    static const char *const orientations[] = {"portrait", "landscape", NULL};
    static const char *const no_data[] = {"no_pages", "blank_page", "all_sections", "no_data_band",
                                          NULL};
    report_meta *m = &L->r->meta;
    rl_attrs attrs = {0};
    int direction = -1, orientation = -1;
    int64_t columns;
    const ast_item *a;
    uint32_t k = 0;

    m->loc = it->loc;
    rl_no_labels(L, it, "report");
    rl_attrs_add(&attrs, own);
    while ((a = rl_next_attr(L, it, &k, "report")) != NULL) {
        switch (rl_attr_index(L, &attrs, a, "report")) {
        case 0: rl_string(L, a, &m->title); break;
        case 1: rl_string(L, a, &m->author); break;
        case 2: rl_string(L, a, &m->subject); break;
        case 3: {
            const char *loc;
            if (rl_string(L, a, &loc) < 0)
                break;
            if (!locale_ok(loc)) {
                char buf[64];
                rl_error(L, a->value->loc,
                         "'locale' expects a language tag such as \"en-US\" or \"de\", got %s",
                         rl_text(L, a->value, buf, sizeof(buf)));
                break;
            }
            m->locale = loc;
            break;
        }
        case 4: rl_enum(L, a, directions, &direction); break;
        case 5: read_page(L, a, m); break;
        case 6: rl_enum(L, a, orientations, &orientation); break;
        case 7: read_margins(L, a, m); break;
        case 8:
            if (rl_int(L, a, 1, 100, &columns) == 0)
                m->columns = (int)columns;
            break;
        case 9: rl_length(L, a, &m->column_spacing); break;
        case 10: rl_enum(L, a, no_data, &m->when_no_data); break;
        default: break;
        }
    }
    m->rtl = direction >= 0 ? direction == 1 : locale_rtl(m->locale);
    if (orientation >= 0) {
        int wide = m->page_width > m->page_height;
        if (wide != (orientation == 1)) {
            double t = m->page_width;
            m->page_width = m->page_height;
            m->page_height = t;
        }
    }
}

/* Defaults, and checks that need the whole report block. */
void rl_finish_meta(loader *L)
{
    report_meta *m = &L->r->meta;

    m->landscape = m->page_width > m->page_height;
    if (m->margin_left + m->margin_right >= m->page_width)
        rl_error(L, m->loc,
                 "the left and right margins (%.2fpt) leave no room on a page %.2fpt wide",
                 m->margin_left + m->margin_right, m->page_width);
    else if (m->margin_top + m->margin_bottom >= m->page_height)
        rl_error(L, m->loc,
                 "the top and bottom margins (%.2fpt) leave no room on a page %.2fpt high",
                 m->margin_top + m->margin_bottom, m->page_height);
}

void rl_meta_defaults(report_meta *m)
{
    m->locale = "en-US";
    m->page_width = page_sizes[0][0];
    m->page_height = page_sizes[0][1];
    m->margin_top = m->margin_right = m->margin_bottom = m->margin_left = 20 * 72 / 25.4;
    m->columns = 1;
    m->when_no_data = REPORT_NO_DATA_NO_PAGES;
}
