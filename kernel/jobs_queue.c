/*
 * jobs_queue.c - taking jobs from the queue stream: the consumer group
 * (re-created after every reconnect of `cmd`, since a restarted Redis may
 * have lost it), XREADGROUP on the `block` connection (own pending entries
 * from ID 0 first, then new ones with '>'), the start script that turns an
 * entry into a run, and the heartbeat that keeps our entries' idle time low.
 */
#include "jobs_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define READ_RETRY_MS 200

/* ============================== Slots ===================================== */

int jobs_free_slots(const jobs *j)
{
    int busy = 0;
    for (const struct job_run *r = j->runs; r; r = r->next)
        if (r->stage <= RUN_WORKING)
            busy++;
    return j->o.slots - busy;
}

struct job_run *jobs_find_entry(jobs *j, const char *entry_id)
{
    for (struct job_run *r = j->runs; r; r = r->next)
        if (strcmp(r->entry_id, entry_id) == 0)
            return r;
    return NULL;
}

/* ============================== Group ===================================== */

static void on_group(jobs *j, redisReply *reply, void *priv)
{
    (void)priv;
    j->group_inflight = 0;
    if (!reply)
        return; /* retried on the next tick */
    if (reply->type == REDIS_REPLY_ERROR && !strstr(reply->str, "BUSYGROUP")) {
        j->group_ok = 0;
        return;
    }
    j->group_ok = 1;
}

static void ensure_group(jobs *j)
{
    if (j->group_inflight)
        return;
    j->group_inflight = 1;
    /* From ID 0, not $: if Redis kept the stream but lost the group, every
     * entry is delivered again and finished ones are just acknowledged. */
    const char *argv[] = {"XGROUP", "CREATE", j->k_queue, "render", "0", "MKSTREAM"};
    jobs_cmd(j, j->cmd, on_group, NULL, NULL, 6, argv, NULL);
}

/* ============================== Reading =================================== */


static void take_entries(jobs *j, const redisReply *entries, int *n_out, char *last, size_t lastn)
{
    *n_out = 0;
    if (!entries || entries->type != REDIS_REPLY_ARRAY)
        return;
    for (size_t i = 0; i < entries->elements; i++) {
        const redisReply *e = entries->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements < 2)
            continue;
        const char *eid = jobs_reply_str(e->element[0]);
        if (!eid)
            continue;
        (*n_out)++;
        snprintf(last, lastn, "%s", eid);
        const redisReply *f = e->element[1];
        const char *job = NULL;
        if (f->type == REDIS_REPLY_ARRAY)
            for (size_t k = 0; k + 1 < f->elements; k += 2)
                if (jobs_reply_str(f->element[k]) && strcmp(f->element[k]->str, "job") == 0)
                    job = jobs_reply_str(f->element[k + 1]);
        if (jobs_find_entry(j, eid))
            continue; /* already ours and in progress */
        if (!job) {
            /* Payload gone (trimmed by someone else): nothing to run. */
            const char *argv[] = {"XACK", j->k_queue, "render", eid};
            jobs_cmd(j, j->cmd, NULL, NULL, NULL, 4, argv, NULL);
            continue;
        }
        jobs_take(j, eid, job, 0);
    }
}

static void on_read(jobs *j, redisReply *reply, void *priv)
{
    (void)priv;
    j->read_inflight = 0;
    if (!reply) {
        j->read_retry_at = clock_mono_ms() + READ_RETRY_MS;
        return;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        /* NOGROUP after a Redis restart without persistence. */
        j->group_ok = 0;
        j->read_retry_at = clock_mono_ms() + READ_RETRY_MS;
        return;
    }
    int n = 0;
    char last[64] = "";
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements > 0) {
        const redisReply *s = reply->element[0];
        if (s->type == REDIS_REPLY_ARRAY && s->elements == 2)
            take_entries(j, s->element[1], &n, last, sizeof last);
    }
    if (j->read_history) {
        if (n == 0)
            j->read_history = 0;
        else
            snprintf(j->read_after, sizeof j->read_after, "%s", last);
    }
    if (!j->dead)
        jobs_read_more(j);
}

