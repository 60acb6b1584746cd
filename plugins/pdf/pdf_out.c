/*
 * pdf_out.c - where a PDF goes. The usual case is a temporary file
 * "PATH.tmp-XXXXXX" created by begin() next to the destination (so an
 * unwritable directory fails before any page is drawn) and renamed over it
 * by end() once the whole file was written: a failed or cancelled render
 * never leaves a partial PDF, and a reader of PATH sees the old file or the
 * complete new one. "-" is standard output; a device or FIFO is written in
 * place (renaming over /dev/null would replace the device).
 *
 * The writer hands over large blocks, so there is no buffer here; every
 * write(2) is checked, and close(2) too, so a full disk is reported as
 * "cannot write 'out/r.pdf': No space left on device".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pdf.h"

static const char tmp_suffix[] = ".tmp-XXXXXX";

struct pdf_out {
    const quire_host *host;
    char *path;     /* as given, for messages */
    char *target;   /* what the rename replaces (a symlink's file); NULL in place */
    char *tmp_path; /* the temporary file, or NULL when writing in place */
    int fd;         /* -1 once closed */
    int owns_fd;    /* 0 for standard output */
};

/* ============================== Errors ==================================== */

/* Sets "VERB 'PATH': REASON" ("standard output" for "-"). */
static void io_error(const quire_host *host, quire_error *err, const char *verb, const char *path,
                     int errnum)
{
    char why[128];

    if (strerror_r(errnum, why, sizeof(why)) != 0)
        snprintf(why, sizeof(why), "error %d", errnum);
    if (strcmp(path, "-") == 0)
        host->error_set(err, QUIRE_E_IO, "%s standard output: %s", verb, why);
    else
        host->error_set(err, QUIRE_E_IO, "%s '%s': %s", verb, path, why);
}

/* ============================== Opening =================================== */

static void out_free(pdf_out *out)
{
    const quire_host *host = out->host;

    host->free(out->tmp_path);
    host->free(out->target);
    host->free(out->path);
    host->free(out);
}

/* The file a symlink points at, so the rename replaces the file and keeps
 * the link; the path itself otherwise (or for a dangling link). */
static char *resolve_target(const quire_host *host, const char *path)
{
    struct stat st;
    char *real, *copy;

    if (lstat(path, &st) != 0 || !S_ISLNK(st.st_mode))
        return host->strdup(path);
    real = realpath(path, NULL);
    if (real == NULL)
        return host->strdup(path);
    copy = host->strdup(real);
    free(real); /* realpath allocates with libc malloc */
    return copy;
}

/* Creates "TARGET.tmp-XXXXXX" with `mode`, close-on-exec. */
static int open_temporary(pdf_out *out, mode_t mode, quire_error *err)
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
        errnum = errno;
        goto fail_free_name;
    }
    /* mkstemp makes the file 0600; the result should look like any file
     * the user creates, and a child process must not inherit it. */
    if (fchmod(out->fd, mode) != 0 || fcntl(out->fd, F_SETFD, FD_CLOEXEC) != 0) {
        errnum = errno;
        close(out->fd);
        out->fd = -1;
        unlink(out->tmp_path);
        goto fail_free_name;
    }
    return QUIRE_OK;

fail_free_name:
    host->free(out->tmp_path);
    out->tmp_path = NULL;
    io_error(host, err, "cannot create", out->path, errnum);
    return QUIRE_ERR;
}

pdf_out *pdf_out_open(const quire_host *host, const char *path, mode_t mode, quire_error *err)
{
    pdf_out *out = host->calloc(1, sizeof(*out));
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
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        /* The rename would fail at the end; say so before any page. */
        io_error(host, err, "cannot create", path, EISDIR);
        goto fail_free_out;
    }
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

int pdf_out_write(pdf_out *out, const void *bytes, size_t len, quire_error *err)
{
    const char *p = bytes;

    while (len > 0) {
        ssize_t n = write(out->fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            io_error(out->host, err, "cannot write", out->path, n < 0 ? errno : EIO);
            return QUIRE_ERR;
        }
        p += n;
        len -= (size_t)n;
    }
    return QUIRE_OK;
}

/* ============================== Finishing ================================= */

/* Closes the descriptor if it is ours; returns 0 or an errno. */
static int out_close(pdf_out *out)
{
    int errnum = 0;

    if (out->fd >= 0 && out->owns_fd && close(out->fd) != 0)
        errnum = errno;
    out->fd = -1;
    return errnum;
}

int pdf_out_commit(pdf_out *out, quire_error *err)
{
    int errnum = out_close(out);

    if (errnum != 0) {
        io_error(out->host, err, "cannot write", out->path, errnum);
        goto fail_remove;
    }
    if (out->tmp_path != NULL && rename(out->tmp_path, out->target) != 0) {
        io_error(out->host, err, "cannot create", out->path, errno);
        goto fail_remove;
    }
    out_free(out);
    return QUIRE_OK;

fail_remove:
    if (out->tmp_path != NULL)
        unlink(out->tmp_path);
    out_free(out);
    return QUIRE_ERR;
}

void pdf_out_discard(pdf_out *out)
{
    if (out == NULL)
        return;
    out_close(out);
    if (out->tmp_path != NULL)
        unlink(out->tmp_path);
    out_free(out);
}
