/*
 * http_ws_conn.c - WebSocket on a connection: checking an upgrade request
 * (RFC 6455 4.2.1), ws_accept (101 with Sec-WebSocket-Accept), ws_send
 * with the per-connection send-queue bound, ws_close, periodic pings with
 * a pong deadline, and ending the connection once the close handshake is
 * done (the server closes TCP first).
 */
#include <string.h>
#include <strings.h>

#include <wslay/wslay.h>

#include "http.h"

/* ============================== Upgrade check ============================= */

int http_ws_check(const quire_http_request *req, quire_exchange *x)
{
    const char *up = http_req_header(req, "upgrade");
    const char *key = http_req_header(req, "sec-websocket-key");
    const char *version = http_req_header(req, "sec-websocket-version");
    unsigned char raw[32];

    if (up == NULL || !http_token_in_list(up, "websocket"))
        return -1;
    if (strcmp(req->method, "GET") != 0 || x->http_minor != 1 ||
        !http_token_in_list(http_req_header(req, "connection"), "upgrade"))
        return 400;
    if (key == NULL || strlen(key) >= sizeof(x->ws_key) ||
        http_unbase64(key, raw, sizeof(raw)) != 16)
        return 400;
    if (version == NULL || strcmp(version, "13") != 0)
        return 426;
    memcpy(x->ws_key, key, strlen(key) + 1);
    return 0;
}

/* ============================== Session glue ============================== */

static void on_message(void *ud, int binary, const char *data, size_t len)
{
    http_conn *c = ud;
    http_server *srv = c->srv;

    if (c->ws_kernel_ended || c->dead || c->x == NULL || srv->handler.ws_message == NULL)
        return;
    srv->handler.ws_message(srv->handler.ctx, c->x, binary, data, len);
}

static void on_pong(void *ud)
{
    http_conn *c = ud;
    c->ws_awaiting_pong = 0;
}

void http_ws_conn_read(http_conn *c)
{
    int rc;

    http_conn_hold(c);
    c->ws_recv_active = 1;
    rc = http_ws_recv(c->ws);
    c->ws_recv_active = 0;
    if (rc != 0 && !c->close_after) {
        /* A framing error (a fragmented or oversized control frame, a bad
         * length): wslay stopped reading and queued a close. Send it, and
         * drop the connection within a second whatever happens. */
        c->ws_code = WSLAY_CODE_PROTOCOL_ERROR;
        c->close_after = 1;
        c->linger_until = ev_now(c->srv->loop) + 1.0;
        http_conn_timer_update(c);
    }
    http_conn_flush(c);
    http_conn_release(c);
}

void http_ws_conn_pump(http_conn *c)
{
    if (c->ws_recv_active)
        return;
    if (http_ws_send(c->ws) != 0) {
        http_conn_kill(c);
        return;
    }
    if (hbuf_pending(&c->out) > 0 || !http_ws_close_sent(c->ws))
        return;
    /* Our close frame is out. After the peer's close (or its protocol
     * error) the handshake is over: close TCP now. Else wait briefly for
     * its answer, draining input. */
    if (http_ws_read_done(c->ws)) {
        http_conn_kill(c);
    } else if (!c->close_after) {
        c->close_after = 1;
        c->linger_until = ev_now(c->srv->loop) + 1.0;
        http_conn_timer_update(c);
    }
}

void http_ws_conn_tick(http_conn *c)
{
    http_server *srv = c->srv;
    ev_tstamp now = ev_now(srv->loop);

    if (c->close_after) {
        if (now + 0.0005 >= c->linger_until)
            http_conn_kill(c);
        return;
    }
    if (srv->cfg.ws_ping_ms <= 0 || now + 0.0005 < c->ws_next_ping)
        return;
    if (c->ws_awaiting_pong) {
        /* No pong within a whole interval: the peer is gone. */
        c->ws_code = WSLAY_CODE_ABNORMAL_CLOSURE;
        http_conn_kill(c);
        return;
    }
    if (http_ws_queue(c->ws, WSLAY_PING, "quire", 5) == 0)
        c->ws_awaiting_pong = 1;
    c->ws_next_ping = now + (ev_tstamp)srv->cfg.ws_ping_ms / 1000.0;
    http_conn_flush(c);
}

/* ============================== Ops ======================================= */

int http_x_ws_accept(quire_exchange *x, const char *protocol)
{
    http_conn *c = x->c;
    http_server *srv = c->srv;
    const quire_host *host = srv->host;
    char accept[29];
    http_ws_io io = {&c->in, &c->out, on_message, on_pong, c};
    int fail;

    if (x->ws || x->streaming || c->x != x || c->dead || x->ws_key[0] == '\0')
        return -1;
    http_conn_hold(c);
    c->ws = http_ws_new(host, srv->cfg.ws_max_message, &io);
    if (c->ws == NULL) {
        http_conn_release(c);
        return -1;
    }
    x->ws = 1;
    http_ws_accept_value(x->ws_key, accept);
    fail = http_resp_status(host, &c->out, 101);
    fail |= http_resp_header(host, &c->out, "Upgrade", "websocket");
    fail |= http_resp_header(host, &c->out, "Connection", "Upgrade");
    fail |= http_resp_header(host, &c->out, "Sec-WebSocket-Accept", accept);
    if (protocol != NULL)
        fail |= http_resp_header(host, &c->out, "Sec-WebSocket-Protocol", protocol);
    fail |= hbuf_append(host, &c->out, "\r\n", 2);
    if (fail)
        http_conn_kill(c);
    c->ws_next_ping = ev_now(srv->loop) + (ev_tstamp)srv->cfg.ws_ping_ms / 1000.0;
    if (!c->dispatching)
        http_conn_advance(c); /* frames that came with the request */
    http_conn_release(c);
    return fail ? -1 : 0;
}

int http_x_ws_send(quire_exchange *x, int binary, const char *data, size_t len)
{
    http_conn *c = x->c;
    size_t queued;

    if (!x->ws || c->x != x || c->dead || c->ws_kernel_ended || http_ws_close_sent(c->ws))
        return -1;
    http_conn_hold(c);
    queued = http_ws_queued(c->ws) + hbuf_pending(&c->out);
    if (queued + len > c->srv->cfg.ws_send_queue) {
        /* A peer that does not read: 1008, then ws_closed(). */
        c->ws_code = WSLAY_CODE_POLICY_VIOLATION;
        http_ws_close(c->ws, WSLAY_CODE_POLICY_VIOLATION, "send queue full");
        http_conn_kill(c);
        http_conn_release(c);
        return -1;
    }
    if (http_ws_queue(c->ws, binary ? WSLAY_BINARY_FRAME : WSLAY_TEXT_FRAME, data, len) != 0) {
        http_conn_release(c);
        return -1;
    }
    http_conn_flush(c);
    http_conn_release(c);
    return 0;
}

void http_x_ws_close(quire_exchange *x, int code, const char *reason)
{
    http_conn *c = x->c;

    if (!x->ws || c->x != x || c->ws_kernel_ended)
        return;
    http_conn_hold(c);
    c->ws_kernel_ended = 1;
    if (!c->dead) {
        http_ws_close(c->ws, code, reason);
        http_conn_flush(c);
    }
    http_conn_release(c);
}
