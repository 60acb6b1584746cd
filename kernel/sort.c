/*
 * sort.c - the kernel's external sort (see sort.h): row encoding, key
 * comparison, the in-memory sort, spilling runs and merging them.
 *
 * A row is held as one record: a LEB128 body length, then the body
 *   null bitmap   one bit per column, in encoded column order
 *   values        the non-NULL cells in encoded column order: 8 bytes for
 *                 every numeric type (memcpy'd, host order), LEB128 length
 *                 plus bytes for a string
 *   source line   zigzag LEB128
 * Encoded column order puts the key columns first, in key order, so a
 * comparison walks the keys from the front of the body and stops at the
 * first difference. Records live in large blocks in memory and are written
 * to spill files unchanged.
 *
 * What gets sorted is an array of fixed-size entries: the NULL rank and an
 * order-preserving 64-bit code of the first key, the record's address and
 * the row's sequence number. Most comparisons end on those integers; ties go
 * to a full comparison of the records (from the second key on when the code
 * holds the whole first key) and then to the sequence number, which makes
 * the (unstable) introsort stable. In a merge the sequence number is the
 * source's index, since runs hold consecutive stretches of the input in
 * order.
 *
 * The code of a numeric key is its whole value. The code of a string is 7
 * of its bytes, zero-padded, and then min(remaining length, 8): order is
 * kept (of two strings equal in those 7 bytes, a shorter one that ends
 * there is a prefix of the other), and a string of at most 7 bytes is coded
 * whole. Within one run the bytes are taken after the prefix that all the
 * run's first keys share, so keys like "customer-0042" still differ in
 * their codes; merges code from the first byte, as runs share less.
 */
#include "sort.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "batch.h"
#include "registry.h"

#define MIN_IO_BUF ((size_t)4 * 1024)
#define MAX_IO_BUF ((size_t)256 * 1024)
#define MIN_BLOCK  ((size_t)4 * 1024)
#define MAX_BLOCK  ((size_t)1024 * 1024)

/* ============================== Types ===================================== */

typedef struct sort_entry {
    uint64_t prefix;    /* order-preserving code of the first key (desc applied) */
    const uint8_t *rec; /* the record */
    uint32_t seq;       /* add order within a run; source index in a merge */
    uint16_t rank;      /* first key: 0 NULL placed first, 1 a value, 2 NULL placed last */
    uint16_t whole;     /* the code holds the whole first key */
} sort_entry;

typedef struct row_block {
    struct row_block *next;
    size_t cap, used;
    uint8_t data[];
} row_block;

typedef enum sort_state {
    SORT_ADDING,
    SORT_FROM_MEMORY, /* nothing spilled: emit the sorted entries */
    SORT_MERGING,     /* emit from the final merge */
    SORT_DONE,
    SORT_FAILED
} sort_state;

/* One input of a merge: a run in a spill file or the sorted in-memory tail. */
typedef struct merge_src {
    sort_entry head; /* its current record */
    const sort_entry *mem;
    size_t mem_n, mem_i; /* memory tail: entries left are mem[mem_i..mem_n) */
    int is_file;
    run_reader rd;
    size_t counted; /* reader buffer bytes counted against the budget */
} merge_src;

typedef struct merger {
    merge_src *src;
    size_t nsrc;
    uint32_t *heap; /* indexes into src, a binary min-heap on head */
    size_t nheap;
    size_t counted; /* bytes of src and heap counted against the budget */
} merger;

struct sorter {
    /* Schema, in encoded column order (keys first). */
    size_t ncolumns;
    quire_column_info *columns;  /* copies, names included */
    uint32_t *perm;              /* encoded position -> column index */
    uint32_t *type;              /* by encoded position */
    size_t nkeys;                /* distinct key columns */
    uint8_t *desc, *nulls_first; /* by key */
    size_t nbitmap;

    /* Memory. */
    size_t budget;     /* everything counted stays within this */
    size_t limit;      /* for rows and entries: the budget less the write buffer */
    size_t io_buf;     /* spill write buffer, reserved from the start */
    size_t block_size; /* row block size */
    size_t mem, peak;  /* bytes counted now, and most at once */

