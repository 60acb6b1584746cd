/*
 * jsonl_infer.c - the jsonl plugin's type inference (see jsonl.h).
 *
 * Each column keeps the set of types every non-NULL sample value fits and,
 * for numbers, the widest integer part and fraction seen. JSON says what a
 * value is, so a number never becomes a date and a string never a number:
 *
 *   true/false                      bool
 *   a number without . or exponent  int (if it fits int64), decimal, float
 *   a number with a fraction        decimal(digits after the point), float
 *   a number with an exponent       float
 *   "YYYY-MM-DD"                    date, timestamp
 *   "YYYY-MM-DDTHH:MM:SS..."        timestamp
 *   any other string, object, array string
 *
 * The column's type is the narrowest of the set in the order bool < int <
 * decimal(scale) < float, date < timestamp, string. A decimal holds at most
 * JSONL_DECIMAL_DIGITS digits (integer part + scale) so that it fits an
 * int64; past that the column is float. No value at all: string.
 */
#include "jsonl.h"

void jsonl_infer_init(jsonl_infer *infer)
{
    infer->fits = JSONL_FIT_ALL;
    infer->int_digits = 0;
    infer->scale = 0;
    infer->values = 0;
}

/* The JSONL_FIT_* set of one number. */
static unsigned number_fits(const jsonl_value *v)
{
    unsigned fits = 0;
    int64_t i64;
    double f64;

    if (jsonl_parse_float(v->text, v->len, &f64) == 0)
        fits |= JSONL_FIT_FLOAT;
    if (v->has_exp)
        return fits;
    if (v->has_frac)
        return fits | JSONL_FIT_DECIMAL;
    if (jsonl_parse_int(v->text, v->len, &i64) == 0)
        fits |= JSONL_FIT_INT | JSONL_FIT_DECIMAL;
    return fits;
}

void jsonl_infer_add(jsonl_infer *infer, const jsonl_value *v)
{
    unsigned fits = 0;
    int64_t i64;

    switch (v->kind) {
    case JSONL_MISSING:
    case JSONL_NULL: return;
    case JSONL_TRUE:
    case JSONL_FALSE: fits = JSONL_FIT_BOOL; break;
    case JSONL_NUMBER:
        fits = number_fits(v);
        if (fits & JSONL_FIT_DECIMAL) {
            if ((int)v->int_digits > infer->int_digits)
                infer->int_digits = v->int_digits > 1000 ? 1000 : (int)v->int_digits;
            if ((int)v->frac_digits > infer->scale)
                infer->scale = v->frac_digits > 1000 ? 1000 : (int)v->frac_digits;
        }
        break;
    case JSONL_STRING:
        if (v->len == 10 && jsonl_parse_date(v->text, v->len, &i64) == 0)
            fits = JSONL_FIT_DATE | JSONL_FIT_TIMESTAMP;
        else if (jsonl_parse_timestamp(v->text, v->len, &i64) == 0)
            fits = JSONL_FIT_TIMESTAMP;
        break;
    default: break; /* objects and arrays are text */
    }
    infer->fits &= fits;
    infer->values++;
}

void jsonl_infer_type(const jsonl_infer *infer, uint32_t *type, int32_t *scale)
{
    unsigned fits = infer->fits;

    *scale = 0;
    if (infer->values == 0)
        *type = QUIRE_TYPE_STRING;
    else if (fits & JSONL_FIT_BOOL)
        *type = QUIRE_TYPE_BOOL;
    else if (fits & JSONL_FIT_INT)
        *type = QUIRE_TYPE_INT;
    else if ((fits & JSONL_FIT_DECIMAL) &&
             infer->int_digits + infer->scale <= JSONL_DECIMAL_DIGITS) {
        *type = QUIRE_TYPE_DECIMAL;
        *scale = infer->scale;
    } else if (fits & JSONL_FIT_FLOAT)
        *type = QUIRE_TYPE_FLOAT;
    else if (fits & JSONL_FIT_DATE)
        *type = QUIRE_TYPE_DATE;
    else if (fits & JSONL_FIT_TIMESTAMP)
        *type = QUIRE_TYPE_TIMESTAMP;
    else
        *type = QUIRE_TYPE_STRING;
}
