/*
 * log.h - the kernel's log line writer.
 *
 * One line per message on stderr: "LEVEL: WHO: message". The level filter
 * lives in the kernel registry (no global state here); callers pass it in.
 */
#ifndef QUIRE_LOG_H
#define QUIRE_LOG_H

#include <stdarg.h>

#include <quire/common.h>

/* Name of a QUIRE_LOG_* level: "error", "warn", "info", "debug". */
const char *log_level_name(int level);

/* Parses a level name; returns the QUIRE_LOG_* value or -1. */
int log_level_parse(const char *name);

/* Writes one line if `level` <= `threshold`. `who` may be NULL (the kernel
 * itself). Thread-safe: the line is written with a single fputs. */
void log_vwrite(int threshold, int level, const char *who, const char *fmt, va_list ap);
void log_write(int threshold, int level, const char *who, const char *fmt, ...)
    QUIRE_PRINTF(4, 5);

#endif /* QUIRE_LOG_H */
