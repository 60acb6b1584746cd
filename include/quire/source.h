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

/* One sort key the kernel would like the source to apply (ORDER BY). */
typedef struct quire_sort_key {
    const char *column; /* a column of the source's schema */
    uint32_t desc;      /* 1: descending */
    uint32_t nulls_first;
} quire_sort_key;

/* Comparison operators of a pushed-down predicate. */
#define QUIRE_PRED_EQ 1
#define QUIRE_PRED_NE 2
#define QUIRE_PRED_LT 3
#define QUIRE_PRED_LE 4
#define QUIRE_PRED_GT 5
#define QUIRE_PRED_GE 6
#define QUIRE_PRED_IS_NULL 7     /* value unused */
#define QUIRE_PRED_IS_NOT_NULL 8 /* value unused */

/* One predicate `column op value` of the report's filter. The kernel still
 * applies its whole filter to what the source returns, so a source may use
 * any subset of the predicates to return fewer rows, or none. */
typedef struct quire_predicate {
    const char *column;
    uint32_t op;        /* QUIRE_PRED_* */
    uint32_t type;      /* QUIRE_TYPE_* of the value (the column's type) */
    int32_t scale;
    int64_t i64;        /* BOOL, INT, DECIMAL (scaled), DATE, TIMESTAMP */
    double f64;
    quire_str str;
} quire_predicate;

/* What the kernel asks of one source instance. Valid until close().
 * Fields after batch_rows are ABI 1.1: check `size` before reading them
 * (a 1.0 kernel passes a smaller struct). */
typedef struct quire_source_args {
    uint32_t size;               /* sizeof(quire_source_args) as the kernel knows it */
    const char *source_name;     /* the source's name in the definition */
    const quire_option *options; /* noptions entries */
    size_t noptions;
    quire_arena *arena;          /* owned by the kernel, freed after close() */
    uint32_t batch_rows;         /* the capacity batches will have */

    /* 1.1 */
    const char *base_dir;        /* relative paths in options resolve against this
                                    directory (the definition's); NULL: the
                                    working directory */
    uint32_t partition;          /* with QUIRE_SOURCE_CAN_PARTITION: read only */
    uint32_t npartitions;        /* part `partition` of `npartitions` (0 or 1: all) */
    const quire_sort_key *sort;  /* with QUIRE_SOURCE_CAN_SORT: wanted order */
    size_t nsort;
    const quire_predicate *filter; /* with QUIRE_SOURCE_CAN_FILTER: conjunction */
    size_t nfilter;
} quire_source_args;

#define QUIRE_SOURCE_ARGS_1_0_SIZE (offsetof(quire_source_args, batch_rows) + sizeof(uint32_t))

/* Counters a source keeps for progress and for the end-of-render report. */
typedef struct quire_source_stats {
    uint32_t size;          /* sizeof(quire_source_stats) as the kernel knows it */
    int64_t rows;           /* rows returned so far */
    int64_t rows_skipped;   /* bad rows dropped under on_error = skip */
    int64_t bytes_read;     /* input consumed so far, or -1 */
    int64_t bytes_total;    /* input size (of this partition), or -1 */
} quire_source_stats;

/* Capabilities (quire_source_ops.caps). */
/* PARTITION: open() honours partition/npartitions: the parts together return
 * every row exactly once, each part in input order; first_row numbers rows
 * within the part. The kernel reads parts on different threads. */
#define QUIRE_SOURCE_CAN_PARTITION (1u << 0)
/* SORT: open() may honour `sort`; ordered() says whether it did. */
#define QUIRE_SOURCE_CAN_SORT (1u << 1)
/* FILTER: open() may use `filter` to skip rows early. */
#define QUIRE_SOURCE_CAN_FILTER (1u << 2)
/* PROJECT: project() lets the source skip columns the report never reads. */
#define QUIRE_SOURCE_CAN_PROJECT (1u << 3)

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

    /* ---- 1.1: every member below may be 0/NULL in an older plugin ---- */

    uint32_t caps; /* QUIRE_SOURCE_CAN_* */

    /* Optional (QUIRE_SOURCE_CAN_PROJECT): after schema() and before the
     * first next(), needed[c] == 0 says column c is never read. The source
     * may leave such columns unfilled (values and nulls). */
    int (*project)(void *instance, const uint8_t *needed, size_t ncolumns, quire_error *err);

    /* Optional (QUIRE_SOURCE_CAN_SORT): 1 if rows arrive in the order asked
     * for in args->sort, else 0. Called after open(). */
    int (*ordered)(void *instance);

    /* Optional: fill the counters (the kernel sets out->size first; fill
     * only members that fit). May be called between next() calls. */
    void (*stats)(void *instance, quire_source_stats *out);
} quire_source_ops;

/* The size of the 1.0 table; smaller tables are refused. */
#define QUIRE_SOURCE_OPS_MIN_SIZE (offsetof(quire_source_ops, close) + sizeof(void (*)(void)))

#ifdef __cplusplus
}
#endif

#endif /* QUIRE_SOURCE_H */
