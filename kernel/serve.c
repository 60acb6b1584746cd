/*
 * serve.c - `quire serve`: one node of the render service.
 *
 *   quire serve [-c CONF] [--listen HOST:PORT]
 *
 * Start-up, in order, so that nothing listens before everything it needs
 * is in place: open the kernel and its plugins; read [server] (tokens are
 * checked here); find the transport; start a private redis-server when no
 * redis_url is configured; open the two Redis connections; create the job
 * engine; start the plugins; listen. Then the libev loop runs on this
 * thread until SIGTERM or SIGINT.
 *
 * Shutdown (SIGTERM, SIGINT): the node stops accepting connections and
 * jobs (/readyz answers 503), lets running jobs finish and store their
 * outputs for up to drain_timeout, then closes everything; a job still
 * running then is left pending in Redis and another node takes it over.
 * A second signal stops at once. SIGHUP reloads the configuration
 * (serve_reload.c).
 *
 * Exit codes: 0 after a clean stop, 1 when the node cannot start (Redis,
 * the listener), 3 a refused configuration, 4 no usable transport plugin.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "kernel.h"
#include "log.h"
#include "serve.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define BLOCK_MS       1000

/* ============================== Helpers =================================== */

void serve_log(server *srv, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vwrite(srv->log_level, level, NULL, fmt, ap);
    va_end(ap);
}

char *serve_read_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    char *data = NULL;
    size_t got = 0;

    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) != 0 || (data = malloc((size_t)st.st_size + 1)) == NULL)
        goto fail_close;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, data + got, (size_t)st.st_size - got);
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            goto fail_free;
        }
        got += (size_t)n;
    }
    close(fd);
    *len = got;
    return data;

fail_free:
    free(data);
fail_close:
    close(fd);
    return NULL;
}

/* The redis URL without its password, for logs. */
static void url_for_log(const char *url, char *buf, size_t cap)
{
    const char *at = strchr(url, '@');
    if (strncmp(url, "redis://", 8) == 0 && at != NULL)
        snprintf(buf, cap, "redis://***@%s", at + 1);
    else
        snprintf(buf, cap, "%s", url);
}

/* The private redis-server's directory: redis_dir, else
 * TEMP_DIR/quire-redis-PORT (the listen port keeps two nodes on one
 * machine apart). */
static char *embed_dir(server *srv)
{
    const quire_config *sc = srv->k->sconf;
    const char *port = strrchr(srv->listen, ':');
    char buf[4096];
    unsigned long h = 5381;

    if (config_is_set(sc, "redis_dir") && config_get_string(sc, "redis_dir"))
        return strdup(config_get_string(sc, "redis_dir"));
    if (strncmp(srv->listen, "unix:", 5) == 0) {
        for (const char *p = srv->listen; *p; p++)
            h = h * 33 + (unsigned char)*p;
        snprintf(buf, sizeof(buf), "%s/quire-redis-unix-%lx", srv->temp_dir, h);
    } else {
        snprintf(buf, sizeof(buf), "%s/quire-redis-%s", srv->temp_dir, port ? port + 1 : "0");
    }
    return strdup(buf);
}

/* ============================== Shutdown ================================== */

static void on_jobs_drained(void *ctx)
{
    server *srv = ctx;
    serve_log(srv, QUIRE_LOG_INFO, "serve: running jobs finished and stored");
    srv->jobs_drained = 1;
}

static void on_drain_check(struct ev_loop *loop, ev_timer *w, int revents)
{
    server *srv = w->data;
    (void)revents;
    if (srv->jobs_drained && srv->sync_running == 0 && srv->validating == 0)
        ev_break(loop, EVBREAK_ALL);
}

static void on_drain_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
    server *srv = w->data;
    (void)revents;
    serve_log(srv, QUIRE_LOG_WARN,
              "serve: drain_timeout passed; jobs still running are left to other nodes");
    ev_break(loop, EVBREAK_ALL);
}

