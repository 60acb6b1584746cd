/*
 * csv.h - internal interfaces of the csv source plugin, shared by its files
 * and by the fuzzer (tests/fuzz/fuzz_csv.c), which compiles them directly:
 *
 *   csv_scan.c     byte scanning: the structural index of 64-byte blocks,
 *                  counting a byte, finding the row start after an offset
 *   csv_lexer.c    RFC 4180 tokenizer: bytes -> records, a fast path over
 *                  the structural index and an exact state machine
 *   csv_infer.c    what a field's text says about its column's type
 *   csv_options.c  the per-source options of a report definition
 *   csv_input.c    opening the file: base_dir, mmap or read()
 *   csv_fill.c     records -> batch rows (conversion, NULLs, bad values)
 *   csv.c          the plugin: descriptor, config schema, source ops,
 *                  header, sample and partitions
 *   csv_ahead.c    read-ahead: a thread fills the next batch while the
 *                  kernel works on the current one (whole-file reads)
 *
 * The exact value parsers, type inference, the `types` option and the
 * source-op helpers it shares with the jsonl and sqlite plugins are in
 * plugins/support (compiled in: plugin.mk sets csv_SUPPORT).
 *
 * Nothing here is part of the plugin ABI. Only include/quire headers and the
 * host table are used: the plugin links against no kernel symbol.
 */
#ifndef QUIRE_CSV_H
#define QUIRE_CSV_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <quire/source.h>

#include "support_options.h"
#include "support_source.h"
#include "support_value.h"

/* The widest record the lexer accepts before the column count is known. */
#define CSV_MAX_COLUMNS 16384

/* ============================== Scanning (csv_scan.c) ===================== */

/* State of the structural index between blocks: what the bytes before the
 * next block were. Reset at every record start. */
typedef struct csv_scanner {
    unsigned char delimiter;
    int quote;             /* byte, or -1: no quoting */
    uint64_t inside;       /* all ones inside quotes, else 0 */
    uint64_t after_struct; /* 1: the previous byte ended a field (or none) */
    uint64_t after_close;  /* 1: the previous byte closed a quoted field */
    uint64_t after_cr;     /* 1: the previous byte was a CR outside quotes */
} csv_scanner;

void csv_scanner_init(csv_scanner *s, unsigned char delimiter, int quote);

/* Forgets the carried state: the next byte starts a record. */
void csv_scanner_reset(csv_scanner *s);

/* 1 if the input may end after the bytes indexed so far (not inside
 * quotes, not right after a CR outside them). */
int csv_scanner_can_end(const csv_scanner *s);

/* Flag of an index entry: a LF inside quotes (counts a line, ends nothing). */
#define CSV_INDEX_QUOTED_LF 0x80000000u

/*
 * Indexes data[from, to) in 64-byte blocks: writes to out[] the offsets,
 * relative to `from`, of every delimiter and LF that ends a field (and, with
 * CSV_INDEX_QUOTED_LF, of LFs inside quotes), in order. out needs room for
 * to - from + 4 entries; to - from must be below 2^31. A partial last block is
 * indexed only if `at_end` (data ends at `to`). Stops before a block that
 * breaks a syntax rule (see the top of csv_scan.c), setting *blocked; with
 * at_end it also sets *blocked if the input ends inside quotes or after a
 * bare CR. *next gets the offset where indexing stopped. Returns the count.
 */
size_t csv_scan_index(csv_scanner *s, const char *data, size_t from, size_t to, int at_end,
                      uint32_t *out, size_t *next, int *blocked);

/* Occurrences of byte c in s[0..n). */
size_t csv_count_byte(const char *s, size_t n, unsigned char c);

/*
 * The first row start at or after `target` in data[0..size): the offset
 * after the first LF at or after target - 1 that is outside quotes, or size
 * if there is none. Quotes are counted from `from` <= target, where an odd
 * number of quote bytes since a row start puts the byte inside quotes
 * (`inside`): a LF is outside quotes when an even number of quote bytes
 * precede it since a row start, which is exact for RFC 4180 input. quote
 * -1: no quoting.
 */
size_t csv_row_start(const char *data, size_t size, size_t from, int inside, size_t target,
                     int quote);

/* ============================== Lexer (csv_lexer.c) ======================= */

/* Reads up to `cap` bytes into buf. Returns the count, 0 at end of input, or
 * -1 after filling *err (code QUIRE_E_IO). */
typedef ptrdiff_t (*csv_read_fn)(void *ctx, char *buf, size_t cap, quire_error *err);

