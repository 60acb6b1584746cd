/*
 * http.h - internal interfaces of the http transport plugin, shared by its
 * files and by the fuzzers (tests/fuzz/fuzz_http.c, fuzz_ws.c), which
 * compile some of them directly:
 *
 *   http_buf.c       growable byte buffers
 *   http_request.c   libhttp-parser callbacks -> quire_http_request, limits
 *   http_response.c  status line and headers, gzip (zlib)
 *   http_sha1.c      SHA-1 and base64 for the WebSocket handshake
 *   http_ws.c        one WebSocket session on wslay, fed from memory
 *   http_ws_conn.c   upgrade checks, ws_accept/ws_send/ws_close, pings
 *   http_static.c    static files under static_prefix
 *   http_conn.c      one connection: reading, dispatch, writing, timers
 *   http_exchange.c  respond / stream_* ops on an exchange
 *   http_listen.c    addresses, bind, accept, the connection limit
 *   http_plugin.c    descriptor, config schema, lifecycle, ops table
 *
 * Threading: from start() to stop() everything runs on the kernel's loop
 * thread, so nothing here locks. Memory comes from the host table.
 * Nothing here is part of the plugin ABI.
 */
#ifndef QUIRE_HTTP_H
#define QUIRE_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <ev.h>
#include <http_parser.h>
#include <zlib.h>

#include <quire/transport.h>

/* Output bytes a connection keeps queued before it stops pulling more from
 * a file or the WebSocket queue. */
#define HTTP_OUT_LOW_WATER (64 * 1024)

/* ============================== Buffers (http_buf.c) ====================== */

/* Bytes [pos, len) of data are pending; cap is the allocation. */
typedef struct hbuf {
    char *data;
    size_t pos, len, cap;
} hbuf;

