/*
 * quire/transport.h - the transport plugin kind (QUIRE_KIND_TRANSPORT).
 *
 * A transport carries requests between clients and the kernel: the `http`
 * plugin speaks HTTP/1.1 and WebSocket. The transport owns the sockets and
 * the protocol (parsing, limits, keep-alive, chunking, compression, framing);
 * the kernel owns what a request means (routing, auth, the REST API, jobs).
 *
 * Lifecycle under `quire serve`:
 *
 *   init()                       the plugin's configuration is validated
 *   listen(address)              where to listen; refuse what cannot be served
 *   attach(loop, handler)        (1.5) the kernel's libev loop and its handler
 *   start()                      bind and accept
 *   ... requests ...
 *   quiesce()                    (1.5) stop accepting, finish what is running
 *   stop()                       close every connection
 *
 * Threading (1.5): listen() and attach() run on the main thread before
 * start(). From start() to stop() everything runs on the kernel's event-loop
 * thread: the transport's watchers, the handler callbacks it makes and every
 * op the kernel calls on an exchange. No op is called from any other thread;
 * a kernel worker that has something to send posts it to the loop first.
 * The loop is a libev `struct ev_loop *`, passed as void * so this header
 * does not include ev.h; the plugin links libev itself (the process has one
 * libev, so the loop is shared).
 */
#ifndef QUIRE_TRANSPORT_H
#define QUIRE_TRANSPORT_H

#include "plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ============================== Requests (1.5) ============================ */

/* One request header. Names are lower-cased by the transport; values are
 * trimmed of surrounding blanks. Repeated headers appear repeatedly. */
typedef struct quire_http_header {
    const char *name;
    const char *value;
} quire_http_header;

/*
 * One complete request, body included (the transport enforces its size
 * limit before the handler sees anything). Every pointer is owned by the
 * transport and valid only during the request() callback: a handler that
 * answers later copies what it needs.
 */
typedef struct quire_http_request {
    uint32_t size;      /* sizeof(quire_http_request) as built */
    const char *method; /* "GET", "POST", ... (upper case) */
    const char *target; /* the raw request target: "/v1/jobs?state=running" */
    const char *path;   /* percent-decoded path, no query: "/v1/jobs" */
    const char *query;  /* raw query after '?', "" when none */
    const quire_http_header *headers;
    size_t nheaders;
    const char *body; /* NUL-terminated for convenience; body_len excludes it */
    size_t body_len;
    const char *remote; /* peer address: "127.0.0.1:53422" or "unix" */
    /* Non-zero when this is a valid RFC 6455 upgrade request (GET, HTTP/1.1,
     * Upgrade/Connection, a 16-byte key, version 13). The handler either
     * accepts it with ws_accept() or answers it like any request. */
    int websocket;
    uint64_t connection_id; /* stable for the connection's life; for logs */
} quire_http_request;

/* A request being answered. Opaque; owned by the transport. */
typedef struct quire_exchange quire_exchange;

/* ============================== Kernel handler (1.5) ====================== */

/* WebSocket close codes the kernel may pass to ws_close() (RFC 6455 7.4.1). */
#define QUIRE_WS_NORMAL     1000
#define QUIRE_WS_GOING_AWAY 1001
#define QUIRE_WS_POLICY     1008
#define QUIRE_WS_TOO_BIG    1009
#define QUIRE_WS_INTERNAL   1011

/*
 * What the kernel gives the transport in attach(). Every callback runs on
 * the loop thread.
 *
 * Lifetime of an exchange: it is born in request() and stays valid until
 * the kernel ends it, by respond(), by stream_end(), or, for an accepted
 * WebSocket, by ws_close() or the transport's ws_closed() callback. If the
 * client goes away first the transport calls closed() once, and from then
 * on the kernel must not touch the exchange. After the kernel has ended an
 * exchange the transport calls nothing more for it.
 */
