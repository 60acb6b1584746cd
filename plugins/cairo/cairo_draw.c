/*
 * cairo_draw.c - paints the elements of one print-model page (quire/print.h)
 * onto a cairo context, in element order. The same code draws svg and png
 * pages: only the surface behind the context differs.
 *
 * The kernel has already laid out, measured and positioned everything, so
 * painting is direct: text is drawn glyph by glyph from (x, baseline) with
 * the font's own advances (no kerning, no hinted metrics), shapes are
 * filled and then stroked, colours carry straight alpha (0: skip that
 * paint). Elements with non-finite geometry are skipped; element kinds
 * from a later ABI minor too. Malformed input the kernel should never send
 * (a font index out of range, a path short of points) is an error naming
 * the page and the element.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>

#include "cairo_plugin.h"

/* Deepest CLIP_PUSH nesting followed; deeper pushes are ignored with their
 * pops. Bounds cairo's saved-state stack whatever the kernel sends. */
#define MAX_CLIP_DEPTH 256

/* Where an error happened: "page 3, element 12". */
typedef struct where {
    uint32_t page;
    size_t element;
} where;

/* Puts "page N, element I: " before a message from the font or image
 * cache, which do not know where they are used. */
static void prefix_where(const qcairo_painter *pr, where at, quire_error *err)
{
    quire_error inner = *err;

    pr->host->error_set(err, inner.code, "page %u, element %zu: %s", (unsigned)at.page, at.element,
                        inner.msg);
}

static void set_color(cairo_t *cr, quire_color c)
{
    cairo_set_source_rgba(cr, c.r / 255.0, c.g / 255.0, c.b / 255.0, c.a / 255.0);
}

static int box_finite(const quire_element *e)
{
    return isfinite(e->x) && isfinite(e->y) && isfinite(e->width) && isfinite(e->height);
}

/* The outline is drawn only with a positive width and a visible colour. */
static int strokes(const quire_element *e)
{
    return e->stroke.a > 0 && isfinite(e->line_width) && e->line_width > 0;
}

/* Fills (non-zero winding) and then strokes the current path. */
static void fill_and_stroke(cairo_t *cr, const quire_element *e)
{
    if (e->fill.a > 0) {
        set_color(cr, e->fill);
        cairo_set_fill_rule(cr, CAIRO_FILL_RULE_WINDING);
        cairo_fill_preserve(cr);
    }
    if (strokes(e)) {
        set_color(cr, e->stroke);
        cairo_set_line_width(cr, e->line_width);
        cairo_stroke_preserve(cr);
    }
    cairo_new_path(cr);
}

/* ============================== Shapes ==================================== */

static void draw_line(cairo_t *cr, const quire_element *e)
{
    if (!strokes(e))
        return;
    cairo_move_to(cr, e->x, e->y);
    cairo_line_to(cr, e->x + e->width, e->y + e->height);
    set_color(cr, e->stroke);
    cairo_set_line_width(cr, e->line_width);
    cairo_stroke(cr);
}

static void draw_rect(cairo_t *cr, const quire_element *e)
{
    double x0 = e->x, y0 = e->y, x1 = e->x + e->width, y1 = e->y + e->height;
    /* On a raster, rectangles that touch (a row of header cells) would
     * leave a lighter seam where two antialiased edges share a pixel:
     * snap the edges of a fill without outline to whole device pixels.
     * Vector output keeps them. */
    if (e->line_width <= 0 &&
        cairo_surface_get_type(cairo_get_target(cr)) == CAIRO_SURFACE_TYPE_IMAGE) {
        cairo_user_to_device(cr, &x0, &y0);
        cairo_user_to_device(cr, &x1, &y1);
        x0 = round(x0);
        y0 = round(y0);
        x1 = round(x1);
        y1 = round(y1);
        cairo_device_to_user(cr, &x0, &y0);
        cairo_device_to_user(cr, &x1, &y1);
    }
    cairo_rectangle(cr, x0, y0, x1 - x0, y1 - y0);
    fill_and_stroke(cr, e);
}

static void draw_ellipse(cairo_t *cr, const quire_element *e)
{
    if (e->width == 0 || e->height == 0) {
        /* A flat box: only its outline, a line, can show (scaling by 0
         * would put the context in an error state). */
        draw_line(cr, e);
        return;
    }
    /* The path is built in a scaled space but kept in device space, so
     * the stroke after restore has an even width. */
    cairo_save(cr);
    cairo_translate(cr, e->x + e->width / 2, e->y + e->height / 2);
    cairo_scale(cr, e->width / 2, e->height / 2);
    cairo_new_path(cr);
    cairo_arc(cr, 0, 0, 1, 0, 2 * M_PI);
    cairo_close_path(cr);
    cairo_restore(cr);
    fill_and_stroke(cr, e);
}

