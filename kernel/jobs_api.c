/*
 * jobs_api.c - the calls the REST API makes: create, get, list, control
 * and output. Each is a short chain of Redis commands on `cmd`; results go
 * to the caller's callback as plain structs valid during the call.
 */
#include "jobs_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define UNAVAILABLE "redis unavailable"

/* ============================== Create ==================================== */

typedef struct create_op {
    jobs_create_fn *cb;
    void *ctx;
    char id[32];
    char now[32];
} create_op;

static void on_create_failed_mark(jobs *j, redisReply *reply, void *priv)
{
    (void)j;
    (void)reply;
    (void)priv;
}

/* The hash says queued but no queue entry may exist: mark it failed so it
 * does not look queued forever (best effort: if this is lost too, the job
 * stays "queued" with no entry; the caller got 503 and never saw its id). */
static void create_failed(jobs *j, create_op *op)
{
    char *hash = jobs_key(j, op->id, "");
    const char *argv[] = {"HSET",   hash ? hash : "", "state",
                          "failed", "error",          "could not be queued: " UNAVAILABLE};
    jobs_cmd(j, j->cmd, on_create_failed_mark, NULL, NULL, 6, argv, NULL);
    free(hash);
    op->cb(op->ctx, JOBS_E_UNAVAILABLE, UNAVAILABLE, NULL);
    free(op);
}

static void on_create_xadd(jobs *j, redisReply *reply, void *priv)
{
    create_op *op = priv;
    if (!reply || reply->type == REDIS_REPLY_ERROR) {
        create_failed(j, op);
        return;
    }
    op->cb(op->ctx, JOBS_OK, "", op->id);
    free(op);
}

static void on_create_zadd(jobs *j, redisReply *reply, void *priv)
{
    create_op *op = priv;
    if (!reply || reply->type == REDIS_REPLY_ERROR) {
        create_failed(j, op);
        return;
    }
    const char *argv[] = {"XADD", j->k_queue, "*", "job", op->id};
    jobs_cmd(j, j->cmd, on_create_xadd, op, free, 5, argv, NULL);
}

static void on_create_hash(jobs *j, redisReply *reply, void *priv)
{
    create_op *op = priv;
    if (!reply || reply->type == REDIS_REPLY_ERROR) {
        op->cb(op->ctx, JOBS_E_UNAVAILABLE, UNAVAILABLE, NULL);
        free(op);
        return;
    }
    const char *argv[] = {"ZADD", j->k_index, op->now, op->id};
    jobs_cmd(j, j->cmd, on_create_zadd, op, free, 4, argv, NULL);
}

