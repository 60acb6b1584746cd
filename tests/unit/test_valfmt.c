/*
 * test_valfmt.c - values as text (kernel/format.c, format_locale.c): the
 * canonical form, number and date patterns in several locales, pattern
 * errors with their exact reasons, locale fallback and the snprintf-like
 * contract. Expected texts are worked out by hand (day numbers of dates
 * with Python's datetime, independently of the code under test).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "format.h"
#include "calendar.h"

/* Day numbers since 1970-01-01. */
#define D_2024_01_05 19727 /* a Friday */
#define D_2024_01_31 19753
#define D_2024_03_09 19791 /* a Saturday */
#define D_0005_06_07 (-717544)
#define D_2009_12_31 14609
/* 2024-03-09T15:04:05.123456Z in microseconds */
#define TS_2024_03_09     INT64_C(1709996645123456)
#define TS_2024_01_31_10H INT64_C(1706695200000000)
#define TS_2024_01_31_0H  INT64_C(1706659200000000)
#define TS_2024_01_31_12H INT64_C(1706702400000000)

#define NNBSP "\xE2\x80\xAF"
#define NBSP  "\xC2\xA0"

/* ============================== Helpers =================================== */

static qv date_v(int64_t days)
{
    qv v = qv_int(days);
    v.type = QUIRE_TYPE_DATE;
    return v;
}

static qv ts_v(int64_t us)
{
    qv v = qv_int(us);
    v.type = QUIRE_TYPE_TIMESTAMP;
    return v;
}

/* fmt_value(v, pattern, locale) must give exactly `expected`, and so must
 * the same pattern compiled (fmt_value_compiled). */
static void fmt_is(qv v, const char *pattern, const char *locale, const char *expected)
{
    char buf[256];
    size_t n = fmt_value(&v, pattern, fmt_locale_get(locale), buf, sizeof(buf));
    fmt_compiled *c;

    if (strcmp(buf, expected) != 0)
        fail_msg("pattern '%s' (%s): got '%s', expected '%s'", pattern ? pattern : "(none)",
                 locale ? locale : "default", buf, expected);
    assert_int_equal(n, strlen(expected));
    c = fmt_compile(pattern);
    assert_non_null(c);
    memset(buf, 0, sizeof(buf));
    n = fmt_value_compiled(&v, c, fmt_locale_get(locale), buf, sizeof(buf));
    fmt_compiled_free(c);
    if (strcmp(buf, expected) != 0)
        fail_msg("compiled pattern '%s' (%s): got '%s', expected '%s'",
                 pattern ? pattern : "(none)", locale ? locale : "default", buf, expected);
    assert_int_equal(n, strlen(expected));
}

static void canon_is(qv v, const char *expected)
{
    fmt_is(v, NULL, NULL, expected);
}

static void check_bad(const char *pattern, uint32_t type, const char *why)
{
    char buf[256] = "unset";

    assert_int_equal(fmt_pattern_check(pattern, type, buf, sizeof(buf)), -1);
    assert_string_equal(buf, why);
}

static void check_ok(const char *pattern, uint32_t type)
{
    char buf[256] = "unset";

    if (fmt_pattern_check(pattern, type, buf, sizeof(buf)) != 0)
        fail_msg("'%s' refused: %s", pattern, buf);
}

/* ============================== Canonical text ============================ */