    /* The run being collected. */
    row_block *blocks, *cur; /* normal blocks, reused run after run */
    row_block *big;          /* blocks of one oversized record each */
    sort_entry *entries;
    size_t n, cap;
    uint64_t all_row_bytes; /* record bytes ever added, for the average */
    const uint8_t *base;    /* a string first key of the run (in a record) */
    size_t shared;          /* bytes every string first key of the run shares */

    /* Spilling. */
    char *dir;
    spill_file files[2];
    int in_file; /* the file that holds the current runs */
    uint8_t *wbuf;
    sort_run *runs;
    size_t nruns, runs_cap;

    /* Output. */
    sort_state state;
    size_t emit_i;
    merger m;
    int64_t emitted;

    /* Counters. */
    int64_t rows, runs_written, passes, spilled;
    quire_error failure; /* the error that ended the sorter */
};

/* ============================== Memory accounting ========================= */

static void mem_add(sorter *s, size_t bytes)
{
    s->mem += bytes;
    if (s->mem > s->peak)
        s->peak = s->mem;
}

static void mem_sub(sorter *s, size_t bytes)
{
    s->mem -= bytes;
}

/* Bytes held for rows and entries (the budget reserves the write buffer
 * apart). */
static size_t mem_rows(const sorter *s)
{
    return s->mem - (s->wbuf != NULL ? s->io_buf : 0);
}

static int oom(quire_error *err)
{
    host_api()->error_set(err, QUIRE_E_NOMEM, "sort: out of memory");
    return -1;
}

/* ============================== Keys ====================================== */

/* The order-preserving code of an integer: flip the sign bit so that
 * unsigned comparison orders negatives first. */
static inline uint64_t code_i64(int64_t v)
{
    return (uint64_t)v ^ (UINT64_C(1) << 63);
}

/* The order-preserving code of a double: positives get the sign bit set,
 * negatives are inverted; -0.0 is coded as 0.0 and every NaN as the largest
 * code, above +inf. */
static inline uint64_t code_f64(double v)
{
    uint64_t bits;

    if (isnan(v))
        return UINT64_MAX;
    if (v == 0)
        return UINT64_C(1) << 63;
    memcpy(&bits, &v, sizeof(bits));
    return (bits >> 63) ? ~bits : bits ^ (UINT64_C(1) << 63);
}

/* The code of a string's bytes p[0..len): 7 bytes big-endian, zero-padded,
 * then min(len, 8) (see the top of the file). */
static inline uint64_t code_str(const uint8_t *p, uint64_t len)
{
    uint64_t code = len < 8 ? len : 8;
    size_t n = len < 7 ? (size_t)len : 7;

    for (size_t i = 0; i < n; i++)
        code |= (uint64_t)p[i] << (56 - 8 * i);
    return code;
}

static inline int cmp_f64(double a, double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) - isnan(b);
    return (a > b) - (a < b);
}

static inline size_t varint_skip(const uint8_t *p)
{
    size_t n = 0;

    while (p[n] & 0x80)
        n++;
    return n + 1;
}

static inline uint64_t varint_read(const uint8_t **p)
{
    uint64_t v;

    *p += sort_varint_get(*p, 10, &v);
    return v;
}

