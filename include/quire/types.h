/*
 * quire/types.h - typed values and columnar row batches, the currency between
 * data-source plugins and the kernel's aggregation core.
 *
 * Part of the public plugin ABI (versioning rules in quire/plugin.h). Rows
 * travel in batches of columns, not one at a time, so the hot loop touches
 * contiguous arrays. Money is exact: QUIRE_TYPE_DECIMAL is a scaled 64-bit
 * integer (value = i64 / 10^scale), never binary floating point.
 */
#ifndef QUIRE_TYPES_H
#define QUIRE_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ============================== Value types =============================== */

#define QUIRE_TYPE_NULL 0      /* only for a column whose type is unknown yet */
#define QUIRE_TYPE_BOOL 1      /* i64: 0 or 1 */
#define QUIRE_TYPE_INT 2       /* i64 */
#define QUIRE_TYPE_DECIMAL 3   /* i64 scaled by 10^scale */
#define QUIRE_TYPE_FLOAT 4     /* f64 */
#define QUIRE_TYPE_STRING 5    /* str: UTF-8, not NUL-terminated */
#define QUIRE_TYPE_DATE 6      /* i64: days since 1970-01-01 */
#define QUIRE_TYPE_TIMESTAMP 7 /* i64: microseconds since 1970-01-01T00:00:00Z */

/* A string slice. The bytes belong to whoever owns the batch's arena. */
typedef struct quire_str {
    const char *ptr;
    size_t len;
} quire_str;

/* One column of a source's schema. */
typedef struct quire_column_info {
    const char *name; /* as written in report definitions */
    uint32_t type;    /* QUIRE_TYPE_* */
    int32_t scale;    /* decimal places for QUIRE_TYPE_DECIMAL, else 0 */
} quire_column_info;

/* ============================== Options =================================== */

/* One option from the report definition's source block (`path = "x.csv"`),
 * with where it was written so errors can point at it. */
typedef struct quire_option {
    const char *key;
    const char *value;
    const char *file; /* definition file, or "command line" (line 0, column =
                         argument index) for options given on the CLI */
    uint32_t line;
    uint32_t column;
} quire_option;

/* ============================== Batches =================================== */

/* One column of a batch: `rows` values in the array matching its type, and a
 * null map (nulls[i] != 0: row i is NULL, its value slot is ignored). */
typedef struct quire_column {
    uint32_t type;
    int32_t scale;
    uint8_t *nulls;
    union {
        int64_t *i64; /* BOOL, INT, DECIMAL, DATE, TIMESTAMP */
        double *f64;  /* FLOAT */
        quire_str *str; /* STRING */
    } v;
} quire_column;

/*
 * A batch of rows, allocated by the kernel with the source's schema and a
 * row capacity. The source fills up to `capacity` rows and sets `rows` and
 * `first_row` (the 1-based ordinal of row 0 in the stream). The kernel does
 * not clear values or null flags between fills: the source writes both for
 * every row it fills. String bytes go in `arena`, which the kernel resets
 * before the next fill, so a source never frees them. `source_line` may be
 * NULL; when not, the source stores each row's input line there so errors
 * further down can name it.
 */
typedef struct quire_batch {
    uint32_t size;          /* sizeof(quire_batch) as the kernel knows it */
    uint32_t capacity;      /* rows allocated per column */
    uint32_t rows;          /* rows filled by the source */
    uint32_t ncolumns;
    quire_column *columns;  /* ncolumns, in schema order */
    quire_arena *arena;     /* for string bytes of this batch */
    int64_t first_row;
    int64_t *source_line;   /* capacity entries, may be ignored (0) */
} quire_batch;

#ifdef __cplusplus
}
#endif

#endif /* QUIRE_TYPES_H */