static void test_canonical(void **state)
{
    (void)state;
    canon_is(qv_null(QUIRE_TYPE_DECIMAL), "");
    canon_is(qv_bool(1), "true");
    canon_is(qv_bool(0), "false");
    canon_is(qv_int(-42), "-42");
    canon_is(qv_int(INT64_MIN), "-9223372036854775808");
    canon_is(qv_decimal(1250, 2), "12.50");
    canon_is(qv_decimal(-5, 3), "-0.005");
    canon_is(qv_float(0.1), "0.1");
    canon_is(qv_float(1000.0), "1000");
    canon_is(qv_float(0.0025), "0.0025");
    canon_is(qv_float(-2.5), "-2.5");
    canon_is(qv_float(1e22), "1e+22");
    canon_is(qv_float(INFINITY), "inf");
    canon_is(qv_float(-INFINITY), "-inf");
    canon_is(qv_float(NAN), "nan");
    canon_is(qv_string("h\xC3\xA9llo", 6), "h\xC3\xA9llo");
    canon_is(qv_string(NULL, 0), "");
    canon_is(date_v(D_2024_01_31), "2024-01-31");
    canon_is(date_v(-1), "1969-12-31");
    canon_is(date_v(D_0005_06_07), "0005-06-07");
    canon_is(ts_v(TS_2024_01_31_10H), "2024-01-31T10:00:00Z");
    canon_is(ts_v(TS_2024_01_31_10H + 250000), "2024-01-31T10:00:00.250000Z");
    canon_is(ts_v(-1000000), "1969-12-31T23:59:59Z");
    /* an empty pattern is no pattern; a pattern never applies to text */
    fmt_is(qv_decimal(1250, 2), "", NULL, "12.50");
    fmt_is(qv_string("x", 1), "#,##0", NULL, "x");
    fmt_is(qv_bool(1), "0.00", NULL, "true");
    fmt_is(qv_null(QUIRE_TYPE_INT), "#,##0", NULL, "");
}

static void test_snprintf_contract(void **state)
{
    char buf[4];
    qv v = qv_decimal(123450, 2);

    (void)state;
    assert_int_equal(fmt_value(&v, "#,##0.00", NULL, buf, sizeof(buf)), 8); /* 1,234.50 */
    assert_string_equal(buf, "1,2");
    assert_int_equal(fmt_value(&v, "#,##0.00", NULL, NULL, 0), 8);
    assert_int_equal(fmt_value(&v, NULL, NULL, buf, 1), 7);
    assert_string_equal(buf, "");
}

/* ============================== Number patterns =========================== */

static void test_number_patterns(void **state)
{
    (void)state;
    fmt_is(qv_decimal(1234567891, 3), "#,##0.00", NULL, "1,234,567.89");
    /* half away from zero (Java's half-even would give 1,234.56) */
    fmt_is(qv_decimal(1234565, 3), "#,##0.00", NULL, "1,234.57");
    fmt_is(qv_decimal(-1234565, 3), "#,##0.00", NULL, "-1,234.57");
    fmt_is(qv_decimal(-12345, 1), "#,##0.00", NULL, "-1,234.50");
    fmt_is(qv_int(0), "#,##0.00", NULL, "0.00");
    fmt_is(qv_decimal(15, 1), "0.###", NULL, "1.5");
    fmt_is(qv_int(2), "0.###", NULL, "2");
    fmt_is(qv_decimal(4, 4), "0.###", NULL, "0");
    fmt_is(qv_decimal(5, 1), "#.##", NULL, ".5");
    fmt_is(qv_int(0), "#.##", NULL, "0");
    fmt_is(qv_int(0), "#", NULL, "0");
    fmt_is(qv_int(7), "000", NULL, "007");
    fmt_is(qv_int(12), "#.", NULL, "12.");
    fmt_is(qv_float(3.14159), "00.0", NULL, "03.1");
    fmt_is(qv_int(1234), "0", NULL, "1234");
    /* rounding that carries */
    fmt_is(qv_decimal(9995, 3), "0.00", NULL, "10.00");
    fmt_is(qv_decimal(9995, 1), "#,##0", NULL, "1,000");
    fmt_is(qv_decimal(-5, 1), "0", NULL, "-1");
    /* a negative that rounds to zero loses its sign */
    fmt_is(qv_decimal(-1, 3), "0.00", NULL, "0.00");
    fmt_is(qv_int(INT64_MIN), "#,##0", NULL, "-9,223,372,036,854,775,808");
    fmt_is(qv_int(123456789), "####,####", NULL, "1,2345,6789");
    /* floats from their shortest text: 2.675 is 2.67499999... in binary */
    fmt_is(qv_float(2.675), "0.00", NULL, "2.68");
    fmt_is(qv_float(1e20), "#,##0", NULL, "100,000,000,000,000,000,000");
    fmt_is(qv_float(0.000123), "0.00000", NULL, "0.00012");
    fmt_is(qv_float(-0.0), "0.0", NULL, "0.0");
    fmt_is(qv_float(NAN), "0.00", NULL, "NaN");
    fmt_is(qv_float(INFINITY), "0.00", NULL, "\xE2\x88\x9E");
    fmt_is(qv_float(-INFINITY), "0.00", NULL, "-\xE2\x88\x9E");
}

