/*
 * jobs.h - the render job engine of `quire serve`: a job queue on Redis
 * Streams shared by every node, worker threads that run jobs through a
 * runner, durable outputs, progress events and recovery of dead nodes' jobs.
 *
 * ===== Data model (all keys under a prefix P, default "quire") =====
 *
 *   P:{jobs}:queue        stream; one entry per (re)queued run, fields
 *                         "job" ID. Consumer group "render", consumer name =
 *                         the node id. An entry stays pending (PEL) until its
 *                         job's outcome is stored.
 *   P:{jobs}:dead         dead-letter stream; fields job, attempts, error,
 *                         node, ts (ms).
 *   P:{jobs}:index        zset: job id -> created ms (pruned after result_ttl_s)
 *   P:{job:ID}            hash, the job:
 *       state       queued|running|paused|succeeded|failed|canceled
 *       report, format, page (page may be absent), p:NAME = VALUE per param
 *       created_ms, started_ms, finished_ms   (absent until it happens)
 *       node        node that runs / last ran it
 *       attempts    runs started so far (1 on the first run)
 *       control     ""|pause|cancel: what the API asked the running node
 *       paused_from queued|running: the state a resume returns to
 *       rows, rows_total (-1 unknown), pages, percent (-1 unknown), eta_ms
 *       error       last error text (failed, or the reason of a retry)
 *       output_kind redis|file, output_size, output_mime, output_path
 *       output_writes  times an output was stored (1 once succeeded; a test
 *                      and operator check that a reclaimed job wrote once)
 *   P:{job:ID}:events     stream (MAXLEN ~event_maxlen) of events:
 *       type=state:    state, node, ts, [message]  (one per state change)
 *       type=progress: rows, rows_total, pages, percent, eta_ms, node, ts
 *   P:{job:ID}:output     string: the output bytes when <= output_max_redis
 *   Finished jobs: hash, events and output expire after result_ttl_s.
 *
 * Attempts: counted in the hash at every start of a run (HINCRBY), not
 * from XPENDING's delivery count, so runs of re-queued entries (transient
 * failures) and of reclaimed entries (dead nodes) count alike. A start
 * that finds attempts >= max_attempts dead-letters the job instead
 * ("gave up after N attempts: <last error>").
 *
 * Progress: the running node publishes a progress event when
 * progress_interval_ms passed or the percentage grew by >= 1 since the
 * last one, at most one per 100 ms per job, and mirrors it in the hash.
 *
 * States: queued -> running <-> paused -> succeeded | failed | canceled;
 * queued/paused-before-start -> canceled; running -> queued on a transient
 * failure (retry). A job paused before any node took it is "paused" until
 * resumed (back to "queued"); a node that takes it starts it paused.
 *
 * Delivery is at-least-once with idempotent effects: the outcome of a run
 * (output + final state) is written by one Lua script on the job's own
 * hash-tagged keys that does nothing when the job is already final, and the
 * queue entry is XACKed only after that script succeeded. A node that gets
 * an entry whose job is already final just XACKs it. Two nodes may run the
 * same job after a crash or a long Redis outage; only the first outcome is
 * stored.
 *
 * Threads: every jobs_* function and every callback runs on the loop thread
 * unless its comment says otherwise. job_run_* functions are for the runner
 * on a worker thread. The engine owns its worker pool (`slots` pthreads).
 *
 * Errors: API callbacks get a jobs_status and a one-line message;
 * JOBS_E_UNAVAILABLE ("redis unavailable") maps to HTTP 503,
 * JOBS_E_NOT_FOUND to 404, JOBS_E_CONFLICT to 409.
 */
#ifndef QUIRE_JOBS_H
#define QUIRE_JOBS_H

#include <stddef.h>
#include <stdint.h>

#include <quire/common.h>

#include "redis_conn.h"

struct ev_loop;

typedef struct jobs jobs;
typedef struct job_run job_run;

/* ============================== States ==================================== */

typedef enum job_state {
    JOB_STATE_QUEUED = 0,
    JOB_STATE_RUNNING,
    JOB_STATE_PAUSED,
    JOB_STATE_SUCCEEDED,
    JOB_STATE_FAILED,
    JOB_STATE_CANCELED,
    JOB_STATE_COUNT
} job_state;

/* "queued", "running", ... (static strings). Out of range: "unknown". */
const char *job_state_name(job_state s);

