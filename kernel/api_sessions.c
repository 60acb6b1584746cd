/*
 * api_sessions.c - /v1/sessions: client sessions kept in Redis, so a
 * client that loses its node resumes on any other.
 *
 * A session is the hash P:{sess:ID} (owner, role, created_ms, last_ms and
 * one field "sub:JOB" per job event stream it follows, holding the id of
 * the last event sent) with a TTL of session_ttl, refreshed whenever the
 * session is used. An event stream opened with ?session=ID records its
 * position there as it goes; opened again on any node with the same
 * session and no Last-Event-ID, it resumes right after that event, so
 * nothing is missed and nothing is sent twice.
 *
 * A session belongs to the token that created it: another token's caller
 * gets 404 (admins see every session).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "serve.h"

/* ============================== Keys ====================================== */

static void session_key(const server *srv, const char *id, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s:{sess:%s}", srv->prefix, id);
}

/* 32 hex digits of kernel randomness. */
static int new_session_id(char out[33])
{
    unsigned char raw[16];
    static const char hex[] = "0123456789abcdef";
    size_t got = 0;

    while (got < sizeof(raw)) {
        ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    for (size_t i = 0; i < sizeof(raw); i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 15];
    }
    out[32] = '\0';
    return 0;
}

/* 1 when `id` looks like one of ours (so it can go into a key). */
static int session_id_valid(const char *id)
{
    size_t n = strlen(id);
    if (n != 32)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
            return 0;
    return 1;
}

/* ============================== Create ==================================== */

static void on_session_created(rconn *rc, redisReply *reply, void *privdata)
{
    api_req *r = privdata;
    jbuf b;
    (void)rc;

    if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
        api_error(r, 503, "unavailable", "redis unavailable: the session was not created");
        return;
    }
    jbuf_init(&b);
    jb_obj_begin(&b);
    jb_key(&b, "id");
    jb_str(&b, r->stream);
    jb_key(&b, "ttl_ms");
    jb_int(&b, r->srv->session_ttl_ms);
    jb_obj_end(&b);
    api_respond_json(r, 201, &b);
}

void api_sessions_create(api_req *r)
{
    server *srv = r->srv;
    char *id = arena_alloc(r->arena, 33);
    char key[160], now[32], ttl[32], role[4];

    if (id == NULL || new_session_id(id) != 0) {
        api_error(r, 503, "unavailable", "could not make a session id");
        return;
    }
    session_key(srv, id, key, sizeof(key));
    snprintf(now, sizeof(now), "%lld", (long long)clock_wall_ms());
    snprintf(ttl, sizeof(ttl), "%lld", (long long)srv->session_ttl_ms);
    snprintf(role, sizeof(role), "%d", r->role);
    r->stream = id; /* the answer needs it; not a stream here */
    api_defer(r);
    /* MULTI is not needed: HSET then PEXPIRE on one connection run in
     * order, and a session without a TTL cannot happen because PEXPIRE is
     * queued before any reply is read. */
    rconn_command(srv->rc_cmd, NULL, NULL, "HSET %s owner %s role %s created_ms %s last_ms %s", key,
                  r->who, role, now, now);
    rconn_command(srv->rc_cmd, on_session_created, r, "PEXPIRE %s %s", key, ttl);
}

/* ============================== Read ====================================== */

static void on_session_read(rconn *rc, redisReply *reply, void *privdata)
{
    api_req *r = privdata;
    const char *owner = NULL;
    jbuf b;
    (void)rc;

    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY) {
        api_error(r, 503, "unavailable", "redis unavailable");
        return;
    }
    for (size_t i = 0; i + 1 < reply->elements; i += 2)
        if (strcmp(reply->element[i]->str, "owner") == 0)
            owner = reply->element[i + 1]->str;
    if (owner == NULL || (strcmp(owner, r->who) != 0 && r->role < ROLE_ADMIN)) {
        api_error(r, 404, "not_found", "no session %s (it may have expired)",
                  http_route_get(&r->caps, "id"));
        return;
    }
    jbuf_init(&b);
    jb_obj_begin(&b);
    jb_key(&b, "id");
    jb_str(&b, http_route_get(&r->caps, "id"));
    for (size_t i = 0; i + 1 < reply->elements; i += 2) {
        const char *f = reply->element[i]->str, *v = reply->element[i + 1]->str;
        if (strcmp(f, "owner") == 0) {
            jb_key(&b, "owner");
            jb_str(&b, v);
        } else if (strcmp(f, "created_ms") == 0 || strcmp(f, "last_ms") == 0) {
            jb_key(&b, f);
            jb_int(&b, atoll(v));
        }
    }
    jb_key(&b, "subscriptions");
    jb_obj_begin(&b);
    for (size_t i = 0; i + 1 < reply->elements; i += 2)
        if (strncmp(reply->element[i]->str, "sub:", 4) == 0) {
            jb_key(&b, reply->element[i]->str + 4);
            jb_str(&b, reply->element[i + 1]->str);
        }
    jb_obj_end(&b);
    jb_obj_end(&b);
    api_respond_json(r, 200, &b);
}

