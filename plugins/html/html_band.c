/*
 * html_band.c - the inside of one block (one band instance): its text
 * items and its graphics.
 *
 * Text items are written in visual rows: items whose boxes overlap
 * vertically sit side by side in a flex row, in reading order, each pushed
 * to the side the report aligned it to, so a footer's "printed on" and
 * "page 2 of 9" stay at opposite ends at any width. Every item keeps its
 * font class, size in points and colour; a line cut by a clip keeps the
 * clip's width and shows the whole text as a tooltip.
 *
 * Graphics are planned before anything is written (html_plan_art): a
 * rectangle behind all the text is the block's CSS background and border,
 * and what remains is one SVG placed before the first row that starts
 * below its top.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "html_page.h"

/* ============================== Memory ==================================== */

void *html_alloc(page_ctx *pc, size_t count, size_t size)
{
    void *p;

    if (count == 0)
        count = 1;
    if (count > SIZE_MAX / size)
        return NULL;
    p = pc->d->host->arena_alloc(pc->d->arena, count * size);
    if (p != NULL)
        memset(p, 0, count * size);
    return p;
}

int html_nomem(page_ctx *pc)
{
    pc->d->host->error_set(pc->err, QUIRE_E_NOMEM, "out of memory");
    return QUIRE_ERR;
}

/* The element's extent, cut by the clip it is drawn under. */
static html_rect clipped_extent(const page_ctx *pc, size_t idx)
{
    html_rect r = html_svg_extent(&pc->page->elements[idx]);

    if (pc->clip_of[idx] >= 0)
        r = html_rect_intersect(r, pc->clips[pc->clip_of[idx]]);
    return r;
}

/* ============================== Graphics plan ============================= */

static int is_rule(const quire_element *e)
{
    return e->kind == QUIRE_EL_LINE && fabs(e->height) < 0.01 && e->line_width > 0 &&
           e->stroke.a > 0;
}

/* Decides which graphics become CSS and collects the rest for the SVG.
 * `table`: the block is a table row (rules become borders, a rectangle
 * around one cell that cell's background, column rules are dropped). */
int html_plan_art(page_ctx *pc, block *b, int table, art_plan *plan)
{
    const quire_element *els = pc->page->elements;
    html_rect text = {0, 0, 0, 0};
    int have_view = 0;

    memset(plan, 0, sizeof(*plan));
    plan->rest = html_alloc(pc, b->nart, sizeof(*plan->rest));
    if (plan->rest == NULL)
        return html_nomem(pc);
    for (size_t i = 0; i < b->nitems; i++) {
        text = i == 0 ? b->items[i].box : html_rect_union(text, b->items[i].box);
        b->items[i].cell_rect = NULL; /* a header row is planned once per table */
    }
    for (size_t i = 0; i < b->nart; i++) {
        const quire_element *e = &els[b->art[i]];
        html_rect r = html_svg_extent(e);
        if (b->nitems > 0 && e->kind == QUIRE_EL_RECT && plan->background == NULL &&
            html_rect_contains(r, text)) {
            plan->background = e;
            continue;
        }
        if (table && b->nitems > 0 && is_rule(e)) {
            if (e->y >= text.y1 - EPS && plan->rule_bottom == NULL) {
                plan->rule_bottom = e;
                continue;
            }
            if (e->y <= text.y0 + EPS && plan->rule_top == NULL) {
                plan->rule_top = e;
                continue;
            }
        }
        if (table && b->nitems > 0 && e->kind == QUIRE_EL_LINE && fabs(e->width) < 0.01 &&
            fabs(e->height) >= (text.y1 - text.y0) / 2)
            continue; /* a column rule: cells are separated by the table itself */
        if (table && e->kind == QUIRE_EL_RECT) {
            size_t inside = 0;
            text_item *only = NULL;
            for (size_t k = 0; k < b->nitems; k++)
                if (html_rect_contains(r, b->items[k].box)) {
                    inside++;
                    only = &b->items[k];
                }
            if (inside == 1 && only->cell_rect == NULL) {
                only->cell_rect = e;
                continue;
            }
        }
        plan->rest[plan->nrest++] = b->art[i];
        r = clipped_extent(pc, b->art[i]);
        plan->view = have_view ? html_rect_union(plan->view, r) : r;
        have_view = 1;
    }
    return QUIRE_OK;
}

/* background/border declarations for a rectangle used as a box. */
void html_box_style(page_ctx *pc, const quire_element *rect)
{
    if (rect->fill.a > 0) {
        html_out_puts(pc->out, "background:");
        html_out_color(pc->out, rect->fill);
        html_out_puts(pc->out, ";");
    }
    if (rect->line_width > 0 && rect->stroke.a > 0) {
        html_out_puts(pc->out, "border:");
        html_out_num(pc->out, rect->line_width);
        html_out_puts(pc->out, "pt solid ");
        html_out_color(pc->out, rect->stroke);
        html_out_puts(pc->out, ";");
    }
}

