/*
 * jsonl_value.h - text to typed values, exactly (jsonl_value.c): the rules
 * the jsonl plugin reads a value's text by, in the csv plugin's syntax. The
 * sqlite plugin compiles jsonl_value.c in as well (plugins/sqlite/
 * sqlite_value.c), so `types` overrides and dates read the same in both.
 * Depends only on include/quire.
 */
#ifndef QUIRE_JSONL_VALUE_H
#define QUIRE_JSONL_VALUE_H

#include <stddef.h>
#include <stdint.h>

#include <quire/plugin.h>
#include <quire/types.h>

/* Decimals have at most this many digits, so each fits an int64. */
#define JSONL_DECIMAL_DIGITS 18

/* ============================== Values (jsonl_value.c) ==================== */

/* Text parsers for a column's type, the same syntax the csv plugin reads.
 * Each returns 0 and stores the value, or -1 if s[0..n) is not a value of
 * the type (overflow included).
 *   bool:      true/false, t/f, yes/no, y/n, 1/0 (any case)
 *   int:       [+-]digits, within int64
 *   decimal:   [+-]digits[.digits] scaled by 10^scale exactly; digits past
 *              the scale only if they are zeros
 *   float:     [+-]digits[.digits][e[+-]digits], finite; inf, infinity, nan
 *   date:      YYYY-MM-DD, a real calendar day -> days since 1970-01-01
 *   timestamp: a date, or YYYY-MM-DD(T| )HH:MM:SS[.f{1,6}][Z|+HH:MM|-HH:MM]
 *              -> microseconds since 1970-01-01T00:00:00Z */
int jsonl_parse_bool(const char *s, size_t n, int64_t *out);
int jsonl_parse_int(const char *s, size_t n, int64_t *out);
int jsonl_parse_decimal(const char *s, size_t n, int32_t scale, int64_t *out);
int jsonl_parse_float(const char *s, size_t n, double *out);
int jsonl_parse_date(const char *s, size_t n, int64_t *out);
int jsonl_parse_timestamp(const char *s, size_t n, int64_t *out);

/* Length of the valid UTF-8 sequence at s[0..n) (n > 0), or 0 if s starts
 * with an invalid one (overlong, surrogate, past U+10FFFF, truncated). */
size_t jsonl_utf8_len(const unsigned char *s, size_t n);

/* Copies s[0..n) into buf[len] for a one-line message: control bytes as \n,
 * \t, \r, \xNN, invalid UTF-8 as \xNN, text past 60 bytes cut with "...".
 * Returns buf. */
const char *jsonl_show(const char *s, size_t n, char *buf, size_t len);

/* "int", "decimal(2)", ... as the `types` option spells them. Returns buf. */
const char *jsonl_type_text(uint32_t type, int32_t scale, char *buf, size_t len);

/* ============================== The types option ========================== */

/* A column type set by the `types` option. */
typedef struct jsonl_type_override {
    char *name; /* column name, owned */
    uint32_t type;
    int32_t scale;
    int used; /* matched a column */
} jsonl_type_override;

/* Formats where an option was written: "FILE:LINE:COL", or "FILE argument
 * COL" when LINE is 0 (command lines), or "FILE". Returns buf. */
const char *jsonl_option_where(const quire_option *option, char *buf, size_t len);

/* Parses a `types` option, "name:type, name:type" (types as `bool, int,
 * decimal(SCALE), float, string, date, timestamp`), into a host-allocated
 * array *out of *count entries (freed by the caller, names too, also after
 * a failure). Errors read "WHERE: PLUGIN: types: ..." (QUIRE_E_INVALID). */
int jsonl_types_parse(const quire_host *host, const char *plugin, const quire_option *option,
                      jsonl_type_override **out, size_t *count, quire_error *err);

#endif /* QUIRE_JSONL_VALUE_H */