typedef struct quire_server_handler {
    uint32_t size; /* sizeof(quire_server_handler) as the kernel built it */
    void *ctx;     /* passed back to every callback */
    /* A complete request. The kernel answers now or later (it may wait for
     * Redis or a worker). Requests pipelined on one connection reach the
     * handler one at a time: the next only after this one is ended. */
    void (*request)(void *ctx, const quire_http_request *req, quire_exchange *x);
    /* The client went away before the kernel ended x (a dropped SSE stream,
     * a deferred answer nobody waits for). x is freed when this returns. */
    void (*closed)(void *ctx, quire_exchange *x);
    /* A whole WebSocket message (fragments joined, text already checked as
     * UTF-8, within the configured size). `data` is valid during the call. */
    void (*ws_message)(void *ctx, quire_exchange *x, int binary, const char *data, size_t len);
    /* The WebSocket closed (close frame, error or timeout); `code` is the
     * peer's close code, or 1006 when the connection just dropped. x is
     * freed when this returns. */
    void (*ws_closed)(void *ctx, quire_exchange *x, int code);
} quire_server_handler;

/* ============================== Ops ======================================= */

typedef struct quire_transport_ops {
    uint32_t size; /* sizeof(quire_transport_ops) when built */
    /* The protocol scheme this transport serves: "http". */
    const char *scheme;
    /* Record the address to listen on ("127.0.0.1:8080", "[::1]:8080",
     * "unix:/run/q.sock"). Refuse an address the transport cannot serve.
     * Does not bind yet. Called once per start(); after a reload it may be
     * called again with a new address before the next start(). */
    int (*listen)(void *state, const char *address, quire_error *err);

    /* ---- 1.5: serving. All optional as a group: a transport that has
     * attach must have every op below. ---- */

    /* Hand over the loop (a `struct ev_loop *`) and the kernel's handler;
     * `handler` stays valid until stop() returns. Main thread, before
     * start(). */
    int (*attach)(void *state, void *ev_loop, const quire_server_handler *handler,
                  quire_error *err);
    /* Stop accepting and close idle keep-alive connections; exchanges in
     * flight, open streams and WebSockets go on until the kernel ends them
     * or stop() runs. Returns the number of connections still open. */
    size_t (*quiesce)(void *state);

    /* Answer x in one piece and end it. `headers` are extra response
     * headers (Content-Type among them); the transport adds Date,
     * Content-Length, Connection and, when the client accepts gzip and the
     * body is text larger than a kilobyte, compresses it. The transport
     * copies what it needs before returning. status: 100-599. */
    void (*respond)(quire_exchange *x, int status, const quire_http_header *headers,
                    size_t nheaders, const char *body, size_t len);
    /* Start a streamed answer (chunked transfer encoding; Server-Sent Events
     * use it). Then stream_write() any number of times and stream_end(). */
    void (*stream_begin)(quire_exchange *x, int status, const quire_http_header *headers,
                         size_t nheaders);
    /* Queue bytes of a streamed answer. Returns 0, or -1 when the client's
     * send queue is over its bound (the transport then closes the
     * connection and calls closed(); the kernel stops writing). */
    int (*stream_write)(quire_exchange *x, const char *data, size_t len);
    void (*stream_end)(quire_exchange *x);

    /* Accept a WebSocket upgrade request (req->websocket was set):
     * answers 101 with `protocol` as Sec-WebSocket-Protocol when not NULL.
     * From here on x is a WebSocket until ws_close() or ws_closed(). */
    int (*ws_accept)(quire_exchange *x, const char *protocol);
    /* Queue one message. Returns 0, or -1 when the connection's send queue
     * is over its bound (the transport closes it with 1008 and calls
     * ws_closed()). */
    int (*ws_send)(quire_exchange *x, int binary, const char *data, size_t len);
    /* Start the close handshake with `code` and a short reason; x ends here
     * for the kernel (no ws_closed() follows). */
    void (*ws_close)(quire_exchange *x, int code, const char *reason);

    /* Counters for /metrics, read on the loop thread. */
    size_t (*open_connections)(void *state);
} quire_transport_ops;

#define QUIRE_TRANSPORT_OPS_MIN_SIZE                                                               \
    (offsetof(quire_transport_ops, listen) + sizeof(void (*)(void)))

#ifdef __cplusplus
}
#endif

#endif /* QUIRE_TRANSPORT_H */