static void test_affixes(void **state)
{
    (void)state;
    fmt_is(qv_decimal(256, 3), "0%", NULL, "26%");
    fmt_is(qv_decimal(1234, 4), "0.0%", NULL, "12.3%");
    fmt_is(qv_decimal(12345, 4), "#,##0\xE2\x80\xB0", NULL, "1,235\xE2\x80\xB0");
    fmt_is(qv_int(3), "%0", NULL, "%300");
    fmt_is(qv_int(5), "'#'0", NULL, "#5");
    fmt_is(qv_decimal(123450, 2), "'EUR' #,##0.00", NULL, "EUR 1,234.50");
    fmt_is(qv_int(5), "0 'o''clock'", NULL, "5 o'clock");
    fmt_is(qv_int(5), "''0", NULL, "'5");
    fmt_is(qv_int(5), "$0 USD", NULL, "$5 USD");
    fmt_is(qv_int(-5), "$0", NULL, "-$5");
    /* the negative subpattern gives the negative affixes */
    fmt_is(qv_decimal(-123450, 2), "#,##0.00;(#,##0.00)", NULL, "(1,234.50)");
    fmt_is(qv_decimal(123450, 2), "#,##0.00;(#,##0.00)", NULL, "1,234.50");
    fmt_is(qv_int(-5), "0;'minus '0", NULL, "minus 5");
    fmt_is(qv_decimal(-25, 2), "0%;(0%)", NULL, "(25%)");
}

static void test_number_locales(void **state)
{
    qv big = qv_decimal(1234567891, 3);

    (void)state;
    fmt_is(big, "#,##0.00", "en-US", "1,234,567.89");
    fmt_is(big, "#,##0.00", "de", "1.234.567,89");
    fmt_is(big, "#,##0.00", "de-AT", "1.234.567,89");
    fmt_is(big, "#,##0.00", "de-CH",
           "1\xE2\x80\x99"
           "234\xE2\x80\x99"
           "567.89");
    fmt_is(big, "#,##0.00", "fr", "1" NNBSP "234" NNBSP "567,89");
    fmt_is(big, "#,##0.00", "fr-CA", "1" NNBSP "234" NNBSP "567,89");
    fmt_is(big, "#,##0.00", "es", "1.234.567,89");
    fmt_is(big, "#,##0.00", "it", "1.234.567,89");
    fmt_is(big, "#,##0.00", "pt", "1.234.567,89");
    fmt_is(big, "#,##0.00", "pt-PT", "1" NBSP "234" NBSP "567,89");
    fmt_is(big, "#,##0.00", "nl", "1.234.567,89");
    fmt_is(big, "#,##0.00", "ar", "1,234,567.89");
    fmt_is(big, "#,##0.00", "he", "1,234,567.89");
    fmt_is(qv_decimal(-5, 1), "0.0", "de", "-0,5");
    fmt_is(qv_decimal(5, 1), "0.0%", "fr", "50,0%");
}

