/*
 * format.c - values as text: the canonical form and number/date patterns
 * (see format.h for the pattern language and its rules).
 *
 * Numbers are formatted from a decimal digit string, never through binary
 * floating point: ints and decimals give their digits exactly; floats give
 * their shortest round-trip digits. Rounding, grouping and padding then
 * work on that string.
 */
#include "format.h"

#include "calendar.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "decimal.h"

/* ============================== Output ==================================== */

/* snprintf-like sink: counts every byte, stores what fits before the NUL. */
typedef struct fmt_out {
    char *buf;
    size_t cap;
    size_t len;
} fmt_out;

static void put(fmt_out *o, const char *s, size_t n)
{
    if (o->len < o->cap) {
        size_t room = o->cap - 1 - o->len;
        memcpy(o->buf + o->len, s, n < room ? n : room);
    }
    o->len += n;
}

static void puts_(fmt_out *o, const char *s)
{
    put(o, s, strlen(s));
}

static void putc_(fmt_out *o, char c)
{
    put(o, &c, 1);
}

/* Writes v zero-padded to at least `width` digits (width <= 20). */
static void put_uint(fmt_out *o, uint64_t v, int width)
{
    char tmp[24];
    int n = 0;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0 && n < 24);
    while (n < width && n < 24)
        tmp[n++] = '0';
    while (n > 0)
        putc_(o, tmp[--n]);
}

static size_t finish(fmt_out *o)
{
    if (o->cap > 0)
        o->buf[o->len < o->cap ? o->len : o->cap - 1] = '\0';
    return o->len;
}

static void set_why(char *why, size_t len, const char *text)
{
    if (len > 0)
        snprintf(why, len, "%s", text);
}

/* ============================== Calendar ================================== */

#define US_PER_DAY INT64_C(86400000000)

/* Splits microseconds since the epoch into days and microseconds of day. */
static void split_ts(int64_t us, int64_t *days, int64_t *us_of_day)
{
    *days = us / US_PER_DAY;
    *us_of_day = us % US_PER_DAY;
    if (*us_of_day < 0) {
        *us_of_day += US_PER_DAY;
        (*days)--;
    }
}

/* Days further than this from 1970 are printed as a raw count, as the
 * batch printer does: civil arithmetic near INT64_MAX would overflow. */
#define DAYS_PRINTABLE ((int64_t)1 << 33)

/* ============================== Canonical text ============================ */

static void canon_date(fmt_out *o, int64_t days)
{
    int64_t y;
    unsigned m, d;
    char tmp[64];

    if (days > DAYS_PRINTABLE || days < -DAYS_PRINTABLE) {
        snprintf(tmp, sizeof(tmp), "@%" PRId64 "d", days);
        puts_(o, tmp);
        return;
    }
    cal_civil_from_days(days, &y, &m, &d);
    if (y >= 0 && y <= 9999)
        snprintf(tmp, sizeof(tmp), "%04d-%02u-%02u", (int)y, m, d);
    else
        snprintf(tmp, sizeof(tmp), "%+05" PRId64 "-%02u-%02u", y, m, d);
    puts_(o, tmp);
}

static void canon_timestamp(fmt_out *o, int64_t us)
{
    int64_t days, rem, secs;
    char tmp[48];

    split_ts(us, &days, &rem);
    canon_date(o, days);
    secs = rem / 1000000;
    if (rem % 1000000 == 0)
        snprintf(tmp, sizeof(tmp), "T%02d:%02d:%02dZ", (int)(secs / 3600), (int)(secs / 60 % 60),
                 (int)(secs % 60));
    else
        snprintf(tmp, sizeof(tmp), "T%02d:%02d:%02d.%06dZ", (int)(secs / 3600),
                 (int)(secs / 60 % 60), (int)(secs % 60), (int)(rem % 1000000));
    puts_(o, tmp);
}

/* The shortest "%.*e" text of v (finite, non-zero) that reads back as v;
 * returns its precision (significant digits). */
static int shortest_sci(double v, char *sci, size_t len)
{
    int precision;

    for (precision = 1; precision < 17; precision++) {
        snprintf(sci, len, "%.*e", precision - 1, v);
        if (strtod(sci, NULL) == v)
            return precision;
    }
    snprintf(sci, len, "%.*e", 16, v);
    return 17;
}

