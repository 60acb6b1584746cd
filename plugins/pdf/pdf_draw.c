/*
 * pdf_draw.c - paints the elements of one print-model page, in order, as
 * PDF operators in the page's content stream (pdf_content.c), and later
 * the elements of each of its slots into the slot's stream. Fonts,
 * images and alpha states are named once for the document (pdf_pages.c).
 *
 * The print model's origin is the top-left corner with y down; PDF's is
 * the bottom-left with y up, so every y becomes height - y. Numbers are
 * written with at most 2 decimals (points), colour components with 3
 * (1/1000 is finer than 1/255), font sizes with 4.
 *
 * Graphics state: the colours, line width, font and alpha last written to
 * the content stream are remembered so a table of a thousand cells does
 * not repeat them a thousand times. Fill and stroke may differ in alpha;
 * an ExtGState sets both, so such a shape is filled and stroked as two
 * paints of the same path.
 *
 * Text: consecutive text elements share one text object (BT ... ET), which
 * only a shape, an image or a clip closes. Each line is placed with Td
 * relative to the previous line's start, computed in whole hundredths of a
 * point so no rounding error adds up along a row. Strings are literal. A
 * text whose characters are all U+0000..U+00FF, most of any report, is in
 * the font's one-byte variant (pdf_latin1.c): one byte a character, the
 * code point itself. Any other text is in the font itself, whose codes
 * are the characters' UTF-16 values (Identity-H, pdf_font.c), two bytes
 * each; characters beyond U+FFFF print as spaces there. U+0000 is
 * dropped. Both show the same glyphs with the same widths, so which one a
 * text uses changes no pixel. With word_spacing the line is one TJ whose
 * adjustments move everything after each space right by word_spacing, the
 * glyph advances being the font's own: PDF's word spacing (Tw) applies
 * only to the one-byte code 32, which the two-byte font does not have,
 * and both kinds of text are spaced the same way.
 *
 * Clipping: nested clip boxes are all rectangles, so the effective clip is
 * their intersection. Only that one region is ever open (q, re W n ... Q):
 * pushing a box closes it and opens the new intersection, popping one
 * closes it and reopens the intersection of the boxes left. Nesting depth
 * is then unbounded, and saved states never nest.
 *
 * Slots (ABI 1.3): a SLOT element closes the text object and ends the
 * stretch of content; the slot gets an empty stream of its own
 * (pdf_content_split) and the page goes on in the next. A clip region may
 * stay open across the split: the slot is clipped like the element it
 * stands for. The slot's stream, written when its elements come, starts
 * with no assumption about the state it finds: its pen knows nothing, so
 * it sets the alpha (even 255), colours and font it uses, all inside q ...
 * Q. After its Q the state is the one the page's content left before it,
 * which is what the page's pen remembered when it wrote the content after
 * the slot.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "pdf.h"

/* Most codes in one string operand: PDF 1.4 readers take strings of up to
 * 65535 bytes, and a code is one byte or two. */
#define STRING_CODES 16384
/* Input bytes encoded per reservation of the content buffer. */
#define TEXT_STEP 4096
/* Bytes one input byte can become: a code of two escaped bytes, or for a
 * space with word spacing that plus ") -NUMBER (" and a string cut. */
#define TEXT_BYTES_PER_INPUT (4 + 4 + PC_NUM_MAX)
/* Room for any operator sequence other than text strings: a curve is
 * six numbers and an operator. */
#define OP_ROOM 256

/* What the content stream has set; Q brings back what q saw. */
typedef struct pen {
    int alpha;          /* 0..255: the ExtGState in force (255 at page start) */
    uint32_t fill;      /* 0xRRGGBB, or NONE */
    uint32_t stroke;    /* 0xRRGGBB, or NONE */
    int64_t line_width; /* hundredths of a point; < 0: not set */
    const char *font;   /* resource name of the font (or one-byte variant) */
    int64_t font_size;  /* ten-thousandths of a point */
} pen;

