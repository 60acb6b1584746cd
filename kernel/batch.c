/*
 * batch.c - columnar row batches: allocation, reuse, and the canonical text
 * form of a cell (see batch.h).
 */
#include "batch.h"
#include "calendar.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

/* ============================== Allocation ================================ */

/* Bytes one value of `type` takes in its column array; 0 if unknown. */
static size_t value_width(uint32_t type)
{
    switch (type) {
    case QUIRE_TYPE_NULL:
    case QUIRE_TYPE_BOOL:
    case QUIRE_TYPE_INT:
    case QUIRE_TYPE_DECIMAL:
    case QUIRE_TYPE_DATE:
    case QUIRE_TYPE_TIMESTAMP: return sizeof(int64_t);
    case QUIRE_TYPE_FLOAT: return sizeof(double);
    case QUIRE_TYPE_STRING: return sizeof(quire_str);
    }
    return 0;
}

/* The value array of a column, whatever member of the union holds it. */
static void *column_values(const quire_column *column)
{
    switch (column->type) {
    case QUIRE_TYPE_FLOAT: return column->v.f64;
    case QUIRE_TYPE_STRING: return column->v.str;
    default: return column->v.i64;
    }
}

quire_batch *batch_new(const quire_column_info *columns, size_t ncolumns, uint32_t capacity,
                       unsigned flags)
{
    quire_batch *batch;

    if (capacity == 0 || ncolumns > UINT32_MAX)
        return NULL;
    batch = calloc(1, sizeof(*batch));
    if (batch == NULL)
        return NULL;
    batch->size = sizeof(*batch);
    batch->capacity = capacity;
    batch->ncolumns = (uint32_t)ncolumns;
    batch->first_row = 1;
    /* From here on batch_free() copes with whatever is still NULL. */
    batch->columns = calloc(ncolumns ? ncolumns : 1, sizeof(*batch->columns));
    if (batch->columns == NULL)
        goto fail_free_batch;
    batch->arena = arena_new(0);
    if (batch->arena == NULL)
        goto fail_free_batch;
    if (flags & BATCH_LINES) {
        batch->source_line = calloc(capacity, sizeof(*batch->source_line));
        if (batch->source_line == NULL)
            goto fail_free_batch;
    }
    for (size_t i = 0; i < ncolumns; i++) {
        quire_column *column = &batch->columns[i];
        size_t width = value_width(columns[i].type);
        void *values;

        column->type = columns[i].type;
        column->scale = columns[i].scale;
        if (width == 0)
            goto fail_free_batch;
        column->nulls = calloc(capacity, 1);
        values = calloc(capacity, width);
        if (column->type == QUIRE_TYPE_FLOAT)
            column->v.f64 = values;
        else if (column->type == QUIRE_TYPE_STRING)
            column->v.str = values;
        else
            column->v.i64 = values;
        if (column->nulls == NULL || values == NULL)
            goto fail_free_batch;
    }
    return batch;

fail_free_batch:
    batch_free(batch);
    return NULL;
}

void batch_reset(quire_batch *batch)
{
    batch->rows = 0;
    if (batch->source_line != NULL)
        memset(batch->source_line, 0, batch->capacity * sizeof(*batch->source_line));
    arena_reset(batch->arena);
}

void batch_free(quire_batch *batch)
{
    if (batch == NULL)
        return;
    if (batch->columns != NULL) {
        for (uint32_t i = 0; i < batch->ncolumns; i++) {
            free(batch->columns[i].nulls);
            free(column_values(&batch->columns[i]));
        }
        free(batch->columns);
    }
    free(batch->source_line);
    arena_free(batch->arena);
    free(batch);
}

/* ============================== Type names ================================ */

const char *batch_type_text(uint32_t type, int32_t scale, char *buf, size_t len)
{
    static const char *const names[] = {"null",  "bool",   "int",  "decimal",
                                        "float", "string", "date", "timestamp"};

    if (len == 0)
        return buf;
    if (type == QUIRE_TYPE_DECIMAL)
        snprintf(buf, len, "decimal(%" PRId32 ")", scale);
    else if (type < sizeof(names) / sizeof(names[0]))
        snprintf(buf, len, "%s", names[type]);
    else
        snprintf(buf, len, "type%" PRIu32, type);
    return buf;
}

/* ============================== Dates ===================================== */

/* Days further than this from 1970 (about 25 million years) are printed as
 * a raw count: the civil arithmetic above would overflow near INT64_MAX. */
#define DAYS_PRINTABLE ((int64_t)1 << 33)

/* Writes a date as YYYY-MM-DD into buf (at least 32 bytes); returns length. */
static int format_date(int64_t days, char *buf, size_t len)
{
    int64_t y;
    unsigned m, d;

    if (days > DAYS_PRINTABLE || days < -DAYS_PRINTABLE)
        return snprintf(buf, len, "@%" PRId64 "d", days);
    cal_civil_from_days(days, &y, &m, &d);
    if (y >= 0 && y <= 9999 && len >= 11) {
        /* The common case by hand: this runs once per date cell. */
        buf[0] = (char)('0' + y / 1000);
        buf[1] = (char)('0' + y / 100 % 10);
        buf[2] = (char)('0' + y / 10 % 10);
        buf[3] = (char)('0' + y % 10);
        buf[4] = '-';
        buf[5] = (char)('0' + m / 10);
        buf[6] = (char)('0' + m % 10);
        buf[7] = '-';
        buf[8] = (char)('0' + d / 10);
        buf[9] = (char)('0' + d % 10);
        buf[10] = '\0';
        return 10;
    }
    return snprintf(buf, len, "%+05" PRId64 "-%02u-%02u", y, m, d);
}

