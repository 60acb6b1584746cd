/*
 * redis_conn.c - one Redis connection on the server's libev loop (see
 * redis_conn.h): connect and command timeouts, reconnect with
 * backoff, and reply callbacks that run exactly once.
 *
 * Ownership of a command. Each command is an rcmd node. While hiredis holds
 * its callback (in_hiredis) hiredis owns one reference; while the node waits
 * in our lists or has not been answered yet, we own the other. Whoever lets
 * go last frees it. This is what makes a timeout safe: we answer the node
 * with NULL and drop the context, and hiredis may still call our trampoline
 * for it later (redisAsyncFree deferred inside a callback) without touching
 * freed memory.
 *
 * hiredis 0.14 rules this file relies on (async.c, v0.14.1):
 *  - redisAsyncFree() frees at once unless called inside a reply callback
 *    (REDIS_IN_CALLBACK), where the free happens after the callback returns.
 *    The connect callback is NOT a reply callback: freeing there is a
 *    use-after-free, so failures detected there are never freed by us.
 *  - when hiredis frees a context it calls every pending reply callback with
 *    NULL, then onDisconnect (only if it had connected), then frees it.
 *  - a failed connect calls onConnect(REDIS_ERR) and then frees the context.
 * ac->data points to the rconn only while that context is the current one;
 * it is set to NULL when we let a context go, so late callbacks are ignored.
 *
 * Re-entrancy: user code (reply callbacks, on_connect, on_disconnect) may
 * call rconn_free(). Every entry from the loop raises rc->depth; rconn_free()
 * inside user code closes everything but leaves the struct until the
 * outermost entry unwinds (leave()).
 */
#include "redis_conn.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <ev.h>
#include <hiredis/adapters/libev.h>
#include <hiredis/async.h>

#include <quire/plugin.h>

#include "log.h"
#include "redis_url.h"

#define WHY_MAX 160

/* ============================== URLs ====================================== */

int rconn_url_check(const char *url, char *err, size_t errlen)
{
    rconn_url u;

    if (rconn_url_parse(url, &u, err, errlen) != 0)
        return -1;
    rconn_url_clear(&u);
    return 0;
}

/* ============================== The connection ============================ */

enum rconn_state {
    ST_WAITING,    /* backoff timer running (or about to) */
    ST_CONNECTING, /* TCP/unix connect in progress */
    ST_HANDSHAKE,  /* AUTH / SELECT / CLIENT SETNAME in flight */
    ST_READY,
    ST_CLOSED, /* rconn_free() ran */
};

enum rcmd_kind { CMD_USER, CMD_HANDSHAKE };
enum rcmd_where { IN_SENT, IN_FAILQ, DONE };

typedef struct rcmd {
    struct rcmd *next;
    rconn_reply_fn *fn;
    void *privdata;
    double sent_at; /* ev_time() when handed to hiredis */
    unsigned char kind;
    unsigned char where;
    unsigned char in_hiredis; /* hiredis still holds our callback */
} rcmd;

typedef struct rcmd_list {
    rcmd *head, *tail;
} rcmd_list;

struct rconn {
    struct ev_loop *loop;
    rconn_options o; /* strings point to our copies below */
    rconn_url url;
    char *name;
    char where[300]; /* rconn_url_describe() */

    redisAsyncContext *ac;
    enum rconn_state state;
    int handshake_left;

    rcmd_list sent;  /* handed to hiredis on ac, oldest first */
    rcmd_list failq; /* to be answered with NULL from the loop */

    ev_timer connect_timer;
    ev_timer command_timer;
    ev_timer backoff_timer;
    ev_timer fail_timer; /* zero delay: answers failq outside rconn_command */

    unsigned attempts; /* failed attempts since the last success */
    unsigned connects; /* successful connects */
    double last_rtt_ms;
    uint64_t rng;
    int depth; /* entries from the loop currently on the stack */
};

static void list_push(rcmd_list *l, rcmd *n)
{
    n->next = NULL;
    if (l->tail != NULL)
        l->tail->next = n;
    else
        l->head = n;
    l->tail = n;
}