static void test_number_pattern_errors(void **state)
{
    (void)state;
    check_ok("#,##0.00", QUIRE_TYPE_DECIMAL);
    check_ok("0%;(0%)", QUIRE_TYPE_INT);
    check_ok("'EUR' #,##0.00", QUIRE_TYPE_FLOAT);
    check_bad("", QUIRE_TYPE_INT, "no digits (0 or #) in the pattern");
    check_bad("abc", QUIRE_TYPE_INT, "no digits (0 or #) in the pattern");
    check_bad("#,##0.0.0", QUIRE_TYPE_INT, "two decimal points");
    check_bad("0#", QUIRE_TYPE_INT, "'#' after '0' in the integer part");
    check_bad(".0#0", QUIRE_TYPE_INT, "'0' after '#' in the fraction");
    check_bad("#,##0,", QUIRE_TYPE_INT, "a grouping separator must be followed by digits");
    check_bad("#,,##0", QUIRE_TYPE_INT, "a grouping separator must be followed by digits");
    check_bad("#,##0.0,0", QUIRE_TYPE_INT, "grouping separator after the decimal point");
    check_bad("'abc 0", QUIRE_TYPE_INT, "unterminated quote");
    check_bad("0 'x", QUIRE_TYPE_INT, "unterminated quote");
    check_bad("0;0;0", QUIRE_TYPE_INT, "more than one ';' in the pattern");
    check_bad("0%\xE2\x80\xB0", QUIRE_TYPE_INT, "more than one % or \xE2\x80\xB0 in the pattern");
    check_bad("0 0", QUIRE_TYPE_INT, "unquoted '0' after the number (quote it: '0')");
    check_bad("0.00E0", QUIRE_TYPE_INT, "unquoted '0' after the number (quote it: '0')");
    check_bad("0;x", QUIRE_TYPE_INT, "no digits (0 or #) in the pattern");
    check_bad("0", QUIRE_TYPE_STRING, "a pattern does not apply to string values");
    check_bad("0", QUIRE_TYPE_BOOL, "a pattern does not apply to bool values");
    /* a bad pattern at run time gives the canonical text */
    fmt_is(qv_decimal(1250, 2), "0#", NULL, "12.50");
}

/* ============================== Date patterns ============================= */

static void test_date_patterns(void **state)
{
    qv fri = date_v(D_2024_01_05), ts = ts_v(TS_2024_03_09);

    (void)state;
    fmt_is(fri, "yyyy-MM-dd", NULL, "2024-01-05");
    fmt_is(fri, "d.M.yy", NULL, "5.1.24");
    fmt_is(fri, "EEEE, d MMMM yyyy", NULL, "Friday, 5 January 2024");
    fmt_is(fri, "EEE d MMM", NULL, "Fri 5 Jan");
    fmt_is(fri, "'week of' dd/MM", NULL, "week of 05/01");
    fmt_is(fri, "yyyy''MM", NULL, "2024'01");
    fmt_is(date_v(D_0005_06_07), "yyyy", NULL, "0005");
    fmt_is(date_v(D_0005_06_07), "y", NULL, "5");
    fmt_is(date_v(D_2009_12_31), "yy", NULL, "09");
    fmt_is(ts, "yyyy-MM-dd HH:mm:ss", NULL, "2024-03-09 15:04:05");
    fmt_is(ts, "h:mm a", NULL, "3:04 PM");
    fmt_is(ts, "hh 'o''clock' a", NULL, "03 o'clock PM");
    fmt_is(ts, "ss.SSS", NULL, "05.123");
    fmt_is(ts, "S", NULL, "1");
    fmt_is(ts, "SSSSSSS", NULL, "1234560");
    fmt_is(ts, "H", NULL, "15");
    fmt_is(ts_v(TS_2024_01_31_0H), "h a H", NULL, "12 AM 0");
    fmt_is(ts_v(TS_2024_01_31_12H), "h a", NULL, "12 PM");
    fmt_is(ts_v(-1000000), "yyyy-MM-dd HH:mm:ss EEE", NULL, "1969-12-31 23:59:59 Wed");
    /* a date shown with a date pattern is at midnight */
    fmt_is(fri, "EEEE", "en-GB", "Friday");
}

