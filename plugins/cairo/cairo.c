/*
 * cairo.c - the cairo renderer plugin (QUIRE_KIND_RENDERER, "cairo"): the
 * page formats svg (vector, SVG 1.1) and png (raster, at the configured
 * dpi), both drawn by cairo, both one file per page.
 *
 * A document: begin() prepares the output (cairo_out.c), the fonts
 * (cairo_font.c) and the images (cairo_image.c); page() makes one cairo
 * surface of the page's size, paints the elements on it (cairo_draw.c)
 * and writes the surface to the page's temporary file; end() puts the
 * files in place; abort(), or an end() that fails, removes them.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cairo-svg.h>

#include "cairo_plugin.h"

/* ============================== Configuration ============================= */

/* [renderer.cairo] */
static const quire_config_key qcairo_config[] = {
    {.name = "dpi",
     .type = QUIRE_CONF_INT,
     .default_value = "96",
     .min = "18",
     .max = "600",
     .help = "png: pixels per inch; a page of W x H points is W*dpi/72 x H*dpi/72 pixels."},
    {.name = "background",
     .type = QUIRE_CONF_STRING,
     .default_value = "#ffffff",
     .help = "png: the colour under every page, #rrggbb or #rrggbbaa, or transparent."},
    {0},
};

static const quire_format svg_format = {
    .size = sizeof(quire_format),
    .name = "svg",
    .extension = "svg",
    .mime_type = "image/svg+xml",
    .description = "one SVG 1.1 file per page, text as glyph outlines",
    .flags = QUIRE_FORMAT_PER_PAGE,
};

static const quire_format png_format = {
    .size = sizeof(quire_format),
    .name = "png",
    .extension = "png",
    .mime_type = "image/png",
    .description = "one PNG image per page at [renderer.cairo] dpi",
    .flags = QUIRE_FORMAT_PER_PAGE | QUIRE_FORMAT_BINARY,
};

/* ============================== State ===================================== */

/* Shared by every document; read-only after init(). */
typedef struct qcairo_plugin {
    const quire_host *host;
    quire_plugin *self;
    qcairo_settings settings;
} qcairo_plugin;

/* One document being rendered; used by one render worker at a time. */
typedef struct qcairo_doc {
    const qcairo_plugin *plugin;
    int png;              /* else svg */
    uint32_t failed_page; /* the first page that failed, 0 if none */
    qcairo_out *out;
    qcairo_fonts *fonts;
    qcairo_images *images;
    cairo_font_options_t *font_options;
    qcairo_painter painter;
} qcairo_doc;

/* ============================== Lifecycle hooks =========================== */

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* "#rrggbb", "#rrggbbaa" or "transparent" into rgba in 0..1; -1 if none. */
static int parse_background(const char *text, double rgba[4])
{
    size_t len;

    if (text == NULL)
        return -1;
    if (strcmp(text, "transparent") == 0) {
        rgba[0] = rgba[1] = rgba[2] = rgba[3] = 0;
        return 0;
    }
    len = strlen(text);
    if (text[0] != '#' || (len != 7 && len != 9))
        return -1;
    rgba[3] = 1;
    for (size_t i = 0; i * 2 + 1 < len; i++) {
        int hi = hex_digit(text[1 + 2 * i]), lo = hex_digit(text[2 + 2 * i]);
        if (hi < 0 || lo < 0)
            return -1;
        rgba[i] = (hi * 16 + lo) / 255.0;
    }
    return 0;
}