void jobs_create(jobs *j, const job_spec *spec, jobs_create_fn *cb, void *ctx)
{
    if (!spec || !spec->report || !spec->report[0] || !spec->format || !spec->format[0]) {
        cb(ctx, JOBS_E_INVALID, "job spec needs a report and a format", NULL);
        return;
    }
    if (!rconn_connected(j->cmd)) {
        cb(ctx, JOBS_E_UNAVAILABLE, UNAVAILABLE, NULL);
        return;
    }
    create_op *op = calloc(1, sizeof *op);
    size_t argc = 7 + 20 + 2 * spec->nparams;
    const char **argv = calloc(argc, sizeof *argv);
    char **pnames = calloc(spec->nparams ? spec->nparams : 1, sizeof *pnames);
    char *hash = NULL, *evk = NULL;
    if (!op || !argv || !pnames)
        goto fail_nomem;
    uint32_t rnd = 0;
    if (getrandom(&rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
        rnd = (uint32_t)clock_mono_ms() ^ (uint32_t)(uintptr_t)op;
    int64_t now = clock_wall_ms();
    snprintf(op->id, sizeof op->id, "%012llx%08x", (unsigned long long)now, (unsigned)rnd);
    snprintf(op->now, sizeof op->now, "%lld", (long long)now);
    op->cb = cb;
    op->ctx = ctx;
    hash = jobs_key(j, op->id, "");
    evk = jobs_key(j, op->id, ":events");
    if (!hash || !evk)
        goto fail_nomem;
    char maxlen[16];
    snprintf(maxlen, sizeof maxlen, "%d", j->o.event_maxlen);
    size_t k = 0;
    argv[k++] = "EVAL";
    argv[k++] = jobs_lua_create;
    argv[k++] = "2";
    argv[k++] = hash;
    argv[k++] = evk;
    argv[k++] = maxlen;
    argv[k++] = op->now;
    const char *fixed[] = {"state",      "queued",     "report", spec->report, "format",
                           spec->format, "created_ms", op->now,  "attempts",   "0",
                           "control",    "",           "rows",   "0",          "rows_total",
                           "-1",         "pages",      "0",      "percent",    "-1"};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        argv[k++] = fixed[i];
    if (spec->page && spec->page[0]) {
        argv[k++] = "page";
        argv[k++] = spec->page;
    }
    for (size_t i = 0; i < spec->nparams; i++) {
        size_t n = strlen(spec->params[i].name) + 3;
        pnames[i] = malloc(n);
        if (!pnames[i])
            goto fail_nomem;
        snprintf(pnames[i], n, "p:%s", spec->params[i].name);
        argv[k++] = pnames[i];
        argv[k++] = spec->params[i].value ? spec->params[i].value : "";
    }
    jobs_cmd(j, j->cmd, on_create_hash, op, free, (int)k, argv, NULL);
    op = NULL;
    goto cleanup;
fail_nomem:
    cb(ctx, JOBS_E_INTERNAL, "out of memory", NULL);
cleanup:
    for (size_t i = 0; pnames && i < spec->nparams; i++)
        free(pnames[i]);
    free(pnames);
    free(argv);
    free(hash);
    free(evk);
    free(op);
}

/* ============================== Get ======================================= */

typedef struct get_op {
    jobs_info_fn *cb;
    void *ctx;
    char *id;
} get_op;

static void get_drop(void *p)
{
    get_op *op = p;
    free(op->id);
    free(op);
}

static get_op *get_op_new(const char *id, jobs_info_fn *cb, void *ctx)
{
    get_op *op = calloc(1, sizeof *op);
    if (op && !(op->id = strdup(id))) {
        free(op);
        op = NULL;
    }
    if (op) {
        op->cb = cb;
        op->ctx = ctx;
    }
    return op;
}

static void not_found(char *msg, size_t n, const char *id)
{
    snprintf(msg, n, "job %.200s not found", id);
}

static void on_get(jobs *j, redisReply *reply, void *priv)
{
    (void)j;
    get_op *op = priv;
    char msg[300];
    job_info info;
    job_param *params = NULL;
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        op->cb(op->ctx, JOBS_E_UNAVAILABLE, UNAVAILABLE, NULL);
    } else if (reply->elements == 0) {
        not_found(msg, sizeof msg, op->id);
        op->cb(op->ctx, JOBS_E_NOT_FOUND, msg, NULL);
    } else if (jobs_info_from_hash(reply, op->id, &info, &params) != 0) {
        op->cb(op->ctx, JOBS_E_INTERNAL, "out of memory", NULL);
    } else {
        op->cb(op->ctx, JOBS_OK, "", &info);
    }
    free(params);
    get_drop(op);
}

static int check_id(const char *id, char *msg, size_t n)
{
    if (!id || !id[0]) {
        snprintf(msg, n, "job id is empty");
        return -1;
    }
    if (strlen(id) > 64 || strpbrk(id, "{}: ")) {
        snprintf(msg, n, "job id '%.80s' is not valid", id);
        return -1;
    }
    return 0;
}

void jobs_get(jobs *j, const char *id, jobs_info_fn *cb, void *ctx)
{
    char msg[200];
    if (check_id(id, msg, sizeof msg) != 0) {
        cb(ctx, JOBS_E_INVALID, msg, NULL);
        return;
    }
    get_op *op = get_op_new(id, cb, ctx);
    char *hash = jobs_key(j, id, "");
    if (!op || !hash) {
        free(hash);
        if (op)
            get_drop(op);
        cb(ctx, JOBS_E_INTERNAL, "out of memory", NULL);
        return;
    }
    const char *argv[] = {"HGETALL", hash};
    jobs_cmd(j, j->cmd, on_get, op, get_drop, 2, argv, NULL);
    free(hash);
}

/* ============================== List ====================================== */

typedef struct list_item {
    char *id;
    char **kv; /* NULL: gone (expired between the index and the hash) */
    size_t nkv;
} list_item;

typedef struct list_op {
    jobs_list_fn *cb;
    void *ctx;
    int state, limit;
    long long offset, window;
    size_t n, waiting;
    int failed;
    int more;
    list_item *items;
} list_op;

static void list_drop(void *p)
{
    list_op *op = p;
    for (size_t i = 0; i < op->n; i++) {
        free(op->items[i].id);
        for (size_t k = 0; k < op->items[i].nkv; k++)
            free(op->items[i].kv[k]);
        free(op->items[i].kv);
    }
    free(op->items);
    free(op);
}

typedef struct list_ref {
    list_op *op;
    size_t i;
} list_ref;

static void list_ref_drop(void *p)
{
    list_ref *ref = p;
    if (--ref->op->waiting == 0)
        list_drop(ref->op);
    free(ref);
}

static void list_complete(list_op *op)
{
    if (op->failed) {
        op->cb(op->ctx, JOBS_E_UNAVAILABLE, UNAVAILABLE, NULL, 0, NULL);
        return;
    }
    job_info *infos = calloc(op->n ? op->n : 1, sizeof *infos);
    job_param **params = calloc(op->n ? op->n : 1, sizeof *params);
    size_t m = 0;
    long long consumed = op->window;
    if (!infos || !params) {
        free(infos);
        free(params);
        op->cb(op->ctx, JOBS_E_INTERNAL, "out of memory", NULL, 0, NULL);
        return;
    }
    for (size_t i = 0; i < op->n; i++) {
        list_item *it = &op->items[i];
        if (!it->kv || it->nkv == 0)
            continue;
        if (jobs_info_from_pairs((const char *const *)it->kv, it->nkv, it->id, &infos[m],
                                 &params[m]) != 0)
            continue;
        if (op->state >= 0 && (int)infos[m].state != op->state) {
            free(params[m]);
            params[m] = NULL;
            continue;
        }
        m++;
        if ((int)m == op->limit) {
            /* Stop here: the next page starts right after this entry. */
            consumed = (long long)i + 1;
            break;
        }
    }
    if (consumed < op->window && consumed < (long long)op->n)
        op->more = 1;
    char next[32];
    snprintf(next, sizeof next, "%lld", op->offset + consumed);
    op->cb(op->ctx, JOBS_OK, "", infos, m, op->more ? next : NULL);
    for (size_t i = 0; i < op->n; i++)
        free(params[i]);
    free(params);
    free(infos);
}

static void on_list_item(jobs *j, redisReply *reply, void *priv)
{
    (void)j;
    list_ref *ref = priv;
    list_op *op = ref->op;
    list_item *it = &op->items[ref->i];
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        op->failed = 1;
    } else if (reply->elements > 0) {
        it->kv = calloc(reply->elements, sizeof *it->kv);
        if (it->kv) {
            it->nkv = reply->elements;
            for (size_t k = 0; k < reply->elements; k++) {
                const char *s = jobs_reply_str(reply->element[k]);
                it->kv[k] = strdup(s ? s : "");
                if (!it->kv[k])
                    op->failed = 1;
            }
        }
    }
    if (op->waiting == 1)
        list_complete(op);
    list_ref_drop(ref);
}

