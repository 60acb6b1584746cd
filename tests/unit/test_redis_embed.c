/*
 * test_redis_embed.c - the private redis-server (kernel/redis_embed.c):
 * start, PING, AOF on disk, stop; a second start on a directory in use is
 * refused; a stale socket is reused; start-up failures report why; and the
 * server dies with its parent even on kill -9 (PR_SET_PDEATHSIG).
 *
 * Every test works in its own temporary directory, removed by teardown;
 * any server a test started is stopped there too, even when it failed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <poll.h>
#include <sys/un.h>

#include "redis_embed.h"
#include "redis_harness.h"

typedef struct fixture {
    char base[64];
    char dir[128]; /* base/data/redis: two levels the start must create */
    redis_embed *a, *b;
    pid_t orphan; /* a server started by a killed child (PDEATHSIG test) */
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return -1;
    snprintf(f->base, sizeof(f->base), "/tmp/quire-embed-test-XXXXXX");
    if (mkdtemp(f->base) == NULL) {
        free(f);
        return -1;
    }
    snprintf(f->dir, sizeof(f->dir), "%s/data/redis", f->base);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char cmd[128];

    redis_embed_stop(f->a);
    redis_embed_stop(f->b);
    if (f->orphan > 0) {
        kill(f->orphan, SIGKILL);
        for (int i = 0; i < 500 && waitpid(f->orphan, NULL, WNOHANG) == 0; i++)
            th_sleep_ms(10);
    }
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->base);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", f->base);
    free(f);
    return 0;
}

static redisReply *command(const char *url, const char *fmt, const char *arg)
{
    char err[256];
    redisContext *c = rconn_sync_connect(url, 1000, err, sizeof(err));
    redisReply *r;

    if (c == NULL)
        fail_msg("%s", err);
    r = redisCommand(c, fmt, arg);
    redisFree(c);
    return r;
}

/* 1 when some file under dir/appendonlydir contains `needle`. */
static int aof_contains(const char *dir, const char *needle)
{
    char path[512], buf[8192];
    DIR *d;
    struct dirent *de;
    int found = 0;

    snprintf(path, sizeof(path), "%s/appendonlydir", dir);
    d = opendir(path);
    if (d == NULL)
        return 0;
    while (!found && (de = readdir(d)) != NULL) {
        FILE *fp;
        size_t n;

        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/appendonlydir/%s", dir, de->d_name);
        fp = fopen(path, "rb");
        if (fp == NULL)
            continue;
        n = fread(buf, 1, sizeof(buf) - 1, fp);
        buf[n] = '\0';
        fclose(fp);
        for (size_t i = 0; i + strlen(needle) <= n && !found; i++)
            found = memcmp(buf + i, needle, strlen(needle)) == 0;
    }
    closedir(d);
    return found;
}

static int gone(pid_t pid)
{
    return kill(pid, 0) == -1 && errno == ESRCH;
}

/* ============================== Start and stop ============================ */

