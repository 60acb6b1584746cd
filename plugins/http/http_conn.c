/*
 * http_conn.c - one client connection: reads bytes, feeds them to the
 * request parser, hands complete requests to the kernel one at a time
 * (pipelined ones wait in the input buffer until the current exchange has
 * ended, so responses go out in request order), writes the output buffer
 * with the write watcher armed only while output is pending, and keeps one
 * timer for whichever deadline applies: request_timeout while a request
 * arrives (408), idle_timeout between requests, the ping interval of a
 * WebSocket, or the lingering close.
 *
 * Re-entrancy: the kernel may answer from inside request(), and a write
 * error may surface anywhere. Every entry point holds the connection;
 * http_conn_kill() only marks it, and the last release destroys it, which
 * is where the kernel learns through closed()/ws_closed() that an exchange
 * it still held is gone.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http.h"

/* How long a closing connection drains the peer's input after our last
 * byte, so unread request bytes do not turn our answer into a reset. */
#define LINGER_SECONDS 1.0
/* Input kept while the kernel works on an exchange; reading pauses there. */
#define IN_PAUSE_BYTES (256 * 1024)

/* ============================== Lifetime ================================== */

static void conn_destroy(http_conn *c)
{
    http_server *srv = c->srv;
    const quire_host *host = srv->host;
    quire_exchange *x = c->x;

    ev_io_stop(srv->loop, &c->rio);
    ev_io_stop(srv->loop, &c->wio);
    ev_timer_stop(srv->loop, &c->timer);
    close(c->fd);
    if (c->prev)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    if (c->reject)
        srv->nreject--;
    else
        srv->nconns--;
    c->x = NULL;
    if (x != NULL) {
        if (x->ws) {
            if (!c->ws_kernel_ended && srv->handler.ws_closed)
                srv->handler.ws_closed(srv->handler.ctx, x,
                                       c->ws_code ? c->ws_code : http_ws_code(c->ws));
        } else if (srv->handler.closed) {
            srv->handler.closed(srv->handler.ctx, x);
        }
        host->free(x);
    }
    http_static_free(c);
    http_ws_free(c->ws);
    http_req_free(&c->rp);
    hbuf_free(host, &c->in);
    hbuf_free(host, &c->out);
    host->free(c);
}

void http_conn_hold(http_conn *c)
{
    c->busy++;
}

void http_conn_release(http_conn *c)
{
    if (--c->busy == 0 && c->dead)
        conn_destroy(c);
}

void http_conn_kill(http_conn *c)
{
    if (c->dead)
        return;
    c->dead = 1;
    ev_io_stop(c->srv->loop, &c->rio);
    ev_io_stop(c->srv->loop, &c->wio);
    ev_timer_stop(c->srv->loop, &c->timer);
    if (c->busy == 0)
        conn_destroy(c);
}

int http_conn_idle(const http_conn *c)
{
    return c->x == NULL && c->file == NULL && c->ws == NULL && !c->rp.started &&
           hbuf_pending(&c->out) == 0;
}

int http_conn_will_close(const http_conn *c, const quire_exchange *x)
{
    if (c->close_after || c->srv->quiescing || c->srv->stopping || x == NULL)
        return 1;
    return !x->keep_alive || x->upgrade;
}

/* ============================== Timer ===================================== */