/* Parses a state name; returns 0 and sets *out, or -1 for an unknown name. */
int job_state_parse(const char *name, job_state *out);

/* 1 for succeeded, failed and canceled. */
int job_state_final(job_state s);

/* Outcome a runner reports through job_run_finish(). */
#define JOB_OK               0 /* output written to job_run_output_path() */
#define JOB_FAILED           1 /* transient (I/O, plugin crash): retried */
#define JOB_FAILED_PERMANENT 2 /* bad data, definition error: not retried */
#define JOB_CANCELED         3 /* saw job_run_canceled(); no output kept */

/* jobs_control() actions. */
#define JOB_PAUSE  1
#define JOB_RESUME 2
#define JOB_CANCEL 3

/* Result of an API call (see the mapping to HTTP above). */
typedef enum jobs_status {
    JOBS_OK = 0,
    JOBS_E_NOT_FOUND,   /* no such job (or it expired) */
    JOBS_E_UNAVAILABLE, /* Redis not connected or did not answer */
    JOBS_E_CONFLICT,    /* the job's state forbids it (already finished...) */
    JOBS_E_INVALID,     /* bad argument (empty report name, bad cursor) */
    JOBS_E_INTERNAL     /* out of memory or an unexpected Redis reply */
} jobs_status;

/* ============================== Specs and info ============================ */

typedef struct job_param {
    const char *name;
    const char *value;
} job_param;

/* What to render. In jobs_create() the caller owns every string (copied
 * before jobs_create returns; id and attempt are ignored). From
 * job_run_spec() the engine owns it, valid until job_run_finish(). */
typedef struct job_spec {
    const char *id;     /* job id (from the engine) */
    const char *report; /* report name, non-empty */
    const char *format; /* renderer format ("pdf", "csv"...), non-empty;
                           also the output file extension in output_dir */
    const job_param *params;
    size_t nparams;
    const char *page; /* NULL, or a page selection kept verbatim */
    int attempt;      /* 1 on the first run */
} job_spec;

typedef enum job_output_kind {
    JOB_OUTPUT_NONE = 0, /* no output (not succeeded) */
    JOB_OUTPUT_REDIS,    /* bytes in P:{job:ID}:output */
    JOB_OUTPUT_FILE      /* file output_dir/ID.EXT */
} job_output_kind;

/* One job as read from its hash. Every pointer is owned by the engine and
 * valid only during the callback that passes the struct. Numbers that are
 * not known are -1 (rows_total, percent, eta_ms) or 0 (times never reached,
 * rows, pages, attempts, output_size). Strings absent from the hash are "". */
typedef struct job_info {
    const char *id;
    job_state state;
    const char *report;
    const char *format;
    const char *page;
    job_param *params;
    size_t nparams;
    int64_t created_ms, started_ms, finished_ms; /* Unix ms */
    const char *node;
    int attempts;
    int64_t rows, rows_total, pages;
    int percent;
    int64_t eta_ms;
    const char *error;
    const char *control; /* "", "pause" or "cancel" */
    job_output_kind output_kind;
    int64_t output_size;
    const char *output_mime;
} job_info;

typedef enum job_event_type { JOB_EVENT_STATE = 0, JOB_EVENT_PROGRESS } job_event_type;

/* One entry of P:{job:ID}:events. Pointers valid during the callback. */
typedef struct job_event {
    const char *id; /* stream id "MS-SEQ": SSE id / Last-Event-ID */
    job_event_type type;
    job_state state; /* type state: the new state; progress: running */
    int64_t ts_ms;
    int64_t rows, rows_total, pages; /* progress (also on state events) */
    int percent;
    int64_t eta_ms;
    const char *node;    /* "" if none */
    const char *message; /* "" or e.g. "reclaimed from node X", an error */
} job_event;

/* A finished job's output. kind REDIS: data/size are the bytes (owned by
 * the engine, valid during the callback). kind FILE: path is
 * output_dir/ID.EXT, to be served from the shared directory. */
typedef struct job_output {
    job_output_kind kind;
    const char *data;
    size_t size;
    const char *path;
    const char *mime;
} job_output;

/* ============================== Options =================================== */

