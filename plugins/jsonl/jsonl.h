/*
 * jsonl.h - internal interfaces of the jsonl source plugin, shared by its
 * files and by the fuzzer (tests/fuzz/fuzz_jsonl.c), which compiles them in:
 *
 *   jsonl_reader.c   lines out of read chunks: BOM, CRLF, blank lines, the
 *                    max_line_size limit, byte ranges for partitions
 *   jsonl_parse.c    a strict RFC 8259 parser for one line holding one
 *                    object, reporting values at the paths of a path tree
 *   jsonl_paths.c    the path tree: column paths, discovery from the sample
 *   jsonl_infer.c    what a JSON value says about its column's type
 *   jsonl_options.c  the per-source options of a report definition
 *   jsonl_open.c     an instance: file, sample, columns, types, partition
 *   jsonl.c          the plugin: descriptor, config schema, source ops
 *
 * The exact text parsers, type inference, the `types` option and the
 * source-op helpers it shares with the csv and sqlite plugins are in
 * plugins/support (compiled in: plugin.mk sets jsonl_SUPPORT).
 *
 * Nothing here is part of the plugin ABI; only include/quire headers and the
 * host table are used, so the plugin links against no kernel symbol.
 */
#ifndef QUIRE_JSONL_H
#define QUIRE_JSONL_H

#include <stddef.h>
#include <stdint.h>

#include <quire/source.h>

#include "support_options.h"
#include "support_source.h"
#include "support_value.h"

/* Objects and arrays nest at most this deep (the line's object is level 1). */
#define JSONL_MAX_DEPTH 128
/* Distinct columns a source may have (discovered or listed). */
#define JSONL_MAX_COLUMNS 16384
/* Nodes of the path tree (jsonl_paths.c): keys seen below tracked objects. */
#define JSONL_MAX_NODES (4 * JSONL_MAX_COLUMNS)

/* ============================== Reader (jsonl_reader.c) ==================== */

/* Reads up to `cap` bytes at input offset `offset` into buf. Returns the
 * count, 0 at the end of the input, or -1 after filling *err (QUIRE_E_IO). */
typedef ptrdiff_t (*jsonl_read_fn)(void *ctx, int64_t offset, char *buf, size_t cap,
                                   quire_error *err);

typedef struct jsonl_reader_opts {
    size_t max_line;    /* bytes without the line end; a longer line is an error */
    int64_t start;      /* input offset to start at */
    int64_t end;        /* lines starting at or after this offset are not read; -1: none */
    int skip_partial;   /* start is mid-input: skip through the first LF */
    int64_t first_line; /* number of the line at `start` */
} jsonl_reader_opts;

/* One line without its LF or CRLF; valid until the next jsonl_reader_next(). */
typedef struct jsonl_line {
    const char *text;
    size_t len;
    int64_t number; /* 1-based physical line */
} jsonl_line;

typedef struct jsonl_reader jsonl_reader;

/* Creates a reader. `name` names the input in messages and must outlive the
 * reader. NULL on allocation failure. The caller frees: jsonl_reader_free(). */
jsonl_reader *jsonl_reader_new(const quire_host *host, const char *name, jsonl_read_fn read,
                               void *ctx, const jsonl_reader_opts *opts);

/* Reads the next line that is not blank (empty or only blanks) into *line,
 * skipping a UTF-8 byte order mark at input offset 0. Returns QUIRE_OK,
 * QUIRE_DONE at the end (of the input or of the range), or QUIRE_ERR with
 * *err: QUIRE_E_INVALID for a line longer than max_line ("NAME:LINE: ...",
 * line->number set, text not), after which the reader goes on with the
 * next line, or QUIRE_E_IO. */
int jsonl_reader_next(jsonl_reader *reader, jsonl_line *line, quire_error *err);

/* Input offset just past the last line returned (or skipped). */
int64_t jsonl_reader_offset(const jsonl_reader *reader);

/* Number of the line at jsonl_reader_offset(): before the input's end,
 * one more than the line ends the reader has gone past (blank lines
 * included), counting from its first_line. */
int64_t jsonl_reader_line(const jsonl_reader *reader);

/* Frees the reader. NULL is a no-op. */
void jsonl_reader_free(jsonl_reader *reader);

/* ============================== Path tree (jsonl_paths.c) ================= */

/* A node of the path tree: one object key (or array index, as decimal text)
 * below its parent. Node 0 is the line's object. */
typedef struct jsonl_node {
    char *key; /* owned; NULL for the root */
    size_t key_len;
    int32_t parent;
    int32_t column;     /* column read at this path, or -1 */
    uint32_t has_index; /* a child is an array index */
    uint32_t seen;      /* JSONL_SEEN_* (discovery) */
    int64_t stamp;      /* the last row that set this path (duplicate keys) */
} jsonl_node;