#define NONE UINT32_MAX

typedef struct canvas {
    pdf_doc *d;
    HPDF_Page page;
    uint32_t number; /* the page's, for messages */
    uint32_t slot;   /* painting a slot: its id; painting the page: 0 */
    double height;
    size_t index; /* element being painted, for messages */
    pen cur, saved;
    size_t nclips;          /* boxes pushed, in d->clips */
    int clipped;            /* a clip region (q ... Q) is open */
    int in_text;            /* a text object (BT ... ET) is open */
    int64_t line_x, line_y; /* in a text object: start of the last line, hundredths */
} canvas;

/* ============================== Errors ==================================== */

/* "page 3" or "page 3, slot 7": what the canvas paints. */
static void where(const canvas *c, char *buf, size_t len)
{
    if (c->slot != 0)
        snprintf(buf, len, "page %u, slot %u", (unsigned)c->number, (unsigned)c->slot);
    else
        snprintf(buf, len, "page %u", (unsigned)c->number);
}

static int element_error(canvas *c, quire_error *err, const char *problem)
{
    char what[48];

    where(c, what, sizeof(what));
    c->d->host->error_set(err, QUIRE_E_INTERNAL, "%s, element %zu: %s", what, c->index + 1,
                          problem);
    return QUIRE_ERR;
}

static int finite4(double a, double b, double w, double h)
{
    return isfinite(a) && isfinite(b) && isfinite(w) && isfinite(h);
}

/* ============================== Writing =================================== */

/* A page starts with PDF's initial state; a slot with one it cannot know
 * (alpha -1 matches no alpha, so even 255 is set). */
static const pen page_pen = {255, NONE, NONE, -1, NULL, 0};
static const pen slot_pen = {-1, NONE, NONE, -1, NULL, 0};

/* Makes room for `extra` bytes and returns where they go. */
static char *room(canvas *c, size_t extra, quire_error *err)
{
    pdf_content *pc = &c->d->content;

    if (pc->cap - pc->len < extra && pdf_content_reserve(c->d, extra, err) != QUIRE_OK)
        return NULL;
    return pc->buf + pc->len;
}

/* Ends what was written from room()'s pointer at p. */
static void done(canvas *c, char *p)
{
    c->d->content.len = (size_t)(p - c->d->content.buf);
}

/* y in PDF's orientation. */
static char *put_y(canvas *c, char *p, double y)
{
    return pc_num(p, c->height - y);
}

/* x y (y flipped), each followed by a space. */
static char *put_xy(canvas *c, char *p, double x, double y)
{
    p = pc_num(p, x);
    *p++ = ' ';
    p = put_y(c, p, y);
    *p++ = ' ';
    return p;
}

/* A colour component c/255 with at most 3 decimals, then a space. */
static char *put_unit(char *p, unsigned v)
{
    unsigned thousandths = (v * 1000u + 127u) / 255u;

    if (thousandths >= 1000) {
        *p++ = '1';
    } else if (thousandths == 0) {
        *p++ = '0';
    } else {
        *p++ = '0';
        *p++ = '.';
        *p++ = (char)('0' + thousandths / 100);
        if (thousandths % 100 != 0) {
            *p++ = (char)('0' + thousandths / 10 % 10);
            if (thousandths % 10 != 0)
                *p++ = (char)('0' + thousandths % 10);
        }
    }
    *p++ = ' ';
    return p;
}

/* "R G B op\n". */
static char *put_rgb(char *p, quire_color col, const char *op)
{
    p = put_unit(p, col.r);
    p = put_unit(p, col.g);
    p = put_unit(p, col.b);
    p = pc_put(p, op, 2);
    *p++ = '\n';
    return p;
}

/* "/NAME op\n". */
static char *put_resource(char *p, const char *name, const char *op)
{
    *p++ = '/';
    p = pc_put(p, name, strlen(name));
    *p++ = ' ';
    p = pc_put(p, op, strlen(op));
    *p++ = '\n';
    return p;
}