typedef struct jobs_options {
    const char *prefix;       /* key prefix; NULL: "quire" */
    const char *node_id;      /* unique per node (hostname-pid-random); required */
    int slots;                /* concurrent jobs on this node (worker threads); >= 1 */
    int reclaim_idle_ms;      /* XAUTOCLAIM min idle; 0: 30000 */
    int heartbeat_ms;         /* self-XCLAIM period; 0: reclaim_idle_ms/3; must be
                                 < reclaim_idle_ms/2 */
    int sweep_interval_ms;    /* reclaim + trim period; 0: 5000 */
    int max_attempts;         /* runs before dead-letter; 0: 3 */
    size_t output_max_redis;  /* 0: 8 MB */
    const char *output_dir;   /* shared dir for larger outputs; may be NULL */
    const char *temp_dir;     /* runner output files; NULL: $TMPDIR or /tmp */
    int event_maxlen;         /* approximate cap per events stream; 0: 1000 */
    int progress_interval_ms; /* 0: 250 */
    int result_ttl_s;         /* 0: 7 days */
    int block_ms;             /* XREADGROUP BLOCK; 0: 1000. The `block`
                                 connection needs command_timeout_ms >
                                 block_ms (e.g. block_ms + 2000) */
} jobs_options;

/* ============================== Runner ==================================== */

/*
 * The renderer the lead plugs in. run() is called on one of the engine's
 * worker threads, at most `slots` at a time, once per run of a job. It must
 * call job_run_finish() exactly once before it returns; the run handle is
 * invalid afterwards. Between batches it polls
 * job_run_canceled() (then stops and finishes with JOB_CANCELED) and
 * job_run_paused() (then waits, polling both, until resumed or canceled).
 */
typedef struct jobs_runner {
    void *ctx;
    void (*run)(void *ctx, job_run *run);
} jobs_runner;

/* The job to run; owned by the engine, valid until job_run_finish(). */
const job_spec *job_run_spec(const job_run *run);

/* Path of a not yet existing file in temp_dir where the runner writes the
 * output; owned by the engine, valid until job_run_finish(). */
const char *job_run_output_path(const job_run *run);

/* Progress so far (any thread, cheap: atomics). rows_total and percent are
 * -1 when unknown; percent 0..100. The loop publishes it as events. */
void job_run_progress(job_run *run, int64_t rows, int64_t rows_total, int64_t pages, int percent);

/* 1 while the job should pause / has been canceled (any thread). Canceled
 * also becomes 1 when the engine is freed (jobs_free) under a running job. */
int job_run_paused(const job_run *run);
int job_run_canceled(const job_run *run);

/*
 * Ends the run, exactly once, before run() returns (on the worker thread
 * that called run). status JOB_OK: the output is
 * complete at job_run_output_path() and mime names its type (copied). Other
 * statuses: error_text says why (copied; NULL allowed for JOB_CANCELED).
 * Blocking work (reading the output into memory, or copying it into
 * output_dir with fsync + rename) happens here, on the calling thread; the
 * Redis part is handed to the loop. The output file is removed.
 */
void job_run_finish(job_run *run, int status, const char *mime, const char *error_text);

/* ============================== Lifecycle ================================= */

/*
 * Creates the engine; nothing touches Redis before jobs_start(). `cmd` and
 * `block` are two distinct connections owned by the caller, alive until
 * after jobs_free() (either order of freeing is safe); `block` is used only
 * for XREADGROUP BLOCK. Options and runner are copied. Returns NULL with err
 * set on bad options ("jobs: heartbeat_ms 600 must be < reclaim_idle_ms/2
 * (500)") or when threads cannot be started.
 */
jobs *jobs_new(struct ev_loop *loop, rconn *cmd, rconn *block, const jobs_options *o,
               const jobs_runner *runner, quire_error *err);

/* Starts the timers: group creation (on every reconnect of `cmd`), reading
 * own pending entries then new ones, heartbeat, sweeper. */
void jobs_start(jobs *j);

/* Stops taking new jobs (entries a read already in flight brings are still
 * run); when every running job has finished and its outcome is stored and
 * acknowledged, calls done(ctx) once (from the loop).
 * While Redis is down the stores are retried, so done may wait for it. */
void jobs_drain(jobs *j, void (*done)(void *ctx), void *ctx);

/*
 * Frees the engine at once, writing nothing more to Redis: runners see
 * job_run_canceled() and are joined, their results are dropped, and the
 * queue entries this node holds stay pending, exactly as after kill -9 (the
 * sweeper of another node, or this node id after a restart, takes them).
 * Callbacks of API calls still in flight are never called. NULL is ignored.
 * Call jobs_drain() first for a clean shutdown.
 */