void html_rule_style(page_ctx *pc, const char *side, const quire_element *line)
{
    html_out_fmt(pc->out, "border-%s:", side);
    html_out_num(pc->out, line->line_width);
    html_out_puts(pc->out, "pt solid ");
    html_out_color(pc->out, line->stroke);
    html_out_puts(pc->out, ";");
}

/* Writes the plan's SVG, or an <img> for an image alone and unclipped. */
void html_write_art(page_ctx *pc, const art_plan *plan)
{
    const quire_element *e;

    if (plan->nrest == 0 || plan->view.x1 - plan->view.x0 <= 0 ||
        plan->view.y1 - plan->view.y0 <= 0)
        return;
    e = &pc->page->elements[plan->rest[0]];
    if (plan->nrest == 1 && e->kind == QUIRE_EL_IMAGE && pc->clip_of[plan->rest[0]] < 0) {
        html_svg_img(&pc->sp, e);
        return;
    }
    html_svg_write(&pc->sp, plan->rest, plan->nrest, plan->view, 0, "art");
}

/* ============================== Text ====================================== */

static const char *align_class(const quire_element *e)
{
    switch (e->u.text.align) {
    case QUIRE_ALIGN_RIGHT: return "al-r";
    case QUIRE_ALIGN_CENTER: return "al-c";
    case QUIRE_ALIGN_JUSTIFY: return "al-j";
    }
    return "al-l";
}

/* font-size and colour of a line, as CSS declarations. */
static void text_style(page_ctx *pc, const quire_element *e)
{
    html_out_puts(pc->out, "font-size:");
    html_out_num(pc->out, e->u.text.size);
    html_out_puts(pc->out, "pt");
    if (!(e->fill.r == 0 && e->fill.g == 0 && e->fill.b == 0 && e->fill.a == 255)) {
        html_out_puts(pc->out, ";color:");
        html_out_color(pc->out, e->fill);
    }
}

static int same_style(const quire_element *a, const quire_element *b)
{
    return a->u.text.font == b->u.text.font && a->u.text.size == b->u.text.size &&
           memcmp(&a->fill, &b->fill, sizeof(a->fill)) == 0;
}

/* The width the item's clip leaves it, or -1 when it is not cut. */
static double clip_width(const page_ctx *pc, const text_item *it)
{
    html_rect c;

    if (it->clip < 0)
        return -1;
    c = pc->clips[it->clip];
    if (it->ink.x0 >= c.x0 - 0.01 && it->ink.x1 <= c.x1 + 0.01)
        return -1;
    return c.x1 - (it->ink.x0 > c.x0 ? it->ink.x0 : c.x0);
}

static void write_lines_plain(page_ctx *pc, const text_item *it, const char *sep)
{
    for (size_t i = 0; i < it->nlines; i++) {
        const quire_element *e = &pc->page->elements[it->lines[i]];
        if (i > 0)
            html_out_puts(pc->out, sep);
        html_out_text(pc->out, e->u.text.utf8, e->u.text.len);
    }
}

/* The lines of an item joined with <br>; a line styled unlike the first
 * gets a span of its own. */
void html_write_lines(page_ctx *pc, const text_item *it)
{
    for (size_t i = 0; i < it->nlines; i++) {
        const quire_element *e = &pc->page->elements[it->lines[i]];
        int own = !same_style(e, it->first);
        if (i > 0)
            html_out_puts(pc->out, "<br>");
        if (own) {
            html_out_fmt(pc->out, "<span class=\"f%u\" style=\"", (unsigned)e->u.text.font);
            text_style(pc, e);
            html_out_puts(pc->out, "\">");
        }
        html_out_text(pc->out, e->u.text.utf8, e->u.text.len);
        if (own)
            html_out_puts(pc->out, "</span>");
    }
}

/* class and style attributes (and a title when clipped) for an element
 * holding one text item; `extra` adds classes, `box` a rectangle drawn
 * around it alone (background, border). */
