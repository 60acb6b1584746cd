/*
 * fill_layout.c - lays out one band instance: resolves each element's
 * style, measures and breaks its text with the report's fonts (font.h),
 * stretches text elements that need more room and moves the elements below
 * them down (JasperReports' "stretch with overflow" and "float"), and
 * writes the print-model elements relative to the band's top.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fill_int.h"

/* ============================== Element buffers =========================== */

int elbuf_reserve(el_buf *b, size_t n)
{
    if (n > b->cap - b->nels) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        quire_element *grown;
        if (n > SIZE_MAX / sizeof(*grown) - b->nels)
            return -1;
        while (cap < b->nels + n)
            cap *= 2;
        grown = realloc(b->els, cap * sizeof(*grown));
        if (grown == NULL)
            return -1;
        b->els = grown;
        b->cap = cap;
    }
    return 0;
}

int elbuf_push(el_buf *b, const quire_element *e)
{
    if (b->nels == b->cap && elbuf_reserve(b, 1) != 0)
        return -1;
    if (e->kind == QUIRE_EL_TEXT && e->u.text.len > 0) /* not a placeholder's */
        b->unchecked_text = 1;
    b->els[b->nels++] = *e;
    return 0;
}

quire_element *elbuf_add(el_buf *b)
{
    quire_element *e;
    if (b->nels == b->cap && elbuf_reserve(b, 1) != 0)
        return NULL;
    e = &b->els[b->nels++];
    memset(e, 0, sizeof(*e));
    return e;
}

size_t elbuf_bytes(el_buf *b, const void *p, size_t n)
{
    size_t off = (b->blob_len + 7) & ~(size_t)7;
    if (off + n > b->blob_cap) {
        size_t cap = b->blob_cap ? b->blob_cap * 2 : 4096;
        char *grown;
        while (cap < off + n)
            cap *= 2;
        grown = realloc(b->blob, cap);
        if (grown == NULL)
            return (size_t)-1;
        b->blob = grown;
        b->blob_cap = cap;
    }
    if (n > 0)
        memcpy(b->blob + off, p, n);
    b->blob_len = off + n;
    return off;
}

int elbuf_push_ph(el_buf *b, const fill_ph *ph)
{
    if (b->nph == b->ph_cap) {
        size_t cap = b->ph_cap ? b->ph_cap * 2 : 8;
        fill_ph *grown = realloc(b->phs, cap * sizeof(*grown));
        if (grown == NULL)
            return -1;
        b->phs = grown;
        b->ph_cap = cap;
    }
    b->phs[b->nph++] = *ph;
    return 0;
}

void elbuf_clear(el_buf *b)
{
    b->nels = 0;
    b->blob_len = 0;
    b->nph = 0;
    b->unchecked_text = 0;
}

void elbuf_free(el_buf *b)
{
    free(b->els);
    free(b->blob);
    free(b->phs);
    memset(b, 0, sizeof(*b));
}

size_t elbuf_memory(const el_buf *b)
{
    return b->cap * sizeof(quire_element) + b->blob_cap + b->ph_cap * sizeof(fill_ph);
}

/* ============================== Styles ==================================== */

static quire_color color_of(report_color c)
{
    return (quire_color){c.r, c.g, c.b, c.a};
}

/* Applies the properties `pr` sets on top of *st (bold/italic/font pick the
 * face at the end, from *family and *style). */