static rcmd *list_pop(rcmd_list *l)
{
    rcmd *n = l->head;

    if (n != NULL) {
        l->head = n->next;
        if (l->head == NULL)
            l->tail = NULL;
        n->next = NULL;
    }
    return n;
}

/* Moves every node of `from` to the end of `to`. */
static void list_splice(rcmd_list *to, rcmd_list *from)
{
    if (from->head == NULL)
        return;
    if (to->tail != NULL)
        to->tail->next = from->head;
    else
        to->head = from->head;
    to->tail = from->tail;
    from->head = from->tail = NULL;
}

static void rconn_log(const rconn *rc, int level, const char *fmt, ...) QUIRE_PRINTF(3, 4);

static void rconn_log(const rconn *rc, int level, const char *fmt, ...)
{
    char who[96];
    va_list ap;

    snprintf(who, sizeof(who), "redis%s%s", rc->name ? " " : "", rc->name ? rc->name : "");
    va_start(ap, fmt);
    log_vwrite(rc->o.log_level, level, who, fmt, ap);
    va_end(ap);
}

static uint64_t next_random(rconn *rc)
{
    /* xorshift64*: jitter only needs to be different between nodes. */
    rc->rng ^= rc->rng >> 12;
    rc->rng ^= rc->rng << 25;
    rc->rng ^= rc->rng >> 27;
    return rc->rng * 2685821657736338717ull;
}

/* The delay before the attempt after `attempts` failures: backoff_min_ms
 * doubling up to backoff_max_ms, then a random point in its upper half so
 * nodes that lost the same server do not come back in lockstep. */
static double backoff_seconds(rconn *rc)
{
    double base = rc->o.backoff_min_ms;
    unsigned shift = rc->attempts > 0 ? rc->attempts - 1 : 0;

    for (unsigned i = 0; i < shift && base < rc->o.backoff_max_ms; i++)
        base *= 2;
    if (base > rc->o.backoff_max_ms)
        base = rc->o.backoff_max_ms;
    base = base / 2 + (double)(next_random(rc) % 1000001) / 1000000.0 * (base / 2);
    return base / 1000.0;
}

/* Frees the struct once nothing of ours is on the stack any more. Returns 1
 * when the caller must not touch rc again. */
static int leave(rconn *rc)
{
    if (--rc->depth == 0 && rc->state == ST_CLOSED) {
        rconn_url_clear(&rc->url);
        free(rc->name);
        free(rc);
        return 1;
    }
    return rc->state == ST_CLOSED;
}

/* Answers every node of failq with NULL, in order. User callbacks may add
 * to failq (a command sent from a NULL callback) or free the connection;
 * the loop takes one node at a time so both are fine. */
static void drain_failq(rconn *rc)
{
    rcmd *n;

    while ((n = list_pop(&rc->failq)) != NULL) {
        n->where = DONE;
        /* Every caller holds rc->depth, so rc outlives a free from here. */
        if (n->kind == CMD_USER && n->fn != NULL)
            n->fn(rc, NULL, n->privdata);
        if (!n->in_hiredis)
            free(n);
    }
}

static void arm_command_timer(rconn *rc)
{
    double due;

    if (rc->o.command_timeout_ms <= 0 || rc->sent.head == NULL) {
        ev_timer_stop(rc->loop, &rc->command_timer);
        return;
    }
    if (ev_is_active(&rc->command_timer))
        return; /* it re-checks the oldest command when it fires */
    due = rc->sent.head->sent_at + rc->o.command_timeout_ms / 1000.0 - ev_time();
    ev_timer_set(&rc->command_timer, due > 0 ? due : 0, 0);
    ev_timer_start(rc->loop, &rc->command_timer);
}

/*
 * Lets the current context go and answers everything pending with NULL,
 * then arranges the next attempt. free_ac is 0 when hiredis is already
 * freeing the context (connect failure, disconnect, NULL replies): freeing
 * it again would be a double free. Called with rc->depth raised.
 */
