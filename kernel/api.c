/*
 * api.c - the REST API's front door: the transport's handler callbacks,
 * routing, authentication and the answer helpers every handler uses.
 *
 * A request is copied into its own arena (the transport's pointers die
 * with the callback), routed, checked against the route's least role and
 * handed to a handler in api_*.c, which answers now or later. Errors are
 * JSON: {"error": {"status": 404, "code": "not_found", "message": "..."}}.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"

/* ============================== Routes ==================================== */

typedef struct api_route {
    const char *method;
    const char *pattern;
    int role; /* least role; ROLE_NONE: no token needed */
    void (*handler)(api_req *r);
} api_route;

static const api_route routes[] = {
    {"GET", "/healthz", ROLE_NONE, api_healthz},
    {"GET", "/readyz", ROLE_NONE, api_readyz},
    {"GET", "/metrics", ROLE_VIEWER, api_metrics},
    {"GET", "/v1/reports", ROLE_VIEWER, api_reports_list},
    {"GET", "/v1/reports/{name}", ROLE_VIEWER, api_reports_describe},
    {"POST", "/v1/reports/{name}/render", ROLE_EDITOR, api_reports_render},
    {"POST", "/v1/jobs", ROLE_EDITOR, api_jobs_create},
    {"GET", "/v1/jobs", ROLE_VIEWER, api_jobs_list},
    {"GET", "/v1/jobs/{id}", ROLE_VIEWER, api_jobs_get},
    {"GET", "/v1/jobs/{id}/events", ROLE_VIEWER, api_jobs_events},
    {"GET", "/v1/jobs/{id}/output", ROLE_VIEWER, api_jobs_output},
    {"POST", "/v1/jobs/{id}/pause", ROLE_EDITOR, api_jobs_control},
    {"POST", "/v1/jobs/{id}/resume", ROLE_EDITOR, api_jobs_control},
    {"POST", "/v1/jobs/{id}/cancel", ROLE_EDITOR, api_jobs_control},
    {"POST", "/v1/sessions", ROLE_VIEWER, api_sessions_create},
    {"GET", "/v1/sessions/{id}", ROLE_VIEWER, api_sessions_get},
    {"DELETE", "/v1/sessions/{id}", ROLE_VIEWER, api_sessions_delete},
    {"GET", "/v1/admin/plugins", ROLE_ADMIN, api_admin_plugins},
    {"GET", "/v1/admin/plugins/{name}", ROLE_ADMIN, api_admin_plugin},
    {"POST", "/v1/admin/reload", ROLE_ADMIN, api_admin_reload},
};

#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/* ============================== Request lifetime ========================== */

static void pending_unlink(api_req *r)
{
    server *srv = r->srv;
    if (!r->is_pending)
        return;
    if (r->prev_pending)
        r->prev_pending->next_pending = r->next_pending;
    else
        srv->pending = r->next_pending;
    if (r->next_pending)
        r->next_pending->prev_pending = r->prev_pending;
    r->is_pending = 0;
}

void api_req_free(api_req *r)
{
    if (r == NULL)
        return;
    pending_unlink(r);
    arena_free(r->arena);
}

void api_defer(api_req *r)
{
    server *srv = r->srv;
    if (r->is_pending)
        return;
    r->prev_pending = NULL;
    r->next_pending = srv->pending;
    if (srv->pending)
        srv->pending->prev_pending = r;
    srv->pending = r;
    r->is_pending = 1;
}

static api_req *pending_find(server *srv, quire_exchange *x)
{
    for (api_req *r = srv->pending; r != NULL; r = r->next_pending)
        if (r->x == x)
            return r;
    return NULL;
}

/* ============================== Answers =================================== */

static void count_status(server *srv, int status)
{
    if (status >= 100 && status < 600)
        srv->metrics.requests[status / 100]++;
}

