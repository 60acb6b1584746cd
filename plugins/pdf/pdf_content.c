/*
 * pdf_content.c - the content streams of the page being painted.
 *
 * pdf_draw.c writes the page's operators into one memory buffer with its
 * own number formatting; libharu's operator functions are not used for
 * painting. They cost several times what the drawing itself does: each
 * clears a 512-byte scratch buffer byte by byte, formats reals with 5
 * decimals, and ShowText measures every character again. When a stretch of
 * content is done the buffer is appended to the document's temporary file
 * (pdf_spool.c), and the stream object records where: libharu keeps no
 * content in memory. Its stream dictionaries have no libharu stream at all;
 * hooks write /Length and /Filter into the dictionary and, after it, the
 * bytes copied from the file, framed as libharu frames its own streams. A
 * stream this plugin makes has its /Length written directly, not as the
 * separate object libharu makes for each of its streams.
 *
 * Slots (ABI 1.3, QUIRE_FORMAT_LATE): a page with slots gets a /Contents
 * array instead of one stream: the content before the first slot (the
 * page's own stream), an empty stream for each slot, filled when the slot
 * op brings its elements, and a new stream for the content after each slot
 * (none when there is nothing after it). Readers concatenate the streams of
 * the array (PDF 32000-1 7.8.2); the split falls between operators and
 * never inside a text object. libharu has no call for any of this; its
 * object API does it (hpdf_objects.h: HPDF_Dict_New and HPDF_Xref_Add make
 * an indirect dictionary, HPDF_Dict_Add replaces the page's /Contents
 * entry).
 *
 * Compression: libharu deflates a stream only when it saves the document,
 * at zlib's default level, and keeps every page uncompressed in memory
 * until then. Content is deflated here instead, stream by stream, with
 * libdeflate at level 1, in zlib format (what /FlateDecode reads); a
 * stream deflate would not shorten (a slot's few operators) stays as it
 * is. For the pages of examples/sales.quire (11.7 KB of operators each) libdeflate
 * takes 2.3 times less time than zlib's deflate at Z_BEST_SPEED and its
 * output is 7% smaller: it compresses a whole buffer at once, with no
 * streaming state, and checksums with vector instructions. With zlib,
 * deflating was two thirds of the plugin's time. libdeflate 1.14 (Debian 12)
 * can take an allocator only for the whole process, so its compressor's memory
 * does not go through the host (one compressor per document, freed with
 * it). libharu's page streams are left without a filter (HPDF_COMP_TEXT
 * off) and each stream dictionary gets its /Filter from the on-write hook,
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

/* Content shorter than this is stored as it is, without trying deflate: a
 * slot's few operators ("Page 12 of 1925": about 120 bytes) never shrink by
 * more than the filter entry costs, and each libdeflate call has a fixed
 * cost of a few microseconds (it clears its hash table), paid twice a page
 * by a report with a page count and a delayed group total. */
#define CONTENT_MIN_DEFLATE 200

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

/* The entry a deflated stream's dictionary gets. */
#define FILTER_ENTRY     "/Filter /FlateDecode\012"
#define FILTER_ENTRY_LEN (sizeof(FILTER_ENTRY) - 1)

/* libharu writes a stream dictionary's entries, then calls this before the
 * closing ">>": the /Length libharu does not have, and the filter of
 * content deflated before libharu saw it (libharu drops a /Filter entry
 * from any stream it does not deflate itself). The output stream is kept
 * for write_body, which libharu gives only the dictionary. */
static HPDF_STATUS write_head(HPDF_Dict dict, HPDF_Stream stream)
{
    pdf_stream_rec *rec = dict->attr;
    HPDF_STATUS ret = HPDF_OK;

    rec->d->writer = stream;
    if (rec->length == NULL) {
        char entry[32];
        snprintf(entry, sizeof(entry), "/Length %u\012", (unsigned)rec->len);
        ret = HPDF_Stream_WriteStr(stream, entry);
    }
    if (ret == HPDF_OK && rec->deflated)
        ret = HPDF_Stream_WriteStr(stream, FILTER_ENTRY);
    return ret;
}

/* After the dictionary's ">>": the stream's bytes, copied from the spool,
 * framed as libharu frames its own streams. A failure is kept in d as a
 * write failure is (pdf.c's save() reports it). */
