/*
 * pdf.c - the pdf renderer plugin (QUIRE_KIND_RENDERER, "pdf"): the format
 * pdf, drawn with libharu. Each print-model page becomes one PDF page of
 * its size; fonts are the kernel's TrueType files, embedded; images are
 * stored once however often they are drawn; every group anchor becomes an
 * outline entry.
 *
 * A document: begin() creates the temporary output file (support_out.c) and
 * the libharu document with its metadata; page() adds a page, paints it
 * (pdf_draw.c) and adds the page's outline entries; slot() paints the
 * elements of a slot of a page already sent into the stream left for it
 * (the format is QUIRE_FORMAT_LATE: pdf_slot.c); end() checks that every
 * slot was filled, adds a blank page if none came, and has libharu
 * serialise the document into the file, which is then renamed over the
 * destination. abort(), or an end() that fails, removes the file.
 *
 * libharu holds the whole document in memory until it is saved: it has no
 * way to write a finished page out early. The page content, most of it,
 * waits in a temporary file instead (pdf_spool.c); what pages share is
 * stored once (pdf_pages.c); libharu's memory comes from an arena dropped
 * at once (pdf_arena.c), so every op enters the document's arena first.
 * Peak memory still grows with the page count, by about 3 KB a page
 * (README.md). Saving writes straight into the output through a callback
 * stream, not into a second copy of the document in memory.
 *
 * libharu reports errors through a handler and otherwise returns error
 * codes; the handler here only records the first one (the examples'
 * longjmp is never used), and callers turn it into a quire_error with
 * pdf_check().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <hpdf_doc.h>
#include <hpdf_fontdef.h>
#include <hpdf_pages.h>

#include "pdf.h"

/* ============================== Configuration ============================= */

/* [renderer.pdf] */
static const quire_config_key pdf_config[] = {
    {.name = "compress",
     .type = QUIRE_CONF_BOOL,
     .default_value = "true",
     .help = "Deflate page content, embedded fonts and images (no: larger files, readable "
             "with a text editor)."},
    {0},
};

static const quire_format pdf_format = {
    .size = sizeof(quire_format),
    .name = "pdf",
    .extension = "pdf",
    .mime_type = "application/pdf",
    .description = "PDF with embedded TrueType fonts, images and an outline of the groups",
    /* LATE: a page can be painted before its delayed values are known;
     * each gets a content stream of its own, written when slot() brings
     * it, so no page waits in the kernel. */
    .flags = QUIRE_FORMAT_BINARY | QUIRE_FORMAT_LATE,
};

/* Shared by every document; read-only after init(). */
typedef struct pdf_plugin {
    const quire_host *host;
    pdf_settings settings;
} pdf_plugin;

/* Pages per node of the page tree. One /Pages node for all pages would
 * cap a document at the 32767 kids an array may have, and libharu grows an
 * array 20 items at a time, copying it: quadratic in the page count. */
#define PAGES_PER_NODE 256
/* Outline titles are cut to this many bytes (libharu refuses strings of
 * 64 KB; nobody reads a longer bookmark). */
#define OUTLINE_TITLE_MAX 1024
/* A4, for a document that says nothing about its page size. */
#define A4_WIDTH  595.28
#define A4_HEIGHT 841.89

/* ============================== libharu errors ============================ */

/* libharu's error handler: keeps the first error, returns to libharu,
 * which then returns an error code or NULL to its caller. */
static void on_hpdf_error(HPDF_STATUS error_no, HPDF_STATUS detail_no, void *user_data)
{
    pdf_doc *d = user_data;

    if (d->hpdf_error == 0) {
        d->hpdf_error = error_no;
        d->hpdf_detail = detail_no;
    }
}

#define STRINGIFY_(x) #x
#define STRINGIFY(x)  STRINGIFY_(x)

