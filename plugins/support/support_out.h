/*
 * support_out.h - where a renderer's document goes (shared by the data,
 * pdf and html renderers; cairo's per-page files have their own).
 *
 * "-" is standard output; an existing path that is not a regular file (a
 * device, a FIFO) is written in place; any other path gets a temporary file
 * "PATH.tmp-XXXXXX" in the same directory, renamed over the destination
 * (a symlink's target, so the link stays) only once everything was written.
 * A failed or cancelled render never leaves a partial file, and a reader of
 * PATH sees the old file or the complete new one.
 *
 * Bytes go through one buffer; every flush checks write(2). The first
 * failure is kept: every later call fails the same way, so a caller may
 * check only where convenient ("cannot write 'out/x.csv': No space left
 * on device").
 */
#ifndef QUIRE_SUPPORT_OUT_H
#define QUIRE_SUPPORT_OUT_H

#include <stddef.h>
#include <sys/types.h>

#include <quire/plugin.h>

typedef struct support_out {
    const quire_host *host;
    char *path;     /* the destination as given (for messages) */
    char *target;   /* where the result goes (symlinks resolved) */
    char *tmp_path; /* the temporary file, or NULL when writing in place */
    int fd;         /* -1 once closed */
    int owns_fd;    /* 0 for standard output */
    int failed;
    quire_error failure;
    size_t used;
    uint64_t written; /* bytes written to fd so far */
    uint64_t synced;  /* of those, the ones whose writeback was started */
    char buf[65536];
} support_out;

/* Starts the writeback of `len` bytes of file `fd` from `offset` to the
 * disk and returns at once (Linux: sync_file_range with
 * SYNC_FILE_RANGE_WRITE; elsewhere nothing). Only a hint, so a later fsync
 * has less to wait for; an error is left for that fsync to report.
 * (support_writeback.c) */
void support_writeback(int fd, uint64_t offset, uint64_t len);

/* Opens the output for `path` (see above), a temporary file being created
 * with `mode`. Returns a new output (the caller owns it: support_out_commit()
 * or support_out_discard()) or NULL with *err set ("cannot create 'PATH':
 * REASON"; a directory fails here, before anything is rendered). */
support_out *support_out_open(const quire_host *host, const char *path, mode_t mode,
                              quire_error *err);

/* Appends len bytes. Returns QUIRE_OK, or QUIRE_ERR with *err set
 * ("cannot write 'PATH': REASON") when a flush failed, now or before. */
int support_out_write(support_out *out, const void *bytes, size_t len, quire_error *err);

/* Appends a NUL-terminated string; as support_out_write(). */
int support_out_puts(support_out *out, const char *s, quire_error *err);

/* Appends one byte; as support_out_write(). */
int support_out_putc(support_out *out, char c, quire_error *err);

/* QUIRE_OK, or QUIRE_ERR with *err set to the first failure. */
int support_out_error(const support_out *out, quire_error *err);

/* Flushes, closes and renames the temporary file over the destination.
 * Frees `out` in every case. On failure removes the temporary file and
 * returns QUIRE_ERR with *err set. */
int support_out_commit(support_out *out, quire_error *err);

/* Closes and frees `out`, removing the temporary file. NULL is a no-op. */
void support_out_discard(support_out *out);

#endif /* QUIRE_SUPPORT_OUT_H */
