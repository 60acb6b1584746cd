/*
 * csv_ahead.c - read-ahead for the csv plugin (see csv.h): while the kernel
 * works on batch N, a thread of the instance lexes and converts batch N+1,
 * so on a two-core machine CSV parsing overlaps the kernel's own per-batch
 * work (filter, sort encoding). Used only for a whole-file read (parts are
 * already read on threads of their own) with rows beyond the sample.
 *
 * Two buffers, each a batch of our own with its own string arena, take
 * turns: the thread fills a FREE one and marks it READY; next() copies a
 * READY one into the kernel's batch (values and null flags; strings stay
 * slices of the buffer's arena or of the input) and HOLDs it, since the
 * kernel's batch must stay valid until the next call or close. The next
 * call gives it back (FREE), so the thread is never more than one batch
 * ahead and never writes a buffer the kernel can still see.
 *
 * The thread alone touches the lexer, the sample and the counters after it
 * starts; the kernel's side reads the counters only as snapshots taken with
 * each buffer (csv_progress). An error ends the thread: its buffer carries
 * the message to the next() that takes it, the same call and message as
 * without read-ahead. Closing sets `stop` and joins: the thread waits only
 * for a FREE buffer or `stop`, so a kernel that stops calling next() never
 * leaves it blocked.
 */
#include <pthread.h>
#include <string.h>

#include "csv.h"

/* Bytes per block of a buffer's string arena. */
#define AHEAD_ARENA_BLOCK ((size_t)64 << 10)

enum { SLOT_FREE, SLOT_READY, SLOT_HELD };

typedef struct ahead_slot {
    quire_batch batch;  /* columns and source_line are ours */
    quire_arena *arena; /* the batch's string bytes */
    int state;          /* SLOT_*, under the mutex */
    int rc;             /* what csv_fill_batch returned */
    quire_error err;    /* its message if rc is QUIRE_ERR */
    csv_progress progress;
} ahead_slot;

struct csv_ahead {
    csv_source *src;
    pthread_t thread;
    pthread_mutex_t mutex;
    pthread_cond_t changed; /* a slot's state or `stop` changed */
    ahead_slot slots[2];
    int stop;     /* close(): the thread must end */
    int take;     /* the slot next() takes next */
    int held;     /* the slot the kernel's batch points into, or -1 */
    int finished; /* next() has handed out the final slot */
};

/* ============================== Buffers =================================== */

static void slot_free(const quire_host *host, ahead_slot *slot)
{
    if (slot->batch.columns != NULL)
        for (uint32_t c = 0; c < slot->batch.ncolumns; c++) {
            host->free(slot->batch.columns[c].nulls);
            host->free(slot->batch.columns[c].v.i64);
        }
    host->free(slot->batch.columns);
    host->free(slot->batch.source_line);
    if (slot->arena != NULL)
        host->arena_free(slot->arena);
}

/* The size of one value of a column of `type`. */
static size_t value_size(uint32_t type)
{
    if (type == QUIRE_TYPE_STRING)
        return sizeof(quire_str);
    return type == QUIRE_TYPE_FLOAT ? sizeof(double) : sizeof(int64_t);
}

/* A batch shaped like `like`, with arrays for the needed columns only. */
static int slot_init(const csv_source *src, ahead_slot *slot, const quire_batch *like)
{
    const quire_host *host = src->host;
    quire_batch *b = &slot->batch;

    b->size = sizeof(*b);
    b->capacity = like->capacity;
    b->ncolumns = like->ncolumns;
    b->columns = host->calloc(like->ncolumns, sizeof(*b->columns));
    slot->arena = host->arena_new(AHEAD_ARENA_BLOCK);
    if (b->columns == NULL || slot->arena == NULL)
        return -1;
    b->arena = slot->arena;
    for (size_t k = 0; k < src->nneeded; k++) {
        size_t c = src->needed[k];
        quire_column *col = &b->columns[c];

        col->type = like->columns[c].type;
        col->scale = like->columns[c].scale;
        col->nulls = host->malloc(like->capacity);
        col->v.i64 = host->malloc(like->capacity * value_size(col->type));
        if (col->nulls == NULL || col->v.i64 == NULL)
            return -1;
    }
    if (support_batch_has_lines(like)) {
        b->source_line = host->malloc(like->capacity * sizeof(int64_t));
        if (b->source_line == NULL)
            return -1;
    }
    return 0;
}

/* Copies the filled buffer into the kernel's batch (same shape). */
static void slot_copy(const csv_source *src, const ahead_slot *slot, quire_batch *batch)
{
    const quire_batch *b = &slot->batch;

    batch->rows = b->rows;
    batch->first_row = b->first_row;
    for (size_t k = 0; k < src->nneeded; k++) {
        size_t c = src->needed[k];
        const quire_column *from = &b->columns[c];
        quire_column *to = &batch->columns[c];

        memcpy(to->nulls, from->nulls, b->rows);
        memcpy(to->v.i64, from->v.i64, b->rows * value_size(from->type));
    }
    if (b->source_line != NULL)
        memcpy(batch->source_line, b->source_line, b->rows * sizeof(int64_t));
}

