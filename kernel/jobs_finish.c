/*
 * jobs_finish.c - storing a run's outcome and acknowledging its queue
 * entry, one step at a time, each step retried with backoff until Redis
 * answers (a run's result lives here, in memory, while Redis is away).
 *
 * Order of writes (the queue and the job's keys are different slots, so no
 * single transaction covers both; each order below loses nothing if the
 * node dies between two steps):
 *   succeeded/canceled: finish script (output + final state, atomic on the
 *     job's slot) -> XACK. Dying before the XACK leaves the entry pending;
 *     whoever gets it sees a final state and only acknowledges it.
 *   permanent failure / attempts exhausted: XADD dead-letter -> finish
 *     script (failed) -> XACK. Dying after the XADD repeats it on redelivery
 *     (a duplicate dead letter, never a missing one).
 *   transient failure: requeue script (state queued) -> XADD a new entry ->
 *     XACK the old one. Dying after the requeue script: the old entry is
 *     still pending and is reclaimed, the job is queued, it runs. Dying
 *     after the XADD: two entries; the first to run stores the outcome, the
 *     other finds it final and only acknowledges (or runs a second time if
 *     it comes while the first is still running: at-least-once).
 */
#include "jobs_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000

static void step(jobs *j, struct job_run *r);

void jobs_run_release(jobs *j, struct job_run *r)
{
    for (struct job_run **p = &j->runs; *p; p = &(*p)->next) {
        if (*p == r) {
            *p = r->next;
            j->nruns--;
            break;
        }
    }
    jobs_run_free(r);
}

/* Out of memory before the run started: leave the entry pending (read again
 * from our history later), nothing is lost. */
void jobs_fail_run_now(jobs *j, struct job_run *r, const char *msg)
{
    (void)msg;
    j->read_history = 1;
    strcpy(j->read_after, "0");
    jobs_run_release(j, r);
}

static void retry_later(struct job_run *r)
{
    r->backoff_ms = r->backoff_ms ? r->backoff_ms * 2 : BACKOFF_MIN_MS;
    if (r->backoff_ms > BACKOFF_MAX_MS)
        r->backoff_ms = BACKOFF_MAX_MS;
    r->retry_at = clock_mono_ms() + r->backoff_ms;
}

static void advance(jobs *j, struct job_run *r, int stage)
{
    r->stage = stage;
    r->backoff_ms = 0;
    r->retry_at = 0;
    if (stage == RUN_DONE) {
        jobs_run_release(j, r);
        return;
    }
    step(j, r);
}

static void on_step(jobs *j, redisReply *reply, void *priv)
{
    struct job_run *r = priv;
    r->inflight = 0;
    if (reply && reply->type == REDIS_REPLY_ERROR && r->stage == RUN_ACK) {
        /* NOGROUP: Redis lost the group (restart without persistence), so
         * there is no entry left to acknowledge. */
        advance(j, r, RUN_DONE);
        return;
    }
    if (!reply || reply->type == REDIS_REPLY_ERROR) {
        retry_later(r);
        return;
    }
    switch (r->stage) {
    case RUN_DEAD_XADD:
        j->m.dead_lettered++;
        advance(j, r, RUN_FINISH);
        return;
    case RUN_FINISH: {
        const char *s = jobs_reply_str(reply);
        if (s && strcmp(s, "ok") == 0) {
            if (r->status == JOB_OK)
                j->m.succeeded++;
            else if (r->status == JOB_CANCELED)
                j->m.canceled++;
            else
                j->m.failed++;
        }
        advance(j, r, RUN_ACK);
        return;
    }
    case RUN_REQUEUE_HASH: {
        const char *s = jobs_reply_str(reply);
        if (s && strcmp(s, "ok") == 0) {
            j->m.retried++;
            advance(j, r, RUN_REQUEUE_XADD);
        } else {
            if (s && strcmp(s, "canceled") == 0)
                j->m.canceled++;
            advance(j, r, RUN_ACK);
        }
        return;
    }
    case RUN_REQUEUE_XADD: advance(j, r, RUN_ACK); return;
    case RUN_ACK: advance(j, r, RUN_DONE); return;
    default: return;
    }
}

