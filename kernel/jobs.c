/*
 * jobs.c - the job engine's core: options, lifecycle (new, start, drain,
 * free), the command trampoline that keeps callbacks safe across
 * jobs_free(), and the loop tick that drives reading, progress, retries,
 * heartbeat and sweeping.
 */
#include "jobs_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diag.h"

#define TICK_S 0.05

const double jobs_duration_bounds[JOBS_DURATION_BUCKETS - 1] = {0.1, 0.25, 0.5, 1, 2.5,
                                                                5,   10,   30,  60};

/* ============================== States ==================================== */

static const char *const state_names[JOB_STATE_COUNT] = {"queued",    "running", "paused",
                                                         "succeeded", "failed",  "canceled"};

const char *job_state_name(job_state s)
{
    if ((int)s < 0 || s >= JOB_STATE_COUNT)
        return "unknown";
    return state_names[s];
}

int job_state_parse(const char *name, job_state *out)
{
    for (int i = 0; name && i < JOB_STATE_COUNT; i++) {
        if (strcmp(name, state_names[i]) == 0) {
            *out = (job_state)i;
            return 0;
        }
    }
    return -1;
}

int job_state_final(job_state s)
{
    return s == JOB_STATE_SUCCEEDED || s == JOB_STATE_FAILED || s == JOB_STATE_CANCELED;
}

/* ============================== Helpers =================================== */


static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static char *fmt_key(const char *prefix, const char *mid, const char *suffix)
{
    size_t n = strlen(prefix) + strlen(mid) + strlen(suffix) + 2;
    char *k = malloc(n);
    if (k)
        snprintf(k, n, "%s:%s%s", prefix, mid, suffix);
    return k;
}

char *jobs_key(const jobs *j, const char *id, const char *suffix)
{
    size_t n = strlen(j->prefix) + strlen(id) + strlen(suffix) + 10;
    char *k = malloc(n);
    if (k)
        snprintf(k, n, "%s:{job:%s}%s", j->prefix, id, suffix);
    return k;
}

/* ============================== Commands ================================== */

typedef struct jcmd {
    jobs *j;
    jobs_reply_fn *fn;
    void *priv;
    void (*drop)(void *);
} jcmd;

static void jobs_destroy(jobs *j);

static void trampoline(rconn *rc, redisReply *reply, void *privdata)
{
    (void)rc;
    jcmd *c = privdata;
    jobs *j = c->j;
    if (j->dead) {
        if (c->drop)
            c->drop(c->priv);
    } else if (c->fn) {
        c->fn(j, reply, c->priv);
    }
    free(c);
    if (--j->refs == 0 && j->dead)
        jobs_destroy(j);
}

void jobs_cmd(jobs *j, rconn *rc, jobs_reply_fn *fn, void *priv, void (*drop)(void *), int argc,
              const char **argv, const size_t *lens)
{
    jcmd *c = malloc(sizeof *c);
    if (!c || j->dead) {
        free(c);
        /* Out of memory: behave as if Redis did not answer, later. The
         * callers' retry paths handle it; dropping here keeps it simple. */
        if (drop)
            drop(priv);
        return;
    }
    c->j = j;
    c->fn = fn;
    c->priv = priv;
    c->drop = drop;
    j->refs++;
    /* rconn calls the trampoline exactly once, never from inside here. */
    rconn_command_argv(rc, trampoline, c, argc, argv, lens);
}

/* ============================== Tick ====================================== */

static void check_drained(jobs *j)
{
    if (j->draining && j->nruns == 0 && !j->read_inflight && j->drain_cb) {
        void (*cb)(void *) = j->drain_cb;
        j->drain_cb = NULL;
        cb(j->drain_ctx);
    }
}

static void on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    jobs *j = w->data;
    int64_t now = clock_mono_ms();
    j->refs++; /* a callback below may call jobs_free */
    jobs_queue_tick(j, now);
    if (!j->dead)
        jobs_progress_tick(j, now);
    if (!j->dead)
        jobs_finish_tick(j, now);
    if (!j->dead && now >= j->next_heartbeat) {
        j->next_heartbeat = now + j->o.heartbeat_ms;
        jobs_heartbeat(j);
    }
    if (!j->dead && now >= j->next_sweep) {
        j->next_sweep = now + j->o.sweep_interval_ms;
        jobs_sweep(j);
    }
    if (!j->dead)
        check_drained(j);
    if (--j->refs == 0 && j->dead)
        jobs_destroy(j);
}

static void on_wake(struct ev_loop *loop, ev_async *w, int revents)
{
    (void)loop;
    (void)revents;
    jobs *j = w->data;
    struct job_run *r;
    while (!j->dead && (r = jobs_pool_pop_done(j)) != NULL)
        jobs_finish_begin(j, r);
    if (!j->dead)
        jobs_read_more(j); /* the finished runs' slots are free now */
}

/* ============================== Lifecycle ================================= */

static int positive_or(int v, int dflt)
{
    return v > 0 ? v : dflt;
}

