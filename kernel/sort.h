/*
 * sort.h - the kernel's sort with bounded memory, for grouped reports whose
 * source cannot deliver rows in order.
 *
 * Rows are copied out of the caller's batches into a compact row encoding
 * held in large blocks. While they fit in the memory budget they are sorted
 * in memory; when the next row would not fit, what is held is sorted and
 * written to a spill file as one sorted run, and the sorter starts over. At
 * the end the runs (and the in-memory tail) are merged with a k-way heap
 * merge, in several passes if there are more runs than read buffers fit in
 * the budget.
 *
 * Order, per key (keys compare left to right, then the order rows were
 * added: the sort is stable):
 *   BOOL, INT, DECIMAL, DATE, TIMESTAMP  numerically (a DECIMAL column has one
 *                                        scale, so the scaled integers compare)
 *   FLOAT                                numerically; -0.0 equals 0.0, and NaN
 *                                        (any payload) sorts after +inf, all
 *                                        NaNs equal
 *   STRING                               bytewise (UTF-8 code point order); a
 *                                        proper prefix sorts first
 * `desc` reverses a key's value order; `nulls_first` puts its NULLs before
 * (else after) every value, whatever `desc` says.
 *
 * Memory: the budget covers the row blocks, the sort entries (and as much
 * again for the scratch space the in-memory sort takes while it runs), the
 * spill write buffer and the merge's read buffers, counted at their
 * allocated sizes (malloc's own overhead, the moment a growing entry array
 * is copied and the sorter's few fixed-size structs are not counted). The check is
 * made row by row: a row that would not fit makes the held rows a run
 * first. A single row larger than the budget is still sorted: it is held
 * alone, over budget (and read back through a buffer grown to fit it).
 * Spill files are unlinked as soon as they are created, so they vanish with
 * the process whatever happens.
 *
 * Threading: a sorter belongs to one thread at a time. While it sorts a run
 * in memory (in sorter_add when a run spills, and in sorter_finish) it may
 * use threads of its own (sorter_set_threads), all joined before it
 * returns.
 */
#ifndef QUIRE_SORT_H
#define QUIRE_SORT_H

#include <stddef.h>
#include <stdint.h>

#include <quire/types.h>

/* The smallest budget a sorter accepts; smaller ones are raised to it. */
#define SORT_MIN_BUDGET ((size_t)64 * 1024)

/* One sort key: a column index into the sorter's schema. */
typedef struct sort_key {
    uint32_t column;
    int desc;        /* nonzero: largest first */
    int nulls_first; /* nonzero: NULLs before values, else after */
} sort_key;

typedef struct sort_stats {
    int64_t rows;          /* rows added */
    int64_t runs;          /* sorted runs written while adding and at finish */
    int64_t merge_passes;  /* merge passes that wrote runs (0: one final merge or none) */
    int64_t bytes_spilled; /* bytes written to spill files, merge passes included */
    size_t peak_memory;    /* most bytes held at once, as the budget counts them */
} sort_stats;

typedef struct sorter sorter;

/*
 * Creates a sorter for rows of `columns` (copied; names only appear in
 * error messages) ordered by
 * `keys` (copied; a key repeating an earlier key's column is ignored, it can
 * never change the order). `memory_budget` is in bytes (raised to
 * SORT_MIN_BUDGET if smaller). Spill files go to `temp_dir` (NULL: $TMPDIR,
 * else /tmp); the first is created here so an unusable directory fails
 * early: "cannot create a sort spill file in '/x': No such file or
 * directory" (QUIRE_E_IO). Returns NULL with `err` set on failure. The
 * caller owns the sorter: sorter_free().
 */
sorter *sorter_new(const quire_column_info *columns, size_t ncolumns, const sort_key *keys,
                   size_t nkeys, size_t memory_budget, const char *temp_dir, quire_error *err);

/*
 * Copies rows sel[0..n) of `batch` (sel NULL: rows 0..batch->rows, n is
 * ignored) into the sorter, in that order; string bytes are copied, so the
 * batch may be reset afterwards. The batch must have the sorter's column
 * types and scales. May spill sorted runs. Returns QUIRE_OK, or QUIRE_ERR
 * with `err` set; an error is final (every later call fails with it).
 */
int sorter_add(sorter *s, const quire_batch *batch, const uint32_t *sel, uint32_t n,
               quire_error *err);

/* Ends the input and prepares the output (sorts, and merges runs in passes
 * until one final merge remains). QUIRE_OK or QUIRE_ERR (final). */
int sorter_finish(sorter *s, quire_error *err);