void html_text_attrs(page_ctx *pc, const text_item *it, const char *extra, int align,
                     const quire_element *box)
{
    double cw = clip_width(pc, it);

    html_out_fmt(pc->out, " class=\"f%u", (unsigned)it->first->u.text.font);
    if (align)
        html_out_fmt(pc->out, " %s", align_class(it->first));
    if (extra != NULL && extra[0] != '\0')
        html_out_fmt(pc->out, " %s", extra);
    if (cw >= 0)
        html_out_puts(pc->out, " clip");
    html_out_puts(pc->out, "\" style=\"");
    text_style(pc, it->first);
    if (cw >= 0) {
        html_out_puts(pc->out, ";max-width:");
        html_out_num(pc->out, cw);
        html_out_puts(pc->out, "pt");
    }
    if (box != NULL) {
        html_out_puts(pc->out, ";");
        html_box_style(pc, box);
    }
    html_out_puts(pc->out, "\"");
    if (cw >= 0) {
        html_out_puts(pc->out, " title=\"");
        write_lines_plain(pc, it, " ");
        html_out_puts(pc->out, "\"");
    }
}

void html_write_item(page_ctx *pc, const char *tag, const text_item *it, const char *extra)
{
    html_out_fmt(pc->out, "<%s", tag);
    html_text_attrs(pc, it, extra, 1, NULL);
    html_out_puts(pc->out, ">");
    html_write_lines(pc, it);
    html_out_fmt(pc->out, "</%s>", tag);
}

/* Items of a row by their left edge. */
static int cmp_item_x(const void *a, const void *b)
{
    const text_item *x = *(const text_item *const *)a, *y = *(const text_item *const *)b;

    return (x->box.x0 > y->box.x0) - (x->box.x0 < y->box.x0);
}

/* ============================== Band bodies =============================== */

/* Writes the block's charts from *next on whose top is above `y` (all
 * with y = INFINITY); charts whose boxes share vertical space go into one
 * call, to sit side by side. */
static void write_charts_above(page_ctx *pc, const block *b, size_t *next, double y)
{
    while (*next < b->ncharts && b->charts[*next]->box.y0 <= y + EPS) {
        size_t end = *next + 1;
        while (end < b->ncharts && b->charts[end]->box.y0 < b->charts[*next]->box.y1 - EPS)
            end++;
        html_chart_write(pc, b->charts + *next, end - *next);
        *next = end;
    }
}

int html_write_body(page_ctx *pc, block *b, const art_plan *plan, const text_item *special,
                    const char *special_tag)
{
    const text_item **row = html_alloc(pc, b->nitems, sizeof(*row));
    int art_done = plan->nrest == 0;
    size_t i = 0, chart = 0;

    if (row == NULL)
        return html_nomem(pc);
    while (i < b->nitems) {
        size_t n = 0;
        double bottom;
        if (b->items[i].used) {
            i++;
            continue;
        }
        if (!art_done && plan->view.y0 <= b->items[i].box.y0 + EPS) {
            html_write_art(pc, plan);
            art_done = 1;
        }
        write_charts_above(pc, b, &chart, b->items[i].box.y0);
        bottom = b->items[i].box.y1;
        row[n++] = &b->items[i++];
        for (; i < b->nitems && b->items[i].box.y0 < bottom - EPS; i++) {
            if (b->items[i].used)
                continue;
            row[n++] = &b->items[i];
            if (b->items[i].box.y1 > bottom)
                bottom = b->items[i].box.y1;
        }
        qsort(row, n, sizeof(*row), cmp_item_x);
        if (n > 1)
            html_out_puts(pc->out, "<div class=\"row\">");
        for (size_t k = 0; k < n; k++) {
            size_t at = pc->rtl ? n - 1 - k : k;
            html_write_item(pc, row[at] == special ? special_tag : "p", row[at], NULL);
        }
        html_out_puts(pc->out, n > 1 ? "</div>\n" : "\n");
    }
    if (!art_done)
        html_write_art(pc, plan);
    write_charts_above(pc, b, &chart, INFINITY);
    return QUIRE_OK;
}

/* <TAG class="CLASSES" [style=background]> body </TAG> for a plain band. */
int html_write_band(page_ctx *pc, block *b, const char *tag, const char *classes)
{
    art_plan plan;
    const text_item *special = NULL;

    if (html_plan_art(pc, b, 0, &plan) != QUIRE_OK)
        return QUIRE_ERR;
    if (b->band == QUIRE_BAND_TITLE)
        for (size_t i = 0; i < b->nitems; i++)
            if (special == NULL || b->items[i].first->u.text.size > special->first->u.text.size)
                special = &b->items[i];
    html_out_fmt(pc->out, "<%s class=\"%s\"", tag, classes);
    if (plan.background != NULL) {
        html_out_puts(pc->out, " style=\"padding:2pt 4pt;");
        html_box_style(pc, plan.background);
        html_out_puts(pc->out, "\"");
    }
    html_out_puts(pc->out, ">\n");
    if (html_write_body(pc, b, &plan, special, "h1") != QUIRE_OK)
        return QUIRE_ERR;
    html_out_fmt(pc->out, "</%s>\n", tag);
    return QUIRE_OK;
}
