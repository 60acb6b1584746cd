/*
 * csv.h - internal interfaces of the csv source plugin, shared by its files
 * and by the fuzzer (tests/fuzz/fuzz_csv.c), which compiles them directly:
 *
 *   csv_lexer.c    RFC 4180 tokenizer: bytes in read_buffer chunks -> records
 *   csv_value.c    exact value parsers (int, decimal, date, ...), UTF-8 check
 *   csv_infer.c    type inference over the sample rows
 *   csv_options.c  the per-source options of a report definition
 *   csv.c          the plugin: descriptor, config schema, source ops
 *
 * Nothing here is part of the plugin ABI. Only include/quire headers and the
 * host table are used: the plugin links against no kernel symbol.
 */
#ifndef QUIRE_CSV_H
#define QUIRE_CSV_H

#include <stddef.h>
#include <stdint.h>

#include <quire/source.h>

/* The widest record the lexer accepts before the column count is known. */
#define CSV_MAX_COLUMNS 16384
/* Decimal columns inferred from data have at most this many digits, so every
 * value fits an int64 whatever its scale. */
#define CSV_DECIMAL_DIGITS 18

/* ============================== Lexer (csv_lexer.c) ======================= */

/* Reads up to `cap` bytes into buf. Returns the count, 0 at end of input, or
 * -1 after filling *err (code QUIRE_E_IO). */
typedef ptrdiff_t (*csv_read_fn)(void *ctx, char *buf, size_t cap, quire_error *err);

/* One field of a record: bytes [off, off + len) of the record's buffer, with
 * quotes removed and "" unescaped. */
typedef struct csv_field {
    size_t off;
    size_t len;
    int quoted; /* written between quotes: never a NULL token */
} csv_field;

/* One record (row). Valid until the next csv_lexer_next(). */
typedef struct csv_record {
    const char *bytes;
    const csv_field *fields; /* min(nfields, the lexer's field limit) entries */
    size_t nfields;          /* fields the record has (may exceed those stored) */
    int64_t line;            /* physical line the record starts on, 1-based */
    int64_t end_offset;      /* input offset just past the record's line end */
} csv_record;

typedef struct csv_lexer_opts {
    unsigned char delimiter;
    int quote;          /* quote byte, or -1: no quoting */
    size_t max_field;   /* bytes; a longer field is an error */
    size_t read_buffer; /* bytes read at a time */
} csv_lexer_opts;

typedef struct csv_lexer csv_lexer;

/* Creates a lexer reading through `read`/`ctx`. `path` names the input in
 * messages and must outlive the lexer. Returns NULL on allocation failure.
 * The caller owns it: csv_lexer_free(). */
csv_lexer *csv_lexer_new(const quire_host *host, const char *path, csv_read_fn read, void *ctx,
                         const csv_lexer_opts *opts);

/* From now on store at most `nfields` fields per record; the rest are only
 * counted (so a ragged record's size is known without storing it). Before
 * this call a record of more than CSV_MAX_COLUMNS fields is an error. */
void csv_lexer_expect(csv_lexer *lexer, size_t nfields);

/* Reads the next record into *rec, skipping empty lines and a leading UTF-8
 * byte order mark. Returns QUIRE_OK, QUIRE_DONE at the end of the input, or
 * QUIRE_ERR with *err set ("PATH:LINE: ..."): syntax errors are final, the
 * lexer cannot resynchronise after them. */
int csv_lexer_next(csv_lexer *lexer, csv_record *rec, quire_error *err);

/* Input bytes consumed so far (the offset just past the last record). */
int64_t csv_lexer_offset(const csv_lexer *lexer);

/* Frees the lexer. NULL is a no-op. */
void csv_lexer_free(csv_lexer *lexer);

/* Grows the host-allocated array *ptr (capacity *cap elements of `elem`
 * bytes) to hold at least `need` elements, doubling. Returns 0, or -1 on
 * overflow or allocation failure (then *ptr and *cap are unchanged). */
int csv_grow(const quire_host *host, void **ptr, size_t *cap, size_t need, size_t elem);

/* ============================== Values (csv_value.c) ====================== */

/* What a text could be, for inference (csv_classify). */
#define CSV_FIT_BOOL      (1u << 0) /* true / false */
#define CSV_FIT_INT       (1u << 1) /* int64, no leading zeros */
#define CSV_FIT_DECIMAL   (1u << 2) /* digits with at most one '.' */
#define CSV_FIT_FLOAT     (1u << 3) /* a finite number, maybe with exponent */
#define CSV_FIT_DATE      (1u << 4) /* YYYY-MM-DD */
#define CSV_FIT_TIMESTAMP (1u << 5) /* a date, or date and time */
#define CSV_FIT_ALL       0x3fu

/* Classifies s[0..n): a CSV_FIT_* mask. For CSV_FIT_DECIMAL, *int_digits
 * gets the significant digits before the '.' and *scale those after it. */
unsigned csv_classify(const char *s, size_t n, int *int_digits, int *scale);

