/*
 * html_svg.c - the vector elements of one band instance as one inline SVG.
 *
 * The SVG's viewBox is in page points, so every element keeps the
 * coordinates the kernel gave it and the drawing scales as a whole (down to
 * a phone's width) without anything moving relative to anything else.
 * Fills and strokes follow the print model: straight alpha as
 * fill-opacity/stroke-opacity, alpha 0 or a zero line width paints
 * nothing, paths fill non-zero. An element under a clip gets its own
 * clipPath holding the intersection of the clips around it (computed by
 * html_page.c), unless it lies wholly inside. Images are embedded whole as
 * data: URIs, scaled into their box as the model says (not kept in
 * proportion).
 */
#include <string.h>

#include "html.h"

/* ============================== Geometry ================================== */

static html_rect rect_of(double x, double y, double w, double h)
{
    html_rect r;

    r.x0 = w < 0 ? x + w : x;
    r.x1 = w < 0 ? x : x + w;
    r.y0 = h < 0 ? y + h : y;
    r.y1 = h < 0 ? y : y + h;
    return r;
}

static int stroked(const quire_element *e)
{
    return e->line_width > 0 && e->stroke.a > 0;
}

html_rect html_svg_extent(const quire_element *e)
{
    html_rect r = rect_of(e->x, e->y, e->width, e->height);
    double half = stroked(e) ? e->line_width / 2 : 0;

    if (e->kind == QUIRE_EL_PATH && e->u.path.points != NULL && e->u.path.npoints > 0) {
        const double *p = e->u.path.points;
        r.x0 = r.x1 = p[0];
        r.y0 = r.y1 = p[1];
        for (size_t i = 1; i < e->u.path.npoints; i++) {
            double x = p[2 * i], y = p[2 * i + 1];
            r.x0 = x < r.x0 ? x : r.x0;
            r.x1 = x > r.x1 ? x : r.x1;
            r.y0 = y < r.y0 ? y : r.y0;
            r.y1 = y > r.y1 ? y : r.y1;
        }
    }
    if (e->kind == QUIRE_EL_TEXT || e->kind == QUIRE_EL_IMAGE)
        half = 0;
    r.x0 -= half;
    r.y0 -= half;
    r.x1 += half;
    r.y1 += half;
    return r;
}

static int rect_inside(html_rect inner, html_rect outer)
{
    return inner.x0 >= outer.x0 && inner.y0 >= outer.y0 && inner.x1 <= outer.x1 &&
           inner.y1 <= outer.y1;
}

/* ============================== Attributes ================================ */

static void attr_num(html_out *out, const char *name, double v)
{
    html_out_fmt(out, " %s=\"", name);
    html_out_num(out, v);
    html_out_puts(out, "\"");
}

/* fill and stroke of a shape; a LINE has no fill. */
static void paint_attrs(html_out *out, const quire_element *e, int fill)
{
    if (!fill || e->fill.a == 0) {
        html_out_puts(out, " fill=\"none\"");
    } else {
        html_out_fmt(out, " fill=\"#%02x%02x%02x\"", e->fill.r, e->fill.g, e->fill.b);
        if (e->fill.a < 255)
            attr_num(out, "fill-opacity", e->fill.a / 255.0);
    }
    if (stroked(e)) {
        html_out_fmt(out, " stroke=\"#%02x%02x%02x\"", e->stroke.r, e->stroke.g, e->stroke.b);
        if (e->stroke.a < 255)
            attr_num(out, "stroke-opacity", e->stroke.a / 255.0);
        attr_num(out, "stroke-width", e->line_width);
    }
}

static const char *image_mime(const quire_image *img)
{
    return img->format == QUIRE_IMAGE_JPEG ? "image/jpeg" : "image/png";
}

static void data_uri(html_out *out, const quire_image *img)
{
    html_out_fmt(out, "data:%s;base64,", image_mime(img));
    html_out_base64(out, img->data, img->len);
}

/* ============================== Elements ================================== */