/* Points each verb consumes, or -1 for a verb this renderer does not know. */
static int verb_points(uint8_t verb)
{
    switch (verb) {
    case QUIRE_PATH_MOVE:
    case QUIRE_PATH_LINE: return 1;
    case QUIRE_PATH_CURVE: return 3;
    case QUIRE_PATH_CLOSE: return 0;
    }
    return -1;
}

static int draw_path(const qcairo_painter *pr, cairo_t *cr, const quire_element *e, where at,
                     quire_error *err)
{
    const uint8_t *verbs = e->u.path.verbs;
    const double *p = e->u.path.points;
    size_t need = 0;

    if ((e->u.path.nverbs > 0 && verbs == NULL) || (e->u.path.npoints > 0 && p == NULL)) {
        pr->host->error_set(err, QUIRE_E_INTERNAL, "page %u, element %zu: path without arrays",
                            (unsigned)at.page, at.element);
        return QUIRE_ERR;
    }
    for (size_t i = 0; i < e->u.path.nverbs; i++) {
        int n = verb_points(verbs[i]);
        if (n < 0) {
            pr->host->error_set(err, QUIRE_E_INTERNAL,
                                "page %u, element %zu: path verb %zu is %u, not a QUIRE_PATH_* "
                                "verb",
                                (unsigned)at.page, at.element, i, (unsigned)verbs[i]);
            return QUIRE_ERR;
        }
        need += (size_t)n;
    }
    if (need > e->u.path.npoints) {
        pr->host->error_set(err, QUIRE_E_INTERNAL,
                            "page %u, element %zu: the path's verbs need %zu points, it has %zu",
                            (unsigned)at.page, at.element, need, e->u.path.npoints);
        return QUIRE_ERR;
    }
    for (size_t i = 0; i < need * 2; i++)
        if (!isfinite(p[i]))
            return QUIRE_OK; /* skipped, like any non-finite geometry */
    cairo_new_path(cr);
    for (size_t i = 0; i < e->u.path.nverbs; i++) {
        switch (verbs[i]) {
        case QUIRE_PATH_MOVE: cairo_move_to(cr, p[0], p[1]); break;
        case QUIRE_PATH_LINE: cairo_line_to(cr, p[0], p[1]); break;
        case QUIRE_PATH_CURVE: cairo_curve_to(cr, p[0], p[1], p[2], p[3], p[4], p[5]); break;
        case QUIRE_PATH_CLOSE: cairo_close_path(cr); break;
        }
        p += 2 * verb_points(verbs[i]);
    }
    fill_and_stroke(cr, e);
    return QUIRE_OK;
}

/* ============================== Text ====================================== */

/* Moves every glyph that follows a U+0020 by `spacing` per space before
 * it. cairo's FreeType fonts map text to glyphs one cluster per code
 * point, in order; the clusters say which bytes each glyph came from. */
static void spread_words(cairo_glyph_t *glyphs, int nglyphs, const cairo_text_cluster_t *clusters,
                         int nclusters, const char *utf8, double spacing)
{
    double shift = 0;
    int g = 0;
    size_t b = 0;

    for (int c = 0; c < nclusters && g < nglyphs; c++) {
        for (int i = 0; i < clusters[c].num_glyphs && g < nglyphs; i++)
            glyphs[g++].x += shift;
        for (int i = 0; i < clusters[c].num_bytes; i++)
            if (utf8[b++] == ' ')
                shift += spacing;
    }
}

static int draw_text(const qcairo_painter *pr, cairo_t *cr, const quire_element *e, where at,
                     quire_error *err)
{
    cairo_glyph_t *glyphs = NULL;
    cairo_text_cluster_t *clusters = NULL;
    cairo_text_cluster_flags_t flags = 0;
    int nglyphs = 0, nclusters = 0;
    int spread = e->u.text.word_spacing != 0 && isfinite(e->u.text.word_spacing);
    cairo_scaled_font_t *font;
    cairo_font_face_t *face;
    cairo_status_t status;

    if (e->fill.a == 0 || e->u.text.len == 0 || !isfinite(e->u.text.size) || e->u.text.size <= 0 ||
        !isfinite(e->u.text.baseline))
        return QUIRE_OK;
    if (e->u.text.utf8 == NULL || e->u.text.len > INT_MAX) {
        pr->host->error_set(err, QUIRE_E_INTERNAL, "page %u, element %zu: text of %zu bytes at %p",
                            (unsigned)at.page, at.element, e->u.text.len,
                            (const void *)e->u.text.utf8);
        return QUIRE_ERR;
    }
    face = qcairo_fonts_face(pr->fonts, e->u.text.font, err);
    if (face == NULL) {
        prefix_where(pr, at, err);
        return QUIRE_ERR;
    }
    cairo_set_font_face(cr, face);
    cairo_set_font_size(cr, e->u.text.size);
    font = cairo_get_scaled_font(cr);
    status = cairo_scaled_font_text_to_glyphs(
        font, e->x, e->u.text.baseline, e->u.text.utf8, (int)e->u.text.len, &glyphs, &nglyphs,
        spread ? &clusters : NULL, spread ? &nclusters : NULL, spread ? &flags : NULL);
    if (status != CAIRO_STATUS_SUCCESS) {
        pr->host->error_set(err, QUIRE_E_INVALID,
                            "page %u, element %zu: cannot draw text '%.*s': %s", (unsigned)at.page,
                            at.element, (int)(e->u.text.len < 40 ? e->u.text.len : 40),
                            e->u.text.utf8, cairo_status_to_string(status));
        return QUIRE_ERR;
    }
    if (spread && !(flags & CAIRO_TEXT_CLUSTER_FLAG_BACKWARD))
        spread_words(glyphs, nglyphs, clusters, nclusters, e->u.text.utf8, e->u.text.word_spacing);
    set_color(cr, e->fill);
    cairo_show_glyphs(cr, glyphs, nglyphs);
    cairo_glyph_free(glyphs);
    cairo_text_cluster_free(clusters);
    return QUIRE_OK;
}

