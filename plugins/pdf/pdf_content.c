/*
 * pdf_content.c - the content streams of the page being painted.
 *
 * pdf_draw.c writes the page's operators into one memory buffer with its
 * own number formatting; libharu's operator functions are not used for
 * painting. They cost several times what the drawing itself does: each
 * clears a 512-byte scratch buffer byte by byte, formats reals with 5
 * decimals, and ShowText measures every character again. When a stretch of
 * content is done the buffer goes into a libharu stream object in one
 * write.
 *
 * Slots (ABI 1.3, QUIRE_FORMAT_LATE): a page with slots gets a /Contents
 * array instead of one stream: the content before the first slot (the
 * page's own stream), an empty stream for each slot, filled when the slot
 * op brings its elements, and a new stream for the content after each slot
 * (none when there is nothing after it). Readers concatenate the streams of
 * the array (PDF 32000-1 7.8.2); the split falls between operators and
 * never inside a text object. libharu has no call for any of this; its
 * object API does it (hpdf_objects.h: HPDF_DictStream_New makes a stream
 * object and enters it in the cross-reference table, HPDF_Dict_Add replaces
 * the page's /Contents entry).
 *
 * Compression: libharu deflates a stream only when it saves the document,
 * at zlib's default level, and keeps every page uncompressed in memory
 * until then. Content is deflated here instead, stream by stream, with
 * libdeflate at level 1, in zlib format (what /FlateDecode reads); a
 * stream deflate would not shorten (a slot's few operators) stays as it
 * is. For the
 * pages of examples/sales.quire (11.7 KB of operators each) libdeflate
 * takes 2.3 times less time than zlib's deflate at Z_BEST_SPEED and its
 * output is 7% smaller: it compresses a whole buffer at once, with no
 * streaming state, and checksums with vector instructions. With zlib,
 * deflating was two thirds of the plugin's time. libdeflate 1.14 (Debian 12) can
 * take an allocator only for the whole process, so its compressor's memory
 * does not go through the host (one compressor per document, freed with
 * it). libharu's page streams are left without a filter (HPDF_COMP_TEXT
 * off) and each stream dictionary gets its /Filter from an on-write hook,
 * because libharu drops a /Filter entry from any stream it does not deflate
 * itself. Fonts and images are still deflated by libharu
 * (HPDF_COMP_METADATA, HPDF_COMP_IMAGE): they are written once per
 * document.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <hpdf_pages.h>
#include <hpdf_streams.h>

#include "pdf.h"

/* Content is deflated at this level (libdeflate: 1..12). */
#define CONTENT_LEVEL 1

/* ============================== Buffer ==================================== */

int pdf_content_reserve(pdf_doc *d, size_t extra, quire_error *err)
{
    pdf_content *c = &d->content;
    size_t cap;
    char *grown;

    if (c->cap - c->len >= extra)
        return QUIRE_OK;
    cap = c->cap ? c->cap : 65536;
    while (cap - c->len < extra) {
        if (cap > SIZE_MAX / 2)
            goto fail_nomem;
        cap *= 2;
    }
    grown = d->host->realloc(c->buf, cap);
    if (grown == NULL)
        goto fail_nomem;
    c->buf = grown;
    c->cap = cap;
    return QUIRE_OK;

fail_nomem:
    d->host->error_set(err, QUIRE_E_NOMEM, "out of memory");
    return QUIRE_ERR;
}

/* ============================== Deflate =================================== */

/* The entry a deflated stream's dictionary gets. */
#define FILTER_ENTRY     "/Filter /FlateDecode\012"
#define FILTER_ENTRY_LEN (sizeof(FILTER_ENTRY) - 1)

/* libharu writes a stream dictionary's entries, then calls this before the
 * closing ">>": the content was deflated before libharu got it. */
static HPDF_STATUS write_flate_filter(HPDF_Dict dict, HPDF_Stream stream)
{
    (void)dict;
    return HPDF_Stream_WriteStr(stream, FILTER_ENTRY);
}

/* Deflates d->content into d->zbuf; returns the compressed length, or 0
 * with *err set. */
static size_t deflate_content(pdf_doc *d, const char *what, quire_error *err)
{
    const quire_host *host = d->host;
    size_t bound, len;

    if (d->deflater == NULL) {
        d->deflater = libdeflate_alloc_compressor(CONTENT_LEVEL);
        if (d->deflater == NULL)
            goto fail_nomem;
    }
    bound = libdeflate_zlib_compress_bound(d->deflater, d->content.len);
    if (bound > d->zbuf_cap) {
        unsigned char *grown = host->realloc(d->zbuf, bound);
        if (grown == NULL)
            goto fail_nomem;
        d->zbuf = grown;
        d->zbuf_cap = bound;
    }
    len =
        libdeflate_zlib_compress(d->deflater, d->content.buf, d->content.len, d->zbuf, d->zbuf_cap);
    if (len == 0) { /* cannot happen with the bound's room */
        host->error_set(err, QUIRE_E_INTERNAL, "%s: the content did not fit its deflate bound",
                        what);
        return 0;
    }
    return len;

fail_nomem:
    host->error_set(err, QUIRE_E_NOMEM, "%s: out of memory", what);
    return 0;
}

/* ============================== Streams =================================== */