static void write_path_data(html_out *out, const quire_element *e)
{
    const double *p = e->u.path.points;
    size_t used = 0;

    html_out_puts(out, " d=\"");
    for (size_t i = 0; i < e->u.path.nverbs; i++) {
        static const char letters[] = {0, 'M', 'L', 'C', 'Z'};
        static const size_t takes[] = {0, 1, 1, 3, 0};
        uint8_t verb = e->u.path.verbs[i];
        if (verb < QUIRE_PATH_MOVE || verb > QUIRE_PATH_CLOSE ||
            used + takes[verb] > e->u.path.npoints)
            break; /* html_page.c refuses such paths; never read past */
        html_out_fmt(out, "%s%c", i > 0 ? " " : "", letters[verb]);
        for (size_t k = 0; k < takes[verb]; k++, used++) {
            html_out_puts(out, " ");
            html_out_num(out, p[2 * used]);
            html_out_puts(out, " ");
            html_out_num(out, p[2 * used + 1]);
        }
    }
    html_out_puts(out, "\"");
}

static void write_text(const html_svg_page *sp, const quire_element *e, int flags)
{
    html_out *out = sp->d->out;
    double x = e->x;
    const char *anchor = NULL;

    if (e->fill.a == 0 || e->u.text.len == 0)
        return;
    /* The reader's font may be wider or narrower than the one the kernel
     * measured: anchoring a centred or right-aligned label where the
     * report aligned it keeps it centred under its bar or flush with its
     * axis whatever the width comes out as. */
    if ((flags & HTML_SVG_ANCHOR) && e->u.text.align == QUIRE_ALIGN_CENTER) {
        x += e->width / 2;
        anchor = "middle";
    } else if ((flags & HTML_SVG_ANCHOR) && e->u.text.align == QUIRE_ALIGN_RIGHT) {
        x += e->width;
        anchor = "end";
    }
    html_out_fmt(out, "<text class=\"f%u\"", (unsigned)e->u.text.font);
    attr_num(out, "x", x);
    attr_num(out, "y", e->u.text.baseline);
    attr_num(out, "font-size", e->u.text.size);
    if (anchor != NULL)
        html_out_fmt(out, " text-anchor=\"%s\"", anchor);
    if (e->u.text.word_spacing != 0)
        attr_num(out, "word-spacing", e->u.text.word_spacing);
    paint_attrs(out, e, 1);
    html_out_puts(out, " style=\"white-space:pre\">");
    html_out_text(out, e->u.text.utf8, e->u.text.len);
    html_out_puts(out, "</text>");
}

/* One element in SVG; TEXT only with HTML_SVG_TEXT. */
static void write_element(const html_svg_page *sp, const quire_element *e, int flags)
{
    html_out *out = sp->d->out;
    html_rect r = rect_of(e->x, e->y, e->width, e->height);

    switch (e->kind) {
    case QUIRE_EL_LINE:
        if (!stroked(e))
            return;
        html_out_puts(out, "<line");
        attr_num(out, "x1", e->x);
        attr_num(out, "y1", e->y);
        attr_num(out, "x2", e->x + e->width);
        attr_num(out, "y2", e->y + e->height);
        paint_attrs(out, e, 0);
        html_out_puts(out, "/>");
        return;
    case QUIRE_EL_RECT:
        html_out_puts(out, "<rect");
        attr_num(out, "x", r.x0);
        attr_num(out, "y", r.y0);
        attr_num(out, "width", r.x1 - r.x0);
        attr_num(out, "height", r.y1 - r.y0);
        paint_attrs(out, e, 1);
        html_out_puts(out, "/>");
        return;
    case QUIRE_EL_ELLIPSE:
        html_out_puts(out, "<ellipse");
        attr_num(out, "cx", (r.x0 + r.x1) / 2);
        attr_num(out, "cy", (r.y0 + r.y1) / 2);
        attr_num(out, "rx", (r.x1 - r.x0) / 2);
        attr_num(out, "ry", (r.y1 - r.y0) / 2);
        paint_attrs(out, e, 1);
        html_out_puts(out, "/>");
        return;
    case QUIRE_EL_PATH:
        html_out_puts(out, "<path");
        write_path_data(out, e);
        paint_attrs(out, e, 1);
        html_out_puts(out, "/>");
        return;
    case QUIRE_EL_IMAGE:
        html_out_puts(out, "<image");
        attr_num(out, "x", r.x0);
        attr_num(out, "y", r.y0);
        attr_num(out, "width", r.x1 - r.x0);
        attr_num(out, "height", r.y1 - r.y0);
        html_out_puts(out, " preserveAspectRatio=\"none\" href=\"");
        data_uri(out, &sp->d->doc.images[e->u.image.image]);
        html_out_puts(out, "\"/>");
        return;
    case QUIRE_EL_TEXT:
        if (flags & HTML_SVG_TEXT)
            write_text(sp, e, flags);
        return;
    }
}