static void conn_drop(rconn *rc, const char *why_in, int free_ac)
{
    redisAsyncContext *ac = rc->ac;
    enum rconn_state was = rc->state;
    char why[WHY_MAX];

    /* `why` may live in the context we are about to free. */
    snprintf(why, sizeof(why), "%s", why_in && *why_in ? why_in : "connection lost");
    rc->ac = NULL;
    ev_timer_stop(rc->loop, &rc->connect_timer);
    ev_timer_stop(rc->loop, &rc->command_timer);
    for (rcmd *n = rc->sent.head; n != NULL; n = n->next)
        n->where = IN_FAILQ;
    list_splice(&rc->failq, &rc->sent);
    if (ac != NULL) {
        ac->data = NULL;
        if (free_ac)
            redisAsyncFree(ac);
    }
    if (was == ST_CLOSED)
        return;

    rc->attempts++;
    if (was == ST_READY)
        rconn_log(rc, QUIRE_LOG_WARN, "connection to %s lost (%s); reconnecting", rc->where, why);
    else if (rc->attempts == 1)
        rconn_log(rc, QUIRE_LOG_WARN, "cannot connect to %s (%s); retrying", rc->where, why);
    else
        rconn_log(rc, QUIRE_LOG_DEBUG, "attempt %u to connect to %s failed (%s)", rc->attempts,
                  rc->where, why);
    rc->state = ST_WAITING;
    ev_timer_set(&rc->backoff_timer, backoff_seconds(rc), 0);
    ev_timer_start(rc->loop, &rc->backoff_timer);

    drain_failq(rc);
    if (rc->state != ST_CLOSED && rc->o.on_disconnect != NULL)
        rc->o.on_disconnect(rc, rc->o.ctx, why);
}

/* ============================== hiredis callbacks ========================= */

static void handshake_done(rconn *rc)
{
    rc->state = ST_READY;
    rc->connects++;
    ev_timer_stop(rc->loop, &rc->connect_timer);
    if (rc->attempts == 0)
        rconn_log(rc, QUIRE_LOG_INFO, "connected to %s", rc->where);
    else
        rconn_log(rc, QUIRE_LOG_INFO, "connected to %s after %u attempt%s", rc->where, rc->attempts,
                  rc->attempts == 1 ? "" : "s");
    rc->attempts = 0;
    if (rc->o.on_connect != NULL)
        rc->o.on_connect(rc, rc->o.ctx);
}

/* The callback hiredis runs for every command we sent (reply NULL when it
 * frees the context). */
static void on_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    rcmd *n = privdata;
    rconn *rc = ac->data;
    redisReply *reply = r;

    n->in_hiredis = 0;
    if (rc == NULL || n->where != IN_SENT) {
        /* Already answered by us (timeout, drop, free), or about to be. */
        if (n->where == DONE)
            free(n);
        return;
    }
    rc->depth++;
    if (reply == NULL) {
        /* hiredis is freeing this context: read error, EOF or an error
         * reply out of the blue. It frees it itself after we return. */
        conn_drop(rc, ac->c.errstr, 0);
        leave(rc);
        return;
    }
    /* Replies come in the order commands were sent: n is the oldest. */
    list_pop(&rc->sent);
    n->where = DONE;
    rc->last_rtt_ms = (ev_time() - n->sent_at) * 1000.0;
    if (n->kind == CMD_USER) {
        if (n->fn != NULL)
            n->fn(rc, reply, n->privdata);
    } else if (reply->type == REDIS_REPLY_ERROR) {
        char why[WHY_MAX];

        snprintf(why, sizeof(why), "handshake failed: %s", reply->str);
        conn_drop(rc, why, 1); /* inside a reply callback: hiredis defers the free */
    } else if (--rc->handshake_left == 0 && rc->state == ST_HANDSHAKE) {
        handshake_done(rc);
    }
    free(n);
    if (rc->state != ST_CLOSED)
        arm_command_timer(rc);
    leave(rc);
}

static int send_handshake(rconn *rc, int argc, const char **argv)
{
    rcmd *n = calloc(1, sizeof(*n));

    if (n == NULL)
        return -1;
    n->kind = CMD_HANDSHAKE;
    n->sent_at = ev_time();
    if (redisAsyncCommandArgv(rc->ac, on_reply, n, argc, argv, NULL) != REDIS_OK) {
        free(n);
        return -1;
    }
    n->in_hiredis = 1;
    n->where = IN_SENT;
    list_push(&rc->sent, n);
    rc->handshake_left++;
    return 0;
}