static HPDF_STATUS write_body(HPDF_Dict dict)
{
    pdf_stream_rec *rec = dict->attr;
    pdf_doc *d = rec->d;
    uint64_t at = rec->offset;
    size_t left = rec->len;
    HPDF_STATUS ret;

    /* Acrobat 8.15 requires both CR and LF after "stream" (libharu). */
    ret = HPDF_Stream_WriteStr(d->writer, "\012stream\015\012");
    if (ret == HPDF_OK && d->async != NULL) {
        /* The writer thread copies the bytes; libharu only counts them
         * (HPDF_Stream_Write adds to size), for the offsets it writes. */
        if (pdf_writer_spool(d->async, at, left) != QUIRE_OK) {
            d->save_failed = 1;
            return HPDF_FILE_IO_ERROR;
        }
        d->writer->size += (HPDF_UINT)left;
        left = 0;
    }
    while (ret == HPDF_OK && left > 0) {
        const void *bytes;
        size_t got;
        if (pdf_spool_view(&d->spool, at, left, &bytes, &got, &d->save_error) != QUIRE_OK) {
            d->save_failed = 1;
            return HPDF_FILE_IO_ERROR;
        }
        ret = HPDF_Stream_Write(d->writer, bytes, (HPDF_UINT)got);
        at += got;
        left -= got;
    }
    if (ret == HPDF_OK)
        ret = HPDF_Stream_WriteStr(d->writer, "\012endstream");
    return ret;
}

/* Dict_Free's hook; only reached if libharu frees the document itself. */
static void free_rec(HPDF_Dict dict)
{
    HPDF_FreeMem(dict->mmgr, dict->attr);
    dict->attr = NULL;
}

int pdf_content_adopt(pdf_doc *d, HPDF_Dict dict, quire_error *err)
{
    pdf_stream_rec *rec = HPDF_GetMem(dict->mmgr, sizeof(*rec));

    if (rec == NULL) {
        d->host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return QUIRE_ERR;
    }
    memset(rec, 0, sizeof(*rec));
    rec->d = d;
    /* A page's own stream came with an indirect /Length, kept so that no
     * orphan object is written; a new stream has none. */
    rec->length = HPDF_Dict_GetItem(dict, "Length", HPDF_OCLASS_NUMBER);
    if (dict->stream != NULL) {
        HPDF_Stream_Free(dict->stream);
        dict->stream = NULL;
    }
    dict->attr = rec;
    dict->write_fn = write_head;
    dict->after_write_fn = write_body;
    dict->free_fn = free_rec;
    return QUIRE_OK;
}

int pdf_content_write(pdf_doc *d, HPDF_Dict stream, const char *what, quire_error *err)
{
    pdf_stream_rec *rec = stream->attr;
    const void *bytes = d->content.buf;
    size_t len = d->content.len;
    int deflated = 0;

    /* libharu counts in 32 bits. */
    if (len > UINT_MAX / 2) {
        d->host->error_set(err, QUIRE_E_INVALID, "%s: more than 2 GB of content", what);
        return QUIRE_ERR;
    }
    if (len >= CONTENT_MIN_DEFLATE && d->settings->compress) {
        size_t zlen = deflate_content(d, what, err);
        if (zlen == 0)
            return QUIRE_ERR;
        /* A slot's few operators come out of deflate no shorter, and the
         * filter entry costs bytes too: such a stream stays as it is. */
        if (zlen + FILTER_ENTRY_LEN < len) {
            bytes = d->zbuf;
            len = zlen;
            deflated = 1;
        }
    }
    d->content.len = 0;
    rec->len = (uint32_t)len;
    rec->deflated = deflated;
    if (rec->length != NULL)
        rec->length->value = (HPDF_INT32)len;
    if (len > 0 && pdf_spool_append(&d->spool, bytes, len, &rec->offset, err) != QUIRE_OK)
        return QUIRE_ERR;
    return QUIRE_OK;
}

int pdf_content_put(pdf_doc *d, HPDF_Dict stream, const void *bytes, size_t len, int deflated,
                    quire_error *err)
{
    pdf_stream_rec *rec = stream->attr;

    if (len > UINT_MAX / 2) {
        d->host->error_set(err, QUIRE_E_INVALID, "a font stream of more than 2 GB");
        return QUIRE_ERR;
    }
    rec->len = (uint32_t)len;
    rec->deflated = deflated;
    if (rec->length != NULL)
        rec->length->value = (HPDF_INT32)len;
    if (len > 0 && pdf_spool_append(&d->spool, bytes, len, &rec->offset, err) != QUIRE_OK)
        return QUIRE_ERR;
    return QUIRE_OK;
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
 * NULL when libharu failed (the error handler has the reason) or, with
 * *err set, when out of memory. */
static HPDF_Dict append_stream(pdf_doc *d, quire_error *err)
{
    pdf_content *c = &d->content;
    HPDF_Dict stream = HPDF_Dict_New(c->page->mmgr);

    if (stream == NULL || HPDF_Xref_Add(((HPDF_PageAttr)c->page->attr)->xref, stream) != HPDF_OK ||
        pdf_content_adopt(d, stream, err) != QUIRE_OK ||
        HPDF_Array_Add(c->streams, stream) != HPDF_OK)
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
        c->target = append_stream(d, err);
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
    slot = append_stream(d, err);
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
