/*
 * sort_int.h - what the sorter's files share: the sorter and its entries,
 * row blocks and merger, the memory accounting, prefetch and LEB128
 * helpers, and the functions each of sort.c, sort_key.c, sort_mem.c and
 * sort_merge.c offers the others. Not for use outside those four files
 * (sort_run.c needs only sort.h).
 */
#ifndef QUIRE_SORT_INT_H
#define QUIRE_SORT_INT_H

#include "sort.h"

#define MIN_IO_BUF ((size_t)4 * 1024)
#define MAX_IO_BUF ((size_t)256 * 1024)

/* ============================== Types ===================================== */

/* What gets sorted. Its code covers one key (for a string, 7 of its bytes
 * from some offset): the first key in a merge, the key of the current
 * level in the in-memory sort (sort_mem.c). */
typedef struct sort_entry {
    uint64_t code;      /* order-preserving code of the key (desc applied) */
    const uint8_t *rec; /* the record */
    uint32_t seq;       /* add order within a run; source index in a merge */
    uint16_t rank;      /* the key: 0 NULL placed first, 1 a value, 2 NULL placed last */
    uint16_t whole;     /* the code holds the rest of the key (a string's last bytes) */
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

    unsigned threads; /* for the in-memory sort (sorter_set_threads) */

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

/* Bytes each held row costs besides its record: its entry and the same
 * again for the scratch space the in-memory sort takes while it runs. */
#define ENTRY_COST (2 * sizeof(sort_entry))

/* Bytes each source of a merge costs besides its read buffer. */
#define SRC_OVERHEAD (sizeof(merge_src) + sizeof(uint32_t))

/* ============================== Memory accounting ========================= */

/* Counts `bytes` more against the budget, raising the peak. */
static inline void srt_mem_add(sorter *s, size_t bytes)
{
    s->mem += bytes;
    if (s->mem > s->peak)
        s->peak = s->mem;
}

/* Counts `bytes` less. */
static inline void srt_mem_sub(sorter *s, size_t bytes)
{
    s->mem -= bytes;
}

/* Bytes held for rows and entries (the budget reserves the write buffer
 * apart). */
static inline size_t srt_mem_rows(const sorter *s)
{
    return s->mem - (s->wbuf != NULL ? s->io_buf : 0);
}

/* v limited to [lo, hi]. */
static inline size_t srt_clamp_size(size_t v, size_t lo, size_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* Records are read this many entries ahead of the one being coded or
 * emitted, so that their cache misses overlap. */
#define PREFETCH_AHEAD 16

/* Asks for the first two cache lines of the record at rec (its keys)
 * ahead of use. A hint: never faults. */
static inline void srt_prefetch(const uint8_t *rec)
{
    __builtin_prefetch(rec);
    __builtin_prefetch(rec + 64);
}

/* Asks for the first three cache lines of the record at rec (all of most
 * rows) ahead of decoding it. */
static inline void srt_prefetch_row(const uint8_t *rec)
{
    __builtin_prefetch(rec);
    __builtin_prefetch(rec + 64);
    __builtin_prefetch(rec + 128);
}

/* ============================== LEB128 ==================================== */

/* Bytes of the LEB128 number at p. */
static inline size_t srt_varint_skip(const uint8_t *p)
{
    size_t n = 0;

    while (p[n] & 0x80)
        n++;
    return n + 1;
}

/* Decodes the LEB128 number at *p (a record's, so complete; at most 10
 * bytes are read) and moves *p past it. */
static inline uint64_t srt_varint_read(const uint8_t **p)
{
    const uint8_t *q = *p;
    uint64_t v = 0;
    unsigned shift = 0;
    uint8_t byte;

    do {
        byte = *q++;
        v |= (uint64_t)(byte & 0x7f) << shift;
        shift += 7;
    } while ((byte & 0x80) && shift < 70);
    *p = q;
    return v;
}

/* Bytes the LEB128 encoding of v takes. */
static inline size_t srt_varint_len(uint64_t v)
{
    size_t n = 1;

    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

/* ============================== Keys and records (sort_key.c) ============= */

/* Fills in e->rank, e->code and e->whole from key `key` of e->rec (a key
 * index >= nkeys codes every row alike); a string key is coded from byte
 * `off` on, which the caller knows the string to have. */
void srt_entry_code(const sorter *s, sort_entry *e, size_t key, size_t off);

/* Compares records a and b key by key, keys before `from` known equal:
 * <0, 0 or >0, in the sorter's order (desc and nulls_first applied). */
int srt_record_cmp(const sorter *s, const uint8_t *a, const uint8_t *b, size_t from);

/* Body bytes of the record of row `row` of `b` with source line `line`. */
size_t srt_record_body_size(const sorter *s, const quire_batch *b, uint32_t row, int64_t line);

/* Encodes row `row` of `b` at p, which has room for the length prefix of
 * `body` (srt_record_body_size) and that many bytes. */
void srt_record_write(const sorter *s, const quire_batch *b, uint32_t row, int64_t line,
                      size_t body, uint8_t *p);

/* Writes record `rec` as row `row` of `out`, strings copied into
 * out->arena; 0, or -1 with err set when the arena is out of memory. */
int srt_record_decode(const sorter *s, const uint8_t *rec, quire_batch *out, uint32_t row,
                      quire_error *err);

/* Bytes of the record at rec, length prefix included. */
size_t srt_record_len(const uint8_t *rec);

/* ============================== In-memory sort (sort_mem.c) =============== */

/* Sorts the held entries s->entries[0..n) into the sort order, stably. */
void srt_sort_entries(sorter *s);

/* Maps the pages of the fresh memory p[0..len) now, in one call, instead
 * of one page fault at a time as the sorter first writes them: those
 * faults were a third of the time of reading 100k rows into memory. A
 * kernel without MADV_POPULATE_WRITE (before Linux 5.14) or a short range
 * leaves them to fault. The memory and its ownership are unchanged. */
void srt_prefault(void *p, size_t len);

/* ============================== The sorter (sort.c) ======================= */

/* Sets err to "sort: out of memory"; returns -1. */
int srt_oom(quire_error *err);

/* Records `err` as the sorter's final error (the state becomes
 * SORT_FAILED); returns QUIRE_ERR. */
int srt_fail(sorter *s, const quire_error *err);

/* 0 if batch `b` has the sorter's columns and types, else -1 with err set
 * ("sort: the output batch has 3 columns, ..."); `which` is "input" or
 * "output". */
int srt_check_batch(const sorter *s, const quire_batch *b, const char *which, quire_error *err);

/* Allocates the spill write buffer (counted) unless it exists; 0 or -1
 * (err set). */
int srt_writer_ready(sorter *s, quire_error *err);

/* ============================== Merging (sort_merge.c) ==================== */

/* Starts merge *m of runs[first..first+nfile) and, if `tail`, the sorted
 * in-memory entries; 0, or -1 with err set (*m then needs srt_merger_close). */
int srt_merger_open(sorter *s, merger *m, size_t first, size_t nfile, int tail, quire_error *err);

/* Closes the readers of *m and frees it, uncounting its memory; *m is left
 * empty, so closing twice is harmless. */
void srt_merger_close(sorter *s, merger *m);

/* One merge pass: the runs, merged in groups of srt_fan_in(), become fewer
 * runs in the other spill file; 0 or -1 (err set). */
int srt_merge_pass(sorter *s, quire_error *err);

/* How many runs one merge can read with `room` bytes of budget (at least 2). */
size_t srt_fan_in(size_t room);

#endif /* QUIRE_SORT_INT_H */
