/*
 * redis_harness.h - a throwaway redis-server for unit tests, and a bounded
 * way to spin a libev loop until something happens.
 *
 * The server listens on a unix socket in a fresh temporary directory (and,
 * when asked, on a free loopback port), never on 6379, so a system Redis is
 * never touched. The child gets PR_SET_PDEATHSIG so a crashed test does not
 * leave it behind; tests still stop it in their teardown. Header-only: the
 * functions are static and used by test_redis_conn.c and test_redis_embed.c.
 */
#ifndef QUIRE_TEST_REDIS_HARNESS_H
#define QUIRE_TEST_REDIS_HARNESS_H

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "redis_conn.h"

#define REDIS_SERVER_BIN "/usr/bin/redis-server"

typedef struct test_redis {
    pid_t pid;
    int port; /* 0: unix socket only */
    char dir[128];
    char sock[192];
    char url[256];     /* unix:SOCK */
    char tcp_url[256]; /* redis://127.0.0.1:PORT when port != 0 */
} test_redis;

static inline double th_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline void th_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A loopback port nobody listens on right now (bound, read, closed). */
static inline int th_free_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int port = -1;

    if (fd < 0)
        return -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

/* 1 when a PING on `url` gets any answer within ~200 ms (NOAUTH counts:
 * the server is up). */
static inline int th_ping(const char *url)
{
    char err[256];
    redisContext *c = rconn_sync_connect(url, 200, err, sizeof(err));
    redisReply *r;
    int ok;

    if (c == NULL)
        return 0;
    r = redisCommand(c, "PING");
    ok = r != NULL;
    freeReplyObject(r);
    redisFree(c);
    return ok;
}

/* Starts redis-server in t->dir (which must exist) with `extra` arguments
 * (NULL-terminated, may be NULL). Waits up to 5 s for PING. 0 or -1. */
static inline int th_redis_spawn(test_redis *t, const char *const *extra)
{
    char port[16], logfile[256];
    const char *argv[40];
    int n = 0;

    snprintf(t->sock, sizeof(t->sock), "%s/redis.sock", t->dir);
    snprintf(t->url, sizeof(t->url), "unix:%s", t->sock);
    snprintf(t->tcp_url, sizeof(t->tcp_url), "redis://127.0.0.1:%d", t->port);
    snprintf(port, sizeof(port), "%d", t->port);
    snprintf(logfile, sizeof(logfile), "%s/redis.log", t->dir);
    argv[n++] = REDIS_SERVER_BIN;
    argv[n++] = "--port";
    argv[n++] = port;
    argv[n++] = "--bind";
    argv[n++] = "127.0.0.1";
    argv[n++] = "--unixsocket";
    argv[n++] = t->sock;
    argv[n++] = "--unixsocketperm";
    argv[n++] = "700";
    argv[n++] = "--dir";
    argv[n++] = t->dir;
    argv[n++] = "--save";
    argv[n++] = "";
    argv[n++] = "--appendonly";
    argv[n++] = "no";
    argv[n++] = "--daemonize";
    argv[n++] = "no";
    argv[n++] = "--logfile";
    argv[n++] = logfile;
    argv[n++] = "--enable-debug-command";
    argv[n++] = "yes";
    for (int i = 0; extra != NULL && extra[i] != NULL && n < 38; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;

    t->pid = fork();
    if (t->pid < 0)
        return -1;
    if (t->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    for (int i = 0; i < 100; i++) { /* 5 s */
        if (th_ping(t->url))
            return 0;
        if (waitpid(t->pid, NULL, WNOHANG) == t->pid) {
            t->pid = 0;
            return -1;
        }
        th_sleep_ms(50);
    }
    return -1;
}

/* Makes a temporary dir and starts a server in it; with_tcp also listens
 * on a free loopback port. */
static inline int th_redis_start(test_redis *t, int with_tcp, const char *const *extra)
{
    memset(t, 0, sizeof(*t));
    snprintf(t->dir, sizeof(t->dir), "/tmp/quire-redis-test-XXXXXX");
    if (mkdtemp(t->dir) == NULL)
        return -1;
    t->port = with_tcp ? th_free_port() : 0;
    if (t->port < 0)
        return -1;
    return th_redis_spawn(t, extra);
}

/* Kills the server (SIGKILL) and reaps it, waiting at most 5 s. */
static inline void th_redis_kill(test_redis *t)
{
    if (t->pid <= 0)
        return;
    kill(t->pid, SIGKILL);
    for (int i = 0; i < 500; i++) {
        if (waitpid(t->pid, NULL, WNOHANG) != 0)
            break;
        th_sleep_ms(10);
    }
    t->pid = 0;
    unlink(t->sock);
}

/* Kills the server and removes its directory (flat: redis only writes
 * files there, plus appendonlydir/ when AOF is on). */
static inline void th_redis_cleanup(test_redis *t)
{
    char cmd[400];

    th_redis_kill(t);
    if (t->dir[0] != '\0' && strncmp(t->dir, "/tmp/quire-redis-test-", 22) == 0) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "cannot remove %s\n", t->dir);
    }
    t->dir[0] = '\0';
}

/* ============================== Loop driving ============================== */

static inline void th_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)w;
    (void)revents;
}

/* Runs the loop until *flag becomes nonzero or `seconds` pass. Returns the
 * flag. A 10 ms ticker makes each EVRUN_ONCE return so the flag and the
 * deadline are checked. */
static inline int th_run_until(struct ev_loop *loop, const int *flag, double seconds)
{
    ev_timer tick;
    double end = th_now() + seconds;

    ev_timer_init(&tick, th_tick, 0.01, 0.01);
    ev_timer_start(loop, &tick);
    while (!*flag && th_now() < end)
        ev_run(loop, EVRUN_ONCE);
    ev_timer_stop(loop, &tick);
    return *flag;
}

/* Runs the loop for `seconds`, whatever happens. */
static inline void th_run_for(struct ev_loop *loop, double seconds)
{
    int never = 0;
    th_run_until(loop, &never, seconds);
}

#endif /* QUIRE_TEST_REDIS_HARNESS_H */
