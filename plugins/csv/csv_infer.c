/*
 * csv_infer.c - the csv plugin's type inference (see csv.h).
 *
 * Each column keeps the set of types every non-NULL sample value fits
 * (csv_classify) and, for decimals, the widest integer part and scale seen.
 * The inferred type is the narrowest of the set, in this order:
 *
 *     bool < int < decimal(scale) < float,   date < timestamp,   string
 *
 * int < decimal < float and date < timestamp are subsets (an int is a
 * decimal of scale 0, a date is a timestamp at midnight UTC), so a column
 * mixing 1 and 2.5 is decimal(1), one mixing dates and timestamps is a
 * timestamp. A decimal needs at most CSV_DECIMAL_DIGITS digits in all
 * (integer part + scale) so that every value fits an int64; past that the
 * column is float. A column with no value in the sample is string.
 */
#include "csv.h"

void csv_infer_init(csv_infer *infer)
{
    infer->fits = CSV_FIT_ALL;
    infer->int_digits = 0;
    infer->scale = 0;
    infer->values = 0;
}

void csv_infer_add(csv_infer *infer, const char *s, size_t n)
{
    int int_digits, scale;
    unsigned fits;

    if (infer->fits == 0) {
        infer->values++; /* already a string: nothing left to learn */
        return;
    }
    fits = csv_classify(s, n, &int_digits, &scale);
    infer->fits &= fits;
    if (fits & CSV_FIT_DECIMAL) {
        if (int_digits > infer->int_digits)
            infer->int_digits = int_digits;
        if (scale > infer->scale)
            infer->scale = scale;
    }
    infer->values++;
}

void csv_infer_type(const csv_infer *infer, uint32_t *type, int32_t *scale)
{
    unsigned fits = infer->fits;

    *scale = 0;
    if (infer->values == 0)
        *type = QUIRE_TYPE_STRING;
    else if (fits & CSV_FIT_BOOL)
        *type = QUIRE_TYPE_BOOL;
    else if (fits & CSV_FIT_INT)
        *type = QUIRE_TYPE_INT;
    else if ((fits & CSV_FIT_DECIMAL) && infer->int_digits + infer->scale <= CSV_DECIMAL_DIGITS) {
        *type = QUIRE_TYPE_DECIMAL;
        *scale = infer->scale;
    } else if (fits & CSV_FIT_FLOAT)
        *type = QUIRE_TYPE_FLOAT;
    else if (fits & CSV_FIT_DATE)
        *type = QUIRE_TYPE_DATE;
    else if (fits & CSV_FIT_TIMESTAMP)
        *type = QUIRE_TYPE_TIMESTAMP;
    else
        *type = QUIRE_TYPE_STRING;
}
