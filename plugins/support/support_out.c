/*
 * support_out.c - a renderer's output file: temporary file, checked
 * buffered writes, rename at the end (see support_out.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support_out.h"

static const char tmp_suffix[] = ".tmp-XXXXXX";

/* Written bytes after which their writeback is started (out_flush). */
#define OUT_SYNC_STEP (1u << 20)

/* ============================== Errors ==================================== */

/* "'PATH'", or "standard output" for "-": how messages name the output. */
static void out_name(const char *path, char *buf, size_t len)
{
    if (strcmp(path, "-") == 0)
        snprintf(buf, len, "standard output");
    else
        snprintf(buf, len, "'%s'", path);
}

/* Sets "VERB NAME: REASON" for errno `errnum`. */
static void io_error(const quire_host *host, quire_error *err, const char *verb, const char *path,
                     int errnum)
{
    char why[128], name[QUIRE_ERROR_MSG_MAX];

    if (strerror_r(errnum, why, sizeof(why)) != 0)
        snprintf(why, sizeof(why), "error %d", errnum);
    out_name(path, name, sizeof(name));
    host->error_set(err, QUIRE_E_IO, "%s %s: %s", verb, name, why);
}

/* Records the first write failure; returns QUIRE_ERR with it in *err. */
static int out_fail(support_out *out, int errnum, quire_error *err)
{
    if (!out->failed) {
        io_error(out->host, &out->failure, "cannot write", out->path, errnum);
        out->failed = 1;
    }
    *err = out->failure;
    return QUIRE_ERR;
}

/* ============================== Opening =================================== */

/* Frees the struct only; the descriptor and the temporary file are the
 * caller's business (support_out_commit, support_out_discard). */
static void out_free(support_out *out)
{
    const quire_host *host = out->host;

    host->free(out->tmp_path);
    host->free(out->target);
    host->free(out->path);
    host->free(out);
}

/* Where the result goes: the path itself, or the file a symlink names (so
 * the rename replaces the file, not the link). Caller frees. */
static char *resolve_target(const quire_host *host, const char *path)
{
    struct stat st;
    char *real, *copy;

    if (lstat(path, &st) != 0 || !S_ISLNK(st.st_mode))
        return host->strdup(path);
    real = realpath(path, NULL);
    if (real == NULL) /* a dangling link: replace the link itself */
        return host->strdup(path);
    copy = host->strdup(real);
    free(real); /* realpath allocates with libc malloc */
    return copy;
}

/* Creates the temporary file next to out->target. */
static int open_temporary(support_out *out, mode_t mode, quire_error *err)
{
    const quire_host *host = out->host;
    size_t len = strlen(out->target);
    int errnum;

    out->tmp_path = host->malloc(len + sizeof(tmp_suffix));
    if (out->tmp_path == NULL) {
        host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return QUIRE_ERR;
    }
    memcpy(out->tmp_path, out->target, len);
    memcpy(out->tmp_path + len, tmp_suffix, sizeof(tmp_suffix));
    out->fd = mkstemp(out->tmp_path);
    if (out->fd < 0) {
        io_error(host, err, "cannot create", out->path, errno);
        host->free(out->tmp_path);
        out->tmp_path = NULL;
        return QUIRE_ERR;
    }
    /* mkstemp makes the file 0600; the result should look like any file
     * the user creates. Close-on-exec: a child the kernel starts must not
     * hold the file open. */
    if (fchmod(out->fd, mode) != 0 || fcntl(out->fd, F_SETFD, FD_CLOEXEC) != 0) {
        errnum = errno;
        close(out->fd);
        out->fd = -1;
        unlink(out->tmp_path);
        host->free(out->tmp_path);
        out->tmp_path = NULL;
        io_error(host, err, "cannot create", out->path, errnum);
        return QUIRE_ERR;
    }
    return QUIRE_OK;
}

support_out *support_out_open(const quire_host *host, const char *path, mode_t mode,
                              quire_error *err)
{
    support_out *out = host->calloc(1, sizeof(*out));
    struct stat st;

    if (out == NULL) {
        host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return NULL;
    }
    out->host = host;
    out->fd = -1;
    out->path = host->strdup(path);
    if (out->path == NULL)
        goto fail_nomem;
    if (strcmp(path, "-") == 0) {
        out->fd = STDOUT_FILENO;
        return out;
    }
    /* A device or FIFO is written where it is: renaming a file over
     * /dev/null would replace the device. */
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        out->fd = open(path, O_WRONLY | O_CLOEXEC);
        if (out->fd < 0) {
            io_error(host, err, "cannot create", path, errno);
            goto fail_free_out;
        }
        out->owns_fd = 1;
        return out;
    }
    out->target = resolve_target(host, path);
    if (out->target == NULL)
        goto fail_nomem;
    if (open_temporary(out, mode, err) != QUIRE_OK)
        goto fail_free_out;
    out->owns_fd = 1;
    return out;

