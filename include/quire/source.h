/*
 * quire/source.h - the data-source plugin kind (QUIRE_KIND_SOURCE).
 *
 * A source streams typed rows to the kernel in columnar batches (quire/types.h).
 * The kernel opens one instance per render, asks for its schema, then pulls
 * batches until the source answers QUIRE_DONE.
 *
 * Threading: every op of one instance runs on the render worker that opened
 * it; different instances run concurrently on different workers.
 */
#ifndef QUIRE_SOURCE_H
#define QUIRE_SOURCE_H

#include "plugin.h"
#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What the kernel asks of one source instance. Valid until close(). */
typedef struct quire_source_args {
    uint32_t size;               /* sizeof(quire_source_args) as the kernel knows it */
    const char *source_name;     /* the source's name in the definition */
    const quire_option *options; /* noptions entries */
    size_t noptions;
    quire_arena *arena;          /* owned by the kernel, freed after close() */
    uint32_t batch_rows;         /* the capacity batches will have */
} quire_source_args;

typedef struct quire_source_ops {
    uint32_t size; /* sizeof(quire_source_ops) when built */

    /* Open an instance. Unknown or invalid options are an error naming the
     * option's file:line:column. Must not read data yet beyond what the
     * schema needs. */
    int (*open)(void *state, const quire_source_args *args, void **instance, quire_error *err);

    /* Describe the columns. *columns stays owned by the instance and valid
     * until close(). */
    int (*schema)(void *instance, const quire_column_info **columns, size_t *ncolumns,
                  quire_error *err);

    /* Optional: an estimate of the total row count for progress, or -1. */
    int64_t (*estimate)(void *instance);

    /* Fill `batch` (allocated by the kernel from the schema). The source
     * sets batch->rows and batch->first_row. Returns QUIRE_OK with
     * batch->rows > 0, QUIRE_DONE at the end (batch->rows may be > 0 on the
     * last call), or QUIRE_ERR. Errors are final: after QUIRE_ERR the kernel
     * only calls close(). Text is parsed in the "C" locale; a timestamp
     * without an offset is UTC unless an option of the source says
     * otherwise. */
    int (*next)(void *instance, quire_batch *batch, quire_error *err);

    /* Release the instance. Called exactly once per successful open(). */
    void (*close)(void *instance);
} quire_source_ops;

/* The size of the 1.0 table; smaller tables are refused. */
#define QUIRE_SOURCE_OPS_MIN_SIZE (offsetof(quire_source_ops, close) + sizeof(void (*)(void)))

#ifdef __cplusplus
}
#endif

#endif /* QUIRE_SOURCE_H */
