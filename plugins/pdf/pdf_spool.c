/*
 * pdf_spool.c - the temporary file that holds the document's page content
 * until it is saved.
 *
 * libharu keeps everything in memory until the document is saved, and
 * page content is most of it (2.6 KB deflated per page of sales.quire, 50
 * MB at 1M rows). So content streams are appended to an unnamed file
 * instead, and their bytes are copied from it into the output when
 * libharu writes each stream object (pdf_content.c). The file lives in
 * the output's directory, next to the output's own temporary file, so the
 * content lands on the disk that gets the result (a /tmp on tmpfs would
 * only move it to other memory); standard output and devices use $TMPDIR
 * or /tmp. It is created with O_TMPFILE, or unlinked right after mkstemp
 * where the file system lacks that, so nothing is left behind whatever
 * happens: closing it is removing it.
 *
 * Writes go through one buffer. Reading back is mostly sequential but
 * interleaved: a page's streams come one after the other in the file,
 * except its slots' content, which is written later ("Page 1 of N" at the
 * very end), so saving reads from a few places at once. Each of those
 * gets a window of its own (the least recently used is reloaded).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pdf.h"

/* Bytes buffered before a write(2). */
#define WRITE_BUF (64u * 1024u)
/* Bytes of each read window. */
#define WINDOW_BUF (32u * 1024u)

/* The reason for errno `e`, into buf. */
static const char *reason(int e, char *buf, size_t len)
{
    if (strerror_r(e, buf, len) != 0)
        snprintf(buf, len, "error %d", e);
    return buf;
}

/* Keeps the first failure; every later call returns it. */
static int fail(pdf_spool *s, quire_error *err, int code, const char *doing, int e)
{
    char why[128];

    if (!s->failed) {
        s->host->error_set(&s->failure, code, "cannot %s the temporary file in '%s': %s", doing,
                           s->dir, reason(e, why, sizeof(why)));
        s->failed = 1;
    }
    *err = s->failure;
    return QUIRE_ERR;
}

/* The directory part of `path` ("." when it has none), a new string. */
static char *dir_of(const quire_host *host, const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t len = slash == NULL ? 1 : (slash == path ? 1 : (size_t)(slash - path));
    char *dir = host->malloc(len + 1);

    if (dir == NULL)
        return NULL;
    memcpy(dir, slash == NULL ? "." : path, len);
    dir[len] = '\0';
    return dir;
}