/* What the libharu errors a user can cause mean. */
static const char *hpdf_reason(HPDF_STATUS code)
{
    switch (code) {
    case HPDF_FAILD_TO_ALLOC_MEM: return "out of memory";
    case HPDF_FILE_OPEN_ERROR: return "cannot open the file";
    case HPDF_FILE_IO_ERROR: return "cannot read the file";
    case HPDF_INVALID_FONTDEF_DATA:
    case HPDF_TTF_INVALID_FOMAT: return "not a TrueType font";
    case HPDF_TTF_MISSING_TABLE: return "not a TrueType font (a required table is missing)";
    case HPDF_TTF_INVALID_CMAP: return "the font has no Unicode character map";
    case HPDF_TTF_CANNOT_EMBEDDING_FONT: return "the font's license forbids embedding";
    case HPDF_UNSUPPORTED_FONT_TYPE: return "unsupported font type";
    case HPDF_INVALID_JPEG_DATA:
    case HPDF_UNSUPPORTED_JPEG_FORMAT: return "unsupported JPEG data";
    case HPDF_INVALID_IMAGE:
    case HPDF_INVALID_PNG_IMAGE: return "unsupported image";
    case HPDF_PAGE_INVALID_SIZE: return "page size out of range";
    case HPDF_EXCEED_GSTATE_LIMIT: return "graphics states nested too deep";
    case HPDF_ZLIB_ERROR: return "compression failed";
    case HPDF_ARRAY_COUNT_ERR:
        return "more than the " STRINGIFY(HPDF_LIMIT_MAX_ARRAY) " items libharu allows in an array";
    }
    return "libharu failed";
}

int pdf_check(pdf_doc *d, quire_error *err, const char *what)
{
    HPDF_STATUS code = d->hpdf_error;

    if (code == 0)
        return QUIRE_OK;
    d->host->error_set(err, code == HPDF_FAILD_TO_ALLOC_MEM ? QUIRE_E_NOMEM : QUIRE_E_INVALID,
                       "%s: %s (libharu error 0x%04X, detail %u)", what, hpdf_reason(code),
                       (unsigned)code, (unsigned)d->hpdf_detail);
    return QUIRE_ERR;
}

int pdf_text_reserve(pdf_doc *d, size_t len, quire_error *err)
{
    char *grown;
    size_t cap;

    if (len < d->text_cap)
        return QUIRE_OK;
    cap = d->text_cap ? d->text_cap : 256;
    while (cap <= len) {
        if (cap > SIZE_MAX / 2) {
            d->host->error_set(err, QUIRE_E_NOMEM, "out of memory");
            return QUIRE_ERR;
        }
        cap *= 2;
    }
    grown = d->host->realloc(d->text, cap);
    if (grown == NULL) {
        d->host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return QUIRE_ERR;
    }
    d->text = grown;
    d->text_cap = cap;
    return QUIRE_OK;
}

/* ============================== Lifecycle hooks =========================== */

/* init: main thread. Registers the format and reads the settings. */
static int pdf_init(const quire_host *host, quire_plugin *self, const quire_config *config,
                    void **state, quire_error *err)
{
    pdf_plugin *p;
    mode_t mask;

    if (host->register_format(self, &pdf_format, err) != QUIRE_OK)
        return QUIRE_ERR;
    p = host->calloc(1, sizeof(*p));
    if (p == NULL) {
        host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return QUIRE_ERR;
    }
    p->host = host;
    p->settings.compress = host->config_bool(config, "compress");
    /* umask can only be read by setting it: do it here, on the main
     * thread, before any render worker runs. */
    mask = umask(022);
    umask(mask);
    p->settings.file_mode = 0666 & ~mask;
    *state = p;
    return QUIRE_OK;
}

/* destroy: main thread, last hook. */
static void pdf_destroy(void *state)
{
    pdf_plugin *p = state;

    if (p != NULL)
        p->host->free(p);
}

/* ============================== Metadata ================================== */

static int is_ascii(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s >= 0x80)
            return 0;
    return 1;
}

/* Title, author, subject, keywords and creator. ASCII values are written
 * as plain strings; the others need the UTF-8 encoder, which writes
 * UTF-16, and libharu has no way to unset it again, so they come last. */
