/*
 * sort_mem.c - the sorter's in-memory sort: puts a run's entries (see
 * sort_int.h) in the sort order, stably, before they are written as a run
 * or emitted.
 *
 * The sort goes by levels. A level is one key, and for a string key one
 * stretch of 7 bytes of it. At a level every entry of a range gets the
 * 64-bit code of its key there (sort_key.c), the range is sorted stably by
 * (NULL rank, code), and each stretch of equal codes that the code does not
 * settle (a string with bytes left, or any key before the last) is sorted
 * again at the next level. Comparisons read only the entries, never the
 * records: with a first key of a few values (a report grouped by region),
 * comparing whole records would walk two records at random addresses for
 * nearly every comparison. Each record is read once per level it takes
 * part in, in address order, since a range keeps add order.
 *
 * Stability: a range handed to a level is in add order (the first is the
 * whole run, later ones are stretches of a stable sort), so sorting it by
 * (rank, code) stably, or by (rank, code, sequence number) with any sort,
 * gives the same order, and rows equal in every key end in add order.
 * Strings that stay equal for many levels (long shared prefixes) are
 * finished by comparing records, so the recursion stays shallow.
 */
#include "sort_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Ranges this short are insertion-sorted. */
#define SMALL_RANGE 16
/* Ranges this long are radix-sorted (when there is scratch space); a
 * radix pass costs a 256-bucket histogram, too much for fewer. */
#define RADIX_MIN 256
/* A range this long is worth splitting between threads. */
#define PARALLEL_MIN 16384
/* Levels below the first before a range is finished by comparing records
 * (with 7 bytes a level, strings equal in their first 200 bytes or so). */
#define MAX_LEVELS 32

/* ============================== Orders ==================================== */

/* (rank, code): the order of one level. */
static inline int level_less(const sort_entry *a, const sort_entry *b)
{
    if (a->rank != b->rank)
        return a->rank < b->rank;
    return a->code < b->code;
}

/* How the introsort below compares. */
typedef struct entry_order {
    const sorter *s;
    size_t from; /* BY_RECORD: the first key not known equal */
    enum { BY_CODE, BY_RECORD } by;
} entry_order;

/* BY_CODE: (rank, code, sequence number), which on a range in add order is
 * its stable order by (rank, code). BY_RECORD: the records from key
 * `from` on, then the sequence number. */
static inline int order_less(const entry_order *o, const sort_entry *a, const sort_entry *b)
{
    if (o->by == BY_CODE) {
        if (a->rank != b->rank)
            return a->rank < b->rank;
        if (a->code != b->code)
            return a->code < b->code;
    } else {
        int c = srt_record_cmp(o->s, a->rec, b->rec, o->from);
        if (c != 0)
            return c < 0;
    }
    return a->seq < b->seq;
}

/* ============================== Introsort ================================= */

static inline void entry_swap(sort_entry *a, sort_entry *b)
{
    sort_entry t = *a;
    *a = *b;
    *b = t;
}

static void insertion_sort(const entry_order *o, sort_entry *e, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        sort_entry x = e[i];
        size_t j = i;

        while (j > 0 && order_less(o, &x, &e[j - 1])) {
            e[j] = e[j - 1];
            j--;
        }
        e[j] = x;
    }
}

static void sift_down(const entry_order *o, sort_entry *e, size_t i, size_t n)
{
    for (;;) {
        size_t child = 2 * i + 1;

        if (child >= n)
            return;
        if (child + 1 < n && order_less(o, &e[child], &e[child + 1]))
            child++;
        if (!order_less(o, &e[i], &e[child]))
            return;
        entry_swap(&e[i], &e[child]);
        i = child;
    }
}

static void heap_sort(const entry_order *o, sort_entry *e, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift_down(o, e, i, n);
    for (size_t end = n; end-- > 1;) {
        entry_swap(&e[0], &e[end]);
        sift_down(o, e, 0, end);
    }
}

/* Introsort: quicksort with a median-of-three pivot, heapsort when the
 * recursion gets too deep, insertion sort for short ranges. Entries never
 * compare equal (their sequence numbers differ), so plain Hoare
 * partitioning is enough. */
