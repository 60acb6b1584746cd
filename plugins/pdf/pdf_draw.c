/*
 * pdf_draw.c - paints the elements of one print-model page into a libharu
 * page, in order.
 *
 * The print model's origin is the top-left corner with y down; PDF's is
 * the bottom-left with y up, so every y becomes height - y.
 *
 * Graphics state: the colours, line width, font and alpha last written to
 * the content stream are remembered so a table of a thousand cells does
 * not repeat them a thousand times. Fill and stroke may differ in alpha;
 * an ExtGState sets both, so such a shape is filled and stroked as two
 * paints of the same path.
 *
 * Clipping: nested clip boxes are all rectangles, so the effective clip is
 * their intersection. Only that one region is ever open (q, re W n ... Q):
 * pushing a box closes it and opens the new intersection, popping one
 * closes it and reopens the intersection of the boxes left. Nesting depth
 * is then unbounded although libharu allows only 28 saved states.
 *
 * Text: the string is shown from (x, baseline) in the element's font and
 * size. PDF's word spacing (Tw) applies only to the one-byte code 32, and
 * these fonts use two-byte codes, so with word_spacing the line is shown a
 * word at a time, each placed after the advance of what precedes it (the
 * font's advance widths, which are also the widths the file declares) plus
 * word_spacing per space.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "pdf.h"

/* Longest piece of text given to one ShowText: libharu cuts strings at
 * 65535 bytes. */
#define TEXT_CHUNK 16384

/* What the content stream has set; Q brings back what q saw. */
typedef struct pen {
    int alpha;         /* 0..255: the ExtGState in force (255 at page start) */
    uint32_t fill;     /* 0xRRGGBB, or NONE */
    uint32_t stroke;   /* 0xRRGGBB, or NONE */
    double line_width; /* < 0: not set */
    HPDF_Font font;
    double font_size;
} pen;

#define NONE UINT32_MAX

typedef struct canvas {
    pdf_doc *d;
    HPDF_Page page;
    const quire_page *qp;
    double height;
    size_t index; /* element being painted, for messages */
    pen cur, saved;
    size_t nclips; /* boxes pushed, in d->clips */
    int clipped;   /* a clip region (q ... Q) is open */
} canvas;

/* ============================== State ===================================== */

static const pen fresh_pen = {255, NONE, NONE, -1.0, NULL, 0.0};

static uint32_t rgb(quire_color c)
{
    return (uint32_t)c.r << 16 | (uint32_t)c.g << 8 | c.b;
}

static int set_alpha(canvas *c, uint8_t alpha, quire_error *err)
{
    HPDF_ExtGState gs;

    if (c->cur.alpha == alpha)
        return QUIRE_OK;
    gs = pdf_alpha(c->d, alpha, err);
    if (gs == NULL)
        return QUIRE_ERR;
    HPDF_Page_SetExtGState(c->page, gs);
    c->cur.alpha = alpha;
    return QUIRE_OK;
}

static void set_fill(canvas *c, quire_color col)
{
    if (c->cur.fill == rgb(col))
        return;
    HPDF_Page_SetRGBFill(c->page, col.r / 255.0f, col.g / 255.0f, col.b / 255.0f);
    c->cur.fill = rgb(col);
}

static void set_stroke(canvas *c, quire_color col, double width)
{
    if (c->cur.stroke != rgb(col)) {
        HPDF_Page_SetRGBStroke(c->page, col.r / 255.0f, col.g / 255.0f, col.b / 255.0f);
        c->cur.stroke = rgb(col);
    }
    if (c->cur.line_width != width) {
        HPDF_Page_SetLineWidth(c->page, (HPDF_REAL)width);
        c->cur.line_width = width;
    }
}

/* ============================== Errors ==================================== */

static int element_error(canvas *c, quire_error *err, const char *problem)
{
    c->d->host->error_set(err, QUIRE_E_INTERNAL, "page %u, element %zu: %s",
                          (unsigned)c->qp->number, c->index + 1, problem);
    return QUIRE_ERR;
}

static int finite4(double a, double b, double w, double h)
{
    return isfinite(a) && isfinite(b) && isfinite(w) && isfinite(h);
}

