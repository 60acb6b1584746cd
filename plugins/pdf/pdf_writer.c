/*
 * pdf_writer.c - the output written on a second thread while libharu saves.
 *
 * Saving is libharu formatting some ten thousand objects (for 100k rows of
 * examples/sales.quire) and, between them, the page content copied from the
 * spool into the output: 6 MB read back and written again, a quarter of the
 * save, while the renderer thread is done and the second core idle. So the
 * saving thread only formats: libharu's bytes are gathered into chunks,
 * a content stream becomes a note of where its bytes are in the spool, and
 * one writer thread takes both, in order, and does the reading and writing.
 * From the start of the save to the end of the writer's work, the spool and
 * the output belong to the writer alone.
 *
 * What goes to the writer is a chunk of WRITER_CHUNK bytes holding records
 * in order: 'B' and a 4-byte length, then that many bytes of libharu's;
 * 'S' and an 8-byte offset and length, a stretch of the spool. A chunk is
 * handed over only when full (or at the end): the thousands of small
 * writes and content streams of a save cost a few dozen hand-overs, not a
 * wake-up each. At most WRITER_SLOTS chunks (1 MB) wait; the saving thread
 * waits for room. The first failure of the writer is kept and reported by
 * pdf_writer_finish; after it the writer drops what comes, and every later
 * call of the saving thread fails at once, which stops libharu.
 */
#include <pthread.h>

#include "pdf.h"

#define WRITER_SLOTS 16
#define WRITER_CHUNK (64u * 1024u)

/* Record sizes: a tag and a 4-byte length (then the bytes); a tag and two
 * 8-byte numbers. */
#define BYTES_HEAD   5u
#define SPOOL_RECORD 17u

typedef struct writer_slot {
    unsigned char *buf; /* WRITER_CHUNK bytes, kept for the slot's next use */
    size_t len;         /* bytes of records */
} writer_slot;

struct pdf_writer {
    pdf_doc *d;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t filled; /* the writer waits for a chunk */
    pthread_cond_t room;   /* the saving thread waits for a free slot */
    writer_slot slots[WRITER_SLOTS];
    size_t head, count; /* chunks [head, head + count) are queued */
    writer_slot *open;  /* the chunk being filled (slot head + count), or NULL */
    size_t bytes_at;    /* open: where its last record starts if that is a
                           'B' one the next bytes can extend, else SIZE_MAX */
    int closing;
    int failed; /* under mu: the writer failed, `failure` says why */
    quire_error failure;
};

static void put_u32(unsigned char *p, uint32_t v)
{
    memcpy(p, &v, sizeof(v));
}

static uint32_t get_u32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static void put_u64(unsigned char *p, uint64_t v)
{
    memcpy(p, &v, sizeof(v));
}

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

/* ============================== The writer thread ========================= */

/* Writes `len` bytes of the spool from `at` into the output. */
static int write_spool(pdf_doc *d, uint64_t at, uint64_t len, quire_error *err)
{
    while (len > 0) {
        const void *bytes;
        size_t got;
        if (pdf_spool_view(&d->spool, at, len > SIZE_MAX ? SIZE_MAX : (size_t)len, &bytes, &got,
                           err) != QUIRE_OK ||
            support_out_write(d->out, bytes, got, err) != QUIRE_OK)
            return QUIRE_ERR;
        at += got;
        len -= got;
    }
    return QUIRE_OK;
}

/* Writes the records of one chunk into the output, in order. */
static int write_chunk(pdf_writer *w, const writer_slot *s, quire_error *err)
{
    const unsigned char *p = s->buf, *end = s->buf + s->len;

    while (p < end) {
        if (*p == 'B') {
            uint32_t n = get_u32(p + 1);
            if (support_out_write(w->d->out, p + BYTES_HEAD, n, err) != QUIRE_OK)
                return QUIRE_ERR;
            p += BYTES_HEAD + n;
        } else {
            if (write_spool(w->d, get_u64(p + 1), get_u64(p + 9), err) != QUIRE_OK)
                return QUIRE_ERR;
            p += SPOOL_RECORD;
        }
    }
    return QUIRE_OK;
}

