/*
 * hello_renderer - an example renderer plugin (QUIRE_KIND_RENDERER).
 *
 * Copy this file to start a renderer. It shows:
 *   - registering an output format ("outline", extension "txt") from init();
 *     users pick a format, never a plugin, and the kernel refuses a format
 *     two plugins claim;
 *   - a configuration schema with an enum and a bool key;
 *   - the renderer ops: begin opens doc->output_path, page() is called once
 *     per finished page in order, end() flushes and reports write errors,
 *     abort() removes the partial file so a failed render leaves nothing
 *     behind that looks like output;
 *   - thread-safe error text on render workers (strerror_r, not strerror).
 *
 * The output is a text outline, one line per page:
 *   page 1: 595.28 x 841.89 pt, 14 elements: text 9, line 3, rect 2
 *
 * Build it out of tree with the Makefile next to this directory.
 */
#define _POSIX_C_SOURCE 200809L /* strerror_r (XSI version, returns int), stat */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <quire/renderer.h>

/* ============================== Configuration ============================= */

static const quire_config_key hello_renderer_config[] = {
    {.name = "detail", .type = QUIRE_CONF_ENUM, .default_value = "counts",
     .choices = "counts|elements",
     .help = "counts: one line per page; elements: also one line per element."},
    {.name = "header", .type = QUIRE_CONF_BOOL, .default_value = "yes",
     .help = "yes: start the file with the document's title, author and locale."},
    {0},
};

/* ============================== State ===================================== */

/* Shared by every document; read-only after init(). */
typedef struct hello_renderer {
    const quire_host *host;
    int list_elements; /* detail = elements */
    int header;
} hello_renderer;

/* One document being rendered; used by one render worker at a time. */
typedef struct hello_doc {
    const hello_renderer *r;
    FILE *out;
    char *path;      /* our copy of doc->output_path, for abort() */
    int removable;   /* a regular file: remove it if the render fails */
    uint32_t pages;
} hello_doc;

/* Element kind names, indexed by QUIRE_EL_*. */
static const char *const kind_names[] = {
    NULL, "text", "line", "rect", "ellipse", "image", "path", "clip_push", "clip_pop",
};
#define NKINDS (sizeof(kind_names) / sizeof(kind_names[0]))

/* ============================== Lifecycle hooks =========================== */

/* init: main thread. The only place register_format() is accepted; if init
 * fails after registering, the kernel withdraws the format itself. */
static int hello_init(const quire_host *host, quire_plugin *self, const quire_config *config,
                      void **state, quire_error *err)
{
    static const quire_format outline = {
        .size = sizeof(quire_format),
        .name = "outline",
        .extension = "txt",
        .mime_type = "text/plain",
        .description = "text outline of each page: size and elements by kind",
    };
    hello_renderer *r;

    /* register_format fills `err` itself ("format 'outline' already
     * registered by plugin ..."), so pass it through unchanged. */
    if (host->register_format(self, &outline, err) != QUIRE_OK)
        return QUIRE_ERR;
    r = host->calloc(1, sizeof(*r));
    if (r == NULL) {
        host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return QUIRE_ERR; /* no need to undo register_format */
    }
    r->host = host;
    r->list_elements = strcmp(host->config_string(config, "detail"), "elements") == 0;
    r->header = host->config_bool(config, "header");
    *state = r;
    return QUIRE_OK;
}

/* destroy: main thread, last hook. */
static void hello_destroy(void *state)
{
    hello_renderer *r = state;

    if (r != NULL)
        r->host->free(r);
}

/* ============================== Renderer ops ============================== */

/* Sets an I/O error naming the file and the system's reason. */
static void io_error(const quire_host *host, quire_error *err, const char *what,
                     const char *path, int errnum)
{
    char why[128];

    if (strerror_r(errnum, why, sizeof(why)) != 0)
        snprintf(why, sizeof(why), "error %d", errnum);
    host->error_set(err, QUIRE_E_IO, "%s: %s: %s", path, what, why);
}

/* Closes and frees an instance; on `failed`, removes the partial file. */
static void doc_free(hello_doc *d, int failed)
{
    const quire_host *host = d->r->host;

    if (d->out != NULL)
        fclose(d->out);
    if (failed && d->removable)
        remove(d->path);
    host->free(d->path);
    host->free(d);
}

/* begin: render worker. One call per document; *instance goes to the
 * other ops. doc->format is one of the formats this plugin registered; a
 * renderer with several formats would branch on it here. */
