/*
 * sort.c - the kernel's external sort (see sort.h): creating a sorter,
 * taking rows in under the memory budget, spilling sorted runs, and
 * deciding at the finish how they are merged. The row encoding and key
 * codes are in sort_key.c, the in-memory sort of a run in sort_mem.c, the
 * merge and the output in sort_merge.c, the spill files in sort_run.c.
 *
 * What gets sorted is an array of fixed-size entries: a NULL rank and an
 * order-preserving 64-bit code of one key, the record's address and the
 * row's sequence number (sort_int.h). In memory, the code is refined key by
 * key over stretches of equal codes (sort_mem.c). In a merge it is the
 * first key's; ties go to a full comparison of the records and then to the
 * sequence number, which there is the source's index, since runs hold
 * consecutive stretches of the input in order.
 */
#include "sort_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "batch.h"
#include "diag.h"

#define MIN_BLOCK ((size_t)4 * 1024)
#define MAX_BLOCK ((size_t)1024 * 1024)

/* ============================== Creation ================================== */

static int type_known(uint32_t type)
{
    return type <= QUIRE_TYPE_TIMESTAMP;
}

sorter *sorter_new(const quire_column_info *columns, size_t ncolumns, const sort_key *keys,
                   size_t nkeys, size_t memory_budget, const char *temp_dir, quire_error *err)
{
    const char *dir = temp_dir;
    sorter *s;
    uint8_t *used;
    size_t pos = 0;

    for (size_t i = 0; i < ncolumns; i++) {
        if (!type_known(columns[i].type)) {
            error_setf(err, QUIRE_E_INVALID, "sort: column %zu ('%s') has unknown type %u", i + 1,
                       columns[i].name ? columns[i].name : "", (unsigned)columns[i].type);
            return NULL;
        }
    }
    for (size_t k = 0; k < nkeys; k++) {
        if (keys[k].column >= ncolumns) {
            error_setf(err, QUIRE_E_INVALID,
                       "sort: key %zu names column %u, but the rows have %zu columns", k + 1,
                       (unsigned)keys[k].column + 1, ncolumns);
            return NULL;
        }
    }
    if (ncolumns >= UINT32_MAX) {
        error_setf(err, QUIRE_E_INVALID, "sort: %zu columns are too many", ncolumns);
        return NULL;
    }
    if (dir == NULL || *dir == '\0')
        dir = getenv("TMPDIR");
    if (dir == NULL || *dir == '\0')
        dir = "/tmp";

    s = calloc(1, sizeof(*s));
    if (s == NULL)
        goto fail_oom;
    s->files[0].fd = -1;
    s->files[1].fd = -1;
    s->ncolumns = ncolumns;
    s->nbitmap = (ncolumns + 7) / 8;
    s->columns = calloc(ncolumns + 1, sizeof(*s->columns));
    s->perm = calloc(ncolumns + 1, sizeof(*s->perm));
    s->type = calloc(ncolumns + 1, sizeof(*s->type));
    s->desc = calloc(nkeys + 1, 1);
    s->nulls_first = calloc(nkeys + 1, 1);
    s->dir = strdup(dir);
    if (!s->columns || !s->perm || !s->type || !s->desc || !s->nulls_first || !s->dir)
        goto fail_free_sorter;
    for (size_t i = 0; i < ncolumns; i++) {
        s->columns[i] = columns[i];
        s->columns[i].name = strdup(columns[i].name != NULL ? columns[i].name : "");
        if (s->columns[i].name == NULL)
            goto fail_free_sorter;
    }
    used = calloc(ncolumns + 1, 1);
    if (used == NULL)
        goto fail_free_sorter;
    /* Keys first, in key order, each column once; then the rest. */
    for (size_t k = 0; k < nkeys; k++) {
        if (used[keys[k].column])
            continue;
        used[keys[k].column] = 1;
        s->desc[s->nkeys] = keys[k].desc != 0;
        s->nulls_first[s->nkeys] = keys[k].nulls_first != 0;
        s->nkeys++;
        s->perm[pos++] = keys[k].column;
    }
    for (size_t i = 0; i < ncolumns; i++)
        if (!used[i])
            s->perm[pos++] = (uint32_t)i;
    free(used);
    for (size_t j = 0; j < ncolumns; j++)
        s->type[j] = columns[s->perm[j]].type;

    s->budget = memory_budget < SORT_MIN_BUDGET ? SORT_MIN_BUDGET : memory_budget;
    s->io_buf = srt_clamp_size(s->budget / 16, MIN_IO_BUF, MAX_IO_BUF);
    s->limit = s->budget - s->io_buf;
    s->block_size = srt_clamp_size(s->budget / 64, MIN_BLOCK, MAX_BLOCK);

    /* Created now so that a bad temp_dir fails before any row is read. */
    if (spill_open(&s->files[0], s->dir, err) != 0) {
        sorter_free(s);
        return NULL;
    }
    s->threads = 1;
    s->state = SORT_ADDING;
    return s;

fail_free_sorter:
    sorter_free(s);
fail_oom:
    srt_oom(err);
    return NULL;
}

