/*
 * jobs_events.c - progress of running jobs and the events API. Every tick
 * the loop looks at each run's progress atomics and, at most every 100 ms
 * per run, calls the progress script: it publishes a progress event when
 * progress_interval_ms passed since the last one (whether or not anything
 * changed: a heartbeat through a long sort), or sooner when the percentage
 * grew by >= 1, and returns the job's control field,
 * which sets the run's paused/canceled atomics (pause/cancel across nodes).
 */
#include "jobs_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POLL_MIN_MS 100

/* ============================== Progress ================================== */

static void on_progress(jobs *j, redisReply *reply, void *priv)
{
    (void)j;
    struct job_run *r = priv;
    r->tick_inflight = 0;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 2)
        return;
    const char *st = jobs_reply_str(reply->element[0]);
    const char *ctl = jobs_reply_str(reply->element[1]);
    job_state s;
    if (!st || !st[0] || (job_state_parse(st, &s) == 0 && job_state_final(s))) {
        /* Gone or finished elsewhere (a reclaiming node was faster). */
        atomic_store(&r->canceled, 1);
        return;
    }
    if (ctl && strcmp(ctl, "cancel") == 0)
        atomic_store(&r->canceled, 1);
    else
        atomic_store(&r->paused, ctl && strcmp(ctl, "pause") == 0);
}

static int64_t eta_ms(const struct job_run *r, int64_t now, int64_t rows, int64_t total, int pct)
{
    int64_t el = now - r->start_mono_ms;
    if (pct > 0)
        return el * (100 - pct) / pct;
    if (total > 0 && rows > 0)
        return el * (total - rows) / rows;
    return -1;
}

static void tick_run(jobs *j, struct job_run *r, int64_t now)
{
    if (now - r->last_poll_ms < POLL_MIN_MS)
        return;
    int64_t rows = atomic_load(&r->rows), total = atomic_load(&r->rows_total);
    int64_t pages = atomic_load(&r->pages);
    int pct = atomic_load(&r->percent);
    int changed = rows != r->last_rows || pages != r->last_pages || pct != r->last_percent;
    int64_t since = now - r->last_event_ms;
    /* At least every progress_interval, changed or not (a client sees the
     * job is alive through a long sort or the renderer's end()), and
     * sooner when the percentage grew by one. */
    int publish = since >= j->o.progress_interval_ms ||
                  (changed && pct >= 0 && pct - (r->last_percent < 0 ? 0 : r->last_percent) >= 1);
    char *hash = jobs_key(j, r->job_id, "");
    char *evk = jobs_key(j, r->job_id, ":events");
    if (!hash || !evk) {
        free(hash);
        free(evk);
        return;
    }
    char wall[32], maxlen[16], rs[32], ts[32], ps[32], pc[16], eta[32];
    snprintf(wall, sizeof wall, "%lld", (long long)clock_wall_ms());
    snprintf(maxlen, sizeof maxlen, "%d", j->o.event_maxlen);
    snprintf(rs, sizeof rs, "%lld", (long long)rows);
    snprintf(ts, sizeof ts, "%lld", (long long)total);
    snprintf(ps, sizeof ps, "%lld", (long long)pages);
    snprintf(pc, sizeof pc, "%d", pct);
    snprintf(eta, sizeof eta, "%lld", (long long)eta_ms(r, now, rows, total, pct));
    const char *argv[] = {"EVAL", jobs_lua_progress,   "2", hash, evk, j->node, wall,
                          maxlen, publish ? "1" : "0", rs,  ts,   ps,  pc,      eta};
    r->tick_inflight = 1;
    r->last_poll_ms = now;
    if (publish) {
        r->last_event_ms = now;
        r->last_rows = rows;
        r->last_pages = pages;
        r->last_percent = pct;
    }
    jobs_cmd(j, j->cmd, on_progress, r, NULL, 14, argv, NULL);
    free(hash);
    free(evk);
}

void jobs_progress_tick(jobs *j, int64_t now)
{
    if (!rconn_connected(j->cmd))
        return;
    for (struct job_run *r = j->runs; r; r = r->next)
        if (r->stage == RUN_WORKING && !r->tick_inflight)
            tick_run(j, r, now);
}

/* ============================== Events API ================================ */

typedef struct events_op {
    jobs_events_fn *cb;
    void *ctx;
    char *id;
} events_op;

static void events_drop(void *p)
{
    events_op *op = p;
    free(op->id);
    free(op);
}

static int valid_stream_id(const char *s)
{
    if (!isdigit((unsigned char)*s))
        return 0;
    while (isdigit((unsigned char)*s))
        s++;
    if (*s == '-') {
        s++;
        if (!isdigit((unsigned char)*s))
            return 0;
        while (isdigit((unsigned char)*s))
            s++;
    }
    return *s == 0;
}

