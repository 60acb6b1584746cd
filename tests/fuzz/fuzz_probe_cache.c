/*
 * fuzz_probe_cache.c - libFuzzer target for the plugin probe cache's parser
 * (kernel/probe_cache.c), which reads a file from the user's cache
 * directory at every start. Any crash, leak or sanitizer report is a bug,
 * and so is a broken invariant (a trap): a refusal leaves the cache empty
 * with a one-line reason; an accepted input holds at most 256 entries, and
 * what probe_cache_format() makes of it parses back to the same text.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>

#include "kernel.h"
#include "probe_cache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            __builtin_trap();                                                                      \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    probe_cache *c = probe_cache_open(NULL, 1, QUIRE_LOG_ERROR);
    probe_cache *again = probe_cache_open(NULL, 1, QUIRE_LOG_ERROR);
    char why[512];
    char *text = NULL, *text2 = NULL;
    size_t len = 0, len2 = 0;

    if (c == NULL || again == NULL)
        goto done;
    why[0] = '\0';
    if (probe_cache_parse(c, (const char *)data, size, why, sizeof(why)) != 0) {
        CHECK(why[0] != '\0' && strchr(why, '\n') == NULL);
        CHECK(probe_cache_count(c) == 0);
        goto done;
    }
    CHECK(probe_cache_count(c) <= PROBE_CACHE_MAX_ENTRIES);
    text = probe_cache_format(c, &len);
    if (text == NULL)
        goto done;
    CHECK(len <= PROBE_CACHE_MAX_BYTES && strlen(text) == len);
    CHECK(probe_cache_parse(again, text, len, why, sizeof(why)) == 0);
    CHECK(probe_cache_count(again) == probe_cache_count(c));
    text2 = probe_cache_format(again, &len2);
    if (text2 != NULL)
        CHECK(len2 == len && memcmp(text, text2, len) == 0);
done:
    free(text);
    free(text2);
    probe_cache_free(c);
    probe_cache_free(again);
    return 0;
}