/* ============================== Shapes ==================================== */

/* Checks that the verbs consume exactly the points given, that lines and
 * curves have a current point, and that every point is finite. */
static int path_check(canvas *c, const quire_element *e, quire_error *err)
{
    const uint8_t *verbs = e->u.path.verbs;
    size_t need = 0;
    int open = 0;

    if ((e->u.path.nverbs > 0 && verbs == NULL) ||
        (e->u.path.npoints > 0 && e->u.path.points == NULL))
        return element_error(c, err, "path without its arrays");
    for (size_t i = 0; i < e->u.path.nverbs; i++) {
        switch (verbs[i]) {
        case QUIRE_PATH_MOVE:
            need += 1;
            open = 1;
            break;
        case QUIRE_PATH_LINE:
        case QUIRE_PATH_CURVE:
            if (!open)
                return element_error(c, err, "path draws before its first move");
            need += verbs[i] == QUIRE_PATH_LINE ? 1 : 3;
            break;
        case QUIRE_PATH_CLOSE:
            if (!open)
                return element_error(c, err, "path closes before its first move");
            break;
        default: return element_error(c, err, "path has an unknown verb");
        }
    }
    if (need != e->u.path.npoints) {
        char problem[128];
        snprintf(problem, sizeof(problem), "path verbs take %zu points, %zu given", need,
                 e->u.path.npoints);
        return element_error(c, err, problem);
    }
    for (size_t i = 0; i < 2 * e->u.path.npoints; i++)
        if (!isfinite(e->u.path.points[i]))
            return element_error(c, err, "path point is not finite");
    return QUIRE_OK;
}

/* Appends the outline of a RECT, ELLIPSE or PATH to the current path. */
static void shape(canvas *c, const quire_element *e)
{
    const double h = c->height;

    switch (e->kind) {
    case QUIRE_EL_RECT:
        HPDF_Page_Rectangle(c->page, (HPDF_REAL)e->x, (HPDF_REAL)(h - e->y - e->height),
                            (HPDF_REAL)e->width, (HPDF_REAL)e->height);
        break;
    case QUIRE_EL_ELLIPSE:
        HPDF_Page_Ellipse(c->page, (HPDF_REAL)(e->x + e->width / 2),
                          (HPDF_REAL)(h - e->y - e->height / 2), (HPDF_REAL)fabs(e->width / 2),
                          (HPDF_REAL)fabs(e->height / 2));
        HPDF_Page_ClosePath(c->page); /* so the stroke joins where it started */
        break;
    case QUIRE_EL_PATH: {
        const double *p = e->u.path.points;
        for (size_t i = 0; i < e->u.path.nverbs; i++) {
            switch (e->u.path.verbs[i]) {
            case QUIRE_PATH_MOVE:
                HPDF_Page_MoveTo(c->page, (HPDF_REAL)p[0], (HPDF_REAL)(h - p[1]));
                p += 2;
                break;
            case QUIRE_PATH_LINE:
                HPDF_Page_LineTo(c->page, (HPDF_REAL)p[0], (HPDF_REAL)(h - p[1]));
                p += 2;
                break;
            case QUIRE_PATH_CURVE:
                HPDF_Page_CurveTo(c->page, (HPDF_REAL)p[0], (HPDF_REAL)(h - p[1]), (HPDF_REAL)p[2],
                                  (HPDF_REAL)(h - p[3]), (HPDF_REAL)p[4], (HPDF_REAL)(h - p[5]));
                p += 6;
                break;
            case QUIRE_PATH_CLOSE: HPDF_Page_ClosePath(c->page); break;
            }
        }
        break;
    }
    }
}