static int hello_begin(void *state, const quire_document *doc, void **instance,
                       quire_error *err)
{
    const hello_renderer *r = state;
    const quire_host *host = r->host;
    hello_doc *d = host->calloc(1, sizeof(*d));

    if (d == NULL) {
        host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return QUIRE_ERR;
    }
    d->r = r;
    d->path = host->strdup(doc->output_path);
    if (d->path == NULL) {
        host->free(d);
        host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return QUIRE_ERR;
    }
    /* Remove on failure only what is ours to remove: a regular file.
     * Writing to /dev/stdout or a FIFO is fine; deleting one is not. */
    {
        struct stat st;
        d->removable = !(stat(d->path, &st) == 0 && !S_ISREG(st.st_mode));
    }
    d->out = fopen(d->path, "w");
    if (d->out == NULL) {
        io_error(host, err, "cannot create", d->path, errno);
        doc_free(d, 0); /* nothing was created: remove nothing */
        return QUIRE_ERR;
    }
    if (r->header)
        fprintf(d->out, "# %s\n# author: %s, locale: %s%s\n", doc->title ? doc->title : "(untitled)",
                doc->author ? doc->author : "-", doc->locale ? doc->locale : "-",
                doc->rtl ? ", right-to-left" : "");
    *instance = d;
    return QUIRE_OK;
}

/* page: render worker. `page` and everything it points to are valid only
 * during this call: copy what you need to keep. */
static int hello_page(void *instance, const quire_page *page, quire_error *err)
{
    hello_doc *d = instance;
    size_t counts[NKINDS] = {0};
    size_t other = 0;
    const char *sep = ": ";

    (void)err; /* write errors are collected by the stream and reported in end() */
    for (size_t i = 0; i < page->nelements; i++) {
        uint32_t kind = page->elements[i].kind;
        /* A newer kernel may add element kinds: count them, do not fail. */
        if (kind > 0 && kind < NKINDS)
            counts[kind]++;
        else
            other++;
    }
    fprintf(d->out, "page %u: %.2f x %.2f pt, %zu elements", (unsigned)page->number,
            page->width, page->height, page->nelements);
    for (size_t k = 1; k < NKINDS; k++) {
        if (counts[k] > 0) {
            fprintf(d->out, "%s%s %zu", sep, kind_names[k], counts[k]);
            sep = ", ";
        }
    }
    if (other > 0)
        fprintf(d->out, "%sother %zu", sep, other);
    fputc('\n', d->out);

    if (d->r->list_elements) {
        for (size_t i = 0; i < page->nelements; i++) {
            const quire_element *e = &page->elements[i];
            uint32_t kind = e->kind;
            fprintf(d->out, "  %s at %.2f,%.2f size %.2f x %.2f",
                    kind > 0 && kind < NKINDS ? kind_names[kind] : "other", e->x, e->y, e->width,
                    e->height);
            /* Text is UTF-8 with a length, not NUL-terminated. */
            if (kind == QUIRE_EL_TEXT)
                fprintf(d->out, " \"%.*s\"", (int)e->u.text.len, e->u.text.utf8);
            fputc('\n', d->out);
        }
    }
    d->pages++;
    return QUIRE_OK;
}

/* end: render worker. Flush, close and release the instance, even when
 * reporting an error: the kernel calls neither end() nor abort() again. */
static int hello_end(void *instance, quire_error *err)
{
    hello_doc *d = instance;
    const quire_host *host = d->r->host;
    int failed, errnum;

    fprintf(d->out, "%u pages\n", (unsigned)d->pages);
    failed = ferror(d->out);
    if (fclose(d->out) != 0) /* fclose flushes: a full disk shows up here */
        failed = 1;
    errnum = errno != 0 ? errno : EIO;
    d->out = NULL;
    if (failed) {
        /* A half-written outline must not pass for a finished one. */
        io_error(host, err, "cannot write", d->path, errnum);
        doc_free(d, 1);
        return QUIRE_ERR;
    }
    doc_free(d, 0);
    return QUIRE_OK;
}

/* abort: render worker, instead of end() (cancelled, or an error elsewhere).
 * Removes the partial output and releases the instance. */
static void hello_abort(void *instance)
{
    doc_free(instance, 1);
}

/* ============================== Descriptor ================================ */

static const quire_renderer_ops hello_renderer_ops = {
    .size = sizeof(quire_renderer_ops),
    .begin = hello_begin,
    .page = hello_page,
    .end = hello_end,
    .abort = hello_abort,
};

static const quire_plugin_desc hello_renderer_desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_RENDERER),
    .name = "hello_renderer",
    .version = "0.1.0",
    .license = "MIT",
    .author = "The quire authors",
    .description = "Example renderer: writes a text outline of each page",
    .config = hello_renderer_config,
    .init = hello_init,
    .destroy = hello_destroy,
    .ops = &hello_renderer_ops,
    .ops_size = sizeof(hello_renderer_ops),
};

QUIRE_PLUGIN_DEFINE(hello_renderer_desc)
