/*
 * redis_url.h - the parsed form of a Redis URL (kernel-internal, used by
 * redis_conn.c; the accepted syntax is documented in redis_conn.h).
 */
#ifndef QUIRE_REDIS_URL_H
#define QUIRE_REDIS_URL_H

#include <stddef.h>

typedef struct rconn_url {
    int is_unix;
    char *host; /* tcp: host name or address (brackets of IPv6 removed) */
    int port;
    char *path; /* unix: socket path */
    char *user; /* NULL: AUTH with the password only */
    char *password;
    int db;
} rconn_url;

/* Parses url into *u (zeroed first). On failure returns -1 with the
 * reason in err ("redis_url: port 99999 is out of range") and leaves *u
 * empty; on success the caller releases the strings with
 * rconn_url_clear(). */
int rconn_url_parse(const char *url, rconn_url *u, char *err, size_t errlen);

/* Frees the strings of *u (the password is wiped first) and zeroes it. */
void rconn_url_clear(rconn_url *u);

/* Writes "host:port", "[v6]:port" or the socket path, for log lines. */
void rconn_url_describe(const rconn_url *u, char *out, size_t outlen);

#endif /* QUIRE_REDIS_URL_H */