static const char *final_state(const struct job_run *r)
{
    switch (r->status) {
    case JOB_OK: return "succeeded";
    case JOB_CANCELED: return "canceled";
    default: return "failed";
    }
}

/* The keys of a run's job: its hash, events stream and output. */
typedef struct run_keys {
    char *hash, *events, *output;
} run_keys;

static void run_keys_free(run_keys *k)
{
    free(k->hash);
    free(k->events);
    free(k->output);
}

/* Makes k's keys (malloc'd; run_keys_free). Returns 0, or -1 when memory
 * is short, after freeing what was made and scheduling a retry of r. */
static int run_keys_make(jobs *j, struct job_run *r, run_keys *k)
{
    k->hash = jobs_key(j, r->job_id, "");
    k->events = jobs_key(j, r->job_id, ":events");
    k->output = jobs_key(j, r->job_id, ":output");
    if (k->hash && k->events && k->output)
        return 0;
    run_keys_free(k);
    retry_later(r);
    return -1;
}

static void send_finish(jobs *j, struct job_run *r)
{
    run_keys k;
    if (run_keys_make(j, r, &k) != 0)
        return;
    char *hash = k.hash, *evk = k.events, *outk = k.output;
    char now[32], maxlen[16], ttl[16], size[32], rows[32], total[32], pages[32], pct[16];
    snprintf(now, sizeof now, "%lld", (long long)clock_wall_ms());
    snprintf(maxlen, sizeof maxlen, "%d", j->o.event_maxlen);
    snprintf(ttl, sizeof ttl, "%d", j->o.result_ttl_s);
    snprintf(size, sizeof size, "%zu", r->status == JOB_OK ? r->out_size : (size_t)0);
    snprintf(rows, sizeof rows, "%lld", (long long)atomic_load(&r->rows));
    snprintf(total, sizeof total, "%lld", (long long)atomic_load(&r->rows_total));
    snprintf(pages, sizeof pages, "%lld", (long long)atomic_load(&r->pages));
    snprintf(pct, sizeof pct, "%d", r->status == JOB_OK ? 100 : (int)atomic_load(&r->percent));
    const char *kind = "";
    if (r->status == JOB_OK)
        kind = r->out_kind == JOB_OUTPUT_FILE ? "file" : "redis";
    const char *err = r->status == JOB_OK || r->status == JOB_CANCELED ? ""
                      : r->dead_error                                  ? r->dead_error
                                                                       : r->error;
    const char *argv[] = {"EVAL",
                          jobs_lua_finish,
                          "3",
                          hash,
                          evk,
                          outk,
                          j->node,
                          now,
                          maxlen,
                          ttl,
                          final_state(r),
                          err ? err : "",
                          kind,
                          r->out_data ? r->out_data : "",
                          size,
                          r->status == JOB_OK && r->mime ? r->mime : "",
                          r->out_file ? r->out_file : "",
                          rows,
                          total,
                          pages,
                          pct};
    size_t lens[21];
    for (int i = 0; i < 21; i++) /* 13: the output, not NUL-terminated */
        lens[i] = i == 13 ? (r->out_data ? r->out_size : 0) : strlen(argv[i]);
    r->inflight = 1;
    jobs_cmd(j, j->cmd, on_step, r, NULL, 21, argv, lens);
    run_keys_free(&k);
}