/* Fills (non-zero) then strokes a RECT, ELLIPSE or PATH. */
static int draw_shape(canvas *c, const quire_element *e, quire_error *err)
{
    int fill = e->fill.a > 0;
    int stroke = e->line_width > 0 && e->stroke.a > 0;

    if (!finite4(e->x, e->y, e->width, e->height) || !isfinite(e->line_width))
        return element_error(c, err, "a coordinate is not finite");
    if (e->kind == QUIRE_EL_PATH) {
        if (path_check(c, e, err) != QUIRE_OK)
            return QUIRE_ERR;
        if (e->u.path.nverbs == 0)
            return QUIRE_OK;
    }
    if (e->kind == QUIRE_EL_ELLIPSE && (e->width == 0 || e->height == 0))
        return QUIRE_OK;
    if (fill && stroke && e->fill.a == e->stroke.a) {
        if (set_alpha(c, e->fill.a, err) != QUIRE_OK)
            return QUIRE_ERR;
        set_fill(c, e->fill);
        set_stroke(c, e->stroke, e->line_width);
        shape(c, e);
        HPDF_Page_FillStroke(c->page);
        return QUIRE_OK;
    }
    if (fill) {
        if (set_alpha(c, e->fill.a, err) != QUIRE_OK)
            return QUIRE_ERR;
        set_fill(c, e->fill);
        shape(c, e);
        HPDF_Page_Fill(c->page);
    }
    if (stroke) {
        if (set_alpha(c, e->stroke.a, err) != QUIRE_OK)
            return QUIRE_ERR;
        set_stroke(c, e->stroke, e->line_width);
        shape(c, e);
        HPDF_Page_Stroke(c->page);
    }
    return QUIRE_OK;
}

static int draw_line(canvas *c, const quire_element *e, quire_error *err)
{
    if (!finite4(e->x, e->y, e->width, e->height) || !isfinite(e->line_width))
        return element_error(c, err, "a coordinate is not finite");
    if (!(e->line_width > 0) || e->stroke.a == 0)
        return QUIRE_OK;
    if (set_alpha(c, e->stroke.a, err) != QUIRE_OK)
        return QUIRE_ERR;
    set_stroke(c, e->stroke, e->line_width);
    HPDF_Page_MoveTo(c->page, (HPDF_REAL)e->x, (HPDF_REAL)(c->height - e->y));
    HPDF_Page_LineTo(c->page, (HPDF_REAL)(e->x + e->width),
                     (HPDF_REAL)(c->height - e->y - e->height));
    HPDF_Page_Stroke(c->page);
    return QUIRE_OK;
}

static int draw_image(canvas *c, const quire_element *e, quire_error *err)
{
    HPDF_Image image;

    if (!finite4(e->x, e->y, e->width, e->height))
        return element_error(c, err, "a coordinate is not finite");
    if (e->width == 0 || e->height == 0)
        return QUIRE_OK;
    image = pdf_image(c->d, e->u.image.image, err);
    if (image == NULL)
        return QUIRE_ERR;
    /* The fill alpha in force would apply to the image too. */
    if (set_alpha(c, 255, err) != QUIRE_OK)
        return QUIRE_ERR;
    HPDF_Page_DrawImage(c->page, image, (HPDF_REAL)e->x, (HPDF_REAL)(c->height - e->y - e->height),
                        (HPDF_REAL)e->width, (HPDF_REAL)e->height);
    return QUIRE_OK;
}

/* ============================== Text ====================================== */

/* Where the piece of text starting at `start` ends: after the next space
 * when words are spaced apart, and at most TEXT_CHUNK bytes on, backed off
 * to the start of a UTF-8 sequence. */
static size_t piece_end(const char *s, size_t start, size_t len, int by_word)
{
    size_t end = len - start > TEXT_CHUNK ? start + TEXT_CHUNK : len;

    if (by_word) {
        const char *space = memchr(s + start, ' ', end - start);
        if (space != NULL)
            return (size_t)(space - s) + 1;
    }
    while (end < len && end > start + 1 && ((unsigned char)s[end] & 0xC0) == 0x80)
        end--;
    return end;
}

