/*
 * fuzz_dataset.c - libFuzzer target for dataset_relocate(), which turns a
 * packed chart dataset (bytes a render worker copied) back into pointers.
 * Any bytes must be refused or give a dataset whose every pointer stays in
 * the buffer; an accepted buffer must unrelocate to the same bytes and
 * relocate again after a copy. Any crash, sanitizer report or broken
 * invariant (a trap) is a bug. Built and run by `make fuzz`.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            __builtin_trap();                                                                      \
    } while (0)

static int inside(const void *p, size_t n, const uint8_t *buf, size_t len)
{
    const uint8_t *b = p;
    return b >= buf && b <= buf + len && n <= (size_t)(buf + len - b);
}

/* Reads everything the dataset points to; returns the total length of its
 * strings (their bytes may hold relocated pointers, which differ between
 * copies). */
static size_t walk(const quire_dataset *ds, const uint8_t *buf, size_t len)
{
    volatile unsigned sink = 0;
    size_t h = 0;
    size_t nvalues = ds->ncategories * ds->nseries;
    if (ds->name != NULL) {
        CHECK(inside(ds->name, strlen(ds->name) + 1, buf, len));
        h += strlen(ds->name);
    }
    for (size_t c = 0; c < ds->ncategories; c++) {
        CHECK(inside(ds->categories[c].ptr, ds->categories[c].len, buf, len) ||
              (ds->categories[c].ptr == NULL && ds->categories[c].len == 0));
        for (size_t i = 0; i < ds->categories[c].len; i++)
            sink += (unsigned char)ds->categories[c].ptr[i];
        h += ds->categories[c].len;
        if (ds->category_values != NULL)
            sink += ds->category_values[c] > 0;
    }
    for (size_t s = 0; s < ds->nseries; s++) {
        CHECK(inside(ds->series[s].ptr, ds->series[s].len, buf, len) ||
              (ds->series[s].ptr == NULL && ds->series[s].len == 0));
        for (size_t i = 0; i < ds->series[s].len; i++)
            sink += (unsigned char)ds->series[s].ptr[i];
        h += ds->series[s].len;
    }
    for (size_t v = 0; v < nvalues; v++) {
        CHECK(inside(ds->value_text[v].ptr, ds->value_text[v].len, buf, len) ||
              (ds->value_text[v].ptr == NULL && ds->value_text[v].len == 0));
        sink += ds->values[v] > 0;
        for (size_t i = 0; i < ds->value_text[v].len; i++)
            sink += (unsigned char)ds->value_text[v].ptr[i];
        h += ds->value_text[v].len;
    }
    return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t len = size & ~(size_t)7;
    uint8_t *buf = malloc(len + 8), *copy = malloc(len + 8);
    CHECK(buf != NULL && copy != NULL);
    memcpy(buf, data, len);
    quire_dataset *ds = dataset_relocate(buf, len);
    if (ds == NULL) {
        CHECK(memcmp(buf, data, len) == 0); /* refused bytes are untouched */
    } else {
        size_t h = walk(ds, buf, len);
        dataset_unrelocate(buf);
        CHECK(memcmp(buf, data, len) == 0);
        memcpy(copy, buf, len);
        ds = dataset_relocate(copy, len);
        CHECK(ds != NULL);
        CHECK(walk(ds, copy, len) == h);
    }
    free(buf);
    free(copy);
    return 0;
}
