/*
 * api_jobs.c - /v1/jobs: create, list, get, pause/resume/cancel, the
 * output, and the event stream (Server-Sent Events or WebSocket).
 *
 * Jobs live in Redis (jobs.h), so every answer waits for it: the handler
 * defers the request and the jobs engine's callback answers. A job is
 * validated when it is created (report, parameters, format: 400 with the
 * reason) rather than when a worker picks it up.
 *
 * The event stream polls the job's event stream in Redis every 100 ms
 * from the last id sent (Last-Event-ID or ?after= resume a stream), sends
 * each event, and ends after the job's final state.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render_service.h"
#include "serve.h"

/* ============================== Shared ==================================== */

static int status_for(jobs_status st)
{
    switch (st) {
    case JOBS_OK: return 200;
    case JOBS_E_NOT_FOUND: return 404;
    case JOBS_E_UNAVAILABLE: return 503;
    case JOBS_E_CONFLICT: return 409;
    case JOBS_E_INVALID: return 400;
    default: return 500;
    }
}

static const char *code_for(jobs_status st)
{
    switch (st) {
    case JOBS_E_NOT_FOUND: return "not_found";
    case JOBS_E_UNAVAILABLE: return "unavailable";
    case JOBS_E_CONFLICT: return "conflict";
    case JOBS_E_INVALID: return "bad_request";
    default: return "internal";
    }
}

static void jobs_error(api_req *r, jobs_status st, const char *msg)
{
    api_error(r, status_for(st), code_for(st), "%s", msg ? msg : "job request failed");
}

static void put_num_or_null(jbuf *b, const char *key, int64_t v)
{
    jb_key(b, key);
    if (v < 0)
        jb_null(b);
    else
        jb_int(b, v);
}

/* A time in Unix ms as an integer, or null when it has not happened. */
static void put_time(jbuf *b, const char *key, int64_t ms)
{
    jb_key(b, key);
    if (ms <= 0)
        jb_null(b);
    else
        jb_int(b, ms);
}

static void put_job(jbuf *b, const job_info *j)
{
    jb_obj_begin(b);
    jb_key(b, "id");
    jb_str(b, j->id);
    jb_key(b, "state");
    jb_str(b, job_state_name(j->state));
    jb_key(b, "report");
    jb_str(b, j->report);
    jb_key(b, "format");
    jb_str(b, j->format);
    jb_key(b, "params");
    jb_obj_begin(b);
    for (size_t i = 0; i < j->nparams; i++) {
        jb_key(b, j->params[i].name);
        jb_str(b, j->params[i].value);
    }
    jb_obj_end(b);
    jb_key(b, "page");
    if (j->page && j->page[0])
        jb_int(b, atoll(j->page));
    else
        jb_null(b);
    put_time(b, "created_ms", j->created_ms);
    put_time(b, "started_ms", j->started_ms);
    put_time(b, "finished_ms", j->finished_ms);
    jb_key(b, "node");
    if (j->node && j->node[0])
        jb_str(b, j->node);
    else
        jb_null(b);
    jb_key(b, "attempts");
    jb_int(b, j->attempts);
    jb_key(b, "progress");
    jb_obj_begin(b);
    jb_key(b, "rows");
    jb_int(b, j->rows);
    put_num_or_null(b, "rows_total", j->rows_total);
    jb_key(b, "pages");
    jb_int(b, j->pages);
    put_num_or_null(b, "percent", j->percent);
    put_num_or_null(b, "eta_ms", j->eta_ms);
    jb_obj_end(b);
    jb_key(b, "error");
    if (j->error && j->error[0])
        jb_str(b, j->error);
    else
        jb_null(b);
    jb_key(b, "output");
    if (j->output_kind == JOB_OUTPUT_NONE) {
        jb_null(b);
    } else {
        jb_obj_begin(b);
        jb_key(b, "size");
        jb_int(b, j->output_size);
        jb_key(b, "mime_type");
        jb_str(b, j->output_mime);
        jb_key(b, "stored_in");
        jb_str(b, j->output_kind == JOB_OUTPUT_REDIS ? "redis" : "output_dir");
        jb_obj_end(b);
    }
    jb_obj_end(b);
}

/* ============================== Create ==================================== */

