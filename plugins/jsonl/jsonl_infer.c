/*
 * jsonl_infer.c - the jsonl plugin's part of type inference (see jsonl.h).
 *
 * JSON says what a value is, so a number never becomes a date and a string
 * never a number. What one value could be:
 *
 *   true/false                      bool
 *   a number without . or exponent  int (if it fits int64), decimal, float
 *   a number with a fraction        decimal(digits after the point), float
 *   a number with an exponent       float
 *   "YYYY-MM-DD"                    date, timestamp
 *   "YYYY-MM-DDTHH:MM:SS..."        timestamp
 *   any other string, object, array string
 *
 * The column keeps what all its sample values have in common and takes the
 * narrowest type that fits them all (support_infer.c): bool < int <
 * decimal(scale) < float, date < timestamp, string. No value at all:
 * string.
 */
#include "jsonl.h"

/* The SUPPORT_FIT_* set of one number. */
static unsigned number_fits(const jsonl_value *v)
{
    unsigned fits = 0;
    int64_t i64;
    double f64;

    if (support_parse_float(v->text, v->len, &f64) == 0)
        fits |= SUPPORT_FIT_FLOAT;
    if (v->has_exp)
        return fits;
    if (v->has_frac)
        return fits | SUPPORT_FIT_DECIMAL;
    if (support_parse_int(v->text, v->len, &i64) == 0)
        fits |= SUPPORT_FIT_INT | SUPPORT_FIT_DECIMAL;
    return fits;
}

void jsonl_infer_add(support_infer *infer, const jsonl_value *v)
{
    unsigned fits = 0;
    int64_t i64;

    switch (v->kind) {
    case JSONL_MISSING:
    case JSONL_NULL: return;
    case JSONL_TRUE:
    case JSONL_FALSE: fits = SUPPORT_FIT_BOOL; break;
    case JSONL_NUMBER: fits = number_fits(v); break;
    case JSONL_STRING:
        if (v->len == 10 && support_parse_date(v->text, v->len, &i64) == 0)
            fits = SUPPORT_FIT_DATE | SUPPORT_FIT_TIMESTAMP;
        else if (support_parse_timestamp(v->text, v->len, &i64) == 0)
            fits = SUPPORT_FIT_TIMESTAMP;
        break;
    default: break; /* objects and arrays are text */
    }
    /* The digit counts matter only for a number that fits a decimal. */
    support_infer_add(infer, fits, v->int_digits > 1000 ? 1000 : (int)v->int_digits,
                      v->frac_digits > 1000 ? 1000 : (int)v->frac_digits);
}
