/*
 * support_source.c - the source-op helpers the csv, jsonl and sqlite
 * plugins share (see support_source.h): ABI checks, input paths, bad rows
 * under on_error = skip, stats(), and growing arrays.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "support_source.h"

/* ============================== ABI checks ================================ */

int support_check_args(const quire_host *host, const char *plugin, const quire_source_args *args,
                       size_t min_size, quire_error *err)
{
    if (args == NULL || args->size < min_size) {
        host->error_set(err, QUIRE_E_ABI, "%s: source args too small (%u bytes)", plugin,
                        args ? (unsigned)args->size : 0u);
        return QUIRE_ERR;
    }
    return QUIRE_OK;
}

const char *support_base_dir(const quire_source_args *args)
{
    if (args->size >= offsetof(quire_source_args, base_dir) + sizeof(args->base_dir))
        return args->base_dir;
    return NULL;
}

int support_check_project(const quire_host *host, const char *plugin, const char *name,
                          size_t ncolumns, size_t schema_columns, quire_error *err)
{
    if (ncolumns != schema_columns) {
        host->error_set(err, QUIRE_E_INTERNAL,
                        "%s: %s: project() got %zu columns; the schema has %zu", plugin, name,
                        ncolumns, schema_columns);
        return QUIRE_ERR;
    }
    return QUIRE_OK;
}

int support_check_batch(const quire_host *host, const char *plugin, const char *name,
                        const quire_column_info *columns, size_t ncolumns, const quire_batch *batch,
                        quire_error *err)
{
    if (batch->ncolumns != ncolumns || batch->capacity == 0) {
        host->error_set(err, QUIRE_E_INTERNAL,
                        "%s: %s: batch has %u columns and room for %u rows; the schema has %zu "
                        "columns",
                        plugin, name, (unsigned)batch->ncolumns, (unsigned)batch->capacity,
                        ncolumns);
        return QUIRE_ERR;
    }
    for (size_t c = 0; c < ncolumns; c++) {
        const quire_column *col = &batch->columns[c];
        if (col->type != columns[c].type ||
            (col->type == QUIRE_TYPE_DECIMAL && col->scale != columns[c].scale)) {
            host->error_set(err, QUIRE_E_INTERNAL,
                            "%s: %s: batch column %zu has type %u, the schema says %u", plugin,
                            name, c + 1, (unsigned)col->type, (unsigned)columns[c].type);
            return QUIRE_ERR;
        }
    }
    return QUIRE_OK;
}

int support_batch_has_lines(const quire_batch *batch)
{
    return batch->size >= offsetof(quire_batch, source_line) + sizeof(int64_t *) &&
           batch->source_line != NULL;
}

/* ============================== Input paths =============================== */

char *support_resolve_path(const quire_host *host, const char *path, const char *base_dir)
{
    size_t blen, plen;
    char *joined;

    if (path[0] == '/' || base_dir == NULL || base_dir[0] == '\0')
        return host->strdup(path);
    blen = strlen(base_dir);
    plen = strlen(path);
    while (blen > 1 && base_dir[blen - 1] == '/')
        blen--;
    joined = host->malloc(blen + 1 + plen + 1);
    if (joined == NULL)
        return NULL;
    memcpy(joined, base_dir, blen);
    joined[blen] = '/';
    memcpy(joined + blen + 1, path, plen + 1);
    return joined;
}

int support_cannot_open(const quire_host *host, const char *name, const char *written,
                        const char *resolved, int code, quire_error *err)
{
    char why[128] = "unknown error";

    strerror_r(code, why, sizeof(why));
    if (strcmp(resolved, written) != 0)
        host->error_set(err, QUIRE_E_IO, "%s: cannot open %s: %s", name, resolved, why);
    else
        host->error_set(err, QUIRE_E_IO, "%s: cannot open: %s", name, why);
    return QUIRE_ERR;
}

/* ============================== Bad rows and counts ======================= */

int support_skip_row(const quire_host *host, quire_plugin *self, int skip, int counts,
                     int64_t *skipped, quire_error *err)
{
    if (!skip)
        return QUIRE_ERR;
    if (counts) {
        (*skipped)++;
        if (self != NULL && host->log_enabled(self, QUIRE_LOG_DEBUG))
            host->log(self, QUIRE_LOG_DEBUG, "skipped: %s", err->msg);
    }
    err->code = QUIRE_E_NONE;
    err->msg[0] = '\0';
    return QUIRE_OK;
}

void support_log_skipped(const quire_host *host, quire_plugin *self, const char *name,
                         const char *row, int64_t skipped, int64_t delivered)
{
    if (skipped > 0 && self != NULL)
        host->log(self, QUIRE_LOG_INFO,
                  "%s: skipped %" PRId64 " bad %s%s of %" PRId64 " (on_error = skip)", name,
                  skipped, row, skipped == 1 ? "" : "s", skipped + delivered);
}

void support_stats_fill(quire_source_stats *out, int64_t rows, int64_t rows_skipped,
                        int64_t bytes_read, int64_t bytes_total)
{
#define FITS(member) (out->size >= offsetof(quire_source_stats, member) + sizeof(out->member))
    if (FITS(rows))
        out->rows = rows;
    if (FITS(rows_skipped))
        out->rows_skipped = rows_skipped;
    if (FITS(bytes_read))
        out->bytes_read = bytes_read;
    if (FITS(bytes_total))
        out->bytes_total = bytes_total;
#undef FITS
}

/* ============================== Arrays ==================================== */

int support_grow(const quire_host *host, void **ptr, size_t *cap, size_t need, size_t elem)
{
    size_t n = *cap ? *cap : 16;
    void *grown;

    if (need <= *cap)
        return 0;
    while (n < need) {
        if (n > SIZE_MAX / 2 / elem)
            return -1;
        n *= 2;
    }
    grown = host->realloc(*ptr, n * elem);
    if (grown == NULL)
        return -1;
    *ptr = grown;
    *cap = n;
    return 0;
}