#define CSV_FIELD_QUOTED 1u /* written between quotes: never a NULL token */
#define CSV_FIELD_STABLE                                                                           \
    2u /* ptr is a slice of a memory input: valid until                                            \
          the lexer is freed, not only until the next                                              \
          record */

/* One field of a record, quotes removed and "" unescaped. */
typedef struct csv_field {
    const char *ptr;
    size_t len;
    unsigned flags; /* CSV_FIELD_* */
} csv_field;

/* One record (row). Valid until the next csv_lexer_next(). */
typedef struct csv_record {
    const csv_field *fields; /* min(nfields, the lexer's field limit) entries */
    size_t nfields;          /* fields the record has (may exceed those stored) */
    int64_t line;            /* line the record starts on, as the lexer counts:
                                csv_lexer_line() makes it absolute */
    int64_t start;           /* input offset of the record's first byte */
    int64_t end_offset;      /* input offset just past the record's line end */
} csv_record;

typedef struct csv_lexer_opts {
    unsigned char delimiter;
    int quote;          /* quote byte, or -1: no quoting */
    size_t max_field;   /* bytes; a longer field is an error */
    size_t read_buffer; /* bytes read at a time (streamed inputs) */
} csv_lexer_opts;

typedef struct csv_lexer csv_lexer;

/* Creates a lexer streaming its input through `read`/`ctx`. `path` names the
 * input in messages and must outlive the lexer. Returns NULL on allocation
 * failure. The caller owns it: csv_lexer_free(). */
csv_lexer *csv_lexer_new(const quire_host *host, const char *path, csv_read_fn read, void *ctx,
                         const csv_lexer_opts *opts);

/* Creates a lexer over data[0..size), which the caller keeps valid and
 * unchanged until csv_lexer_free() (a mapped file). Its fields are
 * CSV_FIELD_STABLE unless they had to be unescaped. */
csv_lexer *csv_lexer_new_memory(const quire_host *host, const char *path, const char *data,
                                size_t size, const csv_lexer_opts *opts);

/* From now on store at most `nfields` fields per record; the rest are only
 * counted (so a ragged record's size is known without storing it). Before
 * this call a record of more than CSV_MAX_COLUMNS fields is an error.
 * Returns 0, or -1 if memory ran out (the lexer is then unusable). */
int csv_lexer_expect(csv_lexer *lexer, size_t nfields);

/* After csv_lexer_expect(): the fields i with want[i] == 0 (of the
 * expected count) need not be stored; their rec->fields entries are then
 * undefined, but they are still counted and checked. Returns 0, or -1 if
 * memory ran out. */
int csv_lexer_want(csv_lexer *lexer, const uint8_t *want);

/* Reads the next record into *rec, skipping empty lines and a leading UTF-8
 * byte order mark. Returns QUIRE_OK, QUIRE_DONE at the end of the input (or
 * at the first record starting at or after the stop offset), or QUIRE_ERR
 * with *err set ("PATH:LINE: ..."): syntax errors are final, the lexer
 * cannot resynchronise after them. */
int csv_lexer_next(csv_lexer *lexer, csv_record *rec, quire_error *err);

/* Input offset of the next unread byte (just past the last record). */
int64_t csv_lexer_offset(const csv_lexer *lexer);

/* Counts the LFs in bytes [from, to) of the input (csv.c's, which gives
 * the pages back as it goes). */
typedef int64_t (*csv_count_lines_fn)(void *ctx, int64_t from, int64_t to);

/* Memory inputs only: continue at `offset`, which must be a row start, and
 * stop before the first record that starts at or after `stop`. Line numbers
 * become relative; `known_offset` <= offset is a row start on line
 * `known_line`, from which csv_lexer_line() counts the lines in between
 * with count(ctx, ...) the first time it needs them. */
void csv_lexer_seek(csv_lexer *lexer, int64_t offset, int64_t stop, int64_t known_offset,
                    int64_t known_line, csv_count_lines_fn count, void *ctx);

/* Stops before the first record that starts at or after `stop`. */
void csv_lexer_set_stop(csv_lexer *lexer, int64_t stop);

/* The line of the next unread byte, as the lexer counts (see
 * csv_lexer_line). */
int64_t csv_lexer_line_now(const csv_lexer *lexer);

/* The absolute line of a record's `line` (counting, once, the LFs before the
 * seek offset if there was a seek). */
int64_t csv_lexer_line(csv_lexer *lexer, int64_t line);

/* Frees the lexer. NULL is a no-op. */
void csv_lexer_free(csv_lexer *lexer);

/* ============================== Inference (csv_infer.c) =================== */

