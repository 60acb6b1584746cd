/*
 * agg_bucket.c - time buckets for chart categories (bucket = month) and
 * the gap filler that walks every bucket between the first and the last
 * one that has data (fill_gaps = true). See agg.h.
 *
 * Dates are days since 1970-01-01 in the proleptic Gregorian calendar;
 * timestamps are microseconds since the epoch, bucketed in UTC.
 */
#include "agg.h"
#include "calendar.h"

#include "batch.h"

#define HOUR_US    INT64_C(3600000000)
#define DAY_US     INT64_C(86400000000)
#define DATE_LIMIT (INT64_C(1) << 40) /* the civil arithmetic is exact well past this */

/* ============================== Calendar ================================== */

/* Monday of the ISO week holding `days` (1970-01-01 was a Thursday). */
static int64_t monday_of(int64_t days)
{
    return days - (cal_weekday(days) - 1);
}

/* The first day of the bucket holding the date `days`. */
static int64_t date_floor(report_bucket b, int64_t days)
{
    int64_t y;
    unsigned m, d;

    switch (b) {
    case BUCKET_WEEK: return monday_of(days);
    case BUCKET_MONTH: cal_civil_from_days(days, &y, &m, &d); return days - (d - 1);
    case BUCKET_QUARTER:
        cal_civil_from_days(days, &y, &m, &d);
        return cal_days_from_civil(y, (m - 1) / 3 * 3 + 1, 1);
    case BUCKET_YEAR: cal_civil_from_days(days, &y, &m, &d); return cal_days_from_civil(y, 1, 1);
    default: return days;
    }
}

/* The first day of the bucket after the one holding `days`. */
static int64_t date_next(report_bucket b, int64_t days)
{
    int64_t start = date_floor(b, days), y;
    unsigned m, d, months;

    switch (b) {
    case BUCKET_WEEK: return start + 7;
    case BUCKET_MONTH:
    case BUCKET_QUARTER:
    case BUCKET_YEAR:
        months = b == BUCKET_MONTH ? 1 : b == BUCKET_QUARTER ? 3 : 12;
        cal_civil_from_days(start, &y, &m, &d);
        m += months;
        if (m > 12) {
            m -= 12;
            y++;
        }
        return cal_days_from_civil(y, m, 1);
    default: return days + 1;
    }
}

void bucket_iso_week(int64_t days, int64_t *year, unsigned *week)
{
    cal_iso_week(days, year, week);
}

/* ============================== Buckets =================================== */

static int64_t add_sat(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_add_overflow(a, b, &r))
        return b > 0 ? INT64_MAX : INT64_MIN;
    return r;
}

static int64_t mul_sat(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_mul_overflow(a, b, &r))
        return (a < 0) != (b < 0) ? INT64_MIN : INT64_MAX;
    return r;
}

int64_t bucket_floor(report_bucket b, uint32_t type, int64_t v)
{
    if (b == BUCKET_NONE)
        return v;
    if (type == QUIRE_TYPE_DATE)
        return v > DATE_LIMIT || v < -DATE_LIMIT ? v : date_floor(b, v);
    if (type != QUIRE_TYPE_TIMESTAMP)
        return v;
    if (b == BUCKET_HOUR)
        return mul_sat(cal_floor_div(v, HOUR_US), HOUR_US);
    return mul_sat(date_floor(b, cal_floor_div(v, DAY_US)), DAY_US);
}

int64_t bucket_next(report_bucket b, uint32_t type, int64_t v)
{
    if (b == BUCKET_NONE || (type != QUIRE_TYPE_DATE && type != QUIRE_TYPE_TIMESTAMP))
        return add_sat(v, 1);
    if (type == QUIRE_TYPE_DATE)
        return v > DATE_LIMIT || v < -DATE_LIMIT ? add_sat(v, 1) : date_next(b, v);
    if (b == BUCKET_HOUR)
        return add_sat(mul_sat(cal_floor_div(v, HOUR_US), HOUR_US), HOUR_US);
    return mul_sat(date_next(b, cal_floor_div(v, DAY_US)), DAY_US);
}

/* ============================== Gap filling =============================== */

void bucket_gaps_begin(bucket_gaps *it, report_bucket b, uint32_t type, const int64_t *present,
                       size_t n)
{
    it->bucket = b;
    it->type = type;
    it->present = present;
    it->n = n;
    it->next_present = 0;
    it->cur = n > 0 ? present[0] : 0;
    it->exhausted = 0;
}

static void advance(bucket_gaps *it)
{
    int64_t next = bucket_next(it->bucket, it->type, it->cur);

    if (next <= it->cur)
        it->exhausted = 1;
    else
        it->cur = next;
}

int bucket_gaps_next(bucket_gaps *it, int64_t *value, ptrdiff_t *index)
{
    int64_t p;

    if (it->next_present >= it->n)
        return 0;
    p = it->present[it->next_present];
    if (it->exhausted || p <= it->cur) {
        *value = p;
        *index = (ptrdiff_t)it->next_present++;
        if (!it->exhausted && p == it->cur)
            advance(it);
        return 1;
    }
    *value = it->cur;
    *index = -1;
    advance(it);
    return 1;
}
