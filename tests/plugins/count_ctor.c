/*
 * count_ctor.c - a valid chart plugin named "count" whose constructor
 * appends one line, its process id, to the file named by the environment
 * variable COUNT_CTOR_FILE (nothing when unset). The probe cache tests
 * (tests/integration/probe_cache.sh) count the lines: a probed plugin is
 * loaded twice (the probe child, then quire), a cached one once.
 * With COUNT_CTOR_CRASH set it then raises SIGSEGV, as a plugin would whose
 * library changed under an unchanged plugin file (which the cache cannot
 * see).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <quire/quire.h>

#include "stubs.h"

__attribute__((constructor)) static void count_load(void)
{
    const char *file = getenv("COUNT_CTOR_FILE");
    char line[32];
    int fd, n;

    if (file != NULL && file[0] != '\0') {
        fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd >= 0) {
            /* One write of a whole line: O_APPEND keeps two processes' apart. */
            n = snprintf(line, sizeof(line), "%ld\n", (long)getpid());
            if (write(fd, line, (size_t)n) != n)
                (void)0;
            close(fd);
        }
    }
    if (getenv("COUNT_CTOR_CRASH") != NULL)
        raise(SIGSEGV);
}

static const quire_plugin_desc desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_CHART),
    .name = "count",
    .version = "1.0.0",
    .license = "MIT",
    .description = "Counts its loads in COUNT_CTOR_FILE",
    .ops = &stub_chart_ops,
    .ops_size = sizeof(stub_chart_ops),
};

QUIRE_PLUGIN_DEFINE(desc)