/* ============================== State ===================================== */

static uint32_t rgb(quire_color c)
{
    return (uint32_t)c.r << 16 | (uint32_t)c.g << 8 | c.b;
}

/* Closes the text object before anything that may not stand in one. */
static char *end_text(canvas *c, char *p)
{
    if (c->in_text) {
        p = pc_lit(p, "ET\n");
        c->in_text = 0;
    }
    return p;
}

static char *set_alpha(canvas *c, char *p, uint8_t alpha, quire_error *err)
{
    pdf_doc *d = c->d;
    const char *name;

    if (c->cur.alpha == alpha)
        return p;
    if (pdf_alpha(d, alpha, err) == NULL)
        return NULL;
    name = d->alpha_names[alpha];
    c->cur.alpha = alpha;
    return put_resource(p, name, "gs");
}

static char *set_fill(canvas *c, char *p, quire_color col)
{
    if (c->cur.fill == rgb(col))
        return p;
    c->cur.fill = rgb(col);
    return put_rgb(p, col, "rg");
}

static char *set_stroke(canvas *c, char *p, quire_color col, double width)
{
    int64_t w = pc_hundredths(width);

    if (c->cur.stroke != rgb(col)) {
        c->cur.stroke = rgb(col);
        p = put_rgb(p, col, "RG");
    }
    if (c->cur.line_width != w) {
        c->cur.line_width = w;
        p = pc_fixed(p, w);
        p = pc_lit(p, " w\n");
    }
    return p;
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

/* Bytes the outline of a RECT, ELLIPSE or PATH takes at most. */
static size_t shape_room(const quire_element *e)
{
    if (e->kind == QUIRE_EL_PATH)
        return e->u.path.npoints * (2 * PC_NUM_MAX + 4) + e->u.path.nverbs * 4 + OP_ROOM;
    return 4 * OP_ROOM; /* an ellipse: a move and four curves */
}

/* Bezier control points for a quarter ellipse: 4/3 (sqrt 2 - 1) of the
 * radius from each end. */
#define KAPPA 0.5522847498307936

/* Appends the outline of a RECT, ELLIPSE or PATH. */
static char *shape(canvas *c, char *p, const quire_element *e)
{
    switch (e->kind) {
    case QUIRE_EL_RECT:
        p = put_xy(c, p, e->x, e->y + e->height);
        p = pc_num(p, e->width);
        *p++ = ' ';
        p = pc_num(p, e->height);
        p = pc_lit(p, " re\n");
        break;
    case QUIRE_EL_ELLIPSE: {
        /* Centre and radii in PDF's orientation; four curves from the
         * leftmost point, clockwise, then closed so the stroke joins where
         * it started. */
        double rx = fabs(e->width / 2), ry = fabs(e->height / 2);
        double cx = e->x + e->width / 2, cy = c->height - e->y - e->height / 2;
        double kx = rx * KAPPA, ky = ry * KAPPA;
        const double pts[13][2] = {
            {cx - rx, cy},      {cx - rx, cy + ky}, {cx - kx, cy + ry}, {cx, cy + ry},
            {cx + kx, cy + ry}, {cx + rx, cy + ky}, {cx + rx, cy},      {cx + rx, cy - ky},
            {cx + kx, cy - ry}, {cx, cy - ry},      {cx - kx, cy - ry}, {cx - rx, cy - ky},
            {cx - rx, cy},
        };
        for (int i = 0; i < 13; i++) {
            p = pc_num(p, pts[i][0]);
            *p++ = ' ';
            p = pc_num(p, pts[i][1]);
            if (i == 0) {
                p = pc_lit(p, " m\n");
            } else if (i % 3 == 0) {
                p = pc_lit(p, " c\n");
            } else {
                *p++ = ' ';
            }
        }
        p = pc_lit(p, "h\n");
        break;
    }
    case QUIRE_EL_PATH: {
        const double *pt = e->u.path.points;
        for (size_t i = 0; i < e->u.path.nverbs; i++) {
            switch (e->u.path.verbs[i]) {
            case QUIRE_PATH_MOVE:
                p = put_xy(c, p, pt[0], pt[1]);
                p = pc_lit(p, "m\n");
                pt += 2;
                break;
            case QUIRE_PATH_LINE:
                p = put_xy(c, p, pt[0], pt[1]);
                p = pc_lit(p, "l\n");
                pt += 2;
                break;
            case QUIRE_PATH_CURVE:
                p = put_xy(c, p, pt[0], pt[1]);
                p = put_xy(c, p, pt[2], pt[3]);
                p = put_xy(c, p, pt[4], pt[5]);
                p = pc_lit(p, "c\n");
                pt += 6;
                break;
            case QUIRE_PATH_CLOSE: p = pc_lit(p, "h\n"); break;
            }
        }
        break;
    }
    }
    return p;
}

/* Fills (non-zero) then strokes a RECT, ELLIPSE or PATH. */
static int draw_shape(canvas *c, const quire_element *e, quire_error *err)
{
    int fill = e->fill.a > 0;
    int stroke = e->line_width > 0 && e->stroke.a > 0;
    char *p;

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
    if (!fill && !stroke)
        return QUIRE_OK;
    if ((p = room(c, 2 * shape_room(e) + OP_ROOM, err)) == NULL)
        return QUIRE_ERR;
    p = end_text(c, p);
    if (fill && stroke && e->fill.a == e->stroke.a) {
        if ((p = set_alpha(c, p, e->fill.a, err)) == NULL)
            return QUIRE_ERR;
        p = set_fill(c, p, e->fill);
        p = set_stroke(c, p, e->stroke, e->line_width);
        p = shape(c, p, e);
        p = pc_lit(p, "B\n");
        done(c, p);
        return QUIRE_OK;
    }
    if (fill) {
        if ((p = set_alpha(c, p, e->fill.a, err)) == NULL)
            return QUIRE_ERR;
        p = set_fill(c, p, e->fill);
        p = shape(c, p, e);
        p = pc_lit(p, "f\n");
    }
    if (stroke) {
        if ((p = set_alpha(c, p, e->stroke.a, err)) == NULL)
            return QUIRE_ERR;
        p = set_stroke(c, p, e->stroke, e->line_width);
        p = shape(c, p, e);
        p = pc_lit(p, "S\n");
    }
    done(c, p);
    return QUIRE_OK;
}

static int draw_line(canvas *c, const quire_element *e, quire_error *err)
{
    char *p;

    if (!finite4(e->x, e->y, e->width, e->height) || !isfinite(e->line_width))
        return element_error(c, err, "a coordinate is not finite");
    if (!(e->line_width > 0) || e->stroke.a == 0)
        return QUIRE_OK;
    if ((p = room(c, OP_ROOM, err)) == NULL)
        return QUIRE_ERR;
    p = end_text(c, p);
    if ((p = set_alpha(c, p, e->stroke.a, err)) == NULL)
        return QUIRE_ERR;
    p = set_stroke(c, p, e->stroke, e->line_width);
    p = put_xy(c, p, e->x, e->y);
    p = pc_lit(p, "m\n");
    p = put_xy(c, p, e->x + e->width, e->y + e->height);
    p = pc_lit(p, "l\nS\n");
    done(c, p);
    return QUIRE_OK;
}

static int draw_image(canvas *c, const quire_element *e, quire_error *err)
{
    pdf_doc *d = c->d;
    uint32_t index = e->u.image.image;
    const char *name;
    HPDF_Image image;
    char *p;

    if (!finite4(e->x, e->y, e->width, e->height))
        return element_error(c, err, "a coordinate is not finite");
    if (e->width == 0 || e->height == 0)
        return QUIRE_OK;
    image = pdf_image(d, index, err);
    if (image == NULL)
        return QUIRE_ERR;
    name = d->image_names[index];
    if ((p = room(c, OP_ROOM, err)) == NULL)
        return QUIRE_ERR;
    p = end_text(c, p);
    /* The fill alpha in force would apply to the image too. */
    if ((p = set_alpha(c, p, 255, err)) == NULL)
        return QUIRE_ERR;
    /* Scale the unit square to the box; q ... Q takes the matrix back. */
    p = pc_lit(p, "q\n");
    p = pc_num(p, e->width);
    p = pc_lit(p, " 0 0 ");
    p = pc_num(p, e->height);
    *p++ = ' ';
    p = put_xy(c, p, e->x, e->y + e->height);
    p = pc_lit(p, "cm\n");
    p = put_resource(p, name, "Do");
    p = pc_lit(p, "Q\n");
    done(c, p);
    return QUIRE_OK;
}

/* ============================== Text ====================================== */

/* The next character of s[*i..len) as a UTF-16 code, advancing *i: an
 * invalid sequence is U+FFFD (one byte consumed, as the kernel measured
 * it), a character beyond U+FFFF is a space (the font's code space is
 * 16 bits), U+0000 is -1 (dropped). */
static int32_t next_code(const unsigned char *s, size_t len, size_t *i)
{
    const unsigned char *q = s + *i;
    size_t left = len - *i, n;
    unsigned char c = q[0], lo = 0x80, hi = 0xBF;
    uint32_t cp;

    if (c < 0x80) {
        (*i)++;
        return c == 0 ? -1 : (int32_t)c;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0Fu;
        lo = c == 0xE0 ? 0xA0 : 0x80; /* overlong */
        hi = c == 0xED ? 0x9F : 0xBF; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07u;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF; /* beyond U+10FFFF */
    } else {
        (*i)++;
        return 0xFFFD;
    }
    if (left < n || q[1] < lo || q[1] > hi) {
        (*i)++;
        return 0xFFFD;
    }
    for (size_t k = 1; k < n; k++) {
        if ((q[k] & 0xC0) != 0x80) {
            (*i)++;
            return 0xFFFD;
        }
        cp = cp << 6 | (q[k] & 0x3Fu);
    }
    *i += n;
    return cp > 0xFFFF ? 0x20 : (int32_t)cp;
}

/* Appends one byte of a literal string: the delimiters and the backslash
 * escaped, and CR as \\r (a raw CR, or CR LF, would be read as LF). */
static char *put_string_byte(char *p, unsigned b)
{
    if (b == '(' || b == ')' || b == '\\') {
        *p++ = '\\';
    } else if (b == '\r') {
        *p++ = '\\';
        b = 'r';
    }
    *p++ = (char)b;
    return p;
}

/* Whether every character of s[0..len) is U+0000..U+00FF as next_code()
 * reads it: ASCII, or two bytes led by C2 or C3. Anything else, an invalid
 * byte (U+FFFD) included, is not. */
static int latin1_only(const unsigned char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] < 0x80)
            continue;
        if ((s[i] != 0xC2 && s[i] != 0xC3) || i + 1 == len || (s[i + 1] & 0xC0) != 0x80)
            return 0;
        i++;
    }
    return 1;
}