static void canon_float(fmt_out *o, double v)
{
    char sci[40], tmp[400];
    int precision, exponent, decimals;

    if (isnan(v)) {
        puts_(o, "nan");
        return;
    }
    if (isinf(v)) {
        puts_(o, v < 0 ? "-inf" : "inf");
        return;
    }
    if (v == 0) {
        puts_(o, signbit(v) ? "-0" : "0");
        return;
    }
    precision = shortest_sci(v, sci, sizeof(sci));
    exponent = atoi(strchr(sci, 'e') + 1);
    if (exponent < -4 || exponent >= 16) {
        puts_(o, sci);
        return;
    }
    decimals = precision - 1 - exponent;
    snprintf(tmp, sizeof(tmp), "%.*f", decimals > 0 ? decimals : 0, v);
    puts_(o, tmp);
}

static void canon(fmt_out *o, const qv *v)
{
    char tmp[48];

    if (v->null)
        return;
    switch (v->type) {
    case QUIRE_TYPE_BOOL: puts_(o, v->u.i ? "true" : "false"); break;
    case QUIRE_TYPE_INT:
        snprintf(tmp, sizeof(tmp), "%" PRId64, v->u.i);
        puts_(o, tmp);
        break;
    case QUIRE_TYPE_DECIMAL:
        dec_format(v->u.i, v->scale, tmp, sizeof(tmp));
        puts_(o, tmp);
        break;
    case QUIRE_TYPE_FLOAT: canon_float(o, v->u.f); break;
    case QUIRE_TYPE_STRING:
        if (v->u.s.len > 0)
            put(o, v->u.s.ptr, v->u.s.len);
        break;
    case QUIRE_TYPE_DATE: canon_date(o, v->u.i); break;
    case QUIRE_TYPE_TIMESTAMP: canon_timestamp(o, v->u.i); break;
    default: break;
    }
}

/* ============================== Number patterns =========================== */

#define AFFIX_MAX 128

/* In a stored affix these bytes stand for the locale's symbols. */
#define AFX_PERCENT  '\x01'
#define AFX_PERMILLE '\x02'
#define AFX_MINUS    '\x03'

typedef struct num_pattern {
    char pos_prefix[AFFIX_MAX], pos_suffix[AFFIX_MAX];
    char neg_prefix[AFFIX_MAX], neg_suffix[AFFIX_MAX];
    int has_neg;
    int min_int;     /* '0's before the point */
    int min_frac;    /* '0's after the point */
    int max_frac;    /* '0's and '#'s after the point */
    int group;       /* digits per group, 0: no grouping */
    int point_shown; /* the pattern ends its number with '.' */
    int shift;       /* 2 for %, 3 for ‰ */
} num_pattern;

typedef struct num_parser {
    const char *p;
    char *why;
    size_t why_len;
    int shift;
} num_parser;

static int num_fail(num_parser *np, const char *why)
{
    set_why(np->why, np->why_len, why);
    return -1;
}

static int is_num_char(char c)
{
    return c == '0' || c == '#' || c == ',' || c == '.';
}

/* Appends one byte to an affix being read; -1 when it is full. */
static int affix_add(num_parser *np, char *out, size_t *n, char c)
{
    if (*n + 1 >= AFFIX_MAX)
        return num_fail(np, "prefix or suffix longer than 120 bytes");
    out[(*n)++] = c;
    return 0;
}

/* Reads a prefix (up to the number) or a suffix (up to ';' or the end),
 * storing it with quotes removed and symbols as AFX_* bytes. */