static void set_info(pdf_doc *d)
{
    const struct {
        HPDF_InfoType type;
        const char *value;
    } info[] = {
        {HPDF_INFO_TITLE, d->doc.title},     {HPDF_INFO_AUTHOR, d->doc.author},
        {HPDF_INFO_SUBJECT, d->doc.subject}, {HPDF_INFO_KEYWORDS, d->doc.keywords},
        {HPDF_INFO_CREATOR, d->doc.creator},
    };
    const size_t n = sizeof(info) / sizeof(info[0]);
    int encoder_set = 0;

    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            const char *v = info[i].value;
            if (v == NULL || v[0] == '\0' || is_ascii(v) != (pass == 0))
                continue;
            if (pass == 1 && !encoder_set) {
                HPDF_SetCurrentEncoder(d->pdf, "UTF-8");
                encoder_set = 1;
            }
            HPDF_SetInfoAttr(d->pdf, info[i].type, v);
        }
    }
}

/* The creation date: now, or SOURCE_DATE_EPOCH when set (reproducible
 * builds), in UTC. */
static void set_date(pdf_doc *d)
{
    const char *epoch = getenv("SOURCE_DATE_EPOCH");
    time_t now = time(NULL);
    HPDF_Date date;
    struct tm tm;

    if (epoch != NULL && epoch[0] != '\0') {
        char *end;
        long long v = strtoll(epoch, &end, 10);
        if (*end == '\0' && v >= 0)
            now = (time_t)v;
    }
    if (gmtime_r(&now, &tm) == NULL)
        return;
    memset(&date, 0, sizeof(date));
    date.year = tm.tm_year + 1900;
    date.month = tm.tm_mon + 1;
    date.day = tm.tm_mday;
    date.hour = tm.tm_hour;
    date.minutes = tm.tm_min;
    date.seconds = tm.tm_sec > 59 ? 59 : tm.tm_sec;
    date.ind = 'Z';
    HPDF_SetInfoDateAttr(d->pdf, HPDF_INFO_CREATION_DATE, date);
}

/* ============================== Outlines ================================== */

/* One outline entry for `a`, under the latest entry of a lower level (the
 * root for level 1, or when no lower level exists yet), pointing at the
 * top of the group header on `page`. */
static int add_outline(pdf_doc *d, HPDF_Page page, const quire_page *qp, const quire_anchor *a,
                       quire_error *err)
{
    size_t level = a->level > 0 ? a->level : 1, len = a->len;
    HPDF_Outline parent = NULL, entry;
    HPDF_Destination dest;
    double top = qp->height - a->y;

    if (a->utf8 == NULL && len > 0) {
        d->host->error_set(err, QUIRE_E_INTERNAL, "page %u: anchor without its text",
                           (unsigned)qp->number);
        return QUIRE_ERR;
    }
    if (level > d->levels_cap) {
        size_t cap = d->levels_cap ? d->levels_cap : 8;
        HPDF_Outline *grown;
        while (cap < level)
            cap *= 2;
        grown = d->host->realloc(d->levels, cap * sizeof(*grown));
        if (grown == NULL) {
            d->host->error_set(err, QUIRE_E_NOMEM, "out of memory");
            return QUIRE_ERR;
        }
        d->levels = grown;
        d->levels_cap = cap;
    }
    for (size_t i = d->nlevels; i < level; i++)
        d->levels[i] = NULL;
    for (size_t i = level - 1; i > 0 && parent == NULL; i--)
        parent = d->levels[i - 1];
    if (len > OUTLINE_TITLE_MAX) { /* cut at a character boundary */
        len = OUTLINE_TITLE_MAX;
        while (len > 0 && ((unsigned char)a->utf8[len] & 0xC0) == 0x80)
            len--;
    }
    if (pdf_text_reserve(d, len, err) != QUIRE_OK)
        return QUIRE_ERR;
    if (len > 0)
        memcpy(d->text, a->utf8, len);
    d->text[len] = '\0'; /* a U+0000 inside ends the title early */
    /* NULL encoder: a plain string; the UTF-8 encoder writes UTF-16. */
    entry = HPDF_CreateOutline(d->pdf, parent, d->text,
                               is_ascii(d->text) ? NULL : HPDF_GetEncoder(d->pdf, "UTF-8"));
    if (entry != NULL) {
        HPDF_Outline_SetOpened(entry, HPDF_TRUE);
        dest = HPDF_Page_CreateDestination(page);
        if (dest != NULL)
            HPDF_Destination_SetFitH(dest, (HPDF_REAL)(top < 0 ? 0 : top));
        HPDF_Outline_SetDestination(entry, dest);
        if (d->nlevels == 0)
            HPDF_SetPageMode(d->pdf, HPDF_PAGE_MODE_USE_OUTLINE);
    }
    if (pdf_check(d, err, "outline") != QUIRE_OK)
        return QUIRE_ERR;
    if (entry == NULL) {
        d->host->error_set(err, QUIRE_E_NOMEM, "outline: out of memory");
        return QUIRE_ERR;
    }
    d->levels[level - 1] = entry;
    d->nlevels = level; /* deeper levels belong to an earlier group */
    return QUIRE_OK;
}

