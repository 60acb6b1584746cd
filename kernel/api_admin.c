/*
 * api_admin.c - the operator's endpoints: /healthz (the process answers),
 * /readyz (it can take work: Redis connected, not draining), /metrics
 * (Prometheus text format 0.0.4) and /v1/admin (plugins, reload).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"

/* ============================== Health ==================================== */

void api_healthz(api_req *r)
{
    jbuf b;
    jbuf_init(&b);
    jb_obj_begin(&b);
    jb_key(&b, "status");
    jb_str(&b, "ok");
    jb_key(&b, "node");
    jb_str(&b, r->srv->node_id);
    jb_key(&b, "uptime_ms");
    jb_int(&b, clock_mono_ms() - r->srv->started_ms);
    jb_obj_end(&b);
    api_respond_json(r, 200, &b);
}

void api_readyz(api_req *r)
{
    server *srv = r->srv;
    int redis_ok = rconn_connected(srv->rc_cmd);
    int ready = redis_ok && !srv->draining;
    jbuf b;

    jbuf_init(&b);
    jb_obj_begin(&b);
    jb_key(&b, "status");
    jb_str(&b, ready ? "ready" : "not_ready");
    jb_key(&b, "node");
    jb_str(&b, srv->node_id);
    jb_key(&b, "redis");
    jb_str(&b, redis_ok ? "connected" : "disconnected");
    jb_key(&b, "draining");
    jb_bool(&b, srv->draining);
    jb_obj_end(&b);
    api_respond_json(r, ready ? 200 : 503, &b);
}

/* ============================== Metrics =================================== */

