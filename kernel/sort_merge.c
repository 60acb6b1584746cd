/*
 * sort_merge.c - the sorter's k-way merge and its output: a binary heap on
 * the current records of spilled runs (and of the sorted in-memory tail),
 * merge passes that turn many runs into fewer when the budget cannot hold
 * a read buffer for each, and sorter_next(), which emits the rows in order
 * from memory or from the final merge.
 */
#include "sort_int.h"

#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "diag.h"

/* ============================== Merging =================================== */

/* The merge order of two heads, coded at the first key from its first
 * byte: rank, then code, then the records from the key the code does not
 * settle, then the source index (runs hold the input in order). */
static inline int head_less(const sorter *s, const sort_entry *a, const sort_entry *b)
{
    if (a->rank != b->rank)
        return a->rank < b->rank;
    if (a->code != b->code)
        return a->code < b->code;
    /* Equal codes have equal `whole` flags. */
    if (!a->whole || s->nkeys > 1) {
        int c = srt_record_cmp(s, a->rec, b->rec, a->whole ? 1 : 0);
        if (c != 0)
            return c < 0;
    }
    return a->seq < b->seq;
}

static inline int src_less(const sorter *s, const merger *m, uint32_t a, uint32_t b)
{
    return head_less(s, &m->src[a].head, &m->src[b].head);
}

static void heap_down(const sorter *s, merger *m, size_t i)
{
    for (;;) {
        size_t child = 2 * i + 1;
        uint32_t t;

        if (child >= m->nheap)
            return;
        if (child + 1 < m->nheap && src_less(s, m, m->heap[child + 1], m->heap[child]))
            child++;
        if (!src_less(s, m, m->heap[child], m->heap[i]))
            return;
        t = m->heap[i];
        m->heap[i] = m->heap[child];
        m->heap[child] = t;
        i = child;
    }
}

/* Moves source `i` to its next record. Returns 1, 0 if it is exhausted, or
 * -1 (err set). */
static int src_next(sorter *s, merger *m, uint32_t i, quire_error *err)
{
    merge_src *src = &m->src[i];
    const uint8_t *rec;
    size_t len;
    int rc;

    if (!src->is_file) {
        if (src->mem_i == src->mem_n)
            return 0;
        src->head.rec = src->mem[src->mem_i++].rec;
        src->head.seq = i;
        srt_entry_code(s, &src->head, 0, 0);
        return 1;
    }
    rc = run_reader_next(&src->rd, &rec, &len, err);
    if (rc <= 0)
        return rc;
    if (src->rd.cap != src->counted) {
        /* The buffer grew for an oversized record. */
        srt_mem_add(s, src->rd.cap - src->counted);
        src->counted = src->rd.cap;
    }
    src->head.rec = rec;
    src->head.seq = i;
    srt_entry_code(s, &src->head, 0, 0);
    return 1;
}

/*
 * Starts a merge of runs[first..first+nfile) and, if `tail`, the sorted
 * in-memory rows (which come last: they were added last). Read buffers
 * share what the budget has left.
 */
int srt_merger_open(sorter *s, merger *m, size_t first, size_t nfile, int tail, quire_error *err)
{
    size_t nsrc = nfile + (tail ? 1 : 0);
    size_t room, buf;

    memset(m, 0, sizeof(*m));
    m->src = calloc(nsrc ? nsrc : 1, sizeof(*m->src));
    m->heap = calloc(nsrc ? nsrc : 1, sizeof(*m->heap));
    if (m->src == NULL || m->heap == NULL) {
        free(m->src);
        free(m->heap);
        memset(m, 0, sizeof(*m));
        return srt_oom(err);
    }
    m->nsrc = nsrc;
    m->counted = nsrc * (sizeof(*m->src) + sizeof(*m->heap));
    srt_mem_add(s, m->counted);
    room = s->budget > s->mem ? s->budget - s->mem : 0;
    buf = srt_clamp_size(nfile ? room / nfile : 0, MIN_IO_BUF, MAX_IO_BUF);
    for (size_t i = 0; i < nfile; i++) {
        merge_src *src = &m->src[i];
        const sort_run *run = &s->runs[first + i];

        if (run_reader_open(&src->rd, &s->files[run->file], run, s->dir, buf, err) != 0)
            return -1;
        src->is_file = 1;
        src->counted = buf;
        srt_mem_add(s, buf);
    }
    if (tail) {
        m->src[nfile].mem = s->entries;
        m->src[nfile].mem_n = s->n;
    }
    for (size_t i = 0; i < nsrc; i++) {
        int rc = src_next(s, m, (uint32_t)i, err);
        if (rc < 0)
            return -1;
        if (rc > 0)
            m->heap[m->nheap++] = (uint32_t)i;
    }
    for (size_t i = m->nheap / 2; i-- > 0;)
        heap_down(s, m, i);
    return 0;
}