static void intro_sort(const entry_order *o, sort_entry *e, size_t n, unsigned depth)
{
    while (n > SMALL_RANGE) {
        size_t mid = n / 2, i = 0, j = n - 1;
        sort_entry pivot;

        if (depth-- == 0) {
            heap_sort(o, e, n);
            return;
        }
        if (order_less(o, &e[mid], &e[0]))
            entry_swap(&e[mid], &e[0]);
        if (order_less(o, &e[n - 1], &e[mid])) {
            entry_swap(&e[n - 1], &e[mid]);
            if (order_less(o, &e[mid], &e[0]))
                entry_swap(&e[mid], &e[0]);
        }
        /* e[0] <= pivot <= e[n-1]: partition e[1..n-2] with them as
         * sentinels. */
        pivot = e[mid];
        for (;;) {
            do
                i++;
            while (order_less(o, &e[i], &pivot));
            do
                j--;
            while (order_less(o, &pivot, &e[j]));
            if (i >= j)
                break;
            entry_swap(&e[i], &e[j]);
        }
        /* e[0..j] <= pivot <= e[j+1..n): recurse on the smaller side. */
        if (j + 1 < n - j - 1) {
            intro_sort(o, e, j + 1, depth);
            e += j + 1;
            n -= j + 1;
        } else {
            intro_sort(o, e + j + 1, n - j - 1, depth);
            n = j + 1;
        }
    }
    insertion_sort(o, e, n);
}

static void sort_by(const entry_order *o, sort_entry *e, size_t n)
{
    unsigned depth = 0;

    for (size_t m = n; m > 1; m >>= 1)
        depth += 2;
    intro_sort(o, e, n, depth);
}

/* ============================== Radix sort ================================ */

/* Sorts e[0..n) stably by code through tmp[0..n), given that the codes
 * differ only in the bits of `diff` (nonzero): most significant byte
 * first, each bucket then sorted on the bytes below. Recurses at most 8
 * deep. */
static void radix_code(sort_entry *e, sort_entry *tmp, size_t n, uint64_t diff)
{
    uint32_t end[256];
    unsigned shift;
    size_t lo = 0;

    if (n < RADIX_MIN) {
        entry_order o = {NULL, 0, BY_CODE};
        sort_by(&o, e, n);
        return;
    }
    shift = (unsigned)(63 - __builtin_clzll(diff)) & ~7u;
    memset(end, 0, sizeof(end));
    for (size_t i = 0; i < n; i++)
        end[(e[i].code >> shift) & 255]++;
    for (uint32_t b = 0, pos = 0; b < 256; b++) {
        uint32_t c = end[b];
        end[b] = pos; /* for now: where bucket b starts */
        pos += c;
    }
    for (size_t i = 0; i < n; i++)
        tmp[end[(e[i].code >> shift) & 255]++] = e[i];
    memcpy(e, tmp, n * sizeof(*e));
    if (shift == 0)
        return;
    for (size_t b = 0; b < 256; b++) {
        size_t hi = end[b];
        uint64_t and_ = UINT64_MAX, or_ = 0;

        if (hi - lo > 1) {
            for (size_t i = lo; i < hi; i++) {
                and_ &= e[i].code;
                or_ |= e[i].code;
            }
            if (and_ != or_)
                radix_code(e + lo, tmp + lo, hi - lo, and_ ^ or_);
        }
        lo = hi;
    }
}

/* Sorts e[0..n) stably by (rank, code) through tmp[0..n). */
static void radix_level(sort_entry *e, sort_entry *tmp, size_t n)
{
    uint32_t start[3] = {0, 0, 0};
    uint64_t and_ = UINT64_MAX, or_ = 0;
    size_t values;

    for (size_t i = 0; i < n; i++) {
        start[e[i].rank]++;
        if (e[i].rank == 1) {
            and_ &= e[i].code;
            or_ |= e[i].code;
        }
    }
    values = start[1];
    if (values < n) {
        /* NULLs: a stable pass by rank first. Their codes are all 0. */
        uint32_t pos[3] = {0, start[0], start[0] + start[1]};
        for (size_t i = 0; i < n; i++)
            tmp[pos[e[i].rank]++] = e[i];
        memcpy(e, tmp, n * sizeof(*e));
    }
    if (values > 1 && and_ != or_)
        radix_code(e + start[0], tmp + start[0], values, and_ ^ or_);
}

/* ============================== Levels ==================================== */

/* One in-memory sort: the sorter, and scratch space as long as the
 * entries (NULL: none could be had, so no radix sort). */
typedef struct mem_sort {
    const sorter *s;
    sort_entry *entries, *tmp;
} mem_sort;

/* Codes e[0..n) at level (key, off), reading records ahead. */
static void code_range(const sorter *s, sort_entry *e, size_t n, size_t key, size_t off)
{
    for (size_t i = 0; i < n; i++) {
        if (i + PREFETCH_AHEAD < n)
            srt_prefetch(e[i + PREFETCH_AHEAD].rec);
        srt_entry_code(s, &e[i], key, off);
    }
}

/* 1 if e[0..n) is already in (rank, code) order. */
static int level_sorted(const sort_entry *e, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (level_less(&e[i], &e[i - 1]))
            return 0;
    return 1;
}