static void blocks_free(row_block *b)
{
    while (b != NULL) {
        row_block *next = b->next;
        free(b);
        b = next;
    }
}

void sorter_free(sorter *s)
{
    if (s == NULL)
        return;
    srt_merger_close(s, &s->m);
    blocks_free(s->blocks);
    blocks_free(s->big);
    free(s->entries);
    free(s->wbuf);
    free(s->runs);
    spill_close(&s->files[0]);
    spill_close(&s->files[1]);
    if (s->columns != NULL)
        for (size_t i = 0; i < s->ncolumns; i++)
            free((char *)s->columns[i].name);
    free(s->columns);
    free(s->perm);
    free(s->type);
    free(s->desc);
    free(s->nulls_first);
    free(s->dir);
    free(s);
}

void sorter_set_threads(sorter *s, unsigned threads)
{
    s->threads = threads > SORT_MAX_THREADS ? SORT_MAX_THREADS : threads;
}

void sorter_stats(const sorter *s, sort_stats *out)
{
    out->rows = s->rows;
    out->runs = s->runs_written;
    out->merge_passes = s->passes;
    out->bytes_spilled = s->spilled;
    out->peak_memory = s->peak;
}

/* ============================== Errors ==================================== */

int srt_oom(quire_error *err)
{
    error_setf(err, QUIRE_E_NOMEM, "sort: out of memory");
    return -1;
}

/* Records `err` as the sorter's final error. */
int srt_fail(sorter *s, const quire_error *err)
{
    s->failure = *err;
    s->state = SORT_FAILED;
    return QUIRE_ERR;
}

/* Checks that a batch has the sorter's column types. */
int srt_check_batch(const sorter *s, const quire_batch *b, const char *which, quire_error *err)
{
    char have[32], want[32];

    if (b->ncolumns != s->ncolumns) {
        error_setf(err, QUIRE_E_INVALID,
                   "sort: the %s batch has %u columns, the sorter's rows have %zu", which,
                   (unsigned)b->ncolumns, s->ncolumns);
        return -1;
    }
    for (size_t i = 0; i < s->ncolumns; i++) {
        const quire_column *c = &b->columns[i];
        const quire_column_info *info = &s->columns[i];

        if (c->type == info->type && (c->type != QUIRE_TYPE_DECIMAL || c->scale == info->scale))
            continue;
        error_setf(err, QUIRE_E_INVALID,
                   "sort: column %zu ('%s') of the %s batch is %s, the sorter's is %s", i + 1,
                   info->name, which, batch_type_text(c->type, c->scale, have, sizeof(have)),
                   batch_type_text(info->type, info->scale, want, sizeof(want)));
        return -1;
    }
    return 0;
}

/* ============================== Spilling runs ============================= */

int srt_writer_ready(sorter *s, quire_error *err)
{
    if (s->wbuf != NULL)
        return 0;
    s->wbuf = malloc(s->io_buf);
    if (s->wbuf == NULL)
        return srt_oom(err);
    srt_mem_add(s, s->io_buf);
    return 0;
}

