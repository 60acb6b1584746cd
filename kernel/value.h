/*
 * value.h - one typed runtime value (qv), the scalar form of the column
 * types in quire/types.h. Expressions, variables, group keys, parameters and
 * band instances all carry values in this form.
 *
 * Representation (same as a batch column cell):
 *   BOOL, INT, DATE, TIMESTAMP   i      (DATE: days since 1970-01-01,
 *                                        TIMESTAMP: microseconds since epoch UTC)
 *   DECIMAL                      i      scaled by 10^scale (0 <= scale <= 18)
 *   FLOAT                        f
 *   STRING                       s      bytes owned by whoever owns the value's
 *                                       arena; never freed through the value
 * A NULL value has null = 1 and keeps its type (a NULL decimal is still a
 * decimal, so it prints and aggregates as one).
 */
#ifndef QUIRE_VALUE_H
#define QUIRE_VALUE_H

#include <stdint.h>
#include <string.h>

#include <quire/types.h>

#define QV_MAX_SCALE 18

typedef struct qv {
    uint8_t type;  /* QUIRE_TYPE_* */
    uint8_t null;  /* 1: SQL NULL */
    int16_t scale; /* DECIMAL only */
    union {
        int64_t i;
        double f;
        quire_str s;
    } u;
} qv;

static inline qv qv_null(uint32_t type)
{
    qv v = {0};
    v.type = (uint8_t)type;
    v.null = 1;
    return v;
}

static inline qv qv_int(int64_t i)
{
    qv v = {0};
    v.type = QUIRE_TYPE_INT;
    v.u.i = i;
    return v;
}

static inline qv qv_decimal(int64_t scaled, int scale)
{
    qv v = {0};
    v.type = QUIRE_TYPE_DECIMAL;
    v.scale = (int16_t)scale;
    v.u.i = scaled;
    return v;
}

static inline qv qv_float(double f)
{
    qv v = {0};
    v.type = QUIRE_TYPE_FLOAT;
    v.u.f = f;
    return v;
}

static inline qv qv_bool(int b)
{
    qv v = {0};
    v.type = QUIRE_TYPE_BOOL;
    v.u.i = b != 0;
    return v;
}

static inline qv qv_string(const char *ptr, size_t len)
{
    qv v = {0};
    v.type = QUIRE_TYPE_STRING;
    v.u.s.ptr = ptr;
    v.u.s.len = len;
    return v;
}

/* Reads cell `row` of a batch column as a value (string bytes are not
 * copied: they live as long as the batch's fill). */
static inline qv qv_from_column(const quire_column *c, uint32_t row)
{
    qv v = {0};
    v.type = (uint8_t)c->type;
    v.scale = (int16_t)c->scale;
    if (c->nulls != NULL && c->nulls[row]) {
        v.null = 1;
        return v;
    }
    switch (c->type) {
    case QUIRE_TYPE_FLOAT: v.u.f = c->v.f64[row]; break;
    case QUIRE_TYPE_STRING: v.u.s = c->v.str[row]; break;
    case QUIRE_TYPE_NULL: v.null = 1; break;
    default: v.u.i = c->v.i64[row]; break;
    }
    return v;
}

/* Do a and b (same type) hold the same key? NULL equals NULL, and NaN
 * equals NaN, as grouping needs (unlike SQL's `=`). */
static inline int qv_same_key(const qv *a, const qv *b)
{
    if (a->null || b->null)
        return a->null && b->null;
    if (a->type == QUIRE_TYPE_STRING)
        return a->u.s.len == b->u.s.len &&
               (a->u.s.len == 0 || memcmp(a->u.s.ptr, b->u.s.ptr, a->u.s.len) == 0);
    if (a->type == QUIRE_TYPE_FLOAT)
        return a->u.f == b->u.f || (a->u.f != a->u.f && b->u.f != b->u.f);
    return a->u.i == b->u.i;
}

#endif /* QUIRE_VALUE_H */
