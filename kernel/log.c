/*
 * log.c - the kernel's log line writer (see log.h).
 */
#include "log.h"

#include <stdio.h>
#include <string.h>

#include <quire/plugin.h>

static const char *const level_names[] = {"error", "warn", "info", "debug"};

const char *log_level_name(int level)
{
    if (level < QUIRE_LOG_ERROR || level > QUIRE_LOG_DEBUG)
        return "?";
    return level_names[level];
}

int log_level_parse(const char *name)
{
    for (int i = 0; i <= QUIRE_LOG_DEBUG; i++)
        if (strcmp(name, level_names[i]) == 0)
            return i;
    return -1;
}

void log_vwrite(int threshold, int level, const char *who, const char *fmt, va_list ap)
{
    char line[2048];
    int n;

    if (level > threshold)
        return;
    /* Build the whole line first so concurrent writers never interleave. */
    n = snprintf(line, sizeof(line), "%s: %s%s", log_level_name(level), who ? who : "",
                 who ? ": " : "");
    if (n < 0 || (size_t)n >= sizeof(line))
        n = 0;
    vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    n = (int)strlen(line);
    line[n] = '\n';
    line[n + 1] = '\0';
    fputs(line, stderr);
}

void log_write(int threshold, int level, const char *who, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vwrite(threshold, level, who, fmt, ap);
    va_end(ap);
}
