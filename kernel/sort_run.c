/*
 * sort_run.c - the sorter's spill files: anonymous temporary files that
 * hold sorted runs, written through a buffer and read back through bounded
 * buffers (see the "Spill files" section of sort.h). Every write and read is
 * checked, and every message names the temp directory, since a full or
 * missing disk there is what the user has to fix.
 */
#include "sort.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"

/* ============================== Files ===================================== */

int spill_open(spill_file *f, const char *dir, quire_error *err)
{
    static const char name[] = "/quire-sort-XXXXXX";
    size_t dlen = strlen(dir);
    char *path = malloc(dlen + sizeof(name));

    f->fd = -1;
    f->size = 0;
    if (path == NULL) {
        error_setf(err, QUIRE_E_NOMEM, "sort: out of memory");
        return -1;
    }
    memcpy(path, dir, dlen);
    memcpy(path + dlen, name, sizeof(name));
    f->fd = mkstemp(path);
    if (f->fd < 0) {
        error_setf(err, QUIRE_E_IO, "cannot create a sort spill file in '%s': %s", dir,
                   strerror(errno));
        free(path);
        return -1;
    }
    /* Unlinked at once: the open descriptor keeps the data, and nothing is
     * left behind however the process ends. */
    if (unlink(path) != 0) {
        error_setf(err, QUIRE_E_IO, "cannot remove a sort spill file in '%s': %s", dir,
                   strerror(errno));
        close(f->fd);
        f->fd = -1;
        free(path);
        return -1;
    }
    free(path);
    return 0;
}

int spill_truncate(spill_file *f, const char *dir, quire_error *err)
{
    if (ftruncate(f->fd, 0) != 0) {
        error_setf(err, QUIRE_E_IO, "cannot truncate a sort spill file in '%s': %s", dir,
                   strerror(errno));
        return -1;
    }
    f->size = 0;
    return 0;
}

void spill_close(spill_file *f)
{
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
    f->size = 0;
}

/* ============================== Writing =================================== */

int run_writer_flush(run_writer *w, quire_error *err)
{
    size_t done = 0;

    while (done < w->len) {
        ssize_t n = pwrite(w->file->fd, w->buf + done, w->len - done, (off_t)w->file->size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            error_setf(err, QUIRE_E_IO, "cannot write a sort spill file in '%s': %s", w->dir,
                       strerror(errno));
            return -1;
        }
        if (n == 0) {
            /* A short write retried makes the kernel say why (ENOSPC,
             * EFBIG); one that writes nothing at all has no errno to give. */
            error_setf(err, QUIRE_E_IO,
                       "cannot write a sort spill file in '%s': short write (%zu of "
                       "%zu bytes)",
                       w->dir, done, w->len);
            return -1;
        }
        done += (size_t)n;
        w->file->size += (uint64_t)n;
        w->written += (uint64_t)n;
    }
    w->len = 0;
    return 0;
}

int run_writer_put(run_writer *w, const void *data, size_t len, quire_error *err)
{
    const uint8_t *p = data;

    while (len > 0) {
        size_t room = w->cap - w->len;
        size_t take = len < room ? len : room;

        memcpy(w->buf + w->len, p, take);
        w->len += take;
        p += take;
        len -= take;
        if (w->len == w->cap && run_writer_flush(w, err) != 0)
            return -1;
    }
    return 0;
}

/* ============================== Reading =================================== */

int run_reader_open(run_reader *r, const spill_file *file, const sort_run *run, const char *dir,
                    size_t cap, quire_error *err)
{
    memset(r, 0, sizeof(*r));
    r->file = file;
    r->dir = dir;
    r->pos = run->offset;
    r->end = run->offset + run->bytes;
    r->buf = malloc(cap);
    if (r->buf == NULL) {
        error_setf(err, QUIRE_E_NOMEM, "sort: out of memory");
        return -1;
    }
    r->cap = cap;
    return 0;
}

/* Makes at least `want` unconsumed bytes available (fewer only at the end
 * of the run), moving what is left to the front and growing the buffer if
 * `want` exceeds it. Returns the bytes available, or -1 (err set). */
static ssize_t reader_ensure(run_reader *r, size_t want, quire_error *err)
{
    size_t have = r->fill - r->start;

    if (have >= want)
        return (ssize_t)have;
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, have);
        r->start = 0;
        r->fill = have;
    }
    if (want > r->cap) {
        uint8_t *grown = realloc(r->buf, want);
        if (grown == NULL) {
            error_setf(err, QUIRE_E_NOMEM, "sort: out of memory");
            return -1;
        }
        r->buf = grown;
        r->cap = want;
    }
    while (r->fill < want && r->pos < r->end) {
        uint64_t left = r->end - r->pos;
        size_t room = r->cap - r->fill;
        size_t ask = left < room ? (size_t)left : room;
        ssize_t n = pread(r->file->fd, r->buf + r->fill, ask, (off_t)r->pos);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            error_setf(err, QUIRE_E_IO, "cannot read a sort spill file in '%s': %s", r->dir,
                       strerror(errno));
            return -1;
        }
        if (n == 0) {
            error_setf(err, QUIRE_E_IO,
                       "cannot read a sort spill file in '%s': unexpected end of file", r->dir);
            return -1;
        }
        r->fill += (size_t)n;
        r->pos += (uint64_t)n;
    }
    return (ssize_t)(r->fill - r->start);
}

int run_reader_next(run_reader *r, const uint8_t **rec, size_t *len, quire_error *err)
{
    ssize_t have = reader_ensure(r, 10, err);
    uint64_t body;
    size_t head;

    if (have < 0)
        return -1;
    if (have == 0)
        return 0;
    head = sort_varint_get(r->buf + r->start, (size_t)have, &body);
    if (head == 0 || body > r->end - r->pos + (uint64_t)have - head) {
        error_setf(err, QUIRE_E_INTERNAL, "sort spill file in '%s' is corrupt (bad record length)",
                   r->dir);
        return -1;
    }
    have = reader_ensure(r, head + (size_t)body, err);
    if (have < 0)
        return -1;
    *rec = r->buf + r->start;
    *len = head + (size_t)body;
    r->start += *len;
    return 1;
}

void run_reader_close(run_reader *r)
{
    free(r->buf);
    r->buf = NULL;
    r->cap = 0;
}

/* ============================== Varints =================================== */

size_t sort_varint_put(uint8_t *p, uint64_t v)
{
    size_t n = 0;

    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

size_t sort_varint_get(const uint8_t *p, size_t avail, uint64_t *v)
{
    uint64_t out = 0;

    for (size_t i = 0; i < avail && i < 10; i++) {
        out |= (uint64_t)(p[i] & 0x7f) << (7 * i);
        if ((p[i] & 0x80) == 0) {
            *v = out;
            return i + 1;
        }
    }
    return 0;
}
