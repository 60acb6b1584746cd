/*
 * html.c - the html renderer plugin (QUIRE_KIND_RENDERER, format "html"):
 * the report as one self-contained, semantic HTML file that reads on a
 * phone and prints as the report's pages.
 *
 * A document: begin() checks the images, opens the output (html_out.c: a
 * temporary file next to the destination, or standard output for "-") and
 * writes the head with the one stylesheet (html_css.c); page() writes one
 * <section class="page"> (html_page.c, html_svg.c); end() closes the body
 * and renames the temporary file over the destination. abort(), or an
 * end() that fails, removes it. Nothing outside the file is referenced:
 * images are data: URIs, fonts are named (or embedded with embed_fonts).
 * The only script is the charts' (html_chart.c), inline and written only
 * when the document has a chart.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "html.h"

/* ============================== Configuration ============================= */

/* [renderer.html] */
static const quire_config_key html_config[] = {
    {.name = "embed_fonts",
     .type = QUIRE_CONF_BOOL,
     .default_value = "false",
     .help = "Embed the report's TrueType files (@font-face data: URIs) so text is drawn with "
             "the exact fonts it was laid out with; makes each file larger by the fonts' size."},
    {0},
};

static const quire_format html_format = {
    .size = sizeof(quire_format),
    .name = "html",
    .extension = "html",
    .mime_type = "text/html",
    .description = "one self-contained HTML file: semantic markup that reflows on a phone and "
                   "prints as the report's pages",
    .flags = 0,
};

/* Shared by every document; read-only after init(). */
typedef struct html_plugin {
    const quire_host *host;
    int embed_fonts;
    mode_t file_mode;
} html_plugin;

/* ============================== Lifecycle hooks =========================== */

/* init: main thread. Registers the format and reads the settings. */
static int html_init(const quire_host *host, quire_plugin *self, const quire_config *config,
                     void **state, quire_error *err)
{
    html_plugin *p;
    mode_t mask;

    if (host->register_format(self, &html_format, err) != QUIRE_OK)
        return QUIRE_ERR;
    p = host->calloc(1, sizeof(*p));
    if (p == NULL) {
        host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return QUIRE_ERR;
    }
    p->host = host;
    p->embed_fonts = host->config_bool(config, "embed_fonts");
    /* umask can only be read by setting it: here, on the main thread,
     * before any render worker runs. */
    mask = umask(022);
    umask(mask);
    p->file_mode = 0666 & ~mask;
    *state = p;
    return QUIRE_OK;
}

/* destroy: main thread, last hook. */
static void html_destroy(void *state)
{
    html_plugin *p = state;

    if (p != NULL)
        p->host->free(p);
}

/* ============================== Document head ============================= */

/* 1 if `tag` looks like a BCP 47 tag: letters, digits and hyphens, so it
 * can stand in an attribute as it is. */
static int locale_ok(const char *tag)
{
    size_t n = 0;

    if (tag == NULL || tag[0] == '\0' || tag[0] == '-')
        return 0;
    for (; tag[n] != '\0'; n++) {
        char c = tag[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-') ||
            n >= 35)
            return 0;
    }
    return 1;
}

static void meta(html_out *out, const char *name, const char *content)
{
    if (content == NULL || content[0] == '\0')
        return;
    html_out_fmt(out, "<meta name=\"%s\" content=\"", name);
    html_out_text(out, content, strlen(content));
    html_out_puts(out, "\">\n");
}

static int write_head(html_doc *d, quire_error *err)
{
    const quire_document *doc = &d->doc;
    const char *title = doc->title ? doc->title : doc->report_name ? doc->report_name : "";

    html_out_puts(d->out, "<!doctype html>\n<html");
    if (locale_ok(doc->locale))
        html_out_fmt(d->out, " lang=\"%s\"", doc->locale);
    if (doc->rtl)
        html_out_puts(d->out, " dir=\"rtl\"");
    html_out_puts(d->out, ">\n<head>\n<meta charset=\"utf-8\">\n"
                          "<meta name=\"viewport\" content=\"width=device-width, "
                          "initial-scale=1\">\n");
    meta(d->out, "generator", doc->creator);
    meta(d->out, "author", doc->author);
    meta(d->out, "description", doc->subject);
    meta(d->out, "keywords", doc->keywords);
    html_out_puts(d->out, "<title>");
    html_out_text(d->out, title, strlen(title));
    html_out_puts(d->out, "</title>\n");
    if (html_css_write(d, err) != QUIRE_OK)
        return QUIRE_ERR;
    html_out_puts(d->out, "</head>\n<body>\n<main>\n");
    return support_out_error(d->out, err);
}

/* ============================== Images ==================================== */

/* Refuses an image whose bytes are not what its format says: a browser
 * would show a broken picture, and the reader should hear which file. */
