/*
 * serve.h - the state of `quire serve` that its files share: the server
 * (serve.c: start-up, signals, reload, shutdown), the REST API (api*.c) and
 * the bridge from jobs to renders (serve_runner.c).
 *
 * Threading: everything in `server` belongs to the loop thread except what
 * is marked otherwise. Render workers reach the loop only through `mb`.
 */
#ifndef QUIRE_SERVE_H
#define QUIRE_SERVE_H

#include <ev.h>
#include <stdatomic.h>
#include <stdint.h>

#include "arena.h"
#include "clock.h"
#include "http_util.h"
#include "jobs.h"
#include "json.h"
#include "mailbox.h"
#include "redis_conn.h"
#include "redis_embed.h"
#include "registry.h"
#include "serve_auth.h"

typedef struct api_req api_req;

/* Job requests checked at once (each on a thread: checking opens the
 * report's sources); more get 503 busy. */
#define SERVE_MAX_VALIDATING 16

/* Counters for /metrics kept by the API layer (the jobs engine keeps its
 * own, see jobs.h). Loop thread only. */
typedef struct serve_metrics {
    uint64_t requests[6]; /* by status class: [1] 1xx ... [5] 5xx */
    uint64_t sync_renders, sync_failures;
    uint64_t unauthorized, forbidden;
} serve_metrics;

typedef struct server {
    kernel *k;
    struct ev_loop *loop;
    mailbox *mb;
    int log_level;

    /* The transport plugin and the handler we gave it. */
    plugin_rec *transport;
    const quire_transport_ops *tops;
    quire_server_handler handler;

    auth_table *auth;
    char *listen;
    char *node_id;
    char *temp_dir;

    /* Redis: a private server when no redis_url is configured. */
    redis_embed *embed;
    char *redis_url;
    rconn *rc_cmd;   /* every command but blocking reads */
    rconn *rc_block; /* the jobs engine's XREADGROUP BLOCK */
    char *prefix;

    jobs *jobs;

    /* Synchronous renders in flight (bounded by sync_max), and job requests
     * being validated on threads (bounded by SERVE_MAX_VALIDATING). */
    int sync_running, sync_max;
    int validating;
    int64_t sync_timeout_ms;
    int64_t session_ttl_ms;

    /* Requests answered later (Redis, a worker): closed() finds them here
     * to mark their exchange gone. */
    api_req *pending;

    serve_metrics metrics;
    int64_t started_ms;

    ev_signal sig_term, sig_int, sig_hup;
    ev_timer drain_timer, drain_check;
    int jobs_drained; /* the engine has drained (after SIGTERM) */
    int draining;     /* SIGTERM seen: no new jobs, readyz says 503 */
    int exit_code;
} server;

/* ============================== API (api.c) =============================== */

/*
 * One API request being answered. Born in the transport's request()
 * callback; ends with api_respond*(), which frees it. While a handler waits
 * (Redis, a worker) it holds the request; if the client goes away `x`
 * becomes NULL and the answer is dropped when it comes.
 */
struct api_req {
    server *srv;
    quire_exchange *x;  /* NULL once the client has gone */
    quire_arena *arena; /* everything below lives here */
    const char *method;
    const char *path;
    http_query query;
    http_route_caps caps;
    const char *body;
    size_t body_len;
    const char *accept, *last_event_id;
    int websocket;
    const char *who; /* the token's name (a copy in arena: a reload frees the table) */
    /* One extra response header (Allow for 405, Location for 201). */
    const char *extra_header, *extra_value;
    int role;
    api_req *next_pending, *prev_pending;
    int is_pending;
    /* Set by streaming handlers (SSE, WebSocket): what to do when the
     * client goes away. */
    void (*on_gone)(api_req *r);
    /* Frees the stream and r at shutdown, whatever is in flight. */
    void (*discard)(api_req *r);
    void *stream; /* the streaming handler's state */
};

/* The transport's handler callbacks (api.c). */
void api_on_request(void *ctx, const quire_http_request *req, quire_exchange *x);
void api_on_closed(void *ctx, quire_exchange *x);
void api_on_ws_message(void *ctx, quire_exchange *x, int binary, const char *data, size_t len);
void api_on_ws_closed(void *ctx, quire_exchange *x, int code);

/* Marks r as answered later (so a client going away is noticed). */
void api_defer(api_req *r);

/* Answers and frees r. Does nothing on the wire when the client has gone.
 * `body` is copied. */
void api_respond(api_req *r, int status, const char *content_type, const char *body, size_t len);
/* Answers with the JSON built in `b` and frees both r and b's bytes. */
void api_respond_json(api_req *r, int status, jbuf *b);
/* {"error":{"status":S,"code":"CODE","message":"..."}}, and frees r. */
void api_error(api_req *r, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Frees r without answering (the exchange was handed over or is gone). */
void api_req_free(api_req *r);

/* Route handlers (api_reports.c, api_jobs.c, api_admin.c). */
void api_reports_list(api_req *r);
void api_reports_describe(api_req *r);
void api_reports_render(api_req *r);
void api_jobs_create(api_req *r);
void api_jobs_list(api_req *r);
void api_jobs_get(api_req *r);
void api_jobs_control(api_req *r);
void api_jobs_events(api_req *r);
void api_jobs_output(api_req *r);
void api_sessions_create(api_req *r);
void api_sessions_get(api_req *r);
void api_sessions_delete(api_req *r);
void api_admin_plugins(api_req *r);
void api_admin_plugin(api_req *r);
void api_admin_reload(api_req *r);
void api_healthz(api_req *r);
void api_readyz(api_req *r);
void api_metrics(api_req *r);

/* Looks up where session `session` left job `job`'s event stream and
 * calls done(r, after) with the last event id sent (NULL: from the start).
 * Answers 404 (unknown or someone else's session) or 503 itself and
 * returns -1 or calls nothing. r is deferred. */
int api_session_position(api_req *r, const char *session, const char *job,
                         void (*done)(api_req *r, const char *after));
/* Records that session `session` has been sent event `event_id` of `job`
 * (fire and forget) and keeps the session alive. */
void api_session_record(server *srv, const char *session, const char *job, const char *event_id);

/* Reads {"format": ..., "params": {...}, "page": N} (and "report" when
 * `need_report`) from the request body into a render_req whose strings
 * live in r->arena. On a bad body answers 400 itself and returns -1. */
struct render_req;
int api_read_render_body(api_req *r, int need_report, struct render_req *out);

/* ============================== Server (serve.c) ========================== */

/* `quire serve -c CONF [--listen HOST:PORT]`. Returns the exit code. */
int cmd_serve(int argc, char **argv);

/* Reloads the configuration after SIGHUP or POST /v1/admin/reload: the new
 * file is validated first and the old one stays if it is refused. Returns
 * 0, or -1 with the reasons in err. */
int serve_reload(server *srv, char *err, size_t errlen);

/* Logs through the kernel's log level. */
void serve_log(server *srv, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Reads a whole file into a malloc'd buffer (the caller frees it), its
 * length in *len. NULL with errno set on failure. */
char *serve_read_file(const char *path, size_t *len);

/* ============================== Runner (serve_runner.c) =================== */

/* The jobs engine's runner: renders a job with render_service. */
jobs_runner serve_job_runner(server *srv);

#endif /* QUIRE_SERVE_H */
