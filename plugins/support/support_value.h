/*
 * support_value.h - text to typed values, exactly, for the source plugins
 * that read text (csv, jsonl, sqlite): the parsers a column's type reads a
 * value by (support_value.c), what a text could be for type inference
 * (support_infer.c), and UTF-8 checks and one-line quoting of values for
 * messages (support_text.c). One syntax for all of them, so that a `types`
 * override, a date or a decimal reads the same from every source.
 *
 * plugins/support is not a plugin: a plugin whose plugin.mk sets
 * <name>_SUPPORT := yes gets these files compiled in. Only include/quire
 * headers are used; nothing here is exported from the plugin.
 */
#ifndef QUIRE_SUPPORT_VALUE_H
#define QUIRE_SUPPORT_VALUE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <quire/types.h>

/* Decimals have at most this many digits, so every value fits an int64
 * whatever its scale; it is also the largest scale `types` accepts. */
#define SUPPORT_DECIMAL_DIGITS 18

/* ============================== Parsers (support_value.c) ================= */

/* Parsers for a column's type. Each returns 0 and stores the value in *out,
 * or returns -1 if s[0..n) is not a value of the type (overflow included;
 * *out is then undefined). s need not be NUL-terminated.
 *   bool:      true/false, t/f, yes/no, y/n, 1/0 (any case) -> 1/0
 *   int:       [+-]digits, within int64
 *   decimal:   [+-]digits[.digits] scaled by 10^scale exactly (scale 0..18);
 *              more fractional digits than `scale` only if they are zeros
 *   float:     [+-]digits[.digits][e[+-]digits] (at most 511 bytes), finite;
 *              inf, infinity, nan (any case, signed)
 *   date:      YYYY-MM-DD, a real calendar day -> days since 1970-01-01
 *   timestamp: a date, or YYYY-MM-DD(T| )HH:MM:SS[.f{1,6}][Z|+HH:MM|-HH:MM]
 *              -> microseconds since 1970-01-01T00:00:00Z */
int support_parse_bool(const char *s, size_t n, int64_t *out);
int support_parse_int(const char *s, size_t n, int64_t *out);
int support_parse_decimal(const char *s, size_t n, int32_t scale, int64_t *out);
int support_parse_float(const char *s, size_t n, double *out);
int support_parse_date(const char *s, size_t n, int64_t *out);
int support_parse_timestamp(const char *s, size_t n, int64_t *out);

/* What a value could be (SUPPORT_FIT_* masks). */
#define SUPPORT_FIT_BOOL      (1u << 0) /* true / false */
#define SUPPORT_FIT_INT       (1u << 1) /* int64, no leading zeros */
#define SUPPORT_FIT_DECIMAL   (1u << 2) /* digits with at most one '.' */
#define SUPPORT_FIT_FLOAT     (1u << 3) /* a finite number, maybe with exponent */
#define SUPPORT_FIT_DATE      (1u << 4) /* YYYY-MM-DD */
#define SUPPORT_FIT_TIMESTAMP (1u << 5) /* a date, or date and time */
#define SUPPORT_FIT_ALL       0x3fu

/* Classifies the untyped text s[0..n) (a CSV field): a SUPPORT_FIT_* mask,
 * 0 for a string. "true"/"false" are bools (other spellings are strings);
 * a number with a leading zero ("007") is a string; dates and timestamps
 * are the parsers' syntax. For SUPPORT_FIT_DECIMAL, *int_digits gets the
 * significant digits before the '.' and *scale those after it (both capped
 * at 1000); otherwise both are 0. */
unsigned support_classify(const char *s, size_t n, int *int_digits, int *scale);

/* Parses s[0..n) as a value of column col's type (bool, int, decimal at
 * col->scale, float, date, timestamp) into row `row` of the column: 0, or
 * -1 if it is not one (the cell is then undefined) or the type is another
 * (string, say: the caller stores those). Inline, for the row loops. */