static void on_created(void *ctx, jobs_status st, const char *msg, const char *id)
{
    api_req *r = ctx;
    jbuf b;

    if (st != JOBS_OK) {
        jobs_error(r, st, msg);
        return;
    }
    serve_log(r->srv, QUIRE_LOG_INFO, "api: job %s created by %s", id, r->who);
    jbuf_init(&b);
    jb_obj_begin(&b);
    jb_key(&b, "id");
    jb_str(&b, id);
    jb_key(&b, "state");
    jb_str(&b, "queued");
    {
        size_t cap = strlen(id) + 16;
        char *url = arena_alloc(r->arena, cap);
        if (url != NULL) {
            snprintf(url, cap, "/v1/jobs/%s", id);
            jb_key(&b, "url");
            jb_str(&b, url);
            r->extra_header = "location";
            r->extra_value = url;
        }
    }
    jb_obj_end(&b);
    api_respond_json(r, 201, &b);
}

/* A job being validated on a thread of its own: render_validate() opens
 * the report's sources, which must not stall the loop. */
typedef struct job_check {
    api_req *r;
    render_req rq;
    render_error err;
    int rc;
} job_check;

static void on_job_checked(void *arg)
{
    job_check *jc = arg;
    api_req *r = jc->r;
    server *srv = r->srv;
    job_spec spec;
    job_param *ps = NULL;
    char page[16];

    srv->validating--;
    if (jc->rc != 0) {
        render_error *e = &jc->err;
        int status = e->cls == RENDER_E_NOT_FOUND ? 404 : e->cls == RENDER_E_INVALID ? 400 : 500;
        api_error(r, status,
                  status == 404   ? "not_found"
                  : status == 400 ? "invalid"
                                  : "render_failed",
                  "%s", e->text ? e->text : "invalid job");
        goto done;
    }
    if (r->x == NULL) { /* the client left: create nothing */
        api_req_free(r);
        goto done;
    }
    memset(&spec, 0, sizeof(spec));
    spec.report = jc->rq.report;
    spec.format = jc->rq.format;
    if (jc->rq.nparams > 0) {
        ps = arena_alloc(r->arena, jc->rq.nparams * sizeof(*ps));
        if (ps == NULL) {
            api_error(r, 503, "unavailable", "out of memory");
            goto done;
        }
        for (size_t i = 0; i < jc->rq.nparams; i++) {
            ps[i].name = jc->rq.params[i].name;
            ps[i].value = jc->rq.params[i].value;
        }
    }
    spec.params = ps;
    spec.nparams = jc->rq.nparams;
    if (jc->rq.page > 0) {
        snprintf(page, sizeof(page), "%u", (unsigned)jc->rq.page);
        spec.page = page;
    }
    jobs_create(srv->jobs, &spec, on_created, r);
done:
    render_error_clear(&jc->err);
    free(jc);
}

static void *job_check_thread(void *arg)
{
    job_check *jc = arg;
    jc->rc = render_validate(jc->r->srv->k, &jc->rq, &jc->err);
    if (mailbox_post(jc->r->srv->mb, on_job_checked, jc) != 0)
        on_job_checked(jc); /* cannot happen in practice; never leave the client hanging */
    return NULL;
}

void api_jobs_create(api_req *r)
{
    server *srv = r->srv;
    job_check *jc;
    pthread_t t;
    pthread_attr_t attr;

    if (srv->draining) {
        api_error(r, 503, "draining", "this node is shutting down; send the job to another node");
        return;
    }
    if (srv->validating >= SERVE_MAX_VALIDATING) {
        api_error(r, 503, "busy", "%d job requests are being checked on this node; retry",
                  srv->validating);
        return;
    }
    jc = calloc(1, sizeof(*jc));
    if (jc == NULL) {
        api_error(r, 503, "unavailable", "out of memory");
        return;
    }
    if (api_read_render_body(r, 1, &jc->rq) != 0) {
        free(jc);
        return;
    }
    jc->r = r;
    render_error_init(&jc->err);
    api_defer(r);
    srv->validating++;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, job_check_thread, jc) != 0) {
        srv->validating--;
        free(jc);
        api_error(r, 503, "unavailable", "could not start a thread to check the job");
    }
    pthread_attr_destroy(&attr);
}

/* ============================== Read ====================================== */

static void on_info(void *ctx, jobs_status st, const char *msg, const job_info *info)
{
    api_req *r = ctx;
    jbuf b;

    if (st != JOBS_OK) {
        jobs_error(r, st, msg);
        return;
    }
    jbuf_init(&b);
    put_job(&b, info);
    api_respond_json(r, 200, &b);
}

void api_jobs_get(api_req *r)
{
    api_defer(r);
    jobs_get(r->srv->jobs, http_route_get(&r->caps, "id"), on_info, r);
}

