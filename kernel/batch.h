/*
 * batch.h - allocating the columnar row batches (quire_batch, quire/types.h)
 * that the kernel hands to data-source plugins, and printing their cells in
 * the canonical text form used by `quire data preview` and the tests.
 *
 * A batch is allocated once for a schema and a row capacity and then reused:
 * batch_reset() before each fill forgets the rows and the string bytes of
 * the previous fill without freeing the column arrays.
 *
 * Threading: a batch belongs to one thread at a time (its arena is not
 * thread-safe).
 */
#ifndef QUIRE_BATCH_H
#define QUIRE_BATCH_H

#include <stdio.h>

#include <quire/types.h>

/* Flags for batch_new(). */
#define BATCH_LINES (1u << 0) /* allocate source_line (capacity entries) */

/*
 * Allocates a batch for `ncolumns` columns of the types in `columns` (type
 * and scale are copied; the names are not used) with room for `capacity`
 * rows. Every column gets a value array of the width its type needs and a
 * null map; STRING bytes go to the batch's own arena. With BATCH_LINES the
 * batch also has source_line, else that pointer is NULL. first_row starts
 * at 1 and rows at 0.
 * Returns NULL if capacity is 0, a type is unknown or memory runs out.
 * The caller owns the batch: batch_free().
 */
quire_batch *batch_new(const quire_column_info *columns, size_t ncolumns, uint32_t capacity,
                       unsigned flags);

/* Makes the batch empty for the next fill: rows = 0, source lines zeroed,
 * the arena reset (string slices of the previous fill become invalid). The
 * column arrays stay allocated; first_row is left for the source to set. */
void batch_reset(quire_batch *batch);

/* Frees the batch, its arrays and its arena. NULL is a no-op. */
void batch_free(quire_batch *batch);

/* Writes the name of a column type as users read it: "int", "decimal(2)",
 * "timestamp", ... into buf[len] (always NUL-terminated). Returns buf. */
const char *batch_type_text(uint32_t type, int32_t scale, char *buf, size_t len);

/*
 * Writes cell (row, col) of `batch` to `out` in canonical text form:
 *   NULL        \N
 *   BOOL        true / false
 *   INT         -42
 *   DECIMAL     12.50 (exactly `scale` fractional digits)
 *   FLOAT       shortest text that reads back as the same double; inf, -inf, nan
 *   DATE        1999-12-31 (ISO 8601, proleptic Gregorian; years outside
 *               0000..9999 get a sign and more digits)
 *   TIMESTAMP   2024-02-29T13:45:00Z, or ...:00.123456Z when it has microseconds
 *   STRING      the bytes, with \ as \\, tab as \t, newline as \n, CR as \r
 *               and other control bytes as \xNN, so a cell never spans a
 *               column or a line and \N stays unambiguous.
 * Returns 0, or -1 if writing failed (ferror).
 */
int batch_format_cell(const quire_batch *batch, uint32_t col, uint32_t row, FILE *out);

/* Writes text[0..len) escaped as batch_format_cell writes STRING cells. */
void batch_write_text(const char *text, size_t len, FILE *out);

#endif /* QUIRE_BATCH_H */
