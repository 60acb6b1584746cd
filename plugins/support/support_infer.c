/*
 * support_infer.c - the column type inference the source plugins share (see
 * support_value.h). Each plugin says what one sample value could be (csv:
 * support_classify on the field's text; jsonl: from the JSON kind); this
 * keeps what every value of the column has in common and, for decimals,
 * the widest integer part and scale seen.
 *
 * int < decimal < float and date < timestamp are subsets (an int is a
 * decimal of scale 0, a date is a timestamp at midnight UTC), so a column
 * mixing 1 and 2.5 is decimal(1), one mixing dates and timestamps is a
 * timestamp. A decimal needs at most SUPPORT_DECIMAL_DIGITS digits in all
 * (integer part + scale) so that every value fits an int64; past that the
 * column is float.
 */
#include "support_value.h"

void support_infer_init(support_infer *infer)
{
    infer->fits = SUPPORT_FIT_ALL;
    infer->int_digits = 0;
    infer->scale = 0;
    infer->values = 0;
}

void support_infer_add(support_infer *infer, unsigned fits, int int_digits, int scale)
{
    infer->fits &= fits;
    if (fits & SUPPORT_FIT_DECIMAL) {
        if (int_digits > infer->int_digits)
            infer->int_digits = int_digits;
        if (scale > infer->scale)
            infer->scale = scale;
    }
    infer->values++;
}

void support_infer_type(const support_infer *infer, uint32_t *type, int32_t *scale)
{
    unsigned fits = infer->fits;

    *scale = 0;
    if (infer->values == 0)
        *type = QUIRE_TYPE_STRING;
    else if (fits & SUPPORT_FIT_BOOL)
        *type = QUIRE_TYPE_BOOL;
    else if (fits & SUPPORT_FIT_INT)
        *type = QUIRE_TYPE_INT;
    else if ((fits & SUPPORT_FIT_DECIMAL) &&
             infer->int_digits + infer->scale <= SUPPORT_DECIMAL_DIGITS) {
        *type = QUIRE_TYPE_DECIMAL;
        *scale = infer->scale;
    } else if (fits & SUPPORT_FIT_FLOAT)
        *type = QUIRE_TYPE_FLOAT;
    else if (fits & SUPPORT_FIT_DATE)
        *type = QUIRE_TYPE_DATE;
    else if (fits & SUPPORT_FIT_TIMESTAMP)
        *type = QUIRE_TYPE_TIMESTAMP;
    else
        *type = QUIRE_TYPE_STRING;
}

void support_columns_type(quire_column_info *columns, support_column *cols, size_t ncolumns)
{
    for (size_t c = 0; c < ncolumns; c++) {
        support_column *col = &cols[c];
        if (!col->overridden)
            support_infer_type(&col->infer, &col->type, &col->scale);
        columns[c].type = col->type;
        columns[c].scale = col->scale;
    }
}
