/*
 * agg_numeric.c - the arithmetic accumulators: count, sum and running_sum,
 * avg, and the variances and standard deviations (see agg.h for what each
 * computes). INT and DECIMAL inputs are summed exactly (128 bits, and 192
 * for sums of squares) so results do not depend on how rows were
 * partitioned; FLOAT inputs use compensated summation and Welford's update.
 * agg.c dispatches here (agg_int.h).
 */
#include "agg_int.h"

#include "decimal.h"

/* ============================== Update ==================================== */

void acc_upd_count(acc_rows a)
{
    if (a.gid == NULL && a.nulls == NULL) {
        ((st_count *)a.base)->n += a.n;
        return;
    }
    for (uint32_t i = 0; i < a.n; i++) {
        uint32_t r = ROW(a, i);
        if (IS_NULL(a, r))
            continue;
        ((st_count *)STATE(a, r))->n++;
    }
}

void acc_upd_sum_i(acc_rows a, const int64_t *v)
{
    for (uint32_t i = 0; i < a.n; i++) {
        uint32_t r = ROW(a, i);
        st_sum_i *st;
        if (IS_NULL(a, r))
            continue;
        st = STATE(a, r);
        st->sum += v[r];
        st->n++;
    }
}

void acc_upd_sum_f(acc_rows a, const double *v)
{
    for (uint32_t i = 0; i < a.n; i++) {
        uint32_t r = ROW(a, i);
        st_sum_f *st;
        if (IS_NULL(a, r))
            continue;
        st = STATE(a, r);
        acc_neumaier_add(st, v[r]);
        st->n++;
    }
}

static inline void welford_add(st_var *st, double x)
{
    double d = x - st->mean;

    st->n++;
    st->mean += d / (double)st->n;
    st->m2 += d * (x - st->mean);
}

void acc_upd_var_i(acc_rows a, const int64_t *v)
{
    for (uint32_t i = 0; i < a.n; i++) {
        uint32_t r = ROW(a, i);
        unsigned __int128 sq;
        st_var_i *st;
        if (IS_NULL(a, r))
            continue;
        st = STATE(a, r);
        sq = (unsigned __int128)((__int128)v[r] * v[r]);
        st->sum += v[r];
        st->sq_lo += sq;
        st->sq_hi += st->sq_lo < sq;
        st->n++;
    }
}

void acc_upd_var_f(acc_rows a, const double *v)
{
    for (uint32_t i = 0; i < a.n; i++) {
        uint32_t r = ROW(a, i);
        if (IS_NULL(a, r))
            continue;
        welford_add(STATE(a, r), v[r]);
    }
}

/* ============================== Merge ===================================== */

/* Chan, Golub and LeVeque's pairwise combination of two (n, mean, M2). */
void acc_var_merge(st_var *dst, const st_var *src)
{
    double na = (double)dst->n, nb = (double)src->n, n, delta;

    if (src->n == 0)
        return;
    if (dst->n == 0) {
        *dst = *src;
        return;
    }
    n = na + nb;
    delta = src->mean - dst->mean;
    dst->mean += delta * (nb / n);
    dst->m2 += src->m2 + delta * delta * (na * nb / n);
    dst->n += src->n;
}

/* ============================== Results =================================== */

/* Writes a 128-bit integer scaled by 10^scale as decimal text. */
static void format_i128(__int128 v, int32_t scale, char *buf, size_t len)
{
    char tmp[64];
    size_t n = 0, o = 0;
    unsigned __int128 mag =
        v < 0 ? (unsigned __int128)0 - (unsigned __int128)v : (unsigned __int128)v;

    do {
        tmp[n++] = (char)('0' + (int)(mag % 10));
        mag /= 10;
    } while (mag > 0 || n <= (size_t)scale);
    if (v < 0 && o + 1 < len)
        buf[o++] = '-';
    while (n > 0 && o + 1 < len) {
        buf[o++] = tmp[--n];
        if (n == (size_t)scale && scale > 0 && o + 1 < len)
            buf[o++] = '.';
    }
    buf[o] = '\0';
}

int acc_result_sum_i(const acc_def *d, const st_sum_i *st, qv *out, quire_error *err)
{
    char text[64];

    if (st->n == 0) {
        *out = qv_null(d->rtype);
        out->scale = (int16_t)d->rscale;
        return QUIRE_OK;
    }
    if (st->sum < INT64_MIN || st->sum > INT64_MAX) {
        format_i128(st->sum, d->rscale, text, sizeof(text));
        error_setf(err, QUIRE_E_INVALID, "%s %s does not fit in 64 bits",
                   agg_calc_name(d->spec.calc), text);
        return QUIRE_ERR;
    }
    *out = d->rtype == QUIRE_TYPE_DECIMAL ? qv_decimal((int64_t)st->sum, d->rscale)
                                          : qv_int((int64_t)st->sum);
    return QUIRE_OK;
}

double acc_sum_f_value(const st_sum_f *st)
{
    /* With an infinity or NaN among the inputs the compensation is NaN;
     * the plain sum is the right answer then. */
    return isfinite(st->sum) ? st->sum + st->comp : st->sum;
}