/* init: main thread. Registers both formats and reads the settings. */
static int qcairo_init(const quire_host *host, quire_plugin *self, const quire_config *config,
                       void **state, quire_error *err)
{
    const char *background = host->config_string(config, "background");
    qcairo_plugin *p;
    mode_t mask;

    if (host->register_format(self, &svg_format, err) != QUIRE_OK ||
        host->register_format(self, &png_format, err) != QUIRE_OK)
        return QUIRE_ERR;
    p = host->calloc(1, sizeof(*p));
    if (p == NULL) {
        host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return QUIRE_ERR;
    }
    if (parse_background(background, p->settings.background) != 0) {
        const char *origin = host->config_origin(config, "background");
        host->error_set(err, QUIRE_E_CONFIG,
                        "%s: [renderer.cairo] background: '%.40s' is not a colour (write "
                        "#rrggbb, #rrggbbaa or transparent)",
                        origin ? origin : "default", background ? background : "");
        host->free(p);
        return QUIRE_ERR;
    }
    p->host = host;
    p->self = self;
    p->settings.dpi = (double)host->config_int(config, "dpi");
    /* umask can only be read by setting it: here, on the main thread,
     * before any render worker runs. */
    mask = umask(022);
    umask(mask);
    p->settings.file_mode = 0666 & ~mask;
    *state = p;
    return QUIRE_OK;
}

/* destroy: main thread, last hook. */
static void qcairo_destroy(void *state)
{
    qcairo_plugin *p = state;

    if (p != NULL)
        p->host->free(p);
}

/* ============================== Renderer ops ============================== */

/* Releases a document; on `failed` its files are removed. */
static void doc_free(qcairo_doc *d, int failed)
{
    if (failed)
        qcairo_out_discard(d->out);
    qcairo_images_free(d->images);
    qcairo_fonts_free(d->fonts);
    if (d->font_options != NULL)
        cairo_font_options_destroy(d->font_options);
    d->plugin->host->free(d);
}

