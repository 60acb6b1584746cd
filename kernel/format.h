/*
 * format.h - turning values into text: the canonical form (what `||` and a
 * field without a pattern print) and locale-aware patterns in the style of
 * Java's DecimalFormat and SimpleDateFormat (see docs/report-language.md,
 * "Formatting patterns").
 *
 * Number patterns: "#,##0.00", "0.0%", "'EUR' #,##0.00;('EUR' #,##0.00)".
 *   0 a digit, always shown     # a digit, shown when significant
 *   , grouping separator         . decimal separator
 *   % multiply by 100, show %    ‰ multiply by 1000, show ‰
 *   'text' literal text ('' is a quote)     ; then the negative subpattern
 *   (only its prefix and suffix are used, as in Java). Anything else in the
 *   prefix or suffix is literal. Rounding is half away from zero (Java uses
 *   half-even; money is rounded the way people do it by hand). Decimals and
 *   ints format exactly; floats format from their shortest round-trip text.
 *   A value that rounds to zero prints without a minus sign.
 * Date patterns (timestamps are shown in UTC):
 *   yyyy 2024  yy 24  M 1  MM 01  MMM Jan  MMMM January  d 5  dd 05
 *   EEE Mon  EEEE Monday  H 7  HH 07  h 7  hh 07 (1-12)  mm 05  ss 09
 *   S.. the first digits of the second's fraction (SSS: milliseconds)
 *   a AM/PM   'text' literal text. Other letters are errors; other
 *   characters are literal.
 *
 * Everything here is pure and thread-safe; locales are static tables.
 */
#ifndef QUIRE_FORMAT_H
#define QUIRE_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "value.h"

/* The symbols and names of one locale (UTF-8). Static, never freed. */
typedef struct fmt_locale {
    const char *tag;              /* "en-US", "de", ... */
    const char *decimal;          /* decimal separator */
    const char *group;            /* grouping separator */
    const char *minus;            /* minus sign */
    const char *percent;          /* % */
    const char *permille;         /* ‰ */
    const char *months[12];       /* MMMM, January first */
    const char *months_short[12]; /* MMM */
    const char *days[7];          /* EEEE, Monday first */
    const char *days_short[7];    /* EEE */
    const char *am, *pm;          /* a */
    int rtl;                      /* written right to left */
} fmt_locale;

/*
 * The locale for a BCP 47 tag ("de-AT", "pt_BR"; case does not matter):
 * the exact tag if known, else its language ("de"), else en-US. NULL or ""
 * is en-US. Known: en (en-US), en-GB, de, de-CH, fr, es, it, pt (Brazil),
 * pt-PT, nl, ar, he. Never NULL.
 */
const fmt_locale *fmt_locale_get(const char *bcp47);

/*
 * Checks `pattern` for values of `type` (QUIRE_TYPE_*): number types take a
 * number pattern, DATE and TIMESTAMP a date pattern (DATE refuses time
 * letters), BOOL and STRING take none; QUIRE_TYPE_NULL (type not known yet)
 * accepts either kind. Returns 0, or -1 with the reason in why[why_len]
 * ("unterminated quote", "unknown pattern letter 'Q'"), always
 * NUL-terminated when why_len > 0.
 */
int fmt_pattern_check(const char *pattern, uint32_t type, char *why, size_t why_len);

/*
 * Writes `v` as text into buf[cap], snprintf-like: returns the length the
 * whole text needs and NUL-terminates when cap > 0 (truncating).
 * pattern NULL or "": the canonical text, the same in every locale:
 *   NULL ""   BOOL true/false   INT -42   DECIMAL 12.50 (exactly its scale)
 *   FLOAT shortest round-trip text (1000, 0.0025, 1e+22, inf, -inf, nan)
 *   STRING its bytes   DATE 2024-01-31   TIMESTAMP 2024-01-31T10:00:00Z
 *   (or ...:00.250000Z with a fraction; UTC).
 * With a pattern, numbers and dates are formatted as described above, in
 * `loc` (NULL: en-US). A pattern that fmt_pattern_check() refuses, and any
 * pattern on a BOOL or STRING, gives the canonical text.
 */
size_t fmt_value(const qv *v, const char *pattern, const fmt_locale *loc, char *buf, size_t cap);

/*
 * A pattern read once for formatting many values: a field applies its
 * pattern to every row, and reading the pattern costs more than formatting
 * a number with it.
 */
typedef struct fmt_compiled fmt_compiled;

/* Reads `pattern` (kept by pointer, not copied: it must outlive the
 * result). Any pattern is accepted, as fmt_value() accepts any. Returns
 * NULL when out of memory; the caller frees the result with
 * fmt_compiled_free(). */
fmt_compiled *fmt_compile(const char *pattern);
void fmt_compiled_free(fmt_compiled *c);

/* Exactly fmt_value(v, pattern, loc, buf, cap) for the pattern `c` was
 * compiled from, byte for byte; whole and decimal numbers take a shorter
 * road than the digit string fmt_value() builds. */
size_t fmt_value_compiled(const qv *v, const fmt_compiled *c, const fmt_locale *loc, char *buf,
                          size_t cap);

#endif /* QUIRE_FORMAT_H */