static int parse_affix(num_parser *np, char *out, int suffix)
{
    size_t n = 0;

    out[0] = '\0';
    while (*np->p != '\0' && *np->p != ';') {
        const char *p = np->p;
        char c = *p;
        int rc = 0;

        if (is_num_char(c)) {
            if (!suffix)
                break;
            return num_fail(np, c == '0'   ? "unquoted '0' after the number (quote it: '0')"
                                : c == '#' ? "unquoted '#' after the number (quote it: '#')"
                                : c == ',' ? "unquoted ',' after the number (quote it: ',')"
                                           : "unquoted '.' after the number (quote it: '.')");
        }
        if (c == '\'' && p[1] == '\'') {
            rc = affix_add(np, out, &n, '\'');
            np->p = p + 2;
        } else if (c == '\'') {
            /* Quoted text; '' inside it is one quote. */
            for (p++;; p++) {
                if (*p == '\0')
                    return num_fail(np, "unterminated quote");
                if (*p == '\'' && p[1] != '\'')
                    break;
                if (*p == '\'')
                    p++;
                if (affix_add(np, out, &n, *p) < 0)
                    return -1;
            }
            np->p = p + 1;
        } else if (c == '%' || strncmp(p, "\xE2\x80\xB0", 3) == 0) {
            int shift = c == '%' ? 2 : 3;
            if (np->shift != 0)
                return num_fail(np, "more than one % or \xE2\x80\xB0 in the pattern");
            np->shift = shift;
            rc = affix_add(np, out, &n, c == '%' ? AFX_PERCENT : AFX_PERMILLE);
            np->p = p + (c == '%' ? 1 : 3);
        } else if (c == '-') {
            rc = affix_add(np, out, &n, AFX_MINUS);
            np->p = p + 1;
        } else if (c == AFX_PERCENT || c == AFX_PERMILLE || c == AFX_MINUS) {
            return num_fail(np, "control character in the pattern");
        } else {
            rc = affix_add(np, out, &n, c);
            np->p = p + 1;
        }
        if (rc < 0)
            return -1;
    }
    out[n] = '\0';
    return 0;
}

/* Reads the number part: [#,]* [0,]* ( '.' 0* #* )? */
static int parse_number(num_parser *np, num_pattern *pat)
{
    int digits = 0, since_group = -1, seen_zero = 0, seen_hash_frac = 0;

    for (; *np->p == '#' || *np->p == '0' || *np->p == ','; np->p++) {
        char c = *np->p;
        if (c == ',') {
            if (since_group == 0)
                return num_fail(np, "a grouping separator must be followed by digits");
            since_group = 0;
            continue;
        }
        if (c == '#' && seen_zero)
            return num_fail(np, "'#' after '0' in the integer part");
        if (c == '0') {
            seen_zero = 1;
            pat->min_int++;
        }
        digits++;
        if (since_group >= 0)
            since_group++;
    }
    if (since_group == 0)
        return num_fail(np, "a grouping separator must be followed by digits");
    pat->group = since_group > 0 ? since_group : 0;
    if (*np->p == '.') {
        np->p++;
        pat->point_shown = 1;
        for (; *np->p == '0' || *np->p == '#' || *np->p == ',' || *np->p == '.'; np->p++) {
            char c = *np->p;
            if (c == ',')
                return num_fail(np, "grouping separator after the decimal point");
            if (c == '.')
                return num_fail(np, "two decimal points");
            if (c == '0' && seen_hash_frac)
                return num_fail(np, "'0' after '#' in the fraction");
            if (c == '#')
                seen_hash_frac = 1;
            else
                pat->min_frac++;
            pat->max_frac++;
            digits++;
        }
        if (pat->max_frac > 0)
            pat->point_shown = 0; /* shown only when fraction digits are */
    }
    if (digits == 0)
        return num_fail(np, "no digits (0 or #) in the pattern");
    if (pat->max_frac > 40)
        return num_fail(np, "more than 40 fraction digits");
    if (pat->min_int > 40)
        return num_fail(np, "more than 40 integer digits");
    return 0;
}

static int num_parse(const char *pattern, num_pattern *pat, char *why, size_t why_len)
{
    num_parser np = {pattern, why, why_len, 0};
    num_pattern neg;

    memset(pat, 0, sizeof(*pat));
    if (parse_affix(&np, pat->pos_prefix, 0) < 0 || parse_number(&np, pat) < 0 ||
        parse_affix(&np, pat->pos_suffix, 1) < 0)
        return -1;
    pat->shift = np.shift;
    if (*np.p == ';') {
        /* Only the affixes of the negative subpattern count (as in Java),
         * so its % is not a second multiplier. */
        np.p++;
        np.shift = 0;
        memset(&neg, 0, sizeof(neg));
        if (parse_affix(&np, pat->neg_prefix, 0) < 0 || parse_number(&np, &neg) < 0 ||
            parse_affix(&np, pat->neg_suffix, 1) < 0)
            return -1;
        if (*np.p == ';')
            return num_fail(&np, "more than one ';' in the pattern");
        pat->has_neg = 1;
    }
    return 0;
}