static void on_list(void *ctx, jobs_status st, const char *msg, const job_info *items, size_t n,
                    const char *next_cursor)
{
    api_req *r = ctx;
    jbuf b;

    if (st != JOBS_OK) {
        jobs_error(r, st, msg);
        return;
    }
    jbuf_init(&b);
    jb_obj_begin(&b);
    jb_key(&b, "jobs");
    jb_arr_begin(&b);
    for (size_t i = 0; i < n; i++)
        put_job(&b, &items[i]);
    jb_arr_end(&b);
    jb_key(&b, "next_cursor");
    jb_str(&b, next_cursor);
    jb_obj_end(&b);
    api_respond_json(r, 200, &b);
}

void api_jobs_list(api_req *r)
{
    const char *state = http_query_get(&r->query, "state");
    const char *limit_text = http_query_get(&r->query, "limit");
    int st = -1;
    long limit = 50;

    if (state != NULL) {
        job_state s;
        if (job_state_parse(state, &s) != 0) {
            api_error(r, 400, "bad_request",
                      "query parameter \"state\": '%s' is not queued, running, paused, "
                      "succeeded, failed or canceled",
                      state);
            return;
        }
        st = (int)s;
    }
    if (limit_text != NULL) {
        char *end;
        errno = 0;
        limit = strtol(limit_text, &end, 10);
        if (*limit_text == '\0' || *end != '\0' || errno != 0 || limit < 1 || limit > 1000) {
            api_error(r, 400, "bad_request",
                      "query parameter \"limit\": '%s' is not a number from 1 to 1000", limit_text);
            return;
        }
    }
    api_defer(r);
    jobs_list(r->srv->jobs, st, (int)limit, http_query_get(&r->query, "cursor"), on_list, r);
}

/* ============================== Control =================================== */

static void on_control(void *ctx, jobs_status st, const char *msg, job_state state)
{
    api_req *r = ctx;
    jbuf b;

    if (st != JOBS_OK) {
        jobs_error(r, st, msg);
        return;
    }
    jbuf_init(&b);
    jb_obj_begin(&b);
    jb_key(&b, "id");
    jb_str(&b, http_route_get(&r->caps, "id"));
    jb_key(&b, "state");
    jb_str(&b, job_state_name(state));
    jb_obj_end(&b);
    api_respond_json(r, 200, &b);
}

void api_jobs_control(api_req *r)
{
    const char *verb = strrchr(r->path, '/') + 1;
    int action = strcmp(verb, "pause") == 0    ? JOB_PAUSE
                 : strcmp(verb, "resume") == 0 ? JOB_RESUME
                                               : JOB_CANCEL;
    serve_log(r->srv, QUIRE_LOG_INFO, "api: job %s: %s by %s", http_route_get(&r->caps, "id"), verb,
              r->who);
    api_defer(r);
    jobs_control(r->srv->jobs, http_route_get(&r->caps, "id"), action, on_control, r);
}

/* ============================== Output ==================================== */

static void on_output(void *ctx, jobs_status st, const char *msg, const job_output *out)
{
    api_req *r = ctx;

    if (st != JOBS_OK) {
        jobs_error(r, st, msg);
        return;
    }
    if (out->kind == JOB_OUTPUT_REDIS) {
        api_respond(r, 200, out->mime, out->data, out->size);
    } else {
        size_t len = 0;
        char *data = serve_read_file(out->path, &len);
        if (data == NULL) {
            api_error(r, 500, "internal", "could not read the output %s: %s", out->path,
                      strerror(errno));
            return;
        }
        api_respond(r, 200, out->mime, data, len);
        free(data);
    }
}

void api_jobs_output(api_req *r)
{
    api_defer(r);
    jobs_output(r->srv->jobs, http_route_get(&r->caps, "id"), on_output, r);
}

/* ============================== Events ==================================== */

#define EVENTS_POLL_S 0.1
#define EVENTS_BATCH  100

typedef struct event_stream {
    api_req *r;
    ev_timer poll;
    char after[64];      /* last stream id sent */
    int sse;             /* 1: SSE, 0: WebSocket */
    int in_flight;       /* a jobs_events call is out */
    int gone;            /* the client left while a call was out */
    int finished;        /* the final state was sent */
    const char *session; /* record positions in this session (or NULL) */
} event_stream;

static void stream_free(event_stream *es)
{
    server *srv = es->r->srv;
    ev_timer_stop(srv->loop, &es->poll);
    api_req_free(es->r);
    free(es);
}

