/*
 * test_jobs.c - the job engine (kernel/jobs*.c) against a real
 * redis-server this test starts on a unix socket in a temp dir (AOF,
 * appendfsync always) and kills at the end.
 *
 * The runner is a real function: it "renders" by writing one line per step,
 * "<report> <params> <i>", in `n` steps of `ms` milliseconds, reporting
 * progress, honouring pause and cancel between steps, and failing on demand
 * (fail=transient for the first `times` attempts at step `at`, or
 * fail=permanent). Expected outputs are built here by a separate function.
 * Each test uses its own key prefix so tests do not see each other's jobs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ev.h>
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "jobs.h"
#include "redis_conn.h"

/* ============================== Redis server ============================== */

typedef struct server {
    char dir[256];
    char sock[300];
    char url[320];
    pid_t pid;
} server;

static server srv;

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static redisContext *sync_connect(void)
{
    struct timeval tv = {1, 0};
    redisContext *c = redisConnectUnixWithTimeout(srv.sock, tv);
    if (c && c->err) {
        redisFree(c);
        return NULL;
    }
    return c;
}

static int server_start(void)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) {
            dup2(devnull, 1);
            dup2(devnull, 2);
        }
        execlp("redis-server", "redis-server", "--port", "0", "--unixsocket", srv.sock, "--dir",
               srv.dir, "--appendonly", "yes", "--appendfsync", "always", "--save", "",
               (char *)NULL);
        _exit(127);
    }
    srv.pid = pid;
    for (int i = 0; i < 500; i++) { /* at most 5 s */
        redisContext *c = sync_connect();
        if (c) {
            redisReply *r = redisCommand(c, "PING");
            int ok = r && r->type == REDIS_REPLY_STATUS;
            freeReplyObject(r);
            redisFree(c);
            if (ok)
                return 0;
        }
        sleep_ms(10);
    }
    return -1;
}

static void server_stop(void)
{
    if (srv.pid <= 0)
        return;
    kill(srv.pid, SIGTERM);
    for (int i = 0; i < 500; i++) {
        if (waitpid(srv.pid, NULL, WNOHANG) == srv.pid) {
            srv.pid = 0;
            return;
        }
        sleep_ms(10);
    }
    kill(srv.pid, SIGKILL);
    waitpid(srv.pid, NULL, 0);
    srv.pid = 0;
}