/* ============================== Renderer ops ============================== */

/* Drops the libharu document. Its memory is all in d->arena, which goes
 * at once: HPDF_Free would walk a million objects to free them one by one.
 * What libharu holds besides memory is the font files it reads glyphs from
 * when saving (TrueType fonts it embeds keep theirs open): closed first. */
static void drop_pdf(pdf_doc *d)
{
    if (d->pdf != NULL) {
        HPDF_List defs = d->pdf->fontdef_list;
        for (HPDF_UINT i = 0; defs != NULL && i < defs->count; i++) {
            HPDF_FontDef def = HPDF_List_ItemAt(defs, i);
            if (def != NULL && def->type == HPDF_FONTDEF_TYPE_TRUETYPE && def->attr != NULL) {
                HPDF_TTFontDefAttr attr = def->attr;
                if (attr->stream != NULL)
                    HPDF_Stream_Free(attr->stream);
                attr->stream = NULL;
            }
        }
        d->pdf = NULL;
    }
    pdf_arena_free(d->arena);
    d->arena = NULL;
}

/* Releases a document; on `failed` the output is discarded. */
static void doc_free(pdf_doc *d, int failed)
{
    const quire_host *host = d->host;

    pdf_content_free(d); /* first: its deflate thread writes into both */
    drop_pdf(d);
    pdf_spool_close(&d->spool);
    if (failed)
        support_out_discard(d->out);
    for (size_t i = 0; d->fonts != NULL && i < d->doc.nfonts; i++)
        host->free(d->fonts[i].used);
    host->free(d->fonts);
    host->free(d->images);
    host->free(d->image_names);
    pdf_slot_free(d);
    host->free(d->levels);
    host->free(d->text);
    host->free(d->clips);
    host->free(d);
}

