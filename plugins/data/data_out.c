/*
 * data_out.c - where a data export goes: standard output, a device written
 * in place, or (the usual case) a temporary file "PATH.tmp-XXXXXX" next to
 * the destination, renamed over it only once everything was written. A
 * failed or cancelled render therefore never leaves a partial file, and a
 * reader of PATH sees either the old file or the complete new one.
 *
 * Bytes go through one buffer; every flush checks write(2), so a full disk
 * (ENOSPC) or a closed pipe (EPIPE: the kernel ignores SIGPIPE) is reported
 * by the call that hit it, as "cannot write 'out/x.csv': No space left on
 * device". The first failure sticks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data.h"

static const char tmp_suffix[] = ".tmp-XXXXXX";

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
static int out_fail(data_out *out, int errnum, quire_error *err)
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
 * caller's business (data_out_commit, data_out_discard). */
static void out_free(data_out *out)
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
static int open_temporary(data_out *out, mode_t mode, quire_error *err)
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

data_out *data_out_open(const quire_host *host, const char *path, mode_t mode, quire_error *err)
{
    data_out *out = host->calloc(1, sizeof(*out));
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
static int out_flush(data_out *out, quire_error *err)
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
    return QUIRE_OK;
}

int data_out_write(data_out *out, const void *bytes, size_t len, quire_error *err)
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

int data_out_puts(data_out *out, const char *s, quire_error *err)
{
    return data_out_write(out, s, strlen(s), err);
}

int data_out_putc(data_out *out, char c, quire_error *err)
{
    if (out->used < sizeof(out->buf) && !out->failed) {
        out->buf[out->used++] = c;
        return QUIRE_OK;
    }
    return data_out_write(out, &c, 1, err);
}

int data_out_utf8(data_out *out, const char *s, size_t len, quire_error *err)
{
    static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */
    const unsigned char *p = (const unsigned char *)s;

    while (len > 0) {
        size_t valid = data_utf8_valid_prefix(p, len), bad;
        if (data_out_write(out, p, valid, err) != QUIRE_OK)
            return QUIRE_ERR;
        if (valid == len)
            break;
        if (data_out_write(out, replacement, 3, err) != QUIRE_OK)
            return QUIRE_ERR;
        bad = data_utf8_invalid_length(p + valid, len - valid);
        p += valid + bad;
        len -= valid + bad;
    }
    return QUIRE_OK;
}

/* ============================== Finishing ================================= */

/* Closes the descriptor if it is ours; returns 0 or an errno. */
static int out_close(data_out *out)
{
    int errnum = 0;

    if (out->fd >= 0 && out->owns_fd && close(out->fd) != 0)
        errnum = errno;
    out->fd = -1;
    return errnum;
}

int data_out_commit(data_out *out, quire_error *err)
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
    data_out_discard(out);
    return QUIRE_ERR;
}

void data_out_discard(data_out *out)
{
    if (out == NULL)
        return;
    out_close(out);
    if (out->tmp_path != NULL)
        unlink(out->tmp_path);
    out_free(out);
}
