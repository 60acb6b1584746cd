/*
 * quire/common.h - status codes, the error struct and export macros shared by
 * every quire header.
 *
 * This header is part of the public plugin ABI (see quire/plugin.h for the
 * versioning rules). It depends on nothing but the C standard library, so a
 * plugin can be built with only the installed headers.
 */
#ifndef QUIRE_COMMON_H
#define QUIRE_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ============================== Status codes ============================== */

/*
 * Every fallible quire function returns one of these. The set is closed: a
 * new code would be an ABI major change. Details travel in a quire_error.
 */
#define QUIRE_OK 0     /* success */
#define QUIRE_ERR (-1) /* failure; the quire_error passed in says why */
#define QUIRE_AGAIN (-2) /* not ready yet; call again later (non-blocking I/O) */
#define QUIRE_DONE 1   /* success, and the stream has no more items */

/* ============================== Error struct ============================== */

/* Error categories carried in quire_error.code. Closed set, like the codes. */
#define QUIRE_E_NONE 0     /* no error recorded */
#define QUIRE_E_INVALID 1  /* bad input: a definition, a value, a request */
#define QUIRE_E_IO 2       /* a file, socket or database failed */
#define QUIRE_E_NOMEM 3    /* an allocation failed */
#define QUIRE_E_ABI 4      /* plugin and kernel disagree on the ABI */
#define QUIRE_E_CONFIG 5   /* configuration refused */
#define QUIRE_E_CANCELED 6 /* the operation was cancelled by its owner */
#define QUIRE_E_INTERNAL 7 /* a bug: an invariant did not hold */

#define QUIRE_ERROR_MSG_MAX 512

/*
 * One error: a category and a one-line, human-readable message. The message
 * names where the problem is (file:line:column, key, plugin path) and, for
 * mismatches, both values. Callers own the struct (usually on the stack);
 * nothing inside it needs freeing. Fill it with quire_host.error_set() or the
 * kernel's own setter so that truncation is always safe.
 */
typedef struct quire_error {
    int code;                       /* QUIRE_E_* */
    char msg[QUIRE_ERROR_MSG_MAX]; /* NUL-terminated, no trailing newline */
} quire_error;

/* ============================== Shared opaque types ====================== */

/* A region allocator owned by the kernel; see quire_host.arena_*(). */
typedef struct quire_arena quire_arena;

/* ============================== Export macros ============================= */

#if defined(__GNUC__) || defined(__clang__)
#define QUIRE_EXPORT __attribute__((visibility("default")))
#define QUIRE_PRINTF(fmt_index, first_arg) \
    __attribute__((format(printf, fmt_index, first_arg)))
#else
#define QUIRE_EXPORT
#define QUIRE_PRINTF(fmt_index, first_arg)
#endif

#ifdef __cplusplus
}
#endif

#endif /* QUIRE_COMMON_H */