static int check_images(html_doc *d, quire_error *err)
{
    static const unsigned char png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    const quire_document *doc = &d->doc;

    for (size_t i = 0; i < doc->nimages; i++) {
        const quire_image *img = &doc->images[i];
        char name[QUIRE_ERROR_MSG_MAX / 2];
        const char *why = NULL;
        if (img->path != NULL)
            snprintf(name, sizeof(name), "'%s'", img->path);
        else
            snprintf(name, sizeof(name), "%zu", i);
        if (img->data == NULL || img->len == 0)
            why = "has no data";
        else if (img->format == QUIRE_IMAGE_PNG &&
                 (img->len < sizeof(png) || memcmp(img->data, png, sizeof(png)) != 0))
            why = "is not a PNG file";
        else if (img->format == QUIRE_IMAGE_JPEG && (img->len < 3 || img->data[0] != 0xff ||
                                                     img->data[1] != 0xd8 || img->data[2] != 0xff))
            why = "is not a JPEG file";
        else if (img->format != QUIRE_IMAGE_PNG && img->format != QUIRE_IMAGE_JPEG)
            why = "is in a format this renderer does not know";
        if (why != NULL) {
            d->host->error_set(err, QUIRE_E_INVALID, "image %s %s", name, why);
            return QUIRE_ERR;
        }
    }
    return QUIRE_OK;
}

/* ============================== Renderer ops ============================== */

static void doc_free(html_doc *d, int failed)
{
    const quire_host *host = d->host;

    if (failed)
        support_out_discard(d->out);
    html_groups_free(d);
    if (d->arena != NULL)
        host->arena_free(d->arena);
    host->free(d);
}

/* begin: render worker. Checks the document, opens the output, writes the
 * head. */
static int html_begin(void *state, const quire_document *doc, void **instance, quire_error *err)
{
    const html_plugin *p = state;
    const quire_host *host = p->host;
    html_doc *d;

    if (doc->format == NULL || strcmp(doc->format, "html") != 0) {
        host->error_set(err, QUIRE_E_INTERNAL, "format '%s' is not written by this plugin (html)",
                        doc->format ? doc->format : "(null)");
        return QUIRE_ERR;
    }
    if (doc->output_path == NULL || doc->output_path[0] == '\0') {
        host->error_set(err, QUIRE_E_INTERNAL, "format 'html': no output path");
        return QUIRE_ERR;
    }
    d = host->calloc(1, sizeof(*d));
    if (d == NULL) {
        host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return QUIRE_ERR;
    }
    d->host = host;
    d->embed_fonts = p->embed_fonts;
    /* Read only the fields this kernel's document has; an older kernel's
     * document has no fonts or images (1.2). */
    memcpy(&d->doc, doc, doc->size < sizeof(d->doc) ? doc->size : sizeof(d->doc));
    if (d->doc.fonts == NULL)
        d->doc.nfonts = 0;
    if (d->doc.images == NULL)
        d->doc.nimages = 0;
    if (check_images(d, err) != QUIRE_OK)
        goto fail_free_doc;
    d->arena = host->arena_new(0);
    if (d->arena == NULL) {
        host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        goto fail_free_doc;
    }
    d->out = support_out_open(host, doc->output_path, p->file_mode, err);
    if (d->out == NULL)
        goto fail_free_doc;
    if (write_head(d, err) != QUIRE_OK)
        goto fail_free_doc;
    *instance = d;
    return QUIRE_OK;

fail_free_doc:
    doc_free(d, 1);
    return QUIRE_ERR;
}

/* page: render worker. One page, valid only during the call. */
static int html_page(void *instance, const quire_page *page, quire_error *err)
{
    return html_page_write(instance, page, err);
}

/* end: render worker. Closes the document and commits the output; on
 * failure the temporary file is removed. Releases the instance. */
static int html_end(void *instance, quire_error *err)
{
    html_doc *d = instance;
    int rc;

    html_out_puts(d->out, "</main>\n");
    /* Last, so the charts it drives are all in the document when it runs. */
    if (d->ncharts > 0)
        html_chart_script(d->out);
    html_out_puts(d->out, "</body>\n</html>\n");
    rc = support_out_commit(d->out, err); /* frees the output either way */
    d->out = NULL;
    doc_free(d, 0);
    return rc;
}

/* abort: render worker, instead of end(). */
static void html_abort(void *instance)
{
    doc_free(instance, 1);
}

/* ============================== Descriptor ================================ */

static const quire_renderer_ops html_ops = {
    .size = sizeof(quire_renderer_ops),
    .begin = html_begin,
    .page = html_page,
    .end = html_end,
    .abort = html_abort,
    .band = NULL,
};

static const quire_plugin_desc html_desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_RENDERER),
    .name = "html",
    .version = "1.0.0",
    .license = "MIT",
    .author = "The quire authors",
    .description = "HTML: one self-contained file, semantic and responsive, printable",
    .config = html_config,
    .init = html_init,
    .destroy = html_destroy,
    .ops = &html_ops,
    .ops_size = sizeof(html_ops),
};

QUIRE_PLUGIN_DEFINE(html_desc)