/* Writes the string operand(s) of a text element: "(...)" for Tj, or the
 * inside of a TJ array when `adjust` (the word spacing in thousandths of
 * the font size, formatted with a space on either side) is given. Strings
 * are literal. `one_byte`: in the font's one-byte variant, whose code is
 * the character itself (s[0..len) passed latin1_only()); else in the font
 * itself, two bytes a character, its UTF-16 code, as they are: half the
 * size of hex, so there is less to deflate. Marks every glyph used. */
static int put_text(canvas *c, pdf_font_rec *f, const unsigned char *s, size_t len, int one_byte,
                    const char *adjust, quire_error *err)
{
    size_t adjust_len = adjust ? strlen(adjust) : 0, i = 0, in_string = 0;
    char *p;

    if ((p = room(c, 8, err)) == NULL)
        return QUIRE_ERR;
    *p++ = '(';
    while (i < len) {
        size_t stop = len - i > TEXT_STEP ? i + TEXT_STEP : len;
        done(c, p);
        if ((p = room(c, TEXT_STEP * TEXT_BYTES_PER_INPUT + 8, err)) == NULL)
            return QUIRE_ERR;
        while (i < stop) {
            unsigned b = s[i];
            int32_t code;
            if (in_string == STRING_CODES) { /* a new string */
                p = pc_lit(p, ")(");
                in_string = 0;
            }
            /* Printable ASCII that needs no escape and no adjustment, most
             * of any report: the byte, after a 0 in the two-byte font. */
            if (b > ' ' && b < 0x7F && b != '(' && b != ')' && b != '\\') {
                pdf_glyph_use(f, b);
                if (!one_byte)
                    *p++ = '\0';
                *p++ = (char)b;
                i++;
                in_string++;
                continue;
            }
            code = next_code(s, len, &i);
            if (code < 0)
                continue;
            pdf_glyph_use(f, (unsigned)code);
            if (!one_byte)
                p = put_string_byte(p, (unsigned)code >> 8);
            p = put_string_byte(p, (unsigned)code & 0xFF);
            in_string++;
            if (code == ' ' && adjust != NULL) {
                *p++ = ')';
                p = pc_put(p, adjust, adjust_len);
                *p++ = '(';
                in_string = 0;
            }
        }
    }
    *p++ = ')';
    done(c, p);
    return QUIRE_OK;
}