void api_respond(api_req *r, int status, const char *content_type, const char *body, size_t len)
{
    server *srv = r->srv;
    quire_http_header h[3] = {{"cache-control", "no-store"}, {NULL, NULL}, {NULL, NULL}};
    size_t n = 1;

    if (content_type != NULL)
        h[n++] = (quire_http_header){"content-type", content_type};
    if (r->extra_header != NULL)
        h[n++] = (quire_http_header){r->extra_header, r->extra_value};
    count_status(srv, status);
    if (r->x != NULL)
        srv->tops->respond(r->x, status, h, n, body, len);
    serve_log(srv, QUIRE_LOG_DEBUG, "api: %s %s %d (%s)", r->method, r->path, status,
              r->who ? r->who : "-");
    r->x = NULL;
    api_req_free(r);
}

void api_respond_json(api_req *r, int status, jbuf *b)
{
    if (jbuf_failed(b)) {
        jbuf_free(b);
        api_respond(r, 500, "application/json",
                    "{\"error\":{\"status\":500,\"code\":\"internal\",\"message\":\"out of "
                    "memory\"}}",
                    70);
        return;
    }
    jbuf_puts(b, "\n");
    api_respond(r, status, "application/json", b->data, b->len);
    jbuf_free(b);
}

void api_error(api_req *r, int status, const char *code, const char *fmt, ...)
{
    char msg[4096];
    size_t n;
    va_list ap;
    jbuf b;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* Render errors arrive as diag lines ("error: ...\n"): a one-line
     * message reads better without the prefix and the newline. */
    n = strlen(msg);
    while (n > 0 && msg[n - 1] == '\n')
        msg[--n] = '\0';
    if (strncmp(msg, "error: ", 7) == 0 && strchr(msg, '\n') == NULL)
        memmove(msg, msg + 7, n - 6);
    jbuf_init(&b);
    jb_obj_begin(&b);
    jb_key(&b, "error");
    jb_obj_begin(&b);
    jb_key(&b, "status");
    jb_int(&b, status);
    jb_key(&b, "code");
    jb_str(&b, code);
    jb_key(&b, "message");
    jb_str(&b, msg);
    jb_obj_end(&b);
    jb_obj_end(&b);
    if (status >= 500)
        serve_log(r->srv, QUIRE_LOG_WARN, "api: %s %s %d: %s", r->method, r->path, status, msg);
    api_respond_json(r, status, &b);
}

/* 401 with the challenge RFC 6750 asks for. */
static void respond_unauthorized(api_req *r, int bad_token)
{
    server *srv = r->srv;
    const char *body = bad_token
                           ? "{\"error\":{\"status\":401,\"code\":\"unauthorized\",\"message\":"
                             "\"the bearer token is not valid\"}}\n"
                           : "{\"error\":{\"status\":401,\"code\":\"unauthorized\",\"message\":"
                             "\"this endpoint needs an Authorization: Bearer token\"}}\n";
    quire_http_header h[3] = {
        {"content-type", "application/json"},
        {"cache-control", "no-store"},
        {"www-authenticate",
         bad_token ? "Bearer realm=\"quire\", error=\"invalid_token\"" : "Bearer realm=\"quire\""},
    };
    count_status(srv, 401);
    srv->metrics.unauthorized++;
    if (r->x != NULL)
        srv->tops->respond(r->x, 401, h, 3, body, strlen(body));
    r->x = NULL;
    api_req_free(r);
}

/* ============================== Dispatch ================================== */

static const char *header_get(const quire_http_request *req, const char *name)
{
    for (size_t i = 0; i < req->nheaders; i++)
        if (strcmp(req->headers[i].name, name) == 0)
            return req->headers[i].value;
    return NULL;
}

static const char *arena_copy(quire_arena *a, const char *s)
{
    if (s == NULL)
        return NULL;
    return arena_strndup(a, s, strlen(s));
}

/* Builds the method list of the routes whose pattern matches, for 405. */
static void allowed_methods(api_req *r, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < NROUTES; i++) {
        http_route_caps caps;
        quire_error err;
        if (http_route_match(routes[i].pattern, r->path, strlen(r->path), r->arena, &caps, &err) ==
                1 &&
            !strstr(buf, routes[i].method))
            used += (size_t)snprintf(buf + used, used < cap ? cap - used : 0, "%s%s",
                                     used ? ", " : "", routes[i].method);
    }
}