static void on_list_index(jobs *j, redisReply *reply, void *priv)
{
    list_op *op = priv;
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        op->cb(op->ctx, JOBS_E_UNAVAILABLE, UNAVAILABLE, NULL, 0, NULL);
        list_drop(op);
        return;
    }
    op->more = (long long)reply->elements == op->window;
    op->items = calloc(reply->elements ? reply->elements : 1, sizeof *op->items);
    if (!op->items) {
        op->cb(op->ctx, JOBS_E_INTERNAL, "out of memory", NULL, 0, NULL);
        list_drop(op);
        return;
    }
    for (size_t i = 0; i < reply->elements; i++) {
        const char *s = jobs_reply_str(reply->element[i]);
        op->items[op->n].id = strdup(s ? s : "");
        if (op->items[op->n].id)
            op->n++;
    }
    if (op->n == 0) {
        op->cb(op->ctx, JOBS_OK, "", NULL, 0, NULL);
        list_drop(op);
        return;
    }
    op->waiting = op->n;
    for (size_t i = 0; i < op->n; i++) {
        list_ref *ref = calloc(1, sizeof *ref);
        char *hash = jobs_key(j, op->items[i].id, "");
        if (!ref || !hash) {
            /* Counts as an answer with nothing in it. */
            free(hash);
            free(ref);
            op->failed = 1;
            if (--op->waiting == 0) {
                list_complete(op);
                list_drop(op);
            }
            continue;
        }
        ref->op = op;
        ref->i = i;
        const char *argv[] = {"HGETALL", hash};
        jobs_cmd(j, j->cmd, on_list_item, ref, list_ref_drop, 2, argv, NULL);
        free(hash);
    }
}

