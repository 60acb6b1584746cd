/*
 * html_table.c - consecutive details as one <table>.
 *
 * Columns come from horizontal extents: the column header's items first
 * (they become <th scope="col">), then whatever a detail holds that no
 * column covers yet, so a cell with no header still lands in a column of
 * its own and every row has one cell per column. A detail's cells are its
 * text items (lines joined with <br>); numeric ones (QUIRE_TEXT_NUMERIC)
 * get class "num". A group footer right after the details becomes the
 * <tfoot> when every text in it falls into a column, which keeps totals
 * under their amounts. The table is as wide as the report drew it, or
 * narrower on a small screen, inside a box that scrolls sideways when the
 * columns cannot shrink enough.
 */
#include <string.h>

#include "html_page.h"

/* A table column: the horizontal extent of the cells that fall into it. */
typedef struct column {
    double x0, x1;
} column;

typedef struct table {
    block *header; /* the column header heading it, or NULL */
    block *rows;
    size_t nrows;
    block *footer; /* a group footer written as <tfoot>, or NULL */
    column *cols;
    size_t ncols, maxcols;
    art_plan head_plan, foot_plan;
    art_plan *plans; /* per body row */
} table;

/* The column whose extent overlaps [x0, x1] most, or -1. Boxes of
 * neighbouring cells often touch or overlap by a hair, so a match needs
 * half the narrower of the two. */
static ptrdiff_t best_column(const table *t, double x0, double x1)
{
    ptrdiff_t best = -1;
    double most = 0;

    if (x1 - x0 < 0.01)
        x1 = x0 + 0.01;
    for (size_t c = 0; c < t->ncols; c++) {
        double o = html_overlap(x0, x1, t->cols[c].x0, t->cols[c].x1);
        double w = t->cols[c].x1 - t->cols[c].x0;
        if (x1 - x0 < w)
            w = x1 - x0;
        if (o >= w / 2 && o > most) {
            most = o;
            best = (ptrdiff_t)c;
        }
    }
    return best;
}

/* Adds a column for [x0, x1] unless one overlaps it, keeping columns
 * ordered by x. */
static void need_column(table *t, double x0, double x1)
{
    size_t at = 0;

    if (best_column(t, x0, x1) >= 0 || t->ncols == t->maxcols)
        return;
    if (x1 - x0 < 0.01)
        x1 = x0 + 0.01;
    while (at < t->ncols && t->cols[at].x0 <= x0)
        at++;
    memmove(&t->cols[at + 1], &t->cols[at], (t->ncols - at) * sizeof(*t->cols));
    t->cols[at] = (column){x0, x1};
    t->ncols++;
}

/* Every item of a row to its column (several may share one). */
static void assign_columns(const table *t, block *b)
{
    for (size_t i = 0; i < b->nitems; i++) {
        ptrdiff_t c = best_column(t, b->items[i].box.x0, b->items[i].box.x1);
        b->items[i].column = c < 0 ? 0 : (size_t)c;
    }
}

/* Column of a row's SVG cell, or -1 when it has none. */
static ptrdiff_t art_column(const table *t, const art_plan *plan)
{
    return plan->nrest == 0 ? -1 : best_column(t, plan->view.x0, plan->view.x1);
}

/* Plans every row's graphics and builds the columns: the header's items
 * first, then whatever the rows hold that no column covers yet. */
static int build_table(page_ctx *pc, table *t)
{
    t->maxcols = 1;
    if (t->header != NULL)
        t->maxcols += t->header->nitems + 1;
    for (size_t r = 0; r < t->nrows; r++)
        t->maxcols += t->rows[r].nitems + 1;
    t->cols = html_alloc(pc, t->maxcols, sizeof(*t->cols));
    t->plans = html_alloc(pc, t->nrows, sizeof(*t->plans));
    if (t->cols == NULL || t->plans == NULL)
        return html_nomem(pc);
    if (t->header != NULL) {
        if (html_plan_art(pc, t->header, 1, &t->head_plan) != QUIRE_OK)
            return QUIRE_ERR;
        for (size_t i = 0; i < t->header->nitems; i++)
            need_column(t, t->header->items[i].box.x0, t->header->items[i].box.x1);
        if (t->head_plan.nrest > 0)
            need_column(t, t->head_plan.view.x0, t->head_plan.view.x1);
    }
    for (size_t r = 0; r < t->nrows; r++) {
        block *b = &t->rows[r];
        if (html_plan_art(pc, b, 1, &t->plans[r]) != QUIRE_OK)
            return QUIRE_ERR;
        for (size_t i = 0; i < b->nitems; i++)
            need_column(t, b->items[i].box.x0, b->items[i].box.x1);
        if (t->plans[r].nrest > 0)
            need_column(t, t->plans[r].view.x0, t->plans[r].view.x1);
    }
    /* Only now are the columns final: a later one may fit an item better. */
    if (t->header != NULL)
        assign_columns(t, t->header);
    for (size_t r = 0; r < t->nrows; r++)
        assign_columns(t, &t->rows[r]);
    return QUIRE_OK;
}

/* 1 if every text of the footer falls into one of the table's columns, so
 * it can be the table's <tfoot> (its totals under their amounts). */
static int fits_columns(const table *t, const block *b)
{
    if (b->nitems == 0)
        return 0;
    for (size_t i = 0; i < b->nitems; i++)
        if (best_column(t, b->items[i].box.x0, b->items[i].box.x1) < 0)
            return 0;
    return 1;
}