#define JSONL_SEEN_VALUE  (1u << 0) /* a scalar other than null, or an array */
#define JSONL_SEEN_NULL   (1u << 1)
#define JSONL_SEEN_OBJECT (1u << 2)

typedef struct jsonl_paths {
    const quire_host *host;
    jsonl_node *nodes;
    size_t nnodes, cap;
    int32_t *slots; /* hash table of nodes by (parent, key); -1 empty */
    size_t nslots;
    int discover; /* 0: fixed tree; 1: unknown keys below tracked objects
                     create nodes and nodes record what they held
                     (JSONL_SEEN_*); 2: create nodes only */
} jsonl_paths;

/* Initialises an empty tree holding only the root. -1 on allocation failure. */
int jsonl_paths_init(jsonl_paths *paths, const quire_host *host);

/* Frees the tree's memory. */
void jsonl_paths_free(jsonl_paths *paths);

/* The child of `parent` at key[0..len), created if `create` (then -1 only on
 * allocation failure or when the tree is full), else -1 if absent. */
int32_t jsonl_paths_child(jsonl_paths *paths, int32_t parent, const char *key, size_t len,
                          int create);

/* Adds the dotted path "a.b.0.c" for column `column`. Returns 0, -1 on
 * allocation failure, -2 if a segment is empty, -3 if another column
 * already has the path. */
int jsonl_paths_add(jsonl_paths *paths, const char *path, size_t len, int32_t column);

/* Writes node's dotted path into buf[len] (cut if longer). Returns buf. */
const char *jsonl_paths_name(const jsonl_paths *paths, int32_t node, char *buf, size_t len);

/* ============================== Parser (jsonl_parse.c) ==================== */

/* Kinds of a value found at a column's path. */
#define JSONL_MISSING 0 /* the path is not in the row */
#define JSONL_NULL    1
#define JSONL_FALSE   2
#define JSONL_TRUE    3
#define JSONL_NUMBER  4
#define JSONL_STRING  5
#define JSONL_OBJECT  6
#define JSONL_ARRAY   7

/* One column's value in the parsed row. `text` points into the line (a
 * number, an object or array as written, a string without escapes) or into
 * the parser's scratch buffer (a decoded string); valid until the next
 * parse. */
typedef struct jsonl_value {
    uint32_t kind;
    int32_t node; /* the path node the value was found at */
    const char *text;
    size_t len;
    uint32_t has_frac;   /* numbers: a fraction part */
    uint32_t has_exp;    /* numbers: an exponent */
    uint32_t int_digits; /* numbers: significant integer digits */
    uint32_t frac_digits;
    int64_t row; /* the row that set it: older values read as missing */
} jsonl_value;

typedef struct jsonl_parser {
    const quire_host *host;
    jsonl_paths *paths;
    jsonl_value *values; /* one per column, indexed by column */
    size_t ncolumns;
    const uint8_t *needed; /* NULL, or needed[c] == 0: column c is not read */
    char *scratch;         /* decoded strings of the current line */
    size_t scratch_len, scratch_cap;
    int64_t row; /* serial of the current parse (starts at 1) */
    /* the current line */
    const char *text;
    size_t len, pos;
} jsonl_parser;

/* Parses `text[0..len)`, one JSON object, recording in parser->values the
 * value at every column's path (those not in the row keep an older `row`).
 * In discovery mode (paths->discover) it also grows the path tree and (mode
 * 1) marks what each path held. Returns QUIRE_OK, or QUIRE_ERR with *err =
 * "NAME:LINE:COL: what" (QUIRE_E_INVALID), or QUIRE_E_NOMEM. */
int jsonl_parse_line(jsonl_parser *parser, const char *name, int64_t line, const char *text,
                     size_t len, quire_error *err);

/* Frees the parser's scratch buffer (not paths or values). */
void jsonl_parser_free(jsonl_parser *parser);

/* Copies the JSON text json[0..len) (valid JSON) into out without blanks
 * outside strings; out needs len bytes. Returns the bytes written. */
size_t jsonl_minify(const char *json, size_t len, char *out);

/* ============================== Inference (jsonl_infer.c) ================= */

/* Accounts for one value in its column's inference (support_infer_*):
 * what its JSON kind and text could be. NULL and missing values are not
 * evidence. */
void jsonl_infer_add(support_infer *infer, const jsonl_value *value);

/* ============================== Options (jsonl_options.c) ================= */

/* A column selected by the `columns` option. */
typedef struct jsonl_column_spec {
    char *path; /* dotted path, owned */
    char *name; /* the column's name (the path unless renamed with `as`), owned */
} jsonl_column_spec;

