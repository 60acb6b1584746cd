/*
 * std_axis.c - axis ticks and their labels: nice value ticks (1, 2, 2.5, 5
 * x 10^k), compact number labels (1.2M, 350K), and calendar ticks for
 * date axes (hours, days, weeks, months, quarters, years) labelled in the
 * report's locale through the host's formatters.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "std.h"

/* ============================== Nice value ticks ========================== */

double std_nice_step(double range, int target)
{
    static const double nice[] = {1.0, 2.0, 2.5, 5.0, 10.0};
    double raw, mag, norm;

    if (target < 1)
        target = 1;
    raw = range / target;
    if (!(raw > 0) || !isfinite(raw))
        return 1.0;
    mag = pow(10.0, floor(log10(raw)));
    norm = raw / mag;
    for (size_t i = 0; i < sizeof(nice) / sizeof(nice[0]); i++)
        if (norm <= nice[i] * (1 + 1e-9))
            return nice[i] * mag;
    return 10.0 * mag;
}

/* Decimals needed to print multiples of `step` exactly (at most 8). */
static int step_decimals(double step)
{
    double s = fabs(step);

    for (int d = 0; d <= 8; d++) {
        double scaled = s * pow(10.0, d);
        if (fabs(scaled - nearbyint(scaled)) < 1e-6 * (scaled > 1 ? scaled : 1))
            return d;
    }
    return 8;
}

/* "#,##0.##" with `decimals` optional decimals. */
static void decimal_pattern(int decimals, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "#,##0");

    if (decimals > 0 && (size_t)n + 2 + (size_t)decimals < cap) {
        buf[n++] = '.';
        for (int i = 0; i < decimals; i++)
            buf[n++] = '#';
        buf[n] = '\0';
    }
}

/* The compact divisor and suffix for values up to `mag` in size. */
static double compact_unit(double mag, const char **suffix)
{
    if (mag >= 1e12) {
        *suffix = "T";
        return 1e12;
    }
    if (mag >= 1e9) {
        *suffix = "B";
        return 1e9;
    }
    if (mag >= 1e6) {
        *suffix = "M";
        return 1e6;
    }
    if (mag >= 1e4) {
        *suffix = "K";
        return 1e3;
    }
    *suffix = "";
    return 1.0;
}

/* Formats v / div with `decimals` optional decimals and appends suffix. */
static size_t format_scaled(const std_ctx *c, double v, double div, int decimals,
                            const char *suffix, char *buf, size_t cap)
{
    char pattern[24];
    size_t n;

    decimal_pattern(decimals, pattern, sizeof(pattern));
    n = c->host->format_number(v / div, pattern, c->req->locale, buf, cap);
    if (n == (size_t)-1 || n >= cap) {
        n = (size_t)snprintf(buf, cap, "%g", v / div);
        if (n >= cap)
            n = cap - 1;
    }
    if (v != 0 && n + strlen(suffix) < cap) {
        memcpy(buf + n, suffix, strlen(suffix) + 1);
        n += strlen(suffix);
    }
    return n;
}

size_t std_format_value(const std_ctx *c, double v, const char *pattern, char *buf, size_t cap)
{
    const char *suffix;
    double div;
    size_t n;

    if (cap == 0)
        return 0;
    if (pattern != NULL) {
        n = c->host->format_number(v, pattern, c->req->locale, buf, cap);
        if (n != (size_t)-1)
            return n < cap ? n : cap - 1;
    }
    div = compact_unit(fabs(v), &suffix);
    return format_scaled(c, v, div, div > 1 ? 1 : 2, suffix, buf, cap);
}

void std_value_ticks(const std_ctx *c, double lo, double hi, int target, int percent, std_ticks *t)
{
    const char *pattern = c->opts.number_format, *suffix = "";
    double step, first, div = 1.0;
    int decimals;

    if (!isfinite(lo) || !isfinite(hi)) {
        lo = 0;
        hi = 1;
    }
    if (hi < lo) {
        double tmp = lo;
        lo = hi;
        hi = tmp;
    }
    if (hi == lo) {
        /* One value: widen towards zero, or to [v - 1, v + 1] at zero. */
        double pad = lo == 0 ? 1.0 : fabs(lo) * 0.5;
        if (lo > 0)
            lo = 0;
        else if (hi < 0)
            hi = 0;
        else {
            lo -= pad;
            hi += pad;
        }
        if (hi == lo)
            hi = lo + 1;
    }
    step = std_nice_step(hi - lo, target);
    /* Never more ticks than the table holds. */
    while ((hi - lo) / step > STD_MAX_TICKS - 2)
        step = std_nice_step(hi - lo, (int)((hi - lo) / step / 2));
    first = floor(lo / step + 1e-9) * step;
    t->lo = first;
    t->hi = ceil(hi / step - 1e-9) * step;
    if (t->hi <= t->lo)
        t->hi = t->lo + step;
    t->step = step;
    t->n = 0;
    if (pattern == NULL && !percent)
        div = compact_unit(fmax(fabs(t->lo), fabs(t->hi)), &suffix);
    decimals = step_decimals(step / div);
    for (size_t i = 0; i < STD_MAX_TICKS; i++) {
        double v = first + (double)i * step;
        if (v > t->hi + step * 1e-9)
            break;
        if (fabs(v) < step * 1e-9)
            v = 0.0; /* no "-0" */
        t->v[t->n] = v;
        if (pattern != NULL && !percent)
            std_format_value(c, v, pattern, t->label[t->n], STD_LABEL_MAX);
        else
            format_scaled(c, v, div, decimals, percent ? "%" : suffix, t->label[t->n],
                          STD_LABEL_MAX);
        t->n++;
    }
}

