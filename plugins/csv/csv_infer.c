/*
 * csv_infer.c - the csv plugin's part of type inference (see csv.h): a
 * CSV field is untyped text, so what it could be is what its text looks
 * like (support_classify: "true", 12, 2.50, 1e3, 2024-01-31, ...). The
 * column keeps what all its sample values have in common and takes the
 * narrowest type that fits them all (support_infer.c):
 *
 *     bool < int < decimal(scale) < float,   date < timestamp,   string
 *
 * A column with no value in the sample is string.
 */
#include "csv.h"

void csv_infer_add(support_infer *infer, const char *s, size_t n)
{
    int int_digits, scale;
    unsigned fits;

    if (infer->fits == 0) {
        infer->values++; /* already a string: nothing left to learn */
        return;
    }
    fits = support_classify(s, n, &int_digits, &scale);
    support_infer_add(infer, fits, int_digits, scale);
}
