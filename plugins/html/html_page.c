/*
 * html_page.c - one print-model page as semantic, reflowing markup.
 *
 * The kernel sends positioned lines; a phone needs structure. The page's
 * elements are grouped by band instance (quire_element.instance) into
 * blocks, kept in painting order except that page headers come first,
 * column and page footers last and the background becomes a layer behind
 * the card. Then:
 *
 *   - consecutive details form one <table>, the column header before them
 *     (or the page's last one) its <thead>; cells are the text items (the
 *     lines of one element, joined with <br>) matched to columns by their
 *     horizontal extent, so a cell with no header still lands in a column
 *     of its own; a group footer whose texts all fall into the table's
 *     columns becomes its <tfoot> (totals stay under their amounts);
 *   - group headers open <section class="group level-L"> with an <hN>,
 *     the matching footer closes them; a group still open at the end of a
 *     page is closed there and reopened as "continued" on the next, so each
 *     page's markup is balanced on its own;
 *   - other bands become <header>, <footer>, <section> or <div> holding
 *     their text items in visual rows (items side by side stay side by
 *     side, aligned as the report aligned them);
 *   - lines, rectangles, ellipses, paths and images go into one inline SVG
 *     per block (html_svg.c), except what reads better as CSS: a rectangle
 *     behind all of a block's text is its background, rules above or below
 *     a table row are its borders.
 *
 * This file splits the page into blocks and walks them; html_band.c writes
 * what is inside a block, html_table.c the tables. All scratch memory
 * comes from the document's arena, reset per page, and is bounded by the
 * page's element count.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html_page.h"

/* ============================== Small helpers ============================= */

static int is_graphic(uint32_t kind)
{
    return kind == QUIRE_EL_LINE || kind == QUIRE_EL_RECT || kind == QUIRE_EL_ELLIPSE ||
           kind == QUIRE_EL_PATH || kind == QUIRE_EL_IMAGE;
}

/* The class naming a band kind on a plain <div class="band KIND">. */
static const char *band_class(uint32_t band)
{
    switch (band) {
    case QUIRE_BAND_TITLE: return "title";
    case QUIRE_BAND_PAGE_HEADER: return "page-header";
    case QUIRE_BAND_COLUMN_HEADER: return "column-header";
    case QUIRE_BAND_GROUP_HEADER: return "group-header";
    case QUIRE_BAND_DETAIL: return "detail";
    case QUIRE_BAND_GROUP_FOOTER: return "group-footer";
    case QUIRE_BAND_COLUMN_FOOTER: return "column-footer";
    case QUIRE_BAND_PAGE_FOOTER: return "page-footer";
    case QUIRE_BAND_LAST_PAGE_FOOTER: return "last-page-footer";
    case QUIRE_BAND_SUMMARY: return "summary";
    case QUIRE_BAND_BACKGROUND: return "background";
    case QUIRE_BAND_NO_DATA: return "no-data";
    }
    return "other";
}

/* 1 if the item's lines, joined with single spaces, read `s`. */
static int item_reads(const page_ctx *pc, const text_item *it, const char *s, size_t len)
{
    size_t at = 0;

    for (size_t i = 0; i < it->nlines; i++) {
        const quire_element *e = &pc->page->elements[it->lines[i]];
        if (i > 0) {
            if (at >= len || s[at] != ' ')
                return 0;
            at++;
        }
        if (len - at < e->u.text.len || memcmp(s + at, e->u.text.utf8, e->u.text.len) != 0)
            return 0;
        at += e->u.text.len;
    }
    return at == len;
}

/* ============================== Checking the page ========================= */

static int bad_element(page_ctx *pc, size_t idx, const char *what)
{
    pc->d->host->error_set(pc->err, QUIRE_E_INTERNAL, "page %u element %zu: %s",
                           (unsigned)pc->page->number, idx, what);
    return QUIRE_ERR;
}

/* What the markup writers rely on: indexes in range, pointers present,
 * numbers finite, paths with the points their verbs take. */