static void metric_head(jbuf *b, const char *name, const char *type, const char *help)
{
    char line[512];
    snprintf(line, sizeof(line), "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
    jbuf_puts(b, line);
}

static void metric_line(jbuf *b, const char *name, const char *labels, double v)
{
    char line[512];
    snprintf(line, sizeof(line), "%s%s%s%s %.17g\n", name, labels ? "{" : "", labels ? labels : "",
             labels ? "}" : "", v);
    jbuf_puts(b, line);
}

/* Writes the whole page; `queued`, `pending` and `dead` are the cluster's
 * (from the queue stream in Redis), -1 when Redis did not answer. */
static void metrics_answer(api_req *r, int64_t queued, int64_t pending, int64_t dead)
{
    server *srv = r->srv;
    jobs_metrics jm;
    jbuf b;
    char labels[128];
    static const char *const classes[] = {NULL, "1xx", "2xx", "3xx", "4xx", "5xx"};

    jobs_metrics_get(srv->jobs, &jm);
    jbuf_init(&b);

    metric_head(&b, "quire_jobs_total", "counter",
                "Job runs on this node by outcome since the node started.");
    metric_line(&b, "quire_jobs_total", "event=\"started\"", (double)jm.started);
    metric_line(&b, "quire_jobs_total", "event=\"succeeded\"", (double)jm.succeeded);
    metric_line(&b, "quire_jobs_total", "event=\"failed\"", (double)jm.failed);
    metric_line(&b, "quire_jobs_total", "event=\"canceled\"", (double)jm.canceled);
    metric_line(&b, "quire_jobs_total", "event=\"retried\"", (double)jm.retried);
    metric_line(&b, "quire_jobs_total", "event=\"reclaimed\"", (double)jm.reclaimed);
    metric_line(&b, "quire_jobs_total", "event=\"dead_lettered\"", (double)jm.dead_lettered);
    metric_head(&b, "quire_jobs", "gauge", "Jobs by state on this node now.");
    metric_line(&b, "quire_jobs", "state=\"running\"", (double)jm.running);

    metric_head(&b, "quire_cluster_jobs", "gauge",
                "Jobs of the whole cluster in the shared queue: queued (not yet taken by any "
                "node), running (taken, not finished), dead_letter (entries of the dead-letter "
                "stream).");
    if (queued >= 0)
        metric_line(&b, "quire_cluster_jobs", "state=\"queued\"", (double)queued);
    if (pending >= 0)
        metric_line(&b, "quire_cluster_jobs", "state=\"running\"", (double)pending);
    if (dead >= 0)
        metric_line(&b, "quire_cluster_jobs", "state=\"dead_letter\"", (double)dead);

    metric_head(&b, "quire_render_duration_seconds", "histogram",
                "Wall time of job renders on this node.");
    for (int i = 0; i < JOBS_DURATION_BUCKETS; i++) {
        if (i < JOBS_DURATION_BUCKETS - 1)
            snprintf(labels, sizeof(labels), "le=\"%g\"", jobs_duration_bounds[i]);
        else
            snprintf(labels, sizeof(labels), "le=\"+Inf\"");
        metric_line(&b, "quire_render_duration_seconds_bucket", labels, (double)jm.duration_le[i]);
    }
    metric_line(&b, "quire_render_duration_seconds_sum", NULL, jm.duration_sum_s);
    metric_line(&b, "quire_render_duration_seconds_count", NULL,
                (double)jm.duration_le[JOBS_DURATION_BUCKETS - 1]);

    metric_head(&b, "quire_rows_total", "counter",
                "Rows read by finished job renders (rows/s: rate() of this).");
    metric_line(&b, "quire_rows_total", NULL, (double)jm.rows);

    metric_head(&b, "quire_open_connections", "gauge", "Client connections open now.");
    metric_line(&b, "quire_open_connections", NULL,
                (double)srv->tops->open_connections(srv->transport->state_ptr));

    metric_head(&b, "quire_redis_rtt_seconds", "gauge",
                "Round-trip time of the last Redis command.");
    metric_line(&b, "quire_redis_rtt_seconds", NULL, rconn_last_rtt_ms(srv->rc_cmd) / 1000.0);
    metric_head(&b, "quire_redis_connected", "gauge", "1 while the Redis connection is up.");
    metric_line(&b, "quire_redis_connected", NULL, rconn_connected(srv->rc_cmd));

    metric_head(&b, "quire_http_responses_total", "counter", "API responses by status class.");
    for (int c = 1; c <= 5; c++) {
        snprintf(labels, sizeof(labels), "class=\"%s\"", classes[c]);
        metric_line(&b, "quire_http_responses_total", labels, (double)srv->metrics.requests[c]);
    }
    metric_head(&b, "quire_sync_renders_total", "counter", "Synchronous renders by outcome.");
    metric_line(&b, "quire_sync_renders_total", "outcome=\"started\"",
                (double)srv->metrics.sync_renders);
    metric_line(&b, "quire_sync_renders_total", "outcome=\"failed\"",
                (double)srv->metrics.sync_failures);
    metric_head(&b, "quire_auth_refusals_total", "counter", "Requests refused by auth.");
    metric_line(&b, "quire_auth_refusals_total", "status=\"401\"",
                (double)srv->metrics.unauthorized);
    metric_line(&b, "quire_auth_refusals_total", "status=\"403\"", (double)srv->metrics.forbidden);
    metric_head(&b, "quire_up_seconds", "gauge", "Seconds since this node started.");
    metric_line(&b, "quire_up_seconds", NULL, (double)(clock_mono_ms() - srv->started_ms) / 1000.0);

    if (jbuf_failed(&b)) {
        jbuf_free(&b);
        api_error(r, 503, "unavailable", "out of memory");
        return;
    }
    api_respond(r, 200, "text/plain; version=0.0.4; charset=utf-8", b.data, b.len);
    jbuf_free(&b);
}

/* The cluster's numbers come from three pipelined commands on the queue's
 * keys; the last reply answers. */
typedef struct metrics_query {
    api_req *r;
    int64_t queued, pending, dead;
} metrics_query;

static void on_group_info(rconn *rc, redisReply *reply, void *privdata)
{
    metrics_query *q = privdata;
    (void)rc;
    /* XINFO GROUPS: one map per group; "lag" is what no node took yet. */
    if (reply != NULL && reply->type == REDIS_REPLY_ARRAY)
        for (size_t g = 0; g < reply->elements; g++) {
            redisReply *m = reply->element[g];
            int ours = 0;
            int64_t lag = -1, pending = -1;
            if (m->type != REDIS_REPLY_ARRAY)
                continue;
            for (size_t i = 0; i + 1 < m->elements; i += 2) {
                const char *f = m->element[i]->str;
                redisReply *v = m->element[i + 1];
                if (f == NULL)
                    continue;
                if (strcmp(f, "name") == 0 && v->str && strcmp(v->str, "render") == 0)
                    ours = 1;
                else if (strcmp(f, "lag") == 0 && v->type == REDIS_REPLY_INTEGER)
                    lag = v->integer;
                else if (strcmp(f, "pending") == 0 && v->type == REDIS_REPLY_INTEGER)
                    pending = v->integer;
            }
            if (ours) {
                q->queued = lag;
                q->pending = pending;
            }
        }
}

static void on_dead_len(rconn *rc, redisReply *reply, void *privdata)
{
    metrics_query *q = privdata;
    api_req *r = q->r;
    (void)rc;
    if (reply != NULL && reply->type == REDIS_REPLY_INTEGER)
        q->dead = reply->integer;
    metrics_answer(r, q->queued, q->pending, q->dead);
    free(q);
}

void api_metrics(api_req *r)
{
    server *srv = r->srv;
    metrics_query *q = calloc(1, sizeof(*q));
    char queue[256], dead[256];

    if (q == NULL) {
        metrics_answer(r, -1, -1, -1);
        return;
    }
    q->r = r;
    q->queued = q->pending = q->dead = -1;
    snprintf(queue, sizeof(queue), "%s:{jobs}:queue", srv->prefix);
    snprintf(dead, sizeof(dead), "%s:{jobs}:dead", srv->prefix);
    api_defer(r);
    /* Replies come in order on one connection: on_dead_len runs last. */
    rconn_command(srv->rc_cmd, on_group_info, q, "XINFO GROUPS %s", queue);
    rconn_command(srv->rc_cmd, on_dead_len, q, "XLEN %s", dead);
}

/* ============================== Plugins =================================== */

static void put_plugin(jbuf *b, const plugin_rec *rec, int detail)
{
    plugin_row row;
    plugin_row_fill(rec, &row);
    jb_obj_begin(b);
    jb_key(b, "name");
    jb_str(b, row.name);
    jb_key(b, "kind");
    jb_str(b, row.kind);
    jb_key(b, "version");
    jb_str(b, row.version);
    jb_key(b, "abi");
    jb_str(b, row.abi);
    jb_key(b, "path");
    jb_str(b, row.path);
    jb_key(b, "state");
    jb_str(b, row.state);
    if (rec->error) {
        jb_key(b, "error");
        jb_str(b, rec->error);
    }
    if (detail && rec->label != NULL) {
        jb_key(b, "description");
        jb_str(b, rec->desc.description);
        jb_key(b, "license");
        jb_str(b, rec->desc.license);
        jb_key(b, "config");
        jb_arr_begin(b);
        for (size_t i = 0; i < rec->nkeys; i++) {
            const quire_config_key *key = &rec->schema[i];
            int is_set = 0;
            const conf_value *v =
                rec->config ? config_value(rec->config, key->name, &is_set) : NULL;
            jb_obj_begin(b);
            jb_key(b, "key");
            jb_str(b, key->name);
            jb_key(b, "type");
            jb_str(b, conf_type_name(key->type));
            jb_key(b, "default");
            jb_str(b, key->default_value);
            jb_key(b, "help");
            jb_str(b, key->help);
            jb_key(b, "value");
            if (v == NULL)
                jb_null(b);
            else if (key->flags & QUIRE_CONF_SECRET)
                jb_str(b, "(secret)");
            else
                jb_str(b, v->text);
            jb_obj_end(b);
        }
        jb_arr_end(b);
    }
    jb_obj_end(b);
}

void api_admin_plugins(api_req *r)
{
    kernel *k = r->srv->k;
    jbuf b;
    jbuf_init(&b);
    jb_obj_begin(&b);
    jb_key(&b, "plugins");
    jb_arr_begin(&b);
    for (size_t i = 0; i < k->nplugins; i++)
        put_plugin(&b, k->plugins[i], 0);
    jb_arr_end(&b);
    jb_obj_end(&b);
    api_respond_json(r, 200, &b);
}

void api_admin_plugin(api_req *r)
{
    kernel *k = r->srv->k;
    const char *name = http_route_get(&r->caps, "name");
    jbuf b;

    for (size_t i = 0; i < k->nplugins; i++) {
        plugin_row row;
        plugin_row_fill(k->plugins[i], &row);
        if (strcmp(row.name, name) == 0 || strcmp(k->plugins[i]->file_stem, name) == 0) {
            jbuf_init(&b);
            put_plugin(&b, k->plugins[i], 1);
            api_respond_json(r, 200, &b);
            return;
        }
    }
    api_error(r, 404, "not_found", "no plugin named '%s'", name);
}

void api_admin_reload(api_req *r)
{
    char err[4096];
    jbuf b;

    if (serve_reload(r->srv, err, sizeof(err)) != 0) {
        api_error(r, 400, "invalid_config", "%s", err);
        return;
    }
    jbuf_init(&b);
    jb_obj_begin(&b);
    jb_key(&b, "reloaded");
    jb_bool(&b, 1);
    jb_obj_end(&b);
    api_respond_json(r, 200, &b);
}