static void apply_props(const report_style_props *pr, text_style *st, const char **family,
                        uint32_t *style)
{
    if (pr->set & STYLE_FONT)
        *family = pr->font;
    if (pr->set & STYLE_SIZE)
        st->size = pr->size;
    if (pr->set & STYLE_BOLD)
        *style = pr->bold ? (*style | QUIRE_FONT_BOLD) : (*style & ~QUIRE_FONT_BOLD);
    if (pr->set & STYLE_ITALIC)
        *style = pr->italic ? (*style | QUIRE_FONT_ITALIC) : (*style & ~QUIRE_FONT_ITALIC);
    if (pr->set & STYLE_UNDERLINE)
        st->underline = pr->underline;
    if (pr->set & STYLE_COLOR)
        st->color = color_of(pr->color);
    if (pr->set & STYLE_BACKGROUND)
        st->background = color_of(pr->background);
    if (pr->set & STYLE_BORDER_COLOR)
        st->border_color = color_of(pr->border_color);
    if (pr->set & STYLE_ALIGN)
        st->align = pr->align;
    if (pr->set & STYLE_VALIGN)
        st->valign = pr->valign;
    if (pr->set & STYLE_BORDER)
        st->border = pr->border;
    if (pr->set & STYLE_PADDING)
        st->padding = pr->padding;
    if (pr->set & STYLE_LINE_SPACING)
        st->line_spacing = pr->line_spacing;
}

static void apply_chain(const report *rep, int s, text_style *st, const char **family,
                        uint32_t *style)
{
    if (s < 0)
        return;
    apply_chain(rep, rep->styles[s].parent, st, family, style);
    apply_props(&rep->styles[s].props, st, family, style);
}

/* The element's style with the conditions in `conds` applied. */
static void resolve_style(const layout_ctx *lc, const plan_value *pv, uint32_t conds,
                          text_style *st)
{
    const report *rep = lc->p->rep;
    const char *family = NULL;
    uint32_t style = 0;
    int s = pv->el->style;
    memset(st, 0, sizeof(*st));
    st->size = 10;
    st->color = (quire_color){0, 0, 0, 255};
    st->border_color = (quire_color){0, 0, 0, 255};
    st->line_spacing = 1.0;
    if (s < 0)
        for (size_t i = 0; i < rep->nstyles && s < 0; i++)
            if (rep->styles[i].is_default)
                s = (int)i;
    apply_chain(rep, s, st, &family, &style);
    apply_props(&pv->el->props, st, &family, &style);
    for (uint32_t k = 0; k < pv->nconds && k < 32; k++)
        if (conds & (1u << k))
            apply_props(&pv->conds[k]->props, st, &family, &style);
    st->font = fill_font_find(lc->res, family, style);
}

int layout_init(layout_ctx *lc, const plan *p, const fill_resources *res)
{
    size_t total = 0, longest = 0;
    memset(lc, 0, sizeof(*lc));
    lc->p = p;
    lc->res = res;
    memcpy(lc->ellipsis, "\xe2\x80\xa6", 4);
    lc->base_off = calloc(p->nbands + 1, sizeof(*lc->base_off));
    if (lc->base_off == NULL)
        return -1;
    for (size_t i = 0; i < p->nbands; i++) {
        lc->base_off[i] = total;
        total += p->bands[i].nvalues;
        if (p->bands[i].nvalues > longest)
            longest = p->bands[i].nvalues;
    }
    lc->base = calloc(total + 1, sizeof(*lc->base));
    lc->fonts = calloc(res->nfonts + 1, sizeof(*lc->fonts));
    lc->grow = calloc(longest + 1, sizeof(*lc->grow));
    lc->parent = calloc(longest + 1, sizeof(*lc->parent));
    if (lc->base == NULL || lc->fonts == NULL || lc->grow == NULL || lc->parent == NULL)
        return -1;
    for (size_t i = 0; i < res->nfonts; i++) {
        lc->fonts[i].line_height = font_line_height(res->faces[i]);
        lc->fonts[i].ascent = font_ascent(res->faces[i]);
        lc->fonts[i].descent = font_descent(res->faces[i]);
    }
    for (size_t i = 0; i < p->nbands; i++)
        for (size_t j = 0; j < p->bands[i].nvalues; j++)
            resolve_style(lc, &p->bands[i].values[j], 0, &lc->base[lc->base_off[i] + j]);
    return 0;
}

void layout_free(layout_ctx *lc)
{
    free(lc->base);
    free(lc->base_off);
    free(lc->fonts);
    free(lc->grow);
    free(lc->parent);
}

/* ============================== Text ====================================== */