static void begin_drain(server *srv, const char *why)
{
    size_t open;
    if (srv->draining) {
        serve_log(srv, QUIRE_LOG_WARN, "serve: %s again: stopping now", why);
        ev_break(srv->loop, EVBREAK_ALL);
        return;
    }
    srv->draining = 1;
    open = srv->tops->quiesce(srv->transport->state_ptr);
    serve_log(srv, QUIRE_LOG_INFO,
              "serve: %s: draining (no new connections or jobs; %zu connections open)", why, open);
    jobs_drain(srv->jobs, on_jobs_drained, srv);
    ev_timer_init(&srv->drain_timer, on_drain_timeout,
                  (double)config_get_int(srv->k->sconf, "drain_timeout") / 1000.0, 0);
    srv->drain_timer.data = srv;
    ev_timer_start(srv->loop, &srv->drain_timer);
    ev_timer_init(&srv->drain_check, on_drain_check, 0.05, 0.05);
    srv->drain_check.data = srv;
    ev_timer_start(srv->loop, &srv->drain_check);
}

static void on_sigterm(struct ev_loop *loop, ev_signal *w, int revents)
{
    (void)loop;
    (void)revents;
    begin_drain(w->data, w->signum == SIGINT ? "SIGINT" : "SIGTERM");
}

static void on_sighup(struct ev_loop *loop, ev_signal *w, int revents)
{
    server *srv = w->data;
    char err[4096];
    (void)loop;
    (void)revents;
    if (serve_reload(srv, err, sizeof(err)) != 0)
        serve_log(srv, QUIRE_LOG_ERROR,
                  "serve: SIGHUP: configuration refused, the old one stays: %s", err);
}

/* ============================== Start-up ================================== */

/* Splits --listen ADDR out of argv (any position); the rest goes to
 * cli_parse. Returns 0, or -1 on a --listen without a value. */
static int take_listen(int *argc, char **argv, const char **listen)
{
    int out = 0;
    for (int i = 0; i < *argc; i++) {
        if (strcmp(argv[i], "--listen") == 0) {
            if (i + 1 >= *argc || argv[i + 1][0] == '\0')
                return -1;
            *listen = argv[++i];
        } else if (strncmp(argv[i], "--listen=", 9) == 0) {
            if (argv[i][9] == '\0')
                return -1;
            *listen = argv[i] + 9;
        } else {
            argv[out++] = argv[i];
        }
    }
    *argc = out;
    return 0;
}

static int start_plugins(server *srv)
{
    kernel *k = srv->k;
    for (size_t i = 0; i < k->nplugins; i++) {
        plugin_rec *rec = k->plugins[i];
        quire_error e = {0};
        if (rec->state != PLUGIN_READY || rec->desc.start == NULL)
            continue;
        if (rec->desc.start(rec->state_ptr, &e) != QUIRE_OK) {
            fprintf(stderr, "error: plugin %s (%s): start failed: %s\n", rec->label, rec->path,
                    e.msg[0] ? e.msg : "no reason given");
            for (size_t j = i; j-- > 0;)
                if (k->plugins[j]->state == PLUGIN_READY && k->plugins[j]->desc.stop)
                    k->plugins[j]->desc.stop(k->plugins[j]->state_ptr);
            return -1;
        }
    }
    return 0;
}

static void stop_plugins(server *srv)
{
    kernel *k = srv->k;
    for (size_t i = k->nplugins; i-- > 0;)
        if (k->plugins[i]->state == PLUGIN_READY && k->plugins[i]->desc.stop)
            k->plugins[i]->desc.stop(k->plugins[i]->state_ptr);
}

/* The transport named by [server] transport, ready and able to serve. */
static int find_transport(server *srv)
{
    const char *name = config_get_string(srv->k->sconf, "transport");
    plugin_rec *rec = kernel_find_plugin(srv->k, QUIRE_KIND_TRANSPORT, name);

    if (rec == NULL || rec->state != PLUGIN_READY) {
        fprintf(stderr, "error: [server] transport = %s: no such transport plugin is loaded%s%s\n",
                name, rec && rec->error ? ": " : " (check [kernel] plugins and plugin_dir)",
                rec && rec->error ? rec->error : "");
        return QUIRE_EXIT_PLUGIN;
    }
    if (rec->ops.transport.attach == NULL) {
        fprintf(stderr,
                "error: plugin %s (%s) was built for ABI 1.%u and cannot serve: serving needs "
                "1.5 (attach, respond, ...); rebuild it against the current headers\n",
                rec->label, rec->path, (unsigned)rec->built_abi_minor);
        return QUIRE_EXIT_PLUGIN;
    }
    srv->transport = rec;
    srv->tops = &rec->ops.transport;
    return QUIRE_EXIT_OK;
}