/* begin: render worker. */
static int qcairo_begin(void *state, const quire_document *doc, void **instance, quire_error *err)
{
    const qcairo_plugin *p = state;
    const quire_host *host = p->host;
    size_t min = offsetof(quire_document, last_page) + sizeof(doc->last_page);
    const quire_format *format;
    uint32_t expected = 0;
    qcairo_doc *d;

    if (doc == NULL || doc->size < min) {
        host->error_set(err, QUIRE_E_ABI, "document size %u, at least %zu (ABI 1.2) required",
                        doc ? (unsigned)doc->size : 0u, min);
        return QUIRE_ERR;
    }
    if (doc->format != NULL && strcmp(doc->format, "svg") == 0)
        format = &svg_format;
    else if (doc->format != NULL && strcmp(doc->format, "png") == 0)
        format = &png_format;
    else {
        host->error_set(err, QUIRE_E_INTERNAL,
                        "format '%s' is not written by this plugin (svg, png)",
                        doc->format ? doc->format : "(null)");
        return QUIRE_ERR;
    }
    if (doc->output_path == NULL || doc->output_path[0] == '\0') {
        host->error_set(err, QUIRE_E_INTERNAL, "format '%s': no output path", format->name);
        return QUIRE_ERR;
    }
    d = host->calloc(1, sizeof(*d));
    if (d == NULL) {
        host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return QUIRE_ERR;
    }
    d->plugin = p;
    d->png = format == &png_format;
    if (doc->first_page > 0 && doc->last_page >= doc->first_page)
        expected = doc->last_page - doc->first_page + 1;
    d->out = qcairo_out_open(host, doc->output_path, format->name, format->extension,
                             p->settings.file_mode, expected, err);
    if (d->out == NULL)
        goto fail_free_doc;
    d->fonts = qcairo_fonts_new(host, doc->fonts, doc->nfonts, err);
    if (d->fonts == NULL)
        goto fail_free_doc;
    d->images = qcairo_images_new(host, p->self, doc->images, doc->nimages, !d->png, err);
    if (d->images == NULL)
        goto fail_free_doc;
    /* The kernel measured with unhinted advances; cairo must place
     * glyphs the same way, and draw unhinted outlines. */
    d->font_options = cairo_font_options_create();
    if (cairo_font_options_status(d->font_options) != CAIRO_STATUS_SUCCESS) {
        host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        goto fail_free_doc;
    }
    cairo_font_options_set_hint_metrics(d->font_options, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(d->font_options, CAIRO_HINT_STYLE_NONE);
    d->painter = (qcairo_painter){host, d->fonts, d->images, d->font_options, d->png};
    *instance = d;
    return QUIRE_OK;

fail_free_doc:
    doc_free(d, 1);
    return QUIRE_ERR;
}

/* Paints the page on a new SVG surface writing to the page's file. */
static int render_svg(qcairo_doc *d, const quire_page *page, quire_error *err)
{
    const quire_host *host = d->plugin->host;
    cairo_surface_t *surface;
    cairo_status_t status;
    cairo_t *cr;
    int rc;

    surface =
        cairo_svg_surface_create_for_stream(qcairo_out_write, d->out, page->width, page->height);
    cairo_svg_surface_restrict_to_version(surface, CAIRO_SVG_VERSION_1_1);
    cairo_svg_surface_set_document_unit(surface, CAIRO_SVG_UNIT_PT);
    cr = cairo_create(surface);
    rc = qcairo_draw_page(&d->painter, cr, page, err);
    cairo_destroy(cr);
    cairo_surface_finish(surface); /* writes the document */
    status = cairo_surface_status(surface);
    cairo_surface_destroy(surface);
    if (rc != QUIRE_OK)
        return QUIRE_ERR;
    if (status == CAIRO_STATUS_WRITE_ERROR && qcairo_out_failure(d->out, err) != QUIRE_OK)
        return QUIRE_ERR;
    if (status != CAIRO_STATUS_SUCCESS) {
        host->error_set(err, QUIRE_E_INTERNAL, "page %u: cairo cannot write SVG: %s",
                        (unsigned)page->number, cairo_status_to_string(status));
        return QUIRE_ERR;
    }
    return QUIRE_OK;
}

/* Paints the page on a new image at the configured dpi and encodes it. */
static int render_png(qcairo_doc *d, const quire_page *page, quire_error *err)
{
    const quire_host *host = d->plugin->host;
    const qcairo_settings *s = &d->plugin->settings;
    double scale = s->dpi / 72.0;
    double w = floor(page->width * scale + 0.5), h = floor(page->height * scale + 0.5);
    cairo_surface_t *surface;
    cairo_status_t status;
    cairo_t *cr;
    int rc;

    if (w < 1)
        w = 1;
    if (h < 1)
        h = 1;
    if (w > QCAIRO_MAX_SIDE || h > QCAIRO_MAX_SIDE || w * h > QCAIRO_MAX_PIXELS) {
        host->error_set(err, QUIRE_E_INVALID,
                        "page %u: %g x %g pt at %g dpi is %.0f x %.0f pixels; png pages have at "
                        "most %d on a side and %u in all (lower [renderer.cairo] dpi)",
                        (unsigned)page->number, page->width, page->height, s->dpi, w, h,
                        QCAIRO_MAX_SIDE, QCAIRO_MAX_PIXELS);
        return QUIRE_ERR;
    }
    surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)w, (int)h);
    if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(surface);
        host->error_set(err, QUIRE_E_NOMEM, "page %u: no memory for %.0f x %.0f pixels",
                        (unsigned)page->number, w, h);
        return QUIRE_ERR;
    }
    cr = cairo_create(surface);
    if (s->background[3] > 0) {
        cairo_set_source_rgba(cr, s->background[0], s->background[1], s->background[2],
                              s->background[3]);
        cairo_paint(cr);
    }
    cairo_scale(cr, scale, scale);
    rc = qcairo_draw_page(&d->painter, cr, page, err);
    cairo_destroy(cr);
    if (rc != QUIRE_OK) {
        cairo_surface_destroy(surface);
        return QUIRE_ERR;
    }
    status = cairo_surface_write_to_png_stream(surface, qcairo_out_write, d->out);
    cairo_surface_destroy(surface);
    if (status == CAIRO_STATUS_WRITE_ERROR && qcairo_out_failure(d->out, err) != QUIRE_OK)
        return QUIRE_ERR;
    if (status != CAIRO_STATUS_SUCCESS) {
        host->error_set(err, QUIRE_E_INTERNAL, "page %u: cairo cannot write PNG: %s",
                        (unsigned)page->number, cairo_status_to_string(status));
        return QUIRE_ERR;
    }
    return QUIRE_OK;
}