jobs *jobs_new(struct ev_loop *loop, rconn *cmd, rconn *block, const jobs_options *o,
               const jobs_runner *runner, quire_error *err)
{
    if (!o || !o->node_id || !o->node_id[0]) {
        error_setf(err, QUIRE_E_CONFIG, "jobs: node_id is required");
        return NULL;
    }
    if (o->slots < 1) {
        error_setf(err, QUIRE_E_CONFIG, "jobs: slots %d must be >= 1", o->slots);
        return NULL;
    }
    if (!runner || !runner->run) {
        error_setf(err, QUIRE_E_CONFIG, "jobs: no runner");
        return NULL;
    }
    jobs_options d = *o;
    d.reclaim_idle_ms = positive_or(o->reclaim_idle_ms, 30000);
    d.heartbeat_ms = positive_or(o->heartbeat_ms, d.reclaim_idle_ms / 3);
    if (d.heartbeat_ms >= d.reclaim_idle_ms / 2) {
        error_setf(err, QUIRE_E_CONFIG, "jobs: heartbeat_ms %d must be < reclaim_idle_ms/2 (%d)",
                   d.heartbeat_ms, d.reclaim_idle_ms / 2);
        return NULL;
    }
    d.sweep_interval_ms = positive_or(o->sweep_interval_ms, 5000);
    d.max_attempts = positive_or(o->max_attempts, 3);
    d.output_max_redis = o->output_max_redis ? o->output_max_redis : (size_t)8 << 20;
    d.event_maxlen = positive_or(o->event_maxlen, 1000);
    d.progress_interval_ms = positive_or(o->progress_interval_ms, 250);
    d.result_ttl_s = positive_or(o->result_ttl_s, 7 * 24 * 3600);
    d.block_ms = positive_or(o->block_ms, 1000);

    int have_err = 0; /* err already says why */
    jobs *j = calloc(1, sizeof *j);
    if (!j)
        goto fail_nomem;
    j->loop = loop;
    j->cmd = cmd;
    j->block = block;
    j->runner = *runner;
    const char *tmp = o->temp_dir ? o->temp_dir : getenv("TMPDIR");
    j->prefix = strdup(o->prefix ? o->prefix : "quire");
    j->node = strdup(o->node_id);
    j->output_dir = dup_or_null(o->output_dir);
    j->temp_dir = strdup(tmp && tmp[0] ? tmp : "/tmp");
    if (!j->prefix || !j->node || !j->temp_dir || (o->output_dir && !j->output_dir))
        goto fail_free_jobs;
    d.prefix = j->prefix;
    d.node_id = j->node;
    d.output_dir = j->output_dir;
    d.temp_dir = j->temp_dir;
    j->o = d;
    j->k_queue = fmt_key(j->prefix, "{jobs}", ":queue");
    j->k_dead = fmt_key(j->prefix, "{jobs}", ":dead");
    j->k_index = fmt_key(j->prefix, "{jobs}", ":index");
    if (!j->k_queue || !j->k_dead || !j->k_index)
        goto fail_free_jobs;
    j->read_history = 1;
    strcpy(j->read_after, "0");
    strcpy(j->sweep_cursor, "0-0");
    if (pthread_mutex_init(&j->mu, NULL) != 0)
        goto fail_free_jobs;
    if (pthread_cond_init(&j->cv, NULL) != 0)
        goto fail_destroy_mutex;
    if (jobs_pool_start(j, err) != 0) {
        have_err = 1;
        goto fail_destroy_cond;
    }
    ev_timer_init(&j->tick, on_tick, TICK_S, TICK_S);
    j->tick.data = j;
    ev_async_init(&j->wake, on_wake);
    j->wake.data = j;
    ev_async_start(loop, &j->wake);
    return j;

fail_destroy_cond:
    pthread_cond_destroy(&j->cv);
fail_destroy_mutex:
    pthread_mutex_destroy(&j->mu);
fail_free_jobs:
    if (!have_err)
        error_setf(err, QUIRE_E_NOMEM, "jobs: out of memory");
    free(j->k_queue);
    free(j->k_dead);
    free(j->k_index);
    free(j->prefix);
    free(j->node);
    free(j->output_dir);
    free(j->temp_dir);
    free(j);
    return NULL;
fail_nomem:
    error_setf(err, QUIRE_E_NOMEM, "jobs: out of memory");
    return NULL;
}

void jobs_start(jobs *j)
{
    if (j->started)
        return;
    j->started = 1;
    int64_t now = clock_mono_ms();
    j->next_heartbeat = now + j->o.heartbeat_ms;
    j->next_sweep = now + j->o.sweep_interval_ms;
    ev_timer_start(j->loop, &j->tick);
}

void jobs_drain(jobs *j, void (*done)(void *ctx), void *ctx)
{
    j->draining = 1;
    j->drain_cb = done;
    j->drain_ctx = ctx;
    if (!j->started)
        jobs_start(j);
}

static void jobs_destroy(jobs *j)
{
    free(j->k_queue);
    free(j->k_dead);
    free(j->k_index);
    free(j->prefix);
    free(j->node);
    free(j->output_dir);
    free(j->temp_dir);
    free(j);
}

void jobs_free(jobs *j)
{
    if (!j || j->dead)
        return;
    j->dead = 1;
    ev_timer_stop(j->loop, &j->tick);
    ev_async_stop(j->loop, &j->wake);
    for (struct job_run *r = j->runs; r; r = r->next)
        atomic_store(&r->canceled, 1);
    jobs_pool_stop(j);
    while (j->runs) {
        struct job_run *r = j->runs;
        j->runs = r->next;
        jobs_run_free(r);
    }
    pthread_cond_destroy(&j->cv);
    pthread_mutex_destroy(&j->mu);
    if (j->refs == 0)
        jobs_destroy(j);
}

void jobs_metrics_get(const jobs *j, jobs_metrics *out)
{
    *out = j->m;
    out->running = 0;
    for (const struct job_run *r = j->runs; r; r = r->next)
        if (r->stage == RUN_WORKING)
            out->running++;
    out->redis_rtt_ms = rconn_last_rtt_ms(j->cmd);
}