/* ============================== The thread ================================ */

static void *ahead_main(void *arg)
{
    csv_ahead *a = arg;
    csv_source *src = a->src;
    int i = 0;

    for (;;) {
        ahead_slot *slot = &a->slots[i];
        int rc;

        pthread_mutex_lock(&a->mutex);
        while (!a->stop && slot->state != SLOT_FREE)
            pthread_cond_wait(&a->changed, &a->mutex);
        if (a->stop) {
            pthread_mutex_unlock(&a->mutex);
            break;
        }
        pthread_mutex_unlock(&a->mutex);

        src->host->arena_reset(slot->arena);
        rc = csv_fill_batch(src, &slot->batch, &slot->err);
        slot->progress = csv_progress_now(src);

        pthread_mutex_lock(&a->mutex);
        slot->rc = rc;
        slot->state = SLOT_READY;
        pthread_cond_broadcast(&a->changed);
        pthread_mutex_unlock(&a->mutex);
        if (rc != QUIRE_OK)
            break; /* the end, or an error: nothing more to read */
        i ^= 1;
    }
    return NULL;
}

/* ============================== Kernel side =============================== */

int csv_ahead_start(csv_source *src, const quire_batch *like, quire_error *err)
{
    const quire_host *host = src->host;
    csv_ahead *a = host->calloc(1, sizeof(*a));

    if (a == NULL)
        return support_fail_nomem(host, "csv", "starting the read-ahead", err);
    a->src = src;
    a->held = -1;
    if (slot_init(src, &a->slots[0], like) != 0 || slot_init(src, &a->slots[1], like) != 0) {
        support_fail_nomem(host, "csv", "starting the read-ahead", err);
        goto fail_free_slots;
    }
    if (pthread_mutex_init(&a->mutex, NULL) != 0) {
        host->error_set(err, QUIRE_E_INTERNAL, "csv: %s: cannot create a mutex", src->name);
        goto fail_free_slots;
    }
    if (pthread_cond_init(&a->changed, NULL) != 0) {
        host->error_set(err, QUIRE_E_INTERNAL, "csv: %s: cannot create a condition", src->name);
        goto fail_destroy_mutex;
    }
    if (pthread_create(&a->thread, NULL, ahead_main, a) != 0) {
        host->error_set(err, QUIRE_E_INTERNAL, "csv: %s: cannot start the read-ahead thread",
                        src->name);
        goto fail_destroy_cond;
    }
    src->ahead = a;
    return QUIRE_OK;

fail_destroy_cond:
    pthread_cond_destroy(&a->changed);
fail_destroy_mutex:
    pthread_mutex_destroy(&a->mutex);
fail_free_slots:
    slot_free(host, &a->slots[0]);
    slot_free(host, &a->slots[1]);
    host->free(a);
    return QUIRE_ERR;
}

int csv_ahead_next(csv_source *src, quire_batch *batch, quire_error *err)
{
    csv_ahead *a = src->ahead;
    ahead_slot *slot;

    if (a->finished) {
        batch->rows = 0;
        batch->first_row = src->shown.delivered + 1;
        return QUIRE_DONE;
    }
    slot = &a->slots[a->take];
    pthread_mutex_lock(&a->mutex);
    /* The kernel is done with the previous batch: its buffer may refill. */
    if (a->held >= 0) {
        a->slots[a->held].state = SLOT_FREE;
        a->held = -1;
        pthread_cond_broadcast(&a->changed);
    }
    while (slot->state != SLOT_READY)
        pthread_cond_wait(&a->changed, &a->mutex);
    slot->state = SLOT_HELD;
    pthread_mutex_unlock(&a->mutex);

    a->held = a->take;
    a->take ^= 1;
    src->shown = slot->progress;
    if (slot->rc == QUIRE_ERR) {
        *err = slot->err;
        batch->rows = 0;
        return QUIRE_ERR;
    }
    slot_copy(src, slot, batch);
    a->finished = slot->rc == QUIRE_DONE;
    return slot->rc;
}

void csv_ahead_stop(csv_ahead *a)
{
    const quire_host *host;

    if (a == NULL)
        return;
    host = a->src->host;
    pthread_mutex_lock(&a->mutex);
    a->stop = 1;
    pthread_cond_broadcast(&a->changed);
    pthread_mutex_unlock(&a->mutex);
    pthread_join(a->thread, NULL);
    pthread_cond_destroy(&a->changed);
    pthread_mutex_destroy(&a->mutex);
    slot_free(host, &a->slots[0]);
    slot_free(host, &a->slots[1]);
    host->free(a);
}