static int draw_text(canvas *c, const quire_element *e, quire_error *err)
{
    pdf_doc *d = c->d;
    const double size = e->u.text.size, spacing = e->u.text.word_spacing;
    double font_size, scale, advance = 0, y;
    HPDF_Font font;
    size_t n = 0, start;

    if (!finite4(e->x, e->u.text.baseline, size, spacing))
        return element_error(c, err, "a coordinate is not finite");
    if (e->fill.a == 0 || e->u.text.len == 0 || !(size > 0))
        return QUIRE_OK;
    if (e->u.text.utf8 == NULL)
        return element_error(c, err, "text without its string");
    font = pdf_font(d, e->u.text.font, err);
    if (font == NULL)
        return QUIRE_ERR;
    /* libharu takes NUL-terminated strings: copy, dropping any U+0000. */
    if (pdf_text_reserve(d, e->u.text.len, err) != QUIRE_OK)
        return QUIRE_ERR;
    for (size_t i = 0; i < e->u.text.len; i++)
        if (e->u.text.utf8[i] != '\0')
            d->text[n++] = e->u.text.utf8[i];
    d->text[n] = '\0';
    if (set_alpha(c, e->fill.a, err) != QUIRE_OK)
        return QUIRE_ERR;
    set_fill(c, e->fill);
    /* Sizes beyond libharu's limit are reached by scaling the text matrix. */
    font_size = size < HPDF_MAX_FONTSIZE ? size : HPDF_MAX_FONTSIZE;
    scale = size / font_size;
    y = c->height - e->u.text.baseline;
    HPDF_Page_BeginText(c->page);
    if (c->cur.font != font || c->cur.font_size != font_size) {
        HPDF_Page_SetFontAndSize(c->page, font, (HPDF_REAL)font_size);
        c->cur.font = font;
        c->cur.font_size = font_size;
    }
    for (start = 0; start < n;) {
        size_t end = piece_end(d->text, start, n, spacing != 0);
        char kept = d->text[end];
        d->text[end] = '\0';
        HPDF_Page_SetTextMatrix(c->page, (HPDF_REAL)scale, 0, 0, (HPDF_REAL)scale,
                                (HPDF_REAL)(e->x + advance), (HPDF_REAL)y);
        HPDF_Page_ShowText(c->page, d->text + start);
        if (end < n) {
            HPDF_TextWidth tw = HPDF_Font_TextWidth(font, (const HPDF_BYTE *)d->text + start,
                                                    (HPDF_UINT)(end - start));
            advance += tw.width * size / 1000.0;
            if (d->text[end - 1] == ' ')
                advance += spacing;
        }
        d->text[end] = kept;
        start = end;
    }
    HPDF_Page_EndText(c->page);
    return QUIRE_OK;
}

/* ============================== Clipping ================================== */

/* Opens a clip region for the intersection of the boxes pushed. */
static void clip_open(canvas *c)
{
    const double *b = c->d->clips;
    double x0 = b[0], y0 = b[1], x1 = b[2], y1 = b[3];

    for (size_t i = 1; i < c->nclips; i++) {
        const double *r = b + 4 * i;
        x0 = r[0] > x0 ? r[0] : x0;
        y0 = r[1] > y0 ? r[1] : y0;
        x1 = r[2] < x1 ? r[2] : x1;
        y1 = r[3] < y1 ? r[3] : y1;
    }
    if (x1 < x0)
        x1 = x0;
    if (y1 < y0)
        y1 = y0;
    HPDF_Page_GSave(c->page);
    c->saved = c->cur;
    HPDF_Page_Rectangle(c->page, (HPDF_REAL)x0, (HPDF_REAL)(c->height - y1), (HPDF_REAL)(x1 - x0),
                        (HPDF_REAL)(y1 - y0));
    HPDF_Page_Clip(c->page);
    HPDF_Page_EndPath(c->page);
    c->clipped = 1;
}

static void clip_close(canvas *c)
{
    if (!c->clipped)
        return;
    HPDF_Page_GRestore(c->page);
    c->cur = c->saved;
    c->clipped = 0;
}