static void writer_release(sorter *s)
{
    if (s->wbuf == NULL)
        return;
    free(s->wbuf);
    s->wbuf = NULL;
    srt_mem_sub(s, s->io_buf);
}

static int runs_push(sorter *s, const sort_run *run, quire_error *err)
{
    if (s->nruns == s->runs_cap) {
        size_t cap = s->runs_cap ? 2 * s->runs_cap : 16;
        sort_run *grown = realloc(s->runs, cap * sizeof(*grown));
        if (grown == NULL)
            return srt_oom(err);
        s->runs = grown;
        s->runs_cap = cap;
    }
    s->runs[s->nruns++] = *run;
    return 0;
}

/* Forgets the held rows; normal blocks are kept for the next run. */
static void rows_clear(sorter *s)
{
    for (row_block *b = s->big; b != NULL; b = b->next)
        srt_mem_sub(s, sizeof(*b) + b->cap);
    blocks_free(s->big);
    s->big = NULL;
    for (row_block *b = s->blocks; b != NULL; b = b->next)
        b->used = 0;
    s->cur = s->blocks;
    s->n = 0;
    s->base = NULL;
}

/* Frees every row block and the entries. */
static void rows_release(sorter *s)
{
    rows_clear(s);
    for (row_block *b = s->blocks; b != NULL; b = b->next)
        srt_mem_sub(s, sizeof(*b) + b->cap);
    blocks_free(s->blocks);
    s->blocks = s->cur = NULL;
    free(s->entries);
    srt_mem_sub(s, s->cap * ENTRY_COST);
    s->entries = NULL;
    s->cap = 0;
}

/* Sorts the held rows and appends them to the current spill file as a run. */
static int spill_rows(sorter *s, quire_error *err)
{
    spill_file *f = &s->files[s->in_file];
    run_writer w = {0};
    sort_run run = {0};

    if (srt_writer_ready(s, err) != 0)
        return -1;
    srt_sort_entries(s);
    w.file = f;
    w.dir = s->dir;
    w.buf = s->wbuf;
    w.cap = s->io_buf;
    run.file = s->in_file;
    run.offset = f->size;
    for (size_t i = 0; i < s->n; i++) {
        const uint8_t *rec = s->entries[i].rec;
        if (run_writer_put(&w, rec, srt_record_len(rec), err) != 0)
            return -1;
    }
    if (run_writer_flush(&w, err) != 0)
        return -1;
    run.bytes = f->size - run.offset;
    s->spilled += (int64_t)w.written;
    if (runs_push(s, &run, err) != 0)
        return -1;
    s->runs_written++;
    rows_clear(s);
    return 0;
}

/* ============================== Adding rows =============================== */

/* The entry capacity to grow to for one more row of `size` bytes: double,
 * but no further than the rows that still fit under the limit (at the
 * average row size), and at least one. */
static size_t entries_growth(const sorter *s, size_t size)
{
    size_t room = s->limit > srt_mem_rows(s) ? s->limit - srt_mem_rows(s) : 0;
    size_t avg = s->rows > 0 ? (size_t)(s->all_row_bytes / (uint64_t)s->rows) : size;
    size_t fit = room / (ENTRY_COST + avg);
    size_t grow = s->cap ? s->cap : 256;

    if (grow > fit)
        grow = fit;
    if (grow == 0)
        grow = 1;
    return s->cap + grow;
}

/* Linux 5.14's value, for older headers; an older kernel says EINVAL. */
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* Below this, populating costs about what the faults would. */
#define PREFAULT_MIN ((size_t)64 * 1024)