static void test_date_locales(void **state)
{
    qv fri = date_v(D_2024_01_05), sat = date_v(D_2024_03_09);

    (void)state;
    fmt_is(fri, "EEEE, d. MMMM yyyy", "de", "Freitag, 5. Januar 2024");
    fmt_is(sat, "EEE d. MMM", "de", "Sa. 9. M\xC3\xA4rz");
    fmt_is(fri, "EEEE d MMMM yyyy", "fr", "vendredi 5 janvier 2024");
    fmt_is(sat, "EEE d MMM", "fr", "sam. 9 mars");
    fmt_is(fri, "EEE d MMM", "es", "vie 5 ene");
    fmt_is(sat, "EEEE d 'de' MMMM", "es",
           "s\xC3\xA1"
           "bado 9 de marzo");
    fmt_is(sat, "EEEE d MMMM", "it", "sabato 9 marzo");
    fmt_is(sat, "d 'de' MMMM", "pt", "9 de mar\xC3\xA7o");
    fmt_is(sat, "EEEE d MMMM", "nl", "zaterdag 9 maart");
    fmt_is(sat, "d MMM", "nl", "9 mrt");
    /* مارس, السبت */
    fmt_is(sat, "MMMM EEEE", "ar",
           "\xD9\x85\xD8\xA7\xD8\xB1\xD8\xB3 \xD8\xA7\xD9\x84\xD8\xB3\xD8\xA8\xD8\xAA");
    /* מרץ, יום שבת */
    fmt_is(sat, "MMMM EEEE", "he",
           "\xD7\x9E\xD7\xA8\xD7\xA5 \xD7\x99\xD7\x95\xD7\x9D \xD7\xA9\xD7\x91\xD7\xAA");
    fmt_is(ts_v(TS_2024_03_09), "h a", "es", "3 p." NBSP "m.");
}

static void test_date_pattern_errors(void **state)
{
    (void)state;
    check_ok("yyyy-MM-dd", QUIRE_TYPE_DATE);
    check_ok("yyyy-MM-dd HH:mm:ss.SSS a", QUIRE_TYPE_TIMESTAMP);
    check_ok("'Q'yyyy", QUIRE_TYPE_DATE);
    check_bad("yyyy-MM-dd Q", QUIRE_TYPE_DATE, "unknown pattern letter 'Q'");
    check_bad("HH:mm", QUIRE_TYPE_DATE, "'H' needs a timestamp, not a date");
    check_bad("d a", QUIRE_TYPE_DATE, "'a' needs a timestamp, not a date");
    check_bad("'at HH", QUIRE_TYPE_TIMESTAMP, "unterminated quote");
    /* type not known yet: a number pattern if it has 0 or #, else a date one */
    check_ok("#,##0.00", QUIRE_TYPE_NULL);
    check_ok("yyyy", QUIRE_TYPE_NULL);
    check_bad("0#", QUIRE_TYPE_NULL, "'#' after '0' in the integer part");
    check_bad("yyyy Q", QUIRE_TYPE_NULL, "unknown pattern letter 'Q'");
    /* at run time a bad date pattern gives the canonical text */
    fmt_is(date_v(D_2024_01_31), "yyyy Q", NULL, "2024-01-31");
}

/* ============================== Compiled patterns ========================= */

/* fmt_value_compiled() against fmt_value() for one value, pattern and
 * locale: the same length and bytes, whole and cut short. */
static void same_as_general(qv v, const fmt_compiled *c, const char *pattern, const fmt_locale *loc)
{
    char want[512], got[512];
    size_t nw = fmt_value(&v, pattern, loc, want, sizeof(want));
    size_t ng;

    memset(got, 0x5a, sizeof(got));
    ng = fmt_value_compiled(&v, c, loc, got, sizeof(got));
    if (nw != ng || strcmp(want, got) != 0)
        fail_msg("pattern '%s' (%s), type %u scale %d value %lld: general '%s' (%zu), compiled "
                 "'%s' (%zu)",
                 pattern ? pattern : "(none)", loc ? loc->tag : "default", (unsigned)v.type,
                 (int)v.scale, (long long)v.u.i, want, nw, got, ng);
    /* snprintf-like when the buffer is short, as fmt_value is */
    for (size_t cap = 0; cap < 4; cap++) {
        char a[4] = "xyz", b[4] = "xyz";
        assert_int_equal(fmt_value(&v, pattern, loc, a, cap), nw);
        assert_int_equal(fmt_value_compiled(&v, c, loc, b, cap), nw);
        assert_memory_equal(a, b, sizeof(a));
    }
}