/* begin: render worker. Opens the output and starts the document. */
static int pdf_begin(void *state, const quire_document *doc, void **instance, quire_error *err)
{
    const pdf_plugin *p = state;
    const quire_host *host = p->host;
    pdf_arena *previous;
    pdf_doc *d;

    if (doc->format == NULL || strcmp(doc->format, "pdf") != 0) {
        host->error_set(err, QUIRE_E_INTERNAL, "format '%s' is not written by this plugin (pdf)",
                        doc->format ? doc->format : "(null)");
        return QUIRE_ERR;
    }
    if (doc->output_path == NULL || doc->output_path[0] == '\0') {
        host->error_set(err, QUIRE_E_INTERNAL, "format 'pdf': no output path");
        return QUIRE_ERR;
    }
    d = host->calloc(1, sizeof(*d));
    if (d == NULL) {
        host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return QUIRE_ERR;
    }
    d->host = host;
    d->spool.fd = -1;
    d->arena = pdf_arena_new(host);
    if (d->arena == NULL) {
        host->free(d);
        host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return QUIRE_ERR;
    }
    /* Every libharu call from here on allocates in the document's arena. */
    previous = pdf_arena_enter(d->arena);
    d->settings = &p->settings;
    /* Read only the fields this kernel's document has: an older one ends
     * before the fonts and images (then text cannot be drawn). */
    memcpy(&d->doc, doc, doc->size < sizeof(d->doc) ? doc->size : sizeof(d->doc));
    if (d->doc.fonts == NULL)
        d->doc.nfonts = 0;
    if (d->doc.images == NULL)
        d->doc.nimages = 0;
    if (d->doc.nfonts > 0 && (d->fonts = host->calloc(d->doc.nfonts, sizeof(*d->fonts))) == NULL)
        goto fail_nomem;
    if (d->doc.nimages > 0 &&
        ((d->images = host->calloc(d->doc.nimages, sizeof(*d->images))) == NULL ||
         (d->image_names = host->calloc(d->doc.nimages, sizeof(*d->image_names))) == NULL))
        goto fail_nomem;
    d->out = support_out_open(host, doc->output_path, p->settings.file_mode, err);
    if (d->out == NULL)
        goto fail_free_doc;
    /* Page content waits next to the output's temporary file. */
    if (pdf_spool_open(&d->spool, host, d->out->tmp_path, err) != QUIRE_OK)
        goto fail_free_doc;
    d->pdf = HPDF_NewEx(on_hpdf_error, pdf_arena_alloc, pdf_arena_release, 0, d);
    if (d->pdf == NULL)
        goto fail_nomem;
    /* Page content is deflated by pdf_content.c, page by page. */
    HPDF_SetCompressionMode(d->pdf, p->settings.compress ? HPDF_COMP_IMAGE | HPDF_COMP_METADATA
                                                         : HPDF_COMP_NONE);
    HPDF_SetPagesConfiguration(d->pdf, PAGES_PER_NODE);
    /* libharu grows its object table by 1024 entries at a time, copying
     * it each time: a 100k-object document copied it a hundred times. */
    d->pdf->xref->entries->items_per_block = 1u << 16;
    HPDF_UseUTFEncodings(d->pdf);
    if (pdf_pages_init(d, err) != QUIRE_OK)
        goto fail_free_doc;
    set_info(d);
    set_date(d);
    if (pdf_check(d, err, "document") != QUIRE_OK)
        goto fail_free_doc;
    pdf_arena_leave(previous);
    *instance = d;
    return QUIRE_OK;

fail_nomem:
    host->error_set(err, QUIRE_E_NOMEM, "out of memory");
fail_free_doc:
    doc_free(d, 1);
    pdf_arena_leave(previous);
    return QUIRE_ERR;
}

/* One page, valid only during the call (pdf_page). */
static int add_sent_page(pdf_doc *d, const quire_page *qp, quire_error *err)
{
    size_t min = offsetof(quire_page, anchors) + sizeof(qp->anchors);
    HPDF_Page page;

    if (d->failed) {
        *err = d->failure;
        return QUIRE_ERR;
    }
    if (qp == NULL || qp->size < min) {
        d->host->error_set(err, QUIRE_E_ABI, "page size %u, at least %zu required",
                           qp ? (unsigned)qp->size : 0u, min);
        goto fail;
    }
    page = pdf_page_add(d, qp->number, qp->width, qp->height, err);
    if (page == NULL)
        goto fail;
    if (pdf_draw_page(d, page, qp, err) != QUIRE_OK)
        goto fail;
    if (qp->nanchors > 0 && qp->anchors == NULL) {
        d->host->error_set(err, QUIRE_E_INTERNAL, "page %u: %zu anchors but no array",
                           (unsigned)qp->number, qp->nanchors);
        goto fail;
    }
    for (size_t i = 0; i < qp->nanchors; i++)
        if (add_outline(d, page, qp, &qp->anchors[i], err) != QUIRE_OK)
            goto fail;
    d->npages++;
    return QUIRE_OK;

fail:
    d->failed = 1;
    d->failure = *err;
    return QUIRE_ERR;
}