static int open_redis(server *srv)
{
    const quire_config *sc = srv->k->sconf;
    const char *url = config_get_string(sc, "redis_url");
    char err[1024], shown[512], block_name[320];
    rconn_options o;

    if (url == NULL || url[0] == '\0') {
        char *dir = embed_dir(srv);
        if (dir == NULL)
            return -1;
        srv->embed =
            redis_embed_start(dir, config_get_string(sc, "redis_server"), err, sizeof(err));
        if (srv->embed == NULL) {
            fprintf(stderr, "error: cannot start the private redis-server in %s: %s\n", dir, err);
            free(dir);
            return -1;
        }
        serve_log(srv, QUIRE_LOG_INFO, "serve: started a private redis-server in %s", dir);
        free(dir);
        url = redis_embed_url(srv->embed);
    } else if (rconn_url_check(url, err, sizeof(err)) != 0) {
        fprintf(stderr, "error: [server] %s\n", err);
        return -2;
    }
    srv->redis_url = strdup(url);
    url_for_log(url, shown, sizeof(shown));
    memset(&o, 0, sizeof(o));
    o.url = url;
    o.name = srv->node_id;
    o.connect_timeout_ms = (int)config_get_int(sc, "redis_connect_timeout");
    o.command_timeout_ms = (int)config_get_int(sc, "redis_command_timeout");
    o.backoff_min_ms = BACKOFF_MIN_MS;
    o.backoff_max_ms = BACKOFF_MAX_MS;
    o.log_level = srv->log_level;
    srv->rc_cmd = rconn_new(srv->loop, &o);
    /* The job engine's blocking reads: a name of their own in CLIENT LIST
     * and the log, and room for the block in the command timeout. */
    snprintf(block_name, sizeof(block_name), "%s-block", srv->node_id);
    o.name = block_name;
    o.command_timeout_ms += BLOCK_MS;
    srv->rc_block = rconn_new(srv->loop, &o);
    if (srv->redis_url == NULL || srv->rc_cmd == NULL || srv->rc_block == NULL)
        return -1;
    serve_log(srv, QUIRE_LOG_INFO, "serve: redis at %s", shown);
    return 0;
}

static int open_jobs(server *srv)
{
    const quire_config *sc = srv->k->sconf;
    jobs_options o;
    jobs_runner runner = serve_job_runner(srv);
    quire_error e = {0};
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int slots = (int)config_get_int(sc, "job_slots");

    if (slots <= 0)
        slots = cpus > 0 ? (int)cpus : 1;
    memset(&o, 0, sizeof(o));
    o.prefix = srv->prefix;
    o.node_id = srv->node_id;
    o.slots = slots;
    o.reclaim_idle_ms = (int)config_get_int(sc, "reclaim_idle");
    o.sweep_interval_ms = (int)config_get_int(sc, "sweep_interval");
    o.max_attempts = (int)config_get_int(sc, "max_attempts");
    o.output_max_redis = (size_t)config_get_int(sc, "output_max_redis");
    o.output_dir = config_is_set(sc, "output_dir") ? config_get_string(sc, "output_dir") : NULL;
    o.temp_dir = srv->temp_dir;
    o.progress_interval_ms = (int)config_get_int(sc, "progress_interval");
    o.result_ttl_s = (int)(config_get_int(sc, "result_ttl") / 1000);
    o.block_ms = BLOCK_MS;
    srv->jobs = jobs_new(srv->loop, srv->rc_cmd, srv->rc_block, &o, &runner, &e);
    if (srv->jobs == NULL) {
        fprintf(stderr, "error: %s\n", e.msg);
        return -1;
    }
    srv->sync_max = slots;
    return 0;
}

