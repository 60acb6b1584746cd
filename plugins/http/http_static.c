/*
 * http_static.c - static files under static_prefix, answered by the plugin
 * itself (the kernel never sees these requests): Content-Type from the
 * extension, ETag and Last-Modified with 304, index.html for a directory,
 * gzip for text types, bodies streamed from the file a buffer at a time.
 *
 * Anything that could leave static_root is 404 (never 403: a client learns
 * nothing about what exists): ".." segments (also percent-encoded, since
 * the path arrives decoded), NUL, backslashes, and symlinks whose target
 * resolves outside the root (realpath and a prefix check).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http.h"

#define READ_CHUNK (32 * 1024)

static const char *mime_type(const char *path)
{
    static const char *const types[][2] = {
        {"html", "text/html; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"js", "application/javascript"},
        {"mjs", "application/javascript"},
        {"json", "application/json"},
        {"svg", "image/svg+xml"},
        {"png", "image/png"},
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
        {"ico", "image/x-icon"},
        {"txt", "text/plain; charset=utf-8"},
        {"map", "application/json"},
        {"woff2", "font/woff2"},
    };
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');

    if (dot != NULL && (slash == NULL || dot > slash))
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
            if (strcasecmp(dot + 1, types[i][0]) == 0)
                return types[i][1];
    return "application/octet-stream";
}

/* 1 if a decoded relative path may name something under the root. */
static int safe_relative(const char *rel)
{
    const char *s = rel;

    if (strchr(rel, '\\') != NULL)
        return 0;
    while (*s) {
        const char *end = strchr(s, '/');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        if (len == 2 && s[0] == '.' && s[1] == '.')
            return 0;
        s += len;
        while (*s == '/')
            s++;
    }
    return 1;
}

/* realpath(root/rel) if it stays inside root, else NULL. Caller frees. */
static char *resolve_inside(const char *root, const char *rel, const char *suffix)
{
    char joined[PATH_MAX], *real;
    size_t rlen = strlen(root);
    int n = snprintf(joined, sizeof(joined), "%s/%s%s", root, rel, suffix);

    if (n < 0 || (size_t)n >= sizeof(joined))
        return NULL;
    real = realpath(joined, NULL);
    if (real == NULL)
        return NULL;
    if (strncmp(real, root, rlen) != 0 || (real[rlen] != '\0' && real[rlen] != '/')) {
        free(real);
        return NULL;
    }
    return real;
}

/* If-None-Match holds our tag (weak comparison: W/"x" matches "x"). */
static int etag_matches(const char *inm, const char *etag)
{
    return strcmp(inm, "*") == 0 || strstr(inm, etag) != NULL;
}

static int64_t parse_http_date(const char *s)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    char mon[4] = {0};
    int d, y, hh, mm, ss;
    struct tm tm;
    const char *m;

    if (sscanf(s, "%*3s, %d %3s %d %d:%d:%d GMT", &d, mon, &y, &hh, &mm, &ss) != 6)
        return -1;
    m = strstr(months, mon);
    if (m == NULL || strlen(mon) != 3 || (m - months) % 3 != 0)
        return -1;
    memset(&tm, 0, sizeof(tm));
    tm.tm_mday = d;
    tm.tm_mon = (int)((m - months) / 3);
    tm.tm_year = y - 1900;
    tm.tm_hour = hh;
    tm.tm_min = mm;
    tm.tm_sec = ss;
    return (int64_t)timegm(&tm);
}

static void not_found(http_conn *c, quire_exchange *x)
{
    http_conn_simple(c, x, 404, "not found\n", 0, NULL, NULL);
}

