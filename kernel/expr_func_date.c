/*
 * expr_func_date.c - calendar functions: year month day quarter week
 * weekday (of dates and timestamps), hour minute second (of timestamps),
 * date_trunc, now, today.
 *
 * The calendar is proleptic Gregorian and timestamps are read in UTC.
 * week() is the ISO 8601 week number (weeks start on Monday; week 1 holds
 * the year's first Thursday), weekday() is 1 = Monday .. 7 = Sunday.
 */
#include "expr_impl.h"
#include "calendar.h"

#include <string.h>

/* Dates further than this from 1970 (about 3 billion years) are refused:
 * the civil arithmetic would overflow near INT64_MAX. */
#define DAYS_LIMIT ((int64_t)1 << 40)

/* ============================== Calendar ================================== */

static int iso_week(int64_t days)
{
    int64_t y;
    unsigned w;
    cal_iso_week(days, &y, &w);
    return (int)w;
}

/* The day of a date or timestamp argument; -1 with *err if out of range. */
static int arg_days(const expr *e, const qv *v, int64_t *days, quire_error *err)
{
    *days = v->type == QUIRE_TYPE_TIMESTAMP ? cal_floor_div(v->u.i, EXPR_US_PER_DAY) : v->u.i;
    if (*days > DAYS_LIMIT || *days < -DAYS_LIMIT)
        return expr_fail(err, e, "date out of range in '%s'", e->opname);
    return QUIRE_OK;
}

/* ============================== Parts ===================================== */

#define PART_YEAR    1
#define PART_MONTH   2
#define PART_DAY     3
#define PART_QUARTER 4
#define PART_WEEK    5
#define PART_WEEKDAY 6

static int date_part(const expr *e, const qv *args, qv *out, quire_error *err, int part)
{
    int64_t days, y;
    unsigned m, d;

    if (arg_days(e, &args[0], &days, err) != QUIRE_OK)
        return QUIRE_ERR;
    cal_civil_from_days(days, &y, &m, &d);
    switch (part) {
    case PART_YEAR: *out = qv_int(y); break;
    case PART_MONTH: *out = qv_int(m); break;
    case PART_DAY: *out = qv_int(d); break;
    case PART_QUARTER: *out = qv_int((m - 1) / 3 + 1); break;
    case PART_WEEK: *out = qv_int(iso_week(days)); break;
    default: *out = qv_int(cal_weekday(days)); break;
    }
    return QUIRE_OK;
}

#define DATE_PART_FN(name, part)                                                                   \
    static int fn_##name(const expr *e, const qv *args, const expr_ctx *ctx, qv *out,              \
                         quire_error *err)                                                         \
    {                                                                                              \
        (void)ctx;                                                                                 \
        return date_part(e, args, out, err, part);                                                 \
    }

DATE_PART_FN(year, PART_YEAR)
DATE_PART_FN(month, PART_MONTH)
DATE_PART_FN(day, PART_DAY)
DATE_PART_FN(quarter, PART_QUARTER)
DATE_PART_FN(week, PART_WEEK)
DATE_PART_FN(weekday, PART_WEEKDAY)

/* Microseconds into the day of a timestamp. */
static int64_t us_of_day(const qv *v)
{
    int64_t r = v->u.i % EXPR_US_PER_DAY;
    return r < 0 ? r + EXPR_US_PER_DAY : r;
}

static int fn_hour(const expr *e, const qv *args, const expr_ctx *ctx, qv *out, quire_error *err)
{
    (void)e, (void)ctx, (void)err;
    *out = qv_int(us_of_day(&args[0]) / (3600 * EXPR_US_PER_SEC));
    return QUIRE_OK;
}

static int fn_minute(const expr *e, const qv *args, const expr_ctx *ctx, qv *out, quire_error *err)
{
    (void)e, (void)ctx, (void)err;
    *out = qv_int(us_of_day(&args[0]) / (60 * EXPR_US_PER_SEC) % 60);
    return QUIRE_OK;
}

static int fn_second(const expr *e, const qv *args, const expr_ctx *ctx, qv *out, quire_error *err)
{
    (void)e, (void)ctx, (void)err;
    *out = qv_int(us_of_day(&args[0]) / EXPR_US_PER_SEC % 60);
    return QUIRE_OK;
}

/* ============================== date_trunc ================================ */

static const char *const units[] = {"hour", "day", "week", "month", "quarter", "year"};
#define UNIT_HOUR    0
#define UNIT_DAY     1
#define UNIT_WEEK    2
#define UNIT_MONTH   3
#define UNIT_QUARTER 4
#define UNIT_YEAR    5

/* date_trunc(unit, d): unit is a bare name or a constant string. */
static int check_date_trunc(expr_cc *cc, expr *e)
{
    expr *d = e->args[1];
    qv u;

    if (!expr_arg_constant(e, 0, &u) || u.null || u.type != QUIRE_TYPE_STRING) {
        expr_cc_error(
            cc, e->args[0]->loc,
            "'date_trunc' needs a constant unit: hour, day, week, month, quarter or year");
        return -1;
    }
    e->aux = -1;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strlen(units[i]) == u.u.s.len && memcmp(units[i], u.u.s.ptr, u.u.s.len) == 0)
            e->aux = (int64_t)i;
    }
    if (e->aux < 0) {
        expr_cc_error(cc, e->args[0]->loc,
                      "'date_trunc' unit must be hour, day, week, month, quarter or year, got "
                      "'%.*s'",
                      (int)(u.u.s.len > 64 ? 64 : u.u.s.len), u.u.s.ptr);
        return -1;
    }
    if (d->type == QUIRE_TYPE_NULL && expr_want_arg(cc, e, 1, QUIRE_TYPE_DATE, "") < 0)
        return -1;
    d = e->args[1];
    if (d->type != QUIRE_TYPE_DATE && d->type != QUIRE_TYPE_TIMESTAMP) {
        expr_cc_error(cc, d->loc, "'date_trunc' needs a date or timestamp as argument 2, got %s",
                      expr_type_name(d->type));
        return -1;
    }
    e->type = d->type;
    return 0;
}

