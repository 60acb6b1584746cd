/*
 * http_plugin.c - the http transport plugin (QUIRE_KIND_TRANSPORT, "http",
 * scheme "http"): HTTP/1.1 and WebSocket for `quire serve`. This file holds
 * the descriptor, the [transport.http] schema, the lifecycle hooks and the
 * ops table; http.h lists the files that do the work.
 *
 * Lifecycle: init() reads the limits; listen() records the address;
 * attach() takes the kernel's loop and handler; start() binds; quiesce()
 * stops accepting and lets exchanges finish; stop() closes everything,
 * telling the kernel about exchanges it still held; destroy() frees.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http.h"

/* ============================== Configuration ============================= */

static const quire_config_key http_config_keys[] = {
    {.name = "max_header_bytes",
     .type = QUIRE_CONF_SIZE,
     .default_value = "8kb",
     .min = "1kb",
     .max = "64kb",
     .help = "Longest request line plus headers; longer requests get 431."},
    {.name = "max_headers",
     .type = QUIRE_CONF_INT,
     .default_value = "100",
     .min = "1",
     .max = "1000",
     .help = "Most header fields in a request; more get 431."},
    {.name = "max_body",
     .type = QUIRE_CONF_SIZE,
     .default_value = "8mb",
     .min = "0",
     .max = "1gb",
     .help = "Largest request body (Content-Length or chunked); larger get 413."},
    {.name = "request_timeout",
     .type = QUIRE_CONF_DURATION,
     .default_value = "30s",
     .min = "10ms",
     .max = "1h",
     .help = "Time a request has to arrive completely once it started; then 408 and close."},
    {.name = "idle_timeout",
     .type = QUIRE_CONF_DURATION,
     .default_value = "60s",
     .min = "10ms",
     .max = "1d",
     .help = "How long an idle keep-alive connection stays open."},
    {.name = "max_connections",
     .type = QUIRE_CONF_INT,
     .default_value = "1024",
     .min = "1",
     .max = "1000000",
     .help = "Open connections served at once; one more is answered 503 and closed."},
    {.name = "ws_max_message",
     .type = QUIRE_CONF_SIZE,
     .default_value = "1mb",
     .min = "125",
     .max = "256mb",
     .help = "Largest WebSocket message a client may send; larger close with 1009."},
    {.name = "ws_send_queue",
     .type = QUIRE_CONF_SIZE,
     .default_value = "1mb",
     .min = "1kb",
     .max = "1gb",
     .help = "Bytes queued for one slow client (WebSocket or streamed answer) before it is "
             "dropped."},
    {.name = "ws_ping_interval",
     .type = QUIRE_CONF_DURATION,
     .default_value = "30s",
     .min = "0",
     .max = "1h",
     .help = "How often WebSocket clients are pinged (0: never); one that does not answer "
             "within the next interval is closed."},
    {.name = "static_root",
     .type = QUIRE_CONF_PATH,
     .help = "Directory of static files served under static_prefix; unset: none."},
    {.name = "static_prefix",
     .type = QUIRE_CONF_STRING,
     .default_value = "/ui/",
     .help = "URL path under which static_root is served; starts and ends with '/'."},
    {0},
};

/* ============================== Lifecycle ================================= */

static void free_server(http_server *srv)
{
    const quire_host *host = srv->host;

    host->free(srv->cfg.static_root);
    host->free(srv->cfg.static_prefix);
    host->free(srv->address);
    host->free(srv->unix_path);
    host->free(srv);
}

static int http_init(const quire_host *host, quire_plugin *self, const quire_config *config,
                     void **state, quire_error *err)
{
    http_server *srv = host->calloc(1, sizeof(*srv));
    const char *root, *prefix;
    size_t plen;

    if (srv == NULL) {
        host->error_set(err, QUIRE_E_NOMEM, "http: out of memory");
        return QUIRE_ERR;
    }
    srv->host = host;
    srv->self = self;
    srv->lfd = -1;
    srv->cfg.lim.max_header_bytes = (size_t)host->config_int(config, "max_header_bytes");
    srv->cfg.lim.max_headers = (size_t)host->config_int(config, "max_headers");
    srv->cfg.lim.max_body = (size_t)host->config_int(config, "max_body");
    srv->cfg.request_timeout_ms = host->config_int(config, "request_timeout");
    srv->cfg.idle_timeout_ms = host->config_int(config, "idle_timeout");
    srv->cfg.max_connections = (size_t)host->config_int(config, "max_connections");
    srv->cfg.ws_max_message = (size_t)host->config_int(config, "ws_max_message");
    srv->cfg.ws_send_queue = (size_t)host->config_int(config, "ws_send_queue");
    srv->cfg.ws_ping_ms = host->config_int(config, "ws_ping_interval");
    prefix = host->config_string(config, "static_prefix");
    plen = prefix ? strlen(prefix) : 0;
    if (plen < 1 || prefix[0] != '/' || prefix[plen - 1] != '/') {
        host->error_set(err, QUIRE_E_CONFIG, "%s: static_prefix '%s' must start and end with '/'",
                        host->config_origin(config, "static_prefix"), prefix ? prefix : "");
        goto fail_free_server;
    }
    srv->cfg.static_prefix = host->strdup(prefix);
    root = host->config_string(config, "static_root");
    if (root != NULL && root[0] != '\0') {
        char *real = realpath(root, NULL);
        if (real == NULL) {
            host->error_set(err, QUIRE_E_CONFIG, "%s: static_root '%s' is not a directory",
                            host->config_origin(config, "static_root"), root);
            goto fail_free_server;
        }
        srv->cfg.static_root = host->strdup(real);
        free(real);
    }
    *state = srv;
    return QUIRE_OK;

fail_free_server:
    free_server(srv);
    return QUIRE_ERR;
}

