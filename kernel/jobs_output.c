/*
 * jobs_output.c - the worker-thread half of storing a run's output: read
 * it into memory when it fits in Redis (output_max_redis), else copy it
 * into the shared output_dir durably (temp name in that dir, fsync, rename,
 * fsync of the dir), else fail the run with a message naming both sizes.
 * Blocking file I/O stays off the loop thread.
 */
#include "jobs_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* "300 bytes", "12 MB", "12.5 MB": sizes in messages. */
static void fmt_size(char *buf, size_t n, uint64_t v)
{
    const uint64_t mb = (uint64_t)1 << 20;
    if (v < mb)
        snprintf(buf, n, "%llu bytes", (unsigned long long)v);
    else if (v % mb == 0)
        snprintf(buf, n, "%llu MB", (unsigned long long)(v / mb));
    else
        snprintf(buf, n, "%.1f MB", (double)v / (double)mb);
}

static void set_error(struct job_run *r, int status, const char *msg)
{
    r->status = status;
    free(r->error);
    r->error = strdup(msg);
}

static int read_all(const char *path, char **out, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char *buf = malloc(size ? size : 1);
    if (!buf) {
        close(fd);
        errno = ENOMEM;
        return -1;
    }
    size_t got = 0;
    while (got < size) {
        ssize_t k = read(fd, buf + got, size - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            int e = k < 0 ? errno : EIO;
            free(buf);
            close(fd);
            errno = e;
            return -1;
        }
        got += (size_t)k;
    }
    close(fd);
    *out = buf;
    return 0;
}

static int copy_durable(const char *from, const char *dir, const char *to, const char *tmp)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return -1;
    int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0)
        goto fail_close_in;
    char buf[65536];
    for (;;) {
        ssize_t k = read(in, buf, sizeof buf);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            goto fail_close_out;
        if (k == 0)
            break;
        for (ssize_t off = 0; off < k;) {
            ssize_t w = write(out, buf + off, (size_t)(k - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0)
                goto fail_close_out;
            off += w;
        }
    }
    if (fsync(out) != 0)
        goto fail_close_out;
    if (close(out) != 0) {
        out = -1;
        goto fail_close_out;
    }
    close(in);
    if (rename(tmp, to) != 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        return -1;
    }
    /* The rename itself must survive a crash too. */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;

fail_close_out : {
    int e = errno;
    if (out >= 0)
        close(out);
    unlink(tmp);
    errno = e;
}
fail_close_in : {
    int e = errno;
    close(in);
    errno = e;
}
    return -1;
}

/* The output file's extension: the format name, keeping [A-Za-z0-9]. */
static void format_ext(const char *format, char *ext, size_t n)
{
    size_t k = 0;
    for (const char *p = format; *p && k + 1 < n; p++)
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))
            ext[k++] = *p;
    if (k == 0 && n > 3)
        memcpy(ext, "out", 4);
    else
        ext[k] = 0;
}

void jobs_output_collect(struct job_run *r)
{
    jobs *j = r->j;
    char msg[512];
    if (r->status != JOB_OK)
        goto done;
    struct stat st;
    if (stat(r->out_path, &st) != 0) {
        snprintf(msg, sizeof msg, "runner wrote no output at %s: %s", r->out_path, strerror(errno));
        set_error(r, JOB_FAILED, msg);
        goto done;
    }
    uint64_t size = (uint64_t)st.st_size;
    if (size <= j->o.output_max_redis) {
        if (read_all(r->out_path, &r->out_data, (size_t)size) != 0) {
            snprintf(msg, sizeof msg, "cannot read output %s: %s", r->out_path, strerror(errno));
            set_error(r, JOB_FAILED, msg);
            goto done;
        }
        r->out_kind = JOB_OUTPUT_REDIS;
        r->out_size = (size_t)size;
        goto done;
    }
    if (!j->output_dir) {
        char a[32], b[32];
        fmt_size(a, sizeof a, size);
        fmt_size(b, sizeof b, j->o.output_max_redis);
        snprintf(msg, sizeof msg,
                 "output of %s exceeds output_max_redis %s and no output_dir is configured", a, b);
        set_error(r, JOB_FAILED_PERMANENT, msg);
        goto done;
    }
    char ext[16];
    format_ext(r->spec.format, ext, sizeof ext);
    size_t n = strlen(j->output_dir) + strlen(r->job_id) + strlen(ext) + 3;
    size_t tn = n + strlen(j->node) + strlen(r->entry_id) + 16;
    char *to = malloc(n);
    char *tmp = malloc(tn);
    if (!to || !tmp) {
        free(to);
        free(tmp);
        set_error(r, JOB_FAILED, "out of memory storing the output");
        goto done;
    }
    snprintf(to, n, "%s/%s.%s", j->output_dir, r->job_id, ext);
    snprintf(tmp, tn, "%s/.%s.%s.%s.%s.tmp", j->output_dir, r->job_id, ext, j->node, r->entry_id);
    if (copy_durable(r->out_path, j->output_dir, to, tmp) != 0) {
        snprintf(msg, sizeof msg, "output_dir: cannot write %s: %s", to, strerror(errno));
        set_error(r, JOB_FAILED, msg);
        free(to);
        free(tmp);
        goto done;
    }
    free(tmp);
    r->out_file = to;
    r->out_kind = JOB_OUTPUT_FILE;
    r->out_size = (size_t)size;
done:
    remove(r->out_path);
}
