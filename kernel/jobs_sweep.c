/*
 * jobs_sweep.c - the periodic sweeper every node runs: XAUTOCLAIM of
 * entries idle longer than reclaim_idle_ms (their node stopped sending
 * heartbeats: it died), queue trimming that never drops a pending or an
 * undelivered entry, and pruning of expired ids from the index zset.
 */
#include "jobs_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ============================== Reclaim =================================== */

static void on_autoclaim(jobs *j, redisReply *reply, void *priv)
{
    (void)priv;
    j->claim_inflight = 0;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 2)
        return;
    const char *cursor = jobs_reply_str(reply->element[0]);
    snprintf(j->sweep_cursor, sizeof j->sweep_cursor, "%s", cursor ? cursor : "0-0");
    const redisReply *es = reply->element[1];
    if (es->type != REDIS_REPLY_ARRAY)
        return;
    for (size_t i = 0; i < es->elements; i++) {
        const redisReply *e = es->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements < 2)
            continue;
        const char *eid = jobs_reply_str(e->element[0]);
        const redisReply *f = e->element[1];
        const char *job = NULL;
        if (f->type == REDIS_REPLY_ARRAY)
            for (size_t k = 0; k + 1 < f->elements; k += 2)
                if (jobs_reply_str(f->element[k]) && strcmp(f->element[k]->str, "job") == 0)
                    job = jobs_reply_str(f->element[k + 1]);
        if (!eid || !job || jobs_find_entry(j, eid))
            continue;
        jobs_take(j, eid, job, 1);
    }
}

static void reclaim(jobs *j)
{
    int free_slots = jobs_free_slots(j);
    if (j->claim_inflight || j->draining || free_slots <= 0 || !j->group_ok)
        return;
    char idle[16], count[16];
    snprintf(idle, sizeof idle, "%d", j->o.reclaim_idle_ms);
    snprintf(count, sizeof count, "%d", free_slots);
    const char *argv[] = {"XAUTOCLAIM", j->k_queue,      "render", j->node,
                          idle,         j->sweep_cursor, "COUNT",  count};
    j->claim_inflight = 1;
    jobs_cmd(j, j->cmd, on_autoclaim, NULL, NULL, 8, argv, NULL);
}

/* ============================== Trim ====================================== */

typedef struct sid {
    uint64_t ms, seq;
} sid;

static int parse_sid(const char *s, sid *out)
{
    if (!s)
        return -1;
    char *end;
    out->ms = strtoull(s, &end, 10);
    out->seq = 0;
    if (*end == '-')
        out->seq = strtoull(end + 1, &end, 10);
    return *end == 0 ? 0 : -1;
}

static int sid_less(sid a, sid b)
{
    return a.ms < b.ms || (a.ms == b.ms && a.seq < b.seq);
}

typedef struct trim_op {
    sid last_delivered;
} trim_op;

/* Second step: XPENDING after XINFO. The order matters: an entry delivered
 * between the two calls has an id above the last-delivered id we read, so
 * it is kept; reading XPENDING first could miss it and trim it. */
static void on_pending(jobs *j, redisReply *reply, void *priv)
{
    trim_op *op = priv;
    j->sweep_inflight = 0;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 2) {
        free(op);
        return;
    }
    /* Everything below min(oldest pending, last delivered + 1) has been
     * delivered and acknowledged. */
    sid min = {op->last_delivered.ms, op->last_delivered.seq + 1};
    free(op);
    if (jobs_reply_int(reply->element[0], 0) > 0) {
        sid oldest;
        if (parse_sid(jobs_reply_str(reply->element[1]), &oldest) != 0)
            return;
        if (sid_less(oldest, min))
            min = oldest;
    }
    char minid[64];
    snprintf(minid, sizeof minid, "%" PRIu64 "-%" PRIu64, min.ms, min.seq);
    const char *argv[] = {"XTRIM", j->k_queue, "MINID", minid};
    jobs_cmd(j, j->cmd, NULL, NULL, NULL, 4, argv, NULL);
}

static void on_xinfo(jobs *j, redisReply *reply, void *priv)
{
    (void)priv;
    sid last = {0, 0};
    int found = 0;
    if (reply && reply->type == REDIS_REPLY_ARRAY) {
        for (size_t i = 0; i < reply->elements && !found; i++) {
            const redisReply *g = reply->element[i];
            if (g->type != REDIS_REPLY_ARRAY)
                continue;
            const char *name = NULL, *ld = NULL;
            for (size_t k = 0; k + 1 < g->elements; k += 2) {
                const char *n = jobs_reply_str(g->element[k]);
                if (n && strcmp(n, "name") == 0)
                    name = jobs_reply_str(g->element[k + 1]);
                else if (n && strcmp(n, "last-delivered-id") == 0)
                    ld = jobs_reply_str(g->element[k + 1]);
            }
            if (name && strcmp(name, "render") == 0 && parse_sid(ld, &last) == 0)
                found = 1;
        }
    }
    trim_op *op = found ? calloc(1, sizeof *op) : NULL;
    if (!op) {
        j->sweep_inflight = 0;
        return;
    }
    op->last_delivered = last;
    const char *argv[] = {"XPENDING", j->k_queue, "render"};
    jobs_cmd(j, j->cmd, on_pending, op, free, 3, argv, NULL);
}

static void trim(jobs *j)
{
    if (j->sweep_inflight || !j->group_ok)
        return;
    j->sweep_inflight = 1;
    const char *argv[] = {"XINFO", "GROUPS", j->k_queue};
    jobs_cmd(j, j->cmd, on_xinfo, NULL, NULL, 3, argv, NULL);
}

/* ============================== Sweep ===================================== */

void jobs_sweep(jobs *j)
{
    if (!rconn_connected(j->cmd))
        return;
    reclaim(j);
    trim(j);
    char max[32];
    snprintf(max, sizeof max, "%lld",
             (long long)(clock_wall_ms() - (int64_t)j->o.result_ttl_s * 1000));
    const char *argv[] = {"ZREMRANGEBYSCORE", j->k_index, "-inf", max};
    jobs_cmd(j, j->cmd, NULL, NULL, NULL, 4, argv, NULL);
}