static int group_setup(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    snprintf(srv.dir, sizeof srv.dir, "%s/quire-test-jobs-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(srv.dir))
        return -1;
    snprintf(srv.sock, sizeof srv.sock, "%s/redis.sock", srv.dir);
    snprintf(srv.url, sizeof srv.url, "unix:%s", srv.sock);
    return server_start();
}

static int group_teardown(void **state)
{
    (void)state;
    server_stop();
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", srv.dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ============================== Runner ==================================== */

#define MAX_TRACK 64

typedef struct tracker {
    pthread_mutex_t mu;
    char ids[MAX_TRACK][40];
    int invoked[MAX_TRACK];
    int ok[MAX_TRACK];
    char node_of[MAX_TRACK][16];
    int n;
} tracker;

static tracker trk = {.mu = PTHREAD_MUTEX_INITIALIZER};

static int track_slot(const char *id)
{
    for (int i = 0; i < trk.n; i++)
        if (strcmp(trk.ids[i], id) == 0)
            return i;
    if (trk.n == MAX_TRACK)
        return -1;
    snprintf(trk.ids[trk.n], sizeof trk.ids[0], "%s", id);
    trk.invoked[trk.n] = trk.ok[trk.n] = 0;
    return trk.n++;
}

static void track(const char *id, int ok, const char *node)
{
    pthread_mutex_lock(&trk.mu);
    int i = track_slot(id);
    if (i >= 0) {
        if (ok)
            trk.ok[i]++;
        else
            trk.invoked[i]++;
        if (node)
            snprintf(trk.node_of[i], sizeof trk.node_of[0], "%s", node);
    }
    pthread_mutex_unlock(&trk.mu);
}

static int tracked(const char *id, int ok)
{
    pthread_mutex_lock(&trk.mu);
    int v = 0;
    for (int i = 0; i < trk.n; i++)
        if (strcmp(trk.ids[i], id) == 0)
            v = ok ? trk.ok[i] : trk.invoked[i];
    pthread_mutex_unlock(&trk.mu);
    return v;
}

static const char *param(const job_spec *s, const char *name, const char *dflt)
{
    for (size_t i = 0; i < s->nparams; i++)
        if (strcmp(s->params[i].name, name) == 0)
            return s->params[i].value;
    return dflt;
}

/* The line the runner writes at step i (params in spec order). */
static int line_of(char *buf, size_t n, const char *report, const job_param *p, size_t np, int i)
{
    int k = snprintf(buf, n, "%s", report);
    for (size_t q = 0; q < np; q++)
        k += snprintf(buf + k, n - (size_t)k, " %s=%s", p[q].name, p[q].value);
    k += snprintf(buf + k, n - (size_t)k, " %d\n", i);
    return k;
}

static void test_run(void *ctx, job_run *run)
{
    const char *node = ctx;
    const job_spec *s = job_run_spec(run);
    track(s->id, 0, node);
    int n = atoi(param(s, "n", "10"));
    int ms = atoi(param(s, "ms", "2"));
    const char *fail = param(s, "fail", "");
    int at = atoi(param(s, "at", "0"));
    int times = atoi(param(s, "times", "1"));
    FILE *f = fopen(job_run_output_path(run), "w");
    if (!f) {
        job_run_finish(run, JOB_FAILED, NULL, "cannot open the output");
        return;
    }
    char line[512];
    for (int i = 0; i < n; i++) {
        for (int w = 0; job_run_paused(run) && !job_run_canceled(run) && w < 10000; w++)
            sleep_ms(2);
        if (job_run_canceled(run)) {
            fclose(f);
            job_run_finish(run, JOB_CANCELED, NULL, NULL);
            return;
        }
        if (i == at && strcmp(fail, "transient") == 0 && s->attempt <= times) {
            fclose(f);
            job_run_finish(run, JOB_FAILED, NULL, "transient failure at step 2");
            return;
        }
        if (i == at && strcmp(fail, "permanent") == 0) {
            fclose(f);
            job_run_finish(run, JOB_FAILED_PERMANENT, NULL, "bad data at row 2");
            return;
        }
        /* The line is built from the spec the engine handed over. */
        line_of(line, sizeof line, s->report, s->params, s->nparams, i);
        fputs(line, f);
        job_run_progress(run, i + 1, n, 0, (i + 1) * 100 / n);
        sleep_ms(ms);
    }
    fclose(f);
    track(s->id, 1, node);
    job_run_finish(run, JOB_OK, "text/plain", NULL);
}

/* What the output of a job must be, written out independently: the same
 * text the runner writes, from the spec the test created. */
static char *expected_text(const char *report, const job_param *p, size_t np, int n)
{
    size_t cap = (size_t)n * 256 + 1, len = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    s[0] = 0;
    for (int i = 0; i < n; i++) {
        len += (size_t)snprintf(s + len, cap - len, "%s", report);
        for (size_t q = 0; q < np; q++)
            len += (size_t)snprintf(s + len, cap - len, " %s=%s", p[q].name, p[q].value);
        len += (size_t)snprintf(s + len, cap - len, " %d\n", i);
    }
    return s;
}

/* ============================== Fixture =================================== */

typedef struct node {
    rconn *cmd, *block;
    jobs *j;
    char name[16];
} node;

static struct ev_loop *loop;
static ev_timer pulse;

static void on_pulse(struct ev_loop *l, ev_timer *w, int revents)
{
    (void)l;
    (void)w;
    (void)revents;
}

static void loop_init(void)
{
    loop = ev_loop_new(EVFLAG_AUTO);
    assert_non_null(loop);
    ev_timer_init(&pulse, on_pulse, 0.005, 0.005);
    ev_timer_start(loop, &pulse);
}

static void loop_done(void)
{
    ev_timer_stop(loop, &pulse);
    ev_loop_destroy(loop);
    loop = NULL;
}

/* Runs the loop until pred(arg) or timeout; returns pred's last value. */
static int wait_for(int (*pred)(void *), void *arg, int timeout_ms)
{
    int64_t end = mono_ms() + timeout_ms;
    while (!pred(arg)) {
        if (mono_ms() > end)
            return 0;
        ev_run(loop, EVRUN_ONCE);
    }
    return 1;
}

static int never(void *arg)
{
    (void)arg;
    return 0;
}

static void spin(int ms)
{
    wait_for(never, NULL, ms);
}

static rconn *conn(const char *url, const char *name, int timeout_ms)
{
    rconn_options o = {.url = url,
                       .name = name,
                       .connect_timeout_ms = 500,
                       .command_timeout_ms = timeout_ms,
                       .backoff_min_ms = 20,
                       .backoff_max_ms = 200};
    rconn *rc = rconn_new(loop, &o);
    assert_non_null(rc);
    return rc;
}

static jobs_options opts(const char *prefix, const char *node_id)
{
    jobs_options o = {.prefix = prefix,
                      .node_id = node_id,
                      .slots = 2,
                      .reclaim_idle_ms = 500,
                      .heartbeat_ms = 100,
                      .sweep_interval_ms = 100,
                      .max_attempts = 3,
                      .temp_dir = srv.dir,
                      .progress_interval_ms = 250,
                      .result_ttl_s = 3600,
                      .block_ms = 200};
    return o;
}

static int conns_up(void *arg)
{
    node *n = arg;
    return rconn_connected(n->cmd) && rconn_connected(n->block);
}

static void node_open(node *n, const char *name, const jobs_options *o)
{
    snprintf(n->name, sizeof n->name, "%s", name);
    n->cmd = conn(srv.url, name, 3000);
    n->block = conn(srv.url, name, 3000);
    jobs_runner r = {n->name, test_run};
    quire_error err = {0};
    n->j = jobs_new(loop, n->cmd, n->block, o, &r, &err);
    if (!n->j)
        fail_msg("jobs_new: %s", err.msg);
    assert_true(wait_for(conns_up, n, 3000));
    jobs_start(n->j);
}

static void node_close(node *n)
{
    jobs_free(n->j);
    rconn_free(n->cmd);
    rconn_free(n->block);
    n->j = NULL;
}

/* ============================== Sync checks =============================== */

static redisReply *rcmd(const char *fmt, ...)
{
    redisContext *c = sync_connect();
    assert_non_null(c);
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(c, fmt, ap);
    va_end(ap);
    redisFree(c);
    assert_non_null(r);
    return r;
}

static char *hget(const char *prefix, const char *id, const char *field)
{
    redisReply *r = rcmd("HGET %s:{job:%s} %s", prefix, id, field);
    char *v = r->type == REDIS_REPLY_STRING ? strdup(r->str) : NULL;
    freeReplyObject(r);
    return v;
}

static long long rint_cmd(const char *fmt, const char *a, const char *b)
{
    redisReply *r = rcmd(fmt, a, b);
    long long v = r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    freeReplyObject(r);
    return v;
}

typedef struct state_wait {
    const char *prefix, *id, *want;
} state_wait;

static int has_state(void *arg)
{
    state_wait *w = arg;
    char *s = hget(w->prefix, w->id, "state");
    int ok = s && strcmp(s, w->want) == 0;
    free(s);
    return ok;
}

static void wait_state(const char *prefix, const char *id, const char *want, int timeout_ms)
{
    state_wait w = {prefix, id, want};
    if (!wait_for(has_state, &w, timeout_ms)) {
        char *s = hget(prefix, id, "state");
        fail_msg("job %s: state %s, wanted %s after %d ms", id, s ? s : "(none)", want, timeout_ms);
    }
}

static long long pending_count(const char *prefix)
{
    redisReply *r = rcmd("XPENDING %s:{jobs}:queue render", prefix);
    long long n = r->type == REDIS_REPLY_ARRAY && r->elements > 0 ? r->element[0]->integer : -1;
    freeReplyObject(r);
    return n;
}

static int no_pending(void *arg)
{
    return pending_count(arg) == 0;
}

/* Acknowledgement follows the store: wait for it, bounded. */
static void wait_no_pending(const char *prefix)
{
    if (!wait_for(no_pending, (void *)prefix, 3000))
        fail_msg("%s: %lld entries still pending", prefix, pending_count(prefix));
}

typedef struct rows_wait {
    const char *prefix, *id;
    long long min;
} rows_wait;

static int has_rows(void *arg)
{
    rows_wait *w = arg;
    char *s = hget(w->prefix, w->id, "rows");
    int ok = s && atoll(s) >= w->min;
    free(s);
    return ok;
}

/* ============================== API helpers =============================== */

typedef struct result {
    int done;
    jobs_status st;
    char msg[512];
    char id[64];
    job_state state;
    job_output_kind kind;
    char *data;
    size_t size;
    char path[512];
    char mime[64];
    int nev;
    job_event ev[64];
    char evid[64][32];
    char evmsg[64][128];
    job_info info;
    char node[32];
    int nlist;
    char listid[8][32];
    job_state liststate[8];
    char next[32];
} result;

static int is_done_int(void *arg)
{
    return *(int *)arg > 0;
}

static int is_done(void *arg)
{
    return ((result *)arg)->done;
}

static void set_common(result *r, jobs_status st, const char *msg)
{
    r->done = 1;
    r->st = st;
    snprintf(r->msg, sizeof r->msg, "%s", msg ? msg : "");
}

static void on_created(void *ctx, jobs_status st, const char *msg, const char *id)
{
    result *r = ctx;
    set_common(r, st, msg);
    snprintf(r->id, sizeof r->id, "%s", id ? id : "");
}

static void on_info(void *ctx, jobs_status st, const char *msg, const job_info *info)
{
    result *r = ctx;
    set_common(r, st, msg);
    if (info) {
        r->info = *info;
        r->state = info->state;
        snprintf(r->node, sizeof r->node, "%s", info->node);
        r->info.node = r->node;
        r->info.params = NULL;
        r->info.id = r->info.report = r->info.format = r->info.page = NULL;
        r->info.error = r->info.control = r->info.output_mime = NULL;
    }
}

static void on_control(void *ctx, jobs_status st, const char *msg, job_state s)
{
    result *r = ctx;
    set_common(r, st, msg);
    r->state = s;
}

static void on_events(void *ctx, jobs_status st, const char *msg, const job_event *ev, size_t n)
{
    result *r = ctx;
    set_common(r, st, msg);
    r->nev = 0;
    for (size_t i = 0; i < n && i < 64; i++) {
        r->ev[i] = ev[i];
        snprintf(r->evid[i], sizeof r->evid[0], "%s", ev[i].id);
        snprintf(r->evmsg[i], sizeof r->evmsg[0], "%s", ev[i].message);
        r->ev[i].id = r->evid[i];
        r->ev[i].message = r->evmsg[i];
        r->ev[i].node = "";
        r->nev++;
    }
}

static void on_output(void *ctx, jobs_status st, const char *msg, const job_output *out)
{
    result *r = ctx;
    set_common(r, st, msg);
    if (out) {
        r->kind = out->kind;
        r->size = out->size;
        if (out->data) {
            r->data = malloc(out->size + 1);
            memcpy(r->data, out->data, out->size);
            r->data[out->size] = 0;
        }
        snprintf(r->path, sizeof r->path, "%s", out->path ? out->path : "");
        snprintf(r->mime, sizeof r->mime, "%s", out->mime);
    }
}

static void on_list(void *ctx, jobs_status st, const char *msg, const job_info *items, size_t n,
                    const char *next)
{
    result *r = ctx;
    set_common(r, st, msg);
    r->nlist = (int)n;
    for (size_t i = 0; i < n && i < 8; i++) {
        snprintf(r->listid[i], sizeof r->listid[0], "%s", items[i].id);
        r->liststate[i] = items[i].state;
    }
    snprintf(r->next, sizeof r->next, "%s", next ? next : "");
}

static void create(jobs *j, const char *report, const job_param *p, size_t np, char *id_out)
{
    job_spec s = {.report = report, .format = "txt", .params = p, .nparams = np};
    result r = {0};
    jobs_create(j, &s, on_created, &r);
    assert_true(wait_for(is_done, &r, 3000));
    if (r.st != JOBS_OK)
        fail_msg("jobs_create: %s", r.msg);
    assert_int_equal(strlen(r.id), 20);
    strcpy(id_out, r.id);
}

static void output_of(jobs *j, const char *id, result *r)
{
    memset(r, 0, sizeof *r);
    jobs_output(j, id, on_output, r);
    assert_true(wait_for(is_done, r, 3000));
}

static void events_of(jobs *j, const char *id, const char *after, result *r)
{
    memset(r, 0, sizeof *r);
    jobs_events(j, id, after, 64, on_events, r);
    assert_true(wait_for(is_done, r, 3000));
}

static void control(jobs *j, const char *id, int action, result *r)
{
    memset(r, 0, sizeof *r);
    jobs_control(j, id, action, on_control, r);
    assert_true(wait_for(is_done, r, 3000));
}

/* ============================== Tests ===================================== */

/* create -> queued -> running -> succeeded, output, events, ack. */
static void test_lifecycle(void **state)
{
    (void)state;
    loop_init();
    jobs_options o = opts("t1", "A");
    node a;
    node_open(&a, "A", &o);
    job_param p[] = {{"n", "30"}, {"ms", "20"}, {"region", "EU"}};
    char id[64];
    create(a.j, "sales", p, 3, id);

    result g = {0};
    jobs_get(a.j, id, on_info, &g);
    assert_true(wait_for(is_done, &g, 3000));
    assert_int_equal(g.st, JOBS_OK);
    assert_true(g.state == JOB_STATE_QUEUED || g.state == JOB_STATE_RUNNING);

    wait_state("t1", id, "succeeded", 10000);
    result out;
    output_of(a.j, id, &out);
    assert_int_equal(out.st, JOBS_OK);
    assert_int_equal(out.kind, JOB_OUTPUT_REDIS);
    char *want = expected_text("sales", p, 3, 30);
    assert_string_equal(out.data, want);
    assert_int_equal(out.size, strlen(want));
    assert_string_equal(out.mime, "text/plain");
    free(want);
    free(out.data);

    memset(&g, 0, sizeof g);
    jobs_get(a.j, id, on_info, &g);
    assert_true(wait_for(is_done, &g, 3000));
    assert_int_equal(g.state, JOB_STATE_SUCCEEDED);
    assert_int_equal(g.info.attempts, 1);
    assert_int_equal(g.info.rows, 30);
    assert_int_equal(g.info.percent, 100);
    assert_string_equal(g.node, "A");
    assert_true(g.info.finished_ms >= g.info.started_ms && g.info.started_ms >= g.info.created_ms);

    /* Events: queued, running, progress with increasing rows, succeeded. */
    result ev;
    events_of(a.j, id, NULL, &ev);
    assert_int_equal(ev.st, JOBS_OK);
    assert_true(ev.nev >= 4);
    assert_int_equal(ev.ev[0].type, JOB_EVENT_STATE);
    assert_int_equal(ev.ev[0].state, JOB_STATE_QUEUED);
    assert_int_equal(ev.ev[1].type, JOB_EVENT_STATE);
    assert_int_equal(ev.ev[1].state, JOB_STATE_RUNNING);
    assert_int_equal(ev.ev[ev.nev - 1].type, JOB_EVENT_STATE);
    assert_int_equal(ev.ev[ev.nev - 1].state, JOB_STATE_SUCCEEDED);
    int progress = 0;
    long long last_rows = 0;
    for (int i = 2; i < ev.nev - 1; i++) {
        assert_int_equal(ev.ev[i].type, JOB_EVENT_PROGRESS);
        assert_true(ev.ev[i].rows > last_rows);
        assert_int_equal(ev.ev[i].rows_total, 30);
        last_rows = ev.ev[i].rows;
        progress++;
    }
    /* 30 steps of 20 ms (>= 600 ms): every 3.3% step passes the 1% rule,
     * so events come at the 100 ms cap: at least 3, and never more than
     * one per 100 ms of the run (plus the first). */
    assert_true(progress >= 3);
    int64_t run_ms = ev.ev[ev.nev - 1].ts_ms - ev.ev[1].ts_ms;
    assert_true(progress <= run_ms / 100 + 1);

    /* Resume after an event id: only the later ones. */
    result ev2;
    events_of(a.j, id, ev.evid[1], &ev2);
    assert_int_equal(ev2.nev, ev.nev - 2);
    assert_string_equal(ev2.evid[0], ev.evid[2]);

    /* Stored once, acknowledged after the store. */
    char *w = hget("t1", id, "output_writes");
    assert_string_equal(w, "1");
    free(w);
    wait_no_pending("t1");
    /* Finished jobs expire after result_ttl_s (3600 in these tests). */
    long long ttl = rint_cmd("TTL %s:{job:%s}", "t1", id);
    assert_true(ttl > 3500 && ttl <= 3600);
    ttl = rint_cmd("TTL %s:{job:%s}:events", "t1", id);
    assert_true(ttl > 3500 && ttl <= 3600);
    ttl = rint_cmd("TTL %s:{job:%s}:output", "t1", id);
    assert_true(ttl > 3500 && ttl <= 3600);
    jobs_metrics m;
    jobs_metrics_get(a.j, &m);
    assert_int_equal(m.started, 1);
    assert_int_equal(m.succeeded, 1);
    assert_int_equal(m.duration_le[JOBS_DURATION_BUCKETS - 1], 1);
    assert_int_equal(m.duration_le[3], 1); /* 0.6 s <= 1 s */
    assert_int_equal(m.duration_le[1], 0); /* > 0.25 s */
    node_close(&a);
    loop_done();
}

static void on_drained(void *ctx)
{
    (*(int *)ctx)++;
}

/* Drain: the running job finishes and is stored, nothing new is taken. */
static void test_drain(void **state)
{
    (void)state;
    loop_init();
    jobs_options o = opts("t9", "A");
    node a;
    node_open(&a, "A", &o);
    job_param p[] = {{"n", "20"}, {"ms", "10"}};
    char id[64], id2[64];
    create(a.j, "draining", p, 2, id);
    rows_wait rw = {"t9", id, 2};
    assert_true(wait_for(has_rows, &rw, 5000));
    int drained = 0;
    jobs_drain(a.j, on_drained, &drained);
    create(a.j, "after", p, 2, id2);
    assert_true(wait_for(is_done_int, &drained, 5000));
    assert_int_equal(drained, 1);
    char *st = hget("t9", id, "state");
    assert_string_equal(st, "succeeded");
    free(st);
    assert_int_equal(pending_count("t9"), 0);
    /* id2 may have come with the read in flight when the drain began (then
     * it ran before the callback); what is created after it stays queued. */
    st = hget("t9", id2, "state");
    assert_true(strcmp(st, "queued") == 0 || strcmp(st, "succeeded") == 0);
    free(st);
    char id3[64];
    create(a.j, "later", p, 2, id3);
    spin(300);
    st = hget("t9", id3, "state");
    assert_string_equal(st, "queued");
    free(st);
    assert_int_equal(drained, 1);
    node_close(&a);
    loop_done();
}

/* Errors the API reports, with their exact messages. */
static void test_api_errors(void **state)
{
    (void)state;
    loop_init();
    jobs_options o = opts("t2", "A");
    node a;
    node_open(&a, "A", &o);
    result g = {0};
    jobs_get(a.j, "nosuchjob", on_info, &g);
    assert_true(wait_for(is_done, &g, 3000));
    assert_int_equal(g.st, JOBS_E_NOT_FOUND);
    assert_string_equal(g.msg, "job nosuchjob not found");

    result ev;
    events_of(a.j, "nosuchjob", NULL, &ev);
    assert_int_equal(ev.st, JOBS_E_NOT_FOUND);
    assert_string_equal(ev.msg, "job nosuchjob not found");
    events_of(a.j, "x", "12-ab", &ev);
    assert_int_equal(ev.st, JOBS_E_INVALID);
    assert_string_equal(ev.msg, "event id '12-ab' is not a stream id (MS-SEQ)");

    job_param p[] = {{"n", "2"}, {"ms", "1"}};
    char id[64];
    create(a.j, "r", p, 2, id);
    wait_state("t2", id, "succeeded", 5000);
    result c;
    control(a.j, id, JOB_CANCEL, &c);
    assert_int_equal(c.st, JOBS_E_CONFLICT);
    char want[200];
    snprintf(want, sizeof want, "job %s is already succeeded", id);
    assert_string_equal(c.msg, want);

    result l = {0};
    jobs_list(a.j, -1, 10, NULL, on_list, &l);
    assert_true(wait_for(is_done, &l, 3000));
    assert_int_equal(l.st, JOBS_OK);
    assert_int_equal(l.nlist, 1);
    memset(&l, 0, sizeof l);
    jobs_list(a.j, JOB_STATE_FAILED, 10, NULL, on_list, &l);
    assert_true(wait_for(is_done, &l, 3000));
    assert_int_equal(l.nlist, 0);

    /* Bad options. */
    jobs_options bad = opts("t2", "B");
    bad.heartbeat_ms = 300;
    jobs_runner r = {NULL, test_run};
    quire_error err = {0};
    assert_null(jobs_new(loop, a.cmd, a.block, &bad, &r, &err));
    assert_string_equal(err.msg, "jobs: heartbeat_ms 300 must be < reclaim_idle_ms/2 (250)");
    node_close(&a);

    /* Redis unavailable: a connection that never comes up. */
    char url[400];
    snprintf(url, sizeof url, "unix:%s/nothing.sock", srv.dir);
    node d;
    d.cmd = conn(url, "D", 500);
    d.block = conn(url, "D", 500);
    jobs_options od = opts("t2", "D");
    d.j = jobs_new(loop, d.cmd, d.block, &od, &r, &err);
    assert_non_null(d.j);
    jobs_start(d.j);
    job_spec s = {.report = "r", .format = "txt"};
    result cr = {0};
    jobs_create(d.j, &s, on_created, &cr);
    assert_true(wait_for(is_done, &cr, 3000));
    assert_int_equal(cr.st, JOBS_E_UNAVAILABLE);
    assert_string_equal(cr.msg, "redis unavailable");
    memset(&g, 0, sizeof g);
    jobs_get(d.j, "abc", on_info, &g);
    assert_true(wait_for(is_done, &g, 3000));
    assert_int_equal(g.st, JOBS_E_UNAVAILABLE);
    node_close(&d);
    loop_done();
}

/* Output past output_max_redis: to output_dir, or a clear failure. */
static void test_large_output(void **state)
{
    (void)state;
    loop_init();
    char dir[400];
    snprintf(dir, sizeof dir, "%s/out", srv.dir);
    mkdir(dir, 0700);
    jobs_options o = opts("t3", "A");
    o.output_max_redis = 64;
    o.output_dir = dir;
    node a;
    node_open(&a, "A", &o);
    job_param p[] = {{"n", "10"}, {"ms", "1"}};
    char id[64];
    create(a.j, "big", p, 2, id);
    wait_state("t3", id, "succeeded", 5000);
    result out;
    output_of(a.j, id, &out);
    assert_int_equal(out.st, JOBS_OK);
    assert_int_equal(out.kind, JOB_OUTPUT_FILE);
    char want_path[500];
    snprintf(want_path, sizeof want_path, "%s/%s.txt", dir, id);
    assert_string_equal(out.path, want_path);
    char *want = expected_text("big", p, 2, 10);
    assert_int_equal(out.size, strlen(want));
    FILE *f = fopen(out.path, "r");
    assert_non_null(f);
    char buf[2048] = "";
    size_t got = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[got] = 0;
    assert_string_equal(buf, want);
    assert_int_equal(rint_cmd("EXISTS %s:{job:%s}:output", "t3", id), 0);
    node_close(&a);

    /* The same without output_dir: failed, dead-lettered, with sizes. */
    jobs_options o2 = opts("t3b", "B");
    o2.output_max_redis = 64;
    node b;
    node_open(&b, "B", &o2);
    create(b.j, "big", p, 2, id);
    wait_state("t3b", id, "failed", 5000);
    char *err = hget("t3b", id, "error");
    char msg[300];
    snprintf(msg, sizeof msg,
             "output of %zu bytes exceeds output_max_redis 64 bytes and no output_dir is "
             "configured",
             strlen(want));
    assert_string_equal(err, msg);
    free(err);
    free(want);
    redisReply *d = rcmd("XRANGE t3b:{jobs}:dead - +");
    assert_int_equal(d->elements, 1);
    freeReplyObject(d);
    node_close(&b);
    loop_done();
}

/* Pause stops rows, resume completes; cancel while running / queued. */
static void test_pause_resume_cancel(void **state)
{
    (void)state;
    loop_init();
    jobs_options o = opts("t4", "A");
    o.slots = 1;
    node a;
    node_open(&a, "A", &o);
    job_param p[] = {{"n", "60"}, {"ms", "10"}};
    char id[64];
    create(a.j, "long", p, 2, id);
    rows_wait rw = {"t4", id, 5};
    assert_true(wait_for(has_rows, &rw, 5000));
    result c;
    control(a.j, id, JOB_PAUSE, &c);
    assert_int_equal(c.st, JOBS_OK);
    assert_int_equal(c.state, JOB_STATE_PAUSED);
    spin(300); /* one control poll (100 ms) + one step + the last progress */
    char *r1 = hget("t4", id, "rows");
    spin(150);
    char *r2 = hget("t4", id, "rows");
    assert_string_equal(r1, r2);
    assert_true(atoi(r1) < 60);
    free(r1);
    free(r2);
    char *st = hget("t4", id, "state");
    assert_string_equal(st, "paused");
    free(st);
    control(a.j, id, JOB_RESUME, &c);
    assert_int_equal(c.state, JOB_STATE_RUNNING);
    wait_state("t4", id, "succeeded", 10000);
    result out;
    output_of(a.j, id, &out);
    char *want = expected_text("long", p, 2, 60);
    assert_string_equal(out.data, want);
    free(want);
    free(out.data);

    /* Cancel while running: canceled, no output. */
    char id2[64], id3[64];
    create(a.j, "long", p, 2, id2);
    rw.id = id2;
    assert_true(wait_for(has_rows, &rw, 5000));
    /* The only slot is busy: this one stays queued, then is canceled. */
    job_param q[] = {{"n", "3"}, {"ms", "1"}};
    create(a.j, "queued", q, 2, id3);
    control(a.j, id3, JOB_CANCEL, &c);
    assert_int_equal(c.st, JOBS_OK);
    assert_int_equal(c.state, JOB_STATE_CANCELED);
    control(a.j, id2, JOB_CANCEL, &c);
    assert_int_equal(c.st, JOBS_OK);
    assert_int_equal(c.state, JOB_STATE_RUNNING);
    wait_state("t4", id2, "canceled", 5000);
    assert_int_equal(rint_cmd("EXISTS %s:{job:%s}:output", "t4", id2), 0);
    output_of(a.j, id2, &out);
    assert_int_equal(out.st, JOBS_E_CONFLICT);
    char msg[200];
    snprintf(msg, sizeof msg, "job %s is canceled: no output", id2);
    assert_string_equal(out.msg, msg);
    /* The canceled queued job's entry is taken and acknowledged, never run. */
    spin(500);
    assert_int_equal(tracked(id3, 0), 0);
    wait_no_pending("t4");
    node_close(&a);
    loop_done();
}

typedef struct all_wait {
    const char *prefix;
    char (*ids)[64];
    int n;
} all_wait;

static int all_succeeded(void *arg)
{
    all_wait *w = arg;
    for (int i = 0; i < w->n; i++) {
        state_wait s = {w->prefix, w->ids[i], "succeeded"};
        if (!has_state(&s))
            return 0;
    }
    return 1;
}

/* Two nodes share the queue; a node dies and its jobs are reclaimed. */
static void test_two_nodes_and_dead_node(void **state)
{
    (void)state;
    loop_init();
    jobs_options oa = opts("t5", "A"), ob = opts("t5", "B");
    node a, b;
    node_open(&a, "A", &oa);
    node_open(&b, "B", &ob);
    char ids[20][64];
    job_param p[] = {{"n", "5"}, {"ms", "10"}};
    for (int i = 0; i < 20; i++)
        create(a.j, "shared", p, 2, ids[i]);
    all_wait w = {"t5", ids, 20};
    assert_true(wait_for(all_succeeded, &w, 20000));
    int on_a = 0, on_b = 0;
    for (int i = 0; i < 20; i++) {
        assert_int_equal(tracked(ids[i], 1), 1);
        char *node_id = hget("t5", ids[i], "node");
        on_a += strcmp(node_id, "A") == 0;
        on_b += strcmp(node_id, "B") == 0;
        free(node_id);
    }
    assert_int_equal(on_a + on_b, 20);
    assert_true(on_a > 0);
    assert_true(on_b > 0);
    node_close(&b);

    /* A takes two long jobs and dies as kill -9 would leave it. */
    char dead_ids[4][64];
    job_param lp[] = {{"n", "40"}, {"ms", "10"}};
    for (int i = 0; i < 4; i++)
        create(a.j, "orphan", lp, 2, dead_ids[i]);
    rows_wait rw = {"t5", dead_ids[0], 3};
    assert_true(wait_for(has_rows, &rw, 5000));
    node_close(&a);
    /* At least A's two runs; B's last blocked read may also have been
     * served while its connection was closing (B reads those back). */
    assert_true(pending_count("t5") >= 2);

    node_open(&b, "B", &ob);
    all_wait w2 = {"t5", dead_ids, 4};
    assert_true(wait_for(all_succeeded, &w2, 20000));
    int reclaimed = 0;
    for (int i = 0; i < 4; i++) {
        char *wr = hget("t5", dead_ids[i], "output_writes");
        assert_string_equal(wr, "1");
        free(wr);
        assert_int_equal(tracked(dead_ids[i], 1), 1);
        result out;
        output_of(b.j, dead_ids[i], &out);
        char *want = expected_text("orphan", lp, 2, 40);
        assert_string_equal(out.data, want);
        free(want);
        free(out.data);
        result ev;
        events_of(b.j, dead_ids[i], NULL, &ev);
        for (int k = 0; k < ev.nev; k++)
            reclaimed += strcmp(ev.evmsg[k], "reclaimed from node A") == 0;
    }
    assert_int_equal(reclaimed, 2);
    jobs_metrics m;
    jobs_metrics_get(b.j, &m);
    assert_int_equal(m.reclaimed, 2);
    wait_no_pending("t5");
    node_close(&b);
    loop_done();
}

/* Transient failures retry, exhausted retries and permanent failures
 * go to the dead-letter stream. */
static void test_failures(void **state)
{
    (void)state;
    loop_init();
    jobs_options o = opts("t6", "A");
    node a;
    node_open(&a, "A", &o);
    job_param once[] = {
        {"n", "5"}, {"ms", "1"}, {"fail", "transient"}, {"at", "2"}, {"times", "1"}};
    job_param always[] = {
        {"n", "5"}, {"ms", "1"}, {"fail", "transient"}, {"at", "2"}, {"times", "9"}};
    job_param perm[] = {{"n", "5"}, {"ms", "1"}, {"fail", "permanent"}, {"at", "2"}};
    char id1[64], id2[64], id3[64];
    /* A few ms apart: the index orders by creation ms. */
    create(a.j, "flaky", once, 5, id1);
    spin(3);
    create(a.j, "broken", always, 5, id2);
    spin(3);
    create(a.j, "bad", perm, 4, id3);
    wait_state("t6", id1, "succeeded", 5000);
    wait_state("t6", id2, "failed", 5000);
    wait_state("t6", id3, "failed", 5000);
    char *v = hget("t6", id1, "attempts");
    assert_string_equal(v, "2");
    free(v);
    v = hget("t6", id2, "attempts");
    assert_string_equal(v, "3");
    free(v);
    v = hget("t6", id2, "error");
    assert_string_equal(v, "gave up after 3 attempts: transient failure at step 2");
    free(v);
    v = hget("t6", id3, "attempts");
    assert_string_equal(v, "1");
    free(v);
    v = hget("t6", id3, "error");
    assert_string_equal(v, "bad data at row 2");
    free(v);
    assert_int_equal(tracked(id2, 0), 3);
    assert_int_equal(tracked(id3, 0), 1);
    redisReply *d = rcmd("XRANGE t6:{jobs}:dead - +");
    assert_int_equal(d->elements, 2);
    int seen = 0;
    for (size_t i = 0; i < d->elements; i++) {
        redisReply *f = d->element[i]->element[1];
        const char *job = NULL, *err = NULL, *att = NULL;
        for (size_t k = 0; k + 1 < f->elements; k += 2) {
            if (strcmp(f->element[k]->str, "job") == 0)
                job = f->element[k + 1]->str;
            if (strcmp(f->element[k]->str, "error") == 0)
                err = f->element[k + 1]->str;
            if (strcmp(f->element[k]->str, "attempts") == 0)
                att = f->element[k + 1]->str;
        }
        assert_non_null(job);
        if (strcmp(job, id2) == 0) {
            assert_string_equal(err, "gave up after 3 attempts: transient failure at step 2");
            assert_string_equal(att, "3");
            seen |= 1;
        } else if (strcmp(job, id3) == 0) {
            assert_string_equal(err, "bad data at row 2");
            assert_string_equal(att, "1");
            seen |= 2;
        }
    }
    assert_int_equal(seen, 3);
    freeReplyObject(d);

    /* Newest first, filtered, one per page: id3 then id2, then the end. */
    result l = {0};
    jobs_list(a.j, JOB_STATE_FAILED, 1, NULL, on_list, &l);
    assert_true(wait_for(is_done, &l, 3000));
    assert_int_equal(l.st, JOBS_OK);
    assert_int_equal(l.nlist, 1);
    assert_string_equal(l.listid[0], id3);
    assert_string_equal(l.next, "1");
    char cursor[32];
    strcpy(cursor, l.next);
    memset(&l, 0, sizeof l);
    jobs_list(a.j, JOB_STATE_FAILED, 1, cursor, on_list, &l);
    assert_true(wait_for(is_done, &l, 3000));
    assert_int_equal(l.nlist, 1);
    assert_string_equal(l.listid[0], id2);
    assert_int_equal(l.liststate[0], JOB_STATE_FAILED);
    memset(&l, 0, sizeof l);
    jobs_list(a.j, -1, 10, NULL, on_list, &l);
    assert_true(wait_for(is_done, &l, 3000));
    assert_int_equal(l.nlist, 3);
    assert_string_equal(l.next, "");
    memset(&l, 0, sizeof l);
    jobs_list(a.j, -1, 10, "x1", on_list, &l);
    assert_true(wait_for(is_done, &l, 3000));
    assert_int_equal(l.st, JOBS_E_INVALID);
    assert_string_equal(l.msg, "cursor 'x1' is not valid");
    wait_no_pending("t6");
    node_close(&a);
    loop_done();
}

/* The sweeper's trim keeps pending and undelivered entries. */
static void test_trim_keeps_pending(void **state)
{
    (void)state;
    loop_init();
    freeReplyObject(rcmd("XGROUP CREATE t7:{jobs}:queue render 0 MKSTREAM"));
    char ids[12][32];
    for (int i = 0; i < 12; i++) {
        redisReply *r = rcmd("XADD t7:{jobs}:queue * job none%d", i);
        snprintf(ids[i], sizeof ids[0], "%s", r->str);
        freeReplyObject(r);
    }
    /* Entries 0..9 delivered to consumer X; all but 3 acknowledged. */
    freeReplyObject(rcmd("XREADGROUP GROUP render X COUNT 10 STREAMS t7:{jobs}:queue >"));
    for (int i = 0; i < 10; i++)
        if (i != 3)
            freeReplyObject(rcmd("XACK t7:{jobs}:queue render %s", ids[i]));
    /* A node that never reads (its block connection never connects) and
     * never reclaims within the test: only its sweeper's trim acts. */
    jobs_options o = opts("t7", "S");
    o.reclaim_idle_ms = 60000;
    char url[400];
    snprintf(url, sizeof url, "unix:%s/nothing.sock", srv.dir);
    node s;
    s.cmd = conn(srv.url, "S", 3000);
    s.block = conn(url, "S", 3000);
    jobs_runner r = {"S", test_run};
    quire_error err = {0};
    s.j = jobs_new(loop, s.cmd, s.block, &o, &r, &err);
    assert_non_null(s.j);
    jobs_start(s.j);
    spin(600);
    /* 0,1,2 trimmed; 3 (pending) .. 9 (acked, kept: above the pending one)
     * and 10, 11 (never delivered) kept: 12 - 3 = 9. */
    redisReply *len = rcmd("XLEN t7:{jobs}:queue");
    assert_int_equal(len->integer, 9);
    freeReplyObject(len);
    redisReply *x = rcmd("XRANGE t7:{jobs}:queue %s %s", ids[3], ids[3]);
    assert_int_equal(x->elements, 1);
    freeReplyObject(x);
    x = rcmd("XRANGE t7:{jobs}:queue %s +", ids[10]);
    assert_int_equal(x->elements, 2);
    freeReplyObject(x);
    /* Once 3 is acknowledged, everything delivered goes. */
    freeReplyObject(rcmd("XACK t7:{jobs}:queue render %s", ids[3]));
    spin(400);
    len = rcmd("XLEN t7:{jobs}:queue");
    assert_int_equal(len->integer, 2);
    freeReplyObject(len);
    node_close(&s);
    loop_done();
}

/* Redis stops mid-run and comes back with its AOF: nothing is lost. */
static void test_redis_restart(void **state)
{
    (void)state;
    loop_init();
    jobs_options o = opts("t8", "A");
    o.slots = 1;
    node a;
    node_open(&a, "A", &o);
    job_param lp[] = {{"n", "100"}, {"ms", "10"}};
    job_param sp[] = {{"n", "3"}, {"ms", "1"}};
    char ids[4][64];
    create(a.j, "first", lp, 2, ids[0]);
    for (int i = 1; i < 4; i++)
        create(a.j, "later", sp, 2, ids[i]);
    rows_wait rw = {"t8", ids[0], 10};
    assert_true(wait_for(has_rows, &rw, 5000));
    server_stop();
    spin(300);
    assert_int_equal(server_start(), 0);
    all_wait w = {"t8", ids, 4};
    assert_true(wait_for(all_succeeded, &w, 20000));
    for (int i = 0; i < 4; i++) {
        char *wr = hget("t8", ids[i], "output_writes");
        assert_string_equal(wr, "1");
        free(wr);
        result out;
        output_of(a.j, ids[i], &out);
        char *want = i == 0 ? expected_text("first", lp, 2, 100) : expected_text("later", sp, 2, 3);
        assert_string_equal(out.data, want);
        free(want);
        free(out.data);
    }
    assert_int_equal(tracked(ids[0], 1), 1);
    wait_no_pending("t8");
    node_close(&a);
    loop_done();
}

/* Redis comes back empty (no persistence): the group is created again and
 * new jobs run; the run in progress finishes without a trace to store. */
static void test_redis_lost_data(void **state)
{
    (void)state;
    loop_init();
    jobs_options o = opts("t10", "A");
    o.slots = 1;
    node a;
    node_open(&a, "A", &o);
    job_param lp[] = {{"n", "40"}, {"ms", "10"}};
    job_param sp[] = {{"n", "3"}, {"ms", "1"}};
    char id[64], id2[64];
    create(a.j, "lost", lp, 2, id);
    rows_wait rw = {"t10", id, 3};
    assert_true(wait_for(has_rows, &rw, 5000));
    server_stop();
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s/appendonlydir'", srv.dir);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(server_start(), 0);
    redisReply *r = rcmd("EXISTS t10:{jobs}:queue");
    assert_int_equal(r->integer, 0);
    freeReplyObject(r);
    /* The old run ends (its job is gone) and frees the slot. */
    spin(800);
    create(a.j, "fresh", sp, 2, id2);
    wait_state("t10", id2, "succeeded", 5000);
    wait_no_pending("t10");
    node_close(&a);
    loop_done();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lifecycle),
        cmocka_unit_test(test_api_errors),
        cmocka_unit_test(test_large_output),
        cmocka_unit_test(test_pause_resume_cancel),
        cmocka_unit_test(test_two_nodes_and_dead_node),
        cmocka_unit_test(test_failures),
        cmocka_unit_test(test_trim_keeps_pending),
        cmocka_unit_test(test_redis_restart),
        cmocka_unit_test(test_drain),
        cmocka_unit_test(test_redis_lost_data),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