static inline int support_parse_cell(quire_column *col, uint32_t row, const char *s, size_t n)
{
    switch (col->type) {
    case QUIRE_TYPE_BOOL: return support_parse_bool(s, n, &col->v.i64[row]);
    case QUIRE_TYPE_INT: return support_parse_int(s, n, &col->v.i64[row]);
    case QUIRE_TYPE_DECIMAL: return support_parse_decimal(s, n, col->scale, &col->v.i64[row]);
    case QUIRE_TYPE_FLOAT: return support_parse_float(s, n, &col->v.f64[row]);
    case QUIRE_TYPE_DATE: return support_parse_date(s, n, &col->v.i64[row]);
    case QUIRE_TYPE_TIMESTAMP: return support_parse_timestamp(s, n, &col->v.i64[row]);
    default: return -1;
    }
}

/* ============================== Inference (support_infer.c) =============== */

/* What the non-NULL values of one column seen so far have in common. */
typedef struct support_infer {
    unsigned fits;   /* SUPPORT_FIT_* true of every value */
    int int_digits;  /* most significant integer digits of any value */
    int scale;       /* most fractional digits of any value */
    uint64_t values; /* non-NULL values seen */
} support_infer;

/* Starts with no value seen: every type still fits. */
void support_infer_init(support_infer *infer);

/* Accounts for one non-NULL value that fits `fits` (SUPPORT_FIT_*); when
 * that includes SUPPORT_FIT_DECIMAL, int_digits and scale are its digits
 * before and after the point (widening the column's). */
void support_infer_add(support_infer *infer, unsigned fits, int int_digits, int scale);

/* One column of a source that infers types from a sample (csv, jsonl). */
typedef struct support_column {
    uint32_t type; /* QUIRE_TYPE_* */
    int32_t scale;
    int overridden;      /* set by `types`, not inferred */
    support_infer infer; /* what the sample said (for the hint in messages) */
} support_column;

/* Once the sample is read: every column not `overridden` takes the type
 * its inference says (support_infer_type), and the schema columns[c] get
 * each cols[c]'s type and scale. */
void support_columns_type(quire_column_info *columns, support_column *cols, size_t ncolumns);

/* The narrowest type every value seen fits, in the order bool < int <
 * decimal(scale) < float, date < timestamp, string: a decimal needs at most
 * SUPPORT_DECIMAL_DIGITS digits in all, else it is float; no value seen, or
 * nothing in common: string. *scale is 0 unless the type is decimal. */
void support_infer_type(const support_infer *infer, uint32_t *type, int32_t *scale);

/* ============================== Text (support_text.c) ===================== */

/* 1 if s[0..n) is all ASCII, as most strings are: a few loads and no branch
 * per byte. Inline, for the row loops. */
static inline int support_all_ascii(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    uint64_t acc = 0, w;
    uint32_t h;

    if (n >= 8) {
        for (size_t i = 0; i + 8 <= n; i += 8) {
            memcpy(&w, s + i, 8);
            acc |= w;
        }
        memcpy(&w, s + n - 8, 8); /* the tail, overlapping */
        acc |= w;
    } else if (n >= 4) {
        memcpy(&h, s, 4);
        acc = h;
        memcpy(&h, s + n - 4, 4);
        acc |= h;
    } else {
        for (size_t i = 0; i < n; i++)
            acc |= s[i];
    }
    return (acc & UINT64_C(0x8080808080808080)) == 0;
}

/* Length of the valid UTF-8 sequence at s[0..n) (n > 0), or 0 if s starts
 * with an invalid one (a continuation byte, overlong, surrogate, past
 * U+10FFFF, truncated). */
size_t support_utf8_len(const unsigned char *s, size_t n);

/* Offset of the first byte of s[0..n) that is not part of valid UTF-8, or
 * n if it is all valid. */
size_t support_utf8_invalid_at(const char *s, size_t n);

/* Copies s[0..n) into buf[len] for a one-line message: control bytes as
 * \n, \t, \r, \xNN, invalid UTF-8 as \xNN, text past 60 bytes cut with
 * "...". Always NUL-terminates (len > 0). Returns buf. */
const char *support_show(const char *s, size_t n, char *buf, size_t len);

/* "int", "decimal(2)", ... as the `types` option spells a QUIRE_TYPE_*
 * (and "?" for an unknown one) into buf[len]. Returns buf. */
const char *support_type_text(uint32_t type, int32_t scale, char *buf, size_t len);

#endif /* QUIRE_SUPPORT_VALUE_H */
