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
 *
 * Deflating is two thirds of the painting thread's work, and the thread
 * that lays pages out waits for it (2 cores, 100k rows of
 * examples/sales.quire: the painter busy 54% of the time, the layout 46%).
 * So a compressed document's streams are deflated and appended to the
 * spool by a thread of its own (pdf_zworker, below): pdf_content_write
 * copies the bytes into a job and returns, and the scheduler gives the
 * deflating the layout thread's idle time. Jobs run in the order written,
 * so the spool is what it was. The thread is woken for ZW_WAKE jobs, not
 * for each, and the painter waits for room only at ZW_JOBS, woken at half:
 * a wake-up costs more than deflating a slot. pdf_content_sync waits for
 * the queue to be empty before the fonts' streams and the save use the
 * spool; a failure of the thread (out of memory, the spool's write) is
 * reported by the next pdf_content_write or by the sync.
 */
#include <limits.h>
#include <pthread.h>
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

/* Deflates `in_len` bytes at `in` into z->out; returns the compressed
 * length, or 0 with *err set. */
static size_t deflate_bytes(const quire_host *host, pdf_deflate *z, const void *in, size_t in_len,
                            const char *what, quire_error *err)
{
    size_t bound, len;

    if (z->c == NULL) {
        z->c = libdeflate_alloc_compressor(CONTENT_LEVEL);
        if (z->c == NULL)
            goto fail_nomem;
    }
    bound = libdeflate_zlib_compress_bound(z->c, in_len);
    if (bound > z->cap) {
        unsigned char *grown = host->realloc(z->out, bound);
        if (grown == NULL)
            goto fail_nomem;
        z->out = grown;
        z->cap = bound;
    }
    len = libdeflate_zlib_compress(z->c, in, in_len, z->out, z->cap);
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

/* Gives `rec` the `len` bytes at `bytes`, deflated first with `z` when the
 * document compresses and that shortens them, and appends them to the
 * spool. On the painting thread, or on the deflate thread for its jobs. */
static int store(pdf_doc *d, pdf_deflate *z, pdf_stream_rec *rec, const void *bytes, size_t len,
                 const char *what, quire_error *err)
{
    int deflated = 0;

    if (len >= CONTENT_MIN_DEFLATE && d->settings->compress) {
        size_t zlen = deflate_bytes(d->host, z, bytes, len, what, err);
        if (zlen == 0)
            return QUIRE_ERR;
        /* A slot's few operators come out of deflate no shorter, and the
         * filter entry costs bytes too: such a stream stays as it is. */
        if (zlen + FILTER_ENTRY_LEN < len) {
            bytes = z->out;
            len = zlen;
            deflated = 1;
        }
    }
    rec->len = (uint32_t)len;
    rec->deflated = deflated;
    if (rec->length != NULL)
        rec->length->value = (HPDF_INT32)len;
    if (len > 0 && pdf_spool_append(&d->spool, bytes, len, &rec->offset, err) != QUIRE_OK)
        return QUIRE_ERR;
    return QUIRE_OK;
}

/* ============================== Deflate thread ============================ */

#define ZW_JOBS 32 /* jobs queued at most */
#define ZW_WAKE 8  /* the thread is woken when this many wait */
#define ZW_ROOM 16 /* a painter waiting for room is woken at this many */

typedef struct zw_job {
    pdf_stream_rec *rec;
    unsigned char *buf; /* host memory, owned by the job (then kept in free) */
    size_t len, cap;
    char what[32];
} zw_job;

typedef struct pdf_zworker {
    pdf_doc *d;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t work; /* the thread waits for jobs */
    pthread_cond_t room; /* the painter waits for room, or for idle */
    zw_job jobs[ZW_JOBS];
    size_t head, count;
    unsigned char *free_bufs[ZW_JOBS]; /* buffers of done jobs */
    size_t free_caps[ZW_JOBS], nfree;
    int sleeping, busy, painter_waits, stop;
    int failed; /* `failure` says why; later jobs are dropped */
    quire_error failure;
    pdf_deflate z; /* the thread's own compressor */
} pdf_zworker;

static void *zw_run(void *arg)
{
    pdf_zworker *w = arg;

    pthread_mutex_lock(&w->mu);
    for (;;) {
        zw_job job;
        quire_error err;
        int rc = QUIRE_OK;

        while (w->count == 0 && !w->stop) {
            w->sleeping = 1;
            pthread_cond_wait(&w->work, &w->mu);
            w->sleeping = 0;
        }
        if (w->count == 0)
            break;
        job = w->jobs[w->head];
        w->head = (w->head + 1) % ZW_JOBS;
        w->count--;
        w->busy = 1;
        if (w->painter_waits && w->count <= ZW_ROOM)
            pthread_cond_signal(&w->room);
        if (!w->failed) {
            pthread_mutex_unlock(&w->mu);
            rc = store(w->d, &w->z, job.rec, job.buf, job.len, job.what, &err);
            pthread_mutex_lock(&w->mu);
        }
        if (rc != QUIRE_OK && !w->failed) {
            w->failed = 1;
            w->failure = err;
        }
        w->busy = 0;
        if (w->nfree < ZW_JOBS) {
            w->free_bufs[w->nfree] = job.buf;
            w->free_caps[w->nfree++] = job.cap;
        } else {
            w->d->host->free(job.buf);
        }
        if (w->painter_waits && w->count == 0)
            pthread_cond_signal(&w->room);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* The deflate thread of `d`, started on first use; NULL when it cannot be
 * started (then the painting thread deflates, as without one). */
static pdf_zworker *zw_get(pdf_doc *d)
{
    pdf_zworker *w = d->zworker;

    if (w != NULL || d->zworker_failed)
        return w;
    w = d->host->calloc(1, sizeof(*w));
    if (w == NULL)
        goto fail;
    w->d = d;
    if (pthread_mutex_init(&w->mu, NULL) != 0)
        goto fail_free;
    if (pthread_cond_init(&w->work, NULL) != 0)
        goto fail_mutex;
    if (pthread_cond_init(&w->room, NULL) != 0)
        goto fail_work;
    if (pthread_create(&w->thread, NULL, zw_run, w) != 0)
        goto fail_room;
    d->zworker = w;
    return w;

fail_room:
    pthread_cond_destroy(&w->room);
fail_work:
    pthread_cond_destroy(&w->work);
fail_mutex:
    pthread_mutex_destroy(&w->mu);
fail_free:
    d->host->free(w);
fail:
    d->zworker_failed = 1;
    return NULL;
}

/* With w->mu held: waits once for the thread to take jobs or go idle,
 * waking it first if it sleeps on a short queue. */
static void zw_wait(pdf_zworker *w)
{
    w->painter_waits = 1;
    if (w->sleeping)
        pthread_cond_signal(&w->work);
    pthread_cond_wait(&w->room, &w->mu);
    w->painter_waits = 0;
}

/* Queues d->content for `rec`. QUIRE_OK, or QUIRE_ERR with *err set (out
 * of memory, or the thread's first failure). */
static int zw_put(pdf_doc *d, pdf_zworker *w, pdf_stream_rec *rec, const char *what,
                  quire_error *err)
{
    zw_job *job;
    size_t len = d->content.len;

    pthread_mutex_lock(&w->mu);
    while (w->count == ZW_JOBS && !w->failed)
        zw_wait(w);
    if (w->failed) {
        *err = w->failure;
        pthread_mutex_unlock(&w->mu);
        return QUIRE_ERR;
    }
    job = &w->jobs[(w->head + w->count) % ZW_JOBS];
    memset(job, 0, sizeof(*job));
    if (w->nfree > 0) {
        w->nfree--;
        job->buf = w->free_bufs[w->nfree];
        job->cap = w->free_caps[w->nfree];
    }
    pthread_mutex_unlock(&w->mu);

    /* The slot is ours until count counts it: the thread takes only
     * counted jobs. */
    if (job->cap < len) {
        unsigned char *grown = d->host->realloc(job->buf, len);
        if (grown == NULL) {
            d->host->free(job->buf);
            d->host->error_set(err, QUIRE_E_NOMEM, "%s: out of memory", what);
            return QUIRE_ERR;
        }
        job->buf = grown;
        job->cap = len;
    }
    if (len > 0)
        memcpy(job->buf, d->content.buf, len);
    job->len = len;
    job->rec = rec;
    snprintf(job->what, sizeof(job->what), "%s", what);

    pthread_mutex_lock(&w->mu);
    w->count++;
    if (w->sleeping && w->count >= ZW_WAKE)
        pthread_cond_signal(&w->work);
    pthread_mutex_unlock(&w->mu);
    return QUIRE_OK;
}

int pdf_content_sync(pdf_doc *d, quire_error *err)
{
    pdf_zworker *w = d->zworker;
    int rc = QUIRE_OK;

    if (w == NULL)
        return QUIRE_OK;
    pthread_mutex_lock(&w->mu);
    while ((w->count > 0 || w->busy) && !w->failed)
        zw_wait(w);
    if (w->failed) {
        *err = w->failure;
        rc = QUIRE_ERR;
    }
    pthread_mutex_unlock(&w->mu);
    return rc;
}

/* Stops and frees the deflate thread: what it has not done is dropped. */
static void zw_stop(pdf_doc *d)
{
    pdf_zworker *w = d->zworker;

    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    w->failed = 1; /* the jobs left are dropped, not written */
    pthread_cond_signal(&w->work);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    for (size_t i = 0; i < w->nfree; i++)
        d->host->free(w->free_bufs[i]);
    if (w->z.c != NULL)
        libdeflate_free_compressor(w->z.c);
    d->host->free(w->z.out);
    pthread_cond_destroy(&w->room);
    pthread_cond_destroy(&w->work);
    pthread_mutex_destroy(&w->mu);
    d->host->free(w);
    d->zworker = NULL;
}

/* ============================== Writing =================================== */

int pdf_content_write(pdf_doc *d, HPDF_Dict stream, const char *what, quire_error *err)
{
    pdf_stream_rec *rec = stream->attr;
    size_t len = d->content.len;
    pdf_zworker *w;
    int rc;

    /* libharu counts in 32 bits. */
    if (len > UINT_MAX / 2) {
        d->host->error_set(err, QUIRE_E_INVALID, "%s: more than 2 GB of content", what);
        return QUIRE_ERR;
    }
    /* Only deflating is worth a hand-over: an uncompressed document
     * appends on this thread. */
    w = d->settings->compress ? zw_get(d) : NULL;
    if (w != NULL)
        rc = zw_put(d, w, rec, what, err);
    else
        rc = store(d, &d->deflate, rec, d->content.buf, len, what, err);
    d->content.len = 0;
    return rc;
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
    zw_stop(d);
    if (d->deflate.c != NULL) {
        libdeflate_free_compressor(d->deflate.c);
        d->deflate.c = NULL;
    }
    d->host->free(d->deflate.out);
    d->host->free(d->content.buf);
}
