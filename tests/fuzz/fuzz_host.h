/*
 * fuzz_host.h - what the source plugin fuzz targets (fuzz_csv.c,
 * fuzz_jsonl.c) share: the host table they hand the plugin they compile in
 * (libc memory, the kernel's arenas from kernel/arena.c, messages
 * formatted into the error, logging off), CHECK(cond) (a trap, which
 * libFuzzer reports as a crash) and the batch contract check.
 *
 * Include once per target.
 */
#ifndef QUIRE_FUZZ_HOST_H
#define QUIRE_FUZZ_HOST_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <quire/source.h>

#include "arena.h"

/* A broken invariant: trap, so libFuzzer keeps the input. */
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            __builtin_trap();                                                                      \
    } while (0)

/* Logging is off: a fuzzer run would drown in skipped-row lines. */
static void fake_log(quire_plugin *self, int level, const char *fmt, ...)
{
    (void)self;
    (void)level;
    (void)fmt;
}

static int fake_log_enabled(quire_plugin *self, int level)
{
    (void)self;
    (void)level;
    return 0;
}

static void fake_error_set(quire_error *err, int code, const char *fmt, ...) QUIRE_PRINTF(3, 4);
static void fake_error_set(quire_error *err, int code, const char *fmt, ...)
{
    va_list ap;

    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
}

static char *fake_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* What the plugin's state gets as its host (plugin.host = &fuzz_host). */
static const quire_host fuzz_host = {
    .size = sizeof(quire_host),
    .abi_major = QUIRE_ABI_MAJOR,
    .abi_minor = QUIRE_ABI_MINOR,
    .kernel_version = "fuzz",
    .log = fake_log,
    .log_enabled = fake_log_enabled,
    .malloc = malloc,
    .calloc = calloc,
    .realloc = realloc,
    .free = free,
    .strdup = fake_strdup,
    .arena_new = arena_new,
    .arena_alloc = arena_alloc,
    .arena_strndup = arena_strndup,
    .arena_reset = arena_reset,
    .arena_free = arena_free,
    .error_set = fake_error_set,
};

/* The batch contract after a next() that returned rc (QUIRE_OK or
 * QUIRE_DONE): at most `capacity` rows, some unless it is the end, and
 * numbered on from the `delivered` rows before. */
static void fuzz_check_batch(const quire_batch *batch, int rc, uint32_t capacity, int64_t delivered)
{
    CHECK(batch->rows <= capacity);
    CHECK(rc == QUIRE_DONE || batch->rows > 0);
    CHECK(batch->first_row == delivered + 1);
}

#endif /* QUIRE_FUZZ_HOST_H */
