/*
 * csv_input.c - opening the csv plugin's input file (see csv.h).
 *
 * A relative `path` resolves against the definition's directory
 * (args->base_dir) when the kernel gives one, else the working directory
 * (support_resolve_path, in csv.c's open_path).
 *
 * A regular file is mapped read-only (unless the admin sets mmap = no), so
 * the lexer works on it in place and string values are slices of the
 * mapping, valid until the source closes. Resident memory stays bounded:
 * the pages behind the reader are given back (MADV_DONTNEED) every
 * read_buffer bytes; reading them again would only fault them back in from
 * the page cache. Anything else (a pipe, a device), or a file that cannot
 * be mapped, is read with read() in read_buffer chunks.
 *
 * A mapped file that another process truncates while it is read raises
 * SIGBUS: files being rewritten in place should be read with mmap = no.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csv.h"

/* Fills *err with "NAME: WHAT: strerror" for errno value `code`. */
static int fail_errno(const quire_host *host, const char *name, const char *what, int code,
                      quire_error *err)
{
    char why[128] = "unknown error";

    strerror_r(code, why, sizeof(why));
    host->error_set(err, QUIRE_E_IO, "%s: %s: %s", name, what, why);
    return QUIRE_ERR;
}

int csv_input_open(const quire_host *host, const char *resolved, const char *name, int use_mmap,
                   csv_input *in, quire_error *err)
{
    struct stat st;
    int code = 0;

    memset(in, 0, sizeof(*in));
    in->host = host;
    in->name = name;
    in->size = -1;
    in->fd = open(resolved, O_RDONLY | O_CLOEXEC);
    if (in->fd < 0)
        return fail_errno(host, name, "cannot open", errno, err);
    if (fstat(in->fd, &st) != 0)
        code = errno;
    else if (S_ISDIR(st.st_mode))
        code = EISDIR;
    if (code != 0) {
        close(in->fd);
        in->fd = -1;
        return fail_errno(host, name, "cannot open", code, err);
    }
    if (!S_ISREG(st.st_mode))
        return QUIRE_OK;
    in->size = (int64_t)st.st_size;
    if (!use_mmap || (uint64_t)st.st_size > SIZE_MAX)
        return QUIRE_OK;
    if (st.st_size == 0) {
        in->mapped = 1; /* nothing to map: an empty memory input */
        in->map = "";
        return QUIRE_OK;
    }
    {
        void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, in->fd, 0);
        if (map == MAP_FAILED)
            return QUIRE_OK; /* some file systems cannot: read() instead */
        in->map = map;
        in->map_size = (size_t)st.st_size;
        in->mapped = 1;
        /* Read ahead generously: the file is read front to back. */
        madvise(map, in->map_size, MADV_SEQUENTIAL);
    }
    return QUIRE_OK;
}

ptrdiff_t csv_input_read(void *ctx, char *buf, size_t cap, quire_error *err)
{
    csv_input *in = ctx;

    for (;;) {
        ssize_t n = read(in->fd, buf, cap);
        if (n >= 0)
            return n;
        if (errno != EINTR) {
            fail_errno(in->host, in->name, "cannot read", errno, err);
            return -1;
        }
    }
}

void csv_input_release(csv_input *in, int64_t offset, size_t step)
{
    long page = sysconf(_SC_PAGESIZE);
    size_t upto;

    if (in->map_size == 0 || offset <= 0 || page <= 0)
        return;
    upto = (size_t)offset < in->map_size ? (size_t)offset : in->map_size;
    upto -= upto % (size_t)page;
    if (upto <= in->released || upto - in->released < step)
        return;
    /* Clean pages of a private read-only mapping: dropping them loses
     * nothing, a later access reads them back from the page cache. */
    madvise((char *)(uintptr_t)in->map + in->released, upto - in->released, MADV_DONTNEED);
    in->released = upto;
}

void csv_input_drop(csv_input *in, size_t from, size_t to)
{
    long page = sysconf(_SC_PAGESIZE);

    if (in->map_size == 0 || page <= 0)
        return;
    if (to > in->map_size)
        to = in->map_size;
    from += (size_t)page - 1;
    from -= from % (size_t)page;
    to -= to % (size_t)page;
    if (to > from)
        madvise((char *)(uintptr_t)in->map + from, to - from, MADV_DONTNEED);
}

void csv_input_close(csv_input *in)
{
    if (in->map_size > 0)
        munmap((void *)(uintptr_t)in->map, in->map_size);
    if (in->fd >= 0)
        close(in->fd);
    memset(in, 0, sizeof(*in));
    in->fd = -1;
}