/* Accounts for one non-NULL field in its column's inference: what its text
 * could be (support_classify), unless the column is a string already. */
void csv_infer_add(support_infer *infer, const char *s, size_t n);

/* ============================== Options (csv_options.c) =================== */

/* A source's options, parsed and checked. Strings are owned copies. */
typedef struct csv_options {
    char *path; /* NULL only if not required */
    unsigned char delimiter;
    int quote;    /* byte, or -1: quoting disabled */
    int header;   /* the first record names the columns */
    char **nulls; /* tokens meaning NULL (unquoted fields only) */
    size_t nnulls;
    int null_empty;    /* "" is one of them */
    int skip_bad_rows; /* on_error = skip */
    support_type_override *types;
    size_t ntypes;
    const quire_option *types_option; /* where `types` was written, or NULL */
    int64_t infer_rows;
} csv_options;

/* The option names, for messages: "path, delimiter, ...". */
extern const char csv_option_names[];

/* Parses args->options into *opts (zeroed first). `default_infer_rows` is
 * the admin's infer_rows. `path_required`: 0 only for the fuzzer, which
 * supplies its own input. On failure fills *err (QUIRE_E_INVALID, naming
 * the option's location) and returns QUIRE_ERR; *opts then needs no
 * freeing. On success the caller frees with csv_options_free(). */
int csv_options_parse(const quire_host *host, const quire_source_args *args,
                      int64_t default_infer_rows, int path_required, csv_options *opts,
                      quire_error *err);

void csv_options_free(const quire_host *host, csv_options *opts);

/* ============================== Input (csv_input.c) ======================= */

/* An open input file: mapped, or read with read(). */
typedef struct csv_input {
    const quire_host *host;
    const char *name; /* for messages; not owned */
    int fd;           /* -1 when closed */
    int mapped;       /* map holds the whole file (may be empty) */
    const char *map;
    size_t map_size; /* bytes mapped (0 for an empty file) */
    size_t released; /* leading bytes of map given back so far */
    int64_t size;    /* bytes, or -1 for a pipe or device */
} csv_input;

/* Opens `resolved`; messages name it `name`, which must outlive *in. Maps a
 * regular file if use_mmap. On failure fills *err ("NAME: cannot open:
 * WHY", QUIRE_E_IO) and returns QUIRE_ERR with nothing to close. */
int csv_input_open(const quire_host *host, const char *resolved, const char *name, int use_mmap,
                   csv_input *in, quire_error *err);

/* A csv_read_fn over an input that is not mapped (ctx: the csv_input). */
ptrdiff_t csv_input_read(void *ctx, char *buf, size_t cap, quire_error *err);

/* Gives back the mapped pages before `offset` once at least `step` bytes
 * are behind the last release. Slices of them stay readable. */
void csv_input_release(csv_input *in, int64_t offset, size_t step);

/* Gives back the mapped pages wholly inside [from, to), wherever they are
 * (bytes read out of order). */
void csv_input_drop(csv_input *in, size_t from, size_t to);

/* Unmaps and closes. Safe on a zeroed input with fd -1. */
void csv_input_close(csv_input *in);

/* ============================== Plugin glue (csv.c) ======================= */

/* The plugin state built by init() from the admin's [source.csv] section. */
typedef struct csv_plugin {
    const quire_host *host;
    quire_plugin *self;
    int64_t max_field_size;
    int64_t infer_rows;
    int64_t read_buffer;
    int use_mmap;
} csv_plugin;

/* What stats() and close() report: the counters as of the last batch handed
 * to the kernel (a read-ahead thread may be further on). */
typedef struct csv_progress {
    int64_t delivered; /* rows handed out */
    int64_t skipped;   /* bad rows dropped */
    int64_t offset;    /* input offset after the last batch */
    int done;          /* the last batch was the final one */
} csv_progress;

typedef struct csv_ahead csv_ahead;

