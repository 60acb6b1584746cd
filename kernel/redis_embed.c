/*
 * redis_embed.c - starts and stops the private redis-server of a node
 * with no redis_url (see redis_embed.h).
 *
 * The child is set up between fork() and exec() with async-signal-safe
 * calls only: own process group, parent-death signal, default signal mask
 * and dispositions, stdin from /dev/null, stdout and stderr appended to
 * redis.log (so start-up errors printed before Redis opens its log file
 * are in the same place), every other inherited descriptor closed. An
 * exec failure travels back to the parent through a close-on-exec pipe.
 */
#include "redis_embed.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "redis_conn.h"

#define START_WAIT_S   5.0
#define STOP_WAIT_S    5.0
#define LOG_TAIL_LINES 5

struct redis_embed {
    pid_t pid;
    char *dir;
    char *sock;
    char *url;
};

/* ============================== Helpers =================================== */

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {0, (long)ms * 1000000L};

    nanosleep(&ts, NULL);
}

/* mkdir -p with mode 0700 for every directory it creates. */
static int make_dirs(const char *dir, char *err, size_t errlen)
{
    char path[PATH_MAX];
    size_t n = strlen(dir);
    struct stat st;

    if (n == 0 || n >= sizeof(path)) {
        snprintf(err, errlen, "redis_dir: \"%s\" is not a usable directory name", dir);
        return -1;
    }
    memcpy(path, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        path[i] = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "redis_dir: cannot create %s: %s", path, strerror(errno));
            return -1;
        }
        path[i] = i == n ? '\0' : '/';
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "redis_dir: %s is not a directory", dir);
        return -1;
    }
    return 0;
}

/* Appends the last LOG_TAIL_LINES lines of `log` to err. */
static void append_log_tail(const char *log, char *err, size_t errlen)
{
    char buf[4096];
    size_t used = strlen(err);
    ssize_t got;
    int fd = open(log, O_RDONLY | O_CLOEXEC);
    off_t size;
    const char *start;
    int lines = 0;

    if (fd < 0) {
        snprintf(err + used, errlen - used, " (no %s)", log);
        return;
    }
    size = lseek(fd, 0, SEEK_END);
    if (size > (off_t)sizeof(buf) - 1)
        lseek(fd, size - (off_t)sizeof(buf) + 1, SEEK_SET);
    else
        lseek(fd, 0, SEEK_SET);
    got = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (got <= 0) {
        snprintf(err + used, errlen - used, " (%s is empty)", log);
        return;
    }
    buf[got] = '\0';
    while (got > 0 && buf[got - 1] == '\n')
        buf[--got] = '\0';
    start = buf + got;
    while (start > buf && lines < LOG_TAIL_LINES) {
        start--;
        if (*start == '\n' && ++lines == LOG_TAIL_LINES) {
            start++;
            break;
        }
    }
    snprintf(err + used, errlen - used, "; last lines of %s:\n%s", log, start);
}

/* PING on url: 1 PONG, 0 no answer, -1 an error reply (LOADING, NOAUTH). */
static int ping(const char *url, char *reply_text, size_t len)
{
    char err[256];
    redisContext *c = rconn_sync_connect(url, 300, err, sizeof(err));
    redisReply *r;
    int ret = 0;

    if (c == NULL)
        return 0;
    r = redisCommand(c, "PING");
    if (r != NULL) {
        ret = r->type == REDIS_REPLY_STATUS && strcmp(r->str, "PONG") == 0 ? 1 : -1;
        if (ret < 0 && reply_text != NULL)
            snprintf(reply_text, len, "%s", r->str ? r->str : "?");
    }
    freeReplyObject(r);
    redisFree(c);
    return ret;
}

/* 1 when the process is gone (reaped here, or by someone else). */
static int reap(pid_t pid, int *status)
{
    pid_t r = waitpid(pid, status, WNOHANG);

    if (r == pid)
        return 1;
    if (r < 0 && errno == ECHILD) {
        /* Reaped by someone else (a waitpid(-1) in the owner). */
        *status = -1;
        return kill(pid, 0) != 0 && errno == ESRCH;
    }
    return 0;
}

