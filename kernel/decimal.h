/*
 * decimal.h - exact decimal arithmetic on scaled 64-bit integers, the
 * representation of QUIRE_TYPE_DECIMAL (value = i / 10^scale, 0 <= scale <=
 * 18; see value.h). Money never goes through binary floating point here.
 *
 * Rules, stated once:
 *   - Rounding is half away from zero (1.005 -> 1.01, -1.005 -> -1.01),
 *     whenever digits are dropped: rescaling down, multiplying beyond scale
 *     18, dividing.
 *   - A result that does not fit in int64 is DEC_OVERFLOW, never a
 *     wrapped value. Intermediate products use 128-bit integers, so only the
 *     final result has to fit.
 *   - add, sub, mod: result scale max(s1, s2).
 *     mul: s1 + s2, rounded to 18 when larger.
 *     div: min(max(s1, s2) + 6, 18) (dec_div_scale): 1/3 = 0.333333,
 *     10.00/3 = 3.33333333.
 *   - Division or modulo by zero is DEC_DIV_ZERO (expressions turn it into
 *     NULL).
 *
 * All functions are pure and thread-safe; none allocates.
 */
#ifndef QUIRE_DECIMAL_H
#define QUIRE_DECIMAL_H

#include <stddef.h>
#include <stdint.h>

#define DEC_MAX_SCALE 18

/* Result codes. */
#define DEC_OK       0
#define DEC_OVERFLOW (-1) /* the result does not fit in int64 at its scale */
#define DEC_DIV_ZERO (-2) /* division or modulo by zero */
#define DEC_SYNTAX   (-3) /* dec_parse: not a decimal number */
#define DEC_SCALE    (-4) /* a scale outside 0..18 (given, or parsed) */

/* 10^n for 0 <= n <= 18. */
static inline int64_t dec_pow10(int n)
{
    static const int64_t p[DEC_MAX_SCALE + 1] = {1,
                                                 10,
                                                 100,
                                                 1000,
                                                 10000,
                                                 100000,
                                                 1000000,
                                                 10000000,
                                                 100000000,
                                                 1000000000,
                                                 10000000000,
                                                 100000000000,
                                                 1000000000000,
                                                 10000000000000,
                                                 100000000000000,
                                                 1000000000000000,
                                                 10000000000000000,
                                                 100000000000000000,
                                                 1000000000000000000};
    return p[n];
}

/* n / d rounded half away from zero; d > 0. Inline so the expression
 * engine's per-row decimal product can use it. */
static inline __int128 dec_div_round(__int128 n, __int128 d)
{
    __int128 q = n / d, r = n % d;

    if (r < 0)
        r = -r;
    if (2 * r >= d)
        q += n < 0 ? -1 : 1;
    return q;
}

/* The scale of a quotient of operands with scales sa and sb. */
static inline int dec_div_scale(int sa, int sb)
{
    int s = (sa > sb ? sa : sb) + 6;
    return s > DEC_MAX_SCALE ? DEC_MAX_SCALE : s;
}

/* The scale of a product: sa + sb, at most 18. */
static inline int dec_mul_scale(int sa, int sb)
{
    return sa + sb > DEC_MAX_SCALE ? DEC_MAX_SCALE : sa + sb;
}

/* Converts v at scale `from` to scale `to`: exact when `to` >= `from`
 * (DEC_OVERFLOW if it does not fit), rounded half away from zero otherwise.
 * DEC_SCALE if a scale is outside 0..18. */
int dec_rescale(int64_t v, int from, int to, int64_t *out);

/* a/10^sa + b/10^sb at scale *so = max(sa, sb). */
int dec_add(int64_t a, int sa, int64_t b, int sb, int64_t *out, int *so);

/* a/10^sa - b/10^sb at scale *so = max(sa, sb). */
int dec_sub(int64_t a, int sa, int64_t b, int sb, int64_t *out, int *so);

/* The product at scale *so = dec_mul_scale(sa, sb). */
int dec_mul(int64_t a, int sa, int64_t b, int sb, int64_t *out, int *so);

/* The quotient at scale *so = dec_div_scale(sa, sb), rounded half away from
 * zero; DEC_DIV_ZERO when b is 0. */
int dec_div(int64_t a, int sa, int64_t b, int sb, int64_t *out, int *so);

/* The quotient at the explicit scale `s` (0..18). */
int dec_div_to(int64_t a, int sa, int64_t b, int sb, int s, int64_t *out);

/* The remainder of a / b with the sign of a (as C's %), at scale
 * *so = max(sa, sb); DEC_DIV_ZERO when b is 0. 5.5 % 2 = 1.5. */
int dec_mod(int64_t a, int sa, int64_t b, int sb, int64_t *out, int *so);

/* Compares a/10^sa with b/10^sb exactly: -1, 0 or 1. */
int dec_cmp(int64_t a, int sa, int64_t b, int sb);

/* Rounds v (at `scale`) to `digits` places after the point, half away from
 * zero; digits may be negative (round(1250, -2) = 1300). The result keeps
 * scale *so = max(0, min(digits, scale)). */
int dec_round(int64_t v, int scale, int digits, int64_t *out, int *so);

/* floor (dir < 0) or ceiling (dir > 0) of v at `scale`, as scale 0. */
int dec_floor_ceil(int64_t v, int scale, int dir, int64_t *out);

/*
 * Parses text[0..len): an optional sign, digits, and optionally a point
 * followed by digits ("-12.345", "+7", "0.50"). Anything else, including
 * exponents ("1e3"), spaces or a bare point, is DEC_SYNTAX; more than 18
 * digits after the point is DEC_SCALE; a value beyond int64 is DEC_OVERFLOW.
 * The scale is the number of digits written after the point.
 */
int dec_parse(const char *text, size_t len, int64_t *out, int *scale);

/* Writes v/10^scale with exactly `scale` digits after the point ("12.50",
 * "-0.05", "7") into buf, snprintf-like: returns the length the text needs
 * and NUL-terminates when cap > 0. At most 41 bytes are ever needed. */
size_t dec_format(int64_t v, int scale, char *buf, size_t cap);

/* The nearest double to v/10^scale (exact when |v| < 2^53). */
double dec_to_double(int64_t v, int scale);

/* The decimal at `scale` nearest to f, halves away from zero; DEC_OVERFLOW
 * for NaN, infinities and values that do not fit. */
int dec_from_double(double f, int scale, int64_t *out);

#endif /* QUIRE_DECIMAL_H */