static void *writer_run(void *arg)
{
    pdf_writer *w = arg;

    pthread_mutex_lock(&w->mu);
    for (;;) {
        writer_slot *s;
        quire_error err = {0};
        int failed;

        while (w->count == 0 && !w->closing)
            pthread_cond_wait(&w->filled, &w->mu);
        if (w->count == 0)
            break;
        s = &w->slots[w->head];
        failed = w->failed;
        pthread_mutex_unlock(&w->mu);
        /* The chunk is the writer's until it is counted out below. */
        if (!failed && write_chunk(w, s, &err) != QUIRE_OK) {
            pthread_mutex_lock(&w->mu);
            w->failed = 1;
            w->failure = err;
        } else {
            pthread_mutex_lock(&w->mu);
        }
        w->head = (w->head + 1) % WRITER_SLOTS;
        w->count--;
        pthread_cond_signal(&w->room);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* ============================== The saving thread ========================= */

/* Queues the chunk being filled, if any. */
static void queue_open(pdf_writer *w)
{
    if (w->open == NULL)
        return;
    w->open = NULL;
    pthread_mutex_lock(&w->mu);
    w->count++;
    pthread_cond_signal(&w->filled);
    pthread_mutex_unlock(&w->mu);
}

/* Makes sure the open chunk has `need` free bytes: queues a fuller one and
 * waits for a free slot. QUIRE_ERR when the writer failed or there is no
 * memory for the slot's buffer. */
static int make_room(pdf_writer *w, size_t need)
{
    writer_slot *s;

    if (w->open != NULL && WRITER_CHUNK - w->open->len >= need)
        return QUIRE_OK;
    queue_open(w);
    pthread_mutex_lock(&w->mu);
    while (w->count == WRITER_SLOTS && !w->failed)
        pthread_cond_wait(&w->room, &w->mu);
    s = w->failed ? NULL : &w->slots[(w->head + w->count) % WRITER_SLOTS];
    pthread_mutex_unlock(&w->mu);
    if (s == NULL)
        return QUIRE_ERR;
    if (s->buf == NULL && (s->buf = w->d->host->malloc(WRITER_CHUNK)) == NULL) {
        pthread_mutex_lock(&w->mu);
        if (!w->failed) {
            w->failed = 1;
            w->d->host->error_set(&w->failure, QUIRE_E_NOMEM, "saving the document: out of memory");
        }
        pthread_mutex_unlock(&w->mu);
        return QUIRE_ERR;
    }
    s->len = 0;
    w->open = s;
    w->bytes_at = SIZE_MAX;
    return QUIRE_OK;
}

int pdf_writer_bytes(pdf_writer *w, const void *bytes, size_t len)
{
    const unsigned char *p = bytes;

    while (len > 0) {
        writer_slot *s;
        size_t n;
        if (w->open == NULL || w->bytes_at == SIZE_MAX) {
            if (make_room(w, BYTES_HEAD + 1) != QUIRE_OK)
                return QUIRE_ERR;
            w->bytes_at = w->open->len;
            w->open->buf[w->open->len] = 'B';
            put_u32(w->open->buf + w->open->len + 1, 0);
            w->open->len += BYTES_HEAD;
        }
        s = w->open;
        n = WRITER_CHUNK - s->len;
        if (n > len)
            n = len;
        memcpy(s->buf + s->len, p, n);
        s->len += n;
        put_u32(s->buf + w->bytes_at + 1, get_u32(s->buf + w->bytes_at + 1) + (uint32_t)n);
        p += n;
        len -= n;
        if (s->len == WRITER_CHUNK)
            queue_open(w);
    }
    return QUIRE_OK;
}

int pdf_writer_spool(pdf_writer *w, uint64_t offset, size_t len)
{
    unsigned char *p;

    if (len == 0)
        return QUIRE_OK;
    if (make_room(w, SPOOL_RECORD) != QUIRE_OK)
        return QUIRE_ERR;
    p = w->open->buf + w->open->len;
    p[0] = 'S';
    put_u64(p + 1, offset);
    put_u64(p + 9, len);
    w->open->len += SPOOL_RECORD;
    w->bytes_at = SIZE_MAX; /* the next bytes come after this record */
    return QUIRE_OK;
}

pdf_writer *pdf_writer_start(pdf_doc *d)
{
    pdf_writer *w = d->host->calloc(1, sizeof(*w));

    if (w == NULL)
        return NULL;
    w->d = d;
    if (pthread_mutex_init(&w->mu, NULL) != 0)
        goto fail_free_writer;
    if (pthread_cond_init(&w->filled, NULL) != 0)
        goto fail_destroy_mutex;
    if (pthread_cond_init(&w->room, NULL) != 0)
        goto fail_destroy_filled;
    if (pthread_create(&w->thread, NULL, writer_run, w) != 0)
        goto fail_destroy_room;
    return w;

fail_destroy_room:
    pthread_cond_destroy(&w->room);
fail_destroy_filled:
    pthread_cond_destroy(&w->filled);
fail_destroy_mutex:
    pthread_mutex_destroy(&w->mu);
fail_free_writer:
    d->host->free(w);
    return NULL;
}

int pdf_writer_finish(pdf_writer *w, quire_error *err)
{
    int rc;

    queue_open(w);
    pthread_mutex_lock(&w->mu);
    w->closing = 1;
    pthread_cond_signal(&w->filled);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    rc = w->failed ? QUIRE_ERR : QUIRE_OK;
    if (w->failed)
        *err = w->failure;
    for (size_t i = 0; i < WRITER_SLOTS; i++)
        if (w->slots[i].buf != NULL)
            w->d->host->free(w->slots[i].buf);
    pthread_cond_destroy(&w->room);
    pthread_cond_destroy(&w->filled);
    pthread_mutex_destroy(&w->mu);
    w->d->host->free(w);
    return rc;
}
