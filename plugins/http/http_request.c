/*
 * http_request.c - turns bytes into quire_http_request with Debian's
 * libhttp-parser, enforcing the limits of [transport.http] as the bytes
 * arrive: max_header_bytes and max_headers (431), max_body (413, checked
 * against Content-Length before any body byte is read, and while a chunked
 * body comes in). Malformed input becomes a 400 naming http_parser's error.
 *
 * The parser pauses after each complete request so pipelined requests stay
 * in the caller's buffer until it is ready for them. Everything a request
 * points to lives in the parser's buffers until the next reset.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http.h"

/* Bytes counted for each header line beyond its name and value (": ",
 * CRLF), and for the request line beyond the target (method, version). */
#define HEADER_LINE_OVERHEAD  4
#define REQUEST_LINE_OVERHEAD 16

static http_reqparser *rp_of(http_parser *p)
{
    return p->data;
}

static int fail(http_reqparser *rp, int status, const char *msg)
{
    rp->err_status = status;
    snprintf(rp->err_msg, sizeof(rp->err_msg), "%s", msg);
    return -1;
}

static int count_header_bytes(http_reqparser *rp, size_t n)
{
    rp->header_bytes += n;
    if (rp->header_bytes > rp->lim->max_header_bytes)
        return fail(rp, 431, "request header fields too large");
    return 0;
}

static int text_append(http_reqparser *rp, const char *at, size_t len)
{
    if (hbuf_append(rp->host, &rp->text, at, len) != 0)
        return fail(rp, 500, "out of memory");
    return 0;
}

/* Ends the string being collected (url or a value) with a NUL. */
static int text_end(http_reqparser *rp)
{
    return text_append(rp, "", 1);
}

/* ============================== Parser callbacks ========================== */

static int on_message_begin(http_parser *p)
{
    rp_of(p)->started = 1;
    return 0;
}

static int on_url(http_parser *p, const char *at, size_t len)
{
    http_reqparser *rp = rp_of(p);

    if (count_header_bytes(rp, len) != 0)
        return -1;
    return text_append(rp, at, len);
}

static int on_header_field(http_parser *p, const char *at, size_t len)
{
    http_reqparser *rp = rp_of(p);

    if (count_header_bytes(rp, len) != 0)
        return -1;
    if (rp->phase != 1) {
        /* A new header: end the url or the previous value. */
        if (text_end(rp) != 0)
            return -1;
        if (rp->nheaders >= rp->lim->max_headers)
            return fail(rp, 431, "too many header fields");
        if (count_header_bytes(rp, HEADER_LINE_OVERHEAD) != 0)
            return -1;
        if (rp->nheaders == rp->offs_cap) {
            size_t cap = rp->offs_cap ? rp->offs_cap * 2 : 16;
            size_t *o = rp->host->realloc(rp->offs, cap * 2 * sizeof(*o));
            if (o == NULL)
                return fail(rp, 500, "out of memory");
            rp->offs = o;
            rp->offs_cap = cap;
        }
        rp->offs[2 * rp->nheaders] = rp->text.len;
        rp->offs[2 * rp->nheaders + 1] = rp->text.len; /* set at the value */
        rp->nheaders++;
        rp->phase = 1;
    }
    return text_append(rp, at, len);
}

static int on_header_value(http_parser *p, const char *at, size_t len)
{
    http_reqparser *rp = rp_of(p);

    if (count_header_bytes(rp, len) != 0)
        return -1;
    if (rp->phase != 2) {
        if (text_end(rp) != 0)
            return -1;
        rp->offs[2 * (rp->nheaders - 1) + 1] = rp->text.len;
        rp->phase = 2;
    }
    return text_append(rp, at, len);
}

/* Header values arrive raw; the value of a header with an empty value
 * still needs its own (empty) string. */
static int close_header_block(http_reqparser *rp)
{
    if (rp->phase == 1) {
        if (text_end(rp) != 0)
            return -1;
        rp->offs[2 * (rp->nheaders - 1) + 1] = rp->text.len;
    }
    return text_end(rp);
}