static char *make_node_id(const quire_config *sc)
{
    const char *id = config_get_string(sc, "node_id");
    char host[256], buf[320];

    if (id != NULL && id[0] != '\0')
        return strdup(id);
    if (gethostname(host, sizeof(host)) != 0)
        snprintf(host, sizeof(host), "node");
    host[sizeof(host) - 1] = '\0';
    snprintf(buf, sizeof(buf), "%s-%ld", host, (long)getpid());
    return strdup(buf);
}

/* Frees what is left of requests that were waiting when the loop stopped
 * (their callbacks will never come: the engine is gone). */
static void free_pending(server *srv)
{
    while (srv->pending != NULL) {
        api_req *r = srv->pending;
        if (r->discard != NULL)
            r->discard(r);
        else
            api_req_free(r);
    }
}

int cmd_serve(int argc, char **argv)
{
    server srv;
    cli_opts opts;
    const char *listen = NULL;
    char err[1024];
    quire_error e = {0};
    int code;

    memset(&srv, 0, sizeof(srv));
    if (take_listen(&argc, argv, &listen) != 0) {
        fprintf(stderr, "quire: --listen needs HOST:PORT, [V6]:PORT or unix:PATH\n");
        return QUIRE_EXIT_USAGE;
    }
    code = cli_parse(argc, argv, &opts);
    if (code != QUIRE_EXIT_OK)
        return code;
    if (opts.nargs != 0) {
        fprintf(stderr, "quire: serve takes no arguments (did you mean --listen %s?)\n",
                opts.args[0]);
        return QUIRE_EXIT_USAGE;
    }
    code = cli_only(&opts, "serve", 0);
    if (code != QUIRE_EXIT_OK)
        return code;
    code = cli_open_kernel(&opts, 1, &srv.k);
    if (code != QUIRE_EXIT_OK)
        goto fail_close_kernel;
    srv.log_level = srv.k->log_level;
    srv.started_ms = clock_mono_ms();
    srv.listen = strdup(listen ? listen : config_get_string(srv.k->sconf, "listen"));
    srv.temp_dir = strdup(config_get_string(srv.k->kconf, "temp_dir"));
    srv.prefix = strdup(config_get_string(srv.k->sconf, "redis_prefix"));
    srv.node_id = make_node_id(srv.k->sconf);
    srv.sync_timeout_ms = config_get_int(srv.k->sconf, "sync_timeout");
    srv.session_ttl_ms = config_get_int(srv.k->sconf, "session_ttl");
    if (!srv.listen || !srv.temp_dir || !srv.prefix || !srv.node_id) {
        fprintf(stderr, "error: out of memory\n");
        code = QUIRE_EXIT_FAILURE;
        goto fail_close_kernel;
    }
    /* The node id names Redis clients and consumers: no blanks or quotes. */
    if (strspn(srv.node_id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
            strlen(srv.node_id) ||
        strlen(srv.node_id) > 200) {
        fprintf(stderr,
                "error: [server] node_id '%.60s': use at most 200 letters, digits, '.', '_' and "
                "'-'\n",
                srv.node_id);
        code = QUIRE_EXIT_CONFIG;
        goto fail_close_kernel;
    }
    srv.auth = auth_load(srv.k->sconf, srv.listen, err, sizeof(err));
    if (srv.auth == NULL) {
        fprintf(stderr, "error: %s\n", err);
        code = QUIRE_EXIT_CONFIG;
        goto fail_close_kernel;
    }
    code = find_transport(&srv);
    if (code != QUIRE_EXIT_OK)
        goto fail_close_kernel;

    signal(SIGPIPE, SIG_IGN);
    srv.loop = ev_default_loop(EVFLAG_AUTO);
    srv.mb = srv.loop ? mailbox_new(srv.loop) : NULL;
    if (srv.mb == NULL) {
        fprintf(stderr, "error: cannot create the event loop\n");
        code = QUIRE_EXIT_FAILURE;
        goto fail_close_kernel;
    }
    switch (open_redis(&srv)) {
    case 0: break;
    case -2: code = QUIRE_EXIT_CONFIG; goto fail_close_redis;
    default: code = QUIRE_EXIT_FAILURE; goto fail_close_redis;
    }
    if (open_jobs(&srv) != 0) {
        code = QUIRE_EXIT_FAILURE;
        goto fail_close_redis;
    }

    srv.handler.size = sizeof(srv.handler);
    srv.handler.ctx = &srv;
    srv.handler.request = api_on_request;
    srv.handler.closed = api_on_closed;
    srv.handler.ws_message = api_on_ws_message;
    srv.handler.ws_closed = api_on_ws_closed;
    if (srv.tops->listen(srv.transport->state_ptr, srv.listen, &e) != QUIRE_OK ||
        srv.tops->attach(srv.transport->state_ptr, srv.loop, &srv.handler, &e) != QUIRE_OK) {
        fprintf(stderr, "error: %s: %s\n", srv.transport->label, e.msg);
        code = QUIRE_EXIT_CONFIG;
        goto fail_free_jobs;
    }
    if (start_plugins(&srv) != 0) {
        code = QUIRE_EXIT_FAILURE;
        goto fail_free_jobs;
    }
    jobs_start(srv.jobs);

    ev_signal_init(&srv.sig_term, on_sigterm, SIGTERM);
    ev_signal_init(&srv.sig_int, on_sigterm, SIGINT);
    ev_signal_init(&srv.sig_hup, on_sighup, SIGHUP);
    srv.sig_term.data = srv.sig_int.data = srv.sig_hup.data = &srv;
    ev_signal_start(srv.loop, &srv.sig_term);
    ev_signal_start(srv.loop, &srv.sig_int);
    ev_signal_start(srv.loop, &srv.sig_hup);
    serve_log(&srv, QUIRE_LOG_INFO, "serve: node %s serving on %s (%d job slots; %s)", srv.node_id,
              srv.listen, srv.sync_max,
              auth_open(srv.auth) ? "no tokens: anonymous admin access on loopback"
                                  : "bearer tokens");

    ev_run(srv.loop, 0);

    serve_log(&srv, QUIRE_LOG_INFO, "serve: stopping");
    ev_signal_stop(srv.loop, &srv.sig_term);
    ev_signal_stop(srv.loop, &srv.sig_int);
    ev_signal_stop(srv.loop, &srv.sig_hup);
    ev_timer_stop(srv.loop, &srv.drain_timer);
    ev_timer_stop(srv.loop, &srv.drain_check);
    stop_plugins(&srv);
    /* Synchronous renders in flight have their own deadline, and checks of
     * job requests end by themselves; wait for them so no thread posts to
     * a freed mailbox. */
    {
        int64_t until = clock_mono_ms() + srv.sync_timeout_ms + 1000;
        while ((srv.sync_running > 0 || srv.validating > 0) && clock_mono_ms() < until)
            ev_run(srv.loop, EVRUN_ONCE);
    }
    /* A render that cannot be stopped (blocked reading its source) would
     * keep a worker thread forever: then leave at once. Its job stays
     * pending in Redis and another node, or this one after a restart,
     * takes it over, exactly as after a crash. */
    {
        jobs_metrics jm;
        jobs_metrics_get(srv.jobs, &jm);
        if (jm.running > 0 || srv.sync_running > 0 || srv.validating > 0) {
            serve_log(&srv, QUIRE_LOG_WARN,
                      "serve: %llu jobs still running are left pending for other nodes; exiting "
                      "without waiting for them",
                      (unsigned long long)jm.running);
            if (srv.embed != NULL)
                redis_embed_stop(srv.embed);
            fflush(NULL);
            _exit(QUIRE_EXIT_OK);
        }
    }
    code = QUIRE_EXIT_OK;

fail_free_jobs:
    jobs_free(srv.jobs);
    free_pending(&srv);
fail_close_redis:
    rconn_free(srv.rc_block);
    rconn_free(srv.rc_cmd);
    if (srv.embed != NULL) {
        redis_embed_stop(srv.embed);
        serve_log(&srv, QUIRE_LOG_INFO, "serve: private redis-server stopped");
    }
    mailbox_free(srv.mb);
fail_close_kernel:
    auth_free(srv.auth);
    free(srv.listen);
    free(srv.temp_dir);
    free(srv.prefix);
    free(srv.node_id);
    free(srv.redis_url);
    kernel_close(srv.k);
    return code;
}
