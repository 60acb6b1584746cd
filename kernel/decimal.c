/*
 * decimal.c - exact decimal arithmetic on scaled int64 (see decimal.h).
 *
 * Every operation widens to __int128, does the exact arithmetic there and
 * checks that the result fits int64 only at the end, so intermediate
 * products never wrap.
 */
#include "decimal.h"

#include <math.h>
#include <string.h>

typedef __int128 i128;

/* ============================== Helpers =================================== */

static int scale_ok(int s)
{
    return s >= 0 && s <= DEC_MAX_SCALE;
}

static int fits(i128 v)
{
    return v >= (i128)INT64_MIN && v <= (i128)INT64_MAX;
}

static int store(i128 v, int64_t *out)
{
    if (!fits(v))
        return DEC_OVERFLOW;
    *out = (int64_t)v;
    return DEC_OK;
}

/* ============================== Scale ===================================== */

int dec_rescale(int64_t v, int from, int to, int64_t *out)
{
    if (!scale_ok(from) || !scale_ok(to))
        return DEC_SCALE;
    if (to >= from)
        return store((i128)v * dec_pow10(to - from), out);
    return store(dec_div_round(v, dec_pow10(from - to)), out);
}

int dec_round(int64_t v, int scale, int digits, int64_t *out, int *so)
{
    int64_t whole;

    if (!scale_ok(scale))
        return DEC_SCALE;
    if (digits < -2 * DEC_MAX_SCALE)
        digits = -2 * DEC_MAX_SCALE; /* all the same: 0; keeps scale - digits small */
    if (digits >= scale) {
        *out = v;
        *so = scale;
        return DEC_OK;
    }
    if (digits >= 0) {
        *so = digits;
        return dec_rescale(v, scale, digits, out);
    }
    /* One rounding step from the full value: rounding to units first and
     * then to hundreds would turn 1249.5 into 1300. */
    *so = 0;
    if (scale - digits > 19) {
        *out = 0; /* |v| < 10^19 / 2 rounds to 0 at 10^20 and beyond */
        return DEC_OK;
    }
    {
        i128 p = dec_pow10(scale);
        for (int i = 0; i < -digits; i++)
            p *= 10;
        whole = (int64_t)dec_div_round(v, p); /* |result| <= |v| */
        return store((i128)whole * (p / dec_pow10(scale)), out);
    }
}

int dec_floor_ceil(int64_t v, int scale, int dir, int64_t *out)
{
    int64_t p, q, r;

    if (!scale_ok(scale))
        return DEC_SCALE;
    p = dec_pow10(scale);
    q = v / p;
    r = v % p;
    if (r != 0 && dir < 0 && v < 0)
        q--;
    if (r != 0 && dir > 0 && v > 0)
        q++;
    *out = q;
    return DEC_OK;
}

/* ============================== Arithmetic ================================ */

int dec_add(int64_t a, int sa, int64_t b, int sb, int64_t *out, int *so)
{
    int s = sa > sb ? sa : sb;

    if (!scale_ok(sa) || !scale_ok(sb))
        return DEC_SCALE;
    *so = s;
    return store((i128)a * dec_pow10(s - sa) + (i128)b * dec_pow10(s - sb), out);
}

int dec_sub(int64_t a, int sa, int64_t b, int sb, int64_t *out, int *so)
{
    int s = sa > sb ? sa : sb;

    if (!scale_ok(sa) || !scale_ok(sb))
        return DEC_SCALE;
    *so = s;
    return store((i128)a * dec_pow10(s - sa) - (i128)b * dec_pow10(s - sb), out);
}

int dec_mul(int64_t a, int sa, int64_t b, int sb, int64_t *out, int *so)
{
    i128 p;

    if (!scale_ok(sa) || !scale_ok(sb))
        return DEC_SCALE;
    p = (i128)a * b; /* |p| < 2^126: cannot overflow */
    *so = dec_mul_scale(sa, sb);
    if (sa + sb > DEC_MAX_SCALE)
        p = dec_div_round(p, dec_pow10(sa + sb - DEC_MAX_SCALE));
    return store(p, out);
}