static int check_element(page_ctx *pc, size_t idx)
{
    const quire_element *e = &pc->page->elements[idx];
    const quire_document *doc = &pc->d->doc;
    char why[160];

    if (!isfinite(e->x) || !isfinite(e->y) || !isfinite(e->width) || !isfinite(e->height) ||
        !isfinite(e->line_width))
        return bad_element(pc, idx, "a coordinate is not a finite number");
    switch (e->kind) {
    case QUIRE_EL_TEXT:
        if (e->u.text.utf8 == NULL && e->u.text.len > 0)
            return bad_element(pc, idx, "text with a length but no bytes");
        if (e->u.text.font >= doc->nfonts) {
            snprintf(why, sizeof(why), "font %u is out of range (the document has %zu fonts)",
                     (unsigned)e->u.text.font, doc->nfonts);
            return bad_element(pc, idx, why);
        }
        if (!isfinite(e->u.text.size) || e->u.text.size <= 0 || !isfinite(e->u.text.baseline) ||
            !isfinite(e->u.text.word_spacing) || !isfinite(e->u.text.box_x) ||
            !isfinite(e->u.text.box_y) || !isfinite(e->u.text.box_width) ||
            !isfinite(e->u.text.box_height))
            return bad_element(pc, idx, "text size or box is not a finite positive number");
        break;
    case QUIRE_EL_MARK:
        if (e->u.mark.label == NULL && e->u.mark.len > 0)
            return bad_element(pc, idx, "mark with a label length but no bytes");
        break;
    case QUIRE_EL_IMAGE:
        if (e->u.image.image >= doc->nimages) {
            snprintf(why, sizeof(why), "image %u is out of range (the document has %zu images)",
                     (unsigned)e->u.image.image, doc->nimages);
            return bad_element(pc, idx, why);
        }
        break;
    case QUIRE_EL_PATH: {
        static const size_t takes[] = {0, 1, 1, 3, 0};
        size_t need = 0;
        if ((e->u.path.nverbs > 0 && e->u.path.verbs == NULL) ||
            (e->u.path.npoints > 0 && e->u.path.points == NULL))
            return bad_element(pc, idx, "path with counts but no arrays");
        for (size_t i = 0; i < e->u.path.nverbs; i++) {
            uint8_t v = e->u.path.verbs[i];
            if (v < QUIRE_PATH_MOVE || v > QUIRE_PATH_CLOSE)
                break; /* a verb from a later minor: draw what precedes it */
            need += takes[v];
        }
        if (need > e->u.path.npoints) {
            snprintf(why, sizeof(why), "path verbs take %zu points but it has %zu", need,
                     e->u.path.npoints);
            return bad_element(pc, idx, why);
        }
        for (size_t i = 0; i < 2 * e->u.path.npoints; i++)
            if (!isfinite(e->u.path.points[i]))
                return bad_element(pc, idx, "a path point is not a finite number");
        break;
    }
    }
    return QUIRE_OK;
}

/* A chart's box: its CHART element's, or when that is empty the union of
 * what it drew. */
static html_rect chart_box(const page_ctx *pc, const chart_ref *c)
{
    const quire_element *els = pc->page->elements;
    html_rect r = html_svg_extent(&els[c->start]);
    int have = 0;

    if (r.x1 - r.x0 > 0 && r.y1 - r.y0 > 0)
        return r;
    for (size_t i = c->start + 1; i < c->end; i++) {
        uint32_t kind = els[i].kind;
        if (kind == QUIRE_EL_TEXT || is_graphic(kind)) {
            html_rect x = html_svg_extent(&els[i]);
            r = have ? html_rect_union(r, x) : x;
            have = 1;
        }
    }
    return r;
}

/* Tracks CHART ... CHART_END and MARK ... MARK_END around element i: they
 * must balance and never nest (the html writers rely on it). Sets
 * pc->chart_of[i]. */