void jobs_free(jobs *j);

/* ============================== API calls ================================= */

/* Callbacks get status JOBS_OK and the data, or an error status, a message
 * (valid during the callback) and NULL data. Each callback runs exactly
 * once: before the call returns when the arguments are invalid
 * (JOBS_E_INVALID) or `cmd` is not connected (jobs_create only), else later
 * from the loop - unless jobs_free() comes first. */
typedef void jobs_create_fn(void *ctx, jobs_status st, const char *msg, const char *id);
typedef void jobs_info_fn(void *ctx, jobs_status st, const char *msg, const job_info *info);
typedef void jobs_list_fn(void *ctx, jobs_status st, const char *msg, const job_info *items,
                          size_t n, const char *next_cursor);
typedef void jobs_control_fn(void *ctx, jobs_status st, const char *msg, job_state state);
typedef void jobs_events_fn(void *ctx, jobs_status st, const char *msg, const job_event *ev,
                            size_t n);
typedef void jobs_output_fn(void *ctx, jobs_status st, const char *msg, const job_output *out);

/* Creates a job (state queued): writes its hash and first event, adds it to
 * the index and XADDs it to the queue; cb gets the new id. The caller has
 * validated the spec. If Redis fails after the hash was written, the hash
 * is marked failed ("could not be queued") when possible and cb gets
 * JOBS_E_UNAVAILABLE. */
void jobs_create(jobs *j, const job_spec *spec, jobs_create_fn *cb, void *ctx);

/* Reads one job. */
void jobs_get(jobs *j, const char *id, jobs_info_fn *cb, void *ctx);

/*
 * Lists jobs newest first. state < 0: all states, else only that job_state.
 * limit 1..1000. cursor NULL or "" for the first page, else a previous
 * next_cursor. A filtered page scans at most 10*limit index entries and can
 * hold fewer than limit items; next_cursor is NULL at the end.
 */
void jobs_list(jobs *j, int state, int limit, const char *cursor, jobs_list_fn *cb, void *ctx);

/*
 * Pause, resume or cancel (JOB_PAUSE/JOB_RESUME/JOB_CANCEL) on any node.
 * cb gets the state after the call: a queued job canceled is canceled at
 * once (it will never run); a running job being canceled stays running until
 * its node stops it (within one progress tick plus one runner batch).
 * Finished jobs: JOBS_E_CONFLICT ("job ID is already succeeded").
 * Pausing a paused or resuming a running job is not an error.
 */
void jobs_control(jobs *j, const char *id, int action, jobs_control_fn *cb, void *ctx);

/* Events after stream id after_id (NULL or "": from the first), at most
 * max (1..1000), oldest first. A job with neither hash nor events is
 * JOBS_E_NOT_FOUND. */
void jobs_events(jobs *j, const char *id, const char *after_id, int max, jobs_events_fn *cb,
                 void *ctx);

/* The output of a succeeded job. Not succeeded: JOBS_E_CONFLICT ("job ID is
 * running: no output yet"). */
void jobs_output(jobs *j, const char *id, jobs_output_fn *cb, void *ctx);

/* ============================== Metrics =================================== */

#define JOBS_DURATION_BUCKETS 10
/* Upper bounds in seconds of the render-duration histogram; the last bucket
 * is +Inf. */
extern const double jobs_duration_bounds[JOBS_DURATION_BUCKETS - 1];

typedef struct jobs_metrics {
    /* Counters since jobs_new, for runs on this node. */
    uint64_t started, succeeded, failed, canceled, reclaimed, dead_lettered, retried;
    uint64_t running; /* gauge: runs on this node now */
    uint64_t rows;    /* rows reported by finished runs */
    /* Prometheus-style cumulative buckets: duration_le[i] counts runs that
     * took <= jobs_duration_bounds[i] s; duration_le[last] = all runs. */
    uint64_t duration_le[JOBS_DURATION_BUCKETS];
    double duration_sum_s;
    double redis_rtt_ms; /* rconn_last_rtt_ms of `cmd` */
} jobs_metrics;

/* Copies the current metrics (loop thread). */
void jobs_metrics_get(const jobs *j, jobs_metrics *out);

#endif /* QUIRE_JOBS_H */