void http_conn_timer_update(http_conn *c)
{
    http_server *srv = c->srv;
    ev_tstamp now = ev_now(srv->loop), at;

    if (c->dead)
        return;
    ev_timer_stop(srv->loop, &c->timer);
    if (c->lingering)
        at = c->linger_until;
    else if (c->ws != NULL && c->close_after)
        at = c->linger_until;
    else if (c->ws != NULL)
        at = srv->cfg.ws_ping_ms > 0 ? c->ws_next_ping : 0;
    else if (c->x != NULL)
        at = 0; /* the kernel decides */
    else if (c->file != NULL || c->close_after || hbuf_pending(&c->out) > 0)
        at = c->idle_since + (ev_tstamp)srv->cfg.idle_timeout_ms / 1000.0; /* write progress */
    else if (c->rp.started)
        at = c->req_start + (ev_tstamp)srv->cfg.request_timeout_ms / 1000.0;
    else
        at = c->idle_since + (ev_tstamp)srv->cfg.idle_timeout_ms / 1000.0;
    if (at <= 0)
        return;
    ev_timer_set(&c->timer, at > now ? at - now : 0.0, 0.0);
    ev_timer_start(srv->loop, &c->timer);
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
    http_conn *c = w->data;
    ev_tstamp now = ev_now(loop) + 0.0005;
    char msg[96];

    (void)revents;
    http_conn_hold(c);
    if (c->lingering) {
        if (now >= c->linger_until)
            http_conn_kill(c);
    } else if (c->ws != NULL) {
        http_ws_conn_tick(c);
    } else if (c->x != NULL) {
        /* the kernel holds an exchange: no deadline of ours */
    } else if (c->file != NULL || c->close_after || hbuf_pending(&c->out) > 0) {
        /* A client that stopped reading our answer. */
        if (now >= c->idle_since + (ev_tstamp)c->srv->cfg.idle_timeout_ms / 1000.0)
            http_conn_kill(c);
    } else {
        if (c->rp.started) {
            if (now >= c->req_start + (ev_tstamp)c->srv->cfg.request_timeout_ms / 1000.0) {
                snprintf(msg, sizeof(msg), "request not complete within %lld ms\n",
                         (long long)c->srv->cfg.request_timeout_ms);
                http_conn_simple(c, NULL, 408, msg, 1, NULL, NULL);
                http_conn_flush(c);
            }
        } else if (now >= c->idle_since + (ev_tstamp)c->srv->cfg.idle_timeout_ms / 1000.0) {
            http_conn_kill(c);
        }
    }
    http_conn_timer_update(c);
    http_conn_release(c);
}

/* ============================== Writing =================================== */

static void start_linger(http_conn *c)
{
    shutdown(c->fd, SHUT_WR);
    c->lingering = 1;
    c->linger_until = ev_now(c->srv->loop) + LINGER_SECONDS;
    hbuf_consume(&c->in, hbuf_pending(&c->in));
    if (c->read_stopped) {
        c->read_stopped = 0;
        ev_io_start(c->srv->loop, &c->rio);
    }
    http_conn_timer_update(c);
}