void api_on_request(void *ctx, const quire_http_request *req, quire_exchange *x)
{
    server *srv = ctx;
    quire_arena *a = arena_new(8192);
    api_req *r;
    const api_route *route = NULL;
    int path_known = 0;
    quire_error err = {0};

    if (a == NULL || (r = arena_alloc(a, sizeof(*r))) == NULL) {
        static const char oom[] = "{\"error\":{\"status\":503,\"code\":\"unavailable\","
                                  "\"message\":\"out of memory\"}}\n";
        quire_http_header h = {"content-type", "application/json"};
        arena_free(a);
        srv->tops->respond(x, 503, &h, 1, oom, sizeof(oom) - 1);
        return;
    }
    memset(r, 0, sizeof(*r));
    r->srv = srv;
    r->x = x;
    r->arena = a;
    r->method = arena_copy(a, req->method);
    r->path = arena_copy(a, req->path);
    r->body = req->body_len ? arena_strndup(a, req->body, req->body_len) : "";
    r->body_len = req->body_len;
    r->accept = arena_copy(a, header_get(req, "accept"));
    r->last_event_id = arena_copy(a, header_get(req, "last-event-id"));
    r->websocket = req->websocket;
    if (r->method == NULL || r->path == NULL || r->body == NULL) {
        api_error(r, 503, "unavailable", "out of memory");
        return;
    }
    if (http_query_parse(a, req->query, strlen(req->query), &r->query, &err) != 0) {
        api_error(r, 400, "bad_request", "%s", err.msg);
        return;
    }

    for (size_t i = 0; i < NROUTES && route == NULL; i++) {
        int m = http_route_match(routes[i].pattern, r->path, strlen(r->path), a, &r->caps, &err);
        if (m < 0) {
            api_error(r, 400, "bad_request", "%s", err.msg);
            return;
        }
        if (m == 1) {
            path_known = 1;
            if (strcmp(routes[i].method, r->method) == 0 ||
                (strcmp(r->method, "HEAD") == 0 && strcmp(routes[i].method, "GET") == 0))
                route = &routes[i];
        }
    }
    if (route == NULL && path_known) {
        char *allow = arena_alloc(a, 64);
        if (allow == NULL) {
            api_error(r, 503, "unavailable", "out of memory");
            return;
        }
        allowed_methods(r, allow, 64);
        r->extra_header = "allow";
        r->extra_value = allow;
        api_error(r, 405, "method_not_allowed", "%s %s is not allowed; allowed: %s", r->method,
                  r->path, allow);
        return;
    }
    if (route == NULL) {
        api_error(r, 404, "not_found", "no such endpoint: %s %s", r->method, r->path);
        return;
    }
    if (route->role != ROLE_NONE) {
        int rc = auth_check(srv->auth, header_get(req, "authorization"), &r->who, &r->role);
        if (rc != AUTH_OK) {
            respond_unauthorized(r, rc == AUTH_BAD);
            return;
        }
        r->who = arena_copy(a, r->who); /* a reload frees the auth table while r waits */
        if (r->role < route->role) {
            srv->metrics.forbidden++;
            api_error(r, 403, "forbidden", "%s %s needs the %s role; token '%s' has %s",
                      route->method, route->pattern, role_name(route->role), r->who,
                      role_name(r->role));
            return;
        }
    }
    route->handler(r);
}

void api_on_closed(void *ctx, quire_exchange *x)
{
    api_req *r = pending_find(ctx, x);
    if (r == NULL)
        return;
    r->x = NULL;
    if (r->on_gone != NULL)
        r->on_gone(r); /* a stream: its owner frees r */
}

void api_on_ws_message(void *ctx, quire_exchange *x, int binary, const char *data, size_t len)
{
    api_req *r = pending_find(ctx, x);
    (void)binary;
    (void)data;
    (void)len;
    /* The event stream WebSocket takes no messages from the client. */
    if (r != NULL && r->x != NULL)
        r->srv->tops->ws_close(x, QUIRE_WS_POLICY, "this socket takes no messages");
    else if (r == NULL)
        ((server *)ctx)->tops->ws_close(x, QUIRE_WS_POLICY, "unexpected message");
    if (r != NULL) {
        r->x = NULL;
        if (r->on_gone != NULL)
            r->on_gone(r);
    }
}

void api_on_ws_closed(void *ctx, quire_exchange *x, int code)
{
    (void)code;
    api_on_closed(ctx, x);
}