void jobs_read_more(jobs *j)
{
    if (j->read_inflight || j->draining || !j->group_ok || !rconn_connected(j->block))
        return;
    if (clock_mono_ms() < j->read_retry_at)
        return;
    int free_slots = jobs_free_slots(j);
    if (free_slots <= 0)
        return;
    char count[16], block[16];
    snprintf(count, sizeof count, "%d", free_slots);
    snprintf(block, sizeof block, "%d", j->o.block_ms);
    const char *id = j->read_history ? j->read_after : ">";
    const char *argv[] = {"XREADGROUP", "GROUP", "render",  j->node,    "COUNT", count,
                          "BLOCK",      block,   "STREAMS", j->k_queue, id};
    j->read_inflight = 1;
    jobs_cmd(j, j->block, on_read, NULL, NULL, 11, argv, NULL);
}

void jobs_queue_tick(jobs *j, int64_t now)
{
    (void)now;
    unsigned cc = rconn_connects(j->cmd);
    if (cc != j->cmd_connects) {
        j->cmd_connects = cc;
        j->group_ok = 0;
        /* Stores that waited for Redis go now. */
        for (struct job_run *r = j->runs; r; r = r->next)
            if (r->retry_at)
                r->retry_at = 1;
    }
    unsigned bc = rconn_connects(j->block);
    if (bc != j->block_connects) {
        j->block_connects = bc;
        j->read_history = 1;
        strcpy(j->read_after, "0");
    }
    if (!j->group_ok && rconn_connected(j->cmd))
        ensure_group(j);
    jobs_read_more(j);
}

/* ============================== Start ===================================== */

typedef struct start_op {
    char *entry_id;
} start_op;

static void start_drop(void *p)
{
    start_op *op = p;
    free(op->entry_id);
    free(op);
}

static int own_str(struct job_run *r, const char *s, const char **out)
{
    char *c = strdup(s ? s : "");
    if (!c)
        return -1;
    char **o = realloc(r->owned, (r->nowned + 1) * sizeof *o);
    if (!o) {
        free(c);
        return -1;
    }
    r->owned = o;
    r->owned[r->nowned++] = c;
    *out = c;
    return 0;
}

/* Copies the spec out of the job's HGETALL reply. */
static int fill_spec(struct job_run *r, const redisReply *all, int attempt)
{
    job_info info;
    job_param *params = NULL;
    if (jobs_info_from_hash(all, r->job_id, &info, &params) != 0)
        return -1;
    job_param *mine = calloc(info.nparams ? info.nparams : 1, sizeof *mine);
    if (!mine)
        goto fail_free_params;
    r->spec.params = mine;
    r->spec.nparams = info.nparams;
    for (size_t i = 0; i < info.nparams; i++)
        if (own_str(r, params[i].name, &mine[i].name) != 0 ||
            own_str(r, params[i].value, &mine[i].value) != 0)
            goto fail_free_params;
    if (own_str(r, info.report, &r->spec.report) != 0 ||
        own_str(r, info.format, &r->spec.format) != 0)
        goto fail_free_params;
    if (info.page[0] && own_str(r, info.page, &r->spec.page) != 0)
        goto fail_free_params;
    r->spec.id = r->job_id;
    r->spec.attempt = attempt;
    free(params);
    return 0;
fail_free_params:
    free(params);
    return -1;
}

static void ack_entry(jobs *j, const char *entry_id)
{
    const char *argv[] = {"XACK", j->k_queue, "render", entry_id};
    jobs_cmd(j, j->cmd, NULL, NULL, NULL, 4, argv, NULL);
}

static void on_start(jobs *j, redisReply *reply, void *priv)
{
    start_op *op = priv;
    struct job_run *r = jobs_find_entry(j, op->entry_id);
    start_drop(op);
    if (!r)
        return;
    r->inflight = 0;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 1) {
        /* Unknown outcome: leave the entry pending, read it again later. */
        j->read_history = 1;
        strcpy(j->read_after, "0");
        jobs_run_release(j, r);
        return;
    }
    const char *what = jobs_reply_str(reply->element[0]);
    what = what ? what : "";
    if (strcmp(what, "run") == 0 && reply->elements >= 4) {
        const char *att = jobs_reply_str(reply->element[2]);
        int attempt = att ? atoi(att) : 1;
        if (fill_spec(r, reply->element[3], attempt) != 0) {
            jobs_fail_run_now(j, r, "out of memory starting the job");
            return;
        }
        const char *ns = jobs_reply_str(reply->element[1]);
        if (ns && strcmp(ns, "paused") == 0)
            atomic_store(&r->paused, 1);
        r->stage = RUN_WORKING;
        r->start_mono_ms = clock_mono_ms();
        r->start_wall_ms = clock_wall_ms();
        r->last_event_ms = r->start_mono_ms;
        j->m.started++;
        if (r->reclaimed)
            j->m.reclaimed++;
        jobs_pool_push(j, r);
        return;
    }
    if (strcmp(what, "dead") == 0 && reply->elements >= 4) {
        const char *att = jobs_reply_str(reply->element[1]);
        const char *err = jobs_reply_str(reply->element[2]);
        const char *prev = jobs_reply_str(reply->element[3]);
        char msg[768];
        if (err && err[0])
            snprintf(msg, sizeof msg, "gave up after %s attempts: %s", att ? att : "?", err);
        else
            snprintf(msg, sizeof msg, "gave up after %s attempts: node %s stopped during the run",
                     att ? att : "?", prev && prev[0] ? prev : "?");
        r->status = JOB_FAILED_PERMANENT;
        r->spec.attempt = att ? atoi(att) : 0;
        r->dead_error = strdup(msg);
        r->error = strdup(msg);
        if (!r->dead_error || !r->error) {
            jobs_run_release(j, r);
            return;
        }
        r->stage = RUN_DEAD_XADD;
        jobs_finish_tick(j, clock_mono_ms());
        return;
    }
    /* gone, final, canceled: nothing to run; the entry is done. */
    if (strcmp(what, "canceled") == 0)
        j->m.canceled++;
    ack_entry(j, r->entry_id);
    jobs_run_release(j, r);
}