/* An unnamed file in s->dir, or -1 with errno set. */
static int create_unnamed(pdf_spool *s)
{
    size_t len = strlen(s->dir);
    char *name;
    int fd;

#ifdef O_TMPFILE
    fd = open(s->dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
        return fd;
#endif
    name = s->host->malloc(len + sizeof("/.quire-pdf-XXXXXX"));
    if (name == NULL) {
        errno = ENOMEM;
        return -1;
    }
    memcpy(name, s->dir, len);
    memcpy(name + len, "/.quire-pdf-XXXXXX", sizeof("/.quire-pdf-XXXXXX"));
    fd = mkstemp(name);
    if (fd >= 0) {
        (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
        unlink(name);
    }
    s->host->free(name);
    return fd;
}

/* A new copy of `dir`. */
static char *copy_of(const quire_host *host, const char *dir)
{
    size_t len = strlen(dir);
    char *copy = host->malloc(len + 1);

    if (copy != NULL)
        memcpy(copy, dir, len + 1);
    return copy;
}

int pdf_spool_open(pdf_spool *s, const quire_host *host, const char *near, quire_error *err)
{
    const char *tmpdir = getenv("TMPDIR");

    memset(s, 0, sizeof(*s));
    s->host = host;
    s->fd = -1;
    if (near != NULL)
        s->dir = dir_of(host, near);
    else
        s->dir = copy_of(host, tmpdir != NULL && tmpdir[0] == '/' ? tmpdir : "/tmp");
    if (s->dir == NULL || (s->wbuf = host->malloc(WRITE_BUF)) == NULL) {
        host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return QUIRE_ERR;
    }
    s->fd = create_unnamed(s);
    if (s->fd < 0)
        return fail(s, err, QUIRE_E_IO, "create", errno);
    return QUIRE_OK;
}

/* ============================== Writing =================================== */

/* Writes the buffer to the file. */
static int flush(pdf_spool *s, quire_error *err)
{
    size_t done = 0;

    while (done < s->wlen) {
        ssize_t n = pwrite(s->fd, s->wbuf + done, s->wlen - done, (off_t)(s->flushed + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return fail(s, err, QUIRE_E_IO, "write", n < 0 ? errno : ENOSPC);
        done += (size_t)n;
    }
    s->flushed += s->wlen;
    s->wlen = 0;
    return QUIRE_OK;
}

int pdf_spool_append(pdf_spool *s, const void *bytes, size_t len, uint64_t *offset,
                     quire_error *err)
{
    const unsigned char *p = bytes;

    if (s->failed) {
        *err = s->failure;
        return QUIRE_ERR;
    }
    *offset = s->flushed + s->wlen;
    while (len > 0) {
        size_t n = WRITE_BUF - s->wlen;
        if (n > len)
            n = len;
        memcpy(s->wbuf + s->wlen, p, n);
        s->wlen += n;
        p += n;
        len -= n;
        if (s->wlen == WRITE_BUF && flush(s, err) != QUIRE_OK)
            return QUIRE_ERR;
    }
    return QUIRE_OK;
}

/* ============================== Reading =================================== */

int pdf_spool_view(pdf_spool *s, uint64_t offset, size_t len, const void **bytes, size_t *got,
                   quire_error *err)
{
    pdf_spool_window *w = NULL;
    size_t want;

    if (s->failed) {
        *err = s->failure;
        return QUIRE_ERR;
    }
    if (s->wlen > 0 && flush(s, err) != QUIRE_OK)
        return QUIRE_ERR;
    s->clock++;
    for (size_t i = 0; i < PDF_SPOOL_WINDOWS; i++) {
        pdf_spool_window *c = &s->windows[i];
        if (c->buf != NULL && offset >= c->offset && offset < c->offset + c->len) {
            w = c;
            goto found;
        }
        if (w == NULL || c->used < w->used)
            w = c; /* least recently used, or never */
    }
    if (w->buf == NULL && (w->buf = s->host->malloc(WINDOW_BUF)) == NULL) {
        s->host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return QUIRE_ERR;
    }
    w->offset = offset;
    w->len = 0;
    want = offset + WINDOW_BUF <= s->flushed ? WINDOW_BUF : (size_t)(s->flushed - offset);
    if (offset >= s->flushed)
        want = 0;
    while (w->len < want) {
        ssize_t n = pread(s->fd, w->buf + w->len, want - w->len, (off_t)(offset + w->len));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            w->len = 0;
            return fail(s, err, QUIRE_E_IO, "read", n < 0 ? errno : EIO);
        }
        w->len += (size_t)n;
    }
    if (w->len == 0) { /* past the end: the caller's bug */
        s->host->error_set(err, QUIRE_E_INTERNAL,
                           "the temporary file in '%s' has no byte %llu (it holds %llu)", s->dir,
                           (unsigned long long)offset, (unsigned long long)s->flushed);
        return QUIRE_ERR;
    }

found:
    w->used = s->clock;
    *bytes = w->buf + (offset - w->offset);
    *got = (size_t)(w->offset + w->len - offset);
    if (*got > len)
        *got = len;
    return QUIRE_OK;
}

void pdf_spool_close(pdf_spool *s)
{
    if (s->host == NULL)
        return;
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    for (size_t i = 0; i < PDF_SPOOL_WINDOWS; i++)
        s->host->free(s->windows[i].buf);
    s->host->free(s->wbuf);
    s->host->free(s->dir);
    memset(s, 0, sizeof(*s));
    s->fd = -1;
}
