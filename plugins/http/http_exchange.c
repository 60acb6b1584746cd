/*
 * http_exchange.c - the ops with which the kernel answers an exchange:
 * respond() in one piece (Content-Length, gzip when the client and the
 * type allow it) and stream_begin/stream_write/stream_end (chunked
 * transfer encoding; an HTTP/1.0 client gets the body up to the close).
 * Every response carries Date and Server, and Connection: close when the
 * connection ends after it.
 */
#include <string.h>
#include <strings.h>

#include "http.h"

/* Headers the transport owns: the kernel's copies are dropped. */
static int transport_header(const char *name)
{
    static const char *const owned[] = {"content-length", "transfer-encoding", "connection", "date",
                                        "server",         "keep-alive"};
    for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++)
        if (strcasecmp(name, owned[i]) == 0)
            return 1;
    return 0;
}

static const char *find_header(const quire_http_header *h, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (h[i].name && strcasecmp(h[i].name, name) == 0)
            return h[i].value;
    return NULL;
}

static int no_body_status(int status)
{
    return status < 200 || status == 204 || status == 304;
}

/* Writes the status line and the kernel's headers; 0 or -1. */
static int head_start(http_conn *c, int status, const quire_http_header *headers, size_t n)
{
    const quire_host *host = c->srv->host;
    int fail = http_resp_status(host, &c->out, status);

    for (size_t i = 0; i < n; i++)
        if (headers[i].name && headers[i].value && !transport_header(headers[i].name))
            fail |= http_resp_header(host, &c->out, headers[i].name, headers[i].value);
    return fail;
}

static int head_connection(http_conn *c, quire_exchange *x, int close)
{
    const quire_host *host = c->srv->host;

    if (close) {
        c->close_after = 1;
        return http_resp_header(host, &c->out, "Connection", "close");
    }
    if (x->http_minor == 0)
        return http_resp_header(host, &c->out, "Connection", "keep-alive");
    return 0;
}

void http_x_respond(quire_exchange *x, int status, const quire_http_header *headers,
                    size_t nheaders, const char *body, size_t len)
{
    http_conn *c = x->c;
    const quire_host *host = c->srv->host;
    const char *ct = find_header(headers, nheaders, "content-type");
    hbuf z = {0};
    int fail, gz, vary;

    if (x->streaming || x->ws || c->x != x)
        return;
    http_conn_hold(c);
    if (c->dead) {
        http_conn_exchange_done(c);
        http_conn_release(c);
        return;
    }
    if (body == NULL)
        len = 0;
    vary = len >= 1024 && http_compressible(ct) && !no_body_status(status);
    gz = vary && x->accept_gzip && http_gzip(host, body, len, &z) == 0;
    if (gz) {
        body = z.data;
        len = z.len;
    }
    fail = head_start(c, status, headers, nheaders);
    if (gz)
        fail |= http_resp_header(host, &c->out, "Content-Encoding", "gzip");
    if (vary)
        fail |= http_resp_header(host, &c->out, "Vary", "Accept-Encoding");
    if (!no_body_status(status))
        fail |= hbuf_printf(host, &c->out, "Content-Length: %zu\r\n", len);
    fail |= head_connection(c, x, http_conn_will_close(c, x));
    fail |= hbuf_append(host, &c->out, "\r\n", 2);
    if (!x->head && !no_body_status(status) && len > 0)
        fail |= hbuf_append(host, &c->out, body, len);
    hbuf_free(host, &z);
    if (fail)
        http_conn_kill(c);
    http_conn_exchange_done(c);
    http_conn_flush(c);
    http_conn_release(c);
}

void http_x_stream_begin(quire_exchange *x, int status, const quire_http_header *headers,
                         size_t nheaders)
{
    http_conn *c = x->c;
    const quire_host *host = c->srv->host;
    int fail, close;

    if (x->streaming || x->ws || c->x != x)
        return;
    http_conn_hold(c);
    x->streaming = 1;
    x->chunked = x->http_minor >= 1 && !x->head;
    /* HTTP/1.0 has no chunks: the body ends with the connection. */
    close = http_conn_will_close(c, x) || (x->http_minor == 0 && !x->head);
    fail = head_start(c, status, headers, nheaders);
    if (x->chunked)
        fail |= http_resp_header(host, &c->out, "Transfer-Encoding", "chunked");
    else if (x->head && x->http_minor >= 1)
        fail |= http_resp_header(host, &c->out, "Transfer-Encoding", "chunked");
    fail |= head_connection(c, x, close);
    fail |= hbuf_append(host, &c->out, "\r\n", 2);
    if (fail)
        http_conn_kill(c);
    http_conn_flush(c);
    http_conn_release(c);
}

int http_x_stream_write(quire_exchange *x, const char *data, size_t len)
{
    http_conn *c = x->c;
    const quire_host *host = c->srv->host;
    int fail = 0;

    if (!x->streaming || c->x != x || c->dead)
        return -1;
    if (x->head || len == 0)
        return 0;
    http_conn_hold(c);
    if (hbuf_pending(&c->out) + len > c->srv->cfg.ws_send_queue) {
        /* A client that does not read: drop it (closed() follows). */
        http_conn_kill(c);
        http_conn_release(c);
        return -1;
    }
    if (x->chunked)
        fail |= hbuf_printf(host, &c->out, "%zx\r\n", len);
    fail |= hbuf_append(host, &c->out, data, len);
    if (x->chunked)
        fail |= hbuf_append(host, &c->out, "\r\n", 2);
    if (fail)
        http_conn_kill(c);
    http_conn_flush(c);
    http_conn_release(c);
    return fail ? -1 : 0;
}

void http_x_stream_end(quire_exchange *x)
{
    http_conn *c = x->c;

    if (!x->streaming || c->x != x)
        return;
    http_conn_hold(c);
    if (!c->dead && x->chunked && hbuf_append(c->srv->host, &c->out, "0\r\n\r\n", 5) != 0)
        http_conn_kill(c);
    http_conn_exchange_done(c);
    http_conn_flush(c);
    http_conn_release(c);
}