/* Checks the page and renders it into the page's file. */
static int render_page(qcairo_doc *d, const quire_page *page, quire_error *err)
{
    const quire_host *host = d->plugin->host;
    size_t min = offsetof(quire_page, elements) + sizeof(page->elements);
    quire_error ignored;
    int rc;

    if (page == NULL || page->size < min) {
        host->error_set(err, QUIRE_E_ABI, "page size %u, at least %zu required",
                        page ? (unsigned)page->size : 0u, min);
        return QUIRE_ERR;
    }
    if (!isfinite(page->width) || !isfinite(page->height) || page->width <= 0 ||
        page->height <= 0) {
        host->error_set(err, QUIRE_E_INTERNAL, "page %u: size %g x %g pt is not drawable",
                        (unsigned)page->number, page->width, page->height);
        return QUIRE_ERR;
    }
    if (qcairo_out_begin_page(d->out, page->number, err) != QUIRE_OK)
        return QUIRE_ERR;
    rc = d->png ? render_png(d, page, err) : render_svg(d, page, err);
    if (rc != QUIRE_OK) {
        qcairo_out_end_page(d->out, &ignored); /* closes the file; abort removes it */
        return QUIRE_ERR;
    }
    return qcairo_out_end_page(d->out, err);
}

/* page: render worker. The page is valid only during the call. */
static int qcairo_page(void *instance, const quire_page *page, quire_error *err)
{
    qcairo_doc *d = instance;

    if (render_page(d, page, err) == QUIRE_OK)
        return QUIRE_OK;
    if (d->failed_page == 0) /* 0 stands for "none": count a page 0 as 1 */
        d->failed_page = page != NULL && page->number > 0 ? page->number : 1;
    return QUIRE_ERR;
}

/* end: render worker. Puts the files in place; on failure removes them.
 * Releases the instance. */
static int qcairo_end(void *instance, quire_error *err)
{
    qcairo_doc *d = instance;
    int rc;

    /* The kernel aborts after a failed page; should it end instead, a
     * document with a page missing is not put in place. */
    if (d->failed_page != 0) {
        d->plugin->host->error_set(err, QUIRE_E_INTERNAL, "page %u failed; nothing was written",
                                   (unsigned)d->failed_page);
        doc_free(d, 1);
        return QUIRE_ERR;
    }
    rc = qcairo_out_commit(d->out, err); /* frees the output either way */
    d->out = NULL;
    doc_free(d, 0);
    return rc;
}

/* abort: render worker, instead of end(). */
static void qcairo_abort(void *instance)
{
    doc_free(instance, 1);
}

/* ============================== Descriptor ================================ */

static const quire_renderer_ops qcairo_ops = {
    .size = sizeof(quire_renderer_ops),
    .begin = qcairo_begin,
    .page = qcairo_page,
    .end = qcairo_end,
    .abort = qcairo_abort,
    .band = NULL,
};

static const quire_plugin_desc qcairo_desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_RENDERER),
    .name = "cairo",
    .version = "1.0.0",
    .license = "MIT",
    .author = "The quire authors",
    .description = "Page formats svg and png, one file per page, drawn by cairo",
    .config = qcairo_config,
    .init = qcairo_init,
    .destroy = qcairo_destroy,
    .ops = &qcairo_ops,
    .ops_size = sizeof(qcairo_ops),
};

QUIRE_PLUGIN_DEFINE(qcairo_desc)