static int scan_chart(page_ctx *pc, size_t i, int32_t *open_chart, int *open_mark)
{
    const quire_element *e = &pc->page->elements[i];

    switch (e->kind) {
    case QUIRE_EL_CHART: {
        chart_ref *c;
        if (*open_chart >= 0)
            return bad_element(pc, i, "a chart inside a chart");
        c = &pc->charts[pc->ncharts];
        c->start = i;
        c->info = e->u.chart.info;
        c->number = pc->ncharts;
        *open_chart = (int32_t)pc->ncharts++;
        break;
    }
    case QUIRE_EL_CHART_END:
        if (*open_chart < 0)
            return bad_element(pc, i, "CHART_END without a CHART");
        if (*open_mark)
            return bad_element(pc, i, "CHART_END inside a mark");
        pc->charts[*open_chart].end = i;
        pc->charts[*open_chart].box = chart_box(pc, &pc->charts[*open_chart]);
        pc->chart_of[i] = *open_chart;
        *open_chart = -1;
        return QUIRE_OK;
    case QUIRE_EL_MARK:
        if (*open_chart < 0)
            return bad_element(pc, i, "a mark outside a chart");
        if (*open_mark)
            return bad_element(pc, i, "a mark inside a mark");
        *open_mark = 1;
        break;
    case QUIRE_EL_MARK_END:
        if (!*open_mark)
            return bad_element(pc, i, "MARK_END without a MARK");
        *open_mark = 0;
        break;
    }
    pc->chart_of[i] = *open_chart;
    return QUIRE_OK;
}

/* Checks every element and computes each one's effective clip (the
 * intersection of the CLIP_PUSH boxes around it) and its chart. */
static int scan_page(page_ctx *pc)
{
    const quire_page *page = pc->page;
    size_t *stack, depth = 0, nclips = 0;
    int32_t open_chart = -1;
    int open_mark = 0;

    pc->clip_of = html_alloc(pc, page->nelements, sizeof(*pc->clip_of));
    pc->clips = html_alloc(pc, page->nelements, sizeof(*pc->clips));
    pc->chart_of = html_alloc(pc, page->nelements, sizeof(*pc->chart_of));
    pc->charts = html_alloc(pc, page->nelements, sizeof(*pc->charts));
    stack = html_alloc(pc, page->nelements, sizeof(*stack));
    if (pc->clip_of == NULL || pc->clips == NULL || pc->chart_of == NULL || pc->charts == NULL ||
        stack == NULL)
        return html_nomem(pc);
    for (size_t i = 0; i < page->nelements; i++) {
        const quire_element *e = &page->elements[i];
        if (check_element(pc, i) != QUIRE_OK ||
            scan_chart(pc, i, &open_chart, &open_mark) != QUIRE_OK)
            return QUIRE_ERR;
        pc->clip_of[i] = depth > 0 ? (int32_t)stack[depth - 1] : -1;
        if (e->kind == QUIRE_EL_CLIP_PUSH) {
            html_rect r = html_svg_extent(e);
            if (depth > 0)
                r = html_rect_intersect(r, pc->clips[stack[depth - 1]]);
            pc->clips[nclips] = r;
            stack[depth++] = nclips++;
        } else if (e->kind == QUIRE_EL_CLIP_POP && depth > 0) {
            depth--; /* an unmatched pop is ignored: nothing to undo */
        }
    }
    if (open_chart >= 0)
        return bad_element(pc, pc->charts[open_chart].start, "a chart that never ends");
    for (size_t i = 0; i < page->nanchors; i++)
        if (page->anchors[i].utf8 == NULL && page->anchors[i].len > 0) {
            pc->d->host->error_set(pc->err, QUIRE_E_INTERNAL,
                                   "page %u anchor %zu: a length but no bytes",
                                   (unsigned)page->number, i);
            return QUIRE_ERR;
        }
    return QUIRE_OK;
}

/* ============================== Blocks ==================================== */

typedef struct inst_ref {
    uint32_t instance;
    size_t index;
} inst_ref;