static int draw_text(canvas *c, const quire_element *e, quire_error *err)
{
    pdf_doc *d = c->d;
    const double size = e->u.text.size, spacing = e->u.text.word_spacing;
    const unsigned char *s = (const unsigned char *)e->u.text.utf8;
    int64_t x, y, size10k;
    pdf_font_rec *font;
    const char *name;
    char adjust[PC_NUM_MAX + 4], *p, *a;
    int array, one_byte;

    if (!finite4(e->x, e->u.text.baseline, size, spacing))
        return element_error(c, err, "a coordinate is not finite");
    /* Sizes get 4 decimals: every advance scales with the size, so 2 would
     * move the end of a long line by a noticeable fraction of a point. */
    size10k = pc_round(size, 10000.0);
    if (e->fill.a == 0 || e->u.text.len == 0 || size10k <= 0)
        return QUIRE_OK;
    if (e->u.text.utf8 == NULL)
        return element_error(c, err, "text without its string");
    font = pdf_font(d, e->u.text.font, err);
    if (font == NULL)
        return QUIRE_ERR;
    one_byte = latin1_only(s, e->u.text.len);
    if (one_byte && font->name1 == NULL && pdf_font_one_byte(d, font, err) != QUIRE_OK)
        return QUIRE_ERR;
    one_byte = one_byte && font->name1 != NULL;
    name = one_byte ? font->name1 : font->name;
    if ((p = room(c, OP_ROOM, err)) == NULL)
        return QUIRE_ERR;
    if (!c->in_text) {
        p = pc_lit(p, "BT\n");
        c->in_text = 1;
        c->line_x = c->line_y = 0; /* BT starts at the origin */
    }
    if ((p = set_alpha(c, p, e->fill.a, err)) == NULL)
        return QUIRE_ERR;
    p = set_fill(c, p, e->fill);
    if (c->cur.font != name || c->cur.font_size != size10k) {
        *p++ = '/';
        p = pc_put(p, name, strlen(name));
        *p++ = ' ';
        p = pc_scaled(p, size10k, 10000);
        p = pc_lit(p, " Tf\n");
        c->cur.font = name;
        c->cur.font_size = size10k;
    }
    /* Td moves from the start of the previous line. */
    x = pc_hundredths(e->x);
    y = pc_hundredths(c->height - e->u.text.baseline);
    p = pc_fixed(p, x - c->line_x);
    *p++ = ' ';
    p = pc_fixed(p, y - c->line_y);
    p = pc_lit(p, " Td\n");
    c->line_x = x;
    c->line_y = y;
    /* A TJ adjustment moves the next glyph left by n/1000 of the font
     * size, so word_spacing points to the right is -1000 ws / size. */
    array = spacing != 0 || e->u.text.len > STRING_CODES;
    if (spacing != 0) {
        a = adjust;
        *a++ = ' ';
        a = pc_num(a, -1000.0 * spacing * 10000.0 / (double)size10k);
        *a++ = ' ';
        *a = '\0';
    }
    if (array)
        *p++ = '[';
    done(c, p);
    if (put_text(c, font, s, e->u.text.len, one_byte, spacing != 0 ? adjust : NULL, err) !=
        QUIRE_OK)
        return QUIRE_ERR;
    if ((p = room(c, 8, err)) == NULL)
        return QUIRE_ERR;
    p = array ? pc_lit(p, "] TJ\n") : pc_lit(p, " Tj\n");
    done(c, p);
    return QUIRE_OK;
}

