/*
 * support_value.c - text to typed values, exactly (see support_value.h),
 * for the csv, jsonl and sqlite source plugins. Integers and decimals are
 * parsed with checked integer arithmetic (never through a double), with a
 * fast path for the common short ones; dates are validated against the
 * calendar and converted with integer civil-date arithmetic; timestamps are
 * normalised to UTC by their offset. Only floats go through strtod.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support_value.h"

/* ============================== Helpers =================================== */

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Case-insensitive comparison of s[0..n) with the lower-case word `w`. */
static int word_is(const char *s, size_t n, const char *w)
{
    size_t i;

    for (i = 0; i < n && w[i] != '\0'; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != w[i])
            return 0;
    }
    return i == n && w[i] == '\0';
}

/* Reads exactly `count` digits at s as a number; -1 if one is not a digit. */
static int fixed_digits(const char *s, int count)
{
    int v = 0;

    for (int i = 0; i < count; i++) {
        if (!is_digit(s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* The shape of a decimal number: [+-] digits [. digits] [e [+-] digits]. */
typedef struct num_shape {
    int negative;
    size_t int_start, int_len;   /* integer digits */
    size_t frac_start, frac_len; /* fractional digits */
    int has_dot;
    int has_exp;
} num_shape;

/* Scans s[0..n) as a number; returns 0 if all of it is one, else -1. */
static int scan_number(const char *s, size_t n, num_shape *sh)
{
    size_t i = 0;

    memset(sh, 0, sizeof(*sh));
    if (i < n && (s[i] == '+' || s[i] == '-'))
        sh->negative = s[i++] == '-';
    sh->int_start = i;
    while (i < n && is_digit(s[i]))
        i++;
    sh->int_len = i - sh->int_start;
    if (i < n && s[i] == '.') {
        sh->has_dot = 1;
        sh->frac_start = ++i;
        while (i < n && is_digit(s[i]))
            i++;
        sh->frac_len = i - sh->frac_start;
    }
    if (sh->int_len + sh->frac_len == 0)
        return -1;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t digits;
        sh->has_exp = 1;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        digits = i;
        while (i < n && is_digit(s[i]))
            i++;
        if (i == digits)
            return -1;
    }
    return i == n ? 0 : -1;
}

/* Magnitude limit of an int64 of the given sign. */
static uint64_t i64_limit(int negative)
{
    return negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
}

/* mag = mag * 10 + digit, within limit; -1 on overflow. */
static int mul10_add(uint64_t *mag, unsigned digit, uint64_t limit)
{
    if (*mag > (limit - digit) / 10)
        return -1;
    *mag = *mag * 10 + digit;
    return 0;
}

static int64_t apply_sign(uint64_t mag, int negative)
{
    if (!negative)
        return (int64_t)mag;
    /* mag <= 2^63 here: -(mag - 1) - 1 never overflows. */
    return mag == 0 ? 0 : -(int64_t)(mag - 1) - 1;
}

/* ============================== Parsers =================================== */

int support_parse_bool(const char *s, size_t n, int64_t *out)
{
    static const char *const truths[] = {"true", "t", "yes", "y", "1"};
    static const char *const lies[] = {"false", "f", "no", "n", "0"};

    for (size_t i = 0; i < sizeof(truths) / sizeof(truths[0]); i++) {
        if (word_is(s, n, truths[i])) {
            *out = 1;
            return 0;
        }
        if (word_is(s, n, lies[i])) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

/* 10^i for i in 0..18 (four to a line: clang-format would give each one). */
/* clang-format off */
static const int64_t pow10_table[SUPPORT_DECIMAL_DIGITS + 1] = {
    1, 10, 100, 1000,
    10000, 100000, 1000000, 10000000,
    100000000, 1000000000, 10000000000, 100000000000,
    1000000000000, 10000000000000, 100000000000000, 1000000000000000,
    10000000000000000, 100000000000000000, 1000000000000000000,
};
/* clang-format on */

/* Reads the digits from *p up to `end` into *v (wrapping past 19 digits:
 * callers check the count). Returns how many it read; *p moves past them. */
static size_t read_digits(const char **p, const char *end, uint64_t *v)
{
    const char *start = *p, *q = start;
    uint64_t acc = *v;

    while (q < end) {
        unsigned digit = (unsigned)(unsigned char)*q - '0';
        if (digit > 9)
            break;
        acc = acc * 10 + digit;
        q++;
    }
    *v = acc;
    *p = q;
    return (size_t)(q - start);
}

/* The common case of support_parse_int: a sign and at most 18 digits, which
 * cannot overflow. Returns 0, or -1 if s is not that (it may still be an
 * int). */
static int parse_short_int(const char *s, size_t n, int64_t *out)
{
    const char *p = s, *end = s + n;
    uint64_t v = 0;
    size_t digits;

    if (p < end && (*p == '-' || *p == '+'))
        p++;
    digits = read_digits(&p, end, &v);
    if (digits == 0 || digits > SUPPORT_DECIMAL_DIGITS || p != end)
        return -1;
    *out = s[0] == '-' ? -(int64_t)v : (int64_t)v;
    return 0;
}

/* The common case of support_parse_decimal: at most 18 - scale integer digits
 * and at most scale fractional ones, so the scaled value fits unchecked.
 * Returns 0, or -1 if s is not that. */
static int parse_short_decimal(const char *s, size_t n, int32_t scale, int64_t *out)
{
    const char *p = s, *end = s + n;
    uint64_t whole = 0, frac = 0;
    size_t int_len, frac_len = 0;
    int64_t v;

    if (p < end && (*p == '-' || *p == '+'))
        p++;
    int_len = read_digits(&p, end, &whole);
    if (p < end && *p == '.') {
        p++;
        frac_len = read_digits(&p, end, &frac);
    }
    if (p != end || int_len + frac_len == 0 || int_len > (size_t)(SUPPORT_DECIMAL_DIGITS - scale) ||
        frac_len > (size_t)scale)
        return -1;
    v = (int64_t)whole * pow10_table[scale] + (int64_t)frac * pow10_table[(size_t)scale - frac_len];
    *out = s[0] == '-' ? -v : v;
    return 0;
}

int support_parse_int(const char *s, size_t n, int64_t *out)
{
    num_shape sh;
    uint64_t mag = 0, limit;

    if (parse_short_int(s, n, out) == 0)
        return 0;
    if (scan_number(s, n, &sh) != 0 || sh.has_dot || sh.has_exp)
        return -1;
    limit = i64_limit(sh.negative);
    for (size_t i = 0; i < sh.int_len; i++)
        if (mul10_add(&mag, (unsigned)(s[sh.int_start + i] - '0'), limit) != 0)
            return -1;
    *out = apply_sign(mag, sh.negative);
    return 0;
}

int support_parse_decimal(const char *s, size_t n, int32_t scale, int64_t *out)
{
    num_shape sh;
    uint64_t mag = 0, limit;

    if (scale >= 0 && scale <= SUPPORT_DECIMAL_DIGITS && parse_short_decimal(s, n, scale, out) == 0)
        return 0;
    if (scale < 0 || scale > SUPPORT_DECIMAL_DIGITS || scan_number(s, n, &sh) != 0 || sh.has_exp)
        return -1;
    limit = i64_limit(sh.negative);
    for (size_t i = 0; i < sh.int_len; i++)
        if (mul10_add(&mag, (unsigned)(s[sh.int_start + i] - '0'), limit) != 0)
            return -1;
    for (size_t i = 0; i < (size_t)scale; i++) {
        unsigned digit = i < sh.frac_len ? (unsigned)(s[sh.frac_start + i] - '0') : 0;
        if (mul10_add(&mag, digit, limit) != 0)
            return -1;
    }
    /* More fractional digits than the scale: exact only if they are zeros. */
    for (size_t i = (size_t)scale; i < sh.frac_len; i++)
        if (s[sh.frac_start + i] != '0')
            return -1;
    *out = apply_sign(mag, sh.negative);
    return 0;
}

int support_parse_float(const char *s, size_t n, double *out)
{
    char buf[512];
    char *end;
    num_shape sh;
    size_t skip = n > 0 && (s[0] == '+' || s[0] == '-');

    if (word_is(s + skip, n - skip, "inf") || word_is(s + skip, n - skip, "infinity")) {
        *out = s[0] == '-' ? -HUGE_VAL : HUGE_VAL;
        return 0;
    }
    if (word_is(s + skip, n - skip, "nan")) {
        *out = NAN;
        return 0;
    }
    /* Our own syntax check first: strtod would also take hex, "0x1p3",
     * and leading blanks. Longer texts than buf are not numbers we take. */
    if (n >= sizeof(buf) || scan_number(s, n, &sh) != 0)
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    *out = strtod(buf, &end);
    /* A C library in another LC_NUMERIC would stop at the '.'. */
    if (end != buf + n || isinf(*out))
        return -1;
    return 0;
}

/* Days from 1970-01-01 to year-month-day (proleptic Gregorian), in integer
 * arithmetic. Valid for any month 1..12 and day 1..31; the caller checks
 * that the day exists. */
static int64_t days_from_civil(int64_t year, unsigned month, unsigned day)
{
    /* Howard Hinnant's days_from_civil: years start on March 1st so the
     * leap day is the last day of the year; 400-year eras of 146097 days. */
    int64_t y = year - (month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                                                 /* [0, 399] */
    int64_t doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1; /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;                         /* [0, 146096] */

    return era * 146097 + doe - 719468;
}

static int is_leap(int year)
{
    return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

static int days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap(year) ? 29 : days[month - 1];
}

int support_parse_date(const char *s, size_t n, int64_t *out)
{
    int y, m, d;

    if (n != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    y = fixed_digits(s, 4);
    m = fixed_digits(s + 5, 2);
    d = fixed_digits(s + 8, 2);
    if (y < 0 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return -1;
    *out = days_from_civil(y, (unsigned)m, (unsigned)d);
    return 0;
}

#define MICROS INT64_C(1000000)

int support_parse_timestamp(const char *s, size_t n, int64_t *out)
{
    int64_t days, seconds, micros = 0;
    int h, mi, sec;
    size_t i = 19;

    if (n < 10 || support_parse_date(s, 10, &days) != 0)
        return -1;
    if (n == 10) {
        *out = days * 86400 * MICROS;
        return 0;
    }
    if (n < 19 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' || s[16] != ':')
        return -1;
    h = fixed_digits(s + 11, 2);
    mi = fixed_digits(s + 14, 2);
    sec = fixed_digits(s + 17, 2);
    if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59)
        return -1;
    seconds = days * 86400 + h * 3600 + mi * 60 + sec;
    if (i < n && s[i] == '.') {
        size_t digits = 0;
        for (i++; i < n && is_digit(s[i]); i++, digits++) {
            if (digits == 6)
                return -1; /* finer than a microsecond: not exact */
            micros = micros * 10 + (s[i] - '0');
        }
        if (digits == 0)
            return -1;
        for (; digits < 6; digits++)
            micros *= 10;
    }
    if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i < n && (s[i] == '+' || s[i] == '-')) {
        int oh, om, sign = s[i] == '-' ? -1 : 1;
        if (n - i != 6 || s[i + 3] != ':')
            return -1;
        oh = fixed_digits(s + i + 1, 2);
        om = fixed_digits(s + i + 4, 2);
        if (oh < 0 || oh > 23 || om < 0 || om > 59)
            return -1;
        /* 10:00+02:00 is 08:00Z. */
        seconds -= sign * (oh * 3600 + om * 60);
        i += 6;
    }
    if (i != n)
        return -1;
    *out = seconds * MICROS + micros;
    return 0;
}

/* ============================== Classification ============================ */

unsigned support_classify(const char *s, size_t n, int *int_digits, int *scale)
{
    unsigned fits = 0;
    num_shape sh;
    int64_t i64;
    double f64;

    *int_digits = *scale = 0;
    if (n == 0)
        return 0;
    if (word_is(s, n, "true") || word_is(s, n, "false"))
        return SUPPORT_FIT_BOOL;
    if (scan_number(s, n, &sh) == 0) {
        /* 007 is an identifier (a zip code, an account number): keep the
         * zeros by leaving it a string unless the admin says otherwise. */
        if (sh.int_len >= 2 && s[sh.int_start] == '0')
            return 0;
        if (!sh.has_exp) {
            size_t sig = sh.int_len;
            if (sig == 1 && s[sh.int_start] == '0')
                sig = 0;
            fits |= SUPPORT_FIT_DECIMAL;
            *int_digits = sig > 1000 ? 1000 : (int)sig;
            *scale = sh.frac_len > 1000 ? 1000 : (int)sh.frac_len;
            if (!sh.has_dot && support_parse_int(s, n, &i64) == 0)
                fits |= SUPPORT_FIT_INT;
        }
        if (support_parse_float(s, n, &f64) == 0)
            fits |= SUPPORT_FIT_FLOAT;
        return fits;
    }
    if (n >= 10 && is_digit(s[0])) {
        if (n == 10 && support_parse_date(s, n, &i64) == 0)
            return SUPPORT_FIT_DATE | SUPPORT_FIT_TIMESTAMP;
        if (support_parse_timestamp(s, n, &i64) == 0)
            return SUPPORT_FIT_TIMESTAMP;
    }
    return 0;
}