static int on_headers_complete(http_parser *p)
{
    http_reqparser *rp = rp_of(p);
    char msg[120];

    if (count_header_bytes(rp, REQUEST_LINE_OVERHEAD) != 0)
        return -1;
    if (close_header_block(rp) != 0)
        return -1;
    rp->headers_done = 1;
    if (p->content_length != ULLONG_MAX && p->content_length > rp->lim->max_body) {
        snprintf(msg, sizeof(msg), "request body of %llu bytes is over the limit of %zu",
                 (unsigned long long)p->content_length, rp->lim->max_body);
        return fail(rp, 413, msg);
    }
    if (p->http_major == 1 && p->http_minor >= 1) {
        for (size_t i = 0; i < rp->nheaders; i++) {
            const char *name = rp->text.data + rp->offs[2 * i];
            const char *value = rp->text.data + rp->offs[2 * i + 1];
            if (strcasecmp(name, "expect") == 0 && strcasecmp(value, "100-continue") == 0)
                rp->expect_continue = 1;
        }
    }
    return 0;
}

static int on_body(http_parser *p, const char *at, size_t len)
{
    http_reqparser *rp = rp_of(p);
    char msg[120];

    if (len > rp->lim->max_body - rp->body.len) {
        snprintf(msg, sizeof(msg), "request body is over the limit of %zu bytes",
                 rp->lim->max_body);
        return fail(rp, 413, msg);
    }
    if (hbuf_append(rp->host, &rp->body, at, len) != 0)
        return fail(rp, 500, "out of memory");
    return 0;
}

static int on_message_complete(http_parser *p)
{
    rp_of(p)->complete = 1;
    /* Keep the next pipelined request in the caller's buffer. */
    http_parser_pause(p, 1);
    return 0;
}

static const http_parser_settings settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

/* ============================== Building the request ====================== */

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    ch = tolower(ch);
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    return -1;
}

/* Percent-decodes [s, s+n) into a new string. A %00 cuts the path there
 * and sets path_has_nul (static files answer 404; the kernel gets 400). */
static int decode_path(http_reqparser *rp, const char *s, size_t n)
{
    char *out = rp->host->malloc(n + 1);
    size_t j = 0;

    if (out == NULL)
        return fail(rp, 500, "out of memory");
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            int a = i + 2 < n ? hexval((unsigned char)s[i + 1]) : -1;
            int b = i + 2 < n ? hexval((unsigned char)s[i + 2]) : -1;
            if (a < 0 || b < 0) {
                rp->host->free(out);
                return fail(rp, 400, "bad percent-encoding in the request path");
            }
            char ch = (char)(a * 16 + b);
            if (ch == '\0')
                rp->path_has_nul = 1;
            out[j++] = ch;
            i += 2;
        } else {
            out[j++] = s[i];
        }
    }
    out[j] = '\0';
    rp->path = out;
    return 0;
}

static void trim_value(char **value)
{
    char *v = *value, *end;

    while (*v == ' ' || *v == '\t')
        v++;
    end = v + strlen(v);
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        *--end = '\0';
    *value = v;
}

static int build(http_reqparser *rp)
{
    quire_http_request *req = &rp->req;
    char *url = rp->text.data, *q;
    size_t path_len;

    rp->headers = rp->host->calloc(rp->nheaders ? rp->nheaders : 1, sizeof(*rp->headers));
    if (rp->headers == NULL)
        return fail(rp, 500, "out of memory");
    for (size_t i = 0; i < rp->nheaders; i++) {
        char *name = rp->text.data + rp->offs[2 * i];
        char *value = rp->text.data + rp->offs[2 * i + 1];
        for (char *s = name; *s; s++)
            *s = (char)tolower((unsigned char)*s);
        trim_value(&value);
        rp->headers[i].name = name;
        rp->headers[i].value = value;
    }
    if (hbuf_append(rp->host, &rp->body, "", 0) != 0) /* NUL-terminates */
        return fail(rp, 500, "out of memory");

    /* Origin form "/p?q"; absolute form "http://h/p?q" keeps its path. */
    if (url[0] != '/' && url[0] != '*') {
        char *scheme_end = strstr(url, "://");
        if (scheme_end != NULL) {
            char *slash = strchr(scheme_end + 3, '/');
            url = slash ? slash : (char *)"/";
        }
    }
    q = strchr(url, '?');
    path_len = q ? (size_t)(q - url) : strlen(url);
    if (decode_path(rp, url, path_len) != 0)
        return -1;

    memset(req, 0, sizeof(*req));
    req->size = sizeof(*req);
    req->method = http_method_str((enum http_method)rp->p.method);
    req->target = rp->text.data;
    req->path = rp->path;
    req->query = q ? q + 1 : "";
    req->headers = rp->headers;
    req->nheaders = rp->nheaders;
    req->body = rp->body.data;
    req->body_len = rp->body.len;
    req->remote = "";
    return 0;
}