/* The elements of slot `id` of page `number`, valid only during the
 * call, painted into the slot's stream (pdf_slot). */
static int fill_slot(pdf_doc *d, uint32_t number, uint32_t id, const quire_element *elements,
                     size_t nelements, quire_error *err)
{
    pdf_slot_rec *slot;

    if (d->failed) {
        *err = d->failure;
        return QUIRE_ERR;
    }
    slot = pdf_slot_find(d, id);
    if (slot == NULL) {
        d->host->error_set(err, QUIRE_E_INTERNAL, "page %u, slot %u: no page sent has this slot",
                           (unsigned)number, (unsigned)id);
        goto fail;
    }
    if (slot->page != number) {
        d->host->error_set(err, QUIRE_E_INTERNAL, "page %u, slot %u: the slot is on page %u",
                           (unsigned)number, (unsigned)id, (unsigned)slot->page);
        goto fail;
    }
    if (slot->stream == NULL) {
        d->host->error_set(err, QUIRE_E_INTERNAL, "page %u, slot %u: filled twice",
                           (unsigned)number, (unsigned)id);
        goto fail;
    }
    if (nelements > 0 && elements == NULL) {
        d->host->error_set(err, QUIRE_E_INTERNAL, "page %u, slot %u: %zu elements but no array",
                           (unsigned)number, (unsigned)id, nelements);
        goto fail;
    }
    if (pdf_draw_slot(d, slot, elements, nelements, err) != QUIRE_OK)
        goto fail;
    pdf_slot_filled(d, slot);
    return QUIRE_OK;

fail:
    d->failed = 1;
    d->failure = *err;
    return QUIRE_ERR;
}

/* libharu's writer while saving: the bytes go to the output file. The
 * first failure is kept in d (libharu would only see an error code). */
static HPDF_STATUS write_out(HPDF_Stream stream, const HPDF_BYTE *bytes, HPDF_UINT len)
{
    pdf_doc *d = stream->attr;

    if (d->save_failed)
        return HPDF_FILE_IO_ERROR;
    if (d->async != NULL) {
        if (pdf_writer_bytes(d->async, bytes, len) == QUIRE_OK)
            return HPDF_OK;
        d->save_failed = 1; /* pdf_writer_finish gives the reason */
        return HPDF_FILE_IO_ERROR;
    }
    if (support_out_write(d->out, bytes, len, &d->save_error) != QUIRE_OK) {
        d->save_failed = 1;
        return HPDF_FILE_IO_ERROR;
    }
    return HPDF_OK;
}

/* Serialises the document into the output. HPDF_SaveToStream writes to
 * the document's stream, making it a memory stream only when it has none:
 * given a callback writer, it writes no copy of the file in memory. */
static int save(pdf_doc *d, quire_error *err)
{
    HPDF_Stream writer = HPDF_CallbackWriter_New(d->pdf->mmgr, write_out, d);

    if (writer == NULL) {
        if (pdf_check(d, err, "saving the document") == QUIRE_OK)
            d->host->error_set(err, QUIRE_E_NOMEM, "saving the document: out of memory");
        return QUIRE_ERR;
    }
    d->pdf->stream = writer; /* freed with the document */
    /* The output's own writing goes to a second thread (pdf_writer.c). */
    d->async = pdf_writer_start(d);
    HPDF_SaveToStream(d->pdf);
    if (d->async != NULL) {
        quire_error failure;
        if (pdf_writer_finish(d->async, &failure) != QUIRE_OK) {
            d->save_failed = 1;
            d->save_error = failure;
        }
        d->async = NULL;
    }
    if (d->save_failed) {
        *err = d->save_error;
        return QUIRE_ERR;
    }
    return pdf_check(d, err, "saving the document");
}

