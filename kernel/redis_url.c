/*
 * redis_url.c - parses the Redis URLs of redis_conn.h ("redis://" and
 * "unix:") for the connection, its synchronous helper and config
 * validation (see redis_url.h). Every error names the part and its value.
 */
#include "redis_url.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#define DEFAULT_PORT 6379

void rconn_url_clear(rconn_url *u)
{
    free(u->host);
    free(u->path);
    free(u->user);
    if (u->password != NULL)
        memset(u->password, 0, strlen(u->password));
    free(u->password);
    memset(u, 0, sizeof(*u));
}

static char *dup_range(const char *s, size_t n)
{
    char *d = malloc(n + 1);

    if (d != NULL) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static int hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Copies s[0..n) decoding %XX escapes (user names and passwords may hold
 * '@' or ':' that way). NULL with *bad set on a malformed escape. */
static char *dup_decoded(const char *s, size_t n, int *bad)
{
    char *d = malloc(n + 1);
    size_t j = 0;

    *bad = 0;
    if (d == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            int hi = i + 1 < n ? hex_digit((unsigned char)s[i + 1]) : -1;
            int lo = i + 2 < n ? hex_digit((unsigned char)s[i + 2]) : -1;

            if (hi < 0 || lo < 0) {
                free(d);
                *bad = 1;
                return NULL;
            }
            d[j++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            d[j++] = s[i];
        }
    }
    d[j] = '\0';
    return d;
}

/* Parses a decimal number in s[0..n) into *out (0..max). Returns 0, -1 when
 * it is not a number, -2 when it is out of range. */
static int parse_uint(const char *s, size_t n, long max, long *out)
{
    long v = 0;

    if (n == 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        if (v <= max)
            v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return v > max ? -2 : 0;
}

static int number_error(int rc, const char *what, const char *s, size_t n, char *err, size_t errlen)
{
    if (rc == -1)
        snprintf(err, errlen, "redis_url: %s \"%.*s\" is not a number", what, (int)n, s);
    else
        snprintf(err, errlen, "redis_url: %s %.*s is out of range", what, (int)n, s);
    return -1;
}

static int parse_db(const char *s, size_t n, rconn_url *u, char *err, size_t errlen)
{
    long v;
    int rc = parse_uint(s, n, INT_MAX, &v);

    if (rc != 0)
        return number_error(rc, "database", s, n, err, errlen);
    u->db = (int)v;
    return 0;
}

static int parse_unix(const char *rest, rconn_url *u, char *err, size_t errlen)
{
    const char *q = strchr(rest, '?');
    size_t plen = q ? (size_t)(q - rest) : strlen(rest);

    if (plen == 0) {
        snprintf(err, errlen, "redis_url: socket path is missing in \"unix:%s\"", rest);
        return -1;
    }
    if (plen >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
        snprintf(err, errlen, "redis_url: socket path is %zu bytes long, the limit is %zu", plen,
                 sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
        return -1;
    }
    if (q != NULL) {
        const char *param = q + 1;

        if (strncmp(param, "db=", 3) != 0) {
            snprintf(err, errlen, "redis_url: unknown parameter \"%s\" (only db=N)", param);
            return -1;
        }
        if (parse_db(param + 3, strlen(param + 3), u, err, errlen) != 0)
            return -1;
    }
    u->is_unix = 1;
    u->path = dup_range(rest, plen);
    if (u->path == NULL) {
        snprintf(err, errlen, "redis_url: out of memory");
        return -1;
    }
    return 0;
}

static int parse_userinfo(const char *s, size_t n, rconn_url *u, char *err, size_t errlen)
{
    const char *colon = memchr(s, ':', n);
    int bad = 0;

    if (colon == NULL) {
        snprintf(err, errlen, "redis_url: the password must follow a ':' (\"redis://:PASSWORD@\")");
        return -1;
    }
    if (colon > s) {
        u->user = dup_decoded(s, (size_t)(colon - s), &bad);
        if (u->user == NULL)
            goto fail;
    }
    u->password = dup_decoded(colon + 1, n - (size_t)(colon + 1 - s), &bad);
    if (u->password == NULL)
        goto fail;
    return 0;
fail:
    if (bad)
        snprintf(err, errlen, "redis_url: malformed %%-escape in the user or password");
    else
        snprintf(err, errlen, "redis_url: out of memory");
    return -1;
}

static int parse_tcp(const char *rest, rconn_url *u, char *err, size_t errlen)
{
    const char *slash = strchr(rest, '/');
    const char *end = slash ? slash : rest + strlen(rest);
    const char *at = NULL;
    const char *host, *host_end, *port = NULL;

    for (const char *p = rest; p < end; p++)
        if (*p == '@')
            at = p;
    if (at != NULL && parse_userinfo(rest, (size_t)(at - rest), u, err, errlen) != 0)
        return -1;
    host = at ? at + 1 : rest;
    if (*host == '[') {
        const char *close = memchr(host, ']', (size_t)(end - host));

        if (close == NULL) {
            snprintf(err, errlen, "redis_url: unclosed '[' in host \"%.*s\"", (int)(end - host),
                     host);
            return -1;
        }
        if (close + 1 < end && close[1] != ':') {
            snprintf(err, errlen, "redis_url: unexpected \"%.*s\" after the host",
                     (int)(end - close - 1), close + 1);
            return -1;
        }
        u->host = dup_range(host + 1, (size_t)(close - host - 1));
        host_end = close + 1;
        if (close - host - 1 == 0)
            goto no_host;
        if (host_end < end)
            port = host_end + 1;
    } else {
        const char *colon = memchr(host, ':', (size_t)(end - host));

        host_end = colon ? colon : end;
        if (host_end == host)
            goto no_host;
        u->host = dup_range(host, (size_t)(host_end - host));
        if (colon != NULL)
            port = colon + 1;
    }
    if (u->host == NULL) {
        snprintf(err, errlen, "redis_url: out of memory");
        return -1;
    }
    u->port = DEFAULT_PORT;
    if (port != NULL) {
        long v;
        int rc = parse_uint(port, (size_t)(end - port), 65535, &v);

        if (rc == 0 && v == 0)
            rc = -2;
        if (rc != 0)
            return number_error(rc, "port", port, (size_t)(end - port), err, errlen);
        u->port = (int)v;
    }
    if (slash != NULL && slash[1] != '\0')
        return parse_db(slash + 1, strlen(slash + 1), u, err, errlen);
    return 0;
no_host:
    snprintf(err, errlen, "redis_url: the host is missing in \"redis://%s\"", rest);
    return -1;
}

int rconn_url_parse(const char *url, rconn_url *u, char *err, size_t errlen)
{
    int rc;

    memset(u, 0, sizeof(*u));
    if (url == NULL || *url == '\0') {
        snprintf(err, errlen, "redis_url: empty");
        return -1;
    }
    for (const char *p = url; *p != '\0'; p++) {
        if ((unsigned char)*p <= ' ' || *p == 0x7f) {
            snprintf(err, errlen, "redis_url: control character or space at offset %d",
                     (int)(p - url));
            return -1;
        }
    }
    if (strncmp(url, "redis://", 8) == 0)
        rc = parse_tcp(url + 8, u, err, errlen);
    else if (strncmp(url, "unix:", 5) == 0)
        rc = parse_unix(url + 5, u, err, errlen);
    else {
        snprintf(err, errlen, "redis_url: \"%s\" does not start with redis:// or unix:", url);
        rc = -1;
    }
    if (rc != 0)
        rconn_url_clear(u);
    return rc;
}

void rconn_url_describe(const rconn_url *u, char *out, size_t outlen)
{
    if (u->is_unix)
        snprintf(out, outlen, "%s", u->path);
    else if (strchr(u->host, ':') != NULL)
        snprintf(out, outlen, "[%s]:%d", u->host, u->port);
    else
        snprintf(out, outlen, "%s:%d", u->host, u->port);
}