/* ============================== SVG ======================================= */

void html_svg_element(const html_svg_page *sp, size_t idx, int flags)
{
    html_out *out = sp->d->out;
    const quire_element *e = &sp->page->elements[idx];
    int32_t clip = sp->clip_of[idx];
    int grouped;

    /* Clip pushes and pops, marks and kinds of a later minor draw nothing:
     * no clip group for them either. */
    if (!(e->kind == QUIRE_EL_LINE || e->kind == QUIRE_EL_RECT || e->kind == QUIRE_EL_ELLIPSE ||
          e->kind == QUIRE_EL_PATH || e->kind == QUIRE_EL_IMAGE ||
          (e->kind == QUIRE_EL_TEXT && (flags & HTML_SVG_TEXT))))
        return;
    grouped = clip >= 0 && !rect_inside(html_svg_extent(e), sp->clips[clip]);
    if (grouped) {
        html_rect c = sp->clips[clip];
        html_out_fmt(out, "<clipPath id=\"k%u-%zu\"><rect", (unsigned)sp->page->number, idx);
        attr_num(out, "x", c.x0);
        attr_num(out, "y", c.y0);
        attr_num(out, "width", c.x1 - c.x0);
        attr_num(out, "height", c.y1 - c.y0);
        html_out_fmt(out, "/></clipPath><g clip-path=\"url(#k%u-%zu)\">",
                     (unsigned)sp->page->number, idx);
    }
    write_element(sp, e, flags);
    if (grouped)
        html_out_puts(out, "</g>");
}

void html_svg_write(const html_svg_page *sp, const size_t *elements, size_t count, html_rect view,
                    int layer, const char *css_class)
{
    html_out *out = sp->d->out;
    double w = view.x1 - view.x0, h = view.y1 - view.y0;

    html_out_fmt(out, "<svg class=\"%s\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"",
                 css_class);
    html_out_num(out, view.x0);
    html_out_puts(out, " ");
    html_out_num(out, view.y0);
    html_out_puts(out, " ");
    html_out_num(out, w);
    html_out_puts(out, " ");
    html_out_num(out, h);
    html_out_puts(out, "\"");
    attr_num(out, "width", w);
    attr_num(out, "height", h);
    /* The viewBox unit is the point; the size attributes are in CSS px
     * unless written with a unit, so they carry "pt" in a style. A layer
     * takes its width from the page card instead. */
    if (!layer) {
        html_out_puts(out, " style=\"width:");
        html_out_num(out, w);
        html_out_puts(out, "pt\"");
    }
    html_out_puts(out, " role=\"img\">");
    for (size_t i = 0; i < count; i++)
        html_svg_element(sp, elements[i], layer ? HTML_SVG_TEXT : 0);
    html_out_puts(out, "</svg>\n");
}

void html_svg_img(const html_svg_page *sp, const quire_element *e)
{
    html_out *out = sp->d->out;
    html_rect r = rect_of(e->x, e->y, e->width, e->height);

    html_out_puts(out, "<img class=\"art\" alt=\"\"");
    attr_num(out, "width", r.x1 - r.x0);
    attr_num(out, "height", r.y1 - r.y0);
    html_out_puts(out, " style=\"width:");
    html_out_num(out, r.x1 - r.x0);
    html_out_puts(out, "pt\" src=\"");
    data_uri(out, &sp->d->doc.images[e->u.image.image]);
    html_out_puts(out, "\">\n");
}