/* Sends sig and waits up to `seconds` for the exit. 1 when gone. */
static int terminate(pid_t pid, int sig, double seconds)
{
    double end = now_s() + seconds;
    int status;

    if (kill(pid, sig) != 0 && errno == ESRCH) {
        (void)reap(pid, &status);
        return 1;
    }
    while (now_s() < end) {
        if (reap(pid, &status))
            return 1;
        sleep_ms(10);
    }
    return 0;
}

static void kill_and_reap(pid_t pid)
{
    if (!terminate(pid, SIGTERM, STOP_WAIT_S))
        (void)terminate(pid, SIGKILL, STOP_WAIT_S);
}

/* ============================== The child ================================= */

static void close_other_fds(int keep)
{
    long max = sysconf(_SC_OPEN_MAX);

#ifdef SYS_close_range
    if (syscall(SYS_close_range, 3u, (unsigned)keep - 1, 0u) == 0 &&
        syscall(SYS_close_range, (unsigned)keep + 1, ~0u, 0u) == 0)
        return;
#endif
    if (max < 0 || max > 65536)
        max = 65536;
    for (int fd = 3; fd < max; fd++)
        if (fd != keep)
            close(fd);
}

/* Never returns. Only async-signal-safe calls: the parent may have threads. */
static void run_child(const char *bin, char *const argv[], const char *log, int errfd, pid_t parent)
{
    sigset_t none;
    int fd;
    int e;

    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) /* the parent died before prctl */
        _exit(126);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int s = 1; s < 32; s++)
        if (s != SIGKILL && s != SIGSTOP)
            signal(s, SIG_DFL);
    fd = open("/dev/null", O_RDONLY);
    if (fd >= 0 && fd != 0) {
        dup2(fd, 0);
        close(fd);
    }
    fd = open(log, O_WRONLY | O_APPEND | O_CREAT, 0600);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        if (fd > 2)
            close(fd);
    }
    close_other_fds(errfd);
    if (strchr(bin, '/') != NULL)
        execv(bin, argv);
    else
        execvp(bin, argv);
    e = errno;
    if (write(errfd, &e, sizeof(e)) < 0)
        _exit(127);
    _exit(127);
}

/* ============================== Start and stop ============================ */

