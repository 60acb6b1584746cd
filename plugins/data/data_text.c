/*
 * data_text.c - the canonical machine text of typed values, shared by the
 * csv and json formats, and the UTF-8 checks behind their repair of
 * invalid strings.
 *
 * The forms are the ones other programs read back without guessing: '.' as
 * the decimal point, no grouping, ISO 8601 dates and UTC timestamps, and
 * exact decimals (a DECIMAL is a scaled integer: its text is built from the
 * digits, never through a double).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"

#define MICROS_PER_DAY INT64_C(86400000000)
/* Days 1970-01-01 +- this are written; the calendar arithmetic below stays
 * far from int64 overflow (about 270 million years). */
#define MAX_ABS_DAYS INT64_C(100000000000)

/* ============================== Numbers =================================== */

/* Digits of |v| into buf, most significant first; returns the count. */
static int magnitude_digits(int64_t v, char *buf)
{
    char tmp[24];
    int n = 0, len = 0;
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

    do {
        tmp[n++] = (char)('0' + mag % 10);
        mag /= 10;
    } while (mag != 0);
    while (n > 0)
        buf[len++] = tmp[--n];
    return len;
}

/* i64 / 10^scale with exactly `scale` fraction digits: 1250 scale 2 is
 * "12.50", 5 scale 3 is "0.005", 12 scale -2 is "1200". */
static int decimal_text(int64_t v, int32_t scale, char *buf)
{
    char digits[24];
    int ndigits = magnitude_digits(v, digits), len = 0;

    if (scale < -DATA_MAX_SCALE || scale > DATA_MAX_SCALE)
        return -1;
    if (v < 0)
        buf[len++] = '-';
    if (scale <= 0) {
        memcpy(buf + len, digits, (size_t)ndigits);
        len += ndigits;
        for (int32_t i = 0; v != 0 && i < -scale; i++)
            buf[len++] = '0';
        buf[len] = '\0';
        return len;
    }
    if (ndigits <= scale) { /* 0.00ddd */
        buf[len++] = '0';
        buf[len++] = '.';
        for (int i = 0; i < scale - ndigits; i++)
            buf[len++] = '0';
        memcpy(buf + len, digits, (size_t)ndigits);
        len += ndigits;
    } else {
        memcpy(buf + len, digits, (size_t)(ndigits - scale));
        len += ndigits - scale;
        buf[len++] = '.';
        memcpy(buf + len, digits + ndigits - scale, (size_t)scale);
        len += scale;
    }
    buf[len] = '\0';
    return len;
}

/* The fewest significant digits that read back as v: plain notation for
 * decimal exponents -4..15 ("1000", "0.0025", "0.1"), else the exponent
 * form ("1e+16", "1.5e-07"). Assumes the "C" numeric locale (the kernel
 * never changes it). */
static int float_text(double v, char *buf)
{
    char sci[40];
    int precision, exponent, decimals;

    if (isnan(v))
        return snprintf(buf, DATA_VALUE_TEXT_MAX, "nan");
    if (isinf(v))
        return snprintf(buf, DATA_VALUE_TEXT_MAX, v < 0 ? "-inf" : "inf");
    if (v == 0)
        return snprintf(buf, DATA_VALUE_TEXT_MAX, signbit(v) ? "-0" : "0");
    /* 17 significant digits always read back; find the fewest that do. */
    for (precision = 1; precision < 17; precision++) {
        snprintf(sci, sizeof(sci), "%.*e", precision - 1, v);
        if (strtod(sci, NULL) == v)
            break;
    }
    snprintf(sci, sizeof(sci), "%.*e", precision - 1, v);
    exponent = atoi(strchr(sci, 'e') + 1);
    if (exponent < -4 || exponent > 15)
        return snprintf(buf, DATA_VALUE_TEXT_MAX, "%s", sci);
    decimals = precision - 1 - exponent;
    return snprintf(buf, DATA_VALUE_TEXT_MAX, "%.*f", decimals > 0 ? decimals : 0, v);
}

/* ============================== Calendar ================================== */

/* The proleptic Gregorian date `days` after 1970-01-01. Counting from
 * 0000-03-01 puts the leap day last in each year, so every 400-year era
 * has the same shape (146097 days) and month lengths follow a line. */
static void civil_date(int64_t days, int64_t *year, int *month, int *day)
{
    int64_t z = days + 719468; /* days from 0000-03-01 */
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;                                      /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                                    /* March = 0 */

    *day = (int)(doy - (153 * mp + 2) / 5 + 1);
    *month = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = yoe + era * 400 + (*month <= 2);
}