int dec_div_to(int64_t a, int sa, int64_t b, int sb, int s, int64_t *out)
{
    /* q = a * 10^k / b with k = s - sa + sb (up to 36), done as a long
     * division in steps of at most 18 digits so nothing exceeds 128 bits:
     * the remainder is below |b| < 2^63, times 10^18 < 2^60. */
    int k = s - sa + sb;
    i128 q, r, d = b;
    int neg = (a < 0) != (b < 0);

    if (!scale_ok(sa) || !scale_ok(sb) || !scale_ok(s))
        return DEC_SCALE;
    if (b == 0)
        return DEC_DIV_ZERO;
    if (d < 0)
        d = -d;
    q = (i128)a / d;
    r = (i128)a % d;
    if (q < 0)
        q = -q;
    if (r < 0)
        r = -r;
    while (k < 0) {
        /* s < sa - sb: drop digits from the integer quotient instead. */
        int m = -k > DEC_MAX_SCALE ? DEC_MAX_SCALE : -k;
        i128 p = dec_pow10(m);
        r = (q % p) * d + r; /* the dropped part, still over d */
        q /= p;
        d *= p;
        k += m;
    }
    while (k > 0) {
        int m = k > DEC_MAX_SCALE ? DEC_MAX_SCALE : k;
        i128 t = r * dec_pow10(m);
        q = q * dec_pow10(m) + t / d;
        r = t % d;
        if (q > (i128)INT64_MAX + 1)
            return DEC_OVERFLOW;
        k -= m;
    }
    if (2 * r >= d)
        q++;
    return store(neg ? -q : q, out);
}

int dec_div(int64_t a, int sa, int64_t b, int sb, int64_t *out, int *so)
{
    if (!scale_ok(sa) || !scale_ok(sb))
        return DEC_SCALE;
    *so = dec_div_scale(sa, sb);
    return dec_div_to(a, sa, b, sb, *so, out);
}

int dec_mod(int64_t a, int sa, int64_t b, int sb, int64_t *out, int *so)
{
    int s = sa > sb ? sa : sb;
    i128 x, y;

    if (!scale_ok(sa) || !scale_ok(sb))
        return DEC_SCALE;
    if (b == 0)
        return DEC_DIV_ZERO;
    *so = s;
    x = (i128)a * dec_pow10(s - sa);
    y = (i128)b * dec_pow10(s - sb);
    return store(x % y, out);
}

int dec_cmp(int64_t a, int sa, int64_t b, int sb)
{
    int s = sa > sb ? sa : sb;
    i128 x = (i128)a * dec_pow10(s - (scale_ok(sa) ? sa : s));
    i128 y = (i128)b * dec_pow10(s - (scale_ok(sb) ? sb : s));

    return (x > y) - (x < y);
}

/* ============================== Text ====================================== */

int dec_parse(const char *text, size_t len, int64_t *out, int *scale)
{
    size_t i = 0;
    int neg = 0, frac = -1, digits = 0;
    i128 v = 0;

    if (i < len && (text[i] == '-' || text[i] == '+'))
        neg = text[i++] == '-';
    for (; i < len; i++) {
        char c = text[i];
        if (c == '.' && frac < 0 && digits > 0) {
            frac = 0;
            continue;
        }
        if (c < '0' || c > '9')
            return DEC_SYNTAX;
        digits++;
        if (frac >= 0)
            frac++;
        if (frac > DEC_MAX_SCALE)
            return DEC_SCALE;
        v = v * 10 + (c - '0');
        if (v > (i128)INT64_MAX + 1)
            return DEC_OVERFLOW;
    }
    if (digits == 0 || frac == 0)
        return DEC_SYNTAX;
    if (neg)
        v = -v;
    if (!fits(v))
        return DEC_OVERFLOW;
    *out = (int64_t)v;
    *scale = frac < 0 ? 0 : frac;
    return DEC_OK;
}

size_t dec_format(int64_t v, int scale, char *buf, size_t cap)
{
    char tmp[48];
    char digits[24];
    size_t n = 0, len = 0;
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

    if (!scale_ok(scale))
        scale = 0;
    do {
        digits[n++] = (char)('0' + mag % 10);
        mag /= 10;
    } while (mag != 0);
    while (n < (size_t)scale + 1)
        digits[n++] = '0';
    if (v < 0)
        tmp[len++] = '-';
    while (n > (size_t)scale)
        tmp[len++] = digits[--n];
    if (scale > 0) {
        tmp[len++] = '.';
        while (n > 0)
            tmp[len++] = digits[--n];
    }
    if (cap > 0) {
        size_t c = len < cap - 1 ? len : cap - 1;
        memcpy(buf, tmp, c);
        buf[c] = '\0';
    }
    return len;
}

double dec_to_double(int64_t v, int scale)
{
    if (!scale_ok(scale) || scale == 0)
        return (double)v;
    /* 10^s <= 10^18 is exact in a double, so one correctly rounded division. */
    return (double)v / (double)dec_pow10(scale);
}

int dec_from_double(double f, int scale, int64_t *out)
{
    double x;

    if (!scale_ok(scale))
        return DEC_SCALE;
    if (isnan(f) || isinf(f))
        return DEC_OVERFLOW;
    x = round(f * (double)dec_pow10(scale));
    /* 2^63 is exact as a double; anything at or past it does not fit. */
    if (x >= 9223372036854775808.0 || x < -9223372036854775808.0)
        return DEC_OVERFLOW;
    *out = (int64_t)x;
    return DEC_OK;
}