/* ============================== Images ==================================== */

static int draw_image(const qcairo_painter *pr, cairo_t *cr, const quire_element *e, where at,
                      quire_error *err)
{
    cairo_surface_t *image;
    int iw, ih;

    if (e->width == 0 || e->height == 0)
        return QUIRE_OK;
    image = qcairo_images_surface(pr->images, e->u.image.image, err);
    if (image == NULL) {
        prefix_where(pr, at, err);
        return QUIRE_ERR;
    }
    iw = cairo_image_surface_get_width(image);
    ih = cairo_image_surface_get_height(image);
    cairo_save(cr);
    cairo_rectangle(cr, e->x, e->y, e->width, e->height);
    cairo_clip(cr);
    cairo_translate(cr, e->x, e->y);
    cairo_scale(cr, e->width / iw, e->height / ih);
    cairo_set_source_surface(cr, image, 0, 0);
    if (pr->pad_images) /* edges stay sharp instead of blending into the page */
        cairo_pattern_set_extend(cairo_get_source(cr), CAIRO_EXTEND_PAD);
    cairo_paint(cr);
    cairo_restore(cr);
    return QUIRE_OK;
}

/* ============================== Page ====================================== */

int qcairo_draw_page(const qcairo_painter *pr, cairo_t *cr, const quire_page *page,
                     quire_error *err)
{
    int depth = 0, ignored = 0, rc = QUIRE_OK;
    where at = {page->number, 0};

    if (page->nelements > 0 && page->elements == NULL) {
        pr->host->error_set(err, QUIRE_E_INTERNAL, "page %u: %zu elements but no array",
                            (unsigned)page->number, page->nelements);
        return QUIRE_ERR;
    }
    cairo_save(cr);
    cairo_set_font_options(cr, pr->font_options);
    for (size_t i = 0; i < page->nelements && rc == QUIRE_OK; i++) {
        const quire_element *e = &page->elements[i];
        cairo_status_t status;

        at.element = i;
        if (e->kind == QUIRE_EL_CLIP_POP) {
            if (ignored > 0) {
                ignored--;
            } else if (depth > 0) {
                cairo_restore(cr);
                depth--;
            }
            continue;
        }
        if (e->kind != QUIRE_EL_TEXT && e->kind != QUIRE_EL_PATH && !box_finite(e)) {
            if (e->kind == QUIRE_EL_CLIP_PUSH)
                ignored++; /* its pop must not undo an outer clip */
            continue;
        }
        switch (e->kind) {
        case QUIRE_EL_TEXT:
            if (isfinite(e->x))
                rc = draw_text(pr, cr, e, at, err);
            break;
        case QUIRE_EL_LINE: draw_line(cr, e); break;
        case QUIRE_EL_RECT: draw_rect(cr, e); break;
        case QUIRE_EL_ELLIPSE: draw_ellipse(cr, e); break;
        case QUIRE_EL_IMAGE: rc = draw_image(pr, cr, e, at, err); break;
        case QUIRE_EL_PATH: rc = draw_path(pr, cr, e, at, err); break;
        case QUIRE_EL_CLIP_PUSH:
            if (depth == MAX_CLIP_DEPTH || ignored > 0) {
                ignored++;
                break;
            }
            cairo_save(cr);
            cairo_rectangle(cr, e->x, e->y, e->width, e->height);
            cairo_clip(cr);
            depth++;
            break;
        default: break; /* a kind from a later ABI minor */
        }
        status = cairo_status(cr);
        if (rc == QUIRE_OK && status != CAIRO_STATUS_SUCCESS) {
            pr->host->error_set(err, QUIRE_E_INTERNAL, "page %u, element %zu: cairo: %s",
                                (unsigned)at.page, at.element, cairo_status_to_string(status));
            rc = QUIRE_ERR;
        }
    }
    while (depth-- > 0)
        cairo_restore(cr);
    cairo_restore(cr);
    return rc;
}