static inline size_t varint_len(uint64_t v)
{
    size_t n = 1;

    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

/* Fills in the rank and code of e->rec's first key; a string key is coded
 * from byte `skip` on (every string key compared with it shares the bytes
 * before). */
static void entry_code(const sorter *s, sort_entry *e, size_t skip)
{
    const uint8_t *body = e->rec + varint_skip(e->rec);
    const uint8_t *v = body + s->nbitmap;
    uint64_t code;

    e->rank = 1;
    e->whole = 1;
    e->prefix = 0;
    if (s->nkeys == 0)
        return;
    if (body[0] & 1) {
        e->rank = s->nulls_first[0] ? 0 : 2;
        return;
    }
    switch (s->type[0]) {
    case QUIRE_TYPE_STRING: {
        uint64_t len = varint_read(&v);
        code = code_str(v + skip, len - skip);
        e->whole = len - skip < 8;
        break;
    }
    case QUIRE_TYPE_FLOAT: {
        double d;
        memcpy(&d, v, sizeof(d));
        code = code_f64(d);
        break;
    }
    default: {
        int64_t i;
        memcpy(&i, v, sizeof(i));
        code = code_i64(i);
        break;
    }
    }
    e->prefix = s->desc[0] ? ~code : code;
}

/* Compares two records key by key (keys before `from` are known equal).
 * Returns <0, 0 or >0. */
static int record_cmp(const sorter *s, const uint8_t *a, const uint8_t *b, size_t from)
{
    const uint8_t *ba = a + varint_skip(a), *bb = b + varint_skip(b);
    const uint8_t *pa = ba + s->nbitmap, *pb = bb + s->nbitmap;

    for (size_t k = 0; k < s->nkeys; k++) {
        int na = (ba[k >> 3] >> (k & 7)) & 1, nb = (bb[k >> 3] >> (k & 7)) & 1;
        int c = 0;

        if (na || nb) {
            if (na && nb)
                continue;
            /* A NULL and a value: no need to walk on, this decides. */
            return (na ? -1 : 1) * (s->nulls_first[k] ? 1 : -1);
        }
        switch (s->type[k]) {
        case QUIRE_TYPE_STRING: {
            uint64_t la = varint_read(&pa), lb = varint_read(&pb);
            if (k >= from) {
                c = memcmp(pa, pb, (size_t)(la < lb ? la : lb));
                if (c == 0)
                    c = (la > lb) - (la < lb);
            }
            pa += la;
            pb += lb;
            break;
        }
        case QUIRE_TYPE_FLOAT:
            if (k >= from) {
                double x, y;
                memcpy(&x, pa, sizeof(x));
                memcpy(&y, pb, sizeof(y));
                c = cmp_f64(x, y);
            }
            pa += 8;
            pb += 8;
            break;
        default:
            if (k >= from) {
                int64_t x, y;
                memcpy(&x, pa, sizeof(x));
                memcpy(&y, pb, sizeof(y));
                c = (x > y) - (x < y);
            }
            pa += 8;
            pb += 8;
            break;
        }
        if (c != 0)
            return s->desc[k] ? -c : c;
    }
    return 0;
}

static inline int entry_less(const sorter *s, const sort_entry *a, const sort_entry *b)
{
    if (a->rank != b->rank)
        return a->rank < b->rank;
    if (a->prefix != b->prefix)
        return a->prefix < b->prefix;
    /* Equal codes have equal `whole` flags. */
    if (!a->whole || s->nkeys > 1) {
        int c = record_cmp(s, a->rec, b->rec, a->whole ? 1 : 0);
        if (c != 0)
            return c < 0;
    }
    return a->seq < b->seq;
}

/* ============================== In-memory sort ============================ */

static inline void entry_swap(sort_entry *a, sort_entry *b)
{
    sort_entry t = *a;
    *a = *b;
    *b = t;
}

static void insertion_sort(const sorter *s, sort_entry *e, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        sort_entry x = e[i];
        size_t j = i;

        while (j > 0 && entry_less(s, &x, &e[j - 1])) {
            e[j] = e[j - 1];
            j--;
        }
        e[j] = x;
    }
}

static void sift_down(const sorter *s, sort_entry *e, size_t i, size_t n)
{
    for (;;) {
        size_t child = 2 * i + 1;

        if (child >= n)
            return;
        if (child + 1 < n && entry_less(s, &e[child], &e[child + 1]))
            child++;
        if (!entry_less(s, &e[i], &e[child]))
            return;
        entry_swap(&e[i], &e[child]);
        i = child;
    }
}

static void heap_sort(const sorter *s, sort_entry *e, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift_down(s, e, i, n);
    for (size_t end = n; end-- > 1;) {
        entry_swap(&e[0], &e[end]);
        sift_down(s, e, 0, end);
    }
}

/* Introsort: quicksort with a median-of-three pivot, heapsort when the
 * recursion gets too deep, insertion sort for short ranges. Entries never
 * compare equal (their sequence numbers differ), so plain Hoare
 * partitioning is enough. */