static const char *const NUMBER_PATTERNS[] = {
    "#,##0.00",
    "#,##0",
    "0",
    "0.00",
    "#.##",
    "#",
    ".00",
    "#.",
    "0.0#",
    "#,##0.0##",
    "000,000.000",
    "#,#",
    "####,####",
    "#,##,##0.00",
    "0.000000000000000000000000000000000000000#",
    "0000000000000000000000000000000000000000",
    "#,##0.00;(#,##0.00)",
    "0;'minus '0",
    "'EUR' #,##0.00",
    "$#,##0.00 USD",
    "-0.00-",
    "0%",
    "#,##0.0%",
    "#,##0\xE2\x80\xB0",
    "0.00;-0.00%",
    "0#",
    "",
    NULL,
    "yyyy-MM-dd",
};

static const char *const LOCALES[] = {"en-US", "de", "fr", "de-CH", "pt-PT", "ar"};

/* Values around every boundary the rounding and grouping have: powers of
 * ten and one either side, halves (...5, ...49, ...50), nines that carry,
 * the ends of int64, zero, and a spread of pseudo-random ones. */
static void test_compiled_matches_general(void **state)
{
    static int64_t values[600];
    size_t nvalues = 0;
    uint64_t seed = 0x9e3779b97f4a7c15u;
    int64_t p = 1;

    (void)state;
    values[nvalues++] = 0;
    values[nvalues++] = INT64_MAX;
    values[nvalues++] = INT64_MIN;
    values[nvalues++] = INT64_MIN + 1;
    for (int e = 0; e < 19; e++, p = e < 19 ? p * 10 : p) {
        /* 5e18 - 1 and up would pass INT64_MAX: worked out in 128 bits */
        __int128 q = p;
        __int128 around[] = {q - 1, q, q + 1, 5 * q, 5 * q - 1, 5 * q + 1, 10 * q - 1};
        for (size_t k = 0; k < sizeof(around) / sizeof(around[0]); k++) {
            if (around[k] > INT64_MAX)
                continue;
            values[nvalues++] = (int64_t)around[k];
            values[nvalues++] = -(int64_t)around[k];
        }
    }
    while (nvalues < sizeof(values) / sizeof(values[0])) {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        /* all magnitudes: shift by a random amount */
        values[nvalues++] = (int64_t)(seed >> (seed % 64));
    }
    for (size_t pi = 0; pi < sizeof(NUMBER_PATTERNS) / sizeof(NUMBER_PATTERNS[0]); pi++) {
        const char *pattern = NUMBER_PATTERNS[pi];
        fmt_compiled *c = fmt_compile(pattern);
        assert_non_null(c);
        for (size_t li = 0; li < sizeof(LOCALES) / sizeof(LOCALES[0]); li++) {
            const fmt_locale *loc = fmt_locale_get(LOCALES[li]);
            for (size_t i = 0; i < nvalues; i++) {
                same_as_general(qv_int(values[i]), c, pattern, loc);
                for (int scale = 1; scale <= 18; scale++)
                    same_as_general(qv_decimal(values[i], scale), c, pattern, loc);
            }
        }
        /* a NULL locale is en-US; NULL values, floats, dates and text */
        same_as_general(qv_decimal(123456, 2), c, pattern, NULL);
        same_as_general(qv_null(QUIRE_TYPE_DECIMAL), c, pattern, NULL);
        same_as_general(qv_float(2.675), c, pattern, NULL);
        same_as_general(qv_float(-1234567.891), c, pattern, NULL);
        same_as_general(qv_float(NAN), c, pattern, NULL);
        same_as_general(qv_float(-INFINITY), c, pattern, NULL);
        same_as_general(date_v(D_2024_01_31), c, pattern, NULL);
        same_as_general(ts_v(TS_2024_03_09), c, pattern, NULL);
        same_as_general(qv_string("12", 2), c, pattern, NULL);
        same_as_general(qv_bool(1), c, pattern, NULL);
        fmt_compiled_free(c);
    }
}