qv acc_result_avg(const acc_def *d, const char *st)
{
    if (d->kind == K_SUM_F) {
        const st_sum_f *s = (const st_sum_f *)st;
        return s->n == 0 ? qv_null(QUIRE_TYPE_FLOAT) : qv_float(acc_sum_f_value(s) / (double)s->n);
    } else {
        const st_sum_i *s = (const st_sum_i *)st;
        long double div;
        if (s->n == 0)
            return qv_null(QUIRE_TYPE_FLOAT);
        div = (long double)s->n;
        if (d->spec.in_type == QUIRE_TYPE_DECIMAL)
            div *= (long double)dec_pow10(d->spec.in_scale);
        return qv_float((double)((long double)s->sum / div));
    }
}

/* ============================== Exact variance ============================ */

/* 256-bit unsigned integers, least significant limb first: just enough
 * arithmetic for n * sum(x^2) - sum(x)^2. */
typedef struct u256 {
    uint64_t w[4];
} u256;

/* q (192 bits: hi, lo) * n. */
static u256 u256_mul_u192(uint64_t hi, unsigned __int128 lo, uint64_t n)
{
    const uint64_t q[3] = {(uint64_t)lo, (uint64_t)(lo >> 64), hi};
    unsigned __int128 carry = 0;
    u256 r;

    for (int i = 0; i < 3; i++) {
        unsigned __int128 p = (unsigned __int128)q[i] * n + carry;
        r.w[i] = (uint64_t)p;
        carry = p >> 64;
    }
    r.w[3] = (uint64_t)carry;
    return r;
}

/* a^2 for a < 2^127. */
static u256 u256_square(unsigned __int128 a)
{
    uint64_t a0 = (uint64_t)a, a1 = (uint64_t)(a >> 64);
    unsigned __int128 p00 = (unsigned __int128)a0 * a0, p01 = (unsigned __int128)a0 * a1;
    unsigned __int128 p11 = (unsigned __int128)a1 * a1, mid, t;
    u256 r;

    /* a^2 = p00 + 2 * p01 * 2^64 + p11 * 2^128; 2 * p01 < 2^128 since
     * a1 < 2^63. */
    mid = p01 << 1;
    r.w[0] = (uint64_t)p00;
    t = (p00 >> 64) + (uint64_t)mid;
    r.w[1] = (uint64_t)t;
    t = (t >> 64) + (mid >> 64) + (uint64_t)p11;
    r.w[2] = (uint64_t)t;
    r.w[3] = (uint64_t)((t >> 64) + (p11 >> 64));
    return r;
}

/* a - b for a >= b. */
static u256 u256_sub(u256 a, const u256 *b)
{
    uint64_t borrow = 0;

    for (int i = 0; i < 4; i++) {
        /* Negative differences wrap to all-ones high bits: the borrow. */
        unsigned __int128 d = (unsigned __int128)a.w[i] - b->w[i] - borrow;
        a.w[i] = (uint64_t)d;
        borrow = (uint64_t)(d >> 64) & 1;
    }
    return a;
}

static long double u256_to_ld(const u256 *a)
{
    long double r = 0;

    for (int i = 3; i >= 0; i--)
        r = r * 18446744073709551616.0L + (long double)a->w[i];
    return r;
}

/* The variance in the input's (scaled) units, from exact integers: the
 * numerator n * sum(x^2) - sum(x)^2 is exact, then one division. */
static long double var_exact(const st_var_i *st, int sample)
{
    unsigned __int128 mag = st->sum < 0 ? (unsigned __int128)0 - (unsigned __int128)st->sum
                                        : (unsigned __int128)st->sum;
    u256 nq = u256_mul_u192(st->sq_hi, st->sq_lo, (uint64_t)st->n);
    u256 s2 = u256_square(mag);
    u256 num = u256_sub(nq, &s2); /* >= 0 by Cauchy-Schwarz */
    long double n = (long double)st->n;

    return u256_to_ld(&num) / (n * (sample ? n - 1 : n));
}

qv acc_result_var(const acc_def *d, const char *st)
{
    report_calc c = d->spec.calc;
    int sample = c == CALC_VAR_SAMP || c == CALC_STDDEV_SAMP;
    int stddev = c == CALC_STDDEV_SAMP || c == CALC_STDDEV_POP;
    long double var, unit;

    if (d->kind == K_VAR_F) {
        const st_var *sv = (const st_var *)st;
        if (sv->n < (sample ? 2 : 1))
            return qv_null(QUIRE_TYPE_FLOAT);
        var = sv->m2 / (double)(sample ? sv->n - 1 : sv->n);
        return qv_float(stddev ? sqrt((double)var) : (double)var);
    }
    if (((const st_var_i *)st)->n < (sample ? 2 : 1))
        return qv_null(QUIRE_TYPE_FLOAT);
    var = var_exact((const st_var_i *)st, sample);
    unit = d->spec.in_type == QUIRE_TYPE_DECIMAL ? (long double)dec_pow10(d->spec.in_scale) : 1;
    if (stddev)
        return qv_float((double)(sqrtl(var) / unit));
    return qv_float((double)(var / unit / unit));
}