static void stream_end(event_stream *es)
{
    server *srv = es->r->srv;
    if (es->r->x != NULL) {
        if (es->sse)
            srv->tops->stream_end(es->r->x);
        else
            srv->tops->ws_close(es->r->x, QUIRE_WS_NORMAL, "job finished");
        es->r->x = NULL;
    }
    stream_free(es);
}

static void put_event(jbuf *b, const char *job_id, const job_event *ev)
{
    jb_obj_begin(b);
    jb_key(b, "id");
    jb_str(b, ev->id);
    jb_key(b, "job");
    jb_str(b, job_id);
    jb_key(b, "type");
    jb_str(b, ev->type == JOB_EVENT_STATE ? "state" : "progress");
    jb_key(b, "state");
    jb_str(b, job_state_name(ev->state));
    jb_key(b, "ts_ms");
    jb_int(b, ev->ts_ms);
    jb_key(b, "rows");
    jb_int(b, ev->rows);
    put_num_or_null(b, "rows_total", ev->rows_total);
    jb_key(b, "pages");
    jb_int(b, ev->pages);
    put_num_or_null(b, "percent", ev->percent);
    put_num_or_null(b, "eta_ms", ev->eta_ms);
    jb_key(b, "node");
    jb_str(b, ev->node);
    if (ev->message && ev->message[0]) {
        jb_key(b, "message");
        jb_str(b, ev->message);
    }
    jb_obj_end(b);
}

static void on_stream_events(void *ctx, jobs_status st, const char *msg, const job_event *ev,
                             size_t n)
{
    event_stream *es = ctx;
    server *srv = es->r->srv;
    const char *job_id = http_route_get(&es->r->caps, "id");

    /* in_flight stays set while events are sent: a send can make the
     * transport call closed() at once, and on_stream_gone must then only
     * mark the stream gone, not free it under this loop. */
    if (es->gone || es->r->x == NULL) {
        stream_free(es);
        return;
    }
    if (st == JOBS_E_NOT_FOUND || st == JOBS_E_INVALID) {
        stream_end(es); /* the job expired, or the resume id is bad */
        return;
    }
    if (st != JOBS_OK) {
        (void)msg; /* Redis is away: keep polling; the client keeps its stream */
        es->in_flight = 0;
        return;
    }
    for (size_t i = 0; i < n && !es->gone && es->r->x != NULL; i++) {
        jbuf data, frame;
        int rc;
        jbuf_init(&data);
        put_event(&data, job_id, &ev[i]);
        if (jbuf_failed(&data)) {
            jbuf_free(&data);
            continue;
        }
        if (es->sse) {
            jbuf_init(&frame);
            sse_event(&frame, ev[i].id, ev[i].type == JOB_EVENT_STATE ? "state" : "progress",
                      data.data);
            rc =
                jbuf_failed(&frame) ? -1 : srv->tops->stream_write(es->r->x, frame.data, frame.len);
            jbuf_free(&frame);
        } else {
            rc = srv->tops->ws_send(es->r->x, 0, data.data, data.len);
        }
        jbuf_free(&data);
        if (rc != 0) {
            /* Over the send bound: the transport closes the connection. */
            es->gone = 1;
            break;
        }
        snprintf(es->after, sizeof(es->after), "%s", ev[i].id);
        if (ev[i].type == JOB_EVENT_STATE && job_state_final(ev[i].state))
            es->finished = 1;
    }
    es->in_flight = 0;
    if (es->gone || es->r->x == NULL) {
        stream_free(es);
        return;
    }
    if (n > 0 && es->session != NULL)
        api_session_record(srv, es->session, job_id, es->after);
    if (es->finished)
        stream_end(es);
}

static void on_poll(struct ev_loop *loop, ev_timer *w, int revents)
{
    event_stream *es = w->data;
    (void)loop;
    (void)revents;
    if (es->in_flight || es->r->x == NULL)
        return;
    es->in_flight = 1;
    jobs_events(es->r->srv->jobs, http_route_get(&es->r->caps, "id"), es->after, EVENTS_BATCH,
                on_stream_events, es);
}

/* The client left: free now unless a jobs_events call still holds es. */
static void on_stream_gone(api_req *r)
{
    event_stream *es = r->stream;
    if (es->in_flight) {
        es->gone = 1;
        ev_timer_stop(r->srv->loop, &es->poll);
        return;
    }
    stream_free(es);
}