/* The fast road by hand, for the patterns reports use most. */
static void test_compiled_by_hand(void **state)
{
    (void)state;
    fmt_is(qv_decimal(123456, 2), "#,##0.00", NULL, "1,234.56");
    fmt_is(qv_decimal(-99999995, 6), "#,##0.00", NULL, "-100.00");
    fmt_is(qv_decimal(-4999, 4), "#,##0.00", NULL, "-0.50");
    fmt_is(qv_decimal(-49, 4), "#,##0.00", NULL, "0.00");
    fmt_is(qv_decimal(50, 4), "#,##0.00", NULL, "0.01");
    fmt_is(qv_int(INT64_MAX), "#,##0.00", NULL, "9,223,372,036,854,775,807.00");
    fmt_is(qv_decimal(INT64_MIN, 18), "0.0", NULL, "-9.2");
    fmt_is(qv_decimal(INT64_MAX, 18), "#,##0.##", "de", "9,22");
    fmt_is(qv_decimal(1005, 3), "0.0#", NULL, "1.01");
    fmt_is(qv_decimal(1000, 3), "0.0#", NULL, "1.0");
    fmt_is(qv_decimal(1200, 3), "#.##", NULL, "1.2");
    fmt_is(qv_decimal(7, 0), "#,##0", "fr", "7");
    fmt_is(qv_int(1234567), "#,##0", "fr", "1" NNBSP "234" NNBSP "567");
    fmt_is(qv_int(-1234567), "#,##0;(#,##0)", "de", "(1.234.567)");
    fmt_is(qv_int(42), "0000000000000000000000000000000000000000", NULL,
           "0000000000000000000000000000000000000042");
}

/* ============================== Locales =================================== */

static void test_locale_lookup(void **state)
{
    (void)state;
    assert_string_equal(fmt_locale_get(NULL)->tag, "en-US");
    assert_string_equal(fmt_locale_get("")->tag, "en-US");
    assert_string_equal(fmt_locale_get("en")->tag, "en-US");
    assert_string_equal(fmt_locale_get("en-AU")->tag, "en-US");
    assert_string_equal(fmt_locale_get("EN-gb")->tag, "en-GB");
    assert_string_equal(fmt_locale_get("de-AT")->tag, "de");
    assert_string_equal(fmt_locale_get("de_CH")->tag, "de-CH");
    assert_string_equal(fmt_locale_get("pt-BR")->tag, "pt");
    assert_string_equal(fmt_locale_get("PT-pt")->tag, "pt-PT");
    assert_string_equal(fmt_locale_get("zh-Hant-TW")->tag, "en-US");
    assert_string_equal(fmt_locale_get("xx")->tag, "en-US");
    assert_string_equal(fmt_locale_get("d")->tag, "en-US");
    assert_true(fmt_locale_get("ar-EG")->rtl);
    assert_true(fmt_locale_get("he")->rtl);
    assert_false(fmt_locale_get("fr")->rtl);
}

static void test_calendar(void **state)
{
    int64_t y;
    unsigned m, d;

    (void)state;
    assert_int_equal(cal_days_from_civil(2024, 1, 31), D_2024_01_31);
    assert_int_equal(cal_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(cal_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(cal_days_from_civil(5, 6, 7), D_0005_06_07);
    assert_int_equal(cal_days_from_civil(2024, 3, 0), cal_days_from_civil(2024, 2, 29));
    cal_civil_from_days(D_2024_03_09, &y, &m, &d);
    assert_int_equal(y, 2024);
    assert_int_equal(m, 3);
    assert_int_equal(d, 9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canonical),
        cmocka_unit_test(test_snprintf_contract),
        cmocka_unit_test(test_number_patterns),
        cmocka_unit_test(test_affixes),
        cmocka_unit_test(test_number_locales),
        cmocka_unit_test(test_number_pattern_errors),
        cmocka_unit_test(test_date_patterns),
        cmocka_unit_test(test_date_locales),
        cmocka_unit_test(test_date_pattern_errors),
        cmocka_unit_test(test_compiled_matches_general),
        cmocka_unit_test(test_compiled_by_hand),
        cmocka_unit_test(test_locale_lookup),
        cmocka_unit_test(test_calendar),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