typedef struct text_box {
    double x, y, w, h; /* the element's box */
    uint16_t band, level;
    uint32_t instance, item, flags;
    const char *name;
} text_box;

static double line_height(const layout_ctx *lc, const text_style *st)
{
    return lc->fonts[st->font].line_height * st->size * st->line_spacing;
}

static int push_rect(el_buf *b, const text_box *tb, quire_color fill, quire_color stroke,
                     double width)
{
    quire_element e;
    memset(&e, 0, sizeof(e));
    e.kind = QUIRE_EL_RECT;
    e.band = tb->band;
    e.group_level = tb->level;
    e.instance = tb->instance;
    e.item = tb->item;
    e.x = tb->x;
    e.y = tb->y;
    e.width = tb->w;
    e.height = tb->h;
    e.fill = fill;
    e.stroke = stroke;
    e.line_width = width;
    return elbuf_push(b, &e);
}

/* One line of text as an element; `slot` >= 0 overwrites that element. */
static int push_line(const layout_ctx *lc, el_buf *b, const text_box *tb, const text_style *st,
                     const char *s, size_t len, double width, double top, uint32_t line,
                     double word_spacing, long slot)
{
    const layout_font *fm = &lc->fonts[st->font];
    double inner_x = tb->x + st->padding, inner_w = tb->w - 2 * st->padding;
    double ex, baseline;
    quire_element *e;
    size_t off = elbuf_bytes(b, s, len);
    if (off == (size_t)-1)
        return -1;
    /* Built where it goes: elements are big and every line makes one. */
    if (slot >= 0) {
        e = &b->els[slot];
        memset(e, 0, sizeof(*e));
    } else if ((e = elbuf_add(b)) == NULL) {
        return -1;
    }
    e->kind = QUIRE_EL_TEXT;
    b->unchecked_text = 1;
    e->band = tb->band;
    e->group_level = tb->level;
    e->instance = tb->instance;
    e->item = tb->item;
    ex = inner_x;
    if (st->align == QUIRE_ALIGN_RIGHT)
        ex = inner_x + inner_w - width;
    else if (st->align == QUIRE_ALIGN_CENTER)
        ex = inner_x + (inner_w - width) / 2;
    e->x = ex;
    e->y = top;
    e->width = width;
    e->height = line_height(lc, st);
    e->fill = st->color;
    e->u.text.utf8 = (const char *)(uintptr_t)off;
    e->u.text.len = len;
    e->u.text.font = (uint32_t)st->font;
    e->u.text.size = st->size;
    /* Half the extra leading above the line, as CSS does. */
    baseline =
        top + (e->height - (fm->ascent + fm->descent) * st->size) / 2 + fm->ascent * st->size;
    e->u.text.baseline = baseline;
    e->u.text.word_spacing = word_spacing;
    e->u.text.align = (uint32_t)st->align;
    e->u.text.line = line;
    e->u.text.flags = tb->flags;
    e->u.text.name = tb->name;
    e->u.text.box_x = tb->x;
    e->u.text.box_y = tb->y;
    e->u.text.box_width = tb->w;
    e->u.text.box_height = tb->h;
    if (st->underline && width > 0) {
        quire_element *u = elbuf_add(b); /* e may have moved: use the copies */
        if (u == NULL)
            return -1;
        u->kind = QUIRE_EL_LINE;
        u->band = tb->band;
        u->group_level = tb->level;
        u->instance = tb->instance;
        u->item = tb->item;
        u->x = ex;
        u->y = baseline + st->size * 0.12;
        u->width = width;
        u->stroke = st->color;
        u->line_width = st->size * 0.06;
    }
    return 0;
}

static size_t count_spaces(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += s[i] == ' ';
    return n;
}

/* Breaks the text into *lines (growing it past the caller's stack array
 * when needed); *n gets the count. */