/* ============================== Clipping ================================== */

/* Opens a clip region for the intersection of the boxes pushed. */
static char *clip_open(canvas *c, char *p)
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
    p = pc_lit(p, "q\n");
    c->saved = c->cur;
    p = put_xy(c, p, x0, y1);
    p = pc_num(p, x1 - x0);
    *p++ = ' ';
    p = pc_num(p, y1 - y0);
    p = pc_lit(p, " re\nW\nn\n");
    c->clipped = 1;
    return p;
}

static char *clip_close(canvas *c, char *p)
{
    if (!c->clipped)
        return p;
    p = pc_lit(p, "Q\n");
    c->cur = c->saved;
    c->clipped = 0;
    return p;
}

static int clip_push(canvas *c, const quire_element *e, quire_error *err)
{
    pdf_doc *d = c->d;
    double *box;
    char *p;

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
    if ((p = room(c, OP_ROOM, err)) == NULL)
        return QUIRE_ERR;
    box = d->clips + 4 * c->nclips++;
    box[0] = e->width < 0 ? e->x + e->width : e->x;
    box[1] = e->height < 0 ? e->y + e->height : e->y;
    box[2] = box[0] + fabs(e->width);
    box[3] = box[1] + fabs(e->height);
    p = end_text(c, p);
    p = clip_close(c, p);
    p = clip_open(c, p);
    done(c, p);
    return QUIRE_OK;
}