static void send_requeue_hash(jobs *j, struct job_run *r)
{
    run_keys k;
    if (run_keys_make(j, r, &k) != 0)
        return;
    char *hash = k.hash, *evk = k.events, *outk = k.output;
    char now[32], maxlen[16], ttl[16];
    snprintf(now, sizeof now, "%lld", (long long)clock_wall_ms());
    snprintf(maxlen, sizeof maxlen, "%d", j->o.event_maxlen);
    snprintf(ttl, sizeof ttl, "%d", j->o.result_ttl_s);
    const char *argv[] = {"EVAL", jobs_lua_requeue,         "3", hash, evk, outk, j->node, now,
                          maxlen, r->error ? r->error : "", ttl};
    r->inflight = 1;
    jobs_cmd(j, j->cmd, on_step, r, NULL, 11, argv, NULL);
    run_keys_free(&k);
}

static void step(jobs *j, struct job_run *r)
{
    if (r->inflight)
        return;
    if (!rconn_connected(j->cmd)) {
        retry_later(r);
        return;
    }
    char attempts[16], now[32];
    switch (r->stage) {
    case RUN_DEAD_XADD: {
        snprintf(attempts, sizeof attempts, "%d", r->spec.attempt);
        snprintf(now, sizeof now, "%lld", (long long)clock_wall_ms());
        const char *err = r->dead_error ? r->dead_error : (r->error ? r->error : "");
        const char *argv[] = {"XADD",  j->k_dead, "*",    "job",   r->job_id, "attempts", attempts,
                              "error", err,       "node", j->node, "ts",      now};
        r->inflight = 1;
        jobs_cmd(j, j->cmd, on_step, r, NULL, 13, argv, NULL);
        return;
    }
    case RUN_FINISH: send_finish(j, r); return;
    case RUN_REQUEUE_HASH: send_requeue_hash(j, r); return;
    case RUN_REQUEUE_XADD: {
        const char *argv[] = {"XADD", j->k_queue, "*", "job", r->job_id};
        r->inflight = 1;
        jobs_cmd(j, j->cmd, on_step, r, NULL, 5, argv, NULL);
        return;
    }
    case RUN_ACK: {
        const char *argv[] = {"XACK", j->k_queue, "render", r->entry_id};
        r->inflight = 1;
        jobs_cmd(j, j->cmd, on_step, r, NULL, 4, argv, NULL);
        return;
    }
    default: return;
    }
}

static void observe_duration(jobs *j, double s)
{
    for (int i = 0; i < JOBS_DURATION_BUCKETS; i++)
        if (i == JOBS_DURATION_BUCKETS - 1 || s <= jobs_duration_bounds[i])
            j->m.duration_le[i]++;
    j->m.duration_sum_s += s;
}

void jobs_finish_begin(jobs *j, struct job_run *r)
{
    double s = (double)(clock_mono_ms() - r->start_mono_ms) / 1000.0;
    observe_duration(j, s);
    j->m.rows += (uint64_t)(atomic_load(&r->rows) > 0 ? atomic_load(&r->rows) : 0);
    switch (r->status) {
    case JOB_OK:
    case JOB_CANCELED: r->stage = RUN_FINISH; break;
    case JOB_FAILED:
        if (r->spec.attempt < j->o.max_attempts) {
            r->stage = RUN_REQUEUE_HASH;
            break;
        }
        {
            char msg[768];
            snprintf(msg, sizeof msg, "gave up after %d attempts: %s", r->spec.attempt,
                     r->error ? r->error : "");
            r->dead_error = strdup(msg);
        }
        r->stage = RUN_DEAD_XADD;
        break;
    default: r->stage = RUN_DEAD_XADD; break;
    }
    step(j, r);
}

void jobs_finish_tick(jobs *j, int64_t now)
{
    struct job_run *r = j->runs;
    while (r) {
        struct job_run *next = r->next; /* step may release r */
        if (r->stage >= RUN_DEAD_XADD && r->stage < RUN_DONE && !r->inflight &&
            (r->retry_at == 0 || now >= r->retry_at)) {
            r->retry_at = 0;
            step(j, r);
        }
        r = next;
    }
}