/* ============================== Cells ===================================== */

/* Writes an int64 in decimal into buf (at least 24 bytes); returns length. */
static size_t format_i64(int64_t v, char *buf)
{
    char tmp[24];
    size_t n = 0, len = 0;
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

    do {
        tmp[n++] = (char)('0' + mag % 10);
        mag /= 10;
    } while (mag != 0);
    if (v < 0)
        buf[len++] = '-';
    while (n > 0)
        buf[len++] = tmp[--n];
    return len;
}

/* Writes i64 / 10^scale with exactly `scale` fractional digits (at least 48
 * bytes of buf); returns length. */
static size_t format_decimal(int64_t v, int32_t scale, char *buf)
{
    char digits[24];
    size_t n = 0, len = 0;
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

    if (scale <= 0 || scale > 18) {
        len = format_i64(v, buf);
        for (int32_t i = 0; scale < 0 && i < -scale && i < 18; i++)
            buf[len++] = '0';
        return len;
    }
    do {
        digits[n++] = (char)('0' + mag % 10);
        mag /= 10;
    } while (mag != 0);
    while (n < (size_t)scale + 1)
        digits[n++] = '0';
    if (v < 0)
        buf[len++] = '-';
    while (n > (size_t)scale)
        buf[len++] = digits[--n];
    buf[len++] = '.';
    while (n > 0)
        buf[len++] = digits[--n];
    return len;
}

/* The shortest text that reads back as the same double: plain notation
 * for exponents -4..15 ("1000", "0.0025"), else "9.223372036854776e+18". */
static int format_double(double v, char *buf, size_t len)
{
    char sci[40];
    int precision, exponent, decimals;

    if (isnan(v))
        return snprintf(buf, len, "nan");
    if (isinf(v))
        return snprintf(buf, len, v < 0 ? "-inf" : "inf");
    if (v == 0)
        return snprintf(buf, len, signbit(v) ? "-0" : "0");
    for (precision = 1; precision < 17; precision++) {
        snprintf(sci, sizeof(sci), "%.*e", precision - 1, v);
        if (strtod(sci, NULL) == v)
            break;
    }
    snprintf(sci, sizeof(sci), "%.*e", precision - 1, v);
    exponent = atoi(strchr(sci, 'e') + 1);
    if (exponent < -4 || exponent >= 16)
        return snprintf(buf, len, "%s", sci);
    decimals = precision - 1 - exponent;
    return snprintf(buf, len, "%.*f", decimals > 0 ? decimals : 0, v);
}

#define MICROS_PER_DAY INT64_C(86400000000)

static int format_timestamp(int64_t micros, char *buf, size_t len)
{
    int64_t days = micros / MICROS_PER_DAY;
    int64_t rem = micros % MICROS_PER_DAY;
    int64_t secs;
    int n;

    if (rem < 0) {
        rem += MICROS_PER_DAY;
        days--;
    }
    n = format_date(days, buf, len);
    if (n < 0 || (size_t)n >= len)
        return n;
    secs = rem / 1000000;
    if (rem % 1000000 == 0)
        return n + snprintf(buf + n, len - (size_t)n, "T%02d:%02d:%02dZ", (int)(secs / 3600),
                            (int)(secs / 60 % 60), (int)(secs % 60));
    return n + snprintf(buf + n, len - (size_t)n, "T%02d:%02d:%02d.%06dZ", (int)(secs / 3600),
                        (int)(secs / 60 % 60), (int)(secs % 60), (int)(rem % 1000000));
}

void batch_write_text(const char *text, size_t len, FILE *out)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t run = 0;

    for (size_t i = 0; i < len; i++) {
        unsigned char c = p[i];
        if (c >= 0x20 && c != '\\' && c != 0x7f)
            continue;
        fwrite(p + run, 1, i - run, out);
        run = i + 1;
        switch (c) {
        case '\\': fputs("\\\\", out); break;
        case '\t': fputs("\\t", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        default: fprintf(out, "\\x%02x", c); break;
        }
    }
    fwrite(p + run, 1, len - run, out);
}

int batch_format_cell(const quire_batch *batch, uint32_t col, uint32_t row, FILE *out)
{
    const quire_column *column = &batch->columns[col];
    char buf[64];
    size_t n = 0;

    if (column->nulls != NULL && column->nulls[row]) {
        fputs("\\N", out);
        return ferror(out) ? -1 : 0;
    }
    switch (column->type) {
    case QUIRE_TYPE_BOOL: fputs(column->v.i64[row] ? "true" : "false", out); break;
    case QUIRE_TYPE_INT: n = format_i64(column->v.i64[row], buf); break;
    case QUIRE_TYPE_DECIMAL: n = format_decimal(column->v.i64[row], column->scale, buf); break;
    case QUIRE_TYPE_FLOAT: n = (size_t)format_double(column->v.f64[row], buf, sizeof(buf)); break;
    case QUIRE_TYPE_DATE: n = (size_t)format_date(column->v.i64[row], buf, sizeof(buf)); break;
    case QUIRE_TYPE_TIMESTAMP:
        n = (size_t)format_timestamp(column->v.i64[row], buf, sizeof(buf));
        break;
    case QUIRE_TYPE_STRING:
        batch_write_text(column->v.str[row].ptr, column->v.str[row].len, out);
        break;
    default: fputs("?", out); break;
    }
    if (n > 0)
        fwrite(buf, 1, n < sizeof(buf) ? n : sizeof(buf) - 1, out);
    return ferror(out) ? -1 : 0;
}