void jobs_list(jobs *j, int state, int limit, const char *cursor, jobs_list_fn *cb, void *ctx)
{
    char msg[200];
    if (limit < 1 || limit > 1000) {
        snprintf(msg, sizeof msg, "limit %d is out of range 1..1000", limit);
        cb(ctx, JOBS_E_INVALID, msg, NULL, 0, NULL);
        return;
    }
    if (state >= JOB_STATE_COUNT) {
        snprintf(msg, sizeof msg, "state %d is not a job state", state);
        cb(ctx, JOBS_E_INVALID, msg, NULL, 0, NULL);
        return;
    }
    long long off = 0;
    if (cursor && cursor[0]) {
        char *end;
        off = strtoll(cursor, &end, 10);
        if (*end || off < 0) {
            snprintf(msg, sizeof msg, "cursor '%.80s' is not valid", cursor);
            cb(ctx, JOBS_E_INVALID, msg, NULL, 0, NULL);
            return;
        }
    }
    list_op *op = calloc(1, sizeof *op);
    if (!op) {
        cb(ctx, JOBS_E_INTERNAL, "out of memory", NULL, 0, NULL);
        return;
    }
    op->cb = cb;
    op->ctx = ctx;
    op->state = state < 0 ? -1 : state;
    op->limit = limit;
    op->offset = off;
    op->window = state < 0 ? limit : (long long)limit * 10;
    char a[32], b[32];
    snprintf(a, sizeof a, "%lld", off);
    snprintf(b, sizeof b, "%lld", off + op->window - 1);
    const char *argv[] = {"ZREVRANGE", j->k_index, a, b};
    jobs_cmd(j, j->cmd, on_list_index, op, list_drop, 4, argv, NULL);
}

/* ============================== Control =================================== */

typedef struct control_op {
    jobs_control_fn *cb;
    void *ctx;
    char *id;
} control_op;

static void control_drop(void *p)
{
    control_op *op = p;
    free(op->id);
    free(op);
}

static void on_control(jobs *j, redisReply *reply, void *priv)
{
    (void)j;
    control_op *op = priv;
    char msg[300];
    const char *what = reply && reply->type == REDIS_REPLY_ARRAY && reply->elements > 0
                           ? jobs_reply_str(reply->element[0])
                           : NULL;
    const char *st = reply && reply->type == REDIS_REPLY_ARRAY && reply->elements > 1
                         ? jobs_reply_str(reply->element[1])
                         : NULL;
    job_state s = JOB_STATE_QUEUED;
    if (reply != NULL && reply->type == REDIS_REPLY_ERROR) {
        /* Redis answered, so it is not unavailable: a script error is ours. */
        snprintf(msg, sizeof msg, "the control script failed: %.250s", reply->str);
        op->cb(op->ctx, JOBS_E_INTERNAL, msg, s);
    } else if (!what) {
        op->cb(op->ctx, JOBS_E_UNAVAILABLE, UNAVAILABLE, s);
    } else if (strcmp(what, "notfound") == 0) {
        not_found(msg, sizeof msg, op->id);
        op->cb(op->ctx, JOBS_E_NOT_FOUND, msg, s);
    } else if (!st || job_state_parse(st, &s) != 0) {
        op->cb(op->ctx, JOBS_E_INTERNAL, "unexpected reply from the control script", s);
    } else if (strcmp(what, "conflict") == 0) {
        snprintf(msg, sizeof msg, "job %.200s is already %s", op->id, st);
        op->cb(op->ctx, JOBS_E_CONFLICT, msg, s);
    } else {
        op->cb(op->ctx, JOBS_OK, "", s);
    }
    control_drop(op);
}

void jobs_control(jobs *j, const char *id, int action, jobs_control_fn *cb, void *ctx)
{
    char msg[200];
    const char *a = action == JOB_PAUSE    ? "pause"
                    : action == JOB_RESUME ? "resume"
                    : action == JOB_CANCEL ? "cancel"
                                           : NULL;
    if (check_id(id, msg, sizeof msg) != 0 || !a) {
        if (!a)
            snprintf(msg, sizeof msg, "control action %d is not pause, resume or cancel", action);
        cb(ctx, JOBS_E_INVALID, msg, JOB_STATE_QUEUED);
        return;
    }
    control_op *op = calloc(1, sizeof *op);
    char *hash = jobs_key(j, id, "");
    char *evk = jobs_key(j, id, ":events");
    char *outk = jobs_key(j, id, ":output");
    if (!op || !(op->id = strdup(id)) || !hash || !evk || !outk) {
        if (op)
            control_drop(op);
        cb(ctx, JOBS_E_INTERNAL, "out of memory", JOB_STATE_QUEUED);
        goto cleanup;
    }
    op->cb = cb;
    op->ctx = ctx;
    char now[32], maxlen[16], ttl[16];
    snprintf(now, sizeof now, "%lld", (long long)clock_wall_ms());
    snprintf(maxlen, sizeof maxlen, "%d", j->o.event_maxlen);
    snprintf(ttl, sizeof ttl, "%d", j->o.result_ttl_s);
    const char *argv[] = {"EVAL", jobs_lua_control, "3", hash, evk, outk, a, now, maxlen, ttl};
    jobs_cmd(j, j->cmd, on_control, op, control_drop, 10, argv, NULL);
cleanup:
    free(hash);
    free(evk);
    free(outk);
}

