/*
 * calendar.h - proleptic Gregorian dates as day counts, the one place the
 * kernel converts between year-month-day and days since 1970-01-01 (the
 * DATE representation of quire/types.h).
 */
#ifndef QUIRE_CALENDAR_H
#define QUIRE_CALENDAR_H

#include <stdint.h>

/* Days since 1970-01-01 of year-month-day (month 1..12, day 1..31, not
 * checked against the month's length). Exact for |year| < 2^40. */
int64_t cal_days_from_civil(int64_t year, unsigned month, unsigned day);

/* The civil date of `days` since 1970-01-01. Exact for |days| < 2^60. */
void cal_civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day);

/* a / b rounded towards negative infinity (b > 0): the day of a
 * timestamp before 1970 is the one before, not the one after. */
int64_t cal_floor_div(int64_t a, int64_t b);

/* ISO day of the week of `days`: 1 = Monday .. 7 = Sunday. */
int cal_weekday(int64_t days);

/* ISO 8601 week of `days`: the week's year (the year of its Thursday,
 * which may differ from the date's near New Year) and number 1..53. */
void cal_iso_week(int64_t days, int64_t *year, unsigned *week);

/* 1 for a leap year. */
int cal_is_leap(int64_t year);

/* Days in `month` (1..12) of `year`. */
unsigned cal_days_in_month(int64_t year, unsigned month);

#endif /* QUIRE_CALENDAR_H */
