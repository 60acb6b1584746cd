/*
 * run.h - executes a compiled plan: pulls batches from the source, computes
 * fields, filters, aggregates, orders, and feeds the emitter (emit.h) which
 * produces the band instances.
 *
 * Threading: PLAN_HASH reads the source's partitions on `workers` threads
 * (when the source can partition), each aggregating into its own hash
 * table; the tables are merged and walked on the calling thread.
 * PLAN_STREAM runs on the calling thread (sorting with spill files when
 * the source cannot sort; that sort orders each run in memory on up to
 * `workers` threads). Progress counters are atomics any thread may read
 * while the run goes on.
 */
#ifndef QUIRE_RUN_H
#define QUIRE_RUN_H

#include <stdatomic.h>
#include <stdint.h>

#include "emit.h"
#include "plan.h"

typedef struct run_progress {
    _Atomic int64_t rows;        /* rows read from the source so far */
    _Atomic int64_t bytes_read;  /* summed over partitions, when sources say */
    _Atomic int64_t bytes_total; /* 0 until known */
    _Atomic int64_t estimate;    /* the source's row estimate, or -1 */
    _Atomic int phase;           /* RUN_PHASE_* */
} run_progress;

#define RUN_PHASE_READ 0
#define RUN_PHASE_SORT 1
#define RUN_PHASE_EMIT 2

typedef struct run_options {
    int workers;               /* threads for partitioned reads and the sort (>= 1) */
    size_t sort_memory;        /* bytes before the sort spills */
    const char *temp_dir;      /* spill files */
    const _Atomic int *cancel; /* non-zero: stop at the next batch (may be NULL) */
    /* Called before each batch is read (and before each batch of sorted
     * rows), before *cancel is checked, on the thread that reads it: with
     * several partitions on several threads at once. It may block (a
     * paused render waits in it; nothing of the run's is locked then) and
     * should return soon once *cancel is set. May be NULL. */
    void (*between_batches)(void *ctx);
    void *between_ctx;
} run_options;

typedef struct run_stats {
    int64_t rows_read;
    int64_t rows_kept;    /* after the filter */
    int64_t rows_skipped; /* bad rows the source skipped (on_error = skip) */
    int64_t groups;
    int64_t instances;
    int partitions;
    int sorted_by;     /* 0 none needed, 1 the source, 2 the kernel */
    int64_t sort_runs; /* spilled runs */
    int64_t sort_bytes_spilled;
    size_t peak_held; /* band instances held back at once */
} run_stats;

/*
 * Runs `p` to the end, sending band instances to `sink`. Returns QUIRE_OK,
 * or QUIRE_ERR with err set (a source error keeps the source's message;
 * QUIRE_E_CANCELED when cancelled). The plan's probe instance is consumed.
 */
int run_plan(plan *p, emit_sink sink, const run_options *opt, run_progress *progress,
             run_stats *stats, quire_error *err);

#endif /* QUIRE_RUN_H */