static int break_all(const font_face *face, const char *s, size_t len, double size, double width,
                     int general, font_line **lines, size_t *cap, font_line *stack, size_t *n)
{
    /* Most cells are one short ASCII line: no break search for them. */
    if (!general && font_fit_ascii_line(face, s, len, size, width, *lines)) {
        *n = 1;
        return 0;
    }
    *n = font_break_lines(face, s, len, size, width, *lines, *cap);
    if (*n <= *cap)
        return 0;
    if (*lines != stack)
        free(*lines);
    *lines = malloc(*n * sizeof(**lines));
    if (*lines == NULL) {
        *lines = stack;
        return -1;
    }
    *cap = *n;
    font_break_lines(face, s, len, size, width, *lines, *cap);
    return 0;
}

/*
 * layout_text() for the common cell, one short ASCII line that fits its box
 * as it is: no line breaking, no stretching, clipping or shrinking to work
 * out. Returns 1 when it laid the text out (the same elements layout_text()
 * writes; *need = the box's height), 0 when layout_text() must, -1 when out
 * of memory.
 */
static int layout_one_line(const layout_ctx *lc, el_buf *b, const text_box *tb,
                           const text_style *st, const char *s, size_t len, double *need)
{
    double inner_w = tb->w - 2 * st->padding, lh, room, top;
    font_line line;
    int unchecked = b->unchecked_text;

    if (inner_w < 0)
        inner_w = 0;
    if (!font_fit_ascii_line(lc->res->faces[st->font], s, len, st->size, inner_w, &line))
        return 0;
    lh = line_height(lc, st);
    /* Taller than the box: layout_text() stretches, clips or shrinks. */
    if (!(lh + 2 * st->padding <= tb->h) || !isfinite(lh))
        return 0;
    *need = tb->h;
    if ((st->background.a > 0 || st->border > 0) &&
        push_rect(b, tb, st->background, st->border > 0 ? st->border_color : (quire_color){0},
                  st->border) != 0)
        return -1;
    top = tb->y + st->padding;
    room = tb->h - 2 * st->padding;
    if (st->valign == 1 && lh < room)
        top += (room - lh) / 2;
    else if (st->valign == 2 && lh < room)
        top += room - lh;
    /* A single line ends the text (hard): justify adds no spacing to it. */
    if (push_line(lc, b, tb, st, s + line.start, line.len, line.width, top, 0, 0, -1) != 0)
        return -1;
    /* font_fit_ascii_line() took only printable ASCII: with a font that has
     * all of it, there is nothing for check_glyphs() to find. */
    if (lc->res->ascii_complete != NULL && lc->res->ascii_complete[st->font])
        b->unchecked_text = unchecked;
    return 1;
}

/*
 * Lays out text in the box. `stretch`: the box may grow (returns the height
 * it needs in *need); else lines past the box follow `overflow`. Writes the
 * background/border first unless `bare`. `slot` >= 0: the first line goes
 * there (placeholders).
 */
