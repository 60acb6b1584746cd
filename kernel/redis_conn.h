/*
 * redis_conn.h - one Redis connection on the server's libev loop.
 *
 * hiredis 0.14 (Debian 12) gives an async context and a libev adapter but
 * no connect timeout, no command timeout and no reconnect. This wrapper adds
 * the three: a connect that takes longer than connect_timeout_ms fails; a
 * command without a reply after command_timeout_ms drops the connection
 * (every pending callback then gets NULL); a lost connection is re-opened
 * with exponential backoff (backoff_min_ms doubling up to backoff_max_ms,
 * with jitter), and on_connect runs after every successful connect so the
 * owner can re-create what the server lost (consumer groups, scripts).
 *
 * Threading: every function and callback runs on the loop thread.
 *
 * Reply callbacks: each command's callback runs exactly once, never from
 * inside rconn_command() itself. reply == NULL means the outcome is unknown
 * (not connected, timed out, connection lost): the command may or may not
 * have run, so commands sent through here must be safe to repeat. The
 * reply is owned by hiredis and valid only during the callback.
 */
#ifndef QUIRE_REDIS_CONN_H
#define QUIRE_REDIS_CONN_H

#include <stddef.h>

#include <hiredis/hiredis.h>

struct ev_loop;

typedef struct rconn rconn;

typedef void rconn_reply_fn(rconn *rc, redisReply *reply, void *privdata);

typedef struct rconn_options {
    /* "redis://[:password@]host:port[/db]" or "unix:/path/to/sock[?db=N]".
     * Port defaults to 6379, db to 0; IPv6 hosts in brackets; the password
     * may be %XX-encoded and preceded by an ACL user ("user:password@"). */
    const char *url;
    /* CLIENT SETNAME after connect, and the name in log lines. */
    const char *name;
    /* > 0; covers the socket connect and the AUTH / SELECT / CLIENT
     * SETNAME (or PING) round trip that follows it. */
    int connect_timeout_ms;
    int command_timeout_ms; /* 0: none (a connection that only blocks in XREAD) */
    int backoff_min_ms;     /* first retry delay, > 0 */
    int backoff_max_ms;     /* cap of the doubling */
    /* After each successful connect (password and SELECT done). */
    void (*on_connect)(rconn *rc, void *ctx);
    /* After a connection is lost or a connect fails, once the pending
     * callbacks have had their NULL; `why` is a short text ("connect timed
     * out after 500 ms", "Connection refused", "no reply within 200 ms",
     * "handshake failed: WRONGPASS ..."). Not called by rconn_free(). */
    void (*on_disconnect)(rconn *rc, void *ctx, const char *why);
    void *ctx;
    /* Threshold (QUIRE_LOG_*) for this connection's log lines on stderr:
     * WARN "redis NAME: connection to HOST:PORT lost (why); reconnecting"
     * and "cannot connect to HOST:PORT (why); retrying" once per outage,
     * INFO "connected to HOST:PORT [after N attempts]", DEBUG each further
     * failed attempt. 0 (QUIRE_LOG_ERROR) keeps it quiet; pass the kernel's
     * log level. */
    int log_level;
} rconn_options;

/* Checks a URL's syntax; on failure writes why into err (names the part:
 * "redis_url: port 99999 is out of range"). Returns 0 or -1. */
int rconn_url_check(const char *url, char *err, size_t errlen);

/* Creates the connection and starts connecting at once (on the loop's next
 * iteration, so no callback runs before this returns). The strings in `o`
 * are copied; a name's spaces and control characters become '-'. Returns
 * NULL only when out of memory. A URL that rconn_url_check() would refuse
 * is logged as an error and the connection never comes up (commands get
 * NULL). */
rconn *rconn_new(struct ev_loop *loop, const rconn_options *o);

/* Closes the connection; pending callbacks get NULL before this returns.
 * No reconnect follows. NULL is ignored. May be called from any of rc's
 * callbacks (the memory is released when that callback returns). */
void rconn_free(rconn *rc);

/* 1 while connected and ready for commands. */
int rconn_connected(const rconn *rc);

/* Sends a command (hiredis format: "%s", "%b" with pointer and length).
 * Returns 0 when queued, -1 when not connected (fn is still called, with
 * NULL, from the loop). fn may be NULL for fire-and-forget. An empty
 * command is refused the same way. Not for SUBSCRIBE, PSUBSCRIBE or
 * MONITOR (their replies do not pair with commands). Out of memory for the
 * command's own record is the one case where fn is never called. */
int rconn_command(rconn *rc, rconn_reply_fn *fn, void *privdata, const char *fmt, ...);

/* The same with an argument vector (lengths may be NULL for C strings). */
int rconn_command_argv(rconn *rc, rconn_reply_fn *fn, void *privdata, int argc, const char **argv,
                       const size_t *argvlen);

/* Round-trip time of the last completed command in milliseconds (for
 * /metrics), 0 before the first. */
double rconn_last_rtt_ms(const rconn *rc);

/* Number of successful connects so far (1 after the first; each reconnect
 * adds one). */
unsigned rconn_connects(const rconn *rc);

/* Synchronous connect for start-up checks and tests, never for the loop
 * thread once it runs: parses `url`, connects with a timeout of timeout_ms,
 * sends AUTH and SELECT as the URL asks, and sets timeout_ms as the
 * command timeout. Returns a hiredis context the caller frees with
 * redisFree(), or NULL with the reason in err ("redis: cannot connect to
 * /tmp/x/redis.sock: No such file or directory"). TCP host names are
 * resolved with a blocking getaddrinfo(). */
redisContext *rconn_sync_connect(const char *url, int timeout_ms, char *err, size_t errlen);

#endif /* QUIRE_REDIS_CONN_H */
