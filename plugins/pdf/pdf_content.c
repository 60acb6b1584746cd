/*
 * pdf_content.c - the content stream of the page being painted.
 *
 * pdf_draw.c writes the page's operators into one memory buffer with its
 * own number formatting; libharu's operator functions are not used for
 * painting. They cost several times what the drawing itself does: each
 * clears a 512-byte scratch buffer byte by byte, formats reals with 5
 * decimals, and ShowText measures every character again. When the page is
 * done the buffer goes into libharu's page object in one write.
 *
 * Compression: libharu deflates a stream only when it saves the document,
 * at zlib's default level, and keeps every page uncompressed in memory
 * until then. Page content is deflated here instead, page by page at
 * Z_BEST_SPEED: the content comes out about a fifth larger than at the
 * default level in 40% of the time (examples/sales.quire), and the
 * document in memory holds compressed pages. libharu's page streams are then left without a filter
 * (HPDF_COMP_TEXT off) and the stream dictionary gets its /Filter from an
 * on-write hook, because libharu drops a /Filter entry from any stream it
 * does not deflate itself. Fonts and images are still deflated by libharu
 * (HPDF_COMP_METADATA, HPDF_COMP_IMAGE): they are written once per
 * document.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <hpdf_pages.h>

#include "pdf.h"

/* Page content is deflated at this level (1..9). */
#define CONTENT_LEVEL Z_BEST_SPEED

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

/* zlib allocates through the host, so the leak checks see its memory. */
static voidpf z_alloc(voidpf opaque, uInt items, uInt size)
{
    const quire_host *host = opaque;

    return host->calloc(items, size);
}

static void z_free(voidpf opaque, voidpf address)
{
    const quire_host *host = opaque;

    host->free(address);
}

/* libharu writes a stream dictionary's entries, then calls this before the
 * closing ">>": the content was deflated before libharu got it. */
static HPDF_STATUS write_flate_filter(HPDF_Dict dict, HPDF_Stream stream)
{
    (void)dict;
    return HPDF_Stream_WriteStr(stream, "/Filter /FlateDecode\012");
}

/* Deflates d->content into d->zbuf; returns the compressed length, or 0
 * with *err set. */
static size_t deflate_content(pdf_doc *d, uint32_t number, quire_error *err)
{
    const quire_host *host = d->host;
    z_stream *z = d->z;
    size_t bound;
    int rc;

    if (z == NULL) {
        z = host->calloc(1, sizeof(*z));
        if (z == NULL)
            goto fail_nomem;
        z->zalloc = z_alloc;
        z->zfree = z_free;
        z->opaque = (voidpf)host;
        if (deflateInit(z, CONTENT_LEVEL) != Z_OK) {
            host->free(z);
            goto fail_nomem;
        }
        d->z = z;
    } else if (deflateReset(z) != Z_OK) {
        goto fail_zlib;
    }
    bound = deflateBound(z, (uLong)d->content.len);
    if (bound > d->zbuf_cap) {
        unsigned char *grown = host->realloc(d->zbuf, bound);
        if (grown == NULL)
            goto fail_nomem;
        d->zbuf = grown;
        d->zbuf_cap = bound;
    }
    z->next_in = (Bytef *)d->content.buf;
    z->avail_in = (uInt)d->content.len;
    z->next_out = d->zbuf;
    z->avail_out = (uInt)d->zbuf_cap;
    rc = deflate(z, Z_FINISH);
    if (rc != Z_STREAM_END)
        goto fail_zlib;
    return (size_t)z->total_out;

fail_nomem:
    host->error_set(err, QUIRE_E_NOMEM, "page %u: out of memory", (unsigned)number);
    return 0;
fail_zlib:
    host->error_set(err, QUIRE_E_INTERNAL, "page %u: zlib failed to deflate the content (%s)",
                    (unsigned)number, z->msg ? z->msg : "no reason given");
    return 0;
}

/* ============================== Commit ==================================== */

int pdf_content_commit(pdf_doc *d, HPDF_Page page, uint32_t number, quire_error *err)
{
    HPDF_PageAttr attr = (HPDF_PageAttr)page->attr;
    const void *bytes = d->content.buf;
    size_t len = d->content.len;
    char what[32];

    /* zlib and libharu count in 32 bits. */
    if (len > UINT_MAX / 2) {
        d->host->error_set(err, QUIRE_E_INVALID, "page %u: more than 2 GB of content",
                           (unsigned)number);
        return QUIRE_ERR;
    }
    if (len > 0 && d->settings->compress) {
        len = deflate_content(d, number, err);
        if (len == 0)
            return QUIRE_ERR;
        bytes = d->zbuf;
        attr->contents->write_fn = write_flate_filter;
    }
    d->content.len = 0;
    if (len > 0)
        HPDF_Stream_Write(attr->stream, bytes, (HPDF_UINT)len);
    snprintf(what, sizeof(what), "page %u", (unsigned)number);
    return pdf_check(d, err, what);
}

void pdf_content_free(pdf_doc *d)
{
    if (d->z != NULL) {
        deflateEnd(d->z);
        d->host->free(d->z);
        d->z = NULL;
    }
    d->host->free(d->zbuf);
    d->host->free(d->content.buf);
}
