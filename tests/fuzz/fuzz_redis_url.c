/*
 * fuzz_redis_url.c - libFuzzer target for the Redis URL parser behind
 * rconn_url_check() (kernel/redis_conn.c), which config validation runs on
 * user input. Any crash, leak or sanitizer report is a bug, and so is a
 * failure without a "redis_url: " message or an answer other than 0/-1.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "redis_conn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *url = malloc(size + 1);
    char err[256];
    int rc;

    if (url == NULL)
        return 0;
    memcpy(url, data, size);
    url[size] = '\0';
    err[0] = '\0';
    rc = rconn_url_check(url, err, sizeof(err));
    if (rc != 0 && (rc != -1 || strncmp(err, "redis_url: ", 11) != 0))
        __builtin_trap();
    free(url);
    return 0;
}