static int clip_push(canvas *c, const quire_element *e, quire_error *err)
{
    pdf_doc *d = c->d;
    double *box;

    if (!finite4(e->x, e->y, e->width, e->height))
        return element_error(c, err, "a coordinate is not finite");
    if (c->nclips == d->clips_cap) {
        size_t cap = d->clips_cap ? d->clips_cap * 2 : 8;
        double *grown = d->host->realloc(d->clips, cap * 4 * sizeof(double));
        if (grown == NULL) {
            d->host->error_set(err, QUIRE_E_NOMEM, "out of memory");
            return QUIRE_ERR;
        }
        d->clips = grown;
        d->clips_cap = cap;
    }
    box = d->clips + 4 * c->nclips++;
    box[0] = e->width < 0 ? e->x + e->width : e->x;
    box[1] = e->height < 0 ? e->y + e->height : e->y;
    box[2] = box[0] + fabs(e->width);
    box[3] = box[1] + fabs(e->height);
    clip_close(c);
    clip_open(c);
    return QUIRE_OK;
}

static int clip_pop(canvas *c, quire_error *err)
{
    if (c->nclips == 0)
        return element_error(c, err, "clip pop without a push");
    c->nclips--;
    clip_close(c);
    if (c->nclips > 0)
        clip_open(c);
    return QUIRE_OK;
}

/* ============================== Page ====================================== */

static int draw_element(canvas *c, const quire_element *e, quire_error *err)
{
    switch (e->kind) {
    case QUIRE_EL_TEXT: return draw_text(c, e, err);
    case QUIRE_EL_LINE: return draw_line(c, e, err);
    case QUIRE_EL_RECT:
    case QUIRE_EL_ELLIPSE:
    case QUIRE_EL_PATH: return draw_shape(c, e, err);
    case QUIRE_EL_IMAGE: return draw_image(c, e, err);
    case QUIRE_EL_CLIP_PUSH: return clip_push(c, e, err);
    case QUIRE_EL_CLIP_POP: return clip_pop(c, err);
    }
    return QUIRE_OK; /* a kind added after ABI 1.2: nothing this plugin can paint */
}

/* Leaves the page in its base graphics state after a failure: libharu
 * frees only the current state with the page, so a state saved by q (a
 * clip region, an image being drawn) would leak. */
static void unwind(HPDF_Page page)
{
    HPDF_UINT16 mode = HPDF_Page_GetGMode(page);

    if (mode == HPDF_GMODE_TEXT_OBJECT)
        HPDF_Page_EndText(page);
    else if (mode == HPDF_GMODE_PATH_OBJECT || mode == HPDF_GMODE_CLIPPING_PATH)
        HPDF_Page_EndPath(page);
    /* Bounded: libharu itself refuses more than 28 saved states. */
    for (int i = 0; i < HPDF_LIMIT_MAX_GSTATE && HPDF_Page_GetGStateDepth(page) > 1; i++)
        HPDF_Page_GRestore(page);
}

static int draw_elements(canvas *c, quire_error *err)
{
    pdf_doc *d = c->d;
    const quire_page *qp = c->qp;
    char what[64];

    if (qp->nelements > 0 && qp->elements == NULL) {
        d->host->error_set(err, QUIRE_E_INTERNAL, "page %u: %zu elements but no array",
                           (unsigned)qp->number, qp->nelements);
        return QUIRE_ERR;
    }
    for (c->index = 0; c->index < qp->nelements; c->index++) {
        if (draw_element(c, &qp->elements[c->index], err) != QUIRE_OK)
            return QUIRE_ERR;
        if (d->hpdf_error != 0) {
            snprintf(what, sizeof(what), "page %u, element %zu", (unsigned)qp->number,
                     c->index + 1);
            return pdf_check(d, err, what);
        }
    }
    if (c->nclips > 0) {
        d->host->error_set(err, QUIRE_E_INTERNAL, "page %u: %zu clip pushes without a pop",
                           (unsigned)qp->number, c->nclips);
        return QUIRE_ERR;
    }
    return QUIRE_OK;
}

int pdf_draw_page(pdf_doc *d, HPDF_Page page, const quire_page *qp, quire_error *err)
{
    canvas c;

    memset(&c, 0, sizeof(c));
    c.d = d;
    c.page = page;
    c.qp = qp;
    c.height = qp->height;
    c.cur = fresh_pen;
    if (draw_elements(&c, err) != QUIRE_OK) {
        unwind(page);
        return QUIRE_ERR;
    }
    return QUIRE_OK;
}