static void test_start_stop(void **state)
{
    fixture *f = *state;
    char err[1024] = "", want[256], sock[200];
    redisReply *r;
    struct stat st;
    pid_t pid;
    DIR *d;
    struct dirent *de;
    int aof = 0;

    f->a = redis_embed_start(f->dir, NULL, err, sizeof(err));
    if (f->a == NULL)
        fail_msg("%s", err);
    snprintf(sock, sizeof(sock), "%s/redis.sock", f->dir);
    snprintf(want, sizeof(want), "unix:%s", sock);
    assert_string_equal(redis_embed_url(f->a), want);
    assert_int_equal(stat(f->dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(lstat(sock, &st), 0);
    assert_true(S_ISSOCK(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0700);
    pid = redis_embed_pid(f->a);
    assert_true(pid > 0);

    r = command(redis_embed_url(f->a), "PING", NULL);
    assert_non_null(r);
    assert_string_equal(r->str, "PONG");
    freeReplyObject(r);
    /* No TCP listener: the server was started with port 0. */
    r = command(redis_embed_url(f->a), "CONFIG GET %s", "port");
    assert_int_equal(r->elements, 2);
    assert_string_equal(r->element[1]->str, "0");
    freeReplyObject(r);
    r = command(redis_embed_url(f->a), "SET aofprobe %s", "value-42");
    assert_string_equal(r->str, "OK");
    freeReplyObject(r);
    for (int i = 0; i < 200 && !aof; i++) { /* 2 s */
        aof = aof_contains(f->dir, "value-42");
        if (!aof)
            th_sleep_ms(10);
    }
    assert_true(aof);

    redis_embed_stop(f->a);
    f->a = NULL;
    assert_true(gone(pid));
    assert_int_equal(lstat(sock, &st), -1);
    assert_int_equal(errno, ENOENT);
    /* Only Redis's own files were written there. */
    d = opendir(f->dir);
    assert_non_null(d);
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (strcmp(de->d_name, "redis.log") != 0 && strcmp(de->d_name, "appendonlydir") != 0)
            fail_msg("unexpected file %s", de->d_name);
    }
    closedir(d);

    /* Data survives a restart (AOF replay). */
    f->a = redis_embed_start(f->dir, NULL, err, sizeof(err));
    if (f->a == NULL)
        fail_msg("%s", err);
    r = command(redis_embed_url(f->a), "GET %s", "aofprobe");
    assert_string_equal(r->str, "value-42");
    freeReplyObject(r);
}

static void test_start_twice(void **state)
{
    fixture *f = *state;
    char err[1024] = "", want[400];
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd;

    f->a = redis_embed_start(f->dir, NULL, err, sizeof(err));
    if (f->a == NULL)
        fail_msg("%s", err);
    f->b = redis_embed_start(f->dir, NULL, err, sizeof(err));
    assert_null(f->b);
    snprintf(want, sizeof(want),
             "redis_dir: a redis-server already answers on %s/redis.sock (a quire node still "
             "running on this directory?); stop it or set another redis_dir",
             f->dir);
    assert_string_equal(err, want);
    redis_embed_stop(f->a);
    f->a = NULL;

    /* A stale socket file (a server killed with SIGKILL leaves one) is
     * removed and the start goes ahead. */
    assert_true(snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/redis.sock", f->dir) <
                (int)sizeof(sa.sun_path));
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    close(fd);
    f->a = redis_embed_start(f->dir, NULL, err, sizeof(err));
    if (f->a == NULL)
        fail_msg("%s", err);
}

/* ============================== Start-up failures ========================= */

static void write_script(const char *path, const char *body)
{
    FILE *fp = fopen(path, "w");

    assert_non_null(fp);
    fprintf(fp, "#!/bin/sh\n%s\n", body);
    fclose(fp);
    assert_int_equal(chmod(path, 0700), 0);
}

static void test_start_failures(void **state)
{
    fixture *f = *state;
    char err[1024] = "", want[1024], script[128];
    double t0;

    assert_null(redis_embed_start(f->dir, "/nonexistent/redis-server", err, sizeof(err)));
    assert_string_equal(err, "cannot run /nonexistent/redis-server: No such file or directory");

    /* Exits at once: the status and what it printed (stderr goes to the
     * log) are in the message. */
    snprintf(script, sizeof(script), "%s/fails.sh", f->base);
    write_script(script, "echo 'line one' >&2\necho '*** FATAL CONFIG FILE ERROR ***' >&2\n"
                         "exit 3");
    assert_null(redis_embed_start(f->dir, script, err, sizeof(err)));
    snprintf(want, sizeof(want),
             "%s exited with status 3 at start; last lines of %s/redis.log:\nline one\n"
             "*** FATAL CONFIG FILE ERROR ***",
             script, f->dir);
    assert_string_equal(err, want);

    /* Never answers: killed after 5 s. */
    snprintf(script, sizeof(script), "%s/hangs.sh", f->base);
    write_script(script, "exec sleep 30");
    t0 = th_now();
    assert_null(redis_embed_start(f->dir, script, err, sizeof(err)));
    assert_true(th_now() - t0 >= 4.9);
    assert_true(th_now() - t0 < 8);
    snprintf(want, sizeof(want), "%s did not answer PING on %s/redis.sock within 5 s", script,
             f->dir);
    assert_true(strncmp(err, want, strlen(want)) == 0);

    /* The directory cannot be created. */
    snprintf(script, sizeof(script), "%s/file", f->base);
    write_script(script, "true");
    {
        char sub[160], msg[256];

        snprintf(sub, sizeof(sub), "%s/sub", script);
        assert_null(redis_embed_start(sub, NULL, err, sizeof(err)));
        snprintf(msg, sizeof(msg), "redis_dir: cannot create %s: Not a directory", sub);
        assert_string_equal(err, msg);
    }
}

/* ============================== Parent death ============================== */

/*
 * A child process starts the server and is killed with SIGKILL; the
 * server must go too. This process becomes a child subreaper so the
 * orphaned server is re-parented here and can be reaped and checked.
 */
static void test_dies_with_parent(void **state)
{
    fixture *f = *state;
    int pipefd[2];
    pid_t child, server = 0;
    struct pollfd pfd;
    int reaped = 0;

    assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    assert_int_equal(pipe(pipefd), 0);
    child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        char err[1024];
        redis_embed *e;

        close(pipefd[0]);
        alarm(30); /* never outlive the test */
        e = redis_embed_start(f->dir, NULL, err, sizeof(err));
        server = e ? redis_embed_pid(e) : -1;
        if (write(pipefd[1], &server, sizeof(server)) != sizeof(server))
            _exit(1);
        for (;;)
            pause();
    }
    close(pipefd[1]);
    pfd.fd = pipefd[0];
    pfd.events = POLLIN;
    assert_int_equal(poll(&pfd, 1, 10000), 1);
    assert_int_equal(read(pipefd[0], &server, sizeof(server)), sizeof(server));
    close(pipefd[0]);
    assert_true(server > 0);
    f->orphan = server;
    assert_false(gone(server));

    kill(child, SIGKILL);
    assert_int_equal(waitpid(child, NULL, 0), child);
    for (int i = 0; i < 500 && !reaped; i++) { /* 5 s */
        reaped = waitpid(server, NULL, WNOHANG) == server;
        if (!reaped)
            th_sleep_ms(10);
    }
    assert_true(reaped);
    assert_true(gone(server));
    f->orphan = 0;
    assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_start_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_twice, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dies_with_parent, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