/* <tr> with the row's decorations: the box behind it, rules above and
 * below. */
static void open_row(page_ctx *pc, const art_plan *plan)
{
    html_out_puts(pc->out, "<tr");
    if (plan->background != NULL || plan->rule_top != NULL || plan->rule_bottom != NULL) {
        html_out_puts(pc->out, " style=\"");
        if (plan->background != NULL)
            html_box_style(pc, plan->background);
        if (plan->rule_top != NULL)
            html_rule_style(pc, "top", plan->rule_top);
        if (plan->rule_bottom != NULL)
            html_rule_style(pc, "bottom", plan->rule_bottom);
        html_out_puts(pc->out, "\"");
    }
    html_out_puts(pc->out, ">");
}

/* One cell: the items of `b` in column `c`, and the row's SVG when it
 * belongs there. A single item lends the cell its font, alignment and
 * box; several become spans, one per line. In a header row a cell with
 * text is a <th scope="col">, an empty one a <td>. */
static void write_cell(page_ctx *pc, const block *b, size_t c, const art_plan *plan, int art_here,
                       int head)
{
    const text_item *first = NULL;
    size_t count = 0;
    const char *tag;
    int num;

    for (size_t i = 0; i < b->nitems; i++)
        if (b->items[i].column == c && count++ == 0)
            first = &b->items[i];
    tag = head && count > 0 ? "th" : "td";
    html_out_fmt(pc->out, "<%s", tag);
    if (strcmp(tag, "th") == 0)
        html_out_puts(pc->out, " scope=\"col\"");
    num = first != NULL && (first->first->u.text.flags & QUIRE_TEXT_NUMERIC) != 0;
    if (count == 1 && !art_here) {
        html_text_attrs(pc, first, num ? "num" : NULL, !num, first->cell_rect);
        html_out_puts(pc->out, ">");
        html_write_lines(pc, first);
        html_out_fmt(pc->out, "</%s>", tag);
        return;
    }
    html_out_puts(pc->out, num ? " class=\"num\">" : ">");
    count = 0;
    for (size_t i = 0; i < b->nitems; i++) {
        if (b->items[i].column != c)
            continue;
        if (count++ > 0)
            html_out_puts(pc->out, "<br>");
        html_write_item(pc, "span", &b->items[i], NULL);
    }
    if (art_here)
        html_write_art(pc, plan);
    html_out_fmt(pc->out, "</%s>", tag);
}

static void write_table_row(page_ctx *pc, const table *t, const block *b, const art_plan *plan,
                            int head)
{
    ptrdiff_t ac = art_column(t, plan);

    open_row(pc, plan);
    for (size_t k = 0; k < t->ncols; k++) {
        size_t c = pc->rtl ? t->ncols - 1 - k : k;
        write_cell(pc, b, c, plan, ac == (ptrdiff_t)c, head);
    }
    html_out_puts(pc->out, "</tr>");
}

static void write_table(page_ctx *pc, const table *t)
{
    /* As wide as the report drew it, narrower if the screen is; a phone
     * scrolls the wrapper when the columns cannot shrink further. */
    double right = t->ncols > 0 ? t->cols[0].x1 : 0;

    for (size_t c = 1; c < t->ncols; c++)
        right = t->cols[c].x1 > right ? t->cols[c].x1 : right;
    html_out_puts(pc->out, "<div class=\"tablewrap\"><table style=\"width:");
    html_out_num(pc->out, t->ncols > 0 ? right - t->cols[0].x0 : 0);
    html_out_puts(pc->out, "pt\">\n");
    if (t->header != NULL) {
        html_out_puts(pc->out, "<thead>");
        write_table_row(pc, t, t->header, &t->head_plan, 1);
        html_out_puts(pc->out, "</thead>\n");
    }
    html_out_puts(pc->out, "<tbody>\n");
    for (size_t r = 0; r < t->nrows; r++) {
        write_table_row(pc, t, &t->rows[r], &t->plans[r], 0);
        html_out_puts(pc->out, "\n");
    }
    html_out_puts(pc->out, "</tbody>\n");
    if (t->footer != NULL) {
        html_out_puts(pc->out, "<tfoot>");
        write_table_row(pc, t, t->footer, &t->foot_plan, 0);
        html_out_puts(pc->out, "</tfoot>\n");
    }
    html_out_puts(pc->out, "</table></div>\n");
}

/* ============================== Entry ===================================== */

int html_table_write(page_ctx *pc, block *header, block *rows, size_t nrows, block *footer,
                     int *took_footer)
{
    table t;

    memset(&t, 0, sizeof(t));
    t.header = header;
    t.rows = rows;
    t.nrows = nrows;
    *took_footer = 0;
    if (build_table(pc, &t) != QUIRE_OK)
        return QUIRE_ERR;
    if (footer != NULL && fits_columns(&t, footer)) {
        t.footer = footer;
        if (html_plan_art(pc, footer, 1, &t.foot_plan) != QUIRE_OK)
            return QUIRE_ERR;
        t.foot_plan.nrest = 0; /* drawings in a total row are decoration */
        assign_columns(&t, footer);
        *took_footer = 1;
    }
    write_table(pc, &t);
    return QUIRE_OK;
}