/*
 * Resets `out` (batch_reset: its previous rows and strings are gone) and
 * fills it with up to out->capacity rows in sorted order. `out` must have
 * the sorter's column types and scales (batch_new on the same columns).
 * String bytes go into out->arena; out->first_row numbers output rows from
 * 1; out->source_line, if present, gets each row's source_line as it was in
 * the batch it was added from (0 if that batch had none). Returns QUIRE_OK
 * (rows > 0, more may follow), QUIRE_DONE (no more rows; this call's rows
 * may be > 0; later calls return QUIRE_DONE with 0 rows), or QUIRE_ERR
 * (final). Only after sorter_finish().
 */
int sorter_next(sorter *s, quire_batch *out, quire_error *err);

/* The most threads a sorter uses. */
#define SORT_MAX_THREADS 64

/*
 * Lets the in-memory sort of each run use up to `threads` threads (0 and
 * 1: only the caller's; more than SORT_MAX_THREADS: that many). The output
 * is the same whatever the number; only the time differs. A new sorter
 * uses one; a change applies from the next run sorted.
 */
void sorter_set_threads(sorter *s, unsigned threads);

/* Copies the sorter's counters into `out`. */
void sorter_stats(const sorter *s, sort_stats *out);

/* Frees the sorter, its memory and its spill files. NULL is a no-op. */
void sorter_free(sorter *s);

/* ============================== Spill files (sort_run.c) ================== */

/*
 * What follows is the sorter's own plumbing, shared by its files (sort.c,
 * sort_key.c, sort_merge.c, sort_run.c); nothing else should need it. A
 * spill file holds sorted runs back to back; each run is a sequence of
 * records, a record being a LEB128 byte count followed by that many bytes
 * (sort_key.c's row encoding). Every I/O error names the temp directory.
 */

typedef struct spill_file {
    int fd;        /* -1: not open */
    uint64_t size; /* bytes written so far; runs are appended */
} spill_file;

/* One sorted run: bytes [offset, offset + bytes) of a spill file. */
typedef struct sort_run {
    int file; /* index into the sorter's spill files */
    uint64_t offset;
    uint64_t bytes;
} sort_run;

/* Creates an anonymous spill file in `dir` (mkstemp, then unlink). */
int spill_open(spill_file *f, const char *dir, quire_error *err);
/* Empties the file (its runs are no longer needed). */
int spill_truncate(spill_file *f, const char *dir, quire_error *err);
/* Closes the file; safe on a file that never opened. */
void spill_close(spill_file *f);

/* Appends runs to a spill file through a caller-provided buffer. */
typedef struct run_writer {
    spill_file *file;
    const char *dir; /* for messages */
    uint8_t *buf;    /* owned by the caller */
    size_t cap, len;
    uint64_t written; /* bytes handed to write() in total */
} run_writer;

/* Buffers `len` bytes, writing the buffer out whenever it fills. */
int run_writer_put(run_writer *w, const void *data, size_t len, quire_error *err);
/* Writes out whatever is buffered. */
int run_writer_flush(run_writer *w, quire_error *err);

/* Reads one run's records through a bounded buffer (grown only for a
 * record larger than it). */
typedef struct run_reader {
    const spill_file *file;
    const char *dir; /* for messages */
    uint64_t pos;    /* next file offset to read */
    uint64_t end;    /* end of the run */
    uint8_t *buf;    /* malloc'd, owned by the reader */
    size_t cap;      /* bytes allocated at buf */
    size_t start;    /* first unconsumed byte */
    size_t fill;     /* bytes of buf holding data */
} run_reader;

/* Prepares to read `run` of `file` with a buffer of `cap` bytes. -1 on
 * allocation failure (err set). */
int run_reader_open(run_reader *r, const spill_file *file, const sort_run *run, const char *dir,
                    size_t cap, quire_error *err);
/* Points *rec at the next record (its length prefix first) and sets *len
 * to its size in bytes, prefix included; valid until the next call. Returns
 * 1, 0 at the end of the run, or -1 (err set). */
int run_reader_next(run_reader *r, const uint8_t **rec, size_t *len, quire_error *err);
/* Frees the buffer. */
void run_reader_close(run_reader *r);

/* LEB128 helpers shared by the encoder and the reader. */
size_t sort_varint_put(uint8_t *p, uint64_t v);
/* Decodes at p (at most `avail` bytes); returns bytes used, 0 if incomplete
 * or longer than 10 bytes. */
size_t sort_varint_get(const uint8_t *p, size_t avail, uint64_t *v);

#endif /* QUIRE_SORT_H */