/* Sorts e[0..n), which is in add order, stably by (rank, code). */
static void sort_level(const mem_sort *m, sort_entry *e, size_t n)
{
    entry_order o = {m->s, 0, BY_CODE};

    if (level_sorted(e, n))
        return;
    if (m->tmp != NULL && n >= RADIX_MIN)
        radix_level(e, m->tmp + (e - m->entries), n);
    else
        sort_by(&o, e, n);
}

static inline int same_level(const sort_entry *a, const sort_entry *b)
{
    return a->code == b->code && a->rank == b->rank;
}

static void sort_from(const mem_sort *m, sort_entry *e, size_t n, size_t key, size_t off,
                      unsigned depth, unsigned threads);

/* The second half of a range split between threads. */
typedef struct groups_job {
    const mem_sort *m;
    sort_entry *e;
    size_t n, key, off;
    unsigned depth, threads;
} groups_job;

static void sort_groups(const mem_sort *m, sort_entry *e, size_t n, size_t key, size_t off,
                        unsigned depth, unsigned threads);

static void *groups_job_run(void *arg)
{
    groups_job *j = arg;

    sort_groups(j->m, j->e, j->n, j->key, j->off, j->depth, j->threads);
    return NULL;
}

/* Where to cut e[0..n) between two threads: the group boundary nearest
 * the middle, or 0 when that leaves one side less than an eighth. */
static size_t balanced_split(const sort_entry *e, size_t n)
{
    size_t mid = n / 2, lo = mid, hi = mid, cut;

    while (lo > 0 && same_level(&e[lo - 1], &e[mid]))
        lo--;
    while (hi < n && same_level(&e[hi], &e[mid]))
        hi++;
    if (lo == 0)
        cut = hi;
    else if (hi == n)
        cut = lo;
    else
        cut = mid - lo <= hi - mid ? lo : hi;
    return cut >= n / 8 && n - cut >= n / 8 ? cut : 0;
}

/*
 * e[0..n) is sorted at level (key, off): sorts each group of equal codes
 * from the next level on. With more than one thread, a long range is cut
 * at a group boundary and the halves go to two threads (the groups are
 * independent, so the result is the same); a range that cannot be cut
 * evenly passes the threads on to its groups.
 */
static void sort_groups(const mem_sort *m, sort_entry *e, size_t n, size_t key, size_t off,
                        unsigned depth, unsigned threads)
{
    if (threads > 1 && n >= PARALLEL_MIN) {
        size_t cut = balanced_split(e, n);
        groups_job job = {m, e + cut, n - cut, key, off, depth, threads - threads / 2};
        pthread_t t;

        if (cut > 0 && pthread_create(&t, NULL, groups_job_run, &job) == 0) {
            sort_groups(m, e, cut, key, off, depth, threads / 2);
            pthread_join(t, NULL);
            return;
        }
        /* No thread: carry on alone, as below. */
    }
    for (size_t i = 0; i < n;) {
        size_t j = i + 1, next_key = key, next_off = off + 7;

        while (j < n && same_level(&e[j], &e[i]))
            j++;
        if (e[i].rank != 1 || e[i].whole) {
            next_key = key + 1;
            next_off = 0;
        }
        if (j - i > 1 && next_key < m->s->nkeys)
            sort_from(m, e + i, j - i, next_key, next_off, depth + 1, threads);
        i = j;
    }
}

/*
 * Sorts e[0..n) (in add order, equal in the keys before `key` and, for a
 * string key, in its first `off` bytes) from level (key, off) on, on up to
 * `threads` threads. `depth` counts the levels below the first.
 */
static void sort_from(const mem_sort *m, sort_entry *e, size_t n, size_t key, size_t off,
                      unsigned depth, unsigned threads)
{
    if (depth > MAX_LEVELS) {
        entry_order o = {m->s, key, BY_RECORD};
        sort_by(&o, e, n);
        return;
    }
    code_range(m->s, e, n, key, off);
    sort_level(m, e, n);
    sort_groups(m, e, n, key, off, depth, threads);
}

void srt_sort_entries(sorter *s)
{
    mem_sort m = {s, s->entries, NULL};

    if (s->nkeys == 0 || s->n < 2)
        return;
    /* The budget has counted this space since the entries grew; it is
     * only taken while sorting. Without it the sort compares instead. */
    if (s->n >= RADIX_MIN) {
        m.tmp = malloc(s->n * sizeof(*m.tmp));
        srt_prefault(m.tmp, s->n * sizeof(*m.tmp));
    }
    sort_from(&m, s->entries, s->n, 0, s->base != NULL ? s->shared : 0, 0,
              s->threads > 0 ? s->threads : 1);
    free(m.tmp);
}
