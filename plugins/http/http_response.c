/*
 * http_response.c - the bytes of a response head (status line, Date,
 * Server, headers) and gzip compression with zlib: whether the client
 * accepts it (Accept-Encoding with q-values), whether a type is worth it,
 * one-shot for respond() and streaming for static files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http.h"

/* ============================== Head ====================================== */

static const char *reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 426: return "Upgrade Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Status";
    }
}

void http_date(int64_t t, char *buf, size_t cap)
{
    static const char days[][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t tt = (time_t)t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    /* Names by hand: strftime's %a/%b follow the locale. */
    snprintf(buf, cap, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7], tm.tm_mday,
             months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

int http_resp_status(const quire_host *host, hbuf *out, int status)
{
    char date[64];

    http_date((int64_t)time(NULL), date, sizeof(date));
    return hbuf_printf(host, out, "HTTP/1.1 %d %s\r\nDate: %s\r\nServer: quire/0.1\r\n", status,
                       reason(status), date);
}

int http_resp_header(const quire_host *host, hbuf *out, const char *name, const char *value)
{
    /* A CR or LF in a value would let it forge headers: cut it there. */
    size_t vlen = strcspn(value, "\r\n");

    return hbuf_printf(host, out, "%s: %.*s\r\n", name, (int)vlen, value);
}

/* ============================== Negotiation =============================== */

int http_accepts_gzip(const char *ae)
{
    if (ae == NULL)
        return 0;
    while (*ae) {
        const char *end = strchr(ae, ','), *semi;
        size_t len;
        double q = 1.0;

        if (end == NULL)
            end = ae + strlen(ae);
        while (ae < end && (*ae == ' ' || *ae == '\t'))
            ae++;
        semi = memchr(ae, ';', (size_t)(end - ae));
        len = (size_t)((semi ? semi : end) - ae);
        while (len > 0 && (ae[len - 1] == ' ' || ae[len - 1] == '\t'))
            len--;
        if (semi != NULL) {
            const char *qp = semi + 1;
            while (qp < end && (*qp == ' ' || *qp == '\t'))
                qp++;
            if (qp + 1 < end && (qp[0] == 'q' || qp[0] == 'Q') && qp[1] == '=')
                q = strtod(qp + 2, NULL);
        }
        if ((len == 4 && strncasecmp(ae, "gzip", 4) == 0) ||
            (len == 6 && strncasecmp(ae, "x-gzip", 6) == 0) || (len == 1 && ae[0] == '*'))
            return q > 0.0;
        ae = *end ? end + 1 : end;
    }
    return 0;
}

int http_compressible(const char *ct)
{
    static const char *const types[] = {"application/json", "application/javascript",
                                        "image/svg+xml", "application/xml"};
    size_t len;

    if (ct == NULL)
        return 0;
    len = strcspn(ct, "; \t");
    if (len > 5 && strncasecmp(ct, "text/", 5) == 0)
        return 1;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (len == strlen(types[i]) && strncasecmp(ct, types[i], len) == 0)
            return 1;
    return 0;
}

/* ============================== gzip ====================================== */

int http_gzip_begin(z_stream *z)
{
    memset(z, 0, sizeof(*z));
    /* 16 + MAX_WBITS: a gzip wrapper, which every browser decodes. */
    return deflateInit2(z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK ? 0 : -1;
}

int http_gzip_feed(const quire_host *host, z_stream *z, const char *in, size_t len, int finish,
                   hbuf *out)
{
    int rc;

    z->next_in = (Bytef *)(uintptr_t)in;
    z->avail_in = (uInt)len;
    /* Bounded: each round either makes room or finishes. */
    for (int rounds = 0; rounds < 1 << 20; rounds++) {
        size_t room = 16384 + len / 8;
        if (hbuf_reserve(host, out, room) != 0)
            return -1;
        z->next_out = (Bytef *)(out->data + out->len);
        z->avail_out = (uInt)room;
        rc = deflate(z, finish ? Z_FINISH : Z_NO_FLUSH);
        out->len += room - z->avail_out;
        if (rc == Z_STREAM_END)
            return 0;
        if (rc != Z_OK && rc != Z_BUF_ERROR)
            return -1;
        if (!finish && z->avail_in == 0 && z->avail_out != 0)
            return 0;
    }
    return -1;
}

void http_gzip_end(z_stream *z)
{
    deflateEnd(z);
}

int http_gzip(const quire_host *host, const char *in, size_t len, hbuf *out)
{
    z_stream z;
    int rc;

    if (http_gzip_begin(&z) != 0)
        return -1;
    rc = http_gzip_feed(host, &z, in, len, 1, out);
    http_gzip_end(&z);
    return rc;
}