void jobs_take(jobs *j, const char *entry_id, const char *job_id, int reclaimed)
{
    struct job_run *r = calloc(1, sizeof *r);
    start_op *op = calloc(1, sizeof *op);
    if (!r || !op)
        goto fail_free;
    r->j = j;
    r->entry_id = strdup(entry_id);
    r->job_id = strdup(job_id);
    op->entry_id = strdup(entry_id);
    size_t pn = strlen(j->temp_dir) + strlen(job_id) + strlen(entry_id) + strlen(j->node) + 32;
    r->out_path = malloc(pn);
    if (!r->entry_id || !r->job_id || !op->entry_id || !r->out_path)
        goto fail_free;
    snprintf(r->out_path, pn, "%s/quire-job-%s-%s-%s.out", j->temp_dir, job_id, j->node, entry_id);
    r->reclaimed = reclaimed;
    r->stage = RUN_STARTING;
    r->inflight = 1;
    atomic_store(&r->rows_total, -1);
    atomic_store(&r->percent, -1);
    r->last_percent = -1;
    r->next = j->runs;
    j->runs = r;
    j->nruns++;
    char *hash = jobs_key(j, job_id, "");
    char *evk = jobs_key(j, job_id, ":events");
    char *outk = jobs_key(j, job_id, ":output");
    char now[32], maxa[16], maxlen[16], ttl[16];
    snprintf(now, sizeof now, "%lld", (long long)clock_wall_ms());
    snprintf(maxa, sizeof maxa, "%d", j->o.max_attempts);
    snprintf(maxlen, sizeof maxlen, "%d", j->o.event_maxlen);
    snprintf(ttl, sizeof ttl, "%d", j->o.result_ttl_s);
    const char *argv[] = {"EVAL",
                          jobs_lua_start,
                          "3",
                          hash ? hash : "",
                          evk ? evk : "",
                          outk ? outk : "",
                          j->node,
                          now,
                          maxa,
                          maxlen,
                          reclaimed ? "1" : "0",
                          ttl};
    jobs_cmd(j, j->cmd, on_start, op, start_drop, 12, argv, NULL);
    free(hash);
    free(evk);
    free(outk);
    return;
fail_free:
    if (op)
        start_drop(op);
    jobs_run_free(r);
}

/* ============================== Heartbeat ================================= */

/* XCLAIM of our own entries to ourselves (JUSTID: the delivery count stays)
 * resets their idle time so no sweeper takes a job that is still running. */
void jobs_heartbeat(jobs *j)
{
    int n = 0;
    for (struct job_run *r = j->runs; r; r = r->next)
        n++;
    if (n == 0 || !rconn_connected(j->cmd))
        return;
    const char **argv = malloc(((size_t)n + 7) * sizeof *argv);
    if (!argv)
        return;
    int k = 0;
    argv[k++] = "XCLAIM";
    argv[k++] = j->k_queue;
    argv[k++] = "render";
    argv[k++] = j->node;
    argv[k++] = "0";
    for (struct job_run *r = j->runs; r; r = r->next)
        argv[k++] = r->entry_id;
    argv[k++] = "JUSTID";
    jobs_cmd(j, j->cmd, NULL, NULL, NULL, k, argv, NULL);
    free(argv);
}