/* Finishes the document and commits the output; on any failure the
 * temporary file is removed. Releases d (pdf_end). */
static int finish(pdf_doc *d, quire_error *err)
{
    int rc;

    if (d->failed) {
        *err = d->failure;
        goto fail_free_doc;
    }
    /* An empty slot would print nothing where a value belongs: the kernel
     * failed to send it, and the file must not look right. */
    if (d->slots_pending > 0) {
        const pdf_slot_rec *slot = pdf_slot_first_pending(d);
        d->host->error_set(err, QUIRE_E_INTERNAL,
                           "page %u, slot %u: never filled (the first of %zu)",
                           (unsigned)slot->page, (unsigned)slot->id, d->slots_pending);
        goto fail_free_doc;
    }
    /* A PDF needs a page: an empty report is one blank page. */
    if (d->npages == 0) {
        double w = d->doc.page_width > 0 ? d->doc.page_width : A4_WIDTH;
        double h = d->doc.page_height > 0 ? d->doc.page_height : A4_HEIGHT;
        if (pdf_page_add(d, 1, w, h, err) == NULL)
            goto fail_free_doc;
    }
    if (pdf_content_sync(d, err) != QUIRE_OK || pdf_embed_fonts(d, err) != QUIRE_OK ||
        save(d, err) != QUIRE_OK)
        goto fail_free_doc;
    drop_pdf(d); /* before the rename: the memory is not needed */
    pdf_spool_close(&d->spool);
    rc = support_out_commit(d->out, err); /* frees the output either way */
    d->out = NULL;
    doc_free(d, 0);
    return rc;

fail_free_doc:
    doc_free(d, 1);
    return QUIRE_ERR;
}

/* The ops below run a document's libharu calls in its arena. */

/* page: the filler's renderer thread. One page, valid only during the
 * call. */
static int pdf_page(void *instance, const quire_page *qp, quire_error *err)
{
    pdf_doc *d = instance;
    pdf_arena *previous = pdf_arena_enter(d->arena);
    int rc = add_sent_page(d, qp, err);

    pdf_arena_leave(previous);
    return rc;
}

/* slot: the filler's renderer thread. The elements of a slot of a page
 * sent. */
static int pdf_slot(void *instance, uint32_t number, uint32_t id, const quire_element *elements,
                    size_t nelements, quire_error *err)
{
    pdf_doc *d = instance;
    pdf_arena *previous = pdf_arena_enter(d->arena);
    int rc = fill_slot(d, number, id, elements, nelements, err);

    pdf_arena_leave(previous);
    return rc;
}

/* end: render worker. Releases the instance. */
static int pdf_end(void *instance, quire_error *err)
{
    pdf_doc *d = instance;
    pdf_arena *previous = pdf_arena_enter(d->arena);
    int rc = finish(d, err);

    pdf_arena_leave(previous);
    return rc;
}

/* abort: render worker, instead of end(). */
static void pdf_abort(void *instance)
{
    pdf_doc *d = instance;
    pdf_arena *previous = pdf_arena_enter(d->arena);

    doc_free(d, 1);
    pdf_arena_leave(previous);
}

/* ============================== Descriptor ================================ */

static const quire_renderer_ops pdf_ops = {
    .size = sizeof(quire_renderer_ops),
    .begin = pdf_begin,
    .page = pdf_page,
    .end = pdf_end,
    .abort = pdf_abort,
    .band = NULL,
    .slot = pdf_slot,
};

static const quire_plugin_desc pdf_desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_RENDERER),
    .name = "pdf",
    .version = "1.0.0",
    .license = "MIT",
    .author = "The quire authors",
    .description = "PDF pages drawn with libharu: embedded fonts, images, outlines",
    .config = pdf_config,
    .init = pdf_init,
    .destroy = pdf_destroy,
    .ops = &pdf_ops,
    .ops_size = sizeof(pdf_ops),
};

QUIRE_PLUGIN_DEFINE(pdf_desc)
