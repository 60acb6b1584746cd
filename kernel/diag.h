/*
 * diag.h - a list of diagnostics (error and warning lines).
 *
 * Validation in quire reports every problem, not just the first: parsers and
 * checkers append one line per problem here, and the caller prints them all.
 */
#ifndef QUIRE_DIAG_H
#define QUIRE_DIAG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <quire/common.h>

#define DIAG_ERROR   0
#define DIAG_WARNING 1

typedef struct diag_item {
    int severity; /* DIAG_ERROR or DIAG_WARNING */
    char *text;   /* one line, no trailing newline */
    char *where;  /* "PATH:LINE:COL" for located items, else NULL */
    char *detail; /* the offending source line and a caret line, or NULL */
} diag_item;

typedef struct diag {
    diag_item *items;
    size_t count;
    size_t cap;
    size_t errors; /* items with DIAG_ERROR */
    int oom;       /* an append failed: at least one line was lost */
} diag;

/* Zero-initialise `d` (or write `diag d = {0};`). */
void diag_init(diag *d);

/* Appends a formatted error line. Never fails visibly: on allocation
 * failure it counts the error and sets d->oom so the caller still fails. */
void diag_error(diag *d, const char *fmt, ...) QUIRE_PRINTF(2, 3);
void diag_warning(diag *d, const char *fmt, ...) QUIRE_PRINTF(2, 3);

/*
 * Appends an error (or warning) located in a text file, printed the way
 * compilers do:
 *
 *   PATH:LINE:COL: error: MESSAGE
 *       the offending line
 *             ^
 *
 * `text`/`len` is the whole file (may be NULL: no source line is shown);
 * line and column are 1-based, column counts bytes. Tabs in the shown line
 * are kept so the caret lines up under them.
 */
void diag_error_at(diag *d, const char *path, const char *text, size_t len, uint32_t line,
                   uint32_t column, const char *fmt, ...) QUIRE_PRINTF(7, 8);
void diag_warning_at(diag *d, const char *path, const char *text, size_t len, uint32_t line,
                     uint32_t column, const char *fmt, ...) QUIRE_PRINTF(7, 8);

/* Writes every item to `out`: unlocated ones as "error: TEXT" or
 * "warning: TEXT", located ones as shown for diag_error_at(). */
void diag_print(const diag *d, FILE *out);

/* What diag_print() writes, as one malloc'd string the caller frees ("" for
 * an empty list). NULL when out of memory. */
char *diag_to_string(const diag *d);

/* Fills a quire_error (the per-call error of the plugin ABI and of the
 * kernel's hot paths): code QUIRE_E_* and a formatted one-line message,
 * truncated safely to QUIRE_ERROR_MSG_MAX. */
void error_setf(quire_error *err, int code, const char *fmt, ...) QUIRE_PRINTF(3, 4);

/* Frees the lines; `d` is empty and reusable afterwards. */
void diag_clear(diag *d);

#endif /* QUIRE_DIAG_H */