/* A non-negative number as decimal digits: 0.d[0]d[1]...d[nd-1] x 10^exp
 * (no leading zeros; nd = 0 is zero). */
typedef struct digits {
    char d[40];
    int nd;
    int exp;
    int neg;
} digits;

static void digits_from_int(digits *g, int64_t v, int scale)
{
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    char tmp[24];
    int n = 0;

    g->neg = v < 0;
    while (mag != 0) {
        tmp[n++] = (char)('0' + mag % 10);
        mag /= 10;
    }
    g->nd = 0;
    while (n > 0)
        g->d[g->nd++] = tmp[--n];
    g->exp = g->nd - scale;
}

/* Finite doubles only. */
static void digits_from_double(digits *g, double v)
{
    char sci[40];
    int precision;

    g->neg = signbit(v) != 0;
    g->nd = 0;
    g->exp = 0;
    if (v == 0)
        return;
    precision = shortest_sci(fabs(v), sci, sizeof(sci));
    for (const char *p = sci; *p != 'e' && *p != '\0' && g->nd < precision; p++) {
        if (*p >= '0' && *p <= '9')
            g->d[g->nd++] = *p;
    }
    g->exp = atoi(strchr(sci, 'e') + 1) + 1;
}

/* Rounds half away from zero to `frac` digits after the point and drops
 * trailing zeros. */
static void digits_round(digits *g, int frac)
{
    int cut = g->exp + frac;

    if (cut < 0 || g->nd == 0) {
        g->nd = 0;
    } else if (cut < g->nd) {
        int up = g->d[cut] >= '5';
        g->nd = cut;
        while (up && g->nd > 0) {
            if (g->d[g->nd - 1] == '9') {
                g->nd--; /* a trailing 0, dropped */
            } else {
                g->d[g->nd - 1]++;
                up = 0;
            }
        }
        if (up) {
            g->d[0] = '1';
            g->nd = 1;
            g->exp++;
        }
    }
    while (g->nd > 0 && g->d[g->nd - 1] == '0')
        g->nd--;
    if (g->nd == 0)
        g->exp = 0;
}

/* The digit of weight 10^(exp - 1 - i). */
static char digit_at(const digits *g, int i)
{
    return i >= 0 && i < g->nd ? g->d[i] : '0';
}

static void put_affix(fmt_out *o, const char *affix, const fmt_locale *loc)
{
    for (const char *p = affix; *p != '\0'; p++) {
        if (*p == AFX_PERCENT)
            puts_(o, loc->percent);
        else if (*p == AFX_PERMILLE)
            puts_(o, loc->permille);
        else if (*p == AFX_MINUS)
            puts_(o, loc->minus);
        else
            putc_(o, *p);
    }
}

static void num_format(fmt_out *o, const num_pattern *pat, digits *g, const fmt_locale *loc)
{
    int int_digits, frac_digits, neg;

    g->exp += pat->shift;
    digits_round(g, pat->max_frac);
    neg = g->neg && g->nd > 0;
    if (neg && pat->has_neg) {
        put_affix(o, pat->neg_prefix, loc);
    } else {
        if (neg)
            puts_(o, loc->minus);
        put_affix(o, pat->pos_prefix, loc);
    }
    int_digits = g->exp > 0 ? g->exp : 0;
    if (int_digits < pat->min_int)
        int_digits = pat->min_int;
    frac_digits = g->nd - g->exp > 0 ? g->nd - g->exp : 0;
    if (frac_digits < pat->min_frac)
        frac_digits = pat->min_frac;
    if (int_digits == 0 && frac_digits == 0)
        int_digits = 1; /* zero with "#" prints "0" */
    for (int j = int_digits - 1; j >= 0; j--) {
        /* j is the power of ten of this digit. */
        putc_(o, digit_at(g, g->exp - 1 - j));
        if (pat->group > 0 && j > 0 && j % pat->group == 0)
            puts_(o, loc->group);
    }
    if (frac_digits > 0 || pat->point_shown)
        puts_(o, loc->decimal);
    for (int j = 1; j <= frac_digits; j++)
        putc_(o, digit_at(g, g->exp - 1 + j));
    if (neg && pat->has_neg)
        put_affix(o, pat->neg_suffix, loc);
    else
        put_affix(o, pat->pos_suffix, loc);
}