void api_sessions_get(api_req *r)
{
    server *srv = r->srv;
    const char *id = http_route_get(&r->caps, "id");
    char key[160], ttl[32], now[32];
    /* Using a session keeps it alive; an expired one is never brought
     * back (a bare HSET would re-create it without a TTL). */
    static const char script[] = "if redis.call('EXISTS', KEYS[1]) == 0 then return {} end "
                                 "redis.call('PEXPIRE', KEYS[1], ARGV[1]) "
                                 "redis.call('HSET', KEYS[1], 'last_ms', ARGV[2]) "
                                 "return redis.call('HGETALL', KEYS[1])";

    if (!session_id_valid(id)) {
        api_error(r, 404, "not_found", "no session %s", id);
        return;
    }
    session_key(srv, id, key, sizeof(key));
    snprintf(ttl, sizeof(ttl), "%lld", (long long)srv->session_ttl_ms);
    snprintf(now, sizeof(now), "%lld", (long long)clock_wall_ms());
    api_defer(r);
    rconn_command(srv->rc_cmd, on_session_read, r, "EVAL %s 1 %s %s %s", script, key, ttl, now);
}

static void on_session_deleted(rconn *rc, redisReply *reply, void *privdata)
{
    api_req *r = privdata;
    (void)rc;
    if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
        api_error(r, 503, "unavailable", "redis unavailable");
        return;
    }
    if (reply->type != REDIS_REPLY_INTEGER || reply->integer == 0) {
        api_error(r, 404, "not_found", "no session %s", http_route_get(&r->caps, "id"));
        return;
    }
    api_respond(r, 204, NULL, "", 0);
}

/* Deletes only the caller's own session (or any, for an admin): a Lua
 * check-and-delete keeps it one step. */
void api_sessions_delete(api_req *r)
{
    server *srv = r->srv;
    const char *id = http_route_get(&r->caps, "id");
    char key[160];
    static const char script[] =
        "local o = redis.call('HGET', KEYS[1], 'owner') "
        "if o and (o == ARGV[1] or ARGV[2] == '1') then return redis.call('DEL', KEYS[1]) end "
        "return 0";

    if (!session_id_valid(id)) {
        api_error(r, 404, "not_found", "no session %s", id);
        return;
    }
    session_key(srv, id, key, sizeof(key));
    api_defer(r);
    rconn_command(srv->rc_cmd, on_session_deleted, r, "EVAL %s 1 %s %s %s", script, key, r->who,
                  r->role >= ROLE_ADMIN ? "1" : "0");
}

/* ============================== Stream positions ========================== */

typedef struct position_lookup {
    api_req *r;
    void (*done)(api_req *r, const char *after);
} position_lookup;

static void on_position(rconn *rc, redisReply *reply, void *privdata)
{
    position_lookup *pl = privdata;
    api_req *r = pl->r;
    void (*done)(api_req *, const char *) = pl->done;
    const char *owner = NULL, *after = NULL;
    (void)rc;

    free(pl);
    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) {
        api_error(r, 503, "unavailable", "redis unavailable");
        return;
    }
    if (reply->element[0]->type == REDIS_REPLY_STRING)
        owner = reply->element[0]->str;
    if (reply->element[1]->type == REDIS_REPLY_STRING)
        after = reply->element[1]->str;
    if (owner == NULL || (strcmp(owner, r->who) != 0 && r->role < ROLE_ADMIN)) {
        api_error(r, 404, "not_found", "no session %s (it may have expired)",
                  http_query_get(&r->query, "session"));
        return;
    }
    done(r, after ? arena_strndup(r->arena, after, strlen(after)) : NULL);
}

int api_session_position(api_req *r, const char *session, const char *job,
                         void (*done)(api_req *r, const char *after))
{
    server *srv = r->srv;
    char key[160], field[200];
    position_lookup *pl;

    if (!session_id_valid(session)) {
        api_error(r, 404, "not_found", "no session %s", session);
        return -1;
    }
    pl = malloc(sizeof(*pl));
    if (pl == NULL) {
        api_error(r, 503, "unavailable", "out of memory");
        return -1;
    }
    pl->r = r;
    pl->done = done;
    session_key(srv, session, key, sizeof(key));
    snprintf(field, sizeof(field), "sub:%s", job);
    api_defer(r);
    rconn_command(srv->rc_cmd, on_position, pl, "HMGET %s owner %s", key, field);
    return 0;
}

void api_session_record(server *srv, const char *session, const char *job, const char *event_id)
{
    char key[160], field[200], ttl[32];
    static const char script[] = "if redis.call('EXISTS', KEYS[1]) == 1 then "
                                 "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) "
                                 "redis.call('PEXPIRE', KEYS[1], ARGV[3]) end return 0";

    session_key(srv, session, key, sizeof(key));
    snprintf(field, sizeof(field), "sub:%s", job);
    snprintf(ttl, sizeof(ttl), "%lld", (long long)srv->session_ttl_ms);
    rconn_command(srv->rc_cmd, NULL, NULL, "EVAL %s 1 %s %s %s %s", script, key, field, event_id,
                  ttl);
}