/* ============================== Public ==================================== */

void http_req_init(http_reqparser *rp, const quire_host *host, const http_limits *lim)
{
    memset(rp, 0, sizeof(*rp));
    rp->host = host;
    rp->lim = lim;
    http_parser_init(&rp->p, HTTP_REQUEST);
    rp->p.data = rp;
}

void http_req_reset(http_reqparser *rp)
{
    rp->host->free(rp->headers);
    rp->host->free(rp->path);
    rp->headers = NULL;
    rp->path = NULL;
    rp->text.pos = rp->text.len = 0;
    rp->body.pos = rp->body.len = 0;
    rp->nheaders = 0;
    rp->phase = 0;
    rp->header_bytes = 0;
    rp->started = rp->headers_done = rp->complete = rp->expect_continue = 0;
    rp->err_status = 0;
    rp->err_msg[0] = '\0';
    rp->path_has_nul = 0;
    http_parser_init(&rp->p, HTTP_REQUEST);
    rp->p.data = rp;
}

void http_req_free(http_reqparser *rp)
{
    rp->host->free(rp->headers);
    rp->host->free(rp->path);
    rp->host->free(rp->offs);
    hbuf_free(rp->host, &rp->text);
    hbuf_free(rp->host, &rp->body);
    rp->headers = NULL;
    rp->path = NULL;
    rp->offs = NULL;
}

int http_req_feed(http_reqparser *rp, const char *data, size_t len, size_t *used)
{
    size_t n;
    enum http_errno e;

    *used = 0;
    if (rp->err_status != 0)
        return HTTP_REQ_ERROR;
    if (rp->complete)
        return HTTP_REQ_DONE;
    if (len == 0)
        return HTTP_REQ_MORE; /* 0 would mean end of input to http_parser */
    n = http_parser_execute(&rp->p, &settings, data, len);
    *used = n;
    e = HTTP_PARSER_ERRNO(&rp->p);
    if (rp->complete) {
        if (build(rp) != 0)
            return HTTP_REQ_ERROR;
        return HTTP_REQ_DONE;
    }
    if (rp->err_status != 0)
        return HTTP_REQ_ERROR;
    if (e != HPE_OK) {
        if (e == HPE_HEADER_OVERFLOW) {
            fail(rp, 431, "request header fields too large");
        } else {
            rp->err_status = 400;
            snprintf(rp->err_msg, sizeof(rp->err_msg), "%s: %s", http_errno_name(e),
                     http_errno_description(e));
        }
        return HTTP_REQ_ERROR;
    }
    return HTTP_REQ_MORE;
}

const char *http_req_header(const quire_http_request *req, const char *name)
{
    for (size_t i = 0; i < req->nheaders; i++)
        if (strcmp(req->headers[i].name, name) == 0)
            return req->headers[i].value;
    return NULL;
}

int http_token_in_list(const char *value, const char *token)
{
    size_t tlen = strlen(token);

    if (value == NULL)
        return 0;
    while (*value) {
        const char *end;
        while (*value == ' ' || *value == '\t' || *value == ',')
            value++;
        end = value;
        while (*end && *end != ',')
            end++;
        const char *e = end;
        while (e > value && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if ((size_t)(e - value) == tlen && strncasecmp(value, token, tlen) == 0)
            return 1;
        value = end;
    }
    return 0;
}