static void intro_sort(const sorter *s, sort_entry *e, size_t n, unsigned depth)
{
    while (n > 16) {
        size_t mid = n / 2, i = 0, j = n - 1;
        sort_entry pivot;

        if (depth-- == 0) {
            heap_sort(s, e, n);
            return;
        }
        if (entry_less(s, &e[mid], &e[0]))
            entry_swap(&e[mid], &e[0]);
        if (entry_less(s, &e[n - 1], &e[mid])) {
            entry_swap(&e[n - 1], &e[mid]);
            if (entry_less(s, &e[mid], &e[0]))
                entry_swap(&e[mid], &e[0]);
        }
        /* e[0] <= pivot <= e[n-1]: partition e[1..n-2] with them as
         * sentinels. */
        pivot = e[mid];
        for (;;) {
            do
                i++;
            while (entry_less(s, &e[i], &pivot));
            do
                j--;
            while (entry_less(s, &pivot, &e[j]));
            if (i >= j)
                break;
            entry_swap(&e[i], &e[j]);
        }
        /* e[0..j] <= pivot <= e[j+1..n): recurse on the smaller side. */
        if (j + 1 < n - j - 1) {
            intro_sort(s, e, j + 1, depth);
            e += j + 1;
            n -= j + 1;
        } else {
            intro_sort(s, e + j + 1, n - j - 1, depth);
            n = j + 1;
        }
    }
    insertion_sort(s, e, n);
}

/* Codes and sorts the held rows. */
static void sort_entries(sorter *s)
{
    size_t skip = s->base != NULL ? s->shared : 0;
    unsigned depth = 0;

    for (size_t i = 0; i < s->n; i++)
        entry_code(s, &s->entries[i], skip);
    for (size_t m = s->n; m > 1; m >>= 1)
        depth += 2;
    intro_sort(s, s->entries, s->n, depth);
}

/* ============================== Row encoding ============================== */

static inline int cell_null(const quire_column *c, uint32_t row)
{
    return c->type == QUIRE_TYPE_NULL || (c->nulls != NULL && c->nulls[row]);
}

