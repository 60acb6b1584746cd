/*
 * cairo_out.c - where the pages of an svg or png document go.
 *
 * Both formats write one file per page. Each page is written to a
 * temporary file "PATH.tmp-XXXXXX" next to the output path; end() renames
 * them all at once, so a failed or cancelled render leaves nothing behind
 * and an earlier render's files stay as they were until the new set is
 * complete. Only at end() is it known whether the document had one page
 * (the file is then the output path itself) or several
 * (NAME-page-N.EXT each).
 *
 * Standard output ("-") and devices take one page: it is kept in memory
 * and written by end(), so a document that turns out to have a second
 * page writes nothing at all instead of half an answer.
 *
 * Bytes go through one buffer; every write(2) is checked and the first
 * failure is reported by the call that ends the page.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cairo_plugin.h"

static const char tmp_suffix[] = ".tmp-XXXXXX";

/* One written page: its temporary file until commit renames it. */
typedef struct page_file {
    uint32_t number;
    char *tmp_path;
} page_file;

struct qcairo_out {
    const quire_host *host;
    char *path;            /* as given: messages, derived page names */
    const char *format;    /* "svg" or "png" (static) */
    const char *extension; /* "svg" or "png" (static) */
    mode_t mode;

    /* Standard output or a device: one page, kept in `mem`. */
    int stream;
    int stream_fd; /* 1, or the device (owned) */
    unsigned char *mem;
    size_t mem_len, mem_cap;

    /* Files: one temporary file per page, in page order. */
    page_file *pages;
    size_t npages, cap;
    char *spare_tmp; /* created ahead by open, used by the first page */
    int spare_fd;

    /* The page being written. */
    int in_page;
    uint32_t number; /* of the current (or last) page; 0 before the first */
    int fd;          /* its file, -1 in memory */
    int write_errno; /* first failure of its writes, 0 if none */
    size_t used;
    unsigned char buf[65536];
};

/* ============================== Errors ==================================== */

/* "'PATH'", or "standard output" for "-". */
static void out_name(const char *path, char *buf, size_t len)
{
    if (strcmp(path, "-") == 0)
        snprintf(buf, len, "standard output");
    else
        snprintf(buf, len, "'%s'", path);
}

static void reason(int errnum, char *why, size_t len)
{
    if (strerror_r(errnum, why, len) != 0)
        snprintf(why, len, "error %d", errnum);
}

/* Sets "VERB NAME: REASON". */
static void io_error(const quire_host *host, quire_error *err, const char *verb, const char *path,
                     int errnum)
{
    char why[128], name[QUIRE_ERROR_MSG_MAX];

    reason(errnum, why, sizeof(why));
    out_name(path, name, sizeof(name));
    host->error_set(err, QUIRE_E_IO, "%s %s: %s", verb, name, why);
}

/* The refusal of a second page where only one fits. */
static void one_page_error(const qcairo_out *out, quire_error *err)
{
    if (strcmp(out->path, "-") == 0)
        out->host->error_set(err, QUIRE_E_INVALID,
                             "format %s writes one file per page; '-o -' takes a one-page "
                             "document (use --pages N)",
                             out->format);
    else
        out->host->error_set(err, QUIRE_E_INVALID,
                             "format %s writes one file per page; '%s' is not a regular file "
                             "and takes a one-page document (use --pages N)",
                             out->format, out->path);
}

/* ============================== Opening =================================== */

/* Creates a temporary file next to out->path, with the output mode and
 * close-on-exec. Returns its descriptor and *tmp (caller frees), or -1
 * with *err set. */