static redis_embed *embed_alloc(const char *dir, char *err, size_t errlen)
{
    redis_embed *e = calloc(1, sizeof(*e));
    char *abs = realpath(dir, NULL);
    size_t socklen;

    if (e == NULL || abs == NULL) {
        snprintf(err, errlen, "redis_dir: %s: %s", dir, strerror(errno));
        goto fail_free;
    }
    e->dir = abs;
    socklen = strlen(abs) + strlen("/redis.sock");
    if (socklen >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
        snprintf(err, errlen,
                 "redis_dir: the socket path %s/redis.sock is %zu bytes long, the limit is %zu",
                 abs, socklen, sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
        goto fail_free;
    }
    e->sock = malloc(socklen + 1);
    e->url = malloc(socklen + 6);
    if (e->sock == NULL || e->url == NULL) {
        snprintf(err, errlen, "redis_dir: out of memory");
        goto fail_free;
    }
    snprintf(e->sock, socklen + 1, "%s/redis.sock", abs);
    snprintf(e->url, socklen + 6, "unix:%s", e->sock);
    return e;

fail_free:
    if (e != NULL) {
        free(e->sock);
        free(e->url);
    }
    free(e);
    free(abs);
    return NULL;
}

static void embed_free(redis_embed *e)
{
    free(e->dir);
    free(e->sock);
    free(e->url);
    free(e);
}

/* Refuses a socket some server still answers on; removes a stale one. */
static int check_socket_free(const redis_embed *e, char *err, size_t errlen)
{
    struct stat st;

    if (lstat(e->sock, &st) != 0)
        return 0;
    if (ping(e->url, NULL, 0) != 0) {
        snprintf(err, errlen,
                 "redis_dir: a redis-server already answers on %s (a quire node still running "
                 "on this directory?); stop it or set another redis_dir",
                 e->sock);
        return -1;
    }
    if (!S_ISSOCK(st.st_mode)) {
        snprintf(err, errlen, "redis_dir: %s exists and is not a socket", e->sock);
        return -1;
    }
    if (unlink(e->sock) != 0) {
        snprintf(err, errlen, "redis_dir: cannot remove the stale socket %s: %s", e->sock,
                 strerror(errno));
        return -1;
    }
    return 0;
}

/* Waits for PONG, the child's exit or an exec failure on errfd. */
static int wait_ready(redis_embed *e, const char *bin, const char *log, int errfd, char *err,
                      size_t errlen)
{
    double end = now_s() + START_WAIT_S;
    char last[128] = "";
    int status, exec_errno;

    while (now_s() < end) {
        int gone = reap(e->pid, &status);

        /* Read after the reap: a failed exec has written before exiting. */
        if (read(errfd, &exec_errno, sizeof(exec_errno)) == (ssize_t)sizeof(exec_errno)) {
            snprintf(err, errlen, "cannot run %s: %s", bin, strerror(exec_errno));
            if (!gone)
                (void)terminate(e->pid, SIGKILL, STOP_WAIT_S);
            return -1;
        }
        if (gone) {
            if (status >= 0 && WIFEXITED(status))
                snprintf(err, errlen, "%s exited with status %d at start", bin,
                         WEXITSTATUS(status));
            else if (status >= 0 && WIFSIGNALED(status))
                snprintf(err, errlen, "%s was killed by signal %d at start", bin, WTERMSIG(status));
            else
                snprintf(err, errlen, "%s exited at start", bin);
            append_log_tail(log, err, errlen);
            return -1;
        }
        if (ping(e->url, last, sizeof(last)) == 1)
            return 0;
        sleep_ms(20);
    }
    snprintf(err, errlen, "%s did not answer PING on %s within %.0f s%s%s", bin, e->sock,
             START_WAIT_S, last[0] ? "; last reply: " : "", last);
    append_log_tail(log, err, errlen);
    kill_and_reap(e->pid);
    return -1;
}

redis_embed *redis_embed_start(const char *dir, const char *redis_server_path, char *err,
                               size_t errlen)
{
    const char *bin = redis_server_path ? redis_server_path : "redis-server";
    redis_embed *e;
    char log[PATH_MAX + 16];
    int pipefd[2];
    pid_t parent = getpid();

    if (make_dirs(dir, err, errlen) != 0)
        return NULL;
    e = embed_alloc(dir, err, errlen);
    if (e == NULL)
        return NULL;
    if (check_socket_free(e, err, errlen) != 0)
        goto fail_free_embed;
    snprintf(log, sizeof(log), "%s/redis.log", e->dir);
    {
        char *const argv[] = {
            (char *)bin, "--port",    "0",    "--unixsocket",     e->sock, "--unixsocketperm",
            "700",       "--dir",     e->dir, "--appendonly",     "yes",   "--appendfsync",
            "everysec",  "--save",    "",     "--daemonize",      "no",    "--supervised",
            "no",        "--logfile", log,    "--protected-mode", "yes",   "--always-show-logo",
            "no",        NULL,
        };

        if (pipe(pipefd) != 0 || fcntl(pipefd[0], F_SETFD, FD_CLOEXEC) != 0 ||
            fcntl(pipefd[1], F_SETFD, FD_CLOEXEC) != 0 ||
            fcntl(pipefd[0], F_SETFL, O_NONBLOCK) != 0) {
            snprintf(err, errlen, "cannot start %s: pipe: %s", bin, strerror(errno));
            goto fail_free_embed;
        }
        e->pid = fork();
        if (e->pid < 0) {
            snprintf(err, errlen, "cannot start %s: fork: %s", bin, strerror(errno));
            goto fail_close_pipe;
        }
        if (e->pid == 0) {
            close(pipefd[0]);
            run_child(bin, argv, log, pipefd[1], parent);
        }
    }
    close(pipefd[1]);
    pipefd[1] = -1;
    if (wait_ready(e, bin, log, pipefd[0], err, errlen) != 0)
        goto fail_close_pipe;
    close(pipefd[0]);
    return e;

fail_close_pipe:
    close(pipefd[0]);
    if (pipefd[1] >= 0)
        close(pipefd[1]);
fail_free_embed:
    embed_free(e);
    return NULL;
}

const char *redis_embed_url(const redis_embed *e)
{
    return e->url;
}

pid_t redis_embed_pid(const redis_embed *e)
{
    return e->pid;
}

void redis_embed_stop(redis_embed *e)
{
    if (e == NULL)
        return;
    if (e->pid > 0)
        kill_and_reap(e->pid);
    /* Redis removes its socket on a clean shutdown; not after SIGKILL. */
    (void)unlink(e->sock);
    embed_free(e);
}