static int clip_pop(canvas *c, quire_error *err)
{
    char *p;

    if (c->nclips == 0)
        return element_error(c, err, "clip pop without a push");
    if ((p = room(c, OP_ROOM, err)) == NULL)
        return QUIRE_ERR;
    c->nclips--;
    p = end_text(c, p);
    p = clip_close(c, p);
    if (c->nclips > 0)
        p = clip_open(c, p);
    done(c, p);
    return QUIRE_OK;
}

/* ============================== Slots ===================================== */

/* A SLOT element of the page: the content so far ends here, the slot gets
 * its own empty stream and is registered for the slot op. */
static int mark_slot(canvas *c, const quire_element *e, quire_error *err)
{
    pdf_doc *d = c->d;
    const pdf_slot_rec *other;
    pdf_slot_rec slot;
    char problem[96], *p;

    if (c->slot != 0)
        return element_error(c, err, "a slot inside a slot");
    if (e->u.slot.id == 0)
        return element_error(c, err, "slot id 0 (ids start at 1)");
    other = pdf_slot_find(d, e->u.slot.id);
    if (other != NULL) {
        snprintf(problem, sizeof(problem), "slot %u is already on page %u", (unsigned)e->u.slot.id,
                 (unsigned)other->page);
        return element_error(c, err, problem);
    }
    if ((p = room(c, 8, err)) == NULL)
        return QUIRE_ERR;
    p = end_text(c, p); /* streams split between operators, outside BT ... ET */
    done(c, p);
    memset(&slot, 0, sizeof(slot));
    slot.id = e->u.slot.id;
    slot.page = c->number;
    slot.height = c->height;
    slot.hpage = c->page;
    slot.stream = pdf_content_split(d, c->number, err);
    if (slot.stream == NULL)
        return QUIRE_ERR;
    return pdf_slot_add(d, &slot, err);
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
    case QUIRE_EL_SLOT: return mark_slot(c, e, err);
    }
    return QUIRE_OK; /* a kind added after ABI 1.3: nothing this plugin can paint */
}

