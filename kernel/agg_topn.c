/*
 * agg_topn.c - top N categories of a dataset (top = 5, other = "Other"):
 * the first N groups in display order are kept and the rest are merged
 * into one "other" state, so "Other" shows their combined aggregates
 * exactly as a group holding all their rows would (sums add, counts add,
 * distinct sets unite, medians see every value). See agg.h.
 */
#include "agg.h"

int agg_topn(const agg_layout *l, const void *base, const uint32_t *gids, size_t n, size_t top,
             void *other, size_t *kept, size_t *merged, quire_error *err)
{
    size_t keep = top == 0 || top >= n ? n : top;
    size_t size = agg_state_size(l);

    *kept = keep;
    *merged = 0;
    if (other == NULL)
        return QUIRE_OK;
    for (size_t i = keep; i < n; i++) {
        if (agg_merge(l, other, (const char *)base + (size_t)gids[i] * size, err) != QUIRE_OK)
            return QUIRE_ERR;
        (*merged)++;
    }
    return QUIRE_OK;
}