/* Runs inside hiredis's connect handling, which is not a reply callback:
 * the context must not be freed here, whatever happens. */
static void on_connected(const redisAsyncContext *cac, int status)
{
    rconn *rc = cac->data;
    char dbtext[16];

    if (rc == NULL)
        return;
    rc->depth++;
    if (status != REDIS_OK) {
        conn_drop(rc, cac->c.errstr, 0); /* hiredis frees it after we return */
        leave(rc);
        return;
    }
    rc->state = ST_HANDSHAKE;
    rc->handshake_left = 0;
    /* A failed send (out of memory) leaves the handshake incomplete and the
     * connect timer drops the connection from outside hiredis. */
    if (rc->url.password != NULL) {
        const char *auth[3] = {"AUTH", rc->url.user ? rc->url.user : rc->url.password,
                               rc->url.password};
        (void)send_handshake(rc, rc->url.user ? 3 : 2, auth);
    }
    if (rc->url.db != 0) {
        const char *sel[2] = {"SELECT", dbtext};

        snprintf(dbtext, sizeof(dbtext), "%d", rc->url.db);
        (void)send_handshake(rc, 2, sel);
    }
    if (rc->name != NULL) {
        const char *setname[3] = {"CLIENT", "SETNAME", rc->name};
        (void)send_handshake(rc, 3, setname);
    } else {
        /* Always one round trip: the connection is ready only once the
         * server has answered, and on_connect then runs from a reply
         * callback where the user may free us safely. */
        const char *ping[1] = {"PING"};
        (void)send_handshake(rc, 1, ping);
    }
    arm_command_timer(rc);
    leave(rc);
}

static void on_disconnected(const redisAsyncContext *cac, int status)
{
    rconn *rc = cac->data;

    (void)status;
    if (rc == NULL)
        return; /* a context we had already let go */
    rc->depth++;
    conn_drop(rc, cac->c.errstr, 0);
    leave(rc);
}

/* ============================== Timers ==================================== */

static void start_connect(rconn *rc)
{
    redisAsyncContext *ac;

    rc->state = ST_CONNECTING;
    if (rc->url.is_unix)
        ac = redisAsyncConnectUnix(rc->url.path);
    else
        ac = redisAsyncConnect(rc->url.host, rc->url.port);
    if (ac == NULL) {
        conn_drop(rc, "out of memory", 0);
        return;
    }
    rc->ac = ac;
    if (ac->c.err != 0) {
        /* Failed at once (no such socket, refused on a unix socket). */
        conn_drop(rc, ac->c.errstr, 1);
        return;
    }
    if (!rc->url.is_unix)
        (void)redisEnableKeepAlive(&ac->c);
    ac->data = rc;
    if (redisLibevAttach(rc->loop, ac) != REDIS_OK) {
        conn_drop(rc, "cannot attach to the event loop", 1);
        return;
    }
    (void)redisAsyncSetDisconnectCallback(ac, on_disconnected);
    (void)redisAsyncSetConnectCallback(ac, on_connected);
    ev_timer_set(&rc->connect_timer, rc->o.connect_timeout_ms / 1000.0, 0);
    ev_timer_start(rc->loop, &rc->connect_timer);
}

static void on_backoff_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
    rconn *rc = w->data;

    (void)loop;
    (void)revents;
    rc->depth++;
    start_connect(rc);
    leave(rc);
}

static void on_connect_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
    rconn *rc = w->data;
    char why[WHY_MAX];

    (void)loop;
    (void)revents;
    rc->depth++;
    snprintf(why, sizeof(why), "connect timed out after %d ms", rc->o.connect_timeout_ms);
    conn_drop(rc, why, 1);
    leave(rc);
}

static void on_command_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
    rconn *rc = w->data;
    char why[WHY_MAX];

    (void)loop;
    (void)revents;
    if (rc->sent.head == NULL)
        return;
    if (ev_time() - rc->sent.head->sent_at < rc->o.command_timeout_ms / 1000.0 - 0.0005) {
        arm_command_timer(rc); /* the oldest command is younger than the timeout */
        return;
    }
    rc->depth++;
    snprintf(why, sizeof(why), "no reply within %d ms", rc->o.command_timeout_ms);
    conn_drop(rc, why, 1);
    leave(rc);
}