/* Paints elements[0..n) in order and closes the text object. */
static int draw_elements(canvas *c, const quire_element *elements, size_t n, quire_error *err)
{
    pdf_doc *d = c->d;
    char what[64], *p;

    for (c->index = 0; c->index < n; c->index++) {
        if (draw_element(c, &elements[c->index], err) != QUIRE_OK)
            return QUIRE_ERR;
        if (d->hpdf_error != 0) {
            where(c, what, sizeof(what));
            snprintf(what + strlen(what), sizeof(what) - strlen(what), ", element %zu",
                     c->index + 1);
            return pdf_check(d, err, what);
        }
    }
    if (c->nclips > 0) {
        where(c, what, sizeof(what));
        d->host->error_set(err, QUIRE_E_INTERNAL, "%s: %zu clip pushes without a pop", what,
                           c->nclips);
        return QUIRE_ERR;
    }
    if ((p = room(c, 8, err)) == NULL)
        return QUIRE_ERR;
    p = end_text(c, p);
    done(c, p);
    return QUIRE_OK;
}

int pdf_draw_page(pdf_doc *d, HPDF_Page page, const quire_page *qp, quire_error *err)
{
    canvas c;

    if (qp->nelements > 0 && qp->elements == NULL) {
        d->host->error_set(err, QUIRE_E_INTERNAL, "page %u: %zu elements but no array",
                           (unsigned)qp->number, qp->nelements);
        return QUIRE_ERR;
    }
    memset(&c, 0, sizeof(c));
    c.d = d;
    c.page = page;
    c.number = qp->number;
    c.height = qp->height;
    c.cur = page_pen;
    pdf_content_begin(d, page);
    if (draw_elements(&c, qp->elements, qp->nelements, err) != QUIRE_OK) {
        d->content.len = 0;
        return QUIRE_ERR;
    }
    return pdf_content_end(d, qp->number, err);
}

int pdf_draw_slot(pdf_doc *d, const pdf_slot_rec *slot, const quire_element *elements, size_t n,
                  quire_error *err)
{
    char what[48], *p;
    canvas c;

    if (n == 0)
        return QUIRE_OK; /* the value prints nothing: the stream stays empty */
    memset(&c, 0, sizeof(c));
    c.d = d;
    c.page = slot->hpage;
    c.number = slot->page;
    c.slot = slot->id;
    c.height = slot->height;
    c.cur = slot_pen;
    d->content.len = 0;
    if ((p = room(&c, 8, err)) == NULL)
        return QUIRE_ERR;
    p = pc_lit(p, "q\n");
    done(&c, p);
    if (draw_elements(&c, elements, n, err) != QUIRE_OK)
        goto fail_empty_buffer;
    if ((p = room(&c, 8, err)) == NULL)
        goto fail_empty_buffer;
    p = pc_lit(p, "Q\n");
    done(&c, p);
    where(&c, what, sizeof(what));
    return pdf_content_write(d, slot->stream, what, err);

fail_empty_buffer:
    d->content.len = 0;
    return QUIRE_ERR;
}