/* yyyy-mm-dd; ISO 8601 expanded years (+10000, -0001) outside 0..9999. */
static int date_text(int64_t days, char *buf)
{
    int64_t year;
    int month, day;

    if (days < -MAX_ABS_DAYS || days > MAX_ABS_DAYS)
        return -1;
    civil_date(days, &year, &month, &day);
    if (year >= 0 && year <= 9999)
        return snprintf(buf, DATA_VALUE_TEXT_MAX, "%04d-%02d-%02d", (int)year, month, day);
    if (year > 9999)
        return snprintf(buf, DATA_VALUE_TEXT_MAX, "+%" PRId64 "-%02d-%02d", year, month, day);
    return snprintf(buf, DATA_VALUE_TEXT_MAX, "-%04" PRId64 "-%02d-%02d", -year, month, day);
}

/* yyyy-mm-ddThh:mm:ssZ, with .ffffff when there are microseconds. */
static int timestamp_text(int64_t micros, char *buf)
{
    int64_t days = micros / MICROS_PER_DAY, rem = micros % MICROS_PER_DAY, secs;
    int n;

    if (rem < 0) { /* floor, so times before 1970 count forward from midnight */
        rem += MICROS_PER_DAY;
        days--;
    }
    n = date_text(days, buf);
    if (n < 0)
        return -1;
    secs = rem / 1000000;
    n += snprintf(buf + n, DATA_VALUE_TEXT_MAX - (size_t)n, "T%02d:%02d:%02d", (int)(secs / 3600),
                  (int)(secs / 60 % 60), (int)(secs % 60));
    if (rem % 1000000 != 0)
        n += snprintf(buf + n, DATA_VALUE_TEXT_MAX - (size_t)n, ".%06d", (int)(rem % 1000000));
    buf[n++] = 'Z';
    buf[n] = '\0';
    return n;
}

/* ============================== Values ==================================== */

int data_value_text(const quire_value *value, char *buf)
{
    switch (value->type) {
    case QUIRE_TYPE_BOOL:
        return snprintf(buf, DATA_VALUE_TEXT_MAX, value->v.i64 ? "true" : "false");
    case QUIRE_TYPE_INT: return snprintf(buf, DATA_VALUE_TEXT_MAX, "%" PRId64, value->v.i64);
    case QUIRE_TYPE_DECIMAL: return decimal_text(value->v.i64, value->scale, buf);
    case QUIRE_TYPE_FLOAT: return float_text(value->v.f64, buf);
    case QUIRE_TYPE_DATE: return date_text(value->v.i64, buf);
    case QUIRE_TYPE_TIMESTAMP: return timestamp_text(value->v.i64, buf);
    }
    return -1;
}

int data_value_nonfinite(const quire_value *value)
{
    return value->type == QUIRE_TYPE_FLOAT && !isfinite(value->v.f64);
}

/* ============================== UTF-8 ===================================== */

/*
 * Checks the sequence starting at s[0] (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF). Returns how many bytes belong to it
 * so far: the whole sequence with *complete = 1, or the maximal subpart
 * that could still start a valid sequence (at least 1) with *complete = 0.
 */
static size_t utf8_sequence(const unsigned char *s, size_t len, int *complete)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xbf;
    size_t need, i;

    *complete = 0;
    if (c < 0x80) {
        *complete = 1;
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        need = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 3;
        if (c == 0xe0)
            lo = 0xa0; /* below: overlong */
        else if (c == 0xed)
            hi = 0x9f; /* above: surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 4;
        if (c == 0xf0)
            lo = 0x90; /* below: overlong */
        else if (c == 0xf4)
            hi = 0x8f; /* above: beyond U+10FFFF */
    } else {
        return 1; /* a continuation byte, C0, C1 or F5..FF */
    }
    for (i = 1; i < need && i < len; i++) {
        if (s[i] < lo || s[i] > hi)
            break;
        lo = 0x80;
        hi = 0xbf;
    }
    *complete = i == need;
    return i;
}

size_t data_utf8_valid_prefix(const unsigned char *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        int complete;
        size_t n;
        if (s[i] < 0x80) { /* ASCII runs are the common case */
            i++;
            continue;
        }
        n = utf8_sequence(s + i, len - i, &complete);
        if (!complete)
            break;
        i += n;
    }
    return i;
}

size_t data_utf8_invalid_length(const unsigned char *s, size_t len)
{
    int complete;

    return utf8_sequence(s, len, &complete);
}

int data_out_utf8(support_out *out, const char *s, size_t len, quire_error *err)
{
    static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */
    const unsigned char *p = (const unsigned char *)s;

    while (len > 0) {
        size_t valid = data_utf8_valid_prefix(p, len), bad;
        if (support_out_write(out, p, valid, err) != QUIRE_OK)
            return QUIRE_ERR;
        if (valid == len)
            break;
        if (support_out_write(out, replacement, 3, err) != QUIRE_OK)
            return QUIRE_ERR;
        bad = data_utf8_invalid_length(p + valid, len - valid);
        p += valid + bad;
        len -= valid + bad;
    }
    return QUIRE_OK;
}