/* The smallest record left, or NULL when the merge is over. */
static const uint8_t *merger_top(const merger *m)
{
    return m->nheap > 0 ? m->src[m->heap[0]].head.rec : NULL;
}

/* Drops the smallest record (the caller has copied it). */
static int merger_pop(sorter *s, merger *m, quire_error *err)
{
    int rc = src_next(s, m, m->heap[0], err);

    if (rc < 0)
        return -1;
    if (rc == 0)
        m->heap[0] = m->heap[--m->nheap];
    heap_down(s, m, 0);
    return 0;
}

void srt_merger_close(sorter *s, merger *m)
{
    for (size_t i = 0; i < m->nsrc; i++) {
        if (m->src[i].is_file) {
            run_reader_close(&m->src[i].rd);
            srt_mem_sub(s, m->src[i].counted);
        }
    }
    free(m->src);
    free(m->heap);
    srt_mem_sub(s, m->counted);
    memset(m, 0, sizeof(*m));
}

/* How many runs one merge can read with `room` bytes of budget. */
size_t srt_fan_in(size_t room)
{
    size_t f = room / (MIN_IO_BUF + SRC_OVERHEAD);
    return f < 2 ? 2 : f;
}

/* One merge pass: merges groups of consecutive runs into the other spill
 * file, each group becoming one run there, then empties this file. */
int srt_merge_pass(sorter *s, quire_error *err)
{
    int to = 1 - s->in_file;
    spill_file *f = &s->files[to];
    size_t fan = srt_fan_in(s->budget - s->io_buf);
    size_t nold = s->nruns, nnew = 0;
    run_writer w = {0};

    if (f->fd < 0 && spill_open(f, s->dir, err) != 0)
        return -1;
    if (spill_truncate(f, s->dir, err) != 0 || srt_writer_ready(s, err) != 0)
        return -1;
    w.file = f;
    w.dir = s->dir;
    w.buf = s->wbuf;
    w.cap = s->io_buf;
    for (size_t first = 0; first < nold; first += fan) {
        size_t k = nold - first < fan ? nold - first : fan;
        sort_run run = {to, f->size, 0};
        const uint8_t *rec;
        int rc = srt_merger_open(s, &s->m, first, k, 0, err);

        while (rc == 0 && (rec = merger_top(&s->m)) != NULL) {
            rc = run_writer_put(&w, rec, srt_record_len(rec), err);
            if (rc == 0)
                rc = merger_pop(s, &s->m, err);
        }
        srt_merger_close(s, &s->m);
        if (rc != 0 || run_writer_flush(&w, err) != 0)
            return -1;
        run.bytes = f->size - run.offset;
        /* Groups are consecutive, so the new runs can overwrite the old
         * list in place: entry nnew <= first is no longer read. */
        s->runs[nnew++] = run;
    }
    s->nruns = nnew;
    s->spilled += (int64_t)w.written;
    s->passes++;
    if (spill_truncate(&s->files[s->in_file], s->dir, err) != 0)
        return -1;
    s->in_file = to;
    return 0;
}

/* ============================== Output ==================================== */

int sorter_next(sorter *s, quire_batch *out, quire_error *err)
{
    quire_error local = {0};
    quire_error *e = err != NULL ? err : &local;
    uint32_t rows = 0;

    if (s->state == SORT_FAILED) {
        *e = s->failure;
        return QUIRE_ERR;
    }
    if (s->state == SORT_ADDING) {
        error_setf(e, QUIRE_E_INTERNAL, "sort: sorter_next before sorter_finish");
        return QUIRE_ERR;
    }
    if (srt_check_batch(s, out, "output", e) != 0)
        return QUIRE_ERR;
    batch_reset(out);
    out->first_row = s->emitted + 1;
    if (s->state == SORT_FROM_MEMORY) {
        while (rows < out->capacity && s->emit_i < s->n) {
            if (s->emit_i + PREFETCH_AHEAD < s->n)
                srt_prefetch_row(s->entries[s->emit_i + PREFETCH_AHEAD].rec);
            if (srt_record_decode(s, s->entries[s->emit_i].rec, out, rows, e) != 0)
                return srt_fail(s, e);
            s->emit_i++;
            rows++;
        }
        if (s->emit_i == s->n)
            s->state = SORT_DONE;
    } else if (s->state == SORT_MERGING) {
        const uint8_t *rec;

        while (rows < out->capacity && (rec = merger_top(&s->m)) != NULL) {
            if (srt_record_decode(s, rec, out, rows, e) != 0 || merger_pop(s, &s->m, e) != 0)
                return srt_fail(s, e);
            rows++;
        }
        if (merger_top(&s->m) == NULL) {
            srt_merger_close(s, &s->m);
            s->state = SORT_DONE;
        }
    }
    out->rows = rows;
    s->emitted += rows;
    return s->state == SORT_DONE ? QUIRE_DONE : QUIRE_OK;
}