/* ============================== Calendar ================================== */

/* Days since 1970-01-01 of the civil date y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The civil year and month (1-12) of day z since 1970-01-01. */
static void civil_from_days(int64_t z, int64_t *y, int *m)
{
    int64_t era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

double std_category_days(const quire_dataset *d, size_t i)
{
    double v;

    if (d->category_values == NULL)
        return NAN;
    v = d->category_values[i];
    if (d->category_type == QUIRE_TYPE_TIMESTAMP)
        return v / 86400.0;
    return v;
}

/* One candidate calendar step: `days` days (fractions: hours), or
 * `months` months. */
typedef struct cal_step {
    double days;
    int months;
    const char *pattern;
} cal_step;

static const cal_step cal_steps[] = {
    {1.0 / 24, 0, "HH:mm"},  {2.0 / 24, 0, "HH:mm"}, {3.0 / 24, 0, "HH:mm"}, {6.0 / 24, 0, "HH:mm"},
    {12.0 / 24, 0, "HH:mm"}, {1, 0, "d MMM"},        {2, 0, "d MMM"},        {7, 0, "d MMM"},
    {14, 0, "d MMM"},        {0, 1, "MMM yyyy"},     {0, 3, "MMM yyyy"},     {0, 6, "MMM yyyy"},
    {0, 12, "yyyy"},         {0, 24, "yyyy"},        {0, 60, "yyyy"},        {0, 120, "yyyy"},
    {0, 240, "yyyy"},        {0, 600, "yyyy"},       {0, 1200, "yyyy"},      {0, 6000, "yyyy"},
};
#define NCAL (sizeof(cal_steps) / sizeof(cal_steps[0]))

/* The ticks of step s inside [lo, hi] into t->v (at most STD_MAX_TICKS). */
static void cal_ticks(const cal_step *s, double lo, double hi, std_ticks *t)
{
    t->n = 0;
    if (s->months == 0) {
        double start;
        if (s->days == 7 || s->days == 14) {
            /* Mondays: 1970-01-01 was a Thursday, day 4 the first Monday. */
            start = ceil((lo - 4) / s->days - 1e-9) * s->days + 4;
        } else
            start = ceil(lo / s->days - 1e-9) * s->days;
        for (double v = start; v <= hi + 1e-9 && t->n < STD_MAX_TICKS; v += s->days)
            t->v[t->n++] = v;
        return;
    }
    {
        int64_t y;
        int m;
        int64_t idx;
        civil_from_days((int64_t)floor(lo), &y, &m);
        idx = y * 12 + (m - 1);
        /* The first month index at or after lo that is a multiple of the
         * step (January for years, quarters from January). */
        if (days_from_civil(y, m, 1) < lo - 1e-9)
            idx++;
        idx = (idx + s->months - 1) / s->months * s->months;
        for (; t->n < STD_MAX_TICKS; idx += s->months) {
            int64_t yy = idx / 12;
            int mm = (int)(idx % 12) + 1;
            double v = (double)days_from_civil(yy, mm, 1);
            if (v > hi + 1e-9)
                break;
            t->v[t->n++] = v;
        }
    }
}

/* Labels t->v with `pattern`; returns the widest label's width. */
static double cal_labels(const std_ctx *c, const char *pattern, std_ticks *t)
{
    double widest = 0;

    for (size_t i = 0; i < t->n; i++) {
        int64_t us = (int64_t)llround(t->v[i] * 86400.0) * 1000000;
        size_t n = c->host->format_time(us, pattern, c->req->locale, t->label[i], STD_LABEL_MAX);
        double w;
        if (n == (size_t)-1)
            n = (size_t)snprintf(t->label[i], STD_LABEL_MAX, "%.0f", t->v[i]);
        if (n >= STD_LABEL_MAX)
            n = STD_LABEL_MAX - 1;
        w = std_text_width(c, t->label[i], n, c->fs, 0);
        widest = w > widest ? w : widest;
    }
    return widest;
}

void std_date_ticks(const std_ctx *c, double lo, double hi, double width, std_ticks *t)
{
    size_t chosen = NCAL - 1, fallback = NCAL;

    if (!(hi > lo)) {
        lo -= 1;
        hi += 1;
    }
    t->lo = lo;
    t->hi = hi;
    for (size_t i = 0; i < NCAL; i++) {
        const cal_step *s = &cal_steps[i];
        double span_steps = (hi - lo) / (s->months ? s->months * 30.44 : s->days);
        double widest;
        if (span_steps > STD_MAX_TICKS - 1)
            continue;
        if (s->months == 0 && s->days < 1 && hi - lo > 2)
            continue; /* hours only on short spans: "HH:mm" needs one day */
        cal_ticks(s, lo, hi, t);
        widest = cal_labels(c, c->opts.date_format ? c->opts.date_format : s->pattern, t);
        if ((double)t->n * (widest + c->fs) <= width) {
            chosen = i;
            fallback = NCAL;
            break;
        }
        if (t->n > 0)
            fallback = i; /* none fits: the coarsest with a tick */
    }
    if (fallback < NCAL)
        chosen = fallback;
    cal_ticks(&cal_steps[chosen], lo, hi, t);
    t->step = cal_steps[chosen].months ? cal_steps[chosen].months * 30.44 : cal_steps[chosen].days;
    cal_labels(c, c->opts.date_format ? c->opts.date_format : cal_steps[chosen].pattern, t);
}