void http_conn_flush(http_conn *c)
{
    if (c->dead || c->lingering)
        return;
    http_conn_hold(c);
    for (int rounds = 0; rounds < 256 && !c->dead; rounds++) {
        size_t pending = hbuf_pending(&c->out);
        ssize_t n;

        if (pending == 0) {
            if (c->file != NULL && http_static_pump(c) != 0) {
                http_conn_kill(c);
                break;
            }
            if (c->ws != NULL)
                http_ws_conn_pump(c);
            if (c->dead || c->lingering)
                break;
            pending = hbuf_pending(&c->out);
            if (pending == 0)
                break;
        }
        n = send(c->fd, c->out.data + c->out.pos, pending, MSG_NOSIGNAL);
        if (n > 0) {
            hbuf_consume(&c->out, (size_t)n);
            c->idle_since = ev_now(c->srv->loop); /* progress */
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        http_conn_kill(c);
    }
    if (!c->dead && !c->lingering) {
        if (hbuf_pending(&c->out) > 0) {
            ev_io_start(c->srv->loop, &c->wio);
        } else {
            ev_io_stop(c->srv->loop, &c->wio);
            if (c->close_after && c->x == NULL && c->file == NULL && c->ws == NULL)
                start_linger(c);
        }
    }
    http_conn_release(c);
}

void http_conn_simple(http_conn *c, quire_exchange *x, int status, const char *body, int close,
                      const char *extra_name, const char *extra_value)
{
    const quire_host *host = c->srv->host;
    size_t len = strlen(body);
    int fail = 0;

    if (x != NULL && http_conn_will_close(c, x))
        close = 1;
    fail |= http_resp_status(host, &c->out, status);
    fail |= http_resp_header(host, &c->out, "Content-Type", "text/plain; charset=utf-8");
    if (extra_name != NULL)
        fail |= http_resp_header(host, &c->out, extra_name, extra_value);
    fail |= hbuf_printf(host, &c->out, "Content-Length: %zu\r\n", len);
    if (close)
        fail |= http_resp_header(host, &c->out, "Connection", "close");
    else if (x != NULL && x->http_minor == 0)
        fail |= http_resp_header(host, &c->out, "Connection", "keep-alive");
    fail |= hbuf_append(host, &c->out, "\r\n", 2);
    if (x == NULL || !x->head)
        fail |= hbuf_append(host, &c->out, body, len);
    if (fail)
        http_conn_kill(c);
    if (close)
        c->close_after = 1;
}

/* ============================== Dispatch ================================== */

static int under_static_prefix(const http_server *srv, const char *path)
{
    return srv->cfg.static_root != NULL &&
           strncmp(path, srv->cfg.static_prefix, strlen(srv->cfg.static_prefix)) == 0;
}

static void dispatch(http_conn *c)
{
    http_server *srv = c->srv;
    const quire_host *host = srv->host;
    quire_http_request *req = &c->rp.req;
    quire_exchange *x = host->calloc(1, sizeof(*x));
    int ws;

    c->sent_continue = 0;
    if (x == NULL) {
        http_conn_kill(c);
        return;
    }
    x->c = c;
    x->head = strcmp(req->method, "HEAD") == 0;
    x->http_minor = c->rp.p.http_major == 1 ? c->rp.p.http_minor : 0;
    x->keep_alive = http_should_keep_alive(&c->rp.p);
    x->upgrade = c->rp.p.upgrade;
    x->accept_gzip = http_accepts_gzip(http_req_header(req, "accept-encoding"));
    req->remote = c->remote;
    req->connection_id = c->id;
    ws = http_ws_check(req, x);
    if (c->rp.path_has_nul) {
        if (under_static_prefix(srv, req->path))
            http_conn_simple(c, x, 404, "not found\n", 0, NULL, NULL);
        else
            http_conn_simple(c, x, 400, "NUL byte in the request path\n", 1, NULL, NULL);
    } else if (ws > 0) {
        /* An upgrade we refuse ourselves: the kernel's answer would not
         * matter (RFC 6455 4.2.2). */
        x->upgrade = 1;
        if (ws == 426)
            http_conn_simple(c, x, 426, "unsupported WebSocket version (13 is supported)\n", 1,
                             "Sec-WebSocket-Version", "13");
        else
            http_conn_simple(c, x, 400, "bad WebSocket upgrade request\n", 1, NULL, NULL);
    } else if (http_static_try(c, x, req)) {
        /* answered, or the file streams from c->file */
    } else {
        req->websocket = ws == 0;
        if (ws == 0)
            x->upgrade = 1; /* unless accepted, close after the answer */
        c->x = x;
        c->dispatching = 1;
        srv->handler.request(srv->handler.ctx, req, x);
        c->dispatching = 0;
        x = NULL; /* the kernel's now (or already ended and freed) */
    }
    host->free(x);
    http_req_reset(&c->rp);
    c->idle_since = ev_now(srv->loop);
}

void http_conn_exchange_done(http_conn *c)
{
    quire_exchange *x = c->x;

    if (x == NULL)
        return;
    c->x = NULL;
    c->srv->host->free(x);
    c->idle_since = ev_now(c->srv->loop);
    if (!c->dispatching)
        http_conn_advance(c);
}

/* Parses buffered input and dispatches complete requests while nothing
 * else is in the way (an exchange the kernel holds, a file being sent, a
 * closing connection). */
static void parse_some(http_conn *c)
{
    http_server *srv = c->srv;

    for (int rounds = 0; rounds < 1024 && !c->dead; rounds++) {
        size_t pending = hbuf_pending(&c->in), used;
        int r;

        if (c->ws != NULL) {
            if (!c->ws_recv_active)
                http_ws_conn_read(c);
            break;
        }
        if (c->x != NULL || c->file != NULL || c->close_after || c->lingering || pending == 0)
            break;
        if (!c->rp.started)
            c->req_start = ev_now(srv->loop);
        r = http_req_feed(&c->rp, c->in.data + c->in.pos, pending, &used);
        hbuf_consume(&c->in, used);
        if (r == HTTP_REQ_MORE) {
            if (c->rp.expect_continue && c->rp.headers_done && !c->sent_continue) {
                c->sent_continue = 1;
                if (hbuf_printf(srv->host, &c->out, "HTTP/1.1 100 Continue\r\n\r\n") != 0)
                    http_conn_kill(c);
            }
            break;
        }
        if (r == HTTP_REQ_ERROR) {
            char body[sizeof(c->rp.err_msg) + 2];
            snprintf(body, sizeof(body), "%s\n", c->rp.err_msg);
            http_conn_simple(c, NULL, c->rp.err_status, body, 1, NULL, NULL);
            break;
        }
        dispatch(c);
    }
}

void http_conn_advance(http_conn *c)
{
    if (c->dead)
        return;
    http_conn_hold(c);
    for (int rounds = 0; rounds < 64 && !c->dead; rounds++) {
        int had_file = c->file != NULL;
        parse_some(c);
        http_conn_flush(c);
        /* A static file that finished while flushing lets the next
         * pipelined request in. */
        if (c->dead || !had_file || c->file != NULL || c->x != NULL || hbuf_pending(&c->in) == 0)
            break;
    }
    if (!c->dead && !c->lingering) {
        int pause = (c->x != NULL || c->file != NULL) && hbuf_pending(&c->in) >= IN_PAUSE_BYTES;
        if (pause && !c->read_stopped) {
            ev_io_stop(c->srv->loop, &c->rio);
            c->read_stopped = 1;
        } else if (!pause && c->read_stopped) {
            ev_io_start(c->srv->loop, &c->rio);
            c->read_stopped = 0;
        }
    }
    http_conn_timer_update(c);
    http_conn_release(c);
}

/* ============================== Reading =================================== */

static void on_read(struct ev_loop *loop, ev_io *w, int revents)
{
    http_conn *c = w->data;
    const quire_host *host = c->srv->host;

    (void)loop;
    (void)revents;
    http_conn_hold(c);
    for (int rounds = 0; rounds < 16 && !c->dead; rounds++) {
        size_t room;
        ssize_t n;

        if (hbuf_reserve(host, &c->in, 16384) != 0) {
            http_conn_kill(c);
            break;
        }
        room = c->in.cap - c->in.len - 1;
        n = recv(c->fd, c->in.data + c->in.len, room, 0);
        if (n > 0) {
            c->in.len += (size_t)n;
            if (c->lingering)
                hbuf_consume(&c->in, hbuf_pending(&c->in));
            if ((size_t)n < room)
                break;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        /* EOF or error: the client is gone. */
        http_conn_kill(c);
    }
    if (!c->dead && !c->lingering)
        http_conn_advance(c);
    http_conn_release(c);
}

static void on_write(struct ev_loop *loop, ev_io *w, int revents)
{
    http_conn *c = w->data;

    (void)loop;
    (void)revents;
    http_conn_hold(c);
    http_conn_advance(c);
    http_conn_release(c);
}

/* ============================== Creation and stop ========================= */

void http_conn_new(http_server *srv, int fd, const char *remote, int reject)
{
    http_conn *c = srv->host->calloc(1, sizeof(*c));

    if (c == NULL) {
        close(fd);
        return;
    }
    c->srv = srv;
    c->fd = fd;
    c->id = ++srv->next_id;
    c->reject = reject;
    snprintf(c->remote, sizeof(c->remote), "%s", remote);
    http_req_init(&c->rp, srv->host, &srv->cfg.lim);
    ev_io_init(&c->rio, on_read, fd, EV_READ);
    ev_io_init(&c->wio, on_write, fd, EV_WRITE);
    ev_init(&c->timer, on_timer);
    c->rio.data = c->wio.data = c->timer.data = c;
    c->next = srv->conns;
    if (srv->conns)
        srv->conns->prev = c;
    srv->conns = c;
    if (reject)
        srv->nreject++;
    else
        srv->nconns++;
    c->idle_since = ev_now(srv->loop);
    ev_io_start(srv->loop, &c->rio);
    http_conn_hold(c);
    if (reject) {
        http_conn_simple(c, NULL, 503, "too many connections\n", 1, "Retry-After", "1");
        http_conn_flush(c);
    }
    http_conn_timer_update(c);
    http_conn_release(c);
}

void http_conn_close_all(http_server *srv)
{
    /* Bounded by the list: each round removes its head. */
    while (srv->conns != NULL) {
        http_conn_kill(srv->conns);
    }
}