static int create_temporary(qcairo_out *out, char **tmp, quire_error *err)
{
    const quire_host *host = out->host;
    size_t len = strlen(out->path);
    int fd, errnum;

    *tmp = host->malloc(len + sizeof(tmp_suffix));
    if (*tmp == NULL) {
        host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return -1;
    }
    memcpy(*tmp, out->path, len);
    memcpy(*tmp + len, tmp_suffix, sizeof(tmp_suffix));
    fd = mkstemp(*tmp);
    if (fd < 0) {
        errnum = errno;
        goto fail_free_tmp;
    }
    /* mkstemp makes the file 0600; the result should look like any file
     * the user creates. A child the kernel starts must not inherit it. */
    if (fchmod(fd, out->mode) != 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
        errnum = errno;
        close(fd);
        unlink(*tmp);
        goto fail_free_tmp;
    }
    return fd;

fail_free_tmp:
    host->free(*tmp);
    *tmp = NULL;
    io_error(host, err, "cannot create", out->path, errnum);
    return -1;
}

qcairo_out *qcairo_out_open(const quire_host *host, const char *path, const char *format,
                            const char *extension, mode_t mode, uint32_t pages_expected,
                            quire_error *err)
{
    qcairo_out *out = host->calloc(1, sizeof(*out));
    struct stat st;

    if (out == NULL) {
        host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return NULL;
    }
    out->host = host;
    out->format = format;
    out->extension = extension;
    out->mode = mode;
    out->fd = -1;
    out->spare_fd = -1;
    out->stream_fd = -1;
    out->path = host->strdup(path);
    if (out->path == NULL) {
        host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        goto fail_free_out;
    }
    if (strcmp(path, "-") == 0) {
        out->stream = 1;
        out->stream_fd = STDOUT_FILENO;
    } else if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        io_error(host, err, "cannot create", path, EISDIR);
        goto fail_free_out;
    } else if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        /* Renaming a file over /dev/null would replace the device. */
        out->stream = 1;
        out->stream_fd = open(path, O_WRONLY | O_CLOEXEC);
        if (out->stream_fd < 0) {
            io_error(host, err, "cannot create", path, errno);
            goto fail_free_out;
        }
    }
    if (out->stream && pages_expected > 1) {
        one_page_error(out, err);
        goto fail_discard;
    }
    if (!out->stream) {
        out->spare_fd = create_temporary(out, &out->spare_tmp, err);
        if (out->spare_fd < 0)
            goto fail_discard;
    }
    return out;

fail_free_out:
    host->free(out->path);
    host->free(out);
    return NULL;
fail_discard:
    qcairo_out_discard(out);
    return NULL;
}

/* ============================== Writing =================================== */

/* Writes the buffer to the page's file, retrying short writes and EINTR;
 * a failure is kept in write_errno. */