#define FAST_SEP_MAX 8 /* longest separator fast_number()'s buffer allows for */

/* The powers of ten a uint64_t holds. */
static const uint64_t POW10[20] = {1u,
                                   10u,
                                   100u,
                                   1000u,
                                   10000u,
                                   100000u,
                                   1000000u,
                                   10000000u,
                                   100000000u,
                                   1000000000u,
                                   10000000000u,
                                   100000000000u,
                                   1000000000000u,
                                   10000000000000u,
                                   100000000000000u,
                                   1000000000000000u,
                                   10000000000000000u,
                                   100000000000000000u,
                                   1000000000000000000u,
                                   10000000000000000000u};

/*
 * num_format() for the whole and decimal numbers that fill most reports:
 * v x 10^-scale (0 <= scale <= 18) with a pattern without % or permille,
 * worked out on the 64-bit magnitude instead of a digit string. Each step
 * matches one of digits_round() and num_format(): rounding half away from
 * zero on the first dropped digit, trailing fraction zeros dropped down to
 * the pattern's minimum, no minus sign on what rounds to zero.
 */
static void fast_number(fmt_out *o, const num_pattern *pat, int64_t v, int scale,
                        const fmt_locale *loc, size_t group_len, size_t dec_len)
{
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, ip, fp;
    int frac_sig, frac_digits, int_digits, nint = 0, neg;
    size_t n = 0;
    char ints[24]; /* the integer part's digits, lowest first */
    /* At most 40 digits on each side of the point, 39 separators of at most
     * FAST_SEP_MAX bytes and the point: see fmt_value_compiled(). */
    char text[512];

    if (scale > pat->max_frac) {
        uint64_t d = POW10[scale - pat->max_frac];
        mag = mag / d + (mag % d >= d / 2);
        scale = pat->max_frac;
    }
    ip = mag / POW10[scale];
    fp = mag % POW10[scale];
    frac_sig = fp == 0 ? 0 : scale;
    while (fp != 0 && fp % 10 == 0) {
        fp /= 10;
        frac_sig--;
    }
    neg = v < 0 && mag != 0;
    for (; ip != 0; ip /= 10)
        ints[nint++] = (char)('0' + ip % 10);
    int_digits = nint > pat->min_int ? nint : pat->min_int;
    frac_digits = frac_sig > pat->min_frac ? frac_sig : pat->min_frac;
    if (int_digits == 0 && frac_digits == 0)
        int_digits = 1;
    for (int j = int_digits - 1; j >= 0; j--) {
        text[n++] = j < nint ? ints[j] : '0';
        if (pat->group > 0 && j > 0 && j % pat->group == 0) {
            memcpy(text + n, loc->group, group_len);
            n += group_len;
        }
    }
    if (frac_digits > 0 || pat->point_shown) {
        memcpy(text + n, loc->decimal, dec_len);
        n += dec_len;
    }
    for (int j = frac_sig - 1; j >= 0; j--) { /* fp has frac_sig digits */
        text[n + (size_t)j] = (char)('0' + fp % 10);
        fp /= 10;
    }
    n += (size_t)frac_sig;
    for (int j = frac_sig; j < frac_digits; j++)
        text[n++] = '0';
    if (neg && pat->has_neg) {
        put_affix(o, pat->neg_prefix, loc);
    } else {
        if (neg)
            puts_(o, loc->minus);
        put_affix(o, pat->pos_prefix, loc);
    }
    put(o, text, n);
    put_affix(o, neg && pat->has_neg ? pat->neg_suffix : pat->pos_suffix, loc);
}

/* ============================== Date patterns ============================= */

/* Walks a date pattern. With `o` NULL it only checks; returns 0 or -1 with
 * the reason in why. `date_only` refuses time letters. */
