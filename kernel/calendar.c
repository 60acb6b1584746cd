/*
 * calendar.c - day counts and civil dates (see calendar.h). Both directions
 * count in eras of 400 years (146097 days) that start on 1 March, so the
 * leap day is the last day of a year and needs no special case (Howard
 * Hinnant's date algorithms).
 */
#include "calendar.h"

int64_t cal_days_from_civil(int64_t year, unsigned month, unsigned day)
{
    int64_t y = year - (month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                         /* [0, 399] */
    int64_t mp = month > 2 ? month - 3 : month + 9;      /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + (int64_t)day - 1; /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

void cal_civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;                                      /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                                    /* [0, 11] */

    *day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *year = yoe + era * 400 + (*month <= 2);
}

int64_t cal_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int cal_weekday(int64_t days)
{
    /* 1970-01-01 was a Thursday (4). */
    return (int)(((days % 7) + 7 + 3) % 7) + 1;
}

void cal_iso_week(int64_t days, int64_t *year, unsigned *week)
{
    int64_t thursday = days - cal_weekday(days) + 4;
    unsigned m, d;
    cal_civil_from_days(thursday, year, &m, &d);
    *week = (unsigned)((thursday - cal_days_from_civil(*year, 1, 1)) / 7 + 1);
}

int cal_is_leap(int64_t year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

unsigned cal_days_in_month(int64_t year, unsigned month)
{
    static const unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12)
        return 0;
    return month == 2 ? 28u + (unsigned)cal_is_leap(year) : days[month - 1];
}