/* Parsers for a column's declared type. Each returns 0 and stores the value,
 * or -1 if s[0..n) is not a value of the type (overflow included).
 *   bool:      true/false, t/f, yes/no, y/n, 1/0 (any case)
 *   int:       [+-]digits, within int64
 *   decimal:   [+-]digits[.digits] scaled by 10^scale exactly; more
 *              fractional digits than `scale` only if they are zeros
 *   float:     decimal text with optional exponent, inf, infinity, nan
 *   date:      YYYY-MM-DD, a real calendar day -> days since 1970-01-01
 *   timestamp: a date, or YYYY-MM-DD(T| )HH:MM:SS[.f{1,6}][Z|+HH:MM|-HH:MM]
 *              -> microseconds since 1970-01-01T00:00:00Z */
int csv_parse_bool(const char *s, size_t n, int64_t *out);
int csv_parse_int(const char *s, size_t n, int64_t *out);
int csv_parse_decimal(const char *s, size_t n, int32_t scale, int64_t *out);
int csv_parse_float(const char *s, size_t n, double *out);
int csv_parse_date(const char *s, size_t n, int64_t *out);
int csv_parse_timestamp(const char *s, size_t n, int64_t *out);

/* Days from 1970-01-01 to year-month-day (proleptic Gregorian), in integer
 * arithmetic (Howard Hinnant's days_from_civil). Valid for any month 1..12
 * and day 1..31; the caller checks the day exists. */
int64_t csv_days_from_civil(int64_t year, unsigned month, unsigned day);

/* Offset of the first byte of s[0..n) that is not part of valid UTF-8
 * (overlong forms, surrogates and code points past U+10FFFF are invalid),
 * or n if it is all valid. */
size_t csv_utf8_invalid_at(const char *s, size_t n);

/* Copies s[0..n) into buf[len] for a one-line message: control bytes as \n,
 * \t, \r, \xNN, and text longer than 60 bytes cut with "...". Returns buf. */
const char *csv_show(const char *s, size_t n, char *buf, size_t len);

/* ============================== Inference (csv_infer.c) =================== */

/* What the non-NULL values of one column seen so far have in common. */
typedef struct csv_infer {
    unsigned fits;   /* CSV_FIT_* true of every value */
    int int_digits;  /* most significant integer digits of any value */
    int scale;       /* most fractional digits of any value */
    uint64_t values; /* non-NULL values seen */
} csv_infer;

void csv_infer_init(csv_infer *infer);

/* Accounts for one non-NULL value. */
void csv_infer_add(csv_infer *infer, const char *s, size_t n);

/* The narrowest type every value seen fits: bool, int, decimal(scale),
 * float, date, timestamp, else string (also when no value was seen). */
void csv_infer_type(const csv_infer *infer, uint32_t *type, int32_t *scale);

/* ============================== Options (csv_options.c) =================== */

/* A column type set by the `types` option. */
typedef struct csv_type_override {
    char *name;    /* column name, owned */
    uint32_t type; /* QUIRE_TYPE_* */
    int32_t scale;
    int used; /* matched a column */
} csv_type_override;

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
    csv_type_override *types;
    size_t ntypes;
    const quire_option *types_option; /* where `types` was written, or NULL */
    int64_t infer_rows;
} csv_options;

/* The option names, for messages: "path, delimiter, ...". */
extern const char csv_option_names[];

/* Formats where an option was written: "FILE:LINE:COL", or "FILE argument
 * COL" when LINE is 0 (command lines), or "FILE". Returns buf. */
const char *csv_option_where(const quire_option *option, char *buf, size_t len);

/* Parses args->options into *opts (zeroed first). `default_infer_rows` is
 * the admin's infer_rows. `path_required`: 0 only for the fuzzer, which
 * supplies its own input. On failure fills *err (QUIRE_E_INVALID, naming
 * the option's location) and returns QUIRE_ERR; *opts then needs no
 * freeing. On success the caller frees with csv_options_free(). */
int csv_options_parse(const quire_host *host, const quire_source_args *args,
                      int64_t default_infer_rows, int path_required, csv_options *opts,
                      quire_error *err);

void csv_options_free(const quire_host *host, csv_options *opts);

/* ============================== Plugin glue (csv.c) ======================= */

/* The plugin state built by init() from the admin's [source.csv] section. */
typedef struct csv_plugin {
    const quire_host *host;
    quire_plugin *self;
    int64_t max_field_size;
    int64_t infer_rows;
    int64_t read_buffer;
} csv_plugin;

/* open() with the input supplied by the caller instead of the path option:
 * the fuzzer's entry point. `name` is used in messages; `size` is the input
 * size for estimate(), or -1. On success *instance is what ops->close()
 * releases; the reader context must outlive it. */
int csv_open_reader(csv_plugin *plugin, const quire_source_args *args, const char *name,
                    csv_read_fn read, void *ctx, int64_t size, void **instance, quire_error *err);

#endif /* QUIRE_CSV_H */