static void parse_event(const redisReply *e, job_event *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->id = jobs_reply_str(e->element[0]);
    ev->rows_total = -1;
    ev->percent = -1;
    ev->eta_ms = -1;
    ev->node = "";
    ev->message = "";
    ev->state = JOB_STATE_RUNNING;
    const redisReply *f = e->element[1];
    if (f->type != REDIS_REPLY_ARRAY)
        return;
    for (size_t k = 0; k + 1 < f->elements; k += 2) {
        const char *n = jobs_reply_str(f->element[k]);
        const char *v = jobs_reply_str(f->element[k + 1]);
        if (!n || !v)
            continue;
        if (strcmp(n, "type") == 0)
            ev->type = strcmp(v, "progress") == 0 ? JOB_EVENT_PROGRESS : JOB_EVENT_STATE;
        else if (strcmp(n, "state") == 0)
            job_state_parse(v, &ev->state);
        else if (strcmp(n, "node") == 0)
            ev->node = v;
        else if (strcmp(n, "message") == 0)
            ev->message = v;
        else if (strcmp(n, "ts") == 0)
            ev->ts_ms = atoll(v);
        else if (strcmp(n, "rows") == 0)
            ev->rows = atoll(v);
        else if (strcmp(n, "rows_total") == 0)
            ev->rows_total = atoll(v);
        else if (strcmp(n, "pages") == 0)
            ev->pages = atoll(v);
        else if (strcmp(n, "percent") == 0)
            ev->percent = atoi(v);
        else if (strcmp(n, "eta_ms") == 0)
            ev->eta_ms = atoll(v);
    }
}

static void on_exists(jobs *j, redisReply *reply, void *priv)
{
    (void)j;
    events_op *op = priv;
    char msg[300];
    if (!reply || reply->type != REDIS_REPLY_INTEGER)
        op->cb(op->ctx, JOBS_E_UNAVAILABLE, "redis unavailable", NULL, 0);
    else if (reply->integer == 0) {
        snprintf(msg, sizeof msg, "job %s not found", op->id);
        op->cb(op->ctx, JOBS_E_NOT_FOUND, msg, NULL, 0);
    } else
        op->cb(op->ctx, JOBS_OK, "", NULL, 0);
    events_drop(op);
}

static void on_range(jobs *j, redisReply *reply, void *priv)
{
    events_op *op = priv;
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        op->cb(op->ctx, JOBS_E_UNAVAILABLE, "redis unavailable", NULL, 0);
        events_drop(op);
        return;
    }
    if (reply->elements == 0) {
        char *hash = jobs_key(j, op->id, "");
        const char *argv[] = {"EXISTS", hash ? hash : ""};
        jobs_cmd(j, j->cmd, on_exists, op, events_drop, 2, argv, NULL);
        free(hash);
        return;
    }
    job_event *evs = calloc(reply->elements, sizeof *evs);
    if (!evs) {
        op->cb(op->ctx, JOBS_E_INTERNAL, "out of memory", NULL, 0);
        events_drop(op);
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < reply->elements; i++) {
        const redisReply *e = reply->element[i];
        if (e->type == REDIS_REPLY_ARRAY && e->elements >= 2 && jobs_reply_str(e->element[0]))
            parse_event(e, &evs[n++]);
    }
    op->cb(op->ctx, JOBS_OK, "", evs, n);
    free(evs);
    events_drop(op);
}

void jobs_events(jobs *j, const char *id, const char *after_id, int max, jobs_events_fn *cb,
                 void *ctx)
{
    char msg[300];
    if (!id || !id[0]) {
        cb(ctx, JOBS_E_INVALID, "job id is empty", NULL, 0);
        return;
    }
    if (max < 1 || max > 1000) {
        snprintf(msg, sizeof msg, "max %d is out of range 1..1000", max);
        cb(ctx, JOBS_E_INVALID, msg, NULL, 0);
        return;
    }
    if (after_id && after_id[0] && !valid_stream_id(after_id)) {
        snprintf(msg, sizeof msg, "event id '%.200s' is not a stream id (MS-SEQ)", after_id);
        cb(ctx, JOBS_E_INVALID, msg, NULL, 0);
        return;
    }
    events_op *op = calloc(1, sizeof *op);
    char *key = jobs_key(j, id, ":events");
    char start[80], count[16];
    if (!op || !key || !(op->id = strdup(id))) {
        free(key);
        if (op)
            events_drop(op);
        cb(ctx, JOBS_E_INTERNAL, "out of memory", NULL, 0);
        return;
    }
    op->cb = cb;
    op->ctx = ctx;
    if (after_id && after_id[0])
        snprintf(start, sizeof start, "(%s", after_id);
    else
        strcpy(start, "-");
    snprintf(count, sizeof count, "%d", max);
    const char *argv[] = {"XRANGE", key, start, "+", "COUNT", count};
    jobs_cmd(j, j->cmd, on_range, op, events_drop, 6, argv, NULL);
    free(key);
}