/* One open source: a whole input, or one part of it. */
typedef struct csv_source {
    const csv_plugin *plugin;
    const quire_host *host;
    csv_options opt;
    char *name; /* the input as messages name it: the path as written, and
                   the resolved one when different */
    csv_input input;
    csv_lexer *lexer;
    int lexer_done;

    size_t ncols;
    quire_column_info *columns; /* the schema; names owned */
    support_column *cols;
    size_t *needed; /* the columns next() converts (all, or project()'s) */
    size_t nneeded;

    /* The sample: records read by open(), replayed first by next(). */
    char *sample_bytes;
    size_t sample_nbytes, sample_bytes_cap;
    csv_field *sample_fields; /* sample_rows * ncols; ptr set once complete */
    size_t sample_fields_cap;
    int64_t *sample_lines;  /* line of each sampled record */
    int64_t *sample_starts; /* input offset of each sampled record */
    size_t sample_rows, sample_lines_cap, sample_starts_cap;
    size_t replayed;
    int sample_hit_eof;      /* the whole input fit in the sample */
    int64_t data_start;      /* input offset of the first data record */
    int64_t data_start_line; /* its line */
    int64_t sample_end;      /* input offset after the last sampled record */
    int64_t sample_end_line; /* the line there */
    int64_t input_size;      /* bytes, or -1 if unknown */

    /* The part read: rows whose record starts in [part_begin, part_end). */
    uint32_t partition, npartitions;
    int64_t part_begin, part_end;
    int64_t range_begin; /* bytes the part accounts for in stats() */
    int64_t estimate;    /* rows estimate() returns */

    int64_t delivered; /* rows handed out */
    int64_t skipped;   /* bad rows dropped (on_error = skip) */
    int done;          /* next() returned QUIRE_DONE */
    int failed;        /* next() failed: it keeps failing the same way */
    quire_error failure;
    csv_progress shown; /* as of the last batch the kernel got */

    int read_ahead;   /* next() may start a read-ahead thread (csv_ahead.c) */
    csv_ahead *ahead; /* the running read-ahead, or NULL */
} csv_source;

/* open() with the input supplied by the caller instead of the path option:
 * the fuzzer's entry points. `name` is used in messages. csv_open_reader
 * streams through `read`/`ctx` (`size` is the input size for estimate(), or
 * -1; the reader context must outlive the instance); csv_open_memory reads
 * data[0..size), which must stay unchanged until close. On success
 * *instance is what ops->close() releases. */
int csv_open_reader(csv_plugin *plugin, const quire_source_args *args, const char *name,
                    csv_read_fn read, void *ctx, int64_t size, void **instance, quire_error *err);
int csv_open_memory(csv_plugin *plugin, const quire_source_args *args, const char *name,
                    const char *data, size_t size, void **instance, quire_error *err);

/* Fills `batch` with the next rows (sample replay, then the lexer): sets
 * rows and first_row and advances delivered, skipped, done and the lexer.
 * Returns QUIRE_OK, QUIRE_DONE (the last rows) or QUIRE_ERR with *err
 * (rows 0). Touches nothing the kernel's thread reads (see csv_progress),
 * so csv_ahead.c runs it on its own thread. */
int csv_fill_batch(csv_source *src, quire_batch *batch, quire_error *err);

/* The counters as they are now (after csv_fill_batch). */
csv_progress csv_progress_now(const csv_source *src);

/* ============================== Read-ahead (csv_ahead.c) ================== */

/* Starts a thread that fills batches shaped like `like` (its capacity,
 * column types and source_line) one ahead of the kernel. Call from the
 * first next(), after project(). On failure fills *err and returns
 * QUIRE_ERR with src->ahead NULL. src->ahead owns the thread and its two
 * batch buffers until csv_ahead_stop(). */
int csv_ahead_start(csv_source *src, const quire_batch *like, quire_error *err);

/* next() through the read-ahead: gives the buffer of the previous call back
 * to the thread, waits for the next filled one and copies it into `batch`
 * (strings stay in that buffer's arena or the input until the following
 * call or close). Sets src->shown. Returns what csv_fill_batch returned for
 * it, with its *err; after QUIRE_DONE, QUIRE_DONE with no rows. */
int csv_ahead_next(csv_source *src, quire_batch *batch, quire_error *err);

/* Stops and joins the thread (it never waits on the kernel: a fill in
 * progress finishes first) and frees the buffers. NULL is a no-op. */
void csv_ahead_stop(csv_ahead *ahead);

/* ============================== Rows (csv_fill.c) ========================= */

/* 1 if field f is NULL in a column of `type` (QUIRE_TYPE_NULL: not known
 * yet, as during inference). */
int csv_field_is_null(const csv_source *src, const csv_field *f, uint32_t type);

/* Converts the needed columns of record `rec` into row `row` of `batch`.
 * Strings are slices of the input when the field is CSV_FIELD_STABLE, else
 * copies in the batch's arena. Returns QUIRE_OK, or QUIRE_ERR with *err:
 * QUIRE_E_INVALID for a bad row (wrong field count, a value that does not
 * fit, invalid UTF-8; the row's slots may be half written), else a failure. */
int csv_fill_row(csv_source *src, quire_batch *batch, uint32_t row, const csv_record *rec,
                 quire_error *err);

#endif /* QUIRE_CSV_H */