fail_nomem:
    host->error_set(err, QUIRE_E_NOMEM, "out of memory");
fail_free_out:
    out_free(out);
    return NULL;
}

/* ============================== Writing =================================== */

/* Writes the buffer out, retrying short writes and EINTR. */
static int out_flush(support_out *out, quire_error *err)
{
    size_t done = 0;

    if (out->failed)
        return out_fail(out, 0, err);
    while (done < out->used) {
        ssize_t n = write(out->fd, out->buf + done, out->used - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return out_fail(out, n < 0 ? errno : EIO, err);
        done += (size_t)n;
    }
    out->used = 0;
    out->written += done;
    /* Start the writeback of what is written so far, a megabyte at a
     * time, so that the fsync of support_out_commit waits for the last
     * stretch only, not for the whole file (as RocksDB's bytes_per_sync). */
    if (out->tmp_path != NULL && out->written - out->synced >= OUT_SYNC_STEP) {
        support_writeback(out->fd, out->synced, out->written - out->synced);
        out->synced = out->written;
    }
    return QUIRE_OK;
}

int support_out_write(support_out *out, const void *bytes, size_t len, quire_error *err)
{
    const char *p = bytes;

    if (out->failed)
        return out_fail(out, 0, err);
    while (len > 0) {
        size_t room = sizeof(out->buf) - out->used;
        size_t n = len < room ? len : room;
        memcpy(out->buf + out->used, p, n);
        out->used += n;
        p += n;
        len -= n;
        if (out->used == sizeof(out->buf) && out_flush(out, err) != QUIRE_OK)
            return QUIRE_ERR;
    }
    return QUIRE_OK;
}

int support_out_puts(support_out *out, const char *s, quire_error *err)
{
    return support_out_write(out, s, strlen(s), err);
}

int support_out_putc(support_out *out, char c, quire_error *err)
{
    if (out->used < sizeof(out->buf) && !out->failed) {
        out->buf[out->used++] = c;
        return QUIRE_OK;
    }
    return support_out_write(out, &c, 1, err);
}

/* ============================== Finishing ================================= */

int support_out_error(const support_out *out, quire_error *err)
{
    if (!out->failed)
        return QUIRE_OK;
    *err = out->failure;
    return QUIRE_ERR;
}

/* Closes the descriptor if it is ours; returns 0 or an errno. */
static int out_close(support_out *out)
{
    int errnum = 0;

    if (out->fd >= 0 && out->owns_fd && close(out->fd) != 0)
        errnum = errno;
    out->fd = -1;
    return errnum;
}

int support_out_commit(support_out *out, quire_error *err)
{
    int errnum;

    if (out_flush(out, err) != QUIRE_OK)
        goto fail_discard;
    /* Without fsync a crash soon after the rename can leave an empty file
     * under the final name on some file systems. */
    if (out->tmp_path != NULL && fsync(out->fd) != 0) {
        out_fail(out, errno, err);
        goto fail_discard;
    }
    errnum = out_close(out);
    if (errnum != 0) {
        out_fail(out, errnum, err);
        goto fail_discard;
    }
    if (out->tmp_path != NULL && rename(out->tmp_path, out->target) != 0) {
        char why[128];
        errnum = errno;
        if (strerror_r(errnum, why, sizeof(why)) != 0)
            snprintf(why, sizeof(why), "error %d", errnum);
        out->host->error_set(err, QUIRE_E_IO, "cannot rename '%s' to '%s': %s", out->tmp_path,
                             out->path, why);
        goto fail_discard;
    }
    out_free(out);
    return QUIRE_OK;

fail_discard:
    support_out_discard(out);
    return QUIRE_ERR;
}

void support_out_discard(support_out *out)
{
    if (out == NULL)
        return;
    out_close(out);
    if (out->tmp_path != NULL)
        unlink(out->tmp_path);
    out_free(out);
}