static void on_fail_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
    rconn *rc = w->data;

    (void)loop;
    (void)revents;
    rc->depth++;
    drain_failq(rc);
    leave(rc);
}

/* ============================== Public API ================================ */

rconn *rconn_new(struct ev_loop *loop, const rconn_options *o)
{
    rconn *rc = calloc(1, sizeof(*rc));
    char err[256];

    if (rc == NULL)
        return NULL;
    rc->loop = loop;
    rc->o = *o;
    rc->o.url = NULL;
    rc->o.name = NULL;
    if (rc->o.connect_timeout_ms <= 0)
        rc->o.connect_timeout_ms = 1000;
    if (rc->o.command_timeout_ms < 0)
        rc->o.command_timeout_ms = 0;
    if (rc->o.backoff_min_ms <= 0)
        rc->o.backoff_min_ms = 100;
    if (rc->o.backoff_max_ms < rc->o.backoff_min_ms)
        rc->o.backoff_max_ms = rc->o.backoff_min_ms;
    if (o->name != NULL) {
        rc->name = strdup(o->name);
        if (rc->name == NULL)
            goto fail_free_rc;
        /* CLIENT SETNAME refuses spaces and control characters; a bad name
         * must not turn into an endless reconnect loop. */
        for (char *p = rc->name; *p != '\0'; p++)
            if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
                *p = '-';
    }
    rc->state = ST_WAITING;
    rc->rng = (uint64_t)(uintptr_t)rc ^ (uint64_t)(ev_time() * 1e6) ^ ((uint64_t)getpid() << 32);
    if (rc->rng == 0)
        rc->rng = 0x9e3779b97f4a7c15ull;
    ev_timer_init(&rc->connect_timer, on_connect_timer, 0, 0);
    ev_timer_init(&rc->command_timer, on_command_timer, 0, 0);
    ev_timer_init(&rc->backoff_timer, on_backoff_timer, 0, 0);
    ev_timer_init(&rc->fail_timer, on_fail_timer, 0, 0);
    rc->connect_timer.data = rc->command_timer.data = rc->backoff_timer.data = rc;
    rc->fail_timer.data = rc;

    if (rconn_url_parse(o->url, &rc->url, err, sizeof(err)) != 0) {
        /* Config validation runs rconn_url_check() first; a bad URL here
         * is logged once and the connection never comes up. */
        rconn_log(rc, QUIRE_LOG_ERROR, "%s", err);
        snprintf(rc->where, sizeof(rc->where), "(invalid url)");
        return rc;
    }
    rconn_url_describe(&rc->url, rc->where, sizeof(rc->where));
    /* Connect from the loop, not from here: a connect that fails at once
     * would otherwise run on_disconnect before the caller has rc. */
    ev_timer_start(loop, &rc->backoff_timer);
    return rc;

fail_free_rc:
    free(rc);
    return NULL;
}

void rconn_free(rconn *rc)
{
    if (rc == NULL || rc->state == ST_CLOSED)
        return;
    rc->depth++;
    rc->state = ST_CLOSED;
    ev_timer_stop(rc->loop, &rc->backoff_timer);
    ev_timer_stop(rc->loop, &rc->fail_timer);
    conn_drop(rc, "closed", 1);
    drain_failq(rc);
    leave(rc);
}

int rconn_connected(const rconn *rc)
{
    return rc != NULL && rc->state == ST_READY;
}

/* Queues n for a NULL answer from the loop. */
static int fail_later(rconn *rc, rcmd *n)
{
    n->where = IN_FAILQ;
    list_push(&rc->failq, n);
    if (rc->state != ST_CLOSED && !ev_is_active(&rc->fail_timer)) {
        ev_timer_set(&rc->fail_timer, 0, 0);
        ev_timer_start(rc->loop, &rc->fail_timer);
    }
    return -1;
}

/* Sends through hiredis when ready. `send` formats and appends; it returns
 * REDIS_OK or REDIS_ERR like redisAsyncCommand. */
typedef struct send_args {
    const char *fmt;
    va_list *ap;
    int argc;
    const char **argv;
    const size_t *argvlen;
} send_args;