/* libharu's memory stream holds its bytes in blocks of buf_siz (4 KB),
 * allocated as writes need them, and a page's deflated content is 3 KB:
 * a quarter of the memory that holds the document would be slack. An
 * empty stream about to get all its bytes at once gets one block of
 * exactly that size instead (w_pos = buf_siz: the current block is full,
 * so the write allocates one). Reading walks blocks of buf_siz, all the
 * same size, as before. */
static void fit_memory_stream(HPDF_Stream stream, size_t len)
{
    HPDF_MemStreamAttr attr = stream->attr;

    if (stream->type != HPDF_STREAM_MEMORY || stream->size != 0 || attr->buf->count != 0)
        return;
    attr->buf_siz = (HPDF_UINT)len;
    attr->w_pos = (HPDF_UINT)len;
}

int pdf_content_write(pdf_doc *d, HPDF_Dict stream, const char *what, quire_error *err)
{
    const void *bytes = d->content.buf;
    size_t len = d->content.len;

    /* libharu counts in 32 bits. */
    if (len > UINT_MAX / 2) {
        d->host->error_set(err, QUIRE_E_INVALID, "%s: more than 2 GB of content", what);
        return QUIRE_ERR;
    }
    if (len > 0 && d->settings->compress) {
        size_t zlen = deflate_content(d, what, err);
        if (zlen == 0)
            return QUIRE_ERR;
        /* A slot's few operators come out of deflate no shorter, and the
         * filter entry costs bytes too: such a stream stays as it is. */
        if (zlen + FILTER_ENTRY_LEN < len) {
            bytes = d->zbuf;
            len = zlen;
            stream->write_fn = write_flate_filter;
        }
    }
    d->content.len = 0;
    if (len > 0) {
        fit_memory_stream(stream->stream, len);
        HPDF_Stream_Write(stream->stream, bytes, (HPDF_UINT)len);
    }
    return pdf_check(d, err, what);
}

void pdf_content_begin(pdf_doc *d, HPDF_Page page)
{
    pdf_content *c = &d->content;

    c->len = 0;
    c->page = page;
    c->streams = NULL;
    c->target = ((HPDF_PageAttr)page->attr)->contents;
}

/* A new empty stream object at the end of the page's /Contents array;
 * NULL when libharu failed (the error handler has the reason). */
static HPDF_Dict append_stream(pdf_doc *d)
{
    pdf_content *c = &d->content;
    HPDF_Dict stream = HPDF_DictStream_New(c->page->mmgr, ((HPDF_PageAttr)c->page->attr)->xref);

    if (stream == NULL || HPDF_Array_Add(c->streams, stream) != HPDF_OK)
        return NULL;
    return stream;
}

/* Hands the buffer to the target stream, creating it first if the page
 * needs a new one and there is something to write. */
static int flush(pdf_doc *d, const char *what, quire_error *err)
{
    pdf_content *c = &d->content;

    if (c->target == NULL) {
        if (c->len == 0)
            return QUIRE_OK;
        c->target = append_stream(d);
        if (c->target == NULL)
            goto fail_libharu;
    }
    return pdf_content_write(d, c->target, what, err);

fail_libharu:
    if (pdf_check(d, err, what) == QUIRE_OK)
        d->host->error_set(err, QUIRE_E_NOMEM, "%s: out of memory", what);
    return QUIRE_ERR;
}

HPDF_Dict pdf_content_split(pdf_doc *d, uint32_t number, quire_error *err)
{
    pdf_content *c = &d->content;
    HPDF_Dict slot;
    char what[32];

    snprintf(what, sizeof(what), "page %u", (unsigned)number);
    if (flush(d, what, err) != QUIRE_OK)
        return NULL;
    if (c->streams == NULL) {
        /* The page's own stream becomes the first of an array, which
         * replaces it as /Contents (HPDF_Dict_Add drops only the old
         * reference; the stream object stays). */
        c->streams = HPDF_Array_New(c->page->mmgr);
        if (c->streams == NULL)
            goto fail_libharu;
        if (HPDF_Array_Add(c->streams, ((HPDF_PageAttr)c->page->attr)->contents) != HPDF_OK ||
            HPDF_Dict_Add(c->page, "Contents", c->streams) != HPDF_OK)
            goto fail_libharu;
    }
    slot = append_stream(d);
    if (slot == NULL)
        goto fail_libharu;
    c->target = NULL;
    if (pdf_check(d, err, what) != QUIRE_OK)
        return NULL;
    return slot;

fail_libharu:
    c->streams = NULL; /* whatever libharu holds now, the document fails */
    if (pdf_check(d, err, what) == QUIRE_OK)
        d->host->error_set(err, QUIRE_E_NOMEM, "%s: out of memory", what);
    return NULL;
}

int pdf_content_end(pdf_doc *d, uint32_t number, quire_error *err)
{
    char what[32];

    snprintf(what, sizeof(what), "page %u", (unsigned)number);
    return flush(d, what, err);
}

void pdf_content_free(pdf_doc *d)
{
    if (d->deflater != NULL) {
        libdeflate_free_compressor(d->deflater);
        d->deflater = NULL;
    }
    d->host->free(d->zbuf);
    d->host->free(d->content.buf);
}
