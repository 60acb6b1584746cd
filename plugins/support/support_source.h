/*
 * support_source.h - what the source plugins (csv, jsonl, sqlite) do the
 * same way around their source ops (support_source.c): the ABI checks of
 * open()'s args, project() and a batch, the input's path resolved against
 * the definition's directory, a bad row dropped under on_error = skip and
 * the count logged at close, and stats() filled as far as the kernel's
 * struct reaches.
 *
 * `plugin` is the plugin's name, the first word of its messages; `name`
 * names the input ("data.csv"). Nothing here keeps state. Also the growth
 * of the plugins' host-allocated arrays.
 */
#ifndef QUIRE_SUPPORT_SOURCE_H
#define QUIRE_SUPPORT_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include <quire/source.h>

/* ============================== ABI checks ================================ */

/* QUIRE_OK if args is not NULL and args->size >= min_size; else fills *err
 * with "PLUGIN: source args too small (N bytes)" (QUIRE_E_ABI) and returns
 * QUIRE_ERR. */
int support_check_args(const quire_host *host, const char *plugin, const quire_source_args *args,
                       size_t min_size, quire_error *err);

/* args->base_dir when the kernel's args reach it (ABI 1.1), else NULL. */
const char *support_base_dir(const quire_source_args *args);

/* QUIRE_OK if project() got the schema's column count; else fills *err with
 * "PLUGIN: NAME: project() got N columns; the schema has M"
 * (QUIRE_E_INTERNAL) and returns QUIRE_ERR. */
int support_check_project(const quire_host *host, const char *plugin, const char *name,
                          size_t ncolumns, size_t schema_columns, quire_error *err);

/* QUIRE_OK if the kernel's batch has the schema's columns, types and
 * decimal scales and room for a row; else fills *err (QUIRE_E_INTERNAL,
 * "PLUGIN: NAME: batch ...") and returns QUIRE_ERR. */
int support_check_batch(const quire_host *host, const char *plugin, const char *name,
                        const quire_column_info *columns, size_t ncolumns, const quire_batch *batch,
                        quire_error *err);

/* 1 if the batch has source_line (ABI 1.1) and the kernel wants it. */
int support_batch_has_lines(const quire_batch *batch);

/* ============================== Input paths =============================== */

/* `path` resolved against base_dir: path itself when it is absolute or
 * base_dir is NULL or "", else base_dir/path (trailing slashes of base_dir
 * dropped). A host-allocated string the caller frees, or NULL if memory
 * ran out. */
char *support_resolve_path(const quire_host *host, const char *path, const char *base_dir);

/* Fills *err for an input that cannot be opened, errno value `code`:
 * "NAME: cannot open: WHY", or "NAME: cannot open RESOLVED: WHY" when the
 * path resolved to another one than `written` (QUIRE_E_IO). Returns
 * QUIRE_ERR. */
int support_cannot_open(const quire_host *host, const char *name, const char *written,
                        const char *resolved, int code, quire_error *err);

/* ============================== Bad rows and counts ======================= */

/* A bad row (*err says why). Without on_error = skip (`skip` 0) returns
 * QUIRE_ERR, the source's failure. Else drops it: if `counts` (the row is
 * this instance's to count) adds it to *skipped and logs *err at debug
 * level through `self` (if not NULL), then clears *err and returns
 * QUIRE_OK. */
int support_skip_row(const quire_host *host, quire_plugin *self, int skip, int counts,
                     int64_t *skipped, quire_error *err);

/* At close: if rows were skipped, logs "NAME: skipped N bad ROW(s) of
 * TOTAL (on_error = skip)" at info level through `self` (if not NULL).
 * `row` is the word for one row ("row", "line"); TOTAL is skipped +
 * delivered. */
void support_log_skipped(const quire_host *host, quire_plugin *self, const char *name,
                         const char *row, int64_t skipped, int64_t delivered);

/* Fills the members of *out that the kernel's out->size reaches. -1 for
 * bytes means unknown. */
void support_stats_fill(quire_source_stats *out, int64_t rows, int64_t rows_skipped,
                        int64_t bytes_read, int64_t bytes_total);

/* ============================== Arrays ==================================== */

/* Grows the host-allocated array *ptr (capacity *cap elements of `elem`
 * bytes) to hold at least `need` elements, doubling from 16. Returns 0, or
 * -1 on overflow or allocation failure (then *ptr and *cap are unchanged;
 * the caller still owns and frees *ptr). */
int support_grow(const quire_host *host, void **ptr, size_t *cap, size_t need, size_t elem);

#endif /* QUIRE_SUPPORT_SOURCE_H */
