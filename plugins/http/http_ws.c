/*
 * http_ws.c - one server-side WebSocket session on wslay, reading from and
 * writing to memory buffers (the connection moves bytes to and from the
 * socket; the fuzzer feeds frames directly).
 *
 * wslay checks masking, RSV bits, opcodes, fragmentation, UTF-8 across
 * fragments (1007), the message size (1009, max_recv_msg_length) and close
 * codes (1002), answers pings and echoes the peer's close code. What it
 * lets through and RFC 6455 forbids is checked here: a close frame with a
 * one-byte payload (1002).
 */
#include <string.h>

#include <wslay/wslay.h>

#include "http.h"

struct http_ws {
    const quire_host *host;
    wslay_event_context_ptr ctx;
    http_ws_io io;
    int proto_error; /* a code we closed with for the peer's fault */
};

/* ============================== wslay callbacks =========================== */

static ssize_t recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags, void *ud)
{
    http_ws *ws = ud;
    size_t n = hbuf_pending(ws->io.in);

    (void)flags;
    if (n == 0) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    if (n > len)
        n = len;
    memcpy(buf, ws->io.in->data + ws->io.in->pos, n);
    hbuf_consume(ws->io.in, n);
    return (ssize_t)n;
}

static ssize_t send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags,
                       void *ud)
{
    http_ws *ws = ud;

    (void)flags;
    if (hbuf_pending(ws->io.out) >= HTTP_OUT_LOW_WATER) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    if (hbuf_append(ws->host, ws->io.out, data, len) != 0) {
        wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
        return -1;
    }
    return (ssize_t)len;
}

static void frame_start_cb(wslay_event_context_ptr ctx,
                           const struct wslay_event_on_frame_recv_start_arg *arg, void *ud)
{
    http_ws *ws = ud;

    /* RFC 6455 5.5.1: a close body is empty or at least a 2-byte code. */
    if (arg->opcode == WSLAY_CONNECTION_CLOSE && arg->payload_length == 1) {
        ws->proto_error = WSLAY_CODE_PROTOCOL_ERROR;
        wslay_event_queue_close(ctx, WSLAY_CODE_PROTOCOL_ERROR, NULL, 0);
        wslay_event_shutdown_read(ctx);
    }
}

static void msg_cb(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg,
                   void *ud)
{
    http_ws *ws = ud;

    (void)ctx;
    if (ws->proto_error != 0)
        return;
    if (arg->opcode == WSLAY_TEXT_FRAME || arg->opcode == WSLAY_BINARY_FRAME) {
        if (ws->io.on_message)
            ws->io.on_message(ws->io.ud, arg->opcode == WSLAY_BINARY_FRAME, (const char *)arg->msg,
                              arg->msg_length);
    } else if (arg->opcode == WSLAY_PONG) {
        if (ws->io.on_pong)
            ws->io.on_pong(ws->io.ud);
    }
}

/* ============================== Public ==================================== */

http_ws *http_ws_new(const quire_host *host, size_t max_message, const http_ws_io *io)
{
    struct wslay_event_callbacks cbs = {
        .recv_callback = recv_cb,
        .send_callback = send_cb,
        .on_frame_recv_start_callback = frame_start_cb,
        .on_msg_recv_callback = msg_cb,
    };
    http_ws *ws = host->calloc(1, sizeof(*ws));

    if (ws == NULL)
        return NULL;
    ws->host = host;
    ws->io = *io;
    if (wslay_event_context_server_init(&ws->ctx, &cbs, ws) != 0) {
        host->free(ws);
        return NULL;
    }
    wslay_event_config_set_max_recv_msg_length(ws->ctx, max_message);
    return ws;
}

void http_ws_free(http_ws *ws)
{
    if (ws == NULL)
        return;
    wslay_event_context_free(ws->ctx);
    ws->host->free(ws);
}

int http_ws_recv(http_ws *ws)
{
    if (!wslay_event_get_read_enabled(ws->ctx)) {
        /* Nothing more is read: what still arrives is dropped. */
        hbuf_consume(ws->io.in, hbuf_pending(ws->io.in));
        return 0;
    }
    return wslay_event_recv(ws->ctx) == 0 ? 0 : -1;
}

int http_ws_send(http_ws *ws)
{
    int rc;

    if (!wslay_event_want_write(ws->ctx))
        return 0;
    rc = wslay_event_send(ws->ctx);
    return rc == 0 ? 0 : -1;
}

int http_ws_queue(http_ws *ws, int opcode, const void *data, size_t len)
{
    struct wslay_event_msg msg = {(uint8_t)opcode, data, len};

    return wslay_event_queue_msg(ws->ctx, &msg) == 0 ? 0 : -1;
}

int http_ws_close(http_ws *ws, int code, const char *reason)
{
    size_t rlen = reason ? strlen(reason) : 0;

    if (rlen > 123)
        rlen = 123;
    return wslay_event_queue_close(ws->ctx, (uint16_t)code, (const uint8_t *)reason, rlen) == 0
               ? 0
               : -1;
}

size_t http_ws_queued(const http_ws *ws)
{
    return wslay_event_get_queued_msg_length(ws->ctx);
}

int http_ws_close_sent(const http_ws *ws)
{
    return wslay_event_get_close_sent(ws->ctx);
}

int http_ws_read_done(const http_ws *ws)
{
    return !wslay_event_get_read_enabled(ws->ctx);
}

int http_ws_code(const http_ws *ws)
{
    int recv =
        wslay_event_get_close_received(ws->ctx) ? wslay_event_get_status_code_received(ws->ctx) : 0;

    if (ws->proto_error != 0)
        return ws->proto_error;
    if (recv != 0 && recv != WSLAY_CODE_ABNORMAL_CLOSURE)
        return recv;
    if (wslay_event_get_close_sent(ws->ctx)) {
        int sent = wslay_event_get_status_code_sent(ws->ctx);
        if (sent != 0 && sent != WSLAY_CODE_ABNORMAL_CLOSURE && sent != WSLAY_CODE_NO_STATUS_RCVD)
            return sent;
    }
    return WSLAY_CODE_ABNORMAL_CLOSURE;
}