int http_static_try(http_conn *c, quire_exchange *x, const quire_http_request *req)
{
    http_server *srv = c->srv;
    const quire_host *host = srv->host;
    const char *prefix = srv->cfg.static_prefix, *root = srv->cfg.static_root, *rel, *type;
    const char *inm, *ims;
    char etag[80], lastmod[64], *real;
    struct stat st;
    int fd, fail, gz, vary, closing;

    if (root == NULL || strncmp(req->path, prefix, strlen(prefix)) != 0)
        return 0;
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)
        return 0;
    rel = req->path + strlen(prefix);
    if (!safe_relative(rel)) {
        not_found(c, x);
        return 1;
    }
    real = resolve_inside(root, rel, "");
    if (real != NULL && stat(real, &st) == 0 && S_ISDIR(st.st_mode)) {
        char *index = resolve_inside(real, "", "index.html");
        free(real);
        /* The index must itself stay inside the root. */
        real = index ? resolve_inside(root, index + strlen(root), "") : NULL;
        free(index);
    }
    if (real == NULL) {
        not_found(c, x);
        return 1;
    }
    fd = open(real, O_RDONLY | O_CLOEXEC);
    type = mime_type(real);
    free(real);
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        not_found(c, x);
        return 1;
    }
    snprintf(etag, sizeof(etag), "\"%llx-%llx\"", (unsigned long long)st.st_size,
             (unsigned long long)st.st_mtim.tv_sec * 1000000000ull +
                 (unsigned long long)st.st_mtim.tv_nsec);
    http_date((int64_t)st.st_mtim.tv_sec, lastmod, sizeof(lastmod));
    inm = http_req_header(req, "if-none-match");
    ims = http_req_header(req, "if-modified-since");
    closing = http_conn_will_close(c, x);
    if ((inm != NULL && etag_matches(inm, etag)) ||
        (inm == NULL && ims != NULL && parse_http_date(ims) >= (int64_t)st.st_mtim.tv_sec)) {
        close(fd);
        fail = http_resp_status(host, &c->out, 304);
        fail |= http_resp_header(host, &c->out, "ETag", etag);
        fail |= http_resp_header(host, &c->out, "Last-Modified", lastmod);
        fail |= http_resp_header(host, &c->out, "Connection", closing ? "close" : "keep-alive");
        fail |= hbuf_append(host, &c->out, "\r\n", 2);
        if (fail)
            http_conn_kill(c);
        if (closing)
            c->close_after = 1;
        return 1;
    }
    vary = st.st_size >= 1024 && http_compressible(type);
    gz = vary && x->accept_gzip && x->http_minor >= 1;
    fail = http_resp_status(host, &c->out, 200);
    fail |= http_resp_header(host, &c->out, "Content-Type", type);
    fail |= http_resp_header(host, &c->out, "ETag", etag);
    fail |= http_resp_header(host, &c->out, "Last-Modified", lastmod);
    if (vary)
        fail |= http_resp_header(host, &c->out, "Vary", "Accept-Encoding");
    if (gz) {
        fail |= http_resp_header(host, &c->out, "Content-Encoding", "gzip");
        fail |= http_resp_header(host, &c->out, "Transfer-Encoding", "chunked");
    } else {
        fail |=
            hbuf_printf(host, &c->out, "Content-Length: %llu\r\n", (unsigned long long)st.st_size);
    }
    if (closing)
        fail |= http_resp_header(host, &c->out, "Connection", "close");
    else if (x->http_minor == 0)
        fail |= http_resp_header(host, &c->out, "Connection", "keep-alive");
    fail |= hbuf_append(host, &c->out, "\r\n", 2);
    if (closing)
        c->close_after = 1;
    if (fail) {
        close(fd);
        http_conn_kill(c);
        return 1;
    }
    if (x->head) {
        close(fd);
        return 1;
    }
    c->file = host->calloc(1, sizeof(*c->file));
    if (c->file == NULL || (gz && http_gzip_begin(&c->file->z) != 0)) {
        host->free(c->file);
        c->file = NULL;
        close(fd);
        http_conn_kill(c);
        return 1;
    }
    c->file->fd = fd;
    c->file->left = (uint64_t)st.st_size;
    c->file->gzip = gz;
    c->file->chunked = gz;
    if (c->file->left == 0 && !gz)
        http_static_free(c);
    return 1;
}

/* Reads one buffer of the file into c->out (compressed and chunked when
 * gzip). 0 or -1. */
static int pump_once(http_conn *c)
{
    http_file_src *f = c->file;
    const quire_host *host = c->srv->host;
    char buf[READ_CHUNK];
    size_t want;
    ssize_t n;
    int fail = 0;

    if (f == NULL)
        return 0;
    want = f->left < READ_CHUNK ? (size_t)f->left : READ_CHUNK;
    n = want > 0 ? read(f->fd, buf, want) : 0;
    if (n < 0 && errno == EINTR)
        return 0;
    if (n < 0 || (n == 0 && want > 0))
        return -1; /* the file shrank or failed: the response cannot end well */
    f->left -= (uint64_t)n;
    if (f->gzip) {
        hbuf z = {0};
        fail |= http_gzip_feed(host, &f->z, buf, (size_t)n, f->left == 0, &z);
        if (!fail && z.len > 0) {
            fail |= hbuf_printf(host, &c->out, "%zx\r\n", z.len);
            fail |= hbuf_append(host, &c->out, z.data, z.len);
            fail |= hbuf_append(host, &c->out, "\r\n", 2);
        }
        if (f->left == 0)
            fail |= hbuf_append(host, &c->out, "0\r\n\r\n", 5);
        hbuf_free(host, &z);
    } else {
        fail |= hbuf_append(host, &c->out, buf, (size_t)n);
    }
    if (f->left == 0)
        http_static_free(c);
    return fail ? -1 : 0;
}

int http_static_pump(http_conn *c)
{
    /* deflate may keep a whole buffer to itself: read on until something
     * is ready to send or the file is done. */
    for (int rounds = 0; rounds < 256 && c->file != NULL; rounds++) {
        if (pump_once(c) != 0)
            return -1;
        if (hbuf_pending(&c->out) > 0)
            break;
    }
    return 0;
}

void http_static_free(http_conn *c)
{
    http_file_src *f = c->file;

    if (f == NULL)
        return;
    close(f->fd);
    if (f->gzip)
        http_gzip_end(&f->z);
    c->srv->host->free(f);
    c->file = NULL;
}