/* A source's options, parsed and checked. Strings are owned copies. */
typedef struct jsonl_options {
    char *path; /* as written; NULL only if not required */
    int skip_bad_rows;
    support_type_override *types;
    size_t ntypes;
    const quire_option *types_option; /* where `types` was written, or NULL */
    jsonl_column_spec *columns;       /* NULL: every path of the sample */
    size_t ncolumns;
    const quire_option *columns_option;
    int64_t infer_rows;
} jsonl_options;

/* The option names, for messages: "path, infer_rows, ...". */
extern const char jsonl_option_names[];

/* Parses args->options into *opts (zeroed first). `default_infer_rows` is
 * the admin's infer_rows; `path_required` is 0 only for the fuzzer. On
 * failure fills *err (QUIRE_E_INVALID, naming the option's location) and
 * returns QUIRE_ERR; *opts then needs no freeing. On success the caller
 * frees with jsonl_options_free(). */
int jsonl_options_parse(const quire_host *host, const quire_source_args *args,
                        int64_t default_infer_rows, int path_required, jsonl_options *opts,
                        quire_error *err);

void jsonl_options_free(const quire_host *host, jsonl_options *opts);

/* ============================== Plugin glue (jsonl.c) ===================== */

/* The plugin state built by init() from the admin's [source.jsonl]. */
typedef struct jsonl_plugin {
    const quire_host *host;
    quire_plugin *self;
    int64_t max_line_size;
    int64_t infer_rows;
} jsonl_plugin;

/* open() with the input supplied by the caller instead of the path option:
 * the fuzzer's entry point. `name` names the input in messages; `size` is
 * its size in bytes, or -1 if unknown. On success *instance is what the
 * ops' close() releases; the reader context must outlive it. */
int jsonl_open_reader(jsonl_plugin *plugin, const quire_source_args *args, const char *name,
                      jsonl_read_fn read, void *ctx, int64_t size, void **instance,
                      quire_error *err);

/* ============================== Instance (jsonl.c, jsonl_open.c) ========== */

/* A sampled line: bytes [off, off + len) of sample_bytes. */
typedef struct jsonl_sample_line {
    size_t off, len;
    int64_t number;
    int oversize; /* longer than max_line_size: not stored */
} jsonl_sample_line;

/* One open source: the plugin's instance, from open() until close(). */
typedef struct jsonl_source {
    const jsonl_plugin *plugin;
    const quire_host *host;
    jsonl_options opt;
    char *name; /* the input, as messages name it */
    int fd;     /* -1 when the caller supplies the reader */
    jsonl_read_fn read;
    void *read_ctx;
    jsonl_reader *reader;
    int reader_done;
    int64_t input_size;  /* bytes, or -1 if unknown */
    int64_t range_start; /* this partition's first byte */
    int64_t range_end;   /* past its last byte, or -1: to the end */

    jsonl_paths paths;
    jsonl_parser parser;
    jsonl_value *values; /* one per column */
    size_t ncols;
    quire_column_info *columns; /* the schema; names owned */
    support_column *cols;
    uint8_t *needed; /* from project(), or NULL */

    /* The sample: lines read by open(); replayed by next() unless the
     * instance reads a partition that starts elsewhere. */
    char *sample_bytes;
    size_t sample_nbytes, sample_bytes_cap;
    jsonl_sample_line *sample;
    size_t sample_rows, sample_cap, replayed;
    int replay;
    int sample_hit_eof; /* the whole input fit in the sample */
    int64_t sample_end; /* input offset after the sample */

    int64_t delivered; /* rows handed out */
    int64_t skipped;   /* bad lines dropped (on_error = skip) */
    int failed;        /* next() failed: it keeps failing the same way */
    quire_error failure;
} jsonl_source;

/* ============================== Open and free (jsonl_open.c) ============== */

/* open() for both inputs: the path option (read == NULL) or the reader
 * `read`/`ctx` of an input of `size` bytes (-1: unknown) named `name`.
 * Parses the options, reads the sample, makes and types the columns and,
 * for a partition, positions the reader on its range. QUIRE_OK with *out
 * (freed by jsonl_source_free), or QUIRE_ERR with *err and *out NULL. */
int jsonl_source_open(jsonl_plugin *plugin, const quire_source_args *args, const char *name,
                      jsonl_read_fn read, void *ctx, int64_t size, jsonl_source **out,
                      quire_error *err);

/* Frees an instance and everything it owns. NULL is a no-op. */
void jsonl_source_free(jsonl_source *src);

/* Parses sample line i into src->values: QUIRE_OK, or QUIRE_ERR with *err
 * (QUIRE_E_INVALID: the line is bad). */
int jsonl_sample_parse(jsonl_source *src, size_t i, quire_error *err);

/* Frees the sample's lines (src->sample_rows keeps its count). */
void jsonl_sample_free(jsonl_source *src);

#endif /* QUIRE_JSONL_H */
