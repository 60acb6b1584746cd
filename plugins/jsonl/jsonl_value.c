/*
 * jsonl_value.c - the jsonl plugin's text parsers (see jsonl.h): a value's
 * text to a typed value, exactly. Integers and decimals use checked integer
 * arithmetic, never a double; dates are checked against the calendar and
 * counted in integer days; timestamps are normalised to UTC by their
 * offset. Only floats go through strtod. The accepted syntax is the csv
 * plugin's, so a `types` override reads the same text in both. Shared with
 * the sqlite plugin: depend on nothing but jsonl_value.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonl_value.h"

/* ============================== Helpers =================================== */

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* s[0..n) equals the lower-case word `w`, ignoring ASCII case. */
static int word_is(const char *s, size_t n, const char *w)
{
    size_t i = 0;

    for (; i < n && w[i] != '\0'; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c + ('a' - 'A'));
        if (c != w[i])
            return 0;
    }
    return i == n && w[i] == '\0';
}

/* The `count` digits at s as a number, or -1 if one is not a digit. */
static int digits_value(const char *s, int count)
{
    int v = 0;

    for (int i = 0; i < count; i++) {
        if (!is_digit(s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* Where the parts of "[+-] digits [. digits] [e [+-] digits]" are. */
typedef struct number_parts {
    int negative;
    size_t int_at, int_len;
    size_t frac_at, frac_len;
    int dot, exponent;
} number_parts;

/* Splits s[0..n) into number parts; -1 if it is not all one number. */
static int split_number(const char *s, size_t n, number_parts *p)
{
    size_t i = 0;

    memset(p, 0, sizeof(*p));
    if (i < n && (s[i] == '+' || s[i] == '-'))
        p->negative = s[i++] == '-';
    p->int_at = i;
    while (i < n && is_digit(s[i]))
        i++;
    p->int_len = i - p->int_at;
    if (i < n && s[i] == '.') {
        p->dot = 1;
        p->frac_at = ++i;
        while (i < n && is_digit(s[i]))
            i++;
        p->frac_len = i - p->frac_at;
    }
    if (p->int_len + p->frac_len == 0)
        return -1;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t first;
        p->exponent = 1;
        if (++i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        first = i;
        while (i < n && is_digit(s[i]))
            i++;
        if (i == first)
            return -1;
    }
    return i == n ? 0 : -1;
}

/* *acc = *acc * 10 + digit unless that passes `limit`; -1 if it would. */
static int push_digit(uint64_t *acc, unsigned digit, uint64_t limit)
{
    if (*acc > (limit - digit) / 10)
        return -1;
    *acc = *acc * 10 + digit;
    return 0;
}

/* The largest magnitude an int64 of this sign holds. */
static uint64_t magnitude_limit(int negative)
{
    return negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
}

static int64_t signed_value(uint64_t magnitude, int negative)
{
    if (!negative || magnitude == 0)
        return (int64_t)magnitude;
    /* magnitude <= 2^63: -(magnitude - 1) - 1 cannot overflow. */
    return -(int64_t)(magnitude - 1) - 1;
}

/* ============================== Numbers and bools ========================= */

int jsonl_parse_bool(const char *s, size_t n, int64_t *out)
{
    static const char *const yes[] = {"true", "t", "yes", "y", "1"};
    static const char *const no[] = {"false", "f", "no", "n", "0"};

    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (word_is(s, n, yes[i]) || word_is(s, n, no[i])) {
            *out = word_is(s, n, yes[i]);
            return 0;
        }
    }
    return -1;
}

int jsonl_parse_int(const char *s, size_t n, int64_t *out)
{
    number_parts p;
    uint64_t acc = 0;

    if (split_number(s, n, &p) != 0 || p.dot || p.exponent)
        return -1;
    for (size_t i = 0; i < p.int_len; i++)
        if (push_digit(&acc, (unsigned)(s[p.int_at + i] - '0'), magnitude_limit(p.negative)) != 0)
            return -1;
    *out = signed_value(acc, p.negative);
    return 0;
}

int jsonl_parse_decimal(const char *s, size_t n, int32_t scale, int64_t *out)
{
    number_parts p;
    uint64_t acc = 0, limit;

    if (scale < 0 || scale > JSONL_DECIMAL_DIGITS || split_number(s, n, &p) != 0 || p.exponent)
        return -1;
    limit = magnitude_limit(p.negative);
    for (size_t i = 0; i < p.int_len; i++)
        if (push_digit(&acc, (unsigned)(s[p.int_at + i] - '0'), limit) != 0)
            return -1;
    for (size_t i = 0; i < (size_t)scale; i++) {
        unsigned digit = i < p.frac_len ? (unsigned)(s[p.frac_at + i] - '0') : 0;
        if (push_digit(&acc, digit, limit) != 0)
            return -1;
    }
    /* Digits past the scale would be rounded away: only zeros are exact. */
    for (size_t i = (size_t)scale; i < p.frac_len; i++)
        if (s[p.frac_at + i] != '0')
            return -1;
    *out = signed_value(acc, p.negative);
    return 0;
}

int jsonl_parse_float(const char *s, size_t n, double *out)
{
    size_t sign = n > 0 && (s[0] == '+' || s[0] == '-');
    number_parts p;
    char buf[400];
    char *end;

    if (word_is(s + sign, n - sign, "inf") || word_is(s + sign, n - sign, "infinity")) {
        *out = s[0] == '-' ? -HUGE_VAL : HUGE_VAL;
        return 0;
    }
    if (word_is(s + sign, n - sign, "nan")) {
        *out = NAN;
        return 0;
    }
    /* Checked here first: strtod also takes hex, blanks and "infinity". */
    if (n >= sizeof(buf) || split_number(s, n, &p) != 0)
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    *out = strtod(buf, &end);
    /* end falls short under an LC_NUMERIC whose point is not '.'. */
    return end == buf + n && !isinf(*out) ? 0 : -1;
}

/* ============================== Dates and times =========================== */

/* Days from 1970-01-01 to the given civil date (proleptic Gregorian). The
 * year is counted from March so that the leap day ends it; 400-year cycles
 * have 146097 days. */
static int64_t days_from_civil(int64_t year, int month, int day)
{
    int64_t y = month <= 2 ? year - 1 : year;
    int64_t cycle = (y >= 0 ? y : y - 399) / 400;
    int64_t year_of_cycle = y - cycle * 400;
    int64_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    int64_t day_of_cycle =
        year_of_cycle * 365 + year_of_cycle / 4 - year_of_cycle / 100 + day_of_year;

    return cycle * 146097 + day_of_cycle - 719468;
}

static int month_days(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);

    return month == 2 && leap ? 29 : days[month - 1];
}

int jsonl_parse_date(const char *s, size_t n, int64_t *out)
{
    int year, month, day;

    if (n != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    year = digits_value(s, 4);
    month = digits_value(s + 5, 2);
    day = digits_value(s + 8, 2);
    if (year < 0 || month < 1 || month > 12 || day < 1 || day > month_days(year, month))
        return -1;
    *out = days_from_civil(year, month, day);
    return 0;
}

#define MICROS_PER_SECOND INT64_C(1000000)

int jsonl_parse_timestamp(const char *s, size_t n, int64_t *out)
{
    int64_t days, seconds, micros = 0;
    int hour, minute, second;
    size_t i = 19;

    if (n < 10 || jsonl_parse_date(s, 10, &days) != 0)
        return -1;
    if (n == 10) {
        *out = days * 86400 * MICROS_PER_SECOND;
        return 0;
    }
    if (n < 19 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' || s[16] != ':')
        return -1;
    hour = digits_value(s + 11, 2);
    minute = digits_value(s + 14, 2);
    second = digits_value(s + 17, 2);
    if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59)
        return -1;
    seconds = days * 86400 + hour * 3600 + minute * 60 + second;
    if (i < n && s[i] == '.') {
        int digits = 0;
        for (i++; i < n && is_digit(s[i]); i++) {
            if (++digits > 6)
                return -1; /* below a microsecond: not exact */
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
        int sign = s[i] == '-' ? -1 : 1, off_hour, off_minute;
        if (n - i != 6 || s[i + 3] != ':')
            return -1;
        off_hour = digits_value(s + i + 1, 2);
        off_minute = digits_value(s + i + 4, 2);
        if (off_hour < 0 || off_hour > 23 || off_minute < 0 || off_minute > 59)
            return -1;
        /* 10:00+02:00 is 08:00 UTC. */
        seconds -= sign * (off_hour * 3600 + off_minute * 60);
        i += 6;
    }
    if (i != n)
        return -1;
    *out = seconds * MICROS_PER_SECOND + micros;
    return 0;
}

/* ============================== UTF-8 and messages ======================== */

size_t jsonl_utf8_len(const unsigned char *s, size_t n)
{
    unsigned char lead = s[0], lo = 0x80, hi = 0xbf;
    size_t len;

    if (lead < 0x80)
        return 1;
    if (lead >= 0xc2 && lead <= 0xdf)
        len = 2;
    else if (lead >= 0xe0 && lead <= 0xef)
        len = 3;
    else if (lead >= 0xf0 && lead <= 0xf4)
        len = 4;
    else
        return 0; /* a continuation byte, C0/C1 (overlong) or past U+10FFFF */
    /* The second byte's range rules out overlong forms, surrogates and
     * code points past U+10FFFF. */
    if (lead == 0xe0)
        lo = 0xa0;
    else if (lead == 0xed)
        hi = 0x9f;
    else if (lead == 0xf0)
        lo = 0x90;
    else if (lead == 0xf4)
        hi = 0x8f;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return len;
}

const char *jsonl_show(const char *text, size_t n, char *buf, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    const size_t shown_max = 60;
    size_t out = 0, i = 0;

    if (len == 0)
        return buf;
    while (i < n && i < shown_max) {
        size_t seq = jsonl_utf8_len(s + i, n - i);
        char esc[8];
        int escaped = 1;

        if (s[i] == '\n')
            memcpy(esc, "\\n", 3);
        else if (s[i] == '\t')
            memcpy(esc, "\\t", 3);
        else if (s[i] == '\r')
            memcpy(esc, "\\r", 3);
        else if (s[i] < 0x20 || s[i] == 0x7f || seq == 0)
            snprintf(esc, sizeof(esc), "\\x%02x", s[i]);
        else
            escaped = 0;
        if (escaped) {
            size_t add = strlen(esc);
            if (out + add + 4 > len)
                break;
            memcpy(buf + out, esc, add);
            out += add;
            i++;
        } else {
            if (out + seq + 4 > len)
                break;
            memcpy(buf + out, s + i, seq);
            out += seq;
            i += seq;
        }
    }
    if (i < n && out + 4 <= len) {
        memcpy(buf + out, "...", 3);
        out += 3;
    }
    buf[out < len ? out : len - 1] = '\0';
    return buf;
}

const char *jsonl_type_text(uint32_t type, int32_t scale, char *buf, size_t len)
{
    static const char *const names[] = {"null",  "bool",   "int",  "decimal",
                                        "float", "string", "date", "timestamp"};

    if (type == QUIRE_TYPE_DECIMAL)
        snprintf(buf, len, "decimal(%d)", (int)scale);
    else
        snprintf(buf, len, "%s", type < sizeof(names) / sizeof(names[0]) ? names[type] : "?");
    return buf;
}

/* ============================== The types option ========================== */

const char *jsonl_option_where(const quire_option *option, char *buf, size_t len)
{
    const char *file = option->file ? option->file : "options";

    if (option->line > 0)
        snprintf(buf, len, "%s:%u:%u", file, (unsigned)option->line, (unsigned)option->column);
    else if (option->column > 0)
        snprintf(buf, len, "%s argument %u", file, (unsigned)option->column);
    else
        snprintf(buf, len, "%s", file);
    return buf;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Trims blanks around s[0..*n); returns the new start. */
static const char *trim(const char *s, size_t *n)
{
    while (*n > 0 && is_blank(s[0])) {
        s++;
        (*n)--;
    }
    while (*n > 0 && is_blank(s[*n - 1]))
        (*n)--;
    return s;
}

/* bool, int, decimal(N) with N in 0..18, float, string, date, timestamp. */
static int parse_type_name(const char *s, size_t n, uint32_t *type, int32_t *scale)
{
    static const struct {
        const char *name;
        uint32_t type;
    } names[] = {
        {"bool", QUIRE_TYPE_BOOL},   {"int", QUIRE_TYPE_INT},
        {"float", QUIRE_TYPE_FLOAT}, {"string", QUIRE_TYPE_STRING},
        {"date", QUIRE_TYPE_DATE},   {"timestamp", QUIRE_TYPE_TIMESTAMP},
    };
    int32_t v = 0;

    *scale = 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strlen(names[i].name) == n && memcmp(s, names[i].name, n) == 0) {
            *type = names[i].type;
            return 0;
        }
    }
    if (n < 10 || n > 11 || memcmp(s, "decimal(", 8) != 0 || s[n - 1] != ')')
        return -1;
    for (size_t i = 8; i < n - 1; i++) {
        if (!is_digit(s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    if (v > JSONL_DECIMAL_DIGITS)
        return -1;
    *type = QUIRE_TYPE_DECIMAL;
    *scale = v;
    return 0;
}

int jsonl_types_parse(const quire_host *host, const char *plugin, const quire_option *option,
                      jsonl_type_override **out, size_t *count, quire_error *err)
{
    static const char type_list[] = "bool, int, decimal(SCALE), float, string, date, timestamp";
    const char *v = option->value ? option->value : "";
    char where[256], shown[256], item_shown[256];
    size_t items = 1;

    for (const char *p = v; *p; p++)
        items += *p == ',';
    *count = 0;
    *out = host->calloc(items, sizeof(jsonl_type_override));
    if (*out == NULL) {
        host->error_set(err, QUIRE_E_NOMEM, "%s: out of memory parsing options", plugin);
        return QUIRE_ERR;
    }
    jsonl_option_where(option, where, sizeof(where));
    for (const char *p = v;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        const char *item = trim(p, &n), *colon = NULL;
        jsonl_type_override *t = &(*out)[*count];
        size_t name_len, type_len;
        const char *name, *tname;

        /* The last colon: a column name may hold one, a type never. */
        for (size_t i = 0; i < n; i++)
            if (item[i] == ':')
                colon = item + i;
        if (n == 0)
            goto next_item; /* "a:int," */
        jsonl_show(item, n, item_shown, sizeof(item_shown));
        if (colon == NULL) {
            host->error_set(err, QUIRE_E_INVALID,
                            "%s: %s: types: '%s' has no type (write COLUMN:TYPE)", where, plugin,
                            item_shown);
            return QUIRE_ERR;
        }
        name_len = (size_t)(colon - item);
        name = trim(item, &name_len);
        type_len = n - (size_t)(colon + 1 - item);
        tname = trim(colon + 1, &type_len);
        if (name_len == 0) {
            host->error_set(err, QUIRE_E_INVALID,
                            "%s: %s: types: '%s' has no column name (write COLUMN:TYPE)", where,
                            plugin, item_shown);
            return QUIRE_ERR;
        }
        if (parse_type_name(tname, type_len, &t->type, &t->scale) != 0) {
            host->error_set(err, QUIRE_E_INVALID,
                            "%s: %s: types: '%s' in '%s' is not a type (%s; SCALE 0..%d)", where,
                            plugin, jsonl_show(tname, type_len, shown, sizeof(shown)), item_shown,
                            type_list, JSONL_DECIMAL_DIGITS);
            return QUIRE_ERR;
        }
        for (size_t i = 0; i < *count; i++) {
            if (strlen((*out)[i].name) == name_len && memcmp((*out)[i].name, name, name_len) == 0) {
                host->error_set(err, QUIRE_E_INVALID, "%s: %s: types: column '%s' is given twice",
                                where, plugin, jsonl_show(name, name_len, shown, sizeof(shown)));
                return QUIRE_ERR;
            }
        }
        t->name = host->malloc(name_len + 1);
        if (t->name == NULL) {
            host->error_set(err, QUIRE_E_NOMEM, "%s: out of memory parsing options", plugin);
            return QUIRE_ERR;
        }
        memcpy(t->name, name, name_len);
        t->name[name_len] = '\0';
        (*count)++;
    next_item:
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    return QUIRE_OK;
}