void srt_prefault(void *p, size_t len)
{
    long page = sysconf(_SC_PAGESIZE);
    uintptr_t start, end;

    if (p == NULL || len < PREFAULT_MIN || page <= 0)
        return;
    start = ((uintptr_t)p + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
    end = ((uintptr_t)p + len) & ~((uintptr_t)page - 1);
    if (end > start)
        (void)madvise((void *)start, end - start, MADV_POPULATE_WRITE);
}

/* Bytes that holding one more record of `size` bytes adds; *new_cap is the
 * entry capacity it needs. */
static size_t row_cost(const sorter *s, size_t size, size_t *new_cap)
{
    size_t cost = 0;

    *new_cap = s->cap;
    if (s->n == s->cap) {
        *new_cap = entries_growth(s, size);
        cost += (*new_cap - s->cap) * ENTRY_COST;
    }
    if (size > s->block_size)
        cost += sizeof(row_block) + size;
    else if (s->cur == NULL || (s->cur->cap - s->cur->used < size && s->cur->next == NULL))
        cost += sizeof(row_block) + s->block_size;
    return cost;
}

/* Returns room for a record of `size` bytes, the entry array grown to
 * `new_cap`. NULL on allocation failure. */
static uint8_t *row_space(sorter *s, size_t size, size_t new_cap)
{
    row_block *b;

    if (new_cap > s->cap) {
        sort_entry *grown = realloc(s->entries, new_cap * sizeof(*grown));
        if (grown == NULL)
            return NULL;
        srt_prefault(grown + s->cap, (new_cap - s->cap) * sizeof(*grown));
        s->entries = grown;
        srt_mem_add(s, (new_cap - s->cap) * ENTRY_COST);
        s->cap = new_cap;
    }
    if (size > s->block_size) {
        b = malloc(sizeof(*b) + size);
        if (b == NULL)
            return NULL;
        srt_prefault(b, sizeof(*b) + size);
        b->cap = b->used = size;
        b->next = s->big;
        s->big = b;
        srt_mem_add(s, sizeof(*b) + size);
        return b->data;
    }
    if (s->cur != NULL && s->cur->cap - s->cur->used < size && s->cur->next != NULL) {
        s->cur = s->cur->next; /* kept from an earlier run, empty */
    } else if (s->cur == NULL || s->cur->cap - s->cur->used < size) {
        /* cur is the last block: append, so blocks stay in fill order. */
        b = malloc(sizeof(*b) + s->block_size);
        if (b == NULL)
            return NULL;
        srt_prefault(b, sizeof(*b) + s->block_size);
        b->cap = s->block_size;
        b->used = 0;
        b->next = NULL;
        srt_mem_add(s, sizeof(*b) + s->block_size);
        if (s->cur == NULL)
            s->blocks = b;
        else
            s->cur->next = b;
        s->cur = b;
    }
    b = s->cur;
    b->used += size;
    return b->data + b->used - size;
}

/* Narrows the run's shared first-key prefix to what `rec` shares too. */
static void note_shared(sorter *s, const uint8_t *rec)
{
    const uint8_t *body = rec + srt_varint_skip(rec);
    const uint8_t *v = body + s->nbitmap;
    uint64_t len;
    size_t i = 0;

    if (body[0] & 1)
        return;
    len = srt_varint_read(&v);
    if (s->base == NULL) {
        s->base = v;
        s->shared = (size_t)len;
        return;
    }
    while (i < s->shared && i < len && v[i] == s->base[i])
        i++;
    s->shared = i;
}

static int add_row(sorter *s, const quire_batch *b, uint32_t row, quire_error *err)
{
    int64_t line = b->source_line != NULL ? b->source_line[row] : 0;
    size_t body = srt_record_body_size(s, b, row, line);
    size_t size = srt_varint_len(body) + body;
    size_t new_cap;
    size_t cost = row_cost(s, size, &new_cap);
    uint8_t *rec;

    if (s->n > 0 && (srt_mem_rows(s) + cost > s->limit || s->n == UINT32_MAX)) {
        if (spill_rows(s, err) != 0)
            return -1;
        row_cost(s, size, &new_cap); /* the entry capacity may change */
    }
    rec = row_space(s, size, new_cap);
    if (rec == NULL)
        return srt_oom(err);
    srt_record_write(s, b, row, line, body, rec);
    s->entries[s->n].rec = rec;
    s->entries[s->n].seq = (uint32_t)s->n;
    s->n++;
    if (s->nkeys > 0 && s->type[0] == QUIRE_TYPE_STRING)
        note_shared(s, rec);
    s->rows++;
    s->all_row_bytes += size;
    return 0;
}

int sorter_add(sorter *s, const quire_batch *batch, const uint32_t *sel, uint32_t n,
               quire_error *err)
{
    quire_error local = {0};
    quire_error *e = err != NULL ? err : &local;
    uint32_t count = sel != NULL ? n : batch->rows;

    if (s->state == SORT_FAILED) {
        *e = s->failure;
        return QUIRE_ERR;
    }
    if (s->state != SORT_ADDING) {
        error_setf(e, QUIRE_E_INTERNAL, "sort: sorter_add after sorter_finish");
        return QUIRE_ERR;
    }
    if (srt_check_batch(s, batch, "input", e) != 0)
        return srt_fail(s, e);
    for (uint32_t i = 0; i < count; i++) {
        uint32_t row = sel != NULL ? sel[i] : i;

        if (row >= batch->rows) {
            error_setf(e, QUIRE_E_INVALID,
                       "sort: selection entry %u is row %u, but the batch has %u rows", (unsigned)i,
                       (unsigned)row, (unsigned)batch->rows);
            return srt_fail(s, e);
        }
        if (add_row(s, batch, row, e) != 0)
            return srt_fail(s, e);
    }
    return QUIRE_OK;
}

/* ============================== Finishing ================================= */

/* Frees the normal blocks the tail does not use. */
static void blocks_trim(sorter *s)
{
    row_block *keep = s->n > 0 ? s->cur : NULL;
    row_block *rest;

    if (keep == NULL) {
        for (row_block *b = s->blocks; b != NULL; b = b->next)
            srt_mem_sub(s, sizeof(*b) + b->cap);
        blocks_free(s->blocks);
        s->blocks = s->cur = NULL;
        return;
    }
    rest = keep->next;
    keep->next = NULL;
    for (row_block *b = rest; b != NULL; b = b->next)
        srt_mem_sub(s, sizeof(*b) + b->cap);
    blocks_free(rest);
}

static int finish(sorter *s, quire_error *err)
{
    size_t tail_room;

    if (s->nruns == 0) {
        srt_sort_entries(s);
        s->state = SORT_FROM_MEMORY;
        return 0;
    }
    blocks_trim(s);
    /* Keep the tail in memory for the final merge if the runs' read
     * buffers fit beside it; else it becomes one more run. */
    tail_room = s->budget > srt_mem_rows(s) ? s->budget - srt_mem_rows(s) : 0;
    if (s->n > 0 && tail_room >= SRC_OVERHEAD * (s->nruns + 1) &&
        (tail_room - SRC_OVERHEAD * (s->nruns + 1)) / MIN_IO_BUF >= s->nruns) {
        srt_sort_entries(s);
        writer_release(s);
    } else {
        if (s->n > 0 && spill_rows(s, err) != 0)
            return -1;
        rows_release(s);
        while (s->nruns > srt_fan_in(s->budget))
            if (srt_merge_pass(s, err) != 0)
                return -1;
        writer_release(s);
    }
    if (srt_merger_open(s, &s->m, 0, s->nruns, s->n > 0, err) != 0)
        return -1;
    s->state = SORT_MERGING;
    return 0;
}

int sorter_finish(sorter *s, quire_error *err)
{
    quire_error local = {0};
    quire_error *e = err != NULL ? err : &local;

    if (s->state == SORT_FAILED) {
        *e = s->failure;
        return QUIRE_ERR;
    }
    if (s->state != SORT_ADDING) {
        error_setf(e, QUIRE_E_INTERNAL, "sort: sorter_finish called twice");
        return QUIRE_ERR;
    }
    if (finish(s, e) != 0)
        return srt_fail(s, e);
    return QUIRE_OK;
}