static int cmp_inst_ref(const void *a, const void *b)
{
    const inst_ref *x = a, *y = b;

    if (x->instance != y->instance)
        return x->instance < y->instance ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

typedef struct line_ref {
    uint32_t item, line;
    size_t index;
} line_ref;

static int cmp_line_ref(const void *a, const void *b)
{
    const line_ref *x = a, *y = b;

    if (x->item != y->item)
        return x->item < y->item ? -1 : 1;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

static int cmp_item_pos(const void *a, const void *b)
{
    const text_item *x = a, *y = b;

    if (fabs(x->box.y0 - y->box.y0) > 0.01)
        return x->box.y0 < y->box.y0 ? -1 : 1;
    return (x->box.x0 > y->box.x0) - (x->box.x0 < y->box.x0);
}

/* Charts by top, then painting order (qsort is not stable). */
static int cmp_chart_top(const void *a, const void *b)
{
    const chart_ref *x = *(const chart_ref *const *)a, *y = *(const chart_ref *const *)b;

    if (fabs(x->box.y0 - y->box.y0) > 0.01)
        return x->box.y0 < y->box.y0 ? -1 : 1;
    return (x->start > y->start) - (x->start < y->start);
}

static int cmp_block(const void *a, const void *b)
{
    const block *x = a, *y = b;

    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    return (x->first > y->first) - (x->first < y->first);
}

static int rank_of(uint32_t band)
{
    switch (band) {
    case QUIRE_BAND_BACKGROUND: return RANK_BACKGROUND;
    case QUIRE_BAND_PAGE_HEADER: return RANK_HEADER;
    case QUIRE_BAND_COLUMN_FOOTER:
    case QUIRE_BAND_PAGE_FOOTER:
    case QUIRE_BAND_LAST_PAGE_FOOTER: return RANK_FOOTER;
    }
    return RANK_BODY;
}

/* Groups a block's text elements into items (one per band element). */
static int build_items(page_ctx *pc, block *b, const inst_ref *refs, size_t n)
{
    const quire_element *els = pc->page->elements;
    line_ref *lines = html_alloc(pc, n, sizeof(*lines));
    size_t *order = html_alloc(pc, n, sizeof(*order));
    size_t nlines = 0;

    if (lines == NULL || order == NULL)
        return html_nomem(pc);
    for (size_t i = 0; i < n; i++) {
        const quire_element *e = &els[refs[i].index];
        /* Alpha 0 draws nothing, and an empty line holds nothing to read. */
        if (e->kind != QUIRE_EL_TEXT || e->fill.a == 0 || e->u.text.len == 0 ||
            pc->chart_of[refs[i].index] >= 0)
            continue;
        lines[nlines++] = (line_ref){e->item, e->u.text.line, refs[i].index};
    }
    qsort(lines, nlines, sizeof(*lines), cmp_line_ref);
    b->items = html_alloc(pc, nlines, sizeof(*b->items));
    b->texts = order;
    if (b->items == NULL)
        return html_nomem(pc);
    for (size_t i = 0; i < nlines; i++) {
        const quire_element *e = &els[lines[i].index];
        html_rect ink = {e->x, e->y, e->x + e->width, e->y + e->height};
        text_item *it;
        order[i] = lines[i].index;
        if (i == 0 || lines[i].item != lines[i - 1].item) {
            it = &b->items[b->nitems++];
            it->first = e;
            it->lines = &order[i];
            it->clip = pc->clip_of[lines[i].index];
            it->ink = ink;
        } else {
            it = &b->items[b->nitems - 1];
            it->ink = html_rect_union(it->ink, ink);
        }
        it->nlines++;
    }
    b->ntexts = nlines;
    for (size_t i = 0; i < b->nitems; i++) {
        text_item *it = &b->items[i];
        const quire_element *e = it->first;
        if (e->u.text.box_width > 0 && e->u.text.box_height > 0) {
            it->box.x0 = e->u.text.box_x;
            it->box.y0 = e->u.text.box_y;
            it->box.x1 = e->u.text.box_x + e->u.text.box_width;
            it->box.y1 = e->u.text.box_y + e->u.text.box_height;
        } else {
            it->box = it->ink;
        }
    }
    qsort(b->items, b->nitems, sizeof(*b->items), cmp_item_pos);
    return QUIRE_OK;
}

/* Splits the page into blocks, one per band instance, in writing order. */
static int build_blocks(page_ctx *pc)
{
    const quire_page *page = pc->page;
    size_t n = page->nelements;
    inst_ref *refs = html_alloc(pc, n, sizeof(*refs));

    pc->blocks = html_alloc(pc, n, sizeof(*pc->blocks));
    if (refs == NULL || pc->blocks == NULL)
        return html_nomem(pc);
    for (size_t i = 0; i < n; i++)
        refs[i] = (inst_ref){page->elements[i].instance, i};
    qsort(refs, n, sizeof(*refs), cmp_inst_ref);
    for (size_t start = 0, end; start < n; start = end) {
        const quire_element *e = &page->elements[refs[start].index];
        block *b = &pc->blocks[pc->nblocks];
        end = start + 1;
        while (end < n && refs[end].instance == refs[start].instance)
            end++;
        b->instance = e->instance;
        b->band = e->band;
        b->level = e->group_level;
        b->first = refs[start].index;
        b->rank = rank_of(e->band);
        b->art = html_alloc(pc, end - start, sizeof(*b->art));
        b->charts = html_alloc(pc, end - start, sizeof(*b->charts));
        if (b->art == NULL || b->charts == NULL)
            return html_nomem(pc);
        /* refs are in index order within an instance: painting order. A
         * chart's elements are the chart's, whatever band they name. */
        for (size_t i = start; i < end; i++) {
            size_t idx = refs[i].index;
            if (page->elements[idx].kind == QUIRE_EL_CHART)
                b->charts[b->ncharts++] = &pc->charts[pc->chart_of[idx]];
            else if (is_graphic(page->elements[idx].kind) && pc->chart_of[idx] < 0)
                b->art[b->nart++] = idx;
        }
        qsort(b->charts, b->ncharts, sizeof(*b->charts), cmp_chart_top);
        if (build_items(pc, b, refs + start, end - start) != QUIRE_OK)
            return QUIRE_ERR;
        if (b->nitems > 0 || b->nart > 0 || b->ncharts > 0)
            pc->nblocks++;
    }
    qsort(pc->blocks, pc->nblocks, sizeof(*pc->blocks), cmp_block);
    return QUIRE_OK;
}

/* ============================== Groups ==================================== */

/* Reopens, as "continued", the groups open in the document but not yet on
 * this page (a group that started on an earlier page). */
static void ensure_open(page_ctx *pc)
{
    for (; pc->nopen < pc->d->ngroups; pc->nopen++) {
        const html_group *g = &pc->d->groups[pc->nopen];
        html_out_fmt(pc->out, "<section class=\"group level-%u continued\" aria-label=\"",
                     (unsigned)g->level);
        html_out_text(pc->out, g->heading, strlen(g->heading));
        html_out_puts(pc->out, "\">\n");
    }
}

/* Closes this page's group sections down to `keep` (the groups stay open
 * in the document). */
static void close_sections(page_ctx *pc, size_t keep)
{
    for (; pc->nopen > keep; pc->nopen--)
        html_out_puts(pc->out, "</section>\n");
}

/* Ends the groups at `level` and deeper. */
static void pop_groups(page_ctx *pc, uint32_t level)
{
    html_doc *d = pc->d;

    while (d->ngroups > 0 && d->groups[d->ngroups - 1].level >= level) {
        d->ngroups--;
        if (pc->nopen > d->ngroups)
            close_sections(pc, d->ngroups);
        d->host->free(d->groups[d->ngroups].heading);
    }
}

void html_groups_free(html_doc *d)
{
    for (size_t i = 0; i < d->ngroups; i++)
        d->host->free(d->groups[i].heading);
    d->ngroups = 0;
}

static const quire_anchor *anchor_of(const page_ctx *pc, uint32_t instance)
{
    for (size_t i = 0; i < pc->page->nanchors; i++)
        if (pc->page->anchors[i].instance == instance)
            return &pc->page->anchors[i];
    return NULL;
}

/* The heading's text, NUL-terminated, in the host allocator: the anchor's
 * text, else the first row's items joined with spaces. Marks the items it
 * took as used; *style is the item whose style the heading wears. */
static char *heading_text(page_ctx *pc, block *b, const text_item **style)
{
    const quire_host *host = pc->d->host;
    const quire_anchor *a = anchor_of(pc, b->instance);
    size_t len = 0, row_end = 0;
    char *s;

    *style = b->nitems > 0 ? &b->items[0] : NULL;
    if (a != NULL) {
        for (size_t i = 0; i < b->nitems; i++)
            if (item_reads(pc, &b->items[i], a->utf8, a->len)) {
                b->items[i].used = 1;
                *style = &b->items[i];
                break;
            }
        s = host->malloc(a->len + 1);
        if (s != NULL) {
            memcpy(s, a->len ? a->utf8 : "", a->len);
            s[a->len] = '\0';
        }
        return s;
    }
    /* The first visual row; items are sorted by top. */
    while (row_end < b->nitems && b->items[row_end].box.y0 < b->items[0].box.y1 - EPS)
        row_end++;
    for (size_t i = 0; i < row_end; i++)
        for (size_t k = 0; k < b->items[i].nlines; k++)
            len += pc->page->elements[b->items[i].lines[k]].u.text.len + 1;
    s = host->malloc(len + 1);
    if (s == NULL)
        return NULL;
    len = 0;
    for (size_t i = 0; i < row_end; i++) {
        b->items[i].used = 1;
        for (size_t k = 0; k < b->items[i].nlines; k++) {
            const quire_element *e = &pc->page->elements[b->items[i].lines[k]];
            if (len > 0)
                s[len++] = ' ';
            memcpy(s + len, e->u.text.utf8, e->u.text.len);
            len += e->u.text.len;
        }
    }
    s[len] = '\0';
    return s;
}

static int write_group_header(page_ctx *pc, block *b)
{
    html_doc *d = pc->d;
    uint32_t level = b->level > 0 ? b->level : 1;
    const text_item *style = NULL;
    art_plan plan;
    html_group *g;
    unsigned hn = level + 1 > 6 ? 6 : level + 1;
    char *heading;

    for (size_t i = 0; i < d->ngroups; i++)
        if (d->groups[i].instance == b->instance && d->groups[i].level == level) {
            /* The rest of a header split over two pages. */
            ensure_open(pc);
            return html_write_band(pc, b, "div", "group-head");
        }
    pop_groups(pc, level);
    ensure_open(pc);
    if (d->ngroups == HTML_MAX_GROUP_DEPTH)
        return html_write_band(pc, b, "div", "band group-header");
    if (html_plan_art(pc, b, 0, &plan) != QUIRE_OK)
        return QUIRE_ERR;
    heading = heading_text(pc, b, &style);
    if (heading == NULL)
        return html_nomem(pc);
    g = &d->groups[d->ngroups++];
    g->level = level;
    g->instance = b->instance;
    g->heading = heading;
    pc->nopen = d->ngroups;
    html_out_fmt(pc->out,
                 "<section class=\"group level-%u\" id=\"g%u\">\n<header class=\"group-head\"",
                 (unsigned)level, (unsigned)b->instance);
    if (plan.background != NULL) {
        html_out_puts(pc->out, " style=\"padding:2pt 4pt;");
        html_box_style(pc, plan.background);
        html_out_puts(pc->out, "\"");
    }
    html_out_puts(pc->out, ">\n");
    /* A header with no text and no anchor has nothing to title it with;
     * an empty heading would only confuse a screen reader's outline. */
    if (heading[0] != '\0') {
        html_out_fmt(pc->out, "<h%u", hn);
        if (style != NULL)
            html_text_attrs(pc, style, NULL, 1, NULL);
        html_out_puts(pc->out, ">");
        html_out_text(pc->out, heading, strlen(heading));
        html_out_fmt(pc->out, "</h%u>\n", hn);
    }
    if (html_write_body(pc, b, &plan, NULL, NULL) != QUIRE_OK)
        return QUIRE_ERR;
    html_out_puts(pc->out, "</header>\n");
    return QUIRE_OK;
}

/* ============================== The page ================================== */

/* The column header that heads the details after block `i`: the page's
 * last one before them. */
static block *header_before(const page_ctx *pc, size_t i)
{
    while (i-- > 0)
        if (pc->blocks[i].band == QUIRE_BAND_COLUMN_HEADER)
            return pc->blocks[i].ncharts == 0 ? &pc->blocks[i] : NULL;
    return NULL;
}

/* 1 if a detail follows block `i` before another column header. */
static int details_follow(const page_ctx *pc, size_t i)
{
    for (size_t k = i + 1; k < pc->nblocks; k++) {
        if (pc->blocks[k].band == QUIRE_BAND_DETAIL)
            return 1;
        if (pc->blocks[k].band == QUIRE_BAND_COLUMN_HEADER)
            return 0;
    }
    return 0;
}

/* The background layer: every background block as one full-page SVG with
 * its text, behind the card's content. */
static void write_background(page_ctx *pc)
{
    size_t n = 0, *els;
    html_rect view = {0, 0, pc->page->width, pc->page->height};

    for (size_t i = 0; i < pc->nblocks; i++)
        if (pc->blocks[i].rank == RANK_BACKGROUND) {
            n += pc->blocks[i].nart + pc->blocks[i].ntexts;
            for (size_t k = 0; k < pc->blocks[i].ncharts; k++)
                n += pc->blocks[i].charts[k]->end - pc->blocks[i].charts[k]->start;
        }
    if (n == 0 || view.x1 <= 0 || view.y1 <= 0)
        return;
    els = html_alloc(pc, n, sizeof(*els));
    if (els == NULL)
        return; /* a lost watermark is not worth failing the page for */
    n = 0;
    for (size_t i = 0; i < pc->nblocks; i++) {
        const block *b = &pc->blocks[i];
        if (b->rank != RANK_BACKGROUND)
            continue;
        memcpy(els + n, b->art, b->nart * sizeof(*els));
        n += b->nart;
        memcpy(els + n, b->texts, b->ntexts * sizeof(*els));
        n += b->ntexts;
        /* A chart behind the page is a picture: drawn, not interactive. */
        for (size_t k = 0; k < b->ncharts; k++)
            for (size_t e = b->charts[k]->start + 1; e < b->charts[k]->end; e++)
                els[n++] = e;
    }
    html_out_puts(pc->out, "<div class=\"background\" aria-hidden=\"true\">");
    html_svg_write(&pc->sp, els, n, view, 1, "layer");
    html_out_puts(pc->out, "</div>\n");
}

/* The page's left margin and top, from where its content starts. */
static void write_page_open(page_ctx *pc)
{
    const quire_page *page = pc->page;
    double left = page->width, top = page->height;
    double limit = page->width / 4 < 72 ? page->width / 4 : 72;

    for (size_t i = 0; i < page->nelements; i++) {
        const quire_element *e = &page->elements[i];
        html_rect r;
        if (e->band == QUIRE_BAND_BACKGROUND || !(e->kind == QUIRE_EL_TEXT || is_graphic(e->kind)))
            continue;
        r = html_svg_extent(e);
        left = r.x0 < left ? r.x0 : left;
        top = r.y0 < top ? r.y0 : top;
    }
    left = left < 0 ? 0 : left > limit ? limit : left;
    top = top < 0 ? 0 : top > limit ? limit : top;
    pc->left = left;
    html_out_fmt(pc->out,
                 "<section class=\"page\" data-page=\"%u\" aria-label=\"Page %u\" style=\"",
                 (unsigned)page->number, (unsigned)page->number);
    html_out_puts(pc->out, "--pad:");
    html_out_num(pc->out, left);
    html_out_puts(pc->out, "pt;--top:");
    html_out_num(pc->out, top);
    html_out_puts(pc->out, "pt");
    if (fabs(page->width - pc->d->doc.page_width) > 0.5 && page->width > 0) {
        html_out_puts(pc->out, ";max-width:");
        html_out_num(pc->out, page->width);
        html_out_puts(pc->out, "pt");
    }
    html_out_puts(pc->out, "\">\n");
}

/* A run of details from block i as one table, headed by the page's last
 * column header before them and footed by the group footer right after
 * them when it fits; *next is the index after what it took. */
static int write_details(page_ctx *pc, size_t i, size_t *next)
{
    size_t end = i;
    block *footer = NULL;
    int took = 0;

    while (end < pc->nblocks && pc->blocks[end].band == QUIRE_BAND_DETAIL &&
           pc->blocks[end].ncharts == 0)
        end++;
    if (end < pc->nblocks && pc->blocks[end].band == QUIRE_BAND_GROUP_FOOTER &&
        pc->blocks[end].ncharts == 0)
        footer = &pc->blocks[end];
    if (html_table_write(pc, header_before(pc, i), &pc->blocks[i], end - i, footer, &took) !=
        QUIRE_OK)
        return QUIRE_ERR;
    if (took) {
        pop_groups(pc, footer->level > 0 ? footer->level : 1);
        end++;
    }
    *next = end;
    return QUIRE_OK;
}

static int write_block(page_ctx *pc, size_t i, size_t *next)
{
    block *b = &pc->blocks[i];

    *next = i + 1;
    /* Groups end at their footer, but a report may have no footer band:
     * then a detail of a shallower nesting, or the summary, ends them. A
     * group header ends its level itself (it may also continue one). */
    if (b->band == QUIRE_BAND_DETAIL)
        pop_groups(pc, b->level + 1);
    else if (b->band == QUIRE_BAND_TITLE || b->band == QUIRE_BAND_SUMMARY ||
             b->band == QUIRE_BAND_NO_DATA)
        pop_groups(pc, 1);
    if (b->rank == RANK_FOOTER)
        close_sections(pc, 0);
    else if (b->rank == RANK_BODY && b->band != QUIRE_BAND_GROUP_HEADER)
        ensure_open(pc);
    switch (b->band) {
    case QUIRE_BAND_BACKGROUND: return QUIRE_OK; /* written as the layer */
    case QUIRE_BAND_DETAIL:
        /* A chart is a figure of its own, never a table cell: a detail
         * holding one ends the table and stands alone. */
        if (b->ncharts > 0)
            return html_write_band(pc, b, "div", "band detail");
        return write_details(pc, i, next);
    case QUIRE_BAND_COLUMN_HEADER:
        if (b->ncharts == 0 && details_follow(pc, i))
            return QUIRE_OK; /* it heads the tables that follow */
        return html_write_band(pc, b, "div", "band column-header");
    case QUIRE_BAND_GROUP_HEADER: return write_group_header(pc, b);
    case QUIRE_BAND_GROUP_FOOTER:
        if (html_write_band(pc, b, "footer", "group-footer") != QUIRE_OK)
            return QUIRE_ERR;
        pop_groups(pc, b->level > 0 ? b->level : 1);
        return QUIRE_OK;
    case QUIRE_BAND_TITLE: return html_write_band(pc, b, "header", "title");
    case QUIRE_BAND_PAGE_HEADER: return html_write_band(pc, b, "header", "page-furniture");
    case QUIRE_BAND_COLUMN_FOOTER:
    case QUIRE_BAND_PAGE_FOOTER:
    case QUIRE_BAND_LAST_PAGE_FOOTER: return html_write_band(pc, b, "footer", "page-furniture");
    case QUIRE_BAND_SUMMARY: return html_write_band(pc, b, "section", "summary");
    }
    {
        char classes[64];
        snprintf(classes, sizeof(classes), "band %s", band_class(b->band));
        return html_write_band(pc, b, "div", classes);
    }
}

int html_page_write(html_doc *d, const quire_page *page, quire_error *err)
{
    size_t min = offsetof(quire_page, anchors) + sizeof(page->anchors);
    page_ctx pc;

    if (page == NULL || page->size < min) {
        d->host->error_set(err, QUIRE_E_ABI, "page size %u, at least %zu required",
                           page ? (unsigned)page->size : 0u, min);
        return QUIRE_ERR;
    }
    if ((page->nelements > 0 && page->elements == NULL) ||
        (page->nanchors > 0 && page->anchors == NULL)) {
        d->host->error_set(err, QUIRE_E_INTERNAL, "page %u: counts without arrays",
                           (unsigned)page->number);
        return QUIRE_ERR;
    }
    memset(&pc, 0, sizeof(pc));
    pc.d = d;
    pc.page = page;
    pc.out = d->out;
    pc.err = err;
    pc.rtl = d->doc.rtl != 0;
    d->host->arena_reset(d->arena);
    if (scan_page(&pc) != QUIRE_OK || build_blocks(&pc) != QUIRE_OK)
        return QUIRE_ERR;
    pc.sp = (html_svg_page){d, page, pc.clip_of, pc.clips};
    write_page_open(&pc);
    write_background(&pc);
    for (size_t i = 0, next; i < pc.nblocks; i = next)
        if (write_block(&pc, i, &next) != QUIRE_OK)
            return QUIRE_ERR;
    close_sections(&pc, 0);
    html_out_puts(d->out, "</section>\n");
    return support_out_error(d->out, err);
}