static int fn_date_trunc(const expr *e, const qv *args, const expr_ctx *ctx, qv *out,
                         quire_error *err)
{
    int64_t days, y, t;
    unsigned m, d;
    int ts = args[1].type == QUIRE_TYPE_TIMESTAMP;

    (void)ctx;
    if (e->aux == UNIT_HOUR) {
        *out = args[1];
        if (ts)
            out->u.i = args[1].u.i - us_of_day(&args[1]) % (3600 * EXPR_US_PER_SEC);
        return QUIRE_OK;
    }
    if (arg_days(e, &args[1], &days, err) != QUIRE_OK)
        return QUIRE_ERR;
    cal_civil_from_days(days, &y, &m, &d);
    switch (e->aux) {
    case UNIT_DAY: t = days; break;
    case UNIT_WEEK: t = days - cal_weekday(days) + 1; break;
    case UNIT_MONTH: t = cal_days_from_civil(y, m, 1); break;
    case UNIT_QUARTER: t = cal_days_from_civil(y, (m - 1) / 3 * 3 + 1, 1); break;
    default: t = cal_days_from_civil(y, 1, 1); break;
    }
    *out = args[1];
    if (ts && __builtin_mul_overflow(t, EXPR_US_PER_DAY, &out->u.i))
        return expr_overflow(err, e);
    if (!ts)
        out->u.i = t;
    return QUIRE_OK;
}

/* ============================== Clock ===================================== */

static int fn_now(const expr *e, const qv *args, const expr_ctx *ctx, qv *out, quire_error *err)
{
    (void)e, (void)args, (void)err;
    *out = qv_int(ctx->now_us);
    out->type = QUIRE_TYPE_TIMESTAMP;
    return QUIRE_OK;
}

static int fn_today(const expr *e, const qv *args, const expr_ctx *ctx, qv *out, quire_error *err)
{
    (void)e, (void)args, (void)err;
    *out = qv_int(cal_floor_div(ctx->now_us, EXPR_US_PER_DAY));
    out->type = QUIRE_TYPE_DATE;
    return QUIRE_OK;
}

/* ============================== Checks ==================================== */

static int check_date_part(expr_cc *cc, expr *e)
{
    expr *a = e->args[0];

    e->type = QUIRE_TYPE_INT;
    if (a->type == QUIRE_TYPE_DATE || a->type == QUIRE_TYPE_TIMESTAMP)
        return 0;
    if (a->type == QUIRE_TYPE_NULL)
        return expr_want_arg(cc, e, 0, QUIRE_TYPE_DATE, "");
    expr_cc_error(cc, a->loc, "'%s' needs a date or timestamp as argument 1, got %s", e->opname,
                  expr_type_name(a->type));
    return -1;
}

static int check_time_part(expr_cc *cc, expr *e)
{
    e->type = QUIRE_TYPE_INT;
    return expr_want_arg(cc, e, 0, QUIRE_TYPE_TIMESTAMP, "a timestamp");
}

static int check_now(expr_cc *cc, expr *e)
{
    (void)cc;
    e->type = QUIRE_TYPE_TIMESTAMP;
    return 0;
}

static int check_today(expr_cc *cc, expr *e)
{
    (void)cc;
    e->type = QUIRE_TYPE_DATE;
    return 0;
}

/* ============================== Table ===================================== */

#define NN FN_NULL_IN_NULL_OUT

const expr_fn expr_fns_date[] = {
    {"year", 1, 1, NN, EOP_CALL, check_date_part, fn_year},
    {"month", 1, 1, NN, EOP_CALL, check_date_part, fn_month},
    {"day", 1, 1, NN, EOP_CALL, check_date_part, fn_day},
    {"quarter", 1, 1, NN, EOP_CALL, check_date_part, fn_quarter},
    {"week", 1, 1, NN, EOP_CALL, check_date_part, fn_week},
    {"weekday", 1, 1, NN, EOP_CALL, check_date_part, fn_weekday},
    {"hour", 1, 1, NN, EOP_CALL, check_time_part, fn_hour},
    {"minute", 1, 1, NN, EOP_CALL, check_time_part, fn_minute},
    {"second", 1, 1, NN, EOP_CALL, check_time_part, fn_second},
    {"date_trunc", 2, 2, NN | FN_UNIT_ARG0, EOP_CALL, check_date_trunc, fn_date_trunc},
    {"now", 0, 0, FN_NOW, EOP_CALL, check_now, fn_now},
    {"today", 0, 0, FN_NOW, EOP_CALL, check_today, fn_today},
};

const size_t expr_nfns_date = sizeof(expr_fns_date) / sizeof(expr_fns_date[0]);