static int date_walk(const char *pattern, int date_only, fmt_out *o, const qv *v,
                     const fmt_locale *loc, char *why, size_t why_len)
{
    int64_t days = 0, us = 0, year = 0;
    unsigned month = 1, day = 1;
    int weekday = 0; /* 0 = Monday */

    if (o != NULL) {
        if (v->type == QUIRE_TYPE_TIMESTAMP)
            split_ts(v->u.i, &days, &us);
        else
            days = v->u.i;
        cal_civil_from_days(days, &year, &month, &day);
        weekday = cal_weekday(days) - 1;
    }
    for (const char *p = pattern; *p != '\0';) {
        char c = *p;
        int n = 1;

        if (c == '\'') {
            if (p[1] == '\'') {
                if (o)
                    putc_(o, '\'');
                p += 2;
                continue;
            }
            for (p++;; p++) {
                if (*p == '\0') {
                    set_why(why, why_len, "unterminated quote");
                    return -1;
                }
                if (*p == '\'' && p[1] == '\'') {
                    if (o)
                        putc_(o, '\'');
                    p++;
                } else if (*p == '\'') {
                    p++;
                    break;
                } else if (o) {
                    putc_(o, *p);
                }
            }
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
            if (o)
                putc_(o, c);
            p++;
            continue;
        }
        while (p[n] == c)
            n++;
        p += n;
        if (strchr("yMdEHhmsSa", c) == NULL) {
            char msg[64];
            snprintf(msg, sizeof(msg), "unknown pattern letter '%c'", c);
            set_why(why, why_len, msg);
            return -1;
        }
        if (n > 20) {
            set_why(why, why_len, "a pattern letter repeated more than 20 times");
            return -1;
        }
        if (date_only && strchr("HhmsSa", c) != NULL) {
            char msg[80];
            snprintf(msg, sizeof(msg), "'%c' needs a timestamp, not a date", c);
            set_why(why, why_len, msg);
            return -1;
        }
        if (o == NULL)
            continue;
        switch (c) {
        case 'y':
            if (n == 2) {
                put_uint(o, (uint64_t)((year % 100 + 100) % 100), 2);
            } else {
                if (year < 0)
                    putc_(o, '-');
                put_uint(o, (uint64_t)(year < 0 ? -year : year), n);
            }
            break;
        case 'M':
            if (n >= 4)
                puts_(o, loc->months[month - 1]);
            else if (n == 3)
                puts_(o, loc->months_short[month - 1]);
            else
                put_uint(o, month, n);
            break;
        case 'd': put_uint(o, day, n); break;
        case 'E': puts_(o, n >= 4 ? loc->days[weekday] : loc->days_short[weekday]); break;
        case 'H': put_uint(o, (uint64_t)(us / 3600000000), n); break;
        case 'h': {
            int h = (int)(us / 3600000000) % 12;
            put_uint(o, (uint64_t)(h == 0 ? 12 : h), n);
            break;
        }
        case 'm': put_uint(o, (uint64_t)(us / 60000000 % 60), n); break;
        case 's': put_uint(o, (uint64_t)(us / 1000000 % 60), n); break;
        case 'S': {
            char frac[8];
            snprintf(frac, sizeof(frac), "%06d", (int)(us % 1000000));
            for (int i = 0; i < n; i++)
                putc_(o, i < 6 ? frac[i] : '0');
            break;
        }
        case 'a': puts_(o, us < INT64_C(43200000000) ? loc->am : loc->pm); break;
        default: break;
        }
    }
    return 0;
}

/* ============================== API ======================================= */

static int is_number_type(uint32_t type)
{
    return type == QUIRE_TYPE_INT || type == QUIRE_TYPE_DECIMAL || type == QUIRE_TYPE_FLOAT;
}

/* A '0' or '#' outside quotes: a number pattern. */
static int looks_numeric(const char *pattern)
{
    int quoted = 0;

    for (const char *p = pattern; *p != '\0'; p++) {
        if (*p == '\'')
            quoted = !quoted;
        else if (!quoted && (*p == '0' || *p == '#'))
            return 1;
    }
    return 0;
}