static void stream_discard(api_req *r)
{
    stream_free(r->stream);
}

/* JSON list of the events after ?after= (a plain GET, no streaming). */
static void on_events_once(void *ctx, jobs_status st, const char *msg, const job_event *ev,
                           size_t n)
{
    api_req *r = ctx;
    const char *job_id = http_route_get(&r->caps, "id");
    jbuf b;

    if (st != JOBS_OK) {
        jobs_error(r, st, msg);
        return;
    }
    jbuf_init(&b);
    jb_obj_begin(&b);
    jb_key(&b, "events");
    jb_arr_begin(&b);
    for (size_t i = 0; i < n; i++)
        put_event(&b, job_id, &ev[i]);
    jb_arr_end(&b);
    jb_obj_end(&b);
    api_respond_json(r, 200, &b);
}

static void stream_open(api_req *r, const char *after);

/* The first page of events decides between 404/400 and opening the
 * stream, so a stream is never opened for a job that does not exist. */
typedef struct stream_probe {
    api_req *r;
    char after[64];
} stream_probe;

static void on_stream_probe(void *ctx, jobs_status st, const char *msg, const job_event *ev,
                            size_t n)
{
    stream_probe *sp = ctx;
    api_req *r = sp->r;
    char after[64];
    (void)ev;
    (void)n;

    memcpy(after, sp->after, sizeof(after));
    free(sp);
    if (st != JOBS_OK) {
        jobs_error(r, st, msg);
        return;
    }
    stream_open(r, after[0] ? after : NULL);
}

/* Opens the stream (SSE or WebSocket) from event id `after`, or answers
 * the JSON list. */
static void events_begin(api_req *r, const char *after)
{
    server *srv = r->srv;
    stream_probe *sp;

    api_defer(r);
    if (!r->websocket && (r->accept == NULL || !strstr(r->accept, "text/event-stream"))) {
        jobs_events(srv->jobs, http_route_get(&r->caps, "id"), after, 1000, on_events_once, r);
        return;
    }
    sp = calloc(1, sizeof(*sp));
    if (sp == NULL) {
        api_error(r, 503, "unavailable", "out of memory");
        return;
    }
    sp->r = r;
    snprintf(sp->after, sizeof(sp->after), "%s", after ? after : "");
    jobs_events(srv->jobs, http_route_get(&r->caps, "id"), after, 1, on_stream_probe, sp);
}

static void stream_open(api_req *r, const char *after)
{
    server *srv = r->srv;
    event_stream *es;

    if (r->x == NULL) { /* the client left while we looked */
        api_req_free(r);
        return;
    }
    es = calloc(1, sizeof(*es));
    if (es == NULL) {
        api_error(r, 503, "unavailable", "out of memory");
        return;
    }
    es->r = r;
    es->sse = !r->websocket;
    es->session = http_query_get(&r->query, "session");
    snprintf(es->after, sizeof(es->after), "%s", after ? after : "");
    api_defer(r);
    r->stream = es;
    r->on_gone = on_stream_gone;
    r->discard = stream_discard;
    if (es->sse) {
        quire_http_header h[3] = {{"content-type", "text/event-stream"},
                                  {"cache-control", "no-cache"},
                                  {"x-accel-buffering", "no"}};
        srv->tops->stream_begin(r->x, 200, h, 3);
    } else if (srv->tops->ws_accept(r->x, NULL) != 0) {
        r->x = NULL;
        stream_free(es);
        return;
    }
    srv->metrics.requests[2]++;
    ev_timer_init(&es->poll, on_poll, 0.0, EVENTS_POLL_S);
    es->poll.data = es;
    ev_timer_start(srv->loop, &es->poll);
}

/*
 * Streaming for a WebSocket upgrade and for clients that ask for
 * text/event-stream (a browser's EventSource does); anyone else gets the
 * events so far as one JSON document. The start: ?after=, else
 * Last-Event-ID, else where ?session= left this job's stream, else the
 * first event.
 */
void api_jobs_events(api_req *r)
{
    const char *after = http_query_get(&r->query, "after");
    const char *session = http_query_get(&r->query, "session");

    if (after == NULL)
        after = r->last_event_id;
    if (after != NULL && strlen(after) >= 64) {
        api_error(r, 400, "bad_request", "event id '%.40s...' is too long", after);
        return;
    }
    if (after == NULL && session != NULL) {
        api_session_position(r, session, http_route_get(&r->caps, "id"), events_begin);
        return;
    }
    events_begin(r, after);
}