static int layout_text(const layout_ctx *lc, el_buf *b, text_box tb, const text_style *st_in,
                       const char *s, size_t len, int overflow, int stretch, double *need,
                       long slot)
{
    font_line stack_lines[8], *lines = stack_lines;
    size_t cap = 8;
    text_style st = *st_in;
    const font_face *face;
    double inner_w, lh, content_h, top;
    size_t n, shown;
    int clipped = 0, rc = -1;

    face = lc->res->faces[st.font];
    inner_w = tb.w - 2 * st.padding;
    if (inner_w < 0)
        inner_w = 0;
    if (break_all(face, s, len, st.size, inner_w, lc->general_only, &lines, &cap, stack_lines,
                  &n) != 0)
        return -1;
    lh = line_height(lc, &st);
    content_h = (double)n * lh + 2 * st.padding;
    while (overflow == OVERFLOW_SHRINK && !stretch && content_h > tb.h + 0.01 && st.size > 4) {
        st.size = st.size - 0.5 < 4 ? 4 : st.size - 0.5;
        if (break_all(face, s, len, st.size, inner_w, lc->general_only, &lines, &cap, stack_lines,
                      &n) != 0)
            goto done;
        lh = line_height(lc, &st);
        content_h = (double)n * lh + 2 * st.padding;
    }
    if (stretch && content_h > tb.h)
        tb.h = content_h;
    *need = tb.h;
    shown = n;
    if (content_h > tb.h + 0.01) {
        size_t fit = (size_t)floor((tb.h - 2 * st.padding + 0.01) / lh);
        if (overflow == OVERFLOW_ELLIPSIS || overflow == OVERFLOW_STRETCH) {
            shown = fit < n ? fit : n;
        } else {
            clipped = 1; /* clip, or shrink that reached 4 pt */
            shown = fit + 1 < n ? fit + 1 : n;
        }
    }
    if (slot < 0 && (st.background.a > 0 || st.border > 0) &&
        push_rect(b, &tb, st.background, st.border > 0 ? st.border_color : (quire_color){0},
                  st.border) != 0)
        goto done;
    if (clipped) {
        quire_element c;
        memset(&c, 0, sizeof(c));
        c.kind = QUIRE_EL_CLIP_PUSH;
        c.band = tb.band;
        c.group_level = tb.level;
        c.instance = tb.instance;
        c.item = tb.item;
        c.x = tb.x;
        c.y = tb.y;
        c.width = tb.w;
        c.height = tb.h;
        if (elbuf_push(b, &c) != 0)
            goto done;
    }
    top = tb.y + st.padding;
    {
        double used = (double)shown * lh, room = tb.h - 2 * st.padding;
        if (st.valign == 1 && used < room)
            top += (room - used) / 2;
        else if (st.valign == 2 && used < room)
            top += room - used;
    }
    for (size_t i = 0; i < shown; i++) {
        const char *ls = s + lines[i].start;
        size_t ll = lines[i].len;
        double w = lines[i].width, ws = 0;
        char cut[1024];
        if (!clipped && i + 1 == shown && shown < n && ll + 4 < sizeof(cut)) {
            /* The last line that fits ends with an ellipsis. */
            size_t keep =
                font_fit_prefix(face, ls, len - lines[i].start, st.size, inner_w, lc->ellipsis);
            if (keep > ll + 1)
                keep = ll;
            memcpy(cut, ls, keep);
            memcpy(cut + keep, lc->ellipsis, 3);
            ll = keep + 3;
            ls = cut;
            w = font_text_width(face, ls, ll, st.size, NULL);
        } else if (st.align == QUIRE_ALIGN_JUSTIFY && !lines[i].hard) {
            size_t spaces = count_spaces(ls, ll);
            if (spaces > 0)
                ws = (inner_w - w) / (double)spaces;
        }
        if (push_line(lc, b, &tb, &st, ls, ll, w, top + (double)i * lh, (uint32_t)i, ws,
                      i == 0 ? slot : -1) != 0)
            goto done;
        if (st.align == QUIRE_ALIGN_JUSTIFY && ws > 0)
            b->els[slot >= 0 && i == 0 ? (size_t)slot : b->nels - 1 - (st.underline ? 1 : 0)]
                .width = inner_w;
    }
    if (clipped) {
        quire_element c;
        memset(&c, 0, sizeof(c));
        c.kind = QUIRE_EL_CLIP_POP;
        c.band = tb.band;
        c.instance = tb.instance;
        c.item = tb.item;
        if (elbuf_push(b, &c) != 0)
            goto done;
    }
    rc = 0;
done:
    if (lines != stack_lines)
        free(lines);
    return rc;
}

int layout_placeholder(layout_ctx *lc, el_buf *b, const fill_ph *ph, const char *text, size_t len,
                       quire_error *err)
{
    text_box tb = {ph->bx,
                   ph->by,
                   ph->bw,
                   ph->bh,
                   b->els[ph->slot].band,
                   b->els[ph->slot].group_level,
                   b->els[ph->slot].instance,
                   b->els[ph->slot].item,
                   ph->flags,
                   b->els[ph->slot].u.text.name};
    double need;
    int overflow = ph->overflow == OVERFLOW_STRETCH ? OVERFLOW_ELLIPSIS : ph->overflow;
    if (layout_text(lc, b, tb, &ph->st, text, len, overflow, 0, &need, (long)ph->slot) != 0) {
        error_setf(err, QUIRE_E_NOMEM, "out of memory laying out a delayed value");
        return QUIRE_ERR;
    }
    return QUIRE_OK;
}