int fmt_pattern_check(const char *pattern, uint32_t type, char *why, size_t why_len)
{
    num_pattern pat;

    set_why(why, why_len, "");
    if (pattern == NULL) {
        set_why(why, why_len, "no pattern");
        return -1;
    }
    if (is_number_type(type))
        return num_parse(pattern, &pat, why, why_len);
    if (type == QUIRE_TYPE_DATE || type == QUIRE_TYPE_TIMESTAMP)
        return date_walk(pattern, type == QUIRE_TYPE_DATE, NULL, NULL, NULL, why, why_len);
    if (type == QUIRE_TYPE_NULL) {
        if (looks_numeric(pattern))
            return num_parse(pattern, &pat, why, why_len);
        return date_walk(pattern, 0, NULL, NULL, NULL, why, why_len);
    }
    if (type == QUIRE_TYPE_BOOL || type == QUIRE_TYPE_STRING) {
        if (why_len > 0)
            snprintf(why, why_len, "a pattern does not apply to %s values",
                     type == QUIRE_TYPE_BOOL ? "bool" : "string");
        return -1;
    }
    set_why(why, why_len, "unknown value type");
    return -1;
}

size_t fmt_value(const qv *v, const char *pattern, const fmt_locale *loc, char *buf, size_t cap)
{
    fmt_out o = {buf, cap, 0};
    num_pattern pat;
    digits g;

    if (loc == NULL)
        loc = fmt_locale_get(NULL);
    if (v->null)
        return finish(&o);
    if (pattern == NULL || pattern[0] == '\0') {
        canon(&o, v);
        return finish(&o);
    }
    if (is_number_type(v->type) && num_parse(pattern, &pat, NULL, 0) == 0) {
        if (v->type == QUIRE_TYPE_FLOAT) {
            if (isnan(v->u.f)) {
                puts_(&o, "NaN");
                return finish(&o);
            }
            if (isinf(v->u.f)) {
                if (v->u.f < 0)
                    puts_(&o, loc->minus);
                puts_(&o, "\xE2\x88\x9E"); /* ∞ */
                return finish(&o);
            }
            digits_from_double(&g, v->u.f);
        } else {
            digits_from_int(&g, v->u.i, v->type == QUIRE_TYPE_DECIMAL ? v->scale : 0);
        }
        num_format(&o, &pat, &g, loc);
        return finish(&o);
    }
    if ((v->type == QUIRE_TYPE_TIMESTAMP ||
         (v->type == QUIRE_TYPE_DATE && v->u.i <= DAYS_PRINTABLE && v->u.i >= -DAYS_PRINTABLE)) &&
        date_walk(pattern, 0, &o, v, loc, NULL, 0) == 0)
        return finish(&o);
    o.len = 0; /* a bad date pattern may have written a part */
    canon(&o, v);
    return finish(&o);
}

/* ============================== Compiled patterns ========================= */

struct fmt_compiled {
    const char *pattern;
    int is_num; /* it parses as a number pattern: num holds it */
    num_pattern num;
};

fmt_compiled *fmt_compile(const char *pattern)
{
    fmt_compiled *c = calloc(1, sizeof(*c));

    if (c == NULL)
        return NULL;
    c->pattern = pattern;
    c->is_num = pattern != NULL && pattern[0] != '\0' && num_parse(pattern, &c->num, NULL, 0) == 0;
    return c;
}

void fmt_compiled_free(fmt_compiled *c)
{
    free(c);
}

size_t fmt_value_compiled(const qv *v, const fmt_compiled *c, const fmt_locale *loc, char *buf,
                          size_t cap)
{
    fmt_out o = {buf, cap, 0};
    digits g;
    size_t group_len, dec_len;
    int scale;

    if (!c->is_num || v->null || !is_number_type(v->type))
        return fmt_value(v, c->pattern, loc, buf, cap);
    if (loc == NULL)
        loc = fmt_locale_get(NULL);
    if (v->type == QUIRE_TYPE_FLOAT) {
        if (!isfinite(v->u.f))
            return fmt_value(v, c->pattern, loc, buf, cap);
        digits_from_double(&g, v->u.f);
        num_format(&o, &c->num, &g, loc);
        return finish(&o);
    }
    group_len = strlen(loc->group);
    dec_len = strlen(loc->decimal);
    scale = v->type == QUIRE_TYPE_DECIMAL ? v->scale : 0;
    if (scale < 0 || scale > 18 || c->num.shift != 0 || group_len > FAST_SEP_MAX ||
        dec_len > FAST_SEP_MAX) {
        digits_from_int(&g, v->u.i, scale);
        num_format(&o, &c->num, &g, loc);
    } else {
        fast_number(&o, &c->num, v->u.i, scale, loc, group_len, dec_len);
    }
    return finish(&o);
}
