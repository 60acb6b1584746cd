/*
 * jobs_int.h - internals shared by the jobs_*.c files (not for other
 * kernel code: use jobs.h).
 *
 * Ownership: the loop thread owns `jobs` and every job_run in j->runs, from
 * the moment a queue entry is taken until it is acknowledged. A worker
 * thread touches a run only between popping it from the work queue and
 * pushing it on the done list (both under j->mu), plus its atomics.
 */
#ifndef QUIRE_JOBS_INT_H
#define QUIRE_JOBS_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include <ev.h>

#include "clock.h"
#include "jobs.h"

/* Stages of a run on the loop thread. */
enum {
    RUN_STARTING = 0, /* start script in flight */
    RUN_WORKING,      /* queued for or running on a worker */
    RUN_DEAD_XADD,    /* outcome: XADD to the dead-letter stream */
    RUN_FINISH,       /* outcome: finish script (final state, output) */
    RUN_REQUEUE_HASH, /* transient failure: state back to queued */
    RUN_REQUEUE_XADD, /* transient failure: new queue entry */
    RUN_ACK,          /* XACK of our entry */
    RUN_DONE
};

struct job_run {
    jobs *j;
    struct job_run *next;  /* j->runs (loop) */
    struct job_run *qnext; /* work queue or done list (under j->mu) */
    char *entry_id;
    char *job_id;
    int reclaimed;
    int stage;
    int inflight;     /* a Redis command of this run is outstanding */
    int64_t retry_at; /* monotonic ms of the next retry; 0: none due */
    int backoff_ms;
    /* spec, owned (strings point into spec_strs allocations) */
    job_spec spec;
    char **owned; /* every string of spec, freed at the end */
    size_t nowned;
    char *out_path;
    /* progress (worker writes, loop reads) */
    _Atomic int64_t rows, rows_total, pages;
    _Atomic int percent;
    _Atomic int paused, canceled;
    /* loop-side progress publishing */
    int64_t start_mono_ms;
    int64_t start_wall_ms;
    int64_t last_event_ms;
    int64_t last_poll_ms;
    int last_percent;
    int64_t last_rows, last_pages;
    int tick_inflight;
    /* outcome (worker fills before pushing on the done list) */
    int status;
    char *mime;
    char *error;
    job_output_kind out_kind;
    char *out_data;
    size_t out_size;
    char *out_file;
    double duration_s;
    char *dead_error; /* text recorded in dead letter and hash */
};

struct jobs {
    struct ev_loop *loop;
    rconn *cmd;
    rconn *block;
    jobs_options o; /* strings below are owned copies */
    char *prefix, *node, *output_dir, *temp_dir;
    jobs_runner runner;
    /* keys */
    char *k_queue, *k_dead, *k_index;

    int dead; /* jobs_free called; last in-flight callback frees */
    int refs; /* in-flight commands */
    int started;
    int draining;
    void (*drain_cb)(void *ctx);
    void *drain_ctx;

    struct job_run *runs; /* every run this node holds (loop) */
    int nruns;

    /* reading */
    int read_inflight;
    int read_history;    /* 1: reading own pending entries (from read_after) */
    char read_after[64]; /* history cursor */
    int64_t read_retry_at;
    unsigned cmd_connects, block_connects;
    int group_ok;
    int group_inflight;

    /* timers */
    ev_timer tick;
    ev_async wake;
    int64_t next_heartbeat, next_sweep;
    int sweep_inflight;
    int claim_inflight;
    char sweep_cursor[64];

    /* worker pool */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct job_run *work_head, *work_tail;
    struct job_run *done_head, *done_tail;
    int stopping;
    pthread_t *threads;
    int nthreads;

    jobs_metrics m;
};

/* Command callback on the loop; j is never dead here. */
typedef void jobs_reply_fn(jobs *j, redisReply *reply, void *priv);

/* Sends a command on rc. fn(j, reply, priv) runs once later unless the
 * engine is freed first, in which case drop(priv) runs instead (drop may be
 * NULL). reply NULL: unavailable. */
void jobs_cmd(jobs *j, rconn *rc, jobs_reply_fn *fn, void *priv, void (*drop)(void *), int argc,
              const char **argv, const size_t *lens);

/* Milliseconds: wall clock (Unix) and monotonic. */

/* "P:{job:ID}" + suffix, malloc'd (NULL on OOM). */
char *jobs_key(const jobs *j, const char *id, const char *suffix);

/* Lua scripts (jobs_scripts.c). */
extern const char jobs_lua_create[];
extern const char jobs_lua_start[];
extern const char jobs_lua_progress[];
extern const char jobs_lua_finish[];
extern const char jobs_lua_requeue[];
extern const char jobs_lua_control[];

/* jobs_pool.c */
int jobs_pool_start(jobs *j, quire_error *err);
void jobs_pool_stop(jobs *j);
void jobs_pool_push(jobs *j, struct job_run *r);
struct job_run *jobs_pool_pop_done(jobs *j);
void jobs_run_free(struct job_run *r);

/* jobs_output.c: worker side of job_run_finish. */
void jobs_output_collect(struct job_run *r);

/* jobs_queue.c */
void jobs_queue_tick(jobs *j, int64_t now);
void jobs_take(jobs *j, const char *entry_id, const char *job_id, int reclaimed);
int jobs_free_slots(const jobs *j);
void jobs_heartbeat(jobs *j);
/* Reads more entries from the queue when a slot is free and no read is
 * out; called on every tick, and at once when a run frees its slot so the
 * next job does not wait for the tick. */
void jobs_read_more(jobs *j);
struct job_run *jobs_find_entry(jobs *j, const char *entry_id);

/* jobs_finish.c */
void jobs_finish_begin(jobs *j, struct job_run *r);
void jobs_finish_tick(jobs *j, int64_t now);
void jobs_run_release(jobs *j, struct job_run *r);
void jobs_fail_run_now(jobs *j, struct job_run *r, const char *msg);

/* jobs_events.c */
void jobs_progress_tick(jobs *j, int64_t now);

/* jobs_sweep.c */
void jobs_sweep(jobs *j);

/* Reply helpers (jobs_reply.c). */
const char *jobs_reply_str(const redisReply *r); /* string/status or NULL */
int64_t jobs_reply_int(const redisReply *r, int64_t dflt);
int jobs_reply_is_error(const redisReply *r);
/* Fills info from a flat HGETALL array; strings point into the reply,
 * params malloc'd into *params_out (caller frees). Returns 0 or -1. */
int jobs_info_from_pairs(const char *const *kv, size_t n, const char *id, job_info *info,
                         job_param **params_out);
int jobs_info_from_hash(const redisReply *arr, const char *id, job_info *info,
                        job_param **params_out);

#endif /* QUIRE_JOBS_INT_H */