/* ============================== Bands ===================================== */

static uint32_t text_flags(const plan_value *pv, const quire_band_value *v)
{
    uint32_t f = pv->is_static ? QUIRE_TEXT_STATIC : 0;
    if (v != NULL && !v->value.null &&
        (v->value.type == QUIRE_TYPE_INT || v->value.type == QUIRE_TYPE_DECIMAL ||
         v->value.type == QUIRE_TYPE_FLOAT))
        f |= QUIRE_TEXT_NUMERIC;
    if (v == NULL && pv->value != NULL) {
        uint32_t t = expr_type(pv->value);
        if (t == QUIRE_TYPE_INT || t == QUIRE_TYPE_DECIMAL || t == QUIRE_TYPE_FLOAT)
            f |= QUIRE_TEXT_NUMERIC;
    }
    return f;
}

#define MAX_DEPTH 16

int layout_band(layout_ctx *lc, const emit_band *eb, uint32_t instance, band_layout *out,
                quire_error *err)
{
    const plan_band *band = eb->band;
    const report_band *rb = band->src;
    size_t nitems = band->nvalues;
    size_t base = lc->base_off[band - lc->p->bands];
    double ox[MAX_DEPTH + 1], oy[MAX_DEPTH + 1];
    /* Per depth d > 0: the frame holding the items at depth d, and its
     * rectangle in `b` (SIZE_MAX: it draws none). */
    size_t frame_item[MAX_DEPTH + 1], frame_el[MAX_DEPTH + 1];
    double frame_gap[MAX_DEPTH + 1]; /* below its lowest child, kept when it grows */
    double *grow = lc->grow;         /* per item: how much it stretched */
    size_t *parent = lc->parent;     /* per item: its frame's item, or SIZE_MAX */
    int grown = 0;                   /* some item stretched: the ones below may float */
    double bottom = rb != NULL ? rb->height : 0;
    el_buf *b = &out->b;

    elbuf_clear(b);
    out->break_at = -1;
    out->split = rb != NULL ? rb->split : SPLIT_STRETCH;
    out->design_height = bottom;
    memset(grow, 0, nitems * sizeof(*grow));
    ox[0] = oy[0] = 0;
    frame_item[0] = frame_el[0] = SIZE_MAX;
    for (size_t i = 0; i < nitems; i++) {
        const plan_value *pv = &band->values[i];
        const report_element *el = pv->el;
        const emit_item *it = &eb->items[i];
        int d = pv->depth < MAX_DEPTH ? pv->depth : MAX_DEPTH;
        text_style stc;
        const text_style *st = &lc->base[base + i];
        text_box tb;
        double shift = 0;
        quire_element e;

        parent[i] = frame_item[d];
        /* Float: move down by the stretch of the elements above this one
         * in the same frame (their design bottom at or above its design
         * top). */
        for (size_t j = 0; grown && j < i; j++)
            if (grow[j] > shift && parent[j] == parent[i] &&
                band->values[j].el->y + band->values[j].el->height <= el->y + 0.01)
                shift = grow[j];
        tb.x = ox[d] + el->x;
        tb.y = oy[d] + el->y + shift;
        tb.w = el->width;
        tb.h = el->height;
        tb.band = (uint16_t)band->kind;
        tb.level = (uint16_t)(band->kind == QUIRE_BAND_DETAIL ? (int)lc->p->ngroups : band->level);
        tb.instance = instance;
        tb.item = (uint32_t)i;
        tb.name = pv->name;
        tb.flags = 0;
        if (el->kind == EL_FRAME) {
            int in = d + 1 <= MAX_DEPTH ? d + 1 : MAX_DEPTH;
            ox[in] = tb.x;
            oy[in] = tb.y;
            frame_item[in] = i;
            frame_el[in] = SIZE_MAX;
            frame_gap[in] = el->height;
            for (size_t k = i + 1; k < nitems && band->values[k].depth > pv->depth; k++) {
                const report_element *c = band->values[k].el;
                if (band->values[k].depth == pv->depth + 1 &&
                    el->height - (c->y + c->height) < frame_gap[in])
                    frame_gap[in] = el->height - (c->y + c->height);
            }
            if (frame_gap[in] < 0)
                frame_gap[in] = 0;
        }
        if (it->status == EMIT_ITEM_OMIT) {
            if (el->kind == EL_FRAME) /* children are hidden too */
                for (size_t k = i + 1; k < nitems && band->values[k].depth > pv->depth; k++)
                    ((emit_item *)eb->items)[k].status = EMIT_ITEM_OMIT;
            continue;
        }
        if (it->conds != 0) {
            resolve_style(lc, pv, it->conds, &stc);
            st = &stc;
        }
        if (el->kind != EL_TEXT && el->kind != EL_FIELD) {
            memset(&e, 0, sizeof(e));
            e.band = tb.band;
            e.group_level = tb.level;
            e.instance = instance;
            e.item = (uint32_t)i;
            e.x = tb.x;
            e.y = tb.y;
            e.width = tb.w;
            e.height = tb.h;
        }
        switch (el->kind) {
        case EL_TEXT:
        case EL_FIELD: {
            double need = tb.h;
            int rc;
            tb.flags = text_flags(pv, it->value);
            if (it->status == EMIT_ITEM_PENDING) {
                fill_ph ph;
                memset(&ph, 0, sizeof(ph));
                ph.kind = it->pending
                              ? PH_VALUE
                              : (expr_uses_page_count(pv->value) ? PH_PAGE_COUNT : PH_PAGE_END);
                ph.id = it->pending;
                ph.vars_off = SIZE_MAX;
                ph.band = band;
                ph.item = (uint32_t)i;
                ph.st = *st;
                ph.overflow = el->overflow;
                ph.bx = tb.x;
                ph.by = tb.y;
                ph.bw = tb.w;
                ph.bh = tb.h;
                ph.flags = tb.flags;
                if ((st->background.a > 0 || st->border > 0) &&
                    push_rect(b, &tb, st->background,
                              st->border > 0 ? st->border_color : (quire_color){0},
                              st->border) != 0)
                    goto fail_oom;
                memset(&e, 0, sizeof(e));
                e.band = tb.band;
                e.group_level = tb.level;
                e.instance = instance;
                e.item = (uint32_t)i;
                e.x = tb.x;
                e.y = tb.y;
                e.height = tb.h;
                e.kind = QUIRE_EL_TEXT;
                e.u.text.name = pv->name;
                e.u.text.flags = tb.flags;
                e.u.text.font = (uint32_t)st->font;
                e.u.text.size = st->size;
                e.width = 0;
                ph.slot = b->nels;
                if (elbuf_push(b, &e) != 0 || elbuf_push_ph(b, &ph) != 0)
                    goto fail_oom;
                break;
            }
            if (it->value == NULL)
                break;
            rc = lc->general_only ? 0
                                  : layout_one_line(lc, b, &tb, st, it->value->text.ptr,
                                                    it->value->text.len, &need);
            if (rc < 0 ||
                (rc == 0 &&
                 layout_text(lc, b, tb, st, it->value->text.ptr, it->value->text.len, el->overflow,
                             el->overflow == OVERFLOW_STRETCH, &need, -1) != 0))
                goto fail_oom;
            if (need > tb.h) {
                grow[i] = need - tb.h;
                grown = 1;
            }
            if (tb.y + need > bottom)
                bottom = tb.y + need;
            break;
        }
        case EL_LINE:
            e.kind = QUIRE_EL_LINE;
            e.stroke = (st->border_color.a > 0 && (el->props.set & STYLE_BORDER_COLOR))
                           ? st->border_color
                           : st->color;
            e.line_width = st->border > 0 ? st->border : 1;
            if (elbuf_push(b, &e) != 0)
                goto fail_oom;
            break;
        case EL_RECT:
        case EL_ELLIPSE:
        case EL_FRAME:
            e.kind = el->kind == EL_ELLIPSE ? QUIRE_EL_ELLIPSE : QUIRE_EL_RECT;
            e.fill = st->background;
            e.stroke = st->border > 0 ? st->border_color : (quire_color){0};
            e.line_width = st->border;
            if ((e.fill.a > 0 || e.line_width > 0) && elbuf_push(b, &e) != 0)
                goto fail_oom;
            if (el->kind == EL_FRAME && (e.fill.a > 0 || e.line_width > 0))
                frame_el[d + 1 <= MAX_DEPTH ? d + 1 : MAX_DEPTH] = b->nels - 1;
            break;
        case EL_IMAGE:
            for (size_t k = 0; k < lc->res->nimage_elements; k++)
                if (lc->res->image_elements[k] == el) {
                    e.kind = QUIRE_EL_IMAGE;
                    e.u.image.image = lc->res->image_index[k];
                    if (elbuf_push(b, &e) != 0)
                        goto fail_oom;
                    break;
                }
            break;
        case EL_PAGE_BREAK:
            if (out->break_at < 0 || tb.y < out->break_at)
                out->break_at = tb.y;
            break;
        case EL_CHART:
            if (pv->chart == NULL)
                break;
            if (it->status == EMIT_ITEM_PENDING) {
                /* Drawn when its dataset's scope (or page) ends: a clip
                 * of its box holds the place. */
                fill_ph ph;
                memset(&ph, 0, sizeof(ph));
                ph.kind = it->pending ? PH_VALUE : PH_PAGE_END;
                ph.id = it->pending;
                ph.vars_off = SIZE_MAX;
                ph.band = band;
                ph.item = (uint32_t)i;
                ph.bx = tb.x;
                ph.by = tb.y;
                ph.bw = tb.w;
                ph.bh = tb.h;
                ph.chart = 1;
                e.kind = QUIRE_EL_CLIP_PUSH;
                ph.slot = b->nels;
                if (elbuf_push(b, &e) != 0 || elbuf_push_ph(b, &ph) != 0)
                    goto fail_oom;
                break;
            }
            if (it->value != NULL &&
                chart_draw(lc, pv, &e, tb.x, tb.y, tb.w, tb.h, (const uint8_t *)it->value->text.ptr,
                           it->value->text.len, 1, b, err) != QUIRE_OK)
                return QUIRE_ERR;
            break;
        default: break;
        }
        if (tb.y + tb.h + grow[i] > bottom)
            bottom = tb.y + tb.h + grow[i];
        /* A frame grows with what grows inside it, keeping the room below
         * its lowest child, and so do the frames around it (JasperReports'
         * stretching frames). */
        {
            double child_bottom = tb.y + tb.h + grow[i];
            for (int k = d; k > 0; k--) {
                size_t fi = frame_item[k];
                double fh;
                if (fi == SIZE_MAX)
                    break;
                fh = band->values[fi].el->height;
                child_bottom += frame_gap[k];
                if (child_bottom <= oy[k] + fh + grow[fi] + 0.01)
                    break;
                grow[fi] = child_bottom - (oy[k] + fh);
                grown = 1;
                if (frame_el[k] != SIZE_MAX)
                    b->els[frame_el[k]].height = fh + grow[fi];
                child_bottom = oy[k] + fh + grow[fi];
                if (child_bottom > bottom)
                    bottom = child_bottom;
            }
        }
    }
    out->height = bottom;
    return QUIRE_OK;

fail_oom:
    error_setf(err, QUIRE_E_NOMEM, "out of memory laying out a band");
    return QUIRE_ERR;
}