static int http_start(void *state, quire_error *err)
{
    http_server *srv = state;

    if (!srv->attached) {
        /* Loaded by a command that does not serve: nothing to start. */
        return QUIRE_OK;
    }
    if (srv->address == NULL) {
        srv->host->error_set(err, QUIRE_E_CONFIG, "http: start() without a listen address");
        return QUIRE_ERR;
    }
    srv->quiescing = srv->stopping = 0;
    if (http_listen_start(srv, err) != 0)
        return QUIRE_ERR;
    srv->started = 1;
    return QUIRE_OK;
}

static void http_stop(void *state)
{
    http_server *srv = state;

    if (!srv->started)
        return;
    srv->stopping = 1;
    http_listen_stop(srv);
    http_conn_close_all(srv);
    if (srv->unix_path != NULL) {
        unlink(srv->unix_path);
        srv->host->free(srv->unix_path);
        srv->unix_path = NULL;
    }
    srv->started = 0;
}

static void http_destroy(void *state)
{
    if (state != NULL)
        free_server(state);
}

/* ============================== Server ops ================================ */

static int http_listen(void *state, const char *address, quire_error *err)
{
    http_server *srv = state;
    char *copy;

    if (http_listen_check(srv->host, address, err) != 0)
        return QUIRE_ERR;
    copy = srv->host->strdup(address);
    if (copy == NULL) {
        srv->host->error_set(err, QUIRE_E_NOMEM, "http: out of memory");
        return QUIRE_ERR;
    }
    srv->host->free(srv->address);
    srv->address = copy;
    return QUIRE_OK;
}

static int http_attach(void *state, void *loop, const quire_server_handler *handler,
                       quire_error *err)
{
    http_server *srv = state;
    size_t n;

    if (loop == NULL || handler == NULL || handler->request == NULL) {
        srv->host->error_set(err, QUIRE_E_INVALID,
                             "http: attach() needs a loop and a request "
                             "callback");
        return QUIRE_ERR;
    }
    n = handler->size < sizeof(srv->handler) ? handler->size : sizeof(srv->handler);
    memset(&srv->handler, 0, sizeof(srv->handler));
    memcpy(&srv->handler, handler, n);
    srv->loop = loop;
    srv->attached = 1;
    return QUIRE_OK;
}

static size_t http_quiesce(void *state)
{
    http_server *srv = state;
    http_conn *c, *next;

    srv->quiescing = 1;
    http_listen_stop(srv);
    for (c = srv->conns; c != NULL; c = next) {
        next = c->next;
        if (c->reject || http_conn_idle(c))
            http_conn_kill(c);
    }
    return srv->nconns;
}

static size_t http_open_connections(void *state)
{
    return ((http_server *)state)->nconns;
}

static const quire_transport_ops http_ops = {
    .size = sizeof(quire_transport_ops),
    .scheme = "http",
    .listen = http_listen,
    .attach = http_attach,
    .quiesce = http_quiesce,
    .respond = http_x_respond,
    .stream_begin = http_x_stream_begin,
    .stream_write = http_x_stream_write,
    .stream_end = http_x_stream_end,
    .ws_accept = http_x_ws_accept,
    .ws_send = http_x_ws_send,
    .ws_close = http_x_ws_close,
    .open_connections = http_open_connections,
};

static const quire_plugin_desc http_desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_TRANSPORT),
    .name = "http",
    .version = "0.1.0",
    .license = "MIT",
    .description = "HTTP/1.1 and WebSocket transport for quire serve",
    .config = http_config_keys,
    .init = http_init,
    .start = http_start,
    .stop = http_stop,
    .destroy = http_destroy,
    .ops = &http_ops,
    .ops_size = sizeof(http_ops),
};

QUIRE_PLUGIN_DEFINE(http_desc)