/* Makes room for `extra` more bytes after len. 0, or -1 when out of memory. */
int hbuf_reserve(const quire_host *host, hbuf *b, size_t extra);
/* Appends n bytes. 0 or -1 (out of memory: b unchanged). */
int hbuf_append(const quire_host *host, hbuf *b, const void *data, size_t n);
/* Appends formatted text (no NUL counted). 0 or -1. */
int hbuf_printf(const quire_host *host, hbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Pending bytes. */
size_t hbuf_pending(const hbuf *b);
/* Marks n pending bytes as used; an emptied buffer restarts at 0. */
void hbuf_consume(hbuf *b, size_t n);
/* Frees the memory; b reads as empty afterwards. */
void hbuf_free(const quire_host *host, hbuf *b);

/* ============================== Request parsing (http_request.c) ========== */

typedef struct http_limits {
    size_t max_header_bytes; /* request line + headers; 431 over it */
    size_t max_headers;      /* header count; 431 over it */
    size_t max_body;         /* body bytes; 413 over it */
} http_limits;

enum { HTTP_REQ_MORE = 0, HTTP_REQ_DONE = 1, HTTP_REQ_ERROR = -1 };

/* Builds one request at a time from bytes fed in any split. Owns its
 * buffers; the request it builds is valid until the next reset or free. */
typedef struct http_reqparser {
    const quire_host *host;
    const http_limits *lim;
    http_parser p;
    hbuf text;                 /* url\0 then name\0value\0 per header */
    size_t *offs;              /* per header: name offset, value offset */
    size_t nheaders, offs_cap; /* offs holds 2 * offs_cap entries */
    int phase;                 /* 0 url, 1 header name, 2 header value */
    hbuf body;
    size_t header_bytes;
    int started;         /* a byte of this request arrived */
    int headers_done;    /* the header block is complete */
    int complete;        /* the whole request is in */
    int expect_continue; /* Expect: 100-continue on an HTTP/1.1 request */
    int err_status;      /* set with err_msg when feeding failed */
    char err_msg[200];
    int path_has_nul; /* the decoded path had %00 (cut there) */
    quire_http_header *headers;
    char *path;
    quire_http_request req;
} http_reqparser;

/* Prepares rp; `lim` must outlive it. Free with http_req_free(). */
void http_req_init(http_reqparser *rp, const quire_host *host, const http_limits *lim);
/* Forgets the current request; the next byte fed starts a new one. */
void http_req_reset(http_reqparser *rp);
/* Frees rp's buffers (the request it built goes with them). */
void http_req_free(http_reqparser *rp);
/* Feeds bytes; *used says how many were consumed. Returns HTTP_REQ_MORE
 * (all used, need more), HTTP_REQ_DONE (rp->req is complete; bytes after
 * *used belong to the next request or, after an upgrade, to WebSocket) or
 * HTTP_REQ_ERROR (rp->err_status and err_msg say what to answer). */
int http_req_feed(http_reqparser *rp, const char *data, size_t len, size_t *used);
/* The first header named `name` (lower case) of the built request, or NULL. */
const char *http_req_header(const quire_http_request *req, const char *name);
/* 1 if the comma-separated list `value` holds `token` (case-insensitive). */
int http_token_in_list(const char *value, const char *token);

/* ============================== Responses (http_response.c) =============== */

/* Appends "HTTP/1.1 status reason", Date and Server. 0 or -1. */
int http_resp_status(const quire_host *host, hbuf *out, int status);
/* Appends one "name: value" header line. 0 or -1. */
int http_resp_header(const quire_host *host, hbuf *out, const char *name, const char *value);
/* 1 if an Accept-Encoding value allows gzip (q=0 refuses it). */
int http_accepts_gzip(const char *accept_encoding);
/* 1 if a Content-Type is worth compressing (text, JSON, JS, SVG, XML). */
int http_compressible(const char *content_type);
/* Compresses len bytes in one go into out (gzip wrapper). 0 or -1. */
int http_gzip(const quire_host *host, const char *in, size_t len, hbuf *out);
/* Streaming gzip: init, then feed with finish=1 on the last call. */
int http_gzip_begin(z_stream *z); /* 0 or -1; end with http_gzip_end */
/* Appends the compressed bytes of `in` to out. 0 or -1. */
int http_gzip_feed(const quire_host *host, z_stream *z, const char *in, size_t len, int finish,
                   hbuf *out);
void http_gzip_end(z_stream *z); /* frees zlib's state */
/* Formats an RFC 7231 date for time t into buf (at least 32 bytes). */
void http_date(int64_t t, char *buf, size_t cap);

/* ============================== SHA-1, base64 (http_sha1.c) =============== */

/* The SHA-1 digest of len bytes. */
void http_sha1(const void *data, size_t len, unsigned char digest[20]);
/* Writes the base64 of n bytes and a NUL into out (4 * ((n + 2) / 3) + 1). */
void http_base64(const unsigned char *in, size_t n, char *out);
/* Decodes padded base64; returns the decoded length or -1 if not valid
 * base64 or longer than cap. */
long http_unbase64(const char *in, unsigned char *out, size_t cap);
/* Sec-WebSocket-Accept for a key: base64(SHA-1(key + GUID)); out >= 29. */
void http_ws_accept_value(const char *key, char out[29]);

/* ============================== WebSocket session (http_ws.c) ============= */

typedef struct http_ws http_ws;

/* Where a session reads and writes, and who gets its messages. */
typedef struct http_ws_io {
    hbuf *in;  /* bytes from the peer; the session consumes them */
    hbuf *out; /* frames for the peer; the session appends to it */
    void (*on_message)(void *ud, int binary, const char *data, size_t len);
    void (*on_pong)(void *ud);
    void *ud;
} http_ws_io;

/* A server-side session. NULL when out of memory. Free with http_ws_free. */
http_ws *http_ws_new(const quire_host *host, size_t max_message, const http_ws_io *io);
/* Frees the session and what wslay still queues; NULL is a no-op. */
void http_ws_free(http_ws *ws);
/* Consumes io.in. 0, or -1 on a fatal error (drop the connection). */
int http_ws_recv(http_ws *ws);
/* Moves queued frames into io.out while it holds under HTTP_OUT_LOW_WATER
 * bytes. 0 or -1 (fatal). */
int http_ws_send(http_ws *ws);
/* Queues a data message (opcode WSLAY_TEXT_FRAME/BINARY_FRAME) or a ping.
 * 0, or -1 when the session no longer sends. */
int http_ws_queue(http_ws *ws, int opcode, const void *data, size_t len);
/* Queues a close frame (once). 0 or -1. */
int http_ws_close(http_ws *ws, int code, const char *reason);
/* Bytes queued in wslay and not yet moved to io.out. */
size_t http_ws_queued(const http_ws *ws);
/* 1 once a close frame went out (nothing more will be sent). */
int http_ws_close_sent(const http_ws *ws);
/* 1 once the peer's close frame (or a protocol error) ended reading. */
int http_ws_read_done(const http_ws *ws);
/* The code to report in ws_closed(): the peer's close code, else the code
 * we sent on a protocol error, else 1006. */
int http_ws_code(const http_ws *ws);

/* ============================== Server state ============================== */

typedef struct http_config {
    http_limits lim;
    int64_t request_timeout_ms;
    int64_t idle_timeout_ms;
    size_t max_connections;
    size_t ws_max_message;
    size_t ws_send_queue;
    int64_t ws_ping_ms;
    char *static_root;   /* realpath of static_root, NULL: no static files */
    char *static_prefix; /* "/ui/" */
} http_config;

typedef struct http_conn http_conn;

typedef struct http_server {
    const quire_host *host;
    quire_plugin *self;
    http_config cfg;
    char *address;
    struct ev_loop *loop;
    quire_server_handler handler; /* zero-extended copy */
    int attached;
    int lfd;
    ev_io lio;
    ev_timer accept_pause; /* accepting waits after running out of fds */
    int started;
    char *unix_path; /* the socket file we created, removed at stop */
    http_conn *conns;
    size_t nconns;  /* served connections (rejected ones not counted) */
    size_t nreject; /* connections being answered 503 */
    uint64_t next_id;
    int quiescing;
    int stopping;
} http_server;

/* ============================== Exchanges and connections ================= */

struct quire_exchange {
    http_conn *c;
    int head;        /* HEAD: no body */
    int keep_alive;  /* the client allows another request after this */
    int http_minor;  /* 0: HTTP/1.0 */
    int accept_gzip; /* Accept-Encoding allows gzip */
    int chunked;     /* streaming with chunked encoding */
    int streaming;   /* stream_begin() ran */
    int ws;          /* ws_accept() ran */
    int upgrade;     /* an upgrade request the kernel answered normally */
    char ws_key[64];
};

/* A static file being sent (http_static.c). */
typedef struct http_file_src {
    int fd;
    uint64_t left; /* bytes still to read */
    int gzip;
    int chunked;
    z_stream z;
} http_file_src;

struct http_conn {
    http_server *srv;
    http_conn *prev, *next;
    int fd;
    uint64_t id;
    char remote[64];
    ev_io rio, wio;
    ev_timer timer;
    hbuf in, out;
    http_reqparser rp;
    quire_exchange *x; /* the exchange the kernel holds, or NULL */
    http_file_src *file;
    http_ws *ws;
    int busy;        /* nested entries; destroy waits for 0 */
    int dead;        /* to be destroyed */
    int close_after; /* close once the output is written */
    int lingering;   /* output done, write side shut, draining input */
    int reject;      /* answering 503 over max_connections */
    int sent_continue;
    int read_stopped;
    int ws_awaiting_pong;
    int ws_kernel_ended; /* the kernel called ws_close() */
    int ws_recv_active;  /* inside wslay's receive: only queue frames */
    int ws_code;         /* non-zero: the code ws_closed() reports */
    int dispatching;     /* inside the kernel's request() callback */
    ev_tstamp req_start, idle_since, linger_until, ws_next_ping;
};

/* http_conn.c */
/* Takes an accepted socket; on failure closes it. */
void http_conn_new(http_server *srv, int fd, const char *remote, int reject);
/* Entry/exit of any call into a connection: destroy waits for the last. */
void http_conn_hold(http_conn *c);
void http_conn_release(http_conn *c);
/* Marks c for destruction (the kernel's exchange gets closed()). */
void http_conn_kill(http_conn *c);
/* Writes what can be written now; arms the write watcher for the rest. */
void http_conn_flush(http_conn *c);
/* Called when the kernel ended c->x: frees it, goes on with the next
 * pipelined request. */
void http_conn_exchange_done(http_conn *c);
/* Parses and dispatches buffered input while no exchange is held. */
void http_conn_advance(http_conn *c);
/* Recomputes the connection's timer from its state. */
void http_conn_timer_update(http_conn *c);
/* Queues a complete plain-text response (status, body) for x's request
 * and closes after it when `close`. */
void http_conn_simple(http_conn *c, quire_exchange *x, int status, const char *body, int close,
                      const char *extra_name, const char *extra_value);
/* Destroys every connection (stop), calling closed()/ws_closed(). */
void http_conn_close_all(http_server *srv);
/* 1 if c holds no exchange and no partial request (quiesce closes it). */
int http_conn_idle(const http_conn *c);
/* Whether the response to x will close the connection. */
int http_conn_will_close(const http_conn *c, const quire_exchange *x);

/* http_exchange.c: the exchange ops of the ops table, with the contracts
 * of include/quire/transport.h (respond, stream_begin/write/end). */
void http_x_respond(quire_exchange *x, int status, const quire_http_header *headers,
                    size_t nheaders, const char *body, size_t len);
void http_x_stream_begin(quire_exchange *x, int status, const quire_http_header *headers,
                         size_t nheaders);
int http_x_stream_write(quire_exchange *x, const char *data, size_t len);
void http_x_stream_end(quire_exchange *x);

/* http_ws_conn.c */
/* For an upgrade attempt (Upgrade: websocket): 0 if valid (key copied into
 * x), else the status to answer ourselves (400 or 426). -1: not an
 * upgrade attempt. */
int http_ws_check(const quire_http_request *req, quire_exchange *x);
/* ws_accept, ws_send, ws_close of include/quire/transport.h. */
int http_x_ws_accept(quire_exchange *x, const char *protocol);
int http_x_ws_send(quire_exchange *x, int binary, const char *data, size_t len);
void http_x_ws_close(quire_exchange *x, int code, const char *reason);
/* Feeds c->in to the session, flushes, handles its end. */
void http_ws_conn_read(http_conn *c);
/* Moves frames to c->out; closes TCP once the close handshake is done. */
void http_ws_conn_pump(http_conn *c);
/* The ping timer fired. */
void http_ws_conn_tick(http_conn *c);

/* http_static.c */
/* 1 if req is for a static file (under static_prefix, GET or HEAD) and has
 * been answered (or is being streamed), 0 if not for us. */
int http_static_try(http_conn *c, quire_exchange *x, const quire_http_request *req);
/* Moves more file bytes to c->out. 0, or -1 on a read error. */
int http_static_pump(http_conn *c);
/* Closes the file being sent, if any. */
void http_static_free(http_conn *c);

/* http_listen.c */
/* Checks an address; 0 or -1 with err naming it. */
int http_listen_check(const quire_host *host, const char *address, quire_error *err);
/* Binds srv->address and starts accepting on srv->loop; logs the
 * address ("listening on 127.0.0.1:41234"). 0, or -1 with err. */
int http_listen_start(http_server *srv, quire_error *err);
/* Stops accepting and closes the listening socket (idempotent). */
void http_listen_stop(http_server *srv);

#endif /* QUIRE_HTTP_H */