/* hiredis 0.14 asserts on a command without any word ("" or argc 0), so
 * those are answered with NULL instead of reaching it. */
static int command_has_words(const send_args *a)
{
    if (a->fmt == NULL)
        return a->argc > 0 && a->argv != NULL;
    for (const char *p = a->fmt; *p != '\0'; p++)
        if (*p != ' ')
            return 1;
    return 0;
}

static int dispatch(rconn *rc, rconn_reply_fn *fn, void *privdata, const send_args *a)
{
    rcmd *n = calloc(1, sizeof(*n));
    int st;

    if (n == NULL) {
        /* Out of memory: the one case where fn cannot be called later.
         * Report it the only way left, at once. Never seen in practice. */
        return -1;
    }
    n->kind = CMD_USER;
    n->fn = fn;
    n->privdata = privdata;
    if (rc->state != ST_READY || rc->ac == NULL || !command_has_words(a))
        return fail_later(rc, n);
    n->sent_at = ev_time();
    if (a->fmt != NULL)
        st = redisvAsyncCommand(rc->ac, on_reply, n, a->fmt, *a->ap);
    else
        st = redisAsyncCommandArgv(rc->ac, on_reply, n, a->argc, a->argv, a->argvlen);
    if (st != REDIS_OK)
        return fail_later(rc, n);
    n->in_hiredis = 1;
    n->where = IN_SENT;
    list_push(&rc->sent, n);
    arm_command_timer(rc);
    return 0;
}

int rconn_command(rconn *rc, rconn_reply_fn *fn, void *privdata, const char *fmt, ...)
{
    va_list ap;
    send_args a = {.fmt = fmt, .ap = &ap};
    int ret;

    va_start(ap, fmt);
    ret = dispatch(rc, fn, privdata, &a);
    va_end(ap);
    return ret;
}

int rconn_command_argv(rconn *rc, rconn_reply_fn *fn, void *privdata, int argc, const char **argv,
                       const size_t *argvlen)
{
    send_args a = {.argc = argc, .argv = argv, .argvlen = argvlen};

    return dispatch(rc, fn, privdata, &a);
}

double rconn_last_rtt_ms(const rconn *rc)
{
    return rc->last_rtt_ms;
}

unsigned rconn_connects(const rconn *rc)
{
    return rc->connects;
}

/* ============================== Synchronous helper ======================== */

redisContext *rconn_sync_connect(const char *url, int timeout_ms, char *err, size_t errlen)
{
    rconn_url u;
    redisContext *c;
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    redisReply *r;

    if (rconn_url_parse(url, &u, err, errlen) != 0)
        return NULL;
    c = u.is_unix ? redisConnectUnixWithTimeout(u.path, tv)
                  : redisConnectWithTimeout(u.host, u.port, tv);
    if (c == NULL || c->err != 0) {
        char where[300];

        rconn_url_describe(&u, where, sizeof(where));
        snprintf(err, errlen, "redis: cannot connect to %s: %s", where,
                 c ? c->errstr : "out of memory");
        goto fail_free_context;
    }
    if (redisSetTimeout(c, tv) != REDIS_OK) {
        snprintf(err, errlen, "redis: cannot set the timeout: %s", c->errstr);
        goto fail_free_context;
    }
    if (u.password != NULL) {
        r = u.user ? redisCommand(c, "AUTH %s %s", u.user, u.password)
                   : redisCommand(c, "AUTH %s", u.password);
        if (r == NULL || r->type == REDIS_REPLY_ERROR) {
            snprintf(err, errlen, "redis: AUTH failed: %s", r ? r->str : c->errstr);
            freeReplyObject(r);
            goto fail_free_context;
        }
        freeReplyObject(r);
    }
    if (u.db != 0) {
        r = redisCommand(c, "SELECT %d", u.db);
        if (r == NULL || r->type == REDIS_REPLY_ERROR) {
            snprintf(err, errlen, "redis: SELECT %d failed: %s", u.db, r ? r->str : c->errstr);
            freeReplyObject(r);
            goto fail_free_context;
        }
        freeReplyObject(r);
    }
    rconn_url_clear(&u);
    return c;

fail_free_context:
    if (c != NULL)
        redisFree(c);
    rconn_url_clear(&u);
    return NULL;
}