static inline uint64_t zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0);
}
static inline int64_t unzigzag(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* Body bytes of row `row` of `b`. */
static size_t record_body_size(const sorter *s, const quire_batch *b, uint32_t row, int64_t line)
{
    size_t size = s->nbitmap + varint_len(zigzag(line));

    for (size_t j = 0; j < s->ncolumns; j++) {
        const quire_column *c = &b->columns[s->perm[j]];

        if (cell_null(c, row))
            continue;
        if (c->type == QUIRE_TYPE_STRING)
            size += varint_len(c->v.str[row].len) + c->v.str[row].len;
        else
            size += 8;
    }
    return size;
}

static void record_write(const sorter *s, const quire_batch *b, uint32_t row, int64_t line,
                         size_t body, uint8_t *p)
{
    uint8_t *bitmap;

    p += sort_varint_put(p, body);
    bitmap = p;
    memset(bitmap, 0, s->nbitmap);
    p += s->nbitmap;
    for (size_t j = 0; j < s->ncolumns; j++) {
        const quire_column *c = &b->columns[s->perm[j]];

        if (cell_null(c, row)) {
            bitmap[j >> 3] |= (uint8_t)(1u << (j & 7));
            continue;
        }
        switch (c->type) {
        case QUIRE_TYPE_STRING: {
            const quire_str *str = &c->v.str[row];
            p += sort_varint_put(p, str->len);
            if (str->len > 0)
                memcpy(p, str->ptr, str->len);
            p += str->len;
            break;
        }
        case QUIRE_TYPE_FLOAT:
            memcpy(p, &c->v.f64[row], 8);
            p += 8;
            break;
        default:
            memcpy(p, &c->v.i64[row], 8);
            p += 8;
            break;
        }
    }
    sort_varint_put(p, zigzag(line));
}

/* Writes record `rec` as row `row` of `out`; strings go to out->arena. */
static int record_decode(const sorter *s, const uint8_t *rec, quire_batch *out, uint32_t row,
                         quire_error *err)
{
    const uint8_t *bitmap = rec + varint_skip(rec);
    const uint8_t *p = bitmap + s->nbitmap;
    int64_t line;

    for (size_t j = 0; j < s->ncolumns; j++) {
        quire_column *c = &out->columns[s->perm[j]];
        int null = (bitmap[j >> 3] >> (j & 7)) & 1;

        if (c->nulls != NULL)
            c->nulls[row] = (uint8_t)null;
        switch (c->type) {
        case QUIRE_TYPE_STRING: {
            quire_str *str = &c->v.str[row];
            uint64_t len = null ? 0 : varint_read(&p);
            char *copy = NULL;

            if (len > 0) {
                copy = arena_alloc(out->arena, (size_t)len);
                if (copy == NULL)
                    return oom(err);
                memcpy(copy, p, (size_t)len);
            }
            str->ptr = copy != NULL ? copy : "";
            str->len = (size_t)len;
            p += len;
            break;
        }
        case QUIRE_TYPE_FLOAT:
            if (null)
                c->v.f64[row] = 0;
            else
                memcpy(&c->v.f64[row], p, 8);
            p += null ? 0 : 8;
            break;
        default:
            if (null)
                c->v.i64[row] = 0;
            else
                memcpy(&c->v.i64[row], p, 8);
            p += null ? 0 : 8;
            break;
        }
    }
    line = unzigzag(varint_read(&p));
    if (out->source_line != NULL)
        out->source_line[row] = line;
    return 0;
}

static size_t record_len(const uint8_t *rec)
{
    uint64_t body;
    size_t head = sort_varint_get(rec, 10, &body);

    return head + (size_t)body;
}

/* ============================== Creation ================================== */

static size_t clamp_size(size_t v, size_t lo, size_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

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
            host_api()->error_set(
                err, QUIRE_E_INVALID, "sort: column %zu ('%s') has unknown type %u", i + 1,
                columns[i].name ? columns[i].name : "", (unsigned)columns[i].type);
            return NULL;
        }
    }
    for (size_t k = 0; k < nkeys; k++) {
        if (keys[k].column >= ncolumns) {
            host_api()->error_set(err, QUIRE_E_INVALID,
                                  "sort: key %zu names column %u, but the rows have %zu columns",
                                  k + 1, (unsigned)keys[k].column + 1, ncolumns);
            return NULL;
        }
    }
    if (ncolumns >= UINT32_MAX) {
        host_api()->error_set(err, QUIRE_E_INVALID, "sort: %zu columns are too many", ncolumns);
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
    s->io_buf = clamp_size(s->budget / 16, MIN_IO_BUF, MAX_IO_BUF);
    s->limit = s->budget - s->io_buf;
    s->block_size = clamp_size(s->budget / 64, MIN_BLOCK, MAX_BLOCK);

    /* Created now so that a bad temp_dir fails before any row is read. */
    if (spill_open(&s->files[0], s->dir, err) != 0) {
        sorter_free(s);
        return NULL;
    }
    s->state = SORT_ADDING;
    return s;

fail_free_sorter:
    sorter_free(s);
fail_oom:
    oom(err);
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

static void merger_close(sorter *s, merger *m)
{
    for (size_t i = 0; i < m->nsrc; i++) {
        if (m->src[i].is_file) {
            run_reader_close(&m->src[i].rd);
            mem_sub(s, m->src[i].counted);
        }
    }
    free(m->src);
    free(m->heap);
    mem_sub(s, m->counted);
    memset(m, 0, sizeof(*m));
}

void sorter_free(sorter *s)
{
    if (s == NULL)
        return;
    merger_close(s, &s->m);
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

void sorter_stats(const sorter *s, sort_stats *out)
{
    out->rows = s->rows;
    out->runs = s->runs_written;
    out->merge_passes = s->passes;
    out->bytes_spilled = s->spilled;
    out->peak_memory = s->peak;
}

/* ============================== Errors ==================================== */

/* Records `err` as the sorter's final error. */
static int fail(sorter *s, const quire_error *err)
{
    s->failure = *err;
    s->state = SORT_FAILED;
    return QUIRE_ERR;
}

/* Checks that a batch has the sorter's column types. */
static int check_batch(const sorter *s, const quire_batch *b, const char *which, quire_error *err)
{
    char have[32], want[32];

    if (b->ncolumns != s->ncolumns) {
        host_api()->error_set(err, QUIRE_E_INVALID,
                              "sort: the %s batch has %u columns, the sorter's rows have %zu",
                              which, (unsigned)b->ncolumns, s->ncolumns);
        return -1;
    }
    for (size_t i = 0; i < s->ncolumns; i++) {
        const quire_column *c = &b->columns[i];
        const quire_column_info *info = &s->columns[i];

        if (c->type == info->type && (c->type != QUIRE_TYPE_DECIMAL || c->scale == info->scale))
            continue;
        host_api()->error_set(err, QUIRE_E_INVALID,
                              "sort: column %zu ('%s') of the %s batch is %s, the sorter's is %s",
                              i + 1, info->name, which,
                              batch_type_text(c->type, c->scale, have, sizeof(have)),
                              batch_type_text(info->type, info->scale, want, sizeof(want)));
        return -1;
    }
    return 0;
}

/* ============================== Spilling runs ============================= */

static int writer_ready(sorter *s, quire_error *err)
{
    if (s->wbuf != NULL)
        return 0;
    s->wbuf = malloc(s->io_buf);
    if (s->wbuf == NULL)
        return oom(err);
    mem_add(s, s->io_buf);
    return 0;
}

static void writer_release(sorter *s)
{
    if (s->wbuf == NULL)
        return;
    free(s->wbuf);
    s->wbuf = NULL;
    mem_sub(s, s->io_buf);
}

static int runs_push(sorter *s, const sort_run *run, quire_error *err)
{
    if (s->nruns == s->runs_cap) {
        size_t cap = s->runs_cap ? 2 * s->runs_cap : 16;
        sort_run *grown = realloc(s->runs, cap * sizeof(*grown));
        if (grown == NULL)
            return oom(err);
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
        mem_sub(s, sizeof(*b) + b->cap);
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
        mem_sub(s, sizeof(*b) + b->cap);
    blocks_free(s->blocks);
    s->blocks = s->cur = NULL;
    free(s->entries);
    mem_sub(s, s->cap * sizeof(*s->entries));
    s->entries = NULL;
    s->cap = 0;
}

/* Sorts the held rows and appends them to the current spill file as a run. */
static int spill_rows(sorter *s, quire_error *err)
{
    spill_file *f = &s->files[s->in_file];
    run_writer w = {0};
    sort_run run = {0};

    if (writer_ready(s, err) != 0)
        return -1;
    sort_entries(s);
    w.file = f;
    w.dir = s->dir;
    w.buf = s->wbuf;
    w.cap = s->io_buf;
    run.file = s->in_file;
    run.offset = f->size;
    for (size_t i = 0; i < s->n; i++) {
        const uint8_t *rec = s->entries[i].rec;
        if (run_writer_put(&w, rec, record_len(rec), err) != 0)
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
    size_t room = s->limit > mem_rows(s) ? s->limit - mem_rows(s) : 0;
    size_t avg = s->rows > 0 ? (size_t)(s->all_row_bytes / (uint64_t)s->rows) : size;
    size_t fit = room / (sizeof(sort_entry) + avg);
    size_t grow = s->cap ? s->cap : 256;

    if (grow > fit)
        grow = fit;
    if (grow == 0)
        grow = 1;
    return s->cap + grow;
}

/* Bytes that holding one more record of `size` bytes adds; *new_cap is the
 * entry capacity it needs. */
static size_t row_cost(const sorter *s, size_t size, size_t *new_cap)
{
    size_t cost = 0;

    *new_cap = s->cap;
    if (s->n == s->cap) {
        *new_cap = entries_growth(s, size);
        cost += (*new_cap - s->cap) * sizeof(sort_entry);
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
        s->entries = grown;
        mem_add(s, (new_cap - s->cap) * sizeof(*grown));
        s->cap = new_cap;
    }
    if (size > s->block_size) {
        b = malloc(sizeof(*b) + size);
        if (b == NULL)
            return NULL;
        b->cap = b->used = size;
        b->next = s->big;
        s->big = b;
        mem_add(s, sizeof(*b) + size);
        return b->data;
    }
    if (s->cur != NULL && s->cur->cap - s->cur->used < size && s->cur->next != NULL) {
        s->cur = s->cur->next; /* kept from an earlier run, empty */
    } else if (s->cur == NULL || s->cur->cap - s->cur->used < size) {
        /* cur is the last block: append, so blocks stay in fill order. */
        b = malloc(sizeof(*b) + s->block_size);
        if (b == NULL)
            return NULL;
        b->cap = s->block_size;
        b->used = 0;
        b->next = NULL;
        mem_add(s, sizeof(*b) + s->block_size);
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
    const uint8_t *body = rec + varint_skip(rec);
    const uint8_t *v = body + s->nbitmap;
    uint64_t len;
    size_t i = 0;

    if (body[0] & 1)
        return;
    len = varint_read(&v);
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
    size_t body = record_body_size(s, b, row, line);
    size_t size = varint_len(body) + body;
    size_t new_cap;
    size_t cost = row_cost(s, size, &new_cap);
    uint8_t *rec;

    if (s->n > 0 && (mem_rows(s) + cost > s->limit || s->n == UINT32_MAX)) {
        if (spill_rows(s, err) != 0)
            return -1;
        row_cost(s, size, &new_cap); /* the entry capacity may change */
    }
    rec = row_space(s, size, new_cap);
    if (rec == NULL)
        return oom(err);
    record_write(s, b, row, line, body, rec);
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
        host_api()->error_set(e, QUIRE_E_INTERNAL, "sort: sorter_add after sorter_finish");
        return QUIRE_ERR;
    }
    if (check_batch(s, batch, "input", e) != 0)
        return fail(s, e);
    for (uint32_t i = 0; i < count; i++) {
        uint32_t row = sel != NULL ? sel[i] : i;

        if (row >= batch->rows) {
            host_api()->error_set(e, QUIRE_E_INVALID,
                                  "sort: selection entry %u is row %u, but the batch has %u rows",
                                  (unsigned)i, (unsigned)row, (unsigned)batch->rows);
            return fail(s, e);
        }
        if (add_row(s, batch, row, e) != 0)
            return fail(s, e);
    }
    return QUIRE_OK;
}

/* ============================== Merging =================================== */

static inline int src_less(const sorter *s, const merger *m, uint32_t a, uint32_t b)
{
    return entry_less(s, &m->src[a].head, &m->src[b].head);
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
        entry_code(s, &src->head, 0);
        return 1;
    }
    rc = run_reader_next(&src->rd, &rec, &len, err);
    if (rc <= 0)
        return rc;
    if (src->rd.cap != src->counted) {
        /* The buffer grew for an oversized record. */
        mem_add(s, src->rd.cap - src->counted);
        src->counted = src->rd.cap;
    }
    src->head.rec = rec;
    src->head.seq = i;
    entry_code(s, &src->head, 0);
    return 1;
}

/*
 * Starts a merge of runs[first..first+nfile) and, if `tail`, the sorted
 * in-memory rows (which come last: they were added last). Read buffers
 * share what the budget has left.
 */
static int merger_open(sorter *s, merger *m, size_t first, size_t nfile, int tail, quire_error *err)
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
        return oom(err);
    }
    m->nsrc = nsrc;
    m->counted = nsrc * (sizeof(*m->src) + sizeof(*m->heap));
    mem_add(s, m->counted);
    room = s->budget > s->mem ? s->budget - s->mem : 0;
    buf = clamp_size(nfile ? room / nfile : 0, MIN_IO_BUF, MAX_IO_BUF);
    for (size_t i = 0; i < nfile; i++) {
        merge_src *src = &m->src[i];
        const sort_run *run = &s->runs[first + i];

        if (run_reader_open(&src->rd, &s->files[run->file], run, s->dir, buf, err) != 0)
            return -1;
        src->is_file = 1;
        src->counted = buf;
        mem_add(s, buf);
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

/* Bytes each source of a merge costs besides its read buffer. */
#define SRC_OVERHEAD (sizeof(merge_src) + sizeof(uint32_t))

/* How many runs one merge can read with `room` bytes of budget. */
static size_t fan_in(size_t room)
{
    size_t f = room / (MIN_IO_BUF + SRC_OVERHEAD);
    return f < 2 ? 2 : f;
}

/* One merge pass: merges groups of consecutive runs into the other spill
 * file, each group becoming one run there, then empties this file. */
static int merge_pass(sorter *s, quire_error *err)
{
    int to = 1 - s->in_file;
    spill_file *f = &s->files[to];
    size_t fan = fan_in(s->budget - s->io_buf);
    size_t nold = s->nruns, nnew = 0;
    run_writer w = {0};

    if (f->fd < 0 && spill_open(f, s->dir, err) != 0)
        return -1;
    if (spill_truncate(f, s->dir, err) != 0 || writer_ready(s, err) != 0)
        return -1;
    w.file = f;
    w.dir = s->dir;
    w.buf = s->wbuf;
    w.cap = s->io_buf;
    for (size_t first = 0; first < nold; first += fan) {
        size_t k = nold - first < fan ? nold - first : fan;
        sort_run run = {to, f->size, 0};
        const uint8_t *rec;
        int rc = merger_open(s, &s->m, first, k, 0, err);

        while (rc == 0 && (rec = merger_top(&s->m)) != NULL) {
            rc = run_writer_put(&w, rec, record_len(rec), err);
            if (rc == 0)
                rc = merger_pop(s, &s->m, err);
        }
        merger_close(s, &s->m);
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

/* Frees the normal blocks the tail does not use. */
static void blocks_trim(sorter *s)
{
    row_block *keep = s->n > 0 ? s->cur : NULL;
    row_block *rest;

    if (keep == NULL) {
        for (row_block *b = s->blocks; b != NULL; b = b->next)
            mem_sub(s, sizeof(*b) + b->cap);
        blocks_free(s->blocks);
        s->blocks = s->cur = NULL;
        return;
    }
    rest = keep->next;
    keep->next = NULL;
    for (row_block *b = rest; b != NULL; b = b->next)
        mem_sub(s, sizeof(*b) + b->cap);
    blocks_free(rest);
}

static int finish(sorter *s, quire_error *err)
{
    size_t tail_room;

    if (s->nruns == 0) {
        sort_entries(s);
        s->state = SORT_FROM_MEMORY;
        return 0;
    }
    blocks_trim(s);
    /* Keep the tail in memory for the final merge if the runs' read
     * buffers fit beside it; else it becomes one more run. */
    tail_room = s->budget > mem_rows(s) ? s->budget - mem_rows(s) : 0;
    if (s->n > 0 && tail_room >= SRC_OVERHEAD * (s->nruns + 1) &&
        (tail_room - SRC_OVERHEAD * (s->nruns + 1)) / MIN_IO_BUF >= s->nruns) {
        sort_entries(s);
        writer_release(s);
    } else {
        if (s->n > 0 && spill_rows(s, err) != 0)
            return -1;
        rows_release(s);
        while (s->nruns > fan_in(s->budget))
            if (merge_pass(s, err) != 0)
                return -1;
        writer_release(s);
    }
    if (merger_open(s, &s->m, 0, s->nruns, s->n > 0, err) != 0)
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
        host_api()->error_set(e, QUIRE_E_INTERNAL, "sort: sorter_finish called twice");
        return QUIRE_ERR;
    }
    if (finish(s, e) != 0)
        return fail(s, e);
    return QUIRE_OK;
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
        host_api()->error_set(e, QUIRE_E_INTERNAL, "sort: sorter_next before sorter_finish");
        return QUIRE_ERR;
    }
    if (check_batch(s, out, "output", e) != 0)
        return QUIRE_ERR;
    batch_reset(out);
    out->first_row = s->emitted + 1;
    if (s->state == SORT_FROM_MEMORY) {
        while (rows < out->capacity && s->emit_i < s->n) {
            if (record_decode(s, s->entries[s->emit_i].rec, out, rows, e) != 0)
                return fail(s, e);
            s->emit_i++;
            rows++;
        }
        if (s->emit_i == s->n)
            s->state = SORT_DONE;
    } else if (s->state == SORT_MERGING) {
        const uint8_t *rec;

        while (rows < out->capacity && (rec = merger_top(&s->m)) != NULL) {
            if (record_decode(s, rec, out, rows, e) != 0 || merger_pop(s, &s->m, e) != 0)
                return fail(s, e);
            rows++;
        }
        if (merger_top(&s->m) == NULL) {
            merger_close(s, &s->m);
            s->state = SORT_DONE;
        }
    }
    out->rows = rows;
    s->emitted += rows;
    return s->state == SORT_DONE ? QUIRE_DONE : QUIRE_OK;
}