static void flush_buffer(qcairo_out *out)
{
    size_t done = 0;

    while (done < out->used && out->write_errno == 0) {
        ssize_t n = write(out->fd, out->buf + done, out->used - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            out->write_errno = n < 0 ? errno : EIO;
        else
            done += (size_t)n;
    }
    out->used = 0;
}

/* Appends to the in-memory page; ENOMEM is kept like a write error. */
static void append_memory(qcairo_out *out, const unsigned char *data, size_t len)
{
    if (out->mem_cap - out->mem_len < len) {
        size_t cap = out->mem_cap ? out->mem_cap : 65536;
        unsigned char *grown;
        while (cap - out->mem_len < len) {
            if (cap > SIZE_MAX / 2) {
                out->write_errno = ENOMEM;
                return;
            }
            cap *= 2;
        }
        grown = out->host->realloc(out->mem, cap);
        if (grown == NULL) {
            out->write_errno = ENOMEM;
            return;
        }
        out->mem = grown;
        out->mem_cap = cap;
    }
    memcpy(out->mem + out->mem_len, data, len);
    out->mem_len += len;
}

cairo_status_t qcairo_out_write(void *closure, const unsigned char *data, unsigned int length)
{
    qcairo_out *out = closure;

    if (!out->in_page && out->write_errno == 0)
        out->write_errno = EBADF; /* cairo wrote outside a page: a bug here */
    if (out->write_errno != 0)
        return CAIRO_STATUS_WRITE_ERROR;
    if (out->stream) {
        append_memory(out, data, length);
    } else {
        while (length > 0 && out->write_errno == 0) {
            size_t room = sizeof(out->buf) - out->used;
            size_t n = length < room ? length : room;
            memcpy(out->buf + out->used, data, n);
            out->used += n;
            data += n;
            length -= (unsigned int)n;
            if (out->used == sizeof(out->buf))
                flush_buffer(out);
        }
    }
    return out->write_errno == 0 ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

int qcairo_out_begin_page(qcairo_out *out, uint32_t number, quire_error *err)
{
    const quire_host *host = out->host;
    page_file *file;

    if (out->in_page || (out->npages > 0 && number <= out->number)) {
        host->error_set(err, QUIRE_E_INTERNAL, "page %u arrived after page %u", (unsigned)number,
                        (unsigned)out->number);
        return QUIRE_ERR;
    }
    if (out->stream) {
        if (out->npages > 0) {
            one_page_error(out, err);
            return QUIRE_ERR;
        }
        out->npages = 1;
    } else {
        if (out->npages == out->cap) {
            size_t cap = out->cap ? out->cap * 2 : 8;
            page_file *grown = host->realloc(out->pages, cap * sizeof(*grown));
            if (grown == NULL) {
                host->error_set(err, QUIRE_E_NOMEM, "out of memory");
                return QUIRE_ERR;
            }
            out->pages = grown;
            out->cap = cap;
        }
        file = &out->pages[out->npages];
        if (out->spare_fd >= 0) {
            out->fd = out->spare_fd;
            file->tmp_path = out->spare_tmp;
            out->spare_fd = -1;
            out->spare_tmp = NULL;
        } else {
            out->fd = create_temporary(out, &file->tmp_path, err);
            if (out->fd < 0)
                return QUIRE_ERR;
        }
        file->number = number;
        out->npages++;
    }
    out->number = number;
    out->in_page = 1;
    out->write_errno = 0;
    out->used = 0;
    return QUIRE_OK;
}

int qcairo_out_failure(const qcairo_out *out, quire_error *err)
{
    char why[128], name[QUIRE_ERROR_MSG_MAX];

    if (out->write_errno == 0)
        return QUIRE_OK;
    reason(out->write_errno, why, sizeof(why));
    out_name(out->path, name, sizeof(name));
    out->host->error_set(err, QUIRE_E_IO, "cannot write page %u of %s: %s", (unsigned)out->number,
                         name, why);
    return QUIRE_ERR;
}

int qcairo_out_end_page(qcairo_out *out, quire_error *err)
{
    if (!out->in_page) {
        out->host->error_set(err, QUIRE_E_INTERNAL, "no page is being written");
        return QUIRE_ERR;
    }
    out->in_page = 0;
    if (!out->stream) {
        flush_buffer(out);
        /* Without fsync a crash soon after the rename can leave an empty
         * file under the final name on some file systems. */
        if (out->write_errno == 0 && fsync(out->fd) != 0)
            out->write_errno = errno;
        if (close(out->fd) != 0 && out->write_errno == 0)
            out->write_errno = errno;
        out->fd = -1;
    }
    return qcairo_out_failure(out, err);
}

/* ============================== Finishing ================================= */

/* "out/r.svg" page 3: "out/r-page-3.svg"; without an extension in the
 * file name, the format's is added: "out/r" gives "out/r-page-3.svg".
 * Caller frees; NULL on memory failure. */
static char *page_path(const qcairo_out *out, uint32_t number)
{
    const char *base = strrchr(out->path, '/');
    const char *dot;
    size_t stem, len;
    char *name;

    base = base ? base + 1 : out->path;
    dot = strrchr(base, '.');
    if (dot == NULL || dot == base) /* ".hidden" has no extension */
        dot = NULL;
    stem = dot ? (size_t)(dot - out->path) : strlen(out->path);
    len = stem + 32 + strlen(dot ? dot : out->extension);
    name = out->host->malloc(len);
    if (name == NULL)
        return NULL;
    if (dot)
        snprintf(name, len, "%.*s-page-%u%s", (int)stem, out->path, (unsigned)number, dot);
    else
        snprintf(name, len, "%s-page-%u.%s", out->path, (unsigned)number, out->extension);
    return name;
}

/* Writes the in-memory page to the stream. */
static int write_stream(qcairo_out *out, quire_error *err)
{
    size_t done = 0;

    while (done < out->mem_len) {
        ssize_t n = write(out->stream_fd, out->mem + done, out->mem_len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            io_error(out->host, err, "cannot write", out->path, n < 0 ? errno : EIO);
            return QUIRE_ERR;
        }
        done += (size_t)n;
    }
    if (out->stream_fd != STDOUT_FILENO) {
        int fd = out->stream_fd;
        out->stream_fd = -1;
        if (close(fd) != 0) {
            io_error(out->host, err, "cannot write", out->path, errno);
            return QUIRE_ERR;
        }
    }
    return QUIRE_OK;
}

/* Renames page i's temporary file to `name`; on failure sets *err. */
static int rename_page(qcairo_out *out, size_t i, const char *name, quire_error *err)
{
    char why[128];

    if (rename(out->pages[i].tmp_path, name) == 0) {
        out->host->free(out->pages[i].tmp_path);
        out->pages[i].tmp_path = NULL;
        return QUIRE_OK;
    }
    reason(errno, why, sizeof(why));
    out->host->error_set(err, QUIRE_E_IO, "cannot rename '%s' to '%s': %s", out->pages[i].tmp_path,
                         name, why);
    return QUIRE_ERR;
}

/* Renames every page to NAME-page-N.EXT; on failure removes the ones
 * already renamed (the temporary ones are left to the caller). */
static int rename_pages(qcairo_out *out, quire_error *err)
{
    size_t done;

    for (done = 0; done < out->npages; done++) {
        char *name = page_path(out, out->pages[done].number);
        int rc;
        if (name == NULL) {
            out->host->error_set(err, QUIRE_E_NOMEM, "out of memory");
            goto fail_unlink_renamed;
        }
        rc = rename_page(out, done, name, err);
        out->host->free(name);
        if (rc != QUIRE_OK)
            goto fail_unlink_renamed;
    }
    return QUIRE_OK;

fail_unlink_renamed:
    for (size_t i = 0; i < done; i++) {
        char *name = page_path(out, out->pages[i].number);
        if (name != NULL)
            unlink(name);
        out->host->free(name);
    }
    return QUIRE_ERR;
}

int qcairo_out_commit(qcairo_out *out, quire_error *err)
{
    int rc;

    if (out->in_page) {
        out->host->error_set(err, QUIRE_E_INTERNAL, "page %u was not finished",
                             (unsigned)out->number);
        rc = QUIRE_ERR;
    } else if (out->stream) {
        rc = write_stream(out, err);
    } else if (out->npages == 1) {
        rc = rename_page(out, 0, out->path, err);
    } else {
        rc = rename_pages(out, err);
    }
    qcairo_out_discard(out); /* removes what was not renamed, frees */
    return rc;
}

void qcairo_out_discard(qcairo_out *out)
{
    const quire_host *host;

    if (out == NULL)
        return;
    host = out->host;
    if (out->fd >= 0)
        close(out->fd);
    if (out->spare_fd >= 0)
        close(out->spare_fd);
    if (out->spare_tmp != NULL)
        unlink(out->spare_tmp);
    host->free(out->spare_tmp);
    for (size_t i = 0; i < out->npages && !out->stream; i++) {
        if (out->pages[i].tmp_path != NULL)
            unlink(out->pages[i].tmp_path);
        host->free(out->pages[i].tmp_path);
    }
    if (out->stream_fd >= 0 && out->stream_fd != STDOUT_FILENO)
        close(out->stream_fd);
    host->free(out->pages);
    host->free(out->mem);
    host->free(out->path);
    host->free(out);
}