/* ============================== Output ==================================== */

typedef struct output_op {
    jobs_output_fn *cb;
    void *ctx;
    char *id;
    char *path;
    char *mime;
    long long size;
} output_op;

static void output_drop(void *p)
{
    output_op *op = p;
    free(op->id);
    free(op->path);
    free(op->mime);
    free(op);
}

static void on_output_get(jobs *j, redisReply *reply, void *priv)
{
    (void)j;
    output_op *op = priv;
    char msg[300];
    if (!reply || reply->type == REDIS_REPLY_ERROR) {
        op->cb(op->ctx, JOBS_E_UNAVAILABLE, UNAVAILABLE, NULL);
    } else if (reply->type != REDIS_REPLY_STRING) {
        snprintf(msg, sizeof msg, "output of job %.200s not found (expired)", op->id);
        op->cb(op->ctx, JOBS_E_NOT_FOUND, msg, NULL);
    } else {
        job_output out = {JOB_OUTPUT_REDIS, reply->str, reply->len, NULL, op->mime};
        op->cb(op->ctx, JOBS_OK, "", &out);
    }
    output_drop(op);
}

static void on_output_meta(jobs *j, redisReply *reply, void *priv)
{
    output_op *op = priv;
    char msg[300];
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 5) {
        op->cb(op->ctx, JOBS_E_UNAVAILABLE, UNAVAILABLE, NULL);
        output_drop(op);
        return;
    }
    const char *st = jobs_reply_str(reply->element[0]);
    const char *kind = jobs_reply_str(reply->element[1]);
    if (!st) {
        not_found(msg, sizeof msg, op->id);
        op->cb(op->ctx, JOBS_E_NOT_FOUND, msg, NULL);
        output_drop(op);
        return;
    }
    if (strcmp(st, "succeeded") != 0) {
        snprintf(msg, sizeof msg, "job %.200s is %s: no output%s", op->id, st,
                 strcmp(st, "failed") == 0 || strcmp(st, "canceled") == 0 ? "" : " yet");
        op->cb(op->ctx, JOBS_E_CONFLICT, msg, NULL);
        output_drop(op);
        return;
    }
    const char *mime = jobs_reply_str(reply->element[3]);
    op->mime = strdup(mime ? mime : "application/octet-stream");
    op->size = jobs_reply_int(reply->element[4], 0);
    if (!op->mime) {
        op->cb(op->ctx, JOBS_E_INTERNAL, "out of memory", NULL);
        output_drop(op);
        return;
    }
    if (kind && strcmp(kind, "file") == 0) {
        const char *path = jobs_reply_str(reply->element[2]);
        job_output out = {JOB_OUTPUT_FILE, NULL, (size_t)op->size, path ? path : "", op->mime};
        op->cb(op->ctx, JOBS_OK, "", &out);
        output_drop(op);
        return;
    }
    char *outk = jobs_key(j, op->id, ":output");
    const char *argv[] = {"GET", outk ? outk : ""};
    jobs_cmd(j, j->cmd, on_output_get, op, output_drop, 2, argv, NULL);
    free(outk);
}

void jobs_output(jobs *j, const char *id, jobs_output_fn *cb, void *ctx)
{
    char msg[200];
    if (check_id(id, msg, sizeof msg) != 0) {
        cb(ctx, JOBS_E_INVALID, msg, NULL);
        return;
    }
    output_op *op = calloc(1, sizeof *op);
    char *hash = jobs_key(j, id, "");
    if (!op || !(op->id = strdup(id)) || !hash) {
        if (op)
            output_drop(op);
        free(hash);
        cb(ctx, JOBS_E_INTERNAL, "out of memory", NULL);
        return;
    }
    op->cb = cb;
    op->ctx = ctx;
    const char *argv[] = {"HMGET",       hash,          "state",      "output_kind",
                          "output_path", "output_mime", "output_size"};
    jobs_cmd(j, j->cmd, on_output_meta, op, output_drop, 7, argv, NULL);
    free(hash);
}
