/*
 * support_writeback.c - support_writeback() (support_out.h): a hint that
 * written bytes may go to the disk now. Alone in its file because
 * sync_file_range needs _GNU_SOURCE, which would also turn strerror_r into
 * the GNU variant for the files that format errors.
 */
#ifdef __linux__
#define _GNU_SOURCE
#include <fcntl.h>
#endif

#include "support_out.h"

void support_writeback(int fd, uint64_t offset, uint64_t len)
{
#ifdef __linux__
    if (offset <= INT64_MAX && len <= INT64_MAX)
        (void)sync_file_range(fd, (off_t)offset, (off_t)len, SYNC_FILE_RANGE_WRITE);
#else
    (void)fd;
    (void)offset;
    (void)len;
#endif
}
